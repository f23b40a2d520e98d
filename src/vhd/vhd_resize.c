/* Growing a VHD in place (vhd_resize.h), with every instant a disk that opens as the old one
 * or the new one. Sector (512-byte) writes are taken as atomic, as the footers' own in-place
 * updates everywhere else take them.
 *
 * Fixed disk, S bytes grown to N: the footer sits at S, where the grown disk has data.
 *   1. A footer of the old disk (size S), marked "vsdkgrow" + S in its reserved field, at N,
 *      beyond the old end; flush. The file is still the old disk: a fixed disk's data may
 *      end before its footer, and the sectors from S on are no part of it.
 *   2. Zeros over [S, S + 512), the old footer, and [S + 512, N) reserved (io->allocate;
 *      zeros written where the file system cannot reserve); flush.
 *   3. The new footer (current and original size N, geometry by the specification's CHS
 *      algorithm as vsdisk's creator writes it, checksum, no mark) over the marked one at N;
 *      flush. Only now is the disk the new one, every new sector zeros.
 *   A resize that finds the mark does 2 and 3 first (report->finished_earlier).
 *
 * Dynamic disk, its table grown from E to E' entries when the new size needs more:
 *   1. Each data block lying where the grown table goes is copied to the end of the file
 *      (4 KiB-aligned data, as the writer lays blocks) with a footer of the old disk after it,
 *      flush; only then is its table entry pointed at the copy, flush. Until that entry
 *      changes the copy is space nothing refers to; after, the old place is.
 *   2. If the grown table reaches the footer at the end, the footer moves past it (the same
 *      bytes, further on), flush.
 *   3. The new entries (0xFFFFFFFF) past the old table, flush; the dynamic header with E'
 *      entries, flush. The old size still needs at most E entries, so the disk is still the
 *      old one, with a larger table.
 *   Whatever the table grows or not: entries the old size did not use but the new one does
 *   set to unused, and the last old block's sector bitmap bits past the old size cleared
 *   (nothing the old disk shows; a table longer than its disk, or a shrink, leaves them).
 *   4. The footers: the copy at offset 0 zeroed (a damaged copy is ignored while the footer
 *      at the end is good), flush; the new footer at the end, flush; its copy at 0, flush.
 *   A crash while a block is copied leaves a file whose end is not a footer: the reader then
 *   takes the copy at offset 0, still the old disk's (it changes only in step 4), and the next
 *   resize puts that footer back at the end first. A crash in step 4 leaves the new disk with
 *   a zeroed copy, which the next resize (to any size) writes again.
 *
 * Shrink (the caller has checked the minimum size): a fixed disk's new footer at the new
 * end, flush, then the file cut after it, flush (the old disk until the cut); a dynamic
 * disk's footers as in step 4, its table and blocks left as they are.
 *
 * Memory: one copy buffer of at most RESIZE_BUFFER_MAX bytes and the list of blocks in the
 * table's way (at most its growth over the size of a block, plus two: 16 KiB at most for the
 * largest table and the smallest blocks), whatever the disk's size. */
#include "vhd_resize.h"

#include <stdlib.h>
#include <string.h>
#include "vhd_create.h"
#include "vhd_create_fixed.h"
#include "vhd_geometry.h"
#include "vhd_op_common.h"
#include "vhd_reader_internal.h"

#define RESIZE_BUFFER_MAX (1024u * 1024u)

struct resize {
    vhd_io *io;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    vhd_reader_options reader;
    vhd_reader_error *error;
    uint8_t *buffer;               /* RESIZE_BUFFER_MAX bytes once needed */
    disk_progress *progress;       /* the blocks moved (to 90%), the table grown (to 98%) */
};

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

static vhd_reader_code io_failed(struct resize *r, vhd_status status, const char *what,
                                 uint64_t offset)
{
    vhd_reader_fail(r->error, VHD_READER_IO, "%s at offset %llu failed: %s", what,
                    (unsigned long long)offset, vhd_status_message(status));
    if (r->error != NULL) {
        r->error->io_status = status;
        r->error->os_error = r->io->os_error;
    }
    return VHD_READER_IO;
}

static vhd_reader_code write_at(struct resize *r, uint64_t offset, const void *bytes, size_t len,
                                const char *what)
{
    vhd_status status = r->io->write_at(r->io, offset, bytes, len);
    return status == VHD_OK ? VHD_READER_OK : io_failed(r, status, what, offset);
}

