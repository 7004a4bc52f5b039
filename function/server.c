/* scl-function: the Crossplane composition-function server (`scl function serve`), on gRPC core.
 *
 * Each worker thread owns a completion queue and an scl_ctx, and requests calls only on its own
 * queue, so a call is answered on its context's thread. Per worker, three requests stay
 * outstanding: the v1 and v1beta1 RunFunction paths (registered, the message read with the call)
 * and a catch-all answered UNIMPLEMENTED, which Crossplane's v1 -> v1beta1 fallback needs. The
 * tag of every event is the struct call it concerns. */
#include "config.h"

#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "function/fn.h"

static const char PATH_V1[] = "/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction";
static const char PATH_V1BETA1[] =
    "/apiextensions.fn.proto.v1beta1.FunctionRunnerService/RunFunction";

enum { MAX_WORKERS = 64, WORKER_STACK = 64 << 20, MAX_DEPTH = 10000 };

struct server {
    grpc_server *server;
    void *method[2]; /* v1, v1beta1 */
    atomic_bool stopping;
    struct fn_config cfg;
    size_t arena_limit;
};

struct worker {
    pthread_t thread;
    grpc_completion_queue *cq;
    struct server *srv;
    struct fn_worker_ctx wc;
};

enum call_kind { CALL_V1, CALL_V1BETA1, CALL_ANY };
enum call_state { CALL_REQUESTED, CALL_SENDING };

/* One call, from its request to the end of its final batch. */
struct call {
    enum call_kind kind;
    enum call_state state;
    struct worker *w;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
    grpc_call_details details; /* CALL_ANY */
    grpc_byte_buffer *payload; /* the request message (registered calls) */
    grpc_byte_buffer *reply;
    int cancelled; /* written by RECV_CLOSE_ON_SERVER */
};

/* {===== logs: one line per event on stderr */

static void logf_(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const char *level, const char *fmt, ...)
{
    char ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    char line[2048];
    int n = snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s ", ts, now.tv_nsec / 1000000,
                     level);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

