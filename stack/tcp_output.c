/*
 * tcp_output.c - segments out (RFC 9293 3.8, RFC 1122 4.2.3).
 *
 * tcp_output() is asked "what may be sent now?" after anything that can
 * change the answer: the user queued data or a FIN, an ACK opened a
 * window, a timer fired.  It answers with the sender's rules:
 *
 *   - the handshake: SYN in SYN-SENT, SYN-ACK in SYN-RECEIVED (3.5);
 *   - data within min(SND.WND, cwnd) minus what is in flight (RFC 5681),
 *     cut to the send MSS (3.7.1), held back by Nagle (RFC 896, RFC 1122
 *     4.2.3.4) and by sender silly-window avoidance (RFC 1122 4.2.3.4);
 *   - the FIN once every byte before it has gone (3.6);
 *   - an ACK if one is owed and nothing else carried it.
 *
 * The receive side of the same coin is here too: the window we advertise
 * (receiver SWS avoidance, RFC 1122 4.2.3.3) and the ACK policy (delayed
 * ACK, RFC 1122 4.2.3.2).  And the segments that belong to no flow of
 * data: RSTs (3.10.7.1, ABORT) and RFC 5961 challenge ACKs.
 *
 * Every segment leaves through tcp_xmit(), which builds the header (with
 * the MSS option on SYNs), copies the text out of the send buffer,
 * computes the checksum and hands the result to IPv4 with Don't Fragment
 * set: path MTU discovery (RFC 1191 3, RFC 9293 3.7.2).  The send MSS
 * follows the path MTU cache (pmtu.c) before each segment is cut, and a
 * segment IPv4 still refuses as too big (-EMSGSIZE) is cut again smaller.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checksum.h"
#include "ipv4.h"
#include "pkb.h"
#include "pmtu.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

#define NOTE_REXMIT " (retransmission)"
#define NOTE_PROBE " (window probe)"

/* ---- sequence space helpers ---------------------------------------------- */

/* Our SYN occupies ISS; it is acknowledged once SND.UNA has moved past. */
static bool tcp_syn_acked(const struct tcp_cb *tcb)
{
    return tcp_syn_is_acked(tcb); /* not seq_gt: wrong past 2 GiB (tcp.h) */
}

/* The sequence number of sndbuf's first byte: SND.UNA, or ISS+1 while our
 * SYN is still unacknowledged (the SYN is not in sndbuf). */
static uint32_t tcp_data_start(const struct tcp_cb *tcb)
{
    return tcp_syn_acked(tcb) ? tcb->snd_una : tcb->iss + 1;
}

/* One past the last queued byte; the FIN, once queued, sits here. */
static uint32_t tcp_data_end(const struct tcp_cb *tcb)
{
    return tcp_data_start(tcb) + (uint32_t)tcb->sndbuf.len;
}

static bool tcp_fin_acked(const struct tcp_cb *tcb)
{
    return tcb->fin_sent && seq_gt(tcb->snd_una, tcb->fin_seq);
}

/* RFC 9293 3.3.2: the states in which both sides' sequence numbers are
 * known, i.e. where segments carry an ACK and data may flow. */
static bool tcp_synchronized(const struct tcp_cb *tcb)
{
    return tcb->state >= TCP_ESTABLISHED;
}

/* ---- building and sending one segment -------------------------------------- */

static const char *tcp_flags_str(uint8_t flags, char *buf, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{TCP_SYN, "SYN"}, {TCP_FIN, "FIN"}, {TCP_RST, "RST"},
                 {TCP_PSH, "PSH"}, {TCP_ACK, "ACK"}, {TCP_URG, "URG"}};
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(names); i++) {
        if (!(flags & names[i].bit))
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", names[i].name);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    return buf;
}

/* What one outgoing segment is, before it becomes bytes. */
struct tcp_txseg {
    uint32_t src, dst;          /* network order */
    uint16_t sport, dport;      /* network order */
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    uint16_t mss;               /* != 0: carry the MSS option (SYN, SYN-ACK) */
    const struct tcp_cb *tcb;   /* != NULL: its options (tcp_opts_write, RFC 7323) */
    const struct tcp_buf *buf;  /* text from here... */
    size_t off, len;            /* ...at this offset, len bytes */
    /* SACK (tcp_sack.c): blocks on an ACK */
    const struct tcp_sack_block *sack;
    unsigned nsack;
    uint16_t gso_size;          /* TSO: payload per wire segment (tcp_tso.c) */
    /* wt-cookie: a cookie SYN-ACK's options, written by tcp_syncookie.c */
    const uint8_t *rawopts;
    size_t rawoptlen;
};

/* RFC 9293 3.1 header, options, text and the checksum over the pseudo
 * header (3.1 "Checksum"); then IPv4, with DF when df (RFC 1191 3: "the
 * DF bit in the IP header" of every datagram).  Returns ipv4_output's
 * result: -EMSGSIZE when DF and the segment exceeds the path MTU. */
