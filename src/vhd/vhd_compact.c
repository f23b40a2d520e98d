/* Compact: a dynamic disk gives up the blocks that hold only zeros, in place.
 *
 * Why no data can be lost: the disk is valid, with its content unchanged, at every instant.
 * A table entry is the only thing that says where a block is, and an entry changes only to
 * something that reads the same: "unused" for a block whose data is all zeros (an unused block
 * of a dynamic disk reads as zeros), or the address of a copy that is already on disk. Order:
 *
 *   1. scan every allocated block; each one whose data is all zeros gets an unused entry
 *      (table windows written as the scan goes); flush.        <- zero blocks are free now
 *   2. plan, in memory: the live blocks sorted by address (8 bytes each, up to SORTED_MAX);
 *      the block at the top moves into the lowest gap between live blocks (from the end of
 *      the metadata; data 4 KiB-aligned when that fits) that holds it, as long as the gap is
 *      below it.
 *      (More live blocks than that: one bit per live block, and a block reaching past the
 *      packed end moves into a free slot of a 4 KiB-aligned grid, below it.)
 *   3. per batch of moves: copy each block (bitmap and data) into its slot, flush;
 *      then their table entries, flush.  Until the entry changes, the old block is the one in
 *      use and the copy is unreferenced bytes; after it, the old one is. A slot is written only
 *      if it was free after step 1's flush and no other move has taken it.
 *   4. shrink: a copy of the footer after the last live block, flush; the file is cut just
 *      after it, flush. Between the two the file ends with the old footer, still valid.
 *
 * A crash leaves a valid disk with the same content; running Compact again finishes the job.
 * Cancel stops between blocks (after the batch in flight is committed). Blocks are compared
 * with zero by their data only: a block whose bitmap marks sectors absent but whose data is
 * not zero is kept, so readers that ignore the bitmap and those that do both see the same
 * content afterwards. Only dynamic disks are compacted (a differencing disk's unused block
 * would expose its parent). */
#include "vhd_ops.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_op_common.h"
#include "vhd_write_common.h"

#define MOVE_BATCH 8u
/* Live blocks sorted in memory (8 bytes each, 1 MiB): 256 GiB of data in 2 MiB blocks. Above
 * that, blocks move only into free slots of a 4 KiB-aligned grid (plan, move_blocks). */
#define SORTED_MAX 131072u

typedef struct compact_job {
    vhd_io *io;
    vhd_block_geometry geometry;
    vhd_bat bat;
    uint64_t footer_offset;
    uint8_t footer[VHD_FOOTER_SIZE];
    uint64_t block_span;            /* bitmap + data bytes of one block */
    uint64_t slot_start, slot_stride;
    uint32_t live, slots;
    uint8_t *occupied;              /* one bit per slot */
    uint32_t search_from;           /* slots below it are all occupied */
    const vhd_create_options *options;
    vhd_op_result *result;
    vhd_progress progress;
    uint8_t *buffer;
    size_t buffer_size;
    uint32_t batch_block[MOVE_BATCH];
    uint64_t batch_offset[MOVE_BATCH];
    unsigned batch_count;
} compact_job;

static vhd_op_code disk_call(compact_job *job, vhd_status status, const char *doing)
{
    if (status != VHD_OK)
        return vhd_op_fail_io(job->result, job->io, status, doing);
    return VHD_OP_OK;
}

static vhd_op_code entry_at(compact_job *job, uint32_t block, uint64_t *offset, bool *used)
{
    uint32_t entry;
    vhd_op_code code = disk_call(job, vhd_bat_get(&job->bat, block, &entry),
                                 "reading the block table");
    *used = false;
    if (code != VHD_OP_OK || entry == VHD_BAT_ENTRY_UNUSED)
        return code;
    *offset = (uint64_t)entry * VHD_SECTOR_SIZE;
    if (*offset < job->geometry.metadata_end || *offset + job->block_span > job->footer_offset)
        return vhd_op_fail(job->result, VHD_OP_INVALID_DISK,
                           "block %u at sector %u lies outside the data area of the file",
                           block, entry);
    *used = true;
    return VHD_OP_OK;
}

static vhd_op_code check_cancel(compact_job *job)
{
    if (vhd_cancel_requested(job->options))
        return vhd_op_fail(job->result, VHD_OP_CANCELLED,
                           "the compaction was cancelled; the disk is valid and unchanged in "
                           "content");
    return VHD_OP_OK;
}

