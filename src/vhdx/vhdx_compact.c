/* Compact of a dynamic or differencing VHDX (vhdx_compact.h), in place, through the log.
 *
 * Why no data can be lost: a BAT entry is the only thing that says where a block is, and an
 * entry changes only through the log (vhdx_writable_change: the log entry durable before the
 * BAT sectors are written in place, so a crash leaves the old sectors or the new ones), and
 * only to something that reads the same:
 *
 *   1. every payload entry in turn: a FULLY_PRESENT block whose visible bytes are all zeros
 *      becomes NOT_PRESENT in a dynamic disk (reads as zeros) or ZERO in a differencing one
 *      (reads as zeros and still hides the parent), offset 0; an absent entry that keeps a
 *      file range (a soft anchor: UNDEFINED, UNMAPPED, or a peer's NOT_PRESENT or ZERO with
 *      an offset) gets offset 0 with its state, which no reader reads through. Batches of up
 *      to 126 BAT sectors. From then on those ranges are named by no entry.
 *   2. the map of the file's 1 MiB units: header section, log, every region, every present
 *      block (payload and sector bitmap). Windows of at most VHDX_COMPACT_SORT_MAX blocks,
 *      from the top of the file down, sorted by offset: each block, highest first, moves into
 *      the lowest free run below it that holds it. Per batch of MOVE_BATCH moves: each block's
 *      bytes copied into its run, one flush, then the entries (state kept, the new offset) as
 *      one log entry. Until that entry is durable the old block is the one in use and the
 *      copy is bytes nobody names; a run is written only if no entry names it (the old places
 *      of a batch's blocks become free only once the batch is committed).
 *   3. the log settled (LogGuid cleared), then the file cut after the last unit in use, so no
 *      replay can ever grow it again or name what was cut.
 *
 * A crash anywhere leaves a valid disk with the same content; the next writable open replays
 * the log, and running Compact again finishes the job (step 1 finds nothing left to empty).
 * PARTIALLY_PRESENT blocks are left whole: their sectors are a mix of this file and the
 * parent, and a block of zeros there still differs from ZERO where the parent shows through.
 * The rule, for a PARTIALLY_PRESENT block whose present sectors are all zeros: ZERO is right
 * only if every absent sector also reads zeros through the parent chain, and NOT_PRESENT only
 * if every present sector equals what the parent chain reads there; either needs the parent,
 * which Compact does not open (it compacts one file), so such a block is kept as it is. A
 * FULLY_PRESENT block hides the parent whole, so all zeros there is always ZERO.
 * The DataWriteGuid is kept (the content is the same), so the disk's children stay valid. */
#include "vhdx_compact.h"

#include <stdlib.h>
#include <string.h>
#include "vhdx_reader_internal.h"
#include "vhdx_writable_internal.h"

#define MOVE_BATCH 64u
#define UNIT VHDX_MiB
#define SECTOR VHDX_LOG_SECTOR_SIZE
/* A batch of moves never fills the log entry, so its BAT sectors are committed only after its
 * copies are flushed (set_entry commits on its own only when 126 sectors are pending). */
_Static_assert(MOVE_BATCH < VHDX_LOG_WRITE_SECTORS_MAX, "a batch of moves fits one entry");

typedef struct compact_job {
    vhd_io *io;
    const vhdx_compact_options *options;
    vhdx_compact_report *report;
    vhdx_reader_error *error;
    vhdx_writable *writable;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    /* The disk's facts, from the reader. */
    bool has_parent;
    uint32_t block_size;
    uint64_t virtual_size, chunk_ratio, bat_entries, data_blocks, bat_offset;
    uint64_t file_size, units;
    uint8_t *map;                   /* one bit per 1 MiB unit of the file: in use */
    uint64_t first_free;            /* units below it are all in use */
    uint64_t *sorted;               /* (unit << 32) | BAT index */
    uint8_t *buffer;                /* VHDX_COMPACT_BUFFER */
    /* The BAT sectors of the batch in flight. */
    size_t sector_count;
    vhdx_sector_change changes[VHDX_LOG_WRITE_SECTORS_MAX];
    /* One BAT sector as the file holds it (forgotten at each commit). */
    uint8_t bat_window[SECTOR];
    uint64_t bat_window_offset;     /* UINT64_MAX: none */
    uint8_t *sectors;
    /* The moves of the batch in flight: their old places, freed once it is committed. */
    uint64_t moved_from[MOVE_BATCH], moved_units[MOVE_BATCH];
    unsigned move_count;
    unsigned percent;
    uint64_t own_flushes;
} compact_job;

