#include "vhdx_format.h"

#include <stdio.h>
#include <string.h>

/* A GUID written as text, stored Microsoft-style: Data1-3 little-endian, Data4 as is. */
#define GUID_BYTES(d1, d2, d3, a, b, c, d, e, f, g, h) {{ \
    (uint8_t)(d1), (uint8_t)((d1) >> 8), (uint8_t)((d1) >> 16), (uint8_t)((d1) >> 24), \
    (uint8_t)(d2), (uint8_t)((d2) >> 8), (uint8_t)(d3), (uint8_t)((d3) >> 8), \
    a, b, c, d, e, f, g, h }}

const vhdx_guid vhdx_guid_bat_region =
    GUID_BYTES(0x2DC27766u, 0xF623u, 0x4200u, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08);
const vhdx_guid vhdx_guid_metadata_region =
    GUID_BYTES(0x8B7CA206u, 0x4790u, 0x4B9Au, 0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E);
const vhdx_guid vhdx_guid_file_parameters =
    GUID_BYTES(0xCAA16737u, 0xFA36u, 0x4D43u, 0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B);
const vhdx_guid vhdx_guid_virtual_disk_size =
    GUID_BYTES(0x2FA54224u, 0xCD1Bu, 0x4876u, 0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8);
const vhdx_guid vhdx_guid_virtual_disk_id =
    GUID_BYTES(0xBECA12ABu, 0xB2E6u, 0x4523u, 0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46);
const vhdx_guid vhdx_guid_logical_sector_size =
    GUID_BYTES(0x8141BF1Du, 0xA96Fu, 0x4709u, 0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F);
const vhdx_guid vhdx_guid_physical_sector_size =
    GUID_BYTES(0xCDA348C7u, 0x445Du, 0x4471u, 0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56);
const vhdx_guid vhdx_guid_parent_locator =
    GUID_BYTES(0xA8D35F2Du, 0xB30Bu, 0x454Du, 0xAB, 0xF7, 0xD3, 0xD8, 0x48, 0x34, 0xAB, 0x0C);
const vhdx_guid vhdx_guid_vhdx_locator_type =
    GUID_BYTES(0xB04AEFB7u, 0xD19Eu, 0x4A81u, 0xB7, 0x89, 0x25, 0xB8, 0xE9, 0x44, 0x59, 0x13);
const vhdx_guid vhdx_guid_incomplete_file =
    GUID_BYTES(0x71CC85F0u, 0x1B69u, 0x4E28u, 0x95, 0x58, 0xC3, 0xBF, 0x83, 0xAE, 0x75, 0xD3);

bool vhdx_guid_equal(const vhdx_guid *a, const vhdx_guid *b)
{
    return memcmp(a->bytes, b->bytes, 16) == 0;
}

bool vhdx_guid_is_zero(const vhdx_guid *guid)
{
    static const vhdx_guid zero;
    return vhdx_guid_equal(guid, &zero);
}

void vhdx_guid_format(const vhdx_guid *guid, char out[39])
{
    const uint8_t *b = guid->bytes;
    snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
             b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool vhdx_guid_parse(const char *text, vhdx_guid *guid)
{
    /* Text order of the 16 bytes: Data1 (4, reversed), Data2 (2, reversed), Data3 (2,
     * reversed), Data4 (8). */
    static const uint8_t stored_index[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    size_t len = strlen(text);
    bool braced = len == 38;
    if (len != 36 && !braced)
        return false;
    if (braced && (text[0] != '{' || text[37] != '}'))
        return false;
    const char *p = text + (braced ? 1 : 0);
    unsigned byte = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (p[i] != '-')
                return false;
            i++;
            continue;
        }
        int high = hex_value(p[i]), low = hex_value(p[i + 1]);
        if (high < 0 || low < 0)
            return false;
        guid->bytes[stored_index[byte++]] = (uint8_t)(high << 4 | low);
        i += 2;
    }
    return true;
}

uint16_t vhdx_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t vhdx_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t vhdx_get64(const uint8_t *p)
{
    return (uint64_t)vhdx_get32(p) | (uint64_t)vhdx_get32(p + 4) << 32;
}

void vhdx_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void vhdx_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

void vhdx_put64(uint8_t *p, uint64_t v)
{
    vhdx_put32(p, (uint32_t)v);
    vhdx_put32(p + 4, (uint32_t)(v >> 32));
}

static void get_guid(vhdx_guid *guid, const uint8_t *p)
{
    memcpy(guid->bytes, p, 16);
}

