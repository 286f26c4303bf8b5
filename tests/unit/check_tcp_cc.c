/*
 * check_tcp_cc.c - congestion control: CUBIC (RFC 9438) against the RFC's
 * formulas, HyStart++ (RFC 9406) on fed RTT samples, and choosing an
 * algorithm (TCP_CONGESTION, the per-stack default).
 *
 * The window tests drive the algorithm's hooks on a bare control block
 * with the virtual clock, the way tcp_ack.c calls them: a sender that
 * always has a full window out (flight = cwnd before each ACK), one ACK
 * per segment, spread evenly over a round trip.  What cwnd should be is
 * computed here from the RFC's equations (a model written apart from
 * tcp_cc_cubic.c, with libm's cbrt) and compared ACK by ACK.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tcp_harness.h"

/* Linux's number (<netinet/tcp.h> cannot come in: its state enum
 * collides with tcp.h's). */
#define TCP_CONGESTION 13
#define MSS 1000u
#define C_ 0.4   /* RFC 9438 4.1, written out: not taken from the code under test */
#define BETA 0.7
#define ALPHA (3.0 * (1.0 - BETA) / (1.0 + BETA))

static struct harness H;

static void setup(void)
{
    harness_init(&H);
    if (getenv("GLASS_TEST_TRACE"))
        glass_trace_set(H.stack, GLASS_TRACE_TCP, stderr);
}

static void teardown(void)
{
    harness_fini(&H);
}

/* A bare established control block running `cc`, MSS 1000, SYN long
 * acknowledged, SRTT rtt; its window set up by the algorithm's init. */
static struct tcp_cb *mk(const char *cc, glass_time_t rtt)
{
    struct tcp_cb *t = tcp_tcb_new(H.stack);
    ck_assert_ptr_nonnull(t);
    t->state = TCP_ESTABLISHED;
    t->snd_mss = MSS;
    t->iss = 0;
    t->snd_una = t->snd_nxt = t->snd_max = 1000;
    t->srtt = rtt;
    t->cc = tcp_cc_find(cc);
    ck_assert_ptr_nonnull(t->cc);
    t->cc->init(t);
    return t;
}

/* One ACK of `bytes` new data as tcp_ack.c delivers it: the window was
 * full before it (flight = cwnd), SND.UNA moves, then on_ack. */
static void ack(struct tcp_cb *t, uint32_t bytes)
{
    t->snd_nxt = t->snd_una + t->cwnd;
    t->snd_max = t->snd_nxt;
    t->snd_una += bytes;
    t->cc->on_ack(t, bytes);
}

/* A flight of `segs` segments, as at the moment of a loss. */
static void set_flight(struct tcp_cb *t, uint32_t segs)
{
    t->snd_nxt = t->snd_max = t->snd_una + segs * MSS;
}

static struct tcp_cubic_info info(const struct tcp_cb *t)
{
    struct tcp_cubic_info i;
    ck_assert(tcp_cubic_info(t, &i));
    return i;
}

/* Put a CUBIC block in congestion avoidance at `segs` segments, as if a
 * first loss had happened there (W_max = segs), and return it with the
 * reduced window (0.7 * segs) after recovery. */
static struct tcp_cb *after_first_loss(uint32_t segs, glass_time_t rtt)
{
    struct tcp_cb *t = mk("cubic", rtt);
    t->cwnd = segs * MSS;
    set_flight(t, segs);
    t->cc->on_fast_retransmit(t);
    set_flight(t, (uint32_t)(segs * BETA));
    t->cc->on_recovery_exit(t);
    return t;
}

/* ---- the RFC 9438 model, independent of tcp_cc_cubic.c ----------------- */

struct model {
    double w_max, cwnd_epoch, k, w_est, cwnd_prior;
    double cwnd;                /* bytes, unrounded */
    glass_time_t t_epoch;
};

static double model_w(const struct model *m, double t)
{
    return C_ * pow(t - m->k, 3) + m->w_max;          /* eq. 1 */
}

