/* What vhdcreate --parent learns about the parent before creating the child: the parent is
 * opened read-only, validated with its whole chain, and described for the writer. */
#ifndef CREATE_PARENT_H
#define CREATE_PARENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_create_differencing.h"

struct create_parent {
    vhd_parent_facts facts;
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
