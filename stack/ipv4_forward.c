/*
 * ipv4_forward.c - forwarding between interfaces, RFC 1812 essentials.
 *
 * The path of a datagram that is not for us, in the order RFC 1812 5.2.1
 * and 5.3 describe it (ipv4_input has already validated the header):
 *
 *   1. came in a link-layer broadcast?        drop (5.3.4)
 *   2. martian source or destination?         drop (5.3.7)
 *   3. directed broadcast of one of our nets? drop (5.3.5.2, off by default
 *                                                   as RFC 2644 asks)
 *   4. carries a source route?                drop (RFC 7126 4.3/4.4, like
 *                                                   Linux accept_source_route=0)
 *   5. TTL 0 or 1?                            ICMP time exceeded (5.3.1)
 *   6. no route?                              ICMP net unreachable (5.2.7.1)
 *   7. larger than the outgoing MTU?          DF: ICMP fragmentation needed
 *                                             with the next-hop MTU (RFC 1191 4);
 *                                             else fragment (RFC 791 3.2)
 *   8. TTL - 1, checksum patched (RFC 1624), handed to ARP for the next hop.
 *
 * A host unreachable (ARP got no answer for the next hop, 5.2.7.1 code 1)
 * is sent by the ARP layer when it gives up on the queued datagram.
 * Every drop is counted (ipv4.fwd_*, or the host counters where the reason
 * is the same) and traced.
 *
 * Not here: ICMP redirects (5.2.7.2), forwarding directed broadcasts,
 * multicast routing, IP options other than to drop source routes.
 */
#include "ipv4_forward.h"

#include <errno.h>

#include "arp.h"
#include "icmp.h"
#include "ipv4.h"
#include "ipv4_frag.h"
#include "netif.h"
#include "offload.h"
#include "pkb.h"
#include "route.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* Header fields used here (RFC 791 3.1), as byte offsets. */

int glass_stack_set_forwarding(struct glass_stack *stack, int on)
{
    glass_stack_lock(stack);
    stack->ip_forward = on != 0;
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  forwarding %s", on ? "on (router)" : "off (host)");
    glass_stack_unlock(stack);
    return 0;
}

int glass_stack_forwarding(struct glass_stack *stack)
{
    glass_stack_lock(stack);
    int on = stack->ip_forward;
    glass_stack_unlock(stack);
    return on;
}

uint16_t ipv4_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
    /* HC' = ~(~HC + ~m + m') in ones' complement arithmetic (RFC 1624 3). */
    uint32_t sum = (uint16_t)~csum + (uint32_t)(uint16_t)~old_word + new_word;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

bool ipv4_forward_wanted(struct glass_netif *in, const struct pkb *pkb)
{
    struct glass_stack *stack = in->stack;
    if (!stack->ip_forward)
        return false;
    uint32_t dst = get_addr(pkb->data + IPV4_OFF_DST);
    /* Ours, a broadcast of this link, or multicast: the host path. */
    return !ipv4_is_local(stack, dst) && !ipv4_is_broadcast(in, dst) && !ip4_is_multicast(dst);
}

/* Drop with a counter already bumped by the caller and one trace line. */
static void fwd_drop(struct glass_stack *stack, struct pkb *pkb, const char *why)
{
    const uint8_t *h = pkb->data;
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd drop: %s > %s %s", ip4s(get_addr(h + IPV4_OFF_SRC)).s,
          ip4s(get_addr(h + IPV4_OFF_DST)).s, why);
    pkb_free(stack, pkb);
}

/* RFC 1812 5.3.7: a source that cannot name one host (or that names us:
 * someone spoofs our address) is never forwarded. */
static const char *fwd_martian_source(struct glass_stack *stack, uint32_t src)
{
    if (ip4_is_zeronet(src))
        return "this-network";
    if (ip4_is_loopback(src))
        return "loopback";
    if (ip4_is_class_e(src))
        return "class E";
    if (ip4_is_multicast(src))
        return "multicast";
    if (ipv4_is_any_broadcast(stack, src))
        return "broadcast";
    if (ipv4_is_local(stack, src))
        return "one of our own addresses";
    return NULL;
}

