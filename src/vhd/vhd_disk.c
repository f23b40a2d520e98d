/* The VHD class of the neutral layer: vhd_image (vhd_image.c) behind disk_image. */
#include "vhd_disk.h"
#include "vhd_check.h"

#include <string.h>
#include "disk_error.h"

/* The candidates, in the order they are tried: relative locators first (they survive moving
 * the chain together), then absolute ones, then the name in the header. */
static const uint32_t candidate_order[] = {
    VHD_PLATFORM_W2RU, VHD_PLATFORM_WI2R, VHD_PLATFORM_W2KU, VHD_PLATFORM_WI2K,
    VHD_PLATFORM_MACX,
};
#define ORDERED (sizeof candidate_order / sizeof candidate_order[0])

static vhd_reader_code vhd_open(void **impl, vhd_io *io, const vhd_reader_options *options,
                                vhd_reader_error *error)
{
    vhd_image *image;
    vhd_reader_code code = vhd_image_open(&image, io, options, error);
    *impl = image;
    return code;
}

static void vhd_close(void *impl)
{
    vhd_image_close(impl);
}

static void vhd_describe(const void *impl, disk_info *out)
{
    const vhd_image_info *info = vhd_image_get_info(impl);
    memset(out, 0, sizeof *out);
    out->format = DISK_FORMAT_VHD;
    switch (info->footer.disk_type) {
    case VHD_DISK_TYPE_FIXED:        out->kind = DISK_KIND_FIXED; break;
    case VHD_DISK_TYPE_DIFFERENCING: out->kind = DISK_KIND_DIFFERENCING; break;
    default:                         out->kind = DISK_KIND_DYNAMIC; break;
    }
    out->size = info->footer.current_size;
    out->file_size = info->file_size;
    out->block_size = out->kind == DISK_KIND_FIXED ? 0 : info->header.block_size;
    out->logical_sector_size = VHD_SECTOR_SIZE;
    out->physical_sector_size = VHD_SECTOR_SIZE;
    memcpy(out->id, info->footer.unique_id, sizeof out->id);
    memcpy(out->virtual_disk_id, info->footer.unique_id, sizeof out->virtual_disk_id);
}

static vhd_reader_code vhd_map(void *impl, uint64_t lba, uint32_t max_sectors,
                               disk_extent *extent, vhd_reader_error *error)
{
    vhd_extent own = { false, 0, 0 };
    vhd_reader_code code = vhd_image_map(impl, lba, max_sectors, &own, error);
    if (code != VHD_READER_OK)
        return code;
    bool differencing = vhd_image_get_info(impl)->footer.disk_type == VHD_DISK_TYPE_DIFFERENCING;
    extent->state = own.present ? DISK_EXTENT_DATA
                                : differencing ? DISK_EXTENT_PARENT : DISK_EXTENT_ZERO;
    extent->file_offset = own.file_offset;
    extent->sectors = own.sectors;
    return VHD_READER_OK;
}

static bool vhd_next_parent_candidate(const void *impl, unsigned n, vhd_parent_candidate *candidate)
{
    const vhd_image_info *info = vhd_image_get_info(impl);
    for (size_t k = 0; k < ORDERED; k++) {
        for (unsigned i = 0; i < info->locator_count; i++) {
            const vhd_locator_info *l = &info->locators[i];
            if (l->platform_code != candidate_order[k] || l->path == NULL || l->path[0] == '\0')
                continue;
            if (n-- == 0) {
                candidate->platform_code = l->platform_code;
                candidate->path = l->path;
                return true;
            }
        }
    }
    if (n == 0 && info->parent_name != NULL && info->parent_name[0] != '\0') {
        candidate->platform_code = VHD_PLATFORM_UNICODE_NAME;
        candidate->path = info->parent_name;
        return true;
    }
    return false;
}

static vhd_reader_code vhd_check_parent(const void *child, const char *child_name,
                                        const void *parent, const char *parent_name,
                                        vhd_reader_error *error)
{
    const vhd_image_info *c = vhd_image_get_info(child), *p = vhd_image_get_info(parent);
    char id[37], want[37];
    if (memcmp(p->footer.unique_id, c->header.parent_unique_id, 16) == 0)
        return VHD_READER_OK;
    vhd_unique_id_format(p->footer.unique_id, id);
    vhd_unique_id_format(c->header.parent_unique_id, want);
    return vhd_reader_fail(error, VHD_READER_PARENT_ID_MISMATCH,
                           "the parent %s has unique id %s, but %s expects %s",
                           parent_name, id, child_name, want);
}

const disk_image_class vhd_disk_class = {
    .format = DISK_FORMAT_VHD,
    .name = "VHD",
    .recognises = NULL,
    .open = vhd_open,
    .close = vhd_close,
    .describe = vhd_describe,
    .map = vhd_map,
    .parent_candidate = vhd_next_parent_candidate,
    .check_parent = vhd_check_parent,
    .check = vhd_check_image,
};

vhd_image *vhd_disk_image(const disk_image *image)
{
    return image != NULL && disk_image_class_of(image) == &vhd_disk_class
               ? disk_image_impl(image) : NULL;
}
