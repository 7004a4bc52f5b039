/* The net system module (spec §5.2): host:port strings, IP address parsing, formatting and
 * classification, and CIDR arithmetic (parse, membership, subnets, hosts, netmasks). */
#include "config.h"

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stdlib/stdlib.h"

/* {===== addresses */

/* An address: IPv4 in b[0..4), IPv6 in b[0..16), big-endian. */
struct net_ip {
    int v6;
    unsigned char b[16];
};

/* Strict parsing like Rust's std::net (dotted quads without leading zeros, RFC 4291). */
static bool net_parse_ip(const char *s, struct net_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, s, ip->b) == 1)
        return true;
    if (inet_pton(AF_INET6, s, ip->b) == 1) {
        ip->v6 = 1;
        return true;
    }
    return false;
}

static bool net_v4_mapped(const struct net_ip *ip)
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return ip->v6 && !memcmp(ip->b, prefix, 12);
}

/* Canonical text as Rust prints it: IPv6 in lowercase hex with the first longest run of
 * two or more zero groups as "::", IPv4-mapped addresses as ::ffff:a.b.c.d. */
static void net_format(const struct net_ip *ip, char *out, size_t n)
{
    if (!ip->v6) {
        snprintf(out, n, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2], ip->b[3]);
        return;
    }
    if (net_v4_mapped(ip)) {
        snprintf(out, n, "::ffff:%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14], ip->b[15]);
        return;
    }
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip->b[2 * i] << 8 | ip->b[2 * i + 1];
    int best = -1, bestlen = 0;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    if (bestlen < 2)
        best = -1;
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < 8 && k < n; i++) {
        if (i == best) {
            k += (size_t)snprintf(out + k, n - k, "::");
            i += bestlen - 1;
            continue;
        }
        bool sep = i > 0 && i != best + bestlen;
        k += (size_t)snprintf(out + k, n - k, "%s%x", sep ? ":" : "", g[i]);
    }
}

static struct value net_ip_str(struct vm *vm, const struct net_ip *ip)
{
    char buf[64];
    net_format(ip, buf, sizeof buf);
    return v_str(str_cstr(vm, buf));
}

/* {===== arguments */

static struct value net_need(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                             const char *fname)
{
    struct value v;
    if (!arg_get(vm, a, i, name, &v))
        vm_raise(vm, "%s() missing required positional argument: '%s'", fname, name);
    return v;
}

static const char *net_str(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                           const char *fname)
{
    struct value v = net_need(vm, a, i, name, fname);
    if (v.tag != V_STR)
        vm_type_error(vm, "%s() argument '%s' must be str, not '%s'", fname, name, v_type_name(v));
    return v.as.s->b;
}

static int64_t net_int(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                       const char *fname)
{
    struct value v = net_need(vm, a, i, name, fname);
    if (v.tag != V_INT)
        vm_type_error(vm, "%s() argument '%s' must be int, not '%s'", fname, name, v_type_name(v));
    return v.as.i;
}

/* {===== host and port */

static struct value net_pair(struct vm *vm, const char *h, size_t hn, const char *p, size_t pn)
{
    struct list *l = list_new(vm, 2);
    list_push(vm, l, v_str(str_new(vm, h, hn)));
    list_push(vm, l, v_str(str_new(vm, p, pn)));
    return v_list(l);
}

/* split_host_port("host:port" | "[host]:port") -> [host, port], with KCL's (Go's) errors. */
static struct value net_split_host_port(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "split_host_port", 1, 1);
    const char *s = net_str(vm, a, 0, "ip_end_point", "split_host_port");
    size_t len = strlen(s);
    const char *colon = strrchr(s, ':');
    if (!colon)
        vm_raise(vm, "ip_end_point \"%s\" missing port", s);
    size_t hlen = (size_t)(colon - s);
    const char *port = colon + 1;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            vm_raise(vm, "ip_end_point \"%s\" missing ']'", s);
        size_t end = (size_t)(close - s);
        if (end > hlen || close[1] != ':')
            vm_raise(vm, "ip_end_point \"%s\" missing port", s);
        if (end < hlen - 1)
            vm_raise(vm, "ip_end_point \"%s\" too many colons", s);
        if (strchr(s + 1, '['))
            vm_raise(vm, "ip_end_point \"%s\" unexpected '['", s);
        if (strchr(port, ']'))
            vm_raise(vm, "ip_end_point \"%s\" unexpected ']'", s);
        return net_pair(vm, s + 1, end - 1, port, len - hlen - 1);
    }
    if (memchr(s, ':', hlen))
        vm_raise(vm, "ip_end_point \"%s\" too many colons", s);
    if (len > 0 && strchr(s + 1, '['))
        vm_raise(vm, "ip_end_point \"%s\" unexpected '['", s);
    if (strchr(s, ']'))
        vm_raise(vm, "ip_end_point \"%s\" unexpected ']'", s);
    return net_pair(vm, s, hlen, port, len - hlen - 1);
}

