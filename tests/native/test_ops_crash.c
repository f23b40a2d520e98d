/* Crash at every write: each job (Convert, MergeTo, Merge, Compact, Repair) runs with a simulated power
 * supply that goes off after its n-th call that changes a file, for every n until the job
 * completes; in a second pass the cut also loses every write since the file's last flush.
 * After each cut the files are reopened and every sector of the user's data must read as it
 * should: the source of Convert and MergeTo byte for byte as it was and no disk at the
 * target; the chain of a Merge as before, and its parent per sector either as before or as
 * merged; a compacted or repaired disk with the same content (and, repaired, both footers
 * valid). Then the job is run again and must
 * complete, with the expected content. */
#define _POSIX_C_SOURCE 200809L

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
#include <sys/statvfs.h>
#include <unistd.h>

#include "disk_chain.h"
#include "disk_repair.h"
#include "ops_fixture.h"
#include "power_io.h"
#include "test_util.h"
#include "vhd_ops.h"
#include "vhd_ops_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define DISK_SIZE (12 * MiB + 3 * FX_SECTOR)      /* 7 blocks, the last one partial */
#define SECTORS (DISK_SIZE / FX_SECTOR)
#define SPB 4096u                                  /* sectors per 2 MiB block */

enum { BASE, MID, TOP, DISKS };
static const char *const names[DISKS] = { "base.vhd", "mid.vhd", "top.vhd" };

/* The pristine disks and what each one's chain reads. */
struct scene {
    char *dir;
    uint8_t *model[DISKS];
    bool fixed_base;
};

static unsigned long total_points;
static uint64_t seed;

static void write_both(struct scene *sc, int disk, uint64_t lba, uint32_t count, bool zeros,
                       uint64_t *rng)
{
    size_t len = (size_t)count * FX_SECTOR;
    uint8_t *data = malloc(len);
    assert_non_null(data);
    if (zeros)
        memset(data, 0, len);
    else
        fx_random(rng, data, len);
    char *path = test_path_join(sc->dir, names[disk]);
    fx_write(path, lba, count, data);
    free(path);
    for (int d = disk; d < DISKS; d++) {
        /* The children see it too, unless they hold the sector themselves: the scene writes
         * the base first, then mid, then top, so a later write overrides. */
        memcpy(sc->model[d] + lba * FX_SECTOR, data, len);
    }
    free(data);
}

/* base: partial block 0, full block 1, block 2 allocated with zeros, blocks 3 and 4 empty,
 * block 5 mixed, the last block; mid and top: partial writes over allocated, zero and empty
 * parent blocks (mid over two empty ones in a row, which Merge appends as one run), zeros over
 * data, and the last sector. */
static void scene_build(struct scene *sc, bool fixed_base, bool zero_block_first)
{
    uint64_t rng = seed;
    sc->dir = test_make_temp_dir();
    sc->fixed_base = fixed_base;
    for (int d = 0; d < DISKS; d++) {
        sc->model[d] = calloc(1, DISK_SIZE);
        assert_non_null(sc->model[d]);
    }
    char *paths[DISKS];
    for (int d = 0; d < DISKS; d++)
        paths[d] = test_path_join(sc->dir, names[d]);
    if (fixed_base)
        fx_create_fixed(paths[BASE], DISK_SIZE);
    else
        fx_create_dynamic(paths[BASE], DISK_SIZE);
    if (zero_block_first)
        write_both(sc, BASE, 2 * SPB, SPB, true, &rng);
    write_both(sc, BASE, 0, 8, false, &rng);
    write_both(sc, BASE, 100, 256, false, &rng);
    write_both(sc, BASE, SPB, SPB, false, &rng);
    if (!zero_block_first)
        write_both(sc, BASE, 2 * SPB, SPB, true, &rng);
    write_both(sc, BASE, 5 * SPB + 7, 300, false, &rng);
    write_both(sc, BASE, 5 * SPB + 400, 64, true, &rng);
    write_both(sc, BASE, SECTORS - 1, 1, false, &rng);
    /* A block that is zero in the middle of data (Compact must move the one after it). */
    write_both(sc, BASE, 6 * SPB, 2, false, &rng);

    fx_create_child(paths[MID], paths[BASE]);
    write_both(sc, MID, 4, 8, false, &rng);
    write_both(sc, MID, SPB + 50, 11, true, &rng);
    write_both(sc, MID, 2 * SPB + 10, 11, false, &rng);
    write_both(sc, MID, 3 * SPB + 1000, 101, false, &rng);
    write_both(sc, MID, 4 * SPB + 10, 11, false, &rng);
    write_both(sc, MID, SECTORS - 1, 1, false, &rng);
    write_both(sc, MID, 6 * SPB, 1, false, &rng);

    fx_create_child(paths[TOP], paths[MID]);
    write_both(sc, TOP, 0, 1, false, &rng);
    write_both(sc, TOP, 3 * SPB + 1050, 20, true, &rng);
    write_both(sc, TOP, 3 * SPB + 2000, SPB - 2000, false, &rng);
    write_both(sc, TOP, SPB + 4000, 96, false, &rng);
    write_both(sc, TOP, SECTORS - 2, 2, false, &rng);
    write_both(sc, TOP, 5 * SPB + 100, 50, false, &rng);   /* mid has no block 5 */
    for (int d = 0; d < DISKS; d++)
        free(paths[d]);
}

