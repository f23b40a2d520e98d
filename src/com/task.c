/* VMTask: one job (a creation, ...) running on a thread-pool worker (IVMTask and IVMTask2).
 * The task knows nothing of what the job does: it runs it, tracks progress, cancel and the
 * outcome, and lets the job describe itself and clean up. */
#include <windows.h>
#include <ole2.h>
#include <stdlib.h>
#include <time.h>
#include <wchar.h>

#include "allocation.h"
#include "buffer_cache.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"
#include "task.h"

#define WAIT_LIMIT_MS 4000000

struct task {
    IVMTask2 IVMTask2_iface;
    struct com_extras extras;
    LONG ref;
    LONG id;
    struct task_list *list;
    struct task_link link;
    WCHAR *description;
    struct task_job *job;           /* owned by the worker until it finishes */
    HMODULE pin;                    /* keeps the DLL loaded until the worker returns */
    HANDLE done;                    /* manual-reset; set once the outcome is final */
    LONG percent;
    LONG cancel_requested;
    CRITICAL_SECTION lock;          /* guards the outcome below */
    BOOL complete;
    VMTaskResult result;
    HRESULT error;
    WCHAR *error_text;
};

static const IID *const task_iids[] = { &IID_IVMTask, &IID_IVMTask2, NULL };
static LONG last_task_id;

static inline struct task *impl_from_IVMTask2(IVMTask2 *iface)
{
    return CONTAINING_RECORD(iface, struct task, IVMTask2_iface);
}

static HRESULT WINAPI task_QueryInterface(IVMTask2 *iface, REFIID riid, void **out)
{
    struct task *task = impl_from_IVMTask2(iface);

    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)
        || IsEqualIID(riid, &IID_IVMTask) || IsEqualIID(riid, &IID_IVMTask2)) {
        *out = iface;
        IVMTask2_AddRef(iface);
        return S_OK;
    }
    if (com_extras_query(&task->extras, riid, out))
        return S_OK;
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI task_AddRef(IVMTask2 *iface)
{
    return InterlockedIncrement(&impl_from_IVMTask2(iface)->ref);
}

static void task_destroy(struct task *task)
{
    task_list_remove(task->list, &task->link);
    task_list_release(task->list);
    if (task->job)
        task->job->ops->free(task->job);
    if (task->done)
        CloseHandle(task->done);
    DeleteCriticalSection(&task->lock);
    vs_free(task->description);
    vs_free(task->error_text);
    vs_free(task);
    module_release();
}

static ULONG WINAPI task_Release(IVMTask2 *iface)
{
    struct task *task = impl_from_IVMTask2(iface);
    LONG ref = InterlockedDecrement(&task->ref);

    if (ref == 0)
        task_destroy(task);
    return ref;
}

IVMTask *task_from_link(struct task_link *link)
{
    struct task *task = CONTAINING_RECORD(link, struct task, link);
    LONG ref = task->ref;

    /* AddRef only while alive: a task whose count reached 0 is being destroyed. */
    while (ref > 0) {
        LONG seen = InterlockedCompareExchange(&task->ref, ref + 1, ref);
        if (seen == ref)
            return (IVMTask *)&task->IVMTask2_iface;
        ref = seen;
    }
    return NULL;
}

static HRESULT WINAPI task_GetTypeInfoCount(IVMTask2 *iface, UINT *count)
{
    (void)iface;
    if (!count)
        return E_POINTER;
    *count = 1;
    return S_OK;
}

static HRESULT WINAPI task_GetTypeInfo(IVMTask2 *iface, UINT index, LCID lcid, ITypeInfo **out)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_type_info(&IID_IVMTask2, index, out);
}

static HRESULT WINAPI task_GetIDsOfNames(IVMTask2 *iface, REFIID riid, LPOLESTR *names,
                                         UINT count, LCID lcid, DISPID *ids)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_ids_of_names(&IID_IVMTask2, riid, names, count, ids);
}

static HRESULT WINAPI task_Invoke(IVMTask2 *iface, DISPID member, REFIID riid, LCID lcid,
                                  WORD flags, DISPPARAMS *params, VARIANT *result,
                                  EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return dispatch_invoke(iface, &IID_IVMTask2, member, riid, flags, params, result, excep,
                           arg_err);
}

