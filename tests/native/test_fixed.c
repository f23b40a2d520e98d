/* Fixed disks through the POSIX back end (and the fault back end around it): the footer field
 * by field, the file really allocated and reading as zeros, the zero-writing fallback for file
 * systems without fallocate, progress during the allocation, bounded memory. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec_chs.h"
#include "test_util.h"
#include "vhd_create_fixed.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)
#define MAX_REPORTS 256

struct fixed_run {
    char *dir, *path;
    struct vhd_io_posix file;
    struct vhd_io_fault fault;
    vhd_create_options options;
    unsigned reports[MAX_REPORTS], report_count;
    uint64_t allocated_at_report[MAX_REPORTS];
};

static void on_progress(void *ctx, unsigned percent)
{
    struct fixed_run *run = ctx;
    assert_true(run->report_count < MAX_REPORTS);
    run->allocated_at_report[run->report_count] = run->fault.bytes_allocated +
                                                  run->fault.bytes_written;
    run->reports[run->report_count++] = percent;
}

static void run_init(struct fixed_run *run, uint64_t size)
{
    memset(run, 0, sizeof *run);
    run->dir = test_make_temp_dir();
    run->path = test_path_join(run->dir, "fixed.vhd");
    vhd_io_posix_init(&run->file, run->path);
    vhd_io_fault_init(&run->fault, &run->file.io);
    run->options.size_bytes = size;
    run->options.timestamp = 0x12345678;
    for (int i = 0; i < 16; i++)
        run->options.unique_id[i] = (uint8_t)(0xA0 + i);
    run->options.progress = on_progress;
    run->options.ctx = run;
}

static void run_free(struct fixed_run *run)
{
    test_remove_temp_dir(run->dir);
    free(run->path);
}

/* The footer against the specification, with the test's own reader and checksum. */
static void check_footer(const uint8_t *f, uint64_t size, const vhd_create_options *options)
{
    assert_memory_equal(f + 0, "conectix", 8);
    assert_int_equal(test_be32(f + 8), 0x00000002);
    assert_int_equal(test_be32(f + 12), 0x00010000);
    assert_true(test_be64(f + 16) == UINT64_MAX);              /* fixed: no header */
    assert_int_equal(test_be32(f + 24), options->timestamp);
    assert_memory_equal(f + 28, "win ", 4);
    assert_int_equal(test_be32(f + 32), test_vsdisk_creator_version());
    assert_memory_equal(f + 36, "Wi2k", 4);
    assert_true(test_be64(f + 40) == size);
    assert_true(test_be64(f + 48) == size);
    spec_chs chs = spec_chs_from_total_sectors(size / 512);
    assert_int_equal(test_be16(f + 56), chs.cylinders);
    assert_int_equal(f[58], chs.heads);
    assert_int_equal(f[59], chs.sectors_per_track);
    assert_int_equal(test_be32(f + 60), 2);                    /* fixed */
    assert_int_equal(test_be32(f + 64), test_spec_checksum(f, 512, 64));
    assert_memory_equal(f + 68, options->unique_id, 16);
    for (size_t i = 84; i < 512; i++)
        assert_int_equal(f[i], 0);
}

/* The file: size + 512 bytes, allocated on the volume (not sparse), zeros then the footer. */
static void check_fixed_file(const char *path, uint64_t size, const vhd_create_options *options)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true((uint64_t)st.st_size == size + 512);
    /* st_blocks counts 512-byte units: every byte of the data area has space behind it. */
    assert_true((uint64_t)st.st_blocks * 512 >= size + 512);

    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    static uint8_t chunk[1 << 20];
    for (uint64_t offset = 0; offset < size; offset += sizeof chunk) {
        size_t want = size - offset < sizeof chunk ? (size_t)(size - offset) : sizeof chunk;
        assert_int_equal(pread(fd, chunk, want, (off_t)offset), (ssize_t)want);
        for (size_t i = 0; i < want; i++) {
            if (chunk[i] != 0)
                fail_msg("byte %" PRIu64 " is 0x%02x, not zero", offset + i, chunk[i]);
        }
    }
    uint8_t footer[512];
    assert_int_equal(pread(fd, footer, sizeof footer, (off_t)size), 512);
    close(fd);
    check_footer(footer, size, options);
}

