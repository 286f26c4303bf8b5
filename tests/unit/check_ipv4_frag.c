/* check_ipv4_frag.c - IPv4 fragmentation and reassembly (RFC 791 3.2,
 * RFC 815, RFC 1858): crafted fragments in every order, duplicates,
 * overlaps, the 30 s timer on the virtual clock, the memory bound, the
 * 65535 limit; and fragments we send: 8-byte multiples, the MTU edge, DF,
 * options copied or not. */
#include "harness.h"

#include <errno.h>

#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "ipv4_frag.h"

#define IP(f) ((f) + ETH_HLEN)

/* The datagram the fragments come from: an echo request of 1000 data
 * bytes (1008 bytes of ICMP), which glass answers once it is whole. */
#define ECHO_DATA 1000
static uint8_t whole[ICMP_HLEN + ECHO_DATA];

static void make_whole(uint16_t seq)
{
    static uint8_t data[ECHO_DATA];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    build_icmp_echo(whole, ICMP_ECHO_REQUEST, 0x4242, seq, data, sizeof data);
}

/* A fragment frame carrying bytes [off, off+len) of `payload`. */
static size_t frag_frame(uint8_t *f, uint16_t id, uint8_t proto, const uint8_t *payload,
                         uint32_t off, uint32_t len, bool mf)
{
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), proto, payload + off, len);
    put_be16(IP(f) + 4, id);
    put_be16(IP(f) + 6, (uint16_t)((mf ? IPV4_FLAG_MF : 0) | off / 8));
    fix_ipv4_checksum(f);
    return n;
}

static void inject_frag(struct harness *h, uint16_t id, uint32_t off, uint32_t len, bool mf)
{
    static uint8_t f[2048];
    size_t n = frag_frame(f, id, IPPROTO_ICMP_, whole, off, len, mf);
    harness_inject(h, f, n);
}

/* The echo reply to `whole` went out, complete and intact. */
static void assert_echo_reply(struct harness *h, uint16_t seq)
{
    static uint8_t r[2048];
    ck_assert_uint_eq(harness_tx_count(h), 1);
    size_t n = harness_tx_pop(h, r, sizeof r);
    ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + sizeof whole);
    const uint8_t *m = IP(r) + IPV4_HLEN;
    ck_assert_uint_eq(m[0], ICMP_ECHO_REPLY);
    ck_assert_uint_eq(get_be16(m + 6), seq);
    ck_assert_uint_eq(inet_checksum(m, sizeof whole), 0);
    ck_assert_mem_eq(m + ICMP_HLEN, whole + ICMP_HLEN, ECHO_DATA);
}

static void setup(struct harness *h)
{
    harness_init(h);
    harness_learn_peer(h);
    make_whole(1);
}

/* ---- reassembly: orders --------------------------------------------------- */

/* RFC 815: four fragments in each of the 24 orders make the datagram. */
START_TEST(test_rfc815_reassembly_every_order)
{
    static const uint32_t off[4] = {0, 256, 512, 768}, len[4] = {256, 256, 256, 240};
    unsigned perms = 0;
    for (unsigned a = 0; a < 4; a++)
        for (unsigned b = 0; b < 4; b++)
            for (unsigned c = 0; c < 4; c++)
                for (unsigned d = 0; d < 4; d++) {
                    if (a == b || a == c || a == d || b == c || b == d || c == d)
                        continue;
                    struct harness h;
                    setup(&h);
                    unsigned order[4] = {a, b, c, d};
                    for (unsigned i = 0; i < 4; i++) {
                        unsigned k = order[i];
                        ck_assert_uint_eq(harness_tx_count(&h), 0);
                        inject_frag(&h, 77, off[k], len[k], k != 3);
                    }
                    assert_echo_reply(&h, 1);
                    ck_assert_uint_eq(counter(&h, "ipv4.reass_ok"), 1);
                    ck_assert_uint_eq(counter(&h, "ipv4.frag_rx"), 4);
                    ck_assert_uint_eq(ipv4_reass_count(h.stack), 0);
                    ck_assert_uint_eq(ipv4_reass_mem(h.stack), 0);
                    harness_fini(&h);
                    perms++;
                }
    ck_assert_uint_eq(perms, 24);
}
END_TEST

