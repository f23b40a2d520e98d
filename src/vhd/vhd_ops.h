/* The four operations that change disks: Convert, MergeTo, Merge and Compact
 * (IVMHardDisk's methods of the same names), on the shared reader (vhd_reader.h) and writers.
 *
 * The promise: at every instant, a crash or power loss at any write included, every sector of
 * the user's data reads back from the files on disk, and running the job again completes it.
 * How each operation keeps it is written at the top of its source file (Convert and MergeTo:
 * src/disk/disk_convert.h, with the targets' write orders in vhd_target.c, vhdx_target.c and
 * raw_target.c; vhd_merge.c, vhd_compact.c).
 *
 * Memory: one buffer of options->buffer_max bytes (capped at VHD_CREATE_BUFFER_MAX, 1 MiB) and a
 * few KiB (a 4 KiB block-table window of the disk changed, 512 bytes of bitmap), whatever the
 * disk size; Merge also holds one sector bitmap of the parent's blocks (512 bytes for 2 MiB
 * blocks, block size / 4096 in general: 512 KiB for the largest block a VHD can declare) and
 * Compact, while it plans, 8 bytes per live block up to 131,072 of them (1 MiB; above that one
 * bit per live block). Plus what the reader keeps per image (VHD_READER_IMAGE_HEAP_MAX).
 * VHD_OP_MEMORY_MAX bounds the job's own part.
 *
 * Progress is reported by bytes of the guest's disk processed, never goes back, and reaches
 * 100 only once the job is complete (flushed, closed and, for a new disk, named). Cancel is
 * polled between pieces of work: a new target is then removed; an in-place job (Merge,
 * Compact) stops at a consistent point, the disk valid with its content unchanged. */
#ifndef VHD_OPS_H
#define VHD_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_chain.h"
#include "vhd_create.h"
#include "vhd_io.h"
#include "vhd_reader.h"
#include "vhd_status.h"

/* The kinds a new disk can be: the values of Virtual Server's VMHardDiskType. */
typedef enum vhd_target_type {
    VHD_TARGET_DYNAMIC = 0,
    VHD_TARGET_FIXED = 1
} vhd_target_type;

typedef enum vhd_op_code {
    VHD_OP_OK = 0,
    VHD_OP_IO,                /* an I/O call failed: see io_status (E_FAIL) */
    VHD_OP_NO_SPACE,          /* the volume is full (E_DISK_FULL) */
    VHD_OP_NO_MEMORY,         /* (E_OUTOFMEMORY) */
    VHD_OP_CANCELLED,         /* the caller cancelled; see the operation for what is left */
    VHD_OP_TARGET_EXISTS,     /* something is already at the new disk's path (E_ALREADY_EXISTS) */
    VHD_OP_TARGET_PATH,       /* the new disk's path cannot be used: see io_status
                                 (E_PATH_NOT_FOUND, E_INVALID_NAME, E_ACCESSDENIED) */
    VHD_OP_WRONG_TYPE,        /* the disk or the target kind is not one the operation takes
                                 (VM_E_WRONG_HD_IMAGE_TYPE) */
    VHD_OP_READ_ONLY,         /* the disk to change cannot be opened for writing
                                 (VM_E_FILE_READ_ONLY) */
    VHD_OP_IN_USE,            /* another process holds a disk of the job for writing
                                 (E_SHARING_VIOLATION) */
    VHD_OP_INVALID_DISK,      /* a disk of the job is not a valid VHD (VM_E_INVALID_HD_FILE) */
    VHD_OP_PARENT_NOT_FOUND,  /* (VM_E_PARENT_PATH_NOT_FOUND) */
    VHD_OP_NOT_THE_PARENT,    /* the file given as the parent is not the chain's parent */
    VHD_OP_UNSUPPORTED,       /* a valid disk this operation cannot change safely (reason) */
    VHD_OP_TOO_LARGE          /* the source is larger than the new disk's format can hold; the
                                 reason names both sizes (VM_E_IMAGE_SIZE_TOO_LARGE) */
} vhd_op_code;

typedef struct vhd_op_result {
    vhd_op_code code;
    vhd_status io_status;     /* for VHD_OP_IO, VHD_OP_NO_SPACE, VHD_OP_TARGET_PATH (else VHD_OK) */
    int os_error;             /* the back end's os_error of the failed call, 0 if none */
    char reason[384];         /* one sentence in English, no trailing period */
} vhd_op_result;

/* A short name of the code ("the disk is in use"); never NULL. */
const char *vhd_op_code_name(vhd_op_code code);

/* The result for a reader failure while opening a job's disk (which names it: "source",
 * "parent", "disk"): VHD_OP_INVALID_DISK, VHD_OP_PARENT_NOT_FOUND, VHD_OP_IO... */
vhd_op_code vhd_op_result_from_reader(vhd_op_result *result, const char *which,
                                      const vhd_reader_error *error);
/* The result for a failed open() of a job's disk (VHD_E_IN_USE, VHD_E_ACCESS...). */
vhd_op_code vhd_op_result_from_open(vhd_op_result *result, const char *which,
                                    bool for_writing, vhd_status status, int os_error);

/* Bound of a job's own heap use (the reader's images not included). */
#define VHD_OP_MEMORY_MAX (VHD_CREATE_BUFFER_MAX + 131072u * 8u + 16384u)

/* Options of every job: options->timestamp and options->unique_id are the new disk's (Convert,
 * MergeTo); progress, cancelled, ctx, buffer_max, allocate and release as for creation;
 * size_bytes is ignored (the source's size is kept). */

/* Convert: a new VHD of type at target (disk_convert() in disk_convert.h writes any format;
 * these two are its VHD-only names, which the COM server calls), not yet created: the job
 * calls create(), and publish() when the back end stages the file under a temporary name) with the content of the
 * disk the chain makes, the chain opened for reading (VHD_IO_OPEN_READ_DENY_WRITE) and never
 * written. A dynamic target holds only the blocks that are not all zeros; a fixed one has its
 * data area reserved (io->allocate) and written only where the data is not zero. On failure
 * or cancel the target is removed. */
vhd_op_code vhd_convert(disk_chain *source, vhd_io *target, vhd_target_type type,
                        const vhd_create_options *options, vhd_op_result *result);

/* MergeTo: Convert of a differencing disk's chain (VHD_OP_WRONG_TYPE for another kind). */
vhd_op_code vhd_merge_to(disk_chain *source, vhd_io *target, vhd_target_type type,
                         const vhd_create_options *options, vhd_op_result *result);

/* Merge: writes every sector the chain's child (level 0, a differencing disk) holds into its
 * parent, which the caller has opened again for writing as parent (VHD_IO_OPEN_READ_WRITE)
 * from disk_chain_name(chain, 1). The child is never written. */
vhd_op_code vhd_merge(disk_chain *chain, vhd_io *parent, const vhd_create_options *options,
                      vhd_op_result *result);

/* Compact: the dynamic disk in disk (opened VHD_IO_OPEN_READ_WRITE) gives up its blocks that
 * hold only zeros; live blocks move into the holes and the file shrinks. */
vhd_op_code vhd_compact(vhd_io *disk, const vhd_create_options *options, vhd_op_result *result);

#endif
