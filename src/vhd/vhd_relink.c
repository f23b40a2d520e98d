/* Re-linking a differencing disk to a moved parent, in place and crash-safely. */
#include "vhd_reader_internal.h"

#include <string.h>

#define MAX_WRITES 3

/* A read-only view of a file with pending writes laid over it, so that the reader can open
 * the result before anything reaches the disk. */
struct overlay {
    vhd_io io;
    vhd_io *inner;
    unsigned count;
    struct { uint64_t offset; size_t len; const uint8_t *data; } writes[MAX_WRITES];
};

static vhd_status overlay_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct overlay *o = (struct overlay *)io;
    vhd_status status = o->inner->read_at(o->inner, offset, buf, len);
    if (status != VHD_OK)
        return status;
    for (unsigned i = 0; i < o->count; i++) {
        uint64_t start = o->writes[i].offset, end = start + o->writes[i].len;
        uint64_t from = offset > start ? offset : start;
        uint64_t to = offset + len < end ? offset + len : end;
        if (from < to)
            memcpy((uint8_t *)buf + (from - offset), o->writes[i].data + (from - start),
                   (size_t)(to - from));
    }
    return VHD_OK;
}

static vhd_status overlay_get_size(vhd_io *io, uint64_t *size)
{
    struct overlay *o = (struct overlay *)io;
    return o->inner->get_size(o->inner, size);
}

static vhd_reader_code write_failed(vhd_reader_error *error, vhd_io *io, vhd_status status,
                                    const char *what, uint64_t offset)
{
    vhd_reader_fail(error, VHD_READER_IO, "%s at offset %llu failed: %s", what,
                    (unsigned long long)offset, vhd_status_message(status));
    error->io_status = status;
    error->os_error = io->os_error;
    return VHD_READER_IO;
}

struct locator_plan {
    int index;                       /* entry in the header, -1 if none */
    uint8_t data[VHD_READER_LOCATOR_MAX_BYTES];
    size_t new_length, write_length;
};

/* Plans the new data of the first locator with code, for path. */
static vhd_reader_code plan_locator(vhd_dynamic_header *header, uint32_t code, const char *path,
                                    struct locator_plan *plan, vhd_reader_error *error)
{
    plan->index = -1;
    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        if (header->parent_locator[i].platform_code == code) {
            plan->index = (int)i;
            break;
        }
    }
    if (plan->index < 0 || path == NULL)
        return VHD_READER_OK;
    vhd_parent_locator *l = &header->parent_locator[plan->index];
    uint64_t space = l->platform_data_space < VHD_SECTOR_SIZE
        ? (uint64_t)l->platform_data_space * VHD_SECTOR_SIZE : l->platform_data_space;
    if (space > sizeof plan->data)
        space = sizeof plan->data;
    memset(plan->data, 0, sizeof plan->data);
    if (!vhd_utf8_to_utf16(path, false, plan->data, (size_t)space, &plan->new_length))
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE,
                               "the path %s is not valid UTF-8 or does not fit the %llu bytes of "
                               "parent locator %d", path, (unsigned long long)space, plan->index);
    /* Zeros over the rest of the old path, so that the old length reads the new path. */
    plan->write_length = plan->new_length > l->platform_data_length
        ? plan->new_length : l->platform_data_length;
    if (plan->write_length > space)
        plan->write_length = plan->new_length;
    l->platform_data_length = (uint32_t)plan->new_length;
    return VHD_READER_OK;
}

vhd_reader_code vhd_relink_parent(vhd_io *io, const uint8_t parent_id[16],
                                  const char *absolute_path, const char *relative_path,
                                  vhd_reader_error *error)
{
    vhd_image *image;
    vhd_reader_code code;
    uint8_t header_bytes[VHD_DYNAMIC_HEADER_SIZE];
    struct locator_plan plan[2];

    if ((code = vhd_image_open(&image, io, NULL, error)) != VHD_READER_OK)
        return code;
    const vhd_image_info *info = vhd_image_get_info(image);
    vhd_dynamic_header header = info->header;
    uint64_t header_offset = info->footer.data_offset;
    char want[37], got[37];
    if (info->footer.disk_type != VHD_DISK_TYPE_DIFFERENCING) {
        vhd_image_close(image);
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the disk is not a differencing "
                               "disk, so it has no parent");
    }
    if (memcmp(parent_id, header.parent_unique_id, 16) != 0) {
        vhd_unique_id_format(header.parent_unique_id, want);
        vhd_unique_id_format(parent_id, got);
        vhd_image_close(image);
        return vhd_reader_fail(error, VHD_READER_PARENT_ID_MISMATCH, "the new parent's unique id "
                               "%s is not %s, the one the differencing disk was made from", got,
                               want);
    }
    vhd_image_close(image);

    if ((code = plan_locator(&header, VHD_PLATFORM_W2KU, absolute_path, &plan[0], error))
            != VHD_READER_OK
        || (code = plan_locator(&header, VHD_PLATFORM_W2RU, relative_path, &plan[1], error))
            != VHD_READER_OK)
        return code;
    if (plan[0].index < 0)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the differencing disk has no "
                               "W2ku (absolute path) parent locator to update");
    size_t name_bytes;
    memset(header.parent_unicode_name, 0, sizeof header.parent_unicode_name);
    if (!vhd_utf8_to_utf16(absolute_path, true, header.parent_unicode_name,
                           sizeof header.parent_unicode_name, &name_bytes))
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the path %s does not fit the "
                               "header's 256-character parent name", absolute_path);
    vhd_dynamic_header_encode(&header, header_bytes);

    struct overlay view = { .io = { .read_at = overlay_read_at, .get_size = overlay_get_size },
                            .inner = io };
    for (int i = 0; i < 2; i++) {
        if (plan[i].index < 0 || (i == 1 && relative_path == NULL))
            continue;
        view.writes[view.count].offset = header.parent_locator[plan[i].index].platform_data_offset;
        view.writes[view.count].len = plan[i].write_length;
        view.writes[view.count].data = plan[i].data;
        view.count++;
    }
    view.writes[view.count].offset = header_offset;
    view.writes[view.count].len = sizeof header_bytes;
    view.writes[view.count].data = header_bytes;
    view.count++;

    /* The result must open, with the new paths, before anything is written. */
    vhd_reader_error check;
    if ((code = vhd_image_open(&image, &view.io, NULL, &check)) != VHD_READER_OK) {
        if (code == VHD_READER_IO || code == VHD_READER_NO_MEMORY) {
            *error = check;
            return code;
        }
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the re-linked disk would not be "
                               "valid: %s", check.reason);
    }
    vhd_image_close(image);

    for (unsigned i = 0; i < view.count; i++) {
        bool header_write = i == view.count - 1;
        vhd_status status;
        if (header_write && (status = io->flush(io)) != VHD_OK)
            return write_failed(error, io, status, "flushing the parent locators", 0);
        status = io->write_at(io, view.writes[i].offset, view.writes[i].data, view.writes[i].len);
        if (status != VHD_OK)
            return write_failed(error, io, status, header_write
                                ? "writing the dynamic disk header" : "writing a parent locator",
                                view.writes[i].offset);
    }
    vhd_status status = io->flush(io);
    if (status != VHD_OK)
        return write_failed(error, io, status, "flushing the dynamic disk header", 0);
    return VHD_READER_OK;
}
