/* A disk for an Azure upload: what Azure documents for the VHDs it accepts (a fixed VHD, a
 * virtual size that is a whole number of MiB, from 20 MiB to 32 TiB; the file is the virtual
 * size plus the 512-byte footer, which a fixed VHD always is) turned into the target of a
 * Convert, checked before anything is written. */
#ifndef DISK_AZURE_H
#define DISK_AZURE_H

#include <stddef.h>
#include <stdint.h>
#include "disk_convert.h"

#define DISK_AZURE_MiB       (UINT64_C(1) << 20)
#define DISK_AZURE_MIN_SIZE  (UINT64_C(20) << 20)    /* 20 MiB */
#define DISK_AZURE_MAX_SIZE  (UINT64_C(32) << 40)    /* 32 TiB */

/* The source's size rounded up to a whole MiB. */
uint64_t disk_azure_size(uint64_t source_size);

/* The target for an Azure upload of a source of source_size bytes into a new disk of format
 * (the target path's) and type: *spec is a fixed VHD of disk_azure_size(source_size) bytes.
 * VHD_OP_OK, or the refusal with every rule broken named in the reason, in the order: VHD
 * format, fixed, at least 20 MiB, at most 32 TiB, at most what a VHD holds (2040 GiB); the
 * code is VHD_OP_TOO_LARGE when a size ceiling is the only kind of rule broken,
 * VHD_OP_WRONG_TYPE when the format or type is, else VHD_OP_UNSUPPORTED. */
vhd_op_code disk_azure_target(uint64_t source_size, disk_format format, vhd_target_type type,
                              disk_convert_target *spec, vhd_op_result *result);

/* One line saying the rounding: "rounded 21475270656 bytes up to 21475885056 (20481 MiB)",
 * or "21474836480 bytes (20480 MiB): already a whole number of MiB". */
void disk_azure_rounding_text(uint64_t source_size, char *out, size_t out_size);

#endif
