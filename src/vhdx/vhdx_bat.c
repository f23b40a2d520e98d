/* The block allocation table: read through a fixed window, every entry checked for its slot
 * (payload or sector bitmap, per disk kind) when it is used, and all of them once at open,
 * with the overlaps between blocks found through a map of the file's 1 MiB units. */
#include "vhdx_reader_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *state_name(unsigned state, bool bitmap_slot)
{
    if (bitmap_slot)
        return state == VHDX_SB_BLOCK_PRESENT ? "SB_BLOCK_PRESENT" : "SB_BLOCK_NOT_PRESENT";
    static const char *const names[8] = {
        "NOT_PRESENT", "UNDEFINED", "ZERO", "UNMAPPED", "reserved 4", "reserved 5",
        "FULLY_PRESENT", "PARTIALLY_PRESENT"
    };
    return names[state & 7];
}

/* "payload block 5 (BAT entry 5)" or "the sector bitmap of chunk 0 (BAT entry 4096)". */
static void describe_slot(const vhdx_image *image, uint64_t index, char *out, size_t size)
{
    uint64_t ratio = image->info.chunk_ratio;
    if (index % (ratio + 1) == ratio)
        snprintf(out, size, "the sector bitmap entry of chunk %llu (BAT entry %llu)",
                 (unsigned long long)(index / (ratio + 1)), (unsigned long long)index);
    else
        snprintf(out, size, "payload block %llu (BAT entry %llu)",
                 (unsigned long long)(index / (ratio + 1) * ratio + index % (ratio + 1)),
                 (unsigned long long)index);
}

/* Bytes of the file a present block at index needs: a whole block, except that the last
 * block of a disk whose size is not a multiple of the block size needs only its part, in
 * whole MiB (qemu's fixed files end there). 0 for slots the reader ignores. */
static uint64_t slot_length(const vhdx_image *image, uint64_t index, bool *bitmap_slot)
{
    const vhdx_image_info *info = &image->info;
    uint64_t ratio = info->chunk_ratio;
    *bitmap_slot = index % (ratio + 1) == ratio;
    if (*bitmap_slot)
        return info->has_parent ? VHDX_SECTOR_BITMAP_BLOCK : 0;
    uint64_t n = index / (ratio + 1) * ratio + index % (ratio + 1);
    if (n >= info->data_blocks)
        return 0;   /* padding of a differencing disk's last chunk */
    uint64_t rest = info->virtual_size - n * info->block_size;
    if (rest >= info->block_size)
        return info->block_size;
    return (rest + VHDX_MiB - 1) / VHDX_MiB * VHDX_MiB;
}

/* Refuses BAT entry index: the slot's words, then the rest of the reason. The words are
 * formatted only here: check_entry runs for every entry (67 million in a 64 TiB disk of 1 MiB
 * blocks), where formatting them each time took seconds. */
static vhdx_reader_code refuse_slot(const vhdx_image *image, uint64_t index,
                                    vhdx_reader_error *error, const char *format, ...)
    VHDX_PRINTF(4, 5);
static vhdx_reader_code refuse_slot(const vhdx_image *image, uint64_t index,
                                    vhdx_reader_error *error, const char *format, ...)
{
    char slot[96], rest[224];
    va_list args;
    describe_slot(image, index, slot, sizeof slot);
    va_start(args, format);
    vsnprintf(rest, sizeof rest, format, args);
    va_end(args);
    return vhdx_reader_fail(error, VHDX_READER_BAD_BAT, "%s %s", slot, rest);
}

