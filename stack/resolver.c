/*
 * resolver.c - a DNS stub resolver (RFC 1034 5.3.1) on the public socket
 * API only: it is an ordinary program of the stack, the way a libc
 * resolver is an ordinary user of the kernel's sockets.
 *
 * One query:  socket(AF_INET, SOCK_DGRAM) -> bind(0.0.0.0:0) (the stack
 * picks a random ephemeral port) -> connect(server:53) (the socket then
 * filters by peer, and an ICMP port unreachable comes back as
 * ECONNREFUSED) -> send the question with a random id -> poll with a
 * timeout on the stack's clock -> recv, parse, match.  Anything that is
 * not the answer to our question from our server is ignored and the wait
 * goes on, so a blind spoofer has to guess id and port (RFC 5452 9.1).
 * Without an answer the query is sent again (the same id, so a late reply
 * to an earlier try still counts), waiting twice as long each time.
 *
 * Over TCP (RFC 1035 4.2.2, RFC 7766): when asked to (opts->tcp), and when
 * a UDP answer comes back with TC set (RFC 1035 4.1.1; RFC 7766 5: a stub
 * "SHOULD retry over TCP").  Each try is a connection of its own: socket
 * (SOCK_STREAM, non-blocking) -> connect(server:53) -> poll POLLOUT ->
 * SO_ERROR -> send the same question behind a two-octet length -> read
 * the two-octet length, then exactly that many octets -> parse, match ->
 * close.  The try's whole exchange is bounded by the same timeout as a UDP
 * try, on the stack clock, doubled per try.  A refused connection (RST to
 * our SYN) ends it at once, like an ICMP port unreachable over UDP.
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

#define RESOLVER_PORT 53
#define RESOLVER_TRIES 3
#define RESOLVER_TIMEOUT_MS 1000
/* Room for a reply bigger than 512 octets: a server that ignores the UDP
 * limit still gets parsed rather than cut by us. */
#define RESOLVER_BUF 4096
/* RFC 1035 4.2.2: the TCP length field is 16 bits. */
#define RESOLVER_TCP_MAX (2 + 65535)

const char *glass_resolve_strerror(int err)
{
    switch (err) {
    case GLASS_RESOLVE_OK: return "no error";
    case GLASS_RESOLVE_NXDOMAIN: return "name does not exist (NXDOMAIN)";
    case GLASS_RESOLVE_NODATA: return "no record of that type for the name";
    case GLASS_RESOLVE_SERVFAIL: return "server failure (SERVFAIL)";
    case GLASS_RESOLVE_REFUSED: return "query refused by the server (REFUSED)";
    case GLASS_RESOLVE_SERVER_ERROR: return "the server answered with an error";
    case GLASS_RESOLVE_TIMEOUT: return "no reply from the server (timed out)";
    case GLASS_RESOLVE_UNREACHABLE: return "server unreachable or refused (ICMP error or TCP RST)";
    case GLASS_RESOLVE_BAD_REPLY: return "only malformed or mismatched replies came back";
    case GLASS_RESOLVE_TRUNCATED: return "answer truncated (TC) even over TCP";
    case GLASS_RESOLVE_NOTCP: return "the server closed the TCP connection without an answer";
    case GLASS_RESOLVE_BAD_NAME: return "not a valid domain name";
    case GLASS_RESOLVE_CNAME_LOOP: return "CNAME chain too long or circular";
    case GLASS_RESOLVE_SYSTEM: return "socket error";
    default: return "unknown resolver error";
    }
}

int resolver_rcode_error(unsigned rcode)
{
    switch (rcode) {
    case DNS_RCODE_NOERROR: return GLASS_RESOLVE_OK;
    case DNS_RCODE_NXDOMAIN: return GLASS_RESOLVE_NXDOMAIN;
    case DNS_RCODE_SERVFAIL: return GLASS_RESOLVE_SERVFAIL;
    case DNS_RCODE_REFUSED: return GLASS_RESOLVE_REFUSED;
    default: return GLASS_RESOLVE_SERVER_ERROR;
    }
}

