/* The reader's errors, shared by the neutral layer and every format's reader: a code and one
 * sentence naming the field and its value (vhd_reader_error in vhd_reader.h). */
#ifndef DISK_ERROR_H
#define DISK_ERROR_H

#include "vhd_reader.h"

#if defined(__GNUC__)
#define VHD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VHD_PRINTF(f, a)
#endif

/* Sets error (code, OK status, reason) and returns the code. */
vhd_reader_code vhd_reader_fail(vhd_reader_error *error, vhd_reader_code code,
                                const char *format, ...) VHD_PRINTF(3, 4);
/* VHD_READER_IO (or VHD_READER_TRUNCATED for VHD_E_END_OF_FILE) for a failed call on io. */
vhd_reader_code vhd_reader_fail_io(vhd_reader_error *error, vhd_io *io, vhd_status status,
                                   const char *what, uint64_t offset);
void vhd_reader_clear(vhd_reader_error *error);

#endif
