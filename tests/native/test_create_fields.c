/* Disks created through the POSIX back end, read back from the file system and checked
 * field by field against the specification, with the test's own readers and checksum. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec_chs.h"
#include "test_util.h"
#include "vhd_create.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

/* Checks one 512-byte footer against the specification. */
static void check_footer(const uint8_t *f, uint64_t size, const vhd_create_options *options)
{
    assert_memory_equal(f + 0, "conectix", 8);
    assert_int_equal(test_be32(f + 8), 0x00000002);           /* features: reserved bit */
    assert_int_equal(test_be32(f + 12), 0x00010000);          /* file format version 1.0 */
    assert_true(test_be64(f + 16) == 512);                     /* data offset: the header */
    assert_int_equal(test_be32(f + 24), options->timestamp);
    assert_memory_equal(f + 28, "win ", 4);
    assert_int_equal(test_be32(f + 32), test_vsdisk_creator_version());
    assert_memory_equal(f + 36, "Wi2k", 4);
    assert_true(test_be64(f + 40) == size);                    /* original size */
    assert_true(test_be64(f + 48) == size);                    /* current size */
    spec_chs chs = spec_chs_from_total_sectors(size / 512);
    assert_int_equal(test_be16(f + 56), chs.cylinders);
    assert_int_equal(f[58], chs.heads);
    assert_int_equal(f[59], chs.sectors_per_track);
    assert_true((uint64_t)test_be16(f + 56) * f[58] * f[59] <= size / 512);
    assert_int_equal(test_be32(f + 60), 3);                    /* dynamic */
    assert_int_equal(test_be32(f + 64), test_spec_checksum(f, 512, 64));
    assert_memory_equal(f + 68, options->unique_id, 16);
    assert_int_equal(f[84], 0);                                 /* saved state */
    for (size_t i = 85; i < 512; i++)
        assert_int_equal(f[i], 0);
}

static void check_header(const uint8_t *h, uint32_t entries)
{
    assert_memory_equal(h + 0, "cxsparse", 8);
    assert_true(test_be64(h + 8) == UINT64_MAX);                /* data offset: unused */
    assert_true(test_be64(h + 16) == 1536);                     /* table offset */
    assert_int_equal(test_be32(h + 24), 0x00010000);           /* header version */
    assert_int_equal(test_be32(h + 28), entries);
    assert_int_equal(test_be32(h + 32), 2 * 1024 * 1024);      /* block size */
    assert_int_equal(test_be32(h + 36), test_spec_checksum(h, 1024, 36));
    /* Parent id, time stamp, reserved, name, locators, reserved: all zero for a dynamic disk. */
    for (size_t i = 40; i < 1024; i++)
        assert_int_equal(h[i], 0);
}

static void check_disk(const uint8_t *d, size_t len, uint64_t size,
                       const vhd_create_options *options)
{
    uint32_t entries = (uint32_t)((size + 2 * MiB - 1) / (2 * MiB));
    /* Windows layout: BAT at 1536 padded with 0xFF to 4 KiB; the first block's data starts
     * 4 KiB aligned after room for its 512-byte bitmap, where the footer sits meanwhile. */
    uint64_t bat_end = 1536 + (uint64_t)entries * 4;
    uint64_t padding_end = round_up(bat_end, 4096);
    uint64_t file_size = round_up(padding_end + 512, 4096);

    assert_true(len == file_size);
    check_footer(d + len - 512, size, options);
    assert_memory_equal(d, d + len - 512, 512);
    check_header(d + 512, entries);
    for (uint64_t i = 0; i < entries; i++)
        assert_int_equal(test_be32(d + 1536 + 4 * i), 0xFFFFFFFFu);
    for (uint64_t i = bat_end; i < padding_end; i++)
        assert_int_equal(d[i], 0xFF);
    for (uint64_t i = padding_end; i < len - 512; i++)
        assert_int_equal(d[i], 0x00);
}

static void create_and_check(const char *dir, uint64_t size, uint64_t *rng)
{
    char *path = test_path_join(dir, "disk.vhd");
    vhd_create_options options = { .size_bytes = size };
    options.timestamp = (uint32_t)test_random_next(rng);
    for (int i = 0; i < 16; i++)
        options.unique_id[i] = (uint8_t)test_random_next(rng);

    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_status status = vhd_create_dynamic(&file.io, &options);
    if (status != VHD_OK)
        fail_msg("size %" PRIu64 ": %s", size, vhd_status_message(status));

    size_t len;
    uint8_t *data = test_read_file(path, &len);
    assert_non_null(data);
    check_disk(data, len, size, &options);
    free(data);
    assert_int_equal(unlink(path), 0);
    free(path);
}

static void test_named_size(void **state)
{
    uint64_t size = *(const uint64_t *)*state;
    uint64_t rng = size;
    char *dir = test_make_temp_dir();
    create_and_check(dir, size, &rng);
    test_remove_temp_dir(dir);
}

/* A spread of sizes across the whole range: uniform in the logarithm, so small disks are
 * as common as large ones, and a multiple of 512 that is often not one of 2 MiB. */
static void test_random_sizes(void **state)
{
    (void)state;
    uint64_t rng = test_random_seed();
    char *dir = test_make_temp_dir();
    for (int i = 0; i < 40; i++) {
        uint64_t sectors_min = 3 * MiB / 512, sectors_max = 2040 * GiB / 512;
        int bits = 13 + (int)(test_random_next(&rng) % 20);   /* 2^13 .. 2^32 sectors */
        uint64_t sectors = test_random_next(&rng) & ((UINT64_C(1) << bits) - 1);
        if (sectors < sectors_min)
            sectors = sectors_min + sectors % 64;
        if (sectors > sectors_max)
            sectors = sectors_max - sectors % 64;
        print_message("# size %" PRIu64 " bytes\n", sectors * 512);
        create_and_check(dir, sectors * 512, &rng);
    }
    test_remove_temp_dir(dir);
}

static const uint64_t size_3m = 3 * MiB, size_3m_512 = 3 * MiB + 512, size_40m = 40 * MiB,
    size_100m = 100 * MiB, size_1g = GiB, size_127g = 127 * GiB, size_2040g = 2040 * GiB,
    size_2040g_less = 2040 * GiB - 512, size_1664_blocks = 1664 * 2 * MiB;

/* One test per size, named after it. */
#define SIZE_TEST(name, size) { name, test_named_size, NULL, NULL, (void *)&(size) }

int main(void)
{
    const struct CMUnitTest tests[] = {
        SIZE_TEST("size_3MiB", size_3m),
        SIZE_TEST("size_3MiB_plus_512", size_3m_512),
        SIZE_TEST("size_40MiB", size_40m),
        SIZE_TEST("size_100MiB", size_100m),
        SIZE_TEST("size_1GiB", size_1g),
        SIZE_TEST("size_127GiB", size_127g),
        SIZE_TEST("size_2040GiB", size_2040g),
        SIZE_TEST("size_2040GiB_minus_512", size_2040g_less),
        SIZE_TEST("size_1664_blocks_BAT_ends_on_4KiB", size_1664_blocks),
        cmocka_unit_test(test_random_sizes),
    };
    return cmocka_run_group_tests_name("create_fields", tests, NULL, NULL);
}
