/* Encoding and decoding of the footer and dynamic header: field placement at the
 * specification's offsets, checksums, and decoders that survive any bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "memory_io.h"
#include "test_util.h"
#include "vhd_create.h"
#include "vhd_format.h"

static uint64_t rng;

static void random_bytes(void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)test_random_next(&rng);
}

static int setup(void **state)
{
    (void)state;
    rng = test_random_seed();
    return 0;
}

static void test_checksum_matches_spec(void **state)
{
    (void)state;
    uint8_t buf[1024];
    memset(buf, 0, sizeof buf);
    assert_int_equal(vhd_checksum(buf, 512, 64), 0xFFFFFFFFu);
    memset(buf, 0xFF, sizeof buf);
    assert_int_equal(vhd_checksum(buf, 512, 64), ~(uint32_t)(508 * 255));
    assert_int_equal(vhd_checksum(buf, 1024, 36), ~(uint32_t)(1020 * 255));
    for (int i = 0; i < 1000; i++) {
        random_bytes(buf, sizeof buf);
        assert_int_equal(vhd_checksum(buf, 512, 64), test_spec_checksum(buf, 512, 64));
        assert_int_equal(vhd_checksum(buf, 1024, 36), test_spec_checksum(buf, 1024, 36));
    }
}

static vhd_footer random_footer(void)
{
    vhd_footer f;
    random_bytes(&f, sizeof f);
    return f;
}

static vhd_dynamic_header random_header(void)
{
    vhd_dynamic_header h;
    random_bytes(&h, sizeof h);
    return h;
}

/* Offsets from the specification's "Hard Disk Footer Format" table. */
static void test_footer_fields_at_spec_offsets(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        vhd_footer f = random_footer();
        uint8_t b[VHD_FOOTER_SIZE];
        uint32_t checksum = vhd_footer_encode(&f, b);
        assert_memory_equal(b + 0, f.cookie, 8);
        assert_int_equal(test_be32(b + 8), f.features);
        assert_int_equal(test_be32(b + 12), f.file_format_version);
        assert_true(test_be64(b + 16) == f.data_offset);
        assert_int_equal(test_be32(b + 24), f.timestamp);
        assert_memory_equal(b + 28, f.creator_application, 4);
        assert_int_equal(test_be32(b + 32), f.creator_version);
        assert_int_equal(test_be32(b + 36), f.creator_host_os);
        assert_true(test_be64(b + 40) == f.original_size);
        assert_true(test_be64(b + 48) == f.current_size);
        assert_int_equal(test_be16(b + 56), f.disk_geometry.cylinders);
        assert_int_equal(b[58], f.disk_geometry.heads);
        assert_int_equal(b[59], f.disk_geometry.sectors_per_track);
        assert_int_equal(test_be32(b + 60), f.disk_type);
        assert_int_equal(test_be32(b + 64), test_spec_checksum(b, 512, 64));
        assert_int_equal(checksum, test_be32(b + 64));
        assert_memory_equal(b + 68, f.unique_id, 16);
        assert_int_equal(b[84], f.saved_state);
        assert_memory_equal(b + 85, f.reserved, 427);
    }
}

/* Offsets from the specification's "Dynamic Disk Header Format" table. */
static void test_header_fields_at_spec_offsets(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        vhd_dynamic_header h = random_header();
        uint8_t b[VHD_DYNAMIC_HEADER_SIZE];
        uint32_t checksum = vhd_dynamic_header_encode(&h, b);
        assert_memory_equal(b + 0, h.cookie, 8);
        assert_true(test_be64(b + 8) == h.data_offset);
        assert_true(test_be64(b + 16) == h.table_offset);
        assert_int_equal(test_be32(b + 24), h.header_version);
        assert_int_equal(test_be32(b + 28), h.max_table_entries);
        assert_int_equal(test_be32(b + 32), h.block_size);
        assert_int_equal(test_be32(b + 36), test_spec_checksum(b, 1024, 36));
        assert_int_equal(checksum, test_be32(b + 36));
        assert_memory_equal(b + 40, h.parent_unique_id, 16);
        assert_int_equal(test_be32(b + 56), h.parent_timestamp);
        assert_int_equal(test_be32(b + 60), h.reserved1);
        assert_memory_equal(b + 64, h.parent_unicode_name, 512);
        for (int j = 0; j < 8; j++) {
            const uint8_t *e = b + 576 + 24 * j;
            assert_int_equal(test_be32(e), h.parent_locator[j].platform_code);
            assert_int_equal(test_be32(e + 4), h.parent_locator[j].platform_data_space);
            assert_int_equal(test_be32(e + 8), h.parent_locator[j].platform_data_length);
            assert_int_equal(test_be32(e + 12), h.parent_locator[j].reserved);
            assert_true(test_be64(e + 16) == h.parent_locator[j].platform_data_offset);
        }
        assert_memory_equal(b + 768, h.reserved2, 256);
    }
}

