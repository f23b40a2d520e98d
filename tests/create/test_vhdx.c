/* VHDX through COM: the three creations make a VHDX when the path ends in .vhdx (any case),
 * with every documented code; GetHardDisk and every IVMHardDisk property answer for them;
 * IVsDiskHardDisk2 says the format, block and sector sizes and the virtual disk id;
 * IVsDiskVirtualServer.CreateVirtualHardDisk creates with options; a child is always of its
 * parent's format; every I/O call of each creation failed in turn leaves nothing and the
 * parent unchanged. The files are checked here from their bytes (MS-VHDX's signatures and
 * fields), and by qemu-img and vhdiinfo in vhdx_disks.sh.
 * Usage: test_vhdx DLL TMPBASE */
#include "create_support.h"

#include <stdio.h>
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
#define X_VM_E_FILE_TOO_LARGE_FOR_VOLUME ((HRESULT)0xA0040679)
#define X_VM_E_IMAGE_SIZE_TOO_LARGE    ((HRESULT)0xA0040683)
#define X_VM_E_IMAGE_SIZE_TOO_SMALL    ((HRESULT)0xA0040684)
#define X_VM_E_WRONG_HD_IMAGE_TYPE     ((HRESULT)0xA004067B)
#define X_VM_E_INVALID_HD_FILE         ((HRESULT)0xA0040682)

#define VHDX_MAX_MB 67108864
#define MB_BYTES 1048576ull

static IVMTask *start_dynamic(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;
    BSTR bstr = SysAllocString(path);
    HRESULT hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(support_vs, bstr, mb, &task);
    SysFreeString(bstr);
    if (hr != S_OK)
        fail_msg("CreateDynamicVirtualHardDisk(\"%ls\", %ld): 0x%08lx", path, mb, (unsigned long)hr);
    return task;
}

static IVMTask *start_fixed(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;
    BSTR bstr = SysAllocString(path);
    HRESULT hr = IVMVirtualServer_CreateFixedVirtualHardDisk(support_vs, bstr, mb, &task);
    SysFreeString(bstr);
    if (hr != S_OK)
        fail_msg("CreateFixedVirtualHardDisk(\"%ls\", %ld): 0x%08lx", path, mb, (unsigned long)hr);
    return task;
}

static HRESULT create_child(const WCHAR *path, const WCHAR *parent, IVMTask **task)
{
    BSTR child_bstr = SysAllocString(path), parent_bstr = SysAllocString(parent);
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = IVMVirtualServer_CreateDifferencingVirtualHardDisk(support_vs, child_bstr, parent_bstr, task);
    SysFreeString(child_bstr);
    SysFreeString(parent_bstr);
    return hr;
}

static IVMTask *start_child(const WCHAR *path, const WCHAR *parent)
{
    IVMTask *task = NULL;
    HRESULT hr = create_child(path, parent, &task);
    if (hr != S_OK)
        fail_msg("CreateDifferencingVirtualHardDisk(\"%ls\", \"%ls\"): 0x%08lx", path, parent,
                 (unsigned long)hr);
    return task;
}

static void finish(IVMTask *task)
{
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    if (task_result(task) != 0) {
        char *text = task_error_text(task);
        fail_msg("the task failed: 0x%08lx %s", (unsigned long)task_error(task), text);
    }
    IVMTask_Release(task);
}

static ULONGLONG file_size(const WCHAR *path)
{
    WIN32_FILE_ATTRIBUTE_DATA data;
    assert_true(GetFileAttributesExW(path, GetFileExInfoStandard, &data));
    return (ULONGLONG)data.nFileSizeHigh << 32 | data.nFileSizeLow;
}

/* The bytes at offset of path (len of them). */
static void read_at(const WCHAR *path, ULONGLONG offset, void *out, DWORD len)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    OVERLAPPED at = { 0 };
    DWORD done = 0;

    assert_true(file != INVALID_HANDLE_VALUE);
    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    assert_true(ReadFile(file, out, len, &done, &at));
    assert_int_equal(done, len);
    CloseHandle(file);
}

