/* Faults while a creation runs, through the real COM server (Wine): the volume fills up,
 * the target's folder or file is deleted, moved or replaced from the Linux side, and the
 * host process is killed (TerminateProcess from a parent). Every fault must end with no
 * file a VHD reader accepts at the target unless it is the complete disk, nothing else
 * changed on the volume (listed from the Linux side before and after), and a repeated
 * creation that works, or that reports the leftover clearly (E_ALREADY_EXISTS, "unfinished
 * disk").
 *
 * Usage:
 *   test_faults DLL HELPERS SCRATCH FULL VOLUME     the cmocka tests (faults.sh runs them)
 *     HELPERS  Linux folder with snapshot.sh and linux_run.sh; SCRATCH a Linux scratch
 *              folder; FULL an empty 10 MiB volume; VOLUME an empty larger one (Linux paths)
 *     The tests that kill a creation leave VOLUME/killed/{partial,full}.vhd for faults.sh.
 *   test_faults --child DLL PATH                     creates the largest disk at PATH (a
 *                                                    Windows path) and waits for it; exits
 *                                                    0 if the task succeeded
 *   test_faults --check-leftover DLL PATH            PATH holds what a killed creation left:
 *                                                    no reader accepts it, and creating it
 *                                                    again gives E_ALREADY_EXISTS, "unfinished" */
#include "hostile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

/* The largest disk's file is 4,186,112 bytes, written in 4 chunks of at most 1 MiB, then
 * the dynamic header: with VSDISK_TEST_WRITE_DELAY_MS each of the 5 writes waits first. */
#define FULL_FILE_SIZE 4186112ull
#define DELAY L"500"       /* ms before each write: ample time to strike between two */

static IVMVirtualServer *vs;
static const char *full_unix, *volume_unix, *dll_arg;
static WCHAR full_volume[MAX_PATH], volume[MAX_PATH], dll_path[MAX_PATH];

static WCHAR *on(WCHAR *out, size_t size, const WCHAR *base, const WCHAR *relative)
{
    _snwprintf(out, size - 1, L"%ls\\%ls", base, relative);
    out[size - 1] = 0;
    return out;
}

static char *unix_on(char *out, size_t size, const char *base, const char *relative)
{
    snprintf(out, size, "%s/%s", base, relative);
    return out;
}

static BSTR bstr(const WCHAR *text)
{
    BSTR b = SysAllocString(text);
    assert_non_null(b);
    return b;
}

static ULONGLONG file_size(const WCHAR *path)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &data))
        return (ULONGLONG)-1;
    return (ULONGLONG)data.nFileSizeHigh << 32 | data.nFileSizeLow;
}

/* Waits until the task has written something (its first write is done). */
static void wait_for_progress(IVMTask *task)
{
    ULONGLONG deadline = GetTickCount64() + 20000;

    while (task_percent(task) == 0) {
        if (GetTickCount64() > deadline)
            fail_msg("%s", "the creation made no progress in 20 s");
        Sleep(5);
    }
}

static void snapshot(struct snapshot *shot, const char *root)
{
    if (!snapshot_take(shot, root))
        fail_msg("cannot list %s", root);
}

/* The volume now differs from before by exactly the lines expected (NULL-terminated). */
static void expect_difference(const struct snapshot *before, const char *root,
                              const char *const *expected_added)
{
    struct snapshot after;
    const char **added, **removed;
    size_t added_count, removed_count, expected_count = 0, i;
    char path[1024];

    snapshot(&after, root);
    snapshot_diff(before, &after, &added, &added_count, &removed, &removed_count);
    for (i = 0; i < removed_count; i++)
        print_error("changed or removed: %s\n", removed[i]);
    while (expected_added && expected_added[expected_count])
        expected_count++;
    for (i = 0; i < added_count; i++) {
        size_t k;
        BOOL wanted = FALSE;
        snapshot_line_path(added[i], path, sizeof(path));
        for (k = 0; k < expected_count; k++)
            if (!strcmp(path, expected_added[k]))
                wanted = TRUE;
        if (!wanted)
            print_error("new: %s\n", added[i]);
    }
    if (removed_count || added_count != expected_count)
        fail_msg("%s: %lu new entries (%lu expected), %lu changed or removed", root,
                 (unsigned long)added_count, (unsigned long)expected_count,
                 (unsigned long)removed_count);
    free((void *)added);
    free((void *)removed);
    snapshot_free(&after);
}

static void expect_unchanged(const struct snapshot *before, const char *root)
{
    expect_difference(before, root, NULL);
}

