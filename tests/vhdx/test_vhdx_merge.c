/* Merge of a differencing VHDX into its parent VHDX (vhdx_merge.h), on builder images in
 * memory.
 *
 * The chain's content is compared sector by sector as vsdisk's reader maps it: each sector
 * from the child where the child holds it (data or zeros), else from the parent, and a marker
 * (0xEE) where the parent leaves it to a grandparent; the child must name the parent (its
 * parent_linkage or parent_linkage2 is the parent's DataWriteGuid) whenever the chain is read.
 * The child's data differs from the parent's (the builder's pattern XOR 0x5A), so a sector
 * merged wrongly is seen. Cases: dynamic, fixed and differencing parents (a PARTIALLY_PRESENT
 * parent block written in place, NOT_PRESENT parent blocks that become PARTIALLY_PRESENT with
 * exactly the child's sectors, a chunk without a sector bitmap block), a child with FULLY_
 * and PARTIALLY_PRESENT and ZERO blocks, a parent with a pending log, a parent that is not the
 * child's (refused, nothing written), a second run, the GUIDs, the flush count, the merged
 * data flushed before the log entry that names it (an order check). Then the
 * crash tests: a simulated power cut after each call that changes either file (writes kept in
 * order, then unflushed writes lost) and every I/O call of each file failed in turn; after
 * each both files open, the chain reads the same, writable opens replay both clean with the
 * same chain, and Merge run again completes it with the parent holding the merged content.
 * The crash points are sampled (the first and last two and about 8 evenly spread) unless
 * VSDISK_CRASH_ALL=1 is set; the count tried is printed. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power_io.h"
#include "vhd_io_fault.h"
#include "vhdx_builder.h"
#include "vhdx_change_util.h"
#include "vhdx_merge.h"
#include "vhdx_test_util.h"

#define PARENT_MARK 0xEE
#define CHILD_XOR 0x5A

static unsigned long total_points;

static const vhdx_merge_options options = {
    .writable = { change_random, &change_random_counter, NULL, NULL },
};

/* ---- reading ---- */
static vhdx_image *open_image(struct memory_io *mem, const uint8_t *data, size_t size)
{
    vhdx_image *image;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(mem, data, size));
    assert_int_equal(mem->io.open(&mem->io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&image, &mem->io, NULL, &error) != VHDX_READER_OK)
        fail_msg("does not open: %s", error.reason);
    return image;
}

static bool names(const vhdx_image_info *child, const vhdx_guid *guid)
{
    const char *linkages[] = { child->parent_linkage, child->parent_linkage2 };
    for (int i = 0; i < 2; i++) {
        vhdx_guid g;
        if (linkages[i] && vhdx_guid_parse(linkages[i], &g) && vhdx_guid_equal(&g, guid))
            return true;
    }
    return false;
}

/* The sectors [lba, lba + count) of image alone, with the marker where it holds nothing. */
static void read_alone(vhdx_image *image, uint64_t lba, uint32_t count, uint8_t *buf,
                       bool *here)
{
    const vhdx_image_info *info = vhdx_image_get_info(image);
    vhdx_reader_error error;
    for (uint32_t done = 0; done < count;) {
        vhdx_extent extent;
        assert_int_equal(vhdx_image_map(image, lba + done, count - done, &extent, &error),
                         VHDX_READER_OK);
        uint8_t *at = buf + (size_t)done * info->logical_sector_size;
        size_t bytes = (size_t)extent.sectors * info->logical_sector_size;
        if (extent.state == VHDX_EXTENT_NOT_HERE)
            memset(at, PARENT_MARK, bytes);
        else
            assert_int_equal(vhdx_image_read_sectors(image, lba + done, extent.sectors, at,
                                                     &error), VHDX_READER_OK);
        for (uint32_t i = 0; i < extent.sectors; i++)
            here[done + i] = extent.state != VHDX_EXTENT_NOT_HERE;
        done += extent.sectors;
    }
}

