/* The wire walk: bounds the nesting of a request and checks its strings before protobuf-c
 * unpacks it (protobuf-c recurses once per nested message with no limit, and does not check
 * UTF-8; Go's decoder refuses both). */
#include "config.h"

#include "function/fn.h"

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

bool fn_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        unsigned cp = c & (0xff >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* Recursion is bounded by max_depth; each frame is small (the worker stacks are sized for it). */
static int walk(const ProtobufCMessageDescriptor *desc, const uint8_t *p, const uint8_t *end,
                unsigned depth, unsigned max_depth, const char **why)
{
    while (p < end) {
        uint64_t tag, n;
        if (varint(&p, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) {
            *why = "invalid field tag";
            return -1;
        }
        switch (tag & 7) {
        case 0:
            if (varint(&p, end, &n)) {
                *why = "truncated varint";
                return -1;
            }
            break;
        case 1:
            if (end - p < 8) {
                *why = "truncated fixed64";
                return -1;
            }
            p += 8;
            break;
        case 5:
            if (end - p < 4) {
                *why = "truncated fixed32";
                return -1;
            }
            p += 4;
            break;
        case 2: {
            if (varint(&p, end, &n) || n > (uint64_t)(end - p)) {
                *why = "truncated length-delimited field";
                return -1;
            }
            const ProtobufCFieldDescriptor *f =
                desc ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3)) : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (depth + 1 > max_depth) {
                    *why = "exceeded maximum recursion depth";
                    return -1;
                }
                if (walk(f->descriptor, p, p + n, depth + 1, max_depth, why))
                    return -1;
            } else if (f && f->type == PROTOBUF_C_TYPE_STRING) {
                if (!fn_utf8_valid((const char *)p, (size_t)n)) {
                    *why = "string field contains invalid UTF-8";
                    return -1;
                }
            }
            p += n;
            break;
        }
        default:
            *why = "unsupported wire type";
            return -1;
        }
    }
    return 0;
}

int fn_wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                  unsigned max_depth, const char **why)
{
    *why = NULL;
    return walk(desc, data, data + len, 1, max_depth, why);
}
