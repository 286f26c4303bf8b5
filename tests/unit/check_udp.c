/* check_udp.c - UDP (RFC 768, RFC 1122 4.1) on the wire: the exact frames
 * we send and their checksum, what we accept (a zero checksum) and drop
 * (bad checksum, lengths that lie, a truncated header), port unreachable
 * quoting the datagram, ICMP errors reported to connected sockets,
 * broadcast, the receive queue bound, and two stacks on a loop wire
 * talking through the socket API. */
#include "harness.h"

#include <errno.h>
#include <netinet/in.h>

#include "arp.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "timer.h"
#include "udp.h"

#define SEC GLASS_USEC_PER_SEC
#define IP(f) ((f) + ETH_HLEN)
#define UDPH(f) ((f) + ETH_HLEN + IPV4_HLEN)
#define SA(s) ((const struct sockaddr *)&(s))

#define ck_fail_errno(call, err)                                                                   \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long rc_ = (long)(call);                                                                   \
        int e_ = errno;                                                                            \
        ck_assert_msg(rc_ == -1 && e_ == (err), "%s: rc %ld errno %d (%s), want -1 errno %d (%s)", \
                      #call, rc_, e_, strerror(e_), (err), strerror(err));                         \
    } while (0)

/* ---- helpers: an RFC 1071 sum written here, independent of the stack ---- */

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* One's complement sum of pseudo header + UDP datagram (all of it). */
static uint16_t udp_sum(uint32_t src, uint32_t dst, const uint8_t *u, size_t ulen)
{
    uint8_t ph[12];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0;
    ph[9] = 17;
    ph[10] = (uint8_t)(ulen >> 8);
    ph[11] = (uint8_t)ulen;
    return fold(sum16(sum16(0, ph, 12), u, ulen));
}

/* A UDP datagram src:sport > dst:dport in an Ethernet frame to us, with a
 * correct checksum. */
static size_t udp_frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                        const void *data, size_t len)
{
    uint8_t u[1600];
    put_be16(u, sport);
    put_be16(u + 2, dport);
    put_be16(u + 4, (uint16_t)(UDP_HLEN + len));
    put_be16(u + 6, 0);
    memcpy(u + 8, data, len);
    uint16_t c = (uint16_t)~udp_sum(src, dst, u, UDP_HLEN + len);
    put_be16(u + 6, c ? c : 0xffff);
    return build_ipv4_frame(f, src, dst, IPPROTO_UDP_, u, UDP_HLEN + len);
}

static int udp_bound(struct glass_stack *s, const char *ip, uint16_t port)
{
    int fd = glass_socket(s, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = sin_of(ip, port);
    ck_assert_int_eq(glass_bind(fd, SA(a), sizeof a), 0);
    return fd;
}

static void set_int(int fd, int level, int name, int v)
{
    ck_assert_int_eq(glass_setsockopt(fd, level, name, &v, sizeof v), 0);
}

/* ---- sending ------------------------------------------------------------------ */

START_TEST(test_rfc768_exact_frame_sent)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, H_OUR_IP, 5000);
    set_int(fd, IPPROTO_IP, IP_TTL, 9);
    set_int(fd, IPPROTO_IP, IP_TOS, 0x10);
    struct sockaddr_in to = sin_of(H_PEER_IP, 7);
    ck_assert_int_eq(glass_sendto(fd, "hello", 5, 0, SA(to), sizeof to), 5);
    uint8_t f[2048];
    size_t n = harness_tx_pop(&h, f, sizeof f);
    ck_assert_uint_eq(n, ETH_HLEN + IPV4_HLEN + UDP_HLEN + 5);
    ck_assert_mem_eq(f, H_PEER_MAC, 6);
    ck_assert_mem_eq(f + 6, H_OUR_MAC, 6);
    ck_assert_uint_eq(get_be16(f + 12), ETH_P_IP);
    const uint8_t *ip = IP(f), *u = UDPH(f);
    ck_assert_uint_eq(ip[0], 0x45);
    ck_assert_uint_eq(ip[1], 0x10);                       /* IP_TOS */
    ck_assert_uint_eq(get_be16(ip + 2), 20 + 8 + 5);
    ck_assert_uint_eq(ip[8], 9);                          /* IP_TTL */
    ck_assert_uint_eq(ip[9], 17);
    ck_assert_uint_eq(get_addr(ip + 12), A(H_OUR_IP));
    ck_assert_uint_eq(get_addr(ip + 16), A(H_PEER_IP));
    ck_assert_uint_eq(fold(sum16(0, ip, 20)), 0xffff);    /* IP header checksum */
    const uint8_t want[] = {0x13, 0x88, 0x00, 0x07, 0x00, 0x0d};
    ck_assert_mem_eq(u, want, sizeof want);               /* 5000 > 7, length 13 */
    ck_assert_mem_eq(u + 8, "hello", 5);
    /* RFC 768: the checksum is sent, and the whole sums to all ones. */
    ck_assert_uint_ne(get_be16(u + 6), 0);
    ck_assert_uint_eq(udp_sum(A(H_OUR_IP), A(H_PEER_IP), u, 13), 0xffff);
    ck_assert_uint_eq(counter(&h, "udp.tx"), 1);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* RFC 768: a computed checksum of zero is sent as all ones, since zero
 * means "no checksum".  The payload is chosen to make the sum come out so. */
