/*
 * tcp_tso.c - TCP segmentation offload: sending one TCP "super-segment"
 * of many MSS that the device (the kernel behind a tap with
 * IFF_VNET_HDR) cuts into wire segments of gso_size bytes, copying our
 * header onto each and filling in the checksums.
 *
 * Nothing changes on the wire: the peer sees the same MSS-sized segments
 * as without TSO, in the same order.  What changes is the work per byte
 * here: one header, one trip down the layers, one write() for up to
 * 64 KiB.  The sender's rules stay those of tcp_output.c (window, cwnd,
 * Nagle); this file only decides how many MSS go at once, and how the
 * checksum is left for the device.
 *
 * The checksum a device completes (Linux CHECKSUM_PARTIAL, virtio
 * NEEDS_CSUM): the field holds the one's complement sum of the pseudo
 * header (RFC 9293 3.1) with the TCP length of the whole super-segment,
 * not complemented; the device sums from the TCP header to the end and
 * stores the complement.  When it cuts, it fixes each segment's length.
 */
#include "checksum.h"
#include "ipv4.h"
#include "netif.h"
#include "pkb.h"
#include "route.h"
#include "stack.h"
#include "tcp.h"
#include "util.h"

/* The offloads of the interface a datagram to dst leaves through; none
 * for a destination that is ours (delivered inside the stack). */
static unsigned tcp_tso_features(struct glass_stack *stack, uint32_t dst)
{
    if (netif_find_by_addr(stack, dst))
        return 0;
    const struct route *r = route_lookup(stack, dst);
    return r && r->nif ? r->nif->features : 0;
}

uint32_t tcp_tso_seg_payload(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* The largest text of one super-segment: whole MSS within one IPv4
 * datagram, room left for a TCP header with the most options. */
static uint32_t tcp_tso_max(uint32_t mss)
{
    uint32_t room = NETIF_GSO_MAX - IPV4_HLEN - TCP_MAX_HLEN;
    return room / mss * mss;
}

uint32_t tcp_tso_send_len(struct tcp_cb *tcb, uint32_t mss, uint32_t unsent, uint32_t usable)
{
    if (mss == 0 || !(tcp_tso_features(tcb->stack, tcb->faddr) & NETIF_F_TSO4))
        return 0;
    uint32_t len = GLASS_MIN(GLASS_MIN(tcp_tso_max(mss), unsent), usable);
    /* loss: at most half of cwnd per super-segment (whole MSS, at least
     * two), so a window smaller than two super-segments still goes as two
     * and draws two ACKs: with the whole window in one, the loss of its
     * one ACK stalls the connection until a probe (RFC 8985 7) -- at 1%
     * ACK loss over TAP, 160 such 2 ms stalls in 3 s.  Linux splits a
     * window likewise (tcp_tso_autosize, tcp_tso_win_divisor). */
    uint32_t half = GLASS_MAX(tcb->cwnd / 2 / mss * mss, 2 * mss);
    len = GLASS_MIN(len, half);
    if (len <= mss)
        return 0;
    /* At least one full segment goes.  A short last one goes with it only
     * where tcp_send_len would let a short segment go on its own: it ends
     * the queued data and nothing is in flight, Nagle is off, or a FIN
     * follows (RFC 1122 4.2.3.4), or it is a retransmission.  Otherwise it
     * waits, as Linux's tcp_mss_split_point() keeps it back. */
    uint32_t partial = len % mss;
    bool tail_may_go = len == unsent && (tcp_flight_size(tcb) == 0 || tcb->nodelay ||
                                         tcb->fin_queued);
    if (partial && !tail_may_go && !seq_lt(tcb->snd_nxt, tcb->snd_max))
        len -= partial;
    return len;
}

bool tcp_tso_partial_csum(struct glass_stack *stack, struct pkb *pkb, uint8_t *t, size_t tcplen,
                          uint32_t src, uint32_t dst, uint16_t gso_size, bool df)
{
    unsigned features = df ? tcp_tso_features(stack, dst) : 0;
    size_t thlen = (size_t)(t[TCP_OFF_DOFF] >> 4) * 4;
    bool tso = gso_size && tcplen - thlen > gso_size && (features & NETIF_F_TSO4);
    if (!tso && !(features & NETIF_F_TX_CSUM_PARTIAL))
        return false;
    /* The folded pseudo-header sum, not complemented: ~csum_finish(). */
    uint32_t sum = csum_pseudo_ipv4(src, dst, IPPROTO_TCP_, (uint16_t)tcplen);
    put_be16(t + TCP_OFF_CSUM, (uint16_t)~csum_finish(sum));
    pkb->csum = PKB_CSUM_PARTIAL;
    pkb->csum_start = (uint16_t)(t - pkb->head);
    pkb->csum_off = TCP_OFF_CSUM;
    pkb->gso_size = tso ? gso_size : 0;
    return true;
}

/* loss: a retransmission (or new data sent during SACK recovery) of the
 * contiguous range [seq, seq + len): as one super-segment when the
 * device cuts them, up to the TSO limit, as Linux's tcp_retransmit_skb
 * resends a whole lost GSO frame.  On the wire it is the same MSS-sized
 * segments, in the same order, as one call per MSS would send; what the
 * receiver sees and what the sender accounts (pipe, HighRxt, the RACK
 * record of [seq, seq + len)) is per byte range either way.  The caller
 * has bounded len by cwnd - pipe (RFC 6675 5 (C)). */
uint32_t tcp_tso_range_len(struct tcp_cb *tcb, uint32_t mss, uint32_t len)
{
    if (mss == 0)
        return len;
    if (len <= mss || !(tcp_tso_features(tcb->stack, tcb->faddr) & NETIF_F_TSO4))
        return GLASS_MIN(len, mss);
    return GLASS_MIN(len, tcp_tso_max(mss));
}
