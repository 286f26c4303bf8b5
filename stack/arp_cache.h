/*
 * arp_cache.h - the neighbour cache behind ARP.  Internal: shared by
 * arp.c (the protocol: packets in and out, RFC 826) and arp_cache.c (the
 * entries, their states and their timers, RFC 1122 2.3.2).
 */
#ifndef GLASS_ARP_CACHE_H
#define GLASS_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "arp.h"
#include "eth.h"
#include "pkb.h"
#include "timer.h"

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
    struct glass_timer timer;   /* pending in every state but STATIC */
};

struct arp_cache {
    struct arp_entry *buckets[ARP_HASH_SIZE];
    unsigned count;
    bool defended;              /* RFC 5227 2.4 (b): have we defended yet, */
    glass_time_t last_defend;   /* and when last (arp.c) */
};

/* ---- arp_cache.c: the entries ------------------------------------------ */

/* The entry for addr on nif, or NULL. */
struct arp_entry *arp_cache_find(const struct arp_cache *c, const struct glass_netif *nif,
                                 uint32_t addr);
/* A new entry in `state`, its timer running; NULL (counted) when there is
 * no room or no memory. */
struct arp_entry *arp_cache_add(struct glass_stack *stack, struct glass_netif *nif, uint32_t addr,
                                enum arp_state state);
/* RFC 826 merge: the neighbour proved it owns e->addr at mac.  e becomes
 * REACHABLE and the packets that waited for it are sent. */
void arp_entry_confirm(struct glass_stack *stack, struct arp_entry *e, const uint8_t mac[ETH_ALEN]);
/* Park pkb on INCOMPLETE e until it resolves (bounded: ARP_QUEUE_MAX). */
void arp_entry_enqueue(struct glass_stack *stack, struct arp_entry *e, struct pkb *pkb,
                       uint32_t nexthop);
/* Send e's next request and restart its retry timer. */
void arp_entry_solicit(struct glass_stack *stack, struct arp_entry *e);
/* A STALE entry is in use again: re-validate it (RFC 1122 2.3.2.1). */
void arp_entry_probe(struct glass_stack *stack, struct arp_entry *e);

/* ---- arp.c: the packets the cache needs sent -------------------------- */

/* Request number `nth` for tpa on nif: "who-has tpa", broadcast, or
 * unicast to `unicast_mac` when not NULL (RFC 1122 2.3.2.1 unicast poll). */
void arp_request(struct glass_netif *nif, uint32_t tpa, const uint8_t *unicast_mac, unsigned nth);

#endif
