/*
 * check_offload.c - the TAP offloads (issue 8 "Moving bytes"):
 *   - the virtio-net header parser and builder (drivers/tap_vnet.c), with
 *     hostile headers: refused, never trusted;
 *   - receive: a checksum the device vouched for (DATA_VALID, NEEDS_CSUM)
 *     is not verified again, one that it did not is; a GSO frame larger
 *     than the MTU is one TCP segment of many MSS (offload.c, tcp_input);
 *   - send: with TSO4 on the interface, tcp_output sends one super-segment
 *     of many MSS with a partial checksum and the vnet header the kernel
 *     needs to cut it (tcp_tso.c); Nagle still holds a short tail; and
 *     without the feature nothing changes (one MSS per segment);
 *   - a partial checksum on a link without checksum offload is completed
 *     in software (netif_output -> offload_tx_prepare), and a super-segment
 *     on a link without TSO is cut in software (offload_gso.c).
 */
#include "tcp_harness.h"

#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "ipv4.h"
#include "offload.h"
#include "stack.h"
#include "tap_vnet.h"
#include "tcp.h"

#define ISS 1000000u
#define IRS 7000000u
#define MSS 1460u
#define LPORT 80
#define PPORT 40000
#define ALL_OFFLOADS (NETIF_F_RX_CSUM_TRUSTED | NETIF_F_TX_CSUM_PARTIAL | NETIF_F_TSO4)

static struct harness H;
static struct tcp_h_conn C;
static struct tseg S;

/* ---- a fake device that does what the kernel behind a tap does --------- */

/* The vnet header the tap driver would have written for each frame, and
 * the frame is then finished as the kernel would (checksum completed), so
 * tx_pop_tcp's checksum assertion proves the partial sum was right. */
#define MAX_HDRS 64
static uint8_t vnet_hdrs[MAX_HDRS][TAP_VNET_HLEN];
static size_t n_hdrs;
static struct glass_netif_ops wrap_ops;
static int (*fake_transmit)(struct glass_netif *, struct pkb *);

static int device_transmit(struct glass_netif *nif, struct pkb *pkb)
{
    ck_assert_uint_lt(n_hdrs, MAX_HDRS);
    tap_vnet_build(vnet_hdrs[n_hdrs++], pkb);
    offload_csum_complete(nif->stack, pkb);
    return fake_transmit(nif, pkb);
}

static void setup(void)
{
    harness_init(&H);
    ck_assert_int_eq(glass_arp_add_static(H.stack, H.nif, A(H_PEER_IP), H_PEER_MAC), 0);
    wrap_ops = *H.nif->ops;
    fake_transmit = wrap_ops.transmit;
    wrap_ops.transmit = device_transmit;
    H.nif->ops = &wrap_ops;
    n_hdrs = 0;
    memset(&C, 0, sizeof C);
    C.h = &H;
    C.lport = LPORT;
    C.pport = PPORT;
    C.wnd = 65535;
    C.irs = IRS;
    C.snd_nxt = IRS + 1;
}

static void teardown(void) { harness_fini(&H); }

static void lock(void) { glass_stack_lock(H.stack); }
static void unlock(void) { glass_stack_unlock(H.stack); }

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void put_hdr(uint8_t *h, uint8_t flags, uint8_t gso_type, uint16_t hdr_len,
                    uint16_t gso_size, uint16_t csum_start, uint16_t csum_offset)
{
    uint16_t v[4] = {hdr_len, gso_size, csum_start, csum_offset};
    h[0] = flags;
    h[1] = gso_type;
    for (int i = 0; i < 4; i++) {
        h[2 + 2 * i] = (uint8_t)v[i];
        h[3 + 2 * i] = (uint8_t)(v[i] >> 8);
    }
}

/* ---- the vnet header (virtio 1.x 5.1.6) ------------------------------------ */

