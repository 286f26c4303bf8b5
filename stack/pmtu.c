/*
 * pmtu.c - the path MTU cache of RFC 1191.
 *
 * An entry says "datagrams to dst must not exceed mtu" until it expires.
 * Lookups drop expired entries as they meet them, so aging needs no timer;
 * a full cache gives up the entry closest to expiry.  ipv4_output and
 * ipv4_max_payload take min(link MTU, path MTU).  TCP sends with DF
 * (RFC 1191 3) and follows through tcp_mss_update, which every connection
 * calls again before cutting a segment when the cache's generation has
 * moved since its last look (tcp_output.c): all connections to a
 * destination shrink together, and grow back when the estimate ages out.
 */
#include "pmtu.h"

#include <errno.h>

#include "ipv4.h"
#include "mem.h"
#include "netif.h"
#include "route.h"
#include "stack.h"
#include "stats.h"
#include "trace.h"
#include "util.h"

struct pmtu_entry {
    uint32_t dst;               /* 0: free */
    unsigned mtu;
    glass_time_t expires;
};

struct pmtu_cache {
    struct pmtu_entry e[PMTU_CACHE_MAX];
    unsigned generation;        /* bumped whenever an estimate changes */
    unsigned used;              /* wt-fast: entries in use; 0 (the usual
                                 * case) answers a lookup with no walk and
                                 * no clock read, once per segment sent */
};

int pmtu_init(struct glass_stack *stack)
{
    stack->pmtu = glass_alloc(stack, sizeof(*stack->pmtu));
    return stack->pmtu ? 0 : -ENOMEM;
}

void pmtu_destroy(struct glass_stack *stack)
{
    glass_free(stack, stack->pmtu);
    stack->pmtu = NULL;
}

static struct pmtu_entry *pmtu_find(struct glass_stack *stack, uint32_t dst)
{
    if (!stack->pmtu->used)
        return NULL;
    glass_time_t now = glass_stack_now(stack);
    for (unsigned i = 0; i < PMTU_CACHE_MAX; i++) {
        struct pmtu_entry *e = &stack->pmtu->e[i];
        if (e->dst && now >= e->expires) {
            TRACE(stack, GLASS_TRACE_IPV4, "ipv4  path mtu %u to %s aged out", e->mtu,
                  ip4s(e->dst).s);
            e->dst = 0;
            stack->pmtu->used--;
            stack->pmtu->generation++;
        }
        if (e->dst == dst && dst)
            return e;
    }
    return NULL;
}

unsigned pmtu_get(struct glass_stack *stack, uint32_t dst)
{
    if (!stack->pmtu)
        return 0;
    const struct pmtu_entry *e = pmtu_find(stack, dst);
    return e ? e->mtu : 0;
}

unsigned pmtu_generation(struct glass_stack *stack)
{
    if (!stack->pmtu)
        return 0;
    pmtu_find(stack, 0); /* drops what has aged out: the answer moves then too */
    return stack->pmtu->generation;
}

unsigned pmtu_plateau_below(unsigned len)
{
    /* RFC 1191 7, table 7-1: the plateaus of common links. */
    static const unsigned plateau[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(plateau); i++)
        if (plateau[i] < len)
            return plateau[i];
    return PMTU_MIN;
}

unsigned pmtu_update(struct glass_stack *stack, uint32_t dst, unsigned next_mtu, unsigned sent_len)
{
    if (!stack->pmtu || !dst)
        return 0;
    /* RFC 1191 5: a next-hop MTU of 0 is an old router; estimate from the
     * length we sent.  Below 68 is bogus (RFC 791): use 68 (RFC 1191 4
     * "MUST NOT reduce ... below 68"). */
    unsigned mtu = next_mtu ? next_mtu : pmtu_plateau_below(sent_len);
    if (mtu < PMTU_MIN)
        mtu = PMTU_MIN;
    struct pmtu_entry *e = pmtu_find(stack, dst);
    if (e && mtu >= e->mtu)
        return 0;               /* RFC 1191 6.3: never raised by a message */
    if (!e) {
        for (unsigned i = 0; i < PMTU_CACHE_MAX; i++) {
            struct pmtu_entry *c = &stack->pmtu->e[i];
            if (!c->dst) {
                e = c;
                break;
            }
            if (!e || c->expires < e->expires)
                e = c;
        }
    }
    if (!e->dst)
        stack->pmtu->used++;
    e->dst = dst;
    e->mtu = mtu;
    e->expires = glass_stack_now(stack) + PMTU_AGE;
    stack->pmtu->generation++;
    STAT_INC(stack, ipv4, pmtu_lowered);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  path mtu to %s is now %u (RFC 1191)", ip4s(dst).s, mtu);
    return mtu;
}

unsigned pmtu_frag_needed(struct glass_stack *stack, const uint8_t *q, unsigned next_mtu)
{
    uint32_t src = get_addr(q + 12), dst = get_addr(q + 16);
    unsigned sent_len = get_be16(q + 2);
    /* Only about datagrams we sent, and only for a path that leaves by a
     * link whose MTU is above the news (RFC 1191 6.3; a forged message
     * cannot raise anything, and can lower no further than 68). */
    if (!netif_find_by_addr(stack, src))
        return 0;
    const struct route *r = route_lookup(stack, dst);
    unsigned link = r ? r->nif->mtu : 0;
    unsigned cur = pmtu_get(stack, dst);
    if (!link || (next_mtu && next_mtu >= (cur ? cur : link)))
        return 0;
    return pmtu_update(stack, dst, next_mtu, sent_len);
}

unsigned glass_path_mtu(struct glass_stack *stack, uint32_t dst)
{
    glass_stack_lock(stack);
    size_t payload = ipv4_max_payload(stack, dst);
    glass_stack_unlock(stack);
    return payload ? (unsigned)(payload + IPV4_HLEN) : 0;
}
