/* floor_layout: the layout of the bench's own VHD and VHDX files, for the floor programs
 * (floor_layout.h). Field names after the specifications (VHD: footer, dynamic header, BAT;
 * VHDX: region table, metadata table, BAT). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include "floor_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KiB 1024u
#define MiB (1024u * 1024u)

void floor_die(const char *what, int error)
{
    fprintf(stderr, "floor: %s%s%s\n", what, error ? ": " : "", error ? strerror(error) : "");
    exit(1);
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void read_at(const floor_layout *d, void *buf, uint64_t len, uint64_t offset)
{
    if (offset > d->file_size || len > d->file_size - offset
        || pread(d->fd, buf, len, (off_t)offset) != (ssize_t)len)
        floor_die("a structure lies outside the file", 0);
}

static void add_meta(floor_layout *d, uint64_t offset, uint64_t length)
{
    floor_range *grown = realloc(d->meta, (d->meta_count + 1) * sizeof *grown);
    if (!grown)
        floor_die("out of memory", 0);
    d->meta = grown;
    d->meta[d->meta_count++] = (floor_range){ offset, length };
}

static void allocate_blocks(floor_layout *d)
{
    d->blocks = (uint32_t)((d->size + d->block - 1) / d->block);
    d->data = calloc(d->blocks ? d->blocks : 1, sizeof *d->data);
    if (!d->data)
        floor_die("out of memory", 0);
    for (uint32_t i = 0; i < d->blocks; i++)
        d->data[i] = FLOOR_ABSENT;
}

static void open_vhd(floor_layout *d)
{
    read_at(d, d->footer, 512, d->file_size - 512);
    if (memcmp(d->footer, "conectix", 8) != 0)
        floor_die("neither a VHD nor a VHDX", 0);
    d->size = be(d->footer + 48, 8);
    uint32_t type = (uint32_t)be(d->footer + 60, 4);
    if (type == 2) {   /* fixed: the data from offset 0, in 2 MiB pieces */
        d->block = 2 * MiB;
        allocate_blocks(d);
        for (uint32_t i = 0; i < d->blocks; i++)
            d->data[i] = (uint64_t)i * d->block;
        add_meta(d, d->size, 512);
        return;
    }
    if (type != 3)
        floor_die("a differencing VHD", 0);
    uint8_t header[1024];
    d->dynamic = 1;
    d->header_offset = be(d->footer + 16, 8);
    read_at(d, header, 1024, d->header_offset);
    d->table_offset = be(header + 16, 8);
    uint32_t entries = (uint32_t)be(header + 28, 4);
    d->block = (uint32_t)be(header + 32, 4);
    if (d->block < 512 || d->block % 512)
        floor_die("a block size", 0);
    d->table_bytes = (uint64_t)entries * 4;
    allocate_blocks(d);
    if (entries < d->blocks)
        floor_die("a table shorter than the disk", 0);
    uint8_t *raw = malloc(d->table_bytes);
    if (!raw)
        floor_die("out of memory", 0);
    read_at(d, raw, d->table_bytes, d->table_offset);
    uint64_t bitmap = ((uint64_t)d->block / 512 / 8 + 511) / 512 * 512;
    add_meta(d, 0, 512);
    add_meta(d, d->header_offset, 1024);
    add_meta(d, d->table_offset, d->table_bytes);
    for (uint32_t i = 0; i < d->blocks; i++) {
        uint32_t sector = (uint32_t)be(raw + 4 * (size_t)i, 4);
        if (sector == 0xFFFFFFFFu)
            continue;
        uint64_t at = (uint64_t)sector * 512;
        if (at + bitmap + d->block > d->file_size)
            floor_die("a block outside the file", 0);
        d->data[i] = at + bitmap;
        add_meta(d, at, bitmap);
    }
    add_meta(d, d->file_size - 512, 512);
    free(raw);
}

static const uint8_t bat_guid[16] = { 0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42,
                                      0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08 };
static const uint8_t metadata_guid[16] = { 0x06, 0xA2, 0x7C, 0x8B, 0x90, 0x47, 0x9A, 0x4B,
                                           0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E };
static const uint8_t file_parameters_guid[16] = { 0x37, 0x67, 0xA1, 0xCA, 0x36, 0xFA, 0x43, 0x4D,
                                                  0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B };
static const uint8_t virtual_disk_size_guid[16] = { 0x24, 0x42, 0xA5, 0x2F, 0x1B, 0xCD, 0x76, 0x48,
                                                    0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8 };
static const uint8_t logical_sector_size_guid[16] = { 0x1D, 0xBF, 0x41, 0x81, 0x6F, 0xA9, 0x09, 0x47,
                                                      0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F };

