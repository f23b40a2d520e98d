/* IVMVirtualServer's floppy image members through the real COM server: CreateFloppyDiskImage
 * for every type (the two documented ones make blank images of their exact size, the others
 * E_INVALIDARG), every documented code with its error information and nothing left behind,
 * a failure at every I/O call in turn; GetFloppyDiskImageType on files of every size and of
 * others; GetFloppyDiskFiles with SearchPaths and additional folders. The values are written
 * out from the reference (virtual-server-api.md), not taken from the product's header.
 * Usage: test_floppy DLL TMPBASE */
#include "create_support.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define X_E_POINTER         ((HRESULT)0x80004003)
#define X_E_INVALIDARG      ((HRESULT)0x80070057)
#define X_E_FILE_NOT_FOUND  ((HRESULT)0x80070002)
#define X_E_PATH_NOT_FOUND  ((HRESULT)0x80070003)
#define X_E_BUFFER_OVERFLOW ((HRESULT)0x8007006F)
#define X_E_DISK_FULL       ((HRESULT)0x80070070)
#define X_E_INVALID_NAME    ((HRESULT)0x8007007B)
#define X_E_BAD_PATHNAME    ((HRESULT)0x800700A1)
#define X_E_ALREADY_EXISTS  ((HRESULT)0x800700B7)
#define X_DISP_E_EXCEPTION  ((HRESULT)0x80020009)

/* 80 cylinders x heads x sectors per track x 512. */
static const struct { int type; DWORD bytes; } sizes[] = {
    { 1, 80 * 2 * 9 * 512 }, { 2, 80 * 2 * 18 * 512 }, { 3, 80 * 2 * 21 * 512 },
    { 4, 80 * 1 * 9 * 512 }, { 5, 80 * 2 * 15 * 512 },
};

static HRESULT create_floppy(const WCHAR *path, int type)
{
    BSTR bstr = path ? SysAllocString(path) : NULL;
    HRESULT hr;

    SetErrorInfo(0, NULL);
    hr = IVMVirtualServer_CreateFloppyDiskImage(support_vs, bstr, (VMFloppyDiskImageType)type);
    SysFreeString(bstr);
    return hr;
}

static void expect_create_fails(const WCHAR *path, int type, HRESULT expected, const char *keyword,
                                const WCHAR *absent)
{
    HRESULT hr = create_floppy(path, type);
    if (hr != expected)
        fail_msg("\"%ls\", type %d: got 0x%08lx, expected 0x%08lx", path ? path : L"(NULL)", type,
                 (unsigned long)hr, (unsigned long)expected);
    expect_error_info(keyword);
    if (absent && path_exists(absent))
        fail_msg("\"%ls\": the failed call left %ls behind", path, absent);
}

/* The file at path: exactly bytes long, all zeros. */
static void expect_blank_image(const WCHAR *path, DWORD bytes)
{
    DWORD size = 0;
    BYTE *data = read_file(path, &size);
    assert_non_null(data);
    if (size != bytes)
        fail_msg("%ls: %lu bytes, expected %lu", path, (unsigned long)size, (unsigned long)bytes);
    for (DWORD i = 0; i < size; i++)
        if (data[i] != 0)
            fail_msg("%ls: byte %lu is 0x%02x, not 0", path, (unsigned long)i, data[i]);
    free(data);
}

static void test_create_types(void **state)
{
    WCHAR path[MAX_PATH];
    (void)state;

    WORK_PATH(path, L"low.vfd");
    assert_int_equal(create_floppy(path, 1), S_OK);
    expect_blank_image(path, 737280);
    WORK_PATH(path, L"high.vfd");
    assert_int_equal(create_floppy(path, 2), S_OK);
    expect_blank_image(path, 1474560);
    /* Missing folders on the way are made. */
    WORK_PATH(path, L"new\\deeper\\f.vfd");
    assert_int_equal(create_floppy(path, 2), S_OK);
    expect_blank_image(path, 1474560);

    static const int refused[] = { 0, 3, 4, 5, 6, 7, -1, 1000 };
    for (size_t i = 0; i < ARRAYSIZE(refused); i++) {
        WCHAR folder[MAX_PATH];
        WORK_PATH(folder, L"refused%u", (unsigned)i);
        WORK_PATH(path, L"refused%u\\x.vfd", (unsigned)i);
        expect_create_fails(path, refused[i], X_E_INVALIDARG, "imageType", folder);
    }
}