static void scene_free(struct scene *sc)
{
    test_remove_temp_dir(sc->dir);
    for (int d = 0; d < DISKS; d++)
        free(sc->model[d]);
}

/* A working copy of the scene's disks in a new folder. */
static char *copy_scene(const struct scene *sc)
{
    char *dir = test_make_temp_dir();
    for (int d = 0; d < DISKS; d++) {
        char *from = test_path_join(sc->dir, names[d]), *to = test_path_join(dir, names[d]);
        fx_copy_file(from, to);
        free(from);
        free(to);
    }
    return dir;
}

enum job_kind { JOB_CONVERT, JOB_MERGE_TO, JOB_MERGE, JOB_COMPACT, JOB_REPAIR };

struct job {
    const char *label;
    enum job_kind kind;
    int disk;                     /* the source, child or disk compacted */
    vhd_target_type type;
};

static unsigned temp_serial;

/* Runs the job in dir with the supply; returns its code. */
static vhd_op_code run_job(const struct job *job, const char *dir, struct power_supply *supply)
{
    vhd_create_options options = { .timestamp = 1, .unique_id = { 9, 9, 9 } };
    vhd_op_result result;
    vhd_op_code code;
    char *path = test_path_join(dir, names[job->disk]);
    struct power_io pio;
    struct vhd_io_posix file;

    if (job->kind == JOB_CONVERT || job->kind == JOB_MERGE_TO) {
        char temp_name[64];
        snprintf(temp_name, sizeof temp_name, "target.vhd.partial-%u", temp_serial++);
        char *target = test_path_join(dir, "target.vhd"), *temp = test_path_join(dir, temp_name);
        vhd_ops_posix_chain chain;
        assert_int_equal(vhd_ops_posix_open_chain(&chain, path, false, NULL, &result), VHD_OP_OK);
        vhd_io_posix_init_staged(&file, temp, target);
        power_io_plug(&pio, &file.io, supply);
        code = job->kind == JOB_CONVERT
                   ? vhd_convert(chain.chain, &pio.io, job->type, &options, &result)
                   : vhd_merge_to(chain.chain, &pio.io, job->type, &options, &result);
        assert_int_equal(file.fd, -1);
        vhd_ops_posix_close_chain(&chain);
        free(target);
        free(temp);
    } else if (job->kind == JOB_MERGE) {
        vhd_ops_posix_chain chain;
        assert_int_equal(vhd_ops_posix_open_chain(&chain, path, true, NULL, &result), VHD_OP_OK);
        vhd_io_posix_init(&file, disk_chain_name(chain.chain, 1));
        power_io_plug(&pio, &file.io, supply);
        assert_int_equal(pio.io.open(&pio.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
        code = vhd_merge(chain.chain, &pio.io, &options, &result);
        pio.io.close(&pio.io);
        vhd_ops_posix_close_chain(&chain);
    } else {
        vhd_io_posix_init(&file, path);
        power_io_plug(&pio, &file.io, supply);
        assert_int_equal(pio.io.open(&pio.io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
        if (job->kind == JOB_COMPACT) {
            code = vhd_compact(&pio.io, &options, &result);
        } else {
            disk_repair_options repair = { 0 };
            disk_repair_report report;
            vhd_reader_error error;
            code = disk_repair(&pio.io, &repair, &report, &error) == VHD_READER_OK ? VHD_OP_OK
                                                                                  : VHD_OP_IO;
            snprintf(result.reason, sizeof result.reason, "%s", error.reason);
        }
        pio.io.close(&pio.io);
    }
    if (code != VHD_OP_OK && !supply->off)
        fail_msg("%s failed without a power cut: %s", job->label, result.reason);
    power_io_unplug(&pio);
    free(path);
    return code;
}

static void assert_content(const char *path, const uint8_t *want, const char *what, unsigned n)
{
    uint8_t *got = fx_read_chain(path, DISK_SIZE);
    for (uint64_t s = 0; s < SECTORS; s++) {
        if (memcmp(got + s * FX_SECTOR, want + s * FX_SECTOR, FX_SECTOR) != 0)
            fail_msg("%s after cut %u: sector %" PRIu64 " differs", what, n, s);
    }
    free(got);
}

/* Each sector of path's content is either old's or new's. */
static void assert_old_or_new(const char *path, const uint8_t *old, const uint8_t *new,
                              unsigned n)
{
    uint8_t *got = fx_read_chain(path, DISK_SIZE);
    for (uint64_t s = 0; s < SECTORS; s++) {
        const uint8_t *g = got + s * FX_SECTOR;
        if (memcmp(g, old + s * FX_SECTOR, FX_SECTOR) != 0
            && memcmp(g, new + s * FX_SECTOR, FX_SECTOR) != 0)
            fail_msg("merged parent after cut %u: sector %" PRIu64 " is neither old nor new", n, s);
    }
    free(got);
}

/* Files in dir that are neither the scene's disks nor the target: leftovers of a cut. */
static void check_leftovers(const char *dir, const uint8_t *want, unsigned n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "target.vhd.partial-", 19) != 0)
            continue;
        char *path = test_path_join(dir, e->d_name);
        /* An unfinished file never opens as a disk; a finished one not yet named has the
         * whole content. */
        if (fx_opens(path))
            assert_content(path, want, "finished but unnamed target", n);
        free(path);
    }
    closedir(d);
}

/* Gives each valid footer of path (at the end; at 0 but for a fixed disk) the creator
 * application app, with its checksum. Returns how many footers are valid and count those
 * labelled want_app in *labelled. */
static int footers(const char *path, const char *app, const char *want_app, int *labelled)
{
    FILE *f = fopen(path, app ? "r+b" : "rb");
    int valid = 0;
    assert_non_null(f);
    uint64_t offsets[2] = { 0, fx_file_size(path) - VHD_FOOTER_SIZE };
    *labelled = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t bytes[VHD_FOOTER_SIZE];
        vhd_footer footer;
        assert_int_equal(fseeko(f, (off_t)offsets[i], SEEK_SET), 0);
        assert_int_equal(fread(bytes, 1, sizeof bytes, f), sizeof bytes);
        if (vhd_footer_decode(&footer, bytes, sizeof bytes) != VHD_FORMAT_OK)
            continue;
        valid++;
        if (want_app != NULL && memcmp(footer.creator_application, want_app, 4) == 0)
            (*labelled)++;
        if (app == NULL)
            continue;
        memcpy(footer.creator_application, app, 4);
        vhd_footer_encode(&footer, bytes);
        assert_int_equal(fseeko(f, (off_t)offsets[i], SEEK_SET), 0);
        assert_int_equal(fwrite(bytes, 1, sizeof bytes, f), sizeof bytes);
    }
    assert_int_equal(fclose(f), 0);
    return valid;
}

