/* How a job's source disk is read: by its content (a VHD or VHDX), or as a raw image when the
 * user says so (--source-format raw) or its name ends in .raw or .img (any case). --pad reads
 * a raw image whose size is not a whole number of sectors as if zeros extended it. */
#ifndef CLI_SOURCE_H
#define CLI_SOURCE_H

#include <stdbool.h>
#include "cli_job.h"
#include "vhd_ops_posix.h"

typedef struct cli_source {
    bool raw_asked;         /* --source-format raw */
    bool pad;               /* --pad */
} cli_source;

/* Takes "--source-format FORMAT" ("--source-format=FORMAT") and "--pad" out of argv (before
 * a "--"), moving the other arguments down and lowering *argc. FORMAT is raw, vhd or vhdx
 * (the last two: by content, as without the option). Returns -1 to go on, or the exit status
 * to return now (a message was printed). */
int cli_source_parse(const char *name, int *argc, char **argv, cli_source *source);

/* True if path is read as a raw image. */
bool cli_source_is_raw(const cli_source *source, const char *path);

/* Opens path as the source of the job (locked against writers, through its parents when it
 * is a differencing disk). CLI_EXIT_OK, or a line on stderr and CLI_EXIT_FAILED (or
 * CLI_EXIT_USAGE for --pad on a source that is not raw). */
int cli_source_open(cli_job *job, const cli_source *source, const char *path,
                    vhd_ops_posix_chain *chain);

#endif
