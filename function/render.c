/* `scl function render`: the steps of a Pipeline Composition run in-process, as `crossplane
 * render` runs them but without containers. A step whose input is a KCLInput goes through
 * fn_run_function, exactly as the server answers it; any other step is skipped with a note on
 * stderr and passes the desired state through. Each step's desired state and context become the
 * next step's, as Crossplane chains them; the observed state is the same for every step. */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "function/fn.h"

#define M(x)  Apiextensions__Fn__Proto__V1__##x
#define F(x)  apiextensions__fn__proto__v1__##x
#define E(x)  APIEXTENSIONS__FN__PROTO__V1__##x
#define VK(x) GOOGLE__PROTOBUF__VALUE__KIND_##x

static const char NAME_ANN[] = "crossplane.io/composition-resource-name";
static const char RENDER_API[] = "render.crossplane.io/v1beta1";

static const char usage[] =
    "usage: scl function render XR.yaml COMPOSITION.yaml [FUNCTIONS.yaml] [options]\n"
    "\n"
    "Runs the steps of a Pipeline Composition in-process and prints the XR with its desired\n"
    "status, then every desired composed resource, as a YAML stream. Steps whose input is a\n"
    "KCLInput run as `scl function serve` runs them; other steps are skipped (noted on stderr).\n"
    "\n"
    "  -o, --observed-resources FILE|DIR  observed composed resources (YAML), each named by its\n"
    "                                     crossplane.io/composition-resource-name annotation\n"
    "  --context-files KEY=FILE[,...]     context KEY is the JSON/YAML document in FILE\n"
    "  --context-values KEY=VALUE[,...]   context KEY is the JSON/YAML value VALUE\n"
    "  -r, --include-function-results     print the steps' results too\n"
    "  -c, --include-context              print the final context too\n"
    "  -x, --include-full-xr              print the whole XR (spec, metadata), not only status\n"
    "  --root DIR                         module root of inline sources\n"
    "  -E, --external NAME=DIR            package NAME is the directory DIR (repeatable)\n"
    "  --dependencies FILE                kcl.mod [dependencies] lines added to every input's\n"
    "                                     spec.dependencies\n"
    "  --timeout SECONDS                  time budget of each step (default 10; 0: none)\n"
    "  --max-memory MIB                   memory budget of each step (default 256; 0: none)\n"
    "  --reuse-imports SECONDS            reuse resolved imports this long (default 1; 0: never)\n";

typedef M(Result) result;

struct named {
    const char *name;
    pb_struct *obj;
};

struct render {
    struct fn_arena a;
    struct fn_config cfg;
    struct fn_worker_ctx w;
    scl_ctx *ctx;
    /* the inputs */
    pb_struct *xr, *comp;
    const char **functions; /* names of the Functions in FUNCTIONS.yaml, or NULL */
    size_t nfunctions;
    struct named *observed;
    size_t nobserved;
    pb_struct *context;
    bool results, with_context, full_xr;
    /* what the steps produced */
    fn_state *desired;
    result **res; /* every step's results, in order */
    const char **res_step;
    size_t nres, capres;
    const char **first_name; /* composed resource names, by the step that first desired them */
    size_t *first_step;
    size_t nfirst, capfirst;
};

