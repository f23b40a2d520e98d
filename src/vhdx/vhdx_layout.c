#include "vhdx_layout.h"

#include <string.h>
#include "vhdx_write_common.h"

#if !defined(VSDISK_VERSION)
#error "the build must define VSDISK_VERSION"
#endif

#define CREATOR "vsdisk " VSDISK_VERSION

const char *vhdx_creator(void)
{
    return CREATOR;
}

static uint64_t round_up_mib(uint64_t bytes)
{
    return (bytes + VHDX_MiB - 1) / VHDX_MiB * VHDX_MiB;
}

static void add_item(vhdx_layout *layout, const vhdx_guid *id, uint32_t length, uint32_t flags)
{
    vhdx_layout_item *item = &layout->items[layout->item_count];
    uint32_t offset = VHDX_LAYOUT_ITEMS_OFFSET;
    if (layout->item_count > 0) {
        const vhdx_layout_item *last = &layout->items[layout->item_count - 1];
        offset = last->offset + last->length;
    }
    item->item_id = id;
    item->offset = offset;
    item->length = length;
    item->flags = flags;
    layout->item_count++;
}

vhdx_create_check vhdx_layout_compute(vhdx_layout_kind kind, const vhdx_create_options *options,
                                      const vhdx_parent_facts *parent, vhdx_layout *layout)
{
    memset(layout, 0, sizeof *layout);
    uint64_t size = options->size_bytes;
    uint32_t block = options->block_size;
    uint32_t logical = options->logical_sector_size ? options->logical_sector_size
                                                    : VHDX_DEFAULT_LOGICAL_SECTOR_SIZE;
    uint32_t physical = options->physical_sector_size ? options->physical_sector_size
                                                      : VHDX_DEFAULT_PHYSICAL_SECTOR_SIZE;
    if (kind == VHDX_LAYOUT_DIFFERENCING) {
        /* The child has its parent's virtual-disk items. */
        size = parent->size_bytes;
        logical = parent->logical_sector_size;
        physical = parent->physical_sector_size;
        if (block == 0)
            block = VHDX_DEFAULT_DIFFERENCING_BLOCK_SIZE;
    } else if (block == 0) {
        block = VHDX_DEFAULT_BLOCK_SIZE;
    }
    vhdx_create_check check = vhdx_check_geometry(size, block, logical, physical);
    if (check == VHDX_CREATE_VALID && kind == VHDX_LAYOUT_DIFFERENCING)
        check = vhdx_check_parent_paths(parent);
    if (check != VHDX_CREATE_VALID)
        return check;

    layout->kind = kind;
    layout->virtual_size = size;
    layout->block_size = block;
    layout->logical_sector_size = logical;
    layout->physical_sector_size = physical;
    layout->file_parameters_flags =
        kind == VHDX_LAYOUT_FIXED ? VHDX_FILE_PARAMETERS_LEAVE_BLOCK_ALLOCATED
        : kind == VHDX_LAYOUT_DIFFERENCING ? VHDX_FILE_PARAMETERS_HAS_PARENT : 0;
    layout->chunk_ratio = vhdx_chunk_ratio(block, logical);
    layout->data_blocks = vhdx_data_blocks(size, block);
    layout->bat_entries = vhdx_bat_entries(size, block, logical, kind == VHDX_LAYOUT_DIFFERENCING);
    /* At most 64 TiB / 1 MiB payload entries plus one bitmap entry per 4096: 513 MiB. */
    layout->bat_length = (uint32_t)round_up_mib(layout->bat_entries * VHDX_BAT_ENTRY_SIZE);
    layout->data_offset = VHDX_LAYOUT_BAT_OFFSET + (uint64_t)layout->bat_length;
    layout->file_size = layout->data_offset;
    if (kind == VHDX_LAYOUT_FIXED)
        layout->file_size += layout->data_blocks * block;

    /* Windows' items and flags, in Windows' order. */
    const uint32_t required = VHDX_METADATA_IS_REQUIRED;
    const uint32_t virtual_disk = VHDX_METADATA_IS_REQUIRED | VHDX_METADATA_IS_VIRTUAL_DISK;
    add_item(layout, &vhdx_guid_file_parameters, VHDX_FILE_PARAMETERS_SIZE, required);
    add_item(layout, &vhdx_guid_virtual_disk_size, VHDX_VIRTUAL_DISK_SIZE_SIZE, virtual_disk);
    add_item(layout, &vhdx_guid_logical_sector_size, VHDX_SECTOR_SIZE_ITEM_SIZE, virtual_disk);
    add_item(layout, &vhdx_guid_physical_sector_size, VHDX_SECTOR_SIZE_ITEM_SIZE, virtual_disk);
    add_item(layout, &vhdx_guid_virtual_disk_id, VHDX_VIRTUAL_DISK_ID_SIZE, virtual_disk);
    if (kind == VHDX_LAYOUT_DIFFERENCING) {
        layout->locator_length = vhdx_locator_length(parent);
        add_item(layout, &vhdx_guid_parent_locator, layout->locator_length, required);
    }
    return VHDX_CREATE_VALID;
}

