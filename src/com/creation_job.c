/* Creation jobs: dynamic, fixed and differencing disks written by the portable writers
 * through the Win32 back end. */
#include <windows.h>
#include <ole2.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "creation_job.h"
#include "host_random.h"
#include "vhd_create.h"
#include "vhd_create_fixed.h"
#include "vhdx_create.h"

#define VOLUME_PATH_MAX_UNITS (MAX_PATH + 64)

struct creation_job {
    struct task_job job;
    enum creation_kind kind;
    struct disk_target *target;
    vhd_parent_facts parent;
    vhdx_parent_facts vhdx_parent;
    uint16_t absolute[MAX_PATH];         /* VHD_PARENT_NAME_MAX_UNITS for a VHD */
    uint16_t relative[VHD_PARENT_RELATIVE_MAX_UNITS];
    uint16_t volume[VOLUME_PATH_MAX_UNITS];
};

static inline struct creation_job *impl_from_task_job(struct task_job *job)
{
    return CONTAINING_RECORD(job, struct creation_job, job);
}

/* The VHDX writer's options: the target's shape, new GUIDs, the task's progress and cancel. */
static void vhdx_options_for(const struct creation_job *job, const vhd_create_options *common,
                             vhdx_create_options *options)
{
    memset(options, 0, sizeof(*options));
    options->size_bytes = job->target->size_bytes;
    options->block_size = job->target->shape.block_size;
    options->logical_sector_size = job->target->shape.logical_sector_size;
    options->physical_sector_size = job->target->shape.physical_sector_size;
    host_random_guid(NULL, options->file_write_guid.bytes);
    host_random_guid(NULL, options->data_write_guid.bytes);
    memcpy(options->virtual_disk_id.bytes, common->unique_id, sizeof(options->virtual_disk_id.bytes));
    options->progress = common->progress;
    options->cancelled = common->cancelled;
    options->ctx = common->ctx;
    options->allocate = common->allocate;
    options->release = common->release;
}

static vhd_status creation_run_vhdx(struct creation_job *job, vhd_io *io,
                                    const vhd_create_options *common)
{
    vhdx_create_options options;

    vhdx_options_for(job, common, &options);
    switch (job->kind) {
    case CREATION_FIXED:
        return vhdx_write_fixed(io, &options);
    case CREATION_DIFFERENCING:
        return vhdx_write_differencing(io, &options, &job->vhdx_parent);
    default:
        return vhdx_write_dynamic(io, &options);
    }
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

    if (job->target->shape.format == DISK_FORMAT_VHDX)
        status = creation_run_vhdx(job, io, &options);
    else if (job->kind == CREATION_FIXED)
        status = vhd_write_fixed(io, &options);
    else if (job->kind == CREATION_DIFFERENCING)
        status = vhd_write_differencing(io, &options, &job->parent);
    else
        status = vhd_write_dynamic(io, &options);
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

/* Copies length units of path into buffer (of capacity units) and returns the copy. */
static const uint16_t *copy_units(uint16_t *buffer, size_t capacity, const uint16_t *path,
                                  size_t *length)
{
    if (*length > capacity)
        *length = capacity;
    if (*length)
        memcpy(buffer, path, *length * sizeof(uint16_t));
    return buffer;
}

struct task_job *creation_job_new(enum creation_kind kind, struct disk_target *target,
                                  const vhd_parent_facts *parent,
                                  const vhdx_parent_facts *vhdx_parent)
{
    struct creation_job *job = vs_calloc(1, sizeof(*job));
    ULONGLONG mb = target->size_bytes / (1024 * 1024);
    const WCHAR *format = target->shape.format == DISK_FORMAT_VHDX ? L"VHDX" : L"virtual hard disk";

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
        job->job.description = vs_wcsformat(L"Create fixed %ls \"%ls\" (%I64u MB)", format,
                                           target->path, mb);
        break;
    case CREATION_DIFFERENCING:
        job->job.method = L"CreateDifferencingVirtualHardDisk";
        if (vhdx_parent) {
            job->vhdx_parent = *vhdx_parent;
            job->vhdx_parent.absolute_win32_path = copy_units(job->absolute, ARRAYSIZE(job->absolute),
                                                              vhdx_parent->absolute_win32_path,
                                                              &job->vhdx_parent.absolute_win32_length);
            job->vhdx_parent.relative_path = copy_units(job->relative, ARRAYSIZE(job->relative),
                                                        vhdx_parent->relative_path,
                                                        &job->vhdx_parent.relative_length);
            job->vhdx_parent.volume_path = copy_units(job->volume, ARRAYSIZE(job->volume),
                                                      vhdx_parent->volume_path,
                                                      &job->vhdx_parent.volume_length);
            job->job.description = vs_wcsformat(L"Create differencing VHDX \"%ls\" (parent \"%.*ls\")",
                                               target->path, (int)job->vhdx_parent.absolute_win32_length,
                                               (const WCHAR *)job->absolute);
            break;
        }
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
        job->job.description = vs_wcsformat(L"Create dynamic %ls \"%ls\" (%I64u MB)", format,
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
