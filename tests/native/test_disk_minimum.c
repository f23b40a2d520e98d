/* The minimum-size parser (src/disk/disk_minimum.c) against a table of partition tables, good
 * and malformed, laid on a raw disk in memory: each either gives the end of the last
 * partition (in bytes) or is refused with VHD_READER_NOT_POSSIBLE and a reason, never reads
 * outside the disk, and never loops past its bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "disk_minimum.h"
#include "memory_io.h"
#include "raw_disk.h"

#define SECTORS 8192u                   /* a 4 MiB disk */
#define GPT_ARRAY_LBA 2u

enum expect { MINIMUM, REFUSED };

struct mbr_entry { uint8_t type; uint32_t first, count; };
struct gpt_entry { uint64_t first, last; };

struct table_case {
    const char *name;
    bool signature;                     /* 55 AA at 510 */
    struct mbr_entry mbr[4];
    bool gpt_header;                    /* "EFI PART" at LBA 1 */
    uint64_t array_lba;
    uint32_t entry_count, entry_size;
    struct gpt_entry gpt[4];
    unsigned gpt_at[4];                 /* entry index of each gpt[] (0: gpt[i] is entry i) */
    enum expect expect;
    uint64_t minimum_sectors;
    disk_layout layout;
};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *lay_out(const struct table_case *c)
{
    uint8_t *disk = calloc(SECTORS, 512);
    assert_non_null(disk);
    for (unsigned i = 0; i < 4; i++) {
        uint8_t *e = disk + 446 + 16 * i;
        e[4] = c->mbr[i].type;
        put32(e + 8, c->mbr[i].first);
        put32(e + 12, c->mbr[i].count);
    }
    if (c->signature) {
        disk[510] = 0x55;
        disk[511] = 0xAA;
    }
    if (c->gpt_header) {
        uint8_t *h = disk + 512;
        memcpy(h, "EFI PART", 8);
        put64(h + 72, c->array_lba);
        put32(h + 80, c->entry_count);
        put32(h + 84, c->entry_size);
        for (unsigned i = 0; i < 4; i++) {
            if (c->gpt[i].last == 0)
                continue;
            uint64_t at = c->array_lba * 512 + (uint64_t)(c->gpt_at[i] ? c->gpt_at[i] : i)
                                                   * c->entry_size;
            if (at + 128 > (uint64_t)SECTORS * 512)
                continue;
            disk[at] = 0xAF;            /* a type GUID that is not all zeros */
            put64(disk + at + 32, c->gpt[i].first);
            put64(disk + at + 40, c->gpt[i].last);
        }
    }
    return disk;
}

#define MBR(t, f, n) { (t), (f), (n) }
#define PROTECTIVE MBR(0xEE, 1, SECTORS - 1)

