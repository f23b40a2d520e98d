/* Virtual Server's rule for CreateDifferencingVirtualHardDisk: either path may be relative,
 * and a relative one is taken relative to the other's folder. Portable: UTF-16 code units. */
#ifndef PATH_RESOLVE_H
#define PATH_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A plain relative path: not empty, no drive ("C:"), not starting with a separator. */
bool path_is_relative(const uint16_t *path, size_t length);

/* Writes into out (capacity units, no terminator) the folder of base (an absolute path: up
 * to its last separator) followed by relative, then removes "." components and resolves ".."
 * ones (never above base's root). Returns the length, or 0 when a ".." would climb above the
 * root, base has no root, or the result does not fit. */
size_t path_resolve_against(const uint16_t *base, size_t base_length, const uint16_t *relative,
                            size_t relative_length, uint16_t *out, size_t capacity);

#endif