static struct value net_join_host_port(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "join_host_port", 2, 2);
    struct value host = net_need(vm, a, 0, "host", "join_host_port");
    struct value port = net_need(vm, a, 1, "port", "join_host_port");
    struct str *h = v_to_str(vm, host);
    struct str *p = v_to_str(vm, port);
    if (memchr(h->b, ':', h->len))
        return v_str(str_fmt(vm, "[%s]:%s", h->b, p->b));
    return v_str(str_fmt(vm, "%s:%s", h->b, p->b));
}

/* fqdn(name='') -> the name of the first address of 'name' (default: this host's name) by
 * reverse lookup, else the name itself. The resolver's list is freed before returning. */
static struct value net_fqdn(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "fqdn", 0, 1);
    char host[256] = "";
    struct value v;
    if (arg_get(vm, a, 0, "name", &v) && !v_is_null(v))
        snprintf(host, sizeof host, "%s", arg_str(vm, v, "argument 'name'")->b);
    if (!host[0] && gethostname(host, sizeof host - 1) != 0)
        return v_str(str_new(vm, "", 0));
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    char name[NI_MAXHOST] = "";
    if (getaddrinfo(host, NULL, &hints, &res) == 0 && res) {
        if (getnameinfo(res->ai_addr, res->ai_addrlen, name, sizeof name, NULL, 0, NI_NAMEREQD))
            name[0] = '\0';
        freeaddrinfo(res);
    }
    return v_str(str_cstr(vm, name[0] ? name : host));
}

/* {===== parsing and formatting */

/* parse_IP(ip) / IP_string(ip): canonical text, or "" when 'ip' is not an address. */
static struct value net_parse_IP(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "parse_IP", 1, 1);
    struct net_ip ip;
    if (!net_parse_ip(net_str(vm, a, 0, "ip", "parse_IP"), &ip))
        return v_str(str_new(vm, "", 0));
    return net_ip_str(vm, &ip);
}

/* to_IP4(ip): an IPv4 address, also out of an IPv4-mapped IPv6 one; else "". */
static struct value net_to_IP4(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "to_IP4", 1, 1);
    struct net_ip ip;
    if (!net_parse_ip(net_str(vm, a, 0, "ip", "to_IP4"), &ip))
        return v_str(str_new(vm, "", 0));
    if (net_v4_mapped(&ip)) {
        memmove(ip.b, ip.b + 12, 4);
        ip.v6 = 0;
    }
    if (ip.v6)
        return v_str(str_new(vm, "", 0));
    return net_ip_str(vm, &ip);
}

/* to_IP6(ip): an IPv6 address; IPv4 addresses become IPv4-mapped ones. "" when invalid. */
static struct value net_to_IP6(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "to_IP6", 1, 1);
    struct net_ip ip;
    if (!net_parse_ip(net_str(vm, a, 0, "ip", "to_IP6"), &ip))
        return v_str(str_new(vm, "", 0));
    if (!ip.v6) {
        memmove(ip.b + 12, ip.b, 4);
        memset(ip.b, 0, 10);
        ip.b[10] = ip.b[11] = 0xff;
        ip.v6 = 1;
    }
    return net_ip_str(vm, &ip);
}

/* {===== classification: false for anything that is not an address */

enum {
    IPK_ANY,
    IPK_V4,
    IPK_V6,
    IPK_LOOPBACK,
    IPK_MULTICAST,
    IPK_IFACE_MCAST,
    IPK_LINK_MCAST,
    IPK_LINK_UNICAST,
    IPK_GLOBAL_UNICAST,
    IPK_UNSPECIFIED,
};

