/* Creation of dynamically expanding VHD files. */
#ifndef VHD_CREATE_H
#define VHD_CREATE_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhd_status.h"

#define VHD_MIN_SIZE  (3ull * 1024 * 1024)               /* 3 MiB */
#define VHD_MAX_SIZE  (2040ull * 1024 * 1024 * 1024)     /* 2040 GiB = 0xFF000000 sectors */
#define VHD_BLOCK_SIZE (2u * 1024 * 1024)
/* Largest buffer creation ever allocates, whatever the disk size. */
#define VHD_CREATE_BUFFER_MAX (1024u * 1024)

typedef struct vhd_create_options {
    uint64_t size_bytes;          /* the disk size a guest sees, exactly */
    uint32_t timestamp;           /* seconds since 2000-01-01 00:00:00 UTC */
    uint8_t unique_id[16];        /* stored as given (Microsoft GUID byte layout) */
    /* Called with a percentage that never goes back; 100 only once the disk is complete,
     * flushed and closed. May be NULL. */
    void (*progress)(void *ctx, unsigned percent);
    /* Polled between writes; returning true stops the creation with VHD_E_CANCELLED.
     * May be NULL. */
    bool (*cancelled)(void *ctx);
    void *ctx;
    /* Largest buffer this creation may use: 0 means VHD_CREATE_BUFFER_MAX, and larger values
     * are capped at it. A smaller one costs more writes and less memory. */
    size_t buffer_max;
    /* Allocator for the one buffer a creation uses; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
} vhd_create_options;

/* Size of the file a new dynamic disk of size_bytes occupies, and the size of the same
 * disk once every block is allocated. Both 0 for an invalid size. */
uint64_t vhd_dynamic_file_size(uint64_t size_bytes);
uint64_t vhd_dynamic_expanded_file_size(uint64_t size_bytes);

vhd_status vhd_validate_size(uint64_t size_bytes);

/* Writes a new dynamic disk into a file io->create() has already made, then flushes and
 * closes it. On any failure or cancel the file is closed and removed. */
vhd_status vhd_write_dynamic(vhd_io *io, const vhd_create_options *options);

/* io->create() followed by vhd_write_dynamic(). Nothing is created for an invalid size. */
vhd_status vhd_create_dynamic(vhd_io *io, const vhd_create_options *options);

/* Timestamp for Unix time t (clamped to the format's range). */
uint32_t vhd_timestamp_from_unix(int64_t unix_seconds);

/* Turns 16 random bytes into a version-4 GUID in Microsoft byte layout, as Windows stores it. */
void vhd_unique_id_from_random(uint8_t unique_id[16], const uint8_t random[16]);

#endif
