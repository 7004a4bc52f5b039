/* The methods of str values (spec §3.4): Python's semantics as KCL implements them (byte
 * offsets for find/index/count bounds, Rust's trimming and splitting), and str.format. */
#include "config.h"

#include "stdlib/stdlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIND(vm, a, fname, nreq, out, ...)                                                         \
    stdlib_bind((vm), (a), (fname), (const char *const[]){__VA_ARGS__},                            \
                (uint32_t)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)),     \
                (nreq), (out))

static void no_args(struct vm *vm, const struct callargs *a, const char *fname)
{
    stdlib_bind(vm, a, fname, NULL, 0, 0, NULL);
}

/* {===== UTF-8 */

/* The code point at 's' (at most 'n' bytes) and its length in *k; an invalid byte is one
 * U+FFFD of length 1. */
static uint32_t u8_next(const char *s, size_t n, size_t *k)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    size_t len = c < 0x80                ? 1
                 : c >= 0xC2 && c < 0xE0 ? 2
                 : c >= 0xE0 && c < 0xF0 ? 3
                 : c >= 0xF0 && c < 0xF5 ? 4
                                         : 0;
    if (len == 0 || len > n) {
        *k = 1;
        return c < 0x80 ? c : 0xFFFD;
    }
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *k = 1;
            return 0xFFFD;
        }
        cp = cp << 6 | (p[i] & 0x3F);
    }
    *k = len;
    return cp;
}

static void u8_put(struct sbuf *b, uint32_t cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | cp >> 6);
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | cp >> 12);
        t[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | cp >> 18);
        t[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        t[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sbuf_put(b, t, n);
}

static size_t u8_count(const char *s, size_t n)
{
    size_t c = 0, k;
    for (size_t i = 0; i < n; i += k) {
        u8_next(s + i, n - i, &k);
        c++;
    }
    return c;
}

/* Start of the character before byte offset 'i' (> 0). */
static size_t u8_prev(const char *s, size_t i)
{
    size_t j = i - 1;
    while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80)
        j--;
    return j;
}

/* {===== Unicode properties: ASCII exactly, other scripts by compact tables that cover the
 * common alphabets (Latin, Greek, Cyrillic, Armenian, Georgian, CJK, Hangul, ...). */

struct cp_range {
    uint32_t lo, hi;
};

static bool in_ranges(const struct cp_range *r, size_t n, uint32_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < r[mid].lo)
            hi = mid;
        else if (c > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

#define IN_TABLE(t, c) in_ranges((t), sizeof(t) / sizeof((t)[0]), (c))

/* Letters (Rust's char::is_alphabetic, approximately), sorted. */
static const struct cp_range alpha_ranges[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xAA, 0xAA},       {0xB5, 0xB5},
    {0xBA, 0xBA},       {0xC0, 0xD6},       {0xD8, 0xF6},       {0xF8, 0x2C1},
    {0x2C6, 0x2D1},     {0x2E0, 0x2E4},     {0x2EC, 0x2EC},     {0x2EE, 0x2EE},
    {0x345, 0x345},     {0x370, 0x374},     {0x376, 0x377},     {0x37A, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},
    {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x559, 0x559},     {0x560, 0x588},     {0x5B0, 0x5BD},
    {0x5BF, 0x5BF},     {0x5C1, 0x5C2},     {0x5C4, 0x5C5},     {0x5C7, 0x5C7},
    {0x5D0, 0x5EA},     {0x5EF, 0x5F2},     {0x610, 0x61A},     {0x620, 0x657},
    {0x659, 0x65F},     {0x66E, 0x6D3},     {0x6D5, 0x6DC},     {0x6E1, 0x6E8},
    {0x6ED, 0x6EF},     {0x6FA, 0x6FC},     {0x6FF, 0x6FF},     {0x900, 0x93B},
    {0x93D, 0x94C},     {0x94E, 0x950},     {0x955, 0x963},     {0x971, 0x983},
    {0xE01, 0xE3A},     {0xE40, 0xE46},     {0xE4D, 0xE4D},     {0x10A0, 0x10C5},
    {0x10C7, 0x10C7},   {0x10CD, 0x10CD},   {0x10D0, 0x10FA},   {0x10FC, 0x1248},
    {0x1D00, 0x1DBF},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2071, 0x2071},   {0x207F, 0x207F},   {0x2090, 0x209C},   {0x2102, 0x2102},
    {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},   {0x2119, 0x211D},
    {0x2124, 0x2124},   {0x2126, 0x2126},   {0x2128, 0x2128},   {0x212A, 0x212D},
    {0x212F, 0x2139},   {0x213C, 0x213F},   {0x2145, 0x2149},   {0x214E, 0x214E},
    {0x2160, 0x2188},   {0x24B6, 0x24E9},   {0x2C00, 0x2CE4},   {0x2D00, 0x2D25},
    {0x3005, 0x3007},   {0x3021, 0x3029},   {0x3031, 0x3035},   {0x3038, 0x303C},
    {0x3041, 0x3096},   {0x309D, 0x309F},   {0x30A1, 0x30FA},   {0x30FC, 0x30FF},
    {0x3105, 0x312F},   {0x3131, 0x318E},   {0x31A0, 0x31BF},   {0x31F0, 0x31FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA48C},   {0xA640, 0xA66E},
    {0xA680, 0xA69D},   {0xA722, 0xA788},   {0xA78B, 0xA7CA},   {0xAC00, 0xD7A3},
    {0xF900, 0xFA6D},   {0xFB00, 0xFB06},   {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},
    {0xFF66, 0xFFBE},   {0x10400, 0x1044F}, {0x20000, 0x2A6DF}, {0x2A700, 0x2EBE0},
    {0x2F800, 0x2FA1D}, {0x30000, 0x3134A},
};

/* Numeric characters (Nd, Nl, No) outside the letters above, sorted. */
static const struct cp_range numeric_ranges[] = {
    {0x30, 0x39},     {0xB2, 0xB3},     {0xB9, 0xB9},     {0xBC, 0xBE},     {0x660, 0x669},
    {0x6F0, 0x6F9},   {0x966, 0x96F},   {0xE50, 0xE59},   {0x2070, 0x2070}, {0x2074, 0x2079},
    {0x2080, 0x2089}, {0x2150, 0x2182}, {0x2185, 0x2189}, {0x2460, 0x249B}, {0x24EA, 0x24FF},
    {0x3007, 0x3007}, {0x3021, 0x3029}, {0xFF10, 0xFF19},
};

/* Lowercase letters without an uppercase mapping below, sorted. */
static const struct cp_range lower_only_ranges[] = {
    {0xAA, 0xAA},   {0xBA, 0xBA},     {0xDF, 0xDF},     {0x138, 0x138},
    {0x149, 0x149}, {0x18D, 0x18D},   {0x1BA, 0x1BA},   {0x1BE, 0x1BE},
    {0x221, 0x221}, {0x234, 0x239},   {0x250, 0x2B8},   {0x2C0, 0x2C1},
    {0x2E0, 0x2E4}, {0x1D00, 0x1DBF}, {0x1E96, 0x1E9D}, {0x1E9F, 0x1E9F},
};

