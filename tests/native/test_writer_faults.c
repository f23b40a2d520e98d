/* Reliability of the fixed and differencing writers, as test_reliability does for dynamic
 * disks: every I/O call failed in turn (each kind of failure), the volume full at every
 * interesting point, a cancel at every poll, and the file inspected after every call: at no
 * moment before the last write may it pass for a disk, and nothing is left after a failure. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "vhd_create_differencing.h"
#include "vhd_create_fixed.h"
#include "vhd_format.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define MAX_CALLS 256

enum kind { FIXED, FIXED_ZEROS, DIFFERENCING };
static const char *const kind_names[] = { "fixed", "fixed (zeros written)", "differencing" };

static unsigned long injected_faults, short_disks, cancels, states_inspected;

struct run {
    enum kind kind;
    uint64_t size;
    char *dir, *path;
    struct vhd_io_posix file;
    struct vhd_io_fault fault;
    vhd_create_options options;
    vhd_parent_facts parent;
    uint16_t absolute[32], relative[16];
    unsigned polls, cancel_from;
    bool inspect;
    unsigned first_valid_call;
    char calls[MAX_CALLS];       /* successful calls: C W F X A(llocate) */
    unsigned last_report;
};

/* Would a reader take the file for a disk now? Fixed: a footer of type 2 at the end, the size
 * matching. Differencing: the whole dynamic-format check. */
static bool opens_as_disk(const struct run *run)
{
    struct stat st;
    if (stat(run->path, &st) != 0)
        return false;
    if (run->kind == DIFFERENCING) {
        size_t len;
        uint8_t *data = test_read_file(run->path, &len);
        assert_non_null(data);
        bool valid = vhd_dynamic_image_check(data, len, NULL, NULL) == VHD_FORMAT_OK;
        free(data);
        return valid;
    }
    if (st.st_size < 512)
        return false;
    uint8_t buf[512];
    vhd_footer footer;
    int fd = open(run->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, 512, st.st_size - 512), 512);
    close(fd);
    return vhd_footer_decode(&footer, buf, sizeof buf) == VHD_FORMAT_OK &&
           footer.disk_type == VHD_DISK_TYPE_FIXED &&
           footer.current_size == (uint64_t)st.st_size - 512;
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

static void run_init(struct run *run, enum kind kind, uint64_t size)
{
    static const char absolute[] = "C:\\VMs\\base.vhd", relative[] = ".\\base.vhd";
    memset(run, 0, sizeof *run);
    run->kind = kind;
    run->size = size;
    run->dir = test_make_temp_dir();
    run->path = test_path_join(run->dir, "disk.vhd");
    vhd_io_posix_init(&run->file, run->path);
    vhd_io_fault_init(&run->fault, &run->file.io);
    run->fault.after_call = on_call;
    run->fault.ctx = run;
    run->fault.allocate_unsupported = kind == FIXED_ZEROS;
    run->options.size_bytes = size;
    run->options.timestamp = 7;
    run->options.progress = on_progress;
    run->options.cancelled = on_poll;
    run->options.ctx = run;
    run->options.buffer_max = 256 * 1024;   /* a few writes for the zero-writing path */
    run->parent.size_bytes = size;
    run->parent.geometry = (vhd_disk_geometry){ 963, 5, 17 };
    for (size_t i = 0; i < sizeof absolute - 1; i++)
        run->absolute[i] = (uint8_t)absolute[i];
    for (size_t i = 0; i < sizeof relative - 1; i++)
        run->relative[i] = (uint8_t)relative[i];
    run->parent.absolute_path = run->absolute;
    run->parent.absolute_length = sizeof absolute - 1;
    run->parent.relative_path = run->relative;
    run->parent.relative_length = sizeof relative - 1;
}

