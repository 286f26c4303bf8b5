/* check_icmp.c - ICMP (RFC 792) with the host rules of RFC 1122 3.2.2:
 * echo replies byte for byte, echo requests for glass-ping and what
 * reaches its listener, error messages and the cases that must never
 * produce one, and the rate limit on the virtual clock. */
#include "harness.h"

#include <errno.h>

#include "arp.h"
#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "pmtu.h"

#define IP(f) ((f) + ETH_HLEN)
#define PROTO_UNKNOWN 253 /* RFC 3692 experimental: nobody here speaks it */

/* ---- a listener that records what it hears -------------------------------- */

#define MAX_EVENTS 8
struct heard {
    unsigned n;
    struct glass_icmp_event ev[MAX_EVENTS];
    uint8_t data[MAX_EVENTS][256];
};

static void listener(void *arg, const struct glass_icmp_event *ev)
{
    struct heard *l = arg;
    ck_assert_uint_lt(l->n, MAX_EVENTS);
    ck_assert_uint_le(ev->len, sizeof l->data[0]);
    l->ev[l->n] = *ev;
    memcpy(l->data[l->n], ev->data, ev->len);
    l->ev[l->n].data = l->data[l->n]; /* ev->data lives only during the call */
    l->n++;
}

/* ---- frame helpers ----------------------------------------------------------- */

static size_t echo_frame(uint8_t *f, uint8_t type, uint32_t src, uint32_t dst, uint16_t id,
                         uint16_t seq, const void *data, size_t len)
{
    uint8_t icmp[1600];
    size_t n = build_icmp_echo(icmp, type, id, seq, data, len);
    return build_ipv4_frame(f, src, dst, IPPROTO_ICMP_, icmp, n);
}

/* An IPv4 frame with `olen` bytes of options (NOPs) and protocol proto. */
static size_t frame_with_options(uint8_t *f, size_t olen, uint32_t src, uint32_t dst,
                                 uint8_t proto, const void *payload, size_t len)
{
    size_t n = build_eth(f, H_OUR_MAC, H_PEER_MAC, ETH_P_IP);
    uint8_t *ip = f + n;
    size_t hlen = IPV4_HLEN + olen;
    memset(ip, 0, hlen);
    ip[0] = (uint8_t)(0x40 | hlen / 4);
    put_be16(ip + 2, (uint16_t)(hlen + len));
    put_be16(ip + 4, 0x0abc);
    ip[8] = 61;
    ip[9] = proto;
    put_addr(ip + 12, src);
    put_addr(ip + 16, dst);
    memset(ip + IPV4_HLEN, 1, olen); /* NOP options */
    memcpy(ip + hlen, payload, len);
    fix_ipv4_checksum(f);
    return n + hlen + len;
}

/* Call icmp_send_error about a datagram given as bytes (data at its IPv4
 * header), as the ARP or IPv4 code would. */
static void send_error_about(struct harness *h, const uint8_t *ip, size_t len, uint8_t code)
{
    struct pkb *p = pkb_from(h->stack, ip, len);
    ck_assert_ptr_nonnull(p);
    pkb_set_l3(p);
    glass_stack_lock(h->stack);
    icmp_send_error(h->stack, p, ICMP_DEST_UNREACH, code, 0);
    glass_stack_unlock(h->stack);
    pkb_free(h->stack, p);
}

/* Checks of an ICMP error frame we sent to the peer; returns the message. */
static const uint8_t *assert_error_frame(const uint8_t *r, size_t n, uint8_t type, uint8_t code,
                                         size_t quote_len)
{
    ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + ICMP_HLEN + quote_len);
    ck_assert_mem_eq(r, H_PEER_MAC, 6);
    ck_assert_mem_eq(r + 6, H_OUR_MAC, 6);
    const uint8_t *ip = IP(r);
    ck_assert_uint_eq(ip[0], 0x45);
    ck_assert_uint_eq(get_be16(ip + 2), IPV4_HLEN + ICMP_HLEN + quote_len);
    ck_assert_uint_eq(ip[9], IPPROTO_ICMP_);
    ck_assert_uint_eq(inet_checksum(ip, IPV4_HLEN), 0);
    ck_assert_uint_eq(get_addr(ip + 12), A(H_OUR_IP));
    ck_assert_uint_eq(get_addr(ip + 16), A(H_PEER_IP));
    const uint8_t *m = ip + IPV4_HLEN;
    ck_assert_uint_eq(m[0], type);
    ck_assert_uint_eq(m[1], code);
    ck_assert_uint_eq(get_be32(m + 4), 0); /* unused (RFC 792) */
    ck_assert_uint_eq(inet_checksum(m, ICMP_HLEN + quote_len), 0);
    return m;
}

