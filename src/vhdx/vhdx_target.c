/* A new dynamic or fixed VHDX written from start to end (disk_target_writer.h), for Convert
 * and MergeTo, in the layout and commit order of the creations (vhdx_layout.h, vhdx_create.h):
 *
 *   dynamic:  the file identifier, region tables, log, metadata and a BAT of NOT_PRESENT
 *             entries (headers left zero)
 *             in guest order: each block that holds a non-zero byte is appended at the end of
 *             the file (1 MiB-aligned: blocks are whole MiB), its non-zero pieces written; its
 *             BAT entry becomes FULLY_PRESENT, the table written 4 KiB at a time once its
 *             blocks are decided
 *             the file extended to the end of the last block
 *   fixed:    the same first pass with every payload entry FULLY_PRESENT at its place in the
 *             contiguous data area, which is reserved step by step (io->allocate; zeros
 *             written where the file system cannot reserve, never left sparse) and written
 *             where the data is not zero
 *   both:     flush, both headers in one write <- commit, flush
 *
 * Until the commit the file has no valid header, and every reader refuses it. Block size
 * 32 MiB (Windows' default); the sector sizes are the source's when it is a VHDX, else 512
 * logical and 4096 physical. The three GUIDs are made from the job's unique id (the virtual
 * disk id is the id itself; FileWriteGuid and DataWriteGuid are version-4 GUIDs derived from
 * it by fixed byte masks, so they differ from it and from each other). */
#include "disk_target_writer.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_create_fixed.h"
#include "vhd_op_common.h"
#include "vhd_write_common.h"
#include "vhdx_create.h"
#include "vhdx_layout.h"
#include "vhdx_write_common.h"

#define BAT_WINDOW_ENTRIES 512u      /* 4 KiB of the table */

typedef struct vhdx_target {
    vhd_io *io;
    const disk_target_params *params;
    vhdx_create_options options;
    vhdx_layout layout;
    uint8_t *buffer;                 /* the creations' buffer: the first pass, the commit */
    size_t buffer_size;
    /* fixed */
    bool reserve;
    uint64_t reserved_end, step;     /* file offsets */
    /* dynamic */
    uint64_t block;                  /* the block being filled */
    bool allocated;                  /* it holds data, at block_offset */
    uint64_t block_offset;
    uint64_t file_end;               /* where the next block goes */
    uint64_t data_end;               /* the end of the last piece written */
    uint64_t window;                 /* the table window being filled */
    bool window_dirty;
    uint8_t table[BAT_WINDOW_ENTRIES * VHDX_BAT_ENTRY_SIZE];
} vhdx_target;

static void make_options(const disk_target_params *params, vhdx_create_options *out)
{
    const vhd_create_options *options = params->options;
    uint8_t bytes[16];
    memset(out, 0, sizeof *out);
    out->size_bytes = params->virtual_size;
    out->block_size = VHDX_DEFAULT_BLOCK_SIZE;
    out->logical_sector_size = params->logical_sector_size;
    out->physical_sector_size = params->physical_sector_size;
    memcpy(out->virtual_disk_id.bytes, options->unique_id, 16);
    for (unsigned i = 0; i < 16; i++)
        bytes[i] = options->unique_id[i] ^ 0x5A;
    vhd_unique_id_from_random(out->file_write_guid.bytes, bytes);
    for (unsigned i = 0; i < 16; i++)
        bytes[i] = options->unique_id[i] ^ 0xC3;
    vhd_unique_id_from_random(out->data_write_guid.bytes, bytes);
    out->cancelled = options->cancelled;
    out->ctx = options->ctx;
    out->buffer_max = options->buffer_max;
    out->allocate = options->allocate;
    out->release = options->release;
}

static vhd_op_code call(vhdx_target *t, vhd_status status, const char *doing, vhd_op_result *r)
{
    if (status != VHD_OK)
        return vhd_op_fail_io(r, t->io, status, doing);
    return VHD_OP_OK;
}

