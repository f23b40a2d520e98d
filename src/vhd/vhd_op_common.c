#include "vhd_op_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ALIGNMENT 4096u

const char *vhd_op_code_name(vhd_op_code code)
{
    switch (code) {
    case VHD_OP_OK:               return "success";
    case VHD_OP_IO:               return "input/output error";
    case VHD_OP_NO_SPACE:         return "not enough space on the volume";
    case VHD_OP_NO_MEMORY:        return "out of memory";
    case VHD_OP_CANCELLED:        return "cancelled";
    case VHD_OP_TARGET_EXISTS:    return "the new disk's path already exists";
    case VHD_OP_TARGET_PATH:      return "the new disk's path cannot be used";
    case VHD_OP_WRONG_TYPE:       return "wrong kind of disk";
    case VHD_OP_READ_ONLY:        return "the disk is read-only";
    case VHD_OP_IN_USE:           return "the disk is in use";
    case VHD_OP_INVALID_DISK:     return "not a valid virtual hard disk";
    case VHD_OP_PARENT_NOT_FOUND: return "parent disk not found";
    case VHD_OP_NOT_THE_PARENT:   return "not the differencing disk's parent";
    case VHD_OP_UNSUPPORTED:      return "not supported for this disk";
    case VHD_OP_TOO_LARGE:        return "too large for the new disk's format";
    }
    return "unknown error";
}

vhd_op_code vhd_op_fail(vhd_op_result *result, vhd_op_code code, const char *format, ...)
{
    va_list args;
    result->code = code;
    va_start(args, format);
    vsnprintf(result->reason, sizeof result->reason, format, args);
    va_end(args);
    return code;
}

vhd_op_code vhd_op_fail_io(vhd_op_result *result, vhd_io *io, vhd_status status,
                           const char *doing)
{
    vhd_op_code code;
    switch (status) {
    case VHD_E_NO_SPACE:  code = VHD_OP_NO_SPACE; break;
    case VHD_E_CANCELLED: code = VHD_OP_CANCELLED; break;
    case VHD_E_NO_MEMORY: code = VHD_OP_NO_MEMORY; break;
    case VHD_E_IN_USE:    code = VHD_OP_IN_USE; break;
    default:              code = VHD_OP_IO; break;
    }
    result->io_status = status;
    result->os_error = io != NULL ? io->os_error : 0;
    if (status == VHD_E_CANCELLED)
        return vhd_op_fail(result, code, "cancelled while %s", doing);
    return vhd_op_fail(result, code, "%s while %s", vhd_status_message(status), doing);
}

vhd_op_code vhd_op_succeed(vhd_op_result *result)
{
    memset(result, 0, sizeof *result);
    return VHD_OP_OK;
}

vhd_op_code vhd_op_result_from_reader(vhd_op_result *result, const char *which,
                                      const vhd_reader_error *error)
{
    vhd_op_code code;
    result->io_status = VHD_OK;
    result->os_error = 0;
    switch (error->code) {
    case VHD_READER_OK:
        return vhd_op_succeed(result);
    case VHD_READER_IO:
        result->io_status = error->io_status;
        result->os_error = error->os_error;
        code = error->io_status == VHD_E_IN_USE ? VHD_OP_IN_USE : VHD_OP_IO;
        break;
    case VHD_READER_NO_MEMORY:
        code = VHD_OP_NO_MEMORY;
        break;
    case VHD_READER_PARENT_NOT_FOUND:
        code = VHD_OP_PARENT_NOT_FOUND;
        break;
    default:
        code = VHD_OP_INVALID_DISK;
        break;
    }
    return vhd_op_fail(result, code, "%s: %s", which, error->reason);
}

vhd_op_code vhd_op_result_from_open(vhd_op_result *result, const char *which,
                                    bool for_writing, vhd_status status, int os_error)
{
    vhd_op_code code;
    result->io_status = status;
    result->os_error = os_error;
    switch (status) {
    case VHD_E_IN_USE:
        return vhd_op_fail(result, VHD_OP_IN_USE,
                           "the %s is held for writing by another process", which);
    case VHD_E_ACCESS:
        if (for_writing)
            return vhd_op_fail(result, VHD_OP_READ_ONLY,
                               "the %s cannot be opened for writing (read-only file, folder "
                               "or volume, or access denied)", which);
        code = VHD_OP_IO;
        break;
    case VHD_E_NO_MEMORY:
        code = VHD_OP_NO_MEMORY;
        break;
    default:
        code = VHD_OP_IO;
        break;
    }
    return vhd_op_fail(result, code, "the %s cannot be opened: %s", which,
                       vhd_status_message(status));
}

