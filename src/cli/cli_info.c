/* "vsdisk info [--json] FILE": what a VHD or VHDX is, read with the same reader as
 * GetHardDisk. One "field: value" line each (the format's own in cli_info_vhd.c and
 * cli_info_vhdx.c), or one JSON object; for a differencing disk, its parent found through
 * the locators (relative ones from the child's folder). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_info.h"
#include "cli_path_error.h"
#include "disk_chain.h"
#include "vhd_disk.h"
#include "vhd_parent_posix.h"
#include "vhdx_disk.h"

static const char help_text[] =
    "Describes FILE, a VHD or VHDX of any kind (fixed, dynamic or differencing) made by any\n"
    "tool; the format is read from the content, never from the name. For a VHD: kind,\n"
    "sizes, geometry, creator, unique id, and for a differencing disk its parent's unique\n"
    "id, name and locators. For a VHDX: kind, sizes, block and sector sizes, creator, the\n"
    "virtual disk id, the current header (sequence number, FileWriteGuid, DataWriteGuid,\n"
    "LogGuid), the regions, the log (a log left by a crash is replayed in memory: the file\n"
    "is never written), the blocks by state, and a child's parent locator. For a\n"
    "differencing disk, the parent file found through its locators (relative ones from the\n"
    "child's folder). Every field is checked; a file that is not a valid VHD or VHDX is\n"
    "refused with the reason. VHD unique ids are printed as stored (as vhdiinfo does), then\n"
    "as Windows reads them (a GUID).\n"
    "\n"
    "  --json         one JSON object instead: format, kind, size, file_size, block_size,\n"
    "                 logical_sector_size, physical_sector_size, parent (the parent file\n"
    "                 found, or null) and chain_depth\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 described (also when a differencing disk's parent is missing: the\n"
    "'parent file' line says so, and parent is null); 1 not a valid VHD or VHDX, or not\n"
    "readable; 2 bad arguments.\n";

/* A JSON string of text (UTF-8 kept as it is). */
static void print_json_string(const char *text)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_json(const disk_info *info, const char *parent, unsigned depth)
{
    printf("{\"format\": \"%s\", \"kind\": \"%s\", \"size\": %llu, \"file_size\": %llu, "
           "\"block_size\": %u, \"logical_sector_size\": %u, \"physical_sector_size\": %u, "
           "\"parent\": ", info->format == DISK_FORMAT_VHDX ? "vhdx" : "vhd",
           disk_kind_name(info->kind), (unsigned long long)info->size,
           (unsigned long long)info->file_size, (unsigned)info->block_size,
           (unsigned)info->logical_sector_size, (unsigned)info->physical_sector_size);
    if (parent != NULL)
        print_json_string(parent);
    else
        fputs("null", stdout);
    printf(", \"chain_depth\": %u}\n", depth);
}

int cli_info(const char *name, int argc, char **argv)
{
    int first = 1;
    bool json = false;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        }
        if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
            printf("Usage: %s [--json] FILE\n%s", name, help_text);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
        }
        if (strcmp(argv[first], "--json") != 0) {
            fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[first], name);
            return CLI_EXIT_USAGE;
        }
        json = true;
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
    const disk_image_class *class = NULL;
    disk_image *image;
    int result = CLI_EXIT_OK;
    if (disk_image_probe(&file.io, &class, &error) != VHD_READER_OK
        || disk_image_open(&image, &file.io, NULL, &error) != VHD_READER_OK) {
        char what[64];
        snprintf(what, sizeof what, "not a valid %s",
                 class != NULL ? disk_format_name(class->format) : "VHD or VHDX");
        fprintf(stderr, "%s: %s: %s: %s\n", name, path,
                vhd_reader_code_is_invalid_file(error.code) ? what
                                                           : vhd_reader_code_name(error.code),
                error.reason);
        file.io.close(&file.io);
        return CLI_EXIT_FAILED;
    }
    const disk_info *info = disk_image_info(image);
    disk_chain *chain = NULL;
    vhd_reader_error chain_error;
    if (info->kind == DISK_KIND_DIFFERENCING) {
        vhd_file_identity identity = vhd_io_posix_identity(&file);
        if (disk_chain_open(&chain, &file.io, path, &identity, &vhd_parent_posix_opener, NULL,
                            &chain_error) != VHD_READER_OK)
            chain = NULL;
    }
    const char *parent = chain != NULL ? disk_chain_name(chain, 1) : NULL;
    unsigned depth = chain != NULL ? disk_chain_depth(chain) : 1;

    if (json) {
        print_json(info, parent, depth);
    } else {
        printf("file: %s\n", path);
        printf("format: %s\n", disk_format_name(info->format));
        if (info->format == DISK_FORMAT_VHDX)
            cli_info_print_vhdx(vhdx_image_get_info(vhdx_disk_image(image)));
        else
            cli_info_print_vhd(vhd_image_get_info(vhd_disk_image(image)));
        if (info->kind == DISK_KIND_DIFFERENCING && chain != NULL) {
            printf("parent file: %s\n", parent);
            printf("chain depth: %u\n", depth);
        } else if (info->kind == DISK_KIND_DIFFERENCING) {
            printf("parent file: none (%s)\n", chain_error.reason);
        }
    }
    disk_chain_close(chain);
    disk_image_close(image);
    file.io.close(&file.io);
    if (fflush(stdout) != 0)
        result = CLI_EXIT_FAILED;
    return result;
}