static void check_after_cut(const struct job *job, const struct scene *sc, const char *dir,
                            unsigned n, bool done)
{
    char *paths[DISKS], *target = test_path_join(dir, "target.vhd");
    for (int d = 0; d < DISKS; d++)
        paths[d] = test_path_join(dir, names[d]);
    const uint8_t *want = sc->model[job->disk];
    switch (job->kind) {
    case JOB_CONVERT:
    case JOB_MERGE_TO:
        for (int d = 0; d < DISKS; d++) {
            char *orig = test_path_join(sc->dir, names[d]);
            if (!fx_same_file(orig, paths[d]))
                fail_msg("%s after cut %u: %s changed", job->label, n, names[d]);
            free(orig);
        }
        if (done) {
            assert_true(fx_opens(target));
            assert_content(target, want, job->label, n);
        } else {
            assert_false(fx_exists(target));
            check_leftovers(dir, want, n);
        }
        break;
    case JOB_MERGE: {
        char *orig = test_path_join(sc->dir, names[job->disk]);
        assert_true(fx_same_file(orig, paths[job->disk]));   /* the child is never written */
        free(orig);
        assert_content(paths[job->disk], want, "merged chain", n);
        if (done)
            assert_content(paths[job->disk - 1], want, "merged parent", n);
        else
            assert_old_or_new(paths[job->disk - 1], sc->model[job->disk - 1], want, n);
        break;
    }
    case JOB_COMPACT:
        assert_content(paths[job->disk], want, "compacted disk", n);
        break;
    case JOB_REPAIR: {
        int labelled, expected = sc->fixed_base && job->disk == BASE ? 1 : 2;
        assert_content(paths[job->disk], want, "repaired disk", n);
        assert_int_equal(footers(paths[job->disk], NULL, "win ", &labelled), expected);
        if (done)
            assert_int_equal(labelled, expected);
        break;
    }
    }
    for (int d = 0; d < DISKS; d++)
        free(paths[d]);
    free(target);
}

