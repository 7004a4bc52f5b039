/* RunFunction: the step input (KCLInput) -> a run with function-kcl's options -> the program's
 * items -> the response (spec/crossplane-function.md §3-§7). */
#include "config.h"

#include "function/fn.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

#define M(x)  Apiextensions__Fn__Proto__V1__##x
#define F(x)  apiextensions__fn__proto__v1__##x
#define E(x)  APIEXTENSIONS__FN__PROTO__V1__##x
#define VK(x) GOOGLE__PROTOBUF__VALUE__KIND_##x

static const char META_API[] = "meta.krm.kcl.dev/v1alpha1";
static const char NAME_ANN[] = "krm.kcl.dev/composition-resource-name";
static const char READY_ANN[] = "krm.kcl.dev/ready";
static const char PROCESS_PREFIX[] =
    "cannot process xr and state with the pipeline output in *v1.RunFunctionResponse: ";

/* One request being answered. */
struct job {
    struct fn_worker_ctx *w;
    struct fn_arena *a;
    const fn_request *req;
    const char *fatal; /* the FATAL result's message, once something failed */
    /* the input */
    const pb_struct *input, *spec, *config;
    const char *source, *target;
    struct fn_out_flags out;
    /* -E folders, then the fetched dependencies: import name -> folder */
    const char **ext_names, **ext_dirs;
    size_t next;
    /* the observed and desired composite */
    const pb_struct *oxr;
    pb_struct *dxr; /* ours (a copy) */
    /* what the response gets */
    M(State__ResourcesEntry) **res;
    size_t nres, capres;
    const char **written; /* names this step wrote, with their kind/name for the duplicate error */
    const char **written_id;
    size_t nwritten;
    pb_struct *context; /* ours, or NULL: the request's */
    M(Resource__ConnectionDetailsEntry) **xr_conn;
    size_t nxr_conn;
    M(Requirements) *reqs;
    M(Condition) **conds;
    size_t nconds;
    M(Result) **results;
    size_t nresults;
};

