/* The tests' own reading of a VHDX file, written from MS-VHDX independently of the library
 * under test: its own CRC-32C (bit by bit), little-endian readers and GUID text, so a field
 * the writer gets wrong cannot be read back "right" by the same mistake. Reads a file through
 * pread, never the whole of it. */
#ifndef VHDX_SPEC_H
#define VHDX_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPEC_KiB UINT64_C(1024)
#define SPEC_MiB (UINT64_C(1024) * 1024)

/* CRC-32C (Castagnoli), bit by bit: reflected 0x82F63B78, initial value and final XOR
 * 0xFFFFFFFF, the 4 bytes at checksum_field counted as zeros. */
uint32_t spec_crc32c(const uint8_t *buf, size_t len, size_t checksum_field);
uint16_t spec_le16(const uint8_t *p);
uint32_t spec_le32(const uint8_t *p);
uint64_t spec_le64(const uint8_t *p);
/* "2DC27766-F623-4200-9D64-115E9BFD4A08" to its 16 stored bytes (Data1-3 little-endian). */
void spec_guid(const char *text, uint8_t out[16]);
/* The stored bytes as "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", upper case. */
void spec_guid_text(const uint8_t guid[16], char out[39]);

#define SPEC_MAX_ENTRIES 16
#define SPEC_MAX_PAIRS 8

struct spec_header {
    bool valid;                 /* signature "head" and CRC over 4 KiB right */
    uint64_t sequence_number;
    uint8_t file_write_guid[16], data_write_guid[16], log_guid[16];
    uint16_t log_version, version;
    uint32_t log_length;
    uint64_t log_offset;
    bool reserved_zero;         /* bytes 80-4095 */
};

struct spec_region {
    uint8_t guid[16];
    uint64_t file_offset;
    uint32_t length, required;
};

struct spec_item {
    uint8_t item_id[16];
    uint32_t offset, length, flags, reserved;
};

struct spec_pair {
    char key[64];
    char value[512];            /* UTF-16LE turned to ASCII ('?' for anything else) */
    uint32_t key_offset, value_offset;
    uint16_t key_length, value_length;
};

struct spec_vhdx {
    uint64_t file_size;
    bool signature;             /* "vhdxfile" */
    char creator[257];          /* ASCII of the UTF-16LE creator, up to its NUL */
    struct spec_header headers[2];
    int current;                /* 0 or 1: the current header; -1 if none */
    bool region_valid[2];       /* "regi" and CRC over 64 KiB */
    uint32_t region_count[2], region_reserved[2];
    struct spec_region regions[2][SPEC_MAX_ENTRIES];
    bool metadata_signature;
    uint16_t metadata_count;
    bool metadata_reserved_zero;
    struct spec_item items[SPEC_MAX_ENTRIES];
    /* The system items, when present. */
    uint32_t block_size, file_parameters_flags;
    uint64_t virtual_size;
    uint32_t logical_sector_size, physical_sector_size;
    uint8_t virtual_disk_id[16];
    bool has_locator;
    uint8_t locator_type[16];
    uint16_t locator_reserved, locator_count;
    struct spec_pair pairs[SPEC_MAX_PAIRS];
    uint64_t bat_offset, metadata_offset;
    uint32_t bat_length, metadata_length;
};

/* Reads what the file holds (only the regions the first table names; 2 MiB and 3 MiB if that
 * table is invalid). False if the file cannot be opened. */
bool spec_vhdx_read(const char *path, struct spec_vhdx *vhdx);

/* Would a reader that follows MS-VHDX take it for a disk: the signature and a current header
 * (the commit-last rule: the headers are the last thing a creation writes). */
bool spec_vhdx_committed(const char *path);

/* The BAT entry at index, read from the file (0 past the end). */
uint64_t spec_vhdx_bat_entry(const char *path, const struct spec_vhdx *vhdx, uint64_t index);

/* Reads len bytes at offset; false if the file is shorter. */
bool spec_pread(const char *path, uint64_t offset, void *buf, size_t len);
/* True if [offset, offset + len) of the file is all zeros. */
bool spec_range_zero(const char *path, uint64_t offset, uint64_t len);

#endif
