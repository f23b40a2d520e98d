/* Creates a dynamically expanding VHD through vsdisk, from C.
 * Usage: create_disk PATH SIZE_MB
 * Build (mingw-w64): x86_64-w64-mingw32-gcc -DCOBJMACROS create_disk.c vsdisk_i.c -lole32 -loleaut32 -luuid
 * Exit code: 0 when the disk was created, 1 when it was not, 2 for a usage error. */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <stdlib.h>

#include "vsdisk.h"

/* The description the failed call left in the thread's error information. */
static void print_error(const char *what, HRESULT hr)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;

    if (GetErrorInfo(0, &info) == S_OK && info) {
        IErrorInfo_GetDescription(info, &description);
        IErrorInfo_Release(info);
    }
    fprintf(stderr, "%s failed with 0x%08lX: %ls\n", what, (unsigned long)hr,
            description ? description : L"(no description)");
    SysFreeString(description);
}

static int create_disk(const WCHAR *path, LONG size_mb)
{
    IVMVirtualServer *server = NULL;
    IVMTask *task = NULL;
    IVMTask2 *task2 = NULL;
    BSTR image_path = NULL, text = NULL;
    VMTaskResult result = vmTaskResult_UnexpectedError;
    LONG percent = 0, last = -1, error = 0;
    VARIANT_BOOL complete = VARIANT_FALSE;
    int status = 1;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_VMVirtualServer, NULL, CLSCTX_INPROC_SERVER,
                          &IID_IVMVirtualServer, (void **)&server);
    if (FAILED(hr)) {
        fprintf(stderr, "CoCreateInstance failed with 0x%08lX: is vsdisk.dll registered?\n",
                (unsigned long)hr);
        goto done;
    }
    image_path = SysAllocString(path);
    if (!image_path) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(server, image_path, size_mb, &task);
    if (FAILED(hr)) {
        print_error("CreateDynamicVirtualHardDisk", hr);
        goto done;
    }
    for (;;) {
        IVMTask_get_PercentCompleted(task, &percent);
        if (percent != last)
            printf("Progress: %ld%%\n", (last = percent));
        IVMTask_get_IsComplete(task, &complete);
        if (complete)
            break;
        IVMTask_WaitForCompletion(task, 250);
    }
    IVMTask_get_PercentCompleted(task, &percent);
    if (percent != last)
        printf("Progress: %ld%%\n", percent);
    IVMTask_get_Result(task, &result);
    if (result == vmTaskResult_Success) {
        printf("Created %ls (%ld MB)\n", path, size_mb);
        status = 0;
        goto done;
    }
    /* IVMTask2 says why a task failed. */
    if (SUCCEEDED(IVMTask_QueryInterface(task, &IID_IVMTask2, (void **)&task2))) {
        IVMTask2_get_Error(task2, &error);
        IVMTask2_get_ErrorDescription(task2, &text);
    }
    fprintf(stderr, "Failed (result %d, error 0x%08lX): %ls\n", (int)result, (unsigned long)error,
            text ? text : L"");

done:
    SysFreeString(text);
    SysFreeString(image_path);
    if (task2)
        IVMTask2_Release(task2);
    if (task)
        IVMTask_Release(task);
    if (server)
        IVMVirtualServer_Release(server);
    return status;
}

int wmain(int argc, WCHAR **argv)
{
    WCHAR *end;
    long size_mb;
    int status;

    if (argc != 3 || (size_mb = wcstol(argv[2], &end, 10), *end != 0)) {
        fprintf(stderr, "usage: create_disk PATH SIZE_MB\n");
        return 2;
    }
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        fprintf(stderr, "CoInitializeEx failed\n");
        return 1;
    }
    status = create_disk(argv[1], (LONG)size_mb);
    CoUninitialize();
    return status;
}
