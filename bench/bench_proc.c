/* bench_proc: whole processes. vhdcreate against qemu-img create, and the peak memory of
 * vhdcreate.
 *
 * Usage: bench_proc DIR VHDCREATE QEMU_IMG [--runs N] [--warmup N] [--memory-runs N]
 *   QEMU_IMG may be "-" to leave qemu-img out.
 *
 * Time: for 3 MB, 127 GB (130048 MB) and 2040 GB (2088960 MB), each run spawns (posix_spawn)
 *   vhdcreate DIR/FILE SIZE_MB
 *   qemu-img create -q -f vpc -o subformat=dynamic DIR/FILE SIZE_MBM
 * alternating which goes first, and times each from the spawn to its exit (waitpid); the
 * files are unlinked after each run, untimed. Reports the median, minimum and maximum of
 * each and of the per-run speed-up qemu-img / vhdcreate. "vhdcreate --version" is timed too:
 * the cost of starting the process at all.
 *
 * Memory: the peak resident set (VmHWM) of vhdcreate, read from /proc/PID/status when the
 * process is stopped at its exit (ptrace PTRACE_O_TRACEEXIT), so it is the program's own peak
 * and not, as getrusage's ru_maxrss of a child is, at least what the parent had resident when
 * it forked (Linux carries the pre-exec high-water mark across execve). ru_maxrss is printed
 * too. Falls back to ru_maxrss alone if ptrace is not permitted.
 *
 * Output: one line per figure, "bench NAME key=value ...", times in milliseconds, memory in
 * KiB; the last line is "bench_proc: ok" (exit 0) or an error (exit 1). */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

static const unsigned long sizes_mb[] = { 3, 130048, 2088960 };
#define SIZE_COUNT (sizeof(sizes_mb) / sizeof(sizes_mb[0]))

static const char *dir;

static unsigned parse_count(const char *text)
{
    return (unsigned)bench_parse_number(text, 0, 100000);
}

