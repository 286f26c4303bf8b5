/* check_tcp_output.c - the TCP sender on the wire: exact segments out for
 * what the sender decides (initial window, Nagle, SWS avoidance, FIN),
 * the retransmission timer (RFC 6298: RTO from samples, Karn, backoff,
 * SYN retransmission and giving up), fast retransmit and NewReno recovery
 * (RFC 5681, RFC 6582), congestion window growth, zero-window probing,
 * the delayed-ACK policy (RFC 1122 4.2.3.2), receiver SWS avoidance
 * (RFC 1122 4.2.3.3), keepalive and TIME-WAIT.
 *
 * Most connections are made straight in the control block (as tcp_input
 * would leave them after a handshake) and ACKs from the peer go to
 * tcp_ack_input as a parsed segment, so those tests exercise the sender's
 * contract in tcp.h and nothing else; the last group goes through
 * tcp_input with crafted frames (handshake RTT sample, SYN-ACK
 * retransmission, out-of-order ACKs, fast retransmit, the right edge of
 * the window) and one through the socket API (ETIMEDOUT).  Every timer
 * runs on the virtual clock.  GLASS_TEST_TRACE=1 prints the tcp trace;
 * GLASS_TEST_ONLY=name runs the tests whose name contains it. */
#include "tcp_harness.h"

#include <errno.h>
#include <stdlib.h>

#include "stack.h"
#include "tcp.h"
#include "timer.h"

#define MS 1000ULL
#define SEC GLASS_USEC_PER_SEC
#define ISS 1000000u
#define IRS 7000000u
#define MSS 1460u
#define LPORT 80
#define PPORT 40000

static struct harness H;
static struct tcp_h_conn C;
static struct tseg S; /* the last segment popped */

static void setup(void)
{
    tcp_h_start_sender(&H); /* GLASS_TEST_TRACE=1 CK_FORK=no for the trace */
    memset(&C, 0, sizeof C);
    C.h = &H;
    C.lport = LPORT;
    C.pport = PPORT;
    C.wnd = 65535;
    C.irs = IRS;
    C.snd_nxt = IRS + 1;
    C.iss = ISS;
    C.rcv_nxt = ISS + 1;
}

static void teardown(void)
{
    harness_fini(&H);
}

static struct glass_tcp_config *cfg(void)
{
    return &H.stack->tcp->cfg;
}

static void lock(void) { glass_stack_lock(H.stack); }
static void unlock(void) { glass_stack_unlock(H.stack); }

/* An ESTABLISHED connection 10.0.0.2:80 <> 10.0.0.1:40000 as tcp_input
 * leaves it after a handshake in which the peer said MSS 1460 and window
 * `wnd`: SND.UNA = SND.NXT = ISS+1, RCV.NXT = IRS+1, cwnd = IW. */
static struct tcp_cb *established(uint16_t wnd)
{
    struct tcp_cb *t = tcp_h_established_tcb(&H, LPORT, PPORT, ISS, IRS, MSS, wnd, false);
    C.wnd = wnd;
    return t;
}

/* A segment from the peer, parsed, straight into the sender's half of
 * "check the ACK field". */
static bool peer_seg(struct tcp_cb *t, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
                     size_t dlen)
{
    static const uint8_t zeros[2048];
    struct tcp_seg seg = {
        .src = A(H_PEER_IP),
        .dst = A(H_OUR_IP),
        .sport = htons(PPORT),
        .dport = htons(LPORT),
        .seq = seq,
        .ack = ack,
        .len = (uint32_t)dlen + ((flags & TCP_FIN) ? 1 : 0) + ((flags & TCP_SYN) ? 1 : 0),
        .wnd = wnd,
        .flags = flags,
        .data = zeros,
        .dlen = dlen,
    };
    lock();
    bool fin = tcp_ack_input(t, &seg);
    unlock();
    return fin;
}

static bool peer_ack(struct tcp_cb *t, uint32_t ack, uint16_t wnd)
{
    return peer_seg(t, C.snd_nxt, ack, TCP_ACK, wnd, 0);
}

/* The user writes n bytes (0, 1, 2, ... mod 251) and the stack runs
 * tcp_output, as tcp_user_send does. */
static void queue(struct tcp_cb *t, size_t n)
{
    static size_t written;
    uint8_t *b = malloc(n);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)((written + i) % 251);
    written += n;
    lock();
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, n), n);
    tcp_output(t);
    unlock();
    free(b);
}

/* Pop a data segment and check it: ACK (PSH allowed), exact seq and
 * length, acknowledging RCV.NXT. */
static void expect_data(uint32_t seq, size_t len)
{
    ck_assert_msg(tx_pop_tcp(&H, &S), "expected data seq=%u len=%zu, nothing sent", seq - ISS,
                  len);
    ck_assert_msg((S.flags & ~TCP_PSH) == TCP_ACK, "flags %s", tcp_h_flags(S.flags));
    ck_assert_msg(S.seq == seq, "seq %u, expected %u (relative)", S.seq - ISS, seq - ISS);
    ck_assert_uint_eq(S.dlen, len);
    ck_assert_uint_eq(S.ack, C.snd_nxt);
}

static uint64_t ctr(const char *name) { return counter(&H, name); }

/* ---- RFC 6298: the RTO --------------------------------------------------------- */

START_TEST(rfc6298_2_rto_from_samples)
{
    lock();
    struct tcp_cb *t = tcp_tcb_new(H.stack);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->rto, 1 * SEC); /* 2.1: 1 s before any sample */
    /* 2.2 first sample R = 100 ms: SRTT = R, RTTVAR = R/2, RTO = SRTT +
     * 4*RTTVAR = 300 ms */
    tcp_rtt_sample(t, 100 * MS);
    ck_assert_uint_eq(t->srtt, 100 * MS);
    ck_assert_uint_eq(t->rttvar, 50 * MS);
    ck_assert_uint_eq(t->rto, 300 * MS);
    /* 2.3 R' = 200 ms: RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5 ms,
     * SRTT = 7/8*100 + 1/8*200 = 112.5 ms, RTO = 112.5 + 250 = 362.5 ms */
    tcp_rtt_sample(t, 200 * MS);
    ck_assert_uint_eq(t->rttvar, 62500);
    ck_assert_uint_eq(t->srtt, 112500);
    ck_assert_uint_eq(t->rto, 362500);
    tcp_tcb_free(t);

    /* 2.4: the floor (rto_min, 200 ms like Linux) */
    t = tcp_tcb_new(H.stack);
    tcp_rtt_sample(t, 1 * MS);
    ck_assert_uint_eq(t->srtt, 1 * MS);
    ck_assert_uint_eq(t->rto, 200 * MS);
    tcp_tcb_free(t);

    /* 2.5: the ceiling (rto_max, 120 s) */
    t = tcp_tcb_new(H.stack);
    tcp_rtt_sample(t, 100 * SEC);
    ck_assert_uint_eq(t->rto, 120 * SEC);
    tcp_tcb_free(t);
    unlock();
    ck_assert_uint_eq(ctr("tcp.rtt_samples"), 4);
}
END_TEST

/* A sample is taken from a segment sent once, when its ACK comes. */
START_TEST(rfc6298_3_sample_from_timed_segment)
{
    struct tcp_cb *t = established(65535);
    queue(t, 100);
    expect_data(ISS + 1, 100);
    harness_advance(&H, 50 * MS);
    peer_ack(t, ISS + 101, 65535);
    ck_assert_uint_eq(ctr("tcp.rtt_samples"), 1);
    ck_assert_uint_eq(t->srtt, 50 * MS);
    ck_assert_uint_eq(t->rttvar, 25 * MS);
    ck_assert_uint_eq(t->rto, 200 * MS); /* 50 + 100 = 150 ms, floored */
    ck_assert(!timer_pending(&t->rexmt)); /* 5.2: all acknowledged */
}
END_TEST

