/* The log, for readers [spec 2.3]: when the current header carries a LogGuid, find the active
 * sequence (the complete run of valid entries with the highest sequence number) and lay it
 * over the file in memory: a record per descriptor (an offset into the log for data, a range
 * for zeros), consulted by every later read. The file is never written.
 *
 * Bounds: scanning holds one 4 KiB sector; the records take VHDX_READER_LOG_RECORD_SIZE bytes
 * per descriptor, and each descriptor takes 32 bytes of log, so at most
 * log_length / 32 * 40 bytes. Every loop is bounded by the log's length. */
#include "vhdx_reader_internal.h"

#include <string.h>

/* Reads the 4 KiB log sector at position (taken modulo the log's length: entries wrap). */
static vhdx_reader_code read_log_sector(vhdx_image *image, uint64_t position, uint8_t *buf,
                                        vhdx_reader_error *error)
{
    const vhdx_header *h = &image->info.header;
    return vhdx_image_read(image, h->log_offset + position % h->log_length, buf,
                           VHDX_LOG_SECTOR_SIZE, "log", error);
}

struct entry_scan {
    vhdx_log_entry_header header;
    uint32_t descriptor_sectors;
    uint32_t data_sectors;
};

/* Checks the entry at position: header fields, every descriptor and data sector, and the
 * CRC over the whole entry. *valid false (and VHDX_READER_OK) for an entry that does not
 * validate; errors only for reads that fail. */
static vhdx_reader_code validate_entry(vhdx_image *image, uint64_t position, uint8_t *sector,
                                       struct entry_scan *scan, bool *valid,
                                       vhdx_reader_error *error)
{
    const vhdx_header *h = &image->info.header;
    vhdx_log_entry_header *e = &scan->header;
    vhdx_reader_code code;
    *valid = false;
    if ((code = read_log_sector(image, position, sector, error)) != VHDX_READER_OK)
        return code;
    if (vhdx_log_entry_header_decode(e, sector, VHDX_LOG_SECTOR_SIZE) != VHDX_FORMAT_OK
        || e->entry_length == 0 || e->entry_length % VHDX_LOG_SECTOR_SIZE != 0
        || e->entry_length > h->log_length || e->tail % VHDX_LOG_SECTOR_SIZE != 0
        || e->tail >= h->log_length || e->sequence_number == 0
        || !vhdx_guid_equal(&e->log_guid, &h->log_guid))
        return VHDX_READER_OK;
    uint64_t sectors = e->entry_length / VHDX_LOG_SECTOR_SIZE;
    uint64_t descriptor_sectors = (VHDX_LOG_ENTRY_HEADER_SIZE
                                   + (uint64_t)e->descriptor_count * VHDX_LOG_DESCRIPTOR_SIZE
                                   + VHDX_LOG_SECTOR_SIZE - 1) / VHDX_LOG_SECTOR_SIZE;
    if (descriptor_sectors > sectors)
        return VHDX_READER_OK;
    uint64_t data_descriptors = 0;
    uint32_t crc = vhdx_crc32c_begin();
    for (uint64_t s = 0; s < sectors; s++) {
        if (s > 0 && (code = read_log_sector(image, position + s * VHDX_LOG_SECTOR_SIZE, sector,
                                             error)) != VHDX_READER_OK)
            return code;
        if (s == 0) {
            static const uint8_t zero[4];
            crc = vhdx_crc32c_update(crc, sector, 4);
            crc = vhdx_crc32c_update(crc, zero, 4);
            crc = vhdx_crc32c_update(crc, sector + 8, VHDX_LOG_SECTOR_SIZE - 8);
        } else {
            crc = vhdx_crc32c_update(crc, sector, VHDX_LOG_SECTOR_SIZE);
        }
        if (s < descriptor_sectors) {
            /* The descriptors in this sector. */
            uint64_t first = s == 0 ? 0 : (s * VHDX_LOG_SECTOR_SIZE - VHDX_LOG_ENTRY_HEADER_SIZE)
                                          / VHDX_LOG_DESCRIPTOR_SIZE;
            for (uint64_t d = first; d < e->descriptor_count; d++) {
                uint64_t at = VHDX_LOG_ENTRY_HEADER_SIZE + d * VHDX_LOG_DESCRIPTOR_SIZE;
                if (at / VHDX_LOG_SECTOR_SIZE != s)
                    break;
                const uint8_t *p = sector + at % VHDX_LOG_SECTOR_SIZE;
                vhdx_log_zero_descriptor zd;
                vhdx_log_data_descriptor dd;
                if (vhdx_log_zero_descriptor_decode(&zd, p) == VHDX_FORMAT_OK) {
                    if (zd.sequence_number != e->sequence_number
                        || zd.zero_length % VHDX_LOG_SECTOR_SIZE != 0
                        || zd.file_offset % VHDX_LOG_SECTOR_SIZE != 0)
                        return VHDX_READER_OK;
                } else if (vhdx_log_data_descriptor_decode(&dd, p) == VHDX_FORMAT_OK) {
                    if (dd.sequence_number != e->sequence_number
                        || dd.file_offset % VHDX_LOG_SECTOR_SIZE != 0)
                        return VHDX_READER_OK;
                    data_descriptors++;
                } else {
                    return VHDX_READER_OK;
                }
            }
            if (s + 1 == descriptor_sectors && data_descriptors != sectors - descriptor_sectors)
                return VHDX_READER_OK;   /* EntryLength disagrees with the descriptors */
        } else {
            vhdx_log_data_sector ds;
            if (vhdx_log_data_sector_decode(&ds, sector) != VHDX_FORMAT_OK
                || ds.sequence_high != (uint32_t)(e->sequence_number >> 32)
                || ds.sequence_low != (uint32_t)e->sequence_number)
                return VHDX_READER_OK;
        }
    }
    if (vhdx_crc32c_end(crc) != e->checksum)
        return VHDX_READER_OK;
    scan->descriptor_sectors = (uint32_t)descriptor_sectors;
    scan->data_sectors = (uint32_t)data_descriptors;
    *valid = true;
    return VHDX_READER_OK;
}