static void model_start(struct model *m, double cwnd_bytes, double w_max, double cwnd_prior,
                        glass_time_t now)
{
    m->cwnd = cwnd_bytes;
    m->cwnd_epoch = cwnd_bytes / MSS;
    m->w_max = w_max > m->cwnd_epoch ? w_max : m->cwnd_epoch;
    m->k = cbrt((m->w_max - m->cwnd_epoch) / C_);      /* eq. 2 */
    m->w_est = m->cwnd_epoch;
    m->cwnd_prior = cwnd_prior;
    m->t_epoch = now;
}

/* One ACK of `bytes` at `now` with smoothed RTT `rtt` (seconds). */
static void model_ack(struct model *m, uint32_t bytes, glass_time_t now, double rtt)
{
    double t = (double)(now - m->t_epoch) / 1e6;
    double cwnd = m->cwnd / MSS;
    double target = model_w(m, t + rtt);               /* 4.2 */
    target = target < cwnd ? cwnd : target > 1.5 * cwnd ? 1.5 * cwnd : target;
    m->w_est += (m->w_est >= m->cwnd_prior ? 1.0 : ALPHA) * (bytes / (double)MSS) / cwnd;
    if (model_w(m, t) < m->w_est)                      /* 4.3 */
        m->cwnd = fmax(m->cwnd, m->w_est * MSS);
    else                                               /* 4.4, 4.5 */
        m->cwnd += (target - cwnd) / cwnd * bytes;
}

/* Run both for `rtts` round trips of `rtt` us, one ACK per segment spread
 * over each; assert they agree within 2 bytes after every ACK. */
static void run_against_model(struct tcp_cb *t, struct model *m, unsigned rtts, glass_time_t rtt)
{
    for (unsigned r = 0; r < rtts; r++) {
        uint32_t segs = t->cwnd / MSS;
        glass_time_t step = rtt / segs;
        for (uint32_t s = 0; s < segs; s++) {
            harness_advance(&H, step);
            ack(t, MSS);
            model_ack(m, MSS, glass_stack_now(H.stack), (double)rtt / 1e6);
            ck_assert_msg(fabs((double)t->cwnd - m->cwnd) <= 2.0,
                          "round %u ack %u: cwnd %u, RFC 9438 says %.1f", r, s, t->cwnd, m->cwnd);
        }
    }
}

/* ---- RFC 9438 ---------------------------------------------------------- */

/* 4.6: ssthresh = flight_size * beta_cubic; fast recovery (RFC 5681 3.2)
 * starts from ssthresh + 3 SMSS; W_max and cwnd_prior remember cwnd. */
START_TEST(rfc9438_4_6_multiplicative_decrease)
{
    struct tcp_cb *t = mk("cubic", 100000);
    t->cwnd = 100 * MSS;
    set_flight(t, 100);
    t->cc->on_fast_retransmit(t);
    ck_assert_uint_eq(t->ssthresh, 70 * MSS);
    ck_assert_uint_eq(t->cwnd, 73 * MSS);
    struct tcp_cubic_info i = info(t);
    ck_assert_double_eq_tol(i.w_max, 100.0, 1e-9);
    ck_assert_double_eq_tol(i.cwnd_prior, 100.0, 1e-9);
    ck_assert_int_eq(i.hystart, TCP_HYSTART_OFF);
    /* Limited Transmit's segments are not part of the flight that set
     * ssthresh (RFC 5681 3.2 step 2); 2 SMSS is the floor. */
    t->cwnd = 100 * MSS;
    set_flight(t, 102);
    t->limited_sent = 2 * MSS;
    t->cc->on_fast_retransmit(t);
    ck_assert_uint_eq(t->ssthresh, 70 * MSS);
    t->limited_sent = 0;
    t->cwnd = 2 * MSS;
    set_flight(t, 2);
    t->cc->on_fast_retransmit(t);
    ck_assert_uint_eq(t->ssthresh, 2 * MSS);
    tcp_tcb_free(t);
}
END_TEST

/* 4.2 eq. 2: K = cubic_root((W_max - cwnd_epoch) / C) when the first
 * congestion avoidance ACK starts the epoch. */
