/* check_tcp_sack.c - Selective Acknowledgment on the virtual clock:
 * negotiation (RFC 2018 2), the option's parsing and writing (RFC 2018
 * 3), the receiver's blocks from the out-of-order queue (RFC 2018 4),
 * D-SACK (RFC 2883), and the sender's scoreboard and loss recovery
 * (RFC 6675: IsLost, SetPipe, NextSeg, entry by DupThresh and by IsLost,
 * exit at RecoveryPoint, the scoreboard forgotten on RTO).
 *
 * Receiver and negotiation tests go through tcp_input with crafted
 * frames; most sender tests build an ESTABLISHED control block with SACK
 * on and feed parsed ACKs to tcp_ack_input, like check_tcp_output.c.
 * Segment numbers in comments are MSS-sized (1000 bytes) from SND.UNA.
 * GLASS_TEST_TRACE=1 prints the tcp trace. */
#include "tcp_harness.h"

#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "tcp.h"
#include "timer.h"

#define SEC GLASS_USEC_PER_SEC
#define ISS 1000000u
#define IRS 7000000u
#define MSS 1000u
#define LPORT 80
#define PPORT 40000

static struct harness H;
static struct tcp_h_conn C;

static void setup(void)
{
    /* RFC 6675 4.2 states the window reduction in RFC 5681's terms
     * (ssthresh = FlightSize / 2): NewReno's, not CUBIC's beta of 0.7. */
    tcp_h_start_sender(&H);
    /* These are RFC 6675's exact rules; RFC 8985 RACK-TLP (on by default)
     * would find the same losses by time instead: check_tcp_rack.c. */
    struct glass_tcp_config cfg;
    glass_tcp_config_get(H.stack, &cfg);
    cfg.rack = 0;
    /* ...and RFC 6675 4.2's immediate cwnd = ssthresh, which RFC 6937
     * PRR (on by default) replaces: check_tcp_prr.c. */
    cfg.prr = 0;
    ck_assert_int_eq(glass_tcp_config_set(H.stack, &cfg), 0);
    memset(&C, 0, sizeof C);
    C.h = &H;
    C.lport = LPORT;
    C.pport = PPORT;
    C.wnd = 65535;
    C.irs = IRS;
}

static void teardown(void)
{
    harness_fini(&H);
}

static void lock(void) { glass_stack_lock(H.stack); }
static void unlock(void) { glass_stack_unlock(H.stack); }
static uint64_t ctr(const char *name) { return counter(&H, name); }

/* ---- our segments, with their options ------------------------------------------- */

struct rseg {
    uint32_t seq, ack;
    uint8_t flags;
    size_t dlen;
    bool sack_perm;
    unsigned nsack;
    struct tcp_sack_block sack[4];
};

/* Pop the next TCP frame glass sent (ARP skipped) and parse the header
 * and the SACK-permitted and SACK options. */
static bool pop(struct rseg *r)
{
    struct tcp_h_rx x;
    if (!tcp_h_pop_opts(&H, &x))
        return false;
    memset(r, 0, sizeof *r);
    r->seq = x.seq;
    r->ack = x.ack;
    r->flags = x.flags;
    r->dlen = x.dlen;
    r->sack_perm = x.o.sack_perm;
    r->nsack = x.o.nsack;
    memcpy(r->sack, x.o.sack, sizeof r->sack);
    return true;
}

static void expect_none(void)
{
    struct rseg r;
    ck_assert_msg(!pop(&r), "unexpected segment seq=%u len=%zu", r.seq, r.dlen);
}

/* ---- negotiation (RFC 2018 2) -------------------------------------------------------- */

/* The peer's SYN: MSS 1000, and SACK-permitted when perm. */
static size_t syn_opts(uint8_t *o, bool perm)
{
    return tcp_h_opts(o, MSS, perm, -1, false, 0, 0);
}

/* Passive open on port LPORT with the peer's SYN carrying SACK-permitted
 * or not; the SYN-ACK is checked to echo it only if it was there. */
