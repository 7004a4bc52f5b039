/* Text forms of values: shortest round-trip floats and str() (§3.4). */
#include "config.h"

#include "runtime/emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/vm.h"

/* {===== shortest round-trip digits */

/* Reads 'digits' (n of them, no radix point) times 10^(e10 - n + 1) back as a double. The
 * text has no radix character, so the check does not depend on the C locale. */
static double digits_value(const char *digits, int n, int e10)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.*se%d", n, digits, e10 - n + 1);
    return strtod(buf, NULL);
}

/* Splits the "%.*e" text of a finite, positive 'f' into its digits and decimal exponent. The
 * radix character is skipped whatever it is, so a host locale cannot break the result. */
static int split_e(const char *text, char *digits, int *e10)
{
    int n = 0;
    const char *p = text;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    *e10 = *p ? atoi(p + 1) : 0;
    digits[n] = '\0';
    return n;
}

/* Adds delta (+1 or -1) to the last of the n digits; false when the digit count would change. */
static bool bump_last(char *digits, int n, int delta)
{
    int i = n - 1;
    if (delta > 0) {
        while (i >= 0 && digits[i] == '9')
            digits[i--] = '0';
        if (i < 0)
            return false;
        digits[i]++;
    } else {
        while (i >= 0 && digits[i] == '0')
            digits[i--] = '9';
        if (i < 0 || (i == 0 && digits[0] == '1'))
            return false;
        digits[i]--;
    }
    return true;
}

int fmt_float_digits(double f, char digits[FMT_DIGITS_MAX + 1], int *e10)
{
    char text[64];
    double a = fabs(f);
    if (a == 0) {
        digits[0] = '0';
        digits[1] = '\0';
        *e10 = 0;
        return 1;
    }
    int mexp;
    /* a power of two: the gap to the next double below is half the gap above, so the
     * correctly rounded candidate may miss while a neighbour of the same length fits */
    bool asym = frexp(a, &mexp) == 0.5;
    for (int prec = 0; prec < FMT_DIGITS_MAX; prec++) {
        snprintf(text, sizeof text, "%.*e", prec, a);
        int n = split_e(text, digits, e10);
        if (digits_value(digits, n, *e10) == a)
            return n;
        if (asym) {
            for (int d = -1; d <= 1; d += 2) {
                char alt[FMT_DIGITS_MAX + 1];
                memcpy(alt, digits, (size_t)n + 1);
                if (bump_last(alt, n, d) && digits_value(alt, n, *e10) == a) {
                    memcpy(digits, alt, (size_t)n + 1);
                    return n;
                }
            }
        }
    }
    snprintf(text, sizeof text, "%.*e", FMT_DIGITS_MAX - 1, a);
    return split_e(text, digits, e10);
}

/* {===== fmt_float */

/* Appends c to buf (cap 'cap', position *n), keeping room for the terminating NUL. */
static void put(char *buf, size_t cap, size_t *n, char c)
{
    if (*n + 1 < cap)
        buf[*n] = c;
    (*n)++;
}

/* Plain notation of digits × 10^e10: integer part, '.', fraction (".0" when integral). */
static void put_plain(char *buf, size_t cap, size_t *n, const char *digits, int nd, int e10,
                      bool point_zero)
{
    if (e10 < 0) {
        put(buf, cap, n, '0');
        put(buf, cap, n, '.');
        for (int i = 0; i < -e10 - 1; i++)
            put(buf, cap, n, '0');
        for (int i = 0; i < nd; i++)
            put(buf, cap, n, digits[i]);
        return;
    }
    for (int i = 0; i <= e10; i++)
        put(buf, cap, n, i < nd ? digits[i] : '0');
    if (nd > e10 + 1) {
        put(buf, cap, n, '.');
        for (int i = e10 + 1; i < nd; i++)
            put(buf, cap, n, digits[i]);
    } else if (point_zero) {
        put(buf, cap, n, '.');
        put(buf, cap, n, '0');
    }
}

