#include "vhd_create_fixed.h"

#include <string.h>
#include "vhd_format.h"
#include "vhd_write_common.h"

#define ALLOCATION_GRAIN (1024u * 1024u)

uint64_t vhd_fixed_file_size(uint64_t size_bytes)
{
    if (vhd_validate_size(size_bytes) != VHD_OK)
        return 0;
    return size_bytes + VHD_FOOTER_SIZE;
}

uint64_t vhd_fixed_allocation_step(const vhd_io *io, uint64_t size_bytes)
{
    unsigned steps = io->allocation_steps ? io->allocation_steps : VHD_ALLOCATION_STEPS;
    uint64_t step = (size_bytes / steps + ALLOCATION_GRAIN - 1) / ALLOCATION_GRAIN
                    * ALLOCATION_GRAIN;
    return step ? step : ALLOCATION_GRAIN;
}

/* Writes zeros over [offset, end) with the bounded buffer: for file systems that cannot
 * reserve space without writing it. */
static vhd_status write_zeros(vhd_io *io, const vhd_create_options *options,
                              vhd_progress *progress, uint64_t offset, uint64_t end)
{
    size_t buffer_size;
    uint8_t *buffer = vhd_buffer_acquire(options, end - offset, VHD_SECTOR_SIZE, &buffer_size);
    vhd_status status = VHD_OK;
    if (buffer == NULL)
        return VHD_E_NO_MEMORY;
    memset(buffer, 0, buffer_size);
    while (offset < end) {
        size_t chunk = end - offset < buffer_size ? (size_t)(end - offset) : buffer_size;
        if (vhd_cancel_requested(options)) {
            status = VHD_E_CANCELLED;
            break;
        }
        status = io->write_at(io, offset, buffer, chunk);
        if (status != VHD_OK)
            break;
        offset += chunk;
        vhd_progress_advance(progress, chunk);
    }
    vhd_buffer_release(options, buffer);
    return status;
}

/* Reserves the data area step by step; from the first step the back end cannot reserve, the
 * rest is written with zeros. Either way the area reads as zeros and never shows what the
 * volume held before (fallocate's unwritten extents, or our own zeros). */
static vhd_status reserve_data_area(vhd_io *io, const vhd_create_options *options,
                                    vhd_progress *progress, uint64_t size)
{
    uint64_t step = vhd_fixed_allocation_step(io, size);
    uint64_t offset = 0;
    while (offset < size && io->allocate != NULL) {
        uint64_t len = size - offset < step ? size - offset : step;
        if (vhd_cancel_requested(options))
            return VHD_E_CANCELLED;
        vhd_status status = io->allocate(io, offset, len);
        if (status == VHD_E_NOT_SUPPORTED)
            break;
        if (status != VHD_OK)
            return status;
        offset += len;
        vhd_progress_advance(progress, len);
    }
    if (offset < size)
        return write_zeros(io, options, progress, offset, size);
    return VHD_OK;
}

vhd_status vhd_write_fixed(vhd_io *io, const vhd_create_options *options)
{
    vhd_status status;
    vhd_footer footer;
    uint8_t footer_bytes[VHD_FOOTER_SIZE];
    vhd_progress progress;
    uint64_t size = options->size_bytes;

    status = vhd_validate_size(size);
    if (status != VHD_OK)
        goto fail;
    vhd_progress_init(&progress, options, size + VHD_FOOTER_SIZE);

    status = reserve_data_area(io, options, &progress, size);
    if (status != VHD_OK)
        goto fail;
    status = io->flush(io);
    if (status != VHD_OK)
        goto fail;

    /* Last chance to cancel: after the footer write the disk is complete. */
    if (vhd_cancel_requested(options)) {
        status = VHD_E_CANCELLED;
        goto fail;
    }
    vhd_footer_prepare(&footer, options, size, VHD_DISK_TYPE_FIXED, VHD_OFFSET_UNUSED);
    vhd_footer_encode(&footer, footer_bytes);
    status = io->write_at(io, size, footer_bytes, VHD_FOOTER_SIZE);
    if (status != VHD_OK)
        goto fail;
    vhd_progress_advance(&progress, VHD_FOOTER_SIZE);
    status = io->flush(io);
    if (status != VHD_OK)
        goto fail;
    status = io->close(io);
    if (status != VHD_OK)
        goto fail;
    vhd_progress_complete(&progress);
    return VHD_OK;

fail:
    io->remove(io);
    return status;
}

vhd_status vhd_create_fixed(vhd_io *io, const vhd_create_options *options)
{
    vhd_status status = vhd_validate_size(options->size_bytes);
    if (status != VHD_OK)
        return status;
    status = io->create(io);
    if (status != VHD_OK)
        return status;
    return vhd_write_fixed(io, options);
}