static int tcp_emit(struct glass_stack *stack, const struct tcp_txseg *s, bool df)
{
    uint8_t opts[40];
    size_t optlen = s->tcb ? tcp_opts_write(opts, s->tcb, s->flags)
                   : s->mss ? tcp_opts_write_syn(opts, s->mss)
                            : 0;
    if (s->rawoptlen) { /* wt-cookie: options of a SYN-ACK without a tcb */
        memcpy(opts, s->rawopts, s->rawoptlen);
        optlen = s->rawoptlen;
    }
    /* SACK: RFC 2018 3 blocks in what space is left (they go last: any
     * other option must be written before them; SACK-permitted on a SYN
     * is tcp_opts_write's) */
    if (s->nsack) {
        /* RFC 9293 3.7.1: text and options together stay within the
         * peer's MSS (snd_mss already leaves out the timestamps), so a
         * data segment carries only the blocks its spare room holds --
         * none on a full-sized one; pure ACKs carry them all. */
        size_t room = sizeof opts - optlen;
        if (s->len && s->tcb) {
            size_t wire = s->gso_size && s->len > s->gso_size ? s->gso_size : s->len;
            room = wire >= s->tcb->snd_mss ? 0 : GLASS_MIN(room, s->tcb->snd_mss - wire);
        }
        size_t w = tcp_opts_write_sack_blocks(opts + optlen, room, s->sack, s->nsack);
        if (w)
            stack->stats.tcp_sack_blocks_sent += (w - 4) / 8;
        optlen += w;
    }
    size_t hlen = TCP_HLEN + optlen;
    struct pkb *pkb = pkb_alloc(stack, TCP_MAX_HLEN + s->len);
    if (!pkb) {
        STAT_INC(stack, tcp, drop_no_memory);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   tx dropped: out of memory");
        return -ENOBUFS;
    }
    uint8_t *t = pkb_put(pkb, hlen + s->len);
    memcpy(t + TCP_OFF_SPORT, &s->sport, 2);
    memcpy(t + TCP_OFF_DPORT, &s->dport, 2);
    put_be32(t + TCP_OFF_SEQ, s->seq);
    put_be32(t + TCP_OFF_ACK, (s->flags & TCP_ACK) ? s->ack : 0);
    t[TCP_OFF_DOFF] = (uint8_t)((hlen / 4) << 4);
    t[TCP_OFF_FLAGS] = s->flags;
    put_be16(t + TCP_OFF_WND, s->wnd);
    put_be16(t + TCP_OFF_CSUM, 0);
    put_be16(t + TCP_OFF_URP, 0);
    if (optlen)
        memcpy(t + TCP_HLEN, opts, optlen);
    pkb_set_l4(pkb);
    if (tcp_tso_partial_csum(stack, pkb, t, hlen + s->len, s->src, s->dst, s->gso_size, df)) {
        /* the device completes the checksum (TSO, checksum offload) */
        if (s->len)
            tcp_buf_peek(s->buf, s->off, t + hlen, s->len);
    } else {
        uint32_t sum = csum_pseudo_ipv4(s->src, s->dst, IPPROTO_TCP_, (uint16_t)(hlen + s->len));
        sum = csum_add(sum, t, hlen);
        /* wt-fast: the text is copied out of the send buffer and summed
         * in the same pass (checksum.c), at offset hlen of the segment. */
        if (s->len)
            sum = csum_block_add(sum, tcp_buf_peek_csum(s->buf, s->off, t + hlen, s->len), hlen);
        put_be16(t + TCP_OFF_CSUM, csum_finish(sum));
    }
    struct ipv4_tx tx = {.src = s->src, .dst = s->dst, .proto = IPPROTO_TCP_, .df = df};
    int rc = ipv4_output(stack, pkb, &tx);
    if (rc == 0)
        STAT_INC(stack, tcp, tx);
    return rc;
}

/* Is there room for at least one SACK block (NOP NOP, kind, length and
 * 8 bytes) beside len bytes of text?  tcp_emit's rule: text and options
 * within snd_mss (RFC 9293 3.7.1), per wire segment of a TSO one.  The
 * blocks are only taken (and a D-SACK consumed) when they can go. */
static bool tcp_sack_room(const struct tcp_cb *tcb, size_t len, uint16_t gso_size)
{
    if (!len)
        return true;
    size_t wire = gso_size && len > gso_size ? gso_size : len;
    return wire + 12 <= tcb->snd_mss;
}

/* Does RCV.ADV hold a window we offered?  Not before our first ACK of
 * the connection (an active open learns RCV.NXT from the SYN-ACK, when
 * RCV.ADV is still unset), nor if it lies impossibly far from RCV.NXT. */
static bool tcp_rcv_adv_valid(const struct tcp_cb *tcb)
{
    return tcp_synchronized(tcb) && seq_geq(tcb->rcv_adv, tcb->rcv_nxt) &&
           tcb->rcv_adv - tcb->rcv_nxt <= tcp_ws_max_window(tcb);
}

/* The receive-side bookkeeping every ACK-bearing segment does: whatever
 * ACK was owed has now been given (RFC 1122 4.2.3.2), and the right edge
 * of the window we offered is remembered so it never moves left
 * (RFC 9293 3.8.6.2.2). */
static void tcp_ack_sent(struct tcp_cb *tcb, uint32_t wnd)
{
    tcp_ts_ack_sent(tcb); /* RFC 7323 4.3: Last.ACK.sent */
    tcb->segs_unacked = 0;
    tcb->ack_now = false;
    timer_cancel(tcb->stack, &tcb->delack);
    tcb->rcv_wnd = wnd;
    uint32_t edge = tcb->rcv_nxt + wnd;
    if (seq_gt(edge, tcb->rcv_adv) || !tcp_rcv_adv_valid(tcb))
        tcb->rcv_adv = edge;
}

/* Send one segment of tcb: seq, flags, `len` bytes of text starting at
 * seq (taken from sndbuf).  SYNs carry the MSS option.  Trace line in
 * Wireshark's relative numbers.
 *
 * With DF (RFC 1191 3).  When IPv4 refuses it as larger than the path
 * MTU (an interface MTU lowered at run time, or an estimate this
 * connection has not seen yet), the MSS is recomputed; if that made it
 * smaller than len, -EMSGSIZE tells the caller to cut the text again
 * (nothing left: the bytes stay in sndbuf and SND.NXT has not moved).
 * When the MSS cannot shrink further (its 64-byte floor over a path MTU
 * below 104), the segment goes without DF and IPv4 fragments it, as
 * Linux does under its minimum path MTU. */
