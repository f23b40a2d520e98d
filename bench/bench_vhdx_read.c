/* bench_vhdx_read: reading a VHDX through the library against reading the same bytes from a
 * raw file, and the reader's peak heap for the largest disks.
 *
 * Usage: bench_vhdx_read DIR [--runs N] [--warmup N] [--cold-runs N] [--read-mb N]
 *                        [--heap-mb N]
 *
 *   read: a dynamic VHDX of --read-mb MB (default 2048; a multiple of 32, its block size) whose
 *         every block holds data (written into blocks appended after the BAT, as a writer
 *         appends them), and a raw file of the same bytes; checked equal once (untimed). Each
 *         run reads the whole disk in 1 MiB requests: the VHDX opened by its content
 *         (disk_image_open, vhd_io_posix), read with disk_image_read_sectors and closed,
 *         against open(), pread() of the raw file, close(). Warm: both files in the page
 *         cache (what the reader adds to the copy); cold: both dropped from the page cache
 *         (posix_fadvise DONTNEED, both files flushed) before each run, --cold-runs runs.
 *   heap: a dynamic VHDX of --heap-mb MB (default 67,108,864 = 64 TiB) made by the writer, with
 *         32 MiB blocks (the default) and with 1 MiB blocks (a BAT of 513 MiB); the peak of
 *         the reader's heap (its allocator hook, counted) while it opens the disk, reads its
 *         first and last sector and closes it, against VHDX_READER_IMAGE_HEAP_MAX.
 * Contenders alternate which goes first; every file is unlinked at the end.
 * Output: "bench NAME key=value ..." lines, times in ms; last line "bench_vhdx_read: ok". */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "disk_image.h"
#include "vhd_io_posix.h"
#include "vhdx_create.h"
#include "vhdx_disk.h"
#include "vhdx_reader.h"

#define MB 1048576ull
#define REQUEST (1024u * 1024u)              /* bytes per read, both contenders */

static void make_dynamic(const char *path, uint64_t size, uint32_t block_size)
{
    struct vhd_io_posix file;
    vhdx_create_options options = { .size_bytes = size, .block_size = block_size };
    for (int i = 0; i < 16; i++)
        options.data_write_guid.bytes[i] = options.virtual_disk_id.bytes[i] = (uint8_t)(i + 1);
    vhd_io_posix_init(&file, path);
    vhd_status status = vhdx_create_dynamic(&file.io, &options);
    if (status != VHD_OK)
        bench_die(vhd_status_message(status), file.io.os_error);
}

static void open_posix(struct vhd_io_posix *file, const char *path)
{
    vhd_io_posix_init(file, path);
    vhd_status status = file->io.open(&file->io, VHD_IO_OPEN_READ);
    if (status != VHD_OK)
        bench_die(vhd_status_message(status), file->io.os_error);
}

static void open_image(disk_image **image, vhd_io *io, const vhd_reader_options *options)
{
    vhd_reader_error error;
    if (disk_image_open(image, io, options, &error) != VHD_READER_OK)
        bench_die(error.reason, 0);
}

static void read_image(disk_image *image, uint64_t lba, uint32_t sectors, void *buf)
{
    vhd_reader_error error;
    if (disk_image_read_sectors(image, lba, sectors, buf, &error) != VHD_READER_OK)
        bench_die(error.reason, 0);
}

static void pwrite_all(int fd, const void *buf, size_t len, uint64_t offset)
{
    if (pwrite(fd, buf, len, (off_t)offset) != (ssize_t)len)
        bench_die("pwrite", errno);
}

/* The content of the disk's byte range [offset, offset + len): a xorshift stream seeded by
 * the offset of each 1 MiB piece, so that every piece differs. len is REQUEST. */
static void fill_piece(uint8_t *buf, uint64_t offset)
{
    uint64_t x = offset / REQUEST * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < REQUEST; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
}

/* The VHDX: every payload block FULLY_PRESENT, in order after the BAT; the raw file: the
 * same bytes. Both flushed. */
