/* CreateDifferencingVirtualHardDisk through the real COM server: Virtual Server's path rule,
 * every documented code with its error information and nothing created, children of vsdisk's
 * own disks and of every sample checked field by field, the parent never changed by one byte
 * (nor its size or last-write time), cancel, and every I/O call failed in turn.
 * Usage: test_create_differencing DLL TMPBASE SAMPLES_DIR */
#include "create_support.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define X_E_POINTER                    ((HRESULT)0x80004003)
#define X_E_PATH_NOT_FOUND             ((HRESULT)0x80070003)
#define X_E_BUFFER_OVERFLOW            ((HRESULT)0x8007006F)
#define X_E_INVALID_NAME               ((HRESULT)0x8007007B)
#define X_E_BAD_PATHNAME               ((HRESULT)0x800700A1)
#define X_E_ALREADY_EXISTS             ((HRESULT)0x800700B7)
#define X_E_IO_DEVICE                  ((HRESULT)0x8007045D)
#define X_E_CANCELLED                  ((HRESULT)0x800704C7)
#define X_DISP_E_EXCEPTION             ((HRESULT)0x80020009)
#define X_VM_E_PARENT_PATH_NOT_FOUND   ((HRESULT)0xA0040677)
#define X_VM_E_FILE_TOO_LARGE_FOR_VOLUME ((HRESULT)0xA0040679)
#define X_VM_E_INVALID_HD_FILE         ((HRESULT)0xA0040682)
#define X_VM_E_IMAGE_SIZE_TOO_LARGE    ((HRESULT)0xA0040683)
#define X_VM_E_IMAGE_SIZE_TOO_SMALL    ((HRESULT)0xA0040684)
#define RESULT_SUCCESS 0
#define RESULT_CANCELLED 1

static WCHAR samples[MAX_PATH];

static HRESULT create_child(const WCHAR *path, const WCHAR *parent, IVMTask **task)
{
    BSTR a = path ? SysAllocString(path) : NULL, b = parent ? SysAllocString(parent) : NULL;
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = IVMVirtualServer_CreateDifferencingVirtualHardDisk(support_vs, a, b, task);
    SysFreeString(a);
    SysFreeString(b);
    return hr;
}

static void expect_child_failure(const WCHAR *path, const WCHAR *parent, HRESULT expected,
                                 const char *keyword, const WCHAR *absent)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;
    HRESULT hr = create_child(path, parent, &task);

    if (hr != expected)
        fail_msg("\"%ls\" <- \"%ls\": got 0x%08lx, expected 0x%08lx", path ? path : L"(NULL)",
                 parent ? parent : L"(NULL)", (unsigned long)hr, (unsigned long)expected);
    if (task != NULL)
        fail_msg("\"%ls\": the failed call left a task", path ? path : L"(NULL)");
    expect_error_info(keyword);
    if (absent && path_exists(absent))
        fail_msg("\"%ls\": left %ls behind", path ? path : L"(NULL)", absent);
}

static IVMTask *start_child(const WCHAR *path, const WCHAR *parent)
{
    IVMTask *task = NULL;
    HRESULT hr = create_child(path, parent, &task);

    if (hr != S_OK)
        fail_msg("\"%ls\" <- \"%ls\": got 0x%08lx", path, parent, (unsigned long)hr);
    assert_non_null(task);
    return task;
}

static void make_child(const WCHAR *path, const WCHAR *parent)
{
    IVMTask *task = start_child(path, parent);

    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    if (task_result(task) != RESULT_SUCCESS)
        fail_msg("\"%ls\": the task ended with result %ld, error 0x%08lx", path, task_result(task),
                 (unsigned long)task_error(task));
    IVMTask_Release(task);
}

static void make_dynamic(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;

    assert_int_equal(create_disk(support_vs, path, mb, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), RESULT_SUCCESS);
    IVMTask_Release(task);
}

static void copy_sample(const WCHAR *name, const WCHAR *to)
{
    WCHAR from[MAX_PATH];

    _snwprintf(from, ARRAYSIZE(from) - 1, L"%ls\\%ls", samples, name);
    from[ARRAYSIZE(from) - 1] = 0;
    if (!CopyFileW(from, to, TRUE))
        fail_msg("cannot copy %ls to %ls (error %lu)", from, to, GetLastError());
}

