/* bench_native: the disk writer's library call (vhd_create_dynamic with the POSIX back end)
 * against the write floor, in one process.
 *
 * Usage: bench_native DIR [--runs N] [--warmup N]
 *
 * For 3 MB, 127 GB (130048 MB) and 2040 GB (2088960 MB), each run times
 *   library: vhd_create_dynamic() with vhd_io_posix (create, write, flush, close);
 *   floor:   open(O_WRONLY|O_CREAT|O_EXCL), one write() of as many bytes as the disk file,
 *            fdatasync() (the flush the POSIX back end uses), close();
 * alternating which goes first; every file is unlinked after its run (untimed). It reports
 * the median, minimum and maximum of each and of the per-run ratio library / floor, then a
 * breakdown of the library call (separate runs through a timing wrapper around the back end):
 * the number of writes and flushes and the median time spent in each kind of call.
 *
 * Output: one line per figure, "bench NAME key=value ...", times in milliseconds; the last
 * line is "bench_native: ok" (exit 0) or an error (exit 1). */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vhd_create.h"
#include "vhd_io_posix.h"
#include "bench_util.h"

#define MB 1048576ull

static const unsigned long sizes_mb[] = { 3, 130048, 2088960 };
#define SIZE_COUNT (sizeof(sizes_mb) / sizeof(sizes_mb[0]))

static unsigned parse_count(const char *text)
{
    return (unsigned)bench_parse_number(text, 0, 100000);
}

/* --- a timing wrapper around any back end ---------------------------------------------- */

enum { OP_CREATE, OP_WRITE, OP_FLUSH, OP_CLOSE, OP_COUNT };
static const char *const op_names[OP_COUNT] = { "create", "write", "flush", "close" };

struct timed_io {
    vhd_io io;            /* first member */
    vhd_io *inner;
    unsigned calls[OP_COUNT];
    double ms[OP_COUNT];
};

#define TIMED(op, call)                                                  \
    do {                                                                 \
        struct timed_io *t = (struct timed_io *)io;                      \
        double start = bench_now_ms();                                   \
        vhd_status status = (call);                                      \
        t->ms[op] += bench_now_ms() - start;                             \
        t->calls[op]++;                                                  \
        t->io.os_error = t->inner->os_error;                             \
        return status;                                                   \
    } while (0)

static vhd_status timed_create(vhd_io *io)
{
    TIMED(OP_CREATE, t->inner->create(t->inner));
}

static vhd_status timed_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    TIMED(OP_WRITE, t->inner->write_at(t->inner, offset, buf, len));
}

static vhd_status timed_flush(vhd_io *io)
{
    TIMED(OP_FLUSH, t->inner->flush(t->inner));
}

static vhd_status timed_close(vhd_io *io)
{
    TIMED(OP_CLOSE, t->inner->close(t->inner));
}

static vhd_status timed_remove(vhd_io *io)
{
    struct timed_io *t = (struct timed_io *)io;
    return t->inner->remove(t->inner);
}

static void timed_io_init(struct timed_io *t, vhd_io *inner)
{
    memset(t, 0, sizeof(*t));
    t->io.create = timed_create;
    t->io.write_at = timed_write_at;
    t->io.flush = timed_flush;
    t->io.close = timed_close;
    t->io.remove = timed_remove;
    t->inner = inner;
}

/* --- the two contenders ---------------------------------------------------------------- */

static void make_options(vhd_create_options *options, unsigned long size_mb)
{
    memset(options, 0, sizeof(*options));
    options->size_bytes = (uint64_t)size_mb * MB;
    options->timestamp = vhd_timestamp_from_unix((int64_t)time(NULL));
    for (int i = 0; i < 16; i++)
        options->unique_id[i] = (uint8_t)(i * 37 + 11);
}

static double time_library(const char *path, unsigned long size_mb)
{
    vhd_create_options options;
    struct vhd_io_posix file;
    double start;
    vhd_status status;

    make_options(&options, size_mb);
    vhd_io_posix_init(&file, path);
    start = bench_now_ms();
    status = vhd_create_dynamic(&file.io, &options);
    double elapsed = bench_now_ms() - start;
    if (status != VHD_OK)
        bench_die(vhd_status_message(status), file.io.os_error);
    return elapsed;
}

static void write_floor(const char *path, const void *bytes, size_t count)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd == -1)
        bench_die("open", errno);
    ssize_t written = write(fd, bytes, count);
    if (written < 0 || (size_t)written != count)
        bench_die("write", written < 0 ? errno : EIO);
    if (fdatasync(fd) != 0)
        bench_die("fdatasync", errno);
    if (close(fd) != 0)
        bench_die("close", errno);
}

