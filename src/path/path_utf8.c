#include "path_utf8.h"

size_t path_utf8_to_utf16(const char *text, uint16_t *out, size_t capacity)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t used = 0;
    while (*p != 0) {
        uint32_t c;
        unsigned extra;
        uint32_t minimum;
        if (*p < 0x80) {
            c = *p; extra = 0; minimum = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            c = *p & 0x1Fu; extra = 1; minimum = 0x80;
        } else if ((*p & 0xF0) == 0xE0) {
            c = *p & 0x0Fu; extra = 2; minimum = 0x800;
        } else if ((*p & 0xF8) == 0xF0) {
            c = *p & 0x07u; extra = 3; minimum = 0x10000;
        } else {
            return SIZE_MAX;
        }
        p++;
        for (unsigned i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return SIZE_MAX;   /* also stops at the terminator */
            c = c << 6 | (*p & 0x3Fu);
        }
        if (c < minimum || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return SIZE_MAX;
        if (c >= 0x10000) {
            if (capacity - used < 2)
                return SIZE_MAX;
            c -= 0x10000;
            out[used++] = (uint16_t)(0xD800 | c >> 10);
            out[used++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            if (capacity - used < 1)
                return SIZE_MAX;
            out[used++] = (uint16_t)c;
        }
    }
    return used;
}
