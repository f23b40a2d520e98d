/* vsdisk SUBCOMMAND ...: the dispatch to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct subcommand {
    const char *name;
    int (*run)(const char *name, int argc, char **argv);
    const char *summary;
} subcommands[] = {
    { "create", cli_create, "create PATH SIZE_MB   create a dynamically expanding VHD\n"
                            "  vsdisk create --fixed PATH SIZE_MB    a fixed-size one (Azure: whole MB)\n"
                            "  vsdisk create --parent PARENT PATH    a differencing one" },
    { "info", cli_info,     "info FILE             describe any VHD (fixed, dynamic, differencing)" },
    { "convert", cli_convert, "convert SRC DST TYPE  copy a disk (and its parents) into a new dynamic or fixed one" },
    { "merge", cli_merge,   "merge CHILD [DST TYPE] merge a differencing disk into its parent (or into a new disk)" },
    { "compact", cli_compact, "compact DISK          give back the zero blocks of a dynamic disk, in place" },
    { "repair", cli_repair, "repair DISK           fix what can be fixed without losing data, in place" },
};

static int help(FILE *out)
{
    fputs("Usage: vsdisk COMMAND [ARGS]\n"
          "Creates and inspects VHD (Virtual Hard Disk) files, as Virtual Server 2005's API does.\n"
          "\n", out);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  vsdisk %s\n", subcommands[i].summary);
    fputs("\n'vsdisk COMMAND --help' describes each command.\n"
          "Exit status: 0 success; 1 the operation failed; 2 bad arguments.\n", out);
    return fflush(out) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("vsdisk: expected a command; try 'vsdisk --help'\n", stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return help(stdout);
    if (strcmp(argv[1], "--version") == 0)
        return cli_print_version("vsdisk");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0) {
            char name[32];
            snprintf(name, sizeof name, "vsdisk %s", subcommands[i].name);
            return subcommands[i].run(name, argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "vsdisk: unknown command '%s'; try 'vsdisk --help'\n", argv[1]);
    return CLI_EXIT_USAGE;
}
