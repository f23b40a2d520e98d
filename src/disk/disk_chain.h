/* A disk and its parents, of any format: a differencing disk's parents found through the
 * caller's opener in the order its format says, each checked by its format to be the one the
 * child was made from, of the child's format and size; loops (the same disk or file twice)
 * and the depth bounded; sectors read through the chain. */
#ifndef DISK_CHAIN_H
#define DISK_CHAIN_H

#include "disk_image.h"

#define DISK_CHAIN_MAX_DEPTH 128u       /* images in a chain, the first included */

typedef struct disk_chain disk_chain;

/* Opens the image in io (opened for reading, named name, with identity, all kept by the
 * caller) and, if it is a differencing disk, its parents through opener. On failure *chain is
 * NULL and error says why (VHD_READER_PARENT_* for a parent that cannot be used). */
vhd_reader_code disk_chain_open(disk_chain **chain, vhd_io *io, const char *name,
                                const vhd_file_identity *identity,
                                const vhd_parent_opener *opener,
                                const vhd_reader_options *options, vhd_reader_error *error);
/* The same, but stops after max_depth images (2: the disk and its parent, whatever the
 * parent's own parents are). */
vhd_reader_code disk_chain_open_levels(disk_chain **chain, vhd_io *io, const char *name,
                                       const vhd_file_identity *identity,
                                       const vhd_parent_opener *opener,
                                       const vhd_reader_options *options, unsigned max_depth,
                                       vhd_reader_error *error);
/* A chain of one image opened as the format of class (a raw image: no parent). */
vhd_reader_code disk_chain_open_as(disk_chain **chain, const disk_image_class *class, vhd_io *io,
                                   const char *name, const vhd_file_identity *identity,
                                   const vhd_reader_options *options, vhd_reader_error *error);
void disk_chain_close(disk_chain *chain);
unsigned disk_chain_depth(const disk_chain *chain);          /* 1 for a lone image */
disk_image *disk_chain_image(const disk_chain *chain, unsigned level);   /* 0 = the child */
const char *disk_chain_name(const disk_chain *chain, unsigned level);
/* The file a level was opened on (level 0: the caller's io; the others: the opener's). */
vhd_io *disk_chain_file(const disk_chain *chain, unsigned level);

/* Reads count sectors at lba of the disk the chain makes: each sector from the first image
 * that holds it, zeros where none does. */
vhd_reader_code disk_chain_read_sectors(disk_chain *chain, uint64_t lba, uint32_t count,
                                        void *buf, vhd_reader_error *error);

#endif
