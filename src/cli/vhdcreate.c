/* vhdcreate PATH SIZE_MB: the command of version 0.1, now "vsdisk create". */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_create_as("vhdcreate", argc, argv, false);   /* silent on success, as in 0.1 */
}
