/* An OCI distribution client for KCL packages (spec §3.3 – §3.6) over libcurl: tag lists and
 * the latest version, push and pull of package artifacts, and registry authentication.
 *
 * Transport. One easy handle per client, reset before every request (curl_easy_reset keeps the
 * connections, DNS cache and TLS sessions), every option checked. Only http and https, also on
 * redirects, at most 5 of them, followed for GET and HEAD only (an upload's Location is data).
 * Stalls end through the low-speed limit; small JSON exchanges also have an overall timeout.
 * A 2xx body goes to a capped buffer or, for blobs, to a file descriptor through SHA-256; any
 * other body goes to a small buffer that keeps the registry's JSON error for the message.
 *
 * Authentication (oras-go's registry/remote/auth). A request goes out with the Authorization
 * cached for its registry and scope, if any. A 401 is retried once after its WWW-Authenticate:
 * Basic sends the credentials; Bearer fetches a token from the realm (GET with the service and
 * one scope parameter per scope, Basic-authenticated when there are credentials; POST with a
 * refresh token for an identitytoken; a registrytoken is used as it is). Tokens are cached per
 * registry and scope; Basic per registry. Credentials come from the explicit username/password,
 * else <pkg_home>/.kpm/config/config.json, else docker's config.json, first match wins. */
#include "config.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pkg/io.h"
#include "pkg/net.h"

#ifndef CURL_WRITEFUNC_ERROR
#define CURL_WRITEFUNC_ERROR 0xFFFFFFFF
#endif

#define MT_MANIFEST  "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_V2 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_EMPTY     "application/vnd.oci.empty.v1+json"
#define MT_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define MT_LAYER_TGZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define ANN_TITLE    "org.opencontainers.image.title"
#define ANN_SUM      "org.kcllang.package.sum"

#define JSON_MAX      ((size_t)4 << 20)  /* a manifest, a page of tags, a token answer */
#define ERR_BODY_MAX  ((size_t)64 << 10) /* what is kept of an error answer */
#define CONFIG_MAX    ((size_t)1 << 20)  /* a credentials file */
#define TAG_PAGES_MAX 1000

/* {===== small helpers */

static void oom(void)
{
    fputs("scl: out of memory\n", stderr);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A growing buffer, always NUL-terminated; callers cap what they put in. */
struct buf {
    char *p;
    size_t n, cap;
};

static void buf_add(struct buf *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            oom();
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* Puts a context line before the cause already in err. */
static int wrap(struct pkg_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int wrap(struct pkg_err *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char cause[sizeof err->msg], head[1024];
    memcpy(cause, err->msg, sizeof cause);
    cause[sizeof cause - 1] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    return pkg_fail(err, "%s\n%s", head, cause);
}

/* Text from the network, made printable for a message. */
static void clean_copy(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (cap)
        out[o] = '\0';
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* "sha256:<hex>" of a digest context, which is then finished */
static void digest_final(EVP_MD_CTX *md, char out[72])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    EVP_DigestFinal_ex(md, d, &dn);
    memcpy(out, "sha256:", 7);
    hex(d, dn > 32 ? 32 : dn, out + 7);
}

static EVP_MD_CTX *sha256_new(void)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        oom();
    if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return NULL;
    }
    return md;
}

static int sha256_mem(const void *p, size_t n, char out[72], struct pkg_err *err)
{
    EVP_MD_CTX *md = sha256_new();
    if (!md)
        return pkg_fail(err, "sha256 is not available");
    EVP_DigestUpdate(md, p, n);
    digest_final(md, out);
    EVP_MD_CTX_free(md);
    return 0;
}

static int sha256_file(FILE *f, const char *path, char out[72], curl_off_t *size,
                       struct pkg_err *err)
{
    EVP_MD_CTX *md = sha256_new();
    if (!md)
        return pkg_fail(err, "sha256 is not available");
    char b[65536];
    size_t k;
    curl_off_t total = 0;
    while ((k = fread(b, 1, sizeof b, f)) > 0) {
        EVP_DigestUpdate(md, b, k);
        total += (curl_off_t)k;
    }
    int rc = 0;
    if (ferror(f))
        rc = pkg_fail(err, "cannot read '%s': %s", path, strerror(errno));
    digest_final(md, out);
    EVP_MD_CTX_free(md);
    *size = total;
    rewind(f);
    return rc;
}

static char *b64_encode(const char *s, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

/* NULL when s is not base64 */
static char *b64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n == 0 || n % 4 || n > CONFIG_MAX)
        return NULL;
    unsigned char *out = xmalloc(n / 4 * 3 + 1);
    int k = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (k < 0) {
        free(out);
        return NULL;
    }
    for (size_t i = n; i > 0 && s[i - 1] == '='; i--)
        k--;
    out[k] = '\0';
    *len = (size_t)k;
    return (char *)out;
}

/* A token or secret that goes into a header line: printable, no spaces. */
static bool header_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

/* {===== names */

static bool valid_reg(const char *s)
{
    if (!s || !*s || strlen(s) > 255)
        return false;
    for (; *s; s++)
        if (!(((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') || (*s >= '0' && *s <= '9') ||
              strchr(".-:[]", *s)))
            return false;
    return true;
}

static bool valid_repo(const char *s)
{
    if (!s || !*s || strlen(s) > 255)
        return false;
    const char *seg = s;
    for (const char *p = s;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - seg);
            if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (!*p)
                return true;
            seg = p + 1;
        } else if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') ||
                     *p == '.' || *p == '_' || *p == '-')) {
            return false;
        }
    }
}