/* CRC-32C of the disk the chain child -> parent makes (child NULL: the parent alone). Fails
 * the test if a file does not open or the child does not name the parent. */
static uint32_t chain_crc(const uint8_t *child, size_t child_size, const uint8_t *parent,
                          size_t parent_size, const char *what)
{
    struct memory_io cm, pm;
    vhdx_image *c = child ? open_image(&cm, child, child_size) : NULL;
    vhdx_image *p = open_image(&pm, parent, parent_size);
    const vhdx_image_info *pi = vhdx_image_get_info(p);
    if (c != NULL && !names(vhdx_image_get_info(c), &pi->header.data_write_guid))
        fail_msg("%s: the child does not name its parent", what);
    const uint32_t sector = pi->logical_sector_size, step = 256;
    uint64_t total = pi->virtual_size / sector;
    uint8_t *buf = malloc((size_t)step * sector), *pbuf = malloc((size_t)step * sector);
    bool here[256], phere[256];
    assert_non_null(buf);
    assert_non_null(pbuf);
    uint32_t crc = vhdx_crc32c_begin();
    for (uint64_t lba = 0; lba < total; lba += step) {
        uint32_t n = total - lba < step ? (uint32_t)(total - lba) : step;
        read_alone(p, lba, n, pbuf, phere);
        if (c != NULL) {
            read_alone(c, lba, n, buf, here);
            for (uint32_t i = 0; i < n; i++)
                if (!here[i])
                    memcpy(buf + (size_t)i * sector, pbuf + (size_t)i * sector, sector);
        } else {
            memcpy(buf, pbuf, (size_t)n * sector);
        }
        crc = vhdx_crc32c_update(crc, buf, (size_t)n * sector);
    }
    free(buf);
    free(pbuf);
    if (c != NULL) {
        vhdx_image_close(c);
        memory_io_free(&cm);
    }
    vhdx_image_close(p);
    memory_io_free(&pm);
    return vhdx_crc32c_end(crc);
}

/* ---- the pairs ---- */
static const char child_linkage[] = "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}";

/* The parent's DataWriteGuid set to what the builder's child names. */
static void link_parent(struct vhdx_built *parent)
{
    vhdx_guid guid;
    assert_true(vhdx_guid_parse(child_linkage, &guid));
    for (int i = 0; i < 2; i++) {
        vhdx_header h;
        vhdx_builder_get_header(parent, i, &h);
        h.data_write_guid = guid;
        vhdx_builder_put_header(parent, i, &h);
    }
}

/* The child's data made its own: every payload byte of its present blocks XOR CHILD_XOR. */
static void own_data(struct vhdx_built *child)
{
    uint64_t blocks = (child->spec.virtual_size + child->spec.block_size - 1)
                      / child->spec.block_size;
    for (uint64_t n = 0; n < blocks; n++) {
        uint64_t entry = vhdx_builder_get_bat(child, vhdx_bat_payload_index(n, child->chunk_ratio));
        unsigned state = vhdx_bat_state(entry);
        if (state != VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
            && state != VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT)
            continue;
        uint8_t *d = child->data + vhdx_bat_file_offset(entry);
        for (size_t i = 0; i < child->spec.block_size; i++)
            d[i] ^= CHILD_XOR;
    }
}

/* A child of 16 MiB in 2 MiB blocks: 0-2 FULLY_PRESENT, 3 PARTIALLY_PRESENT (its even
 * sectors), 4 ZERO, 5-7 NOT_PRESENT. */
static void build_child(struct vhdx_built *child)
{
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = 2 * MiB,
                                            .differencing = true, .present_blocks = 3,
                                            .partial_block = true };
    vhdx_builder_build(&spec, child);
    own_data(child);
    vhdx_builder_set_bat(child, vhdx_bat_payload_index(4, child->chunk_ratio),
                         vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
}

enum parent_kind { DYNAMIC, FIXED, DIFFERENCING, DIFFERENCING_NO_BITMAP, DIRTY };

