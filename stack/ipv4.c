/*
 * ipv4.c - the Internet Protocol, version 4 (RFC 791), as a host
 * (RFC 1122 3.2.1).
 *
 * Input: check the header the way RFC 1122 3.2.1 asks (version, header
 * length, total length, checksum, martian source addresses), accept what
 * is addressed to this host, and hand the payload to the protocol named
 * in the header.  Every datagram we throw away is counted and traced.
 *
 * Output: find the route, prepend a 20-byte header and give the datagram
 * to ARP for the next hop -- or, when it is addressed to this host, put it
 * on the local queue so the next poll delivers it "as if received".
 *
 * Fragments are reassembled, and datagrams too big for the (path) MTU
 * fragmented, in ipv4_frag.c; path MTUs come from pmtu.c.
 *
 * Not yet here (later issues): sending options, multicast.  Until
 * options can be sent, datagrams that carry a source route are dropped (see ipv4_is_source_routed).
 */
#include "ipv4.h"

#include <errno.h>

#include "arp.h"
#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4_frag.h"
#include "ipv4_forward.h"
#include "netif.h"
#include "offload.h"
#include "pkb.h"
#include "pmtu.h"
#include "route.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "udp.h"
#include "util.h"

/* Datagrams to ourselves waiting for the next poll (ping 10.0.0.2). */
#define IPV4_LOCAL_Q_MAX 64

/* Option types (RFC 791 3.1): single-byte ones, and the source routes. */
#define IPV4_OPT_EOL 0          /* End of Option List */
#define IPV4_OPT_NOP 1          /* No Operation */
#define IPV4_OPT_LSRR 131       /* Loose Source and Record Route */
#define IPV4_OPT_SSRR 137       /* Strict Source and Record Route */

bool ipv4_is_local(struct glass_stack *stack, uint32_t addr)
{
    return netif_find_by_addr(stack, addr) != NULL;
}

bool ipv4_is_broadcast(const struct glass_netif *nif, uint32_t addr)
{
    return ip4_is_limited_broadcast(addr) || (nif && netif_is_subnet_broadcast(nif, addr));
}

bool ipv4_is_any_broadcast(struct glass_stack *stack, uint32_t addr)
{
    if (ip4_is_limited_broadcast(addr))
        return true;
    for (const struct glass_netif *nif = stack->netifs; nif; nif = nif->next)
        if (netif_is_subnet_broadcast(nif, addr))
            return true;
    return false;
}

/* ---- input --------------------------------------------------------------- */

/* The checksum the header should carry: the sum with the field itself
 * left out (RFC 791 3.1 "Header Checksum"). */
static uint16_t ipv4_expected_checksum(const uint8_t *h, size_t hlen)
{
    uint32_t sum = csum_add(0, h, IPV4_OFF_CSUM);
    sum = csum_add(sum, h + IPV4_OFF_CSUM + 2, hlen - IPV4_OFF_CSUM - 2);
    return csum_finish(sum);
}

/* RFC 1122 3.2.1.1-3.2.1.2: version 4, a header length that fits what we
 * received, a total length that fits too, and a correct checksum.  On
 * success the data is trimmed to the total length (Ethernet pads short
 * frames to 60 bytes; the padding is not part of the datagram). */
