/* check_checksum.c - RFC 1071 Internet checksum: known values, odd
 * lengths, carry folding, incremental sums, pseudo header. */
#include "harness.h"

#include "checksum.h"

/* RFC 1071 section 3's worked example: 00 01 f2 03 f4 f5 f6 f7 sums to
 * ddf2 (folded), so the checksum is ~ddf2 = 220d. */
START_TEST(test_rfc1071_3_example)
{
    const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(inet_checksum(d, sizeof d), 0x220d);
}
END_TEST

/* A real IPv4 header (from a capture), checksum field 0xb861. */
START_TEST(test_ipv4_header_known_checksum)
{
    uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    ck_assert_uint_eq(inet_checksum(h, sizeof h), 0xb861);
    put_be16(h + 10, 0xb861);
    ck_assert_uint_eq(inet_checksum(h, sizeof h), 0); /* verifies to zero */
}
END_TEST

/* RFC 1071: an odd final byte is padded on the right with zero. */
START_TEST(test_rfc1071_odd_length_pads_right)
{
    const uint8_t odd[] = {0x12, 0x34, 0x56};
    const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
    ck_assert_uint_eq(inet_checksum(odd, 3), inet_checksum(even, 4));
    ck_assert_uint_eq(inet_checksum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
}
END_TEST

/* Carries out of bit 15 wrap round (end-around carry), even many of them. */
START_TEST(test_rfc1071_carry_folding)
{
    uint8_t ff[4096];
    memset(ff, 0xff, sizeof ff);
    /* 2048 words of 0xffff: one's complement sum is 0xffff -> checksum 0. */
    ck_assert_uint_eq(inet_checksum(ff, sizeof ff), 0x0000);
    const uint8_t two[] = {0xff, 0xff, 0x00, 0x02};
    /* 0xffff + 0x0002 = 0x10001 -> fold -> 0x0002 -> ~ = 0xfffd */
    ck_assert_uint_eq(inet_checksum(two, 4), 0xfffd);
}
END_TEST

START_TEST(test_empty_data_checksum_is_ffff)
{
    ck_assert_uint_eq(inet_checksum("", 0), 0xffff);
}
END_TEST

/* Summing in pieces (at even boundaries) equals summing at once:
 * RFC 1071 2(C), parallel summation. */
START_TEST(test_rfc1071_incremental_sum)
{
    uint8_t d[1001];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 7 + 3);
    uint32_t s = csum_add(0, d, 400);
    s = csum_add(s, d + 400, 601);
    ck_assert_uint_eq(csum_finish(s), inet_checksum(d, sizeof d));
}
END_TEST

/* RFC 768: the pseudo header is src, dst, zero, protocol, length. */
START_TEST(test_rfc768_pseudo_header)
{
    uint32_t src = A("10.0.0.1"), dst = A("10.0.0.2");
    uint8_t ph[12] = {10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0x00, 0x1c};
    ck_assert_uint_eq(csum_finish(csum_pseudo_ipv4(src, dst, 17, 28)), inet_checksum(ph, 12));
}
END_TEST

static Suite *checksum_suite(void)
{
    Suite *s = suite_create("checksum");
    TCase *tc = tcase_create("rfc1071");
    tcase_add_test(tc, test_rfc1071_3_example);
    tcase_add_test(tc, test_ipv4_header_known_checksum);
    tcase_add_test(tc, test_rfc1071_odd_length_pads_right);
    tcase_add_test(tc, test_rfc1071_carry_folding);
    tcase_add_test(tc, test_empty_data_checksum_is_ffff);
    tcase_add_test(tc, test_rfc1071_incremental_sum);
    tcase_add_test(tc, test_rfc768_pseudo_header);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(checksum_suite());
}
