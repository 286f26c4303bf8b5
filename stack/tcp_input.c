/*
 * tcp_input.c - RFC 9293 3.10.7 "SEGMENT ARRIVES".
 *
 * A segment is first checked as bytes (length, data offset, checksum over
 * the pseudo header, addresses, options); then the control block it
 * belongs to is found and the segment is processed the way the RFC
 * orders it:
 *
 *   3.10.7.1  CLOSED (no control block): answer with a RST
 *   3.10.7.2  LISTEN: a SYN makes a child in SYN-RECEIVED
 *   3.10.7.3  SYN-SENT: the SYN-ACK (or a SYN: simultaneous open)
 *   3.10.7.4  every other state, in eight steps: sequence number, RST,
 *             (security), SYN, ACK, URG, segment text, FIN
 *
 * with RFC 5961 (challenge ACKs for blind RST/SYN/data injection) and
 * RFC 1337 (no RST assassination of TIME-WAIT) folded into steps 2, 4
 * and 5.  The sender's half of the ACK (SND.UNA, RTT, congestion control)
 * is tcp_ack_input in tcp_ack.c.
 *
 * A control block can be freed in the middle (tcp_done on an orphan or a
 * never-accepted child): every step says whether the block is still
 * there (RX_GONE when not), and nothing touches it afterwards.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "netif.h"
#include "offload.h"
#include "pkb.h"
#include "pmtu.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* Linux's TCP_MIN_MSS: a peer's MSS option below this is raised to it, so
 * a hostile "MSS 1" cannot make us send one byte per segment. */
#define TCP_MIN_MSS 88

/* What a processing step decided. */
enum tcp_rx {
    RX_GO,      /* go on to the next step */
    RX_DROP,    /* stop here; the control block stays as it is */
    RX_DONE,    /* stop here, then send what is owed (tcp_output) */
    RX_GONE,    /* the control block was freed: do not touch it */
};

/* ---- header checks ----------------------------------------------------------- */

