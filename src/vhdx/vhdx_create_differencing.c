/* Differencing VHDX disks: HasParent, the parent's virtual-disk items copied (size, sector
 * sizes, virtual disk id [spec 2.6.1.3: IsVirtualDisk items follow the disk when it forks]),
 * and a parent locator of the VHDX type naming the parent's DataWriteGuid and paths. Every
 * BAT entry is NOT_PRESENT: every sector reads from the parent. */
#include "vhdx_create.h"

#include <string.h>
#include "vhdx_layout.h"
#include "vhdx_reader.h"
#include "vhdx_write_common.h"

vhd_status vhdx_write_differencing(vhd_io *io, const vhdx_create_options *options,
                                   const vhdx_parent_facts *parent)
{
    vhdx_layout layout;
    vhdx_create_check check = vhdx_layout_compute(VHDX_LAYOUT_DIFFERENCING, options, parent,
                                                  &layout);
    if (check != VHDX_CREATE_VALID) {
        io->remove(io);
        return vhdx_create_check_status(check);
    }
    return vhdx_write_file(io, &layout, &parent->virtual_disk_id, parent, options, NULL);
}

vhd_status vhdx_create_differencing(vhd_io *io, const vhdx_create_options *options,
                                    const vhdx_parent_facts *parent)
{
    vhd_status status = vhdx_create_check_status(vhdx_check_differencing(options, parent));
    if (status != VHD_OK)
        return status;
    status = io->create(io);
    if (status != VHD_OK)
        return status;
    return vhdx_write_differencing(io, options, parent);
}

void vhdx_parent_facts_from_info(vhdx_parent_facts *parent, const vhdx_image_info *info)
{
    memset(parent, 0, sizeof *parent);
    parent->size_bytes = info->virtual_size;
    parent->logical_sector_size = info->logical_sector_size;
    parent->physical_sector_size = info->physical_sector_size;
    parent->virtual_disk_id = info->virtual_disk_id;
    parent->data_write_guid = info->header.data_write_guid;
}
