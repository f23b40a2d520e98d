/* Growing a fixed or dynamic VHDX in place: the virtual disk size item and the
 * new blocks' table entries changed through the log (vhdx_writable.h), so the disk opens at
 * its old size or its new one at every instant. The table must fit in its region as it is:
 * growing the region is not done yet (refused, nothing written). */
#ifndef VHDX_RESIZE_H
#define VHDX_RESIZE_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhdx_reader.h"
#include "vhdx_writable.h"

typedef struct vhdx_resize_report {
    uint64_t old_size, new_size;
    uint64_t blocks_reserved;       /* a fixed disk's new blocks, their space reserved */
} vhdx_resize_report;

/* Grows the VHDX in io (open VHD_IO_OPEN_READ_WRITE; VHD_IO_OPEN_READ for a dry run, which
 * writes nothing) to new_size bytes. VHDX_READER_NOT_POSSIBLE, nothing written, for a size the
 * format forbids (not a multiple of the logical sector size, above 64 TiB), a shrink, a table
 * region too small for the new size, or a differencing disk (vsdisk's chain reader takes a
 * child only at its parent's size); the reader's and the writable open's failures otherwise. A new size equal to the
 * current one writes nothing. */
vhdx_reader_code vhdx_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                             const vhdx_writable_options *options, vhdx_resize_report *report,
                             vhdx_reader_error *error);

#endif
