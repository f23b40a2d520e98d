#include <windows.h>
#include <ole2.h>
#include <stdio.h>
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

vhd_status task_job_end_in_place(vhd_io *disk, vhd_reader_code code, vhd_reader_error *error,
                                 const struct task_job_progress *progress, int *os_error)
{
    vhd_status status = disk->close(disk);

    if (code == VHD_READER_OK && status != VHD_OK) {
        error->code = VHD_READER_IO;
        error->io_status = status;
        error->os_error = disk->os_error;
        snprintf(error->reason, sizeof(error->reason), "closing the disk failed");
        code = VHD_READER_IO;
    }
    *os_error = error->os_error;
    switch (code) {
    case VHD_READER_OK:
        progress->progress(progress->ctx, 100);
        return VHD_OK;
    case VHD_READER_IO:
        return error->io_status != VHD_OK ? error->io_status : VHD_E_IO;
    case VHD_READER_NO_MEMORY:
        return VHD_E_NO_MEMORY;
    default:
        return VHD_E_IO;
    }
}
