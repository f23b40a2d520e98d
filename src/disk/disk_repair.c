/* One repair for every format (disk_repair.h). The format is told by the first bytes, not by
 * opening the disk: a disk to repair may be one the reader refuses. */
#include "disk_repair.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "disk_error.h"
#include "vhd_repair.h"
#include "vhdx_repair.h"

static void say(char (*lines)[DISK_REPAIR_LINE_SIZE], unsigned *count, const char *format,
                va_list args)
{
    if (*count < DISK_REPAIR_LINES_MAX)
        vsnprintf(lines[*count], DISK_REPAIR_LINE_SIZE, format, args);
    (*count)++;
}

void disk_repair_say_change(disk_repair_report *report, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    say(report->change, &report->changes, format, args);
    va_end(args);
}

void disk_repair_say_refusal(disk_repair_report *report, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    say(report->refusal, &report->refused, format, args);
    va_end(args);
}

void disk_repair_say_loss(disk_repair_report *report, uint64_t offset, uint64_t length)
{
    if (report->losses < DISK_REPAIR_LOSSES_MAX)
        report->loss[report->losses] = (disk_repair_range){ offset, length };
    report->losses++;
    report->bytes_lost += length;
}

vhd_reader_code disk_repair(vhd_io *io, const disk_repair_options *options,
                            disk_repair_report *report, vhd_reader_error *error)
{
    uint8_t first[8];
    memset(report, 0, sizeof *report);
    vhd_reader_clear(error);
    vhd_status status = io->read_at(io, 0, first, sizeof first);
    if (status != VHD_OK && status != VHD_E_END_OF_FILE)
        return vhd_reader_fail_io(error, io, status, "reading the first bytes", 0);
    if (status == VHD_OK && memcmp(first, "vhdxfile", 8) == 0) {
        report->format = DISK_FORMAT_VHDX;
        return vhdx_repair(io, options, report, error);
    }
    report->format = DISK_FORMAT_VHD;
    return vhd_repair(io, options, report, error);
}
