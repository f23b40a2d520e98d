/* The raw class of the neutral layer (raw_disk.h): the file's bytes are the disk's. */
#include "raw_disk.h"

#include <stdlib.h>
#include <string.h>
#include "disk_error.h"

typedef struct raw_image {
    /* First member: the data io extents point into, the file as if zeros extended it to size
     * (the same bytes as the file when no padding is needed). Only read. */
    vhd_io data;
    vhd_io *file;
    uint64_t file_size;
    uint64_t size;                  /* the disk's bytes: a whole number of sectors */
    void (*release)(void *block);
    /* The last answer of next_data, asked at known_from: a hole up to data_start, then data
     * up to data_end. A job maps the same run chunk after chunk; this spares the system calls. */
    bool known;
    uint64_t known_from, data_start, data_end;
} raw_image;

uint64_t raw_disk_padded_size(uint64_t size)
{
    uint64_t rest = size % DISK_SECTOR_SIZE;
    if (rest == 0)
        return size;
    if (size > UINT64_MAX - DISK_SECTOR_SIZE)
        return size - rest;
    return size - rest + DISK_SECTOR_SIZE;
}

static raw_image *impl_from_data_io(vhd_io *io)
{
    return (raw_image *)io;
}

/* Reads the file where it has the bytes and zeros past its end, up to the padded size. */
static vhd_status padded_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    raw_image *raw = impl_from_data_io(io);
    uint8_t *out = buf;
    if (offset > raw->size || len > raw->size - offset) {
        io->os_error = 0;
        return VHD_E_END_OF_FILE;
    }
    size_t in_file = 0;
    if (offset < raw->file_size)
        in_file = raw->file_size - offset < len ? (size_t)(raw->file_size - offset) : len;
    if (in_file > 0) {
        vhd_status status = raw->file->read_at(raw->file, offset, out, in_file);
        if (status != VHD_OK) {
            io->os_error = raw->file->os_error;
            return status;
        }
    }
    memset(out + in_file, 0, len - in_file);
    return VHD_OK;
}

static vhd_status padded_get_size(vhd_io *io, uint64_t *size)
{
    *size = impl_from_data_io(io)->size;
    return VHD_OK;
}

static vhd_reader_code raw_open(void **impl, vhd_io *io, const vhd_reader_options *options,
                                bool pad, vhd_reader_error *error)
{
    void *(*allocate)(size_t) = options && options->allocate ? options->allocate : malloc;
    void (*release)(void *) = options && options->release ? options->release : free;
    uint64_t file_size = 0;

    *impl = NULL;
    vhd_status status = io->get_size(io, &file_size);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, io, status, "file size", 0);
    uint64_t size = raw_disk_padded_size(file_size);
    if (size != file_size && !pad)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the raw image is %llu bytes, not a whole number of %u-byte "
                               "sectors (zeros up to %llu bytes would make it one)",
                               (unsigned long long)file_size, DISK_SECTOR_SIZE,
                               (unsigned long long)size);
    raw_image *raw = allocate(sizeof *raw);
    if (raw == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory opening the disk");
    memset(raw, 0, sizeof *raw);
    raw->data.read_at = padded_read_at;
    raw->data.get_size = padded_get_size;
    raw->file = io;
    raw->file_size = file_size;
    raw->size = size;
    raw->release = release;
    *impl = raw;
    return VHD_READER_OK;
}

static vhd_reader_code raw_open_exact(void **impl, vhd_io *io, const vhd_reader_options *options,
                                      vhd_reader_error *error)
{
    return raw_open(impl, io, options, false, error);
}

static vhd_reader_code raw_open_padded(void **impl, vhd_io *io, const vhd_reader_options *options,
                                       vhd_reader_error *error)
{
    return raw_open(impl, io, options, true, error);
}

static void raw_close(void *impl)
{
    raw_image *raw = impl;
    if (raw != NULL)
        raw->release(raw);
}

static void raw_describe(const void *impl, disk_info *out)
{
    const raw_image *raw = impl;
    memset(out, 0, sizeof *out);
    out->format = DISK_FORMAT_RAW;
    out->kind = DISK_KIND_FIXED;
    out->size = raw->size;
    out->file_size = raw->file_size;
    out->block_size = 0;
    out->logical_sector_size = DISK_SECTOR_SIZE;
    out->physical_sector_size = DISK_SECTOR_SIZE;
}

