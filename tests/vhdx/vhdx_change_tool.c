/* For the interop script, changes a VHDX through vsdisk's log writer:
 *   vhdx_change zero-block DISK N   payload block N becomes ZERO through the log, and the
 *                                   in-place write of the BAT sector is then undone: the file
 *                                   is left as a crash right after the log's flush leaves it
 *                                   (LogGuid set, the change only in the log)
 *   vhdx_change open DISK           a writable open and close: a pending log replayed on disk
 * Exit status 0 on success, 1 with the reason on stderr, 2 for a bad command line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_io_posix.h"
#include "vhdx_writable.h"

static void urandom(void *ctx, uint8_t out[16])
{
    (void)ctx;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(out, 1, 16, f) != 16) {
        perror("/dev/urandom");
        exit(1);
    }
    fclose(f);
}

static int fail(const char *what, const char *reason)
{
    fprintf(stderr, "vhdx_change: %s: %s\n", what, reason);
    return 1;
}

int main(int argc, char **argv)
{
    const vhdx_writable_options options = { urandom, NULL, NULL, NULL };
    struct vhd_io_posix file;
    vhdx_reader_error error;
    vhdx_writable *w;
    if (argc < 3 || (strcmp(argv[1], "open") != 0 && strcmp(argv[1], "zero-block") != 0)
        || (strcmp(argv[1], "zero-block") == 0 && argc != 4)) {
        fputs("usage: vhdx_change zero-block DISK N | open DISK\n", stderr);
        return 2;
    }
    vhd_io_posix_init(&file, argv[2]);
    if (file.io.open(&file.io, VHD_IO_OPEN_READ_WRITE) != VHD_OK)
        return fail(argv[2], "cannot open it for writing");
    if (strcmp(argv[1], "open") == 0) {
        if (vhdx_writable_open(&w, &file.io, &options, &error) != VHDX_READER_OK)
            return fail(argv[2], error.reason);
        vhdx_writable_close(w);
        return file.io.close(&file.io) == VHD_OK ? 0 : fail(argv[2], "close failed");
    }

    vhdx_image *image;
    if (vhdx_image_open(&image, &file.io, NULL, &error) != VHDX_READER_OK)
        return fail(argv[2], error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    uint64_t n = strtoull(argv[3], NULL, 10);
    if (n >= info->data_blocks)
        return fail(argv[2], "no such block");
    uint64_t at = info->bat_region.file_offset
                  + vhdx_bat_payload_index(n, info->chunk_ratio) * VHDX_BAT_ENTRY_SIZE;
    uint64_t sector_at = at / VHDX_LOG_SECTOR_SIZE * VHDX_LOG_SECTOR_SIZE;
    vhdx_image_close(image);
    static uint8_t old[VHDX_LOG_SECTOR_SIZE], changed[VHDX_LOG_SECTOR_SIZE];
    if (file.io.read_at(&file.io, sector_at, old, sizeof old) != VHD_OK)
        return fail(argv[2], "cannot read the BAT");
    memcpy(changed, old, sizeof old);
    vhdx_put64(changed + (at - sector_at), vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
    const vhdx_sector_change change = { sector_at, changed };
    if (vhdx_writable_open(&w, &file.io, &options, &error) != VHDX_READER_OK
        || vhdx_writable_change(w, &change, 1, true, &error) != VHDX_READER_OK)
        return fail(argv[2], error.reason);
    vhdx_writable_close(w);   /* no settle: LogGuid stays set */
    if (file.io.write_at(&file.io, sector_at, old, sizeof old) != VHD_OK
        || file.io.flush(&file.io) != VHD_OK || file.io.close(&file.io) != VHD_OK)
        return fail(argv[2], "cannot undo the in-place write");
    return 0;
}
