/* scl eval / scl run: evaluate files and print the result. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cmd_eval(int argc, char **argv)
{
    /* Parsing only, until the evaluator is part of the library. */
    return cmd_parse(argc, argv);
}
