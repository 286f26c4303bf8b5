/*
 * arp.c - the Address Resolution Protocol (RFC 826) for IPv4 over
 * Ethernet: the packets.  Requests for our addresses are answered, what a
 * packet teaches is merged into the neighbour cache (arp_cache.c, which
 * holds the entries, their states and timers), and a datagram leaving
 * for a next hop gets its Ethernet address here - at once when the cache
 * knows it, else after we asked.  Also RFC 5227: announcing our addresses
 * and defending them against a neighbour that claims one.
 */
#include "arp.h"

#include <errno.h>
#include <string.h>

#include "arp_cache.h"
#include "eth.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

/* RFC 826 field offsets in the packet, for Ethernet (6) and IPv4 (4). */
#define ARP_OFF_HRD 0           /* ar$hrd: hardware address space */
#define ARP_OFF_PRO 2           /* ar$pro: protocol address space */
#define ARP_OFF_HLN 4           /* ar$hln: hardware address length */
#define ARP_OFF_PLN 5           /* ar$pln: protocol address length */
#define ARP_OFF_OP 6            /* ar$op */
#define ARP_OFF_SHA 8           /* ar$sha: sender hardware address */
#define ARP_OFF_SPA 14          /* ar$spa: sender protocol address */
#define ARP_OFF_THA 18          /* ar$tha: target hardware address */
#define ARP_OFF_TPA 24          /* ar$tpa: target protocol address */

/* RFC 5227 2.4: defend an address at most once per DEFEND_INTERVAL. */
#define ARP_DEFEND_INTERVAL (10 * GLASS_USEC_PER_SEC)

static const uint8_t zero_mac[ETH_ALEN];

/* ---- building and sending ARP packets -------------------------------- */

/* The address we speak from when asking about `target` on nif: the one
 * whose subnet holds it, else the first (0 when nif has none, which makes
 * the request an RFC 5227 probe - still a valid question). */
static uint32_t arp_source_for(const struct glass_netif *nif, uint32_t target)
{
    for (unsigned i = 0; i < nif->naddrs; i++)
        if ((nif->addrs[i].addr & nif->addrs[i].mask) == (target & nif->addrs[i].mask))
            return nif->addrs[i].addr;
    return nif->naddrs ? nif->addrs[0].addr : 0;
}

/* Build an Ethernet/IPv4 ARP packet from nif's MAC and send it to eth_dst. */
static int arp_send(struct glass_netif *nif, uint16_t op, const uint8_t eth_dst[ETH_ALEN],
                    uint32_t spa, const uint8_t tha[ETH_ALEN], uint32_t tpa)
{
    struct glass_stack *stack = nif->stack;
    struct pkb *pkb = pkb_alloc(stack, ARP_HLEN);
    if (!pkb) {
        TRACE(stack, GLASS_TRACE_ARP, "arp   out of memory: cannot send to %s", ip4s(tpa).s);
        return -ENOBUFS;
    }
    uint8_t *a = pkb_put(pkb, ARP_HLEN);
    pkb_set_l3(pkb);
    put_be16(a + ARP_OFF_HRD, ARP_HRD_ETHER);
    put_be16(a + ARP_OFF_PRO, ETH_P_IP);
    a[ARP_OFF_HLN] = ETH_ALEN;
    a[ARP_OFF_PLN] = 4;
    put_be16(a + ARP_OFF_OP, op);
    memcpy(a + ARP_OFF_SHA, nif->mac, ETH_ALEN);
    put_addr(a + ARP_OFF_SPA, spa);
    memcpy(a + ARP_OFF_THA, tha, ETH_ALEN);
    put_addr(a + ARP_OFF_TPA, tpa);
    return eth_output(nif, pkb, eth_dst, ETH_P_ARP);
}

/* RFC 826 "who-has tpa, tell spa".  The cache (arp_cache.c) decides when
 * to ask, and keeps the one-per-second rule of RFC 1122 2.3.2.1. */
void arp_request(struct glass_netif *nif, uint32_t tpa, const uint8_t *unicast_mac, unsigned nth)
{
    struct glass_stack *stack = nif->stack;
    uint32_t spa = arp_source_for(nif, tpa);
    TRACE(stack, GLASS_TRACE_ARP, "arp   who-has %s tell %s%s%s (request %u of %u)", ip4s(tpa).s,
          ip4s(spa).s, unicast_mac ? ", unicast to " : "", unicast_mac ? macs(unicast_mac).s : "",
          nth, ARP_MAX_RETRIES);
    if (arp_send(nif, ARP_OP_REQUEST, unicast_mac ? unicast_mac : eth_broadcast_addr, spa,
                 zero_mac, tpa) == 0)
        STAT_INC(stack, arp, tx_request);
}

