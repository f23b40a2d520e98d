/* Real images made by other writers (tests/samples): our 1 GiB disk against the one
 * Windows 8.1 made, and our decoder on every sample. The folder is the first argument. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "vhd_create.h"
#include "vhd_format.h"
#include "vhd_geometry.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

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

/* Footer fields that legitimately differ between two writers or two runs. */
static bool footer_byte_may_differ(size_t i)
{
    return (i >= 24 && i < 28)      /* timestamp */
        || (i >= 28 && i < 36)      /* creator application and version */
        || (i >= 64 && i < 68)      /* checksum */
        || (i >= 68 && i < 84);     /* unique id */
}

static void test_same_layout_as_windows_8_1(void **state)
{
    (void)state;
    size_t sample_len, ours_len;
    uint8_t *sample = read_sample("win8.1-1GB.vhd", &sample_len);
    /* Make sure this is the sample the test is about: Windows 8.1 ("win " 6.3), 1 GiB. */
    assert_memory_equal(sample + 28, "win ", 4);
    assert_int_equal(test_be32(sample + 32), 0x00060003);
    assert_true(test_be64(sample + 48) == GiB);

    char *dir = test_make_temp_dir();
    char *path = test_path_join(dir, "ours.vhd");
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_create_options options = { .size_bytes = GiB, .timestamp = 12345 };
    assert_int_equal(vhd_create_dynamic(&file.io, &options), VHD_OK);
    uint8_t *ours = test_read_file(path, &ours_len);
    assert_non_null(ours);

    assert_int_equal(ours_len, sample_len);
    size_t footer_at = sample_len - 512, differing = 0;
    for (size_t i = 0; i < sample_len; i++) {
        bool may_differ = (i < 512 && footer_byte_may_differ(i))
            || (i >= footer_at && footer_byte_may_differ(i - footer_at))
            || (i >= 512 + 36 && i < 512 + 40);   /* dynamic header checksum */
        if (may_differ) {
            differing += ours[i] != sample[i];
            continue;
        }
        if (ours[i] != sample[i])
            fail_msg("byte %zu: ours 0x%02x, Windows 8.1 0x%02x", i, ours[i], sample[i]);
    }
    assert_true(differing > 0);   /* the exempt fields were really compared somewhere */

    /* The decoded view agrees too: geometry, table offset, entries. */
    vhd_footer f;
    vhd_dynamic_header h;
    assert_int_equal(vhd_dynamic_image_check(sample, sample_len, &f, &h), VHD_FORMAT_OK);
    assert_int_equal(f.disk_geometry.cylinders, 2080);
    assert_int_equal(f.disk_geometry.heads, 16);
    assert_int_equal(f.disk_geometry.sectors_per_track, 63);
    assert_true(h.table_offset == 1536);

    free(ours);
    free(sample);
    free(path);
    test_remove_temp_dir(dir);
}

/* What each sample holds, read from its bytes with a hex dump (reference/vhd-format.md). */
struct sample_facts {
    const char *name;
    size_t file_size;
    char creator_application[5];
    uint32_t creator_version;
    uint32_t creator_host_os;
    uint64_t current_size;
    unsigned cylinders, heads, sectors_per_track;
    uint32_t disk_type;
    uint64_t table_offset;
    uint32_t max_table_entries;
};

static const struct sample_facts samples[] = {
    { "win8.1-1GB.vhd", 8192, "win ", 0x00060003, 0x5769326B, GiB, 2080, 16, 63, 3, 1536, 512 },
    { "win8.vhd", 8192, "win ", 0x00060003, 0x5769326B, 40 * MiB, 963, 5, 17, 3, 1536, 20 },
    /* qemu rounds 40 MiB up to a CHS product: 964 x 5 x 17 sectors. */
    { "qemu.vhd", 2560, "qemu", 0x00050003, 0x5769326B, 964 * 5 * 17 * 512, 964, 5, 17, 3, 1536, 21 },
    { "vbox.vhd", 2560, "vbox", 0x00040003, 0x5769326B, 40 * MiB, 963, 5, 17, 3, 1536, 20 },
    { "xapi.vhd", 3584, "tap\0", 0x00010003, 0, 40 * MiB, 963, 5, 17, 3, 1536, 20 },
    { "win8-child.vhd", 81920, "win ", 0x000A0000, 0x5769326B, 40 * MiB, 963, 5, 17, 4, 8192, 20 },
    { "win10-fat-differencing.vhd", 2183168, "win ", 0x000A0000, 0x5769326B, 4 * MiB,
      120, 4, 17, 4, 8192, 2 },
};

