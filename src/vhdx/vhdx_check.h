/* The VHDX room's own checks of an image its reader accepted (disk_image_class.check): what the
 * reader forgives (one damaged copy of the header or the region table, a log to replay) or
 * does not look at (space nothing refers to). */
#ifndef VHDX_CHECK_H
#define VHDX_CHECK_H

#include "disk_problem.h"
#include "vhd_reader.h"

/* impl is a vhdx_image. Reports:
 *   header-1-damaged, header-2-damaged             (corruption) a header copy whose signature
 *                                                  or CRC-32C is wrong: the other is in use;
 *   region-table-1-damaged, region-table-2-damaged (corruption) the same for a region table;
 *   log-not-replayed   (corruption) the log holds entries not yet in the file (a crash);
 *   unreferenced-space (leak) space no region, log or BAT entry refers to: a run between
 *                      blocks at least a block long (1 MiB at least), or at least 1 MiB at the
 *                      end of the file (for a fixed disk: more than its blocks' size, the room
 *                      qemu's "fixed" VHDX reserves without placing its blocks). Found with a
 *                      map of the file's 1 MiB units (16 MiB at most). */
vhd_reader_code vhdx_check_image(void *impl, disk_problem_sink sink, void *ctx,
                                 vhd_reader_error *error);

#endif