static ULONGLONG be(const BYTE *p, int bytes)
{
    ULONGLONG v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

/* What must not change about a parent: its bytes, size and last-write time. */
struct snapshot {
    BYTE *bytes;
    DWORD size;
    FILETIME written;
};

static void take(struct snapshot *s, const WCHAR *path)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    assert_true(GetFileTime(file, NULL, NULL, &s->written));
    CloseHandle(file);
    s->bytes = read_file(path, &s->size);
    assert_non_null(s->bytes);
}

static void assert_unchanged(struct snapshot *s, const WCHAR *path)
{
    struct snapshot now;

    take(&now, path);
    if (now.size != s->size || memcmp(now.bytes, s->bytes, s->size)
        || CompareFileTime(&now.written, &s->written) != 0)
        fail_msg("the parent %ls changed", path);
    free(now.bytes);
}

/* The child against its parent: kind, size, geometry, parent id, W2ku = the parent's full
 * path, W2ru = relative (if not NULL), the header's name = the full path (UTF-16BE). */
static void check_child(const WCHAR *child, const WCHAR *parent, const WCHAR *relative)
{
    DWORD child_size, parent_size;
    BYTE *c = read_file(child, &child_size), *p = read_file(parent, &parent_size);
    const BYTE *cf, *pf, *h;
    size_t length = wcslen(parent);

    assert_non_null(c);
    assert_non_null(p);
    cf = c + child_size - 512;
    pf = p + parent_size - 512;
    h = c + 512;
    assert_memory_equal(cf, "conectix", 8);
    assert_memory_equal(c, cf, 512);
    assert_int_equal(be(cf + 60, 4), 4);                       /* differencing */
    assert_true(be(cf + 48, 8) == be(pf + 48, 8));             /* the parent's size */
    assert_memory_equal(cf + 56, pf + 56, 4);                  /* and geometry */
    assert_memory_equal(h, "cxsparse", 8);
    assert_true(be(h + 16, 8) == 8192);
    assert_memory_equal(h + 40, pf + 68, 16);                  /* parent unique id */
    assert_true(be(h + 56, 4) != 0);                           /* the parent's last write */
    for (size_t i = 0; i < length; i++)
        assert_int_equal(be(h + 64 + 2 * i, 2), parent[i]);
    assert_memory_equal(h + 576, "W2ku", 4);
    assert_int_equal(be(h + 576 + 8, 4), length * 2);
    assert_memory_equal(c + be(h + 576 + 16, 8), parent, length * 2);   /* UTF-16LE */
    if (relative) {
        size_t n = wcslen(relative);
        assert_memory_equal(h + 600, "W2ru", 4);
        assert_int_equal(be(h + 600 + 8, 4), n * 2);
        if (memcmp(c + be(h + 600 + 16, 8), relative, n * 2))
            fail_msg("%ls: the W2ru locator is not \"%ls\"", child, relative);
    }
    free(c);
    free(p);
}

/* A fixed disk of bytes (a multiple of 512) made here: a footer at offset bytes, the data
 * area before it a hole (zeros). */
static void write_fixed(const WCHAR *path, ULONGLONG bytes)
{
    BYTE f[512] = { 0 };
    ULONG sum = 0;
    LARGE_INTEGER at;
    DWORD done;
    HANDLE file;

    memcpy(f, "conectix", 8);
    f[11] = 2;                                   /* features */
    f[13] = 1;                                   /* version 1.0 */
    memset(f + 16, 0xFF, 8);                     /* data offset: none */
    memcpy(f + 28, "test", 4);
    for (int i = 0; i < 8; i++)
        f[40 + i] = f[48 + i] = (BYTE)(bytes >> (56 - 8 * i));
    f[56] = 0xFF; f[57] = 0xFF; f[58] = 16; f[59] = 255;
    f[63] = 2;                                   /* fixed */
    f[68] = 0x42;
    for (int i = 0; i < 512; i++)
        sum += f[i];
    sum = ~sum;
    for (int i = 0; i < 4; i++)
        f[64 + i] = (BYTE)(sum >> (24 - 8 * i));
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    at.QuadPart = (LONGLONG)bytes;
    assert_true(SetFilePointerEx(file, at, NULL, FILE_BEGIN));
    assert_true(WriteFile(file, f, sizeof(f), &done, NULL) && done == sizeof(f));
    CloseHandle(file);
}