static vhd_status run_create(struct run *run)
{
    vhd_status status = run->kind == DIFFERENCING
        ? vhd_create_differencing(&run->fault.io, &run->options, &run->parent)
        : vhd_create_fixed(&run->fault.io, &run->options);
    assert_int_equal(run->file.fd, -1);   /* never left open */
    return status;
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

static struct clean_run count_clean_run(enum kind kind, uint64_t size)
{
    struct run run;
    run_init(&run, kind, size);
    run.inspect = true;
    assert_int_equal(run_create(&run), VHD_OK);
    struct clean_run clean = { run.fault.calls, run.polls, 0, { 0 } };
    memcpy(clean.calls_made, run.calls, sizeof run.calls);
    struct stat st;
    assert_int_equal(stat(run.path, &st), 0);
    clean.file_size = (uint64_t)st.st_size;
    assert_true(clean.file_size == (kind == DIFFERENCING ? vhd_differencing_file_size(size)
                                                         : vhd_fixed_file_size(size)));
    /* Valid only from the last write (footer or header) on: then flush and close. */
    assert_int_equal(run.first_valid_call, clean.calls - 2);
    assert_string_equal(clean.calls_made + strlen(clean.calls_made) - 4, "FWFX");
    assert_int_equal(run.last_report, 100);
    run_free(&run);
    return clean;
}

static const struct { enum kind kind; uint64_t size; } cases[] = {
    { FIXED, 3 * MiB }, { FIXED, 100 * MiB + 512 }, { FIXED_ZEROS, 3 * MiB },
    { DIFFERENCING, 40 * MiB }, { DIFFERENCING, 2040ull * 1024 * MiB },
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

static void test_fail_every_call(void **state)
{
    (void)state;
    const struct { vhd_status status; bool torn; } faults[] = {
        { VHD_E_IO, false }, { VHD_E_NO_SPACE, true }, { VHD_E_ACCESS, false },
    };
    for (size_t c = 0; c < CASE_COUNT; c++) {
        struct clean_run clean = count_clean_run(cases[c].kind, cases[c].size);
        print_message("# %s, %" PRIu64 " bytes: %u I/O calls (%s), %u cancel polls\n",
                      kind_names[cases[c].kind], cases[c].size, clean.calls,
                      clean.calls_made, clean.polls);
        for (unsigned n = 1; n <= clean.calls; n++) {
            for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++) {
                struct run run;
                run_init(&run, cases[c].kind, cases[c].size);
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
        uint64_t file_size = cases[c].kind == DIFFERENCING ? vhd_differencing_file_size(cases[c].size)
                                                           : vhd_fixed_file_size(cases[c].size);
        const uint64_t limits[] = { 0, 1, 511, 512, 4096, 8192, MiB, MiB + 1, file_size / 2,
                                    file_size - 513, file_size - 512, file_size - 1 };
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            if (limits[l] >= file_size)
                continue;
            struct run run;
            run_init(&run, cases[c].kind, cases[c].size);
            run.fault.space_limit = limits[l];
            assert_failed_cleanly(&run, run_create(&run), VHD_E_NO_SPACE);
            short_disks++;
            run_free(&run);
        }
        struct run run;
        run_init(&run, cases[c].kind, cases[c].size);
        run.fault.space_limit = file_size;
        assert_int_equal(run_create(&run), VHD_OK);
        run_free(&run);
    }
}

static void test_cancel_at_every_poll(void **state)
{
    (void)state;
    for (size_t c = 0; c < CASE_COUNT; c++) {
        struct clean_run clean = count_clean_run(cases[c].kind, cases[c].size);
        assert_true(clean.polls >= 2);
        for (unsigned k = 1; k <= clean.polls + 1; k++) {
            struct run run;
            run_init(&run, cases[c].kind, cases[c].size);
            run.cancel_from = k;
            vhd_status got = run_create(&run);
            if (k <= clean.polls) {
                assert_failed_cleanly(&run, got, VHD_E_CANCELLED);
                assert_int_equal(run.polls, k);
                cancels++;
            } else {
                assert_int_equal(got, VHD_OK);
                assert_int_equal(test_dir_entry_count(run.dir), 1);
            }
            run_free(&run);
        }
    }
}

/* Fixed disks: polled between allocation steps, so a cancel is seen during the allocation. */
static void test_fixed_polls_during_allocation(void **state)
{
    (void)state;
    struct clean_run clean = count_clean_run(FIXED, 100 * MiB + 512);
    vhd_io defaults = { 0 };
    uint64_t step = vhd_fixed_allocation_step(&defaults, 100 * MiB + 512);
    uint64_t steps = (100 * MiB + 512 + step - 1) / step;
    assert_true(clean.polls == steps + 1);
    size_t allocations = 0;
    for (size_t i = 0; clean.calls_made[i] != 0; i++)
        allocations += clean.calls_made[i] == 'A';
    assert_true(allocations == steps);
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# injected I/O faults: %lu, short volumes: %lu, cancels: %lu, "
                  "on-disk states inspected: %lu\n",
                  injected_faults, short_disks, cancels, states_inspected);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_every_call),
        cmocka_unit_test(test_short_volume),
        cmocka_unit_test(test_cancel_at_every_poll),
        cmocka_unit_test(test_fixed_polls_during_allocation),
    };
    return cmocka_run_group_tests_name("writer_faults", tests, NULL, print_totals);
}
