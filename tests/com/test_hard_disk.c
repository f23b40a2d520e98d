/* GetHardDisk, IVMHardDisk and GetHardDiskFiles from C, under Wine: every sample (and a fixed
 * disk qemu-img made) against what vhdiinfo reported for it (run_hard_disk.sh writes that
 * into EXPECTED: name, VMHardDiskType, media size, file size); each documented code for its
 * reason with a description; Parent get and put (a moved parent re-linked, the wrong one
 * refused with the child unchanged byte for byte); properties that follow the file; sharing.
 * Usage: test_hard_disk DLL SAMPLES-FOLDER SCRATCH-FOLDER EXPECTED-FILE */
#include <stdio.h>
#include <wchar.h>

#include "com_test.h"

static struct dll_under_test dll;
static WCHAR samples[MAX_PATH], scratch[MAX_PATH], expected_file[MAX_PATH];

#define E_SHARING_VIOLATION_HR ((HRESULT)0x80070020)

static BSTR join(const WCHAR *dir, const WCHAR *name)
{
    WCHAR path[MAX_PATH];
    _snwprintf(path, ARRAYSIZE(path) - 1, L"%ls\\%ls", dir, name);
    path[ARRAYSIZE(path) - 1] = 0;
    return SysAllocString(path);
}

/* The description the last failure set; "" if none. Caller frees. */
static BSTR last_description(void)
{
    IErrorInfo *info = NULL;
    BSTR text = NULL;
    if (GetErrorInfo(0, &info) == S_OK && info) {
        IErrorInfo_GetDescription(info, &text);
        IErrorInfo_Release(info);
    }
    return text ? text : SysAllocString(L"");
}

static void expect_failure(HRESULT got, HRESULT want, const WCHAR *words, const char *what)
{
    BSTR text = last_description();
    if (got != want)
        fail_msg("%s: 0x%08lx, expected 0x%08lx (%ls)", what, (unsigned long)got,
                 (unsigned long)want, text);
    if (SysStringLen(text) < 10 || (words && !wcsstr(text, words)))
        fail_msg("%s: the description \"%ls\" does not say \"%ls\"", what, text, words ? words : L"");
    SysFreeString(text);
}

static IVMHardDisk *get_disk(IVMVirtualServer *server, const WCHAR *path)
{
    IVMHardDisk *disk = NULL;
    BSTR bstr = SysAllocString(path);
    HRESULT hr = IVMVirtualServer_GetHardDisk(server, bstr, &disk);
    if (hr != S_OK) {
        BSTR text = last_description();
        fail_msg("GetHardDisk(%ls): 0x%08lx %ls", path, (unsigned long)hr, text);
    }
    SysFreeString(bstr);
    return disk;
}

static ULONGLONG decimal_of(const VARIANT *v, const char *what)
{
    if (V_VT(v) != VT_DECIMAL)
        fail_msg("%s is a VARIANT of type %d, not a Decimal", what, V_VT(v));
    if (V_DECIMAL(v).scale != 0 || V_DECIMAL(v).sign != 0 || V_DECIMAL(v).Hi32 != 0)
        fail_msg("%s: scale %d sign %d Hi32 %lu", what, V_DECIMAL(v).scale, V_DECIMAL(v).sign,
                 (unsigned long)V_DECIMAL(v).Hi32);
    return V_DECIMAL(v).Lo64;
}