static vhd_reader_code flush(struct resize *r, const char *what)
{
    vhd_status status = r->io->flush(r->io);
    return status == VHD_OK ? VHD_READER_OK : io_failed(r, status, what, 0);
}

static uint8_t *buffer(struct resize *r)
{
    if (r->buffer == NULL)
        r->buffer = r->allocate(RESIZE_BUFFER_MAX);
    return r->buffer;
}

/* The image's facts, the image closed again (its strings are not kept). */
static vhd_reader_code describe(struct resize *r, vhd_image_info *info, uint64_t *data_end)
{
    vhd_image *image;
    vhd_reader_code code = vhd_image_open(&image, r->io, &r->reader, r->error);
    if (code != VHD_READER_OK)
        return code;
    *info = *vhd_image_get_info(image);
    info->parent_name = NULL;
    *data_end = image->data_end;
    vhd_image_close(image);
    return VHD_READER_OK;
}

static bool marked_grow(const vhd_footer *footer, uint64_t *old_size)
{
    const uint8_t *mark = footer->reserved;
    if (memcmp(mark, VHD_RESIZE_MARKER, 8) != 0)
        return false;
    uint64_t size = 0;
    for (unsigned i = 0; i < 8; i++)
        size = size << 8 | mark[8 + i];
    *old_size = size;
    return true;
}

static void mark_grow(vhd_footer *footer, uint64_t old_size)
{
    memcpy(footer->reserved, VHD_RESIZE_MARKER, 8);
    for (unsigned i = 0; i < 8; i++)
        footer->reserved[8 + i] = (uint8_t)(old_size >> (56 - 8 * i));
}

/* The footer of the grown disk. The original size follows the current size: libvhdi (and
 * vhdiinfo, and the tools built on it) report the original size as the disk's. */
static vhd_footer resized_footer(const vhd_footer *old, uint64_t new_size)
{
    vhd_footer footer = *old;
    footer.current_size = new_size;
    footer.original_size = new_size;
    footer.disk_geometry = vhd_geometry_from_size(new_size);
    memset(footer.reserved, 0, sizeof footer.reserved);
    return footer;
}

/* Zeros over [offset, end) with the copy buffer. */
static vhd_reader_code write_zeros(struct resize *r, uint64_t offset, uint64_t end)
{
    uint8_t *zeros = buffer(r);
    if (zeros == NULL)
        return vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "no memory for a %u-byte buffer",
                               RESIZE_BUFFER_MAX);
    memset(zeros, 0, RESIZE_BUFFER_MAX);
    while (offset < end) {
        size_t chunk = end - offset < RESIZE_BUFFER_MAX ? (size_t)(end - offset)
                                                         : RESIZE_BUFFER_MAX;
        vhd_reader_code code = write_at(r, offset, zeros, chunk, "writing zeros");
        if (code != VHD_READER_OK)
            return code;
        offset += chunk;
    }
    return VHD_READER_OK;
}

/* Steps 2 and 3 of a fixed grow: the old footer's sector zeroed, the rest of the grown area
 * reserved, then the footer of the new size over the marked one at new_size. */
static vhd_reader_code finish_fixed(struct resize *r, const vhd_footer *old, uint64_t old_size,
                                    uint64_t new_size)
{
    uint8_t bytes[VHD_FOOTER_SIZE];
    vhd_reader_code code;

    memset(bytes, 0, sizeof bytes);
    if ((code = write_at(r, old_size, bytes, sizeof bytes, "zeroing the old footer"))
        != VHD_READER_OK)
        return code;
    uint64_t offset = old_size + VHD_FOOTER_SIZE;
    uint64_t step = vhd_fixed_allocation_step(r->io, new_size - old_size);
    while (offset < new_size && r->io->allocate != NULL) {
        uint64_t len = new_size - offset < step ? new_size - offset : step;
        vhd_status status = r->io->allocate(r->io, offset, len);
        if (status == VHD_E_NOT_SUPPORTED)
            break;
        if (status != VHD_OK)
            return io_failed(r, status, "reserving the grown data area", offset);
        offset += len;
    }
    if (offset < new_size && (code = write_zeros(r, offset, new_size)) != VHD_READER_OK)
        return code;
    if ((code = flush(r, "flushing the grown data area")) != VHD_READER_OK)
        return code;
    vhd_footer footer = resized_footer(old, new_size);
    vhd_footer_encode(&footer, bytes);
    if ((code = write_at(r, new_size, bytes, sizeof bytes, "writing the footer"))
        != VHD_READER_OK)
        return code;
    return flush(r, "flushing the footer");
}

