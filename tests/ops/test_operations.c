/* IVMHardDisk.Convert, MergeTo, Merge and Compact through the real COM server (Wine),
 * registration-free: each job's content (here on the fixed disks' data areas, and by the
 * harness with qemu-img on every result), sources byte-identical, every documented code for
 * its reason, progress, cancel, a second writer refused while a job runs, properties readable
 * during a job, the task's Error for a failure inside the job, and every Win32 I/O call of a
 * Convert and of a Merge failed in turn.
 * Usage: test_operations DLL TMPBASE INPUTS (run_operations.sh makes INPUTS and checks it). */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "create_support.h"

#define E_SHARING_VIOLATION_HR ((HRESULT)0x80070020)
#define E_PATH_NOT_FOUND_HR ((HRESULT)0x80070003)
#define E_FILE_NOT_FOUND_HR ((HRESULT)0x80070002)

static WCHAR inputs[MAX_PATH];

static WCHAR *input_path(WCHAR *out, size_t size, const WCHAR *name)
{
    _snwprintf(out, size - 1, L"%ls\\%ls", inputs, name);
    out[size - 1] = 0;
    return out;
}
#define INPUT_PATH(buffer, name) input_path((buffer), ARRAYSIZE(buffer), (name))

static IVMHardDisk *get_disk(const WCHAR *path)
{
    IVMHardDisk *disk = NULL;
    BSTR bstr = SysAllocString(path);
    HRESULT hr = IVMVirtualServer_GetHardDisk(support_vs, bstr, &disk);

    SysFreeString(bstr);
    if (hr != S_OK)
        fail_msg("GetHardDisk(%ls): 0x%08lx", path, (unsigned long)hr);
    return disk;
}

static VMHardDiskType disk_type(const WCHAR *path)
{
    IVMHardDisk *disk = get_disk(path);
    VMHardDiskType type;

    assert_int_equal(IVMHardDisk_get_Type(disk, &type), S_OK);
    IVMHardDisk_Release(disk);
    return type;
}

static ULONGLONG decimal_property(IVMHardDisk *disk, BOOL on_host)
{
    VARIANT v;

    VariantInit(&v);
    assert_int_equal(on_host ? IVMHardDisk_get_SizeOnHost(disk, &v)
                             : IVMHardDisk_get_SizeInGuest(disk, &v), S_OK);
    assert_int_equal(V_VT(&v), VT_DECIMAL);
    return V_DECIMAL(&v).Lo64;
}

static ULONGLONG size_of(const WCHAR *path, BOOL on_host)
{
    IVMHardDisk *disk = get_disk(path);
    ULONGLONG size = decimal_property(disk, on_host);

    IVMHardDisk_Release(disk);
    return size;
}

enum op { CONVERT, MERGE_TO, MERGE, COMPACT };

static HRESULT start(IVMHardDisk *disk, enum op op, const WCHAR *target, VMHardDiskType type,
                     IVMTask **task)
{
    BSTR bstr = target ? SysAllocString(target) : NULL;
    HRESULT hr;

    SetErrorInfo(0, NULL);
    switch (op) {
    case CONVERT:  hr = IVMHardDisk_Convert(disk, bstr, type, task); break;
    case MERGE_TO: hr = IVMHardDisk_MergeTo(disk, bstr, type, task); break;
    case MERGE:    hr = IVMHardDisk_Merge(disk, task); break;
    default:       hr = IVMHardDisk_Compact(disk, task); break;
    }
    SysFreeString(bstr);
    return hr;
}

/* Starts op on the disk at path; the call must succeed. */
static IVMTask *start_on(const WCHAR *path, enum op op, const WCHAR *target, VMHardDiskType type)
{
    IVMHardDisk *disk = get_disk(path);
    IVMTask *task = NULL;
    HRESULT hr = start(disk, op, target, type, &task);

    if (hr != S_OK)
        fail_msg("operation %d on %ls: 0x%08lx", op, path, (unsigned long)hr);
    assert_non_null(task);
    IVMHardDisk_Release(disk);
    return task;
}

/* Polls until the task completes: the percentage never goes back, and is 100 on success. */
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
    percent = task_percent(task);
    if (percent < last)
        fail_msg("progress went from %ld to %ld at the end", last, percent);
    if (result == vmTaskResult_Success && percent != 100)
        fail_msg("a successful task ends at %ld%%", percent);
    return result;
}

static void expect_success(IVMTask *task, const char *word1, const WCHAR *word2)
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
    if (!contains_ascii(description, word1) || !wcsstr(description, word2))
        fail_msg("the description \"%ls\" does not name %s and %ls", description, word1, word2);
    SysFreeString(description);
}

/* The call on disk (opened from path) must fail with expected, leave *task NULL and describe
 * the failure. */
static void expect_code_on(IVMHardDisk *disk, const WCHAR *path, enum op op, const WCHAR *target,
                           VMHardDiskType type, HRESULT expected, const char *keyword)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;
    HRESULT hr = start(disk, op, target, type, &task);

    if (hr != expected) {
        if (SUCCEEDED(hr) && task) {
            IVMTask_WaitForCompletion(task, -1);
            IVMTask_Release(task);
        }
        fail_msg("operation %d on %ls to %ls: got 0x%08lx, expected 0x%08lx", op, path,
                 target ? target : L"-", (unsigned long)hr, (unsigned long)expected);
    }
    assert_null(task);
    expect_error_info(keyword);
}

static void expect_code(const WCHAR *path, enum op op, const WCHAR *target, VMHardDiskType type,
                        HRESULT expected, const char *keyword)
{
    IVMHardDisk *disk = get_disk(path);

    expect_code_on(disk, path, op, target, type, expected, keyword);
    IVMHardDisk_Release(disk);
}

static BOOL same_bytes(const BYTE *a, DWORD a_size, const BYTE *b, DWORD b_size)
{
    return a && b && a_size == b_size && memcmp(a, b, a_size) == 0;
}

/* The data area of the fixed disk at path (its first bytes) holds expected exactly. */
static void expect_fixed_content(const WCHAR *path, const WCHAR *expected_raw)
{
    DWORD size, expected_size;
    BYTE *data = read_file(path, &size), *expected = read_file(expected_raw, &expected_size);

    assert_non_null(data);
    assert_non_null(expected);
    if (size != expected_size + 512 || memcmp(data, expected, expected_size) != 0)
        fail_msg("%ls (%lu bytes) does not hold the %lu bytes of %ls", path, (unsigned long)size,
                 (unsigned long)expected_size, expected_raw);
    free(data);
    free(expected);
}