size_t fmt_float(double f, bool exp_form, char *buf, size_t cap)
{
    size_t n = 0;
    const char *special = NULL;
    if (isnan(f))
        special = "NaN";
    else if (isinf(f))
        special = f < 0 ? "-inf" : "inf";
    if (special) {
        /* str() appends ".0" to any text without a point, as KCL does */
        for (const char *p = special; *p; p++)
            put(buf, cap, &n, *p);
        if (!exp_form) {
            put(buf, cap, &n, '.');
            put(buf, cap, &n, '0');
        }
    } else {
        char digits[FMT_DIGITS_MAX + 1];
        int e10;
        int nd = fmt_float_digits(f, digits, &e10);
        if (signbit(f))
            put(buf, cap, &n, '-');
        if (!exp_form || (e10 >= -5 && e10 <= 15)) {
            put_plain(buf, cap, &n, digits, nd, e10, true);
        } else {
            put(buf, cap, &n, digits[0]);
            if (nd > 1) {
                put(buf, cap, &n, '.');
                for (int i = 1; i < nd; i++)
                    put(buf, cap, &n, digits[i]);
            }
            char e[16];
            snprintf(e, sizeof e, "e%d", e10);
            for (const char *p = e; *p; p++)
                put(buf, cap, &n, *p);
        }
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n < cap ? n : (cap ? cap - 1 : 0);
}

size_t fmt_float_json(double f, char *buf, size_t cap)
{
    size_t n = 0;
    char digits[FMT_DIGITS_MAX + 1];
    int e10;
    int nd = fmt_float_digits(f, digits, &e10);
    double a = fabs(f);
    if (signbit(f))
        put(buf, cap, &n, '-');
    if (a == 0 || (a >= 1e-6 && a < 1e21)) {
        put_plain(buf, cap, &n, digits, nd, e10, false);
    } else {
        put(buf, cap, &n, digits[0]);
        if (nd > 1) {
            put(buf, cap, &n, '.');
            for (int i = 1; i < nd; i++)
                put(buf, cap, &n, digits[i]);
        }
        char e[16];
        snprintf(e, sizeof e, e10 < 0 ? "e-%d" : "e+%02d", e10 < 0 ? -e10 : e10);
        for (const char *p = e; *p; p++)
            put(buf, cap, &n, *p);
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n < cap ? n : (cap ? cap - 1 : 0);
}

/* {===== str() */

/* KCL's quoting of dict keys and string values inside str(): single quotes unless the text
 * has a double quote; then double quotes, escaping '"' only when it also has a single one. */
static void put_quoted(struct sbuf *b, const struct str *s)
{
    bool dq = memchr(s->b, '"', s->len) != NULL;
    bool sq = memchr(s->b, '\'', s->len) != NULL;
    if (!dq) {
        sbuf_putc(b, '\'');
        sbuf_put(b, s->b, s->len);
        sbuf_putc(b, '\'');
        return;
    }
    sbuf_putc(b, '"');
    if (!sq) {
        sbuf_put(b, s->b, s->len);
    } else {
        for (uint32_t i = 0; i < s->len; i++) {
            if (s->b[i] == '"')
                sbuf_putc(b, '\\');
            sbuf_putc(b, s->b[i]);
        }
    }
    sbuf_putc(b, '"');
}

static void put_str(struct sbuf *b, struct value v);

static void put_dict(struct sbuf *b, const struct dict *d)
{
    sbuf_putc(b, '{');
    bool first = true;
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(d, &i, &e);) {
        if (!first)
            sbuf_puts(b, ", ");
        first = false;
        put_quoted(b, e->key);
        sbuf_puts(b, ": ");
        if (e->val.tag == V_STR)
            put_quoted(b, e->val.as.s);
        else
            put_str(b, e->val);
    }
    sbuf_putc(b, '}');
}

static void put_str(struct sbuf *b, struct value v)
{
    char num[FMT_FLOAT_MAX];
    switch ((enum vtag)v.tag) {
    case V_UNDEF:
        sbuf_puts(b, "Undefined");
        break;
    case V_NONE:
        sbuf_puts(b, "None");
        break;
    case V_BOOL:
        sbuf_puts(b, v.as.i ? "True" : "False");
        break;
    case V_INT: {
        size_t len;
        const char *t = str_int_text(v.as.i, num, &len);
        sbuf_put(b, t, len);
        break;
    }
    case V_FLOAT:
        sbuf_put(b, num, fmt_float(v.as.f, false, num, sizeof num));
        break;
    case V_UNIT: {
        size_t len;
        const char *t = str_int_text(v.as.i, num, &len);
        sbuf_put(b, t, len);
        sbuf_puts(b, v_unit_suffix_name(v.aux));
        break;
    }
    case V_STR:
        sbuf_put(b, v.as.s->b, v.as.s->len);
        break;
    case V_LIST:
        sbuf_putc(b, '[');
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            if (i)
                sbuf_puts(b, ", ");
            put_str(b, v.as.l->v[i]);
        }
        sbuf_putc(b, ']');
        break;
    case V_DICT:
    case V_SCHEMA:
        put_dict(b, v.as.d);
        break;
    case V_FUNC:
    case V_TYPE:
        sbuf_puts(b, "function");
        break;
    case V_MODULE:
        sbuf_puts(b, "module");
        break;
    }
}

struct str *v_to_str(struct vm *vm, struct value v)
{
    if (v.tag == V_STR)
        return v.as.s;
    if (v.tag == V_INT)
        return str_from_int(vm, v.as.i);
    struct sbuf b;
    sbuf_init(&b, vm);
    put_str(&b, v);
    return sbuf_str(&b);
}
