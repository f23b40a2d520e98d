/* Changing an existing VHDX in place, through its log (MS-VHDX 2.2.2 and 2.3).
 *
 * vhdx_writable_open() opens a VHDX for change. Before any other write it updates the headers
 * with a new FileWriteGuid (written twice, so both slots hold the session's header, as the
 * specification says a writer SHOULD). If the current header carries a LogGuid, the active log
 * sequence is then replayed ON DISK: the reader finds and validates it (vhdx_log.c), every
 * descriptor is written in place in log order, the file is grown to the head entry's
 * LastFileOffset, flushed, and only then LogGuid is cleared by a header update. The log is
 * never written during a replay, so a crash anywhere in it leaves the same log behind and the
 * next open replays it again to the same content (idempotent).
 *
 * vhdx_writable_change() is the log writer (vhdx_log_write.c): one batch of up to 126 4 KiB
 * metadata sectors (BAT, sector bitmaps, metadata region, region tables) becomes one log entry
 * (one, because a sequence of several would be replayable from its first entry alone), written
 * and flushed, then the sectors are written in place and flushed. The
 * batch is atomic: until its entries are flushed a reader sees the old sectors (the log holds
 * nothing newer); from then on it sees the new ones (the reader lays the log over the file,
 * whatever part of the in-place writes reached the disk). Header update rules:
 *   - LogGuid: a new random value is set by a header update before the first entry is written
 *     while it is zero; vhdx_writable_settle() clears it (a header update) once every batch is
 *     in place, so the file is clean again. Between settles batches share a LogGuid; each
 *     entry takes at most 508 KiB, half of the smallest log, and goes right after the previous
 *     one, so writing it never overwrites the previous entry (the newest complete sequence on
 *     disk is always the previous batch's entry or this one, never an older one).
 *   - DataWriteGuid: renewed by a header update before the first batch that changes what a
 *     reader of the virtual disk sees (user_visible). Changing only where the parent is found
 *     (a re-link) is not such a change: the disk's content and its identity to its own children
 *     stay the same, so a re-link keeps DataWriteGuid and the grandchildren linked to it stay
 *     valid.
 *   - SequenceNumber: each header update writes the non-current slot with the current
 *     sequence number + 1 and its CRC, then flushes.
 * Entries carry sequence numbers that follow the last one used in the file (the replayed log's
 * or this session's), Tail pointing at the first entry of their batch, FlushedFileOffset and
 * LastFileOffset the file's size, and wrap around the end of the log's circular buffer.
 * The log is never smaller than 1 MiB (LogLength is a non-zero multiple of 1 MiB).
 *
 * Memory: one entry buffer of VHDX_LOG_WRITE_ENTRY_MAX bytes (the replay's zeros and sector use
 * it too), the struct, and while opening the reader's image (VHDX_READER_IMAGE_HEAP_MAX):
 * VHDX_WRITABLE_HEAP_MAX, whatever the disk's size. */
#ifndef VHDX_WRITABLE_H
#define VHDX_WRITABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhdx_format.h"
#include "vhdx_reader.h"

/* Data sectors per entry: their descriptors and the entry header fill exactly its first
 * sector (64 + 126 * 32 = 4096). */
#define VHDX_LOG_WRITE_SECTORS_MAX 126u
#define VHDX_LOG_WRITE_ENTRY_MAX ((VHDX_LOG_WRITE_SECTORS_MAX + 1u) * VHDX_LOG_SECTOR_SIZE)
#define VHDX_WRITABLE_ZERO_BUFFER (64u * 1024)
/* The heap a writable open holds at most (the reader's image only while opening). */
#define VHDX_WRITABLE_HEAP_MAX(file_size, log_length) \
    ((size_t)VHDX_LOG_WRITE_ENTRY_MAX + 4096u \
     + VHDX_READER_IMAGE_HEAP_MAX(file_size, log_length))

typedef struct vhdx_writable_options {
    /* 16 random bytes for each new GUID (FileWriteGuid, DataWriteGuid, LogGuid); required. */
    void (*random)(void *ctx, uint8_t out[16]);
    void *ctx;
    /* Allocator for everything held; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
} vhdx_writable_options;

typedef struct vhdx_writable vhdx_writable;

/* What the open did, for reports and tests. */
typedef struct vhdx_writable_report {
    bool replayed;                  /* a pending log was replayed on disk */
    uint64_t replayed_sectors;      /* 4 KiB data sectors written by it */
    uint64_t replayed_zero_bytes;
    uint64_t header_updates;        /* so far in the session */
    uint64_t entries_written;
    uint64_t flushes;
} vhdx_writable_report;

/* Opens the VHDX in io (open for reading and writing: VHD_IO_OPEN_READ_WRITE) for change:
 * validates it with the reader, updates its headers, replays a pending log on disk. On failure
 * *writable is NULL; the file is valid and holds the same content whatever failed. */
vhdx_reader_code vhdx_writable_open(vhdx_writable **writable, vhd_io *io,
                                    const vhdx_writable_options *options,
                                    vhdx_reader_error *error);
/* For repair only: as vhdx_writable_open, its check of the file made by
 * vhdx_image_open_listing (bad_block says which misplaced blocks it may pass over). */
vhdx_reader_code vhdx_writable_open_listing(vhdx_writable **writable, vhd_io *io,
                                            const vhdx_writable_options *options,
                                            vhdx_bad_block_sink bad_block, void *ctx,
                                            vhdx_reader_error *error);
/* The current header (as last written). */
const vhdx_header *vhdx_writable_header(const vhdx_writable *writable);
const vhdx_writable_report *vhdx_writable_get_report(const vhdx_writable *writable);
/* Data sectors one batch may hold: VHDX_LOG_WRITE_SECTORS_MAX. */
size_t vhdx_writable_batch_max(const vhdx_writable *writable);

/* One 4 KiB sector of metadata and its new bytes. */
typedef struct vhdx_sector_change {
    uint64_t file_offset;           /* a multiple of 4 KiB, inside the file, at or after the
                                       region tables and outside the log */
    const uint8_t *data;            /* 4096 bytes */
} vhdx_sector_change;

/* Writes one batch (count <= vhdx_writable_batch_max; a later change of the same sector wins)
 * through the log, then
 * in place (see above). user_visible: the change alters what a reader of the disk reads, so
 * DataWriteGuid is renewed first (once per session). VHDX_READER_UNSUPPORTED for a batch that
 * breaks the rules (nothing written). After an I/O failure the writable must be closed: the
 * file holds either the old or the new sectors, and the next writable open completes it. */
vhdx_reader_code vhdx_writable_change(vhdx_writable *writable, const vhdx_sector_change *changes,
                                      size_t count, bool user_visible, vhdx_reader_error *error);
/* Renews DataWriteGuid now, to guid (a header update), for a change a reader could see that
 * does not go through the log (payload data written in place: a Merge), or whose new value
 * another file must name first (a Merge records it in the child's parent_linkage2 before);
 * later user_visible batches keep it. */
vhdx_reader_code vhdx_writable_set_data_write_guid(vhdx_writable *writable,
                                                   const vhdx_guid *guid,
                                                   vhdx_reader_error *error);
/* Ends a run of batches: clears LogGuid by a header update (nothing is done when it is zero). */
vhdx_reader_code vhdx_writable_settle(vhdx_writable *writable, vhdx_reader_error *error);
/* Frees it; never closes io, writes nothing. */
void vhdx_writable_close(vhdx_writable *writable);

#endif