/* No file whose name starts with name's (the target, or a staged copy of it) in its folder. */
static void expect_nothing_at(const WCHAR *path)
{
    WCHAR pattern[MAX_PATH];
    WIN32_FIND_DATAW found;
    HANDLE search;

    _snwprintf(pattern, ARRAYSIZE(pattern) - 1, L"%ls*", path);
    pattern[ARRAYSIZE(pattern) - 1] = 0;
    search = FindFirstFileW(pattern, &found);
    if (search != INVALID_HANDLE_VALUE) {
        FindClose(search);
        fail_msg("%ls is left where %ls was to be written", found.cFileName, path);
    }
}

static void copy_chain(const WCHAR *folder)
{
    WCHAR from[MAX_PATH], to[MAX_PATH];

    if (!CreateDirectoryW(folder, NULL))
        assert_int_equal(GetLastError(), ERROR_ALREADY_EXISTS);
    _snwprintf(to, ARRAYSIZE(to), L"%ls\\win8.vhd", folder);
    assert_true(CopyFileW(INPUT_PATH(from, L"mt\\win8.vhd"), to, FALSE));
    SetFileAttributesW(to, FILE_ATTRIBUTE_NORMAL);
    _snwprintf(to, ARRAYSIZE(to), L"%ls\\win8-child.vhd", folder);
    assert_true(CopyFileW(INPUT_PATH(from, L"mt\\win8-child.vhd"), to, FALSE));
}

/* The disk's IVsDiskHardDisk2.Format. */
static void expect_format(const WCHAR *path, const WCHAR *format)
{
    IVMHardDisk *disk = get_disk(path);
    IVsDiskHardDisk2 *more = NULL;
    BSTR got = NULL;

    assert_int_equal(IVMHardDisk_QueryInterface(disk, &IID_IVsDiskHardDisk2, (void **)&more), S_OK);
    assert_int_equal(IVsDiskHardDisk2_get_Format(more, &got), S_OK);
    if (wcscmp(got, format))
        fail_msg("%ls is a %ls, expected a %ls", path, got, format);
    SysFreeString(got);
    IVsDiskHardDisk2_Release(more);
    IVMHardDisk_Release(disk);
}

/* ---- content ---- */

static void test_convert(void **state)
{
    WCHAR src[MAX_PATH], target[MAX_PATH], raw[MAX_PATH];
    DWORD before_size, after_size;
    BYTE *before, *after;
    IVMTask *task;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    before = read_file(src, &before_size);
    task = start_on(src, CONVERT, INPUT_PATH(target, L"conv-dynamic.vhd"), vmDiskType_Dynamic);
    expect_success(task, "convert", L"conv-dynamic.vhd");
    IVMTask_Release(task);
    task = start_on(src, CONVERT, INPUT_PATH(target, L"conv-fixed.vhd"), vmDiskType_FixedSize);
    expect_success(task, "convert", L"conv-fixed.vhd");
    IVMTask_Release(task);

    /* A target ending in .vhdx is a VHDX (the harness reads its content with qemu). */
    task = start_on(src, CONVERT, INPUT_PATH(target, L"conv-dynamic.vhdx"), vmDiskType_Dynamic);
    expect_success(task, "VHDX", L"conv-dynamic.vhdx");
    IVMTask_Release(task);
    task = start_on(src, CONVERT, INPUT_PATH(target, L"conv-fixed.VHDX"), vmDiskType_FixedSize);
    expect_success(task, "VHDX", L"conv-fixed.VHDX");
    IVMTask_Release(task);
    assert_int_equal(disk_type(INPUT_PATH(target, L"conv-dynamic.vhdx")), vmDiskType_Dynamic);
    expect_format(target, L"VHDX");
    assert_int_equal(disk_type(INPUT_PATH(target, L"conv-fixed.VHDX")), vmDiskType_FixedSize);
    expect_format(target, L"VHDX");

    assert_int_equal(disk_type(INPUT_PATH(target, L"conv-dynamic.vhd")), vmDiskType_Dynamic);
    expect_format(target, L"VHD");
    assert_int_equal(disk_type(INPUT_PATH(target, L"conv-fixed.vhd")), vmDiskType_FixedSize);
    assert_true(size_of(target, FALSE) == size_of(src, FALSE));
    expect_fixed_content(target, INPUT_PATH(raw, L"src.raw"));
    /* The dynamic target holds only the non-zero blocks: smaller than the source, which
     * has a whole block of zeros allocated. */
    assert_true(size_of(INPUT_PATH(target, L"conv-dynamic.vhd"), TRUE) < size_of(src, TRUE));
    after = read_file(src, &after_size);
    assert_true(same_bytes(before, before_size, after, after_size));
    free(before);
    free(after);
}

static void test_merge_to(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH], target[MAX_PATH], raw[MAX_PATH];
    DWORD child_size, parent_size, size;
    BYTE *child_bytes, *parent_bytes, *now;
    IVMTask *task;

    (void)state;
    INPUT_PATH(child, L"mt\\win8-child.vhd");
    INPUT_PATH(parent, L"mt\\win8.vhd");
    child_bytes = read_file(child, &child_size);
    parent_bytes = read_file(parent, &parent_size);
    task = start_on(child, MERGE_TO, INPUT_PATH(target, L"flat-dynamic.vhd"), vmDiskType_Dynamic);
    expect_success(task, "merge", L"flat-dynamic.vhd");
    IVMTask_Release(task);
    task = start_on(child, MERGE_TO, INPUT_PATH(target, L"flat-fixed.vhd"), vmDiskType_FixedSize);
    expect_success(task, "merge", L"flat-fixed.vhd");
    IVMTask_Release(task);

    task = start_on(child, MERGE_TO, INPUT_PATH(target, L"flat-dynamic.vhdx"), vmDiskType_Dynamic);
    expect_success(task, "VHDX", L"flat-dynamic.vhdx");
    IVMTask_Release(task);
    task = start_on(child, MERGE_TO, INPUT_PATH(target, L"flat-fixed.vhdx"), vmDiskType_FixedSize);
    expect_success(task, "VHDX", L"flat-fixed.vhdx");
    IVMTask_Release(task);
    assert_int_equal(disk_type(INPUT_PATH(target, L"flat-fixed.vhdx")), vmDiskType_FixedSize);
    expect_format(target, L"VHDX");

    assert_int_equal(disk_type(INPUT_PATH(target, L"flat-dynamic.vhd")), vmDiskType_Dynamic);
    assert_int_equal(disk_type(INPUT_PATH(target, L"flat-fixed.vhd")), vmDiskType_FixedSize);
    expect_fixed_content(target, INPUT_PATH(raw, L"chain.raw"));
    now = read_file(child, &size);
    assert_true(same_bytes(child_bytes, child_size, now, size));
    free(now);
    now = read_file(parent, &size);
    assert_true(same_bytes(parent_bytes, parent_size, now, size));
    free(now);
    free(child_bytes);
    free(parent_bytes);
}

