/*
 * tcp_ack.c - what the sender does with an acceptable ACK.
 *
 * RFC 9293 3.10.7.4 "fifth, check the ACK field", the sender's half:
 *
 *   If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK. Any
 *   segments on the retransmission queue that are thereby entirely
 *   acknowledged are removed. ... If SND.UNA =< SEG.ACK =< SND.NXT, the
 *   send window should be updated.
 *
 * Around that core sit the algorithms that read the ACK stream:
 *   - RFC 6298: a round-trip sample from a timed segment (Karn: never a
 *     retransmitted one), the RTO from SRTT and RTTVAR, the timer
 *     restarted or stopped (5.2, 5.3);
 *   - RFC 5681 2 and 3.2: duplicate ACKs, counted by the letter of the
 *     definition; the first two send new data (RFC 3042 Limited
 *     Transmit), the third starts fast retransmit and fast recovery;
 *   - RFC 6582: NewReno's partial ACKs keep recovery going until
 *     everything sent before the loss is acknowledged;
 *   - the congestion window grows through tcb->cc (tcp_cc_*.c).
 *
 * SND.MAX stands in for the RFC's SND.NXT in the acceptability bound:
 * after an RTO glass rewinds SND.NXT to SND.UNA (go back N), and ACKs for
 * data sent before the rewind are still good news.
 */
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* ---- RFC 6298 2: the retransmission timeout --------------------------------- */

#define TCP_CLOCK_G 1000 /* clock granularity G: 1 ms (our clock is finer) */

static glass_time_t rto_clamp(const struct tcp_cb *tcb, glass_time_t rto)
{
    const struct glass_tcp_config *cfg = &tcb->stack->tcp->cfg;
    if (rto < cfg->rto_min)
        rto = cfg->rto_min; /* 2.4 (Linux's 200 ms, not the RFC's 1 s) */
    if (rto > cfg->rto_max)
        rto = cfg->rto_max; /* 2.5 */
    return rto;
}

/* RFC 6298 2.2 and 2.3:
 *   first:  SRTT <- R, RTTVAR <- R/2
 *   later:  RTTVAR <- (1 - 1/4) * RTTVAR + 1/4 * |SRTT - R'|
 *           SRTT <- (1 - 1/8) * SRTT + 1/8 * R'
 *   RTO <- SRTT + max(G, K*RTTVAR), K = 4 */
void tcp_rtt_sample(struct tcp_cb *tcb, glass_time_t rtt)
{
    if (tcb->srtt == 0) {
        tcb->srtt = rtt ? rtt : 1;
        tcb->rttvar = rtt / 2;
    } else {
        glass_time_t delta = tcb->srtt > rtt ? tcb->srtt - rtt : rtt - tcb->srtt;
        tcb->rttvar = (3 * tcb->rttvar + delta) / 4;
        tcb->srtt = (7 * tcb->srtt + rtt) / 8;
        if (tcb->srtt == 0)
            tcb->srtt = 1; /* 0 means "no sample yet" */
    }
    tcb->rto = rto_clamp(tcb, tcb->srtt + GLASS_MAX((glass_time_t)TCP_CLOCK_G, 4 * tcb->rttvar));
    STAT_INC(tcb->stack, tcp, rtt_samples);
    if (tcb->cc && tcb->cc->on_rtt_sample)
        tcb->cc->on_rtt_sample(tcb, rtt); /* cc: HyStart++ watches every sample */
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   rtt %llu us: srtt=%llu rttvar=%llu rto=%llu",
          (unsigned long long)rtt, (unsigned long long)tcb->srtt,
          (unsigned long long)tcb->rttvar, (unsigned long long)tcb->rto);
}

/* The timed segment is covered: one measurement (RFC 6298 3: "RTT
 * samples MUST NOT be made using segments that were retransmitted";
 * tcp_output turns timing off when it retransmits). */
static bool tcp_ack_rtt(struct tcp_cb *tcb, uint32_t ack)
{
    if (!tcb->rtt_timing || seq_lt(ack, tcb->rtt_seq))
        return false;
    tcb->rtt_timing = false;
    tcp_rtt_sample(tcb, glass_stack_now(tcb->stack) - tcb->rtt_start);
    return true;
}

/* ---- RFC 5681 2: what is a duplicate ACK -------------------------------------- */