static void crash_every_write(const struct job *job, bool fixed_base, bool zero_block_first)
{
    struct scene sc;
    struct power_supply supply;
    scene_build(&sc, fixed_base, zero_block_first);
    if (job->kind == JOB_REPAIR) {
        /* The disk as vsdisk 0.2 made it: creator "vsdk" in its footers. */
        char *path = test_path_join(sc.dir, names[job->disk]);
        int labelled;
        assert_true(footers(path, "vsdk", NULL, &labelled) >= 1);
        free(path);
    }

    /* The clean run: how many changing calls, and the result's size for Compact. */
    char *dir = copy_scene(&sc);
    power_supply_init(&supply, UINT32_MAX, false);
    assert_int_equal(run_job(job, dir, &supply), VHD_OP_OK);
    unsigned calls = supply.changing_calls;
    check_after_cut(job, &sc, dir, calls, true);
    char *compacted = test_path_join(dir, names[job->disk]);
    uint64_t clean_size = fx_file_size(compacted);
    free(compacted);
    if (job->kind == JOB_COMPACT) {
        char *orig = test_path_join(sc.dir, names[job->disk]);
        assert_true(clean_size < fx_file_size(orig));   /* it did give space back */
        free(orig);
    }
    test_remove_temp_dir(dir);

    /* A new target is created write-only: nothing of it can be undone, so for Convert and
     * MergeTo the second pass would repeat the first. */
    int passes = job->kind == JOB_CONVERT || job->kind == JOB_MERGE_TO ? 1 : 2;
    for (int lose = 0; lose < passes; lose++) {
        for (unsigned n = 0; n < calls; n++) {
            dir = copy_scene(&sc);
            power_supply_init(&supply, n, lose);
            assert_int_not_equal(run_job(job, dir, &supply), VHD_OP_OK);
            assert_true(supply.off);
            check_after_cut(job, &sc, dir, n, false);
            /* Power back: the job again completes it. */
            power_supply_init(&supply, UINT32_MAX, false);
            assert_int_equal(run_job(job, dir, &supply), VHD_OP_OK);
            check_after_cut(job, &sc, dir, n, true);
            if (job->kind == JOB_COMPACT) {
                char *path = test_path_join(dir, names[job->disk]);
                assert_true(fx_file_size(path) <= clean_size);
                free(path);
            }
            test_remove_temp_dir(dir);
            total_points++;
        }
    }
    print_message("# %s: %u crash points%s\n", job->label, calls,
                  passes == 2 ? " (x2: writes kept in order, then unflushed writes lost)" : "");
    scene_free(&sc);
}

