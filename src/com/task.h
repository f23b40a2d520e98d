#ifndef VSDISK_TASK_H
#define VSDISK_TASK_H

#include <windows.h>
#include "vsdisk.h"
#include "task_list.h"
#include "task_job.h"

/* Starts job (which the task then owns, and abandons and frees if it cannot start) on a
 * worker thread and returns the task that tracks it. Sets error information on failure. */
HRESULT task_start(struct task_list *list, struct task_job *job, IVMTask **out);

/* A new reference to the task behind link, or NULL if it is being destroyed.
 * Called with the list's lock held. */
IVMTask *task_from_link(struct task_link *link);

#endif
