/* Fails each of the DLL's allocations in turn (VSDISK_TEST_FAIL_ALLOCATION=n) through a whole
 * session — server, IDispatch by name, a creation in a new folder, the task list, opening
 * the new disk with GetHardDisk and reading its properties — and checks
 * that every failure comes back as E_OUTOFMEMORY or a task ending in OutOfMemoryError, that a
 * failed creation leaves nothing behind, and that nothing leaks (the DLL's own count of live
 * allocations when it unloads, VSDISK_TEST_ALLOCATION_REPORT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "com_test.h"

static char dll_path[MAX_PATH];
static WCHAR scratch[MAX_PATH];
static WCHAR report[MAX_PATH];

struct session_outcome {
    BOOL failed;                /* something reported running out of memory */
    BOOL disk_created;          /* the task completed with success */
};

static BOOL out_of_memory(HRESULT hr)
{
    if (hr == E_OUTOFMEMORY)
        return TRUE;
    assert_int_equal(hr, S_OK);     /* no other failure may appear */
    return FALSE;
}

/* One session with the DLL; returns what failed. */
static struct session_outcome run_session(const struct dll_under_test *dll, const WCHAR *disk)
{
    struct session_outcome outcome = { FALSE, FALSE };
    IClassFactory *factory = NULL;
    IVMVirtualServer *server = NULL;
    IVMTaskCollection *tasks = NULL;
    IVMTask *task = NULL;
    IVMTask2 *task2 = NULL;
    LPOLESTR name = (LPOLESTR)L"CreateDynamicVirtualHardDisk";
    DISPID id;
    BSTR path = SysAllocString(disk);
    HRESULT hr;

    assert_int_equal(dll->get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory, (void **)&factory), S_OK);
    hr = IClassFactory_CreateInstance(factory, NULL, &IID_IVMVirtualServer, (void **)&server);
    IClassFactory_Release(factory);
    if ((outcome.failed = out_of_memory(hr)))
        goto done;
    hr = IVMVirtualServer_GetIDsOfNames(server, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id);
    if ((outcome.failed = out_of_memory(hr)))
        goto done;
    hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(server, path, 3, &task);
    if ((outcome.failed = out_of_memory(hr))) {
        assert_null(task);
        goto done;
    }
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(IVMTask_QueryInterface(task, &IID_IVMTask2, (void **)&task2), S_OK);
    {
        VMTaskResult result = vmTaskResult_UnexpectedError;
        LONG error = 0;
        assert_int_equal(IVMTask2_get_Result(task2, &result), S_OK);
        assert_int_equal(IVMTask2_get_Error(task2, &error), S_OK);
        if (result == vmTaskResult_OutOfMemoryError) {
            assert_int_equal(error, E_OUTOFMEMORY);
            outcome.failed = TRUE;
        } else {
            assert_int_equal(result, vmTaskResult_Success);
            outcome.disk_created = TRUE;
        }
    }
    hr = IVMVirtualServer_get_Tasks(server, &tasks);
    if (out_of_memory(hr))
        outcome.failed = TRUE;
    if (outcome.disk_created) {
        /* Opening the new disk and reading it. */
        IVMHardDisk *disk = NULL, *parent = NULL;
        VMHardDiskType type;
        VARIANT size;
        hr = IVMVirtualServer_GetHardDisk(server, path, &disk);
        if (out_of_memory(hr)) {
            assert_null(disk);
            outcome.failed = TRUE;
        } else {
            if (out_of_memory(IVMHardDisk_get_Type(disk, &type)))
                outcome.failed = TRUE;
            if (out_of_memory(IVMHardDisk_get_SizeInGuest(disk, &size)))
                outcome.failed = TRUE;
            hr = IVMHardDisk_get_Parent(disk, &parent);
            if (hr != S_FALSE && out_of_memory(hr))
                outcome.failed = TRUE;
            assert_null(parent);
            IVMHardDisk_Release(disk);
        }
    }