static vhd_reader_code grow_fixed(struct resize *r, const vhd_image_info *info,
                                  uint64_t data_end, uint64_t new_size, bool dry_run)
{
    uint8_t bytes[VHD_FOOTER_SIZE];
    uint64_t old_size = info->footer.current_size;
    if (data_end != old_size)
        return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the fixed disk's footer is "
                               "at offset %llu, not right after its %llu bytes of data, so "
                               "growing it would leave a gap", (unsigned long long)data_end,
                               (unsigned long long)old_size);
    if (dry_run)
        return VHD_READER_OK;
    vhd_footer footer = info->footer;
    mark_grow(&footer, old_size);
    vhd_footer_encode(&footer, bytes);
    vhd_reader_code code = write_at(r, new_size, bytes, sizeof bytes,
                                    "writing the footer past the end");
    if (code == VHD_READER_OK)
        code = flush(r, "flushing the footer past the end");
    if (code == VHD_READER_OK)
        code = finish_fixed(r, &info->footer, old_size, new_size);
    return code;
}

/* The three footer writes of a dynamic disk's step 4 (or of finishing one). */
static vhd_reader_code write_dynamic_footers(struct resize *r, const vhd_footer *footer,
                                             uint64_t data_end)
{
    uint8_t bytes[VHD_FOOTER_SIZE], zeros[VHD_FOOTER_SIZE];
    vhd_reader_code code;
    memset(zeros, 0, sizeof zeros);
    vhd_footer_encode(footer, bytes);
    if ((code = write_at(r, 0, zeros, sizeof zeros, "zeroing the footer copy")) != VHD_READER_OK
        || (code = flush(r, "flushing the footer copy")) != VHD_READER_OK
        || (code = write_at(r, data_end, bytes, sizeof bytes, "writing the footer"))
               != VHD_READER_OK
        || (code = flush(r, "flushing the footer")) != VHD_READER_OK
        || (code = write_at(r, 0, bytes, sizeof bytes, "writing the footer copy"))
               != VHD_READER_OK)
        return code;
    return flush(r, "flushing the footer copy");
}

/* Finishes what an interrupted resize of a dynamic disk left: the footer at the end put back
 * from the copy (a crash while a block was copied), or the copy at 0 written again from the
 * footer (a crash in step 4). *changed says whether anything was written. */
static vhd_reader_code finish_dynamic(struct resize *r, const vhd_image_info *info,
                                      bool dry_run, bool *changed)
{
    uint8_t bytes[VHD_FOOTER_SIZE], copy[VHD_FOOTER_SIZE];
    vhd_reader_code code;
    vhd_footer_encode(&info->footer, bytes);
    *changed = false;
    if (info->footer_from_copy) {
        /* Past whatever the file holds: nothing the table refers to lies beyond data_end. */
        uint64_t at = round_up(info->file_size, VHD_SECTOR_SIZE);
        *changed = true;
        if (dry_run)
            return VHD_READER_OK;
        if ((code = write_at(r, at, bytes, sizeof bytes, "writing the footer")) != VHD_READER_OK)
            return code;
        return flush(r, "flushing the footer");
    }
    vhd_status status = r->io->read_at(r->io, 0, copy, sizeof copy);
    if (status != VHD_OK)
        return io_failed(r, status, "reading the footer copy", 0);
    if (memcmp(copy, bytes, sizeof bytes) == 0)
        return VHD_READER_OK;
    *changed = true;
    if (dry_run)
        return VHD_READER_OK;
    if ((code = write_at(r, 0, bytes, sizeof bytes, "writing the footer copy")) != VHD_READER_OK)
        return code;
    return flush(r, "flushing the footer copy");
}

/* Copies the block at entry `block` (bitmap and data, `len` bytes from `from`) to `to`, puts
 * the old disk's footer after it, flushes, then points the entry at the copy and flushes. */