static struct tcp_cb *passive(bool perm)
{
    struct rseg r;
    uint8_t o[8];
    tcp_h_listen_tcb(&H, LPORT, 4);
    tcp_h_send_opts(&C, IRS, 0, TCP_SYN, o, syn_opts(o, perm), NULL, 0);
    ck_assert(pop(&r));
    ck_assert_uint_eq(r.flags, TCP_SYN | TCP_ACK);
    ck_assert_msg(r.sack_perm == perm, "SYN-ACK SACK-permitted %d, peer's SYN %d", r.sack_perm,
                  perm);
    C.iss = r.seq;
    C.snd_nxt = IRS + 1;
    C.rcv_nxt = C.iss + 1;
    tcp_h_send(&C, C.snd_nxt, C.rcv_nxt, TCP_ACK, NULL, 0);
    struct tcp_cb *t = tcp_h_find(&H, LPORT, PPORT);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    return t;
}

START_TEST(rfc2018_2_syn_ack_echoes_sack_permitted)
{
    struct tcp_cb *t = passive(true);
    ck_assert(t->sack.ok);
    ck_assert_uint_eq(ctr("tcp.sack_negotiated"), 1);
}
END_TEST

START_TEST(rfc2018_2_no_sack_when_peer_syn_lacks_it)
{
    struct tcp_cb *t = passive(false);
    ck_assert(!t->sack.ok);
    /* data out of order is queued but acknowledged without SACK blocks */
    static const uint8_t d[100];
    tcp_h_send(&C, IRS + 1 + 100, C.rcv_nxt, TCP_ACK, d, 100);
    struct rseg r;
    ck_assert(pop(&r));
    ck_assert_uint_eq(r.ack, IRS + 1);
    ck_assert_uint_eq(r.nsack, 0);
    ck_assert_uint_eq(ctr("tcp.sack_negotiated"), 0);
}
END_TEST

