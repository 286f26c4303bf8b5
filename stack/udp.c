/*
 * udp.c - the User Datagram Protocol (RFC 768), as RFC 1122 4.1 asks a
 * host to run it.
 *
 * Input: check the 8-byte header (length against what IPv4 delivered,
 * checksum over the pseudo header), find the socket the datagram is for
 * by its ports and addresses, and queue it there -- or, when no socket
 * wants it, tell the sender with ICMP Port Unreachable (RFC 1122 4.1.3.1).
 *
 * Output: prepend the header, compute the checksum (RFC 1122 4.1.3.4: a
 * host MUST be able to, and glass always does) and hand the datagram to
 * IPv4.  There is no send queue: a datagram leaves (or fails) during the
 * send call itself.
 *
 * ICMP errors about datagrams we sent reach udp_icmp_error, which reports
 * them to the connected socket they concern (RFC 1122 4.1.3.3).
 */
#include "udp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "checksum.h"
#include "dhcp.h"
#include "icmp.h"
#include "ipv4.h"
#include "netif.h"
#include "offload.h"
#include "pkb.h"
#include "socket.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

/* Header fields (RFC 768 "Format"), as byte offsets. */
#define UDP_OFF_SPORT 0
#define UDP_OFF_DPORT 2
#define UDP_OFF_LEN 4
#define UDP_OFF_CSUM 6

static uint32_t ip_src(const struct pkb *pkb) { return get_addr(pkb_l3(pkb) + 12); }
static uint32_t ip_dst(const struct pkb *pkb) { return get_addr(pkb_l3(pkb) + 16); }

/* ---- input --------------------------------------------------------------- */

/* RFC 768 "Checksum": the one's complement sum of the pseudo header
 * (source, destination, protocol, UDP length) and the datagram.  A zero
 * field means the sender computed none (RFC 1122 4.1.3.4 lets a receiver
 * accept that); a datagram that carries one must sum to zero. */
static bool udp_checksum_ok(const struct pkb *pkb, size_t ulen, uint16_t *expected)
{
    const uint8_t *u = pkb->data;
    if (get_be16(u + UDP_OFF_CSUM) == 0)
        return true;
    uint32_t sum = csum_pseudo_ipv4(ip_src(pkb), ip_dst(pkb), IPPROTO_UDP_, (uint16_t)ulen);
    if (csum_finish(csum_add(sum, u, ulen)) == 0)
        return true;
    /* For the trace line: what the field should have held. */
    sum = csum_add(sum, u, UDP_OFF_CSUM);
    sum = csum_add(sum, u + UDP_HLEN, ulen - UDP_HLEN);
    uint16_t c = csum_finish(sum);
    *expected = c ? c : 0xffff;
    return false;
}

/* RFC 768: the length field counts header and data.  IPv4 already cut
 * the datagram to its total length, so the field must say exactly what
 * we hold: larger means bytes are missing, smaller means the datagram
 * disagrees with itself (Linux trims that case; we drop it and count it,
 * as a sign of a broken or hostile sender). */
static bool udp_header_valid(struct glass_stack *stack, const struct pkb *pkb)
{
    size_t len = pkb_len(pkb);
    if (len < UDP_HLEN) {
        STAT_INC(stack, udp, drop_short);
        TRACE(stack, GLASS_TRACE_UDP, "udp   drop: %zu bytes is shorter than a header", len);
        return false;
    }
    const uint8_t *u = pkb->data;
    size_t ulen = get_be16(u + UDP_OFF_LEN);
    if (ulen < UDP_HLEN || ulen != len) {
        STAT_INC(stack, udp, drop_bad_length);
        TRACE(stack, GLASS_TRACE_UDP, "udp   drop: length field %zu with %zu bytes received", ulen,
              len);
        return false;
    }
    uint16_t expected = 0;
    if (!offload_csum_trusted(stack, pkb) && /* the device vouched: offload.c */
        !udp_checksum_ok(pkb, ulen, &expected)) {
        STAT_INC(stack, udp, drop_bad_checksum);
        TRACE(stack, GLASS_TRACE_UDP, "udp   drop: checksum 0x%04x != 0x%04x from %s:%u",
              get_be16(u + UDP_OFF_CSUM), expected, ip4s(ip_src(pkb)).s,
              get_be16(u + UDP_OFF_SPORT));
        return false;
    }
    return true;
}

/* How well sk matches a datagram src:sport > dst:dport; -1 when it does
 * not.  A socket bound to the address, or connected to the sender, is
 * more specific than one bound to 0.0.0.0 (RFC 1122 leaves the choice
 * to the host; this is what Linux and the BSDs do). */
static int udp_match(const struct glass_sock *sk, uint32_t src, uint16_t sport, uint32_t dst,
                     uint16_t dport)
{
    if (sk->type != SOCK_DGRAM || sk->closed || sk->lport != dport)
        return -1;
    int score = 0;
    if (sk->laddr) {
        if (sk->laddr != dst)
            return -1;
        score += 1;
    }
    if (sk->connected) {
        if (sk->faddr != src || sk->fport != sport)
            return -1;
        score += 2;
    }
    return score;
}