/* Fragments of two datagrams interleaved, keyed by (src, dst, id, proto). */
START_TEST(test_rfc791_interleaved_datagrams_kept_apart)
{
    struct harness h;
    setup(&h);
    inject_frag(&h, 1, 0, 504, true);
    inject_frag(&h, 2, 504, 504, false);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 2);
    inject_frag(&h, 1, 504, 504, false);
    assert_echo_reply(&h, 1);
    inject_frag(&h, 2, 0, 504, true);
    assert_echo_reply(&h, 1);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_ok"), 2);
    harness_fini(&h);
}
END_TEST

/* ---- duplicates and overlaps ------------------------------------------- */

/* An exact repeat is dropped alone; the datagram still completes. */
START_TEST(test_duplicate_fragment_dropped_alone)
{
    struct harness h;
    setup(&h);
    inject_frag(&h, 5, 0, 504, true);
    inject_frag(&h, 5, 0, 504, true);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_duplicate"), 1);
    inject_frag(&h, 5, 504, 504, false);
    inject_frag(&h, 5, 504, 504, false); /* after completion: a new, lone piece */
    assert_echo_reply(&h, 1);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_ok"), 1);
    harness_fini(&h);
}
END_TEST

/* RFC 1858 3.3 / RFC 5722 rule: an overlap with different bytes discards
 * the whole datagram; the rest of it then never completes. */
START_TEST(test_rfc1858_overlap_discards_datagram)
{
    struct harness h;
    setup(&h);
    inject_frag(&h, 9, 0, 504, true);
    static uint8_t evil[sizeof whole], f[2048];
    memcpy(evil, whole, sizeof whole);
    memset(evil + 496, 0xee, 16);
    size_t n = frag_frame(f, 9, IPPROTO_ICMP_, evil, 496, 16, true);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_overlap"), 1);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 0);
    inject_frag(&h, 9, 504, 504, false);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_ok"), 0);
    harness_fini(&h);
}
END_TEST

/* Even an overlap that repeats the same bytes over a different span is
 * discarded (only exact duplicates are harmless), and so is a second
 * "last" fragment that moves the end. */
START_TEST(test_overlap_same_bytes_and_moving_end_discard)
{
    struct harness h;
    setup(&h);
    inject_frag(&h, 11, 0, 504, true);
    inject_frag(&h, 11, 496, 512, false);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_overlap"), 1);
    inject_frag(&h, 12, 504, 504, false);
    inject_frag(&h, 12, 504, 256, false); /* end 760, then 1008 */
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_overlap"), 2);
    inject_frag(&h, 13, 504, 504, false);
    /* data past the end the last one gave (8 bytes beyond `whole`) */
    static uint8_t longer[sizeof whole + 8], f[2048];
    memcpy(longer, whole, sizeof whole);
    harness_inject(&h, f, frag_frame(f, 13, IPPROTO_ICMP_, longer, 1008, 8, true));
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_overlap"), 3);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 0);
    harness_fini(&h);
}
END_TEST

/* ---- bad fragments ------------------------------------------------------- */

/* RFC 791 3.1: offset + length past 65535 (the "ping of death"). */
START_TEST(test_rfc791_fragment_past_65535_dropped)
{
    struct harness h;
    setup(&h);
    static uint8_t f[2048];
    size_t n = frag_frame(f, 3, IPPROTO_ICMP_, whole, 0, 16, false);
    put_be16(IP(f) + 6, 8189); /* offset 65512 + 20 + 16 > 65535 */
    fix_ipv4_checksum(f);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_too_long"), 1);
    put_be16(IP(f) + 6, 8187); /* 65496 + 20 + 16 = 65532: accepted, held */
    fix_ipv4_checksum(f);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_too_long"), 1);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* RFC 1858 3.2: a TCP fragment at offset 8 (FO=1) and a first fragment
 * too short for the transport header are both dropped. */
START_TEST(test_rfc1858_tiny_fragments_dropped)
{
    struct harness h;
    setup(&h);
    static uint8_t tcp[64], f[256];
    size_t n = frag_frame(f, 4, IPPROTO_TCP_, tcp, 8, 16, false);
    harness_inject(&h, f, n);
    n = frag_frame(f, 5, IPPROTO_TCP_, tcp, 0, 16, true); /* 16 < 20-byte header */
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_drop_tiny"), 2);
    n = frag_frame(f, 6, IPPROTO_TCP_, tcp, 0, 24, true);  /* enough: held */
    harness_inject(&h, f, n);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 1);
    harness_fini(&h);
}
END_TEST

