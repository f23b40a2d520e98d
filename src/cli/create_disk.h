/* Runs one creation for vhdcreate: the writer of the chosen kind with the POSIX back end. */
#ifndef CREATE_DISK_H
#define CREATE_DISK_H

#include "create_options.h"

/* Creates the disk; on failure prints one line to stderr, naming the command (name).
 * Returns an exit_code. */
int create_disk(const char *name, const struct create_options *options);

#endif
