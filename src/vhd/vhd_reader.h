/* The VHD reader: opens one image of any kind (fixed, dynamic, differencing) made by anyone,
 * checks every field against the file before using it, and finds its sectors. Chains of
 * images (any format) are the neutral layer's: disk_chain.h; the error type and the parent
 * opener below serve it too.
 *
 * Files come from anyone. The rules: every offset is computed in 64 bits and checked against
 * the file size before it is read; memory is bounded whatever the file claims (an image holds
 * its decoded header, at most VHD_READER_LOCATOR_MAX_BYTES of locator text per locator, one
 * BAT window of VHD_READER_BAT_WINDOW bytes and one bitmap sector: under 64 KiB; a chain is
 * at most DISK_CHAIN_MAX_DEPTH images, disk_chain.h); every loop is bounded by the file size
 * or a constant. */
#ifndef VHD_READER_H
#define VHD_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_format.h"
#include "vhd_io.h"
#include "vhd_status.h"

#define VHD_PLATFORM_NONE 0x00000000u
#define VHD_PLATFORM_WI2R 0x57693272u   /* "Wi2r": deprecated, relative, ANSI */
#define VHD_PLATFORM_WI2K 0x5769326Bu   /* "Wi2k": deprecated, absolute, ANSI */
#define VHD_PLATFORM_W2RU 0x57327275u   /* "W2ru": relative path, UTF-16LE */
#define VHD_PLATFORM_W2KU 0x57326B75u   /* "W2ku": absolute path, UTF-16LE */
#define VHD_PLATFORM_MAC  0x4D616320u   /* "Mac ": Mac OS alias blob (not decoded) */
#define VHD_PLATFORM_MACX 0x4D616358u   /* "MacX": file URL, UTF-8 */
/* Not a locator: the parent's name from the dynamic header, offered to the opener last. */
#define VHD_PLATFORM_UNICODE_NAME 0xFFFFFFFFu

#define VHD_READER_LOCATOR_MAX_BYTES 2048u       /* a longer locator is refused */
#define VHD_READER_BAT_WINDOW 4096u              /* bytes of BAT held in memory at once */
/* A bound of the reader's own heap use: per image (this much plus the decoded locators and
 * parent name, VHD_PARENT_LOCATOR_COUNT * (VHD_READER_LOCATOR_MAX_BYTES * 3 / 2 + 1) + 769). */
#define VHD_READER_IMAGE_HEAP_MAX (sizeof(struct vhd_image_info) + VHD_READER_BAT_WINDOW \
    + VHD_SECTOR_SIZE + 512 + VHD_PARENT_LOCATOR_COUNT * (VHD_READER_LOCATOR_MAX_BYTES * 3 / 2 + 1) \
    + 769)

typedef enum vhd_reader_code {
    VHD_READER_OK = 0,
    VHD_READER_IO,                  /* the file could not be read: see io_status */
    VHD_READER_NO_MEMORY,
    /* The file is not a valid VHD (VM_E_INVALID_HD_FILE): */
    VHD_READER_TRUNCATED,           /* it ends before what its fields describe */
    VHD_READER_BAD_FOOTER,          /* no valid footer at the end nor a copy at offset 0 */
    VHD_READER_BAD_HEADER,          /* dynamic header cookie, checksum or version */
    VHD_READER_BAD_FIELD,           /* a footer or header field holds an impossible value */
    VHD_READER_BAD_BAT,             /* a block outside the file or over the metadata */
    VHD_READER_BAD_LOCATOR,         /* a parent locator outside the file, overlapping, undecodable */
    /* The chain (parent) of a differencing disk: */
    VHD_READER_PARENT_NOT_FOUND,    /* no locator names a file that opens */
    VHD_READER_PARENT_ID_MISMATCH,  /* a file was found but its unique id is not the one expected */
    VHD_READER_PARENT_INVALID,      /* the parent file is not a valid VHD */
    VHD_READER_PARENT_SIZE_MISMATCH,
    VHD_READER_CHAIN_LOOP,          /* the same disk (unique id or file) twice in the chain */
    VHD_READER_CHAIN_TOO_DEEP,      /* more than DISK_CHAIN_MAX_DEPTH images */
    /* The caller's request: */
    VHD_READER_OUT_OF_RANGE,        /* sectors beyond the disk's size */
    VHD_READER_NOT_POSSIBLE         /* a change this file has no room or no field for */
} vhd_reader_code;

typedef struct vhd_reader_error {
    vhd_reader_code code;
    vhd_status io_status;           /* for VHD_READER_IO (else VHD_OK) */
    int os_error;                   /* the back end's os_error for VHD_READER_IO */
    char reason[320];               /* one sentence naming the field and its value */
} vhd_reader_error;

/* A short name of the code ("truncated file"); never NULL. */
const char *vhd_reader_code_name(vhd_reader_code code);
/* True for the codes that mean "this file is not a valid VHD". */
bool vhd_reader_code_is_invalid_file(vhd_reader_code code);

