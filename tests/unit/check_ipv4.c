/* check_ipv4.c - IPv4 input validation (RFC 791, RFC 1122 3.2.1): every
 * malformed datagram is dropped, counted under its own reason and never
 * answered; options are skipped; what is ours is delivered.  And IPv4
 * output: header fields, routing, broadcast, MTU, local delivery. */
#include "harness.h"

#include <errno.h>

#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"

#define IP(f) ((f) + ETH_HLEN)  /* the IPv4 header of a frame */

static const char DATA[] = "glass ipv4 test!"; /* 16 bytes of echo data */

/* An echo request from the peer to dst, as a whole frame. */
static size_t echo_frame(uint8_t *f, uint32_t src, uint32_t dst)
{
    uint8_t icmp[64];
    size_t n = build_icmp_echo(icmp, ICMP_ECHO_REQUEST, 0x1234, 7, DATA, sizeof DATA - 1);
    return build_ipv4_frame(f, src, dst, IPPROTO_ICMP_, icmp, n);
}

static const char *const ipv4_drops[] = {
    "ipv4.drop_short",      "ipv4.drop_bad_version",  "ipv4.drop_bad_ihl",
    "ipv4.drop_bad_length", "ipv4.drop_bad_checksum", "ipv4.drop_bad_source",
    "ipv4.drop_not_for_us", "ipv4.reass_drop_bad",    "ipv4.drop_unknown_proto",
    "ipv4.drop_source_route", "ipv4.drop_link_broadcast",
};

/* Inject f: it must be dropped under `reason` (and no other reason),
 * never reach ICMP, and cause no frame at all. */
static void assert_dropped(const uint8_t *f, size_t len, const char *reason)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h); /* a reply, if any, would go straight out */
    harness_inject(&h, f, len);
    ck_assert_uint_eq(counter(&h, "ipv4.rx"), 1);
    uint64_t total = 0;
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(ipv4_drops); i++)
        total += counter(&h, ipv4_drops[i]);
    ck_assert_msg(counter(&h, reason) == 1, "%s not counted", reason);
    ck_assert_uint_eq(total, 1);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 0);
    ck_assert_uint_eq(counter(&h, "icmp.rx"), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}

/* The reply to echo_frame(): the peer gets our echo reply. */
static void assert_echo_reply(struct harness *h, uint32_t from)
{
    uint8_t r[256];
    ck_assert_uint_eq(harness_tx_count(h), 1);
    size_t n = harness_tx_pop(h, r, sizeof r);
    ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + ICMP_HLEN + sizeof DATA - 1);
    ck_assert_mem_eq(r, H_PEER_MAC, 6);
    ck_assert_uint_eq(IP(r)[0], 0x45);
    ck_assert_uint_eq(get_be16(IP(r) + 2), IPV4_HLEN + ICMP_HLEN + sizeof DATA - 1);
    ck_assert_uint_eq(IP(r)[9], IPPROTO_ICMP_);
    ck_assert_uint_eq(inet_checksum(IP(r), IPV4_HLEN), 0);
    ck_assert_uint_eq(get_addr(IP(r) + 12), from);
    ck_assert_uint_eq(get_addr(IP(r) + 16), A(H_PEER_IP));
    const uint8_t *m = IP(r) + IPV4_HLEN;
    ck_assert_uint_eq(m[0], ICMP_ECHO_REPLY);
    ck_assert_uint_eq(get_be16(m + 4), 0x1234);
    ck_assert_uint_eq(get_be16(m + 6), 7);
    ck_assert_mem_eq(m + 8, DATA, sizeof DATA - 1);
    ck_assert_uint_eq(inet_checksum(m, ICMP_HLEN + sizeof DATA - 1), 0);
}

/* ---- the control: a well-formed echo request is answered ---------------- */

START_TEST(test_valid_datagram_delivered)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.rx"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 1);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 1);
    assert_echo_reply(&h, A(H_OUR_IP));
    harness_fini(&h);
}
END_TEST

/* ---- RFC 1122 3.2.1.1 / 3.2.1.2: header checks ----------------------------- */

