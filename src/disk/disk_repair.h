/* Repair of a disk of any format, in place: one entry point that opens the disk by content and
 * picks the format's own repair (vhd_repair for VHD, vhdx_repair for VHDX). Each fixes what can
 * be fixed without losing any data, crash-safely (the disk readable at every instant, running
 * it again finishes an interrupted repair), and says each change in a sentence. What cannot be
 * fixed without losing data is left alone and said (refused[]) unless the caller accepts the
 * loss (accept_loss), and then the guest byte ranges lost are listed. A dry run opens the disk
 * read-only and writes nothing: it lists what would change. A disk with nothing to repair is
 * not written at all. */
#ifndef DISK_REPAIR_H
#define DISK_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "disk_image.h"
#include "disk_relink.h"
#include "vhd_io.h"
#include "vhd_reader.h"

#define DISK_REPAIR_LINES_MAX 32u      /* sentences kept; the counts go on past it */
#define DISK_REPAIR_LINE_SIZE 256u
#define DISK_REPAIR_LOSSES_MAX 32u     /* guest ranges kept; bytes_lost counts them all */

typedef struct disk_repair_range {
    uint64_t offset, length;           /* guest bytes */
} disk_repair_range;

typedef struct disk_repair_report {
    disk_format format;
    disk_kind kind;
    unsigned changes;                  /* made (or, dry run, that would be made) */
    char change[DISK_REPAIR_LINES_MAX][DISK_REPAIR_LINE_SIZE];
    unsigned refused;                  /* problems left because fixing them loses data */
    char refusal[DISK_REPAIR_LINES_MAX][DISK_REPAIR_LINE_SIZE];
    unsigned losses;                   /* with accept_loss: guest ranges whose data is gone */
    disk_repair_range loss[DISK_REPAIR_LOSSES_MAX];
    uint64_t bytes_lost;
} disk_repair_report;

typedef struct disk_repair_options {
    bool dry_run;                      /* io opened VHD_IO_OPEN_READ; nothing written */
    bool accept_loss;                  /* fix what loses data too, and list the loss */
    /* The disk's own name and a parent opener, to refresh a differencing disk's stale parent
     * paths (NULL: parent paths are left as they are). */
    const char *name;
    const vhd_parent_opener *opener;
    /* 16 random bytes per new GUID a VHDX's header updates need; unused for a VHD. */
    void (*random)(void *ctx, uint8_t out[16]);
    void *ctx;
    /* Allocator; NULL means malloc and free. */
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    /* With name and opener: the paths to record for the parent found at parent_name (as the
     * opener named it), as the host's creator of a child of the disk's format writes them
     * (disk_relink.h; the buffers the host's, valid until the repair returns); false if it
     * cannot tell. NULL: stale parent paths are left as they are. */
    bool (*parent_paths)(void *paths_ctx, const char *name, const char *parent_name,
                         disk_relink_paths *paths);
    void *paths_ctx;
} disk_repair_options;

/* Adds one sentence to a report list (printf-style); the count goes on past the list's end. */
void disk_repair_say_change(disk_repair_report *report, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void disk_repair_say_refusal(disk_repair_report *report, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Records a lost guest range (with accept_loss). */
void disk_repair_say_loss(disk_repair_report *report, uint64_t offset, uint64_t length);

/* Repairs the disk in io (open VHD_IO_OPEN_READ_WRITE, or VHD_IO_OPEN_READ for a dry run).
 * VHD_READER_OK when the repair finished (report says what changed, what was refused);
 * VHD_READER_NOT_POSSIBLE (nothing written) when the disk is past what this version repairs
 * (the reason says what); the format's failures otherwise (the disk valid, as before or
 * partly repaired, every change made until then said in report). */
vhd_reader_code disk_repair(vhd_io *io, const disk_repair_options *options,
                            disk_repair_report *report, vhd_reader_error *error);

#endif
