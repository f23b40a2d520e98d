#include "cli_size.h"

#include <stdio.h>

/* The unit at text (after the digits): its size in KiB, or 0 if it is not one. */
static uint64_t unit_kib(const char *text)
{
    static const struct { char letter; uint64_t kib; } units[] = {
        { 'k', 1 }, { 'm', 1024 }, { 'g', 1024 * 1024 }, { 't', 1024u * 1024 * 1024 },
    };
    char letter = *text;
    if (letter >= 'A' && letter <= 'Z')
        letter = (char)(letter - 'A' + 'a');
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (letter != units[i].letter)
            continue;
        const char *rest = text + 1;
        /* Nothing, "B" or "iB" (any case) may follow. */
        if (*rest == 'i' || *rest == 'I')
            rest++;
        if (*rest == 'b' || *rest == 'B')
            rest++;
        else if (rest != text + 1)
            return 0;           /* "Gi" alone */
        return *rest == '\0' ? units[i].kib : 0;
    }
    return 0;
}

bool cli_parse_size_mb(const char *text, uint32_t *size_mb, char *why, size_t why_size)
{
    return cli_parse_size_mb_up_to(text, CLI_SIZE_MAX_MB, "2040 GB", size_mb, why, why_size);
}

bool cli_parse_bytes(const char *text, uint64_t max, uint64_t *bytes)
{
    uint64_t value = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > max)
            return false;
    }
    uint64_t kib_per_unit = *p == '\0' ? 0 : unit_kib(p);
    if (p == text || (*p != '\0' && kib_per_unit == 0))
        return false;
    if (kib_per_unit != 0) {
        if (value > max / (kib_per_unit * 1024))
            return false;
        value *= kib_per_unit * 1024;
    }
    *bytes = value;
    return true;
}

bool cli_parse_size_mb_up_to(const char *text, uint32_t max_mb, const char *max_name,
                             uint32_t *size_mb, char *why, size_t why_size)
{
    /* The number stops growing past the ceiling in KiB (too large whatever the unit), so
     * neither it nor value * unit (< 2^36 * 2^30) can overflow 64 bits. */
    const uint64_t limit_kib = (uint64_t)max_mb * 1024;
    uint64_t value = 0;
    const char *p = text;

    for (; *p >= '0' && *p <= '9'; p++) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > limit_kib)
            value = limit_kib + 1;
    }
    uint64_t kib_per_unit = *p == '\0' ? 1024 : unit_kib(p);
    if (p == text || kib_per_unit == 0) {
        snprintf(why, why_size, "the size must be a whole number of MB or a number with a unit "
                 "(K, M, G or T, as in 512M, 16G, 1T), not '%s'", text);
        return false;
    }
    uint64_t kib = value * kib_per_unit;
    if (kib <= limit_kib && kib % 1024 != 0) {
        snprintf(why, why_size, "'%s' is not a whole number of MB (a disk's size is whole MB)",
                 text);
        return false;
    }
    if (kib < (uint64_t)CLI_SIZE_MIN_MB * 1024 || kib > limit_kib) {
        snprintf(why, why_size, "the size must be from %u MB to %s (%u MB), not '%s'",
                 CLI_SIZE_MIN_MB, max_name, max_mb, text);
        return false;
    }
    *size_mb = (uint32_t)(kib / 1024);
    return true;
}

static const char *const unit_names[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
#define UNITS (sizeof unit_names / sizeof unit_names[0])

/* The largest unit that keeps bytes at 1 or more, and its scale. */
static unsigned largest_unit(uint64_t bytes, uint64_t *scale)
{
    unsigned unit = 0;
    *scale = 1;
    while (unit + 1 < UNITS && bytes / *scale >= 1024) {
        *scale *= 1024;
        unit++;
    }
    return unit;
}

static void one_decimal(uint64_t bytes, unsigned unit, uint64_t scale, char *out, size_t size)
{
    /* (bytes % scale) < 2^40, so * 10 cannot overflow. */
    snprintf(out, size, "%llu.%llu %s", (unsigned long long)(bytes / scale),
             (unsigned long long)((bytes % scale) * 10 / scale), unit_names[unit]);
}

void cli_format_size(uint64_t bytes, char *out, size_t out_size)
{
    uint64_t scale;
    unsigned unit = largest_unit(bytes, &scale);
    if (bytes % scale == 0)
        snprintf(out, out_size, "%llu %s", (unsigned long long)(bytes / scale), unit_names[unit]);
    else if (unit > 0 && bytes % (scale / 1024) == 0 && bytes / (scale / 1024) < 10240)
        snprintf(out, out_size, "%llu %s", (unsigned long long)(bytes / (scale / 1024)),
                 unit_names[unit - 1]);
    else
        one_decimal(bytes, unit, scale, out, out_size);
}

void cli_format_size_rounded(uint64_t bytes, char *out, size_t out_size)
{
    uint64_t scale;
    unsigned unit = largest_unit(bytes, &scale);
    if (unit == 0)
        snprintf(out, out_size, "%llu bytes", (unsigned long long)bytes);
    else
        one_decimal(bytes, unit, scale, out, out_size);
}
