/* The metadata region [spec 2.6]: its table, the five system items every disk has, and the
 * parent locator of a differencing disk (keys and values decoded to UTF-8). */
#include "vhdx_reader_internal.h"

#include <string.h>

enum item {
    ITEM_FILE_PARAMETERS, ITEM_VIRTUAL_DISK_SIZE, ITEM_VIRTUAL_DISK_ID,
    ITEM_LOGICAL_SECTOR_SIZE, ITEM_PHYSICAL_SECTOR_SIZE, ITEM_PARENT_LOCATOR, ITEM_COUNT
};

static const struct known_item {
    const vhdx_guid *guid;
    const char *name;
    uint32_t length;                /* 0: variable */
    uint32_t flags_required;        /* flags the item must carry */
} known_items[ITEM_COUNT] = {
    { &vhdx_guid_file_parameters, "File Parameters", VHDX_FILE_PARAMETERS_SIZE,
      VHDX_METADATA_IS_REQUIRED },
    { &vhdx_guid_virtual_disk_size, "Virtual Disk Size", VHDX_VIRTUAL_DISK_SIZE_SIZE,
      VHDX_METADATA_IS_REQUIRED | VHDX_METADATA_IS_VIRTUAL_DISK },
    { &vhdx_guid_virtual_disk_id, "Virtual Disk ID", VHDX_VIRTUAL_DISK_ID_SIZE,
      VHDX_METADATA_IS_REQUIRED | VHDX_METADATA_IS_VIRTUAL_DISK },
    { &vhdx_guid_logical_sector_size, "Logical Sector Size", VHDX_SECTOR_SIZE_ITEM_SIZE,
      VHDX_METADATA_IS_REQUIRED | VHDX_METADATA_IS_VIRTUAL_DISK },
    /* IsRequired may be clear: VirtualBox saw "early images" without it. */
    { &vhdx_guid_physical_sector_size, "Physical Sector Size", VHDX_SECTOR_SIZE_ITEM_SIZE,
      VHDX_METADATA_IS_VIRTUAL_DISK },
    { &vhdx_guid_parent_locator, "Parent Locator", 0, 0 },
};

static vhdx_reader_code read_item(vhdx_image *image, const vhdx_metadata_table_entry *e,
                                  void *buf, size_t len, vhdx_reader_error *error)
{
    return vhdx_image_read(image, image->info.metadata_region.file_offset + e->offset, buf, len,
                           "metadata item", error);
}

static bool is_power_of_two(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static vhdx_reader_code load_system_items(vhdx_image *image, const vhdx_metadata_table_entry *e,
                                          vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    uint8_t buf[16];
    vhdx_reader_code code;

    if ((code = read_item(image, &e[ITEM_FILE_PARAMETERS], buf, 8, error)) != VHDX_READER_OK)
        return code;
    vhdx_file_parameters_decode(&info->file_parameters, buf);
    const vhdx_file_parameters *fp = &info->file_parameters;
    if (!is_power_of_two(fp->block_size) || fp->block_size < VHDX_BLOCK_SIZE_MIN
        || fp->block_size > VHDX_BLOCK_SIZE_MAX)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the BlockSize %u is not a power of two from 1 MiB to 256 MiB",
                                (unsigned)fp->block_size);
    if ((fp->flags & ~(VHDX_FILE_PARAMETERS_LEAVE_BLOCK_ALLOCATED
                       | VHDX_FILE_PARAMETERS_HAS_PARENT)) != 0)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the File Parameters hold reserved flag bits (0x%08x)",
                                (unsigned)fp->flags);
    info->block_size = fp->block_size;
    info->has_parent = (fp->flags & VHDX_FILE_PARAMETERS_HAS_PARENT) != 0;
    info->leave_blocks_allocated = (fp->flags & VHDX_FILE_PARAMETERS_LEAVE_BLOCK_ALLOCATED) != 0;
    info->kind = info->has_parent ? VHDX_KIND_DIFFERENCING
               : info->leave_blocks_allocated ? VHDX_KIND_FIXED : VHDX_KIND_DYNAMIC;

    if ((code = read_item(image, &e[ITEM_LOGICAL_SECTOR_SIZE], buf, 4, error)) != VHDX_READER_OK)
        return code;
    info->logical_sector_size = vhdx_get32(buf);
    if ((code = read_item(image, &e[ITEM_PHYSICAL_SECTOR_SIZE], buf, 4, error)) != VHDX_READER_OK)
        return code;
    info->physical_sector_size = vhdx_get32(buf);
    if (info->logical_sector_size != 512 && info->logical_sector_size != 4096)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the LogicalSectorSize %u is not 512 or 4096",
                                (unsigned)info->logical_sector_size);
    if (info->physical_sector_size != 512 && info->physical_sector_size != 4096)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the PhysicalSectorSize %u is not 512 or 4096",
                                (unsigned)info->physical_sector_size);

    if ((code = read_item(image, &e[ITEM_VIRTUAL_DISK_SIZE], buf, 8, error)) != VHDX_READER_OK)
        return code;
    info->virtual_size = vhdx_get64(buf);
    if (info->virtual_size == 0 || info->virtual_size > VHDX_MAX_DISK_SIZE
        || info->virtual_size % info->logical_sector_size != 0)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the VirtualDiskSize %llu is not a positive multiple of the "
                                "%u-byte logical sector up to 64 TiB",
                                (unsigned long long)info->virtual_size,
                                (unsigned)info->logical_sector_size);

    if ((code = read_item(image, &e[ITEM_VIRTUAL_DISK_ID], buf, 16, error)) != VHDX_READER_OK)
        return code;
    memcpy(info->virtual_disk_id.bytes, buf, 16);
    return VHDX_READER_OK;
}

