/* The public API through scl.h only: evaluation, values, diagnostics, and two contexts
 * evaluating in two threads at once. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scl.h"

struct buf {
    char data[8192];
    size_t n;
};

static int buf_write(void *ud, const char *s, size_t len)
{
    struct buf *b = ud;
    if (b->n + len >= sizeof b->data)
        return 1;
    memcpy(b->data + b->n, s, len);
    b->n += len;
    b->data[b->n] = '\0';
    return 0;
}

START_TEST(test_eval_and_walk)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    const char *src = "a = 1\nb = [1, \"x\"]\nc = {k = True}\n";
    ck_assert_int_eq(scl_run_eval_file(run, "t.k", src, strlen(src)), SCL_OK);
    const scl_val *r = scl_run_result(run);
    ck_assert_int_eq(scl_val_kind(r), SCL_DICT);
    ck_assert_uint_eq(scl_val_len(r), 3);
    const char *key;
    const scl_val *v = scl_val_at(r, 1, &key);
    ck_assert_str_eq(key, "b");
    ck_assert_int_eq(scl_val_kind(v), SCL_LIST);
    size_t len;
    ck_assert_str_eq(scl_val_str(scl_val_at(v, 1, NULL), &len), "x");
    int64_t i;
    ck_assert(scl_val_int(scl_val_get(r, "a"), &i));
    ck_assert_int_eq(i, 1);
    struct buf b = {"", 0};
    ck_assert_int_eq(scl_emit_yaml(r, 0, buf_write, &b), SCL_OK);
    ck_assert_str_eq(b.data, "a: 1\nb:\n- 1\n- x\nc:\n  k: true\n");
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_options_and_errors)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_option_text(run, "n", "3"), SCL_OK);
    const char *src = "x = option(\"n\") + 1\nassert x == 5, \"x is ${x}\"\n";
    ck_assert_int_eq(scl_run_eval_file(run, "/t/main.k", src, strlen(src)), SCL_EEVAL);
    ck_assert_ptr_null(scl_run_result(run));
    ck_assert_uint_ge(scl_run_nerrors(run), 1);
    const scl_diag *d = scl_run_diag(run, 0);
    ck_assert_str_eq(scl_diag_code(d), "E3M38");
    ck_assert_str_eq(scl_diag_message(d), "x is 4");
    scl_span sp = scl_diag_span(run, d);
    ck_assert_uint_eq(sp.line, 2);
    struct buf b = {"", 0};
    scl_diag_render(run, d, 0, buf_write, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "error[E3M38]: EvaluationError\n --> /t/main.k:2"));
    scl_run_free(run);

    run = scl_run_new(ctx);
    src = "a = (1\n";
    ck_assert_int_eq(scl_run_eval_file(run, "/t/bad.k", src, strlen(src)), SCL_ESYNTAX);
    ck_assert_str_eq(scl_diag_kind(scl_run_diag(run, 0)), "InvalidSyntax");
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

struct job {
    int seed;
    int ok;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    char src[256], want[256];
    j->ok = 1;
    for (int k = 0; k < 50 && j->ok; k++) {
        scl_run *run = scl_run_new(ctx);
        int n = j->seed * 1000 + k;
        snprintf(src, sizeof src, "num = %d\nl = [i * num for i in range(3)]\ns = \"v${num}\"\n", n);
        snprintf(want, sizeof want, "num: %d\nl:\n- 0\n- %d\n- %d\ns: v%d\n", n, n, 2 * n, n);
        struct buf b = {"", 0};
        if (scl_run_eval_file(run, "t.k", src, strlen(src)) != SCL_OK ||
            scl_emit_yaml(scl_run_result(run), 0, buf_write, &b) != SCL_OK ||
            strcmp(b.data, want) != 0)
            j->ok = 0;
        scl_run_free(run);
    }
    scl_ctx_free(ctx);
    return NULL;
}

START_TEST(test_two_threads)
{
    pthread_t t[2];
    struct job jobs[2] = {{1, 0}, {2, 0}};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert(jobs[0].ok);
    ck_assert(jobs[1].ok);
}
END_TEST

START_TEST(test_version)
{
    ck_assert_uint_eq(scl_version(), SCL_VERSION_NUMBER);
}
END_TEST

/* {===== a host's loader: modules and files served from memory */

struct mem_host {
    int resolves, reads;
    char last_from[64];
};

static const struct {
    const char *id, *text;
} mem_modules[] = {
    {"mem:lib", "import helper\nv = helper.base * 6\nname = \"lib\"\n"},
    {"mem:helper", "base = 7\n"},
    {"mem:broken", "x = (\n"},
};

static scl_status mem_resolve(void *ud, const char *from, const char *path, scl_buf *id,
                              scl_buf *msg)
{
    struct mem_host *h = ud;
    h->resolves++;
    snprintf(h->last_from, sizeof h->last_from, "%s", from ? from : "(main)");
    char want[64];
    snprintf(want, sizeof want, "mem:%s", path);
    for (size_t i = 0; i < sizeof mem_modules / sizeof *mem_modules; i++)
        if (!strcmp(mem_modules[i].id, want))
            return scl_buf_add(id, want, strlen(want));
    const char *m = "no such module in memory";
    scl_buf_add(msg, m, strlen(m));
    return SCL_EIMPORT;
}

static scl_status mem_read(void *ud, const char *id, scl_src *out, scl_buf *msg)
{
    struct mem_host *h = ud;
    (void)msg;
    h->reads++;
    for (size_t i = 0; i < sizeof mem_modules / sizeof *mem_modules; i++)
        if (!strcmp(mem_modules[i].id, id))
            return scl_src_add(out, id + 4, mem_modules[i].text, strlen(mem_modules[i].text));
    return SCL_EIMPORT;
}

