/*
 * arp.h - the Address Resolution Protocol (RFC 826) and the neighbour
 * cache, with the host requirements of RFC 1122 2.3.2: cache entries age
 * out, requests are rate limited and retried a bounded number of times,
 * and packets wait in a bounded queue while their next hop is resolved.
 */
#ifndef GLASS_ARP_H
#define GLASS_ARP_H

#include <stdint.h>

#include "glass.h"

struct glass_stack;
struct glass_netif;
struct pkb;

#define ARP_HLEN 28             /* Ethernet/IPv4 ARP packet */
#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* Tunables (RFC 1122 2.3.2.1 leaves the numbers to us; these follow Linux). */
#define ARP_RETRY_INTERVAL (1 * GLASS_USEC_PER_SEC) /* at most 1 request/s per address */
#define ARP_MAX_RETRIES 3                           /* requests before giving up */
#define ARP_REACHABLE_TIME (30 * GLASS_USEC_PER_SEC) /* reachable -> stale */
#define ARP_STALE_TIME (60 * GLASS_USEC_PER_SEC)     /* unused stale entry removed */
#define ARP_QUEUE_MAX 8                              /* packets waiting per entry */
#define ARP_CACHE_MAX 256                            /* entries per stack */

int arp_init(struct glass_stack *stack);
void arp_destroy(struct glass_stack *stack);

/* An ARP packet arrived (pkb data at the ARP header); consumes pkb. */
void arp_input(struct glass_netif *nif, struct pkb *pkb);
/* Send pkb (data at the IPv4 header, l3 set) to IPv4 next hop `nexthop`
 * on nif: now if the MAC is known, else queued while we ask.  Consumes
 * pkb.  0 when sent or queued, a negative errno when dropped. */
int arp_output(struct glass_netif *nif, uint32_t nexthop, struct pkb *pkb);
/* Gratuitous ARP announcing addr (RFC 5227 2.3). */
void arp_announce(struct glass_netif *nif, uint32_t addr);
/* Forget everything learned on nif (interface going down/away). */
void arp_flush_netif(struct glass_stack *stack, struct glass_netif *nif);

/* ---- read-only views for glassctl, gdb and tests ---------------------- */

enum arp_state {
    ARP_INCOMPLETE,             /* asked, waiting for the answer */
    ARP_REACHABLE,              /* confirmed within ARP_REACHABLE_TIME */
    ARP_STALE,                  /* used as is, re-validated on next use */
    ARP_PROBE,                  /* re-validating with unicast requests */
    ARP_STATIC,                 /* set by the user, never by the wire */
};
const char *arp_state_name(enum arp_state state); /* "REACHABLE" ... */

struct arp_entry_info {
    const struct glass_netif *nif;
    uint32_t addr;              /* network byte order */
    uint8_t mac[GLASS_ETH_ALEN]; /* zero while INCOMPLETE */
    enum arp_state state;
    glass_time_t age;           /* since the neighbour last confirmed it */
    unsigned queued;            /* packets waiting (INCOMPLETE) */
    unsigned requests;          /* requests sent in this INCOMPLETE/PROBE round */
    glass_time_t expires;       /* when its timer fires next, TIMER_NEVER if none */
};
/* Stack context (lock held).  0 and *info filled when nif/addr is cached. */
int arp_lookup(const struct glass_stack *stack, const struct glass_netif *nif, uint32_t addr,
               struct arp_entry_info *info);
unsigned arp_cache_count(const struct glass_stack *stack);
/* The i-th entry (in no particular order); -1 past the end.  Indexes are
 * stable only while the cache does not change. */
int arp_entry_at(const struct glass_stack *stack, unsigned i, struct arp_entry_info *info);

#endif
