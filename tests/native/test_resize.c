/* vsdisk resize of a VHD (vhd_resize.c through disk_resize): fixed and dynamic disks grown,
 * within the table's padding and past it (a block moved, or the footer when no block is in
 * the way), the old content intact and the new part zeros; a power cut at every changing call
 * (writes kept in order, or everything unflushed lost) and every I/O call failed in turn
 * leave a disk that opens at the old or the new size with its content, and the resize run
 * again completes; refusals write nothing. VHDX (vhdx_resize.c) the same way: fixed and
 * dynamic disks grown within their table's region, a dynamic one with data grown past it (a new
 * table, the region table switched), differencing children grown past their parent (within
 * and past the region; the new part zeros, never the parent's), and fixed and dynamic disks
 * shrunk down to an MBR partition's end (the file cut). The crash and failed-call runs try
 * every point of the VHD and first VHDX scenes, and every fourth of the later VHDX ones
 * (VSDISK_CRASH_ALL=1: every point; stride_of says which). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_image.h"
#include "disk_resize.h"
#include "ops_fixture.h"
#include "power_io.h"
#include "spec_chs.h"
#include "test_util.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"
#include "vhd_resize.h"
#include "vhd_ops_posix.h"
#include "vhdx_create.h"
#include "vhdx_reader.h"

#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)
#define MAX_POINTS 400u

struct scene {
    const char *label;
    bool fixed, empty;
    uint64_t old_size, new_size;
    uint32_t moved;                 /* blocks the grow moves */
    bool vhdx;                      /* a VHDX with 1 MiB blocks */
    uint64_t reserved;              /* a fixed VHDX's new blocks */
    bool mbr;                       /* an MBR partition from 1 MiB to new_size (a shrink) */
    bool data;                      /* a dynamic VHDX: blocks of data put in (and garbage past
                                       the old size in its last block) */
    bool diff;                      /* a differencing VHDX over a dynamic parent with data */
    bool table_moved;               /* a VHDX whose table outgrows its region */
};

static const struct scene scenes[] = {
    { "fixed 5 MiB to 9 MiB", true, false, 5 * MiB, 9 * MiB, 0, false, 0, false, false, false,
      false },
    { "dynamic 6 MiB to 8 MiB (table within its padding)", false, false, 6 * MiB, 8 * MiB, 0,
      false, 0, false, false, false, false },
    { "dynamic 6 MiB to 4 GiB + 2 MiB (first block moved)", false, false, 6 * MiB,
      4 * GiB + 2 * MiB, 1, false, 0, false, false, false, false },
    { "empty dynamic 6 MiB to 4 GiB + 2 MiB (footer moved)", false, true, 6 * MiB,
      4 * GiB + 2 * MiB, 0, false, 0, false, false, false, false },
    { "fixed VHDX 8 MiB to 20 MiB (12 blocks reserved)", true, false, 8 * MiB, 20 * MiB, 0, true,
      12, false, false, false, false },
    { "dynamic VHDX 8 MiB to 1 GiB", false, false, 8 * MiB, 1 * GiB, 0, true, 0, false, false,
      false, false },
    { "fixed 9 MiB shrunk to 6 MiB (MBR)", true, false, 9 * MiB, 6 * MiB, 0, false, 0, true,
      false, false, false },
    { "dynamic 8 MiB shrunk to 5 MiB (MBR)", false, false, 8 * MiB, 5 * MiB, 0, false, 0, true,
      false, false, false },
    { "dynamic VHDX 8.5 MiB with data to 130 GiB (table outgrows its region)", false, false,
      8 * MiB + 512 * 1024, 130 * GiB, 0, true, 0, false, true, false, true },
    { "differencing VHDX 8.5 MiB to 24 MiB (past its parent)", false, false,
      8 * MiB + 512 * 1024, 24 * MiB, 0, true, 0, false, false, true, false },
    { "differencing VHDX 8 MiB to 130 GiB (table outgrows its region)", false, false, 8 * MiB,
      130 * GiB, 0, true, 0, false, false, true, true },
    { "fixed VHDX 16 MiB shrunk to 6 MiB (MBR)", true, false, 16 * MiB, 6 * MiB, 0, true, 0,
      true, false, false, false },
    { "dynamic VHDX 16 MiB with data shrunk to 9 MiB (MBR)", false, false, 16 * MiB, 9 * MiB, 0,
      true, 0, true, true, false, false },
};
#define SCENES (sizeof scenes / sizeof scenes[0])

