/* Growing a fixed or dynamic VHDX in place (vhdx_resize.h).
 *
 * What changes: the table entries of the blocks the new size adds (a fixed disk's
 * FULLY_PRESENT at space reserved at the end of the file, a dynamic disk's NOT_PRESENT; new
 * chunks' sector bitmap entries NOT_PRESENT), and the virtual disk size item.
 *
 * Order: a fixed disk's new space is reserved (io->allocate, zeros written where the file
 * system cannot reserve) and flushed first: until the table points at it, it is space nothing
 * refers to. Then the writable open (a pending log replayed on disk first), and the changed
 * 4 KiB sectors go through the log in batches of at most VHDX_LOG_WRITE_SECTORS_MAX, the size
 * item's sector in the last one. Entries past the old size change nothing a reader sees; the
 * last batch makes the disk the new one at once. Then the log is settled. */
#include "vhdx_resize.h"

#include <stdlib.h>
#include <string.h>
#include "vhdx_reader_internal.h"

#define SECTOR VHDX_LOG_SECTOR_SIZE
#define MiB (UINT64_C(1) << 20)

struct plan {
    vhdx_image_info info;           /* strings dropped */
    uint64_t size_item;             /* file offset of the virtual disk size's 8 bytes */
    uint64_t new_size;
    uint64_t old_blocks, new_blocks;
    uint64_t first_index, end_index; /* BAT entries that may change: [first, end) */
    uint64_t space;                 /* a fixed disk's new blocks start here */
};

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

/* The checks and the facts, from the disk as the reader sees it (a pending log laid over). */
static vhdx_reader_code plan_grow(vhd_io *io, uint64_t new_size,
                                  const vhdx_reader_options *reader, struct plan *plan,
                                  vhdx_resize_report *report, vhdx_reader_error *error)
{
    vhdx_image *image;
    vhdx_reader_code code = vhdx_image_open(&image, io, reader, error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    plan->info = *info;
    plan->info.parent_linkage = plan->info.parent_linkage2 = NULL;
    plan->info.relative_path = plan->info.volume_path = plan->info.absolute_win32_path = NULL;
    vhdx_image_close(image);
    info = &plan->info;
    report->old_size = info->virtual_size;

    if (new_size == 0 || new_size % info->logical_sector_size != 0
        || new_size > VHDX_MAX_DISK_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "%llu bytes is not a size this "
                                "VHDX can have: a whole number of its %u-byte logical sectors, "
                                "at most 64 TiB", (unsigned long long)new_size,
                                (unsigned)info->logical_sector_size);
    if (new_size < info->virtual_size)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "the disk holds %llu bytes and "
                                "shrinking a VHDX is not supported by this version of vsdisk",
                                (unsigned long long)info->virtual_size);
    if (info->has_parent)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "growing a differencing VHDX "
                                "past its parent's size is not supported by this version of "
                                "vsdisk (it reads a child only at its parent's size)");
    uint64_t entries = vhdx_bat_entries(new_size, info->block_size, info->logical_sector_size,
                                        info->has_parent);
    if (entries > info->bat_region.length / VHDX_BAT_ENTRY_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "%llu bytes need %llu block "
                                "table entries but the table's region holds %llu; growing the "
                                "region is not supported by this version of vsdisk",
                                (unsigned long long)new_size, (unsigned long long)entries,
                                (unsigned long long)(info->bat_region.length
                                                     / VHDX_BAT_ENTRY_SIZE));
    plan->size_item = 0;
    uint32_t kept = info->metadata_count < VHDX_READER_METADATA_KEPT ? info->metadata_count
                                                                       : VHDX_READER_METADATA_KEPT;
    for (uint32_t i = 0; i < kept; i++)
        if (vhdx_guid_equal(&info->metadata[i].entry.item_id, &vhdx_guid_virtual_disk_size))
            plan->size_item = info->metadata_region.file_offset + info->metadata[i].entry.offset;
    if (plan->size_item == 0)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA, "the virtual disk size item "
                                "is not among the first %u metadata entries",
                                (unsigned)VHDX_READER_METADATA_KEPT);
    plan->new_size = new_size;
    plan->old_blocks = vhdx_data_blocks(info->virtual_size, info->block_size);
    plan->new_blocks = vhdx_data_blocks(new_size, info->block_size);
    plan->first_index = vhdx_bat_payload_index(plan->old_blocks, info->chunk_ratio);
    plan->end_index = entries;
    plan->space = round_up(info->file_size, MiB);
    if (!info->leave_blocks_allocated)
        return VHDX_READER_OK;
    uint64_t added = (plan->new_blocks - plan->old_blocks) * info->block_size;
    if (plan->space + added > VHDX_READER_MAX_FILE_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "the fixed disk's new blocks "
                                "would end past the %llu bytes a VHDX file may hold",
                                (unsigned long long)VHDX_READER_MAX_FILE_SIZE);
    report->blocks_reserved = plan->new_blocks - plan->old_blocks;
    return VHDX_READER_OK;
}

/* The entry at BAT index i of the grown disk (i >= first_index); false: keep the one there
 * (the sector bitmap entry of a chunk that holds old blocks). */
static bool new_entry(const struct plan *plan, uint64_t i, uint64_t *entry)
{
    const vhdx_image_info *info = &plan->info;
    uint64_t r = info->chunk_ratio;
    if (i % (r + 1) == r) {                     /* chunk i / (r + 1)'s sector bitmap */
        *entry = vhdx_bat_entry(VHDX_SB_BLOCK_NOT_PRESENT, 0);
        return i / (r + 1) * r >= plan->old_blocks;
    }
    uint64_t block = i - i / (r + 1);
    if (info->leave_blocks_allocated)
        *entry = vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_FULLY_PRESENT,
                                plan->space + (block - plan->old_blocks) * info->block_size);
    else
        *entry = vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_NOT_PRESENT, 0);
    return true;
}

