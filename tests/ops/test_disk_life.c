/* IVsDiskHardDisk3 (Resize, MinimumSize, Check, Repair) through the real COM server (Wine),
 * registration-free: QueryInterface answers the four disk interfaces and IDispatch is the
 * newest; Resize grows (within and beyond a table's padding) and shrinks, the size read back,
 * and refuses with every documented code; MinimumSize of an MBR and a GPT disk (sfdisk's);
 * a VHDX shrunk to its MBR partition's end (refused below it), a differencing VHDX grown (its
 * new area zeros through the chain) and refused a shrink; Check of a clean disk (empty) and of
 * damaged ones (each problem named, in the right file); Repair of a disk vsdisk 0.2 labelled,
 * of a VHDX with a damaged header and of qemu's dirty-log VHDX, then Check empty and the
 * content intact, of a differencing VHD's stale parent locators; every Win32 I/O call of a VHD grow, a VHDX grow and a VHDX shrink failed in
 * turn (the disk at its old or its new size, its content intact, Resize run again completes
 * it). run_disk_life.sh makes the inputs and compares the results with qemu.
 * Usage: test_disk_life DLL TMPBASE INPUTS */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "create_support.h"

#define E_SHARING_VIOLATION_HR ((HRESULT)0x80070020)

static WCHAR inputs[MAX_PATH];

static WCHAR *input_path(WCHAR *out, size_t size, const WCHAR *name)
{
    _snwprintf(out, size - 1, L"%ls\\%ls", inputs, name);
    out[size - 1] = 0;
    return out;
}
#define INPUT_PATH(buffer, name) input_path((buffer), ARRAYSIZE(buffer), (name))

/* A copy of an input in the work folder, whose path goes in out (MAX_PATH characters). */
static WCHAR *work_copy(WCHAR *out, const WCHAR *name, const WCHAR *copy)
{
    WCHAR from[MAX_PATH];

    work_path(out, MAX_PATH, L"%ls", copy);
    if (!CopyFileW(INPUT_PATH(from, name), out, FALSE))
        fail_msg("copying %ls to %ls: error %lu", from, out, GetLastError());
    return out;
}

static IVsDiskHardDisk3 *get_disk(const WCHAR *path)
{
    IVsDiskHardDisk3 *disk3 = NULL;
    IVMHardDisk *disk = NULL;
    BSTR bstr = SysAllocString(path);
    HRESULT hr = IVMVirtualServer_GetHardDisk(support_vs, bstr, &disk);

    SysFreeString(bstr);
    if (hr != S_OK)
        fail_msg("GetHardDisk(%ls): 0x%08lx", path, (unsigned long)hr);
    assert_int_equal(IVMHardDisk_QueryInterface(disk, &IID_IVsDiskHardDisk3, (void **)&disk3), S_OK);
    IVMHardDisk_Release(disk);
    return disk3;
}

static double size_in_guest(IVsDiskHardDisk3 *disk)
{
    double bytes = -1;

    assert_int_equal(IVsDiskHardDisk3_get_SizeInGuestBytes(disk, &bytes), S_OK);
    return bytes;
}

static double size_of(const WCHAR *path)
{
    IVsDiskHardDisk3 *disk = get_disk(path);
    double bytes = size_in_guest(disk);

    IVsDiskHardDisk3_Release(disk);
    return bytes;
}

/* Polls until the task completes: the percentage never goes back, 100 on success. */
static LONG watch(IVMTask *task)
{
    LONG last = 0, percent, result;

    while (!task_complete(task)) {
        percent = task_percent(task);
        if (percent < last || percent > 100)
            fail_msg("progress went from %ld to %ld", last, percent);
        last = percent;
        Sleep(1);
    }
    result = task_result(task);
    if (result == vmTaskResult_Success && task_percent(task) != 100)
        fail_msg("a successful task ends at %ld%%", task_percent(task));
    return result;
}

static void expect_done(IVMTask *task, const char *word)
{
    BSTR description = NULL;
    LONG result = watch(task);

    if (result != vmTaskResult_Success) {
        char *text = task_error_text(task);
        fail_msg("the task ended with result %ld, error 0x%08lx: %s", result,
                 (unsigned long)task_error(task), text);
    }
    assert_int_equal(task_error(task), 0);
    assert_int_equal(IVMTask_get_Description(task, &description), S_OK);
    if (!contains_ascii(description, word))
        fail_msg("the description \"%ls\" does not say %s", description, word);
    SysFreeString(description);
    IVMTask_Release(task);
}

static HRESULT resize(const WCHAR *path, LONG mb, IVMTask **task)
{
    IVsDiskHardDisk3 *disk = get_disk(path);
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = IVsDiskHardDisk3_Resize(disk, mb, task);
    IVsDiskHardDisk3_Release(disk);
    return hr;
}

