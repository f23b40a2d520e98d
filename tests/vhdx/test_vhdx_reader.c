/* The VHDX reader on well-formed files: the format's building blocks (CRC-32C, GUIDs, the
 * log's sector split), images made by the builder (dynamic, fixed, differencing with a
 * PARTIALLY_PRESENT block, 4 KiB sectors, sizes not a multiple of the block) read sector for
 * sector, every payload state's read semantics, the heap bound, and the two Microsoft-made
 * samples with their known content.
 * Usage: test_vhdx_reader SAMPLES_DIR SCRATCH_DIR */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_io_posix.h"
#include "vhdx_builder.h"
#include "vhdx_test_util.h"

static const char *samples_dir, *scratch_dir;

/* CRC-32C of the Disk2VHD sample's 256 MiB as `qemu-img convert -O raw` (qemu 7.2.22) wrote
 * them, computed with vhdx_crc32c (whose check value test_crc32c proves). */
#define DISK2VHD_CRC32C 0x44D0CF51u

/* ---- the format ---- */
static void test_crc32c(void **state)
{
    (void)state;
    assert_int_equal(vhdx_crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(vhdx_crc32c("", 0), 0);
    uint32_t s = vhdx_crc32c_begin();
    s = vhdx_crc32c_update(s, "1234", 4);
    s = vhdx_crc32c_update(s, "56789", 5);
    assert_int_equal(vhdx_crc32c_end(s), 0xE3069283u);
}

static void test_guids(void **state)
{
    (void)state;
    /* The fact sheet's stored bytes of the BAT and metadata region GUIDs. */
    static const uint8_t bat[16] = { 0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42, 0x9D, 0x64,
                                     0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08 };
    static const uint8_t metadata[16] = { 0x06, 0xA2, 0x7C, 0x8B, 0x90, 0x47, 0x9A, 0x4B, 0xB8,
                                          0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E };
    assert_memory_equal(vhdx_guid_bat_region.bytes, bat, 16);
    assert_memory_equal(vhdx_guid_metadata_region.bytes, metadata, 16);
    char text[39];
    vhdx_guid_format(&vhdx_guid_bat_region, text);
    assert_string_equal(text, "{2DC27766-F623-4200-9D64-115E9BFD4A08}");
    vhdx_guid g;
    assert_true(vhdx_guid_parse("{2dc27766-f623-4200-9d64-115e9bfd4a08}", &g));
    assert_true(vhdx_guid_equal(&g, &vhdx_guid_bat_region));
    assert_true(vhdx_guid_parse("8B7CA206-4790-4B9A-B8FE-575F050F886E", &g));
    assert_true(vhdx_guid_equal(&g, &vhdx_guid_metadata_region));
    assert_false(vhdx_guid_parse("{2dc27766-f623-4200-9d64-115e9bfd4a0}", &g));
    assert_false(vhdx_guid_parse("{2dc27766+f623-4200-9d64-115e9bfd4a08}", &g));
    assert_false(vhdx_guid_parse("{2dc27766-f623-4200-9d64-115e9bfd4a0g}", &g));
    assert_false(vhdx_guid_parse("", &g));
}

static void test_header_round_trip(void **state)
{
    (void)state;
    uint8_t buf[VHDX_HEADER_SIZE];
    vhdx_header h = { "head", 0, 0x0102030405060708u, {{1}}, {{2}}, {{3}}, 0, 1, 0x100000,
                      0x200000 }, back;
    memcpy(h.signature, "head", 4);
    uint32_t crc = vhdx_header_encode(&h, buf);
    assert_int_equal(vhdx_header_decode(&back, buf, sizeof buf), VHDX_FORMAT_OK);
    assert_int_equal(back.checksum, crc);
    assert_int_equal(back.sequence_number, h.sequence_number);
    assert_int_equal(back.log_offset, 0x200000);
    assert_int_equal(buf[8], 0x08);   /* little-endian */
    buf[100] ^= 1;                    /* reserved bytes are under the CRC too */
    assert_int_equal(vhdx_header_decode(&back, buf, sizeof buf), VHDX_FORMAT_BAD_CHECKSUM);
    buf[0] = 'H';
    assert_int_equal(vhdx_header_decode(&back, buf, sizeof buf), VHDX_FORMAT_BAD_SIGNATURE);
    assert_int_equal(vhdx_header_decode(&back, buf, 100), VHDX_FORMAT_TRUNCATED);
}

static void test_log_sector_split(void **state)
{
    (void)state;
    uint8_t target[4096], back[4096], enc[4096];
    for (int i = 0; i < 4096; i++)
        target[i] = (uint8_t)(i * 13 + 5);
    vhdx_log_data_descriptor d;
    vhdx_log_data_sector s, s2;
    vhdx_log_data_split(target, 0x300000, UINT64_C(0x123456789A), &d, &s);
    assert_int_equal(s.sequence_high, 0x12);
    assert_int_equal(s.sequence_low, 0x3456789Au);
    vhdx_log_data_sector_encode(&s, enc);
    assert_memory_equal(enc, "data", 4);
    assert_int_equal(vhdx_log_data_sector_decode(&s2, enc), VHDX_FORMAT_OK);
    vhdx_log_data_join(&d, &s2, back);
    assert_memory_equal(back, target, 4096);
}

static void test_bat_geometry(void **state)
{
    (void)state;
    /* The fact sheet's worked examples. */
    assert_int_equal(vhdx_chunk_ratio(32 << 20, 512), 128);
    assert_int_equal(vhdx_chunk_ratio(1 << 20, 4096), 32768);
    assert_int_equal(vhdx_bat_entries(UINT64_C(10) << 30, 32 << 20, 512, false), 322);
    assert_int_equal(vhdx_bat_entries(UINT64_C(10) << 30, 32 << 20, 512, true), 387);
    assert_int_equal(vhdx_bat_entries(UINT64_C(127) << 30, 32 << 20, 512, false), 4095);
    assert_int_equal(vhdx_bat_entries(UINT64_C(64) << 40, 1 << 20, 512, false), 67125247);
    assert_int_equal(vhdx_bat_entries(UINT64_C(64) << 40, 1 << 20, 512, true), 67125248);
    assert_int_equal(vhdx_bat_entries(UINT64_C(64) << 40, 1 << 20, 4096, false), 67110911);
}

/* ---- builder images ---- */
static void expected_builder(void *ctx, uint64_t lba, uint8_t *out)
{
    const struct vhdx_builder_spec *spec = ctx;
    uint64_t block = lba * spec->logical_sector_size / spec->block_size;
    bool here = spec->fixed || block < spec->present_blocks
        || (spec->partial_block && block == spec->present_blocks && lba % 2 == 0);
    memset(out, here ? vhdx_builder_pattern(lba) : 0, spec->logical_sector_size);
}

static void open_check(const struct vhdx_builder_spec *spec, vhdx_disk_kind kind)
{
    struct vhdx_built b;
    struct opened o;
    vhdx_builder_build(spec, &b);
    vhdx_heap_start();
    opened_open(&o, b.data, b.size);
    if (o.code != VHDX_READER_OK)
        fail_msg("refused: %s", o.error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(o.image);
    assert_int_equal(info->kind, kind);
    assert_int_equal(info->virtual_size, b.spec.virtual_size);
    assert_int_equal(info->block_size, b.spec.block_size);
    assert_int_equal(info->logical_sector_size, b.spec.logical_sector_size);
    assert_int_equal(info->physical_sector_size, b.spec.physical_sector_size);
    assert_int_equal(info->current_header, 2);
    assert_int_equal(info->header.sequence_number, 11);
    assert_false(info->headers_identical);
    assert_int_equal(info->region_table, 1);
    assert_int_equal(info->region_count, 2);
    assert_int_equal(info->metadata_count, b.metadata_entries);
    assert_string_equal(info->creator, "vsdisk test builder");
    assert_int_equal(info->log.state, VHDX_LOG_CLEAN);
    assert_int_equal(info->chunk_ratio, b.chunk_ratio);
    assert_int_equal(info->payload_states[VHDX_PAYLOAD_BLOCK_FULLY_PRESENT],
                     b.spec.fixed ? info->data_blocks : b.spec.present_blocks);
    check_content(o.image, expected_builder, &b.spec);
    opened_close(&o);
    assert_int_equal(vhdx_heap_live, 0);
    assert_true(vhdx_heap_peak <= VHDX_READER_IMAGE_HEAP_MAX(b.size, b.spec.log_length));
    vhdx_builder_free(&b);
}

static void test_builder_dynamic(void **state)
{
    (void)state;
    open_check(&(struct vhdx_builder_spec){ .present_blocks = 3 }, VHDX_KIND_DYNAMIC);
    open_check(&(struct vhdx_builder_spec){ .present_blocks = 0 }, VHDX_KIND_DYNAMIC);
    /* A size that is not a multiple of the block size; 2 MiB blocks. */
    open_check(&(struct vhdx_builder_spec){ .virtual_size = 5 * MiB + 512, .block_size = 2 << 20,
                                            .present_blocks = 3 }, VHDX_KIND_DYNAMIC);
    /* 4 KiB logical sectors. */
    open_check(&(struct vhdx_builder_spec){ .logical_sector_size = 4096, .present_blocks = 2 },
               VHDX_KIND_DYNAMIC);
}

static void test_builder_fixed(void **state)
{
    (void)state;
    open_check(&(struct vhdx_builder_spec){ .fixed = true }, VHDX_KIND_FIXED);
    open_check(&(struct vhdx_builder_spec){ .fixed = true, .virtual_size = 3 * MiB + 4096,
                                            .logical_sector_size = 4096,
                                            .physical_sector_size = 512 }, VHDX_KIND_FIXED);
}

static void test_builder_differencing(void **state)
{
    (void)state;
    struct vhdx_builder_spec spec = { .differencing = true, .present_blocks = 2,
                                      .partial_block = true };
    open_check(&spec, VHDX_KIND_DIFFERENCING);
    /* The locator and the extents' states. */
    struct vhdx_built b;
    struct opened o;
    vhdx_builder_build(&spec, &b);
    opened_open(&o, b.data, b.size);
    assert_int_equal(o.code, VHDX_READER_OK);
    const vhdx_image_info *info = vhdx_image_get_info(o.image);
    assert_true(info->has_parent);
    assert_int_equal(info->locator_count, 3);
    assert_string_equal(info->parent_linkage, "{83ED0EC3-24C8-49DA-8C2C-6C2F7BB02A56}");
    assert_null(info->parent_linkage2);
    assert_string_equal(info->relative_path, ".\\parent.vhdx");
    assert_null(info->volume_path);
    assert_string_equal(info->absolute_win32_path, "C:\\disks\\parent.vhdx");
    assert_int_equal(info->present_bitmap_blocks, 1);
    assert_int_equal(info->bat_entries, 4097);
    vhdx_extent e;
    vhdx_reader_error error;
    /* Block 2 is partial: sector 4096 here, 4097 the parent's, one sector each. */
    assert_int_equal(vhdx_image_map(o.image, 4096, 100, &e, &error), VHDX_READER_OK);
    assert_int_equal(e.state, VHDX_EXTENT_PRESENT);
    assert_int_equal(e.sectors, 1);
    assert_int_equal(e.block_state, VHDX_PAYLOAD_BLOCK_PARTIALLY_PRESENT);
    assert_int_equal(vhdx_image_map(o.image, 4097, 100, &e, &error), VHDX_READER_OK);
    assert_int_equal(e.state, VHDX_EXTENT_NOT_HERE);
    assert_int_equal(e.sectors, 1);
    /* Block 3 is NOT_PRESENT: the parent's, to the end of the block. */
    assert_int_equal(vhdx_image_map(o.image, 3 * 2048 + 5, UINT32_MAX, &e, &error), VHDX_READER_OK);
    assert_int_equal(e.state, VHDX_EXTENT_NOT_HERE);
    assert_int_equal(e.sectors, 2048 - 5);
    opened_close(&o);
    vhdx_builder_free(&b);
}

/* Every payload state, in a dynamic and a differencing disk: what the map says. */
static void test_state_semantics(void **state)
{
    (void)state;
    static const struct { unsigned state; vhdx_extent_state dynamic, differencing; } rows[] = {
        { VHDX_PAYLOAD_BLOCK_NOT_PRESENT, VHDX_EXTENT_ZERO, VHDX_EXTENT_NOT_HERE },
        { VHDX_PAYLOAD_BLOCK_UNDEFINED, VHDX_EXTENT_ZERO, VHDX_EXTENT_ZERO },
        { VHDX_PAYLOAD_BLOCK_ZERO, VHDX_EXTENT_ZERO, VHDX_EXTENT_ZERO },
        { VHDX_PAYLOAD_BLOCK_UNMAPPED, VHDX_EXTENT_ZERO, VHDX_EXTENT_ZERO },
        { VHDX_PAYLOAD_BLOCK_FULLY_PRESENT, VHDX_EXTENT_PRESENT, VHDX_EXTENT_PRESENT },
    };
    for (int diff = 0; diff < 2; diff++) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            struct vhdx_built b;
            struct opened o;
            vhdx_builder_build(&(struct vhdx_builder_spec){ .differencing = diff != 0,
                                                            .present_blocks = 1 }, &b);
            /* Block 0's entry keeps its offset (a soft anchor for states 1 and 3). */
            uint64_t entry = vhdx_builder_get_bat(&b, 0);
            vhdx_builder_set_bat(&b, 0, vhdx_bat_entry(rows[i].state,
                                                       rows[i].state == 0 || rows[i].state == 2
                                                       ? 0 : vhdx_bat_file_offset(entry)));
            opened_open(&o, b.data, b.size);
            assert_int_equal(o.code, VHDX_READER_OK);
            vhdx_extent e;
            vhdx_reader_error error;
            assert_int_equal(vhdx_image_map(o.image, 10, 5, &e, &error), VHDX_READER_OK);
            assert_int_equal(e.state, diff ? rows[i].differencing : rows[i].dynamic);
            assert_int_equal(e.sectors, 5);
            assert_int_equal(e.block_state, rows[i].state);
            uint8_t sector[512];
            assert_int_equal(vhdx_image_read_sectors(o.image, 10, 1, sector, &error), VHDX_READER_OK);
            assert_int_equal(sector[0], e.state == VHDX_EXTENT_PRESENT ? vhdx_builder_pattern(10) : 0);
            opened_close(&o);
            vhdx_builder_free(&b);
        }
    }
}

