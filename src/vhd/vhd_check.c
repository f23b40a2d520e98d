/* VHD checks beyond the reader: the two footer copies, geometry against size, and the file's
 * space against the block table (overlaps and space nothing refers to). */
#include "vhd_check.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_geometry.h"

#include "disk_error.h"
#include "vhd_format.h"

#define TABLE_WINDOW 4096u
#define MiB (UINT64_C(1) << 20)

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static vhd_reader_code check_footers(const vhd_image_info *info, vhd_io *io,
                                     disk_problem_sink sink, void *ctx, vhd_reader_error *error)
{
    uint8_t copy[VHD_SECTOR_SIZE], end[VHD_SECTOR_SIZE];
    uint64_t end_at = info->file_size - VHD_SECTOR_SIZE;
    /* The reader took a 511-byte footer at the end (the file one byte short of whole sectors,
     * its last 512 bytes no footer): named as such, and compared with the copy over its 511
     * bytes. */
    size_t end_len = VHD_SECTOR_SIZE;
    if (!info->footer_from_copy && info->file_size % VHD_SECTOR_SIZE == VHD_SECTOR_SIZE - 1) {
        vhd_footer last;
        vhd_status status = io->read_at(io, end_at, end, sizeof end);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, io, status, "the footer", end_at);
        if (vhd_footer_decode(&last, end, sizeof end) != VHD_FORMAT_OK)
            end_len = VHD_SECTOR_SIZE - 1;
    }
    if (end_len < VHD_SECTOR_SIZE) {
        end_at = info->file_size - end_len;
        disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "end-footer-truncated", end_at,
                            end_len, "the footer at the end is 511 bytes, one short of 512 (a "
                            "copy cut short by a byte, or a product before Virtual PC 2004): "
                            "readers that want 512 bytes (libvhdi, Azure, Hyper-V) refuse it; "
                            "repair rebuilds it");
    }
    if (info->footer_from_copy) {
        disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "end-footer-damaged", end_at,
                            VHD_SECTOR_SIZE, "the footer at the end of the file is missing or "
                            "damaged (a copy cut short?); the copy at offset 0 describes the disk, "
                            "but readers that read only the end (libvhdi, Azure) refuse it");
        return VHD_READER_OK;
    }
    if (info->footer.disk_type == VHD_DISK_TYPE_FIXED)
        return VHD_READER_OK;       /* a fixed disk has no copy */
    vhd_status status = io->read_at(io, 0, copy, sizeof copy);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, io, status, "the footer copy", 0);
    memset(end, 0, sizeof end);     /* (a short footer's missing reserved byte: zero) */
    status = io->read_at(io, end_at, end, end_len);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, io, status, "the footer", end_at);
    if (memcmp(copy, end, sizeof copy) != 0) {
        unsigned first = 0;
        while (copy[first] == end[first])
            first++;
        disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "footer-copies-differ", 0,
                            VHD_SECTOR_SIZE, "the footer copy at offset 0 differs from the footer "
                            "at the end (first at byte %u of 512): readers that take the copy "
                            "(qemu reads it first) may see another disk than those that take the end",
                            first);
    }
    return VHD_READER_OK;
}

static void check_geometry(const vhd_image_info *info, disk_problem_sink sink, void *ctx)
{
    const vhd_disk_geometry *g = &info->footer.disk_geometry;
    uint64_t chs = (uint64_t)g->cylinders * g->heads * g->sectors_per_track * VHD_SECTOR_SIZE;
    if (!vhd_geometry_fits(g, info->footer.current_size))
        disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "geometry-too-large",
                            info->file_size - VHD_SECTOR_SIZE, VHD_SECTOR_SIZE,
                            "the geometry (%u cylinders, %u heads, %u sectors per track: %llu "
                            "bytes) addresses more than the disk's size (%llu bytes): readers "
                            "that size the disk by its geometry read past its end",
                            (unsigned)g->cylinders, (unsigned)g->heads,
                            (unsigned)g->sectors_per_track, (unsigned long long)chs,
                            (unsigned long long)info->footer.current_size);
}

/* vsdisk 0.1 and 0.2 wrote the creator application 'vsdk', which qemu does not know, so it
 * sizes the disk by its CHS geometry, short: a warning (vsdisk reads it right; repair makes it
 * 'win '). */
static void check_creator(const vhd_image_info *info, disk_problem_sink sink, void *ctx)
{
    const vhd_disk_geometry *g = &info->footer.disk_geometry;
    uint64_t chs = (uint64_t)g->cylinders * g->heads * g->sectors_per_track * VHD_SECTOR_SIZE;
    if (memcmp(info->footer.creator_application, VHD_CREATOR_APPLICATION_VSDISK_0_2, 4) == 0)
        disk_problem_report(sink, ctx, DISK_PROBLEM_WARNING, "creator-vsdk",
                            info->file_size - VHD_SECTOR_SIZE + 28, 4, "the creator application "
                            "is 'vsdk' (vsdisk 0.1 and 0.2): qemu, which sizes the disks of "
                            "creators it does not know by their CHS geometry, reads this one "
                            "%llu bytes short; 'vsdisk repair' makes it 'win '",
                            info->footer.current_size > chs
                                ? (unsigned long long)(info->footer.current_size - chs) : 0ull);
}

