/* Outcome of a disk I/O operation. Back ends map their OS errors onto these. */
#ifndef VHD_STATUS_H
#define VHD_STATUS_H

typedef enum vhd_status {
    VHD_OK = 0,
    VHD_E_INVALID_SIZE,   /* not a multiple of 512, or outside 3 MiB .. 2040 GiB */
    VHD_E_EXISTS,         /* something (file, folder, link) is already at the target */
    VHD_E_NOT_FOUND,      /* opening: the file or a folder on its path does not exist;
                             creating: a folder on its path does not exist (ENOENT) */
    VHD_E_NOT_DIRECTORY,  /* a component of the path is not a folder */
    VHD_E_ACCESS,         /* permission denied or read-only volume */
    VHD_E_NO_SPACE,       /* the volume is full */
    VHD_E_TOO_LARGE,      /* the file system cannot hold a file that large */
    VHD_E_INVALID_PATH,   /* the path is not acceptable to the back end */
    VHD_E_NO_MEMORY,
    VHD_E_IO,             /* any other I/O failure */
    VHD_E_CANCELLED,
    VHD_E_NOT_SUPPORTED,  /* the back end or file system cannot do this (e.g. reserve space) */
    VHD_E_END_OF_FILE,    /* a read reached past the end of the file */
    VHD_E_IN_USE          /* another process holds the file for writing (or, for a writer,
                             holds it open refusing writers) */
} vhd_status;

/* One sentence in English, without a trailing period; never NULL. */
const char *vhd_status_message(vhd_status status);

#endif