static void report_progress(compact_job *job, unsigned percent)
{
    if (percent > job->percent) {
        job->percent = percent;
        if (job->options->progress)
            job->options->progress(job->options->ctx, percent);
    }
}

static bool cancelled(compact_job *job)
{
    if (job->options->cancelled == NULL || !job->options->cancelled(job->options->ctx))
        return false;
    vhdx_reader_fail(job->error, VHDX_READER_IO, "the compaction was cancelled");
    job->error->io_status = VHD_E_CANCELLED;
    return true;
}

/* Bytes of the file the object of BAT entry index takes when present (as the reader counts
 * them: the last block of a disk whose size is not a multiple of the block size takes its part
 * in whole MiB); 0 for slots nothing reads. */
static uint64_t object_length(const compact_job *job, uint64_t index, bool *bitmap_slot,
                              uint64_t *visible)
{
    uint64_t ratio = job->chunk_ratio;
    *bitmap_slot = index % (ratio + 1) == ratio;
    *visible = 0;
    if (*bitmap_slot)
        return job->has_parent ? VHDX_SECTOR_BITMAP_BLOCK : 0;
    uint64_t n = index / (ratio + 1) * ratio + index % (ratio + 1);
    if (n >= job->data_blocks)
        return 0;
    uint64_t rest = job->virtual_size - n * job->block_size;
    if (rest >= job->block_size) {
        *visible = job->block_size;
        return job->block_size;
    }
    *visible = rest;
    return (rest + UNIT - 1) / UNIT * UNIT;
}

static vhdx_reader_code io_fail(compact_job *job, vhd_status status, const char *what,
                                uint64_t offset)
{
    return vhdx_reader_fail_io(job->error, job->io, status, what, offset);
}

/* ---- the BAT: entries read from the file (every change so far applied in place) and the
 * batch of changed sectors ---- */
static vhdx_reader_code read_entry(compact_job *job, uint64_t index, uint64_t *entry)
{
    /* A sector of the batch in flight holds the newest value. */
    uint64_t at = job->bat_offset + index * VHDX_BAT_ENTRY_SIZE;
    uint64_t sector = at / SECTOR * SECTOR;
    for (size_t i = 0; i < job->sector_count; i++)
        if (job->changes[i].file_offset == sector) {
            *entry = vhdx_get64(job->changes[i].data + (at - sector));
            return VHDX_READER_OK;
        }
    if (job->bat_window_offset != sector) {
        job->bat_window_offset = UINT64_MAX;
        vhd_status status = job->io->read_at(job->io, sector, job->bat_window, SECTOR);
        if (status != VHD_OK)
            return io_fail(job, status, "block allocation table", sector);
        job->bat_window_offset = sector;
    }
    *entry = vhdx_get64(job->bat_window + (at - sector));
    return VHDX_READER_OK;
}

static vhdx_reader_code commit(compact_job *job)
{
    if (job->sector_count == 0)
        return VHDX_READER_OK;
    vhdx_reader_code code = vhdx_writable_change(job->writable, job->changes, job->sector_count,
                                                 false, job->error);
    job->sector_count = 0;
    job->bat_window_offset = UINT64_MAX;
    if (code == VHDX_READER_OK)
        job->report->batches++;
    return code;
}

