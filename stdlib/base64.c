/* The base64 and base32 system modules (spec §5.2): RFC 4648 text encodings of strings.
 * base64 uses libcrypto's EVP block coder; base32 is small enough to write out. */
#include "config.h"

#include <limits.h>
#include <openssl/evp.h>
#include <string.h>

#include "stdlib/stdlib.h"

static struct str *b64_arg(struct vm *vm, const struct callargs *a, const char *fname)
{
    arg_count(vm, a, fname, 1, 2); /* value, encoding (only UTF-8 text exists here) */
    struct value v;
    if (!arg_get(vm, a, 0, "value", &v))
        vm_raise(vm, "%s() missing 1 required positional argument: 'value'", fname);
    if (v.tag != V_STR)
        vm_type_error(vm, "a string object is required, not '%s'", v_type_name(v));
    return v.as.s;
}


/* {===== base64 */

static struct value b64_encode(struct vm *vm, const struct callargs *a)
{
    struct str *s = b64_arg(vm, a, "encode");
    if (s->len > (size_t)INT_MAX / 4 * 3)
        vm_raise(vm, "string too long to encode");
    size_t outlen = 4 * ((s->len + 2) / 3);
    unsigned char *out = vm_alloc(vm, outlen + 1);
    int n = EVP_EncodeBlock(out, (const unsigned char *)s->b, (int)s->len);
    if (n < 0)
        vm_raise(vm, "base64 encoding failed");
    return v_str(str_new(vm, (const char *)out, (size_t)n));
}

static struct value b64_decode(struct vm *vm, const struct callargs *a)
{
    struct str *s = b64_arg(vm, a, "decode");
    size_t len = s->len;
    if (len > (size_t)INT_MAX)
        vm_raise(vm, "string too long to decode");
    /* EVP_DecodeBlock wants whole 4-character groups and keeps padding as zero bytes */
    if (len % 4 != 0)
        vm_raise(vm, "Invalid base64 input: length %zu is not a multiple of 4", len);
    for (size_t i = 0; i < len; i++) {
        char c = s->b[i];
        bool pad = c == '=' && (i == len - 1 || (i == len - 2 && s->b[len - 1] == '='));
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/' || pad;
        if (!ok)
            vm_raise(vm, "Invalid base64 input: invalid byte %d, offset %zu", (unsigned char)c, i);
    }
    size_t pad = len && s->b[len - 1] == '=' ? (len > 1 && s->b[len - 2] == '=' ? 2 : 1) : 0;
    unsigned char *out = vm_alloc(vm, len / 4 * 3 + 1);
    int n = len ? EVP_DecodeBlock(out, (const unsigned char *)s->b, (int)len) : 0;
    if (n < 0 || (size_t)n < pad)
        vm_raise(vm, "Invalid base64 input");
    size_t m = (size_t)n - pad;
    if (!utf8_valid(out, m))
        vm_raise(vm, "base64 decoded bytes are not valid UTF-8");
    return v_str(str_new(vm, (const char *)out, m));
}

static const struct native_def b64_fns[] = {{"decode", b64_decode}, {"encode", b64_encode}};

const struct stdlib_module stdlib_mod_base64 = {"base64", b64_fns,
                                                sizeof b64_fns / sizeof b64_fns[0], NULL};

/* {===== base32 (RFC 4648 alphabet, with padding) */

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static struct value b32_encode(struct vm *vm, const struct callargs *a)
{
    struct str *s = b64_arg(vm, a, "encode");
    struct sbuf b;
    sbuf_init(&b, vm);
    const unsigned char *p = (const unsigned char *)s->b;
    for (size_t i = 0; i < s->len; i += 5) {
        size_t n = s->len - i < 5 ? s->len - i : 5;
        uint64_t bits = 0;
        for (size_t k = 0; k < 5; k++)
            bits = (bits << 8) | (k < n ? p[i + k] : 0);
        static const size_t chars[] = {0, 2, 4, 5, 7, 8}; /* output chars for n input bytes */
        for (size_t k = 0; k < 8; k++) {
            if (k < chars[n])
                sbuf_putc(&b, b32_alphabet[(bits >> (35 - 5 * k)) & 31]);
            else
                sbuf_putc(&b, '=');
        }
    }
    return v_str(sbuf_str(&b));
}

/* Like KCL's base32 crate: trailing '=' ignored, letters in either case; None when the
 * text is not base32 or the bytes are not UTF-8. */
static struct value b32_decode(struct vm *vm, const struct callargs *a)
{
    struct str *s = b64_arg(vm, a, "decode");
    size_t n = s->len;
    for (size_t k = 0; k < 6 && n > 0 && s->b[n - 1] == '='; k++)
        n--;
    size_t outlen = n * 5 / 8;
    unsigned char *out = vm_alloc(vm, outlen + 5);
    uint64_t acc = 0;
    unsigned nbits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s->b[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        const char *pos = c ? strchr(b32_alphabet, c) : NULL;
        if (!pos)
            return v_none();
        acc = (acc << 5) | (uint64_t)(pos - b32_alphabet);
        nbits += 5;
        if (nbits >= 8) {
            nbits -= 8;
            if (o < outlen)
                out[o++] = (unsigned char)(acc >> nbits);
            acc &= (1u << nbits) - 1;
        }
    }
    if (!utf8_valid(out, o))
        return v_none();
    return v_str(str_new(vm, (const char *)out, o));
}

static const struct native_def b32_fns[] = {{"decode", b32_decode}, {"encode", b32_encode}};

const struct stdlib_module stdlib_mod_base32 = {"base32", b32_fns,
                                                sizeof b32_fns / sizeof b32_fns[0], NULL};
