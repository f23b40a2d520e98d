#include "vhd_create.h"

#include <string.h>
#include "vhd_format.h"
#include "vhd_layout.h"
#include "vhd_write_common.h"

#define UNIX_TIME_OF_VHD_EPOCH INT64_C(946684800)   /* 2000-01-01 00:00:00 UTC */

static void make_dynamic_header(const vhd_layout *layout, uint8_t out[VHD_DYNAMIC_HEADER_SIZE])
{
    vhd_dynamic_header header;
    memset(&header, 0, sizeof header);
    memcpy(header.cookie, VHD_DYNAMIC_HEADER_COOKIE, sizeof header.cookie);
    header.data_offset = VHD_OFFSET_UNUSED;
    header.table_offset = layout->table_offset;
    header.header_version = VHD_HEADER_VERSION;
    header.max_table_entries = layout->max_table_entries;
    header.block_size = VHD_BLOCK_SIZE;
    vhd_dynamic_header_encode(&header, out);
}

/* Commit order (vhd_write_dynamic_format): the whole file goes out first with zeros where the
 * dynamic header belongs, and is flushed; only then is the header written and flushed. Until
 * that last write the file has no "cxsparse" cookie, and readers (qemu, VirtualBox, libvhdi)
 * refuse a dynamic disk without it, so no reader ever accepts an unfinished disk. */
vhd_status vhd_write_dynamic(vhd_io *io, const vhd_create_options *options)
{
    vhd_layout layout;
    vhd_footer footer;
    uint8_t footer_bytes[VHD_FOOTER_SIZE], header[VHD_DYNAMIC_HEADER_SIZE];

    vhd_status status = vhd_layout_compute(options->size_bytes, &layout);
    if (status != VHD_OK) {
        io->remove(io);
        return status;
    }
    vhd_footer_prepare(&footer, options, layout.size_bytes, VHD_DISK_TYPE_DYNAMIC,
                       VHD_HEADER_OFFSET);
    vhd_footer_encode(&footer, footer_bytes);
    make_dynamic_header(&layout, header);
    return vhd_write_dynamic_format(io, &layout, footer_bytes, header, options);
}

vhd_status vhd_create_dynamic(vhd_io *io, const vhd_create_options *options)
{
    vhd_status status = vhd_validate_size(options->size_bytes);
    if (status != VHD_OK)
        return status;
    status = io->create(io);
    if (status != VHD_OK)
        return status;
    return vhd_write_dynamic(io, options);
}

uint32_t vhd_timestamp_from_unix(int64_t unix_seconds)
{
    if (unix_seconds <= UNIX_TIME_OF_VHD_EPOCH)
        return 0;
    if (unix_seconds - UNIX_TIME_OF_VHD_EPOCH >= (int64_t)UINT32_MAX)
        return UINT32_MAX;
    return (uint32_t)(unix_seconds - UNIX_TIME_OF_VHD_EPOCH);
}

void vhd_unique_id_from_random(uint8_t unique_id[16], const uint8_t random[16])
{
    memcpy(unique_id, random, 16);
    /* GUID {Data1, Data2, Data3, Data4} with little-endian Data1..Data3: the version
     * nibble is the top of Data3, i.e. byte 7; the RFC 4122 variant is in byte 8. */
    unique_id[7] = (uint8_t)((unique_id[7] & 0x0F) | 0x40);
    unique_id[8] = (uint8_t)((unique_id[8] & 0x3F) | 0x80);
}
