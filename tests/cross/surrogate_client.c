/* Reaches vsdisk out of process, through the system surrogate (dllhost.exe) its AppID names:
 * CoCreateInstance with CLSCTX_LOCAL_SERVER, then calls through the proxy (a property, a
 * disk creation and its task). Prints one line per check and "N passed, M failed".
 * Usage: surrogate_client local DISK_PATH   (a Windows path; the disk is left for the harness)
 *        surrogate_client local-dispatch DISK_PATH   the same through IDispatch alone (late
 *                                           binding, as scripts and VBA do: the proxy is
 *                                           oleaut32's own, no type library needed)
 *        surrogate_client no-inproc         CLSCTX_INPROC_SERVER must fail with
 *                                           REGDB_E_CLASSNOTREG: this bitness has no DLL registered
 * Exit status: 0 all passed, 1 a check failed, 3 the activation itself failed (its HRESULT
 * is printed as "activation: hr=0x..."). */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "vsdisk.h"

static int passed, failed;

static void check(BOOL ok, const char *what, HRESULT hr)
{
    if (ok) {
        passed++;
        printf("ok: %s\n", what);
    } else {
        failed++;
        printf("FAIL: %s (hr=0x%08lx)\n", what, (unsigned long)hr);
    }
}

/* Calls a member by name through IDispatch; VT_EMPTY args end the list. */
static HRESULT call(IDispatch *object, const WCHAR *member, WORD flags, VARIANT *args, UINT count,
                    VARIANT *result)
{
    DISPPARAMS params = { args, NULL, count, 0 };
    LPOLESTR name = (LPOLESTR)member;
    DISPID id;
    HRESULT hr = IDispatch_GetIDsOfNames(object, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id);

    if (FAILED(hr))
        return hr;
    VariantInit(result);
    return IDispatch_Invoke(object, id, &IID_NULL, LOCALE_USER_DEFAULT, flags, &params, result, NULL, NULL);
}

static int run_dispatch(const WCHAR *disk)
{
    IDispatch *server = NULL, *task;
    VARIANT args[2], result;
    HRESULT hr = CoCreateInstance(&CLSID_VMVirtualServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IDispatch,
                                  (void **)&server);

    printf("activation: hr=0x%08lx\n", (unsigned long)hr);
    if (FAILED(hr))
        return 3;
    check(TRUE, "CoCreateInstance(CLSCTX_LOCAL_SERVER, IDispatch) reaches the surrogate", hr);
    hr = call(server, L"Version", DISPATCH_PROPERTYGET, NULL, 0, &result);
    check(SUCCEEDED(hr) && V_VT(&result) == VT_BSTR && SysStringLen(V_BSTR(&result)) > 0,
          "Version by name", hr);
    VariantClear(&result);
    /* Arguments go in reverse order. */
    V_VT(&args[1]) = VT_BSTR;
    V_BSTR(&args[1]) = SysAllocString(disk);
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = 40;
    hr = call(server, L"CreateDynamicVirtualHardDisk", DISPATCH_METHOD, args, 2, &result);
    VariantClear(&args[1]);
    check(SUCCEEDED(hr) && V_VT(&result) == VT_DISPATCH && V_DISPATCH(&result),
          "CreateDynamicVirtualHardDisk by name returns a task", hr);
    if (SUCCEEDED(hr) && V_VT(&result) == VT_DISPATCH && (task = V_DISPATCH(&result))) {
        VARIANT wait, outcome;
        V_VT(&wait) = VT_I4;
        V_I4(&wait) = 60000;
        hr = call(task, L"WaitForCompletion", DISPATCH_METHOD, &wait, 1, &outcome);
        check(SUCCEEDED(hr), "WaitForCompletion by name", hr);
        VariantClear(&outcome);
        hr = call(task, L"Result", DISPATCH_PROPERTYGET, NULL, 0, &outcome);
        check(SUCCEEDED(hr) && V_VT(&outcome) == VT_I4 && V_I4(&outcome) == vmTaskResult_Success,
              "the task's Result is 0", hr);
        VariantClear(&outcome);
    }
    VariantClear(&result);
    IDispatch_Release(server);
    return 0;
}

int main(int argc, char **argv)
{
    IVMVirtualServer *server = NULL;
    IVMTask *task = NULL;
    WCHAR disk[MAX_PATH];
    BSTR path, version = NULL;
    VARIANT_BOOL done = VARIANT_FALSE;
    VMTaskResult result = vmTaskResult_UnexpectedError;
    HRESULT hr;

    if (!(argc == 3 && (!strcmp(argv[1], "local") || !strcmp(argv[1], "local-dispatch")))
        && !(argc == 2 && !strcmp(argv[1], "no-inproc"))) {
        fprintf(stderr, "usage: surrogate_client local|local-dispatch DISK_PATH | no-inproc\n");
        return 2;
    }
    printf("client: %u-bit\n", (unsigned)(sizeof(void *) * 8));
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    check(SUCCEEDED(hr), "CoInitializeEx", hr);
    if (argc == 2) {
        hr = CoCreateInstance(&CLSID_VMVirtualServer, NULL, CLSCTX_INPROC_SERVER, &IID_IVMVirtualServer,
                              (void **)&server);
        check(hr == REGDB_E_CLASSNOTREG, "no in-process server of this bitness", hr);
        if (server)
            IVMVirtualServer_Release(server);
        CoUninitialize();
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, disk, MAX_PATH);
    if (!strcmp(argv[1], "local-dispatch")) {
        int status = run_dispatch(disk);
        CoUninitialize();
        printf("%d passed, %d failed\n", passed, failed + (status == 3));
        return status ? status : failed ? 1 : 0;
    }
    hr = CoCreateInstance(&CLSID_VMVirtualServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IVMVirtualServer,
                          (void **)&server);
    printf("activation: hr=0x%08lx\n", (unsigned long)hr);
    if (FAILED(hr)) {
        CoUninitialize();
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 3;
    }
    check(TRUE, "CoCreateInstance(CLSCTX_LOCAL_SERVER) reaches the surrogate", hr);
    hr = IVMVirtualServer_get_Version(server, &version);
    check(SUCCEEDED(hr) && version && version[0], "Version through the proxy", hr);
    SysFreeString(version);
    path = SysAllocString(disk);
    hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(server, path, 40, &task);
    check(SUCCEEDED(hr) && task, "CreateDynamicVirtualHardDisk through the proxy", hr);
    SysFreeString(path);
    if (task) {
        hr = IVMTask_WaitForCompletion(task, 60000);
        check(SUCCEEDED(hr), "WaitForCompletion", hr);
        hr = IVMTask_get_IsComplete(task, &done);
        check(SUCCEEDED(hr) && done == VARIANT_TRUE, "the task is complete", hr);
        hr = IVMTask_get_Result(task, &result);
        check(SUCCEEDED(hr) && result == vmTaskResult_Success, "the task's Result is 0", hr);
        IVMTask_Release(task);
    }
    IVMVirtualServer_Release(server);
    CoUninitialize();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
