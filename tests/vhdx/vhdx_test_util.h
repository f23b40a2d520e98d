/* What the VHDX reader tests share: a counting allocator (the reader's heap seen through its
 * hook), opening an image held in memory, and checking a whole disk's content. */
#ifndef VHDX_TEST_UTIL_H
#define VHDX_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory_io.h"
#include "vhdx_reader.h"

extern size_t vhdx_heap_live, vhdx_heap_peak;
extern const vhdx_reader_options vhdx_counted;
void vhdx_heap_start(void);

/* An image over a copy of data[0, size) in memory; close with opened_close. */
struct opened {
    struct memory_io mem;
    vhdx_image *image;
    vhdx_reader_error error;
    vhdx_reader_code code;
};
void opened_open(struct opened *o, const uint8_t *data, size_t size);
void opened_close(struct opened *o);

/* The expected content of sector lba (logical sector size bytes) for the test's images. */
typedef void (*expected_sector_fn)(void *ctx, uint64_t lba, uint8_t *out);
/* Reads the whole disk in runs of varying length and compares every sector; also checks
 * that vhdx_image_map's extents agree with the bytes read. Fails the test on a difference. */
void check_content(vhdx_image *image, expected_sector_fn expected, void *ctx);

#endif
