/* The job of a disk creation: a prepared target (file created, open) and what to write. */
#ifndef VSDISK_CREATION_JOB_H
#define VSDISK_CREATION_JOB_H

#include "disk_target.h"
#include "task_job.h"
#include "vhd_create_differencing.h"
#include "vhdx_create.h"

enum creation_kind {
    CREATION_DYNAMIC,
    CREATION_FIXED,
    CREATION_DIFFERENCING
};

/* A job that writes a disk of kind into target (which the job then owns, even on failure), in
 * the target's format (target->shape: a VHDX's block and sector sizes included). parent: the
 * parent's facts for a differencing VHD, vhdx_parent for a differencing VHDX (copied, paths
 * included), else NULL. NULL when out of memory (target is then cleaned up and freed). */
struct task_job *creation_job_new(enum creation_kind kind, struct disk_target *target,
                                  const vhd_parent_facts *parent,
                                  const vhdx_parent_facts *vhdx_parent);

#endif