static void open_vhdx(floor_layout *d)
{
    uint8_t *region = malloc(64 * KiB), *meta = malloc(64 * KiB);
    uint64_t meta_offset = 0, bat_length = 0;
    if (!region || !meta)
        floor_die("out of memory", 0);
    d->vhdx = 1;
    read_at(d, region, 64 * KiB, 192 * KiB);
    uint32_t count = (uint32_t)le(region + 8, 4);
    if (memcmp(region, "regi", 4) != 0 || count > 2047)
        floor_die("a region table", 0);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = region + 16 + 32 * (size_t)i;
        if (memcmp(e, bat_guid, 16) == 0) {
            d->table_offset = le(e + 16, 8);
            bat_length = le(e + 24, 4);
        } else if (memcmp(e, metadata_guid, 16) == 0) {
            meta_offset = le(e + 16, 8);
        }
    }
    read_at(d, meta, 64 * KiB, meta_offset);
    count = (uint32_t)le(meta + 10, 2);
    if (memcmp(meta, "metadata", 8) != 0 || count > 2047)
        floor_die("a metadata table", 0);
    uint32_t flags = 0, logical_sector = 0;
    uint64_t meta_end = 64 * KiB;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = meta + 32 + 32 * (size_t)i;
        uint32_t at = (uint32_t)le(e + 16, 4), length = (uint32_t)le(e + 20, 4);
        uint8_t item[8] = { 0 };
        if (length > sizeof item && (memcmp(e, file_parameters_guid, 16) == 0
                                     || memcmp(e, virtual_disk_size_guid, 16) == 0
                                     || memcmp(e, logical_sector_size_guid, 16) == 0))
            floor_die("a metadata item", 0);
        if (length <= sizeof item)
            read_at(d, item, length, meta_offset + at);
        if (memcmp(e, file_parameters_guid, 16) == 0) {
            d->block = (uint32_t)le(item, 4);
            flags = (uint32_t)le(item + 4, 4);
        } else if (memcmp(e, virtual_disk_size_guid, 16) == 0) {
            d->size = le(item, 8);
        } else if (memcmp(e, logical_sector_size_guid, 16) == 0) {
            logical_sector = (uint32_t)le(item, 4);
        }
        if ((uint64_t)at + length > meta_end)
            meta_end = (uint64_t)at + length;
    }
    if (d->block < MiB || logical_sector < 512 || (flags & 2))
        floor_die("a block size or sector size, or a differencing VHDX", 0);
    d->dynamic = !(flags & 1);
    d->chunk_ratio = (uint32_t)(((uint64_t)1 << 23) * logical_sector / d->block);
    allocate_blocks(d);
    uint64_t used = d->blocks ? (uint64_t)(d->blocks - 1) + (d->blocks - 1) / d->chunk_ratio + 1 : 0;
    if (used * 8 > bat_length)
        floor_die("a table shorter than the disk", 0);
    d->table_bytes = (used * 8 + 4095) / 4096 * 4096;
    uint8_t *raw = malloc(d->table_bytes);
    if (!raw)
        floor_die("out of memory", 0);
    read_at(d, raw, d->table_bytes, d->table_offset);
    for (uint32_t i = 0; i < d->blocks; i++) {
        uint64_t entry = le(raw + 8 * ((uint64_t)i + i / d->chunk_ratio), 8);
        uint32_t state = (uint32_t)(entry & 7);
        uint64_t at = entry >> 20 << 20;
        if (state != 6 && state != 7)   /* FULLY_PRESENT, PARTIALLY_PRESENT */
            continue;
        if (at + d->block > d->file_size)
            floor_die("a block outside the file", 0);
        d->data[i] = at;
    }
    add_meta(d, 0, 64 * KiB);             /* file identifier */
    add_meta(d, 64 * KiB, 4 * KiB);       /* headers */
    add_meta(d, 128 * KiB, 4 * KiB);
    add_meta(d, 192 * KiB, 128 * KiB);    /* region tables */
    add_meta(d, meta_offset, meta_end);
    add_meta(d, d->table_offset, d->table_bytes);
    free(raw);
    free(region);
    free(meta);
}

void floor_layout_open(floor_layout *d, const char *path, int flags)
{
    char signature[8];
    memset(d, 0, sizeof *d);
    d->fd = open(path, flags | O_CLOEXEC);
    if (d->fd < 0)
        floor_die(path, errno);
    off_t end = lseek(d->fd, 0, SEEK_END);
    if (end < 64 * 1024)
        floor_die("a file too short", 0);
    d->file_size = (uint64_t)end;
    read_at(d, signature, 8, 0);
    if (memcmp(signature, "vhdxfile", 8) == 0)
        open_vhdx(d);
    else
        open_vhd(d);
}

void floor_layout_close(floor_layout *d)
{
    close(d->fd);
    free(d->data);
    free(d->meta);
}

void floor_copy(int from, uint64_t at, int to, uint64_t where, uint64_t len, uint8_t *buf)
{
    for (uint64_t done = 0; done < len; done += FLOOR_PIECE) {
        size_t n = len - done < FLOOR_PIECE ? (size_t)(len - done) : FLOOR_PIECE;
        if (pread(from, buf, n, (off_t)(at + done)) != (ssize_t)n)
            floor_die("read", errno);
        if (pwrite(to, buf, n, (off_t)(where + done)) != (ssize_t)n)
            floor_die("write", errno);
    }
}
