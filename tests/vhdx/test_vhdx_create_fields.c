/* Every structure of VHDX files made by the writers, field by field, against MS-VHDX with the
 * test's own decoding (vhdx_spec.c: its own CRC-32C and GUIDs): the header section, the log,
 * the metadata table and items, the parent locator, every BAT entry, the data area of fixed
 * disks, for several sizes, block sizes and sector sizes up to 64 TiB; and every invalid
 * option refused before anything is created. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_util.h"
#include "vhd_io_posix.h"
#include "vhdx_create.h"
#include "vhdx_reader.h"
#include "vhdx_spec.h"

#define MiB SPEC_MiB
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)

enum kind { DYNAMIC, FIXED, DIFFERENCING };
static const char *const kind_names[] = { "dynamic", "fixed", "differencing" };

static const char GUID_BAT[] = "2DC27766-F623-4200-9D64-115E9BFD4A08";
static const char GUID_METADATA[] = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
static const char GUID_FILE_PARAMETERS[] = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
static const char GUID_DISK_SIZE[] = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
static const char GUID_LOGICAL[] = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
static const char GUID_PHYSICAL[] = "CDA348C7-445D-4471-9CC9-E9885251C556";
static const char GUID_DISK_ID[] = "BECA12AB-B2E6-4523-93EF-C309E000C746";
static const char GUID_LOCATOR[] = "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C";
static const char GUID_VHDX_LOCATOR_TYPE[] = "B04AEFB7-D19E-4A81-B789-25B8E9445913";

/* The GUIDs the tests pass, as text: what the file must hold. */
static const char FILE_WRITE[] = "{11223344-5566-4778-899A-ABBCCDDEEFF0}";
static const char DATA_WRITE[] = "{0F1E2D3C-4B5A-4968-8776-655443322110}";
static const char DISK_ID[] = "{DEADBEEF-0001-4002-8003-000400050006}";
static const char PARENT_DATA_WRITE[] = "{A1B2C3D4-E5F6-4789-9ABC-DEF012345678}";
/* parent_linkage: lower case, as the specification's example and libvhdi. */
static const char PARENT_LINKAGE[] = "{a1b2c3d4-e5f6-4789-9abc-def012345678}";
static const char PARENT_DISK_ID[] = "{CAFEF00D-1111-4222-8333-444455556666}";

struct disk_case {
    enum kind kind;
    uint64_t size;
    uint32_t block, logical, physical;     /* as passed: 0 = default */
    /* Expected, computed by hand from the specification (or its worked examples). */
    uint32_t want_block, want_logical, want_physical;
    uint64_t want_entries;
};

static const struct disk_case cases[] = {
    /* Defaults: 32 MiB blocks, 512/4096; 3 MiB is one block. */
    { DYNAMIC, 3 * MiB, 0, 0, 0, 32 * MiB, 512, 4096, 1 },
    /* The fact sheet's worked examples: 10 GiB / 32 MiB / 512 -> 322 entries, 127 GiB -> 4095. */
    { DYNAMIC, 10 * GiB, 0, 0, 0, 32 * MiB, 512, 4096, 322 },
    { DYNAMIC, 127 * GiB, 32 * MiB, 512, 4096, 32 * MiB, 512, 4096, 4095 },
    /* A partial last block; 4 KiB logical sectors (chunk ratio 32768 with 1 MiB blocks). */
    { DYNAMIC, 100 * MiB + 512, 0, 512, 512, 32 * MiB, 512, 512, 4 },
    { DYNAMIC, 1 * GiB, 1 * MiB, 4096, 512, 1 * MiB, 4096, 512, 1024 },
    /* Crossing chunks: 1 MiB blocks, ratio 4096: 5000 blocks + 1 bitmap entry. */
    { DYNAMIC, 5000 * MiB, 1 * MiB, 0, 0, 1 * MiB, 512, 4096, 5001 },
    /* 64 TiB (metadata only): 2^21 blocks of 32 MiB, ratio 128: 2^21 + (2^21 - 1) / 128. */
    { DYNAMIC, 64 * TiB, 0, 0, 0, 32 * MiB, 512, 4096, 2097152 + 16383 },
    /* 64 TiB, 256 MiB blocks, 4 KiB sectors: ratio 128, 2^18 blocks. */
    { DYNAMIC, 64 * TiB, 256 * MiB, 4096, 4096, 256 * MiB, 4096, 4096, 262144 + 2047 },
    { FIXED, 3 * MiB, 0, 0, 0, 32 * MiB, 512, 4096, 1 },
    { FIXED, 100 * MiB + 512, 2 * MiB, 0, 0, 2 * MiB, 512, 4096, 51 },
    { FIXED, 64 * MiB, 1 * MiB, 4096, 4096, 1 * MiB, 4096, 4096, 64 },
    /* 4097 blocks of 1 MiB with ratio 4096: the bitmap slot between blocks 4095 and 4096. */
    { FIXED, 4097 * MiB, 1 * MiB, 0, 0, 1 * MiB, 512, 4096, 4098 },
    /* Children: the parent's sizes; default 2 MiB blocks (ratio 2048). 10 GiB: 5120 blocks,
     * 3 chunks of 2049 entries; with 32 MiB blocks the fact sheet's 387. */
    { DIFFERENCING, 10 * GiB, 0, 512, 4096, 2 * MiB, 512, 4096, 3 * 2049 },
    { DIFFERENCING, 10 * GiB, 32 * MiB, 512, 512, 32 * MiB, 512, 512, 387 },
    { DIFFERENCING, 3 * MiB, 0, 4096, 512, 2 * MiB, 4096, 512, 16385 },
    { DIFFERENCING, 64 * TiB, 32 * MiB, 512, 4096, 32 * MiB, 512, 4096, 16384 * 129 },
};

