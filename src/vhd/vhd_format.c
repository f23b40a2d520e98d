#include "vhd_format.h"

#include <string.h>

/* Byte offsets inside the footer (specification, "Hard Disk Footer Format"). */
enum {
    FOOTER_COOKIE = 0,
    FOOTER_FEATURES = 8,
    FOOTER_FILE_FORMAT_VERSION = 12,
    FOOTER_DATA_OFFSET = 16,
    FOOTER_TIMESTAMP = 24,
    FOOTER_CREATOR_APPLICATION = 28,
    FOOTER_CREATOR_VERSION = 32,
    FOOTER_CREATOR_HOST_OS = 36,
    FOOTER_ORIGINAL_SIZE = 40,
    FOOTER_CURRENT_SIZE = 48,
    FOOTER_CYLINDERS = 56,
    FOOTER_HEADS = 58,
    FOOTER_SECTORS_PER_TRACK = 59,
    FOOTER_DISK_TYPE = 60,
    FOOTER_CHECKSUM = 64,
    FOOTER_UNIQUE_ID = 68,
    FOOTER_SAVED_STATE = 84,
    FOOTER_RESERVED = 85
};

/* Byte offsets inside the dynamic disk header ("Dynamic Disk Header Format"). */
enum {
    HEADER_COOKIE = 0,
    HEADER_DATA_OFFSET = 8,
    HEADER_TABLE_OFFSET = 16,
    HEADER_HEADER_VERSION = 24,
    HEADER_MAX_TABLE_ENTRIES = 28,
    HEADER_BLOCK_SIZE = 32,
    HEADER_CHECKSUM = 36,
    HEADER_PARENT_UNIQUE_ID = 40,
    HEADER_PARENT_TIMESTAMP = 56,
    HEADER_RESERVED1 = 60,
    HEADER_PARENT_UNICODE_NAME = 64,
    HEADER_PARENT_LOCATORS = 576,
    HEADER_RESERVED2 = 768,
    PARENT_LOCATOR_SIZE = 24
};

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

const char *vhd_format_status_message(vhd_format_status status)
{
    switch (status) {
    case VHD_FORMAT_OK:           return "valid";
    case VHD_FORMAT_TRUNCATED:    return "too short";
    case VHD_FORMAT_BAD_COOKIE:   return "wrong cookie";
    case VHD_FORMAT_BAD_CHECKSUM: return "wrong checksum";
    case VHD_FORMAT_BAD_FIELD:    return "a field is out of range";
    }
    return "unknown format status";
}

uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_offset)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        if (i - checksum_offset < 4)   /* unsigned: true only for the 4 checksum bytes */
            continue;
        sum += buf[i];
    }
    return ~sum;
}

uint32_t vhd_footer_encode(const vhd_footer *footer, uint8_t out[VHD_FOOTER_SIZE])
{
    memcpy(out + FOOTER_COOKIE, footer->cookie, sizeof footer->cookie);
    put_be32(out + FOOTER_FEATURES, footer->features);
    put_be32(out + FOOTER_FILE_FORMAT_VERSION, footer->file_format_version);
    put_be64(out + FOOTER_DATA_OFFSET, footer->data_offset);
    put_be32(out + FOOTER_TIMESTAMP, footer->timestamp);
    memcpy(out + FOOTER_CREATOR_APPLICATION, footer->creator_application,
           sizeof footer->creator_application);
    put_be32(out + FOOTER_CREATOR_VERSION, footer->creator_version);
    put_be32(out + FOOTER_CREATOR_HOST_OS, footer->creator_host_os);
    put_be64(out + FOOTER_ORIGINAL_SIZE, footer->original_size);
    put_be64(out + FOOTER_CURRENT_SIZE, footer->current_size);
    put_be16(out + FOOTER_CYLINDERS, footer->disk_geometry.cylinders);
    out[FOOTER_HEADS] = footer->disk_geometry.heads;
    out[FOOTER_SECTORS_PER_TRACK] = footer->disk_geometry.sectors_per_track;
    put_be32(out + FOOTER_DISK_TYPE, footer->disk_type);
    put_be32(out + FOOTER_CHECKSUM, 0);
    memcpy(out + FOOTER_UNIQUE_ID, footer->unique_id, sizeof footer->unique_id);
    out[FOOTER_SAVED_STATE] = footer->saved_state;
    memcpy(out + FOOTER_RESERVED, footer->reserved, sizeof footer->reserved);

    uint32_t checksum = vhd_checksum(out, VHD_FOOTER_SIZE, FOOTER_CHECKSUM);
    put_be32(out + FOOTER_CHECKSUM, checksum);
    return checksum;
}