static void linux_command(const char *program, const char *a, const char *b, const char *c)
{
    const char *args[] = { a, b, c, NULL };
    assert_int_equal(run_linux(program, args, 30000), 0);
}

/* Creates a 3 MB disk at path and checks it, then removes it from the Linux side
 * (remove_unix: the outermost thing the creation added). */
static void create_and_check(const WCHAR *path, const char *remove_unix)
{
    IVMTask *task = NULL;
    char why[160];
    const char *problem;
    BSTR b = bstr(path);

    assert_int_equal(create_disk(vs, b, 3, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 0);
    IVMTask_Release(task);
    SysFreeString(b);
    problem = vhd_problem(path, 3 * MIB, why, sizeof(why));
    if (problem)
        fail_msg("%ls: %s", path, problem);
    linux_command("/bin/rm", "-rf", "--", remove_unix);
}

/* Starts the slowed-down creation of the largest disk and waits for its first write. */
static IVMTask *start_slow(const WCHAR *path)
{
    IVMTask *task = NULL;
    BSTR b = bstr(path);

    set_env(L"VSDISK_TEST_WRITE_DELAY_MS", DELAY);
    assert_int_equal(create_disk(vs, b, MAX_DISK_MB, &task), S_OK);
    set_env(L"VSDISK_TEST_WRITE_DELAY_MS", NULL);
    SysFreeString(b);
    wait_for_progress(task);
    return task;
}

/* The task ended as a disk-related failure with this error, and says so in words. */
static void expect_task_failure(IVMTask *task, HRESULT error, const char *keyword)
{
    char *text;

    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 4);     /* vmTaskResult_DiskRelatedError */
    assert_int_equal((HRESULT)task_error(task), error);
    assert_true(task_percent(task) < 100);
    text = task_error_text(task);
    print_message("ErrorDescription: %s\n", text);
    if (!text[0] || (keyword && !strstr(text, keyword)))
        fail_msg("ErrorDescription \"%s\" lacks \"%s\"", text, keyword ? keyword : "(any text)");
    free(text);
}

#define FILL_LIMIT (64 * MIB)

/* Fills the small volume with one file until it is full; returns the error that stopped
 * it. Refuses a volume that is not small, and never writes more than FILL_LIMIT: run by
 * hand on an ordinary folder, it must not fill the machine's disk. */
static DWORD fill(const WCHAR *volume_root, const WCHAR *path)
{
    static BYTE chunk[64 * 1024];
    ULARGE_INTEGER available, total, free_bytes;
    ULONGLONG written_total = 0;
    HANDLE file;
    DWORD error = 0, written;

    assert_true(GetDiskFreeSpaceExW(volume_root, &available, &total, &free_bytes));
    if (total.QuadPart > FILL_LIMIT)
        fail_msg("refusing to fill a volume of %llu bytes: FULL must be a small tmpfs",
                 (unsigned long long)total.QuadPart);
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    memset(chunk, 0x5a, sizeof(chunk));
    while (written_total < FILL_LIMIT) {
        if (!WriteFile(file, chunk, sizeof(chunk), &written, NULL)) {
            error = GetLastError();
            break;
        }
        if (written < sizeof(chunk)) {
            error = ERROR_DISK_FULL;
            break;
        }
        written_total += written;
    }
    CloseHandle(file);
    return error;
}

/* a. The volume fills up in the middle of the creation. */
static void test_disk_fills_midway(void **state)
{
    static const char *const filler_only[] = { "filler", NULL };
    WCHAR path[MAX_PATH], filler[MAX_PATH], root[MAX_PATH];
    char folder_unix[MAX_PATH];
    struct snapshot before;
    IVMTask *task;
    (void)state;

    snapshot(&before, full_unix);
    on(root, ARRAYSIZE(root), full_volume, L"");
    on(path, ARRAYSIZE(path), full_volume, L"sub\\deeper\\a.vhd");
    task = start_slow(path);
    assert_true(file_size(path) > 0 && file_size(path) < FULL_FILE_SIZE);
    assert_int_equal(fill(root, on(filler, ARRAYSIZE(filler), full_volume, L"filler")), ERROR_DISK_FULL);
    expect_task_failure(task, X_E_DISK_FULL, NULL);
    IVMTask_Release(task);
    expect_difference(&before, full_unix, filler_only);    /* no disk, no folders */

    /* Space back: the same creation works. */
    assert_true(DeleteFileW(filler));
    expect_unchanged(&before, full_unix);
    create_and_check(path, unix_on(folder_unix, sizeof(folder_unix), full_unix, "sub"));
    expect_unchanged(&before, full_unix);
    snapshot_free(&before);
}

