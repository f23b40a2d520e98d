/* The reader on real files: every sample of tests/samples (Windows 8/8.1/10, VirtualBox,
 * XenServer, qemu) and vsdisk's own disks, the Windows differencing chain, sector reads
 * checked against the file's bytes decoded here independently, and every I/O call failing
 * in turn. The samples folder is the first argument. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_chain.h"
#include "test_util.h"
#include "vhd_create.h"
#include "vhd_disk.h"
#include "vhd_io_fault.h"
#include "vhd_parent_posix.h"
#include "vhd_reader.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

static const char *samples_dir;

struct opened_file {
    struct vhd_io_posix posix;
    char *path;
};

static void open_file(struct opened_file *f, const char *dir, const char *name)
{
    f->path = test_path_join(dir, name);
    vhd_io_posix_init(&f->posix, f->path);
    if (f->posix.io.open(&f->posix.io, VHD_IO_OPEN_READ) != VHD_OK)
        fail_msg("cannot open %s", f->path);
}

static void close_file(struct opened_file *f)
{
    f->posix.io.close(&f->posix.io);
    free(f->path);
}

static const struct sample {
    const char *name;
    uint32_t type;
    uint64_t size;
    const char *creator;
    const char *unique_id;
    uint32_t blocks;
} samples[] = {
    { "qemu.vhd", 3, 41953280, "qemu", "787bb12d-a507-4d8e-8f08-2ad2e2148e32", 21 },
    { "vbox.vhd", 3, 41943040, "vbox", "8392ddae-ee02-9e4f-8111-50f4f6c6f227", 20 },
    { "xapi.vhd", 3, 41943040, "tap\0", "52f28ef1-9372-41bb-ad2b-b4ca3b06d304", 20 },
    { "win8.vhd", 3, 41943040, "win ", "adb71975-4b5b-0b40-b025-d06dab31b26f", 20 },
    { "win8.1-1GB.vhd", 3, 1073741824, "win ", "45169fc3-b8a4-7745-a9e3-7089070d6426", 512 },
    { "win8-child.vhd", 4, 41943040, "win ", "41306552-577d-8f47-9771-6af2bac3499b", 20 },
    { "win10-fat-differencing.vhd", 4, 4194304, "win ", "f84f1636-cd9e-9041-a69e-dcc2380e416a", 2 },
};

/* Each sample opens with the fields its provenance (tests/samples/README.md) and vhdiinfo
 * give; test_info.sh compares the CLI with vhdiinfo and qemu-img field by field. */
static void test_samples_open(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const struct sample *s = &samples[i];
        struct opened_file f;
        vhd_image *image;
        vhd_reader_error error;
        char id[37];
        open_file(&f, samples_dir, s->name);
        if (vhd_image_open(&image, &f.posix.io, NULL, &error) != VHD_READER_OK)
            fail_msg("%s: %s", s->name, error.reason);
        const vhd_image_info *info = vhd_image_get_info(image);
        assert_int_equal(info->footer.disk_type, s->type);
        assert_true(info->footer.current_size == s->size);
        assert_memory_equal(info->footer.creator_application, s->creator, 4);
        vhd_unique_id_format(info->footer.unique_id, id);
        assert_string_equal(id, s->unique_id);
        assert_int_equal(info->blocks, s->blocks);
        assert_int_equal(info->header.block_size, 2 * MiB);
        assert_false(info->footer_from_copy);
        vhd_image_close(image);
        close_file(&f);
    }
}

static void test_windows_child_chain(void **state)
{
    (void)state;
    struct opened_file f;
    disk_chain *chain;
    vhd_reader_error error;
    vhd_file_identity id;
    open_file(&f, samples_dir, "win8-child.vhd");
    id = vhd_io_posix_identity(&f.posix);
    if (disk_chain_open(&chain, &f.posix.io, f.path, &id, &vhd_parent_posix_opener, NULL,
                       &error) != VHD_READER_OK)
        fail_msg("%s", error.reason);
    assert_int_equal(disk_chain_depth(chain), 2);
    const char *parent = disk_chain_name(chain, 1);
    assert_string_equal(parent + strlen(parent) - strlen("/win8.vhd"), "/win8.vhd");
    const vhd_image_info *child = vhd_image_get_info(vhd_disk_image(disk_chain_image(chain, 0)));
    assert_string_equal(child->parent_name, "C:\\Users\\sergi\\Downloads\\win8.vhd");
    assert_int_equal(child->locator_count, 2);
    assert_int_equal(child->locators[0].platform_code, VHD_PLATFORM_W2KU);
    assert_string_equal(child->locators[0].path, "C:\\Users\\sergi\\Downloads\\win8.vhd");
    assert_int_equal(child->locators[1].platform_code, VHD_PLATFORM_W2RU);
    assert_string_equal(child->locators[1].path, ".\\win8.vhd");
    /* Nothing allocated anywhere: the whole disk reads as zeros. */
    uint8_t *buf = malloc(2 * MiB);
    assert_non_null(buf);
    for (uint64_t lba = 0; lba < 41943040 / 512; lba += 4096) {
        assert_int_equal(disk_chain_read_sectors(chain, lba, 4096, buf, &error), VHD_READER_OK);
        for (size_t k = 0; k < 2 * MiB; k++)
            if (buf[k] != 0)
                fail_msg("byte %zu of sector %llu is not zero", k, (unsigned long long)lba);
    }
    free(buf);
    disk_chain_close(chain);
    close_file(&f);
}

