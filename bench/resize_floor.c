/* resize_floor: the floor of growing a dynamic VHD whose block table must grow past its
 * padding (bench_lifecycle.sh): the same bytes read and written as the job, by one process with
 * plain pread/pwrite, one fdatasync, no checks.
 *
 *   resize_floor grow DISK NEW_SIZE_BYTES
 *       Every block (bitmap and data) that lies where the longer table will be is read and
 *       appended after the last block, its data 4 KiB-aligned; then the whole new table
 *       (the entries, 0xFF up to its 4 KiB-aligned end), the dynamic header and both footer
 *       copies (the new size and checksums) written; one fdatasync. The result is a valid disk
 *       (bench/floors_smoke.sh reads it back through qemu-img). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_layout.h"

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The one's complement of the bytes' sum, its own 4 bytes at field counted as zero. */
static void put_checksum(uint8_t *p, size_t len, size_t field)
{
    uint32_t sum = 0;
    memset(p + field, 0, 4);
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    put_be(p + field, ~sum, 4);
}

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "grow") != 0) {
        fprintf(stderr, "usage: resize_floor grow DISK NEW_SIZE_BYTES\n");
        return 2;
    }
    uint64_t new_size = strtoull(argv[3], NULL, 10);
    uint8_t *buf = malloc(FLOOR_PIECE);
    floor_layout d;
    if (!buf)
        floor_die("out of memory", 0);
    floor_layout_open(&d, argv[2], O_RDWR);
    if (d.vhdx || !d.dynamic || new_size <= d.size)
        floor_die("not a dynamic VHD grown", 0);
    uint64_t entries = (new_size + d.block - 1) / d.block;
    uint64_t table_end = d.table_offset + (entries * 4 + 4095) / 4096 * 4096;
    uint64_t next = d.file_size - 512;   /* where the footer was */
    for (uint32_t i = 0; i < d.blocks; i++) {
        if (d.data[i] == FLOOR_ABSENT || d.data[i] - 512 >= table_end)
            continue;
        uint64_t data_at = (next + 512 + 4095) / 4096 * 4096;
        floor_copy(d.fd, d.data[i] - 512, d.fd, data_at - 512, 512 + (uint64_t)d.block, buf);
        d.data[i] = data_at;
        next = data_at + d.block;
    }
    size_t table_bytes = (size_t)(table_end - d.table_offset);
    uint8_t *table = malloc(table_bytes), header[1024];
    if (!table)
        floor_die("out of memory", 0);
    memset(table, 0xFF, table_bytes);
    for (uint32_t i = 0; i < d.blocks; i++)
        if (d.data[i] != FLOOR_ABSENT)
            put_be(table + 4 * (size_t)i, (d.data[i] - 512) / 512, 4);
    if (pread(d.fd, header, 1024, (off_t)d.header_offset) != 1024)
        floor_die("header", errno);
    put_be(header + 28, entries, 4);   /* Max Table Entries */
    put_be(d.footer + 40, new_size, 8);   /* Original Size */
    put_be(d.footer + 48, new_size, 8);   /* Current Size */
    put_checksum(header, 1024, 36);
    put_checksum(d.footer, 512, 64);
    if (pwrite(d.fd, table, table_bytes, (off_t)d.table_offset) != (ssize_t)table_bytes
        || pwrite(d.fd, header, 1024, (off_t)d.header_offset) != 1024
        || pwrite(d.fd, d.footer, 512, 0) != 512
        || pwrite(d.fd, d.footer, 512, (off_t)next) != 512
        || ftruncate(d.fd, (off_t)(next + 512)) != 0 || fdatasync(d.fd) != 0)
        floor_die("table", errno);
    free(table);
    free(buf);
    floor_layout_close(&d);
    return 0;
}