/* CRC-32C of len bytes with the 4 bytes at checksum_offset counted as zero. */
static uint32_t crc_without_field(const uint8_t *buf, size_t len, size_t checksum_offset)
{
    static const uint8_t zero[4];
    uint32_t state = vhdx_crc32c_begin();
    state = vhdx_crc32c_update(state, buf, checksum_offset);
    state = vhdx_crc32c_update(state, zero, 4);
    state = vhdx_crc32c_update(state, buf + checksum_offset + 4, len - checksum_offset - 4);
    return vhdx_crc32c_end(state);
}

/* ---- file type identifier ---- */
vhdx_format_status vhdx_file_identifier_decode(vhdx_file_identifier *id, const uint8_t *buf,
                                               size_t len)
{
    if (len < VHDX_FILE_IDENTIFIER_STRUCT_SIZE)
        return VHDX_FORMAT_TRUNCATED;
    memcpy(id->signature, buf, 8);
    memcpy(id->creator, buf + 8, 512);
    return memcmp(buf, VHDX_SIGNATURE_FILE, 8) == 0 ? VHDX_FORMAT_OK : VHDX_FORMAT_BAD_SIGNATURE;
}

void vhdx_file_identifier_encode(const vhdx_file_identifier *id,
                                 uint8_t out[VHDX_FILE_IDENTIFIER_STRUCT_SIZE])
{
    memcpy(out, id->signature, 8);
    memcpy(out + 8, id->creator, 512);
}

/* ---- headers ---- */
vhdx_format_status vhdx_header_decode(vhdx_header *h, const uint8_t *buf, size_t len)
{
    if (len < VHDX_HEADER_SIZE)
        return VHDX_FORMAT_TRUNCATED;
    memcpy(h->signature, buf, 4);
    h->checksum = vhdx_get32(buf + 4);
    h->sequence_number = vhdx_get64(buf + 8);
    get_guid(&h->file_write_guid, buf + 16);
    get_guid(&h->data_write_guid, buf + 32);
    get_guid(&h->log_guid, buf + 48);
    h->log_version = vhdx_get16(buf + 64);
    h->version = vhdx_get16(buf + 66);
    h->log_length = vhdx_get32(buf + 68);
    h->log_offset = vhdx_get64(buf + 72);
    if (memcmp(buf, VHDX_SIGNATURE_HEADER, 4) != 0)
        return VHDX_FORMAT_BAD_SIGNATURE;
    if (crc_without_field(buf, VHDX_HEADER_SIZE, 4) != h->checksum)
        return VHDX_FORMAT_BAD_CHECKSUM;
    return VHDX_FORMAT_OK;
}

uint32_t vhdx_header_encode(const vhdx_header *h, uint8_t out[VHDX_HEADER_SIZE])
{
    memset(out, 0, VHDX_HEADER_SIZE);
    memcpy(out, h->signature, 4);
    vhdx_put64(out + 8, h->sequence_number);
    memcpy(out + 16, h->file_write_guid.bytes, 16);
    memcpy(out + 32, h->data_write_guid.bytes, 16);
    memcpy(out + 48, h->log_guid.bytes, 16);
    vhdx_put16(out + 64, h->log_version);
    vhdx_put16(out + 66, h->version);
    vhdx_put32(out + 68, h->log_length);
    vhdx_put64(out + 72, h->log_offset);
    uint32_t crc = vhdx_crc32c(out, VHDX_HEADER_SIZE);
    vhdx_put32(out + 4, crc);
    return crc;
}

/* ---- region table ---- */
vhdx_format_status vhdx_region_table_header_decode(vhdx_region_table_header *h,
                                                   const uint8_t *buf, size_t len)
{
    if (len < VHDX_REGION_TABLE_SIZE)
        return VHDX_FORMAT_TRUNCATED;
    memcpy(h->signature, buf, 4);
    h->checksum = vhdx_get32(buf + 4);
    h->entry_count = vhdx_get32(buf + 8);
    h->reserved = vhdx_get32(buf + 12);
    if (memcmp(buf, VHDX_SIGNATURE_REGION, 4) != 0)
        return VHDX_FORMAT_BAD_SIGNATURE;
    if (crc_without_field(buf, VHDX_REGION_TABLE_SIZE, 4) != h->checksum)
        return VHDX_FORMAT_BAD_CHECKSUM;
    return VHDX_FORMAT_OK;
}

