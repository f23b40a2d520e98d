/* The VHDX reader on a generated table of malformed files, one per rule of the strict
 * checklist (and the leniencies real files need, which must open): each gives its expected
 * code and a reason naming the rule and the value, with no crash or out-of-bounds read (ASan
 * and UBSan watch), no leak, and the reader's heap (seen through its allocator hook) under
 * VHDX_READER_IMAGE_HEAP_MAX. Then truncations of a differencing image at every region
 * boundary and every 64 KiB.
 * With "--write-corpus DIR" it writes every case's image into DIR, in the fuzzer's sparse page
 * form (fuzz_vhdx_reader.c), for the fuzzer's seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx_builder.h"
#include "vhdx_check.h"
#include "vhdx_test_util.h"

enum base { DYNAMIC, FIXED, DIFFERENCING };

static void build_base(enum base base, struct vhdx_built *m)
{
    struct vhdx_builder_spec spec = { .present_blocks = 2 };
    if (base == FIXED)
        spec.fixed = true;
    if (base == DIFFERENCING) {
        spec.differencing = true;
        spec.partial_block = true;
    }
    vhdx_builder_build(&spec, m);
}

/* ---- mutations ---- */
#define M(fn, body) static void fn(struct vhdx_built *m) { uint8_t *d = m->data; (void)d; body }
/* A header field in both headers, checksums refreshed. */
#define HDR_BOTH(stmt) do { for (int i_ = 0; i_ < 2; i_++) { uint8_t *h = d + m->header_at[i_]; \
    stmt; vhdx_builder_fix_header(m, i_); } } while (0)
#define HDR_CUR(stmt) do { uint8_t *h = d + m->header_at[1]; stmt; vhdx_builder_fix_header(m, 1); } while (0)
/* Region table entry e in both copies. */
#define RT_BOTH(stmt) do { for (int i_ = 0; i_ < 2; i_++) { uint8_t *t = d + m->region_at[i_]; \
    (void)t; stmt; vhdx_builder_fix_region_table(m, i_); } } while (0)
#define RE(e) vhdx_builder_region_entry(m, i_, (e))
#define MD(e) vhdx_builder_metadata_entry(m, (e))
#define MDT (d + m->metadata_at)
#define ITEM(k) (d + m->item_at[k])
#define LOC ITEM(5)
#define LOC_ENTRY(i) (LOC + 20 + 12 * (i))
#define BAT(i) (d + m->bat_at + 8 * (uint64_t)(i))
#define SET32(p, v) vhdx_put32((p), (v))
#define SET64(p, v) vhdx_put64((p), (v))

static const vhdx_guid unknown_guid = {{ 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                         0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10 }};

/* A third region entry in both tables: unknown_guid at offset, required or not. */
static void add_region(struct vhdx_built *m, uint64_t offset, uint32_t required)
{
    uint8_t *d = m->data;
    RT_BOTH(SET32(t + 8, 3);
            memcpy(RE(2), unknown_guid.bytes, 16); SET64(RE(2) + 16, offset);
            SET32(RE(2) + 24, (uint32_t)MiB); SET32(RE(2) + 28, required));
}

/* A sixth (or seventh) metadata entry of 16 bytes at 72 KiB. */
static void add_item(struct vhdx_built *m, const vhdx_guid *guid, uint32_t flags)
{
    unsigned e = m->metadata_entries;
    uint8_t *p = MD(e);
    memcpy(p, guid->bytes, 16);
    SET32(p + 16, 72 * 1024);
    SET32(p + 20, 16);
    SET32(p + 24, flags);
    SET32(m->data + m->metadata_at + 10, e + 1);
}

M(trunc_0, m->size = 0;)
M(trunc_7, m->size = 7;)
M(not_vhdx, d[7] = 'F';)
M(not_vhdx_zeros, memset(d, 0, 8);)
M(trunc_64k, m->size = 65536;)
M(trunc_header_section, m->size = MiB - 1;)
M(header_both_crc, d[m->header_at[0] + 4] ^= 1; d[m->header_at[1] + 4] ^= 1;)
M(header_both_signature, d[m->header_at[0]] = 'H'; d[m->header_at[1]] = 'H';
  vhdx_builder_fix_header(m, 0); vhdx_builder_fix_header(m, 1);)
