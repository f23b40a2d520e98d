/* Re-linking a differencing disk of any format to its moved parent: one entry point that
 * checks the pair by content and picks the format's own re-link (vhd_relink_parent for VHD,
 * vhdx_relink_parent for VHDX, each crash-safe in place). */
#ifndef DISK_RELINK_H
#define DISK_RELINK_H

#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhd_reader.h"

/* The parent's paths to record, UTF-16 code units without a terminator, as the creator of a
 * child of that format writes them (create_parent.c on Linux, the host layer on Windows):
 * the absolute path (required: a VHD's W2ku locator and header name, a VHDX's
 * absolute_win32_path), the path relative to the child's folder (length 0: left as it is in a
 * VHD, left out of a VHDX), and a VHDX's volume_path (length 0: left out; a VHD ignores it). */
typedef struct disk_relink_paths {
    const uint16_t *absolute;
    size_t absolute_length;
    const uint16_t *relative;
    size_t relative_length;
    const uint16_t *volume;
    size_t volume_length;
} disk_relink_paths;

typedef struct disk_relink_options {
    /* 16 random bytes per new GUID a VHDX's header update needs (FileWriteGuid, LogGuid). */
    void (*random)(void *ctx, uint8_t out[16]);
    void *ctx;
    /* Allocator; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
} disk_relink_options;

/* Re-points the differencing disk in child (open VHD_IO_OPEN_READ_WRITE) at parent (open for
 * reading, never written). Both are opened by content. VHD_READER_NOT_POSSIBLE when child is
 * not a differencing disk or parent is of another format (nothing written);
 * VHD_READER_PARENT_ID_MISMATCH when parent is not the disk child was made from (its size, or
 * its identity: a VHD's unique id, a VHDX's DataWriteGuid against parent_linkage); the
 * format's re-link's failures otherwise. Reasons that concern the parent file begin with
 * "the new parent". */
vhd_reader_code disk_relink(vhd_io *child, vhd_io *parent, const disk_relink_paths *paths,
                            const disk_relink_options *options, vhd_reader_error *error);

#endif
