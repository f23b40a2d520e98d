/* What the parts of the VHD repair share (internal to vhd_repair*.c): the disk as repair
 * reads it, leniently, without the reader (which refuses the disks repair is for). */
#ifndef VHD_REPAIR_INTERNAL_H
#define VHD_REPAIR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_format.h"
#include "vhd_repair.h"

enum footer_state { FOOTER_VALID, FOOTER_STALE_CHECKSUM, FOOTER_DAMAGED };

struct footer_read {
    uint8_t bytes[VHD_FOOTER_SIZE];
    vhd_footer footer;
    enum footer_state state;
    bool describes;             /* describes a disk that is there (vhd_repair_footer.c) */
    uint64_t at;                /* where it was read */
    size_t len;                 /* 512, or 511 for a short (pre-2004) end footer */
};

/* The two footers as found, and which one describes the disk. */
struct vhd_repair_footers {
    struct footer_read end, copy;
    bool end_wins;
};

typedef struct vhd_repair_job {
    vhd_io *io;
    const disk_repair_options *options;
    disk_repair_report *report;
    vhd_reader_error *error;
    uint64_t file_size;
    /* The footer that describes the disk (the end one or the copy, see vhd_repair_footer.c). */
    vhd_footer footer;
    bool sparse;
    /* Sparse disks: the dynamic header (its checksum possibly stale) and its block geometry. */
    vhd_dynamic_header header;
    uint32_t blocks;                /* entries the disk's size needs */
    uint64_t block_bytes;           /* bitmap and data of one block */
    uint64_t metadata_end;          /* end of the header, the table and the locators' data */
    /* Where the end footer belongs: after the metadata and every block kept (sparse). */
    uint64_t data_end;
    bool end_footer_valid;          /* the last 512 bytes are a valid footer */
    struct vhd_repair_footers footers;
} vhd_repair_job;

/* Says a change (made, or with dry_run to be made). */
#define vhd_repair_change(r, ...) disk_repair_say_change((r)->report, __VA_ARGS__)
#define vhd_repair_refuse(r, ...) disk_repair_say_refusal((r)->report, __VA_ARGS__)

/* Writes len bytes at offset and flushes: VHD_READER_IO (error set) if either fails. */
vhd_reader_code vhd_repair_write(vhd_repair_job *r, uint64_t offset, const void *buf, size_t len,
                                 const char *what);

/* Checks the footers and picks the one that describes the disk (r->footer); fills
 * r->header for a sparse disk. *usable false: nothing describes the disk (a refusal said). */
vhd_reader_code vhd_repair_pick_footer(vhd_repair_job *r, bool *usable);
/* Rewrites the footers that are not the picked one's bytes: the end one (placed after
 * r->data_end when it is missing), then the copy at offset 0. */
vhd_reader_code vhd_repair_write_footers(vhd_repair_job *r);
/* A dynamic header with a stale checksum and consistent fields: the checksum recomputed. */
vhd_reader_code vhd_repair_header_checksum(vhd_repair_job *r);
/* Block table entries outside the file, over the metadata or on another block: refused, or
 * with accept_loss dropped (the guest ranges listed); sets r->data_end. */
vhd_reader_code vhd_repair_table(vhd_repair_job *r);

/* A differencing disk's locators that no longer open its parent, found another way: rewritten
 * to it (vhd_repair_parent.c). */
vhd_reader_code vhd_repair_parent_paths(vhd_repair_job *r);

#endif
