/* The footers of a disk to repair: which one describes the disk, and rewriting the others.
 *
 * Which footer wins. The specification makes the footer at the end the primary one and says
 * readers fall back on the copy at offset 0 when the end one's checksum fails; so: the end
 * footer when its checksum holds and it describes a disk that is there (a fixed disk's data
 * fits before it; a sparse disk's dynamic header is at its data offset, with a table that
 * fits); else the copy at offset 0 under the same test; else, when no checksum holds, a
 * footer whose only fault is its checksum (a hand edit) in the same order. Both valid and
 * different: the end one wins, unless only the copy matches the header (then the end one is a
 * stray sector, such as a block's last sector after the real footer was cut off).
 *
 * Writes: the end footer first, then the copy (one 512-byte write each, each flushed). While
 * the end one is written the copy describes the disk, and the reverse, so at every instant a
 * valid footer that describes the disk is where readers look. A missing end footer goes over
 * the file's last sector when nothing (no block, no metadata) uses it, else right after the
 * last block (r->data_end), the file growing by what the cut took; the file is never cut, so
 * space nothing refers to stays (check reports it, compact gives it back). */
#include "vhd_repair_internal.h"

#include <string.h>
#include "disk_error.h"

#define ALL_ONES UINT64_C(0xFFFFFFFFFFFFFFFF)
#define OLD_ALL_ONES UINT64_C(0x00000000FFFFFFFF)
#define MAX_SPARSE_SIZE (UINT64_C(0xFF000000) * VHD_SECTOR_SIZE)

#define CREATOR_APPLICATION_AT 28
#define CHECKSUM_AT 64
#define HEADER_CHECKSUM_AT 36

