/* floor_layout: where a disk file keeps each block's data and its metadata, for the floor
 * programs of the benchmarks (vhdx_ops_floor, resize_floor). Reads the bench's own files only
 * (made by vsdisk or qemu-img moments before): each offset is checked against the file so a
 * wrong file stops the bench, but nothing here is hardened for untrusted input.
 *
 * Formats: a dynamic or fixed VHD, a dynamic or fixed VHDX (found by the file's signature). */
#ifndef FLOOR_LAYOUT_H
#define FLOOR_LAYOUT_H

#include <stdint.h>

/* A byte range of the file. */
typedef struct floor_range {
    uint64_t offset, length;
} floor_range;

typedef struct floor_layout {
    int fd;
    int vhdx, dynamic;
    uint64_t size;          /* the guest's bytes */
    uint64_t file_size;
    uint32_t block;         /* bytes of data per block (a fixed VHD: 2 MiB pieces) */
    uint32_t blocks;        /* blocks of the guest */
    uint64_t *data;         /* file offset of block i's data, FLOOR_ABSENT if not in the file */
    /* The metadata a writer of this file writes: VHD: footer copy, header, table, each
     * block's bitmap, footer; VHDX: file identifier, headers, region tables, metadata table
     * and items, table. */
    floor_range *meta;
    uint32_t meta_count;
    /* Where the block table is (VHD: 4-byte entries; VHDX: 8-byte entries, payload block i at
     * index i + i / chunk_ratio). */
    uint64_t table_offset, table_bytes;
    uint32_t chunk_ratio;
    uint64_t header_offset; /* a dynamic VHD's header */
    uint8_t footer[512];    /* a VHD's footer */
} floor_layout;

#define FLOOR_ABSENT UINT64_MAX

/* Stops the program with a message (and errno's text when error is set). */
void floor_die(const char *what, int error);
/* Opens path with flags (O_RDONLY or O_RDWR) and reads its layout; stops the program if it
 * is not one of the formats above. */
void floor_layout_open(floor_layout *layout, const char *path, int flags);
void floor_layout_close(floor_layout *layout);

/* Copies len bytes from one file offset to another through buf (1 MiB pieces). */
void floor_copy(int from, uint64_t at, int to, uint64_t where, uint64_t len, uint8_t *buf);

#define FLOOR_PIECE (1024u * 1024u)

#endif
