/* A job's progress as a percentage that never goes back, for the in-place jobs whose steps
 * are counted inside a format's room (resize). report may be NULL: no progress wanted. */
#ifndef DISK_PROGRESS_H
#define DISK_PROGRESS_H

#include <stdint.h>

typedef struct disk_progress {
    void (*report)(void *ctx, unsigned percent);
    void *ctx;
    unsigned last;                  /* the last percent reported */
} disk_progress;

/* Reports from + (to - from) * done / total percent, if that is more than the last one. NULL
 * progress, or no report, does nothing. */
void disk_progress_step(disk_progress *progress, uint64_t done, uint64_t total, unsigned from,
                        unsigned to);

#endif