static bool net_zero(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Rust's Ipv4Addr::is_global (which KCL uses for IPv4 global unicast). */
static bool net_v4_global(const unsigned char *b)
{
    uint32_t x = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (x == 0xc0000009 || x == 0xc000000a)
        return true;
    bool private_ =
        b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168);
    bool documentation = (b[0] == 192 && b[1] == 0 && b[2] == 2) ||
                         (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
                         (b[0] == 203 && b[1] == 0 && b[2] == 113);
    bool broadcast = x == 0xffffffff;
    return !private_ && b[0] != 127 && !(b[0] == 169 && b[1] == 254) && !broadcast &&
           !documentation && !(b[0] == 100 && (b[1] & 0xc0) == 0x40) &&
           !(b[0] == 192 && b[1] == 0 && b[2] == 0) && !((b[0] & 240) == 240 && !broadcast) &&
           !(b[0] == 198 && (b[1] & 0xfe) == 18) && b[0] != 0;
}

static bool net_classify(const struct net_ip *ip, int kind)
{
    const unsigned char *b = ip->b;
    if (!ip->v6) {
        bool mcast = (b[0] & 0xf0) == 224;
        switch (kind) {
        case IPK_ANY:
        case IPK_V4:
            return true;
        case IPK_LOOPBACK:
            return b[0] == 127;
        case IPK_MULTICAST:
            return mcast;
        case IPK_LINK_MCAST:
            return b[0] == 224 && b[1] == 0 && b[2] == 0;
        case IPK_LINK_UNICAST:
            return b[0] == 169 && b[1] == 254;
        case IPK_GLOBAL_UNICAST:
            return net_v4_global(b) && !mcast;
        case IPK_UNSPECIFIED:
            return net_zero(b, 4);
        default: /* IPK_V6, IPK_IFACE_MCAST (an IPv6 notion) */
            return false;
        }
    }
    bool mcast = b[0] == 0xff;
    bool loopback = net_zero(b, 15) && b[15] == 1;
    bool link_unicast = b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
    switch (kind) {
    case IPK_ANY:
    case IPK_V6:
        return true;
    case IPK_LOOPBACK:
        return loopback;
    case IPK_MULTICAST:
        return mcast;
    case IPK_IFACE_MCAST:
        return mcast && (b[1] & 0x0f) == 0x01;
    case IPK_LINK_MCAST:
        return mcast && (b[1] & 0x0f) == 0x02;
    case IPK_LINK_UNICAST:
        return link_unicast;
    case IPK_GLOBAL_UNICAST:
        return !net_zero(b, 16) && !loopback && !mcast && !link_unicast;
    case IPK_UNSPECIFIED:
        return net_zero(b, 16);
    default:
        return false;
    }
}

static struct value net_is(struct vm *vm, const struct callargs *a, const char *fname, int kind)
{
    arg_count(vm, a, fname, 1, 1);
    struct net_ip ip;
    return v_bool(net_parse_ip(net_str(vm, a, 0, "ip", fname), &ip) && net_classify(&ip, kind));
}

#define NET_IS(fn, kind)                                                                           \
    static struct value net_##fn(struct vm *vm, const struct callargs *a)                          \
    {                                                                                              \
        return net_is(vm, a, #fn, kind);                                                           \
    }
NET_IS(is_IP, IPK_ANY)
NET_IS(is_IPv4, IPK_V4)
NET_IS(is_IPv6, IPK_V6)
NET_IS(is_loopback_IP, IPK_LOOPBACK)
NET_IS(is_multicast_IP, IPK_MULTICAST)
NET_IS(is_interface_local_multicast_IP, IPK_IFACE_MCAST)
NET_IS(is_link_local_multicast_IP, IPK_LINK_MCAST)
NET_IS(is_link_local_unicast_IP, IPK_LINK_UNICAST)
NET_IS(is_global_unicast_IP, IPK_GLOBAL_UNICAST)
NET_IS(is_unspecified_IP, IPK_UNSPECIFIED)

/* {===== CIDR */

struct net_cidr {
    struct net_ip ip; /* the first address */
    int len;          /* prefix length */
};

static int net_bits(const struct net_ip *ip)
{
    return ip->v6 ? 128 : 32;
}

/* Bit i (0 = most significant) of an address. */
static int net_bit(const struct net_ip *ip, int i)
{
    return (ip->b[i / 8] >> (7 - i % 8)) & 1;
}

/* "addr/len" with no host bits set, or a bare address (a full-length prefix). */
static bool net_parse_cidr(const char *s, struct net_cidr *c)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen >= sizeof buf)
        return false;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (!net_parse_ip(buf, &c->ip))
        return false;
    int bits = net_bits(&c->ip);
    if (!slash) {
        c->len = bits;
        return true;
    }
    const char *p = slash + 1;
    if (*p == '+') /* Rust's u8::from_str takes a '+' */
        p++;
    if (!*p)
        return false;
    int len = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || len > 255)
            return false;
        len = len * 10 + (*p - '0');
    }
    if (len > bits)
        return false;
    for (int i = len; i < bits; i++)
        if (net_bit(&c->ip, i))
            return false;
    c->len = len;
    return true;
}