/* b. The target's folder is deleted (rm -rf from Linux, where unlinking an open file
 * works) while the task writes: the task must fail, not report a disk that is gone. */
static void test_folder_deleted(void **state)
{
    WCHAR path[MAX_PATH];
    char gone[MAX_PATH];
    struct snapshot before;
    IVMTask *task;
    (void)state;

    snapshot(&before, volume_unix);
    on(path, ARRAYSIZE(path), volume, L"gone\\sub\\a.vhd");
    task = start_slow(path);
    linux_command("/bin/rm", "-rf", "--", unix_on(gone, sizeof(gone), volume_unix, "gone"));
    expect_task_failure(task, X_E_FILE_NOT_FOUND, "deleted or moved while the disk was being created");
    IVMTask_Release(task);
    assert_true(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES);
    expect_unchanged(&before, volume_unix);

    create_and_check(path, gone);
    expect_unchanged(&before, volume_unix);
    snapshot_free(&before);
}

/* The file alone is deleted; the folder the task made is removed when it fails. */
static void test_file_deleted(void **state)
{
    WCHAR path[MAX_PATH];
    char file[MAX_PATH], folder[MAX_PATH];
    struct snapshot before;
    IVMTask *task;
    (void)state;

    snapshot(&before, volume_unix);
    on(path, ARRAYSIZE(path), volume, L"del\\a.vhd");
    task = start_slow(path);
    linux_command("/bin/rm", "-f", "--", unix_on(file, sizeof(file), volume_unix, "del/a.vhd"));
    expect_task_failure(task, X_E_FILE_NOT_FOUND, "deleted or moved");
    IVMTask_Release(task);
    expect_unchanged(&before, volume_unix);

    create_and_check(path, unix_on(folder, sizeof(folder), volume_unix, "del"));
    expect_unchanged(&before, volume_unix);
    snapshot_free(&before);
}

/* The folder is moved away: the file the task was writing lives on under the new name,
 * where it must not be a disk any reader accepts (it is emptied through the task's
 * handle; Wine's delete-on-close goes by the old name and misses it). */
static void test_folder_moved(void **state)
{
    static const char *const moved[] = {
        "moved-away", "moved-away/sub", "moved-away/sub/a.vhd", NULL
    };
    WCHAR path[MAX_PATH], moved_file[MAX_PATH];
    char from[MAX_PATH], to[MAX_PATH], folder[MAX_PATH];
    struct snapshot before;
    IVMTask *task;
    (void)state;

    snapshot(&before, volume_unix);
    on(path, ARRAYSIZE(path), volume, L"moved\\sub\\a.vhd");
    task = start_slow(path);
    linux_command("/bin/mv", "--", unix_on(from, sizeof(from), volume_unix, "moved"),
                  unix_on(to, sizeof(to), volume_unix, "moved-away"));
    expect_task_failure(task, X_E_FILE_NOT_FOUND, "deleted or moved");
    IVMTask_Release(task);
    assert_true(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES);
    on(moved_file, ARRAYSIZE(moved_file), volume, L"moved-away\\sub\\a.vhd");
    assert_true(vhd_refused(moved_file));
    assert_int_equal(file_size(moved_file), 0);
    expect_difference(&before, volume_unix, moved);

    linux_command("/bin/rm", "-rf", "--", to);
    create_and_check(path, unix_on(folder, sizeof(folder), volume_unix, "moved"));
    expect_unchanged(&before, volume_unix);
    snapshot_free(&before);
}

/* The file is deleted and someone else's file takes its name: the task must fail, and the
 * other file must be left exactly as it is (no delete or truncate by name). */
