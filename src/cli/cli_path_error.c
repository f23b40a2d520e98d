#define _POSIX_C_SOURCE 200809L

#include "cli_path_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The folder part of path ("." for a bare name, "/" for a name at the root); NULL if out of
 * memory. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    while (slash != NULL && slash > path && slash[1] == '\0') {   /* "a/b/": the name is b */
        const char *p = slash - 1;
        while (p > path && *p != '/')
            p--;
        slash = *p == '/' ? p : NULL;
    }
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* The first prefix of path (ending at a '/') that exists and is not a folder, in out; false
 * if there is none. Bounded by the path's length. */
static bool file_on_the_way(const char *path, char *out, size_t size)
{
    size_t length = strlen(path);
    char *prefix = malloc(length + 1);
    bool found = false;
    if (prefix == NULL)
        return false;
    for (size_t i = 1; i < length && !found; i++) {
        struct stat st;
        if (path[i] != '/')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        if (stat(prefix, &st) == 0 && !S_ISDIR(st.st_mode)) {
            snprintf(out, size, "%s", prefix);
            found = true;
        }
    }
    free(prefix);
    return found;
}

bool cli_path_error(const char *path, int error, bool new_file, char *out, size_t size)
{
    struct stat st;
    char *folder;

    switch (error) {
    case ENOENT:
        folder = folder_of(path);
        if (folder != NULL && stat(folder, &st) != 0)
            snprintf(out, size, "the folder %s does not exist", folder);
        else if (!new_file && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            snprintf(out, size, "is a symbolic link to a file that does not exist");
        else
            snprintf(out, size, "no such file");
        free(folder);
        return true;
    case ENOTDIR: {
        char file[4096];
        if (file_on_the_way(path, file, sizeof file))
            snprintf(out, size, "%s is a file, not a folder", file);
        else
            snprintf(out, size, "a part of the path is not a folder");
        return true;
    }
    case EISDIR:
        snprintf(out, size, new_file ? "is a folder" : "is a folder, not a disk file");
        return true;
    case EACCES:
    case EPERM:
        if (new_file) {
            folder = folder_of(path);
            snprintf(out, size, "permission denied (the folder %s cannot be written)",
                     folder != NULL ? folder : ".");
            free(folder);
        } else {
            snprintf(out, size, "permission denied");
        }
        return true;
    case EROFS:
        snprintf(out, size, "the file system is read-only");
        return true;
    case EEXIST:
        snprintf(out, size, "already exists; vsdisk never replaces a file, folder or link");
        return true;
    case ELOOP:
        snprintf(out, size, "too many levels of symbolic links");
        return true;
    case ENAMETOOLONG:
        snprintf(out, size, "the name is too long");
        return true;
    default:
        /* The back end refuses what is not a regular file (EINVAL): a FIFO, a device... */
        if (!new_file && stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            snprintf(out, size, "is a device, FIFO or socket, not a disk file");
            return true;
        }
        return false;
    }
}
