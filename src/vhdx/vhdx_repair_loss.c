/* Repair with accepted loss (vhdx_repair.h): the payload blocks the reader refuses for where
 * they lie. A block that starts inside the file and runs past its end (a copy cut short) is
 * kept and the file extended with zeros to its end: its sectors past the old end are lost (they
 * read zeros). Any other (past the end, far outside, over the metadata or another block) is
 * dropped: its entry becomes NOT_PRESENT (zeros in a dynamic disk, the parent's sectors in a
 * differencing one), the block's guest bytes lost. The extension is one set_size and a flush;
 * the entries change in batches of BAT sectors through the log, DataWriteGuid renewed. Each
 * round fixes at most BAD_KEPT blocks and the next round finds the rest (a block extended for
 * may still overlap another: the next round drops it); the rounds are bounded. */
#include "vhdx_repair.h"

#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "vhdx_disk.h"
#include "vhdx_reader_internal.h"

#define BAD_KEPT VHDX_LOG_WRITE_SECTORS_MAX    /* one batch, even one BAT sector each */

struct bad_block {
    uint64_t index, entry;
    uint64_t guest_offset, guest_length;     /* the block's bytes of the disk */
    uint64_t file_length;                    /* the bytes of the file it needs */
    bool extend;                             /* starts inside the file, runs past its end */
};

struct bad_list {
    uint64_t count;                 /* every block handed, kept or not */
    size_t kept;
    struct bad_block block[BAD_KEPT];
    uint64_t file_size, virtual_size, bat_at;
    uint32_t block_size;
    bool has_parent;
};

_Static_assert(sizeof(struct bad_list) <= 8192, "VHDX_REPAIR_HEAP_MAX counts 8 KiB for the list");

static bool collect(void *ctx, const vhdx_image_info *info, uint64_t index, uint64_t entry,
                    const char *reason)
{
    struct bad_list *list = ctx;
    (void)reason;
    list->count++;
    list->file_size = info->file_size;
    list->virtual_size = info->virtual_size;
    list->block_size = info->block_size;
    list->has_parent = info->has_parent;
    list->bat_at = info->bat_region.file_offset;
    if (list->kept == BAD_KEPT)
        return true;
    uint64_t ratio = info->chunk_ratio;
    uint64_t n = index / (ratio + 1) * ratio + index % (ratio + 1);
    struct bad_block *b = &list->block[list->kept++];
    b->index = index;
    b->entry = entry;
    b->guest_offset = n * info->block_size;
    uint64_t rest = info->virtual_size - b->guest_offset;
    b->guest_length = rest < info->block_size ? rest : info->block_size;
    /* As the reader: a partial last block needs its part, in whole MiB. */
    b->file_length = (b->guest_length + VHDX_MiB - 1) / VHDX_MiB * VHDX_MiB;
    uint64_t offset = vhdx_bat_file_offset(entry);
    b->extend = offset >= VHDX_HEADER_SECTION_SIZE && offset < info->file_size
        && b->file_length > info->file_size - offset;
    return true;
}

/* Lists the misplaced blocks (the file opened as the reader would, passing over them). */
static vhd_reader_code list_bad(vhd_io *io, const disk_repair_options *options,
                                struct bad_list *list, vhd_reader_error *error)
{
    vhdx_reader_options reader = { options->allocate, options->release };
    vhdx_reader_error inner;
    vhdx_image *image;
    memset(list, 0, sizeof *list);
    if (vhdx_image_open_listing(&image, io, &reader, collect, list, &inner) != VHDX_READER_OK) {
        if (inner.code == VHDX_READER_IO || inner.code == VHDX_READER_NO_MEMORY)
            return vhdx_disk_translate_error(&inner, error);
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "with its misplaced blocks "
                               "passed over the file is still not valid, so nothing more was "
                               "written: %s", inner.reason);
    }
    vhdx_image_close(image);
    return VHD_READER_OK;
}

static void say(const struct bad_list *list, bool dry_run, disk_repair_report *report)
{
    for (size_t i = 0; i < list->kept; i++) {
        const struct bad_block *b = &list->block[i];
        uint64_t offset = vhdx_bat_file_offset(b->entry);
        if (b->extend) {
            uint64_t lost = b->file_length - (list->file_size - offset);
            uint64_t from = b->guest_offset + (list->file_size - offset);
            uint64_t length = b->guest_offset + b->guest_length > from
                                  ? b->guest_offset + b->guest_length - from : 0;
            disk_repair_say_change(report, "BAT entry %llu: its block at offset %llu runs %llu "
                                   "bytes past the file's end: the file %s to hold it, guest "
                                   "bytes %llu to %llu lost (they read zeros)",
                                   (unsigned long long)b->index, (unsigned long long)offset,
                                   (unsigned long long)lost,
                                   dry_run ? "would be extended" : "extended",
                                   (unsigned long long)from,
                                   (unsigned long long)(from + length));
            if (length > 0)
                disk_repair_say_loss(report, from, length);
        } else {
            disk_repair_say_change(report, "BAT entry %llu: its block at offset %llu lies outside "
                                   "the file or over other data: %s (NOT_PRESENT), guest bytes "
                                   "%llu to %llu lost (they read %s)", (unsigned long long)b->index,
                                   (unsigned long long)offset,
                                   dry_run ? "would be dropped" : "dropped",
                                   (unsigned long long)b->guest_offset,
                                   (unsigned long long)(b->guest_offset + b->guest_length),
                                   list->has_parent ? "from the parent" : "zeros");
            disk_repair_say_loss(report, b->guest_offset, b->guest_length);
        }
    }
}

