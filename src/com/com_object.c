/* IDispatch from the embedded type library, rich error information, and the
 * ISupportErrorInfo / IProvideClassInfo every object shares. */
#include <windows.h>
#include <ole2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <wchar.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"

/* --- type information --------------------------------------------------------------- */

struct typeinfo_entry {
    const GUID *guid;
    ITypeInfo *described;   /* what GetTypeInfo hands out: the dispinterface of a dual */
    ITypeInfo *callable;    /* the vtable interface, which DispInvoke needs */
};

static struct typeinfo_entry typeinfos[] = {
    { &IID_IVMVirtualServer, NULL, NULL },
    { &IID_IVMTask, NULL, NULL },
    { &IID_IVMTask2, NULL, NULL },
    { &IID_IVMTaskCollection, NULL, NULL },
    { &IID_IVMHardDisk, NULL, NULL },
    { &IID_IVsDiskHardDisk, NULL, NULL },
    { &IID_IVsDiskHardDisk2, NULL, NULL },
    { &IID_IVsDiskHardDisk3, NULL, NULL },
    { &IID_IVsDiskProblem, NULL, NULL },
    { &IID_IVsDiskVirtualServer, NULL, NULL },
    { &CLSID_VMVirtualServer, NULL, NULL },
    { &CLSID_VsDiskVirtualServer, NULL, NULL },
    { &CLSID_VMTask, NULL, NULL },
    { &CLSID_VMHardDisk, NULL, NULL },
    { &CLSID_VMTaskCollection, NULL, NULL },
};

static ITypeLib *typelib;

static HRESULT load_typelib(ITypeLib **out)
{
    ITypeLib *loaded;
    WCHAR *path;
    HRESULT hr;

    if (typelib) {
        *out = typelib;
        return S_OK;
    }
    path = module_path();
    if (!path)
        return E_OUTOFMEMORY;
    hr = LoadTypeLibEx(path, REGKIND_NONE, &loaded);
    vs_free(path);
    if (FAILED(hr))
        return hr;
    if (InterlockedCompareExchangePointer((void **)&typelib, loaded, NULL) != NULL)
        ITypeLib_Release(loaded);
    *out = typelib;
    return S_OK;
}

/* For a dual interface the library describes a dispinterface; its vtable half is the
 * implemented type at index -1. */
static HRESULT callable_half(ITypeInfo *described, ITypeInfo **out)
{
    TYPEATTR *attr;
    HREFTYPE href;
    HRESULT hr;
    BOOL dual_dispatch;

    hr = ITypeInfo_GetTypeAttr(described, &attr);
    if (FAILED(hr))
        return hr;
    dual_dispatch = attr->typekind == TKIND_DISPATCH && (attr->wTypeFlags & TYPEFLAG_FDUAL);
    ITypeInfo_ReleaseTypeAttr(described, attr);
    if (!dual_dispatch) {
        ITypeInfo_AddRef(described);
        *out = described;
        return S_OK;
    }
    hr = ITypeInfo_GetRefTypeOfImplType(described, -1, &href);
    if (FAILED(hr))
        return hr;
    return ITypeInfo_GetRefTypeInfo(described, href, out);
}

static HRESULT typeinfo_lookup(const GUID *guid, struct typeinfo_entry **out)
{
    struct typeinfo_entry *entry = NULL;
    ITypeInfo *described = NULL, *callable = NULL;
    ITypeLib *lib;
    HRESULT hr;
    size_t i;

    for (i = 0; i < ARRAYSIZE(typeinfos); i++)
        if (IsEqualGUID(typeinfos[i].guid, guid))
            entry = &typeinfos[i];
    if (!entry)
        return TYPE_E_ELEMENTNOTFOUND;
    if (entry->callable) {
        *out = entry;
        return S_OK;
    }
    hr = load_typelib(&lib);
    if (FAILED(hr))
        return hr;
    hr = ITypeLib_GetTypeInfoOfGuid(lib, guid, &described);
    if (FAILED(hr))
        return hr;
    hr = callable_half(described, &callable);
    if (FAILED(hr)) {
        ITypeInfo_Release(described);
        return hr;
    }
    /* Publish "described" first: a reader that sees callable set also sees described. */
    if (InterlockedCompareExchangePointer((void **)&entry->described, described, NULL) != NULL)
        ITypeInfo_Release(described);
    if (InterlockedCompareExchangePointer((void **)&entry->callable, callable, NULL) != NULL)
        ITypeInfo_Release(callable);
    *out = entry;
    return S_OK;
}