uint32_t vhd_dynamic_header_encode(const vhd_dynamic_header *header,
                                   uint8_t out[VHD_DYNAMIC_HEADER_SIZE])
{
    memcpy(out + HEADER_COOKIE, header->cookie, sizeof header->cookie);
    put_be64(out + HEADER_DATA_OFFSET, header->data_offset);
    put_be64(out + HEADER_TABLE_OFFSET, header->table_offset);
    put_be32(out + HEADER_HEADER_VERSION, header->header_version);
    put_be32(out + HEADER_MAX_TABLE_ENTRIES, header->max_table_entries);
    put_be32(out + HEADER_BLOCK_SIZE, header->block_size);
    put_be32(out + HEADER_CHECKSUM, 0);
    memcpy(out + HEADER_PARENT_UNIQUE_ID, header->parent_unique_id,
           sizeof header->parent_unique_id);
    put_be32(out + HEADER_PARENT_TIMESTAMP, header->parent_timestamp);
    put_be32(out + HEADER_RESERVED1, header->reserved1);
    memcpy(out + HEADER_PARENT_UNICODE_NAME, header->parent_unicode_name,
           sizeof header->parent_unicode_name);
    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        const vhd_parent_locator *locator = &header->parent_locator[i];
        uint8_t *p = out + HEADER_PARENT_LOCATORS + i * PARENT_LOCATOR_SIZE;
        put_be32(p, locator->platform_code);
        put_be32(p + 4, locator->platform_data_space);
        put_be32(p + 8, locator->platform_data_length);
        put_be32(p + 12, locator->reserved);
        put_be64(p + 16, locator->platform_data_offset);
    }
    memcpy(out + HEADER_RESERVED2, header->reserved2, sizeof header->reserved2);

    uint32_t checksum = vhd_checksum(out, VHD_DYNAMIC_HEADER_SIZE, HEADER_CHECKSUM);
    put_be32(out + HEADER_CHECKSUM, checksum);
    return checksum;
}

vhd_format_status vhd_footer_decode(vhd_footer *footer, const uint8_t *buf, size_t len)
{
    memset(footer, 0, sizeof *footer);
    if (buf == NULL || len < VHD_FOOTER_SIZE)
        return VHD_FORMAT_TRUNCATED;

    memcpy(footer->cookie, buf + FOOTER_COOKIE, sizeof footer->cookie);
    footer->features = get_be32(buf + FOOTER_FEATURES);
    footer->file_format_version = get_be32(buf + FOOTER_FILE_FORMAT_VERSION);
    footer->data_offset = get_be64(buf + FOOTER_DATA_OFFSET);
    footer->timestamp = get_be32(buf + FOOTER_TIMESTAMP);
    memcpy(footer->creator_application, buf + FOOTER_CREATOR_APPLICATION,
           sizeof footer->creator_application);
    footer->creator_version = get_be32(buf + FOOTER_CREATOR_VERSION);
    footer->creator_host_os = get_be32(buf + FOOTER_CREATOR_HOST_OS);
    footer->original_size = get_be64(buf + FOOTER_ORIGINAL_SIZE);
    footer->current_size = get_be64(buf + FOOTER_CURRENT_SIZE);
    footer->disk_geometry.cylinders = get_be16(buf + FOOTER_CYLINDERS);
    footer->disk_geometry.heads = buf[FOOTER_HEADS];
    footer->disk_geometry.sectors_per_track = buf[FOOTER_SECTORS_PER_TRACK];
    footer->disk_type = get_be32(buf + FOOTER_DISK_TYPE);
    footer->checksum = get_be32(buf + FOOTER_CHECKSUM);
    memcpy(footer->unique_id, buf + FOOTER_UNIQUE_ID, sizeof footer->unique_id);
    footer->saved_state = buf[FOOTER_SAVED_STATE];
    memcpy(footer->reserved, buf + FOOTER_RESERVED, sizeof footer->reserved);

    if (memcmp(footer->cookie, VHD_FOOTER_COOKIE, sizeof footer->cookie) != 0)
        return VHD_FORMAT_BAD_COOKIE;
    if (footer->checksum != vhd_checksum(buf, VHD_FOOTER_SIZE, FOOTER_CHECKSUM))
        return VHD_FORMAT_BAD_CHECKSUM;
    return VHD_FORMAT_OK;
}

