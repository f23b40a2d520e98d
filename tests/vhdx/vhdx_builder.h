/* Builds small VHDX images in memory for the reader tests and the fuzzer's seeds, in
 * Windows' layout: header section, log at 1 MiB, metadata at 2 MiB, BAT at 3 MiB, then (for
 * a differencing disk) the sector bitmap block of chunk 0 and the payload blocks. Fields can
 * then be changed and the checksums refreshed; log entries can be written into the log. */
#ifndef VHDX_BUILDER_H
#define VHDX_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhdx_format.h"

#define MiB ((size_t)1 << 20)

struct vhdx_builder_spec {
    uint64_t virtual_size;          /* 0: 8 MiB */
    uint32_t block_size;            /* 0: 1 MiB */
    uint32_t logical_sector_size;   /* 0: 512 */
    uint32_t physical_sector_size;  /* 0: 4096 */
    bool fixed, differencing;
    unsigned present_blocks;        /* blocks 0..n-1 FULLY_PRESENT, holding the pattern */
    bool partial_block;             /* differencing: block present_blocks is PARTIALLY_PRESENT,
                                       its even sectors in this file */
    uint32_t log_length;            /* 0: 1 MiB */
};

/* Where things are, for mutations. */
struct vhdx_built {
    struct vhdx_builder_spec spec;
    uint8_t *data;
    size_t size;
    size_t header_at[2], region_at[2];
    size_t log_at, log_length, metadata_at, bat_at, bitmap_at, first_block_at;
    size_t item_at[6];              /* FP, size, id, LSS, PSS, locator (from the file's start) */
    unsigned metadata_entries;
    uint64_t chunk_ratio;
};

/* The byte every sector lba of the disk holds where the image has data. */
static inline uint8_t vhdx_builder_pattern(uint64_t lba)
{
    return (uint8_t)(lba * 7 + 1);
}

/* malloc'd image; aborts when out of memory. */
void vhdx_builder_build(const struct vhdx_builder_spec *spec, struct vhdx_built *built);
void vhdx_builder_free(struct vhdx_built *built);

/* Header i (0 or 1) as decoded; write it back with its checksum. */
void vhdx_builder_get_header(const struct vhdx_built *built, int i, vhdx_header *header);
void vhdx_builder_put_header(struct vhdx_built *built, int i, const vhdx_header *header);
/* Recomputes the checksum of header i, of region table i. */
void vhdx_builder_fix_header(struct vhdx_built *built, int i);
void vhdx_builder_fix_region_table(struct vhdx_built *built, int i);
/* Region table entry e of both copies: where it is in copy i. */
uint8_t *vhdx_builder_region_entry(struct vhdx_built *built, int i, unsigned e);
/* Metadata table entry e. */
uint8_t *vhdx_builder_metadata_entry(struct vhdx_built *built, unsigned e);
/* BAT entry index. */
uint64_t vhdx_builder_get_bat(const struct vhdx_built *built, uint64_t index);
void vhdx_builder_set_bat(struct vhdx_built *built, uint64_t index, uint64_t entry);

/* One log descriptor: zeros over length bytes at file_offset, or the 4 KiB sector data. */
struct vhdx_builder_descriptor {
    bool zero;
    uint64_t file_offset;
    uint64_t length;                /* zero descriptors */
    const uint8_t *data;            /* data descriptors: 4096 bytes */
};

struct vhdx_builder_entry {
    uint64_t sequence_number;
    uint32_t tail;                  /* log offset of the sequence's first entry */
    vhdx_guid log_guid;
    uint64_t flushed_file_offset, last_file_offset;
    unsigned descriptor_count;
    const struct vhdx_builder_descriptor *descriptors;
};

/* Writes the entry at log offset position (wrapping at the log's end) with its checksum;
 * returns its length in bytes. */
uint32_t vhdx_builder_write_log_entry(struct vhdx_built *built, uint32_t position,
                                      const struct vhdx_builder_entry *entry);
/* Sets LogGuid in both headers (refreshing their checksums). */
void vhdx_builder_set_log_guid(struct vhdx_built *built, const vhdx_guid *guid);
/* Grows (with zeros) or cuts the image to size bytes. */
void vhdx_builder_resize(struct vhdx_built *built, size_t size);

#endif
