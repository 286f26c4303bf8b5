/*
 * sock_opt.c - socket options (setsockopt/getsockopt) and glass_fcntl.
 *
 * Offered, with Linux's sizes, limits and errno values:
 *   SOL_SOCKET  SO_REUSEADDR SO_BROADCAST SO_RCVBUF SO_SNDBUF SO_RCVTIMEO
 *               SO_SNDTIMEO SO_LINGER SO_ERROR (read: and clear) SO_TYPE
 *               and SO_ACCEPTCONN (read only); SO_KEEPALIVE (streams)
 *   IPPROTO_IP  IP_TTL IP_TOS
 *   IPPROTO_TCP TCP_NODELAY TCP_MAXSEG TCP_KEEPIDLE TCP_KEEPINTVL
 *               TCP_KEEPCNT TCP_CONGESTION (streams)
 * Anything else is ENOPROTOOPT.
 *
 * For UDP, SO_RCVBUF bounds the bytes queued for reception (payload plus
 * SOCK_RCV_OVERHEAD per datagram, see socket.h); SO_SNDBUF is stored and
 * reported only: UDP has no send queue, a datagram leaves during the
 * call.  SO_SNDTIMEO likewise never expires for UDP (a send never waits).
 * For TCP the (doubled) sizes bound the connection's byte rings: the
 * receive buffer bounds the window we offer, the send buffer how much a
 * send may queue before it blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>

#include "ipv4.h"
#include "socket.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* ---- values in and out ------------------------------------------------------ */

static int opt_get_int(const void *optval, socklen_t optlen, int *v)
{
    if (optlen < sizeof(int))
        return -EINVAL;
    memcpy(v, optval, sizeof(int));
    return 0;
}

/* Like Linux: copy at most what the caller has room for, report the size. */
static int opt_put(void *optval, socklen_t *optlen, const void *v, size_t size)
{
    size_t n = GLASS_MIN((size_t)*optlen, size);
    memcpy(optval, v, n);
    *optlen = (socklen_t)n;
    return 0;
}

static int opt_put_int(void *optval, socklen_t *optlen, int v)
{
    return opt_put(optval, optlen, &v, sizeof v);
}

/* A struct timeval timeout: 0 = for ever; tv_usec outside 0..999999 is
 * EDOM, a negative time means "don't wait" on Linux (we take it as 0). */
static int opt_get_timeval(const void *optval, socklen_t optlen, glass_time_t *t)
{
    struct timeval tv;
    if (optlen < sizeof tv)
        return -EINVAL;
    memcpy(&tv, optval, sizeof tv);
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    if (tv.tv_sec < 0) {
        *t = 0;
        return 0;
    }
    *t = (glass_time_t)tv.tv_sec * GLASS_USEC_PER_SEC + (glass_time_t)tv.tv_usec;
    return 0;
}

static int opt_put_timeval(void *optval, socklen_t *optlen, glass_time_t t)
{
    struct timeval tv = {.tv_sec = (time_t)(t / GLASS_USEC_PER_SEC),
                         .tv_usec = (suseconds_t)(t % GLASS_USEC_PER_SEC)};
    return opt_put(optval, optlen, &tv, sizeof tv);
}

/* Linux doubles what it is given (the other half pays for bookkeeping)
 * after capping it at the system maximum, and keeps a floor. */
static int opt_buf_size(int v, int max, int min)
{
    long long d = (long long)GLASS_MIN(GLASS_MAX(v, 0), max) * 2;
    return (int)GLASS_MAX(d, (long long)min);
}

/* ---- setsockopt ------------------------------------------------------------------ */

/* SO_LINGER: {l_onoff, l_linger seconds}; a negative time waits for
 * ever, as Linux takes it (unsigned). */
static int sock_set_linger(struct glass_sock *sk, const void *val, socklen_t len)
{
    struct linger l;
    if (len < sizeof l)
        return -EINVAL;
    memcpy(&l, val, sizeof l);
    sk->linger_on = l.l_onoff != 0;
    sk->linger_sec = l.l_linger < 0 ? INT_MAX : l.l_linger;
    return 0;
}

/* TCP buffers follow SO_SNDBUF/SO_RCVBUF.  The receive buffer only grows
 * once a window was offered: shrinking it under data the peer may
 * already send would break the promise (RFC 9293 3.8.6.2.2). */
