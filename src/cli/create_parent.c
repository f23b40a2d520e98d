#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64

#include "create_parent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "create_parent_check.h"
#include "path_relative.h"
#include "path_utf8.h"
#include "vhd_io_posix.h"

/* The child's canonical path: its folder resolved (links, "..") and its own name, which
 * must not be empty, "." or "..". NULL with errno set if the folder cannot be resolved. */
static char *canonical_child_path(const char *child_path)
{
    const char *slash = strrchr(child_path, '/');
    const char *name = slash ? slash + 1 : child_path;
    char *folder, *resolved, *result;
    if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        errno = EINVAL;
        return NULL;
    }
    if (slash == NULL)
        folder = strdup(".");
    else if (slash == child_path)
        folder = strdup("/");
    else
        folder = strndup(child_path, (size_t)(slash - child_path));
    if (folder == NULL)
        return NULL;
    resolved = realpath(folder, NULL);
    free(folder);
    if (resolved == NULL)
        return NULL;
    size_t length = strlen(resolved) + 1 + strlen(name) + 1;
    result = malloc(length);
    if (result != NULL)
        snprintf(result, length, "%s%s%s", resolved, strcmp(resolved, "/") == 0 ? "" : "/", name);
    free(resolved);
    return result;
}

static vhd_status failure(vhd_status status, char *reason, size_t reason_size, const char *text,
                          int *error, int error_value)
{
    snprintf(reason, reason_size, "%s", text);
    *error = error_value;
    return status;
}

vhd_status create_parent_load(const char *child_path, const char *parent_path,
                              struct create_parent *parent, char *reason, size_t reason_size,
                              int *error)
{
    vhd_status status;
    char *child = NULL, *resolved = NULL;
    uint16_t child_units[PATH_MAX];
    size_t child_length;
    struct stat child_stat;
    struct create_parent_chain chain;

    memset(parent, 0, sizeof *parent);
    *error = 0;
    chain.count = 0;

    parent->parent_at_fault = true;
    resolved = realpath(parent_path, NULL);
    if (resolved == NULL) {
        int e = errno;
        return failure(e == ENOENT || e == ENOTDIR ? VHD_E_NOT_FOUND : vhd_status_from_errno(e),
                       reason, reason_size, "the parent disk cannot be found", error, e);
    }

    status = create_parent_check(resolved, &parent->format, &parent->facts, &parent->vhdx, &chain,
                                 reason, reason_size, error);
    if (status != VHD_OK)
        goto done;
    parent->parent_at_fault = false;

    child = canonical_child_path(child_path);
    if (child == NULL) {
        int e = errno;
        status = failure(vhd_status_from_errno(e), reason, reason_size,
                         vhd_status_message(vhd_status_from_errno(e)), error, e);
        goto done;
    }
    /* The child must not be the parent or any disk of its chain (by file identity, so that
     * another name of the same file, a hard link or a link through a folder, is caught). */
    if (stat(child, &child_stat) == 0) {
        for (unsigned i = 0; i < chain.count; i++) {
            if (chain.files[i].device == (uint64_t)child_stat.st_dev &&
                    chain.files[i].inode == (uint64_t)child_stat.st_ino) {
                status = failure(VHD_E_EXISTS, reason, reason_size,
                                 i == 0 ? "the new disk would replace its own parent"
                                        : "the new disk would replace a disk of its parent's chain",
                                 error, 0);
                goto done;
            }
        }
    }

    parent->facts.absolute_length = path_utf8_to_utf16(resolved, parent->absolute,
                                                       VHD_PARENT_NAME_MAX_UNITS);
    if (parent->facts.absolute_length == SIZE_MAX) {
        parent->parent_at_fault = true;
        status = failure(VHD_E_INVALID_PATH, reason, reason_size,
                         "the parent's full path is not UTF-8 or longer than the 256 characters "
                         "vsdisk records", error, 0);
        goto done;
    }
    parent->facts.absolute_path = parent->absolute;
    child_length = path_utf8_to_utf16(child, child_units, sizeof child_units / sizeof child_units[0]);
    if (child_length == SIZE_MAX) {
        status = failure(VHD_E_INVALID_PATH, reason, reason_size, "the path is not UTF-8",
                         error, 0);
        goto done;
    }
    parent->facts.relative_length = path_relative_to_file(
        child_units, child_length, parent->absolute, parent->facts.absolute_length,
        PATH_FLAVOUR_POSIX, parent->relative, VHD_PARENT_RELATIVE_MAX_UNITS);
    parent->facts.relative_path = parent->relative;
    parent->vhdx.absolute_win32_path = parent->absolute;
    parent->vhdx.absolute_win32_length = parent->facts.absolute_length;
    parent->vhdx.relative_path = parent->relative;
    parent->vhdx.relative_length = parent->facts.relative_length;
    status = VHD_OK;

done:
    free(child);
    free(resolved);
    return status;
}