/* The dfvfs child's parent is not in the folder: the image opens alone, its chain does not. */
static void test_child_without_parent(void **state)
{
    (void)state;
    struct opened_file f;
    disk_chain *chain;
    vhd_image *image;
    vhd_reader_error error;
    open_file(&f, samples_dir, "win10-fat-differencing.vhd");
    assert_int_equal(vhd_image_open(&image, &f.posix.io, NULL, &error), VHD_READER_OK);
    assert_int_equal(vhd_image_get_info(image)->allocated_blocks, 1);
    vhd_image_close(image);
    assert_int_equal(disk_chain_open(&chain, &f.posix.io, f.path, NULL, &vhd_parent_posix_opener,
                                    NULL, &error), VHD_READER_PARENT_NOT_FOUND);
    assert_null(chain);
    assert_non_null(strstr(error.reason, ".\\fat-parent.vhd"));
    close_file(&f);
}

/* Sector by sector, the dfvfs child alone against the bytes of the file decoded here:
 * BAT entry 0 at offset 8192, bitmap MSB first, data after the 512-byte bitmap. */
static void test_child_sectors_against_file(void **state)
{
    (void)state;
    size_t len;
    char *path = test_path_join(samples_dir, "win10-fat-differencing.vhd");
    uint8_t *raw = test_read_file(path, &len);
    assert_non_null(raw);
    uint32_t bat0 = test_be32(raw + 8192);
    assert_true(test_be32(raw + 8196) == 0xFFFFFFFF);
    struct opened_file f;
    vhd_image *image;
    vhd_reader_error error;
    open_file(&f, samples_dir, "win10-fat-differencing.vhd");
    assert_int_equal(vhd_image_open(&image, &f.posix.io, NULL, &error), VHD_READER_OK);
    uint8_t *buf = malloc(4 * MiB);
    assert_non_null(buf);
    assert_int_equal(vhd_image_read_sectors(image, 0, 8192, buf, &error), VHD_READER_OK);
    unsigned present = 0;
    for (uint32_t s = 0; s < 8192; s++) {
        bool in_block0 = s < 4096;
        bool set = in_block0 && (raw[(size_t)bat0 * 512 + s / 8] >> (7 - s % 8) & 1);
        const uint8_t *want = set ? raw + (size_t)bat0 * 512 + 512 + (size_t)s * 512 : NULL;
        for (size_t k = 0; k < 512; k++) {
            uint8_t w = want ? want[k] : 0;
            if (buf[(size_t)s * 512 + k] != w)
                fail_msg("sector %u byte %zu: 0x%02x, the file says 0x%02x", s, k,
                         buf[(size_t)s * 512 + k], w);
        }
        present += set;
        vhd_extent extent;
        assert_int_equal(vhd_image_map(image, s, 1, &extent, &error), VHD_READER_OK);
        assert_int_equal(extent.present, set);
    }
    assert_int_equal(present, 18);   /* the bits the sample's provenance lists */
    free(buf);
    free(raw);
    free(path);
    vhd_image_close(image);
    close_file(&f);
}

