/* Compact of a VHDX (vhdx_compact.h), on builder images in memory.
 *
 * The content of a disk is compared sector by sector as the reader maps it: the sectors this
 * image holds (zeros included) and, for a differencing disk, a marker (0xEE) where the parent
 * shows through, so a block that turned NOT_PRESENT instead of ZERO is seen. Cases: zero blocks
 * among data blocks, at the end, all zero, a differencing disk with zero blocks over its parent's
 * data and a PARTIALLY_PRESENT block, soft anchors, a pending log, a fixed disk (refused), more
 * moves than one batch, a second run. Then the crash tests: a simulated power cut after each
 * call that changes the file (writes kept in order, then unflushed writes lost) and every I/O
 * call failed in turn; after each the file opens, its content is the same, a writable open
 * replays it clean with the same content, and Compact run again gives the finished result.
 * The points are sampled deterministically (the first and last three of each pass and about
 * 24 evenly spread; the count tried is printed); VSDISK_CRASH_ALL=1 tries every one. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power_io.h"
#include "vhd_io_fault.h"
#include "vhdx_builder.h"
#include "vhdx_change_util.h"
#include "vhdx_compact.h"
#include "vhdx_test_util.h"

#define PARENT_MARK 0xEE

static unsigned long total_points;

static const vhdx_compact_options options = {
    .writable = { change_random, &change_random_counter, NULL, NULL },
};

/* CRC-32C of the disk's content as the reader maps it (see above). */
static uint32_t content_crc(const uint8_t *data, size_t size)
{
    struct memory_io mem;
    vhdx_image *image;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(&mem, data, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&image, &mem.io, NULL, &error) != VHDX_READER_OK)
        fail_msg("does not open: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint32_t sector = info->logical_sector_size;
    uint64_t total = info->virtual_size / sector;
    uint8_t *buf = malloc(info->block_size);
    assert_non_null(buf);
    uint32_t crc = vhdx_crc32c_begin();
    for (uint64_t lba = 0; lba < total;) {
        vhdx_extent extent;
        uint64_t left = total - lba;
        uint32_t max = left < info->block_size / sector ? (uint32_t)left
                                                         : info->block_size / sector;
        assert_int_equal(vhdx_image_map(image, lba, max, &extent, &error), VHDX_READER_OK);
        size_t bytes = (size_t)extent.sectors * sector;
        if (extent.state == VHDX_EXTENT_NOT_HERE)
            memset(buf, PARENT_MARK, bytes);
        else
            assert_int_equal(vhdx_image_read_sectors(image, lba, extent.sectors, buf, &error),
                             VHDX_READER_OK);
        crc = vhdx_crc32c_update(crc, buf, bytes);
        lba += extent.sectors;
    }
    free(buf);
    vhdx_image_close(image);
    memory_io_free(&mem);
    return vhdx_crc32c_end(crc);
}

/* Compacts a copy of data; the result in *out (malloc'd) and *out_size. */
static vhdx_reader_code compact_copy(const uint8_t *data, size_t size, uint8_t **out,
                                     size_t *out_size, vhdx_compact_report *report,
                                     vhdx_reader_error *error)
{
    struct memory_io mem;
    change_file_open(&mem, data, size);
    vhdx_reader_code code = vhdx_compact(&mem.io, &options, report, error);
    mem.io.close(&mem.io);
    *out = mem.data;
    *out_size = mem.size;
    return code;
}

static uint64_t bat_of(const uint8_t *data, size_t size, uint64_t n)
{
    vhdx_image_info info;
    vhdx_reader_error error;
    assert_int_equal(change_view_open(data, size, &info, &error), VHDX_READER_OK);
    uint64_t index = vhdx_bat_payload_index(n, info.chunk_ratio);
    uint64_t at = info.bat_region.file_offset + index * 8;
    assert_true(at + 8 <= size);
    return vhdx_get64(data + at);
}

/* Zeros the data of block n of the builder image. */
static void zero_block(struct vhdx_built *b, uint64_t n)
{
    uint64_t entry = vhdx_builder_get_bat(b, vhdx_bat_payload_index(n, b->chunk_ratio));
    assert_int_equal(vhdx_bat_state(entry), VHDX_PAYLOAD_BLOCK_FULLY_PRESENT);
    memset(b->data + vhdx_bat_file_offset(entry), 0, b->spec.block_size);
}