static int tcp_xmit(struct tcp_cb *tcb, uint32_t seq, uint8_t flags, size_t len, const char *note)
{
    struct glass_stack *stack = tcb->stack;
    /* RFC 7323 2.3: the field is the window >> Rcv.Wind.Shift (a SYN's
     * is not scaled: at most 65535 there); wnd is what the peer sees. */
    uint32_t wnd = tcp_rcv_window(tcb);
    uint16_t wfield = tcp_ws_field(tcb, wnd, flags);
    if (flags & TCP_SYN)
        wnd = wfield;
    struct tcp_txseg s = {
        .src = tcb->laddr,
        .dst = tcb->faddr,
        .sport = tcb->lport,
        .dport = tcb->fport,
        .seq = seq,
        .ack = tcb->rcv_nxt,
        .flags = flags,
        .wnd = wfield,
        .mss = (flags & TCP_SYN) ? tcb->adv_mss : 0,
        .tcb = tcb,
        .buf = &tcb->sndbuf,
        .off = len ? seq - tcp_data_start(tcb) : 0,
        .len = len,
        .gso_size = (uint16_t)tcp_tso_seg_payload(tcb), /* used when len exceeds it */
    };
    /* SACK (tcp_sack.c): blocks on every ACK but a SYN-ACK's or a RST's
     * (SACK-permitted on SYNs: tcp_opts_write) */
    struct tcp_sack_block sack[TCP_SACK_MAX_BLOCKS];
    if (!(flags & (TCP_SYN | TCP_RST)) && (flags & TCP_ACK) && tcp_synchronized(tcb) &&
        tcp_sack_room(tcb, len, s.gso_size)) {
        s.nsack = tcp_sack_rcv_blocks(tcb, sack, TCP_SACK_MAX_BLOCKS);
        s.sack = sack;
    }
    char fl[32];
    if (flags & TCP_ACK)
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s:%u > %s:%u %s seq=%u ack=%u win=%u len=%zu%s",
              ip4s(tcb->laddr).s, get_be16((const uint8_t *)&tcb->lport), ip4s(tcb->faddr).s,
              get_be16((const uint8_t *)&tcb->fport), tcp_flags_str(flags, fl, sizeof fl),
              seq - tcb->iss, tcb->rcv_nxt - tcb->irs, wfield, len, note ? note : "");
    else
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s:%u > %s:%u %s seq=%u win=%u len=%zu%s",
              ip4s(tcb->laddr).s, get_be16((const uint8_t *)&tcb->lport), ip4s(tcb->faddr).s,
              get_be16((const uint8_t *)&tcb->fport), tcp_flags_str(flags, fl, sizeof fl),
              seq - tcb->iss, wfield, len, note ? note : "");
    if (flags & TCP_ACK) {
        tcp_ack_sent(tcb, wnd);
        /* RFC 2883 4: a D-SACK this segment had no room for goes on a
         * pure ACK right after it (tcp_output's tail), not never. */
        if (tcb->sack.dsack_owed)
            tcb->ack_now = true;
    }
    int rc = tcp_emit(stack, &s, true);
    if (rc != -EMSGSIZE)
        return rc;
    uint16_t old = tcb->snd_mss;
    if (tcp_synchronized(tcb))
        tcp_mss_update(tcb);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   len=%zu over the path MTU to %s: mss %u -> %u", len,
          ip4s(tcb->faddr).s, old, tcb->snd_mss);
    if (len > tcb->snd_mss && tcb->snd_mss < old) {
        STAT_INC(stack, tcp, mss_lowered);
        return -EMSGSIZE;
    }
    return tcp_emit(stack, &s, false);
}

/* After sending [seq, end): SND.NXT and SND.MAX move, the retransmission
 * timer runs (RFC 6298 5.1), and a segment of new data may be timed --
 * one at a time, never a retransmitted one (Karn, RFC 6298 3). */
static void tcp_sent(struct tcp_cb *tcb, uint32_t seq, uint32_t end, bool probe)
{
    bool fresh = seq_geq(seq, tcb->snd_max);
    if (!probe)
        tcp_rack_sent(tcb, seq, end, !fresh); /* rack: send times (tcp_rack.c) */
    if (seq_gt(end, tcb->snd_nxt))
        tcb->snd_nxt = end;
    if (seq_gt(end, tcb->snd_max))
        tcb->snd_max = end;
    if (fresh && !tcb->rtt_timing) {
        tcb->rtt_timing = true;
        tcb->rtt_seq = end;
        tcb->rtt_start = glass_stack_now(tcb->stack);
    }
    if (!probe && !timer_pending(&tcb->rexmt))
        tcp_timer_rexmt_restart(tcb);
}

/* ---- the handshake ------------------------------------------------------------ */

/* RFC 9293 3.5: <SEQ=ISS><CTL=SYN> from SYN-SENT, <SEQ=ISS><ACK=RCV.NXT>
 * <CTL=SYN,ACK> from SYN-RECEIVED, with our MSS (3.7.1).  Every state
 * after SYN-SENT knows RCV.NXT, so a SYN still unacknowledged there (a
 * close in SYN-RECEIVED moved us to FIN-WAIT-1) goes as SYN-ACK too. */
static void tcp_send_syn(struct tcp_cb *tcb, bool rexmit)
{
    if (!tcb->adv_mss)
        tcb->adv_mss = tcp_mss_to_advertise(tcb->stack, tcb->faddr);
    tcp_7323_syn_prepare(tcb); /* RFC 7323: WS and TS offers (tcp_wscale.c) */
    uint8_t flags = tcb->state == TCP_SYN_SENT ? TCP_SYN : (TCP_SYN | TCP_ACK);
    if (!rexmit)
        tcb->recover = tcb->iss; /* RFC 6582 3.2 step 1 */
    tcp_xmit(tcb, tcb->iss, flags, 0, rexmit ? NOTE_REXMIT : NULL);
    tcp_sent(tcb, tcb->iss, tcb->iss + 1, false);
}

