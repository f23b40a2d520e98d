/* Merge of a differencing VHDX into its parent VHDX (vhdx_merge.h), in place, through the
 * parent's log.
 *
 * Why no data can be lost. The chain child -> parent reads every sector from the child when the
 * child holds it (data, or zeros for its ZERO, UNDEFINED and UNMAPPED blocks) and from the
 * parent otherwise; the job writes into the parent only sectors the child holds, with the
 * child's bytes, so the chain reads the same at every instant as long as the child still names
 * its parent. The parent's DataWriteGuid must change before the first change a reader of the
 * parent could see (MS-VHDX 2.2.2), and the child names its parent by that GUID, so the order
 * is MS-VHDX's merge protocol (footnote 12):
 *
 *   0. refusals, before anything is written (both files read with any pending log replayed in
 *      memory): a child that is not a differencing disk, a parent of another size or sector
 *      size or whose DataWriteGuid the child's parent_linkage or parent_linkage2 does not name.
 *   1. the child's parent locator rewritten through the child's log (vhdx_relink_linkage):
 *      parent_linkage = the parent's DataWriteGuid now, parent_linkage2 = G, a new random GUID,
 *      its path keys kept. The child now accepts the parent before and after step 2. This and
 *      the header updates of the child's writable open are the only writes into the child:
 *      never its BAT or data.
 *   2. the parent opened for change (a pending log replayed on disk, a new FileWriteGuid) and
 *      its DataWriteGuid set to G by a header update, before any data is written.
 *   3. the parent's blocks in order, in batches. Per block the child holds sectors of:
 *        FULLY_PRESENT:     the child's sectors written in place (each reads old or new);
 *        PARTIALLY_PRESENT: the child's sectors written in place, their bits set in the
 *                           chunk's sector bitmap (a change through the log, below);
 *        absent (NOT_PRESENT, ZERO, UNDEFINED, UNMAPPED): a new block at the end of what the
 *                           file uses (data past it is named by no entry: an interrupted
 *                           run's copies are written over), every byte written (the child's
 *                           sectors, zeros elsewhere: what a dynamic parent reads there, and
 *                           never a hole), then its entry: FULLY_PRESENT, or in a
 *                           differencing parent over NOT_PRESENT that the child does not cover
 *                           whole, PARTIALLY_PRESENT with exactly the child's sectors' bits
 *                           (its absent sectors still show the grandparent); a chunk without a
 *                           sector bitmap block gets a new one, zeros, first.
 *      A batch (up to VHDX_MERGE_BATCH_BYTES of new blocks and the 126 sectors of one log
 *      entry) ends with one flush of the data, then its BAT and bitmap sectors as one log
 *      entry (vhdx_writable_change: the entry durable before the sectors are written in
 *      place). So flushes grow with batches of blocks, not with blocks. A crash before the
 *      entry is durable leaves the new blocks unnamed, the old entries in force.
 *   4. the parent's log settled (LogGuid cleared).
 *   5. the child's locator tidied: parent_linkage = G, parent_linkage2 left out (one batch
 *      through its log), so readers that know only parent_linkage follow the chain too.
 *
 * A crash anywhere leaves a parent that is a valid VHDX whose sectors each read old or merged,
 * a child that names it (by parent_linkage before step 2 completes, by parent_linkage2 after),
 * and the chain reading the same; running Merge again completes it (step 1 then names the
 * parent's current GUID and a new one). Other children of the parent name its old
 * DataWriteGuid only: from step 2 on they are no longer its children (the specification's
 * intent: their content would otherwise change under them), and readers refuse the pair.
 * The child's IsVirtualDisk items (size, sector sizes, virtual disk id) are not copied into
 * the parent: the size and logical sector size are checked equal, and a child takes the rest
 * from its parent when it is made. */
#include "vhdx_merge.h"

#include <stdlib.h>
#include <string.h>
#include "vhdx_reader_internal.h"
#include "vhdx_relink.h"
#include "vhdx_writable_internal.h"

#define SECTOR VHDX_LOG_SECTOR_SIZE
#define UNIT VHDX_MiB

