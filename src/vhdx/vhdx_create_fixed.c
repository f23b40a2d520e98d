/* Fixed VHDX disks: LeaveBlockAllocated, every payload block FULLY_PRESENT and contiguous
 * after the BAT, the data area really reserved on the volume and reading as zeros. Windows
 * refuses a sparse VHDX (0xC03A001A), so the area is reserved with io->allocate() (fallocate,
 * SetFileValidData), never left as a hole; where the back end cannot reserve, zeros are
 * written with the bounded buffer. */
#include "vhdx_create.h"

#include <string.h>
#include "vhd_create_fixed.h"
#include "vhdx_layout.h"
#include "vhdx_write_common.h"

static vhd_status write_zeros(vhd_io *io, const vhdx_create_options *options,
                              vhdx_progress *progress, uint64_t offset, uint64_t end,
                              uint8_t *buffer, size_t buffer_size)
{
    memset(buffer, 0, buffer_size);
    while (offset < end) {
        size_t chunk = end - offset < buffer_size ? (size_t)(end - offset) : buffer_size;
        if (vhdx_cancel_requested(options))
            return VHD_E_CANCELLED;
        vhd_status status = io->write_at(io, offset, buffer, chunk);
        if (status != VHD_OK)
            return status;
        offset += chunk;
        vhdx_progress_advance(progress, chunk);
    }
    return VHD_OK;
}

/* In io->allocation_steps steps (VHD's rule: fewer for back ends whose allocate() costs more
 * the further it reaches), each a cancel point; from the first step the back end cannot
 * reserve, the rest is written with zeros. */
static vhd_status reserve_data_area(vhd_io *io, const vhdx_create_options *options,
                                    const vhdx_layout *layout, vhdx_progress *progress,
                                    uint8_t *buffer, size_t buffer_size)
{
    uint64_t offset = layout->data_offset, end = layout->file_size;
    uint64_t step = vhd_fixed_allocation_step(io, end - offset);
    while (offset < end && io->allocate != NULL) {
        uint64_t len = end - offset < step ? end - offset : step;
        if (vhdx_cancel_requested(options))
            return VHD_E_CANCELLED;
        vhd_status status = io->allocate(io, offset, len);
        if (status == VHD_E_NOT_SUPPORTED)
            break;
        if (status != VHD_OK)
            return status;
        offset += len;
        vhdx_progress_advance(progress, len);
    }
    return write_zeros(io, options, progress, offset, end, buffer, buffer_size);
}

vhd_status vhdx_write_fixed(vhd_io *io, const vhdx_create_options *options)
{
    vhdx_layout layout;
    vhdx_create_check check = vhdx_layout_compute(VHDX_LAYOUT_FIXED, options, NULL, &layout);
    if (check != VHDX_CREATE_VALID) {
        io->remove(io);
        return vhdx_create_check_status(check);
    }
    return vhdx_write_file(io, &layout, &options->virtual_disk_id, NULL, options,
                           reserve_data_area);
}

vhd_status vhdx_create_fixed(vhd_io *io, const vhdx_create_options *options)
{
    vhd_status status = vhdx_create_check_status(vhdx_check_options(options));
    if (status != VHD_OK)
        return status;
    status = io->create(io);
    if (status != VHD_OK)
        return status;
    return vhdx_write_fixed(io, options);
}
