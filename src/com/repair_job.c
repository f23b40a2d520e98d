/* IVsDiskHardDisk3.Repair as a task job (hard_disk_life.h). On the caller's thread: the
 * pointer, the disk opened for writing (VM_E_FILE_READ_ONLY, E_SHARING_VIOLATION, the
 * opening failures; it stays open with its sharing mode until the job ends), then a dry run
 * of disk_repair, which refuses a disk past what this version repairs (E_NOTIMPL) before
 * anything is written. The job runs disk_repair without accepting any loss: what can be
 * repaired only by losing data is left as it is, and a later Check still lists it (IVMTask has
 * no place for the list of changes; vsdisk repair prints it). disk_repair cannot stop
 * half-way: a cancel is honoured only before it starts. A differencing VHD whose parent
 * locators no longer open its parent (found through another locator or the header's name) has
 * them rewritten with the paths SetParent records. */
#include <windows.h>
#include <ole2.h>
#include <string.h>

#include "allocation.h"
#include "vsdisk.h"
#include "com_object.h"
#include "disk_file.h"
#include "disk_repair.h"
#include "hard_disk_life.h"
#include "host_random.h"
#include "job_disks.h"
#include "task.h"

#define MEMBER L"IVsDiskHardDisk3.Repair"

struct repair_job {
    struct task_job job;
    struct vhd_io_win32 disk;       /* open for writing from the checks to the job's end */
    BOOL disk_open;
    WCHAR *disk_path;
    char *disk_name;                /* disk_path in UTF-8, for refreshing parent paths */
    disk_repair_report report;
    vhd_reader_error error;
    struct disk_file_parent_paths parent_paths;     /* what parent_paths() hands the repair */
};

static inline struct repair_job *impl_from_task_job(struct task_job *job)
{
    return CONTAINING_RECORD(job, struct repair_job, job);
}

static void close_disk(struct repair_job *job)
{
    if (job->disk_open)
        job->disk.io.close(&job->disk.io);
    job->disk_open = FALSE;
}

/* A differencing disk's stale parent paths are rewritten to the parent the opener found, with
 * the paths a re-link (SetParent) records on Windows. */
static bool parent_paths(void *ctx, const char *name, const char *parent_name,
                         disk_relink_paths *paths)
{
    struct repair_job *job = ctx;
    WCHAR *child = disk_file_utf16(name), *parent = disk_file_utf16(parent_name);
    BOOL ok = child && parent && disk_file_parent_paths(child, parent, &job->parent_paths, paths);

    vs_free(child);
    vs_free(parent);
    return ok != FALSE;
}

static void repair_options(struct repair_job *job, BOOL dry_run, disk_repair_options *options)
{
    memset(options, 0, sizeof(*options));
    options->dry_run = dry_run != FALSE;
    options->accept_loss = false;     /* never through COM */
    options->name = job->disk_name;
    options->opener = &win32_parent_opener;
    options->random = host_random_guid;
    options->allocate = vs_malloc;
    options->release = vs_free;
    options->parent_paths = parent_paths;
    options->paths_ctx = job;
}

static vhd_status repair_run(struct task_job *iface, const struct task_job_progress *progress,
                             int *os_error)
{
    struct repair_job *job = impl_from_task_job(iface);
    disk_repair_options options;
    vhd_reader_code code;

    if (progress->cancelled(progress->ctx)) {
        close_disk(job);
        return VHD_E_CANCELLED;
    }
    repair_options(job, FALSE, &options);
    code = disk_repair(&job->disk.io, &options, &job->report, &job->error);
    job->disk_open = FALSE;
    return task_job_end_in_place(&job->disk.io, code, &job->error, progress, os_error);
}

static WCHAR *repair_fail(struct task_job *iface, vhd_status status, int os_error)
{
    struct repair_job *job = impl_from_task_job(iface);

    if (status == VHD_E_CANCELLED)
        return vs_wcsformat(L"Repair of \"%ls\" was cancelled before it began; the disk is unchanged.",
                            job->disk_path);
    return vs_wcsformat(L"Repair of \"%ls\" failed: %hs (Windows error %d); %u change%ls made before "
                        L"it; the disk opens as before or partly repaired, and running Repair again "
                        L"completes it.", job->disk_path, job->error.reason, os_error,
                        job->report.changes, job->report.changes == 1 ? L" was" : L"s were");
}

static void repair_abandon(struct task_job *iface)
{
    (void)iface;    /* nothing is written before the job runs; free() closes the disk */
}

static void repair_free(struct task_job *iface)
{
    struct repair_job *job = impl_from_task_job(iface);

    close_disk(job);
    vs_free(job->disk_path);
    vs_free(job->disk_name);
    vs_free(job->job.description);
    vs_free(job);
}

static const struct task_job_ops repair_job_ops = {
    repair_run,
    repair_fail,
    repair_abandon,
    repair_free,
};

static HRESULT prepare(struct repair_job *job)
{
    disk_repair_options options;
    struct host_error error;
    HRESULT hr;

    job->disk_open = TRUE;
    if (FAILED(hr = job_disk_open_for_writing(&job->disk, job->disk_path, L"disk", &error))) {
        job->disk_open = FALSE;
        return error_set(hr, &IID_IVsDiskHardDisk3, L"%ls: %ls", MEMBER, error.text);
    }
    repair_options(job, TRUE, &options);
    if (disk_repair(&job->disk.io, &options, &job->report, &job->error) == VHD_READER_OK)
        return S_OK;
    if (job->error.code == VHD_READER_NOT_POSSIBLE)
        return error_set(E_NOTIMPL, &IID_IVsDiskHardDisk3, L"%ls: \"%ls\": %hs.", MEMBER,
                         job->disk_path, job->error.reason);
    hr = disk_file_reader_failed(job->disk_path, &job->error, &error);
    return error_set(hr, &IID_IVsDiskHardDisk3, L"%ls: %ls", MEMBER, error.text);
}

HRESULT repair_request_start(struct task_list *tasks, const WCHAR *disk_path, IVMTask **task)
{
    struct repair_job *job;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVsDiskHardDisk3, L"%ls: the task pointer is NULL.", MEMBER);
    *task = NULL;
    if (!(job = vs_calloc(1, sizeof(*job))))
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"%ls: out of memory.", MEMBER);
    job->job.ops = &repair_job_ops;
    job->job.method = L"Repair";
    if (!(job->disk_path = vs_wcsdup(disk_path)) || !(job->disk_name = disk_file_utf8(disk_path))) {
        repair_free(&job->job);
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"%ls: out of memory.", MEMBER);
    }
    if (FAILED(hr = prepare(job))) {
        repair_free(&job->job);
        return hr;
    }
    if (!(job->job.description = vs_wcsformat(L"Repair virtual hard disk \"%ls\"", job->disk_path))) {
        repair_free(&job->job);
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"%ls: out of memory.", MEMBER);
    }
    if (FAILED(hr = task_start(tasks, &job->job, task)))
        return hr;
    return error_none();
}