void vhdx_layout_region_table(const vhdx_layout *layout, vhdx_layout_content *content,
                              uint8_t *scratch)
{
    const vhdx_region_table_entry entries[VHDX_LAYOUT_REGION_COUNT] = {
        { vhdx_guid_bat_region, VHDX_LAYOUT_BAT_OFFSET, layout->bat_length, 1 },
        { vhdx_guid_metadata_region, VHDX_LAYOUT_METADATA_OFFSET, VHDX_LAYOUT_METADATA_LENGTH, 1 },
    };
    vhdx_region_table_encode(entries, VHDX_LAYOUT_REGION_COUNT, scratch);
    memcpy(content->region_table, scratch, sizeof content->region_table);
}

uint64_t vhdx_layout_bat_entry(const vhdx_layout *layout, uint64_t index)
{
    if (layout->kind != VHDX_LAYOUT_FIXED || index >= layout->bat_entries)
        return 0;
    uint64_t group = index / (layout->chunk_ratio + 1), slot = index % (layout->chunk_ratio + 1);
    if (slot == layout->chunk_ratio)
        return 0;   /* a sector bitmap entry: NOT_PRESENT in a fixed disk */
    uint64_t block = group * layout->chunk_ratio + slot;
    return vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_FULLY_PRESENT,
                          layout->data_offset + block * layout->block_size);
}

static void put_file_identifier(uint64_t window, uint8_t *buf, size_t len)
{
    vhdx_file_identifier id;
    uint8_t bytes[VHDX_FILE_IDENTIFIER_STRUCT_SIZE];
    const char *creator = CREATOR;
    memset(&id, 0, sizeof id);
    memcpy(id.signature, VHDX_SIGNATURE_FILE, sizeof id.signature);
    for (size_t i = 0; creator[i] != '\0' && 2 * i + 2 < sizeof id.creator; i++)
        id.creator[2 * i] = (uint8_t)creator[i];   /* ASCII to UTF-16LE, NUL-terminated */
    vhdx_file_identifier_encode(&id, bytes);
    vhdx_window_put(window, buf, len, 0, bytes, sizeof bytes);
}

static void put_metadata(const vhdx_layout *layout, const vhdx_layout_content *content,
                         uint64_t window, uint8_t *buf, size_t len)
{
    const uint64_t region = VHDX_LAYOUT_METADATA_OFFSET;
    vhdx_metadata_table_header header;
    uint8_t bytes[VHDX_METADATA_TABLE_ENTRY_SIZE];

    memset(&header, 0, sizeof header);
    memcpy(header.signature, VHDX_SIGNATURE_METADATA, sizeof header.signature);
    header.entry_count = (uint16_t)layout->item_count;
    vhdx_metadata_table_header_encode(&header, bytes);
    vhdx_window_put(window, buf, len, region, bytes, VHDX_METADATA_TABLE_HEADER_SIZE);

    for (unsigned i = 0; i < layout->item_count; i++) {
        const vhdx_layout_item *item = &layout->items[i];
        vhdx_metadata_table_entry entry;
        memset(&entry, 0, sizeof entry);
        entry.item_id = *item->item_id;
        entry.offset = item->offset;
        entry.length = item->length;
        entry.flags = item->flags;
        vhdx_metadata_table_entry_encode(&entry, bytes);
        vhdx_window_put(window, buf, len,
                        region + VHDX_METADATA_TABLE_HEADER_SIZE
                            + (uint64_t)i * VHDX_METADATA_TABLE_ENTRY_SIZE,
                        bytes, sizeof bytes);

        uint64_t at = region + item->offset;
        uint8_t value[VHDX_VIRTUAL_DISK_ID_SIZE];
        const vhdx_guid *id = item->item_id;
        if (id == &vhdx_guid_file_parameters) {
            vhdx_file_parameters fp = { layout->block_size, layout->file_parameters_flags };
            vhdx_file_parameters_encode(&fp, value);
        } else if (id == &vhdx_guid_virtual_disk_size) {
            vhdx_put64(value, layout->virtual_size);
        } else if (id == &vhdx_guid_logical_sector_size) {
            vhdx_put32(value, layout->logical_sector_size);
        } else if (id == &vhdx_guid_physical_sector_size) {
            vhdx_put32(value, layout->physical_sector_size);
        } else if (id == &vhdx_guid_virtual_disk_id) {
            memcpy(value, content->virtual_disk_id.bytes, sizeof value);
        } else {
            vhdx_locator_put(content->parent, at, window, buf, len);
            continue;
        }
        vhdx_window_put(window, buf, len, at, value, item->length);
    }
}

