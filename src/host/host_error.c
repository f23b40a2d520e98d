#include <stdarg.h>
#include <stdio.h>

#include "host_error.h"

HRESULT host_error_set(struct host_error *error, HRESULT hr, const WCHAR *format, ...)
{
    va_list args;

    va_start(args, format);
    _vsnwprintf(error->text, ARRAYSIZE(error->text) - 1, format, args);
    va_end(args);
    error->text[ARRAYSIZE(error->text) - 1] = 0;
    error->hr = hr;
    return hr;
}