M(header_reserved_crc, d[m->header_at[0] + 4000] ^= 1; d[m->header_at[1] + 4000] ^= 1;)
M(header2_bad, d[m->header_at[1] + 4] ^= 1;)
M(header1_bad, d[m->header_at[0] + 4] ^= 1;)
M(header_first_newer, HDR_CUR(SET64(h + 8, 5));)
M(header_equal_differ, HDR_CUR(SET64(h + 8, 10); h[16] ^= 1);)
M(header_equal_twins, memcpy(d + m->header_at[1], d + m->header_at[0], 4096);)
M(header_version_2, HDR_BOTH(vhdx_put16(h + 66, 2));)
M(header_version_0, HDR_BOTH(vhdx_put16(h + 66, 0));)
M(log_version_with_guid, HDR_BOTH(vhdx_put16(h + 64, 1); memset(h + 48, 0x4C, 16));)
M(log_version_no_guid, HDR_BOTH(vhdx_put16(h + 64, 7));)
M(log_offset_unaligned, HDR_BOTH(SET64(h + 72, MiB + 4096));)
M(log_length_unaligned, HDR_BOTH(SET32(h + 68, (uint32_t)MiB / 2));)
M(log_in_header_section, HDR_BOTH(SET64(h + 72, 0));)
M(log_past_end, HDR_BOTH(SET64(h + 72, UINT64_C(1) << 40));)
M(log_beyond_limit, HDR_BOTH(SET64(h + 72, UINT64_C(1) << 47));)
M(log_length_huge, HDR_BOTH(SET32(h + 68, 0xFFF00000u));)
M(log_length_0_guid, HDR_BOTH(SET32(h + 68, 0); memset(h + 48, 0x4C, 16));)
M(log_length_0, HDR_BOTH(SET32(h + 68, 0));)
M(log_guid_empty_log, HDR_BOTH(memset(h + 48, 0x4C, 16));)
M(region_both_crc, d[m->region_at[0] + 4] ^= 1; d[m->region_at[1] + 4] ^= 1;)
M(region_both_signature, RT_BOTH(t[0] = 'R');)
M(region_reserved_crc, d[m->region_at[0] + 60000] ^= 1; d[m->region_at[1] + 60000] ^= 1;)
M(region1_bad, d[m->region_at[0] + 4] ^= 1;)
M(region_count_2048, RT_BOTH(SET32(t + 8, 2048));)
M(region_count_max, RT_BOTH(SET32(t + 8, 0xFFFFFFFFu));)
M(region_reserved, RT_BOTH(SET32(t + 12, 1));)
M(region_flags, RT_BOTH(SET32(RE(0) + 28, 3));)
M(region_unknown_required, add_region(m, m->size, 1); vhdx_builder_resize(m, m->size + MiB);)
M(region_unknown_optional, add_region(m, m->size, 0); vhdx_builder_resize(m, m->size + MiB);)
M(region_known_not_required, RT_BOTH(SET32(RE(0) + 28, 0); SET32(RE(1) + 28, 0));)
M(region_offset_unaligned, RT_BOTH(SET64(RE(1) + 16, m->metadata_at + 512));)
M(region_offset_0, RT_BOTH(SET64(RE(1) + 16, 0));)
M(region_length_0, RT_BOTH(SET32(RE(1) + 24, 0));)
M(region_length_unaligned, RT_BOTH(SET32(RE(1) + 24, (uint32_t)MiB + 512));)
M(region_past_end, RT_BOTH(SET64(RE(1) + 16, m->size));)
M(region_far, RT_BOTH(SET64(RE(1) + 16, UINT64_C(0xFFFFFFFFFFF00000)));)
M(region_duplicate, RT_BOTH(SET32(t + 8, 3); memcpy(RE(2), RE(0), 32);
  SET64(RE(2) + 16, m->first_block_at));)
M(region_overlap, RT_BOTH(SET64(RE(1) + 16, m->bat_at));)
M(region_on_log, RT_BOTH(SET64(RE(1) + 16, m->log_at));)
M(region_no_bat, RT_BOTH(memcpy(RE(0), unknown_guid.bytes, 16); SET32(RE(0) + 28, 0));)
M(region_no_metadata, RT_BOTH(memcpy(RE(1), unknown_guid.bytes, 16); SET32(RE(1) + 28, 0));)
M(region_count_1, RT_BOTH(SET32(t + 8, 1));)
M(md_signature, MDT[0] = 'M';)
M(md_reserved, SET32(MDT + 12, 1);)
M(md_count_2048, vhdx_put16(MDT + 10, 2048);)
M(md_flags_reserved, SET32(MD(0) + 24, 0x14);)
M(md_reserved2, SET32(MD(0) + 28, 1);)
M(md_zero_guid, memset(MD(2), 0, 16);)
M(md_user_required, add_item(m, &unknown_guid, VHDX_METADATA_IS_USER | VHDX_METADATA_IS_REQUIRED);)
M(md_item_too_long, SET32(MD(2) + 20, (uint32_t)MiB + 16);)
M(md_item_in_table, SET32(MD(2) + 16, 100);)
M(md_item_past_region, SET32(MD(2) + 16, (uint32_t)MiB - 8);)
M(md_duplicate, memcpy(MD(2), MD(0), 16);)
M(md_overlap, SET32(MD(1) + 16, 65536 + 4);)
M(md_unknown_required, add_item(m, &unknown_guid, VHDX_METADATA_IS_REQUIRED);)
M(md_unknown_optional, add_item(m, &unknown_guid, 0);)
M(md_user_item, add_item(m, &vhdx_guid_file_parameters, VHDX_METADATA_IS_USER);)
M(md_incomplete_file, add_item(m, &vhdx_guid_incomplete_file, 0);)
M(md_missing_fp, memcpy(MD(0), unknown_guid.bytes, 16); SET32(MD(0) + 24, 0);)
M(md_missing_size, memcpy(MD(1), unknown_guid.bytes, 16); SET32(MD(1) + 24, 0);)
M(md_missing_id, memcpy(MD(2), unknown_guid.bytes, 16); SET32(MD(2) + 24, 0);)
M(md_missing_lss, memcpy(MD(3), unknown_guid.bytes, 16); SET32(MD(3) + 24, 0);)
M(md_missing_pss, memcpy(MD(4), unknown_guid.bytes, 16); SET32(MD(4) + 24, 0);)
M(md_fp_length, SET32(MD(0) + 20, 4);)
M(md_id_length, SET32(MD(2) + 20, 8);)
M(md_size_flags, SET32(MD(1) + 24, VHDX_METADATA_IS_REQUIRED);)
M(md_fp_not_required, SET32(MD(0) + 24, 0);)
M(md_pss_not_required, SET32(MD(4) + 24, VHDX_METADATA_IS_VIRTUAL_DISK);)
M(block_size_0, SET32(ITEM(0), 0);)
M(block_size_3m, SET32(ITEM(0), 3 << 20);)
M(block_size_512m, SET32(ITEM(0), 512u << 20);)
M(block_size_512k, SET32(ITEM(0), 512u << 10);)
M(block_size_256m, SET32(ITEM(0), 256u << 20);)
M(fp_flags_reserved, SET32(ITEM(0) + 4, 4);)
M(lss_1024, SET32(ITEM(3), 1024);)
M(pss_0, SET32(ITEM(4), 0);)
M(size_0, SET64(ITEM(1), 0);)
M(size_odd, SET64(ITEM(1), 1000);)
M(size_over_64t, SET64(ITEM(1), (UINT64_C(64) << 40) + 512);)
M(size_max, SET64(ITEM(1), UINT64_MAX);)
M(size_lss_4k, SET32(ITEM(3), 4096); SET64(ITEM(1), 8 * MiB + 512);)
M(has_parent_no_locator, SET32(ITEM(0) + 4, VHDX_FILE_PARAMETERS_HAS_PARENT);)
M(locator_no_has_parent, SET32(ITEM(0) + 4, 0);)
M(loc_type, LOC[0] ^= 1;)
M(loc_count_0, vhdx_put16(LOC + 18, 0);)
M(loc_count_300, vhdx_put16(LOC + 18, 300);)
M(loc_count_past_item, vhdx_put16(LOC + 18, 200);)
M(loc_key_length_0, vhdx_put16(LOC_ENTRY(0) + 8, 0);)
M(loc_value_odd, vhdx_put16(LOC_ENTRY(1) + 10, 3);)
M(loc_key_past_item, SET32(LOC_ENTRY(2), 60000);)
M(loc_key_in_table, SET32(LOC_ENTRY(1), 4);)
M(loc_strings_overlap, SET32(LOC_ENTRY(1) + 4, vhdx_get32(LOC_ENTRY(0)));
  vhdx_put16(LOC_ENTRY(1) + 10, 120);)
