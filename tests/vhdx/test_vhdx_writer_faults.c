/* Reliability of the VHDX writers, as test_writer_faults does for VHD: every I/O call of each
 * creation failed in turn (each kind of failure, torn writes included), the volume full at
 * every interesting point, a cancel at every poll, and the file inspected after every call
 * that succeeded: at no moment before the commit (the headers' write) may it pass for a disk,
 * by the commit-last rule (the test's own reading: "vhdxfile" and a current header) nor by the
 * project's strict reader, and nothing is left after a failure. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_util.h"
#include "vhd_create_fixed.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"
#include "vhdx_create.h"
#include "vhdx_reader.h"
#include "vhdx_spec.h"

#define MiB SPEC_MiB
#define GiB (MiB * 1024)
#define MAX_CALLS 512

enum kind { DYNAMIC, FIXED, FIXED_ZEROS, DIFFERENCING };
static const char *const kind_names[] = { "dynamic", "fixed", "fixed (zeros written)",
                                          "differencing" };

static unsigned long injected_faults, short_disks, cancels, states_inspected;

struct run {
    enum kind kind;
    uint64_t size;
    uint32_t block;
    char *dir, *path;
    struct vhd_io_posix file;
    struct vhd_io_fault fault;
    vhdx_create_options options;
    vhdx_parent_facts parent;
    uint16_t relative[16], absolute[32];
    unsigned polls, cancel_from;
    bool inspect;
    unsigned first_valid_call;
    char calls[MAX_CALLS];       /* successful calls: C W F X A(llocate) */
    unsigned last_report;
};

/* Does the project's reader open the file as a VHDX? */
static bool reader_opens(const char *path)
{
    struct vhd_io_posix file;
    vhdx_image *image = NULL;
    vhdx_reader_error error;
    vhd_io_posix_init(&file, path);
    if (file.io.open(&file.io, VHD_IO_OPEN_READ) != VHD_OK)
        return false;
    bool opened = vhdx_image_open(&image, &file.io, NULL, &error) == VHDX_READER_OK;
    if (opened)
        vhdx_image_close(image);
    file.io.close(&file.io);
    return opened;
}

/* Would a reader take the file for a disk now? Both judges must agree. */
static bool opens_as_disk(const struct run *run)
{
    struct stat st;
    if (stat(run->path, &st) != 0)
        return false;
    bool committed = spec_vhdx_committed(run->path);
    bool opened = reader_opens(run->path);
    if (committed != opened)
        fail_msg("%s: the commit-last rule says %s, the reader %s", kind_names[run->kind],
                 committed ? "a disk" : "no disk", opened ? "opens it" : "refuses it");
    return opened;
}

static void on_call(void *ctx, unsigned call, enum vhd_io_fault_call kind)
{
    struct run *run = ctx;
    size_t n = strlen(run->calls);
    assert_true(n + 1 < sizeof run->calls);
    run->calls[n] = "CWFXA"[kind];
    if (!run->inspect)
        return;
    if (opens_as_disk(run)) {
        if (run->first_valid_call == 0)
            run->first_valid_call = call;
    } else {
        assert_int_equal(run->first_valid_call, 0);   /* once valid, stays valid */
    }
    states_inspected++;
}

static bool on_poll(void *ctx)
{
    struct run *run = ctx;
    run->polls++;
    return run->cancel_from != 0 && run->polls >= run->cancel_from;
}

static void on_progress(void *ctx, unsigned percent)
{
    struct run *run = ctx;
    assert_true(percent > run->last_report);
    run->last_report = percent;
}

static void to_units(const char *text, uint16_t *units, size_t *length)
{
    *length = strlen(text);
    for (size_t i = 0; i < *length; i++)
        units[i] = (uint8_t)text[i];
}

static void run_init(struct run *run, enum kind kind, uint64_t size, uint32_t block)
{
    memset(run, 0, sizeof *run);
    run->kind = kind;
    run->size = size;
    run->block = block;
    run->dir = test_make_temp_dir();
    run->path = test_path_join(run->dir, "disk.vhdx");
    vhd_io_posix_init(&run->file, run->path);
    vhd_io_fault_init(&run->fault, &run->file.io);
    run->fault.after_call = on_call;
    run->fault.ctx = run;
    run->fault.allocate_unsupported = kind == FIXED_ZEROS;
    run->options.size_bytes = size;
    run->options.block_size = block;
    spec_guid("{11223344-5566-4778-899A-ABBCCDDEEFF0}", run->options.file_write_guid.bytes);
    spec_guid("{0F1E2D3C-4B5A-4968-8776-655443322110}", run->options.data_write_guid.bytes);
    spec_guid("{DEADBEEF-0001-4002-8003-000400050006}", run->options.virtual_disk_id.bytes);
    run->options.progress = on_progress;
    run->options.cancelled = on_poll;
    run->options.ctx = run;
    run->options.buffer_max = 256 * 1024;   /* several writes per region */
    run->parent.size_bytes = size;
    run->parent.logical_sector_size = 512;
    run->parent.physical_sector_size = 4096;
    spec_guid("{A1B2C3D4-E5F6-4789-9ABC-DEF012345678}", run->parent.data_write_guid.bytes);
    run->parent.relative_path = run->relative;
    to_units(".\\base.vhdx", run->relative, &run->parent.relative_length);
    run->parent.absolute_win32_path = run->absolute;
    to_units("C:\\VMs\\base.vhdx", run->absolute, &run->parent.absolute_win32_length);
}

