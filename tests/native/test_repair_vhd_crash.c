/* The VHD repair crashed at every write and failed at every I/O call, for each kind of
 * repair: a dynamic disk with data is damaged (end footer cut at the block's end or half-way
 * into the footer, the last sector trashed after space nothing uses, the copy at offset 0
 * damaged, the two copies valid but different, every checksum stale and the creator 'vsdk',
 * a block outside the file or two blocks on one place dropped with accept_loss), then
 * repaired with a simulated power supply that goes off after the n-th changing call, for
 * every n, first keeping every write made, then also losing each write not yet flushed.
 * After each cut: if the damaged disk opened before, it still opens, and whenever the disk
 * opens every sector reads as the undamaged original's (the dropped blocks as zeros) or, for
 * a damaged disk the reader opened, as it read before the repair; the
 * repair run again completes, the disk then opens, its two footers valid and equal and its
 * content the original's. Then every I/O call of the repair fails in turn (a failing write
 * torn half-way): the same promises hold, and the repair run again completes.
 * VSDISK_CRASH_ALL is accepted for symmetry with the other crash tests: every point of every
 * case is always tried here (they take a few seconds). */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk_repair.h"
#include "ops_fixture.h"
#include "power_io.h"
#include "test_util.h"
#include "vhd_format.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"
#include "vhd_parent_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define DISK_SIZE (16 * MiB)
#define SECTORS (DISK_SIZE / FX_SECTOR)
#define SPB 4096u
#define BLOCK_BYTES (2 * MiB + FX_SECTOR)

static unsigned long total_points;

