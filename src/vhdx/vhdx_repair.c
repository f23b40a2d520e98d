/* Repair of a VHDX (vhdx_repair.h): a plan from the reader's view of the file (nothing
 * written), then the writable open (log replayed, both header slots rewritten) and the
 * region-table copy through the log; last, a differencing disk's stale parent paths
 * (vhdx_repair_parent.c). */
#include "vhdx_repair.h"

#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "vhdx_disk.h"
#include "vhdx_reader_internal.h"
#include "vhdx_writable.h"

#define REGION_SECTORS (VHDX_REGION_TABLE_SIZE / VHDX_LOG_SECTOR_SIZE)
_Static_assert(REGION_SECTORS <= VHDX_LOG_WRITE_SECTORS_MAX,
               "a region table's sectors fit one batch of the log");

static const uint64_t header_at[2] = { VHDX_HEADER1_OFFSET, VHDX_HEADER2_OFFSET };
static const uint64_t region_at[2] = { VHDX_REGION_TABLE1_OFFSET, VHDX_REGION_TABLE2_OFFSET };

/* What the plan found in the file as the reader sees it. */
struct findings {
    vhdx_format_status header[2];
    bool header_zero[2];
    unsigned current_header;        /* 1 or 2 */
    uint64_t sequence;              /* the current header's SequenceNumber */
    vhdx_format_status region[2];   /* after the log's replay */
    bool region_zero[2];
    unsigned region_table;          /* the copy the reader uses: 1 or 2 */
    vhdx_log_info log;
    uint64_t file_size;
    uint64_t misplaced;             /* with accept_loss: blocks the reader refuses to place */
    struct vhdx_bat_geometry bat;
    uint64_t zero_offsets;          /* ZERO payload entries with a FileOffsetMB */
};

/* With accept_loss the file is opened passing over its misplaced blocks (counted). */
static bool count_misplaced(void *ctx, const vhdx_image_info *info, uint64_t index,
                            uint64_t entry, const char *reason)
{
    (void)info, (void)index, (void)entry, (void)reason;
    (*(uint64_t *)ctx)++;
    return true;
}

static void *get(const disk_repair_options *options, size_t size)
{
    return options->allocate ? options->allocate(size) : malloc(size);
}

static void put(const disk_repair_options *options, void *block)
{
    if (options->release)
        options->release(block);
    else
        free(block);
}

static bool all_zero(const uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (bytes[i] != 0)
            return false;
    return true;
}

static const char *damage_words(vhdx_format_status status, bool zero)
{
    if (zero)
        return "only zeros";
    switch (status) {
    case VHDX_FORMAT_BAD_SIGNATURE: return "a wrong signature";
    case VHDX_FORMAT_BAD_CHECKSUM:  return "a wrong checksum";
    default:                        return "too few bytes";
    }
}

/* Both header copies from the file itself (headers never go through the log) and both region
 * tables through view (the file with any pending log laid over it), decoded. */
static vhd_reader_code read_copies(vhd_io *io, vhd_io *view, uint8_t *buf, struct findings *f,
                                   vhd_reader_error *error)
{
    for (int i = 0; i < 2; i++) {
        vhdx_header header;
        vhd_status status = io->read_at(io, header_at[i], buf, VHDX_HEADER_SIZE);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, io, status, "a header", header_at[i]);
        f->header[i] = vhdx_header_decode(&header, buf, VHDX_HEADER_SIZE);
        f->header_zero[i] = all_zero(buf, VHDX_HEADER_SIZE);
    }
    for (int i = 0; i < 2; i++) {
        vhdx_region_table_header table;
        vhd_status status = view->read_at(view, region_at[i], buf, VHDX_REGION_TABLE_SIZE);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, view, status, "a region table", region_at[i]);
        f->region[i] = vhdx_region_table_header_decode(&table, buf, VHDX_REGION_TABLE_SIZE);
        f->region_zero[i] = all_zero(buf, VHDX_REGION_TABLE_SIZE);
    }
    return VHD_READER_OK;
}