/* Karn: the ACK of a retransmitted segment says nothing about the RTT. */
START_TEST(rfc6298_3_karn_no_sample_from_retransmission)
{
    struct tcp_cb *t = established(65535);
    queue(t, 100);
    expect_data(ISS + 1, 100);
    harness_advance(&H, 1 * SEC); /* RTO: the segment goes again */
    expect_data(ISS + 1, 100);
    ck_assert_uint_eq(t->backoff, 1);
    harness_advance(&H, 10 * MS);
    peer_ack(t, ISS + 101, 65535);
    ck_assert_uint_eq(ctr("tcp.rtt_samples"), 0);
    ck_assert_uint_eq(t->srtt, 0);
    ck_assert_uint_eq(t->backoff, 0); /* new data acknowledged: backoff over */
    ck_assert_uint_eq(ctr("tcp.retransmits"), 1);
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 1);
}
END_TEST

/* 5.5: each expiry doubles the timer, up to rto_max; 5.4: the oldest
 * segment goes again each time. */
START_TEST(rfc6298_5_5_backoff_doubles_up_to_rto_max)
{
    cfg()->rto_max = 5 * SEC;
    struct tcp_cb *t = established(65535);
    queue(t, 10);
    expect_data(ISS + 1, 10);
    const glass_time_t gaps[] = {1 * SEC, 2 * SEC, 4 * SEC, 5 * SEC, 5 * SEC};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(gaps); i++) {
        harness_advance(&H, gaps[i] - 1);
        tcp_h_expect_none(&H);
        harness_advance(&H, 1);
        expect_data(ISS + 1, 10);
        tcp_h_expect_none(&H);
    }
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 5);
    ck_assert_uint_eq(t->state, TCP_ESTABLISHED);
}
END_TEST

/* SYN retransmitted at 1 s, 2 s, 4 s ... after the previous one; after
 * syn_retries retransmissions, the connection is given up (ETIMEDOUT). */
START_TEST(rfc6298_5_syn_retransmitted_with_backoff_then_etimedout)
{
    cfg()->syn_retries = 3;
    struct tcp_cb *t = tcp_h_connect_tcb(&C, ISS);
    tcp_h_expect(&H, TCP_SYN, ISS, 0);
    const glass_time_t gaps[] = {1 * SEC, 2 * SEC, 4 * SEC};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(gaps); i++) {
        harness_advance(&H, gaps[i] - 1);
        tcp_h_expect_none(&H);
        harness_advance(&H, 1);
        ck_assert(tx_pop_tcp(&H, &S));
        ck_assert_uint_eq(S.flags, TCP_SYN);
        ck_assert_uint_eq(S.seq, ISS);
        ck_assert(S.has_mss);
        ck_assert_uint_eq(S.mss, 1460);
    }
    ck_assert(t->syn_retransmitted);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    harness_advance(&H, 8 * SEC - 1);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 0);
    harness_advance(&H, 1); /* gave up: the control block is gone */
    tcp_h_expect_none(&H);
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT));
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 1);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 3);
}
END_TEST

/* Data retransmissions give up after cfg.retries, with ETIMEDOUT (the
 * control block is freed: no socket holds it). */
START_TEST(rfc6298_retries_exhausted_gives_up)
{
    cfg()->retries = 2;
    struct tcp_cb *t = established(65535);
    queue(t, 10);
    expect_data(ISS + 1, 10);
    harness_advance(&H, 1 * SEC);
    expect_data(ISS + 1, 10);
    harness_advance(&H, 2 * SEC);
    expect_data(ISS + 1, 10);
    harness_advance(&H, 4 * SEC - 1);
    ck_assert_ptr_nonnull(tcp_h_find(&H, LPORT, PPORT));
    harness_advance(&H, 1);
    tcp_h_expect_none(&H);
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT));
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 1);
}
END_TEST

/* RFC 5681 3.1: after an RTO, cwnd = 1 MSS and ssthresh = FlightSize/2:
 * go back N sends one segment, then two after its ACK (slow start). */
START_TEST(rfc5681_3_1_rto_collapses_cwnd_go_back_n)
{
    struct tcp_cb *t = established(65535);
    queue(t, 4 * MSS);
    for (unsigned i = 0; i < 4; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    harness_advance(&H, 1 * SEC);
    expect_data(ISS + 1, MSS);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(t->cwnd, MSS);
    ck_assert_uint_eq(t->ssthresh, 2 * MSS); /* max(4*MSS/2, 2*MSS) */
    ck_assert_uint_eq(t->snd_nxt, ISS + 1 + MSS);
    ck_assert_uint_eq(t->snd_max, ISS + 1 + 4 * MSS);
    peer_ack(t, ISS + 1 + MSS, 65535);
    ck_assert_uint_eq(t->cwnd, 2 * MSS);
    expect_data(ISS + 1 + MSS, MSS);
    expect_data(ISS + 1 + 2 * MSS, MSS);
    tcp_h_expect_none(&H);
    /* an ACK for data sent before the RTO (up to SND.MAX) is good news */
    peer_ack(t, ISS + 1 + 4 * MSS, 65535);
    ck_assert_uint_eq(t->snd_una, ISS + 1 + 4 * MSS);
    ck_assert_uint_eq(t->snd_nxt, ISS + 1 + 4 * MSS);
    ck_assert_uint_eq(t->sndbuf.len, 0);
    ck_assert(!timer_pending(&t->rexmt));
}
END_TEST

/* ---- RFC 5681 3.2, RFC 6582: fast retransmit and NewReno ------------------------------ */

static void send_segments(struct tcp_cb *t, unsigned n)
{
    queue(t, n * MSS);
    for (unsigned i = 0; i < n; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    tcp_h_expect_none(&H);
}

START_TEST(rfc5681_3_2_third_dupack_retransmits)
{
    struct tcp_cb *t = established(65535);
    send_segments(t, 5);
    peer_ack(t, ISS + 1, 65535);
    peer_ack(t, ISS + 1, 65535);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 0);
    ck_assert_uint_eq(t->dupacks, 2);
    peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1, MSS); /* the first unacknowledged segment, at once */
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 3);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 1);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 1);
    ck_assert(t->in_recovery);
    ck_assert_uint_eq(t->recover, ISS + 1 + 5 * MSS);
    ck_assert_uint_eq(t->ssthresh, 5 * MSS / 2); /* FlightSize / 2 */
    ck_assert_uint_eq(t->cwnd, 5 * MSS / 2 + 3 * MSS);
    /* 3.2 step 4: a fourth duplicate inflates cwnd by one SMSS */
    peer_ack(t, ISS + 1, 65535);
    ck_assert_uint_eq(t->cwnd, 5 * MSS / 2 + 4 * MSS);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 1);
}
END_TEST

/* RFC 5681 2: not duplicates -- an ACK carrying data, one that changes
 * the window, one when nothing is outstanding, one with FIN. */
START_TEST(rfc5681_2_what_is_not_a_duplicate_ack)
{
    struct tcp_cb *t = established(65535);
    /* (a) nothing outstanding */
    for (int i = 0; i < 4; i++)
        peer_ack(t, ISS + 1, 65535);
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 0);
    send_segments(t, 5);
    /* (b) with data (the peer sends as well): its seq moves on */
    for (int i = 0; i < 4; i++) {
        peer_seg(t, C.snd_nxt, ISS + 1, TCP_ACK, 65535, 100);
        C.snd_nxt += 100;
    }
    /* (e) window changes */
    for (int i = 0; i < 4; i++)
        peer_ack(t, ISS + 1, (uint16_t)(60000 + i));
    /* (c) FIN */
    peer_seg(t, C.snd_nxt, ISS + 1, TCP_ACK | TCP_FIN, 60003, 0);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 0);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 0);
    ck_assert(!t->in_recovery);
}
END_TEST

/* RFC 6582 3.2 step 4: a partial ACK retransmits the next hole at once
 * and deflates cwnd; the full ACK ends recovery with cwnd = min(ssthresh,
 * max(FlightSize, SMSS) + SMSS). */