struct fixture {
    char *dir, *original, *work, *parent;
    const struct scene *scene;
    uint8_t *content;               /* old_size bytes */
};

static void test_random(void *ctx, uint8_t out[16])
{
    fx_random(ctx, out, 16);
}

static uint64_t random_state = 5;
static const disk_resize_options options = { test_random, &random_state, NULL, NULL, NULL, NULL };

/* A VHDX of the scene, 1 MiB blocks; a fixed one gets data written straight into its blocks
 * (found through the reader), a dynamic one stays empty (its old entries never change). */
static void make_vhdx(const char *path, const struct scene *sc)
{
    struct vhd_io_posix file;
    vhdx_create_options create;
    memset(&create, 0, sizeof create);
    create.size_bytes = sc->old_size;
    create.block_size = 1024 * 1024;
    create.file_write_guid.bytes[0] = create.data_write_guid.bytes[0] = 7;
    create.virtual_disk_id.bytes[0] = 7;
    vhd_io_posix_init(&file, path);
    assert_int_equal(sc->fixed ? vhdx_create_fixed(&file.io, &create)
                               : vhdx_create_dynamic(&file.io, &create), VHD_OK);
    if (!sc->fixed)
        return;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    disk_image *image;
    vhd_reader_error error;
    assert_int_equal(disk_image_open(&image, &file.io, NULL, &error), VHD_READER_OK);
    uint64_t state = 33, lbas[] = { 0, 2048 + 5, sc->old_size / FX_SECTOR - 1 };
    uint8_t data[FX_SECTOR];
    for (size_t i = 0; i < sizeof lbas / sizeof lbas[0]; i++) {
        disk_extent extent;
        assert_int_equal(disk_image_map(image, lbas[i], 1, &extent, &error), VHD_READER_OK);
        assert_int_equal(extent.state, DISK_EXTENT_DATA);
        fx_random(&state, data, sizeof data);
        assert_int_equal(file.io.write_at(&file.io, extent.file_offset, data, sizeof data),
                         VHD_OK);
    }
    disk_image_close(image);
    assert_int_equal(file.io.close(&file.io), VHD_OK);
}

/* Puts random data into block `block` of the VHDX at path: a new 1 MiB-aligned block at the
 * file's end, its entry FULLY_PRESENT (a test's shortcut past the log). */
static void put_vhdx_block(const char *path, uint64_t block, uint64_t *seed)
{
    struct vhd_io_posix file;
    vhdx_image *image;
    vhdx_reader_error error;
    uint64_t size;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    assert_int_equal(vhdx_image_open(&image, &file.io, NULL, &error), VHDX_READER_OK);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t bat = info->bat_region.file_offset, ratio = info->chunk_ratio;
    uint32_t block_size = info->block_size;
    vhdx_image_close(image);
    assert_int_equal(file.io.get_size(&file.io, &size), VHD_OK);
    uint64_t at = (size + MiB - 1) / MiB * MiB;
    uint8_t *data = malloc(block_size), entry[8];
    fx_random(seed, data, block_size);
    assert_int_equal(file.io.write_at(&file.io, at, data, block_size), VHD_OK);
    uint64_t value = at | VHDX_PAYLOAD_BLOCK_FULLY_PRESENT;
    for (unsigned i = 0; i < 8; i++)
        entry[i] = (uint8_t)(value >> (8 * i));
    assert_int_equal(file.io.write_at(&file.io, bat + (block + block / ratio) * 8, entry, 8),
                     VHD_OK);
    free(data);
    assert_int_equal(file.io.close(&file.io), VHD_OK);
}

