/*
 * util.h - small helpers every layer uses: byte order access to wire
 * headers, address formatting for trace lines, min/max.
 *
 * Wire fields are read and written with get_be16/put_be16 and friends on
 * byte pointers, never by casting a frame to a struct: frames may be
 * misaligned and a learner should see exactly which bytes are read.
 */
#ifndef GLASS_UTIL_H
#define GLASS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GLASS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GLASS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define GLASS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* IPv4 addresses travel in network byte order; these copy them as bytes. */
static inline uint32_t get_addr(const uint8_t *p)
{
    uint32_t a;
    memcpy(&a, p, 4);
    return a;
}

static inline void put_addr(uint8_t *p, uint32_t a)
{
    memcpy(p, &a, 4);
}

/* Formatting for trace lines: the returned struct lives until the end of
 * the full expression, so  trace(..., "%s > %s", ip4s(a).s, ip4s(b).s)
 * is safe without caller buffers. */
struct ip4_str {
    char s[16];
};
struct mac_str {
    char s[18];
};
struct ip4_str ip4s(uint32_t addr_be);
struct mac_str macs(const uint8_t mac[6]);

/* Parsing for the command line and tests: 0 on success, -1 otherwise. */
int ip4_parse(const char *s, uint32_t *addr_be);
int ip4_prefix_parse(const char *s, uint32_t *addr_be, unsigned *prefix_len);
int mac_parse(const char *s, uint8_t mac[6]);

/* Network-order mask for a prefix length 0..32. */
static inline uint32_t ip4_mask(unsigned prefix_len)
{
    uint32_t m = prefix_len == 0 ? 0 : 0xffffffffu << (32 - prefix_len);
    uint8_t b[4];
    put_be32(b, m);
    return get_addr(b);
}

/* Address classes, RFC 1122 3.2.1.3 and RFC 5735. */
static inline bool ip4_is_multicast(uint32_t a)
{
    return (((const uint8_t *)&a)[0] & 0xf0) == 0xe0;
}
static inline bool ip4_is_limited_broadcast(uint32_t a)
{
    return a == 0xffffffffu;
}
static inline bool ip4_is_zeronet(uint32_t a)
{
    return ((const uint8_t *)&a)[0] == 0;
}
static inline bool ip4_is_loopback(uint32_t a)
{
    return ((const uint8_t *)&a)[0] == 127;
}
static inline bool ip4_is_class_e(uint32_t a)
{
    return (((const uint8_t *)&a)[0] & 0xf0) == 0xf0 && a != 0xffffffffu;
}

static inline bool mac_is_broadcast(const uint8_t *m)
{
    return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}
static inline bool mac_is_multicast(const uint8_t *m)
{
    return m[0] & 1; /* includes broadcast */
}
static inline bool mac_is_zero(const uint8_t *m)
{
    return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

#endif