/* RFC 1812 5.3.7: nor is a destination that no host can own. */
static const char *fwd_martian_destination(uint32_t dst)
{
    if (ip4_is_zeronet(dst))
        return "this-network";
    if (ip4_is_loopback(dst))
        return "loopback";
    if (ip4_is_class_e(dst))
        return "class E";
    return NULL;
}

/* Steps 1-4: true when the datagram may be forwarded; else it is
 * counted, traced and freed. */
static bool fwd_acceptable(struct glass_netif *in, struct pkb *pkb)
{
    struct glass_stack *stack = in->stack;
    const uint8_t *h = pkb->data;
    uint32_t src = get_addr(h + IPV4_OFF_SRC), dst = get_addr(h + IPV4_OFF_DST);
    const uint8_t *l2 = pkb_l2(pkb);
    const char *why;

    if (l2 && mac_is_multicast(l2)) {
        STAT_INC(stack, ipv4, drop_link_broadcast);
        fwd_drop(stack, pkb, "came in a link-layer broadcast (RFC 1812 5.3.4)");
        return false;
    }
    if ((why = fwd_martian_source(stack, src))) {
        STAT_INC(stack, ipv4, drop_bad_source);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd: martian source (%s)", why);
        fwd_drop(stack, pkb, "martian source (RFC 1812 5.3.7)");
        return false;
    }
    if ((why = fwd_martian_destination(dst))) {
        STAT_INC(stack, ipv4, fwd_drop_martian_dst);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd: martian destination (%s)", why);
        fwd_drop(stack, pkb, "martian destination (RFC 1812 5.3.7)");
        return false;
    }
    if (ipv4_is_any_broadcast(stack, dst)) {
        STAT_INC(stack, ipv4, fwd_drop_broadcast);
        fwd_drop(stack, pkb, "directed broadcast, not forwarded (RFC 1812 5.3.5.2, RFC 2644)");
        return false;
    }
    if (ipv4_has_source_route(h, ipv4_hlen(h))) {
        STAT_INC(stack, ipv4, drop_source_route);
        fwd_drop(stack, pkb, "carries a source route (not forwarded, RFC 7126 4.3/4.4)");
        return false;
    }
    return true;
}

/* Step 7 without DF: split for the outgoing link (ipv4_frag.c). */
static void fwd_fragment(struct glass_stack *stack, const struct route *r, uint32_t nexthop,
                         struct pkb *pkb)
{
    size_t total = pkb_len(pkb);
    int rc = ipv4_fragment_output(stack, pkb, r->nif, nexthop, r->nif->mtu);
    if (rc < 0) {
        STAT_INC(stack, ipv4, fwd_drop_too_big);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd drop: %zu bytes could not be fragmented for "
              "%s (mtu %u): %d", total, r->nif->name, r->nif->mtu, rc);
        return;
    }
    STAT_INC(stack, ipv4, fwd_fragmented);
    STAT_INC(stack, ipv4, forwarded);
}

/* ---- GSO: super-segments in transit (offload_gso.c does the cutting) ---- */

/* The transport header's place for whoever cuts it (the device's vnet
 * header needs it), and the IPv4 length of its largest wire segment. */
static size_t fwd_gso_prepare(struct pkb *pkb)
{
    size_t ihl = ipv4_hlen(pkb->data);
    if (ihl + TCP_HLEN <= pkb_len(pkb))
        pkb->l4 = (uint16_t)(pkb->l3 + ihl);
    return offload_gso_wire_len(pkb);
}

/* Step 7 for a super-segment whose wire segments are too big and may be
 * fragmented (no DF): cut it in software (TTL and checksum already done;
 * the copies keep them), then each segment goes as a datagram of its own:
 * fragmented when larger than the link, else as it is (RFC 791 3.2,
 * Linux's ip_finish_output_gso does the same). */
