/*
 * checksum.c - RFC 1071 Internet checksum, word at a time.
 *
 * RFC 1071 2(B) "byte order independence": the one's complement sum of
 * 16-bit words comes out the same whichever byte order the words are read
 * in, up to a swap of the two bytes of the result.  So the data is read
 * in native order, eight bytes per load, and swapped once at the end on
 * a little-endian machine.  RFC 1071 2(C) "parallel summation": the
 * 64-bit words are summed as two 32-bit halves into 64-bit accumulators
 * that cannot overflow for any frame (2^13 halves of < 2^32 each), and
 * the carries are folded once at the end (2(B) "deferred carries").
 *
 * Word loads go through memcpy, so any alignment of the data is fine;
 * what matters for the sum is the offset of each byte from the start of
 * the data (even: high byte of a big-endian word), not its address.
 */
#include "checksum.h"

#include <string.h>

#include "util.h"

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint16_t load16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Fold a native-order partial sum to 16 bits (end-around carries) and
 * turn it into the big-endian (network order) sum RFC 1071 defines.
 * A non-zero sum stays non-zero, so csum_finish() tells "all zero data"
 * from "sums to 0xffff" exactly as the byte-wise definition does. */
static inline uint32_t fold_to_be16(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffffffu) + (acc >> 32);
    uint32_t s = (uint32_t)acc;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    s = ((s & 0xff) << 8) | (s >> 8);
#endif
    return s;
}

/* The last 0..7 bytes (callers take 8 at a time before), at an even offset from the start of the data. */
static inline uint64_t sum_tail(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    if (len >= 4) {
        acc += load32(p);
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        acc += load16(p);
        p += 2;
        len -= 2;
    }
    if (len) {
        /* An odd last byte is the high byte of a word padded with zero
         * on the right (RFC 1071 4.1): in native order that is the low
         * byte on a little-endian machine. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        acc += p[0];
#else
        acc += (uint32_t)p[0] << 8;
#endif
    }
    return acc;
}

/* Add a 16-bit big-endian partial sum to a running 32-bit sum, keeping
 * the result in 32 bits (end-around carry). */
static inline uint32_t add32(uint32_t sum, uint32_t part)
{
    uint64_t t = (uint64_t)sum + part;
    return (uint32_t)((t & 0xffffffffu) + (t >> 32));
}

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    while (len >= 16) {
        uint64_t w0 = load64(p), w1 = load64(p + 8);
        a0 += (uint32_t)w0;
        a1 += w0 >> 32;
        a2 += (uint32_t)w1;
        a3 += w1 >> 32;
        p += 16;
        len -= 16;
    }
    if (len >= 8) {
        uint64_t w = load64(p);
        a0 += (uint32_t)w;
        a1 += w >> 32;
        p += 8;
        len -= 8;
    }
    uint64_t acc = a0 + a1 + a2 + a3 + sum_tail(p, len);
    return add32(sum, fold_to_be16(acc));
}

uint32_t csum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    /* One pass: each word is loaded once, stored, and added. */
    while (len >= 16) {
        uint64_t w0 = load64(s), w1 = load64(s + 8);
        memcpy(d, &w0, 8);
        memcpy(d + 8, &w1, 8);
        a0 += (uint32_t)w0;
        a1 += w0 >> 32;
        a2 += (uint32_t)w1;
        a3 += w1 >> 32;
        s += 16;
        d += 16;
        len -= 16;
    }
    if (len >= 8) {
        uint64_t w = load64(s);
        memcpy(d, &w, 8);
        a0 += (uint32_t)w;
        a1 += w >> 32;
        s += 8;
        d += 8;
        len -= 8;
    }
    memcpy(d, s, len);
    uint64_t acc = a0 + a1 + a2 + a3 + sum_tail(s, len);
    return add32(sum, fold_to_be16(acc));
}

uint32_t csum_block_add(uint32_t sum, uint32_t part, size_t offset)
{
    /* Fold the part to 16 bits; at an odd offset its bytes sit in the
     * other halves of the words (RFC 1071 2(B)): swap them. */
    part = (part & 0xffff) + (part >> 16);
    part = (part & 0xffff) + (part >> 16);
    if (offset & 1)
        part = ((part & 0xff) << 8) | (part >> 8);
    return add32(sum, part);
}

uint16_t csum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t inet_checksum(const void *data, size_t len)
{
    return csum_finish(csum_add(0, data, len));
}

uint32_t csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    uint8_t ph[12];
    put_addr(ph, src);
    put_addr(ph + 4, dst);
    ph[8] = 0;
    ph[9] = proto;
    put_be16(ph + 10, len);
    return csum_add(0, ph, sizeof ph);
}
