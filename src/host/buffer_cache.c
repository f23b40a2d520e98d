#include <windows.h>

#include "allocation.h"
#include "buffer_cache.h"
#include "vhd_create.h"

/* Every block handed out is VHD_CREATE_BUFFER_MAX bytes, so any kept one fits any creation. */
static void *kept;

void *buffer_cache_take(size_t size)
{
    void *block;

    if (size > VHD_CREATE_BUFFER_MAX)
        return NULL;
    block = InterlockedExchangePointer(&kept, NULL);
    return block ? block : vs_malloc(VHD_CREATE_BUFFER_MAX);
}

void buffer_cache_give(void *block)
{
    if (block && InterlockedCompareExchangePointer(&kept, block, NULL) != NULL)
        vs_free(block);
}

void buffer_cache_release(void)
{
    vs_free(InterlockedExchangePointer(&kept, NULL));
}