/* ---- a parsed reply -> the public answer -------------------------------- */

static void absolute(char *out, size_t outlen, const char *name)
{
    /* "" (the root) becomes "."; a name too long is cut (its last byte
     * yields to the dot's room), never overrun. */
    if (snprintf(out, outlen, "%s.", name) >= (int)outlen && outlen)
        out[outlen - 1] = '\0';
}

/* rdata as dig prints it; unknown types in the RFC 3597 5 generic form. */
static void format_rdata(const struct dns_rr *rr, char *out, size_t outlen)
{
    char tmp[GLASS_DNS_STRLEN];
    size_t o;

    switch (rr->type) {
    case DNS_TYPE_A:
        inet_ntop(AF_INET, &rr->rd.a, out, (socklen_t)outlen);
        return;
    case DNS_TYPE_AAAA:
        inet_ntop(AF_INET6, rr->rd.aaaa, out, (socklen_t)outlen);
        return;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
        absolute(out, outlen, rr->rd.cname);
        return;
    case DNS_TYPE_MX:
        absolute(tmp, sizeof tmp, rr->rd.mx.exchange);
        if (snprintf(out, outlen, "%u %s", rr->rd.mx.preference, tmp) >= (int)outlen && outlen)
            out[outlen - 1] = '\0'; /* cut, as above */
        return;
    case DNS_TYPE_TXT:
        dns_txt_format(rr, out, outlen);
        return;
    default:
        o = (size_t)snprintf(out, outlen, "\\# %u", rr->rdlength);
        if (rr->rd.raw.len)
            o += (size_t)snprintf(out + GLASS_MIN(o, outlen), outlen - GLASS_MIN(o, outlen),
                                  " ");
        for (size_t i = 0; i < rr->rd.raw.len && o + 3 < outlen; i++)
            o += (size_t)snprintf(out + o, outlen - o, "%02x", rr->rd.raw.data[i]);
        return;
    }
}

void resolver_fill_answer(const struct dns_msg *m, struct glass_dns_answer *out)
{
    out->rcode = DNS_RCODE(m->flags);
    out->flags = m->flags;
    out->nrecords = GLASS_MIN(m->nanswer, (unsigned)GLASS_DNS_MAX_RECORDS);
    for (unsigned i = 0; i < out->nrecords; i++) {
        const struct dns_rr *rr = &m->answer[i];
        struct glass_dns_record *r = &out->records[i];
        absolute(r->name, sizeof r->name, rr->name);
        r->type = rr->type;
        r->rclass = rr->rclass;
        r->ttl = rr->ttl;
        r->addr = rr->type == DNS_TYPE_A ? rr->rd.a : 0;
        format_rdata(rr, r->data, sizeof r->data);
    }
}

/* ---- CNAME chains (RFC 1034 3.6.2) -------------------------------------- */

int resolver_follow_chain(const struct glass_dns_answer *a, const char *qname, uint32_t *addr,
                          char *end, size_t endlen)
{
    char cur[GLASS_DNS_STRLEN];
    unsigned links = 0;

    snprintf(cur, sizeof cur, "%s", qname);
    for (;;) {
        bool moved = false;
        for (unsigned i = 0; i < a->nrecords; i++) {
            const struct glass_dns_record *r = &a->records[i];
            if (r->rclass != DNS_CLASS_IN || !dns_name_equal(r->name, cur))
                continue;
            if (r->type == DNS_TYPE_A) {
                *addr = r->addr;
                return GLASS_RESOLVE_OK;
            }
            if (r->type == DNS_TYPE_CNAME && !moved) {
                if (++links > RESOLVER_MAX_CNAME)
                    return GLASS_RESOLVE_CNAME_LOOP;
                snprintf(cur, sizeof cur, "%s", r->data);
                moved = true;
                break;
            }
        }
        if (!moved)
            break;
    }
    snprintf(end, endlen, "%s", cur);
    return GLASS_RESOLVE_NODATA;
}

/* ---- one query over UDP --------------------------------------------------- */

