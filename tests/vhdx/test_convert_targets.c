/* Convert and MergeTo into every target (disk_convert.h): every source kind (VHD dynamic,
 * fixed and a differencing chain; VHDX dynamic, fixed and a differencing chain) into a dynamic
 * and a fixed VHDX, a dynamic and a fixed VHD and a raw image, read back equal to the source
 * read through its chain, of the kind and exact size asked, a dynamic output holding only the
 * blocks that hold data; every I/O call of a VHDX and a raw convert failed in turn and a
 * cancel at every progress call, each leaving nothing behind and the source unchanged; sizes
 * a format cannot hold refused before anything is created; Azure's rules. qemu and libvhdi
 * look at the outputs in test_convert_targets.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "disk_azure.h"
#include "disk_convert.h"
#include "disk_target_writer.h"
#include "ops_fixture.h"
#include "test_util.h"
#include "vhd_create.h"
#include "vhd_disk.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"
#include "vhd_ops_posix.h"
#include "vhdx_builder.h"
#include "vhdx_create.h"

#define MB (UINT64_C(1) << 20)

static uint64_t seed;

/* ---- sources ------------------------------------------------------------------------- */

struct source {
    const char *name;
    char *path;                   /* the disk given to the job (a chain's child) */
    char *paths[2];               /* its files, for the "unchanged" checks */
    uint8_t *copies[2];
    size_t copy_sizes[2];
};

static void put_random(const char *path, uint64_t offset, size_t len, uint64_t *rng)
{
    uint8_t *data = malloc(len);
    assert_non_null(data);
    fx_random(rng, data, len);
    fx_write(path, offset / FX_SECTOR, (uint32_t)(len / FX_SECTOR), data);
    free(data);
}

static void write_built(const char *path, const struct vhdx_builder_spec *spec,
                        const vhdx_guid *data_write_guid)
{
    struct vhdx_built built;
    vhdx_builder_build(spec, &built);
    if (data_write_guid != NULL) {
        for (int i = 0; i < 2; i++) {
            vhdx_header header;
            vhdx_builder_get_header(&built, i, &header);
            header.data_write_guid = *data_write_guid;
            vhdx_builder_put_header(&built, i, &header);
            vhdx_builder_fix_header(&built, i);
        }
    }
    test_write_file(path, built.data, built.size);
    vhdx_builder_free(&built);
}

/* {83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}, the builder's children's parent_linkage. */
static const vhdx_guid builder_linkage = { { 0xC3, 0x0E, 0xED, 0x83, 0xC8, 0x24, 0xDA, 0x49,
                                             0x8C, 0x2C, 0x6C, 0x2F, 0x7B, 0xB0, 0x2A, 0x56 } };

/* Makes source kind k in dir; false past the last kind. */
static bool make_source(unsigned k, const char *dir, struct source *s)
{
    uint64_t rng = seed + k;
    memset(s, 0, sizeof *s);
    switch (k) {
    case 0:   /* 100 MiB: data in blocks 0-1 (across a 1 MiB boundary) and at 70 MiB */
        s->name = "VHD dynamic";
        s->paths[0] = test_path_join(dir, "dyn.vhd");
        fx_create_dynamic(s->paths[0], 100 * MB);
        put_random(s->paths[0], MB - 4096, 3 * MB, &rng);
        put_random(s->paths[0], 70 * MB + 512, 1024, &rng);
        break;
    case 1:
        s->name = "VHD fixed";
        s->paths[0] = test_path_join(dir, "fixed.vhd");
        fx_create_fixed(s->paths[0], 40 * MB + 512);
        put_random(s->paths[0], 5 * MB, MB, &rng);
        put_random(s->paths[0], 40 * MB, 512, &rng);
        break;
    case 2:
        s->name = "VHD differencing chain";
        s->paths[1] = test_path_join(dir, "base.vhd");
        s->paths[0] = test_path_join(dir, "child.vhd");
        fx_create_dynamic(s->paths[1], 64 * MB);
        put_random(s->paths[1], 0, 4 * MB, &rng);
        put_random(s->paths[1], 40 * MB, MB, &rng);
        fx_create_child(s->paths[0], s->paths[1]);
        put_random(s->paths[0], 2 * MB - 512, 1024, &rng);
        put_random(s->paths[0], 50 * MB, 4096, &rng);
        break;
    case 3:
        s->name = "VHDX dynamic";
        s->paths[0] = test_path_join(dir, "dyn.vhdx");
        write_built(s->paths[0], &(struct vhdx_builder_spec){ .virtual_size = 48 * MB,
                                                              .present_blocks = 3 }, NULL);
        break;
    case 4:
        s->name = "VHDX fixed, 4 KiB sectors";
        s->paths[0] = test_path_join(dir, "fixed.vhdx");
        write_built(s->paths[0], &(struct vhdx_builder_spec){ .virtual_size = 12 * MB,
                                                              .fixed = true,
                                                              .logical_sector_size = 4096 },
                    NULL);
        break;
    case 5:
        s->name = "VHDX differencing chain";
        s->paths[1] = test_path_join(dir, "parent.vhdx");
        s->paths[0] = test_path_join(dir, "child.vhdx");
        write_built(s->paths[1], &(struct vhdx_builder_spec){ .present_blocks = 6 },
                    &builder_linkage);
        write_built(s->paths[0], &(struct vhdx_builder_spec){ .differencing = true,
                                                              .present_blocks = 1,
                                                              .partial_block = true }, NULL);
        break;
    default:
        return false;
    }
    s->path = s->paths[0];
    for (int i = 0; i < 2; i++)
        if (s->paths[i] != NULL)
            s->copies[i] = test_read_file(s->paths[i], &s->copy_sizes[i]);
    return true;
}