static void test_children(void **state)
{
    WCHAR base[MAX_PATH], vm[MAX_PATH], parent[MAX_PATH], child[MAX_PATH], relative[MAX_PATH];
    struct snapshot before;
    static const WCHAR *const names[] = { L"qemu.vhd", L"vbox.vhd", L"xapi.vhd", L"win8.vhd",
                                          L"win8.1-1GB.vhd", L"win8-child.vhd" };
    (void)state;

    WORK_PATH(base, L"base");
    WORK_PATH(vm, L"vm");
    make_folder(base);
    make_folder(vm);
    WORK_PATH(parent, L"base\\dynamic.vhd");
    make_dynamic(parent, 10);
    take(&before, parent);

    /* Both paths full. */
    WORK_PATH(child, L"vm\\child.vhd");
    make_child(child, parent);
    check_child(child, parent, L"..\\base\\dynamic.vhd");
    assert_unchanged(&before, parent);
    /* imagePath relative: taken in the parent's folder. */
    make_child(L"child-here.vhd", parent);
    WORK_PATH(child, L"base\\child-here.vhd");
    check_child(child, parent, L".\\dynamic.vhd");
    /* parentPath relative: taken against the child's folder. */
    WORK_PATH(child, L"vm\\child2.vhd");
    make_child(child, L"..\\base\\dynamic.vhd");
    check_child(child, parent, L"..\\base\\dynamic.vhd");
    /* A child of a child, and a folder made on the way. */
    WORK_PATH(relative, L"vm\\new\\grandchild.vhd");
    make_child(relative, child);
    check_child(relative, child, L"..\\child2.vhd");
    assert_unchanged(&before, parent);
    free(before.bytes);

    /* A child of every sample (win8-child's own parent, win8.vhd, next to it). */
    for (size_t i = 0; i < ARRAYSIZE(names); i++) {
        _snwprintf(parent, ARRAYSIZE(parent) - 1, L"%ls\\%ls", base, names[i]);
        parent[ARRAYSIZE(parent) - 1] = 0;
        copy_sample(names[i], parent);
    }
    for (size_t i = 0; i < ARRAYSIZE(names); i++) {
        _snwprintf(parent, ARRAYSIZE(parent) - 1, L"%ls\\%ls", base, names[i]);
        parent[ARRAYSIZE(parent) - 1] = 0;
        _snwprintf(child, ARRAYSIZE(child) - 1, L"%ls\\of-%ls", base, names[i]);
        child[ARRAYSIZE(child) - 1] = 0;
        _snwprintf(relative, ARRAYSIZE(relative) - 1, L".\\%ls", names[i]);
        relative[ARRAYSIZE(relative) - 1] = 0;
        take(&before, parent);
        make_child(child, parent);
        check_child(child, parent, relative);
        assert_unchanged(&before, parent);
        free(before.bytes);
    }
    remove_tree(base);
    remove_tree(vm);
}

