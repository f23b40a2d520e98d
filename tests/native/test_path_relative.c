/* The W2ru path (the parent relative to the child's folder) and UTF-8 decoding of paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "path_relative.h"
#include "path_resolve.h"
#include "path_utf8.h"

static size_t ascii_units(const char *text, uint16_t *out)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)text[i];
    return n;
}

/* The relative path as ASCII, or "" when there is none. */
static const char *relative(const char *from, const char *target, path_flavour flavour,
                            size_t capacity)
{
    static char text[512];
    uint16_t a[256], b[256], out[256];
    size_t n = path_relative_to_file(a, ascii_units(from, a), b, ascii_units(target, b),
                                     flavour, out, capacity);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)out[i];
    text[n] = '\0';
    return text;
}

static void test_windows(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        { "C:\\VMs\\child.vhd", "C:\\VMs\\base.vhd", ".\\base.vhd" },
        { "C:\\VMs\\child.vhd", "c:\\vms\\Base.vhd", ".\\Base.vhd" },      /* case-blind */
        { "C:\\VMs\\a\\child.vhd", "C:\\VMs\\base.vhd", "..\\base.vhd" },
        { "C:\\VMs\\a\\b\\child.vhd", "C:\\base.vhd", "..\\..\\..\\base.vhd" },
        { "C:\\VMs\\child.vhd", "C:\\VMs\\base\\x\\base.vhd", ".\\base\\x\\base.vhd" },
        { "C:\\VMs\\ab\\child.vhd", "C:\\VMs\\a\\base.vhd", "..\\a\\base.vhd" },  /* not a prefix */
        { "C:\\VMs/a/child.vhd", "C:\\VMs\\b/base.vhd", "..\\b\\base.vhd" },   /* both separators */
        { "C:\\child.vhd", "C:\\base.vhd", ".\\base.vhd" },
        { "\\\\srv\\share\\vm\\child.vhd", "\\\\SRV\\Share\\base.vhd", "..\\base.vhd" },
        { "C:\\VMs\\child.vhd", "D:\\VMs\\base.vhd", "" },                     /* other drive */
        { "\\\\srv\\a\\child.vhd", "\\\\srv\\b\\base.vhd", "" },               /* other share */
        { "C:\\VMs\\child.vhd", "\\\\srv\\a\\base.vhd", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = relative(cases[i][0], cases[i][1], PATH_FLAVOUR_WINDOWS, 256);
        if (strcmp(got, cases[i][2]) != 0)
            fail_msg("%s -> %s: got '%s', expected '%s'", cases[i][0], cases[i][1], got, cases[i][2]);
    }
}

static void test_posix(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        { "/vm/child.vhd", "/vm/base.vhd", ".\\base.vhd" },
        { "/vm/child.vhd", "/VM/base.vhd", "..\\VM\\base.vhd" },              /* case matters */
        { "/a/b/c/child.vhd", "/a/x/base.vhd", "..\\..\\x\\base.vhd" },
        { "/child.vhd", "/base.vhd", ".\\base.vhd" },
        { "/a\\b/child.vhd", "/a\\b/base.vhd", ".\\base.vhd" },               /* '\' is a name */
        { "/vm/child.vhd", "relative/base.vhd", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = relative(cases[i][0], cases[i][1], PATH_FLAVOUR_POSIX, 256);
        if (strcmp(got, cases[i][2]) != 0)
            fail_msg("%s -> %s: got '%s', expected '%s'", cases[i][0], cases[i][1], got, cases[i][2]);
    }
}

static void test_capacity(void **state)
{
    (void)state;
    assert_string_equal(relative("/vm/child.vhd", "/vm/base.vhd", PATH_FLAVOUR_POSIX, 10), ".\\base.vhd");
    assert_string_equal(relative("/vm/child.vhd", "/vm/base.vhd", PATH_FLAVOUR_POSIX, 9), "");
    assert_string_equal(relative("/a/b/child.vhd", "/base.vhd", PATH_FLAVOUR_POSIX, 1), "");
}

static void test_utf8(void **state)
{
    (void)state;
    uint16_t out[8];
    assert_int_equal(path_utf8_to_utf16("a\xC3\xA9\xE2\x82\xAC", out, 8), 3);   /* a é € */
    assert_int_equal(out[0], 'a');
    assert_int_equal(out[1], 0xE9);
    assert_int_equal(out[2], 0x20AC);
    assert_int_equal(path_utf8_to_utf16("\xF0\x9F\x98\x80", out, 8), 2);       /* U+1F600 */
    assert_int_equal(out[0], 0xD83D);
    assert_int_equal(out[1], 0xDE00);
    assert_int_equal(path_utf8_to_utf16("", out, 8), 0);
    static const char *const bad[] = {
        "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\xC3",
        "\xE2\x82", "\x80", "a\xC3(",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_true(path_utf8_to_utf16(bad[i], out, 8) == SIZE_MAX);
    assert_true(path_utf8_to_utf16("abc", out, 2) == SIZE_MAX);
    assert_true(path_utf8_to_utf16("\xF0\x9F\x98\x80", out, 1) == SIZE_MAX);
}

static const char *resolved(const char *base, const char *relative)
{
    static char text[512];
    uint16_t a[256], b[256], out[64];
    size_t n = path_resolve_against(a, ascii_units(base, a), b, ascii_units(relative, b), out, 64);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)out[i];
    text[n] = '\0';
    return text;
}

static void test_resolve(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        { "C:\\VMs\\child.vhd", "base.vhd", "C:\\VMs\\base.vhd" },
        { "C:\\VMs\\child.vhd", ".\\base.vhd", "C:\\VMs\\base.vhd" },
        { "C:\\VMs\\a\\child.vhd", "..\\base\\b.vhd", "C:\\VMs\\base\\b.vhd" },
        { "C:\\VMs\\a\\child.vhd", "../x/./y/../b.vhd", "C:\\VMs\\x\\b.vhd" },
        { "C:\\child.vhd", "sub\\b.vhd", "C:\\sub\\b.vhd" },
        { "\\\\srv\\share\\vm\\c.vhd", "..\\b.vhd", "\\\\srv\\share\\b.vhd" },
        { "C:\\VMs\\child.vhd", "..\\..\\b.vhd", "" },                 /* above the root */
        { "\\\\srv\\share\\c.vhd", "..\\b.vhd", "" },
        { "relative\\child.vhd", "b.vhd", "" },                        /* base not absolute */
        { "C:\\VMs\\child.vhd", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = resolved(cases[i][0], cases[i][1]);
        if (strcmp(got, cases[i][2]) != 0)
            fail_msg("%s + %s: got '%s', expected '%s'", cases[i][0], cases[i][1], got, cases[i][2]);
    }
    uint16_t p[8];
    assert_true(path_is_relative(p, ascii_units("a.vhd", p)));
    assert_true(path_is_relative(p, ascii_units("..\\a", p)));
    assert_false(path_is_relative(p, 0));
    assert_false(path_is_relative(p, ascii_units("C:a.vhd", p)));
    assert_false(path_is_relative(p, ascii_units("C:\\a", p)));
    assert_false(path_is_relative(p, ascii_units("\\a", p)));
    assert_false(path_is_relative(p, ascii_units("/a", p)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_posix),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests_name("path_relative", tests, NULL, NULL);
}
