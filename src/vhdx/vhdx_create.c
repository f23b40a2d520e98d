/* Dynamic VHDX disks, and what every kind's creation shares at its entry. */
#include "vhdx_create.h"

#include "vhdx_layout.h"
#include "vhdx_write_common.h"

static uint64_t file_size(vhdx_layout_kind kind, const vhdx_create_options *options,
                          const vhdx_parent_facts *parent)
{
    vhdx_layout layout;
    if (vhdx_layout_compute(kind, options, parent, &layout) != VHDX_CREATE_VALID)
        return 0;
    return layout.file_size;
}

uint64_t vhdx_dynamic_file_size(const vhdx_create_options *options)
{
    return file_size(VHDX_LAYOUT_DYNAMIC, options, NULL);
}

uint64_t vhdx_fixed_file_size(const vhdx_create_options *options)
{
    return file_size(VHDX_LAYOUT_FIXED, options, NULL);
}

uint64_t vhdx_differencing_file_size(const vhdx_create_options *options,
                                     const vhdx_parent_facts *parent)
{
    return file_size(VHDX_LAYOUT_DIFFERENCING, options, parent);
}

/* Every BAT entry NOT_PRESENT: the disk reads as zeros, and each block is allocated at the
 * end of the file on its first write. */
vhd_status vhdx_write_dynamic(vhd_io *io, const vhdx_create_options *options)
{
    vhdx_layout layout;
    vhdx_create_check check = vhdx_layout_compute(VHDX_LAYOUT_DYNAMIC, options, NULL, &layout);
    if (check != VHDX_CREATE_VALID) {
        io->remove(io);
        return vhdx_create_check_status(check);
    }
    return vhdx_write_file(io, &layout, &options->virtual_disk_id, NULL, options, NULL);
}

vhd_status vhdx_create_dynamic(vhd_io *io, const vhdx_create_options *options)
{
    vhd_status status = vhdx_create_check_status(vhdx_check_options(options));
    if (status != VHD_OK)
        return status;
    status = io->create(io);
    if (status != VHD_OK)
        return status;
    return vhdx_write_dynamic(io, options);
}