static int errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int errf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("scl-function render: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static int oom(void)
{
    return errf("out of memory");
}

/* {===== reading YAML: yaml.decode_all in a run of the render's own context */

struct docs {
    pb_value **v;
    size_t n;
};

static int diag_write(void *ud, const char *s, size_t n)
{
    (void)ud;
    fwrite(s, 1, n, stderr);
    return 0;
}

/* The documents of a YAML (or JSON) text; null documents are left out. */
static int parse_docs(struct render *r, const char *name, const char *text, struct docs *out)
{
    static const char prog[] = "import yaml\ndocs = yaml.decode_all(option(\"text\"))\n";
    scl_ctx_set_loader(r->ctx, NULL);
    scl_run *run = scl_run_new(r->ctx);
    if (!run)
        return oom();
    int rc = -1;
    scl_val *t = scl_new_str(run, text, strlen(text));
    if (!t || scl_run_option(run, "text", t) != SCL_OK ||
        scl_run_add_file(run, "<render>", prog, sizeof prog - 1) != SCL_OK) {
        oom();
        goto out;
    }
    if (scl_run_eval(run) != SCL_OK) {
        errf("cannot read %s as YAML:", name);
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            if (scl_diag_is_error(scl_run_diag(run, i)))
                scl_diag_render(run, scl_run_diag(run, i), 0, diag_write, NULL);
        goto out;
    }
    const scl_val *docs = scl_val_get(scl_run_result(run), "docs");
    size_t n = scl_val_len(docs);
    if (!(out->v = fn_alloc(&r->a, (n ? n : 1) * sizeof *out->v))) {
        oom();
        goto out;
    }
    out->n = 0;
    const struct fn_out_flags flags = {.show_hidden = true};
    for (size_t i = 0; i < n; i++) {
        const scl_val *d = scl_val_at(docs, i, NULL);
        if (scl_val_kind(d) == SCL_NONE)
            continue;
        if (!(out->v[out->n++] = fn_val_to_value(&r->a, d, &flags))) {
            oom();
            goto out;
        }
    }
    rc = 0;
out:
    scl_run_free(run);
    return rc;
}

static int read_docs(struct render *r, const char *path, struct docs *out)
{
    char *text = fn_read_file(path, NULL);
    if (!text)
        return -1;
    int rc = parse_docs(r, path, text, out);
    free(text);
    return rc;
}

static pb_struct *as_struct(const pb_value *v)
{
    return v && v->kind_case == VK(STRUCT_VALUE) ? v->struct_value : NULL;
}

/* The first object of a file (of a kind, if 'kind'). */
static pb_struct *read_object(struct render *r, const char *path, const char *kind)
{
    struct docs d = {0};
    if (read_docs(r, path, &d))
        return NULL;
    for (size_t i = 0; i < d.n; i++) {
        pb_struct *s = as_struct(d.v[i]);
        const char *k = fn_get_str(s, "kind");
        if (s && (!kind || (k && !strcmp(k, kind))))
            return s;
    }
    errf("%s holds no %s", path, kind ? kind : "object");
    return NULL;
}

static const pb_list *get_list(const pb_struct *s, const char *key)
{
    pb_value *v = fn_get(s, key);
    return v && v->kind_case == VK(LIST_VALUE) ? v->list_value : NULL;
}

/* {===== the inputs */

static int add_observed(struct render *r, const char *path)
{
    struct docs d = {0};
    if (read_docs(r, path, &d))
        return -1;
    struct named *v = fn_alloc(&r->a, (r->nobserved + d.n + 1) * sizeof *v);
    if (!v)
        return oom();
    if (r->nobserved)
        memcpy(v, r->observed, r->nobserved * sizeof *v);
    r->observed = v;
    for (size_t i = 0; i < d.n; i++) {
        pb_struct *s = as_struct(d.v[i]);
        const char *name =
            fn_get_str(fn_get_struct(fn_get_struct(s, "metadata"), "annotations"), NAME_ANN);
        if (!s || !name || !*name)
            return errf("%s: observed resource %zu has no %s annotation", path, i + 1, NAME_ANN);
        size_t k = 0;
        while (k < r->nobserved && strcmp(r->observed[k].name, name))
            k++;
        r->observed[k] = (struct named){name, s};
        if (k == r->nobserved)
            r->nobserved++;
    }
    return 0;
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool yaml_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && ((len > 5 && !strcmp(n + len - 5, ".yaml")) ||
                           (len > 4 && !strcmp(n + len - 4, ".yml")) ||
                           (len > 5 && !strcmp(n + len - 5, ".json")));
}

/* a file, or every .yaml/.yml/.json file of a folder in name order */
static int read_observed(struct render *r, const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return errf("cannot read %s: no such file or folder", path);
    if (!S_ISDIR(st.st_mode))
        return add_observed(r, path);
    DIR *dir = opendir(path);
    if (!dir)
        return errf("cannot read the folder %s", path);
    const char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!yaml_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            const char **v = fn_alloc(&r->a, cap * sizeof *v);
            if (!v) {
                closedir(dir);
                return oom();
            }
            if (n)
                memcpy(v, names, n * sizeof *v);
            names = v;
        }
        if (!(names[n++] = fn_printf(&r->a, "%s/%s", path, e->d_name))) {
            closedir(dir);
            return oom();
        }
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++)
        if (add_observed(r, names[i]))
            return -1;
    return 0;
}

