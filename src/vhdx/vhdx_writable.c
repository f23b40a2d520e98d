/* Opening a VHDX for change: the header updates and the on-disk replay of a pending log
 * (vhdx_writable.h says in what order and why it is crash-safe). */
#include "vhdx_writable_internal.h"

#include <stdlib.h>
#include <string.h>
#include "vhdx_reader_internal.h"

void vhdx_writable_new_guid(vhdx_writable *w, vhdx_guid *guid)
{
    uint8_t random[16];
    w->random(w->ctx, random);
    memcpy(guid->bytes, random, 16);
    /* Version 4 (the top of Data3, stored little-endian: byte 7) and the RFC 4122 variant. */
    guid->bytes[7] = (uint8_t)((guid->bytes[7] & 0x0F) | 0x40);
    guid->bytes[8] = (uint8_t)((guid->bytes[8] & 0x3F) | 0x80);
}

vhdx_reader_code vhdx_writable_fail_write(vhdx_reader_error *error, vhd_io *io,
                                          vhd_status status, const char *what, uint64_t offset)
{
    if (status == VHD_E_NO_MEMORY)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory writing the %s",
                                what);
    vhdx_reader_fail(error, VHDX_READER_IO, "writing the %s at offset %llu failed: %s", what,
                     (unsigned long long)offset, vhd_status_message(status));
    if (error != NULL) {
        error->io_status = status;
        error->os_error = io != NULL ? io->os_error : 0;
    }
    return VHDX_READER_IO;
}

vhdx_reader_code vhdx_writable_flush(vhdx_writable *w, const char *what, vhdx_reader_error *error)
{
    vhd_status status = w->io->flush(w->io);
    if (status != VHD_OK) {
        vhdx_reader_fail(error, VHDX_READER_IO, "flushing the %s failed: %s", what,
                         vhd_status_message(status));
        if (error != NULL) {
            error->io_status = status;
            error->os_error = w->io->os_error;
        }
        return VHDX_READER_IO;
    }
    w->report.flushes++;
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_writable_update_header(vhdx_writable *w, vhdx_header *next,
                                             vhdx_reader_error *error)
{
    uint8_t bytes[VHDX_HEADER_SIZE];
    unsigned slot = w->slot == 1 ? 2 : 1;
    uint64_t offset = slot == 1 ? VHDX_HEADER1_OFFSET : VHDX_HEADER2_OFFSET;
    if (w->header.sequence_number == UINT64_MAX)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "the header's SequenceNumber is at its largest value");
    memcpy(next->signature, VHDX_SIGNATURE_HEADER, 4);
    next->sequence_number = w->header.sequence_number + 1;
    vhdx_header_encode(next, bytes);
    vhd_status status = w->io->write_at(w->io, offset, bytes, sizeof bytes);
    if (status != VHD_OK)
        return vhdx_writable_fail_write(error, w->io, status, "header", offset);
    vhdx_reader_code code = vhdx_writable_flush(w, "header", error);
    if (code != VHDX_READER_OK)
        return code;
    w->header = *next;
    w->slot = slot;
    w->report.header_updates++;
    return VHDX_READER_OK;
}

/* Writes every descriptor of the replayed log in place, in log order (a later one wins, as in
 * the reader's overlay), after growing the file to the size the replay gives it; then flushes.
 * Zero ranges are written only where the file was (past it the growth reads as zeros), so the
 * work is bounded by the file's size and the log's, whatever the log claims. */
static vhdx_reader_code replay_on_disk(vhdx_writable *w, vhdx_image *image,
                                       vhdx_reader_error *error)
{
    const struct vhdx_overlay *o = image->overlay;
    vhd_io *io = w->io;
    uint8_t *sector = w->entry;
    uint8_t *zeros = w->entry + VHDX_LOG_SECTOR_SIZE;
    uint64_t old_size = w->file_size;
    vhd_status status;

    memset(zeros, 0, VHDX_WRITABLE_ZERO_BUFFER);
    if (o->size > w->file_size) {
        if (io->set_size == NULL)
            return vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                    "the log grows the file to %llu bytes, and this file cannot "
                                    "be grown", (unsigned long long)o->size);
        if ((status = io->set_size(io, o->size)) != VHD_OK)
            return vhdx_writable_fail_write(error, io, status, "file's new end", o->size);
        w->file_size = o->size;
    }
    for (size_t i = 0; i < o->record_count; i++) {
        const struct vhdx_log_record *r = &o->records[i];
        if (r->log_position == UINT64_MAX) {
            uint64_t end = r->file_offset + r->length < old_size ? r->file_offset + r->length
                                                                 : old_size;
            for (uint64_t at = r->file_offset; at < end;) {
                size_t n = end - at < VHDX_WRITABLE_ZERO_BUFFER ? (size_t)(end - at)
                                                                 : VHDX_WRITABLE_ZERO_BUFFER;
                if ((status = io->write_at(io, at, zeros, n)) != VHD_OK)
                    return vhdx_writable_fail_write(error, io, status, "zeros of the log", at);
                at += n;
            }
            w->report.replayed_zero_bytes += r->length;
            continue;
        }
        uint64_t at = o->log_offset + r->log_position % o->log_length;
        if ((status = io->read_at(io, at, sector, VHDX_LOG_SECTOR_SIZE)) != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "log data sector", at);
        /* The data sector holds bytes 8-4091 in place; the descriptor the first 8, last 4. */
        memcpy(sector, r->leading, 8);
        memcpy(sector + 4092, r->trailing, 4);
        if ((status = io->write_at(io, r->file_offset, sector, VHDX_LOG_SECTOR_SIZE)) != VHD_OK)
            return vhdx_writable_fail_write(error, io, status, "sector replayed from the log",
                                            r->file_offset);
        w->report.replayed_sectors++;
    }
    return vhdx_writable_flush(w, "replayed log", error);
}

