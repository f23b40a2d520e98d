/* The tasks a server object started: shared by the server and its tasks, which hold it
 * weakly (a task is listed while it runs or while anyone holds a reference to it). */
#ifndef VSDISK_TASK_LIST_H
#define VSDISK_TASK_LIST_H

#include <windows.h>
#include "vsdisk.h"

struct task_link {
    struct task_link *prev, *next;
};

struct task_list;

HRESULT task_list_create(struct task_list **out);
void task_list_add_ref(struct task_list *list);
void task_list_release(struct task_list *list);

void task_list_insert(struct task_list *list, struct task_link *link);
void task_list_remove(struct task_list *list, struct task_link *link);

/* References to the listed tasks that are still alive, in start order. The caller releases
 * each task and frees the array with free(). */
HRESULT task_list_snapshot(struct task_list *list, IVMTask ***tasks, LONG *count);

/* Running creations: the server's final release waits until none is left. */
void task_list_begin_work(struct task_list *list);
void task_list_end_work(struct task_list *list);
void task_list_wait_idle(struct task_list *list);

#endif