static const char RELATIVE[] = ".\\base.vhdx";
static const char VOLUME[] = "\\\\?\\Volume{26A21BDA-A627-11D7-9931-806E6F6E6963}\\VMs\\base.vhdx";
static const char ABSOLUTE[] = "C:\\VMs\\base.vhdx";

struct run {
    char *dir, *path;
    struct vhd_io_posix file;
    vhdx_create_options options;
    vhdx_parent_facts parent;
    uint16_t relative[64], volume[128], absolute[64];
    unsigned last_report;
};

static void on_progress(void *ctx, unsigned percent)
{
    struct run *run = ctx;
    assert_true(percent > run->last_report);
    assert_true(percent <= 100);
    run->last_report = percent;
}

static size_t to_units(const char *text, uint16_t *units)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++)
        units[i] = (uint8_t)text[i];
    return n;
}

static void run_init(struct run *run, const struct disk_case *c)
{
    memset(run, 0, sizeof *run);
    run->dir = test_make_temp_dir();
    run->path = test_path_join(run->dir, "disk.vhdx");
    vhd_io_posix_init(&run->file, run->path);
    run->options.size_bytes = c->kind == DIFFERENCING ? 12345 : c->size;   /* ignored */
    run->options.block_size = c->block;
    run->options.logical_sector_size = c->kind == DIFFERENCING ? 999 : c->logical;
    run->options.physical_sector_size = c->kind == DIFFERENCING ? 999 : c->physical;
    spec_guid(FILE_WRITE, run->options.file_write_guid.bytes);
    spec_guid(DATA_WRITE, run->options.data_write_guid.bytes);
    spec_guid(DISK_ID, run->options.virtual_disk_id.bytes);
    run->options.progress = on_progress;
    run->options.ctx = run;
    run->parent.size_bytes = c->size;
    run->parent.logical_sector_size = c->logical;
    run->parent.physical_sector_size = c->physical;
    spec_guid(PARENT_DISK_ID, run->parent.virtual_disk_id.bytes);
    spec_guid(PARENT_DATA_WRITE, run->parent.data_write_guid.bytes);
    run->parent.relative_path = run->relative;
    run->parent.relative_length = to_units(RELATIVE, run->relative);
    run->parent.volume_path = run->volume;
    run->parent.volume_length = to_units(VOLUME, run->volume);
    run->parent.absolute_win32_path = run->absolute;
    run->parent.absolute_win32_length = to_units(ABSOLUTE, run->absolute);
}

static vhd_status run_create(struct run *run, enum kind kind)
{
    switch (kind) {
    case DYNAMIC:
        return vhdx_create_dynamic(&run->file.io, &run->options);
    case FIXED:
        return vhdx_create_fixed(&run->file.io, &run->options);
    default:
        return vhdx_create_differencing(&run->file.io, &run->options, &run->parent);
    }
}

