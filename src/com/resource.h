/* Resource IDs shared by vsdisk.rc and the code. */
#ifndef VSDISK_RESOURCE_H
#define VSDISK_RESOURCE_H

#define VSDISK_REGISTRY_RESOURCE 100

#endif