vhd_reader_code vhd_repair_write(vhd_repair_job *r, uint64_t offset, const void *buf, size_t len,
                                 const char *what)
{
    vhd_status status = r->io->write_at(r->io, offset, buf, len);
    if (status == VHD_OK)
        status = r->io->flush(r->io);
    if (status == VHD_OK)
        return VHD_READER_OK;
    vhd_reader_fail(r->error, VHD_READER_IO, "writing %s at offset %llu: %s", what,
                    (unsigned long long)offset, vhd_status_message(status));
    r->error->io_status = status;
    r->error->os_error = r->io->os_error;
    return VHD_READER_IO;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_checksum(uint8_t footer[VHD_FOOTER_SIZE])
{
    put_be32(footer + CHECKSUM_AT, vhd_checksum(footer, VHD_FOOTER_SIZE, CHECKSUM_AT));
}

static bool is_sparse(uint32_t type)
{
    return type == VHD_DISK_TYPE_DYNAMIC || type == VHD_DISK_TYPE_DIFFERENCING;
}

/* The dynamic header at offset, decoded; true if its fields are consistent with footer and
 * the file (its checksum is not looked at: *checksum_ok says whether it holds). */
static vhd_reader_code header_fits(vhd_repair_job *r, const vhd_footer *footer, vhd_dynamic_header *h,
                                   bool *checksum_ok, bool *fits)
{
    uint8_t buf[VHD_DYNAMIC_HEADER_SIZE];
    uint64_t at = footer->data_offset;
    *fits = false;
    if (at < VHD_FOOTER_SIZE || at % VHD_SECTOR_SIZE != 0 || at > r->file_size
        || r->file_size - at < VHD_DYNAMIC_HEADER_SIZE)
        return VHD_READER_OK;
    vhd_status status = r->io->read_at(r->io, at, buf, sizeof buf);
    if (status != VHD_OK)
        return vhd_reader_fail_io(r->error, r->io, status, "the dynamic header", at);
    vhd_format_status format = vhd_dynamic_header_decode(h, buf, sizeof buf);
    *checksum_ok = format == VHD_FORMAT_OK;
    if (format != VHD_FORMAT_OK && format != VHD_FORMAT_BAD_CHECKSUM)
        return VHD_READER_OK;
    uint64_t table_bytes = (uint64_t)h->max_table_entries * 4;
    *fits = h->header_version >> 16 == 1
            && (h->data_offset == ALL_ONES || h->data_offset == OLD_ALL_ONES)
            && h->block_size >= VHD_SECTOR_SIZE && (h->block_size & (h->block_size - 1)) == 0
            && (uint64_t)h->max_table_entries * h->block_size >= footer->current_size
            && h->table_offset % VHD_SECTOR_SIZE == 0 && h->table_offset >= VHD_FOOTER_SIZE
            && h->table_offset <= r->file_size && table_bytes <= r->file_size - h->table_offset
            && (h->table_offset >= at + VHD_DYNAMIC_HEADER_SIZE
                || h->table_offset + table_bytes <= at);
    return VHD_READER_OK;
}

static bool footer_fields_sane(const vhd_footer *f)
{
    return f->file_format_version >> 16 == 1
           && (f->features & ~(uint32_t)(VHD_FEATURES_TEMPORARY | VHD_FEATURES_RESERVED)) == 0
           && (f->disk_type == VHD_DISK_TYPE_FIXED || is_sparse(f->disk_type))
           && f->current_size != 0 && f->current_size % VHD_SECTOR_SIZE == 0;
}

static vhd_reader_code read_footer(vhd_repair_job *r, uint64_t at, size_t len, struct footer_read *f)
{
    memset(f, 0, sizeof *f);
    f->at = at;
    f->len = len;
    f->state = FOOTER_DAMAGED;
    vhd_status status = r->io->read_at(r->io, at, f->bytes, len);
    if (status != VHD_OK)
        return vhd_reader_fail_io(r->error, r->io, status, "a footer", at);
    vhd_format_status format = vhd_footer_decode(&f->footer, f->bytes, sizeof f->bytes);
    if (format == VHD_FORMAT_OK)
        f->state = FOOTER_VALID;
    else if (format == VHD_FORMAT_BAD_CHECKSUM)
        f->state = FOOTER_STALE_CHECKSUM;
    if (f->state == FOOTER_DAMAGED || !footer_fields_sane(&f->footer))
        return VHD_READER_OK;
    const vhd_footer *ft = &f->footer;
    if (ft->disk_type == VHD_DISK_TYPE_FIXED) {
        /* Only the end footer can be a fixed disk's, with its data before it. */
        f->describes = at != 0 && (ft->data_offset == ALL_ONES || ft->data_offset == OLD_ALL_ONES)
                       && ft->current_size <= at;
        return VHD_READER_OK;
    }
    vhd_dynamic_header header;
    bool checksum_ok;
    if (ft->current_size > MAX_SPARSE_SIZE)
        return VHD_READER_OK;
    return header_fits(r, ft, &header, &checksum_ok, &f->describes);
}

vhd_reader_code vhd_repair_pick_footer(vhd_repair_job *r, bool *usable)
{
    vhd_reader_code code;
    struct vhd_repair_footers *picked = &r->footers;
    *usable = false;
    memset(picked, 0, sizeof *picked);
    picked->end.state = picked->copy.state = FOOTER_DAMAGED;
    /* Not a disk at all: a failure to say, not a refusal (nothing in it is a disk's). */
    if (r->file_size < VHD_FOOTER_SIZE)
        return vhd_reader_fail(r->error, VHD_READER_NOT_POSSIBLE, "the file is %llu bytes long, "
                               "shorter than a VHD footer: it is not a VHD; nothing was written",
                               (unsigned long long)r->file_size);
    if ((code = read_footer(r, r->file_size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, &picked->end))
        != VHD_READER_OK)
        return code;
    if (picked->end.state != FOOTER_VALID && r->file_size % VHD_SECTOR_SIZE == VHD_FOOTER_SIZE - 1) {
        /* A 511-byte footer of the products before Virtual PC 2004. */
        struct footer_read short_end;
        if ((code = read_footer(r, r->file_size - (VHD_FOOTER_SIZE - 1), VHD_FOOTER_SIZE - 1,
                                &short_end)) != VHD_READER_OK)
            return code;
        if (short_end.state == FOOTER_VALID)
            picked->end = short_end;
    }
    r->end_footer_valid = picked->end.state == FOOTER_VALID && picked->end.len == VHD_FOOTER_SIZE;
    if (r->file_size >= 2 * VHD_FOOTER_SIZE
        && (code = read_footer(r, 0, VHD_FOOTER_SIZE, &picked->copy)) != VHD_READER_OK)
        return code;
    const struct footer_read *end = &picked->end, *copy = &picked->copy;
    bool copy_usable = is_sparse(copy->footer.disk_type) && copy->describes;
    if (end->state == FOOTER_VALID && end->describes)
        picked->end_wins = true;
    else if (copy->state == FOOTER_VALID && copy_usable)
        picked->end_wins = false;
    else if (end->state == FOOTER_STALE_CHECKSUM && end->describes)
        picked->end_wins = true;
    else if (copy->state == FOOTER_STALE_CHECKSUM && copy_usable)
        picked->end_wins = false;
    else {
        if (end->state == FOOTER_DAMAGED && copy->state == FOOTER_VALID
            && copy->footer.disk_type == VHD_DISK_TYPE_FIXED)
            vhd_repair_refuse(r, "the footer at the end of the file is missing or damaged, and "
                              "a fixed disk has no copy of it: nothing says the disk's size "
                              "(convert the file as a raw image to keep its data)");
        else if (end->state == FOOTER_DAMAGED && copy->state == FOOTER_DAMAGED)
            vhd_repair_refuse(r, "no VHD footer at the end of the file nor at offset 0 (a fixed "
                              "disk cut short, or not a VHD): nothing says what disk it held "
                              "(convert the file as a raw image to keep its data)");
        else
            vhd_repair_refuse(r, "no footer describes a disk that is in the file (a fixed "
                              "disk's data does not fit before its footer, or no dynamic "
                              "header is where a sparse disk's footer says): nothing to "
                              "rebuild it from");
        return VHD_READER_OK;
    }
    r->footer = picked->end_wins ? end->footer : copy->footer;
    r->sparse = is_sparse(r->footer.disk_type);
    if (r->sparse) {
        bool checksum_ok, fits;
        if ((code = header_fits(r, &r->footer, &r->header, &checksum_ok, &fits)) != VHD_READER_OK)
            return code;
        r->blocks = (uint32_t)((r->footer.current_size + r->header.block_size - 1)
                               / r->header.block_size);
        uint64_t bitmap = ((uint64_t)r->header.block_size / VHD_SECTOR_SIZE / 8 + VHD_SECTOR_SIZE
                           - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
        r->block_bytes = bitmap + r->header.block_size;
    }
    *usable = true;
    return VHD_READER_OK;
}

static unsigned first_difference(const uint8_t *a, const uint8_t *b)
{
    unsigned i = 0;
    while (i < VHD_FOOTER_SIZE - 1 && a[i] == b[i])
        i++;
    return i;
}

/* Where a rebuilt end footer goes: where the file ends when nothing uses its last sector,
 * else right after the data (the file grows to end with it). */
static uint64_t end_footer_place(const vhd_repair_job *r)
{
    if (!r->sparse)
        return r->file_size - r->footers.end.len;
    if (r->file_size < r->data_end + VHD_FOOTER_SIZE)
        return r->data_end;
    /* Over the last sector (a trashed footer), or after it (a footer cut off whole) when only
     * that place puts a next block's data 4 KiB-aligned, as Windows and vsdisk lay disks out. */
    uint64_t over = (r->file_size - VHD_FOOTER_SIZE) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
    uint64_t after = (r->file_size + VHD_SECTOR_SIZE - 1) / VHD_SECTOR_SIZE * VHD_SECTOR_SIZE;
    uint64_t bitmap = r->block_bytes - r->header.block_size;
    if ((after + bitmap) % 4096 == 0 && (over + bitmap) % 4096 != 0)
        return after;
    return over;
}

vhd_reader_code vhd_repair_write_footers(vhd_repair_job *r)
{
    uint8_t as_picked[VHD_FOOTER_SIZE], wanted[VHD_FOOTER_SIZE];
    const vhd_footer *footer = &r->footer;
    vhd_reader_code code;
    bool dry = r->options->dry_run;
    const struct vhd_repair_footers *picked = &r->footers;
    const struct footer_read *end = &picked->end, *copy = &picked->copy;

    /* The picked footer's own bytes with their checksum (a short footer's 512th byte is
     * reserved, zero): fields never re-encoded, so nothing but what is said changes. */
    memcpy(as_picked, picked->end_wins ? end->bytes : copy->bytes, sizeof as_picked);
    put_checksum(as_picked);
    memcpy(wanted, as_picked, sizeof wanted);
    bool relabel = memcmp(footer->creator_application, VHD_CREATOR_APPLICATION_VSDISK_0_2, 4) == 0;
    if (relabel) {
        memcpy(wanted + CREATOR_APPLICATION_AT, VHD_CREATOR_APPLICATION_WINDOWS, 4);
        put_checksum(wanted);
    }

    bool end_in_place = end->state != FOOTER_DAMAGED && end->len == VHD_FOOTER_SIZE
                        && picked->end_wins;
    uint64_t end_at = end_in_place ? end->at : end_footer_place(r);
    bool write_end = !end_in_place || memcmp(end->bytes, wanted, sizeof wanted) != 0;
    bool write_copy = r->sparse && memcmp(copy->bytes, wanted, sizeof wanted) != 0;

    if (!end_in_place)
        vhd_repair_change(r, "the footer at the end of the file was %s: rebuilt from the copy "
                          "at offset 0, at offset %llu after the last block",
                          end->len != VHD_FOOTER_SIZE && end->state == FOOTER_VALID
                              ? "a 511-byte footer of the products before Virtual PC 2004"
                          : end->state == FOOTER_DAMAGED ? "missing or damaged (a copy cut short?)"
                              : "a footer that did not describe the disk (no dynamic header "
                                "where it said)",
                          (unsigned long long)end_at);
    else if (memcmp(end->bytes, as_picked, sizeof as_picked) != 0)
        vhd_repair_change(r, "the footer's checksum was stale (its fields edited by hand, and "
                          "consistent with the disk): recomputed");
    if (r->sparse && memcmp(copy->bytes, as_picked, sizeof as_picked) != 0) {
        if (copy->state == FOOTER_DAMAGED || (picked->end_wins && copy->state != FOOTER_VALID))
            vhd_repair_change(r, "the footer copy at offset 0 was damaged (%s): rewritten from "
                              "the footer at the end", copy->state == FOOTER_DAMAGED
                              ? "no footer cookie" : "its checksum wrong");
        else if (!picked->end_wins)
            vhd_repair_change(r, "the footer copy at offset 0 had a stale checksum (its fields "
                              "edited by hand, and consistent with the disk): recomputed");
        else
            vhd_repair_change(r, "the footer copy at offset 0 differed from the footer at the "
                              "end (first at byte %u): rewritten from the end one, which the "
                              "specification makes the primary footer and which describes the "
                              "disk", first_difference(copy->bytes, as_picked));
    }
    if (relabel) {
        const vhd_disk_geometry *g = &footer->disk_geometry;
        uint64_t chs = (uint64_t)g->cylinders * g->heads * g->sectors_per_track * VHD_SECTOR_SIZE;
        vhd_repair_change(r, "creator application 'vsdk' (vsdisk 0.1 and 0.2) becomes 'win ': "
                          "qemu took the size from the CHS geometry, %llu bytes short",
                          footer->current_size > chs
                              ? (unsigned long long)(footer->current_size - chs) : 0ull);
    }
    if (dry)
        return VHD_READER_OK;
    if (write_end) {
        if ((code = vhd_repair_write(r, end_at, wanted, sizeof wanted, "the footer"))
            != VHD_READER_OK)
            return code;
        if (end_at + VHD_FOOTER_SIZE > r->file_size)
            r->file_size = end_at + VHD_FOOTER_SIZE;
    }
    if (write_copy)
        return vhd_repair_write(r, 0, wanted, sizeof wanted, "the footer copy");
    return VHD_READER_OK;
}

vhd_reader_code vhd_repair_header_checksum(vhd_repair_job *r)
{
    uint8_t buf[VHD_DYNAMIC_HEADER_SIZE];
    uint64_t at = r->footer.data_offset;
    vhd_status status = r->io->read_at(r->io, at, buf, sizeof buf);
    if (status != VHD_OK)
        return vhd_reader_fail_io(r->error, r->io, status, "the dynamic header", at);
    uint32_t sum = vhd_checksum(buf, sizeof buf, HEADER_CHECKSUM_AT);
    if (sum == ((uint32_t)buf[HEADER_CHECKSUM_AT] << 24 | (uint32_t)buf[HEADER_CHECKSUM_AT + 1] << 16
                | (uint32_t)buf[HEADER_CHECKSUM_AT + 2] << 8 | buf[HEADER_CHECKSUM_AT + 3]))
        return VHD_READER_OK;
    /* Its fields were found consistent when the footer was picked (header_fits). */
    vhd_repair_change(r, "the dynamic header's checksum was stale (its fields edited by hand, "
                      "a parent path for one, and consistent with the disk): recomputed");
    if (r->options->dry_run)
        return VHD_READER_OK;
    put_be32(buf + HEADER_CHECKSUM_AT, sum);
    return vhd_repair_write(r, at, buf, sizeof buf, "the dynamic header");
}
