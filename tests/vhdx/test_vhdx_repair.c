/* Repair of a VHDX (vhdx_repair through disk_repair).
 *
 * The damage table: each kind of damage made on a valid file (the builder's dynamic, fixed and
 * differencing images, Hyper-V's sample, qemu's dirty-log sample verified on Hyper-V), then
 *   - disk_check names it (its problem names, corruption or leak);
 *   - a dry run (the file opened read-only) lists the changes and changes no byte;
 *   - disk_repair repairs it, each change said, or refuses it (the data-loss reason, nothing
 *     written), or says it is past repair (nothing written);
 *   - after a repair: check finds no corruption, a second repair has nothing to do, and the
 *     guest content, sector by sector, is the undamaged original's (for a dirty log: what the
 *     reader's in-memory replay of it read); qemu-img check and compare agree where qemu reads
 *     the disk (dynamic and fixed; qemu has no differencing VHDX).
 * The crashes: the repairs of the table's kinds cut by a power loss after each changing call
 * (writes kept in order, then unflushed writes lost) and each I/O call failed in turn; after
 * each, the file opens, every sector reads as the original's, and repair run again finishes
 * with a clean check. VSDISK_CRASH_ALL=1 runs every repaired kind; by default a fixed
 * selection that covers each change (headers, region tables, logs, all together). */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "disk_check.h"
#include "disk_repair.h"
#include "power_io.h"
#include "vhd_io_fault.h"
#include "vhdx_builder.h"
#include "vhdx_change_util.h"
#include "vhdx_malformed_cases.h"
#include "vhdx_relink.h"
#include "vhdx_repair.h"
#include "vhdx_test_util.h"

/* The guest bytes compared: the samples' data ends at 18 MiB (the dirty log's) and 66 MiB
 * (Hyper-V's); the crash runs, which compare after every cut, read the first 24 MiB unless
 * VSDISK_CRASH_ALL=1. */
#define CONTENT_LIMIT (UINT64_C(80) << 20)
#define CRASH_CONTENT_LIMIT (UINT64_C(24) << 20)
static uint64_t crc_limit = CONTENT_LIMIT;

static const char *samples_dir;
static const char *work_dir;
static bool have_qemu;

static const uint64_t header_at[2] = { VHDX_HEADER1_OFFSET, VHDX_HEADER2_OFFSET };
static const uint64_t region_at[2] = { VHDX_REGION_TABLE1_OFFSET, VHDX_REGION_TABLE2_OFFSET };

/* ---- files ---- */

struct file {
    uint8_t *data;
    size_t size;
};

static struct file copy_of(struct file f)
{
    struct file c = { malloc(f.size ? f.size : 1), f.size };
    assert_non_null(c.data);
    memcpy(c.data, f.data, f.size);
    return c;
}

static struct file read_sample(const char *name)
{
    char command[2048];
    snprintf(command, sizeof command,
             "python3 -c 'import bz2, sys; sys.stdout.buffer.write(bz2.open(sys.argv[1]).read())'"
             " '%s/%s.bz2'", samples_dir, name);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    size_t capacity = 64 * MiB, used = 0, n;
    uint8_t *data = malloc(capacity);
    assert_non_null(data);
    while ((n = fread(data + used, 1, capacity - used, p)) > 0) {
        used += n;
        if (used == capacity) {
            capacity *= 2;
            data = realloc(data, capacity);
            assert_non_null(data);
        }
    }
    assert_int_equal(pclose(p), 0);
    return (struct file){ data, used };
}

/* Each sample decompressed once; a copy handed out. */
static struct file sample_cache[2];
static const char *const sample_names[2] = { "iotest-dirtylog-10G-4M.vhdx",
                                             "iotest-dynamic-1G.vhdx" };

static struct file load_sample(int which)
{
    if (sample_cache[which].data == NULL)
        sample_cache[which] = read_sample(sample_names[which]);
    return copy_of(sample_cache[which]);
}

static struct file from_builder(struct vhdx_built *b)
{
    struct file f = { b->data, b->size };
    b->data = NULL;
    return f;
}

/* ---- the bases ---- */

enum base { DYNAMIC, FIXED, DIFFERENCING, BUILT_DIRTY, SAMPLE_DIRTY, SAMPLE_HYPERV };

/* A builder file whose log rewrites a BAT page, zeros part of the metadata region's free space
 * and grows the file (test_vhdx_change_crash's). */
