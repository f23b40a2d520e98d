/* Resizing a fixed, dynamic or differencing VHDX in place (vhdx_resize.h).
 *
 * Growing. The new blocks' table entries: a fixed disk's FULLY_PRESENT at space reserved past
 * everything the file refers to, a dynamic disk's NOT_PRESENT, a differencing disk's ZERO (so
 * that no reader looks for them in a parent that ends before them; the old blocks keep reading
 * through the parent, whose part past its end reads as zeros); new chunks' sector bitmap
 * entries NOT_PRESENT. A block's BAT index (n + n / ChunkRatio) does not depend on the disk's
 * size, so no old entry moves: new ones are appended, and the sector bitmap entry of an old
 * last chunk that was not full (absent from a dynamic table) is added. The old last block's
 * bytes past the old size (left there by a shrink, or anything) are zeroed and flushed first:
 * nothing shows them until the size changes.
 *
 * When the table fits the BAT region as it is, its changed 4 KiB sectors go through the log
 * in batches (vhdx_writable.h), the size item's sector in the last one: entries past the old
 * size change nothing a reader sees, and that last batch makes the disk the new one at once.
 *
 * When it does not, the table is not grown in place but written anew, larger, past everything
 * the file refers to, and the region table then switched to it. Why this design and not moving
 * what lies after the old region: the new table is space nothing refers to until the switch,
 * so it is written and flushed directly, with no step at which a reader could see a half-made
 * table; the switch is ONE log batch holding both region table copies' changed sectors and the
 * size item's sector (the specification puts region table updates under the log, MS-VHDX 2.2.3,
 * and a reader lays a pending log over both copies), so the disk is the old one until that
 * entry is flushed and the new one from then on, whatever part of the in-place writes landed;
 * and whatever follows the old region (blocks, the metadata region in qemu's layout, a region
 * vsdisk does not know) stays where it is, with no chain of block moves each needing its own
 * crash point. The cost: the old region's space is left unreferenced (vsdisk check reports it
 * as leaked space, as the VHD resize's moved blocks); a VHD-style move would leave a block's
 * worth instead. A crash before the switch leaves unreferenced bytes past the old end only; the
 * rerun places the table at the same offset (everything is placed from the end of what the
 * file refers to, never from the file's length) and writes it again.
 *
 * Shrinking (the caller checks the minimum size, disk_minimum.h): the size item's sector goes
 * in the FIRST batch, so the disk is the old one or the new one; then the entries of the
 * blocks past the new end (and of chunks with no block left) become NOT_PRESENT with offset 0,
 * outside the disk by then. Only after the log is settled (LogGuid cleared, nothing left to
 * replay) is the file cut to the end of what it still refers to: the cut removes bytes nothing
 * refers to, so a crash around it changes nothing a reader sees. A differencing disk's shrink
 * is the caller's to refuse (its minimum needs the chain).
 *
 * Memory: the plan and one buffer of VHDX_LOG_WRITE_SECTORS_MAX sectors (504 KiB) besides the
 * writable open's, whatever the disk's size; every loop is bounded by the table's entries. */
#include "vhdx_resize.h"

#include <stdlib.h>
#include <string.h>
#include "vhdx_reader_internal.h"

#define SECTOR VHDX_LOG_SECTOR_SIZE
#define MiB (UINT64_C(1) << 20)
#define BUFFER_SIZE ((size_t)VHDX_LOG_WRITE_SECTORS_MAX * SECTOR)
#define ENTRIES_PER_BUFFER (BUFFER_SIZE / VHDX_BAT_ENTRY_SIZE)

struct plan {
    vhdx_image_info info;           /* strings dropped */
    uint64_t size_item;             /* file offset of the virtual disk size's 8 bytes */
    uint64_t new_size;
    uint64_t old_blocks, new_blocks;
    uint64_t old_entries, new_entries;
    uint64_t first_index, end_index; /* grow in place: BAT entries that may change */
    uint64_t used_end;              /* end of what the file refers to, after the change */
    bool move_table;                /* grow: a new, larger BAT region at used_end */
    vhdx_region_table_entry bat;    /* the BAT region after the resize */
    uint64_t space;                 /* a fixed disk's new blocks start here */
    uint64_t tail_offset, tail_length; /* grow: the old last block's bytes past the old size */
    uint64_t cut_to;                /* shrink: the file's new length (0: kept) */
};

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Reads count BAT entries from index first (count <= ENTRIES_PER_BUFFER) into buffer. */
static vhdx_reader_code read_entries(vhd_io *io, const struct plan *plan, uint64_t first,
                                     uint64_t count, uint8_t *buffer, vhdx_reader_error *error)
{
    uint64_t at = plan->info.bat_region.file_offset + first * VHDX_BAT_ENTRY_SIZE;
    vhd_status status = io->read_at(io, at, buffer, (size_t)(count * VHDX_BAT_ENTRY_SIZE));
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the block allocation table", at);
    return VHDX_READER_OK;
}

