/* vhdx_dump FILE [OUT]: opens FILE with vsdisk's VHDX reader, prints what it found (one
 * "key: value" a line), and with OUT writes the disk's content raw (this image alone: zeros
 * where it holds nothing). For the interop test against qemu-img convert. Exit 0 if it
 * opened (and OUT was written), 1 if not (the reason on stderr), 2 for a bad command line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "vhd_io_posix.h"
#include "vhdx_reader.h"

#define CHUNK_BYTES (1024u * 1024u)

static const char *kind_name(vhdx_disk_kind kind)
{
    return kind == VHDX_KIND_FIXED ? "fixed" : kind == VHDX_KIND_DYNAMIC ? "dynamic"
                                                                          : "differencing";
}

static void print_info(const vhdx_image_info *info)
{
    char guid[39];
    printf("kind: %s\n", kind_name(info->kind));
    printf("virtual_size: %llu\n", (unsigned long long)info->virtual_size);
    printf("block_size: %u\n", (unsigned)info->block_size);
    printf("logical_sector_size: %u\n", (unsigned)info->logical_sector_size);
    printf("physical_sector_size: %u\n", (unsigned)info->physical_sector_size);
    printf("creator: %s\n", info->creator);
    vhdx_guid_format(&info->virtual_disk_id, guid);
    printf("virtual_disk_id: %s\n", guid);
    vhdx_guid_format(&info->header.data_write_guid, guid);
    printf("data_write_guid: %s\n", guid);
    printf("current_header: %u\n", info->current_header);
    printf("headers_identical: %d\n", info->headers_identical);
    printf("sequence_number: %llu\n", (unsigned long long)info->header.sequence_number);
    printf("log: offset %llu length %u\n", (unsigned long long)info->header.log_offset,
           (unsigned)info->header.log_length);
    printf("bat_region: %llu %u\n", (unsigned long long)info->bat_region.file_offset,
           (unsigned)info->bat_region.length);
    printf("metadata_region: %llu %u\n", (unsigned long long)info->metadata_region.file_offset,
           (unsigned)info->metadata_region.length);
    printf("bat_entries: %llu\n", (unsigned long long)info->bat_entries);
    for (unsigned s = 0; s < 8; s++)
        if (info->payload_states[s])
            printf("payload_state_%u: %llu\n", s, (unsigned long long)info->payload_states[s]);
    printf("log_replayed: %d entries %u data_sectors %llu zero_descriptors %llu\n",
           info->log.state == VHDX_LOG_REPLAYED_IN_MEMORY, (unsigned)info->log.entries,
           (unsigned long long)info->log.data_sectors,
           (unsigned long long)info->log.zero_descriptors);
    for (unsigned i = 0; i < info->locator_count; i++)
        printf("locator: %s=%s\n", info->locator[i].key, info->locator[i].value);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: vhdx_dump FILE [OUT]\n");
        return 2;
    }
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, argv[1]);
    if (file.io.open(&file.io, VHD_IO_OPEN_READ) != VHD_OK) {
        fprintf(stderr, "vhdx_dump: cannot open %s\n", argv[1]);
        return 1;
    }
    vhdx_reader_error error;
    vhdx_image *image;
    if (vhdx_image_open(&image, &file.io, NULL, &error) != VHDX_READER_OK) {
        fprintf(stderr, "vhdx_dump: %s: %s: %s\n", argv[1], vhdx_reader_code_name(error.code),
                error.reason);
        file.io.close(&file.io);
        return 1;
    }
    const vhdx_image_info *info = vhdx_image_get_info(image);
    print_info(info);
    int status = 0;
    if (argc == 3) {
        FILE *out = fopen(argv[2], "wb");
        unsigned char *buf = malloc(CHUNK_BYTES);
        uint32_t per_chunk = CHUNK_BYTES / info->logical_sector_size;
        uint64_t sectors = info->virtual_size / info->logical_sector_size;
        status = out != NULL && buf != NULL ? 0 : 1;
        for (uint64_t lba = 0; status == 0 && lba < sectors; lba += per_chunk) {
            uint32_t count = sectors - lba < per_chunk ? (uint32_t)(sectors - lba) : per_chunk;
            if (vhdx_image_read_sectors(image, lba, count, buf, &error) != VHDX_READER_OK) {
                fprintf(stderr, "vhdx_dump: sector %llu: %s\n", (unsigned long long)lba,
                        error.reason);
                status = 1;
            } else if (fwrite(buf, info->logical_sector_size, count, out) != count) {
                status = 1;
            }
        }
        if (out != NULL && fclose(out) != 0)
            status = 1;
        free(buf);
    }
    vhdx_image_close(image);
    file.io.close(&file.io);
    return status;
}