static void test_decode_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const struct sample_facts *s = &samples[i];
        size_t len;
        uint8_t *data = read_sample(s->name, &len);
        vhd_footer f, copy;
        vhd_dynamic_header h;
        print_message("# %s\n", s->name);

        assert_int_equal(len, s->file_size);
        assert_int_equal(vhd_dynamic_image_check(data, len, &f, &h), VHD_FORMAT_OK);
        assert_int_equal(vhd_footer_decode(&copy, data, len), VHD_FORMAT_OK);
        assert_memory_equal(&copy, &f, sizeof f);

        assert_int_equal(f.features, 2);
        assert_int_equal(f.file_format_version, 0x00010000);
        assert_true(f.data_offset == 512);
        assert_memory_equal(f.creator_application, s->creator_application, 4);
        assert_int_equal(f.creator_version, s->creator_version);
        assert_int_equal(f.creator_host_os, s->creator_host_os);
        assert_true(f.original_size == s->current_size);
        assert_true(f.current_size == s->current_size);
        assert_int_equal(f.disk_geometry.cylinders, s->cylinders);
        assert_int_equal(f.disk_geometry.heads, s->heads);
        assert_int_equal(f.disk_geometry.sectors_per_track, s->sectors_per_track);
        assert_int_equal(f.disk_type, s->disk_type);
        assert_int_equal(f.saved_state, 0);

        /* Every writer here used the specification's CHS for its size, as we do. */
        vhd_disk_geometry g = vhd_geometry_from_size(f.current_size);
        assert_int_equal(g.cylinders, s->cylinders);
        assert_int_equal(g.heads, s->heads);
        assert_int_equal(g.sectors_per_track, s->sectors_per_track);

        assert_true(h.data_offset == UINT64_MAX);
        assert_true(h.table_offset == s->table_offset);
        assert_int_equal(h.header_version, 0x00010000);
        assert_int_equal(h.max_table_entries, s->max_table_entries);
        assert_int_equal(h.block_size, 2 * 1024 * 1024);
        free(data);
    }
}

/* The Windows 8 child names its parent: unique id, UTF-16BE path, W2ku/W2ru locators. */
static void test_decode_differencing_sample(void **state)
{
    (void)state;
    size_t parent_len, child_len;
    uint8_t *parent = read_sample("win8.vhd", &parent_len);
    uint8_t *child = read_sample("win8-child.vhd", &child_len);
    vhd_footer pf, cf;
    vhd_dynamic_header ch;
    assert_int_equal(vhd_dynamic_image_check(parent, parent_len, &pf, NULL), VHD_FORMAT_OK);
    assert_int_equal(vhd_dynamic_image_check(child, child_len, &cf, &ch), VHD_FORMAT_OK);

    assert_memory_equal(ch.parent_unique_id, pf.unique_id, 16);
    const char *name = "C:\\Users\\sergi\\Downloads\\win8.vhd";
    for (size_t i = 0; name[i] != '\0'; i++) {
        assert_int_equal(ch.parent_unicode_name[2 * i], 0);
        assert_int_equal(ch.parent_unicode_name[2 * i + 1], (uint8_t)name[i]);
    }
    assert_int_equal(ch.parent_locator[0].platform_code, 0x57326B75);   /* "W2ku" */
    assert_int_equal(ch.parent_locator[0].platform_data_space, 4096);
    assert_int_equal(ch.parent_locator[0].platform_data_length, 0x42);
    assert_true(ch.parent_locator[0].platform_data_offset == 4096);
    assert_int_equal(ch.parent_locator[1].platform_code, 0x57327275);   /* "W2ru" */
    assert_int_equal(ch.parent_locator[1].platform_data_space, 65536);
    assert_int_equal(ch.parent_locator[1].platform_data_length, 0x14);
    assert_true(ch.parent_locator[1].platform_data_offset == 0x3000);
    for (unsigned i = 2; i < VHD_PARENT_LOCATOR_COUNT; i++)
        assert_int_equal(ch.parent_locator[i].platform_code, 0);
    free(parent);
    free(child);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        print_error("usage: %s SAMPLES_DIR\n", argv[0]);
        return 2;
    }
    samples_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_layout_as_windows_8_1),
        cmocka_unit_test(test_decode_samples),
        cmocka_unit_test(test_decode_differencing_sample),
    };
    return cmocka_run_group_tests_name("samples", tests, NULL, NULL);
}
