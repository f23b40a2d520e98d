/* Cylinder/head/sector geometry stored in the footer, by the specification's algorithm
 * (appendix "CHS Calculation"). The product C*H*S never exceeds the disk size. */
#ifndef VHD_GEOMETRY_H
#define VHD_GEOMETRY_H

#include <stdint.h>
#include "vhd_format.h"

vhd_disk_geometry vhd_geometry_from_sectors(uint64_t total_sectors);
vhd_disk_geometry vhd_geometry_from_size(uint64_t size_bytes);

#endif
