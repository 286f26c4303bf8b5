/* check_pmtu.c - Path MTU Discovery (RFC 1191): the cache goes down on
 * Fragmentation Needed and never up, ages out after 10 minutes on the
 * virtual clock, uses the plateau table for old routers; ipv4_max_payload
 * and the fragments we send follow it. */
#include "harness.h"

#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "pmtu.h"

#define IP(f) ((f) + ETH_HLEN)

START_TEST(test_rfc1191_cache_lowers_never_raises)
{
    struct harness h;
    harness_init(&h);
    uint32_t d = A("192.0.2.9");
    ck_assert_uint_eq(pmtu_get(h.stack, d), 0);
    ck_assert_uint_eq(pmtu_update(h.stack, d, 1400, 1500), 1400);
    ck_assert_uint_eq(pmtu_get(h.stack, d), 1400);
    ck_assert_uint_eq(pmtu_update(h.stack, d, 1450, 1500), 0); /* 6.3: not raised */
    ck_assert_uint_eq(pmtu_get(h.stack, d), 1400);
    ck_assert_uint_eq(pmtu_update(h.stack, d, 20, 1400), 68); /* RFC 791 floor */
    ck_assert_uint_eq(pmtu_get(h.stack, d), 68);
    ck_assert_uint_eq(pmtu_get(h.stack, A("192.0.2.10")), 0);
    harness_fini(&h);
}
END_TEST

/* RFC 1191 5/7: next-hop MTU 0 (an old router): the plateau below what
 * we sent. */
START_TEST(test_rfc1191_plateau_for_old_routers)
{
    ck_assert_uint_eq(pmtu_plateau_below(1500), 1492);
    ck_assert_uint_eq(pmtu_plateau_below(1492), 1006);
    ck_assert_uint_eq(pmtu_plateau_below(65535), 32000);
    ck_assert_uint_eq(pmtu_plateau_below(100), 68);
    struct harness h;
    harness_init(&h);
    ck_assert_uint_eq(pmtu_update(h.stack, A("192.0.2.9"), 0, 1500), 1492);
    harness_fini(&h);
}
END_TEST

/* RFC 1191 6.3: an estimate ages out (10 minutes) and the link MTU is
 * used again. */
START_TEST(test_rfc1191_estimate_ages_out)
{
    struct harness h;
    harness_init(&h);
    uint32_t d = A("192.0.2.9");
    pmtu_update(h.stack, d, 1280, 1500);
    harness_advance(&h, PMTU_AGE - GLASS_USEC_PER_SEC);
    ck_assert_uint_eq(pmtu_get(h.stack, d), 1280);
    harness_advance(&h, 2 * GLASS_USEC_PER_SEC);
    ck_assert_uint_eq(pmtu_get(h.stack, d), 0);
    harness_fini(&h);
}
END_TEST

/* A full cache gives up the entry closest to expiry, never grows. */
START_TEST(test_cache_bounded)
{
    struct harness h;
    harness_init(&h);
    for (unsigned i = 1; i <= PMTU_CACHE_MAX + 10; i++) {
        ck_assert_uint_eq(pmtu_update(h.stack, htonl(0xc0000200 + i), 1000, 1500), 1000);
        harness_advance(&h, GLASS_USEC_PER_MSEC);
    }
    ck_assert_uint_eq(pmtu_get(h.stack, htonl(0xc0000201)), 0);               /* oldest gone */
    ck_assert_uint_eq(pmtu_get(h.stack, htonl(0xc0000200 + PMTU_CACHE_MAX + 10)), 1000);
    harness_fini(&h);
}
END_TEST

/* Destination Unreachable, Fragmentation Needed (3/4) from a router,
 * quoting a datagram of ours of `sent` bytes from src to dst. */
static size_t frag_needed_frame(uint8_t *f, uint32_t src, uint32_t dst, unsigned sent,
                                unsigned mtu)
{
    uint8_t m[ICMP_HLEN + IPV4_HLEN + 8] = {0};
    m[0] = ICMP_DEST_UNREACH;
    m[1] = ICMP_FRAG_NEEDED;
    put_be16(m + 6, (uint16_t)mtu);
    uint8_t *q = m + ICMP_HLEN;
    q[0] = 0x45;
    put_be16(q + 2, (uint16_t)sent);
    put_be16(q + 6, IPV4_FLAG_DF);
    q[8] = 64;
    q[9] = IPPROTO_UDP_;
    put_addr(q + 12, src);
    put_addr(q + 16, dst);
    put_be16(q + 10, inet_checksum(q, IPV4_HLEN));
    put_be16(m + 2, inet_checksum(m, sizeof m));
    return build_ipv4_frame(f, A("10.0.0.1"), A(H_OUR_IP), IPPROTO_ICMP_, m, sizeof m);
}

/* RFC 1191 4: the message lowers the path MTU to the quoted destination;
 * ipv4_max_payload and our fragments follow; nothing else changes. */
START_TEST(test_rfc1191_frag_needed_lowers_path_and_fragments_follow)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint32_t far = A("198.51.100.7");
    ck_assert_uint_eq(ipv4_max_payload(h.stack, far), 1480);
    uint8_t f[256];
    size_t n = frag_needed_frame(f, A(H_OUR_IP), far, 1500, 1400);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(pmtu_get(h.stack, far), 1400);
    ck_assert_uint_eq(ipv4_max_payload(h.stack, far), 1380);
    ck_assert_uint_eq(ipv4_max_payload(h.stack, A("198.51.100.8")), 1480);
    static uint8_t data[1400], r[2048];
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, far, 1, 1, data, 1400, 0), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 2);
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 1396); /* 20 + 1376 */
    ck_assert_uint_eq(harness_tx_pop(&h, r, sizeof r), ETH_HLEN + 20 + 32);
    harness_fini(&h);
}
END_TEST

/* Forged or useless messages change nothing: a quote of someone else's
 * datagram, or an MTU not below the link's. */
START_TEST(test_rfc1191_frag_needed_ignored_when_not_ours_or_not_lower)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint32_t far = A("198.51.100.7");
    uint8_t f[256];
    size_t n = frag_needed_frame(f, A("10.0.0.77"), far, 1500, 576);
    harness_inject(&h, f, n);
    n = frag_needed_frame(f, A(H_OUR_IP), far, 1500, 1500);
    harness_inject(&h, f, n);
    n = frag_needed_frame(f, A(H_OUR_IP), far, 1500, 9000);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(pmtu_get(h.stack, far), 0);
    ck_assert_uint_eq(ipv4_max_payload(h.stack, far), 1480);
    harness_fini(&h);
}
END_TEST

static Suite *pmtu_suite(void)
{
    Suite *s = suite_create("pmtu");
    TCase *tc = tcase_create("pmtu");
    tcase_add_test(tc, test_rfc1191_cache_lowers_never_raises);
    tcase_add_test(tc, test_rfc1191_plateau_for_old_routers);
    tcase_add_test(tc, test_rfc1191_estimate_ages_out);
    tcase_add_test(tc, test_cache_bounded);
    tcase_add_test(tc, test_rfc1191_frag_needed_lowers_path_and_fragments_follow);
    tcase_add_test(tc, test_rfc1191_frag_needed_ignored_when_not_ours_or_not_lower);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(pmtu_suite());
}
