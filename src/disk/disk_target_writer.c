/* The state every target writer keeps between its calls (disk_target_writer.h). */
#include "disk_target_writer.h"

#include <stdlib.h>
#include <string.h>

void *disk_target_state_new(const disk_target_params *params, size_t size)
{
    const vhd_create_options *options = params->options;
    void *state = options->allocate ? options->allocate(size) : malloc(size);
    if (state != NULL)
        memset(state, 0, size);
    return state;
}

void disk_target_state_free(const disk_target_params *params, void *state)
{
    if (state == NULL)
        return;
    if (params->options->release)
        params->options->release(state);
    else
        free(state);
}