static void test_codes(void **state)
{
    WCHAR base[MAX_PATH], parent[MAX_PATH], child[MAX_PATH], other[MAX_PATH], longer[320];
    struct snapshot before;
    IVMTask *task;
    size_t n;
    (void)state;

    WORK_PATH(base, L"codes");
    make_folder(base);
    WORK_PATH(parent, L"codes\\base.vhd");
    make_dynamic(parent, 5);
    take(&before, parent);
    WORK_PATH(child, L"codes\\new\\c.vhd");
    WORK_PATH(other, L"codes\\new");

    /* E_POINTER */
    assert_int_equal(create_child(child, parent, NULL), X_E_POINTER);
    expect_error_info("diskTask");
    expect_child_failure(NULL, parent, X_E_POINTER, "imagePath", other);
    expect_child_failure(child, NULL, X_E_POINTER, "parentPath", other);
    /* E_BAD_PATHNAME: only when both are empty or relative */
    expect_child_failure(L"", L"", X_E_BAD_PATHNAME, "both", NULL);
    expect_child_failure(L"a.vhd", L"b.vhd", X_E_BAD_PATHNAME, "both", NULL);
    expect_child_failure(L"", L"b.vhd", X_E_BAD_PATHNAME, "both", NULL);
    expect_child_failure(L"a.vhd", L"", X_E_BAD_PATHNAME, "both", NULL);
    expect_child_failure(L"C:a.vhd", parent, X_E_BAD_PATHNAME, "full path", NULL);
    expect_child_failure(child, L"\\rooted.vhd", X_E_BAD_PATHNAME, "full path", other);
    expect_child_failure(L"..\\..\\..\\..\\..\\..\\..\\..\\..\\..\\..\\..\\x.vhd", parent,
                         X_E_BAD_PATHNAME, "relative", NULL);
    /* E_INVALID_NAME in either */
    WORK_PATH(other, L"codes\\new\\a*b.vhd");
    expect_child_failure(other, parent, X_E_INVALID_NAME, "'*'", NULL);
    expect_child_failure(child, L"x<y.vhd", X_E_INVALID_NAME, "parentPath", NULL);
    expect_child_failure(L"nul.vhd", parent, X_E_INVALID_NAME, "reserved", NULL);
    /* E_BUFFER_OVERFLOW in either (and a relative one that becomes too long) */
    WORK_PATH(longer, L"codes\\");
    for (n = wcslen(longer); n < 290; n++)
        longer[n] = 'x';
    wcscpy(longer + n, L".vhd");
    expect_child_failure(longer, parent, X_E_BUFFER_OVERFLOW, "260", NULL);
    expect_child_failure(child, longer, X_E_BUFFER_OVERFLOW, "parentPath", NULL);
    expect_child_failure(longer + wcslen(base) + 1, parent, X_E_BUFFER_OVERFLOW, "260", NULL);
    /* E_PATH_NOT_FOUND: the child's drive does not exist */
    expect_child_failure(L"Q:\\nowhere\\c.vhd", parent, X_E_PATH_NOT_FOUND, "cannot be found", NULL);
    /* VM_E_PARENT_PATH_NOT_FOUND */
    WORK_PATH(other, L"codes\\none.vhd");
    expect_child_failure(child, other, X_VM_E_PARENT_PATH_NOT_FOUND, "cannot be found", NULL);
    WORK_PATH(other, L"codes\\nofolder\\none.vhd");
    expect_child_failure(child, other, X_VM_E_PARENT_PATH_NOT_FOUND, "cannot be found", NULL);
    expect_child_failure(child, L"none.vhd", X_VM_E_PARENT_PATH_NOT_FOUND, "cannot be found", NULL);
    /* VM_E_INVALID_HD_FILE, with the reason */
    WORK_PATH(other, L"codes\\text.vhd");
    write_file(other, "not a disk at all", 17);
    expect_child_failure(child, other, X_VM_E_INVALID_HD_FILE, "not a valid virtual hard disk", NULL);
    WORK_PATH(other, L"codes\\folder.vhd");
    make_folder(other);
    expect_child_failure(child, other, X_VM_E_INVALID_HD_FILE, "folder", NULL);
    WORK_PATH(other, L"codes\\lonely-child.vhd");
    copy_sample(L"win10-fat-differencing.vhd", other);       /* its parent is not here */
    expect_child_failure(child, other, X_VM_E_INVALID_HD_FILE, "chain does not resolve", NULL);
    WORK_PATH(other, L"codes\\win8-child.vhd");
    copy_sample(L"win8-child.vhd", other);
    WORK_PATH(longer, L"codes\\win8.vhd");
    copy_sample(L"vbox.vhd", longer);                        /* the right name, another id */
    expect_child_failure(child, other, X_VM_E_INVALID_HD_FILE, "chain does not resolve", NULL);
    {
        DWORD size;
        BYTE *bytes = read_file(parent, &size);
        WORK_PATH(other, L"codes\\truncated.vhd");
        write_file(other, bytes, 2048);
        free(bytes);
        expect_child_failure(child, other, X_VM_E_INVALID_HD_FILE, "not a valid virtual hard disk", NULL);
    }
    /* VM_E_IMAGE_SIZE_TOO_SMALL: the child would have its parent's 2 MB */
    WORK_PATH(other, L"codes\\tiny.vhd");
    write_fixed(other, 2 * MIB);
    expect_child_failure(child, other, X_VM_E_IMAGE_SIZE_TOO_SMALL, "smallest disk is 3 MB", NULL);
    /* VM_E_IMAGE_SIZE_TOO_LARGE: a fixed parent of 2041 GB (a sparse file) */
    WORK_PATH(other, L"codes\\huge.vhd");
    write_fixed(other, 2041ull * 1024 * MIB);
    expect_child_failure(child, other, X_VM_E_IMAGE_SIZE_TOO_LARGE, "largest disk", NULL);
    DeleteFileW(other);
    /* E_ALREADY_EXISTS: a file at the child's path, the parent itself, a disk of its chain */
    WORK_PATH(other, L"codes\\taken.vhd");
    write_file(other, "keep", 4);
    expect_child_failure(other, parent, X_E_ALREADY_EXISTS, "already exists", NULL);
    expect_child_failure(parent, parent, X_E_ALREADY_EXISTS, "parent disk itself", NULL);
    expect_child_failure(L"base.vhd", parent, X_E_ALREADY_EXISTS, "parent disk itself", NULL);
    WORK_PATH(other, L"codes\\mid.vhd");
    make_child(other, parent);
    WORK_PATH(longer, L"codes\\top.vhd");
    make_child(longer, other);
    expect_child_failure(parent, longer, X_E_ALREADY_EXISTS, "parent's chain", NULL);
    expect_child_failure(other, longer, X_E_ALREADY_EXISTS, "parent's chain", NULL);
    expect_child_failure(longer, longer, X_E_ALREADY_EXISTS, "parent disk itself", NULL);
    /* VM_E_FILE_TOO_LARGE_FOR_VOLUME: a 4095 MB child grows past FAT32's 4 GiB */
    WORK_PATH(other, L"codes\\big.vhd");
    make_dynamic(other, 4095);
    set_hook(L"VSDISK_TEST_FILESYSTEM", L"FAT32");
    WORK_PATH(child, L"codes\\fat\\c.vhd");
    WORK_PATH(longer, L"codes\\fat");
    expect_child_failure(child, other, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, "FAT32", longer);
    set_hook(L"VSDISK_TEST_FILESYSTEM", NULL);
    /* DISP_E_EXCEPTION: the create itself fails with an error no code describes */
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"1");
    expect_child_failure(child, parent, X_DISP_E_EXCEPTION, "1117", longer);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", NULL);
    /* And the order: the paths' shapes before the parent is looked at. */
    expect_child_failure(L"a*b.vhd", L"C:\\nowhere\\p.vhd", X_E_INVALID_NAME, "'*'", NULL);
    task = NULL;
    (void)task;
    assert_unchanged(&before, parent);
    free(before.bytes);
    remove_tree(base);
}