/* Rust's char::is_whitespace (White_Space), used by strip(). */
static const struct cp_range white_ranges[] = {
    {0x9, 0xD},       {0x20, 0x20},     {0x85, 0x85},     {0xA0, 0xA0},     {0x1680, 0x1680},
    {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

/* isspace(): space separators and the bidi classes WS, B and S. */
static const struct cp_range space_ranges[] = {
    {0x9, 0xD},       {0x1C, 0x20},     {0x85, 0x85},     {0xA0, 0xA0},     {0x1680, 0x1680},
    {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

/* Case pairs: upper-case ranges whose lower case is 'cp + delta' (delta != 0), or, for
 * delta 0, alternating upper/lower pairs starting at 'lo'. Sorted, disjoint. */
struct case_range {
    uint32_t lo, hi;
    int32_t delta;
};

static const struct case_range case_ranges[] = {
    {0x41, 0x5A, 32},     {0xC0, 0xD6, 32},    {0xD8, 0xDE, 32},     {0x100, 0x12F, 0},
    {0x132, 0x137, 0},    {0x139, 0x148, 0},   {0x14A, 0x177, 0},    {0x179, 0x17E, 0},
    {0x182, 0x185, 0},    {0x1A0, 0x1A5, 0},   {0x1CD, 0x1DC, 0},    {0x1DE, 0x1EF, 0},
    {0x1F8, 0x21F, 0},    {0x222, 0x233, 0},   {0x246, 0x24F, 0},    {0x370, 0x373, 0},
    {0x386, 0x386, 38},   {0x388, 0x38A, 37},  {0x38C, 0x38C, 64},   {0x38E, 0x38F, 63},
    {0x391, 0x3A1, 32},   {0x3A3, 0x3AB, 32},  {0x3D8, 0x3EF, 0},    {0x400, 0x40F, 80},
    {0x410, 0x42F, 32},   {0x460, 0x481, 0},   {0x48A, 0x4BF, 0},    {0x4C0, 0x4C0, 15},
    {0x4C1, 0x4CE, 0},    {0x4D0, 0x52F, 0},   {0x531, 0x556, 48},   {0x10A0, 0x10C5, 7264},
    {0x1E00, 0x1E95, 0},  {0x1EA0, 0x1EFF, 0}, {0x2160, 0x216F, 16}, {0x24B6, 0x24CF, 26},
    {0x2C00, 0x2C2F, 48}, {0x2C80, 0x2CE3, 0}, {0xA640, 0xA66D, 0},  {0xA680, 0xA69B, 0},
    {0xA722, 0xA72F, 0},  {0xA732, 0xA76F, 0}, {0xA779, 0xA77C, 0},  {0xA77E, 0xA787, 0},
    {0xA790, 0xA793, 0},  {0xA796, 0xA7A9, 0}, {0xFF21, 0xFF3A, 32}, {0x10400, 0x10427, 40},
};

static uint32_t to_lower1(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    switch (c) {
    case 0x130:
        return 'i';
    case 0x178:
        return 0xFF;
    case 0x1E9E:
        return 0xDF;
    case 0x2126:
        return 0x3C9;
    case 0x212A:
        return 'k';
    case 0x212B:
        return 0xE5;
    default:
        break;
    }
    for (size_t i = 0; i < sizeof case_ranges / sizeof case_ranges[0]; i++) {
        const struct case_range *r = &case_ranges[i];
        if (c < r->lo)
            break;
        if (c <= r->hi)
            return r->delta ? c + (uint32_t)r->delta : ((c - r->lo) % 2 == 0 ? c + 1 : c);
    }
    return c;
}

static uint32_t to_upper1(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    switch (c) {
    case 0xB5:
        return 0x39C;
    case 0xFF:
        return 0x178;
    case 0x131:
        return 'I';
    case 0x17F:
        return 'S';
    case 0x3C2:
        return 0x3A3;
    default:
        break;
    }
    for (size_t i = 0; i < sizeof case_ranges / sizeof case_ranges[0]; i++) {
        const struct case_range *r = &case_ranges[i];
        if (r->delta) {
            if (c >= r->lo + (uint32_t)r->delta && c <= r->hi + (uint32_t)r->delta)
                return c - (uint32_t)r->delta;
        } else if (c >= r->lo && c <= r->hi && (c - r->lo) % 2 == 1) {
            return c - 1;
        }
    }
    return c;
}

static bool is_upper(uint32_t c)
{
    return to_lower1(c) != c || c == 0x130;
}

static bool is_lower(uint32_t c)
{
    return to_upper1(c) != c || IN_TABLE(lower_only_ranges, c);
}

static bool is_alpha(uint32_t c)
{
    return IN_TABLE(alpha_ranges, c);
}

static bool is_alnum(uint32_t c)
{
    return is_alpha(c) || IN_TABLE(numeric_ranges, c);
}

/* Full mappings of the character 'c' encoded as src[0..k): a few characters become two
 * (ß → SS, İ → i̇); unchanged ones (and invalid bytes) are copied as they are. */
static void put_lower(struct sbuf *b, uint32_t c, const char *src, size_t k)
{
    uint32_t m = to_lower1(c);
    if (m == c) {
        sbuf_put(b, src, k);
        return;
    }
    u8_put(b, m);
    if (c == 0x130)
        u8_put(b, 0x307);
}

static void put_upper(struct sbuf *b, uint32_t c, const char *src, size_t k, bool title)
{
    if (c == 0xDF) {
        sbuf_puts(b, title ? "Ss" : "SS");
        return;
    }
    uint32_t m = to_upper1(c);
    if (m == c)
        sbuf_put(b, src, k);
    else
        u8_put(b, m);
}

/* {===== arguments */

static const struct str *self_str(struct vm *vm, const struct callargs *a)
{
    if (a->self.tag != V_STR)
        vm_raise(vm, "str method called on a %s", v_type_name(a->self));
    return a->self.as.s;
}

static const char *tname(struct value v)
{
    return v.tag == V_NONE ? "NoneType" : v_type_name(v);
}

static const struct str *need_str(struct vm *vm, struct value v, const char *fname)
{
    if (v.tag != V_STR)
        vm_raise(vm, "%s() argument must be str, not '%s'", fname, tname(v));
    return v.as.s;
}

/* An optional int argument: None or absent gives 'dflt'. */
static int64_t opt_int(struct vm *vm, struct value v, const char *fname, int64_t dflt)
{
    if (v_is_null(v))
        return dflt;
    if (v.tag != V_INT && v.tag != V_BOOL)
        vm_raise(vm, "%s() argument must be int or None, not '%s'", fname, tname(v));
    return v.as.i;
}

static struct value mkstr(struct vm *vm, const char *s, size_t n)
{
    return v_str(str_new(vm, s, n));
}

/* KCL's bounds for find/count/startswith...: byte offsets, negative ones from the end;
 * false when the range is empty (start past end). */
static bool byte_range(struct vm *vm, struct value start, struct value end, size_t len,
                       const char *fname, size_t *lo, size_t *hi)
{
    int64_t n = (int64_t)len;
    int64_t s = opt_int(vm, start, fname, 0), e = opt_int(vm, end, fname, n);
    if (e > n) {
        e = n;
    } else if (e < 0) {
        e += n;
        if (e < 0)
            e = 0;
    }
    if (s < 0) {
        s += n;
        if (s < 0)
            s = 0;
    }
    if (s > e)
        return false;
    *lo = (size_t)s;
    *hi = (size_t)e;
    return true;
}

/* First/last occurrence of 'nd' in h[0..hn), or -1. */
static ptrdiff_t find_fwd(const char *h, size_t hn, const char *nd, size_t nn, size_t from)
{
    if (nn > hn || from > hn - nn)
        return -1;
    if (nn == 0)
        return (ptrdiff_t)from;
    for (size_t i = from; i <= hn - nn; i++) {
        const char *q = memchr(h + i, nd[0], hn - nn - i + 1);
        if (!q)
            return -1;
        i = (size_t)(q - h);
        if (!memcmp(q, nd, nn))
            return (ptrdiff_t)i;
    }
    return -1;
}

static ptrdiff_t find_bwd(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn > hn)
        return -1;
    for (size_t i = hn - nn + 1; i-- > 0;)
        if (!memcmp(h + i, nd, nn))
            return (ptrdiff_t)i;
    return -1;
}

/* {===== case and classification */

static struct value m_lower(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, "lower");
    struct sbuf b;
    sbuf_init(&b, vm);
    for (size_t i = 0, k; i < s->len; i += k) {
        uint32_t c = u8_next(s->b + i, s->len - i, &k);
        put_lower(&b, c, s->b + i, k);
    }
    return v_str(sbuf_str(&b));
}

static struct value m_upper(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, "upper");
    struct sbuf b;
    sbuf_init(&b, vm);
    for (size_t i = 0, k; i < s->len; i += k) {
        uint32_t c = u8_next(s->b + i, s->len - i, &k);
        put_upper(&b, c, s->b + i, k, false);
    }
    return v_str(sbuf_str(&b));
}

static struct value m_capitalize(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, "capitalize");
    struct sbuf b;
    sbuf_init(&b, vm);
    for (size_t i = 0, k; i < s->len; i += k) {
        uint32_t c = u8_next(s->b + i, s->len - i, &k);
        if (i == 0)
            put_upper(&b, c, s->b + i, k, false);
        else
            put_lower(&b, c, s->b + i, k);
    }
    return v_str(sbuf_str(&b));
}

