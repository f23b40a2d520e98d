/* vhdx_crash_states JOB DISK OUTDIR: leaves in OUTDIR the files a power cut makes of DISK in
 * the middle of JOB, for the shell test that hands them to qemu (test_vhdx_crash_qemu.sh).
 * JOB is "compact" (vhdx_compact) or "replay" (a writable open and close, which replays a
 * pending log on disk). The job runs on a copy of DISK through the tests' power supply
 * (power_io.c) cut after its n-th changing call, n from 0 until the job completes; the first
 * pass keeps every write made before the cut, the second also loses every write since each
 * file's last flush. Each state is OUTDIR/keep-N.vhdx or OUTDIR/lose-N.vhdx. The points kept:
 * the first and last two of each pass and about 6 spread evenly (all with
 * VSDISK_CRASH_ALL=1). Prints one line per file and, last, "points: CALLS". */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power_io.h"
#include "vhd_io_posix.h"
#include "vhdx_change_util.h"
#include "vhdx_compact.h"
#include "vhdx_writable.h"

static const vhdx_compact_options compact_options = {
    .writable = { change_random, &change_random_counter, NULL, NULL },
};

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buffer[65536];
    size_t n;
    int ok = in != NULL && out != NULL;
    while (ok && (n = fread(buffer, 1, sizeof buffer, in)) > 0)
        ok = fwrite(buffer, 1, n, out) == n;
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "vhdx_crash_states: cannot copy %s to %s\n", from, to);
    return ok;
}

/* Runs the job on path with the supply; true if it completed. */
static bool run_job(const char *job, const char *path, struct power_supply *supply)
{
    struct vhd_io_posix file;
    struct power_io pio;
    vhdx_reader_error error;
    vhdx_reader_code code = VHDX_READER_IO;
    vhd_io_posix_init(&file, path);
    power_io_plug(&pio, &file.io, supply);
    if (pio.io.open(&pio.io, VHD_IO_OPEN_READ_WRITE) == VHD_OK) {
        if (strcmp(job, "compact") == 0)
            code = vhdx_compact(&pio.io, &compact_options, NULL, &error);
        else {
            vhdx_writable *w;
            code = vhdx_writable_open(&w, &pio.io, &compact_options.writable, &error);
            if (code == VHDX_READER_OK)
                vhdx_writable_close(w);
            else if (!supply->off)
                fprintf(stderr, "vhdx_crash_states: %s\n", error.reason);
        }
        pio.io.close(&pio.io);
    }
    power_io_unplug(&pio);
    return code == VHDX_READER_OK && !supply->off;
}

static bool kept(unsigned n, unsigned count)
{
    const char *all = getenv("VSDISK_CRASH_ALL");
    unsigned step = count / 6 > 1 ? count / 6 : 1;
    return (all != NULL && strcmp(all, "1") == 0) || n < 2 || n + 2 >= count || n % step == 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "compact") != 0 && strcmp(argv[1], "replay") != 0)) {
        fprintf(stderr, "usage: %s compact|replay DISK OUTDIR\n", argv[0]);
        return 2;
    }
    const char *job = argv[1], *disk = argv[2], *dir = argv[3];
    char path[4096];
    struct power_supply supply;

    /* The changing calls of a whole run. */
    snprintf(path, sizeof path, "%s/whole.vhdx", dir);
    if (!copy_file(disk, path))
        return 1;
    power_supply_init(&supply, UINT32_MAX, false);
    if (!run_job(job, path, &supply)) {
        fprintf(stderr, "vhdx_crash_states: %s of %s fails without a cut\n", job, disk);
        return 1;
    }
    unsigned calls = supply.changing_calls;
    remove(path);
    for (int lose = 0; lose < 2; lose++)
        for (unsigned n = 0; n < calls; n++) {
            if (!kept(n, calls))
                continue;
            snprintf(path, sizeof path, "%s/%s-%u.vhdx", dir, lose ? "lose" : "keep", n);
            if (!copy_file(disk, path))
                return 1;
            power_supply_init(&supply, n, lose);
            if (run_job(job, path, &supply) || !supply.off) {
                fprintf(stderr, "vhdx_crash_states: the cut at %u did not stop %s\n", n, job);
                return 1;
            }
            printf("%s\n", path);
        }
    printf("points: %u\n", calls);
    return 0;
}
