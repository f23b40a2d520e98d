/* A simulated power supply for vhd_io back ends, for the crash tests: every back end plugged
 * into one supply counts its calls that change a file (create, write_at, flush, allocate,
 * set_size, publish, remove) together, and once `budget` of them have happened the power goes
 * off: that call and every later call of any kind on any of them fail with VHD_E_IO and reach
 * no file (a remove() deletes nothing; a close() only releases the descriptor, as a crash
 * does). With lose_unflushed, the power cut also undoes, on each file open for reading and
 * writing, every change since its last successful flush (the worst a write-back cache can
 * do); without it, everything written before the cut stays, in order. */
#ifndef POWER_IO_H
#define POWER_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhd_io.h"

#define POWER_MAX_FILES 8

struct power_io;

struct power_supply {
    unsigned budget;            /* changing calls allowed; UINT32_MAX for no cut */
    bool lose_unflushed;
    unsigned changing_calls;    /* counted so far (the failed one excluded) */
    bool off;
    unsigned file_count;
    struct power_io *files[POWER_MAX_FILES];
};

struct power_undo {
    uint64_t offset;
    size_t len;
    uint8_t *old;               /* the bytes before the write (those inside the old size) */
};

struct power_io {
    vhd_io io;
    vhd_io *inner;
    struct power_supply *supply;
    /* Changes since the last flush, for lose_unflushed. */
    bool undo_possible;         /* the file can be read back: opened read-write */
    uint64_t size_at_flush;
    struct power_undo *undo;
    size_t undo_count, undo_capacity;
};

void power_supply_init(struct power_supply *supply, unsigned budget, bool lose_unflushed);
/* Wraps inner; inner's functions that are NULL stay NULL. */
void power_io_plug(struct power_io *pio, vhd_io *inner, struct power_supply *supply);
void power_io_unplug(struct power_io *pio);

#endif
