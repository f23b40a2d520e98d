#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vhdx_change_util.h"

static vhd_status change_set_size(vhd_io *io, uint64_t size)
{
    struct memory_io *mem = (struct memory_io *)io;
    if (!mem->open)
        return VHD_E_IO;
    if (size > SIZE_MAX / 2)
        return VHD_E_TOO_LARGE;
    uint8_t *data = realloc(mem->data, size ? (size_t)size : 1);
    if (data == NULL)
        return VHD_E_NO_MEMORY;
    if (size > mem->size)
        memset(data + mem->size, 0, (size_t)size - mem->size);
    mem->data = data;
    mem->size = (size_t)size;
    return VHD_OK;
}

void change_file_init(struct memory_io *mem, const uint8_t *data, size_t size)
{
    assert_true(memory_io_init_with(mem, data, size));
    mem->io.set_size = change_set_size;
}

void change_file_open(struct memory_io *mem, const uint8_t *data, size_t size)
{
    change_file_init(mem, data, size);
    assert_int_equal(mem->io.open(&mem->io, VHD_IO_OPEN_READ_WRITE), VHD_OK);
}

uint64_t change_random_counter;

void change_random(void *ctx, uint8_t out[16])
{
    uint64_t *counter = ctx;
    uint64_t x = ++*counter * UINT64_C(0x9E3779B97F4A7C15);
    for (int i = 0; i < 16; i++) {
        x ^= x >> 29;
        x *= UINT64_C(0xBF58476D1CE4E5B9);
        out[i] = (uint8_t)(x >> 56);
    }
}

const vhdx_writable_options change_options = { change_random, &change_random_counter, NULL, NULL };

vhdx_reader_code change_view_open(const uint8_t *data, size_t size, vhdx_image_info *info,
                                  vhdx_reader_error *error)
{
    struct memory_io mem;
    vhdx_image *image;
    assert_true(memory_io_init_with(&mem, data, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    vhdx_reader_code code = vhdx_image_open(&image, &mem.io, NULL, error);
    if (code == VHDX_READER_OK) {
        *info = *vhdx_image_get_info(image);
        /* The info's strings point into the image: not kept. */
        info->parent_linkage = info->parent_linkage2 = NULL;
        info->relative_path = info->volume_path = info->absolute_win32_path = NULL;
        info->locator_count = 0;
        vhdx_image_close(image);
    }
    memory_io_free(&mem);
    return code;
}

void change_view_sectors(const uint8_t *data, size_t size, const uint64_t *offsets, size_t count,
                         uint8_t *out)
{
    struct memory_io mem;
    vhdx_image *image;
    vhdx_reader_error error;
    assert_true(memory_io_init_with(&mem, data, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&image, &mem.io, NULL, &error) != VHDX_READER_OK)
        fail_msg("the file does not open: %s", error.reason);
    vhd_io *view = vhdx_image_io(image);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(view->read_at(view, offsets[i], out + i * 4096, 4096), VHD_OK);
    vhdx_image_close(image);
    memory_io_free(&mem);
}

static vhd_status order_write(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct order_io *o = (struct order_io *)io;
    if (offset >= o->fixed_start[1] && offset < o->fixed_end[1]) {
        o->log_writes++;
        o->violations += o->data_unflushed;
    } else {
        bool data = true;
        for (int i = 0; i < 4; i++)
            data &= !(offset >= o->fixed_start[i] && offset < o->fixed_end[i]);
        o->data_unflushed |= data;
    }
    return o->inner->write_at(o->inner, offset, buf, len);
}

static vhd_status order_flush(vhd_io *io)
{
    struct order_io *o = (struct order_io *)io;
    o->data_unflushed = false;
    return o->inner->flush(o->inner);
}

static vhd_status order_read(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct order_io *o = (struct order_io *)io;
    return o->inner->read_at(o->inner, offset, buf, len);
}

static vhd_status order_get_size(vhd_io *io, uint64_t *size)
{
    struct order_io *o = (struct order_io *)io;
    return o->inner->get_size(o->inner, size);
}

static vhd_status order_set_size(vhd_io *io, uint64_t size)
{
    struct order_io *o = (struct order_io *)io;
    return o->inner->set_size(o->inner, size);
}

void order_io_plug(struct order_io *o, vhd_io *inner, const struct vhdx_built *b)
{
    *o = (struct order_io){
        .io = { .write_at = order_write, .flush = order_flush, .read_at = order_read,
                .get_size = order_get_size, .set_size = order_set_size },
        .inner = inner,
        .fixed_start = { 0, b->log_at, b->bat_at, b->metadata_at },
        .fixed_end = { MiB, b->log_at + b->log_length, b->bat_at + MiB, b->metadata_at + MiB },
    };
}

bool crash_all(void)
{
    const char *all = getenv("VSDISK_CRASH_ALL");
    return all != NULL && strcmp(all, "1") == 0;
}

bool crash_tried(unsigned n, unsigned count, unsigned ends, unsigned spread)
{
    unsigned step = count / spread > 1 ? count / spread : 1;
    return crash_all() || n < ends || n + ends >= count || n % step == 0;
}
