/* Opening one VHDX image: the file type identifier, the current header, the log (replayed in
 * memory), the region table, the metadata and the BAT, each checked by the strict checklist
 * of MS-VHDX (fact sheet section 8) before it is used. */
#include "vhdx_reader_internal.h"

#include <stdlib.h>
#include <string.h>

/* The image, the overlay and one log sector make the fixed share of the heap bound. */
_Static_assert(sizeof(struct vhdx_image) + sizeof(struct vhdx_overlay) + VHDX_LOG_SECTOR_SIZE
               <= 32768, "the image must fit the heap bound's share");
_Static_assert(sizeof(struct vhdx_range) <= 24, "the heap bound counts 24 bytes a range");

void *vhdx_image_alloc(const vhdx_image *image, size_t size)
{
    return image->allocate ? image->allocate(size) : malloc(size);
}

void vhdx_image_free(const vhdx_image *image, void *block)
{
    if (block == NULL)
        return;
    if (image->release)
        image->release(block);
    else
        free(block);
}

vhdx_reader_code vhdx_image_read(vhdx_image *image, uint64_t offset, void *buf, size_t len,
                                 const char *what, vhdx_reader_error *error)
{
    vhd_status status = image->io->read_at(image->io, offset, buf, len);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, image->io, status, what, offset);
    return VHDX_READER_OK;
}

static const char *format_problem(vhdx_format_status status)
{
    switch (status) {
    case VHDX_FORMAT_BAD_SIGNATURE: return "has the wrong signature";
    case VHDX_FORMAT_BAD_CHECKSUM:  return "has a wrong CRC-32C checksum";
    default:                        return "is truncated";
    }
}

static vhdx_reader_code load_identifier(vhdx_image *image, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    uint8_t buf[VHDX_FILE_IDENTIFIER_STRUCT_SIZE];
    vhdx_file_identifier id;
    vhdx_reader_code code;

    if (info->file_size >= 8) {
        if ((code = vhdx_image_read(image, 0, buf, 8, "file type identifier", error))
            != VHDX_READER_OK)
            return code;
        if (memcmp(buf, VHDX_SIGNATURE_FILE, 8) != 0)
            return vhdx_reader_fail(error, VHDX_READER_NOT_VHDX,
                                    "not a VHDX: the file does not start with the signature "
                                    "\"vhdxfile\"");
    }
    if (info->file_size < VHDX_HEADER_SECTION_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_TRUNCATED,
                                "the file is %llu bytes long, shorter than the 1 MiB header "
                                "section", (unsigned long long)info->file_size);
    if ((code = vhdx_image_read(image, 0, buf, sizeof buf, "file type identifier", error))
        != VHDX_READER_OK)
        return code;
    vhdx_file_identifier_decode(&id, buf, sizeof buf);
    vhdx_utf16le_to_utf8(id.creator, 256, true, info->creator, sizeof info->creator);
    return VHDX_READER_OK;
}

/* The current header [spec 2.2.2]: the only valid one, or the valid one with the greater
 * SequenceNumber; two valid ones with equal numbers only if identical (Disk2VHD). */