static void test_samples_against_vhdiinfo(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    char name[MAX_PATH];
    unsigned type, checked = 0;
    unsigned long long size, file_size;
    FILE *f = _wfopen(expected_file, L"r");

    (void)state;
    assert_non_null(f);
    while (fscanf(f, "%259s %u %llu %llu", name, &type, &size, &file_size) == 4) {
        WCHAR wide[MAX_PATH];
        VARIANT v;
        VMHardDiskType got_type;
        IVsDiskHardDisk *numbers = NULL;
        double bytes;
        BSTR file = NULL, path;
        IVMHardDisk *disk;

        MultiByteToWideChar(CP_UTF8, 0, name, -1, wide, MAX_PATH);
        path = join(wcschr(wide, '\\') ? L"" : samples, wide);
        if (wcschr(wide, '\\')) {    /* a full path (a disk made by the harness) */
            SysFreeString(path);
            path = SysAllocString(wide);
        }
        disk = get_disk(server, path);
        assert_int_equal(IVMHardDisk_get_File(disk, &file), S_OK);
        assert_int_equal(wcscmp(file, path), 0);
        assert_int_equal(IVMHardDisk_get_Type(disk, &got_type), S_OK);
        if ((unsigned)got_type != type)
            fail_msg("%s: Type %d, vhdiinfo says %u", name, got_type, type);
        assert_int_equal(IVMHardDisk_get_SizeInGuest(disk, &v), S_OK);
        if (decimal_of(&v, "SizeInGuest") != size)
            fail_msg("%s: SizeInGuest %llu, vhdiinfo says %llu", name,
                     (unsigned long long)V_DECIMAL(&v).Lo64, size);
        assert_int_equal(IVMHardDisk_get_SizeOnHost(disk, &v), S_OK);
        if (decimal_of(&v, "SizeOnHost") != file_size)
            fail_msg("%s: SizeOnHost %llu, the file is %llu bytes", name,
                     (unsigned long long)V_DECIMAL(&v).Lo64, file_size);
        assert_int_equal(IVMHardDisk_get_HostFreeDiskSpace(disk, &v), S_OK);
        assert_true(decimal_of(&v, "HostFreeDiskSpace") > 0);
        assert_int_equal(IVMHardDisk_QueryInterface(disk, &IID_IVsDiskHardDisk, (void **)&numbers), S_OK);
        assert_int_equal(IVsDiskHardDisk_get_SizeInGuestBytes(numbers, &bytes), S_OK);
        assert_true(bytes == (double)size);
        assert_int_equal(IVsDiskHardDisk_get_SizeOnHostBytes(numbers, &bytes), S_OK);
        assert_true(bytes == (double)file_size);
        IVsDiskHardDisk_Release(numbers);
        SysFreeString(file);
        SysFreeString(path);
        IVMHardDisk_Release(disk);
        checked++;
    }
    fclose(f);
    print_message("%u disks checked against vhdiinfo\n", checked);
    assert_true(checked >= 8);
    IVMVirtualServer_Release(server);
}

static void test_members_without_work(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    BSTR path = join(samples, L"win8.vhd"), id = (BSTR)1, target = join(scratch, L"never.vhd");
    IVMHardDisk *disk = get_disk(server, path);
    IVMTask *task = (IVMTask *)1;
    IVMSecurity *security = (IVMSecurity *)1;
    IVMHardDisk *parent = (IVMHardDisk *)1;

    (void)state;
    assert_int_equal(IVMHardDisk_get_HostDriveIdentifier(disk, &id), S_FALSE);
    assert_null(id);
    assert_int_equal(IVMHardDisk_get_Parent(disk, &parent), S_FALSE);
    assert_null(parent);
    expect_failure(IVMHardDisk_get_Security(disk, &security), E_NOTIMPL, L"Security", "Security");
    assert_null(security);
    /* The operations are tested in tests/com/test_operations.c (on copies: never on the
     * samples); a dynamic disk is not merged. */
    expect_failure(IVMHardDisk_Merge(disk, &task), VM_E_WRONG_HD_IMAGE_TYPE, L"differencing", "Merge");
    assert_null(task);
    task = (IVMTask *)1;
    expect_failure(IVMHardDisk_MergeTo(disk, target, vmDiskType_Dynamic, &task), VM_E_WRONG_HD_IMAGE_TYPE, L"differencing", "MergeTo");
    assert_null(task);
    expect_failure(IVMHardDisk_get_File(disk, NULL), E_POINTER, L"NULL", "File(NULL)");
    expect_failure(IVMHardDisk_get_SizeInGuest(disk, NULL), E_POINTER, L"NULL", "SizeInGuest(NULL)");
    expect_failure(IVMHardDisk_put_Parent(disk, NULL), E_POINTER, L"Parent", "put_Parent(NULL)");
    assert_int_equal(GetFileAttributesW(target), INVALID_FILE_ATTRIBUTES);
    SysFreeString(path);
    SysFreeString(target);
    IVMHardDisk_Release(disk);
    IVMVirtualServer_Release(server);
}

