#define _POSIX_C_SOURCE 200809L
#include "vhd_parent_posix.h"

#include <stdlib.h>
#include <string.h>

struct posix_parent {
    struct vhd_io_posix file;
    char *path;
};

vhd_file_identity vhd_io_posix_identity(const struct vhd_io_posix *posix)
{
    vhd_file_identity id = { .known = posix->fd != -1, .volume = posix->device,
                             .file = posix->inode };
    return id;
}

static bool windows_absolute(const char *p)
{
    return (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':')
        || (p[0] == '\\' && p[1] == '\\');
}

/* dir of child_name (with the trailing '/'), then rel with '\' turned into '/'. */
static char *join(const char *child_name, const char *rel)
{
    const char *slash = strrchr(child_name, '/');
    size_t dir_len = slash ? (size_t)(slash - child_name) + 1 : 0;
    while (rel[0] == '.' && (rel[1] == '\\' || rel[1] == '/'))
        rel += 2;
    size_t rel_len = strlen(rel);
    char *path = malloc(dir_len + rel_len + 1);
    if (path == NULL)
        return NULL;
    memcpy(path, child_name, dir_len);
    for (size_t i = 0; i <= rel_len; i++)
        path[dir_len + i] = rel[i] == '\\' ? '/' : rel[i];
    return path;
}

char *vhd_parent_posix_path(const char *child_name, const vhd_parent_candidate *candidate)
{
    const char *p = candidate->path;
    if (p == NULL || p[0] == '\0')
        return NULL;
    switch (candidate->platform_code) {
    case VHD_PLATFORM_UNICODE_NAME: {
        const char *base = p;
        for (const char *q = p; *q; q++)
            if (*q == '\\' || *q == '/')
                base = q + 1;
        return base[0] ? join(child_name, base) : NULL;
    }
    case VHD_PLATFORM_MACX:
        if (strncmp(p, "file://", 7) != 0)
            return NULL;
        p += 7;
        if (strncmp(p, "localhost/", 10) == 0)
            p += 9;
        break;
    default:
        break;
    }
    if (windows_absolute(p) || p[0] == '\\')
        return NULL;
    if (p[0] == '/')
        return strdup(p);
    return join(child_name, p);
}

vhd_status vhd_parent_posix_open_file(const char *child_name,
                                      const vhd_parent_candidate *candidate,
                                      vhd_io_open_mode mode, vhd_parent_file *file)
{
    struct posix_parent *parent = malloc(sizeof *parent);
    if (parent == NULL)
        return VHD_E_NO_MEMORY;
    parent->path = vhd_parent_posix_path(child_name, candidate);
    if (parent->path == NULL) {
        free(parent);
        /* A Windows drive, share or volume path: not one this host can open (repair and
         * check never call it stale for that). */
        return candidate->path != NULL && candidate->path[0] != '\0' ? VHD_E_INVALID_PATH
                                                                      : VHD_E_NOT_FOUND;
    }
    vhd_io_posix_init(&parent->file, parent->path);
    vhd_status status = parent->file.io.open(&parent->file.io, mode);
    if (status != VHD_OK) {
        free(parent->path);
        free(parent);
        return status;
    }
    file->io = &parent->file.io;
    file->name = parent->path;
    file->identity = vhd_io_posix_identity(&parent->file);
    file->handle = parent;
    return VHD_OK;
}

void vhd_parent_posix_close_file(vhd_parent_file *file)
{
    struct posix_parent *parent = file->handle;
    if (parent == NULL)
        return;
    parent->file.io.close(&parent->file.io);
    free(parent->path);
    free(parent);
    file->handle = NULL;
}

static vhd_status posix_parent_open(void *ctx, const char *child_name,
                                    const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    (void)ctx;
    return vhd_parent_posix_open_file(child_name, candidate, VHD_IO_OPEN_READ, file);
}

static void posix_parent_close(void *ctx, vhd_parent_file *file)
{
    (void)ctx;
    vhd_parent_posix_close_file(file);
}

const vhd_parent_opener vhd_parent_posix_opener = {
    .open = posix_parent_open,
    .close = posix_parent_close,
    .ctx = NULL,
};
