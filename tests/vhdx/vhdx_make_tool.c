/* Makes a VHDX with the library's writers, for the interop script:
 *   vhdx_make dynamic|fixed PATH SIZE_BYTES [BLOCK_SIZE [LOGICAL [PHYSICAL]]]
 *   vhdx_make differencing PATH PARENT [BLOCK_SIZE]
 * A child's parent facts come from the test's own reading of the parent (vhdx_spec.c); its
 * locator holds relative_path ".\NAME" (the parent beside the child) and absolute_win32_path
 * the parent's absolute path as given. GUIDs are random (version 4). Exit status 0 on
 * success, 1 with a message otherwise.
 * VHDX_MAKE_CRASH=before-commit, torn-commit or half-commit leaves what a crash at the commit
 * would: the headers' write fails (torn: after 40 bytes of header 1, inside its fields; half:
 * after header 1 and the reserved bytes that follow it, before header 2) and the file is kept,
 * as a power cut would keep it, instead of removed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_create.h"
#include "vhd_io_posix.h"
#include "vhdx_create.h"
#include "vhdx_spec.h"

static void random_guid(vhdx_guid *guid)
{
    uint8_t bytes[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(bytes, 1, sizeof bytes, f) != sizeof bytes) {
        perror("/dev/urandom");
        exit(1);
    }
    fclose(f);
    vhd_unique_id_from_random(guid->bytes, bytes);
}

static size_t to_units(const char *text, uint16_t *units, size_t max)
{
    size_t n = strlen(text);
    if (n > max) {
        fprintf(stderr, "path too long for this tool: %s\n", text);
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        units[i] = (uint8_t)text[i];
    return n;
}

/* The crash simulation: a posix back end whose headers' write fails and whose remove() keeps
 * the file. */
static struct vhd_io_posix crash_file;
static vhd_io crash_io;
static size_t crash_landed;   /* bytes of the headers' write that land */

static vhd_status crash_create(vhd_io *io)
{
    (void)io;
    return crash_file.io.create(&crash_file.io);
}

static vhd_status crash_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    (void)io;
    if (offset == 64 * 1024) {   /* the headers: the commit */
        if (crash_landed)
            crash_file.io.write_at(&crash_file.io, offset, buf, crash_landed);
        return VHD_E_IO;
    }
    return crash_file.io.write_at(&crash_file.io, offset, buf, len);
}

static vhd_status crash_flush(vhd_io *io)
{
    (void)io;
    return crash_file.io.flush(&crash_file.io);
}

static vhd_status crash_close(vhd_io *io)
{
    (void)io;
    return crash_file.io.close(&crash_file.io);
}

static vhd_status crash_allocate(vhd_io *io, uint64_t offset, uint64_t len)
{
    (void)io;
    return crash_file.io.allocate(&crash_file.io, offset, len);
}

static vhd_io *crash_backend(const char *path, const char *mode)
{
    vhd_io_posix_init(&crash_file, path);
    crash_landed = strcmp(mode, "torn-commit") == 0 ? 40
                 : strcmp(mode, "half-commit") == 0 ? 64 * 1024 : 0;
    memset(&crash_io, 0, sizeof crash_io);
    crash_io.create = crash_create;
    crash_io.write_at = crash_write_at;
    crash_io.flush = crash_flush;
    crash_io.close = crash_close;
    crash_io.remove = crash_close;   /* the file stays */
    crash_io.allocate = crash_allocate;
    return &crash_io;
}

int main(int argc, char **argv)
{
    static uint16_t relative[4096], absolute[4096];
    vhdx_create_options options;
    vhdx_parent_facts parent;
    struct vhd_io_posix file;
    vhd_status status;

    if (argc < 4) {
        fprintf(stderr, "usage: %s dynamic|fixed PATH SIZE [BLOCK [LOGICAL [PHYSICAL]]]\n"
                        "       %s differencing PATH PARENT [BLOCK]\n", argv[0], argv[0]);
        return 1;
    }
    memset(&options, 0, sizeof options);
    memset(&parent, 0, sizeof parent);
    random_guid(&options.file_write_guid);
    random_guid(&options.data_write_guid);
    random_guid(&options.virtual_disk_id);
    vhd_io_posix_init(&file, argv[2]);
    vhd_io *io = &file.io;
    const char *crash = getenv("VHDX_MAKE_CRASH");
    if (crash != NULL && *crash != '\0')
        io = crash_backend(argv[2], crash);

    if (strcmp(argv[1], "differencing") == 0) {
        struct spec_vhdx v;
        if (!spec_vhdx_read(argv[3], &v) || !v.signature || v.current < 0) {
            fprintf(stderr, "%s: not a VHDX this tool can read\n", argv[3]);
            return 1;
        }
        if (argc > 4)
            options.block_size = (uint32_t)strtoul(argv[4], NULL, 0);
        parent.size_bytes = v.virtual_size;
        parent.logical_sector_size = v.logical_sector_size;
        parent.physical_sector_size = v.physical_sector_size;
        memcpy(parent.virtual_disk_id.bytes, v.virtual_disk_id, 16);
        memcpy(parent.data_write_guid.bytes, v.headers[v.current].data_write_guid, 16);
        const char *slash = strrchr(argv[3], '/');
        char name[4096];
        snprintf(name, sizeof name, ".\\%s", slash ? slash + 1 : argv[3]);
        parent.relative_path = relative;
        parent.relative_length = to_units(name, relative, 4000);
        parent.absolute_win32_path = absolute;
        parent.absolute_win32_length = to_units(argv[3], absolute, 4000);
        status = vhdx_create_differencing(io, &options, &parent);
    } else {
        options.size_bytes = strtoull(argv[3], NULL, 0);
        if (argc > 4)
            options.block_size = (uint32_t)strtoul(argv[4], NULL, 0);
        if (argc > 5)
            options.logical_sector_size = (uint32_t)strtoul(argv[5], NULL, 0);
        if (argc > 6)
            options.physical_sector_size = (uint32_t)strtoul(argv[6], NULL, 0);
        vhdx_create_check check = vhdx_check_options(&options);
        if (check != VHDX_CREATE_VALID) {
            fprintf(stderr, "%s\n", vhdx_create_check_message(check));
            return 1;
        }
        if (strcmp(argv[1], "fixed") == 0)
            status = vhdx_create_fixed(io, &options);
        else
            status = vhdx_create_dynamic(io, &options);
    }
    if (status != VHD_OK) {
        fprintf(stderr, "%s: %s\n", argv[2], vhd_status_message(status));
        return 1;
    }
    return 0;
}
