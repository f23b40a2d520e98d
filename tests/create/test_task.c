/* IVMTask and IVMTask2 of a creation: Cancel, failures in the worker, and every member
 * (ID, Description, PercentCompleted, IsCancelable, IsComplete, WaitForCompletion in an
 * MTA and in an STA that must stay responsive).
 * VSDISK_TEST_WRITE_DELAY_MS makes a creation slow enough to be caught running, and
 * VSDISK_TEST_FAIL_IO_CALL makes its I/O fail.
 * Usage: test_task DLL TMPBASE */
#include "create_support.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define X_E_POINTER          ((HRESULT)0x80004003)
#define X_E_FAIL             ((HRESULT)0x80004005)
#define X_E_DISK_FULL        ((HRESULT)0x80070070)
#define X_E_IO_DEVICE        ((HRESULT)0x8007045D)    /* HRESULT_FROM_WIN32(ERROR_IO_DEVICE) */
#define X_E_CANCELLED        ((HRESULT)0x800704C7)    /* HRESULT_FROM_WIN32(ERROR_CANCELLED) */
#define RESULT_SUCCESS       0
#define RESULT_CANCELLED     1
#define RESULT_DISK_ERROR    4

static void set_delay(DWORD ms)
{
    WCHAR value[16];

    swprintf(value, ARRAYSIZE(value), L"%lu", ms);
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", value);
}

static IVMTask *start(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;
    HRESULT hr = create_disk(support_vs, path, mb, &task);

    if (hr != S_OK)
        fail_msg("creating \"%ls\" (%ld MB) returned 0x%08lx", path, mb, (unsigned long)hr);
    assert_non_null(task);
    return task;
}

static void expect_cancel_fails(IVMTask *task)
{
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMTask_Cancel(task), X_E_FAIL);
    expect_error_info("cancel");
}

/* --- Cancel ------------------------------------------------------------------------------- */

static void check_cancelled(IVMTask *task, const WCHAR *path, const WCHAR *folder)
{
    char *text;

    assert_true(task_complete(task));
    assert_false(task_cancelable(task));
    assert_int_equal(task_result(task), RESULT_CANCELLED);
    assert_int_equal(task_error(task), X_E_CANCELLED);
    assert_true(task_percent(task) < 100);
    text = task_error_text(task);
    if (!strstr(text, "cancel"))
        fail_msg("ErrorDescription \"%s\" does not say it was cancelled", text);
    free(text);
    assert_false(path_exists(path));
    assert_false(path_exists(folder));
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    expect_cancel_fails(task);
    assert_int_equal(task_result(task), RESULT_CANCELLED);
}

static void test_cancel_running(void **state)
{
    static const DWORD waits[] = { 0, 50, 700 };   /* before the first write, and after two */
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    size_t i;
    (void)state;

    set_delay(300);
    for (i = 0; i < ARRAYSIZE(waits); i++) {
        IVMTask *task;
        ULONGLONG before;

        WORK_PATH(folder, L"cancel%u", (unsigned)i);
        WORK_PATH(path, L"cancel%u\\sub\\x.vhd", (unsigned)i);
        task = start(path, SLOW_DISK_MB);
        Sleep(waits[i]);
        assert_false(task_complete(task));
        assert_true(task_cancelable(task));
        assert_true(path_exists(path));     /* surely running: the file is being written */
        before = GetTickCount64();
        SetErrorInfo(0, NULL);
        assert_int_equal(IVMTask_Cancel(task), S_OK);
        /* Cancel returns once the worker has stopped, at the latest after one more write. */
        assert_true(GetTickCount64() - before < 2000);
        check_cancelled(task, path, folder);
        IVMTask_Release(task);
    }
}

static void test_cancel_after_completion(void **state)
{
    WCHAR path[MAX_PATH];
    IVMTask *task;
    (void)state;

    WORK_PATH(path, L"done\\x.vhd");
    task = start(path, 3);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_false(task_cancelable(task));
    expect_cancel_fails(task);
    expect_cancel_fails(task);
    assert_int_equal(task_result(task), RESULT_SUCCESS);
    assert_int_equal(task_error(task), 0);
    IVMTask_Release(task);
    assert_vhd(path, 3);
}