static void run_free(struct run *run)
{
    test_remove_temp_dir(run->dir);
    free(run->path);
}

static void assert_guid(const uint8_t stored[16], const char *text)
{
    char got[39];
    spec_guid_text(stored, got);
    assert_string_equal(got, text);
}

static bool guid_is(const uint8_t stored[16], const char *text)
{
    uint8_t want[16];
    spec_guid(text, want);
    return memcmp(stored, want, 16) == 0;
}

static uint64_t round_mib(uint64_t bytes)
{
    return (bytes + MiB - 1) / MiB * MiB;
}

static void check_header_section(const char *path, const struct spec_vhdx *v)
{
    char creator[64];
    snprintf(creator, sizeof creator, "vsdisk %s", VSDISK_VERSION);
    assert_true(v->signature);
    assert_string_equal(v->creator, creator);
    /* The identifier's creator field: UTF-16LE, NUL-terminated; the rest of 64 KiB zero. */
    assert_true(spec_range_zero(path, 8 + 2 * strlen(creator), 64 * SPEC_KiB - 8 - 2 * strlen(creator)));
    for (int i = 0; i < 2; i++) {
        const struct spec_header *h = &v->headers[i];
        assert_true(h->valid);
        assert_int_equal(h->sequence_number, (uint64_t)i);
        assert_guid(h->file_write_guid, FILE_WRITE);
        assert_guid(h->data_write_guid, DATA_WRITE);
        assert_guid(h->log_guid, "{00000000-0000-0000-0000-000000000000}");
        assert_int_equal(h->log_version, 0);
        assert_int_equal(h->version, 1);
        assert_int_equal(h->log_length, MiB);
        assert_int_equal(h->log_offset, MiB);
        assert_true(h->reserved_zero);
        assert_true(spec_range_zero(path, (uint64_t)(i + 1) * 64 * SPEC_KiB + 4096,
                                    60 * SPEC_KiB));
    }
    assert_int_equal(v->current, 1);
    for (int t = 0; t < 2; t++) {
        assert_true(v->region_valid[t]);
        assert_int_equal(v->region_count[t], 2);
        assert_int_equal(v->region_reserved[t], 0);
        /* Windows' order: BAT, then metadata; both required. */
        assert_true(guid_is(v->regions[t][0].guid, GUID_BAT));
        assert_int_equal(v->regions[t][0].file_offset, 3 * MiB);
        assert_int_equal(v->regions[t][0].required, 1);
        assert_true(guid_is(v->regions[t][1].guid, GUID_METADATA));
        assert_int_equal(v->regions[t][1].file_offset, 2 * MiB);
        assert_int_equal(v->regions[t][1].length, MiB);
        assert_int_equal(v->regions[t][1].required, 1);
        assert_int_equal(v->regions[t][0].length, v->regions[0][0].length);
        assert_true(spec_range_zero(path, (192 + 64 * (uint64_t)t) * SPEC_KiB + 80,
                                    64 * SPEC_KiB - 80));
    }
    /* Reserved to 1 MiB, then the log: 1 MiB of zeros (no entry, LogGuid zero). */
    assert_true(spec_range_zero(path, 320 * SPEC_KiB, 2 * MiB - 320 * SPEC_KiB));
}

struct want_item {
    const char *id;
    uint32_t length, flags;
};

