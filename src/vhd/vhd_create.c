#include "vhd_create.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_format.h"
#include "vhd_geometry.h"
#include "vhd_layout.h"

#if !defined(VSDISK_VERSION_MAJOR) || !defined(VSDISK_VERSION_MINOR)
#error "the build must define VSDISK_VERSION_MAJOR and VSDISK_VERSION_MINOR"
#endif

#define CREATOR_APPLICATION "vsdk"
#define CREATOR_VERSION ((uint32_t)(VSDISK_VERSION_MAJOR) << 16 | (uint32_t)(VSDISK_VERSION_MINOR))
#define UNIX_TIME_OF_VHD_EPOCH INT64_C(946684800)   /* 2000-01-01 00:00:00 UTC */

/* Progress of one creation, by bytes written. */
typedef struct progress_state {
    const vhd_create_options *options;
    uint64_t total_bytes;
    uint64_t done_bytes;
    unsigned reported;
} progress_state;

static void report(progress_state *state, unsigned percent)
{
    if (percent <= state->reported)
        return;
    state->reported = percent;
    if (state->options->progress != NULL)
        state->options->progress(state->options->ctx, percent);
}

/* Below 100 until the disk is complete: 100 is reported by the caller only after close. */
static void advance(progress_state *state, uint64_t bytes)
{
    state->done_bytes += bytes;
    uint64_t percent = state->done_bytes * 100 / state->total_bytes;
    report(state, percent > 99 ? 99 : (unsigned)percent);
}

static bool is_cancelled(const vhd_create_options *options)
{
    return options->cancelled != NULL && options->cancelled(options->ctx);
}

static void release_buffer(const vhd_create_options *options, void *buffer)
{
    if (options->release)
        options->release(buffer);
    else
        free(buffer);
}

static void make_footer(const vhd_layout *layout, const vhd_create_options *options,
                        uint8_t out[VHD_FOOTER_SIZE])
{
    vhd_footer footer;
    memset(&footer, 0, sizeof footer);
    memcpy(footer.cookie, VHD_FOOTER_COOKIE, sizeof footer.cookie);
    footer.features = VHD_FEATURES_RESERVED;
    footer.file_format_version = VHD_FILE_FORMAT_VERSION;
    footer.data_offset = VHD_HEADER_OFFSET;
    footer.timestamp = options->timestamp;
    memcpy(footer.creator_application, CREATOR_APPLICATION, sizeof footer.creator_application);
    footer.creator_version = CREATOR_VERSION;
    footer.creator_host_os = VHD_HOST_OS_WI2K;
    footer.original_size = layout->size_bytes;
    footer.current_size = layout->size_bytes;
    footer.disk_geometry = vhd_geometry_from_size(layout->size_bytes);
    footer.disk_type = VHD_DISK_TYPE_DYNAMIC;
    memcpy(footer.unique_id, options->unique_id, sizeof footer.unique_id);
    vhd_footer_encode(&footer, out);
}

static void make_dynamic_header(const vhd_layout *layout, uint8_t out[VHD_DYNAMIC_HEADER_SIZE])
{
    vhd_dynamic_header header;
    memset(&header, 0, sizeof header);
    memcpy(header.cookie, VHD_DYNAMIC_HEADER_COOKIE, sizeof header.cookie);
    header.data_offset = VHD_OFFSET_UNUSED;
    header.table_offset = VHD_TABLE_OFFSET;
    header.header_version = VHD_HEADER_VERSION;
    header.max_table_entries = layout->max_table_entries;
    header.block_size = VHD_BLOCK_SIZE;
    vhd_dynamic_header_encode(&header, out);
}

/* Commit order: the whole file goes out first with zeros where the dynamic header belongs,
 * and is flushed; only then is the header written and flushed. Until that last write the
 * file has no "cxsparse" cookie, and readers (qemu, VirtualBox, libvhdi) refuse a dynamic
 * disk without it, so no reader ever accepts an unfinished disk. The header's second sector
 * holds only zeros, so the commit changes a single sector. */
vhd_status vhd_write_dynamic(vhd_io *io, const vhd_create_options *options)
{
    vhd_status status;
    uint8_t *buffer = NULL;
    uint8_t footer[VHD_FOOTER_SIZE];
    size_t buffer_size;
    vhd_layout layout;
    progress_state progress = { .options = options };

    status = vhd_layout_compute(options->size_bytes, &layout);
    if (status != VHD_OK)
        goto fail;
    make_footer(&layout, options, footer);

    buffer_size = options->buffer_max && options->buffer_max < VHD_CREATE_BUFFER_MAX
                      ? options->buffer_max : VHD_CREATE_BUFFER_MAX;
    if (layout.file_size < buffer_size)
        buffer_size = (size_t)layout.file_size;
    if (buffer_size < VHD_DYNAMIC_HEADER_SIZE)
        buffer_size = VHD_DYNAMIC_HEADER_SIZE;      /* the header is built in the buffer too */
    buffer = options->allocate ? options->allocate(buffer_size) : malloc(buffer_size);
    if (buffer == NULL) {
        status = VHD_E_NO_MEMORY;
        goto fail;
    }
    progress.total_bytes = layout.file_size + VHD_DYNAMIC_HEADER_SIZE;

    for (uint64_t offset = 0; offset < layout.file_size; ) {
        size_t chunk = layout.file_size - offset < buffer_size ? (size_t)(layout.file_size - offset)
                                                               : buffer_size;
        if (is_cancelled(options)) {
            status = VHD_E_CANCELLED;
            goto fail;
        }
        vhd_layout_fill(&layout, footer, offset, buffer, chunk);
        status = io->write_at(io, offset, buffer, chunk);
        if (status != VHD_OK)
            goto fail;
        offset += chunk;
        advance(&progress, chunk);
    }
    status = io->flush(io);
    if (status != VHD_OK)
        goto fail;

    /* Last chance to cancel: after the header write the disk is complete. */
    if (is_cancelled(options)) {
        status = VHD_E_CANCELLED;
        goto fail;
    }
    make_dynamic_header(&layout, buffer);
    status = io->write_at(io, VHD_HEADER_OFFSET, buffer, VHD_DYNAMIC_HEADER_SIZE);
    if (status != VHD_OK)
        goto fail;
    advance(&progress, VHD_DYNAMIC_HEADER_SIZE);
    status = io->flush(io);
    if (status != VHD_OK)
        goto fail;

    status = io->close(io);
    if (status != VHD_OK)
        goto fail;
    release_buffer(options, buffer);
    report(&progress, 100);
    return VHD_OK;

fail:
    release_buffer(options, buffer);
    /* remove() closes the file first if it is still open (a failed close has closed it), so
     * a back end can delete through its own handle exactly the file it created. */
    io->remove(io);
    return status;
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