struct waiter {
    IVMTask *task;
    HRESULT hr;
    ULONGLONG returned;
};

static DWORD WINAPI waiter_thread(void *arg)
{
    struct waiter *waiter = arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    waiter->hr = IVMTask_WaitForCompletion(waiter->task, -1);
    waiter->returned = GetTickCount64();
    CoUninitialize();
    return 0;
}

static void test_cancel_wakes_waiters(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    struct waiter waiter = { NULL, E_UNEXPECTED, 0 };
    ULONGLONG started;
    HANDLE thread;
    (void)state;

    set_delay(400);
    WORK_PATH(folder, L"wake");
    WORK_PATH(path, L"wake\\x.vhd");
    started = GetTickCount64();
    waiter.task = start(path, SLOW_DISK_MB);
    thread = CreateThread(NULL, 0, waiter_thread, &waiter, 0, NULL);
    assert_non_null(thread);
    Sleep(100);
    assert_int_equal(WaitForSingleObject(thread, 0), WAIT_TIMEOUT);    /* still waiting */
    assert_int_equal(IVMTask_Cancel(waiter.task), S_OK);
    assert_int_equal(WaitForSingleObject(thread, 5000), WAIT_OBJECT_0);
    CloseHandle(thread);
    assert_int_equal(waiter.hr, S_OK);
    /* Woken by the cancel (after at most one more write), long before the five writes of
     * a full creation would have ended. */
    assert_true(waiter.returned - started < SLOW_DISK_WRITES * 400 - 600);
    check_cancelled(waiter.task, path, folder);
    IVMTask_Release(waiter.task);
}

/* --- failures in the worker --------------------------------------------------------------- */

static void check_failed(IVMTask *task, HRESULT error, const WCHAR *path, const WCHAR *folder)
{
    char *text;

    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_true(task_complete(task));
    assert_false(task_cancelable(task));
    assert_int_equal(task_result(task), RESULT_DISK_ERROR);
    assert_int_equal(task_error(task), error);
    assert_true(task_percent(task) < 100);
    text = task_error_text(task);
    if (!text[0])
        fail_msg("%s", "the failed task has an empty ErrorDescription");
    free(text);
    assert_false(path_exists(path));
    if (folder)
        assert_false(path_exists(folder));
    expect_cancel_fails(task);
}

static void test_worker_disk_full(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    IVMTask *task;
    (void)state;

    WORK_PATH(folder, L"full");
    WORK_PATH(path, L"full\\sub\\x.vhd");
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"2:112");        /* the first write */
    task = start(path, SLOW_DISK_MB);
    check_failed(task, X_E_DISK_FULL, path, folder);
    IVMTask_Release(task);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"4:112");        /* a later write */
    task = start(path, SLOW_DISK_MB);
    check_failed(task, X_E_DISK_FULL, path, folder);
    IVMTask_Release(task);
}

static void test_worker_io_error(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    IVMTask *task;
    (void)state;

    WORK_PATH(folder, L"ioerror");
    WORK_PATH(path, L"ioerror\\x.vhd");
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"2:1117");
    task = start(path, SLOW_DISK_MB);
    check_failed(task, X_E_IO_DEVICE, path, folder);
    IVMTask_Release(task);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"2");             /* the default error is the same */
    task = start(path, 3);
    check_failed(task, X_E_IO_DEVICE, path, folder);
    IVMTask_Release(task);
}

/* SQLite style: fail each I/O call of a creation in turn, from the first write to the close,
 * until the first that does not exist; each failure must leave nothing. */
struct task_job {
    const WCHAR *path, *folder;
    LONG mb;
    HRESULT expected;
};

static IVMTask *start_task_job(void *ctx)
{
    const struct task_job *job = ctx;
    return start(job->path, job->mb);
}

static void check_task_job(IVMTask *task, void *ctx)
{
    const struct task_job *job = ctx;
    check_failed(task, job->expected, job->path, job->folder);
}