static void check_metadata(const char *path, const struct spec_vhdx *v, const struct disk_case *c)
{
    const struct want_item want[] = {
        { GUID_FILE_PARAMETERS, 8, 4 }, { GUID_DISK_SIZE, 8, 6 }, { GUID_LOGICAL, 4, 6 },
        { GUID_PHYSICAL, 4, 6 }, { GUID_DISK_ID, 16, 6 }, { GUID_LOCATOR, 0, 4 },
    };
    unsigned count = c->kind == DIFFERENCING ? 6 : 5;
    assert_true(v->metadata_signature);
    assert_true(v->metadata_reserved_zero);
    assert_int_equal(v->metadata_count, count);
    uint32_t offset = 64 * 1024;   /* packed from 64 KiB, in Windows' order */
    for (unsigned i = 0; i < count; i++) {
        const struct spec_item *item = &v->items[i];
        assert_true(guid_is(item->item_id, want[i].id));
        assert_int_equal(item->offset, offset);
        if (want[i].length)
            assert_int_equal(item->length, want[i].length);
        assert_int_equal(item->flags, want[i].flags);
        assert_int_equal(item->reserved, 0);
        offset += item->length;
    }
    /* Nothing else in the table or the region. */
    assert_true(spec_range_zero(path, 2 * MiB + 32 + 32 * count, 64 * 1024 - 32 - 32 * count));
    assert_true(spec_range_zero(path, 2 * MiB + offset, MiB - offset));

    uint32_t flags = c->kind == FIXED ? 1 : c->kind == DIFFERENCING ? 2 : 0;
    assert_int_equal(v->block_size, c->want_block);
    assert_int_equal(v->file_parameters_flags, flags);
    assert_int_equal(v->virtual_size, c->size);
    assert_int_equal(v->logical_sector_size, c->want_logical);
    assert_int_equal(v->physical_sector_size, c->want_physical);
    assert_guid(v->virtual_disk_id, c->kind == DIFFERENCING ? PARENT_DISK_ID : DISK_ID);

    if (c->kind != DIFFERENCING) {
        assert_false(v->has_locator);
        return;
    }
    const struct { const char *key, *value; } pairs[] = {
        { "parent_linkage", PARENT_LINKAGE }, { "relative_path", RELATIVE },
        { "volume_path", VOLUME }, { "absolute_win32_path", ABSOLUTE },
    };
    assert_true(v->has_locator);
    assert_true(guid_is(v->locator_type, GUID_VHDX_LOCATOR_TYPE));
    assert_int_equal(v->locator_reserved, 0);
    assert_int_equal(v->locator_count, 4);
    uint32_t data = 20 + 4 * 12;   /* keys and values packed after the entries */
    for (unsigned k = 0; k < 4; k++) {
        const struct spec_pair *p = &v->pairs[k];
        assert_string_equal(p->key, pairs[k].key);
        assert_string_equal(p->value, pairs[k].value);
        assert_int_equal(p->key_offset, data);
        assert_int_equal(p->key_length, 2 * strlen(pairs[k].key));
        assert_int_equal(p->value_offset, data + p->key_length);
        assert_int_equal(p->value_length, 2 * strlen(pairs[k].value));
        data = p->value_offset + p->value_length;
    }
    assert_int_equal(v->items[5].length, data);
}

/* Every entry of the BAT region, read 1 MiB at a time, against the specification's formulas:
 * payload block n at index n + n / ratio, the bitmap entry of chunk k at k * (ratio + 1) +
 * ratio; fixed: payload FULLY_PRESENT (6) at its block, contiguous from the end of the BAT;
 * otherwise everything 0. */
static void check_bat(const char *path, const struct spec_vhdx *v, const struct disk_case *c,
                      uint64_t data_offset)
{
    uint64_t ratio = (UINT64_C(1) << 23) * c->want_logical / c->want_block;
    uint64_t blocks = (c->size + c->want_block - 1) / c->want_block;
    uint64_t region = round_mib(c->want_entries * 8);
    static uint8_t chunk[1 << 20];
    uint64_t payload = 0, bitmaps = 0;
    assert_int_equal(v->bat_length, region);
    for (uint64_t at = 0; at < region; at += sizeof chunk) {
        assert_true(spec_pread(path, v->bat_offset + at, chunk, sizeof chunk));
        for (size_t i = 0; i < sizeof chunk; i += 8) {
            uint64_t index = (at + i) / 8, entry = spec_le64(chunk + i);
            uint64_t want = 0;
            bool is_bitmap = index % (ratio + 1) == ratio;
            if (index < c->want_entries) {
                if (is_bitmap) {
                    bitmaps++;
                } else {
                    uint64_t n = index - index / (ratio + 1);
                    /* A child's BAT reaches its last chunk's bitmap entry: the payload
                     * slots past the disk's end are there, NOT_PRESENT. */
                    assert_true(n < blocks || c->kind == DIFFERENCING);
                    payload += n < blocks;
                    if (c->kind == FIXED)
                        want = (data_offset + n * c->want_block) | 6;
                }
            }
            if (entry != want)
                fail_msg("%s %" PRIu64 " bytes: BAT entry %" PRIu64 " is 0x%" PRIx64
                         ", expected 0x%" PRIx64, kind_names[c->kind], c->size, index, entry,
                         want);
        }
    }
    assert_int_equal(payload, blocks);
    assert_int_equal(bitmaps, c->kind == DIFFERENCING ? (blocks + ratio - 1) / ratio
                                                       : (blocks - 1) / ratio);
}

