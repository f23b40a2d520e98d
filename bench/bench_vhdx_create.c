/* bench_vhdx_create: VHDX creation against its floors, in one process, and against qemu-img.
 *
 * Usage: bench_vhdx_create DIR VSDISK QEMU_IMG|- [--runs N] [--warmup N] [--dynamic-mb N]
 *                          [--fixed-mb N] [--fixed-dir DIR2]
 *
 *   dynamic:   vhdx_create_dynamic() with vhd_io_posix (default 67,108,864 MB = 64 TiB, 32 MiB
 *              blocks) against its floor, the fewest calls that make the same file crash-safely:
 *              open(O_EXCL), one pwrite() of the file up to the end of its metadata items,
 *              fallocate() of the rest (the BAT: zeros, space reserved, never a hole),
 *              fdatasync(), the headers' pwrite(), fdatasync(), close() — the commit needs its
 *              two flushes;
 *   fixed:     vhdx_create_fixed() (default 65,536 MB, in DIR2) against its reservation floor:
 *              open(O_EXCL), one pwrite() of the metadata the file starts with, one fallocate()
 *              of the data area, fdatasync(), close() — the same bytes, reserved the same way;
 *   processes: "vsdisk create DIR/x.vhdx NM" against "qemu-img create -f vhdx DIR/q.vhdx NM"
 *              at the dynamic size (the per-run speed-up qemu-img / vsdisk), and
 *              "vsdisk create --fixed" against "qemu-img create -f vhdx -o subformat=fixed" at
 *              the fixed size, with each file's allocated bytes (st_blocks): qemu's "fixed"
 *              VHDX is a sparse file, which Windows refuses.
 * Contenders alternate which goes first; every file is unlinked after its run (untimed).
 * Output: "bench NAME key=value ..." lines, times in ms; last line "bench_vhdx_create: ok". */
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
#include "vhd_io_posix.h"
#include "vhdx_create.h"

#define MB 1048576ull

static vhdx_create_options options_of(uint64_t size)
{
    vhdx_create_options options = { .size_bytes = size };
    for (int i = 0; i < 16; i++) {
        options.file_write_guid.bytes[i] = (uint8_t)(i * 37 + 11);
        options.data_write_guid.bytes[i] = (uint8_t)(i * 53 + 7);
        options.virtual_disk_id.bytes[i] = (uint8_t)(i * 71 + 3);
    }
    return options;
}

/* ---- the contenders in one process ---------------------------------------------------- */

typedef vhd_status (*creator_fn)(vhd_io *io, const vhdx_create_options *options);

static double time_library(const char *path, uint64_t size, creator_fn create)
{
    struct vhd_io_posix file;
    vhdx_create_options options = options_of(size);
    vhd_io_posix_init(&file, path);
    double start = bench_now_ms();
    vhd_status status = create(&file.io, &options);
    double ms = bench_now_ms() - start;
    if (status != VHD_OK)
        bench_die(vhd_status_message(status), file.io.os_error);
    return ms;
}

static double time_dynamic_library(const char *path, uint64_t size)
{
    return time_library(path, size, vhdx_create_dynamic);
}

static double time_fixed_library(const char *path, uint64_t size)
{
    return time_library(path, size, vhdx_create_fixed);
}

/* The floors write bytes of this buffer: as many as the metadata (fixed) or the whole file
 * (dynamic), allocated once before the timed runs. */
static unsigned char *floor_bytes;
static size_t floor_length;

static void prepare_floor(size_t length)
{
    free(floor_bytes);
    floor_bytes = calloc(1, length);
    if (floor_bytes == NULL)
        bench_die("out of memory", 0);
    floor_length = length;
}

/* The dynamic file's size, and its runs of 64 KiB pieces that hold anything but zeros. */
#define PIECE (64u * 1024)
#define RUNS_MAX 32u
static uint64_t dynamic_file_bytes;
static struct { uint64_t at, length; } dynamic_runs[RUNS_MAX];
static unsigned dynamic_run_count;