START_TEST(rfc9438_4_2_k_from_w_max_and_cwnd_epoch)
{
    struct tcp_cb *t = after_first_loss(100, 100000);
    ck_assert_uint_eq(t->cwnd, 70 * MSS); /* RFC 6582 full ACK: min(ssthresh, flight + SMSS) */
    ck_assert(!info(t).in_epoch);
    harness_advance(&H, 1000);
    ack(t, MSS);
    struct tcp_cubic_info i = info(t);
    ck_assert(i.in_epoch);
    ck_assert_uint_eq(i.t_epoch, glass_stack_now(H.stack));
    ck_assert_double_eq_tol(i.cwnd_epoch, 70.0, 1e-9);
    ck_assert_double_eq_tol(i.w_max, 100.0, 1e-9);
    ck_assert_double_eq_tol(i.k, cbrt(30.0 / 0.4), 1e-9); /* 4.2172 s */
    ck_assert_double_eq_tol(i.w_est, 70.0 + ALPHA / 70.0, 1e-9);
    tcp_tcb_free(t);
}
END_TEST

/* 4.2-4.5: ACK by ACK, cwnd follows (W_cubic(t + RTT) - cwnd) / cwnd
 * through the concave region up to W_max at t = K and on into the convex
 * region, as the model computes it. */
START_TEST(rfc9438_4_2_window_follows_w_cubic)
{
    const glass_time_t rtt = 100000; /* 100 ms: CUBIC's curve outgrows Reno's */
    struct tcp_cb *t = after_first_loss(100, rtt);
    struct model m;
    harness_advance(&H, rtt / 70);
    ack(t, MSS);
    struct tcp_cubic_info i = info(t);
    model_start(&m, 70.0 * MSS, 100.0, 100.0, i.t_epoch);
    m.cwnd = t->cwnd; /* the epoch's first ACK is the one just taken */
    m.w_est = i.w_est;
    run_against_model(t, &m, 40, rtt); /* 4 s: t just short of K */
    double t_now = (double)(glass_stack_now(H.stack) - i.t_epoch) / 1e6;
    ck_assert(t_now < i.k);
    ck_assert_uint_lt(t->cwnd, 100 * MSS + MSS / 2);   /* concave: up to W_max ... */
    ck_assert_uint_gt(t->cwnd, 97 * MSS);              /* ... and close to it */
    run_against_model(t, &m, 30, rtt); /* to t = 7 s: convex, past W_max */
    ck_assert_uint_gt(t->cwnd, 105 * MSS);
    tcp_tcb_free(t);
}
END_TEST

/* 4.7: a loss below the previous W_max means the path's capacity fell:
 * W_max = cwnd * (1 + beta_cubic) / 2 frees room for new flows. */
START_TEST(rfc9438_4_7_fast_convergence)
{
    struct tcp_cb *t = after_first_loss(100, 100000);
    t->cwnd = 90 * MSS; /* the second loss comes before W_max is reached */
    set_flight(t, 90);
    t->cc->on_fast_retransmit(t);
    struct tcp_cubic_info i = info(t);
    ck_assert_double_eq_tol(i.w_max, 90.0 * (1.0 + BETA) / 2.0, 1e-9); /* 76.5 */
    ck_assert_double_eq_tol(i.cwnd_prior, 90.0, 1e-9);
    ck_assert_uint_eq(t->ssthresh, 63 * MSS);
    /* At or above the old W_max, W_max is simply cwnd. */
    t->cwnd = 120 * MSS;
    set_flight(t, 120);
    t->cc->on_fast_retransmit(t);
    ck_assert_double_eq_tol(info(t).w_max, 120.0, 1e-9);
    tcp_tcb_free(t);
}
END_TEST

/* 4.3: with a short RTT Reno's estimate outgrows the cubic curve and
 * cwnd follows W_est: alpha_cubic segments per RTT until W_est reaches
 * cwnd_prior, then one segment per RTT. */