/* Words start upper-case and go on lower-case; a word is a run of cased letters. */
static struct value m_title(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, "title");
    struct sbuf b;
    sbuf_init(&b, vm);
    bool prev_cased = false;
    for (size_t i = 0, k; i < s->len; i += k) {
        uint32_t c = u8_next(s->b + i, s->len - i, &k);
        if (is_lower(c)) {
            if (prev_cased)
                sbuf_put(&b, s->b + i, k);
            else
                put_upper(&b, c, s->b + i, k, true);
            prev_cased = true;
        } else if (is_upper(c)) {
            if (prev_cased)
                put_lower(&b, c, s->b + i, k);
            else
                sbuf_put(&b, s->b + i, k);
            prev_cased = true;
        } else {
            prev_cased = false;
            sbuf_put(&b, s->b + i, k);
        }
    }
    return v_str(sbuf_str(&b));
}

static struct value m_istitle(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, "istitle");
    bool cased = false, prev_cased = false;
    for (size_t i = 0, k; i < s->len; i += k) {
        uint32_t c = u8_next(s->b + i, s->len - i, &k);
        if (is_upper(c)) {
            if (prev_cased)
                return v_bool(false);
            prev_cased = cased = true;
        } else if (is_lower(c)) {
            if (!prev_cased)
                return v_bool(false);
            prev_cased = cased = true;
        } else {
            prev_cased = false;
        }
    }
    return v_bool(cased);
}

/* islower()/isupper(): no character of the opposite case and at least one of this case. */
static struct value is_case(struct vm *vm, const struct callargs *a, const char *fname, bool upper)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, fname);
    bool cased = false;
    for (size_t i = 0, k; i < s->len; i += k) {
        uint32_t c = u8_next(s->b + i, s->len - i, &k);
        if (upper ? is_lower(c) : is_upper(c))
            return v_bool(false);
        if (upper ? is_upper(c) : is_lower(c))
            cased = true;
    }
    return v_bool(cased);
}

static struct value m_islower(struct vm *vm, const struct callargs *a)
{
    return is_case(vm, a, "islower", false);
}

static struct value m_isupper(struct vm *vm, const struct callargs *a)
{
    return is_case(vm, a, "isupper", true);
}

enum { CLS_ALPHA, CLS_ALNUM, CLS_DIGIT, CLS_SPACE };

static bool char_class(uint32_t c, int cls)
{
    switch (cls) {
    case CLS_ALPHA:
        return is_alpha(c);
    case CLS_ALNUM:
        return is_alnum(c);
    case CLS_DIGIT: /* KCL: ASCII digits and the superscript digits */
        return (c >= '0' && c <= '9') || c == 0xB2 || c == 0xB3 || c == 0xB9 || c == 0x2070 ||
               (c >= 0x2074 && c <= 0x2079);
    default:
        return IN_TABLE(space_ranges, c);
    }
}

/* Non-empty and every character in the class. */
static struct value all_class(struct vm *vm, const struct callargs *a, const char *fname, int cls)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, fname);
    if (s->len == 0)
        return v_bool(false);
    for (size_t i = 0, k; i < s->len; i += k)
        if (!char_class(u8_next(s->b + i, s->len - i, &k), cls))
            return v_bool(false);
    return v_bool(true);
}

static struct value m_isalpha(struct vm *vm, const struct callargs *a)
{
    return all_class(vm, a, "isalpha", CLS_ALPHA);
}

static struct value m_isalnum(struct vm *vm, const struct callargs *a)
{
    return all_class(vm, a, "isalnum", CLS_ALNUM);
}

static struct value m_isdigit(struct vm *vm, const struct callargs *a)
{
    return all_class(vm, a, "isdigit", CLS_DIGIT);
}

static struct value m_isspace(struct vm *vm, const struct callargs *a)
{
    return all_class(vm, a, "isspace", CLS_SPACE);
}

static struct value m_chars(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    no_args(vm, a, "chars");
    struct list *l = list_new(vm, 0);
    for (size_t i = 0, k; i < s->len; i += k) {
        u8_next(s->b + i, s->len - i, &k);
        list_push(vm, l, mkstr(vm, s->b + i, k));
    }
    return v_list(l);
}

/* {===== searching */

static struct value m_count(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct value x[3];
    BIND(vm, a, "count", 1, x, "sub", "start", "end");
    const struct str *sub = need_str(vm, x[0], "count");
    size_t lo, hi;
    if (!byte_range(vm, x[1], x[2], s->len, "count", &lo, &hi))
        return v_int(0);
    if (sub->len == 0) /* the empty string matches at every character boundary */
        return v_int((int64_t)u8_count(s->b + lo, hi - lo) + 1);
    int64_t n = 0;
    for (ptrdiff_t p = find_fwd(s->b + lo, hi - lo, sub->b, sub->len, 0); p >= 0;
         p = find_fwd(s->b + lo, hi - lo, sub->b, sub->len, (size_t)p + sub->len))
        n++;
    return v_int(n);
}