static void test_footer_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        vhd_footer f = random_footer(), back;
        memcpy(f.cookie, VHD_FOOTER_COOKIE, 8);
        uint8_t first[VHD_FOOTER_SIZE], second[VHD_FOOTER_SIZE];
        uint32_t checksum = vhd_footer_encode(&f, first);
        assert_int_equal(vhd_footer_decode(&back, first, sizeof first), VHD_FORMAT_OK);
        assert_int_equal(back.checksum, checksum);
        assert_true(back.current_size == f.current_size);
        assert_memory_equal(back.unique_id, f.unique_id, 16);
        vhd_footer_encode(&back, second);
        assert_memory_equal(first, second, sizeof first);
    }
}

static void test_header_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        vhd_dynamic_header h = random_header(), back;
        memcpy(h.cookie, VHD_DYNAMIC_HEADER_COOKIE, 8);
        uint8_t first[VHD_DYNAMIC_HEADER_SIZE], second[VHD_DYNAMIC_HEADER_SIZE];
        uint32_t checksum = vhd_dynamic_header_encode(&h, first);
        assert_int_equal(vhd_dynamic_header_decode(&back, first, sizeof first), VHD_FORMAT_OK);
        assert_int_equal(back.checksum, checksum);
        assert_true(back.table_offset == h.table_offset);
        assert_int_equal(back.parent_locator[7].platform_code, h.parent_locator[7].platform_code);
        vhd_dynamic_header_encode(&back, second);
        assert_memory_equal(first, second, sizeof first);
    }
}

/* Buffers are allocated at their exact length so the address sanitizer sees any over-read. */
static void test_decode_short_buffers(void **state)
{
    (void)state;
    vhd_footer f;
    vhd_dynamic_header h;
    assert_int_equal(vhd_footer_decode(&f, NULL, 512), VHD_FORMAT_TRUNCATED);
    assert_int_equal(vhd_dynamic_header_decode(&h, NULL, 1024), VHD_FORMAT_TRUNCATED);
    for (size_t len = 0; len < VHD_DYNAMIC_HEADER_SIZE; len++) {
        uint8_t *buf = malloc(len > 0 ? len : 1);
        assert_non_null(buf);
        memset(buf, 0xA5, len);
        memset(&h, 0x5A, sizeof h);
        assert_int_equal(vhd_dynamic_header_decode(&h, buf, len), VHD_FORMAT_TRUNCATED);
        assert_int_equal(h.table_offset, 0);
        if (len < VHD_FOOTER_SIZE) {
            memset(&f, 0x5A, sizeof f);
            assert_int_equal(vhd_footer_decode(&f, buf, len), VHD_FORMAT_TRUNCATED);
            assert_true(f.current_size == 0);
        }
        free(buf);
    }
}

/* A single flipped bit anywhere is caught: in the cookie as a wrong cookie, elsewhere
 * (checksum field included) as a wrong checksum. */
