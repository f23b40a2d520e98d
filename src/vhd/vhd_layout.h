/* Where everything goes in a new, empty dynamic disk, laid out as current Windows does:
 *
 *   0                  footer copy (512)
 *   512                dynamic header (1024)
 *   1536               block allocation table: max_table_entries x 0xFFFFFFFF
 *   table_end          0xFF padding up to the next 4 KiB boundary
 *   table_padding_end  zeros
 *   footer_offset      footer (512); the first block's bitmap will take its place, so
 *   file_size          the first block's data starts here, 4 KiB aligned.
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

typedef struct vhd_layout {
    uint64_t size_bytes;
    uint32_t max_table_entries;   /* ceil(size_bytes / block size) */
    uint64_t table_end;
    uint64_t table_padding_end;
    uint64_t footer_offset;
    uint64_t file_size;
} vhd_layout;

/* Fails with VHD_E_INVALID_SIZE (layout zeroed) unless vhd_validate_size() accepts the size. */
vhd_status vhd_layout_compute(uint64_t size_bytes, vhd_layout *layout);

/* Fills buf with the file bytes at [offset, offset + len) as they are before the commit:
 * everything in place except the dynamic header, whose 1024 bytes are zeros.
 * footer is the encoded footer; the range must lie inside the file. */
void vhd_layout_fill(const vhd_layout *layout, const uint8_t footer[VHD_FOOTER_SIZE],
                     uint64_t offset, uint8_t *buf, size_t len);

#endif