/* The fixed disk's payload entries; the other kinds' BAT is all zeros (NOT_PRESENT). */
static void put_bat(const vhdx_layout *layout, uint64_t window, uint8_t *buf, size_t len)
{
    if (layout->kind != VHDX_LAYOUT_FIXED)
        return;
    uint64_t start = window > VHDX_LAYOUT_BAT_OFFSET ? window - VHDX_LAYOUT_BAT_OFFSET : 0;
    uint64_t end = window + len - VHDX_LAYOUT_BAT_OFFSET;
    uint64_t last = layout->bat_entries * VHDX_BAT_ENTRY_SIZE;
    if (end > last)
        end = last;
    for (uint64_t index = start / VHDX_BAT_ENTRY_SIZE; index * VHDX_BAT_ENTRY_SIZE < end;
         index++) {
        uint8_t bytes[VHDX_BAT_ENTRY_SIZE];
        vhdx_put64(bytes, vhdx_layout_bat_entry(layout, index));
        vhdx_window_put(window, buf, len, VHDX_LAYOUT_BAT_OFFSET + index * VHDX_BAT_ENTRY_SIZE,
                        bytes, sizeof bytes);
    }
}

void vhdx_layout_fill(const vhdx_layout *layout, const vhdx_layout_content *content,
                      uint64_t offset, uint8_t *buf, size_t len)
{
    memset(buf, 0, len);
    if (offset < VHDX_FILE_IDENTIFIER_SIZE)
        put_file_identifier(offset, buf, len);
    vhdx_window_put(offset, buf, len, VHDX_REGION_TABLE1_OFFSET, content->region_table,
                    sizeof content->region_table);
    vhdx_window_put(offset, buf, len, VHDX_REGION_TABLE2_OFFSET, content->region_table,
                    sizeof content->region_table);
    if (offset < VHDX_LAYOUT_METADATA_OFFSET + VHDX_LAYOUT_METADATA_LENGTH &&
            offset + len > VHDX_LAYOUT_METADATA_OFFSET)
        put_metadata(layout, content, offset, buf, len);
    if (offset < layout->data_offset && offset + len > VHDX_LAYOUT_BAT_OFFSET)
        put_bat(layout, offset, buf, len);
}

void vhdx_layout_headers(const vhdx_create_options *options,
                         uint8_t out[VHDX_LAYOUT_COMMIT_SIZE])
{
    vhdx_header header;
    memset(out, 0, VHDX_LAYOUT_COMMIT_SIZE);
    memset(&header, 0, sizeof header);
    memcpy(header.signature, VHDX_SIGNATURE_HEADER, sizeof header.signature);
    header.file_write_guid = options->file_write_guid;
    header.data_write_guid = options->data_write_guid;
    header.log_version = 0;
    header.version = 1;
    header.log_length = VHDX_LAYOUT_LOG_LENGTH;
    header.log_offset = VHDX_LAYOUT_LOG_OFFSET;
    /* Sequence numbers 0 and 1, as Microsoft's openvmm and DiscUtils create them: header 2
     * is current, and the next update (sequence 2) goes over header 1. */
    header.sequence_number = 0;
    vhdx_header_encode(&header, out);
    header.sequence_number = 1;
    vhdx_header_encode(&header, out + (VHDX_HEADER2_OFFSET - VHDX_LAYOUT_COMMIT_OFFSET));
}