static scl_status mem_file(void *ud, const char *from, const char *path, scl_buf *data,
                           scl_buf *msg)
{
    (void)ud;
    (void)from;
    if (!strcmp(path, "data.txt"))
        return scl_buf_add(data, "from memory", 11);
    scl_buf_add(msg, "not served", 10);
    return SCL_EIO;
}

static scl_status eval_with(const scl_loader *l, const char *src, struct buf *out)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    ck_assert_int_eq(scl_ctx_set_loader(ctx, l), SCL_OK);
    scl_run *run = scl_run_new(ctx);
    scl_status st = scl_run_eval_file(run, "main.k", src, strlen(src));
    out->n = 0;
    out->data[0] = '\0';
    if (st == SCL_OK)
        scl_run_write(run, 0, buf_write, out);
    else
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, buf_write, out);
    scl_run_free(run);
    scl_ctx_free(ctx);
    return st;
}

START_TEST(test_host_loader)
{
    struct mem_host h = {0};
    scl_loader l = {SCL_LOADER_VERSION, &h, mem_resolve, mem_read, mem_file};
    struct buf out;
    const char *src = "import lib\nimport file\nr = lib.v\nnm = lib.name\nd = file.read(\"data.txt\")\n"
                      "e = file.exists(\"/etc/passwd\")\n";
    ck_assert_int_eq(eval_with(&l, src, &out), SCL_OK);
    ck_assert_str_eq(out.data, "r: 42\nnm: lib\nd: from memory\ne: false\n");
    ck_assert_int_eq(h.resolves, 2);
    ck_assert_int_eq(h.reads, 2);             /* each id read once */
    ck_assert_str_eq(h.last_from, "mem:lib"); /* helper was imported from lib */

    /* not found: E2F04 at the import, with the host's message, even when unused */
    ck_assert_int_eq(eval_with(&l, "import nothere\nx = 1\n", &out), SCL_EIMPORT);
    ck_assert_ptr_nonnull(strstr(out.data, "error[E2F04]: CannotFindModule"));
    ck_assert_ptr_nonnull(strstr(out.data, "main.k:1:1"));
    ck_assert_ptr_nonnull(strstr(out.data, "no such module in memory"));

    /* a syntax error in a served module is located in it */
    ck_assert_int_ne(eval_with(&l, "import broken\n", &out), SCL_OK);
    ck_assert_ptr_nonnull(strstr(out.data, "broken"));

    /* the disk is closed: files the host does not serve, and every write */
    ck_assert_int_eq(eval_with(&l, "import file\nx = file.read(\"/etc/hostname\")\n", &out),
                     SCL_EEVAL);
    ck_assert_ptr_nonnull(strstr(out.data, "not served"));
    ck_assert_int_eq(eval_with(&l, "import file\nfile.write(\"/tmp/scl-x\", \"y\")\n", &out),
                     SCL_EEVAL);
    ck_assert_ptr_nonnull(strstr(out.data, "not allowed here"));

    /* no read_file hook: file.read is refused */
    scl_loader nofile = {SCL_LOADER_VERSION, &h, mem_resolve, mem_read, NULL};
    ck_assert_int_eq(eval_with(&nofile, "import file\nx = file.read(\"data.txt\")\n", &out),
                     SCL_EEVAL);

    /* versions and required hooks */
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_loader newer = l;
    newer.version = SCL_LOADER_VERSION + 1;
    ck_assert_int_eq(scl_ctx_set_loader(ctx, &newer), SCL_EINVAL);
    scl_loader partial = l;
    partial.read_module = NULL;
    ck_assert_int_eq(scl_ctx_set_loader(ctx, &partial), SCL_EINVAL);
    ck_assert_int_eq(scl_ctx_set_loader(ctx, NULL), SCL_OK);
    scl_ctx_free(ctx);
}
END_TEST

/* A host loader over the disk's resolution (scl_disk_resolve, scl_disk_read_module). */
struct disk_host {
    scl_disk_modules m;
    int resolves;
};

static int id_write(void *ud, const char *s, size_t n)
{
    return scl_buf_add(ud, s, n) != SCL_OK;
}

static scl_status disk_host_resolve(void *ud, const char *from, const char *path, scl_buf *id,
                                    scl_buf *msg)
{
    struct disk_host *h = ud;
    h->resolves++;
    return scl_disk_resolve(&h->m, from, path, id_write, id, msg);
}

static scl_status disk_host_read(void *ud, const char *id, scl_src *out, scl_buf *msg)
{
    (void)ud;
    return scl_disk_read_module(id, out, msg);
}

