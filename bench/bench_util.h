/* The helpers every native bench program repeated: the clock, stopping with a message,
 * numbers from the command line, a figure's line, child processes timed, and a child's peak
 * memory. POSIX only (bench_com.c, the Windows one, uses bench_stats.h alone). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>

#include "bench_stats.h"

/* The program's name, for its messages (set first thing in main). */
extern const char *bench_program;
/* A file that takes the children's standard error, removed when the program stops with an
 * error ("" or NULL: the children share the program's standard error). */
extern char bench_err_path[4096];

/* Milliseconds of the monotonic clock. */
double bench_now_ms(void);
/* "PROGRAM: what[: strerror(error)]" on stderr, bench_err_path removed, exit(1). */
void bench_die(const char *what, int error);
/* unlink, or stop. */
void bench_remove_file(const char *path);
/* A whole decimal number from minimum to maximum, or stop naming the option. */
unsigned long bench_parse_number(const char *text, unsigned long minimum, unsigned long maximum);
/* "bench NAME ATTRIBUTES runs=N median=M min=A max=B" on stdout. */
void bench_print_summary(const char *name, const char *attributes, const double *values, size_t n);
/* The bytes the file has allocated on its volume. */
unsigned long long bench_allocated_bytes(const char *path);

/* Runs argv (stdin and stdout /dev/null, stderr to bench_err_path if set) and returns its
 * wall time, from the spawn to its exit; *maxrss_kib (if not NULL) gets its ru_maxrss (the
 * child is then forked rather than spawned: see bench_util.c).
 * Stops the program, showing the child's errors, if it does not exit 0. */
double bench_run_process(char *const argv[], long *maxrss_kib);
/* Runs argv traced and stopped at its exit to read its VmHWM (the program's own peak;
 * ru_maxrss of a child counts what the parent had resident when it forked), with address-space
 * randomization off so that every run maps the same pages. *hwm_kib gets -1 if ptrace is not
 * permitted; *maxrss_kib (if not NULL) its ru_maxrss. Stops the program if it fails. */
void bench_peak_memory(char *const argv[], long *hwm_kib, long *maxrss_kib);

#endif
