/* IVMVirtualServer.SearchPaths: per server object; put takes a string or a one-dimensional
 * array of strings (of BSTR, or of VARIANTs holding strings, by value or by reference) and
 * refuses anything else with E_INVALIDARG, keeping what it had; get returns an array of
 * VARIANTs holding strings; many threads may set and read it at once. */
#include <stdio.h>
#include <wchar.h>

#include "com_test.h"

static struct dll_under_test dll;

/* Reads SearchPaths back and compares it with expected (count strings). */
static void expect_paths(IVMVirtualServer *server, const WCHAR *const *expected, LONG count)
{
    VARIANT value;
    LONG lower = 7, upper = 7, i;

    VariantInit(&value);
    assert_int_equal(IVMVirtualServer_get_SearchPaths(server, &value), S_OK);
    assert_int_equal(V_VT(&value), VT_ARRAY | VT_VARIANT);
    assert_int_equal(SafeArrayGetDim(V_ARRAY(&value)), 1);
    assert_int_equal(SafeArrayGetLBound(V_ARRAY(&value), 1, &lower), S_OK);
    assert_int_equal(SafeArrayGetUBound(V_ARRAY(&value), 1, &upper), S_OK);
    assert_int_equal(lower, 0);
    assert_int_equal(upper, count - 1);
    for (i = 0; i < count; i++) {
        VARIANT item;
        VariantInit(&item);
        assert_int_equal(SafeArrayGetElement(V_ARRAY(&value), &i, &item), S_OK);
        assert_int_equal(V_VT(&item), VT_BSTR);
        if (wcscmp(V_BSTR(&item), expected[i]))
            fail_msg("path %ld is \"%ls\", expected \"%ls\"", (long)i, V_BSTR(&item), expected[i]);
        VariantClear(&item);
    }
    VariantClear(&value);
}

static SAFEARRAY *bstr_array(const WCHAR *const *items, LONG count)
{
    SAFEARRAY *array = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)count);
    LONG i;

    assert_non_null(array);
    for (i = 0; i < count; i++) {
        BSTR item = SysAllocString(items[i]);
        assert_int_equal(SafeArrayPutElement(array, &i, item), S_OK);
        SysFreeString(item);
    }
    return array;
}

static void expect_refused(IVMVirtualServer *server, VARIANT *value)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;

    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, *value), E_INVALIDARG);
    assert_int_equal(GetErrorInfo(0, &info), S_OK);
    assert_int_equal(IErrorInfo_GetDescription(info, &description), S_OK);
    assert_non_null(wcsstr(description, L"SearchPaths"));
    assert_non_null(wcsstr(description, L"string"));
    SysFreeString(description);
    IErrorInfo_Release(info);
}

static void test_values_taken(void **state)
{
    static const WCHAR *const two[] = { L"C:\\disks", L"D:\\more disks" };
    static const WCHAR *const one[] = { L"E:\\one" };
    IVMVirtualServer *server = dll_new_server(&dll), *other = dll_new_server(&dll);
    SAFEARRAY *variants;
    VARIANT value, inner;
    LONG i;

    (void)state;
    expect_paths(server, NULL, 0);

    V_VT(&value) = VT_BSTR;
    V_BSTR(&value) = SysAllocString(one[0]);
    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
    VariantClear(&value);
    expect_paths(server, one, 1);
    expect_paths(other, NULL, 0);               /* per server object */

    V_VT(&value) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&value) = bstr_array(two, 2);
    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
    VariantClear(&value);
    expect_paths(server, two, 2);

    /* a script's Array("E:\one"), passed by reference */
    variants = SafeArrayCreateVector(VT_VARIANT, 0, 1);
    i = 0;
    V_VT(&inner) = VT_BSTR;
    V_BSTR(&inner) = SysAllocString(one[0]);
    assert_int_equal(SafeArrayPutElement(variants, &i, &inner), S_OK);
    VariantClear(&inner);
    V_VT(&inner) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(&inner) = variants;
    V_VT(&value) = VT_BYREF | VT_VARIANT;
    V_VARIANTREF(&value) = &inner;
    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
    expect_paths(server, one, 1);
    VariantClear(&inner);

    /* a NULL BSTR is an empty string */
    {
        static const WCHAR *const empty[] = { L"" };
        V_VT(&value) = VT_BSTR;
        V_BSTR(&value) = NULL;
        assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
        expect_paths(server, empty, 1);
        V_VT(&value) = VT_ARRAY | VT_BSTR;
        V_ARRAY(&value) = SafeArrayCreateVector(VT_BSTR, 0, 1);     /* its one element is NULL */
        assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
        VariantClear(&value);
        expect_paths(server, empty, 1);
    }

    /* an empty array clears them */
    V_VT(&value) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&value) = SafeArrayCreateVector(VT_BSTR, 0, 0);
    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
    VariantClear(&value);
    expect_paths(server, NULL, 0);

    assert_int_equal(IVMVirtualServer_get_SearchPaths(server, NULL), E_POINTER);
    IVMVirtualServer_Release(other);
    assert_int_equal(IVMVirtualServer_Release(server), 0);
}