START_TEST(rfc6582_3_2_partial_ack_retransmits_next_hole)
{
    struct tcp_cb *t = established(65535);
    send_segments(t, 6); /* segments 0 and 2 are lost */
    for (int i = 0; i < 3; i++)
        peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1, MSS);
    uint32_t cwnd = t->cwnd;
    peer_ack(t, ISS + 1 + 2 * MSS, 65535); /* partial: up to the second hole */
    expect_data(ISS + 1 + 2 * MSS, MSS);
    ck_assert_uint_eq(ctr("tcp.partial_acks"), 1);
    ck_assert(t->in_recovery);
    ck_assert_uint_eq(t->cwnd, cwnd - 2 * MSS + MSS);
    peer_ack(t, ISS + 1 + 6 * MSS, 65535); /* full ACK */
    ck_assert(!t->in_recovery);
    ck_assert_uint_eq(t->cwnd, 2 * MSS); /* min(ssthresh, max(FlightSize 0, SMSS) + SMSS) */
    ck_assert_uint_eq(t->ssthresh, 3 * MSS);
    ck_assert_uint_eq(ctr("tcp.partial_acks"), 1);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 2);
}
END_TEST

/* RFC 3042 Limited Transmit: with cwnd = 4 segments and more data queued,
 * the first and the second duplicate ACK each send one new segment (cwnd
 * unchanged); the third retransmits, and ssthresh leaves the two
 * limited-transmit segments out of FlightSize (RFC 5681 3.2 step 2). */
START_TEST(rfc3042_limited_transmit_on_first_two_dupacks)
{
    struct tcp_cb *t = established(65535);
    lock();
    t->cwnd = 4 * MSS;
    unlock();
    queue(t, 8 * MSS);
    for (unsigned i = 0; i < 4; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    tcp_h_expect_none(&H); /* cwnd-limited */
    peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1 + 4 * MSS, MSS); /* first duplicate: segment 5 */
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(t->cwnd, 4 * MSS);
    peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1 + 5 * MSS, MSS); /* second duplicate: segment 6 */
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(t->cwnd, 4 * MSS);
    ck_assert_uint_eq(ctr("tcp.limited_transmits"), 2);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 0);
    peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1, MSS); /* third: fast retransmit */
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.limited_transmits"), 2);
    ck_assert_uint_eq(t->ssthresh, 2 * MSS); /* FlightSize 4 segments, not 6 */
    ck_assert_uint_eq(t->cwnd, 5 * MSS);
    /* the full ACK: recovery is over, the limited-transmit count too */
    peer_ack(t, ISS + 1 + 6 * MSS, 65535);
    ck_assert(!t->in_recovery);
    ck_assert_uint_eq(t->limited_sent, 0);
}
END_TEST

/* RFC 3042: "The receiver's advertised window allows the transmission of
 * the segment" -- a window full of data gets no limited transmit, and
 * neither does a small last piece that Nagle holds back. */
START_TEST(rfc3042_limited_transmit_respects_window_and_nagle)
{
    struct tcp_cb *t = established(4 * MSS);
    queue(t, 6 * MSS);
    for (unsigned i = 0; i < 4; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    peer_ack(t, ISS + 1, 4 * MSS);
    peer_ack(t, ISS + 1, 4 * MSS);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 2);
    ck_assert_uint_eq(ctr("tcp.limited_transmits"), 0);
    tcp_h_expect_none(&H);
}
END_TEST

START_TEST(rfc3042_limited_transmit_holds_small_segment_nagle)
{
    struct tcp_cb *t = established(65535);
    lock();
    t->cwnd = 4 * MSS;
    unlock();
    queue(t, 4 * MSS + 100);
    for (unsigned i = 0; i < 4; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    tcp_h_expect_none(&H);
    peer_ack(t, ISS + 1, 65535);
    tcp_h_expect_none(&H); /* 100 bytes, data outstanding: Nagle waits */
    lock();
    t->nodelay = true;
    unlock();
    peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1 + 4 * MSS, 100); /* TCP_NODELAY: it goes */
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.limited_transmits"), 1);
}
END_TEST

/* RFC 6582 3.2 step 2: a loss of the first segment sent after recovery
 * began (the one at the old SND.MAX, glass's recover) is a new loss
 * event: the ACK at recover "covers more than recover" (the RFC's recover
 * is the highest sequence number sent, SND.MAX - 1), so the third
 * duplicate retransmits at once instead of waiting for the RTO. */
START_TEST(rfc6582_3_2_loss_right_after_recovery_fast_retransmits)
{
    struct tcp_cb *t = established(65535);
    send_segments(t, 6);
    for (int i = 0; i < 3; i++)
        peer_ack(t, ISS + 1, 65535);
    expect_data(ISS + 1, MSS);
    ck_assert_uint_eq(t->recover, ISS + 1 + 6 * MSS);
    peer_ack(t, ISS + 1 + 6 * MSS, 65535); /* full ACK */
    ck_assert(!t->in_recovery);
    ck_assert_uint_eq(t->cwnd, 2 * MSS);
    queue(t, 4 * MSS);
    expect_data(ISS + 1 + 6 * MSS, MSS); /* lost */
    expect_data(ISS + 1 + 7 * MSS, MSS);
    tcp_h_expect_none(&H);
    peer_ack(t, ISS + 1 + 6 * MSS, 65535);
    expect_data(ISS + 1 + 8 * MSS, MSS); /* limited transmit */
    peer_ack(t, ISS + 1 + 6 * MSS, 65535);
    expect_data(ISS + 1 + 9 * MSS, MSS);
    peer_ack(t, ISS + 1 + 6 * MSS, 65535);
    expect_data(ISS + 1 + 6 * MSS, MSS); /* fast retransmit, no RTO */
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 2);
    ck_assert(t->in_recovery);
    ck_assert_uint_eq(t->recover, ISS + 1 + 10 * MSS);
}
END_TEST

/* RFC 6582 3.2 step 2 / 4: after an RTO, duplicates of an ACK below the
 * recover point (SND.MAX at the timeout) belong to the loss event the
 * timer already handles: no fast retransmit. */
START_TEST(rfc6582_4_no_fast_retransmit_below_recover_after_rto)
{
    struct tcp_cb *t = established(65535);
    send_segments(t, 6);
    harness_advance(&H, 1 * SEC);
    expect_data(ISS + 1, MSS);
    ck_assert_uint_eq(t->recover, ISS + 1 + 6 * MSS);
    for (int i = 0; i < 3; i++)
        peer_ack(t, ISS + 1, 65535);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 3);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 0);
    ck_assert(!t->in_recovery);
}
END_TEST

/* ---- RFC 5681 3.1, RFC 6928: window growth ------------------------------------------ */

