/* Convert, MergeTo, Merge and Compact as task jobs. What can be known before the job runs is
 * checked on the caller's thread, in the order of the methods' pages: the pointers, the
 * target's path and type, the disk (and its chain), its kind, then the target's place; the
 * disks stay open (with their sharing modes, job_disks.h) until the job ends, so the checks
 * hold while it runs. */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "vsdisk.h"
#include "allocation.h"
#include "com_object.h"
#include "disk_file.h"
#include "disk_target.h"
#include "job_disks.h"
#include "operation_job.h"
#include "path_check.h"
#include "task.h"
#include "vhd_ops.h"
#include "disk_chain.h"
#include "disk_convert.h"
#include "disk_merge.h"
#include "host_random.h"
#include "raw_disk.h"
#include "vhdx_compact.h"

struct operation_job {
    struct task_job job;
    enum operation_kind kind;
    vhd_target_type type;
    disk_format target_format;        /* a new disk's: by its extension, or raw */
    BOOL pad;                         /* from raw: a partial last sector read as zeros */
    disk_format compacted_format;     /* Compact: the disk's */
    struct job_chain *chain;          /* Convert, MergeTo, Merge: the disk and its parents */
    struct vhd_io_win32 changed;      /* the new disk (staged), Merge's parent, the compacted disk */
    BOOL changed_set;
    WCHAR *disk_path;                 /* the disk whose method was called */
    WCHAR *target_path;               /* the new disk, or Merge's parent */
    WCHAR *staged_path;               /* the new disk's temporary name */
    vhd_op_result result;
};

static inline struct operation_job *impl_from_task_job(struct task_job *job)
{
    return CONTAINING_RECORD(job, struct operation_job, job);
}

static const WCHAR *method_name(enum operation_kind kind)
{
    switch (kind) {
    case OPERATION_CONVERT:  return L"Convert";
    case OPERATION_MERGE_TO: return L"MergeTo";
    case OPERATION_MERGE:    return L"Merge";
    case OPERATION_TO_RAW:   return L"ConvertToRaw";
    case OPERATION_FROM_RAW: return L"CreateVirtualHardDiskFromRaw";
    default:                 return L"Compact";
    }
}

/* The member as error descriptions name it: "IVMHardDisk.Convert". */
static const WCHAR *member_name(enum operation_kind kind)
{
    switch (kind) {
    case OPERATION_CONVERT:  return L"IVMHardDisk.Convert";
    case OPERATION_MERGE_TO: return L"IVMHardDisk.MergeTo";
    case OPERATION_MERGE:    return L"IVMHardDisk.Merge";
    case OPERATION_TO_RAW:   return L"IVsDiskHardDisk2.ConvertToRaw";
    case OPERATION_FROM_RAW: return L"IVsDiskVirtualServer.CreateVirtualHardDiskFromRaw";
    default:                 return L"IVMHardDisk.Compact";
    }
}

/* Jobs that write a new disk (staged under a temporary name, published once complete). */
static BOOL makes_new_disk(enum operation_kind kind)
{
    return kind == OPERATION_CONVERT || kind == OPERATION_MERGE_TO || kind == OPERATION_TO_RAW
        || kind == OPERATION_FROM_RAW;
}

/* The status the task reports for an operation's result (task.c turns it into Result and
 * Error; the reason goes into ErrorDescription). */
static vhd_status status_of(const vhd_op_result *result)
{
    switch (result->code) {
    case VHD_OP_OK:             return VHD_OK;
    case VHD_OP_CANCELLED:      return VHD_E_CANCELLED;
    case VHD_OP_NO_SPACE:       return VHD_E_NO_SPACE;
    case VHD_OP_NO_MEMORY:      return VHD_E_NO_MEMORY;
    case VHD_OP_TARGET_EXISTS:  return VHD_E_EXISTS;
    case VHD_OP_IN_USE:         return VHD_E_IN_USE;
    case VHD_OP_TARGET_PATH:
    case VHD_OP_IO:             return result->io_status != VHD_OK ? result->io_status : VHD_E_IO;
    default:                    return VHD_E_IO;
    }
}

