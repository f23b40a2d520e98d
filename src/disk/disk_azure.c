#include "disk_azure.h"

#include <stdio.h>
#include <string.h>
#include "vhd_op_common.h"

uint64_t disk_azure_size(uint64_t source_size)
{
    /* Sizes are at most 64 TiB (VHDX): no overflow. */
    return (source_size + DISK_AZURE_MiB - 1) / DISK_AZURE_MiB * DISK_AZURE_MiB;
}

/* Appends one broken rule to the reason. */
static void add_rule(char *reason, size_t size, unsigned *broken, const char *text)
{
    size_t used = strlen(reason);
    snprintf(reason + used, size - used, "%s%s", *broken ? "; " : "", text);
    (*broken)++;
}

vhd_op_code disk_azure_target(uint64_t source_size, disk_format format, vhd_target_type type,
                              disk_convert_target *spec, vhd_op_result *result)
{
    uint64_t size = disk_azure_size(source_size);
    char reason[sizeof result->reason], rule[192];
    unsigned broken = 0;
    bool kind = false, small = false;

    reason[0] = '\0';
    spec->format = DISK_FORMAT_VHD;
    spec->type = VHD_TARGET_FIXED;
    spec->size = size;
    vhd_op_succeed(result);
    if (format != DISK_FORMAT_VHD) {
        snprintf(rule, sizeof rule, "Azure takes VHD files only, not %s (give a path ending "
                 "in .vhd)", disk_format_name(format));
        add_rule(reason, sizeof reason, &broken, rule);
        kind = true;
    }
    if (type != VHD_TARGET_FIXED) {
        add_rule(reason, sizeof reason, &broken, "Azure takes fixed-size VHDs only, not dynamic");
        kind = true;
    }
    if (size < DISK_AZURE_MIN_SIZE) {
        snprintf(rule, sizeof rule, "Azure takes disks of at least 20 MiB (%llu bytes), not "
                 "%llu bytes", (unsigned long long)DISK_AZURE_MIN_SIZE,
                 (unsigned long long)size);
        add_rule(reason, sizeof reason, &broken, rule);
        small = true;
    }
    if (size > DISK_AZURE_MAX_SIZE) {
        snprintf(rule, sizeof rule, "Azure takes disks of at most 32 TiB (%llu bytes), not "
                 "%llu bytes", (unsigned long long)DISK_AZURE_MAX_SIZE,
                 (unsigned long long)size);
        add_rule(reason, sizeof reason, &broken, rule);
    }
    if (size > VHD_MAX_SIZE) {
        snprintf(rule, sizeof rule, "a VHD holds at most 2040 GiB (%llu bytes), not %llu "
                 "bytes", (unsigned long long)VHD_MAX_SIZE, (unsigned long long)size);
        add_rule(reason, sizeof reason, &broken, rule);
    }
    if (broken == 0)
        return VHD_OP_OK;
    return vhd_op_fail(result, kind ? VHD_OP_WRONG_TYPE : small ? VHD_OP_UNSUPPORTED
                                                                : VHD_OP_TOO_LARGE,
                       "%s", reason);
}

void disk_azure_rounding_text(uint64_t source_size, char *out, size_t out_size)
{
    uint64_t size = disk_azure_size(source_size);
    if (size == source_size)
        snprintf(out, out_size, "%llu bytes (%llu MiB): already a whole number of MiB",
                 (unsigned long long)size, (unsigned long long)(size / DISK_AZURE_MiB));
    else
        snprintf(out, out_size, "rounded %llu bytes up to %llu (%llu MiB)",
                 (unsigned long long)source_size, (unsigned long long)size,
                 (unsigned long long)(size / DISK_AZURE_MiB));
}
