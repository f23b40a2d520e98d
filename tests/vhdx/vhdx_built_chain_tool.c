/* vhdx_built_chain PARENT CHILD [own]: writes a differencing VHDX chain made by the tests' builder
 * (vhdx_builder.c), independent of vsdisk's writers, for the shell tests: PARENT a dynamic
 * 8 MiB disk whose first 6 blocks (1 MiB) hold the builder's pattern, with the DataWriteGuid
 * the builder's children name; CHILD a differencing disk holding block 0 and every even
 * sector of block 1 (PARTIALLY_PRESENT), whose relative_path is ".\parent.vhdx": PARENT must
 * be named parent.vhdx, beside CHILD. With "own", the child's data bytes are the pattern XOR
 * 0x5A, so the chain reads otherwise than the parent where the child holds sectors (Merge). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx_builder.h"

/* {83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56} in Microsoft's byte layout. */
static const vhdx_guid linkage = { { 0xC3, 0x0E, 0xED, 0x83, 0xC8, 0x24, 0xDA, 0x49,
                                     0x8C, 0x2C, 0x6C, 0x2F, 0x7B, 0xB0, 0x2A, 0x56 } };

static int write_file(const char *path, const struct vhdx_built *built)
{
    FILE *f = fopen(path, "wbx");
    if (f == NULL || fwrite(built->data, 1, built->size, f) != built->size || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct vhdx_built parent, child;
    if (argc != 3 && !(argc == 4 && strcmp(argv[3], "own") == 0)) {
        fprintf(stderr, "usage: %s PARENT CHILD [own]\n", argv[0]);
        return 2;
    }
    vhdx_builder_build(&(struct vhdx_builder_spec){ .present_blocks = 6 }, &parent);
    for (int i = 0; i < 2; i++) {
        vhdx_header header;
        vhdx_builder_get_header(&parent, i, &header);
        header.data_write_guid = linkage;
        vhdx_builder_put_header(&parent, i, &header);
        vhdx_builder_fix_header(&parent, i);
    }
    vhdx_builder_build(&(struct vhdx_builder_spec){ .differencing = true, .present_blocks = 1,
                                                    .partial_block = true }, &child);
    for (uint64_t n = 0; argc == 4 && n < 2; n++) {
        uint64_t entry = vhdx_builder_get_bat(&child, vhdx_bat_payload_index(n, child.chunk_ratio));
        uint8_t *data = child.data + vhdx_bat_file_offset(entry);
        for (size_t i = 0; i < child.spec.block_size; i++)
            data[i] ^= 0x5A;
    }
    int status = write_file(argv[1], &parent) || write_file(argv[2], &child);
    vhdx_builder_free(&parent);
    vhdx_builder_free(&child);
    return status;
}