static const char PING_DATA[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"; /* 56 */

/* ---- echo ------------------------------------------------------------------------ */

/* RFC 792 / RFC 1122 3.2.2.6: the reply swaps the addresses, keeps id,
 * sequence and data, and has both checksums right: compared byte for byte. */
START_TEST(test_rfc792_echo_request_exact_reply)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[256], want[256], r[256];
    size_t n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A(H_OUR_IP), 0xbeef, 0x0102,
                          PING_DATA, 56);
    uint16_t id = h.stack->ipv4_next_id;
    harness_inject(&h, f, n);

    uint8_t icmp[128];
    size_t m = build_icmp_echo(icmp, ICMP_ECHO_REPLY, 0xbeef, 0x0102, PING_DATA, 56);
    size_t wn = build_ipv4_frame(want, A(H_OUR_IP), A(H_PEER_IP), IPPROTO_ICMP_, icmp, m);
    build_eth(want, H_PEER_MAC, H_OUR_MAC, ETH_P_IP);
    put_be16(IP(want) + 4, id);
    fix_ipv4_checksum(want);

    ck_assert_uint_eq(harness_tx_count(&h), 1);
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), wn);
    ck_assert_mem_eq(r, want, wn);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 1);
    ck_assert_uint_eq(counter(&h, "icmp.tx_echo_reply"), 1);
    ck_assert_uint_eq(counter(&h, "icmp.tx"), 1);
    harness_fini(&h);
}
END_TEST

/* Odd-length data: the checksum pads with a zero byte (RFC 1071). */
START_TEST(test_echo_odd_length_reply_checksum)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[256], r[256];
    size_t n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A(H_OUR_IP), 1, 1, "abcde", 5);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), n);
    ck_assert_uint_eq(IP(r)[20], ICMP_ECHO_REPLY);
    ck_assert_uint_eq(inet_checksum(IP(r) + 20, 13), 0);
    ck_assert_mem_eq(IP(r) + 28, "abcde", 5);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.2.6: the echo data "MUST be entirely included" in the
 * reply; one larger than our MTU (576) leaves in fragments (RFC 791 3.2):
 * 552 data bytes (a multiple of 8) with MF, then the other 456. */
START_TEST(test_rfc1122_3_2_2_6_oversized_echo_reply_fragmented)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    ck_assert_int_eq(glass_netif_set_mtu(h.nif, 576), 0);
    static uint8_t data[1000], f[1100], r[1100];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    size_t n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A(H_OUR_IP), 0xabcd, 9, data,
                          sizeof data);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    static uint8_t whole[ICMP_HLEN + sizeof data];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 572);
    ck_assert_uint_eq(get_be16(IP(r) + 2), 572);
    ck_assert_uint_eq(get_be16(IP(r) + 6), IPV4_FLAG_MF | 0);
    ck_assert_uint_eq(inet_checksum(IP(r), IPV4_HLEN), 0);
    uint16_t id = get_be16(IP(r) + 4);
    memcpy(whole, IP(r) + IPV4_HLEN, 552);
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + IPV4_HLEN + 456);
    ck_assert_uint_eq(get_be16(IP(r) + 6), 552 / 8);
    ck_assert_uint_eq(get_be16(IP(r) + 4), id);
    ck_assert_uint_eq(inet_checksum(IP(r), IPV4_HLEN), 0);
    memcpy(whole + 552, IP(r) + IPV4_HLEN, 456);
    const uint8_t *m = whole;
    ck_assert_uint_eq(m[0], ICMP_ECHO_REPLY);
    ck_assert_uint_eq(get_be16(m + 4), 0xabcd);
    ck_assert_uint_eq(get_be16(m + 6), 9);
    ck_assert_uint_eq(inet_checksum(m, sizeof whole), 0);
    ck_assert_mem_eq(m + ICMP_HLEN, data, sizeof data);
    ck_assert_uint_eq(counter(&h, "icmp.tx_echo_reply"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.frag_created"), 2);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_too_big"), 0);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.2.6: echo requests to a broadcast may be ignored; we do. */
