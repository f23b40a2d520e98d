/* Parent locators of a differencing disk: each non-empty entry is checked against the file
 * (inside the data, off the metadata and the other locators, length within its space) and
 * its path decoded to UTF-8: W2ku/W2ru UTF-16LE, Wi2k/Wi2r bytes (read as Latin-1), MacX a
 * UTF-8 file URL kept as stored. A Mac alias is checked but not decoded. */
#include "vhd_reader_internal.h"

#include <stdlib.h>
#include <string.h>

static void *image_alloc(const vhd_image *image, size_t size)
{
    return image->allocate ? image->allocate(size) : malloc(size);
}

static void code_text(uint32_t code, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(code >> (24 - 8 * i));
        out[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    out[4] = '\0';
}

/* Data space: the specification says sectors, Virtual PC and Hyper-V store bytes. A value
 * below 512 is sectors, a multiple of 512 bytes; anything else is invalid (as blktap). */
static bool space_in_bytes(uint32_t space, uint64_t *bytes)
{
    if (space < VHD_SECTOR_SIZE) {
        *bytes = (uint64_t)space * VHD_SECTOR_SIZE;
        return true;
    }
    *bytes = space;
    return space % VHD_SECTOR_SIZE == 0;
}

static bool valid_utf8(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                 : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4 || (n == 1 && c < 0xC2) || len - i - 1 < n || c == 0)
            return false;
        for (size_t k = 1; k <= n; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

/* Decodes the locator's bytes into a new string; NULL and a reason on failure. */
static vhd_reader_code decode(vhd_image *image, unsigned index, const uint8_t *data,
                              uint32_t length, char **path, vhd_reader_error *error)
{
    const vhd_parent_locator *l = &image->info.header.parent_locator[index];
    char code[5];
    size_t size;
    code_text(l->platform_code, code);
    *path = NULL;

    switch (l->platform_code) {
    case VHD_PLATFORM_W2KU:
    case VHD_PLATFORM_W2RU:
        if (length % 2 != 0)
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) has an odd length %u for UTF-16 text",
                                   index, code, (unsigned)length);
        size = (size_t)length / 2 * 3 + 1;
        if ((*path = image_alloc(image, size)) == NULL)
            return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for a locator");
        if (!vhd_utf16_to_utf8(data, length / 2, false, true, *path, size))
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) is not valid UTF-16", index, code);
        return VHD_READER_OK;
    case VHD_PLATFORM_WI2K:
    case VHD_PLATFORM_WI2R:
        if ((*path = image_alloc(image, (size_t)length * 2 + 1)) == NULL)
            return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for a locator");
        size = 0;
        for (uint32_t i = 0; i < length && data[i] != 0; i++) {
            if (data[i] < 0x80) {
                (*path)[size++] = (char)data[i];
            } else {
                (*path)[size++] = (char)(0xC0 | data[i] >> 6);
                (*path)[size++] = (char)(0x80 | (data[i] & 0x3F));
            }
        }
        (*path)[size] = '\0';
        return VHD_READER_OK;
    case VHD_PLATFORM_MACX:
        while (length > 0 && data[length - 1] == 0)
            length--;
        if (!valid_utf8(data, length))
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) is not valid UTF-8", index, code);
        if ((*path = image_alloc(image, (size_t)length + 1)) == NULL)
            return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for a locator");
        memcpy(*path, data, length);
        (*path)[length] = '\0';
        return VHD_READER_OK;
    default:
        return VHD_READER_OK;   /* "Mac " aliases and unknown codes: bounds only */
    }
}

vhd_reader_code vhd_locators_load(vhd_image *image, vhd_reader_error *error)
{
    vhd_image_info *info = &image->info;
    uint8_t data[VHD_READER_LOCATOR_MAX_BYTES];

    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        const vhd_parent_locator *l = &info->header.parent_locator[i];
        uint64_t space;
        char code[5];
        if (l->platform_code == VHD_PLATFORM_NONE)
            continue;
        code_text(l->platform_code, code);
        if (!space_in_bytes(l->platform_data_space, &space))
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) has a data space of %u, neither "
                                   "sectors nor a multiple of 512 bytes", i, code,
                                   (unsigned)l->platform_data_space);
        if (l->platform_data_length > space)
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) is %u bytes long, more than its space "
                                   "of %llu bytes", i, code, (unsigned)l->platform_data_length,
                                   (unsigned long long)space);
        if (l->platform_data_length > VHD_READER_LOCATOR_MAX_BYTES)
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) is %u bytes long, more than the %u "
                                   "bytes a path may take", i, code,
                                   (unsigned)l->platform_data_length,
                                   VHD_READER_LOCATOR_MAX_BYTES);
        uint64_t offset = l->platform_data_offset, length = l->platform_data_length;
        if (length == 0)
            goto keep;   /* reserved but unused (VirtualBox does this) */
        if (offset >= info->file_size)
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) at offset %llu lies beyond the end of "
                                   "the file (%llu bytes)", i, code, (unsigned long long)offset,
                                   (unsigned long long)info->file_size);
        if (offset > image->data_end || length > image->data_end - offset)
            return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                   "parent locator %u (%s) at offset %llu runs past the footer "
                                   "at %llu", i, code, (unsigned long long)offset,
                                   (unsigned long long)image->data_end);
        for (unsigned r = 0; r < image->region_count; r++) {
            const struct vhd_region *region = &image->regions[r];
            if (vhd_ranges_overlap(offset, length, region->start, region->end - region->start))
                return vhd_reader_fail(error, VHD_READER_BAD_LOCATOR,
                                       "parent locator %u (%s) at offset %llu overlaps the %s",
                                       i, code, (unsigned long long)offset, region->what);
        }
        vhd_status status = image->io->read_at(image->io, offset, data, (size_t)length);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, image->io, status, "parent locator", offset);
        image->regions[image->region_count].start = offset;
        image->regions[image->region_count].end = offset + length;
        image->regions[image->region_count].what = "data of another parent locator";
        image->region_count++;
    keep:;
        vhd_locator_info *out = &info->locators[info->locator_count];
        out->platform_code = l->platform_code;
        out->platform_data_space = l->platform_data_space;
        out->platform_data_length = l->platform_data_length;
        out->platform_data_offset = l->platform_data_offset;
        out->path = NULL;
        char *path = NULL;
        vhd_reader_code code_result = decode(image, i, data, (uint32_t)length, &path, error);
        image->strings[1 + info->locator_count] = path;   /* freed with the image */
        info->locator_count++;
        if (code_result != VHD_READER_OK)
            return code_result;
        out->path = path;
    }
    return VHD_READER_OK;
}
