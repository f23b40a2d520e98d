/* The log, for readers: files whose header carries a LogGuid are opened by replaying the
 * active sequence into memory. Each case writes entries into a builder image's log and, for
 * the entries that should be replayed, applies the same descriptors to a copy of the image
 * (the model: plain byte copies, LogGuid then cleared). The replayed image must read sector
 * for sector like the model, say what it replayed, and leave the file's bytes unchanged;
 * logs that cannot be replayed are refused with their reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx_builder.h"
#include "vhdx_test_util.h"

static const vhdx_guid log_guid = {{ 0x4C, 0x4F, 0x47, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};
static const vhdx_guid other_guid = {{ 0x0B, 0x4F, 0x47, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};

struct logged {
    struct vhdx_built b;            /* the file, with its log */
    struct vhdx_built model;        /* what the replay must give */
    unsigned entries;               /* replayed entries expected */
    uint64_t data_sectors, zero_descriptors;
};

static void log_begin(struct logged *l, const struct vhdx_builder_spec *spec)
{
    memset(l, 0, sizeof *l);
    vhdx_builder_build(spec, &l->b);
    vhdx_builder_build(spec, &l->model);
    vhdx_builder_set_log_guid(&l->b, &log_guid);
}

/* Applies descriptors to the model as a replay would. */
static void model_apply(struct logged *l, const struct vhdx_builder_descriptor *d, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t length = d[i].zero ? d[i].length : 4096;
        if (d[i].file_offset + length > l->model.size)
            vhdx_builder_resize(&l->model, (size_t)(d[i].file_offset + length));
        if (d[i].zero)
            memset(l->model.data + d[i].file_offset, 0, (size_t)length);
        else
            memcpy(l->model.data + d[i].file_offset, d[i].data, 4096);
    }
}

/* Writes an entry at log offset position; replayed: it belongs to the active sequence. */
static uint32_t log_entry(struct logged *l, uint32_t position, uint64_t sequence, uint32_t tail,
                          const struct vhdx_builder_descriptor *d, unsigned n, bool replayed)
{
    struct vhdx_builder_entry e = { sequence, tail, log_guid, l->b.size, l->b.size, n, d };
    uint32_t length = vhdx_builder_write_log_entry(&l->b, position, &e);
    if (replayed) {
        model_apply(l, d, n);
        l->entries++;
        for (unsigned i = 0; i < n; i++) {
            l->data_sectors += !d[i].zero;
            l->zero_descriptors += d[i].zero;
        }
    }
    return length;
}

static void expected_model(void *ctx, uint64_t lba, uint8_t *out)
{
    vhdx_image *model = ctx;
    vhdx_reader_error error;
    assert_int_equal(vhdx_image_read_sectors(model, lba, 1, out, &error), VHDX_READER_OK);
}

/* Opens the file (replaying) and the model (no log) and compares them sector by sector. */
static const vhdx_image_info *log_check(struct logged *l, struct opened *o)
{
    uint8_t *before = malloc(l->b.size);
    assert_non_null(before);
    memcpy(before, l->b.data, l->b.size);
    vhdx_heap_start();
    opened_open(o, l->b.data, l->b.size);
    if (o->code != VHDX_READER_OK)
        fail_msg("refused: %s", o->error.reason);
    struct opened m;
    opened_open(&m, l->model.data, l->model.size);
    if (m.code != VHDX_READER_OK)
        fail_msg("the model is refused: %s", m.error.reason);
    check_content(o->image, expected_model, m.image);
    const vhdx_image_info *info = vhdx_image_get_info(o->image);
    assert_int_equal(info->log.state, VHDX_LOG_REPLAYED_IN_MEMORY);
    assert_int_equal(info->log.entries, l->entries);
    assert_int_equal(info->log.data_sectors, l->data_sectors);
    assert_int_equal(info->log.zero_descriptors, l->zero_descriptors);
    assert_int_equal(info->virtual_size, vhdx_image_get_info(m.image)->virtual_size);
    opened_close(&m);
    /* The file was only read. */
    assert_int_equal(o->mem.size, l->b.size);
    assert_memory_equal(o->mem.data, before, l->b.size);
    free(before);
    assert_true(vhdx_heap_peak <= VHDX_READER_IMAGE_HEAP_MAX(l->b.size, l->b.log_length));
    return info;
}

static void log_end(struct logged *l, struct opened *o)
{
    if (o != NULL) {
        opened_close(o);
        assert_int_equal(vhdx_heap_live, 0);
    }
    vhdx_builder_free(&l->b);
    vhdx_builder_free(&l->model);
}

