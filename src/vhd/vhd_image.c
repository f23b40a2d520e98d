/* Opening one VHD image: the footer (at the end, else the copy at offset 0), the dynamic
 * header, the block allocation table, and for a differencing disk its parent locators. Every
 * field is checked against the file size before it is used. */
#include "vhd_reader_internal.h"

#include <stdlib.h>
#include <string.h>

#define ALL_ONES UINT64_C(0xFFFFFFFFFFFFFFFF)
#define OLD_ALL_ONES UINT64_C(0x00000000FFFFFFFF)   /* spec text, and qemu before 1.0 */
#define FEATURES_KNOWN (VHD_FEATURES_TEMPORARY | VHD_FEATURES_RESERVED)
#define MAX_DYNAMIC_SIZE (UINT64_C(0xFF000000) * VHD_SECTOR_SIZE)   /* 2040 GiB */

static void *image_alloc(const vhd_image *image, size_t size)
{
    return image->allocate ? image->allocate(size) : malloc(size);
}

static void image_free(const vhd_image *image, void *block)
{
    if (block == NULL)
        return;
    if (image->release)
        image->release(block);
    else
        free(block);
}

static const char *disk_type_name(uint32_t type)
{
    switch (type) {
    case VHD_DISK_TYPE_FIXED:        return "fixed";
    case VHD_DISK_TYPE_DYNAMIC:      return "dynamic";
    case VHD_DISK_TYPE_DIFFERENCING: return "differencing";
    }
    return "unknown";
}

static bool is_sparse(uint32_t type)
{
    return type == VHD_DISK_TYPE_DYNAMIC || type == VHD_DISK_TYPE_DIFFERENCING;
}

/* Reads and decodes a footer at offset (len 512, or 511 for the short footer of products
 * before Virtual PC 2004, whose missing last byte is reserved and zero). */
static vhd_reader_code read_footer(vhd_image *image, uint64_t offset, size_t len,
                                   vhd_footer *footer, vhd_format_status *format,
                                   vhd_reader_error *error)
{
    uint8_t buf[VHD_FOOTER_SIZE] = { 0 };
    vhd_status status = image->io->read_at(image->io, offset, buf, len);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, image->io, status, "footer", offset);
    *format = vhd_footer_decode(footer, buf, sizeof buf);
    return VHD_READER_OK;
}

static const char *format_problem(vhd_format_status format)
{
    return format == VHD_FORMAT_BAD_COOKIE ? "does not start with the cookie \"conectix\""
                                           : "has a wrong checksum";
}

/* The footer at the end, the short one, or the copy at offset 0, as the format allows. */
static vhd_reader_code find_footer(vhd_image *image, vhd_reader_error *error)
{
    vhd_image_info *info = &image->info;
    uint64_t size = info->file_size;
    vhd_format_status end_format = VHD_FORMAT_OK, copy_format = VHD_FORMAT_OK;
    vhd_footer copy;
    vhd_reader_code code;

    if (size < VHD_FOOTER_SIZE)
        return vhd_reader_fail(error, VHD_READER_TRUNCATED,
                               "the file is %llu bytes long, shorter than a VHD footer (512 bytes)",
                               (unsigned long long)size);
    code = read_footer(image, size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, &info->footer,
                       &end_format, error);
    if (code != VHD_READER_OK)
        return code;
    image->data_end = size - VHD_FOOTER_SIZE;
    if (end_format != VHD_FORMAT_OK && size % VHD_SECTOR_SIZE == VHD_FOOTER_SIZE - 1) {
        vhd_format_status short_format = VHD_FORMAT_OK;
        vhd_footer short_footer;
        code = read_footer(image, size - (VHD_FOOTER_SIZE - 1), VHD_FOOTER_SIZE - 1,
                           &short_footer, &short_format, error);
        if (code != VHD_READER_OK)
            return code;
        if (short_format == VHD_FORMAT_OK) {
            info->footer = short_footer;
            image->data_end = size - (VHD_FOOTER_SIZE - 1);
            end_format = VHD_FORMAT_OK;
        }
    }
    if (end_format == VHD_FORMAT_OK) {
        if (!is_sparse(info->footer.disk_type) || size < 2 * VHD_FOOTER_SIZE)
            return VHD_READER_OK;
        /* A dynamic disk's copy must agree with the footer on what locates and names the
         * disk; a damaged copy is not an error while the footer at the end is good. */
        code = read_footer(image, 0, VHD_FOOTER_SIZE, &copy, &copy_format, error);
        if (code != VHD_READER_OK)
            return code;
        if (copy_format != VHD_FORMAT_OK)
            return VHD_READER_OK;
        const char *field = NULL;
        if (copy.disk_type != info->footer.disk_type)
            field = "disk type";
        else if (copy.data_offset != info->footer.data_offset)
            field = "data offset";
        else if (copy.current_size != info->footer.current_size)
            field = "current size";
        else if (memcmp(copy.unique_id, info->footer.unique_id, 16) != 0)
            field = "unique id";
        if (field != NULL)
            return vhd_reader_fail(error, VHD_READER_BAD_FOOTER,
                                   "the footer at the end and its copy at offset 0 disagree on "
                                   "the %s", field);
        return VHD_READER_OK;
    }

    /* The footer at the end is damaged: a dynamic disk has a copy at offset 0. */
    code = read_footer(image, 0, VHD_FOOTER_SIZE, &copy, &copy_format, error);
    if (code != VHD_READER_OK)
        return code;
    if (copy_format == VHD_FORMAT_OK && is_sparse(copy.disk_type)) {
        info->footer = copy;
        info->footer_from_copy = true;
        return VHD_READER_OK;
    }
    if (copy_format == VHD_FORMAT_OK)
        return vhd_reader_fail(error, VHD_READER_BAD_FOOTER,
                               "the footer at the end of the file %s, and the copy at offset 0 "
                               "is of a %s disk, which has no copy", format_problem(end_format),
                               disk_type_name(copy.disk_type));
    if (end_format == VHD_FORMAT_BAD_COOKIE && copy_format == VHD_FORMAT_BAD_COOKIE)
        return vhd_reader_fail(error, VHD_READER_BAD_FOOTER,
                               "not a VHD: no footer cookie \"conectix\" at the end of the file "
                               "nor at offset 0");
    return vhd_reader_fail(error, VHD_READER_BAD_FOOTER,
                           "the footer at the end of the file %s, and the copy at offset 0 %s",
                           format_problem(end_format), format_problem(copy_format));
}

