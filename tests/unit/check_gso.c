/*
 * check_gso.c - software GSO (stack/offload_gso.c): a TCPv4 super-segment
 * cut into the wire segments a sender without TSO would have sent, checked
 * field by field against a full recomputation:
 *   - IPv4 (RFC 791 3.1): total length, ID + i, header checksum, DF, TTL;
 *   - TCP (RFC 9293 3.1, 3.4): SEQ advanced, options copied, PSH/FIN only
 *     on the last, CWR only on the first (RFC 3168 6.1.2), the checksum
 *     over each segment (or left partial for a device);
 *   - a super-segment through a plain link arrives as segments glass's
 *     own TCP accepts;
 *   - hostile or corrupt super-segments are dropped and counted;
 *   - forwarding (RFC 1812 5.2.1, RFC 1191 4) of a GSO frame received from
 *     a tap with offloads onto a 1500- and a 1000-byte link, with and
 *     without DF.
 */
#include "tcp_harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "netif.h"
#include "offload.h"
#include "pkb.h"
#include "stack.h"
#include "tcp.h"

#define MSS 1460u
#define SEQ0 0x7ffff000u /* wraps past 2^31 on the way: seq arithmetic */
#define ID0 0xfffbu      /* the IPv4 ID wraps too */
#define BIG (10 * 1448 + 333)

static struct harness H;
static uint8_t frame[14 + 20 + 60 + 65536];
static uint8_t out[2048];

static void setup(void)
{
    harness_init(&H);
    harness_learn_peer(&H);
}

static void teardown(void) { harness_fini(&H); }

static void lock(void) { glass_stack_lock(H.stack); }
static void unlock(void) { glass_stack_unlock(H.stack); }

static uint8_t pattern(size_t i) { return (uint8_t)(i * 7 + i / 251); }

/* NOP NOP TS(10): the 12 option bytes every segment of a connection with
 * timestamps carries (RFC 7323 3.2, appendix A). */
static const uint8_t TS_OPT[12] = {1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

/* A super-segment src > dst, flags, dlen bytes of pattern, with the
 * timestamp option, IPv4 ID ID0 and DF as asked; complete checksums. */
static size_t super_segment(uint8_t *buf, uint32_t src, uint32_t dst, uint32_t seq, uint8_t flags,
                            size_t dlen, bool df)
{
    uint8_t *data = malloc(dlen ? dlen : 1);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < dlen; i++)
        data[i] = pattern(i);
    size_t n = build_tcp_frame(buf, src, dst, 40000, 80, seq, 4242, flags, 5000, TS_OPT,
                               sizeof TS_OPT, data, dlen);
    free(data);
    uint8_t *ip = buf + TF_IP;
    put_be16(ip + IPV4_OFF_ID, ID0);
    put_be16(ip + IPV4_OFF_FRAG, df ? IPV4_FLAG_DF : 0);
    put_be16(ip + IPV4_OFF_CSUM, 0);
    put_be16(ip + IPV4_OFF_CSUM, inet_checksum(ip, IPV4_HLEN));
    tcp_frame_fix_checksum(buf, n);
    return n;
}

/* A pkb as a tap with offloads hands it up (or tcp_tso.c builds it):
 * data at the Ethernet header, l3 set, gso_size, the checksum marked. */
static struct pkb *as_pkb(const uint8_t *f, size_t n, uint16_t gso_size, uint8_t csum)
{
    struct pkb *p = pkb_from(H.stack, f, n);
    ck_assert_ptr_nonnull(p);
    p->l3 = (uint16_t)(pkb_headroom(p) + TF_IP);
    p->gso_size = gso_size;
    p->csum = csum;
    if (csum == PKB_CSUM_PARTIAL) {
        /* the field holds the pseudo-header sum only (CHECKSUM_PARTIAL) */
        uint8_t *ip = p->data + TF_IP, *t = p->data + TF_TCP;
        uint32_t sum = csum_pseudo_ipv4(get_addr(ip + IPV4_OFF_SRC), get_addr(ip + IPV4_OFF_DST),
                                        IPPROTO_TCP_, (uint16_t)(n - TF_TCP));
        put_be16(t + TCP_OFF_CSUM, (uint16_t)~csum_finish(sum));
        p->csum_start = (uint16_t)(pkb_headroom(p) + TF_TCP);
        p->csum_off = TCP_OFF_CSUM;
    }
    return p;
}

