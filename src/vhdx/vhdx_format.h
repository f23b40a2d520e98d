/* The on-disk structures of VHDX (MS-VHDX), with fields named after the specification, and
 * their little-endian encoding. GUIDs are kept as their 16 stored bytes (Microsoft binary
 * form: Data1, Data2, Data3 little-endian, then Data4). Decoders never read outside the
 * buffer they are given; encoders compute and store the checksum where the structure has one. */
#ifndef VHDX_FORMAT_H
#define VHDX_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHDX_KiB 1024u
#define VHDX_MiB (1024u * 1024u)

/* The header section (first 1 MiB). */
#define VHDX_HEADER_SECTION_SIZE   VHDX_MiB
#define VHDX_FILE_IDENTIFIER_SIZE  (64u * VHDX_KiB)   /* the structure is 520 bytes */
#define VHDX_HEADER1_OFFSET        (64u * VHDX_KiB)
#define VHDX_HEADER2_OFFSET        (128u * VHDX_KiB)
#define VHDX_HEADER_SIZE           (4u * VHDX_KiB)    /* CRC over all of it */
#define VHDX_REGION_TABLE1_OFFSET  (192u * VHDX_KiB)
#define VHDX_REGION_TABLE2_OFFSET  (256u * VHDX_KiB)
#define VHDX_REGION_TABLE_SIZE     (64u * VHDX_KiB)   /* CRC over all of it */
#define VHDX_REGION_ENTRY_MAX      2047u
#define VHDX_METADATA_TABLE_SIZE   (64u * VHDX_KiB)
#define VHDX_METADATA_ENTRY_MAX    2047u
#define VHDX_METADATA_USER_MAX     1024u
#define VHDX_METADATA_ITEM_MAX     VHDX_MiB          /* an item's Length */
#define VHDX_LOG_SECTOR_SIZE       (4u * VHDX_KiB)
#define VHDX_LOG_ENTRY_HEADER_SIZE 64u
#define VHDX_LOG_DESCRIPTOR_SIZE   32u
#define VHDX_LOG_DATA_BYTES        4084u              /* bytes 8-4091 of a target sector */
#define VHDX_SECTOR_BITMAP_BLOCK   VHDX_MiB          /* 2^23 bits */
#define VHDX_SECTORS_PER_CHUNK     (UINT64_C(1) << 23)
#define VHDX_BLOCK_SIZE_MIN        VHDX_MiB
#define VHDX_BLOCK_SIZE_MAX        (256u * VHDX_MiB)
#define VHDX_MAX_DISK_SIZE         (UINT64_C(64) << 40)  /* 64 TiB */
#define VHDX_PARENT_LOCATOR_HEADER_SIZE 20u
#define VHDX_PARENT_LOCATOR_ENTRY_SIZE  12u

/* Signatures, as the bytes on disk. */
#define VHDX_SIGNATURE_FILE      "vhdxfile"
#define VHDX_SIGNATURE_HEADER    "head"
#define VHDX_SIGNATURE_REGION    "regi"
#define VHDX_SIGNATURE_METADATA  "metadata"
#define VHDX_SIGNATURE_LOG_ENTRY "loge"
#define VHDX_SIGNATURE_ZERO      "zero"
#define VHDX_SIGNATURE_DATA_DESC "desc"
#define VHDX_SIGNATURE_DATA      "data"

typedef struct vhdx_guid {
    uint8_t bytes[16];   /* as stored */
} vhdx_guid;

