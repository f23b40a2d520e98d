#ifndef VSDISK_TASK_COLLECTION_H
#define VSDISK_TASK_COLLECTION_H

#include <windows.h>
#include "vsdisk.h"
#include "task_list.h"

/* A snapshot of the tasks in list, as an IVMTaskCollection. */
HRESULT task_collection_create(struct task_list *list, IVMTaskCollection **out);

/* An IEnumVARIANT over tasks (it takes its own references). */
HRESULT task_enum_create(IVMTask **tasks, LONG count, LONG position, IEnumVARIANT **out);

#endif