START_TEST(vnet_parse_accepts_what_the_kernel_sends)
{
    uint8_t h[TAP_VNET_HLEN];
    struct tap_vnet_hdr v;
    put_hdr(h, 0, TAP_VNET_GSO_NONE, 0, 0, 0, 0);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_OK);
    put_hdr(h, TAP_VNET_F_DATA_VALID, TAP_VNET_GSO_NONE, 0, 0, 0, 0);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_OK);
    ck_assert_uint_eq(v.flags, TAP_VNET_F_DATA_VALID);
    /* A 64 KiB GSO frame from a local sender: NEEDS_CSUM at the TCP
     * header (14 + 20), field at +16. */
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, TAP_VNET_GSO_TCPV4, 66, 1448, 34, 16);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 65535 + 14, &v), TAP_VNET_OK);
    ck_assert_uint_eq(v.gso_type, TAP_VNET_GSO_TCPV4);
    ck_assert_uint_eq(v.gso_size, 1448);
    ck_assert_uint_eq(v.hdr_len, 66);
    ck_assert_uint_eq(v.csum_start, 34);
    ck_assert_uint_eq(v.csum_offset, 16);
}
END_TEST

START_TEST(vnet_parse_refuses_hostile_headers)
{
    uint8_t h[TAP_VNET_HLEN] = {0};
    struct tap_vnet_hdr v;
    ck_assert_int_eq(tap_vnet_parse(h, 9, 60, &v), TAP_VNET_SHORT);
    put_hdr(h, 0x04, 0, 0, 0, 0, 0);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_BAD_FLAGS);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, TAP_VNET_GSO_TCPV4, 54, 0, 34, 16);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 3000, &v), TAP_VNET_BAD_GSO_SIZE);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 3 /* UDP */, 42, 1472, 34, 6);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 3000, &v), TAP_VNET_BAD_GSO_TYPE);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 4 /* TCPV6 */, 74, 1440, 54, 16);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 3000, &v), TAP_VNET_BAD_GSO_TYPE);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, TAP_VNET_GSO_TCPV4 | TAP_VNET_GSO_ECN, 54, 1460, 34, 16);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 3000, &v), TAP_VNET_ECN);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, TAP_VNET_GSO_TCPV4, 3001, 1460, 34, 16);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 3000, &v), TAP_VNET_BAD_HDR_LEN);
    /* The checksum field must lie inside the frame: start past the end,
     * offset past the end, the field's second byte past the end, and an
     * offset that wraps a 16-bit sum. */
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 0, 0, 0, 60, 0);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_BAD_CSUM);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 0, 0, 0, 34, 40);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_BAD_CSUM);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 0, 0, 0, 34, 25);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_BAD_CSUM);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 0, 0, 0, 0xffff, 0xffff);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_BAD_CSUM);
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 0, 0, 0, 0, 16);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_BAD_CSUM);
    /* Just fits: the field's last byte is the frame's last byte. */
    put_hdr(h, TAP_VNET_F_NEEDS_CSUM, 0, 0, 0, 34, 24);
    ck_assert_int_eq(tap_vnet_parse(h, sizeof h, 60, &v), TAP_VNET_OK);
}
END_TEST

START_TEST(vnet_apply_marks_the_pkb)
{
    struct tap_vnet_hdr v = {.flags = TAP_VNET_F_NEEDS_CSUM,
                             .gso_type = TAP_VNET_GSO_TCPV4,
                             .gso_size = 1460,
                             .csum_start = 34,
                             .csum_offset = 16};
    struct pkb *p = pkb_alloc(H.stack, 100);
    pkb_put(p, 100);
    tap_vnet_apply(p, &v);
    ck_assert_uint_eq(p->csum, PKB_CSUM_PARTIAL);
    ck_assert_uint_eq(p->csum_start, PKB_HEADROOM + 34);
    ck_assert_uint_eq(p->csum_off, 16);
    ck_assert_uint_eq(p->gso_size, 1460);
    v = (struct tap_vnet_hdr){.flags = TAP_VNET_F_DATA_VALID};
    tap_vnet_apply(p, &v);
    ck_assert_uint_eq(p->csum, PKB_CSUM_VERIFIED);
    ck_assert_uint_eq(p->gso_size, 0);
    v = (struct tap_vnet_hdr){0};
    tap_vnet_apply(p, &v);
    ck_assert_uint_eq(p->csum, PKB_CSUM_NONE);
    pkb_free(H.stack, p);
}
END_TEST

/* ---- receive -------------------------------------------------------------------- */

