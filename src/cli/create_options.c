#include "create_options.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_size.h"
#include "disk_image.h"

static const char help_text[] =
    "Creates PATH, a VHD (Virtual Hard Disk), as Virtual Server 2005's\n"
    "CreateDynamicVirtualHardDisk, CreateFixedVirtualHardDisk and\n"
    "CreateDifferencingVirtualHardDisk do; a VHDX when PATH ends in .vhdx (any case),\n"
    "as Hyper-V's New-VHD decides.\n"
    "\n"
    "  SIZE     MB from 3 to 2088960 (2040 GB) for a VHD, to 67108864 (64 TB) for a\n"
    "           VHDX; 1 MB = 1,048,576 bytes. Or a number with a binary unit, K, M, G\n"
    "           or T, in any case (512M, 16G, 1T, 16GiB); it must come to a whole\n"
    "           number of MB.\n"
    "  PATH     must not exist: a file, folder or link already there (even a dangling\n"
    "           link) is never replaced. Its folder must exist: none is created.\n"
    "  PARENT   any valid VHD (fixed, dynamic, or differencing with its chain in\n"
    "           place), or VHDX for a .vhdx PATH: a child is of its parent's format.\n"
    "           It is only read, never changed. PATH may not be PARENT or any disk of\n"
    "           its chain.\n"
    "\n"
    "A dynamic or fixed disk holds exactly SIZE, to the byte (original and\n"
    "current size), with the CHS geometry of the VHD specification. Dynamic disks have\n"
    "2 MB blocks and the metadata layout of current Windows (block table padded to\n"
    "4 KB, first block's data 4 KB aligned). A fixed disk's file is SIZE + 512\n"
    "bytes, all of it allocated on the volume (never a sparse file) and reading as\n"
    "zeros. A differencing disk takes its parent's size and geometry and records the\n"
    "parent as Windows does: its full path, its path relative to the child's folder\n"
    "(.\\name), its unique id and its last-write time. The creator application is\n"
    "Windows' ('win ', with vsdisk's version), so that every reader, qemu included,\n"
    "takes the exact size. The file is complete once the command succeeds; on any\n"
    "failure or interruption nothing is left behind.\n"
    "\n"
    "Azure accepts fixed VHDs whose size is a whole number of MB (at least 20 MB):\n"
    "  vsdisk create --fixed disk.vhd 30G\n"
    "makes one of 30 GB (file 32,212,254,720 + 512 bytes), ready to upload.\n"
    "\n"
    "Disks made by vsdisk 0.1 and 0.2 (creator 'vsdk') are read by qemu at their CHS\n"
    "geometry's size, slightly smaller; 'vsdisk repair DISK' relabels them in place.\n"
    "qemu does not follow a differencing disk to its parent.\n"
    "\n"
    "Exit status: 0 created; 1 creation failed or was interrupted (nothing is left\n"
    "behind); 2 bad arguments or size. On success one line on stdout says what was\n"
    "made (path, format, kind, size).\n"
    "'vhdcreate' is the name of this command in vsdisk 0.1, kept for compatibility\n"
    "(it prints nothing on success).\n"
    "\n"
    "A VHDX is laid out as Windows lays it out (1 MB log at 1 MB, metadata at 2 MB,\n"
    "block table at 3 MB, everything 1 MB-aligned, an empty log); a fixed one has every\n"
    "block present and its space really allocated (Windows refuses sparse VHDX files).\n"
    "\n"
    "  -p, --progress  show the progress on stderr (percent, bytes, rate, time left)\n"
    "      --block-size SIZE  (VHDX) a power of two from 1M to 256M; default 32M, and\n"
    "                  2M for a differencing disk\n"
    "      --logical-sector-size 512|4096   (VHDX) default 512\n"
    "      --physical-sector-size 512|4096  (VHDX) default 4096\n"
    "  -h, --help      show this help\n"
    "      --version   show the version\n";

static const char *prog = "vhdcreate";

void create_print_help(const char *name)
{
    /* %1$s is POSIX printf, not C11: spell the name out three times instead. */
    printf("Usage: %s [-p] PATH SIZE                 a dynamically expanding disk\n"
           "       %s [-p] --fixed PATH SIZE         a fixed-size disk\n"
           "       %s [-p] --parent PARENT PATH      a differencing disk (child of PARENT)\n"
           "       %s [--block-size SIZE] [--logical-sector-size BYTES]\n"
           "              [--physical-sector-size BYTES] ... PATH.vhdx ...   a VHDX's options\n",
           name, name, name, name);
    fputs(help_text, stdout);
}

static int usage_error(const char *message)
{
    fprintf(stderr, "%s: %s; try '%s --help'\n", prog, message, prog);
    return EXIT_USAGE;
}