/* ---- a file that counts its flushes (the report covers both files) ---- */
struct counting_io {
    vhd_io io;                      /* first */
    vhd_io *inner;
    uint64_t flushes;
};

static struct counting_io *counting(vhd_io *io)
{
    return (struct counting_io *)io;
}

static vhd_status counted(struct counting_io *c, vhd_status status)
{
    c->io.os_error = c->inner->os_error;
    return status;
}

static vhd_status c_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct counting_io *c = counting(io);
    return counted(c, c->inner->read_at(c->inner, offset, buf, len));
}

static vhd_status c_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct counting_io *c = counting(io);
    return counted(c, c->inner->write_at(c->inner, offset, buf, len));
}

static vhd_status c_flush(vhd_io *io)
{
    struct counting_io *c = counting(io);
    vhd_status status = c->inner->flush(c->inner);
    if (status == VHD_OK)
        c->flushes++;
    return counted(c, status);
}

static vhd_status c_get_size(vhd_io *io, uint64_t *size)
{
    struct counting_io *c = counting(io);
    return counted(c, c->inner->get_size(c->inner, size));
}

static vhd_status c_set_size(vhd_io *io, uint64_t size)
{
    struct counting_io *c = counting(io);
    return counted(c, c->inner->set_size(c->inner, size));
}

static vhd_status c_allocate(vhd_io *io, uint64_t offset, uint64_t len)
{
    struct counting_io *c = counting(io);
    return counted(c, c->inner->allocate(c->inner, offset, len));
}

static void counting_init(struct counting_io *c, vhd_io *inner)
{
    memset(c, 0, sizeof *c);
    c->inner = inner;
    c->io.read_at = c_read_at;
    c->io.write_at = c_write_at;
    c->io.flush = c_flush;
    c->io.get_size = c_get_size;
    c->io.set_size = inner->set_size ? c_set_size : NULL;
    c->io.allocate = inner->allocate ? c_allocate : NULL;
    c->io.set_size_allocates = inner->set_size_allocates;
    c->io.allocation_steps = inner->allocation_steps;
}

/* ---- the job ---- */
typedef struct merge_job {
    struct counting_io child_file, parent_file;
    vhd_io *parent;                 /* &parent_file.io */
    const vhdx_merge_options *options;
    vhdx_merge_report *report;
    vhdx_reader_error *error;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    vhdx_image *child;              /* the child's reader, for its sectors */
    vhdx_writable *writable;        /* the parent's */
    /* The parent's facts. */
    bool differencing;
    uint32_t block_size, sector_size;
    uint64_t spb, total_sectors, chunk_ratio, data_blocks, bat_entries, bat_offset;
    uint64_t end;                   /* where the next new block goes: past all the file uses */
    uint64_t batch_bytes;           /* of the new blocks of the batch in flight */
    bool data_pending;              /* data written since the last flush */
    /* The metadata sectors of the batch in flight. */
    size_t sector_count;
    vhdx_sector_change changes[VHDX_LOG_WRITE_SECTORS_MAX];
    uint8_t *sectors;
    uint8_t *buffer;                /* VHDX_MERGE_BUFFER */
    uint64_t gather_at;             /* where the bytes gathered in buffer go */
    size_t gathered;
    unsigned percent;
} merge_job;

static void report_progress(merge_job *job, unsigned percent)
{
    if (percent > job->percent) {
        job->percent = percent;
        if (job->options->progress)
            job->options->progress(job->options->ctx, percent);
    }
}

static bool cancelled(merge_job *job)
{
    if (job->options->cancelled == NULL || !job->options->cancelled(job->options->ctx))
        return false;
    vhdx_reader_fail(job->error, VHDX_READER_IO, "the merge was cancelled; both disks read as "
                     "before and running it again completes it");
    if (job->error != NULL)
        job->error->io_status = VHD_E_CANCELLED;
    return true;
}

static vhdx_reader_code write_fail(merge_job *job, vhd_status status, const char *what,
                                   uint64_t offset)
{
    return vhdx_writable_fail_write(job->error, job->parent, status, what, offset);
}

/* The pending copy of the parent's metadata sector at offset (read from the file when it is
 * not pending yet; the caller has made room). */
