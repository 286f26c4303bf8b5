/* check_tcp_prr.c - loss recovery throughput (issue 8, the "loss" work),
 * on the virtual clock:
 *   - RFC 6937 Proportional Rate Reduction (tcp_prr.c): during SACK
 *     recovery cwnd = pipe + sndcnt per ACK, in proportion to what the
 *     ACKs report delivered; cwnd = ssthresh when recovery ends (not
 *     RFC 6582's FlightSize + SMSS, which a drained flight makes 2 SMSS);
 *     cfg.prr = 0 keeps the old behaviour;
 *   - retransmission of a contiguous lost range as one TSO super-segment
 *     (tcp_tso.c tcp_tso_range_len, tcp_sack.c NextSeg), bounded by
 *     cwnd - pipe and by what is lost, one MSS per write without TSO;
 *   - a window sent as at least two super-segments (ACK loss);
 *   - the send buffer 2 GiB into a connection (RFC 9293 3.4).
 * A control block is built ESTABLISHED with SACK on, as check_tcp_sack.c
 * does, and parsed ACKs go to tcp_ack_input.  NewReno (ssthresh =
 * FlightSize / 2, RFC 6675 4.2) and no RACK, so the numbers are exact.
 * Segment numbers are MSS-sized (1000 bytes) from SND.UNA.
 * GLASS_TEST_TRACE=1 prints the tcp trace. */
#include "tcp_harness.h"

#include <stdlib.h>
#include <string.h>

#include "netif.h"
#include "stack.h"
#include "tcp.h"

#define ISS 1000000u
#define IRS 7000000u
#define MSS 1000u
#define LPORT 80
#define PPORT 40000

static struct harness H;

static void set_prr(int on)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(H.stack, &cfg);
    cfg.rack = 0;
    cfg.prr = on;
    ck_assert_int_eq(glass_tcp_config_set(H.stack, &cfg), 0);
}

static void setup(void)
{
    tcp_h_start_sender(&H);
    set_prr(1);
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
    size_t dlen;
};

/* The next TCP segment glass sent (ARP skipped): seq and text length (a
 * super-segment's whole text: the harness device takes it uncut). */
static bool pop(struct rseg *r)
{
    struct tcp_h_rx x;
    if (!tcp_h_pop_opts(&H, &x))
        return false;
    r->seq = x.seq;
    r->dlen = x.dlen;
    return true;
}

static uint32_t sq(double k)
{
    return ISS + 1 + (uint32_t)(k * MSS);
}

static void expect_seg(double k, unsigned nmss)
{
    struct rseg r;
    ck_assert_msg(pop(&r), "expected segment %g, nothing sent", k);
    ck_assert_msg(r.seq == sq(k), "sent segment %g, expected %g", (double)(r.seq - sq(0)) / MSS,
                  k);
    ck_assert_uint_eq(r.dlen, nmss * MSS);
}

static void expect_none(void)
{
    struct rseg r;
    ck_assert_msg(!pop(&r), "unexpected segment %g len=%zu", (double)(r.seq - sq(0)) / MSS,
                  r.dlen);
}

/* ESTABLISHED, SACK on, n segments sent one MSS each (cwnd n MSS) and
 * popped; the interface offers TSO from here on when tso. */
static struct tcp_cb *sender(unsigned n, bool tso)
{
    H.nif->features = 0;
    struct tcp_cb *t = tcp_h_established_tcb(&H, LPORT, PPORT, ISS, IRS, MSS, 65535, true);
    lock();
    t->cwnd = n * MSS;
    static uint8_t b[65536];
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, n * MSS), n * MSS);
    tcp_output(t);
    unlock();
    for (unsigned i = 0; i < n; i++)
        expect_seg(i, 1);
    expect_none();
    if (tso)
        H.nif->features = NETIF_F_TSO4 | NETIF_F_TX_CSUM_PARTIAL;
    return t;
}

/* More data for the send buffer, without sending. */
static void more_data(struct tcp_cb *t, unsigned nmss)
{
    static uint8_t b[65536];
    lock();
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, nmss * MSS), nmss * MSS);
    unlock();
}

/* An ACK of `ack` with one SACK block [l, r) in segment units (none if
 * l == r), through tcp_ack_input. */