/* A finished VHDX: the file type identifier naming vsdisk, and a header in both slots
 * (MS-VHDX 2.2: the headers at 64 KiB and 128 KiB, signature "head"). */
static void assert_vhdx_file(const WCHAR *path)
{
    char bytes[16];

    read_at(path, 0, bytes, 8);
    if (memcmp(bytes, "vhdxfile", 8))
        fail_msg("%ls does not start with the VHDX file type identifier", path);
    read_at(path, 64 * 1024, bytes, 4);
    assert_memory_equal(bytes, "head", 4);
    read_at(path, 128 * 1024, bytes, 4);
    assert_memory_equal(bytes, "head", 4);
}

static IVMHardDisk *open_disk(const WCHAR *path)
{
    IVMHardDisk *disk = NULL;
    BSTR bstr = SysAllocString(path);
    HRESULT hr = IVMVirtualServer_GetHardDisk(support_vs, bstr, &disk);
    SysFreeString(bstr);
    if (hr != S_OK)
        fail_msg("GetHardDisk(\"%ls\"): 0x%08lx", path, (unsigned long)hr);
    return disk;
}

struct expected_disk {
    VMHardDiskType type;
    ULONGLONG size;
    const WCHAR *format;
    LONG block_size, logical, physical;
};

/* Every IVMHardDisk property and every IVsDiskHardDisk2 one against what was asked for. */
static void check_disk(const WCHAR *path, const struct expected_disk *expected, GUID *id)
{
    IVMHardDisk *disk = open_disk(path);
    IVsDiskHardDisk2 *more = NULL;
    VMHardDiskType type;
    VARIANT value;
    BSTR text = NULL;
    LONG number;
    double bytes;

    assert_int_equal(IVMHardDisk_get_Type(disk, &type), S_OK);
    assert_int_equal(type, expected->type);
    assert_int_equal(IVMHardDisk_get_SizeInGuest(disk, &value), S_OK);
    assert_int_equal(V_VT(&value), VT_DECIMAL);
    assert_true(V_DECIMAL(&value).Lo64 == expected->size);
    assert_int_equal(IVMHardDisk_get_SizeOnHost(disk, &value), S_OK);
    assert_true(V_DECIMAL(&value).Lo64 == file_size(path));
    assert_int_equal(IVMHardDisk_get_HostFreeDiskSpace(disk, &value), S_OK);
    assert_true(V_DECIMAL(&value).Lo64 > 0);
    assert_int_equal(IVMHardDisk_get_File(disk, &text), S_OK);
    assert_true(wcscmp(text, path) == 0);
    SysFreeString(text);

    assert_int_equal(IVMHardDisk_QueryInterface(disk, &IID_IVsDiskHardDisk2, (void **)&more), S_OK);
    assert_int_equal(IVsDiskHardDisk2_get_Format(more, &text), S_OK);
    if (wcscmp(text, expected->format))
        fail_msg("%ls: Format is %ls, expected %ls", path, text, expected->format);
    SysFreeString(text);
    assert_int_equal(IVsDiskHardDisk2_get_BlockSize(more, &number), S_OK);
    assert_int_equal(number, expected->block_size);
    assert_int_equal(IVsDiskHardDisk2_get_LogicalSectorSize(more, &number), S_OK);
    assert_int_equal(number, expected->logical);
    assert_int_equal(IVsDiskHardDisk2_get_PhysicalSectorSize(more, &number), S_OK);
    assert_int_equal(number, expected->physical);
    assert_int_equal(IVsDiskHardDisk2_get_SizeInGuestBytes(more, &bytes), S_OK);
    assert_true(bytes == (double)expected->size);
    assert_int_equal(IVsDiskHardDisk2_get_VirtualDiskId(more, &text), S_OK);
    assert_int_equal(SysStringLen(text), 38);
    assert_int_equal(CLSIDFromString(text, id), S_OK);
    SysFreeString(text);
    assert_int_equal(IVsDiskHardDisk2_get_Format(more, NULL), X_E_POINTER);
    IVsDiskHardDisk2_Release(more);
    IVMHardDisk_Release(disk);
}