vhdx_reader_code vhdx_writable_open(vhdx_writable **writable, vhd_io *io,
                                    const vhdx_writable_options *options,
                                    vhdx_reader_error *error)
{
    return vhdx_writable_open_listing(writable, io, options, NULL, NULL, error);
}

vhdx_reader_code vhdx_writable_open_listing(vhdx_writable **writable, vhd_io *io,
                                            const vhdx_writable_options *options,
                                            vhdx_bad_block_sink bad_block, void *ctx,
                                            vhdx_reader_error *error)
{
    vhdx_reader_options reader = { options ? options->allocate : NULL,
                                   options ? options->release : NULL };
    vhdx_image *image = NULL;
    vhdx_writable *w = NULL;
    vhdx_reader_code code;
    vhdx_header next;

    *writable = NULL;
    if (options == NULL || options->random == NULL)
        return vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                "no source of random GUIDs to change the disk with");
    if ((code = vhdx_image_open_listing(&image, io, &reader, bad_block, ctx, error))
        != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    if (info->header.log_length == 0) {
        code = vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                "the file has no log (LogLength 0), so it cannot be changed "
                                "safely in place");
        goto fail;
    }
    w = reader.allocate ? reader.allocate(sizeof *w) : malloc(sizeof *w);
    if (w == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory opening the disk");
        goto fail;
    }
    memset(w, 0, sizeof *w);
    w->allocate = reader.allocate;
    w->release = reader.release;
    w->entry = w->allocate ? w->allocate(VHDX_LOG_WRITE_ENTRY_MAX)
                           : malloc(VHDX_LOG_WRITE_ENTRY_MAX);
    if (w->entry == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the log");
        goto fail;
    }
    w->io = io;
    w->random = options->random;
    w->ctx = options->ctx;
    w->header = info->header;
    w->slot = info->current_header;
    w->file_size = info->file_size;
    w->next_sequence = info->log.state == VHDX_LOG_REPLAYED_IN_MEMORY
                           ? info->log.last_sequence + 1 : 1;
    if (w->next_sequence == 0)
        w->next_sequence = 1;

    /* Before any other write: a new FileWriteGuid, in both slots. LogGuid is kept, so a crash
     * from here on still finds the pending log and replays it. */
    next = w->header;
    vhdx_writable_new_guid(w, &next.file_write_guid);
    if ((code = vhdx_writable_update_header(w, &next, error)) != VHDX_READER_OK)
        goto fail;
    next = w->header;
    if ((code = vhdx_writable_update_header(w, &next, error)) != VHDX_READER_OK)
        goto fail;

    if (info->log.state == VHDX_LOG_REPLAYED_IN_MEMORY) {
        if ((code = replay_on_disk(w, image, error)) != VHDX_READER_OK)
            goto fail;
        w->report.replayed = true;
        /* The replayed entries are in place and flushed: the log is empty again. */
        next = w->header;
        memset(&next.log_guid, 0, sizeof next.log_guid);
        if ((code = vhdx_writable_update_header(w, &next, error)) != VHDX_READER_OK)
            goto fail;
    }
    vhdx_image_close(image);
    *writable = w;
    return VHDX_READER_OK;

fail:
    vhdx_image_close(image);
    vhdx_writable_close(w);
    return code;
}

vhdx_reader_code vhdx_writable_set_data_write_guid(vhdx_writable *w, const vhdx_guid *guid,
                                                   vhdx_reader_error *error)
{
    vhdx_header next = w->header;
    next.data_write_guid = *guid;
    vhdx_reader_code code = vhdx_writable_update_header(w, &next, error);
    if (code == VHDX_READER_OK)
        w->data_write_guid_renewed = true;
    return code;
}

const vhdx_header *vhdx_writable_header(const vhdx_writable *w)
{
    return &w->header;
}

const vhdx_writable_report *vhdx_writable_get_report(const vhdx_writable *w)
{
    return &w->report;
}

void vhdx_writable_close(vhdx_writable *w)
{
    if (w == NULL)
        return;
    void (*release)(void *) = w->release ? w->release : free;
    release(w->entry);
    release(w);
}
