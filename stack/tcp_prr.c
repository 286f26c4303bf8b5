/*
 * tcp_prr.c - RFC 6937 Proportional Rate Reduction: the congestion window
 * during SACK loss recovery (RFC 6675, tcp_sack.c).
 *
 * RFC 6675 cuts cwnd to ssthresh the moment recovery begins.  pipe is
 * then far above cwnd, so nothing is sent for about half a round trip;
 * and when recovery ends, RFC 6582's exit rule (cwnd = FlightSize + SMSS,
 * tcp_cc_*.c) leaves a window of a few segments whenever the flight had
 * drained -- measured at 1% loss over a sub-millisecond path, exits at
 * cwnd = 2 SMSS with ssthresh near 190 SMSS were common, each followed by
 * a slow start back.  PRR instead sends, per ACK, in proportion to what
 * the ACK reports delivered, so that by the end of recovery the flight
 * has come down to ssthresh smoothly (RFC 6937 3):
 *
 *   DeliveredData = change in SND.UNA + change in SACKed bytes
 *   prr_delivered += DeliveredData
 *   if pipe > ssthresh:    sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out
 *   else (PRR-SSRB):       sndcnt = MIN(ssthresh - pipe,
 *                                       MAX(prr_delivered - prr_out, DeliveredData) + MSS)
 *   cwnd = pipe + MAX(sndcnt, 0)
 *
 * and at the end of recovery cwnd = ssthresh (RFC 6937 3.1, "at the end of
 * recovery ... cwnd is ssthresh"; Linux tcp_end_cwnd_reduction).
 *
 * Hooks: tcp_sack.c (begin with RecoverFS; each recovery send counts in
 * prr_out; the exit), tcp_ack.c (DeliveredData of each ACK, then cwnd,
 * before tcp_output).  cfg.prr = 0 keeps RFC 6675's plain cut and
 * RFC 6582's exit.
 */
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

bool tcp_prr_on(const struct tcp_cb *tcb)
{
    return tcb->stack->tcp->cfg.prr != 0;
}

uint32_t tcp_prr_sacked_bytes(const struct tcp_cb *tcb)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < tcb->sack.nsb; i++)
        n += tcb->sack.sb[i].right - tcb->sack.sb[i].left;
    return n;
}

void tcp_prr_begin(struct tcp_cb *tcb)
{
    struct tcp_prr *p = &tcb->prr;
    /* RFC 6937 3: "RecoverFS = snd.nxt - snd.una" (SND.MAX here: glass
     * rewinds SND.NXT only on an RTO, which ends recovery) */
    p->recover_fs = tcb->snd_max - tcb->snd_una;
    p->delivered = 0;
    p->out = 0;
    p->active = tcp_prr_on(tcb);
}

void tcp_prr_sent(struct tcp_cb *tcb, uint32_t bytes)
{
    if (tcb->prr.active)
        tcb->prr.out += bytes;
}

void tcp_prr_ack(struct tcp_cb *tcb, int64_t delivered_data)
{
    struct tcp_prr *p = &tcb->prr;
    if (!p->active || !tcb->sack.recovery)
        return;
    uint32_t mss = tcp_output_smss(tcb);
    uint64_t dd = delivered_data > 0 ? (uint64_t)delivered_data : 0;
    p->delivered += dd;
    uint64_t pipe = tcp_sack_pipe(tcb);
    uint64_t ssthresh = tcb->ssthresh;
    uint64_t fs = p->recover_fs ? p->recover_fs : mss;
    int64_t sndcnt;
    if (pipe > ssthresh) {
        /* proportional: CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out */
        sndcnt = (int64_t)((p->delivered * ssthresh + fs - 1) / fs) - (int64_t)p->out;
    } else {
        /* PRR-SSRB: catch up to ssthresh, at most one MSS ahead of what
         * was delivered (slow start within recovery) */
        int64_t limit = GLASS_MAX((int64_t)p->delivered - (int64_t)p->out, (int64_t)dd) + mss;
        sndcnt = GLASS_MIN((int64_t)(ssthresh - pipe), limit);
    }
    if (sndcnt < 0)
        sndcnt = 0;
    uint64_t cwnd = pipe + (uint64_t)sndcnt;
    tcb->cwnd = (uint32_t)GLASS_MIN(cwnd, (uint64_t)UINT32_MAX);
    TRACE(tcb->stack, GLASS_TRACE_TCP,
          "tcp   PRR (RFC 6937): delivered=%llu out=%llu pipe=%llu sndcnt=%lld cwnd=%u",
          (unsigned long long)p->delivered, (unsigned long long)p->out,
          (unsigned long long)pipe, (long long)sndcnt, tcb->cwnd);
}

void tcp_prr_end(struct tcp_cb *tcb)
{
    struct tcp_prr *p = &tcb->prr;
    if (!p->active)
        return;
    p->active = false;
    /* RFC 6937 3.1: the window at the end of recovery is ssthresh, not
     * what a drained flight happens to be (the congestion control module
     * has run its exit first; only cwnd is replaced). */
    tcb->cwnd = tcb->ssthresh;
}

void tcp_prr_abort(struct tcp_cb *tcb)
{
    tcb->prr.active = false;
}
