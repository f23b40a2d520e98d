/* The native command's subcommands. Each takes its own name (for messages, "vsdisk info")
 * and argv with argv[0] the subcommand, and returns the exit status. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,    /* the operation failed (one line on stderr says why) */
    CLI_EXIT_USAGE = 2      /* bad arguments */
};

int cli_create(const char *name, int argc, char **argv);
/* cli_create, silent on success unless say_what (vhdcreate, 0.1's name, stays silent). */
int cli_create_as(const char *name, int argc, char **argv, bool say_what);
int cli_info(const char *name, int argc, char **argv);
int cli_convert(const char *name, int argc, char **argv);
int cli_merge(const char *name, int argc, char **argv);
int cli_compact(const char *name, int argc, char **argv);
int cli_repair(const char *name, int argc, char **argv);
int cli_relink(const char *name, int argc, char **argv);
int cli_resize(const char *name, int argc, char **argv);
/* Exits as qemu-img check: 0 clean, 2 corruption, 3 leaks only, 1 not finished. */
int cli_check(const char *name, int argc, char **argv);

/* Prints "NAME VERSION" and returns the exit status. */
int cli_print_version(const char *name);

#endif
