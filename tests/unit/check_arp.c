/* check_arp.c - ARP (RFC 826, RFC 1122 2.3.2, RFC 5227) on the virtual
 * clock: answers, validation, the resolution life cycle with its retries
 * and queue, aging, gratuitous ARP, static entries, conflicts and the
 * cache bound.  Every test ends with harness_fini's leak check, so queued
 * packets and timers must all come back. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arp.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "timer.h"

#define SEC GLASS_USEC_PER_SEC
#define ARP_FRAME_LEN (ETH_HLEN + ARP_HLEN) /* 42: we do not pad, the driver may */

static const uint8_t ZERO_MAC[6] = {0};
static const uint8_t BCAST_MAC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t OTHER_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x77};

/* ---- helpers ------------------------------------------------------------ */

/* The 42 bytes an ARP frame from us must have, written field by field
 * from RFC 826 (independently of the code under test and the harness). */
static void expected_arp(uint8_t *e, const uint8_t eth_dst[6], uint16_t op, const uint8_t sha[6],
                         uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
    memcpy(e, eth_dst, 6);
    memcpy(e + 6, H_OUR_MAC, 6);
    e[12] = 0x08, e[13] = 0x06;             /* ethertype ARP */
    e[14] = 0x00, e[15] = 0x01;             /* ar$hrd: Ethernet */
    e[16] = 0x08, e[17] = 0x00;             /* ar$pro: IPv4 */
    e[18] = 6, e[19] = 4;                   /* ar$hln, ar$pln */
    e[20] = 0x00, e[21] = (uint8_t)op;      /* ar$op */
    memcpy(e + 22, sha, 6);
    memcpy(e + 28, &spa, 4);
    memcpy(e + 32, tha, 6);
    memcpy(e + 38, &tpa, 4);
}

static void assert_bytes(const uint8_t *got, const uint8_t *want, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(got[i] == want[i], "byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
}

/* Pop the next transmitted frame and check it is exactly this ARP packet. */
static void pop_expect_arp(struct harness *h, const uint8_t eth_dst[6], uint16_t op,
                           const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
    uint8_t got[PKB_MAX_DATA], want[ARP_FRAME_LEN];
    size_t n = harness_tx_pop(h, got, sizeof got);
    ck_assert_uint_eq(n, ARP_FRAME_LEN);
    expected_arp(want, eth_dst, op, sha, spa, tha, tpa);
    assert_bytes(got, want, ARP_FRAME_LEN);
}

/* The broadcast request "who-has target tell 10.0.0.2" (RFC 826). */
static void pop_expect_request(struct harness *h, uint32_t target)
{
    pop_expect_arp(h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, target);
}

/* An IPv4 datagram from us to dst as ipv4_output hands it to ARP: data
 * and l3 at the IPv4 header.  It is an ICMP echo request whose sequence
 * number tags it, so tests can check order. */
static struct pkb *make_datagram(struct harness *h, uint32_t dst, uint16_t seq)
{
    uint8_t frame[128], icmp[32];
    size_t ilen = build_icmp_echo(icmp, ICMP_ECHO_REQUEST, 0x4242, seq, "glass", 5);
    size_t n = build_ipv4_frame(frame, A(H_OUR_IP), dst, IPPROTO_ICMP_, icmp, ilen) - ETH_HLEN;
    struct pkb *p = pkb_alloc(h->stack, n);
    ck_assert_ptr_nonnull(p);
    memcpy(pkb_put(p, n), frame + ETH_HLEN, n);
    pkb_set_l3(p);
    return p;
}

static int send_to(struct harness *h, uint32_t nexthop, uint16_t seq)
{
    glass_stack_lock(h->stack);
    int rc = arp_output(h->nif, nexthop, make_datagram(h, nexthop, seq));
    glass_stack_unlock(h->stack);
    return rc;
}

/* Pop the next frame: an IPv4 datagram to eth_dst carrying echo `seq`. */
static void pop_expect_datagram(struct harness *h, const uint8_t eth_dst[6], uint32_t dst,
                                uint16_t seq)
{
    uint8_t got[PKB_MAX_DATA];
    size_t n = harness_tx_pop(h, got, sizeof got);
    ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + ICMP_HLEN + 5);
    assert_bytes(got, eth_dst, 6);
    assert_bytes(got + 6, H_OUR_MAC, 6);
    ck_assert_uint_eq(get_be16(got + 12), ETH_P_IP);
    ck_assert_uint_eq(get_addr(got + ETH_HLEN + 16), dst);
    ck_assert_uint_eq(get_be16(got + ETH_HLEN + IPV4_HLEN + 6), seq);
}

/* 0 and *info when cached. */
static int lookup(struct harness *h, uint32_t addr, struct arp_entry_info *info)
{
    glass_stack_lock(h->stack);
    int rc = arp_lookup(h->stack, h->nif, addr, info);
    glass_stack_unlock(h->stack);
    return rc;
}

static void assert_entry(struct harness *h, uint32_t addr, enum arp_state state,
                         const uint8_t mac[6])
{
    struct arp_entry_info info;
    ck_assert_msg(lookup(h, addr, &info) == 0, "%s is not cached", ip4s(addr).s);
    ck_assert_msg(info.state == state, "%s is %s, want %s", ip4s(addr).s,
                  arp_state_name(info.state), arp_state_name(state));
    if (mac)
        assert_bytes(info.mac, mac, 6);
}

static void inject_arp(struct harness *h, uint16_t op, const uint8_t sha[6], uint32_t spa,
                       const uint8_t tha[6], uint32_t tpa)
{
    uint8_t f[64];
    size_t n = build_arp_frame(f, op, sha, spa, tha, tpa);
    harness_inject(h, f, n);
}