static void test_create_paths(void **state)
{
    WCHAR path[MAX_PATH], file[MAX_PATH], inside[MAX_PATH];
    static const char keep[] = "keep me\r\n";
    BYTE *data;
    DWORD size;
    (void)state;

    expect_create_fails(NULL, 2, X_E_POINTER, "NULL", NULL);
    expect_create_fails(L"", 2, X_E_BAD_PATHNAME, NULL, NULL);
    expect_create_fails(L"relative\\f.vfd", 2, X_E_BAD_PATHNAME, NULL, NULL);
    WORK_PATH(path, L"bad?name.vfd");
    expect_create_fails(path, 2, X_E_INVALID_NAME, NULL, path);
    WORK_PATH(path, L"a|b.vfd");
    expect_create_fails(path, 2, X_E_INVALID_NAME, NULL, NULL);
    WORK_PATH(path, L"CON\\f.vfd");
    expect_create_fails(path, 2, X_E_INVALID_NAME, NULL, NULL);
    /* 260 characters: too long. */
    {
        WCHAR longer[300];
        size_t n;
        WORK_PATH(longer, L"x");
        n = wcslen(longer);
        while (n < 256)
            longer[n++] = 'y';
        wcscpy(longer + n, L".vfd");
        assert_int_equal(wcslen(longer), 260);
        expect_create_fails(longer, 2, X_E_BUFFER_OVERFLOW, NULL, NULL);
    }
    /* A path through a file, and a missing drive. */
    WORK_PATH(file, L"afile");
    write_file(file, keep, sizeof(keep) - 1);
    WORK_PATH(path, L"afile\\f.vfd");
    expect_create_fails(path, 2, X_E_PATH_NOT_FOUND, "floppy disk image", NULL);
    WORK_PATH(path, L"afile\\sub\\f.vfd");
    WORK_PATH(inside, L"afile\\sub");
    expect_create_fails(path, 1, X_E_PATH_NOT_FOUND, NULL, inside);
    for (WCHAR letter = 'Y'; letter >= 'D'; letter--) {
        if (!(GetLogicalDrives() & (1u << (letter - 'A')))) {
            swprintf(path, ARRAYSIZE(path), L"%lc:\\sub\\f.vfd", letter);
            expect_create_fails(path, 2, X_E_PATH_NOT_FOUND, NULL, NULL);
            break;
        }
    }
    /* Never overwritten: a file, a folder. */
    WORK_PATH(path, L"existing.vfd");
    write_file(path, keep, sizeof(keep) - 1);
    expect_create_fails(path, 2, X_E_ALREADY_EXISTS, "already exists", NULL);
    data = read_file(path, &size);
    assert_non_null(data);
    assert_int_equal(size, sizeof(keep) - 1);
    assert_memory_equal(data, keep, size);
    free(data);
    WORK_PATH(path, L"afolder.vfd");
    make_folder(path);
    expect_create_fails(path, 1, X_E_ALREADY_EXISTS, NULL, NULL);
    assert_true(GetFileAttributesW(path) & FILE_ATTRIBUTE_DIRECTORY);
    /* The order: a NULL path before a bad type, a bad path before a bad type. */
    expect_create_fails(NULL, 9, X_E_POINTER, NULL, NULL);
    expect_create_fails(L"rel.vfd", 9, X_E_BAD_PATHNAME, NULL, NULL);
}

/* Each I/O call of a creation fails in turn (ERROR_IO_DEVICE, then ERROR_DISK_FULL): the
 * member fails with DISP_E_EXCEPTION / E_DISK_FULL and neither the file nor the folders it
 * made are left; then a creation succeeds. */
static void test_create_io_failures(void **state)
{
    static const struct { const WCHAR *error; HRESULT expected; } kinds[] = {
        { L"1117", X_DISP_E_EXCEPTION }, { L"112", X_E_DISK_FULL },
    };
    WCHAR path[MAX_PATH], folder[MAX_PATH], value[32];
    (void)state;

    for (size_t k = 0; k < ARRAYSIZE(kinds); k++) {
        unsigned n, failed = 0;
        WORK_PATH(folder, L"io%u", (unsigned)k);
        WORK_PATH(path, L"io%u\\deeper\\f.vfd", (unsigned)k);
        for (n = 1; n < 100; n++) {
            HRESULT hr;
            swprintf(value, ARRAYSIZE(value), L"%u:%ls", n, kinds[k].error);
            set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
            hr = create_floppy(path, 2);
            if (hr == S_OK)
                break;
            if (hr != kinds[k].expected && !(n == 1 && hr == X_E_DISK_FULL))
                fail_msg("call %u failing with %ls: got 0x%08lx", n, kinds[k].error,
                         (unsigned long)hr);
            expect_error_info("floppy disk image");
            if (path_exists(folder))
                fail_msg("call %u failed: %ls left behind", n, folder);
            failed++;
        }
        set_hook(L"VSDISK_TEST_FAIL_IO_CALL", NULL);
        print_message("# %ls: %u calls failed in turn\n", kinds[k].error, failed);
        assert_true(failed >= 25);      /* create, 23 writes, flush, close */
        expect_blank_image(path, 1474560);
    }
}