/* "DUPLICATE ACKNOWLEDGMENT: An acknowledgment is considered a
 * 'duplicate' ... when (a) the receiver of the ACK has outstanding data,
 * (b) the incoming acknowledgment carries no data, (c) the SYN and FIN
 * bits are both off, (d) the acknowledgment number is equal to the
 * greatest acknowledgment received on the given connection (TCP.UNA from
 * [RFC793]) and (e) the advertised window in the incoming acknowledgment
 * equals the advertised window in the last incoming acknowledgment."
 * While we probe a zero window the peer's answers look exactly like that;
 * they are window probing, not loss, so they do not count. */
static bool tcp_is_dupack(const struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    return tcb->snd_max != tcb->snd_una                 /* (a) */
           && seg->dlen == 0                             /* (b) */
           && !(seg->flags & (TCP_SYN | TCP_FIN))        /* (c) */
           && seg->ack == tcb->snd_una                   /* (d) */
           && seg->wnd == tcb->snd_wnd                   /* (e) */
           && !timer_pending(&tcb->persist);
}

static uint32_t smss(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* ---- RFC 5681 3.2 / RFC 6582 3.2: fast retransmit, fast recovery ---------------- */

/* RFC 6582 3.2 step 2: on the third duplicate ACK, "if the Cumulative
 * Acknowledgment field covers more than recover" (so one loss event is
 * not answered twice), remember the highest sequence number transmitted
 * as recover, halve (cc), resend the first unacknowledged segment and
 * enter fast recovery.
 *
 * glass keeps recover as SND.MAX, one past the highest sequence number
 * transmitted (the RFC's recover + 1), so "the ACK covers more than
 * recover" reads ack >= recover here, and the full ACK of step 3 ("all
 * of the data up to and including recover") reads SND.UNA >= recover.
 * A strict ack > recover would refuse fast retransmit for a segment lost
 * right at the old recover, i.e. the first one sent after the previous
 * loss was detected, and leave it to the RTO. */
static void tcp_fast_retransmit(struct tcp_cb *tcb, uint32_t ack)
{
    if (seq_lt(ack, tcb->recover)) {
        TRACE(tcb->stack, GLASS_TRACE_TCP,
              "tcp   3 dupacks, but ack %u does not cover recover %u: no fast retransmit",
              ack - tcb->iss, tcb->recover - tcb->iss);
        return;
    }
    STAT_INC(tcb->stack, tcp, fast_retransmits);
    tcb->recover = tcb->snd_max;
    tcb->in_recovery = true;
    if (tcb->cc->on_fast_retransmit)
        tcb->cc->on_fast_retransmit(tcb);
    TRACE(tcb->stack, GLASS_TRACE_TCP,
          "tcp   fast retransmit seq=%u: ssthresh=%u cwnd=%u recover=%u", tcb->snd_una - tcb->iss,
          tcb->ssthresh, tcb->cwnd, tcb->recover - tcb->iss);
    tcp_retransmit(tcb);
}

static void tcp_dupack(struct tcp_cb *tcb, uint32_t ack)
{
    tcb->dupacks++;
    STAT_INC(tcb->stack, tcp, dup_acks);
    if (tcb->in_recovery) {
        if (tcb->sack.recovery)
            return; /* SACK: RFC 6675 counts the network by pipe instead */
        /* RFC 5681 3.2 step 4: each further duplicate means another
         * segment left the network: inflate cwnd by one SMSS. */
        tcb->cwnd += smss(tcb);
        return;
    }
    if (tcb->sack.ok && tcp_sack_maybe_recover(tcb, tcb->dupacks))
        return; /* SACK: RFC 6675 5 steps (1), (2), (4) */
    if (tcb->sack.ok && tcb->dupacks >= 3)
        return; /* ...which declined (RFC 6582 recover): no NewReno either */
    if (tcb->dupacks == 3)
        tcp_fast_retransmit(tcb, ack);
    else if (tcb->dupacks < 3)
        tcp_limited_transmit(tcb); /* RFC 3042: one new segment, cwnd unchanged */
}

/* RFC 6582 3.2 steps 3 (full ACK) and 4 (partial ACK). */
static void tcp_recovery_ack(struct tcp_cb *tcb, uint32_t acked)
{
    if (seq_geq(tcb->snd_una, tcb->recover)) {
        /* Full acknowledgment: everything sent before the loss arrived. */
        tcb->in_recovery = false;
        tcb->dupacks = 0;
        if (tcb->cc->on_recovery_exit)
            tcb->cc->on_recovery_exit(tcb);
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   recovery done: cwnd=%u ssthresh=%u",
              tcb->cwnd, tcb->ssthresh);
        return;
    }
    /* Partial acknowledgment: the next hole.  "Retransmit the first
     * unacknowledged segment ... deflate the congestion window by the
     * amount of new data acknowledged ... If the partial ACK acknowledges
     * at least one SMSS of new data, then add back SMSS bytes". */
    STAT_INC(tcb->stack, tcp, partial_acks);
    uint32_t mss = smss(tcb);
    tcb->cwnd = tcb->cwnd > acked ? tcb->cwnd - acked : 0;
    if (acked >= mss)
        tcb->cwnd += mss;
    if (tcb->cwnd < mss)
        tcb->cwnd = mss;
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   partial ack: retransmit seq=%u, cwnd=%u",
          tcb->snd_una - tcb->iss, tcb->cwnd);
    tcp_retransmit(tcb);
    /* RFC 6582: reset the retransmit timer for the partial ACK */
    tcp_timer_rexmt_restart(tcb);
}

