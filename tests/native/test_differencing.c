/* Differencing disks against the two Windows-made children in tests/samples, byte by byte
 * where Windows and vsdisk must agree, and children of every sample checked field by field
 * with the test's own readers. The folder of samples is the first argument. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_io.h"
#include "test_util.h"
#include "vhd_create_differencing.h"
#include "vhd_format.h"

#define MiB (UINT64_C(1024) * 1024)

static const char *samples_dir;

static uint8_t *read_sample(const char *name, size_t *len)
{
    char *path = test_path_join(samples_dir, name);
    uint8_t *data = test_read_file(path, len);
    if (data == NULL)
        fail_msg("cannot read sample %s", path);
    free(path);
    return data;
}

/* ASCII to UTF-16 code units (the test's paths are ASCII). */
static size_t units_of(const char *text, uint16_t *out)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)text[i];
    return n;
}

/* The parent facts Windows recorded in a sample child, from its header and footer. */
struct facts_buffers {
    uint16_t absolute[VHD_PARENT_NAME_MAX_UNITS], relative[VHD_PARENT_RELATIVE_MAX_UNITS];
};

static vhd_parent_facts facts_of_parent_footer(const uint8_t *footer, struct facts_buffers *b,
                                               const char *absolute, const char *relative)
{
    vhd_parent_facts facts;
    memset(&facts, 0, sizeof facts);
    facts.size_bytes = test_be64(footer + 48);
    facts.geometry.cylinders = test_be16(footer + 56);
    facts.geometry.heads = footer[58];
    facts.geometry.sectors_per_track = footer[59];
    memcpy(facts.unique_id, footer + 68, 16);
    facts.absolute_path = b->absolute;
    facts.absolute_length = units_of(absolute, b->absolute);
    facts.relative_path = b->relative;
    facts.relative_length = relative ? units_of(relative, b->relative) : 0;
    return facts;
}

/* Writes a child into memory with the given options. */
static uint8_t *make_child(const vhd_create_options *options, const vhd_parent_facts *facts,
                           size_t *len)
{
    struct memory_io mem;
    memory_io_init(&mem);
    assert_int_equal(vhd_create_differencing(&mem.io, options, facts), VHD_OK);
    *len = mem.size;
    return mem.data;
}

/* Bytes where vsdisk and Windows may differ: the creator application and version and the
 * two checksums (of the footer and its copy, and of the header). */
static bool may_differ(size_t i, size_t footer_offset)
{
    for (int copy = 0; copy < 2; copy++) {
        size_t base = copy == 0 ? 0 : footer_offset;
        if ((i >= base + 28 && i < base + 36) || (i >= base + 64 && i < base + 68))
            return true;
    }
    return i >= 512 + 36 && i < 512 + 40;
}

static void compare_with_windows(const uint8_t *ours, const uint8_t *windows, size_t from,
                                 size_t to, size_t footer_offset, size_t skip_from, size_t skip_to)
{
    for (size_t i = from; i < to; i++) {
        if (may_differ(i, footer_offset) || (i >= skip_from && i < skip_to))
            continue;
        if (ours[i] != windows[i])
            fail_msg("byte %zu: vsdisk 0x%02x, Windows 0x%02x", i, ours[i], windows[i]);
    }
}

/* win8-child.vhd, made by Windows 10 from win8.vhd: given the same ids, times and names,
 * vsdisk writes the same file but for the creator and the checksums. */
static void test_same_file_as_windows_child(void **state)
{
    (void)state;
    size_t child_len, parent_len, ours_len;
    uint8_t *child = read_sample("win8-child.vhd", &child_len);
    uint8_t *parent = read_sample("win8.vhd", &parent_len);
    assert_memory_equal(child + 28, "win ", 4);
    assert_int_equal(test_be32(child + 60), 4);

    struct facts_buffers b;
    vhd_parent_facts facts = facts_of_parent_footer(parent + parent_len - 512, &b,
        "C:\\Users\\sergi\\Downloads\\win8.vhd", ".\\win8.vhd");
    facts.timestamp = test_be32(child + 512 + 56);          /* Windows wrote 0 */
    vhd_create_options options = { .timestamp = test_be32(child + 24) };
    memcpy(options.unique_id, child + 68, 16);

    uint8_t *ours = make_child(&options, &facts, &ours_len);
    assert_int_equal(ours_len, child_len);
    compare_with_windows(ours, child, 0, child_len, child_len - 512, 0, 0);
    /* And what may differ is what it should be. */
    assert_memory_equal(ours + 28, "win ", 4);
    assert_int_equal(test_be32(ours + 64), test_spec_checksum(ours, 512, 64));
    assert_int_equal(test_be32(ours + 512 + 36), test_spec_checksum(ours + 512, 1024, 36));
    free(ours);
    free(child);
    free(parent);
}

