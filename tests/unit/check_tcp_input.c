/*
 * check_tcp_input.c - RFC 9293 3.10.7 "SEGMENT ARRIVES" with crafted
 * segments in and exact segments out (tcp_harness.h), on a virtual clock.
 *
 * The peer is 10.0.0.1 (port 5000 unless a test says otherwise), glass is
 * 10.0.0.2; connections are control blocks without sockets, made by the
 * harness as tcp_user_* would make them.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "harness.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_harness.h"

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

/* Run f(tcb) under the stack lock (what a socket call would do). */
static void locked_fin(struct tcp_cb *tcb, enum tcp_state next)
{
    glass_stack_lock(h.stack);
    tcb->fin_queued = true;
    tcp_set_state(tcb, next);
    tcp_output(tcb);
    glass_stack_unlock(h.stack);
}

static struct tcp_cb *established_passive(void)
{
    tcp_h_listen_tcb(&h, c.lport, 8);
    struct tcp_cb *t = tcp_h_handshake_passive(&c);
    tcp_h_expect_none(&h);
    return t;
}

static struct tcp_cb *established_active(uint32_t iss)
{
    struct tcp_cb *t = tcp_h_handshake_active(&c, iss);
    tcp_h_expect_none(&h);
    return t;
}

/* ---- handshakes ------------------------------------------------------------ */

START_TEST(rfc9293_3_10_7_2_passive_open_three_way_handshake)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    static struct tseg s;
    uint8_t opt[4];
    tcp_h_send_opts(&c, 1000, 0, TCP_SYN, opt, tcp_h_opt_mss(opt, 1200), NULL, 0);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.flags, TCP_SYN | TCP_ACK);
    ck_assert_uint_eq(s.ack, 1001);
    ck_assert_uint_eq(s.sport, 80);
    ck_assert_uint_eq(s.dport, 5000);
    ck_assert(s.has_mss);
    ck_assert_uint_eq(s.mss, 1460);     /* fake0: MTU 1500 - 40 */
    ck_assert_uint_eq(s.dlen, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5000);
    ck_assert_ptr_ne(child, l);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    ck_assert_uint_eq(child->iss, s.seq);
    ck_assert_uint_eq(child->irs, 1000);
    ck_assert_uint_eq(child->peer_mss, 1200);
    ck_assert_uint_eq(l->syn_q_len, 1);
    ck_assert_uint_eq(counter(&h, "tcp.passive_opens"), 1);
    tcp_h_send(&c, 1001, s.seq + 1, TCP_ACK, NULL, 0);
    ck_assert_int_eq(child->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(child->snd_una, s.seq + 1);
    ck_assert_uint_eq(l->syn_q_len, 0);
    ck_assert_uint_eq(l->acc_q_len, 1);
    ck_assert_uint_eq(counter(&h, "tcp.established"), 1);
    tcp_h_expect_none(&h);
    glass_stack_lock(h.stack);
    ck_assert_ptr_eq(tcp_listen_take(l), child);
    ck_assert_ptr_null(child->parent);
    ck_assert_ptr_null(tcp_listen_take(l));
    glass_stack_unlock(h.stack);
}
END_TEST

START_TEST(rfc9293_3_10_7_2_no_mss_option_means_536)
{
    tcp_h_listen_tcb(&h, 80, 8);
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5000);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    ck_assert_uint_eq(child->peer_mss, 536);
    ck_assert_uint_eq(child->snd_mss, 536);
}
END_TEST

START_TEST(rfc9293_3_10_7_3_active_open_three_way_handshake)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 7000);
    static struct tseg s;
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.flags, TCP_SYN);
    ck_assert_uint_eq(s.seq, 7000);
    ck_assert(s.has_mss);
    ck_assert_int_eq(t->state, TCP_SYN_SENT);
    uint8_t opt[4];
    tcp_h_send_opts(&c, 1000, 7001, TCP_SYN | TCP_ACK, opt, tcp_h_opt_mss(opt, 1000), NULL, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(t->irs, 1000);
    ck_assert_uint_eq(t->rcv_nxt, 1001);
    ck_assert_uint_eq(t->snd_una, 7001);
    ck_assert_uint_eq(t->snd_wnd, 65535);
    ck_assert_uint_eq(t->peer_mss, 1000);
    ck_assert_uint_eq(t->snd_mss, 1000);
    tcp_h_expect(&h, TCP_ACK, 7001, 1001);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.established"), 1);
}
END_TEST

START_TEST(rfc9293_3_10_7_3_synack_with_data_and_fin)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 7000);
    tcp_h_expect(&h, TCP_SYN, 7000, 0);
    tcp_h_send(&c, 1000, 7001, TCP_SYN | TCP_ACK | TCP_FIN, "hi", 2);
    ck_assert_int_eq(t->state, TCP_CLOSE_WAIT);
    ck_assert_uint_eq(t->rcvbuf.len, 2);
    ck_assert_uint_eq(t->rcv_nxt, 1004);     /* SYN + 2 + FIN */
    ck_assert(t->fin_rcvd);
    tcp_h_expect(&h, TCP_ACK, 7001, 1004);
}
END_TEST

START_TEST(rfc9293_3_10_7_3_bad_ack_in_syn_sent_gets_rst)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 7000);
    tcp_h_expect(&h, TCP_SYN, 7000, 0);
    /* SEG.ACK =< ISS */
    tcp_h_send(&c, 1000, 7000, TCP_SYN | TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, 7000, 0);
    /* SEG.ACK > SND.NXT */
    tcp_h_send(&c, 1000, 9000, TCP_SYN | TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, 9000, 0);
    /* ... with RST: dropped silently, connection still opening */
    tcp_h_send(&c, 1000, 9000, TCP_RST | TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_int_eq(t->state, TCP_SYN_SENT);
    /* RST without ACK: dropped */
    tcp_h_send(&c, 0, 0, TCP_RST, NULL, 0);
    ck_assert_int_eq(t->state, TCP_SYN_SENT);
    /* neither SYN nor RST: dropped */
    tcp_h_send(&c, 1000, 7001, TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_SYN_SENT);
    tcp_h_expect_none(&h);
}
END_TEST

START_TEST(rfc9293_3_10_7_3_rst_with_good_ack_refuses)
{
    tcp_h_connect_tcb(&c, 7000);
    tcp_h_expect(&h, TCP_SYN, 7000, 0);
    tcp_h_send(&c, 0, 7001, TCP_RST | TCP_ACK, NULL, 0);
    ck_assert_ptr_null(tcp_h_find(&h, 80, 5000));
    ck_assert_uint_eq(counter(&h, "tcp.rst_rcvd"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.conn_reset"), 1);
    tcp_h_expect_none(&h);
}
END_TEST

START_TEST(rfc9293_3_10_7_3_simultaneous_open)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 7000);
    tcp_h_expect(&h, TCP_SYN, 7000, 0);
    /* The peer's SYN crosses ours: SYN-RECEIVED, SYN-ACK <SEQ=ISS><ACK=RCV.NXT>. */
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_SYN_RECEIVED);
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, 7000, 1001);
    /* Its SYN-ACK (repeating its SYN) completes the handshake. */
    tcp_h_send(&c, 1000, 7001, TCP_SYN | TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(t->snd_una, 7001);
    ck_assert_uint_eq(t->rcv_nxt, 1001);
    /* and data then flows */
    tcp_h_send(&c, 1001, 7001, TCP_ACK | TCP_PSH, "abc", 3);
    ck_assert_uint_eq(t->rcvbuf.len, 3);
}
END_TEST

/* RFC 9293 3.10.4: CLOSE in SYN-RECEIVED (here after a simultaneous
 * open) sends the FIN and enters FIN-WAIT-1 with our SYN still
 * unacknowledged.  The retransmission timer must resend the SYN-ACK
 * (<SEQ=ISS><ACK=RCV.NXT><SYN,ACK>, 3.10.7.3), not nothing and not a bare
 * SYN; once the peer has acknowledged it, the FIN follows (3.10.7.4). */
START_TEST(rfc9293_3_10_4_close_in_syn_received_resends_synack)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 7000);
    tcp_h_expect(&h, TCP_SYN, 7000, 0);
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_SYN_RECEIVED);
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, 7000, 1001); /* lost on the way */
    locked_fin(t, TCP_FIN_WAIT_1);                   /* close() */
    tcp_h_expect(&h, TCP_FIN | TCP_ACK, 7001, 1001);
    tcp_h_expect_none(&h);
    harness_advance(&h, 1 * GLASS_USEC_PER_SEC); /* RTO */
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, 7000, 1001);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.retransmits"), 1);
    /* The peer acknowledges our SYN only (its FIN copy was dropped as
     * out of window in its SYN-RECEIVED): the FIN goes again. */
    tcp_h_send(&c, 1001, 7001, TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_FIN_WAIT_1);
    ck_assert_uint_eq(t->snd_una, 7001);
    tcp_h_expect(&h, TCP_FIN | TCP_ACK, 7001, 1001);
    tcp_h_expect_none(&h);
    tcp_h_send(&c, 1001, 7002, TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_FIN_WAIT_2);
}
END_TEST