static vhdx_reader_code pending_sector(merge_job *job, uint64_t offset, uint8_t **data)
{
    for (size_t i = 0; i < job->sector_count; i++)
        if (job->changes[i].file_offset == offset) {
            *data = job->sectors + i * SECTOR;
            return VHDX_READER_OK;
        }
    if (job->sector_count == VHDX_LOG_WRITE_SECTORS_MAX)
        return vhdx_reader_fail(job->error, VHDX_READER_UNSUPPORTED,
                                "a merge batch outgrew its log entry");
    uint8_t *d = job->sectors + job->sector_count * SECTOR;
    vhd_status status = job->parent->read_at(job->parent, offset, d, SECTOR);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(job->error, job->parent, status, "parent's metadata", offset);
    job->changes[job->sector_count].file_offset = offset;
    job->changes[job->sector_count].data = d;
    job->sector_count++;
    *data = d;
    return VHDX_READER_OK;
}

/* The parent's BAT entry at index: the batch's pending value, else the file's (every commit is
 * in place by then). */
static vhdx_reader_code get_entry(merge_job *job, uint64_t index, uint64_t *entry)
{
    uint64_t at = job->bat_offset + index * VHDX_BAT_ENTRY_SIZE;
    uint64_t sector = at / SECTOR * SECTOR;
    for (size_t i = 0; i < job->sector_count; i++)
        if (job->changes[i].file_offset == sector) {
            *entry = vhdx_get64(job->changes[i].data + (at - sector));
            return VHDX_READER_OK;
        }
    uint8_t bytes[VHDX_BAT_ENTRY_SIZE];
    vhd_status status = job->parent->read_at(job->parent, at, bytes, sizeof bytes);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(job->error, job->parent, status, "parent's BAT", at);
    *entry = vhdx_get64(bytes);
    return VHDX_READER_OK;
}

static vhdx_reader_code set_entry(merge_job *job, uint64_t index, uint64_t entry)
{
    uint64_t at = job->bat_offset + index * VHDX_BAT_ENTRY_SIZE;
    uint8_t *data;
    vhdx_reader_code code = pending_sector(job, at / SECTOR * SECTOR, &data);
    if (code == VHDX_READER_OK)
        vhdx_put64(data + at % SECTOR, entry);
    return code;
}

/* Bits [first, first + count) of the sector bitmap block at sb_offset set (or cleared). */
static vhdx_reader_code set_bits(merge_job *job, uint64_t sb_offset, uint64_t first,
                                 uint64_t count, bool value)
{
    const uint64_t bits_per_sector = (uint64_t)SECTOR * 8;
    while (count > 0) {
        uint64_t sector = first / bits_per_sector;
        uint64_t in_sector = bits_per_sector - first % bits_per_sector;
        uint64_t n = count < in_sector ? count : in_sector;
        uint8_t *data;
        vhdx_reader_code code = pending_sector(job, sb_offset + sector * SECTOR, &data);
        if (code != VHDX_READER_OK)
            return code;
        for (uint64_t bit = first % bits_per_sector, end = bit + n; bit < end;) {
            if (bit % 8 == 0 && end - bit >= 8) {
                data[bit / 8] = value ? 0xFF : 0x00;
                bit += 8;
                continue;
            }
            if (value)
                data[bit / 8] |= (uint8_t)(1u << (bit % 8));
            else
                data[bit / 8] &= (uint8_t)~(1u << (bit % 8));
            bit++;
        }
        first += n;
        count -= n;
    }
    return VHDX_READER_OK;
}

/* Ends the batch in flight: its data flushed, then its metadata sectors through the log. */
static vhdx_reader_code commit(merge_job *job)
{
    vhdx_reader_code code = VHDX_READER_OK;
    if (job->data_pending) {
        vhd_status status = job->parent->flush(job->parent);
        if (status != VHD_OK)
            return write_fail(job, status, "merged data (flush)", 0);
        job->data_pending = false;
    }
    if (job->sector_count > 0) {
        code = vhdx_writable_change(job->writable, job->changes, job->sector_count, true,
                                    job->error);
        job->sector_count = 0;
        if (code == VHDX_READER_OK)
            job->report->batches++;
    }
    job->batch_bytes = 0;
    return code;
}

