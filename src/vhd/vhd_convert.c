/* Convert: a new fixed or dynamic disk with the content of a chain (MergeTo uses the same
 * engine on a differencing disk's chain).
 *
 * Why no data can be lost: the source is opened for reading only (and, natively, with the
 * "no other writer" lock) and is never written; the only file written is the new one, which
 * is not the user's data until the job has finished with it. Write order of the new file:
 *
 *   fixed:    create (under a temporary name when the back end stages it)
 *             reserve the data area step by step (io->allocate; zeros written where the file
 *             system cannot reserve) and write, in guest order, every chunk that is not zero
 *             flush
 *             footer at the end of the data area        <- commit: from here it is a disk
 *             flush, close, publish (give it its name: never replacing anything there)
 *   dynamic:  create
 *             footer copy at 0, zeros where the header goes, zero padding
 *             in guest order: each block that holds a non-zero byte is appended (its non-zero
 *             chunks, then its bitmap); the table is written one 4 KiB window at a time once
 *             its blocks are decided
 *             footer after the last block
 *             flush
 *             dynamic header (its "cxsparse" cookie)      <- commit
 *             flush, close, publish
 *
 * Until the commit no reader accepts the file (a fixed disk has no footer, a dynamic one no
 * header cookie); before the publish it is not at its final path. A crash anywhere leaves the
 * source as it was and, at most, an unfinished file under the temporary name; running the job
 * again writes a new one. On failure or cancel the new file is removed.
 *
 * Chunks of the guest's disk that no image of the chain allocates are known to be zero
 * without reading them; every other chunk is read and tested for zeros. */
#include "vhd_ops.h"

#include <stdlib.h>
#include <string.h>
#include "disk_chain.h"
#include "vhd_create_fixed.h"
#include "vhd_disk.h"
#include "vhd_layout.h"
#include "vhd_op_common.h"
#include "vhd_write_common.h"

typedef struct flatten {
    disk_chain *chain;
    unsigned depth;
    uint64_t size;               /* guest bytes */
    vhd_io *target;
    const vhd_create_options *options;
    vhd_op_result *result;
    vhd_progress progress;
    uint8_t *buffer;
    size_t buffer_size;          /* a multiple of 512 */
} flatten;

/* True if no image of the chain holds data for any sector of [lba, lba + count): they read
 * as zeros. (A sector an image says is zero while a parent holds data reads as "maybe not
 * zero": it is then read and tested, which is only slower.) */
static vhd_op_code range_unallocated(flatten *job, uint64_t lba, uint32_t count, bool *zero)
{
    *zero = false;
    for (unsigned level = 0; level < job->depth; level++) {
        disk_image *image = disk_chain_image(job->chain, level);
        for (uint64_t at = lba, end = lba + count; at < end; ) {
            disk_extent extent;
            vhd_reader_error error;
            if (disk_image_map(image, at, (uint32_t)(end - at), &extent, &error) != VHD_READER_OK)
                return vhd_op_result_from_reader(job->result, "reading the source", &error);
            if (extent.state == DISK_EXTENT_DATA)
                return VHD_OP_OK;
            at += extent.sectors;
        }
    }
    *zero = true;
    return VHD_OP_OK;
}

static vhd_op_code read_source(flatten *job, uint64_t lba, uint32_t count)
{
    vhd_reader_error error;
    if (disk_chain_read_sectors(job->chain, lba, count, job->buffer, &error) != VHD_READER_OK)
        return vhd_op_result_from_reader(job->result, "reading the source", &error);
    return VHD_OP_OK;
}

/* Reads a chunk into the buffer unless it is known or found to be zero. */
static vhd_op_code read_chunk(flatten *job, uint64_t lba, uint32_t count, bool *zero)
{
    vhd_op_code code = range_unallocated(job, lba, count, zero);
    if (code != VHD_OP_OK || *zero)
        return code;
    code = read_source(job, lba, count);
    if (code == VHD_OP_OK)
        *zero = vhd_is_zero(job->buffer, (size_t)count * VHD_SECTOR_SIZE);
    return code;
}

static vhd_op_code write_target(flatten *job, uint64_t offset, const void *buf, size_t len,
                                const char *doing)
{
    vhd_status status = job->target->write_at(job->target, offset, buf, len);
    if (status != VHD_OK)
        return vhd_op_fail_io(job->result, job->target, status, doing);
    return VHD_OP_OK;
}

