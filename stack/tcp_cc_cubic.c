/*
 * tcp_cc_cubic.c - CUBIC congestion control (RFC 9438), glass's default.
 *
 * Reno grows cwnd by one segment per round trip, so on a long fat path it
 * takes minutes to refill the window after a loss.  CUBIC makes the
 * window a function of the time since the last congestion event,
 *
 *     W_cubic(t) = C * (t - K)^3 + W_max                    (RFC 9438 eq. 1)
 *
 * a cubic that starts at the reduced window, rises quickly, flattens out
 * around W_max (the window where the loss happened: concave region), and
 * if no loss comes there, probes beyond it ever faster (convex region).
 * K is when it reaches W_max again:
 *
 *     K = cubic_root((W_max - cwnd_epoch) / C)              (eq. 2)
 *
 * Where Reno would do better (short RTT, small window), CUBIC follows a
 * Reno estimate W_est instead (4.3, the Reno-friendly region).  Windows
 * in the formulas are in segments and t in seconds; tcb->cwnd stays in
 * bytes (RFC 5681's contract), converted at the edges.  Arithmetic is in
 * double and deterministic: time comes from the stack clock (virtual in
 * tests) and the cube root is computed here, without libm.
 *
 * Slow start is RFC 5681's, with HyStart++ (RFC 9406, tcp_hystart.c)
 * ending the first one.  Loss recovery itself (fast retransmit, NewReno
 * partial ACKs) is tcp_ack.c's; these hooks only set the windows.
 * Not done: 4.9 (undoing a spurious congestion event) -- glass detects
 * no spurious retransmissions yet.
 */
#include <string.h>

#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* RFC 9438 4.1: C = 0.4, beta_cubic = 0.7,
 * alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic). */
#define CUBIC_C TCP_CUBIC_C
#define CUBIC_BETA TCP_CUBIC_BETA
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))
/* 4.7: fast convergence is on, as the RFC recommends. */
#define CUBIC_FAST_CONVERGENCE 1
/* As NewReno: far from wrapping the byte counter. */
#define CUBIC_CWND_MAX (1u << 30)

struct cubic {
    double w_max;               /* segments: cwnd before the last reduction (4.7) */
    double k;                   /* seconds (eq. 2) */
    double cwnd_epoch;          /* segments: cwnd when this stage began */
    double w_est;               /* segments: the Reno estimate (4.3) */
    double cwnd_prior;          /* segments: cwnd before the last reduction (4.6) */
    double frac;                /* bytes of growth not yet whole */
    glass_time_t t_epoch;       /* when the congestion avoidance stage began */
    glass_time_t last_ack;      /* the last ACK it counted (application-limited time) */
    bool in_epoch;
    struct tcp_hystart hs;
};
_Static_assert(sizeof(struct cubic) <= TCP_CC_PRIV_SIZE, "struct cubic must fit in cc_priv");

static struct cubic *cubic_of(struct tcp_cb *tcb)
{
    return (struct cubic *)tcb->cc_priv;
}