/* vsdisk's own dynamic disks, smallest to largest. */
static void test_own_disks(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 3 * MiB, 1 * GiB, 127 * GiB, 2040 * GiB };
    char *dir = test_make_temp_dir();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char name[32];
        struct vhd_io_posix out;
        snprintf(name, sizeof name, "own%zu.vhd", i);
        char *path = test_path_join(dir, name);
        vhd_io_posix_init(&out, path);
        vhd_create_options options = { .size_bytes = sizes[i], .timestamp = 1000 };
        options.unique_id[0] = (uint8_t)(i + 1);
        assert_int_equal(vhd_create_dynamic(&out.io, &options), VHD_OK);

        struct opened_file f;
        vhd_image *image;
        vhd_reader_error error;
        open_file(&f, dir, name);
        if (vhd_image_open(&image, &f.posix.io, NULL, &error) != VHD_READER_OK)
            fail_msg("%s: %s", name, error.reason);
        const vhd_image_info *info = vhd_image_get_info(image);
        assert_int_equal(info->footer.disk_type, VHD_DISK_TYPE_DYNAMIC);
        assert_true(info->footer.current_size == sizes[i]);
        assert_memory_equal(info->footer.creator_application, "win ", 4);
        assert_int_equal(info->footer.unique_id[0], i + 1);
        assert_int_equal(info->blocks, (uint32_t)((sizes[i] + 2 * MiB - 1) / (2 * MiB)));
        assert_int_equal(info->allocated_blocks, 0);
        assert_true(info->file_size == vhd_dynamic_file_size(sizes[i]));
        uint8_t sector[512];
        memset(sector, 0xEE, sizeof sector);
        assert_int_equal(vhd_image_read_sectors(image, sizes[i] / 512 - 1, 1, sector, &error),
                         VHD_READER_OK);
        for (size_t k = 0; k < 512; k++)
            assert_int_equal(sector[k], 0);
        vhd_image_close(image);
        close_file(&f);
        free(path);
    }
    test_remove_temp_dir(dir);
}

/* Opens name (and its chain through the posix opener) through a fault back end failing the
 * n-th call, then reads every allocated sector; returns what happened. */
static vhd_reader_code open_and_read(const char *name, unsigned fail_at, uint64_t read_limit,
                                     unsigned *calls)
{
    struct opened_file f;
    struct vhd_io_fault fault;
    disk_chain *chain;
    vhd_reader_error error;
    open_file(&f, samples_dir, name);
    vhd_io_fault_init(&fault, &f.posix.io);
    fault.fail_at = fail_at;
    fault.read_limit = read_limit;
    vhd_reader_code code = disk_chain_open(&chain, &fault.io, f.path, NULL,
                                          &vhd_parent_posix_opener, NULL, &error);
    if (code == VHD_READER_OK) {
        uint8_t *buf = malloc(4 * MiB);
        assert_non_null(buf);
        const vhd_image_info *info = vhd_image_get_info(vhd_disk_image(disk_chain_image(chain, 0)));
        uint32_t count = info->footer.current_size < 4 * MiB ? (uint32_t)(info->footer.current_size / 512) : 8192;
        code = disk_chain_read_sectors(chain, 0, count, buf, &error);
        free(buf);
        disk_chain_close(chain);
    } else {
        assert_null(chain);
    }
    if (code != VHD_READER_OK && code != VHD_READER_PARENT_NOT_FOUND) {
        assert_true(strlen(error.reason) > 10);
        if (code == VHD_READER_IO)
            assert_int_equal(error.io_status, VHD_E_IO);
    }
    *calls = fault.calls;
    close_file(&f);
    return code;
}

/* Every call failing in turn gives an I/O error, never a crash or a success. */
static void test_every_read_failing(void **state)
{
    (void)state;
    static const char *const names[] = { "win8.vhd", "xapi.vhd", "win8-child.vhd",
                                         "win10-fat-differencing.vhd" };
    unsigned total = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        unsigned calls, n;
        vhd_reader_code clean = open_and_read(names[i], 0, UINT64_MAX, &calls);
        bool child_without_parent = clean == VHD_READER_PARENT_NOT_FOUND;
        assert_true(clean == VHD_READER_OK || child_without_parent);
        assert_true(calls > 2);
        for (n = 1; n <= calls; n++) {
            unsigned seen;
            vhd_reader_code code = open_and_read(names[i], n, UINT64_MAX, &seen);
            if (code != VHD_READER_IO)
                fail_msg("%s with call %u of %u failing: %s", names[i], n, calls,
                         vhd_reader_code_name(code));
            total++;
        }
        /* A file that seems to end early at every sector boundary before its end. */
        size_t len;
        char *path = test_path_join(samples_dir, names[i]);
        free(test_read_file(path, &len));
        free(path);
        for (uint64_t limit = 0; limit < len; limit += (limit < 16384 ? 512 : 65536)) {
            vhd_reader_code code = open_and_read(names[i], 0, limit, &calls);
            assert_true(code == VHD_READER_TRUNCATED);
            total++;
        }
    }
    print_message("# %u faulted runs, each an error\n", total);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_reader SAMPLES_DIR\n");
        return 2;
    }
    samples_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_open),
        cmocka_unit_test(test_windows_child_chain),
        cmocka_unit_test(test_child_without_parent),
        cmocka_unit_test(test_child_sectors_against_file),
        cmocka_unit_test(test_own_disks),
        cmocka_unit_test(test_every_read_failing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
