/* "vsdisk check [--json] DISK": every problem of a VHD or VHDX and of its whole chain, read
 * only (disk_check.h), and the leftovers of an interrupted vsdisk job recognised as such.
 * Exit status as qemu-img check's. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_path_error.h"
#include "disk_check.h"
#include "vhd_io_posix.h"
#include "vhd_parent_posix.h"

enum check_exit {
    CHECK_CLEAN = 0,
    CHECK_NOT_FINISHED = 1,         /* also bad arguments, as qemu-img check */
    CHECK_CORRUPTION = 2,
    CHECK_LEAKS_ONLY = 3
};

#define PARTIAL_MARK ".vsdisk-partial-"

static const char help_text[] =
    "Checks DISK, a VHD or VHDX of any kind, and every parent of its chain, and names each\n"
    "problem: the file it is in, where (offset and length), and what it means. Nothing is\n"
    "written. Beyond what every reader refuses (each refusal names the rule and the value),\n"
    "it finds what readers forgive or do not look at: a footer at the end of a VHD that is\n"
    "missing (the copy at offset 0 in use) or differs from the copy, a geometry larger than\n"
    "the disk, blocks sharing bytes, a damaged copy of a VHDX header or region table, a VHDX\n"
    "log not yet replayed, a parent not found or not the one the disk was made from, space\n"
    "nothing refers to, and the unfinished files an interrupted vsdisk job leaves\n"
    "(NAME" PARTIAL_MARK "XXXXXXXX, beside DISK or DISK itself). A warning names what a\n"
    "disk that reads correctly records out of date (a parent path that no longer opens\n"
    "the parent, found another way); 'vsdisk repair' fixes it.\n"
    "\n"
    "  --json         one JSON object instead: file, result (clean, corrupt, leaks, failed),\n"
    "                 images, corruptions, leaks, warnings, problems (each: file, kind\n"
    "                 (corruption, leak, warning), name, offset,\n"
    "                 length, meaning) and error\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status (as qemu-img check): 0 clean (warnings printed); 2 corruption found;\n"
    "3 only leaked space (space nothing refers to); 1 the check could not finish, or bad\n"
    "arguments.\n";

struct output {
    bool json;
    unsigned printed;               /* problems printed so far (JSON commas) */
    unsigned corruptions, leaks, warnings;
};

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

static void print_problem(void *ctx, const char *file, const disk_problem *problem)
{
    struct output *out = ctx;
    const char *kind = problem->kind == DISK_PROBLEM_CORRUPTION ? "corruption"
                       : problem->kind == DISK_PROBLEM_WARNING ? "warning" : "leak";
    if (problem->kind == DISK_PROBLEM_CORRUPTION)
        out->corruptions++;
    else if (problem->kind == DISK_PROBLEM_WARNING)
        out->warnings++;    /* printed; the outcome stays what the rest makes it */
    else
        out->leaks++;
    if (out->json) {
        printf("%s{\"file\": ", out->printed ? ", " : "");
        print_json_string(file);
        printf(", \"kind\": \"%s\", \"name\": \"%s\", \"offset\": ", kind, problem->name);
        if (problem->offset == DISK_PROBLEM_NOWHERE)
            fputs("null", stdout);
        else
            printf("%llu", (unsigned long long)problem->offset);
        printf(", \"length\": %llu, \"meaning\": ", (unsigned long long)problem->length);
        print_json_string(problem->meaning);
        putchar('}');
    } else {
        printf("%s: %s: %s", file, kind, problem->name);
        if (problem->offset != DISK_PROBLEM_NOWHERE && problem->length != 0)
            printf(" (offset %llu, %llu bytes)", (unsigned long long)problem->offset,
                   (unsigned long long)problem->length);
        else if (problem->offset != DISK_PROBLEM_NOWHERE)
            printf(" (offset %llu)", (unsigned long long)problem->offset);
        printf(": %s\n", problem->meaning);
    }
    out->printed++;
}

static void report(struct output *out, const char *file, disk_problem_kind kind, const char *name,
                   const char *meaning)
{
    disk_problem problem = { kind, name, DISK_PROBLEM_NOWHERE, 0, "" };
    snprintf(problem.meaning, sizeof problem.meaning, "%s", meaning);
    print_problem(out, file, &problem);
}

