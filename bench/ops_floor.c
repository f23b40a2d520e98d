/* ops_floor: the floor of each disk job, for bench_ops.sh: the same bytes read and written
 * sequentially by one process with plain pread/pwrite in 1 MiB pieces, one fdatasync, and no
 * checks: what no implementation of the job can beat on this machine.
 *
 *   ops_floor fixed SRC DST          Convert dynamic -> fixed: DST reserved (fallocate) to the
 *                                    disk size + 512, every allocated block's data read from SRC
 *                                    and written at its guest offset, the footer, fdatasync.
 *   ops_floor flatten CHILD PARENT DST   MergeTo: each block read from CHILD if it has it, else
 *                                    from PARENT, appended to DST (bitmap and data), then the
 *                                    table and the footer, fdatasync.
 *   ops_floor merge CHILD PARENT     Merge: each block of CHILD written over the same block of
 *                                    PARENT, or appended to PARENT (bitmap and data) where it has
 *                                    none, then PARENT's table and footer, fdatasync.
 *   ops_floor compact DISK K         Compact of a disk whose K lowest blocks are the zero ones:
 *                                    every allocated block read, the K highest copied into the
 *                                    K lowest places, the table written, the file cut, fdatasync.
 * Both disks are dynamic-format VHDs with whole blocks (every bitmap bit set). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIECE (1024u * 1024u)

static void die(const char *what)
{
    fprintf(stderr, "ops_floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

struct disk {
    int fd;
    uint64_t size, file_size, table;
    uint32_t entries, block;
    uint32_t *bat;
    uint8_t footer[512];
};

static void open_disk(struct disk *d, const char *path, int flags)
{
    uint8_t header[1024];
    d->fd = open(path, flags);
    if (d->fd < 0)
        die(path);
    d->file_size = (uint64_t)lseek(d->fd, 0, SEEK_END);
    if (pread(d->fd, d->footer, 512, (off_t)(d->file_size - 512)) != 512)
        die("footer");
    d->size = be(d->footer + 48, 8);
    if (pread(d->fd, header, 1024, (off_t)be(d->footer + 16, 8)) != 1024)
        die("header");
    d->table = be(header + 16, 8);
    d->entries = (uint32_t)be(header + 28, 4);
    d->block = (uint32_t)be(header + 32, 4);
    d->bat = malloc((size_t)d->entries * 4);
    uint8_t *raw = malloc((size_t)d->entries * 4);
    if (pread(d->fd, raw, (size_t)d->entries * 4, (off_t)d->table) != (ssize_t)d->entries * 4)
        die("table");
    for (uint32_t i = 0; i < d->entries; i++)
        d->bat[i] = (uint32_t)be(raw + 4 * (size_t)i, 4);
    free(raw);
}

static void copy(int from, uint64_t at, int to, uint64_t where, uint64_t len, uint8_t *buf)
{
    for (uint64_t done = 0; done < len; done += PIECE) {
        size_t n = len - done < PIECE ? (size_t)(len - done) : PIECE;
        if (pread(from, buf, n, (off_t)(at + done)) != (ssize_t)n)
            die("read");
        if (pwrite(to, buf, n, (off_t)(where + done)) != (ssize_t)n)
            die("write");
    }
}

int main(int argc, char **argv)
{
    uint8_t *buf = malloc(PIECE);
    if (argc == 4 && strcmp(argv[1], "fixed") == 0) {
        struct disk src;
        open_disk(&src, argv[2], O_RDONLY);
        int dst = open(argv[3], O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (dst < 0 || fallocate(dst, 0, 0, (off_t)(src.size + 512)) != 0)
            die(argv[3]);
        for (uint32_t i = 0; i < src.entries; i++)
            if (src.bat[i] != 0xFFFFFFFFu)
                copy(src.fd, (uint64_t)src.bat[i] * 512 + 512, dst, (uint64_t)i * src.block,
                     src.block, buf);
        if (pwrite(dst, src.footer, 512, (off_t)src.size) != 512 || fdatasync(dst) != 0)
            die("footer");
        close(dst);
    } else if (argc == 5 && strcmp(argv[1], "flatten") == 0) {
        struct disk child, parent;
        open_disk(&child, argv[2], O_RDONLY);
        open_disk(&parent, argv[3], O_RDONLY);
        int dst = open(argv[4], O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (dst < 0)
            die(argv[4]);
        uint64_t next = 8192;
        memset(buf, 0xFF, 512);
        for (uint32_t i = 0; i < child.entries; i++) {
            const struct disk *d = child.bat[i] != 0xFFFFFFFFu ? &child
                                   : parent.bat[i] != 0xFFFFFFFFu ? &parent : NULL;
            if (d == NULL)
                continue;
            memset(buf, 0xFF, 512);
            if (pwrite(dst, buf, 512, (off_t)(next - 512)) != 512)
                die("bitmap");
            copy(d->fd, (uint64_t)d->bat[i] * 512 + 512, dst, next, child.block, buf);
            next += child.block + 4096;
        }
        copy(parent.fd, parent.table, dst, 1536, (uint64_t)parent.entries * 4, buf);
        if (pwrite(dst, parent.footer, 512, (off_t)(next - 512)) != 512 || fdatasync(dst) != 0)
            die("footer");
        close(dst);
    } else if (argc == 4 && strcmp(argv[1], "merge") == 0) {
        struct disk child, parent;
        open_disk(&child, argv[2], O_RDONLY);
        open_disk(&parent, argv[3], O_RDWR);
        uint64_t next = parent.file_size - 512;   /* new blocks go where the footer was */
        for (uint32_t i = 0; i < child.entries; i++) {
            if (child.bat[i] == 0xFFFFFFFFu)
                continue;
            if (parent.bat[i] == 0xFFFFFFFFu) {
                memset(buf, 0xFF, 512);
                if (pwrite(parent.fd, buf, 512, (off_t)next) != 512)
                    die("bitmap");
                parent.bat[i] = (uint32_t)(next / 512);
                next += 512 + child.block;
            }
            copy(child.fd, (uint64_t)child.bat[i] * 512 + 512, parent.fd,
                 (uint64_t)parent.bat[i] * 512 + 512, child.block, buf);
        }
        uint8_t *raw = malloc((size_t)parent.entries * 4);
        for (uint32_t i = 0; i < parent.entries; i++)
            for (int b = 0; b < 4; b++)
                raw[4 * (size_t)i + (size_t)b] = (uint8_t)(parent.bat[i] >> (24 - 8 * b));
        if (pwrite(parent.fd, raw, (size_t)parent.entries * 4, (off_t)parent.table)
                != (ssize_t)parent.entries * 4
            || pwrite(parent.fd, parent.footer, 512, (off_t)next) != 512 || fdatasync(parent.fd) != 0)
            die("table");
        free(raw);
        close(parent.fd);
    } else if (argc == 4 && strcmp(argv[1], "compact") == 0) {
        struct disk d;
        open_disk(&d, argv[2], O_RDWR);
        uint32_t k = (uint32_t)strtoul(argv[3], NULL, 10);
        uint32_t *order = malloc((size_t)d.entries * 4), n = 0;
        for (uint32_t i = 0; i < d.entries; i++)
            if (d.bat[i] != 0xFFFFFFFFu)
                order[n++] = d.bat[i];
        /* Blocks in file order: the entries are sorted by address (selection is enough: the
         * floor times I/O; sorting a few thousand numbers is nothing). */
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = i + 1; j < n; j++)
                if (order[j] < order[i]) {
                    uint32_t t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
        for (uint32_t i = 0; i < n; i++)   /* the scan */
            for (uint64_t done = 0; done < d.block; done += PIECE)
                if (pread(d.fd, buf, PIECE, (off_t)((uint64_t)order[i] * 512 + 512 + done)) != PIECE)
                    die("scan");
        for (uint32_t i = 0; i < k && i < n; i++)   /* the moves */
            copy(d.fd, (uint64_t)order[n - 1 - i] * 512, d.fd, (uint64_t)order[i] * 512,
                 d.block + 512, buf);
        copy(d.fd, d.table, d.fd, d.table, (uint64_t)d.entries * 4, buf);
        uint64_t end = (uint64_t)order[n - 1 - k] * 512 + 512 + d.block;
        if (pwrite(d.fd, d.footer, 512, (off_t)end) != 512 || ftruncate(d.fd, (off_t)(end + 512)) != 0
            || fdatasync(d.fd) != 0)
            die("cut");
        close(d.fd);
    } else {
        fprintf(stderr, "usage: ops_floor fixed SRC DST | flatten CHILD PARENT DST | merge CHILD PARENT | "
                        "compact DISK K\n");
        return 2;
    }
    free(buf);
    return 0;
}
