/* Reliability, in the manner of SQLite's I/O error tests: every I/O call a creation makes is
 * failed in turn, the disk fills up at every interesting point, creation is cancelled at every
 * poll, and the file is inspected after every call. Each time the error must come back and
 * nothing may be left in the folder; at no moment may the file pass for a finished disk
 * before it is one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "vhd_create.h"
#include "vhd_format.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)
#define MAX_REPORTS 256

static const uint64_t sizes[] = { 3 * MiB, 100 * MiB + 512, 127 * GiB, 2040 * GiB };
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static unsigned long injected_faults, short_disks, cancels, states_inspected;

/* One creation through the fault back end into a fresh folder. */
struct run {
    char *dir, *path;
    struct vhd_io_posix file;
    struct vhd_io_fault fault;
    vhd_create_options options;
    unsigned reports[MAX_REPORTS], calls_at_report[MAX_REPORTS], report_count;
    unsigned polls, cancel_from;   /* cancel from the cancel_from-th poll on; 0 never */
    bool inspect;                  /* inspect the file after every successful call */
    unsigned first_valid_call;     /* first call after which the file was a valid disk */
    char calls[64];                /* successful calls: C(reate) W(rite) F(lush) X (close) */
};

static void on_progress(void *ctx, unsigned percent)
{
    struct run *run = ctx;
    assert_true(run->report_count < MAX_REPORTS);
    run->reports[run->report_count] = percent;
    run->calls_at_report[run->report_count] = run->fault.calls;
    run->report_count++;
}

static bool on_poll(void *ctx)
{
    struct run *run = ctx;
    run->polls++;
    return run->cancel_from != 0 && run->polls >= run->cancel_from;
}

/* After each successful call: is what is on disk now a disk a reader would accept? */
static void on_call(void *ctx, unsigned call, enum vhd_io_fault_call kind)
{
    struct run *run = ctx;
    size_t n = strlen(run->calls);
    assert_true(n + 1 < sizeof run->calls);
    run->calls[n] = "CWFX"[kind];
    if (!run->inspect)
        return;
    size_t len;
    uint8_t *data = test_read_file(run->path, &len);
    assert_non_null(data);
    vhd_format_status status = vhd_dynamic_image_check(data, len, NULL, NULL);
    if (status == VHD_FORMAT_OK) {
        if (run->first_valid_call == 0)
            run->first_valid_call = call;
    } else {
        /* Once valid, it stays valid. */
        assert_int_equal(run->first_valid_call, 0);
        /* And before, the reason is the absent header cookie (or no footer yet). */
        vhd_dynamic_header header;
        if (len >= 1536)
            assert_int_equal(vhd_dynamic_header_decode(&header, data + 512, len - 512),
                             VHD_FORMAT_BAD_COOKIE);
    }
    states_inspected++;
    free(data);
}

static void run_init(struct run *run, uint64_t size)
{
    memset(run, 0, sizeof *run);
    run->dir = test_make_temp_dir();
    run->path = test_path_join(run->dir, "disk.vhd");
    vhd_io_posix_init(&run->file, run->path);
    vhd_io_fault_init(&run->fault, &run->file.io);
    run->fault.after_call = on_call;
    run->fault.ctx = run;
    run->options.size_bytes = size;
    run->options.timestamp = 7;
    run->options.progress = on_progress;
    run->options.cancelled = on_poll;
    run->options.ctx = run;
}

static vhd_status run_create(struct run *run)
{
    vhd_status status = vhd_create_dynamic(&run->fault.io, &run->options);
    assert_int_equal(run->file.fd, -1);   /* never left open */
    return status;
}

static void run_free(struct run *run)
{
    test_remove_temp_dir(run->dir);
    free(run->path);
}

/* A run that failed: the expected error, nothing in the folder, never 100 %. */
static void assert_failed_cleanly(struct run *run, vhd_status got, vhd_status want)
{
    if (got != want)
        fail_msg("size %" PRIu64 ": got '%s', expected '%s'", run->options.size_bytes,
                 vhd_status_message(got), vhd_status_message(want));
    assert_int_equal(test_dir_entry_count(run->dir), 0);
    for (unsigned i = 0; i < run->report_count; i++)
        assert_true(run->reports[i] < 100);
}

struct clean_run {
    unsigned calls, polls, writes;
    uint64_t file_size;
};

static struct clean_run count_clean_run(uint64_t size)
{
    struct run run;
    run_init(&run, size);
    assert_int_equal(run_create(&run), VHD_OK);
    struct clean_run clean = { run.fault.calls, run.polls, run.fault.writes, 0 };
    clean.file_size = vhd_dynamic_file_size(size);
    assert_true(clean.file_size > 0);
    assert_int_equal(test_dir_entry_count(run.dir), 1);
    run_free(&run);
    return clean;
}

static void test_fail_every_call(void **state)
{
    (void)state;
    const struct { vhd_status status; bool torn; } faults[] = {
        { VHD_E_IO, false }, { VHD_E_NO_SPACE, true }, { VHD_E_ACCESS, false },
    };
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct clean_run clean = count_clean_run(sizes[s]);
        print_message("# size %" PRIu64 ": %u I/O calls (%u writes), %u cancel polls\n",
                      sizes[s], clean.calls, clean.writes, clean.polls);
        for (unsigned n = 1; n <= clean.calls; n++) {
            for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++) {
                struct run run;
                run_init(&run, sizes[s]);
                run.fault.fail_at = n;
                run.fault.fail_status = faults[f].status;
                run.fault.torn_write = faults[f].torn;
                vhd_status got = run_create(&run);
                assert_failed_cleanly(&run, got, faults[f].status);
                /* No I/O after the failure: remove() (not counted) closes and deletes. */
                assert_int_equal(run.fault.calls, n);
                assert_int_equal(run.fault.removes, n == 1 ? 0 : 1);
                injected_faults++;
                run_free(&run);
            }
        }
    }
}

