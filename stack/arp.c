/*
 * arp.c - the Address Resolution Protocol (RFC 826) and the neighbour cache.
 *
 * The cache maps (interface, IPv4 address) to an Ethernet address.  Each
 * entry is in one of these states (the names follow Linux's neighbour
 * table, the rules RFC 1122 2.3.2):
 *
 *   INCOMPLETE  we asked (broadcast request) and wait for the answer; the
 *               packets for this next hop wait in the entry's queue.
 *   REACHABLE   the neighbour answered recently; its MAC is used as is.
 *   STALE       not confirmed for ARP_REACHABLE_TIME; still used, but the
 *               next use starts a re-validation.
 *   PROBE       re-validating a STALE entry with unicast requests
 *               (RFC 1122 2.3.2.1 "unicast poll"); still used meanwhile.
 *   STATIC      added by the user; the wire never changes it.
 *
 *   (none) --output--> INCOMPLETE --reply or request from it--> REACHABLE <--+
 *     ^                    |                                          |        |
 *     |  3 requests unanswered: queued packets dropped,               | ARP_REACHABLE_TIME
 *     +--------- ICMP host unreachable to their sender                v        |
 *     |                                                             STALE      | reply
 *     +--------- unused for ARP_STALE_TIME -----------------------------+      |
 *     |                                                               | used   |
 *     |                                                               v        |
 *     +--------- 3 unicast requests unanswered ---------------------PROBE -----+
 *
 * One timer per entry drives all of it: the request retries of INCOMPLETE
 * and PROBE, the REACHABLE -> STALE step and the removal of unused STALE
 * entries.  The cache is bounded (ARP_CACHE_MAX entries, ARP_QUEUE_MAX
 * packets per entry) so a flood of addresses cannot eat the host.
 */
#include "arp.h"

#include <errno.h>
#include <string.h>

#include "eth.h"
#include "icmp.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "timer.h"
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

#define ARP_HASH_SIZE 64        /* buckets; chains stay short at ARP_CACHE_MAX */

struct arp_entry {
    struct arp_entry *next;     /* hash chain */
    struct glass_netif *nif;
    uint32_t addr;              /* the neighbour's IPv4 address */
    uint8_t mac[ETH_ALEN];      /* valid unless INCOMPLETE */
    enum arp_state state;
    unsigned requests;          /* sent in the current INCOMPLETE/PROBE round */
    glass_time_t confirmed;     /* last time the neighbour proved its MAC */
    struct pkb_queue queue;     /* waiting for INCOMPLETE to resolve */
    struct glass_timer timer;
};

struct arp_cache {
    struct arp_entry *buckets[ARP_HASH_SIZE];
    unsigned count;
    bool defended;              /* RFC 5227 2.4 (b): have we defended yet, */
    glass_time_t last_defend;   /* and when last */
};

static const uint8_t zero_mac[ETH_ALEN];

static void arp_timer_fired(struct glass_stack *stack, void *arg);

const char *arp_state_name(enum arp_state state)
{
    switch (state) {
    case ARP_INCOMPLETE: return "INCOMPLETE";
    case ARP_REACHABLE: return "REACHABLE";
    case ARP_STALE: return "STALE";
    case ARP_PROBE: return "PROBE";
    case ARP_STATIC: return "STATIC";
    }
    return "?";
}

/* ---- the cache itself ----------------------------------------------- */

static unsigned arp_hash(const struct glass_netif *nif, uint32_t addr)
{
    /* Fibonacci hashing: the top bits of a multiply mix all input bits. */
    uint32_t h = (addr ^ nif->index) * 2654435761u;
    return h >> 26; /* 6 bits: ARP_HASH_SIZE buckets */
}

static struct arp_entry *arp_lookup_entry(const struct arp_cache *c, const struct glass_netif *nif,
                                          uint32_t addr)
{
    for (struct arp_entry *e = c->buckets[arp_hash(nif, addr)]; e; e = e->next)
        if (e->nif == nif && e->addr == addr)
            return e;
    return NULL;
}

