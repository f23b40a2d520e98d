/* The file a creation writes: its folders, the checks on its volume, and its exclusive
 * creation, all done on the caller's thread before the task starts. */
#ifndef VSDISK_DISK_TARGET_H
#define VSDISK_DISK_TARGET_H

#include <windows.h>
#include "disk_image.h"
#include "host_error.h"
#include "vhd_io_win32.h"

/* What the volume must hold, by kind of disk. */
enum disk_target_kind {
    DISK_TARGET_DYNAMIC,        /* 8 MB free; fully expanded within the file-size limit */
    DISK_TARGET_FIXED,          /* size + 512 free, checked before anything is written */
    DISK_TARGET_DIFFERENCING,   /* as dynamic (the child can grow to the parent's size) */
    DISK_TARGET_FLOPPY          /* a floppy disk image (floppy_file.h): size_bytes free */
};

/* What a new disk will be: its format, kind and sizes (0: the format's default). */
struct disk_target_shape {
    disk_format format;
    enum disk_target_kind kind;
    ULONGLONG size_bytes;           /* a differencing disk's: its parent's */
    ULONG block_size;               /* VHDX only */
    ULONG logical_sector_size;      /* VHDX only: a differencing disk's is its parent's */
    ULONG physical_sector_size;     /* VHDX only */
};

struct disk_target {
    WCHAR *path;
    ULONGLONG size_bytes;
    enum disk_target_kind kind;
    struct disk_target_shape shape;
    WCHAR **created_folders;        /* outermost first */
    size_t created_count;
    struct vhd_io_win32 io;         /* created and open once prepared */
    struct host_error *error;       /* where prepare reports a failure */
};

/* Creates missing folders, checks free space and the volume's file-size limit for a disk of
 * that shape, and creates the file exclusively. On failure fills error and leaves nothing
 * behind. */
HRESULT disk_target_prepare_shape(const WCHAR *path, const struct disk_target_shape *shape,
                                  struct disk_target **out, struct host_error *error);
/* The same for a VHD. */
HRESULT disk_target_prepare(const WCHAR *path, enum disk_target_kind kind, ULONGLONG size_bytes,
                            struct disk_target **out, struct host_error *error);

/* The file a fixed disk of that shape is, complete: what its volume must hold. */
ULONGLONG disk_target_fixed_file_size(const struct disk_target_shape *shape);
/* A new disk's format, by its path's extension as New-VHD decides: ".vhdx" in any case makes a
 * VHDX, anything else a VHD. */
disk_format disk_target_format_of_path(const WCHAR *path);

/* Removes the folders prepare created (innermost first; only those still empty). */
void disk_target_remove_folders(struct disk_target *target);
/* Closes the file if open and frees the target; removes nothing. */
void disk_target_free(struct disk_target *target);

#endif
