/* "vsdisk compact DISK": IVMHardDisk::Compact. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_job.h"
#include "vhd_ops_posix.h"

static const char help_text[] =
    "Usage: %s [-p] DISK\n"
    "Gives back the space of the blocks of the dynamic disk DISK that hold only zeros, in\n"
    "place, as Virtual Server's Compact does (zero the guest's free space first). The disk\n"
    "is valid with the same content at every instant: if the job is interrupted (or the\n"
    "machine crashes) nothing is lost, and running it again finishes it. While it runs no\n"
    "other program may open DISK for writing (it is locked as qemu locks images); a disk\n"
    "another program writes is refused.\n"
    "\n"
    "  -p, --progress  show the progress on stderr (percent, bytes, rate, time left)\n"
    "  -h, --help      show this help\n"
    "Exit status: 0 compacted; 1 failed (one line on stderr says why); 2 bad arguments.\n";

/* The size of the guest's disk, for the progress display; 0 if the disk cannot be read (the
 * job then says why). */
static uint64_t disk_size(vhd_io *io)
{
    vhd_image *image;
    vhd_reader_error error;
    if (vhd_image_open(&image, io, NULL, &error) != VHD_READER_OK)
        return 0;
    uint64_t size = vhd_image_get_info(image)->footer.current_size;
    vhd_image_close(image);
    return size;
}

int cli_compact(const char *name, int argc, char **argv)
{
    int first;
    bool progress;
    int parsed = cli_job_parse_options(name, argc, argv, help_text, &first, &progress);
    if (parsed != -1)
        return parsed;
    if (argc - first != 1) {
        fprintf(stderr, "%s: expected DISK; try '%s --help'\n", name, name);
        return CLI_EXIT_USAGE;
    }
    const char *path = argv[first];
    cli_job job;
    vhd_op_result result;
    struct vhd_io_posix disk;
    if (!cli_job_init(&job, name, progress))
        return CLI_EXIT_FAILED;
    vhd_io_posix_init(&disk, path);
    vhd_status status = disk.io.open(&disk.io, VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        vhd_op_result_from_open(&result, "disk", true, status, disk.io.os_error);
        return cli_job_fail(&job, path, false, &result);
    }
    cli_job_start(&job, progress ? disk_size(&disk.io) : 0);
    vhd_op_code code = vhd_compact(&disk.io, &job.options, &result);
    status = disk.io.close(&disk.io);
    if (code != VHD_OP_OK)
        return cli_job_fail(&job, path, false, &result);
    if (status != VHD_OK) {
        cli_job_done(&job, CLI_EXIT_FAILED);
        fprintf(stderr, "%s: %s: closing the disk: %s\n", name, path, vhd_status_message(status));
        return CLI_EXIT_FAILED;
    }
    return cli_job_done(&job, CLI_EXIT_OK);
}
