/* vsdisk SUBCOMMAND ...: the dispatch to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct subcommand {
    const char *name;
    int (*run)(const char *name, int argc, char **argv);
    const char *summary;
} subcommands[] = {
    { "create", cli_create, "create PATH SIZE      create a dynamically expanding VHD (SIZE: 512M, 16G...)\n"
                            "  vsdisk create --fixed PATH SIZE       a fixed-size one (Azure: whole MB)\n"
                            "  vsdisk create --parent PARENT PATH    a differencing one" },
    { "info", cli_info,     "info FILE             describe any VHD (fixed, dynamic, differencing)" },
    { "convert", cli_convert, "convert SRC DST TYPE  copy a disk (and its parents) into a new dynamic or fixed one" },
    { "merge", cli_merge,   "merge CHILD [DST TYPE] merge a differencing disk into its parent (or into a new disk)" },
    { "compact", cli_compact, "compact DISK          give back the zero blocks of a dynamic disk, in place" },
    { "repair", cli_repair, "repair DISK           fix what can be fixed without losing data, in place" },
    { "relink", cli_relink, "relink CHILD PARENT   point a differencing disk at its moved parent, in place" },
    { "resize", cli_resize, "resize DISK SIZE      grow a fixed or dynamic VHD or VHDX in place (never a parent)" },
    { "check", cli_check,   "check DISK            name every problem of a disk and its chain (read only)" },
};

static int help(FILE *out)
{
    fputs("Usage: vsdisk COMMAND [ARGS]\n"
          "Creates and inspects VHD (Virtual Hard Disk) files, as Virtual Server 2005's API does.\n"
          "\n", out);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  vsdisk %s\n", subcommands[i].summary);
    fputs("  vsdisk help [COMMAND]        this list, or what COMMAND does ('vsdisk COMMAND --help')\n"
          "\n-p shows the progress of the long commands. Sizes are MB, or have a unit: 512M,\n"
          "16G, 1T (at most 2040G). Types: dynamic, fixed (any case).\n"
          "Exit status: 0 success; 1 the operation failed; 2 bad arguments.\n"
          "\n"
          "  -h, --help     show this help\n"
          "      --version  show the version\n", out);
    return fflush(out) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

static const struct subcommand *find(const char *name)
{
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(name, subcommands[i].name) == 0)
            return &subcommands[i];
    return NULL;
}

static int run(const struct subcommand *command, int argc, char **argv)
{
    char name[32];
    snprintf(name, sizeof name, "vsdisk %s", command->name);
    return command->run(name, argc, argv);
}

/* "vsdisk help": the list; "vsdisk help COMMAND": COMMAND's own --help. */
static int help_command(int argc, char **argv)
{
    if (argc == 1)
        return help(stdout);
    const struct subcommand *command = find(argv[1]);
    if (argc > 2 || command == NULL) {
        fprintf(stderr, "vsdisk help: %s '%s'; try 'vsdisk help'\n",
                argc > 2 ? "one command at a time, not" : "unknown command",
                argc > 2 ? argv[2] : argv[1]);
        return CLI_EXIT_USAGE;
    }
    char help_option[] = "--help";
    char *help_argv[] = { argv[1], help_option, NULL };
    return run(command, 2, help_argv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("vsdisk: expected a command; try 'vsdisk help'\n", stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return help(stdout);
    if (strcmp(argv[1], "--version") == 0)
        return cli_print_version("vsdisk");
    if (strcmp(argv[1], "help") == 0)
        return help_command(argc - 1, argv + 1);
    const struct subcommand *command = find(argv[1]);
    if (command != NULL)
        return run(command, argc - 1, argv + 1);
    fprintf(stderr, "vsdisk: unknown command '%s'; try 'vsdisk help'\n", argv[1]);
    return CLI_EXIT_USAGE;
}