static bool valid_tag(const char *s)
{
    if (!s || !*s || strlen(s) > 128 || *s == '.' || *s == '-')
        return false;
    for (; *s; s++)
        if (!(((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static bool valid_digest(const char *s)
{
    if (!s || strncmp(s, "sha256:", 7) || strlen(s) != 71)
        return false;
    for (s += 7; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static int check_ref(const char *reg, const char *repo, const char *tag, struct pkg_err *err)
{
    if (!valid_reg(reg))
        return pkg_fail(err, "invalid registry '%s'", reg ? reg : "");
    if (!valid_repo(repo))
        return pkg_fail(err, "invalid repository name '%s'", repo ? repo : "");
    if (tag && !valid_tag(tag))
        return pkg_fail(err, "invalid tag '%s'", tag);
    return 0;
}

/* {===== the client */

struct tok {
    char *reg, *scope; /* scope "*": Basic, for every request to reg */
    char *header;      /* "Authorization: ..." */
};

struct oci_client {
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
    char *home, *user, *pass, *auth_host;
    int plain;
    bool insecure;
    FILE *progress;
    struct tok *toks;
    size_t ntoks;
};

struct oci_client *oci_client_new(const struct oci_opts *o, struct pkg_err *err)
{
    struct oci_client *c = xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        pkg_fail(err, "cannot create a curl handle");
        return NULL;
    }
    c->home = o->pkg_home ? xstrdup(o->pkg_home) : NULL;
    c->user = o->username ? xstrdup(o->username) : NULL;
    c->pass = o->password ? xstrdup(o->password) : NULL;
    c->auth_host = o->auth_host && *o->auth_host ? xstrdup(o->auth_host) : NULL;
    c->plain = o->plain_http < 0 ? -1 : o->plain_http > 0;
    c->insecure = o->insecure;
    c->progress = o->progress;
    return c;
}

void oci_client_free(struct oci_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    for (size_t i = 0; i < c->ntoks; i++) {
        free(c->toks[i].reg);
        free(c->toks[i].scope);
        free(c->toks[i].header);
    }
    free(c->toks);
    free(c->home);
    free(c->user);
    free(c->pass);
    free(c->auth_host);
    free(c);
}

static void say(struct oci_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct oci_client *c, const char *fmt, ...)
{
    if (!c->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->progress, fmt, ap);
    va_end(ap);
    fputc('\n', c->progress);
    fflush(c->progress);
}

/* §3.6: plain HTTP for "localhost:<port>" only, unless forced either way. */
static const char *scheme(const struct oci_client *c, const char *reg)
{
    bool plain;
    if (c->plain >= 0) {
        plain = c->plain;
    } else {
        const char *colon = strrchr(reg, ':');
        plain = colon && colon - reg == 9 && strncmp(reg, "localhost", 9) == 0;
    }
    return plain ? "http" : "https";
}

static const char *tok_get(const struct oci_client *c, const char *reg, const char *scope)
{
    const char *basic = NULL;
    for (size_t i = 0; i < c->ntoks; i++) {
        if (strcmp(c->toks[i].reg, reg))
            continue;
        if (!strcmp(c->toks[i].scope, scope))
            return c->toks[i].header;
        if (!strcmp(c->toks[i].scope, "*"))
            basic = c->toks[i].header;
    }
    return basic;
}

/* takes header; returns it (owned by the cache) */
static const char *tok_put(struct oci_client *c, const char *reg, const char *scope, char *header)
{
    for (size_t i = 0; i < c->ntoks; i++)
        if (!strcmp(c->toks[i].reg, reg) && !strcmp(c->toks[i].scope, scope)) {
            free(c->toks[i].header);
            c->toks[i].header = header;
            return header;
        }
    struct tok *t = realloc(c->toks, (c->ntoks + 1) * sizeof *t);
    if (!t)
        oom();
    c->toks = t;
    t[c->ntoks].reg = xstrdup(reg);
    t[c->ntoks].scope = xstrdup(scope);
    t[c->ntoks].header = header;
    c->ntoks++;
    return header;
}

/* {===== one HTTP exchange */

struct http_call {
    const char *method; /* GET, HEAD, POST, PUT */
    const char *url, *accept, *ctype;
    const char *body; /* POST/PUT body in memory, or */
    size_t body_len;
    FILE *file; /* PUT body from a file */
    curl_off_t file_len;
    bool small; /* a JSON exchange: bounded in total time */
};

struct http_resp {
    CURL *curl;
    long status;
    struct buf body;
    bool over;
    int fd; /* >= 0: a 2xx body goes here, through md */
    EVP_MD_CTX *md;
    curl_off_t got, max;
    int werr;
    char *location, *www_auth, *digest, *link;
};

struct upload {
    const char *mem;
    size_t len, off;
    FILE *f;
};

static void resp_init(struct http_resp *r, CURL *curl, int fd, EVP_MD_CTX *md, curl_off_t max)
{
    memset(r, 0, sizeof *r);
    r->curl = curl;
    r->fd = fd;
    r->md = md;
    r->max = max;
}

static void resp_headers_clear(struct http_resp *r)
{
    free(r->location);
    free(r->www_auth);
    free(r->digest);
    free(r->link);
    r->location = r->www_auth = r->digest = r->link = NULL;
}

static void resp_free(struct http_resp *r)
{
    resp_headers_clear(r);
    buf_free(&r->body);
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
    struct http_resp *r = ud;
    size_t n = size * nitems;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response: redirect, 401, final */
        resp_headers_clear(r);
        return n;
    }
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return n;
    size_t kn = (size_t)(colon - p);
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vn = (size_t)(end - v);
    char **slot = NULL;
    if (kn == 8 && !strncasecmp(p, "location", 8))
        slot = &r->location;
    else if (kn == 16 && !strncasecmp(p, "www-authenticate", 16) && !r->www_auth)
        slot = &r->www_auth;
    else if (kn == 21 && !strncasecmp(p, "docker-content-digest", 21))
        slot = &r->digest;
    else if (kn == 4 && !strncasecmp(p, "link", 4) && !r->link) {
        /* <url>; rel="next" */
        char *val = xmalloc(vn + 1);
        memcpy(val, v, vn);
        val[vn] = '\0';
        char *lt = strchr(val, '<'), *gt = lt ? strchr(lt, '>') : NULL;
        if (lt && gt && (strstr(gt, "rel=\"next\"") || strstr(gt, "rel=next"))) {
            *gt = '\0';
            r->link = xstrdup(lt + 1);
        }
        free(val);
        return n;
    }
    if (slot) {
        free(*slot);
        *slot = xmalloc(vn + 1);
        memcpy(*slot, v, vn);
        (*slot)[vn] = '\0';
    }
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct http_resp *r = ud;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
    bool ok = code >= 200 && code < 300;
    if (ok && r->fd >= 0) {
        if (r->got + (curl_off_t)n > r->max) {
            r->over = true;
            return CURL_WRITEFUNC_ERROR;
        }
        EVP_DigestUpdate(r->md, p, n);
        for (size_t off = 0; off < n;) {
            ssize_t k = write(r->fd, p + off, n - off);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                r->werr = errno;
                return CURL_WRITEFUNC_ERROR;
            }
            off += (size_t)k;
        }
        r->got += (curl_off_t)n;
        return n;
    }
    size_t max = ok ? JSON_MAX : ERR_BODY_MAX;
    if (r->body.n + n > max) {
        if (!ok)
            return n; /* the start of an error body is enough */
        r->over = true;
        return CURL_WRITEFUNC_ERROR;
    }
    buf_add(&r->body, p, n);
    return n;
}

static size_t on_read(char *p, size_t size, size_t nitems, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nitems;
    if (u->f) {
        size_t k = fread(p, 1, n, u->f);
        return k == 0 && ferror(u->f) ? CURL_READFUNC_ABORT : k;
    }
    size_t k = u->len - u->off < n ? u->len - u->off : n;
    memcpy(p, u->mem + u->off, k);
    u->off += k;
    return k;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
    struct upload *u = ud;
    if (origin != SEEK_SET)
        return CURL_SEEKFUNC_CANTSEEK;
    if (u->f)
        return fseeko(u->f, (off_t)off, SEEK_SET) == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
    if (off < 0 || (size_t)off > u->len)
        return CURL_SEEKFUNC_FAIL;
    u->off = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

/* The URL for a message: no query (upload URLs carry state). */
static void url_for_msg(char *out, size_t cap, const char *url)
{
    clean_copy(out, cap, url, strcspn(url, "?"));
}

/* One request on the reused handle; auth: a header line or NULL. Fails only when no HTTP
 * answer arrived; the status is for the caller. */
static int http_perform(struct oci_client *c, const struct http_call *k, const char *auth,
                        struct http_resp *r, struct pkg_err *err)
{
    resp_headers_clear(r);
    r->status = 0;
    r->body.n = 0;
    if (r->body.p)
        r->body.p[0] = '\0';
    r->over = false;
    r->werr = 0;
    if (r->fd >= 0) {
        if (ftruncate(r->fd, 0) != 0 || lseek(r->fd, 0, SEEK_SET) != 0)
            return pkg_fail(err, "cannot reset a temporary file: %s", strerror(errno));
        if (!EVP_DigestInit_ex(r->md, EVP_sha256(), NULL))
            return pkg_fail(err, "sha256 is not available");
        r->got = 0;
    }
    struct upload up = {.mem = k->body, .len = k->body_len, .f = k->file};
    if (k->file && fseeko(k->file, 0, SEEK_SET) != 0)
        return pkg_fail(err, "cannot rewind an upload: %s", strerror(errno));

    struct curl_slist *h = NULL, *t;
    char *lines[3] = {
        k->accept ? xprintf("Accept: %s", k->accept) : NULL,
        k->ctype ? xprintf("Content-Type: %s", k->ctype) : NULL,
        auth ? xstrdup(auth) : NULL,
    };
    bool hok = true;
    for (size_t i = 0; i < 3; i++) {
        if (lines[i] && hok) {
            t = curl_slist_append(h, lines[i]);
            if (t)
                h = t;
            else
                hok = false;
        }
        free(lines[i]);
    }
    if (!hok) {
        curl_slist_free_all(h);
        oom();
    }

    curl_easy_reset(c->curl);
    CURL *e = c->curl;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, k->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
    SET(CURLOPT_USERAGENT, "scl/" PACKAGE_VERSION);
    SET(CURLOPT_CONNECTTIMEOUT, 30L);
    SET(CURLOPT_LOW_SPEED_LIMIT, 1024L);
    SET(CURLOPT_LOW_SPEED_TIME, 30L);
    if (k->small)
        SET(CURLOPT_TIMEOUT, 120L);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, r);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, r);
    if (h)
        SET(CURLOPT_HTTPHEADER, h);
    if (c->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!strcmp(k->method, "GET") || !strcmp(k->method, "HEAD")) {
        if (k->method[0] == 'H')
            SET(CURLOPT_NOBODY, 1L);
        else
            SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, 5L);
    } else if (!strcmp(k->method, "POST")) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, k->body ? k->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)k->body_len);
    } else {
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_read);
        SET(CURLOPT_READDATA, &up);
        SET(CURLOPT_SEEKFUNCTION, on_seek);
        SET(CURLOPT_SEEKDATA, &up);
        SET(CURLOPT_INFILESIZE_LARGE, k->file ? k->file_len : (curl_off_t)k->body_len);
    }
