#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vhdx_test_util.h"

size_t vhdx_heap_live, vhdx_heap_peak;

static void *counting_allocate(size_t size)
{
    size_t *block = malloc(sizeof(size_t) * 2 + size);
    if (block == NULL)
        return NULL;
    block[0] = size;
    vhdx_heap_live += size;
    if (vhdx_heap_live > vhdx_heap_peak)
        vhdx_heap_peak = vhdx_heap_live;
    return block + 2;
}

static void counting_release(void *p)
{
    size_t *block = (size_t *)p - 2;
    vhdx_heap_live -= block[0];
    free(block);
}

const vhdx_reader_options vhdx_counted = { counting_allocate, counting_release };

void vhdx_heap_start(void)
{
    vhdx_heap_live = vhdx_heap_peak = 0;
}

void opened_open(struct opened *o, const uint8_t *data, size_t size)
{
    assert_true(memory_io_init_with(&o->mem, data, size));
    assert_int_equal(o->mem.io.open(&o->mem.io, VHD_IO_OPEN_READ), VHD_OK);
    o->code = vhdx_image_open(&o->image, &o->mem.io, &vhdx_counted, &o->error);
    if (o->code != VHDX_READER_OK)
        assert_null(o->image);
}

void opened_close(struct opened *o)
{
    vhdx_image_close(o->image);
    o->image = NULL;
    memory_io_free(&o->mem);
}

void check_content(vhdx_image *image, expected_sector_fn expected, void *ctx)
{
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint32_t ss = info->logical_sector_size;
    uint64_t total = info->virtual_size / ss;
    uint8_t *buf = malloc((size_t)300 * ss), *want = malloc(ss), *mapped = malloc(ss);
    vhdx_reader_error error;
    assert_non_null(buf);
    assert_non_null(want);
    assert_non_null(mapped);
    uint32_t step = 1;
    for (uint64_t lba = 0; lba < total;) {
        uint32_t count = total - lba < step ? (uint32_t)(total - lba) : step;
        if (vhdx_image_read_sectors(image, lba, count, buf, &error) != VHDX_READER_OK)
            fail_msg("reading sectors %llu+%u: %s", (unsigned long long)lba, count, error.reason);
        for (uint32_t i = 0; i < count; i++) {
            expected(ctx, lba + i, want);
            if (memcmp(buf + (size_t)i * ss, want, ss) != 0)
                fail_msg("sector %llu differs from what the image holds (first byte 0x%02x, "
                         "expected 0x%02x)", (unsigned long long)(lba + i),
                         buf[(size_t)i * ss], want[0]);
        }
        lba += count;
        step = step % 293 + 7;   /* runs of 1 to 299 sectors, across blocks */
    }
    /* The map agrees with the read: present extents hold the bytes at their offset. */
    vhd_io *io = vhdx_image_io(image);
    for (uint64_t lba = 0; lba < total;) {
        vhdx_extent extent;
        assert_int_equal(vhdx_image_map(image, lba, UINT32_MAX, &extent, &error), VHDX_READER_OK);
        assert_true(extent.sectors > 0 && extent.sectors <= total - lba);
        /* never across a block */
        uint64_t spb = info->block_size / ss;
        assert_true(lba / spb == (lba + extent.sectors - 1) / spb);
        expected(ctx, lba, want);
        if (extent.state == VHDX_EXTENT_PRESENT) {
            assert_int_equal(io->read_at(io, extent.file_offset, mapped, ss), VHD_OK);
            assert_memory_equal(mapped, want, ss);
        } else {
            static const uint8_t zero[4096];
            assert_memory_equal(want, zero, ss);
        }
        lba += extent.sectors;
    }
    assert_int_equal(vhdx_image_read_sectors(image, total - 1, 2, buf, &error),
                     VHDX_READER_OUT_OF_RANGE);
    free(buf);
    free(want);
    free(mapped);
}