/* Writes one sector at lba of the VHDX at path, whose block there is in the file. */
static void write_vhdx_sector(const char *path, uint64_t lba, const uint8_t *data)
{
    struct vhd_io_posix file;
    disk_image *image;
    disk_extent extent;
    vhd_reader_error error;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    assert_int_equal(disk_image_open(&image, &file.io, NULL, &error), VHD_READER_OK);
    assert_int_equal(disk_image_map(image, lba, 1, &extent, &error), VHD_READER_OK);
    assert_int_equal(extent.state, DISK_EXTENT_DATA);
    assert_int_equal(file.io.write_at(&file.io, extent.file_offset, data, FX_SECTOR), VHD_OK);
    disk_image_close(image);
    assert_int_equal(file.io.close(&file.io), VHD_OK);
}

/* A differencing VHDX at path over the VHDX at parent_path (same folder), 1 MiB blocks. */
static void make_vhdx_child(const char *path, const char *parent_path, const char *parent_name)
{
    struct vhd_io_posix file;
    vhdx_image *image;
    vhdx_reader_error error;
    vhdx_parent_facts facts;
    vhdx_create_options create;
    uint16_t relative[64];
    size_t n = strlen(parent_name);
    assert_true(n < sizeof relative / sizeof relative[0]);
    for (size_t i = 0; i < n; i++)
        relative[i] = (uint16_t)parent_name[i];
    vhd_io_posix_init(&file, parent_path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhdx_image_open(&image, &file.io, NULL, &error), VHDX_READER_OK);
    vhdx_parent_facts_from_info(&facts, vhdx_image_get_info(image));
    vhdx_image_close(image);
    file.io.close(&file.io);
    facts.relative_path = relative;
    facts.relative_length = n;
    memset(&create, 0, sizeof create);
    create.size_bytes = facts.size_bytes;
    create.block_size = 1024 * 1024;
    create.file_write_guid.bytes[0] = create.data_write_guid.bytes[0] = 9;
    vhd_io_posix_init(&file, path);
    assert_int_equal(vhdx_create_differencing(&file.io, &create, &facts), VHD_OK);
}

static void fill(struct fixture *f, const struct scene *sc)
{
    free(f->content);
    f->content = NULL;
    remove(f->original);
    remove(f->parent);
    f->scene = sc;
    if (sc->diff) {
        static const struct scene base = { "parent", false, false, 0, 0, 0, true, 0, false,
                                           false, false, false };
        struct scene parent = base;
        uint64_t seed = 11;
        parent.old_size = sc->old_size;
        make_vhdx(f->parent, &parent);
        put_vhdx_block(f->parent, 0, &seed);
        put_vhdx_block(f->parent, 8, &seed);    /* the last: its part past the end garbage */
        make_vhdx_child(f->original, f->parent, "parent.vhdx");
        put_vhdx_block(f->original, 1, &seed);
    } else if (sc->vhdx) {
        make_vhdx(f->original, sc);
        uint64_t seed = 13, last = (sc->old_size - 1) / MiB;
        if (sc->data) {                         /* the first, one inside, the last */
            put_vhdx_block(f->original, 0, &seed);
            put_vhdx_block(f->original, 5, &seed);
            put_vhdx_block(f->original, last, &seed);
        }
    } else if (sc->fixed)
        fx_create_fixed(f->original, sc->old_size);
    else
        fx_create_dynamic(f->original, sc->old_size);
    if (!sc->empty && !sc->vhdx) {
        uint64_t state = 21;
        uint8_t data[8 * FX_SECTOR];
        uint64_t last = sc->old_size / FX_SECTOR - 8;
        const uint64_t at[] = { 0, 9, 4096 + 3, last };   /* blocks 0, 0, 1 and the last */
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            fx_random(&state, data, sizeof data);
            fx_write(f->original, at[i], 8, data);
        }
    }
    if (sc->mbr) {
        /* One Linux partition from sector 2048 to the new size: the disk's minimum size. */
        uint8_t mbr[FX_SECTOR];
        uint32_t count = (uint32_t)(sc->new_size / FX_SECTOR - 2048);
        memset(mbr, 0, sizeof mbr);
        mbr[446 + 4] = 0x83;
        mbr[446 + 8 + 1] = 2048 >> 8;
        for (unsigned i = 0; i < 4; i++)
            mbr[446 + 12 + i] = (uint8_t)(count >> (8 * i));
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        if (sc->vhdx)
            write_vhdx_sector(f->original, 0, mbr);
        else
            fx_write(f->original, 0, 1, mbr);
    }
    f->content = fx_read_chain(f->original, sc->old_size);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = test_make_temp_dir();
    f->original = test_path_join(f->dir, "original.vhd");
    f->work = test_path_join(f->dir, "work.vhd");
    f->parent = test_path_join(f->dir, "parent.vhdx");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_remove_temp_dir(f->dir);
    free(f->original);
    free(f->work);
    free(f->parent);
    free(f->content);
    free(f);
    return 0;
}

