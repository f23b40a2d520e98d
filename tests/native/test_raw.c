/* Raw images as a source (src/raw): never opened by content; opened as raw, the file's bytes
 * are the disk's, a size that is not a whole number of sectors is refused or padded with
 * zeros; holes (next_data) are mapped as zeros and never read, so a dynamic target holds only
 * the blocks with data. Converted through vhd_convert into VHDs read back by the reader. */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk_chain.h"
#include "memory_io.h"
#include "raw_disk.h"
#include "test_util.h"
#include "vhd_create_fixed.h"
#include "vhd_disk.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"
#include "vhd_ops.h"
#include "vhd_ops_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define BLOCK (2 * MiB)

/* A file in memory with holes: runs of data, zeros between them. read_at counts the bytes
 * it reads and fails the test if a read touches a hole; next_data reports the runs. */
struct run { uint64_t start, end; };
struct holey_io {
    vhd_io io;
    uint8_t *bytes;
    uint64_t size;
    const struct run *runs;
    size_t run_count;
    uint64_t bytes_read;
    unsigned hole_reads;         /* reads that touched a hole */
    unsigned next_data_calls;
    bool lie;                    /* next_data answers outside the file */
    bool fail_next_data;
};

static bool in_data(const struct holey_io *h, uint64_t offset)
{
    for (size_t i = 0; i < h->run_count; i++)
        if (offset >= h->runs[i].start && offset < h->runs[i].end)
            return true;
    return false;
}

static vhd_status holey_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct holey_io *h = (struct holey_io *)io;
    if (offset > h->size || len > h->size - offset)
        return VHD_E_END_OF_FILE;
    for (uint64_t at = offset; at < offset + len; at += 512)
        if (!in_data(h, at))
            h->hole_reads++;
    memcpy(buf, h->bytes + offset, len);
    h->bytes_read += len;
    return VHD_OK;
}

static vhd_status holey_get_size(vhd_io *io, uint64_t *size)
{
    *size = ((struct holey_io *)io)->size;
    return VHD_OK;
}

static vhd_status holey_next_data(vhd_io *io, uint64_t offset, uint64_t *start, uint64_t *end)
{
    struct holey_io *h = (struct holey_io *)io;
    h->next_data_calls++;
    if (h->fail_next_data) {
        io->os_error = 5;
        return VHD_E_IO;
    }
    if (h->lie) {
        *start = h->size + 4096;
        *end = 0;
        return VHD_OK;
    }
    *start = *end = h->size;
    for (size_t i = 0; i < h->run_count; i++) {
        if (h->runs[i].end > offset) {
            *start = h->runs[i].start > offset ? h->runs[i].start : offset;
            *end = h->runs[i].end;
            break;
        }
    }
    return VHD_OK;
}

/* size bytes: random in the runs, zeros elsewhere. */
static void holey_init(struct holey_io *h, uint64_t size, const struct run *runs, size_t count,
                       uint64_t seed)
{
    memset(h, 0, sizeof *h);
    h->io.read_at = holey_read_at;
    h->io.get_size = holey_get_size;
    h->io.next_data = holey_next_data;
    h->bytes = calloc(1, (size_t)size);
    assert_non_null(h->bytes);
    h->size = size;
    h->runs = runs;
    h->run_count = count;
    for (size_t i = 0; i < count; i++)
        for (uint64_t at = runs[i].start; at < runs[i].end; at++)
            h->bytes[at] = (uint8_t)(test_random_next(&seed) | 1);   /* never zero */
}

static uint64_t data_bytes(const struct run *runs, size_t count)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += runs[i].end - runs[i].start;
    return total;
}

static vhd_create_options options_for_test(void)
{
    vhd_create_options options;
    memset(&options, 0, sizeof options);
    options.timestamp = 1;
    options.unique_id[0] = 0x42;
    return options;
}