/* Known GUIDs, in stored byte order. */
extern const vhdx_guid vhdx_guid_bat_region;              /* 2DC27766-F623-4200-9D64-115E9BFD4A08 */
extern const vhdx_guid vhdx_guid_metadata_region;         /* 8B7CA206-4790-4B9A-B8FE-575F050F886E */
extern const vhdx_guid vhdx_guid_file_parameters;         /* CAA16737-FA36-4D43-B3B6-33F0AA44E76B */
extern const vhdx_guid vhdx_guid_virtual_disk_size;       /* 2FA54224-CD1B-4876-B211-5DBED83BF4B8 */
extern const vhdx_guid vhdx_guid_virtual_disk_id;         /* BECA12AB-B2E6-4523-93EF-C309E000C746 */
extern const vhdx_guid vhdx_guid_logical_sector_size;     /* 8141BF1D-A96F-4709-BA47-F233A8FAAB5F */
extern const vhdx_guid vhdx_guid_physical_sector_size;    /* CDA348C7-445D-4471-9CC9-E9885251C556 */
extern const vhdx_guid vhdx_guid_parent_locator;          /* A8D35F2D-B30B-454D-ABF7-D3D84834AB0C */
extern const vhdx_guid vhdx_guid_vhdx_locator_type;       /* B04AEFB7-D19E-4A81-B789-25B8E9445913 */
/* Not in MS-VHDX; Microsoft's openvmm marks a file still being created with it (required). */
extern const vhdx_guid vhdx_guid_incomplete_file;         /* 71CC85F0-1B69-4E28-9558-C3BF83AE75D3 */

bool vhdx_guid_equal(const vhdx_guid *a, const vhdx_guid *b);
bool vhdx_guid_is_zero(const vhdx_guid *guid);
/* "{2DC27766-F623-4200-9D64-115E9BFD4A08}": upper case, braced, 39 bytes with the NUL. */
void vhdx_guid_format(const vhdx_guid *guid, char out[39]);
/* The braced (or bare) text form, any case, to stored bytes; false if it is not one. */
bool vhdx_guid_parse(const char *text, vhdx_guid *guid);

/* CRC-32C (Castagnoli, reflected 0x82F63B78): begin, update over pieces, end. */
uint32_t vhdx_crc32c_begin(void);
uint32_t vhdx_crc32c_update(uint32_t state, const void *buf, size_t len);
uint32_t vhdx_crc32c_end(uint32_t state);
uint32_t vhdx_crc32c(const void *buf, size_t len);

/* What a decoder found wrong with a buffer. */
typedef enum vhdx_format_status {
    VHDX_FORMAT_OK = 0,
    VHDX_FORMAT_TRUNCATED,      /* fewer bytes than the structure needs */
    VHDX_FORMAT_BAD_SIGNATURE,
    VHDX_FORMAT_BAD_CHECKSUM
} vhdx_format_status;

/* File type identifier (offset 0). */
typedef struct vhdx_file_identifier {
    uint8_t signature[8];
    uint8_t creator[512];       /* UTF-16LE, NUL-terminated or not; diagnostic only */
} vhdx_file_identifier;
#define VHDX_FILE_IDENTIFIER_STRUCT_SIZE 520u

/* Header (64 KiB and 128 KiB). */
typedef struct vhdx_header {
    uint8_t signature[4];
    uint32_t checksum;
    uint64_t sequence_number;
    vhdx_guid file_write_guid;
    vhdx_guid data_write_guid;
    vhdx_guid log_guid;
    uint16_t log_version;
    uint16_t version;
    uint32_t log_length;
    uint64_t log_offset;
} vhdx_header;
#define VHDX_HEADER_FIELDS_SIZE 80u   /* defined fields; the rest of the 4 KiB is reserved */

/* Region table header and entries (192 KiB and 256 KiB). */
typedef struct vhdx_region_table_header {
    uint8_t signature[4];
    uint32_t checksum;
    uint32_t entry_count;
    uint32_t reserved;
} vhdx_region_table_header;
#define VHDX_REGION_TABLE_HEADER_SIZE 16u

typedef struct vhdx_region_table_entry {
    vhdx_guid guid;
    uint64_t file_offset;
    uint32_t length;
    uint32_t required;          /* bit 0; the other bits reserved */
} vhdx_region_table_entry;
#define VHDX_REGION_TABLE_ENTRY_SIZE 32u

/* Metadata table header and entries (start of the metadata region). */
typedef struct vhdx_metadata_table_header {
    uint8_t signature[8];
    uint16_t reserved;
    uint16_t entry_count;
    uint8_t reserved2[20];
} vhdx_metadata_table_header;
#define VHDX_METADATA_TABLE_HEADER_SIZE 32u