static void test_decode_detects_every_bit_flip(void **state)
{
    (void)state;
    vhd_footer f = random_footer(), fd;
    vhd_dynamic_header h = random_header(), hd;
    memcpy(f.cookie, VHD_FOOTER_COOKIE, 8);
    memcpy(h.cookie, VHD_DYNAMIC_HEADER_COOKIE, 8);
    uint8_t fb[VHD_FOOTER_SIZE], hb[VHD_DYNAMIC_HEADER_SIZE];
    vhd_footer_encode(&f, fb);
    vhd_dynamic_header_encode(&h, hb);

    for (size_t bit = 0; bit < 8 * sizeof fb; bit++) {
        fb[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(vhd_footer_decode(&fd, fb, sizeof fb),
                         bit < 64 ? VHD_FORMAT_BAD_COOKIE : VHD_FORMAT_BAD_CHECKSUM);
        fb[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t bit = 0; bit < 8 * sizeof hb; bit++) {
        hb[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(vhd_dynamic_header_decode(&hd, hb, sizeof hb),
                         bit < 64 ? VHD_FORMAT_BAD_COOKIE : VHD_FORMAT_BAD_CHECKSUM);
        hb[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    assert_int_equal(vhd_footer_decode(&fd, fb, sizeof fb), VHD_FORMAT_OK);
    assert_int_equal(vhd_dynamic_header_decode(&hd, hb, sizeof hb), VHD_FORMAT_OK);
}

/* Random bytes of random lengths; with a planted cookie and a checksum computed by the test,
 * the decoder must accept them. */
static void test_decode_random_bytes(void **state)
{
    (void)state;
    unsigned accepted = 0;
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(test_random_next(&rng) % 1100);
        uint8_t *buf = malloc(len > 0 ? len : 1);
        assert_non_null(buf);
        random_bytes(buf, len);
        bool plant = (i & 1) != 0;
        vhd_footer f;
        vhd_dynamic_header h;
        if (len >= 512 && plant) {
            memcpy(buf, VHD_FOOTER_COOKIE, 8);
            uint32_t c = test_spec_checksum(buf, 512, 64);
            buf[64] = (uint8_t)(c >> 24); buf[65] = (uint8_t)(c >> 16);
            buf[66] = (uint8_t)(c >> 8); buf[67] = (uint8_t)c;
            assert_int_equal(vhd_footer_decode(&f, buf, len), VHD_FORMAT_OK);
            assert_int_equal(f.checksum, c);
            accepted++;
        } else {
            vhd_format_status s = vhd_footer_decode(&f, buf, len);
            assert_int_equal(s, len < 512 ? VHD_FORMAT_TRUNCATED : VHD_FORMAT_BAD_COOKIE);
        }
        if (len >= 1024 && plant) {
            memcpy(buf, VHD_DYNAMIC_HEADER_COOKIE, 8);
            uint32_t c = test_spec_checksum(buf, 1024, 36);
            buf[36] = (uint8_t)(c >> 24); buf[37] = (uint8_t)(c >> 16);
            buf[38] = (uint8_t)(c >> 8); buf[39] = (uint8_t)c;
            assert_int_equal(vhd_dynamic_header_decode(&h, buf, len), VHD_FORMAT_OK);
            accepted++;
        } else {
            vhd_format_status s = vhd_dynamic_header_decode(&h, buf, len);
            assert_int_equal(s, len < 1024 ? VHD_FORMAT_TRUNCATED : VHD_FORMAT_BAD_COOKIE);
        }
        (void)vhd_dynamic_image_check(buf, len, NULL, NULL);
        free(buf);
    }
    assert_true(accepted > 1000);
}

/* An image made by the library in memory. */
static uint8_t *make_image(uint64_t size, size_t *len)
{
    struct memory_io mem;
    memory_io_init(&mem);
    vhd_create_options options = { .size_bytes = size, .timestamp = 1 };
    assert_int_equal(vhd_create_dynamic(&mem.io, &options), VHD_OK);
    *len = mem.size;
    return mem.data;
}

static uint8_t *copy_of(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    return copy;
}

static void test_image_check(void **state)
{
    (void)state;
    size_t len;
    uint8_t *image = make_image(100ull << 20, &len);
    vhd_footer f;
    vhd_dynamic_header h;
    assert_int_equal(vhd_dynamic_image_check(image, len, &f, &h), VHD_FORMAT_OK);
    assert_true(f.current_size == 100ull << 20);
    assert_int_equal(h.max_table_entries, 50);

    /* A cut-off file has no footer at its end; like Virtual PC, the checker then falls back
     * to the copy at offset 0, which is enough as long as the header and BAT are there. */
    size_t table_end = 1536 + 50 * 4;
    for (size_t n = 0; n < len; n++) {
        uint8_t *prefix = copy_of(image, n);
        vhd_format_status status = vhd_dynamic_image_check(prefix, n, &f, NULL);
        if (n < table_end)
            assert_int_not_equal(status, VHD_FORMAT_OK);
        else
            assert_int_equal(status, VHD_FORMAT_OK);
        free(prefix);
    }

    /* A damaged end footer falls back to the copy at 0; both damaged is refused. */
    uint8_t *damaged = copy_of(image, len);
    damaged[len - 512 + 100] ^= 1;
    assert_int_equal(vhd_dynamic_image_check(damaged, len, &f, NULL), VHD_FORMAT_OK);
    damaged[100] ^= 1;
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, NULL), VHD_FORMAT_BAD_CHECKSUM);
    free(damaged);

    /* No dynamic header cookie: refused as qemu, VirtualBox and libvhdi do. */
    damaged = copy_of(image, len);
    memset(damaged + 512, 0, 8);
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, &h), VHD_FORMAT_BAD_COOKIE);
    free(damaged);

    /* Re-encoded with out-of-range fields. */
    vhd_footer_decode(&f, image + len - 512, 512);
    damaged = copy_of(image, len);
    f.disk_type = VHD_DISK_TYPE_FIXED;
    vhd_footer_encode(&f, damaged + len - 512);
    vhd_footer_encode(&f, damaged);
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, NULL), VHD_FORMAT_BAD_FIELD);
    f.disk_type = VHD_DISK_TYPE_DYNAMIC;
    f.data_offset = len - 1023;
    vhd_footer_encode(&f, damaged + len - 512);
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, NULL), VHD_FORMAT_TRUNCATED);
    f.data_offset = UINT64_MAX;
    vhd_footer_encode(&f, damaged + len - 512);
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, NULL), VHD_FORMAT_TRUNCATED);
    free(damaged);

    vhd_dynamic_header_decode(&h, image + 512, 1024);
    damaged = copy_of(image, len);
    h.max_table_entries = UINT32_MAX;
    vhd_dynamic_header_encode(&h, damaged + 512);
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, NULL), VHD_FORMAT_TRUNCATED);
    h.max_table_entries = 50;
    h.block_size = 3 * 512;
    vhd_dynamic_header_encode(&h, damaged + 512);
    assert_int_equal(vhd_dynamic_image_check(damaged, len, NULL, NULL), VHD_FORMAT_BAD_FIELD);
    free(damaged);

    /* Random damage never makes the checker read out of bounds. */
    for (int i = 0; i < 3000; i++) {
        damaged = copy_of(image, len);
        unsigned hits = 1 + (unsigned)(test_random_next(&rng) % 8);
        for (unsigned j = 0; j < hits; j++) {
            size_t at = (size_t)(test_random_next(&rng) % len);
            if (j % 2 == 0)   /* aim half of the hits at the structures' offset fields */
                at = (size_t)(test_random_next(&rng) % 2) ? len - 512 + 16 + j : 512 + 16 + j;
            damaged[at] = (uint8_t)test_random_next(&rng);
        }
        (void)vhd_dynamic_image_check(damaged, len, NULL, NULL);
        free(damaged);
    }
    free(image);
}