struct sequence {
    bool found;
    uint64_t head_sequence;
    uint64_t tail, head;            /* positions in the log */
    vhdx_log_entry_header head_header;
};

/* True if tail is the position of one of the run's count entries, which start at start. */
static vhdx_reader_code tail_in_run(vhdx_image *image, uint64_t start, uint64_t count,
                                    uint64_t tail, uint8_t *sector, bool *inside,
                                    vhdx_reader_error *error)
{
    uint64_t position = start;
    *inside = false;
    for (uint64_t i = 0; i < count; i++) {
        if (position % image->info.header.log_length == tail) {
            *inside = true;
            return VHDX_READER_OK;
        }
        vhdx_reader_code code = read_log_sector(image, position, sector, error);
        if (code != VHDX_READER_OK)
            return code;
        position += vhdx_get32(sector + 8);   /* EntryLength, validated by the scan */
    }
    return VHDX_READER_OK;
}

/* The scan of [spec 2.3.3]: a candidate run at every 4 KiB position not inside an earlier
 * run; the complete run with the highest head sequence number wins.
 * Its cost is linear in the log: validating a candidate reads sectors only until the first one
 * that fails, and no sector inside an entry can pass for an entry header (every sector after
 * the first starts with a descriptor's or a data sector's signature), so the sectors read from
 * one candidate are never read again as a candidate that validates deeply. */