/* IVsDiskHardDisk2.ConvertToRaw and IVsDiskVirtualServer.CreateVirtualHardDiskFromRaw: the disk
 * out as a raw image byte for byte, and the raw image in as a VHDX and a VHD (the harness
 * reads those with qemu); an image that is not a whole number of sectors refused, or padded. */
static void test_raw(void **state)
{
    WCHAR src[MAX_PATH], raw[MAX_PATH], out[MAX_PATH], target[MAX_PATH], odd[MAX_PATH];
    IVsDiskVirtualServer *vs = support_vsdisk_server();
    IVsDiskHardDisk2 *more = NULL;
    IVMHardDisk *disk;
    DWORD expected_size, got_size;
    BYTE *expected, *got;
    BSTR a, b;
    IVMTask *task = NULL;
    HRESULT hr;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    INPUT_PATH(raw, L"src.raw");
    disk = get_disk(src);
    assert_int_equal(IVMHardDisk_QueryInterface(disk, &IID_IVsDiskHardDisk2, (void **)&more), S_OK);
    a = SysAllocString(INPUT_PATH(out, L"out.raw"));
    assert_int_equal(IVsDiskHardDisk2_ConvertToRaw(more, a, &task), S_OK);
    expect_success(task, "raw image", L"out.raw");
    IVMTask_Release(task);
    SetErrorInfo(0, NULL);
    assert_int_equal(IVsDiskHardDisk2_ConvertToRaw(more, a, &task), (HRESULT)0x800700B7);  /* exists */
    SysFreeString(a);
    IVsDiskHardDisk2_Release(more);
    IVMHardDisk_Release(disk);
    expected = read_file(raw, &expected_size);
    got = read_file(out, &got_size);
    assert_true(same_bytes(expected, expected_size, got, got_size));
    free(got);

    a = SysAllocString(raw);
    b = SysAllocString(INPUT_PATH(target, L"from-raw.vhdx"));
    assert_int_equal(IVsDiskVirtualServer_CreateVirtualHardDiskFromRaw(vs, a, b, vmDiskType_Dynamic,
                                                                      VARIANT_FALSE, &task), S_OK);
    expect_success(task, "raw image", L"from-raw.vhdx");
    IVMTask_Release(task);
    SysFreeString(b);
    b = SysAllocString(INPUT_PATH(target, L"from-raw.vhd"));
    assert_int_equal(IVsDiskVirtualServer_CreateVirtualHardDiskFromRaw(vs, a, b, vmDiskType_FixedSize,
                                                                      VARIANT_FALSE, &task), S_OK);
    expect_success(task, "raw image", L"from-raw.vhd");
    IVMTask_Release(task);
    assert_int_equal(disk_type(target), vmDiskType_FixedSize);
    SysFreeString(b);
    b = SysAllocString(INPUT_PATH(target, L"bad.vhd"));
    SetErrorInfo(0, NULL);
    assert_int_equal(IVsDiskVirtualServer_CreateVirtualHardDiskFromRaw(vs, a, b, vmDiskType_Differencing,
                                                                      VARIANT_FALSE, &task), (HRESULT)0xA004067B);
    assert_null(task);
    SysFreeString(a);

    /* 3 MiB and 100 bytes: refused as it is, padded to 3 MiB + 512 when asked. */
    INPUT_PATH(odd, L"odd.raw");
    write_file(odd, expected, 3 * 1048576 + 100);
    a = SysAllocString(odd);
    SetErrorInfo(0, NULL);
    hr = IVsDiskVirtualServer_CreateVirtualHardDiskFromRaw(vs, a, b, vmDiskType_Dynamic, VARIANT_FALSE, &task);
    assert_int_equal(hr, (HRESULT)0xA0040682);
    expect_error_info("512-byte sectors");
    assert_false(path_exists(target));
    assert_int_equal(IVsDiskVirtualServer_CreateVirtualHardDiskFromRaw(vs, a, b, vmDiskType_Dynamic,
                                                                      VARIANT_TRUE, &task), S_OK);
    expect_success(task, "raw image", L"bad.vhd");
    IVMTask_Release(task);
    assert_true(size_of(target, FALSE) == 3 * 1048576 + 512);
    SysFreeString(a);
    SysFreeString(b);
    free(expected);
    IVsDiskVirtualServer_Release(vs);
}

static void test_merge(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH];
    DWORD child_size, size;
    BYTE *child_bytes, *now;
    ULONGLONG parent_before;
    IVMTask *task;

    (void)state;
    INPUT_PATH(child, L"m\\win8-child.vhd");
    INPUT_PATH(parent, L"m\\win8.vhd");
    child_bytes = read_file(child, &child_size);
    parent_before = size_of(parent, TRUE);
    task = start_on(child, MERGE, NULL, vmDiskType_Dynamic);
    expect_success(task, "merge", L"win8.vhd");
    IVMTask_Release(task);
    /* The child is left as it was, a differencing disk of the merged parent. */
    now = read_file(child, &size);
    assert_true(same_bytes(child_bytes, child_size, now, size));
    free(now);
    assert_int_equal(disk_type(child), vmDiskType_Differencing);
    assert_int_equal(disk_type(parent), vmDiskType_Dynamic);
    assert_true(size_of(parent, TRUE) > parent_before);
    free(child_bytes);
}

static void test_compact(void **state)
{
    WCHAR disk[MAX_PATH];
    ULONGLONG before;
    IVMTask *task;

    (void)state;
    INPUT_PATH(disk, L"comp.vhd");
    before = size_of(disk, TRUE);
    task = start_on(disk, COMPACT, NULL, vmDiskType_Dynamic);
    expect_success(task, "compact", L"comp.vhd");
    IVMTask_Release(task);
    assert_int_equal(disk_type(disk), vmDiskType_Dynamic);
    assert_true(size_of(disk, TRUE) + 2 * MIB <= before);    /* the zero block is gone */

    /* A VHDX (qemu's, with a 1 MiB block of zeros between data): through its log. */
    INPUT_PATH(disk, L"comp.vhdx");
    before = size_of(disk, TRUE);
    task = start_on(disk, COMPACT, NULL, vmDiskType_Dynamic);
    expect_success(task, "compact", L"comp.vhdx");
    IVMTask_Release(task);
    expect_format(disk, L"VHDX");
    assert_true(size_of(disk, TRUE) + MIB <= before);
}

