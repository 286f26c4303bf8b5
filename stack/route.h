/*
 * route.h - the IPv4 routing table: longest-prefix match (RFC 1812 5.2.4.3)
 * over connected routes (from interface addresses), static routes and the
 * default route.
 */
#ifndef GLASS_ROUTE_H
#define GLASS_ROUTE_H

#include <stdint.h>

struct glass_stack;
struct glass_netif;

enum route_origin {
    ROUTE_CONNECTED,            /* from an interface address */
    ROUTE_STATIC,               /* --route, glass_route_add */
};

struct route {
    uint32_t net;               /* network byte order, already masked */
    uint32_t mask;
    unsigned prefix_len;
    uint32_t gateway;           /* 0: destination is on the link */
    struct glass_netif *nif;
    unsigned metric;            /* lower wins among equal prefixes */
    enum route_origin origin;
};

int route_init(struct glass_stack *stack);
void route_destroy(struct glass_stack *stack);

/* Best route to dst, or NULL (no route: ENETUNREACH).  The result is valid
 * until the table changes. */
const struct route *route_lookup(struct glass_stack *stack, uint32_t dst);
/* Next hop for dst through r: the gateway, or dst itself when on-link. */
static inline uint32_t route_nexthop(const struct route *r, uint32_t dst)
{
    return r->gateway ? r->gateway : dst;
}
/* Connected route for an address just added to nif: 0, or a negative
 * errno (-ENOSPC when the table is full). */
int route_add_connected(struct glass_stack *stack, struct glass_netif *nif,
                        uint32_t addr, unsigned prefix_len);
/* Stack-context versions of glass_route_add/del (the DHCP client applies
 * its router from a timer or input path, lock held): 0 or -errno. */
int route_add_static(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw,
                     struct glass_netif *nif, unsigned metric);
int route_del_static(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw);
/* Remove nif's connected route net/prefix_len (its address went away). */
void route_del_connected(struct glass_stack *stack, struct glass_netif *nif, uint32_t net,
                         unsigned prefix_len);
/* Drop every route through nif. */
void route_flush_netif(struct glass_stack *stack, struct glass_netif *nif);
/* Iterate for display (glassctl, gdb): the i-th route or NULL. */
const struct route *route_at(const struct glass_stack *stack, unsigned i);

#endif
