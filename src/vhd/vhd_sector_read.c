/* Finding and reading sectors in one image: fixed disks directly, dynamic and differencing
 * disks through the BAT and each block's sector bitmap. */
#include "vhd_reader_internal.h"

#include <string.h>

static uint64_t total_sectors(const vhd_image *image)
{
    return image->info.footer.current_size / VHD_SECTOR_SIZE;
}

/* Bit s of the bitmap of the block whose bitmap starts at bitmap_start (the most significant
 * bit of each byte is the lowest sector). */
static vhd_reader_code bitmap_bit(vhd_image *image, uint64_t bitmap_start, uint32_t s,
                                  bool *set, vhd_reader_error *error)
{
    uint64_t sector_offset = bitmap_start + (uint64_t)(s / (VHD_SECTOR_SIZE * 8)) * VHD_SECTOR_SIZE;
    if (image->bitmap_offset != sector_offset) {
        image->bitmap_offset = UINT64_MAX;
        vhd_status status = image->io->read_at(image->io, sector_offset, image->bitmap,
                                               VHD_SECTOR_SIZE);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, image->io, status, "sector bitmap", sector_offset);
        image->bitmap_offset = sector_offset;
    }
    uint32_t bit = s % (VHD_SECTOR_SIZE * 8);
    *set = (image->bitmap[bit / 8] >> (7 - bit % 8) & 1) != 0;
    return VHD_READER_OK;
}

vhd_reader_code vhd_image_map(vhd_image *image, uint64_t lba, uint32_t max_sectors,
                              vhd_extent *extent, vhd_reader_error *error)
{
    const vhd_image_info *info = &image->info;
    uint64_t total = total_sectors(image);
    if (lba >= total || max_sectors == 0)
        return vhd_reader_fail(error, VHD_READER_OUT_OF_RANGE,
                               "sector %llu is beyond the disk's %llu sectors",
                               (unsigned long long)lba, (unsigned long long)total);
    uint64_t limit = total - lba < max_sectors ? total - lba : max_sectors;

    if (info->footer.disk_type == VHD_DISK_TYPE_FIXED) {
        extent->present = true;
        extent->file_offset = lba * VHD_SECTOR_SIZE;
        extent->sectors = (uint32_t)limit;
        return VHD_READER_OK;
    }
    uint32_t block = (uint32_t)(lba / info->sectors_per_block);
    uint32_t s = (uint32_t)(lba % info->sectors_per_block);
    if (info->sectors_per_block - s < limit)
        limit = info->sectors_per_block - s;

    uint32_t entry;
    vhd_reader_code code = vhd_image_bat_entry(image, block, &entry, error);
    if (code != VHD_READER_OK)
        return code;
    if (entry == VHD_BAT_ENTRY_UNUSED) {
        extent->present = false;
        extent->file_offset = 0;
        extent->sectors = (uint32_t)limit;
        return VHD_READER_OK;
    }
    uint64_t bitmap_start = (uint64_t)entry * VHD_SECTOR_SIZE;
    bool first = false, next = false;
    if ((code = bitmap_bit(image, bitmap_start, s, &first, error)) != VHD_READER_OK)
        return code;
    uint32_t run = 1;
    while (run < limit) {
        if ((code = bitmap_bit(image, bitmap_start, s + run, &next, error)) != VHD_READER_OK)
            return code;
        if (next != first)
            break;
        run++;
    }
    extent->present = first;
    extent->file_offset = first ? bitmap_start + info->bitmap_size + (uint64_t)s * VHD_SECTOR_SIZE : 0;
    extent->sectors = run;
    return VHD_READER_OK;
}

vhd_reader_code vhd_image_read_sectors(vhd_image *image, uint64_t lba, uint32_t count,
                                       void *buf, vhd_reader_error *error)
{
    uint8_t *out = buf;
    uint64_t total = total_sectors(image);
    if (lba > total || count > total - lba)
        return vhd_reader_fail(error, VHD_READER_OUT_OF_RANGE,
                               "sectors %llu to %llu are beyond the disk's %llu sectors",
                               (unsigned long long)lba, (unsigned long long)(lba + count),
                               (unsigned long long)total);
    while (count > 0) {
        vhd_extent extent = { false, 0, 0 };   /* filled by vhd_image_map; -O3 cannot tell */
        vhd_reader_code code = vhd_image_map(image, lba, count, &extent, error);
        if (code != VHD_READER_OK)
            return code;
        size_t bytes = (size_t)extent.sectors * VHD_SECTOR_SIZE;
        if (extent.present) {
            vhd_status status = image->io->read_at(image->io, extent.file_offset, out, bytes);
            if (status != VHD_OK)
                return vhd_reader_fail_io(error, image->io, status, "disk data", extent.file_offset);
        } else {
            memset(out, 0, bytes);
        }
        out += bytes;
        lba += extent.sectors;
        count -= extent.sectors;
    }
    return VHD_READER_OK;
}