START_TEST(test_rfc768_zero_checksum_sent_as_all_ones)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, H_OUR_IP, 5000);
    uint8_t u[10] = {0x13, 0x88, 0x00, 0x07, 0x00, 0x0a, 0, 0, 0, 0};
    /* sum without the last two bytes; make them its complement so the
     * total is 0xffff and the checksum (its complement) would be 0 */
    uint16_t partial = udp_sum(A(H_OUR_IP), A(H_PEER_IP), u, 10);
    uint16_t fill = (uint16_t)~partial;
    put_be16(u + 8, fill);
    ck_assert_uint_eq(udp_sum(A(H_OUR_IP), A(H_PEER_IP), u, 10), 0xffff);
    struct sockaddr_in to = sin_of(H_PEER_IP, 7);
    ck_assert_int_eq(glass_sendto(fd, u + 8, 2, 0, SA(to), sizeof to), 2);
    uint8_t f[2048];
    ck_assert_uint_gt(harness_tx_pop(&h, f, sizeof f), 0);
    ck_assert_uint_eq(get_be16(UDPH(f) + 6), 0xffff);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_send_size_route_and_broadcast_errors)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 0);
    static uint8_t big[70000];
    struct sockaddr_in to = sin_of(H_PEER_IP, 7);
    /* MTU 1500: 1472 bytes fit one frame (1500 - 20 - 8), 1473 leave in
     * two fragments (RFC 791 3.2); past 65507 nothing can carry it. */
    ck_assert_int_eq(glass_sendto(fd, big, 1472, 0, SA(to), sizeof to), 1472);
    ck_assert_int_eq(glass_sendto(fd, big, 1473, 0, SA(to), sizeof to), 1473);
    ck_fail_errno(glass_sendto(fd, big, 65508, 0, SA(to), sizeof to), EMSGSIZE);
    ck_assert_uint_eq(harness_tx_count(&h), 3);
    /* Broadcast only with SO_BROADCAST (EACCES otherwise). */
    struct sockaddr_in all = sin_of("255.255.255.255", 9), net = sin_of("10.0.0.255", 9);
    ck_fail_errno(glass_sendto(fd, "b", 1, 0, SA(all), sizeof all), EACCES);
    ck_fail_errno(glass_sendto(fd, "b", 1, 0, SA(net), sizeof net), EACCES);
    ck_fail_errno(glass_connect(fd, SA(net), sizeof net), EACCES);
    set_int(fd, SOL_SOCKET, SO_BROADCAST, 1);
    harness_tx_clear(&h);
    ck_assert_int_eq(glass_sendto(fd, "b", 1, 0, SA(all), sizeof all), 1);
    ck_assert_int_eq(glass_sendto(fd, "b", 1, 0, SA(net), sizeof net), 1);
    uint8_t f[2048];
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_gt(harness_tx_pop(&h, f, sizeof f), 0);
        ck_assert_mem_eq(f, "\xff\xff\xff\xff\xff\xff", 6);
        ck_assert_uint_eq(get_addr(IP(f) + 12), A(H_OUR_IP));
    }
    /* No route: ENETUNREACH. */
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A(H_PEER_IP)), 0);
    struct sockaddr_in far = sin_of("192.168.1.1", 7);
    ck_fail_errno(glass_sendto(fd, "x", 1, 0, SA(far), sizeof far), ENETUNREACH);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* ---- receiving ---------------------------------------------------------------------- */

