/* The reader on a generated table of malformed files (and a few well-formed edge cases):
 * each gives its expected code and a reason that names the problem, with no crash (ASan and
 * UBSan watch), no hang (meson's timeout), and the reader's heap use measured through its
 * allocator hook and held under a fixed bound. Then every truncation of a small image, and
 * chains that loop, run 1,000 deep, or lead to a missing, foreign or invalid parent.
 * With "--write-corpus DIR" it writes every case's image into DIR (the fuzzer's seeds). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_chain.h"
#include "memory_io.h"
#include "vhd_builder.h"
#include "vhd_check.h"
#include "vhd_reader.h"

#define KiB 1024u
#define BLOCK (4 * KiB)
#define DISK (64 * KiB)

/* ---- the reader's heap, seen through its allocator hook ---- */
static size_t heap_live, heap_peak, heap_worst, heap_worst_single;
static const char *heap_worst_case = "", *heap_worst_single_case = "";

static void *counting_allocate(size_t size)
{
    size_t *block = malloc(sizeof(size_t) * 2 + size);
    if (block == NULL)
        return NULL;
    block[0] = size;
    heap_live += size;
    if (heap_live > heap_peak)
        heap_peak = heap_live;
    return block + 2;
}

static void counting_release(void *p)
{
    size_t *block = (size_t *)p - 2;
    heap_live -= block[0];
    free(block);
}

static const vhd_reader_options counted = { counting_allocate, counting_release };

static void heap_start(void)
{
    heap_live = heap_peak = 0;
}

static void heap_check(const char *name, unsigned images)
{
    /* Everything the reader keeps: the chain table and each image's bounded share. */
    size_t bound = 16 * KiB + images * VHD_READER_IMAGE_HEAP_MAX;
    assert_int_equal(heap_live, 0);
    if (heap_peak > bound)
        fail_msg("%s: the reader's heap peaked at %zu bytes, over the bound %zu", name,
                 heap_peak, bound);
    if (images == 1 && heap_peak > heap_worst_single) {
        heap_worst_single = heap_peak;
        heap_worst_single_case = name;
    }
    if (heap_peak > heap_worst) {
        heap_worst = heap_peak;
        heap_worst_case = name;
    }
}

/* ---- base images ---- */
enum base { DYNAMIC, DYNAMIC_DATA, DIFFERENCING, FIXED, RAW };