/* find/rfind/index/rindex: byte offset of the first/last match within [start, end). */
static struct value search(struct vm *vm, const struct callargs *a, const char *fname, bool rev,
                           bool must)
{
    const struct str *s = self_str(vm, a);
    struct value x[3];
    BIND(vm, a, fname, 1, x, "sub", "start", "end");
    const struct str *sub = need_str(vm, x[0], fname);
    size_t lo, hi;
    ptrdiff_t p = -1;
    if (byte_range(vm, x[1], x[2], s->len, fname, &lo, &hi)) {
        p = rev ? find_bwd(s->b + lo, hi - lo, sub->b, sub->len)
                : find_fwd(s->b + lo, hi - lo, sub->b, sub->len, 0);
        if (p >= 0)
            p += (ptrdiff_t)lo;
    }
    if (p < 0 && must)
        vm_raise(vm, "substring not found");
    return v_int(p);
}

static struct value m_find(struct vm *vm, const struct callargs *a)
{
    return search(vm, a, "find", false, false);
}

static struct value m_rfind(struct vm *vm, const struct callargs *a)
{
    return search(vm, a, "rfind", true, false);
}

static struct value m_index(struct vm *vm, const struct callargs *a)
{
    return search(vm, a, "index", false, true);
}

static struct value m_rindex(struct vm *vm, const struct callargs *a)
{
    return search(vm, a, "rindex", true, true);
}

/* startswith/endswith in general: the affix may also be a list of alternatives, and a range
 * of s may be given. */
static __attribute__((noinline)) struct value affix_general(struct vm *vm, const struct callargs *a,
                                                            const char *fname, bool end)
{
    const struct str *s = self_str(vm, a);
    struct value x[3];
    BIND(vm, a, fname, 1, x, "val", "start", "end");
    const struct value *alts = &x[0];
    uint32_t nalts = 1;
    if (x[0].tag == V_LIST) {
        alts = x[0].as.l->v;
        nalts = x[0].as.l->n;
    }
    size_t lo, hi;
    bool ok = byte_range(vm, x[1], x[2], s->len, fname, &lo, &hi);
    for (uint32_t i = 0; i < nalts; i++) {
        const struct str *f = need_str(vm, alts[i], fname);
        if (ok && f->len <= hi - lo && !memcmp(s->b + (end ? hi - f->len : lo), f->b, f->len))
            return v_bool(true);
    }
    return v_bool(false);
}

/* startswith/endswith. The usual s.startswith("x"), one string and the whole of s, is
 * answered here, in a function small enough to need no frame; affixes are mostly short,
 * compared byte by byte rather than through a memcmp call. */
static inline struct value affix(struct vm *vm, const struct callargs *a, const char *fname,
                                 bool end)
{
    if (a->self.tag != V_STR || a->npos != 1 || a->nkw || a->pos[0].tag != V_STR)
        return affix_general(vm, a, fname, end);
    const struct str *s = a->self.as.s, *f = a->pos[0].as.s;
    if (f->len > s->len)
        return v_bool(false);
    const char *p = s->b + (end ? s->len - f->len : 0);
    if (f->len > 16)
        return v_bool(!memcmp(p, f->b, f->len));
    for (uint32_t i = 0; i < f->len; i++)
        if (p[i] != f->b[i])
            return v_bool(false);
    return v_bool(true);
}

static struct value m_startswith(struct vm *vm, const struct callargs *a)
{
    return affix(vm, a, "startswith", false);
}

static struct value m_endswith(struct vm *vm, const struct callargs *a)
{
    return affix(vm, a, "endswith", true);
}

/* {===== building new strings */

static struct value m_replace(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct value x[3];
    BIND(vm, a, "replace", 2, x, "old", "new", "count");
    const struct str *old = need_str(vm, x[0], "replace"), *nw = need_str(vm, x[1], "replace");
    int64_t count = opt_int(vm, x[2], "replace", -1);
    struct sbuf b;
    sbuf_init(&b, vm);
    size_t pos = 0;
    if (old->len == 0) { /* insert 'new' at each character boundary */
        for (size_t i = 0, k = 0; i <= s->len; i += k) {
            if (count >= 0 && count-- == 0)
                break;
            sbuf_put(&b, nw->b, nw->len);
            if (i == s->len) {
                pos = i;
                break;
            }
            u8_next(s->b + i, s->len - i, &k);
            sbuf_put(&b, s->b + i, k);
            pos = i + k;
        }
    } else {
        for (ptrdiff_t p; count != 0 && (p = find_fwd(s->b, s->len, old->b, old->len, pos)) >= 0;
             count--) {
            sbuf_put(&b, s->b + pos, (size_t)p - pos);
            sbuf_put(&b, nw->b, nw->len);
            pos = (size_t)p + old->len;
        }
    }
    sbuf_put(&b, s->b + pos, s->len - pos);
    return v_str(sbuf_str(&b));
}

static struct value m_removeprefix(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct value x[1];
    BIND(vm, a, "removeprefix", 1, x, "prefix");
    const struct str *p = need_str(vm, x[0], "removeprefix");
    if (p->len <= s->len && !memcmp(s->b, p->b, p->len))
        return mkstr(vm, s->b + p->len, s->len - p->len);
    return a->self;
}

static struct value m_removesuffix(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct value x[1];
    BIND(vm, a, "removesuffix", 1, x, "suffix");
    const struct str *p = need_str(vm, x[0], "removesuffix");
    if (p->len <= s->len && !memcmp(s->b + s->len - p->len, p->b, p->len))
        return mkstr(vm, s->b, s->len - p->len);
    return a->self;
}

/* The items of an iterable, str()'d and joined (KCL accepts non-str items). */
static struct value m_join(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct value x[1];
    BIND(vm, a, "join", 1, x, "iter");
    struct sbuf b;
    sbuf_init(&b, vm);
    if (x[0].tag == V_LIST) {
        for (uint32_t i = 0; i < x[0].as.l->n; i++) {
            if (i)
                sbuf_put(&b, s->b, s->len);
            const struct str *t = v_to_str(vm, x[0].as.l->v[i]);
            sbuf_put(&b, t->b, t->len);
        }
    } else if (v_is_dictlike(x[0])) {
        struct dict_entry *e;
        bool first = true;
        for (uint32_t i = 0; dict_next(x[0].as.d, &i, &e); first = false) {
            if (!first)
                sbuf_put(&b, s->b, s->len);
            sbuf_put(&b, e->key->b, e->key->len);
        }
    } else if (x[0].tag == V_STR) {
        const struct str *t = x[0].as.s;
        for (size_t i = 0, k; i < t->len; i += k) {
            if (i)
                sbuf_put(&b, s->b, s->len);
            u8_next(t->b + i, t->len - i, &k);
            sbuf_put(&b, t->b + i, k);
        }
    } else {
        vm_raise(vm, "can only join an iterable, not '%s'", tname(x[0]));
    }
    return v_str(sbuf_str(&b));
}

