/* check_dhcp.c - the DHCP client (RFC 2131) against a scripted server on
 * the virtual clock: the exact DISCOVER/REQUEST/RELEASE frames, the full
 * exchange applying address, mask, router and DNS server, the 4/8/16/..64 s
 * (+-1 s) retransmission backoff (4.1), NAK (3.1 step 5), renewal at T1
 * unicast and rebinding at T2 broadcast (4.4.5), expiry removing the
 * address, and malformed or unexpected replies dropped and counted. */
#include "harness.h"

#include <errno.h>

#include "arp.h"
#include "checksum.h"
#include "dhcp.h"
#include "eth.h"
#include "ipv4.h"
#include "route.h"
#include "udp.h"

#define SEC GLASS_USEC_PER_SEC
#define MS GLASS_USEC_PER_MSEC
#define SERVER "10.0.0.1"
#define LEASED "10.0.0.55"

/* The harness stack without its address or default route: a fresh host. */
static void dhcp_harness(struct harness *h)
{
    harness_init(h);
    glass_stack_lock(h->stack);
    ck_assert_int_eq(route_del_static(h->stack, 0, 0, A(H_PEER_IP)), 0);
    ck_assert_int_eq(netif_del_addr(h->nif, A(H_OUR_IP)), 0);
    glass_stack_unlock(h->stack);
    ck_assert_uint_eq(glass_netif_addr(h->nif), 0);
    ck_assert_ptr_null(route_at(h->stack, 0));
    memset(&h->stack->stats, 0, sizeof h->stack->stats);
}

/* What the client sent, as the test reads it. */
struct sent {
    uint8_t eth_dst[6];
    uint32_t ip_src, ip_dst;
    uint32_t xid, ciaddr;
    uint16_t secs, flags;
    struct dhcp_options o;
    uint32_t requested; /* option 50, parsed here (the client's parser ignores it) */
    bool has_requested;
};

/* Pop frames until a DHCP message from port 68 to 67 (ARP requests and
 * announcements are skipped).  false when none is left. */
static bool pop_dhcp(struct harness *h, struct sent *s)
{
    uint8_t f[PKB_MAX_DATA];
    size_t n;
    while ((n = harness_tx_pop(h, f, sizeof f))) {
        if (get_be16(f + 12) != ETH_P_IP)
            continue;
        const uint8_t *ip = f + ETH_HLEN, *u = ip + IPV4_HLEN, *m = u + UDP_HLEN;
        ck_assert_uint_eq(ip[9], IPPROTO_UDP_);
        ck_assert_uint_eq(get_be16(u), 68);
        ck_assert_uint_eq(get_be16(u + 2), 67);
        size_t mlen = get_be16(u + 4) - UDP_HLEN;
        ck_assert_uint_ge(mlen, DHCP_MIN_LEN);
        ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + UDP_HLEN + mlen);
        /* RFC 768: a checksum is sent, and it covers the pseudo header */
        ck_assert_uint_ne(get_be16(u + 6), 0);
        uint32_t ph = csum_pseudo_ipv4(get_addr(ip + 12), get_addr(ip + 16), IPPROTO_UDP_,
                                       (uint16_t)(UDP_HLEN + mlen));
        ck_assert_uint_eq(csum_finish(csum_add(ph, u, UDP_HLEN + mlen)), 0);
        memset(s, 0, sizeof *s);
        memcpy(s->eth_dst, f, 6);
        s->ip_src = get_addr(ip + 12);
        s->ip_dst = get_addr(ip + 16);
        ck_assert_uint_eq(m[0], 1); /* BOOTREQUEST */
        ck_assert_uint_eq(m[1], 1);
        ck_assert_uint_eq(m[2], 6);
        s->xid = get_be32(m + 4);
        s->secs = get_be16(m + 8);
        s->flags = get_be16(m + 10);
        s->ciaddr = get_addr(m + 12);
        ck_assert_mem_eq(m + 28, H_OUR_MAC, 6);
        ck_assert_uint_eq(get_be32(m + 236), DHCP_COOKIE);
        ck_assert_int_eq(dhcp_parse_options(m + 240, mlen - 240, &s->o), 0);
        for (size_t i = 240; i + 1 < mlen && m[i] != 255; i += m[i] ? 2u + m[i + 1] : 1u)
            if (m[i] == 50 && m[i + 1] == 4) {
                s->requested = get_addr(m + i + 2);
                s->has_requested = true;
            }
        return true;
    }
    return false;
}

