#ifdef __linux__
#define _GNU_SOURCE          /* fallocate(), F_OFD_SETLK */
#endif
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "vhd_io_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define WRITE_BEHIND (8u * 1024 * 1024)

static struct vhd_io_posix *impl_from_vhd_io(vhd_io *io)
{
    return (struct vhd_io_posix *)io;
}

vhd_status vhd_status_from_errno(int error)
{
    switch (error) {
    case 0:            return VHD_OK;
    case EEXIST:       return VHD_E_EXISTS;
    case ENOENT:       return VHD_E_NOT_FOUND;
    case ENOTDIR:      return VHD_E_NOT_DIRECTORY;
    case EACCES:
    case EPERM:
    case EROFS:        return VHD_E_ACCESS;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
                       return VHD_E_NO_SPACE;
    case EFBIG:        return VHD_E_TOO_LARGE;
    case ENAMETOOLONG:
    case EINVAL:       return VHD_E_INVALID_PATH;
    case ENOMEM:       return VHD_E_NO_MEMORY;
    default:           return VHD_E_IO;
    }
}

static vhd_status fail_with_errno(vhd_io *io, int error)
{
    io->os_error = error;
    return vhd_status_from_errno(error);
}

static vhd_status posix_create(vhd_io *io)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    struct stat st;
    if (posix->fd != -1 || posix->created)
        return fail_with_errno(io, EALREADY);   /* create() is called once */
    if (posix->final_path != NULL && lstat(posix->final_path, &st) == 0)
        return fail_with_errno(io, EEXIST);
    /* O_EXCL fails on anything already there, a dangling symbolic link included. */
    int fd = open(posix->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -1)
        return fail_with_errno(io, errno);
    posix->fd = fd;
    posix->created = true;
    return VHD_OK;
}

static vhd_status posix_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    const unsigned char *p = buf;
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset)
        return fail_with_errno(io, EFBIG);
    while (len > 0) {
        ssize_t written = pwrite(posix->fd, p, len, (off_t)offset);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return fail_with_errno(io, errno);
        }
        if (written == 0)   /* no progress and no error: treat as a full device */
            return fail_with_errno(io, ENOSPC);
        p += written;
        offset += (uint64_t)written;
        len -= (size_t)written;
        posix->unflushed += (uint64_t)written;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    /* Write-behind: every WRITE_BEHIND bytes, start (without waiting) the writeback of what
     * the file has dirty, so the device writes while the job goes on reading, and the flush
     * at the end has little left to wait for. Only timing changes: durability still comes
     * from flush(). */
    if (posix->unflushed >= WRITE_BEHIND) {
        posix->unflushed = 0;
        sync_file_range(posix->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
#endif
    return VHD_OK;
}

static vhd_status posix_flush(vhd_io *io)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    while (fdatasync(posix->fd) != 0) {
        if (errno != EINTR)
            return fail_with_errno(io, errno);
    }
    return VHD_OK;
}

/* Linux fallocate() mode 0 reserves unwritten extents: allocated, reading as zeros, no data
 * written. glibc's posix_fallocate() would instead fall back to writing a byte per block on
 * file systems without it, so on Linux an unsupported file system is reported and the writer
 * writes zeros itself, with its bounded buffer, cancellable. */
static vhd_status posix_allocate(vhd_io *io, uint64_t offset, uint64_t len)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    int error;
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset)
        return fail_with_errno(io, EFBIG);
    if (len == 0)
        return VHD_OK;
#ifdef __linux__
    do
        error = fallocate(posix->fd, 0, (off_t)offset, (off_t)len) == 0 ? 0 : errno;
    while (error == EINTR);
#else
    do
        error = posix_fallocate(posix->fd, (off_t)offset, (off_t)len);
    while (error == EINTR);
    if (error == EINVAL)   /* POSIX: the file system does not support the operation */
        error = EOPNOTSUPP;
#endif
    if (error == EOPNOTSUPP || error == ENOSYS) {
        io->os_error = error;
        return VHD_E_NOT_SUPPORTED;
    }
    if (error != 0)
        return fail_with_errno(io, error);
    return VHD_OK;
}

static vhd_status posix_close(vhd_io *io)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    /* The descriptor is gone even when close() fails (POSIX leaves it unspecified on EINTR,
     * Linux always releases it), so never retry. */
    int result = close(posix->fd);
    posix->fd = -1;
    if (result != 0 && errno != EINTR)
        return fail_with_errno(io, errno);
    return VHD_OK;
}

static vhd_status posix_remove(vhd_io *io)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    vhd_status status = VHD_OK;
    if (posix->fd != -1) {
        close(posix->fd);
        posix->fd = -1;
    }
    if (posix->created) {
        posix->created = false;
        if (unlink(posix->path) != 0)
            status = fail_with_errno(io, errno);
    }
    return status;
}