int main(int argc, char **argv)
{
    bench_program = "bench_proc";
    unsigned runs = 15, warmup = 3, memory_runs = 5;
    char vhd_path[4096], qemu_path[4096], size_arg[32], qemu_size_arg[32];

    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: bench_proc DIR VHDCREATE QEMU_IMG|- [--runs N] [--warmup N] "
                        "[--memory-runs N]\n");
        return 2;
    }
    for (int i = 4; i + 1 < argc; i += 2) {
        unsigned value = parse_count(argv[i + 1]);
        if (!strcmp(argv[i], "--runs"))
            runs = value;
        else if (!strcmp(argv[i], "--warmup"))
            warmup = value;
        else if (!strcmp(argv[i], "--memory-runs"))
            memory_runs = value;
        else
            bench_die("unknown option", 0);
    }
    if (runs == 0 || memory_runs == 0)
        bench_die("--runs and --memory-runs must be at least 1", 0);
    dir = argv[1];
    char *vhdcreate = argv[2], *qemu_img = strcmp(argv[3], "-") ? argv[3] : NULL;
    if (snprintf(vhd_path, sizeof(vhd_path), "%s/bench-proc.vhd", dir) >= (int)sizeof(vhd_path)
        || snprintf(qemu_path, sizeof(qemu_path), "%s/bench-qemu.vhd", dir) >= (int)sizeof(qemu_path)
        || snprintf(bench_err_path, sizeof(bench_err_path), "%s/bench-proc.stderr", dir) >= (int)sizeof(bench_err_path))
        bench_die("DIR is too long", 0);

    char *vhd_argv[] = { vhdcreate, vhd_path, size_arg, NULL };
    char *qemu_argv[] = { qemu_img, "create", "-q", "-f", "vpc", "-o", "subformat=dynamic",
                          qemu_path, qemu_size_arg, NULL };
    char *version_argv[] = { vhdcreate, "--version", NULL };
    double *vhd_ms = calloc(runs, sizeof(double)), *qemu_ms = calloc(runs, sizeof(double));
    double *speedup = calloc(runs, sizeof(double));
    if (!vhd_ms || !qemu_ms || !speedup)
        bench_die("out of memory", 0);

    printf("bench proc_config runs=%u warmup=%u memory_runs=%u qemu=%s\n", runs, warmup,
           memory_runs, qemu_img ? "yes" : "no");

    for (unsigned i = 0; i < warmup + runs; i++)
        vhd_ms[i < warmup ? 0 : i - warmup] = bench_run_process(version_argv, NULL);
    bench_print_summary("proc_start", "what=vhdcreate_--version", vhd_ms, runs);

    for (size_t s = 0; s < SIZE_COUNT; s++) {
        char attributes[128];
        snprintf(size_arg, sizeof(size_arg), "%lu", sizes_mb[s]);
        snprintf(qemu_size_arg, sizeof(qemu_size_arg), "%luM", sizes_mb[s]);
        for (unsigned i = 0; i < warmup + runs; i++) {
            unsigned slot = i < warmup ? 0 : i - warmup;
            if (i % 2 == 0 || !qemu_img) {
                vhd_ms[slot] = bench_run_process(vhd_argv, NULL);
                bench_remove_file(vhd_path);
            }
            if (qemu_img) {
                qemu_ms[slot] = bench_run_process(qemu_argv, NULL);
                bench_remove_file(qemu_path);
            }
            if (i % 2 == 1 && qemu_img) {
                vhd_ms[slot] = bench_run_process(vhd_argv, NULL);
                bench_remove_file(vhd_path);
            }
        }
        snprintf(attributes, sizeof(attributes), "size_mb=%lu", sizes_mb[s]);
        bench_print_summary("proc_vhdcreate", attributes, vhd_ms, runs);
        if (qemu_img) {
            bench_ratios(qemu_ms, vhd_ms, speedup, runs);
            bench_print_summary("proc_qemu", attributes, qemu_ms, runs);
            bench_print_summary("proc_speedup", attributes, speedup, runs);
        }
        fflush(stdout);
    }

    /* Memory, at the smallest and the largest size (and qemu-img's for comparison). */
    static const unsigned long memory_sizes[] = { 3, 2088960 };
    for (size_t s = 0; s < 2; s++) {
        double *hwm = calloc(memory_runs, sizeof(double));
        double *maxrss = calloc(memory_runs, sizeof(double));
        double *qemu_hwm = calloc(memory_runs, sizeof(double));
        int ptrace_ok = 1;
        if (!hwm || !maxrss || !qemu_hwm)
            bench_die("out of memory", 0);
        snprintf(size_arg, sizeof(size_arg), "%lu", memory_sizes[s]);
        snprintf(qemu_size_arg, sizeof(qemu_size_arg), "%luM", memory_sizes[s]);
        for (unsigned i = 0; i < memory_runs; i++) {
            long h, m;
            bench_peak_memory(vhd_argv, &h, &m);
            bench_remove_file(vhd_path);
            ptrace_ok &= h >= 0;
            hwm[i] = (double)h;
            maxrss[i] = (double)m;
            if (qemu_img) {
                bench_peak_memory(qemu_argv, &h, &m);
                bench_remove_file(qemu_path);
                qemu_hwm[i] = (double)(h >= 0 ? h : m);
            }
        }
        char attributes[128];
        snprintf(attributes, sizeof(attributes), "size_mb=%lu unit=KiB", memory_sizes[s]);
        if (ptrace_ok)
            bench_print_summary("mem_vhdcreate_hwm", attributes, hwm, memory_runs);
        bench_print_summary("mem_vhdcreate_maxrss", attributes, maxrss, memory_runs);
        if (qemu_img)
            bench_print_summary("mem_qemu", attributes, qemu_hwm, memory_runs);
        free(hwm);
        free(maxrss);
        free(qemu_hwm);
        fflush(stdout);
    }

    unlink(bench_err_path);
    free(vhd_ms);
    free(qemu_ms);
    free(speedup);
    printf("bench_proc: ok\n");
    return 0;
}