/* strip/lstrip/rstrip: chars absent or None trims Unicode white space, else any of 'chars'. */
static struct value strip(struct vm *vm, const struct callargs *a, const char *fname, bool left,
                          bool right)
{
    const struct str *s = self_str(vm, a);
    struct value x[1];
    BIND(vm, a, fname, 0, x, "chars");
    const struct str *set = v_is_null(x[0]) ? NULL : need_str(vm, x[0], fname);
    size_t lo = 0, hi = s->len, k;
    while (left && lo < hi) {
        uint32_t c = u8_next(s->b + lo, hi - lo, &k);
        bool hit =
            set ? find_fwd(set->b, set->len, s->b + lo, k, 0) >= 0 : IN_TABLE(white_ranges, c);
        if (!hit)
            break;
        lo += k;
    }
    while (right && hi > lo) {
        size_t p = u8_prev(s->b, hi);
        if (p < lo)
            p = lo;
        uint32_t c = u8_next(s->b + p, hi - p, &k);
        if (p + k != hi) { /* an invalid tail byte: one character on its own */
            p = hi - 1;
            c = 0xFFFD;
            k = 1;
        }
        bool hit =
            set ? find_fwd(set->b, set->len, s->b + p, k, 0) >= 0 : IN_TABLE(white_ranges, c);
        if (!hit)
            break;
        hi = p;
    }
    if (lo == 0 && hi == s->len)
        return a->self;
    return mkstr(vm, s->b + lo, hi - lo);
}

static struct value m_strip(struct vm *vm, const struct callargs *a)
{
    return strip(vm, a, "strip", true, true);
}

static struct value m_lstrip(struct vm *vm, const struct callargs *a)
{
    return strip(vm, a, "lstrip", true, false);
}

static struct value m_rstrip(struct vm *vm, const struct callargs *a)
{
    return strip(vm, a, "rstrip", false, true);
}

/* {===== splitting */

static bool ascii_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void push_piece(struct vm *vm, struct list *l, const char *s, size_t n)
{
    list_push(vm, l, mkstr(vm, s, n));
}

static void reverse_list(struct list *l)
{
    for (uint32_t i = 0, j = l->n; i + 1 < j; i++, j--) {
        struct value t = l->v[i];
        l->v[i] = l->v[j - 1];
        l->v[j - 1] = t;
    }
}

/* split(None): runs of ASCII white space separate words; after 'max' splits the rest
 * (leading white space skipped) is the last word. */
static void split_ws(struct vm *vm, struct list *l, const struct str *s, int64_t max)
{
    size_t i = 0, n = s->len;
    while (i < n) {
        while (i < n && ascii_ws(s->b[i]))
            i++;
        if (i == n)
            break;
        if (max == 0) {
            push_piece(vm, l, s->b + i, n - i);
            return;
        }
        size_t j = i;
        while (j < n && !ascii_ws(s->b[j]))
            j++;
        push_piece(vm, l, s->b + i, j - i);
        if (max > 0)
            max--;
        i = j;
    }
}

/* rsplit(None): the same from the right; the rest keeps its leading white space. */
static void rsplit_ws(struct vm *vm, struct list *l, const struct str *s, int64_t max)
{
    size_t n = s->len;
    while (n > 0) {
        while (n > 0 && ascii_ws(s->b[n - 1]))
            n--;
        if (n == 0)
            break;
        if (max == 0) {
            push_piece(vm, l, s->b, n);
            break;
        }
        size_t j = n;
        while (j > 0 && !ascii_ws(s->b[j - 1]))
            j--;
        push_piece(vm, l, s->b + j, n - j);
        if (max > 0)
            max--;
        n = j;
    }
    reverse_list(l);
}

/* split(sep): as Rust's str::split/splitn, where an empty separator matches at every
 * character boundary ("ab" → "", "a", "b", ""). */
static void split_sep(struct vm *vm, struct list *l, const struct str *s, const struct str *sep,
                      int64_t max)
{
    size_t pos = 0, from = 0, n = s->len, k;
    for (; max != 0; max--) {
        size_t ms;
        if (sep->len) {
            ptrdiff_t p = find_fwd(s->b, n, sep->b, sep->len, from);
            if (p < 0)
                break;
            ms = (size_t)p;
            from = ms + sep->len;
        } else {
            if (from > n)
                break;
            ms = from;
            if (from < n)
                u8_next(s->b + from, n - from, &k);
            else
                k = 1;
            from += k;
        }
        push_piece(vm, l, s->b + pos, ms - pos);
        pos = ms + sep->len;
    }
    push_piece(vm, l, s->b + pos, n - pos);
}

static void rsplit_sep(struct vm *vm, struct list *l, const struct str *s, const struct str *sep,
                       int64_t max)
{
    size_t end = s->len, lim = s->len;
    bool done = false;
    for (; max != 0 && !done; max--) {
        size_t ms;
        if (sep->len) {
            ptrdiff_t p = find_bwd(s->b, lim, sep->b, sep->len);
            if (p < 0)
                break;
            ms = (size_t)p;
            lim = ms;
        } else {
            ms = lim;
            if (lim == 0)
                done = true;
            else
                lim = u8_prev(s->b, lim);
        }
        push_piece(vm, l, s->b + ms + sep->len, end - ms - sep->len);
        end = ms;
    }
    push_piece(vm, l, s->b, end);
    reverse_list(l);
}

static struct value split(struct vm *vm, const struct callargs *a, const char *fname, bool rev)
{
    const struct str *s = self_str(vm, a);
    struct value x[2];
    BIND(vm, a, fname, 0, x, "sep", "maxsplit");
    int64_t max = opt_int(vm, x[1], fname, -1);
    if (max < 0)
        max = -1;
    struct list *l = list_new(vm, 0);
    if (v_is_null(x[0])) {
        if (rev)
            rsplit_ws(vm, l, s, max);
        else
            split_ws(vm, l, s, max);
    } else {
        const struct str *sep = need_str(vm, x[0], fname);
        if (rev)
            rsplit_sep(vm, l, s, sep, max);
        else
            split_sep(vm, l, s, sep, max);
    }
    return v_list(l);
}

static struct value m_split(struct vm *vm, const struct callargs *a)
{
    return split(vm, a, "split", false);
}

static struct value m_rsplit(struct vm *vm, const struct callargs *a)
{
    return split(vm, a, "rsplit", true);
}

/* Lines end at \n, \r or \r\n (KCL recognises no other line boundary). */
static struct value m_splitlines(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct value x[1];
    BIND(vm, a, "splitlines", 0, x, "keepends");
    bool keep = v_truthy(x[0]);
    struct list *l = list_new(vm, 0);
    size_t start = 0, i = 0;
    while (i < s->len) {
        size_t eol;
        if (s->b[i] == '\n')
            eol = 1;
        else if (s->b[i] == '\r')
            eol = i + 1 < s->len && s->b[i + 1] == '\n' ? 2 : 1;
        else {
            i++;
            continue;
        }
        push_piece(vm, l, s->b + start, i - start + (keep ? eol : 0));
        i += eol;
        start = i;
    }
    if (start < s->len)
        push_piece(vm, l, s->b + start, s->len - start);
    return v_list(l);
}

/* {===== str.format: Python's format-string syntax
 *
 *   "{" [field_name] ["!" conversion] [":" format_spec] "}"
 *   field_name  ::= (digits | identifier | "") ("." attribute | "[" key "]")*
 *   format_spec ::= [[fill]align][sign]["z"]["#"]["0"][width][","|"_"]["."precision][type]
 *
 * Empty field names number the positional arguments automatically; the spec may contain
 * nested replacement fields ("{:{w}}"). */

struct fmt_state {
    struct vm *vm;
    const struct callargs *a;
    uint32_t next_auto;
    int numbering; /* 0 undecided, 1 automatic, 2 manual */
};

