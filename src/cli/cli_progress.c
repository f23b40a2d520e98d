#define _POSIX_C_SOURCE 200809L

#include "cli_progress.h"

#include <stdio.h>
#include <unistd.h>

#include "cli_size.h"

void cli_progress_start(cli_progress *progress, const char *prog, uint64_t total)
{
    progress->prog = prog;
    progress->total = total;
    progress->terminal = isatty(STDERR_FILENO) == 1;
    progress->drawn = false;
    progress->width = 0;
    clock_gettime(CLOCK_MONOTONIC, &progress->start);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* "1 h 02 min", "3 min 07 s", "12 s". */
static void format_duration(double seconds, char *out, size_t size)
{
    unsigned long s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%lu h %02lu min", s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(out, size, "%lu min %02lu s", s / 60, s % 60);
    else
        snprintf(out, size, "%lu s", s);
}

void cli_progress_report(void *ctx, unsigned percent)
{
    cli_progress *progress = ctx;
    char line[160], done[32], total[32], rate[32], left[32];
    int n;

    if (progress->total == 0) {
        n = snprintf(line, sizeof line, "%s: %u%%", progress->prog, percent);
    } else {
        uint64_t bytes = progress->total / 100 * percent + progress->total % 100 * percent / 100;
        double elapsed = seconds_since(&progress->start);
        cli_format_size_rounded(bytes, done, sizeof done);
        cli_format_size(progress->total, total, sizeof total);
        if (elapsed < 0.2 || bytes == 0) {
            n = snprintf(line, sizeof line, "%s: %3u%%  %s of %s", progress->prog, percent,
                         done, total);
        } else {
            double per_second = (double)bytes / elapsed;
            cli_format_size_rounded((uint64_t)per_second, rate, sizeof rate);
            format_duration((double)(progress->total - bytes) / per_second, left, sizeof left);
            n = snprintf(line, sizeof line, "%s: %3u%%  %s of %s  %s/s  %s left", progress->prog,
                         percent, done, total, rate, left);
        }
    }
    if (n < 0)
        return;
    unsigned width = (unsigned)n < sizeof line ? (unsigned)n : (unsigned)sizeof line - 1;
    if (!progress->terminal) {
        fprintf(stderr, "%s\n", line);
        return;
    }
    /* Spaces over what is left of a longer line drawn before. */
    unsigned pad = progress->width > width ? progress->width - width : 0;
    fprintf(stderr, "\r%s%*s", line, (int)pad, "");
    fflush(stderr);
    progress->width = width;
    progress->drawn = true;
}

void cli_progress_end(cli_progress *progress)
{
    if (progress->drawn)
        fputc('\n', stderr);
    progress->drawn = false;
}
