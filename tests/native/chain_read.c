/* chain_read CHILD OUT: the disk a chain makes, read through vsdisk's own reader (parents
 * found with the POSIX opener), written raw to OUT. For the writers' interop test. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "disk_chain.h"
#include "vhd_disk.h"
#include "vhd_io_posix.h"
#include "vhd_parent_posix.h"
#include "vhd_reader.h"

#define CHUNK_SECTORS 2048u

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: chain_read CHILD OUT\n");
        return 2;
    }
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, argv[1]);
    if (file.io.open(&file.io, VHD_IO_OPEN_READ) != VHD_OK) {
        fprintf(stderr, "chain_read: cannot open %s\n", argv[1]);
        return 1;
    }
    vhd_file_identity identity = vhd_io_posix_identity(&file);
    vhd_reader_error error;
    disk_chain *chain;
    if (disk_chain_open(&chain, &file.io, argv[1], &identity, &vhd_parent_posix_opener, NULL,
                       &error) != VHD_READER_OK) {
        fprintf(stderr, "chain_read: %s: %s\n", argv[1], error.reason);
        return 1;
    }
    uint64_t sectors = vhd_image_get_info(vhd_disk_image(disk_chain_image(chain, 0)))->footer.current_size / 512;
    FILE *out = fopen(argv[2], "wb");
    unsigned char *buf = malloc(CHUNK_SECTORS * 512);
    int status = out != NULL && buf != NULL ? 0 : 1;
    for (uint64_t lba = 0; status == 0 && lba < sectors; lba += CHUNK_SECTORS) {
        uint32_t count = sectors - lba < CHUNK_SECTORS ? (uint32_t)(sectors - lba) : CHUNK_SECTORS;
        if (disk_chain_read_sectors(chain, lba, count, buf, &error) != VHD_READER_OK ||
                fwrite(buf, 512, count, out) != count) {
            fprintf(stderr, "chain_read: sector %llu: %s\n", (unsigned long long)lba, error.reason);
            status = 1;
        }
    }
    printf("depth %u\n", disk_chain_depth(chain));
    if (out != NULL && fclose(out) != 0)
        status = 1;
    free(buf);
    disk_chain_close(chain);
    file.io.close(&file.io);
    return status;
}