/* A read-only file of size bytes that is zeros except for two stretches held in memory. */
struct sparse_io {
    vhd_io io;
    uint64_t size;
    const uint8_t *head, *tail;
    size_t head_size, tail_size;
    uint64_t tail_at;
};

static void copy_part(uint8_t *out, uint64_t offset, size_t len, const uint8_t *part,
                      uint64_t part_at, size_t part_size)
{
    uint64_t from = offset > part_at ? offset : part_at;
    uint64_t to = offset + len < part_at + part_size ? offset + len : part_at + part_size;
    if (from < to)
        memcpy(out + (from - offset), part + (from - part_at), (size_t)(to - from));
}

static vhd_status sparse_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct sparse_io *s = (struct sparse_io *)io;
    if (offset > s->size || len > s->size - offset)
        return VHD_E_END_OF_FILE;
    memset(buf, 0, len);
    copy_part(buf, offset, len, s->head, 0, s->head_size);
    copy_part(buf, offset, len, s->tail, s->tail_at, s->tail_size);
    return VHD_OK;
}

static vhd_status sparse_get_size(vhd_io *io, uint64_t *size)
{
    *size = ((struct sparse_io *)io)->size;
    return VHD_OK;
}

/* The heap bound holds for a disk of 64 TiB with 1 MiB blocks (a BAT of 513 MiB read
 * through the window), in a sparse file: the BAT's last page and the last block hold data. */
