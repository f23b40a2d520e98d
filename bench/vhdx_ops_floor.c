/* vhdx_ops_floor: the floors of the VHDX jobs (bench_ops_vhdx.sh), as ops_floor.c is for the
 * VHD jobs: the same bytes read and written by one process with plain pread/pwrite in 1 MiB
 * pieces, one fdatasync, and no checks: what no implementation of the job can beat here.
 *
 *   vhdx_ops_floor copy SRC PROBE DST
 *       Convert across formats (VHD <-> VHDX, fixed or dynamic target). PROBE is vsdisk's own
 *       output of the same job, made once before the timed runs: it gives the target's layout
 *       (file size, where each block's data goes, which metadata bytes a writer writes). DST
 *       is created (O_EXCL) and given PROBE's size — reserved with one fallocate for a fixed
 *       target, as vsdisk reserves it; ftruncate for a dynamic one, whose data is appended (a
 *       first trial reserved it all and so timed ext4's unwritten-extent conversions the job
 *       does not pay) —
 *       PROBE's metadata bytes copied to the same offsets, then every allocated block of SRC
 *       read and written where PROBE keeps that guest range; one fdatasync.
 *   vhdx_ops_floor compact DISK
 *       Compact of a dynamic VHD or VHDX: every allocated block read (the zero test), the live
 *       blocks highest in the file copied into the lowest places of the all-zero blocks below
 *       them, the table rewritten in place, the file cut after the last block or metadata,
 *       (a VHD: its footer written there), one fdatasync.
 * Prints nothing; exit status 0, or 1 with a message. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_layout.h"

static void copy_job(const char *src_path, const char *probe_path, const char *dst_path, uint8_t *buf)
{
    floor_layout src, probe;
    floor_layout_open(&src, src_path, O_RDONLY);
    floor_layout_open(&probe, probe_path, O_RDONLY);
    if (src.size != probe.size)
        floor_die("the probe is not of the source's size", 0);
    int dst = open(dst_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (dst < 0)
        floor_die(dst_path, errno);
    int reserved = !probe.dynamic;
    if (reserved ? fallocate(dst, 0, 0, (off_t)probe.file_size) != 0
                 : ftruncate(dst, (off_t)probe.file_size) != 0)
        floor_die("fallocate/ftruncate", errno);
    for (uint32_t i = 0; i < probe.meta_count; i++)
        floor_copy(probe.fd, probe.meta[i].offset, dst, probe.meta[i].offset, probe.meta[i].length, buf);
    for (uint32_t i = 0; i < src.blocks; i++) {
        if (src.data[i] == FLOOR_ABSENT)
            continue;
        uint64_t guest = (uint64_t)i * src.block, end = guest + src.block;
        if (end > src.size)
            end = src.size;
        while (guest < end) {   /* split where the target's blocks end */
            uint64_t target_block = guest / probe.block, within = guest % probe.block;
            uint64_t n = probe.block - within;
            if (n > end - guest)
                n = end - guest;
            if (probe.data[target_block] != FLOOR_ABSENT)
                floor_copy(src.fd, src.data[i] + (guest - (uint64_t)i * src.block), dst,
                           probe.data[target_block] + within, n, buf);
            guest += n;
        }
    }
    if (fdatasync(dst) != 0 || close(dst) != 0)
        floor_die("fdatasync", errno);
    floor_layout_close(&src);
    floor_layout_close(&probe);
}