static bool ipv4_header_valid(struct glass_stack *stack, struct pkb *pkb)
{
    const uint8_t *h = pkb->data;
    size_t len = pkb_len(pkb);
    if (len < IPV4_HLEN) {
        STAT_INC(stack, ipv4, drop_short);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: %zu bytes is shorter than a header", len);
        return false;
    }
    unsigned version = h[IPV4_OFF_VER_IHL] >> 4;
    if (version != 4) {
        STAT_INC(stack, ipv4, drop_bad_version);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: version %u", version);
        return false;
    }
    size_t hlen = ipv4_hlen(h);
    if (hlen < IPV4_HLEN || hlen > len) {
        STAT_INC(stack, ipv4, drop_bad_ihl);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: header length %zu (IHL %zu) with %zu bytes received",
              hlen, hlen / 4, len);
        return false;
    }
    size_t total = get_be16(h + IPV4_OFF_TOTLEN);
    if (total < hlen || total > len) {
        STAT_INC(stack, ipv4, drop_bad_length);
        if (total < hlen)
            TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: total length %zu < header length %zu",
                  total, hlen);
        else
            TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: total length %zu > %zu bytes received",
                  total, len);
        return false;
    }
    if (inet_checksum(h, hlen) != 0) {
        STAT_INC(stack, ipv4, drop_bad_checksum);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: header checksum 0x%04x != 0x%04x",
              get_be16(h + IPV4_OFF_CSUM), ipv4_expected_checksum(h, hlen));
        return false;
    }
    pkb_trim(pkb, total);
    return true;
}

/* RFC 1122 3.2.1.3: a source address that cannot name one host is a
 * "martian"; the datagram is silently discarded.  Returns why, or NULL.
 * A directed broadcast { <Network-number>, -1 } is one for every network
 * we know, not only the receiving link's: an echo "from" the broadcast of
 * another of our subnets would otherwise be answered to everyone there. */
static const char *ipv4_martian_source(const struct glass_netif *nif, uint32_t src, uint32_t dst)
{
    if (ipv4_is_any_broadcast(nif->stack, src))
        return "broadcast";
    if (ip4_is_multicast(src))
        return "multicast";
    if (ip4_is_loopback(src))
        return "loopback";
    if (ip4_is_class_e(src))
        return "class E";
    /* {0,0} is allowed only while a host learns its address (BOOTP/DHCP),
     * and then only towards a broadcast; {0,host} never. */
    if (ip4_is_zeronet(src) && !(src == 0 && ipv4_is_broadcast(nif, dst)))
        return "this-network";
    return NULL;
}

/* RFC 1122 3.3.4.2 weak host model: an address of any of our interfaces is
 * ours, whichever interface the datagram came in on; plus the broadcasts
 * of the receiving link (RFC 1122 3.3.6). */
static bool ipv4_for_us(struct glass_netif *nif, uint32_t dst)
{
    return ipv4_is_local(nif->stack, dst) || ipv4_is_broadcast(nif, dst);
}

/* RFC 1122 3.3.6: "A host SHOULD silently discard a datagram that is
 * received via a link-layer broadcast but does not specify an IP
 * multicast or broadcast destination address" - such a frame asks every
 * host on the link to answer for one of them.  (Linux keeps it unless
 * net.ipv4.conf.*.drop_unicast_in_l2_multicast is set.) */
static bool ipv4_link_broadcast_mismatch(const struct glass_netif *nif, const struct pkb *pkb,
                                         uint32_t dst)
{
    const uint8_t *l2 = pkb_l2(pkb); /* none for datagrams we sent ourselves */
    return l2 && mac_is_multicast(l2) && !ipv4_is_broadcast(nif, dst) && !ip4_is_multicast(dst);
}

static bool ipv4_addresses_valid(struct glass_netif *nif, const struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    const uint8_t *h = pkb->data;
    uint32_t src = get_addr(h + IPV4_OFF_SRC), dst = get_addr(h + IPV4_OFF_DST);
    const char *martian = ipv4_martian_source(nif, src, dst);
    /* LAND (attack suite, docs/robustness.md): a datagram off the wire
     * claiming one of our own addresses as its source is forged -- we
     * would answer ourselves (a SYN to a listener from itself, looping).
     * Linux drops it the same way (fib_validate_source, accept_local=0). */
    if (!martian && pkb_l2(pkb) && ipv4_is_local(stack, src))
        martian = "our own address";
    if (martian) {
        STAT_INC(stack, ipv4, drop_bad_source);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: martian source %s (%s) > %s", ip4s(src).s,
              martian, ip4s(dst).s);
        return false;
    }
    if (!ipv4_for_us(nif, dst)) {
        /* A host does not forward (RFC 1122 3.3.1.6); a router
         * (glass_stack_set_forwarding) took it in ipv4_forward already. */
        STAT_INC(stack, ipv4, drop_not_for_us);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: %s > %s is not for us", ip4s(src).s,
              ip4s(dst).s);
        return false;
    }
    if (ipv4_link_broadcast_mismatch(nif, pkb, dst)) {
        STAT_INC(stack, ipv4, drop_link_broadcast);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: %s > %s came in a link-layer broadcast",
              ip4s(src).s, ip4s(dst).s);
        return false;
    }
    return true;
}