static vhd_op_code target_call(flatten *job, vhd_status status, const char *doing)
{
    if (status != VHD_OK)
        return vhd_op_fail_io(job->result, job->target, status, doing);
    return VHD_OP_OK;
}

static vhd_op_code check_cancel(flatten *job)
{
    if (vhd_cancel_requested(job->options))
        return vhd_op_fail(job->result, VHD_OP_CANCELLED, "the conversion was cancelled");
    return VHD_OP_OK;
}

/* The footer of the new disk: the source's size (and a VHD source's geometry), our creator,
 * the caller's unique id and time stamp. */
static void make_footer(flatten *job, uint32_t disk_type, uint64_t data_offset,
                        uint8_t out[VHD_FOOTER_SIZE])
{
    vhd_footer footer;
    const vhd_image *source = vhd_disk_image(disk_chain_image(job->chain, 0));
    vhd_footer_prepare(&footer, job->options, job->size, disk_type, data_offset);
    if (source != NULL)
        footer.disk_geometry = vhd_image_get_info(source)->footer.disk_geometry;
    vhd_footer_encode(&footer, out);
}

static vhd_op_code finish(flatten *job)
{
    vhd_op_code code = target_call(job, job->target->flush(job->target), "flushing the new disk");
    if (code == VHD_OP_OK)
        code = target_call(job, job->target->close(job->target), "closing the new disk");
    if (code == VHD_OP_OK && job->target->publish != NULL) {
        vhd_status status = job->target->publish(job->target);
        if (status == VHD_E_EXISTS)
            return vhd_op_fail(job->result, VHD_OP_TARGET_EXISTS,
                               "a file appeared at the new disk's path during the conversion");
        code = target_call(job, status, "giving the new disk its name");
    }
    return code;
}

static vhd_op_code write_fixed(flatten *job)
{
    vhd_op_code code;
    uint8_t footer[VHD_FOOTER_SIZE];
    bool reserve = job->target->allocate != NULL;
    uint64_t reserved_end = 0, step = vhd_fixed_allocation_step(job->target, job->size);

    for (uint64_t offset = 0; offset < job->size; ) {
        size_t len = job->size - offset < job->buffer_size ? (size_t)(job->size - offset)
                                                           : job->buffer_size;
        bool zero;
        if ((code = check_cancel(job)) != VHD_OP_OK)
            return code;
        while (reserve && reserved_end < offset + len) {
            uint64_t n = job->size - reserved_end < step ? job->size - reserved_end : step;
            vhd_status status = job->target->allocate(job->target, reserved_end, n);
            if (status == VHD_E_NOT_SUPPORTED)
                reserve = false;   /* from here on zeros are written */
            else if (status != VHD_OK)
                return target_call(job, status, "reserving the new disk's space");
            else
                reserved_end += n;
        }
        code = read_chunk(job, offset / VHD_SECTOR_SIZE, (uint32_t)(len / VHD_SECTOR_SIZE), &zero);
        if (code != VHD_OP_OK)
            return code;
        /* A reserved range already reads as zeros; elsewhere the zeros are written. */
        if (!zero || offset + len > reserved_end) {
            if (zero)
                memset(job->buffer, 0, len);
            code = write_target(job, offset, job->buffer, len, "writing the new disk");
            if (code != VHD_OP_OK)
                return code;
        }
        offset += len;
        vhd_progress_advance(&job->progress, len);
    }
    code = target_call(job, job->target->flush(job->target), "flushing the new disk");
    if (code == VHD_OP_OK)
        code = check_cancel(job);   /* last chance: the footer completes the disk */
    if (code != VHD_OP_OK)
        return code;
    make_footer(job, VHD_DISK_TYPE_FIXED, VHD_OFFSET_UNUSED, footer);
    code = write_target(job, job->size, footer, VHD_FOOTER_SIZE, "writing the new disk's footer");
    if (code != VHD_OP_OK)
        return code;
    return finish(job);
}

/* The table of the new dynamic disk, written a 4 KiB window at a time in order. */
typedef struct table_writer {
    const vhd_layout *layout;
    uint32_t window;             /* index of the window being filled */
    uint8_t bytes[VHD_BAT_WINDOW_ENTRIES * 4];
} table_writer;

static vhd_op_code write_window(flatten *job, table_writer *table)
{
    uint64_t offset = table->layout->table_offset + (uint64_t)table->window * sizeof table->bytes;
    uint64_t end = table->layout->table_padding_end;
    size_t len = end - offset < sizeof table->bytes ? (size_t)(end - offset) : sizeof table->bytes;
    vhd_op_code code = write_target(job, offset, table->bytes, len,
                                    "writing the new disk's block table");
    memset(table->bytes, 0xFF, sizeof table->bytes);
    table->window++;
    return code;
}

