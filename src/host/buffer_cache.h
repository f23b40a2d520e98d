/* One writer buffer kept between creations: on Wine a fresh 1 MiB block is new memory every
 * time (about 0.5 ms to fault in), so back-to-back creations reuse the last one. */
#ifndef VSDISK_BUFFER_CACHE_H
#define VSDISK_BUFFER_CACHE_H

#include <stddef.h>

/* The cached block if size fits it, else a new allocation; NULL when out of memory. */
void *buffer_cache_take(size_t size);
/* Keeps block for the next creation, or frees it if a block is already kept. */
void buffer_cache_give(void *block);
/* Frees the kept block (when the DLL unloads). */
void buffer_cache_release(void);

#endif