void vhdx_region_table_entry_decode(vhdx_region_table_entry *e,
                                    const uint8_t buf[VHDX_REGION_TABLE_ENTRY_SIZE])
{
    get_guid(&e->guid, buf);
    e->file_offset = vhdx_get64(buf + 16);
    e->length = vhdx_get32(buf + 24);
    e->required = vhdx_get32(buf + 28);
}

void vhdx_region_table_entry_encode(const vhdx_region_table_entry *e,
                                    uint8_t out[VHDX_REGION_TABLE_ENTRY_SIZE])
{
    memcpy(out, e->guid.bytes, 16);
    vhdx_put64(out + 16, e->file_offset);
    vhdx_put32(out + 24, e->length);
    vhdx_put32(out + 28, e->required);
}

uint32_t vhdx_region_table_encode(const vhdx_region_table_entry *entries, uint32_t count,
                                  uint8_t out[VHDX_REGION_TABLE_SIZE])
{
    memset(out, 0, VHDX_REGION_TABLE_SIZE);
    memcpy(out, VHDX_SIGNATURE_REGION, 4);
    vhdx_put32(out + 8, count);
    for (uint32_t i = 0; i < count && i < VHDX_REGION_ENTRY_MAX; i++)
        vhdx_region_table_entry_encode(&entries[i], out + VHDX_REGION_TABLE_HEADER_SIZE
                                       + (size_t)i * VHDX_REGION_TABLE_ENTRY_SIZE);
    uint32_t crc = vhdx_crc32c(out, VHDX_REGION_TABLE_SIZE);
    vhdx_put32(out + 4, crc);
    return crc;
}

/* ---- metadata table and items ---- */
vhdx_format_status vhdx_metadata_table_header_decode(vhdx_metadata_table_header *h,
                                                     const uint8_t *buf, size_t len)
{
    if (len < VHDX_METADATA_TABLE_HEADER_SIZE)
        return VHDX_FORMAT_TRUNCATED;
    memcpy(h->signature, buf, 8);
    h->reserved = vhdx_get16(buf + 8);
    h->entry_count = vhdx_get16(buf + 10);
    memcpy(h->reserved2, buf + 12, 20);
    return memcmp(buf, VHDX_SIGNATURE_METADATA, 8) == 0 ? VHDX_FORMAT_OK
                                                        : VHDX_FORMAT_BAD_SIGNATURE;
}

void vhdx_metadata_table_header_encode(const vhdx_metadata_table_header *h,
                                       uint8_t out[VHDX_METADATA_TABLE_HEADER_SIZE])
{
    memcpy(out, h->signature, 8);
    vhdx_put16(out + 8, h->reserved);
    vhdx_put16(out + 10, h->entry_count);
    memcpy(out + 12, h->reserved2, 20);
}

void vhdx_metadata_table_entry_decode(vhdx_metadata_table_entry *e,
                                      const uint8_t buf[VHDX_METADATA_TABLE_ENTRY_SIZE])
{
    get_guid(&e->item_id, buf);
    e->offset = vhdx_get32(buf + 16);
    e->length = vhdx_get32(buf + 20);
    e->flags = vhdx_get32(buf + 24);
    e->reserved2 = vhdx_get32(buf + 28);
}

void vhdx_metadata_table_entry_encode(const vhdx_metadata_table_entry *e,
                                      uint8_t out[VHDX_METADATA_TABLE_ENTRY_SIZE])
{
    memcpy(out, e->item_id.bytes, 16);
    vhdx_put32(out + 16, e->offset);
    vhdx_put32(out + 20, e->length);
    vhdx_put32(out + 24, e->flags);
    vhdx_put32(out + 28, e->reserved2);
}

void vhdx_file_parameters_decode(vhdx_file_parameters *fp,
                                 const uint8_t buf[VHDX_FILE_PARAMETERS_SIZE])
{
    fp->block_size = vhdx_get32(buf);
    fp->flags = vhdx_get32(buf + 4);
}

void vhdx_file_parameters_encode(const vhdx_file_parameters *fp,
                                 uint8_t out[VHDX_FILE_PARAMETERS_SIZE])
{
    vhdx_put32(out, fp->block_size);
    vhdx_put32(out + 4, fp->flags);
}

void vhdx_parent_locator_header_decode(vhdx_parent_locator_header *h,
                                       const uint8_t buf[VHDX_PARENT_LOCATOR_HEADER_SIZE])
{
    get_guid(&h->locator_type, buf);
    h->reserved = vhdx_get16(buf + 16);
    h->key_value_count = vhdx_get16(buf + 18);
}

