/*
 * sock_opt.c - socket options (setsockopt/getsockopt) and glass_fcntl.
 *
 * Offered, with Linux's sizes, limits and errno values:
 *   SOL_SOCKET  SO_REUSEADDR SO_BROADCAST SO_RCVBUF SO_SNDBUF SO_RCVTIMEO
 *               SO_SNDTIMEO SO_ERROR (read: and clear) SO_TYPE (read only)
 *   IPPROTO_IP  IP_TTL IP_TOS
 * Anything else is ENOPROTOOPT.
 *
 * SO_RCVBUF bounds the bytes queued for reception (payload plus
 * SOCK_RCV_OVERHEAD per datagram, see socket.h).  SO_SNDBUF is stored and
 * reported only: UDP has no send queue, a datagram leaves during the
 * call.  SO_SNDTIMEO likewise never expires for UDP (a send never waits).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>

#include "ipv4.h"
#include "socket.h"
#include "stack.h"
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

static int sock_set_socket(struct glass_sock *sk, int name, const void *val, socklen_t len)
{
    int v = 0, rc;
    switch (name) {
    case SO_RCVTIMEO:
        return opt_get_timeval(val, len, &sk->rcvtimeo);
    case SO_SNDTIMEO:
        return opt_get_timeval(val, len, &sk->sndtimeo);
    case SO_REUSEADDR:
    case SO_BROADCAST:
    case SO_RCVBUF:
    case SO_SNDBUF:
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
        break;
    case SO_SNDBUF:
        sk->sndbuf = opt_buf_size(v, SOCK_WMEM_MAX, SOCK_MIN_SNDBUF);
        break;
    }
    return 0;
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
    case SO_ERROR: {
        /* Reading the pending error clears it (POSIX). */
        int err = sk->so_error;
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