/* --- the documented codes, with .vhdx paths -------------------------------------------- */

typedef HRESULT (WINAPI *creation)(IVMVirtualServer *, BSTR, LONG, IVMTask **);

static HRESULT call(creation create, const WCHAR *path, LONG mb, IVMTask **task)
{
    BSTR bstr = path ? SysAllocString(path) : NULL;
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = create(support_vs, bstr, mb, task);
    SysFreeString(bstr);
    return hr;
}

static void expect_code(creation create, const WCHAR *path, LONG mb, HRESULT expected,
                        const char *keyword)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;
    HRESULT hr = call(create, path, mb, &task);

    if (hr != expected) {
        if (SUCCEEDED(hr) && task)
            IVMTask_WaitForCompletion(task, -1);
        fail_msg("\"%ls\", %ld MB: got 0x%08lx, expected 0x%08lx", path ? path : L"(NULL)", mb,
                 (unsigned long)hr, (unsigned long)expected);
    }
    assert_null(task);
    expect_error_info(keyword);
    if (path && expected != X_E_ALREADY_EXISTS)
        assert_false(path_exists(path));
}

static HRESULT WINAPI dynamic_call(IVMVirtualServer *vs, BSTR path, LONG mb, IVMTask **task)
{
    return IVMVirtualServer_CreateDynamicVirtualHardDisk(vs, path, mb, task);
}

static HRESULT WINAPI fixed_call(IVMVirtualServer *vs, BSTR path, LONG mb, IVMTask **task)
{
    return IVMVirtualServer_CreateFixedVirtualHardDisk(vs, path, mb, task);
}

static void codes_of(creation create, const WCHAR *name)
{
    WCHAR path[MAX_PATH], existing[MAX_PATH];
    WCHAR long_path[300];
    IVMTask *task = NULL;
    size_t i;

    WORK_PATH(path, L"codes\\%ls.vhdx", name);
    assert_int_equal(call(create, NULL, 100, &task), X_E_POINTER);
    assert_int_equal(call(create, path, 100, NULL), X_E_POINTER);
    expect_code(create, path, 0, X_E_INVALIDARG, "positive");
    expect_code(create, path, -5, X_E_INVALIDARG, "positive");
    expect_code(create, path, 2, X_VM_E_IMAGE_SIZE_TOO_SMALL, "3 MB");
    expect_code(create, path, VHDX_MAX_MB + 1, X_VM_E_IMAGE_SIZE_TOO_LARGE, "67,108,864 MB");
    expect_code(create, path, 0x7fffffff, X_VM_E_IMAGE_SIZE_TOO_LARGE, "VHDX");
    expect_code(create, L"relative.vhdx", 100, X_E_BAD_PATHNAME, NULL);
    WORK_PATH(path, L"codes\\bad?name.vhdx");
    expect_code(create, path, 100, X_E_INVALID_NAME, NULL);
    wcscpy(long_path, L"C:\\");
    for (i = 3; i < 270; i++)
        long_path[i] = 'a';
    wcscpy(long_path + 270, L".vhdx");
    expect_code(create, long_path, 100, X_E_BUFFER_OVERFLOW, NULL);
    expect_code(create, L"Q:\\no-such-drive\\x.vhdx", 100, X_E_PATH_NOT_FOUND, NULL);
    WORK_PATH(existing, L"codes-existing.vhdx");
    write_file(existing, "keep", 4);
    expect_code(create, existing, 100, X_E_ALREADY_EXISTS, "already exists");
    {   /* never overwritten */
        DWORD size;
        BYTE *bytes = read_file(existing, &size);
        assert_int_equal(size, 4);
        assert_memory_equal(bytes, "keep", 4);
        free(bytes);
    }
    DeleteFileW(existing);
    /* A VHD's limit still holds for a .vhd path; the description points at .vhdx. */
    WORK_PATH(path, L"codes\\%ls.vhd", name);
    expect_code(create, path, MAX_DISK_MB + 1, X_VM_E_IMAGE_SIZE_TOO_LARGE, ".vhdx");
}