void vhdx_parent_locator_header_encode(const vhdx_parent_locator_header *h,
                                       uint8_t out[VHDX_PARENT_LOCATOR_HEADER_SIZE])
{
    memcpy(out, h->locator_type.bytes, 16);
    vhdx_put16(out + 16, h->reserved);
    vhdx_put16(out + 18, h->key_value_count);
}

void vhdx_parent_locator_entry_decode(vhdx_parent_locator_entry *e,
                                      const uint8_t buf[VHDX_PARENT_LOCATOR_ENTRY_SIZE])
{
    e->key_offset = vhdx_get32(buf);
    e->value_offset = vhdx_get32(buf + 4);
    e->key_length = vhdx_get16(buf + 8);
    e->value_length = vhdx_get16(buf + 10);
}

void vhdx_parent_locator_entry_encode(const vhdx_parent_locator_entry *e,
                                      uint8_t out[VHDX_PARENT_LOCATOR_ENTRY_SIZE])
{
    vhdx_put32(out, e->key_offset);
    vhdx_put32(out + 4, e->value_offset);
    vhdx_put16(out + 8, e->key_length);
    vhdx_put16(out + 10, e->value_length);
}

/* ---- log ---- */
vhdx_format_status vhdx_log_entry_header_decode(vhdx_log_entry_header *h, const uint8_t *buf,
                                                size_t len)
{
    if (len < VHDX_LOG_ENTRY_HEADER_SIZE)
        return VHDX_FORMAT_TRUNCATED;
    memcpy(h->signature, buf, 4);
    h->checksum = vhdx_get32(buf + 4);
    h->entry_length = vhdx_get32(buf + 8);
    h->tail = vhdx_get32(buf + 12);
    h->sequence_number = vhdx_get64(buf + 16);
    h->descriptor_count = vhdx_get32(buf + 24);
    h->reserved = vhdx_get32(buf + 28);
    get_guid(&h->log_guid, buf + 32);
    h->flushed_file_offset = vhdx_get64(buf + 48);
    h->last_file_offset = vhdx_get64(buf + 56);
    return memcmp(buf, VHDX_SIGNATURE_LOG_ENTRY, 4) == 0 ? VHDX_FORMAT_OK
                                                         : VHDX_FORMAT_BAD_SIGNATURE;
}

void vhdx_log_entry_header_encode(const vhdx_log_entry_header *h,
                                  uint8_t out[VHDX_LOG_ENTRY_HEADER_SIZE])
{
    memcpy(out, h->signature, 4);
    vhdx_put32(out + 4, h->checksum);
    vhdx_put32(out + 8, h->entry_length);
    vhdx_put32(out + 12, h->tail);
    vhdx_put64(out + 16, h->sequence_number);
    vhdx_put32(out + 24, h->descriptor_count);
    vhdx_put32(out + 28, h->reserved);
    memcpy(out + 32, h->log_guid.bytes, 16);
    vhdx_put64(out + 48, h->flushed_file_offset);
    vhdx_put64(out + 56, h->last_file_offset);
}

uint32_t vhdx_log_entry_checksum(const uint8_t *entry, size_t entry_length)
{
    return crc_without_field(entry, entry_length, 4);
}

vhdx_format_status vhdx_log_zero_descriptor_decode(vhdx_log_zero_descriptor *d,
                                                   const uint8_t buf[VHDX_LOG_DESCRIPTOR_SIZE])
{
    memcpy(d->signature, buf, 4);
    d->reserved = vhdx_get32(buf + 4);
    d->zero_length = vhdx_get64(buf + 8);
    d->file_offset = vhdx_get64(buf + 16);
    d->sequence_number = vhdx_get64(buf + 24);
    return memcmp(buf, VHDX_SIGNATURE_ZERO, 4) == 0 ? VHDX_FORMAT_OK : VHDX_FORMAT_BAD_SIGNATURE;
}

void vhdx_log_zero_descriptor_encode(const vhdx_log_zero_descriptor *d,
                                     uint8_t out[VHDX_LOG_DESCRIPTOR_SIZE])
{
    memcpy(out, d->signature, 4);
    vhdx_put32(out + 4, d->reserved);
    vhdx_put64(out + 8, d->zero_length);
    vhdx_put64(out + 16, d->file_offset);
    vhdx_put64(out + 24, d->sequence_number);
}