static uint32_t smss(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* The real cube root by Newton's method, x <- (2x + v / x^2) / 3: the
 * same bits on every run (no libm needed).  Only called when an epoch
 * begins. */
static double cubic_root(double v)
{
    if (v <= 0)
        return 0;
    double x = v > 1 ? v : 1;
    for (int i = 0; i < 200; i++) {
        double next = (2 * x + v / (x * x)) / 3;
        if (next >= x)
            break; /* from above, the iteration only falls until it settles */
        x = next;
    }
    return x;
}

/* Eq. 1. */
static double w_cubic(const struct cubic *c, double t)
{
    double d = t - c->k;
    return CUBIC_C * d * d * d + c->w_max;
}

/* RFC 9438 4.2: a congestion avoidance stage begins (first ACK after
 * slow start or recovery): t_epoch, cwnd_epoch, K; W_est = cwnd_epoch
 * (4.3).  When cwnd is already at or above W_max -- the first stage, with
 * no loss yet, or after a timeout (4.8: "K is set to 0, and W_max is set
 * to the congestion window size at the beginning of the current
 * congestion avoidance stage") -- the curve starts at its plateau. */
static void cubic_epoch_start(struct tcp_cb *tcb, struct cubic *c, glass_time_t now)
{
    c->in_epoch = true;
    c->t_epoch = now;
    c->last_ack = now;
    c->cwnd_epoch = (double)tcb->cwnd / smss(tcb);
    c->w_est = c->cwnd_epoch;
    c->frac = 0;
    if (c->w_max <= c->cwnd_epoch) {
        c->w_max = c->cwnd_epoch;
        c->k = 0;
    } else {
        c->k = cubic_root((c->w_max - c->cwnd_epoch) / CUBIC_C);
    }
    TRACE(tcb->stack, GLASS_TRACE_TCP,
          "tcp   cubic epoch: cwnd_epoch=%.1f W_max=%.1f K=%.3f s (segments of %u)",
          c->cwnd_epoch, c->w_max, c->k, smss(tcb));
}

/* Is the sender using the window it has?  Section 5.8: "CUBIC does not
 * increase its congestion window if a flow is currently limited by the
 * application instead of the congestion window", and t "MUST NOT
 * include these periods".  The flight before this ACK filled cwnd to
 * within a segment, or the sender was held back by something else (the
 * application, the peer's window). */
static bool cubic_cwnd_limited(const struct tcp_cb *tcb, uint32_t acked)
{
    uint64_t before = (uint64_t)tcp_flight_size(tcb) + acked;
    return before + smss(tcb) > tcb->cwnd;
}

/* RFC 9438 4.2-4.5: one ACK in congestion avoidance. */
static void cubic_avoid(struct tcp_cb *tcb, struct cubic *c, uint32_t acked)
{
    glass_time_t now = glass_stack_now(tcb->stack);
    uint32_t mss = smss(tcb);
    if (!c->in_epoch)
        cubic_epoch_start(tcb, c, now);
    if (!cubic_cwnd_limited(tcb, acked)) {
        c->t_epoch += now - c->last_ack; /* the curve waits too */
        c->last_ack = now;
        return;
    }
    c->last_ack = now;
    double t = (double)(now - c->t_epoch) / GLASS_USEC_PER_SEC;
    double rtt = (double)tcb->srtt / GLASS_USEC_PER_SEC; /* "RTT is the smoothed RTT" */
    double cwnd = (double)tcb->cwnd / mss;

    /* 4.2: target = W_cubic(t + RTT), clamped to [cwnd, 1.5 * cwnd] so
     * one round trip at most adds half a window and never takes any. */
    double target = w_cubic(c, t + rtt);
    if (target < cwnd)
        target = cwnd;
    else if (target > 1.5 * cwnd)
        target = 1.5 * cwnd;

    /* 4.3 eq. 4: W_est += alpha_cubic * segments_acked / cwnd, with
     * alpha_cubic = 1 once W_est has reached cwnd_prior ("the same
     * congestion window increment rate as Reno"). */
    double alpha = c->w_est >= c->cwnd_prior ? 1.0 : CUBIC_ALPHA;
    c->w_est += alpha * ((double)acked / mss) / cwnd;

    double grown;
    if (w_cubic(c, t) < c->w_est) {
        /* Reno-friendly region: "cwnd SHOULD be set to W_est" (never
         * lower: an ACK does not shrink the window). */
        grown = GLASS_MAX(c->w_est * mss, (double)tcb->cwnd);
        c->frac = 0;
    } else {
        /* Concave (cwnd < W_max, 4.4) and convex (4.5) regions alike:
         * "cwnd MUST be incremented by (target - cwnd) / cwnd for each
         * received new ACK" -- per segment acknowledged, in bytes. */
        grown = (double)tcb->cwnd + (target - cwnd) / cwnd * acked + c->frac;
    }
    if (grown > CUBIC_CWND_MAX)
        grown = CUBIC_CWND_MAX;
    uint32_t whole = (uint32_t)grown;
    c->frac = grown - whole;
    if (whole > tcb->cwnd)
        tcb->cwnd = whole;
}

static void cubic_reset(struct tcp_cb *tcb)
{
    struct cubic *c = cubic_of(tcb);
    memset(c, 0, sizeof *c);
    /* RFC 9406: HyStart++ "only for the initial slow start (when ssthresh
     * is at its initial value of arbitrarily high)". */
    if (tcb->ssthresh == UINT32_MAX)
        tcp_hystart_init(&c->hs, tcb);
}

/* RFC 5681 3.1 / RFC 6928: IW, ssthresh arbitrarily high (HyStart++ or a
 * loss ends slow start). */
static void cubic_init(struct tcp_cb *tcb)
{
    tcb->cwnd = tcp_initial_window(tcb);
    tcb->ssthresh = UINT32_MAX;
    tcb->bytes_acked = 0;
    cubic_reset(tcb);
}

static void cubic_on_ack(struct tcp_cb *tcb, uint32_t acked)
{
    struct cubic *c = cubic_of(tcb);
    if (tcb->cwnd >= CUBIC_CWND_MAX)
        return;
    if (tcb->cwnd < tcb->ssthresh) {
        tcp_hystart_on_ack(&c->hs, tcb, acked); /* RFC 9438 4.10: slow start */
        return;
    }
    cubic_avoid(tcb, c, acked);
}

static void cubic_on_rtt_sample(struct tcp_cb *tcb, glass_time_t rtt)
{
    tcp_hystart_rtt(&cubic_of(tcb)->hs, rtt);
}

/* RFC 9438 4.6 and 4.7, shared by both loss signals:
 *   W_max = cwnd * (1 + beta_cubic) / 2   if cwnd < W_max (fast convergence)
 *   W_max = cwnd                          otherwise
 *   cwnd_prior = cwnd
 *   ssthresh = max(flight_size * beta_cubic, 2 SMSS)
 * (flight_size as the RFC says; Limited Transmit's segments left out as
 * RFC 5681 3.2 asks).  The next stage starts a new epoch. */
static void cubic_reduce(struct tcp_cb *tcb, struct cubic *c)
{
    uint32_t mss = smss(tcb);
    double cwnd = (double)tcb->cwnd / mss;
    if (CUBIC_FAST_CONVERGENCE && cwnd < c->w_max)
        c->w_max = cwnd * (1.0 + CUBIC_BETA) / 2.0;
    else
        c->w_max = cwnd;
    c->cwnd_prior = cwnd;
    uint32_t flight = tcp_flight_size(tcb);
    flight -= GLASS_MIN(flight, tcb->limited_sent);
    /* beta_cubic = 7/10 in integers: 0.7 has no exact double */
    tcb->ssthresh = GLASS_MAX((uint32_t)((uint64_t)flight * 7 / 10), 2 * mss);
    c->in_epoch = false;
    c->frac = 0;
    tcp_hystart_stop(&c->hs);
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   cubic loss: W_max=%.1f cwnd_prior=%.1f ssthresh=%u",
          c->w_max, c->cwnd_prior, tcb->ssthresh);
}