static struct net_cidr net_cidr_arg(struct vm *vm, const struct callargs *a, const char *fname)
{
    const char *s = net_str(vm, a, 0, "cidr", fname);
    struct net_cidr c;
    if (!net_parse_cidr(s, &c))
        vm_raise(vm, "%s() invalid cidr: couldn't parse address in network: %s", fname, s);
    return c;
}

/* ip += v << shift (shift counted from the least significant bit), modulo the family size. */
static void net_add_shifted(struct net_ip *ip, uint64_t v, int shift)
{
    int nbytes = ip->v6 ? 16 : 4;
    unsigned carry = 0;
    for (int k = 0; k < nbytes; k++) { /* byte k from the least significant end */
        int lo = 8 * k - shift;        /* bit of 'v' that lands on this byte's bit 0 */
        unsigned part = 0;
        if (lo > -8 && lo < 64)
            part = (unsigned)((lo >= 0 ? v >> lo : v << -lo) & 0xff);
        unsigned sum = ip->b[nbytes - 1 - k] + part + carry;
        ip->b[nbytes - 1 - k] = (unsigned char)sum;
        carry = sum >> 8;
    }
}

/* ip -= m, modulo the family size. */
static void net_sub(struct net_ip *ip, uint64_t m)
{
    int nbytes = ip->v6 ? 16 : 4;
    int borrow = 0;
    for (int k = 0; k < nbytes; k++) {
        int part = k < 8 ? (int)((m >> (8 * k)) & 0xff) : 0;
        int d = (int)ip->b[nbytes - 1 - k] - part - borrow;
        borrow = d < 0;
        ip->b[nbytes - 1 - k] = (unsigned char)(d + (borrow ? 256 : 0));
    }
}

static struct value net_parse_CIDR(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "parse_CIDR", 1, 1);
    struct net_cidr c;
    struct dict *d = dict_new(vm, 2);
    if (net_parse_cidr(net_str(vm, a, 0, "cidr", "parse_CIDR"), &c)) {
        dict_set(vm, d, str_cstr(vm, "ip"), net_ip_str(vm, &c.ip));
        dict_set(vm, d, str_cstr(vm, "mask"), v_int(c.len));
    }
    return v_dict(d);
}

static struct value net_is_IP_in_CIDR(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "is_IP_in_CIDR", 2, 2);
    const char *s = net_str(vm, a, 0, "ip", "is_IP_in_CIDR");
    struct net_ip ip;
    if (!net_parse_ip(s, &ip))
        vm_raise(vm, "is_IP_in_CIDR() invalid ip: invalid IP address syntax");
    const char *cs = net_str(vm, a, 1, "cidr", "is_IP_in_CIDR");
    struct net_cidr c;
    if (!net_parse_cidr(cs, &c))
        vm_raise(vm, "is_IP_in_CIDR() invalid cidr: couldn't parse address in network: %s", cs);
    if (c.ip.v6 && !ip.v6) { /* an IPv4 address is looked up as IPv4-mapped */
        memmove(ip.b + 12, ip.b, 4);
        memset(ip.b, 0, 10);
        ip.b[10] = ip.b[11] = 0xff;
        ip.v6 = 1;
    }
    if (c.ip.v6 != ip.v6)
        return v_bool(false);
    for (int i = 0; i < c.len; i++)
        if (net_bit(&ip, i) != net_bit(&c.ip, i))
            return v_bool(false);
    return v_bool(true);
}

