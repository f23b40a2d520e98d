/* What the reader's files share and nobody else needs. */
#ifndef VHD_READER_INTERNAL_H
#define VHD_READER_INTERNAL_H

#include "vhd_reader.h"

#include "disk_error.h"

struct vhd_image {
    vhd_image_info info;
    vhd_io *io;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    uint64_t data_end;              /* offset of the footer in use: blocks end at or before it */
    /* Metadata regions blocks and locators must keep out of: [start, end). */
    struct vhd_region { uint64_t start, end; const char *what; } regions[3 + VHD_PARENT_LOCATOR_COUNT];
    unsigned region_count;
    /* One window of the BAT, read when needed and checked entry by entry when used. */
    uint8_t *bat_window;
    uint64_t bat_window_first;      /* entry index of bat_window[0] */
    uint32_t bat_window_entries;    /* 0: nothing loaded */
    /* One bitmap sector. */
    uint8_t bitmap[VHD_SECTOR_SIZE];
    uint64_t bitmap_offset;         /* file offset of the sector in bitmap; UINT64_MAX if none */
    char *strings[1 + VHD_PARENT_LOCATOR_COUNT];   /* parent name and locator paths */
};

/* UTF-16 (little- or big-endian) of units code units to NUL-terminated UTF-8 in out
 * (out_size >= units * 3 + 1 always suffices). Stops at the first NUL unit. strict: an
 * unpaired surrogate fails (false); otherwise it becomes U+FFFD. */
bool vhd_utf16_to_utf8(const uint8_t *in, size_t units, bool big_endian, bool strict,
                       char *out, size_t out_size);

/* UTF-8 text to UTF-16 without a terminator; false if it is not valid UTF-8 or does not fit. */
bool vhd_utf8_to_utf16(const char *text, bool big_endian, uint8_t *out, size_t out_size,
                       size_t *bytes);

/* Checks and decodes the parent locators of a differencing image (info.locators, strings);
 * regions already holds the footer copy, header and BAT. */
vhd_reader_code vhd_locators_load(vhd_image *image, vhd_reader_error *error);

/* The BAT entry of block (checked: its block lies inside the data and off the metadata);
 * VHD_BAT_ENTRY_UNUSED if unallocated. */
vhd_reader_code vhd_image_bat_entry(vhd_image *image, uint32_t block, uint32_t *entry,
                                    vhd_reader_error *error);

/* True if [a, a + alen) and [b, b + blen) overlap. */
static inline bool vhd_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

#endif