static BOOL task_is_complete(struct task *task)
{
    BOOL complete;

    EnterCriticalSection(&task->lock);
    complete = task->complete;
    LeaveCriticalSection(&task->lock);
    return complete;
}

static HRESULT WINAPI task_WaitForCompletion(IVMTask2 *iface, LONG timeout)
{
    struct task *task = impl_from_IVMTask2(iface);
    DWORD ms = timeout == -1 ? INFINITE : (DWORD)timeout;
    APTTYPEQUALIFIER qualifier;
    APTTYPE type;

    /* Virtual Server documents E_POINTER for a timeout out of range. */
    if (timeout < -1 || timeout > WAIT_LIMIT_MS)
        return error_set(E_POINTER, &IID_IVMTask,
                         L"WaitForCompletion: the timeout must be -1 (wait forever) or 0 to 4,000,000 milliseconds, not %ld.",
                         timeout);
    if (SUCCEEDED(CoGetApartmentType(&type, &qualifier))
        && (type == APTTYPE_STA || type == APTTYPE_MAINSTA)) {
        /* Keep a single-threaded apartment pumping messages while it waits. */
        DWORD index;
        HRESULT hr = CoWaitForMultipleHandles(0, ms, 1, &task->done, &index);
        if (FAILED(hr) && hr != RPC_S_CALLPENDING)
            return error_set(DISP_E_EXCEPTION, &IID_IVMTask,
                             L"WaitForCompletion: waiting failed (0x%08lx).", (unsigned long)hr);
    } else if (WaitForSingleObject(task->done, ms) == WAIT_FAILED) {
        return error_set(DISP_E_EXCEPTION, &IID_IVMTask,
                         L"WaitForCompletion: waiting failed (Windows error %lu).", GetLastError());
    }
    return error_none();
}

static HRESULT WINAPI task_Cancel(IVMTask2 *iface)
{
    struct task *task = impl_from_IVMTask2(iface);
    VMTaskResult result;

    if (task_is_complete(task))
        return error_set(E_FAIL, &IID_IVMTask,
                         L"Cancel: the task has already finished; it can no longer be cancelled.");
    InterlockedExchange(&task->cancel_requested, 1);
    WaitForSingleObject(task->done, INFINITE);
    EnterCriticalSection(&task->lock);
    result = task->result;
    LeaveCriticalSection(&task->lock);
    if (result != vmTaskResult_Cancelled)
        return error_set(E_FAIL, &IID_IVMTask,
                         L"Cancel: the task finished before it could be cancelled.");
    return error_none();
}

static HRESULT WINAPI task_get_PercentCompleted(IVMTask2 *iface, LONG *percent)
{
    if (!percent)
        return error_set(E_POINTER, &IID_IVMTask, L"PercentCompleted: the result pointer is NULL.");
    *percent = InterlockedCompareExchange(&impl_from_IVMTask2(iface)->percent, 0, 0);
    return error_none();
}

static HRESULT WINAPI task_get_Description(IVMTask2 *iface, BSTR *description)
{
    if (!description)
        return error_set(E_POINTER, &IID_IVMTask, L"Description: the result pointer is NULL.");
    *description = SysAllocString(impl_from_IVMTask2(iface)->description);
    if (!*description)
        return error_set(E_OUTOFMEMORY, &IID_IVMTask, L"Description: out of memory.");
    return error_none();
}

static HRESULT WINAPI task_get_Result(IVMTask2 *iface, VMTaskResult *result)
{
    struct task *task = impl_from_IVMTask2(iface);

    if (!result)
        return error_set(E_POINTER, &IID_IVMTask, L"Result: the result pointer is NULL.");
    EnterCriticalSection(&task->lock);
    *result = task->result;
    LeaveCriticalSection(&task->lock);
    return error_none();
}

static HRESULT WINAPI task_get_IsCancelable(IVMTask2 *iface, VARIANT_BOOL *cancelable)
{
    struct task *task = impl_from_IVMTask2(iface);

    if (!cancelable)
        return error_set(E_POINTER, &IID_IVMTask, L"IsCancelable: the result pointer is NULL.");
    *cancelable = (!task_is_complete(task) && !InterlockedCompareExchange(&task->cancel_requested, 0, 0))
        ? VARIANT_TRUE : VARIANT_FALSE;
    return error_none();
}

