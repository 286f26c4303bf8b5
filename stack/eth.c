/*
 * eth.c - Ethernet II: check the destination, dispatch on the type field.
 */
#include "eth.h"

#include <errno.h>

#include "arp.h"
#include "ipv4.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

const uint8_t eth_broadcast_addr[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void eth_drop(struct glass_stack *stack, struct pkb *pkb)
{
    pkb->nif->cnt.rx_dropped++;
    pkb_free(stack, pkb);
}

void eth_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    if (pkb_len(pkb) < ETH_HLEN) {
        STAT_INC(stack, eth, drop_short);
        TRACE(stack, GLASS_TRACE_ETH, "eth   drop: frame of %zu bytes is shorter than a header",
              pkb_len(pkb));
        eth_drop(stack, pkb);
        return;
    }
    pkb_set_l2(pkb);
    const uint8_t *h = pkb->data;
    const uint8_t *dst = h, *src = h + 6;
    uint16_t type = get_be16(h + 12);

    /* Accept our unicast address and broadcast; multicast groups come with
     * a later issue, so other group addresses are not for us yet. */
    if (memcmp(dst, nif->mac, ETH_ALEN) != 0 && !mac_is_broadcast(dst)) {
        STAT_INC(stack, eth, drop_not_for_us);
        TRACE(stack, GLASS_TRACE_ETH, "eth   drop: %s > %s is not for us", macs(src).s,
              macs(dst).s);
        eth_drop(stack, pkb);
        return;
    }
    /* A group address is never a valid source (IEEE 802.3 3.2.3). */
    if (mac_is_multicast(src)) {
        STAT_INC(stack, eth, drop_bad_source);
        TRACE(stack, GLASS_TRACE_ETH, "eth   drop: group source address %s", macs(src).s);
        eth_drop(stack, pkb);
        return;
    }
    STAT_INC(stack, eth, rx);
    TRACE(stack, GLASS_TRACE_ETH, "eth   %s > %s type 0x%04x len %zu", macs(src).s, macs(dst).s,
          type, pkb_len(pkb));
    pkb_pull(pkb, ETH_HLEN);
    switch (type) {
    case ETH_P_ARP:
        arp_input(nif, pkb);
        break;
    case ETH_P_IP:
        ipv4_input(nif, pkb);
        break;
    default:
        STAT_INC(stack, eth, drop_unknown_type);
        TRACE(stack, GLASS_TRACE_ETH, "eth   drop: unknown type 0x%04x", type);
        eth_drop(stack, pkb);
    }
}

int eth_output(struct glass_netif *nif, struct pkb *pkb, const uint8_t dst[ETH_ALEN],
               uint16_t ethertype)
{
    struct glass_stack *stack = nif->stack;
    uint8_t *h = pkb_push(pkb, ETH_HLEN);
    if (!h) {
        /* Every sender reserves PKB_HEADROOM; reaching here is a bug. */
        STAT_INC(stack, eth, tx_error);
        pkb_free(stack, pkb);
        return -ENOBUFS;
    }
    pkb_set_l2(pkb);
    memcpy(h, dst, ETH_ALEN);
    memcpy(h + 6, nif->mac, ETH_ALEN);
    put_be16(h + 12, ethertype);
    STAT_INC(stack, eth, tx);
    TRACE(stack, GLASS_TRACE_ETH, "eth   %s > %s type 0x%04x len %zu", macs(nif->mac).s,
          macs(dst).s, ethertype, pkb_len(pkb));
    return netif_output(nif, pkb);
}
