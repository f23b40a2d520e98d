/* The POSIX back end: exclusive creation that never touches what is already at the target,
 * error mapping, and removal of only what it created. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "vhd_create.h"
#include "vhd_io_fault.h"
#include "vhd_io_posix.h"

#define MiB (UINT64_C(1024) * 1024)

static const char known[] = "precious contents that must survive\n";

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

static vhd_status create_disk(const char *path, int *os_error)
{
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_create_options options = { .size_bytes = 3 * MiB };
    vhd_status status = vhd_create_dynamic(&file.io, &options);
    if (os_error != NULL)
        *os_error = file.io.os_error;
    assert_int_equal(file.fd, -1);   /* never left open */
    return status;
}

static void assert_file_holds(const char *path, const void *data, size_t len)
{
    size_t got;
    uint8_t *contents = test_read_file(path, &got);
    assert_non_null(contents);
    assert_int_equal(got, len);
    assert_memory_equal(contents, data, len);
    free(contents);
}

static void test_existing_file_untouched(void **state)
{
    char *path = test_path_join(*state, "taken.vhd");
    test_write_file(path, known, sizeof known);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    int error;
    assert_int_equal(create_disk(path, &error), VHD_E_EXISTS);
    assert_int_equal(error, EEXIST);
    assert_file_holds(path, known, sizeof known);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mtime, after.st_mtime);
    assert_int_equal(test_dir_entry_count(*state), 1);
    free(path);
}