static const uint64_t sizes[] = { 3 * MiB, 20 * MiB, 100 * MiB + 512, 1 * GiB };
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static void test_fields_and_allocation(void **state)
{
    (void)state;
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct fixed_run run;
        run_init(&run, sizes[s]);
        assert_int_equal(vhd_create_fixed(&run.fault.io, &run.options), VHD_OK);
        assert_int_equal(run.file.fd, -1);
        check_fixed_file(run.path, sizes[s], &run.options);
        /* Reserved by allocation, not by writing: only the footer was written. */
        assert_true(run.fault.bytes_allocated == sizes[s]);
        assert_true(run.fault.bytes_written == 512);
        assert_int_equal(run.fault.writes, 1);
        assert_true(vhd_fixed_file_size(sizes[s]) == sizes[s] + 512);
        run_free(&run);
    }
}

/* A file system without fallocate: zeros written with the bounded buffer, same file. */
static void test_zero_fallback(void **state)
{
    (void)state;
    const size_t buffers[] = { 0, 64 * 1024, 4096, 1 };
    for (size_t b = 0; b < sizeof buffers / sizeof buffers[0]; b++) {
        uint64_t size = b == 0 ? 100 * MiB + 512 : 3 * MiB;
        struct fixed_run run;
        run_init(&run, size);
        run.fault.allocate_unsupported = true;
        run.options.buffer_max = buffers[b];
        assert_int_equal(vhd_create_fixed(&run.fault.io, &run.options), VHD_OK);
        check_fixed_file(run.path, size, &run.options);
        size_t bound = buffers[b] == 0 ? VHD_CREATE_BUFFER_MAX
                                       : buffers[b] < 512 ? 512 : buffers[b];
        assert_true(run.fault.largest_write <= bound);
        assert_true(run.fault.bytes_written == size + 512);
        assert_true(run.fault.bytes_allocated == 0);
        assert_int_equal(run.fault.allocations, 1);   /* asked once, then wrote zeros */
        run_free(&run);
    }
    /* Allocation stops being supported part way: the rest is written. */
    struct fixed_run run;
    run_init(&run, 100 * MiB + 512);
    run.fault.allocate_unsupported = true;
    run.fault.allocate_unsupported_from = 4;
    assert_int_equal(vhd_create_fixed(&run.fault.io, &run.options), VHD_OK);
    check_fixed_file(run.path, 100 * MiB + 512, &run.options);
    assert_true(run.fault.bytes_allocated == 3 * vhd_fixed_allocation_step(&run.fault.io, 100 * MiB + 512));
    assert_true(run.fault.bytes_allocated + run.fault.bytes_written == 100 * MiB + 1024);
    run_free(&run);
}

/* Progress moves during the allocation, never backwards, 100 once and last. */
static void test_progress(void **state)
{
    (void)state;
    for (int fallback = 0; fallback < 2; fallback++) {
        struct fixed_run run;
        run_init(&run, 1 * GiB);
        run.fault.allocate_unsupported = fallback != 0;
        assert_int_equal(vhd_create_fixed(&run.fault.io, &run.options), VHD_OK);
        assert_true(run.report_count >= 50);
        for (unsigned i = 1; i < run.report_count; i++) {
            assert_true(run.reports[i] > run.reports[i - 1]);
            assert_true(run.allocated_at_report[i] >= run.allocated_at_report[i - 1]);
        }
        assert_int_equal(run.reports[run.report_count - 1], 100);
        /* At 50 %, about half the data area is reserved. */
        for (unsigned i = 0; i < run.report_count; i++) {
            if (run.reports[i] == 50)
                assert_true(run.allocated_at_report[i] >= GiB / 2 - 2 * vhd_fixed_allocation_step(&run.fault.io, GiB) &&
                            run.allocated_at_report[i] <= GiB / 2 + 2 * vhd_fixed_allocation_step(&run.fault.io, GiB));
        }
        run_free(&run);
    }
}