/* RFC 9293 3.1: the checksum over pseudo header and segment is right. */
static void assert_tcp_csum(const uint8_t *ip, size_t tcplen)
{
    uint32_t sum = csum_pseudo_ipv4(get_addr(ip + IPV4_OFF_SRC), get_addr(ip + IPV4_OFF_DST),
                                    IPPROTO_TCP_, (uint16_t)tcplen);
    ck_assert_uint_eq(csum_finish(csum_add(sum, ip + ipv4_hlen(ip), tcplen)), 0);
}

/* Every field of segment i (of n) of super_segment(...): the whole
 * frame f (Ethernet included) of length len. */
static void assert_segment(const uint8_t *f, size_t len, const uint8_t *orig, unsigned i,
                           unsigned n, uint16_t gso, size_t total_text, uint8_t flags)
{
    const size_t hdrs = TF_TCP + TCP_HLEN + sizeof TS_OPT;
    size_t off = (size_t)i * gso;
    size_t text = i + 1 < n ? gso : total_text - off;
    ck_assert_uint_eq(len, hdrs + text);
    ck_assert_mem_eq(f, orig, 14);                            /* Ethernet copied */
    const uint8_t *ip = f + TF_IP, *t = f + TF_TCP;
    ck_assert_uint_eq(get_be16(ip + IPV4_OFF_TOTLEN), len - 14);
    ck_assert_uint_eq(get_be16(ip + IPV4_OFF_ID), (uint16_t)(ID0 + i)); /* as kernel TSO */
    ck_assert_uint_eq(inet_checksum(ip, IPV4_HLEN), 0);
    ck_assert_mem_eq(ip + IPV4_OFF_FRAG, orig + TF_IP + IPV4_OFF_FRAG, 4); /* DF, TTL, proto */
    ck_assert_mem_eq(ip + IPV4_OFF_SRC, orig + TF_IP + IPV4_OFF_SRC, 8);
    ck_assert_uint_eq(get_be32(t + TCP_OFF_SEQ), SEQ0 + (uint32_t)off);
    ck_assert_mem_eq(t, orig + TF_TCP, 4);                    /* ports */
    ck_assert_mem_eq(t + TCP_OFF_ACK, orig + TF_TCP + TCP_OFF_ACK, 5); /* ack, doff */
    ck_assert_mem_eq(t + TCP_OFF_WND, orig + TF_TCP + TCP_OFF_WND, 2);
    ck_assert_mem_eq(t + TCP_HLEN, TS_OPT, sizeof TS_OPT);    /* options on every one */
    uint8_t want = flags;
    if (i + 1 < n)
        want &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (i > 0)
        want &= (uint8_t)~TCP_CWR;
    ck_assert_msg(t[TCP_OFF_FLAGS] == want, "segment %u/%u flags 0x%02x want 0x%02x", i, n,
                  t[TCP_OFF_FLAGS], want);
    for (size_t k = 0; k < text; k++)
        ck_assert_msg(f[hdrs + k] == pattern(off + k), "segment %u byte %zu", i, k);
    assert_tcp_csum(ip, len - TF_TCP);
}

/* ---- cutting ------------------------------------------------------------- */

