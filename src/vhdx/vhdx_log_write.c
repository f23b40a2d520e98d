/* The log writer [spec 2.3]: a batch of 4 KiB metadata sectors becomes one log entry (a header,
 * one data descriptor per sector, the data sectors, CRC-32C over the entry), written and
 * flushed, then the sectors go in place and are flushed. vhdx_writable.h gives the rules.
 *
 * When the header's LogGuid is zero, the entries are written under a new LogGuid that the
 * header does not carry yet, so no reader replays them; the header update that sets it (and,
 * for a user-visible change, a new DataWriteGuid in the same write) is the batch's commit.
 * Before it a crash leaves the old metadata (the entries are ignored); after it the log holds
 * the new metadata and every reader replays it. Later batches under the same LogGuid commit by
 * their entries' flush: their sequence numbers follow the previous batch's and their Tail
 * points at their own first entry, so the newest complete sequence is theirs once flushed and
 * the previous batch's until then (a batch never overwrites the one before it: each takes at
 * most half the log). */
#include "vhdx_writable_internal.h"

#include <string.h>
#include "vhdx_reader_internal.h"

/* One entry per batch: the reader replays a sequence whose head's Tail lies inside it, so the
 * first entries of a batch of several would be complete without the rest (a mix if a crash
 * came between them). One entry of at most 127 sectors (508 KiB) is within half of the
 * smallest log, 1 MiB. */
_Static_assert(2 * VHDX_LOG_WRITE_ENTRY_MAX <= VHDX_MiB,
               "two entries must fit the smallest log without overlapping");

size_t vhdx_writable_batch_max(const vhdx_writable *w)
{
    (void)w;
    return VHDX_LOG_WRITE_SECTORS_MAX;
}

/* Builds the entry of changes[0, n) with sequence number sequence in w->entry; its length. */
static uint32_t build_entry(vhdx_writable *w, const vhdx_sector_change *changes, size_t n,
                            uint64_t sequence, uint32_t tail, const vhdx_guid *log_guid)
{
    uint8_t *entry = w->entry;
    uint32_t length = (uint32_t)(n + 1) * VHDX_LOG_SECTOR_SIZE;
    vhdx_log_entry_header header;

    memset(entry, 0, VHDX_LOG_SECTOR_SIZE);
    memset(&header, 0, sizeof header);
    memcpy(header.signature, VHDX_SIGNATURE_LOG_ENTRY, 4);
    header.entry_length = length;
    header.tail = tail;
    header.sequence_number = sequence;
    header.descriptor_count = (uint32_t)n;
    header.log_guid = *log_guid;
    /* Nothing in this session cuts the file: its size is stable and holds everything. */
    header.flushed_file_offset = w->file_size;
    header.last_file_offset = w->file_size;
    for (size_t i = 0; i < n; i++) {
        vhdx_log_data_descriptor desc;
        vhdx_log_data_sector sector;
        vhdx_log_data_split(changes[i].data, changes[i].file_offset, sequence, &desc, &sector);
        vhdx_log_data_descriptor_encode(&desc, entry + VHDX_LOG_ENTRY_HEADER_SIZE
                                                   + i * VHDX_LOG_DESCRIPTOR_SIZE);
        vhdx_log_data_sector_encode(&sector, entry + (i + 1) * VHDX_LOG_SECTOR_SIZE);
    }
    vhdx_log_entry_header_encode(&header, entry);
    vhdx_put32(entry + 4, vhdx_log_entry_checksum(entry, length));
    return length;
}

/* Writes the entry in w->entry at the log position, wrapping at the log's end. */
static vhdx_reader_code write_entry(vhdx_writable *w, uint32_t length, vhdx_reader_error *error)
{
    const uint64_t log_offset = w->header.log_offset;
    const uint32_t log_length = w->header.log_length;
    uint32_t first = log_length - w->log_position < length ? log_length - w->log_position
                                                           : length;
    vhd_status status = w->io->write_at(w->io, log_offset + w->log_position, w->entry, first);
    if (status != VHD_OK)
        return vhdx_writable_fail_write(error, w->io, status, "log entry",
                                        log_offset + w->log_position);
    if (first < length
        && (status = w->io->write_at(w->io, log_offset, w->entry + first, length - first))
               != VHD_OK)
        return vhdx_writable_fail_write(error, w->io, status, "log entry", log_offset);
    w->log_position = (uint32_t)(((uint64_t)w->log_position + length) % log_length);
    w->report.entries_written++;
    return VHDX_READER_OK;
}