static void test_file_replaced(void **state)
{
    static const char theirs[] = "someone else's file, not a disk\n";
    static const char *const replaced[] = { "rep", "rep/a.vhd", NULL };
    WCHAR path[MAX_PATH];
    char file[MAX_PATH], folder[MAX_PATH], buffer[128] = { 0 };
    struct snapshot before;
    IVMTask *task = NULL;
    HANDLE handle;
    DWORD done;
    BSTR b;
    char *text;
    (void)state;

    snapshot(&before, volume_unix);
    on(path, ARRAYSIZE(path), volume, L"rep\\a.vhd");
    task = start_slow(path);
    linux_command("/bin/rm", "-f", "--", unix_on(file, sizeof(file), volume_unix, "rep/a.vhd"));
    handle = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(handle != INVALID_HANDLE_VALUE);
    assert_true(WriteFile(handle, theirs, sizeof(theirs) - 1, &done, NULL));
    CloseHandle(handle);
    expect_task_failure(task, X_E_FILE_NOT_FOUND, "deleted or moved");
    IVMTask_Release(task);

    handle = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(handle != INVALID_HANDLE_VALUE);
    assert_true(ReadFile(handle, buffer, sizeof(buffer) - 1, &done, NULL));
    CloseHandle(handle);
    assert_string_equal(buffer, theirs);
    expect_difference(&before, volume_unix, replaced);

    /* Their file stays theirs: a new creation is refused, in plain words. */
    b = bstr(path);
    assert_int_equal(create_disk(vs, b, 3, &task), X_E_ALREADY_EXISTS);
    text = error_description();
    assert_non_null(text);
    assert_non_null(strstr(text, "already exists"));
    free(text);
    DeleteFileW(path);
    create_and_check(path, unix_on(folder, sizeof(folder), volume_unix, "rep"));
    expect_unchanged(&before, volume_unix);
    SysFreeString(b);
    snapshot_free(&before);
}

/* --- the host process killed ------------------------------------------------------ */

enum kill_point { KILL_BEFORE_FIRST_WRITE, KILL_PARTIAL, KILL_BEFORE_HEADER };

/* Starts a child process creating the largest disk at path, slowed down, and terminates
 * it at the given point. */
static void kill_child_at(const WCHAR *path, enum kill_point point)
{
    WCHAR command[3 * MAX_PATH], self[MAX_PATH];
    STARTUPINFOW startup;
    PROCESS_INFORMATION process;
    ULONGLONG deadline = GetTickCount64() + 30000, size;

    GetModuleFileNameW(NULL, self, ARRAYSIZE(self));
    _snwprintf(command, ARRAYSIZE(command) - 1, L"\"%ls\" --child \"%ls\" \"%ls\"", self, dll_path, path);
    command[ARRAYSIZE(command) - 1] = 0;
    memset(&startup, 0, sizeof(startup));
    startup.cb = sizeof(startup);
    set_env(L"VSDISK_TEST_WRITE_DELAY_MS", L"400");
    assert_true(CreateProcessW(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &process));
    set_env(L"VSDISK_TEST_WRITE_DELAY_MS", NULL);
    for (;;) {
        size = file_size(path);
        if (point == KILL_BEFORE_FIRST_WRITE && size == 0)
            break;
        if (point == KILL_PARTIAL && size != (ULONGLONG)-1 && size > 0)
            break;
        if (point == KILL_BEFORE_HEADER && size == FULL_FILE_SIZE)
            break;
        if (GetTickCount64() > deadline || WaitForSingleObject(process.hProcess, 0) == WAIT_OBJECT_0) {
            TerminateProcess(process.hProcess, 1);
            fail_msg("the child did not reach the point to kill it at (file size %llu)",
                     (unsigned long long)size);
        }
        Sleep(2);
    }
    assert_true(TerminateProcess(process.hProcess, 9));
    assert_int_equal(WaitForSingleObject(process.hProcess, 30000), WAIT_OBJECT_0);
    CloseHandle(process.hProcess);
    CloseHandle(process.hThread);
    print_message("killed at %llu bytes: %ls\n", (unsigned long long)file_size(path), path);
}

/* What a killed creation left at path: no reader accepts it, and a new creation there gets
 * E_ALREADY_EXISTS with the description given, and leaves the leftover as it was. */
static int check_leftover(const WCHAR *path, const char *keyword)
{
    DWORD size_before = 0, size_after = 0;
    HANDLE file;
    IVMTask *task = NULL;
    BYTE *before, *after;
    HRESULT hr;
    char *text;
    BSTR b;
    int problems = 0;

    if (!vhd_refused(path)) {
        fprintf(stderr, "FAIL: %ls is accepted as a disk\n", path);
        problems++;
    }
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "FAIL: no leftover at %ls\n", path);
        return 1;
    }
    size_before = GetFileSize(file, NULL);
    before = malloc(size_before + 1);
    ReadFile(file, before, size_before, &size_before, NULL);
    CloseHandle(file);

    b = SysAllocString(path);
    hr = create_disk(vs, b, 3, &task);
    text = error_description();
    SysFreeString(b);
    if (hr != X_E_ALREADY_EXISTS || task) {
        fprintf(stderr, "FAIL: creating %ls again returned 0x%08lx, expected E_ALREADY_EXISTS\n",
                path, (unsigned long)hr);
        problems++;
        if (task)
            IVMTask_Release(task);
    }
    if (!text || !strstr(text, keyword)) {
        fprintf(stderr, "FAIL: the description \"%s\" lacks \"%s\"\n", text ? text : "", keyword);
        problems++;
    } else {
        printf("E_ALREADY_EXISTS: %s\n", text);
    }
    free(text);

    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    size_after = GetFileSize(file, NULL);
    after = malloc(size_after + 1);
    ReadFile(file, after, size_after, &size_after, NULL);
    CloseHandle(file);
    if (size_after != size_before || memcmp(before, after, size_before)) {
        fprintf(stderr, "FAIL: %ls changed\n", path);
        problems++;
    }
    free(before);
    free(after);
    return problems;
}

