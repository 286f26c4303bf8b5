/*
 * netif.c - interfaces: the meeting point of drivers and the stack.
 *
 * Every frame passes netif_input() on its way up and netif_output() on its
 * way down, so that is where the counters and the capture live: the pcap
 * file shows exactly the bytes the driver saw.
 */
#include "netif.h"

#include <errno.h>
#include <string.h>

#include "arp.h"
#include "capture.h"
#include "eth.h"
#include "mem.h"
#include "offload.h"
#include "pkb.h"
#include "route.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

struct glass_netif *netif_new(struct glass_stack *stack, const char *name,
                              const struct glass_netif_ops *ops, void *priv)
{
    if (strlen(name) >= GLASS_IFNAMSIZ) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    for (struct glass_netif *n = stack->netifs; n; n = n->next)
        if (strcmp(n->name, name) == 0) {
            errno = EEXIST;
            return NULL;
        }
    struct glass_netif *nif = glass_alloc(stack, sizeof(*nif));
    if (!nif) {
        errno = ENOMEM;
        return NULL;
    }
    nif->stack = stack;
    strcpy(nif->name, name);
    nif->index = stack->next_ifindex++;
    nif->ops = ops;
    nif->priv = priv;
    nif->mtu = NETIF_DEFAULT_MTU;
    /* A locally administered unicast MAC (bit 1 of the first octet set,
     * bit 0 clear) until the first address gives a readable one. */
    nif->mac_auto = true;
    const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)nif->index};
    memcpy(nif->mac, mac, 6);

    struct glass_netif **tail = &stack->netifs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = nif;
    if (stack->capture)
        capture_netif_added(stack, nif); /* its file, before its first frame */
    return nif;
}

void netif_destroy(struct glass_netif *nif)
{
    struct glass_stack *stack = nif->stack;
    if (stack->arp)
        arp_flush_netif(stack, nif);
    if (stack->routes)
        route_flush_netif(stack, nif);
    if (stack->capture)
        capture_netif_removed(stack, nif);
    for (struct glass_netif **p = &stack->netifs; *p; p = &(*p)->next)
        if (*p == nif) {
            *p = nif->next;
            break;
        }
    if (nif->ops->close)
        nif->ops->close(nif);
    glass_free(stack, nif);
}

void netif_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    size_t len = pkb_len(pkb);
    if (stack->capture)
        capture_frame(stack, nif, pkb->data, len);
    if (!nif->up) {
        nif->cnt.rx_dropped++;
        STAT_INC(stack, eth, drop_iface_down);
        pkb_free(stack, pkb);
        return;
    }
    nif->cnt.rx_packets++;
    nif->cnt.rx_bytes += len;
    pkb->nif = nif;
    eth_input(nif, pkb);
}

int netif_output(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    size_t len = pkb_len(pkb);
    int rc;
    /* GSO: a super-segment this link cannot cut is cut here (offload_gso.c);
     * a device cuts only one whose checksum is left partial for it. */
    if (nif->up && pkb->gso_size &&
        (!(nif->features & NETIF_F_TSO4) || pkb->csum != PKB_CSUM_PARTIAL))
        return offload_gso_output(nif, pkb);
    if (!nif->up) {
        rc = -ENETDOWN;
    } else if ((rc = offload_tx_prepare(nif, pkb)) < 0) { /* offloads: offload.c */
        ;
    } else {
        if (stack->capture)
            capture_frame(stack, nif, pkb->data, len);
        rc = nif->ops->transmit(nif, pkb);
    }
    if (rc < 0) {
        nif->cnt.tx_errors++;
        STAT_INC(stack, eth, tx_error);
    } else {
        nif->cnt.tx_packets++;
        nif->cnt.tx_bytes += len;
    }
    pkb_free(stack, pkb);
    return rc;
}

bool netif_has_addr(const struct glass_netif *nif, uint32_t addr)
{
    for (unsigned i = 0; i < nif->naddrs; i++)
        if (nif->addrs[i].addr == addr)
            return true;
    return false;
}

bool netif_is_subnet_broadcast(const struct glass_netif *nif, uint32_t addr)
{
    for (unsigned i = 0; i < nif->naddrs; i++) {
        const struct netif_addr *a = &nif->addrs[i];
        /* A /31 or /32 has no broadcast address (RFC 3021). */
        if (a->prefix_len < 31 && addr == (a->addr | ~a->mask))
            return true;
    }
    return false;
}

struct glass_netif *netif_find_by_addr(struct glass_stack *stack, uint32_t addr)
{
    for (struct glass_netif *nif = stack->netifs; nif; nif = nif->next)
        if (netif_has_addr(nif, addr))
            return nif;
    return NULL;
}

/* ---- the public face (glass.h): takes the stack lock ------------------ */

struct glass_netif *glass_netif_by_name(struct glass_stack *stack, const char *name)
{
    glass_stack_lock(stack);
    struct glass_netif *nif = stack->netifs;
    while (nif && strcmp(nif->name, name) != 0)
        nif = nif->next;
    glass_stack_unlock(stack);
    return nif;
}

const char *glass_netif_name(const struct glass_netif *nif)
{
    return nif->name;
}