START_TEST(rfc6928_initial_window_ten_segments)
{
    struct tcp_cb *t = established(65535);
    ck_assert_uint_eq(t->cwnd, 10 * MSS); /* min(10*1460, max(2920, 14600)) */
    queue(t, 20 * MSS);
    for (unsigned i = 0; i < 10; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    tcp_h_expect_none(&H);
    ck_assert(timer_pending(&t->rexmt));
}
END_TEST

START_TEST(rfc5681_3_1_initial_window_one_segment_after_syn_loss)
{
    lock();
    struct tcp_cb *t = tcp_tcb_new(H.stack);
    t->snd_mss = MSS;
    t->syn_retransmitted = true;
    ck_assert_uint_eq(tcp_initial_window(t), MSS);
    t->syn_retransmitted = false;
    t->snd_mss = 536;
    ck_assert_uint_eq(tcp_initial_window(t), 5360);
    t->snd_mss = 9000 - 40; /* max(2*MSS, 14600) caps it */
    ck_assert_uint_eq(tcp_initial_window(t), 2 * (9000 - 40));
    tcp_tcb_free(t);
    unlock();
}
END_TEST

static void drain(void)
{
    while (tx_pop_tcp(&H, &S))
        ;
}

START_TEST(rfc5681_3_1_slow_start_then_congestion_avoidance)
{
    struct tcp_cb *t = established(65535);
    queue(t, 40 * MSS);
    drain();
    ck_assert_uint_eq(t->snd_nxt, ISS + 1 + 10 * MSS);
    /* slow start: +min(acked, SMSS) per ACK (RFC 3465 L = 1 SMSS) */
    peer_ack(t, ISS + 1 + MSS, 65535);
    ck_assert_uint_eq(t->cwnd, 11 * MSS);
    peer_ack(t, ISS + 1 + 3 * MSS, 65535); /* two segments in one ACK: still +1 SMSS */
    ck_assert_uint_eq(t->cwnd, 12 * MSS);
    drain();
    ck_assert_uint_eq(t->snd_nxt, ISS + 1 + 15 * MSS); /* una + cwnd */
    /* congestion avoidance: +1 SMSS per cwnd bytes acknowledged */
    lock();
    t->ssthresh = t->cwnd;
    unlock();
    uint32_t una = ISS + 1 + 3 * MSS, cwnd = t->cwnd;
    for (unsigned i = 0; i < 11; i++) {
        una += MSS;
        peer_ack(t, una, 65535);
        ck_assert_uint_eq(t->cwnd, cwnd);
        drain();
    }
    una += MSS; /* 12 * 1460 = cwnd bytes acknowledged */
    peer_ack(t, una, 65535);
    ck_assert_uint_eq(t->cwnd, cwnd + MSS);
    ck_assert_uint_eq(t->bytes_acked, 0);
}
END_TEST

/* The peer's window bounds the flight too (RFC 9293 3.8.6, RFC 5681 3.1). */
START_TEST(rfc9293_3_8_6_send_window_limits_flight)
{
    struct tcp_cb *t = established(3 * MSS);
    queue(t, 5 * MSS);
    for (unsigned i = 0; i < 3; i++)
        expect_data(ISS + 1 + i * MSS, MSS);
    tcp_h_expect_none(&H);
    peer_ack(t, ISS + 1 + MSS, 3 * MSS);
    expect_data(ISS + 1 + 3 * MSS, MSS);
    tcp_h_expect_none(&H);
}
END_TEST

/* ---- Nagle, sender SWS, FIN ------------------------------------------------------------ */

START_TEST(rfc1122_4_2_3_4_nagle_holds_small_segment)
{
    struct tcp_cb *t = established(65535);
    queue(t, 100);
    expect_data(ISS + 1, 100); /* nothing outstanding: goes */
    queue(t, 100);
    queue(t, 100);
    tcp_h_expect_none(&H); /* data outstanding: small segments wait */
    peer_ack(t, ISS + 101, 65535);
    expect_data(ISS + 101, 200); /* coalesced */
    tcp_h_expect_none(&H);
}
END_TEST

START_TEST(rfc1122_4_2_3_4_nodelay_sends_small_segment)
{
    struct tcp_cb *t = established(65535);
    t->nodelay = true;
    queue(t, 100);
    expect_data(ISS + 1, 100);
    queue(t, 100);
    expect_data(ISS + 101, 100);
    tcp_h_expect_none(&H);
}
END_TEST

/* A full-sized segment is never held; only the sub-MSS tail is. */
START_TEST(rfc1122_4_2_3_4_nagle_full_segments_go)
{
    struct tcp_cb *t = established(65535);
    queue(t, 100);
    expect_data(ISS + 1, 100);
    queue(t, 2 * MSS + 50);
    expect_data(ISS + 101, MSS);
    expect_data(ISS + 101 + MSS, MSS);
    tcp_h_expect_none(&H);
}
END_TEST

/* The FIN goes after the last data (on it), and is not held by Nagle. */
START_TEST(rfc9293_3_6_fin_follows_data)
{
    struct tcp_cb *t = established(65535);
    queue(t, 100);
    expect_data(ISS + 1, 100);
    queue(t, 50);
    tcp_h_expect_none(&H);
    lock();
    t->fin_queued = true;
    tcp_set_state(t, TCP_FIN_WAIT_1);
    tcp_output(t);
    unlock();
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_ACK | TCP_PSH | TCP_FIN);
    ck_assert_uint_eq(S.seq, ISS + 101);
    ck_assert_uint_eq(S.dlen, 50);
    ck_assert(t->fin_sent);
    ck_assert_uint_eq(t->fin_seq, ISS + 151);
    ck_assert_uint_eq(t->snd_nxt, ISS + 152);
    /* the FIN alone is retransmitted by the timer after the data is acked */
    ck_assert(!peer_ack(t, ISS + 151, 65535));
    ck_assert_uint_eq(t->rto, 200 * MS); /* a sample of 0 s: the floor */
    harness_advance(&H, 200 * MS);
    tcp_h_expect(&H, TCP_ACK | TCP_FIN, ISS + 151, IRS + 1);
    tcp_h_expect_none(&H);
    ck_assert(peer_ack(t, ISS + 152, 65535)); /* our FIN is acknowledged */
    ck_assert(!timer_pending(&t->rexmt));
}
END_TEST

/* Sender SWS: with a small offered window (less than an MSS and less than
 * half the largest window seen) the sender waits rather than dribble. */
START_TEST(rfc1122_4_2_3_4_sender_sws_avoidance)
{
    struct tcp_cb *t = established(65535);
    queue(t, MSS);
    expect_data(ISS + 1, MSS);
    /* the peer acknowledges but its buffer is nearly full: 1000 bytes */
    peer_ack(t, ISS + 1 + MSS, 1000);
    queue(t, 3 * MSS);
    tcp_h_expect_none(&H); /* 1000 < MSS and < 65535/2 */
    ck_assert(timer_pending(&t->persist));
    /* the window opens to 40000: full segments go */
    peer_ack(t, ISS + 1 + MSS, 40000);
    for (unsigned i = 0; i < 3; i++)
        expect_data(ISS + 1 + MSS + i * MSS, MSS);
    ck_assert(!timer_pending(&t->persist));
}
END_TEST

/* ---- persist (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17) ---------------------------------------- */

START_TEST(rfc1122_4_2_2_17_zero_window_probes_with_backoff)
{
    struct tcp_cb *t = established(0);
    queue(t, 100);
    tcp_h_expect_none(&H);
    ck_assert(timer_pending(&t->persist));
    ck_assert(!timer_pending(&t->rexmt));
    /* probes of one new octet after 1 s, then 2 s, 4 s (backoff) */
    const glass_time_t gaps[] = {1 * SEC, 2 * SEC, 4 * SEC, 8 * SEC};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(gaps); i++) {
        harness_advance(&H, gaps[i] - 1);
        tcp_h_expect_none(&H);
        harness_advance(&H, 1);
        expect_data(ISS + 1, 1);
        tcp_h_expect_none(&H);
        peer_ack(t, ISS + 1, 0); /* still closed: the byte is not taken */
        tcp_h_expect_none(&H);
    }
    ck_assert_uint_eq(ctr("tcp.persist_probes"), 4);
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 0); /* probe answers are not loss */
    ck_assert_uint_eq(ctr("tcp.retransmits"), 0);
    /* the window opens: everything goes, probing stops */
    peer_ack(t, ISS + 1, 1000);
    expect_data(ISS + 1, 100);
    tcp_h_expect_none(&H);
    ck_assert(!timer_pending(&t->persist));
    ck_assert(timer_pending(&t->rexmt));
    peer_ack(t, ISS + 101, 1000);
    ck_assert_uint_eq(t->sndbuf.len, 0);
}
END_TEST

/* RFC 1122 4.2.2.17: "MUST NOT close the connection" while the peer keeps
 * answering probes, however long the window stays shut; the interval
 * stops growing at rto_max. */
START_TEST(rfc1122_4_2_2_17_persist_never_gives_up)
{
    cfg()->rto_max = 60 * SEC;
    cfg()->retries = 3;
    struct tcp_cb *t = established(0);
    queue(t, 10);
    unsigned probes = 0;
    glass_time_t last = 0, now = 0;
    for (int sec = 0; sec < 30 * 60; sec++) {
        harness_advance(&H, 1 * SEC);
        now += SEC;
        if (!tx_pop_tcp(&H, &S))
            continue;
        ck_assert_uint_eq(S.seq, ISS + 1);
        ck_assert_uint_eq(S.dlen, 1);
        tcp_h_expect_none(&H);
        if (probes >= 6)
            ck_assert_uint_eq(now - last, 60 * SEC); /* capped at rto_max */
        last = now;
        probes++;
        peer_ack(t, ISS + 1, 0); /* answered, window still shut */
    }
    /* 1, 2, 4, 8, 16, 32 s, then every 60 s: 6 + 28 probes */
    ck_assert_uint_eq(probes, 34);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    ck_assert_uint_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 0);
    /* when the peer takes the probe byte, the rest follows once the
     * window opens */
    harness_advance(&H, 60 * SEC);
    expect_data(ISS + 1, 1);
    tcp_h_expect_none(&H);
    peer_ack(t, ISS + 2, 100);
    expect_data(ISS + 2, 9);
}
END_TEST

