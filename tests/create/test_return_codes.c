/* Every HRESULT CreateDynamicVirtualHardDisk documents, with its exact value, the error
 * information that goes with it, a NULL task, and nothing created; then the order of the
 * checks. The expected values are written out from the reference (virtual-server-api.md
 * section 4), not taken from the product's header.
 * Usage: test_return_codes DLL TMPBASE */
#include "create_support.h"

#include <limits.h>
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
#define X_DISP_E_EXCEPTION             ((HRESULT)0x80020009)
#define X_VM_E_FILE_TOO_LARGE_FOR_VOLUME ((HRESULT)0xA0040679)
#define X_VM_E_IMAGE_SIZE_TOO_LARGE    ((HRESULT)0xA0040683)
#define X_VM_E_IMAGE_SIZE_TOO_SMALL    ((HRESULT)0xA0040684)

/* Creates path (which must be accepted), waits, and checks the disk. */
static void expect_success(const WCHAR *path, LONG mb)
{
    IVMTask *task = NULL;
    HRESULT hr = create_disk(support_vs, path, mb, &task);

    if (hr != S_OK)
        fail_msg("\"%ls\", %ld MB: got 0x%08lx, expected S_OK", path, mb, (unsigned long)hr);
    assert_non_null(task);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 0);
    assert_int_equal(task_error(task), 0);
    IVMTask_Release(task);
    assert_vhd(path, mb);
}

/* A path of exactly length characters: folder\aaa...\bbb...\...x.vhd, no name over 200. */
static BSTR long_path(const WCHAR *folder, size_t length)
{
    WCHAR base[MAX_PATH];
    BSTR path = SysAllocStringLen(NULL, (UINT)length);
    size_t n, since_separator = 0;
    WCHAR letter = 'a';

    WORK_PATH(base, L"%ls", folder);
    n = wcslen(base);
    assert_true(n + 8 < length);
    memcpy(path, base, n * sizeof(WCHAR));
    path[n++] = '\\';
    while (n < length - 4) {
        if (since_separator == 200 && n < length - 6) {
            path[n++] = '\\';
            since_separator = 0;
            letter = letter == 'z' ? 'a' : (WCHAR)(letter + 1);
            continue;
        }
        path[n++] = letter;
        since_separator++;
    }
    memcpy(path + n, L".vhd", 4 * sizeof(WCHAR));
    assert_int_equal(SysStringLen(path), length);
    return path;
}

/* --- E_POINTER ------------------------------------------------------------------------ */

static void test_e_pointer(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    HRESULT hr;
    (void)state;

    WORK_PATH(folder, L"pointer");
    WORK_PATH(path, L"pointer\\a.vhd");

    expect_create_failure(support_vs, NULL, 3, X_E_POINTER, "NULL", NULL);
    expect_create_failure(support_vs, NULL, 0, X_E_POINTER, "NULL", NULL);       /* before the size */
    expect_create_failure(support_vs, NULL, 1, X_E_POINTER, "NULL", NULL);

    {
        BSTR bstr = SysAllocString(path);
        SetErrorInfo(0, NULL);
        hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(support_vs, bstr, 3, NULL);
        assert_int_equal(hr, X_E_POINTER);
        expect_error_info("diskTask");
        SetErrorInfo(0, NULL);
        hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(support_vs, NULL, 3, NULL);
        assert_int_equal(hr, X_E_POINTER);
        expect_error_info(NULL);
        SetErrorInfo(0, NULL);
        hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(support_vs, bstr, 0, NULL);
        assert_int_equal(hr, X_E_POINTER);
        expect_error_info(NULL);
        SysFreeString(bstr);
    }
    assert_false(path_exists(folder));
    assert_false(path_exists(path));
}

/* --- E_INVALIDARG ----------------------------------------------------------------------- */

static void test_e_invalidarg(void **state)
{
    static const LONG sizes[] = { 0, -1, -2, -3, -2088960, INT_MIN };
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    size_t i;
    (void)state;

    WORK_PATH(folder, L"invalidarg");
    WORK_PATH(path, L"invalidarg\\a.vhd");
    for (i = 0; i < ARRAYSIZE(sizes); i++)
        expect_failure(support_vs, path, sizes[i], X_E_INVALIDARG, "positive", folder);
}

