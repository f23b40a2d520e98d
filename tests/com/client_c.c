/* A plain C client of the registered server: CoCreateInstance by both CLSIDs in a single-threaded
 * and in a multithreaded apartment, every ProgID, and a call from another apartment through the
 * type-library marshaler. Ends with "N passed, M failed". */
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
    } else {
        failed++;
        printf("FAIL: %s (hr 0x%08lx)\n", what, (unsigned long)hr);
    }
}

static void use_server(IVMVirtualServer *server, const char *apartment, const WCHAR *version)
{
    BSTR text = NULL;
    LONG up = -1;
    HRESULT hr;

    hr = IVMVirtualServer_get_Version(server, &text);
    check(hr == S_OK && text && !wcscmp(text, version), apartment, hr);
    SysFreeString(text);
    text = NULL;
    hr = IVMVirtualServer_get_Name(server, &text);
    check(hr == S_OK && text && SysStringLen(text) > 0, apartment, hr);
    SysFreeString(text);
    hr = IVMVirtualServer_get_UpTime(server, &up);
    check(hr == S_OK && up >= 0, apartment, hr);
}

static void in_apartment(DWORD model, const char *name, const WCHAR *version)
{
    /* Virtual Server's ProgID names its CLSID; vsdisk's own ProgIDs name vsdisk's CLSID. */
    static const struct { const WCHAR *prog_id; const CLSID *clsid; } prog_ids[] = {
        { L"VirtualServer.Application", &CLSID_VMVirtualServer },
        { L"VsDisk.VirtualServer", &CLSID_VsDiskVirtualServer },
        { L"VsDisk.VirtualServer.1", &CLSID_VsDiskVirtualServer },
    };
    static const CLSID *const clsids[] = { &CLSID_VMVirtualServer, &CLSID_VsDiskVirtualServer };
    IVMVirtualServer *server = NULL;
    size_t i;
    HRESULT hr;

    check(SUCCEEDED(CoInitializeEx(NULL, model)), name, S_OK);
    for (i = 0; i < ARRAYSIZE(clsids); i++) {
        server = NULL;
        hr = CoCreateInstance(clsids[i], NULL, CLSCTX_INPROC_SERVER, &IID_IVMVirtualServer,
                              (void **)&server);
        check(hr == S_OK && server, name, hr);
        if (server) {
            use_server(server, name, version);
            IVMVirtualServer_Release(server);
        }
    }
    for (i = 0; i < ARRAYSIZE(prog_ids); i++) {
        CLSID clsid;
        hr = CLSIDFromProgID(prog_ids[i].prog_id, &clsid);
        check(hr == S_OK && IsEqualCLSID(&clsid, prog_ids[i].clsid), "CLSIDFromProgID", hr);
    }
    CoUninitialize();
}

struct marshaled {
    IStream *stream;
    const WCHAR *version;
};

static DWORD WINAPI other_apartment(void *context)
{
    struct marshaled *m = context;
    IVMVirtualServer *proxy = NULL;
    HRESULT hr;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoGetInterfaceAndReleaseStream(m->stream, &IID_IVMVirtualServer, (void **)&proxy);
    check(hr == S_OK && proxy, "unmarshal into the MTA", hr);
    if (proxy) {
        use_server(proxy, "through a proxy", m->version);
        IVMVirtualServer_Release(proxy);
    }
    CoUninitialize();
    return 0;
}

/* An object made in an STA, called from an MTA thread: COM marshals the call with the
 * type library that registration describes. */
static void across_apartments(const WCHAR *version)
{
    struct marshaled m = { NULL, version };
    IVMVirtualServer *server = NULL;
    HANDLE thread;
    HRESULT hr;
    MSG msg;

    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    hr = CoCreateInstance(&CLSID_VMVirtualServer, NULL, CLSCTX_INPROC_SERVER, &IID_IVMVirtualServer,
                          (void **)&server);
    check(hr == S_OK, "create in the STA", hr);
    hr = CoMarshalInterThreadInterfaceInStream(&IID_IVMVirtualServer, (IUnknown *)server, &m.stream);
    check(hr == S_OK, "marshal out of the STA", hr);
    thread = CreateThread(NULL, 0, other_apartment, &m, 0, NULL);
    /* The STA must pump messages for the proxy's calls to reach it. */
    while (MsgWaitForMultipleObjects(1, &thread, FALSE, 30000, QS_ALLINPUT) == WAIT_OBJECT_0 + 1)
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE))
            DispatchMessageW(&msg);
    CloseHandle(thread);
    IVMVirtualServer_Release(server);
    CoUninitialize();
}

int main(int argc, char **argv)
{
    WCHAR version[64];

    if (argc < 2)
        return 2;
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, version, ARRAYSIZE(version));
    in_apartment(COINIT_APARTMENTTHREADED, "STA", version);
    in_apartment(COINIT_MULTITHREADED, "MTA", version);
    across_apartments(version);
    printf("%d passed, %d failed\n", passed, failed);
    return failed;
}