/* Compact of a fixed VHDX is refused before anything is written. */
static void test_compact_fixed_vhdx(void **state)
{
    WCHAR disk[MAX_PATH];
    IVMHardDisk *fixed;
    IVMTask *task = (IVMTask *)(uintptr_t)1;
    DWORD before_size, after_size;
    BYTE *before, *after;

    (void)state;
    INPUT_PATH(disk, L"fixed.vhdx");
    before = read_file(disk, &before_size);
    fixed = get_disk(disk);
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMHardDisk_Compact(fixed, &task), (HRESULT)0xA004067B);
    assert_null(task);
    expect_error_info("dynamic or differencing VHDX");
    IVMHardDisk_Release(fixed);
    after = read_file(disk, &after_size);
    assert_true(same_bytes(before, before_size, after, after_size));
    free(before);
    free(after);
}

/* ---- the documented codes ---- */

static void test_pointers_and_arguments(void **state)
{
    WCHAR src[MAX_PATH], child[MAX_PATH], target[MAX_PATH], *longest;
    IVMHardDisk *disk;
    size_t i;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    INPUT_PATH(child, L"mt\\win8-child.vhd");
    WORK_PATH(target, L"new.vhd");
    disk = get_disk(src);
    assert_int_equal(start(disk, CONVERT, target, vmDiskType_Dynamic, NULL), E_POINTER);
    expect_error_info("pointer");
    assert_int_equal(start(disk, MERGE, NULL, vmDiskType_Dynamic, NULL), E_POINTER);
    expect_error_info("pointer");
    assert_int_equal(start(disk, COMPACT, NULL, vmDiskType_Dynamic, NULL), E_POINTER);
    expect_error_info("pointer");
    IVMHardDisk_Release(disk);
    disk = get_disk(child);
    assert_int_equal(start(disk, MERGE_TO, target, vmDiskType_Dynamic, NULL), E_POINTER);
    expect_error_info("pointer");
    IVMHardDisk_Release(disk);
    expect_code(src, CONVERT, NULL, vmDiskType_Dynamic, E_POINTER, "NULL");
    expect_code(child, MERGE_TO, NULL, vmDiskType_Dynamic, E_POINTER, "NULL");

    expect_code(src, CONVERT, L"relative.vhd", vmDiskType_Dynamic, E_BAD_PATHNAME, "not accepted");
    expect_code(child, MERGE_TO, L"relative.vhd", vmDiskType_Dynamic, E_BAD_PATHNAME, "not accepted");
    expect_code(src, CONVERT, L"Z:\\tmp\\CON", vmDiskType_Dynamic, E_INVALID_NAME, "reserved");
    expect_code(child, MERGE_TO, L"Z:\\tmp\\a.vhd.", vmDiskType_Dynamic, E_INVALID_NAME, "dot");
    longest = malloc(40000 * sizeof(WCHAR));
    assert_non_null(longest);
    wcscpy(longest, L"Z:\\");
    for (i = 3; i < 39990; i++)
        longest[i] = (i % 100) ? L'a' : L'\\';
    wcscpy(longest + 39990, L"\\x.vhd");
    expect_code(src, CONVERT, longest, vmDiskType_Dynamic, E_BUFFER_OVERFLOW, "not accepted");
    expect_code(child, MERGE_TO, longest, vmDiskType_Dynamic, E_BUFFER_OVERFLOW, "not accepted");
    free(longest);
    expect_code(child, MERGE_TO, L"", vmDiskType_Dynamic, E_INVALIDARG, "empty");
    expect_code(src, CONVERT, target, vmDiskType_Differencing, VM_E_WRONG_HD_IMAGE_TYPE, "type");
    expect_code(child, MERGE_TO, target, (VMHardDiskType)4, VM_E_WRONG_HD_IMAGE_TYPE, "type");
    assert_false(path_exists(target));
}

static void test_disk_codes(void **state)
{
    WCHAR src[MAX_PATH], child[MAX_PATH], target[MAX_PATH], fixed[MAX_PATH], folder[MAX_PATH];
    WCHAR orphan[MAX_PATH], from[MAX_PATH];
    IVMTask *task = NULL;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    INPUT_PATH(child, L"mt\\win8-child.vhd");
    WORK_PATH(target, L"new.vhd");
    /* The target exists (the source itself, and another file). */
    expect_code(src, CONVERT, src, vmDiskType_Dynamic, E_ALREADY_EXISTS, "already exists");
    expect_code(child, MERGE_TO, INPUT_PATH(from, L"src.raw"), vmDiskType_FixedSize,
                E_ALREADY_EXISTS, "already exists");
    /* Its folder does not. */
    WORK_PATH(folder, L"missing\\new.vhd");
    expect_code(src, CONVERT, folder, vmDiskType_Dynamic, E_PATH_NOT_FOUND_HR, "folder");
    expect_code(child, MERGE_TO, folder, vmDiskType_Dynamic, E_PATH_NOT_FOUND_HR, "folder");
    /* The wrong kinds of disk. */
    expect_code(src, MERGE, NULL, vmDiskType_Dynamic, VM_E_WRONG_HD_IMAGE_TYPE, "differencing");
    expect_code(src, MERGE_TO, target, vmDiskType_Dynamic, VM_E_WRONG_HD_IMAGE_TYPE, "differencing");
    expect_code(child, COMPACT, NULL, vmDiskType_Dynamic, VM_E_WRONG_HD_IMAGE_TYPE, "dynamic");
    WORK_PATH(fixed, L"fixed.vhd");
    {
        BSTR bstr = SysAllocString(fixed);
        assert_int_equal(IVMVirtualServer_CreateFixedVirtualHardDisk(support_vs, bstr, 3, &task), S_OK);
        SysFreeString(bstr);
        assert_int_equal(watch(task), vmTaskResult_Success);
        IVMTask_Release(task);
    }
    expect_code(fixed, COMPACT, NULL, vmDiskType_Dynamic, VM_E_WRONG_HD_IMAGE_TYPE, "dynamic");
    /* A child without its parent. */
    WORK_PATH(folder, L"orphan");
    make_folder(folder);
    WORK_PATH(orphan, L"orphan\\win8-child.vhd");
    assert_true(CopyFileW(child, orphan, FALSE));
    expect_code(orphan, CONVERT, target, vmDiskType_Dynamic, VM_E_PARENT_PATH_NOT_FOUND, "parent");
    expect_code(orphan, MERGE_TO, target, vmDiskType_Dynamic, VM_E_PARENT_PATH_NOT_FOUND, "parent");
    expect_code(orphan, MERGE, NULL, vmDiskType_Dynamic, VM_E_PARENT_PATH_NOT_FOUND, "parent");
    assert_false(path_exists(target));
}