bool vhd_is_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint64_t acc = 0;
    /* 64 bytes at a time without early exit inside a chunk: vectorises well. */
    while (len >= 64) {
        uint64_t words[8];
        memcpy(words, p, sizeof words);
        acc = words[0] | words[1] | words[2] | words[3] | words[4] | words[5] | words[6]
              | words[7];
        if (acc != 0)
            return false;
        p += 64;
        len -= 64;
    }
    while (len > 0) {
        if (*p++ != 0)
            return false;
        len--;
    }
    return true;
}

void vhd_bitmap_set(uint8_t *bitmap, uint32_t first, uint32_t count)
{
    for (uint32_t bit = first; bit < first + count; bit++)
        bitmap[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

bool vhd_bitmap_test(const uint8_t *bitmap, uint32_t bit)
{
    return (bitmap[bit / 8] & (0x80u >> (bit % 8))) != 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t value)
{
    p[0] = (uint8_t)(value >> 24);
    p[1] = (uint8_t)(value >> 16);
    p[2] = (uint8_t)(value >> 8);
    p[3] = (uint8_t)value;
}

void vhd_bat_init(vhd_bat *bat, vhd_io *io, uint64_t table_offset, uint32_t entries)
{
    bat->io = io;
    bat->table_offset = table_offset;
    bat->entries = entries;
    bat->first = 0;
    bat->count = 0;
    bat->dirty = false;
}

static vhd_status load_window(vhd_bat *bat, uint32_t index)
{
    vhd_status status;
    uint32_t first = index / VHD_BAT_WINDOW_ENTRIES * VHD_BAT_WINDOW_ENTRIES;
    if (bat->count != 0 && first == bat->first)
        return VHD_OK;
    status = vhd_bat_write_back(bat);
    if (status != VHD_OK)
        return status;
    uint32_t count = bat->entries - first < VHD_BAT_WINDOW_ENTRIES ? bat->entries - first
                                                                     : VHD_BAT_WINDOW_ENTRIES;
    bat->count = 0;
    status = bat->io->read_at(bat->io, bat->table_offset + (uint64_t)first * 4, bat->window,
                              (size_t)count * 4);
    if (status != VHD_OK)
        return status;
    bat->first = first;
    bat->count = count;
    return VHD_OK;
}

vhd_status vhd_bat_get(vhd_bat *bat, uint32_t index, uint32_t *entry)
{
    if (index >= bat->entries)
        return VHD_E_IO;
    vhd_status status = load_window(bat, index);
    if (status != VHD_OK)
        return status;
    *entry = be32(bat->window + (size_t)(index - bat->first) * 4);
    return VHD_OK;
}

vhd_status vhd_bat_set(vhd_bat *bat, uint32_t index, uint32_t entry)
{
    if (index >= bat->entries)
        return VHD_E_IO;
    vhd_status status = load_window(bat, index);
    if (status != VHD_OK)
        return status;
    put_be32(bat->window + (size_t)(index - bat->first) * 4, entry);
    bat->dirty = true;
    return VHD_OK;
}

vhd_status vhd_bat_write_back(vhd_bat *bat)
{
    if (!bat->dirty)
        return VHD_OK;
    vhd_status status = bat->io->write_at(bat->io, bat->table_offset + (uint64_t)bat->first * 4,
                                          bat->window, (size_t)bat->count * 4);
    if (status == VHD_OK)
        bat->dirty = false;
    return status;
}

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

void vhd_block_geometry_from_info(const vhd_image_info *info, vhd_block_geometry *geometry)
{
    uint64_t end = (uint64_t)VHD_SECTOR_SIZE + VHD_DYNAMIC_HEADER_SIZE;
    geometry->block_size = info->header.block_size;
    geometry->sectors_per_block = info->sectors_per_block;
    geometry->bitmap_size = info->bitmap_size;
    geometry->blocks = info->blocks;
    geometry->table_offset = info->header.table_offset;
    if (info->footer.data_offset + VHD_DYNAMIC_HEADER_SIZE > end)
        end = info->footer.data_offset + VHD_DYNAMIC_HEADER_SIZE;
    uint64_t table_end = info->header.table_offset
                         + round_up((uint64_t)info->header.max_table_entries * 4, VHD_SECTOR_SIZE);
    if (table_end > end)
        end = table_end;
    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        const vhd_parent_locator *locator = &info->header.parent_locator[i];
        if (locator->platform_code == 0)
            continue;
        uint64_t locator_end = locator->platform_data_offset
                               + (locator->platform_data_space < VHD_SECTOR_SIZE
                                      ? (uint64_t)locator->platform_data_space * VHD_SECTOR_SIZE
                                      : locator->platform_data_space);
        if (locator_end > end)
            end = locator_end;
    }
    geometry->metadata_end = end;
}

uint64_t vhd_next_block_bitmap(const vhd_block_geometry *geometry, uint64_t from)
{
    return round_up(from + geometry->bitmap_size, ALIGNMENT) - geometry->bitmap_size;
}
