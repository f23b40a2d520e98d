#include "vhdx_write_common.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(vhdx_progress *progress, unsigned percent)
{
    if (percent <= progress->reported)
        return;
    progress->reported = percent;
    if (progress->options->progress != NULL)
        progress->options->progress(progress->options->ctx, percent);
}

void vhdx_progress_init(vhdx_progress *progress, const vhdx_create_options *options,
                        uint64_t total)
{
    progress->options = options;
    progress->total = total ? total : 1;
    progress->done = 0;
    progress->reported = 0;
}

void vhdx_progress_advance(vhdx_progress *progress, uint64_t done)
{
    progress->done += done;
    /* done * 100 cannot overflow: a fixed 64 TiB disk with its metadata stays below 2^47. */
    uint64_t percent = progress->done * 100 / progress->total;
    report(progress, percent > 99 ? 99 : (unsigned)percent);
}

void vhdx_progress_complete(vhdx_progress *progress)
{
    report(progress, 100);
}

bool vhdx_cancel_requested(const vhdx_create_options *options)
{
    return options->cancelled != NULL && options->cancelled(options->ctx);
}

uint8_t *vhdx_buffer_acquire(const vhdx_create_options *options, size_t *size)
{
    size_t buffer_size = options->buffer_max && options->buffer_max < VHDX_CREATE_BUFFER_MAX
                             ? options->buffer_max : VHDX_CREATE_BUFFER_MAX;
    if (buffer_size < VHDX_CREATE_BUFFER_MIN)
        buffer_size = VHDX_CREATE_BUFFER_MIN;
    *size = buffer_size;
    return options->allocate ? options->allocate(buffer_size) : malloc(buffer_size);
}

void vhdx_buffer_release(const vhdx_create_options *options, void *buffer)
{
    if (options->release)
        options->release(buffer);
    else
        free(buffer);
}

void vhdx_window_put(uint64_t window, uint8_t *buf, size_t len, uint64_t at, const void *src,
                     size_t n)
{
    uint64_t from = at > window ? at : window;
    uint64_t to = at + n < window + len ? at + n : window + len;
    if (from >= to)
        return;
    memcpy(buf + (from - window), (const uint8_t *)src + (from - at), (size_t)(to - from));
}

/* ---- The parent locator ------------------------------------------------------------------ */

#define LOCATOR_MAX_PAIRS 5u
#define LINKAGE_UNITS 38u   /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */

/* parent_linkage in lower case, braced: as MS-VHDX's example writes it, and the only form
 * libvhdi (20210425) reads; readers are to compare it without regard to case. */
