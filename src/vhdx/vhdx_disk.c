/* The VHDX class of the neutral layer: vhdx_image (vhdx_image.c) behind disk_image. The
 * neutral layer counts in 512-byte sectors; a VHDX with 4 KiB logical sectors is mapped in
 * its own sectors and the extents are cut back to 512-byte ones. */
#include "vhdx_disk.h"
#include "vhdx_check.h"

#include <stdio.h>
#include <string.h>
#include "disk_error.h"

#define SIGNATURE "vhdxfile"

static bool vhdx_recognises(const uint8_t head[DISK_PROBE_BYTES])
{
    return memcmp(head, SIGNATURE, 8) == 0;
}

/* The neutral code for a VHDX reader's code; the reason is kept as it is. */
static vhd_reader_code neutral_code(vhdx_reader_code code)
{
    switch (code) {
    case VHDX_READER_OK:               return VHD_READER_OK;
    case VHDX_READER_IO:               return VHD_READER_IO;
    case VHDX_READER_NO_MEMORY:        return VHD_READER_NO_MEMORY;
    case VHDX_READER_TRUNCATED:        return VHD_READER_TRUNCATED;
    case VHDX_READER_BAD_BAT:          return VHD_READER_BAD_BAT;
    case VHDX_READER_BAD_LOCATOR:      return VHD_READER_BAD_LOCATOR;
    case VHDX_READER_OUT_OF_RANGE:     return VHD_READER_OUT_OF_RANGE;
    case VHDX_READER_PARENT_ID_MISMATCH: return VHD_READER_PARENT_ID_MISMATCH;
    case VHDX_READER_NOT_POSSIBLE:     return VHD_READER_NOT_POSSIBLE;
    case VHDX_READER_NOT_VHDX:
    case VHDX_READER_BAD_HEADER:
    case VHDX_READER_BAD_LOG:          return VHD_READER_BAD_HEADER;
    case VHDX_READER_BAD_REGION_TABLE:
    case VHDX_READER_BAD_METADATA:
    case VHDX_READER_UNSUPPORTED:      return VHD_READER_BAD_FIELD;
    }
    return VHD_READER_BAD_FIELD;
}

vhd_reader_code vhdx_disk_translate_error(const vhdx_reader_error *from, vhd_reader_error *to)
{
    vhd_reader_code code = neutral_code(from->code);
    vhd_reader_fail(to, code, "%s", from->reason);
    if (to != NULL && code == VHD_READER_IO) {
        to->io_status = (vhd_status)from->io_status;
        to->os_error = from->os_error;
    }
    return code;
}

static vhd_reader_code vhdx_open(void **impl, vhd_io *io, const vhd_reader_options *options,
                                 vhd_reader_error *error)
{
    vhdx_reader_options own = { options ? options->allocate : NULL,
                                options ? options->release : NULL };
    vhdx_reader_error inner;
    vhdx_image *image;
    if (vhdx_image_open(&image, io, &own, &inner) != VHDX_READER_OK) {
        *impl = NULL;
        return vhdx_disk_translate_error(&inner, error);
    }
    *impl = image;
    return VHD_READER_OK;
}

static void vhdx_close(void *impl)
{
    vhdx_image_close(impl);
}

static void vhdx_describe(const void *impl, disk_info *out)
{
    const vhdx_image_info *info = vhdx_image_get_info(impl);
    memset(out, 0, sizeof *out);
    out->format = DISK_FORMAT_VHDX;
    out->kind = info->kind == VHDX_KIND_FIXED ? DISK_KIND_FIXED
              : info->kind == VHDX_KIND_DIFFERENCING ? DISK_KIND_DIFFERENCING : DISK_KIND_DYNAMIC;
    out->size = info->virtual_size;
    out->file_size = info->file_size;
    out->block_size = info->block_size;
    out->logical_sector_size = info->logical_sector_size;
    out->physical_sector_size = info->physical_sector_size;
    memcpy(out->id, info->header.data_write_guid.bytes, sizeof out->id);
    memcpy(out->virtual_disk_id, info->virtual_disk_id.bytes, sizeof out->virtual_disk_id);
}

static vhd_io *vhdx_data_io(const void *impl)
{
    return vhdx_image_io(impl);
}

