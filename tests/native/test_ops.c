/* Convert, MergeTo, Merge and Compact: the statuses of each (wrong kinds, an existing target, a
 * disk held by another writer, a missing parent, a full disk, the source deleted mid-way),
 * cancel at every poll, progress, bounded memory whatever the disk size, and the samples of
 * other writers. The crash tests are in test_ops_crash.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk_chain.h"
#include "ops_fixture.h"
#include "test_util.h"
#include "vhd_disk.h"
#include "vhd_io_fault.h"
#include "vhd_ops.h"
#include "vhd_ops_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)
#define SIZE (8 * MiB)
#define SPB 4096u

static const char *samples_dir;
static uint64_t seed;

struct world {
    char *dir, *base, *child, *fixed, *target;
    uint8_t *base_model, *child_model;
};

static void put(struct world *w, const char *path, uint8_t *model, uint8_t *model2,
                uint64_t lba, uint32_t count, uint64_t *rng)
{
    uint8_t *data = malloc((size_t)count * FX_SECTOR);
    assert_non_null(data);
    fx_random(rng, data, (size_t)count * FX_SECTOR);
    fx_write(path, lba, count, data);
    memcpy(model + lba * FX_SECTOR, data, (size_t)count * FX_SECTOR);
    if (model2 != NULL)
        memcpy(model2 + lba * FX_SECTOR, data, (size_t)count * FX_SECTOR);
    free(data);
    (void)w;
}

/* base.vhd (dynamic, data in blocks 0, 1 and 3), child.vhd over it, fixed.vhd (fixed). */
static void world_init(struct world *w)
{
    uint64_t rng = seed;
    w->dir = test_make_temp_dir();
    w->base = test_path_join(w->dir, "base.vhd");
    w->child = test_path_join(w->dir, "child.vhd");
    w->fixed = test_path_join(w->dir, "fixed.vhd");
    w->target = test_path_join(w->dir, "target.vhd");
    w->base_model = calloc(1, SIZE);
    w->child_model = calloc(1, SIZE);
    fx_create_dynamic(w->base, SIZE);
    put(w, w->base, w->base_model, w->child_model, 10, 100, &rng);
    put(w, w->base, w->base_model, w->child_model, SPB, SPB, &rng);
    put(w, w->base, w->base_model, w->child_model, 3 * SPB + 5, 7, &rng);
    fx_create_child(w->child, w->base);
    put(w, w->child, w->child_model, NULL, 50, 100, &rng);
    put(w, w->child, w->child_model, NULL, 2 * SPB + 9, 1, &rng);
    fx_create_fixed(w->fixed, SIZE);
    uint8_t *scratch = calloc(1, SIZE);
    put(w, w->fixed, scratch, NULL, 77, 33, &rng);
    free(scratch);
}

static void world_free(struct world *w)
{
    test_remove_temp_dir(w->dir);
    free(w->base);
    free(w->child);
    free(w->fixed);
    free(w->target);
    free(w->base_model);
    free(w->child_model);
}

struct watch {
    unsigned polls, cancel_at, reports, last;
    bool monotonic;
    const char *delete_at_half;
    size_t live, peak;
};

static bool on_poll(void *ctx)
{
    struct watch *watch = ctx;
    watch->polls++;
    return watch->cancel_at != 0 && watch->polls >= watch->cancel_at;
}

static void on_progress(void *ctx, unsigned percent)
{
    struct watch *watch = ctx;
    if (watch->reports > 0 && percent <= watch->last)
        watch->monotonic = false;
    watch->last = percent;
    watch->reports++;
    if (watch->delete_at_half != NULL && percent >= 50) {
        assert_int_equal(unlink(watch->delete_at_half), 0);
        watch->delete_at_half = NULL;
    }
}