static bool verify_whole = false;

/* The disk at path opens; its size is `want` (or, with want 0, the old or the new size);
 * its first old_size bytes are the old content and the rest reads as zeros. Returns its size. */
static uint64_t verify(const struct fixture *f, const char *path, uint64_t want, const char *what,
                       unsigned point)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    disk_image *image;
    vhd_reader_error error;
    const struct scene *sc = f->scene;
    if (vhd_ops_posix_open_chain(&chain, path, false, NULL, &result) != VHD_OP_OK)
        fail_msg("%s, %s, point %u: the disk does not open: %s", sc->label, what, point,
                 result.reason);
    image = disk_chain_image(chain.chain, 0);
    uint64_t size = disk_image_info(image)->size;
    if (want != 0 ? size != want : size != sc->old_size && size != sc->new_size)
        fail_msg("%s, %s, point %u: size %" PRIu64, sc->label, what, point, size);
    /* A shrink gives up the sectors past the new size (past the partition's end), which the
     * old disk may show changed while it is still the old one. */
    uint64_t kept = sc->new_size < sc->old_size ? sc->new_size : sc->old_size;
    /* A VHDX shrink changes its size before it drops a block: the old disk is whole. */
    if (sc->vhdx && size == sc->old_size)
        kept = sc->old_size;
    uint8_t *got = malloc(sc->old_size > 8192 * FX_SECTOR ? sc->old_size : 8192 * FX_SECTOR);
    if (disk_chain_read_sectors(chain.chain, 0, (uint32_t)(kept / FX_SECTOR), got, &error)
        != VHD_READER_OK)
        fail_msg("%s, %s, point %u: %s", sc->label, what, point, error.reason);
    for (uint64_t s = 0; s < kept / FX_SECTOR; s++)
        if (memcmp(got + s * FX_SECTOR, f->content + s * FX_SECTOR, FX_SECTOR) != 0)
            fail_msg("%s, %s, point %u: sector %" PRIu64 " changed", sc->label, what, point, s);
    /* The whole new part once per scene (test_grow); at the crash points of a large grow its
     * first and last 64 MiB, where the old last block and the table's old and new ends are. */
    uint64_t skip_from = size / FX_SECTOR, skip_to = size / FX_SECTOR;
    if (!verify_whole && size > sc->old_size + 256 * MiB) {
        skip_from = (sc->old_size + 64 * MiB) / FX_SECTOR;
        skip_to = (size - 64 * MiB) / FX_SECTOR;
    }
    for (uint64_t lba = sc->old_size / FX_SECTOR; lba < size / FX_SECTOR;) {
        if (lba >= skip_from && lba < skip_to)
            lba = skip_to;
        disk_extent extent;
        uint64_t left = size / FX_SECTOR - lba;
        uint32_t max = left < 8192 ? (uint32_t)left : 8192;
        assert_int_equal(disk_image_map(image, lba, max, &extent, &error), VHD_READER_OK);
        if (extent.state != DISK_EXTENT_ZERO) {    /* data here, or the parent's */
            if (disk_chain_read_sectors(chain.chain, lba, extent.sectors, got, &error)
                != VHD_READER_OK)
                fail_msg("%s, %s, point %u: %s", sc->label, what, point, error.reason);
            for (size_t i = 0; i < (size_t)extent.sectors * FX_SECTOR; i++)
                if (got[i] != 0)
                    fail_msg("%s, %s, point %u: new sector %" PRIu64 " is not zeros", sc->label,
                             what, point, lba + i / FX_SECTOR);
        }
        lba += extent.sectors;
    }
    free(got);
    vhd_ops_posix_close_chain(&chain);
    return size;
}

