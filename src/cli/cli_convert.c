/* "vsdisk convert [--source-format raw [--pad]] SOURCE TARGET dynamic|fixed":
 * IVMHardDisk::Convert, from a VHD, a VHDX or a raw image (cli_source.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_job.h"
#include "cli_source.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s [-p] [--source-format raw [--pad]] SOURCE TARGET dynamic|fixed\n"
    "Writes TARGET, a new dynamic or fixed-size VHD with the content of SOURCE (any VHD; a\n"
    "differencing disk is read through its parents), as Virtual Server's Convert does.\n"
    "SOURCE may also be a raw image (a plain dump of a disk's sectors, as dd and image\n"
    "builders make): with --source-format raw, or when its name ends in .raw or .img (any\n"
    "case). A file is never taken for raw from its content, and a name ending in .raw or\n"
    ".img is always read as raw, even a VHD's (its footer is then data of the disk).\n"
    "Holes of a sparse raw image are not read, and a dynamic TARGET holds no block for\n"
    "them. A raw image must be a whole number of 512-byte sectors; --pad reads it as if\n"
    "zeros extended it to the next one (the file itself is never changed).\n"
    "SOURCE and its parents are opened for reading only and are never changed; while the\n"
    "job runs no other program may write them (they are locked as qemu locks images), and\n"
    "one that is being written is refused. A dynamic TARGET holds only the blocks that are\n"
    "not all zeros; a fixed one has its whole data area reserved.\n"
    "TARGET must not exist: nothing is ever replaced. It is written as\n"
    "TARGET.vsdisk-partial-XXXXXXXX and renamed once complete; on failure or interrupt\n"
    "(Ctrl-C) it is removed. After a crash only such a partial file can be left behind.\n"
    "\n"
    "TYPE is dynamic or fixed, in any case.\n"
    "\n"
    "  -p, --progress         show the progress on stderr (percent, bytes, rate, time left)\n"
    "  --source-format raw    read SOURCE as a raw image (vhd or vhdx: by its content)\n"
    "  --pad                  pad a raw SOURCE with zeros to a whole number of sectors\n"
    "  -h, --help             show this help\n"
    "Exit status: 0 converted; 1 failed (one line on stderr says why); 2 bad arguments.\n";

int cli_convert(const char *name, int argc, char **argv)
{
    int first;
    bool progress;
    vhd_target_type type;
    cli_source source_options;
    int parsed = cli_source_parse(name, &argc, argv, &source_options);
    if (parsed == -1)
        parsed = cli_job_parse_options(name, argc, argv, help_text, &first, &progress);
    if (parsed != -1)
        return parsed;
    if (argc - first != 3) {
        fprintf(stderr, "%s: expected SOURCE TARGET dynamic|fixed; try '%s --help'\n", name, name);
        return CLI_EXIT_USAGE;
    }
    if (!cli_job_parse_type(argv[first + 2], &type)) {
        fprintf(stderr, "%s: the new disk's type must be dynamic or fixed, not '%s'\n", name,
                argv[first + 2]);
        return CLI_EXIT_USAGE;
    }
    const char *source = argv[first], *target = argv[first + 1];

    cli_job job;
    vhd_op_result result;
    vhd_ops_posix_chain chain;
    struct vhd_io_posix out;
    if (!cli_job_init(&job, name, progress) || !cli_job_target(&job, &out, target))
        return CLI_EXIT_FAILED;
    int opened = cli_source_open(&job, &source_options, source, &chain);
    if (opened != CLI_EXIT_OK)
        return opened;
    cli_job_start(&job, disk_image_info(disk_chain_image(chain.chain, 0))->size);
    vhd_op_code code = vhd_convert(chain.chain, &out.io, type, &job.options, &result);
    vhd_ops_posix_close_chain(&chain);
    if (code == VHD_OP_TARGET_EXISTS || code == VHD_OP_TARGET_PATH || code == VHD_OP_NO_SPACE)
        return cli_job_fail(&job, target, true, &result);
    if (code != VHD_OP_OK)
        return cli_job_fail(&job, source, false, &result);
    return cli_job_done(&job, CLI_EXIT_OK);
}