/* ---- the timer -------------------------------------------------------------- */

/* RFC 792 / RFC 1122 3.3.2: after 30 s the datagram is given up and, as
 * its first fragment came, the sender gets Time Exceeded code 1 quoting
 * that fragment's header and first 8 data bytes. */
START_TEST(test_rfc792_reassembly_timeout_time_exceeded)
{
    struct harness h;
    setup(&h);
    inject_frag(&h, 21, 0, 504, true);
    harness_advance(&h, IPV4_REASS_TIMEOUT - GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 1);
    harness_advance(&h, 2 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(ipv4_reass_count(h.stack), 0);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_timeout"), 1);
    /* (after 30 s ARP may also re-check the peer: skip its frames) */
    static uint8_t r[256];
    size_t n;
    while ((n = harness_tx_pop(&h, r, sizeof r)) && get_be16(r + 12) != ETH_P_IP)
        ;
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + ICMP_HLEN + IPV4_HLEN + 8);
    const uint8_t *m = IP(r) + IPV4_HLEN;
    ck_assert_uint_eq(get_addr(IP(r) + 16), A(H_PEER_IP));
    ck_assert_uint_eq(m[0], ICMP_TIME_EXCEEDED);
    ck_assert_uint_eq(m[1], 1);
    ck_assert_uint_eq(get_be16(m + ICMP_HLEN + 4), 21);              /* quoted id */
    ck_assert_uint_eq(get_be16(m + ICMP_HLEN + 6), IPV4_FLAG_MF);     /* offset 0 */
    ck_assert_mem_eq(m + ICMP_HLEN + IPV4_HLEN, whole, 8);
    /* The late rest starts a new datagram, which never completes. */
    inject_frag(&h, 21, 504, 504, false);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_ok"), 0);
    harness_fini(&h);
}
END_TEST

/* Without the first fragment there is nothing to quote: no ICMP. */
START_TEST(test_rfc792_timeout_without_first_fragment_silent)
{
    struct harness h;
    setup(&h);
    inject_frag(&h, 22, 504, 504, false);
    harness_advance(&h, IPV4_REASS_TIMEOUT + GLASS_USEC_PER_SEC);
    ck_assert_uint_eq(counter(&h, "ipv4.reass_timeout"), 1);
    ck_assert_uint_eq(counter(&h, "icmp.tx"), 0);
    harness_fini(&h);
}
END_TEST

/* ---- the memory bound ------------------------------------------------------ */

/* A flood of first fragments that never complete: what is held stays
 * within the bounds, the oldest are given up, and everything is returned
 * at teardown (harness_fini checks). A datagram sent after the flood
 * still reassembles. */
START_TEST(test_reassembly_memory_bound_holds_under_flood)
{
    struct harness h;
    setup(&h);
    static uint8_t big[1480];
    static uint8_t f[2048];
    for (unsigned id = 1000; id < 1400; id++) {
        size_t n = frag_frame(f, (uint16_t)id, IPPROTO_UDP_, big, 0, 1480, true);
        harness_inject(&h, f, n);
        ck_assert_uint_le(ipv4_reass_mem(h.stack), IPV4_REASS_MEM_MAX);
        ck_assert_uint_le(ipv4_reass_count(h.stack), IPV4_REASS_MAX_DATAGRAMS);
    }
    ck_assert_uint_gt(counter(&h, "ipv4.reass_evicted"), 300);
    inject_frag(&h, 7, 0, 504, true);
    inject_frag(&h, 7, 504, 504, false);
    assert_echo_reply(&h, 1);
    harness_fini(&h);
}
END_TEST

/* ---- fragmentation on output ----------------------------------------------- */

/* Send `len` bytes of ICMP payload (an echo) and check the fragments: each
 * at most mtu, data multiples of 8 but the last, offsets contiguous, MF on
 * all but the last, one id; reassembled, the data are what was sent. */
