/* sparse_fixed PATH SIZE_MB: a fixed disk made by vsdisk's own fixed writer (vhd_create_fixed),
 * with its data area reserved sparsely (the file only grows, nothing is allocated), so that
 * other readers can check the footer of a 127 GB or 2040 GiB fixed disk on a small volume.
 * Only the reservation differs from "vsdisk create --fixed": the footer is the writer's. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_create_fixed.h"
#include "vhd_io_posix.h"

static vhd_status grow_sparsely(vhd_io *io, uint64_t offset, uint64_t len)
{
    uint64_t size;
    vhd_status status = io->get_size(io, &size);
    if (status == VHD_OK && offset + len > size)
        status = io->set_size(io, offset + len);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sparse_fixed PATH SIZE_MB\n");
        return 2;
    }
    struct vhd_io_posix file;
    vhd_create_options options;
    memset(&options, 0, sizeof options);
    options.size_bytes = strtoull(argv[2], NULL, 10) * 1048576u;
    options.timestamp = vhd_timestamp_from_unix(1700000000);
    for (unsigned i = 0; i < sizeof options.unique_id; i++)
        options.unique_id[i] = (uint8_t)(0x51 + i);
    vhd_io_posix_init(&file, argv[1]);
    file.io.allocate = grow_sparsely;
    vhd_status status = vhd_create_fixed(&file.io, &options);
    if (status != VHD_OK) {
        fprintf(stderr, "sparse_fixed: %s: %s\n", argv[1], vhd_status_message(status));
        return 1;
    }
    return 0;
}