/* RFC 9293 3.10.7.4 answers an unacceptable segment, and an ACK for
 * data not yet sent, with an ACK; like Linux (tcp_oow_rate_limited)
 * glass sends at most one such ACK per 500 ms per connection for pure
 * ACKs, so a peer cannot make it loop ACKs; a data segment still gets
 * its ACK (its sender needs it and it is no ACK loop). */
START_TEST(rfc9293_3_10_7_4_out_of_window_acks_rate_limited)
{
    established_passive();
    uint32_t far = c.snd_nxt + 70000; /* beyond the 65535 window */
    tcp_h_send(&c, far, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, c.snd_nxt);
    for (int i = 0; i < 5; i++)
        tcp_h_send(&c, far, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.out_of_window"), 6);
    ck_assert_uint_eq(counter(&h, "tcp.oow_acks_limited"), 5);
    /* an ACK for data never sent shares the budget */
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt + 5000, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.ack_unsent"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.oow_acks_limited"), 6);
    /* out-of-window data is answered regardless */
    tcp_h_send(&c, far, c.rcv_nxt, TCP_ACK, "data", 4);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, c.snd_nxt);
    /* 500 ms after the last ACK sent the next one may go */
    harness_advance(&h, 499 * 1000);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt + 5000, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    harness_advance(&h, 1000);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt + 5000, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, c.snd_nxt);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.oow_acks_limited"), 7);
}
END_TEST

START_TEST(rfc9293_3_10_7_2_retransmitted_syn_gets_synack_again)
{
    tcp_h_listen_tcb(&h, 80, 8);
    static struct tseg s1, s2;
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    ck_assert(tx_pop_tcp(&h, &s1));
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    ck_assert(tx_pop_tcp(&h, &s2));
    ck_assert_uint_eq(s2.flags, TCP_SYN | TCP_ACK);
    ck_assert_uint_eq(s2.seq, s1.seq);
    ck_assert_uint_eq(s2.ack, 1001);
    ck_assert_uint_eq(counter(&h, "tcp.passive_opens"), 1);
    tcp_h_expect_none(&h);
}
END_TEST

START_TEST(issue4_backlog_overflow_drops_syn_silently)
{
    /* With SYN cookies off: by default (auto) the SYN would get a cookie
     * (check_tcp_syncookie.c). */
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.syncookies = GLASS_SYNCOOKIES_NEVER;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, tcp_h_find(&h, 80, 5000)->iss, 1001);
    c.pport = 5001;
    tcp_h_send(&c, 2000, 0, TCP_SYN, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5001), l);
    ck_assert_uint_eq(l->syn_q_len, 1);
    ck_assert_uint_eq(counter(&h, "tcp.syn_queue_full"), 1);
}
END_TEST

/* Issue 4 / Linux tcp_conn_request: a SYN that finds the ACCEPT queue
 * full is dropped silently too (no SYN-ACK the client would take for a
 * connection), and once accept() makes room its retransmission gets in. */
START_TEST(rfc9293_3_10_7_2_accept_queue_full_drops_syn_silently)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    tcp_h_handshake_passive(&c);
    ck_assert_uint_eq(l->acc_q_len, 1);
    struct tcp_h_conn c2 = c;
    c2.pport = 5001;
    tcp_h_send(&c2, 3000, 0, TCP_SYN, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5001), l);
    ck_assert_uint_eq(l->syn_q_len, 0);
    ck_assert_uint_eq(counter(&h, "tcp.accept_queue_full"), 1);
    glass_stack_lock(h.stack);
    struct tcp_cb *first = tcp_listen_take(l);
    tcp_done(first, 0);         /* no socket: the test frees it */
    glass_stack_unlock(h.stack);
    tcp_h_send(&c2, 3000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5001);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, child->iss, 3001);
}
END_TEST

START_TEST(issue4_accept_queue_full_drops_the_ack)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    /* c2's SYN comes while the accept queue has room... */
    struct tcp_h_conn c2 = c;
    c2.pport = 5001;
    c2.irs = 3000;
    tcp_h_send(&c2, 3000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5001);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, child->iss, 3001);
    /* ...then c's handshake fills it before c2's ACK arrives */
    glass_stack_lock(h.stack);
    l->backlog = 2;     /* room on the SYN queue for c's child too */
    glass_stack_unlock(h.stack);
    tcp_h_handshake_passive(&c);
    glass_stack_lock(h.stack);
    l->backlog = 1;
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(l->acc_q_len, 1);
    tcp_h_send(&c2, 3001, child->iss + 1, TCP_ACK, NULL, 0);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    ck_assert_uint_eq(counter(&h, "tcp.accept_queue_full"), 1);
    tcp_h_expect_none(&h);
    /* accept() makes room; the next ACK completes the handshake */
    glass_stack_lock(h.stack);
    struct tcp_cb *first = tcp_listen_take(l);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_nonnull(first);
    tcp_h_send(&c2, 3001, child->iss + 1, TCP_ACK, NULL, 0);
    ck_assert_int_eq(child->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(l->acc_q_len, 1);
    /* `first` has no socket: closing it is the test's job */
    glass_stack_lock(h.stack);
    tcp_done(first, 0);
    glass_stack_unlock(h.stack);
}
END_TEST

START_TEST(rfc9293_3_10_7_2_listener_ignores_rst_answers_ack_with_rst)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    tcp_h_send(&c, 1000, 0, TCP_RST, NULL, 0);
    tcp_h_expect_none(&h);
    tcp_h_send(&c, 1000, 4242, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, 4242, 0);
    ck_assert_uint_eq(l->syn_q_len, 0);
}
END_TEST

START_TEST(rfc9293_3_10_7_2_syn_fin_and_no_flags_on_listener_dropped)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    tcp_h_send(&c, 1000, 0, TCP_SYN | TCP_FIN, NULL, 0);
    tcp_h_send(&c, 1000, 0, 0, NULL, 0);
    tcp_h_send(&c, 1000, 0, TCP_FIN, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(l->syn_q_len, 0);
    ck_assert_uint_eq(counter(&h, "tcp.drop_bad_flags"), 3);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), l);
}
END_TEST

/* ---- no connection --------------------------------------------------------------- */

