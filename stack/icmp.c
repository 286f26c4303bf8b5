/*
 * icmp.c - the Internet Control Message Protocol (RFC 792) with the host
 * requirements of RFC 1122 3.2.2.
 *
 * In: answer echo requests, pass echo replies (and errors about echoes or
 * UDP datagrams we sent) to the listener glass-ping and glass-traceroute
 * install, count the rest.
 * Out: echo requests for glass-ping, and error messages about datagrams we
 * could not deliver -- but never where RFC 1122 3.2.2 forbids one (an
 * error about an error, about a broadcast, ...), and never faster than the
 * token bucket allows.
 */
#include "icmp.h"

#include <errno.h>

#include "checksum.h"
#include "ipv4.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "pmtu.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "udp.h"
#include "util.h"

/* RFC 792: how much of the offending datagram an error quotes beyond its
 * IP header ("the first 64 bits of the original data datagram"). */
#define ICMP_QUOTE_DATA 8

#define ICMP_INFO_REQUEST 15
#define ICMP_INFO_REPLY 16
#define ICMP_ADDRMASK_REQUEST 17
#define ICMP_ADDRMASK_REPLY 18

struct icmp_state {
    glass_icmp_listener listener;
    void *listener_arg;
    /* Error rate limit: a token bucket of ICMP_RATE_BURST tokens, one
     * more every ICMP_RATE_INTERVAL on the stack clock. */
    unsigned tokens;
    glass_time_t refilled;      /* time up to which tokens were credited */
};

int icmp_init(struct glass_stack *stack)
{
    struct icmp_state *st = glass_alloc(stack, sizeof(*st));
    if (!st)
        return -ENOMEM;
    st->tokens = ICMP_RATE_BURST;
    st->refilled = glass_stack_now(stack);
    stack->icmp = st;
    return 0;
}

void icmp_destroy(struct glass_stack *stack)
{
    glass_free(stack, stack->icmp);
    stack->icmp = NULL;
}

void glass_icmp_set_listener(struct glass_stack *stack, glass_icmp_listener fn, void *arg)
{
    glass_stack_lock(stack);
    stack->icmp->listener = fn;
    stack->icmp->listener_arg = arg;
    glass_stack_unlock(stack);
}

/* For trace lines: what an error type/code means (RFC 792). */
static const char *icmp_error_name(uint8_t type, uint8_t code)
{
    static const char *const unreach[] = {
        [ICMP_NET_UNREACH] = "net unreachable",
        [ICMP_HOST_UNREACH] = "host unreachable",
        [ICMP_PROTO_UNREACH] = "protocol unreachable",
        [ICMP_PORT_UNREACH] = "port unreachable",
        [ICMP_FRAG_NEEDED] = "fragmentation needed",
    };
    switch (type) {
    case ICMP_DEST_UNREACH:
        return code < GLASS_ARRAY_SIZE(unreach) ? unreach[code] : "destination unreachable";
    case ICMP_TIME_EXCEEDED:
        return "time exceeded";
    case ICMP_PARAMETER_PROBLEM:
        return "parameter problem";
    default:
        return "error";
    }
}

static void icmp_notify(struct glass_stack *stack, const struct glass_icmp_event *ev)
{
    if (stack->icmp->listener)
        stack->icmp->listener(stack->icmp->listener_arg, ev);
}

/* Checksum of an ICMP message of len bytes, written into it (RFC 792:
 * computed with the checksum field zero, over the whole message). */
static void icmp_set_checksum(uint8_t *m, size_t len)
{
    put_be16(m + 2, 0);
    put_be16(m + 2, inet_checksum(m, len));
}

/* Hand an ICMP message (pkb data) to IPv4.  Consumes pkb; 0 or -errno. */
static int icmp_output(struct glass_stack *stack, struct pkb *pkb, uint32_t src, uint32_t dst,
                       uint8_t tos, uint8_t ttl)
{
    struct ipv4_tx tx = {
        .src = src, .dst = dst, .proto = IPPROTO_ICMP_, .ttl = ttl, .tos = tos, .df = false};
    int rc = ipv4_output(stack, pkb, &tx);
    if (rc == 0)
        STAT_INC(stack, icmp, tx);
    return rc;
}

/* ---- input --------------------------------------------------------------- */

/* RFC 792: at least the 8-byte header, and a checksum over the whole
 * message that sums to zero. */
