/* CreateFixedVirtualHardDisk through the real COM server: every documented code with its
 * error information, a NULL task and nothing created; the disk itself (size + 512 bytes,
 * really allocated, zeros, footer last); the zero-writing path; progress during the
 * allocation; cancel; and every I/O call of a creation failed in turn.
 * Usage: test_create_fixed DLL TMPBASE */
#include "create_support.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define X_E_POINTER                    ((HRESULT)0x80004003)
#define X_E_INVALIDARG                 ((HRESULT)0x80070057)
#define X_E_PATH_NOT_FOUND             ((HRESULT)0x80070003)
#define X_E_BUFFER_OVERFLOW            ((HRESULT)0x8007006F)
#define X_E_DISK_FULL                  ((HRESULT)0x80070070)
#define X_E_INVALID_NAME               ((HRESULT)0x8007007B)
#define X_E_BAD_PATHNAME               ((HRESULT)0x800700A1)
#define X_E_ALREADY_EXISTS             ((HRESULT)0x800700B7)
#define X_E_IO_DEVICE                  ((HRESULT)0x8007045D)
#define X_E_CANCELLED                  ((HRESULT)0x800704C7)
#define X_DISP_E_EXCEPTION             ((HRESULT)0x80020009)
#define X_VM_E_FILE_TOO_LARGE_FOR_VOLUME ((HRESULT)0xA0040679)
#define X_VM_E_IMAGE_SIZE_TOO_LARGE    ((HRESULT)0xA0040683)
#define X_VM_E_IMAGE_SIZE_TOO_SMALL    ((HRESULT)0xA0040684)
#define RESULT_SUCCESS 0
#define RESULT_CANCELLED 1

static HRESULT create_fixed(const WCHAR *path, LONG mb, IVMTask **task)
{
    BSTR bstr = path ? SysAllocString(path) : NULL;
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = IVMVirtualServer_CreateFixedVirtualHardDisk(support_vs, bstr, mb, task);
    SysFreeString(bstr);
    return hr;
}

static void expect_fixed_failure(const WCHAR *path, LONG mb, HRESULT expected, const char *keyword,
                                 const WCHAR *absent)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;
    HRESULT hr = create_fixed(path, mb, &task);

    if (hr != expected)
        fail_msg("\"%ls\", %ld MB: got 0x%08lx, expected 0x%08lx", path ? path : L"(NULL)", mb,
                 (unsigned long)hr, (unsigned long)expected);
    if (task != NULL)
        fail_msg("\"%ls\": the failed call left a task", path ? path : L"(NULL)");
    expect_error_info(keyword);
    if (absent && path_exists(absent))
        fail_msg("\"%ls\": left %ls behind", path ? path : L"(NULL)", absent);
}

/* NULL if path is a complete fixed disk of mb MB, allocated on the volume, reading as zeros. */
static const char *fixed_problem(const WCHAR *path, LONG mb)
{
    ULONGLONG size = (ULONGLONG)mb * MIB;
    FILE_STANDARD_INFO info;
    static BYTE buffer[1 << 20];
    const char *problem = NULL;
    ULONGLONG offset;
    DWORD done;
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);

    if (file == INVALID_HANDLE_VALUE)
        return "cannot be opened";
    if (!GetFileInformationByHandleEx(file, FileStandardInfo, &info, sizeof(info))) {
        problem = "no file information";
        goto done;
    }
    if ((ULONGLONG)info.EndOfFile.QuadPart != size + 512) {
        problem = "the file is not size + 512 bytes";
        goto done;
    }
    if ((ULONGLONG)info.AllocationSize.QuadPart < size + 512) {
        problem = "the file is not allocated on the volume (sparse)";
        goto done;
    }
    for (offset = 0; offset < size; offset += sizeof(buffer)) {
        DWORD want = (DWORD)(size - offset < sizeof(buffer) ? size - offset : sizeof(buffer));
        if (!ReadFile(file, buffer, want, &done, NULL) || done != want) {
            problem = "the data area cannot be read";
            goto done;
        }
        for (DWORD i = 0; i < want; i++) {
            if (buffer[i]) {
                problem = "the data area is not all zeros";
                goto done;
            }
        }
    }
    if (!ReadFile(file, buffer, 512, &done, NULL) || done != 512 || memcmp(buffer, "conectix", 8)
        || buffer[63] != 2 || memcmp(buffer + 16, "\xff\xff\xff\xff\xff\xff\xff\xff", 8)
        || buffer[55] != (BYTE)(size >> 0) || buffer[52] != (BYTE)(size >> 24))
        problem = "the footer is not a fixed disk's of this size";