/* Compacts b; checks the content, that the file is clean and valid, its size old - shrink,
 * and returns the result (to free) with the report. */
static uint8_t *compact_checked(const struct vhdx_built *b, size_t shrink,
                                vhdx_compact_report *report, size_t *size)
{
    vhdx_reader_error error;
    uint8_t *out;
    uint32_t before = content_crc(b->data, b->size);
    if (compact_copy(b->data, b->size, &out, size, report, &error) != VHDX_READER_OK)
        fail_msg("compact: %s", error.reason);
    assert_int_equal(content_crc(out, *size), before);
    assert_int_equal(*size, b->size - shrink);
    assert_int_equal(report->old_size, b->size);
    assert_int_equal(report->new_size, *size);
    vhdx_image_info info;
    assert_int_equal(change_view_open(out, *size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
    return out;
}

static void test_zero_blocks_among_data(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .present_blocks = 10 };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 1);
    zero_block(&b, 3);
    zero_block(&b, 4);
    vhdx_compact_report report;
    size_t size;
    uint8_t *out = compact_checked(&b, 3 * MiB, &report, &size);
    assert_int_equal(report.blocks_emptied, 3);
    assert_int_equal(report.blocks_moved, 3);   /* 7, 8, 9 into the holes of 1, 3, 4 */
    for (uint64_t n = 0; n < 16; n++) {
        uint64_t entry = bat_of(out, size, n);
        bool live = n < 10 && n != 1 && n != 3 && n != 4;
        if (!live) {
            assert_int_equal(entry, 0);   /* NOT_PRESENT, offset 0 */
            continue;
        }
        assert_int_equal(vhdx_bat_state(entry), VHDX_PAYLOAD_BLOCK_FULLY_PRESENT);
        assert_true(vhdx_bat_file_offset(entry) + MiB <= size);
    }
    assert_true(report.batches >= 2 && report.batches <= 3);   /* the zeros, then the moves */
    free(out);
    vhdx_builder_free(&b);
}

static void test_zero_blocks_at_end(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = 2 * MiB,
                                            .present_blocks = 6 };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 4);
    zero_block(&b, 5);
    vhdx_compact_report report;
    size_t size;
    uint8_t *out = compact_checked(&b, 4 * MiB, &report, &size);
    assert_int_equal(report.blocks_emptied, 2);
    assert_int_equal(report.blocks_moved, 0);
    free(out);
    vhdx_builder_free(&b);
}

static void test_all_zero(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 8 * MiB, .block_size = MiB,
                                            .present_blocks = 8 };
    vhdx_builder_build(&spec, &b);
    for (uint64_t n = 0; n < 8; n++)
        zero_block(&b, n);
    vhdx_compact_report report;
    size_t size;
    uint8_t *out = compact_checked(&b, 8 * MiB, &report, &size);
    assert_int_equal(size, b.first_block_at);
    assert_int_equal(report.blocks_emptied, 8);
    for (uint64_t n = 0; n < 8; n++)
        assert_int_equal(bat_of(out, size, n), 0);
    free(out);
    vhdx_builder_free(&b);
}

static void test_differencing(void **state)
{
    (void)state;
    struct vhdx_built b;
    /* Blocks 0-5 FULLY_PRESENT, 6 PARTIALLY_PRESENT, 7 NOT_PRESENT (the parent's). */
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = 2 * MiB,
                                            .differencing = true, .present_blocks = 6,
                                            .partial_block = true };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 0);
    zero_block(&b, 3);
    vhdx_image_info before, after;
    vhdx_reader_error error;
    assert_int_equal(change_view_open(b.data, b.size, &before, &error), VHDX_READER_OK);
    vhdx_compact_report report;
    size_t size;
    uint8_t *out = compact_checked(&b, 4 * MiB, &report, &size);
    assert_int_equal(report.blocks_emptied, 2);
    assert_int_equal(report.partial_kept, 1);
    for (uint64_t n = 0; n < 8; n++) {
        uint64_t entry = bat_of(out, size, n);
        if (n == 0 || n == 3)   /* zeros that still hide the parent */
            assert_int_equal(entry, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
        else if (n == 6)
            assert_int_equal(vhdx_bat_state(entry), VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT);
        else if (n == 7)
            assert_int_equal(entry, 0);
        else
            assert_int_equal(vhdx_bat_state(entry), VHDX_PAYLOAD_BLOCK_FULLY_PRESENT);
    }
    /* The content and identity its own children depend on are kept. */
    assert_int_equal(change_view_open(out, size, &after, &error), VHDX_READER_OK);
    assert_true(vhdx_guid_equal(&after.header.data_write_guid, &before.header.data_write_guid));
    assert_false(vhdx_guid_equal(&after.header.file_write_guid, &before.header.file_write_guid));
    free(out);
    vhdx_builder_free(&b);
}

