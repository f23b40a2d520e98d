#ifndef VSDISK_TASK_H
#define VSDISK_TASK_H

#include <windows.h>
#include "vsdisk.h"
#include "task_list.h"
#include "disk_target.h"

/* Starts writing the disk into target (which the task then owns) on a worker thread and
 * returns the task that tracks it. */
HRESULT task_start(struct task_list *list, struct disk_target *target, IVMTask **out);

/* A new reference to the task behind link, or NULL if it is being destroyed.
 * Called with the list's lock held. */
IVMTask *task_from_link(struct task_link *link);

#endif