START_TEST(test_rfc768_receive_payload_and_source)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 5353);
    uint8_t f[2048];
    size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, "query", 5);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "udp.rx"), 1);
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 1);
    char buf[64];
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ck_assert_int_eq(glass_recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 5);
    ck_assert_mem_eq(buf, "query", 5);
    ck_assert_uint_eq(from.sin_family, AF_INET);
    ck_assert_uint_eq(from.sin_addr.s_addr, A(H_PEER_IP));
    ck_assert_uint_eq(ntohs(from.sin_port), 40000);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1122_4_1_3_4_zero_checksum_means_none)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 5353);
    uint8_t f[2048];
    size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, "nosum", 5);
    put_be16(UDPH(f) + 6, 0);
    harness_inject(&h, f, n);
    char buf[16];
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 5);
    ck_assert_uint_eq(counter(&h, "udp.drop_bad_checksum"), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_bad_checksum_dropped_and_counted)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 5353);
    uint8_t f[2048];
    size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, "query", 5);
    UDPH(f)[8] ^= 0x01; /* one bit of the payload */
    harness_inject(&h, f, n);
    /* The pseudo header is covered too: a datagram for another address
     * than the one summed fails. */
    n = udp_frame(f, A("10.0.0.7"), 40000, A(H_OUR_IP), 5353, "query", 5);
    put_addr(IP(f) + 12, A(H_PEER_IP));
    fix_ipv4_checksum(f);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "udp.drop_bad_checksum"), 2);
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 0);
    char buf[16];
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);
    ck_assert_uint_eq(harness_tx_count(&h), 0); /* and no ICMP about it */
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* A UDP length field that disagrees with the IP payload, or a header cut
 * short: dropped, counted, never read past. */
START_TEST(test_rfc768_bad_lengths_and_truncated_header_dropped)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 5353);
    uint8_t f[2048];
    const uint16_t lens[] = {14, 12, 7, 0, 0xffff};
    for (unsigned i = 0; i < GLASS_ARRAY_SIZE(lens); i++) {
        size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, "12345", 5);
        put_be16(UDPH(f) + 4, lens[i]);
        put_be16(UDPH(f) + 6, 0); /* no checksum: only the length is wrong */
        harness_inject(&h, f, n);
    }
    ck_assert_uint_eq(counter(&h, "udp.drop_bad_length"), GLASS_ARRAY_SIZE(lens));
    /* Headers of 0..7 bytes. */
    for (size_t cut = 0; cut < UDP_HLEN; cut++) {
        uint8_t u[8] = {0x9c, 0x40, 0x14, 0xe9, 0x00, 0x08, 0, 0};
        size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_UDP_, u, cut);
        harness_inject(&h, f, n);
    }
    ck_assert_uint_eq(counter(&h, "udp.drop_short"), UDP_HLEN);
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 0);
    ck_assert_uint_eq(counter(&h, "udp.no_port"), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    char buf[16];
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);
    /* A header alone (length 8) is a valid empty datagram. */
    size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, "", 0);
    harness_inject(&h, f, n);
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1122_4_1_3_1_port_unreachable_quotes_datagram)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t f[2048], r[2048];
    size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 9, "nobody home", 11);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "udp.no_port"), 1);
    size_t rn = harness_tx_pop(&h, r, sizeof r);
    ck_assert_uint_eq(rn, ETH_HLEN + IPV4_HLEN + ICMP_HLEN + IPV4_HLEN + 8);
    ck_assert_mem_eq(r, H_PEER_MAC, 6);
    const uint8_t *ip = IP(r), *m = IP(r) + IPV4_HLEN;
    ck_assert_uint_eq(ip[9], 1);
    ck_assert_uint_eq(get_addr(ip + 12), A(H_OUR_IP));
    ck_assert_uint_eq(get_addr(ip + 16), A(H_PEER_IP));
    ck_assert_uint_eq(m[0], 3);
    ck_assert_uint_eq(m[1], 3);
    ck_assert_uint_eq(fold(sum16(0, m, ICMP_HLEN + 28)), 0xffff);
    /* The IP header and the first 8 bytes: the UDP header with its ports. */
    ck_assert_mem_eq(m + ICMP_HLEN, IP(f), IPV4_HLEN + 8);
    ck_assert_uint_eq(counter(&h, "icmp.tx_dest_unreach"), 1);

    /* To a broadcast: no error (RFC 1122 3.2.2), still counted. */
    n = udp_frame(f, A(H_PEER_IP), 40000, A("10.0.0.255"), 9, "b", 1);
    harness_inject(&h, f, n);
    n = udp_frame(f, A(H_PEER_IP), 40000, A("255.255.255.255"), 9, "b", 1);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "udp.no_port"), 3);
    ck_assert_uint_eq(counter(&h, "icmp.error_suppressed"), 2);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* An ICMP error from the peer quoting a datagram we sent; info is the
 * second word (the next-hop MTU of fragmentation needed, RFC 1191 4). */
