#define _POSIX_C_SOURCE 200809L

#include "ops_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "vhd_create.h"
#include "vhd_create_differencing.h"
#include "vhd_create_fixed.h"
#include "vhd_io_posix.h"
#include "vhd_ops_posix.h"
#include "disk_chain.h"

static uint64_t id_counter = 1;

static void options_for(vhd_create_options *options, uint64_t size)
{
    memset(options, 0, sizeof *options);
    options->size_bytes = size;
    options->timestamp = 12345;
    uint64_t id = id_counter++;
    memcpy(options->unique_id, &id, sizeof id);
    options->unique_id[15] = 0x5A;
}

void fx_create_dynamic(const char *path, uint64_t size)
{
    vhd_create_options options;
    struct vhd_io_posix file;
    options_for(&options, size);
    vhd_io_posix_init(&file, path);
    assert_int_equal(vhd_create_dynamic(&file.io, &options), VHD_OK);
}

void fx_create_fixed(const char *path, uint64_t size)
{
    vhd_create_options options;
    struct vhd_io_posix file;
    options_for(&options, size);
    vhd_io_posix_init(&file, path);
    assert_int_equal(vhd_create_fixed(&file.io, &options), VHD_OK);
}

static size_t to_utf16(const char *text, uint16_t *out)
{
    size_t n = 0;
    for (; text[n] != '\0'; n++)
        out[n] = (uint8_t)text[n];
    return n;
}

void fx_create_child(const char *path, const char *parent_path)
{
    size_t len;
    uint8_t *parent = test_read_file(parent_path, &len);
    assert_non_null(parent);
    const uint8_t *footer = parent + len - 512;
    vhd_parent_facts facts;
    uint16_t absolute[1024], relative[512];
    char rel[300];
    const char *base = strrchr(parent_path, '/');
    memset(&facts, 0, sizeof facts);
    facts.size_bytes = test_be64(footer + 48);
    facts.geometry.cylinders = test_be16(footer + 56);
    facts.geometry.heads = footer[58];
    facts.geometry.sectors_per_track = footer[59];
    memcpy(facts.unique_id, footer + 68, 16);
    facts.absolute_path = absolute;
    facts.absolute_length = to_utf16(parent_path, absolute);
    snprintf(rel, sizeof rel, ".\\%s", base ? base + 1 : parent_path);
    facts.relative_path = relative;
    facts.relative_length = to_utf16(rel, relative);
    free(parent);

    vhd_create_options options;
    struct vhd_io_posix file;
    options_for(&options, facts.size_bytes);
    vhd_io_posix_init(&file, path);
    assert_int_equal(vhd_create_differencing(&file.io, &options, &facts), VHD_OK);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void fx_write(const char *path, uint64_t lba, uint32_t count, const uint8_t *data)
{
    size_t len;
    uint8_t *img = test_read_file(path, &len);
    assert_non_null(img);
    uint32_t type = test_be32(img + len - 512 + 60);
    if (type == 2) {
        assert_true((lba + count) * FX_SECTOR <= len - 512);
        memcpy(img + lba * FX_SECTOR, data, (size_t)count * FX_SECTOR);
        unlink(path);
        test_write_file(path, img, len);
        free(img);
        return;
    }
    uint64_t header = test_be64(img + len - 512 + 16);
    uint64_t table = test_be64(img + header + 16);
    uint32_t block_size = test_be32(img + header + 32);
    uint32_t spb = block_size / FX_SECTOR;
    uint32_t bitmap_size = (spb / 8 + FX_SECTOR - 1) / FX_SECTOR * FX_SECTOR;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t s = lba + i;
        uint32_t block = (uint32_t)(s / spb), in = (uint32_t)(s % spb);
        uint32_t entry = test_be32(img + table + 4 * (size_t)block);
        if (entry == 0xFFFFFFFFu) {
            size_t footer_at = len - 512;
            size_t new_len = footer_at + bitmap_size + block_size + 512;
            uint8_t footer[512];
            memcpy(footer, img + footer_at, 512);
            img = realloc(img, new_len);
            assert_non_null(img);
            memset(img + footer_at, 0, new_len - footer_at);
            memcpy(img + new_len - 512, footer, 512);
            entry = (uint32_t)(footer_at / FX_SECTOR);
            put_be32(img + table + 4 * (size_t)block, entry);
            len = new_len;
        }
        uint8_t *bitmap = img + (size_t)entry * FX_SECTOR;
        memcpy(bitmap + bitmap_size + (size_t)in * FX_SECTOR, data + (size_t)i * FX_SECTOR,
               FX_SECTOR);
        bitmap[in / 8] |= (uint8_t)(0x80u >> (in % 8));
    }
    unlink(path);
    test_write_file(path, img, len);
    free(img);
}

uint8_t *fx_read_chain(const char *path, uint64_t size)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    vhd_reader_error error;
    if (vhd_ops_posix_open_chain(&chain, path, false, NULL, &result) != VHD_OP_OK)
        fail_msg("%s: %s", path, result.reason);
    uint8_t *data = malloc(size);
    assert_non_null(data);
    const uint32_t step = 2048;
    for (uint64_t lba = 0; lba < size / FX_SECTOR; lba += step) {
        uint64_t left = size / FX_SECTOR - lba;
        uint32_t n = left < step ? (uint32_t)left : step;
        if (disk_chain_read_sectors(chain.chain, lba, n, data + lba * FX_SECTOR, &error)
            != VHD_READER_OK)
            fail_msg("%s: %s", path, error.reason);
    }
    vhd_ops_posix_close_chain(&chain);
    return data;
}

bool fx_opens(const char *path)
{
    vhd_ops_posix_chain chain;
    vhd_op_result result;
    if (vhd_ops_posix_open_chain(&chain, path, false, NULL, &result) != VHD_OP_OK)
        return false;
    vhd_ops_posix_close_chain(&chain);
    return true;
}

void fx_copy_file(const char *from, const char *to)
{
    size_t len;
    uint8_t *data = test_read_file(from, &len);
    assert_non_null(data);
    unlink(to);
    test_write_file(to, data, len);
    free(data);
}

bool fx_same_file(const char *a, const char *b)
{
    size_t la, lb;
    uint8_t *da = test_read_file(a, &la), *db = test_read_file(b, &lb);
    bool same = da != NULL && db != NULL && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

bool fx_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

uint64_t fx_file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

void fx_random(uint64_t *state, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = test_random_next(state);
        memcpy(out + i, &r, len - i < 8 ? len - i : 8);
    }
}