/* The net_num-th subnet of 'c' with 'add' more prefix bits; false with 'err' on failure. */
static bool net_allocate(const struct net_cidr *c, int64_t add, int64_t net_num, char *out,
                         size_t n, char *err, size_t errlen)
{
    int bits = net_bits(&c->ip);
    int64_t len = c->len + add;
    if (len > bits) {
        snprintf(err, errlen,
                 "invalid additional_bits: would extend network length to %lld bits, which is "
                 "too long for %s",
                 (long long)len, c->ip.v6 ? "IPv6" : "IPv4");
        return false;
    }
    if (add < 63 && net_num >= ((int64_t)1 << add)) {
        snprintf(err, errlen, "additional_bits of %lld does not accommodate a net_num of %lld",
                 (long long)add, (long long)net_num);
        return false;
    }
    struct net_ip ip = c->ip;
    if (len > 0)
        net_add_shifted(&ip, (uint64_t)net_num, bits - (int)len);
    char addr[64];
    net_format(&ip, addr, sizeof addr);
    snprintf(out, n, "%s/%lld", addr, (long long)len);
    return true;
}

static struct value net_CIDR_subnet(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "CIDR_subnet", 3, 3);
    struct net_cidr c = net_cidr_arg(vm, a, "CIDR_subnet");
    int64_t add = net_int(vm, a, 1, "additional_bits", "CIDR_subnet");
    if (add < 0)
        vm_raise(vm, "CIDR_subnet() invalid additional_bits: cannot be negative");
    int64_t num = net_int(vm, a, 2, "net_num", "CIDR_subnet");
    if (num < 0)
        vm_raise(vm, "CIDR_subnet() invalid net_num: cannot be negative");
    char out[100], err[160];
    if (!net_allocate(&c, add, num, out, sizeof out, err, sizeof err))
        vm_raise(vm, "CIDR_subnet() %s", err);
    return v_str(str_cstr(vm, out));
}

/* Consecutive non-overlapping subnets with the given extra prefix bits, each at the lowest
 * free position (Terraform's cidrsubnets). */
static struct value net_CIDR_subnets(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "CIDR_subnets", 2, 2);
    struct net_cidr c = net_cidr_arg(vm, a, "CIDR_subnets");
    struct value lv = net_need(vm, a, 1, "additional_bits", "CIDR_subnets");
    if (lv.tag != V_LIST)
        vm_type_error(vm, "CIDR_subnets() argument 'additional_bits' must be list, not '%s'",
                      v_type_name(lv));
    const struct list *l = lv.as.l;
    int64_t *bits = vm_alloc(vm, (l->n + 1) * sizeof *bits);
    int64_t *nums = vm_alloc(vm, (l->n + 1) * sizeof *nums);
    for (uint32_t i = 0; i < l->n; i++) {
        if (l->v[i].tag != V_INT)
            vm_type_error(vm, "CIDR_subnets() additional_bits must be ints, got '%s'",
                          v_type_name(l->v[i]));
        int64_t b = l->v[i].as.i, nb = c.len + b;
        if (b < 0)
            vm_raise(vm, "CIDR_subnets() invalid additional_bits: cannot be negative");
        if (!c.ip.v6 && nb > 32)
            vm_raise(vm,
                     "CIDR_subnets() invalid additional_bits: would extend network length to "
                     "%lld bits, which is too long for IPv4",
                     (long long)nb);
        if (c.ip.v6 && b > 63)
            vm_raise(vm, "CIDR_subnets() invalid additional_bits: cannot extend more than 63 bits");
        if (c.ip.v6 && nb > 128)
            vm_raise(vm,
                     "CIDR_subnets() invalid additional_bits: would extend network length to "
                     "%lld bits, which is too long for IPv6",
                     (long long)nb);
        bits[i] = b;
        int64_t num = 0;
        for (bool again = true; again;) {
            again = false;
            for (uint32_t k = 0; k < i; k++) {
                int64_t an = nums[k], ab = bits[k];
                if (ab > b) {
                    an >>= ab - b;
                    ab = b;
                }
                if (ab < b)
                    an <<= b - ab;
                if (an == num) {
                    num += (int64_t)1 << (b - ab);
                    again = true;
                }
            }
        }
        nums[i] = num;
    }
    struct list *out = list_new(vm, l->n);
    for (uint32_t i = 0; i < l->n; i++) {
        char buf[100], err[160];
        if (bits[i] < 64 && (uint64_t)nums[i] >= ((uint64_t)1 << bits[i])) {
            if (i == 0)
                vm_raise(vm, "CIDR_subnets() not enough remaining address space");
            vm_raise(vm,
                     "CIDR_subnets() not enough remaining address space for a subnet with a "
                     "prefix of %lld bits after %s",
                     (long long)(c.len + bits[i]), out->v[i - 1].as.s->b);
        }
        if (!net_allocate(&c, bits[i], nums[i], buf, sizeof buf, err, sizeof err))
            vm_raise(vm, "CIDR_subnets %s", err);
        list_push(vm, out, v_str(str_cstr(vm, buf)));
    }
    return v_list(out);
}

