/* A disk's minimum size (disk_minimum.h): MBR and GPT read as the UEFI specification lays
 * them out (MBR: four 16-byte entries at 446, signature 55 AA at 510; GPT: header at LBA 1,
 * "EFI PART", entry array LBA at 72, entry count at 80, entry size at 84; an entry's type GUID
 * at 0, all zeros when unused, and its last LBA, inclusive, at 40). */
#include "disk_minimum.h"

#include <string.h>
#include "disk_error.h"

#define SECTOR DISK_SECTOR_SIZE
#define GPT_ENTRIES_MAX 16384u
#define GPT_ENTRY_SIZE_MAX 4096u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool zeros(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static vhd_reader_code gpt_end(disk_image *image, uint64_t sectors, uint64_t *end,
                               vhd_reader_error *error)
{
    uint8_t header[SECTOR], entries[SECTOR];
    if (sectors < 2)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the protective MBR says GPT "
                               "but the disk has no sector 1 for a GPT header, so the minimum "
                               "size is not known");
    vhd_reader_code code = disk_image_read_sectors(image, 1, 1, header, error);
    if (code != VHD_READER_OK)
        return code;
    if (memcmp(header, "EFI PART", 8) != 0)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the protective MBR says GPT "
                               "but sector 1 holds no GPT header, so the minimum size is not "
                               "known");
    uint64_t first = le64(header + 72);
    uint32_t count = le32(header + 80), size = le32(header + 84);
    if (size < 128 || size > GPT_ENTRY_SIZE_MAX || size % 128 != 0 || count > GPT_ENTRIES_MAX
        || first < 2 || first >= sectors
        || ((uint64_t)count * size + SECTOR - 1) / SECTOR > sectors - first)
        return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "the GPT header's entry array "
                               "(%u entries of %u bytes at sector %llu) does not fit the disk",
                               (unsigned)count, (unsigned)size, (unsigned long long)first);
    uint64_t array_bytes = (uint64_t)count * size;
    /* The primary array's end, or a hybrid MBR's partition past it. */
    uint64_t array_end = first + (array_bytes + SECTOR - 1) / SECTOR;
    if (array_end > *end)
        *end = array_end;
    /* Entries are 128-byte multiples, so each sector holds whole entries or a part of one. */
    for (uint64_t at = 0; at < array_bytes; at += SECTOR) {
        if ((code = disk_image_read_sectors(image, first + at / SECTOR, 1, entries, error))
            != VHD_READER_OK)
            return code;
        for (uint64_t e = at; e < at + SECTOR && e < array_bytes; e += 128) {
            if (e % size != 0)                             /* inside a larger entry */
                continue;
            const uint8_t *entry = entries + (e - at);
            if (zeros(entry, 16))
                continue;
            uint64_t last = le64(entry + 40);
            if (last >= sectors)
                return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "GPT entry %llu ends "
                                       "at sector %llu, past the disk's %llu sectors",
                                       (unsigned long long)(e / size), (unsigned long long)last,
                                       (unsigned long long)sectors);
            if (last + 1 > *end)
                *end = last + 1;
        }
    }
    return VHD_READER_OK;
}

/* The end of the last allocated data: the end of the last run the image holds. */
static vhd_reader_code data_end(disk_image *image, uint64_t sectors, uint64_t *end,
                                vhd_reader_error *error)
{
    *end = 0;
    for (uint64_t lba = 0; lba < sectors;) {
        disk_extent extent;
        uint64_t left = sectors - lba;
        vhd_reader_code code = disk_image_map(image, lba, left < UINT32_MAX ? (uint32_t)left
                                                                           : UINT32_MAX,
                                              &extent, error);
        if (code != VHD_READER_OK)
            return code;
        if (extent.sectors == 0)
            return vhd_reader_fail(error, VHD_READER_BAD_FIELD, "an empty run at sector %llu",
                                   (unsigned long long)lba);
        lba += extent.sectors;
        if (extent.state == DISK_EXTENT_DATA)
            *end = lba;
    }
    return VHD_READER_OK;
}

vhd_reader_code disk_minimum_size(disk_image *image, uint64_t *minimum, disk_layout *layout,
                                  vhd_reader_error *error)
{
    uint64_t sectors = disk_image_info(image)->size / SECTOR, end = 0;
    uint8_t mbr[SECTOR];
    vhd_reader_code code = disk_image_read_sectors(image, 0, 1, mbr, error);
    if (code != VHD_READER_OK)
        return code;
    *layout = DISK_LAYOUT_NONE;
    if (mbr[510] == 0x55 && mbr[511] == 0xAA) {
        bool gpt = false;
        for (unsigned i = 0; i < 4; i++) {
            const uint8_t *p = mbr + 446 + 16 * i;
            if (p[4] == 0)
                continue;
            *layout = DISK_LAYOUT_MBR;
            gpt |= p[4] == 0xEE;
            uint64_t last = (uint64_t)le32(p + 8) + le32(p + 12);
            if (p[4] != 0xEE && last > end)
                end = last;
        }
        if (end > sectors)
            return vhd_reader_fail(error, VHD_READER_NOT_POSSIBLE, "an MBR partition ends at "
                                   "sector %llu, past the disk's %llu sectors",
                                   (unsigned long long)end, (unsigned long long)sectors);
        if (gpt) {
            *layout = DISK_LAYOUT_GPT;
            if ((code = gpt_end(image, sectors, &end, error)) != VHD_READER_OK)
                return code;
        }
    }
    if (*layout == DISK_LAYOUT_NONE && (code = data_end(image, sectors, &end, error))
                                           != VHD_READER_OK)
        return code;
    *minimum = end * SECTOR;
    return VHD_READER_OK;
}
