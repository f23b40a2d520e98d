/* "vsdisk info FILE": what a VHD is, read with the same reader as GetHardDisk. One
 * "field: value" line each; for a differencing disk, its parent found through the locators
 * (relative ones from the child's folder). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_path_error.h"
#include "disk_chain.h"
#include "vhd_parent_posix.h"
#include "vhd_reader.h"

static const char help_text[] =
    "Describes FILE, a VHD of any kind (fixed, dynamic or differencing) made by any tool:\n"
    "kind, sizes, geometry, creator, unique id, and for a differencing disk its parent's\n"
    "unique id, name and locators, and the parent file found through them (relative\n"
    "locators are read from the child's folder). Every field is checked; a file that is\n"
    "not a valid VHD is refused with the reason. Unique ids are printed as stored (as\n"
    "vhdiinfo does), then as Windows reads them (a GUID).\n"
    "\n"
    "Exit status: 0 described (also when a differencing disk's parent is missing: the\n"
    "'parent file' line says so); 1 not a valid VHD or not readable; 2 bad arguments.\n"
    "\n"
    "  -h, --help     show this help\n";

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

static void print_image(const vhd_image_info *info)
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

int cli_info(const char *name, int argc, char **argv)
{
    int first = 1;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: %s FILE\n%s", name, help_text);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    else if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0') {
        fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[1], name);
        return CLI_EXIT_USAGE;
    }
    if (argc - first != 1) {
        fprintf(stderr, "%s: expected FILE; try '%s --help'\n", name, name);
        return CLI_EXIT_USAGE;
    }
    const char *path = argv[first];

    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_status status = file.io.open(&file.io, VHD_IO_OPEN_READ);
    if (status != VHD_OK) {
        char sentence[512];
        if (status == VHD_E_IN_USE)
            snprintf(sentence, sizeof sentence, "in use: another process holds it for writing");
        else if (!cli_path_error(path, file.io.os_error, false, sentence, sizeof sentence))
            snprintf(sentence, sizeof sentence, "cannot be opened: %s (%s)",
                     vhd_status_message(status), strerror(file.io.os_error));
        fprintf(stderr, "%s: %s: %s\n", name, path, sentence);
        return CLI_EXIT_FAILED;
    }

    vhd_reader_error error;
    vhd_image *image;
    int result = CLI_EXIT_OK;
    if (vhd_image_open(&image, &file.io, NULL, &error) != VHD_READER_OK) {
        fprintf(stderr, "%s: %s: %s: %s\n", name, path,
                vhd_reader_code_is_invalid_file(error.code) ? "not a valid VHD"
                                                           : vhd_reader_code_name(error.code),
                error.reason);
        file.io.close(&file.io);
        return CLI_EXIT_FAILED;
    }
    printf("file: %s\n", path);
    print_image(vhd_image_get_info(image));

    if (vhd_image_get_info(image)->footer.disk_type == VHD_DISK_TYPE_DIFFERENCING) {
        disk_chain *chain;
        vhd_file_identity identity = vhd_io_posix_identity(&file);
        if (disk_chain_open(&chain, &file.io, path, &identity, &vhd_parent_posix_opener, NULL,
                           &error) == VHD_READER_OK) {
            printf("parent file: %s\n", disk_chain_name(chain, 1));
            printf("chain depth: %u\n", disk_chain_depth(chain));
            disk_chain_close(chain);
        } else {
            printf("parent file: none (%s)\n", error.reason);
        }
    }
    vhd_image_close(image);
    file.io.close(&file.io);
    if (fflush(stdout) != 0)
        result = CLI_EXIT_FAILED;
    return result;
}
