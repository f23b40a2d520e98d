/* A new disk written from start to end by an operation (Convert, MergeTo), in any format a
 * target can be: the interface each format's room implements (vhd_target.c, vhdx_target.c,
 * raw_target.c) and the one the operations call (disk_convert.c). The operation knows no
 * format's bytes; a target knows no operation.
 *
 * The calls, in order, on a file the operation has created (io->create()):
 *   check()   before anything is written: can this format hold a disk of these sizes?
 *   begin()   the format's metadata that goes before the data (nothing a reader accepts yet)
 *   write()   the guest's bytes in order, from 0 to virtual_size, in pieces that never cross a
 *             multiple of granule() bytes; a piece is data or known zeros
 *   finish()  what goes after the data, flushed; the last cancel check; then the commit write
 *             (from here a reader takes the file for the disk) and a flush
 *   end()     frees the target's state (after finish() or any failure)
 * The operation then closes the file and publishes it, or on any failure removes it. */
#ifndef DISK_TARGET_WRITER_H
#define DISK_TARGET_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_image.h"
#include "vhd_create.h"
#include "vhd_io.h"
#include "vhd_ops.h"

typedef struct disk_target_params {
    uint64_t virtual_size;            /* the bytes a guest sees, exactly */
    vhd_target_type type;             /* dynamic or fixed (a raw image is always sparse) */
    /* The source's sector sizes (a VHDX target keeps them); 0 for 512 logical and 4096
     * physical. */
    uint32_t logical_sector_size;
    uint32_t physical_sector_size;
    /* The source's top image: a target of the same format may keep what describes the disk
     * to its users when the size is unchanged (a VHD's CHS geometry). NULL for none. */
    const disk_image *like;
    /* Time stamp, unique id (from which a VHDX's GUIDs are made), cancel, allocator,
     * buffer bound. */
    const vhd_create_options *options;
} disk_target_params;

typedef struct disk_target_writer {
    disk_format format;
    const char *name;                 /* "VHD" */
    /* VHD_OP_OK, or the refusal (VHD_OP_TOO_LARGE, VHD_OP_UNSUPPORTED) with a reason naming
     * the source's size and the format's limit. Writes nothing. */
    vhd_op_code (*check)(const disk_target_params *params, vhd_op_result *result);
    /* Pieces given to write() never cross a multiple of this (a power of two); 0: any. */
    uint32_t (*granule)(const disk_target_params *params);
    /* scratch: the operation's buffer (a multiple of 512 bytes, at least 4 KiB), free to use
     * during the call. *state is set even on failure (NULL or state for end()). */
    vhd_op_code (*begin)(void **state, vhd_io *io, const disk_target_params *params,
                         uint8_t *scratch, size_t scratch_size, vhd_op_result *result);
    /* The guest bytes [offset, offset + len) (len a multiple of 512): buf holds them, or,
     * when zero is true, they are all zero and buf is scratch of len bytes the target may
     * use. */
    vhd_op_code (*write)(void *state, uint64_t offset, uint8_t *buf, size_t len, bool zero,
                         vhd_op_result *result);
    vhd_op_code (*finish)(void *state, vhd_op_result *result);
    void (*end)(void *state);
} disk_target_writer;

/* A target's state, zeroed, from the operation's allocator (options->allocate, else malloc);
 * NULL when out of memory. disk_target_state_free() gives it back (NULL is fine). */
void *disk_target_state_new(const disk_target_params *params, size_t size);
void disk_target_state_free(const disk_target_params *params, void *state);

extern const disk_target_writer vhd_target_writer;
extern const disk_target_writer vhdx_target_writer;
extern const disk_target_writer raw_target_writer;

/* The writer of a format; NULL for none. */
const disk_target_writer *disk_target_writer_for(disk_format format);

#endif