static vhdx_reader_code find_sequence(vhdx_image *image, uint8_t *sector, struct sequence *best,
                                      vhdx_reader_error *error)
{
    const uint64_t length = image->info.header.log_length;
    struct entry_scan scan;
    vhdx_reader_code code;
    memset(best, 0, sizeof *best);
    for (uint64_t start = 0; start < length;) {
        uint64_t position = start, run_length = 0, count = 0, previous = 0, head = 0;
        vhdx_log_entry_header head_header;
        memset(&head_header, 0, sizeof head_header);
        while (run_length < length) {
            bool valid;
            if ((code = validate_entry(image, position, sector, &scan, &valid, error))
                != VHDX_READER_OK)
                return code;
            if (!valid || (count > 0 && scan.header.sequence_number != previous + 1)
                || scan.header.entry_length > length - run_length)
                break;
            head = position;
            head_header = scan.header;
            previous = scan.header.sequence_number;
            count++;
            run_length += scan.header.entry_length;
            position += scan.header.entry_length;
        }
        if (count == 0) {
            start += VHDX_LOG_SECTOR_SIZE;
            continue;
        }
        bool complete;
        if ((code = tail_in_run(image, start, count, head_header.tail, sector, &complete, error))
            != VHDX_READER_OK)
            return code;
        if (complete && (!best->found || head_header.sequence_number > best->head_sequence)) {
            best->found = true;
            best->head_sequence = head_header.sequence_number;
            best->tail = head_header.tail;
            best->head = head % length;
            best->head_header = head_header;
        }
        start += run_length;
    }
    return VHDX_READER_OK;
}

/* ---- the overlay: a read-only vhd_io over the file with the records applied ---- */
static struct vhdx_overlay *overlay_from_io(vhd_io *io)
{
    return (struct vhdx_overlay *)io;
}

static vhd_status overlay_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct vhdx_overlay *o = overlay_from_io(io);
    uint8_t *out = buf;
    if (offset > o->size || len > o->size - offset)
        return VHD_E_END_OF_FILE;
    /* The file's bytes, zeros where the replay extended it. */
    size_t in_file = offset >= o->file_size ? 0
                   : (size_t)(o->file_size - offset < len ? o->file_size - offset : len);
    if (in_file > 0) {
        vhd_status status = o->file->read_at(o->file, offset, out, in_file);
        if (status != VHD_OK) {
            io->os_error = o->file->os_error;
            return status;
        }
    }
    memset(out + in_file, 0, len - in_file);
    /* Every record in log order, so a later one wins. */
    for (size_t i = 0; i < o->record_count; i++) {
        const struct vhdx_log_record *r = &o->records[i];
        if (!vhdx_ranges_overlap(offset, len, r->file_offset, r->length))
            continue;
        uint64_t from = r->file_offset > offset ? r->file_offset : offset;
        uint64_t to = r->file_offset + r->length < offset + len ? r->file_offset + r->length
                                                                 : offset + len;
        if (r->log_position == UINT64_MAX) {
            memset(out + (from - offset), 0, (size_t)(to - from));
            continue;
        }
        uint64_t at = o->log_offset + r->log_position % o->log_length;
        vhd_status status = o->file->read_at(o->file, at, o->sector, VHDX_LOG_SECTOR_SIZE);
        if (status != VHD_OK) {
            io->os_error = o->file->os_error;
            return status;
        }
        /* Rebuild the target sector in place: the data sector holds bytes 8-4091 where they
         * belong; the descriptor holds the first 8 and the last 4. */
        memcpy(o->sector, r->leading, 8);
        memcpy(o->sector + 4092, r->trailing, 4);
        memcpy(out + (from - offset), o->sector + (from - r->file_offset), (size_t)(to - from));
    }
    return VHD_OK;
}

static vhd_status overlay_get_size(vhd_io *io, uint64_t *size)
{
    *size = overlay_from_io(io)->size;
    return VHD_OK;
}

static vhd_status overlay_refuse_write(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    (void)io, (void)offset, (void)buf, (void)len;
    return VHD_E_ACCESS;
}

