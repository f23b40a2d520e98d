/* A vhd_io that wraps another one to inject failures, for reliability tests: it counts the
 * calls to create, write_at, flush, close, allocate, open, read_at and get_size, and can
 * fail the Nth of them, act as a disk that fills up after a number of bytes (writes and
 * allocations alike), or as a file that ends early for reads; set_size and publish are
 * counted and passed on when the inner back end has them. remove() and next_data() are passed
 * through and never counted. */
#ifndef VHD_IO_FAULT_H
#define VHD_IO_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"

enum vhd_io_fault_call {
    VHD_IO_FAULT_CREATE,
    VHD_IO_FAULT_WRITE,
    VHD_IO_FAULT_FLUSH,
    VHD_IO_FAULT_CLOSE,
    VHD_IO_FAULT_ALLOCATE,
    VHD_IO_FAULT_OPEN,
    VHD_IO_FAULT_READ,
    VHD_IO_FAULT_SIZE,
    VHD_IO_FAULT_SET_SIZE,
    VHD_IO_FAULT_PUBLISH
};

struct vhd_io_fault {
    vhd_io io;                 /* first member: a struct vhd_io_fault * is a vhd_io * */
    vhd_io *inner;

    /* Settings. */
    unsigned fail_at;          /* 1-based counted call to fail; 0 fails none */
    vhd_status fail_status;    /* what the failed call returns */
    bool torn_write;           /* a failing write first writes the first half of its bytes */
    uint64_t space_limit;      /* writes reaching beyond this file offset write what fits and
                                  fail with VHD_E_NO_SPACE; UINT64_MAX for no limit */
    uint64_t read_limit;       /* reads reaching beyond this file offset fail with
                                  VHD_E_END_OF_FILE, as if the file ended there (nothing is
                                  read); UINT64_MAX for no limit */
    /* Called after every counted call that succeeded, with its 1-based number. */
    void (*after_call)(void *ctx, unsigned call, enum vhd_io_fault_call kind);
    void *ctx;
    /* allocate() reports VHD_E_NOT_SUPPORTED (counted, passed nothing), as a file system
     * without fallocate does; allocate_unsupported_from: only from that allocate call on
     * (1-based; 0 with allocate_unsupported set means from the first). */
    bool allocate_unsupported;
    unsigned allocate_unsupported_from;

    /* Observations. */
    unsigned calls;            /* counted calls so far, the failed one included */
    enum vhd_io_fault_call last_call;
    unsigned writes;
    unsigned removes;          /* remove() calls (passed through, never failed) */
    size_t largest_write;
    uint64_t bytes_written;    /* by the inner back end */
    unsigned allocations;      /* allocate() calls */
    uint64_t bytes_allocated;  /* by the inner back end */
    unsigned reads;
    uint64_t bytes_read;       /* by the inner back end */
    unsigned next_data_calls;  /* next_data() calls (passed on, never counted nor failed) */
};

/* No failure, no space or read limit, counters at zero. */
void vhd_io_fault_init(struct vhd_io_fault *fault, vhd_io *inner);

#endif
