/*
 * route.c - the IPv4 routing table.
 *
 * A small host table: connected routes (one per interface subnet, added
 * when an address is configured), static routes and the default route
 * (0.0.0.0/0).  Lookup is the longest-prefix match of RFC 1812 5.2.4.3;
 * among routes of equal prefix length the lower metric wins, then a
 * connected route wins over a static one (the link is known to work).
 *
 * The table is a bounded array scanned linearly: a host has a handful of
 * routes, and a scan is what a learner expects to step through in gdb.
 */
#include "route.h"

#include <errno.h>

#include "mem.h"
#include "netif.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

#define ROUTE_MAX 256           /* routes per stack: glass_route_add -> ENOSPC */

struct route_table {
    unsigned n;
    struct route r[ROUTE_MAX];
};

int route_init(struct glass_stack *stack)
{
    stack->routes = glass_alloc(stack, sizeof(*stack->routes));
    return stack->routes ? 0 : -ENOMEM;
}

void route_destroy(struct glass_stack *stack)
{
    glass_free(stack, stack->routes);
    stack->routes = NULL;
}

static bool route_matches(const struct route *r, uint32_t dst)
{
    return (dst & r->mask) == r->net;
}

/* RFC 1812 5.2.4.3: longest prefix first; then our tie-breakers. */
static bool route_better(const struct route *a, const struct route *b)
{
    if (!b)
        return true;
    if (a->prefix_len != b->prefix_len)
        return a->prefix_len > b->prefix_len;
    if (a->metric != b->metric)
        return a->metric < b->metric;
    return a->origin == ROUTE_CONNECTED && b->origin != ROUTE_CONNECTED;
}

const struct route *route_lookup(struct glass_stack *stack, uint32_t dst)
{
    const struct route_table *t = stack->routes;
    const struct route *best = NULL;
    for (unsigned i = 0; i < t->n; i++) {
        const struct route *r = &t->r[i];
        /* A route through an interface that is down leads nowhere
         * (RFC 1812 5.2.4.3 considers only usable routes). */
        if (!r->nif->up || !route_matches(r, dst))
            continue;
        if (route_better(r, best))
            best = r;
    }
    return best;
}

const struct route *route_at(const struct glass_stack *stack, unsigned i)
{
    return i < stack->routes->n ? &stack->routes->r[i] : NULL;
}

/* The table's key: destination and gateway (what glass_route_del names). */
static struct route *route_find(struct glass_stack *stack, uint32_t net, unsigned prefix_len,
                                uint32_t gw)
{
    struct route_table *t = stack->routes;
    for (unsigned i = 0; i < t->n; i++)
        if (t->r[i].net == net && t->r[i].prefix_len == prefix_len && t->r[i].gateway == gw)
            return &t->r[i];
    return NULL;
}

static void route_trace(struct glass_stack *stack, const char *what, const struct route *r)
{
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  route %s %s/%u%s%s dev %s metric %u%s", what,
          ip4s(r->net).s, r->prefix_len, r->gateway ? " via " : "",
          r->gateway ? ip4s(r->gateway).s : "", r->nif->name, r->metric,
          r->origin == ROUTE_CONNECTED ? " (connected)" : "");
}

/* 0 or -ENOSPC. */
static int route_append(struct glass_stack *stack, const struct route *nr)
{
    struct route_table *t = stack->routes;
    if (t->n == ROUTE_MAX)
        return -ENOSPC;
    t->r[t->n++] = *nr;
    route_trace(stack, "add", nr);
    return 0;
}

/* 0, -EEXIST or -ENOSPC. */
static int route_insert(struct glass_stack *stack, const struct route *nr)
{
    if (route_find(stack, nr->net, nr->prefix_len, nr->gateway))
        return -EEXIST;
    return route_append(stack, nr);
}

static void route_remove_at(struct glass_stack *stack, unsigned i)
{
    struct route_table *t = stack->routes;
    route_trace(stack, "del", &t->r[i]);
    for (unsigned j = i + 1; j < t->n; j++)
        t->r[j - 1] = t->r[j];
    t->n--;
}

/* Does nif already have the connected route net/prefix_len? */
static bool route_connected_exists(const struct glass_stack *stack, uint32_t net,
                                   unsigned prefix_len, const struct glass_netif *nif)
{
    const struct route_table *t = stack->routes;
    for (unsigned i = 0; i < t->n; i++)
        if (t->r[i].origin == ROUTE_CONNECTED && t->r[i].nif == nif && t->r[i].net == net &&
            t->r[i].prefix_len == prefix_len)
            return true;
    return false;
}

