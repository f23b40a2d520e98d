#define _POSIX_C_SOURCE 200809L
#include "vhdx_spec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t spec_crc32c(const uint8_t *buf, size_t len, size_t checksum_field)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        uint8_t byte = i >= checksum_field && i < checksum_field + 4 ? 0 : buf[i];
        crc ^= byte;
        for (int bit = 0; bit < 8; bit++)
            crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}

uint16_t spec_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t spec_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t spec_le64(const uint8_t *p)
{
    return spec_le32(p) | (uint64_t)spec_le32(p + 4) << 32;
}

static unsigned hex(char c)
{
    return c >= '0' && c <= '9' ? (unsigned)(c - '0')
         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : (unsigned)(c - 'A' + 10);
}

void spec_guid(const char *text, uint8_t out[16])
{
    uint8_t raw[16];   /* the text's bytes in reading order */
    size_t n = 0;
    for (const char *p = text; *p && n < 16; ) {
        if (*p == '-' || *p == '{' || *p == '}') {
            p++;
            continue;
        }
        raw[n++] = (uint8_t)(hex(p[0]) << 4 | hex(p[1]));
        p += 2;
    }
    const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    for (int i = 0; i < 16; i++)
        out[i] = raw[order[i]];
}

void spec_guid_text(const uint8_t g[16], char out[39])
{
    snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
             g[13], g[14], g[15]);
}

bool spec_pread(const char *path, uint64_t offset, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(offset + done));
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    return done == len;
}

bool spec_range_zero(const char *path, uint64_t offset, uint64_t len)
{
    static uint8_t buf[1 << 20];
    while (len > 0) {
        size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
        if (!spec_pread(path, offset, buf, n))
            return false;
        for (size_t i = 0; i < n; i++)
            if (buf[i] != 0)
                return false;
        offset += n;
        len -= n;
    }
    return true;
}

static void read_header(const uint8_t *b, struct spec_header *h)
{
    memset(h, 0, sizeof *h);
    h->valid = memcmp(b, "head", 4) == 0 && spec_le32(b + 4) == spec_crc32c(b, 4096, 4);
    h->sequence_number = spec_le64(b + 8);
    memcpy(h->file_write_guid, b + 16, 16);
    memcpy(h->data_write_guid, b + 32, 16);
    memcpy(h->log_guid, b + 48, 16);
    h->log_version = spec_le16(b + 64);
    h->version = spec_le16(b + 66);
    h->log_length = spec_le32(b + 68);
    h->log_offset = spec_le64(b + 72);
    h->reserved_zero = true;
    for (size_t i = 80; i < 4096; i++)
        if (b[i] != 0)
            h->reserved_zero = false;
}

static void read_utf16(const uint8_t *p, size_t bytes, char *out, size_t out_size)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < bytes && n + 1 < out_size; i += 2) {
        uint16_t unit = spec_le16(p + i);
        out[n++] = unit < 0x80 ? (char)unit : '?';
    }
    out[n] = '\0';
}

static void read_metadata(const char *path, struct spec_vhdx *v)
{
    uint8_t *region = calloc(1, SPEC_MiB);
    if (region == NULL || !spec_pread(path, v->metadata_offset, region, SPEC_MiB)) {
        free(region);
        return;
    }
    v->metadata_signature = memcmp(region, "metadata", 8) == 0;
    v->metadata_count = spec_le16(region + 10);
    v->metadata_reserved_zero = spec_le16(region + 8) == 0;
    for (size_t i = 12; i < 32; i++)
        if (region[i] != 0)
            v->metadata_reserved_zero = false;
    uint8_t id[16];
    for (unsigned i = 0; i < v->metadata_count && i < SPEC_MAX_ENTRIES; i++) {
        const uint8_t *e = region + 32 + 32 * i;
        struct spec_item *item = &v->items[i];
        memcpy(item->item_id, e, 16);
        item->offset = spec_le32(e + 16);
        item->length = spec_le32(e + 20);
        item->flags = spec_le32(e + 24);
        item->reserved = spec_le32(e + 28);
        if ((uint64_t)item->offset + item->length > SPEC_MiB)
            continue;
        const uint8_t *value = region + item->offset;
        spec_guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B", id);
        if (memcmp(id, item->item_id, 16) == 0 && item->length >= 8) {
            v->block_size = spec_le32(value);
            v->file_parameters_flags = spec_le32(value + 4);
        }
        spec_guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8", id);
        if (memcmp(id, item->item_id, 16) == 0 && item->length >= 8)
            v->virtual_size = spec_le64(value);
        spec_guid("8141BF1D-A96F-4709-BA47-F233A8FAAB5F", id);
        if (memcmp(id, item->item_id, 16) == 0 && item->length >= 4)
            v->logical_sector_size = spec_le32(value);
        spec_guid("CDA348C7-445D-4471-9CC9-E9885251C556", id);
        if (memcmp(id, item->item_id, 16) == 0 && item->length >= 4)
            v->physical_sector_size = spec_le32(value);
        spec_guid("BECA12AB-B2E6-4523-93EF-C309E000C746", id);
        if (memcmp(id, item->item_id, 16) == 0 && item->length >= 16)
            memcpy(v->virtual_disk_id, value, 16);
        spec_guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C", id);
        if (memcmp(id, item->item_id, 16) == 0 && item->length >= 20) {
            v->has_locator = true;
            memcpy(v->locator_type, value, 16);
            v->locator_reserved = spec_le16(value + 16);
            v->locator_count = spec_le16(value + 18);
            for (unsigned k = 0; k < v->locator_count && k < SPEC_MAX_PAIRS; k++) {
                const uint8_t *pe = value + 20 + 12 * k;
                struct spec_pair *pair = &v->pairs[k];
                if (20 + 12 * (k + 1) > item->length)
                    break;
                pair->key_offset = spec_le32(pe);
                pair->value_offset = spec_le32(pe + 4);
                pair->key_length = spec_le16(pe + 8);
                pair->value_length = spec_le16(pe + 10);
                if ((uint64_t)pair->key_offset + pair->key_length <= item->length)
                    read_utf16(value + pair->key_offset, pair->key_length, pair->key,
                               sizeof pair->key);
                if ((uint64_t)pair->value_offset + pair->value_length <= item->length)
                    read_utf16(value + pair->value_offset, pair->value_length, pair->value,
                               sizeof pair->value);
            }
        }
    }
    free(region);
}

