/* Floppy image types, sizes and the blank image writer (floppy_format.h). */
#include "floppy_format.h"

#include <stddef.h>

#define SECTOR 512u
#define WRITE_CHUNK (64u * 1024)

struct floppy_geometry {
    floppy_type type;
    unsigned cylinders, heads, sectors_per_track;
    const char *name;
};

static const struct floppy_geometry geometries[] = {
    { FLOPPY_LOW_DENSITY,              80, 2,  9, "720 KB" },
    { FLOPPY_HIGH_DENSITY,             80, 2, 18, "1.44 MB" },
    { FLOPPY_DMF,                      80, 2, 21, "1.68 MB (DMF)" },
    { FLOPPY_LOW_DENSITY_SINGLE_SIDED, 80, 1,  9, "360 KB (single-sided)" },
    { FLOPPY_MEDIUM_DENSITY,           80, 2, 15, "1.2 MB (5.25-inch)" },
};
#define GEOMETRY_COUNT (sizeof geometries / sizeof geometries[0])

static const struct floppy_geometry *geometry_of(int type)
{
    for (size_t i = 0; i < GEOMETRY_COUNT; i++)
        if ((int)geometries[i].type == type)
            return &geometries[i];
    return NULL;
}

uint64_t floppy_image_size(int type)
{
    const struct floppy_geometry *g = geometry_of(type);
    return g ? (uint64_t)g->cylinders * g->heads * g->sectors_per_track * SECTOR : 0;
}

bool floppy_type_creatable(int type)
{
    return type == FLOPPY_LOW_DENSITY || type == FLOPPY_HIGH_DENSITY;
}

floppy_type floppy_type_of_size(uint64_t size)
{
    for (size_t i = 0; i < GEOMETRY_COUNT; i++)
        if (floppy_image_size((int)geometries[i].type) == size)
            return geometries[i].type;
    return FLOPPY_UNKNOWN;
}

const char *floppy_type_name(int type)
{
    const struct floppy_geometry *g = geometry_of(type);
    if (g)
        return g->name;
    return type == FLOPPY_HIGH_DENSITY_MSS ? "XDF" : "unknown";
}

vhd_status floppy_image_write(vhd_io *io, int type)
{
    static const uint8_t zeros[WRITE_CHUNK];
    uint64_t size = floppy_image_size(type);
    vhd_status status = VHD_OK;

    if (!floppy_type_creatable(type))
        status = VHD_E_INVALID_SIZE;
    /* In order, so that the file has its full size only once every byte is written. */
    for (uint64_t offset = 0; status == VHD_OK && offset < size; offset += WRITE_CHUNK) {
        size_t len = size - offset < WRITE_CHUNK ? (size_t)(size - offset) : WRITE_CHUNK;
        status = io->write_at(io, offset, zeros, len);
    }
    if (status == VHD_OK)
        status = io->flush(io);
    if (status == VHD_OK)
        status = io->close(io);
    if (status != VHD_OK)
        io->remove(io);
    return status;
}