START_TEST(rfc9293_3_4_ten_mss_cut_into_exact_wire_segments)
{
    const uint8_t flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR | TCP_ECE;
    size_t n = super_segment(frame, A(H_OUR_IP), A(H_PEER_IP), SEQ0, flags, BIG, true);
    struct pkb *p = as_pkb(frame, n, 1448, PKB_CSUM_PARTIAL);
    struct pkb_queue q;
    lock();
    ck_assert_int_eq(offload_gso_segment(H.stack, p, false, &q), 0);
    unlock();
    ck_assert_uint_eq(q.count, 11); /* 10 full, 333 left */
    unsigned i = 0;
    struct pkb *s;
    while ((s = pkb_queue_pop(&q))) {
        ck_assert_uint_eq(s->gso_size, 0);
        ck_assert_uint_eq(s->csum, PKB_CSUM_NONE);
        ck_assert_ptr_eq(pkb_l3(s), s->data + TF_IP);
        ck_assert_ptr_eq(pkb_l4(s), s->data + TF_TCP);
        assert_segment(s->data, pkb_len(s), frame, i, 11, 1448, BIG, flags);
        pkb_free(H.stack, s);
        i++;
    }
    ck_assert_uint_eq(i, 11);
    pkb_free(H.stack, p);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 1);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segments"), 11);
}
END_TEST

/* Text an exact multiple of gso_size: no empty last segment. */
START_TEST(rfc9293_3_4_exact_multiple_has_no_empty_tail)
{
    size_t n = super_segment(frame, A(H_OUR_IP), A(H_PEER_IP), SEQ0, TCP_ACK | TCP_PSH,
                             3 * 1448, true);
    struct pkb *p = as_pkb(frame, n, 1448, PKB_CSUM_PARTIAL);
    struct pkb_queue q;
    lock();
    ck_assert_int_eq(offload_gso_segment(H.stack, p, false, &q), 0);
    unlock();
    ck_assert_uint_eq(q.count, 3);
    for (unsigned i = 0; i < 3; i++) {
        struct pkb *s = pkb_queue_pop(&q);
        assert_segment(s->data, pkb_len(s), frame, i, 3, 1448, 3 * 1448, TCP_ACK | TCP_PSH);
        pkb_free(H.stack, s);
    }
    pkb_free(H.stack, p);
}
END_TEST

/* For a device with checksum offload: each segment's field holds its own
 * pseudo-header sum, and completing it gives the right checksum. */
START_TEST(partial_checksum_per_segment_for_a_csum_device)
{
    size_t n = super_segment(frame, A(H_OUR_IP), A(H_PEER_IP), SEQ0, TCP_ACK, 2 * 1448 + 7, true);
    struct pkb *p = as_pkb(frame, n, 1448, PKB_CSUM_PARTIAL);
    struct pkb_queue q;
    lock();
    ck_assert_int_eq(offload_gso_segment(H.stack, p, true, &q), 0);
    unlock();
    ck_assert_uint_eq(q.count, 3);
    for (unsigned i = 0; i < 3; i++) {
        struct pkb *s = pkb_queue_pop(&q);
        ck_assert_uint_eq(s->csum, PKB_CSUM_PARTIAL);
        ck_assert_uint_eq(s->csum_start, s->l4);
        ck_assert_uint_eq(s->csum_off, TCP_OFF_CSUM);
        const uint8_t *ip = s->data + TF_IP;
        uint32_t sum = csum_pseudo_ipv4(get_addr(ip + IPV4_OFF_SRC), get_addr(ip + IPV4_OFF_DST),
                                        IPPROTO_TCP_, (uint16_t)(pkb_len(s) - TF_TCP));
        ck_assert_uint_eq(get_be16(s->data + TF_TCP + TCP_OFF_CSUM), (uint16_t)~csum_finish(sum));
        lock();
        offload_csum_complete(H.stack, s); /* what the device does */
        unlock();
        assert_segment(s->data, pkb_len(s), frame, i, 3, 1448, 2 * 1448 + 7, TCP_ACK);
        pkb_free(H.stack, s);
    }
    pkb_free(H.stack, p);
}
END_TEST

/* A super-segment nobody vouched for is verified before it is cut: one
 * bit flipped in the text must not come out as segments with good sums. */