/* In the work folder's subfolder name: the chain (child and parent) and a copy of the dynamic
 * src.vhd (copy); each buffer holds MAX_PATH characters. */
static void chain_and_dynamic(const WCHAR *name, WCHAR *child, WCHAR *parent, WCHAR *copy)
{
    WCHAR folder[MAX_PATH], src[MAX_PATH];

    WORK_PATH(folder, L"%ls", name);
    copy_chain(folder);
    work_path(child, MAX_PATH, L"%ls\\win8-child.vhd", name);
    work_path(parent, MAX_PATH, L"%ls\\win8.vhd", name);
    work_path(copy, MAX_PATH, L"%ls\\comp.vhd", name);
    assert_true(CopyFileW(INPUT_PATH(src, L"src.vhd"), copy, FALSE));
}

/* The disk's file deleted between GetHardDisk and the call: E_FILE_NOT_FOUND (MergeTo's page
 * lists it), and nothing is created at the target. */
static void test_disk_deleted_after_get(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH], copy[MAX_PATH], target[MAX_PATH];
    IVMHardDisk *child_disk, *copy_disk;

    (void)state;
    chain_and_dynamic(L"gone", child, parent, copy);
    WORK_PATH(target, L"gone-new.vhd");
    child_disk = get_disk(child);
    copy_disk = get_disk(copy);
    assert_true(DeleteFileW(child));
    assert_true(DeleteFileW(copy));
    expect_code_on(copy_disk, copy, CONVERT, target, vmDiskType_FixedSize, E_FILE_NOT_FOUND_HR,
                   "does not exist");
    expect_code_on(copy_disk, copy, COMPACT, NULL, vmDiskType_Dynamic, E_FILE_NOT_FOUND_HR,
                   "does not exist");
    expect_code_on(child_disk, child, MERGE_TO, target, vmDiskType_Dynamic, E_FILE_NOT_FOUND_HR,
                   "does not exist");
    expect_code_on(child_disk, child, MERGE, NULL, vmDiskType_Dynamic, E_FILE_NOT_FOUND_HR,
                   "does not exist");
    IVMHardDisk_Release(child_disk);
    IVMHardDisk_Release(copy_disk);
    expect_nothing_at(target);
}

/* The disk to change (path) has the read-only attribute: VM_E_FILE_READ_ONLY from the job on
 * disk (opened from on), and not a byte of path changes. */
static void expect_read_only(const WCHAR *path, const WCHAR *on, enum op op)
{
    DWORD before_size, after_size;
    BYTE *before = read_file(path, &before_size), *after;

    assert_true(SetFileAttributesW(path, FILE_ATTRIBUTE_READONLY));
    expect_code(on, op, NULL, vmDiskType_Dynamic, VM_E_FILE_READ_ONLY, "read-only");
    assert_true(SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL));
    after = read_file(path, &after_size);
    assert_true(same_bytes(before, before_size, after, after_size));
    free(before);
    free(after);
}

/* Merge into a read-only parent, Compact of a read-only disk. */
static void test_read_only(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH], copy[MAX_PATH];

    (void)state;
    chain_and_dynamic(L"ro", child, parent, copy);
    expect_read_only(parent, child, MERGE);
    expect_read_only(copy, copy, COMPACT);
}

/* Another process holding the disk for writing: a handle that shares reading and writing,
 * as a program writing a disk while others read it does. */
static HANDLE hold_for_writing(const WCHAR *path)
{
    HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                              NULL, OPEN_EXISTING, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    return file;
}

static void test_sharing_violation(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH], copy[MAX_PATH], target[MAX_PATH];
    HANDLE writer;

    (void)state;
    chain_and_dynamic(L"shared", child, parent, copy);
    WORK_PATH(target, L"new.vhd");

    writer = hold_for_writing(copy);
    expect_code(copy, CONVERT, target, vmDiskType_Dynamic, E_SHARING_VIOLATION_HR, "in use");
    expect_code(copy, COMPACT, NULL, vmDiskType_Dynamic, E_SHARING_VIOLATION_HR, "in use");
    CloseHandle(writer);
    writer = hold_for_writing(child);
    expect_code(child, MERGE_TO, target, vmDiskType_Dynamic, E_SHARING_VIOLATION_HR, "in use");
    expect_code(child, MERGE, NULL, vmDiskType_Dynamic, E_SHARING_VIOLATION_HR, "in use");
    CloseHandle(writer);
    writer = hold_for_writing(parent);     /* a parent being written */
    expect_code(child, MERGE_TO, target, vmDiskType_Dynamic, E_SHARING_VIOLATION_HR, "in use");
    expect_code(child, MERGE, NULL, vmDiskType_Dynamic, E_SHARING_VIOLATION_HR, "in use");
    expect_code(child, CONVERT, target, vmDiskType_FixedSize, E_SHARING_VIOLATION_HR, "in use");
    CloseHandle(writer);
    assert_false(path_exists(target));
}

/* ---- while a job runs ---- */

static void expect_refused_writer(const WCHAR *path)
{
    HANDLE file = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              NULL, OPEN_EXISTING, 0, NULL);
    DWORD error = GetLastError();

    if (file != INVALID_HANDLE_VALUE) {
        CloseHandle(file);
        fail_msg("a second writer could open %ls while a job held it", path);
    }
    assert_int_equal(error, ERROR_SHARING_VIOLATION);
}