vhd_format_status vhd_dynamic_header_decode(vhd_dynamic_header *header,
                                            const uint8_t *buf, size_t len)
{
    memset(header, 0, sizeof *header);
    if (buf == NULL || len < VHD_DYNAMIC_HEADER_SIZE)
        return VHD_FORMAT_TRUNCATED;

    memcpy(header->cookie, buf + HEADER_COOKIE, sizeof header->cookie);
    header->data_offset = get_be64(buf + HEADER_DATA_OFFSET);
    header->table_offset = get_be64(buf + HEADER_TABLE_OFFSET);
    header->header_version = get_be32(buf + HEADER_HEADER_VERSION);
    header->max_table_entries = get_be32(buf + HEADER_MAX_TABLE_ENTRIES);
    header->block_size = get_be32(buf + HEADER_BLOCK_SIZE);
    header->checksum = get_be32(buf + HEADER_CHECKSUM);
    memcpy(header->parent_unique_id, buf + HEADER_PARENT_UNIQUE_ID,
           sizeof header->parent_unique_id);
    header->parent_timestamp = get_be32(buf + HEADER_PARENT_TIMESTAMP);
    header->reserved1 = get_be32(buf + HEADER_RESERVED1);
    memcpy(header->parent_unicode_name, buf + HEADER_PARENT_UNICODE_NAME,
           sizeof header->parent_unicode_name);
    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        vhd_parent_locator *locator = &header->parent_locator[i];
        const uint8_t *p = buf + HEADER_PARENT_LOCATORS + i * PARENT_LOCATOR_SIZE;
        locator->platform_code = get_be32(p);
        locator->platform_data_space = get_be32(p + 4);
        locator->platform_data_length = get_be32(p + 8);
        locator->reserved = get_be32(p + 12);
        locator->platform_data_offset = get_be64(p + 16);
    }
    memcpy(header->reserved2, buf + HEADER_RESERVED2, sizeof header->reserved2);

    if (memcmp(header->cookie, VHD_DYNAMIC_HEADER_COOKIE, sizeof header->cookie) != 0)
        return VHD_FORMAT_BAD_COOKIE;
    if (header->checksum != vhd_checksum(buf, VHD_DYNAMIC_HEADER_SIZE, HEADER_CHECKSUM))
        return VHD_FORMAT_BAD_CHECKSUM;
    return VHD_FORMAT_OK;
}

/* True if [offset, offset + size) lies inside a buffer of len bytes. */
static int range_fits(uint64_t offset, uint64_t size, size_t len)
{
    return offset <= len && size <= len - offset;
}

vhd_format_status vhd_dynamic_image_check(const uint8_t *image, size_t len,
                                          vhd_footer *footer, vhd_dynamic_header *header)
{
    vhd_footer local_footer;
    vhd_dynamic_header local_header;
    if (footer == NULL)
        footer = &local_footer;
    if (header == NULL)
        header = &local_header;
    memset(header, 0, sizeof *header);

    if (image == NULL || len < VHD_FOOTER_SIZE) {
        memset(footer, 0, sizeof *footer);
        return VHD_FORMAT_TRUNCATED;
    }
    vhd_format_status status = vhd_footer_decode(footer, image + len - VHD_FOOTER_SIZE,
                                                 VHD_FOOTER_SIZE);
    if (status != VHD_FORMAT_OK) {
        vhd_footer copy;
        if (vhd_footer_decode(&copy, image, len) != VHD_FORMAT_OK)
            return status;
        *footer = copy;
    }
    if (footer->disk_type != VHD_DISK_TYPE_DYNAMIC &&
        footer->disk_type != VHD_DISK_TYPE_DIFFERENCING)
        return VHD_FORMAT_BAD_FIELD;
    if (!range_fits(footer->data_offset, VHD_DYNAMIC_HEADER_SIZE, len))
        return VHD_FORMAT_TRUNCATED;

    status = vhd_dynamic_header_decode(header, image + footer->data_offset,
                                       VHD_DYNAMIC_HEADER_SIZE);
    if (status != VHD_FORMAT_OK)
        return status;

    uint32_t block_size = header->block_size;
    if (block_size < VHD_SECTOR_SIZE || (block_size & (block_size - 1)) != 0)
        return VHD_FORMAT_BAD_FIELD;
    if (!range_fits(header->table_offset, (uint64_t)header->max_table_entries * 4, len))
        return VHD_FORMAT_TRUNCATED;
    return VHD_FORMAT_OK;
}

bool vhd_footer_written_by_vsdisk(const vhd_footer *footer)
{
    if (memcmp(footer->creator_application, VHD_CREATOR_APPLICATION_VSDISK_0_2, 4) == 0)
        return true;
    return memcmp(footer->creator_application, VHD_CREATOR_APPLICATION_WINDOWS, 4) == 0
           && footer->creator_version < VHD_CREATOR_VERSION_WINDOWS_MIN;
}