static bool tcp_drop(struct glass_stack *stack, uint64_t *counter, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool tcp_drop(struct glass_stack *stack, uint64_t *counter, const char *fmt, ...)
{
    (*counter)++;
    if (stack->trace_mask & GLASS_TRACE_TCP) {
        char why[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        trace_emit(stack, GLASS_TRACE_TCP, "tcp   drop: %s", why);
    }
    return false;
}

/* RFC 9293 3.1 "Checksum": the one's complement sum over the pseudo
 * header (source, destination, protocol, TCP length) and the segment. */
static bool tcp_checksum_ok(const struct pkb *pkb, uint32_t src, uint32_t dst, uint16_t *expected)
{
    const uint8_t *t = pkb->data;
    size_t len = pkb_len(pkb);
    uint32_t sum = csum_pseudo_ipv4(src, dst, IPPROTO_TCP_, (uint16_t)len);
    if (csum_finish(csum_add(sum, t, len)) == 0)
        return true;
    sum = csum_add(sum, t, TCP_OFF_CSUM);
    sum = csum_add(sum, t + TCP_OFF_CSUM + 2, len - TCP_OFF_CSUM - 2);
    *expected = csum_finish(sum);
    return false;
}

/* RFC 1122 4.2.3.10: a SYN (indeed any segment) to or from a broadcast or
 * multicast address is discarded: TCP is between two unicast hosts. */
static bool tcp_addresses_ok(struct glass_netif *nif, uint32_t src, uint32_t dst)
{
    struct glass_stack *stack = nif->stack;
    if (ip4_is_multicast(dst) || ipv4_is_broadcast(nif, dst) || ipv4_is_any_broadcast(stack, dst))
        return false;
    if (ip4_is_multicast(src) || ipv4_is_any_broadcast(stack, src) || ip4_is_zeronet(src))
        return false;
    return true;
}

/* Validate the header of pkb and fill seg; false (counted, traced) when
 * the segment must be dropped. */
static bool tcp_parse(struct glass_netif *nif, struct pkb *pkb, struct tcp_seg *seg)
{
    struct glass_stack *stack = nif->stack;
    struct glass_stats *st = &stack->stats;
    const uint8_t *ip = pkb_l3(pkb), *t = pkb->data;
    size_t len = pkb_len(pkb);
    uint32_t src = get_addr(ip + 12), dst = get_addr(ip + 16);
    if (len < TCP_HLEN)
        return tcp_drop(stack, &st->tcp_drop_short, "%zu bytes is shorter than a header", len);
    size_t doff = (size_t)(t[TCP_OFF_DOFF] >> 4) * 4;
    if (doff < TCP_HLEN || doff > len)
        return tcp_drop(stack, &st->tcp_drop_bad_offset, "data offset %zu in a %zu-byte segment",
                        doff, len);
    uint16_t expected = 0;
    if (!offload_csum_trusted(stack, pkb) && /* the device vouched: offload.c */
        !tcp_checksum_ok(pkb, src, dst, &expected))
        return tcp_drop(stack, &st->tcp_drop_bad_checksum, "checksum 0x%04x != 0x%04x from %s",
                        get_be16(t + TCP_OFF_CSUM), expected, ip4s(src).s);
    if (!tcp_addresses_ok(nif, src, dst))
        return tcp_drop(stack, &st->tcp_drop_not_unicast, "%s > %s is not unicast", ip4s(src).s,
                        ip4s(dst).s);
    memset(seg, 0, sizeof(*seg));
    if (tcp_opts_parse(t + TCP_HLEN, doff - TCP_HLEN, &seg->opts) < 0)
        return tcp_drop(stack, &st->tcp_drop_bad_options, "malformed options from %s",
                        ip4s(src).s);
    seg->src = src;
    seg->dst = dst;
    memcpy(&seg->sport, t + TCP_OFF_SPORT, 2);
    memcpy(&seg->dport, t + TCP_OFF_DPORT, 2);
    seg->seq = get_be32(t + TCP_OFF_SEQ);
    seg->ack = get_be32(t + TCP_OFF_ACK);
    seg->flags = t[TCP_OFF_FLAGS];
    seg->wnd = get_be16(t + TCP_OFF_WND);
    seg->up = get_be16(t + TCP_OFF_URP);
    seg->data = t + doff;
    seg->dlen = len - doff;
    seg->len = (uint32_t)seg->dlen + !!(seg->flags & TCP_SYN) + !!(seg->flags & TCP_FIN);
    seg->pkb = pkb;
    return true;
}

/* ---- trace helpers ---------------------------------------------------------- */

static const char *tcp_flag_str(uint8_t f, char *buf)
{
    char *p = buf;
    if (f & TCP_SYN)
        p += sprintf(p, "SYN,");
    if (f & TCP_FIN)
        p += sprintf(p, "FIN,");
    if (f & TCP_RST)
        p += sprintf(p, "RST,");
    if (f & TCP_PSH)
        p += sprintf(p, "PSH,");
    if (f & TCP_ACK)
        p += sprintf(p, "ACK,");
    if (f & TCP_URG)
        p += sprintf(p, "URG,");
    if (p == buf)
        p += sprintf(p, "none,");
    p[-1] = 0;
    return buf;
}

/* One line per segment, relative sequence numbers once there is a
 * synchronized control block (as Wireshark shows them). */
static void tcp_trace_rx(struct glass_stack *stack, const struct tcp_seg *seg,
                         const struct tcp_cb *tcb)
{
    if (!(stack->trace_mask & GLASS_TRACE_TCP))
        return;
    char f[40];
    bool rel = tcb && tcb->state != TCP_LISTEN && tcb->state != TCP_SYN_SENT;
    /* A SYN is its own base (Wireshark shows it as seq=0) even before a
     * control block knows IRS: on a listener, or in SYN-SENT. */
    uint32_t seq = rel ? seg->seq - tcb->irs : (seg->flags & TCP_SYN) ? 0 : seg->seq;
    uint32_t ack = tcb && tcb->state != TCP_LISTEN ? seg->ack - tcb->iss : seg->ack;
    trace_emit(stack, GLASS_TRACE_TCP, "tcp   %s:%u > %s:%u %s seq=%u ack=%u win=%u len=%zu  %s",
               ip4s(seg->src).s, get_be16((const uint8_t *)&seg->sport), ip4s(seg->dst).s,
               get_be16((const uint8_t *)&seg->dport), tcp_flag_str(seg->flags, f), seq,
               (seg->flags & TCP_ACK) ? ack : 0, seg->wnd, seg->dlen,
               tcb ? tcp_state_name(tcb->state) : "no connection");
}

/* ---- 3.10.7.1 CLOSED ------------------------------------------------------------ */

/* "If the state is CLOSED (i.e., TCB does not exist) ... all data in the
 * incoming segment is discarded.  An incoming segment containing a RST
 * is discarded.  An incoming segment not containing a RST causes a RST
 * to be sent in response." */
static void tcp_rx_closed(struct glass_stack *stack, const struct tcp_seg *seg)
{
    if (seg->flags & TCP_RST) {
        TRACE(stack, GLASS_TRACE_TCP, "tcp   RST for no connection: ignored");
        return;
    }
    STAT_INC(stack, tcp, no_port);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   no connection or listener on port %u: RST",
          get_be16((const uint8_t *)&seg->dport));
    tcp_send_rst_reply(stack, seg);
}

/* ---- 3.10.7.2 LISTEN ------------------------------------------------------------ */

static uint16_t tcp_peer_mss(const struct tcp_seg *seg)
{
    /* RFC 9293 3.7.1: no option, 536; RFC 6691: the option is the
     * peer's MTU less 40. */
    if (!seg->opts.mss_present)
        return TCP_DEFAULT_MSS;
    return seg->opts.mss < TCP_MIN_MSS ? TCP_MIN_MSS : seg->opts.mss;
}

/* The send window as the SYN or SYN-ACK offers it (3.10.7.3/3.10.7.4:
 * SND.WND = SEG.WND, SND.WL1 = SEG.SEQ, SND.WL2 = SEG.ACK). */
static void tcp_take_window(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    tcb->snd_wnd = seg->wnd;
    tcb->snd_wl1 = seg->seq;
    tcb->snd_wl2 = (seg->flags & TCP_ACK) ? seg->ack : tcb->iss;
    if (tcb->snd_wnd > tcb->max_snd_wnd)
        tcb->max_snd_wnd = tcb->snd_wnd;
}

/* What a child inherits from its listener: the socket options the user
 * set on the listening socket (Linux copies them the same way). */
static void tcp_child_inherit(struct tcp_cb *child, const struct tcp_cb *l)
{
    child->nodelay = l->nodelay;
    child->keepalive_on = l->keepalive_on;
    child->keepidle = l->keepidle;
    child->keepintvl = l->keepintvl;
    child->keepcnt = l->keepcnt;
    child->user_mss = l->user_mss;
    child->sndbuf.max = l->sndbuf.max;
    child->rcvbuf.max = l->rcvbuf.max;
    child->cc = l->cc;
}

/* "If the SYN bit is set ... Set RCV.NXT to SEG.SEQ+1, IRS is set to
 * SEG.SEQ ... ISS should be selected and a SYN segment sent of the form
 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> ... SND.NXT is set to ISS+1 and
 * SND.UNA to ISS.  The connection state should be changed to
 * SYN-RECEIVED."  Text in the SYN is not kept (the peer sends it again
 * once the window is open, as with Linux without Fast Open). */
static void tcp_listen_syn(struct tcp_cb *l, const struct tcp_seg *seg)
{
    struct glass_stack *stack = l->stack;
    if (l->acc_q_len >= (l->backlog ? l->backlog : 1)) {
        /* Issue 4 and Linux (tcp_conn_request: sk_acceptq_is_full ->
         * drop): with the accept queue full the SYN is dropped silently,
         * so the client keeps retrying its SYN instead of believing it is
         * connected to a server that cannot take it yet. */
        STAT_INC(stack, tcp, accept_queue_full);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   drop: SYN, accept queue of port %u full (%u)",
              get_be16((const uint8_t *)&l->lport), l->acc_q_len);
        return;
    }
    if (tcp_syncookie_wanted(l)) {
        /* RFC 4987 3.6 (tcp_syncookie.c): the SYN queue is full, so
         * answer from no state at all; the ACK brings the cookie back. */
        tcp_syncookie_send(l, seg);
        return;
    }
    struct tcp_cb *c = tcp_tcb_new(stack);
    if (!c)
        return;     /* counted by tcp_tcb_new */
    c->laddr = seg->dst;
    c->lport = seg->dport;
    c->faddr = seg->src;
    c->fport = seg->sport;
    tcp_child_inherit(c, l);
    c->irs = seg->seq;
    c->rcv_nxt = seg->seq + 1;
    c->rcv_up = c->rcv_nxt;
    c->iss = tcp_isn(c);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->snd_up = c->iss;
    c->peer_mss = tcp_peer_mss(seg);
    tcp_sack_take_syn(c, seg); /* SACK: RFC 2018 2 */
    tcp_7323_syn_rcvd(c, seg); /* RFC 7323: WS and TS from the SYN (tcp_wscale.c) */
    c->adv_mss = tcp_mss_to_advertise(stack, c->faddr);
    tcp_mss_update(c);
    tcp_take_window(c, seg);
    if (!tcp_listen_add_child(l, c)) {
        /* Issue 4: a full queue drops the SYN silently; the peer retries. */
        STAT_INC(stack, tcp, syn_queue_full);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   drop: SYN queue of port %u full (%u)",
              get_be16((const uint8_t *)&l->lport), l->syn_q_len);
        tcp_tcb_free(c);
        return;
    }
    tcp_set_state(c, TCP_SYN_RECEIVED);
    tcp_tcb_link(c);
    STAT_INC(stack, tcp, passive_opens);
    tcp_output(c);      /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
}

