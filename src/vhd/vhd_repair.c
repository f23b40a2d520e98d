/* Repair of a VHD, in place (vhd_repair.h). The disk is read leniently, without the reader,
 * which refuses most of the disks this is for. In order, each step flushed before the next:
 *   1. the footers read and the one that describes the disk picked (vhd_repair_footer.c says
 *      which wins); nothing describes it (a fixed disk cut short, not a VHD): refused;
 *   2. a dynamic header whose checksum is stale while its fields are consistent (a hand edit
 *      of the parent's name): the checksum recomputed, one 1024-byte write;
 *   3. block table entries outside the file, over the metadata or on another block: refused,
 *      or with accept_loss dropped (vhd_repair_table.c);
 *   4. the footers: a missing or damaged end footer rebuilt (over the file's last sector
 *      when nothing uses it, else right after the last block), a stale checksum recomputed,
 *      a damaged or disagreeing copy rewritten from the winner, and the creator application
 *      'vsdk' of vsdisk 0.1 and 0.2 (which qemu sizes by the CHS geometry, short) made 'win ';
 *   5. a differencing disk's locators that no longer open its parent, found another way and
 *      with the expected id: rewritten to it, as the re-link does (vhd_repair_parent.c).
 * Why nothing is lost: no step writes a byte of guest data or a block table entry that is
 * kept; each write puts a valid structure over a damaged one, or a valid one over a valid
 * one while the other copy stays valid, so a torn write leaves what was there before; the
 * file is never cut (space nothing refers to is left to compact). Running the repair again
 * after a crash redoes what was not done (each step looks at the disk as it is). */
#include "vhd_repair_internal.h"

#include <string.h>
#include "disk_error.h"

vhd_reader_code vhd_repair(vhd_io *io, const disk_repair_options *options,
                           disk_repair_report *report, vhd_reader_error *error)
{
    vhd_repair_job r;
    vhd_reader_code code;
    bool usable;

    memset(&r, 0, sizeof r);
    r.io = io;
    r.options = options;
    r.report = report;
    r.error = error;
    vhd_status status = io->get_size(io, &r.file_size);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, io, status, "the file's size", 0);
    if ((code = vhd_repair_pick_footer(&r, &usable)) != VHD_READER_OK || !usable)
        return code;
    report->kind = r.footer.disk_type == VHD_DISK_TYPE_FIXED ? DISK_KIND_FIXED
                   : r.footer.disk_type == VHD_DISK_TYPE_DYNAMIC ? DISK_KIND_DYNAMIC
                                                                  : DISK_KIND_DIFFERENCING;
    if (r.sparse) {
        if ((code = vhd_repair_header_checksum(&r)) != VHD_READER_OK
            || (code = vhd_repair_table(&r)) != VHD_READER_OK)
            return code;
    }
    if ((code = vhd_repair_write_footers(&r)) != VHD_READER_OK)
        return code;
    return vhd_repair_parent_paths(&r);
}