static void test_codes(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    codes_of(dynamic_call, L"dynamic");
    codes_of(fixed_call, L"fixed");
    /* A fixed VHDX reserves its whole size first: a volume without it is full. */
    WORK_PATH(path, L"codes\\full.vhdx");
    expect_code(fixed_call, path, VHDX_MAX_MB, X_E_DISK_FULL, "bytes free");
    /* FAT32 holds files of 4 GiB at most, checked against the VHDX fully expanded. */
    set_hook(L"VSDISK_TEST_FILESYSTEM", L"FAT32");
    expect_code(dynamic_call, path, 4096, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, "FAT32");
    set_hook(L"VSDISK_TEST_FILESYSTEM", NULL);
    remove_tree(WORK_PATH(path, L"codes"));
}

/* The largest VHDX, and one just over the largest VHD, are made. */
static void test_size_bounds(void **state)
{
    WCHAR path[MAX_PATH];
    struct expected_disk big = { vmDiskType_Dynamic, VHDX_MAX_MB * MB_BYTES, L"VHDX",
                                 32 * 1048576, 512, 4096 };
    GUID id;
    (void)state;

    WORK_PATH(path, L"bounds\\max.vhdx");
    finish(start_dynamic(path, VHDX_MAX_MB));
    assert_vhdx_file(path);
    check_disk(path, &big, &id);
    WORK_PATH(path, L"bounds\\over-vhd.VHDX");
    finish(start_dynamic(path, MAX_DISK_MB + 1));
    big.size = (MAX_DISK_MB + 1) * MB_BYTES;
    check_disk(path, &big, &id);
    WORK_PATH(path, L"bounds\\min.vhdx");
    finish(start_dynamic(path, 3));
    big.size = 3 * MB_BYTES;
    check_disk(path, &big, &id);
    remove_tree(WORK_PATH(path, L"bounds"));
}

/* --- the three kinds, read back ----------------------------------------------------------- */

static void test_three_kinds(void **state)
{
    WCHAR dynamic[MAX_PATH], fixed[MAX_PATH], child[MAX_PATH], vhd[MAX_PATH];
    struct expected_disk expected_dynamic = { vmDiskType_Dynamic, 100 * MB_BYTES, L"VHDX",
                                              32 * 1048576, 512, 4096 };
    struct expected_disk expected_fixed = { vmDiskType_FixedSize, 8 * MB_BYTES, L"VHDX",
                                            32 * 1048576, 512, 4096 };
    struct expected_disk expected_child = { vmDiskType_Differencing, 100 * MB_BYTES, L"VHDX",
                                            2 * 1048576, 512, 4096 };
    struct expected_disk expected_vhd = { vmDiskType_Dynamic, 10 * MB_BYTES, L"VHD",
                                          2 * 1048576, 512, 512 };
    GUID parent_id, child_id, fixed_id;
    IVMHardDisk *disk, *parent = NULL;
    BSTR text = NULL;
    char description[300];
    (void)state;

    WORK_PATH(dynamic, L"kinds\\base.vhdx");
    WORK_PATH(fixed, L"kinds\\fixed.Vhdx");
    WORK_PATH(child, L"kinds\\sub\\child.vhdx");
    WORK_PATH(vhd, L"kinds\\old.vhd");
    {
        IVMTask *task = start_dynamic(dynamic, 100);
        BSTR what = NULL;
        assert_int_equal(IVMTask_get_Description(task, &what), S_OK);
        snprintf(description, sizeof(description), "%ls", what);
        SysFreeString(what);
        if (!strstr(description, "VHDX"))
            fail_msg("the task's description \"%s\" does not say VHDX", description);
        finish(task);
    }
    finish(start_fixed(fixed, 8));
    finish(start_child(child, dynamic));
    finish(start_dynamic(vhd, 10));
    assert_vhdx_file(dynamic);
    assert_vhdx_file(fixed);
    assert_vhdx_file(child);
    /* A fixed VHDX holds its whole size (and its 1 MiB structures) from the start. */
    assert_true(file_size(fixed) >= 8 * MB_BYTES + 4 * MB_BYTES);
    assert_true(file_size(dynamic) < 8 * MB_BYTES);
    check_disk(dynamic, &expected_dynamic, &parent_id);
    check_disk(fixed, &expected_fixed, &fixed_id);
    check_disk(child, &expected_child, &child_id);
    check_disk(vhd, &expected_vhd, &fixed_id);
    /* A child shares its parent's virtual disk id (MS-VHDX 2.6.2.6). */
    assert_memory_equal(&parent_id, &child_id, sizeof(GUID));

    /* Parent of the child is the base; the base has none. */
    disk = open_disk(child);
    assert_int_equal(IVMHardDisk_get_Parent(disk, &parent), S_OK);
    assert_non_null(parent);
    assert_int_equal(IVMHardDisk_get_File(parent, &text), S_OK);
    assert_true(_wcsicmp(text, dynamic) == 0);
    SysFreeString(text);
    IVMHardDisk_Release(parent);
    IVMHardDisk_Release(disk);
    disk = open_disk(dynamic);
    parent = (IVMHardDisk *)(uintptr_t)1;
    assert_int_equal(IVMHardDisk_get_Parent(disk, &parent), S_FALSE);
    assert_null(parent);
    IVMHardDisk_Release(disk);
    remove_tree(WORK_PATH(dynamic, L"kinds"));
}