static void test_get_hard_disk_codes(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IVMHardDisk *disk = (IVMHardDisk *)1;
    WCHAR long_path[300];
    BSTR b;
    HANDLE h;
    DWORD written;

    (void)state;
#define GET(text, want, words, what) do { \
        b = SysAllocString(text); \
        expect_failure(IVMVirtualServer_GetHardDisk(server, b, &disk), want, words, what); \
        assert_null(disk); disk = (IVMHardDisk *)1; SysFreeString(b); } while (0)
    b = SysAllocString(L"C:\\x.vhd");
    expect_failure(IVMVirtualServer_GetHardDisk(server, b, NULL), E_POINTER, L"NULL", "NULL result");
    SysFreeString(b);
    expect_failure(IVMVirtualServer_GetHardDisk(server, NULL, &disk), E_POINTER, L"NULL", "NULL path");
    assert_null(disk);
    GET(L"relative.vhd", E_BAD_PATHNAME, L"relative.vhd", "relative");
    GET(L"", E_BAD_PATHNAME, NULL, "empty");
    GET(L"C:\\a|b.vhd", E_INVALID_NAME, NULL, "forbidden character");
    wcscpy(long_path, L"C:\\");
    for (int i = 3; i < 290; i++)
        long_path[i] = 'a';
    long_path[290] = 0;
    GET(long_path, E_BUFFER_OVERFLOW, NULL, "too long");

    WCHAR path[MAX_PATH];
    _snwprintf(path, MAX_PATH, L"%ls\\missing.vhd", scratch);
    GET(path, E_FILE_NOT_FOUND, L"does not exist", "missing file");
    _snwprintf(path, MAX_PATH, L"%ls\\no-folder\\x.vhd", scratch);
    GET(path, E_PATH_NOT_FOUND, L"does not exist", "missing folder");
    _snwprintf(path, MAX_PATH, L"%ls\\text.vhd", scratch);
    h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    WriteFile(h, "not a disk at all, just text\r\n", 30, &written, NULL);
    CloseHandle(h);
    GET(path, VM_E_INVALID_HD_FILE, L"not a valid virtual hard disk: the file is 30 bytes long", "text file");
    _snwprintf(path, MAX_PATH, L"%ls\\folder.vhd", scratch);
    CreateDirectoryW(path, NULL);
    GET(path, VM_E_INVALID_HD_FILE, L"is a folder", "folder");

    /* A disk held without sharing (a vsdisk creation holds its file so): a clear answer. */
    BSTR sample = join(samples, L"win8.vhd");
    _snwprintf(path, MAX_PATH, L"%ls\\held.vhd", scratch);
    assert_true(CopyFileW(sample, path, FALSE));
    h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    GET(path, E_SHARING_VIOLATION_HR, L"in use", "held without sharing");
    CloseHandle(h);
    /* A disk another program writes, sharing it with readers: read. */
    h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    disk = get_disk(server, path);
    IVMHardDisk_Release(disk);
    CloseHandle(h);
    SysFreeString(sample);
#undef GET
    IVMVirtualServer_Release(server);
}

static BOOL copy_to(const WCHAR *sample, const WCHAR *to)
{
    BSTR from = join(samples, sample);
    BOOL ok = CopyFileW(from, to, FALSE);
    SysFreeString(from);
    return ok;
}

static BYTE *read_whole(const WCHAR *path, DWORD *size)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BYTE *data;
    assert_true(h != INVALID_HANDLE_VALUE);
    *size = GetFileSize(h, NULL);
    data = malloc(*size);
    assert_true(ReadFile(h, data, *size, size, NULL));
    CloseHandle(h);
    return data;
}

static void test_parent(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    WCHAR dir[MAX_PATH], child[MAX_PATH], parent_path[MAX_PATH];
    IVMHardDisk *disk, *parent = NULL;
    VMHardDiskType type;
    BSTR file = NULL, lone;

    (void)state;
    _snwprintf(dir, MAX_PATH, L"%ls\\chain", scratch);
    CreateDirectoryW(dir, NULL);
    _snwprintf(child, MAX_PATH, L"%ls\\win8-child.vhd", dir);
    _snwprintf(parent_path, MAX_PATH, L"%ls\\win8.vhd", dir);
    assert_true(copy_to(L"win8-child.vhd", child));
    assert_true(copy_to(L"win8.vhd", parent_path));
    disk = get_disk(server, child);
    assert_int_equal(IVMHardDisk_get_Type(disk, &type), S_OK);
    assert_int_equal(type, vmDiskType_Differencing);
    assert_int_equal(IVMHardDisk_get_Parent(disk, &parent), S_OK);
    assert_int_equal(IVMHardDisk_get_File(parent, &file), S_OK);
    assert_int_equal(_wcsicmp(file, parent_path), 0);
    assert_int_equal(IVMHardDisk_get_Type(parent, &type), S_OK);
    assert_int_equal(type, vmDiskType_Dynamic);
    SysFreeString(file);
    IVMHardDisk_Release(parent);
    IVMHardDisk_Release(disk);

    /* The dfvfs child's parent is not there. */
    lone = join(samples, L"win10-fat-differencing.vhd");
    disk = get_disk(server, lone);
    parent = (IVMHardDisk *)1;
    expect_failure(IVMHardDisk_get_Parent(disk, &parent), VM_E_PARENT_PATH_NOT_FOUND,
                   L"fat-parent.vhd", "missing parent");
    assert_null(parent);
    IVMHardDisk_Release(disk);
    SysFreeString(lone);
    IVMVirtualServer_Release(server);
}

