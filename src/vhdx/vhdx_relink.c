/* Re-linking a differencing VHDX (vhdx_relink.h): plan the new locator's sectors from the file,
 * open the result in memory, then write them as one batch through the log. */
#include "vhdx_relink.h"

#include <stdlib.h>
#include <string.h>
#include "vhdx_reader_internal.h"
#include "vhdx_write_common.h"

/* The locator item's sectors (an item of at most VHDX_READER_LOCATOR_MAX_BYTES, unaligned) and
 * the metadata table's sector holding its entry. */
#define PLAN_SECTORS (VHDX_READER_LOCATOR_MAX_BYTES / VHDX_LOG_SECTOR_SIZE + 2 + 1)
_Static_assert(PLAN_SECTORS == 19, "VHDX_RELINK_HEAP_MAX counts 19 planned sectors");

struct plan {
    size_t count;
    vhdx_sector_change changes[PLAN_SECTORS];
    uint8_t *table;                 /* the metadata table, VHDX_METADATA_TABLE_SIZE bytes */
    uint8_t *sectors;               /* PLAN_SECTORS * 4 KiB */
};

/* A read-only view of a file with the planned sectors laid over it. */
struct planned_view {
    vhd_io io;
    vhd_io *inner;
    const struct plan *plan;
};

static vhd_status planned_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct planned_view *v = (struct planned_view *)io;
    vhd_status status = v->inner->read_at(v->inner, offset, buf, len);
    if (status != VHD_OK)
        return status;
    for (size_t i = 0; i < v->plan->count; i++) {
        const vhdx_sector_change *c = &v->plan->changes[i];
        if (!vhdx_ranges_overlap(offset, len, c->file_offset, VHDX_LOG_SECTOR_SIZE))
            continue;
        uint64_t from = offset > c->file_offset ? offset : c->file_offset;
        uint64_t to = offset + len < c->file_offset + VHDX_LOG_SECTOR_SIZE
                          ? offset + len : c->file_offset + VHDX_LOG_SECTOR_SIZE;
        memcpy((uint8_t *)buf + (from - offset), c->data + (from - c->file_offset),
               (size_t)(to - from));
    }
    return VHD_OK;
}

static vhd_status planned_get_size(vhd_io *io, uint64_t *size)
{
    struct planned_view *v = (struct planned_view *)io;
    return v->inner->get_size(v->inner, size);
}

static bool linked_to(const vhdx_image_info *info, const vhdx_guid *guid)
{
    vhdx_guid linkage;
    if (info->parent_linkage != NULL && vhdx_guid_parse(info->parent_linkage, &linkage)
        && vhdx_guid_equal(&linkage, guid))
        return true;
    return info->parent_linkage2 != NULL && vhdx_guid_parse(info->parent_linkage2, &linkage)
           && vhdx_guid_equal(&linkage, guid);
}

/* Adds the sector at offset (read from view) to the plan; its bytes. */
static uint8_t *plan_sector(struct plan *plan, vhd_io *view, uint64_t offset,
                            vhdx_reader_code *code, vhdx_reader_error *error)
{
    uint8_t *data = plan->sectors + plan->count * VHDX_LOG_SECTOR_SIZE;
    vhd_status status = view->read_at(view, offset, data, VHDX_LOG_SECTOR_SIZE);
    if (status != VHD_OK) {
        *code = vhdx_reader_fail_io(error, view, status, "metadata region", offset);
        return NULL;
    }
    plan->changes[plan->count].file_offset = offset;
    plan->changes[plan->count].data = data;
    plan->count++;
    return data;
}

/* Plans the re-link on the image (checks included); verify: open the result in memory (only
 * meaningful over a file with no pending log, whose replay would hide the plan). */
static vhdx_reader_code plan_relink(vhdx_image *image, const vhdx_parent_facts *parent,
                                    struct plan *plan, bool verify, vhdx_reader_error *error)
{
    const vhdx_image_info *info = vhdx_image_get_info(image);
    vhd_io *view = vhdx_image_io(image);
    vhdx_reader_code code = VHDX_READER_OK;
    char want[39], got[39];

    plan->count = 0;
    if (!info->has_parent)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the disk is not a differencing disk, so it has no parent");
    if (!linked_to(info, &parent->data_write_guid)) {
        vhdx_guid_format(&parent->data_write_guid, got);
        return vhdx_reader_fail(error, VHDX_READER_PARENT_ID_MISMATCH,
                                "the new parent's DataWriteGuid %s is not %s, the parent_linkage "
                                "of the differencing disk: it is not the disk the child was made "
                                "from, or it was changed since", got,
                                info->parent_linkage ? info->parent_linkage : "(none)");
    }
    (void)want;

