/*
 * check_tcp_pmtu.c - TCP path MTU discovery (RFC 1191) on the virtual
 * clock: DF on every segment, the MSS following fragmentation needed for
 * this and every other connection to the destination, the lost segments
 * sent again at once (not after an RTO, not as congestion), and forged
 * messages (RFC 5927) changing nothing.
 *
 * The peer is 10.0.0.1 (ports 5000, 5001), glass is 10.0.0.2 (ports 80,
 * 81) on fake0 (MTU 1500): MSS 1460 until the path says otherwise.
 */
#include <check.h>
#include <string.h>

#include "checksum.h"
#include "harness.h"
#include "icmp.h"
#include "ipv4.h"
#include "pmtu.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_harness.h"

static struct harness h;
static struct tcp_h_conn c, c2;
static struct tseg s;
static char data[8192];

static void setup(void)
{
    tcp_h_start(&h, &c, 80, 5000);
    c2 = c;
    c2.lport = 81;
    c2.pport = 5001;
    c2.irs = 90000;
    memset(data, 'p', sizeof data);
}

static void teardown(void)
{
    harness_fini(&h);
}

/* The user writes n bytes on tcb (what glass_send does, without a socket). */
static void write_data(struct tcp_cb *tcb, size_t n)
{
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &tcb->sndbuf, data, n), n);
    tcp_output(tcb);
    glass_stack_unlock(h.stack);
}

/* ICMP fragmentation needed from the router 10.0.0.1 with next-hop MTU
 * mtu, quoting a datagram of quoted_len bytes we sent from lport to the
 * peer's pport with sequence number seq (RFC 1191 4, RFC 792). */
static void inject_frag_needed(uint16_t lport, uint16_t pport, uint32_t seq, uint16_t mtu,
                               uint16_t quoted_len)
{
    tcp_h_inject_icmp_unreach(&h, ICMP_FRAG_NEEDED, mtu, lport, pport, seq, quoted_len);
}

static struct tcp_cb *established(struct tcp_h_conn *conn, uint32_t iss)
{
    struct tcp_cb *t = tcp_h_handshake_active(conn, iss);
    tcp_h_expect_none(&h);
    return t;
}

/* RFC 1191 3 / RFC 9293 3.7.2: every TCP datagram carries DF -- the SYN,
 * data and pure ACKs -- so routers report a smaller link instead of
 * fragmenting. */
START_TEST(rfc1191_3_every_segment_carries_df)
{
    tcp_h_connect_tcb(&c, 7000);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.flags, TCP_SYN);
    ck_assert_uint_eq(s.ip_frag, IPV4_FLAG_DF);
    harness_tx_clear(&h);
    struct tcp_cb *t = tcp_h_find(&h, 80, 5000);
    uint8_t opt[4];
    tcp_h_send_opts(&c, c.irs, 7001, TCP_SYN | TCP_ACK, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    c.snd_nxt = c.irs + 1;
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.flags, TCP_ACK);
    ck_assert_uint_eq(s.ip_frag, IPV4_FLAG_DF);
    write_data(t, 3000);
    unsigned n = 0;
    while (tx_pop_tcp(&h, &s)) {
        ck_assert_uint_eq(s.ip_frag, IPV4_FLAG_DF);
        ck_assert_uint_le(s.dlen, 1460);
        n++;
    }
    ck_assert_uint_eq(n, 2); /* Nagle (RFC 896) holds the last 80 bytes */
}
END_TEST

/* RFC 1191 6.3: fragmentation needed (MTU 1000) quoting our first
 * segment.  The path MTU goes to 1000, the MSS to 960, and everything the
 * smaller link dropped goes again AT ONCE -- no time passes, no RTO --
 * in 960-byte segments with DF, the first at the quoted sequence number.
 * Not congestion (Linux tcp_simple_retransmit): cwnd and ssthresh stay. */