static void inject_icmp_about_info(struct harness *h, const uint8_t *sent, uint8_t type,
                                   uint8_t code, uint32_t info)
{
    uint8_t m[128], f[256];
    memset(m, 0, ICMP_HLEN);
    m[0] = type;
    m[1] = code;
    put_be32(m + 4, info);
    memcpy(m + ICMP_HLEN, IP(sent), IPV4_HLEN + 8);
    put_be16(m + 2, (uint16_t)~fold(sum16(0, m, ICMP_HLEN + 28)));
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, m, ICMP_HLEN + 28);
    harness_inject(h, f, n);
}

static void inject_icmp_about(struct harness *h, const uint8_t *sent, uint8_t type, uint8_t code)
{
    inject_icmp_about_info(h, sent, type, code, 0);
}

START_TEST(test_rfc1122_4_1_3_3_icmp_error_to_connected_socket)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 0);
    struct sockaddr_in peer = sin_of(H_PEER_IP, 53);
    ck_assert_int_eq(glass_connect(fd, SA(peer), sizeof peer), 0);
    ck_assert_int_eq(glass_send(fd, "q", 1, 0), 1);
    uint8_t sent[2048];
    ck_assert_uint_gt(harness_tx_pop(&h, sent, sizeof sent), 0);

    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
    ck_assert_uint_eq(counter(&h, "udp.icmp_errors"), 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ck_assert_int_eq(glass_poll(&p, 1, 0), 1);
    ck_assert_int_eq(p.revents, POLLERR);
    /* The next call reports it, once. */
    ck_fail_errno(glass_send(fd, "q", 1, 0), ECONNREFUSED);
    ck_assert_int_eq(glass_send(fd, "q", 1, 0), 1);
    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
    char buf[8];
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), ECONNREFUSED);
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);
    /* SO_ERROR reads and clears it. */
    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH);
    int err = 0;
    socklen_t len = sizeof err;
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, EHOSTUNREACH);
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, 0);
    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_NET_UNREACH);
    ck_fail_errno(glass_send(fd, "q", 1, 0), ENETUNREACH);
    /* Time exceeded is not reported; a quote naming another port neither. */
    inject_icmp_about(&h, sent, ICMP_TIME_EXCEEDED, 0);
    sent[ETH_HLEN + IPV4_HLEN + 1] ^= 1; /* destination port */
    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
    ck_assert_uint_eq(counter(&h, "udp.icmp_errors"), 4);
    ck_assert_int_eq(glass_send(fd, "q", 1, 0), 1);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* Linux icmp_err_convert: protocol unreachable reads ENOPROTOOPT. */