static void test_killed_before_first_write(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    /* An empty file: nothing says who left it, so the description is the plain one. */
    on(path, ARRAYSIZE(path), volume, L"killed\\empty.vhd");
    kill_child_at(path, KILL_BEFORE_FIRST_WRITE);
    assert_int_equal(file_size(path), 0);
    assert_int_equal(check_leftover(path, "a file or folder already exists there"), 0);
    assert_true(DeleteFileW(path));
}

static void test_killed_midway(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    on(path, ARRAYSIZE(path), volume, L"killed\\partial.vhd");
    kill_child_at(path, KILL_PARTIAL);
    assert_true(file_size(path) > 0 && file_size(path) < FULL_FILE_SIZE);
    assert_int_equal(check_leftover(path, UNFINISHED_TEXT), 0);
}

static void test_killed_before_header(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    /* Full size, both footers in place: only the missing dynamic header tells. */
    on(path, ARRAYSIZE(path), volume, L"killed\\full.vhd");
    kill_child_at(path, KILL_BEFORE_HEADER);
    assert_int_equal(file_size(path), FULL_FILE_SIZE);
    assert_int_equal(check_leftover(path, UNFINISHED_TEXT), 0);
}

static int group_setup(void **state)
{
    (void)state;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) || !hostile_load(dll_arg))
        return -1;
    vs = hostile_server();
    return vs ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (vs)
        IVMVirtualServer_Release(vs);
    CoUninitialize();
    return 0;
}

static int child(const char *path_arg)
{
    WCHAR path[MAX_PATH];
    IVMTask *task = NULL;
    BSTR b;
    HRESULT hr;

    MultiByteToWideChar(CP_UTF8, 0, path_arg, -1, path, ARRAYSIZE(path));
    b = SysAllocString(path);
    hr = create_disk(vs, b, MAX_DISK_MB, &task);
    if (FAILED(hr)) {
        fprintf(stderr, "child: CreateDynamicVirtualHardDisk returned 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    IVMTask_WaitForCompletion(task, -1);
    printf("child: the creation finished with Result %ld\n", task_result(task));
    return task_result(task) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_fills_midway),
        cmocka_unit_test(test_folder_deleted),
        cmocka_unit_test(test_file_deleted),
        cmocka_unit_test(test_folder_moved),
        cmocka_unit_test(test_file_replaced),
        cmocka_unit_test(test_killed_before_first_write),
        cmocka_unit_test(test_killed_midway),
        cmocka_unit_test(test_killed_before_header),
    };
    int rc;

    if (argc == 4 && (!strcmp(argv[1], "--child") || !strcmp(argv[1], "--check-leftover"))) {
        WCHAR path[MAX_PATH];
        if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) || !hostile_load(argv[2])
            || !(vs = hostile_server()))
            return 2;
        if (!strcmp(argv[1], "--child"))
            return child(argv[3]);
        MultiByteToWideChar(CP_UTF8, 0, argv[3], -1, path, ARRAYSIZE(path));
        rc = check_leftover(path, UNFINISHED_TEXT);
        IVMVirtualServer_Release(vs);
        CoUninitialize();
        return rc;
    }
    if (argc != 6) {
        fprintf(stderr, "usage: %s DLL HELPERS SCRATCH FULL VOLUME\n", argv[0]);
        return 2;
    }
    {
        WCHAR given[MAX_PATH];
        windows_path(argv[1], given, ARRAYSIZE(given));
        GetFullPathNameW(given, ARRAYSIZE(dll_path), dll_path, NULL);   /* for the child */
    }
    dll_arg = argv[1];
    linux_setup(argv[2], argv[3]);
    full_unix = argv[4];
    volume_unix = argv[5];
    windows_path(full_unix, full_volume, ARRAYSIZE(full_volume));
    windows_path(volume_unix, volume, ARRAYSIZE(volume));
    return cmocka_run_group_tests_name("faults", tests, group_setup, group_teardown);
}