/* The host_num-th address of the prefix (negative: from the end, -1 the last). */
static struct value net_CIDR_host(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "CIDR_host", 2, 2);
    struct net_cidr c = net_cidr_arg(vm, a, "CIDR_host");
    int64_t host = net_int(vm, a, 1, "host_num", "CIDR_host");
    int bits = net_bits(&c.ip), host_len = bits - c.len;
    uint64_t mag = host < 0 ? (uint64_t)(-(host + 1)) : (uint64_t)host;
    if (host_len < 64 && ((uint64_t)1 << host_len) <= mag)
        vm_raise(vm, "CIDR_host() prefix of %d does not accommodate a host numbered %lld", c.len,
                 (long long)host);
    struct net_ip ip = c.ip;
    if (host >= 0) {
        net_add_shifted(&ip, (uint64_t)host, 0);
    } else { /* first + 2^host_len - |host|, modulo the family size */
        if (host_len < bits)
            net_add_shifted(&ip, 1, host_len);
        net_sub(&ip, mag + 1);
    }
    return net_ip_str(vm, &ip);
}

static struct value net_CIDR_netmask(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "CIDR_netmask", 1, 1);
    struct net_cidr c = net_cidr_arg(vm, a, "CIDR_netmask");
    if (c.ip.v6)
        vm_raise(vm, "CIDR_netmask() IPv6 addresses cannot have a netmask");
    struct net_ip m = {0, {0}};
    for (int i = 0; i < c.len; i++)
        m.b[i / 8] |= (unsigned char)(0x80 >> (i % 8));
    return net_ip_str(vm, &m);
}

static const struct native_def net_fns[] = {
    {"CIDR_host", net_CIDR_host},
    {"CIDR_netmask", net_CIDR_netmask},
    {"CIDR_subnet", net_CIDR_subnet},
    {"CIDR_subnets", net_CIDR_subnets},
    {"IP_string", net_parse_IP},
    {"fqdn", net_fqdn},
    {"is_IP", net_is_IP},
    {"is_IPv4", net_is_IPv4},
    {"is_IPv6", net_is_IPv6},
    {"is_IP_in_CIDR", net_is_IP_in_CIDR},
    {"is_global_unicast_IP", net_is_global_unicast_IP},
    {"is_interface_local_multicast_IP", net_is_interface_local_multicast_IP},
    {"is_link_local_multicast_IP", net_is_link_local_multicast_IP},
    {"is_link_local_unicast_IP", net_is_link_local_unicast_IP},
    {"is_loopback_IP", net_is_loopback_IP},
    {"is_multicast_IP", net_is_multicast_IP},
    {"is_unspecified_IP", net_is_unspecified_IP},
    {"join_host_port", net_join_host_port},
    {"parse_CIDR", net_parse_CIDR},
    {"parse_IP", net_parse_IP},
    {"split_host_port", net_split_host_port},
    {"to_IP16", net_parse_IP},
    {"to_IP4", net_to_IP4},
    {"to_IP6", net_to_IP6},
};

const struct stdlib_module stdlib_mod_net = {"net", net_fns, sizeof net_fns / sizeof net_fns[0],
                                             NULL};
