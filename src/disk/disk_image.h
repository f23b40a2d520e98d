/* The format-neutral disk: one image of any format vsdisk reads (VHD, VHDX), opened by its
 * content, never by its name; its kind, sizes and identity; where its sectors are. Each format
 * is a room of its own (src/vhd, ...) that fills in a disk_image_class; nothing here knows a
 * format's bytes. Chains of images are in disk_chain.h.
 *
 * Sector numbers and counts are in units of DISK_SECTOR_SIZE (512) bytes, whatever the
 * format's own logical sector size (a multiple of it). */
#ifndef DISK_IMAGE_H
#define DISK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_problem.h"
#include "vhd_io.h"
#include "vhd_reader.h"

#define DISK_SECTOR_SIZE 512u
/* Bytes at the start of a file a format's recognises() is shown. */
#define DISK_PROBE_BYTES 8u

typedef enum disk_format {
    DISK_FORMAT_VHD = 1,
    DISK_FORMAT_VHDX = 2,
    DISK_FORMAT_RAW = 3             /* a plain image of the guest's bytes: opened only when asked
                                       (raw_disk.h), written by raw_target.c */
} disk_format;

typedef enum disk_kind {
    DISK_KIND_FIXED = 1,
    DISK_KIND_DYNAMIC = 2,
    DISK_KIND_DIFFERENCING = 3
} disk_kind;

typedef struct disk_info {
    disk_format format;
    disk_kind kind;
    uint64_t size;                  /* the bytes a guest sees */
    uint64_t file_size;
    uint32_t block_size;            /* 0 where the format has no blocks (a fixed VHD) */
    uint32_t logical_sector_size;
    uint32_t physical_sector_size;
    /* What identifies this disk to its children and to loop detection: a VHD's unique id, a
     * VHDX's DataWriteGuid (what a child's parent_linkage names). */
    uint8_t id[16];
    /* The disk's own identity, as Windows reports it (Get-VHD's DiskIdentifier): a VHD's
     * unique id, a VHDX's virtual disk id (shared by a child and its parent). */
    uint8_t virtual_disk_id[16];
} disk_info;

/* A run of sectors of one image that share a state. */
typedef enum disk_extent_state {
    DISK_EXTENT_DATA,               /* in this file, from file_offset on */
    DISK_EXTENT_ZERO,               /* zeros, in this image */
    DISK_EXTENT_PARENT              /* not here: the parent's (zeros for a disk with none) */
} disk_extent_state;

typedef struct disk_extent {
    disk_extent_state state;
    uint64_t file_offset;           /* DISK_EXTENT_DATA only */
    uint32_t sectors;
} disk_extent;

/* What a format's room provides. impl is the room's own image. */
typedef struct disk_image_class {
    disk_format format;
    const char *name;               /* "VHD" */
    /* True if the file's first DISK_PROBE_BYTES bytes say this format; NULL for the format
     * tried when no other recognises the file (VHD: its footer may be at the end alone). */
    bool (*recognises)(const uint8_t head[DISK_PROBE_BYTES]);
    /* What recognises() looks for, for a refusal's reason ("which starts with
     * \"vhdxfile\""); NULL for the fallback. */
    const char *signature;
    vhd_reader_code (*open)(void **impl, vhd_io *io, const vhd_reader_options *options,
                            vhd_reader_error *error);
    void (*close)(void *impl);
    void (*describe)(const void *impl, disk_info *info);
    /* What the file offsets of extents refer to (a format that replays a log in memory lays
     * it over the file); NULL: the io the image was opened on. */
    vhd_io *(*data_io)(const void *impl);
    /* A run of up to max_sectors from lba on (never crossing a block). */
    vhd_reader_code (*map)(void *impl, uint64_t lba, uint32_t max_sectors, disk_extent *extent,
                           vhd_reader_error *error);
    /* The n-th place to look for the parent, in the order the format says to try them; false
     * past the last. Only called for a differencing image. */
    bool (*parent_candidate)(const void *impl, unsigned n, vhd_parent_candidate *candidate);
    /* VHD_READER_OK if parent (an image of the same class) is the disk child was made from;
     * else VHD_READER_PARENT_ID_MISMATCH with the ids in the reason. */
    vhd_reader_code (*check_parent)(const void *child, const char *child_name,
                                    const void *parent, const char *parent_name,
                                    vhd_reader_error *error);
    /* The format's own checks of an image its reader accepted (disk_check.h), beyond what
     * the reader refuses: each problem to sink. VHD_READER_OK once finished; VHD_READER_IO or
     * VHD_READER_NO_MEMORY if it could not finish. NULL: no checks of its own. */
    vhd_reader_code (*check)(void *impl, disk_problem_sink sink, void *ctx,
                             vhd_reader_error *error);
} disk_image_class;

typedef struct disk_image disk_image;

/* Opens the image in io (open for reading) as the format its content says; the image reads
 * through io but never closes it. On failure *image is NULL and error says why. */
vhd_reader_code disk_image_open(disk_image **image, vhd_io *io, const vhd_reader_options *options,
                                vhd_reader_error *error);
/* The same, as the format of class whatever the content (a raw image, which no content
 * names). */
vhd_reader_code disk_image_open_as(disk_image **image, const disk_image_class *class, vhd_io *io,
                                   const vhd_reader_options *options, vhd_reader_error *error);
void disk_image_close(disk_image *image);
/* The class disk_image_open would use for the file in io: the one whose format the file's
 * first bytes name, else the fallback (a file too short to hold them included, which the
 * fallback then refuses with the reason). Fails only when the file cannot be read. */
vhd_reader_code disk_image_probe(vhd_io *io, const disk_image_class **class,
                                 vhd_reader_error *error);
const disk_info *disk_image_info(const disk_image *image);
const disk_image_class *disk_image_class_of(const disk_image *image);
/* Where extents' file offsets point: reads of DISK_EXTENT_DATA go through it. */
vhd_io *disk_image_io(const disk_image *image);
/* The room's own image, for the room's own accessors (vhd_disk_image()). */
void *disk_image_impl(const disk_image *image);

vhd_reader_code disk_image_map(disk_image *image, uint64_t lba, uint32_t max_sectors,
                               disk_extent *extent, vhd_reader_error *error);
/* Reads count sectors at lba of this image alone (zeros where it holds nothing). */
vhd_reader_code disk_image_read_sectors(disk_image *image, uint64_t lba, uint32_t count,
                                        void *buf, vhd_reader_error *error);
/* The same, but the sectors the image leaves to its parent (DISK_EXTENT_PARENT) come from
 * parent(ctx, ...) (zeros if parent is NULL). */
typedef vhd_reader_code (*disk_parent_read)(void *ctx, uint64_t lba, uint32_t count,
                                            uint8_t *out, vhd_reader_error *error);
vhd_reader_code disk_image_read_through(disk_image *image, uint64_t lba, uint32_t count,
                                        void *buf, disk_parent_read parent, void *ctx,
                                        vhd_reader_error *error);

/* The format of a new disk at path, by its extension, as Hyper-V's New-VHD decides: ".vhdx"
 * (any case) is a VHDX, anything else a VHD (so old scripts' paths stay VHDs). */
disk_format disk_format_of_new_path(const char *path);

/* "VHD", "VHDX", "raw"; "fixed", "dynamic", "differencing". Never NULL. */
const char *disk_format_name(disk_format format);
const char *disk_kind_name(disk_kind kind);

#endif