static void assert_source_unchanged(const struct source *s)
{
    for (int i = 0; i < 2; i++) {
        size_t len;
        if (s->paths[i] == NULL)
            continue;
        uint8_t *now = test_read_file(s->paths[i], &len);
        assert_int_equal(len, s->copy_sizes[i]);
        assert_memory_equal(now, s->copies[i], len);
        free(now);
    }
}

static void free_source(struct source *s)
{
    for (int i = 0; i < 2; i++) {
        free(s->paths[i]);
        free(s->copies[i]);
    }
}

static uint64_t disk_size(const char *path)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    assert_int_equal(vhd_ops_posix_open_chain(&chain, path, false, NULL, &result), VHD_OP_OK);
    uint64_t size = disk_image_info(disk_chain_image(chain.chain, 0))->size;
    vhd_ops_posix_close_chain(&chain);
    return size;
}

/* ---- the job --------------------------------------------------------------------------- */

struct run {
    unsigned progress_calls, cancel_at;
    unsigned polls, cancel_at_poll;      /* cancel from the cancel_at_poll-th poll on */
    unsigned last_percent;
};

static void on_progress(void *ctx, unsigned percent)
{
    struct run *run = ctx;
    assert_true(percent >= run->last_percent);
    run->last_percent = percent;
    run->progress_calls++;
}

static bool on_cancel(void *ctx)
{
    struct run *run = ctx;
    run->polls++;
    if (run->cancel_at_poll != 0 && run->polls >= run->cancel_at_poll)
        return true;
    return run->cancel_at != 0 && run->progress_calls >= run->cancel_at;
}

/* The job's own heap (its buffer, the target's state and buffer: all through options->allocate),
 * counted: in use now and at the most. */
static size_t heap_now, heap_peak;

static void *counting_allocate(size_t size)
{
    size_t *block = malloc(sizeof(size_t) + size);
    if (block == NULL)
        return NULL;
    *block = size;
    heap_now += size;
    if (heap_now > heap_peak)
        heap_peak = heap_now;
    return block + 1;
}

static void counting_release(void *p)
{
    size_t *block = (size_t *)p - 1;
    heap_now -= *block;
    free(block);
}

/* What to do to the target's back end: fail its fail_at-th counted call (0: none); what it
 * saw. */
struct fault_plan {
    unsigned fail_at;
    vhd_status status;
    bool no_allocate;
    unsigned calls;
};

/* Converts source into target through the staged POSIX back end, wrapped in a vhd_io_fault
 * that follows plan when plan is not NULL. */
static vhd_op_code convert(const char *source, const char *target, const disk_convert_target *spec,
                           struct run *run, struct fault_plan *plan, vhd_op_result *result)
{
    struct vhd_io_fault fault;
    vhd_ops_posix_chain chain;
    struct vhd_io_posix out;
    char temp[4096];
    uint8_t random[16];
    vhd_create_options options;

