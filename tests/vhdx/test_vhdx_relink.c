/* Re-linking a differencing VHDX (vhdx_relink_parent) and the neutral entry point
 * (disk_relink): the new locator as the creator writes it, the parent's identity checked, the
 * refusals (another parent, not differencing, no room before the next item, paths too long),
 * with nothing written; a pending log replayed first; parent_linkage2 accepted; DataWriteGuid
 * kept; memory bounded. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_relink.h"
#include "vhdx_builder.h"
#include "vhdx_change_util.h"
#include "vhdx_relink.h"
#include "vhdx_test_util.h"

#define LINKAGE "{83ed0ec3-24c8-49da-8c2c-6c2f7bb02a56}"   /* the builder's child's */

static const uint16_t relative[] = { '.', '\\', 'n', 'e', 'w', '\\', 'p', '.', 'v', 'h', 'd',
                                     'x' };
static const uint16_t absolute[] = { 'C', ':', '\\', 'n', 'e', 'w', '\\', 'p', '.', 'v', 'h',
                                     'd', 'x' };

static const struct vhdx_builder_spec child_spec = {
    .virtual_size = 16 * MiB, .block_size = 2 * MiB, .differencing = true,
    .present_blocks = 2, .partial_block = true,
};

static void facts_for(vhdx_parent_facts *facts, const char *guid)
{
    memset(facts, 0, sizeof *facts);
    assert_true(vhdx_guid_parse(guid, &facts->data_write_guid));
    facts->relative_path = relative;
    facts->relative_length = sizeof relative / 2;
    facts->absolute_win32_path = absolute;
    facts->absolute_win32_length = sizeof absolute / 2;
}