static HRESULT image_type(const WCHAR *path, VMFloppyDiskImageType *type)
{
    BSTR bstr = path ? SysAllocString(path) : NULL;
    HRESULT hr;
    SetErrorInfo(0, NULL);
    *type = (VMFloppyDiskImageType)77;
    hr = IVMVirtualServer_GetFloppyDiskImageType(support_vs, bstr, type);
    SysFreeString(bstr);
    return hr;
}

static void test_image_type(void **state)
{
    WCHAR path[MAX_PATH];
    VMFloppyDiskImageType type;
    BYTE *zeros = calloc(1, 2949120 + 1);
    (void)state;

    assert_non_null(zeros);
    for (size_t i = 0; i < ARRAYSIZE(sizes); i++) {
        WORK_PATH(path, L"size%d.img", sizes[i].type);
        write_file(path, zeros, sizes[i].bytes);
        assert_int_equal(image_type(path, &type), S_OK);
        assert_int_equal(type, sizes[i].type);
    }
    /* An image the server made. */
    WORK_PATH(path, L"made.vfd");
    assert_int_equal(create_floppy(path, 1), S_OK);
    assert_int_equal(image_type(path, &type), S_OK);
    assert_int_equal(type, 1);

    static const DWORD others[] = { 0, 512, 1474559, 1474561, 1474560 + 512, 2949120 };
    for (size_t i = 0; i < ARRAYSIZE(others); i++) {
        WORK_PATH(path, L"other%u.vfd", (unsigned)i);
        write_file(path, zeros, others[i]);
        assert_int_equal(image_type(path, &type), X_DISP_E_EXCEPTION);
        assert_int_equal(type, 0);
        expect_error_info("not a floppy image");
    }
    free(zeros);
    WORK_PATH(path, L"afolder");
    make_folder(path);
    assert_int_equal(image_type(path, &type), X_DISP_E_EXCEPTION);
    expect_error_info("not a floppy image");
    WORK_PATH(path, L"missing.vfd");
    assert_int_equal(image_type(path, &type), X_E_FILE_NOT_FOUND);
    assert_int_equal(type, 0);
    expect_error_info("does not exist");
    WORK_PATH(path, L"nofolder\\missing.vfd");
    assert_int_equal(image_type(path, &type), X_E_PATH_NOT_FOUND);
    expect_error_info(NULL);
    assert_int_equal(image_type(NULL, &type), X_E_POINTER);
    expect_error_info("imagePath");
    assert_int_equal(image_type(L"", &type), X_E_BAD_PATHNAME);
    assert_int_equal(image_type(L"rel.vfd", &type), X_E_BAD_PATHNAME);
    WORK_PATH(path, L"a*b.vfd");
    assert_int_equal(image_type(path, &type), X_E_INVALID_NAME);
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMVirtualServer_GetFloppyDiskImageType(support_vs, NULL, NULL), X_E_POINTER);
    expect_error_info("pointer");
}

/* The array's strings, sorted case-insensitively, joined by '|', relative to the work folder. */
static void listing(const VARIANT *list, WCHAR *out, size_t size)
{
    WCHAR names[16][MAX_PATH];
    LONG lower, upper, count = 0;
    size_t work = wcslen(support_work) + 1;

    assert_int_equal(V_VT(list), VT_ARRAY | VT_VARIANT);
    SafeArrayGetLBound(V_ARRAY(list), 1, &lower);
    SafeArrayGetUBound(V_ARRAY(list), 1, &upper);
    for (LONG i = lower; i <= upper && count < 16; i++) {
        VARIANT item;
        VariantInit(&item);
        assert_int_equal(SafeArrayGetElement(V_ARRAY(list), &i, &item), S_OK);
        assert_int_equal(V_VT(&item), VT_BSTR);
        assert_true(_wcsnicmp(V_BSTR(&item), support_work, work - 1) == 0);
        wcscpy(names[count++], V_BSTR(&item) + work);
        VariantClear(&item);
    }
    for (LONG i = 1; i < count; i++)
        for (LONG j = i; j > 0 && _wcsicmp(names[j - 1], names[j]) > 0; j--) {
            WCHAR t[MAX_PATH];
            wcscpy(t, names[j]); wcscpy(names[j], names[j - 1]); wcscpy(names[j - 1], t);
        }
    out[0] = 0;
    for (LONG i = 0; i < count; i++) {
        if (i)
            wcsncat(out, L"|", size - wcslen(out) - 1);
        wcsncat(out, names[i], size - wcslen(out) - 1);
    }
}

