/* A new fixed or dynamic VHD written from start to end (disk_target_writer.h), for Convert and
 * MergeTo. Write order of the new file:
 *
 *   fixed:    the data area reserved step by step (io->allocate; zeros written where the file
 *             system cannot reserve) and written, in guest order, where the data is not zero
 *             flush
 *             footer at the end of the data area        <- commit: from here it is a disk
 *             flush
 *   dynamic:  footer copy at 0, zeros where the header goes, zero padding
 *             in guest order: each block that holds a non-zero byte is appended (its non-zero
 *             pieces, then its bitmap); the table is written one 4 KiB window at a time once
 *             its blocks are decided
 *             footer after the last block
 *             flush
 *             dynamic header (its "cxsparse" cookie)      <- commit
 *             flush
 *
 * Until the commit no reader accepts the file (a fixed disk has no footer, a dynamic one no
 * header cookie). */
#include "disk_target_writer.h"
#include "vhd_geometry.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_create_fixed.h"
#include "vhd_disk.h"
#include "vhd_layout.h"
#include "vhd_op_common.h"
#include "vhd_write_common.h"

typedef struct vhd_target {
    vhd_io *io;
    const disk_target_params *params;
    uint64_t size;
    uint8_t footer[VHD_FOOTER_SIZE];
    /* fixed */
    bool reserve;
    uint64_t reserved_end, step;
    /* dynamic */
    vhd_layout layout;
    uint32_t block;              /* the block being filled */
    bool allocated;              /* it holds data */
    uint64_t next_bitmap;        /* where the block being filled (or the next one) goes */
    uint32_t window;             /* index of the table window being filled */
    uint8_t table[VHD_BAT_WINDOW_ENTRIES * 4];
} vhd_target;

static vhd_op_code call(vhd_target *t, vhd_status status, const char *doing, vhd_op_result *r)
{
    if (status != VHD_OK)
        return vhd_op_fail_io(r, t->io, status, doing);
    return VHD_OP_OK;
}

static vhd_op_code write_at(vhd_target *t, uint64_t offset, const void *buf, size_t len,
                            const char *doing, vhd_op_result *r)
{
    return call(t, t->io->write_at(t->io, offset, buf, len), doing, r);
}

static vhd_op_code target_check(const disk_target_params *params, vhd_op_result *result)
{
    uint64_t size = params->virtual_size;
    if (size > VHD_MAX_SIZE)
        return vhd_op_fail(result, VHD_OP_TOO_LARGE,
                           "the disk (%llu bytes) is larger than a VHD can be (%llu bytes, "
                           "2040 GiB)", (unsigned long long)size,
                           (unsigned long long)VHD_MAX_SIZE);
    if (vhd_validate_size(size) != VHD_OK)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "the source's size (%llu bytes) is not one a new disk can have: a "
                           "multiple of 512 from 3 MiB to 2040 GiB",
                           (unsigned long long)size);
    return VHD_OP_OK;
}

static uint32_t target_granule(const disk_target_params *params)
{
    return params->type == VHD_TARGET_DYNAMIC ? VHD_BLOCK_SIZE : 0;
}

/* The footer of the new disk: its size (and, when the size is the source's, a VHD source's
 * geometry), our creator, the caller's unique id and time stamp. */
static void make_footer(vhd_target *t, uint32_t disk_type, uint64_t data_offset)
{
    vhd_footer footer;
    const vhd_image *source = t->params->like ? vhd_disk_image(t->params->like) : NULL;
    vhd_footer_prepare(&footer, t->params->options, t->size, disk_type, data_offset);
    if (source != NULL && vhd_image_get_info(source)->footer.current_size == t->size) {
        const vhd_disk_geometry *g = &vhd_image_get_info(source)->footer.disk_geometry;
        if (vhd_geometry_fits(g, t->size))
            footer.disk_geometry = *g;
    }
    vhd_footer_encode(&footer, t->footer);
}

/* Writes the footer copy, the zeros where the header goes and the padding after the table,
 * through buf (the operation's scratch: a multiple of 512 bytes). */
static vhd_op_code begin_dynamic(vhd_target *t, uint8_t *buf, size_t buf_size,
                                 vhd_op_result *result)
{
    vhd_op_code code = VHD_OP_OK;
    const uint64_t regions[2][2] = { { 0, t->layout.table_offset },
                                     { t->layout.table_padding_end, t->layout.footer_offset } };
    for (unsigned r = 0; r < 2 && code == VHD_OP_OK; r++) {
        for (uint64_t offset = regions[r][0]; offset < regions[r][1] && code == VHD_OP_OK; ) {
            uint64_t left = regions[r][1] - offset;
            size_t len = left < buf_size ? (size_t)left : buf_size;
            vhd_layout_fill(&t->layout, t->footer, offset, buf, len);
            code = write_at(t, offset, buf, len, "writing the new disk's metadata", result);
            offset += len;
        }
    }
    return code;
}