static int is_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int by_offset(const void *a, const void *b, void *data)
{
    const uint64_t *offsets = data;
    uint64_t x = offsets[*(const uint32_t *)a], y = offsets[*(const uint32_t *)b];
    return (x > y) - (x < y);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void compact_job(const char *path, uint8_t *buf)
{
    floor_layout d;
    floor_layout_open(&d, path, O_RDWR);
    if (!d.dynamic)
        floor_die("not a dynamic disk", 0);
    uint32_t *order = malloc((size_t)d.blocks * sizeof *order), n = 0;
    uint8_t *zero = calloc(d.blocks ? d.blocks : 1, 1);
    if (!order || !zero)
        floor_die("out of memory", 0);
    for (uint32_t i = 0; i < d.blocks; i++)
        if (d.data[i] != FLOOR_ABSENT)
            order[n++] = i;
    qsort_r(order, n, sizeof *order, by_offset, d.data);
    for (uint32_t k = 0; k < n; k++) {   /* the scan, in file order */
        uint32_t i = order[k];
        int all_zero = 1;
        for (uint64_t done = 0; done < d.block; done += FLOOR_PIECE) {
            size_t piece = d.block - done < FLOOR_PIECE ? (size_t)(d.block - done) : FLOOR_PIECE;
            if (pread(d.fd, buf, piece, (off_t)(d.data[i] + done)) != (ssize_t)piece)
                floor_die("scan", errno);
            all_zero = all_zero && is_zero(buf, piece);
        }
        zero[i] = (uint8_t)all_zero;
    }
    /* The moves: the highest live block into the lowest zero block's place below it. The VHD
     * block's bitmap moves with it (the 512 bytes before its data). */
    uint64_t before = d.vhdx ? 0 : 512;
    uint32_t low = 0, high = n;
    for (;;) {
        while (low < high && !zero[order[low]])
            low++;
        while (high > low && zero[order[high - 1]])
            high--;
        if (low >= high)
            break;
        uint32_t hole = order[low], live = order[high - 1];
        floor_copy(d.fd, d.data[live] - before, d.fd, d.data[hole] - before, before + d.block, buf);
        d.data[live] = d.data[hole];
        zero[hole] = 2;   /* its place taken (still a zero block) */
        low++;
        high--;
    }
    /* The table, in place: zero blocks not present, moved blocks at their new places. */
    uint8_t *table = malloc(d.table_bytes);
    if (!table || pread(d.fd, table, d.table_bytes, (off_t)d.table_offset) != (ssize_t)d.table_bytes)
        floor_die("table", errno);
    uint64_t end = 0;
    for (uint32_t i = 0; i < d.blocks; i++) {
        if (d.data[i] == FLOOR_ABSENT)
            continue;
        if (zero[i])   /* a zero block, its place taken or not */
            d.data[i] = FLOOR_ABSENT;
        else if (d.data[i] + d.block > end)
            end = d.data[i] + d.block;
        if (d.vhdx)
            put_le(table + 8 * ((uint64_t)i + i / d.chunk_ratio),
                   d.data[i] == FLOOR_ABSENT ? 0 : d.data[i] | 6, 8);
        else
            for (int b = 0; b < 4; b++)
                table[4 * (size_t)i + (size_t)b] = d.data[i] == FLOOR_ABSENT ? 0xFF
                    : (uint8_t)((d.data[i] - 512) / 512 >> (24 - 8 * b));
    }
    if (pwrite(d.fd, table, d.table_bytes, (off_t)d.table_offset) != (ssize_t)d.table_bytes)
        floor_die("table", errno);
    for (uint32_t i = 0; i < d.meta_count; i++)   /* a VHDX's metadata may lie after the data */
        if (d.vhdx && d.meta[i].offset + d.meta[i].length > end)
            end = d.meta[i].offset + d.meta[i].length;
    if (!d.vhdx) {
        if (pwrite(d.fd, d.footer, 512, (off_t)end) != 512)
            floor_die("footer", errno);
        end += 512;
    }
    if (ftruncate(d.fd, (off_t)end) != 0 || fdatasync(d.fd) != 0)
        floor_die("cut", errno);
    free(table);
    free(order);
    free(zero);
    floor_layout_close(&d);
}

int main(int argc, char **argv)
{
    uint8_t *buf = malloc(FLOOR_PIECE);
    if (!buf)
        floor_die("out of memory", 0);
    if (argc == 5 && strcmp(argv[1], "copy") == 0) {
        copy_job(argv[2], argv[3], argv[4], buf);
    } else if (argc == 3 && strcmp(argv[1], "compact") == 0) {
        compact_job(argv[2], buf);
    } else {
        fprintf(stderr, "usage: vhdx_ops_floor copy SRC PROBE DST | compact DISK\n");
        return 2;
    }
    free(buf);
    return 0;
}