static double time_dynamic_floor(const char *path, uint64_t size)
{
    (void)size;
    double start = bench_now_ms();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -1)
        bench_die("open", errno);
    uint64_t head = dynamic_runs[dynamic_run_count - 1].at + dynamic_runs[dynamic_run_count - 1].length;
    if (pwrite(fd, floor_bytes, head, 0) != (ssize_t)head)
        bench_die("pwrite", errno);
    if (fallocate(fd, 0, (off_t)head, (off_t)(dynamic_file_bytes - head)) != 0)
        bench_die("fallocate", errno);
    if (fdatasync(fd) != 0)
        bench_die("fdatasync", errno);
    if (pwrite(fd, floor_bytes, 128 * 1024, 64 * 1024) != 128 * 1024)
        bench_die("pwrite", errno);
    if (fdatasync(fd) != 0)
        bench_die("fdatasync", errno);
    if (close(fd) != 0)
        bench_die("close", errno);
    return bench_now_ms() - start;
}

/* Which 64 KiB pieces of a dynamic VHDX of these options hold anything but zeros (the headers
 * excepted: the floor writes them last): one made and read. */
static void find_dynamic_data(const char *dir, const vhdx_create_options *options)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/probe.vhdx", dir);
    unlink(path);
    struct vhd_io_posix io;
    vhd_io_posix_init(&io, path);
    if (vhdx_create_dynamic(&io.io, options) != VHD_OK)
        bench_die("cannot make the probe disk", 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        bench_die("open", errno);
    unsigned char piece[PIECE];
    dynamic_run_count = 0;
    for (uint64_t at = 0; at < dynamic_file_bytes; at += PIECE) {
        if (at >= 64 * 1024 && at < 192 * 1024)
            continue;       /* the headers */
        ssize_t got = pread(fd, piece, PIECE, (off_t)at);
        if (got <= 0)
            break;
        int data = 0;
        for (ssize_t i = 0; i < got && !data; i++)
            data = piece[i] != 0;
        if (!data)
            continue;
        if (dynamic_run_count > 0 && dynamic_runs[dynamic_run_count - 1].at
                + dynamic_runs[dynamic_run_count - 1].length == at) {
            dynamic_runs[dynamic_run_count - 1].length += PIECE;
        } else {
            if (dynamic_run_count == RUNS_MAX)
                bench_die("too many runs of data in an empty dynamic VHDX", 0);
            dynamic_runs[dynamic_run_count].at = at;
            dynamic_runs[dynamic_run_count++].length = PIECE;
        }
    }
    close(fd);
    unlink(path);
}

static uint64_t fixed_file_size;

static double time_fixed_floor(const char *path, uint64_t size)
{
    (void)size;
    double start = bench_now_ms();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -1)
        bench_die("open", errno);
    if (pwrite(fd, floor_bytes, floor_length, 0) != (ssize_t)floor_length)
        bench_die("pwrite", errno);
    if (fallocate(fd, 0, (off_t)floor_length, (off_t)(fixed_file_size - floor_length)) != 0)
        bench_die("fallocate", errno);
    if (fdatasync(fd) != 0)
        bench_die("fdatasync", errno);
    if (close(fd) != 0)
        bench_die("close", errno);
    return bench_now_ms() - start;
}