/* Compact of a VHDX, through its log (vhdx_compact.h), its outcome as an operation's. */
static void compact_vhdx(struct operation_job *job, const vhd_create_options *common)
{
    vhdx_compact_options options;
    vhdx_reader_error error;
    vhd_op_result *result = &job->result;

    memset(&options, 0, sizeof(options));
    options.writable.random = host_random_guid;
    options.writable.allocate = vs_malloc;
    options.writable.release = vs_free;
    options.progress = common->progress;
    options.cancelled = common->cancelled;
    options.ctx = common->ctx;
    memset(result, 0, sizeof(*result));
    if (vhdx_compact(&job->changed.io, &options, NULL, &error) == VHDX_READER_OK) {
        result->code = VHD_OP_OK;
        return;
    }
    result->os_error = error.os_error;
    snprintf(result->reason, sizeof(result->reason), "%s", error.reason);
    if (error.code == VHDX_READER_IO && error.io_status == VHD_E_CANCELLED)
        result->code = VHD_OP_CANCELLED;
    else if (error.code == VHDX_READER_IO && error.io_status == VHD_E_NO_SPACE)
        result->code = VHD_OP_NO_SPACE, result->io_status = error.io_status;
    else if (error.code == VHDX_READER_IO)
        result->code = VHD_OP_IO, result->io_status = error.io_status;
    else if (error.code == VHDX_READER_NO_MEMORY)
        result->code = VHD_OP_NO_MEMORY;
    else if (vhdx_reader_code_is_invalid_file(error.code))
        result->code = VHD_OP_INVALID_DISK;
    else
        result->code = VHD_OP_UNSUPPORTED;
}

static vhd_status operation_run(struct task_job *iface, const struct task_job_progress *progress,
                                int *os_error)
{
    struct operation_job *job = impl_from_task_job(iface);
    disk_convert_target spec = { job->target_format, job->type, 0 };
    vhd_create_options options;

    task_job_new_disk_options(progress, &options);

    switch (job->kind) {
    case OPERATION_CONVERT:
        disk_convert(job->chain->chain, &job->changed.io, &spec, &options, &job->result);
        break;
    case OPERATION_MERGE_TO:
        disk_merge_to(job->chain->chain, &job->changed.io, &spec, &options, &job->result);
        break;
    case OPERATION_TO_RAW:
    case OPERATION_FROM_RAW:
        disk_convert(job->chain->chain, &job->changed.io, &spec, &options, &job->result);
        break;
    case OPERATION_MERGE: {
        const disk_merge_options merge = { &options, host_random_guid, NULL };
        disk_merge(job->chain->chain, &job->changed.io, &merge, NULL, &job->result);
        break;
    }
    default:
        if (job->compacted_format == DISK_FORMAT_VHDX)
            compact_vhdx(job, &options);
        else
            vhd_compact(&job->changed.io, &options, &job->result);
        break;
    }
    /* The disks are let go as soon as the job is done, not when the task is released. */
    job_chain_close(job->chain);
    job->chain = NULL;
    if (job->changed_set && job->changed.file != INVALID_HANDLE_VALUE)
        job->changed.io.close(&job->changed.io);
    *os_error = job->result.os_error;
    return status_of(&job->result);
}

static WCHAR *operation_fail(struct task_job *iface, vhd_status status, int os_error)
{
    struct operation_job *job = impl_from_task_job(iface);
    const vhd_op_result *result = &job->result;
    BOOL new_disk = makes_new_disk(job->kind);
    const WCHAR *left = new_disk ? L"the unfinished new disk was removed and the source is unchanged"
                      : job->kind == OPERATION_MERGE
                      ? L"the child's content is unchanged and the chain reads as before; running Merge again completes it"
                      : L"the disk is valid with its content unchanged; running Compact again completes it";

    if (status == VHD_E_CANCELLED)
        return vs_wcsformat(L"%ls of \"%ls\" was cancelled; %ls.", method_name(job->kind),
                           job->disk_path, left);
    return vs_wcsformat(L"%ls of \"%ls\" failed: %hs: %hs (Windows error %d); %ls.",
                       method_name(job->kind), job->disk_path, vhd_op_code_name(result->code),
                       result->reason, os_error, left);
}