/* 4.6 with RFC 5681 3.2's fast recovery, which tcp_ack.c runs: cwnd =
 * ssthresh + 3 SMSS (the segments behind the three duplicates), inflated
 * per further duplicate and deflated at the full ACK. */
static void cubic_on_fast_retransmit(struct tcp_cb *tcb)
{
    cubic_reduce(tcb, cubic_of(tcb));
    tcb->cwnd = tcb->ssthresh + 3 * smss(tcb);
}

/* 4.8: "CUBIC follows Reno to reduce cwnd [cwnd = 1 SMSS] but sets
 * ssthresh using beta_cubic"; ssthresh is held on later expirations of
 * the same segment (RFC 5681 3.1).  W_max = 0 makes the first stage
 * after it start with K = 0 at cwnd_epoch (cubic_epoch_start). */
static void cubic_on_timeout(struct tcp_cb *tcb)
{
    struct cubic *c = cubic_of(tcb);
    if (tcb->backoff == 0)
        cubic_reduce(tcb, c);
    c->w_max = 0;
    c->in_epoch = false;
    tcp_hystart_stop(&c->hs);
    tcb->cwnd = smss(tcb);
    tcb->bytes_acked = 0;
}

/* As NewReno (RFC 6582 3.2 step 3, option 1): cwnd = min(ssthresh,
 * max(FlightSize, SMSS) + SMSS). */
static void cubic_on_recovery_exit(struct tcp_cb *tcb)
{
    uint32_t mss = smss(tcb);
    uint32_t flight = GLASS_MAX(tcp_flight_size(tcb), mss);
    tcb->cwnd = GLASS_MIN(tcb->ssthresh, flight + mss);
    cubic_of(tcb)->in_epoch = false;
}

bool tcp_cubic_info(const struct tcp_cb *tcb, struct tcp_cubic_info *out)
{
    if (tcb->cc != &tcp_cc_cubic)
        return false;
    const struct cubic *c = (const struct cubic *)tcb->cc_priv;
    *out = (struct tcp_cubic_info){
        .w_max = c->w_max,
        .k = c->k,
        .cwnd_epoch = c->cwnd_epoch,
        .w_est = c->w_est,
        .cwnd_prior = c->cwnd_prior,
        .in_epoch = c->in_epoch,
        .t_epoch = c->t_epoch,
        .hystart = (enum tcp_hystart_phase)c->hs.phase,
        .hystart_window_end = c->hs.window_end,
    };
    return true;
}

const struct tcp_cc_ops tcp_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .on_fast_retransmit = cubic_on_fast_retransmit,
    .on_timeout = cubic_on_timeout,
    .on_recovery_exit = cubic_on_recovery_exit,
    .on_rtt_sample = cubic_on_rtt_sample,
    .reset = cubic_reset,
};