START_TEST(test_shorter_than_header_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    (void)n;
    assert_dropped(f, ETH_HLEN + IPV4_HLEN - 1, "ipv4.drop_short");
}
END_TEST

START_TEST(test_rfc1122_3_2_1_1_version_6_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    IP(f)[0] = 0x65;
    fix_ipv4_checksum(f);
    assert_dropped(f, n, "ipv4.drop_bad_version");
}
END_TEST

START_TEST(test_ihl_4_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    IP(f)[0] = 0x44;
    assert_dropped(f, n, "ipv4.drop_bad_ihl");
}
END_TEST

/* IHL 15 claims 60 header bytes; only 44 arrived: nothing past them is read. */
START_TEST(test_ihl_past_data_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    ck_assert_uint_eq(n - ETH_HLEN, 44);
    IP(f)[0] = 0x4f;
    assert_dropped(f, n, "ipv4.drop_bad_ihl");
}
END_TEST

START_TEST(test_total_length_past_data_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    put_be16(IP(f) + 2, 1500);
    fix_ipv4_checksum(f);
    assert_dropped(f, n, "ipv4.drop_bad_length");
}
END_TEST

START_TEST(test_total_length_below_header_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    put_be16(IP(f) + 2, 19);
    fix_ipv4_checksum(f);
    assert_dropped(f, n, "ipv4.drop_bad_length");
}
END_TEST

START_TEST(test_rfc1122_3_2_1_2_bad_checksum_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    IP(f)[11] ^= 0x01;
    assert_dropped(f, n, "ipv4.drop_bad_checksum");
}
END_TEST

/* The checksum covers the options too (RFC 791 3.1). */
START_TEST(test_bad_checksum_in_options_dropped)
{
    uint8_t f[128];
    size_t n = build_eth(f, H_OUR_MAC, H_PEER_MAC, ETH_P_IP);
    uint8_t icmp[64];
    size_t m = build_icmp_echo(icmp, ICMP_ECHO_REQUEST, 1, 1, "x", 1);
    uint8_t *ip = f + n;
    memset(ip, 0, 24);
    ip[0] = 0x46;
    put_be16(ip + 2, (uint16_t)(24 + m));
    ip[8] = 64;
    ip[9] = IPPROTO_ICMP_;
    put_addr(ip + 12, A(H_PEER_IP));
    put_addr(ip + 16, A(H_OUR_IP));
    ip[20] = 1; /* NOP */
    memcpy(ip + 24, icmp, m);
    fix_ipv4_checksum(f);
    ip[21] = 1; /* changed after the checksum: NOP */
    assert_dropped(f, n + 24 + m, "ipv4.drop_bad_checksum");
}
END_TEST

/* ---- RFC 1122 3.2.1.3: martian sources ------------------------------------ */

static void assert_martian(const char *src, const char *dst)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(src), A(dst));
    assert_dropped(f, n, "ipv4.drop_bad_source");
}

START_TEST(test_rfc1122_3_2_1_3_martian_source_dropped)
{
    assert_martian("255.255.255.255", H_OUR_IP); /* limited broadcast */
    assert_martian("10.0.0.255", H_OUR_IP);      /* our subnet's broadcast */
    assert_martian("224.0.0.1", H_OUR_IP);       /* multicast */
    assert_martian("127.0.0.1", H_OUR_IP);       /* loopback */
    assert_martian("240.0.0.1", H_OUR_IP);       /* class E */
    assert_martian("0.0.0.0", H_OUR_IP);         /* this host, to a unicast */
    assert_martian("0.1.2.3", H_OUR_IP);         /* {0, host} */
    assert_martian("0.1.2.3", "255.255.255.255");
    /* LAND: our own address as the source of a frame off the wire (we
     * would answer ourselves); Linux drops it too (accept_local=0). */
    assert_martian(H_OUR_IP, H_OUR_IP);
    assert_martian(H_OUR_IP, "10.0.0.255");
}
END_TEST

/* RFC 1122 3.2.1.3 (a): {0,0} is a valid source while a host learns its
 * address (BOOTP/DHCP), towards a broadcast. */
