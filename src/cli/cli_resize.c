/* "vsdisk resize [--dry-run] DISK SIZE": grows or shrinks a disk in place, crash-safely
 * (disk_resize.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "cli_progress.h"
#include "cli_size.h"
#include "disk_resize.h"
#include "vhd_ops.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s [-p] [--dry-run] DISK SIZE\n"
    "Grows DISK (a VHD or a VHDX), in place, to SIZE (MB, or with a unit: 512M, 16G, 1T),\n"
    "as Windows' Resize-VHD does, or shrinks it down to its minimum size: the end of the\n"
    "last partition its GPT or MBR describes (without one, of its last allocated data);\n"
    "below it the resize is refused with the minimum in the message. A GPT's backup copy\n"
    "at the old end is not kept (the guest's tools rewrite it: sgdisk -e).\n"
    "A fixed disk gets its new sectors reserved on the volume; a dynamic VHD gets a longer\n"
    "block table, the blocks in its way copied to the end of the file first; a VHDX's\n"
    "table and size change through its log (a table that outgrows its region is written\n"
    "anew at the end of the file first). A differencing VHDX may grow past its parent:\n"
    "the new part reads as zeros, not as the parent's. The content is kept and the new\n"
    "part reads as zeros; the partitions and file systems inside are not grown or shrunk.\n"
    "The change is crash-safe: DISK opens at its old size or its new one at every\n"
    "instant, and running the command again finishes it.\n"
    "Refused, with nothing written: a differencing VHD (its size is its parent's, and\n"
    "Windows refuses it too), a differencing VHDX's shrink, and a size the format forbids\n"
    "(a VHD: whole 512-byte sectors, 3 MiB to 2040 GiB; a VHDX: whole logical sectors, at\n"
    "most 64 TiB).\n"
    "A disk that is the parent of differencing disks must not be resized: its children\n"
    "no longer match it afterwards, as on Windows.\n"
    "\n"
    "  -p, --progress  show progress on stderr\n"
    "      --dry-run   say what would change and change nothing\n"
    "  -h, --help      show this help\n"
    "Exit status: 0 resized (or already that size); 1 failed (one line on stderr says\n"
    "why); 2 bad arguments.\n";

static void say_done(const char *path, const disk_resize_report *report, bool dry_run)
{
    char from[48], to[48];
    cli_format_size(report->old_size, from, sizeof from);
    cli_format_size(report->new_size, to, sizeof to);
    if (report->finished_earlier)
        printf("%s: %s an interrupted resize\n", path, dry_run ? "would finish" : "finished");
    if (report->old_size == report->new_size)
        printf("%s: already %s (%llu bytes)\n", path, to, (unsigned long long)report->new_size);
    else {
        uint64_t blocks = report->blocks_moved + report->blocks_reserved;
        printf("%s: %s from %s to %s (%llu bytes)", path,
               report->new_size < report->old_size ? (dry_run ? "would shrink" : "shrunk")
                                                   : (dry_run ? "would grow" : "grown"),
               from, to, (unsigned long long)report->new_size);
        if (blocks != 0)
            printf(", %llu block%s %s", (unsigned long long)blocks, blocks == 1 ? "" : "s",
                   report->blocks_reserved ? (dry_run ? "to reserve" : "reserved")
                                           : (dry_run ? "to move" : "moved"));
        if (report->blocks_dropped != 0)
            printf(", %llu block%s past the new end %s", (unsigned long long)report->blocks_dropped,
                   report->blocks_dropped == 1 ? "" : "s", dry_run ? "to drop" : "dropped");
        if (report->table_moved)
            printf(", the block table %s to the end of the file",
                   dry_run ? "to be written anew" : "written anew");
        putchar('\n');
    }
}

int cli_resize(const char *name, int argc, char **argv)
{
    bool dry_run = false, show_progress = false;
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
        if (strcmp(argv[first], "-p") == 0 || strcmp(argv[first], "--progress") == 0) {
            show_progress = true;
            continue;
        }
        if (strcmp(argv[first], "--dry-run") != 0) {
            fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[first], name);
            return CLI_EXIT_USAGE;
        }
        dry_run = true;
    }
    if (argc - first != 2) {
        fprintf(stderr, "%s: expected DISK and SIZE; try '%s --help'\n", name, name);
        return CLI_EXIT_USAGE;
    }
    const char *path = argv[first];
    uint32_t size_mb;
    char why[160];
    if (!cli_parse_size_mb_up_to(argv[first + 1], CLI_SIZE_MAX_MB_VHDX, "64 TB", &size_mb, why,
                                 sizeof why)) {
        fprintf(stderr, "%s: %s\n", name, why);
        return CLI_EXIT_USAGE;
    }

    cli_random_pool pool;
    if (!cli_random_pool_fill(&pool)) {
        fprintf(stderr, "%s: no source of random numbers for the disk's new GUIDs\n", name);
        return CLI_EXIT_FAILED;
    }
    struct vhd_io_posix disk;
    vhd_op_result result;
    vhd_io_posix_init(&disk, path);
    vhd_status status = disk.io.open(&disk.io, dry_run ? VHD_IO_OPEN_READ
                                                       : VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        vhd_op_result_from_open(&result, "disk", !dry_run, status, disk.io.os_error);
        fprintf(stderr, "%s: %s: %s\n", name, path, result.reason);
        return CLI_EXIT_FAILED;
    }
    disk_resize_report report;
    vhd_reader_error error;
    cli_progress progress;
    cli_progress_start(&progress, name, 0);
    const disk_resize_options options = { cli_random_pool_take, &pool, NULL, NULL,
                                          show_progress ? cli_progress_report : NULL,
                                          &progress };
    vhd_reader_code code = disk_resize(&disk.io, (uint64_t)size_mb * 1024 * 1024, dry_run,
                                       &options, &report, &error);
    cli_progress_end(&progress);
    status = disk.io.close(&disk.io);
    if (code != VHD_READER_OK) {
        fprintf(stderr, "%s: %s: %s\n", name, path, error.reason);
        return CLI_EXIT_FAILED;
    }
    if (status != VHD_OK) {
        fprintf(stderr, "%s: %s: closing the disk: %s\n", name, path, vhd_status_message(status));
        return CLI_EXIT_FAILED;
    }
    if (show_progress && !dry_run) {
        cli_progress_report(&progress, 100);
        cli_progress_end(&progress);
    }
    say_done(path, &report, dry_run);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