static void resize_done(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;
    HRESULT hr = resize(path, mb, &task);

    if (hr != S_OK)
        fail_msg("Resize(%ls, %ld): 0x%08lx", path, mb, (unsigned long)hr);
    expect_done(task, "resize");
    if (size_of(path) != (double)mb * MIB)
        fail_msg("%ls: %.0f bytes after Resize(%ld)", path, size_of(path), mb);
}

static BOOL same_bytes(const BYTE *a, DWORD a_size, const BYTE *b, DWORD b_size)
{
    return a && b && a_size == b_size && memcmp(a, b, a_size) == 0;
}

/* Resize must fail at the call with expected (the description mentioning keyword), return
 * a NULL task and leave the file byte for byte as it was. */
static void expect_resize_code(const WCHAR *path, LONG mb, HRESULT expected, const char *keyword)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;
    DWORD before_size, after_size;
    BYTE *before = read_file(path, &before_size), *after;
    HRESULT hr = resize(path, mb, &task);

    if (hr != expected) {
        if (SUCCEEDED(hr) && task) {
            IVMTask_WaitForCompletion(task, -1);
            IVMTask_Release(task);
        }
        fail_msg("Resize(%ls, %ld): got 0x%08lx, expected 0x%08lx", path, mb, (unsigned long)hr,
                 (unsigned long)expected);
    }
    assert_null(task);
    expect_error_info(keyword);
    after = read_file(path, &after_size);
    if (!same_bytes(before, before_size, after, after_size))
        fail_msg("the refused Resize(%ls, %ld) changed the file", path, mb);
    free(before);
    free(after);
}

/* The file at path begins with the size bytes at expected (only those are read: the file may
 * be hundreds of megabytes). */
static BOOL starts_with(const WCHAR *path, const BYTE *expected, DWORD size)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BYTE *got = malloc(size);
    DWORD done = 0;
    BOOL same;

    assert_non_null(got);
    same = file != INVALID_HANDLE_VALUE && ReadFile(file, got, size, &done, NULL) && done == size
        && memcmp(got, expected, size) == 0;
    if (file != INVALID_HANDLE_VALUE)
        CloseHandle(file);
    free(got);
    return same;
}

/* The disk's guest content, through ConvertToRaw, starts with the bytes of the raw image
 * expected (the rest is checked by the harness with qemu). */
static void expect_content(const WCHAR *path, const WCHAR *expected_raw)
{
    IVsDiskHardDisk3 *disk = get_disk(path);
    WCHAR raw[MAX_PATH];
    IVMTask *task = NULL;
    DWORD size;
    BYTE *expected = read_file(expected_raw, &size);
    BSTR bstr;

    assert_non_null(expected);
    WORK_PATH(raw, L"content.raw");
    DeleteFileW(raw);
    bstr = SysAllocString(raw);
    assert_int_equal(IVsDiskHardDisk3_ConvertToRaw(disk, bstr, &task), S_OK);
    SysFreeString(bstr);
    IVsDiskHardDisk3_Release(disk);
    expect_done(task, "raw");
    if (!starts_with(raw, expected, size))
        fail_msg("%ls does not hold the content of %ls", path, expected_raw);
    assert_true(DeleteFileW(raw));
    free(expected);
}

/* ---- the interface ---- */

static void test_interfaces(void **state)
{
    static const IID *const iids[] = { &IID_IVMHardDisk, &IID_IVsDiskHardDisk,
                                       &IID_IVsDiskHardDisk2, &IID_IVsDiskHardDisk3 };
    WCHAR path[MAX_PATH];
    IVsDiskHardDisk3 *disk = get_disk(INPUT_PATH(path, L"grow.vhd"));
    ITypeInfo *info = NULL;
    TYPEATTR *attr;
    IUnknown *unknown;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAYSIZE(iids); i++) {
        assert_int_equal(IVsDiskHardDisk3_QueryInterface(disk, iids[i], (void **)&unknown), S_OK);
        IUnknown_Release(unknown);
    }
    /* IDispatch describes the newest interface, so scripts see every member. */
    assert_int_equal(IVsDiskHardDisk3_GetTypeInfo(disk, 0, 0, &info), S_OK);
    assert_int_equal(ITypeInfo_GetTypeAttr(info, &attr), S_OK);
    assert_true(IsEqualIID(&attr->guid, &IID_IVsDiskHardDisk3));
    ITypeInfo_ReleaseTypeAttr(info, attr);
    ITypeInfo_Release(info);
    IVsDiskHardDisk3_Release(disk);
}

/* ---- Resize ---- */