START_TEST(test_rfc1122_4_1_3_3_protocol_unreachable_is_enoprotoopt)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 0);
    struct sockaddr_in peer = sin_of(H_PEER_IP, 53);
    ck_assert_int_eq(glass_connect(fd, SA(peer), sizeof peer), 0);
    ck_assert_int_eq(glass_send(fd, "q", 1, 0), 1);
    uint8_t sent[2048];
    ck_assert_uint_gt(harness_tx_pop(&h, sent, sizeof sent), 0);
    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH);
    char buf[8];
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), ENOPROTOOPT);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* What glass-traceroute relies on: ICMP errors quoting a UDP datagram we
 * sent reach the ICMP listener, with the quoted ports and destination, even
 * from an unconnected socket; time exceeded too (RFC 792), and the
 * next-hop MTU of fragmentation needed (RFC 1191 4). */
#define MAX_HEARD 4
struct heard_udp {
    unsigned n;
    struct glass_icmp_event ev[MAX_HEARD];
};

static void udp_listener(void *arg, const struct glass_icmp_event *ev)
{
    struct heard_udp *l = arg;
    ck_assert_uint_lt(l->n, MAX_HEARD);
    l->ev[l->n] = *ev;
    l->ev[l->n].data = NULL; /* ev->data lives only during the call */
    l->n++;
}

START_TEST(test_rfc792_errors_quoting_udp_reach_the_icmp_listener)
{
    struct harness h;
    struct heard_udp heard = {0};
    harness_init(&h);
    harness_learn_peer(&h);
    glass_icmp_set_listener(h.stack, udp_listener, &heard);
    int fd = udp_bound(h.stack, "0.0.0.0", 40000);
    set_int(fd, IPPROTO_IP, IP_TTL, 1);
    struct sockaddr_in probe = sin_of(H_PEER_IP, 33434);
    ck_assert_int_eq(glass_sendto(fd, "probe", 5, 0, SA(probe), sizeof probe), 5);
    uint8_t sent[2048];
    ck_assert_uint_gt(harness_tx_pop(&h, sent, sizeof sent), 0);
    ck_assert_uint_eq(IP(sent)[8], 1); /* the TTL traceroute asked for */

    inject_icmp_about(&h, sent, ICMP_TIME_EXCEEDED, 0);
    ck_assert_uint_eq(heard.n, 1);
    ck_assert_uint_eq(heard.ev[0].type, ICMP_TIME_EXCEEDED);
    ck_assert_uint_eq(heard.ev[0].code, 0);
    ck_assert_uint_eq(heard.ev[0].from, A(H_PEER_IP));
    ck_assert_uint_eq(heard.ev[0].proto, IPPROTO_UDP);
    ck_assert_uint_eq(heard.ev[0].orig_dst, A(H_PEER_IP));
    ck_assert_uint_eq(heard.ev[0].sport, 40000);
    ck_assert_uint_eq(heard.ev[0].dport, 33434);
    ck_assert_uint_eq(heard.ev[0].next_hop_mtu, 0);
    ck_assert_uint_eq(heard.ev[0].len, IPV4_HLEN + 8);

    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
    inject_icmp_about_info(&h, sent, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1280);
    ck_assert_uint_eq(heard.n, 3);
    ck_assert_uint_eq(heard.ev[1].code, ICMP_PORT_UNREACH);
    ck_assert_uint_eq(heard.ev[1].dport, 33434);
    ck_assert_uint_eq(heard.ev[2].code, ICMP_FRAG_NEEDED);
    ck_assert_uint_eq(heard.ev[2].next_hop_mtu, 1280);
    /* the unconnected socket itself hears nothing (Linux without IP_RECVERR) */
    ck_assert_uint_eq(counter(&h, "udp.icmp_errors"), 0);

    /* A quote of a datagram that did not come from us is not reported. */
    put_addr(IP(sent) + 12, A("10.0.0.77"));
    inject_icmp_about(&h, sent, ICMP_TIME_EXCEEDED, 0);
    ck_assert_uint_eq(heard.n, 3);
    glass_icmp_set_listener(h.stack, NULL, NULL);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* Unconnected sockets do not hear of ICMP errors (Linux without IP_RECVERR). */
START_TEST(test_icmp_error_ignored_by_unconnected_socket)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 0);
    struct sockaddr_in peer = sin_of(H_PEER_IP, 53);
    ck_assert_int_eq(glass_sendto(fd, "q", 1, 0, SA(peer), sizeof peer), 1);
    uint8_t sent[2048];
    ck_assert_uint_gt(harness_tx_pop(&h, sent, sizeof sent), 0);
    inject_icmp_about(&h, sent, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
    ck_assert_uint_eq(counter(&h, "udp.icmp_errors"), 0);
    ck_assert_int_eq(glass_sendto(fd, "q", 1, 0, SA(peer), sizeof peer), 1);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* ARP never answers: the datagram is dropped with a host unreachable to
 * ourselves, which the connected socket reports as EHOSTUNREACH. */
START_TEST(test_arp_failure_reported_as_ehostunreach)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 0);
    struct sockaddr_in peer = sin_of("10.0.0.77", 53);
    ck_assert_int_eq(glass_connect(fd, SA(peer), sizeof peer), 0);
    ck_assert_int_eq(glass_send(fd, "q", 1, 0), 1);
    harness_advance(&h, 10 * SEC);
    ck_assert_uint_eq(counter(&h, "arp.resolve_failed"), 1);
    ck_fail_errno(glass_send(fd, "q", 1, 0), EHOSTUNREACH);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* To a closed port of our own: ECONNREFUSED without a wire. */
