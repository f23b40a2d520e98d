/* What the three VHDX writers share (internal to src/vhdx): the checks behind the defaults,
 * progress and cancel, the one bounded buffer, copying pieces into a window of the file, the
 * parent locator's bytes, and the commit-ordered writer. */
#ifndef VHDX_WRITE_COMMON_H
#define VHDX_WRITE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhdx_create.h"
#include "vhdx_layout.h"

/* The geometry checks, on values with the defaults already applied. */
vhdx_create_check vhdx_check_geometry(uint64_t size_bytes, uint32_t block_size,
                                      uint32_t logical_sector_size, uint32_t physical_sector_size);
vhdx_create_check vhdx_check_parent_paths(const vhdx_parent_facts *parent);

/* Progress of one creation, by bytes of work done. */
typedef struct vhdx_progress {
    const vhdx_create_options *options;
    uint64_t total;
    uint64_t done;
    unsigned reported;
} vhdx_progress;

void vhdx_progress_init(vhdx_progress *progress, const vhdx_create_options *options,
                        uint64_t total);
/* Below 100 until the disk is complete. */
void vhdx_progress_advance(vhdx_progress *progress, uint64_t done);
/* 100: only once the disk is complete, flushed and closed. */
void vhdx_progress_complete(vhdx_progress *progress);
bool vhdx_cancel_requested(const vhdx_create_options *options);

/* The creation's buffer: options->buffer_max capped at VHDX_CREATE_BUFFER_MAX and raised to
 * VHDX_CREATE_BUFFER_MIN. NULL when out of memory. */
uint8_t *vhdx_buffer_acquire(const vhdx_create_options *options, size_t *size);
void vhdx_buffer_release(const vhdx_create_options *options, void *buffer);

/* Copies the part of [at, at + n) that falls inside the window [window, window + len) of the
 * file to its place in buf. */
void vhdx_window_put(uint64_t window, uint8_t *buf, size_t len, uint64_t at, const void *src,
                     size_t n);

/* The parent locator item: header, entries (parent_linkage, then the paths given:
 * relative_path, volume_path, absolute_win32_path) and their UTF-16LE keys and values. */
uint32_t vhdx_locator_length(const vhdx_parent_facts *parent);
/* Puts the item, which starts at file offset at, into the window. */
void vhdx_locator_put(const vhdx_parent_facts *parent, uint64_t at, uint64_t window,
                      uint8_t *buf, size_t len);

/* Writes the file in commit order into a file io->create() has made: every byte of
 * [0, layout->data_offset) but the headers, then (fixed disks) reserve_data(), flush, the
 * headers in one write, flush, close. On any failure or cancel the file is removed. */
typedef vhd_status (*vhdx_reserve_fn)(vhd_io *io, const vhdx_create_options *options,
                                      const vhdx_layout *layout, vhdx_progress *progress,
                                      uint8_t *buffer, size_t buffer_size);
vhd_status vhdx_write_file(vhd_io *io, const vhdx_layout *layout, const vhdx_guid *virtual_disk_id,
                           const vhdx_parent_facts *parent, const vhdx_create_options *options,
                           vhdx_reserve_fn reserve_data);

/* The two passes of vhdx_write_file, for writers that put data between them (vhdx_target.c):
 * every byte of [0, layout->data_offset) but the headers (a cancel point per buffer; progress
 * may be NULL; for a dynamic or differencing layout the ranges it knows to be zeros are not
 * written where io->set_size can give the file its size instead), and the commit: flush, the last cancel check, both headers in one write,
 * flush (buffer: at least VHDX_LAYOUT_COMMIT_SIZE bytes). */
vhd_status vhdx_write_prefix(vhd_io *io, const vhdx_layout *layout,
                             const vhdx_layout_content *content,
                             const vhdx_create_options *options, vhdx_progress *progress,
                             uint8_t *buffer, size_t buffer_size);
vhd_status vhdx_write_commit(vhd_io *io, const vhdx_create_options *options,
                             vhdx_progress *progress, uint8_t *buffer);

#endif