typedef struct vhd_reader_options {
    /* Allocator for everything the reader keeps; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
} vhd_reader_options;

typedef struct vhd_locator_info {
    uint32_t platform_code;
    uint32_t platform_data_space;   /* as stored */
    uint32_t platform_data_length;
    uint64_t platform_data_offset;
    const char *path;               /* decoded UTF-8 (W2ku, W2ru, MacX, Wi2k, Wi2r), else NULL */
} vhd_locator_info;

typedef struct vhd_image_info {
    vhd_footer footer;              /* the footer in use, decoded */
    bool footer_from_copy;          /* the one at the end was damaged; the copy at 0 is used */
    uint64_t file_size;
    /* Dynamic and differencing disks only (zero for fixed). */
    vhd_dynamic_header header;
    uint32_t blocks;                /* BAT entries the disk size needs: ceil(size / block) */
    uint32_t allocated_blocks;
    uint32_t sectors_per_block;
    uint32_t bitmap_size;           /* bytes before each block's data, a multiple of 512 */
    /* Differencing disks only. */
    const char *parent_name;        /* header's parent Unicode name in UTF-8 ("" if none) */
    unsigned locator_count;         /* non-empty entries, in table order */
    vhd_locator_info locators[VHD_PARENT_LOCATOR_COUNT];
} vhd_image_info;

typedef struct vhd_image vhd_image;

/* Opens the image in io, which must be open for reading (io->open done); the image reads
 * through io but never closes it. On failure *image is NULL and error says why. */
vhd_reader_code vhd_image_open(vhd_image **image, vhd_io *io, const vhd_reader_options *options,
                               vhd_reader_error *error);
void vhd_image_close(vhd_image *image);
const vhd_image_info *vhd_image_get_info(const vhd_image *image);
vhd_io *vhd_image_io(const vhd_image *image);

/* Where the sectors from lba on live in this image alone: a run of up to max_sectors
 * (never crossing a block) that are all in the file (present, from file_offset on) or all
 * not (zeros for fixed and dynamic disks' unwritten sectors; the parent's for a
 * differencing disk). */
typedef struct vhd_extent {
    bool present;
    uint64_t file_offset;
    uint32_t sectors;
} vhd_extent;
vhd_reader_code vhd_image_map(vhd_image *image, uint64_t lba, uint32_t max_sectors,
                              vhd_extent *extent, vhd_reader_error *error);

/* Reads count sectors at lba of this image alone (zeros where it holds nothing). */
vhd_reader_code vhd_image_read_sectors(vhd_image *image, uint64_t lba, uint32_t count,
                                       void *buf, vhd_reader_error *error);

/* "adb71975-4b5b-0b40-b025-d06dab31b26f": the 16 bytes in stored order, as vhdiinfo prints. */
void vhd_unique_id_format(const uint8_t unique_id[16], char out[37]);
/* "{7519B7AD-5B4B-400B-B025-D06DAB31B26F}": the bytes read as a Microsoft GUID (Windows). */
void vhd_unique_id_format_guid(const uint8_t unique_id[16], char out[39]);

/* What identifies a file for loop detection (device and inode, volume and file index). */
typedef struct vhd_file_identity {
    bool known;
    uint64_t volume, file;
} vhd_file_identity;

typedef struct vhd_parent_candidate {
    uint32_t platform_code;         /* a VHD_PLATFORM_ code, or VHD_PLATFORM_UNICODE_NAME */
    const char *path;               /* UTF-8, as stored (Windows separators kept) */
} vhd_parent_candidate;

/* What the opener returns for a parent it opened. */
typedef struct vhd_parent_file {
    vhd_io *io;                     /* open for reading */
    const char *name;               /* its path, passed back as child_name one level up */
    vhd_file_identity identity;
    void *handle;                   /* the opener's own */
} vhd_parent_file;

/* How a chain finds parents: the caller decides how a locator maps to a file. */
typedef struct vhd_parent_opener {
    /* Opens the file candidate names (relative ones relative to child_name's folder).
     * VHD_OK with *file filled; VHD_E_NOT_FOUND (or another status) if it cannot. */
    vhd_status (*open)(void *ctx, const char *child_name, const vhd_parent_candidate *candidate,
                       vhd_parent_file *file);
    /* Closes and frees what a successful open() returned. */
    void (*close)(void *ctx, vhd_parent_file *file);
    void *ctx;
} vhd_parent_opener;

/* Re-points the differencing disk in io (open for reading and writing) at a moved parent.
 * parent_id must be the unique id the child's header expects, else
 * VHD_READER_PARENT_ID_MISMATCH and nothing is written. The W2ku locator and the header's
 * parent name get absolute_path, the W2ru locator relative_path (NULL: left as it is); all
 * UTF-8, Windows separators. The new header and locators are first opened by the reader in
 * memory (over the file, nothing written); the locator data is then written (the new path,
 * zero-filled over the old one) and flushed, then the header in one write, and flushed. A
 * failure at any point leaves a child that opens, with the old locators or the new ones.
 * VHD_READER_NOT_POSSIBLE if the child has no W2ku locator or a path does not fit its space. */
vhd_reader_code vhd_relink_parent(vhd_io *io, const uint8_t parent_id[16],
                                  const char *absolute_path, const char *relative_path,
                                  vhd_reader_error *error);

#endif