static vhdx_reader_code choose_header(vhdx_image *image, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    static const uint64_t offsets[2] = { VHDX_HEADER1_OFFSET, VHDX_HEADER2_OFFSET };
    uint8_t buf[2][VHDX_HEADER_SIZE];
    vhdx_header h[2];
    vhdx_format_status status[2];
    vhdx_reader_code code;

    for (int i = 0; i < 2; i++) {
        if ((code = vhdx_image_read(image, offsets[i], buf[i], VHDX_HEADER_SIZE, "header", error))
            != VHDX_READER_OK)
            return code;
        status[i] = vhdx_header_decode(&h[i], buf[i], VHDX_HEADER_SIZE);
    }
    int current;
    if (status[0] != VHDX_FORMAT_OK && status[1] != VHDX_FORMAT_OK)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "no valid header: header 1 %s and header 2 %s",
                                format_problem(status[0]),
                                format_problem(status[1]));
    if (status[0] != VHDX_FORMAT_OK)
        current = 1;
    else if (status[1] != VHDX_FORMAT_OK)
        current = 0;
    else if (h[0].sequence_number != h[1].sequence_number)
        current = h[0].sequence_number > h[1].sequence_number ? 0 : 1;
    else if (memcmp(buf[0], buf[1], VHDX_HEADER_FIELDS_SIZE) == 0) {
        current = 0;
        info->headers_identical = true;
    } else
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "both headers are valid with the same sequence number %llu "
                                "but differ", (unsigned long long)h[0].sequence_number);
    info->header = h[current];
    info->current_header = (unsigned)current + 1;

    const vhdx_header *c = &info->header;
    if (c->version != 1)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "the current header's Version is %u, not 1", (unsigned)c->version);
    bool has_log = !vhdx_guid_is_zero(&c->log_guid);
    if (has_log && c->log_version != 0)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "the current header has a LogGuid and LogVersion %u, not 0",
                                (unsigned)c->log_version);
    if (c->log_offset % VHDX_MiB != 0 || c->log_length % VHDX_MiB != 0)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "the log's LogOffset %llu or LogLength %u is not a multiple of "
                                "1 MiB", (unsigned long long)c->log_offset,
                                (unsigned)c->log_length);
    if (c->log_length == 0) {
        if (has_log)
            return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                    "the current header has a LogGuid but LogLength 0");
        return VHDX_READER_OK;
    }
    if (c->log_offset < VHDX_HEADER_SECTION_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "the log's LogOffset %llu lies in the 1 MiB header section",
                                (unsigned long long)c->log_offset);
    if (c->log_offset > VHDX_READER_MAX_FILE_SIZE
        || c->log_length > VHDX_READER_MAX_FILE_SIZE - c->log_offset)
        return vhdx_reader_fail(error, VHDX_READER_BAD_HEADER,
                                "the log at offset %llu, %u bytes long, ends beyond 128 TiB",
                                (unsigned long long)c->log_offset, (unsigned)c->log_length);
    if (c->log_offset > info->file_size || c->log_length > info->file_size - c->log_offset)
        return vhdx_reader_fail(error, VHDX_READER_TRUNCATED,
                                "the log at offset %llu, %u bytes long, runs past the end of the "
                                "file (%llu bytes)", (unsigned long long)c->log_offset,
                                (unsigned)c->log_length, (unsigned long long)info->file_size);
    return VHDX_READER_OK;
}

static const char *region_name(const vhdx_guid *guid)
{
    if (vhdx_guid_equal(guid, &vhdx_guid_bat_region))
        return "the BAT region";
    if (vhdx_guid_equal(guid, &vhdx_guid_metadata_region))
        return "the metadata region";
    return "an unknown region";
}

/* The region table [spec 2.2.3]: copy 1 if valid, else copy 2; its entries checked. On
 * success ranges (allocated, *range_count long) lists the header section, the log and every
 * region, for the BAT scan. */