START_TEST(test_rfc1122_3_2_1_3_zero_source_to_broadcast_accepted)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[128];
    size_t n = echo_frame(f, A("0.0.0.0"), A("255.255.255.255"));
    memcpy(f, eth_broadcast_addr, 6);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_bad_source"), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 1);
    /* ... and ICMP then declines to echo a broadcast (RFC 1122 3.2.2.6) */
    ck_assert_uint_eq(counter(&h, "icmp.drop_broadcast_echo"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* ---- destinations ---------------------------------------------------------- */

START_TEST(test_not_for_us_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A("10.0.0.7"));
    assert_dropped(f, n, "ipv4.drop_not_for_us");
    n = echo_frame(f, A(H_PEER_IP), A("8.8.8.8"));
    assert_dropped(f, n, "ipv4.drop_not_for_us");
    n = echo_frame(f, A(H_PEER_IP), A("224.0.0.1")); /* no groups joined yet */
    assert_dropped(f, n, "ipv4.drop_not_for_us");
    n = echo_frame(f, A(H_PEER_IP), A("10.0.1.255")); /* another subnet's broadcast */
    assert_dropped(f, n, "ipv4.drop_not_for_us");
}
END_TEST

/* A second address on the interface is ours as well. */
START_TEST(test_second_address_is_ours)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_netif_add_addr(h.nif, A("10.0.0.3"), 24), 0);
    harness_learn_peer(&h);
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A("10.0.0.3"));
    harness_inject(&h, f, n);
    assert_echo_reply(&h, A("10.0.0.3")); /* from the address it was sent to */
    harness_fini(&h);
}
END_TEST

static int other_transmit(struct glass_netif *nif, struct pkb *pkb)
{
    (*(unsigned *)nif->priv)++;
    return 0;
}

static const struct glass_netif_ops other_ops = {.kind = "fake", .transmit = other_transmit};

/* RFC 1122 3.3.4.2 weak host model: an address of another interface is
 * accepted on this one too. */
START_TEST(test_rfc1122_3_3_4_2_weak_host_other_interface)
{
    struct harness h;
    harness_init(&h);
    unsigned other_tx = 0;
    glass_stack_lock(h.stack);
    struct glass_netif *other = netif_new(h.stack, "fake1", &other_ops, &other_tx);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_nonnull(other);
    ck_assert_int_eq(glass_netif_add_addr(other, A("172.20.0.1"), 24), 0);
    ck_assert_int_eq(glass_netif_up(other), 0);
    harness_learn_peer(&h);
    other_tx = 0;
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A("172.20.0.1"));
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 1);
    assert_echo_reply(&h, A("172.20.0.1")); /* routed back out of fake0 */
    ck_assert_uint_eq(other_tx, 0);
    /* but fake1's subnet broadcast is not a broadcast on fake0 */
    n = echo_frame(f, A(H_PEER_IP), A("172.20.0.255"));
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_not_for_us"), 1);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.1.3 (d): { <Network-number>, -1 } is never a source, for
 * any network we know.  Before, only the receiving link's broadcast was
 * checked: an echo "from" 172.20.0.255 arriving on fake0 was answered,
 * and the reply broadcast to every host on fake1's link. */
START_TEST(test_rfc1122_3_2_1_3_other_subnet_broadcast_source_dropped)
{
    struct harness h;
    harness_init(&h);
    unsigned other_tx = 0;
    glass_stack_lock(h.stack);
    struct glass_netif *other = netif_new(h.stack, "fake1", &other_ops, &other_tx);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_nonnull(other);
    ck_assert_int_eq(glass_netif_add_addr(other, A("172.20.0.1"), 24), 0);
    ck_assert_int_eq(glass_netif_up(other), 0);
    harness_learn_peer(&h);
    other_tx = 0;
    uint8_t f[128];
    size_t n = echo_frame(f, A("172.20.0.255"), A(H_OUR_IP));
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_bad_source"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(other_tx, 0);
    harness_fini(&h);
}
END_TEST

/* ---- fragments (more in check_ipv4_frag.c) --------------------------------- */

/* RFC 791 3.2: a fragment whose data is not a multiple of 8 while MF is
 * set cannot be placed: dropped under its own counter. */
