#include <windows.h>
#include <objbase.h>
#include <string.h>

#include "host_random.h"

void host_random_guid(void *ctx, uint8_t out[16])
{
    GUID guid;

    (void)ctx;
    if (FAILED(CoCreateGuid(&guid)))
        memset(&guid, 0, sizeof(guid));
    memcpy(out, &guid, sizeof(guid));
}
