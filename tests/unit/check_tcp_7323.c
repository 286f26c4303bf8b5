/*
 * check_tcp_7323.c - RFC 7323 (window scaling, timestamps, RTTM, PAWS)
 * with crafted segments in and exact segments out, on the virtual clock.
 *
 * The peer is 10.0.0.1:5000, glass 10.0.0.2:80; connections are control
 * blocks without sockets (tcp_harness.h).  Every segment glass sends is
 * parsed here with its options (tx_pop_opts), so a test can say which
 * options it carried.  glass's receive buffer is the 1 MiB default, so
 * its window shift is 5 (65535 << 4 < 1 MiB <= 65535 << 5).
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

#define MS 1000ULL
#define SEC GLASS_USEC_PER_SEC
#define OUR_SHIFT 5

static struct harness h;
static struct tcp_h_conn c;

static void setup(void)
{
    tcp_h_start(&h, &c, 80, 5000);
}

static void teardown(void)
{
    harness_fini(&h);
}

/* ---- segments out, with their options -------------------------------------- */

static void pop(struct tcp_h_rx *r)
{
    ck_assert_msg(tcp_h_pop_opts(&h, r), "no segment sent");
}

/* ---- segments in ------------------------------------------------------------- */

/* Options: MSS 1460 when mss, WS shift ws (ws < 0: none), TS when ts;
 * padded to 4; returns the length. */
static size_t opts(uint8_t *p, bool mss, int ws, bool ts, uint32_t tsval, uint32_t tsecr)
{
    return tcp_h_opts(p, mss ? 1460 : 0, false, ws, ts, tsval, tsecr);
}

/* A segment from the peer with a Timestamps option. */
static void send_ts(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t tsval, uint32_t tsecr,
                    const void *data, size_t dlen)
{
    uint8_t o[40];
    tcp_h_send_opts(&c, seq, ack, flags, o, opts(o, false, -1, true, tsval, tsecr), data, dlen);
}

/* Passive open: SYN with the given options, SYN-ACK popped into *sa,
 * the peer's ACK (with TS when ts), the child returned ESTABLISHED. */
static struct tcp_cb *passive(int ws, bool ts, uint32_t tsval, struct tcp_h_rx *sa)
{
    tcp_h_listen_tcb(&h, c.lport, 8);
    uint8_t o[40];
    tcp_h_send_opts(&c, c.irs, 0, TCP_SYN, o, opts(o, true, ws, ts, tsval, 0), NULL, 0);
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

static void lock(void)
{
    glass_stack_lock(h.stack);
}

static void unlock(void)
{
    glass_stack_unlock(h.stack);
}

/* The user writes n bytes; tcp_output runs, as tcp_user_send does. */
static void queue(struct tcp_cb *t, size_t n)
{
    uint8_t b[2000];
    ck_assert_uint_le(n, sizeof b);
    memset(b, 'x', n);
    lock();
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, b, n), n);
    tcp_output(t);
    unlock();
}

/* ---- 2.2: the Window Scale option is negotiated by both SYNs ------------------- */

START_TEST(rfc7323_2_2_active_syn_offers_ws_and_ts)
{
    tcp_h_connect_tcb(&c, 5000);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.flags, TCP_SYN);
    ck_assert(s.o.mss_present);
    ck_assert(s.o.ws_present);
    ck_assert_uint_eq(s.o.ws, OUR_SHIFT); /* 2.3: from the 1 MiB buffer */
    ck_assert(s.o.ts_present);
    ck_assert_uint_eq(s.o.tsecr, 0);      /* 3.2: no ACK, no echo */
    ck_assert_uint_eq(s.wnd, 65535);      /* 2.2: a SYN's window is not scaled */
}
END_TEST

START_TEST(rfc7323_2_2_scaling_only_after_both_syns)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 5000);
    struct tcp_h_rx s;
    pop(&s);
    /* SYN-ACK with WS 3 and window 1000: the SYN-ACK's own window is
     * taken as it is. */
    c.wnd = 1000;
    uint8_t o[40];
    tcp_h_send_opts(&c, c.irs, 5001, TCP_SYN | TCP_ACK, o, opts(o, true, 3, false, 0, 0), NULL,
                    0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(t->ws_ok);
    ck_assert_uint_eq(t->snd_wscale, 3);
    ck_assert_uint_eq(t->rcv_wscale, OUR_SHIFT);
    ck_assert_uint_eq(t->snd_wnd, 1000);
    /* Our ACK: the window field is now scaled by our shift. */
    pop(&s);
    ck_assert_uint_eq(s.flags, TCP_ACK);
    ck_assert_uint_eq(s.wnd, (1u << 20) >> OUR_SHIFT);
    ck_assert(!s.o.ts_present); /* the SYN-ACK had no TS */
    /* The next segment's window is scaled: 1000 << 3. */
    c.snd_nxt = c.irs + 1;
    tcp_h_send(&c, c.snd_nxt, 5001, TCP_ACK, NULL, 0);
    ck_assert_uint_eq(t->snd_wnd, 8000);
}
END_TEST