static void ack_sack(struct tcp_cb *t, uint32_t ack, double l, double r)
{
    struct tcp_seg seg = {
        .src = A(H_PEER_IP),
        .dst = A(H_OUR_IP),
        .sport = htons(PPORT),
        .dport = htons(LPORT),
        .seq = IRS + 1,
        .ack = ack,
        .wnd = 65535,
        .flags = TCP_ACK,
    };
    if (l != r) {
        seg.opts.nsack = 1;
        seg.opts.sack[0].left = sq(l);
        seg.opts.sack[0].right = sq(r);
    }
    lock();
    tcp_ack_input(t, &seg);
    unlock();
}

/* Segment 0 of 20 lost: recovery at the third duplicate (RFC 6675 5),
 * segment 0 resent; FlightSize 20 -> ssthresh 10 MSS. */
static struct tcp_cb *one_loss_of_twenty(void)
{
    struct tcp_cb *t = sender(20, false);
    ack_sack(t, sq(0), 1, 2);
    ack_sack(t, sq(0), 1, 3);
    expect_none();
    ack_sack(t, sq(0), 1, 4);
    expect_seg(0, 1);
    ck_assert(t->sack.recovery);
    ck_assert_uint_eq(t->ssthresh, 10 * MSS);
    return t;
}

/* RFC 6937 3: pipe (17 MSS: 4-19, and 0 resent) > ssthresh, so sndcnt =
 * CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out, with RecoverFS 20
 * MSS and the fast retransmit in prr_out: one segment goes for every two
 * delivered, where RFC 6675's cwnd = ssthresh would send nothing until
 * pipe fell below 10 MSS. */
START_TEST(rfc6937_3_proportional_while_pipe_above_ssthresh)
{
    struct tcp_cb *t = one_loss_of_twenty();
    /* DeliveredData 1000 (the SACK grew by segment 3): 500 - 1000 < 0 */
    ck_assert_uint_eq(t->prr.recover_fs, 20 * MSS);
    ck_assert_uint_eq(t->prr.delivered, 1 * MSS);
    ck_assert_uint_eq(t->prr.out, 1 * MSS);
    ck_assert_uint_eq(t->cwnd, 17 * MSS); /* pipe + 0 */
    expect_none();
    more_data(t, 10);
    /* 4-5 SACKed: delivered 3000, pipe 15 MSS: sndcnt 1500 - 1000 = 500,
     * under one SMSS: nothing yet (RFC 6675 (C) sends whole segments) */
    ack_sack(t, sq(0), 1, 6);
    ck_assert_uint_eq(t->cwnd, 15 * MSS + 500);
    expect_none();
    /* 6-7 SACKed: delivered 5000, pipe 13 MSS: sndcnt 2500 - 1000 = 1500:
     * one new segment (NextSeg rule (2)) */
    ack_sack(t, sq(0), 1, 8);
    ck_assert_uint_eq(t->cwnd, 13 * MSS + 1500);
    expect_seg(20, 1);
    expect_none();
    ck_assert_uint_eq(t->prr.out, 2 * MSS);
}
END_TEST

/* The same ACKs with cfg.prr = 0: RFC 6675 4.2's cwnd = ssthresh at
 * once, nothing sent while pipe is above it. */
START_TEST(rfc6937_off_keeps_rfc6675_cut)
{
    set_prr(0);
    struct tcp_cb *t = one_loss_of_twenty();
    ck_assert_uint_eq(t->cwnd, 10 * MSS);
    more_data(t, 10);
    ack_sack(t, sq(0), 1, 6);
    ack_sack(t, sq(0), 1, 8);
    ck_assert_uint_eq(t->cwnd, 10 * MSS);
    expect_none();
}
END_TEST

/* PRR-SSRB (RFC 6937 3): once pipe <= ssthresh, sndcnt = MIN(ssthresh -
 * pipe, MAX(prr_delivered - prr_out, DeliveredData) + MSS). */
START_TEST(rfc6937_3_ssrb_when_pipe_below_ssthresh)
{
    struct tcp_cb *t = one_loss_of_twenty();
    more_data(t, 10);
    /* 4-16 SACKed at once: DeliveredData 13 MSS, delivered 14 MSS,
     * pipe 4 MSS (17-19, and 0 resent): MIN(6, MAX(13, 13) + 1) = 6 */
    ack_sack(t, sq(0), 1, 17);
    ck_assert_uint_eq(t->cwnd, 10 * MSS);
    /* 6 MSS of new data: NextSeg rule (2), one MSS per write (no TSO) */
    for (unsigned i = 0; i < 6; i++)
        expect_seg(20 + i, 1);
    expect_none();
}
END_TEST

