/* vhdcreate PATH SIZE_MB: the command of version 0.1, now "vsdisk create". */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_create("vhdcreate", argc, argv);
}