static const char *const path_keys[3] = { "relative_path", "volume_path", "absolute_win32_path" };

/* The parent locator item [spec 2.6.2.6]: header, key-value entries, UTF-16LE strings. */
static vhdx_reader_code load_locator(vhdx_image *image, const vhdx_metadata_table_entry *e,
                                     vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    vhdx_parent_locator_header h;
    vhdx_reader_code code;
    if (e->length > VHDX_READER_LOCATOR_MAX_BYTES)
        return vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator is %u bytes long, more than the %u this "
                                "reader accepts", (unsigned)e->length,
                                VHDX_READER_LOCATOR_MAX_BYTES);
    if (e->length < VHDX_PARENT_LOCATOR_HEADER_SIZE)
        return vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator is %u bytes long, shorter than its header",
                                (unsigned)e->length);
    uint8_t *item = vhdx_image_alloc(image, e->length);
    if (item == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the locator");
    if ((code = read_item(image, e, item, e->length, error)) != VHDX_READER_OK)
        goto done;
    vhdx_parent_locator_header_decode(&h, item);
    info->locator_type = h.locator_type;
    if (!vhdx_guid_equal(&h.locator_type, &vhdx_guid_vhdx_locator_type)) {
        char guid[39];
        vhdx_guid_format(&h.locator_type, guid);
        code = vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                "the parent locator's LocatorType %s is unknown", guid);
        goto done;
    }
    uint64_t table_end = VHDX_PARENT_LOCATOR_HEADER_SIZE
        + (uint64_t)h.key_value_count * VHDX_PARENT_LOCATOR_ENTRY_SIZE;
    if (h.key_value_count == 0 || h.key_value_count > VHDX_READER_LOCATOR_ENTRIES_MAX
        || table_end > e->length) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator's KeyValueCount %u is not from 1 to %u "
                                "entries inside its %u bytes", (unsigned)h.key_value_count,
                                VHDX_READER_LOCATOR_ENTRIES_MAX, (unsigned)e->length);
        goto done;
    }
    /* Keys and values may not share bytes, so their text is bounded by the item's size. */
    uint64_t string_bytes = 0;
    for (unsigned i = 0; i < h.key_value_count; i++) {
        vhdx_parent_locator_entry kv;
        vhdx_parent_locator_entry_decode(&kv, item + VHDX_PARENT_LOCATOR_HEADER_SIZE
                                         + i * VHDX_PARENT_LOCATOR_ENTRY_SIZE);
        if (kv.key_length == 0 || kv.value_length == 0 || kv.key_length % 2 != 0
            || kv.value_length % 2 != 0
            || (uint64_t)kv.key_offset + kv.key_length > e->length
            || (uint64_t)kv.value_offset + kv.value_length > e->length
            || kv.key_offset < table_end || kv.value_offset < table_end) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                    "parent locator entry %u (key at %u, %u bytes; value at %u, "
                                    "%u bytes) is empty, odd or outside the %u-byte item", i,
                                    (unsigned)kv.key_offset, (unsigned)kv.key_length,
                                    (unsigned)kv.value_offset, (unsigned)kv.value_length,
                                    (unsigned)e->length);
            goto done;
        }
        string_bytes += (uint64_t)kv.key_length + kv.value_length;
    }
    if (string_bytes > e->length - table_end) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator's keys and values take %llu bytes, more "
                                "than the %llu after its table: they overlap",
                                (unsigned long long)string_bytes,
                                (unsigned long long)(e->length - table_end));
        goto done;
    }
    size_t text_size = (size_t)string_bytes / 2 * 3 + 2u * h.key_value_count;
    char *text = vhdx_image_alloc(image, text_size);
    if (text == NULL) {
        code = vhdx_reader_fail(error, VHDX_READER_NO_MEMORY, "out of memory for the locator");
        goto done;
    }
    image->locator_text = text;
    size_t used = 0;
    for (unsigned i = 0; i < h.key_value_count; i++) {
        vhdx_parent_locator_entry kv;
        vhdx_parent_locator_entry_decode(&kv, item + VHDX_PARENT_LOCATOR_HEADER_SIZE
                                         + i * VHDX_PARENT_LOCATOR_ENTRY_SIZE);
        char *key = text + used;
        if (!vhdx_utf16le_to_utf8(item + kv.key_offset, kv.key_length / 2u, false, key,
                                  text_size - used)) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                    "parent locator key %u holds a NUL character", i);
            goto done;
        }
        used += strlen(key) + 1;
        char *value = text + used;
        if (!vhdx_utf16le_to_utf8(item + kv.value_offset, kv.value_length / 2u, false, value,
                                  text_size - used)) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                    "the value of parent locator key \"%s\" holds a NUL "
                                    "character", key);
            goto done;
        }
        used += strlen(value) + 1;
        for (unsigned j = 0; j < i; j++)
            if (strcmp(info->locator[j].key, key) == 0) {
                code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                        "the parent locator key \"%s\" appears twice", key);
                goto done;
            }
        info->locator[i].key = key;
        info->locator[i].value = value;
        info->locator_count = i + 1;
        if (strcmp(key, "parent_linkage") == 0)
            info->parent_linkage = value;
        else if (strcmp(key, "parent_linkage2") == 0)
            info->parent_linkage2 = value;
        else if (strcmp(key, path_keys[0]) == 0)
            info->relative_path = value;
        else if (strcmp(key, path_keys[1]) == 0)
            info->volume_path = value;
        else if (strcmp(key, path_keys[2]) == 0)
            info->absolute_win32_path = value;
    }
    vhdx_guid linkage;
    if (info->parent_linkage == NULL || !vhdx_guid_parse(info->parent_linkage, &linkage)) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator's parent_linkage is %s%s%s, not a GUID",
                                info->parent_linkage ? "\"" : "",
                                info->parent_linkage ? info->parent_linkage : "missing",
                                info->parent_linkage ? "\"" : "");
        goto done;
    }
    if (info->parent_linkage2 != NULL && !vhdx_guid_parse(info->parent_linkage2, &linkage)) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator's parent_linkage2 \"%s\" is not a GUID",
                                info->parent_linkage2);
        goto done;
    }
    if (!info->relative_path && !info->volume_path && !info->absolute_win32_path)
        code = vhdx_reader_fail(error, VHDX_READER_BAD_LOCATOR,
                                "the parent locator has no relative_path, volume_path or "
                                "absolute_win32_path");