START_TEST(test_externals_and_root)
{
    char dir[] = "/tmp/scl-api-ext-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char mod[256], main_k[256];
    snprintf(mod, sizeof mod, "%s/kcl.mod", dir);
    FILE *f = fopen(mod, "w");
    fputs("[package]\nname = \"ext\"\n", f);
    fclose(f);
    snprintf(main_k, sizeof main_k, "%s/main.k", dir);
    f = fopen(main_k, "w");
    fputs("greeting = \"hi\"\n", f);
    fclose(f);
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_add_external(run, "ext", dir), SCL_OK);
    ck_assert_int_eq(scl_run_add_external(run, "", dir), SCL_EINVAL);
    const char *src = "import ext\ng = ext.greeting\n";
    ck_assert_int_eq(scl_run_eval_file(run, "main.k", src, strlen(src)), SCL_OK);
    struct buf out = {{0}, 0};
    scl_run_write(run, 0, buf_write, &out);
    ck_assert_str_eq(out.data, "g: hi\n");
    scl_run_free(run);
    /* the root decides where internal imports are found */
    run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_root(run, dir), SCL_OK);
    src = "import main as m\ng = m.greeting\n";
    ck_assert_int_eq(scl_run_eval_file(run, "x.k", src, strlen(src)), SCL_OK);
    scl_run_free(run);
    run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_eval_file(run, "x.k", src, strlen(src)), SCL_EIMPORT);
    scl_run_free(run);
    scl_ctx_free(ctx);
    /* the disk's resolution from a host's loader: same packages, ids are real paths */
    const char *names[] = {"ext"}, *dirs[] = {dir};
    struct disk_host dh = {{dir, NULL, 1, names, dirs}, 0};
    scl_loader dl = {SCL_LOADER_VERSION, &dh, disk_host_resolve, disk_host_read, NULL};
    struct buf dout;
    ck_assert_int_eq(eval_with(&dl, "import main as m\nimport ext\nimport .main as r\n"
                                    "g = m.greeting + ext.greeting + r.greeting\n", &dout), SCL_OK);
    ck_assert_str_eq(dout.data, "g: hihihi\n");
    ck_assert_int_eq(dh.resolves, 3);
    ck_assert_int_eq(eval_with(&dl, "import nothere\n", &dout), SCL_EIMPORT);
    ck_assert_ptr_nonnull(strstr(dout.data, "Cannot find the module nothere from"));
    dh.m.root = NULL; /* no root and no main folder: only externals */
    ck_assert_int_eq(eval_with(&dl, "import main as m\n", &dout), SCL_EIMPORT);
    ck_assert_int_eq(eval_with(&dl, "import ext\ng = ext.greeting\n", &dout), SCL_OK);
    ck_assert_int_eq(scl_disk_resolve(NULL, NULL, "x", buf_write, &dout, NULL), SCL_EINVAL);
    unlink(main_k);
    unlink(mod);
    rmdir(dir);
}
END_TEST

/* scl_run_validate: data from memory and from a file, schema choice, the attribute name, a
 * YAML stream, loader errors and their texts. */
static int diag_has(const scl_run *run, const char *text)
{
    for (size_t i = 0; i < scl_run_ndiags(run); i++) {
        struct buf b = {{0}, 0};
        scl_diag_render(run, scl_run_diag(run, i), 0, buf_write, &b);
        if (strstr(b.data, text))
            return 1;
    }
    return 0;
}

START_TEST(test_validate)
{
    static const char code[] = "schema A:\n    x: int\nschema B:\n    y: str\n"
                               "assert typeof(v) != \"A\" or v.x > 0, \"x must be positive\"\n";
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    /* no code at all */
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_validate(run, "d.json", "1", 1, SCL_DATA_JSON, NULL, NULL),
                     SCL_EINVAL);
    ck_assert(diag_has(run, "Cannot find the kcl file, please check the file path "
                            "validationTempKCLCode.k"));
    scl_run_free(run);
    /* the first schema (A) by default; spans point into the data */
    static const struct {
        const char *data, *schema;
        scl_data_format fmt;
        scl_status want;
        const char *text; /* in the diagnostics, when it fails */
    } cases[] = {
        {"{\"x\": 1}", NULL, SCL_DATA_JSON, SCL_OK, NULL},
        {"{\"x\": -1}", NULL, SCL_DATA_JSON, SCL_EEVAL, "x must be positive"},
        {"{\n  \"x\": \"s\"}", NULL, SCL_DATA_JSON, SCL_ETYPE, "d.json:2:3"},
        {"{\"y\": \"s\"}", "B", SCL_DATA_JSON, SCL_OK, NULL},
        {"[{\"x\": 1}, {\"x\": 2}]", "", SCL_DATA_JSON, SCL_OK, NULL},
        {"x: 1\n---\nx: 2\n", NULL, SCL_DATA_YAML, SCL_OK, NULL},
        {"x: 1\n---\nx: -2\n", NULL, SCL_DATA_YAML, SCL_EEVAL, "document 2 of 2"},
        {"x: 1", NULL, SCL_DATA_JSON, SCL_ESYNTAX, "Failed to Load JSON"},
        {"", NULL, SCL_DATA_YAML, SCL_ESYNTAX, "Failed to Load YAML"},
        {"{\"x\": 18446744073709551615}", NULL, SCL_DATA_JSON, SCL_ESYNTAX,
         "Unsupported Unsigned 64"},
        {"x: 2.50", NULL, SCL_DATA_YAML, SCL_ESYNTAX, "Unsupported Number Type"},
        {"\xff", NULL, SCL_DATA_JSON, SCL_EIO, "Failed to Load 'd.json'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run = scl_run_new(ctx);
        ck_assert_int_eq(scl_run_add_file(run, "code.k", code, strlen(code)), SCL_OK);
        scl_status st = scl_run_validate(run, "d.json", cases[i].data, strlen(cases[i].data),
                                         cases[i].fmt, cases[i].schema, "v");
        ck_assert_msg(st == cases[i].want, "case %zu: status %d", i, (int)st);
        if (cases[i].text)
            ck_assert_msg(diag_has(run, cases[i].text), "case %zu: no '%s'", i, cases[i].text);
        ck_assert_ptr_null(scl_run_result(run)); /* the output is discarded */
        scl_run_free(run);
    }
    /* an unreadable data file */
    run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_add_file(run, "code.k", code, strlen(code)), SCL_OK);
    ck_assert_int_eq(scl_run_validate(run, "/nonexistent/d.json", NULL, 0, SCL_DATA_JSON, NULL,
                                      "v"),
                     SCL_EIO);
    ck_assert(diag_has(run, "Failed to Load '/nonexistent/d.json'"));
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

/* {===== limits */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Evaluates src in a new run of ctx with limits l; returns the status and checks that the
 * last diagnostic mentions 'text'. */