/* The file extended to hold the blocks that run past its end; flushed. */
static vhd_reader_code extend(vhd_io *io, const struct bad_list *list, vhd_reader_error *error)
{
    uint64_t end = list->file_size;
    for (size_t i = 0; i < list->kept; i++) {
        const struct bad_block *b = &list->block[i];
        if (b->extend && vhdx_bat_file_offset(b->entry) + b->file_length > end)
            end = vhdx_bat_file_offset(b->entry) + b->file_length;
    }
    if (end == list->file_size)
        return VHD_READER_OK;
    if (io->set_size == NULL)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "this file cannot be extended "
                               "to hold its last block");
    vhd_status status = io->set_size(io, end);
    if (status == VHD_OK)
        status = io->flush(io);
    if (status != VHD_OK)
        return vhd_reader_fail_io(error, io, status, "the file's new end", end);
    return VHD_READER_OK;
}

/* The dropped entries set to NOT_PRESENT: their BAT sectors, one batch through the log. */
static vhd_reader_code drop(vhd_io *io, const disk_repair_options *options,
                            const struct bad_list *list, vhd_reader_error *error)
{
    const vhdx_writable_options writable = { options->random, options->ctx, options->allocate,
                                             options->release };
    struct bad_list ignored;
    vhdx_reader_error inner;
    vhdx_writable *w = NULL;
    vhdx_sector_change changes[BAD_KEPT];
    size_t count = 0;
    bool any = false;
    for (size_t i = 0; i < list->kept; i++)
        any |= !list->block[i].extend;
    if (!any)
        return VHD_READER_OK;
    uint8_t *pages = options->allocate ? options->allocate((size_t)BAD_KEPT * VHDX_LOG_SECTOR_SIZE)
                                       : malloc((size_t)BAD_KEPT * VHDX_LOG_SECTOR_SIZE);
    if (pages == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for the BAT");
    memset(&ignored, 0, sizeof ignored);
    vhdx_reader_code code = vhdx_writable_open_listing(&w, io, &writable, collect, &ignored,
                                                       &inner);
    /* The BAT's place as the listing found it (the writable open checked the file again). */
    const uint64_t bat_at = list->bat_at;
    for (size_t i = 0; i < list->kept && code == VHDX_READER_OK; i++) {
        const struct bad_block *b = &list->block[i];
        if (b->extend)
            continue;
        uint64_t at = bat_at + b->index * VHDX_BAT_ENTRY_SIZE;
        uint64_t sector = at / VHDX_LOG_SECTOR_SIZE * VHDX_LOG_SECTOR_SIZE;
        size_t k = 0;
        while (k < count && changes[k].file_offset != sector)
            k++;
        uint8_t *page = pages + k * VHDX_LOG_SECTOR_SIZE;
        if (k == count) {
            vhd_status status = io->read_at(io, sector, page, VHDX_LOG_SECTOR_SIZE);
            if (status != VHD_OK) {
                code = vhdx_reader_fail_io(&inner, io, status, "BAT", sector);
                break;
            }
            changes[count++] = (vhdx_sector_change){ sector, page };
        }
        vhdx_put64(page + (at - sector), vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_NOT_PRESENT, 0));
    }
    if (code == VHDX_READER_OK)
        code = vhdx_writable_change(w, changes, count, true, &inner);
    if (code == VHDX_READER_OK)
        code = vhdx_writable_settle(w, &inner);
    vhdx_writable_close(w);
    if (options->release)
        options->release(pages);
    else
        free(pages);
    return code == VHDX_READER_OK ? VHD_READER_OK : vhdx_disk_translate_error(&inner, error);
}

vhd_reader_code vhdx_repair_misplaced(vhd_io *io, const disk_repair_options *options,
                                      disk_repair_report *report, vhd_reader_error *error)
{
    struct bad_list *list = options->allocate ? options->allocate(sizeof *list)
                                              : malloc(sizeof *list);
    if (list == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory for the BAT's list");
    vhd_reader_code code = list_bad(io, options, list, error);
    /* Every round fixes every block it keeps (BAD_KEPT at least), an extended one may need one
     * more round to be dropped: at most two rounds per BAD_KEPT blocks found first, and one. */
    uint64_t rounds = code == VHD_READER_OK ? 2 * (list->count / BAD_KEPT + 1) + 1 : 0;
    for (uint64_t round = 0; code == VHD_READER_OK && list->count > 0; round++) {
        if (round == rounds) {
            code = vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "misplaced blocks are still "
                                   "found after %llu rounds", (unsigned long long)rounds);
            break;
        }
        if (options->dry_run) {
            say(list, true, report);
            if (list->count > list->kept)
                disk_repair_say_change(report, "and %llu more blocks like these would be "
                                       "extended for or dropped",
                                       (unsigned long long)(list->count - list->kept));
            break;
        }
        if ((code = extend(io, list, error)) != VHD_READER_OK
            || (code = drop(io, options, list, error)) != VHD_READER_OK)
            break;
        say(list, false, report);
        code = list_bad(io, options, list, error);
    }
    if (options->release)
        options->release(list);
    else
        free(list);
    return code;
}
