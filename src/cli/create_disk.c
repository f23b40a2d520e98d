#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "create_disk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "cli_interrupt.h"
#include "cli_path_error.h"
#include "cli_progress.h"
#include "cli_size.h"
#include "create_parent.h"
#include "vhd_create.h"
#include "vhd_create_differencing.h"
#include "vhd_create_fixed.h"
#include "vhd_io_posix.h"
#include "vhdx_create.h"

/* A small buffer keeps peak memory the same for every disk size. */
#define VHDCREATE_BUFFER_MAX (64u * 1024)
#define MB (1024u * 1024u)

static const char *prog = "vhdcreate";

static cli_progress progress;

/* One line "PROG: PATH: what went wrong": the path's own problem when error is one
 * (cli_path_error.h; "(the parent disk)" added when PATH is the parent), else reason and the
 * OS's words for error. */
static int fail_as(const char *path, const char *reason, int error, bool new_file,
                   const char *role)
{
    char sentence[512];
    cli_progress_end(&progress);
    if (error != 0 && cli_path_error(path, error, new_file, sentence, sizeof sentence))
        fprintf(stderr, "%s: %s: %s%s\n", prog, path, sentence, role);
    else if (error != 0)
        fprintf(stderr, "%s: %s: %s (%s)\n", prog, path, reason, strerror(error));
    else
        fprintf(stderr, "%s: %s: %s\n", prog, path, reason);
    return EXIT_CREATION_FAILED;
}

static int fail(const char *path, const char *reason, int error, bool new_file)
{
    return fail_as(path, reason, error, new_file, "");
}

/* "created PATH: VHD, dynamic, 16 GiB (17179869184 bytes)" on stdout. */
static int report(const struct create_options *options, uint64_t size)
{
    static const char *const kinds[] = { "dynamic", "fixed", "differencing" };
    char human[32];
    cli_format_size(size, human, sizeof human);
    printf("created %s: %s, %s", options->path, options->vhdx ? "VHDX" : "VHD",
           kinds[options->kind]);
    if (options->kind == DISK_DIFFERENCING)
        printf(" (parent %s)", options->parent);
    printf(", %s (%llu bytes)\n", human, (unsigned long long)size);
    return fflush(stdout) == 0 ? EXIT_CREATED : EXIT_CREATION_FAILED;
}

/* Free bytes for an unprivileged writer in the folder that will hold path; false if unknown. */
static bool free_space(const char *path, uint64_t *bytes)
{
    const char *slash = strrchr(path, '/');
    char *folder = slash == NULL ? strdup(".") : slash == path ? strdup("/")
                                               : strndup(path, (size_t)(slash - path));
    struct statvfs info;
    bool known = folder != NULL && statvfs(folder, &info) == 0;
    free(folder);
    if (known)
        *bytes = (uint64_t)info.f_bavail * info.f_frsize;
    return known;
}

/* A VHDX: its options checked by the writer's rules before anything is written. */
static int create_vhdx(const struct create_options *options, const vhdx_parent_facts *parent,
                       uint64_t size, const uint8_t random[16], bool say_what)
{
    const char *path = options->path;
    uint8_t more[32];
    vhdx_create_options create = {
        .size_bytes = size,
        .block_size = options->block_size,
        .logical_sector_size = options->logical_sector_size,
        .physical_sector_size = options->physical_sector_size,
        .cancelled = cli_interrupted,
        .progress = options->progress ? cli_progress_report : NULL,
        .ctx = &progress,
        .buffer_max = VHDCREATE_BUFFER_MAX,
    };
    if (!cli_random_bytes(more, sizeof more))
        return fail(path, "no random numbers for the disk's GUIDs", errno, true);
    vhd_unique_id_from_random(create.virtual_disk_id.bytes, random);
    vhd_unique_id_from_random(create.data_write_guid.bytes, more);
    vhd_unique_id_from_random(create.file_write_guid.bytes, more + 16);
    if (parent != NULL) {
        /* A child's sector sizes are its parent's. */
        if (options->logical_sector_size || options->physical_sector_size)
            return fail(path, "a differencing disk has its parent's sector sizes; leave out "
                        "--logical-sector-size and --physical-sector-size", 0, true);
        create.logical_sector_size = parent->logical_sector_size;
        create.physical_sector_size = parent->physical_sector_size;
    }
    vhdx_create_check check = parent != NULL ? vhdx_check_differencing(&create, parent)
                                             : vhdx_check_options(&create);
    if (check != VHDX_CREATE_VALID) {
        cli_progress_end(&progress);
        fprintf(stderr, "%s: %s: %s\n", prog, path, vhdx_create_check_message(check));
        return parent != NULL ? EXIT_CREATION_FAILED : EXIT_USAGE;
    }
    uint64_t available;
    if (options->kind == DISK_FIXED && free_space(path, &available) &&
            available < vhdx_fixed_file_size(&create))
        return fail(path, vhd_status_message(VHD_E_NO_SPACE), ENOSPC, true);

    cli_catch_interrupts();
    cli_progress_start(&progress, prog, size);
    struct vhd_io_posix file;
    vhd_status status;
    vhd_io_posix_init(&file, path);
    if (parent != NULL)
        status = vhdx_create_differencing(&file.io, &create, parent);
    else if (options->kind == DISK_FIXED)
        status = vhdx_create_fixed(&file.io, &create);
    else
        status = vhdx_create_dynamic(&file.io, &create);
    if (status == VHD_E_CANCELLED)
        return fail(path, "interrupted; nothing was created", 0, true);
    if (status != VHD_OK)
        return fail(path, vhd_status_message(status), file.io.os_error, true);
    cli_progress_end(&progress);
    return say_what ? report(options, size) : EXIT_CREATED;
}

