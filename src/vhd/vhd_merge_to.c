/* MergeTo: a differencing disk and all its parents flattened into a new fixed or dynamic disk.
 *
 * It is Convert of the differencing disk's chain, with the same write order and the same
 * promise (see vhd_convert.c): nothing in the chain is ever written (every image is opened
 * for reading only), the new file is complete before it gets its name, and a crash leaves at
 * most an unfinished file under a temporary name; running MergeTo again completes it. */
#include "vhd_ops.h"

#include "disk_chain.h"
#include "vhd_op_common.h"

vhd_op_code vhd_merge_to(disk_chain *source, vhd_io *target, vhd_target_type type,
                         const vhd_create_options *options, vhd_op_result *result)
{
    const disk_info *info = disk_image_info(disk_chain_image(source, 0));
    vhd_op_succeed(result);
    if (info->kind != DISK_KIND_DIFFERENCING)
        return vhd_op_fail(result, VHD_OP_WRONG_TYPE,
                           "MergeTo takes a differencing disk; this one is %s (use Convert)",
                           info->kind == DISK_KIND_FIXED ? "a fixed-size disk" : "a dynamic disk");
    return vhd_flatten_chain(source, target, type, options, result);
}
