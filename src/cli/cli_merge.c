/* "vsdisk merge CHILD": IVMHardDisk::Merge; "vsdisk merge CHILD TARGET dynamic|fixed":
 * IVMHardDisk::MergeTo. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "cli_job.h"
#include "disk_chain.h"
#include "disk_convert.h"
#include "disk_merge.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s [-p] CHILD\n"
    "       %s [-p] CHILD TARGET dynamic|fixed\n"
    "The first form writes every sector the differencing disk CHILD holds into its parent,\n"
    "as Virtual Server's Merge does. CHILD's content is never changed, and the parent stays\n"
    "a valid disk at every instant: if the job is interrupted (or the machine crashes)\n"
    "nothing is lost, and running it again completes it. Afterwards CHILD is still valid,\n"
    "with the same content; it may be deleted. Other differencing disks of the same parent\n"
    "no longer show what they showed before (Virtual Server's documentation: they become\n"
    "invalid). A VHDX parent is changed through its log and gets a new DataWriteGuid, which\n"
    "CHILD's parent locator is updated to name (its only change); its other children name\n"
    "the old one, and are refused from then on.\n"
    "The second form (MergeTo) writes TARGET, a new dynamic or fixed-size disk with the\n"
    "content of CHILD and all its parents, which are never changed; TARGET (a VHDX if its\n"
    "name ends in .vhdx, else a VHD) as for 'vsdisk convert'.\n"
    "While the job runs no other program may write the disks it reads (they are locked as\n"
    "qemu locks images); a disk another program writes is refused.\n"
    "\n"
    "  -p, --progress  show the progress on stderr (percent, bytes, rate, time left)\n"
    "  -h, --help      show this help\n"
    "Exit status: 0 merged; 1 failed (one line on stderr says why); 2 bad arguments.\n";

static int merge_into_parent(cli_job *job, const char *path)
{
    cli_random_pool pool;
    if (!cli_random_pool_fill(&pool)) {
        fprintf(stderr, "%s: no source of random numbers for the disk's new GUIDs\n", job->prog);
        return cli_job_done(job, CLI_EXIT_FAILED);
    }
    const disk_merge_options options = { &job->options, cli_random_pool_take, &pool };
    vhd_op_result result;
    vhd_ops_posix_chain chain;
    struct vhd_io_posix parent;
    if (vhd_ops_posix_open_chain(&chain, path, true, NULL, &result) != VHD_OP_OK)
        return cli_job_fail(job, path, false, &result);
    if (disk_chain_depth(chain.chain) < 2) {
        vhd_op_code code = disk_merge(chain.chain, NULL, &options, NULL, &result);
        vhd_ops_posix_close_chain(&chain);
        (void)code;
        return cli_job_fail(job, path, false, &result);
    }
    cli_job_start(job, disk_image_info(disk_chain_image(chain.chain, 0))->size);
    const char *parent_path = disk_chain_name(chain.chain, 1);
    vhd_io_posix_init(&parent, parent_path);
    vhd_status status = parent.io.open(&parent.io, VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        vhd_op_result_from_open(&result, "parent disk", true, status, parent.io.os_error);
        int exit = cli_job_fail(job, parent_path, false, &result);
        vhd_ops_posix_close_chain(&chain);
        return exit;
    }
    vhd_op_code code = disk_merge(chain.chain, &parent.io, &options, NULL, &result);
    status = parent.io.close(&parent.io);
    int exit = CLI_EXIT_OK;
    if (code != VHD_OP_OK)
        exit = cli_job_fail(job, code == VHD_OP_CANCELLED || code == VHD_OP_WRONG_TYPE
                                     ? path : parent_path, false, &result);
    else if (status != VHD_OK) {
        cli_job_done(job, CLI_EXIT_FAILED);
        fprintf(stderr, "%s: %s: closing the parent: %s\n", job->prog, parent_path,
                vhd_status_message(status));
        exit = CLI_EXIT_FAILED;
    }
    vhd_ops_posix_close_chain(&chain);
    return cli_job_done(job, exit);
}

static int merge_to(cli_job *job, const char *path, const char *target, vhd_target_type type)
{
    vhd_op_result result;
    vhd_ops_posix_chain chain;
    struct vhd_io_posix out;
    if (!cli_job_target(job, &out, target))
        return CLI_EXIT_FAILED;
    if (vhd_ops_posix_open_chain(&chain, path, false, NULL, &result) != VHD_OP_OK)
        return cli_job_fail(job, path, false, &result);
    cli_job_start(job, disk_image_info(disk_chain_image(chain.chain, 0))->size);
    const disk_convert_target spec = { disk_format_of_new_path(target), type, 0 };
    vhd_op_code code = disk_merge_to(chain.chain, &out.io, &spec, &job->options, &result);
    vhd_ops_posix_close_chain(&chain);
    if (code == VHD_OP_TARGET_EXISTS || code == VHD_OP_TARGET_PATH || code == VHD_OP_NO_SPACE)
        return cli_job_fail(job, target, true, &result);
    if (code != VHD_OP_OK)
        return cli_job_fail(job, path, false, &result);
    return cli_job_done(job, CLI_EXIT_OK);
}

int cli_merge(const char *name, int argc, char **argv)
{
    int first;
    bool progress;
    vhd_target_type type = VHD_TARGET_DYNAMIC;
    int parsed = cli_job_parse_options(name, argc, argv, help_text, &first, &progress);
    if (parsed != -1)
        return parsed;
    if (argc - first != 1 && argc - first != 3) {
        fprintf(stderr, "%s: expected CHILD, or CHILD TARGET dynamic|fixed; try '%s --help'\n",
                name, name);
        return CLI_EXIT_USAGE;
    }
    if (argc - first == 3 && !cli_job_parse_type(argv[first + 2], &type)) {
        fprintf(stderr, "%s: the new disk's type must be dynamic or fixed, not '%s'\n", name,
                argv[first + 2]);
        return CLI_EXIT_USAGE;
    }
    cli_job job;
    if (!cli_job_init(&job, name, progress))
        return CLI_EXIT_FAILED;
    if (argc - first == 1)
        return merge_into_parent(&job, argv[first]);
    return merge_to(&job, argv[first], argv[first + 1], type);
}
