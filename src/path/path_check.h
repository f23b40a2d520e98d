/* Validation of the image paths scripts pass in, in the order the API documents.
 * Portable: paths are UTF-16 code units, as in a BSTR, and need not be NUL-terminated. */
#ifndef PATH_CHECK_H
#define PATH_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Paths must be shorter than this many characters. */
#define PATH_LENGTH_LIMIT 260
#define PATH_COMPONENT_LIMIT 255

typedef enum path_verdict {
    PATH_OK = 0,
    PATH_BAD_PATHNAME,      /* empty, relative, or not a plain full file path */
    PATH_INVALID_NAME,      /* a forbidden character or a name that is not a plain file */
    PATH_TOO_LONG           /* PATH_LENGTH_LIMIT characters or more */
} path_verdict;

/* Checks path; on a problem, *reason (if reason is not NULL) gets one English sentence
 * without a trailing period. */
path_verdict path_check(const uint16_t *path, size_t length, const char **reason);

/* Length of the root of a path that passed path_check: 3 for "C:\", or the length of
 * "\\server\share\" for a UNC path. */
size_t path_root_length(const uint16_t *path, size_t length);

#endif
