/* "vsdisk repair [--dry-run] [--accept-data-loss] DISK": fixes in place what can be fixed
 * without losing data (disk_repair.h), and with --accept-data-loss what cannot, listing the
 * guest ranges lost. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "cli_path_error.h"
#include "create_parent.h"
#include "disk_repair.h"
#include "vhd_io_posix.h"
#include "vhd_parent_posix.h"

/* Exit statuses (bad arguments are 1, as for check, since 2 says "refused"). */
enum {
    REPAIR_DONE = 0,        /* repaired, or nothing to repair */
    REPAIR_FAILED = 1,      /* the repair could not run or finish; bad arguments */
    REPAIR_REFUSED = 2      /* something is left: fixing it loses data, or nothing fixes it */
};

static const char help_text[] =
    "Usage: %s [--dry-run] [--accept-data-loss] DISK\n"
    "Fixes, in place, what can be fixed in DISK without losing any data, and says each\n"
    "change; a disk with nothing to repair is not touched. For a VHD:\n"
    "  - the footer at the end missing or damaged (a copy cut short, its last sector\n"
    "    trashed, a 511-byte footer): rebuilt from the copy at offset 0, after the last\n"
    "    block;\n"
    "  - footer copies that disagree: the end one wins when it describes the disk (the\n"
    "    specification makes it the primary), else the copy; the other is rewritten;\n"
    "  - checksums of the footers or the dynamic header gone stale after a hand edit\n"
    "    whose fields are consistent: recomputed;\n"
    "  - a differencing disk whose first block qemu wrote over its parent locators: the\n"
    "    block moved, with its data, to the end of the file;\n"
    "  - the creator application 'vsdk' of vsdisk 0.1 and 0.2 (qemu reads those disks a\n"
    "    cylinder short): made 'win ';\n"
    "  - parent locators that no longer open the parent, found another way with the id\n"
    "    the disk expects: rewritten to it, as 'vsdisk relink' does.\n"
    "For a VHDX: a dirty log replayed; a damaged header or region-table copy rewritten\n"
    "from the good one; ZERO table entries' offsets cleared; and a differencing disk's\n"
    "parent paths that no longer open the parent, found through another of them with\n"
    "the DataWriteGuid it expects, rewritten through the log as 'vsdisk relink' does\n"
    "(no path opens it: refused, nothing guessed).\n"
    "What cannot be fixed without losing data is refused, with the reason: block table\n"
    "entries past the end of the file, over the metadata, or sharing bytes with another\n"
    "block. --accept-data-loss drops those entries and lists the guest byte ranges lost\n"
    "(they then read as zeros, or as the parent's for a differencing disk).\n"
    "Each change is crash-safe: at every instant the disk reads as before, and running\n"
    "the command again finishes an interrupted repair. The file's modification time is\n"
    "kept, so differencing disks made from it still match it.\n"
    "\n"
    "      --dry-run           list what would change and change nothing\n"
    "      --accept-data-loss  also drop what cannot be kept, and list what is lost\n"
    "  -h, --help              show this help\n"
    "Exit status: 0 repaired, or nothing to repair; 2 something refused (each refusal\n"
    "is printed); 1 the repair failed or bad arguments (one line on stderr says why).\n";

/* The paths 'vsdisk create --parent' would record for the parent found at parent_name (its
 * chain checked), for a stale locator's refresh. */
static bool parent_paths(void *ctx, const char *name, const char *parent_name,
                         disk_relink_paths *paths)
{
    static struct create_parent parent;
    char reason[384];
    int os_error;
    (void)ctx;
    if (create_parent_load(name, parent_name, &parent, reason, sizeof reason, &os_error) != VHD_OK)
        return false;
    paths->absolute = parent.facts.absolute_path;
    paths->absolute_length = parent.facts.absolute_length;
    paths->relative = parent.facts.relative_path;
    paths->relative_length = parent.facts.relative_length;
    return true;
}

