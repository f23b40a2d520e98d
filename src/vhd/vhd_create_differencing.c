#include "vhd_create_differencing.h"

#include <string.h>
#include "vhd_layout.h"
#include "vhd_write_common.h"

#define PLATFORM_W2KU 0x57326B75u   /* "W2ku": Windows absolute path, UTF-16LE */
#define PLATFORM_W2RU 0x57327275u   /* "W2ru": Windows relative path, UTF-16LE */

vhd_status vhd_validate_parent(const vhd_parent_facts *parent)
{
    vhd_status status = vhd_validate_size(parent->size_bytes);
    if (status != VHD_OK)
        return status;
    if (parent->absolute_path == NULL || parent->absolute_length == 0 ||
            parent->absolute_length > VHD_PARENT_NAME_MAX_UNITS)
        return VHD_E_INVALID_PATH;
    if (parent->relative_length > VHD_PARENT_RELATIVE_MAX_UNITS ||
            (parent->relative_length != 0 && parent->relative_path == NULL))
        return VHD_E_INVALID_PATH;
    return VHD_OK;
}

uint64_t vhd_differencing_file_size(uint64_t size_bytes)
{
    vhd_layout layout;
    if (vhd_layout_compute_differencing(size_bytes, &layout) != VHD_OK)
        return 0;
    return layout.file_size;
}

static void put_utf16(uint8_t *out, const uint16_t *units, size_t count, int big_endian)
{
    for (size_t i = 0; i < count; i++) {
        uint8_t high = (uint8_t)(units[i] >> 8), low = (uint8_t)units[i];
        out[2 * i] = big_endian ? high : low;
        out[2 * i + 1] = big_endian ? low : high;
    }
}

/* The header Windows writes for a child: table at 8192, the parent's id, time stamp and full
 * path, and the two locator entries (data space in bytes, as Windows stores it). */
static void make_header(const vhd_layout *layout, const vhd_parent_facts *parent,
                        uint8_t out[VHD_DYNAMIC_HEADER_SIZE])
{
    vhd_dynamic_header header;
    memset(&header, 0, sizeof header);
    memcpy(header.cookie, VHD_DYNAMIC_HEADER_COOKIE, sizeof header.cookie);
    header.data_offset = VHD_OFFSET_UNUSED;
    header.table_offset = layout->table_offset;
    header.header_version = VHD_HEADER_VERSION;
    header.max_table_entries = layout->max_table_entries;
    header.block_size = VHD_BLOCK_SIZE;
    memcpy(header.parent_unique_id, parent->unique_id, sizeof header.parent_unique_id);
    header.parent_timestamp = parent->timestamp;
    put_utf16(header.parent_unicode_name, parent->absolute_path, parent->absolute_length, 1);
    static const uint32_t codes[VHD_LAYOUT_MAX_LOCATORS] = { PLATFORM_W2KU, PLATFORM_W2RU };
    for (unsigned i = 0; i < layout->locator_count; i++) {
        const vhd_layout_locator *area = &layout->locators[i];
        if (area->length == 0)
            continue;
        header.parent_locator[i].platform_code = codes[i];
        header.parent_locator[i].platform_data_space = area->space;
        header.parent_locator[i].platform_data_length = area->length;
        header.parent_locator[i].platform_data_offset = area->offset;
    }
    vhd_dynamic_header_encode(&header, out);
}

vhd_status vhd_write_differencing(vhd_io *io, const vhd_create_options *options,
                                  const vhd_parent_facts *parent)
{
    /* Both locator payloads are small; they live here and the layout points at them. */
    uint8_t absolute[VHD_PARENT_NAME_MAX_UNITS * 2];
    uint8_t relative[VHD_PARENT_RELATIVE_MAX_UNITS * 2];
    vhd_layout layout;
    vhd_footer footer;
    uint8_t footer_bytes[VHD_FOOTER_SIZE], header[VHD_DYNAMIC_HEADER_SIZE];

    vhd_status status = vhd_validate_parent(parent);
    if (status == VHD_OK)
        status = vhd_layout_compute_differencing(parent->size_bytes, &layout);
    if (status != VHD_OK) {
        io->remove(io);
        return status;
    }
    put_utf16(absolute, parent->absolute_path, parent->absolute_length, 0);
    layout.locators[0].data = absolute;
    layout.locators[0].length = (uint32_t)(parent->absolute_length * 2);
    put_utf16(relative, parent->relative_path, parent->relative_length, 0);
    layout.locators[1].data = relative;
    layout.locators[1].length = (uint32_t)(parent->relative_length * 2);

    vhd_footer_prepare(&footer, options, parent->size_bytes, VHD_DISK_TYPE_DIFFERENCING,
                       VHD_HEADER_OFFSET);
    footer.disk_geometry = parent->geometry;
    vhd_footer_encode(&footer, footer_bytes);
    make_header(&layout, parent, header);
    return vhd_write_dynamic_format(io, &layout, footer_bytes, header, options);
}

vhd_status vhd_create_differencing(vhd_io *io, const vhd_create_options *options,
                                   const vhd_parent_facts *parent)
{
    vhd_status status = vhd_validate_parent(parent);
    if (status != VHD_OK)
        return status;
    status = io->create(io);
    if (status != VHD_OK)
        return status;
    return vhd_write_differencing(io, options, parent);
}
