/*
 * check_tcp_syncookie.c - SYN cookies (RFC 4987 3.6, stack/tcp_syncookie.c)
 * with crafted segments on a virtual clock (tcp_harness.h).
 *
 * The peer is 10.0.0.1, glass 10.0.0.2:80.  A listener with backlog 1
 * has its SYN queue filled by one half-open connection from port 5000;
 * the SYN after it (port 5001 unless a test says otherwise) is answered
 * with a cookie.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "harness.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_harness.h"

static struct harness h;
static struct tcp_h_conn c;     /* the connection that gets a cookie */
static struct tseg s;

static void setup(void)
{
    tcp_h_start(&h, &c, 80, 5001);
}

static void teardown(void)
{
    harness_fini(&h);
}

static void set_mode(unsigned mode)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.syncookies = mode;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
}

/* One half-open child from port 5000 fills a backlog-1 SYN queue. */
static void fill_syn_queue(struct tcp_cb *l)
{
    struct tcp_h_conn f = c;
    f.pport = 5000;
    tcp_h_send(&f, 7777, 0, TCP_SYN, NULL, 0);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.flags, TCP_SYN | TCP_ACK);
    ck_assert_uint_eq(l->syn_q_len, 1);
}

/* c sends a SYN with MSS `mss` (0: no option); returns the cookie from
 * the SYN-ACK (asserted: ack = irs + 1, our MSS option) and fills c. */
static uint32_t syn_get_cookie(uint16_t mss)
{
    uint8_t opt[4];
    tcp_h_send_opts(&c, c.irs, 0, TCP_SYN, opt, mss ? tcp_h_opt_mss(opt, mss) : 0, NULL, 0);
    ck_assert_msg(tx_pop_tcp(&h, &s), "no SYN-ACK for the SYN");
    ck_assert_uint_eq(s.flags, TCP_SYN | TCP_ACK);
    ck_assert_uint_eq(s.ack, c.irs + 1);
    ck_assert_uint_eq(s.sport, c.lport);
    ck_assert_uint_eq(s.dport, c.pport);
    ck_assert(s.has_mss);
    ck_assert_uint_eq(s.mss, 1460);
    ck_assert_uint_eq(s.dlen, 0);
    ck_assert_uint_eq(s.doff, 24);      /* MSS only: no WS, TS or SACK-permitted */
    c.iss = s.seq;
    c.snd_nxt = c.irs + 1;
    c.rcv_nxt = c.iss + 1;
    return s.seq;
}

START_TEST(rfc4987_3_6_full_syn_queue_answers_with_cookie_and_no_memory)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    fill_syn_queue(l);
    unsigned ntcbs = h.stack->tcp->ntcbs;
    size_t mem = glass_stack_mem_in_use(h.stack);
    syn_get_cookie(1460);
    ck_assert_uint_eq(glass_stack_mem_in_use(h.stack), mem);
    ck_assert_uint_eq(h.stack->tcp->ntcbs, ntcbs);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5001), l);  /* only the listener */
    ck_assert_uint_eq(l->syn_q_len, 1);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_sent"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.passive_opens"), 1);
    /* A thousand more SYNs from other ports: still nothing kept. */
    for (unsigned i = 0; i < 1000; i++) {
        struct tcp_h_conn f = c;
        f.pport = (uint16_t)(10000 + i);
        tcp_h_send(&f, 5000 + i, 0, TCP_SYN, NULL, 0);
    }
    harness_tx_clear(&h);
    ck_assert_uint_eq(glass_stack_mem_in_use(h.stack), mem);
    ck_assert_uint_eq(h.stack->tcp->ntcbs, ntcbs);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_sent"), 1001);
}
END_TEST