/* win10-fat-differencing.vhd (parent not in the samples; its facts come from the child):
 * the same metadata, up to the first block Windows allocated for the guest's writes. */
static void test_same_metadata_as_windows_fat_child(void **state)
{
    (void)state;
    size_t child_len, ours_len;
    uint8_t *child = read_sample("win10-fat-differencing.vhd", &child_len);
    assert_int_equal(test_be32(child + 60), 4);

    struct facts_buffers b;
    vhd_parent_facts facts = facts_of_parent_footer(child, &b,
        "C:\\Projects\\dfvfs\\test_data\\fat-parent.vhd", ".\\fat-parent.vhd");
    memcpy(facts.unique_id, child + 512 + 40, 16);
    facts.timestamp = test_be32(child + 512 + 56);
    vhd_create_options options = { .timestamp = test_be32(child + 24) };
    memcpy(options.unique_id, child + 68, 16);

    uint8_t *ours = make_child(&options, &facts, &ours_len);
    assert_int_equal(ours_len, 81920);
    /* Everything before our footer (= Windows' first bitmap), but BAT entry 0. */
    compare_with_windows(ours, child, 0, ours_len - 512, ours_len - 512, 8192, 8196);
    assert_int_equal(test_be32(ours + 8192), 0xFFFFFFFFu);
    assert_int_equal(test_be32(child + 8192), (ours_len - 512) / 512);
    /* Our footer equals Windows' footer at the end of its file. */
    compare_with_windows(ours + ours_len - 512, child + child_len - 512, 0, 512, 0, 0, 0);
    free(ours);
    free(child);
}

