/* The crypto system module (spec §5.2): hex digests (libcrypto EVP; BLAKE3, which libcrypto
 * lacks, written out from its specification), uuid() v4 and file digests. */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

/* {===== BLAKE3 (unkeyed hash, 32-byte output), one-shot over a buffer */

enum {
    B3_BLOCK_LEN = 64,
    B3_CHUNK_LEN = 1024,
    B3_CHUNK_START = 1,
    B3_CHUNK_END = 2,
    B3_PARENT = 4,
    B3_ROOT = 8,
};

static const uint32_t b3_iv[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                                  0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};
static const uint8_t b3_perm[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

static uint32_t b3_rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void b3_g(uint32_t *s, int a, int b, int c, int d, uint32_t mx, uint32_t my)
{
    s[a] = s[a] + s[b] + mx;
    s[d] = b3_rotr(s[d] ^ s[a], 16);
    s[c] = s[c] + s[d];
    s[b] = b3_rotr(s[b] ^ s[c], 12);
    s[a] = s[a] + s[b] + my;
    s[d] = b3_rotr(s[d] ^ s[a], 8);
    s[c] = s[c] + s[d];
    s[b] = b3_rotr(s[b] ^ s[c], 7);
}

/* The compression function; 'out' receives the first 8 words (a chaining value). */
static void b3_compress(const uint32_t cv[8], const uint32_t block[16], uint64_t counter,
                        uint32_t len, uint32_t flags, uint32_t out[8])
{
    uint32_t s[16] = {cv[0],
                      cv[1],
                      cv[2],
                      cv[3],
                      cv[4],
                      cv[5],
                      cv[6],
                      cv[7],
                      b3_iv[0],
                      b3_iv[1],
                      b3_iv[2],
                      b3_iv[3],
                      (uint32_t)counter,
                      (uint32_t)(counter >> 32),
                      len,
                      flags};
    uint32_t m[16], t[16];
    memcpy(m, block, sizeof m);
    for (int r = 0; r < 7; r++) {
        b3_g(s, 0, 4, 8, 12, m[0], m[1]);
        b3_g(s, 1, 5, 9, 13, m[2], m[3]);
        b3_g(s, 2, 6, 10, 14, m[4], m[5]);
        b3_g(s, 3, 7, 11, 15, m[6], m[7]);
        b3_g(s, 0, 5, 10, 15, m[8], m[9]);
        b3_g(s, 1, 6, 11, 12, m[10], m[11]);
        b3_g(s, 2, 7, 8, 13, m[12], m[13]);
        b3_g(s, 3, 4, 9, 14, m[14], m[15]);
        for (int k = 0; k < 16; k++)
            t[k] = m[b3_perm[k]];
        memcpy(m, t, sizeof m);
    }
    for (int k = 0; k < 8; k++)
        out[k] = s[k] ^ s[k + 8];
}

static void b3_words(const unsigned char *p, size_t n, uint32_t w[16])
{
    unsigned char buf[B3_BLOCK_LEN] = {0};
    memcpy(buf, p, n);
    for (int k = 0; k < 16; k++)
        w[k] = (uint32_t)buf[4 * k] | (uint32_t)buf[4 * k + 1] << 8 |
               (uint32_t)buf[4 * k + 2] << 16 | (uint32_t)buf[4 * k + 3] << 24;
}

/* The last block of a chunk or a parent node, kept until we know whether it is the root. */
struct b3_output {
    uint32_t cv[8], block[16], len, flags;
    uint64_t counter;
};

/* Compresses all but the last block of chunk 'index'; returns that last block. */
static struct b3_output b3_chunk(const unsigned char *p, size_t n, uint64_t index)
{
    struct b3_output o;
    memcpy(o.cv, b3_iv, sizeof o.cv);
    uint32_t flags = B3_CHUNK_START;
    while (n > B3_BLOCK_LEN) {
        uint32_t w[16];
        b3_words(p, B3_BLOCK_LEN, w);
        b3_compress(o.cv, w, index, B3_BLOCK_LEN, flags, o.cv);
        flags = 0;
        p += B3_BLOCK_LEN;
        n -= B3_BLOCK_LEN;
    }
    b3_words(p, n, o.block);
    o.len = (uint32_t)n;
    o.flags = flags | B3_CHUNK_END;
    o.counter = index;
    return o;
}

static struct b3_output b3_parent(const uint32_t left[8], const uint32_t right[8])
{
    struct b3_output o;
    memcpy(o.cv, b3_iv, sizeof o.cv);
    memcpy(o.block, left, 8 * sizeof *left);
    memcpy(o.block + 8, right, 8 * sizeof *right);
    o.len = B3_BLOCK_LEN;
    o.flags = B3_PARENT;
    o.counter = 0;
    return o;
}

static void b3_cv(const struct b3_output *o, uint32_t out[8])
{
    b3_compress(o->cv, o->block, o->counter, o->len, o->flags, out);
}

static void b3_hash(const unsigned char *p, size_t n, unsigned char digest[32])
{
    uint32_t stack[64][8]; /* one chaining value per level: enough for 2^64 chunks */
    size_t depth = 0;
    uint64_t chunks = 0;
    while (n > B3_CHUNK_LEN) { /* every chunk but the last */
        struct b3_output o = b3_chunk(p, B3_CHUNK_LEN, chunks);
        uint32_t cv[8];
        b3_cv(&o, cv);
        p += B3_CHUNK_LEN;
        n -= B3_CHUNK_LEN;
        /* merge completed subtrees: one merge per trailing zero bit of the chunk count */
        for (uint64_t total = ++chunks; (total & 1) == 0; total >>= 1) {
            struct b3_output par = b3_parent(stack[--depth], cv);
            b3_cv(&par, cv);
        }
        memcpy(stack[depth++], cv, sizeof cv);
    }
    struct b3_output o = b3_chunk(p, n, chunks);
    while (depth > 0) {
        uint32_t cv[8];
        b3_cv(&o, cv);
        o = b3_parent(stack[--depth], cv);
    }
    uint32_t out[8];
    b3_compress(o.cv, o.block, 0, o.len, o.flags | B3_ROOT, out);
    for (int k = 0; k < 8; k++)
        for (int j = 0; j < 4; j++)
            digest[4 * k + j] = (unsigned char)(out[k] >> (8 * j));
}

/* {===== digests */

enum { HASH_MD5, HASH_SHA1, HASH_SHA224, HASH_SHA256, HASH_SHA384, HASH_SHA512, HASH_BLAKE3 };

static struct str *crypto_hex(struct vm *vm, const unsigned char *d, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *buf = vm_alloc(vm, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hex[d[i] >> 4];
        buf[2 * i + 1] = hex[d[i] & 15];
    }
    return str_new(vm, buf, 2 * n);
}

static struct str *crypto_digest(struct vm *vm, int alg, const void *data, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (alg == HASH_BLAKE3) {
        b3_hash(data, n, md);
        return crypto_hex(vm, md, 32);
    }
    const EVP_MD *type = alg == HASH_MD5      ? EVP_md5()
                         : alg == HASH_SHA1   ? EVP_sha1()
                         : alg == HASH_SHA224 ? EVP_sha224()
                         : alg == HASH_SHA256 ? EVP_sha256()
                         : alg == HASH_SHA384 ? EVP_sha384()
                                              : EVP_sha512();
    if (!EVP_Digest(data, n, md, &len, type, NULL))
        vm_raise(vm, "digest computation failed");
    return crypto_hex(vm, md, len);
}

/* digest(value: str, encoding: str = "utf-8"); strings are UTF-8 already. */
static struct value crypto_text(struct vm *vm, const struct callargs *a, const char *fname, int alg)
{
    arg_count(vm, a, fname, 1, 2);
    struct value v;
    if (!arg_get(vm, a, 0, "value", &v))
        vm_raise(vm, "%s() missing 1 required positional argument: 'value'", fname);
    struct str *s = arg_str(vm, v, "argument 'value'");
    struct value enc;
    if (arg_get(vm, a, 1, "encoding", &enc) && !v_is_null(enc)) {
        struct str *e = arg_str(vm, enc, "argument 'encoding'");
        char low[16];
        size_t k = 0;
        for (; k < e->len && k < sizeof low - 1; k++)
            low[k] = (char)(e->b[k] >= 'A' && e->b[k] <= 'Z' ? e->b[k] - 'A' + 'a' : e->b[k]);
        low[k] = '\0';
        if (e->len >= sizeof low || (strcmp(low, "utf-8") && strcmp(low, "utf8")))
            vm_raise(vm, "unknown encoding %s", e->b);
    }
    return v_str(crypto_digest(vm, alg, s->b, s->len));
}

static struct value crypto_md5(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "md5", HASH_MD5);
}
static struct value crypto_sha1(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "sha1", HASH_SHA1);
}
static struct value crypto_sha224(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "sha224", HASH_SHA224);
}
static struct value crypto_sha256(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "sha256", HASH_SHA256);
}
static struct value crypto_sha384(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "sha384", HASH_SHA384);
}
static struct value crypto_sha512(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "sha512", HASH_SHA512);
}
static struct value crypto_blake3(struct vm *vm, const struct callargs *a)
{
    return crypto_text(vm, a, "blake3", HASH_BLAKE3);
}

