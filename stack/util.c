/* util.c - address formatting and parsing shared by trace lines and the CLI. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

struct ip4_str ip4s(uint32_t addr_be)
{
    struct ip4_str r;
    const uint8_t *b = (const uint8_t *)&addr_be;
    snprintf(r.s, sizeof r.s, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return r;
}

struct mac_str macs(const uint8_t mac[6])
{
    struct mac_str r;
    snprintf(r.s, sizeof r.s, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    return r;
}

/* Strict dotted quad: four decimal numbers 0..255, nothing else.  (We do
 * not use inet_aton: it accepts "10.1" and octal, which surprise users.) */
int ip4_parse(const char *s, uint32_t *addr_be)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return -1;
        }
        b[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.')
            return -1;
    }
    if (*s != '\0')
        return -1;
    memcpy(addr_be, b, 4);
    return 0;
}

int ip4_prefix_parse(const char *s, uint32_t *addr_be, unsigned *prefix_len)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash - s > 15)
        return -1;
    char addr[16];
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    if (ip4_parse(addr, addr_be) < 0)
        return -1;
    const char *p = slash + 1;
    if (*p < '0' || *p > '9' || strlen(p) > 2)
        return -1;
    char *end;
    unsigned long n = strtoul(p, &end, 10);
    if (*end != '\0' || n > 32)
        return -1;
    *prefix_len = (unsigned)n;
    return 0;
}

int mac_parse(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int d = 0; d < 2; d++) {
            char c = *s++;
            unsigned x;
            if (c >= '0' && c <= '9')
                x = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                x = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                x = (unsigned)(c - 'A' + 10);
            else
                return -1;
            v = v << 4 | x;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    return *s == '\0' ? 0 : -1;
}
