/* What the subcommands that run disk jobs (convert, merge, compact) share: cancel on
 * interrupt, progress on stderr, the new disk's identity, the staged target and messages. */
#ifndef CLI_JOB_H
#define CLI_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include "vhd_io_posix.h"
#include "vhd_ops.h"

/* The job's buffer: small, so peak memory is the same for every disk size. */
#define CLI_JOB_BUFFER (1024u * 1024u)

typedef struct cli_job {
    const char *prog;
    bool show_progress;
    vhd_create_options options;
    char temp_path[4096];
} cli_job;

/* Fills options (time stamp, a random unique id, cancel on SIGINT/SIGTERM/SIGHUP, progress
 * on stderr when asked); false, with a message, if no random numbers can be had. */
bool cli_job_init(cli_job *job, const char *prog, bool show_progress);

/* A staged back end for a new disk at path: written as PATH.vsdisk-partial-XXXXXXXX and
 * renamed to PATH once complete. False (with a message) if the name is too long. */
bool cli_job_target(cli_job *job, struct vhd_io_posix *target, const char *path);

/* One line "PROG: PATH: reason (os error)" on stderr; returns CLI_EXIT_FAILED. */
int cli_job_fail(const cli_job *job, const char *path, const vhd_op_result *result);

/* "dynamic" or "fixed". */
bool cli_job_parse_type(const char *text, vhd_target_type *type);

#endif
