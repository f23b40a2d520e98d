#include "vhdx_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *must_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (p == NULL) {
        fprintf(stderr, "vhdx_builder: out of memory\n");
        abort();
    }
    return p;
}

static size_t round_mib(uint64_t v)
{
    return (size_t)((v + MiB - 1) / MiB * MiB);
}

/* ASCII text as UTF-16LE at p; returns the bytes written. */
static uint16_t put_utf16(uint8_t *p, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = (uint8_t)text[i];
        p[2 * i + 1] = 0;
    }
    return (uint16_t)(2 * n);
}

static const char *const locator_keys[3][2] = {
    { "parent_linkage", "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}" },
    { "relative_path", ".\\parent.vhdx" },
    { "absolute_win32_path", "C:\\disks\\parent.vhdx" },
};

static size_t write_locator(uint8_t *p)
{
    vhdx_parent_locator_header h = { vhdx_guid_vhdx_locator_type, 0, 3 };
    vhdx_parent_locator_header_encode(&h, p);
    size_t at = VHDX_PARENT_LOCATOR_HEADER_SIZE + 3 * VHDX_PARENT_LOCATOR_ENTRY_SIZE;
    for (unsigned i = 0; i < 3; i++) {
        vhdx_parent_locator_entry e;
        e.key_offset = (uint32_t)at;
        e.key_length = put_utf16(p + at, locator_keys[i][0]);
        at += e.key_length;
        e.value_offset = (uint32_t)at;
        e.value_length = put_utf16(p + at, locator_keys[i][1]);
        at += e.value_length;
        vhdx_parent_locator_entry_encode(&e, p + VHDX_PARENT_LOCATOR_HEADER_SIZE
                                         + i * VHDX_PARENT_LOCATOR_ENTRY_SIZE);
    }
    return at;
}