static bool icmp_message_valid(struct glass_stack *stack, const struct pkb *pkb)
{
    const uint8_t *m = pkb->data;
    size_t len = pkb_len(pkb);
    if (len < ICMP_HLEN) {
        STAT_INC(stack, icmp, drop_short);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  drop: message of %zu bytes is shorter than a header",
              len);
        return false;
    }
    if (inet_checksum(m, len) != 0) {
        uint16_t expected = csum_finish(csum_add(csum_add(0, m, 2), m + 4, len - 4));
        STAT_INC(stack, icmp, drop_bad_checksum);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  drop: checksum 0x%04x != 0x%04x", get_be16(m + 2),
              expected);
        return false;
    }
    return true;
}

/* RFC 792 "Echo or Echo Reply Message": the reply carries the request's
 * identifier, sequence number and data unchanged (RFC 1122 3.2.2.6), and
 * comes from the address the request was sent to. */
static void icmp_echo_answer(struct glass_stack *stack, const struct pkb *req, uint32_t from,
                             uint32_t to)
{
    /* RFC 1122 3.2.2.6: the data MUST be entirely included; a reply
     * larger than the MTU leaves in fragments (ipv4_frag.c).  It always
     * fits 65535: the request carried it with a header at least as long. */
    size_t len = pkb_len(req);
    struct pkb *pkb = pkb_alloc(stack, len);
    if (!pkb) {
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  echo reply to %s dropped: out of memory", ip4s(to).s);
        return;
    }
    uint8_t *m = pkb_put(pkb, len);
    memcpy(m, req->data, len);
    m[0] = ICMP_ECHO_REPLY;
    m[1] = 0;
    icmp_set_checksum(m, len);
    /* Like Linux, the reply keeps the request's type of service. */
    if (icmp_output(stack, pkb, from, to, pkb_l3(req)[1], 0) == 0)
        STAT_INC(stack, icmp, tx_echo_reply);
}

static void icmp_echo_request_input(struct glass_netif *nif, const struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    const uint8_t *ip = pkb_l3(pkb), *m = pkb->data;
    uint32_t src = get_addr(ip + 12), dst = get_addr(ip + 16);
    STAT_INC(stack, icmp, rx_echo_request);
    /* RFC 1122 3.2.2.6: an echo request to a broadcast or multicast
     * address MAY be silently discarded; we do (no smurf amplifier). */
    if (ipv4_is_broadcast(nif, dst) || ip4_is_multicast(dst)) {
        STAT_INC(stack, icmp, drop_broadcast_echo);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  drop: echo request %s > %s to a broadcast",
              ip4s(src).s, ip4s(dst).s);
        return;
    }
    TRACE(stack, GLASS_TRACE_ICMP, "icmp  echo request %s > %s id %u seq %u len %zu, replying",
          ip4s(src).s, ip4s(dst).s, get_be16(m + 4), get_be16(m + 6), pkb_len(pkb) - ICMP_HLEN);
    icmp_echo_answer(stack, pkb, dst, src);
}

static void icmp_echo_reply_input(struct glass_stack *stack, const struct pkb *pkb)
{
    const uint8_t *ip = pkb_l3(pkb), *m = pkb->data;
    struct glass_icmp_event ev = {
        .type = m[0],
        .code = m[1],
        .from = get_addr(ip + 12),
        .ttl = ip[8],
        .id = get_be16(m + 4),
        .seq = get_be16(m + 6),
        .data = m + ICMP_HLEN,
        .len = pkb_len(pkb) - ICMP_HLEN,
    };
    STAT_INC(stack, icmp, rx_echo_reply);
    TRACE(stack, GLASS_TRACE_ICMP, "icmp  echo reply from %s id %u seq %u ttl %u len %zu",
          ip4s(ev.from).s, ev.id, ev.seq, ev.ttl, ev.len);
    icmp_notify(stack, &ev);
}

/* The listener hears of an error about a datagram this host sent: an echo
 * request (glass-ping: "From 10.0.0.1 icmp_seq=3 Destination Host
 * Unreachable", matched by the echo's id and sequence) or a UDP datagram
 * (glass-traceroute: time exceeded from each router on the way, port
 * unreachable from the destination, matched by the ports).  q is the
 * quoted IPv4 header (qhlen bytes, checked) and 8 bytes of its payload. */