    snprintf(temp, sizeof temp, "%s.vsdisk-partial-test", target);
    vhd_io_posix_init_staged(&out, temp, target);
    memset(&options, 0, sizeof options);
    fx_random(&seed, random, sizeof random);
    vhd_unique_id_from_random(options.unique_id, random);
    options.timestamp = 12345;
    options.progress = on_progress;
    options.cancelled = on_cancel;
    options.ctx = run;
    options.buffer_max = 256 * 1024;
    options.allocate = counting_allocate;
    options.release = counting_release;
    heap_peak = heap_now = 0;
    vhd_io *io = &out.io;
    if (plan != NULL) {
        vhd_io_fault_init(&fault, &out.io);
        fault.fail_at = plan->fail_at;
        fault.fail_status = plan->status ? plan->status : VHD_E_IO;
        fault.allocate_unsupported = plan->no_allocate;
        io = &fault.io;
    }
    assert_int_equal(vhd_ops_posix_open_chain(&chain, source, false, NULL, result), VHD_OP_OK);
    vhd_op_code code = disk_convert(chain.chain, io, spec, &options, result);
    vhd_ops_posix_close_chain(&chain);
    assert_int_equal(heap_now, 0);      /* everything given back, failure or not */
    if (plan != NULL)
        plan->calls = fault.calls;
    return code;
}

/* Nothing in dir but the source's files: no target, no partial file. */
static void assert_nothing_left(const char *dir, const struct source *s)
{
    int expected = 0;
    for (int i = 0; i < 2; i++)
        expected += s->paths[i] != NULL;
    assert_int_equal(test_dir_entry_count(dir), expected);
}

/* The blocks of block_size bytes of model (size bytes) holding a non-zero byte. */
static uint64_t data_blocks(const uint8_t *model, uint64_t size, uint64_t block_size)
{
    uint64_t count = 0;
    for (uint64_t at = 0; at < size; at += block_size) {
        uint64_t len = size - at < block_size ? size - at : block_size;
        for (uint64_t i = 0; i < len; i++)
            if (model[at + i] != 0) {
                count++;
                break;
            }
    }
    return count;
}

/* Blocks of the image at path that have data in the file (disk_image_map's DATA extents). */
static uint64_t allocated_blocks(const char *path, uint64_t block_size)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    vhd_reader_error error;
    uint64_t count = 0;
    assert_int_equal(vhd_ops_posix_open_chain(&chain, path, false, NULL, &result), VHD_OP_OK);
    disk_image *image = disk_chain_image(chain.chain, 0);
    uint64_t sectors = disk_image_info(image)->size / DISK_SECTOR_SIZE;
    uint64_t per_block = block_size / DISK_SECTOR_SIZE;
    for (uint64_t block = 0; block * per_block < sectors; block++) {
        for (uint64_t lba = block * per_block; lba < (block + 1) * per_block && lba < sectors; ) {
            disk_extent extent;
            uint64_t end = (block + 1) * per_block < sectors ? (block + 1) * per_block : sectors;
            assert_int_equal(disk_image_map(image, lba, (uint32_t)(end - lba), &extent, &error),
                             VHD_READER_OK);
            if (extent.state == DISK_EXTENT_DATA) {
                count++;
                break;
            }
            lba += extent.sectors;
        }
    }
    vhd_ops_posix_close_chain(&chain);
    return count;
}

static const struct target_kind {
    const char *name, *file;
    disk_convert_target spec;
    disk_kind kind;
    uint64_t block_size;         /* of a dynamic output; 0 for the others */
} targets[] = {
    { "VHDX dynamic", "out.vhdx", { DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC, 0 }, DISK_KIND_DYNAMIC,
      32 * MB },
    { "VHDX fixed", "out.vhdx", { DISK_FORMAT_VHDX, VHD_TARGET_FIXED, 0 }, DISK_KIND_FIXED, 0 },
    { "VHD dynamic", "out.vhd", { DISK_FORMAT_VHD, VHD_TARGET_DYNAMIC, 0 }, DISK_KIND_DYNAMIC,
      2 * MB },
    { "VHD fixed", "out.vhd", { DISK_FORMAT_VHD, VHD_TARGET_FIXED, 0 }, DISK_KIND_FIXED, 0 },
    { "raw", "out.img", { DISK_FORMAT_RAW, VHD_TARGET_DYNAMIC, 0 }, 0, 0 },
};
#define TARGETS (sizeof targets / sizeof targets[0])

/* The sector sizes a VHDX output has: a VHDX source's, else 512 and 4096. */
static void source_sectors(const char *path, uint32_t *logical, uint32_t *physical)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    assert_int_equal(vhd_ops_posix_open_chain(&chain, path, false, NULL, &result), VHD_OP_OK);
    const disk_info *info = disk_image_info(disk_chain_image(chain.chain, 0));
    *logical = info->format == DISK_FORMAT_VHDX ? info->logical_sector_size : 512;
    *physical = info->format == DISK_FORMAT_VHDX ? info->physical_sector_size : 4096;
    vhd_ops_posix_close_chain(&chain);
}