/* RFC 791 3.1: is one of the options a source route?  Options are a
 * type byte, then (except for EOL and NOP) a length byte counting the
 * whole option.  The walk never reads past the header: it stops at End of
 * Option List or at a length that does not fit, and the unparseable rest
 * is ignored like any option we do not understand (RFC 1122 3.2.1.8). */
bool ipv4_has_source_route(const uint8_t *h, size_t hlen)
{
    size_t i = IPV4_HLEN;
    while (i < hlen && h[i] != IPV4_OPT_EOL) {
        if (h[i] == IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (hlen - i < 2 || h[i + 1] < 2 || h[i + 1] > hlen - i)
            return false;
        if (h[i] == IPV4_OPT_LSRR || h[i] == IPV4_OPT_SSRR)
            return true;
        i += h[i + 1];
    }
    return false;
}

/* A source-routed datagram either asks us to forward it (route not yet
 * complete), which a host need not do (RFC 1122 3.3.5), or wants its
 * route reversed into our replies (RFC 1122 3.2.1.8c; for an echo it is a
 * MUST, 3.2.2.6), which needs options on output that glass does not send
 * yet.  Answering without the route would break that MUST, so - like
 * Linux's default (accept_source_route=0) and as RFC 7126 4.3/4.4
 * advise - such datagrams are dropped. */
static bool ipv4_is_source_routed(struct glass_stack *stack, const uint8_t *h)
{
    if (!ipv4_has_source_route(h, ipv4_hlen(h)))
        return false;
    STAT_INC(stack, ipv4, drop_source_route);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: %s > %s carries a source route (not supported)",
          ip4s(get_addr(h + IPV4_OFF_SRC)).s, ip4s(get_addr(h + IPV4_OFF_DST)).s);
    return true;
}

/* RFC 1122 3.2.2.1: a protocol nobody here speaks earns the sender a
 * Destination Unreachable, Protocol Unreachable. */
static void ipv4_unknown_proto(struct glass_stack *stack, struct pkb *pkb, uint8_t proto)
{
    STAT_INC(stack, ipv4, drop_unknown_proto);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: protocol %u unknown", proto);
    icmp_send_error(stack, pkb, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 0);
    pkb_free(stack, pkb);
}

/* Strip the header (options included: IHL says how long it is) and hand
 * the payload to its protocol (RFC 791 3.1 "Protocol"). */
static void ipv4_deliver(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    const uint8_t *h = pkb->data;
    size_t hlen = ipv4_hlen(h);
    uint8_t proto = h[IPV4_OFF_PROTO];
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  rx %s > %s proto %u ttl %u len %zu",
          ip4s(get_addr(h + IPV4_OFF_SRC)).s, ip4s(get_addr(h + IPV4_OFF_DST)).s, proto,
          h[IPV4_OFF_TTL], pkb_len(pkb));
    pkb_set_l3(pkb);
    pkb_pull(pkb, hlen);
    pkb_set_l4(pkb);
    switch (proto) {
    case IPPROTO_ICMP_:
        STAT_INC(stack, ipv4, delivered);
        icmp_input(nif, pkb);
        return;
    case IPPROTO_UDP_:
        STAT_INC(stack, ipv4, delivered);
        udp_input(nif, pkb);
        return;
    case IPPROTO_TCP_:
        STAT_INC(stack, ipv4, delivered);
        tcp_input(nif, pkb);
        return;
    default:
        ipv4_unknown_proto(stack, pkb, proto);
        return;
    }
}

