/* Re-linking a differencing VHDX to a moved parent, in place, through the log. */
#ifndef VHDX_RELINK_H
#define VHDX_RELINK_H

#include "vhd_io.h"
#include "vhdx_create.h"
#include "vhdx_reader.h"
#include "vhdx_writable.h"

/* Re-points the differencing VHDX in io (open VHD_IO_OPEN_READ_WRITE) at its parent's new
 * place. Of parent only data_write_guid (the parent's DataWriteGuid now) and the path keys are
 * used: data_write_guid must equal the child's parent_linkage or parent_linkage2, else
 * VHDX_READER_PARENT_ID_MISMATCH and nothing is written. The parent locator item is rewritten
 * as the creator writes it (vhdx_locator_put: parent_linkage = that GUID, then the path keys
 * given; other keys, parent_linkage2 among them, are left out) in the item's place, zeros over
 * the rest of the old item, and the metadata table entry's Length with it: one batch through
 * the log, so a crash leaves the old locator or the new one. The result is first opened by the
 * reader in memory; VHDX_READER_NOT_POSSIBLE (nothing written) when the child is not a
 * differencing disk, when it would not be valid, or when the new item does not fit between its
 * offset and the next item (or the region's end): vsdisk does not move metadata items. The
 * child's DataWriteGuid is kept (vhdx_writable.h says why). */
/* The heap a re-link holds at most: the writable open (VHDX_WRITABLE_HEAP_MAX, one reader image
 * included), a second reader image (the planned result opened in memory), the metadata table
 * (64 KiB) and the planned sectors (at most 19 of 4 KiB: a 64 KiB item, unaligned, and the
 * table's sector). */
#define VHDX_RELINK_HEAP_MAX(file_size, log_length) \
    (VHDX_WRITABLE_HEAP_MAX(file_size, log_length) \
     + VHDX_READER_IMAGE_HEAP_MAX(file_size, log_length) + (size_t)(64u + 19u * 4u) * 1024u)

vhdx_reader_code vhdx_relink_parent(vhd_io *io, const vhdx_parent_facts *parent,
                                    const vhdx_writable_options *options,
                                    vhdx_reader_error *error);

/* Rewrites the parent locator of the differencing VHDX in io (open VHD_IO_OPEN_READ_WRITE) with
 * its own path keys kept, parent_linkage = current (which must be its parent_linkage or
 * parent_linkage2 now, else VHDX_READER_PARENT_ID_MISMATCH and nothing is written) and
 * parent_linkage2 = next (left out when next is NULL): the step of MS-VHDX's merge protocol
 * that lets the child name its parent's next DataWriteGuid before the parent takes it, and the
 * tidying after (next NULL). One batch through the log, as vhdx_relink_parent; the disk's
 * content and DataWriteGuid are kept. The paths held at once: three of at most 64 KiB. */
vhdx_reader_code vhdx_relink_linkage(vhd_io *io, const vhdx_guid *current, const vhdx_guid *next,
                                     const vhdx_writable_options *options,
                                     vhdx_reader_error *error);

#endif
