/* Validates a parent disk and its chain, read-only, and reads the facts a child records. */
#ifndef CREATE_PARENT_CHECK_H
#define CREATE_PARENT_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include "disk_image.h"
#include "vhd_create_differencing.h"
#include "vhdx_create.h"

#define CREATE_PARENT_CHAIN_MAX 128u

struct create_parent_chain {
    unsigned count;                  /* files[0] is the parent itself */
    struct { uint64_t device, inode; } files[CREATE_PARENT_CHAIN_MAX];
};

/* path is the parent's canonical path. Sets *format to the parent's; fills, for a VHD, facts
 * (size, geometry, unique id, time stamp = the file's last-write time; not the paths), for a
 * VHDX, vhdx (its virtual-disk items and DataWriteGuid; not the paths) and facts->size_bytes;
 * and the identities of every file of the chain.
 * On failure: VHD_E_NOT_FOUND (no such file), VHD_E_INVALID_SIZE (a size no child can have),
 * VHD_E_IO with a reason naming what is wrong with the file, or the I/O status. */
vhd_status create_parent_check(const char *path, disk_format *format, vhd_parent_facts *facts,
                               vhdx_parent_facts *vhdx, struct create_parent_chain *chain,
                               char *reason, size_t reason_size, int *error);

#endif
