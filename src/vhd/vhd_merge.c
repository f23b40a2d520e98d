/* Merge: every sector a differencing disk (the child) holds is written into its parent.
 *
 * Why no data can be lost: the child is never written, so the chain child -> parent -> ...
 * reads the same at every instant (a sector the child holds is read from the child, whatever
 * the parent holds there; the job writes into the parent only sectors the child holds). The
 * parent stays a valid disk at every instant, and each of its sectors reads either as before
 * or as the child's sector (never anything else), in this order, parent block by parent block:
 *
 *   fixed parent:     the child's sectors written in place; one flush at the end.
 *   block allocated in a dynamic or differencing parent:
 *                     the child's sectors written into the block's data area
 *                     if that sets new bits in the block's sector bitmap: flush, then the
 *                     bitmap (only now do those sectors count for the parent's other readers)
 *   a run of blocks not allocated (table entries unused; at most MERGE_GROUP_BLOCKS, in
 *   one window of the table):
 *                     a copy of the footer written past the new blocks (F' below), flush:
 *                     the file now ends with a valid footer; the old one at F and the
 *                     new blocks' area are unreferenced bytes before it
 *                     each block's data (the child's sectors; the rest is never-written,
 *                     zero) and its bitmap (all set for a dynamic parent, the child's
 *                     sectors for a differencing one), the first over the old footer, flush
 *                     the table entries, flush              <- the blocks exist from here
 *
 *       before:  ... | last block | footer@F |
 *       step 1:  ... | last block | old footer@F | (zeros)                     | footer@F' |
 *       step 2:  ... | last block | bitmap | data | bitmap | data | ...       | footer@F' |
 *       step 3:  the table entries point at the bitmaps.
 *
 * Writing a run of new blocks with three flushes, not three per block, is what makes Merge
 * as fast as copying the child's data (bench: merge against its floor).
 *
 * A crash leaves the child as it was and the parent a valid disk holding, per sector, the old
 * or the merged data; running Merge again writes every sector of the child again and
 * completes it (blocks whose table entries were not yet written are allocated anew past the
 * footer, so an interruption can leave up to one run's worth of unreferenced bytes in the
 * parent).
 * Cancel stops between blocks. Once Merge has succeeded the child is still a valid child with
 * the same content (its sectors are now in the parent too); the caller may delete it. Other
 * children of the parent see the parent's new content: Virtual Server's documentation says
 * they become invalid when the parent changes. */
#include "vhd_ops.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_op_common.h"
#include "vhd_write_common.h"
#include "disk_chain.h"
#include "vhd_disk.h"

/* New blocks written between two flushes (64 MiB of 2 MiB blocks). */
#define MERGE_GROUP_BLOCKS 32u

typedef struct merge_job {
    vhd_image *child;
    const vhd_image_info *child_info;
    vhd_io *parent;
    uint32_t parent_type;
    vhd_block_geometry geometry;         /* the parent's (dynamic and differencing) */
    vhd_bat parent_bat;
    uint64_t footer_offset;              /* of the parent, where its end footer is now */
    uint8_t footer[VHD_FOOTER_SIZE];
    uint64_t sectors;
    const vhd_create_options *options;
    vhd_op_result *result;
    vhd_progress progress;
    uint8_t *buffer, *bitmap, *old_bitmap;
    size_t buffer_size;
} merge_job;

static vhd_op_code parent_call(merge_job *job, vhd_status status, const char *doing)
{
    if (status != VHD_OK)
        return vhd_op_fail_io(job->result, job->parent, status, doing);
    return VHD_OP_OK;
}

static vhd_op_code map_child(merge_job *job, uint64_t lba, uint32_t max, vhd_extent *extent)
{
    vhd_reader_error error;
    if (vhd_image_map(job->child, lba, max, extent, &error) != VHD_READER_OK)
        return vhd_op_result_from_reader(job->result, "reading the differencing disk", &error);
    return VHD_OP_OK;
}

/* Whether the child holds any sector of [lba, lba + count). */
static vhd_op_code child_holds_any(merge_job *job, uint64_t lba, uint32_t count, bool *any)
{
    vhd_op_code code = VHD_OP_OK;
    *any = false;
    for (uint64_t end = lba + count; lba < end && !*any && code == VHD_OP_OK; ) {
        vhd_extent extent;
        code = map_child(job, lba, (uint32_t)(end - lba), &extent);
        *any = extent.present;
        lba += extent.sectors;
    }
    return code;
}

/* Copies the sectors the child holds in [first, first + count) to base + their offset from
 * first in the parent file, setting their bits (relative to first) in job->bitmap. */