static HRESULT WINAPI task_get_ID(IVMTask2 *iface, LONG *id)
{
    if (!id)
        return error_set(E_POINTER, &IID_IVMTask, L"ID: the result pointer is NULL.");
    *id = impl_from_IVMTask2(iface)->id;
    return error_none();
}

static HRESULT WINAPI task_get_IsComplete(IVMTask2 *iface, VARIANT_BOOL *complete)
{
    if (!complete)
        return error_set(E_POINTER, &IID_IVMTask, L"IsComplete: the result pointer is NULL.");
    *complete = task_is_complete(impl_from_IVMTask2(iface)) ? VARIANT_TRUE : VARIANT_FALSE;
    return error_none();
}

static HRESULT WINAPI task_get_Error(IVMTask2 *iface, LONG *error)
{
    struct task *task = impl_from_IVMTask2(iface);

    if (!error)
        return error_set(E_POINTER, &IID_IVMTask2, L"Error: the result pointer is NULL.");
    EnterCriticalSection(&task->lock);
    *error = task->error;
    LeaveCriticalSection(&task->lock);
    return error_none();
}

static HRESULT WINAPI task_get_ErrorDescription(IVMTask2 *iface, BSTR *text)
{
    struct task *task = impl_from_IVMTask2(iface);

    if (!text)
        return error_set(E_POINTER, &IID_IVMTask2, L"ErrorDescription: the result pointer is NULL.");
    EnterCriticalSection(&task->lock);
    *text = SysAllocString(task->error_text ? task->error_text : L"");
    LeaveCriticalSection(&task->lock);
    if (!*text)
        return error_set(E_OUTOFMEMORY, &IID_IVMTask2, L"ErrorDescription: out of memory.");
    return error_none();
}

static const IVMTask2Vtbl task_vtbl = {
    task_QueryInterface,
    task_AddRef,
    task_Release,
    task_GetTypeInfoCount,
    task_GetTypeInfo,
    task_GetIDsOfNames,
    task_Invoke,
    task_WaitForCompletion,
    task_Cancel,
    task_get_PercentCompleted,
    task_get_Description,
    task_get_Result,
    task_get_IsCancelable,
    task_get_ID,
    task_get_IsComplete,
    task_get_Error,
    task_get_ErrorDescription,
};

/* --- the worker --------------------------------------------------------------------- */

static void task_progress(void *context, unsigned percent)
{
    struct task *task = context;
    LONG seen = InterlockedCompareExchange(&task->percent, 0, 0);

    while ((LONG)percent > seen) {
        LONG before = InterlockedCompareExchange(&task->percent, (LONG)percent, seen);
        if (before == seen)
            break;
        seen = before;
    }
}

static bool task_cancelled(void *context)
{
    struct task *task = context;

    return InterlockedCompareExchange(&task->cancel_requested, 0, 0) != 0;
}

static void task_outcome(vhd_status status, int os_error, VMTaskResult *result, HRESULT *error)
{
    switch (status) {
    case VHD_OK:
        *result = vmTaskResult_Success;
        *error = S_OK;
        return;
    case VHD_E_CANCELLED:
        *result = vmTaskResult_Cancelled;
        *error = HRESULT_FROM_WIN32(ERROR_CANCELLED);
        return;
    case VHD_E_NO_MEMORY:
        *result = vmTaskResult_OutOfMemoryError;
        *error = E_OUTOFMEMORY;
        return;
    case VHD_E_NO_SPACE:
        *result = vmTaskResult_DiskRelatedError;
        *error = E_DISK_FULL;
        return;
    case VHD_E_TOO_LARGE:
        *result = vmTaskResult_DiskRelatedError;
        *error = VM_E_FILE_TOO_LARGE_FOR_VOLUME;
        return;
    case VHD_E_ACCESS:
        *result = vmTaskResult_DiskRelatedError;
        *error = E_ACCESSDENIED;
        return;
    case VHD_E_EXISTS:
        *result = vmTaskResult_DiskRelatedError;
        *error = E_ALREADY_EXISTS;
        return;
    case VHD_E_IN_USE:
        *result = vmTaskResult_DiskRelatedError;
        *error = HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION);
        return;
    case VHD_E_NOT_FOUND:
    case VHD_E_NOT_DIRECTORY:
        *result = vmTaskResult_DiskRelatedError;
        *error = E_PATH_NOT_FOUND;
        return;
    case VHD_E_IO:
        *result = vmTaskResult_DiskRelatedError;
        *error = os_error ? HRESULT_FROM_WIN32((DWORD)os_error) : E_FAIL;
        return;
    default:
        *result = vmTaskResult_UnexpectedError;
        *error = E_UNEXPECTED;
        return;
    }
}

