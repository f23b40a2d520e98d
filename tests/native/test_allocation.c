/* Memory use of a creation, seen through the linker's --wrap of malloc, calloc, realloc and
 * free: one buffer of at most VHD_CREATE_BUFFER_MAX whatever the size, freed on every path,
 * and a failed allocation reported with nothing left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"
#include "vhd_create.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);

/* What the code under test allocated while watching is on. */
static struct heap_watch {
    bool watching, fail_next;
    unsigned allocations, frees, other_calls;
    size_t largest;
    void *last;
} heap;

void *__wrap_malloc(size_t size)
{
    if (!heap.watching)
        return __real_malloc(size);
    heap.allocations++;
    if (size > heap.largest)
        heap.largest = size;
    if (heap.fail_next) {
        heap.fail_next = false;
        return NULL;
    }
    heap.last = __real_malloc(size);
    return heap.last;
}

void *__wrap_calloc(size_t count, size_t size)
{
    heap.other_calls += heap.watching;
    return __real_calloc(count, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
    heap.other_calls += heap.watching;
    return __real_realloc(ptr, size);
}

void __wrap_free(void *ptr)
{
    if (heap.watching && ptr != NULL) {
        heap.frees++;
        assert_ptr_equal(ptr, heap.last);
    }
    __real_free(ptr);
}

static vhd_status watched_create(const char *path, uint64_t size, unsigned fail_at)
{
    struct vhd_io_posix file;
    struct vhd_io_fault fault;
    vhd_io_posix_init(&file, path);
    vhd_io_fault_init(&fault, &file.io);
    fault.fail_at = fail_at;
    vhd_create_options options = { .size_bytes = size };

    heap = (struct heap_watch){ .watching = true };
    vhd_status status = vhd_create_dynamic(&fault.io, &options);
    heap.watching = false;
    return status;
}

static const uint64_t sizes[] = { 3 * MiB, 1 * GiB, 127 * GiB, 2040 * GiB };

static void test_one_bounded_buffer(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = test_path_join(dir, "disk.vhd");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_int_equal(watched_create(path, sizes[i], 0), VHD_OK);
        assert_int_equal(heap.allocations, 1);
        assert_int_equal(heap.frees, 1);
        assert_int_equal(heap.other_calls, 0);
        assert_true(heap.largest <= VHD_CREATE_BUFFER_MAX);
        assert_int_equal(unlink(path), 0);
    }
    free(path);
    test_remove_temp_dir(dir);
}

/* A caller may ask for a smaller buffer (vhdcreate does, to keep its memory flat): the
 * creation keeps to it, and the disk is byte-for-byte the one the default buffer makes. */
static void test_smaller_buffer_same_disk(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *by_default = test_path_join(dir, "default.vhd");
    char *by_small = test_path_join(dir, "small.vhd");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        vhd_create_options options = { .size_bytes = sizes[i], .timestamp = 1234 };
        struct vhd_io_posix file;
        size_t default_len, small_len;

        vhd_io_posix_init(&file, by_default);
        assert_int_equal(vhd_create_dynamic(&file.io, &options), VHD_OK);
        options.buffer_max = 64 * 1024;
        vhd_io_posix_init(&file, by_small);
        heap = (struct heap_watch){ .watching = true };
        assert_int_equal(vhd_create_dynamic(&file.io, &options), VHD_OK);
        heap.watching = false;
        assert_int_equal(heap.allocations, 1);
        assert_true(heap.largest <= 64 * 1024);

        uint8_t *a = test_read_file(by_default, &default_len);
        uint8_t *b = test_read_file(by_small, &small_len);
        assert_int_equal(default_len, small_len);
        assert_memory_equal(a, b, default_len);
        free(a);
        free(b);
        assert_int_equal(unlink(by_default), 0);
        assert_int_equal(unlink(by_small), 0);
    }
    free(by_default);
    free(by_small);
    test_remove_temp_dir(dir);
}

/* Freed on the failure paths too: fail each call of a 2040 GiB creation in turn (from the
 * second: a failed create never reaches the allocation) until none is left to fail. */
static void test_buffer_freed_on_failure(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = test_path_join(dir, "disk.vhd");
    unsigned n;
    for (n = 2; ; n++) {
        vhd_status status = watched_create(path, 2040 * GiB, n);
        assert_int_equal(heap.allocations, 1);
        assert_int_equal(heap.frees, 1);
        if (status == VHD_OK)
            break;
        assert_int_equal(status, VHD_E_IO);
        assert_int_equal(test_dir_entry_count(dir), 0);
    }
    assert_true(n > 5);
    assert_int_equal(unlink(path), 0);
    free(path);
    test_remove_temp_dir(dir);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir();
    char *path = test_path_join(dir, "disk.vhd");
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_create_options options = { .size_bytes = 1 * GiB };
    heap = (struct heap_watch){ .watching = true, .fail_next = true };
    vhd_status status = vhd_create_dynamic(&file.io, &options);
    heap.watching = false;
    assert_int_equal(status, VHD_E_NO_MEMORY);
    assert_int_equal(heap.allocations, 1);
    assert_int_equal(test_dir_entry_count(dir), 0);
    free(path);
    test_remove_temp_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_bounded_buffer),
        cmocka_unit_test(test_smaller_buffer_same_disk),
        cmocka_unit_test(test_buffer_freed_on_failure),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("allocation", tests, NULL, NULL);
}