START_TEST(test_rfc1122_3_2_2_6_broadcast_echo_ignored)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[256];
    size_t n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A("10.0.0.255"), 1, 1, "b", 1);
    memcpy(f, eth_broadcast_addr, 6);
    harness_inject(&h, f, n);
    n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A("255.255.255.255"), 1, 2, "b", 1);
    memcpy(f, eth_broadcast_addr, 6);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 2);
    ck_assert_uint_eq(counter(&h, "icmp.drop_broadcast_echo"), 2);
    ck_assert_uint_eq(counter(&h, "icmp.tx"), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_short_and_bad_checksum_dropped)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[256];
    const uint8_t four[4] = {ICMP_ECHO_REQUEST, 0, 0xf7, 0xff};
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, four, 4);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.drop_short"), 1);
    n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A(H_OUR_IP), 1, 1, "abcd", 4);
    IP(f)[20 + 9] ^= 0x40; /* a data byte changed in flight */
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.drop_bad_checksum"), 1);
    ck_assert_uint_eq(counter(&h, "icmp.rx"), 2);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.2: unknown types are silently discarded -- no error either. */
START_TEST(test_unknown_type_counted_no_answer)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t m[8] = {42, 0, 0, 0, 0, 0, 0, 0}, f[64];
    put_be16(m + 2, inet_checksum(m, 8));
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, m, 8);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rx_other"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* ---- echo for glass-ping ------------------------------------------------------ */

START_TEST(test_echo_send_frame_and_reply_to_listener)
{
    struct harness h;
    struct heard heard = {0};
    harness_init(&h);
    harness_learn_peer(&h);
    glass_icmp_set_listener(h.stack, listener, &heard);
    uint16_t id = h.stack->ipv4_next_id;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 0x4242, 3, PING_DATA, 56, 0), 0);
    ck_assert_uint_eq(counter(&h, "icmp.tx_echo_request"), 1);

    uint8_t want[256], r[256];
    size_t wn = echo_frame(want, ICMP_ECHO_REQUEST, A(H_OUR_IP), A(H_PEER_IP), 0x4242, 3,
                           PING_DATA, 56);
    build_eth(want, H_PEER_MAC, H_OUR_MAC, ETH_P_IP);
    put_be16(IP(want) + 4, id);
    fix_ipv4_checksum(want);
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), wn);
    ck_assert_mem_eq(r, want, wn);

    /* the peer answers, one hop away (TTL 63) */
    uint8_t f[256];
    size_t n = echo_frame(f, ICMP_ECHO_REPLY, A(H_PEER_IP), A(H_OUR_IP), 0x4242, 3, PING_DATA, 56);
    IP(f)[8] = 63;
    fix_ipv4_checksum(f);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(heard.n, 1);
    ck_assert_uint_eq(heard.ev[0].type, ICMP_ECHO_REPLY);
    ck_assert_uint_eq(heard.ev[0].code, 0);
    ck_assert_uint_eq(heard.ev[0].from, A(H_PEER_IP));
    ck_assert_uint_eq(heard.ev[0].ttl, 63);
    ck_assert_uint_eq(heard.ev[0].id, 0x4242);
    ck_assert_uint_eq(heard.ev[0].seq, 3);
    ck_assert_uint_eq(heard.ev[0].len, 56);
    ck_assert_mem_eq(heard.ev[0].data, PING_DATA, 56);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_reply"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_echo_send_bad_arguments)
{
    struct harness h;
    harness_init(&h);
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 1, 1, "x", 1, 256), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 1, 1, NULL, 8, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 1, 1, PING_DATA, 65508, 0), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* ping -t and -M do (RFC 791 3.1, RFC 1191 3): the request leaves with the
 * TTL asked for and DF set; over the path MTU it is refused with EMSGSIZE
 * rather than fragmented, and a path MTU learned later (pmtu.c) counts. */
