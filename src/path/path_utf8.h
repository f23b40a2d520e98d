/* UTF-8 to UTF-16 for paths that come from a POSIX command line. */
#ifndef PATH_UTF8_H
#define PATH_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Converts the NUL-terminated UTF-8 text into out (capacity units, no terminator). Returns the
 * number of units, or SIZE_MAX for text that is not valid UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF) or does not fit. */
size_t path_utf8_to_utf16(const char *text, uint16_t *out, size_t capacity);

#endif