/* The target's content through the reader (by content: a VHD), and its allocated blocks. */
static void check_target(struct memory_io *target, const uint8_t *expect, uint64_t size,
                         int allocated_blocks)
{
    disk_image *image;
    vhd_reader_error error;
    uint8_t *back = malloc((size_t)size);
    assert_non_null(back);
    target->exists = true;
    target->open = false;
    assert_int_equal(target->io.open(&target->io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(disk_image_open(&image, &target->io, NULL, &error), VHD_READER_OK);
    assert_int_equal(disk_image_info(image)->format, DISK_FORMAT_VHD);
    assert_true(disk_image_info(image)->size == size);
    assert_int_equal(disk_image_read_sectors(image, 0, (uint32_t)(size / 512), back, &error),
                     VHD_READER_OK);
    assert_memory_equal(back, expect, (size_t)size);
    if (allocated_blocks >= 0) {
        int present = 0;
        for (uint64_t lba = 0; lba < size / 512; lba += BLOCK / 512) {
            disk_extent extent;
            assert_int_equal(disk_image_map(image, lba, 1, &extent, &error), VHD_READER_OK);
            present += extent.state == DISK_EXTENT_DATA;
        }
        assert_int_equal(present, allocated_blocks);
    }
    disk_image_close(image);
    target->io.close(&target->io);
    free(back);
}

static vhd_op_code convert_raw(vhd_io *source, const disk_image_class *class,
                               struct memory_io *target, vhd_target_type type,
                               vhd_op_result *result)
{
    disk_chain *chain;
    vhd_reader_error error;
    vhd_create_options options = options_for_test();
    if (disk_chain_open_as(&chain, class, source, "source.raw", NULL, NULL, &error)
        != VHD_READER_OK)
        return vhd_op_result_from_reader(result, "source", &error);
    assert_int_equal(disk_chain_depth(chain), 1);
    vhd_op_code code = vhd_convert(chain, &target->io, type, &options, result);
    disk_chain_close(chain);
    return code;
}

/* 8 MiB: data at the start, a hole in the middle of block 0, data to its end, a hole over all
 * of block 1 and into block 2, data to the end of block 2, block 3 all hole. */
static const struct run sparse_runs[] = {
    { 0, 1 * MiB }, { 1 * MiB + 512 * 1024, 2 * MiB }, { 5 * MiB, 6 * MiB },
};
#define SPARSE_SIZE (8 * MiB)

static void sparse_dynamic_reads_no_hole(void **state)
{
    (void)state;
    struct holey_io h;
    struct memory_io target;
    vhd_op_result result;
    holey_init(&h, SPARSE_SIZE, sparse_runs, 3, 7);
    memory_io_init(&target);
    assert_int_equal(convert_raw(&h.io, &raw_disk_class, &target, VHD_TARGET_DYNAMIC, &result),
                     VHD_OP_OK);
    assert_int_equal(h.hole_reads, 0);
    assert_true(h.bytes_read == data_bytes(sparse_runs, 3));
    print_message("# next_data: %u calls\n", h.next_data_calls);
    assert_true(h.next_data_calls <= 6);                 /* once per run and hole, not per chunk */
    check_target(&target, h.bytes, SPARSE_SIZE, 2);      /* blocks 0 and 2 */
    memory_io_free(&target);
    free(h.bytes);
}

static void sparse_fixed_reads_no_hole(void **state)
{
    (void)state;
    struct holey_io h;
    struct memory_io target;
    vhd_op_result result;
    holey_init(&h, SPARSE_SIZE, sparse_runs, 3, 8);
    memory_io_init(&target);
    assert_int_equal(convert_raw(&h.io, &raw_disk_class, &target, VHD_TARGET_FIXED, &result),
                     VHD_OP_OK);
    assert_int_equal(h.hole_reads, 0);
    assert_true(h.bytes_read == data_bytes(sparse_runs, 3));
    assert_true(target.size == SPARSE_SIZE + 512);
    assert_memory_equal(target.data, h.bytes, SPARSE_SIZE);   /* a fixed VHD: data, footer */
    check_target(&target, h.bytes, SPARSE_SIZE, -1);
    memory_io_free(&target);
    free(h.bytes);
}

/* Holes that do not start or end on a sector: the sectors holding any data byte are read. */
static void unaligned_runs_read_whole_sectors(void **state)
{
    (void)state;
    static const struct run runs[] = { { 4 * MiB + 100, 4 * MiB + 700 } };
    struct holey_io h;
    struct memory_io target;
    vhd_op_result result;
    holey_init(&h, 4 * MiB + 4096, runs, 1, 9);
    memory_io_init(&target);
    assert_int_equal(convert_raw(&h.io, &raw_disk_class, &target, VHD_TARGET_DYNAMIC, &result),
                     VHD_OP_OK);
    assert_true(h.bytes_read == 1024);        /* the two sectors 8192 and 8193 */
    check_target(&target, h.bytes, h.size, 1);
    memory_io_free(&target);
    free(h.bytes);
}

/* Without next_data every byte is read; a back end that answers outside the file is not
 * believed (all data); one whose next_data fails fails the job with its status. */
static void next_data_absent_lying_failing(void **state)
{
    (void)state;
    struct holey_io h;
    struct memory_io target;
    vhd_op_result result;
    for (int mode = 0; mode < 3; mode++) {
        holey_init(&h, SPARSE_SIZE, sparse_runs, 3, 10);
        if (mode == 0)
            h.io.next_data = NULL;
        h.lie = mode == 1;
        h.fail_next_data = mode == 2;
        memory_io_init(&target);
        vhd_op_code code = convert_raw(&h.io, &raw_disk_class, &target, VHD_TARGET_DYNAMIC,
                                       &result);
        if (mode < 2) {
            assert_int_equal(code, VHD_OP_OK);
            assert_true(h.bytes_read == SPARSE_SIZE);
            check_target(&target, h.bytes, SPARSE_SIZE, 2);
        } else {
            assert_int_equal(code, VHD_OP_IO);
            assert_non_null(strstr(result.reason, "where the raw image holds data"));
            assert_false(target.exists);           /* the new file was removed */
        }
        memory_io_free(&target);
        free(h.bytes);
    }
}

/* Sizes that are not whole sectors: refused with the size and the padded size; with the
 * padded class the disk is the file and zeros up to the next sector. */
static void odd_sizes_refused_or_padded(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 3 * MiB + 1, 3 * MiB + 511, 4 * MiB - 1000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t size = sizes[i], padded = (size + 511) / 512 * 512;
        char expect[160];
        struct run all = { 0, size };
        struct holey_io h;
        struct memory_io target;
        vhd_op_result result;
        disk_image *image;
        vhd_reader_error error;

        assert_true(raw_disk_padded_size(size) == padded);
        holey_init(&h, size, &all, 1, 11 + i);
        assert_int_equal(disk_image_open_as(&image, &raw_disk_class, &h.io, NULL, &error),
                         VHD_READER_BAD_FIELD);
        assert_null(image);
        snprintf(expect, sizeof expect, "the raw image is %llu bytes, not a whole number of "
                 "512-byte sectors (zeros up to %llu bytes would make it one)",
                 (unsigned long long)size, (unsigned long long)padded);
        assert_string_equal(error.reason, expect);

        assert_int_equal(disk_image_open_as(&image, &raw_padded_disk_class, &h.io, NULL, &error),
                         VHD_READER_OK);
        assert_true(disk_image_info(image)->size == padded);
        assert_true(disk_image_info(image)->file_size == size);
        assert_int_equal(disk_image_info(image)->format, DISK_FORMAT_RAW);
        assert_int_equal(disk_image_info(image)->kind, DISK_KIND_FIXED);
        disk_image_close(image);

        uint8_t *expect_bytes = calloc(1, (size_t)padded);
        assert_non_null(expect_bytes);
        memcpy(expect_bytes, h.bytes, (size_t)size);
        for (int type = 0; type < 2; type++) {
            memory_io_init(&target);
            assert_int_equal(convert_raw(&h.io, &raw_padded_disk_class, &target,
                                         type ? VHD_TARGET_FIXED : VHD_TARGET_DYNAMIC, &result),
                             VHD_OP_OK);
            check_target(&target, expect_bytes, padded, type ? -1 : 2);
            memory_io_free(&target);
        }
        free(expect_bytes);
        assert_true(raw_disk_padded_size(padded) == padded);
        free(h.bytes);
    }
    assert_true(raw_disk_padded_size(UINT64_MAX) == UINT64_MAX - 511);
}

/* A raw image is never guessed: by content, random bytes (or zeros) are refused as before;
 * and a VHD opened as raw is its file's bytes, footer included. */
static void never_guessed_and_vhd_as_raw(void **state)
{
    (void)state;
    struct run all = { 0, 4 * MiB };
    struct holey_io h;
    disk_image *image;
    vhd_reader_error error;
    const disk_image_class *class;
    holey_init(&h, 4 * MiB, &all, 1, 12);
    assert_int_not_equal(disk_image_open(&image, &h.io, NULL, &error), VHD_READER_OK);
    assert_null(image);
    assert_int_equal(disk_image_probe(&h.io, &class, &error), VHD_READER_OK);
    assert_ptr_not_equal(class, &raw_disk_class);
    assert_ptr_not_equal(class, &raw_padded_disk_class);
    free(h.bytes);

    /* A fixed VHD of 3 MiB read as raw: 3 MiB + 512 bytes, the last sector its footer. */
    struct memory_io vhd;
    vhd_create_options options = options_for_test();
    options.size_bytes = 3 * MiB;
    memory_io_init(&vhd);
    assert_int_equal(vhd_create_fixed(&vhd.io, &options), VHD_OK);
    vhd.open = false;
    assert_int_equal(vhd.io.open(&vhd.io, VHD_IO_OPEN_READ), VHD_OK);
    assert_int_equal(disk_image_open_as(&image, &raw_disk_class, &vhd.io, NULL, &error),
                     VHD_READER_OK);
    assert_true(disk_image_info(image)->size == 3 * MiB + 512);
    uint8_t sector[512];
    assert_int_equal(disk_image_read_sectors(image, 3 * MiB / 512, 1, sector, &error),
                     VHD_READER_OK);
    assert_memory_equal(sector, "conectix", 8);
    disk_image_close(image);
    vhd.io.close(&vhd.io);
    memory_io_free(&vhd);
}

/* A real sparse file through the POSIX back end (SEEK_DATA/SEEK_HOLE), counted by the fault
 * wrapper: only the data is read, and the dynamic target has only the data's blocks. */
static void posix_sparse_file(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = test_path_join(dir, "sparse.raw"), *out = test_path_join(dir, "out.vhd");
    uint8_t *model = calloc(1, SPARSE_SIZE), *chunk = malloc(MiB);
    uint64_t seed = 13;
    assert_non_null(model);
    assert_non_null(chunk);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, SPARSE_SIZE), 0);
    for (size_t i = 0; i < 3; i++) {
        for (uint64_t at = sparse_runs[i].start; at < sparse_runs[i].end; at++)
            model[at] = (uint8_t)(test_random_next(&seed) | 1);
        size_t len = (size_t)(sparse_runs[i].end - sparse_runs[i].start);
        assert_true(pwrite(fd, model + sparse_runs[i].start, len, (off_t)sparse_runs[i].start)
                    == (ssize_t)len);
    }
    assert_int_equal(fsync(fd), 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    /* The test needs a file system that keeps holes: it fails, not skips, elsewhere. */
    print_message("# sparse.raw: %llu bytes allocated of %llu\n",
                  (unsigned long long)st.st_blocks * 512, (unsigned long long)SPARSE_SIZE);
    assert_true((uint64_t)st.st_blocks * 512 < SPARSE_SIZE);

    struct vhd_io_posix file, target;
    struct vhd_io_fault counted;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ_DENY_WRITE), VHD_OK);
    vhd_io_fault_init(&counted, &file.io);
    disk_chain *chain;
    vhd_reader_error error;
    vhd_op_result result;
    vhd_create_options options = options_for_test();
    assert_int_equal(disk_chain_open_as(&chain, &raw_disk_class, &counted.io, path, NULL, NULL,
                                        &error), VHD_READER_OK);
    vhd_io_posix_init(&target, out);
    assert_int_equal(vhd_convert(chain, &target.io, VHD_TARGET_DYNAMIC, &options, &result),
                     VHD_OP_OK);
    disk_chain_close(chain);
    file.io.close(&file.io);
    assert_true(counted.next_data_calls > 0);
    assert_true(counted.bytes_read == data_bytes(sparse_runs, 3));

    struct memory_io copy;
    size_t len;
    uint8_t *bytes = test_read_file(out, &len);
    assert_non_null(bytes);
    assert_true(memory_io_init_with(&copy, bytes, len));
    check_target(&copy, model, SPARSE_SIZE, 2);
    memory_io_free(&copy);
    free(bytes);
    free(model);
    free(chunk);
    free(path);
    free(out);
    test_remove_temp_dir(dir);
}