static vhdx_reader_code reserve(vhd_io *io, uint64_t offset, uint64_t end, uint8_t *zeros,
                                size_t zeros_size, vhdx_reader_error *error)
{
    vhd_status status = VHD_OK;
    while (offset < end && io->allocate != NULL) {
        uint64_t len = end - offset < 256 * MiB ? end - offset : 256 * MiB;
        status = io->allocate(io, offset, len);
        if (status == VHD_E_NOT_SUPPORTED)
            break;
        if (status != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "the fixed disk's new blocks", offset);
        offset += len;
    }
    memset(zeros, 0, zeros_size);
    while (offset < end) {
        size_t chunk = end - offset < zeros_size ? (size_t)(end - offset) : zeros_size;
        if ((status = io->write_at(io, offset, zeros, chunk)) != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "the fixed disk's new blocks", offset);
        offset += chunk;
    }
    if ((status = io->flush(io)) != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the fixed disk's new blocks", end);
    return VHDX_READER_OK;
}

/* The table's changed sectors and, last, the size item's, in batches through the log. */
static vhdx_reader_code write_changes(vhdx_writable *writable, vhd_io *io,
                                      const struct plan *plan, uint8_t *sectors,
                                      vhdx_reader_error *error)
{
    size_t max = vhdx_writable_batch_max(writable), count = 0;
    vhdx_sector_change changes[VHDX_LOG_WRITE_SECTORS_MAX];
    const uint64_t bat = plan->info.bat_region.file_offset;
    uint64_t first = bat + plan->first_index * VHDX_BAT_ENTRY_SIZE / SECTOR * SECTOR;
    uint64_t end = bat + plan->end_index * VHDX_BAT_ENTRY_SIZE;
    vhdx_reader_code code;
    if (max > VHDX_LOG_WRITE_SECTORS_MAX)
        max = VHDX_LOG_WRITE_SECTORS_MAX;

    for (uint64_t at = first; at < end; at += SECTOR) {
        uint8_t *data = sectors + count * SECTOR;
        vhd_status status = io->read_at(io, at, data, SECTOR);
        if (status != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "the block allocation table", at);
        bool changed = false;
        for (uint64_t i = (at - bat) / VHDX_BAT_ENTRY_SIZE; i < (at + SECTOR - bat) / 8; i++) {
            if (i < plan->first_index || i >= plan->end_index)
                continue;
            uint8_t *p = data + (bat + i * VHDX_BAT_ENTRY_SIZE - at);
            uint64_t want;
            if (new_entry(plan, i, &want) && vhdx_get64(p) != want) {
                vhdx_put64(p, want);
                changed = true;
            }
        }
        if (!changed)
            continue;
        changes[count].file_offset = at;
        changes[count].data = data;
        if (++count == max - 1) {       /* room kept for the size item's sector */
            if ((code = vhdx_writable_change(writable, changes, count, true, error))
                != VHDX_READER_OK)
                return code;
            count = 0;
        }
    }
    uint64_t item_sector = plan->size_item / SECTOR * SECTOR;
    uint8_t *data = sectors + count * SECTOR;
    vhd_status status = io->read_at(io, item_sector, data, SECTOR);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the metadata region", item_sector);
    vhdx_put64(data + (plan->size_item - item_sector), plan->new_size);
    changes[count].file_offset = item_sector;
    changes[count].data = data;
    count++;
    return vhdx_writable_change(writable, changes, count, true, error);
}

vhdx_reader_code vhdx_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                             const vhdx_writable_options *options, vhdx_resize_report *report,
                             vhdx_reader_error *error)
{
    vhdx_reader_options reader = { options ? options->allocate : NULL,
                                   options ? options->release : NULL };
    void *(*allocate)(size_t) = reader.allocate ? reader.allocate : malloc;
    void (*release)(void *) = reader.release ? reader.release : free;
    vhdx_writable *writable = NULL;
    struct plan *plan = allocate(sizeof *plan);
    uint8_t *sectors = allocate((size_t)VHDX_LOG_WRITE_SECTORS_MAX * SECTOR);
    vhdx_reader_code code;

    memset(report, 0, sizeof *report);
    report->new_size = new_size;
    if (plan == NULL || sectors == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the resize");
        goto done;
    }
    if ((code = plan_grow(io, new_size, &reader, plan, report, error)) != VHDX_READER_OK
        || dry_run || new_size == plan->info.virtual_size)
        goto done;
    /* The writable open replays a pending log; the plan is made again on the clean file. */
    if ((code = vhdx_writable_open(&writable, io, options, error)) != VHDX_READER_OK
        || (code = plan_grow(io, new_size, &reader, plan, report, error)) != VHDX_READER_OK)
        goto done;
    if (plan->info.leave_blocks_allocated
        && (code = reserve(io, plan->space, plan->space + report->blocks_reserved
                           * plan->info.block_size, sectors,
                           (size_t)VHDX_LOG_WRITE_SECTORS_MAX * SECTOR, error)) != VHDX_READER_OK)
        goto done;
    if ((code = write_changes(writable, io, plan, sectors, error)) != VHDX_READER_OK)
        goto done;
    code = vhdx_writable_settle(writable, error);
done:
    vhdx_writable_close(writable);
    if (plan != NULL)
        release(plan);
    if (sectors != NULL)
        release(sectors);
    return code;
}