static void test_values_refused(void **state)
{
    static const WCHAR *const kept[] = { L"C:\\kept" };
    IVMVirtualServer *server = dll_new_server(&dll);
    SAFEARRAYBOUND bounds[2] = { { 2, 0 }, { 2, 0 } };
    SAFEARRAY *variants;
    VARIANT value, item;
    LONG i;

    (void)state;
    V_VT(&value) = VT_BSTR;
    V_BSTR(&value) = SysAllocString(kept[0]);
    assert_int_equal(IVMVirtualServer_put_SearchPaths(server, value), S_OK);
    VariantClear(&value);

    VariantInit(&value);
    expect_refused(server, &value);             /* Empty */
    V_VT(&value) = VT_NULL;
    expect_refused(server, &value);
    V_VT(&value) = VT_I4;
    V_I4(&value) = 3;
    expect_refused(server, &value);
    V_VT(&value) = VT_DISPATCH;
    V_DISPATCH(&value) = NULL;
    expect_refused(server, &value);

    /* an array of VARIANTs with a number in it */
    variants = SafeArrayCreateVector(VT_VARIANT, 0, 2);
    i = 0;
    V_VT(&item) = VT_BSTR;
    V_BSTR(&item) = SysAllocString(L"C:\\fine");
    assert_int_equal(SafeArrayPutElement(variants, &i, &item), S_OK);
    VariantClear(&item);
    i = 1;
    V_VT(&item) = VT_I4;
    V_I4(&item) = 3;
    assert_int_equal(SafeArrayPutElement(variants, &i, &item), S_OK);
    V_VT(&value) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(&value) = variants;
    expect_refused(server, &value);
    VariantClear(&value);

    /* two dimensions */
    V_VT(&value) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&value) = SafeArrayCreate(VT_BSTR, 2, bounds);
    expect_refused(server, &value);
    VariantClear(&value);

    /* an array of numbers */
    V_VT(&value) = VT_ARRAY | VT_I4;
    V_ARRAY(&value) = SafeArrayCreateVector(VT_I4, 0, 1);
    expect_refused(server, &value);
    VariantClear(&value);

    expect_paths(server, kept, 1);              /* every refusal kept what was there */
    assert_int_equal(IVMVirtualServer_Release(server), 0);
}

/* Threads set one of two lists and read back: each read is one whole list or the other. */
struct race {
    IVMVirtualServer *server;
    LONG torn, failures;
};

static DWORD WINAPI race_thread(void *context)
{
    static const WCHAR *const lists[2][2] = { { L"A1", L"A2" }, { L"B1", L"B2" } };
    struct race *race = context;
    int round;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (round = 0; round < 300; round++) {
        VARIANT value, first, second;
        LONG zero = 0, one = 1;
        int which = round & 1;

        V_VT(&value) = VT_ARRAY | VT_BSTR;
        V_ARRAY(&value) = bstr_array(lists[which], 2);
        if (FAILED(IVMVirtualServer_put_SearchPaths(race->server, value)))
            InterlockedIncrement(&race->failures);
        VariantClear(&value);
        VariantInit(&value);
        VariantInit(&first);
        VariantInit(&second);
        if (FAILED(IVMVirtualServer_get_SearchPaths(race->server, &value))
            || FAILED(SafeArrayGetElement(V_ARRAY(&value), &zero, &first))
            || FAILED(SafeArrayGetElement(V_ARRAY(&value), &one, &second)))
            InterlockedIncrement(&race->failures);
        else if (V_BSTR(&first)[0] != V_BSTR(&second)[0])
            InterlockedIncrement(&race->torn);
        VariantClear(&first);
        VariantClear(&second);
        VariantClear(&value);
    }
    CoUninitialize();
    return 0;
}

static void test_many_threads(void **state)
{
    struct race race = { dll_new_server(&dll), 0, 0 };
    HANDLE threads[6];
    size_t i;

    (void)state;
    for (i = 0; i < ARRAYSIZE(threads); i++) {
        threads[i] = CreateThread(NULL, 0, race_thread, &race, 0, NULL);
        assert_non_null(threads[i]);
    }
    assert_int_equal(WaitForMultipleObjects(ARRAYSIZE(threads), threads, TRUE, 60000), WAIT_OBJECT_0);
    for (i = 0; i < ARRAYSIZE(threads); i++)
        CloseHandle(threads[i]);
    assert_int_equal(race.failures, 0);
    assert_int_equal(race.torn, 0);
    assert_int_equal(IVMVirtualServer_Release(race.server), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_taken),
        cmocka_unit_test(test_values_refused),
        cmocka_unit_test(test_many_threads),
    };

    dll_load(&dll, argc, argv);
    return cmocka_run_group_tests(tests, com_setup_mta, com_teardown);
}