/* a quoted log value: at most 300 bytes, one line */
static void quote(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    out[o++] = '"';
    for (; s && *s && o + 4 < cap; s++) {
        char c = *s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = c;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = (unsigned char)c < 0x20 ? ' ' : c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* {===== calls */

static int request(struct worker *w, enum call_kind kind)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->kind = kind;
    c->w = w;
    grpc_metadata_array_init(&c->md);
    grpc_call_details_init(&c->details);
    grpc_call_error e;
    if (kind == CALL_ANY)
        e = grpc_server_request_call(w->srv->server, &c->call, &c->details, &c->md, w->cq, w->cq,
                                     c);
    else
        e = grpc_server_request_registered_call(w->srv->server, w->srv->method[kind], &c->call,
                                                &c->deadline, &c->md, &c->payload, w->cq, w->cq,
                                                c);
    if (e != GRPC_CALL_OK) {
        grpc_metadata_array_destroy(&c->md);
        grpc_call_details_destroy(&c->details);
        free(c);
        return -1;
    }
    return 0;
}

static void call_free(struct call *c)
{
    if (c->payload)
        grpc_byte_buffer_destroy(c->payload);
    if (c->reply)
        grpc_byte_buffer_destroy(c->reply);
    grpc_metadata_array_destroy(&c->md);
    grpc_call_details_destroy(&c->details);
    if (c->call)
        grpc_call_unref(c->call);
    free(c);
}

/* The one final batch: initial metadata (always: without it an error status reaches the client
 * only at its deadline), the reply if any, the status, and the close. */
/* Milliseconds left before a call's deadline (at least 1); 0 when it has none. */
static uint64_t time_left_ms(gpr_timespec deadline)
{
    gpr_timespec d = gpr_convert_clock_type(deadline, GPR_CLOCK_MONOTONIC);
    if (gpr_time_cmp(d, gpr_inf_future(GPR_CLOCK_MONOTONIC)) >= 0)
        return 0;
    int64_t ms = gpr_time_to_millis(gpr_time_sub(d, gpr_now(GPR_CLOCK_MONOTONIC)));
    return ms < 1 ? 1 : (uint64_t)ms;
}

static void finish(struct call *c, grpc_status_code code, const char *details)
{
    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n++].data.send_initial_metadata.count = 0;
    if (c->reply) {
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->reply;
    }
    grpc_slice msg = grpc_slice_from_copied_string(details ? details : "");
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.trailing_metadata_count = 0;
    ops[n].data.send_status_from_server.status = code;
    ops[n++].data.send_status_from_server.status_details = details ? &msg : NULL;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
    c->state = CALL_SENDING;
    grpc_call_error e = grpc_call_start_batch(c->call, ops, n, c, NULL);
    grpc_slice_unref(msg);
    if (e != GRPC_CALL_OK) {
        logf_("error", "msg=\"cannot start the reply batch\" code=%d", (int)e);
        call_free(c);
    }
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void run_function(struct call *c)
{
    struct server *srv = c->w->srv;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!c->payload) {
        finish(c, GRPC_STATUS_INTERNAL, "grpc: error while receiving the request message");
        return;
    }
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, c->payload)) {
        finish(c, GRPC_STATUS_INTERNAL, "grpc: error while decompressing the request message");
        return;
    }
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    const uint8_t *data = GRPC_SLICE_START_PTR(s);
    size_t len = GRPC_SLICE_LENGTH(s);

    struct fn_arena a;
    fn_arena_init(&a, srv->arena_limit);
    const char *why = NULL;
    fn_request *req = NULL;
    if (fn_wire_check(&apiextensions__fn__proto__v1__run_function_request__descriptor, data, len,
                      srv->cfg.max_depth, &why) == 0) {
        ProtobufCAllocator al = fn_arena_allocator(&a);
        req = apiextensions__fn__proto__v1__run_function_request__unpack(&al, len, data);
        if (!req)
            why = "cannot parse invalid wire-format data";
    }
    grpc_slice_unref(s);
    if (!req) {
        char msg[256];
        snprintf(msg, sizeof msg, "grpc: error unmarshalling request: proto: %s", why);
        if (srv->cfg.debug)
            logf_("debug", "msg=\"malformed request\" reason=\"%s\"", why);
        finish(c, GRPC_STATUS_INTERNAL, msg);
        fn_arena_free(&a);
        return;
    }
    const char *fatal = NULL;
    c->w->wc.deadline_ms = time_left_ms(c->deadline);
    fn_response *rsp = fn_run_function(&c->w->wc, &a, req, &fatal);
    if (!rsp) {
        finish(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory while running the function");
        fn_arena_free(&a);
        return;
    }
    size_t size = protobuf_c_message_get_packed_size(&rsp->base);
    grpc_slice out = grpc_slice_malloc(size);
    protobuf_c_message_pack(&rsp->base, GRPC_SLICE_START_PTR(out));
    c->reply = grpc_raw_byte_buffer_create(&out, 1);
    grpc_slice_unref(out);
    if (srv->cfg.debug) {
        char tag[320], msg[320];
        quote(tag, sizeof tag, req->meta ? req->meta->tag : "");
        quote(msg, sizeof msg, fatal ? fatal : "");
        logf_("debug",
              "msg=\"RunFunction\" path=%s tag=%s desired=%zu results=%zu fatal=%s "
              "request_bytes=%zu response_bytes=%zu ms=%.1f",
              c->kind == CALL_V1 ? "v1" : "v1beta1", tag,
              rsp->desired ? rsp->desired->n_resources : 0, rsp->n_results, msg, len, size,
              elapsed_ms(&t0));
    }
    fn_arena_free(&a);
    finish(c, GRPC_STATUS_OK, NULL);
}

static void on_event(struct worker *w, struct call *c, int success)
{
    if (c->state == CALL_SENDING) {
        call_free(c);
        return;
    }
    if (!success) { /* the server is shutting down */
        call_free(c);
        return;
    }
    if (!atomic_load(&w->srv->stopping))
        request(w, c->kind); /* keep one outstanding of each kind */
    if (c->kind == CALL_ANY) {
        if (w->srv->cfg.debug) {
            char m[320];
            char *method = grpc_slice_to_c_string(c->details.method);
            quote(m, sizeof m, method);
            gpr_free(method);
            logf_("debug", "msg=\"unknown method\" method=%s", m);
        }
        finish(c, GRPC_STATUS_UNIMPLEMENTED, "unknown service or method");
        return;
    }
    run_function(c);
}