START_TEST(unverified_corrupt_super_segment_dropped_not_laundered)
{
    size_t n = super_segment(frame, A(H_OUR_IP), A(H_PEER_IP), SEQ0, TCP_ACK, 4000, true);
    struct pkb_queue q = {0};
    struct pkb *p = as_pkb(frame, n, 1448, PKB_CSUM_NONE); /* a good full checksum */
    lock();
    ck_assert_int_eq(offload_gso_segment(H.stack, p, false, &q), 0);
    unlock();
    ck_assert_uint_eq(q.count, 3);
    pkb_queue_purge(H.stack, &q);
    pkb_free(H.stack, p);

    frame[TF_TCP + 40 + 2000] ^= 0x10;
    p = as_pkb(frame, n, 1448, PKB_CSUM_NONE);
    lock();
    ck_assert_int_eq(offload_gso_segment(H.stack, p, false, &q), -EINVAL);
    unlock();
    pkb_free(H.stack, p);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_bad"), 1);
}
END_TEST

/* What TSO never carries, or what is not one TCP datagram: refused. */
START_TEST(hostile_super_segments_refused_and_counted)
{
    struct pkb_queue q = {0};
    size_t n;
    struct pkb *p;
    uint64_t bad = 0;
    /* SYN, RST, URG */
    const uint8_t never[3] = {TCP_SYN, TCP_RST | TCP_ACK, TCP_URG | TCP_ACK};
    for (int k = 0; k < 3; k++) {
        n = super_segment(frame, A(H_OUR_IP), A(H_PEER_IP), SEQ0, never[k], 3000, true);
        p = as_pkb(frame, n, 1448, PKB_CSUM_PARTIAL);
        lock();
        ck_assert_int_eq(offload_gso_segment(H.stack, p, false, &q), -EINVAL);
        unlock();
        pkb_free(H.stack, p);
        ck_assert_uint_eq(counter(&H, "link.gso_sw_bad"), ++bad);
    }
    /* A fragment (MF), not TCP, total length != frame, data offset past the end. */
    for (int k = 0; k < 4; k++) {
        n = super_segment(frame, A(H_OUR_IP), A(H_PEER_IP), SEQ0, TCP_ACK, 3000, true);
        uint8_t *ip = frame + TF_IP;
        if (k == 0)
            put_be16(ip + IPV4_OFF_FRAG, IPV4_FLAG_MF);
        if (k == 1)
            ip[IPV4_OFF_PROTO] = IPPROTO_UDP_;
        if (k == 2)
            put_be16(ip + IPV4_OFF_TOTLEN, (uint16_t)(n - 14 - 1));
        p = as_pkb(frame, n, 1448, PKB_CSUM_PARTIAL);
        if (k == 3)
            pkb_trim(p, TF_TCP + 20); /* doff 8 (32 bytes) but 20 left */
        if (k == 3)
            put_be16(p->data + TF_IP + IPV4_OFF_TOTLEN, 40);
        lock();
        ck_assert_int_eq(offload_gso_segment(H.stack, p, false, &q), -EINVAL);
        unlock();
        pkb_free(H.stack, p);
        ck_assert_uint_eq(counter(&H, "link.gso_sw_bad"), ++bad);
    }
    ck_assert_uint_eq(q.count, 0);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 0);
}
END_TEST

/* ---- through a plain link, into a TCP that accepts them ------------------- */

/* The peer's super-segment leaves through the bench's plain link (no
 * TSO4: netif_output cuts it), and the wire frames recorded there, fed
 * back in, are what glass's TCP receives: in order, every byte accepted,
 * no checksum drops. */
