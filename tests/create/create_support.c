#include "create_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int support_argc;
char **support_argv;
HMODULE support_dll;
WCHAR support_work[MAX_PATH];

static WCHAR dll_path[MAX_PATH];
static WCHAR tmp_base[MAX_PATH];

static const WCHAR *const hooks[] = {
    L"VSDISK_TEST_WRITE_DELAY_MS", L"VSDISK_TEST_FAIL_IO_CALL", L"VSDISK_TEST_FILESYSTEM",
    L"VSDISK_TEST_FAIL_CREATED_CALL",
};

void support_windows_path(const char *arg, WCHAR *out, size_t size)
{
    WCHAR relative[MAX_PATH];
    size_t n;

    windows_path(arg, out, size);
    if (arg[0] != '/' && !(out[0] && out[1] == ':')) {
        wcscpy(relative, out);
        GetFullPathNameW(relative, (DWORD)size, out, NULL);
    }
    n = wcslen(out);
    while (n > 3 && out[n - 1] == '\\')
        out[--n] = 0;
}

static HRESULT (WINAPI *get_class_object)(REFCLSID, REFIID, void **);

static int group_setup(void **state)
{
    WCHAR name[64];
    int attempt;
    (void)state;

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return -1;
    support_dll = LoadLibraryW(dll_path);
    if (!support_dll) {
        fprintf(stderr, "cannot load %ls (error %lu)\n", dll_path, GetLastError());
        return -1;
    }
    get_class_object = (HRESULT (WINAPI *)(REFCLSID, REFIID, void **))(void (*)(void))
        GetProcAddress(support_dll, "DllGetClassObject");
    if (!get_class_object)
        return -1;
    swprintf(name, ARRAYSIZE(name), L"%lu-%llu", GetCurrentProcessId(),
             (unsigned long long)GetTickCount64());
    if (_snwprintf(support_work, ARRAYSIZE(support_work) - 1, L"%ls\\%ls", tmp_base, name) < 0)
        return -1;
    /* Another test that ends may remove the (empty) base between the two calls: retry. */
    for (attempt = 0; attempt < 5; attempt++) {
        CreateDirectoryW(tmp_base, NULL);
        if (CreateDirectoryW(support_work, NULL))
            break;
    }
    if (attempt == 5) {
        fprintf(stderr, "cannot create %ls (error %lu)\n", support_work, GetLastError());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    clear_hooks();
    /* Leave the DLL loaded: a failed test may have left a creation running. */
    remove_tree(support_work);
    RemoveDirectoryW(tmp_base);     /* only if no other test is using it */
    CoUninitialize();
    return 0;
}

int support_run(int argc, char **argv, const char *name, const struct CMUnitTest *tests,
                size_t count)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DLL TMPBASE [ARGS...]\n", name);
        return 2;
    }
    support_windows_path(argv[1], dll_path, ARRAYSIZE(dll_path));
    support_windows_path(argv[2], tmp_base, ARRAYSIZE(tmp_base));
    support_argc = argc - 3;
    support_argv = argv + 3;
    clear_hooks();
    return _cmocka_run_group_tests(name, tests, count, group_setup, group_teardown);
}

HRESULT support_new_server(IVMVirtualServer **out)
{
    IClassFactory *factory = NULL;
    HRESULT hr;

    *out = NULL;
    hr = get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory, (void **)&factory);
    if (FAILED(hr))
        return hr;
    hr = IClassFactory_CreateInstance(factory, NULL, &IID_IVMVirtualServer, (void **)out);
    IClassFactory_Release(factory);
    return hr;
}

IVsDiskVirtualServer *support_vsdisk_server(void)
{
    IClassFactory *factory = NULL;
    IVsDiskVirtualServer *vs = NULL;

    assert_int_equal(get_class_object(&CLSID_VsDiskVirtualServer, &IID_IClassFactory,
                                      (void **)&factory), S_OK);
    assert_int_equal(IClassFactory_CreateInstance(factory, NULL, &IID_IVsDiskVirtualServer,
                                                  (void **)&vs), S_OK);
    IClassFactory_Release(factory);
    assert_non_null(vs);
    return vs;
}

IVMVirtualServer *support_server(void)
{
    IVMVirtualServer *vs = NULL;

    assert_int_equal(support_new_server(&vs), S_OK);
    assert_non_null(vs);
    return vs;
}