START_TEST(rfc4987_3_6_cookie_ack_makes_established_child_on_accept_queue)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    fill_syn_queue(l);
    uint32_t cookie = syn_get_cookie(1440);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    struct tcp_cb *child = tcp_h_find(&h, 80, 5001);
    ck_assert_ptr_ne(child, l);
    ck_assert_int_eq(child->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(child->iss, cookie);
    ck_assert_uint_eq(child->snd_una, cookie + 1);
    ck_assert_uint_eq(child->snd_nxt, cookie + 1);
    ck_assert_uint_eq(child->irs, c.irs);
    ck_assert_uint_eq(child->rcv_nxt, c.irs + 1);
    ck_assert_uint_eq(child->peer_mss, 1440);
    ck_assert_uint_eq(child->snd_mss, 1440);
    ck_assert_uint_eq(child->snd_wnd, 65535);
    ck_assert_uint_eq(l->syn_q_len, 1);
    ck_assert_uint_eq(l->acc_q_len, 1);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.established"), 1);
    glass_stack_lock(h.stack);
    ck_assert_ptr_eq(tcp_listen_take(l), child);
    glass_stack_unlock(h.stack);
    /* The child works like any other: data in, in-sequence ACK out. */
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK | TCP_PSH, "abcd", 4);
    ck_assert_uint_eq(child->rcv_nxt, c.irs + 5);
    ck_assert_uint_eq(child->rcvbuf.len, 4);
}
END_TEST

/* A real listening socket: accept() returns the cookie connection, the
 * text that came with the ACK is read, and our answer goes out. */
START_TEST(rfc4987_3_6_cookie_connection_accepted_and_data_flows)
{
    int lfd = glass_socket(h.stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(lfd, 0);
    struct sockaddr_in a = sin_of("0.0.0.0", 80);
    ck_assert_int_eq(glass_bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(glass_listen(lfd, 1), 0);
    struct tcp_cb *l = tcp_h_find(&h, 80, 5001);
    ck_assert_int_eq(l->state, TCP_LISTEN);
    fill_syn_queue(l);
    uint32_t cookie = syn_get_cookie(1460);
    ck_assert_int_eq(glass_accept(lfd, NULL, NULL), -1);
    ck_assert_int_eq(errno, EAGAIN);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK | TCP_PSH, "GET /", 5);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int afd = glass_accept(lfd, (struct sockaddr *)&peer, &plen);
    ck_assert_int_ge(afd, 0);
    ck_assert_uint_eq(ntohs(peer.sin_port), 5001);
    ck_assert_uint_eq(peer.sin_addr.s_addr, A(H_PEER_IP));
    char buf[16];
    ck_assert_int_eq(glass_recv(afd, buf, sizeof buf, MSG_DONTWAIT), 5);
    ck_assert(memcmp(buf, "GET /", 5) == 0);
    ck_assert_int_eq(glass_send(afd, "200 OK", 6, 0), 6);
    bool seen = false;
    while (tx_pop_tcp(&h, &s)) {
        if (s.dlen == 6) {
            ck_assert(memcmp(s.data, "200 OK", 6) == 0);
            ck_assert_uint_eq(s.seq, cookie + 1);
            ck_assert_uint_eq(s.ack, c.irs + 6);
            seen = true;
        }
    }
    ck_assert_msg(seen, "the answer was not sent");
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
}
END_TEST

/* RFC 4987 3.6: only the peer that got the SYN-ACK can complete.  ACKs
 * that do not carry our cookie for their own four-tuple and ISN get the
 * RST any ACK on a listener gets (RFC 9293 3.10.7.2). */
START_TEST(rfc4987_3_6_forged_or_misplaced_cookie_refused)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    fill_syn_queue(l);
    uint32_t cookie = syn_get_cookie(1460);
    unsigned ntcbs = h.stack->tcp->ntcbs;
    /* Another port returning c's cookie. */
    struct tcp_h_conn o = c;
    o.pport = 5002;
    tcp_h_send(&o, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, cookie + 1, 0);
    /* The right port with another ISN (SEG.SEQ - 1 is not what the SYN said). */
    tcp_h_send(&c, c.irs + 2, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, cookie + 1, 0);
    /* Every single-bit change of the cookie. */
    for (int b = 0; b < 32; b++) {
        tcp_h_send(&c, c.irs + 1, (cookie ^ (1u << b)) + 1, TCP_ACK, NULL, 0);
        tcp_h_expect(&h, TCP_RST, (cookie ^ (1u << b)) + 1, 0);
    }
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_failed"), 34);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), 0);
    ck_assert_uint_eq(h.stack->tcp->ntcbs, ntcbs);
    ck_assert_uint_eq(l->acc_q_len, 0);
    /* The genuine one still works afterwards. */
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_int_eq(tcp_h_find(&h, 80, 5001)->state, TCP_ESTABLISHED);
}
END_TEST