START_TEST(test_echo_send_ttl_and_dont_fragment)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    static uint8_t data[1600];
    ck_assert_uint_eq(glass_path_mtu(h.stack, A(H_PEER_IP)), 1500);
    ck_assert_int_eq(glass_icmp_echo_send_flags(h.stack, A(H_PEER_IP), 1, 1, data, 1472, 7,
                                                GLASS_ICMP_DF), 0);
    uint8_t r[2048];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 1500);
    ck_assert_uint_eq(IP(r)[8], 7);
    ck_assert_uint_eq(get_be16(IP(r) + 6), IPV4_FLAG_DF);
    /* one byte more does not fit: refused, nothing sent */
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send_flags(h.stack, A(H_PEER_IP), 1, 2, data, 1473, 0,
                                                GLASS_ICMP_DF), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* without DF the same request leaves in two fragments */
    ck_assert_int_eq(glass_icmp_echo_send_flags(h.stack, A(H_PEER_IP), 1, 3, data, 1473, 0, 0), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    harness_tx_clear(&h);
    /* a lower path MTU (RFC 1191) is what DF is measured against */
    glass_stack_lock(h.stack);
    pmtu_update(h.stack, A(H_PEER_IP), 1000, 1500);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(glass_path_mtu(h.stack, A(H_PEER_IP)), 1000);
    ck_assert_int_eq(glass_icmp_echo_send_flags(h.stack, A(H_PEER_IP), 1, 4, data, 973, 0,
                                                GLASS_ICMP_DF), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    ck_assert_int_eq(glass_icmp_echo_send_flags(h.stack, A(H_PEER_IP), 1, 5, data, 972, 0,
                                                GLASS_ICMP_DF), 0);
    /* unknown flags */
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send_flags(h.stack, A(H_PEER_IP), 1, 6, data, 8, 0, 0x80), -1);
    ck_assert_int_eq(errno, EINVAL);
    harness_fini(&h);
}
END_TEST

/* ping 10.0.0.2 from 10.0.0.2: request and reply travel the local queue. */
START_TEST(test_ping_ourselves_reaches_listener)
{
    struct harness h;
    struct heard heard = {0};
    harness_init(&h);
    glass_icmp_set_listener(h.stack, listener, &heard);
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_OUR_IP), 7, 1, "self", 4, 0), 0);
    ck_assert_uint_eq(heard.n, 0); /* nothing happens until the stack runs */
    ck_assert_int_gt(glass_stack_poll(h.stack, 0), 0);
    ck_assert_uint_eq(heard.n, 1);
    ck_assert_uint_eq(heard.ev[0].type, ICMP_ECHO_REPLY);
    ck_assert_uint_eq(heard.ev[0].from, A(H_OUR_IP));
    ck_assert_uint_eq(heard.ev[0].ttl, IPV4_DEFAULT_TTL);
    ck_assert_uint_eq(heard.ev[0].id, 7);
    ck_assert_uint_eq(heard.ev[0].seq, 1);
    ck_assert_uint_eq(heard.ev[0].len, 4);
    ck_assert_mem_eq(heard.ev[0].data, "self", 4);
    ck_assert_uint_eq(counter(&h, "ipv4.local_loop"), 2);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0); /* nothing on the wire */
    harness_fini(&h);
}
END_TEST

/* "From 10.0.0.1 icmp_seq=3 Destination Host Unreachable": an error that
 * quotes an echo we sent reaches the listener with the echo's id/seq. */
