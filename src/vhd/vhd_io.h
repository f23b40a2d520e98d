/* The small I/O interface every disk-writer operation goes through.
 * A back end embeds struct vhd_io as its first member and fills in the functions. */
#ifndef VHD_IO_H
#define VHD_IO_H

#include <stddef.h>
#include <stdint.h>
#include "vhd_status.h"

typedef struct vhd_io vhd_io;

struct vhd_io {
    /* Creates the target exclusively and opens it for writing. Never opens, truncates or
     * replaces anything already there, and never follows a link at the target. */
    vhd_status (*create)(vhd_io *io);
    vhd_status (*write_at)(vhd_io *io, uint64_t offset, const void *buf, size_t len);
    vhd_status (*flush)(vhd_io *io);
    vhd_status (*close)(vhd_io *io);
    /* Removes the file create() made. Closes it first if it is still open. */
    vhd_status (*remove)(vhd_io *io);
    /* errno or GetLastError() of the last failure, for messages; 0 if none. */
    int os_error;

    /* Fixed disks. */
    /* Reserves [offset, offset + len) of the open file: the file grows to at least
     * offset + len, and the range is allocated on the volume and reads as zeros, without
     * writing it. VHD_E_NOT_SUPPORTED when the file system (or the back end) cannot do that,
     * VHD_E_NO_SPACE when the volume cannot hold it. NULL means never supported. */
    vhd_status (*allocate)(vhd_io *io, uint64_t offset, uint64_t len);

    /* Disk operations (vhd_ops.h). */
    /* Sets the open file's size: cuts it there, or extends it with bytes that read as zeros.
     * NULL means never supported. */
    vhd_status (*set_size)(vhd_io *io, uint64_t size);
    /* For a back end whose create() makes the file under a temporary name: gives the closed
     * file its final name, durably, never replacing anything there (VHD_E_EXISTS). After it,
     * remove() no longer deletes it. NULL when create() makes the file at its final name. */
    vhd_status (*publish)(vhd_io *io);
};

#endif