struct query {
    struct glass_stack *stack;
    const char *name;
    uint16_t qtype, id;
    struct sockaddr_in server;
    uint8_t msg[DNS_UDP_MAX];
    int msglen;
    int fd;
    struct dns_msg *reply;        /* ~130 KiB: on the heap */
    unsigned ignored;             /* datagrams that were not our answer */
};

static uint16_t random_id(void)
{
    uint16_t id;
    /* RFC 5452 9.2: the id must be unpredictable */
    if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
        id = (uint16_t)(rand() ^ (int)getpid());
    return id;
}

static int unreachable_errno(int e)
{
    return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN;
}

/* socket, bind to port 0 (a random ephemeral port), connect to the server. */
static int query_open(struct query *q)
{
    struct sockaddr_in any = {.sin_family = AF_INET};
    int fl;

    q->fd = glass_socket(q->stack, AF_INET, SOCK_DGRAM, 0);
    if (q->fd < 0)
        return GLASS_RESOLVE_SYSTEM;
    fl = glass_fcntl(q->fd, F_GETFL);
    if (fl < 0 || glass_fcntl(q->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        glass_bind(q->fd, (struct sockaddr *)&any, sizeof any) < 0 ||
        glass_connect(q->fd, (struct sockaddr *)&q->server, sizeof q->server) < 0)
        return unreachable_errno(errno) ? GLASS_RESOLVE_UNREACHABLE : GLASS_RESOLVE_SYSTEM;
    return GLASS_RESOLVE_OK;
}

/* One datagram has arrived: is it the answer?  1 yes, 0 ignore it. */
static int query_accept(struct query *q, const uint8_t *buf, ssize_t n,
                        const struct sockaddr_in *from)
{
    const char *why = NULL;

    /* The connected socket already filters by peer; check again, since a
     * reply from elsewhere must never be believed (RFC 5452 4.3). */
    if (from->sin_family != AF_INET || from->sin_addr.s_addr != q->server.sin_addr.s_addr ||
        from->sin_port != q->server.sin_port)
        return 0;
    if (dns_parse(buf, (size_t)n, q->reply, &why) != DNS_OK)
        return 0;
    if (dns_match(q->reply, q->id, q->name, q->qtype, &why) != DNS_OK)
        return 0;
    return 1;
}

/* Wait up to timeout_ms (stack clock) for the answer. */
static int query_wait(struct query *q, unsigned timeout_ms)
{
    glass_time_t deadline = glass_stack_now(q->stack) + timeout_ms * GLASS_USEC_PER_MSEC;
    uint8_t *buf = malloc(RESOLVER_BUF);
    int rc = GLASS_RESOLVE_TIMEOUT;

    if (buf == NULL)
        return GLASS_RESOLVE_SYSTEM;
    for (;;) {
        glass_time_t now = glass_stack_now(q->stack);
        struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        ssize_t n;

        if (now >= deadline)
            break;
        if (glass_poll(&pfd, 1, (int)((deadline - now + 999) / GLASS_USEC_PER_MSEC)) < 0) {
            if (errno == EINTR)
                continue;
            rc = GLASS_RESOLVE_SYSTEM;
            break;
        }
        memset(&from, 0, sizeof from);
        n = glass_recvfrom(q->fd, buf, RESOLVER_BUF, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            rc = unreachable_errno(errno) ? GLASS_RESOLVE_UNREACHABLE : GLASS_RESOLVE_SYSTEM;
            break;
        }
        if (query_accept(q, buf, n, &from)) {
            rc = GLASS_RESOLVE_OK;
            break;
        }
        q->ignored++;
    }
    free(buf);
    return rc;
}

static int udp_run(struct query *q, const struct glass_resolve_opts *o,
                   struct glass_dns_answer *out)
{
    unsigned tries = o->tries ? o->tries : RESOLVER_TRIES;
    unsigned timeout = o->timeout_ms ? o->timeout_ms : RESOLVER_TIMEOUT_MS;
    int rc = query_open(q);

    for (unsigned t = 0; rc == GLASS_RESOLVE_OK && t < tries; t++, timeout *= 2) {
        glass_time_t sent = glass_stack_now(q->stack);
        if (glass_send(q->fd, q->msg, (size_t)q->msglen, 0) < 0)
            return unreachable_errno(errno) ? GLASS_RESOLVE_UNREACHABLE : GLASS_RESOLVE_SYSTEM;
        out->tries++;
        rc = query_wait(q, timeout);
        out->ignored = q->ignored;
        if (rc == GLASS_RESOLVE_OK) {
            out->query_time = glass_stack_now(q->stack) - sent;
            resolver_fill_answer(q->reply, out);
            /* RFC 1035 4.2.1 / RFC 7766 5: a truncated answer is asked
             * again over TCP; the caller does that. */
            if (q->reply->flags & DNS_FLAG_TC)
                return GLASS_RESOLVE_TRUNCATED;
            return resolver_rcode_error(out->rcode);
        }
        if (rc != GLASS_RESOLVE_TIMEOUT)
            return rc;
        rc = GLASS_RESOLVE_OK; /* try again */
    }
    if (rc != GLASS_RESOLVE_OK)
        return rc;
    return q->ignored ? GLASS_RESOLVE_BAD_REPLY : GLASS_RESOLVE_TIMEOUT;
}

/* ---- one query over TCP (RFC 1035 4.2.2, RFC 7766) ------------------------- */

/* The server ended the connection (RST, or our send after its close). */
static int closed_errno(int e)
{
    return e == ECONNRESET || e == EPIPE || e == ENOTCONN;
}

/* Wait until fd reports one of `events` or the deadline passes: 1 ready,
 * 0 the deadline passed, -1 poll failed. */
static int wait_until(struct query *q, short events, glass_time_t deadline)
{
    for (;;) {
        glass_time_t now = glass_stack_now(q->stack);
        struct pollfd pfd = {.fd = q->fd, .events = events};
        int r;

        if (now >= deadline)
            return 0;
        r = glass_poll(&pfd, 1, (int)((deadline - now + 999) / GLASS_USEC_PER_MSEC));
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0)
            return 1;
    }
}