static vhdx_reader_code check_entry(vhdx_image *image, uint64_t index, uint64_t entry,
                                    vhdx_reader_error *error)
{
    bool bitmap_slot;
    uint64_t length = slot_length(image, index, &bitmap_slot);
    unsigned state = vhdx_bat_state(entry);
    if (length == 0)
        return VHDX_READER_OK;   /* ignored: see slot_length */
    if ((entry & VHDX_BAT_RESERVED_MASK) != 0)
        return refuse_slot(image, index, error, "has reserved bits set (entry 0x%016llx)",
                           (unsigned long long)entry);
    bool present;
    if (bitmap_slot) {
        if (state != VHDX_SB_BLOCK_NOT_PRESENT && state != VHDX_SB_BLOCK_PRESENT)
            return refuse_slot(image, index, error, "has state %u, which a sector bitmap "
                               "entry cannot have (0 or 6)", state);
        present = state == VHDX_SB_BLOCK_PRESENT;
    } else {
        if (state == 4 || state == 5)
            return refuse_slot(image, index, error, "has the reserved state %u", state);
        if (state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT && !image->info.has_parent)
            return refuse_slot(image, index, error,
                               "is PARTIALLY_PRESENT (7) in a disk without a parent");
        present = state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
            || state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT;
    }
    if (!present)
        return VHDX_READER_OK;   /* offsets of absent blocks (soft anchors) are not used */
    uint64_t offset = vhdx_bat_file_offset(entry);
    if (offset > image->size || length > image->size - offset)
        return refuse_slot(image, index, error, "(%s) at offset %llu runs past the end of "
                           "the file (%llu bytes)", state_name(state, bitmap_slot),
                           (unsigned long long)offset, (unsigned long long)image->size);
    for (unsigned i = 0; i < image->fixed_count; i++) {
        const struct vhdx_range *r = &image->fixed[i];
        if (vhdx_ranges_overlap(offset, length, r->start, r->length))
            return refuse_slot(image, index, error, "(%s) at offset %llu overlaps the %s",
                               state_name(state, bitmap_slot), (unsigned long long)offset,
                               r->what);
    }
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_bat_get(vhdx_image *image, uint64_t index, uint64_t *entry,
                              vhdx_reader_error *error)
{
    const vhdx_image_info *info = &image->info;
    if (index >= info->bat_entries)
        return vhdx_reader_fail(error, VHDX_READER_OUT_OF_RANGE,
                                "BAT entry %llu is beyond the table's %llu",
                                (unsigned long long)index, (unsigned long long)info->bat_entries);
    if (image->bat_window_entries == 0 || index < image->bat_window_first
        || index - image->bat_window_first >= image->bat_window_entries) {
        const uint64_t per_window = VHDX_READER_BAT_WINDOW / VHDX_BAT_ENTRY_SIZE;
        uint64_t first = index / per_window * per_window;
        uint64_t count = info->bat_entries - first < per_window ? info->bat_entries - first
                                                                : per_window;
        uint64_t offset = info->bat_region.file_offset + first * VHDX_BAT_ENTRY_SIZE;
        image->bat_window_entries = 0;
        vhdx_reader_code code = vhdx_image_read(image, offset, image->bat_window,
                                                (size_t)count * VHDX_BAT_ENTRY_SIZE,
                                                "block allocation table", error);
        if (code != VHDX_READER_OK)
            return code;
        image->bat_window_first = first;
        image->bat_window_entries = (uint32_t)count;
    }
    uint64_t value = vhdx_get64(image->bat_window
                                + (index - image->bat_window_first) * VHDX_BAT_ENTRY_SIZE);
    vhdx_reader_code code = check_entry(image, index, value, error);
    if (code != VHDX_READER_OK)
        return code;
    *entry = value;
    return VHDX_READER_OK;
}

/* Marks the 1 MiB units of [start, start + length) in map; false if one was marked. */
static bool mark_units(uint8_t *map, uint64_t start, uint64_t length)
{
    bool clash = false;
    for (uint64_t unit = start / VHDX_MiB; unit < (start + length) / VHDX_MiB; unit++) {
        uint8_t bit = (uint8_t)(1u << (unit % 8));
        clash |= (map[unit / 8] & bit) != 0;
        map[unit / 8] |= bit;
    }
    return !clash;
}

/* With options.bad_block (repair): a present payload block refused for where it lies is handed
 * to it (its entry is in the window vhdx_bat_get loaded); true if it lets the scan go on. */
static bool tolerated(vhdx_image *image, uint64_t index, vhdx_reader_code code,
                      const vhdx_reader_error *error)
{
    bool bitmap_slot;
    if (image->bad_block == NULL || code != VHDX_READER_BAD_BAT || error == NULL
        || image->bat_window_entries == 0 || index < image->bat_window_first
        || index - image->bat_window_first >= image->bat_window_entries)
        return false;
    uint64_t entry = vhdx_get64(image->bat_window
                                + (index - image->bat_window_first) * VHDX_BAT_ENTRY_SIZE);
    unsigned state = vhdx_bat_state(entry);
    slot_length(image, index, &bitmap_slot);
    if (bitmap_slot || (entry & VHDX_BAT_RESERVED_MASK) != 0
        || (state != VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
            && !(state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT && image->info.has_parent)))
        return false;
    return image->bad_block(image->bad_block_ctx, &image->info, index, entry, error->reason);
}

vhdx_reader_code vhdx_bat_scan(vhdx_image *image, const struct vhdx_range *ranges,
                               unsigned range_count, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    uint64_t ratio = info->chunk_ratio;
    vhdx_reader_code code = VHDX_READER_OK;
    /* Everything lies below image->size <= VHDX_READER_MAX_FILE_SIZE (checked before). */
    size_t map_size = (size_t)(image->size / VHDX_MiB / 8 + 1);
    uint8_t *map = vhdx_image_alloc(image, map_size);
    if (map == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY,
                                "out of memory for the map of the file's %llu MiB",
                                (unsigned long long)(image->size / VHDX_MiB));
    memset(map, 0, map_size);
    for (unsigned i = 0; i < range_count; i++)
        mark_units(map, ranges[i].start, ranges[i].length);

    bool chunk_partial = false;
    uint64_t partial_block = 0;
    memset(info->payload_states, 0, sizeof info->payload_states);
    info->present_bitmap_blocks = 0;
    for (uint64_t index = 0; index < info->bat_entries; index++) {
        uint64_t entry;
        bool bitmap_slot;
        if ((code = vhdx_bat_get(image, index, &entry, error)) != VHDX_READER_OK) {
            if (tolerated(image, index, code, error)) {
                code = VHDX_READER_OK;
                continue;
            }
            break;
        }
        uint64_t length = slot_length(image, index, &bitmap_slot);
        if (length == 0)
            continue;
        unsigned state = vhdx_bat_state(entry);
        bool present;
        if (bitmap_slot) {
            present = state == VHDX_SB_BLOCK_PRESENT;
            info->present_bitmap_blocks += present;
            if (chunk_partial && !present) {
                code = vhdx_reader_fail(error, VHDX_READER_BAD_BAT,
                                        "payload block %llu is PARTIALLY_PRESENT but the sector "
                                        "bitmap block of its chunk %llu is not present",
                                        (unsigned long long)partial_block,
                                        (unsigned long long)(index / (ratio + 1)));
                break;
            }
            chunk_partial = false;
        } else {
            info->payload_states[state]++;
            present = state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
                || state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT;
            if (state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT && !chunk_partial) {
                chunk_partial = true;
                partial_block = index / (ratio + 1) * ratio + index % (ratio + 1);
            }
        }
        if (present && !mark_units(map, vhdx_bat_file_offset(entry), length)) {
            char slot[96];
            const char *what = "another block";
            describe_slot(image, index, slot, sizeof slot);
            for (unsigned i = 0; i < range_count; i++)
                if (vhdx_ranges_overlap(vhdx_bat_file_offset(entry), length, ranges[i].start,
                                        ranges[i].length))
                    what = ranges[i].what;
            code = vhdx_reader_fail(error, VHDX_READER_BAD_BAT,
                                    "%s at offset %llu overlaps %s", slot,
                                    (unsigned long long)vhdx_bat_file_offset(entry), what);
            if (!bitmap_slot && tolerated(image, index, code, error)) {
                code = VHDX_READER_OK;
                continue;
            }
            break;
        }
    }
    vhdx_image_free(image, map);
    return code;
}
