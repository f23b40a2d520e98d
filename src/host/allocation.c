#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "allocation.h"

static LONG fail_at;        /* 0: never */
static LONG calls;
static LONG live;

static BOOL injected_failure(void)
{
    return fail_at && InterlockedIncrement(&calls) == fail_at;
}

static void *counted(void *block)
{
    if (block)
        InterlockedIncrement(&live);
    return block;
}

void *vs_malloc(size_t size)
{
    return injected_failure() ? NULL : counted(malloc(size));
}

void *vs_calloc(size_t count, size_t size)
{
    return injected_failure() ? NULL : counted(calloc(count, size));
}

void *vs_realloc(void *block, size_t size)
{
    void *grown;

    if (!block)
        return vs_malloc(size);
    if (injected_failure())
        return NULL;
    grown = realloc(block, size);
    return grown;
}

WCHAR *vs_wcsdup(const WCHAR *text)
{
    size_t bytes = (wcslen(text) + 1) * sizeof(WCHAR);
    WCHAR *copy = vs_malloc(bytes);

    if (copy)
        memcpy(copy, text, bytes);
    return copy;
}

WCHAR *vs_wcsformat(const WCHAR *format, ...)
{
    WCHAR *text;
    va_list args;
    int length;

    va_start(args, format);
    length = _vscwprintf(format, args);
    va_end(args);
    if (length < 0 || !(text = vs_malloc((length + 1) * sizeof(WCHAR))))
        return NULL;
    va_start(args, format);
    _vsnwprintf(text, length + 1, format, args);
    va_end(args);
    text[length] = 0;
    return text;
}

void vs_free(void *block)
{
    if (!block)
        return;
    InterlockedDecrement(&live);
    free(block);
}

void allocation_hooks_load(void)
{
    WCHAR value[16];

    if (GetEnvironmentVariableW(L"VSDISK_TEST_FAIL_ALLOCATION", value, ARRAYSIZE(value)) - 1
        < ARRAYSIZE(value) - 1)
        fail_at = (LONG)wcstol(value, NULL, 10);
}

void allocation_hooks_report(void)
{
    WCHAR path[MAX_PATH];
    FILE *file;

    if (GetEnvironmentVariableW(L"VSDISK_TEST_ALLOCATION_REPORT", path, ARRAYSIZE(path)) - 1
        >= ARRAYSIZE(path) - 1)
        return;
    file = _wfopen(path, L"w");
    if (!file)
        return;
    fprintf(file, "calls=%ld live=%ld\n", calls, live);
    fclose(file);
}