START_TEST(test_fragment_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP)); /* 24 bytes of data */
    put_be16(IP(f) + 2, IPV4_HLEN + 20);
    n = ETH_HLEN + IPV4_HLEN + 20;
    put_be16(IP(f) + 6, IPV4_FLAG_MF); /* first fragment, 20 bytes */
    fix_ipv4_checksum(f);
    assert_dropped(f, n, "ipv4.reass_drop_bad");
}
END_TEST

START_TEST(test_df_datagram_is_not_a_fragment)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    put_be16(IP(f) + 6, IPV4_FLAG_DF);
    fix_ipv4_checksum(f);
    harness_inject(&h, f, n);
    assert_echo_reply(&h, A(H_OUR_IP));
    harness_fini(&h);
}
END_TEST

/* ---- options and padding ---------------------------------------------------- */

/* RFC 791 3.1: IHL counts the options; the payload starts after them. */
START_TEST(test_options_skipped_echo_answered)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[128];
    size_t n = build_eth(f, H_OUR_MAC, H_PEER_MAC, ETH_P_IP);
    uint8_t icmp[64];
    size_t m = build_icmp_echo(icmp, ICMP_ECHO_REQUEST, 0x1234, 7, DATA, sizeof DATA - 1);
    uint8_t *ip = f + n;
    memset(ip, 0, 28);
    ip[0] = 0x47; /* 28-byte header: 8 bytes of options */
    put_be16(ip + 2, (uint16_t)(28 + m));
    ip[8] = 64;
    ip[9] = IPPROTO_ICMP_;
    put_addr(ip + 12, A(H_PEER_IP));
    put_addr(ip + 16, A(H_OUR_IP));
    const uint8_t opts[8] = {148, 4, 0, 0, /* router alert (RFC 2113) */ 1, 1, 1, 0 /* NOP, EOL */};
    memcpy(ip + 20, opts, sizeof opts);
    memcpy(ip + 28, icmp, m);
    fix_ipv4_checksum(f);
    harness_inject(&h, f, n + 28 + m);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 1);
    assert_echo_reply(&h, A(H_OUR_IP));
    harness_fini(&h);
}
END_TEST

/* An echo request from the peer to us whose header carries `olen` bytes
 * of options `opts` (olen a multiple of 4). */
static size_t echo_frame_with_options(uint8_t *f, const uint8_t *opts, size_t olen)
{
    size_t n = build_eth(f, H_OUR_MAC, H_PEER_MAC, ETH_P_IP);
    uint8_t icmp[64];
    size_t m = build_icmp_echo(icmp, ICMP_ECHO_REQUEST, 0x1234, 7, DATA, sizeof DATA - 1);
    uint8_t *ip = f + n;
    size_t hlen = IPV4_HLEN + olen;
    memset(ip, 0, IPV4_HLEN);
    ip[0] = (uint8_t)(0x40 | hlen / 4);
    put_be16(ip + 2, (uint16_t)(hlen + m));
    ip[8] = 64;
    ip[9] = IPPROTO_ICMP_;
    put_addr(ip + 12, A(H_PEER_IP));
    put_addr(ip + 16, A(H_OUR_IP));
    memcpy(ip + IPV4_HLEN, opts, olen);
    memcpy(ip + hlen, icmp, m);
    fix_ipv4_checksum(f);
    return n + hlen + m;
}

/* RFC 1122 3.2.2.6: the reply to a source-routed echo MUST carry the
 * reversed route; glass sends no options yet, so it drops source-routed
 * datagrams (RFC 7126 4.3/4.4, Linux's default) instead of answering
 * without the route.  Loose (131) and strict (137), completed routes. */
START_TEST(test_rfc1122_3_2_2_6_source_routed_echo_dropped)
{
    static const uint8_t lsrr[8] = {1, 131, 7, 8, 10, 0, 0, 9};  /* NOP, LSRR ptr past end */
    static const uint8_t ssrr[8] = {137, 7, 8, 10, 0, 0, 9, 0};  /* SSRR, EOL */
    uint8_t f[128];
    size_t n = echo_frame_with_options(f, lsrr, sizeof lsrr);
    assert_dropped(f, n, "ipv4.drop_source_route");
    n = echo_frame_with_options(f, ssrr, sizeof ssrr);
    assert_dropped(f, n, "ipv4.drop_source_route");
}
END_TEST