/* Active open: our SYN offers it; SACK is on only if the SYN-ACK has it. */
static struct tcp_cb *active(bool perm)
{
    struct rseg r;
    uint8_t o[8];
    struct tcp_cb *t = tcp_h_connect_tcb(&C, ISS);
    ck_assert(pop(&r));
    ck_assert_uint_eq(r.flags, TCP_SYN);
    ck_assert_msg(r.sack_perm, "our SYN carries no SACK-permitted");
    tcp_h_send_opts(&C, IRS, ISS + 1, TCP_SYN | TCP_ACK, o, syn_opts(o, perm), NULL, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(pop(&r));
    ck_assert_uint_eq(r.flags, TCP_ACK);
    ck_assert(!r.sack_perm); /* "MUST NOT be sent on non-SYN segments" */
    C.snd_nxt = IRS + 1;
    return t;
}

START_TEST(rfc2018_2_active_open_both_syns)
{
    ck_assert(active(true)->sack.ok);
}
END_TEST

START_TEST(rfc2018_2_active_open_syn_ack_without)
{
    ck_assert(!active(false)->sack.ok);
}
END_TEST

/* ---- the option (RFC 2018 3) ------------------------------------------------------------ */

START_TEST(rfc2018_3_parse_and_write_blocks)
{
    struct tcp_sack_block b[4] = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
    uint8_t p[40];
    struct tcp_opts o;
    /* 40 bytes of room: 4 blocks (NOP NOP 5 34 + 32) */
    size_t n = tcp_opts_write_sack_blocks(p, 40, b, 4);
    ck_assert_uint_eq(n, 36);
    ck_assert_int_eq(tcp_opts_parse(p, n, &o), 0);
    ck_assert_uint_eq(o.nsack, 4);
    ck_assert_uint_eq(o.sack[3].left, 7);
    ck_assert_uint_eq(o.sack[3].right, 8);
    /* 28 bytes left beside timestamps: 3 blocks */
    ck_assert_uint_eq(tcp_opts_write_sack_blocks(p, 28, b, 4), 28);
    ck_assert_int_eq(tcp_opts_parse(p, 28, &o), 0);
    ck_assert_uint_eq(o.nsack, 3);
    /* too little room for one block: nothing */
    ck_assert_uint_eq(tcp_opts_write_sack_blocks(p, 11, b, 4), 0);
    /* a SACK option of 2 + 8n bytes only */
    const uint8_t bad[12] = {TCPOPT_SACK, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
    ck_assert_int_eq(tcp_opts_parse(bad, sizeof bad, &o), -1);
    const uint8_t empty[4] = {TCPOPT_SACK, 2, TCPOPT_NOP, TCPOPT_NOP};
    ck_assert_int_eq(tcp_opts_parse(empty, sizeof empty, &o), -1);
}
END_TEST

/* ---- the receiver (RFC 2018 4) and D-SACK (RFC 2883) ----------------------------------------- */

static uint8_t D[4096];

/* The peer's data at relative offset off (from IRS + 1), len bytes. */
static void data_at(uint32_t off, size_t len)
{
    tcp_h_send(&C, IRS + 1 + off, C.rcv_nxt, TCP_ACK, D, len);
}

/* Pop the ACK and check its ack and blocks (relative offsets, n pairs). */
static void expect_ack_blocks(uint32_t ack_off, unsigned n, const uint32_t *rel)
{
    struct rseg r;
    ck_assert_msg(pop(&r), "no ACK sent");
    ck_assert_uint_eq(r.ack, IRS + 1 + ack_off);
    ck_assert_msg(r.nsack == n, "%u blocks, expected %u", r.nsack, n);
    for (unsigned i = 0; i < n; i++) {
        ck_assert_msg(r.sack[i].left == IRS + 1 + rel[2 * i] &&
                          r.sack[i].right == IRS + 1 + rel[2 * i + 1],
                      "block %u is %u-%u, expected %u-%u", i, r.sack[i].left - IRS - 1,
                      r.sack[i].right - IRS - 1, rel[2 * i], rel[2 * i + 1]);
    }
}

START_TEST(rfc2018_4_first_block_most_recent_then_merge_and_limit)
{
    passive(true);
    data_at(100, 100);
    expect_ack_blocks(0, 1, (const uint32_t[]){100, 200});
    data_at(300, 100);
    expect_ack_blocks(0, 2, (const uint32_t[]){300, 400, 100, 200});
    /* filling the gap between them makes one block */
    data_at(200, 100);
    expect_ack_blocks(0, 1, (const uint32_t[]){100, 400});
    data_at(600, 100);
    data_at(800, 100);
    data_at(1000, 100);
    harness_tx_clear(&H);
    /* five runs queued: the ACK carries four, the newest first */
    data_at(1200, 100);
    expect_ack_blocks(0, 4, (const uint32_t[]){1200, 1300, 1000, 1100, 800, 900, 600, 700});
    /* the hole at RCV.NXT fills: RCV.NXT 400, the runs above remain
     * (the most recently reported; [100, 400) is no longer out of order) */
    data_at(0, 100);
    expect_ack_blocks(400, 4, (const uint32_t[]){1200, 1300, 1000, 1100, 800, 900, 600, 700});
    ck_assert_uint_ge(ctr("tcp.sack_blocks_sent"), 12);
}
END_TEST

START_TEST(rfc2883_4_1_dsack_for_duplicate_below_rcv_nxt)
{
    passive(true);
    data_at(0, 100);
    data_at(100, 100);  /* second segment: ACKed at once? only if full-sized: no */
    harness_tx_clear(&H);
    data_at(0, 100);    /* a duplicate: RFC 2883 4.1, the D-SACK block below the ACK */
    expect_ack_blocks(200, 1, (const uint32_t[]){0, 100});
    ck_assert_uint_eq(ctr("tcp.dsack_sent"), 1);
    /* reported once: the next ACK carries no D-SACK */
    data_at(300, 100);
    expect_ack_blocks(200, 1, (const uint32_t[]){300, 400});
}
END_TEST

START_TEST(rfc2883_4_2_dsack_for_duplicate_in_ooo_queue)
{
    passive(true);
    data_at(200, 100);
    data_at(400, 100);
    harness_tx_clear(&H);
    data_at(200, 100); /* again: D-SACK, then the block holding it, then the other */
    expect_ack_blocks(0, 3, (const uint32_t[]){200, 300, 200, 300, 400, 500});
    ck_assert_uint_eq(ctr("tcp.dsack_sent"), 1);
}
END_TEST

/* ---- the sender --------------------------------------------------------------------------- */

/* ESTABLISHED 10.0.0.2:80 <> 10.0.0.1:40000 with SACK on (sack) or off,
 * MSS 1000, window 65535, n segments sent (the initial window allows 10). */
static struct tcp_cb *sender(bool sack, unsigned n)
{
    struct tcp_cb *t = tcp_h_established_tcb(&H, LPORT, PPORT, ISS, IRS, MSS, 65535, sack);
    lock();
    static uint8_t b[65536];
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, n * MSS), n * MSS);
    tcp_output(t);
    unlock();
    for (unsigned i = 0; i < n; i++) {
        struct rseg r;
        ck_assert(pop(&r));
        ck_assert_uint_eq(r.seq, ISS + 1 + i * MSS);
        ck_assert_uint_eq(r.dlen, MSS);
    }
    expect_none();
    return t;
}