static void log_refused(struct logged *l, vhdx_reader_code code, const char *words)
{
    struct opened o;
    vhdx_heap_start();
    opened_open(&o, l->b.data, l->b.size);
    if (o.code != code || strstr(o.error.reason, words) == NULL)
        fail_msg("got %s (%s), expected %s with \"%s\"", vhdx_reader_code_name(o.code),
                 o.error.reason, vhdx_reader_code_name(code), words);
    opened_close(&o);
    assert_int_equal(vhdx_heap_live, 0);
    log_end(l, NULL);
}

/* The BAT's first page with entry index set to value. */
static void bat_page(const struct logged *l, uint64_t index, uint64_t value, uint8_t page[4096])
{
    memcpy(page, l->b.data + l->b.bat_at, 4096);
    vhdx_put64(page + 8 * index, value);
}

static void fill(uint8_t page[4096], uint8_t byte)
{
    for (int i = 0; i < 4096; i++)
        page[i] = (uint8_t)(byte + i / 512);
}

static const struct vhdx_builder_spec dynamic2 = { .present_blocks = 2 };

/* One entry: the BAT page now makes block 2 present, in a block written at the end. */
static void test_one_entry(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    size_t block = l.b.size;
    vhdx_builder_resize(&l.b, block + MiB);
    memset(l.b.data + block, 0xC3, MiB);
    vhdx_builder_resize(&l.model, block + MiB);
    memset(l.model.data + block, 0xC3, MiB);
    uint8_t page[4096];
    bat_page(&l, 2, vhdx_bat_entry(6, block), page);
    struct vhdx_builder_descriptor d[] = { { false, l.b.bat_at, 0, page } };
    log_entry(&l, 0, 1, 0, d, 1, true);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->payload_states[6], 3);
    assert_int_equal(info->log.first_sequence, 1);
    assert_int_equal(info->log.last_sequence, 1);
    uint8_t sector[512];
    vhdx_reader_error error;
    assert_int_equal(vhdx_image_read_sectors(o.image, 2 * 2048 + 100, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0xC3);
    log_end(&l, &o);
}

/* Several entries of one sequence: later ones win; payload sectors in the log are replayed
 * too (qemu writes them). Also the metadata, read after the replay: the disk grows. */
static void test_several_entries(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a1[4096], b1[4096], a2[4096], md[4096];
    fill(a1, 0x10);
    fill(b1, 0x20);
    fill(a2, 0x30);
    memcpy(md, l.b.data + l.b.item_at[0] / 4096 * 4096, 4096);
    vhdx_put64(md + l.b.item_at[1] % 4096, 6 * MiB);   /* the virtual size, was 8 MiB */
    struct vhdx_builder_descriptor e1[] = { { false, l.b.first_block_at, 0, a1 } };
    struct vhdx_builder_descriptor e2[] = { { false, l.b.first_block_at + 8192, 0, b1 },
                                            { false, l.b.item_at[0] / 4096 * 4096, 0, md } };
    struct vhdx_builder_descriptor e3[] = { { false, l.b.first_block_at, 0, a2 } };
    uint32_t at = 0;
    at += log_entry(&l, at, 41, 0, e1, 1, true);
    at += log_entry(&l, at, 42, 0, e2, 2, true);
    log_entry(&l, at, 43, 0, e3, 1, true);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->virtual_size, 6 * MiB);
    assert_int_equal(info->log.first_sequence, 41);
    assert_int_equal(info->log.last_sequence, 43);
    uint8_t sector[512];
    vhdx_reader_error error;
    assert_int_equal(vhdx_image_read_sectors(o.image, 0, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0x30);
    assert_int_equal(vhdx_image_read_sectors(o.image, 16, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0x20);
    log_end(&l, &o);
}

/* An entry that wraps around the end of the log, after an older one at the start. */
static void test_wrapping_entry(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a[4096], b[4096], old[4096];
    fill(a, 0x51);
    fill(b, 0x62);
    fill(old, 0x73);
    /* An old sequence at 64 KiB (seq 3), the active one at the end, wrapping (seq 8, 9). */
    struct vhdx_builder_descriptor e_old[] = { { false, l.b.first_block_at, 0, old } };
    log_entry(&l, 65536, 3, 65536, e_old, 1, false);
    uint32_t start = (uint32_t)(MiB - 8192);
    struct vhdx_builder_descriptor e1[] = { { false, l.b.first_block_at + 4096, 0, a },
                                            { false, l.b.first_block_at + MiB, 0, b } };
    uint32_t length = log_entry(&l, start, 8, start, e1, 2, true);
    assert_int_equal(length, 12288);   /* one descriptor sector, two data sectors: wraps */
    struct vhdx_builder_descriptor e2[] = { { false, l.b.first_block_at, 0, a } };
    log_entry(&l, (start + length) % (uint32_t)MiB, 9, start, e2, 1, true);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.tail, start);
    assert_int_equal(info->log.head, 4096);
    assert_int_equal(info->log.first_sequence, 8);
    log_end(&l, &o);
}