static void expect_dhcp(struct harness *h, struct sent *s, uint8_t type)
{
    ck_assert_msg(pop_dhcp(h, s), "no DHCP message sent (wanted type %u)", type);
    ck_assert_uint_eq(s->o.msg_type, type);
}

static bool is_broadcast_mac(const uint8_t *m)
{
    return memcmp(m, eth_broadcast_addr, 6) == 0;
}

/* A reply from the server: opts (already encoded, End included) after
 * the fixed header; to 255.255.255.255 (bcast) or to ip_dst. */
static void reply_raw(struct harness *h, uint32_t xid, uint32_t yiaddr, const uint8_t *opts,
                      size_t olen, uint32_t ip_dst, size_t cut)
{
    uint8_t u[1500] = {0};
    uint8_t *m = u + UDP_HLEN;
    m[0] = 2; /* BOOTREPLY */
    m[1] = 1;
    m[2] = 6;
    put_be32(m + 4, xid);
    put_addr(m + 16, yiaddr);
    memcpy(m + 28, H_OUR_MAC, 6);
    put_be32(m + 236, DHCP_COOKIE);
    memcpy(m + 240, opts, olen);
    size_t mlen = 240 + olen - cut;
    put_be16(u, 67);
    put_be16(u + 2, 68);
    put_be16(u + 4, (uint16_t)(UDP_HLEN + mlen));
    put_be16(u + 6, 0); /* no checksum: RFC 768 allows it, and so does glass */
    uint8_t f[1600];
    size_t n = build_ipv4_frame(f, A(SERVER), ip_dst, IPPROTO_UDP_, u, UDP_HLEN + mlen);
    if (ip4_is_limited_broadcast(ip_dst))
        memcpy(f, eth_broadcast_addr, 6);
    harness_inject(h, f, n);
}

/* Options of a typical server: type, server id, mask /24, router, DNS,
 * lease time (0: none). */
static size_t std_opts(uint8_t *o, uint8_t type, uint32_t lease)
{
    size_t n = 0;
    o[n++] = 53, o[n++] = 1, o[n++] = type;
    o[n++] = 54, o[n++] = 4, put_addr(o + n, A(SERVER)), n += 4;
    o[n++] = 1, o[n++] = 4, put_addr(o + n, A("255.255.255.0")), n += 4;
    o[n++] = 3, o[n++] = 4, put_addr(o + n, A(SERVER)), n += 4;
    o[n++] = 6, o[n++] = 8, put_addr(o + n, A("10.0.0.53")), put_addr(o + n + 4, A("10.0.0.54")),
    n += 8;
    if (lease)
        o[n++] = 51, o[n++] = 4, put_be32(o + n, lease), n += 4;
    o[n++] = 255;
    return n;
}

static void reply(struct harness *h, uint8_t type, uint32_t xid, uint32_t lease)
{
    uint8_t o[64];
    size_t n = std_opts(o, type, lease);
    reply_raw(h, xid, type == DHCPNAK ? 0 : A(LEASED), o, n, A("255.255.255.255"), 0);
}

static enum glass_dhcp_state state_of(struct harness *h)
{
    struct glass_dhcp_lease l;
    glass_dhcp_lease(h->nif, &l);
    return l.state;
}

/* The server knows our MAC after the ACK (so does ARP: it answers). */
static void learn_server(struct harness *h)
{
    uint8_t f[64];
    size_t n = build_arp_frame(f, ARP_OP_REPLY, H_PEER_MAC, A(SERVER), H_OUR_MAC, A(LEASED));
    harness_inject(h, f, n);
}