static void test_resize_grow_and_shrink(void **state)
{
    WCHAR grow[MAX_PATH], fixed[MAX_PATH], vhdx[MAX_PATH], raw[MAX_PATH];

    (void)state;
    /* A dynamic VHD grown within its table's padding, then beyond it (blocks move), then
     * shrunk back to its data's end. */
    work_copy(grow, L"grow.vhd", L"grow.vhd");
    resize_done(grow, 100);
    expect_content(grow, INPUT_PATH(raw, L"grow.raw"));
    resize_done(grow, 300);
    expect_content(grow, raw);
    resize_done(grow, 10);
    expect_content(grow, raw);
    /* Grown beyond the padding, left in INPUTS for the harness to read with qemu. */
    work_copy(grow, L"grow.vhd", L"grown.vhd");
    resize_done(grow, 300);
    assert_true(CopyFileW(grow, INPUT_PATH(raw, L"grown.vhd"), FALSE));
    /* A fixed VHD grown; without a partition table every sector of it is allocated data,
     * so its minimum size is its size. */
    resize_done(work_copy(fixed, L"fixed.vhd", L"fixed.vhd"), 9);
    expect_content(fixed, INPUT_PATH(raw, L"fixed.raw"));
    expect_resize_code(fixed, 5, VM_E_IMAGE_SIZE_TOO_SMALL, "9437184");
    /* A VHDX grown. */
    work_copy(vhdx, L"grow.vhdx", L"grow.vhdx");
    resize_done(vhdx, 64);
    assert_true(CopyFileW(vhdx, INPUT_PATH(raw, L"grown.vhdx"), FALSE));
}

static void test_minimum_size_and_shrink(void **state)
{
    WCHAR mbr[MAX_PATH], gpt[MAX_PATH];
    IVsDiskHardDisk3 *disk;
    double minimum = 0;

    (void)state;
    work_copy(mbr, L"mbr.vhd", L"mbr.vhd");
    work_copy(gpt, L"gpt.vhd", L"gpt.vhd");
    /* sfdisk's partitions end at 1 MiB + 30 MiB and 1 MiB + 39 MiB. */
    disk = get_disk(mbr);
    assert_int_equal(IVsDiskHardDisk3_get_MinimumSize(disk, &minimum), S_OK);
    assert_true(minimum == 31.0 * MIB);
    assert_int_equal(IVsDiskHardDisk3_get_MinimumSize(disk, NULL), E_POINTER);
    IVsDiskHardDisk3_Release(disk);
    disk = get_disk(gpt);
    assert_int_equal(IVsDiskHardDisk3_get_MinimumSize(disk, &minimum), S_OK);
    assert_true(minimum == 40.0 * MIB);
    IVsDiskHardDisk3_Release(disk);

    /* Below the minimum: refused, the minimum in the description. */
    expect_resize_code(mbr, 30, VM_E_IMAGE_SIZE_TOO_SMALL, "32505856");
    expect_resize_code(gpt, 39, VM_E_IMAGE_SIZE_TOO_SMALL, "41943040");
    expect_resize_code(gpt, 39, VM_E_IMAGE_SIZE_TOO_SMALL, "GPT");
    /* At it: done. */
    resize_done(mbr, 31);
    resize_done(gpt, 40);
}

/* A VHDX shrunk to the end of its MBR partition, the data past it (outside every partition)
 * dropped, the partition's content kept; refused below it with the minimum. */
static void test_vhdx_shrink(void **state)
{
    WCHAR mbr[MAX_PATH], raw[MAX_PATH];
    IVsDiskHardDisk3 *disk;
    double minimum = 0;

    (void)state;
    work_copy(mbr, L"mbr.vhdx", L"mbr.vhdx");
    disk = get_disk(mbr);
    assert_int_equal(IVsDiskHardDisk3_get_MinimumSize(disk, &minimum), S_OK);
    IVsDiskHardDisk3_Release(disk);
    if (minimum != 31.0 * MIB)
        fail_msg("the MinimumSize of mbr.vhdx is %.0f bytes, not 31 MiB", minimum);
    expect_resize_code(mbr, 30, VM_E_IMAGE_SIZE_TOO_SMALL, "32505856");
    expect_resize_code(mbr, 30, VM_E_IMAGE_SIZE_TOO_SMALL, "MBR");
    resize_done(mbr, 31);
    expect_content(mbr, INPUT_PATH(raw, L"mbr-31.raw"));
    /* Left in INPUTS for the harness to read with qemu. */
    assert_true(CopyFileW(mbr, INPUT_PATH(raw, L"shrunk.vhdx"), FALSE));
}

/* A differencing VHDX grown: the chain's content kept, the new area zeros although its parent
 * holds data up to its last sector, the parent untouched; a shrink refused as its kind. */
static void test_differencing_vhdx_resize(void **state)
{
    WCHAR parent[MAX_PATH], child[MAX_PATH], raw[MAX_PATH];
    DWORD before_size, after_size;
    BYTE *before, *after;

    (void)state;
    work_copy(parent, L"vx\\parent.vhdx", L"parent.vhdx");
    work_copy(child, L"vx\\child.vhdx", L"vchild.vhdx");
    before = read_file(parent, &before_size);
    expect_content(child, INPUT_PATH(raw, L"vchain.raw"));
    expect_resize_code(child, 4, VM_E_WRONG_HD_IMAGE_TYPE, "differencing");
    resize_done(child, 16);
    expect_content(child, INPUT_PATH(raw, L"vchain-16.raw"));
    assert_true(size_of(parent) == 8.0 * MIB);
    after = read_file(parent, &after_size);
    if (!same_bytes(before, before_size, after, after_size))
        fail_msg("%s", "growing the child changed its parent");
    free(before);
    free(after);
}

