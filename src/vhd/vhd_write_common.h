/* What the three disk writers share (internal to src/vhd): progress and cancel, the one
 * bounded buffer, the footer fields every kind has, and the commit-ordered writer of a
 * dynamic-format file (dynamic and differencing disks). */
#ifndef VHD_WRITE_COMMON_H
#define VHD_WRITE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_create.h"
#include "vhd_format.h"
#include "vhd_io.h"
#include "vhd_layout.h"

/* Progress of one creation, by units of work done (bytes). */
typedef struct vhd_progress {
    const vhd_create_options *options;
    uint64_t total;
    uint64_t done;
    unsigned reported;
} vhd_progress;

void vhd_progress_init(vhd_progress *progress, const vhd_create_options *options, uint64_t total);
/* Below 100 until the disk is complete. */
void vhd_progress_advance(vhd_progress *progress, uint64_t done);
/* 100: only once the disk is complete, flushed and closed. */
void vhd_progress_complete(vhd_progress *progress);

bool vhd_cancel_requested(const vhd_create_options *options);

/* The creation's buffer: options->buffer_max (capped at VHD_CREATE_BUFFER_MAX), no larger than
 * `needed` and no smaller than `minimum`. NULL when out of memory. */
uint8_t *vhd_buffer_acquire(const vhd_create_options *options, uint64_t needed, size_t minimum,
                            size_t *size);
void vhd_buffer_release(const vhd_create_options *options, void *buffer);

/* The footer fields common to every kind: cookie, features, version, timestamp, creator,
 * sizes, geometry from the size, unique id. */
void vhd_footer_prepare(vhd_footer *footer, const vhd_create_options *options, uint64_t size_bytes,
                        uint32_t disk_type, uint64_t data_offset);

/* Writes a dynamic-format file into a file io->create() has made, in commit order: every byte
 * of the layout with zeros where the dynamic header belongs, flush, then the header, flush,
 * close. Until the header's "cxsparse" cookie lands no reader accepts the file. On any
 * failure or cancel the file is closed and removed. */
vhd_status vhd_write_dynamic_format(vhd_io *io, const vhd_layout *layout,
                                    const uint8_t footer[VHD_FOOTER_SIZE],
                                    const uint8_t header[VHD_DYNAMIC_HEADER_SIZE],
                                    const vhd_create_options *options);

#endif