void ipv4_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    STAT_INC(stack, ipv4, rx);
    pkb->nif = nif;
    if (!ipv4_header_valid(stack, pkb)) {
        pkb_free(stack, pkb);
        return;
    }
    /* A router passes on what is not for it (RFC 1812, ipv4_forward.c);
     * fragments in transit are not reassembled.  Off in a host. */
    if (ipv4_forward_wanted(nif, pkb)) {
        ipv4_forward(nif, pkb);
        return;
    }
    if (!ipv4_addresses_valid(nif, pkb) || ipv4_is_source_routed(stack, pkb->data)) {
        pkb_free(stack, pkb);
        return;
    }
    /* RFC 791 3.2 (ipv4_frag.c): a fragment waits for the rest of its
     * datagram; the one that completes it brings the whole datagram. */
    if (ipv4_is_fragment(pkb->data) && !(pkb = ipv4_reass_input(nif, pkb)))
        return;
    ipv4_deliver(nif, pkb);
}

/* ---- output -------------------------------------------------------------- */

/* Where a datagram to dst leaves: the interface and the next hop. */
struct ipv4_path {
    struct glass_netif *nif;
    uint32_t nexthop;
    bool local;                 /* dst is one of our addresses */
};

/* 0 or a negative errno. */
static int ipv4_find_path(struct glass_stack *stack, uint32_t dst, struct ipv4_path *path)
{
    /* RFC 1122 3.2.1.3: these never appear as a destination on a wire.
     * Multicast sending comes with a later issue. */
    if (ip4_is_zeronet(dst) || ip4_is_loopback(dst) || ip4_is_class_e(dst) ||
        ip4_is_multicast(dst)) {
        STAT_INC(stack, ipv4, drop_no_route);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: cannot send to %s", ip4s(dst).s);
        return -ENETUNREACH;
    }
    struct glass_netif *owner = netif_find_by_addr(stack, dst);
    if (owner) {
        *path = (struct ipv4_path){.nif = owner, .nexthop = dst, .local = true};
        return 0;
    }
    const struct route *r = route_lookup(stack, dst);
    if (!r) {
        STAT_INC(stack, ipv4, drop_no_route);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: no route to %s", ip4s(dst).s);
        return -ENETUNREACH;
    }
    /* A broadcast goes to everyone on the link, never to a gateway: ARP
     * maps it to ff:ff:ff:ff:ff:ff (RFC 1122 3.3.6). */
    uint32_t nexthop = ipv4_is_broadcast(r->nif, dst) ? dst : route_nexthop(r, dst);
    *path = (struct ipv4_path){.nif = r->nif, .nexthop = nexthop, .local = false};
    return 0;
}

/* The MTU a datagram to dst must fit: the link's, or the smaller path
 * MTU learned from ICMP (RFC 1191, pmtu.c). */
static unsigned ipv4_path_mtu(struct glass_stack *stack, const struct glass_netif *nif,
                              uint32_t dst)
{
    unsigned pmtu = pmtu_get(stack, dst);
    return pmtu && pmtu < nif->mtu ? pmtu : nif->mtu;
}

size_t ipv4_max_payload(struct glass_stack *stack, uint32_t dst)
{
    if (netif_find_by_addr(stack, dst))
        return 0xffff - IPV4_HLEN;
    const struct route *r = route_lookup(stack, dst);
    unsigned mtu = r ? ipv4_path_mtu(stack, r->nif, dst) : 0;
    return mtu > IPV4_HLEN ? mtu - IPV4_HLEN : 0;
}

/* RFC 1122 3.3.4.3: the source is one of our addresses; by default the
 * outgoing interface's address on the next hop's subnet, else its first. */
static uint32_t ipv4_source_for(const struct glass_netif *nif, uint32_t nexthop)
{
    for (unsigned i = 0; i < nif->naddrs; i++)
        if ((nexthop & nif->addrs[i].mask) == (nif->addrs[i].addr & nif->addrs[i].mask))
            return nif->addrs[i].addr;
    return nif->naddrs ? nif->addrs[0].addr : 0;
}

