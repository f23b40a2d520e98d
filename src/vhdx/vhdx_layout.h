/* Where everything goes in a new VHDX file, laid out as Windows lays it out (the Hyper-V-made
 * sample: log at 1 MiB, metadata at 2 MiB, BAT at 3 MiB, first block at 4 MiB), internal to
 * the writers:
 *
 *   0          file type identifier: "vhdxfile", creator "vsdisk VERSION" (UTF-16LE)
 *   64 KiB     header 1 (sequence 0)  } the commit: zeros until everything else is
 *   128 KiB    header 2 (sequence 1)  } written and flushed, then one write
 *   192 KiB    region table 1: BAT, then metadata (Windows' order), both required
 *   256 KiB    region table 2 (the same)
 *   1 MiB      log, 1 MiB of zeros (LogGuid zero: nothing to replay)
 *   2 MiB      metadata region, 1 MiB: the table, then the items packed from 64 KiB in
 *              Windows' order (file parameters, virtual disk size, logical sector size,
 *              physical sector size, virtual disk id), the parent locator last
 *   3 MiB      BAT region: the entries, rounded up to 1 MiB
 *   data_offset  a fixed disk's payload blocks, contiguous (block n at data_offset + n *
 *              block_size); where a dynamic or differencing disk's first block will go
 *   file_size
 * Everything not listed is zero. */
#ifndef VHDX_LAYOUT_H
#define VHDX_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "vhdx_create.h"
#include "vhdx_format.h"

#define VHDX_LAYOUT_LOG_OFFSET       (1u * VHDX_MiB)
#define VHDX_LAYOUT_LOG_LENGTH       VHDX_MiB
#define VHDX_LAYOUT_METADATA_OFFSET  (2u * VHDX_MiB)
#define VHDX_LAYOUT_METADATA_LENGTH  VHDX_MiB
#define VHDX_LAYOUT_BAT_OFFSET       (3u * VHDX_MiB)
#define VHDX_LAYOUT_ITEMS_OFFSET     VHDX_METADATA_TABLE_SIZE   /* from the metadata region */
/* The commit: both headers, and the reserved bytes between them, in one write. */
#define VHDX_LAYOUT_COMMIT_OFFSET    VHDX_HEADER1_OFFSET
#define VHDX_LAYOUT_COMMIT_SIZE      (VHDX_HEADER2_OFFSET + VHDX_HEADER_SIZE - VHDX_HEADER1_OFFSET)
#define VHDX_LAYOUT_REGION_COUNT     2u
/* The meaningful head of a region table: its 16-byte header and two entries. */
#define VHDX_LAYOUT_REGION_HEAD      (VHDX_REGION_TABLE_HEADER_SIZE + \
                                      VHDX_LAYOUT_REGION_COUNT * VHDX_REGION_TABLE_ENTRY_SIZE)
#define VHDX_LAYOUT_MAX_ITEMS        6u

typedef enum vhdx_layout_kind {
    VHDX_LAYOUT_DYNAMIC,
    VHDX_LAYOUT_FIXED,
    VHDX_LAYOUT_DIFFERENCING
} vhdx_layout_kind;

/* One metadata item: its table entry (offset from the region's start). */
typedef struct vhdx_layout_item {
    const vhdx_guid *item_id;
    uint32_t offset;
    uint32_t length;
    uint32_t flags;
} vhdx_layout_item;

typedef struct vhdx_layout {
    vhdx_layout_kind kind;
    /* The disk. */
    uint64_t virtual_size;
    uint32_t block_size, logical_sector_size, physical_sector_size;
    uint32_t file_parameters_flags;     /* LeaveBlockAllocated (fixed) or HasParent */
    /* BAT geometry [spec 2.4-2.5]. */
    uint64_t chunk_ratio, data_blocks, bat_entries;
    uint32_t bat_length;                /* the region: bat_entries * 8 rounded up to 1 MiB */
    uint64_t data_offset;               /* the end of the BAT region */
    uint64_t file_size;
    /* The metadata table, in order. */
    unsigned item_count;
    vhdx_layout_item items[VHDX_LAYOUT_MAX_ITEMS];
    uint32_t locator_length;            /* bytes of the parent locator item; 0 without */
} vhdx_layout;

/* The bytes the layout does not decide: the encoded head of the region table (its checksum
 * covers 64 KiB, so it is encoded once, vhdx_layout_region_table), the virtual disk id, and
 * a child's parent. */
typedef struct vhdx_layout_content {
    uint8_t region_table[VHDX_LAYOUT_REGION_HEAD];
    vhdx_guid virtual_disk_id;
    const vhdx_parent_facts *parent;    /* differencing only */
} vhdx_layout_content;

/* The layout of a disk of this kind, options and parent (NULL unless differencing), the
 * defaults applied; VHDX_CREATE_VALID or why not (layout zeroed). */
vhdx_create_check vhdx_layout_compute(vhdx_layout_kind kind, const vhdx_create_options *options,
                                      const vhdx_parent_facts *parent, vhdx_layout *layout);

/* Encodes the 64 KiB region table into scratch (VHDX_REGION_TABLE_SIZE bytes) and keeps its
 * head, with the checksum, in content. */
void vhdx_layout_region_table(const vhdx_layout *layout, vhdx_layout_content *content,
                              uint8_t *scratch);

/* The BAT entry at index (below layout->bat_length / 8): a fixed disk's payload entries
 * FULLY_PRESENT at their block, everything else 0 (NOT_PRESENT). */
uint64_t vhdx_layout_bat_entry(const vhdx_layout *layout, uint64_t index);

/* Fills buf with the file bytes at [offset, offset + len) before the commit: everything in
 * place except both headers (zeros), and zeros in a fixed disk's data area. The range must
 * lie inside the file. */
void vhdx_layout_fill(const vhdx_layout *layout, const vhdx_layout_content *content,
                      uint64_t offset, uint8_t *buf, size_t len);

/* The commit bytes, [VHDX_LAYOUT_COMMIT_OFFSET, + VHDX_LAYOUT_COMMIT_SIZE): header 1
 * (sequence 0), reserved zeros, header 2 (sequence 1), both with the options' GUIDs, LogGuid
 * zero and the 1 MiB log at 1 MiB. */
void vhdx_layout_headers(const vhdx_create_options *options,
                         uint8_t out[VHDX_LAYOUT_COMMIT_SIZE]);

#endif