/* A cookie is good in the 64 s period it was made and the next one. */
START_TEST(rfc4987_3_6_cookie_older_than_two_periods_refused)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    tcp_h_listen_tcb(&h, 80, 8);
    uint32_t cookie = syn_get_cookie(1460);     /* t = 1 s: period 0 */
    harness_advance(&h, 100 * GLASS_USEC_PER_SEC); /* period 1 */
    harness_learn_peer(&h);     /* ARP forgot the peer meanwhile */
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_int_eq(tcp_h_find(&h, 80, 5001)->state, TCP_ESTABLISHED);
    c.pport = 5002;
    cookie = syn_get_cookie(1460);              /* t = 101 s: period 1 */
    harness_advance(&h, 90 * GLASS_USEC_PER_SEC);  /* t = 191 s: period 2, still good */
    ck_assert_int_eq(tcp_syncookie_check(h.stack, A(H_OUR_IP), htons(80), A(H_PEER_IP),
                                         htons(5002), c.irs, cookie,
                                         TCP_SYNCOOKIE_NO_TS, 2),
                     6);
    harness_advance(&h, 2 * GLASS_USEC_PER_SEC);   /* t = 193 s: period 3 */
    harness_learn_peer(&h);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, cookie + 1, 0);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_failed"), 1);
    ck_assert_int_eq(tcp_h_find(&h, 80, 5002)->state, TCP_LISTEN);     /* no child */
}
END_TEST

/* Each of the 8 MSS values survives the round trip; an MSS between two
 * entries is rounded down, and no option means 536 (RFC 9293 3.7.1). */
START_TEST(rfc4987_3_6_mss_index_survives_round_trip)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    tcp_h_listen_tcb(&h, 80, 64);
    static const struct {
        uint16_t sent, got;
    } cases[] = {
        {88, 88},     {536, 536},   {1220, 1220}, {1380, 1380}, {1440, 1440}, {1452, 1452},
        {1460, 1460}, {8960, 8960}, {0, 536},     {500, 88},    {1459, 1452}, {65535, 8960},
    };
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(cases); i++) {
        c.pport = (uint16_t)(6000 + i);
        uint32_t cookie = syn_get_cookie(cases[i].sent);
        tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
        struct tcp_cb *child = tcp_h_find(&h, 80, c.pport);
        ck_assert_int_eq(child->state, TCP_ESTABLISHED);
        ck_assert_msg(child->peer_mss == cases[i].got, "MSS %u came back as %u, not %u",
                      cases[i].sent, child->peer_mss, cases[i].got);
    }
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), GLASS_ARRAY_SIZE(cases));
    /* And the encoding alone, for every index and a period wrap. */
    for (unsigned i = 0; i < TCP_SYNCOOKIE_MSS_N; i++) {
        uint32_t k = tcp_syncookie_make(h.stack, 1, 2, 3, 4, 99, i, TCP_SYNCOOKIE_NO_TS, 31);
        ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, k, TCP_SYNCOOKIE_NO_TS, 31), (int)i);
        ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, k, TCP_SYNCOOKIE_NO_TS, 32), (int)i);
        ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, k, TCP_SYNCOOKIE_NO_TS, 33), -1);
        ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, k, TCP_SYNCOOKIE_NO_TS, 30), -1);
    }
}
END_TEST