START_TEST(rfc9438_4_3_reno_friendly_region_short_rtt)
{
    const glass_time_t rtt = 1000; /* 1 ms */
    struct tcp_cb *t = after_first_loss(20, rtt);
    ck_assert_uint_eq(t->cwnd, 14 * MSS);
    struct model m;
    harness_advance(&H, rtt / 14);
    ack(t, MSS);
    struct tcp_cubic_info i = info(t);
    model_start(&m, 14.0 * MSS, 20.0, 20.0, i.t_epoch);
    m.cwnd = t->cwnd;
    m.w_est = i.w_est;
    run_against_model(t, &m, 5, rtt);
    i = info(t);
    double t_now = (double)(glass_stack_now(H.stack) - i.t_epoch) / 1e6;
    ck_assert(C_ * pow(t_now - i.k, 3) + i.w_max < i.w_est); /* Reno-friendly */
    ck_assert_uint_eq(t->cwnd, (uint32_t)(i.w_est * MSS));
    /* about alpha_cubic (0.53) segments per RTT while W_est < cwnd_prior */
    uint32_t before = t->cwnd;
    run_against_model(t, &m, 1, rtt);
    ck_assert_uint_ge(t->cwnd - before, 450);
    ck_assert_uint_le(t->cwnd - before, 560);
    run_against_model(t, &m, 20, rtt); /* W_est passes cwnd_prior = 20 */
    ck_assert(info(t).w_est >= 20.0);
    before = t->cwnd;
    run_against_model(t, &m, 1, rtt);
    ck_assert_uint_ge(t->cwnd - before, 950); /* alpha = 1: Reno's rate */
    ck_assert_uint_le(t->cwnd - before, 1050);
    tcp_tcb_free(t);
}
END_TEST

/* 4.2: the target is clamped to [cwnd, 1.5 cwnd]: far out on the convex
 * curve an ACK of one segment adds (1.5 cwnd - cwnd) / cwnd = half a
 * segment, not what W_cubic would say; above the curve an ACK adds
 * nothing and never takes anything away. */
START_TEST(rfc9438_4_2_target_clamp)
{
    struct tcp_cb *t = mk("cubic", 100000);
    t->cwnd = 10 * MSS;
    t->ssthresh = 10 * MSS; /* congestion avoidance, no loss yet: K = 0 */
    ack(t, MSS);
    ck_assert_double_eq_tol(info(t).k, 0.0, 1e-12);
    uint32_t before = t->cwnd;
    harness_advance(&H, 10 * GLASS_USEC_PER_SEC); /* W_cubic(10 s) = 410 segments */
    ack(t, MSS);
    ck_assert_uint_ge(t->cwnd - before, MSS / 2 - 1); /* 500 bytes, give or take rounding */
    ck_assert_uint_le(t->cwnd - before, MSS / 2 + 1);
    tcp_tcb_free(t);

    t = after_first_loss(100, 100000);
    harness_advance(&H, 1000);
    ack(t, MSS); /* epoch: W_cubic starts at 70 */
    t->cwnd = 95 * MSS; /* above the curve for now */
    for (int k = 0; k < 10; k++) {
        harness_advance(&H, 1000);
        ack(t, MSS);
        ck_assert_uint_eq(t->cwnd, 95 * MSS);
    }
    tcp_tcb_free(t);
}
END_TEST

/* 4.8: a timeout sets ssthresh with beta_cubic (once: held on the next
 * expiry of the same segment, RFC 5681), cwnd = 1 SMSS, and the first
 * stage after it starts with K = 0 at W_max = cwnd_epoch. */
START_TEST(rfc9438_4_8_timeout)
{
    struct tcp_cb *t = mk("cubic", 10000);
    t->cwnd = 100 * MSS;
    t->ssthresh = 50 * MSS;
    set_flight(t, 100);
    t->cc->on_timeout(t);
    ck_assert_uint_eq(t->ssthresh, 70 * MSS);
    ck_assert_uint_eq(t->cwnd, MSS);
    t->backoff = 1;
    t->cc->on_timeout(t);
    ck_assert_uint_eq(t->ssthresh, 70 * MSS);
    t->backoff = 0;
    /* slow start back to ssthresh, one SMSS per ACK (no HyStart++ now) */
    while (t->cwnd < t->ssthresh)
        ack(t, MSS);
    ck_assert_uint_eq(t->cwnd, 70 * MSS);
    ck_assert(!info(t).in_epoch);
    harness_advance(&H, 1000);
    ack(t, MSS);
    struct tcp_cubic_info i = info(t);
    ck_assert(i.in_epoch);
    ck_assert_double_eq_tol(i.k, 0.0, 1e-12);
    ck_assert_double_eq_tol(i.w_max, 70.0, 1e-9);
    ck_assert_double_eq_tol(i.cwnd_epoch, 70.0, 1e-9);
    tcp_tcb_free(t);
}
END_TEST