/* The value of --name VALUE or --name=VALUE at argv[*i] (NULL if arg is not that option);
 * *missing when the value is not there. */
static const char *option_value(const char *name, int argc, char **argv, int *i, bool *missing)
{
    size_t length = strlen(name);
    const char *arg = argv[*i];
    *missing = false;
    if (strncmp(arg, name, length) != 0)
        return NULL;
    if (arg[length] == '=')
        return arg + length + 1;
    if (arg[length] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return "";
    }
    return argv[++*i];
}

/* --block-size, --logical-sector-size, --physical-sector-size: false (with a message) for a
 * value that is not one; the values' rules are the writer's (checked when creating). */
static int vhdx_option(const char *arg, const char *value, uint32_t *out)
{
    uint64_t bytes;
    if (!cli_parse_bytes(value, UINT32_MAX, &bytes) || bytes == 0) {
        fprintf(stderr, "%s: %s takes a size in bytes or with a unit (32M), not '%s'; try "
                "'%s --help'\n", prog, arg, value, prog);
        return EXIT_USAGE;
    }
    *out = (uint32_t)bytes;
    return EXIT_CREATED;
}

int create_options_parse(const char *name, int argc, char **argv, int first,
                         struct create_options *options)
{
    bool vhdx_options = false;
    int i = first;
    bool kind_given = false;
    prog = name;
    memset(options, 0, sizeof *options);
    options->kind = DISK_DYNAMIC;

    for (; i < argc; i++) {
        const char *arg = argv[i];
        enum create_kind kind;
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0')
            break;
        if (strcmp(arg, "-p") == 0 || strcmp(arg, "--progress") == 0) {
            options->progress = true;
            continue;
        }
        static const char *const sizes[] = {
            "--block-size", "--logical-sector-size", "--physical-sector-size",
        };
        uint32_t *const size_fields[] = {
            &options->block_size, &options->logical_sector_size, &options->physical_sector_size,
        };
        bool is_size = false;
        for (size_t k = 0; k < 3 && !is_size; k++) {
            bool missing;
            const char *value = option_value(sizes[k], argc, argv, &i, &missing);
            if (value == NULL)
                continue;
            if (missing || value[0] == '\0') {
                fprintf(stderr, "%s: %s needs a value; try '%s --help'\n", prog, sizes[k], prog);
                return EXIT_USAGE;
            }
            if (vhdx_option(sizes[k], value, size_fields[k]) != EXIT_CREATED)
                return EXIT_USAGE;
            is_size = vhdx_options = true;
        }
        if (is_size)
            continue;
        if (strcmp(arg, "--dynamic") == 0) {
            kind = DISK_DYNAMIC;
        } else if (strcmp(arg, "--fixed") == 0) {
            kind = DISK_FIXED;
        } else if (strcmp(arg, "--parent") == 0 || strncmp(arg, "--parent=", 9) == 0) {
            kind = DISK_DIFFERENCING;
            if (arg[8] == '=') {
                options->parent = arg + 9;
            } else if (i + 1 < argc) {
                options->parent = argv[++i];
            } else {
                return usage_error("--parent needs the parent disk's path");
            }
            if (options->parent[0] == '\0')
                return usage_error("--parent needs the parent disk's path");
        } else {
            fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", prog, arg, prog);
            return EXIT_USAGE;
        }
        if (kind_given)
            return usage_error("give one of --dynamic, --fixed and --parent");
        kind_given = true;
        options->kind = kind;
    }

    if (options->kind == DISK_DIFFERENCING && argc - i != 1)
        return usage_error("expected PATH after --parent PARENT (the size is the parent's)");
    if (options->kind != DISK_DIFFERENCING && argc - i != 2)
        return usage_error("expected PATH and SIZE");
    options->path = argv[i];
    options->vhdx = disk_format_of_new_path(options->path) == DISK_FORMAT_VHDX;
    if (vhdx_options && !options->vhdx) {
        fprintf(stderr, "%s: %s: --block-size and the sector sizes are for a VHDX (a path ending "
                "in .vhdx); a VHD has 2 MB blocks and 512-byte sectors\n", prog, options->path);
        return EXIT_USAGE;
    }
    if (options->kind == DISK_DIFFERENCING)
        return EXIT_CREATED;
    char why[256];
    if (!cli_parse_size_mb_up_to(argv[i + 1], options->vhdx ? CLI_SIZE_MAX_MB_VHDX : CLI_SIZE_MAX_MB,
                                 options->vhdx ? "64 TB" : "2040 GB", &options->size_mb, why,
                                 sizeof why)) {
        fprintf(stderr, "%s: %s: %s\n", prog, options->path, why);
        return EXIT_USAGE;
    }
    return EXIT_CREATED;
}