static vhd_status posix_set_size(vhd_io *io, uint64_t size)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    if (size > (uint64_t)INT64_MAX)
        return fail_with_errno(io, EFBIG);
    while (ftruncate(posix->fd, (off_t)size) != 0) {
        if (errno != EINTR)
            return fail_with_errno(io, errno);
    }
    return VHD_OK;
}

/* "Held for writing", natively: the open file description locks qemu uses (fcntl F_OFD_SETLK on
 * single bytes, shared locks only), so that vsdisk and qemu (qemu-img, qemu-io, a running VM)
 * see each other. Byte 100 + n says "I use permission n", byte 200 + n "I refuse to share
 * permission n"; n = 0 consistent read, 1 write, 3 resize. A writer takes 100, 101, 103, 201
 * and 203; a reader that refuses writers takes 100, 201 and 203. Then each checks that nobody
 * else holds the bytes that conflict (a writer: 101, 103, 201, 203; a reader refusing
 * writers: 101, 103) by asking whether an exclusive lock could be placed there (F_OFD_GETLK).
 * Plain readers (VHD_IO_OPEN_READ, e.g. "info") take no lock. The locks go with the
 * descriptor. EAGAIN when someone holds a conflicting one. */
static int lock_byte(int fd, short type, off_t byte, bool test)
{
#ifdef F_OFD_SETLK
    struct flock lock = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };
    if (fcntl(fd, test ? F_OFD_GETLK : F_OFD_SETLK, &lock) != 0)
        return errno == EACCES ? EAGAIN : errno;
    return test && lock.l_type != F_UNLCK ? EAGAIN : 0;
#else
    (void)fd; (void)type; (void)byte; (void)test;
    return 0;   /* no OFD locks on this system: nothing is detected */
#endif
}

static int lock_for(int fd, vhd_io_open_mode mode)
{
    static const off_t writer_takes[] = { 100, 101, 103, 201, 203 };
    static const off_t writer_checks[] = { 101, 103, 201, 203 };
    static const off_t reader_takes[] = { 100, 201, 203 };
    static const off_t reader_checks[] = { 101, 103 };
    const off_t *takes, *checks;
    size_t take_count, check_count;
    int error = 0;
    if (mode == VHD_IO_OPEN_READ)
        return 0;
    if (mode == VHD_IO_OPEN_READ_WRITE) {
        takes = writer_takes, take_count = sizeof writer_takes / sizeof *writer_takes;
        checks = writer_checks, check_count = sizeof writer_checks / sizeof *writer_checks;
    } else {
        takes = reader_takes, take_count = sizeof reader_takes / sizeof *reader_takes;
        checks = reader_checks, check_count = sizeof reader_checks / sizeof *reader_checks;
    }
    for (size_t i = 0; i < take_count && error == 0; i++)
        error = lock_byte(fd, F_RDLCK, takes[i], false);
    /* Our own shared locks do not conflict with the test: F_OFD_GETLK ignores the caller's. */
    for (size_t i = 0; i < check_count && error == 0; i++)
        error = lock_byte(fd, F_WRLCK, checks[i], true);
    return error;
}

static vhd_status posix_open(vhd_io *io, vhd_io_open_mode mode)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    struct stat st;
    if (posix->fd != -1 || posix->created)
        return fail_with_errno(io, EALREADY);
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below. */
    int flags = (mode == VHD_IO_OPEN_READ_WRITE ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC
        | O_NOCTTY;
    int fd = open(posix->path, flags);
    if (fd == -1)
        return fail_with_errno(io, errno);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        /* A folder (EISDIR) or a FIFO, device or socket (EINVAL): not a file a disk can be;
         * the path itself is fine, so not VHD_E_NOT_DIRECTORY ("a component is not a folder"). */
        int error = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        io->os_error = error;
        return VHD_E_INVALID_PATH;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
        int error = errno;
        close(fd);
        return fail_with_errno(io, error);
    }
    int error = lock_for(fd, mode);
    if (error != 0) {
        close(fd);
        io->os_error = error;
        return error == EAGAIN ? VHD_E_IN_USE : vhd_status_from_errno(error);
    }
    posix->fd = fd;
    posix->device = (uint64_t)st.st_dev;
    posix->inode = (uint64_t)st.st_ino;
    return VHD_OK;
}

static vhd_status posix_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    unsigned char *p = buf;
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset) {
        io->os_error = 0;
        return VHD_E_END_OF_FILE;
    }
    while (len > 0) {
        ssize_t got = pread(posix->fd, p, len, (off_t)offset);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return fail_with_errno(io, errno);
        }
        if (got == 0) {   /* the file ends here */
            io->os_error = 0;
            return VHD_E_END_OF_FILE;
        }
        p += got;
        offset += (uint64_t)got;
        len -= (size_t)got;
    }
    return VHD_OK;
}