static scl_status eval_limited(scl_ctx *ctx, const scl_limits *l, const char *src,
                               const char *text)
{
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_limits(run, l), SCL_OK);
    scl_status st = scl_run_eval_file(run, "lim.k", src, strlen(src));
    if (text) {
        size_t n = scl_run_ndiags(run);
        ck_assert_uint_ge(n, 1);
        const scl_diag *d = scl_run_diag(run, n - 1);
        ck_assert_msg(strstr(scl_diag_message(d), text), "'%s' has no '%s'",
                      scl_diag_message(d), text);
        ck_assert_str_eq(scl_diag_code(d), "E3M38");
        ck_assert_uint_ge(scl_diag_span(run, d).line, 1); /* located */
    }
    scl_run_free(run);
    return st;
}

/* The context evaluates normally after a run was stopped. */
static void ctx_still_works(scl_ctx *ctx)
{
    scl_run *run = scl_run_new(ctx);
    const char *ok = "a = sum([x for x in range(100)])\n";
    ck_assert_int_eq(scl_run_eval_file(run, "ok.k", ok, strlen(ok)), SCL_OK);
    int64_t a = 0;
    ck_assert(scl_val_int(scl_val_get(scl_run_result(run), "a"), &a));
    ck_assert_int_eq(a, 4950);
    scl_run_free(run);
}

START_TEST(test_limit_time)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_limits l = {SCL_LIMITS_VERSION, 0, 200, 0, 0};
    /* range(1e9) alone would take 16 GB: the memory budget stops that one first */
    const char *progs[][2] = {
        {"a = [x for x in range(1000000000)]\n", "budget"},
        {"fib = lambda n { 1 if n < 2 else fib(n - 1) + fib(n - 2) }\nx = fib(100)\n",
         "time budget"},
        {"a = all x in range(100000) { all y in range(100000) { y >= 0 } }\n", "time budget"},
        {"schema S:\n    v: int\nl = [S {v = i} for i in range(10000000)]\n", "time budget"},
        {"a = {str(x): x for x in range(1000000) for y in range(1000000)}\n", "time budget"},
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        l.memory = (size_t)1 << 30;
        double t0 = now_s();
        scl_status st = eval_limited(ctx, &l, progs[i][0], progs[i][1]);
        double t = now_s() - t0;
        ck_assert_msg(st == SCL_ELIMIT, "program %zu: status %d", i, (int)st);
        ck_assert_msg(t < 5.0, "program %zu took %.2f s", i, t);
        ctx_still_works(ctx);
    }
    l.memory = 0;
    ck_assert_int_eq(eval_limited(ctx, &l, progs[1][0], "exceeded its time budget of 0.2 s"),
                     SCL_ELIMIT);
    l.time_ms = 2000;
    ck_assert_int_eq(eval_limited(ctx, &l, "a = 1\n", NULL), SCL_OK);
    l.version = SCL_LIMITS_VERSION + 1;
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_limits(run, &l), SCL_EINVAL);
    ck_assert_int_eq(scl_run_set_limits(run, NULL), SCL_OK);
    scl_limits got;
    scl_run_limits(run, &got);
    ck_assert_uint_eq(got.depth, SCL_DEFAULT_DEPTH);
    ck_assert_uint_eq(got.time_ms, 0);
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

struct interrupter {
    scl_ctx *ctx;
    unsigned delay_ms;
};

static void *interrupt_later(void *p)
{
    struct interrupter *it = p;
    usleep(it->delay_ms * 1000u);
    scl_ctx_interrupt(it->ctx);
    return NULL;
}

START_TEST(test_limit_interrupt)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    const char *src = "fib = lambda n { 1 if n < 2 else fib(n - 1) + fib(n - 2) }\nx = fib(100)\n";
    struct interrupter it = {ctx, 100};
    pthread_t th;
    double t0 = now_s();
    ck_assert_int_eq(pthread_create(&th, NULL, interrupt_later, &it), 0);
    ck_assert_int_eq(eval_limited(ctx, NULL, src, "evaluation was interrupted"), SCL_ELIMIT);
    pthread_join(th, NULL);
    ck_assert(now_s() - t0 < 5.0);
    /* the request was consumed: the next run is not interrupted */
    ctx_still_works(ctx);
    /* a request made before the run starts stops it */
    scl_ctx_interrupt(ctx);
    ck_assert_int_eq(eval_limited(ctx, NULL, src, "evaluation was interrupted"), SCL_ELIMIT);
    ctx_still_works(ctx);
    scl_ctx_interrupt(NULL); /* no-op */
    scl_ctx_free(ctx);
}
END_TEST

static void *hog_thread(void *p)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_limits l = {SCL_LIMITS_VERSION, 0, 0, (size_t)32 << 20, 0};
    const char *src = p;
    scl_status st = eval_limited(ctx, &l, src, "exceeded its memory budget of 32 MiB");
    scl_ctx_free(ctx);
    return (void *)(intptr_t)st;
}

START_TEST(test_limit_memory)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_limits l = {SCL_LIMITS_VERSION, 0, 0, (size_t)64 << 20, 0};
    const char *hogs[] = {
        "a = [[0] * 100000 for _ in range(100000)]\n",
        "a = [x for x in range(1000000000)]\n",
        "s = \"x\" * 1000\nl = [s + str(i) for i in range(10000000)]\n",
        "d = {str(i): i for i in range(100000000)}\n",
    };
    for (size_t i = 0; i < sizeof hogs / sizeof hogs[0]; i++) {
        scl_status st = eval_limited(ctx, &l, hogs[i], "exceeded its memory budget of 64 MiB");
        ck_assert_msg(st == SCL_ELIMIT, "hog %zu: status %d", i, (int)st);
        ctx_still_works(ctx);
    }
    /* a budget that is not whole MiB */
    l.memory = 5000000;
    ck_assert_int_eq(eval_limited(ctx, &l, hogs[0], "memory budget of 5000000 bytes"),
                     SCL_ELIMIT);
    /* two threads, each with its own context, hitting their budgets at once */
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, hog_thread, (void *)hogs[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(th[i], &r);
        ck_assert_int_eq((int)(intptr_t)r, SCL_ELIMIT);
    }
    scl_ctx_free(ctx);
}
END_TEST