static void check_output(const struct target_kind *t, const char *path, const struct source *s,
                         const uint8_t *model, uint64_t size)
{
    if (t->spec.format == DISK_FORMAT_RAW) {
        size_t len;
        uint8_t *data = test_read_file(path, &len);
        assert_int_equal(len, size);
        assert_memory_equal(data, model, size);
        free(data);
        return;
    }
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    assert_int_equal(vhd_ops_posix_open_chain(&chain, path, false, NULL, &result), VHD_OP_OK);
    const disk_info *info = disk_image_info(disk_chain_image(chain.chain, 0));
    assert_int_equal(info->format, t->spec.format);
    assert_int_equal(info->kind, t->kind);
    assert_int_equal(info->size, size);
    assert_int_equal(disk_chain_depth(chain.chain), 1);
    if (t->spec.format == DISK_FORMAT_VHDX) {
        uint32_t logical, physical;
        source_sectors(s->path, &logical, &physical);
        assert_int_equal(info->logical_sector_size, logical);
        assert_int_equal(info->physical_sector_size, physical);
        assert_int_equal(info->block_size, 32 * MB);
    }
    vhd_ops_posix_close_chain(&chain);
    uint8_t *got = fx_read_chain(path, size);
    assert_memory_equal(got, model, size);
    free(got);
    if (t->block_size != 0)
        assert_int_equal(allocated_blocks(path, t->block_size),
                         data_blocks(model, size, t->block_size));
}

static void test_every_source_into_every_target(void **state)
{
    (void)state;
    struct source s;
    for (unsigned k = 0; ; k++) {
        char *dir = test_make_temp_dir();
        if (!make_source(k, dir, &s)) {
            test_remove_temp_dir(dir);
            break;
        }
        uint64_t size = disk_size(s.path);
        uint8_t *model = fx_read_chain(s.path, size);
        for (unsigned t = 0; t < TARGETS; t++) {
            char *out = test_path_join(dir, targets[t].file);
            struct run run = { 0 };
            vhd_op_result result;
            print_message("# %s into %s\n", s.name, targets[t].name);
            vhd_op_code code = convert(s.path, out, &targets[t].spec, &run, NULL, &result);
            if (code != VHD_OP_OK)
                fail_msg("%s into %s: %s", s.name, targets[t].name, result.reason);
            assert_int_equal(run.last_percent, 100);
            check_output(&targets[t], out, &s, model, size);
            assert_source_unchanged(&s);
            assert_int_equal(remove(out), 0);
            free(out);
        }
        free(model);
        free_source(&s);
        test_remove_temp_dir(dir);
    }
}

/* MergeTo into a VHDX: the chain flattened; a disk with no parent refused. */
static void test_merge_to_vhdx(void **state)
{
    (void)state;
    struct source s;
    char *dir = test_make_temp_dir();
    make_source(5, dir, &s);
    char *out = test_path_join(dir, "flat.vhdx");
    uint64_t size = disk_size(s.path);
    uint8_t *model = fx_read_chain(s.path, size);
    vhd_ops_posix_chain chain;
    struct vhd_io_posix io;
    vhd_op_result result;
    vhd_create_options options;
    const disk_convert_target spec = { DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC, 0 };
    memset(&options, 0, sizeof options);

    vhd_io_posix_init(&io, out);
    assert_int_equal(vhd_ops_posix_open_chain(&chain, s.paths[1], false, NULL, &result), VHD_OP_OK);
    assert_int_equal(disk_merge_to(chain.chain, &io.io, &spec, &options, &result),
                     VHD_OP_WRONG_TYPE);
    vhd_ops_posix_close_chain(&chain);
    assert_false(fx_exists(out));

    vhd_io_posix_init(&io, out);
    assert_int_equal(vhd_ops_posix_open_chain(&chain, s.path, false, NULL, &result), VHD_OP_OK);
    assert_int_equal(disk_merge_to(chain.chain, &io.io, &spec, &options, &result), VHD_OP_OK);
    vhd_ops_posix_close_chain(&chain);
    check_output(&targets[0], out, &s, model, size);
    assert_source_unchanged(&s);
    free(model);
    free(out);
    free_source(&s);
    test_remove_temp_dir(dir);
}

/* Every counted I/O call of the new disk's back end failed in turn (every `stride`-th one
 * past the first 40, for the slow cases), the odd ones with an I/O error, the even ones with
 * a full volume: each leaves nothing behind and the source unchanged; then the job with no
 * failure completes. */