/* Entries that keep a file range in an absent state: the range is given back only once the
 * entry's offset is cleared, with its state kept. */
static void test_soft_anchors(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .present_blocks = 8 };
    vhdx_builder_build(&spec, &b);
    for (uint64_t n = 2; n <= 3; n++) {
        uint64_t index = vhdx_bat_payload_index(n, b.chunk_ratio);
        uint64_t entry = vhdx_builder_get_bat(&b, index);
        unsigned state = n == 2 ? VHDX_PAYLOAD_BLOCK_UNMAPPED : VHDX_PAYLOAD_BLOCK_UNDEFINED;
        vhdx_builder_set_bat(&b, index, vhdx_bat_entry(state, vhdx_bat_file_offset(entry)));
    }
    vhdx_compact_report report;
    size_t size;
    uint8_t *out = compact_checked(&b, 2 * MiB, &report, &size);
    assert_int_equal(report.anchors_cleared, 2);
    assert_int_equal(report.blocks_emptied, 0);
    assert_int_equal(bat_of(out, size, 2), vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_UNMAPPED, 0));
    assert_int_equal(bat_of(out, size, 3), vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_UNDEFINED, 0));
    free(out);
    vhdx_builder_free(&b);
}

/* A pending log (a BAT page with block 1 ZERO) is replayed on disk first, then compacted. */
static void build_dirty(struct vhdx_built *b)
{
    static uint8_t page[4096];
    const vhdx_guid guid = {{ 7, 7, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .present_blocks = 6 };
    vhdx_builder_build(&spec, b);
    zero_block(b, 4);
    memcpy(page, b->data + b->bat_at, sizeof page);
    vhdx_put64(page + 1 * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
    const struct vhdx_builder_descriptor d[] = { { false, b->bat_at, 0, page } };
    struct vhdx_builder_entry e = { 3, 0, guid, b->size, b->size, 1, d };
    vhdx_builder_write_log_entry(b, 0, &e);
    vhdx_builder_set_log_guid(b, &guid);
}

static void test_dirty_log(void **state)
{
    (void)state;
    struct vhdx_built b;
    build_dirty(&b);
    vhdx_compact_report report;
    size_t size;
    /* Block 1 (ZERO after the replay) and block 4 (zeros) given back. */
    uint8_t *out = compact_checked(&b, 2 * MiB, &report, &size);
    assert_int_equal(report.blocks_emptied, 1);
    assert_int_equal(bat_of(out, size, 1), vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
    free(out);
    vhdx_builder_free(&b);
}

static void test_fixed_refused(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 8 * MiB, .block_size = MiB,
                                            .fixed = true };
    vhdx_builder_build(&spec, &b);
    uint8_t *out;
    size_t size;
    vhdx_reader_error error;
    assert_int_equal(compact_copy(b.data, b.size, &out, &size, NULL, &error),
                     VHDX_READER_NOT_POSSIBLE);
    assert_non_null(strstr(error.reason, "fixed"));
    assert_int_equal(size, b.size);
    assert_memory_equal(out, b.data, size);
    free(out);
    vhdx_builder_free(&b);
}

/* More moves than one batch holds, over two BAT sectors; then a second run finds nothing. */
static void test_many_moves_and_again(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 640 * MiB, .block_size = MiB,
                                            .present_blocks = 150 };
    vhdx_builder_build(&spec, &b);
    for (uint64_t n = 0; n < 70; n++)
        zero_block(&b, n);
    vhdx_compact_report report;
    size_t size;
    uint8_t *out = compact_checked(&b, 70 * MiB, &report, &size);
    assert_int_equal(report.blocks_emptied, 70);
    assert_int_equal(report.blocks_moved, 70);
    assert_int_equal(report.batches, 3);    /* the zeros; 64 moves; 6 moves */
    print_message("# 70 blocks emptied and 70 moved: %llu log entries, %llu flushes\n",
                  (unsigned long long)report.batches, (unsigned long long)report.flushes);
    uint8_t *again;
    size_t again_size;
    vhdx_reader_error error;
    assert_int_equal(compact_copy(out, size, &again, &again_size, &report, &error),
                     VHDX_READER_OK);
    assert_int_equal(again_size, size);
    assert_int_equal(report.blocks_emptied + report.blocks_moved + report.batches, 0);
    free(again);
    free(out);
    vhdx_builder_free(&b);
}

/* Cancel at each poll in turn: the job stops with VHD_E_CANCELLED, the content is the same, and
 * Compact run again finishes it. */
static unsigned polls_left;
static bool cancel_after(void *ctx)
{
    (void)ctx;
    return polls_left-- == 0;
}

static void test_cancel(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .present_blocks = 10 };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 2);
    zero_block(&b, 5);
    uint32_t crc = content_crc(b.data, b.size);
    const vhdx_compact_options cancelling = {
        .writable = { change_random, &change_random_counter, NULL, NULL },
        .cancelled = cancel_after,
    };
    unsigned stopped = 0;
    for (unsigned k = 0;; k++) {
        struct memory_io mem;
        vhdx_reader_error error;
        change_file_open(&mem, b.data, b.size);
        polls_left = k;
        vhdx_reader_code code = vhdx_compact(&mem.io, &cancelling, NULL, &error);
        mem.io.close(&mem.io);
        if (code == VHDX_READER_OK) {
            memory_io_free(&mem);
            break;
        }
        assert_int_equal(code, VHDX_READER_IO);
        assert_int_equal(error.io_status, VHD_E_CANCELLED);
        assert_int_equal(content_crc(mem.data, mem.size), crc);
        uint8_t *out;
        size_t size;
        assert_int_equal(compact_copy(mem.data, mem.size, &out, &size, NULL, &error),
                         VHDX_READER_OK);
        assert_int_equal(size, b.size - 2 * MiB);
        assert_int_equal(content_crc(out, size), crc);
        free(out);
        memory_io_free(&mem);
        stopped++;
    }
    assert_true(stopped >= 10);   /* 10 blocks scanned, 2 moved */
    vhdx_builder_free(&b);
}

