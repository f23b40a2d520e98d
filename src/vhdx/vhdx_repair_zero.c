/* ZERO payload entries that keep a FileOffsetMB (vhdx_repair.h): the reader forgives them (a
 * ZERO block reads zeros wherever it points), Hyper-V refuses them (qemu's fix cdf9634). Their
 * offset is cleared, which changes no sector the disk reads: the BAT sectors holding them go
 * through the log in batches of at most VHDX_LOG_WRITE_SECTORS_MAX, DataWriteGuid kept. */
#include "vhdx_repair.h"

#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "vhdx_reader_internal.h"

static bool is_zero_with_offset(const struct vhdx_bat_geometry *g, uint64_t index, uint64_t entry)
{
    uint64_t ratio = g->chunk_ratio;
    if (index % (ratio + 1) == ratio)
        return false;               /* a sector bitmap entry */
    if (index / (ratio + 1) * ratio + index % (ratio + 1) >= g->data_blocks)
        return false;               /* padding of a differencing disk's last chunk */
    return vhdx_bat_state(entry) == VHDX_PAYLOAD_BLOCK_ZERO && vhdx_bat_file_offset(entry) != 0;
}

vhd_reader_code vhdx_repair_count_zero_offsets(vhd_io *view, const struct vhdx_bat_geometry *g,
                                               uint8_t *window, uint64_t *count,
                                               vhd_reader_error *error)
{
    *count = 0;
    for (uint64_t first = 0; first < g->entries; first += VHDX_LOG_SECTOR_SIZE / 8) {
        uint64_t n = g->entries - first < VHDX_LOG_SECTOR_SIZE / 8 ? g->entries - first
                                                                   : VHDX_LOG_SECTOR_SIZE / 8;
        uint64_t at = g->bat_offset + first * VHDX_BAT_ENTRY_SIZE;
        vhd_status status = view->read_at(view, at, window, (size_t)n * VHDX_BAT_ENTRY_SIZE);
        if (status != VHD_OK)
            return vhd_reader_fail_io(error, view, status, "the BAT", at);
        for (uint64_t i = 0; i < n; i++)
            *count += is_zero_with_offset(g, first + i, vhdx_get64(window + i * 8));
    }
    return VHD_READER_OK;
}

vhdx_reader_code vhdx_repair_clear_zero_offsets(vhdx_writable *w, vhd_io *io,
                                                const struct vhdx_bat_geometry *g,
                                                uint8_t *pages, uint64_t *cleared,
                                                vhdx_reader_error *error)
{
    vhdx_sector_change changes[VHDX_LOG_WRITE_SECTORS_MAX];
    size_t count = 0;
    vhdx_reader_code code = VHDX_READER_OK;
    *cleared = 0;
    /* The BAT region starts on 1 MiB: its 4 KiB sectors hold 512 entries each. */
    for (uint64_t first = 0; first < g->entries && code == VHDX_READER_OK;
         first += VHDX_LOG_SECTOR_SIZE / 8) {
        uint8_t *page = pages + count * VHDX_LOG_SECTOR_SIZE;
        uint64_t at = g->bat_offset + first * VHDX_BAT_ENTRY_SIZE;
        vhd_status status = io->read_at(io, at, page, VHDX_LOG_SECTOR_SIZE);
        if (status != VHD_OK)
            return vhdx_reader_fail_io(error, io, status, "BAT", at);
        bool changed = false;
        for (uint64_t i = 0; i < VHDX_LOG_SECTOR_SIZE / 8 && first + i < g->entries; i++) {
            if (!is_zero_with_offset(g, first + i, vhdx_get64(page + i * 8)))
                continue;
            vhdx_put64(page + i * 8, vhdx_bat_entry(VHDX_PAYLOAD_BLOCK_ZERO, 0));
            changed = true;
            (*cleared)++;
        }
        if (!changed)
            continue;
        changes[count++] = (vhdx_sector_change){ at, page };
        if (count == VHDX_LOG_WRITE_SECTORS_MAX) {
            code = vhdx_writable_change(w, changes, count, false, error);
            count = 0;
        }
    }
    if (code == VHDX_READER_OK && count > 0)
        code = vhdx_writable_change(w, changes, count, false, error);
    return code;
}
