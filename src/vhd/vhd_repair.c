/* Repair, in place. So far it knows one problem: a disk vsdisk 0.1 or 0.2 made carries the
 * creator application "vsdk", which qemu (and every tool built on it) does not know, so it
 * sizes the disk by its CHS geometry, up to a cylinder short. The fix gives the footer the
 * creator application vsdisk writes since 0.3 ("win ", keeping the creator version, which
 * still says which vsdisk made the disk).
 *
 * Why nothing can be lost: only the footer changes, field by field the same but the creator
 * application and the checksum. Order: the footer at the end (one 512-byte write), flush; then,
 * for a dynamic or differencing disk, its copy at offset 0, flush. Each write puts a valid
 * footer over a valid footer, and the two copies agree at every instant on all the reader
 * compares (kind, header offset, size, unique id); the data, table and header are not written.
 * Running it again after a crash finishes the job (a copy still labelled "vsdk" is fixed). */
#include "vhd_ops.h"

#include <stdio.h>
#include <string.h>
#include "vhd_op_common.h"

static bool needs_relabel(const vhd_footer *footer)
{
    return memcmp(footer->creator_application, VHD_CREATOR_APPLICATION_VSDISK_0_2, 4) == 0;
}

static vhd_op_code read_footer_at(vhd_io *io, uint64_t offset, vhd_footer *footer, bool *valid,
                                  vhd_op_result *result)
{
    uint8_t bytes[VHD_FOOTER_SIZE];
    vhd_status status = io->read_at(io, offset, bytes, sizeof bytes);
    if (status != VHD_OK)
        return vhd_op_fail_io(result, io, status, "reading a footer");
    *valid = vhd_footer_decode(footer, bytes, sizeof bytes) == VHD_FORMAT_OK;
    return VHD_OP_OK;
}

static vhd_op_code relabel_at(vhd_io *io, uint64_t offset, vhd_footer footer,
                              vhd_op_result *result)
{
    uint8_t bytes[VHD_FOOTER_SIZE];
    memcpy(footer.creator_application, VHD_CREATOR_APPLICATION_WINDOWS, 4);
    vhd_footer_encode(&footer, bytes);
    vhd_status status = io->write_at(io, offset, bytes, sizeof bytes);
    if (status == VHD_OK)
        status = io->flush(io);
    if (status != VHD_OK)
        return vhd_op_fail_io(result, io, status, "writing the footer");
    return VHD_OP_OK;
}

static void describe(vhd_repair_report *report, const char *format, unsigned long long value)
{
    if (report->changes < VHD_REPAIR_CHANGES_MAX)
        snprintf(report->change[report->changes], sizeof report->change[0], format, value);
    report->changes++;
}

vhd_op_code vhd_repair(vhd_io *disk, bool dry_run, const vhd_create_options *options,
                       vhd_repair_report *report, vhd_op_result *result)
{
    vhd_reader_options reader_options = { options->allocate, options->release };
    vhd_reader_error error;
    vhd_image *image;
    vhd_op_code code = VHD_OP_OK;

    memset(report, 0, sizeof *report);
    vhd_op_succeed(result);
    if (vhd_image_open(&image, disk, &reader_options, &error) != VHD_READER_OK)
        return vhd_op_result_from_reader(result, "disk", &error);
    const vhd_image_info *info = vhd_image_get_info(image);
    vhd_footer end = info->footer, copy;
    bool sparse = end.disk_type != VHD_DISK_TYPE_FIXED, copy_valid = false;
    uint64_t end_offset = info->file_size - VHD_FOOTER_SIZE;
    uint64_t chs_bytes = (uint64_t)end.disk_geometry.cylinders * end.disk_geometry.heads
                         * end.disk_geometry.sectors_per_track * VHD_SECTOR_SIZE;
    bool end_damaged = info->footer_from_copy;
    vhd_image_close(image);

    if (end_damaged)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "the footer at the end of the file is damaged (only the copy at "
                           "offset 0 is valid); this version of vsdisk cannot repair that, and "
                           "the disk is not changed");
    if (sparse) {
        code = read_footer_at(disk, 0, &copy, &copy_valid, result);
        if (code != VHD_OP_OK)
            return code;
    }
    bool end_stale = needs_relabel(&end), copy_stale = copy_valid && needs_relabel(&copy);
    if (end_stale || copy_stale)
        describe(report, "creator application 'vsdk' (vsdisk 0.1 and 0.2) becomes 'win ': qemu "
                         "took the size from the CHS geometry, %llu bytes short", end.current_size
                         > chs_bytes ? (unsigned long long)(end.current_size - chs_bytes) : 0ull);
    if (dry_run || report->changes == 0)
        return VHD_OP_OK;

    if (end_stale)
        code = relabel_at(disk, end_offset, end, result);
    if (code == VHD_OP_OK && copy_stale)
        code = relabel_at(disk, 0, copy, result);
    return code;
}