M(loc_duplicate_key, SET32(LOC_ENTRY(2), vhdx_get32(LOC_ENTRY(0)));
  vhdx_put16(LOC_ENTRY(2) + 8, vhdx_get16(LOC_ENTRY(0) + 8));)
M(loc_nul_in_key, LOC[vhdx_get32(LOC_ENTRY(1))] = 0;)
M(loc_no_linkage, LOC[vhdx_get32(LOC_ENTRY(0)) + 2 * 13] = 'f';)
M(loc_linkage_not_guid, LOC[vhdx_get32(LOC_ENTRY(0) + 4) + 2] = 'x';)
M(loc_no_paths, LOC[vhdx_get32(LOC_ENTRY(1))] = 'R'; LOC[vhdx_get32(LOC_ENTRY(2))] = 'A';)
M(loc_too_long, SET32(MD(5) + 20, 70000);)
/* The longest locator the reader takes, all of it one value: the text stays bounded. */
M(loc_longest, SET32(MD(5) + 20, VHDX_READER_LOCATOR_MAX_BYTES);
  vhdx_put16(LOC_ENTRY(2) + 10, (uint16_t)(65536 - 2 - vhdx_get32(LOC_ENTRY(2) + 4)));
  for (uint32_t k = vhdx_get32(LOC_ENTRY(2) + 4) + 40; k < 65536; k += 2) LOC[k] = 'x';)
/* Longer than the reader takes (but inside the 1 MiB region). */
M(loc_huge, SET32(MD(5) + 20, (uint32_t)MiB - 72 * 1024);)
M(loc_too_short, SET32(MD(5) + 20, 10);)
M(loc_lowercase_linkage, for (unsigned k = 0; k < 76; k += 2) {
      uint8_t *c = LOC + vhdx_get32(LOC_ENTRY(0) + 4) + k;
      if (*c >= 'A' && *c <= 'F') *c = (uint8_t)(*c - 'A' + 'a'); })
