/* What the native commands take from the host: cancelling on an interrupt and random bytes
 * for a new disk's unique id and a VHDX's GUIDs. */
#ifndef CLI_INTERRUPT_H
#define CLI_INTERRUPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* From now on SIGINT, SIGTERM and SIGHUP only mark the job cancelled. */
void cli_catch_interrupts(void);

/* A vhd_create_options.cancelled callback: true once one of those signals came. */
bool cli_interrupted(void *ctx);

/* len random bytes (getrandom where there is one, else /dev/urandom); false if none. */
bool cli_random_bytes(uint8_t *buf, size_t len);

/* GUIDs for a VHDX's header updates (each writable open takes a few), from random bytes drawn
 * before anything is written, so a job never stops half-way for want of them. */
typedef struct cli_random_pool {
    uint8_t bytes[16][16];
    unsigned used;
} cli_random_pool;

/* Fills pool; false if no random bytes can be had. */
bool cli_random_pool_fill(cli_random_pool *pool);
/* A random(ctx, out) callback of the library's options, ctx the filled pool. */
void cli_random_pool_take(void *ctx, uint8_t out[16]);

#endif
