/* Runs one creation for vhdcreate: the writer of the chosen kind with the POSIX back end. */
#ifndef CREATE_DISK_H
#define CREATE_DISK_H

#include <stdbool.h>
#include "create_options.h"

/* Creates the disk; on failure prints one line to stderr, naming the command (name); on
 * success, if say_what, one line to stdout saying what was made (path, format, kind, size).
 * Returns an exit_code. */
int create_disk(const char *name, const struct create_options *options, bool say_what);

#endif