static void fail_every_call(unsigned source_kind, const struct target_kind *t, bool no_allocate,
                            unsigned stride)
{
    struct source s;
    char *dir = test_make_temp_dir();
    make_source(source_kind, dir, &s);
    char *out = test_path_join(dir, t->file);
    uint64_t size = disk_size(s.path);
    uint8_t *model = fx_read_chain(s.path, size);
    unsigned n, failed = 0;
    for (n = 1; ; n += n < 40 ? 1 : stride) {
        struct fault_plan plan = { n, n % 2 ? VHD_E_IO : VHD_E_NO_SPACE, no_allocate, 0 };
        struct run run = { 0 };
        vhd_op_result result;
        vhd_op_code code = convert(s.path, out, &t->spec, &run, &plan, &result);
        if (code == VHD_OP_OK) {
            assert_true(plan.calls < n);
            break;
        }
        assert_int_equal(plan.calls, n);
        /* A failed create() is the path's problem; a full volume is said as such. */
        assert_int_equal(code, n % 2 ? (n == 1 ? VHD_OP_TARGET_PATH : VHD_OP_IO)
                                     : VHD_OP_NO_SPACE);
        assert_nothing_left(dir, &s);
        assert_source_unchanged(&s);
        assert_true(run.last_percent < 100);
        failed++;
    }
    print_message("# %s into %s%s: %u calls failed in turn\n", s.name, t->name,
                  no_allocate ? " (no allocate)" : "", failed);
    assert_true(failed > 5);
    /* The run that failed nothing (its failure point past the last call) made the disk. */
    check_output(t, out, &s, model, size);
    free(model);
    free(out);
    free_source(&s);
    test_remove_temp_dir(dir);
}

static void test_faults_vhdx_dynamic(void **state)
{
    (void)state;
    fail_every_call(0, &targets[0], false, 1);
    fail_every_call(5, &targets[0], false, 1);
}

static void test_faults_vhdx_fixed(void **state)
{
    (void)state;
    fail_every_call(3, &targets[1], false, 1);
    fail_every_call(5, &targets[1], true, 17);
}

static void test_faults_raw(void **state)
{
    (void)state;
    fail_every_call(0, &targets[4], false, 1);
    fail_every_call(4, &targets[4], false, 1);
}

/* Cancel at every progress call, for every target: an 8 MiB chain, so that the last
 * progress call (99%) comes after the last piece is written and only the target's last check
 * before its commit can see the cancel. */
static void test_cancel_at_every_progress_call(void **state)
{
    (void)state;
    for (unsigned t = 0; t < TARGETS; t++) {
        struct source s;
        char *dir = test_make_temp_dir();
        make_source(5, dir, &s);
        char *out = test_path_join(dir, targets[t].file);
        unsigned n;
        for (n = 1; ; n++) {
            struct run run = { .cancel_at = n };
            vhd_op_result result;
            vhd_op_code code = convert(s.path, out, &targets[t].spec, &run, NULL, &result);
            if (code == VHD_OP_OK) {
                assert_true(run.progress_calls <= n);
                break;
            }
            assert_int_equal(code, VHD_OP_CANCELLED);
            assert_nothing_left(dir, &s);
            assert_source_unchanged(&s);
        }
        print_message("# %s: cancelled at %u progress calls in turn\n", targets[t].name, n - 1);
        assert_true(n > 10);
        free(out);
        free_source(&s);
        test_remove_temp_dir(dir);
    }
}

/* Cancel at every poll of cancelled(), the last one before each format's commit included,
 * for every target (a chain of 8 MiB: few polls). */
static void test_cancel_at_every_poll(void **state)
{
    (void)state;
    for (unsigned t = 0; t < TARGETS; t++) {
        struct source s;
        char *dir = test_make_temp_dir();
        make_source(5, dir, &s);
        char *out = test_path_join(dir, targets[t].file);
        unsigned n;
        for (n = 1; ; n++) {
            struct run run = { .cancel_at_poll = n };
            vhd_op_result result;
            vhd_op_code code = convert(s.path, out, &targets[t].spec, &run, NULL, &result);
            if (code == VHD_OP_OK) {
                assert_true(run.polls < n);
                break;
            }
            assert_int_equal(code, VHD_OP_CANCELLED);
            assert_int_equal(run.polls, n);
            assert_nothing_left(dir, &s);
            assert_source_unchanged(&s);
        }
        print_message("# %s: cancelled at %u polls in turn\n", targets[t].name, n - 1);
        assert_true(n > 5);
        free(out);
        free_source(&s);
        test_remove_temp_dir(dir);
    }
}