static vhd_reader_code resize_file(const char *path, uint64_t size, bool dry_run,
                                   disk_resize_report *report, vhd_reader_error *error)
{
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, dry_run ? VHD_IO_OPEN_READ : VHD_IO_OPEN_READ_WRITE),
                     VHD_OK);
    vhd_reader_code code = disk_resize(&file.io, size, dry_run, &options, report, error);
    assert_int_equal(file.io.close(&file.io), VHD_OK);
    return code;
}

/* The percentages a resize reported (resize_file_watched). */
static unsigned reported[4096], reports;

static void record_progress(void *ctx, unsigned percent)
{
    (void)ctx;
    if (reports < sizeof reported / sizeof reported[0])
        reported[reports] = percent;
    reports++;
}

/* resize_file with progress: the percentages never go back, end at 99 once, and a job that
 * moves blocks or writes a new table reports steps between. */
static vhd_reader_code resize_file_watched(const char *path, uint64_t size,
                                           disk_resize_report *report, vhd_reader_error *error,
                                           const char *label)
{
    disk_resize_options watched = options;
    struct vhd_io_posix file;
    watched.progress = record_progress;
    reports = 0;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    vhd_reader_code code = disk_resize(&file.io, size, false, &watched, report, error);
    assert_int_equal(file.io.close(&file.io), VHD_OK);
    if (code != VHD_READER_OK)
        return code;
    unsigned between = 0;
    for (unsigned i = 0; i < reports && i < sizeof reported / sizeof reported[0]; i++) {
        if (i > 0 && reported[i] <= reported[i - 1])
            fail_msg("%s: progress went from %u%% to %u%%", label, reported[i - 1], reported[i]);
        between += reported[i] > 0 && reported[i] < 99;
    }
    if (reports == 0 || reported[reports - 1] != 99)
        fail_msg("%s: progress did not end at 99%% (%u reports)", label, reports);
    if ((report->blocks_moved > 0 || report->table_moved) && between == 0)
        fail_msg("%s: progress jumped to 99%% without a step between", label);
    return code;
}

/* The footer at the end (and a dynamic disk's copy at 0, the same bytes): current and original
 * size the new size, the geometry the specification's algorithm gives, no grow mark left. */
static void assert_footers(const char *path, const struct scene *sc)
{
    size_t len;
    uint8_t *file = test_read_file(path, &len);
    const uint8_t *footer = file + len - 512;
    spec_chs chs = spec_chs_from_total_sectors(sc->new_size / 512);
    assert_int_equal(test_be64(footer + 40), sc->new_size);
    assert_int_equal(test_be64(footer + 48), sc->new_size);
    assert_int_equal(test_be16(footer + 56), chs.cylinders);
    assert_int_equal(footer[58], chs.heads);
    assert_int_equal(footer[59], chs.sectors_per_track);
    assert_int_equal(test_spec_checksum(footer, 512, 64), test_be32(footer + 64));
    for (size_t i = 85; i < 512; i++)
        assert_int_equal(footer[i], 0);
    if (!sc->fixed)
        assert_memory_equal(file, footer, 512);
    free(file);
}

/* A resized VHDX: no log left to replay; a shrunk one's file cut to its last kept block; a
 * moved table past everything else and the region table's two copies the same. */