/* A dangling symbolic link is "something at the target": refused, not followed. */
static void test_dangling_symlink_untouched(void **state)
{
    char *path = test_path_join(*state, "link.vhd");
    char *target = test_path_join(*state, "nowhere.vhd");
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(create_disk(path, NULL), VHD_E_EXISTS);

    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char link[4096];
    ssize_t n = readlink(path, link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, target);
    assert_int_equal(lstat(target, &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(test_dir_entry_count(*state), 1);
    free(target);
    free(path);
}

static void test_symlink_to_file_untouched(void **state)
{
    char *path = test_path_join(*state, "link.vhd");
    char *target = test_path_join(*state, "real.vhd");
    test_write_file(target, known, sizeof known);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(create_disk(path, NULL), VHD_E_EXISTS);
    assert_file_holds(target, known, sizeof known);
    assert_int_equal(test_dir_entry_count(*state), 2);
    free(target);
    free(path);
}

static void test_existing_folder(void **state)
{
    char *path = test_path_join(*state, "folder.vhd");
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(create_disk(path, NULL), VHD_E_EXISTS);
    assert_int_equal(rmdir(path), 0);
    free(path);
}

static void test_missing_folder(void **state)
{
    char *path = test_path_join(*state, "missing/disk.vhd");
    int error;
    assert_int_equal(create_disk(path, &error), VHD_E_NOT_FOUND);
    assert_int_equal(error, ENOENT);
    assert_int_equal(test_dir_entry_count(*state), 0);
    free(path);
}

static void test_path_through_file(void **state)
{
    char *file = test_path_join(*state, "plain");
    char *path = test_path_join(*state, "plain/disk.vhd");
    test_write_file(file, known, sizeof known);
    int error;
    assert_int_equal(create_disk(path, &error), VHD_E_NOT_DIRECTORY);
    assert_int_equal(error, ENOTDIR);
    assert_file_holds(file, known, sizeof known);
    free(path);
    free(file);
}

static void test_name_too_long(void **state)
{
    char name[400];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char *path = test_path_join(*state, name);
    assert_int_equal(create_disk(path, NULL), VHD_E_INVALID_PATH);
    assert_int_equal(test_dir_entry_count(*state), 0);
    free(path);
}

/* remove() after a refused create must not delete the file that was already there. */
static void test_remove_only_what_was_created(void **state)
{
    char *path = test_path_join(*state, "taken.vhd");
    test_write_file(path, known, sizeof known);
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.create(&file.io), VHD_E_EXISTS);
    assert_int_equal(file.io.remove(&file.io), VHD_OK);
    assert_file_holds(path, known, sizeof known);
    free(path);
}

static void test_calls_out_of_order(void **state)
{
    char *path = test_path_join(*state, "disk.vhd");
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    assert_int_equal(file.io.write_at(&file.io, 0, "x", 1), VHD_E_IO);
    assert_int_equal(file.io.os_error, EBADF);
    assert_int_equal(file.io.flush(&file.io), VHD_E_IO);
    assert_int_equal(file.io.close(&file.io), VHD_E_IO);
    assert_int_equal(test_dir_entry_count(*state), 0);

    assert_int_equal(file.io.create(&file.io), VHD_OK);
    assert_int_equal(file.io.create(&file.io), VHD_E_IO);   /* only once */
    assert_int_equal(file.io.write_at(&file.io, UINT64_MAX - 1, "xy", 2), VHD_E_TOO_LARGE);
    assert_int_equal(file.io.write_at(&file.io, 10, "xy", 2), VHD_OK);
    assert_int_equal(file.io.close(&file.io), VHD_OK);
    assert_int_equal(file.io.close(&file.io), VHD_E_IO);
    assert_int_equal(test_dir_entry_count(*state), 1);
    assert_int_equal(file.io.remove(&file.io), VHD_OK);
    assert_int_equal(test_dir_entry_count(*state), 0);
    assert_int_equal(file.io.remove(&file.io), VHD_OK);   /* nothing left to remove */
    free(path);
}

static void test_created_file(void **state)
{
    char *path = test_path_join(*state, "disk.vhd");
    mode_t old_mask = umask(022);
    assert_int_equal(create_disk(path, NULL), VHD_OK);
    umask(old_mask);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(st.st_size, vhd_dynamic_file_size(3 * MiB));
    free(path);
}

static void test_errno_mapping(void **state)
{
    (void)state;
    const struct { int error; vhd_status status; } map[] = {
        { 0, VHD_OK }, { EEXIST, VHD_E_EXISTS }, { ENOENT, VHD_E_NOT_FOUND },
        { ENOTDIR, VHD_E_NOT_DIRECTORY }, { EACCES, VHD_E_ACCESS }, { EPERM, VHD_E_ACCESS },
        { EROFS, VHD_E_ACCESS }, { ENOSPC, VHD_E_NO_SPACE }, { EDQUOT, VHD_E_NO_SPACE },
        { EFBIG, VHD_E_TOO_LARGE }, { ENAMETOOLONG, VHD_E_INVALID_PATH },
        { EINVAL, VHD_E_INVALID_PATH }, { ENOMEM, VHD_E_NO_MEMORY }, { EIO, VHD_E_IO },
        { EISDIR, VHD_E_IO }, { ELOOP, VHD_E_IO },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        assert_int_equal(vhd_status_from_errno(map[i].error), map[i].status);
}

/* A file size limit (RLIMIT_FSIZE) makes pwrite() write part of a buffer, then fail with
 * EFBIG: the short write must be continued, and the failure reported and cleaned up. */
static void test_short_write_then_file_too_large(void **state)
{
    char *path = test_path_join(*state, "disk.vhd");
    struct rlimit old_limit, limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    limit = old_limit;
    limit.rlim_cur = 5000;   /* inside the first 8 KiB write of a 3 MiB disk */
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    int error;
    vhd_status status = create_disk(path, &error);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(status, VHD_E_TOO_LARGE);
    assert_int_equal(error, EFBIG);
    assert_int_equal(test_dir_entry_count(*state), 0);
    free(path);
}

/* The fault back end's failed close still releases the file, so removal works. */
static void test_fault_close_releases_file(void **state)
{
    char *path = test_path_join(*state, "disk.vhd");
    struct vhd_io_posix file;
    struct vhd_io_fault fault;
    vhd_io_posix_init(&file, path);
    vhd_io_fault_init(&fault, &file.io);
    fault.fail_at = 2;
    fault.fail_status = VHD_E_IO;
    assert_int_equal(fault.io.create(&fault.io), VHD_OK);
    assert_int_equal(fault.io.close(&fault.io), VHD_E_IO);
    assert_int_equal(file.fd, -1);
    assert_int_equal(fault.io.remove(&fault.io), VHD_OK);
    assert_int_equal(test_dir_entry_count(*state), 0);
    free(path);
}

/* Opening an existing disk: a missing file is VHD_E_NOT_FOUND whose words do not claim a
 * missing folder (they did: the creation's wording), with ENOENT for the caller to word; a
 * folder is not "a component of the path is not a folder" but an invalid path, EISDIR. */
static void test_open_missing_file_and_folder(void **state)
{
    char *missing = test_path_join(*state, "missing.vhd");
    char *folder = test_path_join(*state, "folder.vhd");
    struct vhd_io_posix file;

    vhd_io_posix_init(&file, missing);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ), VHD_E_NOT_FOUND);
    assert_int_equal(file.io.os_error, ENOENT);
    assert_null(strstr(vhd_status_message(VHD_E_NOT_FOUND), "folder that should contain"));
    assert_non_null(strstr(vhd_status_message(VHD_E_NOT_FOUND), "the file"));

    assert_int_equal(mkdir(folder, 0755), 0);
    vhd_io_posix_init(&file, folder);
    assert_int_equal(file.io.open(&file.io, VHD_IO_OPEN_READ), VHD_E_INVALID_PATH);
    assert_int_equal(file.io.os_error, EISDIR);
    assert_int_equal(file.fd, -1);
    assert_int_equal(rmdir(folder), 0);
    free(folder);
    free(missing);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DIR_TEST(test_existing_file_untouched),
        DIR_TEST(test_dangling_symlink_untouched),
        DIR_TEST(test_symlink_to_file_untouched),
        DIR_TEST(test_existing_folder),
        DIR_TEST(test_missing_folder),
        DIR_TEST(test_path_through_file),
        DIR_TEST(test_open_missing_file_and_folder),
        DIR_TEST(test_name_too_long),
        DIR_TEST(test_remove_only_what_was_created),
        DIR_TEST(test_calls_out_of_order),
        DIR_TEST(test_created_file),
        cmocka_unit_test(test_errno_mapping),
        DIR_TEST(test_short_write_then_file_too_large),
    DIR_TEST(test_fault_close_releases_file),
    };
    return cmocka_run_group_tests_name("posix", tests, NULL, NULL);
}
