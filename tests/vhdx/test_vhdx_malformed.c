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
#include "vhdx_malformed_cases.h"
#include "vhdx_test_util.h"


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
    /* A ZERO entry that keeps a file offset: read as zeros, but Hyper-V refuses the disk. */
    { "bat_zero_with_offset", "zero-block-with-offset " },
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
    for (size_t i = 0; i < vhdx_malformed_case_count; i++) {
        const struct vhdx_malformed_case *c = &vhdx_malformed_cases[i];
        struct vhdx_built m;
        struct opened o;
        vhdx_malformed_build(c, &m);
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
                  "bound %zu)\n", vhdx_malformed_case_count, refused, worst, worst_case, worst_bound);
    assert_int_equal(wrong, 0);
    assert_true(refused >= 60);
}

/* Header 2 damaged: header 1 is used; twins: header 1, identical. */
static void test_header_choice(void **state)
{
    (void)state;
    static const struct { const char *name; unsigned current; bool twins; } rows[] = {
        { "dynamic_ok", 2, false }, { "header2_bad", 1, false }, { "header1_bad", 2, false },
        { "header_first_newer", 1, false }, { "header_equal_twins", 1, true },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct vhdx_built m;
        struct opened o;
        vhdx_malformed_build(vhdx_malformed_case_named(rows[i].name), &m);
        opened_open(&o, m.data, m.size);
        assert_int_equal(o.code, VHDX_READER_OK);
        assert_int_equal(vhdx_image_get_info(o.image)->current_header, rows[i].current);
        assert_int_equal(vhdx_image_get_info(o.image)->headers_identical, rows[i].twins);
        opened_close(&o);
        vhdx_builder_free(&m);
    }
    struct vhdx_built m;
    struct opened o;
    vhdx_malformed_build(vhdx_malformed_case_named("region1_bad"), &m);
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
    vhdx_malformed_build_base(VHDX_MALFORMED_DIFFERENCING, &m);
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
