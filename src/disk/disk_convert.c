/* Convert and MergeTo, written once for every source and target format (disk_convert.h):
 * checks, create, the target's begin, the guest's disk in order through the target's write,
 * its finish (the commit), close and publish; on failure or cancel the target's end and the
 * new file removed. */
#include "disk_convert.h"

#include <string.h>
#include "disk_target_writer.h"
#include "vhd_op_common.h"
#include "vhd_write_common.h"

typedef struct flatten {
    disk_chain *chain;
    unsigned depth;
    uint64_t source_size;        /* guest bytes of the source */
    uint64_t size;               /* guest bytes of the new disk (>= source_size) */
    const disk_target_writer *writer;
    void *state;
    vhd_io *target;
    const vhd_create_options *options;
    vhd_op_result *result;
    vhd_progress progress;
    uint8_t *buffer;
    size_t buffer_size;          /* a multiple of 512 */
} flatten;

const disk_target_writer *disk_target_writer_for(disk_format format)
{
    switch (format) {
    case DISK_FORMAT_VHD:  return &vhd_target_writer;
    case DISK_FORMAT_VHDX: return &vhdx_target_writer;
    case DISK_FORMAT_RAW:  return &raw_target_writer;
    }
    return NULL;
}

/* True if no image of the chain holds data for any sector of [lba, lba + count): they read
 * as zeros. (A sector an image says is zero while a parent holds data reads as "maybe not
 * zero": it is then read and tested, which is only slower.) */