struct fmt_spec {
    uint32_t fill;
    char align; /* 0 or one of < > = ^ */
    char sign;  /* 0 or one of + - space */
    bool alt;
    char group; /* 0, ',' or '_' */
    int width;  /* -1: none */
    int prec;   /* -1: none */
    char type;  /* 0 or the type letter */
};

static int spec_number(struct vm *vm, const char *s, size_t n, size_t *i)
{
    int v = 0, digits = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        if (++digits > 9)
            vm_raise(vm, "Too many decimal digits in format string");
        v = v * 10 + (s[(*i)++] - '0');
    }
    return digits ? v : -1;
}

static bool is_align(char c)
{
    return c == '<' || c == '>' || c == '=' || c == '^';
}

static void spec_parse(struct vm *vm, const char *s, size_t n, struct fmt_spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->fill = ' ';
    sp->width = sp->prec = -1;
    size_t i = 0, k = 0;
    bool fill_given = false;
    if (n) {
        uint32_t c = u8_next(s, n, &k);
        if (k < n && is_align(s[k])) {
            sp->fill = c;
            sp->align = s[k];
            fill_given = true;
            i = k + 1;
        } else if (is_align(s[0])) {
            sp->align = s[0];
            i = 1;
        }
    }
    if (i < n && (s[i] == '+' || s[i] == '-' || s[i] == ' '))
        sp->sign = s[i++];
    if (i < n && s[i] == 'z')
        i++;
    if (i < n && s[i] == '#') {
        sp->alt = true;
        i++;
    }
    if (i < n && s[i] == '0') {
        if (!fill_given) {
            sp->fill = '0';
            if (!sp->align)
                sp->align = '=';
        }
        i++;
    }
    sp->width = spec_number(vm, s, n, &i);
    if (i < n && (s[i] == ',' || s[i] == '_'))
        sp->group = s[i++];
    if (i < n && s[i] == '.') {
        i++;
        sp->prec = spec_number(vm, s, n, &i);
        if (sp->prec < 0)
            vm_raise(vm, "Format specifier missing precision");
    }
    if (i < n && s[i] && strchr("bcdeEfFgGnosxX%", s[i]))
        sp->type = s[i++];
    if (i != n)
        vm_raise(vm, "Invalid format specifier");
}

static void put_fill(struct sbuf *o, uint32_t fill, size_t n)
{
    for (size_t i = 0; i < n; i++)
        u8_put(o, fill);
}

/* Writes pre (sign and base prefix) and body padded to the spec's width. */
static void put_padded(struct sbuf *o, const struct fmt_spec *sp, const char *pre, const char *body,
                       size_t bn, char dflt_align)
{
    size_t pn = strlen(pre), len = u8_count(pre, pn) + u8_count(body, bn);
    size_t pad = sp->width > 0 && (size_t)sp->width > len ? (size_t)sp->width - len : 0;
    switch (sp->align ? sp->align : dflt_align) {
    case '<':
        sbuf_put(o, pre, pn);
        sbuf_put(o, body, bn);
        put_fill(o, sp->fill, pad);
        break;
    case '^':
        put_fill(o, sp->fill, pad / 2);
        sbuf_put(o, pre, pn);
        sbuf_put(o, body, bn);
        put_fill(o, sp->fill, pad - pad / 2);
        break;
    case '=':
        sbuf_put(o, pre, pn);
        put_fill(o, sp->fill, pad);
        sbuf_put(o, body, bn);
        break;
    default:
        put_fill(o, sp->fill, pad);
        sbuf_put(o, pre, pn);
        sbuf_put(o, body, bn);
        break;
    }
}

/* digits with 'sep' every 'every' digits from the right, then the rest of 'tail'. */
static void put_grouped(struct sbuf *o, const char *d, size_t nd, char sep, int every)
{
    for (size_t i = 0; i < nd; i++) {
        sbuf_putc(o, d[i]);
        size_t left = nd - i - 1;
        if (sep && left && left % (size_t)every == 0)
            sbuf_putc(o, sep);
    }
}

static const char *sign_str(const struct fmt_spec *sp, bool neg)
{
    return neg ? "-" : sp->sign == '+' ? "+" : sp->sign == ' ' ? " " : "";
}

/* Shortest digits that read back as 'f' (finite, >= 0): returns their count; *e10 is the
 * decimal exponent of the first digit. */
static int shortest_digits(double f, char *d, int *e10)
{
    if (f == 0) {
        d[0] = '0';
        *e10 = 0;
        return 1;
    }
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    int n = 0;
    const char *q = buf;
    for (; *q && *q != 'e'; q++)
        if (*q != '.')
            d[n++] = *q;
    *e10 = atoi(q + 1);
    while (n > 1 && d[n - 1] == '0')
        n--;
    return n;
}

