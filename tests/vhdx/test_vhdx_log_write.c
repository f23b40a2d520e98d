/* The log writer and the writable open (vhdx_writable.h): batches of metadata sectors written
 * as log entries (descriptors, data sectors, CRC-32C, sequence numbers following the last,
 * wrapping around the end of the log), then in place; the header updates (sequence numbers,
 * FileWriteGuid once per open, DataWriteGuid before the first visible change, LogGuid set
 * while the log holds entries and cleared by settle). Every log written is replayed by the
 * reader's in-memory replay with the in-place writes undone, and must give the new content. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx_builder.h"
#include "vhdx_change_util.h"
#include "vhdx_test_util.h"

#define SECTOR 4096u
#define MAX_CHANGES VHDX_LOG_WRITE_SECTORS_MAX
#define ROOM (MAX_CHANGES + 1)   /* a batch one sector too large fits too */

struct batch {
    size_t count;
    vhdx_sector_change changes[ROOM];
    uint64_t offsets[ROOM];
    uint8_t data[ROOM][SECTOR];
};

static const struct vhdx_builder_spec dynamic_spec = {
    .virtual_size = 64 * MiB, .block_size = MiB, .present_blocks = 3,
};

/* n sectors of the metadata region's free space (after the items, from +128 KiB) with
 * pattern k, and the BAT's first sector with payload block 5 ZERO (k odd) or NOT_PRESENT. */
static void make_batch(struct batch *b, const struct vhdx_built *built, const uint8_t *file,
                       size_t n, unsigned k)
{
    b->count = 0;
    for (size_t i = 0; i < n; i++) {
        b->offsets[b->count] = built->metadata_at + 128 * 1024 + i * SECTOR;
        for (size_t j = 0; j < SECTOR; j++)
            b->data[b->count][j] = (uint8_t)(k * 31 + i * 7 + j * 13 + 1);
        b->count++;
    }
    memcpy(b->data[b->count], file + built->bat_at, SECTOR);
    vhdx_put64(b->data[b->count] + 5 * 8, vhdx_bat_entry(k % 2 ? VHDX_PAYLOAD_BLOCK_ZERO
                                                                : VHDX_PAYLOAD_BLOCK_NOT_PRESENT, 0));
    b->offsets[b->count] = built->bat_at;
    b->count++;
    for (size_t i = 0; i < b->count; i++) {
        b->changes[i].file_offset = b->offsets[i];
        b->changes[i].data = b->data[i];
    }
}

/* The reader sees the batch's sectors: over the file as it is, and with every in-place write
 * undone (garbage where the batch's sectors are), through the log alone. */
static void assert_sees_batch(const struct memory_io *mem, const struct batch *b)
{
    uint8_t *got = malloc(b->count * SECTOR);
    uint8_t *copy = malloc(mem->size);
    assert_non_null(got);
    assert_non_null(copy);
    change_view_sectors(mem->data, mem->size, b->offsets, b->count, got);
    for (size_t i = 0; i < b->count; i++)
        assert_memory_equal(got + i * SECTOR, b->data[i], SECTOR);
    memcpy(copy, mem->data, mem->size);
    for (size_t i = 0; i < b->count; i++)
        memset(copy + b->offsets[i], 0xEE, SECTOR);
    change_view_sectors(copy, mem->size, b->offsets, b->count, got);
    for (size_t i = 0; i < b->count; i++)
        if (memcmp(got + i * SECTOR, b->data[i], SECTOR) != 0)
            fail_msg("sector %zu of the batch is not replayed from the log", i);
    free(copy);
    free(got);
}

struct raw_entry {
    bool found, wraps;
    uint32_t position, length, tail;
    uint32_t descriptors;
};

/* Finds the entry with sequence number sequence under log_guid by reading the log's bytes
 * directly, and checks its CRC, its descriptors' and data sectors' sequence numbers. */
