/* What the tests of in-place VHDX changes share: a memory file that can be grown (set_size),
 * a deterministic source of "random" GUIDs, and reading a file's bytes as a VHDX reader sees
 * them (its in-memory log replay included). */
#ifndef VHDX_CHANGE_UTIL_H
#define VHDX_CHANGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory_io.h"
#include "vhdx_builder.h"
#include "vhdx_reader.h"
#include "vhdx_writable.h"

/* A memory_io over a copy of data, with set_size: closed, or open for reading and writing. */
void change_file_init(struct memory_io *mem, const uint8_t *data, size_t size);
void change_file_open(struct memory_io *mem, const uint8_t *data, size_t size);
/* Counter-based bytes (ctx: a uint64_t counter). */
void change_random(void *ctx, uint8_t out[16]);
extern uint64_t change_random_counter;
extern const vhdx_writable_options change_options;

/* Opens data read-only with the reader; VHDX_READER_OK and the info, or the failure. */
vhdx_reader_code change_view_open(const uint8_t *data, size_t size, vhdx_image_info *info,
                                  vhdx_reader_error *error);
/* Reads count 4 KiB sectors at offsets through the reader's view (log replayed in memory)
 * into out; fails the test if the file does not open. */
void change_view_sectors(const uint8_t *data, size_t size, const uint64_t *offsets, size_t count,
                         uint8_t *out);

/* Watches the order of a change's calls on a built file: counts the writes into its log and
 * the violations, a write into the log while a write into the data area (outside the header
 * section, log, BAT and metadata regions) is unflushed. A power cut loses every write since
 * the last flush together, so it cannot see data and the log entry naming it reach the disk in
 * the wrong order within one flush; this can. */
struct order_io {
    vhd_io io;
    vhd_io *inner;
    uint64_t fixed_start[4], fixed_end[4];
    bool data_unflushed;
    unsigned log_writes, violations;
};
void order_io_plug(struct order_io *o, vhd_io *inner, const struct vhdx_built *b);

/* Crash-point sampling: true when VSDISK_CRASH_ALL=1 asks for every point. */
bool crash_all(void);
/* Point n of count is tried: the first and last `ends` and about `spread` evenly spread
 * (every point with VSDISK_CRASH_ALL=1). */
bool crash_tried(unsigned n, unsigned count, unsigned ends, unsigned spread);

#endif