START_TEST(test_error_about_our_echo_reaches_listener)
{
    struct harness h;
    struct heard heard = {0};
    harness_init(&h);
    harness_learn_peer(&h);
    glass_icmp_set_listener(h.stack, listener, &heard);
    /* the quote: our echo request to 10.0.0.9, id 0x77, seq 3 (+ 8 bytes) */
    uint8_t q[64];
    size_t qn = echo_frame(q, ICMP_ECHO_REQUEST, A(H_OUR_IP), A("10.0.0.9"), 0x77, 3, "", 0);
    uint8_t m[128], f[256];
    memset(m, 0, 8);
    m[0] = ICMP_DEST_UNREACH;
    m[1] = ICMP_HOST_UNREACH;
    memcpy(m + 8, IP(q), qn - ETH_HLEN);
    put_be16(m + 2, inet_checksum(m, 8 + qn - ETH_HLEN));
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, m, 8 + qn - ETH_HLEN);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rx_dest_unreach"), 1);
    ck_assert_uint_eq(heard.n, 1);
    ck_assert_uint_eq(heard.ev[0].type, ICMP_DEST_UNREACH);
    ck_assert_uint_eq(heard.ev[0].code, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(heard.ev[0].from, A(H_PEER_IP));
    ck_assert_uint_eq(heard.ev[0].id, 0x77);
    ck_assert_uint_eq(heard.ev[0].seq, 3);
    ck_assert_uint_eq(heard.ev[0].len, 28);
    ck_assert_mem_eq(heard.ev[0].data, IP(q), 28);

    /* time exceeded too */
    m[0] = ICMP_TIME_EXCEEDED;
    m[1] = 0;
    put_be16(m + 2, 0);
    put_be16(m + 2, inet_checksum(m, 8 + 28));
    n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, m, 8 + 28);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rx_time_exceeded"), 1);
    ck_assert_uint_eq(heard.n, 2);
    ck_assert_uint_eq(heard.ev[1].type, ICMP_TIME_EXCEEDED);
    ck_assert_uint_eq(heard.ev[1].seq, 3);

    /* a quote of someone else's echo, or a truncated quote: counted only */
    put_addr(m + 8 + 12, A("10.0.0.50"));
    put_be16(m + 2, 0);
    put_be16(m + 2, inet_checksum(m, 8 + 28));
    n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, m, 8 + 28);
    harness_inject(&h, f, n);
    put_be16(m + 2, 0);
    put_be16(m + 2, inet_checksum(m, 8 + 24));
    n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, m, 8 + 24);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rx_time_exceeded"), 3);
    ck_assert_uint_eq(heard.n, 2);
    ck_assert_uint_eq(harness_tx_count(&h), 0); /* never an error about an error */
    harness_fini(&h);
}
END_TEST

/* ---- errors we send ------------------------------------------------------------- */

/* RFC 1122 3.2.2.1 + RFC 792: protocol unreachable quoting the IP header
 * (options included) and exactly the first 8 bytes of the payload. */
START_TEST(test_rfc1122_3_2_2_1_protocol_unreachable_quotes_header_and_8)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t payload[32], f[128], r[256];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(0xa0 + i);
    size_t n = frame_with_options(f, 4, A(H_PEER_IP), A(H_OUR_IP), PROTO_UNKNOWN, payload, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_unknown_proto"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    size_t rn = harness_tx_pop(&h, r, sizeof r);
    const uint8_t *m =
        assert_error_frame(r, rn, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 24 + 8);
    ck_assert_mem_eq(m + 8, IP(f), 24 + 8);
    ck_assert_uint_eq(counter(&h, "icmp.tx_dest_unreach"), 1);

    /* a payload shorter than 8 bytes is quoted whole */
    n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), PROTO_UNKNOWN, payload, 3);
    harness_inject(&h, f, n);
    rn = harness_tx_pop(&h, r, sizeof r);
    m = assert_error_frame(r, rn, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 20 + 3);
    ck_assert_mem_eq(m + 8, IP(f), 23);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.2: never an error about an ICMP error (but about a query, yes). */
START_TEST(test_rfc1122_3_2_2_no_error_about_icmp_error)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128];
    uint8_t m[36] = {ICMP_DEST_UNREACH, ICMP_PORT_UNREACH};
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A("10.0.0.9"), IPPROTO_ICMP_, m, sizeof m);
    send_error_about(&h, IP(f), n - ETH_HLEN, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* an ICMP header we cannot even see counts as an error message too */
    send_error_about(&h, IP(f), IPV4_HLEN, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 2);
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_PEER_IP), A("10.0.0.9"), 1, 1, "q", 1);
    send_error_about(&h, IP(f), n - ETH_HLEN, ICMP_HOST_UNREACH);
    uint8_t r[256];
    size_t rn = harness_tx_pop(&h, r, sizeof r);
    const uint8_t *e = assert_error_frame(r, rn, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 28);
    ck_assert_mem_eq(e + 8, IP(f), 28);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 2);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.2: no error about a datagram to an IP broadcast, nor about
 * one that came as a link-layer broadcast. */
