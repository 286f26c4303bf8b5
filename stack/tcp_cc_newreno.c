/*
 * tcp_cc_newreno.c - Reno congestion control (RFC 5681) with the NewReno
 * modification of fast recovery (RFC 6582).
 *
 * Slow start: cwnd grows by at most one SMSS per ACK (RFC 5681 3.1, with
 * RFC 3465's limit L = 1 SMSS), i.e. it doubles every round trip, until
 * it reaches ssthresh.  Congestion avoidance: one SMSS per round trip,
 * counted in bytes acknowledged (RFC 5681 3.1 "bytes_acked").  A loss seen
 * by three duplicate ACKs halves the flight (fast retransmit / fast
 * recovery, 3.2); a loss seen by the retransmission timer starts again
 * from one segment (equation 4).  The recovery bookkeeping itself (the
 * "recover" point, partial ACKs) lives in tcp_ack.c; these hooks only set
 * the windows.
 */
#include "stack.h"
#include "tcp.h"
#include "util.h"

/* cwnd never needs to exceed this; it keeps the arithmetic far from
 * wrapping while the window stays unscaled (<= 64 KiB). */
#define NEWRENO_CWND_MAX (1u << 30)

static uint32_t smss(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* RFC 5681 equation (4): ssthresh = max(FlightSize / 2, 2*SMSS). */
static uint32_t newreno_half_flight(const struct tcp_cb *tcb)
{
    return GLASS_MAX(tcp_flight_size(tcb) / 2, 2 * smss(tcb));
}

/* RFC 5681 3.1: IW, and ssthresh "arbitrarily high" so the first loss
 * (not a guess) ends slow start. */
static void newreno_init(struct tcp_cb *tcb)
{
    tcb->cwnd = tcp_initial_window(tcb);
    tcb->ssthresh = UINT32_MAX;
    tcb->bytes_acked = 0;
}

static void newreno_on_ack(struct tcp_cb *tcb, uint32_t acked)
{
    uint32_t mss = smss(tcb);
    if (tcb->cwnd >= NEWRENO_CWND_MAX)
        return;
    if (tcb->cwnd < tcb->ssthresh) {
        /* slow start, RFC 5681 (2) with RFC 3465 L = 1 SMSS */
        tcb->cwnd += GLASS_MIN(acked, mss);
        return;
    }
    /* congestion avoidance, RFC 5681 3.1: "cwnd += SMSS when bytes_acked
     * reaches cwnd" -- about one segment per round trip. */
    tcb->bytes_acked += acked;
    if (tcb->bytes_acked >= tcb->cwnd) {
        tcb->bytes_acked -= tcb->cwnd;
        tcb->cwnd += mss;
    }
}

/* RFC 5681 3.2 steps 2 and 3: ssthresh from equation (4), then cwnd =
 * ssthresh + 3*SMSS: the three segments that left the network (they
 * triggered the duplicate ACKs).  "When [RFC3042] is in use, additional
 * data sent in limited transmit MUST NOT be included in this
 * calculation." */
static void newreno_on_fast_retransmit(struct tcp_cb *tcb)
{
    uint32_t flight = tcp_flight_size(tcb);
    flight -= GLASS_MIN(flight, tcb->limited_sent);
    tcb->ssthresh = GLASS_MAX(flight / 2, 2 * smss(tcb));
    tcb->cwnd = tcb->ssthresh + 3 * smss(tcb);
    tcb->bytes_acked = 0;
}

/* RFC 5681 3.1, equation (4) and "LW": after an RTO, cwnd = 1 SMSS.
 * "When a TCP sender detects segment loss using the retransmission timer
 * and the given segment has already been retransmitted by way of the
 * retransmission timer at least once, the value of ssthresh is held
 * constant" -- tcb->backoff counts those earlier expirations. */
static void newreno_on_timeout(struct tcp_cb *tcb)
{
    if (tcb->backoff == 0)
        tcb->ssthresh = newreno_half_flight(tcb);
    tcb->cwnd = smss(tcb);
    tcb->bytes_acked = 0;
}

/* RFC 6582 3.2 step 3, full ACK, option (1): cwnd = min(ssthresh,
 * max(FlightSize, SMSS) + SMSS), which avoids a burst when little data is
 * left in flight. */
static void newreno_on_recovery_exit(struct tcp_cb *tcb)
{
    uint32_t mss = smss(tcb);
    uint32_t flight = GLASS_MAX(tcp_flight_size(tcb), mss);
    tcb->cwnd = GLASS_MIN(tcb->ssthresh, flight + mss);
    tcb->bytes_acked = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
    .name = "newreno",
    .init = newreno_init,
    .on_ack = newreno_on_ack,
    .on_fast_retransmit = newreno_on_fast_retransmit,
    .on_timeout = newreno_on_timeout,
    .on_recovery_exit = newreno_on_recovery_exit,
};