START_TEST(test_closed_local_port_refused)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 0);
    struct sockaddr_in self = sin_of(H_OUR_IP, 9);
    ck_assert_int_eq(glass_connect(fd, SA(self), sizeof self), 0);
    ck_assert_int_eq(glass_send(fd, "q", 1, 0), 1);
    harness_advance(&h, 1);
    char buf[4];
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), ECONNREFUSED);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_connected_socket_filters_by_peer)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 6000);
    struct sockaddr_in peer = sin_of(H_PEER_IP, 53);
    ck_assert_int_eq(glass_connect(fd, SA(peer), sizeof peer), 0);
    uint8_t f[2048];
    size_t n = udp_frame(f, A(H_PEER_IP), 54, A(H_OUR_IP), 6000, "other", 5);
    harness_inject(&h, f, n);
    n = udp_frame(f, A("10.0.0.3"), 53, A(H_OUR_IP), 6000, "other", 5);
    harness_inject(&h, f, n);
    n = udp_frame(f, A(H_PEER_IP), 53, A(H_OUR_IP), 6000, "peer", 4);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 1);
    ck_assert_uint_eq(counter(&h, "udp.no_port"), 2);
    char buf[8];
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 4);
    ck_assert_mem_eq(buf, "peer", 4);
    /* A more specific socket wins over a wildcard one on the same port. */
    int wild = udp_bound(h.stack, "0.0.0.0", 7000);
    set_int(wild, SOL_SOCKET, SO_REUSEADDR, 1);
    int spec = glass_socket(h.stack, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    set_int(spec, SOL_SOCKET, SO_REUSEADDR, 1);
    struct sockaddr_in a = sin_of(H_OUR_IP, 7000);
    ck_assert_int_eq(glass_bind(spec, SA(a), sizeof a), 0);
    n = udp_frame(f, A(H_PEER_IP), 53, A(H_OUR_IP), 7000, "s", 1);
    harness_inject(&h, f, n);
    ck_assert_int_eq(glass_recv(spec, buf, sizeof buf, 0), 1);
    ck_fail_errno(glass_recv(wild, buf, sizeof buf, 0), EAGAIN);
    /* A broadcast reaches every socket on the port (not the one bound to
     * the unicast address). */
    n = udp_frame(f, A(H_PEER_IP), 53, A("10.0.0.255"), 7000, "B", 1);
    harness_inject(&h, f, n);
    ck_assert_int_eq(glass_recv(wild, buf, sizeof buf, 0), 1);
    ck_fail_errno(glass_recv(spec, buf, sizeof buf, 0), EAGAIN);
    ck_assert_int_eq(glass_close(wild), 0);
    ck_assert_int_eq(glass_close(spec), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_broadcast_delivered_to_every_reuseaddr_socket)
{
    struct harness h;
    harness_init(&h);
    int s[3];
    for (int i = 0; i < 3; i++) {
        s[i] = glass_socket(h.stack, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        set_int(s[i], SOL_SOCKET, SO_REUSEADDR, 1);
        struct sockaddr_in a = sin_of("0.0.0.0", 6700);
        ck_assert_int_eq(glass_bind(s[i], SA(a), sizeof a), 0);
    }
    uint8_t f[2048];
    size_t n = udp_frame(f, A(H_PEER_IP), 6700, A("255.255.255.255"), 6700, "hi all", 6);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 3);
    char buf[8];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(glass_recv(s[i], buf, sizeof buf, 0), 6);
        ck_assert_mem_eq(buf, "hi all", 6);
        ck_assert_int_eq(glass_close(s[i]), 0);
    }
    harness_fini(&h);
}
END_TEST