/* The project's strict reader (the other helper's code) takes the disk as made, with every
 * fact the writer was given. */
static void check_with_reader(const char *path, const struct disk_case *c)
{
    struct vhd_io_posix file;
    vhdx_image *image = NULL;
    vhdx_reader_error error;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ), VHD_OK);
    vhdx_reader_code code = vhdx_image_open(&image, &file.io, NULL, &error);
    if (code != VHDX_READER_OK)
        fail_msg("the reader refuses the disk: %s", error.reason);
    const vhdx_image_info *info = vhdx_image_get_info(image);
    assert_int_equal(info->kind, c->kind == DYNAMIC ? VHDX_KIND_DYNAMIC
                                 : c->kind == FIXED ? VHDX_KIND_FIXED : VHDX_KIND_DIFFERENCING);
    assert_int_equal(info->virtual_size, c->size);
    assert_int_equal(info->block_size, c->want_block);
    assert_int_equal(info->logical_sector_size, c->want_logical);
    assert_int_equal(info->physical_sector_size, c->want_physical);
    assert_int_equal(info->bat_entries, c->want_entries);
    assert_int_equal(info->current_header, 2);
    assert_int_equal(info->log.state, VHDX_LOG_CLEAN);
    char creator[64];
    snprintf(creator, sizeof creator, "vsdisk %s", VSDISK_VERSION);
    assert_string_equal(info->creator, creator);
    uint64_t blocks = (c->size + c->want_block - 1) / c->want_block;
    assert_int_equal(info->payload_states[c->kind == FIXED ? 6 : 0], blocks);
    assert_int_equal(info->present_bitmap_blocks, 0);
    if (c->kind == DIFFERENCING) {
        assert_string_equal(info->parent_linkage, PARENT_LINKAGE);
        assert_null(info->parent_linkage2);
        assert_string_equal(info->relative_path, RELATIVE);
        assert_string_equal(info->volume_path, VOLUME);
        assert_string_equal(info->absolute_win32_path, ABSOLUTE);
    }
    vhdx_image_close(image);
    file.io.close(&file.io);
}

static void check_disk(const struct disk_case *c)
{
    struct run run;
    run_init(&run, c);
    assert_int_equal(run_create(&run, c->kind), VHD_OK);
    assert_int_equal(run.last_report, 100);
    assert_int_equal(run.file.fd, -1);

    struct spec_vhdx v;
    assert_true(spec_vhdx_read(run.path, &v));
    uint64_t bat_region = round_mib(c->want_entries * 8);
    uint64_t data_offset = 3 * MiB + bat_region;
    uint64_t blocks = (c->size + c->want_block - 1) / c->want_block;
    uint64_t want_size = data_offset + (c->kind == FIXED ? blocks * c->want_block : 0);
    assert_int_equal(v.file_size, want_size);
    uint64_t reported = c->kind == DYNAMIC ? vhdx_dynamic_file_size(&run.options)
                      : c->kind == FIXED ? vhdx_fixed_file_size(&run.options)
                      : vhdx_differencing_file_size(&run.options, &run.parent);
    assert_int_equal(reported, want_size);

    check_header_section(run.path, &v);
    check_metadata(run.path, &v, c);
    check_bat(run.path, &v, c, data_offset);
    check_with_reader(run.path, c);
    if (c->kind == FIXED) {
        /* Reserved on the volume, not a hole, and reading as zeros. */
        struct stat st;
        assert_int_equal(stat(run.path, &st), 0);
        assert_true((uint64_t)st.st_blocks * 512 >= want_size - data_offset);
        uint64_t data = want_size - data_offset, head = data < 128 * MiB ? data : 128 * MiB;
        assert_true(spec_range_zero(run.path, data_offset, head));
        assert_true(spec_range_zero(run.path, want_size - (data < MiB ? data : MiB),
                                    data < MiB ? data : MiB));
    }
    print_message("# %s %" PRIu64 " bytes, blocks %" PRIu32 ", sectors %" PRIu32 "/%" PRIu32
                  ": file %" PRIu64 " bytes, %" PRIu64 " BAT entries\n", kind_names[c->kind],
                  c->size, c->want_block, c->want_logical, c->want_physical, want_size,
                  c->want_entries);
    run_free(&run);
}