static void test_heap_64tib(void **state)
{
    (void)state;
    struct vhdx_built b;
    vhdx_builder_build(&(struct vhdx_builder_spec){ .virtual_size = 8 * MiB }, &b);
    uint64_t entries = vhdx_bat_entries(UINT64_C(64) << 40, 1 << 20, 512, false);
    size_t bat_length = (size_t)((entries * 8 + MiB - 1) / MiB * MiB);
    vhdx_put64(b.data + b.item_at[1], UINT64_C(64) << 40);
    for (int i = 0; i < 2; i++) {
        vhdx_put32(vhdx_builder_region_entry(&b, i, 0) + 24, (uint32_t)bat_length);
        vhdx_builder_fix_region_table(&b, i);
    }
    uint64_t block_at = b.bat_at + bat_length;
    /* From the BAT page of the last entry to the end of the file. */
    uint64_t tail_at = (b.bat_at + (entries - 1) * 8) / 4096 * 4096;
    size_t tail_size = (size_t)(block_at + MiB - tail_at);
    uint8_t *tail = calloc(1, tail_size);
    assert_non_null(tail);
    vhdx_put64(tail + (b.bat_at + (entries - 1) * 8 - tail_at), vhdx_bat_entry(6, block_at));
    memset(tail + (block_at - tail_at), 0x77, MiB);
    struct sparse_io io = { .io = { .read_at = sparse_read_at, .get_size = sparse_get_size },
                            .size = block_at + MiB, .head = b.data, .head_size = b.bat_at,
                            .tail = tail, .tail_size = tail_size, .tail_at = tail_at };
    vhdx_image *image;
    vhdx_reader_error error;
    vhdx_heap_start();
    if (vhdx_image_open(&image, &io.io, &vhdx_counted, &error) != VHDX_READER_OK)
        fail_msg("refused: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    assert_int_equal(info->bat_entries, entries);
    assert_int_equal(info->payload_states[VHDX_PAYLOAD_BLOCK_FULLY_PRESENT], 1);
    uint8_t sector[512];
    uint64_t last = (UINT64_C(64) << 40) / 512 - 1;
    assert_int_equal(vhdx_image_read_sectors(image, last, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0x77);
    assert_int_equal(vhdx_image_read_sectors(image, last - 2048, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0);
    vhdx_image_close(image);
    assert_int_equal(vhdx_heap_live, 0);
    size_t bound = VHDX_READER_IMAGE_HEAP_MAX(io.size, MiB);
    print_message("# 64 TiB dynamic disk, 1 MiB blocks, %llu BAT entries: reader heap peak %zu "
                  "bytes (bound %zu)\n", (unsigned long long)entries, vhdx_heap_peak, bound);
    assert_true(vhdx_heap_peak <= bound);
    assert_true(vhdx_heap_peak < 256 * 1024);
    free(tail);
    vhdx_builder_free(&b);
}

/* The worst file for the reader's heap: 2047 regions, the longest parent locator accepted and
 * a 1 MiB log of one entry holding 32,766 zero descriptors, in a sparse 2 GiB file. */
static void test_heap_worst(void **state)
{
    (void)state;
    struct vhdx_built b;
    vhdx_builder_build(&(struct vhdx_builder_spec){ .differencing = true, .present_blocks = 2,
                                                    .partial_block = true }, &b);
    uint8_t *loc = b.data + b.item_at[5];
    uint8_t *value2 = loc + 20 + 2 * 12;
    vhdx_put32(vhdx_builder_metadata_entry(&b, 5) + 20, VHDX_READER_LOCATOR_MAX_BYTES);
    uint32_t value_at = vhdx_get32(value2 + 4);
    vhdx_put16(value2 + 10, (uint16_t)(VHDX_READER_LOCATOR_MAX_BYTES - 2 - value_at));
    for (uint32_t k = value_at + 40; k < VHDX_READER_LOCATOR_MAX_BYTES; k += 2)
        loc[k] = 'x';
    uint64_t size = b.size;
    for (int i = 0; i < 2; i++) {
        uint8_t *table = b.data + b.region_at[i];
        vhdx_put32(table + 8, VHDX_REGION_ENTRY_MAX);
        for (unsigned e = 2; e < VHDX_REGION_ENTRY_MAX; e++) {
            uint8_t *entry = vhdx_builder_region_entry(&b, i, e);
            memset(entry, 0x5E, 16);
            vhdx_put16(entry, (uint16_t)e);
            vhdx_put64(entry + 16, b.size + (uint64_t)(e - 2) * MiB);
            vhdx_put32(entry + 24, (uint32_t)MiB);
        }
        vhdx_builder_fix_region_table(&b, i);
    }
    size += (uint64_t)(VHDX_REGION_ENTRY_MAX - 2) * MiB;
    static const vhdx_guid guid = {{ 0x4C, 0x4F, 0x47, 0x57 }};
    unsigned count = (unsigned)((MiB - 64) / 32);
    struct vhdx_builder_descriptor *d = calloc(count, sizeof *d);
    assert_non_null(d);
    for (unsigned i = 0; i < count; i++)
        d[i] = (struct vhdx_builder_descriptor){ true, b.first_block_at + (i % 256) * 4096, 4096, NULL };
    struct vhdx_builder_entry entry = { 1, 0, guid, b.size, b.size, count, d };
    assert_int_equal(vhdx_builder_write_log_entry(&b, 0, &entry), MiB);
    vhdx_builder_set_log_guid(&b, &guid);
    free(d);
    struct sparse_io io = { .io = { .read_at = sparse_read_at, .get_size = sparse_get_size },
                            .size = size, .head = b.data, .head_size = b.size };
    vhdx_image *image;
    vhdx_reader_error error;
    vhdx_heap_start();
    if (vhdx_image_open(&image, &io.io, &vhdx_counted, &error) != VHDX_READER_OK)
        fail_msg("refused: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    assert_int_equal(info->region_count, VHDX_REGION_ENTRY_MAX);
    assert_int_equal(info->log.zero_descriptors, count);
    assert_int_equal(strlen(info->absolute_win32_path), (VHDX_READER_LOCATOR_MAX_BYTES - 2 - value_at) / 2);
    uint8_t sector[512];
    assert_int_equal(vhdx_image_read_sectors(image, 0, 1, sector, &error), VHDX_READER_OK);
    assert_int_equal(sector[0], 0);   /* zeroed by the log */
    vhdx_image_close(image);
    assert_int_equal(vhdx_heap_live, 0);
    size_t bound = VHDX_READER_IMAGE_HEAP_MAX(size, MiB);
    print_message("# worst file (2047 regions, 64 KiB locator, 32,766 log descriptors): reader "
                  "heap peak %zu bytes (bound %zu)\n", vhdx_heap_peak, bound);
    assert_true(vhdx_heap_peak <= bound);
    vhdx_builder_free(&b);
}

/* ---- the samples ---- */
/* Decompresses samples/NAME.bz2 into the scratch folder; returns the path (static). */
static const char *sample(const char *name)
{
    static char path[1024];
    char command[3072];
    snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
    /* python3's bz2 module (python3 is already a build dependency; bzip2 need not be). */
    snprintf(command, sizeof command,
             "python3 -c 'import bz2, shutil, sys; shutil.copyfileobj(bz2.open(sys.argv[1]), "
             "open(sys.argv[2], \"wb\"))' '%s/%s.bz2' '%s'", samples_dir, name, path);
    if (system(command) != 0)
        fail_msg("cannot decompress %s", name);
    return path;
}

/* CRC-32C of a whole file, to tell that it was not changed. */
static uint32_t file_crc(const char *path)
{
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 16];
    size_t n;
    assert_non_null(f);
    uint32_t crc = vhdx_crc32c_begin();
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crc = vhdx_crc32c_update(crc, buf, n);
    fclose(f);
    return vhdx_crc32c_end(crc);
}

struct sample_open {
    struct vhd_io_posix file;
    vhdx_image *image;
};

static const vhdx_image_info *sample_open(struct sample_open *s, const char *path)
{
    vhdx_reader_error error;
    vhd_io_posix_init(&s->file, path);
    assert_int_equal(s->file.io.open(&s->file.io, VHD_IO_OPEN_READ), VHD_OK);
    if (vhdx_image_open(&s->image, &s->file.io, &vhdx_counted, &error) != VHDX_READER_OK)
        fail_msg("%s: %s", path, error.reason);
    return vhdx_image_get_info(s->image);
}

static void sample_close(struct sample_open *s, const char *path)
{
    vhdx_image_close(s->image);
    s->file.io.close(&s->file.io);
    remove(path);
}

/* iotest 064: 0xA5 for 0-33 MiB, 0x96 for 33-66 MiB, zeros after. */
static void expected_hyperv(void *ctx, uint64_t lba, uint8_t *out)
{
    (void)ctx;
    uint64_t offset = lba * 512;
    memset(out, offset < 33 * MiB ? 0xA5 : offset < 66 * MiB ? 0x96 : 0, 512);
}

static void test_sample_hyperv(void **state)
{
    (void)state;
    const char *path = sample("iotest-dynamic-1G.vhdx");
    struct sample_open s;
    vhdx_heap_start();
    const vhdx_image_info *info = sample_open(&s, path);
    assert_int_equal(info->kind, VHDX_KIND_DYNAMIC);
    assert_int_equal(info->virtual_size, UINT64_C(1) << 30);
    assert_int_equal(info->block_size, 32 << 20);
    assert_int_equal(info->logical_sector_size, 512);
    assert_int_equal(info->physical_sector_size, 4096);
    assert_string_equal(info->creator, "Microsoft Windows 6.2.9200.16384");
    assert_int_equal(info->current_header, 2);
    assert_int_equal(info->header.sequence_number, 15);
    assert_int_equal(info->header.log_offset, MiB);
    assert_int_equal(info->metadata_region.file_offset, 2 * MiB);
    assert_int_equal(info->bat_region.file_offset, 3 * MiB);
    assert_int_equal(info->payload_states[VHDX_PAYLOAD_BLOCK_ZERO], 29);
    assert_int_equal(info->payload_states[VHDX_PAYLOAD_BLOCK_FULLY_PRESENT], 3);
    assert_int_equal(info->log.state, VHDX_LOG_CLEAN);
    check_content(s.image, expected_hyperv, NULL);
    sample_close(&s, path);
    assert_int_equal(vhdx_heap_live, 0);
}

static void test_sample_disk2vhd(void **state)
{
    (void)state;
    const char *path = sample("test-disk2vhd.vhdx");
    struct sample_open s;
    const vhdx_image_info *info = sample_open(&s, path);
    assert_true(info->headers_identical);
    assert_int_equal(info->current_header, 1);
    assert_int_equal(info->kind, VHDX_KIND_DYNAMIC);
    assert_int_equal(info->virtual_size, 256 << 20);
    assert_int_equal(info->block_size, 2 << 20);
    assert_int_equal(info->payload_states[VHDX_PAYLOAD_BLOCK_FULLY_PRESENT], 128);
    /* The content, as qemu-img convert -O raw reads it (7.2.22): its CRC-32C. */
    uint8_t *buf = malloc(MiB);
    vhdx_reader_error error;
    assert_non_null(buf);
    uint32_t crc = vhdx_crc32c_begin();
    for (uint64_t lba = 0; lba < info->virtual_size / 512; lba += 2048) {
        assert_int_equal(vhdx_image_read_sectors(s.image, lba, 2048, buf, &error), VHDX_READER_OK);
        crc = vhdx_crc32c_update(crc, buf, MiB);
    }
    free(buf);
    assert_int_equal(vhdx_crc32c_end(crc), DISK2VHD_CRC32C);
    sample_close(&s, path);
}

/* qemu iotest 070: a 10 GiB disk whose log holds one entry to replay; replayed, 0xA5 runs to
 * 18 MiB (17 MiB without the replay). Read in memory; the file is never written. */
static void test_sample_dirty_log(void **state)
{
    (void)state;
    const char *path = sample("iotest-dirtylog-10G-4M.vhdx");
    uint32_t crc_before = file_crc(path);
    struct sample_open s;
    vhdx_heap_start();
    const vhdx_image_info *info = sample_open(&s, path);
    assert_int_equal(info->log.state, VHDX_LOG_REPLAYED_IN_MEMORY);
    assert_int_equal(info->log.entries, 1);
    assert_int_equal(info->log.data_sectors, 1);
    assert_int_equal(info->log.zero_descriptors, 0);
    assert_true(info->log.flushed_file_offset <= info->file_size);
    assert_string_equal(info->creator, "QEMU v1.6.50");
    assert_int_equal(info->virtual_size, UINT64_C(10) << 30);
    assert_int_equal(info->block_size, 1 << 20);
    assert_int_equal(info->bat_region.required, 0);   /* a known region without Required */
    assert_int_equal(info->metadata_region.required, 0);
    assert_int_equal(info->payload_states[VHDX_PAYLOAD_BLOCK_FULLY_PRESENT], 18);
    uint8_t *buf = malloc(MiB);
    vhdx_reader_error error;
    assert_non_null(buf);
    for (uint64_t mib = 0; mib < 20; mib++) {
        assert_int_equal(vhdx_image_read_sectors(s.image, mib * 2048, 2048, buf, &error),
                         VHDX_READER_OK);
        for (size_t i = 0; i < MiB; i++)
            if (buf[i] != (mib < 18 ? 0xA5 : 0))
                fail_msg("byte %llu is 0x%02x", (unsigned long long)(mib * MiB + i), buf[i]);
    }
    free(buf);
    /* Beyond 18 MiB nothing is present. */
    uint64_t total = info->virtual_size / 512, present = 0;
    for (uint64_t lba = 0; lba < total;) {
        vhdx_extent e;
        assert_int_equal(vhdx_image_map(s.image, lba, UINT32_MAX, &e, &error), VHDX_READER_OK);
        if (e.state == VHDX_EXTENT_PRESENT)
            present += e.sectors;
        else
            assert_int_equal(e.state, VHDX_EXTENT_ZERO);
        lba += e.sectors;
    }
    assert_int_equal(present, 18 * 2048);
    vhdx_image_close(s.image);
    s.file.io.close(&s.file.io);
    assert_int_equal(vhdx_heap_live, 0);
    assert_int_equal(file_crc(path), crc_before);
    remove(path);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_vhdx_reader SAMPLES_DIR SCRATCH_DIR\n");
        return 2;
    }
    samples_dir = argv[1];
    scratch_dir = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_guids),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_log_sector_split),
        cmocka_unit_test(test_bat_geometry),
        cmocka_unit_test(test_builder_dynamic),
        cmocka_unit_test(test_builder_fixed),
        cmocka_unit_test(test_builder_differencing),
        cmocka_unit_test(test_state_semantics),
        cmocka_unit_test(test_heap_64tib),
        cmocka_unit_test(test_heap_worst),
        cmocka_unit_test(test_sample_hyperv),
        cmocka_unit_test(test_sample_disk2vhd),
        cmocka_unit_test(test_sample_dirty_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
