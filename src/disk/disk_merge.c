/* One Merge for every format (disk_merge.h). */
#include "disk_merge.h"

#include <stdio.h>
#include <string.h>
#include "disk_image.h"
#include "vhdx_merge.h"

vhd_op_code disk_op_result_from_vhdx(vhd_op_result *result, const vhdx_reader_error *error)
{
    memset(result, 0, sizeof *result);
    result->os_error = error->os_error;
    snprintf(result->reason, sizeof result->reason, "%s", error->reason);
    if (error->code == VHDX_READER_IO && error->io_status == VHD_E_CANCELLED)
        result->code = VHD_OP_CANCELLED;
    else if (error->code == VHDX_READER_IO && error->io_status == VHD_E_NO_SPACE)
        result->code = VHD_OP_NO_SPACE, result->io_status = error->io_status;
    else if (error->code == VHDX_READER_IO)
        result->code = VHD_OP_IO, result->io_status = error->io_status;
    else if (error->code == VHDX_READER_NO_MEMORY)
        result->code = VHD_OP_NO_MEMORY;
    else if (error->code == VHDX_READER_PARENT_ID_MISMATCH)
        result->code = VHD_OP_NOT_THE_PARENT;
    else if (vhdx_reader_code_is_invalid_file(error->code))
        result->code = VHD_OP_INVALID_DISK;
    else
        result->code = VHD_OP_UNSUPPORTED;
    return result->code;
}

vhd_io_open_mode disk_merge_child_mode(vhd_io *io)
{
    const disk_image_class *class;
    vhd_reader_error error;
    if (disk_image_probe(io, &class, &error) == VHD_READER_OK && class->format == DISK_FORMAT_VHDX)
        return VHD_IO_OPEN_READ_WRITE;
    return VHD_IO_OPEN_READ_DENY_WRITE;
}

vhd_op_code disk_merge(disk_chain *chain, vhd_io *parent, const disk_merge_options *options,
                       disk_merge_report *report, vhd_op_result *result)
{
    const disk_info *child = disk_image_info(disk_chain_image(chain, 0));
    disk_merge_report ignored;
    if (report == NULL)
        report = &ignored;
    memset(report, 0, sizeof *report);
    if (child->format != DISK_FORMAT_VHDX)
        return vhd_merge(chain, parent, options->common, result);
    if (child->kind != DISK_KIND_DIFFERENCING || disk_chain_depth(chain) < 2) {
        memset(result, 0, sizeof *result);
        result->code = VHD_OP_WRONG_TYPE;
        snprintf(result->reason, sizeof result->reason, "Merge takes a differencing disk; this "
                 "one is a %s VHDX", disk_kind_name(child->kind));
        return result->code;
    }
    const vhd_create_options *common = options->common;
    vhdx_merge_options merge;
    vhdx_merge_report merged;
    vhdx_reader_error error;
    memset(&merge, 0, sizeof merge);
    merge.writable.random = options->random;
    merge.writable.ctx = options->random_ctx;
    merge.writable.allocate = common->allocate;
    merge.writable.release = common->release;
    merge.progress = common->progress;
    merge.cancelled = common->cancelled;
    merge.ctx = common->ctx;
    vhdx_reader_code code = vhdx_merge(disk_chain_file(chain, 0), parent, &merge, &merged, &error);
    report->flushes = merged.flushes;
    report->batches = merged.batches;
    if (code != VHDX_READER_OK)
        return disk_op_result_from_vhdx(result, &error);
    memset(result, 0, sizeof *result);
    return VHD_OP_OK;
}