/* SO_RCVBUF bounds the queue: payload + SOCK_RCV_OVERHEAD per datagram;
 * one datagram always fits into an empty queue. */
START_TEST(test_receive_queue_bound_by_so_rcvbuf)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(h.stack, "0.0.0.0", 5353);
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 1); /* -> SOCK_MIN_RCVBUF (2304) */
    static uint8_t data[1000];
    uint8_t f[2048];
    for (int i = 0; i < 3; i++) {
        memset(data, 'a' + i, sizeof data);
        size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, data, sizeof data);
        harness_inject(&h, f, n);
    }
    /* 1256 fits the empty queue; 1256 + 1256 > 2304: dropped. */
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 1);
    ck_assert_uint_eq(counter(&h, "udp.rcvbuf_errors"), 2);
    char buf[1200];
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 1000);
    ck_assert_uint_eq((uint8_t)buf[0], 'a');
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);
    /* Small ones: 2304 / (100 + 256) = 6 fit. */
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 1);
    for (int i = 0; i < 10; i++) {
        size_t n = udp_frame(f, A(H_PEER_IP), 40000, A(H_OUR_IP), 5353, data, 100);
        harness_inject(&h, f, n);
    }
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 1 + 6);
    ck_assert_uint_eq(counter(&h, "udp.rcvbuf_errors"), 2 + 4);
    ck_assert_int_eq(glass_close(fd), 0); /* queued datagrams freed (leak check) */
    harness_fini(&h);
}
END_TEST

/* ---- two stacks on a loop wire ----------------------------------------------------------- */

struct pair {
    struct glass_clock *clock;
    struct glass_loop_wire *wire;
    struct glass_stack *s[2];
};

static void pair_settle(struct pair *p)
{
    for (int round = 0; round < 1000; round++) {
        int work = glass_stack_poll(p->s[0], 0) + glass_stack_poll(p->s[1], 0);
        if (work == 0)
            return;
    }
    ck_abort_msg("stacks kept busy");
}