static vhdx_reader_code set_entry(compact_job *job, uint64_t index, uint64_t entry)
{
    uint64_t at = job->bat_offset + index * VHDX_BAT_ENTRY_SIZE;
    uint64_t sector = at / SECTOR * SECTOR;
    size_t i = 0;
    while (i < job->sector_count && job->changes[i].file_offset != sector)
        i++;
    if (i == job->sector_count) {
        vhdx_reader_code code;
        if (job->sector_count == VHDX_LOG_WRITE_SECTORS_MAX
            && (code = commit(job)) != VHDX_READER_OK)
            return code;
        i = job->sector_count;
        uint8_t *data = job->sectors + i * SECTOR;
        vhd_status status = job->io->read_at(job->io, sector, data, SECTOR);
        if (status != VHD_OK)
            return io_fail(job, status, "block allocation table", sector);
        job->changes[i].file_offset = sector;
        job->changes[i].data = data;
        job->sector_count++;
    }
    vhdx_put64(job->sectors + i * SECTOR + (at - sector), entry);
    return VHDX_READER_OK;
}

/* ---- step 1: empty the all-zero blocks, clear the soft anchors ---- */
static vhdx_reader_code all_zero(compact_job *job, uint64_t offset, uint64_t length, bool *zero)
{
    *zero = false;
    for (uint64_t done = 0; done < length;) {
        size_t len = length - done < VHDX_COMPACT_BUFFER ? (size_t)(length - done)
                                                          : VHDX_COMPACT_BUFFER;
        vhd_status status = job->io->read_at(job->io, offset + done, job->buffer, len);
        if (status != VHD_OK)
            return io_fail(job, status, "a payload block", offset + done);
        /* Zero if its first byte is, and every byte equals the next. */
        if (job->buffer[0] != 0 || memcmp(job->buffer, job->buffer + 1, len - 1) != 0)
            return VHDX_READER_OK;
        done += len;
    }
    *zero = true;
    return VHDX_READER_OK;
}

static vhdx_reader_code empty_blocks(compact_job *job)
{
    vhdx_reader_code code;
    for (uint64_t index = 0; index < job->bat_entries; index++) {
        bool bitmap_slot;
        uint64_t visible, entry;
        if (object_length(job, index, &bitmap_slot, &visible) == 0 || bitmap_slot)
            continue;
        if (cancelled(job))
            return job->error->code;
        if ((code = read_entry(job, index, &entry)) != VHDX_READER_OK)
            return code;
        unsigned state = vhdx_bat_state(entry);
        uint64_t offset = vhdx_bat_file_offset(entry);
        uint64_t next = entry;
        if (state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT) {
            bool zero;
            if ((code = all_zero(job, offset, visible, &zero)) != VHDX_READER_OK)
                return code;
            if (zero) {
                next = vhdx_bat_entry(job->has_parent ? VHDX_PAYLOAD_BLOCK_ZERO
                                                      : VHDX_PAYLOAD_BLOCK_NOT_PRESENT, 0);
                job->report->blocks_emptied++;
            }
        } else if (state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
            job->report->partial_kept++;
        } else if (offset != 0) {
            next = vhdx_bat_entry(state, 0);
            job->report->anchors_cleared++;
        }
        if (next != entry && (code = set_entry(job, index, next)) != VHDX_READER_OK)
            return code;
        report_progress(job, (unsigned)(index * 60 / job->bat_entries));
    }
    return commit(job);
}

/* ---- step 2: move the live blocks down ---- */
static bool unit_used(const compact_job *job, uint64_t unit)
{
    return (job->map[unit / 8] >> (unit % 8)) & 1;
}

static void mark(compact_job *job, uint64_t start, uint64_t length, bool used)
{
    for (uint64_t unit = start / UNIT; unit < (start + length + UNIT - 1) / UNIT
         && unit < job->units; unit++) {
        if (used)
            job->map[unit / 8] |= (uint8_t)(1u << (unit % 8));
        else
            job->map[unit / 8] &= (uint8_t)~(1u << (unit % 8));
    }
    if (!used && start / UNIT < job->first_free)
        job->first_free = start / UNIT;
}

