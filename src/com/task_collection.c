/* VMTaskCollection: a snapshot of a server's tasks (Count, Item, For Each). */
#include <windows.h>
#include <ole2.h>
#include <stdlib.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"
#include "task_collection.h"

struct task_collection {
    IVMTaskCollection IVMTaskCollection_iface;
    struct com_extras extras;
    LONG ref;
    IVMTask **tasks;
    LONG count;
};

static const IID *const collection_iids[] = { &IID_IVMTaskCollection, NULL };

static inline struct task_collection *impl_from_IVMTaskCollection(IVMTaskCollection *iface)
{
    return CONTAINING_RECORD(iface, struct task_collection, IVMTaskCollection_iface);
}

static HRESULT WINAPI collection_QueryInterface(IVMTaskCollection *iface, REFIID riid, void **out)
{
    struct task_collection *collection = impl_from_IVMTaskCollection(iface);

    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)
        || IsEqualIID(riid, &IID_IVMTaskCollection)) {
        *out = iface;
        IVMTaskCollection_AddRef(iface);
        return S_OK;
    }
    if (com_extras_query(&collection->extras, riid, out))
        return S_OK;
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI collection_AddRef(IVMTaskCollection *iface)
{
    return InterlockedIncrement(&impl_from_IVMTaskCollection(iface)->ref);
}

static ULONG WINAPI collection_Release(IVMTaskCollection *iface)
{
    struct task_collection *collection = impl_from_IVMTaskCollection(iface);
    LONG ref = InterlockedDecrement(&collection->ref);

    if (ref == 0) {
        LONG i;
        for (i = 0; i < collection->count; i++)
            IVMTask_Release(collection->tasks[i]);
        vs_free(collection->tasks);
        vs_free(collection);
        module_release();
    }
    return ref;
}

static HRESULT WINAPI collection_GetTypeInfoCount(IVMTaskCollection *iface, UINT *count)
{
    (void)iface;
    if (!count)
        return E_POINTER;
    *count = 1;
    return S_OK;
}

static HRESULT WINAPI collection_GetTypeInfo(IVMTaskCollection *iface, UINT index, LCID lcid,
                                             ITypeInfo **out)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_type_info(&IID_IVMTaskCollection, index, out);
}

static HRESULT WINAPI collection_GetIDsOfNames(IVMTaskCollection *iface, REFIID riid,
                                               LPOLESTR *names, UINT count, LCID lcid, DISPID *ids)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_ids_of_names(&IID_IVMTaskCollection, riid, names, count, ids);
}

static HRESULT WINAPI collection_Invoke(IVMTaskCollection *iface, DISPID member, REFIID riid,
                                        LCID lcid, WORD flags, DISPPARAMS *params, VARIANT *result,
                                        EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return dispatch_invoke(iface, &IID_IVMTaskCollection, member, riid, flags, params, result,
                           excep, arg_err);
}

static HRESULT WINAPI collection_get_Count(IVMTaskCollection *iface, LONG *count)
{
    if (!count)
        return error_set(E_POINTER, &IID_IVMTaskCollection, L"Count: the result pointer is NULL.");
    *count = impl_from_IVMTaskCollection(iface)->count;
    return error_none();
}

static HRESULT WINAPI collection_get_Item(IVMTaskCollection *iface, LONG index, IVMTask **task)
{
    struct task_collection *collection = impl_from_IVMTaskCollection(iface);

    if (!task)
        return error_set(E_POINTER, &IID_IVMTaskCollection, L"Item: the result pointer is NULL.");
    *task = NULL;
    if (index < 1 || index > collection->count)
        return error_set(DISP_E_BADINDEX, &IID_IVMTaskCollection,
                         L"Item: there is no task %ld; the collection holds %ld (the first is 1).",
                         index, collection->count);
    *task = collection->tasks[index - 1];
    IVMTask_AddRef(*task);
    return error_none();
}

static HRESULT WINAPI collection_get__NewEnum(IVMTaskCollection *iface, IUnknown **out)
{
    struct task_collection *collection = impl_from_IVMTaskCollection(iface);
    IEnumVARIANT *enumerator;
    HRESULT hr;

    if (!out)
        return error_set(E_POINTER, &IID_IVMTaskCollection, L"_NewEnum: the result pointer is NULL.");
    *out = NULL;
    hr = task_enum_create(collection->tasks, collection->count, 0, &enumerator);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMTaskCollection, L"_NewEnum: out of memory.");
    *out = (IUnknown *)enumerator;
    return error_none();
}

static const IVMTaskCollectionVtbl collection_vtbl = {
    collection_QueryInterface,
    collection_AddRef,
    collection_Release,
    collection_GetTypeInfoCount,
    collection_GetTypeInfo,
    collection_GetIDsOfNames,
    collection_Invoke,
    collection_get_Count,
    collection_get_Item,
    collection_get__NewEnum,
};

HRESULT task_collection_create(struct task_list *list, IVMTaskCollection **out)
{
    struct task_collection *collection;
    HRESULT hr;

    *out = NULL;
    collection = vs_calloc(1, sizeof(*collection));
    if (!collection)
        return E_OUTOFMEMORY;
    hr = task_list_snapshot(list, &collection->tasks, &collection->count);
    if (FAILED(hr)) {
        vs_free(collection);
        return hr;
    }
    collection->IVMTaskCollection_iface.lpVtbl = &collection_vtbl;
    collection->ref = 1;
    com_extras_init(&collection->extras, (IUnknown *)&collection->IVMTaskCollection_iface,
                    &CLSID_VMTaskCollection, collection_iids);
    module_add_ref();
    *out = &collection->IVMTaskCollection_iface;
    return S_OK;
}