/* A VHDX of 3 TiB into a VHD: refused before anything is created, both sizes named. */
static void test_too_large_refused_before_writing(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *big = test_path_join(dir, "big.vhdx"), *out = test_path_join(dir, "out.vhd");
    struct vhd_io_posix io;
    vhdx_create_options options;
    memset(&options, 0, sizeof options);
    options.size_bytes = UINT64_C(3) << 40;
    vhd_io_posix_init(&io, big);
    assert_int_equal(vhdx_create_dynamic(&io.io, &options), VHD_OK);

    const disk_convert_target specs[] = {
        { DISK_FORMAT_VHD, VHD_TARGET_DYNAMIC, 0 },
        { DISK_FORMAT_VHD, VHD_TARGET_FIXED, 0 },
    };
    for (unsigned i = 0; i < 2; i++) {
        struct fault_plan plan = { 0 };
        struct run run = { 0 };
        vhd_op_result result;
        assert_int_equal(convert(big, out, &specs[i], &run, &plan, &result), VHD_OP_TOO_LARGE);
        print_message("# %s\n", result.reason);
        assert_non_null(strstr(result.reason, "3298534883328"));
        assert_non_null(strstr(result.reason, "2190433320960"));
        assert_int_equal(plan.calls, 0);      /* not even created */
        assert_false(fx_exists(out));
    }
    /* The same disk into a VHDX and a raw image is fine (nothing but metadata). */
    free(out);
    out = test_path_join(dir, "out.vhdx");
    struct run run = { 0 };
    vhd_op_result result;
    const disk_convert_target vhdx = { DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC, 0 };
    assert_int_equal(convert(big, out, &vhdx, &run, NULL, &result), VHD_OP_OK);
    assert_int_equal(disk_size(out), UINT64_C(3) << 40);
    assert_int_equal(allocated_blocks(out, 32 * MB * 1024), 0);
    free(out);
    free(big);
    test_remove_temp_dir(dir);
}

/* The writers' own checks: above 64 TiB, a size not a multiple of the logical sector size,
 * each naming both sizes; and through the job, before anything is created. */
static void test_sizes_a_format_cannot_hold(void **state)
{
    (void)state;
    vhd_create_options options;
    vhd_op_result result;
    memset(&options, 0, sizeof options);
    disk_target_params params = { .virtual_size = (UINT64_C(64) << 40) + 4096,
                                  .type = VHD_TARGET_DYNAMIC, .options = &options };
    assert_int_equal(vhdx_target_writer.check(&params, &result), VHD_OP_TOO_LARGE);
    assert_non_null(strstr(result.reason, "70368744181760"));
    assert_non_null(strstr(result.reason, "70368744177664"));
    params.virtual_size = UINT64_C(64) << 40;
    assert_int_equal(vhdx_target_writer.check(&params, &result), VHD_OP_OK);
    params.virtual_size = 8 * MB + 512;
    params.logical_sector_size = 4096;
    assert_int_equal(vhdx_target_writer.check(&params, &result), VHD_OP_UNSUPPORTED);
    assert_non_null(strstr(result.reason, "8389120"));
    assert_non_null(strstr(result.reason, "4096"));
    params.logical_sector_size = 0;
    assert_int_equal(vhdx_target_writer.check(&params, &result), VHD_OP_OK);
    params.virtual_size = 2 * MB;
    assert_int_equal(vhd_target_writer.check(&params, &result), VHD_OP_UNSUPPORTED);
    params.virtual_size = VHD_MAX_SIZE + 512;
    assert_int_equal(vhd_target_writer.check(&params, &result), VHD_OP_TOO_LARGE);
    params.virtual_size = VHD_MAX_SIZE;
    assert_int_equal(vhd_target_writer.check(&params, &result), VHD_OP_OK);
    assert_int_equal(raw_target_writer.check(&params, &result), VHD_OP_OK);
    params.virtual_size = 1000;
    assert_int_equal(raw_target_writer.check(&params, &result), VHD_OP_UNSUPPORTED);

    /* Through the job: a 4 KiB-sector VHDX into a VHDX one sector of 512 bytes larger, and a
     * new disk smaller than its source. */
    struct source s;
    char *dir = test_make_temp_dir();
    make_source(4, dir, &s);
    char *out = test_path_join(dir, "out.vhdx");
    const disk_convert_target misaligned = { DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC,
                                             12 * MB + 512 };
    const disk_convert_target smaller = { DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC, 8 * MB };
    struct fault_plan plan = { 0 };
    struct run run = { 0 };
    assert_int_equal(convert(s.path, out, &misaligned, &run, &plan, &result), VHD_OP_UNSUPPORTED);
    print_message("# %s\n", result.reason);
    assert_non_null(strstr(result.reason, "12583424"));
    assert_non_null(strstr(result.reason, "(4096 bytes)"));
    assert_int_equal(plan.calls, 0);
    assert_int_equal(convert(s.path, out, &smaller, &run, &plan, &result), VHD_OP_UNSUPPORTED);
    assert_int_equal(plan.calls, 0);
    assert_nothing_left(dir, &s);
    free(out);
    free_source(&s);
    test_remove_temp_dir(dir);
}

