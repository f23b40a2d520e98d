/* CHS geometry: the specification's worked values, each branch boundary of its algorithm
 * (expected values worked out by hand from the appendix), and a sweep against the oracle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "spec_chs.h"
#include "vhd_geometry.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

static void expect_chs(uint64_t total_sectors, unsigned cylinders, unsigned heads, unsigned spt)
{
    vhd_disk_geometry g = vhd_geometry_from_sectors(total_sectors);
    if (g.cylinders != cylinders || g.heads != heads || g.sectors_per_track != spt)
        fail_msg("%llu sectors: got %u/%u/%u, expected %u/%u/%u", (unsigned long long)total_sectors,
                 g.cylinders, g.heads, g.sectors_per_track, cylinders, heads, spt);
}

/* Values from reference/vhd-format.md 2.1, confirmed by the Windows 8.1 samples (40 MiB, 1 GiB)
 * and Virtual PC / Hyper-V samples (127 GiB). */
static void test_known_sizes(void **state)
{
    (void)state;
    expect_chs(3 * MiB / 512, 90, 4, 17);
    expect_chs(40 * MiB / 512, 963, 5, 17);
    expect_chs(100 * MiB / 512, 1003, 12, 17);
    expect_chs(1 * GiB / 512, 2080, 16, 63);
    expect_chs(127 * GiB / 512, 65278, 16, 255);
    expect_chs(2040 * GiB / 512, 65535, 16, 255);

    vhd_disk_geometry g = vhd_geometry_from_size(40 * MiB);
    assert_int_equal(g.cylinders, 963);
    assert_int_equal(g.heads, 5);
    assert_int_equal(g.sectors_per_track, 17);
}

/* 65535*16*63 = 66,059,280 sectors: at and above, 255 sectors per track and 16 heads. */
static void test_255_boundary(void **state)
{
    (void)state;
    /* Just below: 17 spt gives cth 3,885,839 and 3,795 heads > 16, so 31 spt: cth 2,130,944
     * >= 16*1024, so 63 spt: cth 66,059,279 / 63 = 1,048,559, cylinders 65,534. */
    expect_chs(66059279, 65534, 16, 63);
    /* At: cth 66,059,280 / 255 = 259,056, cylinders 16,191. */
    expect_chs(66059280, 16191, 16, 255);
}

/* The switch from 17 to 31 sectors per track: when cth >= heads*1024 or heads > 16. */
static void test_17_to_31_boundary(void **state)
{
    (void)state;
    /* cth = 16,383: heads (16383+1023)/1024 = 16, 16383 < 16384, so stays 17: 1023/16/17. */
    expect_chs(16383 * 17, 1023, 16, 17);
    /* cth = 16,384: cth >= 16*1024, so 31 spt: 278,528 / 31 = 8,984 = 561 x 16. */
    expect_chs(16384 * 17, 561, 16, 31);
    /* cth = 4,095 with the minimum 4 heads: 4095 < 4096, stays 17: 1023/4/17. */
    expect_chs(4095 * 17, 1023, 4, 17);
    /* cth = 4,096 exactly: heads = 4 and cth >= 4*1024, so 31 spt: 69,632 / 31 = 2,246 -> 140. */
    expect_chs(4096 * 17, 140, 16, 31);
    /* cth = 4,097: heads 5, 4097 < 5120, stays 17: 4097 / 5 = 819. */
    expect_chs(4097 * 17, 819, 5, 17);
    /* Below 3 MiB the head count is raised to 4: cth 3,072 gives (3072+1023)/1024 = 3 -> 4. */
    expect_chs(3072 * 17, 768, 4, 17);
}

/* The switch from 31 to 63 sectors per track: when cth (at 31 spt) >= 16*1024. */
static void test_31_to_63_boundary(void **state)
{
    (void)state;
    /* 507,903 / 31 = 16,383 < 16,384: stays 31, 16383 / 16 = 1,023. */
    expect_chs(16384 * 31 - 1, 1023, 16, 31);
    /* 507,904 / 31 = 16,384: 63 spt, 507,904 / 63 = 8,061, / 16 = 503. */
    expect_chs(16384 * 31, 503, 16, 63);
}

/* Above 65535*16*255 = 267,382,800 sectors the count is clamped: always 65535/16/255. */
static void test_clamp(void **state)
{
    (void)state;
    expect_chs(267382799, 65534, 16, 255);   /* 267,382,799 / 255 = 1,048,559 -> 65,534 */
    expect_chs(267382800, 65535, 16, 255);
    expect_chs(267382801, 65535, 16, 255);
    expect_chs(UINT64_C(0xFF000000), 65535, 16, 255);
    expect_chs(UINT64_MAX, 65535, 16, 255);
}

/* Every sector count up to past the 63-spt range, then a stride up to 2040 GiB: the oracle's
 * answer, and C*H*S never above the disk size. */
static void test_sweep_against_oracle(void **state)
{
    (void)state;
    unsigned long long checked = 0;
    for (uint64_t sectors = 0; sectors <= UINT64_C(0xFF000000); ) {
        vhd_disk_geometry g = vhd_geometry_from_sectors(sectors);
        spec_chs want = spec_chs_from_total_sectors(sectors);
        if (g.cylinders != want.cylinders || g.heads != want.heads ||
            g.sectors_per_track != want.sectors_per_track)
            fail_msg("%llu sectors: got %u/%u/%u, oracle %llu/%llu/%llu",
                     (unsigned long long)sectors, g.cylinders, g.heads, g.sectors_per_track,
                     (unsigned long long)want.cylinders, (unsigned long long)want.heads,
                     (unsigned long long)want.sectors_per_track);
        assert_true((uint64_t)g.cylinders * g.heads * g.sectors_per_track <= sectors);
        checked++;
        sectors += sectors < 2000000 ? 1 : 997;
    }
    print_message("# %llu sector counts checked\n", checked);
    assert_true(checked > 2000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_sizes),
        cmocka_unit_test(test_255_boundary),
        cmocka_unit_test(test_17_to_31_boundary),
        cmocka_unit_test(test_31_to_63_boundary),
        cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_sweep_against_oracle),
    };
    return cmocka_run_group_tests_name("geometry", tests, NULL, NULL);
}