static int failf(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(struct job *j, const char *fmt, ...)
{
    if (j->fatal)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    j->fatal = fn_strdup(j->a, buf, strlen(buf));
    if (!j->fatal)
        j->fatal = "out of memory";
    return -1;
}

static int oom(struct job *j)
{
    return failf(j, "out of memory");
}

/* {===== the input (spec §3) */

static const char *const top_keys[] = {"apiVersion", "kind", "metadata", "spec", NULL};
static const char *const spec_keys[] = {"source",      "target",   "params",
                                        "dependencies", "config",   "credentials",
                                        "resources",    NULL};
static const char *const config_keys[] = {
    "arguments", "settings", "overrides",   "pathSelectors",    "vendor", "sortKeys",
    "showHidden", "disableNone", "debug", "strictRangeCheck", NULL};
static const char *const cred_keys[] = {"url", "username", "password", NULL};
static const char *const res_keys[] = {"name", "base", NULL};

static int strict(struct job *j, const pb_struct *s, const char *const *keys)
{
    for (size_t i = 0; s && i < s->n_fields; i++) {
        const char *k = s->fields[i]->key ? s->fields[i]->key : "";
        size_t n = 0;
        while (keys[n] && strcmp(keys[n], k))
            n++;
        if (!keys[n])
            return failf(j, "cannot get Function input from *v1.RunFunctionRequest: "
                            "json: unknown field \"%s\"",
                         k);
    }
    return 0;
}

static bool flag(const pb_struct *s, const char *key)
{
    pb_value *v = fn_get(s, key);
    return v && v->kind_case == VK(BOOL_VALUE) && v->bool_value;
}

static int read_input(struct job *j)
{
    const pb_struct *in = j->input;
    if (strict(j, in, top_keys))
        return -1;
    const pb_value *spec = fn_get(in, "spec");
    if (spec && spec->kind_case != VK(STRUCT_VALUE) && spec->kind_case != VK(NULL_VALUE))
        return failf(j, "cannot get Function input from *v1.RunFunctionRequest: json: cannot "
                        "unmarshal spec into Go struct field KCLInput.spec");
    j->spec = fn_get_struct(in, "spec");
    if (strict(j, j->spec, spec_keys))
        return -1;
    j->config = fn_get_struct(j->spec, "config");
    if (strict(j, j->config, config_keys) ||
        strict(j, fn_get_struct(j->spec, "credentials"), cred_keys))
        return -1;
    const pb_value *rs = fn_get(j->spec, "resources");
    if (rs && rs->kind_case == VK(LIST_VALUE))
        for (size_t i = 0; rs->list_value && i < rs->list_value->n_values; i++) {
            const pb_value *r = rs->list_value->values[i];
            if (r && r->kind_case == VK(STRUCT_VALUE) && strict(j, r->struct_value, res_keys))
                return -1;
        }
    j->source = fn_get_str(j->spec, "source");
    if (!j->source || !*j->source)
        j->source = getenv("FUNCTION_KCL_DEFAULT_SOURCE");
    if (!j->source || !*j->source)
        return failf(j, "invalid function input: spec.source: Required value: kcl source "
                        "cannot be empty");
    j->target = fn_get_str(j->spec, "target");
    if (!j->target)
        j->target = "Default";
    j->out.sort_keys = flag(j->config, "sortKeys");
    j->out.show_hidden = flag(j->config, "showHidden");
    j->out.drop_none = flag(j->config, "disableNone");
    return 0;
}

/* {===== the options the program sees (spec §4) */

static const char *ready_name(int r)
{
    return r == E(READY__READY_TRUE) ? "True" : r == E(READY__READY_FALSE) ? "False" : "Unspecified";
}

static int entry_cmp(const void *x, const void *y)
{
    const M(State__ResourcesEntry) *const *a = x, *const *b = y;
    return strcmp((*a)->key, (*b)->key);
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(struct fn_arena *a, const uint8_t *p, size_t n)
{
    char *out = fn_alloc(a, (n + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = b64chars[v >> 18 & 63];
        *o++ = b64chars[v >> 12 & 63];
        *o++ = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? b64chars[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static int b64_decode(struct fn_arena *a, const char *s, ProtobufCBinaryData *out)
{
    size_t n = strlen(s);
    uint8_t *o = fn_alloc(a, n / 4 * 3 + 3);
    if (!o)
        return -1;
    size_t len = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        const char *c = strchr(b64chars, s[i]);
        if (!c || !s[i])
            return -1;
        acc = acc << 6 | (uint32_t)(c - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[len++] = (uint8_t)(acc >> bits);
        }
    }
    out->data = o;
    out->len = len;
    return 0;
}

static scl_val *str_val(scl_run *run, const char *s)
{
    return scl_new_str(run, s, strlen(s));
}

static int dset(scl_run *run, scl_val *d, const char *k, scl_val *v)
{
    return v && scl_dict_set(run, d, k, strlen(k), v) == SCL_OK ? 0 : -1;
}

/* {name: {"Resource": obj, ...}} over a State's map, names sorted */
static scl_val *cds(struct job *j, scl_run *run, const fn_state *st, bool observed, bool *bad)
{
    scl_val *d = scl_new_dict(run);
    if (!d || !st || !st->n_resources)
        return d;
    M(State__ResourcesEntry) **v = fn_alloc(j->a, st->n_resources * sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, st->resources, st->n_resources * sizeof *v);
    qsort(v, st->n_resources, sizeof *v, entry_cmp);
    for (size_t i = 0; i < st->n_resources; i++) {
        const fn_resource *r = v[i]->value;
        scl_val *e = scl_new_dict(run);
        if (!e || dset(run, e, "Resource", fn_struct_to_val(run, r ? r->resource : NULL, bad)))
            return NULL;
        if (observed) {
            scl_val *c = scl_new_dict(run);
            for (size_t k = 0; c && r && k < r->n_connection_details; k++) {
                const M(Resource__ConnectionDetailsEntry) *cd = r->connection_details[k];
                char *b = b64_encode(j->a, cd->value.data, cd->value.len);
                if (!b || dset(run, c, cd->key, str_val(run, b)))
                    return NULL;
            }
            if (dset(run, e, "ConnectionDetails", c))
                return NULL;
        } else if (dset(run, e, "Ready", str_val(run, ready_name(r ? (int)r->ready : 0)))) {
            return NULL;
        }
        if (dset(run, d, v[i]->key, e))
            return NULL;
    }
    return d;
}

typedef M(RunFunctionRequest__ExtraResourcesEntry) extra_entry;

/* {name: [{"Resource": obj}, ...]} of fields 6 and 8 (same entry layout) */
static scl_val *resources_map(scl_run *run, extra_entry *const *v, size_t n, bool *bad)
{
    scl_val *d = scl_new_dict(run);
    for (size_t i = 0; d && i < n; i++) {
        scl_val *l = scl_new_list(run);
        const M(Resources) *rs = v[i]->value;
        for (size_t k = 0; l && rs && k < rs->n_items; k++) {
            scl_val *e = scl_new_dict(run);
            if (!e ||
                dset(run, e, "Resource",
                     fn_struct_to_val(run, rs->items[k] ? rs->items[k]->resource : NULL, bad)) ||
                scl_list_push(run, l, e) != SCL_OK)
                return NULL;
        }
        if (dset(run, d, v[i]->key, l))
            return NULL;
    }
    return d;
}

static int env_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static scl_val *env_val(struct job *j, scl_run *run)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    const char **v = fn_alloc(j->a, (n ? n : 1) * sizeof *v);
    scl_val *d = scl_new_dict(run);
    if (!v || !d)
        return NULL;
    memcpy(v, environ, n * sizeof *v);
    qsort(v, n, sizeof *v, env_cmp);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(v[i], '=');
        if (!eq)
            continue;
        if (scl_dict_set(run, d, v[i], (size_t)(eq - v[i]), str_val(run, eq + 1)) != SCL_OK)
            return NULL;
    }
    return d;
}

static int set_options(struct job *j, scl_run *run)
{
    bool bad = false;
    const fn_request *req = j->req;
    scl_val *params = scl_new_dict(run);
    if (!params)
        return oom(j);
    /* the user's params first (sorted), then the request's keys, which win */
    const pb_value *up = fn_get(j->spec, "params");
    if (up && up->kind_case == VK(STRUCT_VALUE)) {
        scl_val *u = fn_struct_to_val(run, up->struct_value, &bad);
        for (size_t i = 0; u && i < scl_val_len(u); i++) {
            const char *k;
            const scl_val *x = scl_val_at(u, i, &k);
            if (scl_dict_set(run, params, k, strlen(k), x) != SCL_OK)
                return oom(j);
        }
        if (!u)
            return oom(j);
    }
    const fn_resource *oc = req->observed ? req->observed->composite : NULL;
    if (dset(run, params, "oxr", fn_struct_to_val(run, oc ? oc->resource : NULL, &bad)) ||
        dset(run, params, "dxr", fn_struct_to_val(run, j->dxr, &bad)) ||
        dset(run, params, "ocds", cds(j, run, req->observed, true, &bad)) ||
        dset(run, params, "dcds", cds(j, run, req->desired, false, &bad)) ||
        dset(run, params, "ctx", fn_struct_to_val(run, req->context, &bad)) ||
        dset(run, params, "extraResources",
             resources_map(run, req->extra_resources, req->n_extra_resources, &bad)) ||
        dset(run, params, "requiredResources",
             resources_map(run, (extra_entry **)req->required_resources,
                           req->n_required_resources, &bad)))
        return oom(j);
    /* resource_list.functionConfig: the input as a KCLRun with the filled params */
    scl_val *fc = scl_new_dict(run), *spec = fn_struct_to_val(run, j->spec, &bad);
    scl_val *rl = scl_new_dict(run);
    if (dset(run, fc, "apiVersion", str_val(run, "krm.kcl.dev/v1alpha1")) ||
        dset(run, fc, "kind", str_val(run, "KCLRun")) ||
        dset(run, fc, "metadata", fn_struct_to_val(run, fn_get_struct(j->input, "metadata"), &bad)) ||
        dset(run, spec, "params", params) || dset(run, fc, "spec", spec) ||
        dset(run, rl, "apiVersion", str_val(run, "config.kubernetes.io/v1")) ||
        dset(run, rl, "kind", str_val(run, "ResourceList")) ||
        dset(run, rl, "items", scl_new_list(run)) || dset(run, rl, "functionConfig", fc))
        return oom(j);
    const char *path = getenv("PATH");
    if (bad)
        return failf(j, "cannot get Function input from *v1.RunFunctionRequest: a "
                        "google.protobuf.Value has no kind");
    if (scl_run_option(run, "params", params) != SCL_OK ||
        scl_run_option(run, "resource_list", rl) != SCL_OK ||
        scl_run_option(run, "items", scl_new_list(run)) != SCL_OK ||
        scl_run_option(run, "PATH", str_val(run, path ? path : "")) != SCL_OK ||
        scl_run_option(run, "env", env_val(j, run)) != SCL_OK)
        return oom(j);
    return 0;
}

/* {===== running the program */

struct sbuf {
    char *p;
    size_t n, cap;
};

static int sbuf_write(void *ud, const char *s, size_t n)
{
    struct sbuf *b = ud;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

static int discard(void *ud, const char *s, size_t n)
{
    (void)ud;
    (void)s;
    (void)n;
    return 0;
}

/* Without --root, inline programs reach no file: imports of packages and file.* are refused. */
static scl_status refuse_resolve(void *ud, const char *from, const char *path, scl_buf *id,
                                 scl_buf *msg)
{
    (void)ud;
    (void)from;
    (void)id;
    static const char why[] = "pkgpath ";
    scl_buf_add(msg, why, sizeof why - 1);
    scl_buf_add(msg, path, strlen(path));
    static const char tail[] = " not found in the program: the function server serves no "
                               "packages (start it with --root or -E)";
    scl_buf_add(msg, tail, sizeof tail - 1);
    return SCL_EIMPORT;
}

static scl_status refuse_read(void *ud, const char *id, scl_src *out, scl_buf *msg)
{
    (void)ud;
    (void)id;
    (void)out;
    (void)msg;
    return SCL_EIMPORT;
}

static const scl_loader refusing_loader = {SCL_LOADER_VERSION, NULL, refuse_resolve,
                                           refuse_read, NULL};

/* {===== confinement: the imports and file.* reads of a step reach only its own source folder,
 * the --root folder and the -E folders (real paths, so that no symbolic link leads out);
 * imports resolve as on the disk (scl_disk_resolve) */

static const char OUTSIDE[] = "is outside the allowed folders (the step's source folder, "
                              "--root and the -E dependency folders)";

struct confine {
    struct job *j;
    scl_disk_modules m;
    const char *step_dir;  /* real path of a local source's folder, or NULL */
    const char *base;      /* relative file.* paths count from it: step_dir, else --root */
    const char **allowed; /* nallowed of at most next + 2 */
    size_t nallowed;
    bool ready;
};

static const char *real_in(struct fn_arena *a, const char *p)
{
    char *r = p ? realpath(p, NULL) : NULL;
    if (!r)
        return NULL;
    const char *s = fn_strdup(a, r, strlen(r));
    free(r);
    return s;
}

static void confine_ready(struct confine *c)
{
    if (c->ready)
        return;
    c->ready = true;
    const struct fn_config *cfg = c->j->w->cfg;
    const char *root = real_in(c->j->a, cfg->root);
    if (!c->allowed)
        return; /* out of memory: nothing is allowed */
    if (c->step_dir)
        c->allowed[c->nallowed++] = c->step_dir;
    if (root)
        c->allowed[c->nallowed++] = root;
    for (size_t i = 0; i < c->j->next && c->allowed; i++) {
        const char *d = real_in(c->j->a, c->j->ext_dirs[i]);
        if (d)
            c->allowed[c->nallowed++] = d;
    }
    c->base = c->step_dir ? c->step_dir : root;
}

static bool confined(struct confine *c, const char *real)
{
    confine_ready(c);
    for (size_t i = 0; i < c->nallowed; i++) {
        const char *d = c->allowed[i];
        size_t n = strlen(d);
        if (!strncmp(real, d, n) && (real[n] == '/' || real[n] == '\0' || (n == 1 && *d == '/')))
            return true;
    }
    return false;
}

static void confine_msg(struct confine *c, scl_buf *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void confine_msg(struct confine *c, scl_buf *msg, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    (void)c;
    if (n > 0)
        scl_buf_add(msg, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static scl_status confine_resolve(void *ud, const char *from, const char *path, scl_buf *id,
                                  scl_buf *msg)
{
    struct confine *c = ud;
    struct sbuf b = {0};
    scl_status st = scl_disk_resolve(&c->m, from, path, sbuf_write, &b, msg);
    if (st == SCL_OK && (!b.p || !confined(c, b.p))) {
        confine_msg(c, msg, "the module %s (%s) %s", path, b.p ? b.p : "", OUTSIDE);
        st = SCL_EIMPORT;
    } else if (st == SCL_OK) {
        st = scl_buf_add(id, b.p, b.n);
    }
    free(b.p);
    return st;
}

static scl_status confine_read_module(void *ud, const char *id, scl_src *out, scl_buf *msg)
{
    struct confine *c = ud;
    if (!confined(c, id)) {
        confine_msg(c, msg, "the module %s %s", id, OUTSIDE);
        return SCL_EIMPORT;
    }
    return scl_disk_read_module(id, out, msg);
}

static scl_status confine_read_file(void *ud, const char *from, const char *path, scl_buf *data,
                                    scl_buf *msg)
{
    struct confine *c = ud;
    (void)from;
    confine_ready(c);
    const char *full = path;
    if (path[0] != '/') {
        if (!c->base) {
            confine_msg(c, msg, "%s %s", path, OUTSIDE);
            return SCL_EIO;
        }
        full = fn_printf(c->j->a, "%s/%s", c->base, path);
        if (!full)
            return SCL_ENOMEM;
    }
    const char *real = real_in(c->j->a, full);
    if (!real) {
        /* a missing file is reported as missing only inside the allowed folders */
        const char *slash = strrchr(full, '/');
        const char *dir = slash == full ? "/" : fn_strdup(c->j->a, full, (size_t)(slash - full));
        const char *rdir = real_in(c->j->a, dir);
        if (rdir && confined(c, rdir))
            confine_msg(c, msg, "%s: no such file", full);
        else
            confine_msg(c, msg, "%s %s", full, OUTSIDE);
        return SCL_EIO;
    }
    if (!confined(c, real)) {
        confine_msg(c, msg, "%s %s", real, OUTSIDE);
        return SCL_EIO;
    }
    FILE *f = fopen(real, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        confine_msg(c, msg, "%s: %s", real, f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return SCL_EIO;
    }
    size_t max = c->j->w->cfg->max_memory;
    if (max && (uint64_t)st.st_size > max) {
        fclose(f);
        confine_msg(c, msg, "%s: larger than the memory budget", real);
        return SCL_EIO;
    }
    char buf[65536];
    size_t n;
    scl_status rs = SCL_OK;
    while (rs == SCL_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rs = scl_buf_add(data, buf, n);
    if (rs == SCL_OK && ferror(f)) {
        confine_msg(c, msg, "%s: read error", real);
        rs = SCL_EIO;
    }
    fclose(f);
    return rs;
}

/* The loader of a step: its folder (local sources), --root and -E. */
static void confine_init(struct confine *c, struct job *j, bool inline_src)
{
    const struct fn_config *cfg = j->w->cfg;
    memset(c, 0, sizeof *c);
    c->j = j;
    if (!inline_src) {
        const char *r = real_in(j->a, j->source);
        struct stat st;
        if (r && stat(r, &st) == 0 && !S_ISDIR(st.st_mode)) {
            const char *slash = strrchr(r, '/');
            r = slash == r ? "/" : fn_strdup(j->a, r, (size_t)(slash - r));
        }
        c->step_dir = r;
    }
    c->m.root = inline_src ? cfg->root : NULL;
    c->m.main_dir = c->step_dir;
    c->m.nexternals = j->next;
    c->m.ext_names = j->ext_names;
    c->m.ext_dirs = j->ext_dirs;
    c->allowed = fn_alloc(j->a, (j->next + 2) * sizeof *c->allowed);
}

static bool is_local(const char *s)
{
    return s[0] == '/' || s[0] == '.';
}

static bool is_remote(const char *s)
{
    static const char *const prefixes[] = {"oci://",      "git::",    "github.com",
                                           "gitlab.com/", "bitbucket.org/", "http://",
                                           "https://",    NULL};
    for (size_t i = 0; prefixes[i]; i++)
        if (!strncmp(s, prefixes[i], strlen(prefixes[i])))
            return true;
    return false;
}

/* The registry credentials of a step: spec.credentials, overridden by the request's
 * credentials["kcl-registry"] when that holds a password (with its username and url). */
static void credentials(struct job *j, struct fn_cred *c)
{
    const pb_struct *sc = fn_get_struct(j->spec, "credentials");
    c->url = fn_get_str(sc, "url");
    c->username = fn_get_str(sc, "username");
    c->password = fn_get_str(sc, "password");
    for (size_t i = 0; i < j->req->n_credentials; i++) {
        const M(RunFunctionRequest__CredentialsEntry) *e = j->req->credentials[i];
        if (!e || !e->key || strcmp(e->key, "kcl-registry") || !e->value ||
            e->value->source_case != E(CREDENTIALS__SOURCE_CREDENTIAL_DATA) ||
            !e->value->credential_data)
            continue;
        const M(CredentialData) *d = e->value->credential_data;
        const char *user = NULL, *pass = NULL, *url = NULL;
        for (size_t k = 0; k < d->n_data; k++) {
            const M(CredentialData__DataEntry) *x = d->data[k];
            if (!x || !x->key)
                continue;
            const char *v = fn_strdup(j->a, (const char *)x->value.data, x->value.len);
            if (!v || strlen(v) != x->value.len)
                continue;
            if (!strcmp(x->key, "password"))
                pass = v;
            else if (!strcmp(x->key, "username"))
                user = v;
            else if (!strcmp(x->key, "url"))
                url = v;
        }
        if (pass) {
            c->password = pass;
            if (user)
                c->username = user;
            if (url)
                c->url = url;
        }
    }
}

/* The packages of the step (an oci:// source, dependencies) and its -E folders. */
static int packages(struct job *j)
{
    const struct fn_config *cfg = j->w->cfg;
    const bool oci = !strncmp(j->source, "oci://", 6);
    const char *mod_dir = NULL;
    if (is_local(j->source)) {
        struct stat st;
        if (stat(j->source, &st) == 0 && S_ISDIR(st.st_mode)) {
            mod_dir = j->source;
        } else {
            const char *slash = strrchr(j->source, '/');
            mod_dir = !slash ? "." : slash == j->source ? "/"
                                   : fn_strdup(j->a, j->source, (size_t)(slash - j->source));
        }
    }
    struct fn_cred cred = {0};
    credentials(j, &cred);
    struct fn_pkgs p;
    char msg[1024];
    if (fn_packages(j->a, cfg, oci ? j->source : NULL, fn_get_str(j->spec, "dependencies"),
                    mod_dir, &cred, &p, msg, sizeof msg) != 0)
        return failf(j, "failed to run kcl function pipelines: %s", msg);
    if (oci)
        j->source = p.source_dir;
    j->next = cfg->next + p.n;
    j->ext_names = fn_alloc(j->a, (j->next + 1) * sizeof *j->ext_names);
    j->ext_dirs = fn_alloc(j->a, (j->next + 1) * sizeof *j->ext_dirs);
    if (!j->ext_names || !j->ext_dirs)
        return oom(j);
    for (size_t i = 0; i < cfg->next; i++) {
        j->ext_names[i] = cfg->ext_names[i];
        j->ext_dirs[i] = cfg->ext_dirs[i];
    }
    for (size_t i = 0; i < p.n; i++) {
        j->ext_names[cfg->next + i] = p.names[i];
        j->ext_dirs[cfg->next + i] = p.dirs[i];
    }
    return 0;
}

static void list_strs(const pb_struct *s, const char *key, scl_run *run,
                      scl_status (*fn)(scl_run *, const char *))
{
    const pb_value *v = fn_get(s, key);
    if (!v || v->kind_case != VK(LIST_VALUE) || !v->list_value)
        return;
    for (size_t i = 0; i < v->list_value->n_values; i++) {
        const pb_value *x = v->list_value->values[i];
        if (x && x->kind_case == VK(STRING_VALUE))
            fn(run, x->string_value);
    }
}

static scl_status argument(scl_run *run, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq)
        return SCL_EINVAL;
    char key[256];
    size_t n = (size_t)(eq - kv);
    if (n >= sizeof key)
        return SCL_EINVAL;
    memcpy(key, kv, n);
    key[n] = '\0';
    return scl_run_option_text(run, key, eq + 1);
}

static scl_status override(scl_run *run, const char *spec)
{
    return scl_run_override(run, spec);
}

static scl_status selector(scl_run *run, const char *path)
{
    return scl_run_select(run, path);
}

static int prepare(struct job *j, scl_run *run)
{
    const struct fn_config *cfg = j->w->cfg;
    if (is_remote(j->source))
        return failf(j, "failed to run kcl function pipelines: unsupported source %.200s: the "
                        "function server runs inline, local and oci:// sources",
                     j->source);
    scl_status st;
    if (is_local(j->source)) {
        st = scl_run_add_path(run, j->source);
        list_strs(j->config, "arguments", run, argument);
    } else {
        if (cfg->root)
            scl_run_set_root(run, cfg->root);
        st = scl_run_add_file(run, "prog.k", j->source, strlen(j->source));
    }
    if (st != SCL_OK)
        return failf(j, "failed to run kcl function pipelines: cannot read source %.200s",
                     j->source);
    for (size_t i = 0; i < j->next; i++)
        scl_run_add_external(run, j->ext_names[i], j->ext_dirs[i]);
    list_strs(j->config, "overrides", run, override);
    list_strs(j->config, "pathSelectors", run, selector);
    unsigned flags = 0;
    if (j->out.sort_keys)
        flags |= SCL_EMIT_SORT_KEYS;
    if (j->out.show_hidden)
        flags |= SCL_EMIT_SHOW_HIDDEN;
    if (j->out.drop_none)
        flags |= SCL_EMIT_DROP_NONE;
    if (flag(j->config, "strictRangeCheck"))
        flags |= SCL_RUN_STRICT_RANGE;
    if (flag(j->config, "debug"))
        flags |= SCL_RUN_DEBUG;
    scl_run_set_flags(run, flags);
    scl_run_set_stdout(run, discard, NULL);
    return set_options(j, run);
}

static int run_failed(struct job *j, scl_run *run, scl_status st)
{
    struct sbuf b = {0};
    size_t n = scl_run_ndiags(run);
    for (size_t i = 0; i < n; i++) {
        const scl_diag *d = scl_run_diag(run, i);
        if (scl_diag_is_error(d))
            scl_diag_render(run, d, 0, sbuf_write, &b);
    }
    while (b.n && (b.p[b.n - 1] == '\n' || b.p[b.n - 1] == ' '))
        b.p[--b.n] = '\0';
    char *msg = fn_printf(j->a, "failed to run kcl function pipelines: %s",
                          b.n ? b.p : st == SCL_ENOMEM ? "out of memory" : "evaluation failed");
    free(b.p);
    if (!msg)
        return oom(j);
    j->fatal = msg;
    return -1;
}

/* {===== reading the output (spec §5) */

struct items {
    pb_struct **v;
    size_t n;
};

static bool is_object(const scl_val *v)
{
    scl_kind k = scl_val_kind(v);
    return k == SCL_DICT || k == SCL_SCHEMA;
}

static int add_item(struct job *j, struct items *it, const scl_val *v, size_t cap)
{
    scl_kind k = scl_val_kind(v);
    if (k == SCL_NONE || k == SCL_UNDEFINED)
        return 0;
    if (!is_object(v))
        return failf(j, "%sitem %zu is a %s, not an object", PROCESS_PREFIX, it->n,
                     scl_val_type_name(v));
    pb_value *pv = fn_val_to_value(j->a, v, &j->out);
    if (!pv)
        return oom(j);
    if (it->n < cap)
        it->v[it->n++] = pv->struct_value;
    return 0;
}

static int read_items(struct job *j, const scl_val *r, struct items *it)
{
    const scl_val *docs[1] = {NULL};
    const scl_val *list = NULL;
    size_t ndocs = 0;
    if (!r || scl_val_kind(r) == SCL_NONE || scl_val_kind(r) == SCL_UNDEFINED) {
        ndocs = 0;
    } else if (scl_val_kind(r) == SCL_LIST) {
        bool all = true;
        for (size_t i = 0; i < scl_val_len(r); i++) {
            scl_kind k = scl_val_kind(scl_val_at(r, i, NULL));
            all = all && (k == SCL_DICT || k == SCL_SCHEMA || k == SCL_NONE);
        }
        if (all) {
            list = r;
            ndocs = scl_val_len(r);
        } else {
            docs[0] = r;
            ndocs = 1;
        }
    } else if (is_object(r) && scl_val_len(r) == 0) {
        ndocs = 0; /* nothing printed */
    } else {
        docs[0] = r;
        ndocs = 1;
    }
    if (list && ndocs == 1) {
        docs[0] = scl_val_at(list, 0, NULL);
        list = NULL;
    }
    if (!list && ndocs == 1 && is_object(docs[0]) && scl_val_get(docs[0], "items")) {
        const scl_val *items = scl_val_get(docs[0], "items");
        if (scl_val_kind(items) == SCL_NONE)
            return 0;
        if (scl_val_kind(items) != SCL_LIST)
            return failf(j, "%sitems is a %s, not a list", PROCESS_PREFIX,
                         scl_val_type_name(items));
        size_t n = scl_val_len(items);
        if (!(it->v = fn_alloc(j->a, (n ? n : 1) * sizeof *it->v)))
            return oom(j);
        for (size_t i = 0; i < n; i++)
            if (add_item(j, it, scl_val_at(items, i, NULL), n))
                return -1;
        return 0;
    }
    if (!(it->v = fn_alloc(j->a, (ndocs ? ndocs : 1) * sizeof *it->v)))
        return oom(j);
    for (size_t i = 0; i < ndocs; i++)
        if (add_item(j, it, list ? scl_val_at(list, i, NULL) : docs[0], ndocs))
            return -1;
    return 0;
}

/* {===== building the response (spec §6) */

static const char *item_name(struct job *j, pb_struct *item)
{
    pb_struct *md = fn_get_struct(item, "metadata");
    pb_struct *ann = fn_get_struct(md, "annotations");
    const char *n = fn_get_str(ann, NAME_ANN);
    if (n) {
        n = fn_strdup(j->a, n, strlen(n));
        fn_del(ann, NAME_ANN);
        return n;
    }
    n = fn_get_str(md, "name");
    return n ? n : "";
}

static int item_ready(struct job *j, pb_struct *item, int *ready)
{
    pb_struct *ann = fn_get_struct(fn_get_struct(item, "metadata"), "annotations");
    pb_value *v = fn_get(ann, READY_ANN);
    *ready = E(READY__READY_UNSPECIFIED);
    if (!v)
        return 0;
    const char *s = v->kind_case == VK(STRING_VALUE) ? v->string_value : "";
    if (!strcmp(s, "True"))
        *ready = E(READY__READY_TRUE);
    else if (!strcmp(s, "False"))
        *ready = E(READY__READY_FALSE);
    else if (strcmp(s, "Unspecified"))
        return failf(j, "%sinvalid function input: invalid \"%s\" annotation value \"%s\": must "
                        "be True, False, or Unspecified",
                     PROCESS_PREFIX, READY_ANN, s);
    fn_del(ann, READY_ANN);
    return 0;
}

static const char *item_id(struct job *j, const pb_struct *item)
{
    const char *kind = fn_get_str(item, "kind");
    const char *name = fn_get_str(fn_get_struct(item, "metadata"), "name");
    return fn_printf(j->a, "%s/%s", kind ? kind : "", name ? name : "");
}

static int find_res(const struct job *j, const char *name)
{
    for (size_t i = 0; i < j->nres; i++)
        if (!strcmp(j->res[i]->key, name))
            return (int)i;
    return -1;
}

static int put_res(struct job *j, const char *name, pb_struct *obj, int ready)
{
    fn_resource *r = fn_alloc(j->a, sizeof *r);
    M(State__ResourcesEntry) *e = fn_alloc(j->a, sizeof *e);
    if (!r || !e)
        return oom(j);
    F(resource__init)(r);
    F(state__resources_entry__init)(e);
    r->resource = obj;
    r->ready = ready;
    e->key = (char *)name;
    e->value = r;
    int at = find_res(j, name);
    if (at >= 0) {
        j->res[at] = e;
        return 0;
    }
    if (j->nres == j->capres) {
        size_t cap = j->capres ? j->capres * 2 : 8;
        M(State__ResourcesEntry) **v = fn_alloc(j->a, cap * sizeof *v);
        if (!v)
            return oom(j);
        if (j->nres)
            memcpy(v, j->res, j->nres * sizeof *v);
        j->res = v;
        j->capres = cap;
    }
    j->res[j->nres++] = e;
    return 0;
}

/* A second item of the same name in this output is an error. */
static int note_written(struct job *j, const char *name, const pb_struct *item, size_t cap)
{
    const char *id = item_id(j, item);
    if (!id)
        return oom(j);
    for (size_t i = 0; i < j->nwritten; i++)
        if (!strcmp(j->written[i], name))
            return failf(j,
                         "%smultiple composed resources with name \"%s\" returned: %s and %s. "
                         "Set different metadata.name or metadata.annotations.\"%s\" to "
                         "distinguish them.",
                         PROCESS_PREFIX, name, j->written_id[i], id, NAME_ANN);
    if (!j->written) {
        j->written = fn_alloc(j->a, (cap ? cap : 1) * sizeof *j->written);
        j->written_id = fn_alloc(j->a, (cap ? cap : 1) * sizeof *j->written_id);
        if (!j->written || !j->written_id)
            return oom(j);
    }
    j->written[j->nwritten] = name;
    j->written_id[j->nwritten++] = id;
    return 0;
}

static bool same_type(const pb_struct *item, const pb_struct *xr)
{
    const char *a = fn_get_str(item, "apiVersion"), *k = fn_get_str(item, "kind");
    const char *xa = fn_get_str(xr, "apiVersion"), *xk = fn_get_str(xr, "kind");
    return a && k && xa && xk && !strcmp(a, xa) && !strcmp(k, xk);
}

static int target_enum(const pb_struct *s)
{
    const char *t = fn_get_str(s, "target");
    return t && !strcmp(t, "CompositeAndClaim") ? E(TARGET__TARGET_COMPOSITE_AND_CLAIM)
                                                 : E(TARGET__TARGET_COMPOSITE);
}

static const char *str_or(const pb_struct *s, const char *key, const char *def)
{
    const char *v = fn_get_str(s, key);
    return v ? v : def;
}

static const pb_list *get_list(const pb_struct *s, const char *key)
{
    pb_value *v = fn_get(s, key);
    return v && v->kind_case == VK(LIST_VALUE) ? v->list_value : NULL;
}

static int meta_requirements(struct job *j, const pb_struct *item, bool required)
{
    if (!j->reqs) {
        if (!(j->reqs = fn_alloc(j->a, sizeof *j->reqs)))
            return oom(j);
        F(requirements__init)(j->reqs);
    }
    const pb_struct *rs = fn_get_struct(item, "requirements");
    size_t n = rs ? rs->n_fields : 0;
    typedef M(Requirements__ResourcesEntry) req_entry;
    req_entry ***vp = required ? &j->reqs->resources
                               : (req_entry ***)&j->reqs->extra_resources;
    size_t *np = required ? &j->reqs->n_resources : &j->reqs->n_extra_resources;
    req_entry **v = fn_alloc(j->a, (*np + n + 1) * sizeof *v);
    if (!v)
        return oom(j);
    if (*np)
        memcpy(v, *vp, *np * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        const char *key = rs->fields[i]->key;
        for (size_t k = 0; k < *np; k++)
            if (!strcmp(v[k]->key, key))
                return failf(j, "%sduplicate %s resource key \"%s\"", PROCESS_PREFIX,
                             required ? "required" : "extra", key);
        const pb_value *sv = rs->fields[i]->value;
        const pb_struct *sel = sv && sv->kind_case == VK(STRUCT_VALUE) ? sv->struct_value : NULL;
        M(ResourceSelector) *s = fn_alloc(j->a, sizeof *s);
        req_entry *e = fn_alloc(j->a, sizeof *e);
        if (!s || !e)
            return oom(j);
        F(resource_selector__init)(s);
        F(requirements__resources_entry__init)(e);
        s->api_version = (char *)str_or(sel, "apiVersion", "");
        s->kind = (char *)str_or(sel, "kind", "");
        const char *name = fn_get_str(sel, required ? "name" : "matchName");
        if (name && *name) {
            s->match_case = E(RESOURCE_SELECTOR__MATCH_MATCH_NAME);
            s->match_name = (char *)name;
        } else {
            M(MatchLabels) *ml = fn_alloc(j->a, sizeof *ml);
            const pb_struct *labels = fn_get_struct(sel, "matchLabels");
            if (!ml)
                return oom(j);
            F(match_labels__init)(ml);
            if (labels && labels->n_fields) {
                ml->labels = fn_alloc(j->a, labels->n_fields * sizeof *ml->labels);
                if (!ml->labels)
                    return oom(j);
                for (size_t k = 0; k < labels->n_fields; k++) {
                    M(MatchLabels__LabelsEntry) *le = fn_alloc(j->a, sizeof *le);
                    const pb_value *lv = labels->fields[k]->value;
                    if (!le)
                        return oom(j);
                    F(match_labels__labels_entry__init)(le);
                    le->key = labels->fields[k]->key;
                    le->value = lv && lv->kind_case == VK(STRING_VALUE) ? lv->string_value : "";
                    ml->labels[ml->n_labels++] = le;
                }
            }
            s->match_case = E(RESOURCE_SELECTOR__MATCH_MATCH_LABELS);
            s->match_labels = ml;
        }
        const char *ns = fn_get_str(sel, required ? "namespace" : "matchNamespace");
        if (ns)
            s->namespace_ = (char *)ns;
        e->key = (char *)key;
        e->value = s;
        v[(*np)++] = e;
    }
    *vp = v;
    return 0;
}

static int meta_conditions(struct job *j, const pb_struct *item)
{
    const pb_list *l = get_list(item, "conditions");
    size_t n = l ? l->n_values : 0;
    M(Condition) **v = fn_alloc(j->a, (j->nconds + n + 1) * sizeof *v);
    if (!v)
        return oom(j);
    if (j->nconds)
        memcpy(v, j->conds, j->nconds * sizeof *v);
    j->conds = v;
    for (size_t i = 0; i < n; i++) {
        const pb_value *x = l->values[i];
        const pb_struct *s = x && x->kind_case == VK(STRUCT_VALUE) ? x->struct_value : NULL;
        const pb_struct *c = fn_get_struct(s, "condition");
        const char *type = str_or(c, "type", "");
        if (!strcmp(type, "Ready") || !strcmp(type, "Synced") || !strcmp(type, "Healthy"))
            return failf(j, "%scannot set ClaimCondition type: %s is a reserved Crossplane "
                            "Condition",
                         PROCESS_PREFIX, type);
        bool dup = false;
        for (size_t k = 0; k < j->nconds; k++)
            dup = dup || !strcmp(j->conds[k]->type, type);
        if (dup && !flag(s, "force"))
            continue;
        M(Condition) *cd = fn_alloc(j->a, sizeof *cd);
        if (!cd)
            return oom(j);
        F(condition__init)(cd);
        cd->type = (char *)type;
        const char *st = str_or(c, "status", "");
        cd->status = !strcmp(st, "True")    ? E(STATUS__STATUS_CONDITION_TRUE)
                     : !strcmp(st, "False") ? E(STATUS__STATUS_CONDITION_FALSE)
                                            : E(STATUS__STATUS_CONDITION_UNKNOWN);
        cd->reason = (char *)str_or(c, "reason", "");
        cd->message = (char *)str_or(c, "message", "");
        cd->target = target_enum(s);
        j->conds[j->nconds++] = cd;
    }
    return 0;
}

static int meta_events(struct job *j, const pb_struct *item)
{
    const pb_list *l = get_list(item, "events");
    size_t n = l ? l->n_values : 0;
    M(Result) **v = fn_alloc(j->a, (j->nresults + n + 1) * sizeof *v);
    if (!v)
        return oom(j);
    if (j->nresults)
        memcpy(v, j->results, j->nresults * sizeof *v);
    j->results = v;
    for (size_t i = 0; i < n; i++) {
        const pb_value *x = l->values[i];
        const pb_struct *s = x && x->kind_case == VK(STRUCT_VALUE) ? x->struct_value : NULL;
        const pb_struct *ev = fn_get_struct(s, "event");
        const char *type = str_or(ev, "type", "Normal");
        M(Result) *r = fn_alloc(j->a, sizeof *r);
        if (!r)
            return oom(j);
        F(result__init)(r);
        if (!strcmp(type, "Normal") || !*type)
            r->severity = E(SEVERITY__SEVERITY_NORMAL);
        else if (!strcmp(type, "Warning"))
            r->severity = E(SEVERITY__SEVERITY_WARNING);
        else
            return failf(j, "%sinvalid event type \"%s\"", PROCESS_PREFIX, type);
        r->message = (char *)str_or(ev, "message", "");
        r->reason = (char *)str_or(ev, "reason", "");
        r->target = target_enum(s);
        j->results[j->nresults++] = r;
    }
    return 0;
}

static int meta_context(struct job *j, const pb_struct *item)
{
    if (!j->context && !(j->context = fn_struct_copy(j->a, j->req->context)))
        return oom(j);
    return fn_merge(j->a, j->context, fn_get_struct(item, "data")) ? oom(j) : 0;
}

static int meta_connection(struct job *j, const pb_struct *item)
{
    const pb_struct *data = fn_get_struct(item, "data");
    size_t n = data ? data->n_fields : 0;
    M(Resource__ConnectionDetailsEntry) **v =
        fn_alloc(j->a, (j->nxr_conn + n + 1) * sizeof *v);
    if (!v)
        return oom(j);
    if (j->nxr_conn)
        memcpy(v, j->xr_conn, j->nxr_conn * sizeof *v);
    j->xr_conn = v;
    for (size_t i = 0; i < n; i++) {
        const pb_value *x = data->fields[i]->value;
        M(Resource__ConnectionDetailsEntry) *e = fn_alloc(j->a, sizeof *e);
        if (!e)
            return oom(j);
        F(resource__connection_details_entry__init)(e);
        e->key = data->fields[i]->key;
        if (!x || x->kind_case != VK(STRING_VALUE) || b64_decode(j->a, x->string_value, &e->value))
            return failf(j, "%sconnection detail %s is not base64", PROCESS_PREFIX, e->key);
        size_t k = 0;
        while (k < j->nxr_conn && strcmp(j->xr_conn[k]->key, e->key))
            k++;
        j->xr_conn[k] = e;
        if (k == j->nxr_conn)
            j->nxr_conn++;
    }
    return 0;
}

static int meta_item(struct job *j, const pb_struct *item)
{
    const char *kind = str_or(item, "kind", "");
    if (!strcmp(kind, "CompositeConnectionDetails"))
        return meta_connection(j, item);
    if (!strcmp(kind, "ExtraResources"))
        return meta_requirements(j, item, false);
    if (!strcmp(kind, "RequiredResources"))
        return meta_requirements(j, item, true);
    if (!strcmp(kind, "Conditions"))
        return meta_conditions(j, item);
    if (!strcmp(kind, "Events"))
        return meta_events(j, item);
    if (!strcmp(kind, "Context"))
        return meta_context(j, item);
    return failf(j, "%sinvalid kind \"%s\" for apiVersion \"%s\" - must be one of "
                    "CompositeConnectionDetails, ExtraResources, RequiredResources, Conditions, "
                    "Events or Context",
                 PROCESS_PREFIX, kind, META_API);
}

static int target_default(struct job *j, const struct items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        pb_struct *item = it->v[i];
        if (j->oxr && same_type(item, j->oxr)) {
            pb_struct *st = fn_get_struct(item, "status");
            if (st) {
                pb_struct *ds = fn_get_struct(j->dxr, "status");
                if (!ds) {
                    if (!(ds = fn_struct_new(j->a)) ||
                        fn_set(j->a, j->dxr, "status", fn_value_struct(j->a, ds)))
                        return oom(j);
                }
                if (fn_merge(j->a, ds, st))
                    return oom(j);
            }
            continue;
        }
        const char *api = fn_get_str(item, "apiVersion");
        if (api && !strcmp(api, META_API)) {
            if (meta_item(j, item))
                return -1;
            continue;
        }
        const char *name = item_name(j, item);
        int ready;
        if (!name || item_ready(j, item, &ready) || note_written(j, name, item, it->n) ||
            put_res(j, name, item, ready))
            return -1;
    }
    return 0;
}

static int target_resources(struct job *j, const struct items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        pb_struct *item = it->v[i];
        const char *name = item_name(j, item);
        int ready;
        if (!name || item_ready(j, item, &ready) || note_written(j, name, item, it->n))
            return -1;
        int at = find_res(j, name);
        if (at >= 0 && j->res[at]->value && j->res[at]->value->resource) {
            /* shallow merge: the existing top-level keys stay, the item's win */
            pb_struct *m = fn_struct_copy(j->a, j->res[at]->value->resource);
            for (size_t k = 0; m && k < item->n_fields; k++)
                if (fn_set(j->a, m, item->fields[k]->key, item->fields[k]->value))
                    m = NULL;
            if (!m)
                return oom(j);
            item = m;
        }
        if (put_res(j, name, item, ready))
            return -1;
    }
    return 0;
}

static int target_patch(struct job *j, const struct items *it)
{
    static const char *const skip[] = {"apiVersion", "kind", "metadata.name", NULL};
    size_t matched = 0;
    for (size_t i = 0; i < it->n; i++) {
        pb_struct *item = it->v[i];
        const char *name = item_name(j, item);
        int at = name ? find_res(j, name) : -1;
        if (at < 0)
            continue;
        matched++;
        const fn_resource *old = j->res[at]->value;
        pb_struct *obj = fn_struct_copy(j->a, old ? old->resource : NULL);
        if (!obj || fn_patch(j->a, obj, item, skip))
            return oom(j);
        int ready;
        if (item_ready(j, obj, &ready) || put_res(j, name, obj, ready))
            return -1;
    }
    if (matched != it->n)
        return failf(j, "%sfailed to match all resources, found %zu / %zu patches",
                     PROCESS_PREFIX, matched, it->n);
    return 0;
}

static int target_patch_resources(struct job *j, const struct items *it)
{
    const pb_list *l = get_list(j->spec, "resources");
    if (!l || !l->n_values)
        return failf(j, "invalid function input: spec.resources: Required value: resources "
                        "cannot be empty for the PatchResources target");
    for (size_t i = 0; i < l->n_values; i++) {
        const pb_value *x = l->values[i];
        const pb_struct *r = x && x->kind_case == VK(STRUCT_VALUE) ? x->struct_value : NULL;
        const char *name = fn_get_str(r, "name");
        pb_struct *base = fn_get_struct(r, "base");
        if (!name || !*name || !base)
            return failf(j, "invalid function input: spec.resources[%zu]: Required value: "
                            "name and base are required",
                         i);
        pb_struct *c = fn_struct_copy(j->a, base);
        if (!c || put_res(j, name, c, E(READY__READY_UNSPECIFIED)))
            return oom(j);
    }
    return target_patch(j, it);
}

static int target_xr(struct job *j, const struct items *it)
{
    for (size_t i = 0; i < it->n; i++)
        if (fn_patch(j->a, j->dxr, it->v[i], NULL))
            return oom(j);
    return 0;
}

/* {===== the whole request */

static fn_response *skeleton(struct fn_arena *a, const fn_request *req)
{
    fn_response *rsp = fn_alloc(a, sizeof *rsp);
    M(ResponseMeta) *meta = fn_alloc(a, sizeof *meta);
    Google__Protobuf__Duration *ttl = fn_alloc(a, sizeof *ttl);
    if (!rsp || !meta || !ttl)
        return NULL;
    F(run_function_response__init)(rsp);
    F(response_meta__init)(meta);
    google__protobuf__duration__init(ttl);
    ttl->seconds = 60;
    meta->ttl = ttl;
    if (req->meta && req->meta->tag)
        meta->tag = req->meta->tag;
    rsp->meta = meta;
    rsp->desired = req->desired;
    rsp->context = req->context;
    return rsp;
}

static int fatal_response(struct fn_arena *a, fn_response *rsp, const char *msg)
{
    M(Result) *r = fn_alloc(a, sizeof *r);
    M(Result) **v = fn_alloc(a, sizeof *v);
    if (!r || !v)
        return -1;
    F(result__init)(r);
    r->severity = E(SEVERITY__SEVERITY_FATAL);
    r->message = (char *)msg;
    r->target = E(TARGET__TARGET_COMPOSITE);
    v[0] = r;
    rsp->results = v;
    rsp->n_results = 1;
    return 0;
}

static int build_dxr(struct job *j)
{
    const fn_request *req = j->req;
    const fn_resource *dc = req->desired ? req->desired->composite : NULL;
    j->oxr = req->observed && req->observed->composite ? req->observed->composite->resource
                                                        : NULL;
    if (!(j->dxr = fn_struct_copy(j->a, dc ? dc->resource : NULL)))
        return oom(j);
    const char *api = fn_get_str(j->oxr, "apiVersion"), *kind = fn_get_str(j->oxr, "kind");
    if ((api && fn_set(j->a, j->dxr, "apiVersion", fn_value_str(j->a, api))) ||
        (kind && fn_set(j->a, j->dxr, "kind", fn_value_str(j->a, kind))))
        return oom(j);
    /* desired composed resources: the request's, replaced by name as items come */
    size_t n = req->desired ? req->desired->n_resources : 0;
    j->capres = n + 8;
    if (!(j->res = fn_alloc(j->a, j->capres * sizeof *j->res)))
        return oom(j);
    for (size_t i = 0; i < n; i++)
        j->res[j->nres++] = req->desired->resources[i];
    return 0;
}

static int assemble(struct job *j, fn_response *rsp)
{
    M(State) *st = fn_alloc(j->a, sizeof *st);
    fn_resource *xr = fn_alloc(j->a, sizeof *xr);
    if (!st || !xr)
        return oom(j);
    F(state__init)(st);
    F(resource__init)(xr);
    const fn_resource *dc = j->req->desired ? j->req->desired->composite : NULL;
    xr->resource = j->dxr;
    if (dc) {
        xr->connection_details = dc->connection_details;
        xr->n_connection_details = dc->n_connection_details;
    }
    if (j->nxr_conn) {
        size_t n = xr->n_connection_details;
        M(Resource__ConnectionDetailsEntry) **v = fn_alloc(j->a, (n + j->nxr_conn) * sizeof *v);
        if (!v)
            return oom(j);
        if (n)
            memcpy(v, xr->connection_details, n * sizeof *v);
        for (size_t i = 0; i < j->nxr_conn; i++) {
            size_t k = 0;
            while (k < n && strcmp(v[k]->key, j->xr_conn[i]->key))
                k++;
            v[k] = j->xr_conn[i];
            if (k == n)
                n++;
        }
        xr->connection_details = v;
        xr->n_connection_details = n;
    }
    st->composite = xr;
    st->resources = j->res;
    st->n_resources = j->nres;
    rsp->desired = st;
    rsp->requirements = j->reqs;
    rsp->conditions = j->conds;
    rsp->n_conditions = j->nconds;
    rsp->results = j->results;
    rsp->n_results = j->nresults;
    if (j->context)
        rsp->context = j->context;
    return 0;
}

static int process(struct job *j, scl_run *run)
{
    if (build_dxr(j) || prepare(j, run))
        return -1;
    scl_status st = scl_run_eval(run);
    if (st != SCL_OK)
        return run_failed(j, run, st);
    struct items it = {0};
    if (read_items(j, scl_run_result(run), &it))
        return -1;
    const char *t = j->target;
    if (!strcmp(t, "Resources"))
        return target_resources(j, &it);
    if (!strcmp(t, "PatchDesired"))
        return target_patch(j, &it);
    if (!strcmp(t, "PatchResources"))
        return target_patch_resources(j, &it);
    if (!strcmp(t, "XR"))
        return target_xr(j, &it);
    return target_default(j, &it);
}

fn_response *fn_run_function(struct fn_worker_ctx *w, struct fn_arena *a, const fn_request *req,
                             const char **fatal)
{
    fn_response *rsp = skeleton(a, req);
    if (!rsp)
        return NULL;
    struct job j = {.w = w, .a = a, .req = req, .input = req->input};
    *fatal = NULL;
    if (read_input(&j) == 0 && packages(&j) == 0) {
        bool inline_src = !is_local(j.source);
        struct confine conf;
        confine_init(&conf, &j, inline_src);
        scl_loader confining = {SCL_LOADER_VERSION, &conf, confine_resolve, confine_read_module,
                                confine_read_file};
        scl_ctx_set_loader(w->ctx, inline_src && !w->cfg->root && !j.next
                                       ? &refusing_loader
                                       : &confining);
        /* what the hooks answer depends on the folders this step may reach */
        const char *scope = fn_printf(a, "%s\n%s\n", conf.step_dir ? conf.step_dir : "",
                                      w->cfg->root ? w->cfg->root : "");
        for (size_t i = 0; scope && i < j.next; i++)
            scope = fn_printf(a, "%s%s=%s\n", scope, j.ext_names[i], j.ext_dirs[i]);
        scl_ctx_loader_cache(w->ctx, scope, scope ? w->cfg->reuse_ms : 0);
        scl_run *run = scl_run_new(w->ctx);
        /* the time budget: --timeout, or the caller's deadline when that comes first */
        uint64_t budget = w->cfg->timeout_ms;
        if (w->deadline_ms && (!budget || w->deadline_ms < budget))
            budget = w->deadline_ms;
        scl_limits lim = {SCL_LIMITS_VERSION, 0, budget, w->cfg->max_memory, 0};
        if (run)
            scl_run_set_limits(run, &lim);
        if (!run)
            oom(&j);
        else if (process(&j, run) == 0)
            assemble(&j, rsp);
        scl_run_free(run);
    }
    if (j.fatal) {
        /* the request's desired state and context, unchanged, and one FATAL result */
        rsp = skeleton(a, req);
        if (!rsp || fatal_response(a, rsp, j.fatal))
            return NULL;
        *fatal = j.fatal;
    }
    return rsp;
}