static int sink_write(void *ud, const char *s, size_t len)
{
    (void)s;
    *(size_t *)ud += len;
    return 0;
}

START_TEST(test_limit_output)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    const char *src = "items = [{name = \"item-${i}\", value = i} for i in range(100000)]\n";
    scl_limits l = {SCL_LIMITS_VERSION, 0, 0, 0, 100000};
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_limits(run, &l), SCL_OK);
    ck_assert_int_eq(scl_run_eval_file(run, "big.k", src, strlen(src)), SCL_OK);
    size_t n = 0;
    ck_assert_int_eq(scl_run_write(run, 0, sink_write, &n), SCL_ELIMIT);
    ck_assert_uint_le(n, 100000);
    const scl_diag *d = scl_run_diag(run, scl_run_ndiags(run) - 1);
    ck_assert_str_eq(scl_diag_message(d), "output exceeded its size budget of 100000 bytes");
    n = 0;
    ck_assert_int_eq(scl_run_write(run, 1, sink_write, &n), SCL_ELIMIT); /* JSON too */
    scl_run_free(run);
    /* print() counts against the same budget */
    struct buf out = {{0}, 0};
    run = scl_run_new(ctx);
    l.output = 1000;
    ck_assert_int_eq(scl_run_set_limits(run, &l), SCL_OK);
    scl_run_set_stdout(run, buf_write, &out);
    const char *pr = "a = [print(\"line ${i}\") for i in range(1000)]\n";
    ck_assert_int_eq(scl_run_eval_file(run, "p.k", pr, strlen(pr)), SCL_ELIMIT);
    ck_assert_uint_le(out.n, 1000);
    ck_assert(strstr(scl_diag_message(scl_run_diag(run, scl_run_ndiags(run) - 1)),
                     "output exceeded its size budget of 1000 bytes"));
    scl_run_free(run);
    /* under the budget: written whole */
    run = scl_run_new(ctx);
    l.output = 1000;
    ck_assert_int_eq(scl_run_set_limits(run, &l), SCL_OK);
    ck_assert_int_eq(scl_run_eval_file(run, "s.k", "a = 1\n", 6), SCL_OK);
    n = 0;
    ck_assert_int_eq(scl_run_write(run, 0, sink_write, &n), SCL_OK);
    ck_assert_uint_eq(n, 5);
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

/* Every piece a writer gets, kept. */
struct pieces {
    char *p;
    size_t n, cap, calls;
    int bad_start; /* pieces after the first that do not begin a document separator */
};

static int pieces_write(void *ud, const char *s, size_t len)
{
    struct pieces *b = ud;
    if (b->calls++ && len && s[0] != '\n' && s[0] != '{')
        b->bad_start++;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    return 0;
}

/* SCL_EMIT_STREAM: the writer gets whole documents piece by piece, the same bytes in all */
START_TEST(test_emit_stream)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    const char *progs[] = {
        "[{kind = \"Service\", metadata.name = \"svc-${i}\", spec.ports = [{port = i}]} for i in range(4000)]\n",
        "import manifests\nmanifests.yaml_stream([{n = i} for i in range(20000)])\n",
    };
    for (int k = 0; k < 2; k++) {
        for (int json = 0; json < 2; json++) {
            scl_run *run = scl_run_new(ctx);
            ck_assert_int_eq(scl_run_eval_file(run, "s.k", progs[k], strlen(progs[k])), SCL_OK);
            struct pieces whole = {0}, streamed = {0};
            ck_assert_int_eq(scl_run_write(run, json, pieces_write, &whole), SCL_OK);
            ck_assert_uint_eq(whole.calls, 1);
            scl_run_set_flags(run, scl_run_flags(run) | SCL_EMIT_STREAM);
            ck_assert_int_eq(scl_run_write(run, json, pieces_write, &streamed), SCL_OK);
            ck_assert_uint_gt(streamed.calls, whole.n / (64 << 10));
            ck_assert_int_eq(streamed.bad_start, 0);
            ck_assert_uint_eq(streamed.n, whole.n);
            ck_assert(memcmp(streamed.p, whole.p, whole.n) == 0);
            free(whole.p);
            free(streamed.p);
            scl_run_free(run);
        }
    }
    /* a budget exceeded after some pieces: those stay written, within the budget */
    scl_limits l = {SCL_LIMITS_VERSION, 0, 0, 0, 200000};
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_limits(run, &l), SCL_OK);
    ck_assert_int_eq(scl_run_eval_file(run, "s.k", progs[0], strlen(progs[0])), SCL_OK);
    scl_run_set_flags(run, scl_run_flags(run) | SCL_EMIT_STREAM);
    struct pieces cut = {0};
    ck_assert_int_eq(scl_run_write(run, 0, pieces_write, &cut), SCL_ELIMIT);
    ck_assert_uint_gt(cut.n, 0);
    ck_assert_uint_le(cut.n, 200000);
    ck_assert_str_eq(scl_diag_message(scl_run_diag(run, scl_run_ndiags(run) - 1)),
                     "output exceeded its size budget of 200000 bytes");
    free(cut.p);
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_limit_depth)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_limits l = {SCL_LIMITS_VERSION, 50, 0, 0, 0};
    const char *deep = "f = lambda n { 0 if n == 0 else 1 + f(n - 1) }\nx = f(100)\n";
    const char *shallow = "f = lambda n { 0 if n == 0 else 1 + f(n - 1) }\nx = f(40)\n";
    ck_assert_int_eq(eval_limited(ctx, &l, deep, "maximum recursion depth exceeded"),
                     SCL_ELIMIT);
    ck_assert_int_eq(eval_limited(ctx, &l, shallow, NULL), SCL_OK);
    ck_assert_int_eq(eval_limited(ctx, NULL, deep, NULL), SCL_OK); /* default: 2000 */
    const char *schemas = "schema Node:\n    n: int\n    next?: Node = Node {n = n - 1} if n > 0 else None\n"
                          "x = Node {n = 100}\n";
    ck_assert_int_eq(eval_limited(ctx, &l, schemas, "maximum recursion depth exceeded"),
                     SCL_ELIMIT);
    /* unbounded recursion stops at the default depth, or at the stack guard */
    const char *inf = "f = lambda n { f(n + 1) }\nx = f(0)\n";
    ck_assert_int_eq(eval_limited(ctx, NULL, inf, "maximum recursion depth exceeded"),
                     SCL_ELIMIT);
    l.depth = 1000000;
    ck_assert_int_eq(eval_limited(ctx, &l, inf, "maximum recursion depth exceeded"),
                     SCL_ELIMIT);
    ctx_still_works(ctx);
    scl_ctx_free(ctx);
}
END_TEST