static enum tcp_rx tcp_rx_otherwise(struct tcp_cb *tcb, struct tcp_seg *seg);

/* RFC 4987 3.6: an ACK on a listener may return a SYN cookie
 * (tcp_syncookie.c).  A good one makes a child in SYN-RECEIVED, and the
 * segment goes through it as through any child: its ACK establishes the
 * connection (onto the accept queue), its text and FIN are taken.  The
 * segment has no SYN or RST and acknowledges exactly ISS + 1, so the
 * child cannot end on the way; a child still in SYN-RECEIVED after it
 * would have no timer and no queue, so it is ended. */
static bool tcp_listen_cookie_ack(struct tcp_cb *l, struct tcp_seg *seg)
{
    struct tcp_cb *c;
    switch (tcp_syncookie_ack(l, seg, &c)) {
    case TCP_COOKIE_NONE:
        return false;
    case TCP_COOKIE_DROP:
        return true;
    case TCP_COOKIE_CHILD:
        break;
    }
    tcp_child_inherit(c, l);
    tcp_syncookie_child_seg(c, seg); /* wt-cookie: WS, TS from the cookie (tcp_syncookie.c) */
    enum tcp_rx r = tcp_rx_otherwise(c, seg);
    if (c->state == TCP_SYN_RECEIVED) {
        tcp_done(c, 0);
        return true;
    }
    if (r == RX_DONE)
        tcp_output(c);
    return true;
}

static void tcp_rx_listen(struct tcp_cb *l, struct tcp_seg *seg)
{
    struct glass_stack *stack = l->stack;
    /* "First, check for a RST: An incoming RST should be ignored." */
    if (seg->flags & TCP_RST)
        return;
    /* "Second, check for an ACK: Any acknowledgment is bad if it arrives
     * on a connection still in the LISTEN state.  An acceptable reset
     * segment should be formed for any arriving ACK-bearing segment." */
    if (seg->flags & TCP_ACK) {
        if (tcp_listen_cookie_ack(l, seg))
            return;
        STAT_INC(stack, tcp, no_port);
        tcp_send_rst_reply(stack, seg);
        return;
    }
    if (!(seg->flags & TCP_SYN)) {
        /* "Fourth, other data or control ... drop the segment." */
        tcp_drop(stack, &stack->stats.tcp_drop_bad_flags, "no SYN, no ACK on a listener");
        return;
    }
    if (seg->flags & TCP_FIN) {
        /* SYN+FIN means nothing sane; Linux discards it on a listener. */
        tcp_drop(stack, &stack->stats.tcp_drop_bad_flags, "SYN+FIN on a listener");
        return;
    }
    tcp_listen_syn(l, seg);
}

/* ---- 3.10.7.3 SYN-SENT ----------------------------------------------------------- */

/* The SYN of our peer is in: RCV.NXT, IRS and its MSS. */
static void tcp_take_syn(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    tcb->irs = seg->seq;
    tcb->rcv_nxt = seg->seq + 1;
    tcb->rcv_up = tcb->rcv_nxt;
    tcb->peer_mss = tcp_peer_mss(seg);
    tcp_sack_take_syn(tcb, seg); /* SACK: RFC 2018 2 */
    tcp_7323_syn_rcvd(tcb, seg); /* RFC 7323: WS and TS from the SYN (tcp_wscale.c) */
}

/* Our SYN is acknowledged: the connection is ESTABLISHED (3.10.7.3 and
 * 3.10.7.4 fifth step).  The order is the one tcp_ack_input expects:
 * state, window, MSS, congestion control, then the ACK itself. */
static void tcp_establish(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    tcp_set_state(tcb, TCP_ESTABLISHED);
    tcp_take_window(tcb, seg);
    tcp_mss_update(tcb);
    if (tcb->cc && tcb->cc->init)
        tcb->cc->init(tcb);
    STAT_INC(tcb->stack, tcp, established);
    tcp_ack_input(tcb, seg);
}

/* Process what follows the handshake in the same segment (text, FIN). */
static enum tcp_rx tcp_rx_synchronized_text(struct tcp_cb *tcb, struct tcp_seg *seg);

static enum tcp_rx tcp_rx_syn_sent(struct tcp_cb *tcb, struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    bool ack = seg->flags & TCP_ACK;
    /* "First, check the ACK bit: If SEG.ACK =< ISS or SEG.ACK > SND.NXT,
     * send a reset (unless the RST bit is set, if so drop the segment)." */
    if (ack && (seq_leq(seg->ack, tcb->iss) || seq_gt(seg->ack, tcb->snd_max))) {
        if (!(seg->flags & TCP_RST)) {
            STAT_INC(stack, tcp, out_of_window);
            tcp_send_rst_reply(stack, seg);
        }
        return RX_DROP;
    }
    /* "Second, check the RST bit": with an acceptable ACK (RFC 5961 3.2
     * adds nothing in SYN-SENT: the ACK proves the RST is no blind
     * guess), the connection is refused; without an ACK, drop it. */
    if (seg->flags & TCP_RST) {
        if (!ack)
            return RX_DROP;
        STAT_INC(stack, tcp, rst_rcvd);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   connection refused (RST)");
        tcp_reset(tcb);
        return RX_GONE;
    }
    /* "Fifth, if neither of the SYN or RST bits is set, then drop." */
    if (!(seg->flags & TCP_SYN)) {
        tcp_drop(stack, &stack->stats.tcp_drop_bad_flags, "no SYN in SYN-SENT");
        return RX_DROP;
    }
    tcp_take_syn(tcb, seg);
    if (ack) {
        tcp_establish(tcb, seg);
        tcp_wake(tcb);
        /* "If there are other controls or text in the segment, then
         * continue processing at the sixth step" -- past the SYN. */
        seg->seq++;
        seg->flags &= (uint8_t)~TCP_SYN;
        seg->len--;
        tcb->ack_now = true;
        return tcp_rx_synchronized_text(tcb, seg);
    }
    /* Simultaneous open (3.10.7.3, figure 8): "Otherwise, enter
     * SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT>".
     * Text is not queued; the peer will send it again. */
    tcp_set_state(tcb, TCP_SYN_RECEIVED);
    tcp_take_window(tcb, seg);
    tcp_mss_update(tcb);
    tcb->snd_nxt = tcb->iss;
    return RX_DONE;
}