static void test_convert_crash(void **state)
{
    (void)state;
    const struct job jobs[] = {
        { "Convert dynamic -> dynamic", JOB_CONVERT, BASE, VHD_TARGET_DYNAMIC },
        { "Convert dynamic -> fixed", JOB_CONVERT, BASE, VHD_TARGET_FIXED },
        { "Convert differencing chain -> dynamic", JOB_CONVERT, TOP, VHD_TARGET_DYNAMIC },
    };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        crash_every_write(&jobs[i], false, false);
    const struct job fixed = { "Convert fixed -> dynamic", JOB_CONVERT, BASE, VHD_TARGET_DYNAMIC };
    crash_every_write(&fixed, true, false);
}

static void test_merge_to_crash(void **state)
{
    (void)state;
    const struct job jobs[] = {
        { "MergeTo -> dynamic", JOB_MERGE_TO, TOP, VHD_TARGET_DYNAMIC },
        { "MergeTo -> fixed", JOB_MERGE_TO, TOP, VHD_TARGET_FIXED },
    };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        crash_every_write(&jobs[i], false, false);
}

static void test_merge_crash(void **state)
{
    (void)state;
    const struct job into_diff = { "Merge into a differencing parent", JOB_MERGE, TOP, 0 };
    const struct job into_dynamic = { "Merge into a dynamic parent", JOB_MERGE, MID, 0 };
    const struct job into_fixed = { "Merge into a fixed parent", JOB_MERGE, MID, 0 };
    crash_every_write(&into_diff, false, false);
    crash_every_write(&into_dynamic, false, false);
    crash_every_write(&into_fixed, true, false);
}

static void test_compact_crash(void **state)
{
    (void)state;
    const struct job compact = { "Compact (zero block in the middle)", JOB_COMPACT, BASE, 0 };
    const struct job compact_first = { "Compact (zero block first)", JOB_COMPACT, BASE, 0 };
    crash_every_write(&compact, false, false);
    crash_every_write(&compact_first, false, true);
}

static void test_repair_crash(void **state)
{
    (void)state;
    const struct job dynamic = { "Repair of a 0.2 dynamic disk", JOB_REPAIR, BASE, 0 };
    const struct job differencing = { "Repair of a 0.2 differencing disk", JOB_REPAIR, MID, 0 };
    const struct job fixed = { "Repair of a 0.2 fixed disk", JOB_REPAIR, BASE, 0 };
    crash_every_write(&dynamic, false, false);
    crash_every_write(&differencing, false, false);
    crash_every_write(&fixed, true, false);
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# crash points tried: %lu (each reopened, checked sector by sector, and the "
                  "job run again to completion)\n", total_points);
    return 0;
}

int main(void)
{
    seed = test_random_seed();
    /* The disks are copied and reopened hundreds of times: on a RAM disk when one with room
     * is there (its flushes cost nothing; they are real flushes elsewhere). */
    struct statvfs vfs;
    if (getenv("TMPDIR") == NULL && statvfs("/dev/shm", &vfs) == 0
        && (uint64_t)vfs.f_bavail * vfs.f_frsize >= 512 * MiB)
        setenv("TMPDIR", "/dev/shm", 1);
    if (getenv("OPS_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("OPS_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_crash),
        cmocka_unit_test(test_merge_to_crash),
        cmocka_unit_test(test_merge_crash),
        cmocka_unit_test(test_compact_crash),
        cmocka_unit_test(test_repair_crash),
    };
    return cmocka_run_group_tests_name("ops_crash", tests, NULL, print_totals);
}
