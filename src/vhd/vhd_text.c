/* Text the reader produces: UTF-16 paths and names to UTF-8, unique ids. */
#include "vhd_reader_internal.h"

#include <stdio.h>

static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

bool vhd_utf16_to_utf8(const uint8_t *in, size_t units, bool big_endian, bool strict,
                       char *out, size_t out_size)
{
    size_t o = 0;
    if (out_size == 0)
        return false;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = big_endian ? (uint32_t)in[2 * i] << 8 | in[2 * i + 1]
                                : (uint32_t)in[2 * i + 1] << 8 | in[2 * i];
        if (c == 0)
            break;
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t low = big_endian ? (uint32_t)in[2 * i + 2] << 8 | in[2 * i + 3]
                                      : (uint32_t)in[2 * i + 3] << 8 | in[2 * i + 2];
            if (low >= 0xDC00 && low < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                i++;
            }
        }
        if (c >= 0xD800 && c < 0xE000) {   /* still a surrogate: unpaired */
            if (strict) {
                out[0] = '\0';
                return false;
            }
            c = 0xFFFD;
        }
        if (out_size - o < 5) {
            out[o] = '\0';
            return false;
        }
        o += put_utf8(out + o, c);
    }
    out[o] = '\0';
    return true;
}

void vhd_unique_id_format(const uint8_t id[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10],
             id[11], id[12], id[13], id[14], id[15]);
}

void vhd_unique_id_format_guid(const uint8_t id[16], char out[39])
{
    snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
             id[3], id[2], id[1], id[0], id[5], id[4], id[7], id[6], id[8], id[9], id[10],
             id[11], id[12], id[13], id[14], id[15]);
}