/* vsdisk's own footers are told from Windows' by the creator version; 0.1 and 0.2 wrote "vsdk". */
static void test_footer_written_by_vsdisk(void **state)
{
    (void)state;
    static const struct { const char app[5]; uint32_t version; bool vsdisk; } cases[] = {
        { "vsdk", 0x00000001, true },  { "vsdk", 0x00000002, true },
        { "win ", 0x00000003, true },  { "win ", 0x00050FFF, true },
        { "win ", 0x00060000, false }, { "win ", 0x00060003, false },
        { "win ", 0x000A0000, false }, { "qemu", 0x00000003, false },
        { "qem2", 0x00050003, false }, { "vpc ", 0x00050000, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vhd_footer footer;
        memset(&footer, 0, sizeof footer);
        memcpy(footer.creator_application, cases[i].app, 4);
        footer.creator_version = cases[i].version;
        assert_int_equal(vhd_footer_written_by_vsdisk(&footer), cases[i].vsdisk);
    }
}

static void test_status_messages(void **state)
{
    (void)state;
    for (int s = VHD_OK; s <= VHD_E_END_OF_FILE; s++) {
        const char *m = vhd_status_message((vhd_status)s);
        assert_non_null(m);
        assert_true(strlen(m) > 3);
        assert_true(m[strlen(m) - 1] != '.');
        for (int t = VHD_OK; t < s; t++)
            assert_string_not_equal(m, vhd_status_message((vhd_status)t));
    }
    for (int s = VHD_FORMAT_OK; s <= VHD_FORMAT_BAD_FIELD; s++) {
        const char *m = vhd_format_status_message((vhd_format_status)s);
        assert_non_null(m);
        assert_true(strlen(m) > 3);
        for (int t = VHD_FORMAT_OK; t < s; t++)
            assert_string_not_equal(m, vhd_format_status_message((vhd_format_status)t));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_matches_spec),
        cmocka_unit_test(test_footer_fields_at_spec_offsets),
        cmocka_unit_test(test_header_fields_at_spec_offsets),
        cmocka_unit_test(test_footer_round_trip),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_decode_short_buffers),
        cmocka_unit_test(test_decode_detects_every_bit_flip),
        cmocka_unit_test(test_decode_random_bytes),
        cmocka_unit_test(test_image_check),
        cmocka_unit_test(test_footer_written_by_vsdisk),
        cmocka_unit_test(test_status_messages),
    };
    return cmocka_run_group_tests_name("format", tests, setup, NULL);
}