/* {===== reusing the loader's answers (scl_ctx_loader_cache) */

static scl_status run_in(scl_ctx *ctx, const char *src, struct buf *out)
{
    scl_run *run = scl_run_new(ctx);
    scl_status st = scl_run_eval_file(run, "main.k", src, strlen(src));
    out->n = 0;
    out->data[0] = '\0';
    if (st == SCL_OK)
        scl_run_write(run, 0, buf_write, out);
    else
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, buf_write, out);
    scl_run_free(run);
    return st;
}

START_TEST(test_loader_cache)
{
    struct mem_host h = {0};
    scl_loader l = {SCL_LOADER_VERSION, &h, mem_resolve, mem_read, mem_file};
    const char *src = "import lib\nr = lib.v\n";
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    ck_assert_int_eq(scl_ctx_set_loader(ctx, &l), SCL_OK);
    struct buf out;
    /* off by default: every run asks the hooks */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(h.resolves, 4);
    ck_assert_int_eq(h.reads, 4);
    /* on: the first run asks, the next ones reuse the answers */
    scl_ctx_loader_cache(ctx, "scope-a", 60000);
    memset(&h, 0, sizeof h);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
        ck_assert_str_eq(out.data, "r: 42\n");
    }
    ck_assert_int_eq(h.resolves, 2);
    ck_assert_int_eq(h.reads, 2);
    /* another scope has answers of its own; back to the first, they are still there */
    scl_ctx_loader_cache(ctx, "scope-b", 60000);
    ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(h.resolves, 4);
    scl_ctx_loader_cache(ctx, "scope-a", 60000);
    ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(h.resolves, 4);
    /* failures are never reused */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(run_in(ctx, "import nothere\n", &out), SCL_EIMPORT);
    ck_assert_int_eq(h.resolves, 6);
    ck_assert_ptr_nonnull(strstr(out.data, "no such module in memory"));
    /* a syntax error in a reused module is reported every time */
    for (int i = 0; i < 2; i++) {
        ck_assert_int_ne(run_in(ctx, "import broken\n", &out), SCL_OK);
        ck_assert_ptr_nonnull(strstr(out.data, "broken"));
    }
    /* answers expire after the ttl */
    scl_ctx_loader_cache(ctx, "scope-c", 500);
    memset(&h, 0, sizeof h);
    ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(h.resolves, 2);
    struct timespec nap = {0, 600 * 1000 * 1000};
    nanosleep(&nap, NULL);
    ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(h.resolves, 4);
    ck_assert_str_eq(out.data, "r: 42\n");
    /* off again: the hooks are asked */
    scl_ctx_loader_cache(ctx, NULL, 0);
    ck_assert_int_eq(run_in(ctx, src, &out), SCL_OK);
    ck_assert_int_eq(h.resolves, 6);
    scl_ctx_free(ctx);
}
END_TEST

/* {===== the context's cache of parsed imported modules */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static scl_status run_main(scl_ctx *ctx, const char *dir, const char *src, struct buf *out)
{
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_root(run, dir), SCL_OK);
    scl_status st = scl_run_eval_file(run, "main.k", src, strlen(src));
    out->n = 0;
    out->data[0] = '\0';
    if (st == SCL_OK)
        scl_run_write(run, 0, buf_write, out);
    else
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, buf_write, out);
    scl_run_free(run);
    return st;
}