#undef SET
    char where[512];
    url_for_msg(where, sizeof where, k->url);
    if (rc != CURLE_OK) {
        curl_slist_free_all(h);
        return pkg_fail(err, "cannot set up %s \"%s\": %s", k->method, where,
                        curl_easy_strerror(rc));
    }
    c->errbuf[0] = '\0';
    rc = curl_easy_perform(e);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        if (r->over)
            return pkg_fail(err, "%s \"%s\": the answer is larger than expected", k->method, where);
        if (r->werr)
            return pkg_fail(err, "%s \"%s\": cannot write the download: %s", k->method, where,
                            strerror(r->werr));
        return pkg_fail(err, "%s \"%s\": %s", k->method, where,
                        c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    }
    if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status) != CURLE_OK || r->status == 0)
        return pkg_fail(err, "%s \"%s\": no HTTP answer", k->method, where);
    return 0;
}

static const char *status_text(long s)
{
    switch (s) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "unexpected status";
    }
}

/* The registry's error body, oras style: "name unknown: repository name not known to registry". */
static void status_detail(const struct http_resp *r, char *out, size_t cap)
{
    struct buf d = {0};
    cJSON *j = r->body.n ? cJSON_ParseWithLength(r->body.p, r->body.n) : NULL;
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors"), *e;
    int count = 0;
    cJSON_ArrayForEach(e, errs)
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
        if (!cJSON_IsString(code) || count++ >= 3)
            continue;
        if (d.n)
            buf_str(&d, "; ");
        for (const char *p = code->valuestring; *p; p++) {
            char ch = *p == '_' ? ' ' : (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
            buf_add(&d, &ch, 1);
        }
        if (cJSON_IsString(msg) && msg->valuestring[0]) {
            buf_str(&d, ": ");
            buf_str(&d, msg->valuestring);
        }
    }
    cJSON_Delete(j);
    if (!d.n)
        buf_str(&d, status_text(r->status));
    clean_copy(out, cap, d.p, d.n);
    buf_free(&d);
}

static int status_fail(const struct http_call *k, const struct http_resp *r, struct pkg_err *err)
{
    char where[512], detail[768];
    url_for_msg(where, sizeof where, k->url);
    status_detail(r, detail, sizeof detail);
    return pkg_fail(err, "%s \"%s\": response status code %ld: %s", k->method, where, r->status,
                    detail);
}

/* {===== credentials (§3.6) */

struct cred {
    char *user, *pass, *identity, *regtoken;
};

static void cred_free(struct cred *cr)
{
    free(cr->user);
    free(cr->pass);
    free(cr->identity);
    free(cr->regtoken);
    memset(cr, 0, sizeof *cr);
}

static char *read_small(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b = {0};
    char tmp[8192];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0 && b.n <= CONFIG_MAX)
        buf_add(&b, tmp, k);
    bool bad = ferror(f) || b.n > CONFIG_MAX;
    fclose(f);
    if (bad) {
        buf_free(&b);
        return NULL;
    }
    *n = b.n;
    if (!b.p)
        buf_add(&b, "", 0);
    return b.p;
}

/* "https://host/v1/", "http://host", "host/" all name host */
static bool key_names(const char *key, const char *reg)
{
    if (!strncmp(key, "https://", 8))
        key += 8;
    else if (!strncmp(key, "http://", 7))
        key += 7;
    size_t n = strcspn(key, "/");
    return strlen(reg) == n && !strncmp(key, reg, n);
}

static const char *json_str_item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static bool cred_from_file(const char *path, const char *reg, struct cred *cr)
{
    size_t n = 0;
    char *text = read_small(path, &n);
    if (!text)
        return false;
    cJSON *j = cJSON_ParseWithLength(text, n);
    free(text);
    const cJSON *auths = cJSON_GetObjectItemCaseSensitive(j, "auths");
    const cJSON *ent = cJSON_GetObjectItemCaseSensitive(auths, reg), *it;
    if (!ent)
        cJSON_ArrayForEach(it, auths)
        {
            if (it->string && key_names(it->string, reg)) {
                ent = it;
                break;
            }
        }
    bool found = false;
    if (cJSON_IsObject(ent)) {
        const char *auth = json_str_item(ent, "auth");
        size_t len = 0;
        char *dec = auth ? b64_decode(auth, &len) : NULL;
        char *colon = dec ? memchr(dec, ':', len) : NULL;
        if (colon) {
            *colon = '\0';
            cr->user = xstrdup(dec);
            cr->pass = xstrdup(colon + 1);
        } else if (json_str_item(ent, "username")) {
            cr->user = xstrdup(json_str_item(ent, "username"));
            const char *pw = json_str_item(ent, "password");
            cr->pass = xstrdup(pw ? pw : "");
        }
        free(dec);
        const char *idt = json_str_item(ent, "identitytoken");
        const char *rt = json_str_item(ent, "registrytoken");
        cr->identity = idt ? xstrdup(idt) : NULL;
        cr->regtoken = rt ? xstrdup(rt) : NULL;
        found = cr->user || cr->identity || cr->regtoken;
    }
    cJSON_Delete(j);
    return found;
}

