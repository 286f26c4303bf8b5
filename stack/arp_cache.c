/*
 * arp_cache.c - the neighbour cache behind ARP: its entries, their states
 * and the one timer each keeps (RFC 1122 2.3.2).  arp.c speaks the
 * protocol (RFC 826) and calls in here to look up, learn and queue.
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
#include "arp_cache.h"

#include <errno.h>
#include <string.h>

#include "icmp.h"
#include "mem.h"
#include "netif.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

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

struct arp_entry *arp_cache_find(const struct arp_cache *c, const struct glass_netif *nif,
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

/* How long an entry may stay in `state` before its timer must act. */
static glass_time_t arp_state_timeout(enum arp_state state)
{
    switch (state) {
    case ARP_INCOMPLETE:
    case ARP_PROBE:
        return ARP_RETRY_INTERVAL;
    case ARP_REACHABLE:
        return ARP_REACHABLE_TIME;
    case ARP_STALE:
        return ARP_STALE_TIME;
    case ARP_STATIC:
        break;
    }
    return TIMER_NEVER;
}

static const char *arp_timer_name(enum arp_state state)
{
    switch (state) {
    case ARP_INCOMPLETE: return "arp retry";
    case ARP_PROBE: return "arp probe";
    case ARP_REACHABLE: return "arp reachable";
    case ARP_STALE: return "arp stale";
    case ARP_STATIC: break;
    }
    return "arp";
}

/* A new entry in `state`, linked into the cache; NULL (counted) if there
 * is no room.
 *
 * Every entry but a STATIC one keeps its timer pending for as long as it
 * lives: each firing re-arms it or frees the entry, and re-arming a
 * pending timer never allocates.  So this is the one place a timer can
 * fail (the timer heap cannot grow), and an entry that cannot have one is
 * not made at all: an INCOMPLETE entry without a timer would never give
 * up, black-holing its next hop for good, and a REACHABLE one would never
 * age out, which RFC 1122 2.3.2.1 forbids. */
struct arp_entry *arp_cache_add(struct glass_stack *stack, struct glass_netif *nif, uint32_t addr,
                                enum arp_state state)
{
    struct arp_cache *c = stack->arp;
    if (!arp_make_room(stack, addr))
        return NULL;
    struct arp_entry *e = glass_alloc(stack, sizeof(*e));
    if (!e) {
        STAT_INC(stack, arp, drop_no_memory);
        TRACE(stack, GLASS_TRACE_ARP, "arp   out of memory: no entry for %s", ip4s(addr).s);
        return NULL;
    }
    e->nif = nif;
    e->addr = addr;
    e->state = state;
    e->confirmed = glass_stack_now(stack);
    timer_init(&e->timer, arp_timer_name(state), arp_timer_fired, e);
    if (state != ARP_STATIC && timer_arm(stack, &e->timer, arp_state_timeout(state)) < 0) {
        STAT_INC(stack, arp, drop_no_memory);
        TRACE(stack, GLASS_TRACE_ARP, "arp   out of memory: no timer, so no entry for %s",
              ip4s(addr).s);
        glass_free(stack, e);
        return NULL;
    }
    unsigned b = arp_hash(nif, addr);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->count++;
    return e;
}

/* Restart e's timer for its (new) state.  The timer is already pending
 * (see arp_cache_add), or was just taken off the heap to fire, so this
 * never needs memory and cannot fail. */
static void arp_entry_arm(struct glass_stack *stack, struct arp_entry *e)
{
    e->timer.name = arp_timer_name(e->state);
    timer_arm(stack, &e->timer, arp_state_timeout(e->state));
}

/* ---- state changes --------------------------------------------------- */

/* Ask who has e->addr: broadcast while INCOMPLETE, unicast to the MAC we
 * believe in while PROBE (RFC 1122 2.3.2.1 "unicast poll").  Requests stay
 * at least ARP_RETRY_INTERVAL apart (RFC 1122 2.3.2.1: at most one per
 * second per address): the first goes out when the entry starts or turns
 * PROBE, the others only from its timer. */
void arp_entry_solicit(struct glass_stack *stack, struct arp_entry *e)
{
    e->requests++;
    arp_request(e->nif, e->addr, e->state == ARP_PROBE ? e->mac : NULL, e->requests);
    arp_entry_arm(stack, e);
}

/* RFC 1122 2.3.2.1: keep using a STALE entry's MAC, but verify it. */
void arp_entry_probe(struct glass_stack *stack, struct arp_entry *e)
{
    e->state = ARP_PROBE;
    e->requests = 0;
    TRACE(stack, GLASS_TRACE_ARP, "arp   %s STALE -> PROBE (in use, re-validating)",
          ip4s(e->addr).s);
    arp_entry_solicit(stack, e);
}

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

void arp_entry_confirm(struct glass_stack *stack, struct arp_entry *e, const uint8_t mac[ETH_ALEN])
{
    enum arp_state was = e->state;
    bool moved = was != ARP_INCOMPLETE && memcmp(e->mac, mac, ETH_ALEN) != 0;
    uint8_t old[ETH_ALEN];
    memcpy(old, e->mac, ETH_ALEN);

    memcpy(e->mac, mac, ETH_ALEN);
    e->state = ARP_REACHABLE;
    e->requests = 0;
    e->confirmed = glass_stack_now(stack);
    arp_entry_arm(stack, e);

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

/* Park pkb on an INCOMPLETE entry; the oldest goes when the queue is full
 * (the newest is the most likely still to matter to its sender). */
void arp_entry_enqueue(struct glass_stack *stack, struct arp_entry *e, struct pkb *pkb,
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
            arp_entry_solicit(stack, e);
        break;
    case ARP_PROBE:
        if (e->requests >= ARP_MAX_RETRIES) {
            /* RFC 1122 2.3.2.1: "delete the entry if no ARP Reply is
             * received from N successive polls". */
            TRACE(stack, GLASS_TRACE_ARP, "arp   forget %s: no answer to %u unicast requests",
                  ip4s(e->addr).s, e->requests);
            arp_entry_free(stack, e);
        } else {
            arp_entry_solicit(stack, e);
        }
        break;
    case ARP_REACHABLE:
        /* RFC 1122 2.3.2.1: entries must time out, so a neighbour that
         * changed its MAC is not believed forever. */
        e->state = ARP_STALE;
        TRACE(stack, GLASS_TRACE_ARP, "arp   %s REACHABLE -> STALE (not confirmed for %llu s)",
              ip4s(e->addr).s, (unsigned long long)(ARP_REACHABLE_TIME / GLASS_USEC_PER_SEC));
        arp_entry_arm(stack, e);
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
    struct arp_entry *e = arp_cache_find(stack->arp, nif, addr);
    if (!e)
        e = arp_cache_add(stack, nif, addr, ARP_STATIC);
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
    const struct arp_entry *e = arp_cache_find(stack->arp, nif, addr);
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
