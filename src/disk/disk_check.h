/* Check of a disk and its whole chain, read-only: every problem named with where it is and
 * what it means. The reader's refusal of a file is one problem (the reader stops at the
 * first); a file the reader accepts is then checked by its format's room (class->check) for
 * what the reader forgives or does not look at (a damaged copy of a structure, a log to
 * replay, space nothing refers to); a differencing disk's parent that cannot be found or is
 * not the one it was made from is one more; a path a differencing disk records for its parent
 * that no longer opens it, while the chain found the parent another way, is a warning
 * (parent-path-stale: repair rewrites it). Nothing is ever written. */
#ifndef DISK_CHECK_H
#define DISK_CHECK_H

#include <stdbool.h>
#include "disk_image.h"
#include "disk_problem.h"

/* Where a problem is: the file it is in (the disk's name, or a parent's as the chain found
 * it). */
typedef void (*disk_check_sink)(void *ctx, const char *file, const disk_problem *problem);

typedef struct disk_check_counts {
    unsigned corruptions, leaks;
    unsigned warnings;              /* the disk reads correctly: never a corruption */
    unsigned images;                /* images checked: the disk and the parents found */
} disk_check_counts;

/* Checks the disk in io (open for reading, named name, with identity) and its parents
 * (through opener). Returns VHD_READER_OK when the check finished, whatever it found (counts
 * says what); VHD_READER_IO or VHD_READER_NO_MEMORY when it could not finish (error says
 * why; the problems reported until then stand). */
vhd_reader_code disk_check(vhd_io *io, const char *name, const vhd_file_identity *identity,
                           const vhd_parent_opener *opener, disk_check_sink sink, void *ctx,
                           disk_check_counts *counts, vhd_reader_error *error);

#endif