START_TEST(rfc9293_3_10_7_1_closed_port_rst_for_ack_bearing_segment)
{
    tcp_h_send(&c, 1000, 555, TCP_ACK, "xy", 2);
    tcp_h_expect(&h, TCP_RST, 555, 0);
    ck_assert_uint_eq(counter(&h, "tcp.no_port"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.rst_sent"), 1);
}
END_TEST

START_TEST(rfc9293_3_10_7_1_closed_port_rst_ack_for_syn)
{
    /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>: SYN + 3 bytes + FIN = 5 */
    tcp_h_send(&c, 0xfffffffe, 0, TCP_SYN | TCP_FIN, "abc", 3);
    tcp_h_expect(&h, TCP_RST | TCP_ACK, 0, 3);
    tcp_h_send(&c, 1000, 0, 0, NULL, 0);
    tcp_h_expect(&h, TCP_RST | TCP_ACK, 0, 1000);
    ck_assert_uint_eq(counter(&h, "tcp.no_port"), 2);
}
END_TEST

START_TEST(rfc9293_3_10_7_1_closed_port_rst_not_answered)
{
    tcp_h_send(&c, 1000, 0, TCP_RST, NULL, 0);
    tcp_h_send(&c, 1000, 5, TCP_RST | TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.rst_sent"), 0);
}
END_TEST

/* ---- header checks ------------------------------------------------------------------- */

static uint8_t frame[2048];

static size_t syn_frame(void)
{
    return build_tcp_frame(frame, A(H_PEER_IP), A(H_OUR_IP), 5000, 80, 1000, 0, TCP_SYN, 65535,
                           NULL, 0, NULL, 0);
}

START_TEST(rfc9293_3_1_bad_checksum_dropped)
{
    size_t n = syn_frame();
    frame[TF_TCP + TCP_OFF_CSUM] ^= 0x01;
    harness_inject(&h, frame, n);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.drop_bad_checksum"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.no_port"), 0);
}
END_TEST

START_TEST(rfc9293_3_1_data_offset_below_5_or_past_segment_dropped)
{
    size_t n = syn_frame();
    frame[TF_TCP + TCP_OFF_DOFF] = 4 << 4;
    tcp_frame_fix_checksum(frame, n);
    harness_inject(&h, frame, n);
    n = syn_frame();
    frame[TF_TCP + TCP_OFF_DOFF] = 6 << 4; /* 24 bytes in a 20-byte segment */
    tcp_frame_fix_checksum(frame, n);
    harness_inject(&h, frame, n);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.drop_bad_offset"), 2);
}
END_TEST

START_TEST(rfc9293_3_1_shorter_than_a_header_dropped)
{
    uint8_t t[12] = {0x13, 0x88, 0, 80};
    size_t n = build_ipv4_frame(frame, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_TCP_, t, sizeof t);
    harness_inject(&h, frame, n);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.drop_short"), 1);
}
END_TEST

START_TEST(rfc1122_4_2_3_10_broadcast_destination_dropped)
{
    size_t n = build_tcp_frame(frame, A(H_PEER_IP), A("10.0.0.255"), 5000, 80, 1000, 0, TCP_SYN,
                               65535, NULL, 0, NULL, 0);
    harness_inject(&h, frame, n);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.drop_not_unicast"), 1);
}
END_TEST

/* Every malformed option length: the parser says -1. */
START_TEST(rfc9293_3_1_option_lengths_parse)
{
    static const struct {
        uint8_t bytes[12];
        size_t len;
        int rc;
    } cases[] = {
        {{TCPOPT_MSS, 4, 0x05, 0xb4}, 4, 0},
        {{TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS, 4, 1, 0}, 6, 0},
        {{TCPOPT_EOL, 0xff, 0xff}, 3, 0},               /* EOL ends: garbage after it is padding */
        {{TCPOPT_MSS, 0}, 2, -1},                       /* length 0 */
        {{TCPOPT_MSS, 1}, 2, -1},                       /* length 1 */
        {{TCPOPT_MSS, 3, 0}, 3, -1},                    /* MSS must be 4 */
        {{TCPOPT_MSS, 4, 5}, 3, -1},                    /* runs past the area */
        {{TCPOPT_WSCALE, 4, 1, 0}, 4, -1},              /* WS must be 3 */
        {{TCPOPT_SACK_PERM, 3, 0}, 3, -1},              /* SACK_PERM must be 2 */
        {{TCPOPT_TIMESTAMP, 8, 0, 0, 0, 0, 0, 0}, 8, -1}, /* TS must be 10 */
        {{TCPOPT_SACK, 9, 0, 0, 0, 0, 0, 0, 0}, 9, -1}, /* SACK is 2 + 8n */
        {{TCPOPT_NOP, 99}, 2, -1},                      /* a kind with no length byte */
        {{99, 0}, 2, -1},                               /* unknown, length 0 */
        {{99, 4, 1, 2}, 4, 0},                          /* unknown, sane: skipped */
        {{TCPOPT_SACK, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 10, 0},
    };
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(cases); i++) {
        struct tcp_opts o;
        ck_assert_msg(tcp_opts_parse(cases[i].bytes, cases[i].len, &o) == cases[i].rc,
                      "case %zu", i);
    }
    struct tcp_opts o;
    uint8_t ok[] = {TCPOPT_NOP, TCPOPT_WSCALE, 3, 7, TCPOPT_MSS, 4, 0x02, 0x18, TCPOPT_SACK_PERM,
                    2, TCPOPT_TIMESTAMP, 10, 0, 0, 0, 9, 0, 0, 0, 8};
    ck_assert_int_eq(tcp_opts_parse(ok, sizeof ok, &o), 0);
    ck_assert(o.mss_present);
    ck_assert_uint_eq(o.mss, 536);
    ck_assert(o.ws_present);
    ck_assert_uint_eq(o.ws, 7);
    ck_assert(o.sack_perm);
    ck_assert(o.ts_present);
    ck_assert_uint_eq(o.tsval, 9);
    ck_assert_uint_eq(o.tsecr, 8);
    uint8_t w[8];
    ck_assert_uint_eq(tcp_opts_write_syn(w, 1460), 4);
    ck_assert_int_eq(tcp_opts_parse(w, 4, &o), 0);
    ck_assert_uint_eq(o.mss, 1460);
}
END_TEST

START_TEST(rfc9293_3_1_option_overrun_segment_dropped_and_counted)
{
    tcp_h_listen_tcb(&h, 80, 8);
    uint8_t opt[4] = {TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS, 8}; /* MSS length runs past the header */
    tcp_h_send_opts(&c, 1000, 0, TCP_SYN, opt, 4, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.drop_bad_options"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.passive_opens"), 0);
}
END_TEST

/* ---- acceptability (RFC 9293 3.4 table) and trimming -------------------------------- */

START_TEST(rfc9293_3_4_acceptability_zero_length_segments)
{
    struct tcp_cb *t = established_passive();
    uint32_t nxt = c.snd_nxt;
    /* len 0, wnd > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND */
    tcp_h_send(&c, nxt + 100, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    tcp_h_send(&c, nxt + 65535, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, nxt);
    harness_advance(&h, 500 * 1000); /* such ACKs: one per 500 ms (rate limit) */
    tcp_h_send(&c, nxt + 70000, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, nxt);
    ck_assert_uint_eq(counter(&h, "tcp.out_of_window"), 2);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
}
END_TEST

/* After an RTO the peer's SND.NXT went back (go-back-N), so its ACKs may
 * carry a SEQ below our RCV.NXT: the ACK field still counts (4.4BSD),
 * without an answer (no ACK ping-pong); old text is ACKed again. */
START_TEST(rfc9293_3_4_old_duplicate_still_acknowledges)
{
    struct tcp_cb *t = established_passive();
    uint32_t nxt = c.snd_nxt;
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, "0123456789", 10), 10);
    tcp_output(t);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(tcp_h_expect(&h, TCP_ACK | TCP_PSH, c.rcv_nxt, nxt), 10);
    tcp_h_send(&c, nxt - 1, c.rcv_nxt + 4, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(t->snd_una, c.rcv_nxt + 4);
    tcp_h_send(&c, nxt - 3, c.rcv_nxt + 10, TCP_ACK, "abc", 3);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt + 10, nxt);
    ck_assert_uint_eq(t->snd_una, c.rcv_nxt + 10);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    ck_assert_uint_eq(counter(&h, "tcp.out_of_window"), 2);
    /* an old RST is not taken */
    tcp_h_send(&c, nxt - 1, 0, TCP_RST, NULL, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
}
END_TEST

/* RFC 5961 5 / RFC 9293 3.4: taking the ACK of a duplicate is for
 * segments a real peer can send (at most about a window behind RCV.NXT).
 * A blind ACK with a SEQ far in the past is unacceptable: answered with
 * an ACK and dropped -- it must not acknowledge (and free) our data. */
START_TEST(rfc5961_5_ancient_seq_ack_not_taken)
{
    struct tcp_cb *t = established_passive();
    uint32_t nxt = c.snd_nxt;
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, "0123456789", 10), 10);
    tcp_output(t);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(tcp_h_expect(&h, TCP_ACK | TCP_PSH, c.rcv_nxt, nxt), 10);
    tcp_h_send(&c, nxt - 0x40000000u, c.rcv_nxt + 10, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt + 10, nxt);
    ck_assert_uint_eq(t->snd_una, c.rcv_nxt);
    ck_assert_uint_eq(t->sndbuf.len, 10);
    tcp_h_send(&c, nxt - 200000, c.rcv_nxt + 10, TCP_ACK, "abc", 3);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt + 10, nxt);
    ck_assert_uint_eq(t->snd_una, c.rcv_nxt);
    /* a retransmission one window old still counts */
    tcp_h_send(&c, nxt - 65535, c.rcv_nxt + 10, TCP_ACK, "abc", 3);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt + 10, nxt);
    ck_assert_uint_eq(t->snd_una, c.rcv_nxt + 10);
}
END_TEST

START_TEST(rfc9293_3_4_acceptability_data_segments_and_trimming)
{
    struct tcp_cb *t = established_passive();
    uint32_t nxt = c.snd_nxt;
    /* wholly old data: not acceptable, ACK */
    tcp_h_send(&c, nxt - 3, c.rcv_nxt, TCP_ACK, "abc", 3);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, nxt);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    /* starts before RCV.NXT, ends inside: acceptable, the old part trimmed */
    tcp_h_send(&c, nxt - 2, c.rcv_nxt, TCP_ACK, "abcd", 4);
    ck_assert_uint_eq(t->rcvbuf.len, 2);
    ck_assert_uint_eq(t->rcv_nxt, nxt + 2);
    char got[4];
    tcp_buf_peek(&t->rcvbuf, 0, got, 2);
    ck_assert_mem_eq(got, "cd", 2);
    /* starts beyond the window: not acceptable */
    tcp_h_send(&c, nxt + 2 + 70000, c.rcv_nxt, TCP_ACK, "x", 1);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, nxt + 2);
    ck_assert_uint_eq(counter(&h, "tcp.out_of_window"), 2);
}
END_TEST

