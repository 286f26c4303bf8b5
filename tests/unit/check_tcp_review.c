/*
 * check_tcp_review.c - where the TCP extensions merged in parallel meet:
 * RFC 7323 (timestamps, PAWS, window scaling), RFC 2018/2883 (SACK,
 * D-SACK) and RFC 4987 (SYN cookies), with crafted segments in and exact
 * segments out, on the virtual clock.  Each test names the RFC section
 * whose rule it checks across two of those features.
 *
 * The peer is 10.0.0.1:5000, glass 10.0.0.2:80; connections are control
 * blocks without sockets (tcp_harness.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_harness.h"
#include "util.h"

static struct harness h;
static struct tcp_h_conn c;

static void setup(void)
{
    harness_init(&h);
    harness_learn_peer(&h);
    memset(&c, 0, sizeof c);
    c.h = &h;
    c.lport = 80;
    c.pport = 5000;
    c.irs = 1000;
    c.wnd = 65535;
}

static void teardown(void)
{
    harness_fini(&h);
}

static void lock(void)
{
    glass_stack_lock(h.stack);
}

static void unlock(void)
{
    glass_stack_unlock(h.stack);
}

/* ---- segments out, with their options -------------------------------------- */

static void pop(struct tcp_h_rx *r)
{
    ck_assert_msg(tcp_h_pop_opts(&h, r), "no segment sent");
}

/* ---- segments in ------------------------------------------------------------- */

/* Options: MSS 1460 when mss, SACK-permitted when sack, TS when ts, WS
 * shift ws (ws < 0: none); returns the length (a multiple of 4). */
static size_t opts(uint8_t *p, bool mss, bool sack, int ws, bool ts, uint32_t tsval,
                   uint32_t tsecr)
{
    return tcp_h_opts(p, mss ? 1460 : 0, sack, ws, ts, tsval, tsecr);
}

static void send_ts(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t tsval, uint32_t tsecr,
                    const void *data, size_t dlen)
{
    uint8_t o[40];
    tcp_h_send_opts(&c, seq, ack, flags, o, opts(o, false, false, -1, true, tsval, tsecr), data,
                    dlen);
}

/* Passive open: SYN with the given options, SYN-ACK popped into *sa,
 * the peer's ACK (with TS when ts), the child returned ESTABLISHED. */
static struct tcp_cb *passive(bool sack, int ws, bool ts, uint32_t tsval, struct tcp_h_rx *sa)
{
    tcp_h_listen_tcb(&h, c.lport, 8);
    uint8_t o[40];
    tcp_h_send_opts(&c, c.irs, 0, TCP_SYN, o, opts(o, true, sack, ws, ts, tsval, 0), NULL, 0);
    pop(sa);
    ck_assert_uint_eq(sa->flags, TCP_SYN | TCP_ACK);
    c.iss = sa->seq;
    c.snd_nxt = c.irs + 1;
    c.rcv_nxt = c.iss + 1;
    if (ts)
        send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK, tsval + 1, sa->o.tsval, NULL, 0);
    else
        tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK, NULL, 0);
    struct tcp_cb *t = tcp_h_find(&h, c.lport, c.pport);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    tcp_h_expect_none(&h);
    return t;
}

/* ---- RFC 7323 5.3: R3 only for a segment that passed R2 ---------------------- */

/* RFC 7323 5.3: "R2) If the segment is outside the window, reject it
 * (normal TCP processing)"; only then "R3) If an arriving segment
 * satisfies SEG.TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent ...
 * record its timestamp in TS.Recent."  glass still takes the ACK of an
 * old duplicate (tcp_old_duplicate), but its TSval must not become
 * TS.Recent: a blind segment anywhere in the span behind RCV.NXT with a
 * TSval far ahead would otherwise make PAWS (R1) drop every later
 * segment of the real peer until TS.Recent went stale (24 days). */
START_TEST(rfc7323_5_3_r2_old_duplicate_does_not_set_ts_recent)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(false, -1, true, 7000, &sa);
    static const char data[100];
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 7002, sa.o.tsval, data, sizeof data);
    ck_assert_uint_eq(t->rcvbuf.len, sizeof data);
    ck_assert_uint_eq(t->ts_recent, 7002);
    /* The same bytes again (wholly before RCV.NXT), TSval 2^30 ahead. */
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 7002 + 0x40000000u, sa.o.tsval, data,
            sizeof data);
    struct tcp_h_rx s;
    pop(&s); /* the duplicate is acknowledged */
    ck_assert_uint_eq(s.ack, c.snd_nxt + sizeof data);
    ck_assert_uint_eq(t->ts_recent, 7002);
    /* The real peer goes on with its own clock: taken, not PAWS-dropped. */
    c.snd_nxt += sizeof data;
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 7003, sa.o.tsval, data, sizeof data);
    ck_assert_uint_eq(h.stack->stats.tcp_paws_rejected, 0);
    ck_assert_uint_eq(t->rcvbuf.len, 2 * sizeof data);
    ck_assert_uint_eq(t->ts_recent, 7003);
}
END_TEST

/* ---- RFC 2883 4 vs RFC 9293 3.7.1: a D-SACK is not lost for want of room --- */

/* The user writes n bytes; tcp_output runs, as tcp_user_send does. */
static void queue(struct tcp_cb *t, size_t n)
{
    static uint8_t b[4 * 1460];
    ck_assert_uint_le(n, sizeof b);
    memset(b, 'x', n);
    lock();
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, b, n), n);
    tcp_output(t);
    unlock();
}

