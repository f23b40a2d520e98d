#include "vhd_io_fault.h"

static struct vhd_io_fault *impl_from_vhd_io(vhd_io *io)
{
    return (struct vhd_io_fault *)io;
}

/* Counts a call; true if this is the one to fail. */
static bool next_call_fails(struct vhd_io_fault *fault, enum vhd_io_fault_call kind)
{
    fault->calls++;
    fault->last_call = kind;
    return fault->fail_at != 0 && fault->calls == fault->fail_at;
}

static vhd_status injected(struct vhd_io_fault *fault)
{
    fault->io.os_error = 0;
    return fault->fail_status;
}

/* Passes the inner back end's result and error on, and tells the observer of a success. */
static vhd_status passed_on(struct vhd_io_fault *fault, vhd_status status,
                            enum vhd_io_fault_call kind)
{
    fault->io.os_error = fault->inner->os_error;
    if (status == VHD_OK && fault->after_call != NULL)
        fault->after_call(fault->ctx, fault->calls, kind);
    return status;
}

static vhd_status fault_create(vhd_io *io)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_CREATE))
        return injected(fault);   /* nothing is created */
    return passed_on(fault, fault->inner->create(fault->inner), VHD_IO_FAULT_CREATE);
}

static vhd_status inner_write(struct vhd_io_fault *fault, uint64_t offset, const void *buf,
                              size_t len)
{
    vhd_status status = fault->inner->write_at(fault->inner, offset, buf, len);
    if (status == VHD_OK)
        fault->bytes_written += len;
    return status;
}

static vhd_status fault_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    vhd_status status;

    fault->writes++;
    if (len > fault->largest_write)
        fault->largest_write = len;
    if (next_call_fails(fault, VHD_IO_FAULT_WRITE)) {
        if (fault->torn_write && len / 2 > 0)
            inner_write(fault, offset, buf, len / 2);
        return injected(fault);
    }
    if (offset >= fault->space_limit || len > fault->space_limit - offset) {
        if (offset < fault->space_limit) {
            status = inner_write(fault, offset, buf, (size_t)(fault->space_limit - offset));
            if (status != VHD_OK)
                return passed_on(fault, status, VHD_IO_FAULT_WRITE);
        }
        fault->io.os_error = 0;
        return VHD_E_NO_SPACE;
    }
    return passed_on(fault, inner_write(fault, offset, buf, len), VHD_IO_FAULT_WRITE);
}

static vhd_status fault_flush(vhd_io *io)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_FLUSH))
        return injected(fault);
    return passed_on(fault, fault->inner->flush(fault->inner), VHD_IO_FAULT_FLUSH);
}

static vhd_status fault_close(vhd_io *io)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_CLOSE)) {
        /* A failed close still releases the file, as close() does. */
        fault->inner->close(fault->inner);
        return injected(fault);
    }
    return passed_on(fault, fault->inner->close(fault->inner), VHD_IO_FAULT_CLOSE);
}

static vhd_status fault_allocate(vhd_io *io, uint64_t offset, uint64_t len)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    vhd_status status;

    fault->allocations++;
    if (next_call_fails(fault, VHD_IO_FAULT_ALLOCATE))
        return injected(fault);
    if (fault->inner->allocate == NULL ||
            (fault->allocate_unsupported && fault->allocations >= fault->allocate_unsupported_from)) {
        fault->io.os_error = 0;
        return VHD_E_NOT_SUPPORTED;
    }
    if (offset >= fault->space_limit || len > fault->space_limit - offset) {
        /* fallocate() on a full volume may keep what it reserved: so does this. */
        if (offset < fault->space_limit) {
            status = fault->inner->allocate(fault->inner, offset, fault->space_limit - offset);
            if (status != VHD_OK)
                return passed_on(fault, status, VHD_IO_FAULT_ALLOCATE);
            fault->bytes_allocated += fault->space_limit - offset;
        }
        fault->io.os_error = 0;
        return VHD_E_NO_SPACE;
    }
    status = fault->inner->allocate(fault->inner, offset, len);
    if (status == VHD_OK)
        fault->bytes_allocated += len;
    return passed_on(fault, status, VHD_IO_FAULT_ALLOCATE);
}

static vhd_status fault_remove(vhd_io *io)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    fault->removes++;
    vhd_status status = fault->inner->remove(fault->inner);
    fault->io.os_error = fault->inner->os_error;
    return status;
}

static vhd_status fault_open(vhd_io *io, vhd_io_open_mode mode)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_OPEN))
        return injected(fault);   /* nothing is opened */
    return passed_on(fault, fault->inner->open(fault->inner, mode), VHD_IO_FAULT_OPEN);
}

static vhd_status fault_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    vhd_status status;

    fault->reads++;
    if (next_call_fails(fault, VHD_IO_FAULT_READ))
        return injected(fault);
    if (offset >= fault->read_limit || len > fault->read_limit - offset) {
        fault->io.os_error = 0;
        return VHD_E_END_OF_FILE;
    }
    status = fault->inner->read_at(fault->inner, offset, buf, len);
    if (status == VHD_OK)
        fault->bytes_read += len;
    return passed_on(fault, status, VHD_IO_FAULT_READ);
}

static vhd_status fault_get_size(vhd_io *io, uint64_t *size)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_SIZE))
        return injected(fault);
    return passed_on(fault, fault->inner->get_size(fault->inner, size), VHD_IO_FAULT_SIZE);
}

static vhd_status fault_set_size(vhd_io *io, uint64_t size)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_SET_SIZE))
        return injected(fault);
    if (fault->inner->set_size == NULL) {
        fault->io.os_error = 0;
        return VHD_E_NOT_SUPPORTED;
    }
    if (size > fault->space_limit) {
        fault->io.os_error = 0;
        return VHD_E_NO_SPACE;
    }
    return passed_on(fault, fault->inner->set_size(fault->inner, size), VHD_IO_FAULT_SET_SIZE);
}

static vhd_status fault_publish(vhd_io *io)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    if (next_call_fails(fault, VHD_IO_FAULT_PUBLISH))
        return injected(fault);
    return passed_on(fault, fault->inner->publish(fault->inner), VHD_IO_FAULT_PUBLISH);
}

static vhd_status fault_next_data(vhd_io *io, uint64_t offset, uint64_t *data_start,
                                  uint64_t *data_end)
{
    struct vhd_io_fault *fault = impl_from_vhd_io(io);
    fault->next_data_calls++;
    vhd_status status = fault->inner->next_data(fault->inner, offset, data_start, data_end);
    io->os_error = fault->inner->os_error;
    return status;
}

void vhd_io_fault_init(struct vhd_io_fault *fault, vhd_io *inner)
{
    *fault = (struct vhd_io_fault){
        .io = {
            .create = fault_create,
            .write_at = fault_write_at,
            .flush = fault_flush,
            .close = fault_close,
            .remove = fault_remove,
            .allocate = fault_allocate,
            .open = fault_open,
            .read_at = fault_read_at,
            .get_size = fault_get_size,
        },
        .inner = inner,
        .fail_status = VHD_E_IO,
        .space_limit = UINT64_MAX,
        .read_limit = UINT64_MAX,
    };
    /* Passed on (and counted) only where the inner back end has them. */
    fault->io.set_size = inner->set_size != NULL ? fault_set_size : NULL;
    fault->io.set_size_allocates = inner->set_size_allocates;
    fault->io.publish = inner->publish != NULL ? fault_publish : NULL;
    fault->io.next_data = inner->next_data != NULL ? fault_next_data : NULL;
    fault->io.allocation_steps = inner->allocation_steps;
}