/* RFC 791 3.1 options whose length byte lies (past the header, below 2,
 * or missing) are never followed past the header: the walk stops, the
 * rest is ignored (RFC 1122 3.2.1.8) and the echo is answered. */
START_TEST(test_rfc791_bad_option_lengths_ignored_safely)
{
    static const uint8_t cases[][8] = {
        {7, 40, 4, 0, 0, 0, 0, 0},   /* record route longer than the header */
        {68, 1, 137, 7, 0, 0, 0, 0}, /* length 1: not an option; SSRR behind it unseen */
        {68, 0, 0, 0, 0, 0, 0, 0},   /* length 0 would loop forever */
        {1, 1, 1, 1, 1, 1, 1, 137},  /* SSRR in the last byte: no length byte */
    };
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(cases); i++) {
        struct harness h;
        harness_init(&h);
        harness_learn_peer(&h);
        uint8_t f[128];
        size_t n = echo_frame_with_options(f, cases[i], sizeof cases[i]);
        harness_inject(&h, f, n);
        ck_assert_msg(counter(&h, "ipv4.delivered") == 1, "case %zu not delivered", i);
        ck_assert_uint_eq(counter(&h, "ipv4.drop_source_route"), 0);
        assert_echo_reply(&h, A(H_OUR_IP));
        harness_fini(&h);
    }
}
END_TEST

/* RFC 1122 3.3.6: a host SHOULD silently discard a datagram received via
 * a link-layer broadcast that names no IP broadcast/multicast
 * destination: not every host on the link should answer for one. */
START_TEST(test_rfc1122_3_3_6_unicast_datagram_in_link_broadcast_dropped)
{
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A(H_OUR_IP));
    memcpy(f, eth_broadcast_addr, 6);
    assert_dropped(f, n, "ipv4.drop_link_broadcast");
}
END_TEST

/* ...while an IP broadcast in a link broadcast still goes up (here to
 * ICMP, which ignores broadcast echoes, RFC 1122 3.2.2.6). */
START_TEST(test_rfc1122_3_3_6_broadcast_datagram_in_link_broadcast_delivered)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[128];
    size_t n = echo_frame(f, A(H_PEER_IP), A("10.0.0.255"));
    memcpy(f, eth_broadcast_addr, 6);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.delivered"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_link_broadcast"), 0);
    ck_assert_uint_eq(counter(&h, "icmp.drop_broadcast_echo"), 1);
    harness_fini(&h);
}
END_TEST

/* Ethernet pads short frames to 60 bytes: the padding is not datagram. */
START_TEST(test_ethernet_padding_trimmed)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[64];
    uint8_t icmp[16];
    size_t m = build_icmp_echo(icmp, ICMP_ECHO_REQUEST, 0x1234, 7, "pad", 3);
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, icmp, m);
    ck_assert_uint_eq(n, 45);
    memset(f + n, 0xaa, 60 - n); /* odd padding: would break the ICMP checksum */
    harness_inject(&h, f, 60);
    ck_assert_uint_eq(counter(&h, "icmp.drop_bad_checksum"), 0);
    uint8_t r[128];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), 45);
    ck_assert_uint_eq(get_be16(IP(r) + 2), 31);
    ck_assert_mem_eq(IP(r) + 28, "pad", 3);
    ck_assert_uint_eq(inet_checksum(IP(r) + 20, 11), 0);
    harness_fini(&h);
}
END_TEST

/* ---- output ------------------------------------------------------------------- */