/* Zero descriptors: a whole present block zeroed, and a range in the same entry as data. */
static void test_zero_descriptors(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a[4096];
    fill(a, 0x99);
    struct vhdx_builder_descriptor d[] = {
        { true, l.b.first_block_at, MiB, NULL },
        { false, l.b.first_block_at + 4096, 0, a },
        { true, l.b.first_block_at + MiB + 65536, 8192, NULL },
    };
    log_entry(&l, 0, 1, 0, d, 3, true);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.zero_bytes, MiB + 8192);
    uint8_t sector[512];
    vhdx_reader_error error;
    assert_int_equal(vhdx_image_read_sectors(o.image, 0, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0);
    assert_int_equal(vhdx_image_read_sectors(o.image, 8, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0x99);
    log_end(&l, &o);
}

/* A torn last entry (a data sector never written): the sequence before it is replayed. */
static void test_torn_last_entry(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a[4096], b[4096];
    fill(a, 0x21);
    fill(b, 0x43);
    struct vhdx_builder_descriptor e1[] = { { false, l.b.first_block_at, 0, a } };
    struct vhdx_builder_descriptor e2[] = { { false, l.b.first_block_at, 0, b } };
    uint32_t at = log_entry(&l, 0, 5, 0, e1, 1, true);
    uint32_t length = log_entry(&l, at, 6, 0, e2, 1, false);
    memset(l.b.data + l.b.log_at + at + length - 4096, 0, 4096);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.last_sequence, 5);
    log_end(&l, &o);
}

/* Entries of another LogGuid are not the file's: the file's own sequence is replayed; with
 * only foreign entries there is nothing valid, and the file is refused. */
static void test_other_log_guid(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a[4096], b[4096];
    fill(a, 0x35);
    fill(b, 0x47);
    struct vhdx_builder_descriptor foreign[] = { { false, l.b.first_block_at, 0, b } };
    struct vhdx_builder_entry e = { 50, 0, other_guid, l.b.size, l.b.size, 1, foreign };
    vhdx_builder_write_log_entry(&l.b, 0, &e);
    struct vhdx_builder_descriptor own[] = { { false, l.b.first_block_at, 0, a } };
    log_entry(&l, 262144, 2, 262144, own, 1, true);
    log_check(&l, &o);
    log_end(&l, &o);

    log_begin(&l, &dynamic2);
    vhdx_builder_write_log_entry(&l.b, 0, &e);
    log_refused(&l, VHDX_READER_BAD_LOG, "holds no valid sequence");
}

/* A sequence that extends the file: LastFileOffset beyond its end, and a BAT entry and a
 * data sector beyond it. */
static void test_extends_file(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    size_t end = l.b.size;
    uint8_t page[4096], a[4096];
    bat_page(&l, 5, vhdx_bat_entry(6, end), page);
    fill(a, 0x6B);
    struct vhdx_builder_descriptor d[] = { { false, l.b.bat_at, 0, page },
                                           { false, end + 8192, 0, a } };
    struct vhdx_builder_entry e = { 77, 0, log_guid, end, end + 2 * MiB, 2, d };
    vhdx_builder_write_log_entry(&l.b, 0, &e);
    model_apply(&l, d, 2);
    vhdx_builder_resize(&l.model, end + 2 * MiB);
    l.entries = 1;
    l.data_sectors = 2;
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.last_file_offset, end + 2 * MiB);
    assert_int_equal(info->log.replayed_file_size, end + 2 * MiB);
    assert_int_equal(info->file_size, end);
    uint8_t sector[512];
    vhdx_reader_error error;
    assert_int_equal(vhdx_image_read_sectors(o.image, 5 * 2048 + 16, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0x6B);
    assert_int_equal(vhdx_image_read_sectors(o.image, 5 * 2048, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0);
    log_end(&l, &o);
}

/* A file shorter than the sequence's FlushedFileOffset was truncated: refused. */
static void test_truncated_below_flushed(void **state)
{
    (void)state;
    struct logged l;
    log_begin(&l, &dynamic2);
    struct vhdx_builder_entry e = { 9, 0, log_guid, l.b.size + MiB, l.b.size + MiB, 0, NULL };
    vhdx_builder_write_log_entry(&l.b, 0, &e);
    log_refused(&l, VHDX_READER_TRUNCATED, "shorter than the FlushedFileOffset 7340032");
}

/* Replay starts at the head's Tail, not at the start of the run of valid entries: an older
 * entry just before the tail, with consecutive numbers, is not replayed. */
static void test_replay_from_tail(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a[4096], b[4096];
    fill(a, 0x44);
    fill(b, 0x55);
    struct vhdx_builder_descriptor older[] = { { false, l.b.first_block_at, 0, a },
                                               { false, l.b.first_block_at + 4096, 0, a } };
    struct vhdx_builder_descriptor newer[] = { { false, l.b.first_block_at, 0, b } };
    uint32_t at = log_entry(&l, 0, 14, 0, older, 2, false);
    log_entry(&l, at, 15, at, newer, 1, true);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.tail, at);
    assert_int_equal(info->log.first_sequence, 15);
    log_end(&l, &o);
}