done:
    if (tasks)
        IVMTaskCollection_Release(tasks);
    if (task2)
        IVMTask2_Release(task2);
    if (task)
        IVMTask_Release(task);
    if (server)
        IVMVirtualServer_Release(server);
    SysFreeString(path);
    return outcome;
}

static void read_report(LONG *calls, LONG *live)
{
    FILE *file = _wfopen(report, L"r");

    assert_non_null(file);
    assert_int_equal(fscanf(file, "calls=%ld live=%ld", calls, live), 2);
    fclose(file);
}

static void test_every_allocation_fails_cleanly(void **state)
{
    WCHAR folder[MAX_PATH], disk[MAX_PATH];
    LONG n, calls = 0, live = 0, failures = 0;

    (void)state;
    swprintf(folder, ARRAYSIZE(folder), L"%ls\\new folder", scratch);
    swprintf(disk, ARRAYSIZE(disk), L"%ls\\oom.vhd", folder);
    DeleteFileW(disk);              /* what an interrupted earlier run may have left */
    RemoveDirectoryW(folder);
    for (n = 1; ; n++) {
        struct dll_under_test dll;
        struct session_outcome outcome;
        char value[16];
        char *argv[2] = { (char *)"test", dll_path };
        int waited;

        snprintf(value, sizeof(value), "%ld", n);
        SetEnvironmentVariableA("VSDISK_TEST_FAIL_ALLOCATION", value);
        DeleteFileW(report);
        dll_load(&dll, 2, argv);
        outcome = run_session(&dll, disk);
        /* The worker lets go of the DLL just after the task completes. */
        for (waited = 0; dll.can_unload_now() != S_OK && waited < 5000; waited += 10)
            Sleep(10);
        assert_int_equal(dll.can_unload_now(), S_OK);
        assert_true(FreeLibrary(dll.module));
        assert_null(GetModuleHandleA(dll_path));   /* really unloaded: the report is written */
        read_report(&calls, &live);
        if (live != 0)
            fail_msg("allocation %ld failed: %ld allocations leaked", n, live);
        if (outcome.disk_created) {
            assert_int_not_equal(GetFileAttributesW(disk), INVALID_FILE_ATTRIBUTES);
            assert_true(DeleteFileW(disk));
            assert_true(RemoveDirectoryW(folder));
        } else {
            /* A failed creation leaves neither the file nor the folder it made. */
            if (GetFileAttributesW(folder) != INVALID_FILE_ATTRIBUTES)
                fail_msg("allocation %ld failed: the creation left %ls behind", n,
                         GetFileAttributesW(disk) != INVALID_FILE_ATTRIBUTES ? disk : folder);
        }
        if (n > calls) {
            /* The n-th allocation never happened: the session ran whole and succeeded. */
            assert_false(outcome.failed);
            assert_true(outcome.disk_created);
            break;
        }
        if (outcome.failed)
            failures++;
    }
    SetEnvironmentVariableA("VSDISK_TEST_FAIL_ALLOCATION", NULL);
    printf("# %ld allocations failed in turn, %ld reported as out of memory, none leaked\n",
           calls, failures);
    assert_true(calls >= 10);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_cleanly),
    };

    if (argc < 3) {
        fprintf(stderr, "usage: test_out_of_memory DLL SCRATCH-FOLDER\n");
        return 2;
    }
    if (!GetFullPathNameA(argv[1], sizeof(dll_path), dll_path, NULL))
        return 2;
    windows_path(argv[2], scratch, ARRAYSIZE(scratch));
    CreateDirectoryW(scratch, NULL);
    swprintf(report, ARRAYSIZE(report), L"%ls\\allocation-report.txt", scratch);
    SetEnvironmentVariableW(L"VSDISK_TEST_ALLOCATION_REPORT", report);
    return cmocka_run_group_tests(tests, com_setup_mta, com_teardown);
}
