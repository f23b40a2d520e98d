/* The small I/O interface every disk operation goes through.
 * A back end embeds struct vhd_io as its first member and fills in the functions. */
#ifndef VHD_IO_H
#define VHD_IO_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "vhd_status.h"

typedef struct vhd_io vhd_io;

/* How open() opens an existing file. */
typedef enum vhd_io_open_mode {
    /* Read only, sharing the file with other readers and writers: a reader never blocks a
     * writer, so what it reads may change under it (the reader checks every read). */
    VHD_IO_OPEN_READ = 0,
    /* Read and write, for in-place changes (a parent re-link, Merge's parent, Compact);
     * shared with readers only: VHD_E_IN_USE while another process holds it for writing or
     * opened it VHD_IO_OPEN_READ_DENY_WRITE. */
    VHD_IO_OPEN_READ_WRITE = 1,
    /* Read only, refusing writers (the source of Convert and MergeTo, Merge's child): VHD_E_IN_USE
     * while another process holds it for writing, and keeps writers out while open. */
    VHD_IO_OPEN_READ_DENY_WRITE = 2
} vhd_io_open_mode;

struct vhd_io {
    /* Creates the target exclusively and opens it for writing. Never opens, truncates or
     * replaces anything already there, and never follows a link at the target. */
    vhd_status (*create)(vhd_io *io);
    vhd_status (*write_at)(vhd_io *io, uint64_t offset, const void *buf, size_t len);
    vhd_status (*flush)(vhd_io *io);
    vhd_status (*close)(vhd_io *io);
    /* Removes the file create() made. Closes it first if it is still open. */
    vhd_status (*remove)(vhd_io *io);

    /* Reading (the reader, and in-place operations). */
    /* Opens the existing regular file; anything else (a folder, a device, a pipe) is
     * refused without blocking. close() closes it; remove() never deletes what open() opened. */
    vhd_status (*open)(vhd_io *io, vhd_io_open_mode mode);
    /* Reads exactly len bytes at offset: a read that would reach past the end of the file
     * fails with VHD_E_END_OF_FILE, never a short success. */
    vhd_status (*read_at)(vhd_io *io, uint64_t offset, void *buf, size_t len);
    /* The file's current size in bytes. */
    vhd_status (*get_size)(vhd_io *io, uint64_t *size);
    /* errno or GetLastError() of the last failure, for messages; 0 if none. */
    int os_error;

    /* Fixed disks. */
    /* Reserves [offset, offset + len) of the open file: the file grows to at least
     * offset + len, and the range is allocated on the volume and reads as zeros, without
     * writing it. VHD_E_NOT_SUPPORTED when the file system (or the back end) cannot do that,
     * VHD_E_NO_SPACE when the volume cannot hold it. NULL means never supported. */
    vhd_status (*allocate)(vhd_io *io, uint64_t offset, uint64_t len);
    /* How many allocate() calls reserve a whole data area (each is a progress and cancel
     * point); 0 means VHD_ALLOCATION_STEPS. A back end whose allocate() costs more the
     * further its range ends asks for fewer. */
    unsigned allocation_steps;

    /* Disk operations (vhd_ops.h). */
    /* Sets the open file's size: cuts it there, or extends it with bytes that read as zeros.
     * NULL means never supported. */
    vhd_status (*set_size)(vhd_io *io, uint64_t size);
    /* True where extending with set_size() also reserves the space (NTFS: SetEndOfFile
     * allocates, and the file is never sparse); false where it leaves a hole (POSIX ftruncate),
     * so a writer that wants the space reserved calls allocate() instead. */
    bool set_size_allocates;
    /* For a back end whose create() makes the file under a temporary name: gives the closed
     * file its final name, durably, never replacing anything there (VHD_E_EXISTS). After it,
     * remove() no longer deletes it. NULL when create() makes the file at its final name. */
    vhd_status (*publish)(vhd_io *io);

    /* Sparse sources (a raw image's holes, raw_disk.h). */
    /* Where the open file next holds data from offset on: *data_start is the first offset at
     * or after offset that may hold data and *data_end the end of that run (the next hole);
     * both are the file's size when no data follows. Bytes outside the runs read as zeros.
     * NULL means the back end cannot tell: all of the file is data. */
    vhd_status (*next_data)(vhd_io *io, uint64_t offset, uint64_t *data_start,
                            uint64_t *data_end);
};

#endif
