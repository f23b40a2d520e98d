/* Creation jobs: dynamic, fixed and differencing disks written by the portable writers
 * through the Win32 back end. */
#include <windows.h>
#include <ole2.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "creation_job.h"
#include "vhd_create.h"
#include "vhd_create_fixed.h"

struct creation_job {
    struct task_job job;
    enum creation_kind kind;
    struct disk_target *target;
    vhd_parent_facts parent;
    uint16_t absolute[VHD_PARENT_NAME_MAX_UNITS];
    uint16_t relative[VHD_PARENT_RELATIVE_MAX_UNITS];
};

static inline struct creation_job *impl_from_task_job(struct task_job *job)
{
    return CONTAINING_RECORD(job, struct creation_job, job);
}

static vhd_status creation_run(struct task_job *iface, const struct task_job_progress *progress,
                               int *os_error)
{
    struct creation_job *job = impl_from_task_job(iface);
    vhd_io *io = &job->target->io.io;
    vhd_create_options options;
    vhd_status status;

    task_job_new_disk_options(progress, &options);
    options.size_bytes = job->target->size_bytes;

    switch (job->kind) {
    case CREATION_FIXED:
        status = vhd_write_fixed(io, &options);
        break;
    case CREATION_DIFFERENCING:
        status = vhd_write_differencing(io, &options, &job->parent);
        break;
    default:
        status = vhd_write_dynamic(io, &options);
        break;
    }
    *os_error = io->os_error;
    return status;
}

static WCHAR *creation_fail(struct task_job *iface, vhd_status status, int os_error)
{
    struct creation_job *job = impl_from_task_job(iface);
    struct disk_target *target = job->target;

    disk_target_remove_folders(target);
    if (status == VHD_E_CANCELLED)
        return vs_wcsformat(L"The creation of \"%ls\" was cancelled; what it had written was removed.",
                           target->path);
    if (target->io.vanished)
        return vs_wcsformat(L"Creating \"%ls\" failed: the file or its folder was deleted or moved while the disk was being created (Windows error %d); what it had written was discarded.",
                           target->path, os_error);
    return vs_wcsformat(L"Creating \"%ls\" failed: %hs (Windows error %d); what it had written was removed.",
                       target->path, vhd_status_message(status), os_error);
}

static void creation_abandon(struct task_job *iface)
{
    struct creation_job *job = impl_from_task_job(iface);

    job->target->io.io.remove(&job->target->io.io);
    disk_target_remove_folders(job->target);
}

static void creation_free(struct task_job *iface)
{
    struct creation_job *job = impl_from_task_job(iface);

    disk_target_free(job->target);
    vs_free(job->job.description);
    vs_free(job);
}

static const struct task_job_ops creation_job_ops = {
    creation_run,
    creation_fail,
    creation_abandon,
    creation_free,
};

struct task_job *creation_job_new(enum creation_kind kind, struct disk_target *target,
                                  const vhd_parent_facts *parent)
{
    struct creation_job *job = vs_calloc(1, sizeof(*job));
    ULONGLONG mb = target->size_bytes / (1024 * 1024);

    if (!job) {
        target->io.io.remove(&target->io.io);
        disk_target_remove_folders(target);
        disk_target_free(target);
        return NULL;
    }
    job->job.ops = &creation_job_ops;
    job->kind = kind;
    job->target = target;
    switch (kind) {
    case CREATION_FIXED:
        job->job.method = L"CreateFixedVirtualHardDisk";
        job->job.description = vs_wcsformat(L"Create fixed virtual hard disk \"%ls\" (%I64u MB)",
                                           target->path, mb);
        break;
    case CREATION_DIFFERENCING:
        job->job.method = L"CreateDifferencingVirtualHardDisk";
        job->parent = *parent;
        memcpy(job->absolute, parent->absolute_path, parent->absolute_length * sizeof(uint16_t));
        memcpy(job->relative, parent->relative_path, parent->relative_length * sizeof(uint16_t));
        job->parent.absolute_path = job->absolute;
        job->parent.relative_path = job->relative;
        job->job.description = vs_wcsformat(L"Create differencing virtual hard disk \"%ls\" (parent \"%.*ls\")",
                                           target->path, (int)parent->absolute_length,
                                           (const WCHAR *)parent->absolute_path);
        break;
    default:
        job->job.method = L"CreateDynamicVirtualHardDisk";
        job->job.description = vs_wcsformat(L"Create dynamic virtual hard disk \"%ls\" (%I64u MB)",
                                           target->path, mb);
        break;
    }
    if (!job->job.description) {
        creation_abandon(&job->job);
        creation_free(&job->job);
        return NULL;
    }
    return &job->job;
}