/* Alternating pairs: a then b on even runs, b then a on odd ones; warm-ups not kept. */
typedef double (*timer_fn)(const char *path, uint64_t size);
static void compare(const char *name, const char *dir, uint64_t size, timer_fn a, timer_fn b,
                    unsigned runs, unsigned warmup, uint64_t bytes)
{
    char path_a[4096], path_b[4096], attributes[96], label[96];
    double *ta = calloc(runs, sizeof(double)), *tb = calloc(runs, sizeof(double)),
           *ratio = calloc(runs, sizeof(double));
    if (!ta || !tb || !ratio)
        bench_die("out of memory", 0);
    snprintf(path_a, sizeof path_a, "%s/lib.vhdx", dir);
    snprintf(path_b, sizeof path_b, "%s/floor.vhdx", dir);
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
    snprintf(attributes, sizeof attributes, "size_mb=%llu bytes=%llu",
             (unsigned long long)(size / MB), (unsigned long long)bytes);
    snprintf(label, sizeof label, "%s_library", name);
    bench_print_summary(label, attributes, ta, runs);
    snprintf(label, sizeof label, "%s_floor", name);
    bench_print_summary(label, attributes, tb, runs);
    snprintf(label, sizeof label, "%s_ratio", name);
    bench_print_summary(label, attributes, ratio, runs);
    fflush(stdout);
    free(ta);
    free(tb);
    free(ratio);
}

/* ---- whole processes ------------------------------------------------------------------- */

/* vsdisk against qemu-img, alternating; prints both, each file's allocated bytes, and the
 * per-run speed-up qemu-img / vsdisk. */
static void compare_processes(const char *name, const char *dir, const char *vsdisk,
                              const char *qemu_img, unsigned long size_mb, int fixed,
                              unsigned runs, unsigned warmup)
{
    char ours[4096], theirs[4096], mb_text[32], qemu_size[32], attributes[160], label[96];
    snprintf(ours, sizeof ours, "%s/vsdisk.vhdx", dir);
    snprintf(theirs, sizeof theirs, "%s/qemu.vhdx", dir);
    snprintf(mb_text, sizeof mb_text, "%lu", size_mb);
    snprintf(qemu_size, sizeof qemu_size, "%luM", size_mb);
    char *v_dynamic[] = { (char *)vsdisk, "create", ours, mb_text, NULL };
    char *v_fixed[] = { (char *)vsdisk, "create", "--fixed", ours, mb_text, NULL };
    char *q_dynamic[] = { (char *)qemu_img, "create", "-q", "-f", "vhdx", theirs, qemu_size, NULL };
    char *q_fixed[] = { (char *)qemu_img, "create", "-q", "-f", "vhdx", "-o", "subformat=fixed",
                        theirs, qemu_size, NULL };
    char *const *v_argv = fixed ? v_fixed : v_dynamic, *const *q_argv = fixed ? q_fixed : q_dynamic;
    int have_qemu = strcmp(qemu_img, "-") != 0;
    double *tv = calloc(runs, sizeof(double)), *tq = calloc(runs, sizeof(double)),
           *speedup = calloc(runs, sizeof(double));
    unsigned long long ours_allocated = 0, qemu_allocated = 0;
    if (!tv || !tq || !speedup)
        bench_die("out of memory", 0);
    for (unsigned i = 0; i < warmup + runs; i++) {
        unsigned slot = i < warmup ? 0 : i - warmup;
        if (i % 2 == 0 || !have_qemu) {
            tv[slot] = bench_run_process(v_argv, NULL);
            ours_allocated = bench_allocated_bytes(ours);
            bench_remove_file(ours);
        }
        if (have_qemu) {
            tq[slot] = bench_run_process(q_argv, NULL);
            qemu_allocated = bench_allocated_bytes(theirs);
            bench_remove_file(theirs);
        }
        if (i % 2 == 1 && have_qemu) {
            tv[slot] = bench_run_process(v_argv, NULL);
            ours_allocated = bench_allocated_bytes(ours);
            bench_remove_file(ours);
        }
    }
    uint64_t size = (uint64_t)size_mb * MB;
    snprintf(attributes, sizeof attributes, "size_mb=%lu allocated=%llu", size_mb, ours_allocated);
    snprintf(label, sizeof label, "%s_vsdisk", name);
    bench_print_summary(label, attributes, tv, runs);
    if (have_qemu) {
        /* Sparse: fewer bytes allocated than half the disk (a fixed disk only). */
        snprintf(attributes, sizeof attributes, "size_mb=%lu allocated=%llu sparse=%s", size_mb,
                 qemu_allocated, fixed ? (qemu_allocated < size / 2 ? "yes" : "no") : "n/a");
        snprintf(label, sizeof label, "%s_qemu", name);
        bench_print_summary(label, attributes, tq, runs);
        bench_ratios(tq, tv, speedup, runs);
        snprintf(attributes, sizeof attributes, "size_mb=%lu", size_mb);
        snprintf(label, sizeof label, "%s_speedup", name);
        bench_print_summary(label, attributes, speedup, runs);
    }
    fflush(stdout);
    free(tv);
    free(tq);
    free(speedup);
}