/* ---- what data may go now ------------------------------------------------------ */

/* The send MSS, after following the path MTU cache: when any estimate
 * changed since this connection last looked (pmtu_generation), the MSS is
 * recomputed, so every connection to a destination whose path MTU went
 * down cuts its next segment small enough (RFC 1191 6.3), and grows back
 * when the estimate ages out. */
static uint32_t tcp_smss(struct tcp_cb *tcb)
{
    if (tcp_synchronized(tcb) && tcb->pmtu_gen != pmtu_generation(tcb->stack)) {
        uint16_t old = tcb->snd_mss;
        tcp_mss_update(tcb);
        if (tcb->snd_mss < old) {
            STAT_INC(tcb->stack, tcp, mss_lowered);
            TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   path MTU to %s went down: mss %u -> %u",
                  ip4s(tcb->faddr).s, old, tcb->snd_mss);
        }
    }
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* The usable window: min(SND.WND, cwnd) less what is in flight
 * (RFC 5681 3.1: "MUST NOT send data with a sequence number higher than
 * the sum of the highest acknowledged sequence number and the minimum of
 * cwnd and rwnd"). */
static uint32_t tcp_usable_window(const struct tcp_cb *tcb)
{
    uint32_t wnd = GLASS_MIN(tcb->snd_wnd, tcb->cwnd);
    uint32_t flight = tcp_flight_size(tcb);
    return wnd > flight ? wnd - flight : 0;
}

/* How many bytes of text to put in the next segment at SND.NXT; 0 to
 * wait.  RFC 1122 4.2.3.4 sender SWS avoidance, with Nagle folded in as
 * the RFC does: send when
 *   (a) a full-sized segment can go, or
 *   (b) all queued data can go and either nothing is outstanding or Nagle
 *       is off (TCP_NODELAY) or it is the last data before our FIN, or
 *   (c) at least half the largest window the peer ever offered can go.
 * Retransmissions after an RTO (SND.NXT < SND.MAX) are not held back. */
static uint32_t tcp_send_len(struct tcp_cb *tcb, uint32_t unsent)
{
    uint32_t mss = tcp_smss(tcb);
    uint32_t usable = tcp_usable_window(tcb);
    uint32_t tso = tcp_tso_send_len(tcb, mss, unsent, usable); /* many MSS at once: tcp_tso.c */
    if (tso)
        return tso;
    uint32_t len = GLASS_MIN(GLASS_MIN(mss, unsent), usable);
    if (len == 0)
        return 0;
    if (len == mss || seq_lt(tcb->snd_nxt, tcb->snd_max))
        return len;
    if (len == unsent && (tcp_flight_size(tcb) == 0 || tcb->nodelay || tcb->fin_queued))
        return len;
    if (tcb->max_snd_wnd && len >= tcb->max_snd_wnd / 2)
        return len;
    return 0;
}

/* Count a retransmission; Karn: the segment being timed may now be
 * acknowledged ambiguously, so stop timing. */
static void tcp_count_rexmit(struct tcp_cb *tcb)
{
    STAT_INC(tcb->stack, tcp, retransmits);
    tcb->retransmits++;
    tcb->rtt_timing = false;
}

/* Send len bytes of text at seq (taken from sndbuf), with PSH when it
 * empties the buffer and the FIN riding on it when one is queued behind
 * (RFC 9293 3.6).  A window probe is watched by the persist timer, not
 * the retransmission timer.  false when IPv4 refused it as too big and the
 * MSS went down (tcp_xmit): nothing was sent, the caller cuts again. */
static bool tcp_output_segment(struct tcp_cb *tcb, uint32_t seq, uint32_t len, bool probe)
{
    bool fin_sent = tcb->fin_sent;
    uint32_t fin_seq = tcb->fin_seq;
    uint32_t end = tcp_data_end(tcb);
    bool rexmit = seq_lt(seq, tcb->snd_max);
    uint8_t flags = TCP_ACK;
    uint32_t seg_end = seq + len;
    if (seg_end == end) {
        flags |= TCP_PSH; /* the send buffer empties: push (RFC 9293 3.9.1.2) */
        if (tcb->fin_queued) {
            flags |= TCP_FIN;
            tcb->fin_sent = true;
            tcb->fin_seq = seg_end;
            seg_end++;
        }
    }
    if (tcp_xmit(tcb, seq, flags, len, probe ? NOTE_PROBE : rexmit ? NOTE_REXMIT : NULL) ==
        -EMSGSIZE) {
        tcb->fin_sent = fin_sent;
        tcb->fin_seq = fin_seq;
        return false;
    }
    if (rexmit && !probe)
        tcp_count_rexmit(tcb);
    if (probe)
        tcb->rtt_timing = false;
    tcp_sent(tcb, seq, seg_end, probe);
    return true;
}

/* One data segment at SND.NXT; false when the rules say wait.  A segment
 * refused as too big counts as progress: the MSS went down, and the next
 * round cuts it smaller (tcp_xmit returns -EMSGSIZE only then, so this
 * ends). */
static bool tcp_output_data(struct tcp_cb *tcb)
{
    uint32_t unsent = tcp_data_end(tcb) - tcb->snd_nxt;
    uint32_t len = tcp_send_len(tcb, unsent);
    if (len == 0)
        return false;
    tcp_output_segment(tcb, tcb->snd_nxt, len, false);
    return true;
}

/* A FIN on its own, at the end of the data (RFC 9293 3.10.4 CLOSE:
 * "queue this until all preceding SENDs have been segmentized, then form
 * a FIN segment and send it"). */
static void tcp_output_fin(struct tcp_cb *tcb)
{
    uint32_t seq = tcp_data_end(tcb);
    bool rexmit = seq_lt(seq, tcb->snd_max);
    if (rexmit)
        tcp_count_rexmit(tcb);
    tcb->fin_sent = true;
    tcb->fin_seq = seq;
    tcp_xmit(tcb, seq, TCP_ACK | TCP_FIN, 0, rexmit ? NOTE_REXMIT : NULL);
    tcp_sent(tcb, seq, seq + 1, false);
}

/* Data and FIN in the synchronized states, as much as the rules allow.
 * Returns whether anything went out. */
static bool tcp_output_stream(struct tcp_cb *tcb)
{
    bool sent = false;
    if (tcp_fin_acked(tcb))
        return false;
    for (;;) {
        uint32_t end = tcp_data_end(tcb);
        if (seq_lt(tcb->snd_nxt, end)) {
            if (!tcp_output_data(tcb))
                break;
        } else if (tcb->fin_queued && tcb->snd_nxt == end) {
            tcp_output_fin(tcb);
        } else {
            break;
        }
        sent = true;
    }
    return sent;
}

/* RFC 3042 Limited Transmit (RFC 5681 3.2 step 1): on the first and the
 * second duplicate ACK, send one segment of previously unsent data if
 *   - "the receiver's advertised window allows the transmission of the
 *     segment", and
 *   - "the amount of outstanding data would remain less than or equal to
 *     the congestion window plus 2 segments";
 * cwnd itself is not changed.  Each duplicate says a segment left the
 * network, so a small window still collects the three duplicates fast
 * retransmit needs instead of waiting for the RTO.  The segment is
 * full-sized, or the last data when Nagle would let it go (RFC 896 still
 * applies); nothing is sent while going back N after an RTO (SND.NXT <
 * SND.MAX: that data is not "previously unsent"). */
bool tcp_limited_transmit(struct tcp_cb *tcb)
{
    if (!tcp_synchronized(tcb) || tcb->snd_nxt != tcb->snd_max || tcp_fin_acked(tcb))
        return false;
    uint32_t unsent = tcp_data_end(tcb) - tcb->snd_nxt;
    if (unsent == 0 || seq_gt(tcb->snd_nxt, tcp_data_end(tcb)))
        return false;
    uint32_t mss = tcp_smss(tcb);
    uint32_t len = GLASS_MIN(mss, unsent);
    uint32_t flight = tcp_flight_size(tcb);
    if (flight + len > tcb->snd_wnd)
        return false; /* the receiver's window */
    if (flight + len > tcb->cwnd + 2 * mss)
        return false; /* at most two segments beyond cwnd */
    if (len < mss && !(tcb->nodelay || tcb->fin_queued))
        return false; /* Nagle: a small segment waits for the ACK */
    tcb->limited_sent += len;
    STAT_INC(tcb->stack, tcp, limited_transmits);
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   limited transmit (RFC 3042): seq=%u len=%u cwnd=%u",
          tcb->snd_nxt - tcb->iss, len, tcb->cwnd);
    tcp_output_segment(tcb, tcb->snd_nxt, len, false);
    return true;
}

