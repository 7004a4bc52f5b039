/* scl import: names (go-openapi's splitter, ToGoName, ToFileName, humanize),
 * value printing and a string builder. Only libc and cJSON: the unit tests link
 * this file alone. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/import.h"

/* {===== string builder */

static void ibuf_grow(struct ibuf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void ibuf_putn(struct ibuf *b, const char *s, size_t n)
{
    ibuf_grow(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void ibuf_puts(struct ibuf *b, const char *s)
{
    ibuf_putn(b, s, strlen(s));
}

void ibuf_putc(struct ibuf *b, char c)
{
    ibuf_putn(b, &c, 1);
}

void ibuf_printf(struct ibuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    ibuf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

char *ibuf_take(struct ibuf *b)
{
    if (!b->p)
        ibuf_grow(b, 0), b->p[0] = '\0';
    char *p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

void ibuf_free(struct ibuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

const char *ibuf_str(const struct ibuf *b)
{
    return b->p ? b->p : "";
}

/* {===== the splitter (go-openapi/swag split.go, spec §4.3)
 *
 * A name is cut into lexems. First the initialisms are found: a candidate
 * starts at any rune equal to an initialism's first rune and is complete when
 * every rune matched and the rune after it is not lower case; complete
 * candidates are accepted in order of position, then of the table below, unless
 * they overlap an accepted one. The text between accepted matches is broken
 * "casually": separators end a word, an upper-case letter starts one. Runes are
 * decoded from UTF-8; non-ASCII letters count as letters that are neither upper
 * nor lower case, which is all the names we meet need. */

/* longest first, ties in byte order */
static const char *const initialisms[] = {
    "ASCII", "HTTPS", "GUID", "HTML", "HTTP", "IPv4", "IPv6", "JSON", "SMTP", "UTF8", "UUID",
    "XMPP",  "XSRF",  "ACL",  "API",  "CPU",  "CSS",  "DNS",  "EOF",  "LHS",  "OAI",  "QPS",
    "RAM",   "RHS",   "RPC",  "SLA",  "SQL",  "SSH",  "TCP",  "TLS",  "TTL",  "UDP",  "UID",
    "URI",   "URL",   "XML",  "XSS",  "ID",   "IP",   "UI",   "VM",
};
enum { NINIT = sizeof initialisms / sizeof initialisms[0] };

struct lexem {
    char *orig;        /* owned */
    const char *match; /* the initialism, or NULL for a casual word */
};

struct lexems {
    struct lexem *v;
    size_t n, cap;
};

static void lx_push(struct lexems *l, const char *s, size_t n, const char *match)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            abort();
    }
    char *o = malloc(n + 1);
    if (!o)
        abort();
    memcpy(o, s, n);
    o[n] = '\0';
    l->v[l->n].orig = o;
    l->v[l->n].match = match;
    l->n++;
}

static void lx_free(struct lexems *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].orig);
    free(l->v);
}

static int ascii_upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 32 : c;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool ieq_upper(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_upper((unsigned char)a[i]) != ascii_upper((unsigned char)b[i]))
            return false;
    return true;
}

static void add_word(struct lexems *l, const char *s, size_t n, bool post_check)
{
    if (post_check)
        for (size_t k = 0; k < NINIT; k++)
            if (ieq_upper(s, n, initialisms[k])) {
                lx_push(l, s, n, initialisms[k]);
                return;
            }
    lx_push(l, s, n, NULL);
}

/* UTF-8 length of the rune starting with byte c */
static size_t rune_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static void casual(const char *s, size_t n, bool post_check, struct lexems *l)
{
    size_t start = 0, i = 0; /* current word: s[start, i) */
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t rl = rune_len(c);
        const char *repl = NULL;
        bool sep = false;
        switch (c) {
        case '@':
            repl = "At";
            break;
        case '&':
            repl = "And";
            break;
        case '|':
            repl = "Pipe";
            break;
        case '$':
            repl = "Dollar";
            break;
        case '!':
            repl = "Bang";
            break;
        case '-':
        case '_':
            sep = true;
            break;
        default:
            if (c < 0x80 &&
                !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
                sep = true;
        }
        if (repl || sep) {
            if (i > start)
                add_word(l, s + start, i - start, post_check);
            if (repl)
                add_word(l, repl, strlen(repl), post_check);
            i += rl;
            start = i;
            continue;
        }
        if (c >= 'A' && c <= 'Z' && i > start) {
            add_word(l, s + start, i - start, post_check);
            start = i;
        }
        i += rl;
    }
    if (i > start)
        add_word(l, s + start, i - start, post_check);
}

static void split(const char *s, bool post_check, struct lexems *l)
{
    size_t n = strlen(s);
    size_t last_end = 0; /* end (exclusive) of the last accepted match */
    bool any = false;
    size_t from = 0; /* start of the casual text not yet split */
    for (size_t i = 0; i < n; i++) {
        if (any && i < last_end)
            continue;
        for (size_t k = 0; k < NINIT; k++) {
            const char *in = initialisms[k];
            size_t m = strlen(in);
            if (i + m > n || memcmp(s + i, in, m) != 0)
                continue;
            unsigned char next = i + m < n ? (unsigned char)s[i + m] : 0;
            if (next >= 'a' && next <= 'z')
                continue;
            casual(s + from, i - from, post_check, l);
            lx_push(l, s + i, m, in);
            last_end = from = i + m;
            any = true;
            break;
        }
    }
    casual(s + from, n - from, post_check, l);
}

char *imp_go_name(const char *s)
{
    struct lexems l = {0};
    split(s, true, &l);
    struct ibuf b = {0};
    for (size_t i = 0; i < l.n; i++) {
        const char *o = l.v[i].orig;
        if (l.v[i].match) {
            for (const char *p = l.v[i].match; *p; p++)
                ibuf_putc(&b, (char)ascii_upper((unsigned char)*p));
        } else if (strlen(o) > 1) {
            ibuf_putc(&b, (char)ascii_upper((unsigned char)o[0]));
            for (const char *p = o + 1; *p; p++)
                ibuf_putc(&b, (char)ascii_lower((unsigned char)*p));
        } else {
            ibuf_puts(&b, o);
        }
    }
    lx_free(&l);
    char *r = ibuf_take(&b);
    if (r[0]) {
        unsigned char f = (unsigned char)r[0];
        if (f < 0x80 && !((f >= 'a' && f <= 'z') || (f >= 'A' && f <= 'Z'))) {
            const char *pre = s[0] == '+'   ? "Plus"
                              : s[0] == '-' ? "Minus"
                              : s[0] == '#' ? "HashTag"
                                            : "Nr";
            ibuf_puts(&b, pre);
            ibuf_puts(&b, r);
            free(r);
            r = ibuf_take(&b);
        }
        r[0] = (char)ascii_upper((unsigned char)r[0]);
    }
    return r;
}

char *imp_file_name(const char *s)
{
    struct lexems l = {0};
    split(s, false, &l);
    struct ibuf b = {0};
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            ibuf_putc(&b, '_');
        for (const char *p = l.v[i].orig; *p; p++)
            ibuf_putc(&b, (char)ascii_lower((unsigned char)*p));
    }
    lx_free(&l);
    return ibuf_take(&b);
}

