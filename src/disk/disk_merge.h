/* Merge of a differencing disk of any format into its parent, in place: one entry point that
 * picks the format's own (vhd_merge for VHD, whose child is never written; vhdx_merge for
 * VHDX, which follows MS-VHDX's merge protocol and so rewrites the child's parent locator,
 * never its data). Each keeps the promise of vhd_ops.h: at every instant the chain reads the
 * same, and running the job again completes it. */
#ifndef DISK_MERGE_H
#define DISK_MERGE_H

#include <stdint.h>
#include "disk_chain.h"
#include "vhd_create.h"
#include "vhd_io.h"
#include "vhd_ops.h"
#include "vhdx_reader.h"

typedef struct disk_merge_options {
    /* progress, cancelled, ctx, buffer_max, allocate and release as for vhd_merge. */
    const vhd_create_options *common;
    /* 16 random bytes per new GUID (a VHDX's FileWriteGuid, DataWriteGuid, LogGuid); required
     * for a VHDX chain. */
    void (*random)(void *ctx, uint8_t out[16]);
    void *random_ctx;
} disk_merge_options;

typedef struct disk_merge_report {
    uint64_t flushes;       /* of both files (a VHDX merge counts them; 0 for a VHD merge) */
    uint64_t batches;       /* log entries written into a VHDX parent */
} disk_merge_report;

/* The chain of the child (level 0) opened for reading (vhd_ops_posix_open_chain with
 * for_merge, or the host's), parent its level 1 opened again VHD_IO_OPEN_READ_WRITE. For a
 * VHDX chain the child's file (disk_chain_file(chain, 0)) must be open VHD_IO_OPEN_READ_WRITE
 * (disk_merge_child_mode says so from the file's first bytes), and the chain's images are not
 * to be read afterwards (the child's headers and locator changed under them). VHD_OP_WRONG_TYPE
 * for a child that is not a differencing disk. report may be NULL. */
vhd_op_code disk_merge(disk_chain *chain, vhd_io *parent, const disk_merge_options *options,
                       disk_merge_report *report, vhd_op_result *result);

/* How Merge opens the child in io (any mode, open): VHD_IO_OPEN_READ_WRITE for a VHDX,
 * VHD_IO_OPEN_READ_DENY_WRITE otherwise. */
vhd_io_open_mode disk_merge_child_mode(vhd_io *io);

/* An operation's result for a VHDX job's error (cancel, full volume, I/O, memory, an invalid
 * file, a parent that is not the child's, anything else unsupported). */
vhd_op_code disk_op_result_from_vhdx(vhd_op_result *result, const vhdx_reader_error *error);

#endif
