/* What the subcommands that run disk jobs (convert, merge, compact) share: cancel on
 * interrupt, progress on stderr, the new disk's identity, the staged target and messages. */
#ifndef CLI_JOB_H
#define CLI_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include "cli_progress.h"
#include "vhd_io_posix.h"
#include "vhd_ops.h"

/* The job's buffer: small, so peak memory is the same for every disk size. */
#define CLI_JOB_BUFFER (1024u * 1024u)

typedef struct cli_job {
    const char *prog;
    bool show_progress;
    cli_progress progress;
    vhd_create_options options;
    char temp_path[4096];
} cli_job;

/* Fills options (time stamp, a random unique id, cancel on SIGINT/SIGTERM/SIGHUP, progress
 * on stderr when asked); false, with a message, if no random numbers can be had. */
bool cli_job_init(cli_job *job, const char *prog, bool show_progress);

/* Starts the progress display's clock; total is the size of the guest's disk the job goes
 * through (for bytes done, rate and time left), 0 if unknown. */
void cli_job_start(cli_job *job, uint64_t total);

/* Ends the progress display; returns exit. */
int cli_job_done(cli_job *job, int exit);

/* A staged back end for a new disk at path: written as PATH.vsdisk-partial-XXXXXXXX and
 * renamed to PATH once complete. False (with a message) if the name is too long. */
bool cli_job_target(cli_job *job, struct vhd_io_posix *target, const char *path);

/* One line "PROG: PATH: what went wrong" on stderr, a plain sentence: for a path the job
 * could not open or create (new_disk: PATH is the disk the job creates) the real cause
 * (cli_path_error.h), else the job's reason. Returns CLI_EXIT_FAILED. */
int cli_job_fail(cli_job *job, const char *path, bool new_disk, const vhd_op_result *result);

/* The options every job subcommand takes: "-h" or "--help" alone prints help_text (a printf
 * format whose every %s is name) on stdout; else an optional "-p"/"--progress", then an
 * optional "--"; any other option is refused with a message. Returns -1 to go on, with
 * *first the index of the first operand, or the exit status to return now. */
int cli_job_parse_options(const char *name, int argc, char **argv, const char *help_text,
                          int *first, bool *progress);

/* "dynamic" or "fixed", in any case. */
bool cli_job_parse_type(const char *text, vhd_target_type *type);

#endif
