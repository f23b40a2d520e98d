/* Convert and MergeTo into any format a new disk can have (disk_target_writer.h): the content
 * of a chain of any format written once, from start to end, as a new VHD, VHDX or raw image.
 *
 * The promise (vhd_ops.h): the source chain is opened for reading only and never written; the
 * only file written is the new one, created by the job (under a temporary name when the back
 * end stages it) and published only once complete, committed and flushed; on any failure or
 * cancel it is removed. A crash leaves the source as it was and at most an unfinished file
 * under the temporary name that no reader takes for a disk; running the job again writes a
 * new one. Every size the target's format cannot hold is refused before anything is written.
 *
 * Pieces of the guest's disk that no image of the chain allocates are known to be zero
 * without being read; every other piece is read and tested for zeros. A dynamic target
 * allocates only blocks holding non-zero data, a raw one leaves holes where the data is zero.
 * Progress is by guest bytes, memory one buffer (options->buffer_max, at most 1 MiB) plus the
 * target's own bounded state (VHDX: its 68 KiB to 1 MiB buffer and a 4 KiB table window). */
#ifndef DISK_CONVERT_H
#define DISK_CONVERT_H

#include <stdint.h>
#include "disk_chain.h"
#include "vhd_create.h"
#include "vhd_io.h"
#include "vhd_ops.h"

typedef struct disk_convert_target {
    disk_format format;           /* DISK_FORMAT_VHD, DISK_FORMAT_VHDX or DISK_FORMAT_RAW */
    vhd_target_type type;         /* dynamic or fixed; a raw image is written sparse either way */
    /* The new disk's virtual size: 0 for the source's; else at least the source's, the bytes
     * after the source's end reading as zeros (an Azure upload's whole MiB). */
    uint64_t size;
} disk_convert_target;

/* Convert: a new disk as spec says at target (not yet created: the job calls create(), and
 * publish() when the back end has it) with the content of the disk the chain makes. */
vhd_op_code disk_convert(disk_chain *source, vhd_io *target, const disk_convert_target *spec,
                         const vhd_create_options *options, vhd_op_result *result);

/* MergeTo: Convert of a differencing disk's chain (VHD_OP_WRONG_TYPE for another kind). */
vhd_op_code disk_merge_to(disk_chain *source, vhd_io *target, const disk_convert_target *spec,
                          const vhd_create_options *options, vhd_op_result *result);

#endif