/* Step 1. */
static vhd_op_code drop_zero_blocks(compact_job *job)
{
    vhd_op_code code = VHD_OP_OK;
    for (uint32_t block = 0; block < job->geometry.blocks && code == VHD_OP_OK; block++) {
        uint64_t offset;
        bool used, zero = true;
        if ((code = check_cancel(job)) != VHD_OP_OK)
            break;
        code = entry_at(job, block, &offset, &used);
        if (code != VHD_OP_OK || !used)
            continue;
        uint64_t data = offset + job->geometry.bitmap_size;
        for (uint64_t done = 0; done < job->geometry.block_size && zero && code == VHD_OP_OK; ) {
            uint64_t left = job->geometry.block_size - done;
            size_t len = left < job->buffer_size ? (size_t)left : job->buffer_size;
            code = disk_call(job, job->io->read_at(job->io, data + done, job->buffer, len),
                             "reading a block");
            zero = code == VHD_OP_OK && vhd_is_zero(job->buffer, len);
            done += len;
        }
        if (code == VHD_OP_OK && zero)
            code = disk_call(job, vhd_bat_set(&job->bat, block, VHD_BAT_ENTRY_UNUSED),
                             "updating the block table");
        else if (code == VHD_OP_OK)
            job->live++;
        vhd_progress_advance(&job->progress, job->geometry.block_size);
    }
    if (code == VHD_OP_OK)
        code = disk_call(job, vhd_bat_write_back(&job->bat), "writing the block table");
    if (code == VHD_OP_OK)
        code = disk_call(job, job->io->flush(job->io), "flushing the disk");
    return code;
}

static void mark(compact_job *job, uint64_t offset)
{
    uint64_t end = offset + job->block_span;
    if (end <= job->slot_start)
        return;
    uint64_t first = offset > job->slot_start ? (offset - job->slot_start) / job->slot_stride : 0;
    uint64_t last = (end - 1 - job->slot_start) / job->slot_stride;
    for (uint64_t slot = first; slot <= last && slot < job->slots; slot++)
        job->occupied[slot / 8] |= (uint8_t)(1u << (slot % 8));
}

/* Step 2. */
static vhd_op_code plan(compact_job *job)
{
    vhd_op_code code = VHD_OP_OK;
    job->slot_start = vhd_next_block_bitmap(&job->geometry, job->geometry.metadata_end);
    job->slot_stride = vhd_next_block_bitmap(&job->geometry, job->slot_start + job->block_span)
                       - job->slot_start;
    job->slots = job->live;
    size_t bytes = job->slots / 8 + 1;
    job->occupied = job->options->allocate ? job->options->allocate(bytes) : malloc(bytes);
    if (job->occupied == NULL)
        return vhd_op_fail(job->result, VHD_OP_NO_MEMORY, "out of memory");
    memset(job->occupied, 0, bytes);
    for (uint32_t block = 0; block < job->geometry.blocks && code == VHD_OP_OK; block++) {
        uint64_t offset;
        bool used;
        code = entry_at(job, block, &offset, &used);
        if (code == VHD_OP_OK && used)
            mark(job, offset);
    }
    return code;
}

/* The lowest free slot that ends before both limit and the footer; false if none. */
static bool free_slot(compact_job *job, uint64_t limit, uint32_t *slot)
{
    for (uint32_t s = job->search_from; s < job->slots; s++) {
        uint64_t start = job->slot_start + (uint64_t)s * job->slot_stride;
        if (start + job->block_span > limit || start + job->block_span > job->footer_offset)
            return false;
        if (!(job->occupied[s / 8] & (1u << (s % 8)))) {
            *slot = s;
            return true;
        }
        job->search_from = s + 1;
    }
    return false;
}

static vhd_op_code copy_block(compact_job *job, uint64_t from, uint64_t to)
{
    vhd_op_code code = VHD_OP_OK;
    for (uint64_t done = 0; done < job->block_span && code == VHD_OP_OK; ) {
        uint64_t left = job->block_span - done;
        size_t len = left < job->buffer_size ? (size_t)left : job->buffer_size;
        code = disk_call(job, job->io->read_at(job->io, from + done, job->buffer, len),
                         "reading a block to move");
        if (code == VHD_OP_OK)
            code = disk_call(job, job->io->write_at(job->io, to + done, job->buffer, len),
                             "moving a block");
        done += len;
    }
    return code;
}

/* The copies of the batch are on disk: flush, then point the table at them, flush. */
static vhd_op_code commit_batch(compact_job *job)
{
    vhd_op_code code;
    if (job->batch_count == 0)
        return VHD_OP_OK;
    code = disk_call(job, job->io->flush(job->io), "flushing the disk");
    for (unsigned i = 0; i < job->batch_count && code == VHD_OP_OK; i++)
        code = disk_call(job, vhd_bat_set(&job->bat, job->batch_block[i],
                                          (uint32_t)(job->batch_offset[i] / VHD_SECTOR_SIZE)),
                         "updating the block table");
    if (code == VHD_OP_OK)
        code = disk_call(job, vhd_bat_write_back(&job->bat), "writing the block table");
    if (code == VHD_OP_OK)
        code = disk_call(job, job->io->flush(job->io), "flushing the disk");
    job->batch_count = 0;
    return code;
}