/* True when BAT index i is kept by a shrink to plan->new_blocks (all are, for a grow). */
static bool kept(const struct plan *plan, uint64_t i)
{
    uint64_t r = plan->info.chunk_ratio;
    if (plan->new_size >= plan->info.virtual_size)
        return true;
    if (i % (r + 1) == r)                       /* chunk i / (r + 1)'s sector bitmap */
        return i / (r + 1) * r < plan->new_blocks;
    return i - i / (r + 1) < plan->new_blocks;
}

/* The end of what the file refers to (1 MiB rounded): header section, log, every region of the
 * table in use (table_at), every block and sector bitmap block the kept entries point at (soft
 * anchors too). */
static vhdx_reader_code find_used_end(vhd_io *io, struct plan *plan, uint64_t table_at,
                                      uint8_t *buffer, vhdx_reader_error *error)
{
    const vhdx_image_info *info = &plan->info;
    uint64_t end = max64(VHDX_HEADER_SECTION_SIZE,
                         info->header.log_offset + info->header.log_length);
    vhd_status status = io->read_at(io, table_at, buffer, VHDX_REGION_TABLE_SIZE);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the region table", table_at);
    uint32_t count = vhdx_get32(buffer + 8);
    for (uint32_t i = 0; i < count && i < VHDX_REGION_ENTRY_MAX; i++) {
        vhdx_region_table_entry e;
        vhdx_region_table_entry_decode(&e, buffer + VHDX_REGION_TABLE_HEADER_SIZE
                                               + (size_t)i * VHDX_REGION_TABLE_ENTRY_SIZE);
        end = max64(end, e.file_offset + e.length);
    }
    const uint64_t r = info->chunk_ratio;
    for (uint64_t first = 0; first < plan->old_entries; first += ENTRIES_PER_BUFFER) {
        uint64_t n = plan->old_entries - first < ENTRIES_PER_BUFFER ? plan->old_entries - first
                                                                     : ENTRIES_PER_BUFFER;
        vhdx_reader_code code = read_entries(io, plan, first, n, buffer, error);
        if (code != VHDX_READER_OK)
            return code;
        for (uint64_t j = 0; j < n; j++) {
            uint64_t i = first + j, entry = vhdx_get64(buffer + j * VHDX_BAT_ENTRY_SIZE);
            uint64_t offset = vhdx_bat_file_offset(entry);
            if (offset == 0 || !kept(plan, i))
                continue;
            if (i % (r + 1) == r)
                end = max64(end, offset + VHDX_SECTOR_BITMAP_BLOCK);
            else if (vhdx_bat_state(entry) != VHDX_PAYLOAD_BLOCK_ZERO
                     && vhdx_bat_state(entry) != VHDX_PAYLOAD_BLOCK_NOT_PRESENT)
                end = max64(end, offset + info->block_size);
        }
    }
    plan->used_end = round_up(end, MiB);
    return VHDX_READER_OK;
}

/* The size rules, the size item, the table's geometry, and where everything new goes; from the
 * disk as io shows it (a dry run's reader view, or the clean file after the writable open). */