static void test_during_a_job(void **state)
{
    WCHAR src[MAX_PATH], target[MAX_PATH], copy[MAX_PATH], folder[MAX_PATH], child[MAX_PATH];
    WCHAR parent[MAX_PATH];
    IVMHardDisk *disk;
    IVMTask *task;
    VMHardDiskType type;
    VARIANT_BOOL cancelable;
    ULONGLONG before;

    (void)state;
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"300");
    INPUT_PATH(src, L"src.vhd");
    WORK_PATH(target, L"slow.vhd");
    disk = get_disk(src);
    task = NULL;
    assert_int_equal(start(disk, CONVERT, target, vmDiskType_Dynamic, &task), S_OK);
    assert_false(task_complete(task));
    expect_refused_writer(src);
    assert_true(decimal_property(disk, FALSE) > 0);      /* properties stay readable */
    assert_int_equal(IVMHardDisk_get_Type(disk, &type), S_OK);
    assert_int_equal(type, vmDiskType_Dynamic);
    assert_int_equal(IVMTask_get_IsCancelable(task, &cancelable), S_OK);
    assert_int_equal(cancelable, VARIANT_TRUE);
    assert_int_equal(IVMTask_Cancel(task), S_OK);
    assert_int_equal(watch(task), vmTaskResult_Cancelled);
    {
        char *text = task_error_text(task);
        if (!strstr(text, "cancelled"))
            fail_msg("ErrorDescription \"%s\" does not say cancelled", text);
        free(text);
    }
    IVMTask_Release(task);
    IVMHardDisk_Release(disk);
    expect_nothing_at(target);

    /* Merge: the child refuses writers, the parent is held for writing, both stay readable. */
    WORK_PATH(folder, L"busy");
    copy_chain(folder);
    WORK_PATH(child, L"busy\\win8-child.vhd");
    WORK_PATH(parent, L"busy\\win8.vhd");
    task = start_on(child, MERGE, NULL, vmDiskType_Dynamic);
    if (!task_complete(task)) {
        expect_refused_writer(child);
        expect_refused_writer(parent);
        assert_int_equal(disk_type(parent), vmDiskType_Dynamic);
    }
    IVMTask_Cancel(task);
    watch(task);
    IVMTask_Release(task);

    /* Compact: cancelled, the disk is valid with the same content, and a rerun completes. */
    WORK_PATH(copy, L"compact-cancel.vhd");
    assert_true(CopyFileW(INPUT_PATH(src, L"holes.vhd"), copy, FALSE));
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"2000");     /* Compact writes a few times only */
    task = start_on(copy, COMPACT, NULL, vmDiskType_Dynamic);
    assert_false(task_complete(task));
    expect_refused_writer(copy);
    assert_true(size_of(copy, TRUE) > 0);
    assert_int_equal(IVMTask_Cancel(task), S_OK);
    assert_int_equal(watch(task), vmTaskResult_Cancelled);
    IVMTask_Release(task);
    clear_hooks();
    WORK_PATH(target, L"compact-cancel-fixed.vhd");
    task = start_on(copy, CONVERT, target, vmDiskType_FixedSize);
    expect_success(task, "convert", L"compact-cancel-fixed.vhd");
    IVMTask_Release(task);
    expect_fixed_content(target, INPUT_PATH(src, L"holes.raw"));
    before = size_of(copy, TRUE);
    task = start_on(copy, COMPACT, NULL, vmDiskType_Dynamic);
    expect_success(task, "compact", L"compact-cancel.vhd");
    IVMTask_Release(task);
    assert_true(size_of(copy, TRUE) < before);
    WORK_PATH(target, L"compacted-fixed.vhd");
    task = start_on(copy, CONVERT, target, vmDiskType_FixedSize);
    expect_success(task, "convert", L"compacted-fixed.vhd");
    IVMTask_Release(task);
    expect_fixed_content(target, INPUT_PATH(src, L"holes.raw"));
}

/* A failure inside the job: the task ends with a Result, Error and ErrorDescription. */
static void test_failure_inside_the_job(void **state)
{
    WCHAR src[MAX_PATH], target[MAX_PATH];
    IVMTask *task;
    char *text;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    WORK_PATH(target, L"full.vhd");
    set_hook(L"VSDISK_TEST_FAIL_CREATED_CALL", L"4:112");    /* ERROR_DISK_FULL on a write */
    task = start_on(src, CONVERT, target, vmDiskType_Dynamic);
    clear_hooks();
    assert_int_equal(watch(task), vmTaskResult_DiskRelatedError);
    assert_int_equal(task_error(task), E_DISK_FULL);
    text = task_error_text(task);
    if (!strstr(text, "space") || !strstr(text, "removed"))
        fail_msg("ErrorDescription \"%s\" does not explain the full volume", text);
    free(text);
    IVMTask_Release(task);
    expect_nothing_at(target);

    set_hook(L"VSDISK_TEST_FAIL_CREATED_CALL", L"5");        /* ERROR_IO_DEVICE */
    task = start_on(src, CONVERT, target, vmDiskType_FixedSize);
    clear_hooks();
    assert_int_equal(watch(task), vmTaskResult_DiskRelatedError);
    assert_int_equal(task_error(task), HRESULT_FROM_WIN32(ERROR_IO_DEVICE));
    IVMTask_Release(task);
    expect_nothing_at(target);
}

/* A file that appears at the target while the job runs is never replaced: the job ends
 * with E_ALREADY_EXISTS, the file is as its writer left it, the staged copy is removed. */
static void test_target_appears_meanwhile(void **state)
{
    static const char theirs[] = "someone else's file";
    WCHAR src[MAX_PATH], target[MAX_PATH], staged[MAX_PATH];
    WIN32_FIND_DATAW found;
    HANDLE search;
    IVMTask *task;
    DWORD size;
    BYTE *now;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    WORK_PATH(target, L"raced.vhd");
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"300");
    task = start_on(src, CONVERT, target, vmDiskType_Dynamic);
    clear_hooks();
    write_file(target, theirs, sizeof(theirs));
    assert_int_equal(watch(task), vmTaskResult_DiskRelatedError);
    assert_int_equal(task_error(task), E_ALREADY_EXISTS);
    IVMTask_Release(task);
    now = read_file(target, &size);
    assert_true(same_bytes(now, size, (const BYTE *)theirs, sizeof(theirs)));
    free(now);
    WORK_PATH(staged, L"raced.vhd.vsdisk-partial-*");
    search = FindFirstFileW(staged, &found);
    if (search != INVALID_HANDLE_VALUE) {
        FindClose(search);
        fail_msg("%ls is left behind", found.cFileName);
    }
}

/* A 512 KiB volume (when the harness could mount one): a fixed target that cannot fit is
 * refused before anything is written; a dynamic one fills the volume and the task ends with
 * E_DISK_FULL, leaving nothing. */