START_TEST(rfc9293_3_4_data_beyond_window_trimmed)
{
    tcp_h_listen_tcb(&h, 80, 8)->rcvbuf.max = 1000;
    struct tcp_cb *t = tcp_h_handshake_passive(&c);
    tcp_h_expect_none(&h);
    uint32_t wnd = t->rcv_adv - t->rcv_nxt;
    ck_assert_uint_eq(wnd, 1000);
    static uint8_t big[1200];
    memset(big, 'z', sizeof big);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_FIN, big, sizeof big);
    ck_assert_uint_eq(t->rcvbuf.len, 1000);
    ck_assert_uint_eq(t->rcv_nxt, c.snd_nxt + 1000);
    ck_assert(!t->fin_rcvd);                /* the FIN lay beyond what was kept */
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(counter(&h, "tcp.rcv_beyond_window"), 200);
}
END_TEST

START_TEST(rfc9293_3_4_acceptability_zero_window)
{
    tcp_h_listen_tcb(&h, 80, 8)->rcvbuf.max = 1000;
    struct tcp_cb *t = tcp_h_handshake_passive(&c);
    static uint8_t fill[1000];
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK, fill, sizeof fill);
    harness_tx_clear(&h);
    uint32_t nxt = c.snd_nxt + 1000;
    ck_assert_uint_eq(t->rcv_nxt, nxt);
    static struct tseg s;
    /* len > 0, RCV.WND = 0: not acceptable -- the ACK still counts, the
     * text is refused and the sender told the window is 0 */
    tcp_h_send(&c, nxt, c.rcv_nxt, TCP_ACK, "abcdefghij", 10);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.flags, TCP_ACK);
    ck_assert_uint_eq(s.ack, nxt);
    ck_assert_uint_eq(s.wnd, 0);
    ck_assert_uint_eq(t->rcvbuf.len, 1000);
    ck_assert_uint_eq(counter(&h, "tcp.rcv_beyond_window"), 10);
    /* len = 0: acceptable only at RCV.NXT exactly */
    tcp_h_send(&c, nxt, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    tcp_h_send(&c, nxt + 1, c.rcv_nxt, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, nxt);
    /* a bare FIN at RCV.NXT is taken even so (Linux does the same) */
    tcp_h_send(&c, nxt, c.rcv_nxt, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_CLOSE_WAIT);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, nxt + 1);
}
END_TEST

START_TEST(rfc9293_3_4_sequence_wraparound)
{
    c.irs = 0xfffffff0u;
    struct tcp_cb *t = tcp_h_handshake_active(&c, 0xffffffffu);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(t->snd_una, 0);
    ck_assert_uint_eq(t->rcv_nxt, 0xfffffff1u);
    static uint8_t d[40];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)i;
    /* 40 bytes from 0xfffffff1 cross 2^32 */
    tcp_h_send(&c, 0xfffffff1u, 0, TCP_ACK | TCP_PSH, d, sizeof d);
    ck_assert_uint_eq(t->rcv_nxt, 0x19);
    ck_assert_uint_eq(t->rcvbuf.len, 40);
    /* an old duplicate from before the wrap is still old */
    tcp_h_send(&c, 0xfffffff1u, 0, TCP_ACK, d, 10);
    tcp_h_expect(&h, TCP_ACK, 0, 0x19);
    ck_assert_uint_eq(t->rcvbuf.len, 40);
}
END_TEST

/* ---- RST (RFC 5961 3, RFC 1337) ---------------------------------------------------- */