/* ---- new data acknowledged ------------------------------------------------------- */

/* SND.UNA moves to ack: free what the peer now holds.  Our SYN and FIN
 * occupy sequence numbers but no bytes of sndbuf; returns the bytes of
 * data acknowledged (what congestion control counts: the ACK of a SYN
 * does not grow cwnd). */
static uint32_t tcp_ack_advance(struct tcp_cb *tcb, uint32_t ack)
{
    uint32_t acked = ack - tcb->snd_una;
    uint32_t bytes = acked;
    bool fin_acked = false;
    if (!tcp_syn_is_acked(tcb) && bytes)
        bytes--; /* the SYN */
    if (tcb->fin_sent && seq_gt(ack, tcb->fin_seq) && bytes) {
        bytes--; /* the FIN */
        fin_acked = true;
    }
    bytes = (uint32_t)GLASS_MIN((size_t)bytes, tcb->sndbuf.len);
    tcp_buf_drop(&tcb->sndbuf, bytes);
    tcb->snd_una = ack;
    tcb->syn_acked = true;
    if (seq_lt(tcb->snd_nxt, ack))
        tcb->snd_nxt = ack;
    if (bytes || fin_acked)
        tcp_wake(tcb); /* room for the writer; a lingering close sees its FIN acked */
    return bytes;
}

/* RFC 6298 5.7: "If the timer expires awaiting the ACK of a SYN segment
 * and the TCP implementation is using an RTO less than 3 seconds, the RTO
 * MUST be re-initialized to 3 seconds when data transmission begins
 * (i.e., after the three-way handshake completes)."  Karn left the
 * handshake without a sample, so the 1 s initial RTO would still be in
 * force on a path that has just shown it may need more.  A later sample
 * replaces it as usual (2.3); Linux's fallback is the same 3 s. */
#define TCP_RTO_SYN_FALLBACK (3 * GLASS_USEC_PER_SEC)

static void tcp_ack_syn_rto(struct tcp_cb *tcb)
{
    if (!tcb->syn_retransmitted || tcb->srtt != 0 || tcb->rto >= TCP_RTO_SYN_FALLBACK)
        return;
    tcb->rto = GLASS_MIN((glass_time_t)TCP_RTO_SYN_FALLBACK, tcb->stack->tcp->cfg.rto_max);
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SYN was retransmitted, no RTT sample: rto=%llu ms",
          (unsigned long long)(tcb->rto / 1000));
}

