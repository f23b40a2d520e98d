/* Resizing a VHD in place: a fixed or dynamic disk grown or shrunk to a new size,
 * crash-safely (the order of the writes is at the top of vhd_resize.c). A differencing VHD is
 * refused, as Windows refuses it. A shrink gives up the sectors past the new size: the caller
 * checks the disk's minimum size first (disk_resize does, disk_minimum.h). */
#ifndef VHD_RESIZE_H
#define VHD_RESIZE_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_io.h"
#include "disk_progress.h"
#include "vhd_reader.h"

/* Marks a fixed disk's footer while its grown data area is made to read as zeros: the 8 bytes
 * at the start of the footer's reserved field, followed by the old size (big-endian). Only a
 * footer vsdisk wrote in the middle of a grow carries it; the next resize finishes the job. */
#define VHD_RESIZE_MARKER "vsdkgrow"
#define VHD_RESIZE_MARKER_OFFSET 85u        /* reserved[0] in the footer */

typedef struct vhd_resize_report {
    uint64_t old_size, new_size;
    uint32_t blocks_moved;          /* blocks copied out of the growing table's way (or, for a
                                       dry run, to copy) */
    bool finished_earlier;          /* an interrupted resize of this disk was finished first */
} vhd_resize_report;

/* Resizes the fixed or dynamic VHD in io (open VHD_IO_OPEN_READ_WRITE; VHD_IO_OPEN_READ for a
 * dry run, which writes nothing) to new_size bytes. VHD_READER_NOT_POSSIBLE (nothing written)
 * for a size the format forbids (not a multiple of 512, below 3 MiB, above 2040 GiB), a
 * differencing disk, a disk in a saved state, or a layout with something other than
 * data blocks where the table must grow; the reader's codes for a disk that does not open;
 * VHD_READER_IO when a write fails (the disk then opens as the old or the new one, and
 * resizing again completes). A new size equal to the current one finishes an interrupted
 * resize, if any, and changes nothing otherwise. */
vhd_reader_code vhd_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                           const vhd_reader_options *options, disk_progress *progress,
                           vhd_resize_report *report, vhd_reader_error *error);

#endif