/* ---- for SACK recovery (tcp_sack.c) ---------------------------------------------- */

static bool tcp_output_range_cut(struct tcp_cb *tcb, uint32_t seq, uint32_t *len, bool tso)
{
    if (!tcp_synchronized(tcb) || tcp_fin_acked(tcb))
        return false;
    if (*len == 0 && !(tcb->fin_queued && seq == tcp_data_end(tcb)))
        return false;
    /* Cut again while IPv4 refuses it as over the path MTU and the MSS
     * goes down (tcp_xmit; bounded: the MSS only shrinks). */
    for (;;) {
        uint32_t n = tso ? tcp_tso_range_len(tcb, tcp_smss(tcb), *len) /* loss: tcp_tso.c */
                         : GLASS_MIN(*len, tcp_smss(tcb));
        if (tcp_output_segment(tcb, seq, n, false)) {
            *len = n;
            return true;
        }
    }
}

bool tcp_output_range(struct tcp_cb *tcb, uint32_t seq, uint32_t *len)
{
    return tcp_output_range_cut(tcb, seq, len, false);
}

bool tcp_output_range_tso(struct tcp_cb *tcb, uint32_t seq, uint32_t *len)
{
    return tcp_output_range_cut(tcb, seq, len, true);
}

uint32_t tcp_output_smss(struct tcp_cb *tcb)
{
    return tcp_smss(tcb);
}

/* RFC 9293 3.8.6.1 / RFC 1122 4.2.2.17: data waits, nothing is in flight
 * that an ACK could answer, and the window will not let it go: only
 * probing can learn when the window opens. */
static void tcp_output_maybe_persist(struct tcp_cb *tcb)
{
    if (timer_pending(&tcb->rexmt) || timer_pending(&tcb->persist))
        return;
    if (tcb->snd_nxt != tcb->snd_una || tcb->snd_nxt == tcp_data_end(tcb))
        return;
    tcp_timer_persist_start(tcb);
}

