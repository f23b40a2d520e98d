#include "power_io.h"

#include <stdlib.h>
#include <string.h>

static struct power_io *impl_from_vhd_io(vhd_io *io)
{
    return (struct power_io *)io;
}

static void forget_changes(struct power_io *pio)
{
    for (size_t i = 0; i < pio->undo_count; i++)
        free(pio->undo[i].old);
    pio->undo_count = 0;
}

/* The power goes off: each file loses what it had not flushed (if asked). */
static void cut(struct power_supply *supply)
{
    supply->off = true;
    for (unsigned f = 0; f < supply->file_count; f++) {
        struct power_io *pio = supply->files[f];
        if (!supply->lose_unflushed || !pio->undo_possible) {
            forget_changes(pio);
            continue;
        }
        for (size_t i = pio->undo_count; i-- > 0; ) {
            struct power_undo *u = &pio->undo[i];
            if (u->len > 0)
                pio->inner->write_at(pio->inner, u->offset, u->old, u->len);
        }
        pio->inner->set_size(pio->inner, pio->size_at_flush);
        pio->inner->flush(pio->inner);
        forget_changes(pio);
    }
}

/* Counts a changing call; false (after cutting the power) if it must not happen. */
static bool may_change(struct power_io *pio)
{
    struct power_supply *supply = pio->supply;
    if (supply->off)
        return false;
    if (supply->changing_calls >= supply->budget) {
        cut(supply);
        return false;
    }
    supply->changing_calls++;
    return true;
}

static vhd_status off(struct power_io *pio)
{
    pio->io.os_error = 5;   /* EIO */
    return VHD_E_IO;
}

static vhd_status passed(struct power_io *pio, vhd_status status)
{
    pio->io.os_error = pio->inner->os_error;
    return status;
}

/* Remembers the bytes a change at [offset, offset + len) replaces. */
static void remember(struct power_io *pio, uint64_t offset, size_t len)
{
    uint64_t size;
    if (!pio->supply->lose_unflushed || !pio->undo_possible)
        return;
    if (pio->inner->get_size(pio->inner, &size) != VHD_OK)
        abort();
    if (pio->undo_count == pio->undo_capacity) {
        pio->undo_capacity = pio->undo_capacity ? 2 * pio->undo_capacity : 16;
        pio->undo = realloc(pio->undo, pio->undo_capacity * sizeof *pio->undo);
        if (pio->undo == NULL)
            abort();
    }
    struct power_undo *u = &pio->undo[pio->undo_count++];
    u->offset = offset;
    u->len = offset >= size ? 0 : (size - offset < len ? (size_t)(size - offset) : len);
    u->old = u->len ? malloc(u->len) : NULL;
    if (u->len && (u->old == NULL || pio->inner->read_at(pio->inner, offset, u->old, u->len)
                                         != VHD_OK))
        abort();
}

static vhd_status power_create(vhd_io *io)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (!may_change(pio))
        return off(pio);
    return passed(pio, pio->inner->create(pio->inner));
}

static vhd_status power_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (!may_change(pio))
        return off(pio);
    remember(pio, offset, len);
    return passed(pio, pio->inner->write_at(pio->inner, offset, buf, len));
}

static vhd_status power_flush(vhd_io *io)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (!may_change(pio))
        return off(pio);
    vhd_status status = pio->inner->flush(pio->inner);
    if (status == VHD_OK && pio->undo_possible) {
        forget_changes(pio);
        if (pio->inner->get_size(pio->inner, &pio->size_at_flush) != VHD_OK)
            abort();
    }
    return passed(pio, status);
}

static vhd_status power_close(vhd_io *io)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (pio->supply->off) {
        pio->inner->close(pio->inner);   /* the descriptor goes; nothing is written */
        return off(pio);
    }
    /* Closing loses nothing already written (the page cache keeps it): not a crash point. */
    forget_changes(pio);
    pio->undo_possible = false;
    return passed(pio, pio->inner->close(pio->inner));
}

static vhd_status power_remove(vhd_io *io)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (!may_change(pio)) {
        pio->inner->close(pio->inner);
        return off(pio);
    }
    return passed(pio, pio->inner->remove(pio->inner));
}

static vhd_status power_open(vhd_io *io, vhd_io_open_mode mode)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (pio->supply->off)
        return off(pio);
    vhd_status status = pio->inner->open(pio->inner, mode);
    if (status == VHD_OK && mode == VHD_IO_OPEN_READ_WRITE) {
        pio->undo_possible = true;
        if (pio->inner->get_size(pio->inner, &pio->size_at_flush) != VHD_OK)
            abort();
    }
    return passed(pio, status);
}

static vhd_status power_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (pio->supply->off)
        return off(pio);
    return passed(pio, pio->inner->read_at(pio->inner, offset, buf, len));
}

static vhd_status power_get_size(vhd_io *io, uint64_t *size)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (pio->supply->off)
        return off(pio);
    return passed(pio, pio->inner->get_size(pio->inner, size));
}

static vhd_status power_allocate(vhd_io *io, uint64_t offset, uint64_t len)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (!may_change(pio))
        return off(pio);
    return passed(pio, pio->inner->allocate(pio->inner, offset, len));
}

static vhd_status power_set_size(vhd_io *io, uint64_t size)
{
    struct power_io *pio = impl_from_vhd_io(io);
    uint64_t old;
    if (!may_change(pio))
        return off(pio);
    /* Cutting loses the bytes past the new end: remember them. */
    if (pio->supply->lose_unflushed && pio->undo_possible
        && pio->inner->get_size(pio->inner, &old) == VHD_OK && old > size)
        remember(pio, size, (size_t)(old - size));
    return passed(pio, pio->inner->set_size(pio->inner, size));
}

static vhd_status power_publish(vhd_io *io)
{
    struct power_io *pio = impl_from_vhd_io(io);
    if (!may_change(pio))
        return off(pio);
    return passed(pio, pio->inner->publish(pio->inner));
}

void power_supply_init(struct power_supply *supply, unsigned budget, bool lose_unflushed)
{
    memset(supply, 0, sizeof *supply);
    supply->budget = budget;
    supply->lose_unflushed = lose_unflushed;
}

void power_io_plug(struct power_io *pio, vhd_io *inner, struct power_supply *supply)
{
    memset(pio, 0, sizeof *pio);
    pio->inner = inner;
    pio->supply = supply;
    pio->io.create = inner->create ? power_create : NULL;
    pio->io.write_at = inner->write_at ? power_write_at : NULL;
    pio->io.flush = inner->flush ? power_flush : NULL;
    pio->io.close = inner->close ? power_close : NULL;
    pio->io.remove = inner->remove ? power_remove : NULL;
    pio->io.open = inner->open ? power_open : NULL;
    pio->io.read_at = inner->read_at ? power_read_at : NULL;
    pio->io.get_size = inner->get_size ? power_get_size : NULL;
    pio->io.allocate = inner->allocate ? power_allocate : NULL;
    pio->io.allocation_steps = inner->allocation_steps;
    pio->io.set_size = inner->set_size ? power_set_size : NULL;
    pio->io.publish = inner->publish ? power_publish : NULL;
    if (supply->file_count >= POWER_MAX_FILES)
        abort();
    supply->files[supply->file_count++] = pio;
}

void power_io_unplug(struct power_io *pio)
{
    forget_changes(pio);
    free(pio->undo);
    pio->undo = NULL;
    pio->undo_capacity = 0;
}