/* Sequence number of segment k (k * MSS bytes from the first). */
static uint32_t sq(double k)
{
    return ISS + 1 + (uint32_t)(k * MSS);
}

/* An ACK from the peer (window 65535, no data) with n SACK blocks given
 * in segment units, through tcp_ack_input. */
static void ack_sack(struct tcp_cb *t, uint32_t ack, unsigned n, const double *blk)
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
    seg.opts.nsack = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        seg.opts.sack[i].left = sq(blk[2 * i]);
        seg.opts.sack[i].right = sq(blk[2 * i + 1]);
    }
    lock();
    tcp_ack_input(t, &seg);
    unlock();
}

static void expect_rexmit(double k)
{
    struct rseg r;
    ck_assert_msg(pop(&r), "expected segment %g, nothing sent", k);
    ck_assert_msg(r.seq == sq(k), "sent segment %g, expected %g", (double)(r.seq - sq(0)) / MSS,
                  k);
    ck_assert_uint_eq(r.dlen, MSS);
}

START_TEST(rfc6675_4_islost_and_setpipe)
{
    struct tcp_cb *t = sender(true, 10);
    /* SACKed: segment 2 and segments 4-5.  (A window change keeps these
     * from counting as duplicate ACKs: only the scoreboard is tested.) */
    struct tcp_seg seg = {.ack = sq(0), .wnd = 60000, .flags = TCP_ACK};
    seg.opts.nsack = 2;
    seg.opts.sack[0] = (struct tcp_sack_block){sq(4), sq(6)};
    seg.opts.sack[1] = (struct tcp_sack_block){sq(2), sq(3)};
    lock();
    ck_assert(tcp_sack_update(t, &seg));
    ck_assert_uint_eq(t->sack.nsb, 2);
    /* IsLost: 3000 bytes (> (DupThresh-1)*SMSS) SACKed above segments 0-1,
     * only 2000 above segment 3. */
    ck_assert(tcp_sack_is_lost(t, sq(0)));
    ck_assert(tcp_sack_is_lost(t, sq(1.999)));
    ck_assert(!tcp_sack_is_lost(t, sq(2.5))); /* SACKed itself */
    ck_assert(!tcp_sack_is_lost(t, sq(3)));
    ck_assert(!tcp_sack_is_lost(t, sq(6)));
    /* SetPipe: segments 0-1 lost (not counted), 3 and 6-9 in flight */
    ck_assert_uint_eq(tcp_sack_pipe(t), 5 * MSS);
    /* three discontiguous blocks above: lost by count alone */
    seg.opts.nsack = 1;
    seg.opts.sack[0] = (struct tcp_sack_block){sq(7.5), sq(7.6)};
    ck_assert(tcp_sack_update(t, &seg));
    ck_assert(tcp_sack_is_lost(t, sq(3)));
    ck_assert_uint_eq(tcp_sack_pipe(t), (uint32_t)(4 * MSS - 0.1 * MSS));
    unlock();
}
END_TEST

