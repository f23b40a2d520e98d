/* What the VHDX reader's files share and nobody else needs. */
#ifndef VHDX_READER_INTERNAL_H
#define VHDX_READER_INTERNAL_H

#include "vhdx_reader.h"

#if defined(__GNUC__)
#define VHDX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VHDX_PRINTF(f, a)
#endif

/* A range of the file that blocks must keep out of. */
struct vhdx_range {
    uint64_t start, length;
    const char *what;
};

/* One descriptor of the replayed log: a zero range, or a 4 KiB sector rebuilt from the data
 * sector at log_position (an offset into the log) and the descriptor's leading and trailing
 * bytes. Later records win over earlier ones. */
struct vhdx_log_record {
    uint64_t file_offset;
    uint64_t length;
    uint64_t log_position;          /* UINT64_MAX for a zero descriptor */
    uint8_t leading[8];
    uint8_t trailing[4];
    uint32_t unused;
};

/* The read-only view of the file with the replayed log laid over it. */
struct vhdx_overlay {
    vhd_io io;                      /* first: read_at and get_size */
    vhd_io *file;
    uint64_t file_size;             /* the real file's */
    uint64_t size;                  /* as the replay makes it */
    uint64_t log_offset, log_length;
    struct vhdx_log_record *records;
    size_t record_count;
    uint8_t sector[VHDX_LOG_SECTOR_SIZE];
};

struct vhdx_image {
    vhdx_image_info info;
    vhd_io *file;                   /* the caller's */
    vhd_io *io;                     /* what every read goes through: file or &overlay->io */
    struct vhdx_overlay *overlay;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    uint64_t size;                  /* the file's size as read (after any replay) */
    /* Ranges no block may touch: header section, log, BAT and metadata regions. */
    struct vhdx_range fixed[4];
    unsigned fixed_count;
    uint32_t sectors_per_block;
    uint64_t total_sectors;
    /* One window of the BAT, read when needed. */
    uint8_t bat_window[VHDX_READER_BAT_WINDOW];
    uint64_t bat_window_first;      /* entry index of bat_window[0] */
    uint32_t bat_window_entries;    /* 0: nothing loaded */
    /* One window of a sector bitmap. */
    uint8_t bitmap[VHDX_READER_BITMAP_WINDOW];
    uint64_t bitmap_offset;         /* file offset of bitmap[0]; UINT64_MAX if none */
    /* The parent locator's item bytes and its text (UTF-8 keys and values). */
    char *locator_text;
    /* vhdx_image_open_listing's sink and its context (repair only). */
    vhdx_bad_block_sink bad_block;
    void *bad_block_ctx;
};

void *vhdx_image_alloc(const vhdx_image *image, size_t size);
void vhdx_image_free(const vhdx_image *image, void *block);

/* Sets error (code, reason) and returns the code. */
vhdx_reader_code vhdx_reader_fail(vhdx_reader_error *error, vhdx_reader_code code,
                                  const char *format, ...) VHDX_PRINTF(3, 4);
/* VHDX_READER_IO (or TRUNCATED for VHD_E_END_OF_FILE) for a failed call on io. */
vhdx_reader_code vhdx_reader_fail_io(vhdx_reader_error *error, vhd_io *io, vhd_status status,
                                     const char *what, uint64_t offset);
void vhdx_reader_clear(vhdx_reader_error *error);

/* UTF-16LE of units code units to NUL-terminated UTF-8 (out_size >= units * 3 + 1 suffices);
 * an unpaired surrogate becomes U+FFFD. stop_at_nul: end at the first NUL unit; otherwise a
 * NUL unit fails (false). */
bool vhdx_utf16le_to_utf8(const uint8_t *in, size_t units, bool stop_at_nul, char *out,
                          size_t out_size);

/* Reads len bytes at offset through the image's view, failing with the part's name. */
vhdx_reader_code vhdx_image_read(vhdx_image *image, uint64_t offset, void *buf, size_t len,
                                 const char *what, vhdx_reader_error *error);

/* The log: when the current header has a LogGuid, finds the active sequence and sets up the
 * overlay (image->overlay, image->io, image->size, info.log). */
vhdx_reader_code vhdx_log_replay(vhdx_image *image, vhdx_reader_error *error);
void vhdx_log_free(vhdx_image *image);

/* The metadata region: table, system items, parent locator (info and locator_text). */
vhdx_reader_code vhdx_metadata_load(vhdx_image *image, vhdx_reader_error *error);

/* The BAT entry at index, checked for its slot (state, reserved bits, offset in the file and
 * off the fixed ranges). */
vhdx_reader_code vhdx_bat_get(vhdx_image *image, uint64_t index, uint64_t *entry,
                              vhdx_reader_error *error);
/* Every entry once at open, with the overlaps between blocks (info.payload_states). */
vhdx_reader_code vhdx_bat_scan(vhdx_image *image, const struct vhdx_range *ranges,
                               unsigned range_count, vhdx_reader_error *error);

/* True if [a, a + alen) and [b, b + blen) overlap. */
static inline bool vhdx_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

#endif
