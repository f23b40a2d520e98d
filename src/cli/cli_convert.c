/* "vsdisk convert [--source-format raw [--pad]] SOURCE TARGET dynamic|fixed|raw":
 * IVMHardDisk::Convert, from a VHD, a VHDX or a raw image (cli_source.h), into any format;
 * "vsdisk convert --azure SOURCE TARGET.vhd": a fixed VHD Azure accepts. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_job.h"
#include "cli_source.h"
#include "disk_azure.h"
#include "disk_convert.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s [-p] [--source-format raw [--pad]] [--azure] SOURCE TARGET dynamic|fixed|raw\n"
    "       %s [-p] [--source-format raw [--pad]] --azure SOURCE TARGET.vhd\n"
    "Writes TARGET, a new disk with the content of SOURCE (any VHD or VHDX; a differencing\n"
    "disk is read through its parents), as Virtual Server's Convert does.\n"
    "SOURCE may also be a raw image (a plain dump of a disk's sectors, as dd and image\n"
    "builders make): with --source-format raw, or when its name ends in .raw or .img (any\n"
    "case). A file is never taken for raw from its content, and a name ending in .raw or\n"
    ".img is always read as raw, even a VHD's (its footer is then data of the disk).\n"
    "Holes of a sparse raw image are not read, and a dynamic TARGET holds no block for\n"
    "them. A raw image must be a whole number of 512-byte sectors; --pad reads it as if\n"
    "zeros extended it to the next one (the file itself is never changed). TARGET's format is\n"
    "its extension's: .vhdx is a VHDX (32 MiB blocks, the sector sizes of a VHDX source,\n"
    "else 512 logical and 4096 physical), anything else a VHD; TYPE raw writes a raw image\n"
    "(the guest's bytes, exactly the disk's size, with holes where the disk holds zeros).\n"
    "A source larger than TARGET's format holds (VHD: 2040 GiB, VHDX: 64 TiB) or whose size\n"
    "is not a multiple of its sector size is refused before anything is written.\n"
    "SOURCE and its parents are opened for reading only and are never changed; while the\n"
    "job runs no other program may write them (they are locked as qemu locks images), and\n"
    "one that is being written is refused. A dynamic TARGET holds only the blocks that are\n"
    "not all zeros; a fixed one has its whole data area reserved.\n"
    "TARGET must not exist: nothing is ever replaced. It is written as\n"
    "TARGET.vsdisk-partial-XXXXXXXX and renamed once complete; on failure or interrupt\n"
    "(Ctrl-C) it is removed. After a crash only such a partial file can be left behind.\n"
    "\n"
    "TYPE is dynamic, fixed or raw, in any case.\n"
    "\n"
    "  -p, --progress         show the progress on stderr (percent, bytes, rate, time left)\n"
    "  --source-format raw    read SOURCE as a raw image (vhd or vhdx: by its content)\n"
    "  --pad                  pad a raw SOURCE with zeros to a whole number of sectors\n"
    "      --azure            write a disk Azure accepts for upload: a fixed VHD whose size\n"
    "                         is SOURCE's rounded up to a whole MiB (one line says the\n"
    "                         rounding), from 20 MiB to 2040 GiB; every rule broken is named\n"
    "                         and nothing written\n"
    "  -h, --help             show this help\n"
    "Exit status: 0 converted; 1 failed (one line on stderr says why); 2 bad arguments.\n";

/* Takes "--azure" out of the options before the operands (argv is the process's own). */
static bool take_azure(int *argc, char **argv)
{
    for (int i = 1; i < *argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--azure") == 0) {
            memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof *argv);
            (*argc)--;
            return true;
        }
    }
    return false;
}

/* TYPE: dynamic or fixed (the format from TARGET's extension), or raw. */
static bool parse_target(const char *type, const char *target, disk_convert_target *spec)
{
    memset(spec, 0, sizeof *spec);
    if (strcasecmp(type, "raw") == 0) {
        spec->format = DISK_FORMAT_RAW;
        spec->type = VHD_TARGET_DYNAMIC;
        return true;
    }
    spec->format = disk_format_of_new_path(target);
    return cli_job_parse_type(type, &spec->type);
}

int cli_convert(const char *name, int argc, char **argv)
{
    int first;
    bool progress, azure = take_azure(&argc, argv);
    disk_convert_target spec;
    cli_source source_options;
    int parsed = cli_source_parse(name, &argc, argv, &source_options);
    if (parsed == -1)
        parsed = cli_job_parse_options(name, argc, argv, help_text, &first, &progress);
    if (parsed != -1)
        return parsed;
    if (argc - first != 3 && !(azure && argc - first == 2)) {
        fprintf(stderr, "%s: expected SOURCE TARGET dynamic|fixed|raw%s; try '%s --help'\n",
                name, azure ? " (or SOURCE TARGET.vhd)" : "", name);
        return CLI_EXIT_USAGE;
    }
    const char *source = argv[first], *target = argv[first + 1];
    const char *type = argc - first == 3 ? argv[first + 2] : "fixed";
    if (!parse_target(type, target, &spec)) {
        fprintf(stderr, "%s: the new disk's type must be dynamic, fixed or raw, not '%s'\n",
                name, type);
        return CLI_EXIT_USAGE;
    }

    cli_job job;
    vhd_op_result result;
    vhd_ops_posix_chain chain;
    struct vhd_io_posix out;
    if (!cli_job_init(&job, name, progress) || !cli_job_target(&job, &out, target))
        return CLI_EXIT_FAILED;
    int opened = cli_source_open(&job, &source_options, source, &chain);
    if (opened != CLI_EXIT_OK)
        return opened;
    uint64_t size = disk_image_info(disk_chain_image(chain.chain, 0))->size;
    if (azure) {
        char line[160];
        if (disk_azure_target(size, spec.format, spec.type, &spec, &result) != VHD_OP_OK) {
            vhd_ops_posix_close_chain(&chain);
            return cli_job_fail(&job, target, false, &result);
        }
        disk_azure_rounding_text(size, line, sizeof line);
        printf("%s: %s\n", name, line);
        fflush(stdout);
    }
    cli_job_start(&job, spec.size ? spec.size : size);
    vhd_op_code code = disk_convert(chain.chain, &out.io, &spec, &job.options, &result);
    vhd_ops_posix_close_chain(&chain);
    if (code == VHD_OP_TARGET_EXISTS || code == VHD_OP_TARGET_PATH || code == VHD_OP_NO_SPACE)
        return cli_job_fail(&job, target, true, &result);
    if (code != VHD_OP_OK)
        return cli_job_fail(&job, source, false, &result);
    return cli_job_done(&job, CLI_EXIT_OK);
}