/* A differencing disk is always of its parent's format, both ways; nothing is created. */
static void test_cross_format_parent(void **state)
{
    WCHAR vhd[MAX_PATH], vhdx[MAX_PATH], child[MAX_PATH];
    IVMTask *task = (IVMTask *)(uintptr_t)1;
    (void)state;

    WORK_PATH(vhd, L"cross\\p.vhd");
    WORK_PATH(vhdx, L"cross\\p.vhdx");
    finish(start_dynamic(vhd, 10));
    finish(start_dynamic(vhdx, 10));
    WORK_PATH(child, L"cross\\c.vhdx");
    assert_int_equal(create_child(child, vhd, &task), X_VM_E_WRONG_HD_IMAGE_TYPE);
    assert_null(task);
    expect_error_info("of its parent's format");
    assert_false(path_exists(child));
    WORK_PATH(child, L"cross\\c.vhd");
    task = (IVMTask *)(uintptr_t)1;
    assert_int_equal(create_child(child, vhdx, &task), X_VM_E_WRONG_HD_IMAGE_TYPE);
    assert_null(task);
    expect_error_info("must be a VHDX");
    assert_false(path_exists(child));
    remove_tree(WORK_PATH(vhd, L"cross"));
}

/* Parent put re-links a VHDX child whose parent moved (through the child's log); a disk that
 * is not its parent, or of the other format, is refused and the child left byte for byte. */