/* --- E_BAD_PATHNAME --------------------------------------------------------------------- */

static void test_e_bad_pathname(void **state)
{
    WCHAR previous[MAX_PATH], folder[MAX_PATH], path[MAX_PATH], absent[MAX_PATH];
    BSTR empty = SysAllocString(L"");
    (void)state;

    expect_create_failure(support_vs, empty, 3, X_E_BAD_PATHNAME, "empty", NULL);
    SysFreeString(empty);

    /* Relative paths must not be resolved against the current folder. */
    GetCurrentDirectoryW(ARRAYSIZE(previous), previous);
    assert_true(SetCurrentDirectoryW(support_work));
    WORK_PATH(absent, L"rel.vhd");
    expect_failure(support_vs, L"rel.vhd", 3, X_E_BAD_PATHNAME, "full path", absent);
    WORK_PATH(absent, L"relsub");
    expect_failure(support_vs, L"relsub\\rel.vhd", 3, X_E_BAD_PATHNAME, "full path", absent);
    expect_failure(support_vs, L".\\dotrel.vhd", 3, X_E_BAD_PATHNAME, "full path", NULL);
    WORK_PATH(absent, L"dotrel.vhd");
    assert_false(path_exists(absent));
    expect_failure(support_vs, L"C:relative-vsdisk-test.vhd", 3, X_E_BAD_PATHNAME, "full path",
                   L"C:relative-vsdisk-test.vhd");
    expect_failure(support_vs, L"\\rooted-vsdisk-test.vhd", 3, X_E_BAD_PATHNAME, "full path",
                   L"\\rooted-vsdisk-test.vhd");
    expect_failure(support_vs, L"\\\\server-only", 3, X_E_BAD_PATHNAME, "full path", NULL);
    assert_true(SetCurrentDirectoryW(previous));

    WORK_PATH(folder, L"trailing");
    WORK_PATH(path, L"trailing\\");
    expect_failure(support_vs, path, 3, X_E_BAD_PATHNAME, "backslash", folder);
    WORK_PATH(path, L"trailing\\sub\\");
    expect_failure(support_vs, path, 3, X_E_BAD_PATHNAME, "backslash", folder);
    WORK_PATH(path, L"trailing\\\\a.vhd");
    expect_failure(support_vs, path, 3, X_E_BAD_PATHNAME, "backslash", folder);
    WORK_PATH(path, L"trailing\\..\\a.vhd");
    expect_failure(support_vs, path, 3, X_E_BAD_PATHNAME, "'..'", folder);
    WORK_PATH(path, L"trailing\\.\\a.vhd");
    expect_failure(support_vs, path, 3, X_E_BAD_PATHNAME, "'.'", folder);
}

/* --- E_INVALID_NAME --------------------------------------------------------------------- */

static void test_e_invalid_name_characters(void **state)
{
    static const WCHAR forbidden[] = L"*?:<>/|\"";
    static const char *const mention[] = { "'*'", "'?'", "':'", "'<'", "'>'", "'/'", "'|'", "'\"'" };
    WCHAR folder[MAX_PATH], path[MAX_PATH], absent[MAX_PATH];
    size_t i;
    (void)state;

    WORK_PATH(folder, L"badchar");
    WORK_PATH(absent, L"badchar\\a");
    for (i = 0; i < ARRAYSIZE(forbidden) - 1; i++) {
        WORK_PATH(path, L"badchar\\a%lcb.vhd", forbidden[i]);
        expect_failure(support_vs, path, 3, X_E_INVALID_NAME, mention[i], folder);
        assert_false(path_exists(absent));
        /* ...and in a folder name on the way. */
        WORK_PATH(path, L"badchar\\x%lcy\\a.vhd", forbidden[i]);
        expect_failure(support_vs, path, 3, X_E_INVALID_NAME, mention[i], folder);
    }
    WORK_PATH(path, L"badchar\\a\x01" L"b.vhd");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "control character", folder);
    WORK_PATH(path, L"badchar\\a\tb.vhd");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "control character", folder);
}