/* Field by field, for a child of every sample (dynamic, differencing, by every writer). */
static void check_child(const uint8_t *c, size_t len, const vhd_parent_facts *facts,
                        const vhd_create_options *options)
{
    uint32_t entries = (uint32_t)((facts->size_bytes + 2 * MiB - 1) / (2 * MiB));
    uint64_t padding_end = (8192 + (uint64_t)entries * 4 + 4095) / 4096 * 4096;
    size_t footer = len - 512;
    assert_true(len == padding_end + 65536 + 4096);

    /* Footer, and its copy at 0. */
    assert_memory_equal(c, c + footer, 512);
    const uint8_t *f = c + footer;
    assert_memory_equal(f, "conectix", 8);
    assert_int_equal(test_be32(f + 8), 2);
    assert_int_equal(test_be32(f + 12), 0x00010000);
    assert_true(test_be64(f + 16) == 512);
    assert_int_equal(test_be32(f + 24), options->timestamp);
    assert_memory_equal(f + 28, "win ", 4);
    assert_int_equal(test_be32(f + 32), test_vsdisk_creator_version());
    assert_memory_equal(f + 36, "Wi2k", 4);
    assert_true(test_be64(f + 40) == facts->size_bytes);
    assert_true(test_be64(f + 48) == facts->size_bytes);
    assert_int_equal(test_be16(f + 56), facts->geometry.cylinders);
    assert_int_equal(f[58], facts->geometry.heads);
    assert_int_equal(f[59], facts->geometry.sectors_per_track);
    assert_int_equal(test_be32(f + 60), 4);
    assert_int_equal(test_be32(f + 64), test_spec_checksum(f, 512, 64));
    assert_memory_equal(f + 68, options->unique_id, 16);
    for (size_t i = 84; i < 512; i++)
        assert_int_equal(f[i], 0);

    /* Header. */
    const uint8_t *h = c + 512;
    assert_memory_equal(h, "cxsparse", 8);
    assert_true(test_be64(h + 8) == UINT64_MAX);
    assert_true(test_be64(h + 16) == 8192);
    assert_int_equal(test_be32(h + 24), 0x00010000);
    assert_int_equal(test_be32(h + 28), entries);
    assert_int_equal(test_be32(h + 32), 2 * MiB);
    assert_int_equal(test_be32(h + 36), test_spec_checksum(h, 1024, 36));
    assert_memory_equal(h + 40, facts->unique_id, 16);
    assert_int_equal(test_be32(h + 56), facts->timestamp);
    assert_int_equal(test_be32(h + 60), 0);
    for (size_t i = 0; i < 256; i++) {
        uint16_t unit = i < facts->absolute_length ? facts->absolute_path[i] : 0;
        assert_int_equal(test_be16(h + 64 + 2 * i), unit);
    }
    /* W2ku at 4096 (space 4096), W2ru after the table (space 65536), 6 empty entries. */
    const uint8_t *l = h + 576;
    assert_memory_equal(l, "W2ku", 4);
    assert_int_equal(test_be32(l + 4), 4096);
    assert_int_equal(test_be32(l + 8), facts->absolute_length * 2);
    assert_int_equal(test_be32(l + 12), 0);
    assert_true(test_be64(l + 16) == 4096);
    if (facts->relative_length != 0) {
        assert_memory_equal(l + 24, "W2ru", 4);
        assert_int_equal(test_be32(l + 28), 65536);
        assert_int_equal(test_be32(l + 32), facts->relative_length * 2);
        assert_int_equal(test_be32(l + 36), 0);
        assert_true(test_be64(l + 40) == padding_end);
    }
    for (size_t i = facts->relative_length != 0 ? 48 : 24; i < 1024 - 576; i++)
        assert_int_equal(l[i], 0);

    /* Locator data (UTF-16LE, no terminator), zeros around it; the table. */
    for (size_t i = 1536; i < 4096; i++)
        assert_int_equal(c[i], 0);
    for (size_t i = 0; i < 4096 / 2; i++) {
        uint16_t unit = i < facts->absolute_length ? facts->absolute_path[i] : 0;
        assert_int_equal(c[4096 + 2 * i] | c[4096 + 2 * i + 1] << 8, unit);
    }
    for (size_t i = 8192; i < padding_end; i++)
        assert_int_equal(c[i], 0xFF);
    for (size_t i = 0; i < (65536 + 4096 - 512) / 2; i++) {
        uint16_t unit = i < facts->relative_length ? facts->relative_path[i] : 0;
        assert_int_equal(c[padding_end + 2 * i] | c[padding_end + 2 * i + 1] << 8, unit);
    }
    assert_int_equal(vhd_dynamic_image_check(c, len, NULL, NULL), VHD_FORMAT_OK);
}

static void test_children_of_every_sample(void **state)
{
    (void)state;
    static const char *const samples[] = {
        "qemu.vhd", "vbox.vhd", "xapi.vhd", "win8.vhd", "win8.1-1GB.vhd", "win8-child.vhd",
        "win10-fat-differencing.vhd",
    };
    for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
        size_t parent_len, len;
        uint8_t *parent = read_sample(samples[s], &parent_len);
        struct facts_buffers b;
        char absolute[128], relative[128];
        snprintf(absolute, sizeof absolute, "C:\\VMs\\base\\%s", samples[s]);
        snprintf(relative, sizeof relative, "..\\base\\%s", samples[s]);
        vhd_parent_facts facts = facts_of_parent_footer(parent + parent_len - 512, &b,
                                                        absolute, relative);
        facts.timestamp = 0x2A2B2C2D;
        vhd_create_options options = { .timestamp = 77, .size_bytes = 5 * MiB /* ignored */ };
        for (int i = 0; i < 16; i++)
            options.unique_id[i] = (uint8_t)(s * 16 + i);
        uint8_t *child = make_child(&options, &facts, &len);
        check_child(child, len, &facts, &options);
        assert_memory_equal(child + 512 + 40, parent + parent_len - 512 + 68, 16);
        assert_memory_equal(child + len - 512 + 48, parent + parent_len - 512 + 48, 8);
        free(child);
        free(parent);
    }
}

/* No relative path (another drive): the W2ru entry stays empty, the layout is the same. */
static void check_child(const uint8_t *c, size_t len, const vhd_parent_facts *facts,
                        const vhd_create_options *options);