START_TEST(rfc7323_2_2_synack_without_ws_disables_our_scaling)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 5000);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert(s.o.ws_present); /* we offered */
    c.wnd = 1000;
    uint8_t o[4];
    tcp_h_send_opts(&c, c.irs, 5001, TCP_SYN | TCP_ACK, o, tcp_h_opt_mss(o, 1460), NULL, 0);
    ck_assert(!t->ws_ok);
    ck_assert_uint_eq(t->rcv_wscale, 0);
    ck_assert_uint_eq(t->snd_wscale, 0);
    pop(&s);
    /* Our window is unscaled: the 1 MiB buffer shows as 65535. */
    ck_assert_uint_eq(s.wnd, 65535);
    ck_assert_uint_eq(s.doff, TCP_HLEN); /* and no TS either */
    c.snd_nxt = c.irs + 1;
    tcp_h_send(&c, c.snd_nxt, 5001, TCP_ACK, NULL, 0);
    ck_assert_uint_eq(t->snd_wnd, 1000); /* the peer's is unscaled too */
}
END_TEST

START_TEST(rfc7323_2_2_synack_answers_only_what_the_syn_offered)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(-1, false, 0, &sa);
    ck_assert(!sa.o.ws_present);
    ck_assert(!sa.o.ts_present);
    ck_assert(sa.o.mss_present);
    ck_assert(!t->ws_ok);
    ck_assert(!t->ts_ok);
}
END_TEST

START_TEST(rfc7323_2_2_passive_ws_syn_window_unscaled_then_scaled)
{
    c.wnd = 1000;
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(7, false, 0, &sa);
    ck_assert(sa.o.ws_present);
    ck_assert_uint_eq(sa.o.ws, OUR_SHIFT);
    ck_assert(!sa.o.ts_present);
    ck_assert_uint_eq(sa.wnd, 65535); /* our SYN-ACK: unscaled, at most 65535 */
    ck_assert_uint_eq(t->snd_wscale, 7);
    /* The SYN's 1000 was not scaled; the ACK's 1000 is: 1000 << 7. */
    ck_assert_uint_eq(t->snd_wnd, 128000);
    ck_assert_uint_eq(t->max_snd_wnd, 128000);
}
END_TEST

START_TEST(rfc7323_2_3_shift_over_14_is_used_as_14)
{
    c.wnd = 1;
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(15, false, 0, &sa);
    ck_assert_uint_eq(t->snd_wscale, 14);
    ck_assert_uint_eq(t->snd_wnd, 1u << 14);
    ck_assert_uint_eq(h.stack->stats.tcp_ws_shift_clamped, 1);
}
END_TEST

START_TEST(rfc7323_2_3_window_advertised_scaled)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(2, false, 0, &sa);
    static const char data[1000];
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, data, sizeof data);
    c.snd_nxt += sizeof data;
    harness_advance(&h, 250 * MS); /* the delayed ACK */
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt);
    /* 1 MiB less the 1000 unread bytes, in units of 32 (rounded down:
     * never offer more than the buffer holds). */
    uint32_t space = ((1u << 20) - 1000) & ~31u;
    ck_assert_uint_eq(s.wnd, space >> OUR_SHIFT);
    ck_assert_uint_eq(t->rcv_adv, c.snd_nxt + space);
}
END_TEST

START_TEST(rfc7323_2_4_rounding_never_retracts_the_window)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(2, false, 0, &sa);
    static const char data[1000];
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, data, sizeof data);
    c.snd_nxt += sizeof data;
    harness_advance(&h, 250 * MS);
    struct tcp_h_rx s;
    pop(&s);
    uint32_t edge = s.ack + ((uint32_t)s.wnd << OUR_SHIFT);
    /* 100 more bytes nobody reads: the free space (a multiple of 32)
     * is now below what was offered; shifting the offer down would move
     * the right edge left by 4..31 bytes (RFC 7323 2.4). */
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, data, 100);
    c.snd_nxt += 100;
    harness_advance(&h, 250 * MS);
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt);
    uint32_t edge2 = s.ack + ((uint32_t)s.wnd << OUR_SHIFT);
    ck_assert_msg(seq_geq(edge2, edge), "right edge moved left: %u -> %u", edge, edge2);
    ck_assert_uint_eq(t->rcv_adv, edge2);
}
END_TEST

