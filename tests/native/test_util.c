#define _POSIX_C_SOURCE 200809L

#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

char *test_make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    char *dir = test_path_join(base, "vhd-test-XXXXXX");
    if (mkdtemp(dir) == NULL)
        fail_msg("mkdtemp in %s: %s", base, strerror(errno));
    return dir;
}

void test_remove_temp_dir(char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char *path = test_path_join(dir, entry->d_name);
        assert_int_equal(unlink(path), 0);
        free(path);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

char *test_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    assert_non_null(path);
    snprintf(path, len, "%s/%s", dir, name);
    return path;
}

int test_dir_entry_count(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            count++;
    }
    closedir(d);
    return count;
}

uint8_t *test_read_file(const char *path, size_t *len)
{
    uint8_t *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto done;
    size_t size = (size_t)st.st_size;
    data = malloc(size > 0 ? size : 1);
    if (data == NULL)
        goto done;
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n <= 0) {
            free(data);
            data = NULL;
            goto done;
        }
        got += (size_t)n;
    }
    *len = size;
done:
    close(fd);
    return data;
}

void test_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    assert_int_not_equal(fd, -1);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

uint16_t test_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] * 256u + p[1]);
}

uint32_t test_be32(const uint8_t *p)
{
    return (uint32_t)test_be16(p) * 65536u + test_be16(p + 2);
}

uint64_t test_be64(const uint8_t *p)
{
    return (uint64_t)test_be32(p) * 4294967296u + test_be32(p + 4);
}

uint32_t test_spec_checksum(const uint8_t *buf, size_t len, size_t checksum_field)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += buf[i];
    for (size_t i = checksum_field; i < checksum_field + 4; i++)
        sum -= buf[i];
    return ~sum;
}

uint64_t test_random_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t test_random_seed(void)
{
    uint64_t seed;
    const char *text = getenv("VHD_TEST_SEED");
    if (text != NULL && *text != '\0') {
        seed = strtoull(text, NULL, 0);
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        seed = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    }
    print_message("# random seed %" PRIu64 " (replay with VHD_TEST_SEED=%" PRIu64 ")\n", seed, seed);
    return seed;
}

uint32_t test_vsdisk_creator_version(void)
{
    unsigned major = 0, minor = 0;
    assert_int_equal(sscanf(VSDISK_VERSION, "%u.%u.", &major, &minor), 2);
    uint32_t version = (uint32_t)major << 16 | (uint32_t)minor;
    assert_true(version < 0x00060000u);
    return version;
}
