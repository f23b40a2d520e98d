/* The DLL's lifetime around running creations, registration-free: DllCanUnloadNow stays
 * S_FALSE while a worker runs even when the caller has released everything, the last
 * Release of the server lets the creation finish, and the DLL can then be unloaded.
 * Usage: test_lifetime DLL TMPBASE */
#include "create_support.h"

#include <stdlib.h>
#include <wchar.h>

static HRESULT (WINAPI *can_unload_now)(void);

static int group_tests_setup(void **state)
{
    (void)state;
    can_unload_now = (HRESULT (WINAPI *)(void))(void (*)(void))
        GetProcAddress(support_dll, "DllCanUnloadNow");
    return can_unload_now ? 0 : -1;
}

/* The worker lets go of the module just after the task completes. */
static void expect_unloadable_soon(void)
{
    ULONGLONG started = GetTickCount64();

    while (can_unload_now() != S_OK) {
        assert_true(GetTickCount64() - started < 2000);
        Sleep(5);
    }
}

static void test_idle_dll_can_unload(void **state)
{
    (void)state;
    assert_non_null(can_unload_now);
    assert_int_equal(can_unload_now(), S_OK);
}

/* A task outlives its server, and a finished task keeps nothing alive once released. */
static void test_task_outlives_server(void **state)
{
    IVMVirtualServer *vs = support_server();
    WCHAR path[MAX_PATH];
    IVMTask *task = NULL;
    BSTR description = NULL;
    (void)state;

    WORK_PATH(path, L"outlive.vhd");
    assert_int_equal(create_disk(vs, path, 3, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    IVMVirtualServer_Release(vs);
    assert_int_equal(can_unload_now(), S_FALSE);         /* the task is still referenced */
    assert_int_equal(task_result(task), 0);
    assert_int_equal(IVMTask_get_Description(task, &description), S_OK);
    SysFreeString(description);
    IVMTask_Release(task);
    expect_unloadable_soon();
    assert_vhd(path, 3);
}

/* The caller drops the task while it runs but keeps the server: the disk still completes. */
static void test_released_task_still_completes(void **state)
{
    IVMVirtualServer *vs = support_server();
    WCHAR path[MAX_PATH];
    IVMTask *task = NULL;
    ULONGLONG started = GetTickCount64();
    char why[160];
    (void)state;

    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"100");
    WORK_PATH(path, L"dropped\\disk.vhd");
    assert_int_equal(create_disk(vs, path, SLOW_DISK_MB, &task), S_OK);
    IVMTask_Release(task);
    while (vhd_problem(path, SLOW_DISK_MB, why, sizeof(why))) {
        assert_int_equal(can_unload_now(), S_FALSE);
        assert_true(GetTickCount64() - started < 20000);
        Sleep(10);
    }
    clear_hooks();
    IVMVirtualServer_Release(vs);
    expect_unloadable_soon();
    assert_vhd(path, SLOW_DISK_MB);
}

struct releaser {
    IVMVirtualServer *vs;
    const WCHAR *path;
    ULONGLONG released;
    BOOL disk_complete_on_return;
};

static DWORD WINAPI release_thread(void *arg)
{
    struct releaser *releaser = arg;
    char why[160];

    IVMVirtualServer_Release(releaser->vs);
    releaser->released = GetTickCount64();
    releaser->disk_complete_on_return = vhd_problem(releaser->path, SLOW_DISK_MB, why, sizeof(why)) == NULL;
    return 0;
}

/* Everything released at once while the creation runs: DllCanUnloadNow says S_FALSE until
 * the worker is done, the server's last Release returns only once the disk is complete, and
 * the DLL then unloads. Runs last: it unloads the DLL. */
static void test_release_everything_while_running(void **state)
{
    struct releaser releaser = { 0 };
    WCHAR path[MAX_PATH];
    IVMTask *task = NULL;
    HANDLE thread;
    ULONGLONG started, first_s_ok = 0;
    unsigned s_false_polls = 0;
    (void)state;

    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"200");
    WORK_PATH(path, L"unload\\disk.vhd");
    releaser.vs = support_server();
    releaser.path = path;
    started = GetTickCount64();
    assert_int_equal(create_disk(releaser.vs, path, SLOW_DISK_MB, &task), S_OK);
    IVMTask_Release(task);
    thread = CreateThread(NULL, 0, release_thread, &releaser, 0, NULL);
    assert_non_null(thread);
    for (;;) {
        HRESULT hr = can_unload_now();
        if (hr == S_OK) {
            first_s_ok = GetTickCount64();
            break;
        }
        assert_int_equal(hr, S_FALSE);
        /* While the disk is unfinished the DLL must not be unloadable. */
        s_false_polls++;
        assert_true(GetTickCount64() - started < 30000);
        Sleep(5);
    }
    /* At the first S_OK the disk is already complete. */
    assert_vhd(path, SLOW_DISK_MB);
    assert_int_equal(WaitForSingleObject(thread, 30000), WAIT_OBJECT_0);
    CloseHandle(thread);
    assert_true(releaser.disk_complete_on_return);
    /* The creation took its five slow writes; the polls saw it running. */
    assert_true(first_s_ok - started >= SLOW_DISK_WRITES * 200 - 50);
    assert_true(s_false_polls > 10);
    clear_hooks();

    /* Nothing is left that needs the DLL: it unloads (once the worker's pin is dropped). */
    assert_true(FreeLibrary(support_dll));
    started = GetTickCount64();
    while (GetModuleHandleW(L"vsdisk.dll")) {
        assert_true(GetTickCount64() - started < 10000);
        Sleep(10);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_idle_dll_can_unload, group_tests_setup),
        cmocka_unit_test_setup(test_task_outlives_server, group_tests_setup),
        cmocka_unit_test_setup(test_released_task_still_completes, group_tests_setup),
        cmocka_unit_test_setup(test_release_everything_while_running, group_tests_setup),
    };
    return support_run(argc, argv, "lifetime", tests, ARRAYSIZE(tests));
}