static vhd_reader_code move_block(struct resize *r, vhd_bat *bat, uint32_t block, uint64_t from,
                                  uint64_t to, uint64_t len, const uint8_t footer[VHD_FOOTER_SIZE])
{
    uint8_t *copy = buffer(r);
    vhd_reader_code code;
    if (copy == NULL)
        return vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "no memory for a %u-byte buffer",
                               RESIZE_BUFFER_MAX);
    for (uint64_t done = 0; done < len;) {
        size_t chunk = len - done < RESIZE_BUFFER_MAX ? (size_t)(len - done) : RESIZE_BUFFER_MAX;
        vhd_status status = r->io->read_at(r->io, from + done, copy, chunk);
        if (status != VHD_OK)
            return io_failed(r, status, "reading a block to move", from + done);
        if ((code = write_at(r, to + done, copy, chunk, "copying a block")) != VHD_READER_OK)
            return code;
        done += chunk;
    }
    if ((code = write_at(r, to + len, footer, VHD_FOOTER_SIZE, "writing the footer"))
            != VHD_READER_OK
        || (code = flush(r, "flushing a moved block")) != VHD_READER_OK)
        return code;
    vhd_status status = vhd_bat_set(bat, block, (uint32_t)(to / VHD_SECTOR_SIZE));
    if (status == VHD_OK)
        status = vhd_bat_write_back(bat);
    if (status != VHD_OK)
        return io_failed(r, status, "pointing the table at a moved block", bat->table_offset);
    return flush(r, "flushing the table");
}

/* The entries below `entries` (the disk's blocks) whose block starts before table_end (the
 * grown table's end), into *list. */
static vhd_reader_code blocks_in_the_way(struct resize *r, vhd_bat *bat, uint32_t entries,
                                         uint64_t old_end, uint64_t table_end,
                                         uint64_t block_bytes, uint32_t **list, uint32_t *count)
{
    uint64_t max = (table_end - old_end) / block_bytes + 2;
    uint32_t *found = r->allocate((size_t)max * sizeof *found);
    uint32_t n = 0;
    if (found == NULL)
        return vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "no memory for the list of "
                               "blocks to move");
    for (uint32_t i = 0; i < entries; i++) {
        uint32_t entry;
        vhd_status status = vhd_bat_get(bat, i, &entry);
        if (status != VHD_OK) {
            r->release(found);
            return io_failed(r, status, "reading the block allocation table", bat->table_offset);
        }
        if (entry == VHD_BAT_ENTRY_UNUSED || (uint64_t)entry * VHD_SECTOR_SIZE >= table_end)
            continue;
        if (n == max) {
            r->release(found);
            return vhd_reader_fail(r->error, VHD_READER_BAD_BAT, "more blocks lie after the "
                                   "table than fit there: two table entries share a block");
        }
        found[n++] = i;
    }
    *list = found;
    *count = n;
    return VHD_READER_OK;
}

/* Entries the old size did not use but the new one does must say "unused": the grown part
 * reads as zeros even when a table was longer than its disk and held something there. */
static vhd_reader_code clear_stale_entries(struct resize *r, const vhd_image_info *info,
                                           uint64_t entries)
{
    const vhd_dynamic_header *h = &info->header;
    uint32_t end = entries < h->max_table_entries ? (uint32_t)entries : h->max_table_entries;
    bool changed = false;
    vhd_bat bat;
    vhd_bat_init(&bat, r->io, h->table_offset, h->max_table_entries);
    for (uint32_t i = info->blocks; i < end; i++) {
        uint32_t entry;
        vhd_status status = vhd_bat_get(&bat, i, &entry);
        if (status == VHD_OK && entry != VHD_BAT_ENTRY_UNUSED) {
            status = vhd_bat_set(&bat, i, VHD_BAT_ENTRY_UNUSED);
            changed = true;
        }
        if (status != VHD_OK)
            return io_failed(r, status, "clearing the table's entries past the old size",
                             h->table_offset);
    }
    if (!changed)
        return VHD_READER_OK;
    vhd_status status = vhd_bat_write_back(&bat);
    if (status != VHD_OK)
        return io_failed(r, status, "clearing the table's entries past the old size",
                         h->table_offset);
    return flush(r, "flushing the block allocation table");
}