char *imp_human_lower(const char *s)
{
    struct lexems l = {0};
    split(s, true, &l);
    struct ibuf b = {0};
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            ibuf_putc(&b, ' ');
        const char *o = l.v[i].orig;
        if (l.v[i].match)
            ibuf_puts(&b, o);
        else
            for (const char *p = o; *p; p++)
                ibuf_putc(&b, (char)ascii_lower((unsigned char)*p));
    }
    lx_free(&l);
    return ibuf_take(&b);
}

/* Go's build-constraint suffixes that make a file name special (§3.2 step 3) */
static const char *const reserved_suffixes[] = {
    "aix",    "android", "darwin",   "dragonfly", "freebsd",     "hurd",    "illumos", "js",
    "linux",  "nacl",    "netbsd",   "openbsd",   "plan9",       "solaris", "windows", "zos",
    "386",    "amd64",   "amd64p32", "arm",       "armbe",       "arm64",   "arm64be", "mips",
    "mipsle", "mips64",  "mips64le", "mips64p32", "mips64p32le", "ppc",     "ppc64",   "ppc64le",
    "riscv",  "riscv64", "s390",     "s390x",     "sparc",       "sparc64", "wasm",    "test",
};

char *imp_def_file_name(const char *def_name)
{
    char *g1 = imp_go_name(def_name);
    char *g2 = imp_go_name(g1);
    char *f = imp_file_name(g2);
    free(g1);
    free(g2);
    const char *last = strrchr(f, '_');
    last = last ? last + 1 : f;
    for (size_t i = 0; i < sizeof reserved_suffixes / sizeof reserved_suffixes[0]; i++)
        if (!strcmp(last, reserved_suffixes[i])) {
            struct ibuf b = {0};
            ibuf_puts(&b, f);
            ibuf_puts(&b, "_swagger");
            free(f);
            f = ibuf_take(&b);
            break;
        }
    char *r = imp_file_name(f);
    free(f);
    return r;
}

/* kcl-openapi's keywords (§4.4), plus the constants that KCL's parser never
 * takes as a name */
static const char *const attr_keywords[] = {
    "import", "as",  "rule",   "schema", "mixin", "protocol", "relaxed",
    "check",  "for", "assert", "if",     "elif",  "else",     "or",
    "and",    "not", "in",     "is",     "final", "lambda",   "all",
    "filter", "map", "type",   "True",   "False", "None",     "Undefined",
};

bool imp_is_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

