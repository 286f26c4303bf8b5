/* check_forward.c - forwarding decisions (RFC 1812) with crafted frames:
 * off in a host, TTL decrement with the RFC 1624 checksum update, time
 * exceeded at TTL 1, net unreachable without a route, fragmentation
 * needed with DF (RFC 1191) or fragments without, and what a router
 * must not forward (martians, source routes, link-layer broadcasts).
 *
 * The bench has one interface (fake0, 10.0.0.2/24): the router sends the
 * datagram back out of it towards a gateway 10.0.0.3 whose MAC is
 * static, so every forwarded frame is recorded, nothing waits for ARP. */
#include "harness.h"

#include <string.h>

#include "checksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "ipv4_forward.h"

#define FAR_NET "192.168.5.0"
#define FAR_HOST "192.168.5.9"
#define SENDER "10.0.0.1"
#define GW "10.0.0.3"
static const uint8_t GW_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};

static void router_init(struct harness *h)
{
    harness_init(h);
    ck_assert_int_eq(glass_stack_forwarding(h->stack), 0);
    ck_assert_int_eq(glass_stack_set_forwarding(h->stack, 1), 0);
    ck_assert_int_eq(glass_route_add(h->stack, A(FAR_NET), 24, A(GW), NULL, 0), 0);
    ck_assert_int_eq(glass_arp_add_static(h->stack, h->nif, A(GW), GW_MAC), 0);
    harness_learn_peer(h);
}

/* A UDP-ish datagram of len payload bytes from SENDER to dst, with ttl
 * and the given fragment field; returns the frame length. */
static size_t datagram(uint8_t *buf, const char *src, const char *dst, uint8_t ttl,
                       uint16_t frag, size_t len)
{
    static uint8_t payload[2000];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)i;
    size_t n = build_ipv4_frame(buf, A(src), A(dst), 17, payload, len);
    uint8_t *ip = buf + 14;
    ip[8] = ttl;
    put_be16(ip + 6, frag);
    fix_ipv4_checksum(buf);
    return n;
}

static size_t pop(struct harness *h, uint8_t *buf)
{
    return harness_tx_pop(h, buf, 2048);
}

START_TEST(test_rfc1122_3_3_1_6_host_does_not_forward)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[2048];
    size_t n = datagram(f, SENDER, FAR_HOST, 64, 0, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_not_for_us"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1812_5_3_1_ttl_decremented_rfc1624_checksum)
{
    struct harness h;
    router_init(&h);
    uint8_t f[2048], out[2048];
    size_t n = datagram(f, SENDER, FAR_HOST, 64, IPV4_FLAG_DF, 100);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    size_t m = pop(&h, out);
    ck_assert_uint_eq(m, n);
    ck_assert_mem_eq(out, GW_MAC, 6);              /* to the gateway */
    ck_assert_mem_eq(out + 6, H_OUR_MAC, 6);       /* from us */
    uint8_t *ip = out + 14;
    ck_assert_uint_eq(ip[8], 63);                  /* TTL - 1 */
    ck_assert_uint_eq(inet_checksum(ip, 20), 0);   /* header checksum still valid */
    /* Everything else is as it came: header fields and payload. */
    ck_assert_mem_eq(ip + 12, f + 14 + 12, n - 14 - 12);
    ck_assert_mem_eq(ip, f + 14, 8);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 1);
    harness_fini(&h);
}
END_TEST

/* RFC 1624 eqn. 3 against a full recomputation, for every TTL and a few
 * checksums that stress the ones' complement edges (0x0000, 0xffff). */