/* RFC 826: "swap fields, put local addresses in the sender fields, set
 * opcode to reply, send the packet to the new target hardware address". */
static void arp_reply(struct glass_netif *nif, const uint8_t tha[ETH_ALEN], uint32_t tpa,
                      uint32_t our_addr)
{
    struct glass_stack *stack = nif->stack;
    TRACE(stack, GLASS_TRACE_ARP, "arp   reply %s is-at %s to %s (%s)", ip4s(our_addr).s,
          macs(nif->mac).s, ip4s(tpa).s, macs(tha).s);
    if (arp_send(nif, ARP_OP_REPLY, tha, our_addr, tha, tpa) == 0)
        STAT_INC(stack, arp, tx_reply);
}

void arp_announce(struct glass_netif *nif, uint32_t addr)
{
    struct glass_stack *stack = nif->stack;
    if (!nif->up || addr == 0)
        return;
    /* RFC 5227 2.3: an ARP Announcement is a request with sender and
     * target protocol address both ours and a zero target MAC, broadcast,
     * so every neighbour that knew the address refreshes its cache. */
    TRACE(stack, GLASS_TRACE_ARP, "arp   announce %s is-at %s (gratuitous)", ip4s(addr).s,
          macs(nif->mac).s);
    if (arp_send(nif, ARP_OP_REQUEST, eth_broadcast_addr, addr, zero_mac, addr) == 0)
        STAT_INC(stack, arp, gratuitous);
}

/* ---- input: RFC 826 "packet reception" ------------------------------- */

/* Checks the fixed part of the packet; false (counted, traced) if bad. */
static bool arp_valid_header(struct glass_stack *stack, const uint8_t *a, size_t len)
{
    if (len < ARP_HLEN) {
        STAT_INC(stack, arp, drop_short);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: %zu bytes, shorter than %d", len, ARP_HLEN);
        return false;
    }
    /* RFC 826: "Do I have the hardware type in ar$hrd?" */
    uint16_t hrd = get_be16(a + ARP_OFF_HRD);
    if (hrd != ARP_HRD_ETHER) {
        STAT_INC(stack, arp, drop_bad_hardware);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: hardware type %u != %u", hrd, ARP_HRD_ETHER);
        return false;
    }
    if (a[ARP_OFF_HLN] != ETH_ALEN) {
        STAT_INC(stack, arp, drop_bad_hardware);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: hardware length %u != %u", a[ARP_OFF_HLN],
              ETH_ALEN);
        return false;
    }
    /* RFC 826: "Do I speak the protocol in ar$pro?" */
    uint16_t pro = get_be16(a + ARP_OFF_PRO);
    if (pro != ETH_P_IP) {
        STAT_INC(stack, arp, drop_bad_protocol);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: protocol type 0x%04x != 0x%04x", pro, ETH_P_IP);
        return false;
    }
    if (a[ARP_OFF_PLN] != 4) {
        STAT_INC(stack, arp, drop_bad_protocol);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: protocol length %u != 4", a[ARP_OFF_PLN]);
        return false;
    }
    uint16_t op = get_be16(a + ARP_OFF_OP);
    if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
        STAT_INC(stack, arp, drop_bad_opcode);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: opcode %u is neither request (1) nor reply (2)",
              op);
        return false;
    }
    return true;
}

/* A sender we could never answer or learn: a group or empty MAC, a group
 * or broadcast IP, or our own MAC coming back to us. */
static bool arp_valid_sender(struct glass_netif *nif, const uint8_t *sha, uint32_t spa)
{
    struct glass_stack *stack = nif->stack;
    const char *why = NULL;
    if (mac_is_broadcast(sha))
        why = "broadcast";
    else if (mac_is_multicast(sha))
        why = "multicast";
    else if (mac_is_zero(sha))
        why = "zero";
    else if (memcmp(sha, nif->mac, ETH_ALEN) == 0)
        why = "our own";
    if (why) {
        STAT_INC(stack, arp, drop_bad_sender);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: sender MAC %s is %s", macs(sha).s, why);
        return false;
    }
    if (ip4_is_multicast(spa) || ip4_is_limited_broadcast(spa) ||
        netif_is_subnet_broadcast(nif, spa) || ip4_is_loopback(spa)) {
        STAT_INC(stack, arp, drop_bad_sender);
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: sender IP %s is not a unicast address",
              ip4s(spa).s);
        return false;
    }
    return true;
}

