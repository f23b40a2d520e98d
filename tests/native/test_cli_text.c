/* The command line's own words and numbers, without running the command: sizes with binary
 * units (cli_size.c), sizes printed back, the -p line (cli_progress.c) and the sentences for
 * paths that cannot be opened or created (cli_path_error.c). */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_path_error.h"
#include "cli_progress.h"
#include "cli_size.h"
#include "test_util.h"

#define MiB (UINT64_C(1024) * 1024)
#define GiB (MiB * 1024)

static void test_sizes_taken(void **state)
{
    (void)state;
    static const struct { const char *text; uint32_t mb; } cases[] = {
        { "3", 3 }, { "100", 100 }, { "2088960", 2088960 }, { "0003", 3 },
        { "512M", 512 }, { "512m", 512 }, { "512MB", 512 }, { "512MiB", 512 }, { "512mib", 512 },
        { "16G", 16384 }, { "16g", 16384 }, { "16GB", 16384 }, { "16GiB", 16384 },
        { "16gIb", 16384 }, { "1T", 1048576 }, { "1TiB", 1048576 }, { "2040G", 2088960 },
        { "3072K", 3 }, { "3072k", 3 }, { "3072KiB", 3 }, { "4096KB", 4 }, { "3M", 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t mb = 0;
        char why[256] = "";
        if (!cli_parse_size_mb(cases[i].text, &mb, why, sizeof why))
            fail_msg("'%s' refused: %s", cases[i].text, why);
        if (mb != cases[i].mb)
            fail_msg("'%s': %u MB, not %u", cases[i].text, mb, cases[i].mb);
    }
}

static void test_sizes_refused(void **state)
{
    (void)state;
    static const struct { const char *text; const char *reason; } cases[] = {
        /* Not a size at all. */
        { "", "not ''" }, { "abc", "a number with a unit" }, { "-5", "a number with a unit" },
        { "+3", "a number with a unit" }, { " 3", "a number with a unit" },
        { "3 ", "a number with a unit" }, { "1.5G", "a number with a unit" },
        { "1e3", "a number with a unit" }, { "0x10", "a number with a unit" },
        { "16X", "a number with a unit" }, { "16Gi", "a number with a unit" },
        { "16GiBs", "a number with a unit" }, { "16iB", "a number with a unit" },
        { "16BG", "a number with a unit" }, { "G", "a number with a unit" },
        { "16GG", "a number with a unit" },
        /* Not whole MB. */
        { "1536K", "not a whole number of MB" }, { "3073k", "not a whole number of MB" },
        /* Out of range, whatever the unit, however long the number. */
        { "0", "from 3 MB to 2040 GB" }, { "2", "from 3 MB to 2040 GB" },
        { "2M", "from 3 MB to 2040 GB" }, { "2048K", "from 3 MB to 2040 GB" },
        { "0G", "from 3 MB to 2040 GB" }, { "2088961", "from 3 MB to 2040 GB" },
        { "2041G", "from 3 MB to 2040 GB" }, { "2T", "from 3 MB to 2040 GB" },
        { "99999999999999999999999999999999", "from 3 MB to 2040 GB" },
        { "99999999999999999999999999999999T", "from 3 MB to 2040 GB" },
        { "18446744073709551617K", "from 3 MB to 2040 GB" },
        { "2139095041K", "from 3 MB to 2040 GB" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t mb = 12345;
        char why[256] = "";
        if (cli_parse_size_mb(cases[i].text, &mb, why, sizeof why))
            fail_msg("'%s' taken as %u MB", cases[i].text, mb);
        assert_int_equal(mb, 12345);            /* untouched */
        if (strstr(why, cases[i].reason) == NULL)
            fail_msg("'%s': '%s' does not say '%s'", cases[i].text, why, cases[i].reason);
        assert_true(why[strlen(why) - 1] != '.');
    }
}

static void test_sizes_printed(void **state)
{
    (void)state;
    static const struct { uint64_t bytes; const char *exact; const char *rounded; } cases[] = {
        { 0, "0 bytes", "0 bytes" }, { 512, "512 bytes", "512 bytes" },
        { 1024, "1 KiB", "1.0 KiB" }, { 3 * MiB, "3 MiB", "3.0 MiB" },
        { 1536 * MiB, "1536 MiB", "1.5 GiB" }, { 16 * GiB, "16 GiB", "16.0 GiB" },
        { 2040 * GiB, "2040 GiB", "1.9 TiB" }, { 1024 * GiB, "1 TiB", "1.0 TiB" },
        { 24 * MiB + 1536, "24.0 MiB", "24.0 MiB" }, { 671088, "655.3 KiB", "655.3 KiB" },
        { UINT64_MAX, "16777215.9 TiB", "16777215.9 TiB" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[32];
        cli_format_size(cases[i].bytes, text, sizeof text);
        assert_string_equal(text, cases[i].exact);
        cli_format_size_rounded(cases[i].bytes, text, sizeof text);
        assert_string_equal(text, cases[i].rounded);
    }
}

static void test_progress_line(void **state)
{
    (void)state;
    char line[160];
    /* Unknown total: the percentage alone. */
    cli_progress_format(line, sizeof line, "vsdisk compact", 42, 0, 5.0);
    assert_string_equal(line, "vsdisk compact: 42%");
    /* Too early for a rate: percent and bytes. */
    cli_progress_format(line, sizeof line, "vsdisk convert", 5, 16 * GiB, 0.1);
    assert_string_equal(line, "vsdisk convert:   5%  819.1 MiB of 16 GiB");
    /* Later: rate and time left (25% of 16 GiB in 8 s: 512 MiB/s, 24 s left). */
    cli_progress_format(line, sizeof line, "vsdisk convert", 25, 16 * GiB, 8.0);
    assert_string_equal(line, "vsdisk convert:  25%  4.0 GiB of 16 GiB  512.0 MiB/s  24 s left");
    /* Minutes and hours left. */
    cli_progress_format(line, sizeof line, "vsdisk create", 10, 2040 * GiB, 60.0);
    assert_string_equal(line, "vsdisk create:  10%  204.0 GiB of 2040 GiB  3.3 GiB/s  9 min 00 s left");
    cli_progress_format(line, sizeof line, "vsdisk merge", 1, 1024 * GiB, 60.0);
    assert_string_equal(line, "vsdisk merge:   1%  10.2 GiB of 1 TiB  174.7 MiB/s  1 h 39 min left");
    /* Done; never more than 100%, and never more bytes than the total. */
    cli_progress_format(line, sizeof line, "vsdisk merge", 100, 3 * MiB, 1.0);
    assert_string_equal(line, "vsdisk merge: 100%  3.0 MiB of 3 MiB  3.0 MiB/s  0 s left");
    cli_progress_format(line, sizeof line, "vsdisk merge", 250, 3 * MiB, 1.0);
    assert_string_equal(line, "vsdisk merge: 100%  3.0 MiB of 3 MiB  3.0 MiB/s  0 s left");
    /* The largest total: no overflow in bytes done. */
    cli_progress_format(line, sizeof line, "p", 99, UINT64_MAX, 0.0);
    assert_string_equal(line, "p:  99%  16609443.8 TiB of 16777215.9 TiB");
}

static int setup_dir(void **state)
{
    *state = test_make_temp_dir();
    return 0;
}

static int teardown_dir(void **state)
{
    test_remove_temp_dir(*state);
    return 0;
}

/* expect_sentence(PATH, ERROR, NEW_FILE, WANT): cli_path_error's sentence is WANT exactly. */
static void expect_sentence(const char *path, int error, bool new_file, const char *want)
{
    char out[512];
    assert_true(cli_path_error(path, error, new_file, out, sizeof out));
    if (strcmp(out, want) != 0)
        fail_msg("%s (errno %d): '%s', not '%s'", path, error, out, want);
}

static void test_path_sentences(void **state)
{
    const char *dir = *state;
    char *file = test_path_join(dir, "plain.txt");
    char *missing = test_path_join(dir, "missing.vhd");
    char *in_missing = test_path_join(dir, "nowhere/deeper/a.vhd");
    char *missing_folder = test_path_join(dir, "nowhere/deeper");
    char *through_file = test_path_join(dir, "plain.txt/a.vhd");
    char *link = test_path_join(dir, "dangling.vhd");
    char *folder = test_path_join(dir, "folder.vhd");
    char *fifo = test_path_join(dir, "fifo.vhd");
    char want[1024];

    test_write_file(file, "x", 1);
    assert_int_equal(symlink(missing, link), 0);
    assert_int_equal(mkdir(folder, 0755), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    expect_sentence(missing, ENOENT, false, "no such file");
    expect_sentence(missing, ENOENT, true, "no such file");
    snprintf(want, sizeof want, "the folder %s does not exist", missing_folder);
    expect_sentence(in_missing, ENOENT, false, want);
    expect_sentence(in_missing, ENOENT, true, want);
    expect_sentence("bare-name.vhd", ENOENT, false, "no such file");
    expect_sentence(link, ENOENT, false, "is a symbolic link to a file that does not exist");
    snprintf(want, sizeof want, "%s is a file, not a folder", file);
    expect_sentence(through_file, ENOTDIR, false, want);
    expect_sentence(through_file, ENOTDIR, true, want);
    expect_sentence(folder, EISDIR, false, "is a folder, not a disk file");
    expect_sentence(fifo, EINVAL, false, "is a device, FIFO or socket, not a disk file");
    expect_sentence(missing, EACCES, false, "permission denied");
    expect_sentence(missing, EPERM, false, "permission denied");
    snprintf(want, sizeof want, "permission denied (the folder %s cannot be written)", dir);
    expect_sentence(missing, EACCES, true, want);
    expect_sentence(missing, EROFS, true, "the file system is read-only");
    expect_sentence(missing, EEXIST, true, "already exists; vsdisk never replaces a file, "
                    "folder or link");
    expect_sentence(missing, ELOOP, false, "too many levels of symbolic links");
    expect_sentence(missing, ENAMETOOLONG, true, "the name is too long");
    /* Not a problem of the path: the caller words it. */
    char out[64] = "untouched";
    assert_false(cli_path_error(file, EIO, false, out, sizeof out));
    assert_false(cli_path_error(file, ENOSPC, true, out, sizeof out));
    assert_false(cli_path_error(missing, EINVAL, false, out, sizeof out));
    /* A sentence longer than the buffer is cut, still a string. */
    assert_true(cli_path_error(in_missing, ENOENT, true, out, 16));
    assert_int_equal(strlen(out), 15);

    assert_int_equal(rmdir(folder), 0);
    assert_int_equal(unlink(fifo), 0);
    free(fifo);
    free(folder);
    free(link);
    free(through_file);
    free(missing_folder);
    free(in_missing);
    free(missing);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_taken),
        cmocka_unit_test(test_sizes_refused),
        cmocka_unit_test(test_sizes_printed),
        cmocka_unit_test(test_progress_line),
        cmocka_unit_test_setup_teardown(test_path_sentences, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests_name("cli_text", tests, NULL, NULL);
}