static void cred_lookup(const struct oci_client *c, const char *reg, struct cred *cr)
{
    memset(cr, 0, sizeof *cr);
    if (((c->user && *c->user) || (c->pass && *c->pass)) &&
        (!c->auth_host || key_names(c->auth_host, reg))) {
        cr->user = xstrdup(c->user ? c->user : "");
        cr->pass = xstrdup(c->pass ? c->pass : "");
        return;
    }
    char *files[2] = {NULL, NULL};
    if (c->home && *c->home)
        files[0] = xprintf("%s/.kpm/config/config.json", c->home);
    const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    if (dc && *dc)
        files[1] = xprintf("%s/config.json", dc);
    else if (home && *home)
        files[1] = xprintf("%s/.docker/config.json", home);
    for (size_t i = 0; i < 2; i++) {
        if (files[i] && cred_from_file(files[i], reg, cr))
            break;
        cred_free(cr);
    }
    free(files[0]);
    free(files[1]);
}

/* {===== challenges and tokens */

struct challenge {
    char scheme[16];
    char *realm, *service, *scope;
};

static void challenge_free(struct challenge *ch)
{
    free(ch->realm);
    free(ch->service);
    free(ch->scope);
}

/* Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull" */
static void challenge_parse(const char *h, struct challenge *ch)
{
    memset(ch, 0, sizeof *ch);
    const char *p = h;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ' && n + 1 < sizeof ch->scheme) {
        ch->scheme[n] = p[n];
        n++;
    }
    ch->scheme[n] = '\0';
    p += strcspn(p, " ");
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *key = p;
        while (*p && *p != '=' && *p != ',' && *p != ' ')
            p++;
        size_t kn = (size_t)(p - key);
        if (*p != '=') {
            if (!*p)
                break;
            continue;
        }
        p++;
        struct buf v = {0};
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                buf_add(&v, p, 1);
            }
            if (*p == '"')
                p++;
        } else {
            size_t vn = strcspn(p, ", ");
            buf_add(&v, p, vn);
            p += vn;
        }
        if (!v.p)
            buf_add(&v, "", 0);
        char **slot = NULL;
        if (kn == 5 && !strncasecmp(key, "realm", 5))
            slot = &ch->realm;
        else if (kn == 7 && !strncasecmp(key, "service", 7))
            slot = &ch->service;
        else if (kn == 5 && !strncasecmp(key, "scope", 5))
            slot = &ch->scope;
        if (slot && !*slot)
            *slot = v.p;
        else
            buf_free(&v);
    }
}

struct scope_item {
    char *resource; /* "repository:a/b" */
    struct pkg_strs actions;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_scope(const void *a, const void *b)
{
    return strcmp(((const struct scope_item *)a)->resource,
                  ((const struct scope_item *)b)->resource);
}

/* The challenge's scopes merged with the hint, as oras does: actions united per resource,
 * sorted, "*" absorbing the rest. Space-separated; "" when there are none. */
static char *scopes_merge(const char *a, const char *b)
{
    struct scope_item *v = NULL;
    size_t n = 0;
    const char *srcs[2] = {a, b};
    for (size_t s = 0; s < 2; s++) {
        const char *p = srcs[s];
        while (p && *p) {
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, " ");
            if (!len)
                break;
            char *item = xmalloc(len + 1);
            memcpy(item, p, len);
            item[len] = '\0';
            p += len;
            char *colon = strrchr(item, ':');
            char *acts = NULL;
            if (colon && strchr(item, ':') != colon) {
                *colon = '\0';
                acts = colon + 1;
            }
            size_t i = 0;
            while (i < n && strcmp(v[i].resource, item))
                i++;
            if (i == n) {
                struct scope_item *nv = realloc(v, (n + 1) * sizeof *nv);
                if (!nv)
                    oom();
                v = nv;
                v[n].resource = xstrdup(item);
                memset(&v[n].actions, 0, sizeof v[n].actions);
                n++;
            }
            for (char *act = acts; act && *act;) {
                size_t an = strcspn(act, ",");
                char keep = act[an];
                act[an] = '\0';
                bool have = false;
                for (size_t j = 0; j < v[i].actions.n; j++)
                    have = have || !strcmp(v[i].actions.v[j], act);
                if (an && !have)
                    pkg_strs_push(&v[i].actions, act);
                act += an + (keep ? 1 : 0);
                if (!keep)
                    break;
            }
            free(item);
        }
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_scope);
    struct buf out = {0};
    buf_add(&out, "", 0);
    for (size_t i = 0; i < n; i++) {
        struct pkg_strs *acts = &v[i].actions;
        bool star = false;
        for (size_t j = 0; j < acts->n; j++)
            star = star || !strcmp(acts->v[j], "*");
        if (acts->n)
            qsort(acts->v, acts->n, sizeof *acts->v, cmp_str);
        if (out.n)
            buf_str(&out, " ");
        buf_str(&out, v[i].resource);
        if (star) {
            buf_str(&out, ":*");
        } else if (acts->n) {
            for (size_t j = 0; j < acts->n; j++) {
                buf_str(&out, j ? "," : ":");
                buf_str(&out, acts->v[j]);
            }
        }
        free(v[i].resource);
        pkg_strs_free(acts);
    }
    free(v);
    return out.p;
}

static void form_add(struct buf *b, CURL *curl, const char *key, const char *val)
{
    char *esc = curl_easy_escape(curl, val, 0);
    if (!esc)
        oom();
    if (b->n)
        buf_str(b, "&");
    buf_str(b, key);
    buf_str(b, "=");
    buf_str(b, esc);
    curl_free(esc);
}

static int fetch_token(struct oci_client *c, const char *reg, const struct challenge *ch,
                       const char *hint, const struct cred *cr, char **token, struct pkg_err *err)
{
    char *scopes = scopes_merge(ch->scope, hint);
    struct buf q = {0}, url = {0};
    struct http_call k = {.accept = "application/json", .small = true};
    char *basic = NULL;
    if (cr->identity) { /* OAuth2 refresh token */
        form_add(&q, c->curl, "grant_type", "refresh_token");
        form_add(&q, c->curl, "refresh_token", cr->identity);
        if (ch->service)
            form_add(&q, c->curl, "service", ch->service);
        form_add(&q, c->curl, "client_id", "oras-go");
        if (scopes[0])
            form_add(&q, c->curl, "scope", scopes);
        buf_str(&url, ch->realm);
        k.method = "POST";
        k.ctype = "application/x-www-form-urlencoded";
        k.body = q.p;
        k.body_len = q.n;
    } else {
        if (ch->service)
            form_add(&q, c->curl, "service", ch->service);
        for (const char *p = scopes; *p;) {
            size_t len = strcspn(p, " ");
            char *one = xmalloc(len + 1);
            memcpy(one, p, len);
            one[len] = '\0';
            form_add(&q, c->curl, "scope", one);
            free(one);
            p += len;
            while (*p == ' ')
                p++;
        }
        buf_str(&url, ch->realm);
        if (q.n) {
            buf_str(&url, strchr(ch->realm, '?') ? "&" : "?");
            buf_str(&url, q.p);
        }
        k.method = "GET";
        if (cr->user) {
            char *up = xprintf("%s:%s", cr->user, cr->pass ? cr->pass : "");
            char *b = b64_encode(up, strlen(up));
            basic = xprintf("Authorization: Basic %s", b);
            free(b);
            free(up);
        }
    }
    k.url = url.p;
    struct http_resp r;
    resp_init(&r, c->curl, -1, NULL, 0);
    int rc = http_perform(c, &k, basic, &r, err);
    char realm[256];
    url_for_msg(realm, sizeof realm, ch->realm);
    if (rc) {
        wrap(err, "cannot get a token for '%s' from '%s'", reg, realm);
    } else if (r.status == 401 || r.status == 403) {
        if (cr->user)
            rc = pkg_fail(err,
                          "%ld %s from the token server of '%s' (%s): the credentials of '%s' "
                          "were refused (wrong username or password?)",
                          r.status, status_text(r.status), reg, realm, cr->user);
        else if (cr->identity)
            rc = pkg_fail(err,
                          "%ld %s from the token server of '%s' (%s): the stored identity token "
                          "was refused",
                          r.status, status_text(r.status), reg, realm);
        else
            rc = pkg_fail(err,
                          "%ld %s from the token server of '%s' (%s): anonymous access was "
                          "refused and no credentials for '%s' were found",
                          r.status, status_text(r.status), reg, realm, reg);
    } else if (r.status != 200) {
        rc = status_fail(&k, &r, err);
        wrap(err, "cannot get a token for '%s'", reg);
    } else {
        cJSON *j = cJSON_ParseWithLength(r.body.p ? r.body.p : "", r.body.n);
        const char *t = json_str_item(j, "access_token");
        if (!t)
            t = json_str_item(j, "token");
        if (t && header_safe(t))
            *token = xstrdup(t);
        else
            rc = pkg_fail(err, "the token server of '%s' (%s) sent no usable token", reg, realm);
        cJSON_Delete(j);
    }
    resp_free(&r);
    free(basic);
    buf_free(&q);
    buf_free(&url);
    free(scopes);
    return rc;
}

