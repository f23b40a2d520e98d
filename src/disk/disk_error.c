/* The reader's error codes, their names, and filling an error in. */
#include "disk_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *vhd_reader_code_name(vhd_reader_code code)
{
    switch (code) {
    case VHD_READER_OK:                   return "success";
    case VHD_READER_IO:                   return "the file could not be read";
    case VHD_READER_NO_MEMORY:            return "out of memory";
    case VHD_READER_TRUNCATED:            return "the file is truncated";
    case VHD_READER_BAD_FOOTER:           return "no valid VHD footer";
    case VHD_READER_BAD_HEADER:           return "no valid dynamic disk header";
    case VHD_READER_BAD_FIELD:            return "a field holds an impossible value";
    case VHD_READER_BAD_BAT:              return "a block allocation table entry is invalid";
    case VHD_READER_BAD_LOCATOR:          return "a parent locator is invalid";
    case VHD_READER_PARENT_NOT_FOUND:     return "the parent disk was not found";
    case VHD_READER_PARENT_ID_MISMATCH:   return "the parent disk's unique id does not match";
    case VHD_READER_PARENT_INVALID:       return "the parent disk is not a valid VHD";
    case VHD_READER_PARENT_SIZE_MISMATCH: return "the parent disk's size differs from the child's";
    case VHD_READER_CHAIN_LOOP:           return "the chain of parent disks loops";
    case VHD_READER_CHAIN_TOO_DEEP:       return "the chain of parent disks is too long";
    case VHD_READER_OUT_OF_RANGE:         return "sectors beyond the end of the disk";
    case VHD_READER_NOT_POSSIBLE:         return "the change cannot be made to this file";
    }
    return "unknown reader error";
}

bool vhd_reader_code_is_invalid_file(vhd_reader_code code)
{
    return code >= VHD_READER_TRUNCATED && code <= VHD_READER_BAD_LOCATOR;
}

void vhd_reader_clear(vhd_reader_error *error)
{
    if (error == NULL)
        return;
    error->code = VHD_READER_OK;
    error->io_status = VHD_OK;
    error->os_error = 0;
    error->reason[0] = '\0';
}

vhd_reader_code vhd_reader_fail(vhd_reader_error *error, vhd_reader_code code,
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

vhd_reader_code vhd_reader_fail_io(vhd_reader_error *error, vhd_io *io, vhd_status status,
                                   const char *what, uint64_t offset)
{
    if (status == VHD_E_END_OF_FILE)
        return vhd_reader_fail(error, VHD_READER_TRUNCATED,
                               "the file ends before the %s at offset %llu", what,
                               (unsigned long long)offset);
    if (status == VHD_E_NO_MEMORY)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory reading the %s", what);
    vhd_reader_fail(error, VHD_READER_IO, "reading the %s at offset %llu failed: %s", what,
                    (unsigned long long)offset, vhd_status_message(status));
    if (error != NULL) {
        error->io_status = status;
        error->os_error = io != NULL ? io->os_error : 0;
    }
    return VHD_READER_IO;
}