static void vhdx_facts(const struct fixture *f, const struct scene *sc)
{
    struct vhd_io_posix file;
    vhdx_image *image;
    vhdx_reader_error error;
    size_t len;
    vhd_io_posix_init(&file, f->work);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhdx_image_open(&image, &file.io, NULL, &error), VHDX_READER_OK);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    assert_int_equal(info->log.state, VHDX_LOG_CLEAN);
    assert_int_equal(info->virtual_size, sc->new_size);
    if (sc->table_moved)
        assert_true(info->bat_region.file_offset > info->metadata_region.file_offset
                    && info->bat_region.length >= 2 * MiB);
    else
        assert_int_equal(info->bat_region.length, MiB);
    if (sc->diff) {             /* the first new block, and the last: ZERO, not the parent's */
        vhdx_extent extent;
        uint64_t lbas[2] = { (sc->old_size + MiB - 1) / MiB * (MiB / 512),
                             sc->new_size / 512 - 1 };
        for (int i = 0; i < 2; i++) {
            assert_int_equal(vhdx_image_map(image, lbas[i], 1, &extent, &error), VHDX_READER_OK);
            assert_int_equal(extent.block_state, VHDX_PAYLOAD_BLOCK_ZERO);
        }
    }
    if (sc->new_size < sc->old_size)            /* 1 MiB blocks: one per MiB kept at most */
        assert_true(info->file_size <= 5 * MiB + sc->new_size / MiB * MiB + MiB);
    vhdx_image_close(image);
    file.io.close(&file.io);
    uint8_t *bytes = test_read_file(f->work, &len);
    assert_memory_equal(bytes + 192 * 1024, bytes + 256 * 1024, 64 * 1024);
    free(bytes);
}

static void test_grow(void **state)
{
    struct fixture *f = *state;
    verify_whole = true;
    for (size_t i = 0; i < SCENES; i++) {
        const struct scene *sc = &scenes[i];
        disk_resize_report report;
        vhd_reader_error error;
        fill(f, sc);
        fx_copy_file(f->original, f->work);
        /* A dry run says what it would do and writes nothing. */
        assert_int_equal(resize_file(f->work, sc->new_size, true, &report, &error),
                         VHD_READER_OK);
        assert_int_equal(report.blocks_moved, sc->moved);
        assert_true(fx_same_file(f->original, f->work));
        if (resize_file_watched(f->work, sc->new_size, &report, &error, sc->label)
            != VHD_READER_OK)
            fail_msg("%s: %s", sc->label, error.reason);
        assert_int_equal(report.old_size, sc->old_size);
        assert_int_equal(report.new_size, sc->new_size);
        assert_int_equal(report.blocks_moved, sc->moved);
        assert_int_equal(report.blocks_reserved, sc->reserved);
        assert_int_equal(report.table_moved, sc->table_moved);
        assert_false(report.finished_earlier);
        verify(f, f->work, sc->new_size, "grown", 0);
        if (sc->vhdx) {
            vhdx_facts(f, sc);
            continue;
        }
        assert_footers(f->work, sc);
        /* Fixed: the file is the size Windows gives such a disk, data + footer. */
        if (sc->fixed)
            assert_int_equal(fx_file_size(f->work), sc->new_size + 512);
        /* The same size again changes nothing. */
        fx_copy_file(f->work, f->original);
        assert_int_equal(resize_file(f->work, sc->new_size, false, &report, &error),
                         VHD_READER_OK);
        assert_true(fx_same_file(f->original, f->work));
    }
    verify_whole = false;
}

