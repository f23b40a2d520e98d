/* vhdcreate's command line: which kind of disk, where, how large or from which parent. */
#ifndef CREATE_OPTIONS_H
#define CREATE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"

enum exit_code {
    EXIT_CREATED = CLI_EXIT_OK,
    EXIT_CREATION_FAILED = CLI_EXIT_FAILED,
    EXIT_USAGE = CLI_EXIT_USAGE
};

enum create_kind {
    DISK_DYNAMIC,
    DISK_FIXED,
    DISK_DIFFERENCING
};

struct create_options {
    enum create_kind kind;
    const char *path;
    const char *parent;      /* DISK_DIFFERENCING only */
    uint32_t size_mb;        /* DISK_DYNAMIC and DISK_FIXED only */
    bool progress;           /* -p: progress on stderr */
    bool vhdx;               /* the path ends in .vhdx (any case): a VHDX, else a VHD */
    /* VHDX only; 0: the default. */
    uint32_t block_size;
    uint32_t logical_sector_size, physical_sector_size;
};

/* Prints the help of the command called name ("vhdcreate", "vsdisk create") to stdout. */
void create_print_help(const char *name);

/* Parses argv[first..argc) as [-p] [--dynamic | --fixed | --parent PARENT] [--block-size SIZE]
 * [--logical-sector-size 512|4096] [--physical-sector-size 512|4096] [--] PATH [SIZE]
 * (SIZE as cli_size.h takes it; the last three options for a .vhdx PATH only).
 * EXIT_CREATED when options is filled; otherwise prints one line to stderr (naming the
 * command, name) and returns EXIT_USAGE. */
int create_options_parse(const char *name, int argc, char **argv, int first,
                         struct create_options *options);

#endif