static void test_e_invalid_name_devices(void **state)
{
    static const WCHAR *const devices[] = {
        L"\\\\.\\PhysicalDrive0", L"\\\\.\\C:", L"\\\\?\\C:\\x.vhd", L"\\\\.\\pipe\\vsdisk",
        L"\\\\?\\UNC\\server\\share\\x.vhd", L"//./PhysicalDrive0",
    };
    WCHAR path[MAX_PATH], target[MAX_PATH];
    size_t i;
    (void)state;

    for (i = 0; i < ARRAYSIZE(devices); i++)
        expect_failure(support_vs, devices[i], 3, X_E_INVALID_NAME, "device", NULL);
    /* A \\?\ path to a file that would otherwise be fine. */
    WORK_PATH(target, L"nsfolder\\x.vhd");
    _snwprintf(path, ARRAYSIZE(path) - 1, L"\\\\?\\%ls", target);
    path[ARRAYSIZE(path) - 1] = 0;
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "device", target);
    WORK_PATH(target, L"nsfolder");
    assert_false(path_exists(target));
}

static void test_e_invalid_name_reserved(void **state)
{
    static const WCHAR *const names[] = {
        L"CON", L"NUL", L"COM1", L"LPT1", L"nul.vhd", L"con.vhd", L"Com1.vhd", L"lpt1.vhd",
        L"PRN", L"AUX.vhd", L"com9.x.vhd", L"LPT9", L"nul .vhd", L"CONIN$", L"conout$.vhd",
    };
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    size_t i;
    (void)state;

    WORK_PATH(folder, L"reserved");
    for (i = 0; i < ARRAYSIZE(names); i++) {
        WORK_PATH(path, L"reserved\\%ls", names[i]);
        expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "reserved", folder);
        /* As a folder on the way, too. */
        WORK_PATH(path, L"reserved\\%ls\\a.vhd", names[i]);
        expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "reserved", folder);
    }
}

static void test_e_invalid_name_trailing(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH], absent[MAX_PATH];
    (void)state;

    WORK_PATH(folder, L"trail");
    WORK_PATH(absent, L"trail\\a.vhd");
    WORK_PATH(path, L"trail\\a.vhd.");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "dot", folder);
    assert_false(path_exists(absent));
    WORK_PATH(path, L"trail\\a.vhd ");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "space", folder);
    WORK_PATH(path, L"trail\\a.vhd...");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "dot", folder);
    WORK_PATH(path, L"trail.\\a.vhd");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "dot", folder);
    WORK_PATH(path, L"trail \\a.vhd");
    expect_failure(support_vs, path, 3, X_E_INVALID_NAME, "space", folder);
}

static void test_e_invalid_name_embedded_nul(void **state)
{
    WCHAR folder[MAX_PATH], text[MAX_PATH], truncated[MAX_PATH];
    size_t length;
    BSTR path;
    (void)state;

    WORK_PATH(folder, L"nulchar");
    WORK_PATH(truncated, L"nulchar\\a");
    WORK_PATH(text, L"nulchar\\a?b.vhd");
    length = wcslen(text);
    text[length - 6] = 0;       /* the '?' becomes an embedded NUL */
    path = SysAllocStringLen(text, (UINT)length);
    assert_int_equal(SysStringLen(path), length);
    expect_create_failure(support_vs, path, 3, X_E_INVALID_NAME, "NUL", folder);
    assert_false(path_exists(truncated));
    /* A NUL right at the end of an otherwise valid path. */
    SysFreeString(path);
    WORK_PATH(text, L"nulchar\\a.vhd");
    length = wcslen(text);
    path = SysAllocStringLen(text, (UINT)length + 1);
    expect_create_failure(support_vs, path, 3, X_E_INVALID_NAME, "NUL", folder);
    SysFreeString(path);
}

/* --- E_BUFFER_OVERFLOW ------------------------------------------------------------------ */

