/* "vsdisk compact DISK": IVMHardDisk::Compact, of a VHD (vhd_compact) or a VHDX (vhdx_compact),
 * chosen by the disk's content. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "cli_job.h"
#include "vhd_ops_posix.h"
#include "vhdx_compact.h"

static const char help_text[] =
    "Usage: %s [-p] DISK\n"
    "Gives back the space of the blocks of the dynamic disk DISK that hold only zeros, in\n"
    "place, as Virtual Server's Compact does (zero the guest's free space first). A VHDX\n"
    "(read from its content) may also be a differencing disk: its zero blocks become ZERO\n"
    "blocks, which still hide the parent; every change goes through the VHDX's log. The\n"
    "live blocks move down into the holes and the file is shortened. The disk\n"
    "is valid with the same content at every instant: if the job is interrupted (or the\n"
    "machine crashes) nothing is lost, and running it again finishes it. While it runs no\n"
    "other program may open DISK for writing (it is locked as qemu locks images); a disk\n"
    "another program writes is refused.\n"
    "\n"
    "  -p, --progress  show the progress on stderr (percent, bytes, rate, time left)\n"
    "  -h, --help      show this help\n"
    "Exit status: 0 compacted; 1 failed (one line on stderr says why); 2 bad arguments.\n";

/* True if the file starts with a VHDX's signature. */
static bool is_vhdx(vhd_io *io)
{
    char signature[8];
    return io->read_at(io, 0, signature, sizeof signature) == VHD_OK
           && memcmp(signature, VHDX_SIGNATURE_FILE, sizeof signature) == 0;
}

static int compact_vhdx(cli_job *job, const char *name, const char *path, vhd_io *io)
{
    cli_random_pool pool;
    if (!cli_random_pool_fill(&pool)) {
        fprintf(stderr, "%s: no source of random numbers for the disk's new GUIDs\n", name);
        io->close(io);
        return cli_job_done(job, CLI_EXIT_FAILED);
    }
    uint64_t size = 0;
    vhdx_image *image;
    vhdx_reader_error error;
    if (job->show_progress && vhdx_image_open(&image, io, NULL, &error) == VHDX_READER_OK) {
        size = vhdx_image_get_info(image)->virtual_size;
        vhdx_image_close(image);
    }
    const vhdx_compact_options options = {
        .writable = { cli_random_pool_take, &pool, NULL, NULL },
        .progress = job->options.progress, .cancelled = job->options.cancelled,
        .ctx = job->options.ctx,
    };
    cli_job_start(job, size);
    vhdx_reader_code code = vhdx_compact(io, &options, NULL, &error);
    vhd_status status = io->close(io);
    if (code != VHDX_READER_OK) {
        cli_job_done(job, CLI_EXIT_FAILED);
        fprintf(stderr, "%s: %s: %s\n", name, path, error.reason);
        return CLI_EXIT_FAILED;
    }
    if (status != VHD_OK) {
        cli_job_done(job, CLI_EXIT_FAILED);
        fprintf(stderr, "%s: %s: closing the disk: %s\n", name, path, vhd_status_message(status));
        return CLI_EXIT_FAILED;
    }
    return cli_job_done(job, CLI_EXIT_OK);
}

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
    if (is_vhdx(&disk.io))
        return compact_vhdx(&job, name, path, &disk.io);
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