static struct raw_entry find_raw_entry(const struct memory_io *mem, const vhdx_header *h,
                                       const vhdx_guid *log_guid, uint64_t sequence)
{
    struct raw_entry r;
    memset(&r, 0, sizeof r);
    const uint8_t *log = mem->data + h->log_offset;
    for (uint32_t p = 0; p < h->log_length; p += SECTOR) {
        vhdx_log_entry_header e;
        if (vhdx_log_entry_header_decode(&e, log + p, SECTOR) != VHDX_FORMAT_OK
            || !vhdx_guid_equal(&e.log_guid, log_guid) || e.sequence_number != sequence)
            continue;
        assert_false(r.found);   /* one entry per sequence number */
        assert_true(e.entry_length <= h->log_length / 2);
        uint8_t *entry = malloc(e.entry_length);
        assert_non_null(entry);
        for (uint32_t s = 0; s < e.entry_length; s += SECTOR)
            memcpy(entry + s, log + (p + s) % h->log_length, SECTOR);
        assert_int_equal(vhdx_log_entry_checksum(entry, e.entry_length), e.checksum);
        assert_int_equal(e.entry_length, (e.descriptor_count + 1) * SECTOR);
        for (uint32_t d = 0; d < e.descriptor_count; d++) {
            vhdx_log_data_descriptor dd;
            vhdx_log_data_sector ds;
            assert_int_equal(vhdx_log_data_descriptor_decode(&dd, entry + 64 + 32 * d),
                             VHDX_FORMAT_OK);
            assert_int_equal(dd.sequence_number, sequence);
            assert_int_equal(vhdx_log_data_sector_decode(&ds, entry + (d + 1) * SECTOR),
                             VHDX_FORMAT_OK);
            assert_int_equal(ds.sequence_high, (uint32_t)(sequence >> 32));
            assert_int_equal(ds.sequence_low, (uint32_t)sequence);
        }
        free(entry);
        r.found = true;
        r.position = p;
        r.length = e.entry_length;
        r.tail = e.tail;
        r.descriptors = e.descriptor_count;
        r.wraps = p + e.entry_length > h->log_length;
    }
    return r;
}

