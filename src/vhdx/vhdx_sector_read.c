/* Finding and reading sectors of one image: through the BAT, and for PARTIALLY_PRESENT blocks
 * of a differencing disk through the sector bitmap of their chunk. */
#include "vhdx_reader_internal.h"

#include <string.h>

/* The bitmap bit of virtual sector lba, in the sector bitmap block at bitmap_start (bit
 * lba mod 2^23 of the chunk's block, least significant bit first). */
static vhdx_reader_code bitmap_bit(vhdx_image *image, uint64_t bitmap_start, uint64_t lba,
                                   bool *set, vhdx_reader_error *error)
{
    uint64_t bit = lba % VHDX_SECTORS_PER_CHUNK;
    uint64_t window = bitmap_start + bit / 8 / VHDX_READER_BITMAP_WINDOW * VHDX_READER_BITMAP_WINDOW;
    if (image->bitmap_offset != window) {
        image->bitmap_offset = UINT64_MAX;
        vhdx_reader_code code = vhdx_image_read(image, window, image->bitmap,
                                                VHDX_READER_BITMAP_WINDOW, "sector bitmap", error);
        if (code != VHDX_READER_OK)
            return code;
        image->bitmap_offset = window;
    }
    uint64_t byte = bit / 8 % VHDX_READER_BITMAP_WINDOW;
    *set = (image->bitmap[byte] >> (bit % 8) & 1) != 0;
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_image_map(vhdx_image *image, uint64_t lba, uint32_t max_sectors,
                                vhdx_extent *extent, vhdx_reader_error *error)
{
    const vhdx_image_info *info = &image->info;
    uint64_t total = image->total_sectors;
    if (lba >= total || max_sectors == 0)
        return vhdx_reader_fail(error, VHDX_READER_OUT_OF_RANGE,
                                "sector %llu is beyond the disk's %llu sectors",
                                (unsigned long long)lba, (unsigned long long)total);
    uint64_t block = lba / image->sectors_per_block;
    uint32_t s = (uint32_t)(lba % image->sectors_per_block);
    uint64_t limit = total - lba < max_sectors ? total - lba : max_sectors;
    if (image->sectors_per_block - s < limit)
        limit = image->sectors_per_block - s;

    uint64_t entry;
    vhdx_reader_code code = vhdx_bat_get(image, vhdx_bat_payload_index(block, info->chunk_ratio),
                                         &entry, error);
    if (code != VHDX_READER_OK)
        return code;
    unsigned state = vhdx_bat_state(entry);
    extent->block_state = state;
    extent->file_offset = 0;
    extent->sectors = (uint32_t)limit;
    switch (state) {
    case VHDX_PAYLOAD_BLOCK_FULLY_PRESENT:
        extent->state = VHDX_EXTENT_PRESENT;
        extent->file_offset = vhdx_bat_file_offset(entry) + (uint64_t)s * info->logical_sector_size;
        return VHDX_READER_OK;
    case VHDX_PAYLOAD_BLOCK_NOT_PRESENT:
        extent->state = info->has_parent ? VHDX_EXTENT_NOT_HERE : VHDX_EXTENT_ZERO;
        return VHDX_READER_OK;
    case VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT:
        break;
    default:   /* UNDEFINED, ZERO, UNMAPPED: zeros, never the parent's */
        extent->state = VHDX_EXTENT_ZERO;
        return VHDX_READER_OK;
    }

    uint64_t chunk = block / info->chunk_ratio, bitmap_entry;
    if ((code = vhdx_bat_get(image, vhdx_bat_bitmap_index(chunk, info->chunk_ratio),
                             &bitmap_entry, error)) != VHDX_READER_OK)
        return code;
    if (vhdx_bat_state(bitmap_entry) != VHDX_SB_BLOCK_PRESENT)
        return vhdx_reader_fail(error, VHDX_READER_BAD_BAT,
                                "payload block %llu is PARTIALLY_PRESENT but the sector bitmap "
                                "block of its chunk %llu is not present",
                                (unsigned long long)block, (unsigned long long)chunk);
    uint64_t bitmap_start = vhdx_bat_file_offset(bitmap_entry);
    bool first, next;
    if ((code = bitmap_bit(image, bitmap_start, lba, &first, error)) != VHDX_READER_OK)
        return code;
    uint32_t run = 1;
    while (run < limit) {
        if ((code = bitmap_bit(image, bitmap_start, lba + run, &next, error)) != VHDX_READER_OK)
            return code;
        if (next != first)
            break;
        run++;
    }
    extent->state = first ? VHDX_EXTENT_PRESENT : VHDX_EXTENT_NOT_HERE;
    if (first)
        extent->file_offset = vhdx_bat_file_offset(entry) + (uint64_t)s * info->logical_sector_size;
    extent->sectors = run;
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_image_read_sectors(vhdx_image *image, uint64_t lba, uint32_t count,
                                         void *buf, vhdx_reader_error *error)
{
    uint8_t *out = buf;
    uint64_t total = image->total_sectors;
    uint32_t sector_size = image->info.logical_sector_size;
    if (lba > total || count > total - lba)
        return vhdx_reader_fail(error, VHDX_READER_OUT_OF_RANGE,
                                "sectors %llu to %llu are beyond the disk's %llu sectors",
                                (unsigned long long)lba, (unsigned long long)(lba + count),
                                (unsigned long long)total);
    while (count > 0) {
        vhdx_extent extent = { VHDX_EXTENT_ZERO, 0, 0, 0 };
        vhdx_reader_code code = vhdx_image_map(image, lba, count, &extent, error);
        if (code != VHDX_READER_OK)
            return code;
        size_t bytes = (size_t)extent.sectors * sector_size;
        if (extent.state == VHDX_EXTENT_PRESENT) {
            if ((code = vhdx_image_read(image, extent.file_offset, out, bytes, "disk data", error))
                != VHDX_READER_OK)
                return code;
        } else {
            memset(out, 0, bytes);
        }
        out += bytes;
        lba += extent.sectors;
        count -= extent.sectors;
    }
    return VHDX_READER_OK;
}