static void make_read_files(const char *vhdx_path, const char *raw_path, uint64_t size, uint8_t *buf)
{
    make_dynamic(vhdx_path, size, 0);
    struct vhd_io_posix probe;
    vhdx_image *image;
    vhdx_reader_error error;
    open_posix(&probe, vhdx_path);
    if (vhdx_image_open(&image, &probe.io, NULL, &error) != VHDX_READER_OK)
        bench_die(error.reason, 0);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t bat = info->bat_region.file_offset, chunk_ratio = info->chunk_ratio;
    uint64_t block = info->block_size, next = info->file_size, blocks = info->data_blocks;
    vhdx_image_close(image);
    probe.io.close(&probe.io);
    if (size % block != 0)
        bench_die("--read-mb must be a multiple of the block size (32 MiB)", 0);

    int vhdx = open(vhdx_path, O_WRONLY | O_CLOEXEC);
    int raw = open(raw_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (vhdx == -1 || raw == -1)
        bench_die("open", errno);
    for (uint64_t b = 0; b < blocks; b++, next += block) {
        for (uint64_t done = 0; done < block; done += REQUEST) {
            fill_piece(buf, b * block + done);
            pwrite_all(raw, buf, REQUEST, b * block + done);
            pwrite_all(vhdx, buf, REQUEST, next + done);
        }
        /* Payload block b's entry: sector bitmap entries interleave after every chunk. */
        uint8_t entry[8];
        vhdx_put64(entry, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_FULLY_PRESENT, next));
        pwrite_all(vhdx, entry, 8, bat + 8 * (b + b / chunk_ratio));
    }
    if (fdatasync(vhdx) != 0 || fdatasync(raw) != 0)
        bench_die("fdatasync", errno);
    close(vhdx);
    close(raw);
}

/* Both read whole, compared piece by piece. */
static void check_equal(const char *vhdx_path, const char *raw_path, uint64_t size, uint8_t *a,
                        uint8_t *b)
{
    struct vhd_io_posix file;
    disk_image *image;
    open_posix(&file, vhdx_path);
    open_image(&image, &file.io, NULL);
    if (disk_image_info(image)->size != size)
        bench_die("the VHDX is not the size asked for", 0);
    int raw = open(raw_path, O_RDONLY | O_CLOEXEC);
    if (raw == -1)
        bench_die("open", errno);
    for (uint64_t at = 0; at < size; at += REQUEST) {
        read_image(image, at / DISK_SECTOR_SIZE, REQUEST / DISK_SECTOR_SIZE, a);
        if (pread(raw, b, REQUEST, (off_t)at) != (ssize_t)REQUEST)
            bench_die("pread", errno);
        if (memcmp(a, b, REQUEST) != 0)
            bench_die("the VHDX does not read as the raw file", 0);
    }
    close(raw);
    disk_image_close(image);
    file.io.close(&file.io);
}

static uint64_t read_size;
static uint8_t *read_buffer;

static double time_vhdx(const char *path)
{
    struct vhd_io_posix file;
    disk_image *image;
    double start = bench_now_ms();
    open_posix(&file, path);
    open_image(&image, &file.io, NULL);
    for (uint64_t at = 0; at < read_size; at += REQUEST)
        read_image(image, at / DISK_SECTOR_SIZE, REQUEST / DISK_SECTOR_SIZE, read_buffer);
    disk_image_close(image);
    file.io.close(&file.io);
    return bench_now_ms() - start;
}

static double time_raw(const char *path)
{
    double start = bench_now_ms();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        bench_die("open", errno);
    for (uint64_t at = 0; at < read_size; at += REQUEST)
        if (pread(fd, read_buffer, REQUEST, (off_t)at) != (ssize_t)REQUEST)
            bench_die("pread", errno);
    close(fd);
    return bench_now_ms() - start;
}

static void drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        bench_die("open", errno);
    int error = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (error != 0)
        bench_die("posix_fadvise", error);
    close(fd);
}

static void compare_reads(const char *name, const char *vhdx_path, const char *raw_path,
                          unsigned runs, unsigned warmup, int cold)
{
    double *tv = calloc(runs, sizeof(double)), *tr = calloc(runs, sizeof(double)),
           *ratio = calloc(runs, sizeof(double));
    char attributes[96], label[96];
    if (!tv || !tr || !ratio)
        bench_die("out of memory", 0);
    for (unsigned i = 0; i < warmup + runs; i++) {
        unsigned slot = i < warmup ? 0 : i - warmup;
        for (int turn = 0; turn < 2; turn++) {
            if (cold) {
                drop_cache(vhdx_path);
                drop_cache(raw_path);
            }
            if ((turn == 0) == (i % 2 == 0))
                tv[slot] = time_vhdx(vhdx_path);
            else
                tr[slot] = time_raw(raw_path);
        }
    }
    bench_ratios(tv, tr, ratio, runs);
    snprintf(attributes, sizeof attributes, "size_mb=%llu bytes=%llu",
             (unsigned long long)(read_size / MB), (unsigned long long)read_size);
    snprintf(label, sizeof label, "%s_vhdx", name);
    bench_print_summary(label, attributes, tv, runs);
    snprintf(label, sizeof label, "%s_raw", name);
    bench_print_summary(label, attributes, tr, runs);
    snprintf(label, sizeof label, "%s_ratio", name);
    bench_print_summary(label, attributes, ratio, runs);
    fflush(stdout);
    free(tv);
    free(tr);
    free(ratio);
}

/* ---- the reader's heap, counted through its allocator hook ----------------------------- */