/* DISCOVER, OFFER, REQUEST, ACK with a lease of `lease` seconds. */
static uint32_t bind_lease(struct harness *h, uint32_t lease)
{
    struct sent s;
    ck_assert_int_eq(glass_dhcp_start(h->nif), 0);
    expect_dhcp(h, &s, DHCPDISCOVER);
    reply(h, DHCPOFFER, s.xid, 0);
    uint32_t xid = s.xid;
    expect_dhcp(h, &s, DHCPREQUEST);
    ck_assert_uint_eq(s.xid, xid);
    reply(h, DHCPACK, xid, lease);
    ck_assert_int_eq(state_of(h), GLASS_DHCP_BOUND);
    harness_tx_clear(h); /* the gratuitous ARP of the new address */
    learn_server(h);
    return xid;
}

START_TEST(test_rfc2131_full_exchange_applies_lease)
{
    struct harness h;
    dhcp_harness(&h);
    ck_assert_int_eq(glass_dhcp_start(h.nif), 0);
    errno = 0;
    ck_assert_int_eq(glass_dhcp_start(h.nif), -1);
    ck_assert_int_eq(errno, EEXIST);
    struct sent s;
    expect_dhcp(&h, &s, DHCPDISCOVER);
    /* RFC 2131 4.1: from 0.0.0.0 to the limited broadcast, BROADCAST flag
     * set since we cannot receive unicast yet. */
    ck_assert(is_broadcast_mac(s.eth_dst));
    ck_assert_uint_eq(s.ip_src, 0);
    ck_assert_uint_eq(s.ip_dst, A("255.255.255.255"));
    ck_assert_uint_eq(s.flags, 0x8000);
    ck_assert_uint_eq(s.ciaddr, 0);
    ck_assert(!s.has_requested);
    struct glass_dhcp_lease l;
    ck_assert_int_eq(glass_dhcp_lease(h.nif, &l), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(l.state, GLASS_DHCP_SELECTING);

    reply(&h, DHCPOFFER, s.xid, 0);
    uint32_t xid = s.xid;
    ck_assert_uint_eq(counter(&h, "dhcp.offers"), 1);
    expect_dhcp(&h, &s, DHCPREQUEST);
    /* RFC 2131 4.3.2 SELECTING: same xid, 'requested IP' and 'server id'. */
    ck_assert_uint_eq(s.xid, xid);
    ck_assert(s.has_requested);
    ck_assert_uint_eq(s.requested, A(LEASED));
    ck_assert_uint_eq(s.o.server_id, A(SERVER));
    ck_assert_uint_eq(s.ip_src, 0);
    ck_assert_uint_eq(s.ciaddr, 0);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_REQUESTING);
    ck_assert_uint_eq(glass_netif_addr(h.nif), 0);

    reply(&h, DHCPACK, xid, 120);
    ck_assert_int_eq(glass_dhcp_lease(h.nif, &l), 0);
    ck_assert_int_eq(l.state, GLASS_DHCP_BOUND);
    ck_assert_uint_eq(l.addr, A(LEASED));
    ck_assert_uint_eq(l.prefix_len, 24);
    ck_assert_uint_eq(l.router, A(SERVER));
    ck_assert_uint_eq(l.dns, A("10.0.0.53"));
    ck_assert_uint_eq(l.server, A(SERVER));
    ck_assert_uint_eq(l.lease, 120 * SEC);
    ck_assert_uint_eq(l.t1, 60 * SEC);      /* RFC 2131 4.4.5 defaults */
    ck_assert_uint_eq(l.t2, 105 * SEC);
    ck_assert_uint_eq(glass_netif_addr(h.nif), A(LEASED));
    ck_assert_uint_eq(glass_dhcp_dns(h.stack), A("10.0.0.53"));
    /* Mask and router applied: the subnet is connected, the rest goes via
     * the router. */
    glass_stack_lock(h.stack);
    const struct route *r = route_lookup(h.stack, A("10.0.0.9"));
    ck_assert(r && r->gateway == 0 && r->prefix_len == 24);
    r = route_lookup(h.stack, A("192.0.2.1"));
    ck_assert(r && r->gateway == A(SERVER) && r->prefix_len == 0);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(counter(&h, "dhcp.acks"), 1);

    /* RFC 2131 4.4.6: RELEASE unicast to the server, ciaddr = the lease,
     * then the address is gone. */
    harness_tx_clear(&h);
    learn_server(&h);
    ck_assert_int_eq(glass_dhcp_release(h.nif), 0);
    expect_dhcp(&h, &s, DHCPRELEASE);
    ck_assert_mem_eq(s.eth_dst, H_PEER_MAC, 6);
    ck_assert_uint_eq(s.ip_src, A(LEASED));
    ck_assert_uint_eq(s.ip_dst, A(SERVER));
    ck_assert_uint_eq(s.ciaddr, A(LEASED));
    ck_assert_uint_eq(s.o.server_id, A(SERVER));
    ck_assert_uint_eq(glass_netif_addr(h.nif), 0);
    ck_assert_ptr_null(route_at(h.stack, 0));
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_OFF);
    ck_assert_uint_eq(counter(&h, "dhcp.releases"), 1);
    /* Nothing more is sent, ever. */
    harness_advance(&h, 200 * SEC);
    ck_assert(!pop_dhcp(&h, &s));
    harness_fini(&h);
}
END_TEST