int glass_netif_set_mac(struct glass_netif *nif, const uint8_t mac[GLASS_ETH_ALEN])
{
    if (mac_is_multicast(mac) || mac_is_zero(mac)) {
        errno = EINVAL;
        return -1;
    }
    glass_stack_lock(nif->stack);
    memcpy(nif->mac, mac, GLASS_ETH_ALEN);
    nif->mac_auto = false;
    glass_stack_unlock(nif->stack);
    return 0;
}

void glass_netif_get_mac(const struct glass_netif *nif, uint8_t mac[GLASS_ETH_ALEN])
{
    memcpy(mac, nif->mac, GLASS_ETH_ALEN);
}

int glass_netif_set_mtu(struct glass_netif *nif, unsigned mtu)
{
    /* RFC 791: every host must accept 68-byte datagrams; our buffers stop at 64 KiB. */
    if (mtu < 68 || mtu > 65535) {
        errno = EINVAL;
        return -1;
    }
    glass_stack_lock(nif->stack);
    nif->mtu = mtu;
    glass_stack_unlock(nif->stack);
    return 0;
}

unsigned glass_netif_mtu(const struct glass_netif *nif)
{
    return nif->mtu;
}

static bool addr_is_unicast(uint32_t addr)
{
    return !ip4_is_zeronet(addr) && !ip4_is_multicast(addr) && !ip4_is_limited_broadcast(addr) &&
           !ip4_is_class_e(addr);
}

int glass_netif_add_addr(struct glass_netif *nif, uint32_t addr, unsigned prefix_len)
{
    glass_stack_lock(nif->stack);
    int rc = netif_add_addr(nif, addr, prefix_len);
    glass_stack_unlock(nif->stack);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int netif_add_addr(struct glass_netif *nif, uint32_t addr, unsigned prefix_len)
{
    struct glass_stack *stack = nif->stack;
    if (prefix_len > 32 || !addr_is_unicast(addr))
        return -EINVAL;
    int rc = -1;
    if (netif_has_addr(nif, addr)) {
        rc = -EEXIST;
    } else if (nif->naddrs == NETIF_MAX_ADDRS) {
        rc = -ENOSPC;
    } else {
        struct netif_addr *a = &nif->addrs[nif->naddrs++];
        a->addr = addr;
        a->prefix_len = prefix_len;
        a->mask = ip4_mask(prefix_len);
        if (nif->mac_auto && nif->naddrs == 1) {
            /* 02:00:0a:00:00:02 for 10.0.0.2: a learner can read who is who
             * in a capture. */
            nif->mac[0] = 0x02;
            nif->mac[1] = 0x00;
            memcpy(nif->mac + 2, &addr, 4);
        }
        rc = route_add_connected(stack, nif, addr, prefix_len);
        if (rc < 0) {
            rc = rc < -1 ? rc : -ENOSPC;
            nif->naddrs--;
        } else {
            TRACE(stack, GLASS_TRACE_IPV4, "ipv4  %s: address %s/%u", nif->name, ip4s(addr).s,
                  prefix_len);
            if (nif->up)
                arp_announce(nif, addr);
        }
    }
    return rc;
}

int netif_del_addr(struct glass_netif *nif, uint32_t addr)
{
    unsigned i = 0;
    while (i < nif->naddrs && nif->addrs[i].addr != addr)
        i++;
    if (i == nif->naddrs)
        return -EADDRNOTAVAIL;
    struct netif_addr gone = nif->addrs[i];
    for (unsigned j = i + 1; j < nif->naddrs; j++)
        nif->addrs[j - 1] = nif->addrs[j];
    nif->naddrs--;
    bool shared = false;
    for (unsigned j = 0; j < nif->naddrs; j++)
        if (nif->addrs[j].prefix_len == gone.prefix_len &&
            (nif->addrs[j].addr & gone.mask) == (addr & gone.mask))
            shared = true;
    if (!shared)
        route_del_connected(nif->stack, nif, addr & gone.mask, gone.prefix_len);
    TRACE(nif->stack, GLASS_TRACE_IPV4, "ipv4  %s: address %s/%u removed", nif->name,
          ip4s(addr).s, gone.prefix_len);
    return 0;
}

uint32_t glass_netif_addr(const struct glass_netif *nif)
{
    return nif->naddrs ? nif->addrs[0].addr : 0;
}

int glass_netif_up(struct glass_netif *nif)
{
    glass_stack_lock(nif->stack);
    if (!nif->up) {
        nif->up = true;
        TRACE(nif->stack, GLASS_TRACE_ETH, "eth   %s up, mac %s mtu %u", nif->name,
              macs(nif->mac).s, nif->mtu);
        for (unsigned i = 0; i < nif->naddrs; i++)
            arp_announce(nif, nif->addrs[i].addr);
    }
    glass_stack_unlock(nif->stack);
    return 0;
}

int glass_netif_down(struct glass_netif *nif)
{
    glass_stack_lock(nif->stack);
    if (nif->up) {
        nif->up = false;
        arp_flush_netif(nif->stack, nif);
        TRACE(nif->stack, GLASS_TRACE_ETH, "eth   %s down", nif->name);
    }
    glass_stack_unlock(nif->stack);
    return 0;
}