void vhdx_builder_build(const struct vhdx_builder_spec *in, struct vhdx_built *b)
{
    struct vhdx_builder_spec spec = *in;
    memset(b, 0, sizeof *b);
    if (spec.virtual_size == 0)
        spec.virtual_size = 8 * MiB;
    if (spec.block_size == 0)
        spec.block_size = (uint32_t)MiB;
    if (spec.logical_sector_size == 0)
        spec.logical_sector_size = 512;
    if (spec.physical_sector_size == 0)
        spec.physical_sector_size = 4096;
    if (spec.log_length == 0)
        spec.log_length = (uint32_t)MiB;
    b->spec = spec;

    uint64_t ratio = vhdx_chunk_ratio(spec.block_size, spec.logical_sector_size);
    uint64_t blocks = vhdx_data_blocks(spec.virtual_size, spec.block_size);
    uint64_t entries = vhdx_bat_entries(spec.virtual_size, spec.block_size,
                                        spec.logical_sector_size, spec.differencing);
    b->chunk_ratio = ratio;
    b->log_at = MiB;
    b->log_length = spec.log_length;
    b->metadata_at = b->log_at + spec.log_length;
    b->bat_at = b->metadata_at + MiB;
    b->first_block_at = b->bat_at + round_mib(entries * 8);
    if (spec.differencing) {
        b->bitmap_at = b->first_block_at;
        b->first_block_at += MiB;
    }
    uint64_t allocated = spec.fixed ? blocks : spec.present_blocks + (spec.partial_block ? 1 : 0);
    b->size = b->first_block_at + (size_t)(allocated * spec.block_size);
    b->data = must_alloc(b->size);
    uint8_t *d = b->data;

    /* File type identifier. */
    memcpy(d, VHDX_SIGNATURE_FILE, 8);
    put_utf16(d + 8, "vsdisk test builder");

    /* Headers: the second is current. */
    for (int i = 0; i < 2; i++) {
        vhdx_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.signature, VHDX_SIGNATURE_HEADER, 4);
        h.sequence_number = 10 + (uint64_t)i;
        memset(h.file_write_guid.bytes, 0xF1, 16);
        for (int k = 0; k < 16; k++)
            h.data_write_guid.bytes[k] = (uint8_t)(0xD0 + k);
        h.version = 1;
        h.log_length = spec.log_length;
        h.log_offset = b->log_at;
        b->header_at[i] = i == 0 ? VHDX_HEADER1_OFFSET : VHDX_HEADER2_OFFSET;
        vhdx_header_encode(&h, d + b->header_at[i]);
    }

    /* Region tables: BAT first, as Windows lists them. */
    vhdx_region_table_entry regions[2] = {
        { vhdx_guid_bat_region, b->bat_at, (uint32_t)round_mib(entries * 8), 1 },
        { vhdx_guid_metadata_region, b->metadata_at, (uint32_t)MiB, 1 },
    };
    b->region_at[0] = VHDX_REGION_TABLE1_OFFSET;
    b->region_at[1] = VHDX_REGION_TABLE2_OFFSET;
    vhdx_region_table_encode(regions, 2, d + b->region_at[0]);
    vhdx_region_table_encode(regions, 2, d + b->region_at[1]);

    /* Metadata: items packed from 64 KiB, the locator at 68 KiB. */
    uint8_t *md = d + b->metadata_at;
    vhdx_metadata_table_header mh;
    memset(&mh, 0, sizeof mh);
    memcpy(mh.signature, VHDX_SIGNATURE_METADATA, 8);
    mh.entry_count = spec.differencing ? 6 : 5;
    b->metadata_entries = mh.entry_count;
    vhdx_metadata_table_header_encode(&mh, md);
    const struct { const vhdx_guid *guid; uint32_t offset, length, flags; } items[6] = {
        { &vhdx_guid_file_parameters, 65536, 8, 4 },
        { &vhdx_guid_virtual_disk_size, 65536 + 8, 8, 6 },
        { &vhdx_guid_virtual_disk_id, 65536 + 16, 16, 6 },
        { &vhdx_guid_logical_sector_size, 65536 + 32, 4, 6 },
        { &vhdx_guid_physical_sector_size, 65536 + 36, 4, 6 },
        { &vhdx_guid_parent_locator, 65536 + 4096, 0, 4 },
    };
    size_t locator_length = spec.differencing ? write_locator(md + items[5].offset) : 0;
    for (unsigned i = 0; i < mh.entry_count; i++) {
        vhdx_metadata_table_entry e = { *items[i].guid, items[i].offset,
                                        i == 5 ? (uint32_t)locator_length : items[i].length,
                                        items[i].flags, 0 };
        vhdx_metadata_table_entry_encode(&e, md + 32 + 32 * i);
        b->item_at[i] = b->metadata_at + items[i].offset;
    }
    vhdx_file_parameters fp = { spec.block_size,
                                (spec.fixed ? VHDX_FILE_PARAMETERS_LEAVE_BLOCK_ALLOCATED : 0)
                                | (spec.differencing ? VHDX_FILE_PARAMETERS_HAS_PARENT : 0) };
    vhdx_file_parameters_encode(&fp, d + b->item_at[0]);
    vhdx_put64(d + b->item_at[1], spec.virtual_size);
    for (int k = 0; k < 16; k++)
        d[b->item_at[2] + k] = (uint8_t)(0x10 + k);
    vhdx_put32(d + b->item_at[3], spec.logical_sector_size);
    vhdx_put32(d + b->item_at[4], spec.physical_sector_size);

    /* BAT and blocks. */
    uint64_t sectors_per_block = spec.block_size / spec.logical_sector_size;
    uint64_t total_sectors = spec.virtual_size / spec.logical_sector_size;
    size_t next = b->first_block_at;
    for (uint64_t n = 0; n < blocks; n++) {
        unsigned state = VHDX_PAYLOAD_BLOCK_NOT_PRESENT;
        if (spec.fixed || n < spec.present_blocks)
            state = VHDX_PAYLOAD_BLOCK_FULLY_PRESENT;
        else if (spec.partial_block && n == spec.present_blocks)
            state = VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT;
        if (state == VHDX_PAYLOAD_BLOCK_NOT_PRESENT)
            continue;
        vhdx_builder_set_bat(b, vhdx_bat_payload_index(n, ratio), vhdx_bat_entry(state, next));
        for (uint64_t s = 0; s < sectors_per_block; s++) {
            uint64_t lba = n * sectors_per_block + s;
            uint8_t *sector = d + next + s * spec.logical_sector_size;
            if (lba >= total_sectors)
                break;
            bool here = state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT || lba % 2 == 0;
            memset(sector, here ? vhdx_builder_pattern(lba) : 0xEE, spec.logical_sector_size);
            if (state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT && here) {
                uint64_t bit = lba % VHDX_SECTORS_PER_CHUNK;
                d[b->bitmap_at + bit / 8] |= (uint8_t)(1u << (bit % 8));
            }
        }
        next += spec.block_size;
    }
    if (spec.differencing && spec.partial_block)
        vhdx_builder_set_bat(b, vhdx_bat_bitmap_index(0, ratio),
                             vhdx_bat_entry(VHDX_SB_BLOCK_PRESENT, b->bitmap_at));
}

void vhdx_builder_free(struct vhdx_built *b)
{
    free(b->data);
    b->data = NULL;
}

void vhdx_builder_get_header(const struct vhdx_built *b, int i, vhdx_header *h)
{
    vhdx_header_decode(h, b->data + b->header_at[i], VHDX_HEADER_SIZE);
}