static void sock_tcp_bufs(struct glass_sock *sk)
{
    struct tcp_cb *tcb = sk->tcb;
    if (!tcb)
        return;
    tcb->sndbuf.max = (size_t)sk->sndbuf;
    bool offered = tcb->state != TCP_CLOSED && tcb->state != TCP_LISTEN &&
                   tcb->state != TCP_SYN_SENT;
    if (!offered || (size_t)sk->rcvbuf > tcb->rcvbuf.max)
        tcb->rcvbuf.max = (size_t)sk->rcvbuf;
    /* More room to send: a writer may go on. */
    sock_wakeup(sk);
}

static bool tcb_synchronized(const struct tcp_cb *tcb)
{
    return tcb->state != TCP_CLOSED && tcb->state != TCP_LISTEN && tcb->state != TCP_SYN_SENT &&
           tcb->state != TCP_SYN_RECEIVED;
}

static int sock_set_keepalive(struct glass_sock *sk, int v)
{
    struct tcp_cb *tcb = sk->tcb;
    if (!tcb)
        return -ENOPROTOOPT;
    tcb->keepalive_on = v != 0;
    tcb->keep_probes = 0;
    if (tcb->keepalive_on && tcb_synchronized(tcb))
        tcp_timer_keepalive_reset(tcb);
    else if (!tcb->keepalive_on)
        timer_cancel(sk->stack, &tcb->keepalive);
    return 0;
}

static int sock_set_socket(struct glass_sock *sk, int name, const void *val, socklen_t len)
{
    int v = 0, rc;
    switch (name) {
    case SO_LINGER:
        return sock_set_linger(sk, val, len);
    case SO_RCVTIMEO:
        return opt_get_timeval(val, len, &sk->rcvtimeo);
    case SO_SNDTIMEO:
        return opt_get_timeval(val, len, &sk->sndtimeo);
    case SO_REUSEADDR:
    case SO_BROADCAST:
    case SO_RCVBUF:
    case SO_SNDBUF:
    case SO_KEEPALIVE:
        if ((rc = opt_get_int(val, len, &v)) < 0)
            return rc;
        break;
    default:
        return -ENOPROTOOPT;    /* SO_ERROR and SO_TYPE are read-only too */
    }
    switch (name) {
    case SO_REUSEADDR:
        sk->reuseaddr = v != 0;
        break;
    case SO_BROADCAST:
        sk->broadcast = v != 0;
        break;
    case SO_RCVBUF:
        sk->rcvbuf = opt_buf_size(v, SOCK_RMEM_MAX, SOCK_MIN_RCVBUF);
        sock_tcp_bufs(sk);
        break;
    case SO_SNDBUF:
        sk->sndbuf = opt_buf_size(v, SOCK_WMEM_MAX, SOCK_MIN_SNDBUF);
        sock_tcp_bufs(sk);
        break;
    case SO_KEEPALIVE:
        return sock_set_keepalive(sk, v);
    }
    return 0;
}

/* ---- IPPROTO_TCP (Linux do_tcp_setsockopt: its bounds and errno) ---------- */

/* Linux's <netinet/tcp.h> numbers; that header cannot come in here (its
 * state enum collides with tcp.h's). */
#ifndef TCP_NODELAY
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#endif

#ifndef TCP_CONGESTION
#define TCP_CONGESTION 13
#endif
#define TCP_CA_NAME_MAX 16      /* Linux: names are at most 15 bytes and a NUL */

#define TCP_MIN_USER_MSS 88     /* Linux TCP_MIN_MSS */
#define TCP_MAX_KEEPIDLE 32767  /* seconds (MAX_TCP_KEEPIDLE, KEEPINTVL) */
#define TCP_MAX_KEEPCNT 127

/* TCP_CONGESTION: a name, not an int.  Linux (do_tcp_setsockopt): at
 * most TCP_CA_NAME_MAX - 1 bytes are read and need no NUL; an empty
 * option is EINVAL, a name no algorithm has ENOENT.  On a live
 * connection the window carries over (tcp_cc_set). */