/* The heart of it: three segments lost from one window (0, 3, 6), all
 * resent before the first retransmission is even acknowledged -- NewReno
 * would need a round trip per hole -- and never the SACKed data. */
START_TEST(rfc6675_5_three_losses_repaired_in_one_round_trip)
{
    struct tcp_cb *t = sender(true, 10);
    ack_sack(t, sq(0), 1, (const double[]){1, 2});
    ack_sack(t, sq(0), 1, (const double[]){1, 3});
    expect_none();
    /* the third duplicate: DupThresh, RFC 6675 5 (4) */
    ack_sack(t, sq(0), 2, (const double[]){4, 5, 1, 3});
    expect_rexmit(0);
    expect_none();
    ck_assert(t->in_recovery && t->sack.recovery);
    ck_assert_uint_eq(t->recover, sq(10));
    ck_assert_uint_eq(t->ssthresh, 5 * MSS);
    ck_assert_uint_eq(t->cwnd, 5 * MSS); /* (4.2): no NewReno inflation */
    ck_assert_uint_eq(ctr("tcp.sack_recoveries"), 1);
    ck_assert_uint_eq(ctr("tcp.sack_recoveries_islost"), 0);
    /* pipe: 0 resent, 3, 5-9 in flight = 7000 > cwnd: wait */
    ack_sack(t, sq(0), 2, (const double[]){4, 6, 1, 3});
    expect_none();
    /* segment 7 arrives: now 3 is lost (3000 bytes above), pipe 4000 */
    ack_sack(t, sq(0), 3, (const double[]){7, 8, 4, 6, 1, 3});
    expect_rexmit(3); /* NextSeg rule (1): the hole, not SACKed data */
    expect_none();
    /* segment 8: 6 not yet "lost" but nothing else to send: rule (3) */
    ack_sack(t, sq(0), 3, (const double[]){7, 9, 4, 6, 1, 3});
    expect_rexmit(6);
    expect_none();
    ack_sack(t, sq(0), 3, (const double[]){7, 10, 4, 6, 1, 3});
    expect_none(); /* every hole resent: nothing more */
    ck_assert_uint_eq(ctr("tcp.sack_rexmits"), 3);
    ck_assert_uint_eq(ctr("tcp.retransmits"), 3);
    /* the retransmissions arrive: partial ACKs keep recovery going ... */
    ack_sack(t, sq(3), 2, (const double[]){7, 10, 4, 6});
    ck_assert(t->in_recovery);
    ack_sack(t, sq(6), 1, (const double[]){7, 10});
    ck_assert(t->in_recovery);
    expect_none(); /* no rescue: the last hole has gone again already */
    /* ... until the cumulative ACK reaches RecoveryPoint: (A) */
    ack_sack(t, sq(10), 0, NULL);
    ck_assert(!t->in_recovery && !t->sack.recovery);
    ck_assert_uint_eq(t->snd_una, sq(10));
    ck_assert_uint_eq(ctr("tcp.retransmits"), 3);
    expect_none();
}
END_TEST

/* RFC 6675 5 (2): one ACK that SACKs three discontiguous blocks makes
 * SND.UNA IsLost: recovery starts on the first duplicate ACK. */
START_TEST(rfc6675_5_recovery_entered_by_islost)
{
    struct tcp_cb *t = sender(true, 10);
    ack_sack(t, sq(0), 3, (const double[]){5, 6, 3, 4, 1, 2});
    ck_assert_uint_eq(t->dupacks, 1);
    ck_assert(t->in_recovery);
    ck_assert_uint_eq(ctr("tcp.sack_recoveries_islost"), 1);
    expect_rexmit(0);
}
END_TEST

/* RFC 6675 4 NextSeg rule (4): the lost tail (segment 9, nothing above
 * it to be SACKed) goes once as the rescue after the first partial ACK. */
