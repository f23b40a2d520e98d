/* Disks for the tests of Convert, MergeTo, Merge and Compact: made by vsdisk's writers, then
 * given data sector by sector by an editor written independently of the operations (it
 * works on the whole file in memory, allocating blocks at the footer and setting only the
 * bits of the sectors it writes), and read back through the reader. */
#ifndef OPS_FIXTURE_H
#define OPS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FX_SECTOR 512u

void fx_create_dynamic(const char *path, uint64_t size);
void fx_create_fixed(const char *path, uint64_t size);
/* A differencing disk of the parent at parent_path (in the same folder). */
void fx_create_child(const char *path, const char *parent_path);

/* Writes count sectors at lba into the disk at path (fixed, dynamic or differencing). */
void fx_write(const char *path, uint64_t lba, uint32_t count, const uint8_t *data);

/* The content of the disk at path read through the reader and its parents (malloc'd). */
uint8_t *fx_read_chain(const char *path, uint64_t size);
/* Whether the reader opens the file (with its chain) as a valid disk. */
bool fx_opens(const char *path);

void fx_copy_file(const char *from, const char *to);
bool fx_same_file(const char *a, const char *b);
bool fx_exists(const char *path);
uint64_t fx_file_size(const char *path);

/* Seeded random bytes. */
void fx_random(uint64_t *state, uint8_t *out, size_t len);

#endif
