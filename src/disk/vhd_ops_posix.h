/* Opening the disks of a job (vhd_ops.h) on POSIX hosts: what "held for writing" means here
 * is in vhd_io_posix.c (the OFD byte locks qemu uses). */
#ifndef VHD_OPS_POSIX_H
#define VHD_OPS_POSIX_H

#include <stdbool.h>
#include "disk_chain.h"
#include "vhd_io_posix.h"
#include "vhd_ops.h"
#include "vhd_parent_posix.h"

typedef struct vhd_ops_posix_chain {
    struct vhd_io_posix file;
    disk_chain *chain;
    vhd_parent_opener opener;
    const char *path;
    bool for_merge;          /* the parent (level 1) is opened without a lock, for Merge to
                                open it again for writing */
    bool in_use;             /* a parent was refused: another process holds it for writing */
} vhd_ops_posix_chain;

/* Opens path and its parents, each VHD_IO_OPEN_READ_DENY_WRITE (for_merge: the parent
 * VHD_IO_OPEN_READ, and a VHDX child VHD_IO_OPEN_READ_WRITE, disk_merge.h), through vhd_parent_posix's locator rules. path must outlive c. */
vhd_op_code vhd_ops_posix_open_chain(vhd_ops_posix_chain *c, const char *path, bool for_merge,
                                     const vhd_reader_options *options, vhd_op_result *result);
/* Opens path (VHD_IO_OPEN_READ_DENY_WRITE) as an image of class, whatever its content (a raw
 * image: raw_disk_class), as a chain of that one image. */
vhd_op_code vhd_ops_posix_open_as(vhd_ops_posix_chain *c, const char *path,
                                  const disk_image_class *class,
                                  const vhd_reader_options *options, vhd_op_result *result);
void vhd_ops_posix_close_chain(vhd_ops_posix_chain *c);

#endif
