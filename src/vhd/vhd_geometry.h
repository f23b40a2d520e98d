/* Cylinder/head/sector geometry stored in the footer, by the specification's algorithm
 * (appendix "CHS Calculation"). The product C*H*S never exceeds the disk size. */
#ifndef VHD_GEOMETRY_H
#define VHD_GEOMETRY_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_format.h"

vhd_disk_geometry vhd_geometry_from_sectors(uint64_t total_sectors);
vhd_disk_geometry vhd_geometry_from_size(uint64_t size_bytes);

/* Whether a stored geometry fits a disk of size_bytes: C*H*S*512 no more than the size, so a
 * reader that sizes the disk by its geometry (Virtual PC, old qemu) never reads past its end.
 * qemu's force_size writes 65535/16/255 whatever the size, which does not fit a small disk. */
bool vhd_geometry_fits(const vhd_disk_geometry *geometry, uint64_t size_bytes);

#endif
