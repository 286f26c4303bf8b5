/* check_tcp_rack.c - RFC 8985 RACK-TLP on the virtual clock: a lost
 * tail repaired by a tail loss probe (7) without an RTO, a lost
 * retransmission found by RACK (6.2) and sent again without an RTO,
 * reordering inside the reordering window not taken for loss and the
 * reordering timer (6.3) when it goes beyond, the bound of the record of
 * sent segments, no probe with nothing outstanding, and Karn's rule kept
 * when a probe is a retransmission.
 *
 * Like check_tcp_sack.c, a sender control block (SACK on, MSS 1000,
 * NewReno) sends segments at known times and parsed ACKs go to
 * tcp_ack_input; the timers run by harness_advance.  Segment numbers in
 * comments are MSS-sized from the first byte.  SRTT starts at 10 ms, so
 * PTO = 2*SRTT = 20 ms, well before the 200 ms RTO.
 * GLASS_TEST_TRACE=1 prints the tcp trace. */
#include "tcp_harness.h"

#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "tcp.h"
#include "timer.h"

#define MS GLASS_USEC_PER_MSEC
#define ISS 1000000u
#define IRS 7000000u
#define MSS 1000u
#define LPORT 80
#define PPORT 40000

static struct harness H;

static void setup(void)
{
    tcp_h_start_sender(&H);
    struct glass_tcp_config cfg;
    glass_tcp_config_get(H.stack, &cfg);
    ck_assert_int_eq(cfg.rack, 1); /* on by default */
}

static void teardown(void)
{
    harness_fini(&H);
}

static void lock(void) { glass_stack_lock(H.stack); }
static void unlock(void) { glass_stack_unlock(H.stack); }
static uint64_t ctr(const char *name) { return counter(&H, name); }

struct rseg {
    uint32_t seq;
    uint8_t flags;
    size_t dlen;
};

static bool pop(struct rseg *r)
{
    struct tcp_h_rx x;
    if (!tcp_h_pop_opts(&H, &x))
        return false;
    r->seq = x.seq;
    r->flags = x.flags;
    r->dlen = x.dlen;
    return true;
}

static uint32_t sq(double k)
{
    return ISS + 1 + (uint32_t)(k * MSS);
}

static void expect_none(void)
{
    struct rseg r;
    ck_assert_msg(!pop(&r), "unexpected segment %g len=%zu", (double)(r.seq - sq(0)) / MSS,
                  r.dlen);
}

static void expect_seg(double k)
{
    struct rseg r;
    ck_assert_msg(pop(&r), "expected segment %g, nothing sent", k);
    ck_assert_msg(r.seq == sq(k), "sent segment %g, expected %g", (double)(r.seq - sq(0)) / MSS,
                  k);
    ck_assert_uint_eq(r.dlen, MSS);
}

/* ESTABLISHED with SACK on, SRTT 10 ms, `queued` segments in the send
 * buffer of which the first `n` go now (the initial window is 10). */
static struct tcp_cb *sender(unsigned queued, unsigned n)
{
    struct tcp_cb *t = tcp_h_established_tcb(&H, LPORT, PPORT, ISS, IRS, MSS, n * MSS, true);
    lock();
    t->srtt = 10 * MS;
    t->rttvar = 5 * MS;
    t->rto = 200 * MS;
    static uint8_t b[65536];
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, queued * MSS), queued * MSS);
    tcp_output(t);
    unlock();
    for (unsigned i = 0; i < n; i++)
        expect_seg(i);
    expect_none();
    return t;
}

/* An ACK from the peer with n SACK blocks in segment units; the window
 * stays what `sender` set unless wnd is given. */
static void ack_w(struct tcp_cb *t, double ack, uint32_t wnd, unsigned n, const double *blk)
{
    struct tcp_seg seg = {
        .src = A(H_PEER_IP),
        .dst = A(H_OUR_IP),
        .sport = htons(PPORT),
        .dport = htons(LPORT),
        .seq = IRS + 1,
        .ack = sq(ack),
        .wnd = wnd,
        .flags = TCP_ACK,
    };
    seg.opts.nsack = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        seg.opts.sack[i].left = sq(blk[2 * i]);
        seg.opts.sack[i].right = sq(blk[2 * i + 1]);
    }
    lock();
    tcp_ack_input(t, &seg);
    unlock();
}

