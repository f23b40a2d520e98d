/* vhdx_chain OUT CHILD PARENT: reads the disk a differencing VHDX and its parent make, with
 * vsdisk's VHDX reader (one image at a time, so the chain is walked here): the child's sectors
 * where it holds them, the parent's where the child's map says NOT_HERE. Refuses (exit 1) a
 * child whose parent_linkage is not the parent's DataWriteGuid (compared without regard to
 * case), or whose sizes differ from the parent's. For the interop script: libvhdi 20210425
 * cannot read such a chain (it takes a NOT_PRESENT sector bitmap entry's offset 0 for a
 * bitmap at the start of the file). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vhd_io_posix.h"
#include "vhdx_reader.h"

#define CHUNK_SECTORS 2048u

struct opened {
    struct vhd_io_posix file;
    vhdx_image *image;
    const vhdx_image_info *info;
};

static int open_image(struct opened *o, const char *path)
{
    vhdx_reader_error error;
    vhd_io_posix_init(&o->file, path);
    if (o->file.io.open(&o->file.io, VHD_IO_OPEN_READ) != VHD_OK) {
        fprintf(stderr, "vhdx_chain: cannot open %s\n", path);
        return 0;
    }
    if (vhdx_image_open(&o->image, &o->file.io, NULL, &error) != VHDX_READER_OK) {
        fprintf(stderr, "vhdx_chain: %s: %s\n", path, error.reason);
        o->file.io.close(&o->file.io);
        return 0;
    }
    o->info = vhdx_image_get_info(o->image);
    return 1;
}

int main(int argc, char **argv)
{
    struct opened child, parent;
    vhdx_reader_error error;
    char linkage[39];
    if (argc != 4) {
        fprintf(stderr, "usage: vhdx_chain OUT CHILD PARENT\n");
        return 2;
    }
    if (!open_image(&child, argv[2]) || !open_image(&parent, argv[3]))
        return 1;
    vhdx_guid_format(&parent.info->header.data_write_guid, linkage);
    if (child.info->kind != VHDX_KIND_DIFFERENCING || child.info->parent_linkage == NULL ||
            strcasecmp(child.info->parent_linkage, linkage) != 0) {
        fprintf(stderr, "vhdx_chain: %s is not a child of %s (linkage %s, parent %s)\n", argv[2],
                argv[3], child.info->parent_linkage ? child.info->parent_linkage : "none", linkage);
        return 1;
    }
    if (child.info->virtual_size != parent.info->virtual_size ||
            child.info->logical_sector_size != parent.info->logical_sector_size) {
        fprintf(stderr, "vhdx_chain: the child's sizes are not the parent's\n");
        return 1;
    }
    uint32_t sector = child.info->logical_sector_size;
    uint64_t sectors = child.info->virtual_size / sector;
    uint8_t *buf = malloc((size_t)CHUNK_SECTORS * sector);
    FILE *out = fopen(argv[1], "wb");
    int status = buf != NULL && out != NULL ? 0 : 1;
    for (uint64_t lba = 0; status == 0 && lba < sectors; ) {
        uint32_t max = sectors - lba < CHUNK_SECTORS ? (uint32_t)(sectors - lba) : CHUNK_SECTORS;
        vhdx_extent extent;
        vhdx_image *from = child.image;
        if (vhdx_image_map(child.image, lba, max, &extent, &error) != VHDX_READER_OK) {
            fprintf(stderr, "vhdx_chain: sector %llu: %s\n", (unsigned long long)lba, error.reason);
            status = 1;
            break;
        }
        if (extent.state == VHDX_EXTENT_NOT_HERE)
            from = parent.image;
        if (vhdx_image_read_sectors(from, lba, extent.sectors, buf, &error) != VHDX_READER_OK ||
                fwrite(buf, sector, extent.sectors, out) != extent.sectors) {
            fprintf(stderr, "vhdx_chain: sector %llu: cannot read or write\n",
                    (unsigned long long)lba);
            status = 1;
        }
        lba += extent.sectors;
    }
    if (out != NULL && fclose(out) != 0)
        status = 1;
    free(buf);
    vhdx_image_close(child.image);
    vhdx_image_close(parent.image);
    child.file.io.close(&child.file.io);
    parent.file.io.close(&parent.file.io);
    return status;
}