START_TEST(rfc4987_3_6_never_drops_syn_and_refuses_cookies)
{
    set_mode(GLASS_SYNCOOKIES_NEVER);
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    fill_syn_queue(l);
    tcp_h_send(&c, c.irs, 0, TCP_SYN, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.syn_queue_full"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_sent"), 0);
    /* Even a correct cookie is not taken. */
    uint32_t cookie = tcp_syncookie_make(h.stack, A(H_OUR_IP), htons(80), A(H_PEER_IP),
                                         htons(5001), c.irs, 6,
                                         TCP_SYNCOOKIE_NO_TS, 0);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, cookie + 1, 0);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_failed"), 0);
    ck_assert_uint_eq(l->acc_q_len, 0);
}
END_TEST

/* "auto" checks ACKs for cookies only while one sent may come back. */
START_TEST(rfc4987_3_6_auto_checks_acks_only_after_cookies_were_sent)
{
    tcp_h_listen_tcb(&h, 80, 8);
    uint32_t cookie = tcp_syncookie_make(h.stack, A(H_OUR_IP), htons(80), A(H_PEER_IP),
                                         htons(5001), c.irs, 6,
                                         TCP_SYNCOOKIE_NO_TS, 0);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect(&h, TCP_RST, cookie + 1, 0);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), 0);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_failed"), 0);
}
END_TEST

START_TEST(rfc4987_3_6_always_sends_cookie_with_empty_queue)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    size_t mem = glass_stack_mem_in_use(h.stack);
    uint32_t cookie = syn_get_cookie(1460);
    ck_assert_uint_eq(glass_stack_mem_in_use(h.stack), mem);
    ck_assert_uint_eq(l->syn_q_len, 0);
    ck_assert_uint_eq(counter(&h, "tcp.passive_opens"), 0);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    ck_assert_int_eq(tcp_h_find(&h, 80, 5001)->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(l->acc_q_len, 1);
}
END_TEST

/* A good cookie but no room to queue the connection: dropped silently
 * (no RST: the peer retransmits), nothing kept. */
START_TEST(rfc4987_3_6_good_cookie_full_accept_queue_dropped)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 1);
    uint32_t cookie = syn_get_cookie(1460);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    ck_assert_uint_eq(l->acc_q_len, 1);
    /* (A SYN now would itself be dropped: the accept queue is full.) */
    c.pport = 5002;
    cookie = tcp_syncookie_make(h.stack, A(H_OUR_IP), htons(80), A(H_PEER_IP), htons(5002),
                                c.irs, 1, TCP_SYNCOOKIE_NO_TS, 0);
    unsigned ntcbs = h.stack->tcp->ntcbs;
    size_t mem = glass_stack_mem_in_use(h.stack);
    tcp_h_send(&c, c.irs + 1, cookie + 1, TCP_ACK, NULL, 0);
    tcp_h_expect_none(&h);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5002), l);
    ck_assert_uint_eq(h.stack->tcp->ntcbs, ntcbs);
    ck_assert_uint_eq(glass_stack_mem_in_use(h.stack), mem);
    ck_assert_uint_eq(counter(&h, "tcp.accept_queue_full"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), 1);
}
END_TEST

/* ---- RFC 7323 / RFC 2018 options through the cookie (TSval encoding) ---------- */

/* Our TS clock for the four-tuple of c as a child of it will run it
 * (tcp_ts_offset_hash depends on the stack and the four-tuple only). */
static uint32_t ts_clock(void)
{
    struct tcp_cb t = {
        .stack = h.stack,
        .laddr = A(H_OUR_IP),
        .lport = htons(c.lport),
        .faddr = A(H_PEER_IP),
        .fport = htons(c.pport),
    };
    return (uint32_t)(glass_stack_now(h.stack) / GLASS_USEC_PER_MSEC) + tcp_ts_offset_hash(&t);
}

/* c sends a SYN with MSS 1460, SACK-permitted (sack), TS <tsval, 0> (ts)
 * and window scale ws (< 0: none); the SYN-ACK is popped into *sa and c
 * filled from it. */