    /* The locator's table entry, and where the next item begins. */
    const uint64_t region = info->metadata_region.file_offset;
    const uint64_t region_length = info->metadata_region.length;
    vhd_status status = view->read_at(view, region, plan->table, VHDX_METADATA_TABLE_SIZE);
    if (status != VHD_OK)
        return vhdx_reader_fail_io(error, view, status, "metadata table", region);
    uint32_t count = info->metadata_count, index = UINT32_MAX;
    vhdx_metadata_table_entry locator;
    memset(&locator, 0, sizeof locator);
    for (uint32_t i = 0; i < count && i < VHDX_METADATA_ENTRY_MAX; i++) {
        vhdx_metadata_table_entry e;
        vhdx_metadata_table_entry_decode(&e, plan->table + VHDX_METADATA_TABLE_HEADER_SIZE
                                                 + i * VHDX_METADATA_TABLE_ENTRY_SIZE);
        if (vhdx_guid_equal(&e.item_id, &vhdx_guid_parent_locator)
            && !(e.flags & VHDX_METADATA_IS_USER)) {
            index = i;
            locator = e;
        }
    }
    if (index == UINT32_MAX || locator.length == 0)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the differencing disk has no parent locator item to rewrite");
    uint64_t limit = region_length;
    for (uint32_t i = 0; i < count && i < VHDX_METADATA_ENTRY_MAX; i++) {
        vhdx_metadata_table_entry e;
        vhdx_metadata_table_entry_decode(&e, plan->table + VHDX_METADATA_TABLE_HEADER_SIZE
                                                 + i * VHDX_METADATA_TABLE_ENTRY_SIZE);
        if (i != index && e.length > 0 && e.offset > locator.offset && e.offset < limit)
            limit = e.offset;
    }
    uint32_t new_length = vhdx_locator_length(parent);
    if (new_length > VHDX_READER_LOCATOR_MAX_BYTES || locator.offset + (uint64_t)new_length > limit)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the new parent locator takes %u bytes but only %llu are free at "
                                "its place in the metadata region (vsdisk does not move metadata "
                                "items)", new_length,
                                (unsigned long long)(limit - locator.offset));

    /* The table's sector, with the entry's new Length. */
    uint64_t entry_at = region + VHDX_METADATA_TABLE_HEADER_SIZE
                        + (uint64_t)index * VHDX_METADATA_TABLE_ENTRY_SIZE;
    uint64_t table_sector = entry_at / VHDX_LOG_SECTOR_SIZE * VHDX_LOG_SECTOR_SIZE;
    uint8_t *data = plan_sector(plan, view, table_sector, &code, error);
    if (data == NULL)
        return code;
    vhdx_put32(data + (entry_at - table_sector) + 20, new_length);

    /* The item's sectors: zeros over the old item, then the new one. */
    uint64_t item = region + locator.offset;
    uint64_t span = locator.length > new_length ? locator.length : new_length;
    uint64_t first = item / VHDX_LOG_SECTOR_SIZE * VHDX_LOG_SECTOR_SIZE;
    uint64_t end = (item + span + VHDX_LOG_SECTOR_SIZE - 1) / VHDX_LOG_SECTOR_SIZE
                   * VHDX_LOG_SECTOR_SIZE;
    uint8_t *window = plan->sectors + plan->count * VHDX_LOG_SECTOR_SIZE;
    for (uint64_t at = first; at < end; at += VHDX_LOG_SECTOR_SIZE)
        if (plan_sector(plan, view, at, &code, error) == NULL)
            return code;
    size_t window_length = (size_t)(end - first);
    memset(window + (item - first), 0, (size_t)span);
    vhdx_locator_put(parent, item, first, window, window_length);

    if (!verify)
        return VHDX_READER_OK;
    struct planned_view planned = {
        .io = { .read_at = planned_read_at, .get_size = planned_get_size },
        .inner = view, .plan = plan,
    };
    vhdx_image *result;
    vhdx_reader_error check;
    if (vhdx_image_open(&result, &planned.io, NULL, &check) != VHDX_READER_OK) {
        if (check.code == VHDX_READER_IO || check.code == VHDX_READER_NO_MEMORY) {
            *error = check;
            return check.code;
        }
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the re-linked disk would not be valid: %s", check.reason);
    }
    bool linked = linked_to(vhdx_image_get_info(result), &parent->data_write_guid);
    vhdx_image_close(result);
    if (!linked)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                "the re-linked disk would not name its parent");
    return VHDX_READER_OK;
}

static vhdx_reader_code plan_on(vhd_io *io, const vhdx_parent_facts *parent,
                                const vhdx_reader_options *options, struct plan *plan,
                                bool verify, vhdx_reader_error *error)
{
    vhdx_image *image;
    vhdx_reader_code code = vhdx_image_open(&image, io, options, error);
    if (code != VHDX_READER_OK)
        return code;
    code = plan_relink(image, parent, plan, verify, error);
    vhdx_image_close(image);
    return code;
}