done:
    vhdx_image_free(image, item);
    return code;
}

/* Checks entry i of the table against the rules for one entry and the entries before it. */
static vhdx_reader_code check_entry(vhdx_image *image, const uint8_t *table, uint32_t i,
                                    const vhdx_metadata_table_entry *e, vhdx_reader_error *error)
{
    char guid[39];
    vhdx_guid_format(&e->item_id, guid);
    if ((e->flags & ~UINT32_C(7)) != 0 || e->reserved2 != 0)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "metadata item %s has reserved bits set (flags 0x%08x, "
                                "Reserved2 0x%08x)", guid, (unsigned)e->flags,
                                (unsigned)e->reserved2);
    if (vhdx_guid_is_zero(&e->item_id))
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "metadata entry %u has the zero GUID as its ItemId", (unsigned)i);
    if ((e->flags & VHDX_METADATA_IS_USER) && (e->flags & VHDX_METADATA_IS_REQUIRED))
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "user metadata item %s is marked IsRequired", guid);
    if (e->length > VHDX_METADATA_ITEM_MAX)
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "metadata item %s is %u bytes long, more than 1 MiB", guid,
                                (unsigned)e->length);
    if (e->length > 0 && (e->offset < VHDX_METADATA_TABLE_SIZE
                          || (uint64_t)e->offset + e->length > image->info.metadata_region.length))
        return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "metadata item %s at offset %u, %u bytes long, is not inside the "
                                "%u-byte region after its table", guid, (unsigned)e->offset,
                                (unsigned)e->length, (unsigned)image->info.metadata_region.length);
    for (uint32_t j = 0; j < i; j++) {
        vhdx_metadata_table_entry other;
        vhdx_metadata_table_entry_decode(&other, table + VHDX_METADATA_TABLE_HEADER_SIZE
                                         + (size_t)j * VHDX_METADATA_TABLE_ENTRY_SIZE);
        if (vhdx_guid_equal(&other.item_id, &e->item_id)
            && (other.flags & VHDX_METADATA_IS_USER) == (e->flags & VHDX_METADATA_IS_USER))
            return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                    "metadata item %s is listed twice", guid);
        if (vhdx_ranges_overlap(e->offset, e->length, other.offset, other.length))
            return vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                    "metadata item %s at offset %u overlaps metadata entry %u",
                                    guid, (unsigned)e->offset, (unsigned)j);
    }
    return VHDX_READER_OK;
}

