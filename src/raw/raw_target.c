/* A new raw image (disk_target_writer.h): the guest's bytes and nothing else, exactly the
 * virtual size long. Only pieces holding a non-zero byte are written; the file then gets its
 * size (io->set_size, which extends it with a hole), so every all-zero range is a hole on a
 * file system that has them: a 2040 GiB disk holding a few MiB takes a few MiB. Space is never
 * reserved (io->allocate is not called, whatever the kind asked for).
 *
 * Within a piece, only its runs of 4 KiB that hold a non-zero byte are written.
 *
 * A raw image has no commit of its own (any file is a raw image): what keeps a reader from
 * taking an unfinished one for the disk is that it is written under the temporary name and
 * published only once complete and flushed. */
#include "disk_target_writer.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_op_common.h"
#include "vhd_write_common.h"

typedef struct raw_target {
    vhd_io *io;
    const disk_target_params *params;
    uint64_t written_end;        /* end of the last piece written */
} raw_target;

static vhd_op_code target_check(const disk_target_params *params, vhd_op_result *result)
{
    if (params->virtual_size == 0 || params->virtual_size % DISK_SECTOR_SIZE != 0)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "a raw image of %llu bytes cannot be written: its size must be a "
                           "non-zero multiple of %u bytes",
                           (unsigned long long)params->virtual_size, DISK_SECTOR_SIZE);
    return VHD_OP_OK;
}

static uint32_t target_granule(const disk_target_params *params)
{
    (void)params;
    return 0;
}

static vhd_op_code target_begin(void **state, vhd_io *io, const disk_target_params *params,
                                uint8_t *scratch, size_t scratch_size, vhd_op_result *result)
{
    raw_target *t = disk_target_state_new(params, sizeof *t);
    (void)scratch;
    (void)scratch_size;
    *state = t;
    if (t == NULL)
        return vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    t->io = io;
    t->params = params;
    t->written_end = 0;
    return VHD_OP_OK;
}

/* Writes the runs of a piece that are not zero, tested RUN_TEST bytes at a time, so a piece
 * with a little data takes little more than that data on the host. */
#define RUN_TEST 4096u

static vhd_op_code target_write(void *state, uint64_t offset, uint8_t *buf, size_t len, bool zero,
                                vhd_op_result *result)
{
    raw_target *t = state;
    if (zero)
        return VHD_OP_OK;
    for (size_t at = 0; at < len; ) {
        size_t unit = len - at < RUN_TEST ? len - at : RUN_TEST;
        if (vhd_is_zero(buf + at, unit)) {
            at += unit;
            continue;
        }
        size_t end = at + unit;
        while (end < len) {
            size_t next = len - end < RUN_TEST ? len - end : RUN_TEST;
            if (vhd_is_zero(buf + end, next))
                break;
            end += next;
        }
        vhd_status status = t->io->write_at(t->io, offset + at, buf + at, end - at);
        if (status != VHD_OK)
            return vhd_op_fail_io(result, t->io, status, "writing the raw image");
        t->written_end = offset + end;
        at = end;
    }
    return VHD_OP_OK;
}

static vhd_op_code target_finish(void *state, vhd_op_result *result)
{
    raw_target *t = state;
    uint64_t size = t->params->virtual_size;
    vhd_status status = VHD_OK;
    if (t->written_end < size) {
        if (t->io->set_size != NULL) {
            status = t->io->set_size(t->io, size);
        } else {
            /* A back end that cannot set the size: the last sector, zero, written. */
            static const uint8_t zeros[DISK_SECTOR_SIZE];
            status = t->io->write_at(t->io, size - sizeof zeros, zeros, sizeof zeros);
        }
        if (status != VHD_OK)
            return vhd_op_fail_io(result, t->io, status, "setting the raw image's size");
    }
    if (vhd_cancel_requested(t->params->options))
        return vhd_op_fail(result, VHD_OP_CANCELLED, "the conversion was cancelled");
    status = t->io->flush(t->io);
    if (status != VHD_OK)
        return vhd_op_fail_io(result, t->io, status, "flushing the raw image");
    return VHD_OP_OK;
}

static void target_end(void *state)
{
    raw_target *t = state;
    if (t == NULL)
        return;
    disk_target_state_free(t->params, t);
}

const disk_target_writer raw_target_writer = {
    .format = DISK_FORMAT_RAW,
    .name = "raw",
    .check = target_check,
    .granule = target_granule,
    .begin = target_begin,
    .write = target_write,
    .finish = target_finish,
    .end = target_end,
};