char *imp_attr_name(const char *raw)
{
    struct ibuf b = {0};
    if (!imp_is_ident(raw)) {
        imp_put_string(&b, raw);
        return ibuf_take(&b);
    }
    for (size_t i = 0; i < sizeof attr_keywords / sizeof attr_keywords[0]; i++)
        if (!strcmp(raw, attr_keywords[i])) {
            ibuf_putc(&b, '$');
            break;
        }
    ibuf_puts(&b, raw);
    return ibuf_take(&b);
}

/* {===== values (§5.3) */

void imp_put_number(struct ibuf *b, double v)
{
    if (isnan(v)) {
        ibuf_puts(b, "NaN");
        return;
    }
    if (isinf(v)) {
        ibuf_puts(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == 0) {
        ibuf_puts(b, signbit(v) ? "-0" : "0");
        return;
    }
    /* the shortest digits that read back as v */
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is "-d.ddde+XX": gather the digits and the exponent */
    char digits[24];
    size_t nd = 0;
    const char *p = e;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    if (neg)
        ibuf_putc(b, '-');
    if (exp < -4 || exp >= 6) {
        ibuf_putc(b, digits[0]);
        if (nd > 1) {
            ibuf_putc(b, '.');
            ibuf_puts(b, digits + 1);
        }
        ibuf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        ibuf_puts(b, "0.");
        for (int i = -1; i > exp; i--)
            ibuf_putc(b, '0');
        ibuf_puts(b, digits);
    } else {
        for (int i = 0; i <= exp; i++)
            ibuf_putc(b, (size_t)i < nd ? digits[i] : '0');
        if ((size_t)exp + 1 < nd) {
            ibuf_putc(b, '.');
            ibuf_puts(b, digits + exp + 1);
        }
    }
}

void imp_put_string(struct ibuf *b, const char *s)
{
    ibuf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"':
            ibuf_puts(b, "\\\"");
            break;
        case '\\':
            ibuf_puts(b, "\\\\");
            break;
        case '\n':
            ibuf_puts(b, "\\n");
            break;
        case '\r':
            ibuf_puts(b, "\\r");
            break;
        case '\t':
            ibuf_puts(b, "\\t");
            break;
        case '$':
            ibuf_puts(b, s[1] == '{' ? "\\$" : "$");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                ibuf_printf(b, "\\x%02x", c);
            else
                ibuf_putc(b, (char)c);
        }
    }
    ibuf_putc(b, '"');
}

void imp_put_value(struct ibuf *b, const cJSON *v, bool as_int)
{
    if (cJSON_IsString(v)) {
        imp_put_string(b, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (as_int && d == floor(d) && fabs(d) < 9.2e18)
            ibuf_printf(b, "%lld", (long long)d);
        else
            imp_put_number(b, d);
    } else if (cJSON_IsBool(v)) {
        ibuf_puts(b, cJSON_IsTrue(v) ? "True" : "False");
    } else if (cJSON_IsArray(v)) {
        ibuf_putc(b, '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            imp_put_value(b, c, as_int);
            if (c->next)
                ibuf_puts(b, ", ");
        }
        ibuf_putc(b, ']');
    } else if (cJSON_IsObject(v)) {
        ibuf_putc(b, '{');
        for (const cJSON *c = v->child; c; c = c->next) {
            imp_put_string(b, c->string);
            ibuf_puts(b, ": ");
            imp_put_value(b, c, false);
            if (c->next)
                ibuf_puts(b, ", ");
        }
        ibuf_putc(b, '}');
    } else {
        ibuf_puts(b, "None");
    }
}

bool imp_truthy(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return v->child != NULL;
    return true;
}

/* {===== keys and numbers as kcl-go writes them (§9, §10) */

/* kcl-go's keywords for names (§9) */
static const char *const keywords[] = {
    "True",     "False", "None",   "Undefined", "import", "and", "or",     "in",     "is",
    "not",      "as",    "if",     "else",      "elif",   "for", "type",   "schema", "mixin",
    "protocol", "check", "assert", "all",       "any",    "map", "filter", "lambda", "rule",
};

/* An attribute or config key as written (§9): quoted when not an identifier,
 * '$' before a keyword. */
void imp_put_key(struct ibuf *b, const char *k)
{
    if (!imp_is_ident(k)) {
        imp_put_string(b, k);
        return;
    }
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (!strcmp(k, keywords[i])) {
            ibuf_putc(b, '$');
            break;
        }
    ibuf_puts(b, k);
}

/* FormatFloat('f', -1): the shortest digits, never an exponent */
void imp_put_fixed(struct ibuf *b, double v)
{
    if (v == floor(v) && fabs(v) < 1e18) {
        ibuf_printf(b, "%lld", (long long)v);
        return;
    }
    if (!isfinite(v)) {
        imp_put_number(b, v);
        return;
    }
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    int exp = atoi(strchr(e, 'e') + 1);
    int decimals = 0;
    const char *dot = strchr(e, '.');
    if (dot)
        decimals = (int)(strchr(e, 'e') - dot - 1);
    int frac = decimals - exp;
    ibuf_printf(b, "%.*f", frac > 0 ? frac : 0, v);
}