static void syn_opts(bool sack, int ws, bool ts, uint32_t tsval, struct tcp_h_rx *sa)
{
    uint8_t o[40];
    tcp_h_send_opts(&c, c.irs, 0, TCP_SYN, o, tcp_h_opts(o, 1460, sack, ws, ts, tsval, 0), NULL,
                    0);
    ck_assert_msg(tcp_h_pop_opts(&h, sa), "no SYN-ACK for the SYN");
    ck_assert_uint_eq(sa->flags, TCP_SYN | TCP_ACK);
    ck_assert_uint_eq(sa->ack, c.irs + 1);
    c.iss = sa->seq;
    c.snd_nxt = c.irs + 1;
    c.rcv_nxt = c.iss + 1;
}

/* The ACK completing the handshake, with TS <tsval, tsecr>. */
static void ack_ts(uint32_t tsval, uint32_t tsecr)
{
    uint8_t o[40];
    tcp_h_send_opts(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK, o,
                    tcp_h_opts(o, 0, false, -1, true, tsval, tsecr), NULL, 0);
}

/* RFC 7323 2.2, 3.2, RFC 2018 2: with TS in the SYN, the cookie SYN-ACK
 * offers exactly what a SYN-ACK from the SYN queue offers -- MSS,
 * SACK-permitted, TS (TSecr = the SYN's TSval) and WS with the same
 * shift, in the same bytes -- and its TSval's low 6 bits carry the
 * peer's shift and SACK-permitted, at or behind our clock. */
START_TEST(rfc4987_3_6_rfc7323_cookie_synack_offers_what_a_normal_one_does)
{
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_h_rx n, k;
    c.pport = 5000;
    syn_opts(true, 7, true, 7000, &n);      /* SYN queue: a normal SYN-ACK */
    ck_assert_uint_eq(l->syn_q_len, 1);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_sent"), 0);
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    c.pport = 5001;
    syn_opts(true, 7, true, 7000, &k);      /* the cookie one */
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_sent"), 1);
    ck_assert_uint_eq(l->syn_q_len, 1);
    ck_assert_uint_eq(k.doff, n.doff);
    ck_assert_uint_eq(k.doff, TCP_HLEN + 20); /* MSS 4, SACK-permitted + TS 12, WS 4 */
    ck_assert_uint_eq(k.wnd, n.wnd);
    ck_assert(k.o.mss_present);
    ck_assert_uint_eq(k.o.mss, n.o.mss);
    ck_assert(k.o.sack_perm && n.o.sack_perm);
    ck_assert(k.o.ts_present && n.o.ts_present);
    ck_assert_uint_eq(k.o.tsecr, 7000);
    ck_assert(k.o.ws_present && n.o.ws_present);
    ck_assert_uint_eq(k.o.ws, n.o.ws);
    ck_assert_uint_eq(k.o.ws, tcp_ws_shift_for(l->rcvbuf.max));
    ck_assert_uint_eq(k.o.tsval & 63, 7 | 0x10);      /* shift 7, SACK, no ECN */
    uint32_t behind = ts_clock() - k.o.tsval;
    ck_assert_uint_lt(behind, 64);
}
END_TEST

/* Rounding the clock down to the encoding boundary: whatever the clock's
 * low bits (a per-four-tuple offset makes them vary), TSval is never
 * ahead of our clock and less than 64 ms behind (RFC 7323 5: PAWS at the
 * peer sees the child's later TSvals as newer). */
START_TEST(rfc4987_3_6_rfc7323_cookie_tsval_never_ahead_of_clock)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    tcp_h_listen_tcb(&h, 80, 8);
    unsigned rounded_back = 0;
    for (unsigned i = 0; i < 64; i++) {
        c.pport = (uint16_t)(7000 + i);
        harness_advance(&h, 7 * GLASS_USEC_PER_MSEC);
        struct tcp_h_rx k;
        syn_opts(i & 1, 14, true, 100 + i, &k);    /* E = 14 | SACK on odd i */
        ck_assert_uint_eq(k.o.tsval & 63, 14 | ((i & 1) ? 0x10 : 0));
        uint32_t now = ts_clock();
        ck_assert_msg((int32_t)(now - k.o.tsval) >= 0, "TSval %u ahead of the clock %u",
                      k.o.tsval, now);
        ck_assert_uint_lt(now - k.o.tsval, 64);
        if ((now & 63) < (k.o.tsval & 63))
            rounded_back++;
    }
    ck_assert_uint_gt(rounded_back, 0); /* the "less 64" case was taken */
}
END_TEST

