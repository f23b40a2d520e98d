/* Every heap allocation the DLL makes goes through here, so that a test can fail each one
 * in turn and count what is left when the DLL unloads. The test hooks, read once when the
 * DLL loads: VSDISK_TEST_FAIL_ALLOCATION=n fails the n-th allocation;
 * VSDISK_TEST_ALLOCATION_REPORT=FILE writes "calls=C live=L" to FILE when the DLL unloads. */
#ifndef VSDISK_ALLOCATION_H
#define VSDISK_ALLOCATION_H

#include <windows.h>
#include <stddef.h>

void *vs_malloc(size_t size);
void *vs_calloc(size_t count, size_t size);
void *vs_realloc(void *block, size_t size);
WCHAR *vs_wcsdup(const WCHAR *text);
/* A new string formatted as by swprintf (msvcrt: %ls wide, %hs narrow); NULL when out of memory. */
WCHAR *vs_wcsformat(const WCHAR *format, ...);
void vs_free(void *block);

void allocation_hooks_load(void);
void allocation_hooks_report(void);

#endif