/* The folder of path, flushed so that a new name in it survives a crash. */
static int flush_folder(const char *path)
{
    char folder[4096];
    const char *slash = strrchr(path, '/');
    size_t len = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
    if (len >= sizeof folder)
        return ENAMETOOLONG;
    memcpy(folder, slash == NULL ? "." : path, len);
    folder[len] = '\0';
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1)
        return errno;
    int error = fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
    close(fd);
    return error;
}

static vhd_status posix_publish(vhd_io *io)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    if (posix->final_path == NULL || !posix->created || posix->fd != -1)
        return fail_with_errno(io, EINVAL);
    /* link() never replaces what is at the new name: the no-replace rename of POSIX. */
    if (link(posix->path, posix->final_path) != 0) {
        int error = errno;
        if (error != EPERM && error != ENOTSUP && error != EOPNOTSUPP && error != EXDEV)
            return fail_with_errno(io, error);
        /* A file system without hard links (FAT, some FUSE): check, then rename. */
        struct stat st;
        if (lstat(posix->final_path, &st) == 0)
            return fail_with_errno(io, EEXIST);
        if (rename(posix->path, posix->final_path) != 0)
            return fail_with_errno(io, errno);
    } else if (unlink(posix->path) != 0) {
        int error = errno;
        unlink(posix->final_path);
        return fail_with_errno(io, error);
    }
    posix->created = false;   /* the file is the user's now: remove() leaves it */
    int error = flush_folder(posix->final_path);
    if (error != 0)
        return fail_with_errno(io, error);
    return VHD_OK;
}

static vhd_status posix_get_size(vhd_io *io, uint64_t *size)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    struct stat st;
    if (posix->fd == -1)
        return fail_with_errno(io, EBADF);
    if (fstat(posix->fd, &st) != 0)
        return fail_with_errno(io, errno);
    *size = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
    return VHD_OK;
}

/* SEEK_DATA and SEEK_HOLE: where the file system keeps no data, nothing needs reading. A
 * system or file system without them reports the rest of the file as one run of data. */
static vhd_status posix_next_data(vhd_io *io, uint64_t offset, uint64_t *data_start,
                                  uint64_t *data_end)
{
    struct vhd_io_posix *posix = impl_from_vhd_io(io);
    uint64_t size = 0;
    vhd_status status = posix_get_size(io, &size);
    if (status != VHD_OK)
        return status;
    *data_start = *data_end = size;
    if (offset >= size)
        return VHD_OK;
#if defined(SEEK_DATA) && defined(SEEK_HOLE)
    off_t start = lseek(posix->fd, (off_t)offset, SEEK_DATA);
    if (start == (off_t)-1) {
        if (errno == ENXIO)          /* no data from offset to the end */
            return VHD_OK;
        if (errno != EINVAL && errno != EOPNOTSUPP)
            return fail_with_errno(io, errno);
        *data_start = offset;        /* not supported here: all data */
        return VHD_OK;
    }
    off_t end = lseek(posix->fd, start, SEEK_HOLE);
    if (end == (off_t)-1)
        return errno == ENXIO ? VHD_OK : fail_with_errno(io, errno);
    *data_start = (uint64_t)start < size ? (uint64_t)start : size;
    *data_end = (uint64_t)end < size ? (uint64_t)end : size;
    if (*data_end < *data_start)
        *data_end = *data_start;
#else
    (void)posix;
    *data_start = offset;
#endif
    return VHD_OK;
}

void vhd_io_posix_init(struct vhd_io_posix *posix, const char *path)
{
    posix->io.create = posix_create;
    posix->io.write_at = posix_write_at;
    posix->io.flush = posix_flush;
    posix->io.close = posix_close;
    posix->io.remove = posix_remove;
    posix->io.open = posix_open;
    posix->io.read_at = posix_read_at;
    posix->io.get_size = posix_get_size;
    posix->io.os_error = 0;
    posix->io.allocate = posix_allocate;
    posix->io.allocation_steps = 0;
    posix->io.set_size = posix_set_size;
    posix->io.set_size_allocates = false;   /* ftruncate leaves a hole */
    posix->io.publish = NULL;
    posix->io.next_data = posix_next_data;
    posix->final_path = NULL;
    posix->unflushed = 0;
    posix->path = path;
    posix->fd = -1;
    posix->created = false;
    posix->device = posix->inode = 0;
}

void vhd_io_posix_init_staged(struct vhd_io_posix *posix, const char *temp_path,
                              const char *final_path)
{
    vhd_io_posix_init(posix, temp_path);
    posix->final_path = final_path;
    posix->io.publish = posix_publish;
}
