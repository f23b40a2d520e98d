/* disk_check when the file cannot be read: each read (and size query) of a check failed in
 * turn, on a VHD and on VHDX disks (clean, and with problems to find). Every such check must
 * say it could not finish (VHD_READER_IO: "vsdisk check" exits 1), never take the failure for
 * a problem of the disk: what it reported before the failure is a part of what the check
 * without faults finds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_check.h"
#include "memory_io.h"
#include "vhd_create.h"
#include "vhd_io_fault.h"
#include "vhdx_create.h"

#define MiB (1024u * 1024u)

struct found {
    char names[1024];               /* "file:name " for each problem */
};

static void collect(void *ctx, const char *file, const disk_problem *problem)
{
    struct found *found = ctx;
    size_t used = strlen(found->names);
    assert_non_null(problem->name);
    assert_true(problem->meaning[0] != '\0');
    snprintf(found->names + used, sizeof found->names - used, "%s:%s ", file, problem->name);
}

/* Runs disk_check over a copy of image whose fail_at-th counted call fails (0: none); returns
 * the code, the problems found, and the calls the check made. */
static vhd_reader_code check_copy(const uint8_t *image, size_t size, unsigned fail_at,
                                  struct found *found, unsigned *calls)
{
    struct memory_io mem;
    struct vhd_io_fault fault;
    disk_check_counts counts;
    vhd_reader_error error;
    assert_true(memory_io_init_with(&mem, image, size));
    assert_int_equal(mem.io.open(&mem.io, VHD_IO_OPEN_READ), VHD_OK);
    vhd_io_fault_init(&fault, &mem.io);
    fault.fail_at = fail_at;
    fault.fail_status = VHD_E_IO;
    memset(found, 0, sizeof *found);
    vhd_reader_code code = disk_check(&fault.io, "disk", NULL, NULL, collect, found, &counts,
                                      &error);
    *calls = fault.calls;
    memory_io_free(&mem);
    return code;
}

/* Every call failed in turn: "could not finish", and no problem the check without faults
 * does not find. */
static void fail_each_call(const uint8_t *image, size_t size, const char *expected)
{
    struct found clean, found;
    unsigned calls, ignored;
    assert_int_equal(check_copy(image, size, 0, &clean, &calls), VHD_READER_OK);
    assert_string_equal(clean.names, expected);
    assert_true(calls > 3);
    for (unsigned k = 1; k <= calls; k++) {
        vhd_reader_code code = check_copy(image, size, k, &found, &ignored);
        if (code != VHD_READER_IO)
            fail_msg("call %u of %u failed: got %s, not 'could not finish' (found \"%s\")", k,
                     calls, vhd_reader_code_name(code), found.names);
        /* Problems are reported in the order the check finds them: a prefix of the clean run's. */
        if (strncmp(clean.names, found.names, strlen(found.names)) != 0)
            fail_msg("call %u of %u failed: found \"%s\", the clean run \"%s\"", k, calls,
                     found.names, clean.names);
    }
    print_message("# %u calls failed in turn\n", calls);
}

/* A new disk from a writer, in memory: its bytes (malloc'd) and size. */
static uint8_t *take(struct memory_io *mem, size_t *size)
{
    uint8_t *bytes = malloc(mem->size);
    assert_non_null(bytes);
    memcpy(bytes, mem->data, mem->size);
    *size = mem->size;
    memory_io_free(mem);
    return bytes;
}

static uint8_t *new_vhdx(size_t *size)
{
    struct memory_io mem;
    vhdx_create_options options = { .size_bytes = 64 * MiB, .block_size = MiB };
    options.data_write_guid.bytes[0] = options.virtual_disk_id.bytes[0] = 1;
    memory_io_init(&mem);
    assert_int_equal(vhdx_create_dynamic(&mem.io, &options), VHD_OK);
    return take(&mem, size);
}

static void test_vhd(void **state)
{
    (void)state;
    struct memory_io mem;
    vhd_create_options options = { .size_bytes = 64 * MiB, .timestamp = 1 };
    memory_io_init(&mem);
    assert_int_equal(vhd_create_dynamic(&mem.io, &options), VHD_OK);
    size_t size;
    uint8_t *image = take(&mem, &size);
    fail_each_call(image, size, "");
    /* The footer copy at 0 changed (its timestamp): found, and still never a false problem. */
    image[24] ^= 0xFF;
    fail_each_call(image, size, "disk:footer-copies-differ ");
    free(image);
}

static void test_vhdx(void **state)
{
    (void)state;
    size_t size;
    uint8_t *image = new_vhdx(&size);
    fail_each_call(image, size, "");
    free(image);
}

static void test_vhdx_damaged(void **state)
{
    (void)state;
    size_t size;
    uint8_t *image = new_vhdx(&size);
    uint8_t *grown = realloc(image, size + 2 * MiB);
    assert_non_null(grown);
    memset(grown + size, 0, 2 * MiB);
    grown[64 * 1024 + 200] ^= 0xFF;       /* header 1 */
    grown[256 * 1024 + 100] ^= 0xFF;      /* region table 2 */
    fail_each_call(grown, size + 2 * MiB,
                   "disk:header-1-damaged disk:region-table-2-damaged disk:unreferenced-space ");
    free(grown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vhd),
        cmocka_unit_test(test_vhdx),
        cmocka_unit_test(test_vhdx_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