/* A 2040 GiB disk holding a few MiB stays a few MiB on the host as a raw image, and its
 * dynamic VHDX holds only the blocks with data. */
static void test_huge_sparse_disk(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *src = test_path_join(dir, "huge.vhd"), *raw = test_path_join(dir, "huge.img");
    char *vhdx = test_path_join(dir, "huge.vhdx");
    uint64_t rng = seed;
    struct run run = { 0 };
    vhd_op_result result;
    struct stat st;
    fx_create_dynamic(src, VHD_MAX_SIZE);
    put_random(src, 0, 2 * MB, &rng);
    put_random(src, UINT64_C(1000) << 30, MB, &rng);
    put_random(src, VHD_MAX_SIZE - 4096, 4096, &rng);
    assert_int_equal(convert(src, raw, &targets[4].spec, &run, NULL, &result), VHD_OP_OK);
    print_message("# 2040 GiB into raw: the job's peak heap %zu bytes\n", heap_peak);
    assert_true(heap_peak <= 256 * 1024 + 4096);
    assert_int_equal(stat(raw, &st), 0);
    assert_int_equal((uint64_t)st.st_size, VHD_MAX_SIZE);
    print_message("# 2040 GiB raw image: %llu bytes allocated\n",
                  (unsigned long long)st.st_blocks * 512);
    /* The data and little more (the 4 KiB at the end is in a piece of 256 KiB). */
    assert_true((uint64_t)st.st_blocks * 512 <= 3 * MB + 4096 + 64 * 1024);
    run = (struct run){ 0 };
    assert_int_equal(convert(src, vhdx, &targets[0].spec, &run, NULL, &result), VHD_OP_OK);
    size_t huge_peak = heap_peak;
    print_message("# 2040 GiB into a dynamic VHDX: the job's peak heap %zu bytes\n", huge_peak);
    assert_true(huge_peak <= 2 * 256 * 1024 + 16384);   /* its buffer, the target's, a window */
    assert_int_equal(allocated_blocks(vhdx, 32 * MB), 3);
    assert_int_equal(stat(vhdx, &st), 0);
    assert_true((uint64_t)st.st_size <= 4 * MB + 64 * MB + 3 * 32 * MB);
    /* The same job on a 64 MiB disk: the same peak, whatever the size. */
    char *small = test_path_join(dir, "small.vhd"), *small_out = test_path_join(dir, "small.vhdx");
    fx_create_dynamic(small, 64 * MB);
    put_random(small, 0, 2 * MB, &rng);
    run = (struct run){ 0 };
    assert_int_equal(convert(small, small_out, &targets[0].spec, &run, NULL, &result), VHD_OP_OK);
    assert_int_equal(heap_peak, huge_peak);
    free(small);
    free(small_out);
    free(src);
    free(raw);
    free(vhdx);
    test_remove_temp_dir(dir);
}

