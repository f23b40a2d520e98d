/* One plain sentence for a path the command could not open or create, from the OS error and
 * a look at the path itself: "no such file", "the folder a/b does not exist", "is a folder,
 * not a disk file", "permission denied"... */
#ifndef CLI_PATH_ERROR_H
#define CLI_PATH_ERROR_H

#include <stdbool.h>
#include <stddef.h>

/* True, with the sentence in out (no trailing period), if error (an errno value) is a problem
 * of the path rather than of the disk: ENOENT, ENOTDIR, EISDIR, EACCES, EPERM, EROFS, EEXIST,
 * ELOOP, ENAMETOOLONG, or any error on an existing path that is not a regular file (a FIFO,
 * a device). new_file: path names a disk to be created (else one to be read). */
bool cli_path_error(const char *path, int error, bool new_file, char *out, size_t size);

#endif