static int sock_set_congestion(struct tcp_cb *tcb, const void *val, socklen_t len)
{
    char name[TCP_CA_NAME_MAX];
    if (len < 1)
        return -EINVAL;
    size_t n = GLASS_MIN((size_t)len, sizeof name - 1);
    memcpy(name, val, n);
    name[n] = '\0';
    const struct tcp_cc_ops *ops = tcp_cc_find(name);
    if (!ops)
        return -ENOENT;
    if (ops != tcb->cc)
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   congestion control %s -> %s",
              tcb->cc ? tcb->cc->name : "-", ops->name);
    tcp_cc_set(tcb, ops);
    return 0;
}

static int sock_set_tcp(struct glass_sock *sk, int name, const void *val, socklen_t len)
{
    struct tcp_cb *tcb = sk->tcb;
    int v, rc;
    if (!tcb)
        return -ENOPROTOOPT;
    if (name == TCP_CONGESTION)
        return sock_set_congestion(tcb, val, len);
    if ((rc = opt_get_int(val, len, &v)) < 0)
        return rc;
    switch (name) {
    case TCP_NODELAY:
        tcb->nodelay = v != 0;
        /* Linux pushes what Nagle was holding back. */
        if (tcb->nodelay && (tcb->state == TCP_ESTABLISHED || tcb->state == TCP_CLOSE_WAIT))
            tcp_output(tcb);
        return 0;
    case TCP_MAXSEG:
        /* RFC 9293 3.7.1 / RFC 6691: a user limit on the segments we send;
         * it takes effect at the next connection setup. */
        if (v && (v < TCP_MIN_USER_MSS || v > TCP_MAX_WINDOW))
            return -EINVAL;
        tcb->user_mss = (uint16_t)v;
        return 0;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        if (v < 1 || v > TCP_MAX_KEEPIDLE)
            return -EINVAL;
        if (name == TCP_KEEPIDLE)
            tcb->keepidle = (glass_time_t)v * GLASS_USEC_PER_SEC;
        else
            tcb->keepintvl = (glass_time_t)v * GLASS_USEC_PER_SEC;
        if (tcb->keepalive_on && tcb_synchronized(tcb))
            tcp_timer_keepalive_reset(tcb);
        return 0;
    case TCP_KEEPCNT:
        if (v < 1 || v > TCP_MAX_KEEPCNT)
            return -EINVAL;
        tcb->keepcnt = (unsigned)v;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

static int sock_set_ip(struct glass_sock *sk, int name, const void *val, socklen_t len)
{
    int v, rc;
    if (name != IP_TTL && name != IP_TOS)
        return -ENOPROTOOPT;
    if ((rc = opt_get_int(val, len, &v)) < 0)
        return rc;
    if (name == IP_TTL) {
        /* -1 restores the default; 0 is not a TTL a datagram can leave with. */
        if (v == -1)
            v = 0;
        else if (v < 1 || v > 255)
            return -EINVAL;
        sk->ttl = (uint8_t)v;
        return 0;
    }
    sk->tos = (uint8_t)v;       /* Linux keeps the low byte */
    return 0;
}

int glass_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return -1;
    int rc;
    /* Under the stack lock: the protocols read these fields. */
    glass_stack_lock(sk->stack);
    if (!optval && optlen)
        rc = -EFAULT;
    else if (level == SOL_SOCKET)
        rc = sock_set_socket(sk, optname, optval, optlen);
    else if (level == IPPROTO_IP)
        rc = sock_set_ip(sk, optname, optval, optlen);
    else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM)
        rc = sock_set_tcp(sk, optname, optval, optlen);
    else
        rc = -ENOPROTOOPT;
    glass_stack_unlock(sk->stack);
    sock_put(sk);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

/* ---- getsockopt -------------------------------------------------------------------- */

static int sock_get_socket(struct glass_sock *sk, int name, void *val, socklen_t *len)
{
    switch (name) {
    case SO_REUSEADDR:
        return opt_put_int(val, len, sk->reuseaddr);
    case SO_BROADCAST:
        return opt_put_int(val, len, sk->broadcast);
    case SO_RCVBUF:
        return opt_put_int(val, len, sk->rcvbuf);
    case SO_SNDBUF:
        return opt_put_int(val, len, sk->sndbuf);
    case SO_RCVTIMEO:
        return opt_put_timeval(val, len, sk->rcvtimeo);
    case SO_SNDTIMEO:
        return opt_put_timeval(val, len, sk->sndtimeo);
    case SO_TYPE:
        return opt_put_int(val, len, sk->type);
    case SO_ACCEPTCONN:
        return opt_put_int(val, len, sk->tcb && sk->tcb->state == TCP_LISTEN);
    case SO_KEEPALIVE:
        return opt_put_int(val, len, sk->tcb && sk->tcb->keepalive_on);
    case SO_LINGER: {
        struct linger l = {.l_onoff = sk->linger_on, .l_linger = sk->linger_sec};
        return opt_put(val, len, &l, sizeof l);
    }
    case SO_ERROR: {
        /* Reading the pending error clears it (POSIX); for a stream that
         * is how a non-blocking connect reports its outcome. */
        int err = sk->type == SOCK_STREAM ? sock_stream_error(sk) : sk->so_error;
        sk->so_error = 0;
        return opt_put_int(val, len, err);
    }
    default:
        return -ENOPROTOOPT;
    }
}

static int sock_get_ip(struct glass_sock *sk, int name, void *val, socklen_t *len)
{
    switch (name) {
    case IP_TTL:
        return opt_put_int(val, len, sk->ttl ? sk->ttl : IPV4_DEFAULT_TTL);
    case IP_TOS:
        return opt_put_int(val, len, sk->tos);
    default:
        return -ENOPROTOOPT;
    }
}

static int sock_get_tcp(struct glass_sock *sk, int name, void *val, socklen_t *len)
{
    const struct tcp_cb *tcb = sk->tcb;
    if (!tcb)
        return -ENOPROTOOPT;
    switch (name) {
    case TCP_NODELAY:
        return opt_put_int(val, len, tcb->nodelay);
    case TCP_MAXSEG: {
        /* Linux: the effective send MSS once connected; before, the user's
         * value or the RFC 9293 default of 536. */
        bool unconnected = tcb->state == TCP_CLOSED || tcb->state == TCP_LISTEN;
        int mss = unconnected ? (tcb->user_mss ? tcb->user_mss : TCP_DEFAULT_MSS) : tcb->snd_mss;
        return opt_put_int(val, len, mss);
    }
    case TCP_KEEPIDLE:
        return opt_put_int(val, len, (int)(tcb->keepidle / GLASS_USEC_PER_SEC));
    case TCP_KEEPINTVL:
        return opt_put_int(val, len, (int)(tcb->keepintvl / GLASS_USEC_PER_SEC));
    case TCP_KEEPCNT:
        return opt_put_int(val, len, (int)tcb->keepcnt);
    case TCP_CONGESTION: {
        /* Linux copies min(optlen, TCP_CA_NAME_MAX) bytes of the name,
         * NUL-padded. */
        char ca[TCP_CA_NAME_MAX] = {0};
        if (tcb->cc)
            strncpy(ca, tcb->cc->name, sizeof ca - 1);
        return opt_put(val, len, ca, sizeof ca);
    }
    default:
        return -ENOPROTOOPT;
    }
}

int glass_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return -1;
    int rc;
    glass_stack_lock(sk->stack);
    if (!optlen || (!optval && *optlen))
        rc = -EFAULT;
    else if (level == SOL_SOCKET)
        rc = sock_get_socket(sk, optname, optval, optlen);
    else if (level == IPPROTO_IP)
        rc = sock_get_ip(sk, optname, optval, optlen);
    else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM)
        rc = sock_get_tcp(sk, optname, optval, optlen);
    else
        rc = -ENOPROTOOPT;
    glass_stack_unlock(sk->stack);
    sock_put(sk);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

/* ---- fcntl -------------------------------------------------------------------------- */

int glass_fcntl(int fd, int cmd, ...)
{
    int arg = 0;
    if (cmd == F_SETFL) {
        va_list ap;
        va_start(ap, cmd);
        arg = va_arg(ap, int);
        va_end(ap);
    }
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return -1;
    int rc;
    glass_stack_lock(sk->stack);
    switch (cmd) {
    case F_GETFL:
        rc = O_RDWR | (sk->nonblock ? O_NONBLOCK : 0);
        break;
    case F_SETFL:
        /* Only O_NONBLOCK means anything for a socket; the rest is ignored
         * (as Linux ignores access mode bits in F_SETFL). */
        sk->nonblock = (arg & O_NONBLOCK) != 0;
        rc = 0;
        break;
    default:
        rc = -EINVAL;
        break;
    }
    glass_stack_unlock(sk->stack);
    sock_put(sk);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return rc;
}