/* The heap the job holds stays under VHDX_COMPACT_HEAP_MAX, and all of it is given back. */
static void test_heap_bound(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 64 * MiB, .block_size = MiB,
                                            .present_blocks = 40 };
    vhdx_builder_build(&spec, &b);
    for (uint64_t n = 0; n < 40; n += 3)
        zero_block(&b, n);
    struct memory_io mem;
    change_file_open(&mem, b.data, b.size);
    const vhdx_compact_options counted = {
        .writable = { change_random, &change_random_counter, vhdx_counted.allocate,
                      vhdx_counted.release },
    };
    vhdx_reader_error error;
    vhdx_heap_start();
    if (vhdx_compact(&mem.io, &counted, NULL, &error) != VHDX_READER_OK)
        fail_msg("compact: %s", error.reason);
    assert_int_equal(vhdx_heap_live, 0);
    print_message("# heap peak %zu bytes, bound %zu\n", vhdx_heap_peak,
                  (size_t)VHDX_COMPACT_HEAP_MAX(b.size, b.log_length));
    assert_true(vhdx_heap_peak <= VHDX_COMPACT_HEAP_MAX(b.size, b.log_length));
    memory_io_free(&mem);
    vhdx_builder_free(&b);
}

/* ---- order: a moved block's copy is flushed before the log entry that names it ----
 * The power cut above loses every write since the last flush together, so it cannot see a
 * copy and the log entry naming it reach the disk in the wrong order within one flush; this
 * wrapper sees the order of the calls: no write into the log while a write into the data area
 * (outside the header section, log, BAT and metadata regions) is unflushed. */
static void test_copies_flushed_before_log(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .present_blocks = 10 };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 1);
    zero_block(&b, 3);
    struct memory_io mem;
    change_file_open(&mem, b.data, b.size);
    struct order_io o;
    order_io_plug(&o, &mem.io, &b);
    vhdx_compact_report report;
    vhdx_reader_error error;
    if (vhdx_compact(&o.io, &options, &report, &error) != VHDX_READER_OK)
        fail_msg("compact: %s", error.reason);
    assert_int_equal(report.blocks_moved, 2);
    assert_true(o.log_writes >= 2);
    assert_int_equal(o.violations, 0);
    memory_io_free(&mem);
    vhdx_builder_free(&b);
}