/* An orphan (the user closed: FIN queued behind data) facing a peer that
 * answers every probe with a zero window must not live for ever -- the
 * peer could pin control blocks until max_tcbs runs out.  Like Linux's
 * tcp_probe_timer for a dead socket (tcp_orphan_retries = 8), it gets 8
 * probes, answered or not, then goes. */
START_TEST(rfc1122_4_2_2_17_orphan_zero_window_does_not_live_for_ever)
{
    struct tcp_cb *t = established(0);
    queue(t, 10);
    lock();
    t->fin_queued = true; /* tcp_user_close: FIN-WAIT-1, no socket */
    tcp_set_state(t, TCP_FIN_WAIT_1);
    tcp_output(t);
    unlock();
    tcp_h_expect_none(&H); /* the FIN waits behind the data */
    unsigned probes = 0;
    for (int sec = 0; sec < 60 * 60 && tcp_h_find(&H, LPORT, PPORT) == t; sec++) {
        harness_advance(&H, 1 * SEC);
        if (!tx_pop_tcp(&H, &S))
            continue;
        ck_assert_uint_eq(S.seq, ISS + 1);
        probes++;
        if (tcp_h_find(&H, LPORT, PPORT) == t)
            peer_ack(t, ISS + 1, 0); /* alive, window still shut */
    }
    ck_assert_uint_eq(probes, 8);
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT)); /* freed */
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 1);
}
END_TEST

/* The peer shuts its window while our data is in flight: the RTO hands
 * over to probing, which does not count toward giving up while the peer
 * answers; once the answers stop, cfg.retries probes later it is over. */
START_TEST(rfc1122_4_2_2_17_window_closes_with_data_in_flight)
{
    cfg()->retries = 3;
    struct tcp_cb *t = established(65535);
    send_segments(t, 3);
    peer_ack(t, ISS + 1 + MSS, 0); /* took one segment, then shut */
    tcp_h_expect_none(&H);
    glass_time_t rto = t->rto;
    ck_assert_uint_eq(rto, 200 * MS); /* the ACK gave a sample */
    harness_advance(&H, rto); /* RTO: zero window, so probe instead */
    tcp_h_expect_none(&H);
    ck_assert(timer_pending(&t->persist));
    ck_assert(!timer_pending(&t->rexmt));
    ck_assert_uint_eq(ctr("tcp.retransmits"), 0);
    for (int i = 0; i < 6; i++) { /* more answered probes than retries */
        harness_advance(&H, (rto << i) - 1);
        tcp_h_expect_none(&H);
        harness_advance(&H, 1);
        expect_data(ISS + 1 + MSS, 1);
        tcp_h_expect_none(&H);
        peer_ack(t, ISS + 1 + MSS, 0);
    }
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    ck_assert_uint_eq(ctr("tcp.persist_probes"), 6);
    /* the peer goes silent: 3 unanswered probes, then ETIMEDOUT */
    for (int i = 6; i < 9; i++) {
        harness_advance(&H, rto << i);
        expect_data(ISS + 1 + MSS, 1);
    }
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    harness_advance(&H, (rto << 9) - 1);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    harness_advance(&H, 1);
    tcp_h_expect_none(&H);
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT));
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 1);
}
END_TEST

/* Window reopening after a close with data in flight: everything from
 * SND.UNA goes again. */
START_TEST(rfc1122_4_2_2_17_window_reopens_resends_from_snd_una)
{
    struct tcp_cb *t = established(65535);
    send_segments(t, 3);
    peer_ack(t, ISS + 1 + MSS, 0);
    harness_advance(&H, 2 * t->rto); /* RTO -> persist -> one probe */
    expect_data(ISS + 1 + MSS, 1);
    tcp_h_expect_none(&H);
    peer_ack(t, ISS + 1 + MSS, 65535);
    expect_data(ISS + 1 + MSS, MSS);
    expect_data(ISS + 1 + 2 * MSS, MSS);
    tcp_h_expect_none(&H);
    ck_assert(!timer_pending(&t->persist));
    ck_assert(timer_pending(&t->rexmt));
    peer_ack(t, ISS + 1 + 3 * MSS, 65535);
    ck_assert_uint_eq(t->sndbuf.len, 0);
    ck_assert(!timer_pending(&t->rexmt));
}
END_TEST

/* ---- ACK policy (RFC 1122 4.2.3.2) ------------------------------------------------------- */

/* As tcp_input does for in-order text: RCV.NXT moves, the policy runs. */
static void data_arrives(struct tcp_cb *t, size_t len)
{
    lock();
    t->rcv_nxt += (uint32_t)len;
    C.snd_nxt += (uint32_t)len;
    tcp_ack_received_data(t, len);
    unlock();
}

START_TEST(rfc1122_4_2_3_2_delayed_ack_fires_at_200ms)
{
    struct tcp_cb *t = established(65535);
    data_arrives(t, 100);
    tcp_h_expect_none(&H);
    harness_advance(&H, 200 * MS - 1);
    tcp_h_expect_none(&H);
    harness_advance(&H, 1);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 101);
    ck_assert_uint_eq(ctr("tcp.delayed_acks"), 1);
    harness_advance(&H, 1 * SEC);
    tcp_h_expect_none(&H);
}
END_TEST

START_TEST(rfc1122_4_2_3_2_every_second_full_segment_acked_at_once)
{
    struct tcp_cb *t = established(65535);
    data_arrives(t, MSS);
    tcp_h_expect_none(&H);
    data_arrives(t, MSS);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1 + 2 * MSS);
    ck_assert(!timer_pending(&t->delack));
    data_arrives(t, MSS);
    tcp_h_expect_none(&H);
    data_arrives(t, MSS);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1 + 4 * MSS);
    ck_assert_uint_eq(ctr("tcp.delayed_acks"), 0);
}
END_TEST

/* tcp_ackbatch.c: inside a receive batch (the frames one poll reads), the
 * "every second segment" ACK waits for the end of the batch and then one
 * ACK covers all of it (RFC 5681 4.2's SHOULD met by the batch, as GRO
 * does for Linux). */
static void batch(bool begin)
{
    lock();
    if (begin)
        tcp_ack_batch_begin(H.stack);
    else
        tcp_ack_batch_end(H.stack);
    unlock();
}

static void peer_data(size_t len)
{
    static uint8_t d[MSS];
    tcp_h_send(&C, C.snd_nxt, C.rcv_nxt, TCP_ACK, d, len);
    C.snd_nxt += (uint32_t)len;
}

START_TEST(rfc5681_4_2_one_ack_per_receive_batch)
{
    established(65535);
    batch(true);
    for (int i = 0; i < 6; i++)
        peer_data(MSS);
    tcp_h_expect_none(&H); /* six full segments, no ACK yet */
    batch(false);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1 + 6 * MSS);
    tcp_h_expect_none(&H);
    /* outside a batch: every second segment, as before */
    peer_data(MSS);
    tcp_h_expect_none(&H);
    peer_data(MSS);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1 + 8 * MSS);
}
END_TEST

/* An out-of-order segment inside a batch is ACKed at once: the sender
 * counts duplicate ACKs (RFC 5681 4.2 "immediate ACK"), so they are
 * never folded into one. */
START_TEST(rfc5681_4_2_duplicate_acks_not_batched)
{
    established(65535);
    static uint8_t d[MSS];
    batch(true);
    tcp_h_send(&C, C.snd_nxt + MSS, C.rcv_nxt, TCP_ACK, d, MSS);     /* a hole before it */
    tcp_h_send(&C, C.snd_nxt + 2 * MSS, C.rcv_nxt, TCP_ACK, d, MSS);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    batch(false);
    tcp_h_expect_none(&H);
}
END_TEST

/* A control block freed inside the batch leaves it (no use after free at
 * the end: ASan would see it). */
