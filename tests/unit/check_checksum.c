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

/* ---- the word-at-a-time sum against the definition ------------------------- */

/* RFC 1071 as written: big-endian 16-bit words, an odd last byte padded
 * with zero on the right, carries folded at the end.  Slow and obvious:
 * the reference the fast code is checked against. */
static uint16_t ref_checksum(uint32_t start, const uint8_t *p, size_t len)
{
    uint64_t acc = start;
    for (size_t i = 0; i + 1 < len; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        acc += (uint32_t)p[len - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* xorshift64: the same "random" data on every run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Fill with random bytes; kind 1 mostly 0xff (long carry chains), kind 2
 * all zero (the 0 / 0xffff distinction). */
static void fill(uint8_t *p, size_t len, uint64_t *rng, int kind)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)rng_next(rng);
        p[i] = kind == 2 ? 0 : kind == 1 ? (b < 16 ? b : 0xff) : b;
    }
}

/* Every length 0..300 and a random sample up to 64 KiB + 40, each at
 * every alignment 0..15 of the buffer, three kinds of data, with and
 * without a running sum carried in: csum_add agrees with the definition. */
START_TEST(test_rfc1071_word_at_a_time_matches_reference)
{
    static uint8_t buf[65536 + 64 + 16];
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 700; round++) {
        size_t len = round <= 300 ? (size_t)round : (size_t)(rng_next(&rng) % (65536 + 41));
        int kind = round % 3;
        for (size_t align = 0; align < 16; align++) {
            uint8_t *p = buf + align;
            fill(p, len, &rng, kind);
            uint32_t start = (align & 1) ? (uint32_t)rng_next(&rng) & 0x3ffff : 0;
            uint16_t want = ref_checksum(start, p, len);
            ck_assert_msg(csum_finish(csum_add(start, p, len)) == want,
                          "len %zu align %zu kind %d start %#x", len, align, kind, start);
            if (round > 300 && align > 1)
                break; /* big ones: two alignments are enough for the time */
        }
    }
}
END_TEST

/* The largest frame of 0xff bytes (many carries) and of zeros. */
START_TEST(test_rfc1071_64k_extremes)
{
    static uint8_t buf[65536 + 1];
    memset(buf, 0xff, sizeof buf);
    ck_assert_uint_eq(inet_checksum(buf, sizeof buf), ref_checksum(0, buf, sizeof buf));
    ck_assert_uint_eq(inet_checksum(buf + 1, 65535), ref_checksum(0, buf + 1, 65535));
    memset(buf, 0, sizeof buf);
    ck_assert_uint_eq(inet_checksum(buf, sizeof buf), 0xffff);
    /* 0xffff (a sum of ones) and 0 (no data) differ after csum_finish. */
    const uint8_t ffff[2] = {0xff, 0xff};
    ck_assert_uint_eq(csum_finish(csum_add(0, ffff, 2)), 0x0000);
    ck_assert_uint_eq(csum_finish(csum_add(0, buf, 2)), 0xffff);
}
END_TEST

/* csum_copy copies exactly len bytes (no more) and sums as csum_add. */
START_TEST(test_csum_copy_copies_and_sums)
{
    static uint8_t src[4096 + 16], dst[4096 + 32];
    uint64_t rng = 12345;
    for (int round = 0; round < 600; round++) {
        size_t len = round < 200 ? (size_t)round : (size_t)(rng_next(&rng) % 4097);
        size_t sa = rng_next(&rng) % 16, da = rng_next(&rng) % 16;
        fill(src + sa, len, &rng, round % 3);
        memset(dst, 0xa5, sizeof dst);
        uint32_t start = (uint32_t)rng_next(&rng) & 0xfffff;
        uint32_t s = csum_copy(dst + da, src + sa, len, start);
        ck_assert_msg(memcmp(dst + da, src + sa, len) == 0, "len %zu: copy differs", len);
        for (size_t i = 0; i < da; i++)
            ck_assert_uint_eq(dst[i], 0xa5);
        for (size_t i = da + len; i < sizeof dst; i++)
            ck_assert_msg(dst[i] == 0xa5, "len %zu: wrote past the end at %zu", len, i);
        ck_assert_msg(csum_finish(s) == ref_checksum(start, src + sa, len), "len %zu", len);
    }
}
END_TEST

/* RFC 1071 2(B): a sum built from blocks of any length, odd ones
 * included, with csum_block_add, equals the sum of the whole. */
START_TEST(test_rfc1071_block_add_at_odd_offsets)
{
    static uint8_t buf[3000];
    uint64_t rng = 777;
    for (int round = 0; round < 500; round++) {
        size_t len = (size_t)(rng_next(&rng) % sizeof buf);
        fill(buf, len, &rng, round % 3);
        uint32_t sum = csum_pseudo_ipv4(A("10.0.0.1"), A("10.0.0.2"), 6, (uint16_t)len);
        uint32_t whole = csum_add(sum, buf, len);
        size_t off = 0;
        while (off < len) {
            size_t n = 1 + (size_t)(rng_next(&rng) % 97);
            if (n > len - off)
                n = len - off;
            sum = csum_block_add(sum, csum_add(0, buf + off, n), off);
            off += n;
        }
        ck_assert_msg(csum_finish(sum) == csum_finish(whole), "len %zu", len);
    }
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
    TCase *fast = tcase_create("word_at_a_time");
    tcase_set_timeout(fast, 60);
    tcase_add_test(fast, test_rfc1071_word_at_a_time_matches_reference);
    tcase_add_test(fast, test_rfc1071_64k_extremes);
    tcase_add_test(fast, test_csum_copy_copies_and_sums);
    tcase_add_test(fast, test_rfc1071_block_add_at_odd_offsets);
    suite_add_tcase(s, fast);
    return s;
}

int main(void)
{
    return harness_run_suite(checksum_suite());
}