static const struct table_case cases[] = {
    { "no signature: the last allocated data (all of a raw disk)", false, { MBR(0x83, 2048, 100) },
      false, 0, 0, 0, { { 0 } }, { 0 }, MINIMUM, SECTORS, DISK_LAYOUT_NONE },
    { "signature, no entries: the last allocated data", true, { { 0 } },
      false, 0, 0, 0, { { 0 } }, { 0 }, MINIMUM, SECTORS, DISK_LAYOUT_NONE },
    { "one MBR partition", true, { MBR(0x83, 2048, 2048) },
      false, 0, 0, 0, { { 0 } }, { 0 }, MINIMUM, 4096, DISK_LAYOUT_MBR },
    { "MBR partitions out of order, the last one wins", true,
      { MBR(0x07, 6000, 100), MBR(0x83, 2048, 1000), { 0 }, MBR(0x0C, 63, 10) },
      false, 0, 0, 0, { { 0 } }, { 0 }, MINIMUM, 6100, DISK_LAYOUT_MBR },
    { "an extended partition covers its logical ones", true,
      { MBR(0x83, 63, 1000), MBR(0x05, 1063, 3000) },
      false, 0, 0, 0, { { 0 } }, { 0 }, MINIMUM, 4063, DISK_LAYOUT_MBR },
    { "MBR partition ending exactly at the disk's end", true, { MBR(0x83, 1, SECTORS - 1) },
      false, 0, 0, 0, { { 0 } }, { 0 }, MINIMUM, SECTORS, DISK_LAYOUT_MBR },
    { "MBR partition one sector past the end", true, { MBR(0x83, 1, SECTORS) },
      false, 0, 0, 0, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_MBR },
    { "MBR partition with the largest start and count", true,
      { MBR(0x83, UINT32_MAX, UINT32_MAX) },
      false, 0, 0, 0, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_MBR },
    { "protective MBR covering 2 TiB (0xFFFFFFFF) with a GPT", true,
      { MBR(0xEE, 1, UINT32_MAX) }, true, GPT_ARRAY_LBA, 128, 128,
      { { 2048, 3071 } }, { 0 }, MINIMUM, 3072, DISK_LAYOUT_GPT },
    { "GPT with no partition: the entry array's end", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 128, { { 0 } }, { 0 }, MINIMUM, 34, DISK_LAYOUT_GPT },
    { "GPT partitions, the last one wins, entries scattered", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 128, { { 40, 1000 }, { 5000, 7000 }, { 2000, 3000 } },
      { 0, 77, 127 }, MINIMUM, 7001, DISK_LAYOUT_GPT },
    { "GPT with 256-byte entries", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 64, 256, { { 100, 200 }, { 300, 5000 } }, { 0, 63 }, MINIMUM, 5001,
      DISK_LAYOUT_GPT },
    { "hybrid MBR: a partition past the GPT's last", true,
      { PROTECTIVE, MBR(0x07, 7000, 1000) }, true, GPT_ARRAY_LBA, 128, 128,
      { { 40, 1000 } }, { 0 }, MINIMUM, 8000, DISK_LAYOUT_GPT },
    { "hybrid MBR: a partition past the disk's end", true,
      { PROTECTIVE, MBR(0x07, 7000, 1193) }, true, GPT_ARRAY_LBA, 128, 128,
      { { 40, 1000 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT partition ending on the last sector", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 128, { { 34, SECTORS - 1 } }, { 0 }, MINIMUM, SECTORS,
      DISK_LAYOUT_GPT },
    { "GPT partition past the end", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 128, { { 34, SECTORS } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT partition whose last LBA is 2^64-1", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 128, { { 34, UINT64_MAX } }, { 0 }, REFUSED, 0,
      DISK_LAYOUT_GPT },
    { "protective MBR, no GPT header", true, { PROTECTIVE },
      false, 0, 0, 0, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry size 0", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 0, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry size 127", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 127, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry size 192 (not a power-of-two multiple of 128)", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 128, 192, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry size 8192", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 4, 8192, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry size 2^32-128", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 1, UINT32_MAX - 127, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry count 2^32-1", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, UINT32_MAX, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry count 16385", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 16385, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry array at LBA 0", true, { PROTECTIVE },
      true, 0, 128, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry array at LBA 1 (over the header)", true, { PROTECTIVE },
      true, 1, 128, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry array at the disk's end", true, { PROTECTIVE },
      true, SECTORS, 4, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry array at LBA 2^64-1", true, { PROTECTIVE },
      true, UINT64_MAX, 4, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry array running past the end", true, { PROTECTIVE },
      true, SECTORS - 8, 128, 128, { { 0 } }, { 0 }, REFUSED, 0, DISK_LAYOUT_GPT },
    { "GPT entry array ending on the last sector", true, { PROTECTIVE },
      true, SECTORS - 32, 128, 128, { { 0 } }, { 0 }, MINIMUM, SECTORS, DISK_LAYOUT_GPT },
    { "GPT with zero entries", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 0, 128, { { 0 } }, { 0 }, MINIMUM, GPT_ARRAY_LBA, DISK_LAYOUT_GPT },
    { "GPT with the most entries (16384 of 128 bytes = 4096 sectors)", true, { PROTECTIVE },
      true, GPT_ARRAY_LBA, 16384, 128, { { 10, 20 } }, { 16383 }, MINIMUM, 4098,
      DISK_LAYOUT_GPT },
};

static void test_case(const struct table_case *c)
{
    uint8_t *bytes = lay_out(c);
    struct memory_io mem;
    assert_true(memory_io_init_with(&mem, bytes, (size_t)SECTORS * 512));
    free(bytes);
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    disk_image *image;
    vhd_reader_error error;
    assert_int_equal(disk_image_open_as(&image, &raw_disk_class, &mem.io, NULL, &error),
                     VHD_READER_OK);
    uint64_t minimum = UINT64_MAX;
    disk_layout layout = (disk_layout)-1;
    vhd_reader_code code = disk_minimum_size(image, &minimum, &layout, &error);
    if (c->expect == MINIMUM) {
        if (code != VHD_READER_OK)
            fail_msg("%s: refused: %s", c->name, error.reason);
        if (minimum != c->minimum_sectors * 512 || layout != c->layout)
            fail_msg("%s: minimum %llu bytes (layout %d), expected %llu (layout %d)", c->name,
                     (unsigned long long)minimum, (int)layout,
                     (unsigned long long)c->minimum_sectors * 512, (int)c->layout);
    } else {
        if (code != VHD_READER_NOT_POSSIBLE)
            fail_msg("%s: not refused (code %d, minimum %llu)", c->name, (int)code,
                     (unsigned long long)minimum);
        assert_true(strlen(error.reason) > 20);
    }
    disk_image_close(image);
    mem.io.close(&mem.io);
    memory_io_free(&mem);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        test_case(&cases[i]);
    print_message("# %zu partition tables\n", sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_table) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
