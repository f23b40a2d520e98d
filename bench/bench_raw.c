/* bench_raw: raw images in and out (issue 22) against their copy floors, in one process, and
 * against qemu-img convert; the peak memory of vsdisk convert by the source's size.
 *
 * Usage: bench_raw DIR VSDISK QEMU_IMG|- [--runs N] [--warmup N] [--size-mb N] [--data-mb N]
 *                  [--memory-size-mb N] [--memory-runs N] [--settle-ms N]
 *
 * The source: a sparse raw image of --size-mb (default 8192 = 8 GiB) holding --data-mb
 * (default 2048) of data in 1 MiB runs at MiB slots chosen at random (a fixed seed) over the
 * whole image, written and flushed once before the timed runs (its data then in the page cache
 * for every contender alike).
 *
 *   fixed_vhd:    disk_convert() of the raw class source into a fixed VHD (vhd_io_posix target)
 *                 against its copy floor: open the source and open(O_EXCL) the target,
 *                 fallocate() the target's whole file (size + 512: a fixed VHD is reserved),
 *                 the source's data runs found with SEEK_DATA/SEEK_HOLE, read (pread, 1 MiB)
 *                 and written at their offsets (pwrite), the 512-byte footer written,
 *                 fdatasync(), close();
 *   dynamic_vhdx: the same into a dynamic VHDX against its floor: the data runs read and
 *                 written at their offsets into a file given the VHDX's file size (ftruncate:
 *                 as the library's output measured once), fdatasync(), close();
 *   processes:    "vsdisk convert SRC.raw X.vhd fixed" against "qemu-img convert -f raw -O vpc
 *                 -o subformat=fixed,force_size" and "vsdisk convert SRC.raw X.vhdx dynamic"
 *                 against "qemu-img convert -f raw -O vhdx"; and a dynamic VHD holding the
 *                 data (made from the source, untimed) exported: "vsdisk convert X.vhd Y.raw
 *                 raw" against "qemu-img convert -f vpc -O raw". vsdisk flushes its result
 *                 before it exits; qemu-img convert does not (its target cache is "unsafe"):
 *                 qemu-img's time is reported alone and with "sync --data FILE" run right
 *                 after it (timed together); the speed-up is against the flushed figure;
 *   memory:       the peak resident set (VmHWM at exit, ptrace, ASLR off; as bench_proc.c
 *                 measures it) of "vsdisk convert SRC.raw X.vhdx dynamic" for a source of
 *                 --size-mb and one of --memory-size-mb (default 65536 = 64 GiB) holding the
 *                 same data, --memory-runs runs each (default 3).
 * Contenders alternate which goes first; every timed run starts after a sync() and a pause of
 * --settle-ms (default 1000); every file is unlinked after its run (untimed).
 * Output: "bench NAME key=value ..." lines, times in ms, memory in KiB; last line
 * "bench_raw: ok". */
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
#include "disk_convert.h"
#include "disk_formats.h"
#include "vhd_io_posix.h"
#include "vhd_ops_posix.h"

#define MB 1048576ull

static char dir[4096], source_path[4096];

static void path_in_dir(char *out, size_t size, const char *name)
{
    if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
        bench_die("the folder's name is too long", 0);
}

/* Before every timed run: what earlier runs left for the device written (sync) and a second's
 * pause (this VM's ext4 trims a deleted file's blocks in the background), so that no contender
 * pays for another's writes. --settle-ms sets the pause (0 in the smoke test). */
static unsigned settle_ms = 1000;
static void settle(void)
{
    sync();
    if (settle_ms)
        usleep(settle_ms * 1000u);
}

/* ---- the source ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int compare_slots(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A sparse raw image of size_mb MiB with data_mb 1 MiB runs of random bytes at MiB slots
 * chosen at random (the same slots and bytes for the same sizes), flushed. */
