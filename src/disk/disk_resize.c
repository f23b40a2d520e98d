/* One resize for every format (disk_resize.h). */
#include "disk_resize.h"

#include <string.h>
#include "disk_error.h"
#include "disk_minimum.h"
#include "vhd_resize.h"
#include "vhdx_disk.h"
#include "vhdx_resize.h"

vhd_reader_code disk_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                            const disk_resize_options *options, disk_resize_report *report,
                            vhd_reader_error *error)
{
    const vhd_reader_options reader = { options ? options->allocate : NULL,
                                        options ? options->release : NULL };
    disk_image *image;
    vhd_reader_code code = disk_image_open(&image, io, &reader, error);
    memset(report, 0, sizeof *report);
    report->new_size = new_size;
    if (code != VHD_READER_OK)
        return code;
    const disk_info *info = disk_image_info(image);
    report->format = info->format;
    report->kind = info->kind;
    report->old_size = info->size;
    /* A shrink stops at the end of the last partition (or of the last allocated data); the
     * format's own rules (sizes, kinds) are checked first, by a dry run, for their reasons. */
    vhd_resize_report probe;
    vhdx_resize_report probe_x;
    vhdx_reader_error inner;
    if (new_size < info->size && report->format == DISK_FORMAT_VHD
        && (code = vhd_resize(io, new_size, true, &reader, NULL, &probe, error)) != VHD_READER_OK) {
        disk_image_close(image);
        return code;
    }
    if (new_size < info->size && report->format == DISK_FORMAT_VHDX) {
        const vhdx_writable_options probe_options = { NULL, NULL, reader.allocate,
                                                      reader.release };
        if (info->kind == DISK_KIND_DIFFERENCING)
            code = vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "shrinking a differencing "
                                   "VHDX is not supported by this version of vsdisk (its "
                                   "minimum size depends on its parent's partitions)");
        else if (vhdx_resize(io, new_size, true, &probe_options, NULL, &probe_x, &inner)
                 != VHDX_READER_OK)
            code = vhdx_disk_translate_error(&inner, error);
        if (code != VHD_READER_OK) {
            disk_image_close(image);
            return code;
        }
    }
    if (new_size < info->size && info->kind != DISK_KIND_DIFFERENCING) {
        disk_layout layout;
        code = disk_minimum_size(image, &report->minimum_size, &layout, error);
        if (code == VHD_READER_OK && new_size < report->minimum_size)
            code = vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the disk cannot be shrunk "
                                   "below %llu bytes (%llu MiB, rounded up), the end of %s; "
                                   "nothing was written", (unsigned long long)report->minimum_size,
                                   (unsigned long long)((report->minimum_size + (1u << 20) - 1)
                                                        >> 20),
                                   layout == DISK_LAYOUT_GPT ? "its last GPT partition"
                                   : layout == DISK_LAYOUT_MBR ? "its last MBR partition"
                                                               : "its last allocated data");
        if (code != VHD_READER_OK) {
            disk_image_close(image);
            return code;
        }
    }
    disk_image_close(image);

    disk_progress progress = { options && !dry_run ? options->progress : NULL,
                               options ? options->progress_ctx : NULL, 0 };
    if (report->format == DISK_FORMAT_VHD) {
        vhd_resize_report vhd;
        code = vhd_resize(io, new_size, dry_run, &reader, &progress, &vhd, error);
        report->old_size = vhd.old_size;
        report->blocks_moved = vhd.blocks_moved;
        report->finished_earlier = vhd.finished_earlier;
        if (code == VHD_READER_OK)
            disk_progress_step(&progress, 1, 1, 0, 99);
        return code;
    }
    if (report->format == DISK_FORMAT_VHDX) {
        vhdx_resize_report vhdx;
        const vhdx_writable_options writable = { options ? options->random : NULL,
                                                 options ? options->ctx : NULL, reader.allocate,
                                                 reader.release };
        if (writable.random == NULL && !dry_run)
            return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "a VHDX's resize needs "
                                   "random numbers for its new GUIDs");
        if (vhdx_resize(io, new_size, dry_run, &writable, &progress, &vhdx, &inner)
            != VHDX_READER_OK)
            return vhdx_disk_translate_error(&inner, error);
        disk_progress_step(&progress, 1, 1, 0, 99);
        report->blocks_reserved = vhdx.blocks_reserved;
        report->table_moved = vhdx.table_moved;
        report->blocks_dropped = vhdx.blocks_dropped;
        return VHD_READER_OK;
    }
    return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "resizing a %s is not supported",
                           disk_format_name(report->format));
}