/* ---- 3.2, 4.3: timestamps sent and echoed ------------------------------------------ */

START_TEST(rfc7323_3_2_ts_on_every_segment_and_echoed)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    ck_assert(sa.o.ts_present);
    ck_assert_uint_eq(sa.o.tsecr, 7000);  /* the SYN's TSval echoed */
    ck_assert(!sa.o.ws_present);
    ck_assert(t->ts_ok);
    ck_assert_uint_eq(t->ts_recent, 7001); /* the ACK's, R3 */
    /* The send MSS leaves room for the 12 option bytes. */
    ck_assert_uint_eq(t->snd_mss, 1460 - 12);
    static const char data[100];
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 7005, sa.o.tsval, data, sizeof data);
    c.snd_nxt += sizeof data;
    uint32_t before = tcp_ts_now(t);
    harness_advance(&h, 250 * MS);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt);
    ck_assert(s.o.ts_present);
    ck_assert_uint_eq(s.o.tsecr, 7005);
    /* TSval: the 1 ms clock (the delayed ACK went ~200 ms later). */
    ck_assert_uint_ge(s.o.tsval - before, 150);
    ck_assert_uint_le(s.o.tsval - before, 250);
    /* Data from glass carries TS as well. */
    queue(t, 10);
    pop(&s);
    ck_assert_uint_eq(s.dlen, 10);
    ck_assert(s.o.ts_present);
    ck_assert_uint_eq(s.doff, TCP_HLEN + 12);
}
END_TEST

START_TEST(rfc7323_3_2_ts_not_sent_when_not_negotiated)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(7, false, 0, &sa);
    ck_assert(!sa.o.ts_present);
    ck_assert_uint_eq(t->snd_mss, 1460);
    queue(t, 10);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.dlen, 10);
    ck_assert_uint_eq(s.doff, TCP_HLEN);
    /* A TS option arriving anyway is not echoed. */
    send_ts(c.snd_nxt, s.seq + 10, TCP_ACK, 1234, 0, "abc", 3);
    c.snd_nxt += 3;
    harness_advance(&h, 250 * MS);
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt);
    ck_assert(!s.o.ts_present);
}
END_TEST

START_TEST(rfc7323_4_3_ts_recent_not_taken_from_a_later_segment)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    static const char data[100];
    /* Out of order (a hole at c.snd_nxt): its TSval must not be echoed,
     * the ACK it provokes echoes the segment that last advanced. */
    send_ts(c.snd_nxt + 100, c.rcv_nxt, TCP_ACK, 7050, sa.o.tsval, data, sizeof data);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert_uint_eq(s.ack, c.snd_nxt); /* duplicate ACK for the hole */
    ck_assert_uint_eq(s.o.tsecr, 7001);
    ck_assert_uint_eq(t->ts_recent, 7001);
}
END_TEST

/* ---- 5: PAWS -------------------------------------------------------------------- */

START_TEST(rfc7323_5_3_paws_rejects_old_tsval_and_acks)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    static const char data[100];
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 6000, sa.o.tsval, data, sizeof data);
    struct tcp_h_rx s;
    pop(&s); /* R1: "send an acknowledgment in reply" */
    ck_assert_uint_eq(s.flags, TCP_ACK);
    ck_assert_uint_eq(s.ack, c.snd_nxt); /* the data was not taken */
    ck_assert_uint_eq(s.o.tsecr, 7001);
    ck_assert_uint_eq(t->rcv_nxt, c.snd_nxt);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    ck_assert_uint_eq(t->ts_recent, 7001);
    ck_assert_uint_eq(h.stack->stats.tcp_paws_rejected, 1);
    /* The same data with a current TSval is taken. */
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 7002, sa.o.tsval, data, sizeof data);
    ck_assert_uint_eq(t->rcvbuf.len, sizeof data);
    ck_assert_uint_eq(t->ts_recent, 7002);
}
END_TEST