done:
    CloseHandle(file);
    return problem;
}

#define assert_fixed(path, mb) do { \
        const char *problem_ = fixed_problem((path), (mb)); \
        if (problem_) \
            fail_msg("%ls: %s", (path), problem_); \
    } while (0)

static IVMTask *start(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;
    HRESULT hr = create_fixed(path, mb, &task);

    if (hr != S_OK)
        fail_msg("\"%ls\", %ld MB: got 0x%08lx", path, mb, (unsigned long)hr);
    assert_non_null(task);
    return task;
}

static void test_codes(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH], existing[MAX_PATH], long_path[300];
    IVMTask *task;
    size_t n;
    (void)state;

    WORK_PATH(folder, L"codes");
    WORK_PATH(path, L"codes\\a.vhd");
    SetErrorInfo(0, NULL);
    assert_int_equal(create_fixed(path, 3, NULL), X_E_POINTER);
    expect_error_info("diskTask");
    expect_fixed_failure(NULL, 3, X_E_POINTER, "imagePath", NULL);
    expect_fixed_failure(path, 0, X_E_INVALIDARG, "positive", folder);
    expect_fixed_failure(path, -5, X_E_INVALIDARG, "positive", folder);
    expect_fixed_failure(path, 2, X_VM_E_IMAGE_SIZE_TOO_SMALL, "too small", folder);
    expect_fixed_failure(path, 2088961, X_VM_E_IMAGE_SIZE_TOO_LARGE, "too large", folder);
    expect_fixed_failure(L"", 3, X_E_BAD_PATHNAME, "empty", NULL);
    expect_fixed_failure(L"relative.vhd", 3, X_E_BAD_PATHNAME, "full path", NULL);
    WORK_PATH(existing, L"codes\\a*b.vhd");
    expect_fixed_failure(existing, 3, X_E_INVALID_NAME, "'*'", folder);
    WORK_PATH(long_path, L"codes\\");
    for (n = wcslen(long_path); n < 256; n++)
        long_path[n] = 'x';
    wcscpy(long_path + n, L".vhd");
    expect_fixed_failure(long_path, 3, X_E_BUFFER_OVERFLOW, "260", folder);
    expect_fixed_failure(L"Q:\\nowhere\\a.vhd", 3, X_E_PATH_NOT_FOUND, "cannot be found", NULL);
    /* E_DISK_FULL: checked before anything is written, not even the folder. */
    expect_fixed_failure(path, 2088960, X_E_DISK_FULL, "bytes free", folder);
    /* E_ALREADY_EXISTS: a finished disk is not touched. */
    task = start(path, 3);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    IVMTask_Release(task);
    expect_fixed_failure(path, 3, X_E_ALREADY_EXISTS, "already exists", NULL);
    assert_fixed(path, 3);
    remove_tree(folder);
}

static void test_file_system_limit(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    (void)state;

    WORK_PATH(folder, L"fat");
    WORK_PATH(path, L"fat\\a.vhd");
    set_hook(L"VSDISK_TEST_FILESYSTEM", L"FAT32");
    expect_fixed_failure(path, 4096, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, "FAT32", folder);
    set_hook(L"VSDISK_TEST_FILESYSTEM", L"FAT16");
    expect_fixed_failure(path, 2048, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, "FAT16", folder);
    set_hook(L"VSDISK_TEST_FILESYSTEM", NULL);
}

static void test_disks(void **state)
{
    static const LONG sizes[] = { 3, 20, 100 };
    WCHAR path[MAX_PATH], folder[MAX_PATH];
    (void)state;

    for (int zeros = 0; zeros < 2; zeros++) {
        set_hook(L"VSDISK_TEST_NO_RESERVATION", zeros ? L"1" : NULL);
        for (size_t i = 0; i < ARRAYSIZE(sizes); i++) {
            IVMTask *task;

            WORK_PATH(folder, L"disks-%d", zeros);
            WORK_PATH(path, L"disks-%d\\new\\d%ld.vhd", zeros, sizes[i]);
            task = start(path, sizes[i]);
            assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
            assert_int_equal(task_result(task), RESULT_SUCCESS);
            assert_int_equal(task_percent(task), 100);
            IVMTask_Release(task);
            assert_fixed(path, sizes[i]);
        }
        remove_tree(folder);
    }
    set_hook(L"VSDISK_TEST_NO_RESERVATION", NULL);
}