static vhd_op_code target_check(const disk_target_params *params, vhd_op_result *result)
{
    uint64_t size = params->virtual_size;
    uint32_t logical = params->logical_sector_size ? params->logical_sector_size
                                                   : VHDX_DEFAULT_LOGICAL_SECTOR_SIZE;
    vhdx_create_options options;
    if (size > VHDX_MAX_DISK_SIZE)
        return vhd_op_fail(result, VHD_OP_TOO_LARGE,
                           "the disk (%llu bytes) is larger than a VHDX can be (%llu bytes, "
                           "64 TiB)", (unsigned long long)size,
                           (unsigned long long)VHDX_MAX_DISK_SIZE);
    if (size == 0 || size % logical != 0)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "the disk's size (%llu bytes) is not a multiple of the new VHDX's "
                           "logical sector size (%u bytes)", (unsigned long long)size, logical);
    make_options(params, &options);
    vhdx_create_check check = vhdx_check_options(&options);
    if (check != VHDX_CREATE_VALID)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED, "a VHDX cannot be made for this disk: %s",
                           vhdx_create_check_message(check));
    return VHD_OP_OK;
}

static uint32_t target_granule(const disk_target_params *params)
{
    return params->type == VHD_TARGET_DYNAMIC ? VHDX_DEFAULT_BLOCK_SIZE : 0;
}

static vhd_op_code target_begin(void **state, vhd_io *io, const disk_target_params *params,
                                uint8_t *scratch, size_t scratch_size, vhd_op_result *result)
{
    vhdx_target *t = disk_target_state_new(params, sizeof *t);
    vhdx_layout_content content;
    (void)scratch;
    (void)scratch_size;
    *state = t;
    if (t == NULL)
        return vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    t->io = io;
    t->params = params;
    make_options(params, &t->options);
    if (vhdx_layout_compute(params->type == VHD_TARGET_FIXED ? VHDX_LAYOUT_FIXED
                                                             : VHDX_LAYOUT_DYNAMIC,
                            &t->options, NULL, &t->layout) != VHDX_CREATE_VALID)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED, "a VHDX cannot be made for this disk");
    t->buffer = vhdx_buffer_acquire(&t->options, &t->buffer_size);
    if (t->buffer == NULL)
        return vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    memset(&content, 0, sizeof content);
    content.virtual_disk_id = t->options.virtual_disk_id;
    vhdx_layout_region_table(&t->layout, &content, t->buffer);
    t->reserve = io->allocate != NULL;
    t->reserved_end = t->layout.data_offset;
    t->step = vhd_fixed_allocation_step(io, t->layout.file_size - t->layout.data_offset);
    t->file_end = t->layout.data_offset;
    return call(t, vhdx_write_prefix(io, &t->layout, &content, &t->options, NULL, t->buffer,
                                     t->buffer_size),
                "writing the new disk's metadata", result);
}

/* ---- fixed ---------------------------------------------------------------------------- */

/* Reserves the data area up to end (a file offset); from the first step the back end cannot
 * reserve, t->reserve is false and zeros are written instead. */
static vhd_op_code reserve_to(vhdx_target *t, uint64_t end, vhd_op_result *result)
{
    while (t->reserve && t->reserved_end < end) {
        uint64_t left = t->layout.file_size - t->reserved_end;
        uint64_t n = left < t->step ? left : t->step;
        vhd_status status = t->io->allocate(t->io, t->reserved_end, n);
        if (status == VHD_E_NOT_SUPPORTED)
            t->reserve = false;
        else if (status != VHD_OK)
            return call(t, status, "reserving the new disk's space", result);
        else
            t->reserved_end += n;
    }
    return VHD_OP_OK;
}

static vhd_op_code write_fixed(vhdx_target *t, uint64_t offset, uint8_t *buf, size_t len,
                               bool zero, vhd_op_result *result)
{
    uint64_t at = t->layout.data_offset + offset;
    vhd_op_code code = reserve_to(t, at + len, result);
    if (code != VHD_OP_OK || (zero && at + len <= t->reserved_end))
        return code;
    if (zero)
        memset(buf, 0, len);
    return call(t, t->io->write_at(t->io, at, buf, len), "writing the new disk", result);
}

/* The last block's bytes past the virtual size: reserved, or written with zeros. */
static vhd_op_code finish_fixed(vhdx_target *t, vhd_op_result *result)
{
    uint64_t at = t->layout.data_offset + t->layout.virtual_size;
    vhd_op_code code = reserve_to(t, t->layout.file_size, result);
    if (t->reserved_end > at)
        at = t->reserved_end;
    memset(t->buffer, 0, t->buffer_size);
    while (code == VHD_OP_OK && at < t->layout.file_size) {
        size_t len = t->layout.file_size - at < t->buffer_size
                         ? (size_t)(t->layout.file_size - at) : t->buffer_size;
        code = call(t, t->io->write_at(t->io, at, t->buffer, len), "writing the new disk",
                    result);
        at += len;
    }
    return code;
}

