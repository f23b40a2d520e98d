/* fx_write DISK OFFSET FILE: writes FILE's bytes (a multiple of 512) at byte OFFSET of the
 * disk's content with the tests' own editor (ops_fixture.c), which sets only the bits of the
 * sectors it writes: how the shell tests give a differencing disk data (qemu cannot: it
 * writes a differencing disk as a dynamic one and puts its first block over the locators). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "ops_fixture.h"
#include "test_util.h"

int main(int argc, char **argv)
{
    size_t len;
    if (argc != 4) {
        fprintf(stderr, "usage: %s DISK OFFSET FILE\n", argv[0]);
        return 2;
    }
    uint64_t offset = strtoull(argv[2], NULL, 10);
    uint8_t *data = test_read_file(argv[3], &len);
    if (data == NULL || len % FX_SECTOR != 0 || offset % FX_SECTOR != 0) {
        fprintf(stderr, "%s: bad data or offset\n", argv[0]);
        return 2;
    }
    fx_write(argv[1], offset / FX_SECTOR, (uint32_t)(len / FX_SECTOR), data);
    free(data);
    return 0;
}