static void fail_every_call(LONG mb, const WCHAR *error, HRESULT expected)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    struct task_job job = { path, folder, mb, expected };
    struct io_call_faults run = { error, 2, 64, expected, folder, start_task_job, check_task_job,
                                  &job };
    unsigned n, failures;

    WORK_PATH(folder, L"every-%ld", mb);
    WORK_PATH(path, L"every-%ld\\x.vhd", mb);
    failures = fail_io_calls_in_turn(&run, &n);
    /* create, at least one write, flush, header write, flush, close */
    if (failures < 5 || n == 64)
        fail_msg("%ld MB: %u failing calls, stopped at call %u", mb, failures, n);
    assert_vhd(path, mb);
    remove_tree(folder);
}

static void test_worker_fails_at_every_call(void **state)
{
    (void)state;
    fail_every_call(3, L"1117", X_E_IO_DEVICE);
    fail_every_call(SLOW_DISK_MB, L"112", X_E_DISK_FULL);
    fail_every_call(16384, L"1117", X_E_IO_DEVICE);
}

/* --- members ------------------------------------------------------------------------------- */

static void test_ids_and_description(void **state)
{
    IVMVirtualServer *other = support_server();
    WCHAR path[MAX_PATH];
    LONG previous = 0;
    int i;
    (void)state;

    for (i = 0; i < 6; i++) {
        IVMTask *task = NULL;
        BSTR description = NULL;
        LONG id;

        WORK_PATH(path, L"ids\\disk %d.vhd", i);
        assert_int_equal(create_disk(i % 2 ? other : support_vs, path, 3 + i, &task), S_OK);
        id = task_id(task);
        assert_true(id > previous);             /* unique and increasing in the process */
        assert_int_equal(task_id(task), id);    /* and stable */
        previous = id;
        assert_int_equal(IVMTask_get_Description(task, &description), S_OK);
        assert_non_null(description);
        if (!wcsstr(description, path))
            fail_msg("Description \"%ls\" does not name \"%ls\"", description, path);
        SysFreeString(description);
        assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
        assert_int_equal(task_id(task), id);
        IVMTask_Release(task);
    }
    IVMVirtualServer_Release(other);
    remove_tree(WORK_PATH(path, L"ids"));
}

static void test_null_out_pointers(void **state)
{
    WCHAR path[MAX_PATH];
    IVMTask *task;
    IVMTask2 *task2 = NULL;
    (void)state;

    task = start(WORK_PATH(path, L"nullout.vhd"), 3);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(IVMTask_get_PercentCompleted(task, NULL), X_E_POINTER);
    assert_int_equal(IVMTask_get_Description(task, NULL), X_E_POINTER);
    assert_int_equal(IVMTask_get_Result(task, NULL), X_E_POINTER);
    assert_int_equal(IVMTask_get_IsCancelable(task, NULL), X_E_POINTER);
    assert_int_equal(IVMTask_get_ID(task, NULL), X_E_POINTER);
    assert_int_equal(IVMTask_get_IsComplete(task, NULL), X_E_POINTER);
    assert_int_equal(IVMTask_QueryInterface(task, &IID_IVMTask2, (void **)&task2), S_OK);
    assert_int_equal(IVMTask2_get_Error(task2, NULL), X_E_POINTER);
    assert_int_equal(IVMTask2_get_ErrorDescription(task2, NULL), X_E_POINTER);
    {
        BSTR text = NULL;
        assert_int_equal(IVMTask2_get_ErrorDescription(task2, &text), S_OK);
        assert_non_null(text);
        assert_int_equal(SysStringLen(text), 0);     /* a task that did not fail */
        SysFreeString(text);
    }
    IVMTask2_Release(task2);
    IVMTask_Release(task);
}