WCHAR *work_path(WCHAR *out, size_t size, const WCHAR *format, ...)
{
    WCHAR relative[1024];
    va_list args;
    int n;

    va_start(args, format);
    n = _vsnwprintf(relative, ARRAYSIZE(relative) - 1, format, args);
    va_end(args);
    assert_true(n >= 0);
    relative[ARRAYSIZE(relative) - 1] = 0;
    n = _snwprintf(out, size - 1, L"%ls\\%ls", support_work, relative);
    assert_true(n >= 0);
    out[size - 1] = 0;
    return out;
}

BOOL path_exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

void remove_tree(const WCHAR *path)
{
    WCHAR pattern[MAX_PATH + 8], child[MAX_PATH + 8];
    WIN32_FIND_DATAW data;
    DWORD attributes = GetFileAttributesW(path);
    HANDLE find;

    if (attributes == INVALID_FILE_ATTRIBUTES)
        return;
    if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
        DeleteFileW(path);
        return;
    }
    _snwprintf(pattern, ARRAYSIZE(pattern) - 1, L"%ls\\*", path);
    pattern[ARRAYSIZE(pattern) - 1] = 0;
    find = FindFirstFileW(pattern, &data);
    if (find != INVALID_HANDLE_VALUE) {
        do {
            if (!wcscmp(data.cFileName, L".") || !wcscmp(data.cFileName, L".."))
                continue;
            _snwprintf(child, ARRAYSIZE(child) - 1, L"%ls\\%ls", path, data.cFileName);
            child[ARRAYSIZE(child) - 1] = 0;
            remove_tree(child);
        } while (FindNextFileW(find, &data));
        FindClose(find);
    }
    RemoveDirectoryW(path);
}

void make_folder(const WCHAR *path)
{
    if (!CreateDirectoryW(path, NULL))
        fail_msg("cannot create folder %ls (error %lu)", path, GetLastError());
}

void write_file(const WCHAR *path, const void *data, DWORD size)
{
    HANDLE file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD written = 0;

    if (file == INVALID_HANDLE_VALUE)
        fail_msg("cannot create %ls (error %lu)", path, GetLastError());
    if (size && (!WriteFile(file, data, size, &written, NULL) || written != size)) {
        CloseHandle(file);
        fail_msg("cannot write %ls (error %lu)", path, GetLastError());
    }
    CloseHandle(file);
}

BYTE *read_file(const WCHAR *path, DWORD *size)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER length;
    BYTE *data;
    DWORD got = 0;

    *size = 0;
    if (file == INVALID_HANDLE_VALUE)
        return NULL;
    if (!GetFileSizeEx(file, &length) || length.QuadPart > 64 * 1024 * 1024
        || !(data = malloc((size_t)length.QuadPart + 1))) {
        CloseHandle(file);
        return NULL;
    }
    if (!ReadFile(file, data, (DWORD)length.QuadPart, &got, NULL) || got != length.QuadPart) {
        free(data);
        CloseHandle(file);
        return NULL;
    }
    CloseHandle(file);
    *size = got;
    return data;
}

void set_hook(const WCHAR *name, const WCHAR *value)
{
    assert_true(SetEnvironmentVariableW(name, value));
}

void clear_hooks(void)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(hooks); i++)
        SetEnvironmentVariableW(hooks[i], NULL);
}

HRESULT create_disk_bstr(IVMVirtualServer *vs, BSTR path, LONG mb, IVMTask **task)
{
    SetErrorInfo(0, NULL);
    return IVMVirtualServer_CreateDynamicVirtualHardDisk(vs, path, mb, task);
}

HRESULT create_disk(IVMVirtualServer *vs, const WCHAR *path, LONG mb, IVMTask **task)
{
    BSTR bstr = SysAllocString(path);
    HRESULT hr;

    assert_non_null(bstr);
    hr = create_disk_bstr(vs, bstr, mb, task);
    SysFreeString(bstr);
    return hr;
}

BOOL contains_ascii(const WCHAR *text, const char *keyword)
{
    size_t i, j, length = wcslen(text), wanted = strlen(keyword);

    for (i = 0; i + wanted <= length; i++) {
        for (j = 0; j < wanted; j++) {
            WCHAR a = text[i + j], b = (WCHAR)(unsigned char)keyword[j];
            if (a >= 'A' && a <= 'Z')
                a = (WCHAR)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (WCHAR)(b - 'A' + 'a');
            if (a != b)
                break;
        }
        if (j == wanted)
            return TRUE;
    }
    return FALSE;
}

