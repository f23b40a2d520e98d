#define _POSIX_C_SOURCE 200809L

#include "cli_job.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vhd_create.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int signo)
{
    (void)signo;
    interrupted = 1;
}

static bool job_cancelled(void *ctx)
{
    (void)ctx;
    return interrupted != 0;
}

static void show_progress(void *ctx, unsigned percent)
{
    const cli_job *job = ctx;
    fprintf(stderr, "%s: %u%%\n", job->prog, percent);
}

static bool random_bytes(uint8_t *buf, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t done = 0;
    if (fd == -1)
        return false;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    return done == len;
}

bool cli_job_init(cli_job *job, const char *prog, bool progress)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction action;
    uint8_t random[16];

    memset(job, 0, sizeof *job);
    job->prog = prog;
    job->show_progress = progress;
    if (!random_bytes(random, sizeof random)) {
        fprintf(stderr, "%s: no random numbers for the new disk's unique id (%s)\n", prog,
                strerror(errno));
        return false;
    }
    vhd_unique_id_from_random(job->options.unique_id, random);
    job->options.timestamp = vhd_timestamp_from_unix((int64_t)time(NULL));
    job->options.cancelled = job_cancelled;
    job->options.progress = progress ? show_progress : NULL;
    job->options.ctx = job;
    job->options.buffer_max = CLI_JOB_BUFFER;

    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &action, NULL);
    return true;
}

bool cli_job_target(cli_job *job, struct vhd_io_posix *target, const char *path)
{
    uint8_t random[4];
    if (!random_bytes(random, sizeof random))
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
