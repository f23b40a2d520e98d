/* Disk full on real volumes the harness (disk_full.sh) mounts: E_DISK_FULL from the call
 * when less than 8 MB is free (dynamic and differencing) or less than size + 512 (fixed), and
 * a task that ends with DiskRelatedError / E_DISK_FULL when the volume fills up while it
 * runs. Nothing may be left on either volume.
 * Usage: test_disk_full DLL TMPBASE SMALL MEDIUM
 *   SMALL   an empty 6 MiB volume; MEDIUM an empty 10 MiB volume */
#include "create_support.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define X_E_DISK_FULL ((HRESULT)0x80070070)

static WCHAR small_volume[MAX_PATH], medium_volume[MAX_PATH];

static int setup(void **state)
{
    (void)state;
    if (support_argc < 2)
        return -1;
    support_windows_path(support_argv[0], small_volume, ARRAYSIZE(small_volume));
    support_windows_path(support_argv[1], medium_volume, ARRAYSIZE(medium_volume));
    return support_setup(state);
}

static WCHAR *on(WCHAR *out, size_t size, const WCHAR *volume, const WCHAR *relative)
{
    _snwprintf(out, size - 1, L"%ls\\%ls", volume, relative);
    out[size - 1] = 0;
    return out;
}

static ULONGLONG free_bytes(const WCHAR *volume)
{
    ULARGE_INTEGER available, total, free_total;
    WCHAR root[MAX_PATH];

    on(root, ARRAYSIZE(root), volume, L"");
    assert_true(GetDiskFreeSpaceExW(root, &available, &total, &free_total));
    return available.QuadPart;
}

static void expect_empty(const WCHAR *volume)
{
    WCHAR pattern[MAX_PATH];
    WIN32_FIND_DATAW data;
    HANDLE find;

    on(pattern, ARRAYSIZE(pattern), volume, L"*");
    find = FindFirstFileW(pattern, &data);
    if (find == INVALID_HANDLE_VALUE)
        return;
    do {
        if (wcscmp(data.cFileName, L".") && wcscmp(data.cFileName, L".."))
            fail_msg("%ls holds %ls", volume, data.cFileName);
    } while (FindNextFileW(find, &data));
    FindClose(find);
}

/* Writes a file until the volume is full; returns the last error (ERROR_DISK_FULL). */
static DWORD fill(const WCHAR *path, ULONGLONG limit)
{
    static BYTE chunk[64 * 1024];
    HANDLE file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    ULONGLONG total = 0;
    DWORD error = 0;

    assert_true(file != INVALID_HANDLE_VALUE);
    memset(chunk, 0x5a, sizeof(chunk));
    while (total < limit) {
        DWORD written = 0;
        if (!WriteFile(file, chunk, sizeof(chunk), &written, NULL)) {
            error = GetLastError();
            break;
        }
        if (written == 0) {
            error = ERROR_DISK_FULL;
            break;
        }
        total += written;
    }
    CloseHandle(file);
    return error;
}

static void test_less_than_8_mb_free(void **state)
{
    WCHAR path[MAX_PATH], folder[MAX_PATH], filler[MAX_PATH];
    IVMTask *task = NULL;
    (void)state;

    assert_true(free_bytes(small_volume) < 8 * MIB);
    expect_failure(support_vs, on(path, ARRAYSIZE(path), small_volume, L"a.vhd"), 3, X_E_DISK_FULL,
                   "8 MB", path);
    on(folder, ARRAYSIZE(folder), small_volume, L"sub");
    expect_failure(support_vs, on(path, ARRAYSIZE(path), small_volume, L"sub\\deeper\\a.vhd"),
                   MAX_DISK_MB, X_E_DISK_FULL, "8 MB", folder);
    expect_empty(small_volume);

    /* It is the free space that counts, not the volume's size: 10 MiB with 3 MiB used is
     * refused, the same volume empty is accepted. */
    on(filler, ARRAYSIZE(filler), medium_volume, L"filler");
    fill(filler, 3 * MIB);
    assert_true(free_bytes(medium_volume) < 8 * MIB);
    expect_failure(support_vs, on(path, ARRAYSIZE(path), medium_volume, L"new\\a.vhd"), 3, X_E_DISK_FULL,
                   "8 MB", on(folder, ARRAYSIZE(folder), medium_volume, L"new"));
    assert_true(DeleteFileW(filler));
    assert_true(free_bytes(medium_volume) >= 8 * MIB);
    assert_int_equal(create_disk(support_vs, path, 3, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 0);
    IVMTask_Release(task);
    assert_vhd(path, 3);
    remove_tree(folder);
    expect_empty(medium_volume);
}

static void test_volume_fills_while_running(void **state)
{
    WCHAR path[MAX_PATH], folder[MAX_PATH], filler[MAX_PATH];
    IVMTask *task = NULL;
    DWORD fill_error;
    char *text;
    (void)state;

    /* The checks pass (10 MiB free); the first write comes after 400 ms; by then the
     * volume is full. */
    assert_true(free_bytes(medium_volume) >= 8 * MIB);
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"400");
    on(folder, ARRAYSIZE(folder), medium_volume, L"sub");
    on(path, ARRAYSIZE(path), medium_volume, L"sub\\deeper\\a.vhd");
    assert_int_equal(create_disk(support_vs, path, MAX_DISK_MB, &task), S_OK);
    on(filler, ARRAYSIZE(filler), medium_volume, L"filler");
    fill_error = fill(filler, 64 * MIB);
    assert_int_equal(fill_error, ERROR_DISK_FULL);
    assert_false(task_complete(task));      /* the volume filled before the first write */

    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 4);                 /* vmTaskResult_DiskRelatedError */
    assert_int_equal(task_error(task), X_E_DISK_FULL);
    text = task_error_text(task);
    if (!text[0])
        fail_msg("%s", "ErrorDescription is empty");
    free(text);
    assert_true(task_percent(task) < 100);
    IVMTask_Release(task);
    assert_false(path_exists(path));
    assert_false(path_exists(folder));
    assert_true(DeleteFileW(filler));
    expect_empty(medium_volume);

    /* With the space back, the same creation succeeds. */
    clear_hooks();
    assert_int_equal(create_disk(support_vs, path, MAX_DISK_MB, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 0);
    IVMTask_Release(task);
    assert_vhd(path, MAX_DISK_MB);
    remove_tree(folder);
    expect_empty(medium_volume);
}