static struct file built_dirty(void)
{
    struct vhdx_built b;
    static uint8_t page[4096], far[4096];
    const vhdx_guid guid = {{ 9, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};
    const struct vhdx_builder_spec spec = { .virtual_size = 64 * MiB, .block_size = MiB,
                                            .present_blocks = 3 };
    vhdx_builder_build(&spec, &b);
    memcpy(page, b.data + b.bat_at, sizeof page);
    vhdx_put64(page + 9 * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
    memset(far, 0x5A, sizeof far);
    memset(b.data + b.metadata_at + 256 * 1024, 0x33, 8192);
    const struct vhdx_builder_descriptor d[] = {
        { false, b.bat_at, 0, page },
        { true, b.metadata_at + 256 * 1024, 8192, NULL },
        { false, b.size + MiB, 0, far },
    };
    const struct vhdx_builder_descriptor older[] = { { false, b.bat_at + 4096, 0, far } };
    struct vhdx_builder_entry e1 = { 6, (uint32_t)(MiB - 4096), guid, b.size, b.size, 1, older };
    vhdx_builder_write_log_entry(&b, (uint32_t)(MiB - 4096), &e1);
    struct vhdx_builder_entry e2 = { 7, (uint32_t)(MiB - 4096), guid, b.size, b.size + 2 * MiB,
                                     3, d };
    vhdx_builder_write_log_entry(&b, 4096, &e2);
    vhdx_builder_set_log_guid(&b, &guid);
    return from_builder(&b);
}

static struct file make_base(enum base base)
{
    struct vhdx_built b;
    switch (base) {
    case DYNAMIC:
        vhdx_malformed_build_base(VHDX_MALFORMED_DYNAMIC, &b);
        return from_builder(&b);
    case FIXED:
        vhdx_malformed_build_base(VHDX_MALFORMED_FIXED, &b);
        return from_builder(&b);
    case DIFFERENCING:
        vhdx_malformed_build_base(VHDX_MALFORMED_DIFFERENCING, &b);
        return from_builder(&b);
    case BUILT_DIRTY:
        return built_dirty();
    case SAMPLE_DIRTY:
        return load_sample(0);
    case SAMPLE_HYPERV:
        return load_sample(1);
    }
    fail();
    return (struct file){ NULL, 0 };
}

/* ---- damage ---- */

/* Which header slot is current (0 or 1): the valid one with the greater sequence number. */
static int current_slot(const uint8_t *data)
{
    vhdx_header h[2];
    bool ok[2];
    for (int i = 0; i < 2; i++)
        ok[i] = vhdx_header_decode(&h[i], data + header_at[i], VHDX_HEADER_SIZE) == VHDX_FORMAT_OK;
    if (!ok[0])
        return 1;
    if (!ok[1])
        return 0;
    return h[1].sequence_number > h[0].sequence_number ? 1 : 0;
}

static void header_crc(uint8_t *d, int i) { d[header_at[i] + 4] ^= 1; }
static void header_sig(uint8_t *d, int i) { d[header_at[i]] = 'H'; }
static void header_zero(uint8_t *d, int i) { memset(d + header_at[i], 0, VHDX_HEADER_SIZE); }
static void region_crc(uint8_t *d, int i) { d[region_at[i] + 4] ^= 1; }
static void region_sig(uint8_t *d, int i) { d[region_at[i]] = 'R'; }
static void region_zero(uint8_t *d, int i) { memset(d + region_at[i], 0, VHDX_REGION_TABLE_SIZE); }

#define DAMAGE(fn, body) static void fn(uint8_t *d) { body; }
DAMAGE(h1_crc, header_crc(d, 0))
DAMAGE(h2_crc, header_crc(d, 1))
DAMAGE(h1_sig, header_sig(d, 0))
DAMAGE(h2_zero, header_zero(d, 1))
DAMAGE(r1_crc, region_crc(d, 0))
DAMAGE(r2_sig, region_sig(d, 1))
DAMAGE(r1_zero, region_zero(d, 0))
DAMAGE(h1_zero_r2_crc, header_zero(d, 0); region_crc(d, 1))
DAMAGE(h2_crc_r1_crc, header_crc(d, 1); region_crc(d, 0))
DAMAGE(h1_crc_current, header_crc(d, current_slot(d)))
DAMAGE(h_stale_sig, header_sig(d, 1 - current_slot(d)))

/* A header update cut short: the non-current slot holds the first 48 bytes of a header with the
 * next sequence number (greater than the current one's) and a new log place, and the rest of
 * the old one, so its checksum is wrong. The repair must not trust its sequence number. */
static void header_torn_newer(uint8_t *d)
{
    int cur = current_slot(d);
    vhdx_header h;
    uint8_t bytes[VHDX_HEADER_SIZE];
    assert_int_equal(vhdx_header_decode(&h, d + header_at[cur], VHDX_HEADER_SIZE), VHDX_FORMAT_OK);
    h.sequence_number++;
    h.file_write_guid.bytes[0] ^= 0x5A;
    h.log_offset += VHDX_MiB;       /* a wrong log place: trusting it would break the disk */
    vhdx_header_encode(&h, bytes);
    memcpy(d + header_at[1 - cur], bytes, 48);
}

/* A region table copy cut short: only its first 4 KiB sector reached the disk, of a table
 * whose BAT moved (zeros were there before). */
static void region2_cut(uint8_t *d)
{
    memset(d + region_at[1], 0, VHDX_REGION_TABLE_SIZE);
    memcpy(d + region_at[1], d + region_at[0], 4096);
    vhdx_put64(d + region_at[1] + 16 + 16, vhdx_get64(d + region_at[1] + 16 + 16) + VHDX_MiB);
}

/* The differencing base records relative_path ".\\parent.vhdx" and absolute_win32_path
 * "C:\\disks\\parent.vhdx" (vhdx_builder.c). NO_PARENT: no opener (the repair leaves the
 * paths, check's parent-not-found is not the repair's business); MOVED: the parent is found by
 * the relative path and at C:\\new\\parent.vhdx, the absolute path names nothing; GONE: no
 * recorded path opens it (only C:\\new\\parent.vhdx does, which the child does not name). */
enum parent_setup { NO_PARENT, MOVED, GONE };

/* LOST: repaired with the loss accepted (accept_loss), the lost guest ranges listed. */
enum outcome { REPAIRED, REFUSED, IMPOSSIBLE, NOTHING, LOST };

struct damage_case {
    const char *name;
    enum base base;
    void (*damage)(uint8_t *data);  /* NULL: the base as it is */
    const char *malformed;          /* or a case of vhdx_malformed_cases (builder bases) */
    const char *problems;           /* what check names, in its order */
    enum outcome outcome;
    unsigned changes;
    bool crash;                     /* in the default crash selection */
    enum parent_setup parent;       /* where the differencing base's parent is found */
    const char *refusal;            /* REFUSED: words of the refusal ("BAT entry" if NULL) */
};

static const struct damage_case cases[] = {
    { "header 1 checksum (the stale copy)", DYNAMIC, h1_crc, NULL,
      "header-1-damaged", REPAIRED, 1, true, NO_PARENT, NULL },
    { "header 2 checksum (the current copy)", DYNAMIC, h2_crc, NULL,
      "header-2-damaged", REPAIRED, 1, true, NO_PARENT, NULL },
    { "header 1 signature, fixed disk", FIXED, h1_sig, NULL,
      "header-1-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "header 2 zeros", DYNAMIC, h2_zero, NULL,
      "header-2-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "header 1 torn with a newer sequence number", DYNAMIC, header_torn_newer, NULL,
      "header-1-damaged", REPAIRED, 1, true, NO_PARENT, NULL },
    { "region table 1 checksum", DYNAMIC, r1_crc, NULL,
      "region-table-1-damaged", REPAIRED, 1, true, NO_PARENT, NULL },
    { "region table 2 signature, fixed disk", FIXED, r2_sig, NULL,
      "region-table-2-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "region table 1 zeros, differencing disk", DIFFERENCING, r1_zero, NULL,
      "region-table-1-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "region table 2 cut short after its first sector", DYNAMIC, region2_cut, NULL,
      "region-table-2-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "header 1 zeros and region table 2 checksum, differencing", DIFFERENCING, h1_zero_r2_crc,
      NULL, "header-1-damaged region-table-2-damaged", REPAIRED, 2, true, NO_PARENT, NULL },
    { "dirty log of qemu's sample (replay verified on Hyper-V)", SAMPLE_DIRTY, NULL, NULL,
      "log-not-replayed", REPAIRED, 1, true, NO_PARENT, NULL },
    { "dirty log that wraps and grows the file", BUILT_DIRTY, NULL, NULL,
      "log-not-replayed", REPAIRED, 1, true, NO_PARENT, NULL },
    { "dirty log, header 2 and region table 1 damaged", BUILT_DIRTY, h2_crc_r1_crc, NULL,
      "header-2-damaged region-table-1-damaged log-not-replayed", REPAIRED, 3, true, NO_PARENT, NULL },
    { "Hyper-V's file, its current header's checksum", SAMPLE_HYPERV, h1_crc_current, NULL,
      "header-2-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "Hyper-V's file, its stale header's signature", SAMPLE_HYPERV, h_stale_sig, NULL,
      "header-1-damaged", REPAIRED, 1, false, NO_PARENT, NULL },
    { "ZERO BAT entry keeping a file offset (Hyper-V refuses it)", DYNAMIC, NULL,
      "bat_zero_with_offset", "zero-block-with-offset", REPAIRED, 1, true, NO_PARENT, NULL },
    { "BAT entry past the file's end", DYNAMIC, NULL, "bat_past_end",
      "not-valid", REFUSED, 0, false, NO_PARENT, NULL },
    { "BAT entry far outside the file", DYNAMIC, NULL, "bat_far",
      "not-valid", REFUSED, 0, false, NO_PARENT, NULL },
    { "two BAT entries on one block", DYNAMIC, NULL, "bat_shared",
      "not-valid", REFUSED, 0, false, NO_PARENT, NULL },
    { "file cut short inside its last block", DYNAMIC, NULL, "bat_last_block_cut",
      "not-valid", REFUSED, 0, false, NO_PARENT, NULL },
    { "both headers damaged", DYNAMIC, NULL, "header_both_crc",
      "not-valid", IMPOSSIBLE, 0, false, NO_PARENT, NULL },
    { "both region tables damaged", DYNAMIC, NULL, "region_both_crc",
      "not-valid", IMPOSSIBLE, 0, false, NO_PARENT, NULL },
    { "an undamaged dynamic disk", DYNAMIC, NULL, NULL, "", NOTHING, 0, false, NO_PARENT, NULL },
    { "BAT entry past the file's end, loss accepted", DYNAMIC, NULL, "bat_past_end",
      "not-valid", LOST, 1, true, NO_PARENT, NULL },
    { "BAT entry far outside the file, loss accepted", DYNAMIC, NULL, "bat_far",
      "not-valid", LOST, 1, false, NO_PARENT, NULL },
    { "two BAT entries on one block, loss accepted", DYNAMIC, NULL, "bat_shared",
      "not-valid", LOST, 1, false, NO_PARENT, NULL },
    { "BAT entry over the metadata region, loss accepted", DYNAMIC, NULL, "bat_on_metadata",
      "not-valid", LOST, 1, false, NO_PARENT, NULL },
    { "file cut short inside its last block, loss accepted", DYNAMIC, NULL, "bat_last_block_cut",
      "not-valid", LOST, 1, true, NO_PARENT, NULL },
    { "reserved BAT bits, loss accepted (still refused)", DYNAMIC, NULL, "bat_reserved_bits",
      "not-valid", REFUSED, 0, false, NO_PARENT, NULL },
    { "a sector bitmap entry past the end, loss accepted (still refused)", DIFFERENCING, NULL,
      "diff_sb_past_end", "not-valid", REFUSED, 0, false, NO_PARENT, NULL },
    { "stale absolute_win32_path, the parent found by relative_path", DIFFERENCING, NULL, NULL,
      "parent-path-stale", REPAIRED, 1, true, MOVED, NULL },
    { "stale absolute_win32_path and region table 1 zeros", DIFFERENCING, r1_zero, NULL,
      "region-table-1-damaged parent-path-stale", REPAIRED, 2, true, MOVED, NULL },
    { "both parent paths stale: no guessing", DIFFERENCING, NULL, NULL,
      "parent-not-found", REFUSED, 0, false, GONE, "parent was not found" },
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

static struct file make_damaged(const struct damage_case *c, struct file *orig)
{
    if (c->malformed != NULL) {
        const struct vhdx_malformed_case *m = vhdx_malformed_case_named(c->malformed);
        assert_non_null(m);
        struct vhdx_built b;
        vhdx_malformed_build_base(m->base, &b);
        *orig = copy_of((struct file){ b.data, b.size });
        m->mutate(&b);
        return from_builder(&b);
    }
    *orig = make_base(c->base);
    struct file damaged = copy_of(*orig);
    if (c->damage != NULL)
        c->damage(damaged.data);
    return damaged;
}

/* ---- the parent of the differencing base ---- */

static enum parent_setup parent_setup;     /* of the case being run */
static struct file parent_file;            /* built once */

/* A dynamic VHDX of the differencing base's size whose DataWriteGuid is the child's
 * parent_linkage. */
static struct file the_parent(void)
{
    if (parent_file.data == NULL) {
        struct vhdx_built b;
        const struct vhdx_builder_spec spec = { .present_blocks = 2 };
        vhdx_guid linkage;
        assert_true(vhdx_guid_parse("{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}", &linkage));
        vhdx_builder_build(&spec, &b);
        for (int i = 0; i < 2; i++) {
            memcpy(b.data + b.header_at[i] + 32, linkage.bytes, 16);   /* DataWriteGuid */
            vhdx_builder_fix_header(&b, i);
        }
        parent_file = from_builder(&b);
    }
    return parent_file;
}

static const char new_absolute[] = "C:\\new\\parent.vhdx";

/* The opener: a path opens the parent when the case's setup says so (the strings as stored). */
static vhd_status parent_open(void *ctx, const char *child_name,
                              const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    (void)ctx, (void)child_name;
    bool opens = strcmp(candidate->path, new_absolute) == 0
                 || (parent_setup == MOVED && strcmp(candidate->path, ".\\parent.vhdx") == 0);
    if (!opens)
        return VHD_E_NOT_FOUND;
    struct memory_io *mem = malloc(sizeof *mem);
    struct file p = the_parent();
    assert_non_null(mem);
    assert_true(memory_io_init_with(mem, p.data, p.size));
    assert_int_equal(mem->io.open(&mem->io, VHD_IO_OPEN_READ), VHD_OK);
    memset(file, 0, sizeof *file);
    file->io = &mem->io;
    file->name = candidate->path;
    file->handle = mem;
    return VHD_OK;
}

static void parent_close(void *ctx, vhd_parent_file *file)
{
    (void)ctx;
    memory_io_free(file->handle);
    free(file->handle);
}

static const vhd_parent_opener parent_opener = { parent_open, parent_close, NULL };

/* The paths a creator records for the parent found: where the opener found it. */
static bool parent_paths(void *ctx, const char *name, const char *parent_name,
                         disk_relink_paths *paths)
{
    static uint16_t absolute[64], relative[64];
    static const char rel[] = ".\\parent.vhdx";
    (void)ctx, (void)name, (void)parent_name;
    for (size_t i = 0; i < sizeof new_absolute - 1; i++)
        absolute[i] = (uint8_t)new_absolute[i];
    for (size_t i = 0; i < sizeof rel - 1; i++)
        relative[i] = (uint8_t)rel[i];
    memset(paths, 0, sizeof *paths);
    paths->absolute = absolute;
    paths->absolute_length = sizeof new_absolute - 1;
    paths->relative = relative;
    paths->relative_length = sizeof rel - 1;
    return true;
}

/* ---- reading and checking ---- */

/* CRC-32C of the image's own sectors (the first crc_limit bytes), the log replayed in memory. */
static uint32_t content_crc(struct file f)
{
    struct memory_io mem;
    vhdx_image *image;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(&mem, f.data, f.size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&image, &mem.io, NULL, &error) != VHDX_READER_OK)
        fail_msg("does not open: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t limit = info->virtual_size < crc_limit ? info->virtual_size : crc_limit;
    uint8_t *buf = malloc(MiB);
    assert_non_null(buf);
    uint32_t crc = vhdx_crc32c_begin();
    for (uint64_t at = 0; at < limit; at += MiB) {
        uint64_t bytes = limit - at < MiB ? limit - at : MiB;
        uint32_t count = (uint32_t)(bytes / info->logical_sector_size);
        assert_int_equal(vhdx_image_read_sectors(image, at / info->logical_sector_size, count,
                                                 buf, &error), VHDX_READER_OK);
        crc = vhdx_crc32c_update(crc, buf, (size_t)count * info->logical_sector_size);
    }
    free(buf);
    vhdx_image_close(image);
    memory_io_free(&mem);
    return vhdx_crc32c_end(crc);
}

static bool in_loss(const disk_repair_report *lost, uint64_t offset)
{
    for (unsigned i = 0; lost != NULL && i < lost->losses && i < DISK_REPAIR_LOSSES_MAX; i++)
        if (offset >= lost->loss[i].offset && offset - lost->loss[i].offset < lost->loss[i].length)
            return true;
    return false;
}

/* Sector by sector: every logical sector of the image reads the same in a and b (the first
 * CONTENT_LIMIT bytes), except in lost's ranges, where b reads zeros; fails naming the first
 * that differs. */
static void same_content(struct file a, struct file b, const char *label,
                         const disk_repair_report *lost)
{
    struct memory_io ma, mb;
    vhdx_image *ia, *ib;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(&ma, a.data, a.size));
    assert_true(memory_io_init_with(&mb, b.data, b.size));
    assert_int_equal(ma.io.open(&ma.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(mb.io.open(&mb.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhdx_image_open(&ia, &ma.io, NULL, &error), VHDX_READER_OK);
    if (vhdx_image_open(&ib, &mb.io, NULL, &error) != VHDX_READER_OK)
        fail_msg("%s: the repaired file does not open: %s", label, error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(ia);
    assert_int_equal(info->virtual_size, vhdx_image_get_info(ib)->virtual_size);
    uint32_t sector = info->logical_sector_size;
    uint64_t limit = info->virtual_size < CONTENT_LIMIT ? info->virtual_size : CONTENT_LIMIT;
    uint8_t *x = malloc(MiB), *y = malloc(MiB);
    assert_non_null(x);
    assert_non_null(y);
    for (uint64_t at = 0; at < limit; at += MiB) {
        uint64_t bytes = limit - at < MiB ? limit - at : MiB;
        uint32_t count = (uint32_t)(bytes / sector);
        assert_int_equal(vhdx_image_read_sectors(ia, at / sector, count, x, &error),
                         VHDX_READER_OK);
        assert_int_equal(vhdx_image_read_sectors(ib, at / sector, count, y, &error),
                         VHDX_READER_OK);
        for (uint32_t s = 0; s < count; s++) {
            const uint8_t *want = x + (size_t)s * sector;
            if (in_loss(lost, at + (uint64_t)s * sector)) {
                memset(x + (size_t)s * sector, 0, sector);
            }
            if (memcmp(want, y + (size_t)s * sector, sector) != 0)
                fail_msg("%s: sector %llu differs from the original's%s", label,
                         (unsigned long long)(at / sector + s),
                         in_loss(lost, at + (uint64_t)s * sector) ? " (lost: zeros)" : "");
        }
    }
    free(x);
    free(y);
    vhdx_image_close(ia);
    vhdx_image_close(ib);
    memory_io_free(&ma);
    memory_io_free(&mb);
}

struct found {
    char names[512];
    unsigned corruptions, leaks;
};

static void collect(void *ctx, const char *file, const disk_problem *problem)
{
    struct found *f = ctx;
    (void)file;
    /* The differencing bases' parent is not there: not the repair's business, unless the
     * case puts it somewhere. */
    if (strcmp(problem->name, "parent-not-found") == 0 && parent_setup == NO_PARENT)
        return;
    if (problem->kind != DISK_PROBLEM_LEAK) {
        f->corruptions++;
        size_t used = strlen(f->names);
        snprintf(f->names + used, sizeof f->names - used, "%s%s", used ? " " : "",
                 problem->name);
    } else {
        f->leaks++;
    }
}

static struct found check(struct file f)
{
    struct memory_io mem;
    struct found found;
    disk_check_counts counts;
    vhd_reader_error error;
    memset(&found, 0, sizeof found);
    assert_true(memory_io_init_with(&mem, f.data, f.size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    if (disk_check(&mem.io, "disk.vhdx", NULL, parent_setup == NO_PARENT ? NULL : &parent_opener,
                   collect, &found, &counts, &error)
        != VHD_READER_OK)
        fail_msg("check could not finish: %s", error.reason);
    memory_io_free(&mem);
    return found;
}

/* ---- running the repair ---- */

static uint64_t random_counter;

static void test_random(void *ctx, uint8_t out[16])
{
    change_random(ctx, out);
}

static bool accept_loss;            /* of the case being run */

static disk_repair_options repair_options(bool dry_run)
{
    disk_repair_options o;
    memset(&o, 0, sizeof o);
    o.dry_run = dry_run;
    o.accept_loss = accept_loss;
    o.name = "disk.vhdx";
    o.random = test_random;
    o.ctx = &random_counter;
    if (parent_setup != NO_PARENT) {
        o.opener = &parent_opener;
        o.parent_paths = parent_paths;
    }
    return o;
}

/* Repairs the file on io (through a wrapper when wrap is given); the file's bytes replaced by
 * what the repair left. */
static vhd_reader_code repair_on(struct file *f, bool dry_run, disk_repair_report *report,
                                 vhd_reader_error *error)
{
    struct memory_io mem;
    change_file_init(&mem, f->data, f->size);
    assert_int_equal(mem.io.open(&mem.io, dry_run ? VHD_IO_OPEN_READ : VHD_IO_OPEN_READ_WRITE),
                     VHD_OK);
    disk_repair_options options = repair_options(dry_run);
    vhd_reader_code code = disk_repair(&mem.io, &options, report, error);
    mem.io.close(&mem.io);
    free(f->data);
    f->data = mem.data;
    f->size = mem.size;
    return code;
}

static void print_report(const char *label, const disk_repair_report *r)
{
    for (unsigned i = 0; i < r->changes && i < DISK_REPAIR_LINES_MAX; i++)
        print_message("#   %s: changed: %s\n", label, r->change[i]);
    for (unsigned i = 0; i < r->refused && i < DISK_REPAIR_LINES_MAX; i++)
        print_message("#   %s: refused: %s\n", label, r->refusal[i]);
}

/* ---- qemu ---- */

static void save(struct file f, const char *path)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(f.data, 1, f.size, out), f.size);
    assert_int_equal(fclose(out), 0);
}

static int run(const char *command)
{
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static unsigned qemu_checks, qemu_compares;

/* qemu-img check of the repaired file, and compare with the original where qemu reads it
 * (it refuses a dirty log read-only, and has no differencing VHDX). */
static void qemu_agrees(const struct damage_case *c, struct file orig, struct file repaired)
{
    char a[1024], b[1024], command[3000];
    if (!have_qemu || c->base == DIFFERENCING)
        return;
    snprintf(a, sizeof a, "%s/repair-original.vhdx", work_dir);
    snprintf(b, sizeof b, "%s/repair-repaired.vhdx", work_dir);
    save(repaired, b);
    snprintf(command, sizeof command, "qemu-img check -q -f vhdx '%s'", b);
    qemu_checks++;
    if (run(command) != 0)
        fail_msg("%s: qemu-img check finds the repaired file not clean", c->name);
    if (c->base != BUILT_DIRTY && c->base != SAMPLE_DIRTY && c->outcome != LOST) {
        save(orig, a);
        snprintf(command, sizeof command, "qemu-img compare -q -f vhdx -F vhdx '%s' '%s'", a, b);
        qemu_compares++;
        if (run(command) != 0)
            fail_msg("%s: qemu-img compare finds the content changed", c->name);
        remove(a);
    }
    remove(b);
}

/* The locator names the parent where it was found, its linkage kept. */
static void parent_paths_refreshed(struct file f, const char *label)
{
    struct memory_io mem;
    vhdx_image *image;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(&mem, f.data, f.size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhdx_image_open(&image, &mem.io, NULL, &error), VHDX_READER_OK);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    if (info->absolute_win32_path == NULL || strcmp(info->absolute_win32_path, new_absolute) != 0)
        fail_msg("%s: absolute_win32_path is %s", label, info->absolute_win32_path);
    assert_string_equal(info->relative_path, ".\\parent.vhdx");
    /* (the creator writes GUIDs in lower case) */
    assert_int_equal(strcasecmp(info->parent_linkage, "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}"),
                     0);
    assert_null(info->parent_linkage2);
    vhdx_image_close(image);
    memory_io_free(&mem);
}

/* ---- the damage table ---- */

static void test_damage_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < CASE_COUNT; k++) {
        const struct damage_case *c = &cases[k];
        struct file orig;
        struct file damaged = make_damaged(c, &orig);
        disk_repair_report report;
        vhd_reader_error error;

        accept_loss = strstr(c->name, "loss accepted") != NULL;
        parent_setup = c->parent;
        struct found before = check(damaged);
        if (strcmp(before.names, c->problems) != 0)
            fail_msg("%s: check names \"%s\", not \"%s\"", c->name, before.names, c->problems);

        /* The dry run: no byte changed, the same changes listed. */
        struct file dry = copy_of(damaged);
        vhd_reader_code dry_code = repair_on(&dry, true, &report, &error);
        if (dry.size != damaged.size || memcmp(dry.data, damaged.data, dry.size) != 0)
            fail_msg("%s: the dry run changed the file", c->name);
        unsigned dry_changes = report.changes;
        for (unsigned i = 0; i < report.changes && i < DISK_REPAIR_LINES_MAX; i++)
            if (strstr(report.change[i], "would be") == NULL)
                fail_msg("%s: the dry run says \"%s\", not what would be done", c->name,
                         report.change[i]);
        free(dry.data);

        struct file repaired = copy_of(damaged);
        vhd_reader_code code = repair_on(&repaired, false, &report, &error);
        print_message("# %s: %s\n", c->name, code == VHD_READER_OK ? "done" : error.reason);
        print_report(c->name, &report);
        assert_int_equal(dry_code, code);
        assert_int_equal(report.format, DISK_FORMAT_VHDX);
        switch (c->outcome) {
        case REPAIRED:
            if (code != VHD_READER_OK)
                fail_msg("%s: not repaired: %s", c->name, error.reason);
            assert_int_equal(report.changes, c->changes);
            assert_int_equal(dry_changes, c->changes);
            assert_int_equal(report.refused, 0);
            struct found after = check(repaired);
            if (after.corruptions != 0)
                fail_msg("%s: check after the repair still finds \"%s\"", c->name, after.names);
            /* Leaks are left as they are; a replayed log may grow the file past what the
             * BAT refers to (its LastFileOffset), which check then counts. */
            if (c->base != BUILT_DIRTY && c->base != SAMPLE_DIRTY)
                assert_int_equal(after.leaks, before.leaks);
            same_content(orig, repaired, c->name, NULL);
            if (c->parent == MOVED)
                parent_paths_refreshed(repaired, c->name);
            /* A second repair has nothing to do and writes nothing. */
            struct file again = copy_of(repaired);
            assert_int_equal(repair_on(&again, false, &report, &error), VHD_READER_OK);
            assert_int_equal(report.changes, 0);
            assert_true(again.size == repaired.size
                        && memcmp(again.data, repaired.data, again.size) == 0);
            free(again.data);
            qemu_agrees(c, orig, repaired);
            break;
        case LOST: {
            if (code != VHD_READER_OK)
                fail_msg("%s: not repaired: %s", c->name, error.reason);
            assert_int_equal(report.changes, c->changes);
            assert_int_equal(dry_changes, c->changes);
            assert_true(report.losses >= 1);
            assert_true(report.bytes_lost > 0);
            struct found after = check(repaired);
            if (after.corruptions != 0)
                fail_msg("%s: check after the repair still finds \"%s\"", c->name, after.names);
            same_content(orig, repaired, c->name, &report);
            struct file again = copy_of(repaired);
            assert_int_equal(repair_on(&again, false, &report, &error), VHD_READER_OK);
            assert_int_equal(report.changes, 0);
            free(again.data);
            qemu_agrees(c, orig, repaired);
            break;
        }
        case REFUSED:
            assert_int_equal(code, VHD_READER_OK);
            assert_int_equal(report.changes, 0);
            assert_int_equal(report.refused, 1);
            assert_non_null(strstr(report.refusal[0], "nothing was written"));
            assert_non_null(strstr(report.refusal[0], c->refusal ? c->refusal : "BAT entry"));
            break;
        case IMPOSSIBLE:
            assert_int_equal(code, VHD_READER_NOT_POSSIBLE);
            assert_non_null(strstr(error.reason, "nothing was written"));
            assert_int_equal(report.changes, 0);
            break;
        case NOTHING:
            assert_int_equal(code, VHD_READER_OK);
            assert_int_equal(report.changes, 0);
            assert_int_equal(dry_changes, 0);
            break;
        }
        if (c->outcome != REPAIRED && c->outcome != LOST
            && (repaired.size != damaged.size
                || memcmp(repaired.data, damaged.data, damaged.size) != 0))
            fail_msg("%s: the file was written", c->name);
        free(repaired.data);
        free(damaged.data);
        free(orig.data);
    }
    parent_setup = NO_PARENT;
    print_message("# %zu kinds of damage; qemu-img check of %u repaired files, compare of %u\n",
                  CASE_COUNT, qemu_checks, qemu_compares);
}

/* The current header after a repair of a damaged current header: the good one's fields, a
 * sequence number above both, never the torn copy's log place. */
static void test_header_sequence_rule(void **state)
{
    (void)state;
    struct file orig = make_base(DYNAMIC);
    struct file f = copy_of(orig);
    vhdx_header good, h[2];
    assert_int_equal(vhdx_header_decode(&good, f.data + header_at[1], VHDX_HEADER_SIZE),
                     VHDX_FORMAT_OK);
    header_torn_newer(f.data);
    disk_repair_report report;
    vhd_reader_error error;
    assert_int_equal(repair_on(&f, false, &report, &error), VHD_READER_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(vhdx_header_decode(&h[i], f.data + header_at[i], VHDX_HEADER_SIZE),
                         VHDX_FORMAT_OK);
    /* Header 1 (the torn one) written first with 12, then header 2 with 13. */
    assert_int_equal(h[0].sequence_number, good.sequence_number + 1);
    assert_int_equal(h[1].sequence_number, good.sequence_number + 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(h[i].log_offset, good.log_offset);
        assert_memory_equal(h[i].data_write_guid.bytes, good.data_write_guid.bytes, 16);
        assert_true(vhdx_guid_is_zero(&h[i].log_guid));
    }
    free(f.data);
    free(orig.data);
}

/* A child whose locator also names parent_linkage2 (a merge under way: the parent's next
 * DataWriteGuid) keeps both linkages when its stale paths are refreshed: only where the parent
 * is changes. */
static void test_parent_paths_keep_linkage2(void **state)
{
    (void)state;
    static const char next[] = "{11111111-2222-3333-4444-555555555555}";
    struct vhdx_built b;
    struct memory_io mem;
    vhdx_guid current, following;
    vhdx_reader_error inner;
    vhdx_malformed_build_base(VHDX_MALFORMED_DIFFERENCING, &b);
    assert_true(vhdx_guid_parse("{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}", &current));
    assert_true(vhdx_guid_parse(next, &following));
    change_file_open(&mem, b.data, b.size);
    if (vhdx_relink_linkage(&mem.io, &current, &following, &change_options, &inner)
        != VHDX_READER_OK)
        fail_msg("%s", inner.reason);
    mem.io.close(&mem.io);
    struct file f = { mem.data, mem.size };
    parent_setup = MOVED;
    disk_repair_report report;
    vhd_reader_error error;
    assert_int_equal(repair_on(&f, false, &report, &error), VHD_READER_OK);
    assert_int_equal(report.changes, 1);
    assert_non_null(strstr(report.change[0], "stale parent paths"));
    struct memory_io view;
    vhdx_image *image;
    assert_true(memory_io_init_with(&view, f.data, f.size));
    assert_int_equal(view.io.open(&view.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhdx_image_open(&image, &view.io, NULL, &inner), VHDX_READER_OK);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    assert_string_equal(info->absolute_win32_path, new_absolute);
    assert_int_equal(strcasecmp(info->parent_linkage, "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}"),
                     0);
    assert_non_null(info->parent_linkage2);
    assert_int_equal(strcasecmp(info->parent_linkage2, next), 0);
    vhdx_image_close(image);
    memory_io_free(&view);
    parent_setup = NO_PARENT;
    free(f.data);
    vhdx_builder_free(&b);
}

/* The heap a repair holds stays under VHDX_REPAIR_HEAP_MAX and is all given back: a dirty log
 * with both kinds of damaged copy, and misplaced blocks dropped and extended for. */
static void test_heap_bound(void **state)
{
    (void)state;
    static const char *const names[] = { "dirty log, header 2 and region table 1 damaged",
                                         "BAT entry past the file's end, loss accepted",
                                         "file cut short inside its last block, loss accepted" };
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        const struct damage_case *c = NULL;
        for (size_t k = 0; k < CASE_COUNT; k++)
            if (strcmp(cases[k].name, names[n]) == 0)
                c = &cases[k];
        assert_non_null(c);
        struct file orig;
        struct file f = make_damaged(c, &orig);
        struct memory_io mem;
        change_file_open(&mem, f.data, f.size);
        vhdx_header h;
        assert_int_equal(vhdx_header_decode(&h, f.data + header_at[current_slot(f.data)],
                                            VHDX_HEADER_SIZE), VHDX_FORMAT_OK);
        accept_loss = c->outcome == LOST;
        disk_repair_options options = repair_options(false);
        options.allocate = vhdx_counted.allocate;
        options.release = vhdx_counted.release;
        disk_repair_report report;
        vhd_reader_error error;
        vhdx_heap_start();
        if (disk_repair(&mem.io, &options, &report, &error) != VHD_READER_OK)
            fail_msg("%s: %s", c->name, error.reason);
        assert_true(report.changes >= 1);
        assert_int_equal(vhdx_heap_live, 0);
        size_t bound = VHDX_REPAIR_HEAP_MAX(f.size, h.log_length);
        print_message("# %s: heap peak %zu bytes, bound %zu\n", c->name, vhdx_heap_peak, bound);
        assert_true(vhdx_heap_peak <= bound);
        memory_io_free(&mem);
        free(f.data);
        free(orig.data);
    }
}

/* ---- crashes ---- */

static unsigned long crash_points;

static vhd_reader_code repair_powered(struct file *f, struct power_supply *supply,
                                      disk_repair_report *report, vhd_reader_error *error)
{
    struct memory_io mem;
    struct power_io pio;
    change_file_init(&mem, f->data, f->size);
    power_io_plug(&pio, &mem.io, supply);
    vhd_reader_code code = VHD_READER_IO;
    if (pio.io.open(&pio.io, VHD_IO_OPEN_READ_WRITE) == VHD_OK) {
        disk_repair_options options = repair_options(false);
        code = disk_repair(&pio.io, &options, report, error);
        pio.io.close(&pio.io);
    }
    power_io_unplug(&pio);
    free(f->data);
    f->data = mem.data;
    f->size = mem.size;
    return code;
}

/* The number of the first counted call that changes the file (0: none yet). */
static void note_first_change(void *ctx, unsigned call, enum vhd_io_fault_call kind)
{
    unsigned *first = ctx;
    if (*first == 0 && (kind == VHD_IO_FAULT_WRITE || kind == VHD_IO_FAULT_FLUSH
                        || kind == VHD_IO_FAULT_SET_SIZE))
        *first = call;
}

static unsigned first_change;

static vhd_reader_code repair_faulty(struct file *f, unsigned fail_at, unsigned *calls,
                                     vhd_reader_error *error)
{
    struct memory_io mem;
    struct vhd_io_fault fault;
    disk_repair_report report;
    change_file_open(&mem, f->data, f->size);
    vhd_io_fault_init(&fault, &mem.io);
    fault.fail_at = fail_at;
    fault.fail_status = VHD_E_IO;
    fault.after_call = note_first_change;
    fault.ctx = &first_change;
    disk_repair_options options = repair_options(false);
    vhd_reader_code code = disk_repair(&fault.io, &options, &report, error);
    *calls = fault.calls;
    mem.io.close(&mem.io);
    free(f->data);
    f->data = mem.data;
    f->size = mem.size;
    return code;
}

/* After a cut or a failure: the file opens, its content is the original's, and the repair run
 * again finishes with a clean check. */
static void check_interrupted(const char *label, struct file *f, uint32_t crc, const char *pass,
                              unsigned n)
{
    vhdx_image_info info;
    vhdx_reader_error error;
    vhd_reader_error repair_error;
    disk_repair_report report;
    /* A file repaired with accepted loss did not open before: it opens (with the final
     * content) once the BAT's change is in, and may not before. */
    if (change_view_open(f->data, f->size, &info, &error) != VHDX_READER_OK) {
        if (!accept_loss)
            fail_msg("%s, %s, %u: the file does not open: %s", label, pass, n, error.reason);
    } else if (content_crc(*f) != crc) {
        fail_msg("%s, %s, %u: the disk's content changed", label, pass, n);
    }
    struct power_supply supply;
    power_supply_init(&supply, UINT32_MAX, false);
    if (repair_powered(f, &supply, &report, &repair_error) != VHD_READER_OK)
        fail_msg("%s, %s, %u: the repair run again fails: %s", label, pass, n,
                 repair_error.reason);
    struct found after = check(*f);
    if (after.corruptions != 0)
        fail_msg("%s, %s, %u: after the repair run again check finds \"%s\"", label, pass, n,
                 after.names);
    if (content_crc(*f) != crc)
        fail_msg("%s, %s, %u: the content changed after the repair run again", label, pass, n);
}

/* Before its first write a repair only reads (hundreds of calls for a log to replay): a
 * failure there is tried at every 16th call and the last; from the first write on, at every
 * call (every one with VSDISK_CRASH_ALL=1). */
static bool tried(unsigned n, unsigned first_write, bool every)
{
    return every || first_write == 0 || n >= first_write - 1 || n % 16 == 1;
}

static void crash_case(const struct damage_case *c, bool every)
{
    struct file orig;
    struct file damaged = make_damaged(c, &orig);
    struct power_supply supply;
    disk_repair_report report;
    vhd_reader_error error;

    accept_loss = c->outcome == LOST;
    parent_setup = c->parent;
    struct file f = copy_of(damaged);
    power_supply_init(&supply, UINT32_MAX, false);
    if (repair_powered(&f, &supply, &report, &error) != VHD_READER_OK)
        fail_msg("%s fails without a cut: %s", c->name, error.reason);
    unsigned calls = supply.changing_calls;
    /* The content every sector must read: the original's, or with the loss accepted the
     * repaired one's (the lost ranges zeros). */
    uint32_t crc = content_crc(accept_loss ? f : orig);
    free(f.data);
    for (int lose = 0; lose < 2; lose++) {
        for (unsigned n = 0; n < calls; n++) {
            f = copy_of(damaged);
            power_supply_init(&supply, n, lose);
            assert_int_not_equal(repair_powered(&f, &supply, &report, &error), VHD_READER_OK);
            assert_true(supply.off);
            check_interrupted(c->name, &f, crc, lose ? "unflushed writes lost" : "clean stop",
                              n);
            free(f.data);
            crash_points++;
        }
    }
    unsigned faulty_calls = 0, untouched = 0, skipped = 0;
    f = copy_of(damaged);
    first_change = 0;
    assert_int_equal(repair_faulty(&f, 0, &faulty_calls, &error), VHD_READER_OK);
    unsigned first_write = first_change;
    free(f.data);
    for (unsigned n = 1; n <= faulty_calls; n++) {
        unsigned ignored;
        if (!tried(n, first_write, every)) {
            skipped++;
            continue;
        }
        f = copy_of(damaged);
        if (repair_faulty(&f, n, &ignored, &error) == VHD_READER_OK)
            fail_msg("%s: call %u failed but the repair succeeded", c->name, n);
        assert_true(strlen(error.reason) > 10);
        if (f.size == damaged.size && memcmp(f.data, damaged.data, f.size) == 0)
            untouched++;
        else
            check_interrupted(c->name, &f, crc, "I/O call failed", n);
        free(f.data);
        crash_points++;
    }
    print_message("# %s: %u crash points (x2: writes kept in order, then unflushed writes "
                  "lost), %u of %u I/O calls failed in turn (%u left the file untouched)\n",
                  c->name, calls, faulty_calls - skipped, faulty_calls, untouched);
    free(damaged.data);
    free(orig.data);
}

static void test_crashes(void **state)
{
    (void)state;
    const char *all = getenv("VSDISK_CRASH_ALL");
    bool every = all != NULL && strcmp(all, "1") == 0;
    crc_limit = every ? CONTENT_LIMIT : CRASH_CONTENT_LIMIT;
    for (size_t k = 0; k < CASE_COUNT; k++)
        if ((cases[k].outcome == REPAIRED || cases[k].outcome == LOST)
            && (every || cases[k].crash))
            crash_case(&cases[k], every);
    print_message("# %lu crash points and failed calls in all\n", crash_points);
}

int main(int argc, char **argv)
{
    samples_dir = argc > 1 ? argv[1] : "tests/samples";
    work_dir = argc > 2 ? argv[2] : ".";
    have_qemu = run("qemu-img --version > /dev/null 2>&1") == 0;
    if (!have_qemu)
        print_message("# qemu-img not found: the repaired files are not checked by qemu\n");
    if (argc > 3)
        cmocka_set_test_filter(argv[3]);    /* one test, by name */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damage_table),
        cmocka_unit_test(test_header_sequence_rule),
        cmocka_unit_test(test_parent_paths_keep_linkage2),
        cmocka_unit_test(test_heap_bound),
        cmocka_unit_test(test_crashes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < 2; i++)
        free(sample_cache[i].data);
    free(parent_file.data);
    return failed;
}