START_TEST(test_module_cache)
{
    char dir[] = "/tmp/scl-api-cache-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char lib[256];
    snprintf(lib, sizeof lib, "%s/lib.k", dir);
    write_text(lib, "name = \"lib\"\ntwice = lambda x: int {\n    assert x >= 0, \"negative\"\n    x * 2\n}\n");
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    struct buf out;
    /* the same import in several runs of one context: each run sees the module whole */
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(run_main(ctx, dir, "import lib\nnm = lib.name\nt = lib.twice(21)\n", &out),
                         SCL_OK);
        ck_assert_str_eq(out.data, "nm: lib\nt: 42\n");
    }
    /* an error inside the reused module is still located in its file */
    ck_assert_int_eq(run_main(ctx, dir, "import lib\nt = lib.twice(-1)\n", &out), SCL_EEVAL);
    ck_assert_ptr_nonnull(strstr(out.data, "lib.k:3:"));
    ck_assert_ptr_nonnull(strstr(out.data, "assert x >= 0"));
    /* a changed file is parsed again */
    write_text(lib, "name = \"changed\"\n");
    ck_assert_int_eq(run_main(ctx, dir, "import lib\nnm = lib.name\n", &out), SCL_OK);
    ck_assert_str_eq(out.data, "nm: changed\n");
    /* a syntax error in an imported file is reported every time, never cached */
    write_text(lib, "name = (\n");
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(run_main(ctx, dir, "import lib\nnm = lib.name\n", &out), SCL_ESYNTAX);
        ck_assert_ptr_nonnull(strstr(out.data, "lib.k:"));
    }
    /* two runs alive at once share the cached tree */
    write_text(lib, "name = \"both\"\n");
    scl_run *a = scl_run_new(ctx), *b = scl_run_new(ctx);
    scl_run_set_root(a, dir);
    scl_run_set_root(b, dir);
    const char *src = "import lib\nnm = lib.name\n";
    ck_assert_int_eq(scl_run_eval_file(a, "main.k", src, strlen(src)), SCL_OK);
    ck_assert_int_eq(scl_run_eval_file(b, "main.k", src, strlen(src)), SCL_OK);
    scl_run_free(a);
    struct buf ob = {{0}, 0};
    scl_run_write(b, 0, buf_write, &ob);
    ck_assert_str_eq(ob.data, "nm: both\n");
    scl_run_free(b);
    scl_ctx_free(ctx);
    unlink(lib);
    rmdir(dir);
}
END_TEST

static scl_status run_prog(scl_ctx *ctx, const char *src, const char *opt, const char *ovr,
                           struct buf *out)
{
    scl_run *run = scl_run_new(ctx);
    if (opt)
        ck_assert_int_eq(scl_run_option_text(run, "n", opt), SCL_OK);
    if (ovr)
        ck_assert_int_eq(scl_run_override(run, ovr), SCL_OK);
    scl_status st = scl_run_eval_file(run, "/tmp/scl-cached-main.k", src, strlen(src));
    out->n = 0;
    out->data[0] = '\0';
    if (st == SCL_OK)
        scl_run_write(run, 0, buf_write, out);
    else
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, buf_write, out);
    scl_run_free(run);
    return st;
}

/* The main program's own tree is cached too: later runs only evaluate it, and nothing of one
 * run (options, overrides, errors) leaks into the next. */
START_TEST(test_main_cache)
{
    const char *src = "schema App:\n"
                      "    name: str\n"
                      "    replicas: int = 1\n"
                      "    check:\n"
                      "        replicas < 10, \"too many\"\n"
                      "n = option(\"n\") or 2\n"
                      "app = App {name = \"web\", replicas = n}\n"
                      "sq = [i * i for i in range(n)]\n";
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    struct buf out, fresh;
    char first[sizeof out.data];
    ck_assert_int_eq(run_prog(ctx, src, NULL, NULL, &out), SCL_OK);
    snprintf(first, sizeof first, "%s", out.data);
    ck_assert_ptr_nonnull(strstr(first, "replicas: 2"));
    /* options differ per run over the same tree */
    ck_assert_int_eq(run_prog(ctx, src, "3", NULL, &out), SCL_OK);
    ck_assert_ptr_nonnull(strstr(out.data, "replicas: 3"));
    ck_assert_ptr_nonnull(strstr(out.data, "- 4\n"));
    /* a check failing in the reused tree is located in it */
    ck_assert_int_eq(run_prog(ctx, src, "12", NULL, &out), SCL_EEVAL);
    ck_assert_ptr_nonnull(strstr(out.data, "scl-cached-main.k:5:"));
    ck_assert_ptr_nonnull(strstr(out.data, "too many"));
    /* an override changes its own run only, never the cached tree */
    ck_assert_int_eq(run_prog(ctx, src, NULL, "app.name=\"api\"", &out), SCL_OK);
    ck_assert_ptr_nonnull(strstr(out.data, "name: api"));
    ck_assert_int_eq(run_prog(ctx, src, NULL, NULL, &out), SCL_OK);
    ck_assert_str_eq(out.data, first);
    /* the same output as a fresh context's */
    scl_ctx *other = scl_ctx_new(NULL, NULL);
    ck_assert_int_eq(run_prog(other, src, NULL, NULL, &fresh), SCL_OK);
    ck_assert_str_eq(fresh.data, first);
    scl_ctx_free(other);
    /* a type error found by the check (never run) is reported each time, and a program
     * that checked clean before still runs whole */
    const char *bad = "schema S:\n    a: int\nf = lambda { S {a = \"no\"} }\nx = 1\n";
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(run_prog(ctx, bad, NULL, NULL, &out), SCL_ETYPE);
        ck_assert_ptr_nonnull(strstr(out.data, "E2G22"));
        ck_assert_int_eq(run_prog(ctx, src, NULL, NULL, &out), SCL_OK);
        ck_assert_str_eq(out.data, first);
    }
    /* a syntax error is reported each time */
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(run_prog(ctx, "x = [1,\n", NULL, NULL, &out), SCL_ESYNTAX);
        ck_assert_ptr_nonnull(strstr(out.data, "scl-cached-main.k:"));
    }
    scl_ctx_free(ctx);
}
END_TEST

