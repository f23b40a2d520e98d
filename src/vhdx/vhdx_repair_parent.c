/* Stale parent paths of a differencing VHDX, refreshed (the last step of vhdx_repair): when
 * the parent is found through one of the locator's paths (relative_path, volume_path,
 * absolute_win32_path: the reader's own search) with the DataWriteGuid parent_linkage (or
 * parent_linkage2) names, but another of those paths no longer opens it, the locator is
 * rewritten with the paths the host's creator of a child would record for the parent found
 * (options->parent_paths), by the re-link (vhdx_relink_parent: one batch through the log, so a
 * cut leaves the old locator or the new one). parent_linkage and parent_linkage2 are written
 * back as they were: only where the parent is changes. No path opens the parent: refused,
 * nothing guessed. A path this host cannot read (a Windows drive or volume path on Linux) is
 * never called stale. */
#include "vhdx_repair.h"

#include <stdio.h>
#include <string.h>
#include "disk_error.h"
#include "disk_parent_path.h"
#include "vhdx_disk.h"
#include "vhd_reader_internal.h"
#include "vhdx_reader_internal.h"
#include "vhdx_relink.h"

struct parent_search {
    vhdx_guid linkage[2];
    unsigned linkages;
    char found[4096];
    char stale[DISK_REPAIR_LINE_SIZE];     /* the stale paths named, as many as fit */
    size_t stale_used;
    unsigned stale_count;
};

static void judge(const disk_repair_options *o, struct parent_search *s, const char *key,
                  const char *path, uint32_t platform)
{
    const vhd_parent_candidate candidate = { platform, path };
    disk_parent_path_state state = DISK_PARENT_PATH_STALE;
    if (path == NULL || path[0] == '\0')
        return;
    for (unsigned i = 0; i < s->linkages && state == DISK_PARENT_PATH_STALE; i++)
        state = disk_parent_path_judge(o->opener, o->name, &candidate, DISK_FORMAT_VHDX,
                                       s->linkage[i].bytes, s->found, sizeof s->found);
    if (state != DISK_PARENT_PATH_STALE)
        return;
    s->stale_count++;
    const char *named = s->stale_used + strlen(key) + strlen(path) + 8 < sizeof s->stale
                            ? path : "(a long path)";
    if (s->stale_used + strlen(key) + strlen(named) + 8 < sizeof s->stale)
        s->stale_used += (size_t)snprintf(s->stale + s->stale_used,
                                          sizeof s->stale - s->stale_used, "%s%s %s",
                                          s->stale_used ? ", " : "", key, named);
}

/* UTF-16 units to UTF-8 for a sentence ("" when they do not fit or are not valid). */
static const char *to_utf8(const uint16_t *units, size_t length, char *out, size_t out_size)
{
    uint8_t bytes[2 * 1024];
    out[0] = '\0';
    if (units == NULL || length == 0 || length > sizeof bytes / 2 || length * 3 + 1 > out_size)
        return out;
    for (size_t i = 0; i < length; i++) {
        bytes[2 * i] = (uint8_t)units[i];
        bytes[2 * i + 1] = (uint8_t)(units[i] >> 8);
    }
    if (!vhd_utf16_to_utf8(bytes, length, false, true, out, out_size))
        out[0] = '\0';
    return out;
}

vhd_reader_code vhdx_repair_parent_paths(vhd_io *io, const disk_repair_options *o,
                                         disk_repair_report *report, vhd_reader_error *error)
{
    const vhdx_reader_options reader = { o->allocate, o->release };
    struct parent_search s;
    vhdx_reader_error inner;
    vhdx_image *image;
    vhdx_parent_facts facts;

    if (o->opener == NULL || o->name == NULL || o->parent_paths == NULL)
        return VHD_READER_OK;
    if (vhdx_image_open(&image, io, &reader, &inner) != VHDX_READER_OK) {
        if (inner.code == VHDX_READER_IO || inner.code == VHDX_READER_NO_MEMORY)
            return vhdx_disk_translate_error(&inner, error);
        return VHD_READER_OK;           /* (a dry run of a repair the reader still refuses) */
    }
    const vhdx_image_info *info = vhdx_image_get_info(image);
    memset(&s, 0, sizeof s);
    memset(&facts, 0, sizeof facts);
    if (info->has_parent) {
        const char *linkages[2] = { info->parent_linkage, info->parent_linkage2 };
        for (int i = 0; i < 2; i++)
            if (linkages[i] != NULL && vhdx_guid_parse(linkages[i], &s.linkage[s.linkages]))
                s.linkages++;
        facts.has_data_write_guid2 = info->parent_linkage2 != NULL && s.linkages == 2;
        judge(o, &s, "relative_path", info->relative_path, VHD_PLATFORM_W2RU);
        judge(o, &s, "volume_path", info->volume_path, VHD_PLATFORM_W2KU);
        judge(o, &s, "absolute_win32_path", info->absolute_win32_path, VHD_PLATFORM_W2KU);
    }
    vhdx_image_close(image);
    if (s.stale_count == 0 || s.linkages == 0)
        return VHD_READER_OK;
    if (s.found[0] == '\0') {
        disk_repair_say_refusal(report, "the parent was not found: no path its locator "
                                "records opens it (%s), so nothing was written and nothing "
                                "guessed; 'vsdisk relink CHILD PARENT' points the disk at it",
                                s.stale);
        return VHD_READER_OK;
    }
    disk_relink_paths paths;
    char absolute[1024], relative[1024];
    memset(&paths, 0, sizeof paths);
    if (!o->parent_paths(o->paths_ctx, o->name, s.found, &paths) || paths.absolute_length == 0) {
        disk_repair_say_refusal(report, "stale parent paths (%s) not rewritten: the parent "
                                "is found at %s, but its paths could not be worked out here "
                                "('vsdisk relink' records them)", s.stale, s.found);
        return VHD_READER_OK;
    }
    to_utf8(paths.absolute, paths.absolute_length, absolute, sizeof absolute);
    to_utf8(paths.relative, paths.relative_length, relative, sizeof relative);
    disk_repair_say_change(report, "stale parent paths (%s) %s through the log to the parent "
                           "found at %s: absolute_win32_path %s%s%s, parent_linkage kept, as "
                           "'vsdisk relink' does", s.stale,
                           o->dry_run ? "would be rewritten" : "rewritten", s.found, absolute,
                           relative[0] ? ", relative_path " : "", relative);
    if (o->dry_run)
        return VHD_READER_OK;
    if (o->random == NULL)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "no source of random GUIDs to "
                               "update the headers with");
    /* The linkages written back as they are; only the paths change. */
    facts.data_write_guid = s.linkage[0];
    if (facts.has_data_write_guid2)
        facts.data_write_guid2 = s.linkage[1];
    facts.absolute_win32_path = paths.absolute;
    facts.absolute_win32_length = paths.absolute_length;
    facts.relative_path = paths.relative;
    facts.relative_length = paths.relative_length;
    facts.volume_path = paths.volume;
    facts.volume_length = paths.volume_length;
    const vhdx_writable_options writable = { o->random, o->ctx, o->allocate, o->release };
    if (vhdx_relink_parent(io, &facts, &writable, &inner) != VHDX_READER_OK)
        return vhdx_disk_translate_error(&inner, error);
    return VHD_READER_OK;
}