M(bat_region_small, SET64(ITEM(1), UINT64_C(200) << 30);)
M(bat_reserved_bits, SET64(BAT(0), vhdx_builder_get_bat(m, 0) | 0x80);)
M(bat_state_4, SET64(BAT(2), 4);)
M(bat_state_5, SET64(BAT(2), 5);)
M(bat_partial_dynamic, SET64(BAT(0), (vhdx_builder_get_bat(m, 0) & ~UINT64_C(7)) | 7);)
M(bat_past_end, SET64(BAT(1), vhdx_bat_entry(6, m->size));)
M(bat_far, SET64(BAT(1), vhdx_bat_entry(6, UINT64_C(0xFFFFFFFFFFF00000)));)
M(bat_offset_0, SET64(BAT(1), vhdx_bat_entry(6, 0));)
M(bat_on_log, SET64(BAT(1), vhdx_bat_entry(6, m->log_at));)
M(bat_on_metadata, SET64(BAT(1), vhdx_bat_entry(6, m->metadata_at));)
M(bat_on_bat, SET64(BAT(1), vhdx_bat_entry(6, m->bat_at));)
M(bat_shared, SET64(BAT(1), vhdx_builder_get_bat(m, 0));)
M(bat_on_optional_region, add_region(m, m->first_block_at + MiB, 0);)
M(bat_zero_with_offset, SET64(BAT(5), vhdx_bat_entry(2, m->first_block_at));)
M(bat_last_block_cut, vhdx_builder_resize(m, m->size - 4096);)
M(diff_sb_state_3, SET64(BAT(m->chunk_ratio), vhdx_bat_entry(3, m->bitmap_at));)
M(diff_sb_not_present, SET64(BAT(m->chunk_ratio), 0);)
M(diff_sb_past_end, SET64(BAT(m->chunk_ratio), vhdx_bat_entry(6, m->size));)
M(diff_sb_reserved_bits, SET64(BAT(m->chunk_ratio), vhdx_builder_get_bat(m, m->chunk_ratio) | 0x100);)
M(diff_sb_on_block, SET64(BAT(m->chunk_ratio), (vhdx_builder_get_bat(m, 0) & ~UINT64_C(7)) | 6);)
/* Logs, so that the fuzzer's seeds hold some: an entry to replay, a wrapping one, zeros. */
static const vhdx_guid seed_log_guid = {{ 0x4C, 0x4F, 0x47, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 }};
static void add_log_entry(struct vhdx_built *m, uint32_t position, uint64_t sequence, bool zero)
{
    uint8_t sector[4096];
    memset(sector, 0x3C, sizeof sector);
    struct vhdx_builder_descriptor d[2] = {
        { zero, m->first_block_at, 8192, zero ? NULL : sector },
        { false, m->first_block_at + MiB, 0, sector },
    };
    struct vhdx_builder_entry e = { sequence, position, seed_log_guid, m->size, m->size, 2, d };
    vhdx_builder_set_log_guid(m, &seed_log_guid);
    vhdx_builder_write_log_entry(m, position, &e);
}
M(log_replayed, add_log_entry(m, 0, 1, false);)
M(log_wrapping, add_log_entry(m, (uint32_t)MiB - 8192, 7, false);)
M(log_zero, add_log_entry(m, 65536, 3, true);)
M(log_wrong_guid, add_log_entry(m, 0, 1, false); d[m->header_at[1] + 48] ^= 1;
  vhdx_builder_fix_header(m, 1);)
M(log_truncated, add_log_entry(m, 0, 1, false); vhdx_builder_resize(m, m->size - MiB);)
M(diff_ok, (void)m;)
M(dynamic_ok, (void)m;)
M(fixed_ok, (void)m;)
M(fixed_state_zero, SET64(BAT(3), vhdx_bat_entry(2, 0));)

struct malformed_case {
    const char *name;
    enum base base;
    void (*mutate)(struct vhdx_built *m);
    vhdx_reader_code code;
    const char *words;   /* in the reason */
};