/* Runs the resize of work with the supply; the code it returned. */
static vhd_reader_code run_powered(struct fixture *f, struct power_supply *supply)
{
    struct vhd_io_posix file;
    struct power_io pio;
    disk_resize_report report;
    vhd_reader_error error;
    vhd_io_posix_init(&file, f->work);
    power_io_plug(&pio, &file.io, supply);
    assert_int_equal(pio.io.open(&pio.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    vhd_reader_code code = disk_resize(&pio.io, f->scene->new_size, false, &options, &report,
                                       &error);
    pio.io.close(&pio.io);
    power_io_unplug(&pio);
    if (code != VHD_READER_OK && !supply->off)
        fail_msg("%s failed without a power cut: %s", f->scene->label, error.reason);
    return code;
}

static void rerun_completes(struct fixture *f, const char *what, unsigned point)
{
    disk_resize_report report;
    vhd_reader_error error;
    if (resize_file(f->work, f->scene->new_size, false, &report, &error) != VHD_READER_OK)
        fail_msg("%s, %s, point %u: the resize run again failed: %s", f->scene->label, what,
                 point, error.reason);
    verify(f, f->work, f->scene->new_size, what, point);
}

/* The crash points tried in a VHDX scene of this version: every STRIDE-th (from a start that
 * differs per scene and per run kind, so that together they cover every residue), or all of
 * them with VSDISK_CRASH_ALL=1 (several minutes under ASan). The earlier scenes try all. */
#define FIRST_SAMPLED_SCENE 8u
#define STRIDE 4u

static unsigned stride_of(size_t scene)
{
    const char *all = getenv("VSDISK_CRASH_ALL");
    return scene < FIRST_SAMPLED_SCENE || (all != NULL && strcmp(all, "1") == 0) ? 1 : STRIDE;
}

static void test_power_cut(void **state)
{
    struct fixture *f = *state;
    unsigned total = 0;
    for (size_t i = 0; i < SCENES; i++) {
        fill(f, &scenes[i]);
        for (int lose = 0; lose < 2; lose++) {
            unsigned n, step = stride_of(i), tried = 0;
            for (n = step == 1 ? 0 : (unsigned)(i + 2 * (size_t)lose) % step; n < MAX_POINTS;
                 n += step) {
                struct power_supply supply;
                fx_copy_file(f->original, f->work);
                power_supply_init(&supply, n, lose);
                vhd_reader_code code = run_powered(f, &supply);
                if (!supply.off) {
                    assert_int_equal(code, VHD_READER_OK);
                    break;
                }
                const char *what = lose ? "cut, unflushed lost" : "cut";
                verify(f, f->work, 0, what, n);
                rerun_completes(f, what, n);
                tried++;
            }
            assert_true(n > 0 && n < MAX_POINTS);
            total += tried;
        }
    }
    print_message("# %u power cuts tried\n", total);
}

static void test_io_faults(void **state)
{
    struct fixture *f = *state;
    unsigned total = 0;
    for (size_t i = 0; i < SCENES; i++) {
        fill(f, &scenes[i]);
        unsigned n, step = stride_of(i), tried = 0;
        for (n = 1 + (step == 1 ? 0 : (unsigned)(i + 1) % step); n < MAX_POINTS; n += step) {
            struct vhd_io_posix file;
            struct vhd_io_fault fault;
            disk_resize_report report;
            vhd_reader_error error;
            fx_copy_file(f->original, f->work);
            vhd_io_posix_init(&file, f->work);
            assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
            vhd_io_fault_init(&fault, &file.io);
            fault.fail_at = n;
            fault.fail_status = VHD_E_IO;
            vhd_reader_code code = disk_resize(&fault.io, f->scene->new_size, false, &options,
                                               &report, &error);
            file.io.close(&file.io);
            if (fault.calls < n) {
                assert_int_equal(code, VHD_READER_OK);
                break;
            }
            if (code == VHD_READER_OK)
                fail_msg("%s: call %u failed but the resize succeeded", f->scene->label, n);
            verify(f, f->work, 0, "failed call", n);
            rerun_completes(f, "failed call", n);
            tried++;
        }
        assert_true(n > 1 && n < MAX_POINTS);
        total += tried;
    }
    print_message("# %u failed calls tried\n", total);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A table longer than its disk (as blktap makes them) with an entry past the old size that
 * points at a block of data: the grown part must still read as zeros. */
static void test_stale_entry(void **state)
{
    struct fixture *f = *state;
    disk_resize_report report;
    vhd_reader_error error;
    size_t len;
    fill(f, &scenes[1]);                                /* 6 MiB: 3 blocks, 8 MiB: 4 */
    uint8_t *file = test_read_file(f->original, &len);
    uint8_t *header = file + 512, *table = file + 1536;
    assert_int_equal(test_be64(header + 16), 1536);
    put_be32(header + 28, 4);                           /* max table entries */
    memcpy(table + 3 * 4, table, 4);                    /* entry 3 = block 0's place */
    put_be32(header + 36, 0);
    put_be32(header + 36, test_spec_checksum(header, 1024, 36));
    remove(f->work);
    test_write_file(f->work, file, len);
    free(file);
    verify(f, f->work, scenes[1].old_size, "stale entry, before", 0);
    assert_int_equal(resize_file(f->work, scenes[1].new_size, false, &report, &error),
                     VHD_READER_OK);
    verify(f, f->work, scenes[1].new_size, "stale entry, grown", 0);
}

/* The last block of a disk whose size is not a whole number of blocks, with a sector past the
 * old size marked present and holding data (nothing the old disk shows): grown, it reads
 * zeros. */
static void test_tail_of_last_block(void **state)
{
    struct fixture *f = *state;
    static const struct scene tail = { "dynamic 5 MiB + 4 KiB to 8 MiB", false, false,
                                       5 * MiB + 4096, 8 * MiB, 0, false, 0, false,
                                       false, false, false };
    disk_resize_report report;
    vhd_reader_error error;
    uint8_t data[8 * FX_SECTOR];
    size_t len;
    uint64_t state_ = 3;
    fill(f, &tail);                                     /* block 2 holds the last sectors */
    uint8_t *file = test_read_file(f->original, &len);
    uint64_t block = (uint64_t)test_be32(file + 1536 + 2 * 4) * 512;
    uint32_t past = (uint32_t)((tail.old_size - 4 * MiB) / 512) + 3;   /* a sector past it */
    file[block + past / 8] |= (uint8_t)(0x80u >> (past % 8));
    fx_random(&state_, data, 512);
    memcpy(file + block + 512 + (uint64_t)past * 512, data, 512);
    remove(f->work);
    test_write_file(f->work, file, len);
    free(file);
    verify(f, f->work, tail.old_size, "tail bits, before", 0);
    assert_int_equal(resize_file(f->work, tail.new_size, false, &report, &error), VHD_READER_OK);
    verify(f, f->work, tail.new_size, "tail bits, grown", 0);
}

static void refused(struct fixture *f, const char *path, uint64_t size, const char *reason)
{
    disk_resize_report report;
    vhd_reader_error error;
    fx_copy_file(path, f->work);
    assert_int_equal(resize_file(f->work, size, false, &report, &error),
                     VHD_READER_NOT_POSSIBLE);
    if (strstr(error.reason, reason) == NULL)
        fail_msg("reason \"%s\" does not say \"%s\"", error.reason, reason);
    assert_true(fx_same_file(path, f->work));
}

static void test_refusals(void **state)
{
    struct fixture *f = *state;
    char *child = test_path_join(f->dir, "child.vhd");
    fill(f, &scenes[1]);
    refused(f, f->original, 4 * MiB, "the end of its last allocated data");
    refused(f, f->original, 8 * MiB + 100, "512-byte sectors");
    refused(f, f->original, 2040 * GiB + 512, "2040 GiB");
    refused(f, f->original, 3 * MiB - 512, "3 MiB");
    fx_create_child(child, f->original);
    refused(f, child, 8 * MiB, "a differencing VHD cannot be resized");
    fill(f, &scenes[0]);
    refused(f, f->original, 4 * MiB, "below 5242880 bytes (5 MiB, rounded up), the end of its "
            "last allocated data");
    fill(f, &scenes[6]);
    refused(f, f->original, 6 * MiB - 512, "below 6291456 bytes (6 MiB, rounded up), the end "
            "of its last MBR partition");
    refused(f, f->original, 2041 * GiB, "2040 GiB");
    remove(child);
    free(child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_power_cut),
        cmocka_unit_test(test_io_faults),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_stale_entry),
        cmocka_unit_test(test_tail_of_last_block),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
