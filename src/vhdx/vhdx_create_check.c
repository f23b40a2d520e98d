/* The checks every creation runs before it writes anything. */
#include "vhdx_write_common.h"

const char *vhdx_create_check_message(vhdx_create_check check)
{
    switch (check) {
    case VHDX_CREATE_VALID:
        return "the options make a valid VHDX";
    case VHDX_CREATE_SIZE_ZERO:
        return "a VHDX cannot be 0 bytes";
    case VHDX_CREATE_SIZE_NOT_SECTOR_MULTIPLE:
        return "the size of a VHDX must be a multiple of its logical sector size";
    case VHDX_CREATE_SIZE_TOO_LARGE:
        return "a VHDX can be at most 64 TiB (70,368,744,177,664 bytes)";
    case VHDX_CREATE_BAD_BLOCK_SIZE:
        return "the block size of a VHDX must be a power of two from 1 MiB to 256 MiB";
    case VHDX_CREATE_BAD_LOGICAL_SECTOR_SIZE:
        return "the logical sector size of a VHDX must be 512 or 4096 bytes";
    case VHDX_CREATE_BAD_PHYSICAL_SECTOR_SIZE:
        return "the physical sector size of a VHDX must be 512 or 4096 bytes";
    case VHDX_CREATE_PARENT_NO_PATH:
        return "a differencing VHDX needs at least one path to its parent";
    case VHDX_CREATE_PARENT_PATH_TOO_LONG:
        return "a parent path is longer than 32,767 characters";
    case VHDX_CREATE_PARENT_PATH_HAS_NUL:
        return "a parent path is missing or contains a NUL character";
    }
    return "unknown VHDX option check";
}

vhd_status vhdx_create_check_status(vhdx_create_check check)
{
    switch (check) {
    case VHDX_CREATE_VALID:
        return VHD_OK;
    case VHDX_CREATE_PARENT_NO_PATH:
    case VHDX_CREATE_PARENT_PATH_TOO_LONG:
    case VHDX_CREATE_PARENT_PATH_HAS_NUL:
        return VHD_E_INVALID_PATH;
    default:
        return VHD_E_INVALID_SIZE;
    }
}

static bool is_sector_size(uint32_t size)
{
    return size == 512 || size == 4096;
}

vhdx_create_check vhdx_check_geometry(uint64_t size_bytes, uint32_t block_size,
                                      uint32_t logical_sector_size, uint32_t physical_sector_size)
{
    if (!is_sector_size(logical_sector_size))
        return VHDX_CREATE_BAD_LOGICAL_SECTOR_SIZE;
    if (!is_sector_size(physical_sector_size))
        return VHDX_CREATE_BAD_PHYSICAL_SECTOR_SIZE;
    if (block_size < VHDX_BLOCK_SIZE_MIN || block_size > VHDX_BLOCK_SIZE_MAX ||
            (block_size & (block_size - 1)) != 0)
        return VHDX_CREATE_BAD_BLOCK_SIZE;
    if (size_bytes == 0)
        return VHDX_CREATE_SIZE_ZERO;
    if (size_bytes > VHDX_MAX_DISK_SIZE)
        return VHDX_CREATE_SIZE_TOO_LARGE;
    if (size_bytes % logical_sector_size != 0)
        return VHDX_CREATE_SIZE_NOT_SECTOR_MULTIPLE;
    return VHDX_CREATE_VALID;
}

static vhdx_create_check check_path(const uint16_t *units, size_t length, unsigned *present)
{
    if (length == 0)
        return VHDX_CREATE_VALID;
    if (units == NULL)
        return VHDX_CREATE_PARENT_PATH_HAS_NUL;
    if (length > VHDX_PARENT_PATH_MAX_UNITS)
        return VHDX_CREATE_PARENT_PATH_TOO_LONG;
    for (size_t i = 0; i < length; i++)
        if (units[i] == 0)
            return VHDX_CREATE_PARENT_PATH_HAS_NUL;
    (*present)++;
    return VHDX_CREATE_VALID;
}

vhdx_create_check vhdx_check_parent_paths(const vhdx_parent_facts *parent)
{
    unsigned present = 0;
    vhdx_create_check check = check_path(parent->relative_path, parent->relative_length, &present);
    if (check == VHDX_CREATE_VALID)
        check = check_path(parent->volume_path, parent->volume_length, &present);
    if (check == VHDX_CREATE_VALID)
        check = check_path(parent->absolute_win32_path, parent->absolute_win32_length, &present);
    if (check == VHDX_CREATE_VALID && present == 0)
        check = VHDX_CREATE_PARENT_NO_PATH;
    return check;
}

vhdx_create_check vhdx_check_options(const vhdx_create_options *options)
{
    vhdx_layout layout;
    return vhdx_layout_compute(VHDX_LAYOUT_DYNAMIC, options, NULL, &layout);
}

vhdx_create_check vhdx_check_differencing(const vhdx_create_options *options,
                                          const vhdx_parent_facts *parent)
{
    vhdx_layout layout;
    return vhdx_layout_compute(VHDX_LAYOUT_DIFFERENCING, options, parent, &layout);
}