/* ---- crash at every write, every I/O call failed in turn ---- */
struct crash_case {
    const char *label;
    const uint8_t *orig;
    size_t orig_size;
    uint32_t crc;
    size_t final_size;
};

static vhdx_reader_code run_powered(uint8_t **data, size_t *size, struct power_supply *supply,
                                    vhdx_reader_error *error)
{
    struct memory_io mem;
    struct power_io pio;
    change_file_init(&mem, *data, *size);
    power_io_plug(&pio, &mem.io, supply);
    vhdx_reader_code code = VHDX_READER_IO;
    if (pio.io.open(&pio.io, VHD_IO_OPEN_READ_WRITE) == VHD_OK) {
        code = vhdx_compact(&pio.io, &options, NULL, error);
        pio.io.close(&pio.io);
    }
    power_io_unplug(&pio);
    free(*data);
    *data = mem.data;
    *size = mem.size;
    return code;
}

static vhdx_reader_code run_faulty(uint8_t **data, size_t *size, unsigned fail_at,
                                   unsigned *calls, vhdx_reader_error *error)
{
    struct memory_io mem;
    struct vhd_io_fault fault;
    change_file_open(&mem, *data, *size);
    vhd_io_fault_init(&fault, &mem.io);
    fault.fail_at = fail_at;
    fault.fail_status = VHD_E_IO;
    vhdx_reader_code code = vhdx_compact(&fault.io, &options, NULL, error);
    *calls = fault.calls;
    mem.io.close(&mem.io);
    free(*data);
    *data = mem.data;
    *size = mem.size;
    return code;
}

static uint8_t *copy_of(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size);
    assert_non_null(copy);
    memcpy(copy, data, size);
    return copy;
}