/* Azure's rules, each broken one named; the rounding line. */
static void test_azure_rules(void **state)
{
    (void)state;
    static const struct {
        uint64_t size;
        disk_format format;
        vhd_target_type type;
        vhd_op_code code;
        uint64_t rounded;
        const char *rules[4];
    } rows[] = {
        { UINT64_C(21474836480), DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_OK,
          UINT64_C(21474836480), { NULL } },
        { UINT64_C(21475270656), DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_OK,
          UINT64_C(21475885056), { NULL } },
        { 20 * MB - 512, DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_OK, 20 * MB, { NULL } },
        { 19 * MB, DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_UNSUPPORTED, 19 * MB,
          { "at least 20 MiB", NULL } },
        { VHD_MAX_SIZE, DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_OK, VHD_MAX_SIZE, { NULL } },
        { VHD_MAX_SIZE + 512, DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_TOO_LARGE,
          VHD_MAX_SIZE + MB, { "at most 2040 GiB", NULL } },
        { UINT64_C(40) << 40, DISK_FORMAT_VHD, VHD_TARGET_FIXED, VHD_OP_TOO_LARGE,
          UINT64_C(40) << 40, { "at most 32 TiB", "at most 2040 GiB", NULL } },
        { 10 * MB, DISK_FORMAT_VHDX, VHD_TARGET_DYNAMIC, VHD_OP_WRONG_TYPE, 10 * MB,
          { "VHD files only, not VHDX", "fixed-size VHDs only", "at least 20 MiB", NULL } },
        { 30 * MB, DISK_FORMAT_RAW, VHD_TARGET_FIXED, VHD_OP_WRONG_TYPE, 30 * MB,
          { "VHD files only, not raw", NULL } },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        disk_convert_target spec;
        vhd_op_result result;
        vhd_op_code code = disk_azure_target(rows[i].size, rows[i].format, rows[i].type, &spec,
                                             &result);
        print_message("# %llu: %s\n", (unsigned long long)rows[i].size, result.reason);
        assert_int_equal(code, rows[i].code);
        assert_int_equal(spec.size, rows[i].rounded);
        assert_int_equal(spec.format, DISK_FORMAT_VHD);
        assert_int_equal(spec.type, VHD_TARGET_FIXED);
        unsigned named = 0;
        for (unsigned r = 0; rows[i].rules[r] != NULL; r++, named++)
            assert_non_null(strstr(result.reason, rows[i].rules[r]));
        /* No rule named that is not broken: one "; " between each two. */
        unsigned separators = 0;
        for (const char *p = result.reason; (p = strstr(p, "; ")) != NULL; p += 2)
            separators++;
        assert_int_equal(separators, named ? named - 1 : 0);
    }
    char line[160];
    disk_azure_rounding_text(UINT64_C(21475270656), line, sizeof line);
    assert_string_equal(line, "rounded 21475270656 bytes up to 21475885056 (20481 MiB)");
    disk_azure_rounding_text(UINT64_C(21474836480), line, sizeof line);
    assert_string_equal(line, "21474836480 bytes (20480 MiB): already a whole number of MiB");
}

/* An Azure disk from a source that is not a whole MiB: a fixed VHD of the rounded size, the
 * source's bytes then zeros, footer fields as Azure wants them, file = size + 512. */
static void test_azure_disk(void **state)
{
    (void)state;
    struct source s;
    char *dir = test_make_temp_dir();
    make_source(1, dir, &s);                      /* 40 MiB + 512 bytes */
    uint64_t rng = seed;
    put_random(s.path, 39 * MB, MB + 512, &rng);  /* data up to its last byte */
    free(s.copies[0]);
    s.copies[0] = test_read_file(s.path, &s.copy_sizes[0]);
    char *out = test_path_join(dir, "azure.vhd");
    uint64_t size = disk_size(s.path);
    uint8_t *model = fx_read_chain(s.path, size);
    disk_convert_target spec;
    vhd_op_result result;
    struct run run = { 0 };
    assert_int_equal(disk_azure_target(size, DISK_FORMAT_VHD, VHD_TARGET_FIXED, &spec, &result),
                     VHD_OP_OK);
    assert_int_equal(spec.size, 41 * MB);
    assert_int_equal(convert(s.path, out, &spec, &run, NULL, &result), VHD_OP_OK);
    assert_source_unchanged(&s);
    assert_int_equal(fx_file_size(out), 41 * MB + 512);
    uint8_t *got = fx_read_chain(out, 41 * MB);
    assert_memory_equal(got, model, size);
    for (uint64_t i = size; i < 41 * MB; i++)
        assert_int_equal(got[i], 0);
    size_t len;
    uint8_t *file = test_read_file(out, &len);
    const uint8_t *footer = file + len - 512;
    assert_memory_equal(footer, "conectix", 8);
    assert_int_equal(test_be32(footer + 60), 2);               /* disk type: fixed */
    assert_int_equal(test_be64(footer + 40), 41 * MB);         /* original size */
    assert_int_equal(test_be64(footer + 48), 41 * MB);         /* current size */
    assert_int_equal(test_be64(footer + 16), UINT64_MAX);      /* data offset: none */
    free(file);
    free(got);
    free(model);
    free(out);
    free_source(&s);
    test_remove_temp_dir(dir);
}

int main(void)
{
    seed = test_random_seed();
    print_message("# seed %llu\n", (unsigned long long)seed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_source_into_every_target),
        cmocka_unit_test(test_merge_to_vhdx),
        cmocka_unit_test(test_faults_vhdx_dynamic),
        cmocka_unit_test(test_faults_vhdx_fixed),
        cmocka_unit_test(test_faults_raw),
        cmocka_unit_test(test_cancel_at_every_progress_call),
        cmocka_unit_test(test_cancel_at_every_poll),
        cmocka_unit_test(test_too_large_refused_before_writing),
        cmocka_unit_test(test_sizes_a_format_cannot_hold),
        cmocka_unit_test(test_huge_sparse_disk),
        cmocka_unit_test(test_azure_rules),
        cmocka_unit_test(test_azure_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