static vhd_status run_create(struct run *run)
{
    vhd_status status;
    switch (run->kind) {
    case DYNAMIC:
        status = vhdx_create_dynamic(&run->fault.io, &run->options);
        break;
    case DIFFERENCING:
        status = vhdx_create_differencing(&run->fault.io, &run->options, &run->parent);
        break;
    default:
        status = vhdx_create_fixed(&run->fault.io, &run->options);
        break;
    }
    assert_int_equal(run->file.fd, -1);   /* never left open */
    return status;
}

static uint64_t file_size(const struct run *run)
{
    switch (run->kind) {
    case DYNAMIC:
        return vhdx_dynamic_file_size(&run->options);
    case DIFFERENCING:
        return vhdx_differencing_file_size(&run->options, &run->parent);
    default:
        return vhdx_fixed_file_size(&run->options);
    }
}

static void run_free(struct run *run)
{
    test_remove_temp_dir(run->dir);
    free(run->path);
}

static void assert_failed_cleanly(struct run *run, vhd_status got, vhd_status want)
{
    if (got != want)
        fail_msg("%s, %" PRIu64 " bytes: got '%s', expected '%s'", kind_names[run->kind],
                 run->size, vhd_status_message(got), vhd_status_message(want));
    assert_int_equal(test_dir_entry_count(run->dir), 0);
    assert_true(run->last_report < 100);
}

struct clean_run {
    unsigned calls, polls;
    uint64_t file_size;
    char calls_made[MAX_CALLS];
};

static const struct case_ {
    enum kind kind;
    uint64_t size;
    uint32_t block;
} cases[] = {
    { DYNAMIC, 3 * MiB, 0 }, { DYNAMIC, 1024 * GiB, 0 },
    { FIXED, 3 * MiB, 1 * MiB }, { FIXED, 100 * MiB + 512, 2 * MiB },
    { FIXED_ZEROS, 3 * MiB, 1 * MiB },
    { DIFFERENCING, 40 * MiB, 0 }, { DIFFERENCING, 10 * GiB, 0 },
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

static struct clean_run count_clean_run(const struct case_ *c)
{
    struct run run;
    run_init(&run, c->kind, c->size, c->block);
    run.inspect = true;
    assert_int_equal(run_create(&run), VHD_OK);
    struct clean_run clean = { run.fault.calls, run.polls, 0, { 0 } };
    memcpy(clean.calls_made, run.calls, sizeof run.calls);
    struct stat st;
    assert_int_equal(stat(run.path, &st), 0);
    clean.file_size = (uint64_t)st.st_size;
    assert_int_equal(clean.file_size, file_size(&run));
    /* A disk only from the headers' write on: then flush and close. */
    assert_int_equal(run.first_valid_call, clean.calls - 2);
    assert_string_equal(clean.calls_made + strlen(clean.calls_made) - 4, "FWFX");
    assert_int_equal(run.last_report, 100);
    run_free(&run);
    return clean;
}

static void test_fail_every_call(void **state)
{
    (void)state;
    const struct { vhd_status status; bool torn; } faults[] = {
        { VHD_E_IO, false }, { VHD_E_NO_SPACE, true }, { VHD_E_ACCESS, false },
    };
    for (size_t c = 0; c < CASE_COUNT; c++) {
        struct clean_run clean = count_clean_run(&cases[c]);
        print_message("# %s, %" PRIu64 " bytes: %u I/O calls (%s), %u cancel polls\n",
                      kind_names[cases[c].kind], cases[c].size, clean.calls,
                      clean.calls_made, clean.polls);
        for (unsigned n = 1; n <= clean.calls; n++) {
            for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++) {
                struct run run;
                run_init(&run, cases[c].kind, cases[c].size, cases[c].block);
                run.inspect = true;
                run.fault.fail_at = n;
                run.fault.fail_status = faults[f].status;
                run.fault.torn_write = faults[f].torn;
                assert_failed_cleanly(&run, run_create(&run), faults[f].status);
                assert_int_equal(run.fault.calls, n);   /* no I/O after the failure */
                assert_int_equal(run.fault.removes, n == 1 ? 0 : 1);
                injected_faults++;
                run_free(&run);
            }
        }
    }
}