static void operation_abandon(struct task_job *iface)
{
    (void)iface;    /* nothing is written before the job runs; free() closes the disks */
}

static void operation_free(struct task_job *iface)
{
    struct operation_job *job = impl_from_task_job(iface);

    job_chain_close(job->chain);
    if (job->changed_set && job->changed.file != INVALID_HANDLE_VALUE)
        job->changed.io.close(&job->changed.io);
    vs_free(job->disk_path);
    vs_free(job->target_path);
    vs_free(job->staged_path);
    vs_free(job->job.description);
    vs_free(job);
}

static const struct task_job_ops operation_job_ops = {
    operation_run,
    operation_fail,
    operation_abandon,
    operation_free,
};

/* ---- the checks, on the caller's thread ---- */

static HRESULT fail_with(const WCHAR *method, HRESULT hr, const WCHAR *text)
{
    return error_set(hr, &IID_IVMHardDisk, L"%ls: %ls", method, text);
}

static HRESULT check_target(const WCHAR *method, BSTR path, VMHardDiskType type, BOOL merge_to)
{
    size_t length = SysStringLen(path);
    const char *reason;
    HRESULT hr;

    if (length == 0 && merge_to)
        return error_set(E_INVALIDARG, &IID_IVMHardDisk,
                         L"%ls: the new disk's path is empty.", method);
    hr = hresult_from_path_verdict(path_check((const uint16_t *)path, length, &reason));
    if (FAILED(hr))
        return error_set(hr, &IID_IVMHardDisk, L"%ls: the new disk's path is not accepted: %hs: \"%.*ls\".",
                         method, reason, (int)(length > 300 ? 300 : length), path);
    if (type != vmDiskType_Dynamic && type != vmDiskType_FixedSize)
        /* As Convert's page documents; MergeTo lists the same code (its E_INVALIDARG is the empty path). */
        return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVMHardDisk,
                         L"%ls: the new disk's type %d is neither vmDiskType_Dynamic (0) nor vmDiskType_FixedSize (1).",
                         method, (int)type);
    return S_OK;
}

static const WCHAR *type_name(disk_kind kind)
{
    switch (kind) {
    case DISK_KIND_FIXED:        return L"a fixed-size disk";
    case DISK_KIND_DYNAMIC:      return L"a dynamic disk";
    default:                     return L"a differencing disk";
    }
}

/* The in-place jobs (Merge into a parent, Compact) change VHDs only in this version. */

/* What the volume must hold for the new disk from the start: a fixed disk's whole file. */
static ULONGLONG new_disk_bytes(const struct operation_job *job, const disk_info *info)
{
    struct disk_target_shape shape;

    if (job->type != VHD_TARGET_FIXED)
        return 0;
    memset(&shape, 0, sizeof(shape));
    shape.format = job->target_format;
    shape.kind = DISK_TARGET_FIXED;
    shape.size_bytes = info->size;
    shape.logical_sector_size = info->format == DISK_FORMAT_VHDX && shape.format == DISK_FORMAT_VHDX
                                    ? info->logical_sector_size : 0;
    return disk_target_fixed_file_size(&shape);
}