static void icmp_error_notify(struct glass_stack *stack, const struct pkb *pkb,
                              const uint8_t *q, size_t qhlen)
{
    const uint8_t *ip = pkb_l3(pkb), *m = pkb->data;
    const uint8_t *l4 = q + qhlen;
    if (!stack->icmp->listener || !ipv4_is_local(stack, get_addr(q + 12)))
        return;
    struct glass_icmp_event ev = {
        .type = m[0],
        .code = m[1],
        .from = get_addr(ip + 12),
        .ttl = ip[8],
        .data = q,
        .len = pkb_len(pkb) - ICMP_HLEN,
        .proto = q[9],
        .orig_dst = get_addr(q + 16),
    };
    if (m[0] == ICMP_DEST_UNREACH && m[1] == ICMP_FRAG_NEEDED)
        ev.next_hop_mtu = get_be16(m + 6);
    if (q[9] == IPPROTO_ICMP_) {
        if (l4[0] != ICMP_ECHO_REQUEST)
            return;
        ev.id = get_be16(l4 + 4);
        ev.seq = get_be16(l4 + 6);
    } else if (q[9] == IPPROTO_UDP_) {
        ev.sport = get_be16(l4);
        ev.dport = get_be16(l4 + 2);
    } else {
        return;
    }
    icmp_notify(stack, &ev);
}

/* An error quotes the datagram it is about (RFC 792): the transport that
 * sent it hears, and so does the listener (icmp_error_notify).  The quote
 * is checked before any byte of it is read. */
static void icmp_error_input(struct glass_stack *stack, const struct pkb *pkb)
{
    const uint8_t *ip = pkb_l3(pkb), *m = pkb->data;
    const uint8_t *q = m + ICMP_HLEN;
    size_t qlen = pkb_len(pkb) - ICMP_HLEN;
    TRACE(stack, GLASS_TRACE_ICMP, "icmp  %s (%u/%u) from %s", icmp_error_name(m[0], m[1]), m[0],
          m[1], ip4s(get_addr(ip + 12)).s);
    if (qlen < IPV4_HLEN || (q[0] >> 4) != 4)
        return;
    size_t qhlen = ipv4_hlen(q);
    if (qhlen < IPV4_HLEN || qlen < qhlen + ICMP_HLEN)
        return;
    /* RFC 1191 4: the next-hop MTU is in the low 16 bits of the unused
     * field; the path MTU goes down before the transport hears.  Not for
     * a quoted TCP segment: TCP lowers it itself once the quoted sequence
     * number proves the message answers a segment in flight (RFC 5927
     * 5.2), so a blind forgery cannot shrink the path for everyone. */
    unsigned next_mtu = 0;
    if (m[0] == ICMP_DEST_UNREACH && m[1] == ICMP_FRAG_NEEDED) {
        next_mtu = get_be16(m + 6);
        if (q[9] != IPPROTO_TCP_)
            pmtu_frag_needed(stack, q, next_mtu);
    }
    /* RFC 1122 3.2.2.1/4.1.3.3: the transport named in the quote hears of
     * the error; the 8 quoted bytes hold the UDP ports. */
    if (q[9] == IPPROTO_UDP_)
        udp_icmp_error(stack, m[0], m[1], get_addr(ip + 12), q, qhlen);
    else if (q[9] == IPPROTO_TCP_)
        tcp_icmp_error(stack, m[0], m[1], get_addr(ip + 12), q, qhlen, next_mtu);
    icmp_error_notify(stack, pkb, q, qhlen);
}

void icmp_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    STAT_INC(stack, icmp, rx);
    if (!icmp_message_valid(stack, pkb)) {
        pkb_free(stack, pkb);
        return;
    }
    uint8_t type = pkb->data[0];
    switch (type) {
    case ICMP_ECHO_REQUEST:
        icmp_echo_request_input(nif, pkb);
        break;
    case ICMP_ECHO_REPLY:
        icmp_echo_reply_input(stack, pkb);
        break;
    case ICMP_DEST_UNREACH:
        STAT_INC(stack, icmp, rx_dest_unreach);
        icmp_error_input(stack, pkb);
        break;
    case ICMP_TIME_EXCEEDED:
        STAT_INC(stack, icmp, rx_time_exceeded);
        icmp_error_input(stack, pkb);
        break;
    default:
        /* RFC 1122 3.2.2: an unknown type MUST be silently discarded. */
        STAT_INC(stack, icmp, rx_other);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  type %u code %u from %s ignored", type,
              pkb->data[1], ip4s(get_addr(pkb_l3(pkb) + 12)).s);
        break;
    }
    pkb_free(stack, pkb);
}