static const uint8_t parent_uid[16] = { 0xAA, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void build_base(enum base base, struct built_image *m)
{
    struct builder_spec spec = {
        .disk_type = 3, .size = DISK, .block_size = BLOCK,
        .unique_id = { 0x11, 0x22, 0x33, 0x44, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16 },
        .fill = 0x5A,
    };
    switch (base) {
    case DYNAMIC_DATA:
        spec.allocated = 2;
        break;
    case DIFFERENCING:
        spec.disk_type = 4;
        spec.allocated = 1;
        memcpy(spec.parent_id, parent_uid, 16);
        spec.parent_w2ru = ".\\parent.vhd";
        spec.parent_w2ku = "C:\\disks\\parent.vhd";
        spec.parent_name = "C:\\disks\\parent.vhd";
        break;
    case FIXED:
        spec.disk_type = 2;
        break;
    default:
        break;
    }
    builder_build(&spec, m);
}

/* ---- the table ---- */
/* Two BAT entries naming the same block is accepted (as Windows, qemu and libvhdi do). */
static uint32_t test_shared_entry(const struct built_image *m)
{
    return (uint32_t)(m->first_block_at / 512);
}

#define M(fn, body) static void fn(struct built_image *m) { uint8_t *d = m->data; (void)d; body }
#define FOOT (d + m->footer_at)
#define HEAD (d + m->header_at)
#define LOC(i) (HEAD + H_LOCATORS + 24 * (i))
#define BOTH_FOOTERS(stmt) do { uint8_t *f = FOOT; stmt; f = d; stmt; } while (0)

M(trunc_0, m->size = 0;)
M(trunc_100, m->size = 100;)
M(trunc_511, m->size = 511;)
M(zeros_512, m->size = 512; memset(d, 0, 512);)
M(trunc_1024, m->size = 1024;)
M(trunc_mid_bat, m->size = m->bat_at + 512 + 32;)   /* the copy's data end cuts the BAT */
M(trunc_mid_block, m->size = m->first_block_at + 1000;)
M(trunc_by_1, m->size -= 1;)   /* reads as the 511-byte footer of old products */
M(trunc_by_2, m->size -= 2;)
M(trunc_by_512, m->size -= 512;)
M(cookie_both, memcpy(FOOT, "conectiz", 8); memcpy(d, "conectiz", 8);)
M(checksum_both, FOOT[F_CHECKSUM] ^= 1; d[F_CHECKSUM] ^= 1;)
M(end_checksum, FOOT[F_CHECKSUM] ^= 1;)
M(end_cookie, memcpy(FOOT, "xxxxxxxx", 8);)
M(copy_checksum, d[F_CHECKSUM] ^= 1;)
M(disagree_uid, d[F_UID] ^= 0xFF; builder_fix_footer_at(m, 0);)
M(disagree_size, builder_set64(d + F_CURRENT, DISK - 512); builder_fix_footer_at(m, 0);)
M(disagree_type, builder_set32(d + F_TYPE, 4); builder_fix_footer_at(m, 0);)
M(disagree_offset, builder_set64(d + F_DATA_OFFSET, 1024); builder_fix_footer_at(m, 0);)
M(copy_fixed, FOOT[F_CHECKSUM] ^= 1; builder_set32(d + F_TYPE, 2); builder_fix_footer_at(m, 0);)
M(version_2, BOTH_FOOTERS(builder_set32(f + F_VERSION, 0x00020000)); builder_fix_checksums(m);)
M(features_unknown, BOTH_FOOTERS(builder_set32(f + F_FEATURES, 0x102)); builder_fix_checksums(m);)
M(features_zero, BOTH_FOOTERS(builder_set32(f + F_FEATURES, 0)); builder_fix_checksums(m);)
M(type_0, BOTH_FOOTERS(builder_set32(f + F_TYPE, 0)); builder_fix_checksums(m);)
M(type_1, BOTH_FOOTERS(builder_set32(f + F_TYPE, 1)); builder_fix_checksums(m);)
M(type_5, BOTH_FOOTERS(builder_set32(f + F_TYPE, 5)); builder_fix_checksums(m);)
M(type_max, BOTH_FOOTERS(builder_set32(f + F_TYPE, 0xFFFFFFFF)); builder_fix_checksums(m);)
M(size_0, BOTH_FOOTERS(builder_set64(f + F_CURRENT, 0)); builder_fix_checksums(m);)
M(size_odd, BOTH_FOOTERS(builder_set64(f + F_CURRENT, 1000)); builder_fix_checksums(m);)
M(size_2041g, BOTH_FOOTERS(builder_set64(f + F_CURRENT, UINT64_C(2041) << 30));
  builder_fix_checksums(m);)
M(size_2_63, BOTH_FOOTERS(builder_set64(f + F_CURRENT, UINT64_C(1) << 63)); builder_fix_checksums(m);)
M(size_max_sectors, BOTH_FOOTERS(builder_set64(f + F_CURRENT, UINT64_C(0xFF000000) * 512));
  builder_fix_checksums(m);)
M(data_offset_far, BOTH_FOOTERS(builder_set64(f + F_DATA_OFFSET, UINT64_C(1) << 40));
  builder_fix_checksums(m);)
M(data_offset_ones, BOTH_FOOTERS(builder_set64(f + F_DATA_OFFSET, UINT64_MAX)); builder_fix_checksums(m);)
M(data_offset_0, BOTH_FOOTERS(builder_set64(f + F_DATA_OFFSET, 0)); builder_fix_checksums(m);)
M(data_offset_odd, BOTH_FOOTERS(builder_set64(f + F_DATA_OFFSET, 700)); builder_fix_checksums(m);)
M(data_offset_end, BOTH_FOOTERS(builder_set64(f + F_DATA_OFFSET, m->footer_at - 512));
  builder_fix_checksums(m);)
M(fixed_data_offset, builder_set64(FOOT + F_DATA_OFFSET, 512); builder_fix_checksums(m);)
M(fixed_too_big, builder_set64(FOOT + F_CURRENT, DISK + 512); builder_fix_checksums(m);)
M(fixed_ok, (void)m;)
M(fixed_old_offset, builder_set64(FOOT + F_DATA_OFFSET, 0xFFFFFFFF); builder_fix_checksums(m);)
M(fixed_511, m->size -= 1;)   /* the footer's last (reserved, zero) byte is missing */
M(fixed_random_start, memcpy(d, "conectix", 8);)   /* guest data that looks like a cookie */
M(header_cookie, memcpy(HEAD, "cxsparsf", 8); builder_fix_header(m);)
M(header_checksum, HEAD[H_CHECKSUM] ^= 1;)
M(header_version, builder_set32(HEAD + H_VERSION, 0x00020000); builder_fix_header(m);)
M(header_data_offset, builder_set64(HEAD + H_DATA_OFFSET, 0); builder_fix_header(m);)
M(header_old_offset, builder_set64(HEAD + H_DATA_OFFSET, 0xFFFFFFFF); builder_fix_header(m);)
M(block_0, builder_set32(HEAD + H_BLOCK, 0); builder_fix_header(m);)
M(block_3000, builder_set32(HEAD + H_BLOCK, 3000); builder_fix_header(m);)
M(block_256, builder_set32(HEAD + H_BLOCK, 256); builder_fix_header(m);)
M(block_odd_huge, builder_set32(HEAD + H_BLOCK, 0x80000001u); builder_fix_header(m);)
M(block_2g, builder_set32(HEAD + H_BLOCK, 0x80000000u); builder_fix_header(m);)
M(entries_0, builder_set32(HEAD + H_ENTRIES, 0); builder_fix_header(m);)
M(entries_short, builder_set32(HEAD + H_ENTRIES, DISK / BLOCK - 1); builder_fix_header(m);)
M(entries_2_32, builder_set32(HEAD + H_ENTRIES, 0xFFFFFFFF); builder_fix_header(m);)
M(entries_2_30, builder_set32(HEAD + H_ENTRIES, 0x40000000); builder_fix_header(m);)
M(entries_2_32_big_disk, BOTH_FOOTERS(builder_set64(f + F_CURRENT, UINT64_C(0xFF000000) * 512));
  builder_fix_checksums(m); builder_set32(HEAD + H_BLOCK, 512);
  builder_set32(HEAD + H_ENTRIES, 0xFFFFFFFF); builder_fix_header(m);)
M(table_far, builder_set64(HEAD + H_TABLE, UINT64_C(1) << 50); builder_fix_header(m);)
M(table_ones, builder_set64(HEAD + H_TABLE, UINT64_MAX); builder_fix_header(m);)
M(table_0, builder_set64(HEAD + H_TABLE, 0); builder_fix_header(m);)
M(table_on_header, builder_set64(HEAD + H_TABLE, 1024); builder_fix_header(m);)
M(table_past_end, builder_set64(HEAD + H_TABLE, m->footer_at - 8); builder_fix_header(m);)
M(bat_sector_0, builder_set32(d + m->bat_at, 0);)
M(bat_on_header, builder_set32(d + m->bat_at, 2);)
M(bat_on_bat, builder_set32(d + m->bat_at + 4, (uint32_t)(m->bat_at / 512));)
M(bat_far, builder_set32(d + m->bat_at, 0xFFFFFFFE);)
M(bat_one_past, builder_set32(d + m->bat_at + 4,
  (uint32_t)((m->footer_at - 512 - BLOCK + 512) / 512));)
M(bat_last_entry, builder_set32(d + m->bat_at + 4 * (m->bat_entries - 1), 0x00FFFFFF);)
M(bat_on_footer, builder_set32(d + m->bat_at + 4, (uint32_t)(m->footer_at / 512));)
M(bat_on_locator, builder_set32(d + m->bat_at, (uint32_t)(m->locator_at[0] / 512));)
M(bat_shared, builder_set32(d + m->bat_at + 4, test_shared_entry(m));)
M(loc_far, builder_set64(LOC(0) + 16, UINT64_C(1) << 45); builder_fix_header(m);)
M(loc_ones, builder_set64(LOC(0) + 16, UINT64_MAX); builder_fix_header(m);)
M(loc_over_space, builder_set32(LOC(0) + 8, 600); builder_fix_header(m);)
M(loc_huge, builder_set32(LOC(0) + 4, 0xFFFFFE00); builder_set32(LOC(0) + 8, 0xFFFFFFFF);
  builder_fix_header(m);)
M(loc_long, builder_set32(LOC(0) + 4, 8192); builder_set32(LOC(0) + 8, 4096); builder_fix_header(m);)
M(loc_space_1000, builder_set32(LOC(0) + 4, 1000); builder_fix_header(m);)
M(loc_on_header, builder_set64(LOC(0) + 16, 600); builder_fix_header(m);)
M(loc_on_bat, builder_set64(LOC(0) + 16, m->bat_at); builder_fix_header(m);)
M(loc_on_copy, builder_set64(LOC(0) + 16, 0); builder_fix_header(m);)
M(loc_overlap, builder_set64(LOC(1) + 16, m->locator_at[0] + 2); builder_fix_header(m);)
M(loc_odd, builder_set32(LOC(0) + 8, 21); builder_fix_header(m);)
M(loc_surrogate, d[m->locator_at[0]] = 0x00; d[m->locator_at[0] + 1] = 0xD8;)
M(loc_past_footer, builder_set64(LOC(1) + 16, m->footer_at - 4); builder_fix_header(m);)
M(loc_on_block, builder_set64(LOC(1) + 16, m->first_block_at + 100); builder_fix_header(m);)
M(loc_empty, builder_set32(LOC(0) + 8, 0); builder_fix_header(m);)
M(loc_sectors, builder_set32(LOC(0) + 4, 1); builder_fix_header(m);)
M(loc_unknown_code, builder_set32(LOC(0), 0x41424344); builder_fix_header(m);)
M(loc_macx_bad_utf8, builder_set32(LOC(0), 0x4D616358); d[m->locator_at[0] + 1] = 0xC0;
  builder_fix_header(m);)
M(loc_mac_alias, builder_set32(LOC(0), 0x4D616320); builder_fix_header(m);)
M(diff_no_locators, memset(LOC(0), 0, 48); memset(HEAD + H_PARENT_NAME, 0, 512); builder_fix_header(m);)
M(dynamic_ok, (void)m;)
M(dynamic_data_ok, (void)m;)
M(diff_ok, (void)m;)

struct malformed_case {
    const char *name;
    enum base base;
    void (*mutate)(struct built_image *m);
    vhd_reader_code code;
    const char *words;   /* in the reason */
};

#define C(n, b, c, w) { #n, b, n, c, w }
static const struct malformed_case cases[] = {
    C(trunc_0, DYNAMIC, VHD_READER_TRUNCATED, "0 bytes long"),
    C(trunc_100, DYNAMIC, VHD_READER_TRUNCATED, "shorter than a VHD footer"),
    C(trunc_511, DYNAMIC, VHD_READER_TRUNCATED, "511 bytes"),
    C(zeros_512, DYNAMIC, VHD_READER_BAD_FOOTER, "conectix"),
    C(trunc_1024, DYNAMIC, VHD_READER_TRUNCATED, "dynamic disk header"),
    C(trunc_mid_bat, DYNAMIC, VHD_READER_TRUNCATED, "block allocation table"),
    C(trunc_mid_block, DYNAMIC_DATA, VHD_READER_BAD_BAT, "runs past the footer"),
    C(trunc_by_1, DYNAMIC_DATA, VHD_READER_OK, ""),
    C(trunc_by_2, DYNAMIC_DATA, VHD_READER_BAD_BAT, "runs past the footer"),
    C(trunc_by_512, DYNAMIC_DATA, VHD_READER_BAD_BAT, "runs past the footer"),
    C(cookie_both, DYNAMIC, VHD_READER_BAD_FOOTER, "cookie"),
    C(checksum_both, DYNAMIC, VHD_READER_BAD_FOOTER, "checksum"),
    C(end_checksum, DYNAMIC, VHD_READER_OK, ""),
    C(end_cookie, DYNAMIC_DATA, VHD_READER_OK, ""),
    C(copy_checksum, DYNAMIC, VHD_READER_OK, ""),
    C(disagree_uid, DYNAMIC, VHD_READER_BAD_FOOTER, "disagree on the unique id"),
    C(disagree_size, DYNAMIC, VHD_READER_BAD_FOOTER, "disagree on the current size"),
    C(disagree_type, DYNAMIC, VHD_READER_BAD_FOOTER, "disagree on the disk type"),
    C(disagree_offset, DYNAMIC, VHD_READER_BAD_FOOTER, "disagree on the data offset"),
    C(copy_fixed, DYNAMIC, VHD_READER_BAD_FOOTER, "fixed disk"),
    C(version_2, DYNAMIC, VHD_READER_BAD_FIELD, "file format version 0x00020000"),
    C(features_unknown, DYNAMIC, VHD_READER_BAD_FIELD, "features 0x00000102"),
    C(features_zero, DYNAMIC, VHD_READER_OK, ""),
    C(type_0, DYNAMIC, VHD_READER_BAD_FIELD, "disk type 0"),
    C(type_1, DYNAMIC, VHD_READER_BAD_FIELD, "disk type 1"),
    C(type_5, DYNAMIC, VHD_READER_BAD_FIELD, "disk type 5"),
    C(type_max, DYNAMIC, VHD_READER_BAD_FIELD, "disk type 4294967295"),
    C(size_0, DYNAMIC, VHD_READER_BAD_FIELD, "current size 0"),
    C(size_odd, DYNAMIC, VHD_READER_BAD_FIELD, "current size 1000"),
    C(size_2041g, DYNAMIC, VHD_READER_BAD_FIELD, "2040 GiB"),
    C(size_2_63, DYNAMIC, VHD_READER_BAD_FIELD, "2040 GiB"),
    C(size_max_sectors, DYNAMIC, VHD_READER_BAD_FIELD, "fewer than the 534773760 blocks"),
    C(data_offset_far, DYNAMIC, VHD_READER_BAD_FIELD, "data offset 1099511627776 lies beyond"),
    C(data_offset_ones, DYNAMIC, VHD_READER_BAD_FIELD, "lies beyond the end of the file"),
    C(data_offset_0, DYNAMIC, VHD_READER_BAD_FIELD, "data offset 0"),
    C(data_offset_odd, DYNAMIC, VHD_READER_BAD_FIELD, "data offset 700"),
    C(data_offset_end, DYNAMIC, VHD_READER_TRUNCATED, "runs past the footer"),
    C(fixed_data_offset, FIXED, VHD_READER_BAD_FIELD, "data offset 0x200"),
    C(fixed_too_big, FIXED, VHD_READER_TRUNCATED, "holds only 65536 bytes"),
    C(fixed_ok, FIXED, VHD_READER_OK, ""),
    C(fixed_old_offset, FIXED, VHD_READER_OK, ""),
    C(fixed_511, FIXED, VHD_READER_OK, ""),
    C(fixed_random_start, FIXED, VHD_READER_OK, ""),
    C(header_cookie, DYNAMIC, VHD_READER_BAD_HEADER, "cxsparse"),
    C(header_checksum, DYNAMIC, VHD_READER_BAD_HEADER, "checksum"),
    C(header_version, DYNAMIC, VHD_READER_BAD_HEADER, "version 0x00020000"),
    C(header_data_offset, DYNAMIC, VHD_READER_BAD_FIELD, "header's data offset 0x0"),
    C(header_old_offset, DYNAMIC, VHD_READER_OK, ""),
    C(block_0, DYNAMIC, VHD_READER_BAD_FIELD, "block size 0 "),
    C(block_3000, DYNAMIC, VHD_READER_BAD_FIELD, "block size 3000"),
    C(block_256, DYNAMIC, VHD_READER_BAD_FIELD, "block size 256"),
    C(block_odd_huge, DYNAMIC, VHD_READER_BAD_FIELD, "block size 2147483649"),
    C(block_2g, DYNAMIC, VHD_READER_OK, ""),
    C(entries_0, DYNAMIC, VHD_READER_BAD_FIELD, "has 0 entries, fewer than the 16 blocks"),
    C(entries_short, DYNAMIC, VHD_READER_BAD_FIELD, "has 15 entries"),
    C(entries_2_32, DYNAMIC, VHD_READER_TRUNCATED, "4294967295 entries"),
    C(entries_2_30, DYNAMIC, VHD_READER_TRUNCATED, "1073741824 entries"),
    C(entries_2_32_big_disk, DYNAMIC, VHD_READER_TRUNCATED, "4294967295 entries"),
    C(table_far, DYNAMIC, VHD_READER_BAD_FIELD, "table offset 1125899906842624 lies beyond"),
    C(table_ones, DYNAMIC, VHD_READER_BAD_FIELD, "lies beyond the end"),
    C(table_0, DYNAMIC, VHD_READER_BAD_FIELD, "overlaps the footer copy"),
    C(table_on_header, DYNAMIC, VHD_READER_BAD_FIELD, "overlaps the dynamic disk header"),
    C(table_past_end, DYNAMIC, VHD_READER_TRUNCATED, "runs past the footer"),
    C(bat_sector_0, DYNAMIC_DATA, VHD_READER_BAD_BAT, "block 0 at sector 0 (offset 0) overlaps the footer copy"),
    C(bat_on_header, DYNAMIC_DATA, VHD_READER_BAD_BAT, "overlaps the dynamic disk header"),
    C(bat_on_bat, DYNAMIC_DATA, VHD_READER_BAD_BAT, "overlaps the block allocation table"),
    C(bat_far, DYNAMIC_DATA, VHD_READER_BAD_BAT, "sector 4294967294"),
    C(bat_one_past, DYNAMIC_DATA, VHD_READER_BAD_BAT, "block 1 at sector"),
    C(bat_last_entry, DYNAMIC_DATA, VHD_READER_BAD_BAT, "block 15 at sector 16777215"),
    C(bat_on_footer, DYNAMIC_DATA, VHD_READER_BAD_BAT, "runs past the footer"),
    C(bat_on_locator, DIFFERENCING, VHD_READER_BAD_BAT, "overlaps the data of another parent locator"),
    C(bat_shared, DYNAMIC_DATA, VHD_READER_OK, ""),
    C(loc_far, DIFFERENCING, VHD_READER_BAD_LOCATOR, "offset 35184372088832 lies beyond"),
    C(loc_ones, DIFFERENCING, VHD_READER_BAD_LOCATOR, "lies beyond the end of the file"),
    C(loc_over_space, DIFFERENCING, VHD_READER_BAD_LOCATOR, "600 bytes long, more than its space of 512"),
    C(loc_huge, DIFFERENCING, VHD_READER_BAD_LOCATOR, "more than its space"),
    C(loc_long, DIFFERENCING, VHD_READER_BAD_LOCATOR, "more than the 2048 bytes"),
    C(loc_space_1000, DIFFERENCING, VHD_READER_BAD_LOCATOR, "data space of 1000"),
    C(loc_on_header, DIFFERENCING, VHD_READER_BAD_LOCATOR, "overlaps the dynamic disk header"),
    C(loc_on_bat, DIFFERENCING, VHD_READER_BAD_LOCATOR, "overlaps the block allocation table"),
    C(loc_on_copy, DIFFERENCING, VHD_READER_BAD_LOCATOR, "overlaps the footer copy"),
    C(loc_overlap, DIFFERENCING, VHD_READER_BAD_LOCATOR, "overlaps the data of another parent locator"),
    C(loc_odd, DIFFERENCING, VHD_READER_BAD_LOCATOR, "odd length 21"),
    C(loc_surrogate, DIFFERENCING, VHD_READER_OK, ""),
    C(loc_past_footer, DIFFERENCING, VHD_READER_BAD_LOCATOR, "runs past the footer"),
    C(loc_on_block, DIFFERENCING, VHD_READER_BAD_BAT, "overlaps the data of another parent locator"),
    C(loc_empty, DIFFERENCING, VHD_READER_OK, ""),
    C(loc_sectors, DIFFERENCING, VHD_READER_OK, ""),
    C(loc_unknown_code, DIFFERENCING, VHD_READER_OK, ""),
    C(loc_macx_bad_utf8, DIFFERENCING, VHD_READER_OK, ""),
    C(loc_mac_alias, DIFFERENCING, VHD_READER_OK, ""),
    C(diff_no_locators, DIFFERENCING, VHD_READER_OK, ""),
    C(dynamic_ok, DYNAMIC, VHD_READER_OK, ""),
    C(dynamic_data_ok, DYNAMIC_DATA, VHD_READER_OK, ""),
    C(diff_ok, DIFFERENCING, VHD_READER_OK, ""),
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

/* The check's problems for a file that opens, their names joined by spaces. */
static char problem_names[512];

static void collect_problem(void *ctx, const disk_problem *problem)
{
    (void)ctx;
    size_t used = strlen(problem_names);
    snprintf(problem_names + used, sizeof problem_names - used, "%s ", problem->name);
}

/* What vhd_check_image names in the files of the table that open. The builder's geometry
 * (256 cylinders, 4 heads, 17 sectors: 8.5 MiB) is larger than its 64 KiB disks, so every one
 * has geometry-too-large; the rows name the rest. */
static const struct { const char *name, *problems; } check_expected[] = {
    { "trunc_by_1", "end-footer-truncated geometry-too-large " },
    { "end_checksum", "end-footer-damaged geometry-too-large " },
    { "end_cookie", "end-footer-damaged geometry-too-large " },
    { "copy_checksum", "footer-copies-differ geometry-too-large " },
    /* (the readers that want 512 bytes refuse it; repair rebuilds it) */
    { "fixed_511", "end-footer-truncated geometry-too-large " },
    /* Two entries on one block: the block they share, and the one nothing refers to now. */
    { "bat_shared", "geometry-too-large blocks-overlap unreferenced-space " },
};

static const char *expected_problems(const char *name)
{
    for (size_t i = 0; i < sizeof check_expected / sizeof check_expected[0]; i++)
        if (strcmp(check_expected[i].name, name) == 0)
            return check_expected[i].problems;
    return "geometry-too-large ";
}

static vhd_reader_code open_bytes(const uint8_t *data, size_t size, vhd_reader_error *error,
                                  vhd_image_info *info_out)
{
    struct memory_io mem;
    vhd_image *image;
    assert_true(memory_io_init_with(&mem, data, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    vhd_reader_code code = vhd_image_open(&image, &mem.io, &counted, error);
    if (code == VHD_READER_OK) {
        const vhd_image_info *info = vhd_image_get_info(image);
        if (info_out != NULL)
            *info_out = *info;
        /* A disk that opens can be read to its last sector. */
        uint8_t sector[512];
        uint64_t last = info->footer.current_size / 512 - 1;
        assert_int_equal(vhd_image_read_sectors(image, 0, 1, sector, error), VHD_READER_OK);
        assert_int_equal(vhd_image_read_sectors(image, last, 1, sector, error), VHD_READER_OK);
        assert_int_equal(vhd_image_read_sectors(image, last, 2, sector, error),
                         VHD_READER_OUT_OF_RANGE);
        vhd_reader_error check_error;
        problem_names[0] = '\0';
        assert_int_equal(vhd_check_image(image, collect_problem, NULL, &check_error),
                         VHD_READER_OK);
        vhd_image_close(image);
    } else {
        assert_null(image);
    }
    memory_io_free(&mem);
    return code;
}

static void test_malformed_table(void **state)
{
    (void)state;
    unsigned invalid = 0;
    for (size_t i = 0; i < CASE_COUNT; i++) {
        const struct malformed_case *c = &cases[i];
        struct built_image m;
        vhd_reader_error error;
        build_base(c->base, &m);
        c->mutate(&m);
        heap_start();
        vhd_reader_code code = open_bytes(m.data, m.size, &error, NULL);
        if (code != c->code || strstr(error.reason, c->words) == NULL)
            fail_msg("%s: got %s (%s), expected %s with \"%s\"", c->name,
                     vhd_reader_code_name(code), error.reason, vhd_reader_code_name(c->code),
                     c->words);
        if (code != VHD_READER_OK) {
            assert_true(vhd_reader_code_is_invalid_file(code));
            assert_true(strlen(error.reason) > 10);
            invalid++;
        } else if (strcmp(problem_names, expected_problems(c->name)) != 0) {
            /* The check of a file the reader accepts: exactly the problems expected. */
            fail_msg("%s: the check named \"%s\", expected \"%s\"", c->name, problem_names,
                     expected_problems(c->name));
        }
        heap_check(c->name, 1);
        builder_free(&m);
    }
    print_message("# %zu cases, %u of them malformed files refused\n", CASE_COUNT, invalid);
    assert_true(invalid >= 60);
}

/* Each footer of a damaged-footer disk is the copy: the reader says which it used. */
static void test_footer_copy_used(void **state)
{
    (void)state;
    struct built_image m;
    vhd_reader_error error;
    vhd_image_info info;
    build_base(DYNAMIC_DATA, &m);
    end_checksum(&m);
    assert_int_equal(open_bytes(m.data, m.size, &error, &info), VHD_READER_OK);
    assert_true(info.footer_from_copy);
    assert_int_equal(info.allocated_blocks, 2);
    builder_free(&m);
    build_base(DYNAMIC_DATA, &m);
    assert_int_equal(open_bytes(m.data, m.size, &error, &info), VHD_READER_OK);
    assert_false(info.footer_from_copy);
    builder_free(&m);
}

/* Every disk's content, sector by sector, for comparing an opened truncation with it. */
static uint8_t *read_all(const uint8_t *data, size_t size, uint64_t *disk_size)
{
    struct memory_io mem;
    vhd_image *image;
    vhd_reader_error error;
    assert_true(memory_io_init_with(&mem, data, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhd_image_open(&image, &mem.io, NULL, &error), VHD_READER_OK);
    *disk_size = vhd_image_get_info(image)->footer.current_size;
    uint8_t *content = malloc(*disk_size);
    assert_non_null(content);
    assert_int_equal(vhd_image_read_sectors(image, 0, (uint32_t)(*disk_size / 512), content,
                                            &error), VHD_READER_OK);
    vhd_image_close(image);
    memory_io_free(&mem);
    return content;
}

/* Every length from 0 to the whole file, of each base: never a crash or a hang, and a cut
 * file that still opens (its footer copy at 0 still leads to everything the disk holds, or
 * it ends in a 511-byte footer) reads exactly as the whole one. */
static void test_every_truncation(void **state)
{
    (void)state;
    unsigned runs = 0, opened = 0;
    for (enum base base = DYNAMIC; base <= FIXED; base++) {
        struct built_image m;
        uint64_t disk_size, cut_size;
        build_base(base, &m);
        uint8_t *whole = read_all(m.data, m.size, &disk_size);
        for (size_t len = 0; len < m.size; len += (len < 4096 ? 1 : 509)) {
            vhd_reader_error error;
            heap_start();
            vhd_reader_code code = open_bytes(m.data, len, &error, NULL);
            heap_check("truncation", 1);
            runs++;
            if (code != VHD_READER_OK) {
                assert_true(vhd_reader_code_is_invalid_file(code));
                continue;
            }
            uint8_t *cut = read_all(m.data, len, &cut_size);
            if (cut_size != disk_size || memcmp(cut, whole, disk_size) != 0)
                fail_msg("base %d cut to %zu of %zu bytes opens with other content", base, len,
                         m.size);
            free(cut);
            opened++;
        }
        free(whole);
        builder_free(&m);
    }
    print_message("# %u truncations: %u refused, %u open with the same content\n", runs,
                  runs - opened, opened);
    assert_true(runs - opened > runs / 2);
}

/* ---- chains, through an opener over images in memory ---- */
#define WORLD_MAX 1100

struct world {
    struct built_image images[WORLD_MAX];
    char names[WORLD_MAX][24];
    unsigned count;
    bool identities;   /* report each file's identity */
    unsigned opens, closes;
};

struct opened {
    struct memory_io mem;
};

static vhd_status world_open(void *ctx, const char *child_name,
                             const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    struct world *w = ctx;
    (void)child_name;
    const char *p = candidate->path;
    if (strncmp(p, ".\\", 2) == 0)
        p += 2;
    for (unsigned i = 0; i < w->count; i++) {
        if (strcmp(w->names[i], p) != 0)
            continue;
        struct opened *o = malloc(sizeof *o);
        assert_non_null(o);
        assert_true(memory_io_init_with(&o->mem, w->images[i].data, w->images[i].size));
        assert_int_equal(o->mem.io.open(&o->mem.io, VHD_IO_OPEN_READ), VHD_OK);
        file->io = &o->mem.io;
        file->name = w->names[i];
        file->identity = (vhd_file_identity){ .known = w->identities, .volume = 1, .file = i };
        file->handle = o;
        w->opens++;
        return VHD_OK;
    }
    return VHD_E_NOT_FOUND;
}

static void world_close(void *ctx, vhd_parent_file *file)
{
    struct world *w = ctx;
    struct opened *o = file->handle;
    memory_io_free(&o->mem);
    free(o);
    w->closes++;
}

static void uid_for(unsigned n, uint8_t uid[16])
{
    memset(uid, 0x42, 16);
    uid[0] = (uint8_t)n;
    uid[1] = (uint8_t)(n >> 8);
}

/* Image n of the world: a differencing disk whose parent is image parent (by name and id),
 * or a dynamic base disk when parent < 0. */
static void world_add(struct world *w, int parent, const uint8_t *parent_id_override,
                      uint64_t size)
{
    unsigned n = w->count++;
    struct builder_spec spec = { .disk_type = parent < 0 ? 3 : 4, .size = size,
                                 .block_size = BLOCK, .fill = (uint8_t)(0x30 + n % 64),
                                 .allocated = 1 };
    char parent_name[24];
    uid_for(n, spec.unique_id);
    snprintf(w->names[n], sizeof w->names[n], "disk%u.vhd", n);
    if (parent >= 0) {
        snprintf(parent_name, sizeof parent_name, "disk%d.vhd", parent);
        uid_for((unsigned)parent, spec.parent_id);
        if (parent_id_override != NULL)
            memcpy(spec.parent_id, parent_id_override, 16);
        spec.parent_w2ru = parent_name;
    }
    builder_build(&spec, &w->images[n]);
}

static void world_free(struct world *w)
{
    for (unsigned i = 0; i < w->count; i++)
        builder_free(&w->images[i]);
    free(w);
}

static struct world *world_new(bool identities)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->identities = identities;
    return w;
}

/* Opens the chain whose child is image top; returns the code, closes everything, and checks
 * that every file the opener opened was closed and the heap bound held. */
static vhd_reader_code open_chain(struct world *w, unsigned top, vhd_reader_error *error,
                                  unsigned *depth, const char *name)
{
    vhd_parent_opener opener = { world_open, world_close, w };
    struct memory_io mem;
    disk_chain *chain;
    vhd_file_identity id = { .known = w->identities, .volume = 1, .file = top };
    assert_true(memory_io_init_with(&mem, w->images[top].data, w->images[top].size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    heap_start();
    vhd_reader_code code = disk_chain_open(&chain, &mem.io, w->names[top], &id, &opener,
                                          &counted, error);
    *depth = 0;
    if (code == VHD_READER_OK) {
        *depth = disk_chain_depth(chain);
        disk_chain_close(chain);
    } else {
        assert_null(chain);
    }
    assert_int_equal(w->opens, w->closes);
    heap_check(name, *depth > 0 ? *depth : DISK_CHAIN_MAX_DEPTH);
    memory_io_free(&mem);
    return code;
}

static void expect_chain(struct world *w, unsigned top, vhd_reader_code want, const char *words,
                         unsigned want_depth, const char *name)
{
    vhd_reader_error error;
    unsigned depth;
    vhd_reader_code code = open_chain(w, top, &error, &depth, name);
    if (code != want || strstr(error.reason, words) == NULL)
        fail_msg("%s: got %s (%s), expected %s with \"%s\"", name, vhd_reader_code_name(code),
                 error.reason, vhd_reader_code_name(want), words);
    if (want == VHD_READER_OK)
        assert_int_equal(depth, want_depth);
}

static void test_chain_found_and_read(void **state)
{
    (void)state;
    struct world *w = world_new(true);
    world_add(w, -1, NULL, DISK);          /* 0: base, block 0 holds 0x30 */
    world_add(w, 0, NULL, DISK);           /* 1: child, block 0 holds 0x31 */
    /* Image 1 only holds sectors 0..3 of block 0: clear the rest of its bitmap. */
    struct built_image *c = &w->images[1];
    uint32_t entry = (uint32_t)(c->first_block_at / 512);
    c->data[entry * 512] = 0xF0;
    expect_chain(w, 1, VHD_READER_OK, "", 2, "chain of 2");

    vhd_parent_opener opener = { world_open, world_close, w };
    struct memory_io mem;
    disk_chain *chain;
    vhd_reader_error error;
    assert_true(memory_io_init_with(&mem, c->data, c->size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(disk_chain_open(&chain, &mem.io, w->names[1], NULL, &opener, NULL, &error),
                     VHD_READER_OK);
    uint8_t buf[16 * 512];
    assert_int_equal(disk_chain_read_sectors(chain, 0, 16, buf, &error), VHD_READER_OK);
    for (unsigned s = 0; s < 16; s++) {
        uint8_t want = s < 4 ? 0x31 : s < 8 ? 0x30 : 0x30;   /* child, then parent's block */
        if (s >= BLOCK / 512)
            want = 0;   /* block 1: neither has it */
        assert_int_equal(buf[s * 512], want);
        assert_int_equal(buf[s * 512 + 511], want);
    }
    assert_int_equal(disk_chain_read_sectors(chain, DISK / 512 - 1, 2, buf, &error),
                     VHD_READER_OUT_OF_RANGE);
    disk_chain_close(chain);
    memory_io_free(&mem);
    world_free(w);
}

static void test_chain_failures(void **state)
{
    (void)state;
    static const uint8_t other[16] = { 9, 9, 9 };
    struct world *w = world_new(true);
    world_add(w, -1, NULL, DISK);          /* 0 */
    world_add(w, 7, NULL, DISK);           /* 1: parent disk7.vhd is missing */
    expect_chain(w, 1, VHD_READER_PARENT_NOT_FOUND, "was not found (tried disk7.vhd (W2ru))", 0, "missing");
    world_add(w, 0, other, DISK);          /* 2: expects another unique id */
    expect_chain(w, 2, VHD_READER_PARENT_ID_MISMATCH, "disk2.vhd expects 09090900", 0, "foreign parent");
    world_add(w, -1, NULL, 2 * DISK);      /* 3: a bigger base */
    world_add(w, 3, NULL, DISK);           /* 4: child of the bigger base */
    expect_chain(w, 4, VHD_READER_PARENT_SIZE_MISMATCH, "holds 131072 bytes", 0, "size");
    world_add(w, -1, NULL, DISK);          /* 5: a base made invalid */
    memset(w->images[5].data + w->images[5].footer_at, 0, 512);
    memset(w->images[5].data, 0, 512);
    world_add(w, 5, NULL, DISK);           /* 6 */
    expect_chain(w, 6, VHD_READER_PARENT_INVALID, "disk5.vhd is not a valid VHD", 0, "invalid");
    /* 7 and 8 name each other. */
    world_add(w, 8, NULL, DISK);           /* 7 */
    world_add(w, 7, NULL, DISK);           /* 8 */
    expect_chain(w, 7, VHD_READER_CHAIN_LOOP, "is the file disk7.vhd again", 0, "loop by file");
    w->identities = false;
    expect_chain(w, 7, VHD_READER_CHAIN_LOOP, "loops", 0, "loop by unique id");
    w->identities = true;
    world_add(w, 9, NULL, DISK);           /* 9: its own parent */
    expect_chain(w, 9, VHD_READER_CHAIN_LOOP, "disk9.vhd again", 0, "loop to itself");
    /* 10: a child that names no parent at all. */
    world_add(w, 0, NULL, DISK);
    diff_no_locators(&w->images[10]);
    expect_chain(w, 10, VHD_READER_PARENT_NOT_FOUND, "names no parent", 0, "no locators");
    world_free(w);
}

static void test_chain_depth(void **state)
{
    (void)state;
    struct world *w = world_new(true);
    world_add(w, -1, NULL, DISK);
    for (unsigned i = 1; i < 1000; i++)
        world_add(w, (int)i - 1, NULL, DISK);
    /* Image n has n parents: the longest chain allowed, one more, and 1,000. */
    expect_chain(w, DISK_CHAIN_MAX_DEPTH - 1, VHD_READER_OK, "", DISK_CHAIN_MAX_DEPTH, "deepest");
    expect_chain(w, DISK_CHAIN_MAX_DEPTH, VHD_READER_CHAIN_TOO_DEEP, "longer than 128", 0,
                 "one too deep");
    expect_chain(w, 999, VHD_READER_CHAIN_TOO_DEEP, "longer than 128", 0, "1000 deep");
    world_free(w);
}

static void test_report_heap(void **state)
{
    (void)state;
    print_message("# worst heap peak of one image: %zu bytes (%s); of a chain: %zu bytes (%s); "
                  "bound per image %zu bytes\n", heap_worst_single, heap_worst_single_case,
                  heap_worst, heap_worst_case, (size_t)VHD_READER_IMAGE_HEAP_MAX);
    assert_true(heap_worst_single > 0 && heap_worst_single <= VHD_READER_IMAGE_HEAP_MAX);
}

static int write_corpus(const char *dir)
{
    for (size_t i = 0; i < CASE_COUNT; i++) {
        struct built_image m;
        char path[512];
        build_base(cases[i].base, &m);
        cases[i].mutate(&m);
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(m.data, 1, m.size, f) != m.size || fclose(f) != 0)
            return 1;
        builder_free(&m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_table),
        cmocka_unit_test(test_footer_copy_used),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_chain_found_and_read),
        cmocka_unit_test(test_chain_failures),
        cmocka_unit_test(test_chain_depth),
        cmocka_unit_test(test_report_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