static vhdx_reader_code plan_resize(vhd_io *io, uint64_t new_size,
                                    const vhdx_reader_options *reader, struct plan *plan,
                                    uint8_t *buffer, vhdx_resize_report *report,
                                    vhdx_reader_error *error)
{
    vhdx_image *image;
    vhdx_reader_code code = vhdx_image_open(&image, io, reader, error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    memset(plan, 0, sizeof *plan);
    plan->info = *info;
    plan->info.parent_linkage = plan->info.parent_linkage2 = NULL;
    plan->info.relative_path = plan->info.volume_path = plan->info.absolute_win32_path = NULL;
    for (uint32_t i = 0; i < VHDX_READER_LOCATOR_ENTRIES_MAX; i++)
        plan->info.locator[i].key = plan->info.locator[i].value = NULL;
    info = &plan->info;
    report->old_size = info->virtual_size;
    vhd_io *view = vhdx_image_io(image);        /* the log laid over, if one is pending */

    if (new_size == 0 || new_size % info->logical_sector_size != 0
        || new_size > VHDX_MAX_DISK_SIZE) {
        code = vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "%llu bytes is not a size this "
                                "VHDX can have: a whole number of its %u-byte logical sectors, "
                                "at most 64 TiB", (unsigned long long)new_size,
                                (unsigned)info->logical_sector_size);
        goto done;
    }
    uint32_t listed = info->metadata_count < VHDX_READER_METADATA_KEPT
                          ? info->metadata_count : VHDX_READER_METADATA_KEPT;
    for (uint32_t i = 0; i < listed; i++)
        if (vhdx_guid_equal(&info->metadata[i].entry.item_id, &vhdx_guid_virtual_disk_size))
            plan->size_item = info->metadata_region.file_offset + info->metadata[i].entry.offset;
    if (plan->size_item == 0) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA, "the virtual disk size item "
                                "is not among the first %u metadata entries",
                                (unsigned)VHDX_READER_METADATA_KEPT);
        goto done;
    }
    plan->new_size = new_size;
    plan->old_blocks = vhdx_data_blocks(info->virtual_size, info->block_size);
    plan->new_blocks = vhdx_data_blocks(new_size, info->block_size);
    plan->old_entries = info->bat_entries;
    plan->new_entries = vhdx_bat_entries(new_size, info->block_size, info->logical_sector_size,
                                         info->has_parent);
    plan->bat = info->bat_region;
    if (new_size == info->virtual_size)
        goto done;

    uint64_t table_at = info->region_table == 2 ? VHDX_REGION_TABLE2_OFFSET
                                                : VHDX_REGION_TABLE1_OFFSET;
    if ((code = find_used_end(view, plan, table_at, buffer, error)) != VHDX_READER_OK)
        goto done;

    if (new_size < info->virtual_size) {
        report->blocks_dropped = plan->old_blocks - plan->new_blocks;
        if (plan->used_end < info->file_size)
            plan->cut_to = plan->used_end;
        report->file_cut_to = plan->cut_to;
        goto done;
    }

    plan->first_index = vhdx_bat_payload_index(plan->old_blocks, info->chunk_ratio);
    plan->end_index = plan->new_entries;
    uint64_t end = plan->used_end;
    if (plan->new_entries > info->bat_region.length / VHDX_BAT_ENTRY_SIZE) {
        uint64_t length = round_up(plan->new_entries * VHDX_BAT_ENTRY_SIZE, MiB);
        plan->move_table = true;
        plan->bat.file_offset = end;
        plan->bat.length = (uint32_t)length;    /* at most 513 MiB (64 TiB of 1 MiB blocks) */
        end += length;
        report->table_moved = true;
        report->table_offset = plan->bat.file_offset;
    }
    plan->space = end;
    if (info->leave_blocks_allocated && !info->has_parent) {
        report->blocks_reserved = plan->new_blocks - plan->old_blocks;
        end += report->blocks_reserved * info->block_size;
    }
    if (end > VHDX_READER_MAX_FILE_SIZE) {
        code = vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "the grown disk's table and "
                                "blocks would end past the %llu bytes a VHDX file may hold",
                                (unsigned long long)VHDX_READER_MAX_FILE_SIZE);
        goto done;
    }
    /* The old last block's bytes past the old size, if it is in the file. */
    uint64_t tail = info->virtual_size % info->block_size;
    if (tail != 0) {
        uint64_t index = vhdx_bat_payload_index(plan->old_blocks - 1, info->chunk_ratio);
        if ((code = read_entries(view, plan, index, 1, buffer, error)) != VHDX_READER_OK)
            goto done;
        uint64_t entry = vhdx_get64(buffer);
        if (vhdx_bat_state(entry) == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
            || vhdx_bat_state(entry) == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
            plan->tail_offset = vhdx_bat_file_offset(entry) + tail;
            plan->tail_length = info->block_size - tail;
        }
    }
done:
    vhdx_image_close(image);
    return code;
}