START_TEST(rfc6675_4_rescue_retransmission_of_the_tail)
{
    struct tcp_cb *t = sender(true, 10);
    ack_sack(t, sq(0), 1, (const double[]){1, 5});
    ack_sack(t, sq(0), 1, (const double[]){1, 7});
    expect_rexmit(0); /* IsLost(SND.UNA) */
    ack_sack(t, sq(0), 1, (const double[]){1, 9});
    expect_none();
    ack_sack(t, sq(9), 0, NULL); /* partial: 9 missing */
    expect_rexmit(9);
    expect_none();
    ck_assert(t->in_recovery);
    ack_sack(t, sq(9), 0, NULL); /* once per recovery only */
    expect_none();
    ack_sack(t, sq(10), 0, NULL);
    ck_assert(!t->in_recovery);
}
END_TEST

START_TEST(rfc6675_bogus_blocks_ignored)
{
    struct tcp_cb *t = sender(true, 10);
    struct tcp_seg seg = {.ack = sq(0), .wnd = 60000, .flags = TCP_ACK};
    seg.opts.nsack = 4;
    seg.opts.sack[0] = (struct tcp_sack_block){sq(2), sq(1)};                 /* reversed */
    seg.opts.sack[1] = (struct tcp_sack_block){sq(9), sq(11)};                /* past SND.MAX */
    seg.opts.sack[2] = (struct tcp_sack_block){sq(2) + 0x80000000u, sq(3) + 0x80000000u};
    seg.opts.sack[3] = (struct tcp_sack_block){sq(0) - 100, sq(1)};           /* below SND.UNA */
    lock();
    ck_assert(!tcp_sack_update(t, &seg));
    unlock();
    ck_assert_uint_eq(t->sack.nsb, 0);
    ck_assert_uint_eq(ctr("tcp.sack_bogus"), 4);
    ck_assert_uint_eq(ctr("tcp.sack_blocks_rcvd"), 4);
}
END_TEST

START_TEST(rfc6675_scoreboard_is_bounded)
{
    struct tcp_cb *t = sender(true, 10);
    struct tcp_seg seg = {.ack = sq(0), .wnd = 60000, .flags = TCP_ACK};
    lock();
    /* 40 disjoint 100-byte blocks, four per ACK */
    for (unsigned a = 0; a < 10; a++) {
        seg.opts.nsack = 4;
        for (unsigned i = 0; i < 4; i++) {
            uint32_t l = sq(0) + 200 * (4 * a + i) + 100;
            seg.opts.sack[i] = (struct tcp_sack_block){l, l + 100};
        }
        tcp_sack_update(t, &seg);
    }
    ck_assert_uint_eq(t->sack.nsb, TCP_SACK_SB_MAX);
    ck_assert_uint_eq(ctr("tcp.sack_sb_full"), 40 - TCP_SACK_SB_MAX);
    /* a block joining two neighbours merges them: room again */
    seg.opts.nsack = 1;
    seg.opts.sack[0] = (struct tcp_sack_block){sq(0) + 150, sq(0) + 350};
    tcp_sack_update(t, &seg);
    ck_assert_uint_eq(t->sack.nsb, TCP_SACK_SB_MAX - 1);
    ck_assert_uint_eq(t->sack.sb[0].left, sq(0) + 100);
    ck_assert_uint_eq(t->sack.sb[0].right, sq(0) + 400);
    unlock();
}
END_TEST

/* RFC 2018 8, RFC 6675 5.1: the retransmission timer clears the
 * scoreboard and ends SACK recovery. */
START_TEST(rfc6675_5_1_rto_clears_scoreboard)
{
    struct tcp_cb *t = sender(true, 10);
    ack_sack(t, sq(0), 3, (const double[]){5, 6, 3, 4, 1, 2});
    ck_assert(t->sack.recovery);
    harness_tx_clear(&H);
    harness_advance(&H, 2 * SEC);
    ck_assert_uint_ge(ctr("tcp.rto_expired"), 1);
    ck_assert_uint_eq(t->sack.nsb, 0);
    ck_assert(!t->sack.recovery && !t->in_recovery);
    ck_assert_uint_eq(ctr("tcp.sack_reneging"), 1);
    expect_rexmit(0); /* go back N from SND.UNA */
}
END_TEST