/* The locator of the file in mem, as the reader decodes it: a pair's value, or NULL. */
static char *locator_value(const struct memory_io *mem, const char *key)
{
    struct memory_io copy;
    vhdx_image *image;
    vhdx_reader_error error;
    char *value = NULL;
    assert_true(memory_io_init_with(&copy, mem->data, mem->size));
    assert_int_equal(copy.io.open(&copy.io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&image, &copy.io, NULL, &error) != VHDX_READER_OK)
        fail_msg("does not open: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    for (uint32_t i = 0; i < info->locator_count; i++)
        if (strcmp(info->locator[i].key, key) == 0)
            value = strdup(info->locator[i].value);
    vhdx_image_close(image);
    memory_io_free(&copy);
    return value;
}

static void assert_value(const struct memory_io *mem, const char *key, const char *want)
{
    char *got = locator_value(mem, key);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_relink_rewrites_locator(void **state)
{
    (void)state;
    struct vhdx_built b;
    struct memory_io mem;
    vhdx_parent_facts facts;
    vhdx_reader_error error;
    vhdx_image_info before, after;
    vhdx_builder_build(&child_spec, &b);
    change_file_open(&mem, b.data, b.size);
    assert_int_equal(change_view_open(mem.data, mem.size, &before, &error), VHDX_READER_OK);
    facts_for(&facts, "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}");   /* any case */
    vhdx_heap_start();
    const vhdx_writable_options counted = { change_random, &change_random_counter,
                                            vhdx_counted.allocate, vhdx_counted.release };
    if (vhdx_relink_parent(&mem.io, &facts, &counted, &error) != VHDX_READER_OK)
        fail_msg("%s", error.reason);
    assert_int_equal(vhdx_heap_live, 0);
    assert_true(vhdx_heap_peak <= VHDX_RELINK_HEAP_MAX(mem.size, b.log_length));
    assert_value(&mem, "parent_linkage", LINKAGE);
    assert_value(&mem, "relative_path", ".\\new\\p.vhdx");
    assert_value(&mem, "absolute_win32_path", "C:\\new\\p.vhdx");
    assert_value(&mem, "volume_path", NULL);
    assert_int_equal(change_view_open(mem.data, mem.size, &after, &error), VHDX_READER_OK);
    /* The disk's identity and content kept; the file clean. */
    assert_true(vhdx_guid_equal(&after.header.data_write_guid, &before.header.data_write_guid));
    assert_false(vhdx_guid_equal(&after.header.file_write_guid, &before.header.file_write_guid));
    assert_int_equal(after.log.state, VHDX_LOG_CLEAN);
    assert_int_equal(mem.size, b.size);
    assert_memory_equal(mem.data + b.bat_at, b.data + b.bat_at, b.size - b.bat_at);
    memory_io_free(&mem);
    vhdx_builder_free(&b);
}

static void test_relink_refusals(void **state)
{
    (void)state;
    struct vhdx_built b, dynamic;
    struct memory_io mem;
    vhdx_parent_facts facts;
    vhdx_reader_error error;
    vhdx_builder_build(&child_spec, &b);

    /* Another parent: nothing written. */
    change_file_open(&mem, b.data, b.size);
    facts_for(&facts, "{83ed0ec3-24c8-49da-8c2c-6c2f7bb02a57}");
    assert_int_equal(vhdx_relink_parent(&mem.io, &facts, &change_options, &error),
                     VHDX_READER_PARENT_ID_MISMATCH);
    assert_non_null(strstr(error.reason, "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}, the parent_linkage"));
    assert_memory_equal(mem.data, b.data, b.size);
    memory_io_free(&mem);

    /* Paths that make the item larger than a reader takes (64 KiB). */
    static uint16_t long_path[32000];
    for (size_t i = 0; i < 32000; i++)
        long_path[i] = (uint16_t)('a' + i % 26);
    change_file_open(&mem, b.data, b.size);
    facts_for(&facts, LINKAGE);
    facts.absolute_win32_path = long_path;
    facts.absolute_win32_length = 32000;
    facts.volume_path = long_path;
    facts.volume_length = 32000;
    assert_int_equal(vhdx_relink_parent(&mem.io, &facts, &change_options, &error),
                     VHDX_READER_NOT_POSSIBLE);
    assert_non_null(strstr(error.reason, "vsdisk does not move metadata items"));
    assert_memory_equal(mem.data, b.data, b.size);
    memory_io_free(&mem);

    /* No path at all. */
    change_file_open(&mem, b.data, b.size);
    facts_for(&facts, LINKAGE);
    facts.relative_length = facts.absolute_win32_length = 0;
    assert_int_equal(vhdx_relink_parent(&mem.io, &facts, &change_options, &error),
                     VHDX_READER_NOT_POSSIBLE);
    assert_memory_equal(mem.data, b.data, b.size);
    memory_io_free(&mem);

    /* Not a differencing disk. */
    const struct vhdx_builder_spec dynamic_spec = { .virtual_size = 16 * MiB };
    vhdx_builder_build(&dynamic_spec, &dynamic);
    change_file_open(&mem, dynamic.data, dynamic.size);
    facts_for(&facts, LINKAGE);
    assert_int_equal(vhdx_relink_parent(&mem.io, &facts, &change_options, &error),
                     VHDX_READER_NOT_POSSIBLE);
    assert_non_null(strstr(error.reason, "not a differencing disk"));
    assert_memory_equal(mem.data, dynamic.data, dynamic.size);
    memory_io_free(&mem);
    vhdx_builder_free(&dynamic);
    vhdx_builder_free(&b);
}

/* The Virtual Disk ID item moved right after the locator: the locator may grow by the gap
 * (8 bytes) and no more. */
static void test_relink_no_room_before_next_item(void **state)
{
    (void)state;
    struct vhdx_built b;
    struct memory_io mem;
    vhdx_parent_facts facts;
    vhdx_reader_error error;
    vhdx_builder_build(&child_spec, &b);
    uint8_t *locator_entry = vhdx_builder_metadata_entry(&b, 5);
    uint32_t locator_offset = vhdx_get32(locator_entry + 16);
    uint32_t locator_length = vhdx_get32(locator_entry + 20);
    uint32_t id_offset = locator_offset + locator_length + 8;
    memcpy(b.data + b.metadata_at + id_offset, b.data + b.item_at[2], 16);
    memset(b.data + b.item_at[2], 0, 16);
    vhdx_put32(vhdx_builder_metadata_entry(&b, 2) + 16, id_offset);

    /* A locator as long as the old one plus 8 bytes fits: relative_path grown by 4 units. */
    char *old_relative = NULL;
    change_file_open(&mem, b.data, b.size);
    old_relative = locator_value(&mem, "relative_path");
    assert_non_null(old_relative);
    char *old_absolute = locator_value(&mem, "absolute_win32_path");
    /* The same keys as the builder's (relative, absolute), each as long, and the relative
     * path longer by exactly 4 units (8 bytes). */
    static uint16_t rel[512], abs_path[512];
    size_t nr = strlen(old_relative) + 4, na = strlen(old_absolute);
    for (size_t i = 0; i < nr; i++)
        rel[i] = (uint16_t)(i < strlen(old_relative) ? old_relative[i] : 'x');
    for (size_t i = 0; i < na; i++)
        abs_path[i] = (uint16_t)old_absolute[i];
    facts_for(&facts, LINKAGE);
    facts.relative_path = rel;
    facts.relative_length = nr;
    facts.absolute_win32_path = abs_path;
    facts.absolute_win32_length = na;
    if (vhdx_relink_parent(&mem.io, &facts, &change_options, &error) != VHDX_READER_OK)
        fail_msg("8 bytes more should fit: %s", error.reason);
    memory_io_free(&mem);

    /* One unit more does not. */
    change_file_open(&mem, b.data, b.size);
    facts.relative_length = nr + 1;
    rel[nr] = 'y';
    assert_int_equal(vhdx_relink_parent(&mem.io, &facts, &change_options, &error),
                     VHDX_READER_NOT_POSSIBLE);
    char words[96];
    snprintf(words, sizeof words, "takes %u bytes but only %u are free", locator_length + 10,
             locator_length + 8);
    assert_non_null(strstr(error.reason, words));
    assert_memory_equal(mem.data, b.data, b.size);
    memory_io_free(&mem);
    free(old_relative);
    free(old_absolute);
    vhdx_builder_free(&b);
}

/* A child whose log is pending: the log is replayed into the file first. */
static void test_relink_dirty_child(void **state)
{
    (void)state;
    struct vhdx_built b;
    struct memory_io mem;
    vhdx_parent_facts facts;
    vhdx_reader_error error;
    vhdx_builder_build(&child_spec, &b);
    /* A log entry that rewrites the metadata free space (the reader replays it). */
    static uint8_t sector[4096];
    memset(sector, 0x77, sizeof sector);
    const vhdx_guid guid = {{ 3, 3, 3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }};
    const struct vhdx_builder_descriptor d[] = { { false, b.metadata_at + 512 * 1024, 0, sector } };
    struct vhdx_builder_entry e = { 5, 0, guid, b.size, b.size, 1, d };
    vhdx_builder_write_log_entry(&b, 0, &e);
    vhdx_builder_set_log_guid(&b, &guid);
    change_file_open(&mem, b.data, b.size);
    facts_for(&facts, LINKAGE);
    if (vhdx_relink_parent(&mem.io, &facts, &change_options, &error) != VHDX_READER_OK)
        fail_msg("%s", error.reason);
    assert_memory_equal(mem.data + b.metadata_at + 512 * 1024, sector, sizeof sector);
    vhdx_image_info info;
    assert_int_equal(change_view_open(mem.data, mem.size, &info, &error), VHDX_READER_OK);
    assert_int_equal(info.log.state, VHDX_LOG_CLEAN);
    assert_value(&mem, "relative_path", ".\\new\\p.vhdx");
    memory_io_free(&mem);
    vhdx_builder_free(&b);
}

/* Puts a UTF-16LE copy of text at p; its length in bytes. */
static uint16_t put_text(uint8_t *p, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++)
        vhdx_put16(p + 2 * i, (uint16_t)text[i]);
    return (uint16_t)(2 * n);
}

/* A child caught in a merge's protocol: parent_linkage the old parent, parent_linkage2 the
 * new one. Re-linked to the new one, it is accepted, and its locator then names the new
 * parent as parent_linkage alone. */
static void test_relink_linkage2(void **state)
{
    (void)state;
    struct vhdx_built b;
    struct memory_io mem;
    vhdx_parent_facts facts;
    vhdx_reader_error error;
    static const char *const pairs[3][2] = {
        { "parent_linkage", "{11111111-2222-3333-4444-555555555555}" },
        { "parent_linkage2", "{83ed0ec3-24c8-49da-8c2c-6c2f7bb02a56}" },
        { "relative_path", ".\\old.vhdx" },
    };
    vhdx_builder_build(&child_spec, &b);
    uint8_t *item = b.data + b.item_at[5];
    memset(item, 0, 4096);
    vhdx_parent_locator_header h = { vhdx_guid_vhdx_locator_type, 0, 3 };
    vhdx_parent_locator_header_encode(&h, item);
    uint32_t at = VHDX_PARENT_LOCATOR_HEADER_SIZE + 3 * VHDX_PARENT_LOCATOR_ENTRY_SIZE;
    for (int i = 0; i < 3; i++) {
        vhdx_parent_locator_entry e;
        e.key_offset = at;
        e.key_length = put_text(item + at, pairs[i][0]);
        at += e.key_length;
        e.value_offset = at;
        e.value_length = put_text(item + at, pairs[i][1]);
        at += e.value_length;
        vhdx_parent_locator_entry_encode(&e, item + VHDX_PARENT_LOCATOR_HEADER_SIZE
                                             + i * VHDX_PARENT_LOCATOR_ENTRY_SIZE);
    }
    vhdx_put32(vhdx_builder_metadata_entry(&b, 5) + 20, at);
    change_file_open(&mem, b.data, b.size);
    assert_value(&mem, "parent_linkage2", "{83ed0ec3-24c8-49da-8c2c-6c2f7bb02a56}");
    facts_for(&facts, LINKAGE);
    if (vhdx_relink_parent(&mem.io, &facts, &change_options, &error) != VHDX_READER_OK)
        fail_msg("%s", error.reason);
    assert_value(&mem, "parent_linkage", LINKAGE);
    assert_value(&mem, "parent_linkage2", NULL);
    assert_value(&mem, "relative_path", ".\\new\\p.vhdx");
    memory_io_free(&mem);
    vhdx_builder_free(&b);
}

/* disk_relink: the parent opened by content, its DataWriteGuid and size checked. */
static void set_data_write_guid(struct vhdx_built *b, const char *text)
{
    vhdx_guid guid;
    assert_true(vhdx_guid_parse(text, &guid));
    for (int i = 0; i < 2; i++) {
        vhdx_header h;
        vhdx_builder_get_header(b, i, &h);
        h.data_write_guid = guid;
        vhdx_builder_put_header(b, i, &h);
    }
}

static vhd_reader_code neutral_relink(const struct vhdx_built *child,
                                      const struct vhdx_built *parent, struct memory_io *mem,
                                      vhd_reader_error *error)
{
    struct memory_io parent_mem;
    assert_true(memory_io_init_with(&parent_mem, parent->data, parent->size));
    assert_int_equal(parent_mem.io.open(&parent_mem.io, VHD_IO_OPEN_READ), VHD_OK);
    change_file_open(mem, child->data, child->size);
    const disk_relink_paths paths = { absolute, sizeof absolute / 2, relative,
                                      sizeof relative / 2, NULL, 0 };
    const disk_relink_options options = { change_random, &change_random_counter, NULL, NULL };
    vhd_reader_code code = disk_relink(&mem->io, &parent_mem.io, &paths, &options, error);
    assert_memory_equal(parent_mem.data, parent->data, parent->size);   /* only read */
    memory_io_free(&parent_mem);
    return code;
}

static void test_disk_relink(void **state)
{
    (void)state;
    struct vhdx_built child, parent, smaller;
    struct memory_io mem;
    vhd_reader_error error;
    vhdx_builder_build(&child_spec, &child);
    const struct vhdx_builder_spec parent_spec = { .virtual_size = 16 * MiB, .present_blocks = 1 };
    vhdx_builder_build(&parent_spec, &parent);
    set_data_write_guid(&parent, LINKAGE);

    if (neutral_relink(&child, &parent, &mem, &error) != VHD_READER_OK)
        fail_msg("%s", error.reason);
    assert_value(&mem, "absolute_win32_path", "C:\\new\\p.vhdx");
    memory_io_free(&mem);

    /* Another DataWriteGuid. */
    set_data_write_guid(&parent, "{00000000-24c8-49da-8c2c-6c2f7bb02a56}");
    assert_int_equal(neutral_relink(&child, &parent, &mem, &error),
                     VHD_READER_PARENT_ID_MISMATCH);
    assert_memory_equal(mem.data, child.data, child.size);
    memory_io_free(&mem);

    /* Another size. */
    const struct vhdx_builder_spec smaller_spec = { .virtual_size = 8 * MiB };
    vhdx_builder_build(&smaller_spec, &smaller);
    set_data_write_guid(&smaller, LINKAGE);
    assert_int_equal(neutral_relink(&child, &smaller, &mem, &error),
                     VHD_READER_PARENT_ID_MISMATCH);
    assert_non_null(strstr(error.reason, "it is not its parent"));
    assert_memory_equal(mem.data, child.data, child.size);
    memory_io_free(&mem);

    /* The "child" is not differencing. */
    assert_int_equal(neutral_relink(&parent, &child, &mem, &error), VHD_READER_NOT_POSSIBLE);
    assert_non_null(strstr(error.reason, "not a differencing disk"));
    memory_io_free(&mem);

    /* The parent is not a disk. */
    struct vhdx_built junk = parent;
    junk.data = calloc(1, 4096);
    junk.size = 4096;
    assert_non_null(junk.data);
    assert_int_not_equal(neutral_relink(&child, &junk, &mem, &error), VHD_READER_OK);
    assert_non_null(strstr(error.reason, "the new parent: "));
    memory_io_free(&mem);
    free(junk.data);
    vhdx_builder_free(&smaller);
    vhdx_builder_free(&parent);
    vhdx_builder_free(&child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relink_rewrites_locator),
        cmocka_unit_test(test_relink_refusals),
        cmocka_unit_test(test_relink_no_room_before_next_item),
        cmocka_unit_test(test_relink_dirty_child),
        cmocka_unit_test(test_relink_linkage2),
        cmocka_unit_test(test_disk_relink),
    };
    return cmocka_run_group_tests_name("vhdx_relink", tests, NULL, NULL);
}