START_TEST(test_output_header_fields)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint16_t id = h.stack->ipv4_next_id;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 9, 1, "abcd", 4, 0), 0);
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A("8.8.8.8"), 9, 2, "abcd", 4, 5), 0);
    uint8_t r[128];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 32);
    ck_assert_mem_eq(r, H_PEER_MAC, 6);
    ck_assert_mem_eq(r + 6, H_OUR_MAC, 6);
    ck_assert_uint_eq(get_be16(r + 12), ETH_P_IP);
    const uint8_t *ip = IP(r);
    ck_assert_uint_eq(ip[0], 0x45);
    ck_assert_uint_eq(ip[1], 0);
    ck_assert_uint_eq(get_be16(ip + 2), 32);
    ck_assert_uint_eq(get_be16(ip + 4), id);
    ck_assert_uint_eq(get_be16(ip + 6), 0); /* no DF, not a fragment */
    ck_assert_uint_eq(ip[8], IPV4_DEFAULT_TTL);
    ck_assert_uint_eq(ip[9], IPPROTO_ICMP_);
    ck_assert_uint_eq(inet_checksum(ip, IPV4_HLEN), 0);
    ck_assert_uint_eq(get_addr(ip + 12), A(H_OUR_IP));
    ck_assert_uint_eq(get_addr(ip + 16), A(H_PEER_IP));
    /* via the default gateway: the peer's MAC, the far address, id + 1 */
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 32);
    ck_assert_mem_eq(r, H_PEER_MAC, 6);
    ck_assert_uint_eq(get_be16(IP(r) + 4), (uint16_t)(id + 1));
    ck_assert_uint_eq(IP(r)[8], 5);
    ck_assert_uint_eq(get_addr(IP(r) + 16), A("8.8.8.8"));
    ck_assert_uint_eq(inet_checksum(IP(r), IPV4_HLEN), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.tx"), 2);
    harness_fini(&h);
}
END_TEST

START_TEST(test_output_df_flag)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    struct pkb *p = pkb_alloc(h.stack, 8);
    memset(pkb_put(p, 8), 0, 8);
    struct ipv4_tx tx = {.dst = A(H_PEER_IP), .proto = 253, .df = true, .tos = 0x10};
    glass_stack_lock(h.stack);
    ck_assert_int_eq(ipv4_output(h.stack, p, &tx), 0);
    glass_stack_unlock(h.stack);
    uint8_t r[128];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 28);
    ck_assert_uint_eq(get_be16(IP(r) + 6), IPV4_FLAG_DF);
    ck_assert_uint_eq(IP(r)[1], 0x10);
    ck_assert_uint_eq(IP(r)[9], 253);
    harness_fini(&h);
}
END_TEST

/* RFC 791 3.2: a datagram one byte over the MTU leaves in two fragments
 * (DF and its EMSGSIZE are in check_ipv4_frag.c). */
START_TEST(test_output_larger_than_mtu_fragmented)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    static uint8_t data[1473];
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 1, 1, data, 1473, 0), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_too_big"), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    harness_tx_clear(&h);
    /* 1472 + 8 + 20 = 1500 fits exactly */
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 1, 2, data, 1472, 0), 0);
    uint8_t r[1600];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), 1514);
    ck_assert_uint_eq(get_be16(IP(r) + 2), 1500);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.3.6: broadcasts go to everyone on the link, never to the
 * gateway, even when the default route is what matched. */