/* RFC 2883 4: a duplicate segment is reported in a D-SACK block, "the
 * first SACK block" of the ACK it provokes.  When that ACK rides on a
 * full-sized data segment, text and options together may not exceed the
 * peer's MSS (RFC 9293 3.7.1), so the segment has no room for any block:
 * the D-SACK must then go on a pure ACK, not be dropped (and counted as
 * sent) with the blocks that did not fit. */
START_TEST(rfc2883_4_dsack_survives_a_full_sized_data_segment)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(true, -1, false, 0, &sa);
    ck_assert(t->sack.ok);
    ck_assert_uint_eq(t->snd_mss, 1460);
    static const char data[100];
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, data, sizeof data);
    lock();
    tcp_send_ack(t);
    t->cwnd = 1460; /* one segment now, the next when it is acknowledged */
    unlock();
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt + sizeof data);
    tcp_h_expect_none(&h);
    queue(t, 2 * 1460);
    pop(&s);
    ck_assert_uint_eq(s.dlen, 1460);
    tcp_h_expect_none(&h);
    /* The peer sends its 100 bytes again and acknowledges our segment:
     * the window opens, the next full segment goes with the ACK. */
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt + 1460, TCP_ACK | TCP_PSH, data, sizeof data);
    bool dsack = false, full = false;
    while (tcp_h_pop_opts(&h, &s)) {
        ck_assert_uint_le(s.dlen + (s.doff - TCP_HLEN), 1460); /* RFC 9293 3.7.1 */
        if (s.dlen == 1460)
            full = true;
        if (s.o.nsack && s.o.sack[0].left == c.snd_nxt &&
            s.o.sack[0].right == c.snd_nxt + sizeof data)
            dsack = true;
    }
    ck_assert(full);
    ck_assert_msg(dsack, "the D-SACK for the duplicate was never sent");
    ck_assert_uint_eq(h.stack->stats.tcp_dsack_sent, 1);
}
END_TEST

/* ---- RFC 4987 3.6 vs RFC 7323 / RFC 2018: a cookie from a SYN without TS ----- */

/* A cookie SYN-ACK carries what the SYN said beyond its MSS in the
 * Timestamps option (tcp_syncookie.c); a SYN without TSopt leaves it
 * nowhere to go, so that SYN-ACK offers none of WS, TS and
 * SACK-permitted, and RFC 7323 2.2/3.2 and RFC 2018 2 then forbid them
 * for the connection, whatever else the peer's SYN offered (here WS and
 * SACK-permitted).  The connection the cookie ACK makes must run with
 * none: no TS on its segments, an unscaled window both ways, no SACK
 * blocks, no PAWS even if the peer's ACK carries a stray TSopt.  (With
 * TS in the SYN: check_tcp_syncookie.c.) */
START_TEST(rfc4987_3_6_cookie_from_syn_without_ts_has_no_ts_ws_sack)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.syncookies = GLASS_SYNCOOKIES_ALWAYS;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    tcp_h_listen_tcb(&h, c.lport, 8);
    uint8_t o[40];
    tcp_h_send_opts(&c, c.irs, 0, TCP_SYN, o, opts(o, true, true, 7, false, 0, 0), NULL, 0);
    struct tcp_h_rx sa;
    pop(&sa);
    ck_assert_uint_eq(sa.flags, TCP_SYN | TCP_ACK);
    ck_assert(sa.o.mss_present);
    ck_assert(!sa.o.ws_present);
    ck_assert(!sa.o.ts_present);
    ck_assert(!sa.o.sack_perm);
    ck_assert_uint_eq(h.stack->stats.tcp_syncookies_sent, 1);
    c.iss = sa.seq;
    c.snd_nxt = c.irs + 1;
    c.rcv_nxt = c.iss + 1;
    /* The ACK, with a stray TSopt whose TSval is below the SYN's. */
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK, 10, sa.o.tsval, NULL, 0);
    struct tcp_cb *t = tcp_h_find(&h, c.lport, c.pport);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(!t->ts_ok);
    ck_assert(!t->ws_ok);
    ck_assert(!t->sack.ok);
    ck_assert_uint_eq(t->snd_wscale, 0);
    ck_assert_uint_eq(t->rcv_wscale, 0);
    ck_assert_uint_eq(t->snd_wnd, 65535); /* SEG.WND as it came: not << 7 */
    ck_assert_uint_eq(t->snd_mss, 1460);  /* no 12 bytes kept for TS */
    /* Out-of-order data with an old TSval: no PAWS, no SACK block. */
    static const char data[100];
    send_ts(c.snd_nxt + 100, c.rcv_nxt, TCP_ACK | TCP_PSH, 5, sa.o.tsval, data, sizeof data);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt);
    ck_assert(!s.o.ts_present);
    ck_assert_uint_eq(s.o.nsack, 0);
    ck_assert_uint_eq(s.doff, TCP_HLEN);
    ck_assert_uint_eq(h.stack->stats.tcp_paws_rejected, 0);
    queue(t, 300);
    pop(&s);
    ck_assert_uint_eq(s.dlen, 300);
    ck_assert_uint_eq(s.doff, TCP_HLEN);
    ck_assert_uint_eq(s.wnd, (uint16_t)GLASS_MIN(tcp_rcv_window(t), 65535u));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_review");
    TCase *tc = tcase_create("review");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc7323_5_3_r2_old_duplicate_does_not_set_ts_recent);
    tcase_add_test(tc, rfc2883_4_dsack_survives_a_full_sized_data_segment);
    tcase_add_test(tc, rfc4987_3_6_cookie_from_syn_without_ts_has_no_ts_ws_sack);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