static HRESULT prepare(struct operation_job *job, const WCHAR *method)
{
    struct host_error error;
    const disk_info *info;
    HRESULT hr;

    if (job->kind == OPERATION_COMPACT) {
        struct disk_file *file;
        disk_format format;
        disk_kind kind;
        if (FAILED(hr = disk_file_open(job->disk_path, VHD_IO_OPEN_READ, &file, &error)))
            return fail_with(method, hr, error.text);
        format = disk_file_info(file)->format;
        kind = disk_file_info(file)->kind;
        disk_file_close(file);
        /* A VHD: dynamic only, as Virtual Server documents; a VHDX: dynamic or differencing
         * (a child's zero blocks become ZERO and keep hiding its parent). */
        if (kind == DISK_KIND_FIXED || (format == DISK_FORMAT_VHD && kind != DISK_KIND_DYNAMIC))
            return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVMHardDisk,
                             format == DISK_FORMAT_VHDX
                                 ? L"%ls: \"%ls\" is %ls; only a dynamic or differencing VHDX can be compacted."
                                 : L"%ls: \"%ls\" is %ls; only a dynamic disk can be compacted.",
                             method, job->disk_path, type_name(kind));
        job->compacted_format = format;
        job->changed_set = TRUE;
        if (FAILED(hr = job_disk_open_for_writing(&job->changed, job->disk_path, L"disk", &error)))
            return fail_with(method, hr, error.text);
        return S_OK;
    }

    if (job->kind == OPERATION_FROM_RAW)
        hr = job_chain_open_as(job->disk_path, job->pad ? &raw_padded_disk_class : &raw_disk_class,
                               FALSE, &job->chain, &error);
    else
        hr = job_chain_open(job->disk_path, job->kind == OPERATION_MERGE, &job->chain, &error);
    if (FAILED(hr))
        return fail_with(method, hr, error.text);
    info = disk_image_info(disk_chain_image(job->chain->chain, 0));
    if (job->kind == OPERATION_MERGE_TO || job->kind == OPERATION_MERGE)
        if (info->kind != DISK_KIND_DIFFERENCING)
        return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVMHardDisk,
                         L"%ls: \"%ls\" is %ls; only a differencing disk can be merged.",
                         method, job->disk_path, type_name(info->kind));

    if (job->kind == OPERATION_MERGE) {
        WCHAR *parent;
        if (!(parent = disk_file_utf16(disk_chain_name(job->chain->chain, 1))))
            return error_set(E_OUTOFMEMORY, &IID_IVMHardDisk, L"%ls: out of memory.", method);
        job->target_path = parent;
        job->changed_set = TRUE;
        if (FAILED(hr = job_disk_open_for_writing(&job->changed, job->target_path, L"parent disk", &error)))
            return fail_with(method, hr, error.text);
        return S_OK;
    }
    /* The new disk's format holds the source's size, checked before anything is written. */
    if (job->target_format == DISK_FORMAT_VHD && info->size > 2088960ull * 1024 * 1024)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVMHardDisk,
                         L"%ls: \"%ls\" holds %I64u bytes, more than the 2,088,960 MB (2040 GB) a VHD can hold; a path ending in .vhdx makes a VHDX, which holds up to 64 TB. Nothing was written.",
                         method, job->disk_path, info->size);
    if (job->target_format == DISK_FORMAT_VHDX && info->size > VHDX_MAX_DISK_SIZE)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVMHardDisk,
                         L"%ls: \"%ls\" holds %I64u bytes, more than the 67,108,864 MB (64 TB) a VHDX can hold. Nothing was written.",
                         method, job->disk_path, info->size);

    hr = job_target_check(job->target_path, new_disk_bytes(job, info), &job->staged_path, &error);
    if (FAILED(hr))
        return fail_with(method, hr, error.text);
    job->changed_set = TRUE;
    vhd_io_win32_init_staged(&job->changed, job->staged_path, job->target_path);
    return S_OK;
}

static WCHAR *describe(const struct operation_job *job)
{
    const WCHAR *type = job->type == VHD_TARGET_FIXED ? L"fixed" : L"dynamic";
    const WCHAR *format = job->target_format == DISK_FORMAT_VHDX ? L"VHDX" : L"virtual hard disk";

    switch (job->kind) {
    case OPERATION_CONVERT:
        return vs_wcsformat(L"Convert virtual hard disk \"%ls\" to %ls %ls \"%ls\"",
                           job->disk_path, type, format, job->target_path);
    case OPERATION_MERGE_TO:
        return vs_wcsformat(L"Merge differencing virtual hard disk \"%ls\" and its parents into %ls %ls \"%ls\"",
                           job->disk_path, type, format, job->target_path);
    case OPERATION_MERGE:
        return vs_wcsformat(L"Merge differencing virtual hard disk \"%ls\" into its parent \"%ls\"",
                           job->disk_path, job->target_path);
    case OPERATION_TO_RAW:
        return vs_wcsformat(L"Convert virtual hard disk \"%ls\" to raw image \"%ls\"",
                           job->disk_path, job->target_path);
    case OPERATION_FROM_RAW:
        return vs_wcsformat(L"Create %ls %ls \"%ls\" from raw image \"%ls\"", type, format,
                           job->target_path, job->disk_path);
    default:
        return vs_wcsformat(L"Compact dynamic virtual hard disk \"%ls\"", job->disk_path);
    }
}