START_TEST(rfc1191_6_3_frag_needed_resends_at_once_at_960)
{
    struct tcp_cb *t = established(&c, 7000);
    write_data(t, 2920);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.seq, 7001);
    ck_assert_uint_eq(s.dlen, 1460);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.dlen, 1460);
    tcp_h_expect_none(&h);
    uint32_t cwnd = t->cwnd, ssthresh = t->ssthresh;

    inject_frag_needed(80, 5000, 7001, 1000, 1500);
    ck_assert_uint_eq(t->snd_mss, 960);
    ck_assert_uint_eq(pmtu_get(h.stack, A(H_PEER_IP)), 1000);
    ck_assert_uint_eq(glass_path_mtu(h.stack, A(H_PEER_IP)), 1000);
    uint32_t next = 7001;
    unsigned n = 0;
    while (tx_pop_tcp(&h, &s)) {
        ck_assert_uint_eq(s.ip_frag, IPV4_FLAG_DF);
        ck_assert_uint_eq(s.seq, next);
        ck_assert_uint_le(s.dlen, 960);
        next += (uint32_t)s.dlen;
        n++;
    }
    ck_assert_uint_eq(next, 7001 + 2920); /* all of it, again */
    ck_assert_uint_eq(n, 4);              /* 960 + 960 + 960 + 40 */
    ck_assert_uint_eq(counter(&h, "tcp.pmtu_retransmits"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.mss_lowered"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.pmtu_lowered"), 1);
    ck_assert_uint_eq(counter(&h, "tcp.rto_expired"), 0);
    ck_assert_uint_eq(t->cwnd, cwnd);
    ck_assert_uint_eq(t->ssthresh, ssthresh);
    ck_assert_int_eq(t->soft_error, 0);

    /* The second report, for the second big segment, finds the MSS
     * already down: nothing is sent a third time. */
    inject_frag_needed(80, 5000, 7001 + 1460, 1000, 1500);
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(counter(&h, "tcp.pmtu_retransmits"), 1);

    /* The peer takes it all; new data keeps to 960. */
    tcp_h_send(&c, c.snd_nxt, 7001 + 2920, TCP_ACK, NULL, 0);
    write_data(t, 1500);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.seq, 7001 + 2920);
    ck_assert_uint_eq(s.dlen, 960);
}
END_TEST

/* RFC 1191 6.3: the path MTU belongs to the destination, not to one
 * connection.  A second connection to the same host, open before the
 * message arrived, cuts its next segment to 960 too; one opened after
 * starts at 960. */
START_TEST(rfc1191_6_3_other_connections_to_the_host_follow)
{
    struct tcp_cb *t1 = established(&c, 7000);
    struct tcp_cb *t2 = established(&c2, 50000);
    ck_assert_uint_eq(t2->snd_mss, 1460);
    write_data(t1, 1460);
    harness_tx_clear(&h);
    inject_frag_needed(80, 5000, 7001, 1000, 1500);
    harness_tx_clear(&h);
    write_data(t2, 2000);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.sport, 81);
    ck_assert_uint_eq(s.dlen, 960);
    ck_assert_uint_eq(s.ip_frag, IPV4_FLAG_DF);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.dlen, 960);
    ck_assert_uint_eq(t2->snd_mss, 960);
    harness_tx_clear(&h);

    struct tcp_h_conn c3 = c2;
    c3.lport = 82;
    c3.pport = 5002;
    struct tcp_cb *t3 = established(&c3, 30000);
    ck_assert_uint_eq(t3->snd_mss, 960);
    write_data(t3, 1000);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.dlen, 960);
}
END_TEST

/* RFC 5927 5.2 / 4.1: fragmentation needed quoting a sequence number
 * outside SND.UNA..SND.MAX is a blind forgery: neither this connection's
 * MSS nor the stack-wide path MTU cache (which other connections would
 * follow) may change, and nothing is resent. */
