/* Size rules, file sizes, timestamps and unique ids: the parts of the creation API that
 * touch no file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "test_util.h"
#include "vhd_create.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

static void test_validate_size(void **state)
{
    (void)state;
    /* Valid: a multiple of 512 from 3 MiB to 2040 GiB (0xFF000000 sectors), both included. */
    assert_int_equal(vhd_validate_size(3 * MiB), VHD_OK);
    assert_int_equal(vhd_validate_size(3 * MiB + 512), VHD_OK);
    assert_int_equal(vhd_validate_size(2040 * GiB), VHD_OK);
    assert_int_equal(vhd_validate_size(UINT64_C(0xFF000000) * 512), VHD_OK);
    assert_int_equal(vhd_validate_size(2040 * GiB - 512), VHD_OK);

    const uint64_t invalid[] = {
        0, 1, 512, 3 * MiB - 512, 3 * MiB + 1, 3 * MiB + 511, 40 * MiB + 100,
        2040 * GiB + 512, 2040 * GiB + 1, 2048 * GiB, UINT64_MAX, UINT64_MAX - 511,
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        assert_int_equal(vhd_validate_size(invalid[i]), VHD_E_INVALID_SIZE);
        assert_true(vhd_dynamic_file_size(invalid[i]) == 0);
        assert_true(vhd_dynamic_expanded_file_size(invalid[i]) == 0);
    }
}

static void test_file_sizes(void **state)
{
    (void)state;
    /* Windows 8 / 8.1 samples: empty 40 MiB and 1 GiB dynamic disks are 8,192-byte files. */
    assert_true(vhd_dynamic_file_size(40 * MiB) == 8192);
    assert_true(vhd_dynamic_file_size(1 * GiB) == 8192);
    assert_true(vhd_dynamic_file_size(3 * MiB) == 8192);
    /* reference/vhd-format.md section 5, Windows-style layout. */
    assert_true(vhd_dynamic_file_size(127 * GiB) == 266240);
    assert_true(vhd_dynamic_file_size(2040 * GiB) == 4186112);
    /* The BAT (1536 + 4 x entries) crosses 4 KiB at 641 entries: padding to 8 KiB, plus the
     * footer's 512 bytes, puts the first data at 12 KiB. */
    assert_true(vhd_dynamic_file_size(640 * 2 * MiB) == 8192);
    assert_true(vhd_dynamic_file_size(640 * 2 * MiB + 512) == 12288);
    /* 1536 + 4 x 1664 = 8192 exactly: no 0xFF padding, then 512 of footer -> 12 KiB. */
    assert_true(vhd_dynamic_file_size(1664 * 2 * MiB) == 12288);
}

static void test_expanded_file_sizes(void **state)
{
    (void)state;
    const uint64_t sizes[] = { 3 * MiB, 40 * MiB, 3 * MiB + 512, 1 * GiB, 127 * GiB, 2040 * GiB };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t blocks = (sizes[i] + 2 * MiB - 1) / (2 * MiB);
        /* Each block: a 512-byte sector bitmap, then 2 MiB of data. */
        assert_true(vhd_dynamic_expanded_file_size(sizes[i]) ==
                    vhd_dynamic_file_size(sizes[i]) + blocks * (512 + 2 * MiB));
    }
    /* 2040 GiB fully allocated: reference section 2.4 gives 2,190,972,274,688 bytes for the
     * 4,179,968-byte qemu layout; the Windows layout's metadata is 6,144 bytes larger. */
    assert_true(vhd_dynamic_expanded_file_size(2040 * GiB) == UINT64_C(2190972274688) + 6144);
    /* The last block's bitmap sector still fits a 32-bit BAT entry. */
    uint64_t last_bitmap = vhd_dynamic_expanded_file_size(2040 * GiB) - 512 - 2 * MiB - 512;
    assert_true(last_bitmap / 512 < UINT64_C(0xFFFFFFFF));
    /* What the COM layer compares against FAT limits: 4 GiB - 1 (FAT32). */
    assert_true(vhd_dynamic_expanded_file_size(4 * GiB) > 4 * GiB - 1);
    assert_true(vhd_dynamic_expanded_file_size(4 * GiB - 2 * MiB) < 4 * GiB - 1);
}

static void test_timestamp(void **state)
{
    (void)state;
    /* 2000-01-01 00:00:00 UTC is Unix time 946,684,800. */
    assert_int_equal(vhd_timestamp_from_unix(946684800), 0);
    assert_int_equal(vhd_timestamp_from_unix(946684801), 1);
    assert_int_equal(vhd_timestamp_from_unix(946684799), 0);
    assert_int_equal(vhd_timestamp_from_unix(0), 0);
    assert_int_equal(vhd_timestamp_from_unix(INT64_MIN), 0);
    /* The Windows 8.1 sample: 0x1C6C241B = 2015-02-10 02:06:19 UTC = Unix 1,423,533,979. */
    assert_int_equal(vhd_timestamp_from_unix(1423533979), 0x1C6C241Bu);
    assert_int_equal(vhd_timestamp_from_unix(946684800 + INT64_C(0xFFFFFFFF)), 0xFFFFFFFFu);
    assert_int_equal(vhd_timestamp_from_unix(946684800 + INT64_C(0x100000000)), 0xFFFFFFFFu);
    assert_int_equal(vhd_timestamp_from_unix(INT64_MAX), 0xFFFFFFFFu);
}

/* Version 4, variant 10xx, in Microsoft GUID byte layout: Data3 is little-endian, so the
 * version nibble is the high nibble of byte 7 (the Windows 8.1 sample's id has 0x45 there). */
static void test_unique_id(void **state)
{
    (void)state;
    uint64_t rng = test_random_seed();
    for (int i = 0; i < 1000; i++) {
        uint8_t random[16], id[16];
        for (int j = 0; j < 16; j++)
            random[j] = i == 0 ? 0x00 : i == 1 ? 0xFF : (uint8_t)test_random_next(&rng);
        vhd_unique_id_from_random(id, random);
        assert_int_equal(id[7] >> 4, 4);
        assert_int_equal(id[7] & 0x0F, random[7] & 0x0F);
        assert_int_equal(id[8] >> 6, 2);
        assert_int_equal(id[8] & 0x3F, random[8] & 0x3F);
        assert_memory_equal(id, random, 7);
        assert_memory_equal(id + 9, random + 9, 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_size),
        cmocka_unit_test(test_file_sizes),
        cmocka_unit_test(test_expanded_file_sizes),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_unique_id),
    };
    return cmocka_run_group_tests_name("sizes", tests, NULL, NULL);
}