START_TEST(rfc5961_3_2_rst_exactly_at_rcv_nxt_resets)
{
    established_active(7000);
    tcp_h_send(&c, c.snd_nxt, 0, TCP_RST, NULL, 0);
    ck_assert_ptr_null(tcp_h_find(&h, 80, 5000));
    ck_assert_uint_eq(counter(&h, "tcp.rst_rcvd"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.conn_reset"), 1);
    tcp_h_expect_none(&h);
}
END_TEST

START_TEST(rfc5961_3_2_rst_in_window_challenge_ack)
{
    struct tcp_cb *t = established_active(7000);
    tcp_h_send(&c, c.snd_nxt + 10, 0, TCP_RST, NULL, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    ck_assert_uint_eq(counter(&h, "tcp.challenge_acks"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.rst_rcvd"), 0);
}
END_TEST

START_TEST(rfc5961_3_2_rst_out_of_window_ignored)
{
    struct tcp_cb *t = established_active(7000);
    tcp_h_send(&c, c.snd_nxt - 1, 0, TCP_RST, NULL, 0);
    tcp_h_send(&c, c.snd_nxt + 100000, 0, TCP_RST, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(counter(&h, "tcp.rst_ignored"), 2);
}
END_TEST

START_TEST(rfc5961_3_2_rst_with_old_data_not_moved_onto_rcv_nxt)
{
    struct tcp_cb *t = established_active(7000);
    /* acceptable by its data, but the RST's own SEQ is not RCV.NXT */
    tcp_h_send(&c, c.snd_nxt - 2, 7001, TCP_RST | TCP_ACK, "abcd", 4);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_rst_in_syn_received_drops_child)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    ck_assert_uint_eq(l->syn_q_len, 1);
    tcp_h_send(&c, 1001, 0, TCP_RST, NULL, 0);
    ck_assert_uint_eq(l->syn_q_len, 0);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), l);
    ck_assert_uint_eq(counter(&h, "tcp.rst_rcvd"), 1);
}
END_TEST

START_TEST(rfc5961_4_syn_in_established_challenge_ack)
{
    struct tcp_cb *t = established_active(7000);
    tcp_h_send(&c, c.snd_nxt + 5, 0, TCP_SYN, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    /* irrespective of the sequence number */
    tcp_h_send(&c, c.snd_nxt - 500, 0, TCP_SYN, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    /* Both are challenge ACKs (the second is out of the window; RFC 5961
     * 4.2 and Linux answer it the same way, under the challenge limit). */
    ck_assert_uint_eq(counter(&h, "tcp.challenge_acks"), 2);
    ck_assert_uint_eq(counter(&h, "tcp.out_of_window"), 0);
}
END_TEST

START_TEST(rfc5961_7_challenge_acks_rate_limited)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.challenge_ack_limit = 2;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    established_active(7000);
    for (int i = 0; i < 3; i++)
        tcp_h_send(&c, c.snd_nxt + 1, 0, TCP_RST, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.challenge_acks"), 2);
    ck_assert_uint_eq(counter(&h, "tcp.challenge_limited"), 1);
    harness_advance(&h, GLASS_USEC_PER_SEC);
    harness_tx_clear(&h);
    tcp_h_send(&c, c.snd_nxt + 1, 0, TCP_RST, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
}
END_TEST

/* ---- ACK checks -------------------------------------------------------------------------- */

START_TEST(rfc9293_3_10_7_4_no_ack_in_synchronized_state_dropped)
{
    struct tcp_cb *t = established_active(7000);
    tcp_h_send(&c, c.snd_nxt, 0, TCP_PSH, "abc", 3);
    tcp_h_send(&c, c.snd_nxt, 0, 0, NULL, 0);
    tcp_h_send(&c, c.snd_nxt, 0, TCP_FIN, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(counter(&h, "tcp.drop_bad_flags"), 3);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_ack_for_unsent_data)
{
    struct tcp_cb *t = established_active(7000);
    tcp_h_send(&c, c.snd_nxt, 7100, TCP_ACK | TCP_PSH, "abc", 3);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    ck_assert_uint_eq(t->snd_una, 7001);
    ck_assert_uint_eq(counter(&h, "tcp.ack_unsent"), 1);
}
END_TEST

START_TEST(rfc5961_5_2_ack_too_old_challenge_ack)
{
    struct tcp_cb *t = established_active(7000);
    /* SND.UNA - MAX.SND.WND = 7001 - 65535: anything older is refused */
    tcp_h_send(&c, c.snd_nxt, 7001 - 70000, TCP_ACK | TCP_PSH, "abc", 3);
    tcp_h_expect(&h, TCP_ACK, 7001, c.snd_nxt);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    ck_assert_uint_eq(counter(&h, "tcp.challenge_acks"), 1);
    /* an old but plausible ACK is fine */
    tcp_h_send(&c, c.snd_nxt, 7001 - 1000, TCP_ACK | TCP_PSH, "abc", 3);
    ck_assert_uint_eq(t->rcvbuf.len, 3);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_synrcvd_bad_ack_gets_rst)
{
    tcp_h_listen_tcb(&h, 80, 8);
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5000);
    harness_tx_clear(&h);
    tcp_h_send(&c, 1001, child->iss + 5, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, child->iss + 5, 0);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
}
END_TEST

/* ---- text, out of order -------------------------------------------------------------- */

START_TEST(rfc5681_4_2_out_of_order_acked_at_once_and_merged)
{
    struct tcp_cb *t = established_passive();
    uint32_t n = c.snd_nxt;
    tcp_h_send(&c, n + 10, c.rcv_nxt, TCP_ACK, "KLMNOPQRST", 10);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, n);          /* duplicate ACK at once */
    ck_assert_uint_eq(t->ooo_bytes, 10);
    /* overlaps the queued piece on both sides */
    tcp_h_send(&c, n + 5, c.rcv_nxt, TCP_ACK, "FGHIJKLMNOPQRSTUVWXY", 20);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, n);
    ck_assert_uint_eq(t->ooo_bytes, 20);
    ck_assert_uint_eq(t->rcvbuf.len, 0);
    /* the hole filled: everything in order, ACK at once */
    tcp_h_send(&c, n, c.rcv_nxt, TCP_ACK, "ABCDE", 5);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, n + 25);
    ck_assert_uint_eq(t->rcv_nxt, n + 25);
    ck_assert_uint_eq(t->ooo_bytes, 0);
    ck_assert_uint_eq(t->rcvbuf.len, 25);
    char got[25];
    tcp_buf_peek(&t->rcvbuf, 0, got, 25);
    ck_assert_mem_eq(got, "ABCDEFGHIJKLMNOPQRSTUVWXY", 25);
    ck_assert_uint_eq(counter(&h, "tcp.ooo_queued"), 2);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_out_of_order_fin_held_until_in_order)
{
    struct tcp_cb *t = established_passive();
    uint32_t n = c.snd_nxt;
    tcp_h_send(&c, n + 3, c.rcv_nxt, TCP_ACK | TCP_FIN, "def", 3);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, n);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    tcp_h_send(&c, n, c.rcv_nxt, TCP_ACK, "abc", 3);
    ck_assert_int_eq(t->state, TCP_CLOSE_WAIT);
    ck_assert_uint_eq(t->rcv_nxt, n + 7);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, n + 7);
}
END_TEST

START_TEST(issue4_out_of_order_queue_bounded)
{
    struct tcp_cb *t = established_passive();
    glass_stack_lock(h.stack);
    t->rcvbuf.max = 20;
    uint8_t d[30];
    memset(d, 'q', sizeof d);
    size_t q = tcp_reass_insert(t, t->rcv_nxt + 5, d, 30, true);
    ck_assert_uint_eq(q, 20);
    ck_assert_uint_eq(t->ooo_bytes, 20);
    ck_assert_uint_eq(counter(&h, "tcp.ooo_dropped"), 10);
    /* nothing more fits */
    ck_assert_uint_eq(tcp_reass_insert(t, t->rcv_nxt + 40, d, 5, false), 0);
    ck_assert_uint_eq(counter(&h, "tcp.ooo_dropped"), 15);
    size_t moved = 7;
    ck_assert(!tcp_reass_pull(t, &moved));      /* RCV.NXT not reached */
    ck_assert_uint_eq(moved, 0);
    tcp_reass_purge(t);
    ck_assert_uint_eq(t->ooo_bytes, 0);
    ck_assert_ptr_null(t->ooo);
    glass_stack_unlock(h.stack);
}
END_TEST

/* The out-of-order queue is bounded in pieces as well as bytes: 300
 * one-byte segments, each in its own hole, would cost 300 piece headers
 * for 300 bytes of data. */
START_TEST(issue4_out_of_order_queue_bounded_in_pieces)
{
    struct tcp_cb *t = established_passive();
    uint32_t n = c.snd_nxt;
    for (uint32_t i = 0; i < 300; i++) {
        tcp_h_send(&c, n + 2 + 2 * i, c.rcv_nxt, TCP_ACK, "x", 1);
        harness_tx_clear(&h);
    }
    ck_assert_uint_eq(t->ooo_bytes, 256);
    ck_assert_uint_eq(counter(&h, "tcp.ooo_dropped"), 44);
    /* the holes filled in order still deliver what was kept */
    tcp_h_send(&c, n, c.rcv_nxt, TCP_ACK, "ab", 2);
    ck_assert_uint_eq(t->rcv_nxt, n + 3); /* "ab" and the "x" at n + 2 */
}
END_TEST

/* One FIN in the queue: FIN-only segments at ever new places must not
 * each cost a piece (zero bytes, so the byte bound never stops them). */
START_TEST(rfc9293_3_10_7_4_out_of_order_queue_keeps_one_fin)
{
    struct tcp_cb *t = established_passive();
    uint32_t n = c.snd_nxt;
    tcp_h_send(&c, n + 10, c.rcv_nxt, TCP_ACK | TCP_FIN, NULL, 0);
    harness_tx_clear(&h);
    size_t mem = glass_stack_mem_in_use(h.stack);
    for (uint32_t i = 1; i <= 100; i++) {
        tcp_h_send(&c, n + 10 + 7 * i, c.rcv_nxt, TCP_ACK | TCP_FIN, NULL, 0);
        harness_tx_clear(&h);
    }
    ck_assert_uint_eq(glass_stack_mem_in_use(h.stack), mem);
    /* the first FIN is the one that counts */
    tcp_h_send(&c, n, c.rcv_nxt, TCP_ACK, "0123456789", 10);
    ck_assert_int_eq(t->state, TCP_CLOSE_WAIT);
    ck_assert_uint_eq(t->rcv_nxt, n + 11);
    ck_assert_ptr_null(t->ooo);
}
END_TEST

START_TEST(issue4_reass_pull_merges_and_reports_fin)
{
    struct tcp_cb *t = established_passive();
    glass_stack_lock(h.stack);
    uint32_t n = t->rcv_nxt;
    ck_assert_uint_eq(tcp_reass_insert(t, n + 6, (const uint8_t *)"ghi", 3, true), 3);
    ck_assert_uint_eq(tcp_reass_insert(t, n + 2, (const uint8_t *)"cdef", 4, false), 4);
    ck_assert_uint_eq(tcp_reass_insert(t, n + 2, (const uint8_t *)"XXXXXXX", 7, false), 0);
    ck_assert_uint_eq(tcp_reass_insert(t, n - 2, (const uint8_t *)"zzab", 4, false), 2);
    size_t moved;
    ck_assert(tcp_reass_pull(t, &moved));
    ck_assert_uint_eq(moved, 9);
    ck_assert_uint_eq(t->rcv_nxt, n + 9);
    char got[9];
    tcp_buf_peek(&t->rcvbuf, 0, got, 9);
    ck_assert_mem_eq(got, "abcdefghi", 9);
    ck_assert_uint_eq(t->ooo_bytes, 0);
    glass_stack_unlock(h.stack);
}
END_TEST

/* ---- FIN, closing ---------------------------------------------------------------------- */

START_TEST(rfc9293_3_10_7_4_fin_with_data_half_close)
{
    struct tcp_cb *t = established_passive();
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH | TCP_FIN, "hello", 5);
    ck_assert_int_eq(t->state, TCP_CLOSE_WAIT);
    ck_assert(t->fin_rcvd);
    ck_assert_uint_eq(t->rcvbuf.len, 5);
    tcp_h_expect(&h, TCP_ACK, c.rcv_nxt, c.snd_nxt + 6);
    /* half-closed: glass still sends; the peer still ACKs */
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, "bye", 3), 3);
    tcp_output(t);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(tcp_h_expect(&h, TCP_ACK | TCP_PSH, c.rcv_nxt, c.snd_nxt + 6), 3);
    tcp_h_send(&c, c.snd_nxt + 6, c.rcv_nxt + 3, TCP_ACK, NULL, 0);
    ck_assert_uint_eq(t->snd_una, c.rcv_nxt + 3);
    /* then our FIN: LAST-ACK, and its ACK ends the connection */
    locked_fin(t, TCP_LAST_ACK);
    tcp_h_expect(&h, TCP_ACK | TCP_FIN, c.rcv_nxt + 3, c.snd_nxt + 6);
    tcp_h_send(&c, c.snd_nxt + 6, c.rcv_nxt + 4, TCP_ACK, NULL, 0);
    /* a child never accepted: gone, the listener answers now */
    ck_assert_int_eq(tcp_h_find(&h, 80, 5000)->state, TCP_LISTEN);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_active_close_to_time_wait_then_closed)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_expect(&h, TCP_ACK | TCP_FIN, 7001, c.snd_nxt);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_FIN_WAIT_2);
    /* (an orphan: the harness block has no socket; data here would be
     * refused, see rfc2525_2_17_data_for_closed_orphan_gets_rst) */
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    tcp_h_expect(&h, TCP_ACK, 7002, c.snd_nxt + 1);
    /* a retransmitted FIN is ACKed again, and restarts 2*MSL */
    harness_advance(&h, 10 * GLASS_USEC_PER_SEC);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7002, c.snd_nxt + 1);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    /* 2*MSL (60 s), counted from the last FIN */
    harness_advance(&h, 59 * GLASS_USEC_PER_SEC);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), t);
    harness_advance(&h, 2 * GLASS_USEC_PER_SEC);
    ck_assert_ptr_null(tcp_h_find(&h, 80, 5000));
}
END_TEST