static void test_disk_full(void **state)
{
    WCHAR src[MAX_PATH], folder[MAX_PATH], target[MAX_PATH];
    IVMTask *task;
    char *text;

    (void)state;
    INPUT_PATH(folder, L"full");
    if (!path_exists(folder)) {
        print_message("no small volume: the harness said why (SKIP of this part)\n");
        return;
    }
    INPUT_PATH(src, L"src.vhd");
    INPUT_PATH(target, L"full\\fixed.vhd");
    expect_code(src, CONVERT, target, vmDiskType_FixedSize, E_DISK_FULL, "bytes free");
    expect_nothing_at(target);
    INPUT_PATH(target, L"full\\dynamic.vhd");
    task = start_on(src, CONVERT, target, vmDiskType_Dynamic);
    assert_int_equal(watch(task), vmTaskResult_DiskRelatedError);
    assert_int_equal(task_error(task), E_DISK_FULL);
    text = task_error_text(task);
    if (!strstr(text, "space"))
        fail_msg("ErrorDescription \"%s\" does not say the volume is full", text);
    free(text);
    IVMTask_Release(task);
    expect_nothing_at(target);
}

/* ---- every Win32 I/O call failed in turn ---- */

/* Starts op on the disk at path with its n-th Win32 I/O call failing: a failure at the call
 * (no task, the error info cleared) or inside the task (an error code) is counted; TRUE once
 * the job succeeded (n is past its last call). */
static BOOL run_failing_call(const WCHAR *path, enum op op, const WCHAR *target,
                             VMHardDiskType type, unsigned n, unsigned *at_call,
                             unsigned *in_task)
{
    IVMHardDisk *disk = get_disk(path);
    IVMTask *task = NULL;
    WCHAR value[16];
    BOOL done = FALSE;
    HRESULT hr;

    _snwprintf(value, ARRAYSIZE(value), L"%u", n);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
    hr = start(disk, op, target, type, &task);
    clear_hooks();
    IVMHardDisk_Release(disk);
    if (FAILED(hr)) {
        assert_null(task);
        expect_error_info(NULL);
        (*at_call)++;
        return FALSE;
    }
    if (watch(task) == vmTaskResult_Success)
        done = TRUE;
    else {
        assert_true(task_error(task) != 0);
        (*in_task)++;
    }
    IVMTask_Release(task);
    return done;
}

static void test_convert_fails_at_every_call(void **state)
{
    WCHAR src[MAX_PATH], target[MAX_PATH], value[16], raw[MAX_PATH];
    DWORD before_size, after_size;
    BYTE *before = NULL, *after;
    unsigned n, in_task = 0, at_call = 0;
    BOOL done = FALSE;

    (void)state;
    INPUT_PATH(src, L"src.vhd");
    WORK_PATH(target, L"fault.vhd");
    before = read_file(src, &before_size);
    for (n = 1; n < 400 && !done; n++) {
        IVMHardDisk *disk = get_disk(src);
        IVMTask *task = NULL;
        HRESULT hr;

        _snwprintf(value, ARRAYSIZE(value), L"%u", n);
        set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
        hr = start(disk, CONVERT, target, vmDiskType_FixedSize, &task);
        clear_hooks();
        IVMHardDisk_Release(disk);
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
                assert_true(strlen(text) > 20);
                free(text);
                in_task++;
            }
            IVMTask_Release(task);
        }
        after = read_file(src, &after_size);
        if (!same_bytes(before, before_size, after, after_size))
            fail_msg("the source changed when call %u failed", n);
        free(after);
        if (!done)
            expect_nothing_at(target);
    }
    assert_true(done);
    expect_fixed_content(target, INPUT_PATH(raw, L"src.raw"));
    print_message("Convert: %u calls failed in turn (%u at the call, %u inside the task)\n",
                  n - 2, at_call, in_task);
    assert_true(in_task >= 5);
    free(before);
}

static void test_merge_fails_at_every_call(void **state)
{
    WCHAR folder[MAX_PATH], child[MAX_PATH], parent[MAX_PATH], check[MAX_PATH];
    WCHAR raw[MAX_PATH];
    DWORD child_size, size;
    BYTE *child_bytes, *now;
    unsigned n, in_task = 0, at_call = 0;
    BOOL done = FALSE;

    (void)state;
    WORK_PATH(folder, L"fm");
    WORK_PATH(child, L"fm\\win8-child.vhd");
    WORK_PATH(parent, L"fm\\win8.vhd");
    WORK_PATH(check, L"fm-check.vhd");
    child_bytes = read_file(INPUT_PATH(raw, L"mt\\win8-child.vhd"), &child_size);
    INPUT_PATH(raw, L"chain.raw");
    for (n = 1; n < 400 && !done; n++) {
        copy_chain(folder);
        done = run_failing_call(child, MERGE, NULL, vmDiskType_Dynamic, n, &at_call, &in_task);
        /* The child is never written; the parent is a valid disk; running Merge again
         * completes it with the chain's content. */
        now = read_file(child, &size);
        if (!same_bytes(child_bytes, child_size, now, size))
            fail_msg("the child changed when call %u failed", n);
        free(now);
        assert_int_equal(disk_type(parent), vmDiskType_Dynamic);
        if (!done) {
            IVMTask *again = start_on(child, MERGE, NULL, vmDiskType_Dynamic);
            expect_success(again, "merge", L"win8.vhd");
            IVMTask_Release(again);
        }
        {
            IVMTask *flat = start_on(parent, CONVERT, check, vmDiskType_FixedSize);
            expect_success(flat, "convert", L"fm-check.vhd");
            IVMTask_Release(flat);
            expect_fixed_content(check, raw);
            assert_true(DeleteFileW(check));
        }
    }
    assert_true(done);
    print_message("Merge: %u calls failed in turn (%u at the call, %u inside the task)\n",
                  n - 2, at_call, in_task);
    assert_true(in_task >= 3);
    free(child_bytes);
}

/* Merge of a VHDX chain (qemu's disks, the child made differencing by make_vhdx_child.py):
 * through the parent's log; run_operations.sh then reads the parent with qemu. */
static void test_merge_vhdx(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH];
    IVMTask *task;

    (void)state;
    INPUT_PATH(child, L"mv\\child.vhdx");
    INPUT_PATH(parent, L"mv\\parent.vhdx");
    task = start_on(child, MERGE, NULL, vmDiskType_Dynamic);
    expect_success(task, "merge", L"parent.vhdx");
    IVMTask_Release(task);
    expect_format(parent, L"VHDX");
    assert_int_equal(disk_type(parent), vmDiskType_Dynamic);
    assert_int_equal(disk_type(child), vmDiskType_Differencing);
}

