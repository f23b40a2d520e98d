/* "vsdisk create" (and vhdcreate): creates a dynamic, fixed or differencing VHD, as
 * IVMVirtualServer's CreateDynamicVirtualHardDisk, CreateFixedVirtualHardDisk and
 * CreateDifferencingVirtualHardDisk do. Options: create_options.c; the creation:
 * create_disk.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "create_disk.h"
#include "create_options.h"

int cli_create(const char *name, int argc, char **argv)
{
    return cli_create_as(name, argc, argv, true);
}

int cli_create_as(const char *name, int argc, char **argv, bool say_what)
{
    struct create_options options;
    int status;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        create_print_help(name);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0)
        return cli_print_version(name);
    status = create_options_parse(name, argc, argv, 1, &options);
    if (status != CLI_EXIT_OK)
        return status;
    return create_disk(name, &options, say_what);
}
