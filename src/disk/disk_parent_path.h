/* Whether a path a differencing disk records for its parent (a VHD's W2ku or W2ru locator, a
 * VHDX's relative_path, volume_path or absolute_win32_path) still opens that parent: shared by
 * check, which names a stale one, and the formats' repairs, which rewrite it. */
#ifndef DISK_PARENT_PATH_H
#define DISK_PARENT_PATH_H

#include <stddef.h>
#include <stdint.h>
#include "disk_image.h"
#include "vhd_reader.h"

typedef enum disk_parent_path_state {
    DISK_PARENT_PATH_OPENS,         /* it opens the parent */
    DISK_PARENT_PATH_STALE,         /* nothing opens there, or another file does */
    /* Not judged: the opener cannot read the path on this host (VHD_E_INVALID_PATH, as a
     * Windows drive or volume path on Linux), or memory ran out. */
    DISK_PARENT_PATH_UNKNOWN
} disk_parent_path_state;

/* Opens candidate through opener (relative paths from child_name's folder) and reads what it
 * opens by content: OPENS when it is a disk of format whose identity (a VHD's unique id, a
 * VHDX's DataWriteGuid: disk_info.id) is id, and then its name (as the opener named it) is
 * copied to found when found is empty and the name fits. Nothing is written. */
disk_parent_path_state disk_parent_path_judge(const vhd_parent_opener *opener,
                                              const char *child_name,
                                              const vhd_parent_candidate *candidate,
                                              disk_format format, const uint8_t id[16],
                                              char *found, size_t found_size);

/* Whether a candidate is a path vsdisk records and refreshes (W2ku, W2ru): the others (a
 * header's name, deprecated or Mac locators) are read but never judged stale. */
bool disk_parent_path_recorded(const vhd_parent_candidate *candidate);

#endif