static void test_description(void **state)
{
    WCHAR path[MAX_PATH], folder[MAX_PATH];
    IVMTask *task;
    BSTR text = NULL;
    (void)state;

    WORK_PATH(folder, L"description");
    WORK_PATH(path, L"description\\d.vhd");
    task = start(path, 7);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(IVMTask_get_Description(task, &text), S_OK);
    if (!contains_ascii(text, "Create fixed virtual hard disk") || !contains_ascii(text, "(7 MB)"))
        fail_msg("description \"%ls\"", text);
    SysFreeString(text);
    IVMTask_Release(task);
    remove_tree(folder);
}

/* Allocation in 64 steps, each slowed by the hook: progress moves while it runs. */
static void test_progress_and_cancel(void **state)
{
    WCHAR path[MAX_PATH], folder[MAX_PATH];
    LONG seen[128];
    size_t count = 0;
    IVMTask *task;
    (void)state;

    WORK_PATH(folder, L"progress");
    WORK_PATH(path, L"progress\\p.vhd");
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"15");
    task = start(path, 640);
    while (!task_complete(task)) {
        LONG percent = task_percent(task);
        if (count == 0 || (percent != seen[count - 1] && count < ARRAYSIZE(seen)))
            seen[count++] = percent;
        Sleep(5);
    }
    assert_int_equal(task_result(task), RESULT_SUCCESS);
    IVMTask_Release(task);
    {
        size_t between = 0;
        for (size_t i = 0; i < count; i++) {
            if (i > 0)
                assert_true(seen[i] > seen[i - 1]);
            between += seen[i] > 0 && seen[i] < 100;
        }
        if (between < 5)
            fail_msg("only %u progress values between 0 and 100", (unsigned)between);
    }
    assert_fixed(path, 640);
    remove_tree(folder);

    /* Cancel half-way: cancelled, nothing left (the folder it made included). */
    WORK_PATH(path, L"progress\\sub\\c.vhd");
    task = start(path, 640);
    while (task_percent(task) < 20)
        Sleep(5);
    assert_int_equal(IVMTask_Cancel(task), S_OK);
    assert_int_equal(task_result(task), RESULT_CANCELLED);
    assert_int_equal(task_error(task), X_E_CANCELLED);
    IVMTask_Release(task);
    assert_false(path_exists(folder));
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", NULL);
}

/* Every I/O call of a creation failed in turn (the create, each allocation step, flush,
 * footer write, flush, close): the task fails with the error, nothing is left; then the
 * first number past the last call succeeds. Also with the zero-writing path. */
static void fail_every_call(LONG mb, const WCHAR *error, HRESULT expected, BOOL zeros)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH], value[32];
    unsigned n, failures = 0;

    set_hook(L"VSDISK_TEST_NO_RESERVATION", zeros ? L"1" : NULL);
    WORK_PATH(folder, L"every-%ld-%d", mb, zeros);
    WORK_PATH(path, L"every-%ld-%d\\x.vhd", mb, zeros);
    swprintf(value, ARRAYSIZE(value), L"1:%ls", error);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
    expect_fixed_failure(path, mb, expected == X_E_DISK_FULL ? X_E_DISK_FULL : X_DISP_E_EXCEPTION,
                         NULL, folder);
    for (n = 2; n < 128; n++) {
        IVMTask *task;

        swprintf(value, ARRAYSIZE(value), L"%u:%ls", n, error);
        set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
        task = start(path, mb);
        assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
        if (task_result(task) == RESULT_SUCCESS) {
            IVMTask_Release(task);
            break;
        }
        assert_int_equal(task_error(task), expected);
        IVMTask_Release(task);
        if (path_exists(folder))
            fail_msg("call %u failed: %ls left behind", n, folder);
        failures++;
    }
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", NULL);
    /* 3 MB: 3 allocation steps (or 3 zero writes of 1 MiB), flush, footer, flush, close. */
    if (failures != 7 || n == 128)
        fail_msg("%ld MB: %u failing calls, stopped at call %u", mb, failures, n);
    assert_fixed(path, mb);
    remove_tree(folder);
    set_hook(L"VSDISK_TEST_NO_RESERVATION", NULL);
}

static void test_fails_at_every_call(void **state)
{
    (void)state;
    fail_every_call(3, L"1117", X_E_IO_DEVICE, FALSE);
    fail_every_call(3, L"112", X_E_DISK_FULL, FALSE);
    fail_every_call(3, L"1117", X_E_IO_DEVICE, TRUE);
    fail_every_call(3, L"112", X_E_DISK_FULL, TRUE);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_codes, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_file_system_limit, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_disks, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_description, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_progress_and_cancel, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_fails_at_every_call, support_setup, support_teardown),
    };
    return support_run(argc, argv, "fixed", tests, ARRAYSIZE(tests));
}
