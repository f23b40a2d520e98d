/* The VHD room's repair (disk_repair.h dispatches a VHD here). What it fixes and how each fix
 * keeps every sector readable at every instant is written at the top of vhd_repair.c. */
#ifndef VHD_REPAIR_H
#define VHD_REPAIR_H

#include "disk_repair.h"

/* Repairs the VHD in io (VHD_IO_OPEN_READ_WRITE; VHD_IO_OPEN_READ for options->dry_run) and
 * fills report (zeroed by the caller). VHD_READER_OK when it finished, whatever it refused;
 * VHD_READER_IO or VHD_READER_NO_MEMORY when it could not (the changes said until then were
 * made, the disk valid as before or partly repaired). */
vhd_reader_code vhd_repair(vhd_io *io, const disk_repair_options *options,
                           disk_repair_report *report, vhd_reader_error *error);

#endif
