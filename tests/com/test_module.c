/* The module and COM rules, with the DLL loaded without registration: the class factory,
 * QueryInterface, reference counts, DllCanUnloadNow, IDispatch by name, error information
 * and class information, and the server's Name, Version and UpTime. */
#include <stdio.h>
#include <wchar.h>

#include "com_test.h"

static struct dll_under_test dll;

static IUnknown *query(void *object, REFIID riid)
{
    IUnknown *result = (IUnknown *)(ULONG_PTR)0xdeadbeef;

    assert_int_equal(IUnknown_QueryInterface((IUnknown *)object, riid, (void **)&result), S_OK);
    assert_non_null(result);
    return result;
}

static ULONG refcount(void *object)
{
    IUnknown_AddRef((IUnknown *)object);
    return IUnknown_Release((IUnknown *)object);
}

static void test_class_factory(void **state)
{
    IClassFactory *factory = NULL;
    IUnknown *object = (IUnknown *)(ULONG_PTR)1;
    IUnknown *outer = (IUnknown *)(ULONG_PTR)0x1234;

    (void)state;
    assert_int_equal(dll.get_class_object(&IID_IVMTask, &IID_IClassFactory, (void **)&object),
                     CLASS_E_CLASSNOTAVAILABLE);
    assert_null(object);
    assert_int_equal(dll.get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory,
                                          (void **)&factory), S_OK);
    assert_int_equal(dll.can_unload_now(), S_FALSE);   /* the factory counts */

    object = (IUnknown *)(ULONG_PTR)1;
    assert_int_equal(IClassFactory_CreateInstance(factory, outer, &IID_IUnknown, (void **)&object),
                     CLASS_E_NOAGGREGATION);
    assert_null(object);
    assert_int_equal(IClassFactory_CreateInstance(factory, NULL, &IID_IPersist, (void **)&object),
                     E_NOINTERFACE);
    assert_null(object);
    assert_int_equal(IClassFactory_CreateInstance(factory, NULL, &IID_IUnknown, NULL), E_POINTER);

    assert_int_equal(IClassFactory_LockServer(factory, TRUE), S_OK);
    IClassFactory_Release(factory);
    assert_int_equal(dll.can_unload_now(), S_FALSE);   /* locked */
    assert_int_equal(dll.get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory,
                                          (void **)&factory), S_OK);
    assert_int_equal(IClassFactory_LockServer(factory, FALSE), S_OK);
    IClassFactory_Release(factory);
    assert_int_equal(dll.can_unload_now(), S_OK);
}

static void test_query_interface_rules(void **state)
{
    static const IID *const supported[] = {
        &IID_IUnknown, &IID_IDispatch, &IID_IVMVirtualServer, &IID_ISupportErrorInfo,
        &IID_IProvideClassInfo,
    };
    static const IID *const unsupported[] = {
        &IID_IPersist, &IID_IVMTask, &IID_IVMTask2, &IID_IVMTaskCollection, &IID_IClassFactory,
        &IID_IMarshal, &IID_IConnectionPointContainer,
    };
    IVMVirtualServer *server = dll_new_server(&dll);
    IUnknown *identity = query(server, &IID_IUnknown);
    size_t i, j;

    (void)state;
    for (i = 0; i < ARRAYSIZE(supported); i++) {
        IUnknown *from = query(server, supported[i]);
        for (j = 0; j < ARRAYSIZE(supported); j++) {
            /* Symmetric and transitive: every interface reaches every other... */
            IUnknown *to = query(from, supported[j]);
            IUnknown *back = query(to, supported[i]);
            /* ...and all of them agree on the object's identity. */
            IUnknown *unknown = query(to, &IID_IUnknown);
            assert_ptr_equal(unknown, identity);
            IUnknown_Release(unknown);
            IUnknown_Release(back);
            IUnknown_Release(to);
        }
        for (j = 0; j < ARRAYSIZE(unsupported); j++) {
            IUnknown *none = (IUnknown *)(ULONG_PTR)0xdeadbeef;
            assert_int_equal(IUnknown_QueryInterface(from, unsupported[j], (void **)&none),
                             E_NOINTERFACE);
            assert_null(none);
        }
        assert_int_equal(IUnknown_QueryInterface(from, &IID_IUnknown, NULL), E_POINTER);
        IUnknown_Release(from);
    }
    IUnknown_Release(identity);
    assert_int_equal(IVMVirtualServer_Release(server), 0);
    assert_int_equal(dll.can_unload_now(), S_OK);
}

static void test_reference_counts(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    ISupportErrorInfo *support;
    IVMTaskCollection *tasks;

    (void)state;
    assert_int_equal(refcount(server), 1);
    assert_int_equal(IVMVirtualServer_AddRef(server), 2);
    assert_int_equal(IVMVirtualServer_AddRef(server), 3);
    assert_int_equal(IVMVirtualServer_Release(server), 2);
    assert_int_equal(IVMVirtualServer_Release(server), 1);

    /* Interfaces of one object share its count. */
    support = (ISupportErrorInfo *)query(server, &IID_ISupportErrorInfo);
    assert_int_equal(refcount(server), 2);
    assert_int_equal(ISupportErrorInfo_Release(support), 1);

    /* A child object keeps the DLL loaded by itself. */
    assert_int_equal(IVMVirtualServer_get_Tasks(server, &tasks), S_OK);
    assert_int_equal(refcount(tasks), 1);
    assert_int_equal(IVMVirtualServer_Release(server), 0);
    assert_int_equal(dll.can_unload_now(), S_FALSE);
    assert_int_equal(IVMTaskCollection_Release(tasks), 0);
    assert_int_equal(dll.can_unload_now(), S_OK);
}

