#ifndef VSDISK_SERVER_H
#define VSDISK_SERVER_H

#include <windows.h>

/* Creates a VMVirtualServer object and returns its riid interface. */
HRESULT server_create(REFIID riid, BOOL vsdisk_class, void **out);

#endif