/* RFC 6937 3.1 / Linux tcp_end_cwnd_reduction: recovery ends with cwnd =
 * ssthresh.  RFC 6582's exit (cfg.prr = 0) makes it min(ssthresh,
 * max(FlightSize, SMSS) + SMSS): 2 SMSS when the ACK took everything,
 * which then had to slow-start back. */
START_TEST(rfc6937_recovery_ends_at_ssthresh)
{
    struct tcp_cb *t = one_loss_of_twenty();
    ack_sack(t, sq(20), 0, 0); /* the full ACK: RecoveryPoint reached */
    ck_assert(!t->sack.recovery && !t->in_recovery);
    ck_assert(!t->prr.active);
    ck_assert_uint_eq(t->cwnd, 10 * MSS);
}
END_TEST

START_TEST(rfc6937_off_recovery_ends_at_flight_plus_smss)
{
    set_prr(0);
    struct tcp_cb *t = one_loss_of_twenty();
    ack_sack(t, sq(20), 0, 0);
    ck_assert(!t->sack.recovery);
    ck_assert_uint_eq(t->cwnd, 2 * MSS);
}
END_TEST

/* Segments 0-5 of 10 lost, 6-8 SACKed (three duplicates): recovery.
 * ssthresh 5 MSS; pipe after the (4.3) retransmission of segment 0:
 * segment 9 and segment 0's copy, 2 MSS.  With cfg.prr = 0 (RFC 6675's
 * cwnd = ssthresh, so cwnd - pipe = 3 MSS exactly). */
static struct tcp_cb *six_lost_of_ten(bool tso)
{
    set_prr(0);
    struct tcp_cb *t = sender(10, tso);
    ack_sack(t, sq(0), 6, 7);
    ack_sack(t, sq(0), 6, 8);
    ack_sack(t, sq(0), 6, 9);
    expect_seg(0, 1); /* (4.3): one segment, whatever the device */
    ck_assert_uint_eq(t->cwnd, 5 * MSS);
    return t;
}

/* NextSeg rule (1): segments 1-3 are lost and contiguous; cwnd - pipe
 * holds 3 MSS: one super-segment of 3 MSS (Linux's tcp_retransmit_skb
 * resends a lost GSO frame whole), HighRxt to its end, pipe per byte. */
START_TEST(rfc6675_nextseg_lost_range_as_one_tso_segment)
{
    struct tcp_cb *t = six_lost_of_ten(true);
    /* the (4.3) retransmission's tcp_output already ran: */
    expect_seg(1, 3);
    expect_none();
    ck_assert_uint_eq(t->sack.high_rxt, sq(4));
    ck_assert_uint_eq(tcp_sack_pipe(t), 5 * MSS);
    ck_assert_uint_eq(ctr("tcp.sack_rexmits"), 2);
    /* 9 SACKed too: pipe 4 MSS, one more: segment 4 */
    ack_sack(t, sq(0), 6, 10);
    expect_seg(4, 1);
    expect_none();
}
END_TEST

/* Without TSO on the interface the same range goes one MSS per segment. */
START_TEST(rfc6675_nextseg_lost_range_one_mss_each_without_tso)
{
    struct tcp_cb *t = six_lost_of_ten(false);
    expect_seg(1, 1);
    expect_seg(2, 1);
    expect_seg(3, 1);
    expect_none();
    ck_assert_uint_eq(t->sack.high_rxt, sq(4));
    ck_assert_uint_eq(tcp_sack_pipe(t), 5 * MSS);
}
END_TEST

/* A lost range never runs into SACKed data: one ACK SACKs 3 and 5-9,
 * so IsLost(SND.UNA) starts recovery (RFC 6675 5 (2)) with segments 0-2
 * and 4 lost; ssthresh 5 MSS, pipe 1 MSS (0's copy) after (4.3): room
 * for 4 MSS, but the super-segment is 1-2, then 4 alone. */
