/* vsdisk info's printers, one per format; cli_info.c prints what every format has. */
#ifndef CLI_INFO_H
#define CLI_INFO_H

#include "vhd_reader.h"
#include "vhdx_reader.h"

/* "field: value" lines of a VHD's footer, header and locators. */
void cli_info_print_vhd(const vhd_image_info *info);
/* "field: value" lines of a VHDX's identifier, headers, regions, metadata, log and parent
 * locator. */
void cli_info_print_vhdx(const vhdx_image_info *info);

#endif
