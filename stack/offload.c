/*
 * offload.c - the stack's side of checksum and segmentation offloads
 * (see offload.h).
 */
#include "offload.h"

#include <errno.h>

#include "checksum.h"
#include "ipv4.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

#define UDP_CSUM_OFF 6 /* RFC 768: the checksum field of the UDP header */

bool offload_csum_trusted(struct glass_stack *stack, const struct pkb *pkb)
{
    bool trusted = false;
    if (pkb->csum == PKB_CSUM_VERIFIED)
        trusted = true;
    /* Partial: only if it is this header's checksum the sender left open
     * (csum_start at our transport header), not some inner one. */
    else if (pkb->csum == PKB_CSUM_PARTIAL)
        trusted = pkb->csum_start == pkb_headroom(pkb);
    if (trusted)
        STAT_INC(stack, link, csum_trusted);
    return trusted;
}

void offload_csum_complete(struct glass_stack *stack, struct pkb *pkb)
{
    if (pkb->csum != PKB_CSUM_PARTIAL)
        return;
    uint8_t *start = pkb->head + pkb->csum_start;
    uint8_t *field = start + pkb->csum_off;
    pkb->csum = PKB_CSUM_NONE;
    if (start < pkb->data || field + 2 > pkb->tail)
        return; /* the tap driver checked this on receive; tcp_tso.c sets it right */
    uint16_t c = csum_finish(csum_add(0, start, (size_t)(pkb->tail - start)));
    /* RFC 768: a computed zero is sent as all ones (zero means "none"). */
    if (c == 0 && pkb->csum_off == UDP_CSUM_OFF)
        c = 0xffff;
    put_be16(field, c);
    STAT_INC(stack, link, csum_sw_completed);
}

bool offload_gso_fits(const struct pkb *pkb, unsigned mtu)
{
    size_t len = pkb_len(pkb);
    if (len < TCP_HLEN || IPV4_HLEN + len > NETIF_GSO_MAX)
        return false;
    size_t thlen = (size_t)(pkb->data[TCP_OFF_DOFF] >> 4) * 4;
    return IPV4_HLEN + thlen + pkb->gso_size <= mtu;
}

int offload_tx_prepare(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    if (pkb->gso_size) {
        if (!(nif->features & NETIF_F_TSO4)) {
            TRACE(stack, GLASS_TRACE_ETH,
                  "eth   %s drop: a %zu-byte TCP super-segment and no TSO on this link",
                  nif->name, pkb_len(pkb));
            return -EMSGSIZE;
        }
        STAT_INC(stack, link, tso_tx);
        nif->cnt.tso_tx++; /* glassctl if */
    }
    if (pkb->csum == PKB_CSUM_PARTIAL) {
        if (nif->features & NETIF_F_TX_CSUM_PARTIAL)
            STAT_INC(stack, link, csum_partial_tx);
        else
            offload_csum_complete(stack, pkb);
    }
    return 0;
}
