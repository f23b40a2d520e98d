/* CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR
 * 0xFFFFFFFF; "123456789" gives 0xE3069283. Table-driven, one byte at a time. */
#include "vhdx_format.h"

/* The table, computed by the compiler: eight shift-and-reduce steps per byte value. */
#define STEP(c) (((c) >> 1) ^ (0x82F63B78u & (0u - ((c) & 1u))))
#define ENTRY(i) STEP(STEP(STEP(STEP(STEP(STEP(STEP(STEP((uint32_t)(i)))))))))
#define ROW(i) ENTRY(i), ENTRY(i + 1), ENTRY(i + 2), ENTRY(i + 3), \
               ENTRY(i + 4), ENTRY(i + 5), ENTRY(i + 6), ENTRY(i + 7)
#define ROWS(i) ROW(i), ROW(i + 8), ROW(i + 16), ROW(i + 24), \
                ROW(i + 32), ROW(i + 40), ROW(i + 48), ROW(i + 56)
static const uint32_t crc_table[256] = { ROWS(0), ROWS(64), ROWS(128), ROWS(192) };

uint32_t vhdx_crc32c_begin(void)
{
    return 0xFFFFFFFFu;
}

uint32_t vhdx_crc32c_update(uint32_t state, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        state = crc_table[(state ^ p[i]) & 0xFF] ^ (state >> 8);
    return state;
}

uint32_t vhdx_crc32c_end(uint32_t state)
{
    return state ^ 0xFFFFFFFFu;
}

uint32_t vhdx_crc32c(const void *buf, size_t len)
{
    return vhdx_crc32c_end(vhdx_crc32c_update(vhdx_crc32c_begin(), buf, len));
}
