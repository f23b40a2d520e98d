/* Merge of a differencing VHDX (the child) into its parent VHDX (dynamic, fixed or
 * differencing), in place, through the parent's log (vhdx_merge.c says in what order and why
 * every sector stays readable at every instant). */
#ifndef VHDX_MERGE_H
#define VHDX_MERGE_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhdx_reader.h"
#include "vhdx_writable.h"

typedef struct vhdx_merge_options {
    vhdx_writable_options writable;     /* GUIDs and the allocator */
    /* A percentage that never goes back (100 once the parent is settled); may be NULL. */
    void (*progress)(void *ctx, unsigned percent);
    /* Polled between blocks; true stops the job (VHDX_READER_IO with VHD_E_CANCELLED): what
     * the batch in flight had not committed is left unnamed, both disks read as before and
     * running the job again completes it. May be NULL. */
    bool (*cancelled)(void *ctx);
    void *ctx;
} vhdx_merge_options;

typedef struct vhdx_merge_report {
    uint64_t blocks_in_place;       /* parent blocks present already, written in place */
    uint64_t blocks_allocated;      /* new payload blocks of the parent */
    uint64_t bitmaps_allocated;     /* new sector bitmap blocks (a differencing parent) */
    uint64_t sectors_merged;        /* logical sectors the child holds (data or zeros) */
    uint64_t batches;               /* log entries written into the parent */
    uint64_t flushes;               /* of both files, the whole job */
} vhdx_merge_report;

/* New blocks written between two commits, at most (the log entry's 126 BAT and sector bitmap
 * sectors bound a batch too). */
#define VHDX_MERGE_BATCH_BYTES (256u * 1024u * 1024u)
#define VHDX_MERGE_BUFFER (1u << 20)
/* The most the job holds (besides the writable opens, each VHDX_WRITABLE_HEAP_MAX, and two
 * reader images): one copy buffer, one batch of metadata sectors, the re-link's paths. */
#define VHDX_MERGE_HEAP_MAX(file_size, log_length) \
    (2 * VHDX_WRITABLE_HEAP_MAX(file_size, log_length) \
     + 2 * VHDX_READER_IMAGE_HEAP_MAX(file_size, log_length) \
     + VHDX_MERGE_BUFFER + (size_t)VHDX_LOG_WRITE_SECTORS_MAX * 4096u + 4 * 65536u)

/* Writes every sector the differencing VHDX in child (open VHD_IO_OPEN_READ_WRITE: only its
 * headers and parent locator are written, never its data or BAT) holds into its parent in
 * parent (open VHD_IO_OPEN_READ_WRITE, with set_size): FULLY_PRESENT blocks, the present
 * sectors of PARTIALLY_PRESENT ones, ZERO (and UNDEFINED, UNMAPPED) blocks as zeros. Refused
 * before anything is written: a child that is not a differencing VHDX
 * (VHDX_READER_NOT_POSSIBLE), a parent whose DataWriteGuid the child does not name, or of
 * another size or logical sector size (VHDX_READER_PARENT_ID_MISMATCH). The parent's
 * DataWriteGuid changes (its other children are no longer its children: the reader refuses
 * them); the child names the new one. After any failure both files read as before the failed
 * step (the chain child -> parent the same at every instant) and running the job again
 * completes it. report may be NULL. */
vhdx_reader_code vhdx_merge(vhd_io *child, vhd_io *parent, const vhdx_merge_options *options,
                            vhdx_merge_report *report, vhdx_reader_error *error);

#endif