START_TEST(rfc5681_4_2_batch_survives_a_reset)
{
    established(65535);
    batch(true);
    peer_data(MSS);
    peer_data(MSS);
    ck_assert_ptr_eq(H.stack->tcp->ack_deferred, tcp_h_find(&H, LPORT, PPORT)); /* ACK owed */
    tcp_h_send(&C, C.snd_nxt, C.rcv_nxt, TCP_RST, NULL, 0);
    /* the freed block is off the deferred list before the batch ends
     * (decisive without ASan too) */
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT));
    ck_assert_ptr_null(H.stack->tcp->ack_deferred);
    batch(false);
    tcp_h_expect_none(&H);
}
END_TEST

/* Data we send carries the owed ACK: no separate ACK, and the delayed-ACK
 * timer is cancelled. */
START_TEST(rfc9293_3_8_6_3_ack_piggybacks_on_data)
{
    struct tcp_cb *t = established(65535);
    data_arrives(t, 100);
    queue(t, 10);
    expect_data(ISS + 1, 10);
    ck_assert_uint_eq(S.ack, IRS + 101);
    ck_assert(!timer_pending(&t->delack));
    harness_advance(&H, 1 * SEC - 1);
    tcp_h_expect_none(&H);
}
END_TEST

/* ---- receiver SWS (RFC 1122 4.2.3.3) ------------------------------------------------------- */

START_TEST(rfc1122_4_2_3_3_window_update_only_when_opened_enough)
{
    struct tcp_cb *t = established(65535);
    lock();
    t->rcvbuf.max = 8000; /* threshold min(8000/2, MSS) = 1460 */
    unlock();
    uint8_t junk[8000] = {0};
    /* the peer fills the whole window */
    lock();
    ck_assert_uint_eq(tcp_rcv_window(t), 8000);
    tcp_send_ack(t);
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->rcvbuf, junk, 8000), 8000);
    t->rcv_nxt += 8000;
    C.snd_nxt += 8000;
    tcp_send_ack(t);
    unlock();
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.wnd, 8000);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.wnd, 0);
    /* the user reads 1000 bytes: not worth a window update */
    lock();
    tcp_buf_drop(&t->rcvbuf, 1000);
    tcp_rcv_consumed(t);
    unlock();
    tcp_h_expect_none(&H);
    lock();
    ck_assert_uint_eq(tcp_rcv_window(t), 0); /* still advertises 0 (no SWS) */
    tcp_buf_drop(&t->rcvbuf, 460);           /* 1460 free now: update */
    tcp_rcv_consumed(t);
    unlock();
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_ACK);
    ck_assert_uint_eq(S.ack, IRS + 8001);
    ck_assert_uint_eq(S.wnd, 1460);
    tcp_h_expect_none(&H);
}
END_TEST

/* ---- keepalive (RFC 1122 4.2.3.6) ------------------------------------------------------------- */

START_TEST(rfc1122_4_2_3_6_keepalive_probes_then_etimedout)
{
    struct tcp_cb *t = established(65535);
    lock();
    t->keepalive_on = true;
    t->keepidle = 10 * SEC;
    t->keepintvl = 2 * SEC;
    t->keepcnt = 3;
    tcp_timer_keepalive_reset(t);
    unlock();
    harness_advance(&H, 10 * SEC - 1);
    tcp_h_expect_none(&H);
    harness_advance(&H, 1);
    /* <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data */
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_ACK);
    ck_assert_uint_eq(S.seq, ISS);
    ck_assert_uint_eq(S.ack, IRS + 1);
    ck_assert_uint_eq(S.dlen, 0);
    for (int i = 0; i < 2; i++) {
        harness_advance(&H, 2 * SEC);
        tcp_h_expect(&H, TCP_ACK, ISS, IRS + 1);
    }
    ck_assert_uint_eq(ctr("tcp.keepalive_probes"), 3);
    harness_advance(&H, 2 * SEC - 1);
    tcp_h_expect_none(&H);
    harness_advance(&H, 1);
    tcp_h_expect(&H, TCP_RST | TCP_ACK, ISS + 1, IRS + 1);
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT));
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 1);
}
END_TEST

START_TEST(rfc1122_4_2_3_6_keepalive_answered_keeps_connection)
{
    struct tcp_cb *t = established(65535);
    lock();
    t->keepalive_on = true;
    t->keepidle = 10 * SEC;
    t->keepintvl = 2 * SEC;
    t->keepcnt = 2;
    tcp_timer_keepalive_reset(t);
    unlock();
    harness_advance(&H, 10 * SEC);
    tcp_h_expect(&H, TCP_ACK, ISS, IRS + 1);
    for (int round = 0; round < 3; round++) {
        harness_advance(&H, 1 * SEC);
        lock();
        tcp_timer_keepalive_reset(t); /* the peer answered the probe */
        unlock();
        harness_advance(&H, 10 * SEC - 1); /* idle counts from the answer */
        tcp_h_expect_none(&H);
        harness_advance(&H, 1);
        tcp_h_expect(&H, TCP_ACK, ISS, IRS + 1);
    }
    ck_assert_uint_eq(ctr("tcp.keepalive_probes"), 4);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 0);
}
END_TEST

/* Keepalive is off by default: an idle connection sends nothing. */
START_TEST(rfc1122_4_2_3_6_keepalive_off_by_default)
{
    struct tcp_cb *t = established(65535);
    lock();
    tcp_timer_keepalive_reset(t);
    unlock();
    harness_advance(&H, 3 * 7200 * SEC);
    tcp_h_expect_none(&H);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
}
END_TEST

/* ---- TIME-WAIT (RFC 9293 3.6) ---------------------------------------------------------------------- */

START_TEST(rfc9293_3_6_time_wait_lasts_2msl)
{
    cfg()->msl = 30 * SEC;
    struct tcp_cb *t = established(65535);
    lock();
    tcp_set_state(t, TCP_TIME_WAIT);
    tcp_timer_time_wait(t);
    unlock();
    harness_advance(&H, 60 * SEC - 1);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), t);
    harness_advance(&H, 1);
    ck_assert_ptr_null(tcp_h_find(&H, LPORT, PPORT));
    tcp_h_expect_none(&H);
}
END_TEST

/* ---- RST and challenge ACK forms -------------------------------------------------------------------- */

START_TEST(rfc9293_3_10_7_1_rst_reply_forms)
{
    struct tcp_seg seg = {.src = A(H_PEER_IP), .dst = A(H_OUR_IP), .sport = htons(PPORT),
                          .dport = htons(81), .seq = 500, .ack = 9000, .len = 10,
                          .flags = TCP_ACK};
    lock();
    tcp_send_rst_reply(H.stack, &seg); /* ACK: <SEQ=SEG.ACK><CTL=RST> */
    seg.flags = TCP_SYN;
    seg.len = 1;
    tcp_send_rst_reply(H.stack, &seg); /* no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK> */
    seg.flags = TCP_RST | TCP_ACK;
    tcp_send_rst_reply(H.stack, &seg); /* never answer a RST */
    unlock();
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_RST);
    ck_assert_uint_eq(S.seq, 9000);
    ck_assert_uint_eq(S.sport, 81);
    ck_assert_uint_eq(S.dport, PPORT);
    ck_assert_uint_eq(S.src, A(H_OUR_IP));
    ck_assert_uint_eq(S.dst, A(H_PEER_IP));
    tcp_h_expect(&H, TCP_RST | TCP_ACK, 0, 501);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.rst_sent"), 2);
}
END_TEST

START_TEST(rfc5961_7_challenge_ack_rate_limit)
{
    cfg()->challenge_ack_limit = 3;
    struct tcp_cb *t = established(65535);
    lock();
    for (int i = 0; i < 5; i++)
        tcp_send_challenge_ack(t);
    unlock();
    for (int i = 0; i < 3; i++)
        tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.challenge_acks"), 3);
    ck_assert_uint_eq(ctr("tcp.challenge_limited"), 2);
    harness_advance(&H, 1 * SEC);
    lock();
    tcp_send_challenge_ack(t);
    unlock();
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
}
END_TEST