void tcp_output(struct tcp_cb *tcb)
{
    switch (tcb->state) {
    case TCP_CLOSED:
    case TCP_LISTEN:
        return;
    case TCP_SYN_SENT:
        if (tcb->snd_nxt == tcb->iss)
            tcp_send_syn(tcb, false);
        tcb->ack_now = false; /* no RCV.NXT to acknowledge yet */
        return;
    case TCP_SYN_RECEIVED:
        if (tcb->snd_nxt == tcb->iss)
            tcp_send_syn(tcb, false);
        else if (tcb->ack_now)
            tcp_send_ack(tcb);
        return;
    default:
        break;
    }
    if (!tcb->snd_mss)
        tcp_mss_update(tcb);
    if (!tcb->cwnd && tcb->cc && tcb->cc->init)
        tcb->cc->init(tcb);
    if (tcb->sack.recovery)
        tcp_sack_output(tcb); /* RFC 6675 5 (C): by pipe and NextSeg */
    else
        tcp_output_stream(tcb);
    tcp_output_maybe_persist(tcb);
    /* RFC 6298 5.1: whenever anything is outstanding, the timer runs
     * (a zero-window probe byte is watched by the persist timer). */
    if (tcb->snd_max != tcb->snd_una && !timer_pending(&tcb->rexmt) &&
        !timer_pending(&tcb->persist) && !tcp_fin_acked(tcb))
        tcp_timer_rexmt_restart(tcb);
    tcp_rack_output_done(tcb); /* rack: the tail loss probe timer (RFC 8985 7.2) */
    if (tcb->ack_now)
        tcp_send_ack(tcb);
}

/* ---- ACKs ------------------------------------------------------------------------ */

void tcp_send_ack(struct tcp_cb *tcb)
{
    if (tcb->state == TCP_CLOSED || tcb->state == TCP_LISTEN || tcb->state == TCP_SYN_SENT) {
        tcb->ack_now = false;
        return;
    }
    /* RFC 9293: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.  glass rewinds SND.NXT
     * to SND.UNA on a retransmission timeout (go-back-N), so it uses the
     * highest sequence number sent, SND.MAX -- what SND.NXT would be
     * without the rewind (Linux: tcp_acceptable_seq).  An ACK carrying a
     * SEQ the peer has already passed would be "not acceptable" to a
     * strict RFC 9293 receiver and its ACK field ignored. */
    tcp_xmit(tcb, tcb->snd_max, TCP_ACK, 0, NULL);
}

/* RFC 1122 4.2.3.6 keep-alive probe: <SEQ=SND.UNA-1><ACK=RCV.NXT>, no
 * data -- a sequence number the peer has already acknowledged, so a live
 * peer answers with an ACK (Linux sends the same). */
void tcp_send_keepalive(struct tcp_cb *tcb)
{
    tcp_xmit(tcb, tcb->snd_una - 1, TCP_ACK, 0, NULL);
}

/* RFC 1122 4.2.3.2 (and RFC 5681 4.2): "an ACK should be generated for at
 * least every second full-sized segment" and never later than 500 ms (we
 * use cfg.delack_max, 200 ms like Linux).  A full-sized segment is one of
 * the MSS the peer sends with: the smaller of what we advertised and what
 * it advertised (the path is usually symmetric). */
void tcp_ack_received_data(struct tcp_cb *tcb, size_t dlen)
{
    uint32_t rcv_mss = GLASS_MIN(tcb->adv_mss ? tcb->adv_mss : TCP_DEFAULT_MSS,
                                 tcb->peer_mss ? tcb->peer_mss : TCP_DEFAULT_MSS);
    rcv_mss -= GLASS_MIN(rcv_mss / 2, tcp_ts_optlen(tcb)); /* RFC 7323: TS bytes */
    if (dlen >= rcv_mss) /* a GSO super-segment stands for several (tcp_tso.c) */
        tcb->segs_unacked += (unsigned)(dlen / rcv_mss);
    if (tcb->segs_unacked >= 2) {
        if (tcp_ack_defer(tcb)) /* at the end of this receive batch */
            return;
        tcb->ack_now = true;
        tcp_output(tcb); /* data going out may carry the ACK */
        return;
    }
    tcp_timer_delack_start(tcb);
}

/* RFC 5961 7: challenge ACKs are limited to challenge_ack_limit per
 * second for the whole stack (as Linux does), so a blind attacker cannot
 * make us flood. */
void tcp_send_challenge_ack(struct tcp_cb *tcb)
{
    struct glass_stack *stack = tcb->stack;
    struct tcp_stack *ts = stack->tcp;
    glass_time_t now = glass_stack_now(stack);
    if (now - ts->challenge_window >= GLASS_USEC_PER_SEC || now < ts->challenge_window) {
        ts->challenge_window = now;
        ts->challenge_count = 0;
    }
    if (ts->challenge_count >= ts->cfg.challenge_ack_limit) {
        STAT_INC(stack, tcp, challenge_limited);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   challenge ACK suppressed: %u this second",
              ts->challenge_count);
        return;
    }
    ts->challenge_count++;
    STAT_INC(stack, tcp, challenge_acks);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   challenge ACK (RFC 5961)");
    tcp_send_ack(tcb);
}

/* ---- RST ----------------------------------------------------------------------- */

void tcp_send_rst_reply(struct glass_stack *stack, const struct tcp_seg *seg)
{
    if (seg->flags & TCP_RST)
        return; /* RFC 9293 3.10.7.1: "an incoming segment containing a RST is discarded" */
    struct tcp_txseg s = {
        .src = seg->dst,
        .dst = seg->src,
        .sport = seg->dport,
        .dport = seg->sport,
    };
    if (seg->flags & TCP_ACK) {
        s.seq = seg->ack; /* <SEQ=SEG.ACK><CTL=RST> */
        s.flags = TCP_RST;
    } else {
        s.seq = 0; /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
        s.ack = seg->seq + seg->len;
        s.flags = TCP_RST | TCP_ACK;
    }
    char fl[32];
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s:%u > %s:%u %s seq=%u ack=%u (reply)", ip4s(s.src).s,
          get_be16((const uint8_t *)&s.sport), ip4s(s.dst).s,
          get_be16((const uint8_t *)&s.dport), tcp_flags_str(s.flags, fl, sizeof fl), s.seq,
          s.ack);
    STAT_INC(stack, tcp, rst_sent);
    tcp_emit(stack, &s, true);
}