static void test_relink(void **state)
{
    WCHAR base[MAX_PATH], moved_dir[MAX_PATH], moved[MAX_PATH], child[MAX_PATH];
    WCHAR other[MAX_PATH], vhd[MAX_PATH];
    IVMHardDisk *disk, *parent = NULL, *wrong;
    BYTE *before, *after;
    DWORD before_size, after_size;
    BSTR text = NULL;
    (void)state;

    WORK_PATH(base, L"relink\\base.vhdx");
    WORK_PATH(moved_dir, L"relink\\moved");
    WORK_PATH(moved, L"relink\\moved\\base.vhdx");
    WORK_PATH(child, L"relink\\child.vhdx");
    WORK_PATH(other, L"relink\\other.vhdx");
    WORK_PATH(vhd, L"relink\\base.vhd");
    finish(start_dynamic(base, 20));
    finish(start_child(child, base));
    finish(start_dynamic(other, 20));
    finish(start_dynamic(vhd, 20));
    make_folder(moved_dir);
    assert_true(MoveFileW(base, moved));

    disk = open_disk(child);
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMHardDisk_get_Parent(disk, &parent), (HRESULT)0xA0040677);
    assert_null(parent);

    /* Not its parent: refused, the child unchanged. */
    before = read_file(child, &before_size);
    wrong = open_disk(other);
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMHardDisk_put_Parent(disk, wrong), (HRESULT)0xA0040685);
    expect_error_info(NULL);
    IVMHardDisk_Release(wrong);
    wrong = open_disk(vhd);
    assert_int_equal(IVMHardDisk_put_Parent(disk, wrong), (HRESULT)0xA0040685);
    expect_error_info("format");
    IVMHardDisk_Release(wrong);
    after = read_file(child, &after_size);
    assert_int_equal(before_size, after_size);
    assert_memory_equal(before, after, before_size);
    free(after);

    /* The moved parent: re-linked, found again. */
    parent = open_disk(moved);
    assert_int_equal(IVMHardDisk_put_Parent(disk, parent), S_OK);
    IVMHardDisk_Release(parent);
    parent = NULL;
    assert_int_equal(IVMHardDisk_get_Parent(disk, &parent), S_OK);
    assert_int_equal(IVMHardDisk_get_File(parent, &text), S_OK);
    assert_true(_wcsicmp(text, moved) == 0);
    SysFreeString(text);
    IVMHardDisk_Release(parent);
    IVMHardDisk_Release(disk);
    assert_vhdx_file(child);
    /* Only metadata changed: the child's block area (from 4 MiB on) is as it was. */
    after = read_file(child, &after_size);
    assert_true(after_size >= before_size || before_size <= 4 * MB_BYTES);
    if (before_size > 4 * MB_BYTES)
        assert_memory_equal(before + 4 * MB_BYTES, after + 4 * MB_BYTES, before_size - 4 * MB_BYTES);
    free(before);
    free(after);
    remove_tree(WORK_PATH(base, L"relink"));
}

/* --- IVsDiskVirtualServer.CreateVirtualHardDisk ------------------------------------------- */

static HRESULT create_with(IVsDiskVirtualServer *vs, const WCHAR *path, VMHardDiskType type,
                           LONG mb, const WCHAR *parent, LONG block, LONG logical, LONG physical,
                           IVMTask **task)
{
    BSTR path_bstr = SysAllocString(path), parent_bstr = SysAllocString(parent);
    HRESULT hr;

    SetErrorInfo(0, NULL);
    *task = NULL;
    hr = IVsDiskVirtualServer_CreateVirtualHardDisk(vs, path_bstr, type, mb, parent_bstr, block,
                                                    logical, physical, task);
    SysFreeString(path_bstr);
    SysFreeString(parent_bstr);
    return hr;
}