static void test_parent_put(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    WCHAR dir[MAX_PATH], base[MAX_PATH], child[MAX_PATH], moved[MAX_PATH], other[MAX_PATH];
    IVMHardDisk *disk, *parent, *wrong, *found = NULL;
    BYTE *before, *after;
    DWORD before_size, after_size;
    BSTR file = NULL;

    (void)state;
    _snwprintf(dir, MAX_PATH, L"%ls\\moved", scratch);
    _snwprintf(base, MAX_PATH, L"%ls\\moved\\base", scratch);
    CreateDirectoryW(dir, NULL);
    CreateDirectoryW(base, NULL);
    _snwprintf(child, MAX_PATH, L"%ls\\child.vhd", dir);
    _snwprintf(moved, MAX_PATH, L"%ls\\win8.vhd", base);
    _snwprintf(other, MAX_PATH, L"%ls\\xapi.vhd", base);
    assert_true(copy_to(L"win8-child.vhd", child));
    assert_true(copy_to(L"win8.vhd", moved));
    assert_true(copy_to(L"xapi.vhd", other));
    disk = get_disk(server, child);
    found = (IVMHardDisk *)1;
    expect_failure(IVMHardDisk_get_Parent(disk, &found), VM_E_PARENT_PATH_NOT_FOUND, NULL,
                   "the parent moved away");

    /* The wrong parent: refused, the child unchanged byte for byte. */
    before = read_whole(child, &before_size);
    wrong = get_disk(server, other);
    expect_failure(IVMHardDisk_put_Parent(disk, wrong), VM_E_PARENT_CHILD_ID_MISMATCH,
                   L"adb71975-4b5b-0b40-b025-d06dab31b26f", "wrong parent");
    after = read_whole(child, &after_size);
    assert_int_equal(after_size, before_size);
    assert_memory_equal(after, before, before_size);
    free(after);
    /* A disk that is not differencing has no parent to set. */
    expect_failure(IVMHardDisk_put_Parent(wrong, disk), VM_E_WRONG_HD_IMAGE_TYPE, NULL,
                   "put on a dynamic disk");
    IVMHardDisk_Release(wrong);

    /* The moved parent: re-linked, and found again through the new locators. */
    parent = get_disk(server, moved);
    assert_int_equal(IVMHardDisk_put_Parent(disk, parent), S_OK);
    assert_int_equal(IVMHardDisk_get_Parent(disk, &found), S_OK);
    assert_int_equal(IVMHardDisk_get_File(found, &file), S_OK);
    assert_int_equal(_wcsicmp(file, moved), 0);
    SysFreeString(file);
    IVMHardDisk_Release(found);
    /* Only the header and the locator areas changed. */
    after = read_whole(child, &after_size);
    assert_int_equal(after_size, before_size);
    for (DWORD i = 0; i < after_size; i++) {
        BOOL may = (i >= 512 && i < 1536) || (i >= 4096 && i < 8192) || (i >= 12288 && i < 12288 + 65536);
        if (!may && after[i] != before[i])
            fail_msg("byte %lu of the child changed", (unsigned long)i);
    }
    /* Moving the pair together keeps working: W2ru is relative (.\base\win8.vhd). */
    assert_non_null(wcsstr((WCHAR *)(after + 12288), L".\\base\\win8.vhd"));
    free(after);
    free(before);
    IVMHardDisk_Release(parent);
    IVMHardDisk_Release(disk);
    IVMVirtualServer_Release(server);
}

/* put_Parent with each I/O call of the Win32 back end failing in turn (the DLL's
 * VSDISK_TEST_FAIL_IO_CALL hook, read as each file is opened): every failure is reported, and
 * the child always still opens as a differencing disk afterwards. */
