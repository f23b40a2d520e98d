#include <stdio.h>

#include "cli.h"

int cli_print_version(const char *name)
{
    printf("%s " VSDISK_VERSION "\n", name);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}