/* Queue pkb (data at the payload) on sk, if SO_RCVBUF allows.  One
 * datagram always fits into an empty queue, so a tiny buffer still
 * receives; beyond that the queue is bounded in bytes.  Consumes pkb. */
static void udp_queue(struct glass_sock *sk, struct pkb *pkb)
{
    struct glass_stack *stack = sk->stack;
    size_t charge = sock_rcv_charge(pkb_len(pkb));
    if (sk->rcvq.count && sk->rcv_used + charge > (size_t)sk->rcvbuf) {
        STAT_INC(stack, udp, rcvbuf_errors);
        TRACE(stack, GLASS_TRACE_UDP,
              "udp   drop: receive queue of port %u full (%zu + %zu > SO_RCVBUF %d)",
              get_be16((const uint8_t *)&sk->lport), sk->rcv_used, charge, sk->rcvbuf);
        pkb_free(stack, pkb);
        return;
    }
    sk->rcv_used += charge;
    pkb_queue_push(&sk->rcvq, pkb);
    STAT_INC(stack, udp, delivered);
    sock_wakeup(sk);
}

/* A broadcast goes to every socket that matches (several may share the
 * port with SO_REUSEADDR), each getting its own copy. */
static unsigned udp_deliver_all(struct glass_stack *stack, struct pkb *pkb, uint32_t src,
                                uint16_t sport, uint32_t dst, uint16_t dport)
{
    unsigned n = 0;
    struct glass_sock *last = NULL;
    for (struct glass_sock *sk = stack->socks; sk; sk = sk->next) {
        if (udp_match(sk, src, sport, dst, dport) < 0)
            continue;
        if (last) {
            struct pkb *copy = pkb_copy(stack, pkb);
            if (copy)
                udp_queue(last, copy);
            else
                STAT_INC(stack, udp, drop_no_memory);
        }
        last = sk;
        n++;
    }
    if (last)
        udp_queue(last, pkb);
    return n;
}

static struct glass_sock *udp_lookup(struct glass_stack *stack, uint32_t src, uint16_t sport,
                                     uint32_t dst, uint16_t dport)
{
    struct glass_sock *best = NULL;
    int best_score = -1;
    for (struct glass_sock *sk = stack->socks; sk; sk = sk->next) {
        int score = udp_match(sk, src, sport, dst, dport);
        if (score > best_score) {
            best = sk;
            best_score = score;
        }
    }
    return best;
}

/* RFC 1122 4.1.3.1: no one listens on the port: Port Unreachable -- but
 * not for a datagram to a broadcast or multicast address (RFC 1122
 * 3.2.2; icmp_send_error enforces that and the rate limit). */
static void udp_no_port(struct glass_stack *stack, struct pkb *pkb, uint32_t src, uint16_t sport,
                        uint32_t dst, uint16_t dport)
{
    STAT_INC(stack, udp, no_port);
    TRACE(stack, GLASS_TRACE_UDP, "udp   %s:%u > %s:%u: no socket, port unreachable",
          ip4s(src).s, sport, ip4s(dst).s, dport);
    icmp_send_error(stack, pkb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
    pkb_free(stack, pkb);
}

void udp_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    STAT_INC(stack, udp, rx);
    if (!udp_header_valid(stack, pkb)) {
        pkb_free(stack, pkb);
        return;
    }
    const uint8_t *u = pkb->data;
    uint16_t sport = get_be16(u + UDP_OFF_SPORT), dport = get_be16(u + UDP_OFF_DPORT);
    uint32_t src = ip_src(pkb), dst = ip_dst(pkb);
    uint16_t dport_be;
    put_be16((uint8_t *)&dport_be, dport);
    uint16_t sport_be;
    put_be16((uint8_t *)&sport_be, sport);
    TRACE(stack, GLASS_TRACE_UDP, "udp   rx %s:%u > %s:%u len %zu", ip4s(src).s, sport,
          ip4s(dst).s, dport, pkb_len(pkb) - UDP_HLEN);
    pkb_pull(pkb, UDP_HLEN); /* the queue holds payloads; l3/l4 keep the headers */
    /* Replies to our DHCP client (RFC 2131 4.1: to port 68) go to it, not
     * to a socket, while it runs on this interface. */
    if (dport == DHCP_CLIENT_PORT && dhcp_input(nif, pkb))
        return;
    if (ipv4_is_broadcast(nif, dst) || ip4_is_multicast(dst)) {
        if (udp_deliver_all(stack, pkb, src, sport_be, dst, dport_be) == 0) {
            pkb_push(pkb, UDP_HLEN);
            udp_no_port(stack, pkb, src, sport, dst, dport);
        }
        return;
    }
    struct glass_sock *sk = udp_lookup(stack, src, sport_be, dst, dport_be);
    if (!sk) {
        pkb_push(pkb, UDP_HLEN);
        udp_no_port(stack, pkb, src, sport, dst, dport);
        return;
    }
    udp_queue(sk, pkb);
}

/* ---- output -------------------------------------------------------------- */

/* A sum that comes out as zero is sent as all ones, since zero means
 * "none" (RFC 768). */