static void test_resize_codes(void **state)
{
    WCHAR grow[MAX_PATH], child[MAX_PATH], vhdx[MAX_PATH], parent[MAX_PATH];
    IVsDiskHardDisk3 *disk;
    HANDLE writer;

    (void)state;
    work_copy(grow, L"grow.vhd", L"codes.vhd");
    disk = get_disk(grow);
    assert_int_equal(IVsDiskHardDisk3_Resize(disk, 20, NULL), E_POINTER);
    expect_error_info("pointer");
    IVsDiskHardDisk3_Release(disk);
    expect_resize_code(grow, 0, E_INVALIDARG, "positive");
    expect_resize_code(grow, -5, E_INVALIDARG, "positive");
    expect_resize_code(grow, 2, VM_E_IMAGE_SIZE_TOO_SMALL, "3 MB");
    expect_resize_code(grow, 2088961, VM_E_IMAGE_SIZE_TOO_LARGE, "2,088,960");
    /* A differencing VHD. */
    work_copy(parent, L"win8.vhd", L"win8.vhd");
    work_copy(child, L"win8-child.vhd", L"win8-child.vhd");
    expect_resize_code(child, 100, VM_E_WRONG_HD_IMAGE_TYPE, "differencing");
    /* A VHDX: beyond 64 TB, and below its minimum (no partition table: the end of its one
     * 8 MiB block of data, which is its size). */
    work_copy(vhdx, L"grow.vhdx", L"codes.vhdx");
    expect_resize_code(vhdx, 67108865, VM_E_IMAGE_SIZE_TOO_LARGE, "64 TB");
    expect_resize_code(vhdx, 4, VM_E_IMAGE_SIZE_TOO_SMALL, "8388608");
    /* Read-only, and in use. */
    assert_true(SetFileAttributesW(grow, FILE_ATTRIBUTE_READONLY));
    expect_resize_code(grow, 20, VM_E_FILE_READ_ONLY, "read-only");
    assert_true(SetFileAttributesW(grow, FILE_ATTRIBUTE_NORMAL));
    /* Held by a writer (the file read before and after, the writer's handle refusing our
     * reader). */
    {
        DWORD before_size, after_size;
        BYTE *before = read_file(grow, &before_size), *after;
        IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;
        HRESULT hr;

        writer = CreateFileW(grow, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                             NULL, OPEN_EXISTING, 0, NULL);
        assert_true(writer != INVALID_HANDLE_VALUE);
        hr = resize(grow, 20, &task);
        CloseHandle(writer);
        assert_int_equal(hr, E_SHARING_VIOLATION_HR);
        assert_null(task);
        expect_error_info("in use");
        after = read_file(grow, &after_size);
        assert_true(same_bytes(before, before_size, after, after_size));
        free(before);
        free(after);
    }
    /* And with nothing in the way, the same disk resizes. */
    resize_done(grow, 20);
}

/* Every Win32 I/O call of a Resize of the input name from old_mb to new_mb failed in turn, from
 * the same disk each time: the disk opens at its old or its new size with its content (raw: what
 * both sizes begin with), and Resize run again completes the job. */
static void fail_every_call(const WCHAR *name, const WCHAR *raw_name, LONG old_mb, LONG new_mb,
                            unsigned least_in_task)
{
    WCHAR disk[MAX_PATH], value[16], raw[MAX_PATH];
    unsigned n, in_task = 0, at_call = 0, at_new_size = 0;
    BOOL done = FALSE;

    INPUT_PATH(raw, raw_name);
    for (n = 1; n < 400 && !done; n++) {
        IVMTask *task = NULL;
        HRESULT hr;
        double size;

        work_copy(disk, name, L"fault.disk");
        _snwprintf(value, ARRAYSIZE(value), L"%u", n);
        {
            IVsDiskHardDisk3 *opened = get_disk(disk);
            set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
            SetErrorInfo(0, NULL);
            hr = IVsDiskHardDisk3_Resize(opened, new_mb, &task);
            clear_hooks();
            IVsDiskHardDisk3_Release(opened);
        }
        if (FAILED(hr)) {
            assert_null(task);
            expect_error_info(NULL);
            at_call++;
        } else {
            LONG result = watch(task);
            if (result == vmTaskResult_Success) {
                done = TRUE;
            } else {
                char *text = task_error_text(task);
                assert_true(task_error(task) != 0);
                if (!strstr(text, "Resize") || !strstr(text, "again"))
                    fail_msg("call %u: the task's ErrorDescription \"%s\" does not say what to do", n, text);
                free(text);
                in_task++;
            }
            IVMTask_Release(task);
        }
        size = size_of(disk);
        if (size != (double)old_mb * MIB && size != (double)new_mb * MIB)
            fail_msg("call %u failed: the disk is %.0f bytes, neither its old size nor its new one", n, size);
        at_new_size += !done && size == (double)new_mb * MIB;
        expect_content(disk, raw);
        if (!done) {
            resize_done(disk, new_mb);
            expect_content(disk, raw);
        }
    }
    assert_true(done);
    print_message("Resize of %ls from %ld to %ld MB: %u calls failed in turn (%u at the call, %u "
                  "inside the task, %u of them leaving the new size)\n", name, old_mb, new_mb,
                  n - 2, at_call, in_task, at_new_size);
    assert_true(in_task >= least_in_task);
}