static vhd_op_code set_entry(flatten *job, table_writer *table, uint32_t block, uint32_t entry)
{
    vhd_op_code code = VHD_OP_OK;
    while (block / VHD_BAT_WINDOW_ENTRIES > table->window && code == VHD_OP_OK)
        code = write_window(job, table);
    uint8_t *p = table->bytes + (size_t)(block % VHD_BAT_WINDOW_ENTRIES) * 4;
    p[0] = (uint8_t)(entry >> 24);
    p[1] = (uint8_t)(entry >> 16);
    p[2] = (uint8_t)(entry >> 8);
    p[3] = (uint8_t)entry;
    return code;
}

static vhd_op_code write_dynamic(flatten *job)
{
    vhd_op_code code;
    vhd_layout layout;
    uint8_t footer[VHD_FOOTER_SIZE], header[VHD_DYNAMIC_HEADER_SIZE], bitmap[VHD_SECTOR_SIZE];
    table_writer *table;
    vhd_dynamic_header fields;

    if (vhd_layout_compute(job->size, &layout) != VHD_OK)
        return vhd_op_fail(job->result, VHD_OP_UNSUPPORTED,
                           "a dynamic disk cannot have the source's size (%llu bytes): it must "
                           "be a multiple of 512 from 3 MiB to 2040 GiB",
                           (unsigned long long)job->size);
    table = job->options->allocate ? job->options->allocate(sizeof *table) : malloc(sizeof *table);
    if (table == NULL)
        return vhd_op_fail(job->result, VHD_OP_NO_MEMORY, "out of memory");
    table->layout = &layout;
    table->window = 0;
    memset(table->bytes, 0xFF, sizeof table->bytes);
    memset(bitmap, 0xFF, sizeof bitmap);
    make_footer(job, VHD_DISK_TYPE_DYNAMIC, VHD_HEADER_OFFSET, footer);

    /* Footer copy, zeros for the header, and the padding after the table. */
    const uint64_t regions[2][2] = { { 0, layout.table_offset },
                                     { layout.table_padding_end, layout.footer_offset } };
    code = VHD_OP_OK;
    for (unsigned r = 0; r < 2 && code == VHD_OP_OK; r++) {
        for (uint64_t offset = regions[r][0]; offset < regions[r][1] && code == VHD_OP_OK; ) {
            uint64_t left = regions[r][1] - offset;
            size_t len = left < job->buffer_size ? (size_t)left : job->buffer_size;
            vhd_layout_fill(&layout, footer, offset, job->buffer, len);
            code = write_target(job, offset, job->buffer, len, "writing the new disk's metadata");
            offset += len;
        }
    }

    /* The blocks, in guest order, each at the next 4 KiB-aligned data area. */
    const uint32_t block_sectors = VHD_BLOCK_SIZE / VHD_SECTOR_SIZE;
    const uint64_t sectors = job->size / VHD_SECTOR_SIZE;
    const uint32_t chunk_sectors = (uint32_t)(job->buffer_size / VHD_SECTOR_SIZE);
    vhd_block_geometry geometry = { .bitmap_size = VHD_SECTOR_SIZE };
    uint64_t next_bitmap = layout.footer_offset;
    for (uint32_t block = 0; block < layout.max_table_entries && code == VHD_OP_OK; block++) {
        uint64_t first = (uint64_t)block * block_sectors;
        uint32_t count = sectors - first < block_sectors ? (uint32_t)(sectors - first)
                                                         : block_sectors;
        bool allocated = false;
        for (uint32_t done = 0; done < count && code == VHD_OP_OK; ) {
            uint32_t n = count - done < chunk_sectors ? count - done : chunk_sectors;
            bool zero;
            if ((code = check_cancel(job)) != VHD_OP_OK)
                break;
            code = read_chunk(job, first + done, n, &zero);
            if (code == VHD_OP_OK && !zero) {
                code = write_target(job, next_bitmap + VHD_SECTOR_SIZE + (uint64_t)done * 512,
                                    job->buffer, (size_t)n * VHD_SECTOR_SIZE,
                                    "writing the new disk");
                allocated = true;
            }
            done += n;
            vhd_progress_advance(&job->progress, (uint64_t)n * VHD_SECTOR_SIZE);
        }
        if (code == VHD_OP_OK && allocated) {
            code = write_target(job, next_bitmap, bitmap, sizeof bitmap, "writing the new disk");
            if (code == VHD_OP_OK)
                code = set_entry(job, table, block, (uint32_t)(next_bitmap / VHD_SECTOR_SIZE));
            next_bitmap = vhd_next_block_bitmap(&geometry,
                                                next_bitmap + VHD_SECTOR_SIZE + VHD_BLOCK_SIZE);
        }
    }
    /* The remaining windows, through the last one. */
    while (code == VHD_OP_OK
           && layout.table_offset + (uint64_t)table->window * sizeof table->bytes
                  < layout.table_padding_end)
        code = write_window(job, table);
    if (job->options->release)
        job->options->release(table);
    else
        free(table);
    if (code != VHD_OP_OK)
        return code;
    /* 32-bit sector numbers: every block must start below 2 TiB (it always does for a disk
     * of at most 2040 GiB, whose metadata and bitmaps add under 8 GiB). */
    code = write_target(job, next_bitmap, footer, VHD_FOOTER_SIZE, "writing the new disk's footer");
    if (code == VHD_OP_OK)
        code = target_call(job, job->target->flush(job->target), "flushing the new disk");
    if (code == VHD_OP_OK)
        code = check_cancel(job);   /* last chance: the header completes the disk */
    if (code != VHD_OP_OK)
        return code;
    memset(&fields, 0, sizeof fields);
    memcpy(fields.cookie, VHD_DYNAMIC_HEADER_COOKIE, sizeof fields.cookie);
    fields.data_offset = VHD_OFFSET_UNUSED;
    fields.table_offset = layout.table_offset;
    fields.header_version = VHD_HEADER_VERSION;
    fields.max_table_entries = layout.max_table_entries;
    fields.block_size = VHD_BLOCK_SIZE;
    vhd_dynamic_header_encode(&fields, header);
    code = write_target(job, VHD_HEADER_OFFSET, header, sizeof header,
                        "writing the new disk's header");
    if (code != VHD_OP_OK)
        return code;
    return finish(job);
}

