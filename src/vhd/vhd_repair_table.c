/* The block table of a disk to repair: entries that cannot be kept without losing data.
 *
 * An entry whose block runs past the end of the file, lies over the metadata (the footer
 * copy, the dynamic header, the table, a parent locator's data) or shares bytes with another
 * block cannot be made valid without giving up what the guest wrote there: by default each is
 * refused with its reason and nothing is written. With accept_loss the entries are set unused
 * (where two blocks share bytes, the one later in the table, as VirtualBox does), written
 * back a 4 KiB window at a time and flushed; their guest ranges are listed as lost. A crash
 * half-way leaves some entries dropped and the rest as they were: the disk as refused as
 * before, and the repair run again drops the rest.
 *
 * A block of a differencing disk written over a parent locator's data (qemu's defect) is not
 * dropped but moved (relay below): nothing is lost.
 *
 * Memory: 24 bytes per allocated block, at most VHD_REPAIR_BLOCKS_MAX of them (96 MiB), and a
 * 256 KiB buffer to move a block. */
#include "vhd_repair_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "vhd_op_common.h"

#define VHD_REPAIR_BLOCKS_MAX (1u << 22)
#define RELAY_BUFFER (256u * 1024u)

/* RELAY: kept, moved off a parent locator's data it was written over (qemu's defect). */
enum drop_reason { KEEP, OUTSIDE, OVER_METADATA, ON_BLOCK, RELAY };

struct block_place {
    uint64_t start;
    uint32_t index;
    uint32_t other;             /* ON_BLOCK: the block it shares bytes with */
    enum drop_reason reason;
    const char *what;           /* OVER_METADATA: which structure */
};

struct region {
    uint64_t start, end;
    const char *what;
};

static int by_start(const void *a, const void *b)
{
    const struct block_place *x = a, *y = b;
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->index > y->index) - (x->index < y->index);
}

