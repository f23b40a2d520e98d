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

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"

extern char **environ;

static const unsigned long sizes_mb[] = { 3, 130048, 2088960 };
#define SIZE_COUNT (sizeof(sizes_mb) / sizeof(sizes_mb[0]))

static const char *dir;
static char err_path[4096];

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what, int error)
{
    if (error)
        fprintf(stderr, "bench_proc: %s: %s\n", what, strerror(error));
    else
        fprintf(stderr, "bench_proc: %s\n", what);
    if (err_path[0])
        unlink(err_path);
    exit(1);
}

static unsigned parse_count(const char *text)
{
    char *end;
    unsigned long value = strtoul(text, &end, 10);
    if (*end || value > 100000)
        die("a count must be a whole number from 0 to 100000", 0);
    return (unsigned)value;
}

static void show_child_errors(void)
{
    char buf[4096];
    FILE *f = fopen(err_path, "r");
    size_t n;
    if (!f)
        return;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(f);
}

static void check_status(char *const argv[], int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    show_child_errors();
    fprintf(stderr, "bench_proc: %s %s %s failed (status 0x%x)\n", argv[0],
            argv[1] ? argv[1] : "", argv[1] && argv[2] ? argv[2] : "", (unsigned)status);
    die("a child process failed", 0);
}

/* Runs argv (stdin /dev/null, stdout /dev/null, stderr to a file); returns its wall time. */
static double time_process(char *const argv[])
{
    posix_spawn_file_actions_t actions;
    pid_t pid;
    int status, error;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    double start = now_ms();
    error = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    if (error)
        die(argv[0], error);
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR)
            die("waitpid", errno);
    }
    double elapsed = now_ms() - start;
    posix_spawn_file_actions_destroy(&actions);
    check_status(argv, status);
    return elapsed;
}

static long vm_hwm_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* Runs argv traced; *hwm_kib gets VmHWM at exit (-1 if ptrace is not permitted) and
 * *maxrss_kib getrusage's ru_maxrss of the child. */
static void measure_memory(char *const argv[], long *hwm_kib, long *maxrss_kib)
{
    int pipefd[2];
    pid_t pid;
    int status;
    struct rusage usage;

    *hwm_kib = -1;
    if (pipe(pipefd) != 0)
        die("pipe", errno);
    pid = fork();
    if (pid == -1)
        die("fork", errno);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char traced = ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0;
        if (null == -1 || err == -1)
            _exit(126);
        /* Tell the parent whether it is traced, then wait for it to set the options. */
        if (write(pipefd[1], &traced, 1) != 1)
            _exit(126);
        close(pipefd[0]);
        close(pipefd[1]);
        /* The same address-space layout every run: with randomization, which pages of the
         * libraries fault-around maps in varies by some 100 KiB from run to run. */
        personality(ADDR_NO_RANDOMIZE);
        if (traced) {
            /* LeakSanitizer cannot run under ptrace: an instrumented build (the smoke test in
             * the sanitizer build) would fail at exit. No effect on other programs. */
            static char asan[512];
            const char *old = getenv("ASAN_OPTIONS");
            snprintf(asan, sizeof(asan), "%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "");
            setenv("ASAN_OPTIONS", asan, 1);
            raise(SIGSTOP);
        }
        dup2(null, 0);
        dup2(null, 1);
        dup2(err, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pipefd[1]);
    char traced = 0;
    if (read(pipefd[0], &traced, 1) != 1)
        traced = 0;
    close(pipefd[0]);
    if (traced) {
        if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
            die("the traced child did not stop", 0);
        if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
                   (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) != 0)
            die("ptrace(PTRACE_SETOPTIONS)", errno);
        ptrace(PTRACE_CONT, pid, NULL, NULL);
    }
    for (;;) {
        if (wait4(pid, &status, 0, &usage) == -1) {
            if (errno == EINTR)
                continue;
            die("wait4", errno);
        }
        if (!WIFSTOPPED(status))
            break;
        int event = status >> 16, signal_to_pass = 0;
        if (event == PTRACE_EVENT_EXIT)
            *hwm_kib = vm_hwm_kib(pid);
        else if (event == 0 && WSTOPSIG(status) != SIGTRAP)
            signal_to_pass = WSTOPSIG(status);
        ptrace(PTRACE_CONT, pid, NULL, (void *)(long)signal_to_pass);
    }
    check_status(argv, status);
    *maxrss_kib = usage.ru_maxrss;
}

static void print_summary(const char *name, const char *attributes, const double *values,
                          size_t count)
{
    bench_summary s = bench_summarize(values, count);
    printf("bench %s %s runs=%u median=%.4f min=%.4f max=%.4f\n", name, attributes,
           (unsigned)count, s.median, s.min, s.max);
}