/* The sector bitmap bits of the last old block past the old size cleared: a writer may have
 * set them (nothing the old disk shows), and the grown disk must read zeros there. */
static vhd_reader_code clear_tail_bits(struct resize *r, const vhd_image_info *info)
{
    const vhd_dynamic_header *h = &info->header;
    uint64_t size = info->footer.current_size;
    uint32_t block = (uint32_t)(size / h->block_size), entry, first;
    uint8_t bits[VHD_SECTOR_SIZE];
    vhd_bat bat;
    if (size % h->block_size == 0)
        return VHD_READER_OK;
    vhd_bat_init(&bat, r->io, h->table_offset, h->max_table_entries);
    vhd_status status = vhd_bat_get(&bat, block, &entry);
    if (status != VHD_OK)
        return io_failed(r, status, "reading the block allocation table", h->table_offset);
    if (entry == VHD_BAT_ENTRY_UNUSED)
        return VHD_READER_OK;
    first = (uint32_t)(size % h->block_size / VHD_SECTOR_SIZE);
    /* One bitmap sector (4096 bits) at a time: bit n is sector n of the block, most
     * significant bit first. */
    for (uint32_t at = first / 4096 * 4096; at < info->sectors_per_block; at += 4096) {
        uint64_t offset = (uint64_t)entry * VHD_SECTOR_SIZE + at / 8;
        bool changed = false;
        if ((status = r->io->read_at(r->io, offset, bits, sizeof bits)) != VHD_OK)
            return io_failed(r, status, "reading a sector bitmap", offset);
        for (uint32_t n = at > first ? at : first; n < at + 4096 && n < info->sectors_per_block;
             n++) {
            uint8_t mask = (uint8_t)(0x80u >> (n % 8));
            if (bits[(n - at) / 8] & mask) {
                bits[(n - at) / 8] &= (uint8_t)~mask;
                changed = true;
            }
        }
        vhd_reader_code code;
        if (changed && (code = write_at(r, offset, bits, sizeof bits, "clearing a sector bitmap"))
                           != VHD_READER_OK)
            return code;
    }
    return VHD_READER_OK;
}

