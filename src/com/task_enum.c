/* IEnumVARIANT over a snapshot of tasks, for VBScript's For Each and JScript's Enumerator. */
#include <windows.h>
#include <ole2.h>
#include <stdlib.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "task_collection.h"

struct task_enum {
    IEnumVARIANT IEnumVARIANT_iface;
    LONG ref;
    IVMTask **tasks;
    LONG count;
    LONG position;
};

static inline struct task_enum *impl_from_IEnumVARIANT(IEnumVARIANT *iface)
{
    return CONTAINING_RECORD(iface, struct task_enum, IEnumVARIANT_iface);
}

static HRESULT WINAPI enum_QueryInterface(IEnumVARIANT *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumVARIANT)) {
        *out = iface;
        IEnumVARIANT_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_AddRef(IEnumVARIANT *iface)
{
    return InterlockedIncrement(&impl_from_IEnumVARIANT(iface)->ref);
}

static ULONG WINAPI enum_Release(IEnumVARIANT *iface)
{
    struct task_enum *enumerator = impl_from_IEnumVARIANT(iface);
    LONG ref = InterlockedDecrement(&enumerator->ref);

    if (ref == 0) {
        LONG i;
        for (i = 0; i < enumerator->count; i++)
            IVMTask_Release(enumerator->tasks[i]);
        vs_free(enumerator->tasks);
        vs_free(enumerator);
        module_release();
    }
    return ref;
}

static HRESULT WINAPI enum_Next(IEnumVARIANT *iface, ULONG wanted, VARIANT *items, ULONG *fetched)
{
    struct task_enum *enumerator = impl_from_IEnumVARIANT(iface);
    ULONG n = 0;

    if (!items || (wanted > 1 && !fetched))
        return E_POINTER;
    while (n < wanted && enumerator->position < enumerator->count) {
        IVMTask *task = enumerator->tasks[enumerator->position++];
        VariantInit(&items[n]);
        V_VT(&items[n]) = VT_DISPATCH;
        V_DISPATCH(&items[n]) = (IDispatch *)task;
        IVMTask_AddRef(task);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == wanted ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_Skip(IEnumVARIANT *iface, ULONG count)
{
    struct task_enum *enumerator = impl_from_IEnumVARIANT(iface);
    LONG left = enumerator->count - enumerator->position;

    if (count > (ULONG)left) {
        enumerator->position = enumerator->count;
        return S_FALSE;
    }
    enumerator->position += (LONG)count;
    return S_OK;
}

static HRESULT WINAPI enum_Reset(IEnumVARIANT *iface)
{
    impl_from_IEnumVARIANT(iface)->position = 0;
    return S_OK;
}

static HRESULT WINAPI enum_Clone(IEnumVARIANT *iface, IEnumVARIANT **out)
{
    struct task_enum *enumerator = impl_from_IEnumVARIANT(iface);

    if (!out)
        return E_POINTER;
    return task_enum_create(enumerator->tasks, enumerator->count, enumerator->position, out);
}

static const IEnumVARIANTVtbl enum_vtbl = {
    enum_QueryInterface,
    enum_AddRef,
    enum_Release,
    enum_Next,
    enum_Skip,
    enum_Reset,
    enum_Clone,
};

HRESULT task_enum_create(IVMTask **tasks, LONG count, LONG position, IEnumVARIANT **out)
{
    struct task_enum *enumerator;
    LONG i;

    *out = NULL;
    enumerator = vs_calloc(1, sizeof(*enumerator));
    if (!enumerator)
        return E_OUTOFMEMORY;
    enumerator->tasks = vs_malloc((count ? count : 1) * sizeof(*tasks));
    if (!enumerator->tasks) {
        vs_free(enumerator);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < count; i++) {
        enumerator->tasks[i] = tasks[i];
        IVMTask_AddRef(tasks[i]);
    }
    enumerator->IEnumVARIANT_iface.lpVtbl = &enum_vtbl;
    enumerator->ref = 1;
    enumerator->count = count;
    enumerator->position = position;
    module_add_ref();
    *out = &enumerator->IEnumVARIANT_iface;
    return S_OK;
}