/* Of two complete sequences the one with the higher sequence number is replayed. */
static void test_highest_sequence(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    uint8_t a[4096], b[4096];
    fill(a, 0x11);
    fill(b, 0x22);
    struct vhdx_builder_descriptor high[] = { { false, l.b.first_block_at, 0, b } };
    struct vhdx_builder_descriptor low[] = { { false, l.b.first_block_at, 0, a } };
    log_entry(&l, 0, 90, 0, high, 1, true);
    log_entry(&l, 524288, 30, 524288, low, 1, false);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.last_sequence, 90);
    log_end(&l, &o);
}

/* A sequence whose head's Tail points outside it is not complete; empty entries (DiscUtils
 * saw them) are a valid sequence with nothing to apply. */
static void test_incomplete_and_empty(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    log_entry(&l, 8192, 4, 0, NULL, 0, false);   /* tail 0: no entry there */
    log_refused(&l, VHDX_READER_BAD_LOG, "holds no valid sequence");

    log_begin(&l, &dynamic2);
    uint32_t at = log_entry(&l, 0, 1, 0, NULL, 0, true);
    log_entry(&l, at, 2, 0, NULL, 0, true);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.entries, 2);
    log_end(&l, &o);
}

/* Entries that fail their checks are not valid (so with nothing else, the file is refused). */
static void test_invalid_entries(void **state)
{
    (void)state;
    uint8_t a[4096];
    fill(a, 0x5A);
    for (int kind = 0; kind < 6; kind++) {
        struct logged l;
        log_begin(&l, &dynamic2);
        struct vhdx_builder_descriptor d[] = { { false, l.b.first_block_at, 0, a } };
        uint32_t length = log_entry(&l, 0, 3, 0, d, 1, false);
        uint8_t *entry = l.b.data + l.b.log_at;
        switch (kind) {
        case 0: entry[5] ^= 1; break;                          /* checksum */
        case 1: entry[4096 + 4] ^= 1; break;                   /* data sector's SequenceHigh */
        case 2: memcpy(entry + 64, "dxsc", 4); break;          /* descriptor signature */
        case 3: vhdx_put32(entry + 8, length + 4096); break;   /* EntryLength */
        case 4: vhdx_put64(entry + 16, 0); break;              /* SequenceNumber 0 */
        case 5: vhdx_put32(entry + 12, 100); break;            /* Tail not 4 KiB aligned */
        }
        if (kind >= 2)
            vhdx_put32(entry + 4, vhdx_log_entry_checksum(entry, vhdx_get32(entry + 8)));
        log_refused(&l, VHDX_READER_BAD_LOG, "holds no valid sequence");
    }
}

/* Descriptors that write where a log may not: refused. */
static void test_forbidden_targets(void **state)
{
    (void)state;
    static const struct { uint64_t offset; bool zero; const char *words; } rows[] = {
        { 65536, false, "at offset 65536, outside what a log may change" },
        { 0, true, "at offset 0, outside" },
        { 1048576, false, "over the log itself" },
        { UINT64_C(1) << 50, true, "outside what a log may change" },
    };
    uint8_t a[4096];
    fill(a, 0x12);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct logged l;
        log_begin(&l, &dynamic2);
        struct vhdx_builder_descriptor d[] = { { rows[i].zero, rows[i].offset, 4096, a } };
        log_entry(&l, 0, 1, 0, d, 1, false);
        log_refused(&l, VHDX_READER_BAD_LOG, rows[i].words);
    }
}

/* A log as dense as can be: one entry of 1 MiB holding 32,766 zero descriptors. The records
 * stay within the bound (40 bytes per 32 bytes of log), and every one of them is replayed. */