static void *worker_main(void *ud)
{
    struct worker *w = ud;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(
            w->cq, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(200, GPR_TIMESPAN)),
            NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            return NULL;
        if (ev.type == GRPC_QUEUE_TIMEOUT) {
            if (atomic_load(&w->srv->stopping))
                break;
            continue;
        }
        on_event(w, ev.tag, ev.success);
    }
    /* the server is gone: shut this queue down (only its owner may) and free what is left */
    grpc_completion_queue_shutdown(w->cq);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(w->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        struct call *c = ev.tag;
        if (c->state == CALL_REQUESTED && ev.success && c->call)
            grpc_call_cancel(c->call, NULL);
        call_free(c);
    }
    return NULL;
}

/* {===== start-up */

static const char usage[] =
    "usage: scl function serve [options]\n"
    "       scl function render XR.yaml COMPOSITION.yaml [FUNCTIONS.yaml] [options]\n"
    "\n"
    "Serves Crossplane's FunctionRunnerService (function-kcl compatible) over gRPC.\n"
    "\n"
    "  --address ADDR               listen address (default :9443, every interface)\n"
    "  --network tcp                listen network (tcp only)\n"
    "  --insecure                   plaintext HTTP/2; certificates are ignored\n"
    "  --tls-certs-dir DIR          tls.crt, tls.key and ca.crt for mTLS (env TLS_SERVER_CERTS_DIR)\n"
    "  --max-recv-message-size MIB  largest request accepted (default 4)\n"
    "  --root DIR                   module root of inline sources: their imports resolve under DIR\n"
    "  -E, --external NAME=DIR      package NAME is the directory DIR (repeatable)\n"
    "  --dependencies FILE          kcl.mod [dependencies] lines added to every input's\n"
    "                               spec.dependencies\n"
    "  --timeout SECONDS            time budget of each evaluation (default 10; 0: none)\n"
    "  --max-memory MIB             memory budget of each evaluation (default 256; 0: none)\n"
    "  --reuse-imports SECONDS      reuse resolved imports and their files this long before\n"
    "                               reading the disk again (default 1; 0: never)\n"
    "  --workers N                  worker threads (default 4)\n"
    "  -d, --debug                  one log line per request on stderr\n";