static disk_kind kind_of(vhdx_disk_kind kind)
{
    switch (kind) {
    case VHDX_KIND_FIXED:        return DISK_KIND_FIXED;
    case VHDX_KIND_DIFFERENCING: return DISK_KIND_DIFFERENCING;
    default:                     return DISK_KIND_DYNAMIC;
    }
}

/* The reader's refusal of the file: a refusal said (the loss it would take to fix), or past
 * repair. */
static vhd_reader_code refuse(const vhdx_reader_error *inner, bool accept_loss,
                              disk_repair_report *report, vhd_reader_error *error)
{
    switch (inner->code) {
    case VHDX_READER_IO:
    case VHDX_READER_NO_MEMORY:
        return vhdx_disk_translate_error(inner, error);
    case VHDX_READER_BAD_BAT:
        /* Said first, the reason last: a sentence is cut at DISK_REPAIR_LINE_SIZE. */
        if (accept_loss)
            disk_repair_say_refusal(report, "nothing was written, even with the loss accepted "
                                    "(only misplaced payload blocks are dropped): %s",
                                    inner->reason);
        else
            disk_repair_say_refusal(report, "nothing was written: fixing this BAT entry loses "
                                    "the guest data it places (accepting the loss drops it): %s",
                                    inner->reason);
        return VHD_READER_OK;
    default:
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "no repair of this version "
                               "makes the file valid, so nothing was written: %s",
                               inner->reason);
    }
}

/* Opens the file with the reader (log replayed in memory) and reads the copies. */
static vhd_reader_code plan(vhd_io *io, const disk_repair_options *options, uint8_t *buf,
                            struct findings *f, disk_repair_report *report, bool *valid,
                            vhd_reader_error *error)
{
    vhdx_reader_options reader = { options->allocate, options->release };
    vhdx_reader_error inner;
    vhdx_image *image;
    *valid = false;
    if (vhdx_image_open_listing(&image, io, &reader,
                                options->accept_loss ? count_misplaced : NULL, &f->misplaced,
                                &inner) != VHDX_READER_OK)
        return refuse(&inner, options->accept_loss, report, error);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    *valid = true;
    report->kind = kind_of(info->kind);
    f->current_header = info->current_header;
    f->sequence = info->header.sequence_number;
    f->region_table = info->region_table;
    f->log = info->log;
    f->file_size = info->file_size;
    f->bat = (struct vhdx_bat_geometry){ info->bat_region.file_offset, info->bat_entries,
                                         info->chunk_ratio, info->data_blocks };
    vhd_reader_code code = read_copies(io, vhdx_image_io(image), buf, f, error);
    if (code == VHD_READER_OK)
        code = vhdx_repair_count_zero_offsets(vhdx_image_io(image), &f->bat, buf,
                                              &f->zero_offsets, error);
    vhdx_image_close(image);
    return code;
}

static bool header_damaged(const struct findings *f, int i)
{
    return f->header[i] != VHDX_FORMAT_OK;
}

static bool region_damaged(const struct findings *f, int i)
{
    return f->region[i] != VHDX_FORMAT_OK;
}

/* The sentences of the changes, before (dry run: "would be") or after they are made. */
static void say_log(const struct findings *f, const vhdx_writable_report *done, bool dry_run,
                    disk_repair_report *report)
{
    uint64_t sectors = done ? done->replayed_sectors : f->log.data_sectors;
    uint64_t zeros = done ? done->replayed_zero_bytes : f->log.zero_bytes;
    disk_repair_say_change(report, "the log's %u entries (sequence %llu to %llu) %s into the "
                           "file: %llu sectors of 4 KiB and %llu bytes of zeros, the file %llu "
                           "bytes long after it, LogGuid cleared", (unsigned)f->log.entries,
                           (unsigned long long)f->log.first_sequence,
                           (unsigned long long)f->log.last_sequence,
                           dry_run ? "would be replayed" : "replayed", (unsigned long long)sectors,
                           (unsigned long long)zeros,
                           (unsigned long long)(f->log.replayed_file_size > f->file_size
                                                    ? f->log.replayed_file_size : f->file_size));
}