/* A parent of 16 MiB in 1 MiB blocks: dynamic (blocks 0-3 present), fixed, or differencing
 * (0-2 present, 3 PARTIALLY_PRESENT; without a sector bitmap block: 0-3 present). */
static void build_parent(struct vhdx_built *parent, enum parent_kind kind)
{
    struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = MiB,
                                      .present_blocks = 4 };
    if (kind == FIXED) {
        spec.fixed = true;
        spec.present_blocks = 16;
    }
    if (kind == DIFFERENCING) {
        spec.differencing = true;
        spec.present_blocks = 3;
        spec.partial_block = true;
    }
    if (kind == DIFFERENCING_NO_BITMAP)
        spec.differencing = true;
    vhdx_builder_build(&spec, parent);
    if (kind == DIFFERENCING_NO_BITMAP)
        vhdx_builder_set_bat(parent, vhdx_bat_bitmap_index(0, parent->chunk_ratio), 0);
    if (kind == DIRTY) {
        /* A pending log: block 2's entry ZERO. */
        static uint8_t page[4096];
        const vhdx_guid guid = {{ 7, 7, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};
        memcpy(page, parent->data + parent->bat_at, sizeof page);
        vhdx_put64(page + 2 * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
        const struct vhdx_builder_descriptor d[] = { { false, parent->bat_at, 0, page } };
        struct vhdx_builder_entry e = { 3, 0, guid, parent->size, parent->size, 1, d };
        vhdx_builder_write_log_entry(parent, 0, &e);
        vhdx_builder_set_log_guid(parent, &guid);
    }
    link_parent(parent);
}

/* ---- running it ---- */
struct pair {
    uint8_t *child, *parent;
    size_t child_size, parent_size;
};

static void pair_copy(struct pair *to, const struct pair *from)
{
    to->child_size = from->child_size;
    to->parent_size = from->parent_size;
    to->child = malloc(to->child_size);
    to->parent = malloc(to->parent_size);
    assert_non_null(to->child);
    assert_non_null(to->parent);
    memcpy(to->child, from->child, to->child_size);
    memcpy(to->parent, from->parent, to->parent_size);
}

static void pair_free(struct pair *p)
{
    free(p->child);
    free(p->parent);
}

static uint32_t pair_crc(const struct pair *p, const char *what)
{
    return chain_crc(p->child, p->child_size, p->parent, p->parent_size, what);
}

static uint32_t parent_crc(const struct pair *p)
{
    return chain_crc(NULL, 0, p->parent, p->parent_size, "parent");
}

/* Merges, both files behind power_io (supply) or vhd_io_fault (fail_child / fail_parent: the
 * call to fail, 0 none; *calls: each file's counted calls). */
static vhdx_reader_code run(struct pair *p, struct power_supply *supply, unsigned fail_child,
                            unsigned fail_parent, unsigned calls[2], vhdx_merge_report *report,
                            vhdx_reader_error *error)
{
    struct memory_io cm, pm;
    struct power_io cp, pp;
    struct vhd_io_fault cf, pf;
    vhd_io *c, *q;
    change_file_init(&cm, p->child, p->child_size);
    change_file_init(&pm, p->parent, p->parent_size);
    if (supply != NULL) {
        power_io_plug(&cp, &cm.io, supply);
        power_io_plug(&pp, &pm.io, supply);
        c = &cp.io;
        q = &pp.io;
    } else {
        assert_int_equal(cm.io.open(&cm.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
        assert_int_equal(pm.io.open(&pm.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
        vhd_io_fault_init(&cf, &cm.io);
        vhd_io_fault_init(&pf, &pm.io);
        cf.fail_at = fail_child;
        pf.fail_at = fail_parent;
        cf.fail_status = pf.fail_status = VHD_E_IO;
        c = &cf.io;
        q = &pf.io;
    }
    vhdx_reader_code code = VHDX_READER_IO;
    if (supply == NULL || (c->open(c, VHD_IO_OPEN_READ_WRITE) == VHD_OK
                           && q->open(q, VHD_IO_OPEN_READ_WRITE) == VHD_OK))
        code = vhdx_merge(c, q, &options, report, error);
    if (supply != NULL) {
        c->close(c);
        q->close(q);
        power_io_unplug(&cp);
        power_io_unplug(&pp);
    } else {
        if (calls != NULL) {
            calls[0] = cf.calls;
            calls[1] = pf.calls;
        }
        cm.io.close(&cm.io);
        pm.io.close(&pm.io);
    }
    free(p->child);
    free(p->parent);
    p->child = cm.data;
    p->child_size = cm.size;
    p->parent = pm.data;
    p->parent_size = pm.size;
    return code;
}

static vhdx_reader_code run_plain(struct pair *p, vhdx_merge_report *report,
                                  vhdx_reader_error *error)
{
    struct power_supply supply;
    power_supply_init(&supply, UINT32_MAX, false);
    return run(p, &supply, 0, 0, NULL, report, error);
}

static uint64_t entry_of(const struct pair *p, uint64_t index)
{
    vhdx_image_info info;
    vhdx_reader_error error;
    assert_int_equal(change_view_open(p->parent, p->parent_size, &info, &error), VHDX_READER_OK);
    return vhdx_get64(p->parent + info.bat_region.file_offset + index * 8);
}

/* Merges a pair built as kind; checks the parent then holds what the chain held, the chain is
 * unchanged, the files are clean, the GUIDs. Returns the merged pair (to free). */
static void merge_checked(enum parent_kind kind, struct pair *out, vhdx_merge_report *report)
{
    struct vhdx_built child, parent;
    vhdx_reader_error error;
    vhdx_image_info before, after;
    build_child(&child);
    build_parent(&parent, kind);
    struct pair p = { child.data, parent.data, child.size, parent.size };
    pair_copy(out, &p);
    vhdx_builder_free(&child);
    vhdx_builder_free(&parent);
    uint32_t crc = pair_crc(out, "before");
    assert_int_not_equal(parent_crc(out), crc);
    assert_int_equal(change_view_open(out->parent, out->parent_size, &before, &error),
                     VHDX_READER_OK);
    if (run_plain(out, report, &error) != VHDX_READER_OK)
        fail_msg("merge: %s", error.reason);
    assert_int_equal(parent_crc(out), crc);
    assert_int_equal(pair_crc(out, "after"), crc);
    assert_int_equal(change_view_open(out->parent, out->parent_size, &after, &error),
                     VHDX_READER_OK);
    assert_int_equal(after.log.state, VHDX_LOG_CLEAN);
    assert_false(vhdx_guid_equal(&after.header.data_write_guid, &before.header.data_write_guid));
    assert_false(vhdx_guid_equal(&after.header.file_write_guid, &before.header.file_write_guid));
    /* The child names the new GUID by parent_linkage, parent_linkage2 left out again, its
     * paths kept. */
    struct memory_io cm;
    vhdx_image *ci = open_image(&cm, out->child, out->child_size);
    const vhdx_image_info *child_info = vhdx_image_get_info(ci);
    assert_int_equal(child_info->log.state, VHDX_LOG_CLEAN);
    assert_null(child_info->parent_linkage2);
    vhdx_guid named;
    assert_non_null(child_info->parent_linkage);
    assert_true(vhdx_guid_parse(child_info->parent_linkage, &named));
    assert_true(vhdx_guid_equal(&named, &after.header.data_write_guid));
    assert_non_null(child_info->relative_path);
    assert_string_equal(child_info->relative_path, ".\\parent.vhdx");
    assert_string_equal(child_info->absolute_win32_path, "C:\\disks\\parent.vhdx");
    vhdx_image_close(ci);
    memory_io_free(&cm);
    /* No ZERO or NOT_PRESENT entry with an offset. */
    for (uint64_t i = 0; i < after.bat_entries; i++) {
        uint64_t e = vhdx_get64(out->parent + after.bat_region.file_offset + i * 8);
        if (vhdx_bat_state(e) <= VHDX_PAYLOAD_BLOCK_UNMAPPED && i % (after.chunk_ratio + 1)
                                                                    != after.chunk_ratio)
            assert_true(vhdx_bat_state(e) == VHDX_PAYLOAD_BLOCK_UNDEFINED
                        || vhdx_bat_state(e) == VHDX_PAYLOAD_BLOCK_UNMAPPED
                        || vhdx_bat_file_offset(e) == 0);
    }
    print_message("# merged: %llu in place, %llu new blocks, %llu new bitmaps, %llu batches, "
                  "%llu flushes\n", (unsigned long long)report->blocks_in_place,
                  (unsigned long long)report->blocks_allocated,
                  (unsigned long long)report->bitmaps_allocated,
                  (unsigned long long)report->batches, (unsigned long long)report->flushes);
}

static void test_dynamic_parent(void **state)
{
    (void)state;
    struct pair p;
    vhdx_merge_report report;
    merge_checked(DYNAMIC, &p, &report);
    /* Parent blocks 0-3 present (child blocks 0-1), 4-9 new (child blocks 2, 3 and its ZERO
     * block 4), all FULLY_PRESENT; 10-15 untouched. */
    assert_int_equal(report.blocks_in_place, 4);
    assert_int_equal(report.blocks_allocated, 6);
    assert_int_equal(report.batches, 1);
    for (uint64_t n = 0; n < 16; n++) {
        uint64_t e = entry_of(&p, vhdx_bat_payload_index(n, 4096));
        assert_int_equal(vhdx_bat_state(e), n < 10 ? VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
                                                   : VHDX_PAYLOAD_BLOCK_NOT_PRESENT);
    }
    /* A second run finds everything in place and allocates nothing. */
    vhdx_reader_error error;
    uint32_t crc = parent_crc(&p);
    size_t size = p.parent_size;
    assert_int_equal(run_plain(&p, &report, &error), VHDX_READER_OK);
    assert_int_equal(report.blocks_allocated, 0);
    assert_int_equal(report.blocks_in_place, 10);
    assert_int_equal(parent_crc(&p), crc);
    assert_int_equal(p.parent_size, size);
    pair_free(&p);
}

static void test_fixed_parent(void **state)
{
    (void)state;
    struct pair p;
    vhdx_merge_report report;
    merge_checked(FIXED, &p, &report);
    assert_int_equal(report.blocks_in_place, 10);
    assert_int_equal(report.blocks_allocated, 0);
    pair_free(&p);
}

static void test_differencing_parent(void **state)
{
    (void)state;
    struct pair p;
    vhdx_merge_report report;
    merge_checked(DIFFERENCING, &p, &report);
    /* Parent blocks 0-3 in place (3 PARTIALLY_PRESENT, all its bits now set); 4-5 and 8-9 new
     * FULLY_PRESENT (child block 2 whole, its ZERO block 4); 6-7 new PARTIALLY_PRESENT with the
     * child's even sectors; 10-15 still the grandparent's. */
    assert_int_equal(report.blocks_in_place, 4);
    assert_int_equal(report.blocks_allocated, 6);
    assert_int_equal(report.bitmaps_allocated, 0);
    for (uint64_t n = 0; n < 16; n++) {
        unsigned s = vhdx_bat_state(entry_of(&p, vhdx_bat_payload_index(n, 4096)));
        if (n == 3 || n == 6 || n == 7)
            assert_int_equal(s, VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT);
        else
            assert_int_equal(s, n < 10 ? VHDX_PAYLOAD_BLOCK_FULLY_PRESENT
                                       : VHDX_PAYLOAD_BLOCK_NOT_PRESENT);
    }
    pair_free(&p);
}

static void test_differencing_parent_new_bitmap(void **state)
{
    (void)state;
    struct pair p;
    vhdx_merge_report report;
    merge_checked(DIFFERENCING_NO_BITMAP, &p, &report);
    assert_int_equal(report.bitmaps_allocated, 1);
    assert_int_equal(vhdx_bat_state(entry_of(&p, vhdx_bat_bitmap_index(0, 4096))),
                     VHDX_SB_BLOCK_PRESENT);
    pair_free(&p);
}

static void test_dirty_parent(void **state)
{
    (void)state;
    struct pair p;
    vhdx_merge_report report;
    merge_checked(DIRTY, &p, &report);
    pair_free(&p);
}

/* A parent the child does not name: refused, neither file written. */
static void test_not_the_parent(void **state)
{
    (void)state;
    struct vhdx_built child, parent;
    vhdx_reader_error error;
    build_child(&child);
    build_parent(&parent, DYNAMIC);
    vhdx_header h;
    vhdx_builder_get_header(&parent, 0, &h);
    h.data_write_guid.bytes[0] ^= 1;
    vhdx_builder_put_header(&parent, 0, &h);
    vhdx_builder_put_header(&parent, 1, &h);
    struct pair p;
    struct pair orig = { child.data, parent.data, child.size, parent.size };
    pair_copy(&p, &orig);
    assert_int_equal(run_plain(&p, NULL, &error), VHDX_READER_PARENT_ID_MISMATCH);
    assert_int_equal(p.parent_size, orig.parent_size);
    assert_memory_equal(p.parent, orig.parent, orig.parent_size);
    assert_memory_equal(p.child, orig.child, orig.child_size);
    /* Nor is a dynamic disk merged into anything. */
    pair_free(&p);
    struct pair q = { parent.data, parent.data, parent.size, parent.size };
    pair_copy(&p, &q);
    assert_int_equal(run_plain(&p, NULL, &error), VHDX_READER_NOT_POSSIBLE);
    pair_free(&p);
    vhdx_builder_free(&child);
    vhdx_builder_free(&parent);
}

/* Cancel at each poll in turn: both files read as before (the chain the same) and a second run
 * completes it. */
static unsigned polls_left;
static bool cancel_after(void *ctx)
{
    (void)ctx;
    return polls_left-- == 0;
}

static void test_cancel(void **state)
{
    (void)state;
    struct vhdx_built child, parent;
    vhdx_reader_error error;
    build_child(&child);
    build_parent(&parent, DIFFERENCING);
    struct pair orig = { child.data, parent.data, child.size, parent.size };
    uint32_t crc = pair_crc(&orig, "before");
    vhdx_merge_options cancelling = options;
    cancelling.cancelled = cancel_after;
    unsigned stops = 0;
    for (unsigned at = 0; at < 32; at++) {
        struct pair p;
        struct power_supply supply;
        pair_copy(&p, &orig);
        polls_left = at;
        power_supply_init(&supply, UINT32_MAX, false);
        struct memory_io cm, pm;
        change_file_open(&cm, p.child, p.child_size);
        change_file_open(&pm, p.parent, p.parent_size);
        vhdx_reader_code code = vhdx_merge(&cm.io, &pm.io, &cancelling, NULL, &error);
        free(p.child);
        free(p.parent);
        p.child = cm.data, p.child_size = cm.size, p.parent = pm.data, p.parent_size = pm.size;
        if (code == VHDX_READER_OK) {
            pair_free(&p);
            break;
        }
        stops++;
        assert_int_equal(error.io_status, VHD_E_CANCELLED);
        assert_int_equal(pair_crc(&p, "cancelled"), crc);
        vhdx_image_info info;
        assert_int_equal(change_view_open(p.parent, p.parent_size, &info, &error),
                         VHDX_READER_OK);
        assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
        assert_int_equal(run_plain(&p, NULL, &error), VHDX_READER_OK);
        assert_int_equal(parent_crc(&p), crc);
        pair_free(&p);
    }
    assert_true(stops >= 16);
    vhdx_builder_free(&child);
    vhdx_builder_free(&parent);
}

/* ---- order: merged data flushed before the log entry that names it ----
 * The power cut below loses every write since the last flush together, so it cannot see data
 * and the log entry naming it reach the disk in the wrong order within one flush; this wrapper
 * sees the order of the parent's calls: no write into the log while a write into the data area
 * (outside the header section, log, BAT and metadata regions) is unflushed. */
static void test_data_flushed_before_log(void **state)
{
    (void)state;
    struct vhdx_built child, parent;
    build_child(&child);
    build_parent(&parent, DIFFERENCING_NO_BITMAP);
    struct memory_io cm, pm;
    change_file_open(&cm, child.data, child.size);
    change_file_open(&pm, parent.data, parent.size);
    struct order_io o;
    order_io_plug(&o, &pm.io, &parent);
    vhdx_merge_report report;
    vhdx_reader_error error;
    if (vhdx_merge(&cm.io, &o.io, &options, &report, &error) != VHDX_READER_OK)
        fail_msg("merge: %s", error.reason);
    assert_int_equal(report.blocks_allocated, 6);
    assert_true(o.log_writes >= 1);
    assert_int_equal(o.violations, 0);
    memory_io_free(&cm);
    memory_io_free(&pm);
    vhdx_builder_free(&child);
    vhdx_builder_free(&parent);
}

/* ---- crash at every write, every I/O call failed in turn ---- */
/* Sampled, deterministically: the first and last two and about 8 evenly spread (all with
 * VSDISK_CRASH_ALL=1), so the three cases take about a minute of CPU under ASan. */
static bool tried(unsigned n, unsigned count)
{
    return crash_tried(n, count, 2, 8);
}

struct crash_case {
    const char *label;
    struct pair orig;
    uint32_t crc;           /* of the chain, and of the merged parent */
};

static void check_interrupted(const struct crash_case *c, struct pair *p, const char *pass,
                              unsigned n)
{
    vhdx_reader_error error;
    char what[160];
    snprintf(what, sizeof what, "%s, %s, point %u", c->label, pass, n);
    if (pair_crc(p, what) != c->crc)
        fail_msg("%s: the chain's content changed", what);
    /* Writable opens replay on disk what the reader replayed in memory. */
    uint8_t **files[2] = { &p->child, &p->parent };
    size_t *sizes[2] = { &p->child_size, &p->parent_size };
    struct pair replayed;
    pair_copy(&replayed, p);
    uint8_t **rfiles[2] = { &replayed.child, &replayed.parent };
    size_t *rsizes[2] = { &replayed.child_size, &replayed.parent_size };
    for (int i = 0; i < 2; i++) {
        struct memory_io mem;
        vhdx_writable *w;
        change_file_open(&mem, *files[i], *sizes[i]);
        if (vhdx_writable_open(&w, &mem.io, &change_options, &error) != VHDX_READER_OK)
            fail_msg("%s: the writable open fails: %s", what, error.reason);
        vhdx_writable_close(w);
        free(*rfiles[i]);
        *rfiles[i] = mem.data;
        *rsizes[i] = mem.size;
    }
    if (pair_crc(&replayed, what) != c->crc)
        fail_msg("%s: the chain changed by the replay", what);
    pair_free(&replayed);
    /* Power back: Merge again completes it. */
    if (run_plain(p, NULL, &error) != VHDX_READER_OK)
        fail_msg("%s: Merge run again fails: %s", what, error.reason);
    if (parent_crc(p) != c->crc)
        fail_msg("%s: run again, the parent does not hold the merged content", what);
    assert_int_equal(pair_crc(p, what), c->crc);
}

static void crash_every_write(struct crash_case *c)
{
    struct power_supply supply;
    vhdx_reader_error error;
    struct pair p;
    c->crc = pair_crc(&c->orig, c->label);
    pair_copy(&p, &c->orig);
    power_supply_init(&supply, UINT32_MAX, false);
    if (run(&p, &supply, 0, 0, NULL, NULL, &error) != VHDX_READER_OK)
        fail_msg("%s fails without a cut: %s", c->label, error.reason);
    unsigned calls = supply.changing_calls, cuts = 0;
    pair_free(&p);
    for (int lose = 0; lose < 2; lose++) {
        for (unsigned n = 0; n < calls; n++) {
            if (!tried(n, calls))
                continue;
            pair_copy(&p, &c->orig);
            power_supply_init(&supply, n, lose);
            assert_int_not_equal(run(&p, &supply, 0, 0, NULL, NULL, &error), VHDX_READER_OK);
            assert_true(supply.off);
            check_interrupted(c, &p, lose ? "unflushed writes lost" : "clean stop", n);
            pair_free(&p);
            cuts++;
            total_points++;
        }
    }
    unsigned counts[2], failed = 0, untouched = 0;
    pair_copy(&p, &c->orig);
    assert_int_equal(run(&p, NULL, 0, 0, counts, NULL, &error), VHDX_READER_OK);
    pair_free(&p);
    for (int file = 0; file < 2; file++) {
        for (unsigned n = 1; n <= counts[file]; n++) {
            if (!tried(n, counts[file] + 1))
                continue;
            pair_copy(&p, &c->orig);
            if (run(&p, NULL, file == 0 ? n : 0, file == 1 ? n : 0, NULL, NULL, &error)
                == VHDX_READER_OK)
                fail_msg("%s: call %u of the %s failed but Merge succeeded", c->label, n,
                         file ? "parent" : "child");
            assert_true(strlen(error.reason) > 10);
            if (p.parent_size == c->orig.parent_size && p.child_size == c->orig.child_size
                && memcmp(p.parent, c->orig.parent, p.parent_size) == 0
                && memcmp(p.child, c->orig.child, p.child_size) == 0)
                untouched++;
            check_interrupted(c, &p, file ? "parent's I/O call failed"
                                          : "child's I/O call failed", n);
            pair_free(&p);
            failed++;
            total_points++;
        }
    }
    print_message("# %s: %u of %u crash points tried (x2: writes kept in order, then unflushed "
                  "writes lost: %u runs), %u of %u + %u I/O calls failed in turn (%u before any "
                  "write)%s\n", c->label, cuts / 2, calls, cuts, failed, counts[0], counts[1],
                  untouched, crash_all() ? "" : "; VSDISK_CRASH_ALL=1 tries them all");
}

static void crash_case_of(enum parent_kind kind, const char *label)
{
    struct vhdx_built child, parent;
    build_child(&child);
    build_parent(&parent, kind);
    struct crash_case c = { label, { child.data, parent.data, child.size, parent.size }, 0 };
    crash_every_write(&c);
    vhdx_builder_free(&child);
    vhdx_builder_free(&parent);
}

static void test_crash_dynamic(void **state)
{
    (void)state;
    crash_case_of(DYNAMIC, "Merge into a dynamic VHDX");
}

static void test_crash_differencing(void **state)
{
    (void)state;
    crash_case_of(DIFFERENCING_NO_BITMAP, "Merge into a differencing VHDX");
}

static void test_crash_dirty(void **state)
{
    (void)state;
    crash_case_of(DIRTY, "Merge into a VHDX with a pending log");
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# crash and failure points tried: %lu (each: the chain read, both files "
                  "replayed on disk, Merge run again to completion)\n", total_points);
    return 0;
}

/* An argument runs only the tests whose names match it (a cmocka filter: "test_crash_*"). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dynamic_parent),
        cmocka_unit_test(test_fixed_parent),
        cmocka_unit_test(test_differencing_parent),
        cmocka_unit_test(test_differencing_parent_new_bitmap),
        cmocka_unit_test(test_dirty_parent),
        cmocka_unit_test(test_not_the_parent),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_data_flushed_before_log),
        cmocka_unit_test(test_crash_dynamic),
        cmocka_unit_test(test_crash_differencing),
        cmocka_unit_test(test_crash_dirty),
    };
    return cmocka_run_group_tests_name("vhdx_merge", tests, NULL, print_totals);
}