#define C(n, b, c, w) { #n, b, n, c, w }
#define OK(n, b) { #n, b, n, VHDX_READER_OK, "" }
static const struct malformed_case cases[] = {
    C(trunc_0, DYNAMIC, VHDX_READER_TRUNCATED, "is 0 bytes long"),
    C(trunc_7, DYNAMIC, VHDX_READER_TRUNCATED, "is 7 bytes long"),
    C(not_vhdx, DYNAMIC, VHDX_READER_NOT_VHDX, "\"vhdxfile\""),
    C(not_vhdx_zeros, DYNAMIC, VHDX_READER_NOT_VHDX, "\"vhdxfile\""),
    C(trunc_64k, DYNAMIC, VHDX_READER_TRUNCATED, "65536 bytes long, shorter than the 1 MiB"),
    C(trunc_header_section, DYNAMIC, VHDX_READER_TRUNCATED, "1048575 bytes long"),
    C(header_both_crc, DYNAMIC, VHDX_READER_BAD_HEADER, "header 1 has a wrong CRC-32C"),
    C(header_both_signature, DYNAMIC, VHDX_READER_BAD_HEADER, "has the wrong signature"),
    C(header_reserved_crc, DYNAMIC, VHDX_READER_BAD_HEADER, "no valid header"),
    OK(header2_bad, DYNAMIC),
    OK(header1_bad, DYNAMIC),
    OK(header_first_newer, DYNAMIC),
    C(header_equal_differ, DYNAMIC, VHDX_READER_BAD_HEADER, "same sequence number 10 but differ"),
    OK(header_equal_twins, DYNAMIC),
    C(header_version_2, DYNAMIC, VHDX_READER_BAD_HEADER, "Version is 2, not 1"),
    C(header_version_0, DYNAMIC, VHDX_READER_BAD_HEADER, "Version is 0, not 1"),
    C(log_version_with_guid, DYNAMIC, VHDX_READER_BAD_HEADER, "LogVersion 1, not 0"),
    OK(log_version_no_guid, DYNAMIC),
    C(log_offset_unaligned, DYNAMIC, VHDX_READER_BAD_HEADER, "LogOffset 1052672"),
    C(log_length_unaligned, DYNAMIC, VHDX_READER_BAD_HEADER, "LogLength 524288"),
    C(log_in_header_section, DYNAMIC, VHDX_READER_BAD_HEADER, "LogOffset 0 lies in the 1 MiB header"),
    C(log_past_end, DYNAMIC, VHDX_READER_TRUNCATED, "log at offset 1099511627776"),
    C(log_beyond_limit, DYNAMIC, VHDX_READER_BAD_HEADER, "ends beyond 128 TiB"),
    C(log_length_huge, DYNAMIC, VHDX_READER_TRUNCATED, "4293918720 bytes long, runs past"),
    C(log_length_0_guid, DYNAMIC, VHDX_READER_BAD_HEADER, "LogLength 0"),
    OK(log_length_0, DYNAMIC),
    C(log_guid_empty_log, DYNAMIC, VHDX_READER_BAD_LOG, "holds no valid sequence"),
    C(region_both_crc, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "copy 1 has a wrong CRC-32C"),
    C(region_both_signature, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "copy 2 has the wrong signature"),
    C(region_reserved_crc, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "no valid region table"),
    OK(region1_bad, DYNAMIC),
    C(region_count_2048, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "EntryCount 2048 exceeds 2047"),
    C(region_count_max, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "EntryCount 4294967295"),
    C(region_reserved, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "Reserved field is 0x00000001"),
    C(region_flags, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "reserved flag bits set (0x00000003)"),
    C(region_unknown_required, DYNAMIC, VHDX_READER_UNSUPPORTED,
      "{04030201-0605-0807-090A-0B0C0D0E0F10} is required but unknown"),
    OK(region_unknown_optional, DYNAMIC),
    OK(region_known_not_required, DYNAMIC),
    C(region_offset_unaligned, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "FileOffset 2097664"),
    C(region_offset_0, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "FileOffset 0"),
    C(region_length_0, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "Length 0"),
    C(region_length_unaligned, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "Length 1049088"),
    C(region_past_end, DYNAMIC, VHDX_READER_TRUNCATED, "the metadata region at offset 6291456"),
    C(region_far, DYNAMIC, VHDX_READER_TRUNCATED, "runs past the end of the file"),
    C(region_duplicate, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "is listed twice"),
    C(region_overlap, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "metadata region at offset 3145728 overlaps the BAT region"),
    C(region_on_log, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "overlaps the log"),
    C(region_no_bat, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "has no BAT region"),
    C(region_no_metadata, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "has no metadata region"),
    C(region_count_1, DYNAMIC, VHDX_READER_BAD_REGION_TABLE, "has no metadata region"),
    C(md_signature, DYNAMIC, VHDX_READER_BAD_METADATA, "signature \"metadata\""),
    C(md_reserved, DYNAMIC, VHDX_READER_BAD_METADATA, "reserved fields are not zero"),
    C(md_count_2048, DYNAMIC, VHDX_READER_BAD_METADATA, "EntryCount 2048 exceeds 2047"),
    C(md_flags_reserved, DYNAMIC, VHDX_READER_BAD_METADATA, "reserved bits set (flags 0x00000014"),
    C(md_reserved2, DYNAMIC, VHDX_READER_BAD_METADATA, "Reserved2 0x00000001"),
    C(md_zero_guid, DYNAMIC, VHDX_READER_BAD_METADATA, "entry 2 has the zero GUID"),
    C(md_user_required, DYNAMIC, VHDX_READER_BAD_METADATA, "user metadata item {04030201"),
    C(md_item_too_long, DYNAMIC, VHDX_READER_BAD_METADATA, "1048592 bytes long, more than 1 MiB"),
    C(md_item_in_table, DYNAMIC, VHDX_READER_BAD_METADATA, "at offset 100, 16 bytes long, is not inside"),
    C(md_item_past_region, DYNAMIC, VHDX_READER_BAD_METADATA, "at offset 1048568"),
    C(md_duplicate, DYNAMIC, VHDX_READER_BAD_METADATA, "{CAA16737-FA36-4D43-B3B6-33F0AA44E76B} is listed twice"),
    C(md_overlap, DYNAMIC, VHDX_READER_BAD_METADATA, "at offset 65540 overlaps metadata entry 0"),
    C(md_unknown_required, DYNAMIC, VHDX_READER_UNSUPPORTED, "required but unknown"),
    OK(md_unknown_optional, DYNAMIC),
    OK(md_user_item, DYNAMIC),
    C(md_incomplete_file, DYNAMIC, VHDX_READER_UNSUPPORTED, "\"incomplete file\""),
    C(md_missing_fp, DYNAMIC, VHDX_READER_BAD_METADATA, "no File Parameters item"),
    C(md_missing_size, DYNAMIC, VHDX_READER_BAD_METADATA, "no Virtual Disk Size item"),
    C(md_missing_id, DYNAMIC, VHDX_READER_BAD_METADATA, "no Virtual Disk ID item"),
    C(md_missing_lss, DYNAMIC, VHDX_READER_BAD_METADATA, "no Logical Sector Size item"),
    C(md_missing_pss, DYNAMIC, VHDX_READER_BAD_METADATA, "no Physical Sector Size item"),
    C(md_fp_length, DYNAMIC, VHDX_READER_BAD_METADATA, "File Parameters item is 4 bytes long, not 8"),
    C(md_id_length, DYNAMIC, VHDX_READER_BAD_METADATA, "Virtual Disk ID item is 8 bytes long, not 16"),
    C(md_size_flags, DYNAMIC, VHDX_READER_BAD_METADATA, "Virtual Disk Size item's flags 0x4 lack 0x6"),
    C(md_fp_not_required, DYNAMIC, VHDX_READER_BAD_METADATA, "File Parameters item's flags 0x0"),
    OK(md_pss_not_required, DYNAMIC),
    C(block_size_0, DYNAMIC, VHDX_READER_BAD_METADATA, "BlockSize 0 is not a power of two"),
    C(block_size_3m, DYNAMIC, VHDX_READER_BAD_METADATA, "BlockSize 3145728"),
    C(block_size_512m, DYNAMIC, VHDX_READER_BAD_METADATA, "BlockSize 536870912"),
    C(block_size_512k, DYNAMIC, VHDX_READER_BAD_METADATA, "BlockSize 524288"),
    C(block_size_256m, DYNAMIC, VHDX_READER_BAD_BAT, "payload block 0 (BAT entry 0) (FULLY_PRESENT) at offset 4194304 runs past"),
    C(fp_flags_reserved, DYNAMIC, VHDX_READER_BAD_METADATA, "reserved flag bits (0x00000004)"),
    C(lss_1024, DYNAMIC, VHDX_READER_BAD_METADATA, "LogicalSectorSize 1024"),
    C(pss_0, DYNAMIC, VHDX_READER_BAD_METADATA, "PhysicalSectorSize 0"),
    C(size_0, DYNAMIC, VHDX_READER_BAD_METADATA, "VirtualDiskSize 0 "),
    C(size_odd, DYNAMIC, VHDX_READER_BAD_METADATA, "VirtualDiskSize 1000 "),
    C(size_over_64t, DYNAMIC, VHDX_READER_BAD_METADATA, "VirtualDiskSize 70368744178176"),
    C(size_max, DYNAMIC, VHDX_READER_BAD_METADATA, "VirtualDiskSize 18446744073709551615"),
    C(size_lss_4k, DYNAMIC, VHDX_READER_BAD_METADATA, "of the 4096-byte logical sector"),
    C(has_parent_no_locator, DYNAMIC, VHDX_READER_BAD_METADATA, "HasParent is set but there is no Parent Locator"),
    C(locator_no_has_parent, DIFFERENCING, VHDX_READER_BAD_METADATA, "HasParent is clear"),
    C(loc_type, DIFFERENCING, VHDX_READER_UNSUPPORTED, "LocatorType {B04AEFB6"),
    C(loc_count_0, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "KeyValueCount 0"),
    C(loc_count_300, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "KeyValueCount 300"),
    C(loc_count_past_item, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "KeyValueCount 200"),
    C(loc_key_length_0, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "entry 0 (key at 56, 0 bytes"),
    C(loc_value_odd, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "3 bytes) is empty, odd"),
    C(loc_key_past_item, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "entry 2 (key at 60000"),
    C(loc_key_in_table, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "entry 1 (key at 4,"),
    C(loc_strings_overlap, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "they overlap"),
    C(loc_duplicate_key, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "\"parent_linkage\" appears twice"),
    C(loc_nul_in_key, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "key 1 holds a NUL"),
    C(loc_no_linkage, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "parent_linkage is missing"),
    C(loc_linkage_not_guid, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "\"{x3ED0EC3"),
    C(loc_no_paths, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "no relative_path"),
    C(loc_too_long, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "70000 bytes long, more than the 65536"),
    OK(loc_longest, DIFFERENCING),
    C(loc_huge, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "974848 bytes long, more than the 65536"),
    C(loc_too_short, DIFFERENCING, VHDX_READER_BAD_LOCATOR, "10 bytes long, shorter"),
    OK(loc_lowercase_linkage, DIFFERENCING),
    C(bat_region_small, DYNAMIC, VHDX_READER_BAD_BAT, "holds fewer than the 204849 entries"),
    C(bat_reserved_bits, DYNAMIC, VHDX_READER_BAD_BAT, "payload block 0 (BAT entry 0) has reserved bits"),
    C(bat_state_4, DYNAMIC, VHDX_READER_BAD_BAT, "payload block 2 (BAT entry 2) has the reserved state 4"),
    C(bat_state_5, DYNAMIC, VHDX_READER_BAD_BAT, "reserved state 5"),
    C(bat_partial_dynamic, DYNAMIC, VHDX_READER_BAD_BAT, "PARTIALLY_PRESENT (7) in a disk without a parent"),
    C(bat_past_end, DYNAMIC, VHDX_READER_BAD_BAT, "payload block 1 (BAT entry 1) (FULLY_PRESENT) at offset 6291456 runs past the end"),
    C(bat_far, DYNAMIC, VHDX_READER_BAD_BAT, "runs past the end of the file"),
    C(bat_offset_0, DYNAMIC, VHDX_READER_BAD_BAT, "at offset 0 overlaps the header section"),
    C(bat_on_log, DYNAMIC, VHDX_READER_BAD_BAT, "overlaps the log"),
    C(bat_on_metadata, DYNAMIC, VHDX_READER_BAD_BAT, "overlaps the metadata region"),
    C(bat_on_bat, DYNAMIC, VHDX_READER_BAD_BAT, "overlaps the BAT region"),
    C(bat_shared, DYNAMIC, VHDX_READER_BAD_BAT, "payload block 1 (BAT entry 1) at offset 4194304 overlaps another block"),
    C(bat_on_optional_region, DYNAMIC, VHDX_READER_BAD_BAT, "overlaps an unknown region"),
    OK(bat_zero_with_offset, DYNAMIC),
    C(bat_last_block_cut, DYNAMIC, VHDX_READER_BAD_BAT, "payload block 1 (BAT entry 1) (FULLY_PRESENT) at offset 5242880 runs past"),
    C(diff_sb_state_3, DIFFERENCING, VHDX_READER_BAD_BAT, "sector bitmap entry of chunk 0 (BAT entry 4096) has state 3"),
    C(diff_sb_not_present, DIFFERENCING, VHDX_READER_BAD_BAT, "payload block 2 is PARTIALLY_PRESENT but the sector bitmap block of its chunk 0 is not present"),
    C(diff_sb_past_end, DIFFERENCING, VHDX_READER_BAD_BAT, "sector bitmap entry of chunk 0 (BAT entry 4096) (SB_BLOCK_PRESENT) at offset"),
    C(diff_sb_reserved_bits, DIFFERENCING, VHDX_READER_BAD_BAT, "chunk 0 (BAT entry 4096) has reserved bits"),
    C(diff_sb_on_block, DIFFERENCING, VHDX_READER_BAD_BAT, "overlaps another block"),
    OK(log_replayed, DYNAMIC),
    OK(log_wrapping, DIFFERENCING),
    OK(log_zero, FIXED),
    C(log_wrong_guid, DYNAMIC, VHDX_READER_BAD_LOG, "holds no valid sequence"),
    C(log_truncated, DYNAMIC, VHDX_READER_TRUNCATED, "shorter than the FlushedFileOffset"),
    OK(diff_ok, DIFFERENCING),
    OK(dynamic_ok, DYNAMIC),
    OK(fixed_ok, FIXED),
    OK(fixed_state_zero, FIXED),
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

static const char *corpus_dir;
static unsigned corpus_count;

/* The check's problems for a file that opens, their names joined by spaces. */
struct problem_names {
    char text[512];
};

static void collect_problem(void *ctx, const disk_problem *problem)
{
    struct problem_names *names = ctx;
    size_t used = strlen(names->text);
    snprintf(names->text + used, sizeof names->text - used, "%s ", problem->name);
}

/* What vhdx_check_image names in the files that open (all others: nothing). */
static const struct { const char *name, *problems; } check_expected[] = {
    { "header2_bad", "header-2-damaged " },
    { "header1_bad", "header-1-damaged " },
    { "region1_bad", "region-table-1-damaged " },
    { "log_replayed", "log-not-replayed " },
    { "log_wrapping", "log-not-replayed " },
    { "log_zero", "log-not-replayed " },
    /* A block of a fixed disk set to ZERO without its offset: its MiB, between the others,
     * is referred to by nothing. */
    { "fixed_state_zero", "unreferenced-space " },
};

static const char *expected_problems(const char *name)
{
    for (size_t i = 0; i < sizeof check_expected / sizeof check_expected[0]; i++)
        if (strcmp(check_expected[i].name, name) == 0)
            return check_expected[i].problems;
    return "";
}

/* The fuzzer's sparse form (fuzz_vhdx_reader.c): u32 file size, then records of u32 offset,
 * u16 length and that many bytes, laid over zeros in order. A record for each run of
 * non-zero bytes (gaps under 16 bytes joined); of a data block only its first 512 bytes. */
static void write_seed(const struct vhdx_built *m, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t field[6];
    vhdx_put32(field, (uint32_t)m->size);
    fwrite(field, 1, 4, f);
    size_t at = 0;
    while (at < m->size) {
        if (m->data[at] == 0) {
            at++;
            continue;
        }
        size_t end = at, zeros = 0;
        while (end < m->size && zeros < 16 && end - at < 65535) {
            zeros = m->data[end] == 0 ? zeros + 1 : 0;
            end++;
        }
        end -= zeros;
        size_t len = end - at;
        if (at >= m->first_block_at && len > 512)
            len = 512;
        vhdx_put32(field, (uint32_t)at);
        vhdx_put16(field + 4, (uint16_t)len);
        fwrite(field, 1, 6, f);
        fwrite(m->data + at, 1, len, f);
        /* the rest of a data block is skipped */
        if (at >= m->first_block_at)
            at = m->first_block_at + ((at - m->first_block_at) / MiB + 1) * MiB;
        else
            at = end;
    }
    assert_int_equal(fclose(f), 0);
    corpus_count++;
}

static void test_malformed_table(void **state)
{
    (void)state;
    unsigned refused = 0, wrong = 0;
    size_t worst = 0, worst_bound = 0;
    const char *worst_case = "";
    for (size_t i = 0; i < CASE_COUNT; i++) {
        const struct malformed_case *c = &cases[i];
        struct vhdx_built m;
        struct opened o;
        build_base(c->base, &m);
        c->mutate(&m);
        if (corpus_dir != NULL)
            write_seed(&m, c->name);
        vhdx_heap_start();
        opened_open(&o, m.data, m.size);
        if (o.code != c->code || strstr(o.error.reason, c->words) == NULL) {
            print_error("%s: got %s (%s), expected %s with \"%s\"\n", c->name,
                        vhdx_reader_code_name(o.code), o.error.reason,
                        vhdx_reader_code_name(c->code), c->words);
            wrong++;
        }
        if (o.code == VHDX_READER_OK) {
            /* A file that opens reads to its last sector. */
            const vhdx_image_info *info = vhdx_image_get_info(o.image);
            uint8_t sector[4096];
            vhdx_reader_error error;
            uint64_t last = info->virtual_size / info->logical_sector_size - 1;
            assert_int_equal(vhdx_image_read_sectors(o.image, 0, 1, sector, &error), VHDX_READER_OK);
            assert_int_equal(vhdx_image_read_sectors(o.image, last, 1, sector, &error), VHDX_READER_OK);
            /* The check of a file the reader accepts: exactly the problems expected. */
            struct problem_names names = { "" };
            vhd_reader_error check_error;
            assert_int_equal(vhdx_check_image(o.image, collect_problem, &names, &check_error),
                             VHD_READER_OK);
            if (strcmp(names.text, expected_problems(c->name)) != 0) {
                print_error("%s: the check named \"%s\", expected \"%s\"\n", c->name,
                            names.text, expected_problems(c->name));
                wrong++;
            }
        } else {
            assert_true(vhdx_reader_code_is_invalid_file(o.code));
            assert_int_equal(o.error.code, o.code);
            refused++;
        }
        opened_close(&o);
        assert_int_equal(vhdx_heap_live, 0);
        size_t bound = VHDX_READER_IMAGE_HEAP_MAX(m.size, m.log_length);
        if (vhdx_heap_peak > bound)
            fail_msg("%s: the reader's heap peaked at %zu bytes, over the bound %zu", c->name,
                     vhdx_heap_peak, bound);
        if (vhdx_heap_peak > worst) {
            worst = vhdx_heap_peak;
            worst_bound = bound;
            worst_case = c->name;
        }
        vhdx_builder_free(&m);
    }
    print_message("# %zu cases, %u malformed files refused; worst heap peak %zu bytes (%s, "
                  "bound %zu)\n", CASE_COUNT, refused, worst, worst_case, worst_bound);
    assert_int_equal(wrong, 0);
    assert_true(refused >= 60);
}

/* Header 2 damaged: header 1 is used; twins: header 1, identical. */
static void test_header_choice(void **state)
{
    (void)state;
    static const struct { void (*mutate)(struct vhdx_built *); unsigned current; bool twins; } rows[] = {
        { dynamic_ok, 2, false }, { header2_bad, 1, false }, { header1_bad, 2, false },
        { header_first_newer, 1, false }, { header_equal_twins, 1, true },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct vhdx_built m;
        struct opened o;
        build_base(DYNAMIC, &m);
        rows[i].mutate(&m);
        opened_open(&o, m.data, m.size);
        assert_int_equal(o.code, VHDX_READER_OK);
        assert_int_equal(vhdx_image_get_info(o.image)->current_header, rows[i].current);
        assert_int_equal(vhdx_image_get_info(o.image)->headers_identical, rows[i].twins);
        opened_close(&o);
        vhdx_builder_free(&m);
    }
    struct vhdx_built m;
    struct opened o;
    build_base(DYNAMIC, &m);
    region1_bad(&m);
    opened_open(&o, m.data, m.size);
    assert_int_equal(o.code, VHDX_READER_OK);
    assert_int_equal(vhdx_image_get_info(o.image)->region_table, 2);
    opened_close(&o);
    vhdx_builder_free(&m);
}

/* Every truncation at a region boundary (and one byte either side) and every 64 KiB: refused,
 * none crashes. */
static void test_truncations(void **state)
{
    (void)state;
    struct vhdx_built m;
    build_base(DIFFERENCING, &m);
    const size_t boundaries[] = {
        8, 520, VHDX_HEADER1_OFFSET, VHDX_HEADER1_OFFSET + 4096, VHDX_HEADER2_OFFSET,
        VHDX_HEADER2_OFFSET + 4096, VHDX_REGION_TABLE1_OFFSET, VHDX_REGION_TABLE2_OFFSET,
        VHDX_REGION_TABLE2_OFFSET + 65536, m.log_at, m.log_at + m.log_length, m.metadata_at,
        m.metadata_at + 65536, m.item_at[5], m.metadata_at + MiB, m.bat_at, m.bat_at + 4096,
        m.bitmap_at, m.bitmap_at + MiB, m.first_block_at, m.first_block_at + MiB,
        m.size - MiB, m.size,
    };
    unsigned count = 0;
    for (size_t i = 0; i < sizeof boundaries / sizeof boundaries[0]; i++) {
        for (int delta = -1; delta <= 1; delta++) {
            size_t size = boundaries[i] + (size_t)delta;
            if (size >= m.size)
                continue;
            struct opened o;
            vhdx_heap_start();
            opened_open(&o, m.data, size);
            if (o.code == VHDX_READER_OK || !vhdx_reader_code_is_invalid_file(o.code))
                fail_msg("cut to %zu bytes: got %s (%s)", size, vhdx_reader_code_name(o.code),
                         o.error.reason);
            opened_close(&o);
            assert_int_equal(vhdx_heap_live, 0);
            count++;
        }
    }
    for (size_t size = 0; size < m.size; size += 65536) {
        struct opened o;
        opened_open(&o, m.data, size);
        assert_int_not_equal(o.code, VHDX_READER_OK);
        assert_true(vhdx_reader_code_is_invalid_file(o.code));
        opened_close(&o);
        count++;
    }
    print_message("# %u truncations refused\n", count);
    vhdx_builder_free(&m);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        corpus_dir = argv[2];
    else if (argc != 1) {
        fprintf(stderr, "usage: test_vhdx_malformed [--write-corpus DIR]\n");
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_table),
        cmocka_unit_test(test_header_choice),
        cmocka_unit_test(test_truncations),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (corpus_dir != NULL)
        fprintf(stderr, "%u seeds written to %s\n", corpus_count, corpus_dir);
    return failed;
}