static void check_fragments(unsigned mtu, size_t len, unsigned expect_frames)
{
    struct harness h;
    setup(&h);
    ck_assert_int_eq(glass_netif_set_mtu(h.nif, mtu), 0);
    static uint8_t data[4096], got[4200], r[2048];
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 5, 6, data, len, 0), 0);
    ck_assert_uint_eq(harness_tx_count(&h), expect_frames);
    uint32_t next = 0;
    int id = -1;
    for (unsigned i = 0; i < expect_frames; i++) {
        size_t n = harness_tx_pop(&h, r, sizeof r);
        const uint8_t *ip = IP(r);
        size_t tot = get_be16(ip + 2);
        ck_assert_uint_eq(n, ETH_HLEN + tot);
        ck_assert_uint_le(tot, mtu);
        ck_assert_uint_eq(inet_checksum(ip, IPV4_HLEN), 0);
        uint16_t frag = get_be16(ip + 6);
        bool last = i + 1 == expect_frames;
        ck_assert_uint_eq((frag & IPV4_OFFSET_MASK) * 8u, next);
        ck_assert_uint_eq(!!(frag & IPV4_FLAG_MF), !last);
        if (!last)
            ck_assert_uint_eq((tot - IPV4_HLEN) % 8, 0);
        if (id >= 0)
            ck_assert_int_eq(get_be16(ip + 4), id);
        id = get_be16(ip + 4);
        memcpy(got + next, ip + IPV4_HLEN, tot - IPV4_HLEN);
        next += (uint32_t)(tot - IPV4_HLEN);
    }
    ck_assert_uint_eq(next, ICMP_HLEN + len);
    ck_assert_uint_eq(inet_checksum(got, next), 0);
    ck_assert_mem_eq(got + ICMP_HLEN, data, len);
    ck_assert_uint_eq(counter(&h, "ipv4.frag_created"), expect_frames > 1 ? expect_frames : 0);
    harness_fini(&h);
}

/* RFC 791 3.2 boundaries: exactly the MTU is one frame; one byte more is
 * two; an MTU whose room is not a multiple of 8 rounds the fragment down. */
START_TEST(test_rfc791_fragment_boundaries)
{
    check_fragments(1500, 1472, 1);   /* 20 + 8 + 1472 = 1500 */
    check_fragments(1500, 1473, 2);   /* 1480 + 1 */
    check_fragments(1500, 4000, 3);   /* 4008 = 1480 + 1480 + 1048 */
    check_fragments(1006, 1000, 2);   /* room 986 -> 984 per fragment */
    check_fragments(68, 100, 3);      /* the minimum MTU: 48 data bytes each */
}
END_TEST

/* DF: too big is EMSGSIZE, counted, nothing sent (RFC 791 3.2 "if the
 * Don't Fragment flag is set, then internet fragmentation ... is not
 * permitted"). */
START_TEST(test_rfc791_df_not_fragmented)
{
    struct harness h;
    setup(&h);
    struct pkb *pkb = pkb_alloc(h.stack, 1481);
    pkb_put(pkb, 1481);
    memset(pkb->data, 0, 1481);
    struct ipv4_tx tx = {.dst = A(H_PEER_IP), .proto = 253, .df = true};
    ck_assert_int_eq(ipv4_output(h.stack, pkb, &tx), -EMSGSIZE);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_too_big"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    pkb = pkb_alloc(h.stack, 1480);
    pkb_put(pkb, 1480);
    memset(pkb->data, 0, 1480);
    ck_assert_int_eq(ipv4_output(h.stack, pkb, &tx), 0); /* exactly the MTU */
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    harness_fini(&h);
}
END_TEST

/* RFC 791 3.1 "copied flag": options with it go in every fragment, the
 * others (Record Route) only in the first. */