static size_t heap_live, heap_peak;

/* Each block carries its size in front (16 bytes, keeping malloc's alignment). */
static void *counted_allocate(size_t size)
{
    unsigned char *block = malloc(size + 16);
    if (block == NULL)
        return NULL;
    memcpy(block, &size, sizeof size);
    heap_live += size;
    if (heap_live > heap_peak)
        heap_peak = heap_live;
    return block + 16;
}

static void counted_release(void *pointer)
{
    if (pointer == NULL)
        return;
    unsigned char *block = (unsigned char *)pointer - 16;
    size_t size;
    memcpy(&size, block, sizeof size);
    heap_live -= size;
    free(block);
}

static void measure_heap(const char *path, uint64_t size, uint32_t block_size)
{
    static const vhd_reader_options counted = { counted_allocate, counted_release };
    struct vhd_io_posix file;
    disk_image *image;
    uint8_t sector[DISK_SECTOR_SIZE];

    make_dynamic(path, size, block_size);
    open_posix(&file, path);
    heap_live = heap_peak = 0;
    open_image(&image, &file.io, &counted);
    const vhdx_image_info *info = vhdx_image_get_info(vhdx_disk_image(image));
    uint64_t file_size = info->file_size, log_length = info->header.log_length;
    uint64_t entries = info->bat_entries;
    read_image(image, 0, 1, sector);
    read_image(image, size / DISK_SECTOR_SIZE - 1, 1, sector);
    disk_image_close(image);
    file.io.close(&file.io);
    if (heap_live != 0)
        bench_die("the reader did not free all it allocated", 0);
    if (unlink(path) != 0)
        bench_die("unlink", errno);
    printf("bench vhdx_heap_%umib size_mb=%llu block_mb=%u bat_entries=%llu file_size=%llu "
           "peak=%zu bound=%zu\n", (unsigned)(block_size / MB), (unsigned long long)(size / MB),
           (unsigned)(block_size / MB), (unsigned long long)entries,
           (unsigned long long)file_size, heap_peak,
           (size_t)VHDX_READER_IMAGE_HEAP_MAX(file_size, log_length));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    bench_program = "bench_vhdx_read";
    unsigned runs = 15, warmup = 3, cold_runs = 5;
    unsigned long read_mb = 2048, heap_mb = 67108864;
    char vhdx_path[4096], raw_path[4096];
    if (argc < 2 || argc % 2 != 0)
        bench_die("usage: bench_vhdx_read DIR [--runs N] [--warmup N] [--cold-runs N] [--read-mb N] "
            "[--heap-mb N]", 0);
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = (unsigned)bench_parse_number(argv[i + 1], 1, 100000);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = (unsigned)bench_parse_number(argv[i + 1], 0, 100000);
        else if (strcmp(argv[i], "--cold-runs") == 0)
            cold_runs = (unsigned)bench_parse_number(argv[i + 1], 0, 100000);
        else if (strcmp(argv[i], "--read-mb") == 0)
            read_mb = bench_parse_number(argv[i + 1], 32, 67108864);
        else if (strcmp(argv[i], "--heap-mb") == 0)
            heap_mb = bench_parse_number(argv[i + 1], 32, 67108864);
        else
            bench_die("unknown option", 0);
    }
    if (snprintf(vhdx_path, sizeof vhdx_path, "%s/read.vhdx", argv[1]) >= (int)sizeof vhdx_path
        || snprintf(raw_path, sizeof raw_path, "%s/read.raw", argv[1]) >= (int)sizeof raw_path)
        bench_die("DIR is too long", 0);
    printf("bench vhdx_read_config runs=%u warmup=%u cold_runs=%u request=%u\n", runs, warmup,
           cold_runs, REQUEST);

    read_size = (uint64_t)read_mb * MB;
    read_buffer = malloc(REQUEST);
    uint8_t *other = malloc(REQUEST);
    if (read_buffer == NULL || other == NULL)
        bench_die("out of memory", 0);
    make_read_files(vhdx_path, raw_path, read_size, read_buffer);
    check_equal(vhdx_path, raw_path, read_size, read_buffer, other);
    compare_reads("vhdx_read_warm", vhdx_path, raw_path, runs, warmup, 0);
    if (cold_runs > 0)
        compare_reads("vhdx_read_cold", vhdx_path, raw_path, cold_runs, 0, 1);
    if (unlink(vhdx_path) != 0 || unlink(raw_path) != 0)
        bench_die("unlink", errno);
    free(other);
    free(read_buffer);

    measure_heap(vhdx_path, (uint64_t)heap_mb * MB, 32u * 1024 * 1024);
    measure_heap(vhdx_path, (uint64_t)heap_mb * MB, 1024u * 1024);
    printf("bench_vhdx_read: ok\n");
    return 0;
}