void expect_error_info(const char *keyword)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;
    HRESULT hr = GetErrorInfo(0, &info);

    if (hr != S_OK || !info)
        fail_msg("no error information was set (GetErrorInfo returned 0x%08lx)", (unsigned long)hr);
    hr = IErrorInfo_GetDescription(info, &description);
    IErrorInfo_Release(info);
    assert_int_equal(hr, S_OK);
    if (!description || !description[0])
        fail_msg("%s", "the error description is empty");
    if (keyword && !contains_ascii(description, keyword)) {
        fail_msg("the error description \"%ls\" does not mention \"%s\"", description, keyword);
    }
    SysFreeString(description);
}

void expect_create_failure(IVMVirtualServer *vs, BSTR path, LONG mb, HRESULT expected,
                           const char *keyword, const WCHAR *absent)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;   /* must come back NULL */
    HRESULT hr = create_disk_bstr(vs, path, mb, &task);

    if (hr != expected) {
        if (SUCCEEDED(hr) && task)
            IVMTask_WaitForCompletion(task, -1);
        fail_msg("\"%ls\", %ld MB: got 0x%08lx, expected 0x%08lx", path ? path : L"(NULL)", mb,
                 (unsigned long)hr, (unsigned long)expected);
    }
    if (task != NULL)
        fail_msg("\"%ls\", %ld MB: the failed call left *diskTask = %p", path ? path : L"(NULL)",
                 mb, (void *)task);
    expect_error_info(keyword);
    if (absent && path_exists(absent))
        fail_msg("\"%ls\", %ld MB: the failed call left %ls behind", path ? path : L"(NULL)", mb,
                 absent);
}