static SAFEARRAY *strings(const WCHAR *a, const WCHAR *b)
{
    SAFEARRAY *array = SafeArrayCreateVector(VT_VARIANT, 0, b ? 2 : 1);
    const WCHAR *items[2] = { a, b };
    for (LONG i = 0; i < (b ? 2 : 1); i++) {
        VARIANT item;
        V_VT(&item) = VT_BSTR;
        V_BSTR(&item) = SysAllocString(items[i]);
        assert_int_equal(SafeArrayPutElement(array, &i, &item), S_OK);
        VariantClear(&item);
    }
    return array;
}

static void test_floppy_files(void **state)
{
    static const char text[] = "x";
    WCHAR one[MAX_PATH], two[MAX_PATH], path[MAX_PATH], got[2048];
    VARIANT search, extra, list;
    (void)state;

    make_folder(WORK_PATH(one, L"one"));
    make_folder(WORK_PATH(two, L"two"));
    write_file(WORK_PATH(path, L"one\\a.vfd"), text, 1);
    write_file(WORK_PATH(path, L"one\\B.VFD"), text, 1);
    write_file(WORK_PATH(path, L"one\\disk.vhd"), text, 1);
    write_file(WORK_PATH(path, L"one\\notes.txt"), text, 1);
    make_folder(WORK_PATH(path, L"one\\folder.vfd"));
    write_file(WORK_PATH(path, L"one\\folder.vfd\\deep.vfd"), text, 1);
    write_file(WORK_PATH(path, L"two\\c.vfd"), text, 1);

    /* SearchPaths alone (the argument left out, Empty). */
    V_VT(&search) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(&search) = strings(one, NULL);
    assert_int_equal(IVMVirtualServer_put_SearchPaths(support_vs, search), S_OK);
    VariantClear(&search);
    V_VT(&extra) = VT_EMPTY;
    assert_int_equal(IVMVirtualServer_GetFloppyDiskFiles(support_vs, extra, &list), S_OK);
    listing(&list, got, ARRAYSIZE(got));
    VariantClear(&list);
    if (wcscmp(got, L"one\\a.vfd|one\\B.VFD"))
        fail_msg("got \"%ls\"", got);
    /* And additional folders: a string, then an array naming SearchPaths' folder again. */
    V_VT(&extra) = VT_BSTR;
    V_BSTR(&extra) = SysAllocString(two);
    assert_int_equal(IVMVirtualServer_GetFloppyDiskFiles(support_vs, extra, &list), S_OK);
    VariantClear(&extra);
    listing(&list, got, ARRAYSIZE(got));
    VariantClear(&list);
    if (wcscmp(got, L"one\\a.vfd|one\\B.VFD|two\\c.vfd"))
        fail_msg("got \"%ls\"", got);
    V_VT(&extra) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(&extra) = strings(two, one);
    assert_int_equal(IVMVirtualServer_GetFloppyDiskFiles(support_vs, extra, &list), S_OK);
    VariantClear(&extra);
    listing(&list, got, ARRAYSIZE(got));
    VariantClear(&list);
    if (wcscmp(got, L"one\\a.vfd|one\\B.VFD|two\\c.vfd"))
        fail_msg("got \"%ls\" (a file found twice is listed once)", got);
    /* A folder that does not exist adds nothing. */
    V_VT(&extra) = VT_BSTR;
    V_BSTR(&extra) = SysAllocString(WORK_PATH(path, L"gone"));
    assert_int_equal(IVMVirtualServer_GetFloppyDiskFiles(support_vs, extra, &list), S_OK);
    VariantClear(&extra);
    VariantClear(&list);
    /* Not strings: E_INVALIDARG; no result pointer: E_POINTER. */
    V_VT(&extra) = VT_I4;
    V_I4(&extra) = 5;
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMVirtualServer_GetFloppyDiskFiles(support_vs, extra, &list), X_E_INVALIDARG);
    assert_int_equal(V_VT(&list), VT_EMPTY);
    expect_error_info("GetFloppyDiskFiles");
    V_VT(&extra) = VT_EMPTY;
    SetErrorInfo(0, NULL);
    assert_int_equal(IVMVirtualServer_GetFloppyDiskFiles(support_vs, extra, NULL), X_E_POINTER);
    expect_error_info("GetFloppyDiskFiles");
    /* GetHardDiskFiles still lists .vhd files only. */
    assert_int_equal(IVMVirtualServer_GetHardDiskFiles(support_vs, extra, &list), S_OK);
    listing(&list, got, ARRAYSIZE(got));
    VariantClear(&list);
    if (wcscmp(got, L"one\\disk.vhd"))
        fail_msg("GetHardDiskFiles got \"%ls\"", got);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_types, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_create_paths, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_create_io_failures, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_image_type, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_floppy_files, support_setup, support_teardown),
    };
    return support_run(argc, argv, "floppy", tests, ARRAYSIZE(tests));
}