/* Inject a frame marked as the tap driver marks it. */
static void inject_marked(const uint8_t *frame, size_t len, uint8_t csum, size_t csum_at,
                          uint16_t gso_size)
{
    struct pkb *p = pkb_from(H.stack, frame, len);
    ck_assert_ptr_nonnull(p);
    p->csum = csum;
    p->csum_start = (uint16_t)(pkb_headroom(p) + csum_at);
    p->csum_off = TCP_OFF_CSUM;
    p->gso_size = gso_size;
    lock();
    netif_input(H.nif, p);
    unlock();
    glass_stack_poll(H.stack, 0);
}

/* A data segment from the peer whose TCP checksum field holds only the
 * pseudo-header sum, as a local Linux sender leaves it (CHECKSUM_PARTIAL). */
static size_t partial_segment(uint8_t *buf, uint32_t seq, size_t dlen)
{
    uint8_t *data = malloc(dlen);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < dlen; i++)
        data[i] = (uint8_t)(i % 253);
    size_t n = build_tcp_frame(buf, A(H_PEER_IP), A(H_OUR_IP), PPORT, LPORT, seq, C.rcv_nxt,
                               TCP_ACK, C.wnd, NULL, 0, data, dlen);
    free(data);
    uint32_t sum = csum_pseudo_ipv4(A(H_PEER_IP), A(H_OUR_IP), IPPROTO_TCP_,
                                    (uint16_t)(TCP_HLEN + dlen));
    put_be16(buf + TF_TCP + TCP_OFF_CSUM, (uint16_t)~csum_finish(sum));
    return n;
}

START_TEST(rx_gso_frame_is_one_segment_of_many_mss)
{
    tcp_h_listen_tcb(&H, LPORT, 4);
    struct tcp_cb *t = tcp_h_handshake_passive(&C);
    uint32_t rcv0 = t->rcv_nxt;
    static uint8_t frame[14 + 20 + 20 + 10000];
    /* 10000 bytes: far over the 1500-byte MTU, one IPv4 datagram. */
    size_t n = partial_segment(frame, C.snd_nxt, 10000);
    inject_marked(frame, n, PKB_CSUM_PARTIAL, TF_TCP, 1460);
    ck_assert_uint_eq(t->rcv_nxt, rcv0 + 10000);
    ck_assert_uint_eq(counter(&H, "link.csum_trusted"), 1);
    ck_assert_uint_eq(counter(&H, "tcp.drop_bad_checksum"), 0);
    /* Six full segments' worth: RFC 1122 4.2.3.2 wants an ACK now, not
     * after the delayed-ACK timer. */
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.ack, rcv0 + 10000);
}
END_TEST

START_TEST(rx_checksum_checked_unless_the_device_vouched)
{
    tcp_h_listen_tcb(&H, LPORT, 4);
    struct tcp_cb *t = tcp_h_handshake_passive(&C);
    uint32_t rcv0 = t->rcv_nxt;
    static uint8_t frame[14 + 20 + 20 + 100];
    size_t n = partial_segment(frame, C.snd_nxt, 100);
    /* Not marked: the partial field is a wrong checksum. */
    inject_marked(frame, n, PKB_CSUM_NONE, 0, 0);
    ck_assert_uint_eq(counter(&H, "tcp.drop_bad_checksum"), 1);
    /* Marked partial, but at another header than TCP's: not trusted. */
    inject_marked(frame, n, PKB_CSUM_PARTIAL, TF_IP, 0);
    ck_assert_uint_eq(counter(&H, "tcp.drop_bad_checksum"), 2);
    ck_assert_uint_eq(t->rcv_nxt, rcv0);
    /* DATA_VALID: the device checked it; taken as it is. */
    inject_marked(frame, n, PKB_CSUM_VERIFIED, 0, 0);
    ck_assert_uint_eq(counter(&H, "tcp.drop_bad_checksum"), 2);
    ck_assert_uint_eq(counter(&H, "link.csum_trusted"), 1);
    ck_assert_uint_eq(t->rcv_nxt, rcv0 + 100);
}
END_TEST

/* ---- send: TSO ------------------------------------------------------------------ */

static struct tcp_cb *established_with(unsigned features)
{
    H.nif->features = features;
    struct tcp_cb *t = tcp_h_handshake_active(&C, ISS);
    n_hdrs = 0;
    return t;
}

