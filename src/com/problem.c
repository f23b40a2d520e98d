/* VsDiskProblem: what Check found, one problem per object (problem.h). It holds copies of the
 * problem's words; nothing in it can fail but a NULL result pointer. */
#include <windows.h>
#include <ole2.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"
#include "problem.h"

struct problem {
    IVsDiskProblem IVsDiskProblem_iface;
    LONG ref;
    BSTR name, kind, file, meaning;
    double offset, length;      /* offset -1: a problem of the whole file */
};

static inline struct problem *impl_from_IVsDiskProblem(IVsDiskProblem *iface)
{
    return CONTAINING_RECORD(iface, struct problem, IVsDiskProblem_iface);
}

static HRESULT WINAPI problem_QueryInterface(IVsDiskProblem *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)
        || IsEqualIID(riid, &IID_IVsDiskProblem)) {
        *out = iface;
        IVsDiskProblem_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI problem_AddRef(IVsDiskProblem *iface)
{
    return InterlockedIncrement(&impl_from_IVsDiskProblem(iface)->ref);
}

static void problem_free(struct problem *problem)
{
    SysFreeString(problem->name);
    SysFreeString(problem->kind);
    SysFreeString(problem->file);
    SysFreeString(problem->meaning);
    vs_free(problem);
}

static ULONG WINAPI problem_Release(IVsDiskProblem *iface)
{
    struct problem *problem = impl_from_IVsDiskProblem(iface);
    LONG ref = InterlockedDecrement(&problem->ref);

    if (ref == 0) {
        problem_free(problem);
        module_release();
    }
    return ref;
}

static HRESULT WINAPI problem_GetTypeInfoCount(IVsDiskProblem *iface, UINT *count)
{
    (void)iface;
    if (!count)
        return E_POINTER;
    *count = 1;
    return S_OK;
}

static HRESULT WINAPI problem_GetTypeInfo(IVsDiskProblem *iface, UINT index, LCID lcid,
                                          ITypeInfo **out)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_type_info(&IID_IVsDiskProblem, index, out);
}

static HRESULT WINAPI problem_GetIDsOfNames(IVsDiskProblem *iface, REFIID riid, LPOLESTR *names,
                                            UINT count, LCID lcid, DISPID *ids)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_ids_of_names(&IID_IVsDiskProblem, riid, names, count, ids);
}

static HRESULT WINAPI problem_Invoke(IVsDiskProblem *iface, DISPID member, REFIID riid, LCID lcid,
                                     WORD flags, DISPPARAMS *params, VARIANT *result,
                                     EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return dispatch_invoke(iface, &IID_IVsDiskProblem, member, riid, flags, params, result,
                           excep, arg_err);
}

static HRESULT copy_string(BSTR from, BSTR *out)
{
    if (!out)
        return E_POINTER;
    if (!(*out = SysAllocStringLen(from, SysStringLen(from))))
        return E_OUTOFMEMORY;
    return S_OK;
}

static HRESULT WINAPI problem_get_Name(IVsDiskProblem *iface, BSTR *name)
{
    return copy_string(impl_from_IVsDiskProblem(iface)->name, name);
}

static HRESULT WINAPI problem_get_Kind(IVsDiskProblem *iface, BSTR *kind)
{
    return copy_string(impl_from_IVsDiskProblem(iface)->kind, kind);
}

static HRESULT WINAPI problem_get_File(IVsDiskProblem *iface, BSTR *file)
{
    return copy_string(impl_from_IVsDiskProblem(iface)->file, file);
}

static HRESULT WINAPI problem_get_Offset(IVsDiskProblem *iface, double *bytes)
{
    if (!bytes)
        return E_POINTER;
    *bytes = impl_from_IVsDiskProblem(iface)->offset;
    return S_OK;
}

static HRESULT WINAPI problem_get_Length(IVsDiskProblem *iface, double *bytes)
{
    if (!bytes)
        return E_POINTER;
    *bytes = impl_from_IVsDiskProblem(iface)->length;
    return S_OK;
}

static HRESULT WINAPI problem_get_Meaning(IVsDiskProblem *iface, BSTR *meaning)
{
    return copy_string(impl_from_IVsDiskProblem(iface)->meaning, meaning);
}

static const IVsDiskProblemVtbl problem_vtbl = {
    problem_QueryInterface,
    problem_AddRef,
    problem_Release,
    problem_GetTypeInfoCount,
    problem_GetTypeInfo,
    problem_GetIDsOfNames,
    problem_Invoke,
    problem_get_Name,
    problem_get_Kind,
    problem_get_File,
    problem_get_Offset,
    problem_get_Length,
    problem_get_Meaning,
};

/* A BSTR of UTF-8 text (the library's words are ASCII; anything else is read as UTF-8). */
static BSTR bstr_from_utf8(const char *text)
{
    int length = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);
    BSTR out;

    if (length <= 0 || !(out = SysAllocStringLen(NULL, (UINT)length - 1)))
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, text, -1, out, length);
    return out;
}

HRESULT problem_create(const WCHAR *file, const disk_problem *found, IDispatch **out)
{
    struct problem *problem;

    *out = NULL;
    if (!(problem = vs_calloc(1, sizeof(*problem))))
        return E_OUTOFMEMORY;
    problem->IVsDiskProblem_iface.lpVtbl = &problem_vtbl;
    problem->ref = 1;
    problem->name = bstr_from_utf8(found->name);
    problem->kind = SysAllocString(found->kind == DISK_PROBLEM_CORRUPTION ? L"corruption"
                                   : found->kind == DISK_PROBLEM_LEAK     ? L"leak"
                                                                          : L"warning");
    problem->file = SysAllocString(file);
    problem->meaning = bstr_from_utf8(found->meaning);
    if (!problem->name || !problem->kind || !problem->file || !problem->meaning) {
        problem_free(problem);
        return E_OUTOFMEMORY;
    }
    problem->offset = found->offset == DISK_PROBLEM_NOWHERE ? -1.0 : (double)found->offset;
    problem->length = (double)found->length;
    module_add_ref();
    *out = (IDispatch *)&problem->IVsDiskProblem_iface;
    return S_OK;
}