/* socket(SOCK_STREAM), connect to the server and wait for the handshake
 * (RFC 9293 3.5) until the deadline. */
static int tcp_connect_by(struct query *q, glass_time_t deadline)
{
    int err = 0, r;
    socklen_t elen = sizeof err;

    q->fd = glass_socket(q->stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (q->fd < 0)
        return GLASS_RESOLVE_SYSTEM;
    if (glass_connect(q->fd, (struct sockaddr *)&q->server, sizeof q->server) == 0)
        return GLASS_RESOLVE_OK;
    if (errno != EINPROGRESS)
        return unreachable_errno(errno) ? GLASS_RESOLVE_UNREACHABLE : GLASS_RESOLVE_SYSTEM;
    r = wait_until(q, POLLOUT, deadline);
    if (r <= 0)
        return r == 0 ? GLASS_RESOLVE_TIMEOUT : GLASS_RESOLVE_SYSTEM;
    if (glass_getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return GLASS_RESOLVE_SYSTEM;
    if (err == 0)
        return GLASS_RESOLVE_OK;
    errno = err;
    if (err == ETIMEDOUT)
        return GLASS_RESOLVE_TIMEOUT;
    if (closed_errno(err))
        return GLASS_RESOLVE_NOTCP; /* made, then reset before we looked */
    return unreachable_errno(err) ? GLASS_RESOLVE_UNREACHABLE : GLASS_RESOLVE_SYSTEM;
}

/* RFC 1035 4.2.2: "The message is prefixed with a two byte length field
 * which gives the message length, excluding the two byte length field." */
static int tcp_send_query(struct query *q, glass_time_t deadline)
{
    uint8_t buf[2 + DNS_UDP_MAX];
    size_t len = 2 + (size_t)q->msglen, off = 0;

    put_be16(buf, (uint16_t)q->msglen);
    memcpy(buf + 2, q->msg, (size_t)q->msglen);
    while (off < len) {
        ssize_t n = glass_send(q->fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return closed_errno(errno) ? GLASS_RESOLVE_NOTCP : GLASS_RESOLVE_SYSTEM;
            n = wait_until(q, POLLOUT, deadline);
            if (n <= 0)
                return n == 0 ? GLASS_RESOLVE_TIMEOUT : GLASS_RESOLVE_SYSTEM;
            continue;
        }
        off += (size_t)n;
    }
    return GLASS_RESOLVE_OK;
}

/* Read messages (two-octet length, then the message) until one answers
 * our question.  The stream may cut a message anywhere, the length field
 * included; a message that is not our answer is ignored (RFC 7766 7: on a
 * connection, replies are matched by id and question). */
static int tcp_read_answer(struct query *q, uint8_t *buf, glass_time_t deadline)
{
    size_t have = 0;
    const char *why;

    for (;;) {
        size_t need = have >= 2 ? 2 + (size_t)get_be16(buf) : 2;
        ssize_t n;

        if (have >= 2 && have >= need) {
            if (dns_parse(buf + 2, need - 2, q->reply, &why) == DNS_OK &&
                dns_match(q->reply, q->id, q->name, q->qtype, &why) == DNS_OK)
                return GLASS_RESOLVE_OK;
            q->ignored++;
            memmove(buf, buf + need, have - need);
            have -= need;
            continue;
        }
        n = glass_recv(q->fd, buf + have, need - have, MSG_DONTWAIT);
        if (n == 0)
            return GLASS_RESOLVE_NOTCP; /* the server closed: no answer */
        if (n > 0) {
            have += (size_t)n;
            continue;
        }
        if (closed_errno(errno))
            return GLASS_RESOLVE_NOTCP;
        if (errno == ETIMEDOUT)
            return GLASS_RESOLVE_TIMEOUT;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return unreachable_errno(errno) ? GLASS_RESOLVE_UNREACHABLE : GLASS_RESOLVE_SYSTEM;
        n = wait_until(q, POLLIN, deadline);
        if (n <= 0)
            return n == 0 ? GLASS_RESOLVE_TIMEOUT : GLASS_RESOLVE_SYSTEM;
    }
}

/* One try: a connection of its own, the whole exchange within timeout_ms;
 * the connection is closed whatever happened (RFC 7766 6.2.2 lets the
 * client close once it has its answer). */
static int tcp_try(struct query *q, unsigned timeout_ms, uint8_t *buf)
{
    glass_time_t deadline = glass_stack_now(q->stack) + timeout_ms * GLASS_USEC_PER_MSEC;
    int rc = tcp_connect_by(q, deadline);

    if (rc == GLASS_RESOLVE_OK)
        rc = tcp_send_query(q, deadline);
    if (rc == GLASS_RESOLVE_OK)
        rc = tcp_read_answer(q, buf, deadline);
    if (q->fd >= 0) {
        int saved = errno;
        glass_close(q->fd);
        q->fd = -1;
        errno = saved;
    }
    return rc;
}

static int tcp_run(struct query *q, const struct glass_resolve_opts *o,
                   struct glass_dns_answer *out)
{
    unsigned tries = o->tries ? o->tries : RESOLVER_TRIES;
    unsigned timeout = o->timeout_ms ? o->timeout_ms : RESOLVER_TIMEOUT_MS;
    uint8_t *buf = malloc(RESOLVER_TCP_MAX);
    int rc = GLASS_RESOLVE_TIMEOUT;

    if (buf == NULL)
        return GLASS_RESOLVE_SYSTEM;
    for (unsigned t = 0; t < tries; t++, timeout *= 2) {
        glass_time_t start = glass_stack_now(q->stack);

        out->tries++;
        rc = tcp_try(q, timeout, buf);
        out->ignored = q->ignored;
        if (rc == GLASS_RESOLVE_OK) {
            /* from the SYN to the answer: a TCP query costs a round trip more */
            out->query_time = glass_stack_now(q->stack) - start;
            out->over_tcp = 1;
            resolver_fill_answer(q->reply, out);
            /* TC over TCP: the answer did not fit even in 65535 octets. */
            rc = q->reply->flags & DNS_FLAG_TC ? GLASS_RESOLVE_TRUNCATED
                                                : resolver_rcode_error(out->rcode);
            break;
        }
        /* time-outs and connections closed without an answer are tried
         * again; a refusal or a local failure is final */
        if (rc != GLASS_RESOLVE_TIMEOUT && rc != GLASS_RESOLVE_NOTCP)
            break;
    }
    free(buf);
    if (rc == GLASS_RESOLVE_TIMEOUT && q->ignored)
        return GLASS_RESOLVE_BAD_REPLY;
    return rc;
}

static int query_run(struct query *q, const struct glass_resolve_opts *o,
                     struct glass_dns_answer *out)
{
    int rc;

    if (o->tcp)
        return tcp_run(q, o, out);
    rc = udp_run(q, o, out);
    if (rc != GLASS_RESOLVE_TRUNCATED)
        return rc;
    /* RFC 7766 5: truncated over UDP -> the same question over TCP.  What
     * came over UDP stays in *out if TCP fails; out->over_tcp tells. */
    glass_close(q->fd);
    q->fd = -1;
    return tcp_run(q, o, out);
}

int glass_resolve(struct glass_stack *stack, const char *name, uint32_t server,
                  struct glass_dns_answer *out, const struct glass_resolve_opts *opts)
{
    static const struct glass_resolve_opts defaults;
    const struct glass_resolve_opts *o = opts ? opts : &defaults;
    struct query q = {.stack = stack, .name = name, .fd = -1};
    const char *why;
    int rc, saved;

    memset(out, 0, offsetof(struct glass_dns_answer, records));
    out->ignored = 0;
    out->tries = 0;
    out->query_time = 0;
    out->over_tcp = 0;
    q.qtype = o->qtype ? o->qtype : DNS_TYPE_A;
    q.id = random_id();
    q.server.sin_family = AF_INET;
    q.server.sin_addr.s_addr = server;
    q.server.sin_port = htons(o->port ? o->port : RESOLVER_PORT);
    q.msglen = dns_build_query(q.msg, sizeof q.msg, q.id, name, q.qtype, &why);
    if (q.msglen < 0)
        return GLASS_RESOLVE_BAD_NAME;
    q.reply = malloc(sizeof *q.reply);
    if (q.reply == NULL)
        return GLASS_RESOLVE_SYSTEM;
    rc = query_run(&q, o, out);
    saved = errno;
    if (q.fd >= 0)
        glass_close(q.fd);
    free(q.reply);
    errno = saved;
    return rc;
}

int glass_resolve_ipv4(struct glass_stack *stack, const char *name, uint32_t server,
                       uint32_t *addr)
{
    struct glass_dns_answer *a;
    char cur[GLASS_DNS_STRLEN], end[GLASS_DNS_STRLEN];
    int rc = GLASS_RESOLVE_CNAME_LOOP;

    if (ip4_parse(name, addr) == 0)
        return GLASS_RESOLVE_OK;
    a = malloc(sizeof *a);
    if (a == NULL)
        return GLASS_RESOLVE_SYSTEM;
    snprintf(cur, sizeof cur, "%s", name);
    /* Each round asks for the end of the chain so far; the server usually
     * hands the whole chain in one answer, so one round is the rule. */
    for (unsigned round = 0; round < RESOLVER_MAX_CNAME; round++) {
        rc = glass_resolve(stack, cur, server, a, NULL);
        if (rc != GLASS_RESOLVE_OK)
            break;
        rc = resolver_follow_chain(a, cur, addr, end, sizeof end);
        if (rc != GLASS_RESOLVE_NODATA || dns_name_equal(end, cur))
            break;
        snprintf(cur, sizeof cur, "%s", end);
        rc = GLASS_RESOLVE_CNAME_LOOP;
    }
    free(a);
    return rc;
}