/* Allocation accounting: a size header before each block. */
static struct watch *accounting;
static void *counted_alloc(size_t size)
{
    size_t *p = malloc(size + sizeof(size_t) * 2);
    if (p == NULL)
        return NULL;
    p[0] = size;
    accounting->live += size;
    if (accounting->live > accounting->peak)
        accounting->peak = accounting->live;
    return p + 2;
}
static void counted_free(void *block)
{
    if (block == NULL)
        return;
    size_t *p = (size_t *)block - 2;
    accounting->live -= p[0];
    free(p);
}

static vhd_create_options options_with(struct watch *watch)
{
    memset(watch, 0, sizeof *watch);
    watch->monotonic = true;
    accounting = watch;
    vhd_create_options options = {
        .timestamp = 3, .unique_id = { 1, 2, 3 },
        .progress = on_progress, .cancelled = on_poll, .ctx = watch,
        .allocate = counted_alloc, .release = counted_free,
    };
    return options;
}

/* Convert or MergeTo of path into w->target. */
static vhd_op_code convert(const char *path, const char *target, vhd_target_type type,
                           bool merge_to, const vhd_create_options *options, vhd_op_result *result,
                           vhd_io *wrap_target)
{
    vhd_ops_posix_chain chain;
    struct vhd_io_posix out;
    char temp[4200];
    vhd_op_code code = vhd_ops_posix_open_chain(&chain, path, false, NULL, result);
    if (code != VHD_OP_OK)
        return code;
    snprintf(temp, sizeof temp, "%s.partial", target);
    vhd_io_posix_init_staged(&out, temp, target);
    vhd_io *io = &out.io;
    struct vhd_io_fault fault;
    if (wrap_target != NULL) {   /* a fault back end the caller set up: copy its settings */
        struct vhd_io_fault *settings = (struct vhd_io_fault *)wrap_target;
        vhd_io_fault_init(&fault, &out.io);
        fault.space_limit = settings->space_limit;
        io = &fault.io;
    }
    code = merge_to ? vhd_merge_to(chain.chain, io, type, options, result)
                    : vhd_convert(chain.chain, io, type, options, result);
    vhd_ops_posix_close_chain(&chain);
    return code;
}

static vhd_op_code merge(const char *child, const vhd_create_options *options,
                         vhd_op_result *result, uint64_t space_limit)
{
    vhd_ops_posix_chain chain;
    struct vhd_io_posix parent;
    struct vhd_io_fault fault;
    vhd_op_code code = vhd_ops_posix_open_chain(&chain, child, true, NULL, result);
    if (code != VHD_OP_OK)
        return code;
    if (disk_chain_depth(chain.chain) < 2) {
        code = vhd_merge(chain.chain, NULL, options, result);
        vhd_ops_posix_close_chain(&chain);
        return code;
    }
    vhd_io_posix_init(&parent, disk_chain_name(chain.chain, 1));
    vhd_status status = parent.io.open(&parent.io, VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK) {
        vhd_ops_posix_close_chain(&chain);
        return vhd_op_result_from_open(result, "parent", true, status, parent.io.os_error);
    }
    vhd_io_fault_init(&fault, &parent.io);
    fault.space_limit = space_limit;
    code = vhd_merge(chain.chain, &fault.io, options, result);
    parent.io.close(&parent.io);
    vhd_ops_posix_close_chain(&chain);
    return code;
}

static vhd_op_code compact(const char *path, const vhd_create_options *options,
                           vhd_op_result *result)
{
    struct vhd_io_posix disk;
    vhd_io_posix_init(&disk, path);
    vhd_status status = disk.io.open(&disk.io, VHD_IO_OPEN_READ_WRITE);
    if (status != VHD_OK)
        return vhd_op_result_from_open(result, "disk", true, status, disk.io.os_error);
    vhd_op_code code = vhd_compact(&disk.io, options, result);
    disk.io.close(&disk.io);
    return code;
}

/* What most tests start from: a world and the options of a watched job. */
struct job_fixture {
    struct world w;
    struct watch watch;
    vhd_create_options options;
    vhd_op_result result;
};

static int setup_job(void **state)
{
    struct job_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    world_init(&f->w);
    f->options = options_with(&f->watch);
    *state = f;
    return 0;
}