START_TEST(rfc2883_dsack_received_is_counted_not_recorded)
{
    struct tcp_cb *t = sender(true, 10);
    ack_sack(t, sq(2), 0, NULL);
    ack_sack(t, sq(2), 1, (const double[]){0, 1}); /* below the ACK: D-SACK */
    ck_assert_uint_eq(ctr("tcp.dsack_rcvd"), 1);
    ck_assert_uint_eq(t->sack.nsb, 0);
    ack_sack(t, sq(2), 2, (const double[]){4, 5, 3, 6}); /* inside the second */
    ck_assert_uint_eq(ctr("tcp.dsack_rcvd"), 2);
    ck_assert_uint_eq(t->sack.nsb, 1);
}
END_TEST

/* Without SACK negotiated, blocks are ignored and NewReno (RFC 6582)
 * recovers as before. */
START_TEST(rfc6582_newreno_when_sack_not_negotiated)
{
    struct tcp_cb *t = sender(false, 10);
    for (int i = 0; i < 3; i++)
        ack_sack(t, sq(0), 3, (const double[]){5, 6, 3, 4, 1, 2});
    ck_assert_uint_eq(t->sack.nsb, 0);
    expect_rexmit(0);
    ck_assert(t->in_recovery && !t->sack.recovery);
    ck_assert_uint_eq(t->cwnd, t->ssthresh + 3 * MSS);
    ck_assert_uint_eq(ctr("tcp.sack_recoveries"), 0);
}
END_TEST

/* The whole way in: a SACK option in a crafted frame reaches the
 * scoreboard through tcp_input. */
START_TEST(rfc2018_3_sack_option_through_tcp_input)
{
    struct tcp_cb *t = passive(true);
    static uint8_t b[3000];
    lock();
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, 3 * MSS), 3 * MSS);
    tcp_output(t);
    unlock();
    harness_tx_clear(&H);
    uint8_t o[12] = {TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10};
    put_be32(o + 4, C.rcv_nxt + MSS);
    put_be32(o + 8, C.rcv_nxt + 2 * MSS);
    tcp_h_send_opts(&C, C.snd_nxt, C.rcv_nxt, TCP_ACK, o, sizeof o, NULL, 0);
    ck_assert_uint_eq(t->sack.nsb, 1);
    ck_assert_uint_eq(t->sack.sb[0].left, C.rcv_nxt + MSS);
    ck_assert_uint_eq(t->sack.sb[0].right, C.rcv_nxt + 2 * MSS);
    ck_assert_uint_eq(ctr("tcp.sack_blocks_rcvd"), 1);
}
END_TEST


int main(void)
{
    Suite *s = suite_create("tcp_sack");
    TCase *tc = tcase_create("sack");
    tcase_add_checked_fixture(tc, setup, teardown);
    ADD(tc, rfc2018_2_syn_ack_echoes_sack_permitted);
    ADD(tc, rfc2018_2_no_sack_when_peer_syn_lacks_it);
    ADD(tc, rfc2018_2_active_open_both_syns);
    ADD(tc, rfc2018_2_active_open_syn_ack_without);
    ADD(tc, rfc2018_3_parse_and_write_blocks);
    ADD(tc, rfc2018_4_first_block_most_recent_then_merge_and_limit);
    ADD(tc, rfc2883_4_1_dsack_for_duplicate_below_rcv_nxt);
    ADD(tc, rfc2883_4_2_dsack_for_duplicate_in_ooo_queue);
    ADD(tc, rfc6675_4_islost_and_setpipe);
    ADD(tc, rfc6675_5_three_losses_repaired_in_one_round_trip);
    ADD(tc, rfc6675_5_recovery_entered_by_islost);
    ADD(tc, rfc6675_4_rescue_retransmission_of_the_tail);
    ADD(tc, rfc6675_bogus_blocks_ignored);
    ADD(tc, rfc6675_scoreboard_is_bounded);
    ADD(tc, rfc6675_5_1_rto_clears_scoreboard);
    ADD(tc, rfc2883_dsack_received_is_counted_not_recorded);
    ADD(tc, rfc6582_newreno_when_sack_not_negotiated);
    ADD(tc, rfc2018_3_sack_option_through_tcp_input);
    suite_add_tcase(s, tc);
    return harness_run_suite(s);
}