struct child_job {
    const WCHAR *path, *parent;
};

static IVMTask *start_child_job(void *ctx)
{
    const struct child_job *job = ctx;
    return start_child(job->path, job->parent);
}

/* Every I/O call of a creation failed in turn, then a cancel: nothing left, parent intact. */
static void test_failures_and_cancel(void **state)
{
    WCHAR base[MAX_PATH], parent[MAX_PATH], child[MAX_PATH], folder[MAX_PATH], mid[MAX_PATH];
    struct snapshot before, mid_before;
    struct child_job job = { child, parent };
    struct io_call_faults run = { L"1117", 2, 32, X_E_IO_DEVICE, folder, start_child_job, NULL,
                                  &job };
    unsigned n, failures;
    IVMTask *task;
    (void)state;

    WORK_PATH(base, L"faults");
    make_folder(base);
    WORK_PATH(parent, L"faults\\p.vhd");
    make_dynamic(parent, 40);
    take(&before, parent);
    WORK_PATH(folder, L"faults\\sub");
    WORK_PATH(child, L"faults\\sub\\c.vhd");
    failures = fail_io_calls_in_turn(&run, &n);
    /* the file in one write, flush, the header, flush, close */
    if (failures != 5)
        fail_msg("%u failing calls, stopped at call %u", failures, n);
    check_child(child, parent, L"..\\p.vhd");
    remove_tree(folder);
    /* The same with a parent that has a parent: the chain's files are read to check it, and
     * those reads are no I/O calls of the creation (the hook fails the new file's). */
    WORK_PATH(mid, L"faults\\mid.vhd");
    make_child(mid, parent);
    take(&mid_before, mid);
    job.parent = mid;
    failures = fail_io_calls_in_turn(&run, &n);
    if (failures != 5)
        fail_msg("over a chain: %u failing calls, stopped at call %u", failures, n);
    check_child(child, mid, L"..\\mid.vhd");
    assert_unchanged(&mid_before, mid);
    free(mid_before.bytes);
    remove_tree(folder);
    job.parent = parent;

    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"400");
    task = start_child(child, parent);
    Sleep(100);
    assert_int_equal(IVMTask_Cancel(task), S_OK);
    assert_int_equal(task_result(task), RESULT_CANCELLED);
    assert_int_equal(task_error(task), X_E_CANCELLED);
    IVMTask_Release(task);
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", NULL);
    assert_false(path_exists(folder));
    assert_unchanged(&before, parent);
    free(before.bytes);
    remove_tree(base);
}

static int setup(void **state)
{
    if (support_argc < 1)
        return -1;
    support_windows_path(support_argv[0], samples, ARRAYSIZE(samples));
    return support_setup(state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_children, setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_codes, setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_failures_and_cancel, setup, support_teardown),
    };
    return support_run(argc, argv, "differencing", tests, ARRAYSIZE(tests));
}
