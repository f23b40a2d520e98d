/* Random GUIDs for the portable writers that update a VHDX's headers (FileWriteGuid,
 * DataWriteGuid, LogGuid): the random() callback of vhdx_writable_options and
 * disk_relink_options. */
#ifndef VSDISK_HOST_RANDOM_H
#define VSDISK_HOST_RANDOM_H

#include <stdint.h>

/* 16 bytes of a new random version-4 GUID (CoCreateGuid), in the byte layout VHDX stores;
 * ctx is unused. */
void host_random_guid(void *ctx, uint8_t out[16]);

#endif