static vhd_op_code target_begin(void **state, vhd_io *io, const disk_target_params *params,
                                uint8_t *scratch, size_t scratch_size, vhd_op_result *result)
{
    vhd_target *t = disk_target_state_new(params, sizeof *t);
    *state = t;
    if (t == NULL)
        return vhd_op_fail(result, VHD_OP_NO_MEMORY, "out of memory");
    t->io = io;
    t->params = params;
    t->size = params->virtual_size;
    if (params->type == VHD_TARGET_FIXED) {
        t->reserve = io->allocate != NULL;
        t->step = vhd_fixed_allocation_step(io, t->size);
        return VHD_OP_OK;
    }
    if (vhd_layout_compute(t->size, &t->layout) != VHD_OK)
        return vhd_op_fail(result, VHD_OP_UNSUPPORTED,
                           "a dynamic disk cannot have the source's size (%llu bytes): it must "
                           "be a multiple of 512 from 3 MiB to 2040 GiB",
                           (unsigned long long)t->size);
    memset(t->table, 0xFF, sizeof t->table);
    t->next_bitmap = t->layout.footer_offset;
    make_footer(t, VHD_DISK_TYPE_DYNAMIC, VHD_HEADER_OFFSET);
    return begin_dynamic(t, scratch, scratch_size, result);
}

/* ---- fixed ---------------------------------------------------------------------------- */

static vhd_op_code write_fixed(vhd_target *t, uint64_t offset, uint8_t *buf, size_t len,
                               bool zero, vhd_op_result *result)
{
    while (t->reserve && t->reserved_end < offset + len) {
        uint64_t n = t->size - t->reserved_end < t->step ? t->size - t->reserved_end : t->step;
        vhd_status status = t->io->allocate(t->io, t->reserved_end, n);
        if (status == VHD_E_NOT_SUPPORTED)
            t->reserve = false;   /* from here on zeros are written */
        else if (status != VHD_OK)
            return call(t, status, "reserving the new disk's space", result);
        else
            t->reserved_end += n;
    }
    /* A reserved range already reads as zeros; elsewhere the zeros are written. */
    if (zero && offset + len <= t->reserved_end)
        return VHD_OP_OK;
    if (zero)
        memset(buf, 0, len);
    return write_at(t, offset, buf, len, "writing the new disk", result);
}

static vhd_op_code finish_fixed(vhd_target *t, vhd_op_result *result)
{
    vhd_op_code code = call(t, t->io->flush(t->io), "flushing the new disk", result);
    if (code == VHD_OP_OK && vhd_cancel_requested(t->params->options))
        code = vhd_op_fail(result, VHD_OP_CANCELLED, "the conversion was cancelled");
    if (code != VHD_OP_OK)   /* last chance: the footer completes the disk */
        return code;
    make_footer(t, VHD_DISK_TYPE_FIXED, VHD_OFFSET_UNUSED);
    code = write_at(t, t->size, t->footer, VHD_FOOTER_SIZE, "writing the new disk's footer",
                    result);
    if (code == VHD_OP_OK)
        code = call(t, t->io->flush(t->io), "flushing the new disk", result);
    return code;
}

/* ---- dynamic -------------------------------------------------------------------------- */

static vhd_op_code write_window(vhd_target *t, vhd_op_result *result)
{
    uint64_t offset = t->layout.table_offset + (uint64_t)t->window * sizeof t->table;
    uint64_t end = t->layout.table_padding_end;
    size_t len = end - offset < sizeof t->table ? (size_t)(end - offset) : sizeof t->table;
    vhd_op_code code = write_at(t, offset, t->table, len, "writing the new disk's block table",
                                result);
    memset(t->table, 0xFF, sizeof t->table);
    t->window++;
    return code;
}

static vhd_op_code set_entry(vhd_target *t, uint32_t block, uint32_t entry, vhd_op_result *r)
{
    vhd_op_code code = VHD_OP_OK;
    while (block / VHD_BAT_WINDOW_ENTRIES > t->window && code == VHD_OP_OK)
        code = write_window(t, r);
    uint8_t *p = t->table + (size_t)(block % VHD_BAT_WINDOW_ENTRIES) * 4;
    p[0] = (uint8_t)(entry >> 24);
    p[1] = (uint8_t)(entry >> 16);
    p[2] = (uint8_t)(entry >> 8);
    p[3] = (uint8_t)entry;
    return code;
}

