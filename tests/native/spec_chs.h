/* The specification's CHS algorithm transcribed line by line from its appendix
 * ("CHS Calculation"), kept apart from the library as a test oracle. */
#ifndef SPEC_CHS_H
#define SPEC_CHS_H

#include <stdint.h>

typedef struct spec_chs {
    uint64_t cylinders, heads, sectors_per_track;
} spec_chs;

spec_chs spec_chs_from_total_sectors(uint64_t totalSectors);

#endif
