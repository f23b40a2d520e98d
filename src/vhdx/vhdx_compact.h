/* Compact of a dynamic or differencing VHDX, in place, through its log (vhdx_compact.c says how
 * every sector stays readable at every instant). */
#ifndef VHDX_COMPACT_H
#define VHDX_COMPACT_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhdx_reader.h"
#include "vhdx_writable.h"

typedef struct vhdx_compact_options {
    vhdx_writable_options writable;     /* GUIDs and the allocator */
    /* A percentage that never goes back (100 once the file is shortened); may be NULL. */
    void (*progress)(void *ctx, unsigned percent);
    /* Polled between blocks; true stops the job (VHDX_READER_IO with VHD_E_CANCELLED): what the
     * batch in flight had not committed is left unnamed (copies nobody points at), the disk reads
     * the same and running the job again completes it. May be NULL. */
    bool (*cancelled)(void *ctx);
    void *ctx;
} vhdx_compact_options;

typedef struct vhdx_compact_report {
    uint64_t blocks_emptied;        /* all-zero blocks given back (NOT_PRESENT, or ZERO) */
    uint64_t anchors_cleared;       /* absent blocks whose entry kept a file range */
    uint64_t partial_kept;          /* PARTIALLY_PRESENT blocks left as they are */
    uint64_t blocks_moved;          /* payload and sector bitmap blocks moved down */
    uint64_t batches;               /* log entries written */
    uint64_t flushes;               /* of the whole job (the writable open's included) */
    uint64_t old_size, new_size;    /* of the file */
} vhdx_compact_report;

/* The most the job holds (besides the writable open's VHDX_WRITABLE_HEAP_MAX and one reader
 * image at a time): the map of the file's 1 MiB units (one bit each), the sorted window of
 * blocks, one copy buffer and one batch of BAT sectors. */
#define VHDX_COMPACT_SORT_MAX (1u << 20)
#define VHDX_COMPACT_BUFFER (1u << 20)
#define VHDX_COMPACT_HEAP_MAX(file_size, log_length) \
    (VHDX_WRITABLE_HEAP_MAX(file_size, log_length) \
     + VHDX_READER_IMAGE_HEAP_MAX(file_size, log_length) \
     + (size_t)((file_size) / (1u << 20) / 8 + 8) + (size_t)VHDX_COMPACT_SORT_MAX * 8u \
     + VHDX_COMPACT_BUFFER + (size_t)VHDX_LOG_WRITE_SECTORS_MAX * 4096u)

/* Compacts the VHDX in io (open VHD_IO_OPEN_READ_WRITE, with set_size): a dynamic disk's
 * all-zero FULLY_PRESENT blocks become NOT_PRESENT, a differencing disk's become ZERO (they
 * keep hiding the parent); absent blocks whose entry names a file range have the offset
 * cleared; PARTIALLY_PRESENT blocks are kept whole; the live blocks move down into the holes
 * and the file is cut after the last one. A pending log is replayed on disk first. The disk's
 * content and DataWriteGuid are unchanged (its children stay valid). A fixed VHDX is refused
 * (VHDX_READER_NOT_POSSIBLE) with nothing written. report may be NULL. After any failure the
 * file holds the same content and running the job again completes it. */
vhdx_reader_code vhdx_compact(vhd_io *io, const vhdx_compact_options *options,
                              vhdx_compact_report *report, vhdx_reader_error *error);

#endif
