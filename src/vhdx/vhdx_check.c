/* VHDX checks beyond the reader: both copies of the header and of the region table, the log,
 * and the file's space against everything that refers to it. */
#include "vhdx_check.h"

#include <stdbool.h>
#include <stdlib.h>

#include "disk_error.h"
#include "vhdx_reader.h"

#define BAT_WINDOW 4096u

static vhd_reader_code check_headers(vhd_io *io, disk_problem_sink sink, void *ctx,
                                     vhd_reader_error *error)
{
    static const uint64_t at[2] = { VHDX_HEADER1_OFFSET, VHDX_HEADER2_OFFSET };
    static const char *const names[2] = { "header-1-damaged", "header-2-damaged" };
    uint8_t buf[VHDX_HEADER_SIZE];
    for (int i = 0; i < 2; i++) {
        vhdx_header header;
        vhd_status status = io->read_at(io, at[i], buf, sizeof buf);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, io, status, "a header", at[i]);
        vhdx_format_status decoded = vhdx_header_decode(&header, buf, sizeof buf);
        if (decoded != VHDX_FORMAT_OK)
            disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, names[i], at[i],
                                VHDX_HEADER_SIZE, "header %d has a wrong %s: the disk rests on "
                                "the other header alone (readers that want both, as libvhdi, "
                                "refuse it); repair rewrites it from the good one", i + 1,
                                decoded == VHDX_FORMAT_BAD_SIGNATURE ? "signature" : "checksum");
    }
    return VHD_READER_OK;
}

static vhd_reader_code check_region_tables(vhd_io *io, disk_problem_sink sink, void *ctx,
                                           vhd_reader_error *error)
{
    static const uint64_t at[2] = { VHDX_REGION_TABLE1_OFFSET, VHDX_REGION_TABLE2_OFFSET };
    static const char *const names[2] = { "region-table-1-damaged", "region-table-2-damaged" };
    uint8_t *buf = malloc(VHDX_REGION_TABLE_SIZE);
    if (buf == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "no memory for a region table");
    for (int i = 0; i < 2; i++) {
        vhdx_region_table_header header;
        vhd_status status = io->read_at(io, at[i], buf, VHDX_REGION_TABLE_SIZE);
        if (status != VHD_OK) {
            free(buf);
            return vhd_reader_fail_io(error, io, status, "a region table", at[i]);
        }
        vhdx_format_status decoded = vhdx_region_table_header_decode(&header, buf,
                                                                      VHDX_REGION_TABLE_SIZE);
        if (decoded != VHDX_FORMAT_OK)
            disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, names[i], at[i],
                                VHDX_REGION_TABLE_SIZE, "region table %d has a wrong %s: the disk "
                                "rests on the other copy alone; repair rewrites it from the good "
                                "one", i + 1,
                                decoded == VHDX_FORMAT_BAD_SIGNATURE ? "signature" : "checksum");
    }
    free(buf);
    return VHD_READER_OK;
}

static void check_log(const vhdx_image_info *info, disk_problem_sink sink, void *ctx)
{
    if (info->log.state != VHDX_LOG_REPLAYED_IN_MEMORY)
        return;
    disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "log-not-replayed",
                        info->header.log_offset, info->header.log_length,
                        "the log holds %u entries (sequence %llu to %llu) not yet written into "
                        "the file, left by a crash or a hard stop: vsdisk reads the disk with "
                        "them applied in memory, qemu and VirtualBox refuse it; repair replays "
                        "the log", (unsigned)info->log.entries,
                        (unsigned long long)info->log.first_sequence,
                        (unsigned long long)info->log.last_sequence);
}

/* The file's 1 MiB units, one bit each, set where something the file holds lies: at most
 * VHDX_READER_MAX_FILE_SIZE / 1 MiB bits (16 MiB), and 8 KiB for a 64 GiB file. */
struct space_map {
    uint8_t *bits;
    uint64_t units;
};

static void mark(struct space_map *map, uint64_t start, uint64_t length)
{
    uint64_t limit = map->units * VHDX_MiB;
    if (start >= limit)
        return;
    uint64_t end = length > limit - start ? limit : start + length;
    for (uint64_t u = start / VHDX_MiB; u < (end + VHDX_MiB - 1) / VHDX_MiB; u++)
        map->bits[u / 8] |= (uint8_t)(1u << (u % 8));
}

static bool marked(const struct space_map *map, uint64_t unit)
{
    return (map->bits[unit / 8] >> (unit % 8)) & 1;
}

/* Marks the header section, the log, the regions and every block the BAT places (whatever
 * its state); *first_block is where the first of those blocks starts (UINT64_MAX: none). */
