/* Creation of differencing VHD files, laid out as Windows 10 lays them out. The caller opens
 * and validates the parent (any kind of VHD, its chain resolved) and passes what the child
 * records about it. */
#ifndef VHD_CREATE_DIFFERENCING_H
#define VHD_CREATE_DIFFERENCING_H

#include <stddef.h>
#include <stdint.h>
#include "vhd_create.h"
#include "vhd_format.h"
#include "vhd_io.h"
#include "vhd_status.h"

/* The longest parent paths each place can hold, in UTF-16 code units. */
#define VHD_PARENT_NAME_MAX_UNITS      256u    /* header's 512-byte parent Unicode name */
/* A relative path is kept to 4 KiB too, although its area is 64 KiB: no real path is longer. */
#define VHD_PARENT_RELATIVE_MAX_UNITS  2048u

typedef struct vhd_parent_facts {
    uint64_t size_bytes;               /* the parent's current size: the child's size */
    vhd_disk_geometry geometry;        /* the parent's CHS, copied */
    uint8_t unique_id[16];             /* the parent footer's unique id, raw bytes */
    /* The child's parent time stamp. vsdisk passes the parent file's last-write time (seconds
     * since 2000-01-01 UTC), as VirtualBox, blktap, DiscUtils and SIMH do; Windows 10 writes
     * 0. See docs/formats.md, "Differencing disks". */
    uint32_t timestamp;
    /* UTF-16 code units, no terminator. The absolute path goes into the header's parent
     * Unicode name (big-endian) and the W2ku locator (little-endian); the relative one
     * (".\\base.vhd", relative to the child's folder) into W2ru. relative_length 0: no
     * relative locator (e.g. the parent is on another drive). */
    const uint16_t *absolute_path;
    size_t absolute_length;
    const uint16_t *relative_path;
    size_t relative_length;
} vhd_parent_facts;

/* VHD_OK if a child of this parent can be written: a valid size (vhd_validate_size), an
 * absolute path of 1 to VHD_PARENT_NAME_MAX_UNITS units and a relative one of at most
 * VHD_PARENT_RELATIVE_MAX_UNITS (VHD_E_INVALID_PATH otherwise). */
vhd_status vhd_validate_parent(const vhd_parent_facts *parent);

/* Size of the file a new child of a parent of size_bytes occupies; 0 for an invalid size. */
uint64_t vhd_differencing_file_size(uint64_t size_bytes);

/* Writes a new differencing disk into a file io->create() has made, then flushes and closes
 * it; options->size_bytes is ignored (the child has the parent's size). The header goes last,
 * after a flush, as for a dynamic disk. On any failure or cancel the file is closed and
 * removed. The parent itself is never touched: only its facts are used. */
vhd_status vhd_write_differencing(vhd_io *io, const vhd_create_options *options,
                                  const vhd_parent_facts *parent);

/* vhd_validate_parent(), io->create(), vhd_write_differencing(). */
vhd_status vhd_create_differencing(vhd_io *io, const vhd_create_options *options,
                                   const vhd_parent_facts *parent);

#endif