static vhd_op_code copy_range(merge_job *job, uint64_t base, uint64_t first, uint32_t count,
                              bool *wrote)
{
    const uint32_t chunk = (uint32_t)(job->buffer_size / VHD_SECTOR_SIZE);
    vhd_io *child_io = vhd_image_io(job->child);
    vhd_op_code code = VHD_OP_OK;
    *wrote = false;
    for (uint64_t lba = first, end = first + count; lba < end && code == VHD_OP_OK; ) {
        vhd_extent extent;
        uint32_t max = end - lba < chunk ? (uint32_t)(end - lba) : chunk;
        code = map_child(job, lba, max, &extent);
        if (code != VHD_OP_OK)
            break;
        if (extent.present) {
            size_t len = (size_t)extent.sectors * VHD_SECTOR_SIZE;
            vhd_status status = child_io->read_at(child_io, extent.file_offset, job->buffer, len);
            if (status != VHD_OK)
                return vhd_op_fail_io(job->result, child_io, status,
                                      "reading the differencing disk");
            status = job->parent->write_at(job->parent, base + (lba - first) * VHD_SECTOR_SIZE,
                                           job->buffer, len);
            if (status != VHD_OK)
                return parent_call(job, status, "writing into the parent");
            if (job->bitmap != NULL)
                vhd_bitmap_set(job->bitmap, (uint32_t)(lba - first), extent.sectors);
            *wrote = true;
        }
        lba += extent.sectors;
    }
    return code;
}

static vhd_op_code check_cancel(merge_job *job)
{
    if (vhd_cancel_requested(job->options))
        return vhd_op_fail(job->result, VHD_OP_CANCELLED,
                           "the merge was cancelled; the disks are consistent and running it "
                           "again completes it");
    return VHD_OP_OK;
}

static vhd_op_code merge_into_fixed(merge_job *job)
{
    const uint32_t range = VHD_BLOCK_SIZE / VHD_SECTOR_SIZE;
    vhd_op_code code = VHD_OP_OK;
    for (uint64_t lba = 0; lba < job->sectors && code == VHD_OP_OK; lba += range) {
        uint32_t count = job->sectors - lba < range ? (uint32_t)(job->sectors - lba) : range;
        bool wrote;
        if ((code = check_cancel(job)) == VHD_OP_OK)
            code = copy_range(job, lba * VHD_SECTOR_SIZE, lba, count, &wrote);
        vhd_progress_advance(&job->progress, (uint64_t)count * VHD_SECTOR_SIZE);
    }
    return code;
}

static vhd_op_code merge_into_allocated(merge_job *job, uint64_t bitmap_offset, uint64_t first,
                                        uint32_t count)
{
    bool wrote;
    vhd_status status = job->parent->read_at(job->parent, bitmap_offset, job->bitmap,
                                             job->geometry.bitmap_size);
    if (status != VHD_OK)
        return parent_call(job, status, "reading a block bitmap of the parent");
    memcpy(job->old_bitmap, job->bitmap, job->geometry.bitmap_size);
    vhd_op_code code = copy_range(job, bitmap_offset + job->geometry.bitmap_size, first, count,
                                  &wrote);
    if (code != VHD_OP_OK || !wrote
        || memcmp(job->old_bitmap, job->bitmap, job->geometry.bitmap_size) == 0)
        return code;
    code = parent_call(job, job->parent->flush(job->parent), "flushing the parent");
    if (code == VHD_OP_OK)
        code = parent_call(job, job->parent->write_at(job->parent, bitmap_offset, job->bitmap,
                                                      job->geometry.bitmap_size),
                           "writing a block bitmap of the parent");
    return code;
}

/* Where the bitmap of the block after the one whose bitmap is at bitmap_offset goes. */
static uint64_t block_after(const merge_job *job, uint64_t bitmap_offset)
{
    return vhd_next_block_bitmap(&job->geometry, bitmap_offset + job->geometry.bitmap_size
                                                     + job->geometry.block_size);
}

/* The child's sectors of blocks [block, block + n), none allocated in the parent, as new
 * blocks appended to the parent (the three steps at the top of this file). */