/* Step 3. */
static vhd_op_code move_blocks(compact_job *job)
{
    uint64_t packed_end = job->slot_start + (uint64_t)job->live * job->slot_stride;
    vhd_op_code code = VHD_OP_OK;
    for (uint32_t block = 0; block < job->geometry.blocks && code == VHD_OP_OK; block++) {
        uint64_t offset;
        uint32_t slot;
        bool used;
        code = entry_at(job, block, &offset, &used);
        if (code != VHD_OP_OK || !used || offset + job->block_span <= packed_end)
            continue;
        if (!free_slot(job, offset, &slot))
            continue;
        if ((code = check_cancel(job)) != VHD_OP_OK)
            break;
        uint64_t to = job->slot_start + (uint64_t)slot * job->slot_stride;
        code = copy_block(job, offset, to);
        if (code != VHD_OP_OK)
            break;
        job->occupied[slot / 8] |= (uint8_t)(1u << (slot % 8));
        job->batch_block[job->batch_count] = block;
        job->batch_offset[job->batch_count] = to;
        if (++job->batch_count == MOVE_BATCH)
            code = commit_batch(job);
        vhd_progress_advance(&job->progress, job->geometry.block_size);
    }
    /* A cancel still commits the copies already made (nothing depends on it either way). */
    vhd_op_code committed = commit_batch(job);
    return code != VHD_OP_OK ? code : committed;
}

/* Step 2 and 3 when the live blocks fit in memory (at most SORTED_MAX): sorted by address,
 * each block from the top moves into the lowest gap between live blocks that holds it, as long
 * as the gap is below it. Exact whatever the stride the file's writer used. */
typedef struct live_block {
    uint32_t sector;
    uint32_t block;
} live_block;

static int by_sector(const void *a, const void *b)
{
    const live_block *x = a, *y = b;
    return x->sector < y->sector ? -1 : x->sector > y->sector;
}

static vhd_op_code pack_sorted(compact_job *job)
{
    size_t bytes = (size_t)job->live * sizeof(live_block) + 1;
    live_block *blocks = job->options->allocate ? job->options->allocate(bytes) : malloc(bytes);
    uint32_t n = 0;
    vhd_op_code code = VHD_OP_OK;
    if (blocks == NULL)
        return vhd_op_fail(job->result, VHD_OP_NO_MEMORY, "out of memory");
    for (uint32_t block = 0; block < job->geometry.blocks && code == VHD_OP_OK; block++) {
        uint64_t offset;
        bool used;
        code = entry_at(job, block, &offset, &used);
        if (code == VHD_OP_OK && used && n < job->live)
            blocks[n++] = (live_block){ (uint32_t)(offset / VHD_SECTOR_SIZE), block };
    }
    if (code == VHD_OP_OK)
        qsort(blocks, n, sizeof *blocks, by_sector);
    for (uint32_t i = 1; i < n && code == VHD_OP_OK; i++) {
        if ((uint64_t)blocks[i - 1].sector * VHD_SECTOR_SIZE + job->block_span
            > (uint64_t)blocks[i].sector * VHD_SECTOR_SIZE)
            code = vhd_op_fail(job->result, VHD_OP_INVALID_DISK,
                               "blocks %u and %u overlap in the file", blocks[i - 1].block,
                               blocks[i].block);
    }
    /* hole: where free space starts (the end of the metadata, of a live block or of a block
     * moved in); a block goes there with its data 4 KiB-aligned if that fits before the
     * next live block, else right at the start of the gap. */
    uint64_t hole = job->geometry.metadata_end;
    uint32_t i = 0, j = n;
    while (code == VHD_OP_OK && i < j) {
        uint64_t low = (uint64_t)blocks[i].sector * VHD_SECTOR_SIZE;
        uint64_t place = vhd_next_block_bitmap(&job->geometry, hole);
        if (place + job->block_span > low)
            place = hole;
        if (place + job->block_span > low) {
            /* Block i is in the way: the next gap starts after it. */
            if (low + job->block_span > hole)
                hole = low + job->block_span;
            i++;
            continue;
        }
        uint64_t high = (uint64_t)blocks[j - 1].sector * VHD_SECTOR_SIZE;
        if (high <= place)
            break;
        if ((code = check_cancel(job)) != VHD_OP_OK)
            break;
        code = copy_block(job, high, place);
        if (code != VHD_OP_OK)
            break;
        job->batch_block[job->batch_count] = blocks[j - 1].block;
        job->batch_offset[job->batch_count] = place;
        if (++job->batch_count == MOVE_BATCH)
            code = commit_batch(job);
        vhd_progress_advance(&job->progress, job->geometry.block_size);
        hole = place + job->block_span;
        j--;
    }
    vhd_op_code committed = commit_batch(job);
    if (job->options->release)
        job->options->release(blocks);
    else
        free(blocks);
    return code != VHD_OP_OK ? code : committed;
}