/* 5.8: an application-limited sender (flight well below cwnd) does not
 * grow cwnd, and that time does not count in t. */
START_TEST(rfc9438_5_8_application_limited)
{
    struct tcp_cb *t = after_first_loss(100, 100000);
    harness_advance(&H, 1000);
    ack(t, MSS);
    glass_time_t t_epoch = info(t).t_epoch;
    uint32_t cwnd = t->cwnd;
    for (int k = 0; k < 50; k++) {
        harness_advance(&H, 20000);
        t->snd_nxt = t->snd_max = t->snd_una + 10 * MSS; /* 10 of 70 segments out */
        t->snd_una += MSS;
        t->cc->on_ack(t, MSS);
    }
    ck_assert_uint_eq(t->cwnd, cwnd);
    ck_assert_uint_eq(info(t).t_epoch, t_epoch + 50 * 20000);
    tcp_tcb_free(t);
}
END_TEST

/* ---- RFC 9406 HyStart++ -------------------------------------------------- */

/* One round of slow start (RFC 9406 4.2: from the ACK that reaches
 * windowEnd to the ACK before the next one does), an RTT sample with
 * every ACK (as RFC 7323 timestamps give), one ACK per segment; returns
 * the ACKs taken. */
static unsigned hs_round(struct tcp_cb *t, glass_time_t rtt)
{
    unsigned n = 0;
    do {
        harness_advance(&H, 100);
        t->cc->on_rtt_sample(t, rtt);
        ack(t, MSS);
        n++;
    } while (seq_lt(t->snd_una + MSS, info(t).hystart_window_end));
    return n;
}

/* 4.2: the round's minimum RTT rises by RttThresh = max(4 ms, min(last
 * / 8, 16 ms)): slow start gives way to CSS (growth / 4); after
 * CSS_ROUNDS rounds ssthresh = cwnd and congestion avoidance begins. */
START_TEST(rfc9406_4_2_rtt_rise_enters_css_then_avoidance)
{
    struct tcp_cb *t = mk("cubic", 50000);
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_SS);
    unsigned acks = hs_round(t, 50000);
    acks += hs_round(t, 50000);
    ck_assert_uint_eq(t->cwnd, 10 * MSS + acks * MSS); /* slow start: +1 SMSS per ACK */
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_SS);
    /* 50 ms + 6.25 ms is the threshold; 57 ms crosses it at the 8th
     * sample of the new round (N_RTT_SAMPLE) */
    for (int s = 0; s < 7; s++) {
        t->cc->on_rtt_sample(t, 57000);
        ack(t, MSS);
        ck_assert_int_eq(info(t).hystart, TCP_HYSTART_SS);
    }
    t->cc->on_rtt_sample(t, 57000);
    ack(t, MSS);
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_CSS);
    ck_assert_uint_eq(counter(&H, "tcp.hystart_css"), 1);
    ck_assert_uint_eq(t->cwnd, 10 * MSS + (acks + 8) * MSS);
    /* CSS: each ACK of one segment adds a quarter of one */
    uint32_t before = t->cwnd;
    t->cc->on_rtt_sample(t, 57000);
    ack(t, MSS);
    ck_assert_uint_eq(t->cwnd - before, MSS / 4);
    ck_assert_uint_eq(t->ssthresh, UINT32_MAX);
    /* the rest of this round, then CSS_ROUNDS - 1 more */
    while (seq_lt(t->snd_una + MSS, info(t).hystart_window_end))
        ack(t, MSS);
    for (int r = 0; r < 4; r++) {
        ck_assert_int_eq(info(t).hystart, TCP_HYSTART_CSS);
        hs_round(t, 57000);
    }
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_CSS);
    ack(t, MSS); /* the 5th round ends */
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_OFF);
    ck_assert_uint_eq(t->ssthresh, t->cwnd);
    ck_assert_uint_eq(counter(&H, "tcp.hystart_exit"), 1);
    tcp_tcb_free(t);
}
END_TEST

