#include "vhd_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void builder_set32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

void builder_set64(uint8_t *p, uint64_t v)
{
    builder_set32(p, (uint32_t)(v >> 32));
    builder_set32(p + 4, (uint32_t)v);
}

static uint32_t checksum(const uint8_t *p, size_t len, size_t field)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        if (i < field || i >= field + 4)
            sum += p[i];
    return ~sum;
}

void builder_fix_footer_at(struct built_image *image, size_t offset)
{
    builder_set32(image->data + offset + F_CHECKSUM, checksum(image->data + offset, 512, F_CHECKSUM));
}

void builder_fix_header(struct built_image *image)
{
    uint8_t *h = image->data + image->header_at;
    builder_set32(h + H_CHECKSUM, checksum(h, 1024, H_CHECKSUM));
}

void builder_fix_checksums(struct built_image *image)
{
    builder_fix_footer_at(image, image->footer_at);
    if (image->header_at != 0) {
        builder_fix_footer_at(image, 0);
        builder_fix_header(image);
    }
}

static size_t round512(size_t n)
{
    return (n + 511) / 512 * 512;
}

static void write_footer(const struct builder_spec *spec, uint8_t *f)
{
    memcpy(f, "conectix", 8);
    builder_set32(f + F_FEATURES, 2);
    builder_set32(f + F_VERSION, 0x00010000);
    builder_set64(f + F_DATA_OFFSET, spec->disk_type == 2 ? UINT64_MAX : 512);
    builder_set32(f + 24, 123456);
    memcpy(f + 28, "test", 4);
    builder_set32(f + 32, 0x00010000);
    builder_set32(f + 36, 0x5769326B);
    builder_set64(f + F_ORIGINAL, spec->size);
    builder_set64(f + F_CURRENT, spec->size);
    f[56] = 0x01; f[57] = 0x00; f[58] = 4; f[59] = 17;
    builder_set32(f + F_TYPE, spec->disk_type);
    memcpy(f + F_UID, spec->unique_id, 16);
}

static size_t put_utf16le(uint8_t *out, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)text[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

void builder_build(const struct builder_spec *spec, struct built_image *image)
{
    memset(image, 0, sizeof *image);
    if (spec->disk_type == 2) {
        image->size = spec->size + 512;
        image->data = calloc(1, image->size);
        if (image->data == NULL)
            abort();
        image->footer_at = spec->size;
        write_footer(spec, image->data + image->footer_at);
        builder_fix_checksums(image);
        return;
    }
    uint32_t block = spec->block_size;
    size_t entries = (size_t)((spec->size + block - 1) / block);
    size_t bitmap = round512(block / 512 / 8);
    image->header_at = 512;
    image->bat_at = 1536;
    image->bat_entries = entries;
    size_t at = image->bat_at + round512(entries * 4);
    bool differencing = spec->disk_type == 4;
    if (differencing) {
        image->locator_at[0] = at;
        image->locator_at[1] = at + 512;
        at += 1024;
    }
    image->first_block_at = at;
    size_t allocated = spec->allocated < entries ? spec->allocated : entries;
    at += allocated * (bitmap + block);
    image->footer_at = at;
    image->size = at + 512;
    image->data = calloc(1, image->size);
    if (image->data == NULL)
        abort();
    uint8_t *d = image->data;
    write_footer(spec, d);
    write_footer(spec, d + image->footer_at);

    uint8_t *h = d + image->header_at;
    memcpy(h, "cxsparse", 8);
    builder_set64(h + H_DATA_OFFSET, UINT64_MAX);
    builder_set64(h + H_TABLE, image->bat_at);
    builder_set32(h + H_VERSION, 0x00010000);
    builder_set32(h + H_ENTRIES, (uint32_t)entries);
    builder_set32(h + H_BLOCK, block);
    memset(d + image->bat_at, 0xFF, round512(entries * 4));
    for (size_t i = 0; i < allocated; i++) {
        size_t b = image->first_block_at + i * (bitmap + block);
        builder_set32(d + image->bat_at + 4 * i, (uint32_t)(b / 512));
        memset(d + b, 0xFF, block / 512 / 8);
        memset(d + b + bitmap, spec->fill, block);
    }
    if (differencing) {
        memcpy(h + H_PARENT_UID, spec->parent_id, 16);
        if (spec->parent_name != NULL)
            for (size_t i = 0; spec->parent_name[i] && i < 256; i++)
                h[H_PARENT_NAME + 2 * i + 1] = (uint8_t)spec->parent_name[i];
        const char *paths[2] = { spec->parent_w2ru, spec->parent_w2ku };
        const uint32_t codes[2] = { 0x57327275, 0x57326B75 };
        for (int i = 0; i < 2; i++) {
            if (paths[i] == NULL)
                continue;
            uint8_t *l = h + H_LOCATORS + 24 * i;
            size_t len = put_utf16le(d + image->locator_at[i], paths[i]);
            builder_set32(l, codes[i]);
            builder_set32(l + 4, 512);
            builder_set32(l + 8, (uint32_t)len);
            builder_set64(l + 16, image->locator_at[i]);
        }
    }
    builder_fix_checksums(image);
}

void builder_free(struct built_image *image)
{
    free(image->data);
    image->data = NULL;
}