/* Unlink e, stop its timer and free it with anything still queued. */
static void arp_entry_free(struct glass_stack *stack, struct arp_entry *e)
{
    struct arp_cache *c = stack->arp;
    for (struct arp_entry **p = &c->buckets[arp_hash(e->nif, e->addr)]; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    c->count--;
    timer_cancel(stack, &e->timer);
    pkb_queue_purge(stack, &e->queue);
    glass_free(stack, e);
}

/* The entry to sacrifice when the cache is full: the one confirmed longest
 * ago among those that hold nothing but a guess (never STATIC, never an
 * INCOMPLETE entry whose queue would be lost). */
static struct arp_entry *arp_eviction_victim(const struct arp_cache *c)
{
    struct arp_entry *victim = NULL;
    for (unsigned b = 0; b < ARP_HASH_SIZE; b++)
        for (struct arp_entry *e = c->buckets[b]; e; e = e->next) {
            if (e->state == ARP_STATIC || e->state == ARP_INCOMPLETE)
                continue;
            if (!victim || e->confirmed < victim->confirmed)
                victim = e;
        }
    return victim;
}

/* Room for one more entry: true when there is (possibly after evicting). */
static bool arp_make_room(struct glass_stack *stack, uint32_t for_addr)
{
    struct arp_cache *c = stack->arp;
    if (c->count < ARP_CACHE_MAX)
        return true;
    struct arp_entry *victim = arp_eviction_victim(c);
    if (!victim) {
        STAT_INC(stack, arp, cache_full);
        TRACE(stack, GLASS_TRACE_ARP, "arp   cache full (%u entries, none evictable): no room for %s",
              c->count, ip4s(for_addr).s);
        return false;
    }
    STAT_INC(stack, arp, evicted);
    TRACE(stack, GLASS_TRACE_ARP, "arp   cache full: evict %s (%s) to make room for %s",
          ip4s(victim->addr).s, arp_state_name(victim->state), ip4s(for_addr).s);
    arp_entry_free(stack, victim);
    return true;
}

static struct arp_entry *arp_entry_new(struct glass_stack *stack, struct glass_netif *nif,
                                       uint32_t addr, enum arp_state state)
{
    struct arp_cache *c = stack->arp;
    if (!arp_make_room(stack, addr))
        return NULL;
    struct arp_entry *e = glass_alloc(stack, sizeof(*e));
    if (!e) {
        TRACE(stack, GLASS_TRACE_ARP, "arp   out of memory: no entry for %s", ip4s(addr).s);
        return NULL;
    }
    e->nif = nif;
    e->addr = addr;
    e->state = state;
    e->confirmed = glass_stack_now(stack);
    timer_init(&e->timer, "arp", arp_timer_fired, e);
    unsigned b = arp_hash(nif, addr);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->count++;
    return e;
}

/* (Re)start e's timer; `name` says what it waits for (glassctl, gdb). */
static void arp_entry_arm(struct glass_stack *stack, struct arp_entry *e, const char *name,
                          glass_time_t delay)
{
    e->timer.name = name;
    if (timer_arm(stack, &e->timer, delay) < 0)
        /* Only when the timer heap cannot grow.  The entry then stays in
         * its state until traffic moves it or the interface goes away;
         * it is still bounded and freed with the cache. */
        TRACE(stack, GLASS_TRACE_ARP, "arp   out of memory: no timer for %s", ip4s(e->addr).s);
}

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

/* Ask who has e->addr: broadcast while INCOMPLETE, unicast to the MAC we
 * believe in while PROBE (RFC 1122 2.3.2.1 "unicast poll").  Callers keep
 * requests at least ARP_RETRY_INTERVAL apart (RFC 1122 2.3.2.1: at most
 * one per second per address): the first goes out when the entry starts,
 * the others only from its timer. */
static void arp_solicit(struct glass_stack *stack, struct arp_entry *e)
{
    bool unicast = e->state == ARP_PROBE;
    uint32_t spa = arp_source_for(e->nif, e->addr);
    e->requests++;
    TRACE(stack, GLASS_TRACE_ARP, "arp   who-has %s tell %s%s%s (request %u of %u)",
          ip4s(e->addr).s, ip4s(spa).s, unicast ? ", unicast to " : "",
          unicast ? macs(e->mac).s : "", e->requests, ARP_MAX_RETRIES);
    if (arp_send(e->nif, ARP_OP_REQUEST, unicast ? e->mac : eth_broadcast_addr, spa, zero_mac,
                 e->addr) == 0)
        STAT_INC(stack, arp, tx_request);
    arp_entry_arm(stack, e, unicast ? "arp probe" : "arp retry", ARP_RETRY_INTERVAL);
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

/* ---- state changes --------------------------------------------------- */

/* Send every packet that waited for e, in the order they came. */
static void arp_send_queued(struct arp_entry *e)
{
    /* Take the queue (and the address) first: nothing a send does may
     * see the queue half sent. */
    struct pkb_queue q = e->queue;
    memset(&e->queue, 0, sizeof(e->queue));
    struct glass_netif *nif = e->nif;
    uint8_t mac[ETH_ALEN];
    memcpy(mac, e->mac, ETH_ALEN);
    struct pkb *pkb;
    while ((pkb = pkb_queue_pop(&q)))
        eth_output(nif, pkb, mac, ETH_P_IP);
}

/* The neighbour proved it owns e->addr at `mac` (RFC 826 merge). */
static void arp_entry_confirm(struct glass_stack *stack, struct arp_entry *e,
                              const uint8_t mac[ETH_ALEN])
{
    enum arp_state was = e->state;
    bool moved = was != ARP_INCOMPLETE && memcmp(e->mac, mac, ETH_ALEN) != 0;
    uint8_t old[ETH_ALEN];
    memcpy(old, e->mac, ETH_ALEN);

    memcpy(e->mac, mac, ETH_ALEN);
    e->state = ARP_REACHABLE;
    e->requests = 0;
    e->confirmed = glass_stack_now(stack);
    arp_entry_arm(stack, e, "arp reachable", ARP_REACHABLE_TIME);

    if (was == ARP_INCOMPLETE)
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s is-at %s (INCOMPLETE -> REACHABLE, sending %zu queued)",
              ip4s(e->addr).s, macs(mac).s, e->queue.count);
    else if (moved)
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s is-at %s (%s -> REACHABLE, was %s)",
              ip4s(e->addr).s, macs(mac).s, arp_state_name(was), macs(old).s);
    else
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s is-at %s (%s -> REACHABLE)", ip4s(e->addr).s,
              macs(mac).s, arp_state_name(was));
    if (was == ARP_INCOMPLETE)
        arp_send_queued(e);
}