/* The entry at BAT index i of the grown disk (i >= first_index); false: keep the one there
 * (the sector bitmap entry of a chunk that holds old blocks, inside the old table; past it,
 * the region's padding, it becomes NOT_PRESENT). */
static bool new_entry(const struct plan *plan, uint64_t i, uint64_t *entry)
{
    const vhdx_image_info *info = &plan->info;
    uint64_t r = info->chunk_ratio;
    if (i % (r + 1) == r) {
        *entry = vhdx_bat_entry(VHDX_SB_BLOCK_NOT_PRESENT, 0);
        return i / (r + 1) * r >= plan->old_blocks || i >= plan->old_entries;
    }
    uint64_t block = i - i / (r + 1);
    if (info->has_parent)
        *entry = vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0);
    else if (info->leave_blocks_allocated)
        *entry = vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_FULLY_PRESENT,
                                plan->space + (block - plan->old_blocks) * info->block_size);
    else
        *entry = vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_NOT_PRESENT, 0);
    return true;
}

/* Writes zeros over [offset, end) (reserving the space first where the file system can), then
 * flushes. */
static vhdx_reader_code write_zeros(vhd_io *io, uint64_t offset, uint64_t end, bool reserve,
                                    uint8_t *zeros, const char *what, vhdx_reader_error *error)
{
    vhd_status status = VHD_OK;
    while (reserve && offset < end && io->allocate != NULL) {
        uint64_t len = end - offset < 256 * MiB ? end - offset : 256 * MiB;
        status = io->allocate(io, offset, len);
        if (status == VHD_E_NOT_SUPPORTED)
            break;
        if (status != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, what, offset);
        offset += len;
    }
    memset(zeros, 0, BUFFER_SIZE);
    while (offset < end) {
        size_t chunk = end - offset < BUFFER_SIZE ? (size_t)(end - offset) : BUFFER_SIZE;
        if ((status = io->write_at(io, offset, zeros, chunk)) != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, what, offset);
        offset += chunk;
    }
    if ((status = io->flush(io)) != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, what, end);
    return VHDX_READER_OK;
}

/* The grown table written whole into its new region (nothing refers to it yet), flushed. */
static vhdx_reader_code write_new_table(vhd_io *io, const struct plan *plan, uint8_t *buffer,
                                        disk_progress *progress, vhdx_reader_error *error)
{
    const uint64_t total = plan->bat.length / VHDX_BAT_ENTRY_SIZE;
    for (uint64_t first = 0; first < total; first += ENTRIES_PER_BUFFER) {
        uint64_t n = total - first < ENTRIES_PER_BUFFER ? total - first : ENTRIES_PER_BUFFER;
        uint64_t old = first < plan->old_entries ? plan->old_entries - first : 0;
        if (old > n)
            old = n;
        memset(buffer, 0, (size_t)(n * VHDX_BAT_ENTRY_SIZE));
        vhdx_reader_code code;
        if (old > 0 && (code = read_entries(io, plan, first, old, buffer, error))
                           != VHDX_READER_OK)
            return code;
        /* As the grow in place: every entry from the first new block's on (a differencing
         * disk's old last chunk holds entries past its old blocks), the old region's padding
         * not copied. */
        uint64_t from = plan->first_index > first ? plan->first_index - first : 0;
        for (uint64_t j = from; j < n && first + j < plan->new_entries; j++) {
            uint64_t entry;
            if (new_entry(plan, first + j, &entry))
                vhdx_put64(buffer + j * VHDX_BAT_ENTRY_SIZE, entry);
        }
        uint64_t at = plan->bat.file_offset + first * VHDX_BAT_ENTRY_SIZE;
        vhd_status status = io->write_at(io, at, buffer, (size_t)(n * VHDX_BAT_ENTRY_SIZE));
        if (status != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "the new block allocation table", at);
        disk_progress_step(progress, first + n, total, 50, 95);
    }
    vhd_status status = io->flush(io);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the new block allocation table",
                                   plan->bat.file_offset);
    return VHDX_READER_OK;
}

/* The size item's sector, with the new size, into data; its change. */
static vhdx_reader_code size_change(vhd_io *io, const struct plan *plan, uint8_t *data,
                                    vhdx_sector_change *change, vhdx_reader_error *error)
{
    uint64_t item_sector = plan->size_item / SECTOR * SECTOR;
    vhd_status status = io->read_at(io, item_sector, data, SECTOR);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the metadata region", item_sector);
    vhdx_put64(data + (plan->size_item - item_sector), plan->new_size);
    change->file_offset = item_sector;
    change->data = data;
    return VHDX_READER_OK;
}

