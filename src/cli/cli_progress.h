/* "-p": a job's progress on stderr. On a terminal one line redrawn in place ("\r": percent,
 * bytes done of the total, rate, time left); otherwise one plain line per percent reported. */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cli_progress {
    const char *prog;
    uint64_t total;            /* bytes of the guest's disk the job goes through; 0 unknown */
    bool terminal;             /* stderr is a terminal: redraw one line */
    bool drawn;                /* a line is on the terminal without its end of line yet */
    unsigned width;            /* characters of the line last drawn */
    unsigned columns;          /* the terminal's width; 0 if unknown */
    struct timespec start;
} cli_progress;

/* Starts the clock; prog names the command in each line. */
void cli_progress_start(cli_progress *progress, const char *prog, uint64_t total);

/* The line for percent done of a job over total bytes (0: unknown) after elapsed seconds:
 * "PROG:  42%  1.2 GiB of 2.9 GiB  310.0 MiB/s  6 s left" (rate and time left from 0.2 s on).
 * Returns snprintf's result. */
int cli_progress_format(char *line, size_t size, const char *prog, unsigned percent,
                        uint64_t total, double elapsed);

/* The library's progress callback (ctx: a cli_progress). */
void cli_progress_report(void *ctx, unsigned percent);

/* Ends a redrawn line (before the result or an error is printed); harmless if none. */
void cli_progress_end(cli_progress *progress);

#endif