static vhd_op_code merge_into_new_blocks(merge_job *job, uint32_t block, uint32_t n)
{
    const uint32_t spb = job->geometry.sectors_per_block;
    uint64_t first_bitmap = vhd_next_block_bitmap(&job->geometry, job->footer_offset);
    uint64_t last_bitmap = first_bitmap, new_footer;
    vhd_op_code code;

    for (uint32_t i = 1; i < n; i++)
        last_bitmap = block_after(job, last_bitmap);
    new_footer = block_after(job, last_bitmap);
    if (last_bitmap / VHD_SECTOR_SIZE >= VHD_BAT_ENTRY_UNUSED)
        return vhd_op_fail(job->result, VHD_OP_UNSUPPORTED,
                           "the parent cannot grow past 2 TiB (32-bit block table entries)");
    /* Step 1: a valid footer past the new blocks. */
    code = parent_call(job, job->parent->write_at(job->parent, new_footer, job->footer,
                                                  VHD_FOOTER_SIZE),
                       "moving the parent's footer");
    if (code == VHD_OP_OK)
        code = parent_call(job, job->parent->flush(job->parent), "flushing the parent");
    if (code != VHD_OP_OK)
        return code;
    job->footer_offset = new_footer;
    /* Step 2: data and bitmaps. */
    uint64_t bitmap_offset = first_bitmap;
    for (uint32_t i = 0; i < n && code == VHD_OP_OK; i++) {
        uint64_t first = (uint64_t)(block + i) * spb;
        uint32_t count = job->sectors - first < spb ? (uint32_t)(job->sectors - first) : spb;
        bool wrote;
        memset(job->bitmap, job->parent_type == VHD_DISK_TYPE_DYNAMIC ? 0xFF : 0x00,
               job->geometry.bitmap_size);
        code = copy_range(job, bitmap_offset + job->geometry.bitmap_size, first, count, &wrote);
        if (code == VHD_OP_OK)
            code = parent_call(job, job->parent->write_at(job->parent, bitmap_offset,
                                                          job->bitmap, job->geometry.bitmap_size),
                               "writing a block bitmap of the parent");
        bitmap_offset = block_after(job, bitmap_offset);
        vhd_progress_advance(&job->progress, (uint64_t)count * VHD_SECTOR_SIZE);
    }
    if (code == VHD_OP_OK)
        code = parent_call(job, job->parent->flush(job->parent), "flushing the parent");
    /* Step 3: the table entries. */
    bitmap_offset = first_bitmap;
    for (uint32_t i = 0; i < n && code == VHD_OP_OK; i++) {
        code = parent_call(job, vhd_bat_set(&job->parent_bat, block + i,
                                            (uint32_t)(bitmap_offset / VHD_SECTOR_SIZE)),
                           "reading the parent's block table");
        bitmap_offset = block_after(job, bitmap_offset);
    }
    if (code == VHD_OP_OK)
        code = parent_call(job, vhd_bat_write_back(&job->parent_bat),
                           "writing the parent's block table");
    if (code == VHD_OP_OK)
        code = parent_call(job, job->parent->flush(job->parent), "flushing the parent");
    return code;
}

/* Whether the child holds a sector of the block and the parent has no block there. */
static vhd_op_code needs_new_block(merge_job *job, uint32_t block, bool *any, uint32_t *entry)
{
    const uint32_t spb = job->geometry.sectors_per_block;
    uint64_t first = (uint64_t)block * spb;
    uint32_t count = job->sectors - first < spb ? (uint32_t)(job->sectors - first) : spb;
    vhd_op_code code = child_holds_any(job, first, count, any);
    *entry = VHD_BAT_ENTRY_UNUSED;
    if (code == VHD_OP_OK && *any)
        code = parent_call(job, vhd_bat_get(&job->parent_bat, block, entry),
                           "reading the parent's block table");
    return code;
}

static vhd_op_code merge_into_blocks(merge_job *job)
{
    const uint32_t spb = job->geometry.sectors_per_block;
    vhd_op_code code = VHD_OP_OK;
    for (uint32_t block = 0; block < job->geometry.blocks && code == VHD_OP_OK; ) {
        uint64_t first = (uint64_t)block * spb;
        uint32_t count = job->sectors - first < spb ? (uint32_t)(job->sectors - first) : spb;
        uint32_t entry;
        bool any;
        if ((code = check_cancel(job)) != VHD_OP_OK)
            break;
        code = needs_new_block(job, block, &any, &entry);
        if (code != VHD_OP_OK)
            break;
        if (any && entry == VHD_BAT_ENTRY_UNUSED) {
            /* The run of blocks that need a new one, within this window of the table. */
            uint32_t n = 1;
            while (code == VHD_OP_OK && n < MERGE_GROUP_BLOCKS && block + n < job->geometry.blocks
                   && (block + n) % VHD_BAT_WINDOW_ENTRIES != 0) {
                bool next_any;
                uint32_t next_entry;
                code = needs_new_block(job, block + n, &next_any, &next_entry);
                if (!next_any || next_entry != VHD_BAT_ENTRY_UNUSED)
                    break;
                n++;
            }
            if (code == VHD_OP_OK)
                code = merge_into_new_blocks(job, block, n);
            block += n;
            continue;
        }
        if (any) {
            uint64_t offset = (uint64_t)entry * VHD_SECTOR_SIZE;
            if (offset < job->geometry.metadata_end
                || offset + job->geometry.bitmap_size + job->geometry.block_size
                       > job->footer_offset)
                code = vhd_op_fail(job->result, VHD_OP_INVALID_DISK,
                                   "parent: block %u at sector %u lies outside the data "
                                   "area of the file", block, entry);
            else
                code = merge_into_allocated(job, offset, first, count);
        }
        vhd_progress_advance(&job->progress, (uint64_t)count * VHD_SECTOR_SIZE);
        block++;
    }
    return code;
}