static unsigned cache_count(struct harness *h)
{
    glass_stack_lock(h->stack);
    unsigned n = arp_cache_count(h->stack);
    glass_stack_unlock(h->stack);
    return n;
}

/* ---- answering (RFC 826 packet reception) ------------------------------ */

START_TEST(test_rfc826_request_for_our_address_gets_exact_reply)
{
    struct harness h;
    harness_init(&h);
    inject_arp(&h, ARP_OP_REQUEST, H_PEER_MAC, A(H_PEER_IP), ZERO_MAC, A(H_OUR_IP));

    /* "swap fields ... put the local hardware and protocol addresses in
     * the sender fields, set ar$op to reply, send to the new target". */
    static const uint8_t want[ARP_FRAME_LEN] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01,         /* eth dst: the requester */
        0x02, 0x00, 0x0a, 0x00, 0x00, 0x02,         /* eth src: us */
        0x08, 0x06,                                 /* ARP */
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04,         /* Ethernet, IPv4, 6, 4 */
        0x00, 0x02,                                 /* reply */
        0x02, 0x00, 0x0a, 0x00, 0x00, 0x02,         /* sha: us */
        0x0a, 0x00, 0x00, 0x02,                     /* spa: 10.0.0.2 */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01,         /* tha: the requester */
        0x0a, 0x00, 0x00, 0x01,                     /* tpa: 10.0.0.1 */
    };
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    uint8_t got[PKB_MAX_DATA];
    ck_assert_uint_eq(harness_tx_pop(&h, got, sizeof got), ARP_FRAME_LEN);
    assert_bytes(got, want, ARP_FRAME_LEN);

    ck_assert_uint_eq(counter(&h, "arp.rx"), 1);
    ck_assert_uint_eq(counter(&h, "arp.rx_request"), 1);
    ck_assert_uint_eq(counter(&h, "arp.tx_reply"), 1);
    /* "?Am I the target protocol address? Yes: ... add the triplet". */
    assert_entry(&h, A(H_PEER_IP), ARP_REACHABLE, H_PEER_MAC);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_padded_request_is_answered)
{
    struct harness h;
    harness_init(&h);
    /* A minimum Ethernet frame is 60 bytes: 18 bytes of padding follow the
     * ARP packet and must not upset validation. */
    uint8_t f[60];
    memset(f, 0xa5, sizeof f);
    build_arp_frame(f, ARP_OP_REQUEST, H_PEER_MAC, A(H_PEER_IP), ZERO_MAC, A(H_OUR_IP));
    harness_inject(&h, f, sizeof f);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_arp(&h, H_PEER_MAC, ARP_OP_REPLY, H_OUR_MAC, A(H_OUR_IP), H_PEER_MAC,
                   A(H_PEER_IP));
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_request_for_other_address_not_answered_nor_learned)
{
    struct harness h;
    harness_init(&h);
    inject_arp(&h, ARP_OP_REQUEST, H_PEER_MAC, A(H_PEER_IP), ZERO_MAC, A("10.0.0.3"));
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "arp.rx_request"), 1);
    ck_assert_uint_eq(counter(&h, "arp.drop_not_for_us"), 1);
    ck_assert_uint_eq(counter(&h, "arp.tx_reply"), 0);
    /* Merge only updates what is known; it adds only when we are the target. */
    ck_assert_int_eq(lookup(&h, A(H_PEER_IP), NULL), -1);
    ck_assert_uint_eq(cache_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_reply_to_us_adds_the_sender)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    assert_entry(&h, A(H_PEER_IP), ARP_REACHABLE, H_PEER_MAC);
    ck_assert_uint_eq(counter(&h, "arp.rx_reply"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_merge_updates_known_sender_even_when_not_target)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    /* The peer (new MAC) asks for someone else: "If the pair ... is
     * already in my translation table, update the sender hardware address". */
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, A(H_PEER_IP), ZERO_MAC, A("10.0.0.3"));
    assert_entry(&h, A(H_PEER_IP), ARP_REACHABLE, OTHER_MAC);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(cache_count(&h), 1);
    harness_fini(&h);
}
END_TEST

/* ---- validation: every bad packet dropped, counted, never answered ------ */

struct bad_case {
    const char *what;
    size_t offset;              /* in the ARP packet */
    uint8_t bytes[6];
    size_t nbytes;
    size_t arp_len;             /* ARP bytes handed over (truncation) */
    const char *counter;
};

static const struct bad_case bad_cases[] = {
    {"short (27 bytes)", 0, {0}, 0, ARP_HLEN - 1, "arp.drop_short"},
    {"empty", 0, {0}, 0, 0, "arp.drop_short"},
    {"hardware type 6 (IEEE 802)", 0, {0x00, 0x06}, 2, ARP_HLEN, "arp.drop_bad_hardware"},
    {"hardware length 8", 4, {8}, 1, ARP_HLEN, "arp.drop_bad_hardware"},
    {"protocol type 0x86dd", 2, {0x86, 0xdd}, 2, ARP_HLEN, "arp.drop_bad_protocol"},
    {"protocol length 16", 5, {16}, 1, ARP_HLEN, "arp.drop_bad_protocol"},
    {"opcode 3 (RARP request)", 6, {0x00, 0x03}, 2, ARP_HLEN, "arp.drop_bad_opcode"},
    {"opcode 0", 6, {0x00, 0x00}, 2, ARP_HLEN, "arp.drop_bad_opcode"},
    {"opcode 0x0101", 6, {0x01, 0x01}, 2, ARP_HLEN, "arp.drop_bad_opcode"},
    {"multicast sender MAC", 8, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, 6, ARP_HLEN,
     "arp.drop_bad_sender"},
    {"broadcast sender MAC", 8, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 6, ARP_HLEN,
     "arp.drop_bad_sender"},
    {"zero sender MAC", 8, {0, 0, 0, 0, 0, 0}, 6, ARP_HLEN, "arp.drop_bad_sender"},
    {"our own MAC as sender", 8, {0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}, 6, ARP_HLEN,
     "arp.drop_bad_sender"},
    {"multicast sender IP", 14, {224, 0, 0, 1}, 4, ARP_HLEN, "arp.drop_bad_sender"},
    {"broadcast sender IP", 14, {255, 255, 255, 255}, 4, ARP_HLEN, "arp.drop_bad_sender"},
    {"subnet broadcast sender IP", 14, {10, 0, 0, 255}, 4, ARP_HLEN, "arp.drop_bad_sender"},
};

