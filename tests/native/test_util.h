/* Helpers shared by the native tests: temporary folders, whole-file reads, and big-endian
 * readers and a checksum written independently of the library under test. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A new empty folder under $TMPDIR (or /tmp); fails the test if it cannot be made. */
char *test_make_temp_dir(void);
/* Removes the regular files and links in dir (one level), then dir. */
void test_remove_temp_dir(char *dir);
char *test_path_join(const char *dir, const char *name);
/* Number of entries in dir other than "." and "..". */
int test_dir_entry_count(const char *dir);

/* The whole file, malloc'd; NULL (and errno set) if it cannot be read. */
uint8_t *test_read_file(const char *path, size_t *len);
void test_write_file(const char *path, const void *data, size_t len);

uint16_t test_be16(const uint8_t *p);
uint32_t test_be32(const uint8_t *p);
/* The creator version vsdisk's footers must carry, from the project's version string
 * (VSDISK_VERSION, "MAJOR.MINOR.PATCH"): MAJOR << 16 | MINOR. Fails the test if that is not
 * below Windows' 6.0, by which vsdisk's "win " disks are told from Windows' own. */
uint32_t test_vsdisk_creator_version(void);
uint64_t test_be64(const uint8_t *p);

/* The specification's checksum: the one's complement of the sum of every byte of the
 * structure except the 4 bytes of the checksum field. */
uint32_t test_spec_checksum(const uint8_t *buf, size_t len, size_t checksum_field);

/* A small deterministic generator (splitmix64), so random runs can be replayed by seed. */
uint64_t test_random_next(uint64_t *state);
/* The seed from $VHD_TEST_SEED, else one from the clock; printed as a TAP comment. */
uint64_t test_random_seed(void);

#endif