START_TEST(plain_link_wire_segments_accepted_by_tcp)
{
    H.nif->features = 0;
    struct tcp_h_conn c = {.h = &H, .lport = 80, .pport = 40000, .wnd = 65535, .irs = 9000};
    tcp_h_listen_tcb(&H, 80, 4);
    struct tcp_cb *t = tcp_h_handshake_passive(&c);
    uint32_t rcv0 = t->rcv_nxt;
    const size_t text = 5 * MSS + 100;
    uint8_t *data = malloc(text);
    for (size_t i = 0; i < text; i++)
        data[i] = pattern(i);
    size_t n = build_tcp_frame(frame, A(H_PEER_IP), A(H_OUR_IP), c.pport, c.lport, c.snd_nxt,
                               c.rcv_nxt, TCP_ACK | TCP_PSH, 65535, NULL, 0, data, text);
    free(data);
    struct pkb *p = as_pkb(frame, n, MSS, PKB_CSUM_PARTIAL);
    lock();
    ck_assert_int_eq(netif_output(H.nif, p), 0);
    unlock();
    ck_assert_uint_eq(harness_tx_count(&H), 6);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 1);
    for (int i = 0; i < 6; i++) {
        size_t m = harness_tx_pop(&H, out, sizeof out);
        ck_assert_uint_le(m, 14 + H.nif->mtu);
        ck_assert_uint_eq(out[TF_TCP + TCP_OFF_FLAGS], i < 5 ? TCP_ACK : TCP_ACK | TCP_PSH);
        harness_inject(&H, out, m); /* the wire: full checksums, checked */
    }
    t = tcp_h_find(&H, 80, 40000);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->rcv_nxt, rcv0 + text);
    ck_assert_uint_eq(counter(&H, "tcp.drop_bad_checksum"), 0);
    ck_assert_uint_eq(counter(&H, "link.csum_trusted"), 0);
}
END_TEST

/* ---- forwarding a GSO frame (RFC 1812 5.2.1, RFC 1191 4) ----------------- */

#define SENDER "10.0.0.1"
#define FAR_HOST "192.168.5.9"
#define GW "10.0.0.3"
static const uint8_t GW_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};

static void router(unsigned mtu)
{
    ck_assert_int_eq(glass_stack_set_forwarding(H.stack, 1), 0);
    ck_assert_int_eq(glass_route_add(H.stack, A("192.168.5.0"), 24, A(GW), NULL, 0), 0);
    ck_assert_int_eq(glass_arp_add_static(H.stack, H.nif, A(GW), GW_MAC), 0);
    ck_assert_int_eq(glass_netif_set_mtu(H.nif, mtu), 0);
    H.nif->features = 0; /* a plain link out */
}

/* A GSO frame from a tap with offloads: 10000 bytes, gso_size 1448. */
static void inject_gso(bool df)
{
    size_t n = super_segment(frame, A(SENDER), A(FAR_HOST), SEQ0, TCP_ACK | TCP_PSH, 10000, df);
    struct pkb *p = as_pkb(frame, n, 1448, PKB_CSUM_PARTIAL);
    p->l3 = PKB_NO_OFFSET; /* as the driver hands it up */
    lock();
    netif_input(H.nif, p);
    unlock();
    glass_stack_poll(H.stack, 0);
}

START_TEST(rfc1812_gso_frame_forwarded_as_wire_segments_mtu_1500)
{
    router(1500);
    inject_gso(true);
    ck_assert_uint_eq(harness_tx_count(&H), 7); /* 6 x 1448 + 1312 */
    for (unsigned i = 0; i < 7; i++) {
        size_t m = harness_tx_pop(&H, out, sizeof out);
        ck_assert_uint_le(m - 14, 1500);
        ck_assert_mem_eq(out, GW_MAC, 6);
        ck_assert_uint_eq(out[TF_IP + IPV4_OFF_TTL], 63); /* RFC 1812 5.3.1 */
        /* Compare with the original but for TTL (the check above). */
        frame[TF_IP + IPV4_OFF_TTL] = 63;
        memcpy(frame, GW_MAC, 6);
        memcpy(frame + 6, out + 6, 6);
        assert_segment(out, m, frame, i, 7, 1448, 10000, TCP_ACK | TCP_PSH);
    }
    ck_assert_uint_eq(counter(&H, "ipv4.forwarded"), 1);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 1);
    ck_assert_uint_eq(counter(&H, "ipv4.fwd_frag_needed"), 0);
}
END_TEST