/* Every job: the pointers, the new disk's path and type, then prepare() and the task. */
static HRESULT request_start(struct task_list *tasks, enum operation_kind kind,
                             const WCHAR *disk_path, BSTR target_path, VMHardDiskType type,
                             BOOL pad, IVMTask **task)
{
    const WCHAR *method = member_name(kind);
    BOOL new_disk = makes_new_disk(kind);
    struct operation_job *job;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"%ls: the task pointer is NULL.",
                         method);
    *task = NULL;
    if (new_disk) {
        if (!target_path)
            return error_set(E_POINTER, &IID_IVMHardDisk,
                             L"%ls: the new disk's path is NULL.", method);
        if (FAILED(hr = check_target(method, target_path, type, kind != OPERATION_CONVERT)))
            return hr;
    }
    if (!(job = vs_calloc(1, sizeof(*job))))
        return error_set(E_OUTOFMEMORY, &IID_IVMHardDisk, L"%ls: out of memory.", method);
    job->job.ops = &operation_job_ops;
    job->job.method = method_name(kind);
    job->kind = kind;
    job->pad = pad;
    job->type = type == vmDiskType_FixedSize ? VHD_TARGET_FIXED : VHD_TARGET_DYNAMIC;
    /* The new disk's format follows its extension, as New-VHD decides. */
    job->target_format = kind == OPERATION_TO_RAW ? DISK_FORMAT_RAW
                       : new_disk ? disk_target_format_of_path(target_path) : DISK_FORMAT_VHD;
    if (!(job->disk_path = vs_wcsdup(disk_path))
        || (new_disk && !(job->target_path = vs_wcsdup(target_path)))) {
        operation_free(&job->job);
        return error_set(E_OUTOFMEMORY, &IID_IVMHardDisk, L"%ls: out of memory.", method);
    }
    if (FAILED(hr = prepare(job, method))) {
        operation_free(&job->job);
        return hr;
    }
    if (!(job->job.description = describe(job))) {
        operation_free(&job->job);
        return error_set(E_OUTOFMEMORY, &IID_IVMHardDisk, L"%ls: out of memory.", method);
    }
    hr = task_start(tasks, &job->job, task);
    if (FAILED(hr))
        return hr;
    return error_none();
}

HRESULT operation_request_start(struct task_list *tasks, enum operation_kind kind,
                                const WCHAR *disk_path, BSTR target_path, VMHardDiskType type,
                                IVMTask **task)
{
    return request_start(tasks, kind, disk_path, target_path,
                         kind == OPERATION_TO_RAW ? vmDiskType_Dynamic : type, FALSE, task);
}

HRESULT operation_request_from_raw(struct task_list *tasks, BSTR raw_path, BSTR image_path,
                                   VMHardDiskType type, BOOL pad, IVMTask **task)
{
    const WCHAR *method = member_name(OPERATION_FROM_RAW);
    const char *reason;
    HRESULT hr;

    if (!raw_path) {
        if (task)
            *task = NULL;
        return error_set(E_POINTER, &IID_IVMHardDisk, L"%ls: rawImagePath is NULL.", method);
    }
    hr = hresult_from_path_verdict(path_check((const uint16_t *)raw_path, SysStringLen(raw_path),
                                              &reason));
    if (FAILED(hr)) {
        if (task)
            *task = NULL;
        return error_set(hr, &IID_IVMHardDisk, L"%ls: rawImagePath is not accepted: %hs: \"%ls\".",
                         method, reason, raw_path);
    }
    return request_start(tasks, OPERATION_FROM_RAW, raw_path, image_path, type, pad, task);
}