static vhdx_reader_code check_batch(const vhdx_writable *w, const vhdx_sector_change *changes,
                                    size_t count, vhdx_reader_error *error)
{
    if (count > vhdx_writable_batch_max(w))
        return vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                "a batch of %llu sectors does not fit one log entry (at most %u)",
                                (unsigned long long)count, VHDX_LOG_WRITE_SECTORS_MAX);
    for (size_t i = 0; i < count; i++) {
        uint64_t at = changes[i].file_offset;
        if (at % VHDX_LOG_SECTOR_SIZE != 0 || at < VHDX_REGION_TABLE1_OFFSET
            || at > w->file_size || w->file_size - at < VHDX_LOG_SECTOR_SIZE
            || vhdx_ranges_overlap(at, VHDX_LOG_SECTOR_SIZE, w->header.log_offset,
                                   w->header.log_length))
            return vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                    "the sector at offset %llu is not one the log may change "
                                    "(4 KiB aligned, from 192 KiB, inside the file, off the log)",
                                    (unsigned long long)at);
    }
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_writable_change(vhdx_writable *w, const vhdx_sector_change *changes,
                                      size_t count, bool user_visible, vhdx_reader_error *error)
{
    vhdx_reader_code code;
    vhdx_header next;
    vhdx_guid log_guid = w->header.log_guid;
    bool commit_by_header = vhdx_guid_is_zero(&log_guid);

    if ((code = check_batch(w, changes, count, error)) != VHDX_READER_OK || count == 0)
        return code;
    if (user_visible && !w->data_write_guid_renewed && !commit_by_header) {
        /* Before the first change a reader could see. */
        next = w->header;
        vhdx_writable_new_guid(w, &next.data_write_guid);
        if ((code = vhdx_writable_update_header(w, &next, error)) != VHDX_READER_OK)
            return code;
        w->data_write_guid_renewed = true;
    }
    if (commit_by_header)
        vhdx_writable_new_guid(w, &log_guid);

    uint32_t length = build_entry(w, changes, count, w->next_sequence, w->log_position,
                                  &log_guid);
    if ((code = write_entry(w, length, error)) != VHDX_READER_OK)
        return code;
    w->next_sequence++;
    if ((code = vhdx_writable_flush(w, "log", error)) != VHDX_READER_OK)
        return code;
    if (commit_by_header) {
        next = w->header;
        next.log_guid = log_guid;
        if (user_visible && !w->data_write_guid_renewed)
            vhdx_writable_new_guid(w, &next.data_write_guid);
        if ((code = vhdx_writable_update_header(w, &next, error)) != VHDX_READER_OK)
            return code;
        if (user_visible)
            w->data_write_guid_renewed = true;
    }
    /* In place: each run of consecutive sectors in one write (the entry's buffer, written and
     * no longer needed, holds the run). */
    for (size_t i = 0; i < count;) {
        size_t n = 1;
        while (i + n < count && changes[i + n].file_offset
                                    == changes[i].file_offset + n * VHDX_LOG_SECTOR_SIZE)
            n++;
        for (size_t j = 0; j < n; j++)
            memcpy(w->entry + j * VHDX_LOG_SECTOR_SIZE, changes[i + j].data,
                   VHDX_LOG_SECTOR_SIZE);
        vhd_status status = w->io->write_at(w->io, changes[i].file_offset, w->entry,
                                            n * VHDX_LOG_SECTOR_SIZE);
        if (status != VHD_OK)
            return vhdx_writable_fail_write(error, w->io, status, "metadata sectors",
                                            changes[i].file_offset);
        i += n;
    }
    return vhdx_writable_flush(w, "metadata written in place", error);
}

vhdx_reader_code vhdx_writable_settle(vhdx_writable *w, vhdx_reader_error *error)
{
    if (vhdx_guid_is_zero(&w->header.log_guid))
        return VHDX_READER_OK;
    vhdx_header next = w->header;
    memset(&next.log_guid, 0, sizeof next.log_guid);
    return vhdx_writable_update_header(w, &next, error);
}