int main(int argc, char **argv)
{
    bench_program = "bench_vhdx_create";
    unsigned runs = 15, warmup = 3;
    unsigned long dynamic_mb = 67108864, fixed_mb = 65536;
    if (argc < 4 || argc % 2 != 0)
        bench_die("usage: bench_vhdx_create DIR VSDISK QEMU_IMG|- [--runs N] [--warmup N] "
            "[--dynamic-mb N] [--fixed-mb N] [--fixed-dir DIR2]", 0);
    const char *dir = argv[1], *vsdisk = argv[2], *qemu_img = argv[3], *fixed_dir = argv[1];
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = (unsigned)bench_parse_number(argv[i + 1], 1, 100000);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = (unsigned)bench_parse_number(argv[i + 1], 0, 100000);
        else if (strcmp(argv[i], "--dynamic-mb") == 0)
            dynamic_mb = bench_parse_number(argv[i + 1], 3, 67108864);
        else if (strcmp(argv[i], "--fixed-mb") == 0)
            fixed_mb = bench_parse_number(argv[i + 1], 3, 67108864);
        else if (strcmp(argv[i], "--fixed-dir") == 0)
            fixed_dir = argv[i + 1];
        else
            bench_die("unknown option", 0);
    }
    printf("bench vhdx_create_config runs=%u warmup=%u flush=fdatasync\n", runs, warmup);

    /* Dynamic: the floor writes the MiBs that hold data and gives the file its size. */
    vhdx_create_options options = options_of((uint64_t)dynamic_mb * MB);
    uint64_t dynamic_bytes = vhdx_dynamic_file_size(&options);
    if (dynamic_bytes == 0 || dynamic_bytes > SIZE_MAX)
        bench_die("no dynamic VHDX of that size", 0);
    dynamic_file_bytes = dynamic_bytes;
    find_dynamic_data(dir, &options);
    if (dynamic_run_count == 0)
        bench_die("an empty dynamic VHDX holding nothing", 0);
    prepare_floor((size_t)(dynamic_runs[dynamic_run_count - 1].at
                           + dynamic_runs[dynamic_run_count - 1].length));
    compare("vhdx_dynamic", dir, (uint64_t)dynamic_mb * MB, time_dynamic_library,
            time_dynamic_floor, runs, warmup, dynamic_bytes);
    compare_processes("vhdx_dynamic_process", dir, vsdisk, qemu_img, dynamic_mb, 0, runs, warmup);

    /* Fixed: the floor writes the metadata (the bytes before the data area) and reserves the
     * rest of the file. */
    options = options_of((uint64_t)fixed_mb * MB);
    fixed_file_size = vhdx_fixed_file_size(&options);
    /* Everything before the data area: the same as a dynamic disk of the size's whole file. */
    uint64_t metadata_bytes = vhdx_dynamic_file_size(&options);
    if (fixed_file_size == 0 || metadata_bytes == 0 || metadata_bytes > SIZE_MAX)
        bench_die("no fixed VHDX of that size", 0);
    prepare_floor((size_t)metadata_bytes);
    compare("vhdx_fixed", fixed_dir, (uint64_t)fixed_mb * MB, time_fixed_library, time_fixed_floor,
            runs, warmup, fixed_file_size);
    compare_processes("vhdx_fixed_process", fixed_dir, vsdisk, qemu_img, fixed_mb, 1, runs, warmup);
    free(floor_bytes);
    printf("bench_vhdx_create: ok\n");
    return 0;
}
