/* What the native commands take from the host: cancelling on an interrupt and random bytes
 * for a new disk's unique id. */
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

#endif