/* repr() of a non-negative finite float, as Python (and KCL's "{}") print it. */
static void float_repr(struct sbuf *o, double f)
{
    char d[24];
    int e, n = shortest_digits(f, d, &e);
    if (e >= -4 && e < 16) {
        if (e < 0) {
            sbuf_puts(o, "0.");
            for (int i = 0; i < -e - 1; i++)
                sbuf_putc(o, '0');
            sbuf_put(o, d, (size_t)n);
        } else {
            for (int i = 0; i <= e; i++)
                sbuf_putc(o, i < n ? d[i] : '0');
            sbuf_putc(o, '.');
            if (n > e + 1)
                sbuf_put(o, d + e + 1, (size_t)(n - e - 1));
            else
                sbuf_putc(o, '0');
        }
    } else {
        sbuf_putc(o, d[0]);
        if (n > 1) {
            sbuf_putc(o, '.');
            sbuf_put(o, d + 1, (size_t)(n - 1));
        }
        sbuf_printf(o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
}

/* printf's conversion 'conv' (e E f g G) of 'f' with 'prec', '#' when 'alt'. */
static void printf_num(struct sbuf *o, char conv, bool alt, int prec, double f)
{
    switch (conv) {
    case 'e':
        if (alt)
            sbuf_printf(o, "%#.*e", prec, f);
        else
            sbuf_printf(o, "%.*e", prec, f);
        break;
    case 'E':
        if (alt)
            sbuf_printf(o, "%#.*E", prec, f);
        else
            sbuf_printf(o, "%.*E", prec, f);
        break;
    case 'f':
        if (alt)
            sbuf_printf(o, "%#.*f", prec, f);
        else
            sbuf_printf(o, "%.*f", prec, f);
        break;
    case 'G':
        if (alt)
            sbuf_printf(o, "%#.*G", prec, f);
        else
            sbuf_printf(o, "%.*G", prec, f);
        break;
    default:
        if (alt)
            sbuf_printf(o, "%#.*g", prec, f);
        else
            sbuf_printf(o, "%.*g", prec, f);
        break;
    }
}

static void format_float(struct vm *vm, struct sbuf *o, const struct fmt_spec *sp, double f)
{
    char t = sp->type;
    int prec = sp->prec < 0 ? 6 : sp->prec;
    bool upper = t == 'E' || t == 'F' || t == 'G';
    bool neg = signbit(f) && !isnan(f);
    double m = fabs(f);
    struct sbuf b;
    sbuf_init(&b, vm);
    if (t && !strchr("eEfFgGn%", t))
        vm_raise(vm, "Unknown format code '%c' for object of type 'float'", t);
    if (!isfinite(m)) {
        sbuf_puts(&b, isnan(m) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"));
        if (t == '%')
            sbuf_putc(&b, '%');
        put_padded(o, sp, sign_str(sp, neg), b.p, b.n, '>');
        return;
    }
    switch (t) {
    case 'e':
    case 'E':
        printf_num(&b, t, sp->alt, prec, m);
        break;
    case 'f':
    case 'F':
        printf_num(&b, 'f', sp->alt, prec, m);
        break;
    case '%':
        printf_num(&b, 'f', sp->alt, prec, m * 100);
        sbuf_putc(&b, '%');
        break;
    case 'g':
    case 'G':
    case 'n':
        printf_num(&b, t == 'G' ? 'G' : 'g', sp->alt, prec ? prec : 1, m);
        break;
    default:
        if (sp->prec < 0) {
            float_repr(&b, m);
        } else { /* like 'g', but a fixed-point result keeps a fractional digit */
            printf_num(&b, 'g', false, prec ? prec : 1, m);
            bool point = false;
            for (size_t i = 0; i < b.n; i++)
                point |= b.p[i] == '.' || b.p[i] == 'e';
            if (!point)
                sbuf_puts(&b, ".0");
        }
        break;
    }
    size_t ni = 0;
    while (ni < b.n && b.p[ni] >= '0' && b.p[ni] <= '9')
        ni++;
    struct sbuf g;
    sbuf_init(&g, vm);
    put_grouped(&g, b.p, ni, sp->group, 3);
    sbuf_put(&g, b.p + ni, b.n - ni);
    put_padded(o, sp, sign_str(sp, neg), g.p, g.n, '>');
}

static void format_int(struct vm *vm, struct sbuf *o, const struct fmt_spec *sp, int64_t v)
{
    char t = sp->type;
    if (t && strchr("eEfFgG%", t)) {
        format_float(vm, o, sp, (double)v);
        return;
    }
    if (t && !strchr("bcdnoxX", t))
        vm_raise(vm, "Unknown format code '%c' for object of type 'int'", t);
    if (sp->prec >= 0)
        vm_raise(vm, "Precision not allowed in integer format specifier");
    uint64_t m = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    if (t == 'c') {
        if (sp->sign)
            vm_raise(vm, "Sign not allowed with integer format specifier 'c'");
        if (v < 0 || v > 0x10FFFF)
            vm_raise(vm, "%%c arg not in range(0x110000)");
        struct sbuf c;
        sbuf_init(&c, vm);
        u8_put(&c, (uint32_t)v);
        put_padded(o, sp, "", c.p, c.n, '>');
        return;
    }
    unsigned base = t == 'b' ? 2 : t == 'o' ? 8 : t == 'x' || t == 'X' ? 16 : 10;
    const char *digs = t == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char d[72], *p = d + sizeof d;
    do {
        *--p = digs[m % base];
        m /= base;
    } while (m);
    struct sbuf g;
    sbuf_init(&g, vm);
    put_grouped(&g, p, (size_t)(d + sizeof d - p), sp->group, base == 10 ? 3 : 4);
    char pre[4];
    snprintf(pre, sizeof pre, "%s%s", sign_str(sp, v < 0),
             !sp->alt     ? ""
             : base == 2  ? "0b"
             : base == 8  ? "0o"
             : base == 16 ? (t == 'X' ? "0X" : "0x")
                          : "");
    put_padded(o, sp, pre, g.p, g.n, '>');
}

static void format_text(struct vm *vm, struct sbuf *o, const struct fmt_spec *sp,
                        const struct str *s)
{
    if (sp->type && sp->type != 's')
        vm_raise(vm, "Unknown format code '%c' for object of type 'str'", sp->type);
    if (sp->sign)
        vm_raise(vm, "Sign not allowed in string format specifier");
    if (sp->alt)
        vm_raise(vm, "Alternate form (#) not allowed in string format specifier");
    if (sp->align == '=')
        vm_raise(vm, "'=' alignment not allowed in string format specifier");
    if (sp->group)
        vm_raise(vm, "Cannot specify '%c' with 's'.", sp->group);
    size_t n = s->len;
    if (sp->prec >= 0) { /* keep the first 'prec' characters */
        size_t i = 0, k;
        for (int c = 0; i < s->len && c < sp->prec; c++, i += k)
            u8_next(s->b + i, s->len - i, &k);
        n = i;
    }
    put_padded(o, sp, "", s->b, n, '<');
}

/* KCL's quoting of a str inside str(dict): 'v', or "v" when v contains a double quote
 * but no single quote (and with \" escapes when it contains both). */
static struct str *quoted(struct vm *vm, const struct str *s)
{
    bool dq = memchr(s->b, '"', s->len) != NULL, sq = memchr(s->b, '\'', s->len) != NULL;
    struct sbuf b;
    sbuf_init(&b, vm);
    if (!dq) {
        sbuf_putc(&b, '\'');
        sbuf_put(&b, s->b, s->len);
        sbuf_putc(&b, '\'');
    } else {
        sbuf_putc(&b, '"');
        for (size_t i = 0; i < s->len; i++) {
            if (s->b[i] == '"' && sq)
                sbuf_putc(&b, '\\');
            sbuf_putc(&b, s->b[i]);
        }
        sbuf_putc(&b, '"');
    }
    return sbuf_str(&b);
}

static struct value fmt_arg(struct fmt_state *st, const char *name, size_t n)
{
    struct vm *vm = st->vm;
    const struct callargs *a = st->a;
    if (n == 0 || (name[0] >= '0' && name[0] <= '9')) {
        uint64_t idx = 0;
        if (n == 0) {
            if (st->numbering == 2)
                vm_raise(vm, "cannot switch from manual field specification to automatic field "
                             "numbering");
            st->numbering = 1;
            idx = st->next_auto++;
        } else {
            if (st->numbering == 1)
                vm_raise(vm, "cannot switch from automatic field numbering to manual field "
                             "specification");
            st->numbering = 2;
            for (size_t i = 0; i < n; i++) {
                if (name[i] < '0' || name[i] > '9' || idx > UINT32_MAX)
                    vm_raise(vm, "argument tuple index out of range");
                idx = idx * 10 + (uint64_t)(name[i] - '0');
            }
        }
        if (idx >= a->npos)
            vm_raise(vm, "argument tuple index out of range");
        return a->pos[idx];
    }
    for (uint32_t k = 0; k < a->nkw; k++)
        if (a->kwnames[k]->len == n && !memcmp(a->kwnames[k]->b, name, n))
            return a->kw[k];
    vm_raise(vm, "keyword argument '%.*s' not found", (int)n, name);
}

/* v[key] or v.key inside a field name. */
static struct value fmt_member(struct vm *vm, struct value v, const char *key, size_t n, bool index)
{
    bool digits = n > 0;
    int64_t idx = 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] < '0' || key[i] > '9' || idx > (int64_t)UINT32_MAX)
            digits = false;
        else
            idx = idx * 10 + (key[i] - '0');
    }
    if (index && digits && v.tag == V_LIST) {
        if (idx >= v.as.l->n)
            vm_raise(vm, "list index out of range: %lld", (long long)idx);
        return v.as.l->v[idx];
    }
    if (index && digits && v.tag == V_STR) {
        size_t i = 0, k = 0;
        for (int64_t c = 0; i < v.as.s->len; c++, i += k) {
            u8_next(v.as.s->b + i, v.as.s->len - i, &k);
            if (c == idx)
                return mkstr(vm, v.as.s->b + i, k);
        }
        vm_raise(vm, "string index out of range: %lld", (long long)idx);
    }
    if (v_is_dictlike(v)) {
        struct dict_entry *e = dict_find(v.as.d, str_new(vm, key, n));
        if (e)
            return e->val;
        if (!index)
            vm_raise(vm, "'%s' object has no attribute '%.*s'", tname(v), (int)n, key);
        vm_raise(vm, "key '%.*s' not found", (int)n, key);
    }
    if (!index)
        vm_raise(vm, "'%s' object has no attribute '%.*s'", tname(v), (int)n, key);
    vm_raise(vm, "'%s' object is not subscriptable", tname(v));
}

