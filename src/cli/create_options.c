#include "create_options.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_size.h"

static const char help_text[] =
    "Creates PATH, a VHD (Virtual Hard Disk), as Virtual Server 2005's\n"
    "CreateDynamicVirtualHardDisk, CreateFixedVirtualHardDisk and\n"
    "CreateDifferencingVirtualHardDisk do.\n"
    "\n"
    "  SIZE     MB from 3 to 2088960 (2040 GB); 1 MB = 1,048,576 bytes. Or a number\n"
    "           with a binary unit, K, M, G or T, in any case (512M, 16G, 1T, 16GiB);\n"
    "           it must come to a whole number of MB.\n"
    "  PATH     must not exist: a file, folder or link already there (even a dangling\n"
    "           link) is never replaced. Its folder must exist: none is created.\n"
    "  PARENT   any valid VHD (fixed, dynamic, or differencing with its chain in\n"
    "           place); it is only read, never changed. PATH may not be PARENT or any\n"
    "           disk of its chain.\n"
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
    "  -p, --progress  show the progress on stderr (percent, bytes, rate, time left)\n"
    "  -h, --help      show this help\n"
    "      --version   show the version\n";

static const char *prog = "vhdcreate";

void create_print_help(const char *name)
{
    /* %1$s is POSIX printf, not C11: spell the name out three times instead. */
    printf("Usage: %s [-p] PATH SIZE                 a dynamically expanding disk\n"
           "       %s [-p] --fixed PATH SIZE         a fixed-size disk\n"
           "       %s [-p] --parent PARENT PATH      a differencing disk (child of PARENT)\n",
           name, name, name);
    fputs(help_text, stdout);
}

static int usage_error(const char *message)
{
    fprintf(stderr, "%s: %s; try '%s --help'\n", prog, message, prog);
    return EXIT_USAGE;
}

int create_options_parse(const char *name, int argc, char **argv, int first,
                         struct create_options *options)
{
    int i = first;
    bool kind_given = false;
    prog = name;
    memset(options, 0, sizeof *options);
    options->kind = DISK_DYNAMIC;

    for (; i < argc; i++) {
        const char *arg = argv[i];
        enum disk_kind kind;
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

    if (options->kind == DISK_DIFFERENCING) {
        if (argc - i != 1)
            return usage_error("expected PATH after --parent PARENT (the size is the parent's)");
        options->path = argv[i];
        return EXIT_CREATED;
    }
    if (argc - i != 2)
        return usage_error("expected PATH and SIZE");
    options->path = argv[i];
    char why[256];
    if (!cli_parse_size_mb(argv[i + 1], &options->size_mb, why, sizeof why)) {
        fprintf(stderr, "%s: %s: %s\n", prog, options->path, why);
        return EXIT_USAGE;
    }
    return EXIT_CREATED;
}