static void test_short_volume(void **state)
{
    (void)state;
    for (size_t c = 0; c < CASE_COUNT; c++) {
        struct run probe;
        run_init(&probe, cases[c].kind, cases[c].size, cases[c].block);
        uint64_t size = file_size(&probe);
        run_free(&probe);
        /* Inside the identifier, the headers, the region tables, the log, the metadata, the
         * BAT, the data area, and one byte short. */
        const uint64_t limits[] = { 0, 1, 4096, 64 * 1024, 130 * 1024, 200 * 1024, MiB,
                                    MiB + 1, 2 * MiB + 65536, 3 * MiB, 3 * MiB + 8, size / 2,
                                    size - MiB, size - 1 };
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            if (limits[l] >= size)
                continue;
            struct run run;
            run_init(&run, cases[c].kind, cases[c].size, cases[c].block);
            run.fault.space_limit = limits[l];
            assert_failed_cleanly(&run, run_create(&run), VHD_E_NO_SPACE);
            short_disks++;
            run_free(&run);
        }
        struct run run;
        run_init(&run, cases[c].kind, cases[c].size, cases[c].block);
        run.fault.space_limit = size;
        assert_int_equal(run_create(&run), VHD_OK);
        run_free(&run);
    }
}

static void test_cancel_at_every_poll(void **state)
{
    (void)state;
    for (size_t c = 0; c < CASE_COUNT; c++) {
        struct clean_run clean = count_clean_run(&cases[c]);
        assert_true(clean.polls >= 2);
        for (unsigned k = 1; k <= clean.polls + 1; k++) {
            struct run run;
            run_init(&run, cases[c].kind, cases[c].size, cases[c].block);
            run.cancel_from = k;
            vhd_status got = run_create(&run);
            if (k <= clean.polls) {
                assert_failed_cleanly(&run, got, VHD_E_CANCELLED);
                assert_int_equal(run.polls, k);
                if (k == clean.polls) {
                    /* The last poll: after everything but the headers is written and
                     * flushed, before the headers' write. */
                    size_t n = strlen(clean.calls_made);
                    assert_int_equal(strlen(run.calls), n - 3);
                    assert_memory_equal(run.calls, clean.calls_made, n - 3);
                    assert_int_equal(run.calls[n - 4], 'F');
                }
                cancels++;
            } else {
                assert_int_equal(got, VHD_OK);
                assert_int_equal(test_dir_entry_count(run.dir), 1);
            }
            run_free(&run);
        }
    }
}

/* Fixed disks: the data area is reserved in vhd_fixed_allocation_step() steps, each a cancel
 * point, and never written when allocate() works: only the metadata area goes through
 * write(). */
static void test_fixed_reserves_in_steps(void **state)
{
    (void)state;
    const struct case_ fixed = { FIXED, 100 * MiB + 512, 2 * MiB };
    struct clean_run clean = count_clean_run(&fixed);
    struct run run;
    run_init(&run, FIXED, fixed.size, fixed.block);
    uint64_t data = 51 * 2 * MiB;   /* 51 blocks of 2 MiB */
    vhd_io defaults = { 0 };
    uint64_t step = vhd_fixed_allocation_step(&defaults, data);
    uint64_t steps = (data + step - 1) / step;
    size_t allocations = 0;
    for (size_t i = 0; clean.calls_made[i] != 0; i++)
        allocations += clean.calls_made[i] == 'A';
    assert_true(allocations == steps);
    assert_true(clean.polls >= steps + 1);
    assert_int_equal(run_create(&run), VHD_OK);
    assert_true(run.fault.bytes_written < clean.file_size - data + MiB);
    assert_int_equal(run.fault.bytes_allocated, data);
    run_free(&run);
}

/* The one buffer: never above the options' bound (raised to the minimum the commit needs). */
static void test_bounded_buffer(void **state)
{
    (void)state;
    const size_t bounds[] = { 1, 4096, 256 * 1024, 0 };
    const size_t want[] = { VHDX_CREATE_BUFFER_MIN, VHDX_CREATE_BUFFER_MIN, 256 * 1024,
                            VHDX_CREATE_BUFFER_MAX };
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        for (size_t c = 0; c < CASE_COUNT; c++) {
            struct run run;
            run_init(&run, cases[c].kind, cases[c].size, cases[c].block);
            run.options.buffer_max = bounds[b];
            assert_int_equal(run_create(&run), VHD_OK);
            assert_true(run.fault.largest_write <= want[b]);
            assert_true(spec_vhdx_committed(run.path));
            run_free(&run);
        }
    }
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# injected I/O faults: %lu, short volumes: %lu, cancels: %lu, "
                  "on-disk states inspected: %lu\n",
                  injected_faults, short_disks, cancels, states_inspected);
    return 0;
}

/* An optional argument runs only the tests whose names match it (cmocka's filter). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_every_call),
        cmocka_unit_test(test_short_volume),
        cmocka_unit_test(test_cancel_at_every_poll),
        cmocka_unit_test(test_fixed_reserves_in_steps),
        cmocka_unit_test(test_bounded_buffer),
    };
    return cmocka_run_group_tests_name("vhdx_writer_faults", tests, NULL, print_totals);
}
