/* Builds small VHD images in memory for the reader tests and the fuzzer's seeds, written
 * independently of the reader: fixed, dynamic and differencing, with blocks and parent
 * locators, laid out footer copy | header | BAT | locators | blocks | footer. Fields can
 * then be changed (builder_set32/64) and the checksums refreshed. */
#ifndef VHD_BUILDER_H
#define VHD_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUILDER_MAX_BLOCKS 64

struct builder_spec {
    uint32_t disk_type;             /* 2, 3 or 4 */
    uint64_t size;                  /* current = original size */
    uint32_t block_size;            /* dynamic / differencing */
    uint8_t unique_id[16];
    uint8_t parent_id[16];          /* differencing */
    const char *parent_w2ru;        /* ASCII; NULL for none */
    const char *parent_w2ku;
    const char *parent_name;
    unsigned allocated;             /* blocks 0..allocated-1 get data, all bitmap bits set */
    uint8_t fill;                   /* the data bytes of allocated blocks */
};

struct built_image {
    uint8_t *data;
    size_t size;
    /* Where things are, for mutations. */
    size_t header_at, bat_at, bat_entries, locator_at[2], first_block_at, footer_at;
};

/* malloc'd image; aborts the test process when out of memory. */
void builder_build(const struct builder_spec *spec, struct built_image *image);
void builder_free(struct built_image *image);

void builder_set32(uint8_t *p, uint32_t v);
void builder_set64(uint8_t *p, uint64_t v);
/* Recomputes the checksums of the footer at 0 (for sparse disks), at the end, and the header. */
void builder_fix_checksums(struct built_image *image);
/* Recomputes one footer's checksum at offset. */
void builder_fix_footer_at(struct built_image *image, size_t offset);
void builder_fix_header(struct built_image *image);

/* Footer and header field offsets. */
enum {
    F_FEATURES = 8, F_VERSION = 12, F_DATA_OFFSET = 16, F_ORIGINAL = 40, F_CURRENT = 48,
    F_TYPE = 60, F_CHECKSUM = 64, F_UID = 68,
    H_DATA_OFFSET = 8, H_TABLE = 16, H_VERSION = 24, H_ENTRIES = 28, H_BLOCK = 32,
    H_CHECKSUM = 36, H_PARENT_UID = 40, H_PARENT_NAME = 64, H_LOCATORS = 576
};

#endif