/* The cookie ACK (TSecr = the cookie TSval) makes a child with what a
 * child of the SYN queue has: TS on with TS.Recent = the ACK's TSval and
 * the four-tuple's offset, WS on both ways, SACK on; the ACK's window is
 * scaled (RFC 7323 2.3), our first data segment's window is scaled down
 * by our shift and carries TS, and out-of-order data gets SACK blocks. */
START_TEST(rfc4987_3_6_rfc7323_cookie_child_has_ts_ws_sack)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_h_rx k;
    syn_opts(true, 7, true, 7000, &k);
    harness_advance(&h, 3 * GLASS_USEC_PER_MSEC);
    c.wnd = 1000;                           /* << 7: 128000 */
    ack_ts(7003, k.o.tsval);
    tcp_h_expect_none(&h);
    struct tcp_cb *t = tcp_h_find(&h, 80, 5001);
    ck_assert_ptr_ne(t, l);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), 1);
    ck_assert(t->ts_ok);
    ck_assert_uint_eq(t->ts_recent, 7003);
    ck_assert_uint_eq(t->ts_offset, tcp_ts_offset_hash(t));
    ck_assert_uint_eq(tcp_ts_now(t), ts_clock());
    ck_assert(t->ws_ok);
    ck_assert_uint_eq(t->snd_wscale, 7);
    ck_assert_uint_eq(t->rcv_wscale, tcp_ws_shift_for(t->rcvbuf.max));
    ck_assert_uint_eq(t->rcv_wscale, k.o.ws);
    ck_assert(t->sack.ok);
    ck_assert_uint_eq(t->snd_wnd, 1000u << 7);
    ck_assert_uint_eq(t->snd_mss, 1460 - TCPOLEN_TS_ALIGNED);
    ck_assert_uint_eq(counter(&h, "tcp.ts_rtt_samples"), 0); /* the encoded echo: none */
    /* Our first data: TS <now, 7003>, window field = window >> shift. */
    static const char data[300];
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &t->sndbuf, data, sizeof data), sizeof data);
    tcp_output(t);
    glass_stack_unlock(h.stack);
    struct tcp_h_rx d;
    ck_assert(tcp_h_pop_opts(&h, &d));
    ck_assert_uint_eq(d.dlen, sizeof data);
    ck_assert_uint_eq(d.seq, c.rcv_nxt);
    ck_assert(d.o.ts_present);
    ck_assert_uint_eq(d.o.tsecr, 7003);
    ck_assert((int32_t)(d.o.tsval - k.o.tsval) >= 0);
    ck_assert_uint_eq(d.wnd, (uint16_t)GLASS_MIN(tcp_rcv_window(t) >> t->rcv_wscale, 65535u));
    ck_assert_uint_gt(t->rcv_wscale, 0);
    /* Out-of-order data: the ACK carries a SACK block (RFC 2018 4). */
    uint8_t o[40];
    tcp_h_send_opts(&c, c.snd_nxt + 100, c.rcv_nxt, TCP_ACK | TCP_PSH, o,
                    tcp_h_opts(o, 0, false, -1, true, 7010, d.o.tsval), data, 100);
    struct tcp_h_rx a;
    ck_assert(tcp_h_pop_opts(&h, &a));
    ck_assert_uint_eq(a.ack, c.snd_nxt);
    ck_assert_uint_eq(a.o.nsack, 1);
    ck_assert_uint_eq(a.o.sack[0].left, c.snd_nxt + 100);
    ck_assert_uint_eq(a.o.sack[0].right, c.snd_nxt + 200);
    /* PAWS is on: a TSval older than TS.Recent is refused (RFC 7323 5.3). */
    tcp_h_send_opts(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, o,
                    tcp_h_opts(o, 0, false, -1, true, 6000, d.o.tsval), data, 10);
    ck_assert_uint_eq(counter(&h, "tcp.paws_rejected"), 1);
    ck_assert_uint_eq(t->rcv_nxt, c.snd_nxt);
}
END_TEST

