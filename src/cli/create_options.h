/* vhdcreate's command line: which kind of disk, where, how large or from which parent. */
#ifndef CREATE_OPTIONS_H
#define CREATE_OPTIONS_H

#include <stdint.h>

enum exit_code {
    EXIT_CREATED = 0,
    EXIT_CREATION_FAILED = 1,
    EXIT_USAGE = 2
};

enum disk_kind {
    DISK_DYNAMIC,
    DISK_FIXED,
    DISK_DIFFERENCING
};

struct create_options {
    enum disk_kind kind;
    const char *path;
    const char *parent;      /* DISK_DIFFERENCING only */
    uint32_t size_mb;        /* DISK_DYNAMIC and DISK_FIXED only */
};

extern const char create_help_text[];

/* Parses argv[first..argc) as [--dynamic | --fixed | --parent PARENT] [--] PATH [SIZE_MB].
 * EXIT_CREATED when options is filled; otherwise prints one line to stderr and returns
 * EXIT_USAGE. */
int create_options_parse(int argc, char **argv, int first, struct create_options *options);

#endif
