#include "vhd_geometry.h"

vhd_disk_geometry vhd_geometry_from_sectors(uint64_t total_sectors)
{
    uint32_t sectors_per_track, heads, cylinder_times_heads;

    if (total_sectors > 65535u * 16u * 255u)
        total_sectors = 65535u * 16u * 255u;

    if (total_sectors >= 65535u * 16u * 63u) {
        sectors_per_track = 255;
        heads = 16;
        cylinder_times_heads = (uint32_t)(total_sectors / sectors_per_track);
    } else {
        sectors_per_track = 17;
        cylinder_times_heads = (uint32_t)(total_sectors / sectors_per_track);
        heads = (cylinder_times_heads + 1023) / 1024;
        if (heads < 4)
            heads = 4;
        if (cylinder_times_heads >= heads * 1024 || heads > 16) {
            sectors_per_track = 31;
            heads = 16;
            cylinder_times_heads = (uint32_t)(total_sectors / sectors_per_track);
        }
        if (cylinder_times_heads >= heads * 1024) {
            sectors_per_track = 63;
            heads = 16;
            cylinder_times_heads = (uint32_t)(total_sectors / sectors_per_track);
        }
    }

    vhd_disk_geometry geometry = {
        .cylinders = (uint16_t)(cylinder_times_heads / heads),
        .heads = (uint8_t)heads,
        .sectors_per_track = (uint8_t)sectors_per_track,
    };
    return geometry;
}

vhd_disk_geometry vhd_geometry_from_size(uint64_t size_bytes)
{
    return vhd_geometry_from_sectors(size_bytes / VHD_SECTOR_SIZE);
}

bool vhd_geometry_fits(const vhd_disk_geometry *g, uint64_t size_bytes)
{
    uint64_t chs = (uint64_t)g->cylinders * g->heads * g->sectors_per_track * VHD_SECTOR_SIZE;
    return chs <= size_bytes;
}