/* The lowest run of count free units that ends at or before limit; false if none. */
static bool find_run(compact_job *job, uint64_t count, uint64_t limit, uint64_t *start)
{
    while (job->first_free < job->units && unit_used(job, job->first_free))
        job->first_free++;
    uint64_t run = 0;
    for (uint64_t unit = job->first_free; unit < limit; unit++) {
        run = unit_used(job, unit) ? 0 : run + 1;
        if (run == count) {
            *start = unit + 1 - count;
            return true;
        }
    }
    return false;
}

static vhdx_reader_code copy_bytes(compact_job *job, uint64_t from, uint64_t to, uint64_t length)
{
    for (uint64_t done = 0; done < length;) {
        size_t len = length - done < VHDX_COMPACT_BUFFER ? (size_t)(length - done)
                                                          : VHDX_COMPACT_BUFFER;
        vhd_status status = job->io->read_at(job->io, from + done, job->buffer, len);
        if (status != VHD_OK)
            return io_fail(job, status, "a block to move", from + done);
        status = job->io->write_at(job->io, to + done, job->buffer, len);
        if (status != VHD_OK)
            return vhdx_writable_fail_write(job->error, job->io, status,
                                                   "a moved block's copy", to + done);
        done += len;
    }
    return VHDX_READER_OK;
}

/* The copies of the batch made durable, then their entries through the log; then their old
 * places are free. */
static vhdx_reader_code commit_moves(compact_job *job)
{
    if (job->move_count == 0)
        return VHDX_READER_OK;
    vhd_status status = job->io->flush(job->io);
    if (status != VHD_OK)
        return vhdx_writable_fail_write(job->error, job->io, status,
                                               "the moved blocks' copies (flush)", 0);
    job->own_flushes++;
    vhdx_reader_code code = commit(job);
    if (code != VHDX_READER_OK)
        return code;
    for (unsigned i = 0; i < job->move_count; i++)
        mark(job, job->moved_from[i], job->moved_units[i] * UNIT, false);
    job->move_count = 0;
    return VHDX_READER_OK;
}