static void test_create_with_options(void **state)
{
    IVsDiskVirtualServer *vs = support_vsdisk_server();
    WCHAR dynamic[MAX_PATH], fixed[MAX_PATH], child[MAX_PATH], vhd[MAX_PATH], bad[MAX_PATH];
    struct expected_disk expected_dynamic = { vmDiskType_Dynamic, 64 * MB_BYTES, L"VHDX",
                                              1048576, 4096, 4096 };
    struct expected_disk expected_fixed = { vmDiskType_FixedSize, 6 * MB_BYTES, L"VHDX",
                                            8 * 1048576, 512, 512 };
    struct expected_disk expected_child = { vmDiskType_Differencing, 64 * MB_BYTES, L"VHDX",
                                            4 * 1048576, 4096, 4096 };
    struct expected_disk expected_vhd = { vmDiskType_FixedSize, 5 * MB_BYTES, L"VHD", 0, 512, 512 };
    IVMTask *task;
    GUID id;
    (void)state;

    WORK_PATH(dynamic, L"options\\d.vhdx");
    WORK_PATH(fixed, L"options\\f.vhdx");
    WORK_PATH(child, L"options\\c.vhdx");
    WORK_PATH(vhd, L"options\\v.vhd");
    WORK_PATH(bad, L"options\\bad.vhdx");
    assert_int_equal(create_with(vs, dynamic, vmDiskType_Dynamic, 64, L"", 1048576, 4096, 0, &task), S_OK);
    finish(task);
    assert_int_equal(create_with(vs, fixed, vmDiskType_FixedSize, 6, L"", 8 * 1048576, 0, 512, &task), S_OK);
    finish(task);
    assert_int_equal(create_with(vs, child, vmDiskType_Differencing, 0, dynamic, 4 * 1048576, 0, 0, &task), S_OK);
    finish(task);
    assert_int_equal(create_with(vs, vhd, vmDiskType_FixedSize, 5, L"", 0, 512, 0, &task), S_OK);
    finish(task);
    check_disk(dynamic, &expected_dynamic, &id);
    check_disk(fixed, &expected_fixed, &id);
    check_disk(child, &expected_child, &id);
    check_disk(vhd, &expected_vhd, &id);

    /* Each option a format forbids, refused before anything is written. */
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", 3 * 1048576, 0, 0, &task), X_E_INVALIDARG);
    expect_error_info("power of two");
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", 512 * 1048576, 0, 0, &task), X_E_INVALIDARG);
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", 0, 1024, 0, &task), X_E_INVALIDARG);
    expect_error_info("logical sector size");
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", 0, 0, 2048, &task), X_E_INVALIDARG);
    expect_error_info("physical sector size");
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", -1, 0, 0, &task), X_E_INVALIDARG);
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, dynamic, 0, 0, 0, &task), X_E_INVALIDARG);
    expect_error_info("parentPath");
    assert_int_equal(create_with(vs, bad, vmDiskType_Differencing, 64, dynamic, 0, 0, 0, &task), X_E_INVALIDARG);
    expect_error_info("parent's size");
    assert_int_equal(create_with(vs, bad, vmDiskType_Differencing, 0, L"", 0, 0, 0, &task), X_E_INVALIDARG);
    assert_int_equal(create_with(vs, bad, vmDiskType_Differencing, 0, dynamic, 0, 4096, 0, &task), X_E_INVALIDARG);
    expect_error_info("parent's sector sizes");
    assert_int_equal(create_with(vs, bad, vmDiskType_HostDrive, 64, L"", 0, 0, 0, &task), X_VM_E_WRONG_HD_IMAGE_TYPE);
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, VHDX_MAX_MB + 1, L"", 0, 0, 0, &task), X_VM_E_IMAGE_SIZE_TOO_LARGE);
    assert_false(path_exists(bad));
    WORK_PATH(bad, L"options\\bad.vhd");
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", 1048576, 0, 0, &task), X_E_INVALIDARG);
    expect_error_info(".vhdx");
    assert_int_equal(create_with(vs, bad, vmDiskType_Dynamic, 64, L"", 0, 4096, 0, &task), X_E_INVALIDARG);
    assert_false(path_exists(bad));
    assert_null(task);
    IVsDiskVirtualServer_Release(vs);
    remove_tree(WORK_PATH(dynamic, L"options"));
}

/* VsDisk.VirtualServer's IDispatch serves vsdisk's interface; VirtualServer.Application's
 * stays Virtual Server's, member for member. */
static void test_dispatch_flavours(void **state)
{
    IVsDiskVirtualServer *ours = support_vsdisk_server();
    IDispatch *dispatch = NULL;
    IVsDiskVirtualServer *extension = NULL;
    LPOLESTR name = (LPOLESTR)L"CreateVirtualHardDisk";
    DISPID id = 0;
    (void)state;

    assert_int_equal(IVsDiskVirtualServer_QueryInterface(ours, &IID_IDispatch, (void **)&dispatch), S_OK);
    assert_int_equal(IDispatch_GetIDsOfNames(dispatch, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id), S_OK);
    assert_int_equal(id, 0x60030000);
    IDispatch_Release(dispatch);
    IVsDiskVirtualServer_Release(ours);

    assert_int_equal(IVMVirtualServer_QueryInterface(support_vs, &IID_IDispatch, (void **)&dispatch), S_OK);
    assert_int_equal(IDispatch_GetIDsOfNames(dispatch, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id),
                     DISP_E_UNKNOWNNAME);
    IDispatch_Release(dispatch);
    /* Early-bound programs reach the extension by QueryInterface on either object. */
    assert_int_equal(IVMVirtualServer_QueryInterface(support_vs, &IID_IVsDiskVirtualServer,
                                                     (void **)&extension), S_OK);
    IVsDiskVirtualServer_Release(extension);
}

