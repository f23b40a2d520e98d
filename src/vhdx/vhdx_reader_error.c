#include "vhdx_reader_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *vhdx_reader_code_name(vhdx_reader_code code)
{
    switch (code) {
    case VHDX_READER_OK:               return "success";
    case VHDX_READER_IO:               return "the file could not be read";
    case VHDX_READER_NO_MEMORY:        return "out of memory";
    case VHDX_READER_TRUNCATED:        return "the file is truncated";
    case VHDX_READER_NOT_VHDX:         return "not a VHDX file";
    case VHDX_READER_BAD_HEADER:       return "no valid VHDX header";
    case VHDX_READER_BAD_LOG:          return "the log cannot be replayed";
    case VHDX_READER_BAD_REGION_TABLE: return "the region table is invalid";
    case VHDX_READER_BAD_METADATA:     return "the metadata is invalid";
    case VHDX_READER_BAD_BAT:          return "a block allocation table entry is invalid";
    case VHDX_READER_BAD_LOCATOR:      return "the parent locator is invalid";
    case VHDX_READER_UNSUPPORTED:      return "the file needs a feature the reader does not know";
    case VHDX_READER_OUT_OF_RANGE:     return "sectors beyond the end of the disk";
    case VHDX_READER_PARENT_ID_MISMATCH: return "the parent is not the disk the child was made from";
    case VHDX_READER_NOT_POSSIBLE:     return "the change cannot be made to this disk";
    }
    return "unknown reader error";
}

bool vhdx_reader_code_is_invalid_file(vhdx_reader_code code)
{
    return code >= VHDX_READER_TRUNCATED && code <= VHDX_READER_UNSUPPORTED;
}

void vhdx_reader_clear(vhdx_reader_error *error)
{
    if (error == NULL)
        return;
    error->code = VHDX_READER_OK;
    error->io_status = VHD_OK;
    error->os_error = 0;
    error->reason[0] = '\0';
}

vhdx_reader_code vhdx_reader_fail(vhdx_reader_error *error, vhdx_reader_code code,
                                  const char *format, ...)
{
    if (error == NULL)
        return code;
    va_list args;
    error->code = code;
    error->io_status = VHD_OK;
    error->os_error = 0;
    va_start(args, format);
    vsnprintf(error->reason, sizeof error->reason, format, args);
    va_end(args);
    return code;
}

vhdx_reader_code vhdx_reader_fail_io(vhdx_reader_error *error, vhd_io *io, vhd_status status,
                                     const char *what, uint64_t offset)
{
    if (status == VHD_E_END_OF_FILE)
        return vhdx_reader_fail(error, VHDX_READER_TRUNCATED,
                                "the file ends before the %s at offset %llu", what,
                                (unsigned long long)offset);
    if (status == VHD_E_NO_MEMORY)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory reading the %s",
                                what);
    vhdx_reader_fail(error, VHDX_READER_IO, "reading the %s at offset %llu failed: %s", what,
                     (unsigned long long)offset, vhd_status_message(status));
    if (error != NULL) {
        error->io_status = status;
        error->os_error = io != NULL ? io->os_error : 0;
    }
    return VHDX_READER_IO;
}

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

bool vhdx_utf16le_to_utf8(const uint8_t *in, size_t units, bool stop_at_nul, char *out,
                          size_t out_size)
{
    size_t o = 0;
    if (out_size == 0)
        return false;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = vhdx_get16(in + 2 * i);
        if (c == 0) {
            if (stop_at_nul)
                break;
            out[o] = '\0';
            return false;
        }
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t low = vhdx_get16(in + 2 * i + 2);
            if (low >= 0xDC00 && low < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                i++;
            }
        }
        if (c >= 0xD800 && c < 0xE000)   /* still a surrogate: unpaired */
            c = 0xFFFD;
        size_t need = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (out_size - o < need + 1) {
            out[o] = '\0';
            return false;
        }
        o += put_utf8(out + o, c);
    }
    out[o] = '\0';
    return true;
}
