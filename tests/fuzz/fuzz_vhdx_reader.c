/* libFuzzer target: the VHDX reader (header choice, log replay, region table, metadata, parent
 * locator, BAT, sector bitmaps). A VHDX file is megabytes of mostly zeros, so the input
 * describes one sparsely: a u32 file size, then records of u32 offset, u16 length and that
 * many bytes, laid over zeros in order (test_vhdx_malformed --write-corpus writes seeds in this
 * form). What opens is mapped and read at its first and last sectors, and checked (vsdisk
 * check's VHDX part); besides the sanitizers' checks, the reader is held to what it promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx_check.h"
#include "vhdx_reader.h"

static void expect(int condition)
{
    if (!condition)
        abort();
}

struct record {
    uint64_t offset;
    const uint8_t *bytes;
    size_t length;
};

#define MAX_RECORDS 4096

struct sparse_file {
    vhd_io io;
    uint64_t size;
    struct record records[MAX_RECORDS];
    size_t count;
    unsigned reads;
};

static vhd_status sparse_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct sparse_file *f = (struct sparse_file *)io;
    f->reads++;
    if (offset > f->size || len > f->size - offset)
        return VHD_E_END_OF_FILE;
    memset(buf, 0, len);
    for (size_t i = 0; i < f->count; i++) {
        const struct record *r = &f->records[i];
        uint64_t from = r->offset > offset ? r->offset : offset;
        uint64_t to = r->offset + r->length < offset + len ? r->offset + r->length : offset + len;
        if (from < to)
            memcpy((uint8_t *)buf + (from - offset), r->bytes + (from - r->offset),
                   (size_t)(to - from));
    }
    return VHD_OK;
}

static vhd_status sparse_get_size(vhd_io *io, uint64_t *size)
{
    *size = ((struct sparse_file *)io)->size;
    return VHD_OK;
}

static vhd_status refuse_write(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    (void)io, (void)offset, (void)buf, (void)len;
    abort();   /* the reader never writes */
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_error(vhdx_reader_code code, const vhdx_reader_error *error)
{
    expect(error->code == code);
    expect(strlen(error->reason) > 0 && strlen(error->reason) < sizeof error->reason);
    expect(vhdx_reader_code_name(code) != NULL);
}

static void check_info(const vhdx_image_info *info, uint64_t file_size)
{
    expect(info->kind >= VHDX_KIND_FIXED && info->kind <= VHDX_KIND_DIFFERENCING);
    expect(info->logical_sector_size == 512 || info->logical_sector_size == 4096);
    expect(info->physical_sector_size == 512 || info->physical_sector_size == 4096);
    expect(info->virtual_size > 0 && info->virtual_size <= VHDX_MAX_DISK_SIZE);
    expect(info->virtual_size % info->logical_sector_size == 0);
    expect(info->block_size >= VHDX_BLOCK_SIZE_MIN && info->block_size <= VHDX_BLOCK_SIZE_MAX);
    expect((info->block_size & (info->block_size - 1)) == 0);
    expect(info->bat_entries * 8 <= info->bat_region.length);
    expect(info->bat_region.file_offset + info->bat_region.length
           <= (info->log.state ? info->log.replayed_file_size : file_size));
    expect(info->current_header == 1 || info->current_header == 2);
    expect(info->region_table == 1 || info->region_table == 2);
    expect(info->has_parent == (info->kind == VHDX_KIND_DIFFERENCING));
    if (info->has_parent) {
        expect(info->parent_linkage != NULL);
        expect(info->relative_path || info->volume_path || info->absolute_win32_path);
    }
    expect(info->locator_count <= VHDX_READER_LOCATOR_ENTRIES_MAX);
    for (unsigned i = 0; i < info->locator_count; i++)
        expect(info->locator[i].key != NULL && info->locator[i].value != NULL);
    if (info->log.state == VHDX_LOG_REPLAYED_IN_MEMORY) {
        expect(info->log.entries >= 1);
        expect(info->log.last_sequence >= info->log.first_sequence);
        expect(info->log.flushed_file_offset <= file_size);
    } else {
        uint8_t zero[16] = { 0 };
        expect(memcmp(info->header.log_guid.bytes, zero, 16) == 0);
    }
}

static void read_ends(vhdx_image *image)
{
    static uint8_t buf[64 * 4096];
    vhdx_reader_error error;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t total = info->virtual_size / info->logical_sector_size;
    uint32_t n = total < 64 ? (uint32_t)total : 64;
    vhdx_reader_code code = vhdx_image_read_sectors(image, 0, n, buf, &error);
    if (code != VHDX_READER_OK)
        check_error(code, &error);
    code = vhdx_image_read_sectors(image, total - n, n, buf, &error);
    if (code != VHDX_READER_OK)
        check_error(code, &error);
    expect(vhdx_image_read_sectors(image, total, 1, buf, &error) == VHDX_READER_OUT_OF_RANGE);
    /* The map of the first block's first sectors: runs inside the block. */
    uint64_t lba = 0;
    for (int i = 0; i < 8 && lba < total; i++) {
        vhdx_extent extent;
        code = vhdx_image_map(image, lba, 1u << 20, &extent, &error);
        if (code != VHDX_READER_OK) {
            check_error(code, &error);
            break;
        }
        expect(extent.sectors > 0 && extent.sectors <= total - lba);
        expect(extent.state == VHDX_EXTENT_PRESENT || extent.state == VHDX_EXTENT_ZERO
               || (extent.state == VHDX_EXTENT_NOT_HERE && info->has_parent));
        lba += extent.sectors;
    }
}

/* Each problem the check names: a name, a sentence, a kind, a place inside the file. */
static void check_problem(void *ctx, const disk_problem *problem)
{
    uint64_t file_size = *(const uint64_t *)ctx;
    expect(problem->name != NULL && problem->meaning[0] != '\0');
    expect(problem->kind == DISK_PROBLEM_CORRUPTION || problem->kind == DISK_PROBLEM_LEAK
           || problem->kind == DISK_PROBLEM_WARNING);
    expect(problem->offset == DISK_PROBLEM_NOWHERE || problem->offset <= file_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sparse_file file;
    if (size < 4)
        return 0;
    memset(&file, 0, offsetof(struct sparse_file, records));
    file.io.read_at = sparse_read_at;
    file.io.get_size = sparse_get_size;
    file.io.write_at = refuse_write;
    file.size = get32(data);
    file.count = 0;
    for (size_t at = 4; at + 6 <= size && file.count < MAX_RECORDS;) {
        struct record *r = &file.records[file.count++];
        r->offset = get32(data + at);
        r->length = (size_t)(data[at + 4] | data[at + 5] << 8);
        at += 6;
        if (r->length > size - at)
            r->length = size - at;
        r->bytes = data + at;
        at += r->length;
    }

    vhdx_image *image;
    vhdx_reader_error error;
    vhdx_reader_code code = vhdx_image_open(&image, &file.io, NULL, &error);
    if (code == VHDX_READER_OK) {
        check_info(vhdx_image_get_info(image), file.size);
        read_ends(image);
        uint64_t file_size = file.size;
        vhd_reader_error check_error;
        expect(vhdx_check_image(image, check_problem, &file_size, &check_error) == VHD_READER_OK);
        vhdx_image_close(image);
    } else {
        expect(image == NULL);
        check_error(code, &error);
        expect(vhdx_reader_code_is_invalid_file(code) || code == VHDX_READER_NO_MEMORY);
    }
    return 0;
}
