/* Repair of a VHDX in place (the VHDX branch of disk_repair.h). What it fixes, each without
 * losing any data and each crash-safe:
 *   - a dirty log (entries a crash left unreplayed): replayed on disk by the writable open
 *     (vhdx_writable.h: idempotent, LogGuid cleared only once every entry is in place);
 *   - a damaged header copy (wrong signature or checksum, zeros, a torn write): the writable
 *     open writes the session's header first over the non-current slot, which is the damaged
 *     one, with the good header's SequenceNumber + 1, then over the good slot with + 2. The
 *     current header is always the valid one with the greater sequence number [spec 2.2.2],
 *     so the damaged copy's bytes never become current, and a cut during either write leaves
 *     the other slot valid and current;
 *   - a damaged region-table copy: rewritten from the valid copy (the one the reader uses) as
 *     one batch of 16 sectors through the log [spec 2.2.3], so a cut leaves the old bytes or
 *     the new ones, and the reader, which takes copy 1 when valid, sees a valid copy always.
 * What it refuses (nothing written, a refusal said): a file the reader refuses because of its
 * BAT (entries outside the file, overlapping, an allocated block cut off by the file's end):
 * clearing such entries loses the guest data they place. With accept_loss, the payload blocks
 * refused for where they lie are fixed after the rest (vhdx_repair_misplaced), the guest ranges
 * lost listed; other BAT damage (reserved bits or states, a sector bitmap entry) stays refused
 * as past repair. Anything else the reader refuses
 * (both header copies or both region-table copies damaged, a log with no valid entry, bad
 * metadata) is past repair: VHD_READER_NOT_POSSIBLE with the reader's reason.
 *   - ZERO payload entries that keep a FileOffsetMB, which the reader forgives and Hyper-V
 *     refuses: the offset cleared (nothing read changes), BAT sectors through the log.
 * Left as it is, losing nothing by staying: unreferenced space (check calls it a leak; compact
 * gives it back) and identical twin headers (Disk2VHD's, which the specification allows). */
#ifndef VHDX_REPAIR_H
#define VHDX_REPAIR_H

#include "disk_repair.h"
#include "vhdx_relink.h"
#include "vhdx_writable.h"

/* The heap a repair holds at most, whatever the file claims: the writable open's
 * (VHDX_WRITABLE_HEAP_MAX, its reader image included; the plan's reader image, smaller, is
 * closed before), a region table's 64 KiB held throughout, and with accept_loss the list of
 * misplaced blocks (under 8 KiB) and one batch of BAT sectors; the parent paths' refresh, last,
 * holds a re-link's (VHDX_RELINK_HEAP_MAX, which counts the writable open's and more). */
#define VHDX_REPAIR_HEAP_MAX(file_size, log_length) \
    (VHDX_RELINK_HEAP_MAX(file_size, log_length) + (size_t)VHDX_REGION_TABLE_SIZE \
     + (size_t)VHDX_LOG_WRITE_SECTORS_MAX * VHDX_LOG_SECTOR_SIZE + 8192u)

/* As disk_repair(), for a file that starts with "vhdxfile". report->format is set by the
 * caller; the report's lists are added to. options->random is needed unless dry_run. */
vhd_reader_code vhdx_repair(vhd_io *io, const disk_repair_options *options,
                            disk_repair_report *report, vhd_reader_error *error);

/* ZERO payload entries that keep a FileOffsetMB (vhdx_repair_zero.c). The BAT's place and
 * shape as the plan's reader found them. */
struct vhdx_bat_geometry {
    uint64_t bat_offset, entries, chunk_ratio, data_blocks;
};
/* Counts them, reading the BAT through view 4 KiB at a time into window (4 KiB). */
vhd_reader_code vhdx_repair_count_zero_offsets(vhd_io *view, const struct vhdx_bat_geometry *g,
                                               uint8_t *window, uint64_t *count,
                                               vhd_reader_error *error);
/* Clears their offsets through w's log (pages: VHDX_LOG_WRITE_SECTORS_MAX sectors of 4 KiB),
 * not settled; *cleared says how many. */
vhdx_reader_code vhdx_repair_clear_zero_offsets(vhdx_writable *w, vhd_io *io,
                                                const struct vhdx_bat_geometry *g,
                                                uint8_t *pages, uint64_t *cleared,
                                                vhdx_reader_error *error);

/* With accept_loss (vhdx_repair_loss.c): the payload blocks the reader refuses for where they
 * lie, extended for (a block cut off by the file's end: the part past it lost) or dropped
 * (NOT_PRESENT: the block lost), each said, each loss listed. */
vhd_reader_code vhdx_repair_misplaced(vhd_io *io, const disk_repair_options *options,
                                      disk_repair_report *report, vhd_reader_error *error);

/* Stale parent paths of a differencing VHDX, refreshed (vhdx_repair_parent.c): the last step,
 * on a file the reader opens, with options->opener, name and parent_paths (else nothing). */
vhd_reader_code vhdx_repair_parent_paths(vhd_io *io, const disk_repair_options *options,
                                         disk_repair_report *report, vhd_reader_error *error);

#endif
