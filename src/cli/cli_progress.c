#define _POSIX_C_SOURCE 200809L

#include "cli_progress.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_size.h"

void cli_progress_start(cli_progress *progress, const char *prog, uint64_t total)
{
    progress->prog = prog;
    progress->total = total;
    progress->terminal = isatty(STDERR_FILENO) == 1;
    progress->columns = 0;
    struct winsize size;
    if (progress->terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0)
        progress->columns = size.ws_col;
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

int cli_progress_format(char *line, size_t size, const char *prog, unsigned percent,
                        uint64_t total, double elapsed)
{
    char done[32], whole[32], rate[32], left[32];
    if (total == 0)
        return snprintf(line, size, "%s: %u%%", prog, percent);
    if (percent > 100)
        percent = 100;
    /* total * percent / 100 without overflowing 64 bits. */
    uint64_t bytes = total / 100 * percent + total % 100 * percent / 100;
    cli_format_size_rounded(bytes, done, sizeof done);
    cli_format_size(total, whole, sizeof whole);
    if (elapsed < 0.2 || bytes == 0)     /* too early for a rate that means anything */
        return snprintf(line, size, "%s: %3u%%  %s of %s", prog, percent, done, whole);
    double per_second = (double)bytes / elapsed;
    cli_format_size_rounded((uint64_t)per_second, rate, sizeof rate);
    format_duration((double)(total - bytes) / per_second, left, sizeof left);
    return snprintf(line, size, "%s: %3u%%  %s of %s  %s/s  %s left", prog, percent, done, whole,
                    rate, left);
}

void cli_progress_report(void *ctx, unsigned percent)
{
    cli_progress *progress = ctx;
    char line[160];
    int n = cli_progress_format(line, sizeof line, progress->prog, percent, progress->total,
                                seconds_since(&progress->start));
    if (n < 0)
        return;
    unsigned width = (unsigned)n < sizeof line ? (unsigned)n : (unsigned)sizeof line - 1;
    if (!progress->terminal) {
        fprintf(stderr, "%s\n", line);
        return;
    }
    /* A line as wide as the terminal would wrap, and \r would redraw only its last part. */
    if (progress->columns > 1 && width >= progress->columns) {
        width = progress->columns - 1;
        line[width] = '\0';
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