int ipv4_select_source(struct glass_stack *stack, uint32_t dst, uint32_t *src)
{
    struct ipv4_path path;
    int rc = ipv4_find_path(stack, dst, &path);
    if (rc < 0)
        return rc;
    *src = path.local ? dst : ipv4_source_for(path.nif, path.nexthop);
    return *src ? 0 : -EADDRNOTAVAIL;
}

/* RFC 791 3.1: a 20-byte header, no options. */
static void ipv4_build_header(uint8_t *h, size_t total, uint16_t id, uint32_t src,
                              const struct ipv4_tx *tx)
{
    h[IPV4_OFF_VER_IHL] = 0x45; /* version 4, IHL 5 */
    h[IPV4_OFF_TOS] = tx->tos;
    put_be16(h + IPV4_OFF_TOTLEN, (uint16_t)total);
    put_be16(h + IPV4_OFF_ID, id);
    put_be16(h + IPV4_OFF_FRAG, tx->df ? IPV4_FLAG_DF : 0);
    h[IPV4_OFF_TTL] = tx->ttl ? tx->ttl : IPV4_DEFAULT_TTL;
    h[IPV4_OFF_PROTO] = tx->proto;
    put_be16(h + IPV4_OFF_CSUM, 0);
    put_addr(h + IPV4_OFF_SRC, src);
    put_addr(h + IPV4_OFF_DST, tx->dst);
    put_be16(h + IPV4_OFF_CSUM, inet_checksum(h, IPV4_HLEN));
}

/* A datagram to ourselves never touches a wire: it waits on the local
 * queue and the next poll delivers it (ipv4_run_local). */
static int ipv4_queue_local(struct glass_stack *stack, struct pkb *pkb)
{
    if (stack->local_q.count >= IPV4_LOCAL_Q_MAX) {
        STAT_INC(stack, ipv4, drop_no_memory);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: local queue full (%u datagrams)",
              IPV4_LOCAL_Q_MAX);
        pkb_free(stack, pkb);
        return -ENOBUFS;
    }
    pkb->l2 = PKB_NO_OFFSET; /* it never had a link-layer header */
    pkb_queue_push(&stack->local_q, pkb);
    STAT_INC(stack, ipv4, local_loop);
    /* A caller on another thread: the stack thread may be asleep in poll. */
    glass_stack_wake(stack);
    return 0;
}

/* 0, 1 when the datagram must leave in fragments (RFC 791 2.3), or a
 * negative errno; consumes pkb on error.  Too big with Don't Fragment is
 * an error the sender sees (EMSGSIZE, like Linux with IP_PMTUDISC_DO). */
static int ipv4_check_size(struct glass_stack *stack, struct pkb *pkb, const struct ipv4_path *path,
                           const struct ipv4_tx *tx)
{
    size_t total = IPV4_HLEN + pkb_len(pkb);
    unsigned mtu = path->local ? 0xffff : ipv4_path_mtu(stack, path->nif, tx->dst);
    if (total <= mtu)
        return 0;
    /* A TCP super-segment the interface cuts (TSO, or netif_output in
     * software: offload_gso.c): each wire segment must fit, not the whole. */
    if (pkb->gso_size && !path->local && offload_gso_fits(pkb, mtu))
        return 0;
    if (total <= 0xffff && !tx->df)
        return 1;
    STAT_INC(stack, ipv4, drop_too_big);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: %zu bytes > %s %u to %s%s", total,
          mtu < path->nif->mtu ? "path mtu" : "mtu", mtu, ip4s(tx->dst).s,
          total > 0xffff ? "" : " and DF set");
    pkb_free(stack, pkb);
    return -EMSGSIZE;
}

