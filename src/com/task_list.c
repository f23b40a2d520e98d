/* The list of a server's tasks and the count of its running creations. */
#include <windows.h>
#include <stdlib.h>

#include "allocation.h"
#include "task_list.h"
#include "task.h"

struct task_list {
    LONG ref;
    CRITICAL_SECTION lock;
    struct task_link head;
    LONG count;
    LONG running;
    HANDLE idle;            /* manual-reset; set while nothing runs */
};

HRESULT task_list_create(struct task_list **out)
{
    struct task_list *list = vs_calloc(1, sizeof(*list));

    *out = NULL;
    if (!list)
        return E_OUTOFMEMORY;
    list->idle = CreateEventW(NULL, TRUE, TRUE, NULL);
    if (!list->idle) {
        vs_free(list);
        return E_OUTOFMEMORY;
    }
    InitializeCriticalSection(&list->lock);
    list->ref = 1;
    list->head.prev = list->head.next = &list->head;
    *out = list;
    return S_OK;
}

void task_list_add_ref(struct task_list *list)
{
    InterlockedIncrement(&list->ref);
}

void task_list_release(struct task_list *list)
{
    if (InterlockedDecrement(&list->ref) == 0) {
        DeleteCriticalSection(&list->lock);
        CloseHandle(list->idle);
        vs_free(list);
    }
}

void task_list_insert(struct task_list *list, struct task_link *link)
{
    EnterCriticalSection(&list->lock);
    link->prev = list->head.prev;
    link->next = &list->head;
    list->head.prev->next = link;
    list->head.prev = link;
    list->count++;
    LeaveCriticalSection(&list->lock);
}

void task_list_remove(struct task_list *list, struct task_link *link)
{
    EnterCriticalSection(&list->lock);
    link->prev->next = link->next;
    link->next->prev = link->prev;
    link->prev = link->next = link;
    list->count--;
    LeaveCriticalSection(&list->lock);
}

HRESULT task_list_snapshot(struct task_list *list, IVMTask ***tasks, LONG *count)
{
    struct task_link *link;
    IVMTask **array;
    LONG n = 0;

    *tasks = NULL;
    *count = 0;
    EnterCriticalSection(&list->lock);
    array = vs_malloc((list->count ? list->count : 1) * sizeof(*array));
    if (!array) {
        LeaveCriticalSection(&list->lock);
        return E_OUTOFMEMORY;
    }
    for (link = list->head.next; link != &list->head; link = link->next) {
        IVMTask *task = task_from_link(link);
        if (task)
            array[n++] = task;
    }
    LeaveCriticalSection(&list->lock);
    *tasks = array;
    *count = n;
    return S_OK;
}

void task_list_begin_work(struct task_list *list)
{
    EnterCriticalSection(&list->lock);
    if (list->running++ == 0)
        ResetEvent(list->idle);
    LeaveCriticalSection(&list->lock);
}

void task_list_end_work(struct task_list *list)
{
    EnterCriticalSection(&list->lock);
    if (--list->running == 0)
        SetEvent(list->idle);
    LeaveCriticalSection(&list->lock);
}

void task_list_wait_idle(struct task_list *list)
{
    WaitForSingleObject(list->idle, INFINITE);
}
