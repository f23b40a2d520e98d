/* What vhdx_writable.c (open, headers, replay) and vhdx_log_write.c (the log writer) share. */
#ifndef VHDX_WRITABLE_INTERNAL_H
#define VHDX_WRITABLE_INTERNAL_H

#include "vhdx_writable.h"

struct vhdx_writable {
    vhd_io *io;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    void (*random)(void *ctx, uint8_t out[16]);
    void *ctx;
    vhdx_header header;             /* the current one, as last written */
    unsigned slot;                  /* where it is: 1 (64 KiB) or 2 (128 KiB) */
    uint64_t file_size;
    uint64_t next_sequence;         /* of the next log entry */
    uint32_t log_position;          /* where the next entry goes, in the log */
    bool data_write_guid_renewed;
    uint8_t *entry;                 /* VHDX_LOG_WRITE_ENTRY_MAX bytes */
    vhdx_writable_report report;
};

/* A new random GUID (version 4, Microsoft's byte layout). */
void vhdx_writable_new_guid(vhdx_writable *writable, vhdx_guid *guid);
/* Writes next (sequence number set to the current one + 1) over the non-current slot with its
 * CRC and flushes; it is then the current header. */
vhdx_reader_code vhdx_writable_update_header(vhdx_writable *writable, vhdx_header *next,
                                             vhdx_reader_error *error);
/* The failure of a write or flush, as a reader error naming what was written. */
vhdx_reader_code vhdx_writable_fail_write(vhdx_reader_error *error, vhd_io *io,
                                          vhd_status status, const char *what, uint64_t offset);
vhdx_reader_code vhdx_writable_flush(vhdx_writable *writable, const char *what,
                                     vhdx_reader_error *error);

#endif
