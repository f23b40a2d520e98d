/* The VHDX reader: opens one image (fixed, dynamic or differencing) made by anyone, checks it
 * by the strict checklist of MS-VHDX with the leniencies real files need, replays a pending
 * log into memory (the file is never written), and maps and reads sectors of this image
 * alone. Parent chains are not followed here: the caller uses the parent locator entries and
 * compares the parent's DataWriteGuid with parent_linkage / parent_linkage2.
 *
 * Files come from anyone. Every offset is computed in 64 bits and checked against the file
 * before it is read; every loop is bounded by the file or a constant; the heap is bounded
 * whatever the file claims (VHDX_READER_IMAGE_HEAP_MAX). */
#ifndef VHDX_READER_H
#define VHDX_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"
#include "vhdx_format.h"

#define VHDX_READER_BAT_WINDOW 4096u            /* bytes of BAT held at once (512 entries) */
#define VHDX_READER_BITMAP_WINDOW 4096u         /* bytes of one sector bitmap held at once */
#define VHDX_READER_REGIONS_KEPT 16u            /* region entries listed in the info */
#define VHDX_READER_METADATA_KEPT 32u           /* metadata entries listed in the info */
#define VHDX_READER_LOCATOR_MAX_BYTES 65536u    /* a larger parent locator item is refused */
#define VHDX_READER_LOCATOR_ENTRIES_MAX 256u    /* key-value pairs (as openvmm) */
/* No object of a VHDX file (region, log, block) may end beyond this offset: 64 TiB of
 * payload plus every bitmap, table and log fits many times over. It bounds the map of the
 * file's 1 MiB units the open uses to find overlaps (2^27 bits, 16 MiB). */
#define VHDX_READER_MAX_FILE_SIZE (UINT64_C(1) << 47)
/* One replayed log descriptor held in memory (an offset into the log, not a copy). */
#define VHDX_READER_LOG_RECORD_SIZE 40u

/* The most the reader allocates for one image of a file of file_size bytes whose header's
 * log is log_length bytes long: the image itself, and after a replay its overlay and one log
 * sector (under 32 KiB together); while opening, a 64 KiB table buffer, the list of the
 * regions (at most 2047 and two more ranges, 24 bytes each), the parent locator (its bytes,
 * at most VHDX_READER_LOCATOR_MAX_BYTES, and their UTF-8 text, at most 1.5 times that and two
 * bytes a pair) and the overlap map of the file's 1 MiB units (one bit each, up to
 * VHDX_READER_MAX_FILE_SIZE); and the replayed log: one record per descriptor, at most one per
 * 32 bytes of log. Each term is bounded whatever the file claims. */
#define VHDX_READER_IMAGE_HEAP_MAX(file_size, log_length) \
    ((size_t)32768 + VHDX_REGION_TABLE_SIZE \
     + (size_t)(VHDX_REGION_ENTRY_MAX + 2) * 24 \
     + (size_t)VHDX_READER_LOCATOR_MAX_BYTES * 3 \
     + (size_t)(((file_size) < VHDX_READER_MAX_FILE_SIZE ? (file_size) \
                                                         : VHDX_READER_MAX_FILE_SIZE) \
                / VHDX_MiB / 8 + 8) \
     + (size_t)((uint64_t)(log_length) / VHDX_LOG_DESCRIPTOR_SIZE * VHDX_READER_LOG_RECORD_SIZE))

