/* IVMVirtualServer.SearchPaths, per server object. */
#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "com_object.h"
#include "search_paths.h"

void search_paths_init(struct search_paths *search_paths)
{
    InitializeSRWLock(&search_paths->lock);
    search_paths->paths = NULL;
}

void search_paths_destroy(struct search_paths *search_paths)
{
    if (search_paths->paths)
        SafeArrayDestroy(search_paths->paths);
    search_paths->paths = NULL;
}

/* Copies element index of a one-dimensional array of BSTR or VARIANT into strings[at]. */
static HRESULT copy_element(SAFEARRAY *array, VARTYPE type, LONG index, SAFEARRAY *strings, LONG at)
{
    BSTR text = NULL;
    HRESULT hr;

    if (type == VT_BSTR) {
        hr = SafeArrayGetElement(array, &index, &text);
    } else {
        VARIANT element, direct;
        VariantInit(&element);
        VariantInit(&direct);
        hr = SafeArrayGetElement(array, &index, &element);
        if (SUCCEEDED(hr))
            hr = VariantCopyInd(&direct, &element);
        if (SUCCEEDED(hr) && V_VT(&direct) != VT_BSTR)
            hr = E_INVALIDARG;
        if (SUCCEEDED(hr)) {
            text = V_BSTR(&direct);
            V_VT(&direct) = VT_EMPTY;
        }
        VariantClear(&direct);
        VariantClear(&element);
    }
    if (FAILED(hr))
        return hr;
    hr = SafeArrayPutElement(strings, &at, text ? text : (BSTR)L"");
    SysFreeString(text);
    return hr;
}

static HRESULT strings_from_array(SAFEARRAY *array, VARTYPE type, SAFEARRAY **out)
{
    LONG lower, upper, i;
    SAFEARRAY *strings;
    HRESULT hr;

    if (!array || SafeArrayGetDim(array) != 1)
        return E_INVALIDARG;
    if (FAILED(SafeArrayGetLBound(array, 1, &lower)) || FAILED(SafeArrayGetUBound(array, 1, &upper)))
        return E_INVALIDARG;
    strings = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)(upper - lower + 1));
    if (!strings)
        return E_OUTOFMEMORY;
    for (i = lower; i <= upper; i++) {
        hr = copy_element(array, type, i, strings, i - lower);
        if (FAILED(hr)) {
            SafeArrayDestroy(strings);
            return hr;
        }
    }
    *out = strings;
    return S_OK;
}

HRESULT search_paths_from_variant(const VARIANT *value, SAFEARRAY **out)
{
    VARIANT direct;
    HRESULT hr;

    *out = NULL;
    VariantInit(&direct);
    hr = VariantCopyInd(&direct, (VARIANT *)value);   /* reads it only */
    if (FAILED(hr))
        return hr == E_OUTOFMEMORY ? hr : E_INVALIDARG;
    if (V_VT(&direct) == VT_BSTR) {
        LONG at = 0;
        *out = SafeArrayCreateVector(VT_BSTR, 0, 1);
        hr = *out ? SafeArrayPutElement(*out, &at, V_BSTR(&direct) ? V_BSTR(&direct) : (BSTR)L"")
                  : E_OUTOFMEMORY;
    } else if (V_VT(&direct) == (VT_ARRAY | VT_BSTR) || V_VT(&direct) == (VT_ARRAY | VT_VARIANT)) {
        hr = strings_from_array(V_ARRAY(&direct), V_VT(&direct) & VT_TYPEMASK, out);
    } else {
        hr = E_INVALIDARG;
    }
    if (FAILED(hr) && *out) {
        SafeArrayDestroy(*out);
        *out = NULL;
    }
    VariantClear(&direct);
    return hr;
}

HRESULT search_paths_get(struct search_paths *search_paths, VARIANT *out)
{
    SAFEARRAY *copy = NULL;
    HRESULT hr = S_OK;

    if (!out)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"SearchPaths: the result pointer is NULL.");
    VariantInit(out);
    AcquireSRWLockShared(&search_paths->lock);
    if (search_paths->paths)
        hr = SafeArrayCopy(search_paths->paths, &copy);
    ReleaseSRWLockShared(&search_paths->lock);
    if (SUCCEEDED(hr) && !copy && !(copy = SafeArrayCreateVector(VT_BSTR, 0, 0)))
        hr = E_OUTOFMEMORY;
    if (FAILED(hr))
        return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"SearchPaths: out of memory.");
    V_VT(out) = VT_ARRAY | VT_BSTR;
    V_ARRAY(out) = copy;
    return error_none();
}

HRESULT search_paths_put(struct search_paths *search_paths, const VARIANT *value)
{
    SAFEARRAY *paths, *old;
    HRESULT hr = search_paths_from_variant(value, &paths);

    if (hr == E_OUTOFMEMORY)
        return error_set(hr, &IID_IVMVirtualServer, L"SearchPaths: out of memory.");
    if (FAILED(hr))
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"SearchPaths: expected a string or an array of strings (got a VARIANT of type 0x%x).",
                         (unsigned)V_VT(value));
    AcquireSRWLockExclusive(&search_paths->lock);
    old = search_paths->paths;
    search_paths->paths = paths;
    ReleaseSRWLockExclusive(&search_paths->lock);
    if (old)
        SafeArrayDestroy(old);
    return error_none();
}