/* A dynamic VHD's grow that moves blocks. */
static void test_resize_fails_at_every_call(void **state)
{
    (void)state;
    fail_every_call(L"grow.vhd", L"grow.raw", 10, 300, 5);
}

/* A VHDX's grow (header updates through its log), and a VHDX's shrink (blocks dropped). */
static void test_vhdx_resize_fails_at_every_call(void **state)
{
    (void)state;
    fail_every_call(L"grow.vhdx", L"grow-vhdx.raw", 8, 64, 5);
    fail_every_call(L"mbr.vhdx", L"mbr-31.raw", 64, 31, 5);
}

/* ---- Check ---- */

/* Check's array: a SAFEARRAY of VARIANTs, lower bound 0; its count in *count. */
static SAFEARRAY *check(const WCHAR *path, LONG *count)
{
    IVsDiskHardDisk3 *disk = get_disk(path);
    LONG lower = 1, upper = 0;
    VARIANT problems;

    VariantInit(&problems);
    assert_int_equal(IVsDiskHardDisk3_Check(disk, &problems), S_OK);
    IVsDiskHardDisk3_Release(disk);
    assert_int_equal(V_VT(&problems), VT_ARRAY | VT_VARIANT);
    assert_int_equal(SafeArrayGetDim(V_ARRAY(&problems)), 1);
    assert_int_equal(SafeArrayGetLBound(V_ARRAY(&problems), 1, &lower), S_OK);
    assert_int_equal(SafeArrayGetUBound(V_ARRAY(&problems), 1, &upper), S_OK);
    assert_int_equal(lower, 0);
    *count = upper + 1;
    return V_ARRAY(&problems);
}

static BSTR problem_string(IVsDiskProblem *problem, HRESULT (WINAPI *get)(IVsDiskProblem *, BSTR *))
{
    BSTR text = NULL;

    assert_int_equal(get(problem, &text), S_OK);
    assert_non_null(text);
    return text;
}

static HRESULT WINAPI get_name(IVsDiskProblem *p, BSTR *out) { return IVsDiskProblem_get_Name(p, out); }
static HRESULT WINAPI get_kind(IVsDiskProblem *p, BSTR *out) { return IVsDiskProblem_get_Kind(p, out); }
static HRESULT WINAPI get_file(IVsDiskProblem *p, BSTR *out) { return IVsDiskProblem_get_File(p, out); }
static HRESULT WINAPI get_meaning(IVsDiskProblem *p, BSTR *out) { return IVsDiskProblem_get_Meaning(p, out); }

/* The problem named name is in the list, a corruption of the file path, with a meaning and
 * its place: offset (-1: the whole file). */
static void expect_problem_of_kind(SAFEARRAY *problems, LONG count, const char *name,
                                   const WCHAR *path, double offset, const WCHAR *expected_kind)
{
    LONG i;

    for (i = 0; i < count; i++) {
        IVsDiskProblem *problem = NULL;
        BSTR got_name, kind, file, meaning;
        double got_offset = -2, length = -2;
        VARIANT element;
        BOOL match;

        VariantInit(&element);
        assert_int_equal(SafeArrayGetElement(problems, &i, &element), S_OK);
        assert_int_equal(V_VT(&element), VT_DISPATCH);
        assert_int_equal(IDispatch_QueryInterface(V_DISPATCH(&element), &IID_IVsDiskProblem,
                                                  (void **)&problem), S_OK);
        VariantClear(&element);
        got_name = problem_string(problem, get_name);
        match = contains_ascii(got_name, name) && SysStringLen(got_name) == strlen(name);
        if (match) {
            kind = problem_string(problem, get_kind);
            file = problem_string(problem, get_file);
            meaning = problem_string(problem, get_meaning);
            assert_int_equal(IVsDiskProblem_get_Offset(problem, &got_offset), S_OK);
            assert_int_equal(IVsDiskProblem_get_Length(problem, &length), S_OK);
            if (wcscmp(kind, expected_kind) || _wcsicmp(file, path) || SysStringLen(meaning) < 20
                || got_offset != offset || length < 0)
                fail_msg("%s: kind %ls, file %ls, offset %.0f, length %.0f, meaning \"%ls\"", name,
                         kind, file, got_offset, length, meaning);
            SysFreeString(kind);
            SysFreeString(file);
            SysFreeString(meaning);
        }
        SysFreeString(got_name);
        IVsDiskProblem_Release(problem);
        if (match)
            return;
    }
    fail_msg("Check of %ls does not list %s (%ld problems)", path, name, count);
}