typedef enum vhdx_reader_code {
    VHDX_READER_OK = 0,
    VHDX_READER_IO,                 /* the file could not be read: see io_status */
    VHDX_READER_NO_MEMORY,
    /* The file is not a valid VHDX (VM_E_INVALID_HD_FILE): */
    VHDX_READER_TRUNCATED,          /* it ends before what its fields describe */
    VHDX_READER_NOT_VHDX,           /* no "vhdxfile" signature */
    VHDX_READER_BAD_HEADER,         /* no current header, its version or log fields */
    VHDX_READER_BAD_LOG,            /* no valid log sequence to replay, or one that cannot be */
    VHDX_READER_BAD_REGION_TABLE,
    VHDX_READER_BAD_METADATA,       /* the metadata table or a system item */
    VHDX_READER_BAD_BAT,
    VHDX_READER_BAD_LOCATOR,        /* the parent locator */
    VHDX_READER_UNSUPPORTED,        /* an unknown required region or item, an incomplete file */
    /* The caller's request: */
    VHDX_READER_OUT_OF_RANGE,       /* sectors beyond the disk's size */
    /* Changing a file in place (vhdx_writable.h, vhdx_relink.h): */
    VHDX_READER_PARENT_ID_MISMATCH, /* the parent's DataWriteGuid is not the child's linkage */
    VHDX_READER_NOT_POSSIBLE        /* a valid file this change cannot be made to (the reason) */
} vhdx_reader_code;

typedef struct vhdx_reader_error {
    vhdx_reader_code code;
    vhd_status io_status;           /* for VHDX_READER_IO (else VHD_OK) */
    int os_error;                   /* the back end's os_error for VHDX_READER_IO */
    char reason[320];               /* one sentence naming the rule and the value */
} vhdx_reader_error;

/* A short name of the code ("truncated file"); never NULL. */
const char *vhdx_reader_code_name(vhdx_reader_code code);
/* True for the codes that mean "this file is not a valid VHDX". */
bool vhdx_reader_code_is_invalid_file(vhdx_reader_code code);

typedef struct vhdx_reader_options {
    /* Allocator for everything the reader keeps; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
} vhdx_reader_options;

typedef enum vhdx_disk_kind {
    VHDX_KIND_FIXED = 1,            /* LeaveBlockAllocated set, HasParent clear */
    VHDX_KIND_DYNAMIC = 2,          /* neither */
    VHDX_KIND_DIFFERENCING = 3      /* HasParent set (LeaveBlockAllocated then ignored) */
} vhdx_disk_kind;

typedef enum vhdx_log_state {
    VHDX_LOG_CLEAN = 0,             /* LogGuid zero: nothing to replay */
    VHDX_LOG_REPLAYED_IN_MEMORY = 1 /* the active sequence overlays every read */
} vhdx_log_state;

typedef struct vhdx_region_info {
    vhdx_region_table_entry entry;
    bool known;                     /* BAT or metadata */
} vhdx_region_info;

typedef struct vhdx_metadata_info {
    vhdx_metadata_table_entry entry;
    bool known;                     /* a system item the reader understands */
} vhdx_metadata_info;

typedef struct vhdx_locator_pair {
    const char *key, *value;        /* UTF-8, NUL-terminated */
} vhdx_locator_pair;

typedef struct vhdx_log_info {
    vhdx_log_state state;
    uint32_t entries;               /* entries of the active sequence replayed */
    uint64_t first_sequence, last_sequence;
    uint32_t tail, head;            /* offsets in the log of the first and the last entry */
    uint64_t data_sectors;          /* 4 KiB sectors replayed from data descriptors */
    uint64_t zero_descriptors;
    uint64_t zero_bytes;
    uint64_t flushed_file_offset, last_file_offset;   /* of the head entry */
    uint64_t replayed_file_size;    /* the file's size as the replay makes it */
} vhdx_log_info;