static void print_report(const char *path, const disk_repair_report *report, bool dry_run)
{
    for (unsigned i = 0; i < report->changes && i < DISK_REPAIR_LINES_MAX; i++)
        printf("%s: %s %s\n", path, dry_run ? "would change:" : "changed:", report->change[i]);
    if (report->changes > DISK_REPAIR_LINES_MAX)
        printf("%s: ... and %u more changes\n", path, report->changes - DISK_REPAIR_LINES_MAX);
    for (unsigned i = 0; i < report->refused && i < DISK_REPAIR_LINES_MAX; i++)
        printf("%s: refused: %s\n", path, report->refusal[i]);
    if (report->refused > DISK_REPAIR_LINES_MAX)
        printf("%s: ... and %u more refusals\n", path, report->refused - DISK_REPAIR_LINES_MAX);
    for (unsigned i = 0; i < report->losses && i < DISK_REPAIR_LOSSES_MAX; i++)
        printf("%s: %s guest bytes %llu to %llu (%llu bytes)\n", path,
               dry_run ? "would lose:" : "lost:", (unsigned long long)report->loss[i].offset,
               (unsigned long long)(report->loss[i].offset + report->loss[i].length),
               (unsigned long long)report->loss[i].length);
    if (report->losses != 0)
        printf("%s: %s %llu bytes of guest data in all\n", path,
               dry_run ? "would lose" : "lost", (unsigned long long)report->bytes_lost);
    if (report->changes == 0 && report->refused == 0)
        printf("%s: nothing to repair\n", path);
}

int cli_repair(const char *name, int argc, char **argv)
{
    disk_repair_options options = { 0 };
    cli_random_pool pool;
    int first = 1;

    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        }
        if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
            printf(help_text, name);
            return fflush(stdout) == 0 ? REPAIR_DONE : REPAIR_FAILED;
        }
        if (strcmp(argv[first], "--dry-run") == 0)
            options.dry_run = true;
        else if (strcmp(argv[first], "--accept-data-loss") == 0)
            options.accept_loss = true;
        else {
            fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[first], name);
            return REPAIR_FAILED;
        }
    }
    if (argc - first != 1) {
        fprintf(stderr, "%s: expected DISK; try '%s --help'\n", name, name);
        return REPAIR_FAILED;
    }
    const char *path = argv[first];
    if (!cli_random_pool_fill(&pool)) {
        fprintf(stderr, "%s: no source of random numbers for the disk's new GUIDs\n", name);
        return REPAIR_FAILED;
    }
    options.random = cli_random_pool_take;
    options.ctx = &pool;
    struct vhd_io_posix disk;
    struct stat before;
    disk_repair_report report;
    vhd_reader_error error;

    vhd_io_posix_init(&disk, path);
    vhd_status status = disk.io.open(&disk.io, options.dry_run ? VHD_IO_OPEN_READ
                                                               : VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        char sentence[512];
        if (!cli_path_error(path, disk.io.os_error, false, sentence, sizeof sentence))
            snprintf(sentence, sizeof sentence, "cannot be opened: %s (%s)",
                     vhd_status_message(status), strerror(disk.io.os_error));
        fprintf(stderr, "%s: %s: %s\n", name, path, sentence);
        return REPAIR_FAILED;
    }
    bool have_times = fstat(disk.fd, &before) == 0;
    options.name = path;
    options.opener = &vhd_parent_posix_opener;
    options.parent_paths = parent_paths;
    vhd_reader_code code = disk_repair(&disk.io, &options, &report, &error);
    status = disk.io.close(&disk.io);
    print_report(path, &report, options.dry_run);
    if (!options.dry_run && have_times && report.changes != 0) {
        const struct timespec times[2] = { before.st_atim, before.st_mtim };
        if (utimensat(AT_FDCWD, path, times, 0) != 0)
            fprintf(stderr, "%s: %s: repaired, but its modification time could not be kept; "
                            "differencing disks made from it may not match it\n", name, path);
    }
    if (fflush(stdout) != 0)
        return REPAIR_FAILED;
    if (code != VHD_READER_OK) {
        fprintf(stderr, "%s: %s: %s%s\n", name, path, error.reason,
                report.changes != 0 ? " (the changes above were made; the disk is valid, and "
                                      "running the repair again finishes it)" : "");
        return REPAIR_FAILED;
    }
    if (status != VHD_OK) {
        fprintf(stderr, "%s: %s: closing the disk: %s\n", name, path, vhd_status_message(status));
        return REPAIR_FAILED;
    }
    return report.refused != 0 ? REPAIR_REFUSED : REPAIR_DONE;
}