static int read_functions(struct render *r, const char *path)
{
    struct docs d = {0};
    if (read_docs(r, path, &d))
        return -1;
    if (!(r->functions = fn_alloc(&r->a, (d.n + 1) * sizeof *r->functions)))
        return oom();
    for (size_t i = 0; i < d.n; i++) {
        pb_struct *s = as_struct(d.v[i]);
        const char *kind = fn_get_str(s, "kind");
        const char *name = fn_get_str(fn_get_struct(s, "metadata"), "name");
        if (kind && !strcmp(kind, "Function") && name)
            r->functions[r->nfunctions++] = name;
    }
    return 0;
}

/* --context-files / --context-values: KEY=X[,KEY=X...] */
static int add_context(struct render *r, const char *arg, bool files)
{
    char *list = fn_strdup(&r->a, arg, strlen(arg));
    if (!list)
        return oom();
    for (char *save = NULL, *kv = strtok_r(list, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
            return errf("--context-%s wants KEY=%s, got %s", files ? "files" : "values",
                        files ? "FILE" : "VALUE", kv);
        *eq = '\0';
        struct docs d = {0};
        if (files ? read_docs(r, eq + 1, &d) : parse_docs(r, "--context-values", eq + 1, &d))
            return -1;
        pb_value *v = d.n ? d.v[0] : NULL;
        if (!v) {
            if (!(v = fn_zalloc(&r->a, sizeof *v)))
                return oom();
            google__protobuf__value__init(v);
            v->kind_case = VK(NULL_VALUE);
        }
        if (fn_set(&r->a, r->context, kv, v))
            return oom();
    }
    return 0;
}

/* {===== the pipeline */

static fn_state *state_new(struct fn_arena *a)
{
    fn_state *s = fn_alloc(a, sizeof *s);
    if (s)
        F(state__init)(s);
    return s;
}

static fn_state *observed_state(struct render *r)
{
    fn_state *s = state_new(&r->a);
    fn_resource *xr = fn_alloc(&r->a, sizeof *xr);
    M(State__ResourcesEntry) **v = fn_alloc(&r->a, (r->nobserved + 1) * sizeof *v);
    if (!s || !xr || !v)
        return NULL;
    F(resource__init)(xr);
    xr->resource = r->xr;
    s->composite = xr;
    for (size_t i = 0; i < r->nobserved; i++) {
        M(State__ResourcesEntry) *e = fn_alloc(&r->a, sizeof *e);
        fn_resource *res = fn_alloc(&r->a, sizeof *res);
        if (!e || !res)
            return NULL;
        F(state__resources_entry__init)(e);
        F(resource__init)(res);
        res->resource = r->observed[i].obj;
        e->key = (char *)r->observed[i].name;
        e->value = res;
        v[i] = e;
    }
    s->resources = v;
    s->n_resources = r->nobserved;
    return s;
}

static bool is_kcl_input(const pb_struct *in)
{
    const char *api = fn_get_str(in, "apiVersion"), *kind = fn_get_str(in, "kind");
    return api && kind && !strncmp(api, "krm.kcl.dev/", 12) && !strcmp(kind, "KCLInput");
}

static int note_results(struct render *r, const char *step, const fn_response *rsp)
{
    for (size_t i = 0; i < rsp->n_results; i++) {
        if (r->nres == r->capres) {
            size_t cap = r->capres ? r->capres * 2 : 16;
            result **v = fn_alloc(&r->a, cap * sizeof *v);
            const char **s = fn_alloc(&r->a, cap * sizeof *s);
            if (!v || !s)
                return oom();
            if (r->nres) {
                memcpy(v, r->res, r->nres * sizeof *v);
                memcpy(s, r->res_step, r->nres * sizeof *s);
            }
            r->res = v;
            r->res_step = s;
            r->capres = cap;
        }
        r->res[r->nres] = rsp->results[i];
        r->res_step[r->nres++] = step;
    }
    return 0;
}

/* Remembers the step that first desired each composed resource (the output's order). */
static int note_names(struct render *r, size_t step)
{
    for (size_t i = 0; r->desired && i < r->desired->n_resources; i++) {
        const char *name = r->desired->resources[i]->key;
        size_t k = 0;
        while (k < r->nfirst && strcmp(r->first_name[k], name))
            k++;
        if (k < r->nfirst)
            continue;
        if (r->nfirst == r->capfirst) {
            size_t cap = r->capfirst ? r->capfirst * 2 : 16;
            const char **v = fn_alloc(&r->a, cap * sizeof *v);
            size_t *s = fn_alloc(&r->a, cap * sizeof *s);
            if (!v || !s)
                return oom();
            if (r->nfirst) {
                memcpy(v, r->first_name, r->nfirst * sizeof *v);
                memcpy(s, r->first_step, r->nfirst * sizeof *s);
            }
            r->first_name = v;
            r->first_step = s;
            r->capfirst = cap;
        }
        r->first_name[r->nfirst] = name;
        r->first_step[r->nfirst++] = step;
    }
    return 0;
}

static int run_pipeline(struct render *r)
{
    const pb_struct *spec = fn_get_struct(r->comp, "spec");
    const char *mode = fn_get_str(spec, "mode");
    if (!mode || strcmp(mode, "Pipeline"))
        return errf("the Composition's mode is %s: only Pipeline Compositions can be rendered",
                    mode ? mode : "not set (Resources)");
    const pb_struct *ref = fn_get_struct(spec, "compositeTypeRef");
    const char *api = fn_get_str(ref, "apiVersion"), *kind = fn_get_str(ref, "kind");
    const char *xapi = fn_get_str(r->xr, "apiVersion"), *xkind = fn_get_str(r->xr, "kind");
    if (api && kind && (!xapi || !xkind || strcmp(api, xapi) || strcmp(kind, xkind)))
        return errf("the Composition composes %s %s, but the XR is %s %s", api, kind,
                    xapi ? xapi : "?", xkind ? xkind : "?");
    const pb_list *steps = get_list(spec, "pipeline");
    fn_state *observed = observed_state(r);
    if (!observed || !(r->desired = state_new(&r->a)))
        return oom();
    for (size_t i = 0; steps && i < steps->n_values; i++) {
        const pb_struct *step = as_struct(steps->values[i]);
        const char *name = fn_get_str(step, "step");
        const char *fname = fn_get_str(fn_get_struct(step, "functionRef"), "name");
        if (!name)
            name = fn_printf(&r->a, "#%zu", i + 1);
        if (!name)
            return oom();
        if (r->functions && fname) {
            size_t k = 0;
            while (k < r->nfunctions && strcmp(r->functions[k], fname))
                k++;
            if (k == r->nfunctions)
                return errf("pipeline step \"%s\": no Function \"%s\" in the functions file", name,
                            fname);
        }
        pb_struct *input = fn_get_struct(step, "input");
        if (!is_kcl_input(input)) {
            fprintf(stderr,
                    "scl-function render: step \"%s\" (function \"%s\") skipped: its input is "
                    "not a KCLInput; the desired state passes through\n",
                    name, fname ? fname : "");
            continue;
        }
        fn_request req;
        M(RequestMeta) meta;
        F(run_function_request__init)(&req);
        F(request_meta__init)(&meta);
        meta.tag = (char *)name;
        req.meta = &meta;
        req.observed = observed;
        req.desired = r->desired;
        req.input = input;
        req.context = r->context;
        const char *fatal = NULL;
        fn_response *rsp = fn_run_function(&r->w, &r->a, &req, &fatal);
        if (!rsp)
            return oom();
        if (fatal)
            return errf("pipeline step \"%s\" returned a fatal result: %s", name, fatal);
        if (r->cfg.debug)
            fprintf(stderr, "scl-function render: step \"%s\": %zu desired resources\n", name,
                    rsp->desired ? rsp->desired->n_resources : 0);
        if (rsp->requirements &&
            (rsp->requirements->n_resources || rsp->requirements->n_extra_resources))
            fprintf(stderr,
                    "scl-function render: step \"%s\" asks for required resources; render "
                    "supplies none\n",
                    name);
        if (note_results(r, name, rsp))
            return -1;
        r->desired = rsp->desired ? rsp->desired : state_new(&r->a);
        r->context = rsp->context;
        if (!r->desired || note_names(r, i))
            return oom();
    }
    return 0;
}

/* {===== the output */

static int set_str(struct fn_arena *a, pb_struct *s, const char *key, const char *v)
{
    pb_value *x = fn_value_str(a, v);
    return x ? fn_set(a, s, key, x) : -1;
}

static pb_struct *child(struct fn_arena *a, pb_struct *s, const char *key)
{
    pb_struct *c = fn_get_struct(s, key);
    if (c)
        return c;
    if (!(c = fn_struct_new(a)) || fn_set(a, s, key, fn_value_struct(a, c)))
        return NULL;
    return c;
}

static pb_struct *out_xr(struct render *r)
{
    struct fn_arena *a = &r->a;
    const fn_resource *dc = r->desired ? r->desired->composite : NULL;
    const pb_struct *status = fn_get_struct(dc ? dc->resource : NULL, "status");
    pb_struct *x = r->full_xr ? fn_struct_copy(a, r->xr) : fn_struct_new(a);
    if (!x)
        return NULL;
    if (!r->full_xr) {
        const pb_struct *md = fn_get_struct(r->xr, "metadata");
        pb_struct *m = fn_struct_new(a);
        const char *name = fn_get_str(md, "name"), *ns = fn_get_str(md, "namespace");
        if (!m || set_str(a, x, "apiVersion", fn_get_str(r->xr, "apiVersion")) ||
            set_str(a, x, "kind", fn_get_str(r->xr, "kind")) ||
            fn_set(a, x, "metadata", fn_value_struct(a, m)) ||
            (name && set_str(a, m, "name", name)) || (ns && set_str(a, m, "namespace", ns)))
            return NULL;
    }
    if (status && status->n_fields) {
        pb_struct *st = child(a, x, "status");
        if (!st || fn_merge(a, st, status))
            return NULL;
    }
    return x;
}

/* A desired composed resource as Crossplane would create it: named by the annotation, labelled
 * and owned by the XR. */
static pb_struct *out_resource(struct render *r, const char *name, const fn_resource *res)
{
    struct fn_arena *a = &r->a;
    pb_struct *o = fn_struct_copy(a, res ? res->resource : NULL);
    pb_struct *md = o ? child(a, o, "metadata") : NULL;
    pb_struct *ann = md ? child(a, md, "annotations") : NULL;
    if (!ann || set_str(a, ann, NAME_ANN, name))
        return NULL;
    const pb_struct *xmd = fn_get_struct(r->xr, "metadata");
    const char *xname = fn_get_str(xmd, "name");
    if (!xname)
        return o;
    pb_struct *labels = child(a, md, "labels");
    const char *gen = fn_printf(a, "%s-", xname);
    if (!labels || !gen || set_str(a, labels, "crossplane.io/composite", xname) ||
        (!fn_get(md, "name") && !fn_get(md, "generateName") && set_str(a, md, "generateName", gen)))
        return NULL;
    if (!fn_get(md, "ownerReferences")) {
        pb_struct *ref = fn_struct_new(a);
        pb_value *t = fn_alloc(a, sizeof *t), *rv = fn_value_struct(a, ref);
        pb_list *l = fn_alloc(a, sizeof *l);
        pb_value *lv = fn_alloc(a, sizeof *lv);
        pb_value **vals = fn_alloc(a, sizeof *vals);
        if (!ref || !t || !rv || !l || !lv || !vals)
            return NULL;
        google__protobuf__value__init(t);
        t->kind_case = VK(BOOL_VALUE);
        t->bool_value = true;
        google__protobuf__list_value__init(l);
        vals[0] = rv;
        l->values = vals;
        l->n_values = 1;
        google__protobuf__value__init(lv);
        lv->kind_case = VK(LIST_VALUE);
        lv->list_value = l;
        const char *xapi = fn_get_str(r->xr, "apiVersion"), *xkind = fn_get_str(r->xr, "kind");
        const char *uid = fn_get_str(xmd, "uid");
        if (set_str(a, ref, "apiVersion", xapi ? xapi : "") ||
            set_str(a, ref, "kind", xkind ? xkind : "") || set_str(a, ref, "name", xname) ||
            set_str(a, ref, "uid", uid ? uid : "") || fn_set(a, ref, "controller", t) ||
            fn_set(a, ref, "blockOwnerDeletion", t) || fn_set(a, md, "ownerReferences", lv))
            return NULL;
    }
    return o;
}

static const char *severity_name(int s)
{
    switch (s) {
    case E(SEVERITY__SEVERITY_FATAL):
        return "SEVERITY_FATAL";
    case E(SEVERITY__SEVERITY_WARNING):
        return "SEVERITY_WARNING";
    case E(SEVERITY__SEVERITY_NORMAL):
        return "SEVERITY_NORMAL";
    default:
        return "SEVERITY_UNSPECIFIED";
    }
}

static pb_struct *out_result(struct render *r, size_t i)
{
    struct fn_arena *a = &r->a;
    const result *res = r->res[i];
    pb_struct *o = fn_struct_new(a);
    if (!o || set_str(a, o, "apiVersion", RENDER_API) || set_str(a, o, "kind", "Result") ||
        set_str(a, o, "step", r->res_step[i]) ||
        set_str(a, o, "severity", severity_name((int)res->severity)) ||
        set_str(a, o, "message", res->message ? res->message : "") ||
        (res->reason && *res->reason && set_str(a, o, "reason", res->reason)) ||
        (res->target != E(TARGET__TARGET_UNSPECIFIED) &&
         set_str(a, o, "target",
                 res->target == E(TARGET__TARGET_COMPOSITE_AND_CLAIM) ? "CompositeAndClaim"
                                                                      : "Composite")))
        return NULL;
    return o;
}

struct order {
    const char *name;
    size_t step;
    const fn_resource *res;
};

static int order_cmp(const void *x, const void *y)
{
    const struct order *a = x, *b = y;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int out_write(void *ud, const char *s, size_t n)
{
    return fwrite(s, 1, n, ud) == n ? 0 : 1;
}

static int print_output(struct render *r)
{
    size_t n = r->desired ? r->desired->n_resources : 0;
    struct order *ord = fn_alloc(&r->a, (n ? n : 1) * sizeof *ord);
    if (!ord)
        return oom();
    for (size_t i = 0; i < n; i++) {
        const M(State__ResourcesEntry) *e = r->desired->resources[i];
        size_t k = 0;
        while (k < r->nfirst && strcmp(r->first_name[k], e->key))
            k++;
        ord[i] = (struct order){e->key, k < r->nfirst ? r->first_step[k] : 0, e->value};
    }
    if (n)
        qsort(ord, n, sizeof *ord, order_cmp);

    scl_ctx_set_loader(r->ctx, NULL);
    scl_run *run = scl_run_new(r->ctx);
    scl_val *list = run ? scl_new_list(run) : NULL;
    bool bad = false;
    int rc = -1;
    if (!list)
        goto nomem;
    pb_struct *xr = out_xr(r);
    if (!xr || scl_list_push(run, list, fn_struct_to_val(run, xr, &bad)) != SCL_OK)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        pb_struct *o = out_resource(r, ord[i].name, ord[i].res);
        if (!o || scl_list_push(run, list, fn_struct_to_val(run, o, &bad)) != SCL_OK)
            goto nomem;
    }
    for (size_t i = 0; r->results && i < r->nres; i++) {
        pb_struct *o = out_result(r, i);
        if (!o || scl_list_push(run, list, fn_struct_to_val(run, o, &bad)) != SCL_OK)
            goto nomem;
    }
    if (r->with_context) {
        pb_struct *o = fn_struct_new(&r->a);
        pb_struct *fields = fn_struct_copy(&r->a, r->context);
        if (!o || !fields || set_str(&r->a, o, "apiVersion", RENDER_API) ||
            set_str(&r->a, o, "kind", "Context") ||
            fn_set(&r->a, o, "fields", fn_value_struct(&r->a, fields)) ||
            scl_list_push(run, list, fn_struct_to_val(run, o, &bad)) != SCL_OK)
            goto nomem;
    }
    fputs("---\n", stdout);
    if (scl_emit_yaml(list, 0, out_write, stdout) != SCL_OK || fflush(stdout)) {
        errf("cannot write the output");
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    oom();
out:
    scl_run_free(run);
    return rc;
}

/* {===== the command */

int fn_render(int argc, char **argv)
{
    struct render r;
    memset(&r, 0, sizeof r);
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0, rc = 1;
    const char *observed[64];
    size_t nobserved = 0;
    const char *ctx_args[64];
    bool ctx_files[64];
    size_t nctx = 0;
    fn_arena_init(&r.a, 0);
    fn_config_init(&r.cfg);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int c = fn_config_option(&r.cfg, argc, argv, &i);
        if (c < 0)
            goto done_usage;
        if (c > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--include-function-results")) {
            r.results = true;
        } else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--include-context")) {
            r.with_context = true;
        } else if (!strcmp(argv[i], "-x") || !strcmp(argv[i], "--include-full-xr")) {
            r.full_xr = true;
        } else if ((v = fn_opt_value(argc, argv, &i, "-o")) ||
                   (v = fn_opt_value(argc, argv, &i, "--observed-resources"))) {
            if (nobserved == 64)
                goto done_usage;
            observed[nobserved++] = v;
        } else if ((v = fn_opt_value(argc, argv, &i, "--context-files"))) {
            if (nctx == 64)
                goto done_usage;
            ctx_files[nctx] = true;
            ctx_args[nctx++] = v;
        } else if ((v = fn_opt_value(argc, argv, &i, "--context-values"))) {
            if (nctx == 64)
                goto done_usage;
            ctx_files[nctx] = false;
            ctx_args[nctx++] = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "scl-function render: unknown option %s\n%s", argv[i], usage);
            goto done_usage;
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "scl-function render: too many arguments\n%s", usage);
            goto done_usage;
        }
    }
    if (npos < 2) {
        fprintf(stderr, "%s", usage);
        goto done_usage;
    }
    if (fn_config_load(&r.cfg))
        goto done;
    r.cfg.max_depth = 10000;
    if (!(r.ctx = scl_ctx_new(NULL, NULL))) {
        oom();
        goto done;
    }
    r.w.ctx = r.ctx;
    r.w.cfg = &r.cfg;
    if (!(r.context = fn_struct_new(&r.a))) {
        oom();
        goto done;
    }
    if (!(r.xr = read_object(&r, pos[0], NULL)) ||
        !(r.comp = read_object(&r, pos[1], "Composition")) ||
        (pos[2] && read_functions(&r, pos[2])))
        goto done;
    for (size_t i = 0; i < nobserved; i++)
        if (read_observed(&r, observed[i]))
            goto done;
    for (size_t i = 0; i < nctx; i++)
        if (add_context(&r, ctx_args[i], ctx_files[i]))
            goto done;
    if (run_pipeline(&r) || print_output(&r))
        goto done;
    rc = 0;
    goto done;
done_usage:
    rc = 2;
done:
    scl_ctx_free(r.ctx);
    fn_config_free(&r.cfg);
    fn_arena_free(&r.a);
    return rc;
}