/* RFC 1122 2.3.2.1: no answer to ARP_MAX_RETRIES requests.  Everything
 * that waited is dropped, and (as Linux does) its sender is told with an
 * ICMP host unreachable (RFC 792 code 1), delivered locally when the
 * sender is us - that is how glass-ping learns the host is absent. */
static void arp_give_up(struct glass_stack *stack, struct arp_entry *e)
{
    struct pkb_queue q = e->queue;
    memset(&e->queue, 0, sizeof(e->queue));
    TRACE(stack, GLASS_TRACE_ARP, "arp   give up on %s after %u requests, dropping %zu packet%s",
          ip4s(e->addr).s, e->requests, q.count, q.count == 1 ? "" : "s");
    /* Remove the entry before reporting: icmp_send_error may send, and a
     * send may come back here for another address. */
    arp_entry_free(stack, e);
    struct pkb *pkb;
    while ((pkb = pkb_queue_pop(&q))) {
        STAT_INC(stack, arp, resolve_failed);
        icmp_send_error(stack, pkb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
        pkb_free(stack, pkb);
    }
}

static void arp_timer_fired(struct glass_stack *stack, void *arg)
{
    struct arp_entry *e = arg;
    switch (e->state) {
    case ARP_INCOMPLETE:
        if (e->requests >= ARP_MAX_RETRIES)
            arp_give_up(stack, e);
        else
            arp_solicit(stack, e);
        break;
    case ARP_PROBE:
        if (e->requests >= ARP_MAX_RETRIES) {
            /* RFC 1122 2.3.2.1: "delete the entry if no ARP Reply is
             * received from N successive polls". */
            TRACE(stack, GLASS_TRACE_ARP, "arp   forget %s: no answer to %u unicast requests",
                  ip4s(e->addr).s, e->requests);
            arp_entry_free(stack, e);
        } else {
            arp_solicit(stack, e);
        }
        break;
    case ARP_REACHABLE:
        /* RFC 1122 2.3.2.1: entries must time out, so a neighbour that
         * changed its MAC is not believed forever. */
        e->state = ARP_STALE;
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s REACHABLE -> STALE (not confirmed for %llu s)",
              ip4s(e->addr).s, (unsigned long long)(ARP_REACHABLE_TIME / GLASS_USEC_PER_SEC));
        arp_entry_arm(stack, e, "arp stale", ARP_STALE_TIME);
        break;
    case ARP_STALE:
        TRACE(stack, GLASS_TRACE_ARP, "arp   forget %s (STALE, unused for %llu s)", ip4s(e->addr).s,
              (unsigned long long)(ARP_STALE_TIME / GLASS_USEC_PER_SEC));
        arp_entry_free(stack, e);
        break;
    case ARP_STATIC:
        break;
    }
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
    struct arp_entry *e = arp_lookup_entry(stack->arp, nif, spa);
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
        e = arp_entry_new(stack, nif, spa, ARP_REACHABLE);
        if (e) {
            memcpy(e->mac, sha, ETH_ALEN);
            arp_entry_arm(stack, e, "arp reachable", ARP_REACHABLE_TIME);
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

/* Park pkb on an INCOMPLETE entry; the oldest goes when the queue is full
 * (the newest is the most likely still to matter to its sender). */
static void arp_enqueue(struct glass_stack *stack, struct arp_entry *e, struct pkb *pkb,
                        uint32_t nexthop)
{
    if (e->queue.count >= ARP_QUEUE_MAX) {
        struct pkb *old = pkb_queue_pop(&e->queue);
        STAT_INC(stack, arp, queue_overflow);
        TRACE(stack, GLASS_TRACE_ARP, "arp   queue %s full (%d): drop the oldest",
              ip4s(e->addr).s, ARP_QUEUE_MAX);
        pkb_free(stack, old);
    }
    pkb->stamp = glass_stack_now(stack);
    pkb->nexthop = nexthop;
    pkb_queue_push(&e->queue, pkb);
    STAT_INC(stack, arp, queued);
    TRACE(stack, GLASS_TRACE_ARP, "arp   queue %s (%zu waiting)", ip4s(e->addr).s,
          e->queue.count);
}

/* No entry yet: start resolving (RFC 826) with pkb as the first waiter. */
static int arp_resolve_new(struct glass_netif *nif, uint32_t nexthop, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    struct arp_entry *e = arp_entry_new(stack, nif, nexthop, ARP_INCOMPLETE);
    if (!e) {
        pkb_free(stack, pkb);
        return -ENOBUFS;
    }
    TRACE(stack, GLASS_TRACE_ARP, "arp   resolve %s on %s (new INCOMPLETE entry)",
          ip4s(nexthop).s, nif->name);
    arp_enqueue(stack, e, pkb, nexthop);
    arp_solicit(stack, e);
    return 0;
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
    /* RFC 919/922: broadcasts go to the Ethernet broadcast address. */
    if (ip4_is_limited_broadcast(nexthop) || netif_is_subnet_broadcast(nif, nexthop))
        return eth_output(nif, pkb, eth_broadcast_addr, ETH_P_IP);
    if (ip4_is_multicast(nexthop)) {
        uint8_t mac[ETH_ALEN];
        arp_multicast_mac(nexthop, mac);
        return eth_output(nif, pkb, mac, ETH_P_IP);
    }
    if (nexthop == 0) {
        TRACE(stack, GLASS_TRACE_ARP, "arp   drop: no next hop address");
        pkb_free(stack, pkb);
        return -EINVAL;
    }

    struct arp_entry *e = arp_lookup_entry(stack->arp, nif, nexthop);
    if (!e)
        return arp_resolve_new(nif, nexthop, pkb);
    switch (e->state) {
    case ARP_INCOMPLETE:
        /* The retry timer asks again; asking now would break the one
         * request per second rule (RFC 1122 2.3.2.1). */
        arp_enqueue(stack, e, pkb, nexthop);
        return 0;
    case ARP_STALE:
        /* RFC 1122 2.3.2.1: keep using the old MAC, but verify it. */
        e->state = ARP_PROBE;
        e->requests = 0;
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s STALE -> PROBE (in use, re-validating)",
              ip4s(nexthop).s);
        arp_solicit(stack, e);
        break;
    case ARP_REACHABLE:
    case ARP_PROBE:
    case ARP_STATIC:
        break;
    }
    return eth_output(nif, pkb, e->mac, ETH_P_IP);
}

/* ---- life of the cache ----------------------------------------------- */

int arp_init(struct glass_stack *stack)
{
    stack->arp = glass_alloc(stack, sizeof(*stack->arp));
    return stack->arp ? 0 : -1;
}

void arp_destroy(struct glass_stack *stack)
{
    struct arp_cache *c = stack->arp;
    if (!c)
        return;
    for (unsigned b = 0; b < ARP_HASH_SIZE; b++)
        while (c->buckets[b])
            arp_entry_free(stack, c->buckets[b]);
    glass_free(stack, c);
    stack->arp = NULL;
}

void arp_flush_netif(struct glass_stack *stack, struct glass_netif *nif)
{
    struct arp_cache *c = stack->arp;
    if (!c)
        return;
    unsigned n = 0;
    for (unsigned b = 0; b < ARP_HASH_SIZE; b++) {
        struct arp_entry *e = c->buckets[b];
        while (e) {
            struct arp_entry *next = e->next;
            if (e->nif == nif) {
                arp_entry_free(stack, e);
                n++;
            }
            e = next;
        }
    }
    if (n)
        TRACE(stack, GLASS_TRACE_ARP, "arp   flush %s: %u entr%s forgotten", nif->name, n,
              n == 1 ? "y" : "ies");
}

/* The interface of `stack` whose subnet holds addr, or NULL. */
static struct glass_netif *arp_netif_for(struct glass_stack *stack, uint32_t addr)
{
    for (struct glass_netif *nif = stack->netifs; nif; nif = nif->next)
        for (unsigned i = 0; i < nif->naddrs; i++)
            if ((nif->addrs[i].addr & nif->addrs[i].mask) == (addr & nif->addrs[i].mask))
                return nif;
    return NULL;
}

static int arp_add_static_locked(struct glass_stack *stack, struct glass_netif *nif,
                                 uint32_t addr, const uint8_t mac[ETH_ALEN])
{
    if (!nif)
        nif = arp_netif_for(stack, addr);
    if (!nif)
        return -ENETUNREACH;
    if (nif->stack != stack)
        return -EINVAL;
    struct arp_entry *e = arp_lookup_entry(stack->arp, nif, addr);
    if (!e)
        e = arp_entry_new(stack, nif, addr, ARP_STATIC);
    if (!e)
        return -ENOBUFS;
    enum arp_state was = e->state;
    memcpy(e->mac, mac, ETH_ALEN);
    e->state = ARP_STATIC;
    e->requests = 0;
    e->confirmed = glass_stack_now(stack);
    timer_cancel(stack, &e->timer);
    e->timer.name = "arp";
    TRACE(stack, GLASS_TRACE_ARP, "arp   static %s is-at %s on %s%s%s", ip4s(addr).s,
          macs(mac).s, nif->name, was != ARP_STATIC ? ", was " : "",
          was != ARP_STATIC ? arp_state_name(was) : "");
    if (e->queue.count)
        arp_send_queued(e);
    return 0;
}

int glass_arp_add_static(struct glass_stack *stack, struct glass_netif *nif, uint32_t addr,
                         const uint8_t mac[GLASS_ETH_ALEN])
{
    /* A neighbour has one unicast address on each side. */
    if (!stack || !mac || mac_is_multicast(mac) || mac_is_zero(mac) || addr == 0 ||
        ip4_is_multicast(addr) || ip4_is_limited_broadcast(addr) || ip4_is_loopback(addr)) {
        errno = EINVAL;
        return -1;
    }
    glass_stack_lock(stack);
    int rc = arp_add_static_locked(stack, nif, addr, mac);
    glass_stack_unlock(stack);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

/* ---- read-only views (glassctl, gdb, tests) --------------------------- */

static void arp_entry_info_fill(const struct glass_stack *stack, const struct arp_entry *e,
                                struct arp_entry_info *info)
{
    info->nif = e->nif;
    info->addr = e->addr;
    memcpy(info->mac, e->mac, ETH_ALEN);
    info->state = e->state;
    info->age = glass_stack_now(stack) - e->confirmed;
    info->queued = (unsigned)e->queue.count;
    info->requests = e->requests;
    info->expires = timer_pending(&e->timer) ? e->timer.expires : TIMER_NEVER;
}

int arp_lookup(const struct glass_stack *stack, const struct glass_netif *nif, uint32_t addr,
               struct arp_entry_info *info)
{
    const struct arp_entry *e = arp_lookup_entry(stack->arp, nif, addr);
    if (!e)
        return -1;
    if (info)
        arp_entry_info_fill(stack, e, info);
    return 0;
}

unsigned arp_cache_count(const struct glass_stack *stack)
{
    return stack->arp ? stack->arp->count : 0;
}

int arp_entry_at(const struct glass_stack *stack, unsigned i, struct arp_entry_info *info)
{
    const struct arp_cache *c = stack->arp;
    for (unsigned b = 0; c && b < ARP_HASH_SIZE; b++)
        for (const struct arp_entry *e = c->buckets[b]; e; e = e->next)
            if (i-- == 0) {
                arp_entry_info_fill(stack, e, info);
                return 0;
            }
    return -1;
}
