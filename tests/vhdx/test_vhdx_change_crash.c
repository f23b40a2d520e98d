/* Crash at every write of the in-place VHDX changes, and every I/O call failed in turn.
 *
 * Jobs: the on-disk replay of a dirty log (qemu's sample made on Hyper-V, and a builder file
 * whose log grows it), a re-link of a differencing child, and a run of log-writer batches that
 * wraps around the log. Each runs with a simulated power supply that goes off after its n-th
 * call that changes the file, for every n until the job completes; in a second pass the cut
 * also loses everything written since the last flush. After each cut:
 *   - the file opens read-only (the reader replays any log in memory), and the metadata
 *     sectors the job changes read exactly as one of the job's states (before, after each
 *     batch), never a mix;
 *   - the disk's content (its sectors) is unchanged, and no byte outside the headers, the log
 *     and those sectors differs from the original;
 *   - a writable open of a copy replays the log on disk and gives the same state, clean;
 *   - the job run again completes, with the final state.
 * The third pass fails every counted I/O call of the job in turn (vhd_io_fault): the job fails
 * with a reason, the same checks hold, and the job run again completes. */
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
#include "vhdx_relink.h"
#include "vhdx_test_util.h"

#define SECTOR 4096u
#define WATCH_MAX 512u
#define STATES_MAX 8u
/* The disk content compared: the first CONTENT_LIMIT bytes (the dirty sample is 10 GiB of
 * mostly nothing; its log changes the BAT page of its first blocks). */
#define CONTENT_LIMIT (UINT64_C(24) << 20)

static const char *samples_dir;
static unsigned long total_points;

struct job {
    const char *label;
    const uint8_t *orig;
    size_t orig_size;
    vhdx_reader_code (*run)(vhd_io *io, const struct job *job, vhdx_reader_error *error);
    const void *ctx;
    /* The sectors the job changes, and each acceptable state of them (as the reader sees
     * them), the last one the job's result. */
    uint64_t watched[WATCH_MAX];
    size_t watched_count;
    uint8_t *states;                /* state_count * watched_count sectors */
    size_t state_count;
    uint32_t content_crc;
};

/* CRC-32C of the disk's content as the reader reads it (this image alone). */
static uint32_t content_crc(const uint8_t *data, size_t size)
{
    struct memory_io mem;
    vhdx_image *image;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(&mem, data, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&image, &mem.io, NULL, &error) != VHDX_READER_OK)
        fail_msg("does not open: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t limit = info->virtual_size < CONTENT_LIMIT ? info->virtual_size : CONTENT_LIMIT;
    uint32_t per_chunk = (uint32_t)(MiB / info->logical_sector_size);
    uint8_t *buf = malloc(MiB);
    assert_non_null(buf);
    uint32_t crc = vhdx_crc32c_begin();
    for (uint64_t at = 0; at < limit; at += MiB) {
        uint32_t count = limit - at < MiB ? (uint32_t)((limit - at) / info->logical_sector_size)
                                          : per_chunk;
        assert_int_equal(vhdx_image_read_sectors(image, at / info->logical_sector_size, count,
                                                 buf, &error), VHDX_READER_OK);
        crc = vhdx_crc32c_update(crc, buf, (size_t)count * info->logical_sector_size);
    }
    free(buf);
    vhdx_image_close(image);
    memory_io_free(&mem);
    return vhdx_crc32c_end(crc);
}

/* Which state the watched sectors of data are in; fails the test if none. */
static size_t state_of(const struct job *job, const uint8_t *data, size_t size, const char *what,
                       unsigned n)
{
    uint8_t *got = malloc(job->watched_count * SECTOR);
    assert_non_null(got);
    change_view_sectors(data, size, job->watched, job->watched_count, got);
    for (size_t s = 0; s < job->state_count; s++) {
        if (memcmp(got, job->states + s * job->watched_count * SECTOR,
                   job->watched_count * SECTOR) == 0) {
            free(got);
            return s;
        }
    }
    free(got);
    fail_msg("%s, %s after cut %u: the metadata is a mix of states", job->label, what, n);
    return 0;
}