int ipv4_output(struct glass_stack *stack, struct pkb *pkb, const struct ipv4_tx *tx)
{
    struct ipv4_path path;
    int rc = ipv4_find_path(stack, tx->dst, &path);
    if (rc < 0) {
        pkb_free(stack, pkb);
        return rc;
    }
    uint32_t src = tx->src ? tx->src : ipv4_source_for(path.nif, path.nexthop);
    if (!src || !ipv4_is_local(stack, src)) {
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: source %s is not ours", ip4s(src).s);
        pkb_free(stack, pkb);
        return -EADDRNOTAVAIL;
    }
    int fragment = ipv4_check_size(stack, pkb, &path, tx);
    if (fragment < 0)
        return fragment;
    size_t total = IPV4_HLEN + pkb_len(pkb);
    uint8_t *h = pkb_push(pkb, IPV4_HLEN);
    if (!h) { /* every sender reserves PKB_HEADROOM; this is a bug */
        STAT_INC(stack, ipv4, drop_no_memory);
        pkb_free(stack, pkb);
        return -ENOBUFS;
    }
    pkb_set_l3(pkb);
    pkb->nif = path.nif;
    ipv4_build_header(h, total, stack->ipv4_next_id++, src, tx);
    STAT_INC(stack, ipv4, tx);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  tx %s > %s proto %u ttl %u len %zu%s%s", ip4s(src).s,
          ip4s(tx->dst).s, tx->proto, h[IPV4_OFF_TTL], total, path.local ? " (local)" : " via ",
          path.local ? "" : ip4s(path.nexthop).s);
    if (path.local)
        return ipv4_queue_local(stack, pkb);
    if (fragment)
        return ipv4_fragment_output(stack, pkb, path.nif, path.nexthop,
                                    ipv4_path_mtu(stack, path.nif, tx->dst));
    return arp_output(path.nif, path.nexthop, pkb);
}

int ipv4_output_link(struct glass_netif *nif, struct pkb *pkb, const struct ipv4_tx *tx,
                     const uint8_t *mac)
{
    struct glass_stack *stack = nif->stack;
    size_t total = IPV4_HLEN + pkb_len(pkb);
    int rc = 0;
    if ((!mac && !ip4_is_limited_broadcast(tx->dst)) || (tx->src && !netif_has_addr(nif, tx->src)))
        rc = -EADDRNOTAVAIL;
    else if (total > nif->mtu)
        rc = -EMSGSIZE;
    uint8_t *h = rc ? NULL : pkb_push(pkb, IPV4_HLEN);
    if (!h) {
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: link-only %s > %s on %s refused",
              ip4s(tx->src).s, ip4s(tx->dst).s, nif->name);
        pkb_free(stack, pkb);
        return rc ? rc : -ENOBUFS;
    }
    pkb_set_l3(pkb);
    pkb->nif = nif;
    ipv4_build_header(h, total, stack->ipv4_next_id++, tx->src, tx);
    STAT_INC(stack, ipv4, tx);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  tx %s > %s proto %u ttl %u len %zu on %s",
          ip4s(tx->src).s, ip4s(tx->dst).s, tx->proto, h[IPV4_OFF_TTL], total, nif->name);
    return mac ? eth_output(nif, pkb, mac, ETH_P_IP) : arp_output(nif, tx->dst, pkb);
}

/* The mirror of ipv4_queue_local: each datagram arrives "as if received"
 * on the interface that owns its destination.  Bounded, because a datagram
 * delivered here may answer with another one to ourselves (ping to self). */
int ipv4_run_local(struct glass_stack *stack)
{
    int n = 0;
    struct pkb *pkb;
    while (n < 2 * IPV4_LOCAL_Q_MAX && (pkb = pkb_queue_pop(&stack->local_q))) {
        uint32_t dst = get_addr(pkb->data + IPV4_OFF_DST);
        struct glass_netif *nif = netif_find_by_addr(stack, dst);
        n++;
        if (!nif) { /* the address went away while the datagram waited */
            STAT_INC(stack, ipv4, drop_not_for_us);
            TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop: local %s is no longer ours", ip4s(dst).s);
            pkb_free(stack, pkb);
            continue;
        }
        pkb->nif = nif;
        pkb->l3 = pkb->l4 = PKB_NO_OFFSET;
        ipv4_input(nif, pkb);
    }
    return n;
}