static vhd_reader_code mark_used(const vhdx_image_info *info, vhd_io *io, struct space_map *map,
                                 uint64_t *first_block, uint64_t *zero_offsets,
                                 vhd_reader_error *error)
{
    uint8_t window[BAT_WINDOW];
    *first_block = UINT64_MAX;
    *zero_offsets = 0;
    mark(map, 0, VHDX_HEADER_SECTION_SIZE);
    mark(map, info->header.log_offset, info->header.log_length);
    mark(map, info->bat_region.file_offset, info->bat_region.length);
    mark(map, info->metadata_region.file_offset, info->metadata_region.length);
    uint32_t listed = info->region_count < VHDX_READER_REGIONS_KEPT ? info->region_count
                                                                     : VHDX_READER_REGIONS_KEPT;
    for (uint32_t i = 0; i < listed; i++)
        mark(map, info->regions[i].entry.file_offset, info->regions[i].entry.length);
    for (uint64_t i = 0; i < info->bat_entries; i++) {
        size_t slot = (size_t)(i * VHDX_BAT_ENTRY_SIZE % BAT_WINDOW);
        if (slot == 0) {
            uint64_t at = info->bat_region.file_offset + i * VHDX_BAT_ENTRY_SIZE;
            uint64_t left = (info->bat_entries - i) * VHDX_BAT_ENTRY_SIZE;
            size_t len = left < BAT_WINDOW ? (size_t)left : BAT_WINDOW;
            vhd_status status = io->read_at(io, at, window, len);
            if (status != VHD_OK)
                return vhd_reader_fail_io(error, io, status, "the BAT", at);
        }
        uint64_t offset = vhdx_bat_file_offset(vhdx_get64(window + slot));
        /* States without data may keep an offset the reader does not check: one past the
         * file's end refers to nothing (mark() ignores it). */
        if (offset == 0)
            continue;
        /* Every chunk_ratio payload entries, one sector bitmap entry (1 MiB blocks). */
        bool bitmap = info->chunk_ratio != 0 && (i + 1) % (info->chunk_ratio + 1) == 0;
        uint64_t block = info->chunk_ratio != 0
            ? i / (info->chunk_ratio + 1) * info->chunk_ratio + i % (info->chunk_ratio + 1) : i;
        if (!bitmap && block < info->data_blocks
            && vhdx_bat_state(vhdx_get64(window + slot)) == VHDX_PAYLOAD_BLOCK_ZERO)
            (*zero_offsets)++;
        mark(map, offset, bitmap ? VHDX_MiB : info->block_size);
        if (offset < *first_block)
            *first_block = offset;
    }
    return VHD_READER_OK;
}

static void report_leak(disk_problem_sink sink, void *ctx, uint64_t start, uint64_t length,
                        const char *where)
{
    disk_problem_report(sink, ctx, DISK_PROBLEM_LEAK, "unreferenced-space", start, length,
                        "%llu bytes %s that no region, log or BAT entry refers to (a job stopped "
                        "half-way, or a tool that does not reuse space): wasted, harmless",
                        (unsigned long long)length, where);
}

/* Runs of the file nothing refers to: between blocks, runs at least a block long (shorter ones
 * are the alignment writers leave; before the first block, whatever the metadata's layout
 * leaves, as qemu's payload starting at 8 MiB); at the end, at least 1 MiB. */
static vhd_reader_code check_space(const vhdx_image_info *info, vhd_io *io,
                                   disk_problem_sink sink, void *ctx, vhd_reader_error *error)
{
    uint64_t capped = info->file_size < VHDX_READER_MAX_FILE_SIZE ? info->file_size
                                                                  : VHDX_READER_MAX_FILE_SIZE;
    struct space_map map = { NULL, (capped + VHDX_MiB - 1) / VHDX_MiB };
    map.bits = calloc(1, (size_t)(map.units / 8 + 1));
    if (map.bits == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "no memory for the map of %llu MiB",
                               (unsigned long long)map.units);
    uint64_t first_block, zero_offsets;
    vhd_reader_code code = mark_used(info, io, &map, &first_block, &zero_offsets, error);
    if (code != VHD_READER_OK) {
        free(map.bits);
        return code;
    }
    if (zero_offsets > 0)
        disk_problem_report(sink, ctx, DISK_PROBLEM_CORRUPTION, "zero-block-with-offset",
                            info->bat_region.file_offset, info->bat_region.length,
                            "%llu ZERO (state 2) BAT entries keep a file offset: they read "
                            "zeros, but Hyper-V refuses such a disk; repair clears the offsets",
                            (unsigned long long)zero_offsets);
    uint64_t used_units = map.units;
    while (used_units > 0 && !marked(&map, used_units - 1))
        used_units--;
    uint64_t least = info->block_size > VHDX_MiB ? info->block_size : VHDX_MiB;
    for (uint64_t u = first_block == UINT64_MAX ? used_units : first_block / VHDX_MiB;
         u < used_units; ) {
        if (marked(&map, u)) {
            u++;
            continue;
        }
        uint64_t run = u;
        while (run < used_units && !marked(&map, run))
            run++;
        if ((run - u) * VHDX_MiB >= least)
            report_leak(sink, ctx, u * VHDX_MiB, (run - u) * VHDX_MiB, "between the file's blocks");
        u = run;
    }
    free(map.bits);

    uint64_t end = used_units * VHDX_MiB;
    /* A fixed disk's tail up to the size of its blocks is space reserved for them: qemu's
     * "fixed" VHDX marks every block ZERO with no offset and leaves their room at the end,
     * from a block-aligned offset (one block more at most). */
    uint64_t reserved = info->leave_blocks_allocated
                            ? (info->data_blocks + 1) * (uint64_t)info->block_size : 0;
    if (info->file_size > end && info->file_size - end >= VHDX_MiB
        && info->file_size - end > reserved)
        report_leak(sink, ctx, end, info->file_size - end, "at the end of the file");
    return VHD_READER_OK;
}

vhd_reader_code vhdx_check_image(void *impl, disk_problem_sink sink, void *ctx,
                                 vhd_reader_error *error)
{
    vhdx_image *image = impl;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    vhd_io *io = vhdx_image_io(image);
    vhd_reader_code code = check_headers(io, sink, ctx, error);
    if (code == VHD_READER_OK)
        code = check_region_tables(io, sink, ctx, error);
    if (code != VHD_READER_OK)
        return code;
    check_log(info, sink, ctx);
    return check_space(info, io, sink, ctx, error);
}