static bool allowed(const struct job *job, const vhdx_header *h, uint64_t at)
{
    if (at >= VHDX_HEADER1_OFFSET && at < VHDX_REGION_TABLE1_OFFSET)
        return true;
    if (at >= h->log_offset && at < h->log_offset + h->log_length)
        return true;
    for (size_t i = 0; i < job->watched_count; i++)
        if (at >= job->watched[i] && at < job->watched[i] + SECTOR)
            return true;
    return false;
}

/* Runs the job on a file holding data (updated in place) with io wrapped by wrap. */
struct run {
    struct memory_io mem;
    struct power_io pio;
    struct vhd_io_fault fault;
};

static vhdx_reader_code run_powered(const struct job *job, uint8_t **data, size_t *size,
                                    struct power_supply *supply, vhdx_reader_error *error)
{
    struct run r;
    change_file_init(&r.mem, *data, *size);
    power_io_plug(&r.pio, &r.mem.io, supply);
    vhdx_reader_code code = VHDX_READER_IO;
    if (r.pio.io.open(&r.pio.io, VHD_IO_OPEN_READ_WRITE) == VHD_OK) {
        code = job->run(&r.pio.io, job, error);
        r.pio.io.close(&r.pio.io);
    }
    power_io_unplug(&r.pio);
    free(*data);
    *data = r.mem.data;
    *size = r.mem.size;
    return code;
}

static vhdx_reader_code run_faulty(const struct job *job, uint8_t **data, size_t *size,
                                   unsigned fail_at, unsigned *calls, vhdx_reader_error *error)
{
    struct memory_io mem;
    struct vhd_io_fault fault;
    change_file_open(&mem, *data, *size);
    vhd_io_fault_init(&fault, &mem.io);
    fault.fail_at = fail_at;
    fault.fail_status = VHD_E_IO;
    vhdx_reader_code code = job->run(&fault.io, job, error);
    *calls = fault.calls;
    mem.io.close(&mem.io);
    free(*data);
    *data = mem.data;
    *size = mem.size;
    return code;
}

static uint8_t *copy_of(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size);
    assert_non_null(copy);
    memcpy(copy, data, size);
    return copy;
}

