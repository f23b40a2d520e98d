/* What create --parent learns about the parent before creating the child: the parent (a VHD
 * or a VHDX) is opened read-only, validated with its whole chain, and described for the
 * writer of its format. */
#ifndef CREATE_PARENT_H
#define CREATE_PARENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_image.h"
#include "vhd_create_differencing.h"
#include "vhdx_create.h"

struct create_parent {
    disk_format format;
    vhd_parent_facts facts;   /* a VHD parent's; size_bytes for either format */
    vhdx_parent_facts vhdx;   /* a VHDX parent's, its paths those of facts */
    uint16_t absolute[VHD_PARENT_NAME_MAX_UNITS];
    uint16_t relative[VHD_PARENT_RELATIVE_MAX_UNITS];
    bool parent_at_fault;     /* after a failure: the parent (not the child's path) is why */
};

/* Fills parent for a child at child_path. On failure returns the status the creation fails
 * with, and *reason is one English sentence (no trailing period) and *error an errno or 0. */
vhd_status create_parent_load(const char *child_path, const char *parent_path,
                              struct create_parent *parent, char *reason, size_t reason_size,
                              int *error);

#endif
