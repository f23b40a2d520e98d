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
    const char *final_path;   /* staged: create() makes path, publish() names it this */
    uint64_t unflushed;       /* bytes written since writeback was last started */
    uint64_t device, inode;   /* of the file open() opened: its identity */
};

void vhd_io_posix_init(struct vhd_io_posix *posix, const char *path);

/* A back end that stages a new file: create() fails with VHD_E_EXISTS if anything is at
 * final_path, then makes temp_path (in the same folder); publish() links it as final_path
 * (never replacing anything there), removes the temporary name and flushes the folder. Both
 * strings must outlive the back end. */
void vhd_io_posix_init_staged(struct vhd_io_posix *posix, const char *temp_path,
                              const char *final_path);

/* The status for an errno value. */
vhd_status vhd_status_from_errno(int error);

#endif
