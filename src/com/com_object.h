/* What every vsdisk object shares: IDispatch from the embedded type library, rich error
 * information, and ISupportErrorInfo / IProvideClassInfo through one common implementation. */
#ifndef VSDISK_COM_OBJECT_H
#define VSDISK_COM_OBJECT_H

#include <windows.h>
#include <ole2.h>
#include "path_check.h"

/* The ISupportErrorInfo and IProvideClassInfo of an object; both delegate IUnknown to owner. */
struct com_extras {
    ISupportErrorInfo ISupportErrorInfo_iface;
    IProvideClassInfo IProvideClassInfo_iface;
    IUnknown *owner;
    const CLSID *clsid;
    const IID *const *iids;        /* NULL-terminated: the interfaces that report errors */
};

void com_extras_init(struct com_extras *extras, IUnknown *owner, const CLSID *clsid,
                     const IID *const *iids);
/* QueryInterface for the two extra interfaces; returns FALSE if riid is neither. */
BOOL com_extras_query(struct com_extras *extras, REFIID riid, void **out);

/* IDispatch on a dual interface, from the type library embedded in the DLL. */
HRESULT dispatch_get_type_info(REFIID iid, UINT index, ITypeInfo **out);
HRESULT dispatch_get_ids_of_names(REFIID iid, REFIID riid, LPOLESTR *names, UINT count,
                                  DISPID *ids);
HRESULT dispatch_invoke(void *iface, REFIID iid, DISPID member, REFIID riid, WORD flags,
                        DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err);
/* The coclass type information, for IProvideClassInfo. */
HRESULT typeinfo_of_class(REFCLSID clsid, ITypeInfo **out);
void typeinfo_cache_release(void);

/* Sets the thread's error information (description in words) and returns hr. */
HRESULT error_set(HRESULT hr, REFIID iid, const WCHAR *format, ...);
/* Clears the thread's error information and returns S_OK. */
HRESULT error_none(void);

/* The documented code for a path check's verdict: S_OK, E_BAD_PATHNAME, E_INVALID_NAME or
 * E_BUFFER_OVERFLOW. */
HRESULT hresult_from_path_verdict(path_verdict verdict);

#endif