void udp_build_header(uint8_t *u, uint16_t sport, uint16_t dport, size_t ulen, uint32_t src,
                      uint32_t dst)
{
    put_be16(u + UDP_OFF_SPORT, sport);
    put_be16(u + UDP_OFF_DPORT, dport);
    put_be16(u + UDP_OFF_LEN, (uint16_t)ulen);
    put_be16(u + UDP_OFF_CSUM, 0);
    uint32_t sum = csum_pseudo_ipv4(src, dst, IPPROTO_UDP_, (uint16_t)ulen);
    uint16_t c = csum_finish(csum_add(sum, u, ulen));
    put_be16(u + UDP_OFF_CSUM, c ? c : 0xffff);
}

static void udp_copy_iov(uint8_t *to, const struct msghdr *msg, size_t len)
{
    for (size_t i = 0; i < (size_t)msg->msg_iovlen && len; i++) {
        size_t n = GLASS_MIN(len, msg->msg_iov[i].iov_len);
        if (n)
            memcpy(to, msg->msg_iov[i].iov_base, n);
        to += n;
        len -= n;
    }
}

int udp_output(struct glass_sock *sk, const struct msghdr *msg, size_t len, uint32_t dst,
               uint16_t dport)
{
    struct glass_stack *stack = sk->stack;
    uint32_t src = sk->laddr;
    if (!src || ipv4_is_broadcast(NULL, src) || !ipv4_is_local(stack, src)) {
        /* Bound to 0.0.0.0 (or a broadcast): the route picks the source. */
        int rc = ipv4_select_source(stack, dst, &src);
        if (rc < 0)
            return rc;
    }
    size_t ulen = UDP_HLEN + len;
    struct pkb *pkb = pkb_alloc(stack, ulen);
    if (!pkb) {
        STAT_INC(stack, udp, drop_no_memory);
        return -ENOBUFS;
    }
    uint8_t *u = pkb_put(pkb, ulen);
    udp_copy_iov(u + UDP_HLEN, msg, len);
    udp_build_header(u, get_be16((const uint8_t *)&sk->lport), get_be16((const uint8_t *)&dport),
                     ulen, src, dst);
    pkb_set_l4(pkb);
    TRACE(stack, GLASS_TRACE_UDP, "udp   tx %s:%u > %s:%u len %zu", ip4s(src).s,
          get_be16((const uint8_t *)&sk->lport), ip4s(dst).s, get_be16((const uint8_t *)&dport),
          len);
    struct ipv4_tx tx = {
        .src = src, .dst = dst, .proto = IPPROTO_UDP_, .ttl = sk->ttl, .tos = sk->tos, .df = false};
    int rc = ipv4_output(stack, pkb, &tx);
    if (rc == 0)
        STAT_INC(stack, udp, tx);
    return rc;
}

/* ---- ICMP errors ------------------------------------------------------------ */

/* The errno a socket sees for an ICMP Destination Unreachable code (the
 * table Linux uses, icmp_err_convert); 0 for codes we do not report. */
static int udp_icmp_errno(uint8_t type, uint8_t code)
{
    if (type != ICMP_DEST_UNREACH)
        return 0;
    switch (code) {
    case ICMP_NET_UNREACH:
        return ENETUNREACH;
    case ICMP_HOST_UNREACH:
        return EHOSTUNREACH;
    case ICMP_PROTO_UNREACH:
        return ENOPROTOOPT;
    case ICMP_PORT_UNREACH:
        return ECONNREFUSED;
    default:
        return 0;
    }
}

/* RFC 1122 4.1.3.3: UDP MUST pass ICMP errors up to the application.
 * Like Linux (without IP_RECVERR) only a connected socket hears of them:
 * an unconnected one could not tell which of its peers the error is
 * about.  (Linux reports only the "hard" port/protocol unreachable this
 * way; glass also reports net/host unreachable, as the design asks.) */
void udp_icmp_error(struct glass_stack *stack, uint8_t type, uint8_t code, uint32_t from,
                    const uint8_t *q, size_t qhlen)
{
    int err = udp_icmp_errno(type, code);
    uint32_t src = get_addr(q + 12), dst = get_addr(q + 16);
    const uint8_t *u = q + qhlen;
    uint16_t sport_be, dport_be;
    memcpy(&sport_be, u + UDP_OFF_SPORT, 2);
    memcpy(&dport_be, u + UDP_OFF_DPORT, 2);
    if (!err)
        return;
    for (struct glass_sock *sk = stack->socks; sk; sk = sk->next) {
        if (sk->type != SOCK_DGRAM || !sk->connected || sk->closed)
            continue;
        if (sk->lport != sport_be || sk->faddr != dst || sk->fport != dport_be)
            continue;
        if (sk->laddr && sk->laddr != src)
            continue;
        STAT_INC(stack, udp, icmp_errors);
        TRACE(stack, GLASS_TRACE_UDP, "udp   %s:%u > %s:%u: ICMP %u/%u from %s -> %s",
              ip4s(src).s, get_be16(u), ip4s(dst).s, get_be16(u + 2), type, code, ip4s(from).s,
              strerror(err));
        sock_set_error(sk, err);
        return;
    }
}