static void test_e_buffer_overflow(void **state)
{
    static const size_t lengths[] = { 260, 261, 300, 1000, 32767, 40000 };
    WCHAR folder[MAX_PATH];
    size_t i;
    (void)state;

    WORK_PATH(folder, L"long");
    for (i = 0; i < ARRAYSIZE(lengths); i++) {
        BSTR path = long_path(L"long", lengths[i]);
        expect_create_failure(support_vs, path, 3, X_E_BUFFER_OVERFLOW, "260", folder);
        SysFreeString(path);
    }
}

static void test_259_characters_accepted(void **state)
{
    WCHAR folder[MAX_PATH];
    BSTR path = long_path(L"ok259", 259);
    IVMTask *task = NULL;
    (void)state;

    WORK_PATH(folder, L"ok259");
    assert_int_equal(create_disk_bstr(support_vs, path, 3, &task), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
    assert_int_equal(task_result(task), 0);
    IVMTask_Release(task);
    assert_vhd(path, 3);
    SysFreeString(path);
    remove_tree(folder);
}

static void expect_unchanged_text(const WCHAR *path, const char *text)
{
    DWORD size;
    BYTE *data = read_file(path, &size);

    assert_non_null(data);
    assert_int_equal(size, strlen(text));
    assert_memory_equal(data, text, size);
    free(data);
}

/* --- E_PATH_NOT_FOUND ------------------------------------------------------------------- */

static WCHAR unused_drive_letter(void)
{
    DWORD drives = GetLogicalDrives();
    WCHAR letter;

    for (letter = 'Y'; letter >= 'D'; letter--)
        if (!(drives & (1u << (letter - 'A'))))
            return letter;
    fail_msg("%s", "every drive letter is in use");
    return 0;
}

static void test_e_path_not_found(void **state)
{
    static const char content[] = "not a folder\r\n";
    WCHAR path[MAX_PATH], file[MAX_PATH], inside[MAX_PATH];
    WCHAR letter = unused_drive_letter();
    (void)state;

    swprintf(path, ARRAYSIZE(path), L"%lc:\\a.vhd", letter);
    expect_failure(support_vs, path, 3, X_E_PATH_NOT_FOUND, "cannot be found", NULL);
    swprintf(path, ARRAYSIZE(path), L"%lc:\\sub\\deeper\\a.vhd", letter);
    expect_failure(support_vs, path, 3, X_E_PATH_NOT_FOUND, NULL, NULL);

    /* A path that runs through an existing file. */
    WORK_PATH(file, L"afile");
    write_file(file, content, sizeof(content) - 1);
    WORK_PATH(path, L"afile\\x.vhd");
    expect_failure(support_vs, path, 3, X_E_PATH_NOT_FOUND, "is a file", NULL);
    WORK_PATH(path, L"afile\\sub\\x.vhd");
    WORK_PATH(inside, L"afile\\sub");
    expect_failure(support_vs, path, 3, X_E_PATH_NOT_FOUND, "is a file", inside);
    expect_unchanged_text(file, content);
    assert_false(GetFileAttributesW(file) & FILE_ATTRIBUTE_DIRECTORY);

    /* ...deeper down, in a folder of the work folder. */
    make_folder(WORK_PATH(inside, L"pnf"));
    write_file(WORK_PATH(file, L"pnf\\afile2"), content, sizeof(content) - 1);
    WORK_PATH(path, L"pnf\\afile2\\new\\deeper\\x.vhd");
    WORK_PATH(inside, L"pnf\\afile2\\new");
    expect_failure(support_vs, path, 3, X_E_PATH_NOT_FOUND, "is a file", inside);
    expect_unchanged_text(file, content);
}

/* --- E_ALREADY_EXISTS ------------------------------------------------------------------- */

static void expect_unchanged(const WCHAR *path, const BYTE *before, DWORD before_size)
{
    DWORD size;
    BYTE *after = read_file(path, &size);

    assert_non_null(after);
    assert_int_equal(size, before_size);
    if (size)
        assert_memory_equal(after, before, size);
    free(after);
}

static void test_e_already_exists(void **state)
{
    static const char content[] = "an existing file that must not change\r\n";
    WCHAR path[MAX_PATH], folder[MAX_PATH];
    IVMTask *task = NULL;
    BYTE *disk;
    DWORD disk_size;
    FILETIME written_before, written_after;
    HANDLE file;
    (void)state;

    WORK_PATH(path, L"exists.vhd");
    write_file(path, content, sizeof(content) - 1);
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    GetFileTime(file, NULL, NULL, &written_before);
    CloseHandle(file);
    expect_failure(support_vs, path, 3, X_E_ALREADY_EXISTS, "already exists", NULL);
    expect_failure(support_vs, path, MAX_DISK_MB, X_E_ALREADY_EXISTS, "already exists", NULL);
    expect_unchanged(path, (const BYTE *)content, sizeof(content) - 1);
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    GetFileTime(file, NULL, NULL, &written_after);
    CloseHandle(file);
    assert_memory_equal(&written_before, &written_after, sizeof(FILETIME));

    /* An empty file. */
    WORK_PATH(path, L"empty.vhd");
    write_file(path, "", 0);
    expect_failure(support_vs, path, 3, X_E_ALREADY_EXISTS, "already exists", NULL);
    expect_unchanged(path, NULL, 0);

    /* A folder. */
    WORK_PATH(folder, L"folder.vhd");
    make_folder(folder);
    expect_failure(support_vs, folder, 3, X_E_ALREADY_EXISTS, "already exists", NULL);
    assert_true(GetFileAttributesW(folder) & FILE_ATTRIBUTE_DIRECTORY);
    assert_true(RemoveDirectoryW(folder));      /* still empty */

    /* A disk of our own. */
    WORK_PATH(path, L"own.vhd");
    assert_int_equal(create_disk(support_vs, path, 3, &task), S_OK);
    IVMTask_WaitForCompletion(task, -1);
    IVMTask_Release(task);
    disk = read_file(path, &disk_size);
    assert_non_null(disk);
    expect_failure(support_vs, path, 3, X_E_ALREADY_EXISTS, "already exists", NULL);
    expect_failure(support_vs, path, 16, X_E_ALREADY_EXISTS, "already exists", NULL);
    expect_unchanged(path, disk, disk_size);
    free(disk);
}

/* --- sizes -------------------------------------------------------------------------------- */

static void test_size_too_small(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    (void)state;

    WORK_PATH(folder, L"small");
    WORK_PATH(path, L"small\\a.vhd");
    expect_failure(support_vs, path, 1, X_VM_E_IMAGE_SIZE_TOO_SMALL, "too small", folder);
    expect_failure(support_vs, path, 2, X_VM_E_IMAGE_SIZE_TOO_SMALL, "too small", folder);
}

static void test_size_too_large(void **state)
{
    static const LONG sizes[] = { MAX_DISK_MB + 1, MAX_DISK_MB + 2, 4194304, INT_MAX - 1, INT_MAX };
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    size_t i;
    (void)state;

    WORK_PATH(folder, L"large");
    WORK_PATH(path, L"large\\a.vhd");
    for (i = 0; i < ARRAYSIZE(sizes); i++)
        expect_failure(support_vs, path, sizes[i], X_VM_E_IMAGE_SIZE_TOO_LARGE, "too large", folder);
}

/* A .vhdx path (any case) is a VHDX by the extension rule; this version's COM server does
 * not make one, and never makes a VHD under that name. */
static void test_size_bounds_accepted(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    expect_success(WORK_PATH(path, L"bounds\\min.vhd"), 3);
    expect_success(WORK_PATH(path, L"bounds\\min+1.vhd"), 4);
    expect_success(WORK_PATH(path, L"bounds\\max-1.vhd"), MAX_DISK_MB - 1);
    expect_success(WORK_PATH(path, L"bounds\\max.vhd"), MAX_DISK_MB);
    remove_tree(WORK_PATH(path, L"bounds"));
}

/* --- VM_E_FILE_TOO_LARGE_FOR_VOLUME --------------------------------------------------- */

/* The largest size whose fully expanded file fits in limit bytes. */
static LONG largest_fitting(ULONGLONG limit)
{
    LONG low = 3, high = MAX_DISK_MB;

    assert_true(expected_expanded_size(low) <= limit);
    while (low < high) {
        LONG middle = low + (high - low + 1) / 2;
        if (expected_expanded_size(middle) <= limit)
            low = middle;
        else
            high = middle - 1;
    }
    return low;
}

static void check_volume_limit(const WCHAR *file_system, const char *mention, ULONGLONG limit,
                               LONG refused, LONG accepted)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    LONG boundary = largest_fitting(limit);

    set_hook(L"VSDISK_TEST_FILESYSTEM", file_system);
    WORK_PATH(folder, L"volume-%ls", file_system);
    WORK_PATH(path, L"volume-%ls\\a.vhd", file_system);
    assert_true(refused > boundary);
    assert_true(accepted <= boundary);
    expect_failure(support_vs, path, refused, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, mention, folder);
    expect_failure(support_vs, path, boundary + 1, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, mention, folder);
    expect_failure(support_vs, path, MAX_DISK_MB, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, mention, folder);
    expect_success(WORK_PATH(path, L"volume-%ls\\accepted.vhd", file_system), accepted);
    expect_success(WORK_PATH(path, L"volume-%ls\\boundary.vhd", file_system), boundary);
    expect_success(WORK_PATH(path, L"volume-%ls\\smallest.vhd", file_system), 3);
    remove_tree(folder);
    set_hook(L"VSDISK_TEST_FILESYSTEM", NULL);
}