START_TEST(rfc7323_5_3_paws_does_not_apply_to_rst)
{
    struct tcp_h_rx sa;
    passive(-1, true, 7000, &sa);
    send_ts(c.snd_nxt, 0, TCP_RST, 10, 0, NULL, 0);
    struct tcp_cb *x = tcp_h_find(&h, c.lport, c.pport);
    ck_assert(x == NULL || x->state == TCP_LISTEN); /* the connection is gone */
    ck_assert_uint_eq(h.stack->stats.tcp_paws_rejected, 0);
    ck_assert_uint_eq(h.stack->stats.tcp_rst_rcvd, 1);
}
END_TEST

START_TEST(rfc7323_5_5_ts_recent_invalid_after_24_days_idle)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    harness_advance(&h, (glass_time_t)25 * 24 * 3600 * SEC);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    static const char data[10];
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 5, tcp_ts_now(t), data, sizeof data);
    ck_assert_uint_eq(t->rcvbuf.len, sizeof data); /* accepted */
    ck_assert_uint_eq(t->ts_recent, 5);            /* and TS.Recent replaced */
    ck_assert_uint_eq(h.stack->stats.tcp_paws_rejected, 0);
}
END_TEST

START_TEST(rfc7323_5_2_tsval_wraparound)
{
    struct tcp_h_rx sa;
    struct tcp_cb *t = passive(-1, true, 0xfffffff0u, &sa);
    ck_assert_uint_eq(t->ts_recent, 0xfffffff1u);
    static const char data[10];
    /* 3 is "later" than 0xfffffff1 modulo 2^32: accepted. */
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 3, sa.o.tsval, data, sizeof data);
    c.snd_nxt += sizeof data;
    ck_assert_uint_eq(t->rcvbuf.len, sizeof data);
    ck_assert_uint_eq(t->ts_recent, 3);
    /* 0xffffffe0 is now older: rejected. */
    send_ts(c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, 0xffffffe0u, sa.o.tsval, data, sizeof data);
    ck_assert_uint_eq(t->rcvbuf.len, sizeof data);
    ck_assert_uint_eq(h.stack->stats.tcp_paws_rejected, 1);
}
END_TEST

/* ---- 4: RTTM -------------------------------------------------------------------- */

/* Data from glass lost once: the RTO resends it, so Karn leaves the
 * segment timer with nothing to measure.  Returns the retransmission. */
static void send_and_lose(struct tcp_cb *t, struct tcp_h_rx *s)
{
    queue(t, 100);
    pop(s);
    ck_assert_uint_eq(s->dlen, 100);
    harness_advance(&h, t->rto + 1);
    pop(s);
    ck_assert_uint_eq(s->dlen, 100); /* the retransmission */
    ck_assert(!t->rtt_timing);
}

START_TEST(rfc7323_4_rtt_sample_from_tsecr_feeds_rfc6298)
{
    struct tcp_h_rx sa, s;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    send_and_lose(t, &s);
    glass_time_t srtt = t->srtt, rttvar = t->rttvar;
    uint64_t samples = h.stack->stats.tcp_ts_rtt_samples;
    harness_advance(&h, 80 * MS);
    /* The ACK echoes the retransmission's TSval: R = 80 ms. */
    send_ts(c.snd_nxt, s.seq + 100, TCP_ACK, 7100, s.o.tsval, NULL, 0);
    ck_assert_uint_eq(t->snd_una, s.seq + 100);
    ck_assert_uint_eq(h.stack->stats.tcp_ts_rtt_samples, samples + 1);
    /* RFC 6298 2.3 with R' = 80 ms. */
    glass_time_t r = 80 * MS;
    glass_time_t delta = srtt > r ? srtt - r : r - srtt;
    ck_assert_uint_eq(t->rttvar, (3 * rttvar + delta) / 4);
    ck_assert_uint_eq(t->srtt, (7 * srtt + r) / 8);
}
END_TEST

START_TEST(rfc6298_3_karn_still_rules_without_timestamps)
{
    struct tcp_h_rx sa, s;
    struct tcp_cb *t = passive(-1, false, 0, &sa);
    send_and_lose(t, &s);
    glass_time_t srtt = t->srtt;
    uint64_t samples = h.stack->stats.tcp_rtt_samples;
    harness_advance(&h, 80 * MS);
    tcp_h_send(&c, c.snd_nxt, s.seq + 100, TCP_ACK, NULL, 0);
    ck_assert_uint_eq(t->snd_una, s.seq + 100);
    ck_assert_uint_eq(h.stack->stats.tcp_rtt_samples, samples); /* no sample */
    ck_assert_uint_eq(t->srtt, srtt);
}
END_TEST

