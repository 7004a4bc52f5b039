/* scl-function: `serve` (the Crossplane composition-function server, the default) and `render`
 * (a Pipeline Composition run in-process), and the options both take. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "function/fn.h"
#include "pkg/net.h"

const char *fn_opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (!strcmp(argv[*i], name)) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "scl-function: %s needs a value\n", name);
            exit(2);
        }
        return argv[++*i];
    }
    return NULL;
}

char *fn_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "scl-function: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0, got;
    char *p = malloc(cap);
    while (p && (got = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *q = realloc(p, cap *= 2);
            if (!q)
                free(p);
            p = q;
        }
    }
    bool err = ferror(f);
    fclose(f);
    if (!p || err) {
        fprintf(stderr, "scl-function: cannot read %s: %s\n", path,
                p ? "read error" : "out of memory");
        free(p);
        return NULL;
    }
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

void fn_config_init(struct fn_config *cfg)
{
    cfg->timeout_ms = FN_DEFAULT_TIMEOUT_MS;
    cfg->max_memory = FN_DEFAULT_MAX_MEMORY;
    cfg->reuse_ms = FN_DEFAULT_REUSE_MS;
}

/* A number >= 0 for --timeout, --reuse-imports (seconds) or --max-memory (MiB); -1 (reported)
 * if malformed. */
static int limit_value(const char *opt, const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= 0) || d > 1e9) {
        fprintf(stderr, "scl-function: bad %s %s (a number, 0 for none)\n", opt, v);
        return -1;
    }
    *out = d;
    return 0;
}

int fn_config_option(struct fn_config *cfg, int argc, char **argv, int *i)
{
    const char *v;
    double d;
    if (!strcmp(argv[*i], "-d") || !strcmp(argv[*i], "--debug")) {
        cfg->debug = true;
    } else if ((v = fn_opt_value(argc, argv, i, "--timeout"))) {
        if (limit_value("--timeout", v, &d))
            return -1;
        cfg->timeout_ms = (uint64_t)(d * 1000.0 + 0.5);
        if (d > 0 && !cfg->timeout_ms)
            cfg->timeout_ms = 1;
    } else if ((v = fn_opt_value(argc, argv, i, "--reuse-imports"))) {
        if (limit_value("--reuse-imports", v, &d))
            return -1;
        cfg->reuse_ms = (uint64_t)(d * 1000.0 + 0.5);
    } else if ((v = fn_opt_value(argc, argv, i, "--max-memory"))) {
        if (limit_value("--max-memory", v, &d))
            return -1;
        cfg->max_memory = (size_t)(d * 1048576.0);
    } else if ((v = fn_opt_value(argc, argv, i, "--root"))) {
        cfg->root = v;
    } else if ((v = fn_opt_value(argc, argv, i, "--dependencies"))) {
        cfg->deps_file = v;
    } else if ((v = fn_opt_value(argc, argv, i, "-E")) ||
               (v = fn_opt_value(argc, argv, i, "--external"))) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v || !eq[1] || cfg->next == FN_MAX_EXTERNAL) {
            fprintf(stderr, "scl-function: -E wants NAME=DIR, got %s\n", v);
            return -1;
        }
        char *name = strndup(v, (size_t)(eq - v));
        if (!name) {
            fprintf(stderr, "scl-function: out of memory\n");
            return -1;
        }
        cfg->ext_names[cfg->next] = name;
        cfg->ext_dirs[cfg->next++] = eq + 1;
    } else {
        return 0;
    }
    return 1;
}

int fn_config_load(struct fn_config *cfg)
{
    if (!cfg->deps_file)
        return 0;
    char *text = fn_read_file(cfg->deps_file, NULL);
    if (!text)
        return -1;
    cfg->dependencies = text;
    return 0;
}

void fn_config_free(struct fn_config *cfg)
{
    for (size_t k = 0; k < cfg->next; k++)
        free((char *)cfg->ext_names[k]);
    cfg->next = 0;
    free((char *)cfg->dependencies);
    cfg->dependencies = NULL;
}

int main(int argc, char **argv)
{
    /* libcurl and libgit2, for the packages of steps, before any thread starts */
    struct pkg_err err;
    if (net_global_init(&err) != 0) {
        fprintf(stderr, "scl-function: %s\n", err.msg);
        return 1;
    }
    int rc;
    if (argc > 1 && !strcmp(argv[1], "render"))
        rc = fn_render(argc - 1, argv + 1);
    else if (argc > 1 && !strcmp(argv[1], "serve"))
        rc = fn_serve(argc - 1, argv + 1);
    else /* no command: serve (the image's ENTRYPOINT runs the program with options only) */
        rc = fn_serve(argc, argv);
    fn_packages_forget();
    net_global_cleanup();
    return rc;
}
