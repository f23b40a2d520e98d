#define _POSIX_C_SOURCE 200809L

#include "cli_job.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "vhd_create.h"

static void show_progress(void *ctx, unsigned percent)
{
    const cli_job *job = ctx;
    fprintf(stderr, "%s: %u%%\n", job->prog, percent);
}

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
    job->options.progress = progress ? show_progress : NULL;
    job->options.ctx = job;
    job->options.buffer_max = CLI_JOB_BUFFER;

    cli_catch_interrupts();
    return true;
}

bool cli_job_target(cli_job *job, struct vhd_io_posix *target, const char *path)
{
    uint8_t random[4];
    if (!cli_random_bytes(random, sizeof random))
        memset(random, 0, sizeof random);
    int n = snprintf(job->temp_path, sizeof job->temp_path, "%s.vsdisk-partial-%02x%02x%02x%02x",
                     path, random[0], random[1], random[2], random[3]);
    if (n < 0 || (size_t)n >= sizeof job->temp_path) {
        fprintf(stderr, "%s: %s: the path is too long\n", job->prog, path);
        return false;
    }
    vhd_io_posix_init_staged(target, job->temp_path, path);
    return true;
}

int cli_job_fail(const cli_job *job, const char *path, const vhd_op_result *result)
{
    if (result->os_error != 0 && result->code != VHD_OP_IN_USE)
        fprintf(stderr, "%s: %s: %s: %s (%s)\n", job->prog, path, vhd_op_code_name(result->code),
                result->reason, strerror(result->os_error));
    else
        fprintf(stderr, "%s: %s: %s: %s\n", job->prog, path, vhd_op_code_name(result->code),
                result->reason);
    return CLI_EXIT_FAILED;
}

bool cli_job_parse_type(const char *text, vhd_target_type *type)
{
    if (strcmp(text, "dynamic") == 0)
        *type = VHD_TARGET_DYNAMIC;
    else if (strcmp(text, "fixed") == 0)
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
