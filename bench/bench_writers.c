/* bench_writers: fixed and differencing creation against their floors, in one process, and
 * against qemu-img; peak memory of vhdcreate --fixed by size.
 *
 * Usage: bench_writers DIR VHDCREATE QEMU_IMG|- [--runs N] [--warmup N] [--fixed-mb N]
 *
 *   fixed:        vhd_create_fixed() with vhd_io_posix (create, the reservation in steps,
 *                 flush, footer write, flush, close) against the floor: open(O_EXCL), one
 *                 fallocate() of the whole size, one 512-byte pwrite() of a footer, fdatasync(),
 *                 close() — the same reservation call, one footer write and the flush;
 *   differencing: vhd_create_differencing() against open(O_EXCL), one write of the child's
 *                 whole file, fdatasync(), close();
 *   processes:    "vhdcreate --fixed DIR/x N" against "qemu-img create -f vpc -o
 *                 subformat=fixed,force_size=on DIR/q NM", with each file's allocated bytes
 *                 (qemu's file is sparse);
 *   memory:       ru_maxrss of vhdcreate --fixed at 1024 MB and at the benchmark size.
 * Contenders alternate which goes first; every file is unlinked after its run (untimed).
 * Output: "bench NAME key=value ..." lines, times in ms; last line "bench_writers: ok". */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "vhd_create_differencing.h"
#include "vhd_create_fixed.h"
#include "vhd_io_posix.h"

#define MB 1048576ull

static unsigned long parse_number(const char *text, unsigned long minimum)
{
    return bench_parse_number(text, minimum, 2088960);
}

static double time_fixed_library(const char *path, uint64_t size)
{
    struct vhd_io_posix file;
    vhd_create_options options = { .size_bytes = size, .timestamp = 1 };
    vhd_io_posix_init(&file, path);
    double start = bench_now_ms();
    vhd_status status = vhd_create_fixed(&file.io, &options);
    double ms = bench_now_ms() - start;
    if (status != VHD_OK)
        bench_die(vhd_status_message(status), file.io.os_error);
    return ms;
}

static double time_fixed_floor(const char *path, uint64_t size)
{
    static const unsigned char footer[512] = { 'c', 'o', 'n', 'e', 'c', 't', 'i', 'x' };
    double start = bench_now_ms();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -1)
        bench_die("open", errno);
    if (fallocate(fd, 0, 0, (off_t)size) != 0)
        bench_die("fallocate", errno);
    if (pwrite(fd, footer, sizeof footer, (off_t)size) != (ssize_t)sizeof footer)
        bench_die("pwrite", errno);
    if (fdatasync(fd) != 0)
        bench_die("fdatasync", errno);
    if (close(fd) != 0)
        bench_die("close", errno);
    return bench_now_ms() - start;
}

static uint16_t parent_path[] = { 'C', ':', '\\', 'V', 'M', 's', '\\', 'b', 'a', 's', 'e', '.', 'v', 'h', 'd' };
static uint16_t relative_path[] = { '.', '\\', 'b', 'a', 's', 'e', '.', 'v', 'h', 'd' };

static vhd_parent_facts parent_of(uint64_t size)
{
    vhd_parent_facts facts = { .size_bytes = size, .geometry = { 65535, 16, 255 }, .timestamp = 5 };
    facts.absolute_path = parent_path;
    facts.absolute_length = sizeof parent_path / sizeof parent_path[0];
    facts.relative_path = relative_path;
    facts.relative_length = sizeof relative_path / sizeof relative_path[0];
    return facts;
}

static double time_diff_library(const char *path, uint64_t size)
{
    struct vhd_io_posix file;
    vhd_create_options options = { .timestamp = 1 };
    vhd_parent_facts facts = parent_of(size);
    vhd_io_posix_init(&file, path);
    double start = bench_now_ms();
    vhd_status status = vhd_create_differencing(&file.io, &options, &facts);
    double ms = bench_now_ms() - start;
    if (status != VHD_OK)
        bench_die(vhd_status_message(status), file.io.os_error);
    return ms;
}

static double time_diff_floor(const char *path, uint64_t size)
{
    size_t len = (size_t)vhd_differencing_file_size(size);
    unsigned char *bytes = calloc(1, len);
    if (bytes == NULL)
        bench_die("out of memory", 0);
    double start = bench_now_ms();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -1)
        bench_die("open", errno);
    if (write(fd, bytes, len) != (ssize_t)len)
        bench_die("write", errno);
    if (fdatasync(fd) != 0)
        bench_die("fdatasync", errno);
    if (close(fd) != 0)
        bench_die("close", errno);
    double ms = bench_now_ms() - start;
    free(bytes);
    return ms;
}