static void test_parent_put_faults(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    WCHAR dir[MAX_PATH], child[MAX_PATH], moved[MAX_PATH];
    IVMHardDisk *disk, *parent, *check;
    VMHardDiskType type;
    unsigned n, failures = 0;
    HRESULT hr = E_FAIL;

    (void)state;
    _snwprintf(dir, MAX_PATH, L"%ls\\faults", scratch);
    CreateDirectoryW(dir, NULL);
    _snwprintf(child, MAX_PATH, L"%ls\\child.vhd", dir);
    _snwprintf(moved, MAX_PATH, L"%ls\\base.vhd", dir);
    assert_true(copy_to(L"win8.vhd", moved));
    parent = get_disk(server, moved);
    for (n = 1; n < 200 && hr != S_OK; n++) {
        char value[16];
        assert_true(copy_to(L"win8-child.vhd", child));
        disk = get_disk(server, child);
        snprintf(value, sizeof value, "%u", n);
        SetEnvironmentVariableA("VSDISK_TEST_FAIL_IO_CALL", value);
        hr = IVMHardDisk_put_Parent(disk, parent);
        SetEnvironmentVariableA("VSDISK_TEST_FAIL_IO_CALL", NULL);
        if (hr != S_OK) {
            BSTR text = last_description();
            if (SysStringLen(text) < 10)
                fail_msg("call %u failing: 0x%08lx without a description", n, (unsigned long)hr);
            SysFreeString(text);
            failures++;
        }
        check = get_disk(server, child);    /* fails the test if the child does not open */
        assert_int_equal(IVMHardDisk_get_Type(check, &type), S_OK);
        assert_int_equal(type, vmDiskType_Differencing);
        IVMHardDisk_Release(check);
        IVMHardDisk_Release(disk);
    }
    assert_int_equal(hr, S_OK);
    assert_true(failures >= 8);
    print_message("%u failed re-links, each child still opens\n", failures);
    IVMHardDisk_Release(parent);
    IVMVirtualServer_Release(server);
}

/* Properties read the file when asked: they follow it as it changes. */
static void test_properties_follow_file(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    WCHAR path[MAX_PATH];
    IVMHardDisk *disk;
    VARIANT v;

    (void)state;
    _snwprintf(path, MAX_PATH, L"%ls\\follow.vhd", scratch);
    assert_true(copy_to(L"win8.vhd", path));
    disk = get_disk(server, path);
    assert_int_equal(IVMHardDisk_get_SizeInGuest(disk, &v), S_OK);
    assert_true(decimal_of(&v, "SizeInGuest") == 41943040);
    assert_true(copy_to(L"win8.1-1GB.vhd", path));
    assert_int_equal(IVMHardDisk_get_SizeInGuest(disk, &v), S_OK);
    assert_true(decimal_of(&v, "SizeInGuest") == 1073741824);
    assert_true(DeleteFileW(path));
    expect_failure(IVMHardDisk_get_SizeInGuest(disk, &v), E_FILE_NOT_FOUND, L"does not exist",
                   "deleted file");
    IVMHardDisk_Release(disk);
    IVMVirtualServer_Release(server);
}

static LONG list_files(IVMVirtualServer *server, VARIANT *additional, SAFEARRAY **out)
{
    VARIANT result;
    LONG upper;
    VariantInit(&result);
    assert_int_equal(IVMVirtualServer_GetHardDiskFiles(server, *additional, &result), S_OK);
    assert_int_equal(V_VT(&result), VT_ARRAY | VT_VARIANT);
    *out = V_ARRAY(&result);
    SafeArrayGetUBound(*out, 1, &upper);
    return upper + 1;
}

static BOOL listed(SAFEARRAY *files, const WCHAR *path)
{
    LONG upper, i;
    BOOL found = FALSE;
    SafeArrayGetUBound(files, 1, &upper);
    for (i = 0; i <= upper; i++) {
        VARIANT item;
        VariantInit(&item);
        SafeArrayGetElement(files, &i, &item);
        found |= V_VT(&item) == VT_BSTR && !_wcsicmp(V_BSTR(&item), path);
        VariantClear(&item);
    }
    return found;
}