/* After a 401: the Authorization to retry with (header line, malloc'd) and the scope to cache
 * it under ("*" for Basic); *who: the user name, NULL when anonymous. */
static int authenticate(struct oci_client *c, const char *reg, const char *hint, const char *www,
                        char **header, const char **cache_scope, char **who, struct pkg_err *err)
{
    *header = NULL;
    *who = NULL;
    if (!www)
        return pkg_fail(err, "401 Unauthorized from '%s' without a challenge", reg);
    struct challenge ch;
    challenge_parse(www, &ch);
    struct cred cr;
    cred_lookup(c, reg, &cr);
    if (cr.user)
        *who = xstrdup(cr.user);
    int rc = 0;
    if (!strcasecmp(ch.scheme, "Basic")) {
        if (!cr.user) {
            rc = pkg_fail(err,
                          "401 Unauthorized from '%s': a login is needed and no credentials "
                          "for '%s' were found",
                          reg, reg);
        } else {
            char *up = xprintf("%s:%s", cr.user, cr.pass ? cr.pass : "");
            char *b = b64_encode(up, strlen(up));
            *header = xprintf("Authorization: Basic %s", b);
            free(b);
            free(up);
            *cache_scope = "*";
        }
    } else if (!strcasecmp(ch.scheme, "Bearer")) {
        char *token = NULL;
        if (!ch.realm) {
            rc = pkg_fail(err, "401 Unauthorized from '%s': the Bearer challenge names no realm",
                          reg);
        } else if (cr.regtoken) {
            if (header_safe(cr.regtoken))
                token = xstrdup(cr.regtoken);
            else
                rc = pkg_fail(err, "the registry token stored for '%s' is not usable", reg);
        } else {
            rc = fetch_token(c, reg, &ch, hint, &cr, &token, err);
        }
        if (rc == 0) {
            *header = xprintf("Authorization: Bearer %s", token);
            *cache_scope = hint;
        }
        free(token);
    } else {
        char s[32];
        clean_copy(s, sizeof s, ch.scheme, strlen(ch.scheme));
        rc = pkg_fail(err, "401 Unauthorized from '%s': unsupported authentication scheme '%s'",
                      reg, s);
    }
    challenge_free(&ch);
    cred_free(&cr);
    if (rc) {
        free(*who);
        *who = NULL;
    }
    return rc;
}

/* A request to reg with the cached Authorization for scope; a 401 is answered once. */
static int http_do(struct oci_client *c, const char *reg, const char *scope,
                   const struct http_call *k, struct http_resp *r, struct pkg_err *err)
{
    if (http_perform(c, k, tok_get(c, reg, scope), r, err))
        return -1;
    if (r->status != 401)
        return 0;
    char *www = r->www_auth ? xstrdup(r->www_auth) : NULL;
    char *header = NULL, *who = NULL;
    const char *cscope = scope;
    int rc = authenticate(c, reg, scope, www, &header, &cscope, &who, err);
    free(www);
    if (rc)
        return -1;
    const char *auth = tok_put(c, reg, cscope, header);
    rc = http_perform(c, k, auth, r, err);
    if (rc == 0 && r->status == 401) {
        char detail[768];
        status_detail(r, detail, sizeof detail);
        if (who)
            rc = pkg_fail(err,
                          "401 Unauthorized from '%s': the credentials of '%s' were refused "
                          "(wrong username or password, or no access): %s",
                          reg, who, detail);
        else
            rc = pkg_fail(err,
                          "401 Unauthorized from '%s': no credentials for '%s' were found and "
                          "anonymous access is not enough: %s",
                          reg, reg, detail);
    }
    free(who);
    return rc;
}

/* {===== tags and versions (§3.5) */

static bool is_not_found(const struct http_resp *r)
{
    if (r->status != 404)
        return false;
    cJSON *j = r->body.n ? cJSON_ParseWithLength(r->body.p, r->body.n) : NULL;
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
    bool yes = false;
    if (cJSON_GetArraySize(errs) == 1) {
        const char *code = json_str_item(cJSON_GetArrayItem(errs, 0), "code");
        yes = code && (!strcmp(code, "NAME_UNKNOWN") || !strcmp(code, "NOT_FOUND"));
    }
    cJSON_Delete(j);
    return yes;
}

/* Appends every tag, following Link pagination. 1: unknown repository. */
static int fetch_tags(struct oci_client *c, const char *reg, const char *repo,
                      struct pkg_strs *tags, struct pkg_err *err)
{
    const char *sch = scheme(c, reg);
    char *scope = xprintf("repository:%s:pull", repo);
    char *url = xprintf("%s://%s/v2/%s/tags/list", sch, reg, repo);
    struct http_resp r;
    resp_init(&r, c->curl, -1, NULL, 0);
    int rc = 0;
    for (int page = 0;; page++) {
        if (page == TAG_PAGES_MAX) {
            rc = pkg_fail(err, "more than %d pages of tags", TAG_PAGES_MAX);
            break;
        }
        struct http_call k = {
            .method = "GET", .url = url, .accept = "application/json", .small = true};
        if ((rc = http_do(c, reg, scope, &k, &r, err)) != 0)
            break;
        if (page == 0 && is_not_found(&r)) {
            rc = 1;
            break;
        }
        if (r.status != 200) {
            rc = status_fail(&k, &r, err);
            break;
        }
        cJSON *j = cJSON_ParseWithLength(r.body.p ? r.body.p : "", r.body.n);
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "tags"), *t;
        if (!j || (list && !cJSON_IsArray(list) && !cJSON_IsNull(list))) {
            cJSON_Delete(j);
            rc = pkg_fail(err, "GET \"%s\": the tag list is not valid JSON", url);
            break;
        }
        cJSON_ArrayForEach(t, list)
        {
            if (cJSON_IsString(t))
                pkg_strs_push(tags, t->valuestring);
        }
        cJSON_Delete(j);
        if (!r.link)
            break;
        char *next;
        if (!strncmp(r.link, "http://", 7) || !strncmp(r.link, "https://", 8))
            next = xstrdup(r.link);
        else
            next = xprintf("%s://%s%s%s", sch, reg, r.link[0] == '/' ? "" : "/", r.link);
        free(url);
        url = next;
    }
    resp_free(&r);
    free(url);
    free(scope);
    return rc;
}

