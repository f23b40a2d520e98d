/* The Win32 I/O back end writes at file offsets above 4 GiB and reports the 64-bit sizes
 * right, in the 32-bit DLL as in the 64-bit one: the 2,088,960 MB disk's fully expanded file
 * is about 2 TiB. Writes sparse blocks at 4 GiB - 512, across 4 GiB, at 5 GiB and near 2 TiB
 * (Linux file systems keep them sparse), and reads each back with plain Win32 calls.
 * Usage: test_large_offsets SCRATCH_DIR */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "vhd_io_win32.h"
#include "windows_path.h"

static WCHAR scratch[MAX_PATH];

static const uint64_t offsets[] = {
    0xFFFFFC00ull,                  /* just below 4 GiB */
    0xFFFFFF00ull,                  /* straddles 4 GiB */
    0x140000000ull,                 /* 5 GiB */
    0x1FE00000000ull - 512,         /* the last sector of a 2,088,960 MB disk's data */
};

static void fill(BYTE *block, uint64_t offset)
{
    size_t i;

    for (i = 0; i < 512; i++)
        block[i] = (BYTE)((offset >> (8 * (i % 8))) + i);
}

static void test_writes_above_4_gib_land_where_asked(void **state)
{
    struct vhd_io_win32 backend;
    WCHAR path[MAX_PATH];
    BYTE block[512], back[512];
    LARGE_INTEGER size;
    HANDLE file;
    size_t i;

    (void)state;
    _snwprintf(path, ARRAYSIZE(path) - 1, L"%ls\\large-offsets-%lu.bin", scratch, GetCurrentProcessId());
    path[ARRAYSIZE(path) - 1] = 0;
    DeleteFileW(path);
    vhd_io_win32_init(&backend, path);
    assert_int_equal(backend.io.create(&backend.io), VHD_OK);
    for (i = 0; i < ARRAYSIZE(offsets); i++) {
        fill(block, offsets[i]);
        assert_int_equal(backend.io.write_at(&backend.io, offsets[i], block, sizeof(block)), VHD_OK);
    }
    assert_int_equal(backend.io.flush(&backend.io), VHD_OK);
    assert_int_equal(backend.io.close(&backend.io), VHD_OK);

    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    assert_true(GetFileSizeEx(file, &size));
    assert_true((uint64_t)size.QuadPart == offsets[ARRAYSIZE(offsets) - 1] + 512);
    for (i = 0; i < ARRAYSIZE(offsets); i++) {
        OVERLAPPED position = { 0 };
        DWORD done = 0;

        position.Offset = (DWORD)offsets[i];
        position.OffsetHigh = (DWORD)(offsets[i] >> 32);
        assert_true(ReadFile(file, back, sizeof(back), &done, &position));
        assert_int_equal(done, sizeof(back));
        fill(block, offsets[i]);
        assert_memory_equal(back, block, sizeof(block));
    }
    /* Nothing landed at the offsets' low 32 bits (what a truncated offset would hit). */
    {
        OVERLAPPED position = { 0 };
        DWORD done = 0;
        BYTE zeros[512] = { 0 };

        position.Offset = 0x40000000;   /* 5 GiB with its high part dropped */
        assert_true(ReadFile(file, back, sizeof(back), &done, &position));
        assert_int_equal(done, sizeof(back));
        assert_memory_equal(back, zeros, sizeof(back));
    }
    CloseHandle(file);
    assert_true(DeleteFileW(path));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_above_4_gib_land_where_asked),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_large_offsets SCRATCH_DIR\n");
        return 2;
    }
    windows_path(argv[1], scratch, ARRAYSIZE(scratch));
    CreateDirectoryW(scratch, NULL);
    printf("# %s DLL build, sizeof(void *) = %u\n", sizeof(void *) == 8 ? "x64" : "x86",
           (unsigned)sizeof(void *));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