static int by_offset_descending(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Every present block in units [low, high) into job->sorted, highest first. */
static vhdx_reader_code collect(compact_job *job, uint64_t low, uint64_t high, size_t *count)
{
    vhdx_reader_code code;
    *count = 0;
    for (uint64_t index = 0; index < job->bat_entries; index++) {
        bool bitmap_slot;
        uint64_t visible, entry;
        if (object_length(job, index, &bitmap_slot, &visible) == 0)
            continue;
        if ((code = read_entry(job, index, &entry)) != VHDX_READER_OK)
            return code;
        unsigned state = vhdx_bat_state(entry);
        bool present = bitmap_slot ? state == VHDX_SB_BLOCK_PRESENT
                                   : state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
                                         || state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT;
        uint64_t unit = vhdx_bat_file_offset(entry) / UNIT;
        if (!present || unit < low || unit >= high)
            continue;
        if (*count == VHDX_COMPACT_SORT_MAX)   /* cannot happen: one unit each at least */
            return vhdx_reader_fail(job->error, VHDX_READER_BAD_BAT,
                                    "more blocks than units of the file");
        job->sorted[(*count)++] = unit << 32 | index;
    }
    qsort(job->sorted, *count, sizeof *job->sorted, by_offset_descending);
    return VHDX_READER_OK;
}

static vhdx_reader_code move_blocks(compact_job *job)
{
    vhdx_reader_code code;
    uint64_t high = job->units;     /* windows from the top of the file down */
    uint64_t total = job->units ? job->units : 1;
    while (high > 0) {
        /* The window: the top units in use, at most SORT_MAX of them. */
        uint64_t low = high, used = 0;
        while (low > 0 && used < VHDX_COMPACT_SORT_MAX)
            used += unit_used(job, --low);
        size_t count;
        if ((code = collect(job, low, high, &count)) != VHDX_READER_OK)
            return code;
        for (size_t i = 0; i < count; i++) {
            uint64_t unit = job->sorted[i] >> 32, index = job->sorted[i] & UINT32_MAX;
            bool bitmap_slot;
            uint64_t visible, entry, to;
            uint64_t length = object_length(job, index, &bitmap_slot, &visible);
            uint64_t units = length / UNIT;
            if (cancelled(job))
                return job->error->code;
            if (!find_run(job, units, unit, &to))
                continue;
            if ((code = read_entry(job, index, &entry)) != VHDX_READER_OK
                || (code = copy_bytes(job, unit * UNIT, to * UNIT, length)) != VHDX_READER_OK)
                return code;
            mark(job, to * UNIT, length, true);
            job->moved_from[job->move_count] = unit * UNIT;
            job->moved_units[job->move_count++] = units;
            if ((code = set_entry(job, index, vhdx_bat_entry(vhdx_bat_state(entry), to * UNIT)))
                != VHDX_READER_OK)
                return code;
            job->report->blocks_moved++;
            if (job->move_count == MOVE_BATCH && (code = commit_moves(job)) != VHDX_READER_OK)
                return code;
            report_progress(job, 60 + (unsigned)((total - unit) * 35 / total));
        }
        if ((code = commit_moves(job)) != VHDX_READER_OK)
            return code;
        high = low;
    }
    return VHDX_READER_OK;
}

/* ---- the job ---- */

/* The reader's facts of the file as it is now; refusals. */
static vhdx_reader_code load_facts(compact_job *job, bool *fixed)
{
    vhdx_image *image;
    vhdx_reader_options reader = { job->allocate, job->release };
    vhdx_reader_code code = vhdx_image_open(&image, job->io, &reader, job->error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    *fixed = info->kind == VHDX_KIND_FIXED;
    job->has_parent = info->has_parent;
    job->block_size = info->block_size;
    job->virtual_size = info->virtual_size;
    job->chunk_ratio = info->chunk_ratio;
    job->bat_entries = info->bat_entries;
    job->data_blocks = info->data_blocks;
    job->bat_offset = info->bat_region.file_offset;
    job->file_size = info->log.state == VHDX_LOG_CLEAN ? info->file_size
                                                        : info->log.replayed_file_size;
    if (info->region_count > VHDX_READER_REGIONS_KEPT)
        code = vhdx_reader_fail(job->error, VHDX_READER_NOT_POSSIBLE,
                                "the region table lists %u regions; vsdisk compacts disks of "
                                "at most %u", (unsigned)info->region_count,
                                VHDX_READER_REGIONS_KEPT);
    vhdx_image_close(image);
    return code;
}

/* The map of the units in use (step 2), from the clean file. */
static vhdx_reader_code build_map(compact_job *job)
{
    vhdx_image *image;
    vhdx_reader_options reader = { job->allocate, job->release };
    vhdx_reader_code code = vhdx_image_open(&image, job->io, &reader, job->error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    job->units = (info->file_size + UNIT - 1) / UNIT;
    job->map = job->allocate((size_t)(job->units / 8 + 1));
    if (job->map == NULL) {
        vhdx_image_close(image);
        return vhdx_reader_fail(job->error, VHDX_READER_NO_MEMORY,
                                "out of memory for the map of the file's %llu MiB",
                                (unsigned long long)job->units);
    }
    memset(job->map, 0, (size_t)(job->units / 8 + 1));
    mark(job, 0, VHDX_HEADER_SECTION_SIZE, true);
    if (info->header.log_length > 0)
        mark(job, info->header.log_offset, info->header.log_length, true);
    for (uint32_t i = 0; i < info->region_count && i < VHDX_READER_REGIONS_KEPT; i++)
        mark(job, info->regions[i].entry.file_offset, info->regions[i].entry.length, true);
    for (uint64_t index = 0; index < job->bat_entries && code == VHDX_READER_OK; index++) {
        bool bitmap_slot;
        uint64_t visible, entry;
        uint64_t length = object_length(job, index, &bitmap_slot, &visible);
        if (length == 0 || (code = vhdx_bat_get(image, index, &entry, job->error))
                               != VHDX_READER_OK)
            continue;
        unsigned state = vhdx_bat_state(entry);
        bool present = bitmap_slot ? state == VHDX_SB_BLOCK_PRESENT
                                   : state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
                                         || state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT;
        if (present)
            mark(job, vhdx_bat_file_offset(entry), length, true);
    }
    vhdx_image_close(image);
    job->first_free = 0;
    return code;
}

/* Step 3: the file cut after its last unit in use (the log settled before). */
static vhdx_reader_code shorten(compact_job *job)
{
    uint64_t end = job->units;
    while (end > 0 && !unit_used(job, end - 1))
        end--;
    uint64_t size = end * UNIT;
    job->report->new_size = job->file_size;
    if (size >= job->file_size)
        return VHDX_READER_OK;
    vhd_status status = job->io->set_size(job->io, size);
    if (status == VHD_OK)
        status = job->io->flush(job->io);
    if (status != VHD_OK)
        return vhdx_writable_fail_write(job->error, job->io, status,
                                               "the file's new end", size);
    job->own_flushes++;
    job->report->new_size = size;
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_compact(vhd_io *io, const vhdx_compact_options *options,
                              vhdx_compact_report *report, vhdx_reader_error *error)
{
    static const vhdx_compact_options none;
    vhdx_compact_report ignored;
    compact_job job;
    vhdx_reader_code code;
    bool fixed;

    vhdx_reader_clear(error);
    memset(&job, 0, sizeof job);
    job.io = io;
    job.bat_window_offset = UINT64_MAX;
    job.options = options ? options : &none;
    job.report = report ? report : &ignored;
    memset(job.report, 0, sizeof *job.report);
    job.error = error;
    job.allocate = job.options->writable.allocate ? job.options->writable.allocate : malloc;
    job.release = job.options->writable.release ? job.options->writable.release : free;

    /* Refusals before anything is written (a pending log replayed in memory). */
    if (io->set_size == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the file's back end cannot shorten it");
    if ((code = load_facts(&job, &fixed)) != VHDX_READER_OK)
        return code;
    if (fixed)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the disk is a fixed VHDX: its blocks stay allocated (convert "
                                "it to a dynamic disk to give space back)");
    job.report->old_size = job.report->new_size = job.file_size;
    job.buffer = job.allocate(VHDX_COMPACT_BUFFER);
    job.sectors = job.allocate((size_t)VHDX_LOG_WRITE_SECTORS_MAX * SECTOR);
    if (job.buffer == NULL || job.sectors == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the compaction");
        goto done;
    }
    /* The writable open replays a pending log on disk; the facts again from the clean file. */
    if ((code = vhdx_writable_open(&job.writable, io, &job.options->writable, error))
            != VHDX_READER_OK
        || (code = load_facts(&job, &fixed)) != VHDX_READER_OK
        || (code = empty_blocks(&job)) != VHDX_READER_OK
        || (code = build_map(&job)) != VHDX_READER_OK)
        goto done;
    uint64_t window = job.units < VHDX_COMPACT_SORT_MAX ? job.units : VHDX_COMPACT_SORT_MAX;
    job.sorted = job.allocate((size_t)(window ? window : 1) * sizeof *job.sorted);
    if (job.sorted == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the blocks");
        goto done;
    }
    if ((code = move_blocks(&job)) != VHDX_READER_OK
        || (code = vhdx_writable_settle(job.writable, error)) != VHDX_READER_OK
        || (code = shorten(&job)) != VHDX_READER_OK)
        goto done;
    report_progress(&job, 100);
done:
    if (job.writable != NULL)
        job.report->flushes = vhdx_writable_get_report(job.writable)->flushes + job.own_flushes;
    vhdx_writable_close(job.writable);
    if (job.map)
        job.release(job.map);
    if (job.sorted)
        job.release(job.sorted);
    if (job.buffer)
        job.release(job.buffer);
    if (job.sectors)
        job.release(job.sectors);
    return code;
}