/* --- faults ------------------------------------------------------------------------------- */

struct vhdx_job {
    const WCHAR *path, *parent;
    LONG mb;
    BOOL fixed;
};

static IVMTask *start_job(void *ctx)
{
    const struct vhdx_job *job = ctx;
    if (job->parent)
        return start_child(job->path, job->parent);
    return job->fixed ? start_fixed(job->path, job->mb) : start_dynamic(job->path, job->mb);
}

static void check_nothing_left(IVMTask *task, void *ctx)
{
    const struct vhdx_job *job = ctx;
    char *text = task_error_text(task);
    (void)job;
    if (!strstr(text, "removed"))
        fail_msg("the failed task's description does not say what was removed: %s", text);
    free(text);
}

/* Every I/O call of each creation failed in turn: the task fails with the error, nothing is
 * left (its folder included), the parent is unchanged; the first call past the last makes
 * the disk. */
static void test_fails_at_every_call(void **state)
{
    WCHAR base[MAX_PATH], folder[MAX_PATH], path[MAX_PATH], parent[MAX_PATH];
    struct vhdx_job job = { path, NULL, 40, FALSE };
    struct io_call_faults run = { L"1117", 2, 200, X_E_IO_DEVICE, folder, start_job,
                                  check_nothing_left, &job };
    unsigned n, failures;
    BYTE *before, *after;
    DWORD before_size, after_size;
    (void)state;

    WORK_PATH(base, L"faults");
    WORK_PATH(folder, L"faults\\sub");
    WORK_PATH(path, L"faults\\sub\\x.vhdx");
    WORK_PATH(parent, L"faults\\p.vhdx");
    make_folder(base);

    failures = fail_io_calls_in_turn(&run, &n);
    if (failures < 3 || n == run.limit)
        fail_msg("dynamic: %u failing calls, stopped at call %u", failures, n);
    assert_vhdx_file(path);
    remove_tree(folder);

    job.fixed = TRUE;
    job.mb = 3;
    failures = fail_io_calls_in_turn(&run, &n);
    if (failures < 4 || n == run.limit)
        fail_msg("fixed: %u failing calls, stopped at call %u", failures, n);
    assert_vhdx_file(path);
    remove_tree(folder);

    finish(start_dynamic(parent, 40));
    before = read_file(parent, &before_size);
    job.fixed = FALSE;
    job.parent = parent;
    failures = fail_io_calls_in_turn(&run, &n);
    if (failures < 3 || n == run.limit)
        fail_msg("differencing: %u failing calls, stopped at call %u", failures, n);
    assert_vhdx_file(path);
    after = read_file(parent, &after_size);
    assert_int_equal(before_size, after_size);
    assert_memory_equal(before, after, before_size);
    free(before);
    free(after);
    remove_tree(base);
}

/* GetHardDisk refuses what is not a disk with VM_E_INVALID_HD_FILE, naming the rule. */
static void test_invalid_vhdx(void **state)
{
    WCHAR path[MAX_PATH];
    IVMHardDisk *disk = NULL;
    BYTE *bytes;
    DWORD size;
    BSTR bstr;
    (void)state;

    WORK_PATH(path, L"invalid.vhdx");
    finish(start_dynamic(path, 10));
    bytes = read_file(path, &size);
    /* Both headers' checksums broken: no current header. */
    bytes[64 * 1024 + 4] ^= 0xFF;
    bytes[128 * 1024 + 4] ^= 0xFF;
    DeleteFileW(path);
    write_file(path, bytes, size);
    free(bytes);
    bstr = SysAllocString(path);
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMVirtualServer_GetHardDisk(support_vs, bstr, &disk), X_VM_E_INVALID_HD_FILE);
    assert_null(disk);
    expect_error_info("header");
    SysFreeString(bstr);
    DeleteFileW(path);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_codes, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_size_bounds, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_three_kinds, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_cross_format_parent, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_relink, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_create_with_options, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_flavours, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_fails_at_every_call, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_vhdx, support_setup, support_teardown),
    };
    return support_run(argc, argv, "vhdx", tests, ARRAYSIZE(tests));
}
