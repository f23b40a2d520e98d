/* vhdcreate: creates dynamic, fixed and differencing VHDs, as IVMVirtualServer's
 * CreateDynamicVirtualHardDisk, CreateFixedVirtualHardDisk and
 * CreateDifferencingVirtualHardDisk do. */
#include <stdio.h>
#include <string.h>

#include "create_disk.h"
#include "create_options.h"

static int print_and_exit(const char *text)
{
    fputs(text, stdout);
    if (fflush(stdout) != 0)
        return EXIT_CREATION_FAILED;
    return EXIT_CREATED;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return print_and_exit(create_help_text);
    if (argc == 2 && strcmp(argv[1], "--version") == 0)
        return print_and_exit("vhdcreate " VSDISK_VERSION "\n");

    struct create_options options;
    int status = create_options_parse(argc, argv, 1, &options);
    if (status != EXIT_CREATED)
        return status;
    return create_disk(&options);
}
