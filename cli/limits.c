/* --max-time, --max-memory, --max-output, --max-depth: the run limits of scl run and scl vet. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_limits_default(scl_limits *l)
{
    memset(l, 0, sizeof *l);
    l->version = SCL_LIMITS_VERSION;
    l->time_ms = (uint64_t)CLI_DEFAULT_MAX_TIME * 1000;
    l->memory = (size_t)CLI_DEFAULT_MAX_MEMORY << 20;
    l->output = (size_t)CLI_DEFAULT_MAX_OUTPUT << 20;
    l->depth = SCL_DEFAULT_DEPTH;
}

/* A positive number with an optional unit; 'units' maps a suffix to a multiplier and the
 * empty suffix is the default unit. */
struct unit {
    const char *suffix;
    double mult;
};

static int number(const char *cmd, const char *flag, const char *s, const struct unit *units,
                  double max, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!errno && end != s && d > 0) {
        for (const struct unit *u = units; u->suffix; u++) {
            if (!strcmp(end, u->suffix) && d * u->mult <= max) {
                *out = d * u->mult;
                return CLI_OK;
            }
        }
    }
    fprintf(stderr, "scl %s: invalid value '%s' for %s (see scl %s --help)\n", cmd, s, flag, cmd);
    return CLI_USAGE;
}

static const struct unit time_units[] = {{"", 1000},   {"s", 1000},    {"ms", 1},
                                         {"m", 60000}, {"h", 3600000}, {NULL, 0}};
static const struct unit size_units[] = {
    {"", 1048576},     {"B", 1},           {"K", 1024},         {"KB", 1024},
    {"KiB", 1024},     {"M", 1048576},     {"MB", 1048576},     {"MiB", 1048576},
    {"G", 1073741824}, {"GB", 1073741824}, {"GiB", 1073741824}, {NULL, 0}};
static const struct unit count_units[] = {{"", 1}, {NULL, 0}};

int cli_limit_arg(const char *cmd, int argc, char **argv, int *i, scl_limits *l, int *rc)
{
    const char *a = argv[*i], *v = NULL;
    static const char *const names[] = {"--max-time", "--timeout", "--max-memory", "--max-output",
                                        "--max-depth"};
    size_t which = sizeof names / sizeof *names;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t n = strlen(names[k]);
        if (!strcmp(a, names[k])) {
            if (*i + 1 >= argc) {
                fprintf(stderr, "scl %s: missing value after %s\n", cmd, a);
                *rc = CLI_USAGE;
                return 1;
            }
            v = argv[++*i];
        } else if (!strncmp(a, names[k], n) && a[n] == '=') {
            v = a + n + 1;
        } else {
            continue;
        }
        which = k;
        break;
    }
    if (!v)
        return 0;
    double d = 0;
    switch (which) {
    case 0:
    case 1: /* --timeout: the older name */
        *rc = number(cmd, names[which], v, time_units, 1e12, &d);
        l->time_ms = d < 1 ? 1 : (uint64_t)(d + 0.5);
        break;
    case 2:
    case 3:
        *rc = number(cmd, names[which], v, size_units, (double)(SIZE_MAX / 2), &d);
        if (d < 1)
            d = 1;
        if (which == 2)
            l->memory = (size_t)d;
        else
            l->output = (size_t)d;
        break;
    default:
        *rc = number(cmd, names[which], v, count_units, 1e6, &d);
        l->depth = (unsigned)d;
        break;
    }
    return 1;
}