static void tcp_new_ack(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    bool syn_acked_now = !tcp_syn_is_acked(tcb);
    if (!tcp_ack_rtt(tcb, seg->ack))
        tcp_ts_rtt(tcb, seg); /* RFC 7323 4 RTTM: TSecr, tcp_ts.c */
    if (syn_acked_now)
        tcp_ack_syn_rto(tcb);
    uint32_t acked = tcp_ack_advance(tcb, seg->ack);
    /* RFC 6298 5.7 / Karn: new data got through, so the backed-off timer
     * can go back to the current RTO. */
    tcb->backoff = 0;
    tcb->limited_sent = 0; /* RFC 3042: the duplicates are over */
    if (tcb->in_recovery && tcb->sack.recovery) {
        tcp_sack_recovery_ack(tcb); /* RFC 6675 5 (A), (B) */
    } else if (tcb->in_recovery) {
        tcp_recovery_ack(tcb, acked);
    } else {
        tcb->dupacks = 0;
        if (tcb->cc->on_ack && acked)
            tcb->cc->on_ack(tcb, acked);
    }
    /* RFC 6298 5.2 / 5.3: all acknowledged -> stop; else restart. */
    if (tcb->snd_una == tcb->snd_max)
        tcp_timer_rexmt_stop(tcb);
    else
        tcp_timer_rexmt_restart(tcb);
}

/* ---- the send window ------------------------------------------------------------- */

/* RFC 9293 3.10.7.4: "If SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and
 * SND.WL2 =< SEG.ACK), set SND.WND <- SEG.WND, set SND.WL1 <- SEG.SEQ,
 * and set SND.WL2 <- SEG.ACK" -- old segments must not reopen a window a
 * newer one closed. */
static void tcp_window_update(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (!(seq_lt(tcb->snd_wl1, seg->seq) ||
          (tcb->snd_wl1 == seg->seq && seq_leq(tcb->snd_wl2, seg->ack))))
        return;
    uint32_t old = tcb->snd_wnd;
    tcb->snd_wnd = seg->wnd;
    tcb->snd_wl1 = seg->seq;
    tcb->snd_wl2 = seg->ack;
    if (tcb->snd_wnd > tcb->max_snd_wnd)
        tcb->max_snd_wnd = tcb->snd_wnd;
    if (old != tcb->snd_wnd)
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   send window %u -> %u", old, tcb->snd_wnd);
    if (tcb->snd_wnd > 0 && timer_pending(&tcb->persist)) {
        /* The window opened: probing is over (RFC 1122 4.2.2.17).  A probe
         * byte the peer did not take is simply sent again as data. */
        timer_cancel(tcb->stack, &tcb->persist);
        tcb->persist_backoff = 0;
        if (seq_gt(tcb->snd_nxt, tcb->snd_una))
            tcb->snd_nxt = tcb->snd_una;
    }
}

bool tcp_ack_input(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    /* "If the ACK is a duplicate (SEG.ACK < SND.UNA), it can be ignored" */
    if (seq_lt(seg->ack, tcb->snd_una))
        return false;
    if (seq_gt(seg->ack, tcb->snd_max))
        return false; /* for data never sent: the caller answers it */
    if (!tcb->cc)
        tcb->cc = &tcp_cc_newreno;
    tcb->persist_probes_out = 0; /* the peer is alive */
    bool dup = tcp_is_dupack(tcb, seg);
    bool new_ack = seq_gt(seg->ack, tcb->snd_una);
    uint32_t prr_una = tcb->snd_una, prr_sacked = tcp_prr_sacked_bytes(tcb); /* loss */
    if (new_ack)
        tcp_new_ack(tcb, seg);
    /* SACK (tcp_sack.c): the scoreboard, once SND.UNA has moved */
    bool sacked = tcp_sack_update(tcb, seg);
    if (!new_ack && dup)
        tcp_dupack(tcb, seg->ack); /* other ACKs of SND.UNA simply do not count */
    else if (!new_ack && sacked && seg->ack == tcb->snd_una)
        tcp_sack_maybe_recover(tcb, tcb->dupacks); /* RFC 6675 5 (2): IsLost */
    tcp_rack_ack(tcb, seg, new_ack, sacked); /* rack: RFC 8985 6.2, 7.4 (tcp_rack.c) */
    /* loss: RFC 6937 DeliveredData = change in SND.UNA + change in SACKed
     * bytes; PRR sets cwnd for this ACK's sends (tcp_prr.c) */
    tcp_prr_ack(tcb, (int64_t)(tcb->snd_una - prr_una) + (int64_t)tcp_prr_sacked_bytes(tcb) -
                         (int64_t)prr_sacked);
    tcp_window_update(tcb, seg);
    bool fin_acked = tcb->fin_sent && seq_gt(tcb->snd_una, tcb->fin_seq);
    tcp_output(tcb);
    return fin_acked;
}