START_TEST(test_rfc791_options_copied_to_later_fragments)
{
    struct harness h;
    setup(&h);
    size_t hlen = 28, dlen = 200;
    struct pkb *pkb = pkb_alloc(h.stack, hlen + dlen);
    uint8_t *ip = pkb_put(pkb, hlen + dlen);
    memset(ip, 0, hlen + dlen);
    ip[0] = 0x47;
    put_be16(ip + 2, (uint16_t)(hlen + dlen));
    ip[8] = 64;
    ip[9] = 253;
    put_addr(ip + 12, A(H_OUR_IP));
    put_addr(ip + 16, A(H_PEER_IP));
    static const uint8_t opts[8] = {7, 3, 4, 0x94, 4, 0, 0, 0}; /* RR, Router Alert, EOL */
    memcpy(ip + 20, opts, 8);
    for (size_t i = 0; i < dlen; i++)
        ip[hlen + i] = (uint8_t)i;
    ck_assert_int_eq(ipv4_fragment_output(h.stack, pkb, h.nif, A(H_PEER_IP), 128), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    static uint8_t r[256];
    harness_tx_pop(&h, r, sizeof r);
    ck_assert_uint_eq(IP(r)[0], 0x47);
    ck_assert_uint_eq(get_be16(IP(r) + 2), 28 + 96); /* (128 - 28) & ~7 */
    ck_assert_mem_eq(IP(r) + 20, opts, 8);
    harness_tx_pop(&h, r, sizeof r);
    ck_assert_uint_eq(IP(r)[0], 0x46);                /* 24-byte header */
    ck_assert_uint_eq(get_be16(IP(r) + 2), 24 + 104);
    ck_assert_uint_eq(get_be16(IP(r) + 6), 96 / 8);
    ck_assert_mem_eq(IP(r) + 20, opts + 3, 4);        /* Router Alert only */
    ck_assert_uint_eq(inet_checksum(IP(r), 24), 0);
    ck_assert_uint_eq(IP(r)[24], 96);
    harness_fini(&h);
}
END_TEST

/* What glass fragments, glass reassembles: the fragments of an echo reply
 * to a 4000-byte request, turned around, make the datagram again. */
START_TEST(test_fragments_round_trip)
{
    struct harness h;
    setup(&h);
    static uint8_t data[4000], f[2048];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A(H_PEER_IP), 8, 9, data, sizeof data, 0), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 3);
    for (int i = 0; i < 3; i++) {
        size_t n = harness_tx_pop(&h, f, sizeof f);
        /* the peer answers each fragment's bytes: swap addresses, type 0 */
        memcpy(f, H_OUR_MAC, 6);
        memcpy(f + 6, H_PEER_MAC, 6);
        put_addr(IP(f) + 12, A(H_PEER_IP));
        put_addr(IP(f) + 16, A(H_OUR_IP));
        fix_ipv4_checksum(f);
        harness_inject(&h, f, n);
    }
    /* the request to ourselves... came back as a request: glass answers
     * it (reassembled, 4008 bytes) with a reply in 3 fragments */
    ck_assert_uint_eq(counter(&h, "ipv4.reass_ok"), 1);
    ck_assert_uint_eq(counter(&h, "icmp.rx_echo_request"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 3);
    harness_fini(&h);
}
END_TEST

static Suite *frag_suite(void)
{
    Suite *s = suite_create("ipv4_frag");
    TCase *in = tcase_create("reassembly");
    tcase_add_test(in, test_rfc815_reassembly_every_order);
    tcase_add_test(in, test_rfc791_interleaved_datagrams_kept_apart);
    tcase_add_test(in, test_duplicate_fragment_dropped_alone);
    tcase_add_test(in, test_rfc1858_overlap_discards_datagram);
    tcase_add_test(in, test_overlap_same_bytes_and_moving_end_discard);
    tcase_add_test(in, test_rfc791_fragment_past_65535_dropped);
    tcase_add_test(in, test_rfc1858_tiny_fragments_dropped);
    tcase_add_test(in, test_rfc792_reassembly_timeout_time_exceeded);
    tcase_add_test(in, test_rfc792_timeout_without_first_fragment_silent);
    tcase_add_test(in, test_reassembly_memory_bound_holds_under_flood);
    suite_add_tcase(s, in);
    TCase *out = tcase_create("fragmentation");
    tcase_add_test(out, test_rfc791_fragment_boundaries);
    tcase_add_test(out, test_rfc791_df_not_fragmented);
    tcase_add_test(out, test_rfc791_options_copied_to_later_fragments);
    tcase_add_test(out, test_fragments_round_trip);
    suite_add_tcase(s, out);
    return s;
}

int main(void)
{
    return harness_run_suite(frag_suite());
}