int route_add_connected(struct glass_stack *stack, struct glass_netif *nif, uint32_t addr,
                        unsigned prefix_len)
{
    if (prefix_len > 32)
        return -EINVAL;
    uint32_t mask = ip4_mask(prefix_len);
    /* A second address in a subnet the interface already reaches needs no
     * second route. */
    if (route_connected_exists(stack, addr & mask, prefix_len, nif))
        return 0;
    struct route r = {
        .net = addr & mask,
        .mask = mask,
        .prefix_len = prefix_len,
        .gateway = 0,
        .nif = nif,
        .metric = 0,
        .origin = ROUTE_CONNECTED,
    };
    /* Appended even when the table has a route with the same key: the
     * subnet may also be on another interface, or a static route may name
     * it; neither may keep the link's own route out (Linux, too, appends
     * its kernel routes).  Lookup prefers the first of equals. */
    return route_append(stack, &r);
}

void route_flush_netif(struct glass_stack *stack, struct glass_netif *nif)
{
    struct route_table *t = stack->routes;
    for (unsigned i = t->n; i-- > 0;)
        if (t->r[i].nif == nif)
            route_remove_at(stack, i);
}

/* The connected route whose subnet holds addr (restricted to nif when
 * given): a gateway must be on-link (RFC 1122 3.3.1.1), i.e. reachable
 * without another gateway. */
static const struct route *route_connected_for(struct glass_stack *stack, uint32_t addr,
                                               const struct glass_netif *nif)
{
    const struct route_table *t = stack->routes;
    const struct route *best = NULL;
    for (unsigned i = 0; i < t->n; i++) {
        const struct route *r = &t->r[i];
        if (r->origin != ROUTE_CONNECTED || (nif && r->nif != nif) || !route_matches(r, addr))
            continue;
        if (route_better(r, best))
            best = r;
    }
    return best;
}

/* A gateway must be a unicast neighbour, not ourselves. */
static bool route_gateway_valid(struct glass_stack *stack, uint32_t gw)
{
    return !ip4_is_zeronet(gw) && !ip4_is_multicast(gw) && !ip4_is_limited_broadcast(gw) &&
           !ip4_is_class_e(gw) && !ip4_is_loopback(gw) && !netif_find_by_addr(stack, gw);
}

/* Fill *r for glass_route_add: 0 or a negative errno. */
static int route_static_make(struct glass_stack *stack, struct route *r, uint32_t net,
                             unsigned prefix_len, uint32_t gw, struct glass_netif *nif,
                             unsigned metric)
{
    if (prefix_len > 32)
        return -EINVAL;
    uint32_t mask = ip4_mask(prefix_len);
    if ((net & ~mask) != 0) /* host bits set: "10.1.0.1/16" is not a prefix */
        return -EINVAL;
    if (!gw && !nif)
        return -EINVAL;
    if (gw) {
        if (!route_gateway_valid(stack, gw))
            return -EINVAL;
        const struct route *c = route_connected_for(stack, gw, nif);
        if (!c)
            return -ENETUNREACH;
        nif = c->nif;
    }
    *r = (struct route){
        .net = net,
        .mask = mask,
        .prefix_len = prefix_len,
        .gateway = gw,
        .nif = nif,
        .metric = metric,
        .origin = ROUTE_STATIC,
    };
    return 0;
}

int route_add_static(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw,
                     struct glass_netif *nif, unsigned metric)
{
    struct route r;
    int rc = route_static_make(stack, &r, net, prefix_len, gw, nif, metric);
    return rc < 0 ? rc : route_insert(stack, &r);
}

int route_del_static(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw)
{
    struct route *r = prefix_len <= 32 ? route_find(stack, net, prefix_len, gw) : NULL;
    if (!r)
        return -ESRCH;
    route_remove_at(stack, (unsigned)(r - stack->routes->r));
    return 0;
}

void route_del_connected(struct glass_stack *stack, struct glass_netif *nif, uint32_t net,
                         unsigned prefix_len)
{
    struct route_table *t = stack->routes;
    for (unsigned i = t->n; i-- > 0;)
        if (t->r[i].origin == ROUTE_CONNECTED && t->r[i].nif == nif && t->r[i].net == net &&
            t->r[i].prefix_len == prefix_len)
            route_remove_at(stack, i);
}

int glass_route_add(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw,
                    struct glass_netif *nif, unsigned metric)
{
    struct route r;
    glass_stack_lock(stack);
    int rc = route_static_make(stack, &r, net, prefix_len, gw, nif, metric);
    if (rc == 0)
        rc = route_insert(stack, &r);
    glass_stack_unlock(stack);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int glass_route_del(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw)
{
    int rc = 0;
    glass_stack_lock(stack);
    struct route *r = prefix_len <= 32 ? route_find(stack, net, prefix_len, gw) : NULL;
    if (r)
        route_remove_at(stack, (unsigned)(r - stack->routes->r));
    else
        rc = -ESRCH;
    glass_stack_unlock(stack);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
