/* The smallest size a disk can be shrunk to without losing what its guest laid out, as
 * Windows' ResizeVirtualDisk computes it (RESIZE_VIRTUAL_DISK_FLAG_RESIZE_TO_SMALLEST_SAFE_-
 * VIRTUAL_SIZE, Get-VHD's MinimumSize): the end of the last partition its GPT or MBR describes
 * (a GPT's primary header and entry array included; its backup at the disk's end is not kept);
 * for a disk with no partition table, the end of its last allocated data. Read only. */
#ifndef DISK_MINIMUM_H
#define DISK_MINIMUM_H

#include <stdint.h>
#include "disk_image.h"

typedef enum disk_layout {
    DISK_LAYOUT_NONE = 0,           /* no partition table: the last allocated data */
    DISK_LAYOUT_MBR = 1,
    DISK_LAYOUT_GPT = 2
} disk_layout;

/* *minimum in bytes (a multiple of 512, at most the disk's size) and what it was read from.
 * The image's own sectors only (a differencing image reads through its parent with
 * disk_chain; this takes a single image). Every field of the tables is checked against the
 * disk's size and every loop is bounded (GPT: at most 16,384 entries of at most 4 KiB). */
vhd_reader_code disk_minimum_size(disk_image *image, uint64_t *minimum, disk_layout *layout,
                                  vhd_reader_error *error);

#endif
