/* "vsdisk relink CHILD PARENT": points a differencing disk (VHD or VHDX, by content) at its
 * parent's new place, in place and crash-safely (disk_relink.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "create_parent.h"
#include "disk_relink.h"
#include "vhd_ops.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s CHILD PARENT\n"
    "Points the differencing disk CHILD (VHD or VHDX) at PARENT, its parent moved or\n"
    "renamed, as setting IVMHardDisk.Parent does: the paths CHILD records for its parent\n"
    "(absolute and relative to CHILD's folder, as 'vsdisk create --parent' writes them)\n"
    "are rewritten. PARENT must be the disk CHILD was made from: the same format and size,\n"
    "and its identity (a VHD's unique id, a VHDX's DataWriteGuid) the one CHILD records;\n"
    "any other disk is refused and nothing is written. Only CHILD is written, PARENT is\n"
    "only read. The change is crash-safe: CHILD names its old parent or its new one at\n"
    "every instant (a VHDX through its log), and running the command again finishes it.\n"
    "CHILD's content and its identity are kept, so its own children still match it.\n"
    "\n"
    "  -h, --help     show this help\n"
    "Exit status: 0 re-linked; 1 failed (one line on stderr says why); 2 bad arguments.\n";

int cli_relink(const char *name, int argc, char **argv)
{
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        }
        if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
            printf(help_text, name);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
        }
        fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[first], name);
        return CLI_EXIT_USAGE;
    }
    if (argc - first != 2) {
        fprintf(stderr, "%s: expected CHILD and PARENT; try '%s --help'\n", name, name);
        return CLI_EXIT_USAGE;
    }
    const char *child_path = argv[first], *parent_path = argv[first + 1];
    static struct create_parent parent;
    char reason[384];
    int os_error;
    cli_random_pool pool;

    if (!cli_random_pool_fill(&pool)) {
        fprintf(stderr, "%s: no source of random numbers for the disk's new GUIDs\n", name);
        return CLI_EXIT_FAILED;
    }
    /* The parent's chain checked, and its paths as a child made now would record them. */
    vhd_status loaded = create_parent_load(child_path, parent_path, &parent, reason,
                                           sizeof reason, &os_error);
    if (loaded == VHD_E_EXISTS) {   /* CHILD is PARENT, or a disk PARENT's chain reads */
        fprintf(stderr, "%s: %s: it is %s itself or a disk of its chain, so it cannot be its "
                "child\n", name, child_path, parent_path);
        return CLI_EXIT_FAILED;
    }
    if (loaded != VHD_OK) {
        fprintf(stderr, "%s: %s: %s\n", name, parent.parent_at_fault ? parent_path : child_path,
                reason);
        return CLI_EXIT_FAILED;
    }
    struct vhd_io_posix child, parent_file;
    vhd_op_result result;
    vhd_io_posix_init(&child, child_path);
    vhd_status status = child.io.open(&child.io, VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        vhd_op_result_from_open(&result, "disk", true, status, child.io.os_error);
        fprintf(stderr, "%s: %s: %s\n", name, child_path, result.reason);
        return CLI_EXIT_FAILED;
    }
    vhd_io_posix_init(&parent_file, parent_path);
    status = parent_file.io.open(&parent_file.io, VHD_IO_OPEN_READ);
    if (status != VHD_OK) {
        vhd_op_result_from_open(&result, "parent", false, status, parent_file.io.os_error);
        fprintf(stderr, "%s: %s: %s\n", name, parent_path, result.reason);
        child.io.close(&child.io);
        return CLI_EXIT_FAILED;
    }
    const disk_relink_paths paths = {
        parent.facts.absolute_path, parent.facts.absolute_length,
        parent.facts.relative_path, parent.facts.relative_length,
        NULL, 0,
    };
    const disk_relink_options options = { cli_random_pool_take, &pool, NULL, NULL };
    vhd_reader_error error;
    vhd_reader_code code = disk_relink(&child.io, &parent_file.io, &paths, &options, &error);
    parent_file.io.close(&parent_file.io);
    status = child.io.close(&child.io);
    if (code != VHD_READER_OK) {
        bool parent_fault = strncmp(error.reason, "the new parent", 14) == 0;
        fprintf(stderr, "%s: %s: %s\n", name, parent_fault ? parent_path : child_path,
                error.reason);
        return CLI_EXIT_FAILED;
    }
    if (status != VHD_OK) {
        fprintf(stderr, "%s: %s: closing the disk: %s\n", name, child_path,
                vhd_status_message(status));
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}