static vhd_reader_code vhdx_map(void *impl, uint64_t lba, uint32_t max_sectors,
                                disk_extent *extent, vhd_reader_error *error)
{
    const vhdx_image_info *info = vhdx_image_get_info(impl);
    uint32_t ratio = info->logical_sector_size / DISK_SECTOR_SIZE;
    uint32_t skip = (uint32_t)(lba % ratio);
    uint64_t wanted = (uint64_t)skip + max_sectors;
    uint64_t own_max = (wanted + ratio - 1) / ratio;
    vhdx_extent own;
    vhdx_reader_error inner;

    if (vhdx_image_map(impl, lba / ratio, own_max > UINT32_MAX ? UINT32_MAX : (uint32_t)own_max,
                       &own, &inner) != VHDX_READER_OK)
        return vhdx_disk_translate_error(&inner, error);
    uint64_t sectors = (uint64_t)own.sectors * ratio - skip;
    extent->state = own.state == VHDX_EXTENT_PRESENT ? DISK_EXTENT_DATA
                  : own.state == VHDX_EXTENT_ZERO ? DISK_EXTENT_ZERO : DISK_EXTENT_PARENT;
    extent->file_offset = own.state == VHDX_EXTENT_PRESENT
                              ? own.file_offset + (uint64_t)skip * DISK_SECTOR_SIZE : 0;
    extent->sectors = sectors < max_sectors ? (uint32_t)sectors : max_sectors;
    return VHD_READER_OK;
}

/* The specification's order: relative_path, volume_path, absolute_win32_path. Each is a
 * Windows path; the relative one is given as a relative locator, the others as absolute
 * ones, so the hosts' openers apply the rules they apply to VHD locators. */
static bool vhdx_next_parent_candidate(const void *impl, unsigned n,
                                       vhd_parent_candidate *candidate)
{
    const vhdx_image_info *info = vhdx_image_get_info(impl);
    const struct { const char *path; uint32_t code; } keys[] = {
        { info->relative_path, VHD_PLATFORM_W2RU },
        { info->volume_path, VHD_PLATFORM_W2KU },
        { info->absolute_win32_path, VHD_PLATFORM_W2KU },
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (keys[i].path == NULL || keys[i].path[0] == '\0')
            continue;
        if (n-- == 0) {
            candidate->platform_code = keys[i].code;
            candidate->path = keys[i].path;
            return true;
        }
    }
    return false;
}

/* The parent is the one whose DataWriteGuid the child's parent_linkage (or, for a parent
 * changed by a merge as the specification allows, parent_linkage2) names. */
static vhd_reader_code vhdx_check_parent(const void *child, const char *child_name,
                                         const void *parent, const char *parent_name,
                                         vhd_reader_error *error)
{
    const vhdx_image_info *c = vhdx_image_get_info(child), *p = vhdx_image_get_info(parent);
    const char *linkages[] = { c->parent_linkage, c->parent_linkage2 };
    char have[39];
    for (size_t i = 0; i < 2; i++) {
        vhdx_guid want;
        if (linkages[i] != NULL && vhdx_guid_parse(linkages[i], &want)
            && vhdx_guid_equal(&want, &p->header.data_write_guid))
            return VHD_READER_OK;
    }
    vhdx_guid_format(&p->header.data_write_guid, have);
    return vhd_reader_fail(error, VHD_READER_PARENT_ID_MISMATCH,
                           "the parent %s has DataWriteGuid %s, but %s expects parent_linkage "
                           "%s", parent_name, have, child_name,
                           c->parent_linkage ? c->parent_linkage : "(none)");
}

const disk_image_class vhdx_disk_class = {
    .format = DISK_FORMAT_VHDX,
    .name = "VHDX",
    .recognises = vhdx_recognises,
    .signature = "which starts with \"vhdxfile\"",
    .open = vhdx_open,
    .close = vhdx_close,
    .describe = vhdx_describe,
    .data_io = vhdx_data_io,
    .map = vhdx_map,
    .parent_candidate = vhdx_next_parent_candidate,
    .check_parent = vhdx_check_parent,
    .check = vhdx_check_image,
};

vhdx_image *vhdx_disk_image(const disk_image *image)
{
    return image != NULL && disk_image_class_of(image) == &vhdx_disk_class
               ? disk_image_impl(image) : NULL;
}
