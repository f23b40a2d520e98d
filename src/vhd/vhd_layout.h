/* Where everything goes in a new, empty dynamic or differencing disk, laid out as current
 * Windows does.
 *
 * Dynamic:                                 Differencing (Windows 10, both samples):
 *   0            footer copy (512)           0            footer copy (512)
 *   512          dynamic header (1024)       512          dynamic header (1024)
 *   1536         block allocation table      4096         W2ku locator data (4 KiB space)
 *                                            8192         block allocation table
 *   table_end    0xFF padding up to the next 4 KiB boundary (both)
 *                                            padding end  W2ru locator data (64 KiB space)
 *   ...          zeros
 *   footer_offset  footer (512); the first block's bitmap will take its place, so
 *   file_size      the first block's data starts here, 4 KiB aligned.
 * Unused table entries are 0xFFFFFFFF; everything not listed is zero.
 */
#ifndef VHD_LAYOUT_H
#define VHD_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "vhd_format.h"
#include "vhd_status.h"

#define VHD_LAYOUT_ALIGNMENT 4096u
#define VHD_HEADER_OFFSET    512u
#define VHD_TABLE_OFFSET     1536u

/* The differencing layout Windows writes. */
#define VHD_DIFF_TABLE_OFFSET          8192u
#define VHD_DIFF_ABSOLUTE_OFFSET       4096u
#define VHD_DIFF_ABSOLUTE_SPACE        4096u     /* bytes, as Windows stores the data space */
#define VHD_DIFF_RELATIVE_SPACE        65536u
#define VHD_LAYOUT_MAX_LOCATORS        2u

/* One parent locator's data area and what it holds. */
typedef struct vhd_layout_locator {
    uint64_t offset;
    uint32_t space;            /* bytes reserved */
    const uint8_t *data;       /* the platform data (not copied); NULL for an empty area */
    uint32_t length;           /* bytes of data, at most space */
} vhd_layout_locator;

typedef struct vhd_layout {
    uint64_t size_bytes;
    uint32_t max_table_entries;   /* ceil(size_bytes / block size) */
    uint64_t table_offset;
    uint64_t table_end;
    uint64_t table_padding_end;
    unsigned locator_count;
    vhd_layout_locator locators[VHD_LAYOUT_MAX_LOCATORS];
    uint64_t footer_offset;
    uint64_t file_size;
} vhd_layout;

/* Fails with VHD_E_INVALID_SIZE (layout zeroed) unless vhd_validate_size() accepts the size. */
vhd_status vhd_layout_compute(uint64_t size_bytes, vhd_layout *layout);

/* The differencing layout: locators[0] is the absolute (W2ku) area at 4096, locators[1] the
 * relative (W2ru) area after the table; their data and length are left for the caller. */
vhd_status vhd_layout_compute_differencing(uint64_t size_bytes, vhd_layout *layout);

/* Fills buf with the file bytes at [offset, offset + len) as they are before the commit:
 * everything in place except the dynamic header, whose 1024 bytes are zeros.
 * footer is the encoded footer; the range must lie inside the file. */
void vhd_layout_fill(const vhd_layout *layout, const uint8_t footer[VHD_FOOTER_SIZE],
                     uint64_t offset, uint8_t *buf, size_t len);

#endif