/* The switch to the new table: both region table copies (the one in use, with the BAT entry
 * changed and its checksum, written over each sector of either copy that differs) and the size
 * item, in one batch. */
static vhdx_reader_code switch_table(vhdx_writable *writable, vhd_io *io,
                                     const struct plan *plan, uint8_t *buffer,
                                     vhdx_reader_error *error)
{
    const uint64_t copies[2] = { VHDX_REGION_TABLE1_OFFSET, VHDX_REGION_TABLE2_OFFSET };
    const size_t sectors = VHDX_REGION_TABLE_SIZE / SECTOR;
    uint8_t *table = buffer, *old = buffer + VHDX_REGION_TABLE_SIZE;
    uint8_t *item = old + VHDX_REGION_TABLE_SIZE;
    vhdx_sector_change changes[2 * VHDX_REGION_TABLE_SIZE / SECTOR + 1];
    size_t count = 0;
    vhdx_reader_code code;
    uint64_t at = copies[plan->info.region_table == 2];
    vhd_status status = io->read_at(io, at, table, VHDX_REGION_TABLE_SIZE);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "the region table", at);
    uint32_t n = vhdx_get32(table + 8), found = 0;
    for (uint32_t i = 0; i < n && i < VHDX_REGION_ENTRY_MAX; i++) {
        uint8_t *p = table + VHDX_REGION_TABLE_HEADER_SIZE + (size_t)i * VHDX_REGION_TABLE_ENTRY_SIZE;
        vhdx_region_table_entry e;
        vhdx_region_table_entry_decode(&e, p);
        if (!vhdx_guid_equal(&e.guid, &vhdx_guid_bat_region))
            continue;
        e.file_offset = plan->bat.file_offset;
        e.length = plan->bat.length;
        vhdx_region_table_entry_encode(&e, p);
        found++;
    }
    if (found != 1)
        return vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE, "the region table in use "
                                "no longer lists the BAT region once");
    vhdx_put32(table + 4, 0);
    vhdx_put32(table + 4, vhdx_crc32c(table, VHDX_REGION_TABLE_SIZE));
    for (size_t c = 0; c < 2; c++) {
        if ((status = io->read_at(io, copies[c], old, VHDX_REGION_TABLE_SIZE)) != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "the region table", copies[c]);
        for (size_t s = 0; s < sectors; s++)
            if (memcmp(old + s * SECTOR, table + s * SECTOR, SECTOR) != 0) {
                changes[count].file_offset = copies[c] + s * SECTOR;
                changes[count].data = table + s * SECTOR;
                count++;
            }
    }
    if ((code = size_change(io, plan, item, &changes[count], error)) != VHDX_READER_OK)
        return code;
    count++;
    return vhdx_writable_change(writable, changes, count, true, error);
}

/* The table's changed sectors through the log in batches: a grow's new entries (the size item's
 * sector in the last batch), or a shrink's dropped ones (the size item's in the first). */
