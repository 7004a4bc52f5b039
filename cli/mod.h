/* The scl-mod helper: `scl mod ...` and the fetching that `scl run` asks of it. Each command
 * takes (argc, argv) with argv[0] the command's name and returns a CLI_* status. */
#ifndef SCL_CLI_MOD_H
#define SCL_CLI_MOD_H

#include <stdio.h>

struct mod_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

#endif