static void test_progress(void **state)
{
    WCHAR path[MAX_PATH];
    LONG seen[256];
    size_t count = 0, i, intermediate = 0;
    LONG last = -1;
    IVMTask *task;
    (void)state;

    set_delay(150);
    task = start(WORK_PATH(path, L"progress.vhd"), SLOW_DISK_MB);
    assert_true(task_cancelable(task));
    for (;;) {
        BOOL cancelable = task_cancelable(task);
        LONG percent = task_percent(task);
        BOOL complete = task_complete(task);

        /* IsCancelable is true exactly while the task runs. */
        if (!cancelable && !complete)
            fail_msg("%s", "IsCancelable went false while the task was running");
        if (count < ARRAYSIZE(seen) && percent != last)
            seen[count++] = percent;
        last = percent;
        if (complete)
            break;
        Sleep(3);
    }
    assert_false(task_cancelable(task));
    assert_int_equal(task_percent(task), 100);
    assert_int_equal(task_result(task), RESULT_SUCCESS);
    for (i = 0; i < count; i++) {
        if (seen[i] < 0 || seen[i] > 100 || (i > 0 && seen[i] < seen[i - 1]))
            fail_msg("PercentCompleted went %ld after %ld", seen[i], i ? seen[i - 1] : -1L);
        if (seen[i] > 0 && seen[i] < 100)
            intermediate++;
    }
    /* Five slow writes: the polls must have seen the task part done, more than once. */
    if (intermediate < 2)
        fail_msg("only %u intermediate PercentCompleted values were seen", (unsigned)intermediate);
    IVMTask_Release(task);
    assert_vhd(path, SLOW_DISK_MB);
}

static void test_wait_timeouts(void **state)
{
    static const LONG invalid[] = { -2, -3, -1000, INT_MIN, 4000001, 4000002, INT_MAX };
    WCHAR path[MAX_PATH];
    ULONGLONG before, took;
    IVMTask *task;
    size_t i;
    (void)state;

    set_delay(250);
    task = start(WORK_PATH(path, L"wait1.vhd"), SLOW_DISK_MB);

    before = GetTickCount64();
    assert_int_equal(IVMTask_WaitForCompletion(task, 0), S_OK);
    assert_true(GetTickCount64() - before < 100);
    assert_false(task_complete(task));

    for (i = 0; i < ARRAYSIZE(invalid); i++) {
        SetErrorInfo(0, NULL);
        before = GetTickCount64();
        assert_int_equal(IVMTask_WaitForCompletion(task, invalid[i]), X_E_POINTER);
        assert_true(GetTickCount64() - before < 100);
        expect_error_info("4,000,000");
    }
    assert_false(task_complete(task));

    before = GetTickCount64();
    assert_int_equal(IVMTask_WaitForCompletion(task, 120), S_OK);
    took = GetTickCount64() - before;
    assert_true(took >= 100 && took < 1000);
    assert_false(task_complete(task));

    /* 4,000,000 is the largest timeout; it returns as soon as the task completes. */
    assert_int_equal(IVMTask_WaitForCompletion(task, 4000000), S_OK);
    assert_true(task_complete(task));
    assert_int_equal(task_result(task), RESULT_SUCCESS);
    before = GetTickCount64();
    assert_int_equal(IVMTask_WaitForCompletion(task, 0), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, 4000000), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_true(GetTickCount64() - before < 100);
    IVMTask_Release(task);
    assert_vhd(path, SLOW_DISK_MB);

    task = start(WORK_PATH(path, L"wait2.vhd"), SLOW_DISK_MB);
    assert_false(task_complete(task));
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_true(task_complete(task));
    assert_int_equal(task_percent(task), 100);
    IVMTask_Release(task);
    assert_vhd(path, SLOW_DISK_MB);
}

/* --- a single-threaded apartment stays responsive while it waits ------------------------ */

#define STA_ANSWER 0x5eed

struct sta {
    WCHAR path[MAX_PATH];
    HANDLE ready;
    HWND window;
    IVMTask *task;
    HRESULT create_hr, wait_hr;
    VARIANT_BOOL complete_when_answered;
    BOOL answered;
    ULONGLONG answered_at, wait_started, wait_returned;
};