static void queue(struct tcp_cb *t, size_t n)
{
    uint8_t *b = malloc(n);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i % 251);
    lock();
    ck_assert_uint_eq(tcp_buf_append(H.stack, &t->sndbuf, b, n), n);
    tcp_output(t);
    unlock();
    free(b);
}

START_TEST(tso_sends_one_super_segment_with_its_vnet_header)
{
    struct tcp_cb *t = established_with(ALL_OFFLOADS);
    lock();
    t->cwnd = 1u << 20; /* the window is the peer's 65535 */
    unlock();
    uint64_t partial0 = counter(&H, "link.csum_partial_tx"); /* SYN and ACK were too */
    queue(t, 100000);
    /* 65535 - 20 - 60 bytes of room: 44 whole MSS. */
    ck_assert(tx_pop_tcp(&H, &S)); /* checksum asserted after completion */
    ck_assert_uint_eq(S.seq, ISS + 1);
    ck_assert_uint_eq(S.dlen, 44 * MSS);
    ck_assert_uint_eq(S.ip_frag & 0x4000, 0x4000); /* DF (RFC 1191 3) */
    const uint8_t *h = vnet_hdrs[0];
    ck_assert_uint_eq(h[0], TAP_VNET_F_NEEDS_CSUM);
    ck_assert_uint_eq(h[1], TAP_VNET_GSO_TCPV4);
    ck_assert_uint_eq(le16(h + 2), 14 + 20 + 20); /* hdr_len */
    ck_assert_uint_eq(le16(h + 4), MSS);          /* gso_size */
    ck_assert_uint_eq(le16(h + 6), 14 + 20);      /* csum_start: the TCP header */
    ck_assert_uint_eq(le16(h + 8), TCP_OFF_CSUM);
    /* The rest of the window: 65535 - 64240 = 1295 bytes, less than an
     * MSS with data in flight: sender SWS avoidance holds it. */
    ck_assert(!tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(counter(&H, "link.tso_tx"), 1);
    ck_assert_uint_eq(counter(&H, "link.csum_partial_tx"), partial0 + 1);
}
END_TEST

START_TEST(tso_keeps_nagle_on_the_tail)
{
    struct tcp_cb *t = established_with(ALL_OFFLOADS);
    /* One byte in flight, then 3 MSS + 100: the 100-byte tail waits
     * (RFC 896 / RFC 1122 4.2.3.4), the 3 MSS go as one super-segment. */
    queue(t, 1);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.dlen, 1);
    queue(t, 3 * MSS + 100);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.dlen, 3 * MSS);
    ck_assert_uint_eq(le16(vnet_hdrs[1] + 4), MSS);
    ck_assert(!tx_pop_tcp(&H, &S));
    /* Nothing in flight any more: all of it may go, tail included. */
    uint8_t f[80];
    size_t n = build_tcp_frame(f, A(H_PEER_IP), A(H_OUR_IP), PPORT, LPORT, C.snd_nxt,
                               ISS + 2 + 3 * MSS, TCP_ACK, 65535, NULL, 0, NULL, 0);
    harness_inject(&H, f, n);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.dlen, 100);
    ck_assert_uint_eq(vnet_hdrs[2][1], TAP_VNET_GSO_NONE); /* not over one MSS */
}
END_TEST

START_TEST(no_tso_without_the_feature)
{
    struct tcp_cb *t = established_with(0);
    queue(t, 3 * MSS);
    for (int i = 0; i < 3; i++) {
        ck_assert(tx_pop_tcp(&H, &S));
        ck_assert_uint_eq(S.dlen, MSS);
        ck_assert_uint_eq(vnet_hdrs[i][0], 0); /* full checksum, no NEEDS_CSUM */
        ck_assert_uint_eq(vnet_hdrs[i][1], TAP_VNET_GSO_NONE);
    }
    ck_assert_uint_eq(counter(&H, "link.tso_tx"), 0);
}
END_TEST

/* Checksum offload without TSO: partial checksums, one MSS per segment. */
START_TEST(csum_offload_only_partial_checksums)
{
    struct tcp_cb *t = established_with(NETIF_F_TX_CSUM_PARTIAL);
    queue(t, 2 * MSS);
    ck_assert(tx_pop_tcp(&H, &S));
    ck_assert_uint_eq(S.dlen, MSS);
    ck_assert_uint_eq(vnet_hdrs[0][0], TAP_VNET_F_NEEDS_CSUM);
    ck_assert_uint_eq(vnet_hdrs[0][1], TAP_VNET_GSO_NONE);
}
END_TEST