int oci_list_tags(struct oci_client *c, const char *reg, const char *repo, struct pkg_strs *tags,
                  struct pkg_err *err)
{
    if (check_ref(reg, repo, NULL, err))
        return -1;
    int rc = fetch_tags(c, reg, repo, tags, err);
    if (rc < 0)
        return wrap(err, "failed to access '%s/%s'", reg, repo);
    return 0;
}

int oci_latest_tag(struct oci_client *c, const char *reg, const char *repo, char **tag,
                   struct pkg_err *err)
{
    *tag = NULL;
    if (check_ref(reg, repo, NULL, err))
        return -1;
    struct pkg_strs tags = {0};
    int rc = fetch_tags(c, reg, repo, &tags, err);
    if (rc < 0) {
        pkg_strs_free(&tags);
        return wrap(err, "failed to select latest version from '%s/%s'", reg, repo);
    }
    if (rc == 1) {
        pkg_strs_free(&tags);
        return pkg_fail(err,
                        "failed to select latest version from '%s/%s'\nrepository '%s/%s' "
                        "not found",
                        reg, repo, reg, repo);
    }
    const char *best_tag = NULL;
    for (size_t i = 0; i < tags.n; i++) {
        if (!strcmp(tags.v[i], "latest"))
            continue;
        bool ok;
        int cmp = pkg_version_cmp(tags.v[i], best_tag ? best_tag : tags.v[i], &ok);
        if (!ok) {
            char t[200];
            clean_copy(t, sizeof t, tags.v[i], strlen(tags.v[i]));
            pkg_strs_free(&tags);
            return pkg_fail(err,
                            "failed to select latest version from '%s/%s'\nfailed to parse "
                            "version %s",
                            reg, repo, t);
        }
        if (!best_tag || cmp > 0)
            best_tag = tags.v[i];
    }
    if (!best_tag) {
        pkg_strs_free(&tags);
        return pkg_fail(err, "failed to select latest version from '%s/%s'\nno version tags", reg,
                        repo);
    }
    *tag = xstrdup(best_tag);
    pkg_strs_free(&tags);
    say(c, "the latest version '%s' will be downloaded", *tag);
    return 0;
}

/* {===== push (§3.3, §3.4) */