/* Room for length bytes at the end of what the file uses: reserved on the volume where the
 * back end can (every byte is written afterwards anyway, so the file never has a hole). */
static vhdx_reader_code take_space(merge_job *job, uint64_t length, uint64_t *offset)
{
    vhd_io *io = job->parent;
    uint64_t end = job->end + length;
    vhd_status status = VHD_E_NOT_SUPPORTED;
    *offset = job->end;
    if (end > job->writable->file_size) {
        if (io->allocate != NULL && !io->set_size_allocates)
            status = io->allocate(io, job->writable->file_size, end - job->writable->file_size);
        if (status == VHD_E_NOT_SUPPORTED)
            status = io->set_size(io, end);
        if (status != VHD_OK)
            return write_fail(job, status, "parent's new end", end);
        job->writable->file_size = end;
    }
    job->end = end;
    return VHDX_READER_OK;
}

static vhdx_reader_code map_child(merge_job *job, uint64_t lba, uint64_t max, vhdx_extent *extent)
{
    uint32_t n = max < UINT32_MAX ? (uint32_t)max : UINT32_MAX;
    vhdx_reader_code code = vhdx_image_map(job->child, lba, n, extent, job->error);
    if (code == VHDX_READER_OK && extent->sectors == 0)
        code = vhdx_reader_fail(job->error, VHDX_READER_BAD_BAT, "an empty extent of the child");
    return code;
}

/* Whether the child holds any sector of [lba, lba + count), and all of them. */
static vhdx_reader_code scan_block(merge_job *job, uint64_t lba, uint64_t count, bool *any,
                                   bool *all)
{
    *any = false;
    *all = true;
    for (uint64_t end = lba + count; lba < end;) {
        vhdx_extent extent;
        vhdx_reader_code code = map_child(job, lba, end - lba, &extent);
        if (code != VHDX_READER_OK)
            return code;
        if (extent.state == VHDX_EXTENT_NOT_HERE)
            *all = false;
        else
            *any = true;
        lba += extent.sectors;
    }
    return VHDX_READER_OK;
}

/* Bytes gathered in job->buffer for one write at job->gather_at (runs of sectors that follow
 * each other in the parent go out as one write of up to VHDX_MERGE_BUFFER bytes). */
static vhdx_reader_code gather_flush(merge_job *job)
{
    if (job->gathered == 0)
        return VHDX_READER_OK;
    vhd_status status = job->parent->write_at(job->parent, job->gather_at, job->buffer,
                                              job->gathered);
    if (status != VHD_OK)
        return write_fail(job, status, "merged data", job->gather_at);
    job->data_pending = true;
    job->gathered = 0;
    return VHDX_READER_OK;
}

/* Room for len bytes at parent offset at in the buffer (the gathered bytes written first when
 * they do not end there or the buffer is full); where to put them. */
static vhdx_reader_code gather_room(merge_job *job, uint64_t at, size_t len, uint8_t **to)
{
    vhdx_reader_code code;
    if ((job->gathered > 0 && job->gather_at + job->gathered != at)
        || job->gathered + len > VHDX_MERGE_BUFFER)
        if ((code = gather_flush(job)) != VHDX_READER_OK)
            return code;
    if (job->gathered == 0)
        job->gather_at = at;
    *to = job->buffer + job->gathered;
    job->gathered += len;
    return VHDX_READER_OK;
}

/* The child's sectors of [lba0, lba0 + count) written at base (the parent block's offset);
 * whole_block: a new block, so the sectors the child does not hold are written as zeros, and
 * the rest of the block past count too. sb_offset (not 0): the bits of the sectors written set
 * in that bitmap block from bit first_bit on. */