static void make_source(const char *path, unsigned long size_mb, unsigned long data_mb)
{
    uint32_t *slots = malloc(size_mb * sizeof *slots);
    uint64_t *buf = malloc(MB);
    if (!slots || !buf)
        bench_die("out of memory", 0);
    for (uint32_t i = 0; i < size_mb; i++)
        slots[i] = i;
    rng_state = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < data_mb; i++) {     /* a partial Fisher-Yates shuffle */
        uint32_t j = i + (uint32_t)(next_random() % (size_mb - i));
        uint32_t t = slots[i];
        slots[i] = slots[j];
        slots[j] = t;
    }
    qsort(slots, data_mb, sizeof *slots, compare_slots);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd == -1)
        bench_die("open", errno);
    if (ftruncate(fd, (off_t)(size_mb * MB)) != 0)
        bench_die("ftruncate", errno);
    for (uint32_t i = 0; i < data_mb; i++) {
        for (size_t k = 0; k < MB / sizeof *buf; k++)
            buf[k] = next_random();
        if (pwrite(fd, buf, MB, (off_t)(slots[i] * MB)) != (ssize_t)MB)
            bench_die("pwrite", errno);
    }
    if (fdatasync(fd) != 0 || close(fd) != 0)
        bench_die("fdatasync", errno);
    free(slots);
    free(buf);
}

/* ---- the library and its floors, in one process ----------------------------------------- */

/* disk_convert() of path (read as raw, or by content) into target as spec says. */
static double time_convert(const char *from, int from_raw, const char *target,
                           const disk_convert_target *spec)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    struct vhd_io_posix out;
    vhd_create_options options = { .timestamp = 0x32a969ec, .buffer_max = MB };
    for (int i = 0; i < 16; i++)
        options.unique_id[i] = (uint8_t)(i * 37 + 11);
    double start = bench_now_ms();
    vhd_op_code code = from_raw ? vhd_ops_posix_open_as(&chain, from, &raw_disk_class, NULL, &result)
                                : vhd_ops_posix_open_chain(&chain, from, false, NULL, &result);
    if (code != VHD_OP_OK)
        bench_die(result.reason, 0);
    vhd_io_posix_init(&out, target);
    code = disk_convert(chain.chain, &out.io, spec, &options, &result);
    vhd_ops_posix_close_chain(&chain);
    double ms = bench_now_ms() - start;
    if (code != VHD_OP_OK)
        bench_die(result.reason, 0);
    return ms;
}

static const disk_convert_target fixed_vhd = { DISK_FORMAT_VHD, VHD_TARGET_FIXED, 0 };
static const disk_convert_target dynamic_vhdx = { DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC, 0 };
static const disk_convert_target dynamic_vhd = { DISK_FORMAT_VHD, VHD_TARGET_DYNAMIC, 0 };

static double time_fixed_vhd_library(const char *target)
{
    return time_convert(source_path, 1, target, &fixed_vhd);
}

static double time_dynamic_vhdx_library(const char *target)
{
    return time_convert(source_path, 1, target, &dynamic_vhdx);
}

static unsigned char *copy_buffer;
static uint64_t source_bytes, dynamic_vhdx_file_bytes;

/* The floor: the source's data runs read and written at their offsets into a new file of
 * file_size (reserved with fallocate when reserve), then footer_bytes at the end, one flush. */
static double time_floor(const char *target, uint64_t file_size, int reserve, size_t footer_bytes)
{
    double start = bench_now_ms();
    int in = open(source_path, O_RDONLY | O_CLOEXEC);
    int out = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (in == -1 || out == -1)
        bench_die("open", errno);
    if (reserve ? fallocate(out, 0, 0, (off_t)file_size) != 0 : ftruncate(out, (off_t)file_size) != 0)
        bench_die("fallocate/ftruncate", errno);
    for (off_t at = 0; (uint64_t)at < source_bytes; ) {
        off_t data = lseek(in, at, SEEK_DATA);
        if (data == -1 && errno == ENXIO)
            break;
        off_t hole = data == -1 ? -1 : lseek(in, data, SEEK_HOLE);
        if (hole == -1)
            bench_die("lseek", errno);
        for (at = data; at < hole; ) {
            size_t n = (uint64_t)(hole - at) < MB ? (size_t)(hole - at) : MB;
            if (pread(in, copy_buffer, n, at) != (ssize_t)n)
                bench_die("pread", errno);
            if (pwrite(out, copy_buffer, n, at) != (ssize_t)n)
                bench_die("pwrite", errno);
            at += (off_t)n;
        }
    }
    if (footer_bytes && pwrite(out, copy_buffer, footer_bytes, (off_t)(file_size - footer_bytes))
            != (ssize_t)footer_bytes)
        bench_die("pwrite", errno);
    if (fdatasync(out) != 0)
        bench_die("fdatasync", errno);
    if (close(out) != 0 || close(in) != 0)
        bench_die("close", errno);
    return bench_now_ms() - start;
}