/* A random (version 4) UUID in its 36-character lowercase form. */
static struct value crypto_uuid(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "uuid", 0, 0);
    unsigned char u[16];
    if (RAND_bytes(u, sizeof u) != 1)
        vm_raise(vm, "uuid(): no random bytes available");
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);
    char buf[37];
    snprintf(buf, sizeof buf,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    return v_str(str_new(vm, buf, 36));
}

/* Digest of a file's bytes; the file is read into the arena and closed before raising. */
static struct value crypto_file(struct vm *vm, const struct callargs *a, const char *fname, int alg)
{
    arg_count(vm, a, fname, 1, 1);
    struct value v;
    if (!arg_get(vm, a, 0, "filepath", &v))
        vm_raise(vm, "%s() missing 1 required positional argument: 'filepath'", fname);
    struct str *path = arg_str(vm, v, "argument 'filepath'");
    FILE *f = fopen(path->b, "rb");
    if (!f) {
        int e = errno;
        vm_raise(vm, "failed to access file '%s': %s (os error %d)", path->b, strerror(e), e);
    }
    size_t n = 0, cap = 0;
    unsigned char *buf = NULL;
    int err = 0;
    bool oom = false;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *nb = arena_realloc(vm->arena, buf, cap, ncap);
            if (!nb) {
                oom = true;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (oom)
        vm_raise(vm, "out of memory");
    if (err)
        vm_raise(vm, "failed to read file '%s': %s (os error %d)", path->b, strerror(err), err);
    return v_str(crypto_digest(vm, alg, buf ? (const void *)buf : "", n));
}

static struct value crypto_filesha256(struct vm *vm, const struct callargs *a)
{
    return crypto_file(vm, a, "filesha256", HASH_SHA256);
}
static struct value crypto_filesha512(struct vm *vm, const struct callargs *a)
{
    return crypto_file(vm, a, "filesha512", HASH_SHA512);
}
static struct value crypto_fileblake3(struct vm *vm, const struct callargs *a)
{
    return crypto_file(vm, a, "fileblake3", HASH_BLAKE3);
}

static const struct native_def crypto_fns[] = {
    {"blake3", crypto_blake3},
    {"fileblake3", crypto_fileblake3},
    {"filesha256", crypto_filesha256},
    {"filesha512", crypto_filesha512},
    {"md5", crypto_md5},
    {"sha1", crypto_sha1},
    {"sha224", crypto_sha224},
    {"sha256", crypto_sha256},
    {"sha384", crypto_sha384},
    {"sha512", crypto_sha512},
    {"uuid", crypto_uuid},
};

const struct stdlib_module stdlib_mod_crypto = {"crypto", crypto_fns,
                                                sizeof crypto_fns / sizeof crypto_fns[0], NULL};