static ULONGLONG round_up(ULONGLONG value, ULONGLONG multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

static ULONGLONG table_entries(LONG mb)
{
    return ((ULONGLONG)mb * MIB + 2 * MIB - 1) / (2 * MIB);
}

ULONGLONG expected_file_size(LONG mb)
{
    /* footer copy (512) + dynamic header (1024) + BAT padded with 0xFF to 4 KiB, then the
     * footer placed so that the first block's data starts 4 KiB-aligned after its bitmap. */
    ULONGLONG table_end = round_up(1536 + table_entries(mb) * 4, 4096);
    return round_up(table_end + 512, 4096);
}

ULONGLONG expected_expanded_size(LONG mb)
{
    return expected_file_size(mb) + table_entries(mb) * (512 + 2 * MIB);
}

static ULONGLONG big_endian(const BYTE *p, int bytes)
{
    ULONGLONG value = 0;
    int i;

    for (i = 0; i < bytes; i++)
        value = value << 8 | p[i];
    return value;
}

static BOOL checksum_ok(const BYTE *p, size_t size, size_t checksum_offset)
{
    DWORD sum = 0;
    size_t i;

    for (i = 0; i < size; i++)
        if (i < checksum_offset || i >= checksum_offset + 4)
            sum += p[i];
    return (DWORD)~sum == (DWORD)big_endian(p + checksum_offset, 4);
}

const char *vhd_problem(const WCHAR *path, LONG mb, char *why, size_t why_size)
{
    const BYTE *footer, *copy, *header;
    const char *problem = NULL;
    DWORD size;
    BYTE *data = read_file(path, &size);
    ULONGLONG bytes = (ULONGLONG)mb * MIB;

    if (!data)
        return "the file is missing or cannot be read";
    if (size != expected_file_size(mb)) {
        snprintf(why, why_size, "the file has %lu bytes, expected %llu", (unsigned long)size,
                 (unsigned long long)expected_file_size(mb));
        free(data);
        return why;
    }
    copy = data;
    header = data + 512;
    footer = data + size - 512;
    if (memcmp(footer, "conectix", 8))
        problem = "no \"conectix\" cookie at EOF-512";
    else if (memcmp(copy, "conectix", 8))
        problem = "no \"conectix\" cookie at offset 0";
    else if (memcmp(copy, footer, 512))
        problem = "the footer copy at offset 0 differs from the footer";
    else if (memcmp(header, "cxsparse", 8))
        problem = "no \"cxsparse\" cookie at offset 512";
    else if (big_endian(footer + 40, 8) != bytes || big_endian(footer + 48, 8) != bytes)
        problem = "the original or current size is not the requested size";
    else if (big_endian(footer + 60, 4) != 3)
        problem = "the disk type is not 3 (dynamic)";
    else if (big_endian(footer + 16, 8) != 512)
        problem = "the footer's data offset is not 512";
    else if (!checksum_ok(footer, 512, 64))
        problem = "the footer checksum is wrong";
    else if (!checksum_ok(header, 1024, 36))
        problem = "the dynamic header checksum is wrong";
    else if (big_endian(header + 28, 4) != table_entries(mb))
        problem = "the header's max table entries is wrong";
    else if (big_endian(header + 32, 4) != 2 * MIB)
        problem = "the block size is not 2 MiB";
    free(data);
    return problem;
}

LONG task_result(IVMTask *task)
{
    VMTaskResult result = (VMTaskResult)-1;

    assert_int_equal(IVMTask_get_Result(task, &result), S_OK);
    return (LONG)result;
}

LONG task_percent(IVMTask *task)
{
    LONG percent = -1;

    assert_int_equal(IVMTask_get_PercentCompleted(task, &percent), S_OK);
    return percent;
}

LONG task_id(IVMTask *task)
{
    LONG id = 0;

    assert_int_equal(IVMTask_get_ID(task, &id), S_OK);
    return id;
}

BOOL task_complete(IVMTask *task)
{
    VARIANT_BOOL complete = 1;

    assert_int_equal(IVMTask_get_IsComplete(task, &complete), S_OK);
    assert_true(complete == VARIANT_TRUE || complete == VARIANT_FALSE);
    return complete == VARIANT_TRUE;
}

BOOL task_cancelable(IVMTask *task)
{
    VARIANT_BOOL cancelable = 1;

    assert_int_equal(IVMTask_get_IsCancelable(task, &cancelable), S_OK);
    assert_true(cancelable == VARIANT_TRUE || cancelable == VARIANT_FALSE);
    return cancelable == VARIANT_TRUE;
}

static IVMTask2 *task2(IVMTask *task)
{
    IVMTask2 *t2 = NULL;

    assert_int_equal(IVMTask_QueryInterface(task, &IID_IVMTask2, (void **)&t2), S_OK);
    return t2;
}

LONG task_error(IVMTask *task)
{
    IVMTask2 *t2 = task2(task);
    LONG error = 0x12345678;
    HRESULT hr = IVMTask2_get_Error(t2, &error);

    IVMTask2_Release(t2);
    assert_int_equal(hr, S_OK);
    return error;
}

char *task_error_text(IVMTask *task)
{
    IVMTask2 *t2 = task2(task);
    BSTR text = NULL;
    HRESULT hr = IVMTask2_get_ErrorDescription(t2, &text);
    char *narrow;
    int n;

    IVMTask2_Release(t2);
    assert_int_equal(hr, S_OK);
    assert_non_null(text);
    n = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    narrow = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(narrow);
    narrow[0] = 0;
    WideCharToMultiByte(CP_UTF8, 0, text, -1, narrow, n, NULL, NULL);
    SysFreeString(text);
    return narrow;
}

IVMVirtualServer *support_vs;

int support_setup(void **state)
{
    (void)state;
    clear_hooks();
    support_vs = support_server();
    return 0;
}

int support_teardown(void **state)
{
    (void)state;
    clear_hooks();
    if (support_vs)
        IVMVirtualServer_Release(support_vs);
    support_vs = NULL;
    return 0;
}

unsigned fail_io_calls_in_turn(const struct io_call_faults *run, unsigned *stopped)
{
    WCHAR value[32];
    unsigned n, failures = 0;

    for (n = run->first; n < run->limit; n++) {
        IVMTask *task;

        swprintf(value, ARRAYSIZE(value), L"%u:%ls", n, run->error);
        set_hook(L"VSDISK_TEST_FAIL_IO_CALL", value);
        task = run->start(run->ctx);
        assert_int_equal(IVMTask_WaitForCompletion(task, -1), S_OK);
        if (task_result(task) == 0) {   /* vmTaskResult_Success */
            IVMTask_Release(task);
            break;
        }
        assert_int_equal(task_error(task), run->expected);
        if (run->check)
            run->check(task, run->ctx);
        IVMTask_Release(task);
        if (path_exists(run->absent))
            fail_msg("call %u failed: %ls left behind", n, run->absent);
        failures++;
    }
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", NULL);
    *stopped = n;
    return failures;
}
