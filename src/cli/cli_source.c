/* The source of a job, read by content or as a raw image (cli_source.h). */
#include "cli_source.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "raw_disk.h"

static bool ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), n = strlen(suffix);
    if (length < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = text[length - n + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

static int set_format(const char *name, const char *format, cli_source *source)
{
    if (strcmp(format, "raw") == 0)
        source->raw_asked = true;
    else if (strcmp(format, "vhd") == 0 || strcmp(format, "vhdx") == 0)
        source->raw_asked = false;
    else {
        fprintf(stderr, "%s: the source format must be raw, vhd or vhdx, not '%s'\n", name,
                format);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

int cli_source_parse(const char *name, int *argc, char **argv, cli_source *source)
{
    static const char option[] = "--source-format";
    const size_t option_length = sizeof option - 1;
    int kept = 1, i = 1;

    memset(source, 0, sizeof *source);
    for (; i < *argc && strcmp(argv[i], "--") != 0; i++) {
        int status = -1;
        if (strcmp(argv[i], "--pad") == 0)
            source->pad = true;
        else if (strcmp(argv[i], option) == 0) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "%s: %s needs a format (raw)\n", name, option);
                return CLI_EXIT_USAGE;
            }
            status = set_format(name, argv[++i], source);
        } else if (strncmp(argv[i], option, option_length) == 0 && argv[i][option_length] == '=')
            status = set_format(name, argv[i] + option_length + 1, source);
        else
            argv[kept++] = argv[i];
        if (status != -1)
            return status;
    }
    for (; i < *argc; i++)
        argv[kept++] = argv[i];
    *argc = kept;
    return -1;
}

bool cli_source_is_raw(const cli_source *source, const char *path)
{
    return source->raw_asked || ends_with(path, ".raw") || ends_with(path, ".img");
}

int cli_source_open(cli_job *job, const cli_source *source, const char *path,
                    vhd_ops_posix_chain *chain)
{
    vhd_op_result result;
    bool raw = cli_source_is_raw(source, path);

    if (source->pad && !raw) {
        fprintf(stderr, "%s: --pad applies to a raw source only (--source-format raw, or a name "
                "ending in .raw or .img)\n", job->prog);
        return CLI_EXIT_USAGE;
    }
    vhd_op_code code = raw
        ? vhd_ops_posix_open_as(chain, path, source->pad ? &raw_padded_disk_class
                                                         : &raw_disk_class, NULL, &result)
        : vhd_ops_posix_open_chain(chain, path, false, NULL, &result);
    if (code == VHD_OP_OK)
        return CLI_EXIT_OK;
    if (code != VHD_OP_INVALID_DISK)
        return cli_job_fail(job, path, false, &result);
    /* Name what the file was read as, and the way to read it otherwise. */
    const char *reason = strncmp(result.reason, "disk: ", 6) == 0 ? result.reason + 6
                                                                   : result.reason;
    cli_progress_end(&job->progress);
    if (raw)   /* the one way a raw image is invalid: its size */
        fprintf(stderr, "%s: %s: %s; --pad adds the zeros\n", job->prog, path, reason);
    else
        fprintf(stderr, "%s: %s: not a VHD or VHDX (a raw image is read with --source-format "
                "raw, or when its name ends in .raw or .img): %s\n", job->prog, path, reason);
    return CLI_EXIT_FAILED;
}