/* ---- 3.10.7.4 first step: sequence number ------------------------------------------- */

/* The four cases of the acceptability table. */
static bool tcp_acceptable(const struct tcp_cb *tcb, const struct tcp_seg *seg, uint32_t wnd)
{
    uint32_t nxt = tcb->rcv_nxt;
    if (seg->len == 0) {
        if (wnd == 0)
            return seg->seq == nxt;
        return seq_in(seg->seq, nxt, nxt + wnd);
    }
    if (wnd == 0)
        return false;
    return seq_in(seg->seq, nxt, nxt + wnd) || seq_in(seg->seq + seg->len - 1, nxt, nxt + wnd);
}

/* Trim the segment to the window: text before RCV.NXT (already
 * received) and beyond RCV.NXT + RCV.WND (no room).  A SYN stays flagged
 * for the fourth step; seg->seq becomes the sequence number of the first
 * byte of text kept. */
static void tcp_trim(struct tcp_cb *tcb, struct tcp_seg *seg, uint32_t wnd)
{
    uint32_t dseq = seg->seq + !!(seg->flags & TCP_SYN);
    if (seq_lt(dseq, tcb->rcv_nxt)) {
        uint32_t cut = tcb->rcv_nxt - dseq;
        if (cut > seg->dlen) {
            /* The FIN too lies before RCV.NXT: a duplicate. */
            cut = (uint32_t)seg->dlen;
            seg->flags &= (uint8_t)~TCP_FIN;
        }
        if (cut)
            tcp_sack_rcv_dup(tcb, dseq, dseq + cut); /* SACK: RFC 2883 D-SACK */
        seg->data += cut;
        seg->dlen -= cut;
        dseq += cut;
    }
    uint32_t right = tcb->rcv_nxt + wnd;
    if (seq_gt(dseq + (uint32_t)seg->dlen, right)) {
        uint32_t keep = seq_gt(right, dseq) ? right - dseq : 0;
        tcb->stack->stats.tcp_rcv_beyond_window += seg->dlen - keep;
        seg->dlen = keep;
        tcb->ack_now = true;    /* tell the sender where the window ends */
        seg->flags &= (uint8_t)~TCP_FIN;   /* it lay after what was cut */
    }
    seg->seq = dseq;
    seg->len = (uint32_t)seg->dlen + !!(seg->flags & TCP_FIN);
}

/* Linux's tcp_oow_rate_limited (net.ipv4.tcp_invalid_ratelimit): the
 * ACK that answers an unacceptable segment (RFC 9293 3.10.7.4 first
 * check) or an ACK for data not yet sent goes out at most once per
 * TCP_OOW_ACK_INTERVAL per connection.  Two ends that each find the
 * other's segments unacceptable (or a peer crafting them) would
 * otherwise trade ACKs as fast as the wire allows.  Only pure ACKs and
 * SYNs are limited, as in Linux: a data segment is not part of an ACK
 * loop, and its sender needs the ACK to resynchronize. */
#define TCP_OOW_ACK_INTERVAL (500 * GLASS_USEC_PER_MSEC)

static bool tcp_oow_rate_limited(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (seg->dlen > 0 && !(seg->flags & TCP_SYN))
        return false;
    glass_time_t now = glass_stack_now(tcb->stack);
    if (tcb->oow_ack_sent && now - tcb->oow_ack_time < TCP_OOW_ACK_INTERVAL) {
        STAT_INC(tcb->stack, tcp, oow_acks_limited);
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   ACK suppressed: one per %llu ms (rate limit)",
              (unsigned long long)(TCP_OOW_ACK_INTERVAL / GLASS_USEC_PER_MSEC));
        return true;
    }
    tcb->oow_ack_sent = true;
    tcb->oow_ack_time = now;
    return false;
}

/* How far before RCV.NXT a duplicate may start and still have its ACK
 * taken.  A real peer's oldest retransmission starts at its SND.UNA,
 * which is never more than one window (65535, no scaling) plus SYN/FIN
 * behind our RCV.NXT; a keep-alive one byte more.  Twice that is ample
 * margin.  Anything older is not from this connection's peer: RFC 5961
 * 5 blind ACK injection would otherwise need only an ACK in range, any
 * SEQ in the 2^31 numbers behind RCV.NXT doing (the half of the space
 * the sequence-number check exists to guard).  Linux likewise drops
 * segments ending before RCV.WUP. */
#define TCP_OLD_DUP_SPAN (2u * TCP_MAX_WINDOW)
/* With window scaling (RFC 7323) the window can be larger: twice the
 * largest window we can offer. */
#define TCP_OLD_DUP_SPAN_OF(tcb) GLASS_MAX(TCP_OLD_DUP_SPAN, 2u * tcp_ws_max_window(tcb))

/* A segment wholly before RCV.NXT: a duplicate.  RFC 9293 would ACK and
 * drop it, ACK field and all; like 4.4BSD ("send an ACK to resynchronize
 * and drop any data, but keep on processing for RST or ACK") glass still
 * takes its ACK.  That matters after an RTO: the sender went back to
 * SND.UNA (go-back-N), so its ACKs carry a SEQ the peer has passed --
 * dropping them whole would deadlock two ends that both retransmit.
 * A duplicate with text or FIN is ACKed (the peer lost our ACK); a bare
 * old ACK is not, so two ends cannot ping-pong ACKs. */
static enum tcp_rx tcp_old_duplicate(struct tcp_cb *tcb, struct tcp_seg *seg, uint32_t wnd)
{
    struct glass_stack *stack = tcb->stack;
    STAT_INC(stack, tcp, out_of_window);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   seq %u len %u before RCV.NXT %u: duplicate%s",
          seg->seq - tcb->irs, seg->len, tcb->rcv_nxt - tcb->irs, seg->len ? ", ACK" : "");
    if (seg->len)
        tcb->ack_now = true;
    tcp_trim(tcb, seg, wnd);
    tcb->last_rcv = glass_stack_now(stack);
    tcp_timer_keepalive_reset(tcb);
    return RX_GO;
}

