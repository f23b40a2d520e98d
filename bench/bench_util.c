/* The shared helpers of the native bench programs (bench_util.h). */
#define _GNU_SOURCE

#include "bench_util.h"

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

extern char **environ;

const char *bench_program = "bench";
char bench_err_path[4096];

double bench_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void bench_die(const char *what, int error)
{
    fprintf(stderr, "%s: %s%s%s\n", bench_program, what, error ? ": " : "",
            error ? strerror(error) : "");
    if (bench_err_path[0])
        unlink(bench_err_path);
    exit(1);
}

void bench_remove_file(const char *path)
{
    if (unlink(path) != 0)
        bench_die("unlink", errno);
}

unsigned long bench_parse_number(const char *text, unsigned long minimum, unsigned long maximum)
{
    char *end;
    char message[128];
    unsigned long value = strtoul(text, &end, 10);
    if (*end || end == text || value < minimum || value > maximum) {
        snprintf(message, sizeof message, "'%s' is not a whole number from %lu to %lu", text,
                 minimum, maximum);
        bench_die(message, 0);
    }
    return value;
}

void bench_print_summary(const char *name, const char *attributes, const double *values, size_t n)
{
    bench_summary s = bench_summarize(values, n);
    printf("bench %s %s runs=%u median=%.4f min=%.4f max=%.4f\n", name, attributes, (unsigned)n,
           s.median, s.min, s.max);
}

unsigned long long bench_allocated_bytes(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        bench_die("stat", errno);
    return (unsigned long long)st.st_blocks * 512;
}

/* Shows what the child wrote on its standard error, then stops. */
static void check_status(char *const argv[], int status)
{
    char buf[4096];
    size_t n;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    FILE *f = bench_err_path[0] ? fopen(bench_err_path, "r") : NULL;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stderr);
    if (f)
        fclose(f);
    fprintf(stderr, "%s: %s %s %s failed (status 0x%x)\n", bench_program, argv[0],
            argv[1] ? argv[1] : "", argv[1] && argv[2] ? argv[2] : "", (unsigned)status);
    bench_die("a child process failed", 0);
}

/* The child's standard streams: stdin and stdout /dev/null, stderr to bench_err_path if set.
 * Called in a forked child only. */
static void redirect_child(void)
{
    int null = open("/dev/null", O_RDWR);
    int err = bench_err_path[0] ? open(bench_err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : 2;
    if (null == -1 || err == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1 || dup2(err, 2) == -1)
        _exit(126);
}

double bench_run_process(char *const argv[], long *maxrss_kib)
{
    posix_spawn_file_actions_t actions;
    struct rusage usage;
    pid_t pid;
    int status, error;
    double start;

    if (maxrss_kib) {
        /* fork, not posix_spawn: the ru_maxrss of a child spawned with a shared address space
         * (vfork) counts the parent's own peak; a forked child's, only what the parent had
         * resident at the fork (bench_peak_memory reads the child's own peak). */
        start = bench_now_ms();
        pid = fork();
        if (pid == -1)
            bench_die("fork", errno);
        if (pid == 0) {
            redirect_child();
            execv(argv[0], argv);
            _exit(127);
        }
    } else {
        /* posix_spawn: the cheapest start, for the timings of short processes. */
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        if (bench_err_path[0])
            posix_spawn_file_actions_addopen(&actions, 2, bench_err_path,
                                             O_WRONLY | O_CREAT | O_TRUNC, 0600);
        start = bench_now_ms();
        error = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (error)
            bench_die(argv[0], error);
    }
    while (wait4(pid, &status, 0, &usage) == -1)
        if (errno != EINTR)
            bench_die("wait4", errno);
    double elapsed = bench_now_ms() - start;
    check_status(argv, status);
    if (maxrss_kib)
        *maxrss_kib = usage.ru_maxrss;
    return elapsed;
}

static long vm_hwm_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

void bench_peak_memory(char *const argv[], long *hwm_kib, long *maxrss_kib)
{
    int pipefd[2], status;
    struct rusage usage;

    *hwm_kib = -1;
    if (pipe(pipefd) != 0)
        bench_die("pipe", errno);
    pid_t pid = fork();
    if (pid == -1)
        bench_die("fork", errno);
    if (pid == 0) {
        char traced = ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0;
        /* Tell the parent whether it is traced, then wait for it to set the options. */
        if (write(pipefd[1], &traced, 1) != 1)
            _exit(126);
        close(pipefd[0]);
        close(pipefd[1]);
        /* The same address-space layout every run: with randomization, which pages of the
         * libraries fault-around maps in varies by some 100 KiB from run to run. */
        personality(ADDR_NO_RANDOMIZE);
        if (traced) {
            /* LeakSanitizer cannot run under ptrace: an instrumented build (the smoke tests in
             * the sanitizer build) would fail at exit. No effect on other programs. */
            static char asan[512];
            const char *old = getenv("ASAN_OPTIONS");
            snprintf(asan, sizeof asan, "%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "");
            setenv("ASAN_OPTIONS", asan, 1);
            raise(SIGSTOP);
        }
        redirect_child();
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
            bench_die("the traced child did not stop", 0);
        if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
                   (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) != 0)
            bench_die("ptrace(PTRACE_SETOPTIONS)", errno);
        ptrace(PTRACE_CONT, pid, NULL, NULL);
    }
    for (;;) {
        if (wait4(pid, &status, 0, &usage) == -1) {
            if (errno == EINTR)
                continue;
            bench_die("wait4", errno);
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
    if (maxrss_kib)
        *maxrss_kib = usage.ru_maxrss;
}