static vhd_reader_code grow_dynamic(struct resize *r, const vhd_image_info *info,
                                    uint64_t data_end, uint64_t new_size, bool dry_run,
                                    vhd_resize_report *report)
{
    const vhd_dynamic_header *h = &info->header;
    uint64_t entries = (new_size + h->block_size - 1) / h->block_size;
    uint8_t footer_bytes[VHD_FOOTER_SIZE];
    vhd_reader_code code = VHD_READER_OK;
    vhd_footer footer = resized_footer(&info->footer, new_size);

    vhd_footer_encode(&info->footer, footer_bytes);
    if (entries > h->max_table_entries) {
        vhd_block_geometry geometry;
        vhd_bat bat;
        uint32_t *list = NULL, count = 0;
        uint64_t old_end = h->table_offset + (uint64_t)h->max_table_entries * 4;
        uint64_t table_end = h->table_offset + round_up(entries * 4, VHD_SECTOR_SIZE);
        uint64_t block_bytes = (uint64_t)info->bitmap_size + h->block_size;

        vhd_block_geometry_from_info(info, &geometry);
        if (info->footer.data_offset < table_end
            && info->footer.data_offset + VHD_DYNAMIC_HEADER_SIZE > old_end)
            return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the dynamic disk header "
                                   "at offset %llu lies where the block allocation table must "
                                   "grow", (unsigned long long)info->footer.data_offset);
        for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
            const vhd_parent_locator *l = &h->parent_locator[i];
            if (l->platform_code != 0 && l->platform_data_offset < table_end
                && l->platform_data_offset >= old_end)
                return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "parent locator %u "
                                       "lies where the block allocation table must grow", i);
        }
        vhd_bat_init(&bat, r->io, h->table_offset, h->max_table_entries);
        if ((code = blocks_in_the_way(r, &bat, info->blocks, old_end, table_end, block_bytes,
                                      &list, &count)) != VHD_READER_OK)
            return code;
        report->blocks_moved = count;
        uint64_t end = data_end > table_end ? data_end : table_end;
        uint64_t last = vhd_next_block_bitmap(&geometry, end)
                        + (uint64_t)count * round_up(block_bytes + VHD_FOOTER_SIZE, 4096);
        if (last / VHD_SECTOR_SIZE >= VHD_BAT_ENTRY_UNUSED)
            code = vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the blocks to move would "
                                   "lie past the 2 TiB a table entry can address");
        for (uint32_t i = 0; i < count && code == VHD_READER_OK && !dry_run; i++) {
            uint32_t entry;
            vhd_status status = vhd_bat_get(&bat, list[i], &entry);
            if (status != VHD_OK) {
                code = io_failed(r, status, "reading the block allocation table",
                                 h->table_offset);
                break;
            }
            uint64_t to = vhd_next_block_bitmap(&geometry, end);
            code = move_block(r, &bat, list[i], (uint64_t)entry * VHD_SECTOR_SIZE, to,
                              block_bytes, footer_bytes);
            end = data_end = to + block_bytes;
            disk_progress_step(r->progress, i + 1, count, 0, 90);
        }
        r->release(list);
        if (code != VHD_READER_OK || dry_run)
            return code;
        if (data_end < table_end) {
            /* Step 2: the footer out of the table's way. */
            data_end = vhd_next_block_bitmap(&geometry, table_end);
            if ((code = write_at(r, data_end, footer_bytes, sizeof footer_bytes,
                                 "moving the footer")) != VHD_READER_OK
                || (code = flush(r, "flushing the moved footer")) != VHD_READER_OK)
                return code;
        }
        /* Step 3: the new entries, then the header that counts them. */
        uint8_t *unused = buffer(r);
        if (unused == NULL)
            return vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "no memory for a %u-byte "
                                   "buffer", RESIZE_BUFFER_MAX);
        memset(unused, 0xFF, RESIZE_BUFFER_MAX);
        for (uint64_t at = old_end; at < table_end;) {
            size_t chunk = table_end - at < RESIZE_BUFFER_MAX ? (size_t)(table_end - at)
                                                               : RESIZE_BUFFER_MAX;
            if ((code = write_at(r, at, unused, chunk, "extending the block allocation table"))
                != VHD_READER_OK)
                return code;
            at += chunk;
            disk_progress_step(r->progress, at - old_end, table_end - old_end, 90, 98);
        }
        if ((code = flush(r, "flushing the block allocation table")) != VHD_READER_OK)
            return code;
        vhd_dynamic_header header = *h;
        uint8_t header_bytes[VHD_DYNAMIC_HEADER_SIZE];
        header.max_table_entries = (uint32_t)entries;
        vhd_dynamic_header_encode(&header, header_bytes);
        if ((code = write_at(r, info->footer.data_offset, header_bytes, sizeof header_bytes,
                             "writing the dynamic disk header")) != VHD_READER_OK
            || (code = flush(r, "flushing the dynamic disk header")) != VHD_READER_OK)
            return code;
    }
    if (dry_run)
        return VHD_READER_OK;
    if ((code = clear_stale_entries(r, info, entries)) != VHD_READER_OK
        || (code = clear_tail_bits(r, info)) != VHD_READER_OK)
        return code;
    return write_dynamic_footers(r, &footer, data_end);
}

/* A shrink: the sectors from new_size on are given up (the caller has checked that nothing the
 * guest laid out lies there). A fixed disk: the new footer at new_size, flush (the file is
 * still the old disk, its footer at the end), then the file cut after it, flush. A dynamic
 * disk: only the footers change (step 4 of a grow); its table keeps its length (a table longer
 * than its disk is valid, and a later grow clears the entries and sector bits past the size),
 * and the blocks past the new end are left in the file, unused. */