static vhd_reader_code check_footer(vhd_image *image, vhd_reader_error *error)
{
    const vhd_footer *f = &image->info.footer;
    if (f->file_format_version >> 16 != 1)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's file format version 0x%08x is not 1.x",
                               (unsigned)f->file_format_version);
    if ((f->features & ~FEATURES_KNOWN) != 0)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's features 0x%08x hold unknown flags",
                               (unsigned)f->features);
    if (f->disk_type != VHD_DISK_TYPE_FIXED && !is_sparse(f->disk_type))
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's disk type %u is not fixed (2), dynamic (3) or "
                               "differencing (4)", (unsigned)f->disk_type);
    if (f->current_size == 0 || f->current_size % VHD_SECTOR_SIZE != 0)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's current size %llu is not a positive multiple of "
                               "512 bytes", (unsigned long long)f->current_size);
    if (f->disk_type == VHD_DISK_TYPE_FIXED) {
        if (f->data_offset != ALL_ONES && f->data_offset != OLD_ALL_ONES)
            return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                                   "the footer's data offset 0x%llx of a fixed disk is not "
                                   "0xFFFFFFFFFFFFFFFF", (unsigned long long)f->data_offset);
        if (f->current_size > image->data_end)
            return vhd_reader_fail(error, VHD_READER_TRUNCATED,
                                   "the fixed disk's size is %llu bytes but the file holds only "
                                   "%llu bytes of data", (unsigned long long)f->current_size,
                                   (unsigned long long)image->data_end);
        return VHD_READER_OK;
    }
    if (f->current_size > MAX_DYNAMIC_SIZE)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's current size %llu exceeds the 2040 GiB a %s disk "
                               "can address", (unsigned long long)f->current_size,
                               disk_type_name(f->disk_type));
    if (f->data_offset >= image->info.file_size)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's data offset %llu lies beyond the end of the file "
                               "(%llu bytes)", (unsigned long long)f->data_offset,
                               (unsigned long long)image->info.file_size);
    if (f->data_offset < VHD_FOOTER_SIZE || f->data_offset % VHD_SECTOR_SIZE != 0)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the footer's data offset %llu is not a sector after the footer "
                               "copy", (unsigned long long)f->data_offset);
    if (image->data_end - f->data_offset < VHD_DYNAMIC_HEADER_SIZE
        || f->data_offset > image->data_end)
        return vhd_reader_fail(error, VHD_READER_TRUNCATED,
                               "the dynamic disk header at offset %llu runs past the footer at "
                               "%llu", (unsigned long long)f->data_offset,
                               (unsigned long long)image->data_end);
    return VHD_READER_OK;
}

static void add_region(vhd_image *image, uint64_t start, uint64_t length, const char *what)
{
    struct vhd_region *r = &image->regions[image->region_count++];
    r->start = start;
    r->end = start + length;
    r->what = what;
}