static vhdx_reader_code write_block(merge_job *job, uint64_t base, uint64_t lba0, uint64_t count,
                                    bool whole_block, uint64_t sb_offset, uint64_t first_bit)
{
    const uint64_t chunk = VHDX_MERGE_BUFFER / job->sector_size;
    vhd_io *child_io = vhdx_image_io(job->child);
    vhdx_reader_code code;
    uint8_t *to;
    for (uint64_t lba = lba0, end = lba0 + count; lba < end;) {
        vhdx_extent extent;
        if ((code = map_child(job, lba, end - lba < chunk ? end - lba : chunk, &extent))
            != VHDX_READER_OK)
            return code;
        size_t len = (size_t)extent.sectors * job->sector_size;
        uint64_t at = base + (lba - lba0) * job->sector_size;
        bool held = extent.state != VHDX_EXTENT_NOT_HERE;
        if (held || whole_block) {
            if ((code = gather_room(job, at, len, &to)) != VHDX_READER_OK)
                return code;
            if (extent.state == VHDX_EXTENT_PRESENT) {
                vhd_status status = child_io->read_at(child_io, extent.file_offset, to, len);
                if (status != VHD_OK)
                    return vhdx_reader_fail_io(job->error, child_io, status,
                                               "differencing disk's data", extent.file_offset);
            } else {
                memset(to, 0, len);
            }
        }
        if (held) {
            job->report->sectors_merged += extent.sectors;
            if (sb_offset != 0
                && (code = set_bits(job, sb_offset, first_bit + (lba - lba0), extent.sectors,
                                    true)) != VHDX_READER_OK)
                return code;
        }
        lba += extent.sectors;
    }
    if (whole_block && count < job->spb) {
        uint64_t at = base + count * job->sector_size, stop = base + job->block_size;
        while (at < stop) {
            size_t len = stop - at < VHDX_MERGE_BUFFER ? (size_t)(stop - at) : VHDX_MERGE_BUFFER;
            if ((code = gather_room(job, at, len, &to)) != VHDX_READER_OK)
                return code;
            memset(to, 0, len);
            at += len;
        }
    }
    return gather_flush(job);
}

/* The chunk's sector bitmap block (a new one, zeros, if it has none yet). */
static vhdx_reader_code chunk_bitmap(merge_job *job, uint64_t chunk, bool create,
                                     uint64_t *sb_offset)
{
    uint64_t index = vhdx_bat_bitmap_index(chunk, job->chunk_ratio), entry = 0;
    vhdx_reader_code code = get_entry(job, index, &entry);
    if (code != VHDX_READER_OK)
        return code;
    if (vhdx_bat_state(entry) == VHDX_SB_BLOCK_PRESENT) {
        *sb_offset = vhdx_bat_file_offset(entry);
        if (*sb_offset < VHDX_HEADER_SECTION_SIZE
            || *sb_offset + VHDX_SECTOR_BITMAP_BLOCK > job->writable->file_size)
            return vhdx_reader_fail(job->error, VHDX_READER_BAD_BAT,
                                    "the parent's sector bitmap block of chunk %llu lies outside "
                                    "the file", (unsigned long long)chunk);
        return VHDX_READER_OK;
    }
    if (!create)
        return vhdx_reader_fail(job->error, VHDX_READER_BAD_BAT,
                                "the parent has a partially present block in chunk %llu but no "
                                "sector bitmap block", (unsigned long long)chunk);
    if ((code = take_space(job, VHDX_SECTOR_BITMAP_BLOCK, sb_offset)) != VHDX_READER_OK)
        return code;
    memset(job->buffer, 0, VHDX_MERGE_BUFFER);
    for (uint64_t done = 0; done < VHDX_SECTOR_BITMAP_BLOCK; done += VHDX_MERGE_BUFFER) {
        vhd_status status = job->parent->write_at(job->parent, *sb_offset + done, job->buffer,
                                                  VHDX_MERGE_BUFFER);
        if (status != VHD_OK)
            return write_fail(job, status, "a new sector bitmap block", *sb_offset + done);
    }
    job->data_pending = true;
    job->report->bitmaps_allocated++;
    return set_entry(job, index, vhdx_bat_entry(VHDX_SB_BLOCK_PRESENT, *sb_offset));
}