static void test_every_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_disk(&cases[i]);
}

/* Options that cannot make a disk: refused with their own check, the status it maps to, and
 * nothing created (create() never called). */
static void test_invalid_options(void **state)
{
    (void)state;
    const struct {
        enum kind kind;
        uint64_t size;
        uint32_t block, logical, physical;
        vhdx_create_check want;
    } bad[] = {
        { DYNAMIC, 0, 0, 0, 0, VHDX_CREATE_SIZE_ZERO },
        { FIXED, 0, 0, 0, 0, VHDX_CREATE_SIZE_ZERO },
        { DYNAMIC, 64 * TiB + 512, 0, 0, 0, VHDX_CREATE_SIZE_TOO_LARGE },
        { FIXED, 64 * TiB + 4096, 0, 4096, 0, VHDX_CREATE_SIZE_TOO_LARGE },
        { DYNAMIC, UINT64_MAX, 0, 0, 0, VHDX_CREATE_SIZE_TOO_LARGE },
        { DYNAMIC, 3 * MiB + 1, 0, 0, 0, VHDX_CREATE_SIZE_NOT_SECTOR_MULTIPLE },
        { DYNAMIC, 3 * MiB + 512, 0, 4096, 0, VHDX_CREATE_SIZE_NOT_SECTOR_MULTIPLE },
        { DYNAMIC, 3 * MiB, MiB / 2, 0, 0, VHDX_CREATE_BAD_BLOCK_SIZE },
        { DYNAMIC, 3 * MiB, 512 * MiB, 0, 0, VHDX_CREATE_BAD_BLOCK_SIZE },
        { DYNAMIC, 3 * MiB, 3 * MiB, 0, 0, VHDX_CREATE_BAD_BLOCK_SIZE },
        { FIXED, 3 * MiB, 1, 0, 0, VHDX_CREATE_BAD_BLOCK_SIZE },
        { DYNAMIC, 3 * MiB, UINT32_MAX, 0, 0, VHDX_CREATE_BAD_BLOCK_SIZE },
        { DYNAMIC, 3 * MiB, 0, 1024, 0, VHDX_CREATE_BAD_LOGICAL_SECTOR_SIZE },
        { DYNAMIC, 3 * MiB, 0, 520, 0, VHDX_CREATE_BAD_LOGICAL_SECTOR_SIZE },
        { FIXED, 3 * MiB, 0, 0, 8192, VHDX_CREATE_BAD_PHYSICAL_SECTOR_SIZE },
        { DYNAMIC, 3 * MiB, 0, 0, 256, VHDX_CREATE_BAD_PHYSICAL_SECTOR_SIZE },
        /* A child: the parent's facts are checked. */
        { DIFFERENCING, 0, 0, 512, 512, VHDX_CREATE_SIZE_ZERO },
        { DIFFERENCING, 3 * MiB + 512, 0, 4096, 512, VHDX_CREATE_SIZE_NOT_SECTOR_MULTIPLE },
        { DIFFERENCING, 3 * MiB, 0, 0, 512, VHDX_CREATE_BAD_LOGICAL_SECTOR_SIZE },
        { DIFFERENCING, 3 * MiB, 0, 512, 0, VHDX_CREATE_BAD_PHYSICAL_SECTOR_SIZE },
        { DIFFERENCING, 3 * MiB, 3 * MiB, 512, 512, VHDX_CREATE_BAD_BLOCK_SIZE },
        { DIFFERENCING, 65 * TiB, 0, 512, 512, VHDX_CREATE_SIZE_TOO_LARGE },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct disk_case c = { bad[i].kind, bad[i].size, bad[i].block, bad[i].logical,
                               bad[i].physical, 0, 0, 0, 0 };
        struct run run;
        run_init(&run, &c);
        if (bad[i].kind != DIFFERENCING) {
            run.options.logical_sector_size = bad[i].logical;
            run.options.physical_sector_size = bad[i].physical;
        }
        vhdx_create_check got = bad[i].kind == DIFFERENCING
            ? vhdx_check_differencing(&run.options, &run.parent)
            : vhdx_check_options(&run.options);
        if (got != bad[i].want)
            fail_msg("case %zu: got '%s', expected '%s'", i, vhdx_create_check_message(got),
                     vhdx_create_check_message(bad[i].want));
        assert_int_equal(run_create(&run, bad[i].kind), VHD_E_INVALID_SIZE);
        assert_int_equal(test_dir_entry_count(run.dir), 0);
        assert_int_equal(run.last_report, 0);
        uint64_t size = bad[i].kind == DYNAMIC ? vhdx_dynamic_file_size(&run.options)
                      : bad[i].kind == FIXED ? vhdx_fixed_file_size(&run.options)
                      : vhdx_differencing_file_size(&run.options, &run.parent);
        assert_int_equal(size, 0);
        /* The writers alone, into a file already created: refused, and the file removed. */
        assert_int_equal(run.file.io.create(&run.file.io), VHD_OK);
        vhd_status status = bad[i].kind == DYNAMIC ? vhdx_write_dynamic(&run.file.io, &run.options)
                          : bad[i].kind == FIXED ? vhdx_write_fixed(&run.file.io, &run.options)
                          : vhdx_write_differencing(&run.file.io, &run.options, &run.parent);
        assert_int_equal(status, VHD_E_INVALID_SIZE);
        assert_int_equal(test_dir_entry_count(run.dir), 0);
        assert_int_equal(run.file.fd, -1);
        run_free(&run);
    }
}

