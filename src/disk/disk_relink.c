/* One re-link for every format (disk_relink.h). */
#include "disk_relink.h"

#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "disk_image.h"
#include "vhd_reader_internal.h"
#include "vhdx_disk.h"
#include "vhdx_relink.h"

/* UTF-16 units to NUL-terminated UTF-8 (allocated); NULL if out of memory or not valid. */
static char *to_utf8(const uint16_t *units, size_t length, void *(*allocate)(size_t),
                     void (*release)(void *))
{
    uint8_t *bytes = allocate(2 * length + 2);
    char *text = allocate(3 * length + 1);
    if (bytes == NULL || text == NULL) {
        if (bytes)
            release(bytes);
        if (text)
            release(text);
        return NULL;
    }
    for (size_t i = 0; i < length; i++) {
        bytes[2 * i] = (uint8_t)(units[i] & 0xFF);
        bytes[2 * i + 1] = (uint8_t)(units[i] >> 8);
    }
    bool ok = vhd_utf16_to_utf8(bytes, length, false, true, text, 3 * length + 1);
    release(bytes);
    if (!ok || strlen(text) == 0) {
        release(text);
        return NULL;
    }
    return text;
}

static vhd_reader_code describe(vhd_io *io, const vhd_reader_options *options, disk_info *info,
                                const char *which, vhd_reader_error *error)
{
    disk_image *image;
    vhd_reader_error inner;
    vhd_reader_code code = disk_image_open(&image, io, options, &inner);
    if (code != VHD_READER_OK) {
        vhd_reader_fail(error, code, "%s: %s", which, inner.reason);
        if (error != NULL) {
            error->io_status = inner.io_status;
            error->os_error = inner.os_error;
        }
        return code;
    }
    *info = *disk_image_info(image);
    disk_image_close(image);
    return VHD_READER_OK;
}

static vhd_reader_code relink_vhd(vhd_io *child, const disk_info *parent,
                                  const disk_relink_paths *paths, void *(*allocate)(size_t),
                                  void (*release)(void *), vhd_reader_error *error)
{
    char *absolute = to_utf8(paths->absolute, paths->absolute_length, allocate, release);
    char *relative = paths->relative_length == 0 ? NULL
                     : to_utf8(paths->relative, paths->relative_length, allocate, release);
    vhd_reader_code code;
    if (absolute == NULL || (paths->relative_length != 0 && relative == NULL))
        code = vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the new parent's path is not "
                               "valid UTF-16 (or memory ran out)");
    else
        code = vhd_relink_parent(child, parent->id, absolute, relative, error);
    if (absolute)
        release(absolute);
    if (relative)
        release(relative);
    return code;
}

static vhd_reader_code relink_vhdx(vhd_io *child, const disk_info *parent,
                                   const disk_relink_paths *paths,
                                   const disk_relink_options *options, vhd_reader_error *error)
{
    vhdx_parent_facts facts;
    vhdx_reader_error inner;
    const vhdx_writable_options writable = { options->random, options->ctx, options->allocate,
                                             options->release };
    memset(&facts, 0, sizeof facts);
    memcpy(facts.data_write_guid.bytes, parent->id, 16);
    facts.absolute_win32_path = paths->absolute;
    facts.absolute_win32_length = paths->absolute_length;
    facts.relative_path = paths->relative;
    facts.relative_length = paths->relative_length;
    facts.volume_path = paths->volume;
    facts.volume_length = paths->volume_length;
    if (vhdx_relink_parent(child, &facts, &writable, &inner) == VHDX_READER_OK)
        return VHD_READER_OK;
    return vhdx_disk_translate_error(&inner, error);
}

vhd_reader_code disk_relink(vhd_io *child, vhd_io *parent, const disk_relink_paths *paths,
                            const disk_relink_options *options, vhd_reader_error *error)
{
    const vhd_reader_options reader = { options->allocate, options->release };
    void *(*allocate)(size_t) = options->allocate ? options->allocate : malloc;
    void (*release)(void *) = options->release ? options->release : free;
    disk_info parent_info, child_info;
    vhd_reader_code code;

    if (paths->absolute_length == 0)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE,
                               "the new parent's absolute path is empty");
    if ((code = describe(parent, &reader, &parent_info, "the new parent", error)) != VHD_READER_OK
        || (code = describe(child, &reader, &child_info, "the differencing disk", error))
               != VHD_READER_OK)
        return code;
    if (child_info.kind != DISK_KIND_DIFFERENCING)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the disk is a %s %s, not a "
                               "differencing disk, so it has no parent to set",
                               disk_kind_name(child_info.kind),
                               disk_format_name(child_info.format));
    if (child_info.format != parent_info.format)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the new parent is a %s, but a "
                               "%s differencing disk's parent is a %s",
                               disk_format_name(parent_info.format),
                               disk_format_name(child_info.format),
                               disk_format_name(child_info.format));
    if (child_info.size != parent_info.size)
        return vhd_reader_fail(error, VHD_READER_PARENT_ID_MISMATCH, "the new parent holds %llu "
                               "bytes but the differencing disk %llu: it is not its parent",
                               (unsigned long long)parent_info.size,
                               (unsigned long long)child_info.size);
    if (child_info.format == DISK_FORMAT_VHD)
        return relink_vhd(child, &parent_info, paths, allocate, release, error);
    return relink_vhdx(child, &parent_info, paths, options, error);
}