/* Raw edits of the damaged file. */
static void file_write(const char *path, uint64_t at, const void *buf, size_t len)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseeko(f, (off_t)at, SEEK_SET), 0);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void file_read(const char *path, uint64_t at, void *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseeko(f, (off_t)at, SEEK_SET), 0);
    assert_int_equal(fread(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Sets bytes of the footer at `at` (and refreshes its checksum unless stale). */
static void footer_edit(const char *path, uint64_t at, size_t field, const void *value,
                        size_t len, bool stale)
{
    uint8_t b[VHD_FOOTER_SIZE];
    file_read(path, at, b, sizeof b);
    memcpy(b + field, value, len);
    if (!stale)
        put_be32(b + 64, vhd_checksum(b, sizeof b, 64));
    file_write(path, at, b, sizeof b);
}

static uint64_t table_offset(const char *path)
{
    uint8_t footer[VHD_FOOTER_SIZE], header[VHD_DYNAMIC_HEADER_SIZE];
    file_read(path, 0, footer, sizeof footer);
    uint64_t header_at = (uint64_t)be32(footer + 16) << 32 | be32(footer + 20);
    file_read(path, header_at, header, sizeof header);
    return (uint64_t)be32(header + 16) << 32 | be32(header + 20);
}

static void bat_set(const char *path, uint32_t index, uint32_t value)
{
    uint8_t b[4];
    put_be32(b, value);
    file_write(path, table_offset(path) + (uint64_t)index * 4, b, 4);
}

static uint32_t bat_get(const char *path, uint32_t index)
{
    uint8_t b[4];
    file_read(path, table_offset(path) + (uint64_t)index * 4, b, 4);
    return be32(b);
}

static void cut(const char *path, uint64_t bytes)
{
    assert_int_equal(truncate(path, (off_t)(fx_file_size(path) - bytes)), 0);
}

/* Zeros inserted before the end footer (space nothing refers to). */
static void grow_before_footer(const char *path, uint64_t bytes)
{
    uint64_t size = fx_file_size(path);
    uint8_t footer[VHD_FOOTER_SIZE];
    file_read(path, size - VHD_FOOTER_SIZE, footer, sizeof footer);
    assert_int_equal(truncate(path, (off_t)(size - VHD_FOOTER_SIZE + bytes)), 0);
    file_write(path, size - VHD_FOOTER_SIZE + bytes, footer, sizeof footer);
}

struct damage {
    const char *label;
    void (*make)(const char *path);
    bool accept_loss;
    int lost_block;             /* the block whose data the repair gives up, or -1 */
    bool differencing;          /* the disk is an empty child of the original */
};

/* Block 0's data as the qemu-like writer below leaves it (what every reader must keep). */
static uint8_t qemu_block0[2 * 1024 * 1024];

static void end_cut(const char *p) { cut(p, VHD_FOOTER_SIZE); }
static void end_cut_half(const char *p) { cut(p, 300); }
static void end_trashed_after_leak(const char *p)
{
    uint8_t junk[VHD_FOOTER_SIZE];
    memset(junk, 0xA5, sizeof junk);
    grow_before_footer(p, 3 * MiB);
    file_write(p, fx_file_size(p) - VHD_FOOTER_SIZE, junk, sizeof junk);
}
static void copy_damaged(const char *p)
{
    uint8_t zero[64] = { 0 };
    file_write(p, 0, zero, sizeof zero);
}
static void copies_differ(const char *p)
{
    uint8_t stamp[4] = { 0, 0, 0, 1 };
    footer_edit(p, 0, 24, stamp, 4, false);
}
static void all_stale_vsdk(const char *p)
{
    uint8_t os[4] = { 'M', 'a', 'c', ' ' }, byte;
    footer_edit(p, 0, 28, "vsdk", 4, false);
    footer_edit(p, fx_file_size(p) - VHD_FOOTER_SIZE, 28, "vsdk", 4, false);
    footer_edit(p, 0, 36, os, 4, true);
    footer_edit(p, fx_file_size(p) - VHD_FOOTER_SIZE, 36, os, 4, true);
    file_read(p, 512 + 40, &byte, 1);
    byte ^= 0xFF;
    file_write(p, 512 + 40, &byte, 1);
}
static void block_outside(const char *p) { bat_set(p, 5, 4000000); }
static void blocks_share(const char *p) { bat_set(p, 6, bat_get(p, 0)); }
static void last_block_cut_short(const char *p) { cut(p, MiB + 512); }

/* What qemu does to a differencing VHD it takes for a dynamic one: its first block placed
 * right after the table (over the parent locators' data), its bitmap all ones, a guest write
 * of 64 KiB at 1 MiB, the rest of the block whatever the file held there; the footer at the
 * new end. */
static void qemu_over_locators(const char *p)
{
    uint8_t footer[VHD_FOOTER_SIZE], header[VHD_DYNAMIC_HEADER_SIZE], bitmap[FX_SECTOR];
    uint64_t size = fx_file_size(p), rng = 77;
    file_read(p, 0, footer, sizeof footer);
    file_read(p, 512, header, sizeof header);
    uint64_t table = table_offset(p);
    uint64_t at = table + ((uint64_t)be32(header + 28) * 4 + 511) / 512 * 512;
    memset(qemu_block0, 0, sizeof qemu_block0);
    uint64_t data_at = at + FX_SECTOR;
    if (data_at < size - VHD_FOOTER_SIZE)
        file_read(p, data_at, qemu_block0, (size_t)(size - VHD_FOOTER_SIZE - data_at));
    fx_random(&rng, qemu_block0 + MiB, 64 * 1024);
    assert_int_equal(truncate(p, (off_t)data_at), 0);
    memset(bitmap, 0xFF, sizeof bitmap);
    file_write(p, at, bitmap, sizeof bitmap);
    file_write(p, data_at, qemu_block0, sizeof qemu_block0);
    file_write(p, data_at + sizeof qemu_block0, footer, sizeof footer);
    bat_set(p, 0, (uint32_t)(at / FX_SECTOR));
}

/* The absolute locator's path made to name nothing (its second character 'X'). */
static void stale_absolute_locator(const char *p)
{
    uint8_t header[VHD_DYNAMIC_HEADER_SIZE], x[2] = { 'X', 0 };
    file_read(p, 512, header, sizeof header);
    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        const uint8_t *e = header + 576 + 24 * i;
        if (memcmp(e, "W2ku", 4) == 0) {
            file_write(p, ((uint64_t)be32(e + 16) << 32 | be32(e + 20)) + 2, x, sizeof x);
            return;
        }
    }
    fail_msg("%s", "no W2ku locator");
}

/* The paths a child records for its parent here: the absolute path as found, and
 * ".\NAME" (the parent beside the child). */
static uint16_t path_units[2][1024];
static bool test_parent_paths(void *ctx, const char *name, const char *parent_name,
                              disk_relink_paths *paths)
{
    (void)ctx;
    (void)name;
    const char *base = strrchr(parent_name, '/');
    base = base ? base + 1 : parent_name;
    size_t n = strlen(parent_name), m = strlen(base);
    assert_true(n < 1024 && m + 2 < 1024);
    for (size_t i = 0; i < n; i++)
        path_units[0][i] = (uint8_t)parent_name[i];
    path_units[1][0] = '.';
    path_units[1][1] = '\\';
    for (size_t i = 0; i < m; i++)
        path_units[1][2 + i] = (uint8_t)base[i];
    *paths = (disk_relink_paths){ path_units[0], n, path_units[1], m + 2, NULL, 0 };
    return true;
}

static const struct damage damages[] = {
    { "stale absolute parent locator, refreshed", stale_absolute_locator, false, -1, true },
    { "qemu's first block over the parent locators, moved", qemu_over_locators, false, -1, true },
    { "end footer cut at the last block's end", end_cut, false, -1, false },
    { "end footer cut half-way", end_cut_half, false, -1, false },
    { "end footer trashed after unused space", end_trashed_after_leak, false, -1, false },
    { "footer copy damaged", copy_damaged, false, -1, false },
    { "footer copies valid but different", copies_differ, false, -1, false },
    { "checksums stale, creator 'vsdk'", all_stale_vsdk, false, -1, false },
    { "block outside the file, dropped", block_outside, true, -1, false },
    { "two blocks on one place, one dropped", blocks_share, true, 6, false },
    { "last block cut short with the footer, dropped", last_block_cut_short, true, 1, false },
};

/* The undamaged disk: 16 MiB, data in blocks 0, 1 (the last one in the file) and 6's place
 * left empty. */
static uint8_t *make_original(const char *path)
{
    uint64_t rng = 0x5eed;
    uint8_t *model = calloc(1, DISK_SIZE), *data = malloc(SPB * FX_SECTOR);
    assert_non_null(model);
    assert_non_null(data);
    fx_create_dynamic(path, DISK_SIZE);
    fx_random(&rng, data, 100 * FX_SECTOR);
    fx_write(path, 3, 100, data);
    memcpy(model + 3 * FX_SECTOR, data, 100 * FX_SECTOR);
    fx_random(&rng, data, SPB * FX_SECTOR);
    fx_write(path, SPB, SPB, data);
    memcpy(model + SPB * FX_SECTOR, data, SPB * FX_SECTOR);
    free(data);
    return model;
}

static vhd_reader_code run_repair(const char *path, struct power_supply *supply,
                                  struct vhd_io_fault *fault, bool accept_loss,
                                  disk_repair_report *report)
{
    struct vhd_io_posix file;
    struct power_io pio;
    disk_repair_options options = { .accept_loss = accept_loss, .name = path,
                                    .opener = &vhd_parent_posix_opener,
                                    .parent_paths = test_parent_paths };
    vhd_reader_error error;
    vhd_io_posix_init(&file, path);
    vhd_io *io = &file.io;
    if (supply != NULL) {
        power_io_plug(&pio, &file.io, supply);
        io = &pio.io;
    }
    if (fault != NULL) {
        vhd_io_fault_init(fault, io);
        fault->torn_write = true;
        io = &fault->io;
    }
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    vhd_reader_code code = disk_repair(io, &options, report, &error);
    file.io.close(&file.io);
    if (supply != NULL)
        power_io_unplug(&pio);
    bool failed_on_purpose = (supply != NULL && supply->off)
                             || (fault != NULL && fault->fail_at != 0
                                 && fault->calls >= fault->fail_at);
    if (code != VHD_READER_OK && !failed_on_purpose)
        fail_msg("repair failed without a cut: %s", error.reason);
    return code;
}

static void assert_reads_as(const char *path, const uint8_t *want, const char *when)
{
    uint8_t *got = fx_read_chain(path, DISK_SIZE);
    for (uint64_t s = 0; s < SECTORS; s++) {
        if (memcmp(got + s * FX_SECTOR, want + s * FX_SECTOR, FX_SECTOR) != 0)
            fail_msg("%s: sector %" PRIu64 " differs", when, s);
    }
    free(got);
}

static void assert_repaired(const char *path, const uint8_t *want, const char *when)
{
    uint8_t end[VHD_FOOTER_SIZE], copy[VHD_FOOTER_SIZE];
    vhd_footer footer;
    assert_true(fx_opens(path));
    file_read(path, fx_file_size(path) - VHD_FOOTER_SIZE, end, sizeof end);
    file_read(path, 0, copy, sizeof copy);
    assert_int_equal(vhd_footer_decode(&footer, end, sizeof end), VHD_FORMAT_OK);
    assert_memory_equal(end, copy, sizeof end);
    assert_memory_not_equal(footer.creator_application, "vsdk", 4);
    assert_reads_as(path, want, when);
}

/* Each sector reads as before the repair (a damaged disk the reader opened) or as after. */
static void assert_old_or_new(const char *path, const uint8_t *old, const uint8_t *want,
                              const char *when)
{
    uint8_t *got = fx_read_chain(path, DISK_SIZE);
    for (uint64_t s = 0; s < SECTORS; s++) {
        const uint8_t *g = got + s * FX_SECTOR;
        if (memcmp(g, want + s * FX_SECTOR, FX_SECTOR) != 0
            && (old == NULL || memcmp(g, old + s * FX_SECTOR, FX_SECTOR) != 0))
            fail_msg("%s: sector %" PRIu64 " reads neither as before nor as repaired", when, s);
    }
    free(got);
}

static void after_failure(const char *path, const uint8_t *want, const uint8_t *old,
                          const struct damage *d, const char *what, unsigned n)
{
    char when[160];
    disk_repair_report report;
    snprintf(when, sizeof when, "%s, %s %u", d->label, what, n);
    if (old != NULL && !fx_opens(path))
        fail_msg("%s: the disk no longer opens", when);
    if (fx_opens(path))
        assert_old_or_new(path, old, want, when);
    struct power_supply on;
    power_supply_init(&on, UINT32_MAX, false);
    assert_int_equal(run_repair(path, &on, NULL, d->accept_loss, &report), VHD_READER_OK);
    assert_int_equal(report.refused, 0);
    assert_repaired(path, want, when);
    /* Finished: a third run has nothing left to do. */
    assert_int_equal(run_repair(path, &on, NULL, d->accept_loss, &report), VHD_READER_OK);
    if (report.changes != 0)
        fail_msg("%s: a repair after the completed one still changes: %s", when, report.change[0]);
    total_points++;
}

static void crash_and_fail_every_call(const struct damage *d)
{
    char *dir = test_make_temp_dir();
    char *orig = test_path_join(dir, "orig.vhd"), *damaged = test_path_join(dir, "damaged.vhd");
    char *work = test_path_join(dir, "work.vhd");
    uint8_t *want = make_original(orig);
    if (d->differencing)
        fx_create_child(damaged, orig);
    else
        fx_copy_file(orig, damaged);
    d->make(damaged);
    if (d->make == qemu_over_locators)
        memcpy(want, qemu_block0, sizeof qemu_block0);
    if (d->lost_block >= 0)
        memset(want + (uint64_t)d->lost_block * SPB * FX_SECTOR, 0, SPB * FX_SECTOR);
    /* What the damaged disk reads, when the reader opens it at all. */
    uint8_t *old = fx_opens(damaged) ? fx_read_chain(damaged, DISK_SIZE) : NULL;
    disk_repair_report report;

    /* The clean run: its changing calls. */
    struct power_supply supply;
    fx_copy_file(damaged, work);
    power_supply_init(&supply, UINT32_MAX, false);
    assert_int_equal(run_repair(work, &supply, NULL, d->accept_loss, &report),
                     VHD_READER_OK);
    assert_true(report.changes > 0);
    assert_int_equal(report.refused, 0);
    assert_int_equal(report.losses, d->lost_block >= 0 || d->accept_loss ? 1u : 0u);
    assert_repaired(work, want, d->label);
    unsigned calls = supply.changing_calls;
    assert_true(calls > 0);

    for (int lose = 0; lose < 2; lose++) {
        for (unsigned n = 0; n < calls; n++) {
            fx_copy_file(damaged, work);
            power_supply_init(&supply, n, lose);
            assert_int_not_equal(run_repair(work, &supply, NULL, d->accept_loss, &report),
                                 VHD_READER_OK);
            after_failure(work, want, old, d, lose ? "cut, unflushed lost," : "cut",
                          n);
        }
    }
    /* Every I/O call failed in turn. */
    struct vhd_io_fault fault;
    fx_copy_file(damaged, work);
    assert_int_equal(run_repair(work, NULL, &fault, d->accept_loss, &report),
                     VHD_READER_OK);
    unsigned io_calls = fault.calls;
    for (unsigned n = 1; n <= io_calls; n++) {
        fx_copy_file(damaged, work);
        struct vhd_io_fault failing;
        struct vhd_io_posix file;
        vhd_io_posix_init(&file, work);
        vhd_io_fault_init(&failing, &file.io);
        failing.fail_at = n;
        failing.fail_status = VHD_E_IO;
        failing.torn_write = true;
        assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
        disk_repair_options options = { .accept_loss = d->accept_loss, .name = work,
                                        .opener = &vhd_parent_posix_opener,
                                        .parent_paths = test_parent_paths };
        vhd_reader_error error;
        assert_int_not_equal(disk_repair(&failing.io, &options, &report, &error), VHD_READER_OK);
        file.io.close(&file.io);
        after_failure(work, want, old, d, "I/O call failed:", n);
    }
    print_message("# %s: %u crash points (x2), %u I/O calls failed in turn\n", d->label, calls,
                  io_calls);
    free(want);
    free(old);
    free(orig);
    free(damaged);
    free(work);
    test_remove_temp_dir(dir);
}

static void test_repair_crash(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++)
        crash_and_fail_every_call(&damages[i]);
    print_message("# points tried: %lu (each checked, then the repair run again to the end)\n",
                  total_points);
}

int main(void)
{
    /* Files copied and reopened hundreds of times: on a RAM disk when there is one. */
    if (getenv("TMPDIR") == NULL && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repair_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
