#include "memory_io.h"

#include <stdlib.h>
#include <string.h>

static struct memory_io *impl_from_vhd_io(vhd_io *io)
{
    return (struct memory_io *)io;
}

static vhd_status memory_create(vhd_io *io)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    if (mem->exists)
        return VHD_E_EXISTS;
    mem->exists = mem->open = true;
    return VHD_OK;
}

static vhd_status memory_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    if (!mem->open)
        return VHD_E_IO;
    if (offset > SIZE_MAX - len)
        return VHD_E_TOO_LARGE;
    size_t end = (size_t)offset + len;
    if (end > mem->size) {
        uint8_t *grown = realloc(mem->data, end);
        if (grown == NULL)
            return VHD_E_NO_MEMORY;
        memset(grown + mem->size, 0, end - mem->size);
        mem->data = grown;
        mem->size = end;
    }
    memcpy(mem->data + offset, buf, len);
    return VHD_OK;
}

static vhd_status memory_flush(vhd_io *io)
{
    return impl_from_vhd_io(io)->open ? VHD_OK : VHD_E_IO;
}

static vhd_status memory_close(vhd_io *io)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    if (!mem->open)
        return VHD_E_IO;
    mem->open = false;
    return VHD_OK;
}

static vhd_status memory_remove(vhd_io *io)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    free(mem->data);
    mem->data = NULL;
    mem->size = 0;
    mem->exists = mem->open = false;
    return VHD_OK;
}

static vhd_status memory_open(vhd_io *io, vhd_io_open_mode mode)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    (void)mode;
    if (!mem->exists)
        return VHD_E_NOT_FOUND;
    if (mem->open)
        return VHD_E_IO;
    mem->open = true;
    return VHD_OK;
}

static vhd_status memory_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    if (!mem->open)
        return VHD_E_IO;
    if (offset > mem->size || len > mem->size - offset)
        return VHD_E_END_OF_FILE;
    if (len > 0)
        memcpy(buf, mem->data + offset, len);
    return VHD_OK;
}

static vhd_status memory_get_size(vhd_io *io, uint64_t *size)
{
    struct memory_io *mem = impl_from_vhd_io(io);
    if (!mem->open)
        return VHD_E_IO;
    *size = mem->size;
    return VHD_OK;
}

/* An existing file holding a copy of data, closed. */
bool memory_io_init_with(struct memory_io *mem, const void *data, size_t len)
{
    memory_io_init(mem);
    mem->data = malloc(len ? len : 1);
    if (mem->data == NULL)
        return false;
    if (len > 0)
        memcpy(mem->data, data, len);
    mem->size = len;
    mem->exists = true;
    return true;
}

void memory_io_init(struct memory_io *mem)
{
    *mem = (struct memory_io){
        .io = {
            .create = memory_create,
            .write_at = memory_write_at,
            .flush = memory_flush,
            .close = memory_close,
            .remove = memory_remove,
            .open = memory_open,
            .read_at = memory_read_at,
            .get_size = memory_get_size,
        },
    };
}

void memory_io_free(struct memory_io *mem)
{
    free(mem->data);
    mem->data = NULL;
}