static void test_file_too_large_fat32(void **state)
{
    (void)state;
    /* 4095 MB expands to 4 GiB + 1 MiB; 4000 MB to about 3.9 GiB. */
    assert_true(expected_expanded_size(4095) > 0xFFFFFFFFull);
    check_volume_limit(L"FAT32", "FAT32", 0xFFFFFFFFull, 4095, 4000);
}

static void test_file_too_large_fat16(void **state)
{
    (void)state;
    check_volume_limit(L"FAT16", "FAT16", 0x7FFFFFFFull, 2047, 3);
    /* Windows names a FAT16 volume "FAT". */
    check_volume_limit(L"FAT", "FAT", 0x7FFFFFFFull, 2047, 1000);
}

static void test_ntfs_takes_the_largest(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    set_hook(L"VSDISK_TEST_FILESYSTEM", L"NTFS");
    expect_success(WORK_PATH(path, L"ntfs\\max.vhd"), MAX_DISK_MB);
    expect_success(WORK_PATH(path, L"ntfs\\fat32-too-large.vhd"), 4095);
    remove_tree(WORK_PATH(path, L"ntfs"));
}

/* --- DISP_E_EXCEPTION and failures of the create itself -------------------------------- */

static void test_disp_e_exception(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH];
    (void)state;

    WORK_PATH(folder, L"unexpected");
    WORK_PATH(path, L"unexpected\\deeper\\a.vhd");
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"1");    /* the create: ERROR_IO_DEVICE */
    expect_failure(support_vs, path, 3, X_DISP_E_EXCEPTION, "1117", folder);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"1:1392");   /* ERROR_FILE_CORRUPT */
    expect_failure(support_vs, path, MAX_DISK_MB, X_DISP_E_EXCEPTION, "1392", folder);
    /* A full disk at the create is still E_DISK_FULL. */
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"1:112");
    expect_failure(support_vs, path, 3, X_E_DISK_FULL, NULL, folder);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", NULL);
    expect_success(path, 3);    /* the same path is fine once the fault is gone */
    remove_tree(folder);
}