/* ---- SYN cookies (RFC 4987 3.6, tcp_syncookie.c) -------------------------------- */

void tcp_send_synack_stateless(struct glass_stack *stack, const struct tcp_seg *syn, uint32_t iss,
                               uint16_t wnd, const uint8_t *opts, size_t optlen)
{
    struct tcp_txseg s = {
        .src = syn->dst,
        .dst = syn->src,
        .sport = syn->dport,
        .dport = syn->sport,
        .seq = iss,
        .ack = syn->seq + 1,
        .flags = TCP_SYN | TCP_ACK,
        .wnd = wnd,
        .rawopts = opts,
        .rawoptlen = optlen,
    };
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s:%u > %s:%u SYN,ACK seq=%u ack=%u win=%u (cookie)",
          ip4s(s.src).s, get_be16((const uint8_t *)&s.sport), ip4s(s.dst).s,
          get_be16((const uint8_t *)&s.dport), s.seq, s.ack, s.wnd);
    tcp_emit(stack, &s, true);
}

/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST>.  Like Linux, glass adds
 * ACK=RCV.NXT once synchronized (some middleboxes ignore a bare RST), and
 * uses SND.MAX: after an RTO SND.NXT went back, and the peer may already
 * expect the higher number (RFC 5961 3 wants it exact). */
void tcp_send_rst(struct tcp_cb *tcb)
{
    if (tcb->state == TCP_CLOSED || tcb->state == TCP_LISTEN)
        return;
    uint8_t flags = tcb->state == TCP_SYN_SENT ? TCP_RST : (TCP_RST | TCP_ACK);
    STAT_INC(tcb->stack, tcp, rst_sent);
    tcp_xmit(tcb, tcb->snd_max, flags, 0, NULL);
}

/* ---- retransmission ---------------------------------------------------------------- */

/* The first unacknowledged segment, again: the SYN or SYN-ACK, else up to
 * one MSS of the oldest data (with the FIN if it fits), else the FIN.
 * Called by the RTO (after SND.NXT went back to SND.UNA), by fast
 * retransmit and NewReno partial ACKs (SND.NXT unchanged), and for a
 * retransmitted SYN on a listener. */
void tcp_retransmit(struct tcp_cb *tcb)
{
    /* The SYN first, in whatever state: CLOSE in SYN-RECEIVED (RFC 9293
     * 3.10.4) enters FIN-WAIT-1 with our SYN still unacknowledged, and
     * the peer needs it (as SYN-ACK) before it can accept the FIN behind
     * it (3.10.7.4: its SYN-RECEIVED waits for the ACK of its SYN). */
    if (tcb->state != TCP_CLOSED && tcb->state != TCP_LISTEN && !tcp_syn_acked(tcb)) {
        tcp_count_rexmit(tcb);
        tcb->syn_retransmitted = true; /* RFC 5681 3.1: IW = 1 segment then */
        tcp_send_syn(tcb, true);
        return;
    }
    if (!tcp_synchronized(tcb) || tcp_fin_acked(tcb) || tcb->snd_una == tcb->snd_max)
        return;
    uint32_t seq = tcb->snd_una;
    uint32_t outstanding = tcb->snd_max - seq;
    uint32_t len, end;
    /* Cut again, smaller, while IPv4 refuses the segment as over the path
     * MTU and the MSS goes down (tcp_xmit; bounded: it only shrinks). */
    do {
        len = GLASS_MIN(tcp_smss(tcb), (uint32_t)tcb->sndbuf.len);
        len = GLASS_MIN(len, outstanding);
        uint8_t flags = TCP_ACK;
        end = seq + len;
        if (tcb->fin_sent && end == tcb->fin_seq) {
            flags |= TCP_FIN;
            end++;
        }
        if (len == 0 && !(flags & TCP_FIN))
            return;
        if (len && seq + len == tcp_data_end(tcb))
            flags |= TCP_PSH;
        if (tcp_xmit(tcb, seq, flags, len, NOTE_REXMIT) != -EMSGSIZE)
            break;
    } while (true);
    tcp_count_rexmit(tcb);
    tcp_sent(tcb, seq, end, false);
}

/* RFC 1191 6.3: fragmentation needed quoting the segment at seq
 * (quoted_len bytes of IPv4 datagram), after the path MTU cache was
 * lowered.  The MSS follows; if it went down and the quoted segment no
 * longer fits, it was dropped on the way, and so was everything sent after
 * it at the old size: send it all again now, cut to the new size, rather
 * than wait for the retransmission timer.  Like Linux's
 * tcp_simple_retransmit this is not congestion: cwnd and ssthresh stay. */
void tcp_mtu_reduced(struct tcp_cb *tcb, uint32_t seq, unsigned quoted_len)
{
    uint16_t old = tcb->snd_mss;
    tcp_mss_update(tcb);
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   path MTU to %s went down: mss %u -> %u",
          ip4s(tcb->faddr).s, old, tcb->snd_mss);
    if (tcb->snd_mss >= old)
        return;
    STAT_INC(tcb->stack, tcp, mss_lowered);
    if (!tcp_synchronized(tcb) || tcp_fin_acked(tcb))
        return;
    if (quoted_len <= ipv4_max_payload(tcb->stack, tcb->faddr) + IPV4_HLEN)
        return; /* it fitted: not what was dropped */
    if (seq_lt(seq, tcb->snd_una) || !seq_lt(seq, tcb->snd_nxt))
        return; /* acknowledged since, or already being sent again */
    STAT_INC(tcb->stack, tcp, pmtu_retransmits);
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   resending from seq=%u at mss %u (RFC 1191 6.3)",
          seq - tcb->iss, tcb->snd_mss);
    tcb->snd_nxt = seq;
    tcb->rtt_timing = false;
    tcp_output(tcb);
}

