#include <windows.h>
#include <ole2.h>
#include <string.h>
#include <time.h>

#include "buffer_cache.h"
#include "task_job.h"

void task_job_new_disk_options(const struct task_job_progress *progress, vhd_create_options *options)
{
    GUID unique_id;

    memset(options, 0, sizeof(*options));
    options->timestamp = vhd_timestamp_from_unix((int64_t)time(NULL));
    /* CoCreateGuid gives a random version-4 GUID, already in the byte layout Windows stores. */
    if (SUCCEEDED(CoCreateGuid(&unique_id)))
        memcpy(options->unique_id, &unique_id, sizeof(options->unique_id));
    options->progress = progress->progress;
    options->cancelled = progress->cancelled;
    options->ctx = progress->ctx;
    options->allocate = buffer_cache_take;
    options->release = buffer_cache_give;
}