vhdx_format_status vhdx_log_data_descriptor_decode(vhdx_log_data_descriptor *d,
                                                   const uint8_t buf[VHDX_LOG_DESCRIPTOR_SIZE])
{
    memcpy(d->signature, buf, 4);
    memcpy(d->trailing_bytes, buf + 4, 4);
    memcpy(d->leading_bytes, buf + 8, 8);
    d->file_offset = vhdx_get64(buf + 16);
    d->sequence_number = vhdx_get64(buf + 24);
    return memcmp(buf, VHDX_SIGNATURE_DATA_DESC, 4) == 0 ? VHDX_FORMAT_OK
                                                         : VHDX_FORMAT_BAD_SIGNATURE;
}

void vhdx_log_data_descriptor_encode(const vhdx_log_data_descriptor *d,
                                     uint8_t out[VHDX_LOG_DESCRIPTOR_SIZE])
{
    memcpy(out, d->signature, 4);
    memcpy(out + 4, d->trailing_bytes, 4);
    memcpy(out + 8, d->leading_bytes, 8);
    vhdx_put64(out + 16, d->file_offset);
    vhdx_put64(out + 24, d->sequence_number);
}

vhdx_format_status vhdx_log_data_sector_decode(vhdx_log_data_sector *s,
                                               const uint8_t buf[VHDX_LOG_SECTOR_SIZE])
{
    memcpy(s->signature, buf, 4);
    s->sequence_high = vhdx_get32(buf + 4);
    memcpy(s->data, buf + 8, VHDX_LOG_DATA_BYTES);
    s->sequence_low = vhdx_get32(buf + 4092);
    return memcmp(buf, VHDX_SIGNATURE_DATA, 4) == 0 ? VHDX_FORMAT_OK : VHDX_FORMAT_BAD_SIGNATURE;
}

void vhdx_log_data_sector_encode(const vhdx_log_data_sector *s, uint8_t out[VHDX_LOG_SECTOR_SIZE])
{
    memcpy(out, s->signature, 4);
    vhdx_put32(out + 4, s->sequence_high);
    memcpy(out + 8, s->data, VHDX_LOG_DATA_BYTES);
    vhdx_put32(out + 4092, s->sequence_low);
}

void vhdx_log_data_split(const uint8_t target[VHDX_LOG_SECTOR_SIZE], uint64_t file_offset,
                         uint64_t sequence_number, vhdx_log_data_descriptor *desc,
                         vhdx_log_data_sector *sector)
{
    memcpy(desc->signature, VHDX_SIGNATURE_DATA_DESC, 4);
    memcpy(desc->leading_bytes, target, 8);
    memcpy(desc->trailing_bytes, target + 4092, 4);
    desc->file_offset = file_offset;
    desc->sequence_number = sequence_number;
    memcpy(sector->signature, VHDX_SIGNATURE_DATA, 4);
    sector->sequence_high = (uint32_t)(sequence_number >> 32);
    memcpy(sector->data, target + 8, VHDX_LOG_DATA_BYTES);
    sector->sequence_low = (uint32_t)sequence_number;
}

void vhdx_log_data_join(const vhdx_log_data_descriptor *desc, const vhdx_log_data_sector *sector,
                        uint8_t target[VHDX_LOG_SECTOR_SIZE])
{
    memcpy(target, desc->leading_bytes, 8);
    memcpy(target + 8, sector->data, VHDX_LOG_DATA_BYTES);
    memcpy(target + 4092, desc->trailing_bytes, 4);
}

/* ---- BAT geometry ---- */
uint64_t vhdx_chunk_ratio(uint32_t block_size, uint32_t logical_sector_size)
{
    return VHDX_SECTORS_PER_CHUNK * logical_sector_size / block_size;
}

uint64_t vhdx_data_blocks(uint64_t virtual_size, uint32_t block_size)
{
    return virtual_size / block_size + (virtual_size % block_size != 0);
}

uint64_t vhdx_bat_entries(uint64_t virtual_size, uint32_t block_size,
                          uint32_t logical_sector_size, bool has_parent)
{
    uint64_t ratio = vhdx_chunk_ratio(block_size, logical_sector_size);
    uint64_t blocks = vhdx_data_blocks(virtual_size, block_size);
    if (blocks == 0)
        return 0;
    if (has_parent) {
        uint64_t chunks = blocks / ratio + (blocks % ratio != 0);
        return chunks * (ratio + 1);
    }
    return blocks + (blocks - 1) / ratio;
}
