/* What a task runs: a job says what to do (run, on the worker), how to describe itself and
 * a failure, and how to clean up. Creations (creation_job.c) and operations (operation_job.c) are jobs. */
#ifndef VSDISK_TASK_JOB_H
#define VSDISK_TASK_JOB_H

#include <windows.h>
#include <stdbool.h>
#include "vhd_create.h"
#include "vhd_reader.h"
#include "vhd_status.h"

struct task_job;

/* How a running job reports: percentages that never go back, and polls for a cancel. */
struct task_job_progress {
    void (*progress)(void *ctx, unsigned percent);
    bool (*cancelled)(void *ctx);
    void *ctx;
};

struct task_job_ops {
    /* Does the work on the worker thread. *os_error gets the Windows error behind a failure. */
    vhd_status (*run)(struct task_job *job, const struct task_job_progress *progress,
                      int *os_error);
    /* After run() failed: undoes what is left to undo and returns the failure in words
     * (vs_malloc'ed; NULL when out of memory). */
    WCHAR *(*fail)(struct task_job *job, vhd_status status, int os_error);
    /* When run() will never be called (no worker could start): undoes what was prepared. */
    void (*abandon)(struct task_job *job);
    /* Frees the job. */
    void (*free)(struct task_job *job);
};

struct task_job {
    const struct task_job_ops *ops;
    WCHAR *description;          /* the task's Description (vs_malloc'ed, freed by free()) */
    const WCHAR *method;         /* the API method that started it, for messages */
};

/* The options a job that writes a new disk starts from: now as its timestamp, a random unique
 * id, the task's progress and cancel, and the buffer the creations share (buffer_cache). */
void task_job_new_disk_options(const struct task_job_progress *progress, vhd_create_options *options);

/* The end of a job that changed a disk in place through the library (Resize, Repair): closes
 * disk (a failed close after a success is the job's failure, in error), says 100 on success,
 * and gives run()'s status and *os_error for the library's code. */
vhd_status task_job_end_in_place(vhd_io *disk, vhd_reader_code code, vhd_reader_error *error,
                                 const struct task_job_progress *progress, int *os_error);

#endif
