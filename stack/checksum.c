/* checksum.c - RFC 1071 Internet checksum. */
#include "checksum.h"

#include "util.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    /* A 64-bit accumulator cannot overflow for any frame we handle, so
     * carries are folded once at the end (RFC 1071 2(B), deferred carries). */
    uint64_t acc = sum;
    while (len >= 2) {
        acc += get_be16(p);
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)p[0] << 8; /* odd byte: pad with a zero byte on the right */
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
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