static double time_floor(const char *path, const void *bytes, size_t count)
{
    double start = bench_now_ms();
    write_floor(path, bytes, count);
    return bench_now_ms() - start;
}

int main(int argc, char **argv)
{
    bench_program = "bench_native";
    unsigned runs = 15, warmup = 3;
    char path[4096];

    if (argc < 2 || argc % 2 != 0) {
        fprintf(stderr, "usage: bench_native DIR [--runs N] [--warmup N]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        unsigned value = parse_count(argv[i + 1]);
        if (!strcmp(argv[i], "--runs"))
            runs = value;
        else if (!strcmp(argv[i], "--warmup"))
            warmup = value;
        else
            bench_die("unknown option", 0);
    }
    if (runs == 0)
        bench_die("--runs must be at least 1", 0);
    if (snprintf(path, sizeof(path), "%s/bench-native.vhd", argv[1]) >= (int)sizeof(path))
        bench_die("DIR is too long", 0);

    double *lib_ms = calloc(runs, sizeof(double)), *floor_ms = calloc(runs, sizeof(double));
    double *ratio = calloc(runs, sizeof(double));
    double *op_ms[OP_COUNT];
    for (int op = 0; op < OP_COUNT; op++)
        op_ms[op] = calloc(runs, sizeof(double));
    if (!lib_ms || !floor_ms || !ratio || !op_ms[0] || !op_ms[1] || !op_ms[2] || !op_ms[3])
        bench_die("out of memory", 0);

    printf("bench native_config runs=%u warmup=%u flush=fdatasync\n", runs, warmup);
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        struct stat st;
        char attributes[128];

        time_library(path, sizes_mb[s]);
        if (stat(path, &st) != 0)
            bench_die("stat", errno);
        bench_remove_file(path);
        size_t bytes = (size_t)st.st_size;
        void *buffer = malloc(bytes);
        if (!buffer)
            bench_die("out of memory", 0);
        memset(buffer, 0xFF, bytes);

        for (unsigned i = 0; i < warmup + runs; i++) {
            unsigned slot = i < warmup ? 0 : i - warmup;
            if (i % 2 == 0) {
                lib_ms[slot] = time_library(path, sizes_mb[s]);
                bench_remove_file(path);
                floor_ms[slot] = time_floor(path, buffer, bytes);
                bench_remove_file(path);
            } else {
                floor_ms[slot] = time_floor(path, buffer, bytes);
                bench_remove_file(path);
                lib_ms[slot] = time_library(path, sizes_mb[s]);
                bench_remove_file(path);
            }
        }
        free(buffer);
        bench_ratios(lib_ms, floor_ms, ratio, runs);
        snprintf(attributes, sizeof(attributes), "size_mb=%lu bytes=%zu", sizes_mb[s], bytes);
        bench_print_summary("native_library", attributes, lib_ms, runs);
        bench_print_summary("native_floor", attributes, floor_ms, runs);
        bench_print_summary("native_ratio", attributes, ratio, runs);

        /* Breakdown: where the library call's time goes. */
        unsigned calls[OP_COUNT] = { 0 };
        for (unsigned i = 0; i < warmup + runs; i++) {
            unsigned slot = i < warmup ? 0 : i - warmup;
            vhd_create_options options;
            struct vhd_io_posix file;
            struct timed_io timed;
            make_options(&options, sizes_mb[s]);
            vhd_io_posix_init(&file, path);
            timed_io_init(&timed, &file.io);
            vhd_status status = vhd_create_dynamic(&timed.io, &options);
            if (status != VHD_OK)
                bench_die(vhd_status_message(status), timed.io.os_error);
            bench_remove_file(path);
            for (int op = 0; op < OP_COUNT; op++) {
                op_ms[op][slot] = timed.ms[op];
                calls[op] = timed.calls[op];
            }
        }
        for (int op = 0; op < OP_COUNT; op++) {
            char name[64];
            snprintf(name, sizeof(name), "native_breakdown_%s", op_names[op]);
            snprintf(attributes, sizeof(attributes), "size_mb=%lu calls=%u", sizes_mb[s], calls[op]);
            bench_print_summary(name, attributes, op_ms[op], runs);
        }
        fflush(stdout);
    }
    for (int op = 0; op < OP_COUNT; op++)
        free(op_ms[op]);
    free(lib_ms);
    free(floor_ms);
    free(ratio);
    printf("bench_native: ok\n");
    return 0;
}