START_TEST(rfc1191_4_gso_frame_with_df_too_big_for_mtu_1000_frag_needed)
{
    router(1000);
    inject_gso(true);
    ck_assert_uint_eq(harness_tx_count(&H), 1);
    size_t m = harness_tx_pop(&H, out, sizeof out);
    ck_assert_uint_ge(m, 14 + 20 + 8 + 28);
    const uint8_t *ip = out + 14, *icmp = ip + 20;
    ck_assert_uint_eq(get_addr(ip + IPV4_OFF_DST), A(SENDER));
    ck_assert_uint_eq(icmp[0], ICMP_DEST_UNREACH);
    ck_assert_uint_eq(icmp[1], ICMP_FRAG_NEEDED);
    ck_assert_uint_eq(get_be16(icmp + 6), 1000); /* the next-hop MTU (RFC 1191 4) */
    ck_assert_uint_eq(counter(&H, "ipv4.fwd_frag_needed"), 1);
    ck_assert_uint_eq(counter(&H, "ipv4.forwarded"), 0);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 0);
}
END_TEST

/* Without DF: cut, then each 1520-byte segment in fragments (RFC 791
 * 3.2), each fragment within 1000 bytes, and all the text there. */
START_TEST(rfc791_gso_frame_without_df_cut_then_fragmented_mtu_1000)
{
    router(1000);
    inject_gso(false);
    size_t frames = harness_tx_count(&H);
    ck_assert_uint_eq(frames, 14); /* 7 segments, 2 fragments each */
    size_t payload = 0;
    for (size_t k = 0; k < frames; k++) {
        size_t m = harness_tx_pop(&H, out, sizeof out);
        const uint8_t *ip = out + 14;
        ck_assert_uint_le(m - 14, 1000);
        ck_assert_uint_eq(inet_checksum(ip, ipv4_hlen(ip)), 0);
        ck_assert_uint_eq(ip[IPV4_OFF_TTL], 63);
        /* fragments of segment k/2 share its ID (ID0 + k/2) */
        ck_assert_uint_eq(get_be16(ip + IPV4_OFF_ID), (uint16_t)(ID0 + k / 2));
        uint16_t frag = get_be16(ip + IPV4_OFF_FRAG);
        ck_assert_uint_eq(frag & IPV4_FLAG_MF, k % 2 == 0 ? IPV4_FLAG_MF : 0);
        payload += get_be16(ip + IPV4_OFF_TOTLEN) - ipv4_hlen(ip);
        if (k % 2 == 0) /* the first fragment holds the TCP header */
            ck_assert_uint_eq(get_be32(ip + 20 + TCP_OFF_SEQ), SEQ0 + (uint32_t)(k / 2) * 1448);
    }
    ck_assert_uint_eq(payload, 7 * (TCP_HLEN + sizeof TS_OPT) + 10000);
    ck_assert_uint_eq(counter(&H, "ipv4.fwd_fragmented"), 7);
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 1);
}
END_TEST

static Suite *gso_suite(void)
{
    Suite *s = suite_create("gso");
    TCase *tc = tcase_create("segment");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc9293_3_4_ten_mss_cut_into_exact_wire_segments);
    tcase_add_test(tc, rfc9293_3_4_exact_multiple_has_no_empty_tail);
    tcase_add_test(tc, partial_checksum_per_segment_for_a_csum_device);
    tcase_add_test(tc, unverified_corrupt_super_segment_dropped_not_laundered);
    tcase_add_test(tc, hostile_super_segments_refused_and_counted);
    tcase_add_test(tc, plain_link_wire_segments_accepted_by_tcp);
    suite_add_tcase(s, tc);
    tc = tcase_create("forward");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc1812_gso_frame_forwarded_as_wire_segments_mtu_1500);
    tcase_add_test(tc, rfc1191_4_gso_frame_with_df_too_big_for_mtu_1000_frag_needed);
    tcase_add_test(tc, rfc791_gso_frame_without_df_cut_then_fragmented_mtu_1000);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return harness_run_suite(gso_suite()); }