static vhdx_reader_code load_regions(vhdx_image *image, struct vhdx_range **ranges_out,
                                     unsigned *range_count, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    const vhdx_header *h = &info->header;
    vhdx_region_table_header th;
    vhdx_format_status status[2] = { VHDX_FORMAT_TRUNCATED, VHDX_FORMAT_TRUNCATED };
    struct vhdx_range *ranges = NULL;
    vhdx_reader_code code = VHDX_READER_OK;
    uint8_t *table = vhdx_image_alloc(image, VHDX_REGION_TABLE_SIZE);
    if (table == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the region table");

    for (unsigned copy = 0; copy < 2; copy++) {
        uint64_t offset = copy == 0 ? VHDX_REGION_TABLE1_OFFSET : VHDX_REGION_TABLE2_OFFSET;
        if ((code = vhdx_image_read(image, offset, table, VHDX_REGION_TABLE_SIZE, "region table",
                                    error)) != VHDX_READER_OK)
            goto done;
        status[copy] = vhdx_region_table_header_decode(&th, table, VHDX_REGION_TABLE_SIZE);
        if (status[copy] == VHDX_FORMAT_OK) {
            info->region_table = copy + 1;
            break;
        }
    }
    if (info->region_table == 0) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                "no valid region table: copy 1 %s and copy 2 %s",
                                format_problem(status[0]),
                                format_problem(status[1]));
        goto done;
    }
    if (th.entry_count > VHDX_REGION_ENTRY_MAX) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                "the region table's EntryCount %u exceeds 2047",
                                (unsigned)th.entry_count);
        goto done;
    }
    if (th.reserved != 0) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                "the region table's Reserved field is 0x%08x, not 0",
                                (unsigned)th.reserved);
        goto done;
    }
    info->region_count = th.entry_count;
    ranges = vhdx_image_alloc(image, sizeof *ranges * (th.entry_count + 2));
    if (ranges == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the regions");
        goto done;
    }
    unsigned count = 0;
    ranges[count++] = (struct vhdx_range){ 0, VHDX_HEADER_SECTION_SIZE, "the header section" };
    if (h->log_length > 0)
        ranges[count++] = (struct vhdx_range){ h->log_offset, h->log_length, "the log" };
    unsigned fixed_ranges = count;
    bool have_bat = false, have_metadata = false;
    for (uint32_t i = 0; i < th.entry_count; i++) {
        vhdx_region_table_entry e;
        vhdx_region_table_entry_decode(&e, table + VHDX_REGION_TABLE_HEADER_SIZE
                                       + (size_t)i * VHDX_REGION_TABLE_ENTRY_SIZE);
        char guid[39];
        vhdx_guid_format(&e.guid, guid);
        bool is_bat = vhdx_guid_equal(&e.guid, &vhdx_guid_bat_region);
        bool is_metadata = vhdx_guid_equal(&e.guid, &vhdx_guid_metadata_region);
        if (i < VHDX_READER_REGIONS_KEPT) {
            info->regions[i].entry = e;
            info->regions[i].known = is_bat || is_metadata;
        }
        if ((e.required & ~UINT32_C(1)) != 0) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                    "region %s has reserved flag bits set (0x%08x)", guid,
                                    (unsigned)e.required);
            goto done;
        }
        if (!is_bat && !is_metadata && (e.required & 1) != 0) {
            code = vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                    "region %s is required but unknown to this reader", guid);
            goto done;
        }
        if (e.file_offset < VHDX_HEADER_SECTION_SIZE || e.file_offset % VHDX_MiB != 0) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                    "region %s has FileOffset %llu, not a multiple of 1 MiB "
                                    "after the header section", guid,
                                    (unsigned long long)e.file_offset);
            goto done;
        }
        if (e.length == 0 || e.length % VHDX_MiB != 0) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                    "region %s has Length %u, not a positive multiple of 1 MiB",
                                    guid, (unsigned)e.length);
            goto done;
        }
        if (e.file_offset > image->size || e.length > image->size - e.file_offset) {
            code = vhdx_reader_fail(error, VHDX_READER_TRUNCATED,
                                    "%s at offset %llu, %u bytes long, runs past the end of the "
                                    "file (%llu bytes)", region_name(&e.guid),
                                    (unsigned long long)e.file_offset, (unsigned)e.length,
                                    (unsigned long long)image->size);
            goto done;
        }
        for (unsigned r = 0; r < count; r++) {
            bool same_guid = r >= fixed_ranges
                && memcmp(table + VHDX_REGION_TABLE_HEADER_SIZE
                          + (size_t)(r - fixed_ranges) * VHDX_REGION_TABLE_ENTRY_SIZE,
                          e.guid.bytes, 16) == 0;
            if (same_guid) {
                code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                        "region %s is listed twice", guid);
                goto done;
            }
            if (vhdx_ranges_overlap(e.file_offset, e.length, ranges[r].start, ranges[r].length)) {
                code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                        "%s at offset %llu overlaps %s", region_name(&e.guid),
                                        (unsigned long long)e.file_offset, ranges[r].what);
                goto done;
            }
        }
        ranges[count++] = (struct vhdx_range){ e.file_offset, e.length, region_name(&e.guid) };
        if (is_bat) {
            info->bat_region = e;
            have_bat = true;
        } else if (is_metadata) {
            info->metadata_region = e;
            have_metadata = true;
        }
    }
    if (!have_bat || !have_metadata) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE,
                                "the region table has no %s region",
                                have_bat ? "metadata" : "BAT");
        goto done;
    }
    *ranges_out = ranges;
    *range_count = count;
    ranges = NULL;
done:
    vhdx_image_free(image, ranges);
    vhdx_image_free(image, table);
    return code;
}

