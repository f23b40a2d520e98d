/* A failure of the host layer, as a value: the HRESULT and one sentence in words. The COM layer
 * turns it into error information; the host layer never touches COM error state. */
#ifndef VSDISK_HOST_ERROR_H
#define VSDISK_HOST_ERROR_H

#include <windows.h>

struct host_error {
    HRESULT hr;
    WCHAR text[1024];
};

/* Fills error (text formatted as by swprintf, truncated to fit) and returns hr. */
HRESULT host_error_set(struct host_error *error, HRESULT hr, const WCHAR *format, ...);

#endif
