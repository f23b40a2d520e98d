#include "vhd_write_common.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_geometry.h"

#if !defined(VSDISK_VERSION_MAJOR) || !defined(VSDISK_VERSION_MINOR)
#error "the build must define VSDISK_VERSION_MAJOR and VSDISK_VERSION_MINOR"
#endif

#define CREATOR_VERSION ((uint32_t)(VSDISK_VERSION_MAJOR) << 16 | (uint32_t)(VSDISK_VERSION_MINOR))

static void report(vhd_progress *progress, unsigned percent)
{
    if (percent <= progress->reported)
        return;
    progress->reported = percent;
    if (progress->options->progress != NULL)
        progress->options->progress(progress->options->ctx, percent);
}

void vhd_progress_init(vhd_progress *progress, const vhd_create_options *options, uint64_t total)
{
    progress->options = options;
    progress->total = total ? total : 1;
    progress->done = 0;
    progress->reported = 0;
}

void vhd_progress_advance(vhd_progress *progress, uint64_t done)
{
    progress->done += done;
    /* done * 100 cannot overflow: totals stay below 2^54 (2040 GiB plus metadata). */
    uint64_t percent = progress->done * 100 / progress->total;
    report(progress, percent > 99 ? 99 : (unsigned)percent);
}

void vhd_progress_complete(vhd_progress *progress)
{
    report(progress, 100);
}

bool vhd_cancel_requested(const vhd_create_options *options)
{
    return options->cancelled != NULL && options->cancelled(options->ctx);
}

uint8_t *vhd_buffer_acquire(const vhd_create_options *options, uint64_t needed, size_t minimum,
                            size_t *size)
{
    size_t buffer_size = options->buffer_max && options->buffer_max < VHD_CREATE_BUFFER_MAX
                             ? options->buffer_max : VHD_CREATE_BUFFER_MAX;
    if (needed < buffer_size)
        buffer_size = (size_t)needed;
    if (buffer_size < minimum)
        buffer_size = minimum;
    *size = buffer_size;
    return options->allocate ? options->allocate(buffer_size) : malloc(buffer_size);
}

void vhd_buffer_release(const vhd_create_options *options, void *buffer)
{
    if (options->release)
        options->release(buffer);
    else
        free(buffer);
}

void vhd_footer_prepare(vhd_footer *footer, const vhd_create_options *options, uint64_t size_bytes,
                        uint32_t disk_type, uint64_t data_offset)
{
    memset(footer, 0, sizeof *footer);
    memcpy(footer->cookie, VHD_FOOTER_COOKIE, sizeof footer->cookie);
    footer->features = VHD_FEATURES_RESERVED;
    footer->file_format_version = VHD_FILE_FORMAT_VERSION;
    footer->data_offset = data_offset;
    footer->timestamp = options->timestamp;
    memcpy(footer->creator_application, VHD_CREATOR_APPLICATION_WINDOWS, sizeof footer->creator_application);
    footer->creator_version = CREATOR_VERSION;
    footer->creator_host_os = VHD_HOST_OS_WI2K;
    footer->original_size = size_bytes;
    footer->current_size = size_bytes;
    footer->disk_geometry = vhd_geometry_from_size(size_bytes);
    footer->disk_type = disk_type;
    memcpy(footer->unique_id, options->unique_id, sizeof footer->unique_id);
}

/* The header's second sector holds only zeros for a dynamic disk, and the parent name and
 * locator entries for a differencing one; either way the commit is one 1024-byte write of
 * the header, whose first 8 bytes are the cookie every reader checks. */
vhd_status vhd_write_dynamic_format(vhd_io *io, const vhd_layout *layout,
                                    const uint8_t footer[VHD_FOOTER_SIZE],
                                    const uint8_t header[VHD_DYNAMIC_HEADER_SIZE],
                                    const vhd_create_options *options)
{
    vhd_status status;
    size_t buffer_size;
    vhd_progress progress;
    uint8_t *buffer = vhd_buffer_acquire(options, layout->file_size,
                                         VHD_DYNAMIC_HEADER_SIZE, &buffer_size);

    if (buffer == NULL) {
        status = VHD_E_NO_MEMORY;
        goto fail;
    }
    vhd_progress_init(&progress, options, layout->file_size + VHD_DYNAMIC_HEADER_SIZE);

    for (uint64_t offset = 0; offset < layout->file_size; ) {
        size_t chunk = layout->file_size - offset < buffer_size
                           ? (size_t)(layout->file_size - offset) : buffer_size;
        if (vhd_cancel_requested(options)) {
            status = VHD_E_CANCELLED;
            goto fail;
        }
        vhd_layout_fill(layout, footer, offset, buffer, chunk);
        status = io->write_at(io, offset, buffer, chunk);
        if (status != VHD_OK)
            goto fail;
        offset += chunk;
        vhd_progress_advance(&progress, chunk);
    }
    status = io->flush(io);
    if (status != VHD_OK)
        goto fail;

    /* Last chance to cancel: after the header write the disk is complete. */
    if (vhd_cancel_requested(options)) {
        status = VHD_E_CANCELLED;
        goto fail;
    }
    status = io->write_at(io, VHD_HEADER_OFFSET, header, VHD_DYNAMIC_HEADER_SIZE);
    if (status != VHD_OK)
        goto fail;
    vhd_progress_advance(&progress, VHD_DYNAMIC_HEADER_SIZE);
    status = io->flush(io);
    if (status != VHD_OK)
        goto fail;

    status = io->close(io);
    if (status != VHD_OK)
        goto fail;
    vhd_buffer_release(options, buffer);
    vhd_progress_complete(&progress);
    return VHD_OK;

fail:
    vhd_buffer_release(options, buffer);
    /* remove() closes the file first if it is still open (a failed close has closed it), so
     * a back end can delete through its own handle exactly the file it created. */
    io->remove(io);
    return status;
}
