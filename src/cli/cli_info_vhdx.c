/* vsdisk info: the fields of a VHDX (file identifier, headers, regions, metadata, log, parent
 * locator). */
#include <stdio.h>

#include "cli_info.h"

static const char *kind_name(vhdx_disk_kind kind)
{
    switch (kind) {
    case VHDX_KIND_FIXED:        return "fixed";
    case VHDX_KIND_DYNAMIC:      return "dynamic";
    case VHDX_KIND_DIFFERENCING: return "differencing";
    }
    return "unknown";
}

static void print_guid(const char *label, const vhdx_guid *guid)
{
    char text[39];
    vhdx_guid_format(guid, text);
    printf("%s: %s\n", label, text);
}

static const char *state_names[8] = {
    "not present", "undefined", "zero", "unmapped", "state 4", "state 5", "fully present",
    "partially present",
};

void cli_info_print_vhdx(const vhdx_image_info *info)
{
    const vhdx_header *h = &info->header;
    printf("kind: %s\n", kind_name(info->kind));
    printf("size: %llu\n", (unsigned long long)info->virtual_size);
    printf("file size: %llu\n", (unsigned long long)info->file_size);
    printf("block size: %u\n", (unsigned)info->block_size);
    printf("logical sector size: %u\n", (unsigned)info->logical_sector_size);
    printf("physical sector size: %u\n", (unsigned)info->physical_sector_size);
    printf("creator: %s\n", info->creator);
    print_guid("virtual disk id", &info->virtual_disk_id);
    printf("header: %u of 2%s, sequence number %llu, version %u, log version %u\n",
           info->current_header, info->headers_identical ? " (both identical)" : "",
           (unsigned long long)h->sequence_number, (unsigned)h->version,
           (unsigned)h->log_version);
    print_guid("file write guid", &h->file_write_guid);
    print_guid("data write guid", &h->data_write_guid);
    print_guid("log guid", &h->log_guid);
    printf("log: %u bytes at %llu\n", (unsigned)h->log_length, (unsigned long long)h->log_offset);
    if (info->log.state == VHDX_LOG_REPLAYED_IN_MEMORY)
        printf("log state: replayed in memory, the file unchanged (%u entries, sequence %llu to "
               "%llu, %llu data sectors, %llu zero descriptors)\n", (unsigned)info->log.entries,
               (unsigned long long)info->log.first_sequence,
               (unsigned long long)info->log.last_sequence,
               (unsigned long long)info->log.data_sectors,
               (unsigned long long)info->log.zero_descriptors);
    else
        printf("log state: empty\n");
    printf("region table: %u of 2, %u entries\n", info->region_table,
           (unsigned)info->region_count);
    for (uint32_t i = 0; i < info->region_count && i < VHDX_READER_REGIONS_KEPT; i++) {
        const vhdx_region_info *r = &info->regions[i];
        char guid[39];
        vhdx_guid_format(&r->entry.guid, guid);
        printf("region: %s %u bytes at %llu%s%s\n", guid, (unsigned)r->entry.length,
               (unsigned long long)r->entry.file_offset, r->entry.required & 1 ? ", required" : "",
               r->known ? "" : ", unknown");
    }
    printf("metadata items: %u\n", (unsigned)info->metadata_count);
    printf("blocks: %llu", (unsigned long long)info->data_blocks);
    for (unsigned s = 0; s < 8; s++) {
        if (info->payload_states[s] != 0)
            printf(", %llu %s", (unsigned long long)info->payload_states[s], state_names[s]);
    }
    putchar('\n');
    if (info->kind != VHDX_KIND_DIFFERENCING)
        return;
    printf("parent linkage: %s\n", info->parent_linkage ? info->parent_linkage : "(none)");
    if (info->parent_linkage2 != NULL)
        printf("parent linkage2: %s\n", info->parent_linkage2);
    for (uint32_t i = 0; i < info->locator_count && i < VHDX_READER_LOCATOR_ENTRIES_MAX; i++)
        printf("parent locator: %s = %s\n", info->locator[i].key, info->locator[i].value);
}
