/* A recorded parent path judged (disk_parent_path.h). */
#include "disk_parent_path.h"

#include <string.h>

bool disk_parent_path_recorded(const vhd_parent_candidate *candidate)
{
    return candidate->path != NULL && candidate->path[0] != '\0'
           && (candidate->platform_code == VHD_PLATFORM_W2KU
               || candidate->platform_code == VHD_PLATFORM_W2RU);
}

disk_parent_path_state disk_parent_path_judge(const vhd_parent_opener *opener,
                                              const char *child_name,
                                              const vhd_parent_candidate *candidate,
                                              disk_format format, const uint8_t id[16],
                                              char *found, size_t found_size)
{
    vhd_parent_file file;
    disk_image *image;
    vhd_reader_error ignored;
    memset(&file, 0, sizeof file);
    vhd_status status = opener->open(opener->ctx, child_name, candidate, &file);
    if (status == VHD_E_INVALID_PATH || status == VHD_E_NO_MEMORY)
        return DISK_PARENT_PATH_UNKNOWN;
    if (status != VHD_OK)
        return DISK_PARENT_PATH_STALE;
    disk_parent_path_state state = DISK_PARENT_PATH_STALE;
    vhd_reader_code code = disk_image_open(&image, file.io, NULL, &ignored);
    if (code == VHD_READER_OK) {
        const disk_info *info = disk_image_info(image);
        if (info->format == format && memcmp(info->id, id, 16) == 0)
            state = DISK_PARENT_PATH_OPENS;
        disk_image_close(image);
    } else if (code == VHD_READER_NO_MEMORY || code == VHD_READER_IO) {
        state = DISK_PARENT_PATH_UNKNOWN;   /* could not tell: never a reason to rewrite */
    }
    if (state == DISK_PARENT_PATH_OPENS && found != NULL && found[0] == '\0'
        && file.name != NULL && strlen(file.name) < found_size)
        strcpy(found, file.name);
    if (opener->close != NULL)
        opener->close(opener->ctx, &file);
    return state;
}