START_TEST(test_output_broadcast_to_link)
{
    struct harness h;
    harness_init(&h); /* the peer is NOT learned: no ARP may be needed */
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A("10.0.0.255"), 1, 1, "b", 1, 0), 0);
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A("255.255.255.255"), 1, 2, "b", 1, 0), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    uint8_t r[128];
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 29);
    ck_assert_mem_eq(r, eth_broadcast_addr, 6);
    ck_assert_uint_eq(get_addr(IP(r) + 12), A(H_OUR_IP));
    ck_assert_uint_eq(get_addr(IP(r) + 16), A("10.0.0.255"));
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 29);
    ck_assert_mem_eq(r, eth_broadcast_addr, 6);
    ck_assert_uint_eq(get_addr(IP(r) + 16), A("255.255.255.255"));
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.2.1.3: 0.x and 127.x never appear as a destination on a wire. */
START_TEST(test_output_unsendable_destinations)
{
    struct harness h;
    harness_init(&h);
    const char *bad[] = {"0.0.0.0", "127.0.0.1", "240.1.2.3"};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(bad); i++) {
        errno = 0;
        ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(bad[i]), 1, 1, "x", 1, 0), -1);
        ck_assert_int_eq(errno, ENETUNREACH);
    }
    ck_assert_uint_eq(counter(&h, "ipv4.drop_no_route"), 3);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_output_source_not_ours)
{
    struct harness h;
    harness_init(&h);
    struct pkb *p = pkb_alloc(h.stack, 8);
    memset(pkb_put(p, 8), 0, 8);
    struct ipv4_tx tx = {.src = A("10.0.0.99"), .dst = A(H_PEER_IP), .proto = 253};
    glass_stack_lock(h.stack);
    ck_assert_int_eq(ipv4_output(h.stack, p, &tx), -EADDRNOTAVAIL);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* A datagram to one of our addresses goes through the local queue and
 * arrives at the next poll; the queue is bounded. */
START_TEST(test_local_queue_bounded)
{
    struct harness h;
    harness_init(&h);
    for (unsigned i = 0; i < 64; i++)
        ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_OUR_IP), 1, (uint16_t)i, "l", 1, 0), 0);
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_OUR_IP), 1, 64, "l", 1, 0), -1);
    ck_assert_int_eq(errno, ENOBUFS);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_no_memory"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.local_loop"), 64);
    ck_assert_uint_eq(counter(&h, "icmp.rx"), 0); /* nothing before the poll */
    glass_stack_poll(h.stack, 0);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 64);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_reply"), 64);
    ck_assert_uint_eq(h.stack->local_q.count, 0);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* left on the queue at teardown: freed, not leaked */
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_OUR_IP), 1, 99, "l", 1, 0), 0);
    harness_fini(&h);
}
END_TEST

static Suite *ipv4_suite(void)
{
    Suite *s = suite_create("ipv4");
    TCase *in = tcase_create("input");
    tcase_add_test(in, test_valid_datagram_delivered);
    tcase_add_test(in, test_shorter_than_header_dropped);
    tcase_add_test(in, test_rfc1122_3_2_1_1_version_6_dropped);
    tcase_add_test(in, test_ihl_4_dropped);
    tcase_add_test(in, test_ihl_past_data_dropped);
    tcase_add_test(in, test_total_length_past_data_dropped);
    tcase_add_test(in, test_total_length_below_header_dropped);
    tcase_add_test(in, test_rfc1122_3_2_1_2_bad_checksum_dropped);
    tcase_add_test(in, test_bad_checksum_in_options_dropped);
    tcase_add_test(in, test_rfc1122_3_2_1_3_martian_source_dropped);
    tcase_add_test(in, test_rfc1122_3_2_1_3_zero_source_to_broadcast_accepted);
    tcase_add_test(in, test_not_for_us_dropped);
    tcase_add_test(in, test_second_address_is_ours);
    tcase_add_test(in, test_rfc1122_3_3_4_2_weak_host_other_interface);
    tcase_add_test(in, test_rfc1122_3_2_1_3_other_subnet_broadcast_source_dropped);
    tcase_add_test(in, test_fragment_dropped);
    tcase_add_test(in, test_df_datagram_is_not_a_fragment);
    tcase_add_test(in, test_options_skipped_echo_answered);
    tcase_add_test(in, test_ethernet_padding_trimmed);
    tcase_add_test(in, test_rfc1122_3_2_2_6_source_routed_echo_dropped);
    tcase_add_test(in, test_rfc791_bad_option_lengths_ignored_safely);
    tcase_add_test(in, test_rfc1122_3_3_6_unicast_datagram_in_link_broadcast_dropped);
    tcase_add_test(in, test_rfc1122_3_3_6_broadcast_datagram_in_link_broadcast_delivered);
    suite_add_tcase(s, in);
    TCase *out = tcase_create("output");
    tcase_add_test(out, test_output_header_fields);
    tcase_add_test(out, test_output_df_flag);
    tcase_add_test(out, test_output_larger_than_mtu_fragmented);
    tcase_add_test(out, test_output_broadcast_to_link);
    tcase_add_test(out, test_output_unsendable_destinations);
    tcase_add_test(out, test_output_source_not_ours);
    tcase_add_test(out, test_local_queue_bounded);
    suite_add_tcase(s, out);
    return s;
}

int main(void)
{
    return harness_run_suite(ipv4_suite());
}