START_TEST(test_rfc1122_3_2_2_no_error_for_broadcast)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128], payload[8] = {0};
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A("10.0.0.255"), PROTO_UNKNOWN, payload, 8);
    memcpy(f, eth_broadcast_addr, 6);
    harness_inject(&h, f, n);
    n = build_ipv4_frame(f, A(H_PEER_IP), A("255.255.255.255"), PROTO_UNKNOWN, payload, 8);
    memcpy(f, eth_broadcast_addr, 6);
    harness_inject(&h, f, n);
    n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), PROTO_UNKNOWN, payload, 8);
    memcpy(f, eth_broadcast_addr, 6); /* unicast IP inside an Ethernet broadcast */
    harness_inject(&h, f, n);
    /* IPv4 already drops that one (RFC 1122 3.3.6), so no error either */
    ck_assert_uint_eq(counter(&h, "ipv4.drop_link_broadcast"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_unknown_proto"), 2);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 2);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* ...and ICMP's own rule holds whoever asks for the error: a datagram
     * whose frame (l2) was a link-layer broadcast gets none. */
    struct pkb *p = pkb_from(h.stack, f, n);
    ck_assert_ptr_nonnull(p);
    pkb_set_l2(p);
    pkb_pull(p, ETH_HLEN);
    pkb_set_l3(p);
    glass_stack_lock(h.stack);
    icmp_send_error(h.stack, p, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 0);
    glass_stack_unlock(h.stack);
    pkb_free(h.stack, p);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 3);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* the control: the same datagram to our MAC is answered */
    memcpy(f, H_OUR_MAC, 6);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.2: no error about a non-initial fragment, nor to a source
 * that does not name a single host. */
START_TEST(test_rfc1122_3_2_2_no_error_for_fragment_or_bad_source)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128], payload[8] = {0};
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A("10.0.0.9"), PROTO_UNKNOWN, payload, 8);
    put_be16(IP(f) + 6, 100); /* offset 800 */
    fix_ipv4_checksum(f);
    send_error_about(&h, IP(f), n - ETH_HLEN, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 1);

    const char *bad[] = {"0.0.0.0", "127.0.0.1", "224.0.0.5", "240.0.0.1",
                         "255.255.255.255", "10.0.0.255"};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(bad); i++) {
        n = build_ipv4_frame(f, A(bad[i]), A("10.0.0.9"), PROTO_UNKNOWN, payload, 8);
        send_error_about(&h, IP(f), n - ETH_HLEN, ICMP_HOST_UNREACH);
        ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 2 + i);
    }
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    /* the first fragment (MF, offset 0) may be answered */
    n = build_ipv4_frame(f, A(H_PEER_IP), A("10.0.0.9"), PROTO_UNKNOWN, payload, 8);
    put_be16(IP(f) + 6, IPV4_FLAG_MF);
    fix_ipv4_checksum(f);
    send_error_about(&h, IP(f), n - ETH_HLEN, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    harness_fini(&h);
}
END_TEST

/* Errors are rate limited: ICMP_RATE_BURST at once, then one per
 * ICMP_RATE_INTERVAL of the (virtual) clock. */
START_TEST(test_error_rate_limit_token_bucket)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128], payload[8] = {0};
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), PROTO_UNKNOWN, payload, 8);
    for (unsigned i = 0; i < ICMP_RATE_BURST; i++)
        harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), ICMP_RATE_BURST);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), ICMP_RATE_BURST);
    ck_assert_uint_eq(counter(&h, "icmp.rate_limited"), 1);

    harness_advance(&h, ICMP_RATE_INTERVAL - 1); /* not yet a whole token */
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rate_limited"), 2);
    harness_advance(&h, 1);
    harness_inject(&h, f, n); /* one token earned */
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), ICMP_RATE_BURST + 1);
    ck_assert_uint_eq(counter(&h, "icmp.rate_limited"), 3);

    /* a long quiet time refills the bucket, but only to the burst */
    harness_tx_clear(&h);
    harness_advance(&h, 10 * GLASS_USEC_PER_SEC);
    for (unsigned i = 0; i < ICMP_RATE_BURST + 5; i++)
        harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), ICMP_RATE_BURST);
    ck_assert_uint_eq(counter(&h, "icmp.rate_limited"), 8);
    ck_assert_uint_eq(counter(&h, "icmp.tx_dest_unreach"), 2 * ICMP_RATE_BURST + 1);
    harness_fini(&h);
}
END_TEST

/* An error about a datagram this host sent is delivered locally: the
 * sender (glass-ping, later a socket) learns of it.  It never reaches a
 * wire, so the rate limit does not apply (as on Linux's loopback). */
