#define _POSIX_C_SOURCE 200809L

#include "vhd_ops_posix.h"

#include <stdlib.h>
#include <string.h>

struct ops_parent {
    struct vhd_io_posix file;
    char *path;
};

static vhd_status open_parent(void *ctx, const char *child_name,
                              const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    vhd_ops_posix_chain *c = ctx;
    struct ops_parent *parent = malloc(sizeof *parent);
    if (parent == NULL)
        return VHD_E_NO_MEMORY;
    parent->path = vhd_parent_posix_path(child_name, candidate);
    if (parent->path == NULL) {
        free(parent);
        return VHD_E_NOT_FOUND;
    }
    vhd_io_posix_init(&parent->file, parent->path);
    bool merge_parent = c->for_merge && child_name == c->path;
    vhd_status status = parent->file.io.open(&parent->file.io, merge_parent
                                                 ? VHD_IO_OPEN_READ : VHD_IO_OPEN_READ_DENY_WRITE);
    if (status != VHD_OK) {
        if (status == VHD_E_IN_USE)
            c->in_use = true;
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

static void close_parent(void *ctx, vhd_parent_file *file)
{
    (void)ctx;
    struct ops_parent *parent = file->handle;
    if (parent == NULL)
        return;
    parent->file.io.close(&parent->file.io);
    free(parent->path);
    free(parent);
    file->handle = NULL;
}

vhd_op_code vhd_ops_posix_open_chain(vhd_ops_posix_chain *c, const char *path, bool for_merge,
                                     const vhd_reader_options *options, vhd_op_result *result)
{
    vhd_reader_error error;
    memset(c, 0, sizeof *c);
    c->path = path;
    c->for_merge = for_merge;
    c->opener.open = open_parent;
    c->opener.close = close_parent;
    c->opener.ctx = c;
    vhd_io_posix_init(&c->file, path);
    vhd_status status = c->file.io.open(&c->file.io, VHD_IO_OPEN_READ_DENY_WRITE);
    if (status != VHD_OK)
        return vhd_op_result_from_open(result, "disk", false, status, c->file.io.os_error);
    vhd_file_identity identity = vhd_io_posix_identity(&c->file);
    if (vhd_chain_open(&c->chain, &c->file.io, path, &identity, &c->opener, options, &error)
        != VHD_READER_OK) {
        c->file.io.close(&c->file.io);
        if (c->in_use && error.code == VHD_READER_PARENT_NOT_FOUND)
            return vhd_op_result_from_open(result, "parent disk", false, VHD_E_IN_USE, 0);
        return vhd_op_result_from_reader(result, "disk", &error);
    }
    memset(result, 0, sizeof *result);
    return VHD_OP_OK;
}

void vhd_ops_posix_close_chain(vhd_ops_posix_chain *c)
{
    if (c->chain != NULL)
        vhd_chain_close(c->chain);
    c->chain = NULL;
    if (c->file.fd != -1)
        c->file.io.close(&c->file.io);
}