typedef struct vhdx_image_info {
    uint64_t file_size;             /* bytes in the file */
    char creator[769];              /* the file identifier's creator in UTF-8 ("" if none) */
    /* The current header. */
    vhdx_header header;
    unsigned current_header;        /* 1 (at 64 KiB) or 2 (at 128 KiB) */
    bool headers_identical;         /* both valid with equal sequence numbers (Disk2VHD) */
    /* The region table in use. */
    unsigned region_table;          /* 1 (at 192 KiB) or 2 (at 256 KiB) */
    vhdx_region_table_entry bat_region, metadata_region;
    uint32_t region_count;          /* entries in the table; the first ones listed here */
    vhdx_region_info regions[VHDX_READER_REGIONS_KEPT];
    uint32_t metadata_count;        /* entries in the metadata table; the first listed here */
    vhdx_metadata_info metadata[VHDX_READER_METADATA_KEPT];
    /* The system metadata. */
    vhdx_disk_kind kind;
    vhdx_file_parameters file_parameters;
    bool has_parent, leave_blocks_allocated;
    uint64_t virtual_size;
    uint32_t block_size, logical_sector_size, physical_sector_size;
    vhdx_guid virtual_disk_id;
    /* BAT geometry and what the scan found. */
    uint64_t chunk_ratio, data_blocks, bat_entries;
    uint64_t payload_states[8];     /* payload blocks of the disk in each state */
    uint64_t present_bitmap_blocks; /* differencing: sector bitmap blocks present */
    /* Parent locator (differencing disks). */
    vhdx_guid locator_type;
    uint32_t locator_count;
    vhdx_locator_pair locator[VHDX_READER_LOCATOR_ENTRIES_MAX];
    const char *parent_linkage, *parent_linkage2;   /* NULL if absent */
    const char *relative_path, *volume_path, *absolute_win32_path;
    /* The log. */
    vhdx_log_info log;
} vhdx_image_info;

typedef struct vhdx_image vhdx_image;

/* Opens the image in io, which must be open for reading; the image reads through io but never
 * writes or closes it. On failure *image is NULL and error says why. */
vhdx_reader_code vhdx_image_open(vhdx_image **image, vhd_io *io,
                                 const vhdx_reader_options *options, vhdx_reader_error *error);
/* For repair only: each payload BAT entry of a present block that the open refuses for where
 * it lies (past the file's end, over the header section, the log, a region or another block)
 * is handed to bad_block with the reason; returning true lets the open go on as if the entry
 * were absent. Such an image lists; it must not be read. */
typedef bool (*vhdx_bad_block_sink)(void *ctx, const vhdx_image_info *info, uint64_t index,
                                    uint64_t entry, const char *reason);
vhdx_reader_code vhdx_image_open_listing(vhdx_image **image, vhd_io *io,
                                         const vhdx_reader_options *options,
                                         vhdx_bad_block_sink bad_block, void *ctx,
                                         vhdx_reader_error *error);
void vhdx_image_close(vhdx_image *image);
const vhdx_image_info *vhdx_image_get_info(const vhdx_image *image);
/* What file offsets in extents refer to: io itself, or, after a log replay, a read-only view
 * of io with the replayed log laid over it (read_at and get_size only). */
vhd_io *vhdx_image_io(const vhdx_image *image);

typedef enum vhdx_extent_state {
    VHDX_EXTENT_PRESENT = 0,        /* in this file, from file_offset on */
    VHDX_EXTENT_ZERO = 1,           /* reads as zeros */
    VHDX_EXTENT_NOT_HERE = 2        /* differencing: the parent's sectors */
} vhdx_extent_state;

/* A run of logical sectors that share a state in this image alone; never crosses a block. */
typedef struct vhdx_extent {
    vhdx_extent_state state;
    uint64_t file_offset;           /* PRESENT only (in vhdx_image_io's view) */
    uint32_t sectors;
    unsigned block_state;           /* the payload block's BAT state */
} vhdx_extent;

/* lba and counts are in logical sectors (info.logical_sector_size bytes). Payload states read
 * as the specification says: FULLY_PRESENT from the file; PARTIALLY_PRESENT (differencing
 * only) per sector through the chunk's sector bitmap; NOT_PRESENT from the parent in a
 * differencing disk and as zeros otherwise; UNDEFINED, ZERO and UNMAPPED as zeros. */
vhdx_reader_code vhdx_image_map(vhdx_image *image, uint64_t lba, uint32_t max_sectors,
                                vhdx_extent *extent, vhdx_reader_error *error);
/* Reads count logical sectors at lba of this image alone (zeros where it holds nothing). */
vhdx_reader_code vhdx_image_read_sectors(vhdx_image *image, uint64_t lba, uint32_t count,
                                         void *buf, vhdx_reader_error *error);

#endif