static size_t utf8_len(const unsigned char *p, unsigned *cp)
{
    unsigned c0 = p[0];
    size_t n;
    unsigned v, min;
    if (c0 >= 0xc2 && c0 <= 0xdf) {
        n = 2, v = c0 & 0x1f, min = 0x80;
    } else if (c0 >= 0xe0 && c0 <= 0xef) {
        n = 3, v = c0 & 0x0f, min = 0x800;
    } else if (c0 >= 0xf0 && c0 <= 0xf4) {
        n = 4, v = c0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* A JSON string as Go's encoder writes it (HTML-safe escapes, \ufffd for bad UTF-8). */
static void json_str(struct buf *b, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned ch = *p;
        if (ch < 0x80) {
            if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != '<' && ch != '>' && ch != '&') {
                buf_add(b, p, 1);
            } else if (ch == '"' || ch == '\\') {
                char e[2] = {'\\', (char)ch};
                buf_add(b, e, 2);
            } else if (ch == '\n') {
                buf_str(b, "\\n");
            } else if (ch == '\r') {
                buf_str(b, "\\r");
            } else if (ch == '\t') {
                buf_str(b, "\\t");
            } else {
                char e[6] = {'\\', 'u', '0', '0', hexd[ch >> 4], hexd[ch & 15]};
                buf_add(b, e, 6);
            }
            p++;
            continue;
        }
        unsigned cp = 0;
        size_t n = utf8_len(p, &cp);
        if (!n) {
            buf_str(b, "\\ufffd");
            p++;
        } else {
            if (cp == 0x2028 || cp == 0x2029)
                buf_str(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
            else
                buf_add(b, p, n);
            p += n;
        }
    }
    buf_add(b, "\"", 1);
}

static void json_kv(struct buf *b, const char *key, const char *val, bool comma)
{
    if (comma)
        buf_str(b, ",");
    json_str(b, key);
    buf_str(b, ":");
    json_str(b, val);
}

static void build_manifest(struct buf *b, const char *layer_type, const char *cfg_digest,
                           const char *layer_digest, curl_off_t layer_size, const char *title,
                           const struct oci_pkg_meta *m, const char *created)
{
    char num[32];
    buf_str(b, "{\"schemaVersion\":2,");
    json_kv(b, "mediaType", MT_MANIFEST, false);
    json_kv(b, "artifactType", layer_type, true);
    buf_str(b, ",\"config\":{");
    json_kv(b, "mediaType", MT_EMPTY, false);
    json_kv(b, "digest", cfg_digest, true);
    buf_str(b, ",\"size\":2,\"data\":\"e30=\"},\"layers\":[{");
    json_kv(b, "mediaType", layer_type, false);
    json_kv(b, "digest", layer_digest, true);
    snprintf(num, sizeof num, ",\"size\":%lld,", (long long)layer_size);
    buf_str(b, num);
    buf_str(b, "\"annotations\":{");
    json_kv(b, ANN_TITLE, title, false);
    buf_str(b, "}}],\"annotations\":{");
    json_kv(b, "org.kcllang.package.description", m->description ? m->description : "", false);
    json_kv(b, "org.kcllang.package.name", m->name ? m->name : "", true);
    json_kv(b, ANN_SUM, m->sum ? m->sum : "", true);
    json_kv(b, "org.kcllang.package.version", m->version ? m->version : "", true);
    json_kv(b, "org.opencontainers.image.created", created, true);
    buf_str(b, "}}");
}

/* HEAD, then POST + PUT when the registry lacks it (body: mem, or file when mem is NULL). */
static int push_blob(struct oci_client *c, const char *reg, const char *repo, const char *scope,
                     const char *digest, const char *mem, FILE *file, curl_off_t size,
                     struct pkg_err *err)
{
    const char *sch = scheme(c, reg);
    char *url = xprintf("%s://%s/v2/%s/blobs/%s", sch, reg, repo, digest);
    struct http_resp r;
    resp_init(&r, c->curl, -1, NULL, 0);
    struct http_call k = {.method = "HEAD", .url = url, .small = true};
    int rc = http_do(c, reg, scope, &k, &r, err);
    if (rc == 0 && r.status != 200) {
        free(url);
        url = xprintf("%s://%s/v2/%s/blobs/uploads/", sch, reg, repo);
        struct http_call post = {.method = "POST", .url = url, .small = true};
        rc = http_do(c, reg, scope, &post, &r, err);
        if (rc == 0 && r.status != 202)
            rc = status_fail(&post, &r, err);
        if (rc == 0 && !r.location)
            rc = pkg_fail(err, "POST \"%s\": no upload location in the answer", url);
        if (rc == 0) {
            char *loc = r.location[0] == '/' ? xprintf("%s://%s%s", sch, reg, r.location)
                                             : xstrdup(r.location);
            char *put =
                xprintf("%s%sdigest=sha256%%3A%s", loc, strchr(loc, '?') ? "&" : "?", digest + 7);
            free(loc);
            free(url);
            url = put;
            struct http_call pk = {
                .method = "PUT", .url = url, .ctype = "application/octet-stream"};
            if (mem) {
                pk.body = mem;
                pk.body_len = (size_t)size;
                pk.small = true;
            } else {
                pk.file = file;
                pk.file_len = size;
            }
            rc = http_do(c, reg, scope, &pk, &r, err);
            if (rc == 0 && r.status != 201 && r.status != 200 && r.status != 204)
                rc = status_fail(&pk, &r, err);
        }
    }
    resp_free(&r);
    free(url);
    return rc;
}

static int push_artifact(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                         FILE *layer, const char *layer_digest, curl_off_t layer_size,
                         const char *cfg_digest, const struct buf *man, const char *man_digest,
                         struct pkg_err *err)
{
    const char *sch = scheme(c, reg);
    char *scope = xprintf("repository:%s:pull,push", repo);
    struct http_resp r;
    resp_init(&r, c->curl, -1, NULL, 0);
    /* oras looks for the root first: when it is there, only the tag is put */
    char *url = xprintf("%s://%s/v2/%s/manifests/%s", sch, reg, repo, man_digest);
    struct http_call k = {.method = "HEAD", .url = url, .accept = MT_MANIFEST, .small = true};
    int rc = http_do(c, reg, scope, &k, &r, err);
    if (rc == 0 && r.status != 200) {
        rc = push_blob(c, reg, repo, scope, cfg_digest, "{}", NULL, 2, err);
        if (rc == 0)
            rc = push_blob(c, reg, repo, scope, layer_digest, NULL, layer, layer_size, err);
    }
    if (rc == 0) {
        free(url);
        url = xprintf("%s://%s/v2/%s/manifests/%s", sch, reg, repo, tag);
        struct http_call pk = {.method = "PUT",
                               .url = url,
                               .ctype = MT_MANIFEST,
                               .body = man->p,
                               .body_len = man->n,
                               .small = true};
        rc = http_do(c, reg, scope, &pk, &r, err);
        if (rc == 0 && r.status != 201 && r.status != 200)
            rc = status_fail(&pk, &r, err);
    }
    resp_free(&r);
    free(url);
    free(scope);
    return rc;
}

int oci_push_package(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                     const char *archive, const struct oci_pkg_meta *m, bool force, char digest[72],
                     struct pkg_err *err)
{
    if (digest)
        digest[0] = '\0';
    if (check_ref(reg, repo, tag, err))
        return -1;
    size_t al = strlen(archive);
    const char *layer_type, *ext;
    if (al > 4 && !strcmp(archive + al - 4, ".tgz"))
        layer_type = MT_LAYER_TGZ, ext = ".tgz";
    else if (al > 4 && !strcmp(archive + al - 4, ".tar"))
        layer_type = MT_LAYER_TAR, ext = ".tar";
    else
        return pkg_fail(err, "cannot push '%s': a package archive ends in .tgz or .tar", archive);

    say(c, "package '%s' will be pushed", m->name ? m->name : "");
    struct pkg_strs tags = {0};
    int rc = fetch_tags(c, reg, repo, &tags, err);
    if (rc < 0) {
        pkg_strs_free(&tags);
        return wrap(err, "failed to access '%s/%s'", reg, repo);
    }
    bool exists = false;
    for (size_t i = 0; i < tags.n; i++)
        exists = exists || !strcmp(tags.v[i], tag);
    pkg_strs_free(&tags);
    if (exists && !force)
        return pkg_fail(err, "package version '%s' already exists", tag);
    if (exists)
        say(c, "package version '%s' already exists, force pushing", tag);

    FILE *f = fopen(archive, "rb");
    if (!f)
        return pkg_fail(err, "cannot read '%s': %s", archive, strerror(errno));
    char layer_digest[72], cfg_digest[72], man_digest[72];
    curl_off_t size = 0;
    rc = sha256_file(f, archive, layer_digest, &size, err);
    if (rc == 0)
        rc = sha256_mem("{}", 2, cfg_digest, err);
    struct buf man = {0};
    if (rc == 0) {
        char created[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
        char *title = xprintf("%s_%s%s", m->name ? m->name : "", m->version ? m->version : "", ext);
        build_manifest(&man, layer_type, cfg_digest, layer_digest, size, title, m, created);
        free(title);
        rc = sha256_mem(man.p, man.n, man_digest, err);
    }
    if (rc == 0) {
        rc = push_artifact(c, reg, repo, tag, f, layer_digest, size, cfg_digest, &man, man_digest,
                           err);
        if (rc)
            wrap(err, "failed to push '%s/%s:%s'", reg, repo, tag);
    }
    fclose(f);
    buf_free(&man);
    if (rc)
        return -1;
    say(c, "pushed [registry] %s/%s", reg, repo);
    say(c, "digest: %s", man_digest);
    if (digest)
        memcpy(digest, man_digest, 72);
    return 0;
}

/* {===== pull (§3.5) */

/* 1: the tag does not exist */
static int fetch_manifest(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                          cJSON **out, struct pkg_err *err)
{
    *out = NULL;
    char *scope = xprintf("repository:%s:pull", repo);
    char *url = xprintf("%s://%s/v2/%s/manifests/%s", scheme(c, reg), reg, repo, tag);
    struct http_call k = {
        .method = "GET", .url = url, .accept = MT_MANIFEST ", " MT_DOCKER_V2, .small = true};
    struct http_resp r;
    resp_init(&r, c->curl, -1, NULL, 0);
    int rc = http_do(c, reg, scope, &k, &r, err);
    if (rc == 0 && r.status == 404) {
        rc = 1;
    } else if (rc == 0 && r.status != 200) {
        rc = status_fail(&k, &r, err);
    } else if (rc == 0) {
        char d[72];
        rc = sha256_mem(r.body.p ? r.body.p : "", r.body.n, d, err);
        if (rc == 0 && r.digest && !strncmp(r.digest, "sha256:", 7) && strcmp(r.digest, d))
            rc = pkg_fail(err, "GET \"%s\": the manifest does not match its digest", url);
        if (rc == 0 && !(*out = cJSON_ParseWithLength(r.body.p ? r.body.p : "", r.body.n)))
            rc = pkg_fail(err, "GET \"%s\": the manifest is not valid JSON", url);
    }
    resp_free(&r);
    free(url);
    free(scope);
    return rc;
}

static int get_manifest(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                        cJSON **out, struct pkg_err *err)
{
    if (check_ref(reg, repo, tag, err))
        return -1;
    int rc = fetch_manifest(c, reg, repo, tag, out, err);
    if (rc == 1)
        return pkg_fail(err,
                        "failed to get package with '%s' from '%s/%s'\nfailed to resolve "
                        "%s: %s/%s:%s: not found",
                        tag, reg, repo, tag, reg, repo, tag);
    if (rc)
        return wrap(err, "failed to get package with '%s' from '%s/%s'", tag, reg, repo);
    return 0;
}

static char *annotation_sum(const cJSON *man)
{
    const char *s = json_str_item(cJSON_GetObjectItemCaseSensitive(man, "annotations"), ANN_SUM);
    return s ? xstrdup(s) : NULL;
}

/* kpm keeps the titled layers and needs exactly one *.tar, else exactly one *.tgz. */
static const cJSON *pick_layer(const cJSON *man)
{
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(man, "layers"), *l;
    const char *exts[2] = {".tar", ".tgz"};
    for (size_t e = 0; e < 2; e++) {
        const cJSON *found = NULL;
        int count = 0;
        cJSON_ArrayForEach(l, layers)
        {
            const char *title =
                json_str_item(cJSON_GetObjectItemCaseSensitive(l, "annotations"), ANN_TITLE);
            size_t n = title ? strlen(title) : 0;
            if (n > 4 && !strcmp(title + n - 4, exts[e])) {
                found = l;
                count++;
            }
        }
        if (count == 1)
            return found;
    }
    return NULL;
}

int oci_package_sum(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                    char **sum, struct pkg_err *err)
{
    *sum = NULL;
    cJSON *man = NULL;
    if (get_manifest(c, reg, repo, tag, &man, err))
        return -1;
    *sum = annotation_sum(man);
    cJSON_Delete(man);
    return 0;
}

/* The layer into a temporary file (tmpl: a mkstemp template beside dest, filled in), checked
 * against its digest and size; removed on failure. */
static int download_layer(struct oci_client *c, const char *reg, const char *repo,
                          const char *digest, curl_off_t size, char *tmpl, struct pkg_err *err)
{
    int fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd < 0)
        return pkg_fail(err, "cannot create '%s': %s", tmpl, strerror(errno));
    EVP_MD_CTX *md = sha256_new();
    if (!md) {
        close(fd);
        unlink(tmpl);
        return pkg_fail(err, "sha256 is not available");
    }
    char *scope = xprintf("repository:%s:pull", repo);
    char *url = xprintf("%s://%s/v2/%s/blobs/%s", scheme(c, reg), reg, repo, digest);
    struct http_call k = {.method = "GET", .url = url};
    struct http_resp r;
    resp_init(&r, c->curl, fd, md, size);
    int rc = http_do(c, reg, scope, &k, &r, err);
    if (rc == 0 && r.status != 200)
        rc = status_fail(&k, &r, err);
    if (rc == 0 && r.got != size)
        rc = pkg_fail(err, "GET \"%s\": %lld bytes instead of %lld", url, (long long)r.got,
                      (long long)size);
    if (rc == 0) {
        char got[72];
        digest_final(md, got);
        if (strcmp(got, digest))
            rc = pkg_fail(err, "GET \"%s\": the content does not match its digest (got %s)", url,
                          got);
    }
    if (close(fd) != 0 && rc == 0)
        rc = pkg_fail(err, "cannot write '%s': %s", tmpl, strerror(errno));
    if (rc)
        unlink(tmpl);
    resp_free(&r);
    EVP_MD_CTX_free(md);
    free(url);
    free(scope);
    return rc;
}

int oci_pull_package(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                     const char *dest_arg, const char *expect_sum, char **sum,
                     struct pkg_err *err)
{
    if (sum)
        *sum = NULL;
    if (check_ref(reg, repo, tag, err))
        return -1;
    say(c, "downloading '%s:%s' from '%s/%s:%s'", repo, tag, reg, repo, tag);
    char *dest = xstrdup(dest_arg);
    for (size_t n = strlen(dest); n > 1 && dest[n - 1] == '/';)
        dest[--n] = '\0';
    struct stat st;
    cJSON *man = NULL;
    if (lstat(dest, &st) == 0) {
        pkg_fail(err, "cannot download '%s/%s:%s' into '%s': it already exists", reg, repo, tag,
                 dest);
        free(dest);
        return -1;
    }
    if (get_manifest(c, reg, repo, tag, &man, err)) {
        free(dest);
        return -1;
    }
    char *ann = annotation_sum(man);
    const cJSON *layer = pick_layer(man);
    const char *ldigest = layer ? json_str_item(layer, "digest") : NULL;
    const cJSON *lsize = layer ? cJSON_GetObjectItemCaseSensitive(layer, "size") : NULL;
    int rc = 0;
    char *blob = NULL, *tmpdir = NULL, *digest = NULL;
    curl_off_t size = 0;
    if (!layer) {
        rc = pkg_fail(err,
                      "failed to get package with '%s' from '%s/%s'\nfailed to find the "
                      "downloaded kcl package tar file in '%s'",
                      tag, reg, repo, dest);
    } else if (!valid_digest(ldigest) || !cJSON_IsNumber(lsize) || lsize->valuedouble < 0 ||
               lsize->valuedouble > (double)pkg_fetch_max()) {
        rc = pkg_fail(err,
                      "failed to get package with '%s' from '%s/%s'\nthe manifest's layer "
                      "is invalid or larger than %lld bytes (SCL_FETCH_MAX)",
                      tag, reg, repo, (long long)pkg_fetch_max());
    } else if (expect_sum && ann && strcmp(ann, expect_sum)) {
        rc = pkg_fail(err, "checksum verification failed for '%s/%s:%s': expected '%s', got '%s'",
                      reg, repo, tag, ann, expect_sum);
    } else {
        digest = xstrdup(ldigest);
        size = (curl_off_t)lsize->valuedouble;
    }
    cJSON_Delete(man);

    /* the parent, the layer beside dest, the tree beside dest */
    if (rc == 0) {
        char *parent = xstrdup(dest);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            rc = pkg_mkdirs(parent, err);
        }
        free(parent);
    }
    if (rc == 0) {
        blob = xprintf("%s.XXXXXX", dest);
        rc = download_layer(c, reg, repo, digest, size, blob, err);
        if (rc) {
            wrap(err, "failed to get package with '%s' from '%s/%s'", tag, reg, repo);
            free(blob);
            blob = NULL;
        }
    }
    if (rc == 0) {
        /* no '.' in what mkdtemp fills in, so the path never gains a ".git" or ".tar" that
         * would hide files from the sum */
        tmpdir = xprintf("%s.tmp-XXXXXX", dest);
        if (!mkdtemp(tmpdir)) {
            rc = pkg_fail(err, "cannot create a directory beside '%s': %s", dest, strerror(errno));
            free(tmpdir);
            tmpdir = NULL;
        } else {
            rc = pkg_archive_extract(blob, tmpdir, err);
        }
        unlink(blob);
    }
    if (rc == 0 && expect_sum) {
        char got[45];
        const char *want = ann ? ann : expect_sum;
        rc = pkg_hash_dir(tmpdir, got, err);
        if (rc == 0 && strcmp(got, want))
            rc = pkg_fail(err,
                          "checksum verification failed for '%s/%s:%s': expected '%s', the "
                          "downloaded files give '%s'",
                          reg, repo, tag, want, got);
    }
    if (rc == 0 && rename(tmpdir, dest) != 0) {
        /* another pull put it there first: theirs passed the same checks */
        if (errno != ENOTEMPTY && errno != EEXIST)
            rc = pkg_fail(err, "cannot move the package into '%s': %s", dest, strerror(errno));
        pkg_remove_tree(tmpdir);
    }
    if (rc && tmpdir)
        pkg_remove_tree(tmpdir);
    free(tmpdir);
    free(blob);
    free(digest);
    free(dest);
    if (rc == 0 && sum)
        *sum = ann;
    else
        free(ann);
    return rc;
}