static vhd_reader_code load_header(vhd_image *image, vhd_reader_error *error)
{
    vhd_image_info *info = &image->info;
    vhd_dynamic_header *h = &info->header;
    uint64_t offset = info->footer.data_offset;
    uint8_t buf[VHD_DYNAMIC_HEADER_SIZE];

    vhd_status status = image->io->read_at(image->io, offset, buf, sizeof buf);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, image->io, status, "dynamic disk header", offset);
    vhd_format_status format = vhd_dynamic_header_decode(h, buf, sizeof buf);
    if (format == VHD_FORMAT_BAD_COOKIE)
        return vhd_reader_fail(error, VHD_READER_BAD_HEADER,
                               "the dynamic disk header at offset %llu does not start with the "
                               "cookie \"cxsparse\"", (unsigned long long)offset);
    if (format != VHD_FORMAT_OK)
        return vhd_reader_fail(error, VHD_READER_BAD_HEADER,
                               "the dynamic disk header at offset %llu has a wrong checksum",
                               (unsigned long long)offset);
    if (h->header_version >> 16 != 1)
        return vhd_reader_fail(error, VHD_READER_BAD_HEADER,
                               "the dynamic disk header's version 0x%08x is not 1.x",
                               (unsigned)h->header_version);
    if (h->data_offset != ALL_ONES && h->data_offset != OLD_ALL_ONES)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the dynamic disk header's data offset 0x%llx is not unused "
                               "(all ones)", (unsigned long long)h->data_offset);
    if (h->block_size < VHD_SECTOR_SIZE || (h->block_size & (h->block_size - 1)) != 0)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the block size %u is not a power of two of at least 512 bytes",
                               (unsigned)h->block_size);

    uint64_t blocks = (info->footer.current_size + h->block_size - 1) / h->block_size;
    if (blocks > h->max_table_entries)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the block allocation table has %u entries, fewer than the %llu "
                               "blocks of a %llu-byte disk", (unsigned)h->max_table_entries,
                               (unsigned long long)blocks,
                               (unsigned long long)info->footer.current_size);
    info->blocks = (uint32_t)blocks;
    info->sectors_per_block = h->block_size / VHD_SECTOR_SIZE;
    /* One bit per sector, whole sectors. */
    info->bitmap_size = (info->sectors_per_block / 8 + VHD_SECTOR_SIZE - 1)
        / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;

    uint64_t table_bytes = (uint64_t)h->max_table_entries * 4;
    if (h->table_offset >= info->file_size)
        return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                               "the block allocation table offset %llu lies beyond the end of "
                               "the file (%llu bytes)", (unsigned long long)h->table_offset,
                               (unsigned long long)info->file_size);
    if (h->table_offset > image->data_end || table_bytes > image->data_end - h->table_offset)
        return vhd_reader_fail(error, VHD_READER_TRUNCATED,
                               "the block allocation table of %u entries at offset %llu runs "
                               "past the footer at %llu", (unsigned)h->max_table_entries,
                               (unsigned long long)h->table_offset,
                               (unsigned long long)image->data_end);
    add_region(image, 0, VHD_FOOTER_SIZE, "footer copy");
    add_region(image, offset, VHD_DYNAMIC_HEADER_SIZE, "dynamic disk header");
    for (unsigned i = 0; i < 2; i++) {
        if (vhd_ranges_overlap(h->table_offset, table_bytes, image->regions[i].start,
                               image->regions[i].end - image->regions[i].start))
            return vhd_reader_fail(error, VHD_READER_BAD_FIELD,
                                   "the block allocation table at offset %llu overlaps the %s",
                                   (unsigned long long)h->table_offset, image->regions[i].what);
    }
    add_region(image, h->table_offset, table_bytes, "block allocation table");
    return VHD_READER_OK;
}