/* ---- errors we send -------------------------------------------------------- */

/* RFC 1122 3.2.2: queries (not errors), which may be the subject of an error. */
static bool icmp_is_query(uint8_t type)
{
    switch (type) {
    case ICMP_ECHO_REPLY:
    case ICMP_ECHO_REQUEST:
    case ICMP_TIMESTAMP:
    case ICMP_TIMESTAMP_REPLY:
    case ICMP_INFO_REQUEST:
    case ICMP_INFO_REPLY:
    case ICMP_ADDRMASK_REQUEST:
    case ICMP_ADDRMASK_REPLY:
        return true;
    default:
        return false;
    }
}

/* RFC 1122 3.2.1.3 / 3.2.2: does src name one host? */
static bool icmp_source_is_host(struct glass_stack *stack, uint32_t src)
{
    return !ip4_is_zeronet(src) && !ip4_is_multicast(src) && !ip4_is_loopback(src) &&
           !ip4_is_class_e(src) && !ipv4_is_any_broadcast(stack, src);
}

/* RFC 1122 3.2.2 "An ICMP error message MUST NOT be sent as the result of
 * receiving ...".  Returns the reason an error is forbidden, or NULL.
 * orig's IP header is at l3; hlen has been checked against its length. */
static const char *icmp_error_forbidden(struct glass_stack *stack, const struct pkb *orig,
                                        const uint8_t *ip, size_t hlen, size_t avail)
{
    uint32_t src = get_addr(ip + 12), dst = get_addr(ip + 16);
    if (ip[9] == IPPROTO_ICMP_ && (avail <= hlen || !icmp_is_query(ip[hlen])))
        return "an ICMP error message";
    if (ipv4_is_any_broadcast(stack, dst) || ip4_is_multicast(dst))
        return "a datagram to a broadcast or multicast address";
    const uint8_t *l2 = pkb_l2(orig);
    if (l2 && mac_is_multicast(l2)) /* Ethernet destination: broadcast or group */
        return "a datagram sent as a link-layer broadcast";
    if (get_be16(ip + 6) & IPV4_OFFSET_MASK)
        return "a non-initial fragment";
    if (!icmp_source_is_host(stack, src))
        return "a datagram whose source is not a single host";
    return NULL;
}

/* The token bucket: true when an error may go out now (RFC 1122 3.2.2
 * says errors SHOULD be rate limited; RFC 1812 4.3.2.8 the token bucket). */
static bool icmp_rate_allow(struct glass_stack *stack)
{
    struct icmp_state *st = stack->icmp;
    glass_time_t now = glass_stack_now(stack);
    if (now > st->refilled) {
        glass_time_t earned = (now - st->refilled) / ICMP_RATE_INTERVAL;
        st->refilled += earned * ICMP_RATE_INTERVAL;
        st->tokens = (unsigned)GLASS_MIN((glass_time_t)ICMP_RATE_BURST, st->tokens + earned);
    }
    if (st->tokens == 0)
        return false;
    st->tokens--;
    return true;
}

/* The error message: type, code, 4 bytes of `info` (unused = 0, or e.g.
 * the next-hop MTU of RFC 1191), then the quote. */
static struct pkb *icmp_error_build(struct glass_stack *stack, uint8_t type, uint8_t code,
                                    uint32_t info, const uint8_t *quote, size_t qlen)
{
    struct pkb *pkb = pkb_alloc(stack, ICMP_HLEN + qlen);
    if (!pkb)
        return NULL;
    uint8_t *m = pkb_put(pkb, ICMP_HLEN + qlen);
    m[0] = type;
    m[1] = code;
    put_be32(m + 4, info);
    memcpy(m + ICMP_HLEN, quote, qlen);
    icmp_set_checksum(m, ICMP_HLEN + qlen);
    return pkb;
}