static vhdx_reader_code write_changes(vhdx_writable *writable, vhd_io *io,
                                      const struct plan *plan, uint8_t *sectors,
                                      vhdx_reader_error *error)
{
    size_t max = vhdx_writable_batch_max(writable), count = 0;
    vhdx_sector_change changes[VHDX_LOG_WRITE_SECTORS_MAX];
    const bool shrink = plan->new_size < plan->info.virtual_size;
    const uint64_t bat = plan->info.bat_region.file_offset;
    uint64_t first_index = shrink ? vhdx_bat_payload_index(plan->new_blocks,
                                                           plan->info.chunk_ratio)
                                  : plan->first_index;
    uint64_t end_index = shrink ? plan->old_entries : plan->end_index;
    /* A shrink starts at the first dropped block's entry; every entry from there on is a
     * dropped block's or a sector bitmap entry, kept only for a chunk that keeps blocks. */
    uint64_t first = bat + first_index * VHDX_BAT_ENTRY_SIZE / SECTOR * SECTOR;
    uint64_t end = bat + end_index * VHDX_BAT_ENTRY_SIZE;
    vhdx_reader_code code;
    if (max > VHDX_LOG_WRITE_SECTORS_MAX)
        max = VHDX_LOG_WRITE_SECTORS_MAX;

    if (shrink) {
        if ((code = size_change(io, plan, sectors, &changes[0], error)) != VHDX_READER_OK)
            return code;
        count = 1;
    }
    for (uint64_t at = first; at < end; at += SECTOR) {
        uint8_t *data = sectors + count * SECTOR;
        vhd_status status = io->read_at(io, at, data, SECTOR);
        if (status != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "the block allocation table", at);
        bool changed = false;
        for (uint64_t i = (at - bat) / VHDX_BAT_ENTRY_SIZE; i < (at + SECTOR - bat) / 8; i++) {
            if (i < first_index || i >= end_index)
                continue;
            uint8_t *p = data + (bat + i * VHDX_BAT_ENTRY_SIZE - at);
            uint64_t want = 0;
            if (shrink ? !kept(plan, i) : new_entry(plan, i, &want))
                if (vhdx_get64(p) != want) {
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
    if (!shrink) {
        if ((code = size_change(io, plan, sectors + count * SECTOR, &changes[count], error))
            != VHDX_READER_OK)
            return code;
        count++;
    }
    return count == 0 ? VHDX_READER_OK
                      : vhdx_writable_change(writable, changes, count, true, error);
}

vhdx_reader_code vhdx_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                             const vhdx_writable_options *options, disk_progress *progress,
                             vhdx_resize_report *report, vhdx_reader_error *error)
{
    vhdx_reader_options reader = { options ? options->allocate : NULL,
                                   options ? options->release : NULL };
    void *(*allocate)(size_t) = reader.allocate ? reader.allocate : malloc;
    void (*release)(void *) = reader.release ? reader.release : free;
    vhdx_writable *writable = NULL;
    struct plan *plan = allocate(sizeof *plan);
    uint8_t *buffer = allocate(BUFFER_SIZE);
    vhdx_reader_code code;

    memset(report, 0, sizeof *report);
    report->new_size = new_size;
    if (plan == NULL || buffer == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the resize");
        goto done;
    }
    if ((code = plan_resize(io, new_size, &reader, plan, buffer, report, error))
        != VHDX_READER_OK || dry_run || new_size == plan->info.virtual_size)
        goto done;
    /* The writable open replays a pending log; the plan is made again on the clean file. */
    if ((code = vhdx_writable_open(&writable, io, options, error)) != VHDX_READER_OK
        || (code = plan_resize(io, new_size, &reader, plan, buffer, report, error))
               != VHDX_READER_OK)
        goto done;
    if (new_size == plan->info.virtual_size)    /* the replay finished an earlier resize */
        goto settle;
    if (plan->tail_length != 0
        && (code = write_zeros(io, plan->tail_offset, plan->tail_offset + plan->tail_length,
                               false, buffer, "the old last block's tail", error))
               != VHDX_READER_OK)
        goto done;
    if (report->blocks_reserved != 0
        && (code = write_zeros(io, plan->space, plan->space + report->blocks_reserved
                               * plan->info.block_size, true, buffer,
                               "the fixed disk's new blocks", error)) != VHDX_READER_OK)
        goto done;
    disk_progress_step(progress, 1, 2, 0, 100);         /* the data's part done: 50% */
    if (plan->move_table)
        code = write_new_table(io, plan, buffer, progress, error);
    if (code == VHDX_READER_OK)
        code = plan->move_table ? switch_table(writable, io, plan, buffer, error)
                                : write_changes(writable, io, plan, buffer, error);
    if (code != VHDX_READER_OK)
        goto done;
settle:
    if ((code = vhdx_writable_settle(writable, error)) != VHDX_READER_OK)
        goto done;
    /* Nothing is left to replay: the cut removes only bytes nothing refers to. */
    if (plan->cut_to != 0 && io->set_size != NULL) {
        vhd_status status = io->set_size(io, plan->cut_to);
        if (status == VHD_OK)
            status = io->flush(io);
        if (status != VHD_OK)
            code = vhdx_reader_fail_io(error, io, status, "the file's new end", plan->cut_to);
    }
done:
    vhdx_writable_close(writable);
    if (plan != NULL)
        release(plan);
    if (buffer != NULL)
        release(buffer);
    return code;
}