static DISPID dispid_of(IDispatch *dispatch, const WCHAR *name)
{
    LPOLESTR names[1] = { (LPOLESTR)name };
    DISPID id = DISPID_UNKNOWN;

    assert_int_equal(IDispatch_GetIDsOfNames(dispatch, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id), S_OK);
    assert_int_not_equal(id, DISPID_UNKNOWN);
    return id;
}

static HRESULT get_property(IDispatch *dispatch, DISPID id, VARIANT *result)
{
    DISPPARAMS none = { NULL, NULL, 0, 0 };

    VariantInit(result);
    return IDispatch_Invoke(dispatch, id, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_PROPERTYGET,
                            &none, result, NULL, NULL);
}

static void test_dispatch_by_name(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IDispatch *dispatch = (IDispatch *)query(server, &IID_IDispatch);
    LPOLESTR unknown[1] = { (LPOLESTR)L"NoSuchMember" };
    DISPID id = 0;
    ITypeInfo *info = NULL;
    UINT count = 0;
    VARIANT value;
    WCHAR expected[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD length = ARRAYSIZE(expected);

    (void)state;
    assert_int_equal(IDispatch_GetTypeInfoCount(dispatch, &count), S_OK);
    assert_int_equal(count, 1);
    assert_int_equal(IDispatch_GetTypeInfo(dispatch, 0, LOCALE_USER_DEFAULT, &info), S_OK);
    ITypeInfo_Release(info);
    assert_int_equal(IDispatch_GetTypeInfo(dispatch, 1, LOCALE_USER_DEFAULT, &info), DISP_E_BADINDEX);

    assert_int_equal(IDispatch_GetIDsOfNames(dispatch, &IID_NULL, unknown, 1, LOCALE_USER_DEFAULT, &id),
                     DISP_E_UNKNOWNNAME);
    assert_int_equal(id, DISPID_UNKNOWN);
    assert_int_equal(IDispatch_GetIDsOfNames(dispatch, &IID_IVMTask, unknown, 1, LOCALE_USER_DEFAULT, &id),
                     DISP_E_UNKNOWNINTERFACE);

    /* Names resolve whatever their case, as script engines expect. */
    assert_int_equal(dispid_of(dispatch, L"version"), dispid_of(dispatch, L"Version"));
    dispid_of(dispatch, L"Tasks");
    dispid_of(dispatch, L"CreateDynamicVirtualHardDisk");

    assert_int_equal(get_property(dispatch, dispid_of(dispatch, L"Version"), &value), S_OK);
    assert_int_equal(V_VT(&value), VT_BSTR);
    assert_int_equal(wcscmp(V_BSTR(&value), L"" VSDISK_VERSION_W), 0);
    VariantClear(&value);

    assert_true(GetComputerNameW(expected, &length));
    assert_int_equal(get_property(dispatch, dispid_of(dispatch, L"Name"), &value), S_OK);
    assert_int_equal(V_VT(&value), VT_BSTR);
    assert_int_equal(wcscmp(V_BSTR(&value), expected), 0);
    VariantClear(&value);

    assert_int_equal(get_property(dispatch, dispid_of(dispatch, L"Tasks"), &value), S_OK);
    assert_int_equal(V_VT(&value), VT_DISPATCH);
    VariantClear(&value);

    IDispatch_Release(dispatch);
    assert_int_equal(IVMVirtualServer_Release(server), 0);
}

static void test_up_time(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    LONG before = -1, after = -1;

    (void)state;
    assert_int_equal(IVMVirtualServer_get_UpTime(server, &before), S_OK);
    assert_in_range(before, 0, 1);
    Sleep(2100);
    assert_int_equal(IVMVirtualServer_get_UpTime(server, &after), S_OK);
    assert_in_range(after, 2, 3);
    IVMVirtualServer_Release(server);
}

static void test_error_information(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    ISupportErrorInfo *support = (ISupportErrorInfo *)query(server, &IID_ISupportErrorInfo);
    IErrorInfo *info = NULL;
    BSTR description = NULL;
    BSTR name = NULL;

    (void)state;
    assert_int_equal(ISupportErrorInfo_InterfaceSupportsErrorInfo(support, &IID_IVMVirtualServer), S_OK);
    assert_int_equal(ISupportErrorInfo_InterfaceSupportsErrorInfo(support, &IID_IPersist), S_FALSE);

    assert_int_equal(IVMVirtualServer_get_Version(server, NULL), E_POINTER);
    assert_int_equal(GetErrorInfo(0, &info), S_OK);
    assert_non_null(info);
    assert_int_equal(IErrorInfo_GetDescription(info, &description), S_OK);
    assert_non_null(wcsstr(description, L"Version"));
    SysFreeString(description);
    IErrorInfo_Release(info);

    /* A successful call clears it. */
    assert_int_equal(IVMVirtualServer_get_Name(server, &name), S_OK);
    SysFreeString(name);
    info = NULL;
    assert_int_equal(GetErrorInfo(0, &info), S_FALSE);
    assert_null(info);

    ISupportErrorInfo_Release(support);
    IVMVirtualServer_Release(server);
}

static void test_class_information(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IProvideClassInfo *provide = (IProvideClassInfo *)query(server, &IID_IProvideClassInfo);
    ITypeInfo *info = NULL;
    TYPEATTR *attr;

    (void)state;
    assert_int_equal(IProvideClassInfo_GetClassInfo(provide, &info), S_OK);
    assert_int_equal(ITypeInfo_GetTypeAttr(info, &attr), S_OK);
    assert_int_equal(attr->typekind, TKIND_COCLASS);
    assert_true(IsEqualGUID(&attr->guid, &CLSID_VMVirtualServer));
    ITypeInfo_ReleaseTypeAttr(info, attr);
    ITypeInfo_Release(info);
    assert_int_equal(IProvideClassInfo_GetClassInfo(provide, NULL), E_POINTER);
    IProvideClassInfo_Release(provide);
    IVMVirtualServer_Release(server);
}

static void test_empty_task_collection(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IVMTaskCollection *tasks = NULL;
    IVMTask *task = (IVMTask *)(ULONG_PTR)1;
    IUnknown *unknown = NULL;
    IEnumVARIANT *enumerator = NULL;
    VARIANT item;
    ULONG fetched = 7;
    LONG count = -1;

    (void)state;
    assert_int_equal(IVMVirtualServer_get_Tasks(server, &tasks), S_OK);
    assert_int_equal(IVMTaskCollection_get_Count(tasks, &count), S_OK);
    assert_int_equal(count, 0);
    assert_int_equal(IVMTaskCollection_get_Item(tasks, 1, &task), DISP_E_BADINDEX);
    assert_null(task);
    assert_int_equal(IVMTaskCollection_get__NewEnum(tasks, &unknown), S_OK);
    assert_int_equal(IUnknown_QueryInterface(unknown, &IID_IEnumVARIANT, (void **)&enumerator), S_OK);
    VariantInit(&item);
    assert_int_equal(IEnumVARIANT_Next(enumerator, 1, &item, &fetched), S_FALSE);
    assert_int_equal(fetched, 0);
    IEnumVARIANT_Release(enumerator);
    IUnknown_Release(unknown);
    IVMTaskCollection_Release(tasks);
    IVMVirtualServer_Release(server);
}

static void test_calls_from_many_threads_share_one_object(void **state);

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_factory),
        cmocka_unit_test(test_query_interface_rules),
        cmocka_unit_test(test_reference_counts),
        cmocka_unit_test(test_dispatch_by_name),
        cmocka_unit_test(test_up_time),
        cmocka_unit_test(test_error_information),
        cmocka_unit_test(test_class_information),
        cmocka_unit_test(test_empty_task_collection),
        cmocka_unit_test(test_calls_from_many_threads_share_one_object),
    };

    dll_load(&dll, argc, argv);
    return cmocka_run_group_tests(tests, com_setup_mta, com_teardown);
}