static HRESULT create_fixed(const WCHAR *path, LONG mb, IVMTask **task)
{
    BSTR bstr = SysAllocString(path);
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = IVMVirtualServer_CreateFixedVirtualHardDisk(support_vs, bstr, mb, task);
    SysFreeString(bstr);
    return hr;
}

/* A fixed disk needs size + 512 bytes free before anything is written; one that fits is
 * really reserved there; a volume that fills while the reservation runs fails the task. */
static void test_fixed(void **state)
{
    WCHAR path[MAX_PATH], folder[MAX_PATH], filler[MAX_PATH];
    FILE_STANDARD_INFO info;
    IVMTask *task = (IVMTask *)(uintptr_t)1;
    HANDLE file;
    (void)state;

    on(folder, ARRAYSIZE(folder), small_volume, L"sub");
    on(path, ARRAYSIZE(path), small_volume, L"sub\\f.vhd");
    assert_int_equal(create_fixed(path, 7, &task), X_E_DISK_FULL);
    assert_null(task);
    expect_error_info("bytes free");
    assert_false(path_exists(folder));
    expect_empty(small_volume);

    assert_int_equal(create_fixed(path, 5, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 0);
    IVMTask_Release(task);
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    assert_true(GetFileInformationByHandleEx(file, FileStandardInfo, &info, sizeof(info)));
    CloseHandle(file);
    assert_true((ULONGLONG)info.EndOfFile.QuadPart == 5 * MIB + 512);
    assert_true((ULONGLONG)info.AllocationSize.QuadPart >= 5 * MIB + 512);
    assert_true(free_bytes(small_volume) < MIB);         /* the space is really taken */
    remove_tree(folder);
    expect_empty(small_volume);

    /* 8 MB fits the empty 10 MiB volume; each reservation step waits 300 ms, and meanwhile
     * the volume fills up: the task ends with E_DISK_FULL and leaves nothing. */
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"300");
    on(folder, ARRAYSIZE(folder), medium_volume, L"sub");
    on(path, ARRAYSIZE(path), medium_volume, L"sub\\f.vhd");
    assert_int_equal(create_fixed(path, 8, &task), S_OK);
    on(filler, ARRAYSIZE(filler), medium_volume, L"filler");
    assert_int_equal(fill(filler, 64 * MIB), ERROR_DISK_FULL);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 4);                 /* vmTaskResult_DiskRelatedError */
    assert_int_equal(task_error(task), X_E_DISK_FULL);
    IVMTask_Release(task);
    clear_hooks();
    assert_false(path_exists(folder));
    assert_true(DeleteFileW(filler));
    expect_empty(medium_volume);
}

/* A differencing disk needs the same 8 MB free as a dynamic one, whatever its parent. */
static void test_differencing(void **state)
{
    WCHAR parent[MAX_PATH], path[MAX_PATH], folder[MAX_PATH];
    IVMTask *task = NULL;
    BSTR a, b;
    (void)state;

    WORK_PATH(parent, L"parent.vhd");
    assert_int_equal(create_disk(support_vs, parent, 5, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    IVMTask_Release(task);
    on(folder, ARRAYSIZE(folder), small_volume, L"sub");
    on(path, ARRAYSIZE(path), small_volume, L"sub\\child.vhd");
    a = SysAllocString(path);
    b = SysAllocString(parent);
    task = (IVMTask *)(uintptr_t)1;
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMVirtualServer_CreateDifferencingVirtualHardDisk(support_vs, a, b, &task),
                     X_E_DISK_FULL);
    assert_null(task);
    expect_error_info("8 MB");
    SysFreeString(a);
    SysFreeString(b);
    assert_false(path_exists(folder));
    expect_empty(small_volume);
    DeleteFileW(parent);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_less_than_8_mb_free, setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_volume_fills_while_running, setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_fixed, setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_differencing, setup, support_teardown),
    };
    return support_run(argc, argv, "disk_full", tests, ARRAYSIZE(tests));
}
