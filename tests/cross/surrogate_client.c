/* Reaches vsdisk out of process, through the system surrogate (dllhost.exe) its AppID names:
 * CoCreateInstance with CLSCTX_LOCAL_SERVER, then calls through the proxy (a property, a
 * disk creation and its task). Prints one line per check and "N passed, M failed".
 * Usage: surrogate_client DISK_PATH (a Windows path; the disk is created and left for the
 * harness to read)
 * Exit status: 0 all passed, 1 a check failed, 3 the activation itself failed (its HRESULT
 * is printed as "activation: hr=0x..."). */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
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

int main(int argc, char **argv)
{
    IVMVirtualServer *server = NULL;
    IVMTask *task = NULL;
    WCHAR disk[MAX_PATH];
    BSTR path, version = NULL;
    VARIANT_BOOL done = VARIANT_FALSE;
    VMTaskResult result = vmTaskResult_UnexpectedError;
    HRESULT hr;

    if (argc != 2) {
        fprintf(stderr, "usage: surrogate_client DISK_PATH\n");
        return 2;
    }
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, disk, MAX_PATH);
    printf("client: %u-bit\n", (unsigned)(sizeof(void *) * 8));
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    check(SUCCEEDED(hr), "CoInitializeEx", hr);
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