START_TEST(test_rfc1624_incremental_update_matches_full_sum)
{
    uint8_t ip[20] = {0x45, 0, 0, 84, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 192, 168, 5, 9};
    for (unsigned id = 0; id < 0x10000; id += 257) {
        put_be16(ip + 4, (uint16_t)id);
        for (unsigned ttl = 1; ttl < 256; ttl++) {
            ip[8] = (uint8_t)ttl;
            put_be16(ip + 10, 0);
            put_be16(ip + 10, inet_checksum(ip, 20));
            uint16_t old_word = (uint16_t)(ttl << 8 | ip[9]);
            uint16_t new_word = (uint16_t)((ttl - 1) << 8 | ip[9]);
            uint16_t inc = ipv4_csum_update16(get_be16(ip + 10), old_word, new_word);
            ip[8] = (uint8_t)(ttl - 1);
            put_be16(ip + 10, inc);
            ck_assert_msg(inet_checksum(ip, 20) == 0, "id %u ttl %u: 0x%04x", id, ttl, inc);
        }
    }
}
END_TEST

START_TEST(test_rfc1812_5_3_1_ttl_1_time_exceeded)
{
    struct harness h;
    router_init(&h);
    uint8_t f[2048], out[2048];
    size_t n = datagram(f, SENDER, FAR_HOST, 1, 0, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop(&h, out);
    uint8_t *ip = out + 14, *icmp = ip + 20;
    ck_assert_uint_eq(get_addr(ip + 16), A(SENDER));
    ck_assert_uint_eq(get_addr(ip + 12), A(H_OUR_IP)); /* from the interface towards the sender */
    ck_assert_uint_eq(icmp[0], ICMP_TIME_EXCEEDED);
    ck_assert_uint_eq(icmp[1], 0);                     /* TTL exceeded in transit */
    ck_assert_mem_eq(icmp + 8, f + 14, 20 + 8);        /* quotes the header as received */
    ck_assert_uint_eq(counter(&h, "ipv4.fwd_ttl_exceeded"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 0);
    /* TTL 0 too (a broken sender): never forwarded. */
    n = datagram(f, SENDER, FAR_HOST, 0, 0, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.fwd_ttl_exceeded"), 2);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1812_5_2_7_1_no_route_net_unreachable)
{
    struct harness h;
    router_init(&h);
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A(H_PEER_IP)), 0); /* no default */
    uint8_t f[2048], out[2048];
    size_t n = datagram(f, SENDER, "172.16.1.1", 64, 0, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop(&h, out);
    uint8_t *icmp = out + 14 + 20;
    ck_assert_uint_eq(icmp[0], ICMP_DEST_UNREACH);
    ck_assert_uint_eq(icmp[1], ICMP_NET_UNREACH);
    ck_assert_uint_eq(counter(&h, "ipv4.fwd_no_route"), 1);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1191_4_df_too_big_frag_needed_with_mtu)
{
    struct harness h;
    router_init(&h);
    ck_assert_int_eq(glass_netif_set_mtu(h.nif, 1000), 0);
    uint8_t f[2048], out[2048];
    size_t n = datagram(f, SENDER, FAR_HOST, 64, IPV4_FLAG_DF, 1200);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop(&h, out);
    uint8_t *icmp = out + 14 + 20;
    ck_assert_uint_eq(icmp[0], ICMP_DEST_UNREACH);
    ck_assert_uint_eq(icmp[1], ICMP_FRAG_NEEDED);
    ck_assert_uint_eq(get_be16(icmp + 4), 0);          /* unused */
    ck_assert_uint_eq(get_be16(icmp + 6), 1000);       /* Next-Hop MTU */
    ck_assert_uint_eq(counter(&h, "ipv4.fwd_frag_needed"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc791_3_2_too_big_without_df_fragmented)
{
    struct harness h;
    router_init(&h);
    ck_assert_int_eq(glass_netif_set_mtu(h.nif, 1000), 0);
    uint8_t f[2048], out[2048];
    size_t n = datagram(f, SENDER, FAR_HOST, 64, 0, 1200);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    size_t data = 0;
    for (int i = 0; i < 2; i++) {
        size_t m = pop(&h, out);
        uint8_t *ip = out + 14;
        ck_assert_uint_le(m - 14, 1000);
        ck_assert_mem_eq(out, GW_MAC, 6);
        ck_assert_uint_eq(ip[8], 63);
        ck_assert_uint_eq(inet_checksum(ip, 20), 0);
        uint16_t frag = get_be16(ip + 6);
        ck_assert_uint_eq((frag & IPV4_OFFSET_MASK) * 8u, data);
        ck_assert_uint_eq(!!(frag & IPV4_FLAG_MF), i == 0);
        data += get_be16(ip + 2) - 20u;
    }
    ck_assert_uint_eq(data, 1200);
    ck_assert_uint_eq(counter(&h, "ipv4.fwd_fragmented"), 1);
    harness_fini(&h);
}
END_TEST

/* RFC 1812 5.3.7: martian sources and destinations; 5.3.4: a unicast
 * datagram in a link-layer broadcast; source routes. */
START_TEST(test_rfc1812_5_3_7_not_forwarded)
{
    struct harness h;
    router_init(&h);
    uint8_t f[2048];
    size_t n = datagram(f, "127.0.0.1", FAR_HOST, 64, 0, 32);
    harness_inject(&h, f, n);
    n = datagram(f, "240.0.0.1", FAR_HOST, 64, 0, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_bad_source"), 2);
    n = datagram(f, SENDER, "127.0.0.9", 64, 0, 32);
    harness_inject(&h, f, n);
    n = datagram(f, SENDER, "0.1.2.3", 64, 0, 32);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.fwd_drop_martian_dst"), 2);
    n = datagram(f, SENDER, FAR_HOST, 64, 0, 32);
    memset(f, 0xff, 6); /* Ethernet broadcast */
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_link_broadcast"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_source_routed_not_forwarded)
{
    struct harness h;
    router_init(&h);
    /* A 24-byte header: LSRR (131) of length 3 (pointer 4, no route
     * yet) and EOL; built by hand, build_ipv4_frame makes no options. */
    uint8_t f[2048];
    size_t n = build_eth(f, H_OUR_MAC, H_PEER_MAC, 0x0800);
    uint8_t *ip = f + n;
    memset(ip, 0, 24 + 8);
    ip[0] = 0x46;
    put_be16(ip + 2, 24 + 8);
    ip[8] = 64;
    ip[9] = 17;
    put_addr(ip + 12, A(SENDER));
    put_addr(ip + 16, A(FAR_HOST));
    ip[20] = 131;
    ip[21] = 3;
    ip[22] = 4;
    ip[23] = 0;
    put_be16(ip + 10, inet_checksum(ip, 24));
    harness_inject(&h, f, n + 24 + 8);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_source_route"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* Datagrams for the router itself are still delivered, forwarding or not. */
START_TEST(test_router_still_answers_for_itself)
{
    struct harness h;
    router_init(&h);
    uint8_t f[2048], echo[64], out[2048];
    size_t e = build_icmp_echo(echo, ICMP_ECHO_REQUEST, 7, 1, "hi", 2);
    size_t n = build_ipv4_frame(f, A(SENDER), A(H_OUR_IP), 1, echo, e);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    pop(&h, out);
    ck_assert_uint_eq(out[14 + 20], ICMP_ECHO_REPLY);
    ck_assert_uint_eq(counter(&h, "ipv4.forwarded"), 0);
    harness_fini(&h);
}
END_TEST

static Suite *forward_suite(void)
{
    Suite *s = suite_create("forward");
    TCase *tc = tcase_create("rfc1812");
    tcase_add_test(tc, test_rfc1122_3_3_1_6_host_does_not_forward);
    tcase_add_test(tc, test_rfc1812_5_3_1_ttl_decremented_rfc1624_checksum);
    tcase_add_test(tc, test_rfc1624_incremental_update_matches_full_sum);
    tcase_add_test(tc, test_rfc1812_5_3_1_ttl_1_time_exceeded);
    tcase_add_test(tc, test_rfc1812_5_2_7_1_no_route_net_unreachable);
    tcase_add_test(tc, test_rfc1191_4_df_too_big_frag_needed_with_mtu);
    tcase_add_test(tc, test_rfc791_3_2_too_big_without_df_fragmented);
    tcase_add_test(tc, test_rfc1812_5_3_7_not_forwarded);
    tcase_add_test(tc, test_source_routed_not_forwarded);
    tcase_add_test(tc, test_router_still_answers_for_itself);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(forward_suite());
}
