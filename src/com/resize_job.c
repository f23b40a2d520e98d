/* IVsDiskHardDisk3.Resize as a task job (hard_disk_life.h). On the caller's thread, in
 * Compact's order: the pointer, the size (E_INVALIDARG), the disk and its kind, the format's
 * size rules and the minimum size (each refusal its documented code, the rule in words), the
 * disk opened for writing (VM_E_FILE_READ_ONLY, E_SHARING_VIOLATION; it stays open with its
 * sharing mode until the job ends), then a dry run of disk_resize, which refuses what the
 * layout cannot take before anything is written. The job runs disk_resize (crash-safe: the
 * disk opens at its old size or its new one at every instant, and a resize run again finishes
 * an interrupted one). The library's resize cannot stop half-way, so a cancel is honoured only
 * before the job starts writing. */
#include <windows.h>
#include <ole2.h>
#include <string.h>

#include "allocation.h"
#include "vsdisk.h"
#include "com_object.h"
#include "disk_file.h"
#include "disk_minimum.h"
#include "disk_resize.h"
#include "hard_disk_life.h"
#include "host_random.h"
#include "job_disks.h"
#include "task.h"

#define MEMBER L"IVsDiskHardDisk3.Resize"
#define VHD_MIN_MB 3ull
#define VHD_MAX_MB 2088960ull               /* 2040 GiB, the VHD ceiling Windows uses */
#define VHDX_MAX_MB (64ull * 1024 * 1024)   /* 64 TiB */

struct resize_job {
    struct task_job job;
    struct vhd_io_win32 disk;       /* open for writing from the checks to the job's end */
    BOOL disk_open;
    WCHAR *disk_path;
    ULONGLONG new_size, old_size;
    vhd_reader_error error;
};

static inline struct resize_job *impl_from_task_job(struct task_job *job)
{
    return CONTAINING_RECORD(job, struct resize_job, job);
}

static void close_disk(struct resize_job *job)
{
    if (job->disk_open)
        job->disk.io.close(&job->disk.io);
    job->disk_open = FALSE;
}

static vhd_status resize_run(struct task_job *iface, const struct task_job_progress *progress,
                             int *os_error)
{
    struct resize_job *job = impl_from_task_job(iface);
    const disk_resize_options options = { host_random_guid, NULL, vs_malloc, vs_free,
                                          progress->progress, progress->ctx };
    disk_resize_report report;
    vhd_reader_code code;

    if (progress->cancelled(progress->ctx)) {
        close_disk(job);
        return VHD_E_CANCELLED;
    }
    code = disk_resize(&job->disk.io, job->new_size, false, &options, &report, &job->error);
    job->disk_open = FALSE;
    return task_job_end_in_place(&job->disk.io, code, &job->error, progress, os_error);
}

static WCHAR *resize_fail(struct task_job *iface, vhd_status status, int os_error)
{
    struct resize_job *job = impl_from_task_job(iface);

    if (status == VHD_E_CANCELLED)
        return vs_wcsformat(L"Resize of \"%ls\" was cancelled before it began; the disk is unchanged.",
                            job->disk_path);
    return vs_wcsformat(L"Resize of \"%ls\" to %I64u bytes failed: %hs (Windows error %d); the disk "
                        L"opens at its old size (%I64u bytes) or its new one, its content kept, and "
                        L"running Resize again completes it.",
                        job->disk_path, job->new_size, job->error.reason, os_error, job->old_size);
}

static void resize_abandon(struct task_job *iface)
{
    (void)iface;    /* nothing is written before the job runs; free() closes the disk */
}

static void resize_free(struct task_job *iface)
{
    struct resize_job *job = impl_from_task_job(iface);

    close_disk(job);
    vs_free(job->disk_path);
    vs_free(job->job.description);
    vs_free(job);
}

static const struct task_job_ops resize_job_ops = {
    resize_run,
    resize_fail,
    resize_abandon,
    resize_free,
};

/* ---- the checks, on the caller's thread ---- */

/* The format's own size rules, the kinds that cannot take the change, and the minimum size of
 * a shrink (a VHD's or a VHDX's alike). */