static void fwd_gso_fragment(struct glass_stack *stack, const struct route *r, uint32_t nexthop,
                             struct pkb *pkb)
{
    struct pkb_queue q;
    int rc = offload_gso_segment(stack, pkb, false, &q);
    pkb_free(stack, pkb);
    if (rc < 0) {
        STAT_INC(stack, ipv4, fwd_drop_too_big);
        return;
    }
    struct pkb *s;
    while ((s = pkb_queue_pop(&q))) {
        s->gso_size = 0;
        if (pkb_len(s) > r->nif->mtu) {
            fwd_fragment(stack, r, nexthop, s);
        } else {
            STAT_INC(stack, ipv4, forwarded);
            arp_output(r->nif, nexthop, s);
        }
    }
}

void ipv4_forward(struct glass_netif *in, struct pkb *pkb)
{
    struct glass_stack *stack = in->stack;
    pkb->nif = in;
    pkb_set_l3(pkb); /* ICMP errors quote from here */
    if (!fwd_acceptable(in, pkb))
        return;

    uint8_t *h = pkb->data;
    uint32_t src = get_addr(h + IPV4_OFF_SRC), dst = get_addr(h + IPV4_OFF_DST);
    uint8_t ttl = h[IPV4_OFF_TTL];

    /* RFC 1812 5.3.1: a datagram whose TTL would reach zero here dies here. */
    if (ttl <= 1) {
        STAT_INC(stack, ipv4, fwd_ttl_exceeded);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd %s > %s: ttl %u exceeded in transit",
              ip4s(src).s, ip4s(dst).s, ttl);
        icmp_send_error(stack, pkb, ICMP_TIME_EXCEEDED, 0 /* in transit */, 0);
        pkb_free(stack, pkb);
        return;
    }

    const struct route *r = route_lookup(stack, dst);
    if (!r) {
        /* RFC 1812 5.2.7.1: no route at all (not even a default): code 0. */
        STAT_INC(stack, ipv4, fwd_no_route);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd %s > %s: no route", ip4s(src).s, ip4s(dst).s);
        icmp_send_error(stack, pkb, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0);
        pkb_free(stack, pkb);
        return;
    }
    uint32_t nexthop = route_nexthop(r, dst);
    size_t total = pkb_len(pkb);
    /* GSO (a super-segment from a tap with offloads): what must fit is each
     * wire segment it becomes, cut at the outgoing link (offload_gso.c). */
    size_t wire = pkb->gso_size ? fwd_gso_prepare(pkb) : total;
    bool too_big = wire > r->nif->mtu;
    if (too_big && (get_be16(h + IPV4_OFF_FRAG) & IPV4_FLAG_DF)) {
        /* RFC 1191 4: say how big a datagram the next hop takes. */
        STAT_INC(stack, ipv4, fwd_frag_needed);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd %s > %s: %zu bytes > mtu %u of %s with DF",
              ip4s(src).s, ip4s(dst).s, wire, r->nif->mtu, r->nif->name);
        icmp_send_error(stack, pkb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, r->nif->mtu & 0xffff);
        pkb_free(stack, pkb);
        return;
    }

    /* RFC 1812 5.3.1 and RFC 1624: one less hop; patch the checksum for
     * the 16-bit word that holds TTL and protocol instead of summing the
     * header again. */
    uint16_t old_word = (uint16_t)(ttl << 8 | h[IPV4_OFF_PROTO]);
    h[IPV4_OFF_TTL] = (uint8_t)(ttl - 1);
    uint16_t new_word = (uint16_t)(h[IPV4_OFF_TTL] << 8 | h[IPV4_OFF_PROTO]);
    put_be16(h + IPV4_OFF_CSUM, ipv4_csum_update16(get_be16(h + IPV4_OFF_CSUM), old_word, new_word));

    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fwd %s > %s ttl %u len %zu: %s -> %s via %s",
          ip4s(src).s, ip4s(dst).s, h[IPV4_OFF_TTL], total, in->name, r->nif->name,
          ip4s(nexthop).s);
    pkb->nif = r->nif;
    if (too_big && pkb->gso_size) { /* GSO: cut, then fragment each segment */
        fwd_gso_fragment(stack, r, nexthop, pkb);
        return;
    }
    if (too_big) {
        fwd_fragment(stack, r, nexthop, pkb);
        return;
    }
    STAT_INC(stack, ipv4, forwarded);
    arp_output(r->nif, nexthop, pkb);
}