void typeinfo_cache_release(void)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(typeinfos); i++) {
        if (typeinfos[i].described)
            ITypeInfo_Release(typeinfos[i].described);
        if (typeinfos[i].callable)
            ITypeInfo_Release(typeinfos[i].callable);
        typeinfos[i].described = typeinfos[i].callable = NULL;
    }
    if (typelib)
        ITypeLib_Release(typelib);
    typelib = NULL;
}

HRESULT typeinfo_of_class(REFCLSID clsid, ITypeInfo **out)
{
    struct typeinfo_entry *entry;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    hr = typeinfo_lookup(clsid, &entry);
    if (FAILED(hr))
        return hr;
    ITypeInfo_AddRef(entry->described);
    *out = entry->described;
    return S_OK;
}

HRESULT dispatch_get_type_info(REFIID iid, UINT index, ITypeInfo **out)
{
    struct typeinfo_entry *entry;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (index != 0)
        return DISP_E_BADINDEX;
    hr = typeinfo_lookup(iid, &entry);
    if (FAILED(hr))
        return hr;
    ITypeInfo_AddRef(entry->described);
    *out = entry->described;
    return S_OK;
}

HRESULT dispatch_get_ids_of_names(REFIID iid, REFIID riid, LPOLESTR *names, UINT count,
                                  DISPID *ids)
{
    struct typeinfo_entry *entry;
    HRESULT hr;

    if (!IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!names || !ids)
        return E_POINTER;
    hr = typeinfo_lookup(iid, &entry);
    if (FAILED(hr))
        return hr;
    return DispGetIDsOfNames(entry->callable, names, count, ids);
}