/* A rise below the threshold is noise: slow start goes on. */
START_TEST(rfc9406_4_2_small_rise_stays_in_slow_start)
{
    struct tcp_cb *t = mk("cubic", 50000);
    unsigned acks = hs_round(t, 50000);
    acks += hs_round(t, 56000); /* +6 ms < 6.25 ms */
    acks += hs_round(t, 56000);
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_SS);
    ck_assert_uint_eq(t->cwnd, 10 * MSS + acks * MSS);
    ck_assert_uint_eq(counter(&H, "tcp.hystart_css"), 0);
    tcp_tcb_free(t);
}
END_TEST

/* 4.2: in CSS, a round whose minimum RTT falls below the baseline means
 * the rise was spurious: back to slow start. */
START_TEST(rfc9406_4_2_css_back_to_slow_start)
{
    struct tcp_cb *t = mk("cubic", 50000);
    hs_round(t, 50000);
    hs_round(t, 70000);
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_CSS);
    hs_round(t, 50000);
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_SS);
    ck_assert_uint_eq(counter(&H, "tcp.hystart_css_undo"), 1);
    ck_assert_uint_eq(t->ssthresh, UINT32_MAX);
    tcp_tcb_free(t);
}
END_TEST

/* 4.2 "at least N_RTT_SAMPLE RTT samples": with one sample per round (no
 * timestamps: RFC 6298 times one segment) the test never fires. */
START_TEST(rfc9406_4_2_needs_n_rtt_samples)
{
    struct tcp_cb *t = mk("cubic", 50000);
    for (glass_time_t rtt = 50000; rtt <= 250000; rtt += 50000) {
        t->cc->on_rtt_sample(t, rtt);
        do
            ack(t, MSS);
        while (seq_lt(t->snd_una + MSS, info(t).hystart_window_end));
    }
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_SS);
    ck_assert_uint_eq(counter(&H, "tcp.hystart_css"), 0);
    tcp_tcb_free(t);
}
END_TEST

/* 4.2 / RFC 9406 "only for the initial slow start": a loss ends it. */
START_TEST(rfc9406_loss_ends_hystart)
{
    struct tcp_cb *t = mk("cubic", 50000);
    hs_round(t, 50000);
    set_flight(t, 20);
    t->cc->on_fast_retransmit(t);
    ck_assert_int_eq(info(t).hystart, TCP_HYSTART_OFF);
    tcp_tcb_free(t);
}
END_TEST

/* ---- choosing an algorithm ------------------------------------------------ */