#define VHDX_METADATA_IS_USER         0x1u
#define VHDX_METADATA_IS_VIRTUAL_DISK 0x2u
#define VHDX_METADATA_IS_REQUIRED     0x4u
typedef struct vhdx_metadata_table_entry {
    vhdx_guid item_id;
    uint32_t offset;            /* from the start of the region */
    uint32_t length;
    uint32_t flags;             /* IsUser, IsVirtualDisk, IsRequired, the rest reserved */
    uint32_t reserved2;
} vhdx_metadata_table_entry;
#define VHDX_METADATA_TABLE_ENTRY_SIZE 32u

/* System metadata items. */
#define VHDX_FILE_PARAMETERS_LEAVE_BLOCK_ALLOCATED 0x1u
#define VHDX_FILE_PARAMETERS_HAS_PARENT            0x2u
typedef struct vhdx_file_parameters {
    uint32_t block_size;
    uint32_t flags;             /* LeaveBlockAllocated, HasParent, the rest reserved */
} vhdx_file_parameters;
#define VHDX_FILE_PARAMETERS_SIZE       8u
#define VHDX_VIRTUAL_DISK_SIZE_SIZE     8u
#define VHDX_VIRTUAL_DISK_ID_SIZE       16u
#define VHDX_SECTOR_SIZE_ITEM_SIZE      4u

typedef struct vhdx_parent_locator_header {
    vhdx_guid locator_type;
    uint16_t reserved;
    uint16_t key_value_count;
} vhdx_parent_locator_header;

typedef struct vhdx_parent_locator_entry {
    uint32_t key_offset;        /* from the start of the locator item */
    uint32_t value_offset;
    uint16_t key_length;        /* bytes of UTF-16LE */
    uint16_t value_length;
} vhdx_parent_locator_entry;

/* BAT entries (a u64): State in bits 0-2, reserved bits 3-19, FileOffsetMB in bits 20-63. */
enum vhdx_payload_block_state {
    VHDX_PAYLOAD_BLOCK_NOT_PRESENT = 0,
    VHDX_PAYLOAD_BLOCK_UNDEFINED = 1,
    VHDX_PAYLOAD_BLOCK_ZERO = 2,
    VHDX_PAYLOAD_BLOCK_UNMAPPED = 3,
    VHDX_PAYLOAD_BLOCK_FULLY_PRESENT = 6,
    VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT = 7
};
enum vhdx_sb_block_state {
    VHDX_SB_BLOCK_NOT_PRESENT = 0,
    VHDX_SB_BLOCK_PRESENT = 6
};
#define VHDX_BAT_ENTRY_SIZE 8u
#define VHDX_BAT_STATE_MASK    UINT64_C(0x7)
#define VHDX_BAT_RESERVED_MASK UINT64_C(0xFFFF8)
#define VHDX_BAT_OFFSET_MASK   UINT64_C(0xFFFFFFFFFFF00000)
static inline unsigned vhdx_bat_state(uint64_t entry) { return (unsigned)(entry & VHDX_BAT_STATE_MASK); }
static inline uint64_t vhdx_bat_file_offset(uint64_t entry) { return entry & VHDX_BAT_OFFSET_MASK; }
static inline uint64_t vhdx_bat_entry(unsigned state, uint64_t file_offset)
{
    return (file_offset & VHDX_BAT_OFFSET_MASK) | (state & VHDX_BAT_STATE_MASK);
}

/* Log entry header and descriptors. */
typedef struct vhdx_log_entry_header {
    uint8_t signature[4];
    uint32_t checksum;          /* CRC-32C over EntryLength bytes, this field zeroed */
    uint32_t entry_length;
    uint32_t tail;
    uint64_t sequence_number;
    uint32_t descriptor_count;
    uint32_t reserved;
    vhdx_guid log_guid;
    uint64_t flushed_file_offset;
    uint64_t last_file_offset;
} vhdx_log_entry_header;