static vhdx_reader_code merge_block(merge_job *job, uint64_t n)
{
    uint64_t lba0 = n * job->spb;
    uint64_t count = job->total_sectors - lba0 < job->spb ? job->total_sectors - lba0 : job->spb;
    uint64_t index = vhdx_bat_payload_index(n, job->chunk_ratio), entry = 0, sb_offset = 0;
    uint64_t chunk = n / job->chunk_ratio, first_bit = n % job->chunk_ratio * job->spb;
    bool any, all;
    vhdx_reader_code code = scan_block(job, lba0, count, &any, &all);
    if (code != VHDX_READER_OK || !any)
        return code;
    /* Room in the batch: the block's BAT sector, its chunk's bitmap entry and bitmap sectors. */
    size_t need = 2 + (job->differencing ? (size_t)(job->spb / 8 / SECTOR) + 2 : 0);
    if ((job->sector_count + need > VHDX_LOG_WRITE_SECTORS_MAX
         || job->batch_bytes + job->block_size > VHDX_MERGE_BATCH_BYTES)
        && (code = commit(job)) != VHDX_READER_OK)
        return code;
    if ((code = get_entry(job, index, &entry)) != VHDX_READER_OK)
        return code;
    unsigned state = vhdx_bat_state(entry);
    uint64_t offset = vhdx_bat_file_offset(entry);
    if (state == VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
        || state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
        if (offset < VHDX_HEADER_SECTION_SIZE
            || offset + count * job->sector_size > job->writable->file_size)
            return vhdx_reader_fail(job->error, VHDX_READER_BAD_BAT,
                                    "the parent's block %llu lies outside the file",
                                    (unsigned long long)n);
        if (state == VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
            if (!job->differencing)
                return vhdx_reader_fail(job->error, VHDX_READER_BAD_BAT, "a partially present "
                                        "block in a parent that has no parent");
            if ((code = chunk_bitmap(job, chunk, false, &sb_offset)) != VHDX_READER_OK)
                return code;
        }
        job->report->blocks_in_place++;
        return write_block(job, offset, lba0, count, false, sb_offset, first_bit);
    }
    /* Absent in the parent: a new block. */
    bool partial = job->differencing && state == VHDX_PAYLOAD_BLOCK_NOT_PRESENT && !all;
    if (partial) {
        if ((code = chunk_bitmap(job, chunk, true, &sb_offset)) != VHDX_READER_OK
            || (code = set_bits(job, sb_offset, first_bit, job->spb, false)) != VHDX_READER_OK)
            return code;
    }
    if ((code = take_space(job, job->block_size, &offset)) != VHDX_READER_OK
        || (code = write_block(job, offset, lba0, count, true, sb_offset, first_bit))
               != VHDX_READER_OK)
        return code;
    job->report->blocks_allocated++;
    job->batch_bytes += job->block_size;
    return set_entry(job, index, vhdx_bat_entry(partial ? VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT
                                                        : VHDX_PAYLOAD_BLOCK_FULLY_PRESENT,
                                                offset));
}

static bool names_parent(const vhdx_image_info *child, const vhdx_guid *guid)
{
    const char *linkages[] = { child->parent_linkage, child->parent_linkage2 };
    for (int i = 0; i < 2; i++) {
        vhdx_guid linkage;
        if (linkages[i] != NULL && vhdx_guid_parse(linkages[i], &linkage)
            && vhdx_guid_equal(&linkage, guid))
            return true;
    }
    return false;
}