static void test_dense_log(void **state)
{
    (void)state;
    struct logged l;
    struct opened o;
    log_begin(&l, &dynamic2);
    unsigned count = (unsigned)((MiB - 64) / 32);
    struct vhdx_builder_descriptor *d = calloc(count, sizeof *d);
    assert_non_null(d);
    for (unsigned i = 0; i < count; i++) {
        d[i].zero = true;
        d[i].file_offset = l.b.first_block_at + (uint64_t)(i % 512) * 4096 * 2;
        d[i].length = 4096;
    }
    uint32_t length = log_entry(&l, 0, 1, 0, d, count, true);
    assert_int_equal(length, MiB);
    const vhdx_image_info *info = log_check(&l, &o);
    assert_int_equal(info->log.zero_descriptors, count);
    print_message("# %u descriptors replayed: reader heap peak %zu bytes (bound %zu)\n", count,
                  vhdx_heap_peak, (size_t)VHDX_READER_IMAGE_HEAP_MAX(l.b.size, l.b.log_length));
    free(d);
    log_end(&l, &o);
}

/* A fault at every read of the open of a replayed file: an I/O error, never a crash or a leak. */
struct failing_io {
    struct memory_io mem;
    unsigned calls, fail_at;
};

static vhd_status failing_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct failing_io *f = (struct failing_io *)io;
    if (++f->calls == f->fail_at)
        return VHD_E_IO;
    struct memory_io *mem = &f->mem;
    if (offset > mem->size || len > mem->size - offset)
        return VHD_E_END_OF_FILE;
    memcpy(buf, mem->data + offset, len);
    return VHD_OK;
}

static void test_read_faults(void **state)
{
    (void)state;
    struct logged l;
    log_begin(&l, &(struct vhdx_builder_spec){ .differencing = true, .present_blocks = 1,
                                               .partial_block = true });
    uint8_t a[4096];
    fill(a, 0x31);
    struct vhdx_builder_descriptor d[] = { { false, l.b.first_block_at, 0, a },
                                           { true, l.b.first_block_at + MiB, 8192, NULL } };
    log_entry(&l, 0, 1, 0, d, 2, true);
    unsigned faults = 0;
    for (unsigned fail_at = 1;; fail_at++) {
        struct failing_io f;
        memset(&f, 0, sizeof f);
        assert_true(memory_io_init_with(&f.mem, l.b.data, l.b.size));
        f.mem.io.read_at = failing_read_at;
        f.fail_at = fail_at;
        assert_int_equal(f.mem.io.open(&f.mem.io, VHD_IO_OPEN_READ), VHD_OK);
        vhdx_image *image;
        vhdx_reader_error error;
        vhdx_heap_start();
        vhdx_reader_code code = vhdx_image_open(&image, &f.mem.io, &vhdx_counted, &error);
        if (code == VHDX_READER_OK) {
            uint8_t buf[512 * 64];
            /* the reads of the content may still meet the fault: the log's sector, the
             * partial block (bitmap), the zeroed range, a parent's block */
            static const uint64_t lbas[] = { 0, 2048, 2048 + 128, 4096 };
            for (size_t i = 0; i < 4 && code == VHDX_READER_OK; i++)
                code = vhdx_image_read_sectors(image, lbas[i], 64, buf, &error);
            vhdx_image_close(image);
            if (code == VHDX_READER_OK) {
                memory_io_free(&f.mem);
                assert_int_equal(vhdx_heap_live, 0);
                break;
            }
        }
        assert_int_equal(code, VHDX_READER_IO);
        assert_int_equal(error.io_status, VHD_E_IO);
        assert_non_null(strstr(error.reason, "failed"));
        memory_io_free(&f.mem);
        assert_int_equal(vhdx_heap_live, 0);
        faults++;
    }
    print_message("# %u read faults, each an I/O error\n", faults);
    assert_true(faults > 20);
    log_end(&l, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_entry),
        cmocka_unit_test(test_several_entries),
        cmocka_unit_test(test_wrapping_entry),
        cmocka_unit_test(test_zero_descriptors),
        cmocka_unit_test(test_torn_last_entry),
        cmocka_unit_test(test_other_log_guid),
        cmocka_unit_test(test_extends_file),
        cmocka_unit_test(test_truncated_below_flushed),
        cmocka_unit_test(test_replay_from_tail),
        cmocka_unit_test(test_highest_sequence),
        cmocka_unit_test(test_incomplete_and_empty),
        cmocka_unit_test(test_invalid_entries),
        cmocka_unit_test(test_forbidden_targets),
        cmocka_unit_test(test_dense_log),
        cmocka_unit_test(test_read_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