static enum tcp_rx tcp_check_seq(struct tcp_cb *tcb, struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    uint32_t wnd = tcp_rcv_window(tcb);
    bool ok = tcp_acceptable(tcb, seg, wnd);
    /* "If the RCV.WND is zero, no segments will be acceptable, but special
     * allowance should be made to accept valid ACKs, URGs, and RSTs":
     * a segment exactly at RCV.NXT is taken, its text trimmed away. */
    if (!ok && wnd == 0 && seg->seq == tcb->rcv_nxt)
        ok = true;
    if (!ok) {
        if (tcb->state == TCP_TIME_WAIT && (seg->flags & TCP_FIN) && !(seg->flags & TCP_RST) &&
            seg->seq + seg->len == tcb->rcv_nxt) {
            /* 3.10.7.4 fifth step, TIME-WAIT: "The only thing that can
             * arrive in this state is a retransmission of the remote FIN.
             * Acknowledge it, and restart the 2 MSL timeout." */
            TRACE(stack, GLASS_TRACE_TCP, "tcp   retransmitted FIN in TIME_WAIT: ACK, 2*MSL again");
            tcp_send_ack(tcb);
            tcp_timer_time_wait(tcb);
            return RX_DROP;
        }
        if (seg->flags & TCP_RST) {
            STAT_INC(stack, tcp, rst_ignored);
            TRACE(stack, GLASS_TRACE_TCP, "tcp   RST out of window: ignored");
            return RX_DROP;
        }
        if (!(seg->flags & TCP_SYN) && seq_leq(seg->seq + seg->len, tcb->rcv_nxt) &&
            seq_geq(seg->seq + seg->len, tcb->rcv_nxt - TCP_OLD_DUP_SPAN_OF(tcb)))
            return tcp_old_duplicate(tcb, seg, wnd);
        /* RFC 5961 4.2: a SYN earns a challenge ACK "irrespective of
         * the sequence number" -- under the stack-wide challenge limit,
         * as Linux does (tcp_validate_incoming: syn_challenge). */
        if (seg->flags & TCP_SYN) {
            TRACE(stack, GLASS_TRACE_TCP, "tcp   SYN outside the window: challenge ACK");
            tcp_send_challenge_ack(tcb);
            return RX_DROP;
        }
        /* "If an incoming segment is not acceptable, an acknowledgment
         * should be sent in reply (unless the RST bit is set)". */
        STAT_INC(stack, tcp, out_of_window);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   seq %u len %u outside [%u, +%u): ACK, drop",
              seg->seq - tcb->irs, seg->len, tcb->rcv_nxt - tcb->irs, wnd);
        if (!tcp_oow_rate_limited(tcb, seg))
            tcp_send_ack(tcb);
        return RX_DROP;
    }
    /* A RST is judged by its own sequence number (second step): trimming
     * would move an early RST onto RCV.NXT. */
    if (!(seg->flags & TCP_RST))
        tcp_trim(tcb, seg, wnd);
    tcb->last_rcv = glass_stack_now(stack);
    tcp_timer_keepalive_reset(tcb);
    return RX_GO;
}

/* ---- second step: RST (RFC 5961 3, RFC 1337) --------------------------------------- */

static enum tcp_rx tcp_check_rst(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    if (!(seg->flags & TCP_RST))
        return RX_GO;
    if (tcb->state == TCP_TIME_WAIT) {
        /* RFC 1337: a RST must not cut TIME-WAIT short ("TIME-WAIT
         * assassination"); Linux's tcp_rfc1337 behaviour. */
        STAT_INC(stack, tcp, rst_ignored);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   RST in TIME_WAIT ignored (RFC 1337)");
        return RX_DROP;
    }
    /* RFC 5961 3.2: only a RST exactly at RCV.NXT resets; one elsewhere
     * in the window earns a challenge ACK (a real peer answers it with a
     * RST at the right place). */
    if (seg->seq != tcb->rcv_nxt) {
        TRACE(stack, GLASS_TRACE_TCP, "tcp   RST seq %u in window, not RCV.NXT: challenge ACK",
              seg->seq - tcb->irs);
        tcp_send_challenge_ack(tcb);
        return RX_DROP;
    }
    STAT_INC(stack, tcp, rst_rcvd);
    if (tcb->state == TCP_SYN_RECEIVED && tcb->parent) {
        /* "If this connection was initiated with a passive OPEN, then
         * return this connection to the LISTEN state": the listener is
         * there still; the child just goes. */
        TRACE(stack, GLASS_TRACE_TCP, "tcp   RST in SYN_RCVD: half-open connection dropped");
        tcp_done(tcb, 0);
        return RX_GONE;
    }
    if (tcb->state == TCP_SYN_RECEIVED) {
        /* Active OPEN (simultaneous): "the connection was refused". */
        tcp_done(tcb, ECONNREFUSED);
        STAT_INC(stack, tcp, conn_reset);
        return RX_GONE;
    }
    TRACE(stack, GLASS_TRACE_TCP, "tcp   RST: connection reset in %s", tcp_state_name(tcb->state));
    tcp_reset(tcb);
    return RX_GONE;
}

/* ---- fourth step: SYN (RFC 5961 4) --------------------------------------------------- */

static enum tcp_rx tcp_check_syn(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (!(seg->flags & TCP_SYN))
        return RX_GO;
    if (tcb->state == TCP_SYN_RECEIVED && tcb->parent) {
        /* 3.10.7.4 fourth step: "If the connection was initiated with a
         * passive OPEN, then return this connection to the LISTEN state
         * and return." (A retransmission of the SYN that made it was
         * answered before we got here.) */
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   new SYN in SYN_RCVD: half-open connection dropped");
        tcp_done(tcb, 0);
        return RX_GONE;
    }
    /* RFC 5961 4.2: "If the SYN bit is set, irrespective of the sequence
     * number, TCP MUST send an ACK (also referred to as challenge ACK)
     * to the remote peer" and drop the segment. */
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SYN in %s: challenge ACK", tcp_state_name(tcb->state));
    tcp_send_challenge_ack(tcb);
    return RX_DROP;
}

/* ---- fifth step: ACK --------------------------------------------------------------- */

/* SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED
 * state and continue processing ... If the segment acknowledgment is not
 * acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST> and send it." */