/* The block being filled is complete: if it holds data, its bitmap and table entry. */
static vhd_op_code close_block(vhd_target *t, vhd_op_result *result)
{
    static const vhd_block_geometry geometry = { .bitmap_size = VHD_SECTOR_SIZE };
    uint8_t bitmap[VHD_SECTOR_SIZE];
    if (!t->allocated)
        return VHD_OP_OK;
    memset(bitmap, 0xFF, sizeof bitmap);
    vhd_op_code code = write_at(t, t->next_bitmap, bitmap, sizeof bitmap, "writing the new disk",
                                result);
    if (code == VHD_OP_OK)
        code = set_entry(t, t->block, (uint32_t)(t->next_bitmap / VHD_SECTOR_SIZE), result);
    t->next_bitmap = vhd_next_block_bitmap(&geometry,
                                           t->next_bitmap + VHD_SECTOR_SIZE + VHD_BLOCK_SIZE);
    t->allocated = false;
    return code;
}

static vhd_op_code write_dynamic(vhd_target *t, uint64_t offset, const uint8_t *buf, size_t len,
                                 bool zero, vhd_op_result *result)
{
    uint32_t block = (uint32_t)(offset / VHD_BLOCK_SIZE);
    vhd_op_code code = VHD_OP_OK;
    if (block != t->block) {
        code = close_block(t, result);
        t->block = block;
    }
    if (code != VHD_OP_OK || zero)
        return code;
    t->allocated = true;
    return write_at(t, t->next_bitmap + VHD_SECTOR_SIZE + offset % VHD_BLOCK_SIZE, buf, len,
                    "writing the new disk", result);
}

static vhd_op_code finish_dynamic(vhd_target *t, vhd_op_result *result)
{
    uint8_t header[VHD_DYNAMIC_HEADER_SIZE];
    vhd_dynamic_header fields;
    vhd_op_code code = close_block(t, result);
    /* The remaining windows, through the last one. */
    while (code == VHD_OP_OK
           && t->layout.table_offset + (uint64_t)t->window * sizeof t->table
                  < t->layout.table_padding_end)
        code = write_window(t, result);
    /* 32-bit sector numbers: every block must start below 2 TiB (it always does for a disk
     * of at most 2040 GiB, whose metadata and bitmaps add under 8 GiB). */
    if (code == VHD_OP_OK)
        code = write_at(t, t->next_bitmap, t->footer, VHD_FOOTER_SIZE,
                        "writing the new disk's footer", result);
    if (code == VHD_OP_OK)
        code = call(t, t->io->flush(t->io), "flushing the new disk", result);
    if (code == VHD_OP_OK && vhd_cancel_requested(t->params->options))
        code = vhd_op_fail(result, VHD_OP_CANCELLED, "the conversion was cancelled");
    if (code != VHD_OP_OK)   /* last chance: the header completes the disk */
        return code;
    memset(&fields, 0, sizeof fields);
    memcpy(fields.cookie, VHD_DYNAMIC_HEADER_COOKIE, sizeof fields.cookie);
    fields.data_offset = VHD_OFFSET_UNUSED;
    fields.table_offset = t->layout.table_offset;
    fields.header_version = VHD_HEADER_VERSION;
    fields.max_table_entries = t->layout.max_table_entries;
    fields.block_size = VHD_BLOCK_SIZE;
    vhd_dynamic_header_encode(&fields, header);
    code = write_at(t, VHD_HEADER_OFFSET, header, sizeof header, "writing the new disk's header",
                    result);
    if (code == VHD_OP_OK)
        code = call(t, t->io->flush(t->io), "flushing the new disk", result);
    return code;
}

/* ---- the interface -------------------------------------------------------------------- */

static vhd_op_code target_write(void *state, uint64_t offset, uint8_t *buf, size_t len, bool zero,
                                vhd_op_result *result)
{
    vhd_target *t = state;
    if (t->params->type == VHD_TARGET_FIXED)
        return write_fixed(t, offset, buf, len, zero, result);
    return write_dynamic(t, offset, buf, len, zero, result);
}

static vhd_op_code target_finish(void *state, vhd_op_result *result)
{
    vhd_target *t = state;
    if (t->params->type == VHD_TARGET_FIXED)
        return finish_fixed(t, result);
    return finish_dynamic(t, result);
}

static void target_end(void *state)
{
    vhd_target *t = state;
    if (t == NULL)
        return;
    disk_target_state_free(t->params, t);
}

const disk_target_writer vhd_target_writer = {
    .format = DISK_FORMAT_VHD,
    .name = "VHD",
    .check = target_check,
    .granule = target_granule,
    .begin = target_begin,
    .write = target_write,
    .finish = target_finish,
    .end = target_end,
};