static void test_without_relative_path(void **state)
{
    (void)state;
    struct facts_buffers b;
    uint8_t footer[512] = { 0 };
    footer[48 + 4] = 0x02;    /* 32 MiB */
    vhd_parent_facts facts = facts_of_parent_footer(footer, &b, "D:\\base.vhd", NULL);
    /* A geometry no size would give: the child copies the parent's, never recomputes it. */
    facts.geometry = (vhd_disk_geometry){ 1234, 7, 11 };
    vhd_create_options options = { .timestamp = 1 };
    size_t len;
    uint8_t *child = make_child(&options, &facts, &len);
    check_child(child, len, &facts, &options);
    assert_int_equal(len, 8192 + 4096 + 65536 + 4096);
    assert_memory_equal(child + 512 + 576, "W2ku", 4);
    for (size_t i = 576 + 24; i < 1024; i++)
        assert_int_equal(child[512 + i], 0);
    assert_int_equal(vhd_dynamic_image_check(child, len, NULL, NULL), VHD_FORMAT_OK);
    free(child);
}

/* Facts a child cannot be made from: nothing is created. */
static void test_refused_parents(void **state)
{
    (void)state;
    struct facts_buffers b;
    uint8_t footer[512] = { 0 };
    footer[48 + 4] = 0x02;
    uint16_t long_path[VHD_PARENT_NAME_MAX_UNITS + 1];
    for (size_t i = 0; i < sizeof long_path / sizeof long_path[0]; i++)
        long_path[i] = 'a';
    struct { const char *what; uint64_t size; size_t absolute, relative; vhd_status want; } cases[] = {
        { "2 MiB parent", 2 * MiB, 6, 0, VHD_E_INVALID_SIZE },
        { "size not sectors", 32 * MiB + 1, 6, 0, VHD_E_INVALID_SIZE },
        { "over 2040 GiB", 2041ull * 1024 * MiB, 6, 0, VHD_E_INVALID_SIZE },
        { "no absolute path", 32 * MiB, 0, 0, VHD_E_INVALID_PATH },
        { "257-unit absolute path", 32 * MiB, VHD_PARENT_NAME_MAX_UNITS + 1, 0, VHD_E_INVALID_PATH },
        { "2049-unit relative path", 32 * MiB, 6, VHD_PARENT_RELATIVE_MAX_UNITS + 1, VHD_E_INVALID_PATH },
        { "256-unit absolute path", 32 * MiB, VHD_PARENT_NAME_MAX_UNITS, 0, VHD_OK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vhd_parent_facts facts = facts_of_parent_footer(footer, &b, "x", NULL);
        uint16_t *relative = calloc(VHD_PARENT_RELATIVE_MAX_UNITS + 1, 2);
        assert_non_null(relative);
        facts.size_bytes = cases[i].size;
        facts.absolute_path = long_path;
        facts.absolute_length = cases[i].absolute;
        facts.relative_path = relative;
        facts.relative_length = cases[i].relative;
        struct memory_io mem;
        memory_io_init(&mem);
        vhd_create_options options = { .timestamp = 1 };
        vhd_status got = vhd_create_differencing(&mem.io, &options, &facts);
        if (got != cases[i].want)
            fail_msg("%s: got '%s'", cases[i].what, vhd_status_message(got));
        assert_int_equal(vhd_validate_parent(&facts), cases[i].want);
        assert_int_equal(mem.exists, cases[i].want == VHD_OK);
        if (got == VHD_OK)
            assert_int_equal(vhd_dynamic_image_check(mem.data, mem.size, NULL, NULL), VHD_FORMAT_OK);
        memory_io_free(&mem);
        free(relative);
    }
    assert_true(vhd_differencing_file_size(40 * MiB) == 81920);
    assert_true(vhd_differencing_file_size(2 * MiB) == 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_differencing SAMPLES_DIR\n");
        return 2;
    }
    samples_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_file_as_windows_child),
        cmocka_unit_test(test_same_metadata_as_windows_fat_child),
        cmocka_unit_test(test_children_of_every_sample),
        cmocka_unit_test(test_without_relative_path),
        cmocka_unit_test(test_refused_parents),
    };
    return cmocka_run_group_tests_name("differencing", tests, NULL, NULL);
}