typedef struct vhdx_log_zero_descriptor {
    uint8_t signature[4];       /* "zero" */
    uint32_t reserved;
    uint64_t zero_length;
    uint64_t file_offset;
    uint64_t sequence_number;
} vhdx_log_zero_descriptor;

typedef struct vhdx_log_data_descriptor {
    uint8_t signature[4];       /* "desc" */
    uint8_t trailing_bytes[4];  /* the target sector's bytes 4092-4095 */
    uint8_t leading_bytes[8];   /* its bytes 0-7 */
    uint64_t file_offset;
    uint64_t sequence_number;
} vhdx_log_data_descriptor;

typedef struct vhdx_log_data_sector {
    uint8_t signature[4];       /* "data" */
    uint32_t sequence_high;
    uint8_t data[VHDX_LOG_DATA_BYTES];
    uint32_t sequence_low;
} vhdx_log_data_sector;

/* Little-endian access. */
uint16_t vhdx_get16(const uint8_t *p);
uint32_t vhdx_get32(const uint8_t *p);
uint64_t vhdx_get64(const uint8_t *p);
void vhdx_put16(uint8_t *p, uint16_t v);
void vhdx_put32(uint8_t *p, uint32_t v);
void vhdx_put64(uint8_t *p, uint64_t v);

/* Decoders: len is the buffer's size. Headers, region tables and log entry headers report a
 * wrong signature before a wrong checksum; every field is filled whenever len suffices. */
vhdx_format_status vhdx_file_identifier_decode(vhdx_file_identifier *id, const uint8_t *buf,
                                               size_t len);
void vhdx_file_identifier_encode(const vhdx_file_identifier *id,
                                 uint8_t out[VHDX_FILE_IDENTIFIER_STRUCT_SIZE]);
/* Checks the CRC over all VHDX_HEADER_SIZE bytes. */
vhdx_format_status vhdx_header_decode(vhdx_header *header, const uint8_t *buf, size_t len);
/* Writes 4 KiB (reserved bytes zero) with the checksum computed; returns it. */
uint32_t vhdx_header_encode(const vhdx_header *header, uint8_t out[VHDX_HEADER_SIZE]);
/* The table header; checks the CRC over all VHDX_REGION_TABLE_SIZE bytes. */
vhdx_format_status vhdx_region_table_header_decode(vhdx_region_table_header *header,
                                                   const uint8_t *buf, size_t len);
void vhdx_region_table_entry_decode(vhdx_region_table_entry *entry,
                                    const uint8_t buf[VHDX_REGION_TABLE_ENTRY_SIZE]);
void vhdx_region_table_entry_encode(const vhdx_region_table_entry *entry,
                                    uint8_t out[VHDX_REGION_TABLE_ENTRY_SIZE]);
/* Encodes the 64 KiB table (header and entries, the rest zero) with its checksum. */
uint32_t vhdx_region_table_encode(const vhdx_region_table_entry *entries, uint32_t count,
                                  uint8_t out[VHDX_REGION_TABLE_SIZE]);
vhdx_format_status vhdx_metadata_table_header_decode(vhdx_metadata_table_header *header,
                                                     const uint8_t *buf, size_t len);
void vhdx_metadata_table_header_encode(const vhdx_metadata_table_header *header,
                                       uint8_t out[VHDX_METADATA_TABLE_HEADER_SIZE]);
void vhdx_metadata_table_entry_decode(vhdx_metadata_table_entry *entry,
                                      const uint8_t buf[VHDX_METADATA_TABLE_ENTRY_SIZE]);
void vhdx_metadata_table_entry_encode(const vhdx_metadata_table_entry *entry,
                                      uint8_t out[VHDX_METADATA_TABLE_ENTRY_SIZE]);
void vhdx_file_parameters_decode(vhdx_file_parameters *fp,
                                 const uint8_t buf[VHDX_FILE_PARAMETERS_SIZE]);
void vhdx_file_parameters_encode(const vhdx_file_parameters *fp,
                                 uint8_t out[VHDX_FILE_PARAMETERS_SIZE]);