static void test_get_hard_disk_files(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    WCHAR dir[MAX_PATH], sub[MAX_PATH], a[MAX_PATH], b[MAX_PATH], c[MAX_PATH], d[MAX_PATH];
    WCHAR e[MAX_PATH], f[MAX_PATH];
    VARIANT paths, additional, result;
    SAFEARRAY *files;
    BSTR sample;

    (void)state;
    _snwprintf(dir, MAX_PATH, L"%ls\\list", scratch);
    _snwprintf(sub, MAX_PATH, L"%ls\\list\\sub", scratch);
    CreateDirectoryW(dir, NULL);
    CreateDirectoryW(sub, NULL);
    _snwprintf(a, MAX_PATH, L"%ls\\a.vhd", dir);
    _snwprintf(b, MAX_PATH, L"%ls\\B.VHD", dir);
    _snwprintf(c, MAX_PATH, L"%ls\\c.txt", dir);
    _snwprintf(d, MAX_PATH, L"%ls\\d.vhd", sub);
    _snwprintf(e, MAX_PATH, L"%ls\\e.VhdX", dir);     /* Hyper-V's disks are listed too */
    _snwprintf(f, MAX_PATH, L"%ls\\f.vhdxx", dir);
    assert_true(copy_to(L"win8.vhd", a) && copy_to(L"win8.vhd", b) && copy_to(L"win8.vhd", c)
                && copy_to(L"win8.vhd", d) && copy_to(L"win8.vhd", e) && copy_to(L"win8.vhd", f));

    V_VT(&paths) = VT_BSTR;
    V_BSTR(&paths) = SysAllocString(dir);
    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, paths), S_OK);
    VariantClear(&paths);

    /* SearchPaths alone. */
    VariantInit(&additional);
    assert_int_equal(list_files(server, &additional, &files), 3);
    assert_true(listed(files, a) && listed(files, b) && !listed(files, c) && !listed(files, d));
    assert_true(listed(files, e) && !listed(files, f));
    SafeArrayDestroy(files);

    /* Plus the samples folder (with a trailing backslash), and the list folder again. */
    SAFEARRAY *extra = SafeArrayCreateVector(VT_BSTR, 0, 2);
    WCHAR with_slash[MAX_PATH];
    LONG at = 0;
    BSTR element;
    _snwprintf(with_slash, MAX_PATH, L"%ls\\", samples);
    element = SysAllocString(with_slash);
    SafeArrayPutElement(extra, &at, element);
    SysFreeString(element);
    at = 1;
    element = SysAllocString(dir);
    SafeArrayPutElement(extra, &at, element);
    SysFreeString(element);
    V_VT(&additional) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&additional) = extra;
    assert_int_equal(list_files(server, &additional, &files), 3 + 7);
    sample = join(samples, L"win8-child.vhd");
    assert_true(listed(files, sample));
    SysFreeString(sample);
    SafeArrayDestroy(files);
    VariantClear(&additional);

    /* Not a string or an array of strings. */
    V_VT(&additional) = VT_I4;
    V_I4(&additional) = 7;
    VariantInit(&result);
    expect_failure(IVMVirtualServer_GetHardDiskFiles(server, additional, &result), E_INVALIDARG,
                   L"inAdditionalSearchPaths", "a number");
    V_VT(&additional) = VT_BSTR;
    V_BSTR(&additional) = SysAllocString(L"relative\\folder");
    expect_failure(IVMVirtualServer_GetHardDiskFiles(server, additional, &result), E_INVALIDARG,
                   L"relative", "a relative folder");
    VariantClear(&additional);
    VariantInit(&additional);
    expect_failure(IVMVirtualServer_GetHardDiskFiles(server, additional, NULL), E_POINTER, NULL,
                   "NULL result");
    IVMVirtualServer_Release(server);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_against_vhdiinfo),
        cmocka_unit_test(test_members_without_work),
        cmocka_unit_test(test_get_hard_disk_codes),
        cmocka_unit_test(test_parent),
        cmocka_unit_test(test_parent_put),
        cmocka_unit_test(test_parent_put_faults),
        cmocka_unit_test(test_properties_follow_file),
        cmocka_unit_test(test_get_hard_disk_files),
    };

    dll_load(&dll, argc, argv);
    if (argc < 5) {
        fprintf(stderr, "usage: test_hard_disk DLL SAMPLES SCRATCH EXPECTED\n");
        return 2;
    }
    windows_path(argv[2], samples, ARRAYSIZE(samples));
    windows_path(argv[3], scratch, ARRAYSIZE(scratch));
    windows_path(argv[4], expected_file, ARRAYSIZE(expected_file));
    CreateDirectoryW(scratch, NULL);
    return cmocka_run_group_tests(tests, com_setup_mta, com_teardown);
}