static void ack(struct tcp_cb *t, double a, unsigned n, const double *blk)
{
    ack_w(t, a, t->snd_wnd, n, blk);
}

/* RFC 8985 7: segments 5-9, the tail, are lost: no duplicate ACK can
 * come.  The PTO (2*SRTT after the last ACK) resends segment 9; its SACK
 * shows 5-8 missing, RACK marks them lost (sent 30 ms before a delivered
 * segment, more than RACK.rtt + reo_wnd), and recovery repairs them --
 * no RTO. */
START_TEST(rfc8985_7_tail_loss_repaired_by_probe_without_rto)
{
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 0, NULL);
    expect_none();
    harness_advance(&H, 19 * MS);
    expect_none(); /* PTO not yet */
    harness_advance(&H, 1 * MS);
    expect_seg(9); /* 7.3: no new data: the last segment again */
    expect_none();
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 1);
    ck_assert_uint_eq(ctr("tcp.tlp_probes_new"), 0);
    ck_assert(t->rack.tlp_out);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 1, (const double[]){9, 10});
    ck_assert(t->in_recovery);
    ck_assert_uint_eq(ctr("tcp.rack_lost"), 4);
    ck_assert_uint_eq(ctr("tcp.rack_recoveries"), 1);
    /* cwnd = ssthresh = FlightSize / 2 = 2500: two of the four now */
    expect_seg(5);
    expect_seg(6);
    expect_none();
    harness_advance(&H, 10 * MS);
    ack(t, 7, 1, (const double[]){9, 10});
    expect_seg(7);
    expect_seg(8);
    expect_none();
    harness_advance(&H, 10 * MS);
    ack(t, 10, 0, NULL);
    ck_assert(!t->in_recovery);
    ck_assert_uint_eq(t->snd_una, sq(10));
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 5);
    ck_assert(!t->rack.tlp_out);
    harness_advance(&H, 1000 * MS);
    expect_none();
}
END_TEST

/* RFC 8985 7.3: with unsent data the window allows, the probe is new
 * data, not a retransmission. */
START_TEST(rfc8985_7_3_probe_sends_new_data_when_window_allows)
{
    struct tcp_cb *t = sender(12, 10);      /* the peer's window: 10 segments */
    harness_advance(&H, 10 * MS);
    ack_w(t, 5, 5 * MSS, 0, NULL);          /* 5 acked, window 5: nothing new fits */
    expect_none();
    lock();
    t->snd_wnd = 10 * MSS;                  /* a window update (as tcp_window_update) */
    t->cwnd = 5 * MSS;                      /* but cwnd is full: only a probe may go */
    unlock();
    harness_advance(&H, 20 * MS);
    /* two full-sized segments (one MSS each without TSO): the receiver
     * must ACK every second one at once (RFC 5681 4.2), where one alone
     * may wait for its delayed-ACK timer */
    expect_seg(10);
    expect_seg(11);
    expect_none();
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 1);
    ck_assert_uint_eq(ctr("tcp.tlp_probes_new"), 1);
    ck_assert_uint_eq(t->rack.tlp_end_seq, t->snd_max);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 0);
}
END_TEST

/* RFC 8985 6.2: segment 0 is lost and its retransmission too.  New data
 * sent after the retransmission is SACKed: RACK marks the retransmission
 * lost (it was sent before a delivered segment, by more than RACK.rtt +
 * reo_wnd) and it goes a third time -- RFC 6675 alone would wait for the
 * RTO, since it resends a hole only once. */