static const char *const drop_counters[] = {
    "arp.drop_short",    "arp.drop_bad_hardware", "arp.drop_bad_protocol",
    "arp.drop_bad_opcode", "arp.drop_bad_sender",
};

START_TEST(test_rfc826_malformed_packet_dropped_and_counted)
{
    const struct bad_case *c = &bad_cases[_i];
    struct harness h;
    harness_init(&h);
    uint8_t f[64];
    build_arp_frame(f, ARP_OP_REQUEST, H_PEER_MAC, A(H_PEER_IP), ZERO_MAC, A(H_OUR_IP));
    memcpy(f + ETH_HLEN + c->offset, c->bytes, c->nbytes);
    harness_inject(&h, f, ETH_HLEN + c->arp_len);

    ck_assert_msg(harness_tx_count(&h) == 0, "%s: answered", c->what);
    ck_assert_uint_eq(counter(&h, "arp.rx"), 1);
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(drop_counters); i++)
        ck_assert_msg(counter(&h, drop_counters[i]) == (strcmp(drop_counters[i], c->counter) == 0),
                      "%s: %s = %llu", c->what, drop_counters[i],
                      (unsigned long long)counter(&h, drop_counters[i]));
    ck_assert_uint_eq(counter(&h, "arp.rx_request"), 0);
    ck_assert_msg(cache_count(&h) == 0, "%s: learned something", c->what);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_malformed_packet_does_not_touch_cache)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    /* A reply claiming the peer at another MAC, but with hlen 8. */
    uint8_t f[64];
    build_arp_frame(f, ARP_OP_REPLY, OTHER_MAC, A(H_PEER_IP), H_OUR_MAC, A(H_OUR_IP));
    f[ETH_HLEN + 4] = 8;
    harness_inject(&h, f, ETH_HLEN + ARP_HLEN);
    assert_entry(&h, A(H_PEER_IP), ARP_REACHABLE, H_PEER_MAC);
    ck_assert_uint_eq(counter(&h, "arp.drop_bad_hardware"), 1);
    harness_fini(&h);
}
END_TEST

/* ---- resolution (RFC 826, RFC 1122 2.3.2.1 / 2.3.2.2) --------------------- */

START_TEST(test_rfc1122_2_3_2_2_unknown_nexthop_queues_and_broadcasts_request)
{
    struct harness h;
    harness_init(&h);
    const uint32_t dst = A("10.0.0.5");
    glass_time_t t0 = glass_stack_now(h.stack);
    ck_assert_int_eq(send_to(&h, dst, 1), 0);

    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_request(&h, dst);
    struct arp_entry_info info;
    ck_assert_int_eq(lookup(&h, dst, &info), 0);
    ck_assert_int_eq(info.state, ARP_INCOMPLETE);
    ck_assert_uint_eq(info.queued, 1);
    ck_assert_uint_eq(info.requests, 1);
    ck_assert_uint_eq(info.expires, t0 + ARP_RETRY_INTERVAL); /* the next request */
    ck_assert_uint_eq(counter(&h, "arp.tx_request"), 1);
    ck_assert_uint_eq(counter(&h, "arp.queued"), 1);
    harness_fini(&h); /* the queued datagram and the timer must be freed */
}
END_TEST

START_TEST(test_rfc1122_2_3_2_1_at_most_one_request_per_second)
{
    struct harness h;
    harness_init(&h);
    const uint32_t dst = A("10.0.0.5");
    for (uint16_t i = 0; i < 5; i++) {
        ck_assert_int_eq(send_to(&h, dst, i), 0);
        harness_advance(&h, 100 * GLASS_USEC_PER_MSEC);
    }
    /* Five packets in half a second: one request, five waiting. */
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_request(&h, dst);
    struct arp_entry_info info;
    ck_assert_int_eq(lookup(&h, dst, &info), 0);
    ck_assert_uint_eq(info.queued, 5);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1122_2_3_2_1_retries_every_second_then_gives_up_after_3)
{
    struct harness h;
    harness_init(&h);
    char *trace = NULL;
    size_t trace_len = 0;
    FILE *tf = open_memstream(&trace, &trace_len);
    ck_assert_ptr_nonnull(tf);
    glass_trace_set(h.stack, GLASS_TRACE_ARP, tf);

    const uint32_t dst = A("10.0.0.5");
    ck_assert_int_eq(send_to(&h, dst, 1), 0);
    ck_assert_int_eq(send_to(&h, dst, 2), 0);
    pop_expect_request(&h, dst); /* request 1 at t0 */

    for (unsigned r = 2; r <= ARP_MAX_RETRIES; r++) {
        harness_advance(&h, SEC - 1);
        ck_assert_msg(harness_tx_count(&h) == 0, "request %u came early", r);
        harness_advance(&h, 1);
        ck_assert_msg(harness_tx_count(&h) == 1, "request %u not sent at t0 + %u s", r, r - 1);
        pop_expect_request(&h, dst);
    }
    /* One interval after the last request, still nothing: give up. */
    harness_advance(&h, SEC - 1);
    ck_assert_int_eq(lookup(&h, dst, NULL), 0);
    ck_assert_uint_eq(counter(&h, "arp.resolve_failed"), 0);
    harness_advance(&h, 1);
    ck_assert_int_eq(lookup(&h, dst, NULL), -1);
    ck_assert_uint_eq(counter(&h, "arp.resolve_failed"), 2);
    ck_assert_uint_eq(counter(&h, "arp.tx_request"), ARP_MAX_RETRIES);

    /* Nothing more on the wire: the host-unreachable errors are for us. */
    harness_advance(&h, 10 * SEC);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(cache_count(&h), 0);

    glass_trace_set(h.stack, 0, NULL);
    fclose(tf);
    ck_assert_ptr_nonnull(strstr(trace, "arp   queue 10.0.0.5 (2 waiting)"));
    ck_assert_ptr_nonnull(strstr(trace, "arp   who-has 10.0.0.5 tell 10.0.0.2"));
    ck_assert_ptr_nonnull(strstr(trace, "arp   give up on 10.0.0.5 after 3 requests, dropping 2 packets"));
    free(trace);
    harness_fini(&h);
}
END_TEST