static void say_header(const struct findings *f, int i, uint64_t first, bool dry_run,
                       disk_repair_report *report)
{
    disk_repair_say_change(report, "header %d (at %u KiB) had %s: %s from header %u (sequence "
                           "%llu) with sequence %llu, then header %u updated to sequence %llu "
                           "(the damaged copy never current)", i + 1,
                           (unsigned)(header_at[i] / VHDX_KiB),
                           damage_words(f->header[i], f->header_zero[i]),
                           dry_run ? "would be rewritten" : "rewritten", f->current_header,
                           (unsigned long long)f->sequence, (unsigned long long)first,
                           f->current_header, (unsigned long long)(first + 1));
}

static void say_region(const struct findings *f, int i, bool dry_run,
                       disk_repair_report *report)
{
    disk_repair_say_change(report, "region table %d (at %u KiB) had %s: %s from copy %d "
                           "through the log", i + 1, (unsigned)(region_at[i] / VHDX_KiB),
                           damage_words(f->region[i], f->region_zero[i]),
                           dry_run ? "would be rewritten" : "rewritten", 2 - i);
}

static void say_zero_offsets(uint64_t count, bool dry_run, disk_repair_report *report)
{
    disk_repair_say_change(report, "%llu ZERO BAT entries kept a file offset, which Hyper-V "
                           "refuses: their offsets %s (the blocks read zeros as before)",
                           (unsigned long long)count, dry_run ? "would be cleared" : "cleared");
}

/* Writes region table copy `damaged` (0 or 1) from the other copy, one batch through the log,
 * then settles the log. */
static vhdx_reader_code rewrite_region(vhdx_writable *w, vhd_io *io, int damaged, uint8_t *buf,
                                       vhdx_reader_error *error)
{
    vhdx_sector_change changes[REGION_SECTORS];
    vhdx_region_table_header table;
    uint64_t from = region_at[1 - damaged];
    vhd_status status = io->read_at(io, from, buf, VHDX_REGION_TABLE_SIZE);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, io, status, "region table", from);
    /* The writable open replayed the log: the copy read is the one the plan found valid. */
    if (vhdx_region_table_header_decode(&table, buf, VHDX_REGION_TABLE_SIZE) != VHDX_FORMAT_OK)
        return vhdx_reader_fail(error, VHDX_READER_BAD_REGION_TABLE, "region table %d changed "
                                "under the repair: nothing to copy from", 2 - damaged);
    for (unsigned s = 0; s < REGION_SECTORS; s++)
        changes[s] = (vhdx_sector_change){ region_at[damaged] + (uint64_t)s * VHDX_LOG_SECTOR_SIZE,
                                           buf + (size_t)s * VHDX_LOG_SECTOR_SIZE };
    vhdx_reader_code code = vhdx_writable_change(w, changes, REGION_SECTORS, false, error);
    if (code == VHDX_READER_OK)
        code = vhdx_writable_settle(w, error);
    return code;
}