static enum tcp_rx tcp_ack_syn_received(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    if (!seq_lt(tcb->snd_una, seg->ack) || seq_gt(seg->ack, tcb->snd_max)) {
        STAT_INC(stack, tcp, out_of_window);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ACK %u does not acknowledge our SYN: RST",
              seg->ack - tcb->iss);
        tcp_send_rst_reply(stack, seg);
        return RX_DROP;
    }
    if (tcb->parent && !tcp_listen_child_established(tcb)) {
        /* Linux: drop the ACK; the SYN-ACK is retransmitted and the
         * handshake completes once accept() made room. */
        STAT_INC(stack, tcp, accept_queue_full);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   drop: accept queue full (%u)",
              tcb->parent->acc_q_len);
        return RX_DROP;
    }
    tcp_establish(tcb, seg);
    tcp_wake(tcb);
    return RX_GO;
}

/* RFC 5961 5.2: SEG.ACK must lie in [SND.UNA - MAX.SND.WND, SND.MAX]
 * (SND.MAX, not SND.NXT: after an RTO SND.NXT went back, and ACKs for
 * what had been sent before are still good).  Above: RFC 9293 "ACK for
 * something not yet sent: send an ACK, drop".  Below: too old to be
 * real: challenge ACK, drop. */
static enum tcp_rx tcp_check_ack_range(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    if (seq_gt(seg->ack, tcb->snd_max)) {
        STAT_INC(stack, tcp, ack_unsent);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ACK %u for data not sent (SND.MAX %u): ACK, drop",
              seg->ack - tcb->iss, tcb->snd_max - tcb->iss);
        if (!tcp_oow_rate_limited(tcb, seg))
            tcp_send_ack(tcb);
        return RX_DROP;
    }
    if (seq_lt(seg->ack, tcb->snd_una - tcb->max_snd_wnd)) {
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ACK %u older than SND.UNA - MAX.SND.WND: challenge ACK",
              seg->ack - tcb->iss);
        tcp_send_challenge_ack(tcb);
        return RX_DROP;
    }
    return RX_GO;
}

/* An orphan (the user closed) whose FIN is acknowledged waits in
 * FIN-WAIT-2 for the peer's FIN -- but not for ever: like Linux's
 * tcp_fin_timeout, the TIME-WAIT timer bounds it. */
static bool tcp_is_orphan(const struct tcp_cb *tcb)
{
    return !tcb->sk && !tcb->parent && tcb->fin_queued;
}

static enum tcp_rx tcp_check_ack(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    if (!(seg->flags & TCP_ACK)) {
        /* "if the ACK bit is off, drop the segment and return" */
        tcp_drop(stack, &stack->stats.tcp_drop_bad_flags, "no ACK in %s",
                 tcp_state_name(tcb->state));
        return RX_DROP;
    }
    if (tcb->state == TCP_SYN_RECEIVED) {
        enum tcp_rx r = tcp_ack_syn_received(tcb, seg);
        if (r != RX_GO)
            return r;
    }
    enum tcp_rx r = tcp_check_ack_range(tcb, seg);
    if (r != RX_GO)
        return r;
    if (tcb->state == TCP_TIME_WAIT)
        return RX_GO;   /* nothing of ours is outstanding */
    bool fin_acked = tcp_ack_input(tcb, seg);
    switch (tcb->state) {
    case TCP_FIN_WAIT_1:
        /* "if the FIN segment is now acknowledged, then enter FIN-WAIT-2" */
        if (fin_acked) {
            tcp_set_state(tcb, TCP_FIN_WAIT_2);
            if (tcp_is_orphan(tcb))
                tcp_timer_time_wait(tcb);
            tcp_wake(tcb);      /* a lingering close() waits for this */
        }
        break;
    case TCP_CLOSING:
        /* "if the ACK acknowledges our FIN, then enter the TIME-WAIT
         * state; otherwise, ignore the segment" */
        if (fin_acked) {
            tcp_set_state(tcb, TCP_TIME_WAIT);
            tcp_timer_time_wait(tcb);
            tcp_wake(tcb);
        }
        break;
    case TCP_LAST_ACK:
        /* "If our FIN is now acknowledged, delete the TCB, enter the
         * CLOSED state, and return." */
        if (fin_acked) {
            tcp_done(tcb, 0);
            return RX_GONE;
        }
        break;
    default:
        break;
    }
    return RX_GO;
}

/* ---- sixth step: URG --------------------------------------------------------------- */

/* RFC 6093: urgent data is delivered inline like any other byte; glass
 * only remembers where the peer says it ends (RCV.UP). */
static void tcp_check_urg(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (!(seg->flags & TCP_URG))
        return;
    uint32_t up = seg->seq + seg->up;
    if (seq_gt(up, tcb->rcv_up))
        tcb->rcv_up = up;
}

/* ---- seventh step: segment text ------------------------------------------------------ */

/* Can this state receive text?  "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2:
 * ... deliver segment text"; after the peer's FIN (CLOSE-WAIT, CLOSING,
 * LAST-ACK, TIME-WAIT) "this should not occur ... Ignore the segment
 * text." */
static bool tcp_state_receives(enum tcp_state s)
{
    return s == TCP_ESTABLISHED || s == TCP_FIN_WAIT_1 || s == TCP_FIN_WAIT_2;
}

/* In-order text: into the receive buffer (never past it: the window was
 * the room in it), then whatever the out-of-order queue can now add.
 * Returns true when the queue handed over a FIN. */
static bool tcp_take_text(struct tcp_cb *tcb, const struct tcp_seg *seg, bool *fin_in_order)
{
    size_t took = tcp_buf_append(tcb->stack, &tcb->rcvbuf, seg->data, seg->dlen);
    if (took < seg->dlen) {
        tcb->stack->stats.tcp_rcv_beyond_window += seg->dlen - took;
        *fin_in_order = false;  /* the FIN comes after what we could not keep */
    }
    tcb->rcv_nxt += (uint32_t)took;
    if (!tcb->ooo) {
        tcp_ack_received_data(tcb, took);   /* RFC 1122 4.2.3.2 policy */
        return false;
    }
    size_t moved = 0;
    bool fin = tcp_reass_pull(tcb, &moved);
    /* RFC 5681 4.2: "A TCP receiver SHOULD send an immediate ACK when the
     * incoming segment fills in all or part of a gap". */
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   gap filled: %zu queued bytes now in order", moved);
    tcb->ack_now = true;
    return fin;
}