HRESULT dispatch_invoke(void *iface, REFIID iid, DISPID member, REFIID riid, WORD flags,
                        DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    struct typeinfo_entry *entry;
    HRESULT hr;

    if (!IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    hr = typeinfo_lookup(iid, &entry);
    if (FAILED(hr))
        return hr;
    /* JScript calls a property that takes arguments (tasks.Item(1)) and asks for _NewEnum
     * (new Enumerator(tasks)) with DISPATCH_METHOD alone; the type information knows both
     * as property gets and would answer DISP_E_MEMBERNOTFOUND. Accept either kind of call. */
    if (flags == DISPATCH_METHOD)
        flags |= DISPATCH_PROPERTYGET;
    /* "Set vs.Security = x" asks for a put by reference; the library has plain puts. */
    if (flags & DISPATCH_PROPERTYPUTREF)
        flags |= DISPATCH_PROPERTYPUT;
    return DispInvoke(iface, entry->callable, member, flags, params, result, excep, arg_err);
}

/* --- error information -------------------------------------------------------------- */

HRESULT error_set(HRESULT hr, REFIID iid, const WCHAR *format, ...)
{
    ICreateErrorInfo *create;
    IErrorInfo *info;
    WCHAR text[1024];
    va_list args;

    va_start(args, format);
    _vsnwprintf(text, ARRAYSIZE(text) - 1, format, args);
    va_end(args);
    text[ARRAYSIZE(text) - 1] = 0;

    if (FAILED(CreateErrorInfo(&create)))
        return hr;
    ICreateErrorInfo_SetGUID(create, iid);
    ICreateErrorInfo_SetSource(create, (LPOLESTR)L"VsDisk.VirtualServer");
    ICreateErrorInfo_SetDescription(create, text);
    if (SUCCEEDED(ICreateErrorInfo_QueryInterface(create, &IID_IErrorInfo, (void **)&info))) {
        SetErrorInfo(0, info);
        IErrorInfo_Release(info);
    }
    ICreateErrorInfo_Release(create);
    return hr;
}

HRESULT error_none(void)
{
    SetErrorInfo(0, NULL);
    return S_OK;
}

HRESULT hresult_from_path_verdict(path_verdict verdict)
{
    switch (verdict) {
    case PATH_OK:
        return S_OK;
    case PATH_BAD_PATHNAME:
        return E_BAD_PATHNAME;
    case PATH_INVALID_NAME:
        return E_INVALID_NAME;
    default:
        return E_BUFFER_OVERFLOW;
    }
}

/* --- ISupportErrorInfo and IProvideClassInfo ------------------------------------------ */

static inline struct com_extras *impl_from_ISupportErrorInfo(ISupportErrorInfo *iface)
{
    return CONTAINING_RECORD(iface, struct com_extras, ISupportErrorInfo_iface);
}

static inline struct com_extras *impl_from_IProvideClassInfo(IProvideClassInfo *iface)
{
    return CONTAINING_RECORD(iface, struct com_extras, IProvideClassInfo_iface);
}

static HRESULT WINAPI support_error_info_QueryInterface(ISupportErrorInfo *iface, REFIID riid,
                                                        void **out)
{
    return IUnknown_QueryInterface(impl_from_ISupportErrorInfo(iface)->owner, riid, out);
}

static ULONG WINAPI support_error_info_AddRef(ISupportErrorInfo *iface)
{
    return IUnknown_AddRef(impl_from_ISupportErrorInfo(iface)->owner);
}

static ULONG WINAPI support_error_info_Release(ISupportErrorInfo *iface)
{
    return IUnknown_Release(impl_from_ISupportErrorInfo(iface)->owner);
}

static HRESULT WINAPI support_error_info_InterfaceSupportsErrorInfo(ISupportErrorInfo *iface,
                                                                    REFIID riid)
{
    const IID *const *iid;

    for (iid = impl_from_ISupportErrorInfo(iface)->iids; *iid; iid++)
        if (IsEqualIID(riid, *iid))
            return S_OK;
    return S_FALSE;
}

static const ISupportErrorInfoVtbl support_error_info_vtbl = {
    support_error_info_QueryInterface,
    support_error_info_AddRef,
    support_error_info_Release,
    support_error_info_InterfaceSupportsErrorInfo,
};

static HRESULT WINAPI provide_class_info_QueryInterface(IProvideClassInfo *iface, REFIID riid,
                                                        void **out)
{
    return IUnknown_QueryInterface(impl_from_IProvideClassInfo(iface)->owner, riid, out);
}

static ULONG WINAPI provide_class_info_AddRef(IProvideClassInfo *iface)
{
    return IUnknown_AddRef(impl_from_IProvideClassInfo(iface)->owner);
}

static ULONG WINAPI provide_class_info_Release(IProvideClassInfo *iface)
{
    return IUnknown_Release(impl_from_IProvideClassInfo(iface)->owner);
}

static HRESULT WINAPI provide_class_info_GetClassInfo(IProvideClassInfo *iface, ITypeInfo **out)
{
    return typeinfo_of_class(impl_from_IProvideClassInfo(iface)->clsid, out);
}

static const IProvideClassInfoVtbl provide_class_info_vtbl = {
    provide_class_info_QueryInterface,
    provide_class_info_AddRef,
    provide_class_info_Release,
    provide_class_info_GetClassInfo,
};

void com_extras_init(struct com_extras *extras, IUnknown *owner, const CLSID *clsid,
                     const IID *const *iids)
{
    extras->ISupportErrorInfo_iface.lpVtbl = &support_error_info_vtbl;
    extras->IProvideClassInfo_iface.lpVtbl = &provide_class_info_vtbl;
    extras->owner = owner;
    extras->clsid = clsid;
    extras->iids = iids;
}

BOOL com_extras_query(struct com_extras *extras, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *out = &extras->ISupportErrorInfo_iface;
    else if (IsEqualIID(riid, &IID_IProvideClassInfo))
        *out = &extras->IProvideClassInfo_iface;
    else
        return FALSE;
    IUnknown_AddRef((IUnknown *)*out);
    return TRUE;
}
