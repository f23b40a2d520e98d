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