static enum tcp_rx tcp_rx_text(struct tcp_cb *tcb, struct tcp_seg *seg, bool *fin)
{
    struct glass_stack *stack = tcb->stack;
    *fin = (seg->flags & TCP_FIN) != 0;
    if (!tcp_state_receives(tcb->state)) {
        seg->dlen = 0;
        return RX_GO;
    }
    if (seg->dlen && tcp_is_orphan(tcb) && seq_gt(seg->seq + (uint32_t)seg->dlen, tcb->rcv_nxt)) {
        /* RFC 9293 3.10.7.4 lets FIN-WAIT states receive, but no one
         * will ever read it: RFC 1122 4.2.2.13 / RFC 2525 2.17 and
         * Linux answer new data to a closed socket with a RST. */
        STAT_INC(stack, tcp, conn_aborted);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   data for a closed socket: RST");
        tcp_send_rst(tcb);
        tcp_done(tcb, ECONNRESET);
        return RX_GONE;
    }
    if (!seg->dlen && !*fin)
        return RX_GO;
    if (seq_gt(seg->seq, tcb->rcv_nxt)) {
        /* Out of order: hold it; and RFC 5681 4.2 / RFC 1122 4.2.2.21:
         * ACK at once (a duplicate ACK tells the sender of the hole). */
        uint32_t end = seg->seq + (uint32_t)seg->dlen;
        if (tcp_reass_covered(tcb, seg->seq, end))
            tcp_sack_rcv_dup(tcb, seg->seq, end); /* SACK: RFC 2883, queued already */
        size_t q = tcp_reass_insert(tcb, seg->seq, seg->data, seg->dlen, *fin);
        tcp_sack_rcv_note(tcb, seg->seq, end); /* SACK: RFC 2018 4, first block */
        TRACE(stack, GLASS_TRACE_TCP, "tcp   out of order: seq %u len %zu (%zu new) queued, RCV.NXT %u",
              seg->seq - tcb->irs, seg->dlen, q, tcb->rcv_nxt - tcb->irs);
        tcb->ack_now = true;
        *fin = false;
        return RX_GO;
    }
    bool fin_from_queue = false;
    if (seg->dlen) {
        fin_from_queue = tcp_take_text(tcb, seg, fin);
        tcp_wake(tcb);
    }
    if (fin_from_queue)
        *fin = true;
    return RX_GO;
}

/* ---- eighth step: FIN ------------------------------------------------------------ */

static void tcp_rx_fin(struct tcp_cb *tcb)
{
    /* "advance RCV.NXT over the FIN, and send an acknowledgment for the
     * FIN", and tell the user "connection closing" (read returns 0). */
    tcb->rcv_nxt++;
    tcb->fin_rcvd = true;
    tcb->ack_now = true;
    tcp_reass_purge(tcb);
    switch (tcb->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        tcp_set_state(tcb, TCP_CLOSE_WAIT);
        break;
    case TCP_FIN_WAIT_1:
        /* Our FIN acknowledged by this very segment moved us to
         * FIN-WAIT-2 already; otherwise both ends closed at once. */
        tcp_set_state(tcb, TCP_CLOSING);
        break;
    case TCP_FIN_WAIT_2:
        tcp_set_state(tcb, TCP_TIME_WAIT);
        tcp_timer_time_wait(tcb);
        break;
    case TCP_TIME_WAIT:
        tcp_timer_time_wait(tcb);   /* "Restart the 2 MSL time-wait timeout" */
        break;
    default:
        break;                      /* CLOSE-WAIT, CLOSING, LAST-ACK: remain */
    }
    tcp_wake(tcb);
}

static enum tcp_rx tcp_rx_synchronized_text(struct tcp_cb *tcb, struct tcp_seg *seg)
{
    tcp_check_urg(tcb, seg);
    bool fin = false;
    enum tcp_rx r = tcp_rx_text(tcb, seg, &fin);
    if (r != RX_GO)
        return r;
    if (fin && !tcb->fin_rcvd)
        tcp_rx_fin(tcb);
    return RX_DONE;
}

/* ---- 3.10.7.4 "Otherwise" ----------------------------------------------------------- */

/* RFC 7323 5.3 R1 (PAWS, tcp_ts.c) before the sequence number check:
 * an old duplicate is "not acceptable": ACK (rate-limited like every
 * answer to an unacceptable segment) and drop. */
static enum tcp_rx tcp_check_paws(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (!tcp_paws_reject(tcb, seg))
        return RX_GO;
    if (!tcp_oow_rate_limited(tcb, seg))
        tcp_send_ack(tcb);
    return RX_DROP;
}

static enum tcp_rx tcp_rx_otherwise(struct tcp_cb *tcb, struct tcp_seg *seg)
{
    uint32_t seq0 = seg->seq; /* before trimming: RFC 7323 5.3 R3 */
    /* RFC 7323 5.3 R2 before R3: a segment wholly before RCV.NXT is not
     * acceptable, even though glass still takes its ACK
     * (tcp_old_duplicate), so its TSval must not become TS.Recent. */
    bool old_dup = seq_lt(seq0 + (seg->len ? seg->len - 1 : 0), tcb->rcv_nxt);
    enum tcp_rx r = tcp_check_paws(tcb, seg);
    if (r == RX_GO)
        r = tcp_check_seq(tcb, seg);
    if (r == RX_GO && !old_dup)
        tcp_ts_update_recent(tcb, seg, seq0); /* RFC 7323 5.3 R3 */
    if (r == RX_GO)
        r = tcp_check_rst(tcb, seg);
    /* third step, security/compartment: RFC 9293 3.10.7.4 leaves it to
     * IPsec; nothing to check */
    if (r == RX_GO)
        r = tcp_check_syn(tcb, seg);
    if (r == RX_GO)
        r = tcp_check_ack(tcb, seg);
    if (r == RX_GO)
        r = tcp_rx_synchronized_text(tcb, seg);
    return r;
}

/* Is there a listener that would take a SYN for seg's destination? */
static bool tcp_listener_for(struct glass_stack *stack, const struct tcp_seg *seg)
{
    /* wt-fast: the lookup table's listener chains (tcp_hash.c). */
    return tcp_hash_find_listener(stack, seg->dst, seg->dport) != NULL;
}

/* RFC 9293 3.6.1 / RFC 1122 4.2.2.13: a SYN for a pair in TIME-WAIT whose
 * sequence number lies above what the old connection used may open a new
 * connection at once: the old control block ends, the listener takes
 * the SYN.  Only if there is a listener to take it (Linux
 * tcp_timewait_state_process, TCP_TW_SYN): otherwise the SYN is just a
 * SYN in TIME-WAIT, answered with an ACK, and the quiet time goes on --
 * ending it for a SYN nobody accepts would only make room for old
 * duplicates. */