static vhd_reader_code shrink(struct resize *r, const vhd_image_info *info, uint64_t data_end,
                              uint64_t new_size, bool dry_run)
{
    uint8_t bytes[VHD_FOOTER_SIZE];
    vhd_footer footer = resized_footer(&info->footer, new_size);
    vhd_reader_code code;
    if (info->footer.disk_type != VHD_DISK_TYPE_FIXED)
        return dry_run ? VHD_READER_OK : write_dynamic_footers(r, &footer, data_end);
    if (data_end != info->footer.current_size)
        return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the fixed disk's footer is "
                               "at offset %llu, not right after its %llu bytes of data",
                               (unsigned long long)data_end,
                               (unsigned long long)info->footer.current_size);
    if (r->io->set_size == NULL)
        return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the file cannot be cut here");
    if (dry_run)
        return VHD_READER_OK;
    vhd_footer_encode(&footer, bytes);
    if ((code = write_at(r, new_size, bytes, sizeof bytes, "writing the new footer"))
            != VHD_READER_OK
        || (code = flush(r, "flushing the new footer")) != VHD_READER_OK)
        return code;
    vhd_status status = r->io->set_size(r->io, new_size + VHD_FOOTER_SIZE);
    if (status != VHD_OK)
        return io_failed(r, status, "cutting the file after the new footer",
                         new_size + VHD_FOOTER_SIZE);
    return flush(r, "flushing the cut file");
}

static vhd_reader_code resize(struct resize *r, uint64_t new_size, bool dry_run,
                              vhd_resize_report *report)
{
    vhd_image_info info;
    uint64_t data_end, old_size;
    vhd_reader_code code = describe(r, &info, &data_end);
    if (code != VHD_READER_OK)
        return code;
    report->old_size = info.footer.current_size;
    if (info.footer.disk_type == VHD_DISK_TYPE_DIFFERENCING)
        return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "a differencing VHD cannot be "
                               "resized (Windows refuses it too): its size is its parent's; "
                               "convert it or merge it first");
    if (info.footer.saved_state)
        return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the disk is in a saved "
                               "state, which the format forbids resizing");

    /* An interrupted resize is finished first, whatever size is asked now. */
    if (info.footer.disk_type == VHD_DISK_TYPE_FIXED && marked_grow(&info.footer, &old_size)) {
        /* The grow to data_end (where the marked footer lies) was interrupted. */
        if (old_size != info.footer.current_size || data_end <= old_size
            || data_end % VHD_SECTOR_SIZE != 0 || data_end > VHD_MAX_SIZE)
            return vhd_reader_fail(r->error, VHD_READER_BAD_FIELD, "the footer carries vsdisk's "
                                   "mark of an interrupted grow from %llu bytes, which does not "
                                   "fit the disk", (unsigned long long)old_size);
        report->finished_earlier = true;
        if (dry_run)
            return VHD_READER_OK;
        if ((code = finish_fixed(r, &info.footer, old_size, data_end)) != VHD_READER_OK)
            return code;
        if ((code = describe(r, &info, &data_end)) != VHD_READER_OK)
            return code;
    } else if (info.footer.disk_type == VHD_DISK_TYPE_DYNAMIC) {
        bool changed;
        if ((code = finish_dynamic(r, &info, dry_run, &changed)) != VHD_READER_OK)
            return code;
        report->finished_earlier = changed;
        if (changed && !dry_run && (code = describe(r, &info, &data_end)) != VHD_READER_OK)
            return code;
    }

    uint64_t size = info.footer.current_size;
    if (new_size == size)
        return VHD_READER_OK;
    if (new_size < size)
        return shrink(r, &info, data_end, new_size, dry_run);
    if (info.footer.disk_type == VHD_DISK_TYPE_FIXED)
        return grow_fixed(r, &info, data_end, new_size, dry_run);
    return grow_dynamic(r, &info, data_end, new_size, dry_run, report);
}

vhd_reader_code vhd_resize(vhd_io *io, uint64_t new_size, bool dry_run,
                           const vhd_reader_options *options, disk_progress *progress,
                           vhd_resize_report *report, vhd_reader_error *error)
{
    struct resize r = { .io = io, .error = error, .progress = progress };
    r.allocate = options != NULL && options->allocate != NULL ? options->allocate : malloc;
    r.release = options != NULL && options->release != NULL ? options->release : free;
    r.reader.allocate = r.allocate;
    r.reader.release = r.release;
    memset(report, 0, sizeof *report);
    report->new_size = new_size;
    if (new_size % VHD_SECTOR_SIZE != 0 || new_size < VHD_MIN_SIZE || new_size > VHD_MAX_SIZE)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "%llu bytes is not a VHD size: "
                               "a whole number of 512-byte sectors from 3 MiB to 2040 GiB",
                               (unsigned long long)new_size);
    vhd_reader_code code = resize(&r, new_size, dry_run, report);
    if (r.buffer != NULL)
        r.release(r.buffer);
    return code;
}