static LRESULT CALLBACK sta_window_proc(HWND window, UINT message, WPARAM wparam, LPARAM lparam)
{
    if (message == WM_APP) {
        struct sta *sta = (struct sta *)GetWindowLongPtrW(window, GWLP_USERDATA);
        sta->answered_at = GetTickCount64();
        sta->answered = TRUE;
        IVMTask_get_IsComplete(sta->task, &sta->complete_when_answered);
        return STA_ANSWER;
    }
    return DefWindowProcW(window, message, wparam, lparam);
}

static DWORD WINAPI sta_thread(void *arg)
{
    struct sta *sta = arg;
    IVMVirtualServer *server = NULL;
    BSTR path;

    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    sta->window = CreateWindowExW(0, L"vsdisk-create-sta", L"", 0, 0, 0, 0, 0, HWND_MESSAGE,
                                  NULL, GetModuleHandleW(NULL), NULL);
    if (sta->window) {
        SetWindowLongPtrW(sta->window, GWLP_USERDATA, (LONG_PTR)sta);
        sta->create_hr = support_new_server(&server);
    }
    if (server) {
        path = SysAllocString(sta->path);
        sta->create_hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(server, path, SLOW_DISK_MB,
                                                                       &sta->task);
        SysFreeString(path);
    }
    SetEvent(sta->ready);
    if (sta->task) {
        sta->wait_started = GetTickCount64();
        sta->wait_hr = IVMTask_WaitForCompletion(sta->task, -1);
        sta->wait_returned = GetTickCount64();
        IVMTask_Release(sta->task);
        sta->task = NULL;
    }
    if (server)
        IVMVirtualServer_Release(server);
    if (sta->window)
        DestroyWindow(sta->window);
    CoUninitialize();
    return 0;
}

static void test_sta_wait_stays_responsive(void **state)
{
    WNDCLASSW window_class = { 0 };
    struct sta sta = { 0 };
    DWORD_PTR answer = 0;
    LRESULT sent;
    HANDLE thread;
    (void)state;

    window_class.lpfnWndProc = sta_window_proc;
    window_class.hInstance = GetModuleHandleW(NULL);
    window_class.lpszClassName = L"vsdisk-create-sta";
    assert_true(RegisterClassW(&window_class) != 0);
    set_delay(300);
    WORK_PATH(sta.path, L"sta.vhd");
    sta.create_hr = sta.wait_hr = E_UNEXPECTED;
    sta.ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    thread = CreateThread(NULL, 0, sta_thread, &sta, 0, NULL);
    assert_non_null(thread);
    assert_int_equal(WaitForSingleObject(sta.ready, 10000), WAIT_OBJECT_0);
    assert_non_null(sta.window);
    assert_int_equal(sta.create_hr, S_OK);
    Sleep(150);         /* the STA thread is now inside WaitForCompletion */
    sent = SendMessageTimeoutW(sta.window, WM_APP, 0, 0, SMTO_BLOCK, 5000, &answer);
    assert_int_equal(WaitForSingleObject(thread, 20000), WAIT_OBJECT_0);
    CloseHandle(thread);
    CloseHandle(sta.ready);
    UnregisterClassW(L"vsdisk-create-sta", GetModuleHandleW(NULL));

    assert_int_equal(sta.wait_hr, S_OK);
    assert_true(sent != 0);
    assert_true(sta.answered);
    assert_int_equal(answer, STA_ANSWER);
    /* Answered while the task was still running, long before the wait ended. */
    assert_int_equal(sta.complete_when_answered, VARIANT_FALSE);
    assert_true(sta.answered_at >= sta.wait_started);
    assert_true(sta.answered_at + 300 < sta.wait_returned);
    assert_vhd(sta.path, SLOW_DISK_MB);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cancel_running, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_after_completion, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_wakes_waiters, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_worker_disk_full, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_worker_io_error, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_worker_fails_at_every_call, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_ids_and_description, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_null_out_pointers, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_progress, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_wait_timeouts, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_sta_wait_stays_responsive, support_setup, support_teardown),
    };
    return support_run(argc, argv, "task", tests, ARRAYSIZE(tests));
}