void vhdx_builder_put_header(struct vhdx_built *b, int i, const vhdx_header *h)
{
    vhdx_header_encode(h, b->data + b->header_at[i]);
}

void vhdx_builder_fix_header(struct vhdx_built *b, int i)
{
    uint8_t *p = b->data + b->header_at[i];
    vhdx_put32(p + 4, 0);
    vhdx_put32(p + 4, vhdx_crc32c(p, VHDX_HEADER_SIZE));
}

void vhdx_builder_fix_region_table(struct vhdx_built *b, int i)
{
    uint8_t *p = b->data + b->region_at[i];
    vhdx_put32(p + 4, 0);
    vhdx_put32(p + 4, vhdx_crc32c(p, VHDX_REGION_TABLE_SIZE));
}

uint8_t *vhdx_builder_region_entry(struct vhdx_built *b, int i, unsigned e)
{
    return b->data + b->region_at[i] + VHDX_REGION_TABLE_HEADER_SIZE
        + e * VHDX_REGION_TABLE_ENTRY_SIZE;
}

uint8_t *vhdx_builder_metadata_entry(struct vhdx_built *b, unsigned e)
{
    return b->data + b->metadata_at + VHDX_METADATA_TABLE_HEADER_SIZE
        + e * VHDX_METADATA_TABLE_ENTRY_SIZE;
}

uint64_t vhdx_builder_get_bat(const struct vhdx_built *b, uint64_t index)
{
    return vhdx_get64(b->data + b->bat_at + index * 8);
}

void vhdx_builder_set_bat(struct vhdx_built *b, uint64_t index, uint64_t entry)
{
    vhdx_put64(b->data + b->bat_at + index * 8, entry);
}

uint32_t vhdx_builder_write_log_entry(struct vhdx_built *b, uint32_t position,
                                      const struct vhdx_builder_entry *in)
{
    unsigned data_count = 0;
    for (unsigned i = 0; i < in->descriptor_count; i++)
        data_count += !in->descriptors[i].zero;
    size_t descriptor_sectors = (64 + 32 * (size_t)in->descriptor_count + 4095) / 4096;
    size_t length = (descriptor_sectors + data_count) * 4096;
    uint8_t *entry = must_alloc(length);
    vhdx_log_entry_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.signature, VHDX_SIGNATURE_LOG_ENTRY, 4);
    h.entry_length = (uint32_t)length;
    h.tail = in->tail;
    h.sequence_number = in->sequence_number;
    h.descriptor_count = in->descriptor_count;
    h.log_guid = in->log_guid;
    h.flushed_file_offset = in->flushed_file_offset;
    h.last_file_offset = in->last_file_offset;
    vhdx_log_entry_header_encode(&h, entry);
    unsigned data_index = 0;
    for (unsigned i = 0; i < in->descriptor_count; i++) {
        const struct vhdx_builder_descriptor *src = &in->descriptors[i];
        uint8_t *p = entry + 64 + 32 * (size_t)i;
        if (src->zero) {
            vhdx_log_zero_descriptor z = { .zero_length = src->length,
                                           .file_offset = src->file_offset,
                                           .sequence_number = in->sequence_number };
            memcpy(z.signature, VHDX_SIGNATURE_ZERO, 4);
            vhdx_log_zero_descriptor_encode(&z, p);
        } else {
            vhdx_log_data_descriptor dd;
            vhdx_log_data_sector ds;
            vhdx_log_data_split(src->data, src->file_offset, in->sequence_number, &dd, &ds);
            vhdx_log_data_descriptor_encode(&dd, p);
            vhdx_log_data_sector_encode(&ds, entry + (descriptor_sectors + data_index) * 4096);
            data_index++;
        }
    }
    vhdx_put32(entry + 4, vhdx_log_entry_checksum(entry, length));
    for (size_t s = 0; s < length; s += 4096)
        memcpy(b->data + b->log_at + (position + s) % b->log_length, entry + s, 4096);
    free(entry);
    return (uint32_t)length;
}

void vhdx_builder_set_log_guid(struct vhdx_built *b, const vhdx_guid *guid)
{
    for (int i = 0; i < 2; i++) {
        memcpy(b->data + b->header_at[i] + 48, guid->bytes, 16);
        vhdx_builder_fix_header(b, i);
    }
}

void vhdx_builder_resize(struct vhdx_built *b, size_t size)
{
    uint8_t *grown = realloc(b->data, size ? size : 1);
    if (grown == NULL) {
        fprintf(stderr, "vhdx_builder: out of memory\n");
        abort();
    }
    if (size > b->size)
        memset(grown + b->size, 0, size - b->size);
    b->data = grown;
    b->size = size;
}