vhdx_reader_code vhdx_relink_parent(vhd_io *io, const vhdx_parent_facts *parent,
                                    const vhdx_writable_options *options,
                                    vhdx_reader_error *error)
{
    vhdx_reader_options reader = { options ? options->allocate : NULL,
                                   options ? options->release : NULL };
    void *(*allocate)(size_t) = reader.allocate ? reader.allocate : malloc;
    void (*release)(void *) = reader.release ? reader.release : free;
    vhdx_writable *writable = NULL;
    vhdx_reader_code code;
    struct plan plan;

    memset(&plan, 0, sizeof plan);
    vhdx_create_check paths = vhdx_check_parent_paths(parent);
    if (paths != VHDX_CREATE_VALID)
        return vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE, "the new parent's paths: %s",
                                vhdx_create_check_message(paths));
    plan.table = allocate(VHDX_METADATA_TABLE_SIZE);
    plan.sectors = allocate(PLAN_SECTORS * VHDX_LOG_SECTOR_SIZE);
    if (plan.table == NULL || plan.sectors == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the re-link");
        goto done;
    }
    /* Refusals first, before anything is written (a pending log is replayed in memory). */
    if ((code = plan_on(io, parent, &reader, &plan, false, error)) != VHDX_READER_OK)
        goto done;
    /* Then the writable open (a pending log replayed on disk), the plan on the clean file, the
     * result checked in memory, and the one batch. */
    if ((code = vhdx_writable_open(&writable, io, options, error)) != VHDX_READER_OK
        || (code = plan_on(io, parent, &reader, &plan, true, error)) != VHDX_READER_OK
        || (code = vhdx_writable_change(writable, plan.changes, plan.count, false, error))
               != VHDX_READER_OK
        || (code = vhdx_writable_settle(writable, error)) != VHDX_READER_OK)
        goto done;
done:
    vhdx_writable_close(writable);
    if (plan.table != NULL)
        release(plan.table);
    if (plan.sectors != NULL)
        release(plan.sectors);
    return code;
}

/* UTF-8 (as the reader decoded the locator: valid, NUL-terminated) to UTF-16 units; the count,
 * or SIZE_MAX if it does not fit in capacity. */
static size_t utf8_to_units(const char *text, uint16_t *out, size_t capacity)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t n = 0;
    while (*p != 0) {
        uint32_t c = *p++;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        c &= more == 3 ? 0x07u : more == 2 ? 0x0Fu : more == 1 ? 0x1Fu : 0x7Fu;
        for (int i = 0; i < more && (*p & 0xC0) == 0x80; i++)
            c = c << 6 | (*p++ & 0x3Fu);
        if (c >= 0x10000) {
            if (n + 2 > capacity)
                return SIZE_MAX;
            out[n++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            out[n++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            if (n + 1 > capacity)
                return SIZE_MAX;
            out[n++] = (uint16_t)c;
        }
    }
    return n;
}

vhdx_reader_code vhdx_relink_linkage(vhd_io *io, const vhdx_guid *current, const vhdx_guid *next,
                                     const vhdx_writable_options *options,
                                     vhdx_reader_error *error)
{
    vhdx_reader_options reader = { options ? options->allocate : NULL,
                                   options ? options->release : NULL };
    void *(*allocate)(size_t) = reader.allocate ? reader.allocate : malloc;
    void (*release)(void *) = reader.release ? reader.release : free;
    const size_t capacity = VHDX_READER_LOCATOR_MAX_BYTES / 2;
    uint16_t *units[3] = { NULL, NULL, NULL };
    size_t lengths[3] = { 0, 0, 0 };
    vhdx_parent_facts facts;
    vhdx_image *image;

    vhdx_reader_code code = vhdx_image_open(&image, io, &reader, error);
    if (code != VHDX_READER_OK)
        return code;
    const vhdx_image_info *info = vhdx_image_get_info(image);
    const char *paths[3] = { info->relative_path, info->volume_path, info->absolute_win32_path };
    for (int i = 0; i < 3 && code == VHDX_READER_OK; i++) {
        if (paths[i] == NULL)
            continue;
        units[i] = allocate(capacity * sizeof(uint16_t));
        if (units[i] == NULL)
            code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY,
                                    "out of memory for the parent locator's paths");
        else if ((lengths[i] = utf8_to_units(paths[i], units[i], capacity)) == SIZE_MAX)
            code = vhdx_reader_fail(error, VHDX_READER_NOT_POSSIBLE,
                                    "a path of the parent locator is too long to rewrite");
    }
    vhdx_image_close(image);
    if (code == VHDX_READER_OK) {
        memset(&facts, 0, sizeof facts);
        facts.data_write_guid = *current;
        if (next != NULL) {
            facts.has_data_write_guid2 = true;
            facts.data_write_guid2 = *next;
        }
        facts.relative_path = units[0];
        facts.relative_length = lengths[0];
        facts.volume_path = units[1];
        facts.volume_length = lengths[1];
        facts.absolute_win32_path = units[2];
        facts.absolute_win32_length = lengths[2];
        code = vhdx_relink_parent(io, &facts, options, error);
    }
    for (int i = 0; i < 3; i++)
        if (units[i] != NULL)
            release(units[i]);
    return code;
}
