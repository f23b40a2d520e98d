/* The on-disk structures of a dynamic VHD (Virtual Hard Disk Image Format Specification 1.0),
 * with fields named after the specification, and their big-endian encoding. */
#ifndef VHD_FORMAT_H
#define VHD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHD_SECTOR_SIZE          512u
#define VHD_FOOTER_SIZE          512u
#define VHD_DYNAMIC_HEADER_SIZE  1024u
#define VHD_PARENT_LOCATOR_COUNT 8u

#define VHD_FOOTER_COOKIE          "conectix"   /* 8 bytes, no terminator on disk */
#define VHD_DYNAMIC_HEADER_COOKIE  "cxsparse"
#define VHD_FEATURES_RESERVED      0x00000002u  /* "must always be set" */
#define VHD_FEATURES_TEMPORARY     0x00000001u
#define VHD_FILE_FORMAT_VERSION    0x00010000u
#define VHD_HEADER_VERSION         0x00010000u
#define VHD_HOST_OS_WI2K           0x5769326Bu  /* "Wi2k" */
/* The creator application vsdisk writes: Windows' own, so that every reader sizes vsdisk's
 * disks as it sizes Windows-made ones, by the footer's current size (qemu takes the CHS
 * geometry's product for creators it does not know). vsdisk's disks are told from Windows'
 * by the creator version, vsdisk's own (major << 16 | minor, below Windows' 6.0). */
#define VHD_CREATOR_APPLICATION_WINDOWS "win "
/* What vsdisk 0.1 and 0.2 wrote; qemu reads those disks up to a cylinder short. */
#define VHD_CREATOR_APPLICATION_VSDISK_0_2 "vsdk"
#define VHD_CREATOR_VERSION_WINDOWS_MIN 0x00060000u
#define VHD_HOST_OS_MAC            0x4D616320u  /* "Mac " */
#define VHD_OFFSET_UNUSED          UINT64_C(0xFFFFFFFFFFFFFFFF)
#define VHD_BAT_ENTRY_UNUSED       0xFFFFFFFFu

enum vhd_disk_type {
    VHD_DISK_TYPE_NONE = 0,
    VHD_DISK_TYPE_FIXED = 2,
    VHD_DISK_TYPE_DYNAMIC = 3,
    VHD_DISK_TYPE_DIFFERENCING = 4
};

typedef struct vhd_disk_geometry {
    uint16_t cylinders;
    uint8_t heads;
    uint8_t sectors_per_track;
} vhd_disk_geometry;

/* Hard disk footer: the last 512 bytes of the file, with a copy at offset 0. */
typedef struct vhd_footer {
    uint8_t cookie[8];
    uint32_t features;
    uint32_t file_format_version;
    uint64_t data_offset;              /* absolute offset of the dynamic header */
    uint32_t timestamp;                /* seconds since 2000-01-01 00:00:00 UTC */
    uint8_t creator_application[4];
    uint32_t creator_version;          /* major << 16 | minor */
    uint32_t creator_host_os;
    uint64_t original_size;
    uint64_t current_size;
    vhd_disk_geometry disk_geometry;
    uint32_t disk_type;
    uint32_t checksum;
    uint8_t unique_id[16];
    uint8_t saved_state;
    uint8_t reserved[427];
} vhd_footer;

typedef struct vhd_parent_locator {
    uint32_t platform_code;
    uint32_t platform_data_space;
    uint32_t platform_data_length;
    uint32_t reserved;
    uint64_t platform_data_offset;
} vhd_parent_locator;

/* Dynamic disk header: 1024 bytes at footer.data_offset. */
typedef struct vhd_dynamic_header {
    uint8_t cookie[8];
    uint64_t data_offset;              /* unused: all ones */
    uint64_t table_offset;             /* absolute offset of the block allocation table */
    uint32_t header_version;
    uint32_t max_table_entries;
    uint32_t block_size;
    uint32_t checksum;
    uint8_t parent_unique_id[16];
    uint32_t parent_timestamp;
    uint32_t reserved1;
    uint8_t parent_unicode_name[512];  /* UTF-16 big-endian, as stored */
    vhd_parent_locator parent_locator[VHD_PARENT_LOCATOR_COUNT];
    uint8_t reserved2[256];
} vhd_dynamic_header;

/* What a decoder found wrong with a buffer. Decoders never read outside the buffer. */
typedef enum vhd_format_status {
    VHD_FORMAT_OK = 0,
    VHD_FORMAT_TRUNCATED,     /* fewer bytes than the structure needs */
    VHD_FORMAT_BAD_COOKIE,
    VHD_FORMAT_BAD_CHECKSUM,
    VHD_FORMAT_BAD_FIELD      /* a field holds a value no valid image can have */
} vhd_format_status;

const char *vhd_format_status_message(vhd_format_status status);

/* One's complement of the byte sum of buf, the 4 bytes at checksum_offset counted as zero. */
uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_offset);

/* Encode in big-endian. footer->checksum / header->checksum are ignored: the checksum of the
 * encoded bytes is computed, stored in the buffer and returned. */
uint32_t vhd_footer_encode(const vhd_footer *footer, uint8_t out[VHD_FOOTER_SIZE]);
uint32_t vhd_dynamic_header_encode(const vhd_dynamic_header *header,
                                   uint8_t out[VHD_DYNAMIC_HEADER_SIZE]);

/* Decode the first 512 / 1024 bytes of buf (len bytes long). Every field is filled whenever
 * len is large enough, even if the cookie or checksum is then reported wrong; on
 * VHD_FORMAT_TRUNCATED the structure is zeroed. The cookie is checked before the checksum. */
vhd_format_status vhd_footer_decode(vhd_footer *footer, const uint8_t *buf, size_t len);
vhd_format_status vhd_dynamic_header_decode(vhd_dynamic_header *header,
                                            const uint8_t *buf, size_t len);

/* Checks a whole dynamic or differencing image held in memory the way a lenient reader opens
 * it: the footer at the end (or, if that one is damaged, the copy at offset 0), a dynamic or
 * differencing disk type, the dynamic header at footer.data_offset, and a block allocation
 * table and block size that fit. footer and header may be NULL. */
vhd_format_status vhd_dynamic_image_check(const uint8_t *image, size_t len,
                                          vhd_footer *footer, vhd_dynamic_header *header);

/* True if vsdisk wrote the footer: creator "vsdk" (0.1 and 0.2), or "win " with a creator
 * version below any Windows' (0.3 on). */
bool vhd_footer_written_by_vsdisk(const vhd_footer *footer);

#endif