/* argv[0] is the program or "serve" */
int fn_serve(int argc, char **argv)
{
    /* signals first: the threads grpc_init starts inherit the mask, so SIGTERM reaches sigwait */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct server srv;
    memset(&srv, 0, sizeof srv);
    const char *address = ":9443", *certs = getenv("TLS_SERVER_CERTS_DIR");
    bool insecure = false;
    long max_mib = 4, nworkers = 4;
    srv.cfg.max_depth = MAX_DEPTH;
    fn_config_init(&srv.cfg);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = fn_config_option(&srv.cfg, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--insecure")) {
            insecure = true;
        } else if ((v = fn_opt_value(argc, argv, &i, "--address"))) {
            address = v;
        } else if ((v = fn_opt_value(argc, argv, &i, "--network"))) {
            if (strcmp(v, "tcp")) {
                fprintf(stderr, "scl-function: --network %s: only tcp is supported\n", v);
                return 2;
            }
        } else if ((v = fn_opt_value(argc, argv, &i, "--tls-certs-dir"))) {
            certs = v;
        } else if ((v = fn_opt_value(argc, argv, &i, "--max-recv-message-size"))) {
            max_mib = strtol(v, NULL, 10);
            if (max_mib <= 0 || max_mib > 2047) {
                fprintf(stderr, "scl-function: bad --max-recv-message-size %s\n", v);
                return 2;
            }
        } else if ((v = fn_opt_value(argc, argv, &i, "--workers"))) {
            nworkers = strtol(v, NULL, 10);
            if (nworkers <= 0 || nworkers > MAX_WORKERS) {
                fprintf(stderr, "scl-function: bad --workers %s\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "scl-function: unknown argument %s\n%s", argv[i], usage);
            return 2;
        }
    }
    if (fn_config_load(&srv.cfg))
        return 1;
    char *crt = NULL, *key = NULL, *ca = NULL;
    if (!insecure) {
        if (!certs || !*certs) {
            fprintf(stderr, "scl-function: no credentials: pass --insecure or --tls-certs-dir "
                            "(or set TLS_SERVER_CERTS_DIR)\n");
            return 2;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/tls.crt", certs);
        if (!(crt = fn_read_file(path, NULL)))
            return 1;
        snprintf(path, sizeof path, "%s/tls.key", certs);
        if (!(key = fn_read_file(path, NULL)))
            return 1;
        snprintf(path, sizeof path, "%s/ca.crt", certs);
        if (!(ca = fn_read_file(path, NULL)))
            return 1;
    }
    char addr[512];
    if (address[0] == ':')
        snprintf(addr, sizeof addr, "[::]%s", address);
    else
        snprintf(addr, sizeof addr, "%s", address);
    srv.arena_limit = (size_t)max_mib * 64 * 1024 * 1024;

    grpc_init();
    /* no SO_REUSEPORT (gRPC's default): a second server on a busy port fails to start instead
       of silently sharing the port with the first */
    grpc_arg arg[2];
    arg[0].type = GRPC_ARG_INTEGER;
    arg[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    arg[0].value.integer = (int)(max_mib * 1024 * 1024);
    arg[1].type = GRPC_ARG_INTEGER;
    arg[1].key = GRPC_ARG_ALLOW_REUSEPORT;
    arg[1].value.integer = 0;
    grpc_channel_args args = {2, arg};
    srv.server = grpc_server_create(&args, NULL);
    srv.method[CALL_V1] = grpc_server_register_method(
        srv.server, PATH_V1, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
    srv.method[CALL_V1BETA1] = grpc_server_register_method(
        srv.server, PATH_V1BETA1, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
    grpc_completion_queue *ctl = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(srv.server, ctl, NULL);
    struct worker workers[MAX_WORKERS];
    memset(workers, 0, sizeof workers);
    for (long k = 0; k < nworkers; k++) {
        workers[k].srv = &srv;
        workers[k].cq = grpc_completion_queue_create_for_next(NULL);
        grpc_server_register_completion_queue(srv.server, workers[k].cq, NULL);
        workers[k].wc.cfg = &srv.cfg;
        if (!(workers[k].wc.ctx = scl_ctx_new(NULL, NULL))) {
            fprintf(stderr, "scl-function: out of memory\n");
            return 1;
        }
    }
    grpc_server_credentials *creds;
    if (insecure) {
        creds = grpc_insecure_server_credentials_create();
    } else {
        grpc_ssl_pem_key_cert_pair pair = {key, crt};
        creds = grpc_ssl_server_credentials_create_ex(
            ca, &pair, 1, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
    }
    int port = grpc_server_add_http2_port(srv.server, addr, creds);
    grpc_server_credentials_release(creds);
    if (!port) {
        fprintf(stderr, "scl-function: cannot listen on %s\n", addr);
        return 1;
    }
    grpc_server_start(srv.server);
    for (long k = 0; k < nworkers; k++) {
        if (request(&workers[k], CALL_V1) || request(&workers[k], CALL_V1BETA1) ||
            request(&workers[k], CALL_ANY)) {
            fprintf(stderr, "scl-function: cannot request calls\n");
            return 1;
        }
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, WORKER_STACK);
        if (pthread_create(&workers[k].thread, &attr, worker_main, &workers[k])) {
            fprintf(stderr, "scl-function: cannot start a worker thread\n");
            return 1;
        }
        pthread_attr_destroy(&attr);
    }
    logf_("info", "msg=\"serving\" address=%s port=%d tls=%s workers=%ld", addr, port,
          insecure ? "false" : "mtls", nworkers);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    logf_("info", "msg=\"shutting down\" signal=%d", sig);
    /* in-flight calls finish; after a grace period the rest are cancelled */
    int shutdown_tag = 0;
    grpc_server_shutdown_and_notify(srv.server, ctl, &shutdown_tag);
    grpc_event ev = grpc_completion_queue_next(
        ctl, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(10, GPR_TIMESPAN)),
        NULL);
    if (ev.type == GRPC_QUEUE_TIMEOUT) {
        grpc_server_cancel_all_calls(srv.server);
        for (long k = 0; k < nworkers; k++) /* evaluations still running stop now */
            scl_ctx_interrupt(workers[k].wc.ctx);
        grpc_completion_queue_next(ctl, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    }
    atomic_store(&srv.stopping, true);
    for (long k = 0; k < nworkers; k++)
        pthread_join(workers[k].thread, NULL);
    grpc_server_destroy(srv.server);
    grpc_completion_queue_shutdown(ctl);
    while (grpc_completion_queue_next(ctl, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(ctl);
    for (long k = 0; k < nworkers; k++) {
        grpc_completion_queue_destroy(workers[k].cq);
        scl_ctx_free(workers[k].wc.ctx);
    }
    grpc_shutdown();
    fn_config_free(&srv.cfg);
    free(crt);
    free(key);
    free(ca);
    logf_("info", "msg=\"stopped\"");
    return 0;
}