static void test_batches_wrap_and_replay(void **state)
{
    (void)state;
    struct vhdx_built built;
    struct memory_io mem;
    vhdx_writable *w;
    vhdx_reader_error error;
    static struct batch b;
    vhdx_header original;

    vhdx_builder_build(&dynamic_spec, &built);
    vhdx_builder_get_header(&built, 1, &original);   /* the builder's current one */
    change_file_open(&mem, built.data, built.size);
    vhdx_heap_start();
    const vhdx_writable_options counted = { change_random, &change_random_counter,
                                            vhdx_counted.allocate, vhdx_counted.release };
    assert_int_equal(vhdx_writable_open(&w, &mem.io, &counted, &error), VHDX_READER_OK);
    const vhdx_header opened = *vhdx_writable_header(w);
    /* FileWriteGuid renewed, written twice; DataWriteGuid and LogGuid untouched. */
    assert_false(vhdx_guid_equal(&opened.file_write_guid, &original.file_write_guid));
    assert_true(vhdx_guid_equal(&opened.data_write_guid, &original.data_write_guid));
    assert_true(vhdx_guid_is_zero(&opened.log_guid));
    assert_int_equal(opened.sequence_number, original.sequence_number + 2);
    assert_int_equal(vhdx_writable_get_report(w)->header_updates, 2);

    const size_t sizes[] = { 125, 40, 125, 1, 125, 90, 125 };
    unsigned wrapped = 0;
    uint64_t sequence = 1;
    vhdx_guid first_data_guid;
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        make_batch(&b, &built, mem.data, sizes[k], k);
        uint64_t updates = vhdx_writable_get_report(w)->header_updates;
        uint64_t flushes = vhdx_writable_get_report(w)->flushes;
        assert_int_equal(vhdx_writable_change(w, b.changes, b.count, true, &error),
                         VHDX_READER_OK);
        const vhdx_header *h = vhdx_writable_header(w);
        if (k == 0) {
            /* The first batch: one header update sets LogGuid and a new DataWriteGuid. */
            assert_int_equal(vhdx_writable_get_report(w)->header_updates, updates + 1);
            assert_false(vhdx_guid_equal(&h->data_write_guid, &opened.data_write_guid));
            first_data_guid = h->data_write_guid;
            assert_int_equal(vhdx_writable_get_report(w)->flushes, flushes + 3);
        } else {
            /* Later ones: the entry's flush and the in-place flush, no header update. */
            assert_int_equal(vhdx_writable_get_report(w)->header_updates, updates);
            assert_true(vhdx_guid_equal(&h->data_write_guid, &first_data_guid));
            assert_int_equal(vhdx_writable_get_report(w)->flushes, flushes + 2);
        }
        assert_false(vhdx_guid_is_zero(&h->log_guid));
        assert_sees_batch(&mem, &b);
        struct raw_entry r = find_raw_entry(&mem, h, &h->log_guid, sequence);
        assert_true(r.found);
        assert_int_equal(r.tail, r.position);
        assert_int_equal(r.descriptors, b.count);
        wrapped += r.wraps;
        sequence++;
    }
    assert_true(wrapped >= 1);   /* some entry crossed the log's end */
    assert_true(vhdx_heap_peak <= VHDX_WRITABLE_HEAP_MAX(mem.size, opened.log_length));

    /* Settle: LogGuid cleared; the file is clean and holds the last batch. */
    uint64_t updates = vhdx_writable_get_report(w)->header_updates;
    uint64_t seq = vhdx_writable_header(w)->sequence_number;
    assert_int_equal(vhdx_writable_settle(w, &error), VHDX_READER_OK);
    assert_true(vhdx_guid_is_zero(&vhdx_writable_header(w)->log_guid));
    assert_int_equal(vhdx_writable_header(w)->sequence_number, seq + 1);
    assert_int_equal(vhdx_writable_get_report(w)->header_updates, updates + 1);
    assert_int_equal(vhdx_writable_settle(w, &error), VHDX_READER_OK);   /* nothing to do */
    assert_int_equal(vhdx_writable_get_report(w)->header_updates, updates + 1);
    vhdx_writable_close(w);
    assert_int_equal(vhdx_heap_live, 0);
    vhdx_image_info info;
    assert_int_equal(change_view_open(mem.data, mem.size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
    assert_int_equal(info.header.sequence_number, seq + 1);
    assert_int_equal(info.payload_states[VHDX_PAYLOAD_BLOCK_ZERO], 0);   /* k = 6: even */
    uint8_t got[SECTOR];
    change_view_sectors(mem.data, mem.size, &b.offsets[0], 1, got);
    assert_memory_equal(got, b.data[0], SECTOR);

    /* The next batch after a settle: a new LogGuid, sequence numbers going on. */
    assert_int_equal(vhdx_writable_open(&w, &mem.io, &change_options, &error), VHDX_READER_OK);
    make_batch(&b, &built, mem.data, 3, 1);
    assert_int_equal(vhdx_writable_change(w, b.changes, b.count, false, &error), VHDX_READER_OK);
    const vhdx_header *h = vhdx_writable_header(w);
    assert_false(vhdx_guid_is_zero(&h->log_guid));
    assert_true(find_raw_entry(&mem, h, &h->log_guid, 1).found);
    /* Not user-visible: DataWriteGuid kept. */
    assert_true(vhdx_guid_equal(&h->data_write_guid, &info.header.data_write_guid));
    assert_sees_batch(&mem, &b);
    vhdx_writable_close(w);
    memory_io_free(&mem);
    vhdx_builder_free(&built);
}

/* A batch the log writer must refuse, with nothing written. */
static void test_refused_batches(void **state)
{
    (void)state;
    struct vhdx_built built;
    struct memory_io mem;
    vhdx_writable *w;
    vhdx_reader_error error;
    static struct batch b;
    static uint8_t sector[SECTOR];

    vhdx_builder_build(&dynamic_spec, &built);
    change_file_open(&mem, built.data, built.size);
    assert_int_equal(vhdx_writable_open(&w, &mem.io, &change_options, &error), VHDX_READER_OK);
    uint8_t *before = malloc(mem.size);
    assert_non_null(before);
    memcpy(before, mem.data, mem.size);
    size_t size = mem.size;

    make_batch(&b, &built, mem.data, MAX_CHANGES, 0);   /* one more than fits */
    assert_int_equal(b.count, MAX_CHANGES + 1);
    assert_int_equal(vhdx_writable_change(w, b.changes, b.count, true, &error),
                     VHDX_READER_UNSUPPORTED);
    assert_non_null(strstr(error.reason, "does not fit"));
    const uint64_t bad[] = { built.bat_at + 512, 128 * 1024, built.log_at + SECTOR,
                             (uint64_t)mem.size, (uint64_t)mem.size - 2048 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vhdx_sector_change c = { bad[i], sector };
        assert_int_equal(vhdx_writable_change(w, &c, 1, false, &error), VHDX_READER_UNSUPPORTED);
        assert_non_null(strstr(error.reason, "not one the log may change"));
    }
    assert_int_equal(mem.size, size);
    assert_memory_equal(mem.data, before, size);
    free(before);
    vhdx_writable_close(w);

    /* No random source: refused before anything is read or written. */
    vhdx_writable_options none = { NULL, NULL, NULL, NULL };
    assert_int_equal(vhdx_writable_open(&w, &mem.io, &none, &error), VHDX_READER_UNSUPPORTED);
    assert_null(w);
    memory_io_free(&mem);
    vhdx_builder_free(&built);
}

/* A file whose log is pending: the writable open replays it on disk, clears LogGuid, and the
 * file then reads exactly as the in-memory replay read it. */
static void test_replay_on_disk(void **state)
{
    (void)state;
    struct vhdx_built built;
    struct memory_io mem;
    vhdx_writable *w;
    vhdx_reader_error error;
    static uint8_t page[SECTOR], far[SECTOR];
    const vhdx_guid guid = {{ 7, 7, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};

    vhdx_builder_build(&dynamic_spec, &built);
    memcpy(page, built.data + built.bat_at, SECTOR);
    vhdx_put64(page + 7 * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
    memset(far, 0x5A, sizeof far);
    const struct vhdx_builder_descriptor d[] = {
        { false, built.bat_at, 0, page },
        { true, built.metadata_at + 256 * 1024, 8192, NULL },
        { false, built.size + MiB, 0, far },   /* grows the file */
    };
    struct vhdx_builder_entry e = { 41, 0, guid, built.size, built.size + 2 * MiB, 3, d };
    vhdx_builder_write_log_entry(&built, 0, &e);
    vhdx_builder_set_log_guid(&built, &guid);
    memset(built.data + built.metadata_at + 256 * 1024, 0x33, 8192);

    /* What the in-memory replay reads. */
    const uint64_t offsets[] = { built.bat_at, built.metadata_at + 256 * 1024,
                                 built.metadata_at + 260 * 1024, built.size + MiB };
    uint8_t want[4 * SECTOR], got[4 * SECTOR];
    change_view_sectors(built.data, built.size, offsets, 4, want);
    assert_memory_equal(want, page, SECTOR);

    change_file_open(&mem, built.data, built.size);
    assert_int_equal(vhdx_writable_open(&w, &mem.io, &change_options, &error), VHDX_READER_OK);
    const vhdx_writable_report *report = vhdx_writable_get_report(w);
    assert_true(report->replayed);
    assert_int_equal(report->replayed_sectors, 2);
    assert_int_equal(report->replayed_zero_bytes, 8192);
    assert_int_equal(report->header_updates, 3);   /* FileWriteGuid twice, LogGuid cleared */
    const vhdx_header h = *vhdx_writable_header(w);
    assert_true(vhdx_guid_is_zero(&h.log_guid));
    /* A new entry in this session follows the replayed log's last sequence number, 41. */
    vhdx_sector_change c = { built.metadata_at + 300 * 1024, far };
    assert_int_equal(vhdx_writable_change(w, &c, 1, false, &error), VHDX_READER_OK);
    const vhdx_header *now = vhdx_writable_header(w);
    assert_false(vhdx_guid_equal(&now->log_guid, &guid));
    assert_true(find_raw_entry(&mem, now, &now->log_guid, 42).found);
    assert_int_equal(vhdx_writable_settle(w, &error), VHDX_READER_OK);
    vhdx_writable_close(w);
    /* On disk now, with no log. */
    assert_int_equal(mem.size, built.size + 2 * MiB);
    assert_memory_equal(mem.data + built.bat_at, page, SECTOR);
    assert_memory_equal(mem.data + built.size + MiB, far, SECTOR);
    vhdx_image_info info;
    assert_int_equal(change_view_open(mem.data, mem.size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
    change_view_sectors(mem.data, mem.size, offsets, 4, got);
    assert_memory_equal(got, want, sizeof want);
    assert_memory_equal(mem.data + built.metadata_at + 300 * 1024, far, SECTOR);
    memory_io_free(&mem);
    vhdx_builder_free(&built);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_wrap_and_replay),
        cmocka_unit_test(test_refused_batches),
        cmocka_unit_test(test_replay_on_disk),
    };
    return cmocka_run_group_tests_name("vhdx_log_write", tests, NULL, NULL);
}