void tcp_send_window_probe(struct tcp_cb *tcb)
{
    if (!tcp_synchronized(tcb) || tcb->sndbuf.len == 0 || tcp_fin_acked(tcb))
        return;
    /* Start again from SND.UNA: an earlier probe byte the peer refused is
     * the first byte of this one. */
    tcb->snd_nxt = tcb->snd_una;
    uint32_t usable = tcp_usable_window(tcb);
    uint32_t len = GLASS_MIN(GLASS_MIN(usable, tcp_smss(tcb)), (uint32_t)tcb->sndbuf.len);
    if (len == 0) {
        tcp_output_segment(tcb, tcb->snd_una, 1, true); /* one octet beyond the window */
        return;
    }
    tcp_output_segment(tcb, tcb->snd_una, len, false); /* SWS override: what fits */
}

/* ---- the receive window --------------------------------------------------------------- */

/* Free receive space: what the buffer can still take, out-of-order bytes
 * included (they will become in order), at most what the window field
 * can say (65535 << Rcv.Wind.Shift, RFC 7323 2.3), rounded down to what
 * the shifted field can say exactly. */
static uint32_t tcp_rcv_space(const struct tcp_cb *tcb)
{
    size_t used = tcb->rcvbuf.len + tcb->ooo_bytes;
    size_t space = tcb->rcvbuf.max > used ? tcb->rcvbuf.max - used : 0;
    uint32_t w = (uint32_t)GLASS_MIN(space, (size_t)tcp_ws_max_window(tcb));
    return w & ~((1u << tcb->rcv_wscale) - 1);
}

/* What we offered last and still stands: RCV.ADV - RCV.NXT. */
static uint32_t tcp_rcv_offered(const struct tcp_cb *tcb)
{
    if (!tcp_rcv_adv_valid(tcb))
        return 0;
    return tcb->rcv_adv - tcb->rcv_nxt;
}

/* RFC 1122 4.2.3.3: move the right edge only by a worthwhile amount:
 * min(half the buffer, one MSS). */
static uint32_t tcp_rcv_sws_threshold(const struct tcp_cb *tcb)
{
    uint32_t mss = tcb->adv_mss ? tcb->adv_mss : TCP_DEFAULT_MSS;
    return GLASS_MIN((uint32_t)(tcb->rcvbuf.max / 2), mss);
}

uint32_t tcp_rcv_window(struct tcp_cb *tcb)
{
    uint32_t space = tcp_rcv_space(tcb);
    if (!tcp_synchronized(tcb))
        return space; /* the handshake: nothing received, nothing offered yet */
    uint32_t offered = tcp_rcv_offered(tcb);
    /* Never shrink the window (RFC 9293 3.8.6.2.2); advance the right edge
     * only when it moves by at least the SWS threshold (RFC 1122 4.2.3.3). */
    if (space <= offered || space - offered < tcp_rcv_sws_threshold(tcb))
        return tcp_ws_round_up(tcb, offered); /* RFC 7323 2.4: no retraction */
    return space;
}

/* RFC 1122 4.2.3.3 / RFC 9293 3.8.6.2.2: after the user read, tell the
 * peer only when the window opened by min(half the buffer, MSS) beyond
 * what it was last told. */
void tcp_rcv_consumed(struct tcp_cb *tcb)
{
    if (!tcp_synchronized(tcb) || tcb->fin_rcvd || tcb->state == TCP_TIME_WAIT)
        return; /* the peer sends no more: no window to update */
    uint32_t space = tcp_rcv_space(tcb);
    uint32_t offered = tcp_rcv_offered(tcb);
    if (space > offered && space - offered >= tcp_rcv_sws_threshold(tcb)) {
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   window update: %u -> %u", offered, space);
        tcp_send_ack(tcb);
    }
}

/* ---- segment sizes ----------------------------------------------------------------- */

/* RFC 9293 3.7.1 / RFC 6691: the effective send MSS is the smaller of
 * the peer's MSS option and what our route can carry without
 * fragmenting (MTU - 40), and TCP_MAXSEG if the user set it; never below
 * 64 bytes of data (Linux's floor: a tiny MSS is an attack). */
void tcp_mss_update(struct tcp_cb *tcb)
{
    tcb->pmtu_gen = pmtu_generation(tcb->stack);
    uint32_t mss = tcb->peer_mss ? tcb->peer_mss : TCP_DEFAULT_MSS;
    size_t route = ipv4_max_payload(tcb->stack, tcb->faddr);
    if (route > TCP_HLEN)
        mss = GLASS_MIN(mss, (uint32_t)(route - TCP_HLEN));
    if (tcb->user_mss)
        mss = GLASS_MIN(mss, (uint32_t)tcb->user_mss);
    /* RFC 7323 / RFC 6691: the MSS counts data only, so the bytes every
     * segment spends on options (TS) come off it. */
    mss = mss > tcp_ts_optlen(tcb) ? mss - tcp_ts_optlen(tcb) : mss;
    tcb->snd_mss = (uint16_t)GLASS_MAX(mss, 64u);
}

/* RFC 9293 3.7.1: "the MSS value to be sent in an MSS option should be
 * equal to the effective MTU minus the fixed IP and TCP headers". */
uint16_t tcp_mss_to_advertise(struct glass_stack *stack, uint32_t faddr)
{
    size_t route = ipv4_max_payload(stack, faddr);
    if (route <= TCP_HLEN + 64)
        return TCP_DEFAULT_MSS;
    return (uint16_t)GLASS_MIN(route - TCP_HLEN, (size_t)65495);
}