START_TEST(rfc8985_6_2_lost_retransmission_resent_without_rto)
{
    struct tcp_cb *t = sender(20, 10);
    lock();
    t->snd_wnd = t->max_snd_wnd = 65535;    /* room for new data beyond the first 10 */
    unlock();
    harness_advance(&H, 10 * MS);
    ack(t, 0, 1, (const double[]){1, 2});
    expect_seg(10);                            /* RFC 3042 Limited Transmit */
    ack(t, 0, 1, (const double[]){1, 3});
    expect_seg(11);
    ack(t, 0, 1, (const double[]){1, 4});     /* DupThresh: RFC 6675 recovery */
    expect_seg(0);
    expect_none();
    ck_assert(t->in_recovery);
    harness_advance(&H, 1 * MS);
    ack(t, 0, 1, (const double[]){1, 10});    /* cwnd 5000, pipe 3000 */
    expect_seg(12);                            /* new data by NextSeg rule (2) */
    expect_seg(13);
    expect_none();
    /* the retransmission of 0 is lost; 12, sent 1 ms after it, arrives */
    harness_advance(&H, 10 * MS);
    ack(t, 0, 2, (const double[]){12, 13, 1, 10});
    ck_assert_uint_eq(ctr("tcp.rack_lost_rexmit"), 1);
    expect_seg(0);                             /* the third copy, at once */
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
    /* it arrives, and the rest */
    harness_advance(&H, 10 * MS);
    while (pop(&(struct rseg){0}))
        ;
    ack(t, 14, 0, NULL);
    ck_assert_uint_eq(t->snd_una, sq(14));
    ck_assert(!t->in_recovery);
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
}
END_TEST

/* RFC 8985 6.2 step 4-5: segment 5 arrives after 6, 1 ms late: within
 * reo_wnd (min_RTT / 4 = 2.5 ms) nothing is marked lost, nothing is
 * resent, and the reordering is noted (6.2 step 3). */
START_TEST(rfc8985_6_2_reordering_within_reo_wnd_is_not_loss)
{
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 0, NULL);                         /* min_RTT = 10 ms */
    ack(t, 5, 1, (const double[]){6, 7});       /* 6 before 5 */
    ck_assert(timer_pending(&t->rack.reo_timer)); /* 6.3: 5 is due in 2.5 ms */
    harness_advance(&H, 1 * MS);
    ack(t, 7, 0, NULL);                         /* 5 arrives */
    ck_assert(!timer_pending(&t->rack.reo_timer));
    harness_advance(&H, 5 * MS);
    expect_none();
    ck_assert_uint_eq(ctr("tcp.rack_lost"), 0);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 0);
    ck_assert(!t->in_recovery);
    ck_assert(t->rack.reordering_seen);
    ck_assert_uint_eq(ctr("tcp.rack_reordering"), 1);
}
END_TEST

/* RFC 8985 6.3: the same, but 5 never comes: the reordering timer marks
 * it lost when reo_wnd has passed, and recovery resends it -- one SACK,
 * no DupThresh, no RTO. */
START_TEST(rfc8985_6_3_reordering_timer_marks_loss)
{
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 0, NULL);
    ack(t, 5, 1, (const double[]){6, 7});
    expect_none();
    harness_advance(&H, 2 * MS);
    expect_none();
    ck_assert(!t->in_recovery);
    harness_advance(&H, 1 * MS);
    ck_assert_uint_eq(ctr("tcp.rack_reo_timeouts"), 1);
    ck_assert_uint_eq(ctr("tcp.rack_lost"), 1);
    ck_assert(t->in_recovery);
    expect_seg(5);
    expect_none();
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
}
END_TEST

/* The record of sent segments starts small, doubles, and is bounded
 * (from the send buffer over the MSS): beyond it, sends merge into the newest entry (counted), and a
 * retransmission that cannot split an entry marks all of it resent. */
START_TEST(rfc8985_record_is_bounded)
{
    struct tcp_cb *t = sender(0, 0);
    lock();
    t->sndbuf.max = 8 * MSS;                /* 2 * 8 + 2 = 18 -> 32 entries */
    tcp_rack_sent(t, sq(0), sq(1), false);
    ck_assert_uint_eq(t->rack.cap, TCP_RACK_REC_MIN);   /* it starts small */
    for (unsigned i = 1; i < 40; i++)
        tcp_rack_sent(t, sq(i), sq(i + 1), false);
    ck_assert_uint_eq(t->rack.cap, 32);
    ck_assert_uint_eq(t->rack.n, 32);
    ck_assert_uint_eq(ctr("tcp.rack_rec_full"), 8);
    ck_assert_uint_eq(t->rack.rec[31].seq, sq(31));
    ck_assert_uint_eq(t->rack.rec[31].end, sq(40));
    /* half of entry 3 again: no room to split it */
    tcp_rack_sent(t, sq(3), sq(3.5), true);
    ck_assert_uint_eq(t->rack.n, 32);
    ck_assert_uint_eq(ctr("tcp.rack_rec_full"), 9);
    ck_assert(t->rack.rec[3].flags & TCP_RACK_RETRANS);
    ck_assert_uint_eq(t->rack.nretrans, 1);
    unlock();
}
END_TEST