static int teardown_job(void **state)
{
    struct job_fixture *f = *state;
    world_free(&f->w);
    free(f);
    return 0;
}

static void assert_reads(const char *path, const uint8_t *model, uint64_t size)
{
    uint8_t *got = fx_read_chain(path, size);
    assert_memory_equal(got, model, size);
    free(got);
}

static void test_wrong_kinds(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    char *copy = test_path_join(w->dir, "copy.vhd");
    fx_copy_file(w->base, copy);

    /* Merge of a dynamic and of a fixed disk; MergeTo of a dynamic one. */
    assert_int_equal(merge(w->base, options, result, UINT64_MAX), VHD_OP_WRONG_TYPE);
    assert_non_null(strstr(result->reason, "differencing"));
    assert_int_equal(merge(w->fixed, options, result, UINT64_MAX), VHD_OP_WRONG_TYPE);
    assert_int_equal(convert(w->base, w->target, VHD_TARGET_DYNAMIC, true, options, result, NULL),
                     VHD_OP_WRONG_TYPE);
    /* Compact of a fixed and of a differencing disk. */
    assert_int_equal(compact(w->fixed, options, result), VHD_OP_WRONG_TYPE);
    assert_int_equal(compact(w->child, options, result), VHD_OP_WRONG_TYPE);
    /* Convert to a kind other than dynamic and fixed (vmDiskType_Differencing = 2). */
    assert_int_equal(convert(w->base, w->target, (vhd_target_type)2, false, options, result, NULL),
                     VHD_OP_WRONG_TYPE);
    assert_false(fx_exists(w->target));
    assert_true(fx_same_file(w->base, copy));
    assert_int_equal(test_dir_entry_count(w->dir), 4);
    free(copy);
}

static void test_target_exists(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    test_write_file(w->target, "keep", 4);
    assert_int_equal(convert(w->base, w->target, VHD_TARGET_FIXED, false, options, result, NULL),
                     VHD_OP_TARGET_EXISTS);
    assert_int_equal(fx_file_size(w->target), 4);
    assert_int_equal(test_dir_entry_count(w->dir), 4);   /* no partial file either */
}

/* "Held for writing": the other holder is another open file description (a second open in
 * this process is one, as another process's would be). */
