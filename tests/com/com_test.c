#include <stdio.h>
#include <stdlib.h>

#include "com_test.h"

void dll_load(struct dll_under_test *dll, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-vsdisk.dll\n", argv[0]);
        exit(2);
    }
    dll->module = LoadLibraryA(argv[1]);
    if (!dll->module) {
        fprintf(stderr, "cannot load %s (error %lu)\n", argv[1], GetLastError());
        exit(2);
    }
    dll->get_class_object = (get_class_object_fn)(void (*)(void))GetProcAddress(dll->module, "DllGetClassObject");
    dll->can_unload_now = (can_unload_now_fn)(void (*)(void))GetProcAddress(dll->module, "DllCanUnloadNow");
    if (!dll->get_class_object || !dll->can_unload_now) {
        fprintf(stderr, "%s lacks DllGetClassObject or DllCanUnloadNow\n", argv[1]);
        exit(2);
    }
}

IVMVirtualServer *dll_new_server(const struct dll_under_test *dll)
{
    IClassFactory *factory = NULL;
    IVMVirtualServer *server = NULL;

    assert_int_equal(dll->get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory,
                                           (void **)&factory), S_OK);
    assert_int_equal(IClassFactory_CreateInstance(factory, NULL, &IID_IVMVirtualServer,
                                                  (void **)&server), S_OK);
    IClassFactory_Release(factory);
    return server;
}

int com_setup_mta(void **state)
{
    (void)state;
    return FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) ? -1 : 0;
}

int com_teardown(void **state)
{
    (void)state;
    CoUninitialize();
    return 0;
}