START_TEST(test_error_to_ourselves_delivered_locally)
{
    struct harness h;
    struct heard heard = {0};
    harness_init(&h);
    harness_learn_peer(&h);
    glass_icmp_set_listener(h.stack, listener, &heard);
    /* empty the token bucket with errors to the peer */
    uint8_t f[128], payload[8] = {0};
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), PROTO_UNKNOWN, payload, 8);
    for (unsigned i = 0; i <= ICMP_RATE_BURST; i++)
        harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "icmp.rate_limited"), 1);
    harness_tx_clear(&h);

    n = echo_frame(f, ICMP_ECHO_REQUEST, A(H_OUR_IP), A("10.0.0.9"), 0x99, 5, "gone", 4);
    send_error_about(&h, IP(f), n - ETH_HLEN, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "icmp.rate_limited"), 1);
    ck_assert_uint_eq(heard.n, 0);
    glass_stack_poll(h.stack, 0);
    ck_assert_uint_eq(heard.n, 1);
    ck_assert_uint_eq(heard.ev[0].type, ICMP_DEST_UNREACH);
    ck_assert_uint_eq(heard.ev[0].code, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(heard.ev[0].from, A(H_OUR_IP));
    ck_assert_uint_eq(heard.ev[0].id, 0x99);
    ck_assert_uint_eq(heard.ev[0].seq, 5);
    ck_assert_uint_eq(heard.ev[0].len, 28); /* IP header + 8 bytes */
    ck_assert_mem_eq(heard.ev[0].data, IP(f), 28);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* End to end with ARP (RFC 1122 2.3.2.2): a ping to a neighbour that never
 * answers ARP comes back to glass-ping as host unreachable. */
START_TEST(test_arp_failure_reports_host_unreachable)
{
    struct harness h;
    struct heard heard = {0};
    harness_init(&h);
    glass_icmp_set_listener(h.stack, listener, &heard);
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A("10.0.0.9"), 0x51, 4, "arp", 3, 0), 0);
    harness_advance(&h, (ARP_MAX_RETRIES + 2) * ARP_RETRY_INTERVAL);
    ck_assert_uint_eq(heard.n, 1);
    ck_assert_uint_eq(heard.ev[0].type, ICMP_DEST_UNREACH);
    ck_assert_uint_eq(heard.ev[0].code, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(heard.ev[0].from, A(H_OUR_IP));
    ck_assert_uint_eq(heard.ev[0].id, 0x51);
    ck_assert_uint_eq(heard.ev[0].seq, 4);
    /* only ARP requests went out: no ICMP error on the wire */
    uint8_t r[128];
    size_t rn;
    while ((rn = harness_tx_pop(&h, r, sizeof r)))
        ck_assert_uint_eq(get_be16(r + 12), ETH_P_ARP);
    harness_fini(&h);
}
END_TEST

static Suite *icmp_suite(void)
{
    Suite *s = suite_create("icmp");
    TCase *echo = tcase_create("echo");
    tcase_add_test(echo, test_rfc792_echo_request_exact_reply);
    tcase_add_test(echo, test_echo_odd_length_reply_checksum);
    tcase_add_test(echo, test_rfc1122_3_2_2_6_oversized_echo_reply_fragmented);
    tcase_add_test(echo, test_rfc1122_3_2_2_6_broadcast_echo_ignored);
    tcase_add_test(echo, test_short_and_bad_checksum_dropped);
    tcase_add_test(echo, test_unknown_type_counted_no_answer);
    tcase_add_test(echo, test_echo_send_frame_and_reply_to_listener);
    tcase_add_test(echo, test_echo_send_bad_arguments);
    tcase_add_test(echo, test_echo_send_ttl_and_dont_fragment);
    tcase_add_test(echo, test_ping_ourselves_reaches_listener);
    tcase_add_test(echo, test_error_about_our_echo_reaches_listener);
    suite_add_tcase(s, echo);
    TCase *err = tcase_create("errors");
    tcase_add_test(err, test_rfc1122_3_2_2_1_protocol_unreachable_quotes_header_and_8);
    tcase_add_test(err, test_rfc1122_3_2_2_no_error_about_icmp_error);
    tcase_add_test(err, test_rfc1122_3_2_2_no_error_for_broadcast);
    tcase_add_test(err, test_rfc1122_3_2_2_no_error_for_fragment_or_bad_source);
    tcase_add_test(err, test_error_rate_limit_token_bucket);
    tcase_add_test(err, test_error_to_ourselves_delivered_locally);
    tcase_add_test(err, test_arp_failure_reports_host_unreachable);
    suite_add_tcase(s, err);
    return s;
}

int main(void)
{
    return harness_run_suite(icmp_suite());
}