/* Walks the active sequence from its tail to its head and makes the records. */
static vhdx_reader_code build_records(vhdx_image *image, const struct sequence *sequence,
                                      uint8_t *sector, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    const vhdx_header *h = &info->header;
    struct vhdx_overlay *o = image->overlay;
    struct entry_scan scan;
    vhdx_reader_code code;
    bool valid;

    /* First pass: count the descriptors (bounded by the log: 32 bytes each). */
    uint64_t position = sequence->tail, descriptors = 0, entries = 0;
    for (;;) {
        if ((code = validate_entry(image, position, sector, &scan, &valid, error)) != VHDX_READER_OK)
            return code;
        if (!valid)   /* the scan validated it; the file changed under us */
            return vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                    "the log entry at log offset %llu no longer validates",
                                    (unsigned long long)(position % h->log_length));
        descriptors += scan.header.descriptor_count;
        entries++;
        if (position % h->log_length == sequence->head)
            break;
        position += scan.header.entry_length;
        if (entries > h->log_length / VHDX_LOG_SECTOR_SIZE)
            return vhdx_reader_fail(error, VHDX_READER_BAD_LOG, "the log sequence does not end");
    }
    if (descriptors > SIZE_MAX / sizeof *o->records)   /* a 32-bit host and a huge log */
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY,
                                "out of memory for the %llu descriptors of the log",
                                (unsigned long long)descriptors);
    if (descriptors > 0) {
        o->records = vhdx_image_alloc(image, (size_t)descriptors * sizeof *o->records);
        if (o->records == NULL)
            return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY,
                                    "out of memory for the %llu descriptors of the log",
                                    (unsigned long long)descriptors);
    }
    info->log.entries = (uint32_t)entries;

    /* Second pass: one record per descriptor, in order. */
    position = sequence->tail;
    uint64_t size = o->size;
    for (uint64_t n = 0; n < entries; n++) {
        if ((code = validate_entry(image, position, sector, &scan, &valid, error)) != VHDX_READER_OK)
            return code;
        if (!valid)
            return vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                    "the log entry at log offset %llu no longer validates",
                                    (unsigned long long)(position % h->log_length));
        if (n == 0)
            info->log.first_sequence = scan.header.sequence_number;
        uint64_t data_index = 0, loaded = UINT64_MAX;   /* the descriptor sector in sector */
        for (uint64_t d = 0; d < scan.header.descriptor_count; d++) {
            uint64_t at = VHDX_LOG_ENTRY_HEADER_SIZE + d * VHDX_LOG_DESCRIPTOR_SIZE;
            if (at / VHDX_LOG_SECTOR_SIZE != loaded) {
                loaded = at / VHDX_LOG_SECTOR_SIZE;
                if ((code = read_log_sector(image, position + loaded * VHDX_LOG_SECTOR_SIZE,
                                            sector, error)) != VHDX_READER_OK)
                    return code;
            }
            const uint8_t *p = sector + at % VHDX_LOG_SECTOR_SIZE;
            if (o->record_count >= descriptors)   /* the file changed between the passes */
                return vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                        "the log changed while it was read");
            struct vhdx_log_record *r = &o->records[o->record_count];
            vhdx_log_zero_descriptor zd;
            vhdx_log_data_descriptor dd;
            memset(r, 0, sizeof *r);
            if (vhdx_log_zero_descriptor_decode(&zd, p) == VHDX_FORMAT_OK) {
                r->file_offset = zd.file_offset;
                r->length = zd.zero_length;
                r->log_position = UINT64_MAX;
                info->log.zero_descriptors++;
                info->log.zero_bytes += zd.zero_length;
            } else {
                vhdx_log_data_descriptor_decode(&dd, p);
                r->file_offset = dd.file_offset;
                r->length = VHDX_LOG_SECTOR_SIZE;
                r->log_position = (position + (scan.descriptor_sectors + data_index)
                                   * (uint64_t)VHDX_LOG_SECTOR_SIZE) % h->log_length;
                memcpy(r->leading, dd.leading_bytes, 8);
                memcpy(r->trailing, dd.trailing_bytes, 4);
                data_index++;
                info->log.data_sectors++;
            }
            /* What a descriptor may write: not the file identifier or the headers (the spec
             * updates those without the log), not the log itself, nothing beyond the limit. */
            if (r->file_offset < VHDX_REGION_TABLE1_OFFSET
                || r->file_offset > VHDX_READER_MAX_FILE_SIZE
                || r->length > VHDX_READER_MAX_FILE_SIZE - r->file_offset)
                return vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                        "log entry %llu writes %llu bytes at offset %llu, outside "
                                        "what a log may change (from 192 KiB up to 128 TiB)",
                                        (unsigned long long)scan.header.sequence_number,
                                        (unsigned long long)r->length,
                                        (unsigned long long)r->file_offset);
            if (vhdx_ranges_overlap(r->file_offset, r->length, h->log_offset, h->log_length))
                return vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                        "log entry %llu writes %llu bytes at offset %llu, over "
                                        "the log itself",
                                        (unsigned long long)scan.header.sequence_number,
                                        (unsigned long long)r->length,
                                        (unsigned long long)r->file_offset);
            if (r->length > 0)
                o->record_count++;
            if (r->file_offset + r->length > size)
                size = r->file_offset + r->length;
        }
        position += scan.header.entry_length;
    }
    o->size = size;
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_log_replay(vhdx_image *image, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    const vhdx_header *h = &info->header;
    struct sequence sequence;
    vhdx_reader_code code;
    if (vhdx_guid_is_zero(&h->log_guid))
        return VHDX_READER_OK;
    uint8_t *sector = vhdx_image_alloc(image, VHDX_LOG_SECTOR_SIZE);
    if (sector == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the log");
    if ((code = find_sequence(image, sector, &sequence, error)) != VHDX_READER_OK)
        goto done;
    if (!sequence.found) {
        char guid[39];
        vhdx_guid_format(&h->log_guid, guid);
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                "the header's LogGuid %s is set but the log holds no valid "
                                "sequence of entries to replay", guid);
        goto done;
    }
    const vhdx_log_entry_header *head = &sequence.head_header;
    if (info->file_size < head->flushed_file_offset) {
        code = vhdx_reader_fail(error, VHDX_READER_TRUNCATED,
                                "the file is %llu bytes long, shorter than the FlushedFileOffset "
                                "%llu of its log: it was truncated",
                                (unsigned long long)info->file_size,
                                (unsigned long long)head->flushed_file_offset);
        goto done;
    }
    if (head->last_file_offset > VHDX_READER_MAX_FILE_SIZE) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOG,
                                "the log's LastFileOffset %llu is beyond 128 TiB",
                                (unsigned long long)head->last_file_offset);
        goto done;
    }
    struct vhdx_overlay *o = vhdx_image_alloc(image, sizeof *o);
    if (o == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the log");
        goto done;
    }
    memset(o, 0, sizeof *o);
    o->io.read_at = overlay_read_at;
    o->io.get_size = overlay_get_size;
    o->io.write_at = overlay_refuse_write;
    o->file = image->file;
    o->file_size = info->file_size;
    o->size = info->file_size > head->last_file_offset ? info->file_size : head->last_file_offset;
    o->log_offset = h->log_offset;
    o->log_length = h->log_length;
    image->overlay = o;
    info->log.tail = (uint32_t)sequence.tail;
    info->log.head = (uint32_t)sequence.head;
    info->log.last_sequence = head->sequence_number;
    info->log.flushed_file_offset = head->flushed_file_offset;
    info->log.last_file_offset = head->last_file_offset;
    if ((code = build_records(image, &sequence, sector, error)) != VHDX_READER_OK)
        goto done;
    info->log.state = VHDX_LOG_REPLAYED_IN_MEMORY;
    info->log.replayed_file_size = o->size;
    image->io = &o->io;
    image->size = o->size;
done:
    vhdx_image_free(image, sector);
    return code;
}

void vhdx_log_free(vhdx_image *image)
{
    if (image->overlay == NULL)
        return;
    vhdx_image_free(image, image->overlay->records);
    vhdx_image_free(image, image->overlay);
    image->overlay = NULL;
}
