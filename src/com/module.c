/* DllMain, DllGetClassObject, DllCanUnloadNow and the class factory. */
#include <windows.h>
#include <ole2.h>
#include <stdlib.h>

#include "allocation.h"
#include "buffer_cache.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"
#include "server.h"

static HINSTANCE instance;
static LONG live_count;
static LONG lock_count;

HINSTANCE module_instance(void)
{
    return instance;
}

WCHAR *module_path(void)
{
    DWORD size = MAX_PATH;

    for (;;) {
        WCHAR *path = vs_malloc(size * sizeof(WCHAR));
        DWORD len;

        if (!path)
            return NULL;
        len = GetModuleFileNameW(instance, path, size);
        if (len == 0) {
            vs_free(path);
            return NULL;
        }
        if (len < size)
            return path;
        vs_free(path);
        if (size >= 32768)
            return NULL;
        size *= 2;
    }
}

void module_add_ref(void)
{
    InterlockedIncrement(&live_count);
}

void module_release(void)
{
    InterlockedDecrement(&live_count);
}

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, void *reserved)
{
    switch (reason) {
    case DLL_PROCESS_ATTACH:
        instance = dll;
        DisableThreadLibraryCalls(dll);
        allocation_hooks_load();
        break;
    case DLL_PROCESS_DETACH:
        /* At process exit (reserved != NULL) other threads are gone: touch nothing. */
        if (!reserved) {
            typeinfo_cache_release();
            buffer_cache_release();
            allocation_hooks_report();
        }
        break;
    }
    return TRUE;
}

static HRESULT WINAPI factory_QueryInterface(IClassFactory *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *out = iface;
        IClassFactory_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI factory_AddRef(IClassFactory *iface)
{
    (void)iface;
    module_add_ref();
    return 2;
}

static ULONG WINAPI factory_Release(IClassFactory *iface)
{
    (void)iface;
    module_release();
    return 1;
}

static IClassFactory vsdisk_server_factory;

static HRESULT WINAPI factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                             void **out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    return server_create(riid, iface == &vsdisk_server_factory, out);
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    if (lock)
        InterlockedIncrement(&lock_count);
    else
        InterlockedDecrement(&lock_count);
    return S_OK;
}

static const IClassFactoryVtbl factory_vtbl = {
    factory_QueryInterface,
    factory_AddRef,
    factory_Release,
    factory_CreateInstance,
    factory_LockServer,
};

/* One factory for Virtual Server's CLSID, one for vsdisk's own: the object is the same, its
 * IDispatch differs (server_create). */
static IClassFactory server_factory = { &factory_vtbl };
static IClassFactory vsdisk_server_factory = { &factory_vtbl };

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (IsEqualCLSID(clsid, &CLSID_VsDiskVirtualServer))
        return IClassFactory_QueryInterface(&vsdisk_server_factory, riid, out);
    if (!IsEqualCLSID(clsid, &CLSID_VMVirtualServer))
        return CLASS_E_CLASSNOTAVAILABLE;
    return IClassFactory_QueryInterface(&server_factory, riid, out);
}

HRESULT WINAPI DllCanUnloadNow(void)
{
    return (live_count == 0 && lock_count == 0) ? S_OK : S_FALSE;
}