/* Files named NAME.pack anywhere under dir (one level of build folders). */
static int count_packs(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.pack' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    int n = -1;
    ck_assert_int_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* scl_ctx_set_cache_dir: contexts of later "processes" take the trees from the pack the first
 * one wrote, with the same results, errors located alike, and overrides kept to their run. */
START_TEST(test_disk_cache)
{
    char dir[] = "/tmp/scl-api-disk-XXXXXX", cache[300], lib[300];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cache, sizeof cache, "%s/cache", dir);
    snprintf(lib, sizeof lib, "%s/lib.k", dir);
    /* over 32 KB of source, so that the program gets a pack */
    size_t cap = 64 * 1024, n = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    n += (size_t)snprintf(text + n, cap - n, "name = \"lib\"\ntwice = lambda x: int {\n"
                                             "    assert x >= 0, \"negative\"\n    x * 2\n}\n");
    while (n < 40 * 1024)
        n += (size_t)snprintf(text + n, cap - n, "# a comment line to make the module long\n");
    write_text(lib, text);
    free(text);
    const char *src = "import lib\nnm = lib.name\nt = lib.twice(21)\ncfg = {a = 1}\n";
    char first[sizeof((struct buf *)0)->data] = "";
    struct buf out;
    for (int i = 0; i < 4; i++) {
        scl_ctx *ctx = scl_ctx_new(NULL, NULL);
        ck_assert_int_eq(scl_ctx_set_cache_dir(ctx, cache), SCL_OK);
        ck_assert_int_eq(run_main(ctx, dir, src, &out), SCL_OK);
        if (i == 0)
            snprintf(first, sizeof first, "%s", out.data);
        ck_assert_str_eq(out.data, first);
        scl_ctx_free(ctx);
        /* the first context writes the pack */
        ck_assert_int_eq(count_packs(cache), 1);
    }
    ck_assert_str_eq(first, "nm: lib\nt: 42\ncfg:\n  a: 1\n");
    /* an error inside the mapped module is located in its file */
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    ck_assert_int_eq(scl_ctx_set_cache_dir(ctx, cache), SCL_OK);
    ck_assert_int_eq(run_main(ctx, dir, "import lib\nt = lib.twice(-1)\n", &out), SCL_EEVAL);
    ck_assert_ptr_nonnull(strstr(out.data, "lib.k:3:"));
    ck_assert_ptr_nonnull(strstr(out.data, "assert x >= 0"));
    /* an override edits its run's own tree, never the mapped one */
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_set_root(run, dir), SCL_OK);
    ck_assert_int_eq(scl_run_override(run, "cfg.a=2"), SCL_OK);
    ck_assert_int_eq(scl_run_eval_file(run, "main.k", src, strlen(src)), SCL_OK);
    struct buf ob = {{0}, 0};
    scl_run_write(run, 0, buf_write, &ob);
    ck_assert_ptr_nonnull(strstr(ob.data, "a: 2"));
    scl_run_free(run);
    ck_assert_int_eq(run_main(ctx, dir, src, &out), SCL_OK);
    ck_assert_str_eq(out.data, first);
    scl_ctx_free(ctx);
    /* bad folders: empty is refused, NULL turns the cache off */
    ctx = scl_ctx_new(NULL, NULL);
    ck_assert_int_eq(scl_ctx_set_cache_dir(ctx, ""), SCL_EINVAL);
    ck_assert_int_eq(scl_ctx_set_cache_dir(ctx, NULL), SCL_OK);
    ck_assert_int_eq(run_main(ctx, dir, src, &out), SCL_OK);
    ck_assert_str_eq(out.data, first);
    scl_ctx_free(ctx);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* scl_format: KCL's layout with comments kept; a syntax error writes nothing. */
START_TEST(test_format)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    const char *src = "a=1# one\nb = [\n  1,2]\nschema S :\n x:int=0x10\n";
    struct buf b = {"", 0};
    ck_assert_int_eq(scl_format(run, "t.k", src, strlen(src), buf_write, &b), SCL_OK);
    ck_assert_str_eq(b.data, "# one\na = 1\nb = [\n    1\n    2\n]\nschema S:\n    x: int = 16\n");
    ck_assert_uint_eq(scl_run_nerrors(run), 0);
    /* indentation from the host: two spaces, then tabs */
    ck_assert_int_eq(scl_run_set_format_indent(run, 2, 0), SCL_OK);
    b.n = 0;
    ck_assert_int_eq(scl_format(run, "t.k", "if a:\n        b = 1\n", 20, buf_write, &b), SCL_OK);
    ck_assert_str_eq(b.data, "if a:\n  b = 1\n");
    ck_assert_int_eq(scl_run_set_format_indent(run, 0, 1), SCL_OK);
    b.n = 0;
    ck_assert_int_eq(scl_format(run, "t.k", "if a:\n        b = 1\n", 20, buf_write, &b), SCL_OK);
    ck_assert_str_eq(b.data, "if a:\n\tb = 1\n");
    scl_run_free(run);

    run = scl_run_new(ctx);
    b.n = 0;
    b.data[0] = 0;
    const char *bad = "a = 1\nb = (\n";
    ck_assert_int_eq(scl_format(run, "bad.k", bad, strlen(bad), buf_write, &b), SCL_ESYNTAX);
    ck_assert_uint_eq(b.n, 0);
    ck_assert_uint_gt(scl_run_nerrors(run), 0);
    scl_span sp = scl_diag_span(run, scl_run_diag(run, 0));
    ck_assert_ptr_nonnull(strstr(sp.file, "bad.k"));
    ck_assert_uint_ge(sp.line, 2);
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_module_cache);
    tcase_add_test(tc, test_main_cache);
    tcase_add_test(tc, test_disk_cache);
    tcase_add_test(tc, test_loader_cache);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_eval_and_walk);
    tcase_add_test(tc, test_options_and_errors);
    tcase_add_test(tc, test_two_threads);
    tcase_add_test(tc, test_host_loader);
    tcase_add_test(tc, test_externals_and_root);
    tcase_add_test(tc, test_validate);
    tcase_add_test(tc, test_limit_time);
    tcase_add_test(tc, test_limit_interrupt);
    tcase_add_test(tc, test_limit_memory);
    tcase_add_test(tc, test_limit_output);
    tcase_add_test(tc, test_emit_stream);
    tcase_add_test(tc, test_limit_depth);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