static void expect_problem(SAFEARRAY *problems, LONG count, const char *name, const WCHAR *path,
                           double offset)
{
    expect_problem_of_kind(problems, count, name, path, offset, L"corruption");
}

/* Rewrites the 512-byte footer at offset (-1: the end footer) of the file at path: count
 * bytes from at (within it) set to bytes, and its checksum made right again if
 * fix_checksum. */
static void edit_footer(const WCHAR *path, LONGLONG offset, DWORD at, const void *bytes,
                        DWORD count, BOOL fix_checksum)
{
    HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER where, size;
    BYTE footer[512];
    DWORD done, sum = 0, i;

    assert_true(file != INVALID_HANDLE_VALUE);
    assert_true(GetFileSizeEx(file, &size));
    where.QuadPart = offset < 0 ? size.QuadPart - 512 : offset;
    assert_true(SetFilePointerEx(file, where, NULL, FILE_BEGIN));
    assert_true(ReadFile(file, footer, 512, &done, NULL) && done == 512);
    assert_true(memcmp(footer, "conectix", 8) == 0);
    memcpy(footer + at, bytes, count);
    if (fix_checksum) {
        memset(footer + 64, 0, 4);
        for (i = 0; i < 512; i++)
            sum += footer[i];
        sum = ~sum;
        footer[64] = (BYTE)(sum >> 24), footer[65] = (BYTE)(sum >> 16);
        footer[66] = (BYTE)(sum >> 8), footer[67] = (BYTE)sum;
    }
    assert_true(SetFilePointerEx(file, where, NULL, FILE_BEGIN));
    assert_true(WriteFile(file, footer, 512, &done, NULL) && done == 512);
    CloseHandle(file);
}

static LONGLONG file_size(const WCHAR *path)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    assert_true(GetFileAttributesExW(path, GetFileExInfoStandard, &data));
    return ((LONGLONG)data.nFileSizeHigh << 32) | data.nFileSizeLow;
}

/* A new dynamic VHD of mb megabytes made by vsdisk at the work path name (clean for Check:
 * qemu's, whose geometry addresses more than the disk, are not). */
static WCHAR *new_disk(WCHAR *out, const WCHAR *name, LONG mb)
{
    IVMTask *task = NULL;

    work_path(out, MAX_PATH, L"%ls", name);
    DeleteFileW(out);
    assert_int_equal(create_disk(support_vs, out, mb, &task), S_OK);
    expect_done(task, "");
    return out;
}

static void test_check(void **state)
{
    WCHAR clean[MAX_PATH], copies[MAX_PATH], checksum[MAX_PATH], child[MAX_PATH], parent[MAX_PATH];
    static const BYTE stamp[4] = { 0x12, 0x34, 0x56, 0x78 };
    IVsDiskHardDisk3 *disk;
    SAFEARRAY *problems;
    VARIANT out;
    LONG count;

    (void)state;
    new_disk(clean, L"clean.vhd", 20);
    problems = check(clean, &count);
    assert_int_equal(count, 0);
    SafeArrayDestroy(problems);
    work_copy(parent, L"win8.vhd", L"win8.vhd");
    work_copy(child, L"win8-child.vhd", L"win8-child.vhd");
    problems = check(child, &count);      /* its absolute parent path is another machine's */
    assert_int_equal(count, 1);
    expect_problem_of_kind(problems, count, "parent-path-stale", child, -1, L"warning");
    SafeArrayDestroy(problems);

    /* The copy at offset 0 differs from the footer (its timestamp, checksum right). */
    new_disk(copies, L"copies.vhd", 20);
    disk = get_disk(copies);     /* opened before the damage: Check reads the file now */
    edit_footer(copies, 0, 24, stamp, 4, TRUE);
    VariantInit(&out);
    assert_int_equal(IVsDiskHardDisk3_Check(disk, &out), S_OK);
    assert_int_equal(V_VT(&out), VT_ARRAY | VT_VARIANT);
    assert_int_equal(SafeArrayGetUBound(V_ARRAY(&out), 1, &count), S_OK);
    expect_problem(V_ARRAY(&out), count + 1, "footer-copies-differ", copies, 0);
    VariantClear(&out);
    assert_int_equal(IVsDiskHardDisk3_Check(disk, NULL), E_POINTER);
    IVsDiskHardDisk3_Release(disk);

    /* The end footer's checksum broken: the reader falls back on the copy. */
    new_disk(checksum, L"checksum.vhd", 20);
    edit_footer(checksum, -1, 24, stamp, 4, FALSE);
    problems = check(checksum, &count);
    assert_true(count >= 1);
    expect_problem(problems, count, "end-footer-damaged", checksum,
                   (double)(file_size(checksum) - 512));
    SafeArrayDestroy(problems);
}

