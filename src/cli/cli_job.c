#define _POSIX_C_SOURCE 200809L

#include "cli_job.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "disk_image.h"
#include "cli_interrupt.h"
#include "cli_path_error.h"
#include "vhd_create.h"

bool cli_job_init(cli_job *job, const char *prog, bool progress)
{
    uint8_t random[16];

    memset(job, 0, sizeof *job);
    job->prog = prog;
    job->show_progress = progress;
    if (!cli_random_bytes(random, sizeof random)) {
        fprintf(stderr, "%s: no random numbers for the new disk's unique id (%s)\n", prog,
                strerror(errno));
        return false;
    }
    vhd_unique_id_from_random(job->options.unique_id, random);
    job->options.timestamp = vhd_timestamp_from_unix((int64_t)time(NULL));
    job->options.cancelled = cli_interrupted;
    job->options.progress = progress ? cli_progress_report : NULL;
    job->options.ctx = &job->progress;
    job->options.buffer_max = CLI_JOB_BUFFER;
    cli_progress_start(&job->progress, prog, 0);

    cli_catch_interrupts();
    return true;
}

void cli_job_start(cli_job *job, uint64_t total)
{
    cli_progress_start(&job->progress, job->prog, total);
}

int cli_job_done(cli_job *job, int exit)
{
    cli_progress_end(&job->progress);
    return exit;
}

bool cli_job_target(cli_job *job, struct vhd_io_posix *target, const char *path)
{
    uint8_t random[4];
    if (!cli_random_bytes(random, sizeof random))
        memset(random, 0, sizeof random);
    int n = snprintf(job->temp_path, sizeof job->temp_path, "%s.vsdisk-partial-%02x%02x%02x%02x",
                     path, random[0], random[1], random[2], random[3]);
    if (n < 0 || (size_t)n >= sizeof job->temp_path) {
        fprintf(stderr, "%s: %s: the name is too long\n", job->prog, path);
        return false;
    }
    vhd_io_posix_init_staged(target, job->temp_path, path);
    return true;
}

/* The reader's reasons for a job's disk start with which disk ("disk: "); the line names the
 * path already. */
static const char *without_disk_prefix(const char *reason)
{
    return strncmp(reason, "disk: ", 6) == 0 ? reason + 6 : reason;
}

int cli_job_fail(cli_job *job, const char *path, bool new_disk, const vhd_op_result *result)
{
    char sentence[512];
    cli_progress_end(&job->progress);
    /* A path the job could not open or create: its own problem says it all. */
    bool path_problem = (result->code == VHD_OP_IO || result->code == VHD_OP_TARGET_PATH
                         || result->code == VHD_OP_READ_ONLY) && result->os_error != 0
                        && cli_path_error(path, result->os_error, new_disk, sentence,
                                          sizeof sentence);
    if (path_problem) {
        /* sentence is filled */
    } else if (result->code == VHD_OP_TARGET_EXISTS)
        cli_path_error(path, EEXIST, true, sentence, sizeof sentence);
    else if (result->code == VHD_OP_IO && result->os_error != 0)
        snprintf(sentence, sizeof sentence, "%s (%s)", result->reason, strerror(result->os_error));
    else if (result->code == VHD_OP_IN_USE)
        snprintf(sentence, sizeof sentence, "in use: %s", result->reason);
    else if (result->code == VHD_OP_INVALID_DISK)
        snprintf(sentence, sizeof sentence, "not a valid VHD: %s",
                 without_disk_prefix(result->reason));
    else if (result->code == VHD_OP_WRONG_TYPE || result->code == VHD_OP_PARENT_NOT_FOUND
             || result->code == VHD_OP_NOT_THE_PARENT || result->code == VHD_OP_UNSUPPORTED
             || result->code == VHD_OP_TOO_LARGE)
        snprintf(sentence, sizeof sentence, "%s: %s", vhd_op_code_name(result->code),
                 without_disk_prefix(result->reason));
    else
        snprintf(sentence, sizeof sentence, "%s", result->reason);
    fprintf(stderr, "%s: %s: %s\n", job->prog, path, sentence);
    return CLI_EXIT_FAILED;
}

bool cli_job_parse_type(const char *text, vhd_target_type *type)
{
    if (strcasecmp(text, "dynamic") == 0)
        *type = VHD_TARGET_DYNAMIC;
    else if (strcasecmp(text, "fixed") == 0)
        *type = VHD_TARGET_FIXED;
    else
        return false;
    return true;
}

int cli_job_parse_options(const char *name, int argc, char **argv, const char *help_text,
                          int *first, bool *progress)
{
    *first = 1;
    *progress = false;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf(help_text, name, name);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    if (argc > *first && (strcmp(argv[*first], "-p") == 0
                          || strcmp(argv[*first], "--progress") == 0)) {
        *progress = true;
        (*first)++;
    }
    if (argc > *first && strcmp(argv[*first], "--") == 0)
        (*first)++;
    else if (argc > *first && argv[*first][0] == '-' && argv[*first][1] != '\0') {
        fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[*first], name);
        return CLI_EXIT_USAGE;
    }
    return -1;
}