vhd_op_code vhd_flatten_chain(disk_chain *source, vhd_io *target, vhd_target_type type,
                              const vhd_create_options *options, vhd_op_result *result)
{
    vhd_op_code code;
    vhd_status status;
    flatten job = {
        .chain = source,
        .depth = disk_chain_depth(source),
        .target = target,
        .options = options,
        .result = result,
        .size = disk_image_info(disk_chain_image(source, 0))->size,
    };

    vhd_op_succeed(result);
    if (type != VHD_TARGET_DYNAMIC && type != VHD_TARGET_FIXED)
        return vhd_op_fail(result, VHD_OP_WRONG_TYPE,
                           "a disk can be converted only to a dynamic or a fixed-size disk");
    if (vhd_validate_size(job.size) != VHD_OK)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "the source's size (%llu bytes) is not one a new disk can have: a "
                           "multiple of 512 from 3 MiB to 2040 GiB",
                           (unsigned long long)job.size);
    status = target->create(target);
    if (status == VHD_E_EXISTS)
        return vhd_op_fail(result, VHD_OP_TARGET_EXISTS,
                           "something is already at the new disk's path; it is never replaced");
    if (status != VHD_OK) {
        vhd_op_fail_io(result, target, status, "creating the new disk");
        if (result->code == VHD_OP_IO)
            result->code = VHD_OP_TARGET_PATH;
        return result->code;
    }
    vhd_progress_init(&job.progress, options, job.size);
    code = VHD_OP_OK;
    job.buffer = vhd_buffer_acquire(options, job.size, VHD_SECTOR_SIZE, &job.buffer_size);
    job.buffer_size -= job.buffer_size % VHD_SECTOR_SIZE;
    if (job.buffer == NULL)
        code = vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    if (code == VHD_OP_OK)
        code = type == VHD_TARGET_FIXED ? write_fixed(&job) : write_dynamic(&job);
    if (job.buffer != NULL)
        vhd_buffer_release(options, job.buffer);
    if (code != VHD_OP_OK) {
        target->remove(target);
        return code;
    }
    vhd_progress_complete(&job.progress);
    return vhd_op_succeed(result);
}

vhd_op_code vhd_convert(disk_chain *source, vhd_io *target, vhd_target_type type,
                        const vhd_create_options *options, vhd_op_result *result)
{
    return vhd_flatten_chain(source, target, type, options, result);
}