bool spec_vhdx_read(const char *path, struct spec_vhdx *v)
{
    struct stat st;
    memset(v, 0, sizeof *v);
    v->current = -1;
    if (stat(path, &st) != 0)
        return false;
    v->file_size = (uint64_t)st.st_size;

    uint8_t *section = calloc(1, 320 * SPEC_KiB);   /* identifier, headers, region tables */
    if (section == NULL)
        return false;
    spec_pread(path, 0, section, (size_t)(v->file_size < 320 * SPEC_KiB ? v->file_size
                                                                        : 320 * SPEC_KiB));
    v->signature = memcmp(section, "vhdxfile", 8) == 0;
    read_utf16(section + 8, 512, v->creator, sizeof v->creator);
    for (int i = 0; i < 2; i++)
        read_header(section + (i + 1) * 64 * SPEC_KiB, &v->headers[i]);
    if (v->headers[0].valid && v->headers[1].valid)
        v->current = v->headers[1].sequence_number > v->headers[0].sequence_number ? 1 : 0;
    else if (v->headers[0].valid || v->headers[1].valid)
        v->current = v->headers[1].valid;
    for (int t = 0; t < 2; t++) {
        const uint8_t *table = section + (192 + 64 * t) * SPEC_KiB;
        v->region_valid[t] = memcmp(table, "regi", 4) == 0 &&
                             spec_le32(table + 4) == spec_crc32c(table, 64 * SPEC_KiB, 4);
        v->region_count[t] = spec_le32(table + 8);
        v->region_reserved[t] = spec_le32(table + 12);
        for (unsigned i = 0; i < v->region_count[t] && i < SPEC_MAX_ENTRIES; i++) {
            const uint8_t *e = table + 16 + 32 * i;
            struct spec_region *r = &v->regions[t][i];
            memcpy(r->guid, e, 16);
            r->file_offset = spec_le64(e + 16);
            r->length = spec_le32(e + 24);
            r->required = spec_le32(e + 28);
        }
    }
    free(section);

    uint8_t bat[16], metadata[16];
    spec_guid("2DC27766-F623-4200-9D64-115E9BFD4A08", bat);
    spec_guid("8B7CA206-4790-4B9A-B8FE-575F050F886E", metadata);
    v->bat_offset = 3 * SPEC_MiB;
    v->metadata_offset = 2 * SPEC_MiB;
    for (unsigned i = 0; v->region_valid[0] && i < v->region_count[0] && i < SPEC_MAX_ENTRIES; i++) {
        const struct spec_region *r = &v->regions[0][i];
        if (memcmp(r->guid, bat, 16) == 0) {
            v->bat_offset = r->file_offset;
            v->bat_length = r->length;
        } else if (memcmp(r->guid, metadata, 16) == 0) {
            v->metadata_offset = r->file_offset;
            v->metadata_length = r->length;
        }
    }
    read_metadata(path, v);
    return true;
}

bool spec_vhdx_committed(const char *path)
{
    struct spec_vhdx v;
    return spec_vhdx_read(path, &v) && v.signature && v.current >= 0;
}

uint64_t spec_vhdx_bat_entry(const char *path, const struct spec_vhdx *v, uint64_t index)
{
    uint8_t entry[8];
    if (!spec_pread(path, v->bat_offset + index * 8, entry, sizeof entry))
        return 0;
    return spec_le64(entry);
}
