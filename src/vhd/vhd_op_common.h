/* What the four disk operations share (internal to src/vhd): results with reasons, the zero
 * test, and the block table of an image read and written through a bounded window. */
#ifndef VHD_OP_COMMON_H
#define VHD_OP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_chain.h"
#include "vhd_format.h"
#include "vhd_io.h"
#include "vhd_ops.h"

#if defined(__GNUC__)
#define VHD_OP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VHD_OP_PRINTF(a, b)
#endif

/* Sets result and returns its code. */
vhd_op_code vhd_op_fail(vhd_op_result *result, vhd_op_code code, const char *format, ...)
    VHD_OP_PRINTF(3, 4);
/* For a failed I/O call: VHD_OP_NO_SPACE for a full volume, VHD_OP_CANCELLED for a cancel,
 * VHD_OP_NO_MEMORY, else VHD_OP_IO; the reason names what was being done. */
vhd_op_code vhd_op_fail_io(vhd_op_result *result, vhd_io *io, vhd_status status,
                           const char *doing);
vhd_op_code vhd_op_succeed(vhd_op_result *result);

bool vhd_is_zero(const void *buf, size_t len);

/* Sets the bits [first, first + count) of a bitmap whose most significant bit of byte 0 is
 * sector 0 (the VHD sector bitmap order). */
void vhd_bitmap_set(uint8_t *bitmap, uint32_t first, uint32_t count);
bool vhd_bitmap_test(const uint8_t *bitmap, uint32_t bit);

/* One image's block allocation table, read and written 1024 entries (4 KiB) at a time. */
#define VHD_BAT_WINDOW_ENTRIES 1024u
typedef struct vhd_bat {
    vhd_io *io;
    uint64_t table_offset;
    uint32_t entries;
    uint32_t first;           /* first entry in the window */
    uint32_t count;           /* entries in the window; 0 when empty */
    bool dirty;
    uint8_t window[VHD_BAT_WINDOW_ENTRIES * 4];
} vhd_bat;

void vhd_bat_init(vhd_bat *bat, vhd_io *io, uint64_t table_offset, uint32_t entries);
vhd_status vhd_bat_get(vhd_bat *bat, uint32_t index, uint32_t *entry);
/* Changes an entry in the window (loading its window first); vhd_bat_write_back writes it. A
 * change to an entry of another window writes the dirty one back first. */
vhd_status vhd_bat_set(vhd_bat *bat, uint32_t index, uint32_t entry);
vhd_status vhd_bat_write_back(vhd_bat *bat);

/* The geometry of a dynamic-format image's blocks, and where its metadata ends. */
typedef struct vhd_block_geometry {
    uint32_t block_size;
    uint32_t sectors_per_block;
    uint32_t bitmap_size;     /* bytes, a multiple of 512 */
    uint32_t blocks;          /* entries the disk size needs */
    uint64_t table_offset;
    uint64_t metadata_end;    /* end of the header, table and locator data */
} vhd_block_geometry;

void vhd_block_geometry_from_info(const vhd_image_info *info, vhd_block_geometry *geometry);

/* Offset of the first 4 KiB-aligned data area at or after `from` (its bitmap just before). */
uint64_t vhd_next_block_bitmap(const vhd_block_geometry *geometry, uint64_t from);

#endif