/* ThreadingModel=Both: one object called from many MTA threads at once. */
struct thread_work {
    IVMVirtualServer *server;
    LONG failures;
};

static DWORD WINAPI hammer(void *context)
{
    struct thread_work *work = context;
    int i;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (i = 0; i < 200; i++) {
        BSTR name = NULL;
        IVMTaskCollection *tasks = NULL;
        IVMVirtualServer_AddRef(work->server);
        if (FAILED(IVMVirtualServer_get_Name(work->server, &name))
            || FAILED(IVMVirtualServer_get_Tasks(work->server, &tasks)))
            InterlockedIncrement(&work->failures);
        SysFreeString(name);
        if (tasks)
            IVMTaskCollection_Release(tasks);
        IVMVirtualServer_Release(work->server);
    }
    CoUninitialize();
    return 0;
}

static void test_calls_from_many_threads_share_one_object(void **state)
{
    struct thread_work work = { dll_new_server(&dll), 0 };
    HANDLE threads[8];
    size_t i;

    (void)state;
    for (i = 0; i < ARRAYSIZE(threads); i++) {
        threads[i] = CreateThread(NULL, 0, hammer, &work, 0, NULL);
        assert_non_null(threads[i]);
    }
    assert_int_equal(WaitForMultipleObjects(ARRAYSIZE(threads), threads, TRUE, 60000), WAIT_OBJECT_0);
    for (i = 0; i < ARRAYSIZE(threads); i++)
        CloseHandle(threads[i]);
    assert_int_equal(work.failures, 0);
    assert_int_equal(IVMVirtualServer_Release(work.server), 0);
    assert_int_equal(dll.can_unload_now(), S_OK);
}