/* TS and SACK without WS, and a shift above 14 (RFC 7323 2.3: used as
 * 14): E keeps "no WS" (15) apart from every shift. */
START_TEST(rfc4987_3_6_rfc7323_cookie_ws_none_and_clamped)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_h_rx k;
    syn_opts(true, -1, true, 500, &k);
    ck_assert(!k.o.ws_present);
    ck_assert(k.o.sack_perm && k.o.ts_present);
    ck_assert_uint_eq(k.doff, TCP_HLEN + 16);
    ck_assert_uint_eq(k.o.tsval & 63, 15 | 0x10);
    ack_ts(501, k.o.tsval);
    struct tcp_cb *t = tcp_h_find(&h, 80, 5001);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(t->ts_ok && t->sack.ok && !t->ws_ok);
    ck_assert_uint_eq(t->snd_wscale, 0);
    ck_assert_uint_eq(t->rcv_wscale, 0);
    ck_assert_uint_eq(t->snd_wnd, 65535);
    c.pport = 5002;
    syn_opts(false, 15, true, 900, &k);
    ck_assert(k.o.ws_present && !k.o.sack_perm);
    ck_assert_uint_eq(k.o.tsval & 63, 14);
    ck_assert_uint_eq(counter(&h, "tcp.ws_shift_clamped"), 1);
    ack_ts(901, k.o.tsval);
    t = tcp_h_find(&h, 80, 5002);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(t->ts_ok && t->ws_ok && !t->sack.ok);
    ck_assert_uint_eq(t->snd_wscale, 14);
}
END_TEST

/* The bits in TSecr are part of the cookie: any of the low 6 flipped (a
 * peer claiming another shift, SACK or ECN) fails it like a wrong ISN,
 * as does a TSecr that is no recent reading of our clock, or an ACK that
 * dropped the TSopt.  Each is counted and answered with a RST (RFC 9293
 * 3.10.7.2); the genuine ACK still works afterwards. */
START_TEST(rfc4987_3_6_rfc7323_forged_tsecr_fails_cookie)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    struct tcp_cb *l = tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_h_rx k;
    syn_opts(true, 7, true, 7000, &k);
    unsigned ntcbs = h.stack->tcp->ntcbs;
    /* (The bits above the low 6 are our clock, checked only for being
     * within a cookie's lifetime of it: they carry nothing the child
     * uses, so 1 << 6 may pass, as with Linux; 1 << 20 is 17 min off.) */
    static const uint32_t flips[] = {1u << 0, 1u << 1, 1u << 2,  1u << 3,
                                     1u << 4, 1u << 5, 1u << 20, 1u << 31, 0x3f};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(flips); i++) {
        ack_ts(7001, k.o.tsval ^ flips[i]);
        tcp_h_expect(&h, TCP_RST, c.rcv_nxt, 0);
    }
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK, NULL, 0); /* TSopt dropped */
    tcp_h_expect(&h, TCP_RST, c.rcv_nxt, 0);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_failed"), GLASS_ARRAY_SIZE(flips) + 1);
    ck_assert_uint_eq(counter(&h, "tcp.syncookies_recv_ok"), 0);
    ck_assert_uint_eq(h.stack->tcp->ntcbs, ntcbs);
    ck_assert_ptr_eq(tcp_h_find(&h, 80, 5001), l);
    ack_ts(7001, k.o.tsval);
    tcp_h_expect_none(&h);
    ck_assert_int_eq(tcp_h_find(&h, 80, 5001)->state, TCP_ESTABLISHED);
    /* The encoding alone: the same cookie with other option bits fails. */
    uint32_t ck = tcp_syncookie_make(h.stack, 1, 2, 3, 4, 99, 6, 0x17, 5);
    ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, ck, 0x17, 5), 6);
    ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, ck, 0x07, 5), -1);
    ck_assert_int_eq(tcp_syncookie_check(h.stack, 1, 2, 3, 4, 99, ck, TCP_SYNCOOKIE_NO_TS, 5),
                     -1);
}
END_TEST