START_TEST(rfc7323_4_rtt_sample_across_our_tsval_wrap)
{
    struct tcp_h_rx sa, s;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    /* Our clock 10 ms before 2^32 when the retransmission goes. */
    lock();
    glass_time_t rexmit_at = glass_stack_now(h.stack) + t->rto + 1;
    t->ts_offset = (uint32_t)(0u - 10u - (uint32_t)(rexmit_at / MS));
    unlock();
    send_and_lose(t, &s);
    ck_assert_uint_gt(s.o.tsval, 0xf0000000u);
    harness_advance(&h, 30 * MS); /* past the wrap */
    ck_assert_uint_lt(tcp_ts_now(t), 0x1000u);
    uint64_t samples = h.stack->stats.tcp_ts_rtt_samples;
    glass_time_t srtt = t->srtt;
    send_ts(c.snd_nxt, s.seq + 100, TCP_ACK, 7100, s.o.tsval, NULL, 0);
    ck_assert_uint_eq(h.stack->stats.tcp_ts_rtt_samples, samples + 1);
    ck_assert_uint_eq(t->srtt, (7 * srtt + 30 * MS) / 8);
}
END_TEST

START_TEST(rfc7323_4_echo_from_the_future_is_no_sample)
{
    struct tcp_h_rx sa, s;
    struct tcp_cb *t = passive(-1, true, 7000, &sa);
    send_and_lose(t, &s);
    glass_time_t srtt = t->srtt;
    send_ts(c.snd_nxt, s.seq + 100, TCP_ACK, 7100, s.o.tsval + 100000, NULL, 0);
    ck_assert_uint_eq(t->snd_una, s.seq + 100); /* the ACK itself counts */
    ck_assert_uint_eq(t->srtt, srtt);
    ck_assert_uint_eq(h.stack->stats.tcp_ts_bad_echo, 1);
}
END_TEST

/* ---- settings ---------------------------------------------------------------------- */

START_TEST(rfc7323_options_off_by_config)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.window_scaling = 0;
    cfg.timestamps = 0;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    tcp_h_connect_tcb(&c, 5000);
    struct tcp_h_rx s;
    pop(&s);
    ck_assert(s.o.mss_present);
    ck_assert(!s.o.ws_present);
    ck_assert(!s.o.ts_present);
    /* and a SYN offering both gets neither back */
    struct tcp_h_rx sa;
    c.lport = 81;
    c.pport = 5001;
    struct tcp_cb *t = passive(7, true, 7000, &sa);
    ck_assert(!sa.o.ws_present);
    ck_assert(!sa.o.ts_present);
    ck_assert(!t->ws_ok);
    ck_assert(!t->ts_ok);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_7323");
    TCase *tc = tcase_create("rfc7323");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc7323_2_2_active_syn_offers_ws_and_ts);
    tcase_add_test(tc, rfc7323_2_2_scaling_only_after_both_syns);
    tcase_add_test(tc, rfc7323_2_2_synack_without_ws_disables_our_scaling);
    tcase_add_test(tc, rfc7323_2_2_synack_answers_only_what_the_syn_offered);
    tcase_add_test(tc, rfc7323_2_2_passive_ws_syn_window_unscaled_then_scaled);
    tcase_add_test(tc, rfc7323_2_3_shift_over_14_is_used_as_14);
    tcase_add_test(tc, rfc7323_2_3_window_advertised_scaled);
    tcase_add_test(tc, rfc7323_2_4_rounding_never_retracts_the_window);
    tcase_add_test(tc, rfc7323_3_2_ts_on_every_segment_and_echoed);
    tcase_add_test(tc, rfc7323_3_2_ts_not_sent_when_not_negotiated);
    tcase_add_test(tc, rfc7323_4_3_ts_recent_not_taken_from_a_later_segment);
    tcase_add_test(tc, rfc7323_5_3_paws_rejects_old_tsval_and_acks);
    tcase_add_test(tc, rfc7323_5_3_paws_does_not_apply_to_rst);
    tcase_add_test(tc, rfc7323_5_5_ts_recent_invalid_after_24_days_idle);
    tcase_add_test(tc, rfc7323_5_2_tsval_wraparound);
    tcase_add_test(tc, rfc7323_4_rtt_sample_from_tsecr_feeds_rfc6298);
    tcase_add_test(tc, rfc6298_3_karn_still_rules_without_timestamps);
    tcase_add_test(tc, rfc7323_4_rtt_sample_across_our_tsval_wrap);
    tcase_add_test(tc, rfc7323_4_echo_from_the_future_is_no_sample);
    tcase_add_test(tc, rfc7323_options_off_by_config);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