/* TIME-WAIT keeps the four-tuple, not the bytes: both rings' storage is
 * given back on entry (a churn of short connections leaves thousands of
 * TIME-WAIT blocks; each kept two 4 KiB rings before). */
START_TEST(rfc9293_3_10_7_4_time_wait_holds_no_buffers)
{
    struct tcp_cb *t = established_active(7000);
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, "hello", 5), 5);
    tcp_output(t);
    glass_stack_unlock(h.stack);
    tcp_h_expect(&h, TCP_ACK | TCP_PSH, 7001, c.snd_nxt);
    tcp_h_send(&c, c.snd_nxt, 7006, TCP_ACK, NULL, 0);
    ck_assert_ptr_nonnull(t->sndbuf.data); /* emptied, storage kept while open */
    size_t before = glass_stack_mem_in_use(h.stack);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_expect(&h, TCP_ACK | TCP_FIN, 7006, c.snd_nxt);
    tcp_h_send(&c, c.snd_nxt, 7007, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    tcp_h_expect(&h, TCP_ACK, 7007, c.snd_nxt + 1);
    ck_assert_ptr_null(t->sndbuf.data);
    ck_assert_ptr_null(t->rcvbuf.data);
    ck_assert_uint_lt(glass_stack_mem_in_use(h.stack), before);
    /* and it still does its job: a retransmitted FIN is ACKed again */
    tcp_h_send(&c, c.snd_nxt, 7007, TCP_ACK | TCP_FIN, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7007, c.snd_nxt + 1);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_simultaneous_close)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_expect(&h, TCP_ACK | TCP_FIN, 7001, c.snd_nxt);
    /* the peer's FIN crosses ours (it has not seen ours) */
    tcp_h_send(&c, c.snd_nxt, 7001, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_CLOSING);
    tcp_h_expect(&h, TCP_ACK, 7002, c.snd_nxt + 1);
    tcp_h_send(&c, c.snd_nxt + 1, 7002, TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_fin_wait_1_fin_and_ack_together)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_expect(&h, TCP_ACK | TCP_FIN, 7001, c.snd_nxt);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    tcp_h_expect(&h, TCP_ACK, 7002, c.snd_nxt + 1);
}
END_TEST

START_TEST(rfc1337_rst_in_time_wait_ignored)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    harness_tx_clear(&h);
    tcp_h_send(&c, c.snd_nxt + 1, 0, TCP_RST, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), t);
    ck_assert_uint_eq(counter(&h, "tcp.rst_ignored"), 1);
    tcp_h_expect_none(&h);
}
END_TEST

START_TEST(rfc9293_3_6_1_time_wait_reused_by_higher_syn)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    harness_tx_clear(&h);
    /* a lower sequence number: refused, TIME-WAIT answers with its ACK */
    tcp_h_send(&c, c.snd_nxt - 100, 0, TCP_SYN, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7002, c.snd_nxt + 1);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), t);
    /* a higher one: the old pair ends, the listener takes the SYN */
    tcp_h_send(&c, c.snd_nxt + 100000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5000);
    ck_assert_ptr_nonnull(child);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    ck_assert_ptr_eq(child->parent, l);
    tcp_h_expect(&h, TCP_SYN | TCP_ACK, child->iss, c.snd_nxt + 100001);
    ck_assert_uint_eq(counter(&h, "tcp.time_wait_reused"), 1);
}
END_TEST

/* Without a listener a SYN above TIME-WAIT's RCV.NXT opens nothing: it is
 * an unacceptable segment, answered with an ACK, and TIME-WAIT keeps its
 * 2*MSL (Linux TCP_TW_SYN with no listener: the TIME-WAIT ACK).  Ending
 * it would answer the SYN with a RST and free the pair for old
 * duplicates. */
START_TEST(rfc9293_3_6_1_time_wait_syn_without_listener_keeps_time_wait)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    harness_tx_clear(&h);
    tcp_h_send(&c, c.snd_nxt + 100000, 0, TCP_SYN, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, 7002, c.snd_nxt + 1);
    tcp_h_expect_none(&h);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), t);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    ck_assert_uint_eq(counter(&h, "tcp.time_wait_reused"), 0);
}
END_TEST

START_TEST(rfc2525_2_17_data_for_closed_orphan_gets_rst)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);    /* fin_queued, no socket: an orphan */
    tcp_h_expect(&h, TCP_ACK | TCP_FIN, 7001, c.snd_nxt);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_PSH, "more", 4);
    tcp_h_expect(&h, TCP_RST | TCP_ACK, 7002, c.snd_nxt);
    ck_assert_ptr_null(tcp_h_find(&h, 80, 5000));
    ck_assert_uint_eq(counter(&h, "tcp.conn_aborted"), 1);
}
END_TEST

START_TEST(issue4_orphan_in_fin_wait_2_does_not_live_for_ever)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK, NULL, 0);
    ck_assert_int_eq(t->state, TCP_FIN_WAIT_2);
    ck_assert(timer_pending(&t->time_wait));
    harness_advance(&h, 61 * GLASS_USEC_PER_SEC);
    ck_assert_ptr_null(tcp_h_find(&h, 80, 5000));
}
END_TEST

/* ---- ICMP (RFC 1122 4.2.3.9, RFC 5927) ---------------------------------------------------- */

/* An ICMP error from the peer quoting a segment 10.0.0.2:80 > 10.0.0.1:5000 with seq. */
static void inject_icmp_unreach_from(uint16_t sport, uint8_t code, uint32_t seq);
static void inject_icmp_unreach(uint8_t code, uint32_t seq)
{
    inject_icmp_unreach_from(80, code, seq);
}

static void inject_icmp_quoting(uint16_t sport, uint8_t code, uint32_t seq, uint16_t mtu,
                                uint16_t quoted_len);
static void inject_icmp_unreach_from(uint16_t sport, uint8_t code, uint32_t seq)
{
    inject_icmp_quoting(sport, code, seq, 0, 40);
}

/* Destination unreachable quoting a segment of quoted_len bytes that we
 * sent from port sport with sequence number seq; mtu is the next-hop MTU
 * field of fragmentation needed (RFC 1191 4). */
static void inject_icmp_quoting(uint16_t sport, uint8_t code, uint32_t seq, uint16_t mtu,
                                uint16_t quoted_len)
{
    tcp_h_inject_icmp_unreach(&h, code, mtu, sport, 5000, seq, quoted_len);
}

START_TEST(rfc1122_4_2_3_9_port_unreachable_in_syn_sent_aborts)
{
    tcp_h_connect_tcb(&c, 7000);
    harness_tx_clear(&h);
    /* RFC 5927 4.1: a quote of a sequence number we never sent is ignored */
    inject_icmp_unreach(ICMP_PORT_UNREACH, 12345);
    ck_assert_ptr_nonnull(tcp_h_find(&h, 80, 5000));
    inject_icmp_unreach(ICMP_PORT_UNREACH, 7000);
    ck_assert_ptr_null(tcp_h_find(&h, 80, 5000));
}
END_TEST

/* Through a real socket: connect() learns ECONNREFUSED (SO_ERROR). */
static int so_error(int fd)
{
    int err = -1;
    socklen_t len = sizeof err;
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    return err;
}

