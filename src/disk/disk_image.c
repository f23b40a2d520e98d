/* Opening an image by its content and reading it through its format's class. */
#include "disk_image.h"

#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "disk_formats.h"

/* Formats that recognise themselves by their first bytes first; the last is the fallback. */
static const disk_image_class *const classes[] = { &vhdx_disk_class, &vhd_disk_class };

struct disk_image {
    const disk_image_class *class;
    void *impl;
    vhd_io *io;
    disk_info info;
    void (*release)(void *block);
};

vhd_reader_code disk_image_probe(vhd_io *io, const disk_image_class **class,
                                 vhd_reader_error *error)
{
    uint8_t head[DISK_PROBE_BYTES] = { 0 };
    uint64_t size = 0;
    const size_t count = sizeof classes / sizeof classes[0];

    vhd_status status = io->get_size(io, &size);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, io, status, "file size", 0);
    if (size >= sizeof head) {
        status = io->read_at(io, 0, head, sizeof head);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, io, status, "start of the file", 0);
        for (size_t i = 0; i < count; i++) {
            if (classes[i]->recognises != NULL && classes[i]->recognises(head)) {
                *class = classes[i];
                return VHD_READER_OK;
            }
        }
    }
    *class = classes[count - 1];
    for (size_t i = 0; i < count; i++) {
        if (classes[i]->recognises == NULL)
            *class = classes[i];
    }
    return VHD_READER_OK;
}

vhd_reader_code disk_image_open(disk_image **result, vhd_io *io, const vhd_reader_options *options,
                                vhd_reader_error *error)
{
    void *(*allocate)(size_t) = options && options->allocate ? options->allocate : malloc;
    void (*release)(void *) = options && options->release ? options->release : free;
    disk_image *image;

    vhd_reader_clear(error);
    *result = NULL;
    image = allocate(sizeof *image);
    if (image == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory opening the disk");
    memset(image, 0, sizeof *image);
    image->io = io;
    image->release = release;
    vhd_reader_code code = disk_image_probe(io, &image->class, error);
    if (code == VHD_READER_OK)
        code = image->class->open(&image->impl, io, options, error);
    if (code != VHD_READER_OK) {
        release(image);
        return code;
    }
    image->class->describe(image->impl, &image->info);
    *result = image;
    return VHD_READER_OK;
}

void disk_image_close(disk_image *image)
{
    if (image == NULL)
        return;
    image->class->close(image->impl);
    image->release(image);
}

const disk_info *disk_image_info(const disk_image *image)
{
    return &image->info;
}

const disk_image_class *disk_image_class_of(const disk_image *image)
{
    return image->class;
}

vhd_io *disk_image_io(const disk_image *image)
{
    return image->class->data_io != NULL ? image->class->data_io(image->impl) : image->io;
}

void *disk_image_impl(const disk_image *image)
{
    return image->impl;
}

vhd_reader_code disk_image_map(disk_image *image, uint64_t lba, uint32_t max_sectors,
                               disk_extent *extent, vhd_reader_error *error)
{
    return image->class->map(image->impl, lba, max_sectors, extent, error);
}

vhd_reader_code disk_image_read_through(disk_image *image, uint64_t lba, uint32_t count,
                                        void *buf, disk_parent_read parent, void *ctx,
                                        vhd_reader_error *error)
{
    uint8_t *out = buf;
    uint64_t total = image->info.size / DISK_SECTOR_SIZE;

    vhd_reader_clear(error);
    if (lba > total || count > total - lba)
        return vhd_reader_fail(error, VHD_READER_OUT_OF_RANGE,
                               "sectors %llu to %llu are beyond the disk's %llu sectors",
                               (unsigned long long)lba, (unsigned long long)(lba + count),
                               (unsigned long long)total);
    while (count > 0) {
        disk_extent extent = { DISK_EXTENT_ZERO, 0, 0 };
        vhd_reader_code code = disk_image_map(image, lba, count, &extent, error);
        if (code != VHD_READER_OK)
            return code;
        size_t bytes = (size_t)extent.sectors * DISK_SECTOR_SIZE;
        if (extent.state == DISK_EXTENT_DATA) {
            vhd_io *io = disk_image_io(image);
            vhd_status status = io->read_at(io, extent.file_offset, out, bytes);
            if (status != VHD_OK)
                return vhd_reader_fail_io(error, io, status, "disk data", extent.file_offset);
        } else if (extent.state == DISK_EXTENT_PARENT && parent != NULL) {
            code = parent(ctx, lba, extent.sectors, out, error);
            if (code != VHD_READER_OK)
                return code;
        } else {
            memset(out, 0, bytes);
        }
        out += bytes;
        lba += extent.sectors;
        count -= extent.sectors;
    }
    return VHD_READER_OK;
}

vhd_reader_code disk_image_read_sectors(disk_image *image, uint64_t lba, uint32_t count,
                                        void *buf, vhd_reader_error *error)
{
    return disk_image_read_through(image, lba, count, buf, NULL, NULL, error);
}

disk_format disk_format_of_new_path(const char *path)
{
    static const char suffix[] = ".vhdx";
    size_t length = strlen(path), n = sizeof suffix - 1;
    if (length < n)
        return DISK_FORMAT_VHD;
    for (size_t i = 0; i < n; i++) {
        char c = path[length - n + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return DISK_FORMAT_VHD;
    }
    return DISK_FORMAT_VHDX;
}

const char *disk_format_name(disk_format format)
{
    switch (format) {
    case DISK_FORMAT_VHD:  return "VHD";
    case DISK_FORMAT_VHDX: return "VHDX";
    case DISK_FORMAT_RAW:  return "raw";
    }
    return "unknown format";
}

const char *disk_kind_name(disk_kind kind)
{
    switch (kind) {
    case DISK_KIND_FIXED:        return "fixed";
    case DISK_KIND_DYNAMIC:      return "dynamic";
    case DISK_KIND_DIFFERENCING: return "differencing";
    }
    return "unknown";
}
