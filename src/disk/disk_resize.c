/* One resize for every format (disk_resize.h). */
#include "disk_resize.h"

#include <string.h>
#include "disk_error.h"
#include "vhd_resize.h"

vhd_reader_code disk_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                            const vhd_reader_options *options, disk_resize_report *report,
                            vhd_reader_error *error)
{
    disk_image *image;
    vhd_reader_code code = disk_image_open(&image, io, options, error);
    memset(report, 0, sizeof *report);
    report->new_size = new_size;
    if (code != VHD_READER_OK)
        return code;
    const disk_info *info = disk_image_info(image);
    report->format = info->format;
    report->kind = info->kind;
    report->old_size = info->size;
    disk_image_close(image);

    if (report->format == DISK_FORMAT_VHD) {
        vhd_resize_report vhd;
        code = vhd_resize(io, new_size, dry_run, options, &vhd, error);
        report->old_size = vhd.old_size;
        report->blocks_moved = vhd.blocks_moved;
        report->finished_earlier = vhd.finished_earlier;
        return code;
    }
    return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "resizing a %s is not supported by "
                           "this version of vsdisk; nothing was written",
                           disk_format_name(report->format));
}
