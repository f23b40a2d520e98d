/* Median, minimum and maximum of a set of timings, shared by the bench programs (Windows and
 * native). Header-only (static inline: a program may include it and not use all of it). */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdlib.h>
#include <string.h>

typedef struct bench_summary {
    double median, min, max;
} bench_summary;

static inline int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts a copy of values[0..count); count >= 1. The median of an even count is the mean of
 * the two middle values. */
static inline bench_summary bench_summarize(const double *values, size_t count)
{
    bench_summary s = { 0, 0, 0 };
    double *sorted = malloc(count * sizeof(*sorted));

    if (!sorted || count == 0) {
        free(sorted);
        return s;
    }
    memcpy(sorted, values, count * sizeof(*sorted));
    qsort(sorted, count, sizeof(*sorted), bench_compare_doubles);
    s.min = sorted[0];
    s.max = sorted[count - 1];
    s.median = count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
    free(sorted);
    return s;
}

/* values[i] / bases[i] for each i, into ratios. */
static inline void bench_ratios(const double *values, const double *bases, double *ratios, size_t count)
{
    for (size_t i = 0; i < count; i++)
        ratios[i] = bases[i] > 0 ? values[i] / bases[i] : 0;
}

#endif
