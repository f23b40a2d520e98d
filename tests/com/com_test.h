/* Shared by the Wine-run cmocka tests: cmocka's includes in the order mingw needs, and the
 * DLL under test loaded without registration. */
#ifndef VSDISK_COM_TEST_H
#define VSDISK_COM_TEST_H

#include <windows.h>
#include <ole2.h>
#include <olectl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>     /* before cmocka.h on Win64, or it typedefs uintptr_t wrongly */
#include <setjmp.h>
#include <cmocka.h>

#include "vsdisk.h"
#include "windows_path.h"

typedef HRESULT (WINAPI *get_class_object_fn)(REFCLSID, REFIID, void **);
typedef HRESULT (WINAPI *can_unload_now_fn)(void);

struct dll_under_test {
    HMODULE module;
    get_class_object_fn get_class_object;
    can_unload_now_fn can_unload_now;
};

/* Loads the DLL named on the command line (argv[1]); fails the process if it cannot. */
void dll_load(struct dll_under_test *dll, int argc, char **argv);

/* cmocka group setup and teardown: the test thread in the multithreaded apartment. */
int com_setup_mta(void **state);
int com_teardown(void **state);

/* A new server object through the DLL's class factory. */
IVMVirtualServer *dll_new_server(const struct dll_under_test *dll);

#endif