/* A retransmission of part of an entry splits it, when there is room. */
START_TEST(rfc8985_retransmission_splits_an_entry)
{
    struct tcp_cb *t = sender(0, 0);
    lock();
    tcp_rack_sent(t, sq(0), sq(10), false);  /* a TSO super-segment: one entry */
    ck_assert_uint_eq(t->rack.n, 1);
    tcp_rack_sent(t, sq(4), sq(5), true);
    ck_assert_uint_eq(t->rack.n, 3);
    ck_assert_uint_eq(t->rack.rec[1].seq, sq(4));
    ck_assert_uint_eq(t->rack.rec[1].end, sq(5));
    ck_assert(t->rack.rec[1].flags & TCP_RACK_RETRANS);
    ck_assert(!(t->rack.rec[0].flags & TCP_RACK_RETRANS));
    ck_assert(!(t->rack.rec[2].flags & TCP_RACK_RETRANS));
    ck_assert_uint_eq(t->rack.rec[2].end, sq(10));
    unlock();
}
END_TEST

/* RFC 8985 7.2: no probe timer with nothing outstanding. */
START_TEST(rfc8985_7_2_no_probe_when_nothing_outstanding)
{
    struct tcp_cb *t = sender(2, 2);
    ck_assert(timer_pending(&t->rack.pto_timer));
    harness_advance(&H, 10 * MS);
    ack(t, 2, 0, NULL);
    ck_assert(!timer_pending(&t->rack.pto_timer));
    harness_advance(&H, 2000 * MS);
    expect_none();
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 0);
}
END_TEST

/* RFC 6298 3 (Karn) with a probe: the segment being timed is resent by
 * the PTO, so its ACK gives no RTT sample. */
START_TEST(rfc8985_7_probe_keeps_karn)
{
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 10, 0, NULL);
    lock();
    static uint8_t b[MSS];
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, MSS), MSS);
    tcp_output(t);                           /* segment 10, timed */
    ck_assert(t->rtt_timing);
    unlock();
    expect_seg(10);
    uint64_t samples = ctr("tcp.rtt_samples");
    glass_time_t srtt = t->srtt;
    /* one segment in flight: PTO = 2*SRTT + WCDelAckT (7.2) = 220 ms,
     * which is past the RTO (200 ms): the probe goes just before it */
    harness_advance(&H, 199 * MS);
    expect_none();
    harness_advance(&H, 1 * MS);
    expect_seg(10);
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 1);
    ck_assert(!t->rtt_timing);
    harness_advance(&H, 5 * MS);
    ack(t, 11, 0, NULL);
    ck_assert_uint_eq(ctr("tcp.rtt_samples"), samples);
    ck_assert_uint_eq(t->srtt, srtt);
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
}
END_TEST

/* glass's deviation from RFC 8985 7.2: a probe in RFC 6675 recovery.
 * Recovery begins (IsLost), segment 0 goes again, and then no ACK comes
 * at all (the ACKs were lost): with pipe over cwnd nothing else would go
 * until the RTO; the probe resends the last segment to draw an ACK. */
START_TEST(rfc8985_7_probe_in_sack_recovery_when_acks_stop)
{
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 0, 3, (const double[]){5, 6, 3, 4, 1, 2});
    ck_assert(t->in_recovery && t->sack.recovery);
    expect_seg(0);
    while (pop(&(struct rseg){0}))
        ;
    harness_advance(&H, 10 * MS);           /* PTO: 2*SRTT after the last send of new data */
    expect_seg(9);
    expect_none();
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 1);
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
}
END_TEST

/* RFC 8985 7.4: the tail was only late, not lost: the probe's copy
 * comes back as a D-SACK, so no loss is assumed and cwnd stays. */
