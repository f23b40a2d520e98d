/* The VHD room's own checks of an image its reader accepted (disk_image_class.check): what the
 * reader forgives or does not look at. */
#ifndef VHD_CHECK_H
#define VHD_CHECK_H

#include "disk_problem.h"
#include "vhd_reader.h"

/* Blocks whose places in the file the check sorts (8 bytes each, 32 MiB at most): a disk with
 * more cannot be checked (VHD_READER_NO_MEMORY, "could not finish"). 2040 GiB in 2 MiB blocks
 * is 1,044,480; only blocks under 512 KiB could have more. */
#define VHD_CHECK_BLOCKS_MAX (1u << 22)

/* impl is a vhd_image. Reports:
 *   end-footer-damaged    (corruption) the footer at the end is missing or damaged: the copy
 *                         at offset 0 is in use;
 *   footer-copies-differ  (corruption) both footers valid but not the same bytes;
 *   geometry-too-large    (corruption) CHS addresses more sectors than the disk's size;
 *   blocks-overlap        (corruption) two block table entries share bytes of the file;
 *   unreferenced-space    (leak) a run of the file at least a block (or 1 MiB) long that no
 *                         structure and no block table entry refers to. */
vhd_reader_code vhd_check_image(void *impl, disk_problem_sink sink, void *ctx,
                                vhd_reader_error *error);

#endif