/* Step 4. */
static vhd_op_code shrink(compact_job *job)
{
    uint64_t end = job->geometry.metadata_end;
    vhd_op_code code = VHD_OP_OK;
    for (uint32_t block = 0; block < job->geometry.blocks && code == VHD_OP_OK; block++) {
        uint64_t offset;
        bool used;
        code = entry_at(job, block, &offset, &used);
        if (code == VHD_OP_OK && used && offset + job->block_span > end)
            end = offset + job->block_span;
    }
    if (code != VHD_OP_OK)
        return code;
    uint64_t new_footer = vhd_next_block_bitmap(&job->geometry, end);
    if (new_footer >= job->footer_offset || job->io->set_size == NULL)
        return VHD_OP_OK;
    code = disk_call(job, job->io->write_at(job->io, new_footer, job->footer, VHD_FOOTER_SIZE),
                     "writing the footer");
    if (code == VHD_OP_OK)
        code = disk_call(job, job->io->flush(job->io), "flushing the disk");
    if (code == VHD_OP_OK)
        code = disk_call(job, job->io->set_size(job->io, new_footer + VHD_FOOTER_SIZE),
                         "shortening the file");
    if (code == VHD_OP_OK)
        code = disk_call(job, job->io->flush(job->io), "flushing the disk");
    if (code == VHD_OP_OK)
        job->footer_offset = new_footer;
    return code;
}

static vhd_op_code open_disk(compact_job *job)
{
    vhd_reader_error error;
    vhd_image *image;
    vhd_reader_options reader_options = { job->options->allocate, job->options->release };
    vhd_op_code code = VHD_OP_OK;

    if (vhd_image_open(&image, job->io, &reader_options, &error) != VHD_READER_OK)
        return vhd_op_result_from_reader(job->result, "disk", &error);
    const vhd_image_info *info = vhd_image_get_info(image);
    if (info->footer.disk_type != VHD_DISK_TYPE_DYNAMIC) {
        code = vhd_op_fail(job->result, VHD_OP_WRONG_TYPE,
                           "only a dynamic disk can be compacted; this one is %s",
                           info->footer.disk_type == VHD_DISK_TYPE_FIXED
                               ? "a fixed-size disk" : "a differencing disk");
    } else if (info->footer_from_copy) {
        code = vhd_op_fail(job->result, VHD_OP_UNSUPPORTED,
                           "the footer at the end of the file is damaged (only the copy at "
                           "offset 0 is valid); the disk is not changed");
    } else {
        vhd_block_geometry_from_info(info, &job->geometry);
        job->block_span = (uint64_t)job->geometry.bitmap_size + job->geometry.block_size;
        job->footer_offset = info->file_size - VHD_FOOTER_SIZE;
        vhd_footer_encode(&info->footer, job->footer);
        vhd_bat_init(&job->bat, job->io, job->geometry.table_offset, job->geometry.blocks);
        vhd_progress_init(&job->progress, job->options,
                          2 * (uint64_t)info->allocated_blocks * job->geometry.block_size);
    }
    vhd_image_close(image);
    return code;
}

vhd_op_code vhd_compact(vhd_io *disk, const vhd_create_options *options, vhd_op_result *result)
{
    compact_job job = { .io = disk, .options = options, .result = result };
    vhd_op_code code;

    vhd_op_succeed(result);
    code = open_disk(&job);
    if (code != VHD_OP_OK)
        return code;
    job.buffer = vhd_buffer_acquire(options, job.block_span, VHD_SECTOR_SIZE, &job.buffer_size);
    if (job.buffer == NULL)
        return vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    code = drop_zero_blocks(&job);
    if (code == VHD_OP_OK && job.live <= SORTED_MAX) {
        code = pack_sorted(&job);
    } else {
        if (code == VHD_OP_OK)
            code = plan(&job);
        if (code == VHD_OP_OK)
            code = move_blocks(&job);
    }
    if (code == VHD_OP_OK)
        code = shrink(&job);
    vhd_buffer_release(options, job.buffer);
    if (job.occupied != NULL) {
        if (options->release)
            options->release(job.occupied);
        else
            free(job.occupied);
    }
    if (code != VHD_OP_OK)
        return code;
    vhd_progress_complete(&job.progress);
    return vhd_op_succeed(result);
}