/* Without TS in the SYN (or with timestamps off here) there is nowhere to
 * carry the rest: MSS only, whatever else the SYN offered; the ACK's
 * TSopt, if any, is ignored (RFC 7323 3.2). */
START_TEST(rfc4987_3_6_rfc7323_no_ts_means_mss_only)
{
    set_mode(GLASS_SYNCOOKIES_ALWAYS);
    tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_h_rx k;
    syn_opts(true, 7, false, 0, &k);
    ck_assert_uint_eq(k.doff, TCP_HLEN + 4);
    ck_assert(k.o.mss_present && !k.o.sack_perm && !k.o.ts_present && !k.o.ws_present);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK, NULL, 0);
    struct tcp_cb *t = tcp_h_find(&h, 80, 5001);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(!t->ts_ok && !t->ws_ok && !t->sack.ok);
    /* Timestamps off in this stack: a SYN with TS gets MSS only too. */
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.timestamps = 0;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    c.pport = 5002;
    syn_opts(true, 7, true, 3000, &k);
    ck_assert_uint_eq(k.doff, TCP_HLEN + 4);
    ck_assert(!k.o.ts_present && !k.o.ws_present && !k.o.sack_perm);
    ack_ts(3001, 12345);
    t = tcp_h_find(&h, 80, 5002);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    ck_assert(!t->ts_ok && !t->ws_ok && !t->sack.ok);
}
END_TEST

START_TEST(rfc4987_3_6_config_validated)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    ck_assert_uint_eq(cfg.syncookies, GLASS_SYNCOOKIES_AUTO);
    cfg.syncookies = 3;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *tcp_syncookie_suite(void)
{
    Suite *suite = suite_create("tcp_syncookie");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc4987_3_6_full_syn_queue_answers_with_cookie_and_no_memory);
    tcase_add_test(tc, rfc4987_3_6_cookie_ack_makes_established_child_on_accept_queue);
    tcase_add_test(tc, rfc4987_3_6_cookie_connection_accepted_and_data_flows);
    tcase_add_test(tc, rfc4987_3_6_forged_or_misplaced_cookie_refused);
    tcase_add_test(tc, rfc4987_3_6_cookie_older_than_two_periods_refused);
    tcase_add_test(tc, rfc4987_3_6_mss_index_survives_round_trip);
    tcase_add_test(tc, rfc4987_3_6_never_drops_syn_and_refuses_cookies);
    tcase_add_test(tc, rfc4987_3_6_auto_checks_acks_only_after_cookies_were_sent);
    tcase_add_test(tc, rfc4987_3_6_always_sends_cookie_with_empty_queue);
    tcase_add_test(tc, rfc4987_3_6_good_cookie_full_accept_queue_dropped);
    tcase_add_test(tc, rfc4987_3_6_config_validated);
    tcase_add_test(tc, rfc4987_3_6_rfc7323_cookie_synack_offers_what_a_normal_one_does);
    tcase_add_test(tc, rfc4987_3_6_rfc7323_cookie_tsval_never_ahead_of_clock);
    tcase_add_test(tc, rfc4987_3_6_rfc7323_cookie_child_has_ts_ws_sack);
    tcase_add_test(tc, rfc4987_3_6_rfc7323_cookie_ws_none_and_clamped);
    tcase_add_test(tc, rfc4987_3_6_rfc7323_forged_tsecr_fails_cookie);
    tcase_add_test(tc, rfc4987_3_6_rfc7323_no_ts_means_mss_only);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    return harness_run_suite(tcp_syncookie_suite());
}