static void test_in_use(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    struct vhd_io_posix holder;

    vhd_io_posix_init(&holder, w->base);
    assert_int_equal(holder.io.open(&holder.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    /* The source, a parent in the source's chain, the parent of a Merge, the disk to compact. */
    assert_int_equal(convert(w->base, w->target, VHD_TARGET_DYNAMIC, false, options, result, NULL),
                     VHD_OP_IN_USE);
    assert_int_equal(convert(w->child, w->target, VHD_TARGET_DYNAMIC, true, options, result, NULL),
                     VHD_OP_IN_USE);
    assert_non_null(strstr(result->reason, "held for writing"));
    assert_int_equal(merge(w->child, options, result, UINT64_MAX), VHD_OP_IN_USE);
    assert_int_equal(compact(w->base, options, result), VHD_OP_IN_USE);
    holder.io.close(&holder.io);

    /* A reader that refuses writers (a Convert's source) keeps Merge and Compact out... */
    assert_int_equal(holder.io.open(&holder.io, VHD_IO_OPEN_READ_DENY_WRITE), VHD_OK);
    assert_int_equal(merge(w->child, options, result, UINT64_MAX), VHD_OP_IN_USE);
    assert_int_equal(compact(w->base, options, result), VHD_OP_IN_USE);
    /* ...but not another such reader. */
    assert_int_equal(convert(w->base, w->target, VHD_TARGET_DYNAMIC, false, options, result, NULL),
                     VHD_OP_OK);
    holder.io.close(&holder.io);
    /* A plain reader ("info", GetHardDisk) keeps nobody out. */
    assert_int_equal(holder.io.open(&holder.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(compact(w->base, options, result), VHD_OP_OK);
    holder.io.close(&holder.io);
    assert_reads(w->base, w->base_model, SIZE);
}

static void test_parent_not_found(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    char *moved = test_path_join(w->dir, "moved.vhd");
    assert_int_equal(rename(w->base, moved), 0);
    assert_int_equal(merge(w->child, options, result, UINT64_MAX), VHD_OP_PARENT_NOT_FOUND);
    assert_int_equal(convert(w->child, w->target, VHD_TARGET_FIXED, true, options, result, NULL),
                     VHD_OP_PARENT_NOT_FOUND);
    assert_false(fx_exists(w->target));
    free(moved);
}

static void test_not_a_disk(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    char *junk = test_path_join(w->dir, "junk.vhd");
    uint8_t bytes[4096] = { 1, 2, 3 };
    test_write_file(junk, bytes, sizeof bytes);
    assert_int_equal(compact(junk, options, result), VHD_OP_INVALID_DISK);
    assert_int_equal(convert(junk, w->target, VHD_TARGET_FIXED, false, options, result, NULL),
                     VHD_OP_INVALID_DISK);
    free(junk);
}

/* Cancel at every poll: a new target is removed; an in-place job leaves the disk valid with
 * its content, and running it again completes it. Progress: rising, 100 exactly at the end. */
static void test_cancel_and_progress(void **state)
{
    (void)state;
    for (int job = 0; job < 4; job++) {
        struct world w;
        struct watch watch;
        vhd_op_result result;
        world_init(&w);
        vhd_create_options options = options_with(&watch);
        char *pristine = test_make_temp_dir();
        char *pb = test_path_join(pristine, "base.vhd"), *pc = test_path_join(pristine, "child.vhd");
        fx_copy_file(w.base, pb);
        fx_copy_file(w.child, pc);
        unsigned polls = 0;
        for (unsigned k = 0; ; k++) {
            fx_copy_file(pb, w.base);
            fx_copy_file(pc, w.child);
            options = options_with(&watch);
            watch.cancel_at = k;
            vhd_op_code code;
            switch (job) {
            case 0: code = convert(w.base, w.target, VHD_TARGET_DYNAMIC, false, &options, &result, NULL); break;
            case 1: code = convert(w.child, w.target, VHD_TARGET_FIXED, true, &options, &result, NULL); break;
            case 2: code = merge(w.child, &options, &result, UINT64_MAX); break;
            default: code = compact(w.base, &options, &result); break;
            }
            assert_int_equal(watch.live, 0);   /* everything allocated was freed */
            if (k == 0) {
                assert_int_equal(code, VHD_OP_OK);
                polls = watch.polls;
                assert_true(polls >= 2);
                assert_true(watch.monotonic);
                assert_int_equal(watch.last, 100);
            } else if (k <= polls) {
                assert_int_equal(code, VHD_OP_CANCELLED);
                assert_int_equal(watch.polls, k);
                assert_true(watch.reports == 0 || watch.last < 100);
                if (job < 2) {
                    assert_int_equal(test_dir_entry_count(w.dir), 3);   /* the target is gone */
                } else {
                    assert_reads(w.child, w.child_model, SIZE);
                    if (job == 3)   /* a cancelled Merge's parent is part old, part new */
                        assert_reads(w.base, w.base_model, SIZE);
                    /* Again, to the end. */
                    options = options_with(&watch);
                    code = job == 2 ? merge(w.child, &options, &result, UINT64_MAX)
                                    : compact(w.base, &options, &result);
                    assert_int_equal(code, VHD_OP_OK);
                    assert_reads(w.base, job == 2 ? w.child_model : w.base_model, SIZE);
                }
            } else {
                break;
            }
            if (code == VHD_OP_OK && job < 2)
                unlink(w.target);
        }
        print_message("# job %d: cancelled at each of its %u polls\n", job, polls);
        test_remove_temp_dir(pristine);
        free(pb);
        free(pc);
        world_free(&w);
    }
}

/* The disk fills up: Convert removes its target; Merge stops with the parent valid and the
 * chain unchanged, and completes once there is room. Compact never grows the file. */
static void test_disk_full(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    const uint64_t limits[] = { 0, 4096, 1 * MiB, 3 * MiB, 5 * MiB };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct vhd_io_fault settings;
        memset(&settings, 0, sizeof settings);
        settings.space_limit = limits[i];
        for (int type = 0; type < 2; type++) {
            assert_int_equal(convert(w->child, w->target, (vhd_target_type)type, true, options,
                                     result, &settings.io), VHD_OP_NO_SPACE);
            assert_int_equal(test_dir_entry_count(w->dir), 3);
        }
    }
    /* Merge: room for the parent as it is, not for a new block. */
    uint64_t base_size = fx_file_size(w->base);
    assert_int_equal(merge(w->child, options, result, base_size + 4096), VHD_OP_NO_SPACE);
    assert_reads(w->child, w->child_model, SIZE);
    assert_true(fx_opens(w->base));
    assert_int_equal(merge(w->child, options, result, UINT64_MAX), VHD_OP_OK);
    assert_reads(w->base, w->child_model, SIZE);
    /* Compact with no byte to spare beyond the file. */
    struct vhd_io_posix disk;
    struct vhd_io_fault fault;
    vhd_io_posix_init(&disk, w->base);
    assert_int_equal(disk.io.open(&disk.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
    vhd_io_fault_init(&fault, &disk.io);
    fault.space_limit = fx_file_size(w->base);
    assert_int_equal(vhd_compact(&fault.io, options, result), VHD_OP_OK);
    disk.io.close(&disk.io);
    assert_reads(w->base, w->child_model, SIZE);
}

/* POSIX keeps an open file readable after its name is removed: the job completes. */
static void test_source_deleted(void **state)
{
    struct job_fixture *f = *state;
    struct world *w = &f->w;
    vhd_create_options *options = &f->options;
    vhd_op_result *result = &f->result;
    f->watch.delete_at_half = w->base;
    assert_int_equal(convert(w->child, w->target, VHD_TARGET_DYNAMIC, true, options, result, NULL),
                     VHD_OP_OK);
    assert_null(f->watch.delete_at_half);   /* it was deleted */
    assert_false(fx_exists(w->base));
    assert_reads(w->target, w->child_model, SIZE);
}

/* Peak heap of a job, the reader's images apart, is the same for a 8 MiB and a 2040 GiB disk
 * and below VHD_OP_MEMORY_MAX. */
static void test_memory_bound(void **state)
{
    (void)state;
    const uint64_t sizes[] = { SIZE, 2040 * GiB };
    size_t peaks[2][3];
    for (int s = 0; s < 2; s++) {
        struct watch watch;
        vhd_op_result result;
        char *dir = test_make_temp_dir();
        char *disk = test_path_join(dir, "big.vhd"), *target = test_path_join(dir, "t.vhd");
        fx_create_dynamic(disk, sizes[s]);
        uint8_t data[4 * FX_SECTOR] = { 7 };
        fx_write(disk, sizes[s] / FX_SECTOR - 4, 4, data);
        fx_write(disk, 0, 4, data);
        vhd_create_options options = options_with(&watch);
        /* Convert of an almost empty 2040 GiB disk reads its map, not its zeros. */
        assert_int_equal(convert(disk, target, VHD_TARGET_DYNAMIC, false, &options, &result,
                                 NULL), VHD_OP_OK);
        peaks[s][0] = watch.peak;
        options = options_with(&watch);
        assert_int_equal(compact(disk, &options, &result), VHD_OP_OK);
        peaks[s][1] = watch.peak;
        print_message("# %" PRIu64 " bytes: Convert peak %zu, Compact peak %zu (bound %u)\n",
                      sizes[s], peaks[s][0], peaks[s][1], (unsigned)VHD_OP_MEMORY_MAX);
        assert_true(peaks[s][0] <= VHD_OP_MEMORY_MAX);
        assert_true(peaks[s][1] <= VHD_OP_MEMORY_MAX);
        test_remove_temp_dir(dir);
        free(disk);
        free(target);
    }
    /* Compact's slot list grows with the number of live blocks only (2 here). */
    assert_true(peaks[1][1] <= peaks[0][1] + 64);
}

/* Other writers' disks: converted to both kinds with the same content; the Windows chain
 * (win8-child over win8) merged and flattened; a Windows child whose parent is absent. */
static void test_samples(void **state)
{
    (void)state;
    static const char *const samples[] = { "qemu.vhd", "vbox.vhd", "xapi.vhd", "win8.vhd",
                                           "win8.1-1GB.vhd" };
    struct watch watch;
    vhd_op_result result;
    char *dir = test_make_temp_dir();
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char *path = test_path_join(samples_dir, samples[i]);
        char *copy = test_path_join(dir, samples[i]);
        fx_copy_file(path, copy);
        for (int type = 0; type < 2; type++) {
            char *target = test_path_join(dir, "out.vhd");
            vhd_create_options options = options_with(&watch);
            assert_int_equal(convert(copy, target, (vhd_target_type)type, false, &options,
                                     &result, NULL), VHD_OP_OK);
            assert_true(fx_same_file(path, copy));
            vhd_ops_posix_chain c;
            assert_int_equal(vhd_ops_posix_open_chain(&c, copy, false, NULL, &result), VHD_OP_OK);
            uint64_t size = vhd_image_get_info(vhd_disk_image(disk_chain_image(c.chain, 0)))->footer.current_size;
            vhd_ops_posix_close_chain(&c);
            uint8_t *a = fx_read_chain(copy, size), *b = fx_read_chain(target, size);
            assert_memory_equal(a, b, size);
            free(a);
            free(b);
            unlink(target);
            free(target);
        }
        free(path);
        free(copy);
    }
    /* The Windows chain: win8-child.vhd names .\win8.vhd. */
    char *child = test_path_join(dir, "win8-child.vhd"), *target = test_path_join(dir, "flat.vhd");
    char *src = test_path_join(samples_dir, "win8-child.vhd");
    fx_copy_file(src, child);
    vhd_create_options options = options_with(&watch);
    assert_int_equal(convert(child, target, VHD_TARGET_DYNAMIC, true, &options, &result, NULL),
                     VHD_OP_OK);
    assert_int_equal(merge(child, &options, &result, UINT64_MAX), VHD_OP_OK);
    assert_true(fx_same_file(src, child));
    free(src);
    /* A Windows child without its parent (fat-parent.vhd is not in the samples). */
    src = test_path_join(samples_dir, "win10-fat-differencing.vhd");
    char *orphan = test_path_join(dir, "orphan.vhd");
    fx_copy_file(src, orphan);
    assert_int_equal(merge(orphan, &options, &result, UINT64_MAX), VHD_OP_PARENT_NOT_FOUND);
    free(src);
    free(orphan);
    free(child);
    free(target);
    test_remove_temp_dir(dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SAMPLES_DIR\n", argv[0]);
        return 2;
    }
    samples_dir = argv[1];
    seed = test_random_seed();
    if (getenv("OPS_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("OPS_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wrong_kinds, setup_job, teardown_job),
        cmocka_unit_test_setup_teardown(test_target_exists, setup_job, teardown_job),
        cmocka_unit_test_setup_teardown(test_in_use, setup_job, teardown_job),
        cmocka_unit_test_setup_teardown(test_parent_not_found, setup_job, teardown_job),
        cmocka_unit_test_setup_teardown(test_not_a_disk, setup_job, teardown_job),
        cmocka_unit_test(test_cancel_and_progress),
        cmocka_unit_test_setup_teardown(test_disk_full, setup_job, teardown_job),
        cmocka_unit_test_setup_teardown(test_source_deleted, setup_job, teardown_job),
        cmocka_unit_test(test_memory_bound),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
