/* Creation of VHDX files (MS-VHDX): dynamic, fixed and differencing disks, laid out as Windows
 * lays them out (vhdx_layout.h), written through vhd_io with progress, cancel and one bounded
 * buffer, as the VHD writers do.
 *
 * Commit order, for every kind: every byte of the file except the two headers is written
 * (the file type identifier, both region tables, the log, the metadata, the BAT and, for a
 * fixed disk, the reserved data area) and flushed; then the headers go out in ONE write of
 * [64 KiB, 132 KiB) and are flushed. Until then the 128 KiB of both header slots hold zeros,
 * and a VHDX with no header whose signature ("head") and CRC-32C are right has no current
 * header: MS-VHDX calls that file corrupt and every reader refuses it (qemu: "No valid VHDX
 * header found"; libvhdi; Windows' vhdmp). The identifier goes out in the first pass, so
 * qemu's format probe names an unfinished file VHDX and refuses it, never opening it as raw.
 * A torn commit leaves either no valid header (refused) or a whole header 1 over a file
 * already complete and flushed: the finished disk (qemu and vsdisk open it; libvhdi, which
 * wants both headers, refuses it). On any failure or cancel the file is closed and removed. */
#ifndef VHDX_CREATE_H
#define VHDX_CREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhd_status.h"
#include "vhdx_format.h"

/* Defaults, as Windows (New-VHD, CreateVirtualDisk with zeros) writes them. */
#define VHDX_DEFAULT_BLOCK_SIZE        (32u * 1024 * 1024)
/* Differencing disks: 2 MiB, the block size of Microsoft's own VHDX code (openvmm) and of
 * DiscUtils for children; Windows' own default for a child is not documented. Small blocks
 * keep a child small: each first write into a block of the parent's data allocates a whole
 * block in the child. */
#define VHDX_DEFAULT_DIFFERENCING_BLOCK_SIZE (2u * 1024 * 1024)
#define VHDX_DEFAULT_LOGICAL_SECTOR_SIZE  512u
#define VHDX_DEFAULT_PHYSICAL_SECTOR_SIZE 4096u

/* Largest buffer a creation allocates, whatever the disk; the smallest it ever uses is
 * VHDX_CREATE_BUFFER_MIN (the commit write of both headers, a region table). */
#define VHDX_CREATE_BUFFER_MAX (1024u * 1024)
#define VHDX_CREATE_BUFFER_MIN (68u * 1024)

/* The longest parent path a child records, in UTF-16 code units (Windows' long-path limit;
 * the three paths and the locator's header then fit in the metadata region's 1 MiB). */
#define VHDX_PARENT_PATH_MAX_UNITS 32767u