static int socket_connecting(struct tseg *syn)
{
    int fd = glass_socket(h.stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in to = sin_of(H_PEER_IP, 5000);
    ck_assert_int_eq(glass_connect(fd, (const struct sockaddr *)&to, sizeof to), -1);
    ck_assert_int_eq(errno, EINPROGRESS);
    ck_assert(tx_pop_tcp(&h, syn));
    ck_assert_uint_eq(syn->flags, TCP_SYN);
    return fd;
}

START_TEST(rfc1122_4_2_3_9_icmp_port_unreachable_connect_gets_econnrefused)
{
    static struct tseg syn;
    int fd = socket_connecting(&syn);
    inject_icmp_unreach_from(syn.sport, ICMP_PORT_UNREACH, syn.seq);
    ck_assert_int_eq(so_error(fd), ECONNREFUSED);
    ck_assert_int_eq(glass_close(fd), 0);
}
END_TEST

START_TEST(rfc9293_3_10_7_3_rst_connect_gets_econnrefused)
{
    static struct tseg syn;
    int fd = socket_connecting(&syn);
    c.lport = syn.sport;
    tcp_h_send(&c, 0, syn.seq + 1, TCP_RST | TCP_ACK, NULL, 0);
    ck_assert_int_eq(so_error(fd), ECONNREFUSED);
    ck_assert_int_eq(glass_close(fd), 0);
}
END_TEST

START_TEST(rfc9293_3_10_7_4_rst_established_socket_gets_econnreset)
{
    static struct tseg syn;
    int fd = socket_connecting(&syn);
    c.lport = syn.sport;
    tcp_h_send(&c, 1000, syn.seq + 1, TCP_SYN | TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_ACK, syn.seq + 1, 1001);
    ck_assert_int_eq(so_error(fd), 0);
    tcp_h_send(&c, 1001, 0, TCP_RST, NULL, 0);
    char b[4];
    ck_assert_int_eq(glass_recv(fd, b, sizeof b, 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    ck_assert_int_eq(glass_close(fd), 0);
}
END_TEST

START_TEST(rfc1122_4_2_3_9_host_unreachable_is_soft)
{
    struct tcp_cb *t = tcp_h_connect_tcb(&c, 7000);
    inject_icmp_unreach(ICMP_HOST_UNREACH, 7000);
    ck_assert_int_eq(t->state, TCP_SYN_SENT);
    ck_assert_int_eq(t->soft_error, EHOSTUNREACH);
    ck_assert_int_eq(t->error, 0);
    inject_icmp_unreach(ICMP_NET_UNREACH, 7000);
    ck_assert_int_eq(t->soft_error, ENETUNREACH);
}
END_TEST

START_TEST(rfc1122_4_2_3_9_port_unreachable_established_is_soft)
{
    struct tcp_cb *t = established_active(7000);
    inject_icmp_unreach(ICMP_PORT_UNREACH, 7001);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_int_eq(t->soft_error, ECONNREFUSED);
}
END_TEST

/* Linux (icmp_err_convert) and RFC 1122 4.2.3.9: protocol unreachable is
 * hard, like port unreachable, but reads ENOPROTOOPT. */
START_TEST(rfc1122_4_2_3_9_protocol_unreachable_connect_gets_enoprotoopt)
{
    static struct tseg syn;
    int fd = socket_connecting(&syn);
    inject_icmp_unreach_from(syn.sport, ICMP_PROTO_UNREACH, syn.seq);
    ck_assert_int_eq(so_error(fd), ENOPROTOOPT);
    ck_assert_int_eq(glass_close(fd), 0);
}
END_TEST

/* RFC 1191 6.3 / RFC 9293 3.7.1: fragmentation needed quoting one of our
 * segments lowers the path MTU, and the connection's MSS follows it: the
 * next segments are at most next-hop MTU - 40 bytes.  No error reaches
 * the user. */
START_TEST(rfc1191_6_3_frag_needed_lowers_snd_mss)
{
    static struct tseg s;
    struct tcp_cb *t = established_active(7000);
    ck_assert_uint_eq(t->snd_mss, 1460);
    inject_icmp_quoting(80, ICMP_FRAG_NEEDED, 7001, 1000, 1500);
    ck_assert_uint_eq(t->snd_mss, 1000 - 40);
    ck_assert_int_eq(t->soft_error, 0);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    static char data[2000];
    memset(data, 'm', sizeof data);
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, data, sizeof data), sizeof data);
    tcp_output(t);
    glass_stack_unlock(h.stack);
    /* Two full segments of the new size; Nagle (RFC 896) holds the last 80. */
    unsigned full = 0;
    while (tx_pop_tcp(&h, &s)) {
        ck_assert_uint_eq(s.dlen, 960);
        full++;
    }
    ck_assert_uint_eq(full, 2);
    /* A smaller one again lowers it further; a larger one never raises it. */
    inject_icmp_quoting(80, ICMP_FRAG_NEEDED, 7001, 800, 1000);
    ck_assert_uint_eq(t->snd_mss, 800 - 40);
    inject_icmp_quoting(80, ICMP_FRAG_NEEDED, 7001, 1400, 800);
    ck_assert_uint_eq(t->snd_mss, 800 - 40);
}
END_TEST

/* RFC 5927 4.1: a fragmentation needed quoting a sequence number we never
 * sent is a blind attack on throughput: the connection's MSS stays. */
START_TEST(rfc5927_4_1_frag_needed_with_foreign_seq_leaves_snd_mss)
{
    struct tcp_cb *t = established_active(7000);
    inject_icmp_quoting(80, ICMP_FRAG_NEEDED, 123456, 576, 1500);
    ck_assert_uint_eq(t->snd_mss, 1460);
}
END_TEST

/* ---- tcp.c ------------------------------------------------------------------------------- */

START_TEST(rfc6528_isn_keyed_per_tuple_and_clocked)
{
    glass_stack_lock(h.stack);
    struct tcp_cb *a = tcp_tcb_new(h.stack), *b = tcp_tcb_new(h.stack);
    a->laddr = b->laddr = A(H_OUR_IP);
    a->faddr = b->faddr = A(H_PEER_IP);
    a->lport = b->lport = htons(80);
    a->fport = htons(5000);
    b->fport = htons(5001);
    uint32_t ia = tcp_isn(a), ib = tcp_isn(b);
    ck_assert_uint_ne(ia, ib);
    ck_assert_uint_eq(tcp_isn(a), ia);   /* the virtual clock stands still */
    glass_stack_unlock(h.stack);
    harness_advance(&h, 4000);           /* 4 ms = 1000 ticks of 4 us */
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_isn(a) - ia, 1000);
    tcp_tcb_free(a);
    tcp_tcb_free(b);
    glass_stack_unlock(h.stack);
}
END_TEST

START_TEST(tcp_config_defaults_and_validation)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    ck_assert_uint_eq(cfg.msl, 30 * GLASS_USEC_PER_SEC);
    ck_assert_uint_eq(cfg.rto_min, 200 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(cfg.initial_window, 10);
    ck_assert_uint_eq(cfg.max_tcbs, 4096);
    ck_assert_str_eq(cfg.cc, "cubic"); /* RFC 9438, the default as on Linux */
    struct glass_tcp_config bad = cfg;
    strcpy(bad.cc, "nosuch");
    errno = 0;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &bad), -1);
    ck_assert_int_eq(errno, EINVAL);
    bad = cfg;
    bad.rto_max = bad.rto_min - 1;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &bad), -1);
    bad = cfg;
    bad.delack_max = 500 * GLASS_USEC_PER_MSEC;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &bad), -1);
    bad = cfg;
    bad.msl = 0;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &bad), -1);
    cfg.msl = 5 * GLASS_USEC_PER_SEC;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    glass_tcp_config_get(h.stack, &bad);
    ck_assert_uint_eq(bad.msl, 5 * GLASS_USEC_PER_SEC);
}
END_TEST

START_TEST(tcp_max_tcbs_enforced)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.max_tcbs = 1;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    tcp_h_listen_tcb(&h, 80, 8);
    tcp_h_send(&c, 1000, 0, TCP_SYN, NULL, 0);   /* no room for the child */
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.tcb_limit"), 1);
}
END_TEST

/* At the control block limit a new connection takes the place of the
 * oldest TIME-WAIT (Linux: tcp_max_tw_buckets), instead of being refused:
 * a server that closes first would otherwise serve max_tcbs connections
 * per 2*MSL. */
