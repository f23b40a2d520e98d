/* The floppy room (src/floppy): every type's size against the standard geometries written out
 * here, classification by exact size, and the blank image writer (exact size, all zeros, the
 * file removed on a refused type and on a failure at every I/O call in turn). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "floppy_format.h"
#include "memory_io.h"
#include "vhd_io_fault.h"

static const struct { int type; uint64_t bytes; } table[] = {
    { 1, 737280 },      /* 720 KB */
    { 2, 1474560 },     /* 1.44 MB, the size Virtual PC requires exactly */
    { 3, 1720320 },     /* DMF */
    { 4, 368640 },      /* 360 KB */
    { 5, 1228800 },     /* 1.2 MB */
};

static void sizes_and_classification(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        assert_true(floppy_image_size(table[i].type) == table[i].bytes);
        assert_int_equal(floppy_type_of_size(table[i].bytes), table[i].type);
        assert_int_equal(floppy_type_of_size(table[i].bytes + 512), FLOPPY_UNKNOWN);
        assert_int_equal(floppy_type_of_size(table[i].bytes - 1), FLOPPY_UNKNOWN);
        assert_int_equal(floppy_type_of_size(table[i].bytes + 1), FLOPPY_UNKNOWN);
    }
    static const uint64_t others[] = { 0, 512, 2949120 /* 2.88 MB */, 1474560ull << 32 };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_int_equal(floppy_type_of_size(others[i]), FLOPPY_UNKNOWN);
    static const int no_size[] = { 0, 6, 7, -1, 1000 };
    for (size_t i = 0; i < sizeof no_size / sizeof no_size[0]; i++)
        assert_true(floppy_image_size(no_size[i]) == 0);
    for (int type = -1; type <= 8; type++)
        assert_int_equal(floppy_type_creatable(type), type == 1 || type == 2);
    assert_string_equal(floppy_type_name(2), "1.44 MB");
    assert_string_equal(floppy_type_name(6), "XDF");
    assert_string_equal(floppy_type_name(9), "unknown");
}

static void writes_blank_images(void **state)
{
    (void)state;
    for (int type = 1; type <= 2; type++) {
        struct memory_io mem;
        memory_io_init(&mem);
        assert_int_equal(mem.io.create(&mem.io), VHD_OK);
        assert_int_equal(floppy_image_write(&mem.io, type), VHD_OK);
        assert_true(mem.exists);
        assert_false(mem.open);
        assert_true(mem.size == table[type - 1].bytes);
        for (size_t i = 0; i < mem.size; i++)
            if (mem.data[i] != 0)
                fail_msg("byte %zu is %u", i, mem.data[i]);
        memory_io_free(&mem);
    }
}

static void refuses_other_types(void **state)
{
    (void)state;
    static const int refused[] = { 0, 3, 4, 5, 6, 7, -1 };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct memory_io mem;
        memory_io_init(&mem);
        assert_int_equal(mem.io.create(&mem.io), VHD_OK);
        assert_int_equal(floppy_image_write(&mem.io, refused[i]), VHD_E_INVALID_SIZE);
        assert_false(mem.exists);
        memory_io_free(&mem);
    }
}

/* Each counted call fails in turn (and the disk fills up at every 64 KiB): the file is gone. */
static void every_call_failed(void **state)
{
    (void)state;
    for (unsigned n = 1; ; n++) {
        struct memory_io mem;
        struct vhd_io_fault fault;
        memory_io_init(&mem);
        vhd_io_fault_init(&fault, &mem.io);
        fault.fail_at = n;
        assert_int_equal(fault.io.create(&fault.io), n == 1 ? VHD_E_IO : VHD_OK);
        if (n == 1) {
            memory_io_free(&mem);
            continue;
        }
        vhd_status status = floppy_image_write(&fault.io, 2);
        if (fault.calls < n) {
            assert_int_equal(status, VHD_OK);
            assert_true(mem.exists && mem.size == 1474560);
            memory_io_free(&mem);
            assert_true(n > 20);
            break;
        }
        assert_int_not_equal(status, VHD_OK);
        assert_false(mem.exists);
        memory_io_free(&mem);
    }
    for (uint64_t limit = 0; limit < 1474560; limit += 65536) {
        struct memory_io mem;
        struct vhd_io_fault fault;
        memory_io_init(&mem);
        vhd_io_fault_init(&fault, &mem.io);
        fault.space_limit = limit;
        assert_int_equal(fault.io.create(&fault.io), VHD_OK);
        assert_int_equal(floppy_image_write(&fault.io, limit < 737280 && (limit / 65536) % 2 ? 1 : 2), VHD_E_NO_SPACE);
        assert_false(mem.exists);
        memory_io_free(&mem);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_and_classification),
        cmocka_unit_test(writes_blank_images),
        cmocka_unit_test(refuses_other_types),
        cmocka_unit_test(every_call_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