/* RFC 5227 2.4: someone else uses one of our addresses.  We keep it and
 * (b) defend it with one announcement, at most once per DEFEND_INTERVAL. */
static void arp_conflict(struct glass_netif *nif, const uint8_t *sha, uint32_t spa)
{
    struct glass_stack *stack = nif->stack;
    struct arp_cache *c = stack->arp;
    glass_time_t now = glass_stack_now(stack);
    bool defend = !c->defended || now - c->last_defend >= ARP_DEFEND_INTERVAL;
    STAT_INC(stack, arp, conflict);
    TRACE(stack, GLASS_TRACE_ARP, "arp   conflict: %s is claimed by %s (%s)", ip4s(spa).s,
          macs(sha).s, defend ? "defending it" : "defended less than 10 s ago");
    if (!defend)
        return;
    c->defended = true;
    c->last_defend = now;
    arp_announce(nif, spa);
}

/* RFC 5227 2.1.1: a probe (sender IP 0) asks whether an address is free.
 * If it is ours, the answer is a reply to the prober's MAC, with the
 * prober's (zero) address as target, as Linux does. */
static void arp_probe_input(struct glass_netif *nif, uint16_t op, const uint8_t *sha,
                            uint32_t tpa)
{
    struct glass_stack *stack = nif->stack;
    if (op == ARP_OP_REQUEST && netif_has_addr(nif, tpa)) {
        TRACE(stack, GLASS_TRACE_ARP, "arp   probe for %s from %s: it is ours", ip4s(tpa).s,
              macs(sha).s);
        arp_reply(nif, sha, 0, tpa);
        return;
    }
    TRACE(stack, GLASS_TRACE_ARP, "arp   ignore probe for %s from %s", ip4s(tpa).s, macs(sha).s);
}

/* RFC 826 "merge": learn from a valid packet about sender spa at sha. */
static void arp_merge(struct glass_netif *nif, uint16_t op, const uint8_t *sha, uint32_t spa,
                      uint32_t tpa)
{
    struct glass_stack *stack = nif->stack;
    bool for_us = netif_has_addr(nif, tpa);

    /* "If the pair <protocol type, sender protocol address> is already in
     * my translation table, update the sender hardware address field". */
    struct arp_entry *e = arp_cache_find(stack->arp, nif, spa);
    if (e && e->state == ARP_STATIC) {
        if (memcmp(e->mac, sha, ETH_ALEN) != 0)
            TRACE(stack, GLASS_TRACE_ARP, "arp   ignore %s is-at %s: static entry says %s",
                  ip4s(spa).s, macs(sha).s, macs(e->mac).s);
    } else if (e) {
        arp_entry_confirm(stack, e, sha);
    } else if (for_us) {
        /* "?Am I the target protocol address?  Yes: If Merge_flag is
         * false, add the triplet" - only then, so that a busy LAN's
         * broadcasts do not fill the cache. */
        e = arp_cache_add(stack, nif, spa, ARP_REACHABLE);
        if (e) {
            memcpy(e->mac, sha, ETH_ALEN);
            TRACE(stack, GLASS_TRACE_ARP, "arp   learn %s is-at %s (REACHABLE)", ip4s(spa).s,
                  macs(sha).s);
        }
    }

    if (!for_us) {
        STAT_INC(stack, arp, drop_not_for_us);
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s for %s is not for us", op == ARP_OP_REQUEST ?
              "request" : "reply", ip4s(tpa).s);
        return;
    }
    /* "Is the opcode ares_op$REQUEST?  Yes: ... send the packet". */
    if (op == ARP_OP_REQUEST)
        arp_reply(nif, sha, spa, tpa);
}