typedef struct vhdx_create_options {
    /* The size a guest sees, exactly: a multiple of the logical sector size, at most
     * VHDX_MAX_DISK_SIZE (64 TiB). Ignored for a differencing disk (the parent's size). */
    uint64_t size_bytes;
    /* Bytes per payload block: a power of two from 1 MiB to 256 MiB; 0 for the default
     * (VHDX_DEFAULT_BLOCK_SIZE, or VHDX_DEFAULT_DIFFERENCING_BLOCK_SIZE for a child). */
    uint32_t block_size;
    /* 512 or 4096; 0 for the defaults (512 logical, 4096 physical). Ignored for a
     * differencing disk, which has its parent's. */
    uint32_t logical_sector_size;
    uint32_t physical_sector_size;
    /* Random, stored as given (Microsoft's GUID byte layout; vhd_unique_id_from_random makes
     * version-4 GUIDs from random bytes). virtual_disk_id is ignored for a differencing disk,
     * which copies its parent's (it is a virtual-disk item). */
    vhdx_guid file_write_guid;
    vhdx_guid data_write_guid;
    vhdx_guid virtual_disk_id;
    /* Called with a percentage that never goes back; 100 only once the disk is complete,
     * flushed and closed. May be NULL. */
    void (*progress)(void *ctx, unsigned percent);
    /* Polled between writes; returning true stops the creation with VHD_E_CANCELLED.
     * May be NULL. */
    bool (*cancelled)(void *ctx);
    void *ctx;
    /* Largest buffer this creation may use: 0 means VHDX_CREATE_BUFFER_MAX; larger values are
     * capped at it, smaller ones raised to VHDX_CREATE_BUFFER_MIN. */
    size_t buffer_max;
    /* Allocator for the one buffer a creation uses; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
} vhdx_create_options;

/* What a child records about its parent. The caller opens and checks the parent (a VHDX: a
 * child's parent is always of its own format) and passes its facts; the parent itself is
 * never touched. */
typedef struct vhdx_parent_facts {
    /* Copied into the child: the parent's virtual-disk items. */
    uint64_t size_bytes;
    uint32_t logical_sector_size;
    uint32_t physical_sector_size;
    vhdx_guid virtual_disk_id;
    /* The parent's DataWriteGuid now: the locator's parent_linkage. */
    vhdx_guid data_write_guid;
    /* The locator's path keys, UTF-16 code units without a terminator and without a NUL
     * inside; length 0 leaves a key out, but at least one must be there. They are stored as
     * given: the caller writes Windows' forms (relative_path ".\\base.vhdx" relative to the
     * child's folder, volume_path "\\\\?\\Volume{GUID}\\dir\\base.vhdx", absolute_win32_path
     * "C:\\dir\\base.vhdx"), or on Linux the paths it resolves. */
    const uint16_t *relative_path;
    size_t relative_length;
    const uint16_t *volume_path;
    size_t volume_length;
    const uint16_t *absolute_win32_path;
    size_t absolute_win32_length;
    /* A second acceptable parent identity, the locator's parent_linkage2 (MS-VHDX footnote 12:
     * a Merge records the parent's next DataWriteGuid there before changing it); written only
     * when has_data_write_guid2 (creators leave it out). */
    bool has_data_write_guid2;
    vhdx_guid data_write_guid2;
} vhdx_parent_facts;

struct vhdx_image_info;
/* The virtual-disk items and DataWriteGuid of a parent the reader opened (its info), for a
 * child; the path keys are left empty for the caller. */
void vhdx_parent_facts_from_info(vhdx_parent_facts *parent, const struct vhdx_image_info *info);

/* Why options (or a parent's facts) cannot make a disk. Checked before anything is written. */
typedef enum vhdx_create_check {
    VHDX_CREATE_VALID = 0,
    VHDX_CREATE_SIZE_ZERO,                 /* size_bytes is 0 */
    VHDX_CREATE_SIZE_NOT_SECTOR_MULTIPLE,  /* not a multiple of the logical sector size */
    VHDX_CREATE_SIZE_TOO_LARGE,            /* above 64 TiB */
    VHDX_CREATE_BAD_BLOCK_SIZE,            /* not a power of two from 1 MiB to 256 MiB */
    VHDX_CREATE_BAD_LOGICAL_SECTOR_SIZE,   /* neither 512 nor 4096 */
    VHDX_CREATE_BAD_PHYSICAL_SECTOR_SIZE,  /* neither 512 nor 4096 */
    VHDX_CREATE_PARENT_NO_PATH,            /* no path key at all */
    VHDX_CREATE_PARENT_PATH_TOO_LONG,      /* a path above VHDX_PARENT_PATH_MAX_UNITS */
    VHDX_CREATE_PARENT_PATH_HAS_NUL        /* a path with a NUL unit, or a length and no path */
} vhdx_create_check;

/* One sentence in English, without a trailing period; never NULL. */
const char *vhdx_create_check_message(vhdx_create_check check);
/* The vhd_status a creation returns for it: VHD_E_INVALID_SIZE for the sizes (disk, block,
 * sectors), VHD_E_INVALID_PATH for the parent's paths, VHD_OK for VHDX_CREATE_VALID. */
vhd_status vhdx_create_check_status(vhdx_create_check check);

/* Dynamic and fixed disks. */
vhdx_create_check vhdx_check_options(const vhdx_create_options *options);
/* A differencing disk: the parent's sizes and paths, and the options' block size. */
vhdx_create_check vhdx_check_differencing(const vhdx_create_options *options,
                                          const vhdx_parent_facts *parent);

/* Size of the file a new disk occupies; 0 for options that do not make one. A dynamic or
 * differencing disk grows by block_size per block written; a fixed one is complete. */
uint64_t vhdx_dynamic_file_size(const vhdx_create_options *options);
uint64_t vhdx_fixed_file_size(const vhdx_create_options *options);
uint64_t vhdx_differencing_file_size(const vhdx_create_options *options,
                                     const vhdx_parent_facts *parent);

/* Write a new disk into a file io->create() has already made, then flush and close it. On any
 * failure or cancel (invalid options included) the file is closed and removed. */
vhd_status vhdx_write_dynamic(vhd_io *io, const vhdx_create_options *options);
/* Every payload block FULLY_PRESENT, contiguous after the BAT; the data area reserved with
 * io->allocate() in the steps a fixed VHD uses (vhd_fixed_allocation_step: each a progress and
 * cancel point), never sparse (Windows refuses a sparse VHDX), or written with zeros where
 * the back end cannot reserve. */
vhd_status vhdx_write_fixed(vhd_io *io, const vhdx_create_options *options);
/* HasParent, the parent's virtual-disk items, and the parent locator; every BAT entry
 * NOT_PRESENT. options->size_bytes and the sector sizes are ignored. */
vhd_status vhdx_write_differencing(vhd_io *io, const vhdx_create_options *options,
                                   const vhdx_parent_facts *parent);

/* The checks, then io->create(), then the writer. Nothing is created for invalid options:
 * the status is vhdx_create_check_status() of the check. */
vhd_status vhdx_create_dynamic(vhd_io *io, const vhdx_create_options *options);
vhd_status vhdx_create_fixed(vhd_io *io, const vhdx_create_options *options);
vhd_status vhdx_create_differencing(vhd_io *io, const vhdx_create_options *options,
                                    const vhdx_parent_facts *parent);

/* The creator string of the file type identifier: "vsdisk " VSDISK_VERSION. */
const char *vhdx_creator(void);

#endif