static bool tcp_time_wait_reuse(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (tcb->state != TCP_TIME_WAIT || (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return false;
    if (!seq_gt(seg->seq, tcb->rcv_nxt) || !tcp_listener_for(tcb->stack, seg))
        return false;
    STAT_INC(tcb->stack, tcp, time_wait_reused);
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SYN seq above RCV.NXT ends TIME_WAIT: new connection");
    tcp_done(tcb, 0);
    return true;
}

/* Simultaneous open (3.10.7.3 figure 8): in SYN-RECEIVED after our own
 * SYN, the peer's SYN-ACK repeats its SYN (SEG.SEQ = IRS) and acknowledges
 * ours.  Its SYN is an old duplicate; its ACK completes the handshake, so
 * the segment goes on as the ACK it is (Linux does the same). */
static void tcp_simultaneous_synack(struct tcp_cb *tcb, struct tcp_seg *seg)
{
    if (tcb->state != TCP_SYN_RECEIVED || tcb->parent ||
        (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != (TCP_SYN | TCP_ACK))
        return;
    if (seg->seq != tcb->irs || !seq_lt(tcb->snd_una, seg->ack) || seq_gt(seg->ack, tcb->snd_max))
        return;
    seg->seq++;
    seg->len--;
    seg->flags &= (uint8_t)~TCP_SYN;
}

/* A SYN that is the retransmission of the one that made a SYN-RECEIVED
 * child (our SYN-ACK was lost): send the SYN-ACK again. */
static bool tcp_syn_retransmitted(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (tcb->state != TCP_SYN_RECEIVED || (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return false;
    if (seg->seq != tcb->irs)
        return false;
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SYN again: SYN-ACK again");
    tcp_retransmit(tcb);
    return true;
}

static void tcp_segment_arrives(struct glass_stack *stack, struct tcp_seg *seg)
{
    struct tcp_cb *tcb = tcp_lookup(stack, seg->src, seg->sport, seg->dst, seg->dport);
    tcp_trace_rx(stack, seg, tcb);
    if (tcb && tcp_time_wait_reuse(tcb, seg))
        tcb = tcp_lookup(stack, seg->src, seg->sport, seg->dst, seg->dport);
    if (!tcb) {
        tcp_rx_closed(stack, seg);
        return;
    }
    tcp_ws_scale_seg(tcb, seg); /* RFC 7323 2.3: SEG.WND << Snd.Wind.Shift */
    enum tcp_rx r;
    switch (tcb->state) {
    case TCP_LISTEN:
        tcp_rx_listen(tcb, seg);
        return;
    case TCP_SYN_SENT:
        r = tcp_rx_syn_sent(tcb, seg);
        break;
    default:
        if (tcp_syn_retransmitted(tcb, seg))
            return;
        tcp_simultaneous_synack(tcb, seg);
        r = tcp_rx_otherwise(tcb, seg);
        break;
    }
    if (r == RX_DONE)
        tcp_output(tcb);    /* owed ACKs, data the window now allows */
}

void tcp_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    STAT_INC(stack, tcp, rx);
    struct tcp_seg seg;
    if (tcp_parse(nif, pkb, &seg))
        tcp_segment_arrives(stack, &seg);
    pkb_free(stack, pkb);
}

/* ---- ICMP errors (RFC 1122 4.2.3.9, RFC 5927) ----------------------------------------- */

static int tcp_icmp_errno(uint8_t type, uint8_t code, bool *hard)
{
    *hard = false;
    switch (type) {
    case ICMP_DEST_UNREACH:
        switch (code) {
        case ICMP_NET_UNREACH:
            return ENETUNREACH;
        case ICMP_PROTO_UNREACH:
            *hard = true;       /* Linux icmp_err_convert: fatal, ENOPROTOOPT */
            return ENOPROTOOPT;
        case ICMP_PORT_UNREACH:
            *hard = true;
            return ECONNREFUSED;
        case ICMP_FRAG_NEEDED:
            return 0;       /* not an error: the path MTU went down (tcp_icmp_error) */
        default:
            return EHOSTUNREACH;
        }
    case ICMP_TIME_EXCEEDED:
        return EHOSTUNREACH;
    case ICMP_PARAMETER_PROBLEM:
        return EPROTO;
    default:
        return 0;           /* source quench (RFC 6633: ignore), redirects */
    }
}

void tcp_icmp_error(struct glass_stack *stack, uint8_t type, uint8_t code, uint32_t from,
                    const uint8_t *q, size_t qhlen, unsigned next_mtu)
{
    bool hard;
    int err = tcp_icmp_errno(type, code, &hard);
    const uint8_t *t = q + qhlen;
    uint32_t laddr = get_addr(q + 12), faddr = get_addr(q + 16);
    uint16_t lport, fport;
    memcpy(&lport, t + TCP_OFF_SPORT, 2);
    memcpy(&fport, t + TCP_OFF_DPORT, 2);
    uint32_t seq = get_be32(t + TCP_OFF_SEQ);
    bool frag_needed = type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED;
    if (!err && !frag_needed)
        return;
    struct tcp_cb *tcb = tcp_lookup(stack, faddr, fport, laddr, lport);
    if (!tcb || tcb->state == TCP_LISTEN)
        return;
    /* RFC 5927 4.1: the quoted sequence number must be one we sent and is
     * not yet acknowledged, or the "error" is a blind attack. */
    if (!(seq_leq(tcb->snd_una, seq) && seq_leq(seq, tcb->snd_max))) {
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ICMP %u/%u from %s quotes seq %u outside SND.UNA..SND.MAX: ignored",
              type, code, ip4s(from).s, seq - tcb->iss);
        return;
    }
    /* RFC 1191 6.3: the path MTU goes down (pmtu.c) -- only now that the
     * quote has proved itself (RFC 5927 5.2; icmp.c leaves TCP quotes to
     * us) -- and the connection's segments shrink to fit (RFC 9293 3.7.1);
     * what the smaller link dropped goes again at once.  Other connections
     * to the same destination follow before their next segment
     * (tcp_output.c, pmtu_generation). */
    if (frag_needed) {
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ICMP fragmentation needed (mtu %u) from %s", next_mtu,
              ip4s(from).s);
        pmtu_frag_needed(stack, q, next_mtu);
        tcp_mtu_reduced(tcb, seq, get_be16(q + 2));
        return;
    }
    TRACE(stack, GLASS_TRACE_TCP, "tcp   ICMP %u/%u from %s in %s: %s (%s)", type, code,
          ip4s(from).s, tcp_state_name(tcb->state), strerror(err), hard ? "hard" : "soft");
    /* RFC 1122 4.2.3.9: port/protocol unreachable aborts a connection
     * being opened; everything else is soft: remembered, reported if the
     * connection times out. */
    if (hard && tcb->state == TCP_SYN_SENT) {
        tcp_done(tcb, err);
        return;
    }
    tcb->soft_error = err;
}