/* Where the metadata ends: the header, the table and the locators' data. */
static uint64_t metadata_end(const vhd_image_info *info)
{
    uint64_t end = info->footer.data_offset + 1024;
    uint64_t table = info->header.table_offset
                     + ((uint64_t)info->header.max_table_entries * 4 + VHD_SECTOR_SIZE - 1)
                           / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
    if (table > end)
        end = table;
    for (unsigned i = 0; i < info->locator_count; i++) {
        const vhd_locator_info *l = &info->locators[i];
        uint64_t at = l->platform_data_offset
                      + ((uint64_t)l->platform_data_length + VHD_SECTOR_SIZE - 1)
                            / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
        if (at > end)
            end = at;
    }
    return end;
}

/* A run [from, to) nothing refers to, if it is long enough to matter: as long as a block, or
 * 1 MiB (shorter runs are the alignment padding writers leave). */
static void report_gap(uint64_t from, uint64_t to, uint64_t block_bytes, disk_problem_sink sink,
                       void *ctx)
{
    uint64_t least = block_bytes < MiB ? block_bytes : MiB;
    if (to > from && to - from >= least)
        disk_problem_report(sink, ctx, DISK_PROBLEM_LEAK, "unreferenced-space", from, to - from,
                            "%llu bytes of the file that no structure and no block table entry "
                            "refers to (a job stopped half-way, or a tool that does not reuse "
                            "space): wasted, harmless; compact gives it back",
                            (unsigned long long)(to - from));
}

static vhd_reader_code check_space(const vhd_image_info *info, vhd_io *io, disk_problem_sink sink,
                                   void *ctx, vhd_reader_error *error)
{
    uint64_t block_bytes = (uint64_t)info->bitmap_size + info->header.block_size;
    uint64_t footer_at = info->file_size - VHD_SECTOR_SIZE;
    if (info->allocated_blocks > VHD_CHECK_BLOCKS_MAX)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "%u allocated blocks, more than the "
                               "%u whose places this check sorts", info->allocated_blocks,
                               VHD_CHECK_BLOCKS_MAX);
    uint64_t *starts = malloc(((size_t)info->allocated_blocks + 1) * sizeof *starts);
    if (starts == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "no memory for %u block places",
                               info->allocated_blocks);
    uint8_t window[TABLE_WINDOW];
    size_t count = 0;
    for (uint32_t i = 0; i < info->blocks; i++) {
        size_t slot = (size_t)i * 4 % TABLE_WINDOW;
        if (slot == 0) {
            uint64_t at = info->header.table_offset + (uint64_t)i * 4;
            size_t len = info->blocks - i < TABLE_WINDOW / 4 ? (size_t)(info->blocks - i) * 4
                                                              : TABLE_WINDOW;
            vhd_status status = io->read_at(io, at, window, len);
            if (status != VHD_OK) {
                free(starts);
                return vhd_reader_fail_io(error, io, status, "the block table", at);
            }
        }
        uint32_t entry = get_be32(window + slot);
        if (entry != 0xFFFFFFFFu && count < info->allocated_blocks)
            starts[count++] = (uint64_t)entry * VHD_SECTOR_SIZE;
    }
    qsort(starts, count, sizeof *starts, compare_u64);
    uint64_t cursor = metadata_end(info);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && starts[i] < starts[i - 1] + block_bytes)
            disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "blocks-overlap", starts[i],
                                starts[i - 1] + block_bytes - starts[i],
                                "two block table entries share bytes of the file (blocks at "
                                "%llu and %llu): writing one changes the other's data",
                                (unsigned long long)starts[i - 1], (unsigned long long)starts[i]);
        else
            report_gap(cursor, starts[i], block_bytes, sink, ctx);
        if (starts[i] + block_bytes > cursor)
            cursor = starts[i] + block_bytes;
    }
    report_gap(cursor, footer_at, block_bytes, sink, ctx);
    free(starts);
    return VHD_READER_OK;
}

vhd_reader_code vhd_check_image(void *impl, disk_problem_sink sink, void *ctx,
                                vhd_reader_error *error)
{
    vhd_image *image = impl;
    const vhd_image_info *info = vhd_image_get_info(image);
    vhd_io *io = vhd_image_io(image);
    vhd_reader_code code = check_footers(info, io, sink, ctx, error);
    if (code != VHD_READER_OK)
        return code;
    check_geometry(info, sink, ctx);
    check_creator(info, sink, ctx);
    /* The end of a disk whose end footer is damaged is not known: no space check. */
    if (info->footer.disk_type == VHD_DISK_TYPE_FIXED || info->footer_from_copy)
        return VHD_READER_OK;
    return check_space(info, io, sink, ctx, error);
}