static void test_allocation_steps(void **state)
{
    (void)state;
    vhd_io io = { 0 };
    assert_true(vhd_fixed_allocation_step(&io, 3 * MiB) == MiB);
    assert_true(vhd_fixed_allocation_step(&io, 64 * GiB) == GiB);
    assert_true(vhd_fixed_allocation_step(&io, 2040 * GiB) == 2040 * GiB / 64);
    for (unsigned steps = 0; steps <= 64; steps += 8) {
        unsigned limit = steps ? steps : VHD_ALLOCATION_STEPS;
        io.allocation_steps = steps;
        for (uint64_t size = 3 * MiB; size < 3000 * GiB; size = size * 3 + 512) {
            uint64_t step = vhd_fixed_allocation_step(&io, size);
            assert_true(step % MiB == 0);
            assert_true((size + step - 1) / step <= limit);
        }
    }
    io.allocation_steps = 8;
    assert_true(vhd_fixed_allocation_step(&io, 64 * GiB) == 8 * GiB);
}

/* Invalid sizes: nothing is created. */
static void test_invalid_sizes(void **state)
{
    (void)state;
    const uint64_t bad[] = { 0, 512, 3 * MiB - 512, 3 * MiB + 1, 2040 * GiB + 512 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fixed_run run;
        run_init(&run, bad[i]);
        assert_int_equal(vhd_create_fixed(&run.fault.io, &run.options), VHD_E_INVALID_SIZE);
        assert_int_equal(run.fault.calls, 0);
        assert_int_equal(test_dir_entry_count(run.dir), 0);
        assert_true(vhd_fixed_file_size(bad[i]) == 0);
        run_free(&run);
    }
}

/* The data area never shows what the volume held: blocks freed by a deleted file full of a
 * pattern are reused by the new disk, which must still read as zeros. */
static void test_no_stale_data(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *junk = test_path_join(dir, "junk");
    char *path = test_path_join(dir, "fixed.vhd");
    uint8_t *pattern = malloc(8 * MiB);
    assert_non_null(pattern);
    memset(pattern, 0xA5, 8 * MiB);
    for (int round = 0; round < 2; round++) {
        test_write_file(junk, pattern, 8 * MiB);
        int fd = open(junk, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(fsync(fd), 0);
        close(fd);
        assert_int_equal(unlink(junk), 0);

        struct vhd_io_posix file;
        struct vhd_io_fault fault;
        vhd_io_posix_init(&file, path);
        vhd_io_fault_init(&fault, &file.io);
        fault.allocate_unsupported = round == 1;
        vhd_create_options options = { .size_bytes = 8 * MiB };
        assert_int_equal(vhd_create_fixed(&fault.io, &options), VHD_OK);
        check_fixed_file(path, 8 * MiB, &options);
        assert_int_equal(unlink(path), 0);
    }
    free(pattern);
    free(junk);
    free(path);
    test_remove_temp_dir(dir);
}

/* test_fixed small-volume DIR: DIR is a small volume (the mounts test's 8 MiB tmpfs); a
 * 16 MiB fixed disk there must fail with "no space" from the allocation itself (the writer
 * has no free-space check of its own) and leave nothing. */
static int small_volume(const char *dir)
{
    char *path = test_path_join(dir, "fixed.vhd");
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_create_options options = { .size_bytes = 16 * MiB };
    vhd_status status = vhd_create_fixed(&file.io, &options);
    int left = test_dir_entry_count(dir);
    printf("%s: %s (os error %d), %d entries left\n", path, vhd_status_message(status),
           file.io.os_error, left);
    free(path);
    return status == VHD_E_NO_SPACE && left == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "small-volume") == 0)
        return small_volume(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_allocation),
        cmocka_unit_test(test_zero_fallback),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_allocation_steps),
        cmocka_unit_test(test_invalid_sizes),
        cmocka_unit_test(test_no_stale_data),
    };
    return cmocka_run_group_tests_name("fixed", tests, NULL, NULL);
}