/* Opens the parent file through the reader: it must be the chain's parent. */
static vhd_op_code check_parent(merge_job *job, disk_chain *chain)
{
    vhd_reader_error error;
    vhd_image *image;
    vhd_reader_options reader_options = { job->options->allocate, job->options->release };
    uint64_t file_size;
    vhd_op_code code = VHD_OP_OK;

    if (vhd_image_open(&image, job->parent, &reader_options, &error) != VHD_READER_OK)
        return vhd_op_result_from_reader(job->result, "parent", &error);
    const vhd_image_info *info = vhd_image_get_info(image);
    const vhd_image_info *chain_parent = vhd_image_get_info(vhd_disk_image(disk_chain_image(chain, 1)));
    if (memcmp(info->footer.unique_id, job->child_info->header.parent_unique_id, 16) != 0
        || memcmp(info->footer.unique_id, chain_parent->footer.unique_id, 16) != 0
        || info->footer.current_size != job->child_info->footer.current_size) {
        code = vhd_op_fail(job->result, VHD_OP_NOT_THE_PARENT,
                           "the file opened for writing is not the differencing disk's parent "
                           "(another unique id or size)");
    } else if (info->footer_from_copy) {
        code = vhd_op_fail(job->result, VHD_OP_UNSUPPORTED,
                           "the parent's footer at the end of the file is damaged (only the copy "
                           "at offset 0 is valid); it is not changed");
    } else {
        job->parent_type = info->footer.disk_type;
        file_size = info->file_size;
        job->footer_offset = file_size - VHD_FOOTER_SIZE;
        vhd_footer_encode(&info->footer, job->footer);
        if (job->parent_type != VHD_DISK_TYPE_FIXED) {
            vhd_block_geometry_from_info(info, &job->geometry);
            vhd_bat_init(&job->parent_bat, job->parent, job->geometry.table_offset,
                         job->geometry.blocks);
        }
    }
    vhd_image_close(image);
    return code;
}

static void *allocate(const vhd_create_options *options, size_t size)
{
    return options->allocate ? options->allocate(size) : malloc(size);
}

static void release(const vhd_create_options *options, void *block)
{
    if (block == NULL)
        return;
    if (options->release)
        options->release(block);
    else
        free(block);
}

vhd_op_code vhd_merge(disk_chain *chain, vhd_io *parent, const vhd_create_options *options,
                      vhd_op_result *result)
{
    vhd_op_code code;
    merge_job job = {
        .child = vhd_disk_image(disk_chain_image(chain, 0)),
        .parent = parent,
        .options = options,
        .result = result,
    };

    vhd_op_succeed(result);
    job.child_info = vhd_image_get_info(job.child);
    if (job.child_info->footer.disk_type != VHD_DISK_TYPE_DIFFERENCING || disk_chain_depth(chain) < 2)
        return vhd_op_fail(result, VHD_OP_WRONG_TYPE,
                           "Merge takes a differencing disk; this one is %s",
                           job.child_info->footer.disk_type == VHD_DISK_TYPE_FIXED
                               ? "a fixed-size disk" : "a dynamic disk");
    job.sectors = job.child_info->footer.current_size / VHD_SECTOR_SIZE;
    code = check_parent(&job, chain);
    if (code != VHD_OP_OK)
        return code;

    job.buffer = vhd_buffer_acquire(options, job.child_info->footer.current_size,
                                    VHD_SECTOR_SIZE, &job.buffer_size);
    job.buffer_size -= job.buffer_size % VHD_SECTOR_SIZE;
    if (job.parent_type != VHD_DISK_TYPE_FIXED) {
        job.bitmap = allocate(options, job.geometry.bitmap_size);
        job.old_bitmap = allocate(options, job.geometry.bitmap_size);
    }
    if (job.buffer == NULL
        || (job.parent_type != VHD_DISK_TYPE_FIXED
            && (job.bitmap == NULL || job.old_bitmap == NULL))) {
        code = vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    } else {
        vhd_progress_init(&job.progress, options, job.child_info->footer.current_size);
        code = job.parent_type == VHD_DISK_TYPE_FIXED ? merge_into_fixed(&job)
                                                       : merge_into_blocks(&job);
        if (code == VHD_OP_OK)
            code = parent_call(&job, parent->flush(parent), "flushing the parent");
    }
    if (job.buffer != NULL)
        vhd_buffer_release(options, job.buffer);
    release(options, job.bitmap);
    release(options, job.old_bitmap);
    if (code != VHD_OP_OK)
        return code;
    vhd_progress_complete(&job.progress);
    return vhd_op_succeed(result);
}