/* Every read of the source failed in turn: the job fails and leaves no target. */
static void every_source_read_failed(void **state)
{
    (void)state;
    struct holey_io h;
    holey_init(&h, SPARSE_SIZE, sparse_runs, 3, 14);
    for (unsigned n = 1; ; n++) {
        struct vhd_io_fault fault;
        struct memory_io target;
        vhd_op_result result;
        vhd_io_fault_init(&fault, &h.io);
        fault.fail_at = n;
        memory_io_init(&target);
        vhd_op_code code = convert_raw(&fault.io, &raw_disk_class, &target,
                                       n % 2 ? VHD_TARGET_DYNAMIC : VHD_TARGET_FIXED, &result);
        bool failed = fault.calls >= n;
        if (failed) {
            assert_int_not_equal(code, VHD_OP_OK);
            assert_false(target.exists);
        } else {
            assert_int_equal(code, VHD_OP_OK);
        }
        memory_io_free(&target);
        if (!failed)
            break;
        assert_true(n < 1000);
    }
    free(h.bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sparse_dynamic_reads_no_hole),
        cmocka_unit_test(sparse_fixed_reads_no_hole),
        cmocka_unit_test(unaligned_runs_read_whole_sectors),
        cmocka_unit_test(next_data_absent_lying_failing),
        cmocka_unit_test(odd_sizes_refused_or_padded),
        cmocka_unit_test(never_guessed_and_vhd_as_raw),
        cmocka_unit_test(posix_sparse_file),
        cmocka_unit_test(every_source_read_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
