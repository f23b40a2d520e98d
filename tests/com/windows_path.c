#include "windows_path.h"

void windows_path(const char *path, WCHAR *out, size_t size)
{
    size_t n = 0;

    if (path[0] == '/' && size > 2) {
        out[n++] = 'Z';
        out[n++] = ':';
    }
    for (; *path && n + 1 < size; path++)
        out[n++] = *path == '/' ? '\\' : (WCHAR)(unsigned char)*path;
    out[n] = 0;
}