/* Step 0: the refusals, from both files as readers see them; the parent's DataWriteGuid. */
static vhdx_reader_code check_pair(merge_job *job, vhdx_guid *parent_guid)
{
    vhdx_reader_options reader = { job->allocate, job->release };
    vhdx_image *child = NULL, *parent = NULL;
    vhdx_reader_code code = vhdx_image_open(&child, &job->child_file.io, &reader, job->error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *c = vhdx_image_get_info(child);
    if (!c->has_parent) {
        code = vhdx_reader_fail(job->error, VHDX_READER_NOT_POSSIBLE,
                                "Merge takes a differencing disk; this one is a %s VHDX",
                                c->kind == VHDX_KIND_FIXED ? "fixed" : "dynamic");
        goto done;
    }
    if ((code = vhdx_image_open(&parent, job->parent, &reader, job->error)) != VHDX_READER_OK)
        goto done;
    const vhdx_image_info *p = vhdx_image_get_info(parent);
    char guid[39];
    vhdx_guid_format(&p->header.data_write_guid, guid);
    if (p->virtual_size != c->virtual_size || p->logical_sector_size != c->logical_sector_size)
        code = vhdx_reader_fail(job->error, VHDX_READER_PARENT_ID_MISMATCH,
                                "the parent holds %llu bytes in %u-byte sectors, the "
                                "differencing disk %llu in %u-byte sectors: it is not its parent",
                                (unsigned long long)p->virtual_size, p->logical_sector_size,
                                (unsigned long long)c->virtual_size, c->logical_sector_size);
    else if (!names_parent(c, &p->header.data_write_guid))
        code = vhdx_reader_fail(job->error, VHDX_READER_PARENT_ID_MISMATCH,
                                "the parent's DataWriteGuid %s is not the differencing disk's "
                                "parent_linkage %s: it is not its parent, or it was changed since",
                                guid, c->parent_linkage ? c->parent_linkage : "(none)");
    else if (p->region_count > VHDX_READER_REGIONS_KEPT)
        code = vhdx_reader_fail(job->error, VHDX_READER_NOT_POSSIBLE,
                                "the parent's region table lists %u regions; vsdisk merges into "
                                "disks of at most %u", (unsigned)p->region_count,
                                VHDX_READER_REGIONS_KEPT);
    *parent_guid = p->header.data_write_guid;
done:
    vhdx_image_close(parent);
    vhdx_image_close(child);
    return code;
}

/* The parent's facts once it is clean, and where new blocks go: past the header section, the
 * log, every region and every object an entry names inside the file (present blocks, and the
 * file ranges soft anchors keep), read from the BAT as it is on disk. */
static vhdx_reader_code load_parent(merge_job *job)
{
    vhdx_reader_options reader = { job->allocate, job->release };
    vhdx_image *image;
    vhdx_reader_code code = vhdx_image_open(&image, job->parent, &reader, job->error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t file_size = info->file_size, end = VHDX_HEADER_SECTION_SIZE;
    job->differencing = info->has_parent;
    job->block_size = info->block_size;
    job->sector_size = info->logical_sector_size;
    job->spb = info->block_size / info->logical_sector_size;
    job->total_sectors = info->virtual_size / info->logical_sector_size;
    job->chunk_ratio = info->chunk_ratio;
    job->data_blocks = info->data_blocks;
    job->bat_entries = info->bat_entries;
    job->bat_offset = info->bat_region.file_offset;
    if (info->header.log_offset + info->header.log_length > end)
        end = info->header.log_offset + info->header.log_length;
    for (uint32_t i = 0; i < info->region_count && i < VHDX_READER_REGIONS_KEPT; i++)
        if (info->regions[i].entry.file_offset + info->regions[i].entry.length > end)
            end = info->regions[i].entry.file_offset + info->regions[i].entry.length;
    vhdx_image_close(image);

    for (uint64_t index = 0; index < job->bat_entries; index++) {
        uint64_t at = job->bat_offset + index * VHDX_BAT_ENTRY_SIZE;
        if (index % (SECTOR / VHDX_BAT_ENTRY_SIZE) == 0) {
            size_t len = (job->bat_entries - index) * VHDX_BAT_ENTRY_SIZE < SECTOR
                             ? (size_t)((job->bat_entries - index) * VHDX_BAT_ENTRY_SIZE) : SECTOR;
            vhd_status status = job->parent->read_at(job->parent, at, job->buffer, len);
            if (status != VHD_OK)
                return vhdx_reader_fail_io(job->error, job->parent, status, "parent's BAT", at);
        }
        uint64_t entry = vhdx_get64(job->buffer + at % SECTOR);
        uint64_t offset = vhdx_bat_file_offset(entry);
        bool bitmap_slot = index % (job->chunk_ratio + 1) == job->chunk_ratio;
        uint64_t length = bitmap_slot ? VHDX_SECTOR_BITMAP_BLOCK : job->block_size;
        if (offset != 0 && offset < file_size && offset + length > end)
            end = offset + length;
    }
    job->end = (end + UNIT - 1) / UNIT * UNIT;
    return VHDX_READER_OK;
}

static void new_guid(const vhdx_writable_options *options, vhdx_guid *guid)
{
    options->random(options->ctx, guid->bytes);
    guid->bytes[7] = (uint8_t)((guid->bytes[7] & 0x0F) | 0x40);
    guid->bytes[8] = (uint8_t)((guid->bytes[8] & 0x3F) | 0x80);
}

vhdx_reader_code vhdx_merge(vhd_io *child, vhd_io *parent, const vhdx_merge_options *options,
                            vhdx_merge_report *report, vhdx_reader_error *error)
{
    static const vhdx_merge_options none;
    vhdx_reader_error ignored_error;
    vhdx_merge_report ignored;
    vhdx_reader_options reader;
    vhdx_guid old_guid, new_data_guid;
    vhdx_reader_code code;
    merge_job *job;

    if (error == NULL)
        error = &ignored_error;
    vhdx_reader_clear(error);
    if (options == NULL)
        options = &none;
    if (report == NULL)
        report = &ignored;
    memset(report, 0, sizeof *report);
    if (options->writable.random == NULL)
        return vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                "no source of random GUIDs to change the disks with");
    if (parent->set_size == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the parent's back end cannot grow it");
    void *(*allocate)(size_t) = options->writable.allocate ? options->writable.allocate : malloc;
    void (*release)(void *) = options->writable.release ? options->writable.release : free;
    job = allocate(sizeof *job);
    if (job == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the merge");
    memset(job, 0, sizeof *job);
    counting_init(&job->child_file, child);
    counting_init(&job->parent_file, parent);
    job->parent = &job->parent_file.io;
    job->options = options;
    job->report = report;
    job->error = error;
    job->allocate = allocate;
    job->release = release;
    reader.allocate = allocate;
    reader.release = release;
    job->buffer = allocate(VHDX_MERGE_BUFFER);
    job->sectors = allocate((size_t)VHDX_LOG_WRITE_SECTORS_MAX * SECTOR);
    if (job->buffer == NULL || job->sectors == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the merge");
        goto done;
    }
    if ((code = check_pair(job, &old_guid)) != VHDX_READER_OK)
        goto done;
    new_guid(&options->writable, &new_data_guid);
    /* Steps 1 and 2: the child names the next GUID, then the parent takes it. */
    if ((code = vhdx_relink_linkage(&job->child_file.io, &old_guid, &new_data_guid,
                                    &options->writable, error)) != VHDX_READER_OK
        || (code = vhdx_writable_open(&job->writable, job->parent, &options->writable, error))
               != VHDX_READER_OK
        || (code = vhdx_writable_set_data_write_guid(job->writable, &new_data_guid, error))
               != VHDX_READER_OK
        || (code = load_parent(job)) != VHDX_READER_OK
        || (code = vhdx_image_open(&job->child, &job->child_file.io, &reader, error))
               != VHDX_READER_OK)
        goto done;
    /* Step 3. */
    for (uint64_t n = 0; n < job->data_blocks; n++) {
        if (cancelled(job)) {
            /* The batch in flight is left unnamed; the log settled, so the parent is clean. */
            vhdx_reader_error settle;
            code = vhdx_writable_settle(job->writable, &settle);
            if (code != VHDX_READER_OK)
                *error = settle;
            else
                code = error->code;
            goto done;
        }
        if ((code = merge_block(job, n)) != VHDX_READER_OK)
            goto done;
        report_progress(job, (unsigned)(n * 97 / job->data_blocks));
    }
    /* Steps 4 and 5. */
    vhdx_image_close(job->child);
    job->child = NULL;
    if ((code = commit(job)) != VHDX_READER_OK
        || (code = vhdx_writable_settle(job->writable, error)) != VHDX_READER_OK
        || (code = vhdx_relink_linkage(&job->child_file.io, &new_data_guid, NULL,
                                       &options->writable, error)) != VHDX_READER_OK)
        goto done;
    report_progress(job, 100);
done:
    report->flushes = job->child_file.flushes + job->parent_file.flushes;
    vhdx_image_close(job->child);
    vhdx_writable_close(job->writable);
    if (job->buffer)
        release(job->buffer);
    if (job->sectors)
        release(job->sectors);
    release(job);
    return code;
}