static void check_interrupted(const struct crash_case *c, uint8_t **data, size_t *size,
                              const char *pass, unsigned n)
{
    vhdx_image_info info;
    vhdx_reader_error error;
    if (change_view_open(*data, *size, &info, &error) != VHDX_READER_OK)
        fail_msg("%s, %s, cut %u: the file does not open: %s", c->label, pass, n, error.reason);
    if (content_crc(*data, *size) != c->crc)
        fail_msg("%s, %s, cut %u: the disk's content changed", c->label, pass, n);
    /* A writable open replays on disk what the reader replayed in memory. */
    struct memory_io mem;
    vhdx_writable *w;
    change_file_open(&mem, *data, *size);
    if (vhdx_writable_open(&w, &mem.io, &change_options, &error) != VHDX_READER_OK)
        fail_msg("%s, %s, cut %u: the writable open fails: %s", c->label, pass, n, error.reason);
    vhdx_writable_close(w);
    assert_int_equal(change_view_open(mem.data, mem.size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
    if (content_crc(mem.data, mem.size) != c->crc)
        fail_msg("%s, %s, cut %u: the content changed by the replay", c->label, pass, n);
    memory_io_free(&mem);
    /* Power back: Compact again completes it. */
    struct power_supply supply;
    power_supply_init(&supply, UINT32_MAX, false);
    if (run_powered(data, size, &supply, &error) != VHDX_READER_OK)
        fail_msg("%s, %s, cut %u: Compact run again fails: %s", c->label, pass, n, error.reason);
    assert_int_equal(content_crc(*data, *size), c->crc);
    if (*size != c->final_size)
        fail_msg("%s, %s, cut %u: run again, the file is %zu bytes, not %zu", c->label, pass,
                 n, *size, c->final_size);
    assert_int_equal(change_view_open(*data, *size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
}

/* The points tried, deterministically: the first and last three and about 24 evenly spread
 * (every point with VSDISK_CRASH_ALL=1, as the nightly run does). */
static bool tried(unsigned n, unsigned count)
{
    return crash_tried(n, count, 3, 24);
}

static void crash_every_write(struct crash_case *c)
{
    struct power_supply supply;
    vhdx_reader_error error;
    c->crc = content_crc(c->orig, c->orig_size);
    size_t size = c->orig_size;
    uint8_t *data = copy_of(c->orig, size);
    power_supply_init(&supply, UINT32_MAX, false);
    if (run_powered(&data, &size, &supply, &error) != VHDX_READER_OK)
        fail_msg("%s fails without a cut: %s", c->label, error.reason);
    assert_int_equal(size, c->final_size);
    unsigned calls = supply.changing_calls;
    unsigned cuts_before = (unsigned)total_points;
    free(data);
    for (int lose = 0; lose < 2; lose++) {
        for (unsigned n = 0; n < calls; n++) {
            if (!tried(n, calls))
                continue;
            size = c->orig_size;
            data = copy_of(c->orig, size);
            power_supply_init(&supply, n, lose);
            assert_int_not_equal(run_powered(&data, &size, &supply, &error), VHDX_READER_OK);
            assert_true(supply.off);
            check_interrupted(c, &data, &size, lose ? "unflushed writes lost" : "clean stop", n);
            free(data);
            total_points++;
        }
    }
    unsigned faulty_calls = 0, untouched = 0;
    size = c->orig_size;
    data = copy_of(c->orig, size);
    assert_int_equal(run_faulty(&data, &size, 0, &faulty_calls, &error), VHDX_READER_OK);
    free(data);
    unsigned cuts = (unsigned)total_points;
    for (unsigned n = 1; n <= faulty_calls; n++) {
        unsigned ignored;
        if (!tried(n, faulty_calls + 1))
            continue;
        size = c->orig_size;
        data = copy_of(c->orig, size);
        if (run_faulty(&data, &size, n, &ignored, &error) == VHDX_READER_OK)
            fail_msg("%s: call %u failed but Compact succeeded", c->label, n);
        assert_true(strlen(error.reason) > 10);
        if (size == c->orig_size && memcmp(data, c->orig, size) == 0)
            untouched++;
        else
            check_interrupted(c, &data, &size, "I/O call failed", n);
        free(data);
        total_points++;
    }
    print_message("# %s: %u crash points, %u I/O calls; tried %u cut runs (x2: writes kept in "
                  "order, then unflushed writes lost) and %u failed calls (%u before any "
                  "write)%s\n", c->label, calls, faulty_calls, cuts - cuts_before,
                  (unsigned)total_points - cuts, untouched,
                  crash_all() ? "" : "; VSDISK_CRASH_ALL=1 tries every one");
}

static void test_crash_dynamic(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .present_blocks = 9 };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 1);
    zero_block(&b, 3);
    zero_block(&b, 8);
    uint64_t index = vhdx_bat_payload_index(5, b.chunk_ratio);   /* a soft anchor */
    vhdx_builder_set_bat(&b, index, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_UNMAPPED,
                                                   vhdx_bat_file_offset(
                                                       vhdx_builder_get_bat(&b, index))));
    struct crash_case c = { "Compact of a dynamic VHDX", b.data, b.size, 0, b.size - 4 * MiB };
    crash_every_write(&c);
    vhdx_builder_free(&b);
}

static void test_crash_differencing(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                            .differencing = true, .present_blocks = 6,
                                            .partial_block = true };
    vhdx_builder_build(&spec, &b);
    zero_block(&b, 0);
    zero_block(&b, 2);
    struct crash_case c = { "Compact of a differencing VHDX", b.data, b.size, 0,
                            b.size - 2 * MiB };
    crash_every_write(&c);
    vhdx_builder_free(&b);
}

static void test_crash_dirty(void **state)
{
    (void)state;
    struct vhdx_built b;
    build_dirty(&b);
    struct crash_case c = { "Compact of a VHDX with a pending log", b.data, b.size, 0,
                            b.size - 2 * MiB };
    crash_every_write(&c);
    vhdx_builder_free(&b);
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# crash and failure points tried: %lu (each reopened read-only, replayed "
                  "on disk, and Compact run again to completion)\n", total_points);
    return 0;
}

/* An argument runs only the tests whose names match it (a cmocka filter: "test_crash_*"). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_blocks_among_data),
        cmocka_unit_test(test_zero_blocks_at_end),
        cmocka_unit_test(test_all_zero),
        cmocka_unit_test(test_differencing),
        cmocka_unit_test(test_soft_anchors),
        cmocka_unit_test(test_dirty_log),
        cmocka_unit_test(test_fixed_refused),
        cmocka_unit_test(test_many_moves_and_again),
        cmocka_unit_test(test_copies_flushed_before_log),
        cmocka_unit_test(test_heap_bound),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_crash_dynamic),
        cmocka_unit_test(test_crash_differencing),
        cmocka_unit_test(test_crash_dirty),
    };
    return cmocka_run_group_tests_name("vhdx_compact", tests, NULL, print_totals);
}
