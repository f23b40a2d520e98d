/* IVsDiskHardDisk3's read-only members: MinimumSize (disk_minimum.h) and Check (disk_check.h),
 * each answered at once on the caller's thread. Check opens the file as bytes, not through
 * the reader, so that a disk the reader now refuses is checked too (its refusal is one
 * problem); its list is bounded (CHECK_PROBLEMS_MAX objects, then one that counts the rest). */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <string.h>

#include "allocation.h"
#include "vsdisk.h"
#include "com_object.h"
#include "disk_check.h"
#include "disk_file.h"
#include "disk_minimum.h"
#include "hard_disk_life.h"
#include "problem.h"

#define CHECK_PROBLEMS_MAX 4096u

HRESULT hard_disk_minimum_size(const WCHAR *disk_path, double *bytes)
{
    struct host_error error;
    struct disk_file *file;
    vhd_reader_error reader;
    disk_layout layout;
    uint64_t minimum;
    HRESULT hr;

    if (!bytes)
        return error_set(E_POINTER, &IID_IVsDiskHardDisk3,
                         L"IVsDiskHardDisk3.MinimumSize: the result pointer is NULL.");
    if (FAILED(hr = disk_file_open(disk_path, VHD_IO_OPEN_READ, &file, &error)))
        return error_set(hr, &IID_IVsDiskHardDisk3, L"IVsDiskHardDisk3.MinimumSize: %ls", error.text);
    /* A differencing disk cannot be resized (its size is its parent's): its minimum is its
     * size. */
    if (disk_file_info(file)->kind == DISK_KIND_DIFFERENCING) {
        *bytes = (double)disk_file_info(file)->size;
        disk_file_close(file);
        return error_none();
    }
    if (disk_minimum_size(file->image, &minimum, &layout, &reader) != VHD_READER_OK) {
        hr = disk_file_reader_failed(disk_path, &reader, &error);
        disk_file_close(file);
        return error_set(hr, &IID_IVsDiskHardDisk3, L"IVsDiskHardDisk3.MinimumSize: %ls", error.text);
    }
    disk_file_close(file);
    *bytes = (double)minimum;
    return error_none();
}

/* The problems found so far, as problem objects. */
struct found {
    const WCHAR *disk_path;
    const char *disk_name;          /* disk_path in UTF-8, as the check names the disk */
    IDispatch **items;
    ULONG count, capacity;
    ULONG dropped, dropped_corruptions;
    HRESULT failure;                /* E_OUTOFMEMORY once an object could not be made */
};

static void add(struct found *found, const WCHAR *file, const disk_problem *problem)
{
    IDispatch *object;

    if (found->count == found->capacity) {
        ULONG capacity = found->capacity ? found->capacity * 2 : 16;
        IDispatch **items = vs_calloc(capacity, sizeof(*items));
        if (!items) {
            found->failure = E_OUTOFMEMORY;
            return;
        }
        if (found->count)
            memcpy(items, found->items, found->count * sizeof(*items));
        vs_free(found->items);
        found->items = items;
        found->capacity = capacity;
    }
    if (FAILED(problem_create(file, problem, &object))) {
        found->failure = E_OUTOFMEMORY;
        return;
    }
    found->items[found->count++] = object;
}

static void collect(void *ctx, const char *file, const disk_problem *problem)
{
    struct found *found = ctx;
    WCHAR *parent = NULL;

    if (FAILED(found->failure))
        return;
    if (found->count >= CHECK_PROBLEMS_MAX - 1) {    /* the last place counts the rest */
        found->dropped++;
        found->dropped_corruptions += problem->kind == DISK_PROBLEM_CORRUPTION;
        return;
    }
    if (strcmp(file, found->disk_name) != 0 && !(parent = disk_file_utf16(file))) {
        found->failure = E_OUTOFMEMORY;
        return;
    }
    add(found, parent ? parent : found->disk_path, problem);
    vs_free(parent);
}

static void free_found(struct found *found)
{
    ULONG i;

    for (i = 0; i < found->count; i++)
        IDispatch_Release(found->items[i]);
    vs_free(found->items);
}

/* The objects as a SAFEARRAY of VARIANTs (VT_DISPATCH), lower bound 0, in *out. */
static HRESULT to_array(struct found *found, VARIANT *out)
{
    SAFEARRAY *array = SafeArrayCreateVector(VT_VARIANT, 0, found->count);
    VARIANT *elements;
    ULONG i;

    if (!array)
        return E_OUTOFMEMORY;
    if (found->count) {
        if (FAILED(SafeArrayAccessData(array, (void **)&elements))) {
            SafeArrayDestroy(array);
            return E_OUTOFMEMORY;
        }
        for (i = 0; i < found->count; i++) {
            V_VT(&elements[i]) = VT_DISPATCH;
            V_DISPATCH(&elements[i]) = found->items[i];    /* the array takes the reference */
        }
        SafeArrayUnaccessData(array);
        found->count = 0;
    }
    V_VT(out) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(out) = array;
    return S_OK;
}

HRESULT hard_disk_check(const WCHAR *disk_path, VARIANT *problems)
{
    struct found found = { disk_path, NULL, NULL, 0, 0, 0, 0, S_OK };
    struct vhd_io_win32 backend;
    struct host_error error;
    vhd_file_identity identity;
    disk_check_counts counts;
    vhd_reader_error reader;
    vhd_reader_code code;
    HRESULT hr;

    if (!problems)
        return error_set(E_POINTER, &IID_IVsDiskHardDisk3,
                         L"IVsDiskHardDisk3.Check: the result pointer is NULL.");
    VariantInit(problems);
    if (!(found.disk_name = disk_file_utf8(disk_path)))
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"IVsDiskHardDisk3.Check: out of memory.");
    vhd_io_win32_init(&backend, disk_path);
    if (backend.io.open(&backend.io, VHD_IO_OPEN_READ) != VHD_OK) {
        hr = disk_file_open_failed(disk_path, (DWORD)backend.io.os_error, &error);
        vs_free((char *)found.disk_name);
        return error_set(hr, &IID_IVsDiskHardDisk3, L"IVsDiskHardDisk3.Check: %ls", error.text);
    }
    identity = vhd_io_win32_identity(&backend);
    code = disk_check(&backend.io, found.disk_name, &identity, &win32_parent_opener, collect,
                      &found, &counts, &reader);
    backend.io.close(&backend.io);
    if (code != VHD_READER_OK) {
        hr = disk_file_reader_failed(disk_path, &reader, &error);
        hr = error_set(hr, &IID_IVsDiskHardDisk3,
                       L"IVsDiskHardDisk3.Check: the check could not finish: %ls", error.text);
        goto done;
    }
    if (SUCCEEDED(found.failure) && found.dropped) {
        disk_problem more = { found.dropped_corruptions ? DISK_PROBLEM_CORRUPTION : DISK_PROBLEM_LEAK,
                              "more-problems", DISK_PROBLEM_NOWHERE, 0, "" };
        snprintf(more.meaning, sizeof(more.meaning),
                 "%lu more problems (%lu of them corruptions) were found and are not listed; "
                 "vsdisk check lists them all", found.dropped, found.dropped_corruptions);
        add(&found, disk_path, &more);
    }
    if (FAILED(found.failure) || FAILED(to_array(&found, problems))) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"IVsDiskHardDisk3.Check: out of memory.");
        goto done;
    }
    hr = error_none();
done:
    free_found(&found);
    vs_free((char *)found.disk_name);
    return hr;
}
