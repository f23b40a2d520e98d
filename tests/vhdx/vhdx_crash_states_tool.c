/* vhdx_crash_states JOB DISK OUTDIR: leaves in OUTDIR the files a power cut makes of DISK in
 * the middle of JOB, for the shell test that hands them to qemu (test_vhdx_crash_qemu.sh).
 * JOB is "compact" (vhdx_compact) or "replay" (a writable open and close, which replays a
 * pending log on disk). vhdx_crash_states merge CHILD OUTDIR: the same for vhdx_merge of CHILD
 * into its parent, PARENT_NAME beside it (argument 4, default parent.vhdx); each state is then
 * a folder OUTDIR/keep-N or OUTDIR/lose-N holding both files under their names, both files on
 * one power supply. The job runs on a copy of DISK through the tests' power supply
 * (power_io.c) cut after its n-th changing call, n from 0 until the job completes; the first
 * pass keeps every write made before the cut, the second also loses every write since each
 * file's last flush. Each state is OUTDIR/keep-N.vhdx or OUTDIR/lose-N.vhdx. The points kept:
 * the first six of each pass (where the headers and a merge's linkages change), the last one
 * and about 4 spread evenly (all with VSDISK_CRASH_ALL=1). Prints one line per state and,
 * last, "points: CALLS". */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "power_io.h"
#include "vhd_io_posix.h"
#include "vhdx_change_util.h"
#include "vhdx_compact.h"
#include "vhdx_merge.h"
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

static const vhdx_merge_options merge_options = {
    .writable = { change_random, &change_random_counter, NULL, NULL },
};

/* Merge of dir/child into dir/parent, both on the supply; true if it completed. */
static bool run_merge(const char *child, const char *parent, struct power_supply *supply)
{
    struct vhd_io_posix cf, pf;
    struct power_io cp, pp;
    vhdx_reader_error error;
    vhdx_reader_code code = VHDX_READER_IO;
    vhd_io_posix_init(&cf, child);
    vhd_io_posix_init(&pf, parent);
    power_io_plug(&cp, &cf.io, supply);
    power_io_plug(&pp, &pf.io, supply);
    if (cp.io.open(&cp.io, VHD_IO_OPEN_READ_WRITE) == VHD_OK) {
        if (pp.io.open(&pp.io, VHD_IO_OPEN_READ_WRITE) == VHD_OK) {
            code = vhdx_merge(&cp.io, &pp.io, &merge_options, NULL, &error);
            if (code != VHDX_READER_OK && !supply->off)
                fprintf(stderr, "vhdx_crash_states: %s\n", error.reason);
            pp.io.close(&pp.io);
        }
        cp.io.close(&cp.io);
    }
    power_io_unplug(&pp);
    power_io_unplug(&cp);
    return code == VHDX_READER_OK && !supply->off;
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
    unsigned step = count / 4 > 1 ? count / 4 : 1;
    return (all != NULL && strcmp(all, "1") == 0) || n < 6 || n + 1 >= count || n % step == 0;
}

/* The copies of one state: dir/NAME (compact, replay) or dir/NAME/{child,parent} (merge). */
struct state {
    char disk[4096], parent[4096];
};

static bool make_state(const char *job, const char *disk, const char *parent_source,
                       const char *dir, const char *name, const char *parent_name,
                       struct state *st)
{
    if (strcmp(job, "merge") != 0) {
        snprintf(st->disk, sizeof st->disk, "%s/%s.vhdx", dir, name);
        return copy_file(disk, st->disk);
    }
    char folder[2048];
    const char *base = strrchr(disk, '/') != NULL ? strrchr(disk, '/') + 1 : disk;
    snprintf(folder, sizeof folder, "%.1900s/%.100s", dir, name);
    if (mkdir(folder, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "vhdx_crash_states: cannot make %s\n", folder);
        return false;
    }
    snprintf(st->disk, sizeof st->disk, "%s/%.255s", folder, base);
    snprintf(st->parent, sizeof st->parent, "%s/%.255s", folder, parent_name);
    return copy_file(disk, st->disk) && copy_file(parent_source, st->parent);
}

static bool run_state(const char *job, const struct state *st, struct power_supply *supply)
{
    return strcmp(job, "merge") == 0 ? run_merge(st->disk, st->parent, supply)
                                     : run_job(job, st->disk, supply);
}

static void remove_state(const char *job, const struct state *st)
{
    remove(st->disk);
    if (strcmp(job, "merge") == 0)
        remove(st->parent);
}

int main(int argc, char **argv)
{
    bool merge = argc >= 2 && strcmp(argv[1], "merge") == 0;
    if (!(argc == 4 || (merge && argc == 5))
        || (!merge && strcmp(argv[1], "compact") != 0 && strcmp(argv[1], "replay") != 0)) {
        fprintf(stderr, "usage: %s compact|replay DISK OUTDIR\n"
                        "       %s merge CHILD OUTDIR [PARENT_NAME]\n", argv[0], argv[0]);
        return 2;
    }
    const char *job = argv[1], *disk = argv[2], *dir = argv[3];
    const char *parent_name = argc == 5 ? argv[4] : "parent.vhdx";
    char parent_source[4096], name[64];
    struct power_supply supply;
    struct state st;

    /* The parent beside the child. */
    const char *slash = strrchr(disk, '/');
    if (slash != NULL)
        snprintf(parent_source, sizeof parent_source, "%.*s/%s", (int)(slash - disk), disk,
                 parent_name);
    else
        snprintf(parent_source, sizeof parent_source, "%s", parent_name);

    /* The changing calls of a whole run. */
    if (!make_state(job, disk, parent_source, dir, "whole", parent_name, &st))
        return 1;
    power_supply_init(&supply, UINT32_MAX, false);
    if (!run_state(job, &st, &supply)) {
        fprintf(stderr, "vhdx_crash_states: %s of %s fails without a cut\n", job, disk);
        return 1;
    }
    unsigned calls = supply.changing_calls;
    remove_state(job, &st);
    for (int lose = 0; lose < 2; lose++)
        for (unsigned n = 0; n < calls; n++) {
            if (!kept(n, calls))
                continue;
            snprintf(name, sizeof name, "%s-%u", lose ? "lose" : "keep", n);
            if (!make_state(job, disk, parent_source, dir, name, parent_name, &st))
                return 1;
            power_supply_init(&supply, n, lose);
            if (run_state(job, &st, &supply) || !supply.off) {
                fprintf(stderr, "vhdx_crash_states: the cut at %u did not stop %s\n", n, job);
                return 1;
            }
            printf("%s\n", st.disk);
        }
    printf("points: %u\n", calls);
    return 0;
}