/* The unfinished files a vsdisk job making path (or one named like it) left beside it. */
static void find_partial_leftovers(struct output *out, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t folder_length = slash ? (size_t)(slash - path) : 0;
    char folder[4096], prefix[4096];
    if (folder_length + 2 > sizeof folder
        || snprintf(prefix, sizeof prefix, "%s" PARTIAL_MARK, base) >= (int)sizeof prefix)
        return;
    if (slash)
        snprintf(folder, sizeof folder, "%.*s", (int)(folder_length ? folder_length : 1), path);
    else
        snprintf(folder, sizeof folder, ".");
    DIR *dir = opendir(folder);
    if (dir == NULL)
        return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char file[8192], meaning[400];
        snprintf(file, sizeof file, "%s/%s", folder, entry->d_name);
        snprintf(meaning, sizeof meaning, "an unfinished file that an interrupted vsdisk job "
                 "making %s left (a job writes NAME" PARTIAL_MARK "XXXXXXXX and renames it only "
                 "once complete): not a disk; delete it", base);
        report(out, file, DISK_PROBLEM_LEAK, "partial-leftover", meaning);
    }
    closedir(dir);
}

static int finish(struct output *out, const char *path, unsigned images, const char *error)
{
    int status = error != NULL ? CHECK_NOT_FINISHED
                 : out->corruptions ? CHECK_CORRUPTION
                 : out->leaks ? CHECK_LEAKS_ONLY : CHECK_CLEAN;
    static const char *const results[] = { "clean", "failed", "corrupt", "leaks" };
    if (out->json) {
        printf("], \"result\": \"%s\", \"images\": %u, \"corruptions\": %u, \"leaks\": %u, "
               "\"warnings\": %u, \"error\": ", results[status], images, out->corruptions,
               out->leaks, out->warnings);
        if (error != NULL)
            print_json_string(error);
        else
            fputs("null", stdout);
        puts("}");
    } else if (error != NULL) {
        fprintf(stderr, "vsdisk check: %s: the check could not finish: %s\n", path, error);
    } else if (status == CHECK_CLEAN && out->warnings != 0) {
        printf("%s: clean, %u warning%s (%u image%s checked)\n", path, out->warnings,
               out->warnings == 1 ? "" : "s", images, images == 1 ? "" : "s");
    } else if (status == CHECK_CLEAN) {
        printf("%s: clean (%u image%s checked)\n", path, images, images == 1 ? "" : "s");
    } else {
        printf("%s: %u corruption%s, %u leak%s (%u image%s checked)\n", path, out->corruptions,
               out->corruptions == 1 ? "" : "s", out->leaks, out->leaks == 1 ? "" : "s", images,
               images == 1 ? "" : "s");
    }
    if (fflush(stdout) != 0)
        return CHECK_NOT_FINISHED;
    return status;
}

int cli_check(const char *name, int argc, char **argv)
{
    int first = 1;
    struct output out = { false, 0, 0, 0, 0 };
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        }
        if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
            printf("Usage: %s [--json] DISK\n%s", name, help_text);
            return fflush(stdout) == 0 ? CHECK_CLEAN : CHECK_NOT_FINISHED;
        }
        if (strcmp(argv[first], "--json") != 0) {
            fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n", name, argv[first], name);
            return CHECK_NOT_FINISHED;
        }
        out.json = true;
    }
    if (argc - first != 1) {
        fprintf(stderr, "%s: expected DISK; try '%s --help'\n", name, name);
        return CHECK_NOT_FINISHED;
    }
    const char *path = argv[first];
    if (out.json) {
        fputs("{\"file\": ", stdout);
        print_json_string(path);
        fputs(", \"problems\": [", stdout);
    }

    const char *slash = strrchr(path, '/');
    if (strstr(slash ? slash + 1 : path, PARTIAL_MARK) != NULL) {
        report(&out, path, DISK_PROBLEM_CORRUPTION, "partial-leftover",
               "an unfinished file that an interrupted vsdisk job left (a job writes "
               "NAME" PARTIAL_MARK "XXXXXXXX and renames it only once complete): not a disk, "
               "and no reader opens it; delete it");
        return finish(&out, path, 0, NULL);
    }

    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_status status = file.io.open(&file.io, VHD_IO_OPEN_READ);
    if (status != VHD_OK) {
        char sentence[512];
        if (!cli_path_error(path, file.io.os_error, false, sentence, sizeof sentence))
            snprintf(sentence, sizeof sentence, "cannot be opened: %s (%s)",
                     vhd_status_message(status), strerror(file.io.os_error));
        return finish(&out, path, 0, sentence);
    }
    vhd_file_identity identity = vhd_io_posix_identity(&file);
    disk_check_counts counts;
    vhd_reader_error error;
    vhd_reader_code code = disk_check(&file.io, path, &identity, &vhd_parent_posix_opener,
                                      print_problem, &out, &counts, &error);
    file.io.close(&file.io);
    find_partial_leftovers(&out, path);
    return finish(&out, path, counts.images, code == VHD_READER_OK ? NULL : error.reason);
}
