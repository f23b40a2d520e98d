#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "create_parent_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "disk_chain.h"
#include "vhd_disk.h"
#include "vhd_io_posix.h"
#include "vhd_parent_posix.h"
#include "vhd_reader.h"
#include "vhdx_disk.h"

/* The parent is opened read-only with the reader, which checks every field against the
 * file, and, for a differencing parent, follows its whole chain (every parent found, its
 * unique id matching, no loop). Nothing is ever written to any of these files. */
vhd_status create_parent_check(const char *path, disk_format *format, vhd_parent_facts *facts,
                               vhdx_parent_facts *vhdx, struct create_parent_chain *chain,
                               char *reason, size_t reason_size, int *error)
{
    struct vhd_io_posix file;
    struct stat st;
    vhd_reader_error read_error;
    disk_chain *opened = NULL;
    vhd_status status;

    *error = 0;
    chain->count = 0;
    vhd_io_posix_init(&file, path);
    status = file.io.open(&file.io, VHD_IO_OPEN_READ);
    if (status != VHD_OK) {
        *error = file.io.os_error;
        snprintf(reason, reason_size, "the parent disk cannot be opened");
        return status;
    }
    vhd_file_identity identity = vhd_io_posix_identity(&file);
    if (disk_chain_open(&opened, &file.io, path, &identity, &vhd_parent_posix_opener, NULL,
                       &read_error) != VHD_READER_OK) {
        if (read_error.code == VHD_READER_IO) {
            *error = read_error.os_error;
            snprintf(reason, reason_size, "the parent disk cannot be read");
            status = read_error.io_status != VHD_OK ? read_error.io_status : VHD_E_IO;
        } else {
            const disk_image_class *class = NULL;
            vhd_reader_error probe_error;
            disk_image_probe(&file.io, &class, &probe_error);
            snprintf(reason, reason_size, "%s%s: %s",
                     vhd_reader_code_is_invalid_file(read_error.code)
                         ? "the parent is not a valid " : "the parent's chain does not resolve",
                     vhd_reader_code_is_invalid_file(read_error.code)
                         ? (class != NULL ? disk_format_name(class->format) : "VHD or VHDX") : "",
                     read_error.reason);
            status = read_error.code == VHD_READER_NO_MEMORY ? VHD_E_NO_MEMORY : VHD_E_IO;
        }
        file.io.close(&file.io);
        return status;
    }

    disk_image *top = disk_chain_image(opened, 0);
    *format = disk_image_info(top)->format;
    facts->size_bytes = disk_image_info(top)->size;
    if (*format == DISK_FORMAT_VHDX) {
        vhdx_parent_facts_from_info(vhdx, vhdx_image_get_info(vhdx_disk_image(top)));
    } else {
        const vhd_footer *footer = &vhd_image_get_info(vhd_disk_image(top))->footer;
        facts->geometry = footer->disk_geometry;
        memcpy(facts->unique_id, footer->unique_id, sizeof facts->unique_id);
    }
    /* The parent's last-write time, read before anything else happens to it. */
    facts->timestamp = fstat(file.fd, &st) == 0 ? vhd_timestamp_from_unix((int64_t)st.st_mtime) : 0;

    for (unsigned level = 0; level < disk_chain_depth(opened) && level < CREATE_PARENT_CHAIN_MAX;
         level++) {
        struct stat member;
        if (stat(disk_chain_name(opened, level), &member) != 0)
            continue;
        chain->files[chain->count].device = (uint64_t)member.st_dev;
        chain->files[chain->count].inode = (uint64_t)member.st_ino;
        chain->count++;
    }
    disk_chain_close(opened);
    file.io.close(&file.io);
    return VHD_OK;
}