/* --- the order of the checks -------------------------------------------------------------- */

static void test_check_order(void **state)
{
    WCHAR folder[MAX_PATH], path[MAX_PATH], existing[MAX_PATH], through[MAX_PATH];
    WCHAR drive[16];
    BSTR bstr;
    (void)state;

    WORK_PATH(folder, L"order");
    /* path shape before size */
    expect_failure(support_vs, L"rel.vhd", 0, X_E_BAD_PATHNAME, NULL, NULL);
    expect_failure(support_vs, L"rel.vhd", 1, X_E_BAD_PATHNAME, NULL, NULL);
    expect_failure(support_vs, L"a*b.vhd", 3, X_E_BAD_PATHNAME, NULL, NULL);    /* relative first */
    bstr = SysAllocString(L"");
    expect_create_failure(support_vs, bstr, -1, X_E_BAD_PATHNAME, NULL, NULL);
    SysFreeString(bstr);
    WORK_PATH(path, L"order\\a*b.vhd");
    expect_failure(support_vs, path, 0, X_E_INVALID_NAME, NULL, folder);
    expect_failure(support_vs, path, 1, X_E_INVALID_NAME, NULL, folder);
    expect_failure(support_vs, path, INT_MAX, X_E_INVALID_NAME, NULL, folder);
    WORK_PATH(path, L"order\\nul.vhd");
    expect_failure(support_vs, path, 2, X_E_INVALID_NAME, NULL, folder);
    bstr = long_path(L"order", 300);
    expect_create_failure(support_vs, bstr, 0, X_E_BUFFER_OVERFLOW, NULL, folder);
    expect_create_failure(support_vs, bstr, 1, X_E_BUFFER_OVERFLOW, NULL, folder);
    bstr[wcslen(folder) + 5] = '*';             /* a forbidden character beats the length */
    expect_create_failure(support_vs, bstr, 3, X_E_INVALID_NAME, NULL, folder);
    SysFreeString(bstr);

    /* size before the file system */
    WORK_PATH(existing, L"order-existing.vhd");
    write_file(existing, "x", 1);
    expect_failure(support_vs, existing, 1, X_VM_E_IMAGE_SIZE_TOO_SMALL, NULL, NULL);
    expect_failure(support_vs, existing, 0, X_E_INVALIDARG, NULL, NULL);
    expect_failure(support_vs, existing, MAX_DISK_MB + 1, X_VM_E_IMAGE_SIZE_TOO_LARGE, NULL, NULL);
    swprintf(drive, ARRAYSIZE(drive), L"%lc:\\a.vhd", unused_drive_letter());
    expect_failure(support_vs, drive, 1, X_VM_E_IMAGE_SIZE_TOO_SMALL, NULL, NULL);
    WORK_PATH(through, L"order-existing.vhd\\a.vhd");
    expect_failure(support_vs, through, MAX_DISK_MB + 1, X_VM_E_IMAGE_SIZE_TOO_LARGE, NULL, NULL);

    /* within the file system: existing target, folders, then the volume, then the create */
    set_hook(L"VSDISK_TEST_FILESYSTEM", L"FAT32");
    expect_failure(support_vs, existing, MAX_DISK_MB, X_E_ALREADY_EXISTS, NULL, NULL);
    expect_failure(support_vs, through, MAX_DISK_MB, X_E_PATH_NOT_FOUND, NULL, NULL);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"1");
    WORK_PATH(path, L"order\\sub\\a.vhd");
    expect_failure(support_vs, path, MAX_DISK_MB, X_VM_E_FILE_TOO_LARGE_FOR_VOLUME, NULL, folder);
    expect_failure(support_vs, existing, 3, X_E_ALREADY_EXISTS, NULL, NULL);
    expect_failure(support_vs, path, 3, X_DISP_E_EXCEPTION, NULL, folder);
    clear_hooks();
    {
        DWORD size;
        BYTE *data = read_file(existing, &size);
        assert_non_null(data);
        assert_int_equal(size, 1);
        assert_int_equal(data[0], 'x');
        free(data);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_e_pointer, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_invalidarg, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_bad_pathname, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_invalid_name_characters, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_invalid_name_devices, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_invalid_name_reserved, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_invalid_name_trailing, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_invalid_name_embedded_nul, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_buffer_overflow, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_259_characters_accepted, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_path_not_found, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_e_already_exists, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_size_too_small, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_size_too_large, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_size_bounds_accepted, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_file_too_large_fat32, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_file_too_large_fat16, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_ntfs_takes_the_largest, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_disp_e_exception, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_check_order, support_setup, support_teardown),
    };
    return support_run(argc, argv, "return_codes", tests, ARRAYSIZE(tests));
}
