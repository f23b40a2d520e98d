/* libFuzzer target: the minimum-size parser (MBR, GPT; disk_minimum.c) on a raw disk. The input
 * is a u32 disk size in sectors (at least one), then the disk's first bytes; the rest of the disk
 * is a hole of zeros (next_data says so). What it promises is held: a minimum is whole sectors
 * and at most the disk's size, a refusal says why, and nothing is read outside the disk. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_minimum.h"
#include "raw_disk.h"

#define expect(condition) \
    do { \
        if (!(condition)) { \
            fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, __LINE__, #condition); \
            abort(); \
        } \
    } while (0)

struct prefix_disk {
    vhd_io io;
    uint64_t size;
    const uint8_t *bytes;
    size_t length;
};

static vhd_status prefix_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct prefix_disk *d = (struct prefix_disk *)io;
    if (offset > d->size || len > d->size - offset)
        return VHD_E_END_OF_FILE;
    memset(buf, 0, len);
    if (offset < d->length) {
        size_t n = d->length - (size_t)offset < len ? d->length - (size_t)offset : len;
        memcpy(buf, d->bytes + offset, n);
    }
    return VHD_OK;
}

static vhd_status prefix_get_size(vhd_io *io, uint64_t *size)
{
    *size = ((struct prefix_disk *)io)->size;
    return VHD_OK;
}

static vhd_status prefix_next_data(vhd_io *io, uint64_t offset, uint64_t *start, uint64_t *end)
{
    struct prefix_disk *d = (struct prefix_disk *)io;
    uint64_t data_end = d->length < d->size ? d->length : d->size;
    if (offset < data_end) {
        *start = offset;
        *end = data_end;
    } else {
        *start = *end = d->size;
    }
    return VHD_OK;
}

static vhd_status refuse_write(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    (void)io, (void)offset, (void)buf, (void)len;
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t sectors = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16
                       | (uint32_t)data[3] << 24;
    struct prefix_disk disk;
    memset(&disk, 0, sizeof disk);
    disk.io.read_at = prefix_read_at;
    disk.io.get_size = prefix_get_size;
    disk.io.next_data = prefix_next_data;
    disk.io.write_at = refuse_write;
    disk.size = ((uint64_t)(sectors % (1u << 28)) + 1) * 512;
    disk.bytes = data + 4;
    disk.length = size - 4;

    disk_image *image;
    vhd_reader_error error;
    expect(disk_image_open_as(&image, &raw_disk_class, &disk.io, NULL, &error) == VHD_READER_OK);
    uint64_t minimum = UINT64_MAX;
    disk_layout layout;
    vhd_reader_code code = disk_minimum_size(image, &minimum, &layout, &error);
    if (code == VHD_READER_OK) {
        expect(minimum % 512 == 0 && minimum <= disk.size);
        expect(layout == DISK_LAYOUT_NONE || layout == DISK_LAYOUT_MBR
               || layout == DISK_LAYOUT_GPT);
    } else {
        if (code != VHD_READER_NOT_POSSIBLE)
            fprintf(stderr, "code %d: %s\n", (int)code, error.reason);
        expect(code == VHD_READER_NOT_POSSIBLE);
        expect(error.code == code && strlen(error.reason) > 0
               && strlen(error.reason) < sizeof error.reason);
    }
    disk_image_close(image);
    return 0;
}