static int by_index(const void *a, const void *b)
{
    const struct block_place *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

static uint64_t round_up(uint64_t value, uint64_t multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

/* The metadata a block must not lie over; returns how many regions. */
static unsigned metadata_regions(vhd_repair_job *r, struct region out[3 + VHD_PARENT_LOCATOR_COUNT])
{
    unsigned n = 0;
    const vhd_dynamic_header *h = &r->header;
    out[n++] = (struct region){ 0, VHD_FOOTER_SIZE, "footer copy" };
    out[n++] = (struct region){ r->footer.data_offset,
                                r->footer.data_offset + VHD_DYNAMIC_HEADER_SIZE,
                                "dynamic header" };
    out[n++] = (struct region){ h->table_offset,
                                h->table_offset + round_up((uint64_t)h->max_table_entries * 4,
                                                           VHD_SECTOR_SIZE),
                                "block allocation table" };
    if (r->footer.disk_type != VHD_DISK_TYPE_DIFFERENCING)
        return n;
    for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
        const vhd_parent_locator *l = &h->parent_locator[i];
        if (l->platform_code == 0)
            continue;
        /* Space in sectors (the specification) or in bytes (Windows): the larger reading
         * only when it is a whole number of sectors in bytes. */
        uint64_t space = l->platform_data_space < VHD_SECTOR_SIZE
                             ? (uint64_t)l->platform_data_space * VHD_SECTOR_SIZE
                             : l->platform_data_space;
        if (space == 0)
            space = round_up(l->platform_data_length, VHD_SECTOR_SIZE);
        if (l->platform_data_offset > UINT64_MAX - space)
            continue;
        out[n++] = (struct region){ l->platform_data_offset, l->platform_data_offset + space,
                                    "parent locator data" };
    }
    return n;
}

static vhd_reader_code read_places(vhd_repair_job *r, struct block_place *places, size_t max,
                                   size_t *count)
{
    vhd_bat bat;
    vhd_bat_init(&bat, r->io, r->header.table_offset, r->blocks);
    *count = 0;
    for (uint32_t i = 0; i < r->blocks; i++) {
        uint32_t entry;
        vhd_status status = vhd_bat_get(&bat, i, &entry);
        if (status != VHD_OK)
            return vhd_reader_fail_io(r->error, r->io, status, "the block allocation table",
                                      r->header.table_offset + (uint64_t)i * 4);
        if (entry == VHD_BAT_ENTRY_UNUSED)
            continue;
        if (*count < max)
            places[*count] = (struct block_place){ (uint64_t)entry * VHD_SECTOR_SIZE, i, 0,
                                                   KEEP, NULL };
        (*count)++;
    }
    return VHD_READER_OK;
}

/* Counts the allocated entries first, so that memory follows the table, not a claim. */
static vhd_reader_code count_allocated(vhd_repair_job *r, size_t *count)
{
    return read_places(r, NULL, 0, count);
}

static void classify(vhd_repair_job *r, struct block_place *places, size_t count)
{
    struct region regions[3 + VHD_PARENT_LOCATOR_COUNT];
    unsigned region_count = metadata_regions(r, regions);
    /* Blocks may run up to the footer at the end, or to the file's end when that footer is
     * missing (it is rebuilt after them). */
    uint64_t limit = r->end_footer_valid ? r->file_size - VHD_FOOTER_SIZE : r->file_size;
    for (size_t i = 0; i < count; i++) {
        struct block_place *p = &places[i];
        if (p->start > limit || r->block_bytes > limit - p->start) {
            p->reason = OUTSIDE;
            continue;
        }
        for (unsigned k = 0; k < region_count && p->reason != OVER_METADATA; k++) {
            if (p->start < regions[k].end && regions[k].start < p->start + r->block_bytes) {
                /* Regions 0 to 2 are the footer copy, the header and the table. */
                p->reason = k >= 3 ? RELAY : OVER_METADATA;
                p->what = regions[k].what;
            }
        }
    }
    qsort(places, count, sizeof *places, by_start);
    struct block_place *last = NULL;   /* the kept block reaching furthest so far */
    for (size_t i = 0; i < count; i++) {
        struct block_place *p = &places[i];
        if (p->reason != KEEP && p->reason != RELAY)
            continue;
        if (last != NULL && p->start < last->start + r->block_bytes) {
            /* The later entry in the table gives way. */
            struct block_place *loser = p->index > last->index ? p : last;
            loser->reason = ON_BLOCK;
            loser->other = loser == p ? last->index : p->index;
            if (loser == last)
                last = p;
            continue;
        }
        last = p;
    }
    qsort(places, count, sizeof *places, by_index);
}

static void say_dropped(vhd_repair_job *r, const struct block_place *p, bool refused)
{
    uint64_t guest = (uint64_t)p->index * r->header.block_size;
    uint64_t length = r->footer.current_size - guest < r->header.block_size
                          ? r->footer.current_size - guest : r->header.block_size;
    char why[160];
    switch (p->reason) {
    case OUTSIDE:
        snprintf(why, sizeof why, "runs past the end of the file (%llu bytes)",
                 (unsigned long long)r->file_size);
        break;
    case OVER_METADATA:
        snprintf(why, sizeof why, "lies over the %s", p->what);
        break;
    default:
        snprintf(why, sizeof why, "shares bytes of the file with block %u", (unsigned)p->other);
        break;
    }
    if (refused) {
        vhd_repair_refuse(r, "block %u (guest bytes %llu to %llu) at offset %llu %s: it cannot "
                          "be kept, and dropping its entry loses what the guest wrote there "
                          "(--accept-data-loss drops it)", (unsigned)p->index,
                          (unsigned long long)guest, (unsigned long long)(guest + length),
                          (unsigned long long)p->start, why);
        return;
    }
    vhd_repair_change(r, "block %u's entry dropped: the block at offset %llu %s; its guest "
                      "bytes %llu to %llu now read as %s", (unsigned)p->index,
                      (unsigned long long)p->start, why, (unsigned long long)guest,
                      (unsigned long long)(guest + length),
                      r->footer.disk_type == VHD_DISK_TYPE_DIFFERENCING ? "the parent's"
                                                                         : "zeros");
    disk_repair_say_loss(r->report, guest, length);
}

static vhd_reader_code io_failed(vhd_repair_job *r, vhd_status status, const char *what)
{
    vhd_reader_fail(r->error, VHD_READER_IO, "%s: %s", what, vhd_status_message(status));
    r->error->io_status = status;
    r->error->os_error = r->io->os_error;
    return VHD_READER_IO;
}

/* Moves a block written over a parent locator's data (qemu, which knows no locators, puts a
 * differencing disk's first block right after the table) to the end of the file: its bitmap
 * and data copied after the last byte (data 4 KiB-aligned) and flushed, a footer after it and
 * flushed (the file's last sector until then is block data, so the copy at offset 0 describes
 * the disk meanwhile), then its table entry pointed at the copy and flushed. The bytes it
 * leaves, the locator's data among them, are then nobody's but the locator's. */
static vhd_reader_code relay(vhd_repair_job *r, struct block_place *p, uint8_t *buffer,
                             size_t buffer_size)
{
    uint64_t bitmap = r->block_bytes - r->header.block_size;
    uint64_t from = p->start;
    uint64_t to = round_up(r->file_size + bitmap, 4096) - bitmap;
    vhd_repair_change(r, "block %u, written over the %s (qemu's defect: it places a "
                      "differencing disk's first block after the table, over the locators), "
                      "moved with its data from offset %llu to %llu; the locator's place is its "
                      "own again", (unsigned)p->index, p->what, (unsigned long long)from,
                      (unsigned long long)to);
    if (r->options->dry_run)
        return VHD_READER_OK;
    vhd_status status = VHD_OK;
    for (uint64_t done = 0; done < r->block_bytes && status == VHD_OK;) {
        size_t n = r->block_bytes - done < buffer_size ? (size_t)(r->block_bytes - done)
                                                       : buffer_size;
        status = r->io->read_at(r->io, from + done, buffer, n);
        if (status == VHD_OK)
            status = r->io->write_at(r->io, to + done, buffer, n);
        done += n;
    }
    if (status == VHD_OK)
        status = r->io->flush(r->io);
    if (status != VHD_OK)
        return io_failed(r, status, "copying a block to the end of the file");
    struct footer_read *winner = r->footers.end_wins ? &r->footers.end : &r->footers.copy;
    uint8_t footer[VHD_FOOTER_SIZE];
    memcpy(footer, winner->bytes, sizeof footer);
    footer[64] = footer[65] = footer[66] = footer[67] = 0;
    uint32_t sum = vhd_checksum(footer, sizeof footer, 64);
    footer[64] = (uint8_t)(sum >> 24);
    footer[65] = (uint8_t)(sum >> 16);
    footer[66] = (uint8_t)(sum >> 8);
    footer[67] = (uint8_t)sum;
    uint64_t footer_at = to + r->block_bytes;
    vhd_reader_code code = vhd_repair_write(r, footer_at, footer, sizeof footer, "the footer");
    if (code != VHD_READER_OK)
        return code;
    /* The footer now at the end is the winner's, checksum recomputed. */
    r->footers.end = *winner;
    memcpy(r->footers.end.bytes, footer, sizeof footer);
    r->footers.end.at = footer_at;
    r->footers.end.len = VHD_FOOTER_SIZE;
    r->footers.end.state = FOOTER_VALID;
    r->footers.end_wins = true;
    r->file_size = footer_at + VHD_FOOTER_SIZE;
    r->end_footer_valid = true;
    uint32_t sector = (uint32_t)(to / VHD_SECTOR_SIZE);
    uint8_t entry[4] = { (uint8_t)(sector >> 24), (uint8_t)(sector >> 16), (uint8_t)(sector >> 8),
                         (uint8_t)sector };
    code = vhd_repair_write(r, r->header.table_offset + (uint64_t)p->index * 4, entry,
                            sizeof entry, "the block allocation table");
    p->start = to;
    return code;
}

static vhd_reader_code drop(vhd_repair_job *r, const struct block_place *places, size_t count)
{
    vhd_bat bat;
    vhd_status status = VHD_OK;
    vhd_bat_init(&bat, r->io, r->header.table_offset, r->blocks);
    for (size_t i = 0; i < count && status == VHD_OK; i++) {
        if (places[i].reason != KEEP)
            status = vhd_bat_set(&bat, places[i].index, VHD_BAT_ENTRY_UNUSED);
    }
    if (status == VHD_OK)
        status = vhd_bat_write_back(&bat);
    if (status == VHD_OK)
        status = r->io->flush(r->io);
    if (status == VHD_OK)
        return VHD_READER_OK;
    vhd_reader_fail(r->error, VHD_READER_IO, "writing the block allocation table: %s",
                    vhd_status_message(status));
    r->error->io_status = status;
    r->error->os_error = r->io->os_error;
    return VHD_READER_IO;
}

vhd_reader_code vhd_repair_table(vhd_repair_job *r)
{
    struct region regions[3 + VHD_PARENT_LOCATOR_COUNT];
    unsigned region_count = metadata_regions(r, regions);
    size_t count;
    vhd_reader_code code;

    r->metadata_end = 0;
    for (unsigned k = 0; k < region_count; k++) {
        if (regions[k].end > r->metadata_end && regions[k].end <= r->file_size)
            r->metadata_end = regions[k].end;
    }
    r->data_end = r->metadata_end;
    if ((code = count_allocated(r, &count)) != VHD_READER_OK)
        return code;
    if (count == 0)
        return VHD_READER_OK;
    if (count > VHD_REPAIR_BLOCKS_MAX)
        return vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "%llu allocated blocks, more "
                               "than the %u whose places the repair sorts", (unsigned long long)count,
                               VHD_REPAIR_BLOCKS_MAX);
    const disk_repair_options *o = r->options;
    struct block_place *places = o->allocate ? o->allocate(count * sizeof *places)
                                             : malloc(count * sizeof *places);
    if (places == NULL)
        return vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "no memory for %llu block places",
                               (unsigned long long)count);
    size_t read;
    uint8_t *buffer = NULL;
    code = read_places(r, places, count, &read);
    if (code == VHD_READER_OK && read != count)
        code = vhd_reader_fail(r->error, VHD_READER_IO, "the block allocation table changed "
                               "while it was read");
    if (code != VHD_READER_OK)
        goto out;
    classify(r, places, count);
    size_t dropped = 0;
    for (size_t i = 0; i < count && code == VHD_READER_OK; i++) {
        if (places[i].reason != RELAY)
            continue;
        if (buffer == NULL) {
            buffer = o->allocate ? o->allocate(RELAY_BUFFER) : malloc(RELAY_BUFFER);
            if (buffer == NULL) {
                code = vhd_reader_fail(r->error, VHD_READER_NO_MEMORY, "no memory to move a block");
                break;
            }
        }
        code = relay(r, &places[i], buffer, RELAY_BUFFER);
        places[i].reason = KEEP;
    }
    if (code != VHD_READER_OK)
        goto out;
    for (size_t i = 0; i < count; i++) {
        const struct block_place *p = &places[i];
        if (p->reason != KEEP) {
            say_dropped(r, p, !o->accept_loss);
            dropped++;
        }
        /* Blocks not dropped now keep their place: the end footer goes after them. */
        if ((p->reason == KEEP || (!o->accept_loss && p->reason != OUTSIDE))
            && p->start + r->block_bytes > r->data_end)
            r->data_end = p->start + r->block_bytes;
        /* A refused block cut short by the file's end keeps what it has: nothing goes over it. */
        if (p->reason == OUTSIDE && !o->accept_loss && p->start < r->file_size
            && round_up(r->file_size, VHD_SECTOR_SIZE) > r->data_end)
            r->data_end = round_up(r->file_size, VHD_SECTOR_SIZE);
    }
    if (dropped != 0 && o->accept_loss && !o->dry_run)
        code = drop(r, places, count);
out:
    if (o->release) {
        o->release(places);
        if (buffer != NULL)
            o->release(buffer);
    } else {
        free(places);
        free(buffer);
    }
    return code;
}