/* ---- dynamic -------------------------------------------------------------------------- */

static vhd_op_code write_window(vhdx_target *t, vhd_op_result *result)
{
    vhd_op_code code = VHD_OP_OK;
    if (t->window_dirty)
        code = call(t, t->io->write_at(t->io, VHDX_LAYOUT_BAT_OFFSET + t->window * sizeof t->table,
                                       t->table, sizeof t->table),
                    "writing the new disk's block table", result);
    memset(t->table, 0, sizeof t->table);
    t->window_dirty = false;
    return code;
}

/* The block being filled is complete: if it holds data, its BAT entry. Blocks come in order,
 * so a window once left is never needed again (the first pass wrote it as zeros). */
static vhd_op_code close_block(vhdx_target *t, vhd_op_result *result)
{
    vhd_op_code code = VHD_OP_OK;
    if (!t->allocated)
        return VHD_OP_OK;
    /* The payload entry of block b: chunk_ratio payload entries, then a bitmap entry. */
    uint64_t index = t->block + t->block / t->layout.chunk_ratio;
    if (index / BAT_WINDOW_ENTRIES != t->window) {
        code = write_window(t, result);
        t->window = index / BAT_WINDOW_ENTRIES;
    }
    vhdx_put64(t->table + (index % BAT_WINDOW_ENTRIES) * VHDX_BAT_ENTRY_SIZE,
               vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_FULLY_PRESENT, t->block_offset));
    t->window_dirty = true;
    t->allocated = false;
    return code;
}

static vhd_op_code write_dynamic(vhdx_target *t, uint64_t offset, const uint8_t *buf, size_t len,
                                 bool zero, vhd_op_result *result)
{
    uint64_t block = offset / t->layout.block_size;
    vhd_op_code code = VHD_OP_OK;
    if (block != t->block) {
        code = close_block(t, result);
        t->block = block;
    }
    if (code != VHD_OP_OK || zero)
        return code;
    if (!t->allocated) {
        t->allocated = true;
        t->block_offset = t->file_end;
        t->file_end += t->layout.block_size;
    }
    uint64_t at = t->block_offset + offset % t->layout.block_size;
    t->data_end = at + len;
    return call(t, t->io->write_at(t->io, at, buf, len), "writing the new disk", result);
}

/* The table's last window, and the file reaching the end of its last block (the pieces
 * after its last data were not written). */
static vhd_op_code finish_dynamic(vhdx_target *t, vhd_op_result *result)
{
    vhd_op_code code = close_block(t, result);
    if (code == VHD_OP_OK)
        code = write_window(t, result);
    if (code != VHD_OP_OK || t->data_end >= t->file_end)
        return code;
    if (t->io->set_size != NULL)
        return call(t, t->io->set_size(t->io, t->file_end), "extending the new disk", result);
    memset(t->buffer, 0, DISK_SECTOR_SIZE);
    return call(t, t->io->write_at(t->io, t->file_end - DISK_SECTOR_SIZE, t->buffer,
                                   DISK_SECTOR_SIZE),
                "extending the new disk", result);
}

/* ---- the interface -------------------------------------------------------------------- */

static vhd_op_code target_write(void *state, uint64_t offset, uint8_t *buf, size_t len, bool zero,
                                vhd_op_result *result)
{
    vhdx_target *t = state;
    if (t->params->type == VHD_TARGET_FIXED)
        return write_fixed(t, offset, buf, len, zero, result);
    return write_dynamic(t, offset, buf, len, zero, result);
}

static vhd_op_code target_finish(void *state, vhd_op_result *result)
{
    vhdx_target *t = state;
    vhd_op_code code = t->params->type == VHD_TARGET_FIXED ? finish_fixed(t, result)
                                                          : finish_dynamic(t, result);
    if (code != VHD_OP_OK)
        return code;
    return call(t, vhdx_write_commit(t->io, &t->options, NULL, t->buffer),
                "committing the new disk", result);
}

static void target_end(void *state)
{
    vhdx_target *t = state;
    if (t == NULL)
        return;
    if (t->buffer != NULL)
        vhdx_buffer_release(&t->options, t->buffer);
    disk_target_state_free(t->params, t);
}

const disk_target_writer vhdx_target_writer = {
    .format = DISK_FORMAT_VHDX,
    .name = "VHDX",
    .check = target_check,
    .granule = target_granule,
    .begin = target_begin,
    .write = target_write,
    .finish = target_finish,
    .end = target_end,
};