/* Alternating pairs: a then b on even runs, b then a on odd ones; warm-ups not kept. */
typedef double (*timer_fn)(const char *path, uint64_t size);
static void compare(const char *name, const char *dir, uint64_t size, timer_fn a, timer_fn b,
                    unsigned runs, unsigned warmup)
{
    char path_a[4096], path_b[4096], attributes[64];
    double *ta = calloc(runs, sizeof(double)), *tb = calloc(runs, sizeof(double)),
           *ratio = calloc(runs, sizeof(double));
    if (!ta || !tb || !ratio)
        bench_die("out of memory", 0);
    snprintf(path_a, sizeof path_a, "%s/lib.vhd", dir);
    snprintf(path_b, sizeof path_b, "%s/floor.vhd", dir);
    for (unsigned i = 0; i < warmup + runs; i++) {
        double x, y;
        /* Each file is removed before the other contender runs: a volume need only hold one. */
        if (i % 2 == 0) {
            x = a(path_a, size);
            bench_remove_file(path_a);
            y = b(path_b, size);
            bench_remove_file(path_b);
        } else {
            y = b(path_b, size);
            bench_remove_file(path_b);
            x = a(path_a, size);
            bench_remove_file(path_a);
        }
        if (i >= warmup) {
            ta[i - warmup] = x;
            tb[i - warmup] = y;
        }
    }
    bench_ratios(ta, tb, ratio, runs);
    snprintf(attributes, sizeof attributes, "size_mb=%llu", (unsigned long long)(size / MB));
    char label[96];
    snprintf(label, sizeof label, "%s_library", name);
    bench_print_summary(label, attributes, ta, runs);
    snprintf(label, sizeof label, "%s_floor", name);
    bench_print_summary(label, attributes, tb, runs);
    snprintf(label, sizeof label, "%s_ratio", name);
    bench_print_summary(label, attributes, ratio, runs);
    free(ta);
    free(tb);
    free(ratio);
}

int main(int argc, char **argv)
{
    bench_program = "bench_writers";
    unsigned runs = 15, warmup = 3;
    unsigned long fixed_mb = 65536;
    if (argc < 4)
        bench_die("usage: bench_writers DIR VHDCREATE QEMU_IMG|- [--runs N] [--warmup N] [--fixed-mb N]", 0);
    const char *dir = argv[1], *vhdcreate = argv[2], *qemu_img = argv[3];
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = (unsigned)parse_number(argv[i + 1], 1);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = (unsigned)parse_number(argv[i + 1], 0);
        else if (strcmp(argv[i], "--fixed-mb") == 0)
            fixed_mb = parse_number(argv[i + 1], 3);
        else
            bench_die("unknown option", 0);
    }
    uint64_t size = (uint64_t)fixed_mb * MB;
    compare("fixed", dir, size, time_fixed_library, time_fixed_floor, runs, warmup);
    compare("differencing", dir, size, time_diff_library, time_diff_floor, runs, warmup);

    /* Whole processes. */
    char ours[4096], theirs[4096], mb_text[32], qemu_size[32];
    snprintf(ours, sizeof ours, "%s/vhdcreate.vhd", dir);
    snprintf(theirs, sizeof theirs, "%s/qemu.vhd", dir);
    snprintf(mb_text, sizeof mb_text, "%lu", fixed_mb);
    snprintf(qemu_size, sizeof qemu_size, "%luM", fixed_mb);
    double *tv = calloc(runs, sizeof(double)), *tq = calloc(runs, sizeof(double)),
           *ratio = calloc(runs, sizeof(double));
    unsigned long long ours_allocated = 0, qemu_allocated = 0;
    if (!tv || !tq || !ratio)
        bench_die("out of memory", 0);
    char *v_argv[] = { (char *)vhdcreate, "--fixed", ours, mb_text, NULL };
    char *q_argv[] = { (char *)qemu_img, "create", "-q", "-f", "vpc", "-o",
                       "subformat=fixed,force_size=on", theirs, qemu_size, NULL };
    int have_qemu = strcmp(qemu_img, "-") != 0;
    for (unsigned i = 0; i < runs; i++) {
        tv[i] = bench_run_process(v_argv, NULL);
        ours_allocated = bench_allocated_bytes(ours);
        bench_remove_file(ours);
        if (have_qemu) {
            tq[i] = bench_run_process(q_argv, NULL);
            qemu_allocated = bench_allocated_bytes(theirs);
            bench_remove_file(theirs);
        }
    }
    char attributes[160];
    snprintf(attributes, sizeof attributes, "size_mb=%lu allocated=%llu", fixed_mb, ours_allocated);
    bench_print_summary("vhdcreate_fixed_process", attributes, tv, runs);
    if (have_qemu) {
        snprintf(attributes, sizeof attributes, "size_mb=%lu allocated=%llu sparse=%s", fixed_mb,
                 qemu_allocated, qemu_allocated < size / 2 ? "yes" : "no");
        bench_print_summary("qemu_img_fixed_process", attributes, tq, runs);
        bench_ratios(tv, tq, ratio, runs);
        snprintf(attributes, sizeof attributes, "size_mb=%lu", fixed_mb);
        bench_print_summary("vhdcreate_over_qemu_img", attributes, ratio, runs);
    }

    /* Peak memory by size. */
    const unsigned long memory_sizes[] = { 1024, fixed_mb };
    for (size_t s = 0; s < 2; s++) {
        long maxrss = 0;
        snprintf(mb_text, sizeof mb_text, "%lu", memory_sizes[s]);
        char *m_argv[] = { (char *)vhdcreate, "--fixed", ours, mb_text, NULL };
        bench_run_process(m_argv, &maxrss);
        bench_remove_file(ours);
        printf("bench vhdcreate_fixed_memory size_mb=%lu maxrss_kib=%ld\n", memory_sizes[s], maxrss);
    }
    free(tv);
    free(tq);
    free(ratio);
    printf("bench_writers: ok\n");
    return 0;
}
