/* Resizing a fixed, dynamic or differencing VHDX in place: the virtual disk size item and the
 * table entries changed through the log (vhdx_writable.h), so the disk opens at its old size
 * or its new one at every instant. A table that outgrows its region is written anew past the
 * file's structures and the region table switched to it in the same log entry as the size;
 * a shrink drops the blocks past the new end and cuts the file once the log is settled
 * (vhdx_resize.c says why each step is crash-safe). */
#ifndef VHDX_RESIZE_H
#define VHDX_RESIZE_H

#include <stdbool.h>
#include <stdint.h>
#include "disk_progress.h"
#include "vhd_io.h"
#include "vhdx_reader.h"
#include "vhdx_writable.h"

typedef struct vhdx_resize_report {
    uint64_t old_size, new_size;
    uint64_t blocks_reserved;       /* a fixed disk's new blocks, their space reserved */
    bool table_moved;               /* the BAT outgrew its region: a new one at table_offset */
    uint64_t table_offset;
    uint64_t blocks_dropped;        /* a shrink: blocks past the new end */
    uint64_t file_cut_to;           /* a shrink: the file's new length (0: not cut) */
} vhdx_resize_report;

/* Resizes the VHDX in io (open VHD_IO_OPEN_READ_WRITE; VHD_IO_OPEN_READ for a dry run, which
 * writes nothing) to new_size bytes. VHDX_READER_NOT_POSSIBLE, nothing written, for a size the
 * format forbids (not a multiple of the logical sector size, above 64 TiB) or a file that would
 * outgrow VHDX_READER_MAX_FILE_SIZE; the reader's and the writable open's failures otherwise.
 * A shrink drops what lies past the new end: the caller checks first that nothing the guest
 * laid out is there (disk_minimum.h), and refuses a differencing disk's shrink. A differencing
 * disk grown past its parent reads zeros there (its new blocks are ZERO; disk_chain reads a
 * parent's missing end as zeros). A new size equal to the current one writes nothing. */
vhdx_reader_code vhdx_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                             const vhdx_writable_options *options, disk_progress *progress,
                             vhdx_resize_report *report, vhdx_reader_error *error);

#endif
