/* Module state: the DLL's instance handle and the counts that decide DllCanUnloadNow. */
#ifndef VSDISK_MODULE_H
#define VSDISK_MODULE_H

#include <windows.h>

HINSTANCE module_instance(void);
/* Full path of this DLL; the caller frees it with vs_free(). NULL when out of memory. */
WCHAR *module_path(void);

/* Every live object and every running creation holds one count. */
void module_add_ref(void);
void module_release(void);

#endif
