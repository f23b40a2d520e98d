/* A vhd_io that writes into memory, for tests that need an image but no file. */
#ifndef MEMORY_IO_H
#define MEMORY_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"

struct memory_io {
    vhd_io io;
    uint8_t *data;     /* the file's bytes; holes read as zeros */
    size_t size;
    bool exists, open;
};

void memory_io_init(struct memory_io *mem);
/* An existing (closed) file holding a copy of len bytes of data; false if out of memory. */
bool memory_io_init_with(struct memory_io *mem, const void *data, size_t len);
void memory_io_free(struct memory_io *mem);

#endif