vhd_reader_code vhd_image_bat_entry(vhd_image *image, uint32_t block, uint32_t *entry,
                                    vhd_reader_error *error)
{
    const vhd_image_info *info = &image->info;
    if (block >= info->blocks)
        return vhd_reader_fail(error, VHD_READER_OUT_OF_RANGE, "block %u is beyond the disk's %u",
                               (unsigned)block, (unsigned)info->blocks);
    if (image->bat_window_entries == 0 || block < image->bat_window_first
        || block - image->bat_window_first >= image->bat_window_entries) {
        uint32_t per_window = VHD_READER_BAT_WINDOW / 4;
        uint64_t first = block / per_window * per_window;
        uint64_t count = info->blocks - first < per_window ? info->blocks - first : per_window;
        uint64_t offset = info->header.table_offset + first * 4;
        image->bat_window_entries = 0;
        vhd_status status = image->io->read_at(image->io, offset, image->bat_window,
                                               (size_t)count * 4);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, image->io, status, "block allocation table", offset);
        image->bat_window_first = first;
        image->bat_window_entries = (uint32_t)count;
    }
    const uint8_t *p = image->bat_window + (block - image->bat_window_first) * 4;
    uint32_t value = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (value != VHD_BAT_ENTRY_UNUSED) {
        uint64_t start = (uint64_t)value * VHD_SECTOR_SIZE;
        uint64_t length = (uint64_t)info->bitmap_size + info->header.block_size;
        if (start > image->data_end || length > image->data_end - start)
            return vhd_reader_fail(error, VHD_READER_BAD_BAT,
                                   "block %u at sector %u (offset %llu) runs past the footer at "
                                   "offset %llu", (unsigned)block, (unsigned)value,
                                   (unsigned long long)start, (unsigned long long)image->data_end);
        for (unsigned i = 0; i < image->region_count; i++) {
            const struct vhd_region *r = &image->regions[i];
            if (vhd_ranges_overlap(start, length, r->start, r->end - r->start))
                return vhd_reader_fail(error, VHD_READER_BAD_BAT,
                                       "block %u at sector %u (offset %llu) overlaps the %s",
                                       (unsigned)block, (unsigned)value,
                                       (unsigned long long)start, r->what);
        }
    }
    *entry = value;
    return VHD_READER_OK;
}

/* Every block the disk can use, checked once at open (later reads check them again, since
 * another process may change the file). */
static vhd_reader_code scan_bat(vhd_image *image, vhd_reader_error *error)
{
    uint32_t allocated = 0, entry;
    for (uint32_t block = 0; block < image->info.blocks; block++) {
        vhd_reader_code code = vhd_image_bat_entry(image, block, &entry, error);
        if (code != VHD_READER_OK)
            return code;
        allocated += entry != VHD_BAT_ENTRY_UNUSED;
    }
    image->info.allocated_blocks = allocated;
    return VHD_READER_OK;
}

static vhd_reader_code load_parent_name(vhd_image *image, vhd_reader_error *error)
{
    size_t size = sizeof image->info.header.parent_unicode_name / 2 * 3 + 1;
    char *name = image_alloc(image, size);
    if (name == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for the parent name");
    vhd_utf16_to_utf8(image->info.header.parent_unicode_name,
                      sizeof image->info.header.parent_unicode_name / 2, true, false, name, size);
    image->strings[0] = name;
    image->info.parent_name = name;
    return VHD_READER_OK;
}

vhd_reader_code vhd_image_open(vhd_image **result, vhd_io *io, const vhd_reader_options *options,
                               vhd_reader_error *error)
{
    vhd_reader_code code;
    vhd_image *image;
    vhd_status status;

    vhd_reader_clear(error);
    *result = NULL;
    void *(*allocate)(size_t) = options && options->allocate ? options->allocate : NULL;
    image = allocate ? allocate(sizeof *image) : malloc(sizeof *image);
    if (image == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory opening the image");
    memset(image, 0, sizeof *image);
    image->allocate = allocate;
    image->release = options && options->release ? options->release : NULL;
    image->io = io;
    image->bitmap_offset = UINT64_MAX;
    image->info.parent_name = "";

    status = io->get_size(io, &image->info.file_size);
    if (status != VHD_OK) {
        code = vhd_reader_fail_io(error, io, status, "file size", 0);
        goto fail;
    }
    if ((code = find_footer(image, error)) != VHD_READER_OK
        || (code = check_footer(image, error)) != VHD_READER_OK)
        goto fail;
    if (!is_sparse(image->info.footer.disk_type)) {
        *result = image;
        return VHD_READER_OK;
    }
    if ((code = load_header(image, error)) != VHD_READER_OK)
        goto fail;
    image->bat_window = image_alloc(image, VHD_READER_BAT_WINDOW);
    if (image->bat_window == NULL) {
        code = vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for the BAT");
        goto fail;
    }
    if (image->info.footer.disk_type == VHD_DISK_TYPE_DIFFERENCING
        && ((code = load_parent_name(image, error)) != VHD_READER_OK
            || (code = vhd_locators_load(image, error)) != VHD_READER_OK))
        goto fail;
    if ((code = scan_bat(image, error)) != VHD_READER_OK)
        goto fail;
    *result = image;
    return VHD_READER_OK;

fail:
    vhd_image_close(image);
    return code;
}

void vhd_image_close(vhd_image *image)
{
    if (image == NULL)
        return;
    for (size_t i = 0; i < sizeof image->strings / sizeof image->strings[0]; i++)
        image_free(image, image->strings[i]);
    image_free(image, image->bat_window);
    image_free(image, image);
}

const vhd_image_info *vhd_image_get_info(const vhd_image *image)
{
    return &image->info;
}

vhd_io *vhd_image_io(const vhd_image *image)
{
    return image->io;
}