void arp_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    const uint8_t *a = pkb->data;
    STAT_INC(stack, arp, rx);
    /* Bytes past ARP_HLEN are Ethernet padding (frames are >= 60 bytes):
     * fine, and never read. */
    if (!arp_valid_header(stack, a, pkb_len(pkb))) {
        pkb_free(stack, pkb);
        return;
    }
    pkb_set_l3(pkb);
    uint16_t op = get_be16(a + ARP_OFF_OP);
    const uint8_t *sha = a + ARP_OFF_SHA;
    uint32_t spa = get_addr(a + ARP_OFF_SPA);
    uint32_t tpa = get_addr(a + ARP_OFF_TPA);

    if (!arp_valid_sender(nif, sha, spa)) {
        pkb_free(stack, pkb);
        return;
    }
    if (op == ARP_OP_REQUEST) {
        STAT_INC(stack, arp, rx_request);
        TRACE(stack, GLASS_TRACE_ARP, "arp   request from %s (%s): who-has %s", ip4s(spa).s,
              macs(sha).s, ip4s(tpa).s);
    } else {
        STAT_INC(stack, arp, rx_reply);
        TRACE(stack, GLASS_TRACE_ARP, "arp   reply from %s (%s) to %s", ip4s(spa).s, macs(sha).s,
              ip4s(tpa).s);
    }

    if (spa == 0)
        arp_probe_input(nif, op, sha, tpa);
    else if (netif_has_addr(nif, spa))
        arp_conflict(nif, sha, spa);
    else
        arp_merge(nif, op, sha, spa, tpa);
    pkb_free(stack, pkb);
}

/* ---- output: find the MAC of the next hop ----------------------------- */

/* RFC 1112 6.4: a group address maps to 01:00:5e plus its low 23 bits. */
static void arp_multicast_mac(uint32_t group, uint8_t mac[ETH_ALEN])
{
    const uint8_t *g = (const uint8_t *)&group;
    mac[0] = 0x01;
    mac[1] = 0x00;
    mac[2] = 0x5e;
    mac[3] = g[1] & 0x7f;
    mac[4] = g[2];
    mac[5] = g[3];
}

/* No entry yet: start resolving (RFC 826) with pkb as the first waiter. */
static int arp_resolve_new(struct glass_netif *nif, uint32_t nexthop, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    struct arp_entry *e = arp_cache_add(stack, nif, nexthop, ARP_INCOMPLETE);
    if (!e) {
        pkb_free(stack, pkb);
        return -ENOBUFS;
    }
    TRACE(stack, GLASS_TRACE_ARP, "arp   resolve %s on %s (new INCOMPLETE entry)",
          ip4s(nexthop).s, nif->name);
    arp_entry_enqueue(stack, e, pkb, nexthop);
    arp_entry_solicit(stack, e);
    return 0;
}

/* A broadcast (RFC 919/922) or multicast (RFC 1112 6.4) next hop needs
 * no resolution: its MAC follows from the address.  false if nexthop is
 * an ordinary unicast neighbour. */
static bool arp_group_mac(const struct glass_netif *nif, uint32_t nexthop, uint8_t mac[ETH_ALEN])
{
    if (ip4_is_limited_broadcast(nexthop) || netif_is_subnet_broadcast(nif, nexthop)) {
        memcpy(mac, eth_broadcast_addr, ETH_ALEN);
        return true;
    }
    if (ip4_is_multicast(nexthop)) {
        arp_multicast_mac(nexthop, mac);
        return true;
    }
    return false;
}

int arp_output(struct glass_netif *nif, uint32_t nexthop, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    if (!nif->up) {
        /* Nobody would hear the request; don't start an entry that can
         * only fail three seconds from now. */
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: %s is down (next hop %s)", nif->name,
              ip4s(nexthop).s);
        pkb_free(stack, pkb);
        return -ENETDOWN;
    }
    uint8_t group[ETH_ALEN];
    if (arp_group_mac(nif, nexthop, group))
        return eth_output(nif, pkb, group, ETH_P_IP);
    if (nexthop == 0) {
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: no next hop address");
        pkb_free(stack, pkb);
        return -EINVAL;
    }

    struct arp_entry *e = arp_cache_find(stack->arp, nif, nexthop);
    if (!e)
        return arp_resolve_new(nif, nexthop, pkb);
    switch (e->state) {
    case ARP_INCOMPLETE:
        /* The retry timer asks again; asking now would break the one
         * request per second rule (RFC 1122 2.3.2.1). */
        arp_entry_enqueue(stack, e, pkb, nexthop);
        return 0;
    case ARP_STALE:
        arp_entry_probe(stack, e);
        break;
    case ARP_REACHABLE:
    case ARP_PROBE:
    case ARP_STATIC:
        break;
    }
    return eth_output(nif, pkb, e->mac, ETH_P_IP);
}