START_TEST(rfc9293_3_6_1_time_wait_recycled_at_tcb_limit)
{
    struct tcp_cb *t = established_active(7000);
    locked_fin(t, TCP_FIN_WAIT_1);
    tcp_h_send(&c, c.snd_nxt, 7002, TCP_ACK | TCP_FIN, NULL, 0);
    ck_assert_int_eq(t->state, TCP_TIME_WAIT);
    tcp_h_listen_tcb(&h, 80, 8);
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.max_tcbs = 2;           /* the TIME-WAIT block and the listener */
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    harness_tx_clear(&h);
    struct tcp_h_conn c2 = c;
    c2.pport = 5001;
    tcp_h_send(&c2, 1000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5001);
    ck_assert_ptr_nonnull(child);
    ck_assert_int_eq(child->state, TCP_SYN_RECEIVED);
    /* TIME-WAIT gave way: only the listener matches the old pair now */
    ck_assert_int_eq(tcp_h_find(&h, 80, 5000)->state, TCP_LISTEN);
    ck_assert_uint_eq(counter(&h, "tcp.time_wait_recycled"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.tcb_limit"), 0);
    /* with no TIME-WAIT left to end, the limit refuses */
    struct tcp_h_conn c3 = c;
    c3.pport = 5002;
    tcp_h_send(&c3, 2000, 0, TCP_SYN, NULL, 0);
    ck_assert_int_eq(tcp_h_find(&h, 80, 5002)->state, TCP_LISTEN);
    ck_assert_uint_eq(counter(&h, "tcp.tcb_limit"), 1);
}
END_TEST

START_TEST(tcp_state_names)
{
    ck_assert_str_eq(tcp_state_name(TCP_SYN_RECEIVED), "SYN_RCVD");
    ck_assert_str_eq(tcp_state_name(TCP_ESTABLISHED), "ESTABLISHED");
    ck_assert_str_eq(tcp_state_name(TCP_TIME_WAIT), "TIME_WAIT");
    ck_assert_str_eq(tcp_state_name(TCP_FIN_WAIT_2), "FIN_WAIT_2");
}
END_TEST

START_TEST(tcp_listen_close_resets_children)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_cb *est = tcp_h_handshake_passive(&c);
    (void)est;
    c.pport = 5001;
    tcp_h_send(&c, 3000, 0, TCP_SYN, NULL, 0);
    struct tcp_cb *half = tcp_h_find(&h, 80, 5001);
    uint32_t half_iss = half->iss;
    harness_tx_clear(&h);
    glass_stack_lock(h.stack);
    tcp_listen_close(l);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(l->syn_q_len + l->acc_q_len, 0);
    static struct tseg s;
    int rsts = 0;
    while (tx_pop_tcp(&h, &s)) {
        ck_assert(s.flags & TCP_RST);
        if (s.dport == 5001)
            ck_assert_uint_eq(s.seq, half_iss + 1);
        rsts++;
    }
    ck_assert_int_eq(rsts, 2);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5000), l);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5001), l);
}
END_TEST

static Suite *tcp_input_suite(void)
{
    Suite *s = suite_create("tcp_input");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc9293_3_10_7_2_passive_open_three_way_handshake);
    tcase_add_test(tc, rfc9293_3_10_7_2_no_mss_option_means_536);
    tcase_add_test(tc, rfc9293_3_10_7_3_active_open_three_way_handshake);
    tcase_add_test(tc, rfc9293_3_10_7_3_synack_with_data_and_fin);
    tcase_add_test(tc, rfc9293_3_10_7_3_bad_ack_in_syn_sent_gets_rst);
    tcase_add_test(tc, rfc9293_3_10_7_3_rst_with_good_ack_refuses);
    tcase_add_test(tc, rfc9293_3_10_7_3_simultaneous_open);
    tcase_add_test(tc, rfc9293_3_10_7_4_out_of_window_acks_rate_limited);
    tcase_add_test(tc, rfc9293_3_10_4_close_in_syn_received_resends_synack);
    tcase_add_test(tc, rfc9293_3_10_7_2_retransmitted_syn_gets_synack_again);
    tcase_add_test(tc, issue4_backlog_overflow_drops_syn_silently);
    tcase_add_test(tc, issue4_accept_queue_full_drops_the_ack);
    tcase_add_test(tc, rfc9293_3_10_7_2_accept_queue_full_drops_syn_silently);
    tcase_add_test(tc, rfc9293_3_10_7_2_listener_ignores_rst_answers_ack_with_rst);
    tcase_add_test(tc, rfc9293_3_10_7_2_syn_fin_and_no_flags_on_listener_dropped);
    tcase_add_test(tc, rfc9293_3_10_7_1_closed_port_rst_for_ack_bearing_segment);
    tcase_add_test(tc, rfc9293_3_10_7_1_closed_port_rst_ack_for_syn);
    tcase_add_test(tc, rfc9293_3_10_7_1_closed_port_rst_not_answered);
    tcase_add_test(tc, rfc9293_3_1_bad_checksum_dropped);
    tcase_add_test(tc, rfc9293_3_1_data_offset_below_5_or_past_segment_dropped);
    tcase_add_test(tc, rfc9293_3_1_shorter_than_a_header_dropped);
    tcase_add_test(tc, rfc1122_4_2_3_10_broadcast_destination_dropped);
    tcase_add_test(tc, rfc9293_3_1_option_lengths_parse);
    tcase_add_test(tc, rfc9293_3_1_option_overrun_segment_dropped_and_counted);
    tcase_add_test(tc, rfc9293_3_4_acceptability_zero_length_segments);
    tcase_add_test(tc, rfc9293_3_4_acceptability_data_segments_and_trimming);
    tcase_add_test(tc, rfc9293_3_4_old_duplicate_still_acknowledges);
    tcase_add_test(tc, rfc5961_5_ancient_seq_ack_not_taken);
    tcase_add_test(tc, rfc9293_3_4_data_beyond_window_trimmed);
    tcase_add_test(tc, rfc9293_3_4_acceptability_zero_window);
    tcase_add_test(tc, rfc9293_3_4_sequence_wraparound);
    tcase_add_test(tc, rfc5961_3_2_rst_exactly_at_rcv_nxt_resets);
    tcase_add_test(tc, rfc5961_3_2_rst_in_window_challenge_ack);
    tcase_add_test(tc, rfc5961_3_2_rst_out_of_window_ignored);
    tcase_add_test(tc, rfc5961_3_2_rst_with_old_data_not_moved_onto_rcv_nxt);
    tcase_add_test(tc, rfc9293_3_10_7_4_rst_in_syn_received_drops_child);
    tcase_add_test(tc, rfc5961_4_syn_in_established_challenge_ack);
    tcase_add_test(tc, rfc5961_7_challenge_acks_rate_limited);
    tcase_add_test(tc, rfc9293_3_10_7_4_no_ack_in_synchronized_state_dropped);
    tcase_add_test(tc, rfc9293_3_10_7_4_ack_for_unsent_data);
    tcase_add_test(tc, rfc5961_5_2_ack_too_old_challenge_ack);
    tcase_add_test(tc, rfc9293_3_10_7_4_synrcvd_bad_ack_gets_rst);
    tcase_add_test(tc, rfc5681_4_2_out_of_order_acked_at_once_and_merged);
    tcase_add_test(tc, rfc9293_3_10_7_4_out_of_order_fin_held_until_in_order);
    tcase_add_test(tc, issue4_out_of_order_queue_bounded);
    tcase_add_test(tc, issue4_reass_pull_merges_and_reports_fin);
    tcase_add_test(tc, issue4_out_of_order_queue_bounded_in_pieces);
    tcase_add_test(tc, rfc9293_3_10_7_4_out_of_order_queue_keeps_one_fin);
    tcase_add_test(tc, rfc9293_3_10_7_4_fin_with_data_half_close);
    tcase_add_test(tc, rfc9293_3_10_7_4_active_close_to_time_wait_then_closed);
    tcase_add_test(tc, rfc9293_3_10_7_4_time_wait_holds_no_buffers);
    tcase_add_test(tc, rfc9293_3_10_7_4_simultaneous_close);
    tcase_add_test(tc, rfc9293_3_10_7_4_fin_wait_1_fin_and_ack_together);
    tcase_add_test(tc, rfc1337_rst_in_time_wait_ignored);
    tcase_add_test(tc, rfc9293_3_6_1_time_wait_reused_by_higher_syn);
    tcase_add_test(tc, rfc2525_2_17_data_for_closed_orphan_gets_rst);
    tcase_add_test(tc, rfc9293_3_6_1_time_wait_syn_without_listener_keeps_time_wait);
    tcase_add_test(tc, issue4_orphan_in_fin_wait_2_does_not_live_for_ever);
    tcase_add_test(tc, rfc1122_4_2_3_9_port_unreachable_in_syn_sent_aborts);
    tcase_add_test(tc, rfc1122_4_2_3_9_host_unreachable_is_soft);
    tcase_add_test(tc, rfc1122_4_2_3_9_icmp_port_unreachable_connect_gets_econnrefused);
    tcase_add_test(tc, rfc9293_3_10_7_3_rst_connect_gets_econnrefused);
    tcase_add_test(tc, rfc9293_3_10_7_4_rst_established_socket_gets_econnreset);
    tcase_add_test(tc, rfc1122_4_2_3_9_port_unreachable_established_is_soft);
    tcase_add_test(tc, rfc1122_4_2_3_9_protocol_unreachable_connect_gets_enoprotoopt);
    tcase_add_test(tc, rfc1191_6_3_frag_needed_lowers_snd_mss);
    tcase_add_test(tc, rfc5927_4_1_frag_needed_with_foreign_seq_leaves_snd_mss);
    tcase_add_test(tc, rfc6528_isn_keyed_per_tuple_and_clocked);
    tcase_add_test(tc, tcp_config_defaults_and_validation);
    tcase_add_test(tc, tcp_max_tcbs_enforced);
    tcase_add_test(tc, rfc9293_3_6_1_time_wait_recycled_at_tcb_limit);
    tcase_add_test(tc, tcp_state_names);
    tcase_add_test(tc, tcp_listen_close_resets_children);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(tcp_input_suite());
}