static void task_finish(struct task *task, vhd_status status, int os_error)
{
    struct task_job *job = task->job;
    VMTaskResult result;
    WCHAR *text = NULL;
    HRESULT error;

    task_outcome(status, os_error, &result, &error);
    if (status != VHD_OK)
        text = job->ops->fail(job, status, os_error);
    task->job = NULL;
    job->ops->free(job);

    EnterCriticalSection(&task->lock);
    task->result = result;
    task->error = error;
    task->error_text = text;
    task->complete = TRUE;
    LeaveCriticalSection(&task->lock);
    SetEvent(task->done);
}

static void CALLBACK task_run(PTP_CALLBACK_INSTANCE instance, void *context)
{
    struct task *task = context;
    struct task_list *list = task->list;
    HMODULE pin = task->pin;
    struct task_job_progress progress = { task_progress, task_cancelled, task };
    int os_error = 0;
    vhd_status status = task->job->ops->run(task->job, &progress, &os_error);

    task_finish(task, status, os_error);

    task_list_end_work(list);
    IVMTask2_Release(&task->IVMTask2_iface);
    module_release();
    FreeLibraryWhenCallbackReturns(instance, pin);
}

HRESULT task_start(struct task_list *list, struct task_job *job, IVMTask **out)
{
    struct task *task;
    HRESULT hr = E_OUTOFMEMORY;

    *out = NULL;
    task = vs_calloc(1, sizeof(*task));
    if (!task)
        goto failed;
    InitializeCriticalSection(&task->lock);
    task->IVMTask2_iface.lpVtbl = &task_vtbl;
    task->ref = 1;
    task->id = InterlockedIncrement(&last_task_id);
    task->link.prev = task->link.next = &task->link;
    task->description = vs_wcsdup(job->description);
    task->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    com_extras_init(&task->extras, (IUnknown *)&task->IVMTask2_iface, &CLSID_VMTask, task_iids);
    if (!task->description || !task->done)
        goto failed;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)&last_task_id,
                            &task->pin)) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        goto failed;
    }

    task->list = list;
    task_list_add_ref(list);
    task_list_insert(list, &task->link);
    task->job = job;
    module_add_ref();           /* the task object */

    /* The worker's own references: the task, a running creation, the module. */
    task->ref++;
    task_list_begin_work(list);
    module_add_ref();
    if (!TrySubmitThreadpoolCallback(task_run, task, NULL)) {
        DWORD error = GetLastError();
        task->job = NULL;
        job->ops->abandon(job);
        task_list_end_work(list);
        module_release();
        FreeLibrary(task->pin);
        task->ref--;
        IVMTask2_Release(&task->IVMTask2_iface);
        hr = error_set(HRESULT_FROM_WIN32(error), &IID_IVMVirtualServer,
                       L"%ls: no worker thread could be started (Windows error %lu).",
                       job->method, error);
        job->ops->free(job);
        return hr;
    }
    *out = (IVMTask *)&task->IVMTask2_iface;
    return S_OK;

failed:
    if (task) {
        if (task->done)
            CloseHandle(task->done);
        DeleteCriticalSection(&task->lock);
        vs_free(task->description);
        vs_free(task);
    }
    job->ops->abandon(job);
    hr = error_set(hr, &IID_IVMVirtualServer, L"%ls: out of memory.", job->method);
    job->ops->free(job);
    return hr;
}