static vhd_op_code range_unallocated(flatten *job, uint64_t lba, uint32_t count, bool *zero)
{
    *zero = false;
    for (unsigned level = 0; level < job->depth; level++) {
        disk_image *image = disk_chain_image(job->chain, level);
        /* A parent may end before its child (a grown VHDX child): nothing past its end. */
        uint64_t sectors = disk_image_info(image)->size / DISK_SECTOR_SIZE;
        uint64_t end = lba + count < sectors ? lba + count : sectors;
        for (uint64_t at = lba; at < end; ) {
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

/* Reads [offset, offset + len) of the guest's disk into the buffer unless it is known or
 * found to be zero; past the source's end it is zero. */
static vhd_op_code read_piece(flatten *job, uint64_t offset, size_t len, bool *zero)
{
    *zero = true;
    if (offset >= job->source_size)
        return VHD_OP_OK;
    size_t from_source = job->source_size - offset < len ? (size_t)(job->source_size - offset)
                                                         : len;
    uint64_t lba = offset / DISK_SECTOR_SIZE;
    uint32_t count = (uint32_t)(from_source / DISK_SECTOR_SIZE);
    vhd_op_code code = range_unallocated(job, lba, count, zero);
    if (code != VHD_OP_OK || *zero)
        return code;
    vhd_reader_error error;
    if (disk_chain_read_sectors(job->chain, lba, count, job->buffer, &error) != VHD_READER_OK)
        return vhd_op_result_from_reader(job->result, "reading the source", &error);
    memset(job->buffer + from_source, 0, len - from_source);
    *zero = vhd_is_zero(job->buffer, from_source);
    return VHD_OP_OK;
}

static vhd_op_code check_cancel(flatten *job)
{
    if (vhd_cancel_requested(job->options))
        return vhd_op_fail(job->result, VHD_OP_CANCELLED, "the conversion was cancelled");
    return VHD_OP_OK;
}

static vhd_op_code copy(flatten *job, const disk_target_params *params)
{
    uint32_t granule = job->writer->granule(params);
    vhd_op_code code = job->writer->begin(&job->state, job->target, params, job->buffer,
                                          job->buffer_size, job->result);
    for (uint64_t offset = 0; offset < job->size && code == VHD_OP_OK; ) {
        uint64_t end = granule ? (offset / granule + 1) * granule : job->size;
        if (end > job->size)
            end = job->size;
        size_t len = end - offset < job->buffer_size ? (size_t)(end - offset) : job->buffer_size;
        bool zero;
        if ((code = check_cancel(job)) != VHD_OP_OK)
            break;
        code = read_piece(job, offset, len, &zero);
        if (code == VHD_OP_OK)
            code = job->writer->write(job->state, offset, job->buffer, len, zero, job->result);
        offset += len;
        vhd_progress_advance(&job->progress, len);
    }
    if (code == VHD_OP_OK)
        code = job->writer->finish(job->state, job->result);
    return code;
}

static vhd_op_code close_and_publish(flatten *job)
{
    vhd_io *target = job->target;
    vhd_status status = target->close(target);
    if (status != VHD_OK)
        return vhd_op_fail_io(job->result, target, status, "closing the new disk");
    if (target->publish == NULL)
        return VHD_OP_OK;
    status = target->publish(target);
    if (status == VHD_E_EXISTS)
        return vhd_op_fail(job->result, VHD_OP_TARGET_EXISTS,
                           "a file appeared at the new disk's path during the conversion");
    if (status != VHD_OK)
        return vhd_op_fail_io(job->result, target, status, "giving the new disk its name");
    return VHD_OP_OK;
}

vhd_op_code disk_convert(disk_chain *source, vhd_io *target, const disk_convert_target *spec,
                         const vhd_create_options *options, vhd_op_result *result)
{
    const disk_info *info = disk_image_info(disk_chain_image(source, 0));
    vhd_op_code code;
    vhd_status status;
    flatten job = {
        .chain = source,
        .depth = disk_chain_depth(source),
        .source_size = info->size,
        .size = spec->size ? spec->size : info->size,
        .writer = disk_target_writer_for(spec->format),
        .target = target,
        .options = options,
        .result = result,
    };
    disk_target_params params = {
        .virtual_size = job.size,
        .type = spec->type,
        .like = disk_chain_image(source, 0),
        .options = options,
    };

    vhd_op_succeed(result);
    if (job.writer == NULL)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED, "no new disk can be written in that format");
    if (spec->type != VHD_TARGET_DYNAMIC && spec->type != VHD_TARGET_FIXED)
        return vhd_op_fail(result, VHD_OP_WRONG_TYPE,
                           "a disk can be converted only to a dynamic or a fixed-size disk");
    if (job.size < job.source_size)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "the new disk (%llu bytes) would be smaller than the source (%llu "
                           "bytes)", (unsigned long long)job.size,
                           (unsigned long long)job.source_size);
    /* A VHDX keeps a VHDX source's sector sizes; from another format it has the defaults. */
    if (info->format == DISK_FORMAT_VHDX) {
        params.logical_sector_size = info->logical_sector_size;
        params.physical_sector_size = info->physical_sector_size;
    }
    code = job.writer->check(&params, result);
    if (code != VHD_OP_OK)
        return code;

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
    job.buffer = vhd_buffer_acquire(options, job.size, VHD_SECTOR_SIZE, &job.buffer_size);
    job.buffer_size -= job.buffer_size % VHD_SECTOR_SIZE;
    code = job.buffer == NULL ? vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory")
                              : copy(&job, &params);
    if (job.state != NULL)
        job.writer->end(job.state);
    if (job.buffer != NULL)
        vhd_buffer_release(options, job.buffer);
    if (code == VHD_OP_OK)
        code = close_and_publish(&job);
    if (code != VHD_OP_OK) {
        target->remove(target);
        return code;
    }
    vhd_progress_complete(&job.progress);
    return vhd_op_succeed(result);
}

vhd_op_code disk_merge_to(disk_chain *source, vhd_io *target, const disk_convert_target *spec,
                          const vhd_create_options *options, vhd_op_result *result)
{
    const disk_info *info = disk_image_info(disk_chain_image(source, 0));
    vhd_op_succeed(result);
    if (info->kind != DISK_KIND_DIFFERENCING)
        return vhd_op_fail(result, VHD_OP_WRONG_TYPE,
                           "MergeTo takes a differencing disk; this one is %s (use Convert)",
                           info->kind == DISK_KIND_FIXED ? "a fixed-size disk" : "a dynamic disk");
    return disk_convert(source, target, spec, options, result);
}

/* The names the COM server calls (vhd_ops.h): a VHD target of the source's size. */
vhd_op_code vhd_convert(disk_chain *source, vhd_io *target, vhd_target_type type,
                        const vhd_create_options *options, vhd_op_result *result)
{
    const disk_convert_target spec = { DISK_FORMAT_VHD, type, 0 };
    return disk_convert(source, target, &spec, options, result);
}

vhd_op_code vhd_merge_to(disk_chain *source, vhd_io *target, vhd_target_type type,
                         const vhd_create_options *options, vhd_op_result *result)
{
    const disk_convert_target spec = { DISK_FORMAT_VHD, type, 0 };
    return disk_merge_to(source, target, &spec, options, result);
}