static double time_fixed_vhd_floor(const char *target)
{
    return time_floor(target, source_bytes + 512, 1, 512);
}

static double time_dynamic_vhdx_floor(const char *target)
{
    return time_floor(target, dynamic_vhdx_file_bytes, 0, 0);
}

/* Alternating pairs: a then b on even runs, b then a on odd ones; warm-ups not kept. */
typedef double (*timer_fn)(const char *target);
static void compare(const char *name, timer_fn a, timer_fn b, unsigned runs, unsigned warmup,
                    const char *attributes)
{
    char path_a[4096], path_b[4096], label[96];
    double *ta = calloc(runs, sizeof(double)), *tb = calloc(runs, sizeof(double)),
           *ratio = calloc(runs, sizeof(double));
    if (!ta || !tb || !ratio)
        bench_die("out of memory", 0);
    path_in_dir(path_a, sizeof path_a, "lib.out");
    path_in_dir(path_b, sizeof path_b, "floor.out");
    for (unsigned i = 0; i < warmup + runs; i++) {
        double x, y;
        if (i % 2 == 0) {
            settle();
            x = a(path_a);
            bench_remove_file(path_a);
            settle();
            y = b(path_b);
            bench_remove_file(path_b);
        } else {
            settle();
            y = b(path_b);
            bench_remove_file(path_b);
            settle();
            x = a(path_a);
            bench_remove_file(path_a);
        }
        if (i >= warmup) {
            ta[i - warmup] = x;
            tb[i - warmup] = y;
        }
    }
    bench_ratios(ta, tb, ratio, runs);
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

typedef struct process_case {
    const char *name;            /* the figures' prefix */
    const char *source;          /* the source file */
    const char *ours_name, *theirs_name;
    const char *type;            /* vsdisk convert's TYPE */
    const char *qemu_from, *qemu_to, *qemu_options;   /* qemu_options may be NULL */
} process_case;

/* vsdisk convert against qemu-img convert (+ sync --data), alternating; prints all three, the
 * per-run speed-ups over qemu-img with and without the flush. */
static void compare_processes(const process_case *c, const char *vsdisk, const char *qemu_img,
                              const char *sync_program, unsigned runs, unsigned warmup,
                              const char *attributes)
{
    char ours[4096], theirs[4096], label[128];
    path_in_dir(ours, sizeof ours, c->ours_name);
    path_in_dir(theirs, sizeof theirs, c->theirs_name);
    char *v_argv[] = { (char *)vsdisk, "convert", (char *)c->source, ours, (char *)c->type, NULL };
    char *q_argv[12] = { (char *)qemu_img, "convert", "-f", (char *)c->qemu_from, "-O",
                         (char *)c->qemu_to };
    int q = 6;
    if (c->qemu_options) {
        q_argv[q++] = "-o";
        q_argv[q++] = (char *)c->qemu_options;
    }
    q_argv[q++] = (char *)c->source;
    q_argv[q++] = theirs;
    q_argv[q] = NULL;
    char *s_argv[] = { (char *)sync_program, "--data", theirs, NULL };
    int have_qemu = strcmp(qemu_img, "-") != 0;
    double *tv = calloc(runs, sizeof(double)), *tq = calloc(runs, sizeof(double)),
           *tqs = calloc(runs, sizeof(double)), *speedup = calloc(runs, sizeof(double));
    if (!tv || !tq || !tqs || !speedup)
        bench_die("out of memory", 0);
    for (unsigned i = 0; i < warmup + runs; i++) {
        unsigned slot = i < warmup ? 0 : i - warmup;
        if (i % 2 == 0 || !have_qemu) {
            settle();
            tv[slot] = bench_run_process(v_argv, NULL);
            bench_remove_file(ours);
        }
        if (have_qemu) {
            settle();
            tq[slot] = bench_run_process(q_argv, NULL);
            tqs[slot] = tq[slot] + bench_run_process(s_argv, NULL);
            bench_remove_file(theirs);
        }
        if (i % 2 == 1 && have_qemu) {
            settle();
            tv[slot] = bench_run_process(v_argv, NULL);
            bench_remove_file(ours);
        }
    }
    snprintf(label, sizeof label, "%s_vsdisk", c->name);
    bench_print_summary(label, attributes, tv, runs);
    if (have_qemu) {
        snprintf(label, sizeof label, "%s_qemu", c->name);
        bench_print_summary(label, attributes, tq, runs);
        snprintf(label, sizeof label, "%s_qemu_sync", c->name);
        bench_print_summary(label, attributes, tqs, runs);
        bench_ratios(tqs, tv, speedup, runs);
        snprintf(label, sizeof label, "%s_speedup", c->name);
        bench_print_summary(label, attributes, speedup, runs);
        bench_ratios(tq, tv, speedup, runs);
        snprintf(label, sizeof label, "%s_speedup_unflushed", c->name);
        bench_print_summary(label, attributes, speedup, runs);
    }
    fflush(stdout);
    free(tv);
    free(tq);
    free(tqs);
    free(speedup);
}

/* ---- peak memory ----------------------------------------------------------------------- */

static void memory_of(const char *vsdisk, const char *source, unsigned long size_mb,
                      unsigned long data_mb, unsigned runs)
{
    char out[4096], attributes[128];
    path_in_dir(out, sizeof out, "mem.vhdx");
    char *argv[] = { (char *)vsdisk, "convert", (char *)source, out, "dynamic", NULL };
    double *kib = calloc(runs, sizeof(double));
    if (!kib)
        bench_die("out of memory", 0);
    for (unsigned i = 0; i < runs; i++) {
        long hwm;
        bench_peak_memory(argv, &hwm, NULL);
        kib[i] = (double)hwm;
        bench_remove_file(out);
    }
    snprintf(attributes, sizeof attributes, "size_mb=%lu data_mb=%lu method=%s", size_mb, data_mb,
             kib[0] < 0 ? "none" : "vmhwm");
    bench_print_summary("raw_memory_vhdx", attributes, kib, runs);
    fflush(stdout);
    free(kib);
}

int main(int argc, char **argv)
{
    bench_program = "bench_raw";
    unsigned runs = 15, warmup = 3, memory_runs = 3;
    unsigned long size_mb = 8192, data_mb = 2048, memory_size_mb = 65536;
    if (argc < 4 || argc % 2 != 0)
        bench_die("usage: bench_raw DIR VSDISK QEMU_IMG|- [--runs N] [--warmup N] [--size-mb N] "
            "[--data-mb N] [--memory-size-mb N] [--memory-runs N] [--settle-ms N]", 0);
    const char *vsdisk = argv[2], *qemu_img = argv[3];
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = (unsigned)bench_parse_number(argv[i + 1], 1, 100000);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = (unsigned)bench_parse_number(argv[i + 1], 0, 100000);
        else if (strcmp(argv[i], "--size-mb") == 0)
            size_mb = bench_parse_number(argv[i + 1], 3, 2088960);
        else if (strcmp(argv[i], "--data-mb") == 0)
            data_mb = bench_parse_number(argv[i + 1], 1, 2088960);
        else if (strcmp(argv[i], "--memory-size-mb") == 0)
            memory_size_mb = bench_parse_number(argv[i + 1], 3, 2088960);
        else if (strcmp(argv[i], "--memory-runs") == 0)
            memory_runs = (unsigned)bench_parse_number(argv[i + 1], 1, 1000);
        else if (strcmp(argv[i], "--settle-ms") == 0)
            settle_ms = (unsigned)bench_parse_number(argv[i + 1], 0, 60000);
        else
            bench_die("unknown option", 0);
    }
    if (data_mb > size_mb || data_mb > memory_size_mb)
        bench_die("more data than the source holds", 0);
    if (snprintf(dir, sizeof dir, "%s", argv[1]) >= (int)sizeof dir)
        bench_die("the folder's name is too long", 0);
    path_in_dir(bench_err_path, sizeof bench_err_path, "bench-raw.stderr");
    path_in_dir(source_path, sizeof source_path, "source.raw");
    copy_buffer = calloc(1, MB);
    if (!copy_buffer)
        bench_die("out of memory", 0);
    printf("bench raw_config runs=%u warmup=%u flush=fdatasync size_mb=%lu data_mb=%lu\n", runs,
           warmup, size_mb, data_mb);
    fflush(stdout);
    source_bytes = (uint64_t)size_mb * MB;
    make_source(source_path, size_mb, data_mb);
    char attributes[128];
    snprintf(attributes, sizeof attributes, "size_mb=%lu data_mb=%lu", size_mb, data_mb);

    /* The dynamic VHDX's file size, for its floor: the library's output measured once. */
    char probe[4096];
    struct stat st;
    path_in_dir(probe, sizeof probe, "probe.vhdx");
    time_dynamic_vhdx_library(probe);
    if (stat(probe, &st) != 0)
        bench_die("stat", errno);
    dynamic_vhdx_file_bytes = (uint64_t)st.st_size;
    bench_remove_file(probe);

    compare("raw_fixed_vhd", time_fixed_vhd_library, time_fixed_vhd_floor, runs, warmup, attributes);
    compare("raw_dynamic_vhdx", time_dynamic_vhdx_library, time_dynamic_vhdx_floor, runs, warmup,
            attributes);

    static const char sync_program[] = "/bin/sync";
    const process_case fixed_case = { "raw_fixed_vhd_process", source_path, "vsdisk.vhd", "qemu.vhd",
                                      "fixed", "raw", "vpc", "subformat=fixed,force_size" };
    const process_case vhdx_case = { "raw_dynamic_vhdx_process", source_path, "vsdisk.vhdx",
                                     "qemu.vhdx", "dynamic", "raw", "vhdx", NULL };
    compare_processes(&fixed_case, vsdisk, qemu_img, sync_program, runs, warmup, attributes);
    compare_processes(&vhdx_case, vsdisk, qemu_img, sync_program, runs, warmup, attributes);

    /* Export: a dynamic VHD holding the data (made by the library, untimed) out to raw. */
    char vhd_path[4096];
    path_in_dir(vhd_path, sizeof vhd_path, "source.vhd");
    time_convert(source_path, 1, vhd_path, &dynamic_vhd);
    const process_case export_case = { "vhd_to_raw_process", vhd_path, "vsdisk.raw", "qemu.raw",
                                       "raw", "vpc", "raw", NULL };
    compare_processes(&export_case, vsdisk, qemu_img, sync_program, runs, warmup, attributes);
    bench_remove_file(vhd_path);

    /* Peak memory: the same data in a source of size_mb and in one of memory_size_mb. */
    memory_of(vsdisk, source_path, size_mb, data_mb, memory_runs);
    bench_remove_file(source_path);
    make_source(source_path, memory_size_mb, data_mb);
    memory_of(vsdisk, source_path, memory_size_mb, data_mb, memory_runs);
    bench_remove_file(source_path);
    unlink(bench_err_path);
    bench_err_path[0] = 0;
    free(copy_buffer);
    printf("bench_raw: ok\n");
    return 0;
}