/* ---- Repair ---- */

static void test_repair(void **state)
{
    WCHAR old[MAX_PATH];
    IVsDiskHardDisk3 *disk;
    IVMTask *task = NULL;
    SAFEARRAY *problems;
    DWORD size;
    BYTE *bytes;
    LONG count;

    (void)state;
    /* A disk as vsdisk 0.1 and 0.2 labelled it: creator "vsdk" version 0.2 in both footers. */
    new_disk(old, L"old.vhd", 20);
    edit_footer(old, 0, 28, "vsdk\0\0\0\2", 8, TRUE);
    edit_footer(old, -1, 28, "vsdk\0\0\0\2", 8, TRUE);
    bytes = read_file(old, &size);
    assert_true(size > 512 && memcmp(bytes + size - 512 + 28, "vsdk", 4) == 0);
    free(bytes);
    disk = get_disk(old);
    assert_int_equal(IVsDiskHardDisk3_Repair(disk, NULL), E_POINTER);
    expect_error_info("pointer");
    assert_true(SetFileAttributesW(old, FILE_ATTRIBUTE_READONLY));
    assert_int_equal(IVsDiskHardDisk3_Repair(disk, &task), VM_E_FILE_READ_ONLY);
    assert_null(task);
    expect_error_info("read-only");
    assert_true(SetFileAttributesW(old, FILE_ATTRIBUTE_NORMAL));
    assert_int_equal(IVsDiskHardDisk3_Repair(disk, &task), S_OK);
    expect_done(task, "repair");
    IVsDiskHardDisk3_Release(disk);
    /* Both footers relabelled, as vsdisk writes them now. */
    bytes = read_file(old, &size);
    assert_true(memcmp(bytes + size - 512 + 28, "win ", 4) == 0);
    assert_true(memcmp(bytes + 28, "win ", 4) == 0);
    free(bytes);
    problems = check(old, &count);
    assert_int_equal(count, 0);
    SafeArrayDestroy(problems);
    /* Repair of a clean disk changes nothing. */
    bytes = read_file(old, &size);
    disk = get_disk(old);
    assert_int_equal(IVsDiskHardDisk3_Repair(disk, &task), S_OK);
    expect_done(task, "repair");
    IVsDiskHardDisk3_Release(disk);
    {
        DWORD after_size;
        BYTE *after = read_file(old, &after_size);
        assert_true(same_bytes(bytes, size, after, after_size));
        free(after);
    }
    free(bytes);
}

/* Flips one bit of the file at path, at offset. */
static void flip_bit(const WCHAR *path, LONGLONG offset)
{
    HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER where;
    BYTE byte;
    DWORD done;

    assert_true(file != INVALID_HANDLE_VALUE);
    where.QuadPart = offset;
    assert_true(SetFilePointerEx(file, where, NULL, FILE_BEGIN));
    assert_true(ReadFile(file, &byte, 1, &done, NULL) && done == 1);
    byte ^= 1;
    assert_true(SetFilePointerEx(file, where, NULL, FILE_BEGIN));
    assert_true(WriteFile(file, &byte, 1, &done, NULL) && done == 1);
    CloseHandle(file);
}

/* How many of Check's problems are corruptions (the rest: leaks, space no structure refers to,
 * harmless, which Repair leaves and Compact reclaims); the first one's name and meaning in
 * first (NULL if none, else SysFreeString'd by the caller). */
static LONG corruptions(SAFEARRAY *problems, LONG count, BSTR *first)
{
    LONG i, found = 0;

    *first = NULL;
    for (i = 0; i < count; i++) {
        IVsDiskProblem *problem = NULL;
        VARIANT element;
        BSTR kind;

        VariantInit(&element);
        assert_int_equal(SafeArrayGetElement(problems, &i, &element), S_OK);
        assert_int_equal(IDispatch_QueryInterface(V_DISPATCH(&element), &IID_IVsDiskProblem,
                                                  (void **)&problem), S_OK);
        VariantClear(&element);
        kind = problem_string(problem, get_kind);
        if (wcscmp(kind, L"leak")) {
            if (!found++)
                *first = problem_string(problem, get_meaning);
        }
        SysFreeString(kind);
        IVsDiskProblem_Release(problem);
    }
    return found;
}

/* Check lists the problem name at offset, Repair makes it, and Check then lists nothing (or,
 * leaks_left, no corruption: a sample may hold space no structure refers to, which is no
 * damage, and Repair leaves it). */
