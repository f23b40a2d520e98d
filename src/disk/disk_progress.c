/* Progress of an in-place job (disk_progress.h). */
#include "disk_progress.h"

#include <stddef.h>

void disk_progress_step(disk_progress *progress, uint64_t done, uint64_t total, unsigned from,
                        unsigned to)
{
    if (progress == NULL || progress->report == NULL || total == 0)
        return;
    if (done > total)
        done = total;
    unsigned percent = from + (unsigned)((to - from) * done / total);
    if (percent > progress->last) {
        progress->last = percent;
        progress->report(progress->ctx, percent);
    }
}