START_TEST(test_two_stacks_exchange_datagrams)
{
    struct pair p;
    p.clock = glass_clock_new_virtual(SEC);
    p.wire = glass_loop_wire_new(3);
    const char *ip[2] = {"10.9.0.1", "10.9.0.2"};
    for (int i = 0; i < 2; i++) {
        p.s[i] = glass_stack_new(p.clock);
        struct glass_netif *nif = glass_loop_attach(p.s[i], p.wire, "loop0");
        ck_assert_ptr_nonnull(nif);
        const uint8_t mac[6] = {0x02, 0, 0, 0, 9, (uint8_t)(i + 1)};
        ck_assert_int_eq(glass_netif_set_mac(nif, mac), 0);
        ck_assert_int_eq(glass_netif_add_addr(nif, A(ip[i]), 24), 0);
        ck_assert_int_eq(glass_netif_up(nif), 0);
    }
    pair_settle(&p);
    int server = udp_bound(p.s[1], "0.0.0.0", 7);
    int client = glass_socket(p.s[0], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = sin_of(ip[1], 7);
    ck_assert_int_eq(glass_connect(client, SA(to), sizeof to), 0);
    char buf[256], msg[64];
    for (int k = 0; k < 20; k++) {
        int len = snprintf(msg, sizeof msg, "datagram number %d", k);
        ck_assert_int_eq(glass_send(client, msg, (size_t)len, 0), len);
        pair_settle(&p); /* ARP on the first, then the datagram */
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = glass_recvfrom(server, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        ck_assert_int_eq(n, len);
        ck_assert_mem_eq(buf, msg, (size_t)len);
        ck_assert_uint_eq(from.sin_addr.s_addr, A(ip[0]));
        /* echo it back to where it came from */
        ck_assert_int_eq(glass_sendto(server, buf, (size_t)n, 0, SA(from), flen), n);
        pair_settle(&p);
        ck_assert_int_eq(glass_recv(client, buf, sizeof buf, 0), len);
        ck_assert_mem_eq(buf, msg, (size_t)len);
    }
    /* The server goes away: the client hears "connection refused". */
    ck_assert_int_eq(glass_close(server), 0);
    ck_assert_int_eq(glass_send(client, "anyone?", 7, 0), 7);
    pair_settle(&p);
    ck_fail_errno(glass_recv(client, buf, sizeof buf, 0), ECONNREFUSED);
    ck_assert_uint_eq(glass_stat(p.s[1], "udp.no_port"), 1);
    ck_assert_uint_eq(glass_stat(p.s[0], "udp.icmp_errors"), 1);
    /* client left open: torn down with its stack */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(glass_stack_free(p.s[i]), 0);
    glass_loop_wire_free(p.wire);
    glass_clock_free(p.clock);
}
END_TEST

static Suite *udp_suite(void)
{
    Suite *s = suite_create("udp");
    TCase *out = tcase_create("output");
    tcase_add_test(out, test_rfc768_exact_frame_sent);
    tcase_add_test(out, test_rfc768_zero_checksum_sent_as_all_ones);
    tcase_add_test(out, test_send_size_route_and_broadcast_errors);
    suite_add_tcase(s, out);
    TCase *in = tcase_create("input");
    tcase_add_test(in, test_rfc768_receive_payload_and_source);
    tcase_add_test(in, test_rfc1122_4_1_3_4_zero_checksum_means_none);
    tcase_add_test(in, test_bad_checksum_dropped_and_counted);
    tcase_add_test(in, test_rfc768_bad_lengths_and_truncated_header_dropped);
    tcase_add_test(in, test_rfc1122_4_1_3_1_port_unreachable_quotes_datagram);
    tcase_add_test(in, test_connected_socket_filters_by_peer);
    tcase_add_test(in, test_broadcast_delivered_to_every_reuseaddr_socket);
    tcase_add_test(in, test_receive_queue_bound_by_so_rcvbuf);
    suite_add_tcase(s, in);
    TCase *icmp = tcase_create("icmp");
    tcase_add_test(icmp, test_rfc1122_4_1_3_3_icmp_error_to_connected_socket);
    tcase_add_test(icmp, test_icmp_error_ignored_by_unconnected_socket);
    tcase_add_test(icmp, test_rfc1122_4_1_3_3_protocol_unreachable_is_enoprotoopt);
    tcase_add_test(icmp, test_rfc792_errors_quoting_udp_reach_the_icmp_listener);
    tcase_add_test(icmp, test_arp_failure_reported_as_ehostunreach);
    tcase_add_test(icmp, test_closed_local_port_refused);
    suite_add_tcase(s, icmp);
    TCase *wire = tcase_create("wire");
    tcase_add_test(wire, test_two_stacks_exchange_datagrams);
    suite_add_tcase(s, wire);
    return s;
}

int main(void)
{
    return harness_run_suite(udp_suite());
}