START_TEST(rfc8985_7_4_dsack_for_probe_means_no_loss)
{
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 0, NULL);
    harness_advance(&H, 20 * MS);
    expect_seg(9);
    uint32_t cwnd = t->cwnd;
    harness_advance(&H, 5 * MS);
    ack(t, 10, 1, (const double[]){9, 10}); /* everything, and 9 twice */
    ck_assert(!t->rack.tlp_out);
    ck_assert_uint_eq(ctr("tcp.tlp_dsack"), 1);
    ck_assert_uint_eq(ctr("tcp.tlp_recoveries"), 0);
    ck_assert_uint_ge(t->cwnd, cwnd);
    ck_assert(!t->in_recovery);
}
END_TEST

/* RFC 8985 7.4: the probe (segment 11 again) repaired a real loss: the
 * ACK that goes past it carries no D-SACK, so the window is reduced as
 * for one loss event. */
START_TEST(rfc8985_7_4_probe_that_repaired_a_loss_reduces_cwnd)
{
    struct tcp_cb *t = sender(12, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 0, NULL);
    expect_seg(10);
    expect_seg(11);
    expect_none();
    harness_advance(&H, 20 * MS);
    expect_seg(11);                         /* the probe */
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 1);
    ck_assert_uint_eq(ctr("tcp.tlp_probes_new"), 0);
    harness_advance(&H, 1 * MS);
    lock();
    static uint8_t b[2 * MSS];
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, 2 * MSS), 2 * MSS);
    tcp_output(t);
    unlock();
    expect_seg(12);
    expect_seg(13);
    uint32_t cwnd = t->cwnd;
    harness_advance(&H, 4 * MS);
    ack(t, 12, 0, NULL);                    /* the probe's ACK: not past it yet */
    ck_assert(t->rack.tlp_out);
    ck_assert_uint_eq(ctr("tcp.tlp_recoveries"), 0);
    harness_advance(&H, 1 * MS);
    ack(t, 14, 0, NULL);
    ck_assert(!t->rack.tlp_out);
    ck_assert_uint_eq(ctr("tcp.tlp_recoveries"), 1);
    ck_assert_uint_lt(t->cwnd, cwnd);
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 0);
}
END_TEST

/* cfg.rack = 0: no probe; the RTO repairs the tail as before. */
START_TEST(rfc8985_off_by_config)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(H.stack, &cfg);
    cfg.rack = 0;
    ck_assert_int_eq(glass_tcp_config_set(H.stack, &cfg), 0);
    struct tcp_cb *t = sender(10, 10);
    harness_advance(&H, 10 * MS);
    ack(t, 5, 0, NULL);
    harness_advance(&H, 100 * MS);
    expect_none();
    ck_assert_uint_eq(ctr("tcp.tlp_probes"), 0);
    ck_assert_ptr_null(t->rack.rec);
    harness_advance(&H, 200 * MS);
    expect_seg(5);
    ck_assert_uint_eq(ctr("tcp.rto_expired"), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_rack");
    TCase *tc = tcase_create("rack");
    tcase_add_checked_fixture(tc, setup, teardown);
    ADD(tc, rfc8985_7_tail_loss_repaired_by_probe_without_rto);
    ADD(tc, rfc8985_7_3_probe_sends_new_data_when_window_allows);
    ADD(tc, rfc8985_6_2_lost_retransmission_resent_without_rto);
    ADD(tc, rfc8985_6_2_reordering_within_reo_wnd_is_not_loss);
    ADD(tc, rfc8985_6_3_reordering_timer_marks_loss);
    ADD(tc, rfc8985_record_is_bounded);
    ADD(tc, rfc8985_retransmission_splits_an_entry);
    ADD(tc, rfc8985_7_2_no_probe_when_nothing_outstanding);
    ADD(tc, rfc8985_7_probe_keeps_karn);
    ADD(tc, rfc8985_7_probe_in_sack_recovery_when_acks_stop);
    ADD(tc, rfc8985_7_4_dsack_for_probe_means_no_loss);
    ADD(tc, rfc8985_7_4_probe_that_repaired_a_loss_reduces_cwnd);
    ADD(tc, rfc8985_off_by_config);
    suite_add_tcase(s, tc);
    return harness_run_suite(s);
}