/* Makes the changes the plan found: the writable open (log, headers), then the region table. */
static vhd_reader_code make_changes(vhd_io *io, const disk_repair_options *options,
                                    const struct findings *f, uint8_t *buf,
                                    disk_repair_report *report, vhd_reader_error *error)
{
    const vhdx_writable_options writable = { options->random, options->ctx, options->allocate,
                                             options->release };
    vhdx_reader_error inner;
    vhdx_writable *w;
    uint64_t misplaced = 0;
    vhdx_reader_code code = vhdx_writable_open_listing(&w, io, &writable,
                                                       options->accept_loss ? count_misplaced
                                                                            : NULL,
                                                       &misplaced, &inner);
    if (code != VHDX_READER_OK)
        return vhdx_disk_translate_error(&inner, error);
    const vhdx_writable_report *done = vhdx_writable_get_report(w);
    if (done->replayed)
        say_log(f, done, false, report);
    /* The open wrote the non-current slot (the damaged one) first, with sequence + 1. */
    for (int i = 0; i < 2; i++)
        if (header_damaged(f, i))
            say_header(f, i, f->sequence + 1, false, report);
    for (int i = 0; i < 2; i++) {
        if (!region_damaged(f, i))
            continue;
        if ((code = rewrite_region(w, io, i, buf, &inner)) != VHDX_READER_OK)
            break;
        say_region(f, i, false, report);
    }
    if (code == VHDX_READER_OK && f->zero_offsets > 0) {
        uint64_t cleared = 0;
        uint8_t *pages = get(options, (size_t)VHDX_LOG_WRITE_SECTORS_MAX * VHDX_LOG_SECTOR_SIZE);
        if (pages == NULL) {
            vhdx_writable_close(w);
            return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for the BAT");
        }
        code = vhdx_repair_clear_zero_offsets(w, io, &f->bat, pages, &cleared, &inner);
        if (code == VHDX_READER_OK)
            code = vhdx_writable_settle(w, &inner);
        put(options, pages);
        if (code == VHDX_READER_OK && cleared > 0)
            say_zero_offsets(cleared, false, report);
    }
    vhdx_writable_close(w);
    if (code != VHDX_READER_OK)
        return vhdx_disk_translate_error(&inner, error);
    return VHD_READER_OK;
}

vhd_reader_code vhdx_repair(vhd_io *io, const disk_repair_options *options,
                            disk_repair_report *report, vhd_reader_error *error)
{
    struct findings f;
    bool valid;
    memset(&f, 0, sizeof f);
    uint8_t *buf = get(options, VHDX_REGION_TABLE_SIZE);
    if (buf == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for a region table");
    vhd_reader_code code = plan(io, options, buf, &f, report, &valid, error);
    if (code != VHD_READER_OK || !valid)
        goto done;
    bool dirty = f.log.state == VHDX_LOG_REPLAYED_IN_MEMORY;
    bool headers = header_damaged(&f, 0) || header_damaged(&f, 1);
    bool regions = region_damaged(&f, 0) || region_damaged(&f, 1)
        || f.zero_offsets > 0;      /* (the BAT's sectors, as the region tables', by the log) */
    if (!dirty && !headers && !regions && f.misplaced == 0)
        goto paths;                 /* nothing to repair but perhaps the parent's paths */
    if (options->random == NULL && !options->dry_run) {
        code = vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "no source of random GUIDs to "
                               "update the headers with; nothing was written");
        goto done;
    }
    if (!dirty && !headers && !regions)
        ;                           /* only misplaced blocks */
    else if (options->dry_run) {
        if (dirty)
            say_log(&f, NULL, true, report);
        for (int i = 0; i < 2; i++)
            if (header_damaged(&f, i))
                say_header(&f, i, f.sequence + 1, true, report);
        for (int i = 0; i < 2; i++)
            if (region_damaged(&f, i))
                say_region(&f, i, true, report);
        if (f.zero_offsets > 0)
            say_zero_offsets(f.zero_offsets, true, report);
    } else if ((code = make_changes(io, options, &f, buf, report, error)) != VHD_READER_OK)
        goto done;
    /* Last, as they lose data: the misplaced blocks (accept_loss). */
    if (f.misplaced > 0 && (code = vhdx_repair_misplaced(io, options, report, error))
                               != VHD_READER_OK)
        goto done;
paths:
    /* Last, on the repaired file: stale parent paths (vhdx_repair_parent.c). */
    code = vhdx_repair_parent_paths(io, options, report, error);
done:
    put(options, buf);
    return code;
}