/* A partial checksum leaving through a link that cannot finish it is
 * finished in software (what Linux's skb_checksum_help does). */
START_TEST(partial_checksum_completed_in_software_on_a_plain_link)
{
    H.nif->features = 0;
    static uint8_t frame[14 + 20 + 20 + 333];
    size_t n = partial_segment(frame, 1, 333);
    struct pkb *p = pkb_from(H.stack, frame, n);
    p->csum = PKB_CSUM_PARTIAL;
    p->csum_start = (uint16_t)(pkb_headroom(p) + TF_TCP);
    p->csum_off = TCP_OFF_CSUM;
    lock();
    ck_assert_int_eq(netif_output(H.nif, p), 0);
    unlock();
    uint8_t out[sizeof frame];
    ck_assert_uint_eq(harness_tx_pop(&H, out, sizeof out), n);
    uint32_t sum = csum_pseudo_ipv4(A(H_PEER_IP), A(H_OUR_IP), IPPROTO_TCP_, TCP_HLEN + 333);
    ck_assert_uint_eq(csum_finish(csum_add(sum, out + TF_TCP, TCP_HLEN + 333)), 0);
    ck_assert_uint_eq(counter(&H, "link.csum_sw_completed"), 1);
    ck_assert_uint_eq(vnet_hdrs[0][0], 0); /* complete now: no NEEDS_CSUM */
}
END_TEST

/* A super-segment on a link without TSO is cut in software
 * (offload_gso.c; tests/unit/check_gso.c checks every field): never put
 * on the wire whole. */
START_TEST(super_segment_cut_in_software_without_tso)
{
    H.nif->features = 0;
    static uint8_t frame[14 + 20 + 20 + 3000];
    size_t n = partial_segment(frame, 1, 3000);
    struct pkb *p = pkb_from(H.stack, frame, n);
    p->csum = PKB_CSUM_PARTIAL;
    p->csum_start = (uint16_t)(pkb_headroom(p) + TF_TCP);
    p->csum_off = TCP_OFF_CSUM;
    p->l3 = (uint16_t)(pkb_headroom(p) + TF_IP);
    p->gso_size = 1460;
    lock();
    ck_assert_int_eq(netif_output(H.nif, p), 0);
    unlock();
    ck_assert_uint_eq(harness_tx_count(&H), 3);
    size_t want[3] = {1460, 1460, 80};
    for (int i = 0; i < 3; i++) {
        ck_assert(tx_pop_tcp(&H, &S)); /* checksum asserted */
        ck_assert_uint_eq(S.dlen, want[i]);
        ck_assert_uint_eq(vnet_hdrs[i][1], TAP_VNET_GSO_NONE);
    }
    ck_assert_uint_eq(counter(&H, "link.gso_sw_segmented"), 1);
    ck_assert_uint_eq(counter(&H, "link.tso_tx"), 0);
}
END_TEST

static Suite *offload_suite(void)
{
    Suite *s = suite_create("offload");
    TCase *tc = tcase_create("vnet");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, vnet_parse_accepts_what_the_kernel_sends);
    tcase_add_test(tc, vnet_parse_refuses_hostile_headers);
    tcase_add_test(tc, vnet_apply_marks_the_pkb);
    suite_add_tcase(s, tc);
    tc = tcase_create("rx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rx_gso_frame_is_one_segment_of_many_mss);
    tcase_add_test(tc, rx_checksum_checked_unless_the_device_vouched);
    suite_add_tcase(s, tc);
    tc = tcase_create("tx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, tso_sends_one_super_segment_with_its_vnet_header);
    tcase_add_test(tc, tso_keeps_nagle_on_the_tail);
    tcase_add_test(tc, no_tso_without_the_feature);
    tcase_add_test(tc, csum_offload_only_partial_checksums);
    tcase_add_test(tc, partial_checksum_completed_in_software_on_a_plain_link);
    tcase_add_test(tc, super_segment_cut_in_software_without_tso);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return harness_run_suite(offload_suite()); }
