/* Creation of fixed-size VHD files: the guest's data area, really allocated and reading as
 * zeros, then one footer. */
#ifndef VHD_CREATE_FIXED_H
#define VHD_CREATE_FIXED_H

#include <stdint.h>
#include "vhd_create.h"
#include "vhd_io.h"
#include "vhd_status.h"

/* Size of the file a fixed disk of size_bytes occupies (size_bytes + 512); 0 for an invalid
 * size. */
uint64_t vhd_fixed_file_size(uint64_t size_bytes);

/* io->allocate() calls per data area when the back end does not say (io->allocation_steps). */
#define VHD_ALLOCATION_STEPS 64u

/* Bytes reserved per io->allocate() call (a multiple of 1 MiB, at most io->allocation_steps
 * calls per disk): the allocation goes in steps so that progress moves and a cancel is seen
 * during it. */
uint64_t vhd_fixed_allocation_step(const vhd_io *io, uint64_t size_bytes);

/* Writes a new fixed disk into a file io->create() has already made, then flushes and closes
 * it. The data area is reserved with io->allocate(); where that is not supported it is
 * written with zeros (bounded buffer). On any failure or cancel the file is closed and
 * removed. The footer is written last, after a flush: until then the file is not a disk. */
vhd_status vhd_write_fixed(vhd_io *io, const vhd_create_options *options);

/* io->create() followed by vhd_write_fixed(). Nothing is created for an invalid size. */
vhd_status vhd_create_fixed(vhd_io *io, const vhd_create_options *options);

#endif