static void remove_file(const char *path)
{
    if (unlink(path) != 0)
        die("unlink", errno);
}

int main(int argc, char **argv)
{
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
            die("unknown option", 0);
    }
    if (runs == 0 || memory_runs == 0)
        die("--runs and --memory-runs must be at least 1", 0);
    dir = argv[1];
    char *vhdcreate = argv[2], *qemu_img = strcmp(argv[3], "-") ? argv[3] : NULL;
    if (snprintf(vhd_path, sizeof(vhd_path), "%s/bench-proc.vhd", dir) >= (int)sizeof(vhd_path)
        || snprintf(qemu_path, sizeof(qemu_path), "%s/bench-qemu.vhd", dir) >= (int)sizeof(qemu_path)
        || snprintf(err_path, sizeof(err_path), "%s/bench-proc.stderr", dir) >= (int)sizeof(err_path))
        die("DIR is too long", 0);

    char *vhd_argv[] = { vhdcreate, vhd_path, size_arg, NULL };
    char *qemu_argv[] = { qemu_img, "create", "-q", "-f", "vpc", "-o", "subformat=dynamic",
                          qemu_path, qemu_size_arg, NULL };
    char *version_argv[] = { vhdcreate, "--version", NULL };
    double *vhd_ms = calloc(runs, sizeof(double)), *qemu_ms = calloc(runs, sizeof(double));
    double *speedup = calloc(runs, sizeof(double));
    if (!vhd_ms || !qemu_ms || !speedup)
        die("out of memory", 0);

    printf("bench proc_config runs=%u warmup=%u memory_runs=%u qemu=%s\n", runs, warmup,
           memory_runs, qemu_img ? "yes" : "no");

    for (unsigned i = 0; i < warmup + runs; i++)
        vhd_ms[i < warmup ? 0 : i - warmup] = time_process(version_argv);
    print_summary("proc_start", "what=vhdcreate_--version", vhd_ms, runs);

    for (size_t s = 0; s < SIZE_COUNT; s++) {
        char attributes[128];
        snprintf(size_arg, sizeof(size_arg), "%lu", sizes_mb[s]);
        snprintf(qemu_size_arg, sizeof(qemu_size_arg), "%luM", sizes_mb[s]);
        for (unsigned i = 0; i < warmup + runs; i++) {
            unsigned slot = i < warmup ? 0 : i - warmup;
            if (i % 2 == 0 || !qemu_img) {
                vhd_ms[slot] = time_process(vhd_argv);
                remove_file(vhd_path);
            }
            if (qemu_img) {
                qemu_ms[slot] = time_process(qemu_argv);
                remove_file(qemu_path);
            }
            if (i % 2 == 1 && qemu_img) {
                vhd_ms[slot] = time_process(vhd_argv);
                remove_file(vhd_path);
            }
        }
        snprintf(attributes, sizeof(attributes), "size_mb=%lu", sizes_mb[s]);
        print_summary("proc_vhdcreate", attributes, vhd_ms, runs);
        if (qemu_img) {
            bench_ratios(qemu_ms, vhd_ms, speedup, runs);
            print_summary("proc_qemu", attributes, qemu_ms, runs);
            print_summary("proc_speedup", attributes, speedup, runs);
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
            die("out of memory", 0);
        snprintf(size_arg, sizeof(size_arg), "%lu", memory_sizes[s]);
        snprintf(qemu_size_arg, sizeof(qemu_size_arg), "%luM", memory_sizes[s]);
        for (unsigned i = 0; i < memory_runs; i++) {
            long h, m;
            measure_memory(vhd_argv, &h, &m);
            remove_file(vhd_path);
            ptrace_ok &= h >= 0;
            hwm[i] = (double)h;
            maxrss[i] = (double)m;
            if (qemu_img) {
                measure_memory(qemu_argv, &h, &m);
                remove_file(qemu_path);
                qemu_hwm[i] = (double)(h >= 0 ? h : m);
            }
        }
        char attributes[128];
        snprintf(attributes, sizeof(attributes), "size_mb=%lu unit=KiB", memory_sizes[s]);
        if (ptrace_ok)
            print_summary("mem_vhdcreate_hwm", attributes, hwm, memory_runs);
        print_summary("mem_vhdcreate_maxrss", attributes, maxrss, memory_runs);
        if (qemu_img)
            print_summary("mem_qemu", attributes, qemu_hwm, memory_runs);
        free(hwm);
        free(maxrss);
        free(qemu_hwm);
        fflush(stdout);
    }

    unlink(err_path);
    free(vhd_ms);
    free(qemu_ms);
    free(speedup);
    printf("bench_proc: ok\n");
    return 0;
}