/* A child made from the facts the reader gives of a parent vsdisk made. */
static void test_parent_facts_from_reader(void **state)
{
    (void)state;
    struct disk_case c = { DYNAMIC, 48 * MiB, 0, 4096, 512, 32 * MiB, 4096, 512, 2 };
    struct run parent_run, child_run;
    run_init(&parent_run, &c);
    assert_int_equal(run_create(&parent_run, DYNAMIC), VHD_OK);

    struct vhd_io_posix file;
    vhdx_image *image = NULL;
    vhdx_reader_error error;
    vhd_io_posix_init(&file, parent_run.path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(vhdx_image_open(&image, &file.io, NULL, &error), VHDX_READER_OK);

    c.kind = DIFFERENCING;
    run_init(&child_run, &c);
    vhdx_parent_facts_from_info(&child_run.parent, vhdx_image_get_info(image));
    vhdx_image_close(image);
    file.io.close(&file.io);
    assert_int_equal(vhdx_check_differencing(&child_run.options, &child_run.parent),
                     VHDX_CREATE_PARENT_NO_PATH);
    child_run.parent.relative_path = child_run.relative;
    child_run.parent.relative_length = to_units(RELATIVE, child_run.relative);
    assert_int_equal(run_create(&child_run, DIFFERENCING), VHD_OK);

    struct spec_vhdx v;
    assert_true(spec_vhdx_read(child_run.path, &v));
    assert_int_equal(v.virtual_size, 48 * MiB);
    assert_int_equal(v.logical_sector_size, 4096);
    assert_int_equal(v.physical_sector_size, 512);
    assert_guid(v.virtual_disk_id, DISK_ID);
    assert_int_equal(v.locator_count, 2);
    char linkage[39];
    spec_guid_text(child_run.options.data_write_guid.bytes, linkage);   /* both runs' GUID */
    for (char *p = linkage; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    assert_string_equal(v.pairs[0].value, linkage);
    run_free(&child_run);
    run_free(&parent_run);
}

/* A child's paths: at least one, none with a NUL, none too long; each key present only when
 * its path is given. */
static void test_parent_paths(void **state)
{
    (void)state;
    struct disk_case c = { DIFFERENCING, 40 * MiB, 0, 512, 4096, 2 * MiB, 512, 4096, 2049 };
    static uint16_t long_path[VHDX_PARENT_PATH_MAX_UNITS + 1];
    for (size_t i = 0; i < sizeof long_path / sizeof long_path[0]; i++)
        long_path[i] = 'a';
    const struct {
        bool relative, volume, absolute;
        int change;   /* 0 none, 1 NUL in relative, 2 too long absolute, 3 NULL with a length,
                         4 longest allowed */
        vhdx_create_check want;
    } paths[] = {
        { false, false, false, 0, VHDX_CREATE_PARENT_NO_PATH },
        { true, false, false, 1, VHDX_CREATE_PARENT_PATH_HAS_NUL },
        { false, false, true, 2, VHDX_CREATE_PARENT_PATH_TOO_LONG },
        { false, true, false, 3, VHDX_CREATE_PARENT_PATH_HAS_NUL },
        { true, false, false, 0, VHDX_CREATE_VALID },
        { false, true, false, 0, VHDX_CREATE_VALID },
        { false, false, true, 0, VHDX_CREATE_VALID },
        { true, false, true, 0, VHDX_CREATE_VALID },
        { true, true, true, 4, VHDX_CREATE_VALID },
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct run run;
        run_init(&run, &c);
        if (!paths[i].relative)
            run.parent.relative_length = 0;
        if (!paths[i].volume)
            run.parent.volume_length = 0;
        if (!paths[i].absolute)
            run.parent.absolute_win32_length = 0;
        if (paths[i].change == 1)
            run.relative[3] = 0;
        if (paths[i].change == 2 || paths[i].change == 4) {
            run.parent.absolute_win32_path = long_path;
            run.parent.absolute_win32_length = VHDX_PARENT_PATH_MAX_UNITS + (paths[i].change == 2);
        }
        if (paths[i].change == 3)
            run.parent.volume_path = NULL;
        vhdx_create_check got = vhdx_check_differencing(&run.options, &run.parent);
        if (got != paths[i].want)
            fail_msg("paths %zu: got '%s', expected '%s'", i, vhdx_create_check_message(got),
                     vhdx_create_check_message(paths[i].want));
        vhd_status status = vhdx_create_differencing(&run.file.io, &run.options, &run.parent);
        if (paths[i].want != VHDX_CREATE_VALID) {
            assert_int_equal(status, VHD_E_INVALID_PATH);
            assert_int_equal(test_dir_entry_count(run.dir), 0);
        } else {
            assert_int_equal(status, VHD_OK);
            struct spec_vhdx v;
            assert_true(spec_vhdx_read(run.path, &v));
            unsigned want_count = 1 + paths[i].relative + paths[i].volume + paths[i].absolute;
            assert_int_equal(v.locator_count, want_count);
            assert_string_equal(v.pairs[0].key, "parent_linkage");
            assert_string_equal(v.pairs[0].value, PARENT_LINKAGE);
            unsigned k = 1;
            if (paths[i].relative)
                assert_string_equal(v.pairs[k++].key, "relative_path");
            if (paths[i].volume)
                assert_string_equal(v.pairs[k++].key, "volume_path");
            if (paths[i].absolute) {
                assert_string_equal(v.pairs[k].key, "absolute_win32_path");
                assert_int_equal(v.pairs[k].value_length, 2 * run.parent.absolute_win32_length);
            }
        }
        run_free(&run);
    }
}

static void test_messages(void **state)
{
    (void)state;
    for (int c = VHDX_CREATE_VALID; c <= VHDX_CREATE_PARENT_PATH_HAS_NUL; c++) {
        const char *m = vhdx_create_check_message((vhdx_create_check)c);
        assert_non_null(m);
        assert_true(strlen(m) > 10);
        assert_true(m[strlen(m) - 1] != '.');
        for (int d = VHDX_CREATE_VALID; d < c; d++)
            assert_string_not_equal(m, vhdx_create_check_message((vhdx_create_check)d));
    }
    assert_int_equal(vhdx_create_check_status(VHDX_CREATE_VALID), VHD_OK);
    char want[64];
    snprintf(want, sizeof want, "vsdisk %s", VSDISK_VERSION);
    assert_string_equal(vhdx_creator(), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field),
        cmocka_unit_test(test_invalid_options),
        cmocka_unit_test(test_parent_paths),
        cmocka_unit_test(test_parent_facts_from_reader),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests_name("vhdx_create_fields", tests, NULL, NULL);
}