static void repair_listed(const WCHAR *path, const char *name, double offset, BOOL leaks_left)
{
    IVsDiskHardDisk3 *disk;
    IVMTask *task = NULL;
    SAFEARRAY *problems;
    LONG count, damaged;
    BSTR first;

    problems = check(path, &count);
    expect_problem(problems, count, name, path, offset);
    SafeArrayDestroy(problems);
    disk = get_disk(path);
    assert_int_equal(IVsDiskHardDisk3_Repair(disk, &task), S_OK);
    expect_done(task, "repair");
    IVsDiskHardDisk3_Release(disk);
    problems = check(path, &count);
    damaged = corruptions(problems, count, &first);
    SafeArrayDestroy(problems);
    if (damaged || (count && !leaks_left))
        fail_msg("Check of %ls lists %ld problems (%ld corruptions) after Repair; the first "
                 "corruption: %ls", path, count, damaged, first ? first : L"none");
    SysFreeString(first);
}

/* Whether the file at path holds text in UTF-16LE. */
static BOOL holds_utf16(const WCHAR *path, const WCHAR *text)
{
    DWORD size, length = (DWORD)wcslen(text) * 2, i;
    BYTE *bytes = read_file(path, &size);
    BOOL found = FALSE;

    assert_non_null(bytes);
    for (i = 0; !found && length && i + length <= size; i++)
        found = memcmp(bytes + i, text, length) == 0;
    free(bytes);
    return found;
}

/* Windows' differencing VHD sample names its parent at C:\Users\sergi\Downloads\win8.vhd
 * (stale here) and .\win8.vhd (which opens it): Repair rewrites the stale locators with the
 * paths SetParent records, the chain reads as before, Check lists nothing. */
static void test_repair_parent_paths(void **state)
{
    WCHAR parent[MAX_PATH], child[MAX_PATH];
    IVsDiskHardDisk3 *disk;
    IVMTask *task = NULL;
    SAFEARRAY *problems;
    LONG count;

    (void)state;
    work_copy(parent, L"win8.vhd", L"win8.vhd");
    work_copy(child, L"win8-child.vhd", L"win8-child.vhd");
    assert_true(holds_utf16(child, L"C:\\Users\\sergi\\Downloads\\win8.vhd"));
    assert_false(holds_utf16(child, parent));
    problems = check(child, &count);
    expect_problem_of_kind(problems, count, "parent-path-stale", child, -1, L"warning");
    SafeArrayDestroy(problems);
    disk = get_disk(child);
    assert_int_equal(IVsDiskHardDisk3_Repair(disk, &task), S_OK);
    expect_done(task, "repair");
    IVsDiskHardDisk3_Release(disk);
    if (!holds_utf16(child, parent) || holds_utf16(child, L"sergi"))
        fail_msg("Repair did not rewrite the stale parent locators of %ls to %ls", child, parent);
    assert_true(size_of(child) == size_of(parent));
    problems = check(child, &count);
    assert_int_equal(count, 0);
    SafeArrayDestroy(problems);
}

/* VHDX: a damaged header copy rewritten, and qemu's dirty log replayed (the harness reads the
 * replayed disk with qemu, which refuses an unreplayed log; the sample's unreferenced 2 MiB,
 * a leak, stays). */
static void test_repair_vhdx(void **state)
{
    WCHAR vhdx[MAX_PATH], raw[MAX_PATH];

    (void)state;
    work_copy(vhdx, L"grow.vhdx", L"repair.vhdx");
    flip_bit(vhdx, 65536 + 4);      /* header 1's checksum */
    repair_listed(vhdx, "header-1-damaged", 65536, FALSE);
    expect_content(vhdx, INPUT_PATH(raw, L"grow-vhdx.raw"));
    work_copy(vhdx, L"dirtylog.vhdx", L"dirty.vhdx");
    repair_listed(vhdx, "log-not-replayed", 1048576, TRUE);   /* qemu's log offset, 1 MiB */
    assert_true(size_of(vhdx) == 10240.0 * MIB);
    assert_true(CopyFileW(vhdx, INPUT_PATH(raw, L"replayed.vhdx"), FALSE));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_interfaces, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_resize_grow_and_shrink, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_minimum_size_and_shrink, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_vhdx_shrink, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_differencing_vhdx_resize, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_resize_codes, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_check, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_repair, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_repair_vhdx, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_repair_parent_paths, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_resize_fails_at_every_call, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_vhdx_resize_fails_at_every_call, support_setup, support_teardown),
    };

    if (argc < 4) {
        fprintf(stderr, "usage: test_disk_life DLL TMPBASE INPUTS\n");
        return 2;
    }
    support_windows_path(argv[3], inputs, ARRAYSIZE(inputs));
    return support_run(argc, argv, "disk_life", tests, ARRAYSIZE(tests));
}