vhdx_reader_code vhdx_metadata_load(vhdx_image *image, vhdx_reader_error *error)
{
    vhdx_image_info *info = &image->info;
    vhdx_metadata_table_header th;
    vhdx_metadata_table_entry found[ITEM_COUNT];
    bool have[ITEM_COUNT] = { false };
    unsigned user_items = 0;
    vhdx_reader_code code;
    uint8_t *table = vhdx_image_alloc(image, VHDX_METADATA_TABLE_SIZE);
    if (table == NULL)
        return vhdx_reader_fail(error, VHDX_READER_NO_MEMORY,
                                "out of memory for the metadata table");
    /* The region is at least 1 MiB long (checked with the region table). */
    if ((code = vhdx_image_read(image, info->metadata_region.file_offset, table,
                                VHDX_METADATA_TABLE_SIZE, "metadata table", error))
        != VHDX_READER_OK)
        goto done;
    static const uint8_t zero[20];
    if (vhdx_metadata_table_header_decode(&th, table, VHDX_METADATA_TABLE_SIZE) != VHDX_FORMAT_OK) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the metadata table does not start with the signature "
                                "\"metadata\"");
        goto done;
    }
    if (th.reserved != 0 || memcmp(th.reserved2, zero, sizeof zero) != 0) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the metadata table's reserved fields are not zero");
        goto done;
    }
    if (th.entry_count > VHDX_METADATA_ENTRY_MAX) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                "the metadata table's EntryCount %u exceeds 2047",
                                (unsigned)th.entry_count);
        goto done;
    }
    info->metadata_count = th.entry_count;
    for (uint32_t i = 0; i < th.entry_count; i++) {
        vhdx_metadata_table_entry e;
        vhdx_metadata_table_entry_decode(&e, table + VHDX_METADATA_TABLE_HEADER_SIZE
                                         + (size_t)i * VHDX_METADATA_TABLE_ENTRY_SIZE);
        if ((code = check_entry(image, table, i, &e, error)) != VHDX_READER_OK)
            goto done;
        bool known = false;
        char guid[39];
        vhdx_guid_format(&e.item_id, guid);
        if (e.flags & VHDX_METADATA_IS_USER) {
            if (++user_items > VHDX_METADATA_USER_MAX) {
                code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                        "the metadata table has more than 1024 user items");
                goto done;
            }
        } else if (vhdx_guid_equal(&e.item_id, &vhdx_guid_incomplete_file)) {
            code = vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                    "the metadata holds the \"incomplete file\" item %s: the "
                                    "file was never finished", guid);
            goto done;
        } else {
            for (unsigned k = 0; k < ITEM_COUNT; k++) {
                const struct known_item *ki = &known_items[k];
                if (!vhdx_guid_equal(&e.item_id, ki->guid))
                    continue;
                known = true;
                if (ki->length != 0 && e.length != ki->length) {
                    code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                            "the %s item is %u bytes long, not %u", ki->name,
                                            (unsigned)e.length, (unsigned)ki->length);
                    goto done;
                }
                if ((e.flags & ki->flags_required) != ki->flags_required) {
                    code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                            "the %s item's flags 0x%x lack 0x%x", ki->name,
                                            (unsigned)e.flags, (unsigned)ki->flags_required);
                    goto done;
                }
                found[k] = e;
                have[k] = true;
            }
            if (!known && (e.flags & VHDX_METADATA_IS_REQUIRED)) {
                code = vhdx_reader_fail(error, VHDX_READER_UNSUPPORTED,
                                        "metadata item %s is required but unknown to this "
                                        "reader", guid);
                goto done;
            }
        }
        if (i < VHDX_READER_METADATA_KEPT) {
            info->metadata[i].entry = e;
            info->metadata[i].known = known;
        }
    }
    for (unsigned k = 0; k < ITEM_PARENT_LOCATOR; k++)
        if (!have[k]) {
            code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                    "the metadata has no %s item", known_items[k].name);
            goto done;
        }
    if ((code = load_system_items(image, found, error)) != VHDX_READER_OK)
        goto done;
    if (info->has_parent != have[ITEM_PARENT_LOCATOR]) {
        code = vhdx_reader_fail(error, VHDX_READER_BAD_METADATA,
                                info->has_parent ? "HasParent is set but there is no Parent "
                                                   "Locator item"
                                                 : "there is a Parent Locator item but "
                                                   "HasParent is clear");
        goto done;
    }
    if (info->has_parent)
        code = load_locator(image, &found[ITEM_PARENT_LOCATOR], error);
done:
    vhdx_image_free(image, table);
    return code;
}
