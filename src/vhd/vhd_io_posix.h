/* The POSIX back end of vhd_io: one regular file, created exclusively or opened. */
#ifndef VHD_IO_POSIX_H
#define VHD_IO_POSIX_H

#include <stdbool.h>
#include "vhd_io.h"

struct vhd_io_posix {
    vhd_io io;            /* first member: a struct vhd_io_posix * is a vhd_io * */
    const char *path;     /* not copied: must outlive the back end */
    int fd;               /* -1 when not open */
    bool created;         /* create() made the file, so remove() may delete it */
    uint64_t device, inode;   /* of the file open() opened: its identity */
};

void vhd_io_posix_init(struct vhd_io_posix *posix, const char *path);

/* The status for an errno value. */
vhd_status vhd_status_from_errno(int error);

#endif