START_TEST(rfc9293_3_10_5_abort_sends_rst)
{
    struct tcp_cb *t = established(65535);
    queue(t, 100);
    expect_data(ISS + 1, 100);
    lock();
    tcp_send_rst(t);
    unlock();
    tcp_h_expect(&H, TCP_RST | TCP_ACK, ISS + 101, IRS + 1);
}
END_TEST

/* ---- segment sizes (RFC 9293 3.7.1) ---------------------------------------------------------------- */

START_TEST(rfc9293_3_7_1_mss_from_peer_route_and_user)
{
    lock();
    struct tcp_cb *t = tcp_tcb_new(H.stack);
    t->faddr = A(H_PEER_IP);
    ck_assert_uint_eq(tcp_mss_to_advertise(H.stack, t->faddr), 1460); /* MTU 1500 - 40 */
    t->peer_mss = 8960;
    tcp_mss_update(t);
    ck_assert_uint_eq(t->snd_mss, 1460); /* the route bounds it */
    t->peer_mss = 1000;
    tcp_mss_update(t);
    ck_assert_uint_eq(t->snd_mss, 1000);
    t->user_mss = 600;
    tcp_mss_update(t);
    ck_assert_uint_eq(t->snd_mss, 600);
    t->user_mss = 0;
    t->peer_mss = 1;
    tcp_mss_update(t);
    ck_assert_uint_eq(t->snd_mss, 64); /* floor */
    tcp_tcb_free(t);
    unlock();
}
END_TEST

/* ---- through tcp_input: crafted segments from the peer ---------------------------------- */

/* RFC 6298 2 / 3: the handshake gives the first RTT sample (the SYN was
 * sent once). */
START_TEST(rfc6298_3_handshake_gives_first_sample)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&C, ISS);
    tcp_h_expect(&H, TCP_SYN, ISS, 0);
    harness_advance(&H, 30 * MS);
    uint8_t opt[4];
    tcp_h_send_opts(&C, IRS, ISS + 1, TCP_SYN | TCP_ACK, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    ck_assert_uint_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(ctr("tcp.rtt_samples"), 1);
    ck_assert_uint_eq(t->srtt, 30 * MS);
    ck_assert_uint_eq(t->rto, 200 * MS); /* 30 + 4*15 = 90 ms: floored */
    ck_assert_uint_eq(t->cwnd, 10 * MSS);
    ck_assert(!timer_pending(&t->rexmt));
}
END_TEST

/* RFC 5681 3.1: when the SYN had to be sent again, IW is one segment. */
START_TEST(rfc5681_3_1_syn_lost_initial_window_one_segment)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&C, ISS);
    tcp_h_expect(&H, TCP_SYN, ISS, 0);
    harness_advance(&H, 1 * SEC);
    tcp_h_expect(&H, TCP_SYN, ISS, 0);
    uint8_t opt[4];
    tcp_h_send_opts(&C, IRS, ISS + 1, TCP_SYN | TCP_ACK, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    ck_assert_uint_eq(ctr("tcp.rtt_samples"), 0); /* Karn: the SYN was retransmitted */
    ck_assert_uint_eq(t->cwnd, MSS);
    queue(t, 3 * MSS);
    expect_data(ISS + 1, MSS);
    tcp_h_expect_none(&H);
}
END_TEST

/* RFC 6298 5.7: the SYN timed out once, so the handshake gave no RTT
 * sample (Karn); when data transmission begins the RTO is 3 s, not the
 * 1 s initial value. */
START_TEST(rfc6298_5_7_rto_3s_after_syn_retransmitted)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&C, ISS);
    tcp_h_expect(&H, TCP_SYN, ISS, 0);
    harness_advance(&H, 1 * SEC);
    tcp_h_expect(&H, TCP_SYN, ISS, 0);
    uint8_t opt[4];
    tcp_h_send_opts(&C, IRS, ISS + 1, TCP_SYN | TCP_ACK, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    ck_assert_uint_eq(t->srtt, 0);
    ck_assert_uint_eq(t->rto, 3 * SEC);
    queue(t, MSS);
    expect_data(ISS + 1, MSS);
    harness_advance(&H, 3 * SEC - 1);
    tcp_h_expect_none(&H);
    harness_advance(&H, 1);
    expect_data(ISS + 1, MSS); /* the RTO, at 3 s */
    tcp_h_expect_none(&H);
}
END_TEST

/* The same for the SYN-ACK of a passive open. */
START_TEST(rfc6298_5_7_rto_3s_after_synack_retransmitted)
{
    tcp_h_listen_tcb(&H, LPORT, 8);
    uint8_t opt[4];
    tcp_h_send_opts(&C, IRS, 0, TCP_SYN, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_SYN | TCP_ACK);
    uint32_t iss = S.seq;
    harness_advance(&H, 1 * SEC);
    tcp_h_expect(&H, TCP_SYN | TCP_ACK, iss, IRS + 1);
    tcp_h_send(&C, IRS + 1, iss + 1, TCP_ACK, NULL, 0);
    struct tcp_cb *t = tcp_h_find(&H, LPORT, PPORT);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(t->srtt, 0);
    ck_assert_uint_eq(t->rto, 3 * SEC);
}
END_TEST

/* The SYN-ACK of a passive open is retransmitted with backoff; after
 * synack_retries the half-open child is dropped from the SYN queue. */
START_TEST(rfc6298_5_synack_retransmitted_then_dropped)
{
    cfg()->synack_retries = 2;
    struct tcp_cb *l = tcp_h_listen_tcb(&H, LPORT, 8);
    uint8_t opt[4];
    tcp_h_send_opts(&C, IRS, 0, TCP_SYN, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_SYN | TCP_ACK);
    uint32_t iss = S.seq;
    ck_assert_uint_eq(S.ack, IRS + 1);
    ck_assert_uint_eq(l->syn_q_len, 1);
    harness_advance(&H, 1 * SEC);
    tcp_h_expect(&H, TCP_SYN | TCP_ACK, iss, IRS + 1);
    harness_advance(&H, 2 * SEC);
    tcp_h_expect(&H, TCP_SYN | TCP_ACK, iss, IRS + 1);
    harness_advance(&H, 4 * SEC - 1);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(l->syn_q_len, 1);
    harness_advance(&H, 1);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(l->syn_q_len, 0);
    ck_assert_ptr_eq(tcp_h_find(&H, LPORT, PPORT), l); /* only the listener is left */
    ck_assert_uint_eq(ctr("tcp.conn_timeout"), 1);
}
END_TEST

/* RFC 5681 4.2 / RFC 1122 4.2.3.2: out-of-order data is acknowledged at
 * once (it is what makes the duplicate ACKs fast retransmit needs), and
 * so is the segment that fills the hole. */
START_TEST(rfc5681_4_2_out_of_order_acked_at_once)
{
    tcp_h_handshake_active(&C, ISS);
    uint8_t d[100] = {0};
    tcp_h_send(&C, IRS + 1 + 100, ISS + 1, TCP_ACK, d, 100); /* the first 100 are missing */
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    tcp_h_send(&C, IRS + 1 + 200, ISS + 1, TCP_ACK, d, 100);
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 1);
    tcp_h_send(&C, IRS + 1, ISS + 1, TCP_ACK, d, 100); /* fills the hole */
    tcp_h_expect(&H, TCP_ACK, ISS + 1, IRS + 301);
    tcp_h_expect_none(&H);
    ck_assert_uint_eq(ctr("tcp.delayed_acks"), 0);
}
END_TEST

/* The whole loop through tcp_input: the peer loses one segment and sends
 * duplicate ACKs; the third brings the retransmission, the ACK for
 * everything ends recovery. */
START_TEST(rfc5681_3_2_fast_retransmit_through_tcp_input)
{
    struct tcp_cb *t = tcp_h_handshake_active(&C, ISS);
    send_segments(t, 6);
    tcp_h_send(&C, IRS + 1, ISS + 1 + MSS, TCP_ACK, NULL, 0); /* segment 1 arrived */
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 0);
        /* segments 3.. arrive: each ACK says "still waiting for 2" */
        tcp_h_send(&C, IRS + 1, ISS + 1 + MSS, TCP_ACK, NULL, 0);
    }
    ck_assert_uint_eq(ctr("tcp.dup_acks"), 3);
    ck_assert_uint_eq(ctr("tcp.fast_retransmits"), 1);
    expect_data(ISS + 1 + MSS, MSS);
    tcp_h_expect_none(&H);
    tcp_h_send(&C, IRS + 1, ISS + 1 + 6 * MSS, TCP_ACK, NULL, 0);
    ck_assert(!t->in_recovery);
    ck_assert_uint_eq(t->snd_una, ISS + 1 + 6 * MSS);
    ck_assert_uint_eq(t->sndbuf.len, 0);
    ck_assert(!timer_pending(&t->rexmt));
}
END_TEST