static vhdx_reader_code check_geometry(vhdx_image *image, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    info->chunk_ratio = vhdx_chunk_ratio(info->block_size, info->logical_sector_size);
    info->data_blocks = vhdx_data_blocks(info->virtual_size, info->block_size);
    info->bat_entries = vhdx_bat_entries(info->virtual_size, info->block_size,
                                         info->logical_sector_size, info->has_parent);
    if (info->bat_entries > info->bat_region.length / VHDX_BAT_ENTRY_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_BAD_BAT,
                                "the BAT region of %u bytes holds fewer than the %llu entries "
                                "of a %llu-byte disk with %u-byte blocks",
                                (unsigned)info->bat_region.length,
                                (unsigned long long)info->bat_entries,
                                (unsigned long long)info->virtual_size,
                                (unsigned)info->block_size);
    image->sectors_per_block = info->block_size / info->logical_sector_size;
    image->total_sectors = info->virtual_size / info->logical_sector_size;
    const vhdx_header *h = &info->header;
    image->fixed[image->fixed_count++] =
        (struct vhdx_range){ 0, VHDX_HEADER_SECTION_SIZE, "header section" };
    if (h->log_length > 0)
        image->fixed[image->fixed_count++] =
            (struct vhdx_range){ h->log_offset, h->log_length, "log" };
    image->fixed[image->fixed_count++] =
        (struct vhdx_range){ info->bat_region.file_offset, info->bat_region.length, "BAT region" };
    image->fixed[image->fixed_count++] =
        (struct vhdx_range){ info->metadata_region.file_offset, info->metadata_region.length,
                             "metadata region" };
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_image_open(vhdx_image **result, vhd_io *io,
                                 const vhdx_reader_options *options, vhdx_reader_error *error)
{
    return vhdx_image_open_listing(result, io, options, NULL, NULL, error);
}

vhdx_reader_code vhdx_image_open_listing(vhdx_image **result, vhd_io *io,
                                         const vhdx_reader_options *options,
                                         vhdx_bad_block_sink bad_block, void *ctx,
                                         vhdx_reader_error *error)
{
    vhdx_reader_code code;
    struct vhdx_range *ranges = NULL;
    unsigned range_count = 0;

    vhdx_reader_clear(error);
    *result = NULL;
    void *(*allocate)(size_t) = options && options->allocate ? options->allocate : NULL;
    vhdx_image *image = allocate ? allocate(sizeof *image) : malloc(sizeof *image);
    if (image == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory opening the image");
    memset(image, 0, sizeof *image);
    image->allocate = allocate;
    image->release = options && options->release ? options->release : NULL;
    image->bad_block = bad_block;
    image->bad_block_ctx = ctx;
    image->file = image->io = io;
    image->bitmap_offset = UINT64_MAX;

    vhd_status status = io->get_size(io, &image->info.file_size);
    if (status != VHD_OK) {
        code = vhdx_reader_fail_io(error, io, status, "file size", 0);
        goto fail;
    }
    image->size = image->info.file_size;
    if ((code = load_identifier(image, error)) != VHDX_READER_OK
        || (code = choose_header(image, error)) != VHDX_READER_OK
        || (code = vhdx_log_replay(image, error)) != VHDX_READER_OK)
        goto fail;
    if (image->size > VHDX_READER_MAX_FILE_SIZE)
        image->size = VHDX_READER_MAX_FILE_SIZE;   /* nothing may lie beyond */
    if ((code = load_regions(image, &ranges, &range_count, error)) != VHDX_READER_OK
        || (code = vhdx_metadata_load(image, error)) != VHDX_READER_OK
        || (code = check_geometry(image, error)) != VHDX_READER_OK
        || (code = vhdx_bat_scan(image, ranges, range_count, error)) != VHDX_READER_OK)
        goto fail;
    vhdx_image_free(image, ranges);
    *result = image;
    return VHDX_READER_OK;

fail:
    vhdx_image_free(image, ranges);
    vhdx_image_close(image);
    return code;
}

void vhdx_image_close(vhdx_image *image)
{
    if (image == NULL)
        return;
    vhdx_log_free(image);
    vhdx_image_free(image, image->locator_text);
    vhdx_image_free(image, image);
}

const vhdx_image_info *vhdx_image_get_info(const vhdx_image *image)
{
    return &image->info;
}

vhd_io *vhdx_image_io(const vhdx_image *image)
{
    return image->io;
}