/* Everything that must hold of a file after a cut or a failure. */
static void check_interrupted(const struct job *job, uint8_t **data, size_t *size,
                              const char *pass, unsigned n)
{
    vhdx_image_info info, orig_info;
    vhdx_reader_error error;
    if (change_view_open(*data, *size, &info, &error) != VHDX_READER_OK)
        fail_msg("%s, %s, cut %u: the file does not open: %s", job->label, pass, n, error.reason);
    assert_int_equal(change_view_open(job->orig, job->orig_size, &orig_info, &error),
                     VHDX_READER_OK);
    size_t state = state_of(job, *data, *size, pass, n);
    if (content_crc(*data, *size) != job->content_crc)
        fail_msg("%s, %s, cut %u: the disk's content changed", job->label, pass, n);
    size_t common = *size < job->orig_size ? *size : job->orig_size;
    for (size_t at = 0; at < common; at += 512) {
        size_t len = common - at < 512 ? common - at : 512;
        if (memcmp(*data + at, job->orig + at, len) != 0 && !allowed(job, &orig_info.header, at))
            fail_msg("%s, %s, cut %u: bytes at %zu changed", job->label, pass, n, at);
    }
    /* A writable open replays on disk what the reader replayed in memory. */
    struct memory_io mem;
    vhdx_writable *w;
    change_file_open(&mem, *data, *size);
    if (vhdx_writable_open(&w, &mem.io, &change_options, &error) != VHDX_READER_OK)
        fail_msg("%s, %s, cut %u: the writable open fails: %s", job->label, pass, n,
                 error.reason);
    vhdx_writable_close(w);
    assert_int_equal(change_view_open(mem.data, mem.size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
    assert_int_equal(state_of(job, mem.data, mem.size, "replayed on disk", n), state);
    assert_int_equal(content_crc(mem.data, mem.size), job->content_crc);
    memory_io_free(&mem);
    /* Power back: the job again completes it. */
    struct power_supply supply;
    power_supply_init(&supply, UINT32_MAX, false);
    if (run_powered(job, data, size, &supply, &error) != VHDX_READER_OK)
        fail_msg("%s, %s, cut %u: the job run again fails: %s", job->label, pass, n,
                 error.reason);
    assert_int_equal(state_of(job, *data, *size, "run again", n), job->state_count - 1);
    assert_int_equal(change_view_open(*data, *size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
}

static void crash_every_write(struct job *job)
{
    struct power_supply supply;
    vhdx_reader_error error;
    job->content_crc = content_crc(job->orig, job->orig_size);
    assert_int_equal(state_of(job, job->orig, job->orig_size, "before", 0), 0);

    /* The clean run: how many changing calls. */
    size_t size = job->orig_size;
    uint8_t *data = copy_of(job->orig, size);
    power_supply_init(&supply, UINT32_MAX, false);
    if (run_powered(job, &data, &size, &supply, &error) != VHDX_READER_OK)
        fail_msg("%s fails without a cut: %s", job->label, error.reason);
    unsigned calls = supply.changing_calls;
    assert_int_equal(state_of(job, data, size, "done", calls), job->state_count - 1);
    free(data);

    for (int lose = 0; lose < 2; lose++) {
        for (unsigned n = 0; n < calls; n++) {
            size = job->orig_size;
            data = copy_of(job->orig, size);
            power_supply_init(&supply, n, lose);
            assert_int_not_equal(run_powered(job, &data, &size, &supply, &error),
                                 VHDX_READER_OK);
            assert_true(supply.off);
            check_interrupted(job, &data, &size, lose ? "unflushed writes lost" : "clean stop",
                              n);
            free(data);
            total_points++;
        }
    }

    /* Every I/O call failed in turn. */
    unsigned faulty_calls = 0, untouched = 0;
    size = job->orig_size;
    data = copy_of(job->orig, size);
    assert_int_equal(run_faulty(job, &data, &size, 0, &faulty_calls, &error), VHDX_READER_OK);
    free(data);
    for (unsigned n = 1; n <= faulty_calls; n++) {
        unsigned ignored;
        size = job->orig_size;
        data = copy_of(job->orig, size);
        vhdx_reader_code code = run_faulty(job, &data, &size, n, &ignored, &error);
        if (code == VHDX_READER_OK)
            fail_msg("%s: call %u failed but the job succeeded", job->label, n);
        assert_true(strlen(error.reason) > 10);
        /* A failure before the first write leaves the file as it was, byte for byte (then
         * running the job again is the clean run above). */
        if (size == job->orig_size && memcmp(data, job->orig, size) == 0)
            untouched++;
        else
            check_interrupted(job, &data, &size, "I/O call failed", n);
        free(data);
        total_points++;
    }
    print_message("# %s: %u crash points (x2: writes kept in order, then unflushed writes "
                  "lost), %u I/O calls failed in turn (%u before any write)\n", job->label,
                  calls, faulty_calls, untouched);
}

static void set_states(struct job *job, size_t count)
{
    job->state_count = count;
    job->states = calloc(count * job->watched_count, SECTOR);
    assert_non_null(job->states);
}

/* ---- the on-disk replay ---- */
static vhdx_reader_code run_replay(vhd_io *io, const struct job *job, vhdx_reader_error *error)
{
    (void)job;
    vhdx_writable *w;
    vhdx_reader_code code = vhdx_writable_open(&w, io, &change_options, error);
    vhdx_writable_close(w);
    return code;
}

/* The replay's sectors: one state, what the reader's in-memory replay shows (the view never
 * changes while the log is replayed on disk). */
static void replay_job(struct job *job, const char *label, const uint8_t *data, size_t size)
{
    vhdx_image_info info;
    vhdx_reader_error error;
    memset(job, 0, sizeof *job);
    job->label = label;
    job->orig = data;
    job->orig_size = size;
    job->run = run_replay;
    assert_int_equal(change_view_open(data, size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_REPLAYED_IN_MEMORY);
    /* Watch the BAT's first sectors and the metadata table. */
    for (unsigned i = 0; i < 4; i++)
        job->watched[job->watched_count++] = info.bat_region.file_offset + i * SECTOR;
    job->watched[job->watched_count++] = info.metadata_region.file_offset;
    set_states(job, 1);
    change_view_sectors(data, size, job->watched, job->watched_count, job->states);
}

static uint8_t *load_sample(const char *name, size_t *size)
{
    char command[2048];
    snprintf(command, sizeof command,
             "python3 -c 'import bz2, sys; sys.stdout.buffer.write(bz2.open(sys.argv[1]).read())'"
             " '%s/%s.bz2'", samples_dir, name);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    size_t capacity = 64 * MiB, used = 0;
    uint8_t *data = malloc(capacity);
    assert_non_null(data);
    size_t n;
    while ((n = fread(data + used, 1, capacity - used, p)) > 0) {
        used += n;
        if (used == capacity) {
            capacity *= 2;
            data = realloc(data, capacity);
            assert_non_null(data);
        }
    }
    assert_int_equal(pclose(p), 0);
    *size = used;
    return data;
}

static void test_replay_sample_crash(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = load_sample("iotest-dirtylog-10G-4M.vhdx", &size);
    struct job job;
    replay_job(&job, "On-disk replay of the dirty-log sample", data, size);
    crash_every_write(&job);
    free(job.states);
    free(data);
}

/* A builder file whose log rewrites a BAT page, zeros part of the metadata region's free
 * space and grows the file (a data sector past its end, LastFileOffset further still). */
static void test_replay_growing_crash(void **state)
{
    (void)state;
    struct vhdx_built b;
    static uint8_t page[SECTOR], far[SECTOR];
    const vhdx_guid guid = {{ 9, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};
    const struct vhdx_builder_spec spec = { .virtual_size = 64 * MiB, .block_size = MiB,
                                            .present_blocks = 3 };
    vhdx_builder_build(&spec, &b);
    memcpy(page, b.data + b.bat_at, SECTOR);
    vhdx_put64(page + 9 * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
    memset(far, 0x5A, sizeof far);
    memset(b.data + b.metadata_at + 256 * 1024, 0x33, 8192);
    const struct vhdx_builder_descriptor d[] = {
        { false, b.bat_at, 0, page },
        { true, b.metadata_at + 256 * 1024, 8192, NULL },
        { false, b.size + MiB, 0, far },
    };
    /* An older entry of the sequence at the log's end, wrapping, then the head at 8 KiB. */
    const struct vhdx_builder_descriptor older[] = { { false, b.bat_at + SECTOR, 0, far } };
    struct vhdx_builder_entry e1 = { 6, (uint32_t)(MiB - SECTOR), guid, b.size, b.size, 1, older };
    uint32_t length = vhdx_builder_write_log_entry(&b, (uint32_t)(MiB - SECTOR), &e1);
    assert_int_equal(length, 2 * SECTOR);
    struct vhdx_builder_entry e2 = { 7, (uint32_t)(MiB - SECTOR), guid, b.size, b.size + 2 * MiB,
                                     3, d };
    vhdx_builder_write_log_entry(&b, SECTOR, &e2);
    vhdx_builder_set_log_guid(&b, &guid);
    struct job job;
    replay_job(&job, "On-disk replay of a log that wraps and grows the file", b.data, b.size);
    job.watched[job.watched_count++] = b.metadata_at + 256 * 1024;
    job.watched[job.watched_count++] = b.metadata_at + 260 * 1024;
    job.watched[job.watched_count++] = b.bat_at + SECTOR;
    job.watched[job.watched_count++] = b.size + MiB;
    free(job.states);
    set_states(&job, 1);
    change_view_sectors(b.data, b.size, job.watched, job.watched_count, job.states);
    crash_every_write(&job);
    free(job.states);
    vhdx_builder_free(&b);
}

/* ---- the re-link ---- */
static const uint16_t new_relative[] = { '.', '\\', 'm', 'o', 'v', 'e', 'd', '\\', 'p', '.',
                                         'v', 'h', 'd', 'x' };
static const uint16_t new_absolute[] = { 'C', ':', '\\', 'V', 'M', 's', '\\', 'm', 'o', 'v',
                                         'e', 'd', '\\', 'p', '.', 'v', 'h', 'd', 'x' };

/* A long volume path: the new locator spans two sectors and its Length changes, so the table's
 * sector and both of the item's change together (the only way to see a torn re-link). */
static uint16_t new_volume[2100];

static void relink_facts(vhdx_parent_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    assert_true(vhdx_guid_parse("{83ed0ec3-24c8-49da-8c2c-6c2f7bb02a56}",
                                &facts->data_write_guid));
    facts->relative_path = new_relative;
    facts->relative_length = sizeof new_relative / 2;
    facts->absolute_win32_path = new_absolute;
    facts->absolute_win32_length = sizeof new_absolute / 2;
    static const char pattern[] = "\\\\?\\Volume{0123}\\long";
    for (size_t i = 0; i < sizeof new_volume / 2; i++)
        new_volume[i] = (uint16_t)pattern[i % (sizeof pattern - 1)];
    facts->volume_path = new_volume;
    facts->volume_length = sizeof new_volume / 2;
}

static vhdx_reader_code run_relink(vhd_io *io, const struct job *job, vhdx_reader_error *error)
{
    return vhdx_relink_parent(io, job->ctx, &change_options, error);
}

static void test_relink_crash(void **state)
{
    (void)state;
    struct vhdx_built b;
    const struct vhdx_builder_spec spec = { .virtual_size = 16 * MiB, .block_size = 2 * MiB,
                                            .differencing = true, .present_blocks = 2,
                                            .partial_block = true };
    vhdx_parent_facts facts;
    vhdx_builder_build(&spec, &b);
    relink_facts(&facts);
    struct job job;
    memset(&job, 0, sizeof job);
    job.label = "Re-link of a differencing child";
    job.orig = b.data;
    job.orig_size = b.size;
    job.run = run_relink;
    job.ctx = &facts;
    job.watched[job.watched_count++] = b.metadata_at;               /* the table */
    for (unsigned i = 0; i < 2; i++)
        job.watched[job.watched_count++] = b.item_at[5] / SECTOR * SECTOR + i * SECTOR;
    set_states(&job, 2);
    change_view_sectors(b.data, b.size, job.watched, job.watched_count, job.states);
    /* The result: run it once on a copy. */
    struct memory_io mem;
    vhdx_reader_error error;
    change_file_open(&mem, b.data, b.size);
    if (vhdx_relink_parent(&mem.io, &facts, &change_options, &error) != VHDX_READER_OK)
        fail_msg("re-link: %s", error.reason);
    change_view_sectors(mem.data, mem.size, job.watched, job.watched_count,
                        job.states + job.watched_count * SECTOR);
    memory_io_free(&mem);
    for (size_t i = 0; i < job.watched_count; i++)   /* every watched sector changes */
        assert_memory_not_equal(job.states + i * SECTOR,
                                job.states + (job.watched_count + i) * SECTOR, SECTOR);
    crash_every_write(&job);
    free(job.states);
    vhdx_builder_free(&b);
}

/* ---- batches of the log writer ---- */
#define BATCHES 3
struct batches {
    size_t count[BATCHES];
    vhdx_sector_change changes[BATCHES][VHDX_LOG_WRITE_SECTORS_MAX];
};

static vhdx_reader_code run_batches(vhd_io *io, const struct job *job, vhdx_reader_error *error)
{
    const struct batches *plan = job->ctx;
    vhdx_writable *w;
    vhdx_reader_code code = vhdx_writable_open(&w, io, &change_options, error);
    for (int k = 0; k < BATCHES && code == VHDX_READER_OK; k++)
        code = vhdx_writable_change(w, plan->changes[k], plan->count[k], true, error);
    if (code == VHDX_READER_OK)
        code = vhdx_writable_settle(w, error);
    vhdx_writable_close(w);
    return code;
}

static void test_batches_crash(void **state)
{
    (void)state;
    struct vhdx_built b;
    /* 2 GiB of 1 MiB blocks: 2048 payload entries over 4 BAT sectors. */
    const struct vhdx_builder_spec spec = { .virtual_size = 2048 * MiB, .block_size = MiB,
                                            .present_blocks = 2 };
    static struct batches plan;
    static uint8_t data[BATCHES][VHDX_LOG_WRITE_SECTORS_MAX][SECTOR];
    vhdx_builder_build(&spec, &b);
    struct job job;
    memset(&job, 0, sizeof job);
    job.label = "Log writer: three batches that wrap around the log";
    job.orig = b.data;
    job.orig_size = b.size;
    job.run = run_batches;
    job.ctx = &plan;
    /* Batch k: BAT sectors 0-3 with blocks (k, 100 + k, ...) ZERO, and free metadata sectors
     * with pattern k; 126 + 60 + 126 sectors in all, so the third entry wraps. */
    const size_t free_sectors[BATCHES] = { 122, 56, 122 };
    for (unsigned i = 0; i < 4; i++)
        job.watched[job.watched_count++] = b.bat_at + i * SECTOR;
    for (unsigned i = 0; i < 122; i++)
        job.watched[job.watched_count++] = b.metadata_at + 128 * 1024 + i * SECTOR;
    set_states(&job, BATCHES + 1);
    change_view_sectors(b.data, b.size, job.watched, job.watched_count, job.states);
    uint8_t *model = copy_of(b.data, b.size);
    for (int k = 0; k < BATCHES; k++) {
        size_t n = 0;
        for (unsigned i = 0; i < 4; i++) {
            uint8_t *s = data[k][n];
            memcpy(s, model + b.bat_at + i * SECTOR, SECTOR);
            for (unsigned e = 0; e < 512; e += 37 + k) {
                uint64_t index = (uint64_t)i * 512 + e;
                if (index % (b.chunk_ratio + 1) == b.chunk_ratio || index < 4)
                    continue;   /* sector bitmap slots, and the present blocks */
                vhdx_put64(s + e * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
            }
            plan.changes[k][n] = (vhdx_sector_change){ b.bat_at + i * SECTOR, s };
            n++;
        }
        for (size_t i = 0; i < free_sectors[k]; i++) {
            memset(data[k][n], (int)(0x40 + k * 16 + i % 16), SECTOR);
            plan.changes[k][n] = (vhdx_sector_change){ b.metadata_at + 128 * 1024 + i * SECTOR,
                                                       data[k][n] };
            n++;
        }
        plan.count[k] = n;
        for (size_t i = 0; i < n; i++)
            memcpy(model + plan.changes[k][i].file_offset, plan.changes[k][i].data, SECTOR);
        change_view_sectors(model, b.size, job.watched, job.watched_count,
                            job.states + (size_t)(k + 1) * job.watched_count * SECTOR);
    }
    free(model);
    crash_every_write(&job);
    free(job.states);
    vhdx_builder_free(&b);
}

static int print_totals(void **state)
{
    (void)state;
    print_message("# crash and failure points tried: %lu (each reopened read-only, replayed "
                  "on disk, and the job run again to completion)\n", total_points);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SAMPLES_DIR\n", argv[0]);
        return 2;
    }
    samples_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_sample_crash),
        cmocka_unit_test(test_replay_growing_crash),
        cmocka_unit_test(test_relink_crash),
        cmocka_unit_test(test_batches_crash),
    };
    return cmocka_run_group_tests_name("vhdx_change_crash", tests, NULL, print_totals);
}