START_TEST(rfc5927_5_2_forged_frag_needed_changes_nothing)
{
    struct tcp_cb *t1 = established(&c, 7000);
    struct tcp_cb *t2 = established(&c2, 50000);
    write_data(t1, 1460);
    harness_tx_clear(&h);
    inject_frag_needed(80, 5000, 7001 + 1460 + 100, 576, 1500); /* past SND.MAX */
    inject_frag_needed(80, 5000, 6000, 576, 1500);              /* before SND.UNA */
    inject_frag_needed(80, 5999, 7001, 576, 1500);              /* no such connection */
    tcp_h_expect_none(&h);
    ck_assert_uint_eq(t1->snd_mss, 1460);
    ck_assert_uint_eq(pmtu_get(h.stack, A(H_PEER_IP)), 0);
    ck_assert_uint_eq(glass_path_mtu(h.stack, A(H_PEER_IP)), 1500);
    ck_assert_uint_eq(counter(&h, "ipv4.pmtu_lowered"), 0);
    write_data(t2, 1460);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.dlen, 1460);
}
END_TEST

/* A segment IPv4 refuses locally as over the path MTU (-EMSGSIZE: here
 * the interface MTU went down at run time, which the cache does not
 * know) is not lost: the MSS is recomputed and the same bytes leave at
 * once, cut to fit, with DF. */
START_TEST(rfc1191_emsgsize_locally_recut_not_lost)
{
    struct tcp_cb *t = established(&c, 7000);
    glass_stack_lock(h.stack);
    h.nif->mtu = 1000;
    glass_stack_unlock(h.stack);
    write_data(t, 2000);
    uint32_t next = 7001;
    while (tx_pop_tcp(&h, &s)) {
        ck_assert_uint_eq(s.seq, next);
        ck_assert_uint_eq(s.ip_frag, IPV4_FLAG_DF);
        ck_assert_uint_le(s.dlen, 960);
        next += (uint32_t)s.dlen;
    }
    ck_assert_uint_eq(t->snd_mss, 960);
    /* Two full segments; Nagle (RFC 896) holds the last 80 bytes. */
    ck_assert_uint_eq(next, 7001 + 2 * 960);
    ck_assert_uint_eq(t->snd_max, 7001 + 2 * 960);
    ck_assert_uint_eq(counter(&h, "tcp.mss_lowered"), 1);
}
END_TEST

/* RFC 1191 6.3: the estimate ages out (PMTU_AGE) and the MSS grows back
 * to what the link and the peer allow. */
START_TEST(rfc1191_6_3_mss_grows_back_when_the_estimate_ages_out)
{
    struct tcp_cb *t = established(&c, 7000);
    write_data(t, 1460);
    inject_frag_needed(80, 5000, 7001, 1000, 1500);
    tcp_h_send(&c, c.snd_nxt, 7001 + 1460, TCP_ACK, NULL, 0);
    harness_tx_clear(&h);
    ck_assert_uint_eq(t->snd_mss, 960);
    harness_advance(&h, PMTU_AGE);
    harness_learn_peer(&h); /* the ARP entry aged out too */
    write_data(t, 1460);
    ck_assert(tx_pop_tcp(&h, &s));
    ck_assert_uint_eq(s.dlen, 1460);
    ck_assert_uint_eq(t->snd_mss, 1460);
}
END_TEST

static Suite *tcp_pmtu_suite(void)
{
    Suite *su = suite_create("tcp_pmtu");
    TCase *tc = tcase_create("rfc1191");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc1191_3_every_segment_carries_df);
    tcase_add_test(tc, rfc1191_6_3_frag_needed_resends_at_once_at_960);
    tcase_add_test(tc, rfc1191_6_3_other_connections_to_the_host_follow);
    tcase_add_test(tc, rfc5927_5_2_forged_frag_needed_changes_nothing);
    tcase_add_test(tc, rfc1191_emsgsize_locally_recut_not_lost);
    tcase_add_test(tc, rfc1191_6_3_mss_grows_back_when_the_estimate_ages_out);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return harness_run_suite(tcp_pmtu_suite());
}