START_TEST(cc_default_is_cubic_and_config_accepts_reno)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(H.stack, &cfg);
    ck_assert_str_eq(cfg.cc, "cubic");
    struct tcp_cb *t = tcp_tcb_new(H.stack);
    ck_assert_ptr_eq(t->cc, &tcp_cc_cubic);
    tcp_tcb_free(t);
    strcpy(cfg.cc, "reno");
    ck_assert_int_eq(glass_tcp_config_set(H.stack, &cfg), 0);
    t = tcp_tcb_new(H.stack);
    ck_assert_ptr_eq(t->cc, &tcp_cc_newreno);
    tcp_tcb_free(t);
    strcpy(cfg.cc, "bbr");
    errno = 0;
    ck_assert_int_eq(glass_tcp_config_set(H.stack, &cfg), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Linux's TCP_CONGESTION: a name in, the name (16 bytes, NUL padded)
 * out; ENOENT for a name no algorithm has, EINVAL for an empty option;
 * at most 15 bytes are read, no NUL needed; not for UDP. */
START_TEST(tcp_congestion_sockopt)
{
    int fd = glass_socket(H.stack, AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    char name[32];
    socklen_t len = sizeof name;
    memset(name, 'x', sizeof name);
    ck_assert_int_eq(glass_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
    ck_assert_uint_eq(len, 16);
    ck_assert_str_eq(name, "cubic");
    ck_assert_int_eq(name[15], 0);

    ck_assert_int_eq(glass_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "newreno", 7), 0);
    len = sizeof name;
    ck_assert_int_eq(glass_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
    ck_assert_str_eq(name, "newreno");
    ck_assert_int_eq(glass_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 5), 0);
    len = sizeof name;
    ck_assert_int_eq(glass_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
    ck_assert_str_eq(name, "newreno");
    ck_assert_int_eq(glass_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubicXYZ", 5), 0);
    len = 3; /* a short buffer gets what fits */
    ck_assert_int_eq(glass_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(name, "cub", 3), 0);

    errno = 0;
    ck_assert_int_eq(glass_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "bbr", 4), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(glass_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    len = sizeof name;
    ck_assert_int_eq(glass_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
    ck_assert_str_eq(name, "cubic"); /* the failed calls changed nothing */
    glass_close(fd);

    int u = glass_socket(H.stack, AF_INET, SOCK_DGRAM, 0);
    errno = 0;
    ck_assert_int_eq(glass_setsockopt(u, IPPROTO_TCP, TCP_CONGESTION, "cubic", 6), -1);
    ck_assert_int_eq(errno, ENOPROTOOPT);
    glass_close(u);
}
END_TEST

/* A connection that switches keeps its window (as Linux does) and goes
 * on under the new algorithm's rules. */
START_TEST(cc_switch_on_established_connection)
{
    harness_learn_peer(&H);
    struct tcp_h_conn c = {.h = &H, .lport = 40000, .pport = 80, .wnd = 65535, .irs = 5000};
    struct tcp_cb *t = tcp_h_handshake_active(&c, 1000);
    ck_assert_ptr_eq(t->cc, &tcp_cc_cubic);
    uint32_t iw = t->cwnd;
    ck_assert_uint_gt(iw, 0);
    tcp_cc_set(t, &tcp_cc_newreno);
    ck_assert_ptr_eq(t->cc, &tcp_cc_newreno);
    ck_assert_uint_eq(t->cwnd, iw);
    ck_assert_uint_eq(t->ssthresh, UINT32_MAX);
    uint32_t mss = t->snd_mss;
    t->cc->on_ack(t, 2 * mss); /* NewReno slow start: L = 1 SMSS */
    ck_assert_uint_eq(t->cwnd, iw + mss);
    /* back to CUBIC in congestion avoidance: no HyStart++, a fresh epoch
     * at the current window (K = 0) */
    t->ssthresh = t->cwnd;
    tcp_cc_set(t, &tcp_cc_cubic);
    struct tcp_cubic_info i = info(t);
    ck_assert_int_eq(i.hystart, TCP_HYSTART_OFF);
    ck_assert(!i.in_epoch);
    ck_assert_uint_eq(t->cwnd, iw + mss);
    t->snd_nxt = t->snd_una + t->cwnd;
    t->snd_una += mss;
    t->cc->on_ack(t, mss);
    i = info(t);
    ck_assert(i.in_epoch);
    ck_assert_double_eq_tol(i.k, 0.0, 1e-12);
    t->snd_nxt = t->snd_max; /* leave it consistent for teardown */
    t->snd_una = t->snd_max;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_cc");
    TCase *tc = tcase_create("cubic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc9438_4_6_multiplicative_decrease);
    tcase_add_test(tc, rfc9438_4_2_k_from_w_max_and_cwnd_epoch);
    tcase_add_test(tc, rfc9438_4_2_window_follows_w_cubic);
    tcase_add_test(tc, rfc9438_4_7_fast_convergence);
    tcase_add_test(tc, rfc9438_4_3_reno_friendly_region_short_rtt);
    tcase_add_test(tc, rfc9438_4_2_target_clamp);
    tcase_add_test(tc, rfc9438_4_8_timeout);
    tcase_add_test(tc, rfc9438_5_8_application_limited);
    suite_add_tcase(s, tc);
    TCase *hs = tcase_create("hystart");
    tcase_add_checked_fixture(hs, setup, teardown);
    tcase_add_test(hs, rfc9406_4_2_rtt_rise_enters_css_then_avoidance);
    tcase_add_test(hs, rfc9406_4_2_small_rise_stays_in_slow_start);
    tcase_add_test(hs, rfc9406_4_2_css_back_to_slow_start);
    tcase_add_test(hs, rfc9406_4_2_needs_n_rtt_samples);
    tcase_add_test(hs, rfc9406_loss_ends_hystart);
    suite_add_tcase(s, hs);
    TCase *sel = tcase_create("select");
    tcase_add_checked_fixture(sel, setup, teardown);
    tcase_add_test(sel, cc_default_is_cubic_and_config_accepts_reno);
    tcase_add_test(sel, tcp_congestion_sockopt);
    tcase_add_test(sel, cc_switch_on_established_connection);
    suite_add_tcase(s, sel);
    return harness_run_suite(s);
}