struct icmp_log {
    int n;
    struct glass_icmp_event ev[4];
};

static void on_icmp(void *arg, const struct glass_icmp_event *ev)
{
    struct icmp_log *log = arg;
    if (log->n < 4)
        log->ev[log->n] = *ev;
    log->n++;
}

START_TEST(test_rfc1122_2_3_2_2_failed_resolution_reports_host_unreachable)
{
    struct harness h;
    harness_init(&h);
    struct icmp_log log = {0};
    glass_icmp_set_listener(h.stack, on_icmp, &log);

    /* The whole path: echo -> ipv4_output -> route (on-link) -> ARP. */
    const uint32_t dst = A("10.0.0.9");
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, dst, 7, 1, "abc", 3, 0), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_request(&h, dst);
    harness_advance(&h, ARP_MAX_RETRIES * SEC);
    ck_assert_uint_eq(counter(&h, "arp.resolve_failed"), 1);
    harness_advance(&h, SEC); /* local deliveries run at the next poll */
    ck_assert_uint_eq(harness_tx_count(&h), ARP_MAX_RETRIES - 1); /* the retries */

    /* The datagram came from us, so its sender hears it locally. */
    ck_assert_int_eq(log.n, 1);
    ck_assert_uint_eq(log.ev[0].type, ICMP_DEST_UNREACH);
    ck_assert_uint_eq(log.ev[0].code, ICMP_HOST_UNREACH);
    ck_assert_uint_eq(log.ev[0].id, 7);
    ck_assert_uint_eq(log.ev[0].seq, 1);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_reply_sends_queued_packets_in_order)
{
    struct harness h;
    harness_init(&h);
    char *trace = NULL;
    size_t trace_len = 0;
    FILE *tf = open_memstream(&trace, &trace_len);
    ck_assert_ptr_nonnull(tf);
    glass_trace_set(h.stack, GLASS_TRACE_ARP, tf);

    const uint32_t dst = A(H_PEER_IP);
    for (uint16_t seq = 1; seq <= 3; seq++)
        ck_assert_int_eq(send_to(&h, dst, seq), 0);
    harness_tx_clear(&h);
    harness_advance(&h, SEC / 2);

    inject_arp(&h, ARP_OP_REPLY, H_PEER_MAC, dst, H_OUR_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(harness_tx_count(&h), 3);
    for (uint16_t seq = 1; seq <= 3; seq++)
        pop_expect_datagram(&h, H_PEER_MAC, dst, seq);
    struct arp_entry_info info;
    ck_assert_int_eq(lookup(&h, dst, &info), 0);
    ck_assert_int_eq(info.state, ARP_REACHABLE);
    ck_assert_uint_eq(info.queued, 0);
    ck_assert_uint_eq(info.requests, 0);

    /* Resolved: no more retries, and new packets go straight out. */
    harness_advance(&h, 5 * SEC);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_int_eq(send_to(&h, dst, 4), 0);
    pop_expect_datagram(&h, H_PEER_MAC, dst, 4);
    ck_assert_uint_eq(counter(&h, "arp.tx_request"), 1);

    glass_trace_set(h.stack, 0, NULL);
    fclose(tf);
    ck_assert_ptr_nonnull(strstr(
        trace, "arp   10.0.0.1 is-at 02:00:00:00:00:01 (INCOMPLETE -> REACHABLE, sending 3 queued)"));
    free(trace);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_request_from_neighbour_resolves_incomplete_entry)
{
    struct harness h;
    harness_init(&h);
    const uint32_t dst = A(H_PEER_IP);
    ck_assert_int_eq(send_to(&h, dst, 1), 0);
    harness_tx_clear(&h);

    /* The neighbour asks about us first: merge learns it (we are the
     * target), the queue goes out, then our reply. */
    inject_arp(&h, ARP_OP_REQUEST, H_PEER_MAC, dst, ZERO_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    pop_expect_datagram(&h, H_PEER_MAC, dst, 1);
    pop_expect_arp(&h, H_PEER_MAC, ARP_OP_REPLY, H_OUR_MAC, A(H_OUR_IP), H_PEER_MAC, dst);
    assert_entry(&h, dst, ARP_REACHABLE, H_PEER_MAC);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1122_2_3_2_2_queue_overflow_drops_oldest)
{
    struct harness h;
    harness_init(&h);
    const uint32_t dst = A(H_PEER_IP);
    const uint16_t total = ARP_QUEUE_MAX + 2;
    for (uint16_t seq = 0; seq < total; seq++)
        ck_assert_int_eq(send_to(&h, dst, seq), 0);
    ck_assert_uint_eq(counter(&h, "arp.queue_overflow"), 2);
    struct arp_entry_info info;
    ck_assert_int_eq(lookup(&h, dst, &info), 0);
    ck_assert_uint_eq(info.queued, ARP_QUEUE_MAX);
    harness_tx_clear(&h);

    inject_arp(&h, ARP_OP_REPLY, H_PEER_MAC, dst, H_OUR_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(harness_tx_count(&h), ARP_QUEUE_MAX);
    for (uint16_t seq = 2; seq < total; seq++) /* 0 and 1 were the oldest */
        pop_expect_datagram(&h, H_PEER_MAC, dst, seq);
    harness_fini(&h);
}
END_TEST

START_TEST(test_broadcast_and_multicast_nexthops_need_no_resolution)
{
    struct harness h;
    harness_init(&h);
    /* RFC 919/922: limited and directed broadcasts go to ff:ff:ff:ff:ff:ff;
     * RFC 1112 6.4: 224.0.0.251 maps to 01:00:5e:00:00:fb. */
    static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    ck_assert_int_eq(send_to(&h, A("255.255.255.255"), 1), 0);
    ck_assert_int_eq(send_to(&h, A("10.0.0.255"), 2), 0);
    ck_assert_int_eq(send_to(&h, A("224.0.0.251"), 3), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 3);
    pop_expect_datagram(&h, BCAST_MAC, A("255.255.255.255"), 1);
    pop_expect_datagram(&h, BCAST_MAC, A("10.0.0.255"), 2);
    pop_expect_datagram(&h, mcast_mac, A("224.0.0.251"), 3);
    ck_assert_uint_eq(cache_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "arp.tx_request"), 0);
    harness_fini(&h);
}
END_TEST

/* ---- aging (RFC 1122 2.3.2.1) --------------------------------------------- */

START_TEST(test_rfc1122_2_3_2_1_reachable_ages_to_stale_and_revalidates)
{
    struct harness h;
    harness_init(&h);
    const uint32_t peer = A(H_PEER_IP);
    harness_learn_peer(&h);
    harness_advance(&h, ARP_REACHABLE_TIME - 1);
    assert_entry(&h, peer, ARP_REACHABLE, H_PEER_MAC);
    harness_advance(&h, 1);
    assert_entry(&h, peer, ARP_STALE, H_PEER_MAC);
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    /* A stale MAC is still used, and the use starts a unicast poll. */
    ck_assert_int_eq(send_to(&h, peer, 1), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    pop_expect_arp(&h, H_PEER_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, peer);
    pop_expect_datagram(&h, H_PEER_MAC, peer, 1);
    assert_entry(&h, peer, ARP_PROBE, H_PEER_MAC);

    /* Packets keep flowing while we wait for the answer. */
    ck_assert_int_eq(send_to(&h, peer, 2), 0);
    pop_expect_datagram(&h, H_PEER_MAC, peer, 2);

    inject_arp(&h, ARP_OP_REPLY, H_PEER_MAC, peer, H_OUR_MAC, A(H_OUR_IP));
    assert_entry(&h, peer, ARP_REACHABLE, H_PEER_MAC);
    harness_advance(&h, 10 * SEC);
    ck_assert_uint_eq(harness_tx_count(&h), 0); /* no more polls */
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1122_2_3_2_1_unanswered_unicast_poll_removes_entry)
{
    struct harness h;
    harness_init(&h);
    const uint32_t peer = A(H_PEER_IP);
    harness_learn_peer(&h);
    harness_advance(&h, ARP_REACHABLE_TIME);
    assert_entry(&h, peer, ARP_STALE, H_PEER_MAC);
    ck_assert_int_eq(send_to(&h, peer, 1), 0);
    harness_tx_clear(&h);

    for (unsigned r = 2; r <= ARP_MAX_RETRIES; r++) {
        harness_advance(&h, SEC);
        ck_assert_uint_eq(harness_tx_count(&h), 1);
        pop_expect_arp(&h, H_PEER_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, peer);
    }
    harness_advance(&h, SEC - 1);
    assert_entry(&h, peer, ARP_PROBE, H_PEER_MAC);
    harness_advance(&h, 1);
    ck_assert_int_eq(lookup(&h, peer, NULL), -1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    /* Forgotten: the next packet asks the whole link again. */
    ck_assert_int_eq(send_to(&h, peer, 2), 0);
    pop_expect_request(&h, peer);
    assert_entry(&h, peer, ARP_INCOMPLETE, NULL);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1122_2_3_2_1_unused_stale_entry_removed)
{
    struct harness h;
    harness_init(&h);
    const uint32_t peer = A(H_PEER_IP);
    harness_learn_peer(&h);
    harness_advance(&h, ARP_REACHABLE_TIME + ARP_STALE_TIME - 1);
    assert_entry(&h, peer, ARP_STALE, H_PEER_MAC);
    harness_advance(&h, 1);
    ck_assert_int_eq(lookup(&h, peer, NULL), -1);
    ck_assert_uint_eq(harness_tx_count(&h), 0); /* aging alone sends nothing */
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc826_new_reply_restarts_reachable_time)
{
    struct harness h;
    harness_init(&h);
    const uint32_t peer = A(H_PEER_IP);
    harness_learn_peer(&h);
    harness_advance(&h, ARP_REACHABLE_TIME - SEC);
    harness_learn_peer(&h); /* confirmed again */
    harness_advance(&h, ARP_REACHABLE_TIME - 1);
    assert_entry(&h, peer, ARP_REACHABLE, H_PEER_MAC);
    harness_advance(&h, 1);
    assert_entry(&h, peer, ARP_STALE, H_PEER_MAC);
    harness_fini(&h);
}
END_TEST

/* ---- gratuitous ARP and conflicts (RFC 5227) ------------------------------ */

START_TEST(test_rfc5227_2_3_announcement_format)
{
    struct harness h;
    harness_init(&h);
    /* (Relative counts: whether setup's own announcement is still counted
     * is the harness's business.) */
    uint64_t before = counter(&h, "arp.gratuitous");
    uint64_t requests_before = counter(&h, "arp.tx_request");
    glass_stack_lock(h.stack);
    arp_announce(h.nif, A(H_OUR_IP));
    glass_stack_unlock(h.stack);
    /* Sender and target IP both ours, target MAC zero, broadcast. */
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_arp(&h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(counter(&h, "arp.gratuitous"), before + 1);
    ck_assert_uint_eq(counter(&h, "arp.tx_request"), requests_before);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc5227_2_3_new_address_is_announced_only_when_up)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_netif_add_addr(h.nif, A("192.168.7.1"), 24), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_arp(&h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A("192.168.7.1"), ZERO_MAC,
                   A("192.168.7.1"));

    ck_assert_int_eq(glass_netif_down(h.nif), 0);
    glass_stack_lock(h.stack);
    arp_announce(h.nif, A(H_OUR_IP));
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    /* Coming up announces every address. */
    ck_assert_int_eq(glass_netif_up(h.nif), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    pop_expect_arp(&h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, A(H_OUR_IP));
    pop_expect_arp(&h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A("192.168.7.1"), ZERO_MAC,
                   A("192.168.7.1"));
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc5227_neighbour_announcement_updates_only_known_entry)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    /* The peer moved to another NIC and announces it. */
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, A(H_PEER_IP), ZERO_MAC, A(H_PEER_IP));
    assert_entry(&h, A(H_PEER_IP), ARP_REACHABLE, OTHER_MAC);
    /* A stranger announcing itself is not added (we are not its target). */
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, A("10.0.0.8"), ZERO_MAC, A("10.0.0.8"));
    ck_assert_int_eq(lookup(&h, A("10.0.0.8"), NULL), -1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc5227_2_4_conflict_detected_and_defended_once_per_interval)
{
    struct harness h;
    harness_init(&h);
    char *trace = NULL;
    size_t trace_len = 0;
    FILE *tf = open_memstream(&trace, &trace_len);
    ck_assert_ptr_nonnull(tf);
    glass_trace_set(h.stack, GLASS_TRACE_ARP, tf);

    /* Someone else says it is 10.0.0.2 (an announcement of "our" address). */
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, A(H_OUR_IP), ZERO_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(counter(&h, "arp.conflict"), 1);
    ck_assert_int_eq(lookup(&h, A(H_OUR_IP), NULL), -1); /* never cached */
    /* (b) defend: one announcement of our own. */
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_arp(&h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, A(H_OUR_IP));

    /* Within DEFEND_INTERVAL (10 s) we count but do not answer again. */
    harness_advance(&h, 9 * SEC);
    inject_arp(&h, ARP_OP_REPLY, OTHER_MAC, A(H_OUR_IP), H_OUR_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(counter(&h, "arp.conflict"), 2);
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    harness_advance(&h, SEC);
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, A(H_OUR_IP), ZERO_MAC, A(H_PEER_IP));
    ck_assert_uint_eq(counter(&h, "arp.conflict"), 3);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_arp(&h, BCAST_MAC, ARP_OP_REQUEST, H_OUR_MAC, A(H_OUR_IP), ZERO_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(cache_count(&h), 0);

    glass_trace_set(h.stack, 0, NULL);
    fclose(tf);
    ck_assert_ptr_nonnull(strstr(trace, "arp   conflict: 10.0.0.2 is claimed by 02:00:00:00:00:77"));
    free(trace);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc5227_2_1_1_probe_for_our_address_is_answered)
{
    struct harness h;
    harness_init(&h);
    /* A probe: sender IP 0.0.0.0, "is anyone using 10.0.0.2?" */
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, 0, ZERO_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_arp(&h, OTHER_MAC, ARP_OP_REPLY, H_OUR_MAC, A(H_OUR_IP), OTHER_MAC, 0);
    /* A probe for someone else, and 0.0.0.0 itself, are never learned. */
    inject_arp(&h, ARP_OP_REQUEST, OTHER_MAC, 0, ZERO_MAC, A("10.0.0.9"));
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(cache_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "arp.conflict"), 0);
    harness_fini(&h);
}
END_TEST

/* ---- static entries --------------------------------------------------------- */

START_TEST(test_static_entry_never_changed_by_the_wire)
{
    struct harness h;
    harness_init(&h);
    const uint32_t peer = A(H_PEER_IP);
    ck_assert_int_eq(glass_arp_add_static(h.stack, h.nif, peer, OTHER_MAC), 0);
    assert_entry(&h, peer, ARP_STATIC, OTHER_MAC);

    inject_arp(&h, ARP_OP_REPLY, H_PEER_MAC, peer, H_OUR_MAC, A(H_OUR_IP));
    inject_arp(&h, ARP_OP_REQUEST, H_PEER_MAC, peer, ZERO_MAC, A("10.0.0.3"));
    assert_entry(&h, peer, ARP_STATIC, OTHER_MAC);

    /* Never ages, never polls, used as is. */
    harness_advance(&h, ARP_REACHABLE_TIME + ARP_STALE_TIME + 10 * SEC);
    assert_entry(&h, peer, ARP_STATIC, OTHER_MAC);
    ck_assert_int_eq(send_to(&h, peer, 1), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop_expect_datagram(&h, OTHER_MAC, peer, 1);
    ck_assert_uint_eq(counter(&h, "arp.tx_request"), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_static_entry_releases_waiting_packets)
{
    struct harness h;
    harness_init(&h);
    const uint32_t dst = A("10.0.0.5");
    ck_assert_int_eq(send_to(&h, dst, 1), 0);
    ck_assert_int_eq(send_to(&h, dst, 2), 0);
    harness_tx_clear(&h);
    ck_assert_int_eq(glass_arp_add_static(h.stack, NULL, dst, OTHER_MAC), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    pop_expect_datagram(&h, OTHER_MAC, dst, 1);
    pop_expect_datagram(&h, OTHER_MAC, dst, 2);
    assert_entry(&h, dst, ARP_STATIC, OTHER_MAC);
    harness_advance(&h, 5 * SEC); /* the retry timer was cancelled */
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "arp.resolve_failed"), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_static_entry_rejects_bad_arguments)
{
    struct harness h;
    harness_init(&h);
    static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    errno = 0;
    ck_assert_int_eq(glass_arp_add_static(h.stack, h.nif, A("10.0.0.5"), mcast), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(glass_arp_add_static(h.stack, h.nif, A("10.0.0.5"), ZERO_MAC), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(glass_arp_add_static(h.stack, h.nif, A("224.0.0.1"), OTHER_MAC), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(glass_arp_add_static(h.stack, h.nif, 0, OTHER_MAC), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* No interface given and none on that subnet. */
    errno = 0;
    ck_assert_int_eq(glass_arp_add_static(h.stack, NULL, A("172.16.0.1"), OTHER_MAC), -1);
    ck_assert_int_eq(errno, ENETUNREACH);
    ck_assert_uint_eq(cache_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* ---- the cache bound and flushing ------------------------------------------- */

static uint32_t nth_addr(unsigned i)
{
    /* 10.1.x.y, y in 1..200: plain unicast, off our subnet. */
    uint8_t b[4] = {10, 1, (uint8_t)(i / 200), (uint8_t)(i % 200 + 1)};
    return get_addr(b);
}

START_TEST(test_cache_full_evicts_the_oldest_learned_entry)
{
    struct harness h;
    harness_init(&h);
    for (unsigned i = 0; i < ARP_CACHE_MAX; i++) {
        inject_arp(&h, ARP_OP_REPLY, OTHER_MAC, nth_addr(i), H_OUR_MAC, A(H_OUR_IP));
        glass_clock_advance(h.clock, GLASS_USEC_PER_MSEC); /* ages differ */
    }
    ck_assert_uint_eq(cache_count(&h), ARP_CACHE_MAX);
    ck_assert_uint_eq(counter(&h, "arp.evicted"), 0);

    inject_arp(&h, ARP_OP_REPLY, H_PEER_MAC, A(H_PEER_IP), H_OUR_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(cache_count(&h), ARP_CACHE_MAX);
    ck_assert_uint_eq(counter(&h, "arp.evicted"), 1);
    ck_assert_uint_eq(counter(&h, "arp.cache_full"), 0);
    ck_assert_int_eq(lookup(&h, nth_addr(0), NULL), -1); /* the oldest went */
    ck_assert_int_eq(lookup(&h, nth_addr(1), NULL), 0);
    assert_entry(&h, A(H_PEER_IP), ARP_REACHABLE, H_PEER_MAC);

    /* The read-only iterator sees exactly the cached entries. */
    glass_stack_lock(h.stack);
    unsigned seen = 0;
    struct arp_entry_info info;
    while (arp_entry_at(h.stack, seen, &info) == 0) {
        ck_assert_ptr_eq(info.nif, h.nif);
        seen++;
    }
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(seen, ARP_CACHE_MAX);
    harness_fini(&h);
}
END_TEST

START_TEST(test_cache_full_of_waiting_entries_refuses_and_counts)
{
    struct harness h;
    harness_init(&h);
    /* INCOMPLETE entries hold packets: they are never evicted. */
    for (unsigned i = 0; i < ARP_CACHE_MAX; i++)
        ck_assert_int_eq(send_to(&h, nth_addr(i), (uint16_t)i), 0);
    harness_tx_clear(&h);
    ck_assert_int_eq(send_to(&h, A("10.0.0.5"), 1), -ENOBUFS);
    ck_assert_uint_eq(counter(&h, "arp.cache_full"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* Still answered, just not learned. */
    inject_arp(&h, ARP_OP_REQUEST, H_PEER_MAC, A(H_PEER_IP), ZERO_MAC, A(H_OUR_IP));
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    ck_assert_int_eq(lookup(&h, A(H_PEER_IP), NULL), -1);
    ck_assert_uint_eq(counter(&h, "arp.cache_full"), 2);
    harness_fini(&h); /* 256 queues and timers freed */
}
END_TEST

/* Found by fuzzing: when the timer heap could not grow (memory limit
 * reached), the new INCOMPLETE entry was kept without a timer.  It never
 * asked again nor gave up, so its next hop was black-holed for good and
 * the packets queued on it were never freed before the stack was.  An
 * entry that cannot have a timer is not made (RFC 1122 2.3.2.1: entries
 * time out, requests are retried a bounded number of times). */
START_TEST(test_rfc1122_2_3_2_1_no_entry_without_a_timer)
{
    struct harness h;
    harness_init(&h);
    /* Learned entries each hold a pending timer: fill the heap to its
     * capacity, so the next timer needs it to grow. */
    unsigned i = 0;
    while (h.stack->timers.cap == 0 || h.stack->timers.n < h.stack->timers.cap)
        inject_arp(&h, ARP_OP_REPLY, OTHER_MAC, nth_addr(i++), H_OUR_MAC, A(H_OUR_IP));
    harness_tx_clear(&h);
    struct pkb *p = make_datagram(&h, A("10.0.0.5"), 1);
    /* Room for anything but the heap's growth. */
    size_t growth = h.stack->timers.cap * sizeof(struct glass_timer *);
    h.stack->mem_limit = h.stack->mem_in_use + growth - 1;
    glass_stack_lock(h.stack);
    ck_assert_int_eq(arp_output(h.nif, A("10.0.0.5"), p), -ENOBUFS);
    glass_stack_unlock(h.stack);
    ck_assert_int_eq(lookup(&h, A("10.0.0.5"), NULL), -1);
    ck_assert_uint_eq(counter(&h, "arp.drop_no_memory"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);

    /* Memory back: the next packet starts a resolution that asks at once
     * and has its retry timer running. */
    h.stack->mem_limit = 0;
    ck_assert_int_eq(send_to(&h, A("10.0.0.5"), 2), 0);
    pop_expect_request(&h, A("10.0.0.5"));
    struct arp_entry_info info;
    ck_assert_int_eq(lookup(&h, A("10.0.0.5"), &info), 0);
    ck_assert_int_eq(info.state, ARP_INCOMPLETE);
    ck_assert_uint_eq(info.expires, glass_clock_now(h.clock) + ARP_RETRY_INTERVAL);
    harness_fini(&h);
}
END_TEST

START_TEST(test_interface_down_flushes_its_entries)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    ck_assert_int_eq(send_to(&h, A("10.0.0.5"), 1), 0);
    ck_assert_int_eq(glass_arp_add_static(h.stack, h.nif, A("10.0.0.6"), OTHER_MAC), 0);
    ck_assert_uint_eq(cache_count(&h), 3);
    ck_assert_int_eq(glass_netif_down(h.nif), 0);
    ck_assert_uint_eq(cache_count(&h), 0);
    harness_tx_clear(&h);
    /* While down nothing is resolved (nobody would hear the request). */
    ck_assert_int_eq(send_to(&h, A("10.0.0.5"), 2), -ENETDOWN);
    ck_assert_uint_eq(cache_count(&h), 0);
    harness_advance(&h, 10 * SEC); /* no timer of a freed entry may fire */
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "arp.resolve_failed"), 0);
    harness_fini(&h);
}
END_TEST

static Suite *arp_suite(void)
{
    Suite *s = suite_create("arp");
    TCase *tc = tcase_create("input");
    tcase_add_test(tc, test_rfc826_request_for_our_address_gets_exact_reply);
    tcase_add_test(tc, test_rfc826_padded_request_is_answered);
    tcase_add_test(tc, test_rfc826_request_for_other_address_not_answered_nor_learned);
    tcase_add_test(tc, test_rfc826_reply_to_us_adds_the_sender);
    tcase_add_test(tc, test_rfc826_merge_updates_known_sender_even_when_not_target);
    tcase_add_loop_test(tc, test_rfc826_malformed_packet_dropped_and_counted, 0,
                        (int)GLASS_ARRAY_SIZE(bad_cases));
    tcase_add_test(tc, test_rfc826_malformed_packet_does_not_touch_cache);
    suite_add_tcase(s, tc);

    tc = tcase_create("resolution");
    tcase_add_test(tc, test_rfc1122_2_3_2_2_unknown_nexthop_queues_and_broadcasts_request);
    tcase_add_test(tc, test_rfc1122_2_3_2_1_at_most_one_request_per_second);
    tcase_add_test(tc, test_rfc1122_2_3_2_1_retries_every_second_then_gives_up_after_3);
    tcase_add_test(tc, test_rfc1122_2_3_2_2_failed_resolution_reports_host_unreachable);
    tcase_add_test(tc, test_rfc826_reply_sends_queued_packets_in_order);
    tcase_add_test(tc, test_rfc826_request_from_neighbour_resolves_incomplete_entry);
    tcase_add_test(tc, test_rfc1122_2_3_2_2_queue_overflow_drops_oldest);
    tcase_add_test(tc, test_broadcast_and_multicast_nexthops_need_no_resolution);
    suite_add_tcase(s, tc);

    tc = tcase_create("aging");
    tcase_add_test(tc, test_rfc1122_2_3_2_1_reachable_ages_to_stale_and_revalidates);
    tcase_add_test(tc, test_rfc1122_2_3_2_1_unanswered_unicast_poll_removes_entry);
    tcase_add_test(tc, test_rfc1122_2_3_2_1_unused_stale_entry_removed);
    tcase_add_test(tc, test_rfc826_new_reply_restarts_reachable_time);
    suite_add_tcase(s, tc);

    tc = tcase_create("gratuitous");
    tcase_add_test(tc, test_rfc5227_2_3_announcement_format);
    tcase_add_test(tc, test_rfc5227_2_3_new_address_is_announced_only_when_up);
    tcase_add_test(tc, test_rfc5227_neighbour_announcement_updates_only_known_entry);
    tcase_add_test(tc, test_rfc5227_2_4_conflict_detected_and_defended_once_per_interval);
    tcase_add_test(tc, test_rfc5227_2_1_1_probe_for_our_address_is_answered);
    suite_add_tcase(s, tc);

    tc = tcase_create("static");
    tcase_add_test(tc, test_static_entry_never_changed_by_the_wire);
    tcase_add_test(tc, test_static_entry_releases_waiting_packets);
    tcase_add_test(tc, test_static_entry_rejects_bad_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, test_cache_full_evicts_the_oldest_learned_entry);
    tcase_add_test(tc, test_cache_full_of_waiting_entries_refuses_and_counts);
    tcase_add_test(tc, test_interface_down_flushes_its_entries);
    tcase_add_test(tc, test_rfc1122_2_3_2_1_no_entry_without_a_timer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(arp_suite());
}