static void format_linkage(const vhdx_guid *guid, char out[39])
{
    const uint8_t *b = guid->bytes;
    snprintf(out, 39, "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* The key-value pairs the child records, in the order they are stored. */
struct locator_pair {
    const char *key;           /* ASCII */
    const uint16_t *units;     /* the value, UTF-16; NULL: the ASCII text below */
    const char *text;
    size_t length;             /* code units of the value */
};

static unsigned locator_pairs(const vhdx_parent_facts *parent, char linkage[78],
                              struct locator_pair pairs[LOCATOR_MAX_PAIRS])
{
    unsigned count = 0;
    format_linkage(&parent->data_write_guid, linkage);
    pairs[count++] = (struct locator_pair){ "parent_linkage", NULL, linkage, LINKAGE_UNITS };
    if (parent->has_data_write_guid2) {
        format_linkage(&parent->data_write_guid2, linkage + 39);
        pairs[count++] = (struct locator_pair){ "parent_linkage2", NULL, linkage + 39,
                                                LINKAGE_UNITS };
    }
    if (parent->relative_length != 0)
        pairs[count++] = (struct locator_pair){ "relative_path", parent->relative_path, NULL,
                                                parent->relative_length };
    if (parent->volume_length != 0)
        pairs[count++] = (struct locator_pair){ "volume_path", parent->volume_path, NULL,
                                                parent->volume_length };
    if (parent->absolute_win32_length != 0)
        pairs[count++] = (struct locator_pair){ "absolute_win32_path", parent->absolute_win32_path,
                                                NULL, parent->absolute_win32_length };
    return count;
}

uint32_t vhdx_locator_length(const vhdx_parent_facts *parent)
{
    char linkage[78];
    struct locator_pair pairs[LOCATOR_MAX_PAIRS];
    unsigned count = locator_pairs(parent, linkage, pairs);
    /* Paths are checked first (at most 32,767 units each), so this stays far below 1 MiB. */
    uint64_t length = VHDX_PARENT_LOCATOR_HEADER_SIZE + (uint64_t)count * VHDX_PARENT_LOCATOR_ENTRY_SIZE;
    for (unsigned i = 0; i < count; i++)
        length += 2 * (strlen(pairs[i].key) + pairs[i].length);
    return (uint32_t)length;
}

/* Puts count units of a string (UTF-16, or ASCII when units is NULL) as UTF-16LE at `at`,
 * a few at a time, so a path never needs a copy of its own. */
static void put_string(const uint16_t *units, const char *text, size_t count, uint64_t at,
                       uint64_t window, uint8_t *buf, size_t len)
{
    uint8_t bytes[128];
    for (size_t done = 0; done < count; ) {
        size_t n = count - done < sizeof bytes / 2 ? count - done : sizeof bytes / 2;
        uint64_t piece = at + 2 * done;
        if (piece >= window + len)
            return;
        if (piece + 2 * n > window) {
            for (size_t i = 0; i < n; i++) {
                uint16_t unit = units ? units[done + i] : (uint8_t)text[done + i];
                vhdx_put16(bytes + 2 * i, unit);
            }
            vhdx_window_put(window, buf, len, piece, bytes, 2 * n);
        }
        done += n;
    }
}

void vhdx_locator_put(const vhdx_parent_facts *parent, uint64_t at, uint64_t window,
                      uint8_t *buf, size_t len)
{
    char linkage[78];
    struct locator_pair pairs[LOCATOR_MAX_PAIRS];
    unsigned count = locator_pairs(parent, linkage, pairs);
    vhdx_parent_locator_header header;
    uint8_t bytes[VHDX_PARENT_LOCATOR_HEADER_SIZE];

    memset(&header, 0, sizeof header);
    header.locator_type = vhdx_guid_vhdx_locator_type;
    header.key_value_count = (uint16_t)count;
    vhdx_parent_locator_header_encode(&header, bytes);
    vhdx_window_put(window, buf, len, at, bytes, VHDX_PARENT_LOCATOR_HEADER_SIZE);

    /* Keys and values follow the entries: key 1, value 1, key 2, ... */
    uint32_t data = VHDX_PARENT_LOCATOR_HEADER_SIZE + count * VHDX_PARENT_LOCATOR_ENTRY_SIZE;
    for (unsigned i = 0; i < count; i++) {
        size_t key_units = strlen(pairs[i].key);
        vhdx_parent_locator_entry entry = {
            .key_offset = data,
            .value_offset = data + (uint32_t)(2 * key_units),
            .key_length = (uint16_t)(2 * key_units),
            .value_length = (uint16_t)(2 * pairs[i].length),
        };
        vhdx_parent_locator_entry_encode(&entry, bytes);
        vhdx_window_put(window, buf, len,
                        at + VHDX_PARENT_LOCATOR_HEADER_SIZE + i * VHDX_PARENT_LOCATOR_ENTRY_SIZE,
                        bytes, VHDX_PARENT_LOCATOR_ENTRY_SIZE);
        put_string(NULL, pairs[i].key, key_units, at + entry.key_offset, window, buf, len);
        put_string(pairs[i].units, pairs[i].text, pairs[i].length, at + entry.value_offset,
                   window, buf, len);
        data = entry.value_offset + entry.value_length;
    }
}

/* ---- The commit-ordered writer ------------------------------------------------------------ */

/* Where the tail a new dynamic or differencing disk holds as zeros begins: the metadata
 * region after its items, then the BAT (every entry NOT_PRESENT, sector bitmaps too). */
static uint64_t zero_tail_start(const vhdx_layout *layout)
{
    uint64_t items_end = VHDX_LAYOUT_ITEMS_OFFSET;
    for (unsigned i = 0; i < layout->item_count; i++)
        if ((uint64_t)layout->items[i].offset + layout->items[i].length > items_end)
            items_end = (uint64_t)layout->items[i].offset + layout->items[i].length;
    return VHDX_LAYOUT_METADATA_OFFSET + items_end;
}

vhd_status vhdx_write_prefix(vhd_io *io, const vhdx_layout *layout,
                             const vhdx_layout_content *content,
                             const vhdx_create_options *options, vhdx_progress *progress,
                             uint8_t *buffer, size_t buffer_size)
{
    /* A dynamic or differencing disk's zero tail (16 MiB of BAT for 64 TiB) is not written:
     * the file is extended over it with its space reserved, reading as zeros, never a hole
     * (Windows refuses sparse VHDX files): set_size where that reserves (SetEndOfFile on
     * NTFS), else allocate (fallocate), else set_size. A fixed disk is written whole. */
    uint64_t end = layout->data_offset;
    if (layout->kind != VHDX_LAYOUT_FIXED && io->set_size != NULL)
        end = zero_tail_start(layout);
    for (uint64_t offset = 0; offset < end; ) {
        size_t chunk = end - offset < buffer_size ? (size_t)(end - offset) : buffer_size;
        if (vhdx_cancel_requested(options))
            return VHD_E_CANCELLED;
        vhdx_layout_fill(layout, content, offset, buffer, chunk);
        vhd_status status = io->write_at(io, offset, buffer, chunk);
        if (status != VHD_OK)
            return status;
        offset += chunk;
        if (progress != NULL)
            vhdx_progress_advance(progress, chunk);
    }
    if (end == layout->data_offset)
        return VHD_OK;
    vhd_status status = io->allocate != NULL && !io->set_size_allocates
                            ? io->allocate(io, end, layout->data_offset - end)
                            : VHD_E_NOT_SUPPORTED;
    if (status == VHD_E_NOT_SUPPORTED)
        status = io->set_size(io, layout->data_offset);
    if (status == VHD_OK && progress != NULL)
        vhdx_progress_advance(progress, layout->data_offset - end);
    return status;
}

vhd_status vhdx_write_commit(vhd_io *io, const vhdx_create_options *options,
                             vhdx_progress *progress, uint8_t *buffer)
{
    vhd_status status = io->flush(io);
    if (status != VHD_OK)
        return status;
    /* Last chance to cancel: after the headers' write the disk is complete. */
    if (vhdx_cancel_requested(options))
        return VHD_E_CANCELLED;
    vhdx_layout_headers(options, buffer);
    status = io->write_at(io, VHDX_LAYOUT_COMMIT_OFFSET, buffer, VHDX_LAYOUT_COMMIT_SIZE);
    if (status != VHD_OK)
        return status;
    if (progress != NULL)
        vhdx_progress_advance(progress, VHDX_LAYOUT_COMMIT_SIZE);
    return io->flush(io);
}

vhd_status vhdx_write_file(vhd_io *io, const vhdx_layout *layout, const vhdx_guid *virtual_disk_id,
                           const vhdx_parent_facts *parent, const vhdx_create_options *options,
                           vhdx_reserve_fn reserve_data)
{
    vhd_status status;
    size_t buffer_size;
    vhdx_progress progress;
    vhdx_layout_content content;
    uint8_t *buffer = vhdx_buffer_acquire(options, &buffer_size);

    if (buffer == NULL) {
        status = VHD_E_NO_MEMORY;
        goto fail;
    }
    memset(&content, 0, sizeof content);
    content.virtual_disk_id = *virtual_disk_id;
    content.parent = parent;
    vhdx_layout_region_table(layout, &content, buffer);
    vhdx_progress_init(&progress, options, layout->file_size + VHDX_LAYOUT_COMMIT_SIZE);

    status = vhdx_write_prefix(io, layout, &content, options, &progress, buffer, buffer_size);
    if (status != VHD_OK)
        goto fail;
    if (reserve_data != NULL) {
        status = reserve_data(io, options, layout, &progress, buffer, buffer_size);
        if (status != VHD_OK)
            goto fail;
    }
    status = vhdx_write_commit(io, options, &progress, buffer);
    if (status != VHD_OK)
        goto fail;
    status = io->close(io);
    if (status != VHD_OK)
        goto fail;
    vhdx_buffer_release(options, buffer);
    vhdx_progress_complete(&progress);
    return VHD_OK;

fail:
    if (buffer != NULL)
        vhdx_buffer_release(options, buffer);
    /* remove() closes the file first if it is still open (a failed close has closed it). */
    io->remove(io);
    return status;
}