static void fmt_render(struct fmt_state *st, struct sbuf *o, const char *t, size_t n, int depth);

/* One replacement field (the text between the braces). */
static void fmt_field(struct fmt_state *st, struct sbuf *o, const char *f, size_t n, int depth)
{
    struct vm *vm = st->vm;
    size_t i = 0;
    bool bracket = false;
    while (i < n && (bracket || (f[i] != '!' && f[i] != ':'))) {
        if (f[i] == '[')
            bracket = true;
        else if (f[i] == ']')
            bracket = false;
        i++;
    }
    size_t name_end = i;
    char conv = 0;
    if (i < n && f[i] == '!') {
        if (i + 1 >= n)
            vm_raise(vm, "end of string while looking for conversion specifier");
        conv = f[i + 1];
        i += 2;
        if (i < n && f[i] != ':')
            vm_raise(vm, "expected ':' after conversion specifier");
    }
    const char *spec = i < n ? f + i + 1 : f + n;
    size_t spec_n = i < n ? n - i - 1 : 0;

    /* the argument, then its .attr and [key] parts */
    size_t h = 0;
    while (h < name_end && f[h] != '.' && f[h] != '[')
        h++;
    struct value v = fmt_arg(st, f, h);
    while (h < name_end) {
        bool index = f[h] == '[';
        size_t s = ++h;
        if (index) {
            while (h < name_end && f[h] != ']')
                h++;
            if (h == name_end)
                vm_raise(vm, "Missing ']' in format string");
            v = fmt_member(vm, v, f + s, h - s, true);
            h++;
            if (h < name_end && f[h] != '.' && f[h] != '[')
                vm_raise(vm, "Only '.' or '[' may follow ']' in format field specifier");
        } else {
            while (h < name_end && f[h] != '.' && f[h] != '[')
                h++;
            if (h == s)
                vm_raise(vm, "Empty attribute in format string");
            v = fmt_member(vm, v, f + s, h - s, false);
        }
    }

    if (conv) {
        if (conv != 'r' && conv != 's' && conv != 'a')
            vm_raise(vm, "Unknown conversion specifier %c", conv);
        v = v_str(conv != 's' && v.tag == V_STR ? quoted(vm, v.as.s) : v_to_str(vm, v));
    }
    if (memchr(spec, '{', spec_n)) { /* nested fields in the spec */
        if (depth >= 2)
            vm_raise(vm, "Max string recursion exceeded");
        struct sbuf sb;
        sbuf_init(&sb, vm);
        fmt_render(st, &sb, spec, spec_n, depth + 1);
        spec = sb.p ? sb.p : "";
        spec_n = sb.n;
    }
    if (spec_n == 0) {
        if (v.tag == V_FLOAT && isfinite(v.as.f)) {
            if (signbit(v.as.f))
                sbuf_putc(o, '-');
            float_repr(o, fabs(v.as.f));
        } else if (v.tag == V_FLOAT) {
            sbuf_puts(o, isnan(v.as.f) ? "nan" : v.as.f < 0 ? "-inf" : "inf");
        } else {
            const struct str *s = v_to_str(vm, v);
            sbuf_put(o, s->b, s->len);
        }
        return;
    }
    struct fmt_spec sp;
    spec_parse(vm, spec, spec_n, &sp);
    if (v.tag == V_INT || v.tag == V_BOOL)
        format_int(vm, o, &sp, v.as.i);
    else if (v.tag == V_FLOAT)
        format_float(vm, o, &sp, v.as.f);
    else
        format_text(vm, o, &sp, v.tag == V_STR ? v.as.s : v_to_str(vm, v));
}

static void fmt_render(struct fmt_state *st, struct sbuf *o, const char *t, size_t n, int depth)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && t[j] != '{' && t[j] != '}')
            j++;
        sbuf_put(o, t + i, j - i);
        if (j == n)
            break;
        if (j + 1 < n && t[j + 1] == t[j]) { /* {{ or }} */
            sbuf_putc(o, t[j]);
            i = j + 2;
            continue;
        }
        if (t[j] == '}')
            vm_raise(st->vm, "Single '}' encountered in format string");
        size_t k = j + 1;
        int nest = 0;
        for (; k < n; k++) {
            if (t[k] == '{')
                nest++;
            else if (t[k] == '}' && nest-- == 0)
                break;
        }
        if (k >= n)
            vm_raise(st->vm, "Single '{' encountered in format string");
        fmt_field(st, o, t + j + 1, k - j - 1, depth);
        i = k + 1;
    }
}

static struct value m_format(struct vm *vm, const struct callargs *a)
{
    const struct str *s = self_str(vm, a);
    struct fmt_state st = {vm, a, 0, 0};
    struct sbuf o;
    sbuf_init(&o, vm);
    fmt_render(&st, &o, s->b, s->len, 0);
    return v_str(sbuf_str(&o));
}

/* {===== registration */

static const struct native_def methods[] = {
    {"capitalize", m_capitalize},
    {"chars", m_chars},
    {"count", m_count},
    {"endswith", m_endswith},
    {"find", m_find},
    {"format", m_format},
    {"index", m_index},
    {"isalnum", m_isalnum},
    {"isalpha", m_isalpha},
    {"isdigit", m_isdigit},
    {"islower", m_islower},
    {"isspace", m_isspace},
    {"istitle", m_istitle},
    {"isupper", m_isupper},
    {"join", m_join},
    {"lower", m_lower},
    {"lstrip", m_lstrip},
    {"removeprefix", m_removeprefix},
    {"removesuffix", m_removesuffix},
    {"replace", m_replace},
    {"rfind", m_rfind},
    {"rindex", m_rindex},
    {"rsplit", m_rsplit},
    {"rstrip", m_rstrip},
    {"split", m_split},
    {"splitlines", m_splitlines},
    {"startswith", m_startswith},
    {"strip", m_strip},
    {"title", m_title},
    {"upper", m_upper},
};

native_fn stdlib_str_method(const char *name, size_t len)
{
    size_t lo = 0, hi = sizeof methods / sizeof methods[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = methods[mid].name;
        size_t ml = strlen(m);
        int c = memcmp(name, m, len < ml ? len : ml);
        if (c == 0)
            c = (len > ml) - (len < ml);
        if (c == 0)
            return methods[mid].fn;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
