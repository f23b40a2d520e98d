/* "vsdisk repair [--dry-run] DISK": fixes in place what can be fixed without losing data. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_job.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s [--dry-run] DISK\n"
    "Fixes, in place, what can be fixed in DISK without losing any data, and says each\n"
    "change; a disk with nothing to repair is not touched. What it fixes so far:\n"
    "  - a disk made by vsdisk 0.1 or 0.2 (creator application 'vsdk'), which qemu and\n"
    "    the tools built on it (libguestfs, virt-v2v, Proxmox, OpenStack) read up to a\n"
    "    cylinder short: its footer gets the creator application vsdisk writes now\n"
    "    ('win '), so every reader takes the exact size. The guest's data, the disk's\n"
    "    unique id and the file's modification time are kept, so its children still\n"
    "    match it.\n"
    "Each change is crash-safe: the disk is valid at every instant, and running the\n"
    "command again finishes an interrupted repair.\n"
    "\n"
    "      --dry-run  list what would change and change nothing\n"
    "  -h, --help     show this help\n"
    "Exit status: 0 repaired, or nothing to repair; 1 failed (one line on stderr says\n"
    "why; the disk is as it was); 2 bad arguments.\n";

int cli_repair(const char *name, int argc, char **argv)
{
    bool dry_run = false;
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
        if (strcmp(argv[first], "--dry-run") != 0) {
            fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[first], name);
            return CLI_EXIT_USAGE;
        }
        dry_run = true;
    }
    if (argc - first != 1) {
        fprintf(stderr, "%s: expected DISK; try '%s --help'\n", name, name);
        return CLI_EXIT_USAGE;
    }
    const char *path = argv[first];
    cli_job job;
    vhd_op_result result;
    vhd_repair_report report;
    struct vhd_io_posix disk;
    struct stat before;

    if (!cli_job_init(&job, name, false))
        return CLI_EXIT_FAILED;
    vhd_io_posix_init(&disk, path);
    vhd_status status = disk.io.open(&disk.io, dry_run ? VHD_IO_OPEN_READ : VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        vhd_op_result_from_open(&result, "disk", !dry_run, status, disk.io.os_error);
        return cli_job_fail(&job, path, false, &result);
    }
    bool have_times = fstat(disk.fd, &before) == 0;
    vhd_op_code code = vhd_repair(&disk.io, dry_run, &job.options, &report, &result);
    status = disk.io.close(&disk.io);
    if (code != VHD_OP_OK)
        return cli_job_fail(&job, path, false, &result);
    if (status != VHD_OK) {
        fprintf(stderr, "%s: %s: closing the disk: %s\n", name, path, vhd_status_message(status));
        return CLI_EXIT_FAILED;
    }
    if (report.changes == 0) {
        printf("%s: nothing to repair\n", path);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    for (unsigned i = 0; i < report.changes && i < VHD_REPAIR_CHANGES_MAX; i++)
        printf("%s: %s %s\n", path, dry_run ? "would change:" : "changed:", report.change[i]);
    if (!dry_run && have_times) {
        const struct timespec times[2] = { before.st_atim, before.st_mtim };
        if (utimensat(AT_FDCWD, path, times, 0) != 0)
            fprintf(stderr, "%s: %s: repaired, but its modification time could not be kept; "
                            "differencing disks made from it may not match it\n", name, path);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