static HRESULT check_size(struct resize_job *job, struct disk_file *file, LONG size_mb)
{
    const disk_info *info = disk_file_info(file);
    vhd_reader_error reader;
    struct host_error error;
    disk_layout layout;
    uint64_t minimum;

    if (info->kind == DISK_KIND_DIFFERENCING && info->format == DISK_FORMAT_VHD)
        return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVsDiskHardDisk3,
                         L"%ls: \"%ls\" is a differencing VHD, which cannot be resized: its size is "
                         L"its parent's (Windows refuses it too); merge or convert it first. Nothing "
                         L"was written.", MEMBER, job->disk_path);
    /* A differencing VHDX grows (its new area reads as zeros through the chain), but does not
     * shrink: its minimum size would depend on its parent's partitions. The kind of disk, not
     * the size, is what is refused, so the code is the image type's. */
    if (info->kind == DISK_KIND_DIFFERENCING && job->new_size < info->size)
        return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVsDiskHardDisk3,
                         L"%ls: \"%ls\" is a differencing VHDX, which may grow but not shrink: "
                         L"shrinking one is not supported by this version of vsdisk (its minimum "
                         L"size depends on its parent's partitions); merge or convert it first. "
                         L"Nothing was written.", MEMBER, job->disk_path);
    if (info->format == DISK_FORMAT_VHD && (ULONGLONG)size_mb < VHD_MIN_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_SMALL, &IID_IVsDiskHardDisk3,
                         L"%ls: %ld MB is smaller than the 3 MB a VHD must hold. Nothing was written.",
                         MEMBER, size_mb);
    if (info->format == DISK_FORMAT_VHD && (ULONGLONG)size_mb > VHD_MAX_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVsDiskHardDisk3,
                         L"%ls: %ld MB is more than the 2,088,960 MB (2040 GB) a VHD can hold. "
                         L"Nothing was written.", MEMBER, size_mb);
    if (info->format == DISK_FORMAT_VHDX && (ULONGLONG)size_mb > VHDX_MAX_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVsDiskHardDisk3,
                         L"%ls: %ld MB is more than the 67,108,864 MB (64 TB) a VHDX can hold. "
                         L"Nothing was written.", MEMBER, size_mb);
    if (job->new_size >= info->size)
        return S_OK;
    if (disk_minimum_size(file->image, &minimum, &layout, &reader) != VHD_READER_OK) {
        HRESULT hr = disk_file_reader_failed(job->disk_path, &reader, &error);
        return error_set(hr, &IID_IVsDiskHardDisk3, L"%ls: %ls", MEMBER, error.text);
    }
    if (job->new_size < minimum)
        return error_set(VM_E_IMAGE_SIZE_TOO_SMALL, &IID_IVsDiskHardDisk3,
                         L"%ls: \"%ls\" cannot be shrunk below its minimum size, %I64u bytes "
                         L"(%I64u MB, rounded up), the end of %ls; %ld MB is below it. Nothing was "
                         L"written.", MEMBER, job->disk_path, minimum, (minimum + 1048575) / 1048576,
                         layout == DISK_LAYOUT_GPT ? L"its last GPT partition"
                         : layout == DISK_LAYOUT_MBR ? L"its last MBR partition"
                                                     : L"its last allocated data", size_mb);
    return S_OK;
}

static HRESULT prepare(struct resize_job *job, LONG size_mb)
{
    const disk_resize_options options = { host_random_guid, NULL, vs_malloc, vs_free, NULL, NULL };
    disk_resize_report report;
    struct host_error error;
    struct disk_file *file;
    vhd_reader_error reader;
    HRESULT hr;

    if (FAILED(hr = disk_file_open(job->disk_path, VHD_IO_OPEN_READ, &file, &error)))
        return error_set(hr, &IID_IVsDiskHardDisk3, L"%ls: %ls", MEMBER, error.text);
    job->old_size = disk_file_info(file)->size;
    hr = check_size(job, file, size_mb);
    disk_file_close(file);
    if (FAILED(hr))
        return hr;
    job->disk_open = TRUE;
    if (FAILED(hr = job_disk_open_for_writing(&job->disk, job->disk_path, L"disk", &error))) {
        job->disk_open = FALSE;
        return error_set(hr, &IID_IVsDiskHardDisk3, L"%ls: %ls", MEMBER, error.text);
    }
    /* What the layout cannot take (a VHDX's table region too small, a locator in a growing
     * table's way...) is refused now, by a dry run, which reads only. */
    if (disk_resize(&job->disk.io, job->new_size, true, &options, &report, &reader) == VHD_READER_OK)
        return S_OK;
    if (reader.code == VHD_READER_NOT_POSSIBLE)
        return error_set(job->new_size > job->old_size ? VM_E_IMAGE_SIZE_TOO_LARGE
                                                       : VM_E_IMAGE_SIZE_TOO_SMALL,
                         &IID_IVsDiskHardDisk3, L"%ls: \"%ls\" cannot be resized to %ld MB: %hs. "
                         L"Nothing was written.", MEMBER, job->disk_path, size_mb, reader.reason);
    hr = disk_file_reader_failed(job->disk_path, &reader, &error);
    return error_set(hr, &IID_IVsDiskHardDisk3, L"%ls: %ls", MEMBER, error.text);
}

HRESULT resize_request_start(struct task_list *tasks, const WCHAR *disk_path, LONG size_mb,
                             IVMTask **task)
{
    struct resize_job *job;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVsDiskHardDisk3, L"%ls: the task pointer is NULL.", MEMBER);
    *task = NULL;
    if (size_mb <= 0)
        return error_set(E_INVALIDARG, &IID_IVsDiskHardDisk3,
                         L"%ls: newSizeMB is %ld; a size is a positive number of megabytes.",
                         MEMBER, size_mb);
    if (!(job = vs_calloc(1, sizeof(*job))))
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"%ls: out of memory.", MEMBER);
    job->job.ops = &resize_job_ops;
    job->job.method = L"Resize";
    job->new_size = (ULONGLONG)size_mb * 1024 * 1024;
    if (!(job->disk_path = vs_wcsdup(disk_path))) {
        resize_free(&job->job);
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"%ls: out of memory.", MEMBER);
    }
    if (FAILED(hr = prepare(job, size_mb))) {
        resize_free(&job->job);
        return hr;
    }
    if (!(job->job.description = vs_wcsformat(L"Resize virtual hard disk \"%ls\" from %I64u to %I64u bytes",
                                              job->disk_path, job->old_size, job->new_size))) {
        resize_free(&job->job);
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk3, L"%ls: out of memory.", MEMBER);
    }
    if (FAILED(hr = task_start(tasks, &job->job, task)))
        return hr;
    return error_none();
}