START_TEST(rfc6675_nextseg_tso_range_stops_at_sacked_data)
{
    set_prr(0);
    struct tcp_cb *t = sender(10, true);
    struct tcp_seg seg = {.src = A(H_PEER_IP), .dst = A(H_OUR_IP), .sport = htons(PPORT),
                          .dport = htons(LPORT), .seq = IRS + 1, .ack = sq(0), .wnd = 65535,
                          .flags = TCP_ACK};
    seg.opts.nsack = 2;
    seg.opts.sack[0] = (struct tcp_sack_block){sq(5), sq(10)};
    seg.opts.sack[1] = (struct tcp_sack_block){sq(3), sq(4)};
    lock();
    tcp_ack_input(t, &seg);
    unlock();
    ck_assert(t->sack.recovery);
    ck_assert_uint_eq(ctr("tcp.sack_recoveries_islost"), 1);
    expect_seg(0, 1);
    expect_seg(1, 2);
    expect_seg(4, 1);
    expect_none();
    ck_assert_uint_eq(t->sack.high_rxt, sq(5));
}
END_TEST

/* RFC 9293 3.4: sequence numbers compare modulo 2^32, only within 2^31.
 * Found measuring loss recovery: once SND.UNA was 2^31 past ISS,
 * seq_gt(SND.UNA, ISS) said "our SYN is not acknowledged yet", the send
 * buffer's base went back to ISS + 1 and every ACK kept one byte too
 * many; the sender stalled in persist probes.  A connection 2 GiB + 1
 * into its life sends and frees its data as on its first byte. */
START_TEST(rfc9293_3_4_send_buffer_past_2_gib)
{
    struct tcp_cb *t = sender(2, false);
    ack_sack(t, sq(2), 0, 0); /* through tcp_ack_advance: our SYN long acked */
    ck_assert(t->syn_acked);
    lock();
    uint32_t far = ISS + 1 + 0x80000000u + 7;
    t->snd_una = t->snd_nxt = t->snd_max = t->snd_wl2 = far;
    t->rtt_timing = false;
    t->cwnd = 10 * MSS;
    static uint8_t b[4 * MSS];
    for (unsigned i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)i;
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, sizeof b), sizeof b);
    tcp_output(t);
    unlock();
    for (unsigned i = 0; i < 4; i++) {
        struct rseg r;
        ck_assert(pop(&r));
        ck_assert_uint_eq(r.seq, far + i * MSS);
        ck_assert_uint_eq(r.dlen, MSS);
    }
    expect_none();
    ack_sack(t, far + 3 * MSS, 0, 0);
    ck_assert_uint_eq(t->snd_una, far + 3 * MSS);
    ck_assert_uint_eq(t->sndbuf.len, MSS); /* exactly the unacknowledged segment */
    ack_sack(t, far + 4 * MSS, 0, 0);
    ck_assert_uint_eq(t->sndbuf.len, 0);
}
END_TEST

/* A window smaller than two super-segments goes as two of at most half
 * cwnd each, so that two ACKs come back: with the whole window in one,
 * the loss of its one ACK stalls the sender until a probe (tcp_tso.c). */
START_TEST(tso_window_goes_as_two_super_segments)
{
    struct tcp_cb *t = sender(1, true);
    ack_sack(t, sq(1), 0, 0);
    more_data(t, 10);
    lock();
    t->cwnd = 10 * MSS;
    tcp_output(t);
    unlock();
    expect_seg(1, 5);
    expect_seg(6, 5);
    expect_none();
    ck_assert_uint_eq(ctr("link.tso_tx"), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_prr");
    TCase *tc = tcase_create("prr");
    tcase_add_checked_fixture(tc, setup, teardown);
    ADD(tc, rfc6937_3_proportional_while_pipe_above_ssthresh);
    ADD(tc, rfc6937_off_keeps_rfc6675_cut);
    ADD(tc, rfc6937_3_ssrb_when_pipe_below_ssthresh);
    ADD(tc, rfc6937_recovery_ends_at_ssthresh);
    ADD(tc, rfc6937_off_recovery_ends_at_flight_plus_smss);
    ADD(tc, rfc6675_nextseg_lost_range_as_one_tso_segment);
    ADD(tc, rfc6675_nextseg_lost_range_one_mss_each_without_tso);
    ADD(tc, rfc6675_nextseg_tso_range_stops_at_sacked_data);
    ADD(tc, rfc9293_3_4_send_buffer_past_2_gib);
    ADD(tc, tso_window_goes_as_two_super_segments);
    suite_add_tcase(s, tc);
    return harness_run_suite(s);
}