void icmp_send_error(struct glass_stack *stack, const struct pkb *orig, uint8_t type, uint8_t code,
                     uint32_t info)
{
    const uint8_t *ip = pkb_l3(orig);
    size_t avail = ip ? (size_t)(orig->tail - ip) : 0;
    size_t hlen = avail >= IPV4_HLEN ? ipv4_hlen(ip) : 0;
    if (hlen < IPV4_HLEN || hlen > avail) {
        STAT_INC(stack, icmp, error_suppressed);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  no %s: no IPv4 header to quote",
              icmp_error_name(type, code));
        return;
    }
    uint32_t src = get_addr(ip + 12), dst = get_addr(ip + 16);
    const char *why = icmp_error_forbidden(stack, orig, ip, hlen, avail);
    if (why) {
        STAT_INC(stack, icmp, error_suppressed);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  no %s to %s: RFC 1122 3.2.2 forbids one about %s",
              icmp_error_name(type, code), ip4s(src).s, why);
        return;
    }
    /* An error for a sender on this host never crosses a wire (like
     * Linux, which does not rate limit loopback): deliver it locally. */
    bool local = ipv4_is_local(stack, src);
    if (!local && !icmp_rate_allow(stack)) {
        STAT_INC(stack, icmp, rate_limited);
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  no %s to %s: rate limited",
              icmp_error_name(type, code), ip4s(src).s);
        return;
    }
    size_t qlen = GLASS_MIN(avail, hlen + ICMP_QUOTE_DATA);
    struct pkb *pkb = icmp_error_build(stack, type, code, info, ip, qlen);
    if (!pkb) {
        TRACE(stack, GLASS_TRACE_ICMP, "icmp  no %s to %s: out of memory",
              icmp_error_name(type, code), ip4s(src).s);
        return;
    }
    TRACE(stack, GLASS_TRACE_ICMP, "icmp  send %s (%u/%u) to %s about %s > %s proto %u%s",
          icmp_error_name(type, code), type, code, ip4s(src).s, ip4s(src).s, ip4s(dst).s, ip[9],
          local ? " (local)" : "");
    /* RFC 1122 3.2.2: from the address the datagram was sent to when that
     * is ours, else from the outgoing interface (ipv4_output chooses). */
    uint32_t from = ipv4_is_local(stack, dst) ? dst : 0;
    if (icmp_output(stack, pkb, from, src, 0, 0) == 0 && type == ICMP_DEST_UNREACH)
        STAT_INC(stack, icmp, tx_dest_unreach);
}

/* ---- echo requests for glass-ping ------------------------------------------ */

static int icmp_echo_request_send(struct glass_stack *stack, uint32_t dst, uint16_t id,
                                  uint16_t seq, const void *data, size_t len, uint8_t ttl,
                                  bool df)
{
    struct pkb *pkb = pkb_alloc(stack, ICMP_HLEN + len);
    if (!pkb)
        return -ENOBUFS;
    uint8_t *m = pkb_put(pkb, ICMP_HLEN + len);
    m[0] = ICMP_ECHO_REQUEST;
    m[1] = 0;
    put_be16(m + 4, id);
    put_be16(m + 6, seq);
    if (len)
        memcpy(m + ICMP_HLEN, data, len);
    icmp_set_checksum(m, ICMP_HLEN + len);
    TRACE(stack, GLASS_TRACE_ICMP, "icmp  echo request to %s id %u seq %u len %zu%s",
          ip4s(dst).s, id, seq, len, df ? " DF" : "");
    struct ipv4_tx tx = {
        .src = 0, .dst = dst, .proto = IPPROTO_ICMP_, .ttl = ttl, .tos = 0, .df = df};
    int rc = ipv4_output(stack, pkb, &tx);
    if (rc == 0)
        STAT_INC(stack, icmp, tx);
    if (rc == 0)
        STAT_INC(stack, icmp, tx_echo_request);
    return rc;
}

int glass_icmp_echo_send(struct glass_stack *stack, uint32_t dst, uint16_t id, uint16_t seq,
                         const void *data, size_t len, unsigned ttl)
{
    return glass_icmp_echo_send_flags(stack, dst, id, seq, data, len, ttl, 0);
}

int glass_icmp_echo_send_flags(struct glass_stack *stack, uint32_t dst, uint16_t id,
                               uint16_t seq, const void *data, size_t len, unsigned ttl,
                               unsigned flags)
{
    if (ttl > 255 || (len && !data) || (flags & ~(unsigned)GLASS_ICMP_DF)) {
        errno = EINVAL;
        return -1;
    }
    /* The datagram's total length field is 16 bits (RFC 791 3.1). */
    if (len > 0xffff - IPV4_HLEN - ICMP_HLEN) {
        errno = EMSGSIZE;
        return -1;
    }
    glass_stack_lock(stack);
    int rc = icmp_echo_request_send(stack, dst, id, seq, data, len, (uint8_t)ttl,
                                    (flags & GLASS_ICMP_DF) != 0);
    glass_stack_unlock(stack);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
