/* Sizes on the command line: a whole number of MB, or a number with a binary unit. */
#ifndef CLI_SIZE_H
#define CLI_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_SIZE_MIN_MB 3u
#define CLI_SIZE_MAX_MB 2088960u   /* 2040 GiB, the VHD ceiling Windows uses */

/* Parses text as a size from CLI_SIZE_MIN_MB to CLI_SIZE_MAX_MB MB: digits alone are MB;
 * digits followed by K, M, G or T (any case, optionally followed by "iB" or "B": 16G, 16gib,
 * 16GB) are KiB, MiB, GiB or TiB. The result must be a whole number of MB. False with one
 * sentence in why (no trailing period) otherwise. */
bool cli_parse_size_mb(const char *text, uint32_t *size_mb, char *why, size_t why_size);

#define CLI_SIZE_MAX_MB_VHDX 67108864u   /* 64 TiB, the VHDX ceiling */
/* The same with another ceiling, max_mb, named max_name in the refusal ("64 TB"). */
bool cli_parse_size_mb_up_to(const char *text, uint32_t max_mb, const char *max_name,
                             uint32_t *size_mb, char *why, size_t why_size);

/* Parses text as a byte count: digits alone are bytes; digits with K, M, G or T (as above)
 * are KiB, MiB, GiB or TiB. False if it is not one or exceeds max. */
bool cli_parse_bytes(const char *text, uint64_t max, uint64_t *bytes);

/* Bytes in binary units, exact where that reads well: "16 GiB", "1.5 GiB" (1536 MiB),
 * "2040 GiB", "3 MiB"; else one decimal, rounded down. */
void cli_format_size(uint64_t bytes, char *out, size_t out_size);

/* Bytes in the largest binary unit that keeps at least 1, always with one decimal (rounded
 * down): "1.0 GiB", "655.3 KiB"; below 1 KiB "N bytes". For progress lines. */
void cli_format_size_rounded(uint64_t bytes, char *out, size_t out_size);

#endif