/* RFC 9293 3.8.6.2.2 after an active open, with the peer's ISN in the
 * other half of the sequence space: the window offered shrinks as data
 * fills the buffer (the right edge stays put), and opens again only when
 * the reader frees enough (RFC 1122 4.2.3.3). */
START_TEST(rfc9293_3_8_6_2_2_window_right_edge_after_active_open)
{
    C.irs = 0xA0000000u;
    struct tcp_cb *t = tcp_h_handshake_active(&C, ISS);
    lock();
    t->rcvbuf.max = 10000; /* smaller than the 65535 already offered */
    unlock();
    uint8_t d[MSS] = {0};
    uint32_t seq = C.irs + 1;
    for (int i = 0; i < 4; i++, seq += MSS)
        tcp_h_send(&C, seq, ISS + 1, TCP_ACK, d, MSS);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.ack, C.irs + 1 + 2 * MSS);
    ck_assert_uint_eq(S.wnd, 65535 - 2 * MSS); /* never shrunk: the edge stays */
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.ack, C.irs + 1 + 4 * MSS);
    ck_assert_uint_eq(S.wnd, 65535 - 4 * MSS);
    tcp_h_expect_none(&H);
    /* the reader empties the buffer: 10000 bytes free is still less than
     * the 59695 offered, so no update, and the window stays (no shrink) */
    lock();
    tcp_buf_drop(&t->rcvbuf, t->rcvbuf.len);
    tcp_rcv_consumed(t);
    ck_assert_uint_eq(tcp_rcv_window(t), 65535 - 4 * MSS);
    unlock();
    tcp_h_expect_none(&H);
}
END_TEST

/* The give-up reaches the program: a non-blocking connect() to a peer
 * that never answers reports ETIMEDOUT through SO_ERROR once syn_retries
 * retransmissions went unanswered. */
START_TEST(rfc6298_syn_timeout_reported_as_etimedout)
{
    cfg()->syn_retries = 2;
    int fd = glass_socket(H.stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in to = sin_of(H_PEER_IP, PPORT);
    errno = 0;
    ck_assert_int_eq(glass_connect(fd, (const struct sockaddr *)&to, sizeof to), -1);
    ck_assert_int_eq(errno, EINPROGRESS);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.flags, TCP_SYN);
    uint32_t iss = S.seq;
    harness_advance(&H, 1 * SEC);
    tcp_h_expect(&H, TCP_SYN, iss, 0);
    harness_advance(&H, 2 * SEC);
    tcp_h_expect(&H, TCP_SYN, iss, 0);
    int err = 0;
    socklen_t len = sizeof err;
    harness_advance(&H, 4 * SEC - 1);
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, 0);
    harness_advance(&H, 1);
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, ETIMEDOUT);
    tcp_h_expect_none(&H);
    ck_assert_int_eq(glass_close(fd), 0);
}
END_TEST


int main(void)
{
    Suite *s = suite_create("tcp_output");
    TCase *tc = tcase_create("sender");
    tcase_add_checked_fixture(tc, setup, teardown);
    ADD(tc, rfc6298_2_rto_from_samples);
    ADD(tc, rfc6298_3_sample_from_timed_segment);
    ADD(tc, rfc6298_3_karn_no_sample_from_retransmission);
    ADD(tc, rfc6298_5_5_backoff_doubles_up_to_rto_max);
    ADD(tc, rfc6298_5_syn_retransmitted_with_backoff_then_etimedout);
    ADD(tc, rfc6298_retries_exhausted_gives_up);
    ADD(tc, rfc5681_3_1_rto_collapses_cwnd_go_back_n);
    ADD(tc, rfc5681_3_2_third_dupack_retransmits);
    ADD(tc, rfc5681_2_what_is_not_a_duplicate_ack);
    ADD(tc, rfc6582_3_2_partial_ack_retransmits_next_hole);
    ADD(tc, rfc6582_3_2_loss_right_after_recovery_fast_retransmits);
    ADD(tc, rfc6582_4_no_fast_retransmit_below_recover_after_rto);
    ADD(tc, rfc3042_limited_transmit_on_first_two_dupacks);
    ADD(tc, rfc3042_limited_transmit_respects_window_and_nagle);
    ADD(tc, rfc3042_limited_transmit_holds_small_segment_nagle);
    ADD(tc, rfc6928_initial_window_ten_segments);
    ADD(tc, rfc5681_3_1_initial_window_one_segment_after_syn_loss);
    ADD(tc, rfc5681_3_1_slow_start_then_congestion_avoidance);
    ADD(tc, rfc9293_3_8_6_send_window_limits_flight);
    ADD(tc, rfc1122_4_2_3_4_nagle_holds_small_segment);
    ADD(tc, rfc1122_4_2_3_4_nodelay_sends_small_segment);
    ADD(tc, rfc1122_4_2_3_4_nagle_full_segments_go);
    ADD(tc, rfc9293_3_6_fin_follows_data);
    ADD(tc, rfc1122_4_2_3_4_sender_sws_avoidance);
    ADD(tc, rfc1122_4_2_2_17_zero_window_probes_with_backoff);
    ADD(tc, rfc1122_4_2_2_17_persist_never_gives_up);
    ADD(tc, rfc1122_4_2_2_17_orphan_zero_window_does_not_live_for_ever);
    ADD(tc, rfc1122_4_2_2_17_window_closes_with_data_in_flight);
    ADD(tc, rfc1122_4_2_2_17_window_reopens_resends_from_snd_una);
    ADD(tc, rfc1122_4_2_3_2_delayed_ack_fires_at_200ms);
    ADD(tc, rfc1122_4_2_3_2_every_second_full_segment_acked_at_once);
    ADD(tc, rfc5681_4_2_one_ack_per_receive_batch);
    ADD(tc, rfc5681_4_2_duplicate_acks_not_batched);
    ADD(tc, rfc5681_4_2_batch_survives_a_reset);
    ADD(tc, rfc9293_3_8_6_3_ack_piggybacks_on_data);
    ADD(tc, rfc1122_4_2_3_3_window_update_only_when_opened_enough);
    ADD(tc, rfc1122_4_2_3_6_keepalive_probes_then_etimedout);
    ADD(tc, rfc1122_4_2_3_6_keepalive_answered_keeps_connection);
    ADD(tc, rfc1122_4_2_3_6_keepalive_off_by_default);
    ADD(tc, rfc9293_3_6_time_wait_lasts_2msl);
    ADD(tc, rfc9293_3_10_7_1_rst_reply_forms);
    ADD(tc, rfc5961_7_challenge_ack_rate_limit);
    ADD(tc, rfc9293_3_10_5_abort_sends_rst);
    ADD(tc, rfc9293_3_7_1_mss_from_peer_route_and_user);
    ADD(tc, rfc6298_3_handshake_gives_first_sample);
    ADD(tc, rfc5681_3_1_syn_lost_initial_window_one_segment);
    ADD(tc, rfc6298_5_synack_retransmitted_then_dropped);
    ADD(tc, rfc6298_5_7_rto_3s_after_syn_retransmitted);
    ADD(tc, rfc6298_5_7_rto_3s_after_synack_retransmitted);
    ADD(tc, rfc5681_4_2_out_of_order_acked_at_once);
    ADD(tc, rfc5681_3_2_fast_retransmit_through_tcp_input);
    ADD(tc, rfc9293_3_8_6_2_2_window_right_edge_after_active_open);
    ADD(tc, rfc6298_syn_timeout_reported_as_etimedout);
    suite_add_tcase(s, tc);
    return harness_run_suite(s);
}
