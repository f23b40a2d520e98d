/* CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR
 * 0xFFFFFFFF; "123456789" gives 0xE3069283. Table-driven, eight bytes at a time ("slicing by
 * 8": the tables, made at build time by crc32c_tables.py, fold eight bytes in one step). */
#include "vhdx_format.h"

#include "vhdx_crc32c_tables.h"

uint32_t vhdx_crc32c_begin(void)
{
    return 0xFFFFFFFFu;
}

uint32_t vhdx_crc32c_update(uint32_t state, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    const uint32_t (*t)[256] = crc32c_tables;

    for (; len >= 8; len -= 8, p += 8) {
        uint32_t low = state ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
                                | (uint32_t)p[3] << 24);
        state = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF]
              ^ t[4][low >> 24] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    }
    for (; len > 0; len--, p++)
        state = t[0][(state ^ *p) & 0xFF] ^ (state >> 8);
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