int create_disk(const char *name, const struct create_options *options, bool say_what)
{
    const char *path = options->path;
    struct create_parent parent;
    prog = name;
    uint8_t random[16];
    vhd_status status;
    uint64_t size = (uint64_t)options->size_mb * MB;

    if (options->kind == DISK_DIFFERENCING) {
        char reason[256];
        int error;
        status = create_parent_load(path, options->parent, &parent, reason, sizeof reason, &error);
        if (status == VHD_OK && (parent.format == DISK_FORMAT_VHDX) != options->vhdx)
            return fail(path, parent.format == DISK_FORMAT_VHDX
                            ? "the parent is a VHDX, so its child must be one too (a path ending "
                              "in .vhdx): a differencing disk's parent is of its own format"
                            : "the parent is a VHD, so its child must be one too (a path not "
                              "ending in .vhdx): a differencing disk's parent is of its own format",
                        0, true);
        if (status == VHD_OK && !options->vhdx)
            status = vhd_validate_parent(&parent.facts);
        if (status == VHD_E_INVALID_SIZE)
            return fail(options->parent, "the parent's size is outside 3 MiB .. 2040 GiB, the "
                        "sizes a differencing disk can have", 0, false);
        if (status != VHD_OK && parent.parent_at_fault)
            return fail_as(options->parent, reason, error, false, " (the parent disk)");
        if (status != VHD_OK)
            return fail(path, reason, error, true);
        size = parent.facts.size_bytes;
    }

    if (!cli_random_bytes(random, sizeof random))
        return fail(path, "no random numbers for the disk's unique id", errno, true);
    if (options->vhdx)
        return create_vhdx(options, options->kind == DISK_DIFFERENCING ? &parent.vhdx : NULL,
                           size, random, say_what);
    vhd_create_options create = {
        .size_bytes = size,
        .timestamp = vhd_timestamp_from_unix((int64_t)time(NULL)),
        .cancelled = cli_interrupted,
        .progress = options->progress ? cli_progress_report : NULL,
        .ctx = &progress,
        .buffer_max = VHDCREATE_BUFFER_MAX,
    };
    vhd_unique_id_from_random(create.unique_id, random);

    /* A fixed disk needs its whole size now: refuse before writing anything. */
    uint64_t available;
    if (options->kind == DISK_FIXED && free_space(path, &available) &&
            available < vhd_fixed_file_size(create.size_bytes))
        return fail(path, vhd_status_message(VHD_E_NO_SPACE), ENOSPC, true);

    cli_catch_interrupts();   /* an interrupt cancels the creation, which removes the file */
    cli_progress_start(&progress, prog, size);
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    switch (options->kind) {
    case DISK_FIXED:
        status = vhd_create_fixed(&file.io, &create);
        break;
    case DISK_DIFFERENCING:
        status = vhd_create_differencing(&file.io, &create, &parent.facts);
        break;
    default:
        status = vhd_create_dynamic(&file.io, &create);
        break;
    }
    if (status == VHD_E_CANCELLED)
        return fail(path, "interrupted; nothing was created", 0, true);
    if (status != VHD_OK)
        return fail(path, vhd_status_message(status), file.io.os_error, true);
    cli_progress_end(&progress);
    return say_what ? report(options, size) : EXIT_CREATED;
}
