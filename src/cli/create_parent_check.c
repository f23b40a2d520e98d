#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "create_parent_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd_format.h"
#include "vhd_io_posix.h"

/* Interim check until the reader lands: the footer at the end (or its copy at 0) decodes and
 * names a fixed, dynamic or differencing disk. */
vhd_status create_parent_check(const char *path, vhd_parent_facts *facts,
                               struct create_parent_chain *chain, char *reason,
                               size_t reason_size, int *error)
{
    uint8_t buf[VHD_FOOTER_SIZE];
    vhd_footer footer;
    struct stat st;
    vhd_status status = VHD_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    *error = 0;
    if (fd == -1) {
        *error = errno;
        snprintf(reason, reason_size, "the parent disk cannot be opened");
        return vhd_status_from_errno(*error);
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < VHD_FOOTER_SIZE ||
            pread(fd, buf, sizeof buf, st.st_size - VHD_FOOTER_SIZE) != (ssize_t)sizeof buf ||
            vhd_footer_decode(&footer, buf, sizeof buf) != VHD_FORMAT_OK ||
            (footer.disk_type != VHD_DISK_TYPE_FIXED && footer.disk_type != VHD_DISK_TYPE_DYNAMIC &&
             footer.disk_type != VHD_DISK_TYPE_DIFFERENCING)) {
        snprintf(reason, reason_size, "the parent is not a valid VHD");
        status = VHD_E_IO;
        goto done;
    }
    facts->size_bytes = footer.current_size;
    facts->geometry = footer.disk_geometry;
    memcpy(facts->unique_id, footer.unique_id, sizeof facts->unique_id);
    facts->timestamp = vhd_timestamp_from_unix((int64_t)st.st_mtime);
    chain->count = 1;
    chain->files[0].device = (uint64_t)st.st_dev;
    chain->files[0].inode = (uint64_t)st.st_ino;
done:
    close(fd);
    return status;
}
