#define _POSIX_C_SOURCE 200809L

#include "disk_chain.h"
#include "disk_merge.h"
#include "vhd_ops_posix.h"

#include <string.h>

static vhd_status open_parent(void *ctx, const char *child_name,
                              const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    vhd_ops_posix_chain *c = ctx;
    bool merge_parent = c->for_merge && child_name == c->path;
    vhd_status status = vhd_parent_posix_open_file(child_name, candidate, merge_parent
                                                   ? VHD_IO_OPEN_READ
                                                   : VHD_IO_OPEN_READ_DENY_WRITE, file);
    if (status == VHD_E_IN_USE)
        c->in_use = true;
    return status;
}

static void close_parent(void *ctx, vhd_parent_file *file)
{
    (void)ctx;
    vhd_parent_posix_close_file(file);
}

static vhd_op_code open_chain(vhd_ops_posix_chain *c, const char *path, bool for_merge,
                              const disk_image_class *class, const vhd_reader_options *options,
                              vhd_op_result *result)
{
    vhd_reader_error error;
    memset(c, 0, sizeof *c);
    c->path = path;
    c->for_merge = for_merge;
    c->opener.open = open_parent;
    c->opener.close = close_parent;
    c->opener.ctx = c;
    vhd_io_open_mode mode = VHD_IO_OPEN_READ_DENY_WRITE;
    vhd_io_posix_init(&c->file, path);
    /* Merge writes a VHDX child's parent locator (disk_merge.h): its format read first. */
    if (for_merge && c->file.io.open(&c->file.io, VHD_IO_OPEN_READ) == VHD_OK) {
        mode = disk_merge_child_mode(&c->file.io);
        c->file.io.close(&c->file.io);
        vhd_io_posix_init(&c->file, path);
    }
    vhd_status status = c->file.io.open(&c->file.io, mode);
    if (status != VHD_OK)
        return vhd_op_result_from_open(result, "disk", mode == VHD_IO_OPEN_READ_WRITE, status,
                                       c->file.io.os_error);
    vhd_file_identity identity = vhd_io_posix_identity(&c->file);
    vhd_reader_code code = class != NULL
        ? disk_chain_open_as(&c->chain, class, &c->file.io, path, &identity, options, &error)
        : disk_chain_open(&c->chain, &c->file.io, path, &identity, &c->opener, options, &error);
    if (code != VHD_READER_OK) {
        c->file.io.close(&c->file.io);
        if (c->in_use && error.code == VHD_READER_PARENT_NOT_FOUND)
            return vhd_op_result_from_open(result, "parent disk", false, VHD_E_IN_USE, 0);
        return vhd_op_result_from_reader(result, "disk", &error);
    }
    memset(result, 0, sizeof *result);
    return VHD_OP_OK;
}

vhd_op_code vhd_ops_posix_open_chain(vhd_ops_posix_chain *c, const char *path, bool for_merge,
                                     const vhd_reader_options *options, vhd_op_result *result)
{
    return open_chain(c, path, for_merge, NULL, options, result);
}

vhd_op_code vhd_ops_posix_open_as(vhd_ops_posix_chain *c, const char *path,
                                  const disk_image_class *class,
                                  const vhd_reader_options *options, vhd_op_result *result)
{
    return open_chain(c, path, false, class, options, result);
}

void vhd_ops_posix_close_chain(vhd_ops_posix_chain *c)
{
    if (c->chain != NULL)
        disk_chain_close(c->chain);
    c->chain = NULL;
    if (c->file.fd != -1)
        c->file.io.close(&c->file.io);
}