/* A disk that is full at a given file offset: every limit below the file size fails. */
static void test_short_disk(void **state)
{
    (void)state;
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        uint64_t file_size = vhd_dynamic_file_size(sizes[s]);
        const uint64_t limits[] = {
            0, 1, 511, 512, 1535, 1536, 4095, 4096, file_size / 2,
            VHD_CREATE_BUFFER_MAX - 1, VHD_CREATE_BUFFER_MAX, VHD_CREATE_BUFFER_MAX + 1,
            file_size - 512, file_size - 1,
        };
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            if (limits[l] >= file_size)
                continue;
            struct run run;
            run_init(&run, sizes[s]);
            run.fault.space_limit = limits[l];
            assert_failed_cleanly(&run, run_create(&run), VHD_E_NO_SPACE);
            short_disks++;
            run_free(&run);
        }
        struct run run;   /* exactly enough room */
        run_init(&run, sizes[s]);
        run.fault.space_limit = file_size;
        assert_int_equal(run_create(&run), VHD_OK);
        run_free(&run);
    }
}

static void test_cancel_at_every_poll(void **state)
{
    (void)state;
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct clean_run clean = count_clean_run(sizes[s]);
        assert_true(clean.polls >= 2);
        for (unsigned k = 1; k <= clean.polls + 1; k++) {
            struct run run;
            run_init(&run, sizes[s]);
            run.cancel_from = k;
            vhd_status got = run_create(&run);
            if (k <= clean.polls) {
                assert_failed_cleanly(&run, got, VHD_E_CANCELLED);
                assert_int_equal(run.polls, k);   /* it stopped at the first "yes" */
                cancels++;
            } else {
                assert_int_equal(got, VHD_OK);   /* asked after the last poll: too late */
                assert_int_equal(test_dir_entry_count(run.dir), 1);
            }
            run_free(&run);
        }
    }
}

/* Strictly increasing, 100 exactly once, last, and only once all I/O (close included) is done. */
static void test_progress(void **state)
{
    (void)state;
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct run run;
        run_init(&run, sizes[s]);
        assert_int_equal(run_create(&run), VHD_OK);
        assert_true(run.report_count >= 2);
        for (unsigned i = 1; i < run.report_count; i++)
            assert_true(run.reports[i] > run.reports[i - 1]);
        unsigned last = run.report_count - 1;
        assert_int_equal(run.reports[last], 100);
        assert_int_equal(run.calls_at_report[last], run.fault.calls);
        for (unsigned i = 0; i < last; i++)
            assert_true(run.calls_at_report[i] < run.fault.calls);
        run_free(&run);
    }
}

/* No write larger than the one buffer; few writes: the file in buffer-sized pieces, then the
 * header. */
static void test_write_sizes(void **state)
{
    (void)state;
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct run run;
        run_init(&run, sizes[s]);
        assert_int_equal(run_create(&run), VHD_OK);
        uint64_t file_size = vhd_dynamic_file_size(sizes[s]);
        uint64_t pieces = (file_size + VHD_CREATE_BUFFER_MAX - 1) / VHD_CREATE_BUFFER_MAX;
        assert_true(run.fault.largest_write <= VHD_CREATE_BUFFER_MAX);
        assert_true(run.fault.writes <= pieces + 1);
        assert_true(run.fault.bytes_written == file_size + 1024);
        run_free(&run);
    }
}

/* Inspect the file after every call: refused by a reader until the header write, accepted
 * from then on. A torn header write (half of it, then an error) leaves nothing. */
static void test_commit_order(void **state)
{
    (void)state;
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct clean_run clean = count_clean_run(sizes[s]);
        struct run run;
        run_init(&run, sizes[s]);
        run.inspect = true;
        assert_int_equal(run_create(&run), VHD_OK);
        /* Create, write the file in pieces, flush: only then the header, flush, close. */
        size_t n = strlen(run.calls);
        assert_int_equal(n, clean.calls);
        assert_int_equal(run.calls[0], 'C');
        for (size_t i = 1; i < n - 4; i++)
            assert_int_equal(run.calls[i], 'W');
        assert_string_equal(run.calls + n - 4, "FWFX");
        /* Valid from that header write on, not before. */
        assert_int_equal(run.first_valid_call, clean.calls - 2);
        run_free(&run);

        run_init(&run, sizes[s]);
        run.inspect = true;
        run.fault.fail_at = clean.calls - 2;
        run.fault.torn_write = true;
        assert_failed_cleanly(&run, run_create(&run), VHD_E_IO);
        run_free(&run);
    }
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# injected I/O faults: %lu, short disks: %lu, cancels: %lu, "
                  "on-disk states inspected: %lu\n",
                  injected_faults, short_disks, cancels, states_inspected);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_every_call),
        cmocka_unit_test(test_short_disk),
        cmocka_unit_test(test_cancel_at_every_poll),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_write_sizes),
        cmocka_unit_test(test_commit_order),
    };
    return cmocka_run_group_tests_name("reliability", tests, NULL, print_totals);
}
