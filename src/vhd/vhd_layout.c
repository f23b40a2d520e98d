#include "vhd_layout.h"

#include <string.h>
#include "vhd_create.h"

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

vhd_status vhd_validate_size(uint64_t size_bytes)
{
    if (size_bytes % VHD_SECTOR_SIZE != 0 || size_bytes < VHD_MIN_SIZE || size_bytes > VHD_MAX_SIZE)
        return VHD_E_INVALID_SIZE;
    return VHD_OK;
}

/* The table at table_offset, padded to 4 KiB; the footer after `end`, so that the first
 * block's data (which will follow the bitmap taking the footer's place) is 4 KiB aligned. */
static void place_table(vhd_layout *layout, uint64_t size_bytes, uint64_t table_offset)
{
    layout->size_bytes = size_bytes;
    layout->max_table_entries = (uint32_t)((size_bytes + VHD_BLOCK_SIZE - 1) / VHD_BLOCK_SIZE);
    layout->table_offset = table_offset;
    layout->table_end = table_offset + (uint64_t)layout->max_table_entries * 4;
    layout->table_padding_end = round_up(layout->table_end, VHD_LAYOUT_ALIGNMENT);
}

static void place_footer(vhd_layout *layout, uint64_t end)
{
    layout->file_size = round_up(end + VHD_FOOTER_SIZE, VHD_LAYOUT_ALIGNMENT);
    layout->footer_offset = layout->file_size - VHD_FOOTER_SIZE;
}

vhd_status vhd_layout_compute(uint64_t size_bytes, vhd_layout *layout)
{
    memset(layout, 0, sizeof *layout);
    if (vhd_validate_size(size_bytes) != VHD_OK)
        return VHD_E_INVALID_SIZE;
    place_table(layout, size_bytes, VHD_TABLE_OFFSET);
    place_footer(layout, layout->table_padding_end);
    return VHD_OK;
}

vhd_status vhd_layout_compute_differencing(uint64_t size_bytes, vhd_layout *layout)
{
    memset(layout, 0, sizeof *layout);
    if (vhd_validate_size(size_bytes) != VHD_OK)
        return VHD_E_INVALID_SIZE;
    place_table(layout, size_bytes, VHD_DIFF_TABLE_OFFSET);
    layout->locator_count = 2;
    layout->locators[0].offset = VHD_DIFF_ABSOLUTE_OFFSET;
    layout->locators[0].space = VHD_DIFF_ABSOLUTE_SPACE;
    layout->locators[1].offset = layout->table_padding_end;
    layout->locators[1].space = VHD_DIFF_RELATIVE_SPACE;
    place_footer(layout, layout->locators[1].offset + layout->locators[1].space);
    return VHD_OK;
}

uint64_t vhd_dynamic_file_size(uint64_t size_bytes)
{
    vhd_layout layout;
    if (vhd_layout_compute(size_bytes, &layout) != VHD_OK)
        return 0;
    return layout.file_size;
}

uint64_t vhd_dynamic_expanded_file_size(uint64_t size_bytes)
{
    vhd_layout layout;
    if (vhd_layout_compute(size_bytes, &layout) != VHD_OK)
        return 0;
    /* Each block is a 512-byte sector bitmap (2 MiB / 512 / 8 = 512 bytes) and its data. */
    return layout.file_size + (uint64_t)layout.max_table_entries * (VHD_SECTOR_SIZE + VHD_BLOCK_SIZE);
}

/* Copies into buf the part of region [start, end) that falls inside [offset, offset + len):
 * from source (the region's bytes) if not NULL, else the byte fill. */
static void fill_region(uint8_t *buf, uint64_t offset, size_t len, uint64_t start, uint64_t end,
                        const uint8_t *source, uint8_t fill)
{
    uint64_t from = offset > start ? offset : start;
    uint64_t to = offset + len < end ? offset + len : end;
    if (from >= to)
        return;
    if (source != NULL)
        memcpy(buf + (from - offset), source + (from - start), (size_t)(to - from));
    else
        memset(buf + (from - offset), fill, (size_t)(to - from));
}

void vhd_layout_fill(const vhd_layout *layout, const uint8_t footer[VHD_FOOTER_SIZE],
                     uint64_t offset, uint8_t *buf, size_t len)
{
    memset(buf, 0, len);
    fill_region(buf, offset, len, 0, VHD_FOOTER_SIZE, footer, 0);
    /* The table and its padding are both 0xFF: unused entries are 0xFFFFFFFF. */
    fill_region(buf, offset, len, layout->table_offset, layout->table_padding_end, NULL, 0xFF);
    for (unsigned i = 0; i < layout->locator_count; i++) {
        const vhd_layout_locator *locator = &layout->locators[i];
        if (locator->data != NULL)
            fill_region(buf, offset, len, locator->offset, locator->offset + locator->length,
                        locator->data, 0);
    }
    fill_region(buf, offset, len, layout->footer_offset, layout->file_size, footer, 0);
}
