/* Stale parent paths of a differencing VHD, refreshed: when the parent is found (through a
 * locator, the header's name, or the opener's own search) and has the unique id the header
 * expects, but a locator names a path that no longer opens it, the locators and the header's
 * name are rewritten to the parent found, with the paths the host's creator of a child would
 * record (options->parent_paths), by the re-link (vhd_relink_parent, crash-safe: the new
 * locator data first, flushed, then the header in one write, flushed). A locator is judged as
 * check judges it (disk_parent_path.h): one this host cannot read (a Windows drive path on
 * Linux) is never stale. Runs last, on a disk
 * the reader opens; one the reader still refuses (a dry run of other repairs) is left. */
#include "vhd_repair_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "disk_error.h"
#include "disk_parent_path.h"
#include "vhd_reader_internal.h"

static char *to_utf8(const uint16_t *units, size_t length, char *out, size_t out_size)
{
    uint8_t bytes[2 * 1024];
    if (units == NULL || length == 0 || length > sizeof bytes / 2 || length * 3 + 1 > out_size)
        return NULL;
    for (size_t i = 0; i < length; i++) {
        bytes[2 * i] = (uint8_t)units[i];
        bytes[2 * i + 1] = (uint8_t)(units[i] >> 8);
    }
    return vhd_utf16_to_utf8(bytes, length, false, true, out, out_size) ? out : NULL;
}

vhd_reader_code vhd_repair_parent_paths(vhd_repair_job *r)
{
    const disk_repair_options *o = r->options;
    vhd_image *image;
    vhd_reader_error ignored;
    if (r->footer.disk_type != VHD_DISK_TYPE_DIFFERENCING || o->opener == NULL || o->name == NULL
        || o->parent_paths == NULL)
        return VHD_READER_OK;
    vhd_reader_code code = vhd_image_open(&image, r->io, NULL, &ignored);
    if (code == VHD_READER_IO || code == VHD_READER_NO_MEMORY) {
        *r->error = ignored;
        return code;
    }
    if (code != VHD_READER_OK)
        return VHD_READER_OK;
    const vhd_image_info *info = vhd_image_get_info(image);
    uint8_t id[16];
    memcpy(id, info->header.parent_unique_id, sizeof id);
    char found[4096] = "", stale[256] = "";
    size_t stale_used = 0;
    for (unsigned i = 0; i < info->locator_count; i++) {
        const vhd_locator_info *l = &info->locators[i];
        if (l->path == NULL
            || (l->platform_code != VHD_PLATFORM_W2KU && l->platform_code != VHD_PLATFORM_W2RU))
            continue;
        vhd_parent_candidate candidate = { l->platform_code, l->path };
        /* (a path this host cannot read, a Windows one on Linux, is not judged: left) */
        if (disk_parent_path_judge(o->opener, o->name, &candidate, DISK_FORMAT_VHD, id, found,
                                   sizeof found) == DISK_PARENT_PATH_STALE
            && stale_used + strlen(l->path) + 8 < sizeof stale)
            stale_used += (size_t)snprintf(stale + stale_used, sizeof stale - stale_used,
                                           "%s%s", stale_used ? ", " : "", l->path);
    }
    if (found[0] == '\0') {
        vhd_parent_candidate by_name = { VHD_PLATFORM_UNICODE_NAME, info->parent_name };
        disk_parent_path_judge(o->opener, o->name, &by_name, DISK_FORMAT_VHD, id, found,
                               sizeof found);
    }
    vhd_image_close(image);
    if (stale[0] == '\0')
        return VHD_READER_OK;
    if (found[0] == '\0') {
        vhd_repair_refuse(r, "no parent locator (%s) nor the header's name opens the parent, "
                          "so its paths cannot be refreshed: 'vsdisk relink' points the disk at "
                          "the parent wherever it is now", stale);
        return VHD_READER_OK;
    }
    disk_relink_paths paths;
    char absolute[3 * 1024 + 1], relative[3 * 1024 + 1];
    memset(&paths, 0, sizeof paths);
    if (!o->parent_paths(o->paths_ctx, o->name, found, &paths)
        || to_utf8(paths.absolute, paths.absolute_length, absolute, sizeof absolute) == NULL) {
        vhd_repair_refuse(r, "the parent locators %s no longer name the parent, found at %s, "
                          "but its paths could not be worked out here: 'vsdisk relink' "
                          "records them", stale, found);
        return VHD_READER_OK;
    }
    const char *rel = to_utf8(paths.relative, paths.relative_length, relative, sizeof relative);
    vhd_repair_change(r, "the parent locators %s, which no longer open the parent, rewritten "
                      "to the parent found at %s (absolute %s%s%s), as 'vsdisk relink' does",
                      stale, found, absolute, rel ? ", relative " : "", rel ? rel : "");
    if (o->dry_run)
        return VHD_READER_OK;
    return vhd_relink_parent(r->io, id, absolute, rel, r->error);
}