static vhd_io *raw_data_io(const void *impl)
{
    return &((raw_image *)impl)->data;
}

/* Data or a hole from lba on. Where the file cannot say (no next_data), all of it is data.
 * A sector that holds any byte of data is data; only whole sectors of a hole are zero. */
static vhd_reader_code raw_map(void *impl, uint64_t lba, uint32_t max_sectors,
                               disk_extent *extent, vhd_reader_error *error)
{
    raw_image *raw = impl;
    const uint64_t sectors = raw->size / DISK_SECTOR_SIZE;
    if (lba >= sectors || max_sectors == 0)
        return vhd_reader_fail(error, VHD_READER_OUT_OF_RANGE,
                               "sector %llu is beyond the raw image's %llu sectors",
                               (unsigned long long)lba, (unsigned long long)sectors);
    uint64_t count = sectors - lba < max_sectors ? sectors - lba : max_sectors;
    extent->state = DISK_EXTENT_DATA;
    extent->file_offset = lba * DISK_SECTOR_SIZE;
    extent->sectors = (uint32_t)count;
    if (raw->file->next_data == NULL || extent->file_offset >= raw->file_size)
        return VHD_READER_OK;

    uint64_t data_start, data_end;
    if (raw->known && extent->file_offset >= raw->known_from
        && extent->file_offset < raw->data_end) {
        data_start = raw->data_start > extent->file_offset ? raw->data_start : extent->file_offset;
        data_end = raw->data_end;
    } else {
        data_start = data_end = 0;
        raw->known = false;
        vhd_status status = raw->file->next_data(raw->file, extent->file_offset, &data_start,
                                                 &data_end);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, raw->file, status, "where the raw image holds data",
                                      extent->file_offset);
        /* Anything the back end says outside [offset, file size] is not believed: all data. */
        if (data_start < extent->file_offset || data_start > raw->file_size
            || data_end < data_start || data_end > raw->file_size)
            return VHD_READER_OK;
        raw->known = true;
        raw->known_from = extent->file_offset;
        raw->data_start = data_start;
        raw->data_end = data_end;
    }
    uint64_t first_data = data_start / DISK_SECTOR_SIZE;
    if (first_data > lba) {
        extent->state = DISK_EXTENT_ZERO;
        extent->file_offset = 0;
        extent->sectors = (uint32_t)(first_data - lba < count ? first_data - lba : count);
        return VHD_READER_OK;
    }
    uint64_t end_data = data_end / DISK_SECTOR_SIZE + (data_end % DISK_SECTOR_SIZE != 0);
    if (end_data > lba && end_data - lba < count)
        extent->sectors = (uint32_t)(end_data - lba);
    return VHD_READER_OK;
}

static bool raw_parent_candidate(const void *impl, unsigned n, vhd_parent_candidate *candidate)
{
    (void)impl; (void)n; (void)candidate;
    return false;   /* a raw image has no parent */
}

static vhd_reader_code raw_check_parent(const void *child, const char *child_name,
                                        const void *parent, const char *parent_name,
                                        vhd_reader_error *error)
{
    (void)child; (void)parent; (void)parent_name;
    return vhd_reader_fail(error, VHD_READER_PARENT_INVALID,
                           "the raw image %s has no parent", child_name);
}

const disk_image_class raw_disk_class = {
    .format = DISK_FORMAT_RAW,
    .name = "raw",
    .recognises = NULL,     /* never guessed: not in disk_image.c's table */
    .open = raw_open_exact,
    .close = raw_close,
    .describe = raw_describe,
    .data_io = raw_data_io,
    .map = raw_map,
    .parent_candidate = raw_parent_candidate,
    .check_parent = raw_check_parent,
};

const disk_image_class raw_padded_disk_class = {
    .format = DISK_FORMAT_RAW,
    .name = "raw",
    .recognises = NULL,
    .open = raw_open_padded,
    .close = raw_close,
    .describe = raw_describe,
    .data_io = raw_data_io,
    .map = raw_map,
    .parent_candidate = raw_parent_candidate,
    .check_parent = raw_check_parent,
};