void vhdx_parent_locator_header_decode(vhdx_parent_locator_header *header,
                                       const uint8_t buf[VHDX_PARENT_LOCATOR_HEADER_SIZE]);
void vhdx_parent_locator_header_encode(const vhdx_parent_locator_header *header,
                                       uint8_t out[VHDX_PARENT_LOCATOR_HEADER_SIZE]);
void vhdx_parent_locator_entry_decode(vhdx_parent_locator_entry *entry,
                                      const uint8_t buf[VHDX_PARENT_LOCATOR_ENTRY_SIZE]);
void vhdx_parent_locator_entry_encode(const vhdx_parent_locator_entry *entry,
                                      uint8_t out[VHDX_PARENT_LOCATOR_ENTRY_SIZE]);
/* The first 64 bytes of a log entry; the checksum covers the whole entry, so the caller
 * checks it (vhdx_log_entry_checksum). */
vhdx_format_status vhdx_log_entry_header_decode(vhdx_log_entry_header *header,
                                                const uint8_t *buf, size_t len);
void vhdx_log_entry_header_encode(const vhdx_log_entry_header *header,
                                  uint8_t out[VHDX_LOG_ENTRY_HEADER_SIZE]);
/* CRC-32C of a whole entry held in memory (entry_length bytes), its checksum field as zero. */
uint32_t vhdx_log_entry_checksum(const uint8_t *entry, size_t entry_length);
vhdx_format_status vhdx_log_zero_descriptor_decode(vhdx_log_zero_descriptor *desc,
                                                   const uint8_t buf[VHDX_LOG_DESCRIPTOR_SIZE]);
void vhdx_log_zero_descriptor_encode(const vhdx_log_zero_descriptor *desc,
                                     uint8_t out[VHDX_LOG_DESCRIPTOR_SIZE]);
vhdx_format_status vhdx_log_data_descriptor_decode(vhdx_log_data_descriptor *desc,
                                                   const uint8_t buf[VHDX_LOG_DESCRIPTOR_SIZE]);
void vhdx_log_data_descriptor_encode(const vhdx_log_data_descriptor *desc,
                                     uint8_t out[VHDX_LOG_DESCRIPTOR_SIZE]);
vhdx_format_status vhdx_log_data_sector_decode(vhdx_log_data_sector *sector,
                                               const uint8_t buf[VHDX_LOG_SECTOR_SIZE]);
void vhdx_log_data_sector_encode(const vhdx_log_data_sector *sector,
                                 uint8_t out[VHDX_LOG_SECTOR_SIZE]);
/* A data descriptor and its data sector made from a 4 KiB target sector, and back. */
void vhdx_log_data_split(const uint8_t target[VHDX_LOG_SECTOR_SIZE], uint64_t file_offset,
                         uint64_t sequence_number, vhdx_log_data_descriptor *desc,
                         vhdx_log_data_sector *sector);
void vhdx_log_data_join(const vhdx_log_data_descriptor *desc, const vhdx_log_data_sector *sector,
                        uint8_t target[VHDX_LOG_SECTOR_SIZE]);

/* BAT geometry [spec 2.4-2.5]. */
/* Payload blocks per sector bitmap block: 2^23 * logical_sector_size / block_size. */
uint64_t vhdx_chunk_ratio(uint32_t block_size, uint32_t logical_sector_size);
uint64_t vhdx_data_blocks(uint64_t virtual_size, uint32_t block_size);
/* BAT entries a disk needs: payload and interleaved sector bitmap entries. */
uint64_t vhdx_bat_entries(uint64_t virtual_size, uint32_t block_size,
                          uint32_t logical_sector_size, bool has_parent);
/* BAT index of payload block n, of the sector bitmap entry of chunk k. */
static inline uint64_t vhdx_bat_payload_index(uint64_t n, uint64_t chunk_ratio)
{
    return n + n / chunk_ratio;
}
static inline uint64_t vhdx_bat_bitmap_index(uint64_t k, uint64_t chunk_ratio)
{
    return k * (chunk_ratio + 1) + chunk_ratio;
}

#endif
