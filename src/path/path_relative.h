/* The relative path a differencing disk stores for its parent (the W2ru locator): the
 * parent's path relative to the child's folder, Windows-style (".\base.vhd",
 * "..\base\base.vhd"), as Windows writes it. Portable: paths are UTF-16 code units. */
#ifndef PATH_RELATIVE_H
#define PATH_RELATIVE_H

#include <stddef.h>
#include <stdint.h>

typedef enum path_flavour {
    /* "C:\..." or "\\server\share\...": '\' and '/' separate, the root and names compare
     * without regard to ASCII case. */
    PATH_FLAVOUR_WINDOWS,
    /* "/...": only '/' separates, names compare exactly. */
    PATH_FLAVOUR_POSIX
} path_flavour;

/* Writes into out (capacity out_capacity units, no terminator) the path of `target` relative
 * to the folder holding the file `from`. Both must be absolute and normalized (no "." or ".."
 * components, no repeated separators). Returns the number of units written, or 0 when there
 * is no relative path (different drives, shares or roots) or it does not fit. */
size_t path_relative_to_file(const uint16_t *from, size_t from_length,
                             const uint16_t *target, size_t target_length,
                             path_flavour flavour, uint16_t *out, size_t out_capacity);

#endif
