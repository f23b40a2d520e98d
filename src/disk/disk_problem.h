/* One problem a check found in a disk file: how grave, a short stable name, where it is in the
 * file and what it means, in words. Each format's room reports its own through a sink; the
 * neutral check (disk_check.h) adds the chain's. */
#ifndef DISK_PROBLEM_H
#define DISK_PROBLEM_H

#include <stdint.h>

#define DISK_PROBLEM_NOWHERE UINT64_MAX     /* a problem of the whole file */

typedef enum disk_problem_kind {
    /* The file is not what its structures say (or not a disk at all): a reader may refuse it
     * or read wrong data. */
    DISK_PROBLEM_CORRUPTION = 1,
    /* Space in the file that nothing refers to: harmless, but wasted. */
    DISK_PROBLEM_LEAK = 2,
    /* The disk reads correctly, but something it records is out of date (a parent path that
     * no longer opens the parent, found another way): repair fixes it; the check's outcome
     * stays clean. */
    DISK_PROBLEM_WARNING = 3
} disk_problem_kind;

typedef struct disk_problem {
    disk_problem_kind kind;
    const char *name;               /* "footer-copies-differ": stable, for scripts */
    uint64_t offset;                /* where in the file, or DISK_PROBLEM_NOWHERE */
    uint64_t length;                /* bytes concerned from offset on (0: not a range) */
    char meaning[400];              /* one sentence: what is wrong and what it means */
} disk_problem;

typedef void (*disk_problem_sink)(void *ctx, const disk_problem *problem);

/* Fills a problem and hands it to sink (printf-style meaning). */
void disk_problem_report(disk_problem_sink sink, void *ctx, disk_problem_kind kind,
                         const char *name, uint64_t offset, uint64_t length,
                         const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

#endif
