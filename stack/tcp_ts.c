/*
 * tcp_ts.c - the Timestamps option: RTTM and PAWS (RFC 7323 3, 4, 5).
 *
 * Each segment carries TSval (our clock when it was sent) and TSecr (the
 * TSval we last took from the peer, TS.Recent).  Two mechanisms read
 * them:
 *
 *   RTTM (4): the echo of our own TSval comes back with the ACK, so every
 *        ACK that advances SND.UNA measures a round trip -- even for a
 *        retransmitted segment, where Karn forbids the plain timer.
 *   PAWS (5): TSval grows with time, so a segment whose TSval is older
 *        than TS.Recent is an old duplicate from an earlier wrap of the
 *        sequence space and is rejected (5.3 R1), unless TS.Recent is
 *        itself too old to trust (24 days idle, 5.5).
 *
 * The rules for which TSval to keep (4.3, 5.3 R3) make TSecr echo the
 * segment that caused an ACK, not a later one: TS.Recent is taken only
 * from a segment that starts at or before Last.ACK.sent, the RCV.NXT of
 * our last ACK.
 *
 * Where glass departs from the letter:
 *   - RFC 7323 3.2 says a non-<RST> segment without TSopt on a TS
 *     connection SHOULD be dropped; glass accepts it (as Linux does), so
 *     a middlebox that strips options mid-connection does not kill it.
 *   - RTT: the one-segment timer of tcp_ack.c (microseconds) still gives
 *     the sample when it covers the ACK; TSecr (1 ms ticks) gives one for
 *     every other ACK that advances SND.UNA (Linux does the same: its
 *     precise per-segment stamps first, TSecr as the fallback).  A 0 ms
 *     difference gives no sample: on a sub-millisecond path (a TAP) it
 *     would say "1 ms" (Linux's rounding) and drag SRTT far above what
 *     the microsecond timer measures.  RFC 7323 Appendix G's reduced
 *     gains for many samples per RTT are not applied.
 */
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* RFC 7323 5.5: TS.Recent is invalid after 24 days of idleness (the TS
 * clock may have wrapped half-way, at 1 ms ticks, in 24.8 days). */
#define TCP_PAWS_IDLE ((glass_time_t)24 * 24 * 3600 * GLASS_USEC_PER_SEC)

/* TSval comparisons, modulo 2^32 like sequence numbers (5.2). */
static bool ts_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

uint32_t tcp_ts_now(const struct tcp_cb *tcb)
{
    return (uint32_t)(glass_stack_now(tcb->stack) / GLASS_USEC_PER_MSEC) + tcb->ts_offset;
}

unsigned tcp_ts_optlen(const struct tcp_cb *tcb)
{
    return tcb->ts_ok ? TCPOLEN_TS_ALIGNED : 0;
}

void tcp_ts_ack_sent(struct tcp_cb *tcb)
{
    tcb->last_ack_sent = tcb->rcv_nxt;
}

/* 5.5: a TS.Recent not refreshed for 24 days says nothing any more. */
static bool tcp_ts_recent_valid(const struct tcp_cb *tcb)
{
    return glass_stack_now(tcb->stack) - tcb->ts_recent_stamp < TCP_PAWS_IDLE;
}

bool tcp_paws_reject(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (!tcb->ts_ok || !seg->opts.ts_present || (seg->flags & TCP_RST))
        return false; /* R1: "and if the RST bit is not set" */
    if (!ts_lt(seg->opts.tsval, tcb->ts_recent))
        return false;
    if (!tcp_ts_recent_valid(tcb)) {
        /* 5.5: idle too long: TS.Recent is void; R3 takes this TSval. */
        TRACE(tcb->stack, GLASS_TRACE_TCP,
              "tcp   TS.Recent idle for 24 days: PAWS skipped (RFC 7323 5.5)");
        return false;
    }
    STAT_INC(tcb->stack, tcp, paws_rejected);
    TRACE(tcb->stack, GLASS_TRACE_TCP,
          "tcp   PAWS: TSval %u older than TS.Recent %u: ACK, drop (RFC 7323 5.3 R1)",
          seg->opts.tsval, tcb->ts_recent);
    return true;
}

void tcp_ts_update_recent(struct tcp_cb *tcb, const struct tcp_seg *seg, uint32_t seq)
{
    if (!tcb->ts_ok || !seg->opts.ts_present)
        return;
    /* R3: "If an arriving segment satisfies SEG.TSval >= TS.Recent and
     * SEG.SEQ =< Last.ACK.sent (see Section 4.3), then record its
     * timestamp in TS.Recent."  A TS.Recent gone stale (5.5) is
     * replaced whatever it held. */
    if (seq_gt(seq, tcb->last_ack_sent))
        return;
    if (ts_lt(seg->opts.tsval, tcb->ts_recent) && tcp_ts_recent_valid(tcb))
        return;
    tcb->ts_recent = seg->opts.tsval;
    tcb->ts_recent_stamp = glass_stack_now(tcb->stack);
}

bool tcp_ts_rtt(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    if (!tcb->ts_ok || !seg->opts.ts_present || !(seg->flags & TCP_ACK))
        return false;
    uint32_t tsecr = seg->opts.tsecr;
    /* Linux ignores TSecr 0: an implementation that echoes nothing. */
    if (tsecr == 0)
        return false;
    uint32_t delta = tcp_ts_now(tcb) - tsecr;
    /* An echo "from the future", or older than any RTO could be: not an
     * echo of ours (a broken or lying peer). */
    glass_time_t max_ms = tcb->stack->tcp->cfg.rto_max / GLASS_USEC_PER_MSEC;
    if ((int32_t)delta < 0 || delta > max_ms) {
        STAT_INC(tcb->stack, tcp, ts_bad_echo);
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   TSecr %u is no echo of ours (now %u): no RTT sample",
              tsecr, tcp_ts_now(tcb));
        return false;
    }
    if (delta == 0)
        return false; /* under one tick: the ms clock cannot tell (see top) */
    STAT_INC(tcb->stack, tcp, ts_rtt_samples);
    tcp_rtt_sample(tcb, (glass_time_t)delta * GLASS_USEC_PER_MSEC);
    return true;
}
