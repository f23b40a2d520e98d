/* Resizing a disk of any format in place (a shrink of a VHD or a VHDX only down to its
 * minimum size, disk_minimum.h; a differencing VHD is refused, as Windows refuses it, and a
 * differencing VHDX may grow, not shrink): one entry point that opens the disk by content and
 * picks the format's own resize (vhd_resize for VHD, vhdx_resize for VHDX), each crash-safe. A
 * resized parent invalidates its children (their size is no longer their parent's), as on
 * Windows. */
#ifndef DISK_RESIZE_H
#define DISK_RESIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_image.h"
#include "vhd_io.h"
#include "vhd_reader.h"

typedef struct disk_resize_report {
    disk_format format;
    disk_kind kind;
    uint64_t old_size, new_size;
    uint64_t minimum_size;          /* for a shrink: the least it may be (disk_minimum.h) */
    uint32_t blocks_moved;          /* blocks copied out of a growing table's way (VHD) */
    uint64_t blocks_reserved;       /* a fixed VHDX's new blocks */
    bool table_moved;               /* a VHDX's table outgrew its region: written anew */
    uint64_t blocks_dropped;        /* a VHDX shrink: blocks past the new end */
    bool finished_earlier;          /* an interrupted resize was finished first */
} disk_resize_report;

typedef struct disk_resize_options {
    /* 16 random bytes per new GUID a VHDX's header updates need (FileWriteGuid, DataWriteGuid,
     * LogGuid); unused for a VHD. */
    void (*random)(void *ctx, uint8_t out[16]);
    void *ctx;
    /* Allocator; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    /* Called with a percentage that never goes back, 99 once the resize is done and flushed
     * (the caller says 100 once it has closed the disk); never for a dry run. NULL: none. */
    void (*progress)(void *ctx, unsigned percent);
    void *progress_ctx;
} disk_resize_options;

/* Resizes the disk in io (open VHD_IO_OPEN_READ_WRITE, or VHD_IO_OPEN_READ for a dry run,
 * which writes nothing) to new_size bytes. VHD_READER_NOT_POSSIBLE, nothing written, for what
 * the format or this version refuses (the reason says which rule); the format's failures
 * otherwise. */
vhd_reader_code disk_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                            const disk_resize_options *options, disk_resize_report *report,
                            vhd_reader_error *error);

#endif
