/* Wine-run tests get paths from meson as Linux paths; Windows programs need them as Wine
 * sees them: "/tmp/x" is "Z:\tmp\x" (Wine maps / to Z:). Anything else keeps its text,
 * forward slashes turned into backslashes. */
#ifndef VSDISK_TEST_WINDOWS_PATH_H
#define VSDISK_TEST_WINDOWS_PATH_H

#include <windows.h>

void windows_path(const char *path, WCHAR *out, size_t size);

#endif