/* Every Win32 I/O call of a VHDX Merge failed in turn: the chain reads the same after each
 * failure (flattened by Convert, compared with the chain's content), the parent is a valid
 * VHDX, and Merge run again completes it (every fourth time the parent's content checked). */
static void test_merge_vhdx_fails_at_every_call(void **state)
{
    WCHAR child[MAX_PATH], parent[MAX_PATH], check[MAX_PATH], raw[MAX_PATH];
    WCHAR from[MAX_PATH];
    unsigned n, in_task = 0, at_call = 0;
    BOOL done = FALSE;

    (void)state;
    make_folder(WORK_PATH(check, L"fmv"));
    WORK_PATH(child, L"fmv\\child.vhdx");
    WORK_PATH(parent, L"fmv\\parent.vhdx");
    WORK_PATH(check, L"fmv-check.vhd");
    INPUT_PATH(raw, L"mv-chain.raw");
    for (n = 1; n < 600 && !done; n++) {
        assert_true(CopyFileW(INPUT_PATH(from, L"mvf\\parent.vhdx"), parent, FALSE));
        assert_true(CopyFileW(INPUT_PATH(from, L"mvf\\child.vhdx"), child, FALSE));
        done = run_failing_call(child, MERGE, NULL, vmDiskType_Dynamic, n, &at_call, &in_task);
        /* The chain reads the same; the parent is a valid VHDX. */
        {
            IVMTask *flat = start_on(child, CONVERT, check, vmDiskType_FixedSize);
            expect_success(flat, "convert", L"fmv-check.vhd");
            IVMTask_Release(flat);
            expect_fixed_content(check, raw);
            assert_true(DeleteFileW(check));
        }
        assert_int_equal(disk_type(parent), vmDiskType_Dynamic);
        if (!done) {
            IVMTask *again = start_on(child, MERGE, NULL, vmDiskType_Dynamic);
            expect_success(again, "merge", L"parent.vhdx");
            IVMTask_Release(again);
        }
        if (done || n % 4 == 0) {
            IVMTask *flat = start_on(parent, CONVERT, check, vmDiskType_FixedSize);
            expect_success(flat, "convert", L"fmv-check.vhd");
            IVMTask_Release(flat);
            expect_fixed_content(check, raw);
            assert_true(DeleteFileW(check));
        }
    }
    assert_true(done);
    /* The last run's parent, for run_operations.sh to read with qemu. */
    assert_true(CopyFileW(parent, INPUT_PATH(from, L"mvf\\parent.vhdx"), FALSE));
    print_message("Merge of a VHDX: %u calls failed in turn (%u at the call, %u inside the task)\n",
                  n - 2, at_call, in_task);
    assert_true(in_task >= 10);
}

/* Every Win32 I/O call of a VHDX Compact failed in turn (qemu's dynamic VHDX with a block of
 * zeros, compf.vhdx): after each failure the disk is a valid dynamic VHDX whose content is the
 * same (flattened by Convert, compared with qemu's reading from before), and Compact run again
 * completes it, the zero block given back. */
static void test_compact_vhdx_fails_at_every_call(void **state)
{
    WCHAR disk_path[MAX_PATH], check[MAX_PATH], raw[MAX_PATH], from[MAX_PATH];
    unsigned n, in_task = 0, at_call = 0;
    ULONGLONG before;
    BOOL done = FALSE;

    (void)state;
    make_folder(WORK_PATH(check, L"fcv"));
    WORK_PATH(disk_path, L"fcv\\disk.vhdx");
    WORK_PATH(check, L"fcv-check.vhd");
    INPUT_PATH(raw, L"comp-vhdx.raw");
    INPUT_PATH(from, L"compf.vhdx");
    before = size_of(from, TRUE);
    for (n = 1; n < 600 && !done; n++) {
        IVMTask *flat;

        assert_true(CopyFileW(from, disk_path, FALSE));
        done = run_failing_call(disk_path, COMPACT, NULL, vmDiskType_Dynamic, n, &at_call, &in_task);
        /* The disk is a valid dynamic VHDX with the same content. */
        assert_int_equal(disk_type(disk_path), vmDiskType_Dynamic);
        flat = start_on(disk_path, CONVERT, check, vmDiskType_FixedSize);
        expect_success(flat, "convert", L"fcv-check.vhd");
        IVMTask_Release(flat);
        expect_fixed_content(check, raw);
        assert_true(DeleteFileW(check));
        if (!done) {
            IVMTask *again = start_on(disk_path, COMPACT, NULL, vmDiskType_Dynamic);
            expect_success(again, "compact", L"disk.vhdx");
            IVMTask_Release(again);
            if (n % 4 == 0) {
                flat = start_on(disk_path, CONVERT, check, vmDiskType_FixedSize);
                expect_success(flat, "convert", L"fcv-check.vhd");
                IVMTask_Release(flat);
                expect_fixed_content(check, raw);
                assert_true(DeleteFileW(check));
            }
        }
        /* Compacted (by the run that succeeded or the rerun): the zero block given back. */
        assert_true(size_of(disk_path, TRUE) + MIB <= before);
    }
    assert_true(done);
    /* The last run's disk, for run_operations.sh to check with qemu. */
    assert_true(CopyFileW(disk_path, from, FALSE));
    print_message("Compact of a VHDX: %u calls failed in turn (%u at the call, %u inside the task)\n",
                  n - 2, at_call, in_task);
    assert_true(in_task >= 5);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_convert, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_merge_to, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_raw, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_merge, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_compact, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_compact_fixed_vhdx, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_pointers_and_arguments, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_disk_codes, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_disk_deleted_after_get, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_read_only, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_sharing_violation, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_during_a_job, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_failure_inside_the_job, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_target_appears_meanwhile, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_convert_fails_at_every_call, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_merge_fails_at_every_call, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_merge_vhdx, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_merge_vhdx_fails_at_every_call, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_compact_vhdx_fails_at_every_call, support_setup, support_teardown),
    };

    if (argc < 4) {
        fprintf(stderr, "usage: test_operations DLL TMPBASE INPUTS\n");
        return 2;
    }
    support_windows_path(argv[3], inputs, ARRAYSIZE(inputs));
    return support_run(argc, argv, "operations", tests, ARRAYSIZE(tests));
}