/* Time from now until the next DHCP message, stepping 100 ms at a time. */
static glass_time_t time_to_next(struct harness *h, struct sent *s, glass_time_t limit)
{
    for (glass_time_t t = 0; t <= limit; t += 100 * MS) {
        if (pop_dhcp(h, s))
            return t;
        harness_advance(h, 100 * MS);
    }
    ck_abort_msg("nothing sent within %llu ms", (unsigned long long)(limit / MS));
    return 0;
}

START_TEST(test_rfc2131_4_1_retransmission_backoff)
{
    struct harness h;
    dhcp_harness(&h);
    ck_assert_int_eq(glass_dhcp_start(h.nif), 0);
    struct sent s;
    expect_dhcp(&h, &s, DHCPDISCOVER);
    uint32_t xid = s.xid;
    static const unsigned want[] = {4, 8, 16, 32, 64, 64};
    glass_time_t elapsed = 0;
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
        glass_time_t t = time_to_next(&h, &s, (want[i] + 2) * SEC);
        ck_assert_msg(t >= (want[i] - 1) * SEC - 100 * MS && t <= (want[i] + 1) * SEC + 100 * MS,
                      "retransmission %u after %llu ms, want %u s +- 1 s", i + 1,
                      (unsigned long long)(t / MS), want[i]);
        ck_assert_uint_eq(s.o.msg_type, DHCPDISCOVER);
        ck_assert_uint_eq(s.xid, xid);
        elapsed += t;
        /* 'secs': seconds since the client began (RFC 2131 2). */
        ck_assert_uint_ge(s.secs + 1, elapsed / SEC);
        ck_assert_uint_le(s.secs, elapsed / SEC + 1);
    }
    ck_assert_uint_eq(counter(&h, "dhcp.retransmits"), 6);

    /* REQUESTING: the REQUEST is retried with the same backoff, and after
     * DHCP_REQUEST_TRIES the client starts over with a new xid. */
    reply(&h, DHCPOFFER, xid, 0);
    expect_dhcp(&h, &s, DHCPREQUEST);
    glass_time_t t = time_to_next(&h, &s, 6 * SEC);
    ck_assert(t >= 3 * SEC - 100 * MS && t <= 5 * SEC + 100 * MS);
    ck_assert_uint_eq(s.o.msg_type, DHCPREQUEST);
    time_to_next(&h, &s, 10 * SEC);
    ck_assert_uint_eq(s.o.msg_type, DHCPREQUEST);
    time_to_next(&h, &s, 18 * SEC);
    ck_assert_uint_eq(s.o.msg_type, DHCPREQUEST);
    time_to_next(&h, &s, 34 * SEC);
    ck_assert_uint_eq(s.o.msg_type, DHCPDISCOVER);
    ck_assert_uint_ne(s.xid, xid);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_SELECTING);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc2131_3_1_nak_restarts)
{
    struct harness h;
    dhcp_harness(&h);
    ck_assert_int_eq(glass_dhcp_start(h.nif), 0);
    struct sent s;
    expect_dhcp(&h, &s, DHCPDISCOVER);
    uint32_t xid = s.xid;
    reply(&h, DHCPOFFER, xid, 0);
    expect_dhcp(&h, &s, DHCPREQUEST);
    reply(&h, DHCPNAK, xid, 0);
    ck_assert_uint_eq(counter(&h, "dhcp.naks"), 1);
    expect_dhcp(&h, &s, DHCPDISCOVER);
    ck_assert_uint_ne(s.xid, xid);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_SELECTING);
    ck_assert_uint_eq(glass_netif_addr(h.nif), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc2131_4_4_5_renew_at_t1_unicast)
{
    struct harness h;
    dhcp_harness(&h);
    bind_lease(&h, 120);
    struct sent s;
    harness_advance(&h, 60 * SEC - 1 * MS);
    ck_assert(!pop_dhcp(&h, &s));
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_BOUND);
    harness_advance(&h, 1 * MS);
    expect_dhcp(&h, &s, DHCPREQUEST);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_RENEWING);
    ck_assert_uint_eq(counter(&h, "dhcp.renewals"), 1);
    /* RFC 2131 4.3.2 RENEWING: unicast to the server, ciaddr filled, no
     * 'requested IP' or 'server id', no BROADCAST flag. */
    ck_assert_mem_eq(s.eth_dst, H_PEER_MAC, 6);
    ck_assert_uint_eq(s.ip_src, A(LEASED));
    ck_assert_uint_eq(s.ip_dst, A(SERVER));
    ck_assert_uint_eq(s.ciaddr, A(LEASED));
    ck_assert(!s.has_requested);
    ck_assert_uint_eq(s.o.server_id, 0);
    ck_assert_uint_eq(s.flags, 0);
    /* The ACK comes unicast to our address. */
    uint8_t o[64];
    size_t n = std_opts(o, DHCPACK, 300);
    reply_raw(&h, s.xid, A(LEASED), o, n, A(LEASED), 0);
    struct glass_dhcp_lease l;
    ck_assert_int_eq(glass_dhcp_lease(h.nif, &l), 0);
    ck_assert_int_eq(l.state, GLASS_DHCP_BOUND);
    ck_assert_uint_eq(l.lease, 300 * SEC);
    ck_assert_uint_eq(l.obtained, glass_stack_now(h.stack));
    ck_assert_uint_eq(glass_netif_addr(h.nif), A(LEASED));
    /* The next T1 is 150 s on. */
    harness_advance(&h, 150 * SEC - 1 * MS);
    ck_assert(!pop_dhcp(&h, &s));
    harness_advance(&h, 1 * MS);
    learn_server(&h); /* ARP forgot the server long ago; the REQUEST waited */
    expect_dhcp(&h, &s, DHCPREQUEST);
    ck_assert_uint_eq(s.ip_dst, A(SERVER));
    ck_assert_int_eq(glass_dhcp_release(h.nif), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc2131_4_4_5_rebind_at_t2_then_expiry)
{
    struct harness h;
    dhcp_harness(&h);
    bind_lease(&h, 120);
    struct sent s;
    harness_advance(&h, 60 * SEC);
    expect_dhcp(&h, &s, DHCPREQUEST); /* RENEWING, unanswered */
    /* Half of the 45 s to T2 is under the 60 s floor: no retransmission
     * before T2 (105 s). */
    harness_advance(&h, 45 * SEC - 1 * MS);
    ck_assert(!pop_dhcp(&h, &s));
    harness_advance(&h, 1 * MS);
    expect_dhcp(&h, &s, DHCPREQUEST);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_REBINDING);
    ck_assert_uint_eq(counter(&h, "dhcp.rebinds"), 1);
    ck_assert(is_broadcast_mac(s.eth_dst));
    ck_assert_uint_eq(s.ip_src, A(LEASED));
    ck_assert_uint_eq(s.ip_dst, A("255.255.255.255"));
    ck_assert_uint_eq(s.ciaddr, A(LEASED));
    ck_assert(!s.has_requested);
    ck_assert_uint_eq(glass_netif_addr(h.nif), A(LEASED));
    /* Still no answer: at 120 s the lease expires, the address and the
     * default route go, and the client starts over. */
    harness_advance(&h, 15 * SEC - 1 * MS);
    ck_assert(!pop_dhcp(&h, &s));
    ck_assert_uint_eq(glass_netif_addr(h.nif), A(LEASED));
    harness_advance(&h, 1 * MS);
    ck_assert_uint_eq(counter(&h, "dhcp.expiries"), 1);
    ck_assert_uint_eq(glass_netif_addr(h.nif), 0);
    ck_assert_ptr_null(route_at(h.stack, 0));
    ck_assert_uint_eq(glass_dhcp_dns(h.stack), 0);
    expect_dhcp(&h, &s, DHCPDISCOVER);
    ck_assert_uint_eq(s.ip_src, 0);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_SELECTING);
    harness_fini(&h);
}
END_TEST

