/* vsdisk info: the fields of a VHD (footer, dynamic header, locators). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <time.h>

#include "cli_info.h"

static const char *kind_name(uint32_t type)
{
    switch (type) {
    case VHD_DISK_TYPE_FIXED:        return "fixed";
    case VHD_DISK_TYPE_DYNAMIC:      return "dynamic";
    case VHD_DISK_TYPE_DIFFERENCING: return "differencing";
    }
    return "unknown";
}

static void print_code(uint32_t code)
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(code >> (24 - 8 * i));
        if (c >= 0x20 && c < 0x7F)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
}

static void print_bytes4(const uint8_t *p)
{
    print_code((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static void print_timestamp(const char *label, uint32_t stamp)
{
    time_t t = (time_t)(946684800 + (int64_t)stamp);
    struct tm tm;
    char text[32] = "?";
    if (gmtime_r(&t, &tm) != NULL)
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%s: %s (%u)\n", label, text, (unsigned)stamp);
}

static void print_id(const char *label, const uint8_t id[16])
{
    char raw[37], guid[39];
    vhd_unique_id_format(id, raw);
    vhd_unique_id_format_guid(id, guid);
    printf("%s: %s %s\n", label, raw, guid);
}

void cli_info_print_vhd(const vhd_image_info *info)
{
    const vhd_footer *f = &info->footer;
    printf("kind: %s\n", kind_name(f->disk_type));
    printf("size: %llu\n", (unsigned long long)f->current_size);
    printf("original size: %llu\n", (unsigned long long)f->original_size);
    printf("file size: %llu\n", (unsigned long long)info->file_size);
    printf("geometry: %u/%u/%u\n", f->disk_geometry.cylinders, f->disk_geometry.heads,
           f->disk_geometry.sectors_per_track);
    printf("creator: ");
    print_bytes4(f->creator_application);
    printf(" %u.%u ", (unsigned)(f->creator_version >> 16), (unsigned)(f->creator_version & 0xFFFF));
    print_code(f->creator_host_os);
    putchar('\n');
    printf("format version: %u.%u\n", (unsigned)(f->file_format_version >> 16),
           (unsigned)(f->file_format_version & 0xFFFF));
    print_id("unique id", f->unique_id);
    print_timestamp("timestamp", f->timestamp);
    printf("saved state: %s\n", f->saved_state ? "yes" : "no");
    if (info->footer_from_copy)
        printf("footer: damaged at the end; the copy at offset 0 is used\n");
    if (f->disk_type == VHD_DISK_TYPE_FIXED)
        return;
    printf("block size: %u\n", (unsigned)info->header.block_size);
    printf("blocks: %u (%u allocated)\n", (unsigned)info->blocks, (unsigned)info->allocated_blocks);
    if (f->disk_type != VHD_DISK_TYPE_DIFFERENCING)
        return;
    print_id("parent unique id", info->header.parent_unique_id);
    print_timestamp("parent timestamp", info->header.parent_timestamp);
    printf("parent name: %s\n", info->parent_name);
    for (unsigned i = 0; i < info->locator_count; i++) {
        const vhd_locator_info *l = &info->locators[i];
        printf("parent locator: ");
        print_code(l->platform_code);
        printf(" %s\n", l->path != NULL ? l->path : "(not decoded)");
    }
}