/* A NAK while RENEWING takes the address away at once. */
START_TEST(test_rfc2131_nak_while_renewing_removes_address)
{
    struct harness h;
    dhcp_harness(&h);
    bind_lease(&h, 120);
    harness_advance(&h, 60 * SEC);
    struct sent s;
    expect_dhcp(&h, &s, DHCPREQUEST);
    uint8_t o[64];
    size_t n = std_opts(o, DHCPNAK, 0);
    reply_raw(&h, s.xid, 0, o, n, A(LEASED), 0);
    ck_assert_uint_eq(counter(&h, "dhcp.naks"), 1);
    ck_assert_uint_eq(glass_netif_addr(h.nif), 0);
    expect_dhcp(&h, &s, DHCPDISCOVER);
    harness_fini(&h);
}
END_TEST

/* Every malformed reply is dropped and counted, and the client carries on
 * as if it had never come. */
START_TEST(test_rfc2132_malformed_options_dropped)
{
    struct harness h;
    dhcp_harness(&h);
    ck_assert_int_eq(glass_dhcp_start(h.nif), 0);
    struct sent s;
    expect_dhcp(&h, &s, DHCPDISCOVER);
    uint32_t xid = s.xid, lease = A(LEASED), bc = A("255.255.255.255");
    uint8_t ok[64];
    size_t okn = std_opts(ok, DHCPOFFER, 0);
    struct {
        const char *what;
        uint8_t opts[16];
        size_t len;
        const char *counter;
    } bad[] = {
        {"length past the end", {53, 1, 2, 54, 9, 10, 0, 0, 1}, 9, "dhcp.drop_bad_option"},
        {"no length byte", {53, 1, 2, 54}, 4, "dhcp.drop_bad_option"},
        {"message type of 2 bytes", {53, 2, 2, 2, 255}, 5, "dhcp.drop_bad_option"},
        {"server id of 3 bytes", {53, 1, 2, 54, 3, 10, 0, 0, 255}, 9, "dhcp.drop_bad_option"},
        {"mask of 5 bytes", {53, 1, 2, 1, 5, 255, 255, 255, 0, 0, 255}, 11,
         "dhcp.drop_bad_option"},
        {"router of 6 bytes", {53, 1, 2, 3, 6, 10, 0, 0, 1, 10, 0, 255}, 12,
         "dhcp.drop_bad_option"},
        {"lease of 0 bytes", {53, 1, 2, 51, 0, 255}, 6, "dhcp.drop_bad_option"},
        {"no message type", {54, 4, 10, 0, 0, 1, 255}, 7, "dhcp.drop_missing_option"},
        {"offer without server id", {53, 1, 2, 255}, 4, "dhcp.drop_missing_option"},
        {"an ACK while selecting", {53, 1, 5, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 0, 9, 255}, 16,
         "dhcp.drop_unexpected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t before = counter(&h, bad[i].counter);
        reply_raw(&h, xid, lease, bad[i].opts, bad[i].len, bc, 0);
        ck_assert_msg(counter(&h, bad[i].counter) == before + 1, "%s: %s not counted",
                      bad[i].what, bad[i].counter);
        ck_assert_msg(state_of(&h) == GLASS_DHCP_SELECTING, "%s: state changed", bad[i].what);
        ck_assert_msg(!pop_dhcp(&h, &s), "%s: answered", bad[i].what);
    }
    /* The fixed part: truncated, wrong op/cookie, someone else's xid. */
    reply_raw(&h, xid, lease, ok, okn, bc, okn + 1);
    ck_assert_uint_eq(counter(&h, "dhcp.drop_short"), 1);
    reply_raw(&h, xid ^ 1, lease, ok, okn, bc, 0);
    ck_assert_uint_eq(counter(&h, "dhcp.drop_not_ours"), 1);
    /* A zero yiaddr in an offer is no offer. */
    reply_raw(&h, xid, 0, ok, okn, bc, 0);
    ck_assert_uint_eq(counter(&h, "dhcp.drop_unexpected"), 2);
    ck_assert(!pop_dhcp(&h, &s));
    /* And a sound offer still works afterwards. */
    reply_raw(&h, xid, lease, ok, okn, bc, 0);
    expect_dhcp(&h, &s, DHCPREQUEST);
    /* An ACK with a non-contiguous mask is refused. */
    uint8_t badmask[] = {53, 1, 5, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 0, 120,
                         1, 4, 255, 0, 255, 0, 255};
    reply_raw(&h, xid, lease, badmask, sizeof badmask, bc, 0);
    ck_assert_uint_eq(counter(&h, "dhcp.drop_bad_option"), 8);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_REQUESTING);
    /* An ACK without a lease time: RFC 2131 table 3 says MUST. */
    uint8_t nolease[] = {53, 1, 5, 54, 4, 10, 0, 0, 1, 255};
    reply_raw(&h, xid, lease, nolease, sizeof nolease, bc, 0);
    ck_assert_uint_eq(counter(&h, "dhcp.drop_missing_option"), 3);
    ck_assert_uint_eq(glass_netif_addr(h.nif), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc2132_parse_options)
{
    struct dhcp_options o;
    const uint8_t good[] = {0, 0, 53, 1, 5, 1, 4, 255, 255, 0, 0, 3, 8, 10, 0, 0, 1, 10, 0, 0, 2,
                            58, 4, 0, 0, 0, 30, 99, 0, 255, 53, 1, 6};
    ck_assert_int_eq(dhcp_parse_options(good, sizeof good, &o), 0);
    ck_assert_uint_eq(o.msg_type, 5);           /* nothing after End is read */
    ck_assert_uint_eq(o.mask, A("255.255.0.0"));
    ck_assert_uint_eq(o.router, A("10.0.0.1")); /* the first router */
    ck_assert(o.has_t1 && o.t1 == 30);
    ck_assert(!o.has_lease);
    const uint8_t no_end[] = {53, 1, 2};
    ck_assert_int_eq(dhcp_parse_options(no_end, sizeof no_end, &o), 0);
    ck_assert_uint_eq(o.msg_type, 2);
    const uint8_t past[] = {53, 1, 2, 12, 200, 'a'};
    ck_assert_int_eq(dhcp_parse_options(past, sizeof past, &o), -1);
    const uint8_t dns7[] = {6, 7, 1, 2, 3, 4, 5, 6, 7};
    ck_assert_int_eq(dhcp_parse_options(dns7, sizeof dns7, &o), -1);
}
END_TEST

/* The user's default route is not replaced by the lease's router. */
START_TEST(test_dhcp_keeps_existing_default_route)
{
    struct harness h;
    dhcp_harness(&h);
    ck_assert_int_eq(glass_dhcp_start(h.nif), 0);
    struct sent s;
    expect_dhcp(&h, &s, DHCPDISCOVER);
    reply(&h, DHCPOFFER, s.xid, 0);
    uint32_t xid = s.xid;
    expect_dhcp(&h, &s, DHCPREQUEST);
    glass_stack_lock(h.stack);
    ck_assert_int_eq(netif_add_addr(h.nif, A("10.0.0.200"), 24), 0);
    ck_assert_int_eq(route_add_static(h.stack, 0, 0, A("10.0.0.254"), NULL, 0), 0);
    glass_stack_unlock(h.stack);
    reply(&h, DHCPACK, xid, 120);
    glass_stack_lock(h.stack);
    const struct route *r = route_lookup(h.stack, A("192.0.2.1"));
    ck_assert(r && r->gateway == A("10.0.0.254"));
    glass_stack_unlock(h.stack);
    ck_assert_int_eq(glass_dhcp_release(h.nif), 0);
    glass_stack_lock(h.stack);
    r = route_lookup(h.stack, A("192.0.2.1"));
    ck_assert(r && r->gateway == A("10.0.0.254"));
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(glass_netif_addr(h.nif), A("10.0.0.200"));
    harness_fini(&h);
}
END_TEST

/* RFC 2131 4.4.6 on a clean exit: glass_stack_free gives the lease back,
 * to the MAC the ACK came from, without waiting for ARP. */
START_TEST(test_rfc2131_4_4_6_release_on_stack_free)
{
    struct harness h;
    dhcp_harness(&h);
    ck_assert_int_eq(glass_dhcp_start(h.nif), 0);
    struct sent s;
    expect_dhcp(&h, &s, DHCPDISCOVER);
    reply(&h, DHCPOFFER, s.xid, 0);
    expect_dhcp(&h, &s, DHCPREQUEST);
    reply(&h, DHCPACK, s.xid, 120);
    ck_assert_int_eq(state_of(&h), GLASS_DHCP_BOUND);
    harness_tx_clear(&h);
    /* ARP has never heard of the server: the RELEASE must not wait for it. */
    ck_assert_int_eq(glass_stack_free(h.stack), 0);
    expect_dhcp(&h, &s, DHCPRELEASE);
    ck_assert_mem_eq(s.eth_dst, H_PEER_MAC, 6);
    ck_assert_uint_eq(s.ip_src, A(LEASED));
    ck_assert_uint_eq(s.ip_dst, A(SERVER));
    ck_assert(!pop_dhcp(&h, &s));
    glass_clock_free(h.clock);
}
END_TEST

static Suite *dhcp_suite(void)
{
    Suite *s = suite_create("dhcp");
    TCase *tc = tcase_create("client");
    tcase_add_test(tc, test_rfc2131_full_exchange_applies_lease);
    tcase_add_test(tc, test_rfc2131_4_1_retransmission_backoff);
    tcase_add_test(tc, test_rfc2131_3_1_nak_restarts);
    tcase_add_test(tc, test_rfc2131_4_4_5_renew_at_t1_unicast);
    tcase_add_test(tc, test_rfc2131_4_4_5_rebind_at_t2_then_expiry);
    tcase_add_test(tc, test_rfc2131_nak_while_renewing_removes_address);
    tcase_add_test(tc, test_rfc2132_malformed_options_dropped);
    tcase_add_test(tc, test_rfc2132_parse_options);
    tcase_add_test(tc, test_dhcp_keeps_existing_default_route);
    tcase_add_test(tc, test_rfc2131_4_4_6_release_on_stack_free);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(dhcp_suite());
}
