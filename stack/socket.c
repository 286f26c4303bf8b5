/*
 * socket.c - the BSD socket calls: what socket(), bind(), connect(),
 * sendto() and recvfrom() really set in motion.
 *
 * socket()   makes a struct glass_sock in its stack and an eventfd whose
 *            number is the descriptor the program holds; the process-wide
 *            descriptor table maps that number back to the socket.
 * bind()     claims an address and port: 0.0.0.0 or one of ours (RFC 1122
 *            4.1.3.5, multihoming); conflicts follow the BSD rules.
 * connect()  on a datagram socket only remembers a default peer: from then
 *            on only datagrams from that peer are received (udp_match);
 *            on a stream it opens a TCP connection (sock_stream.c).
 * listen(), accept()  streams only: sock_stream.c.
 * send*()    build a datagram and hand it to udp_output during the call.
 * recv*()    take the oldest datagram from the socket's queue, sleeping
 *            in sock_wait (sock_wait.c) while it is empty.
 * close()    takes the descriptor out of the table, wakes anyone blocked
 *            on it (they return EBADF) and frees the socket when the last
 *            call using it has left.
 *
 * Locking: the table has its own mutex, held only to look a descriptor up
 * and take a reference.  Every call then takes the stack lock, acts, and
 * releases it.  A socket is freed when its last reference goes, so a
 * thread blocked in recv never touches freed memory after a close.
 *
 * Glass never raises SIGPIPE: a send after shutdown(SHUT_WR) fails with
 * EPIPE as if MSG_NOSIGNAL were always given.
 */
#define _GNU_SOURCE
#include "socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ipv4.h"
#include "mem.h"
#include "netif.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "udp.h"
#include "util.h"

/* ---- the descriptor table ---------------------------------------------------
 *
 * The one global of glass: descriptor numbers belong to the process, not
 * to a stack, so their map does too (like the kernel's per-process file
 * table).  It grows with the highest descriptor seen and is freed when
 * the last socket of the process closes. */

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct glass_sock **table;
static size_t table_cap;
static size_t table_used;

static int table_insert(struct glass_sock *sk)
{
    pthread_mutex_lock(&table_lock);
    if ((size_t)sk->fd >= table_cap) {
        size_t cap = table_cap ? table_cap : 64;
        while (cap <= (size_t)sk->fd)
            cap *= 2;
        struct glass_sock **t = realloc(table, cap * sizeof(*t));
        if (!t) {
            pthread_mutex_unlock(&table_lock);
            return -ENOMEM;
        }
        memset(t + table_cap, 0, (cap - table_cap) * sizeof(*t));
        table = t;
        table_cap = cap;
    }
    table[sk->fd] = sk;
    table_used++;
    pthread_mutex_unlock(&table_lock);
    return 0;
}

/* Returns true when sk was in the table (a second close finds it gone). */
static bool table_remove(struct glass_sock *sk)
{
    bool was = false;
    pthread_mutex_lock(&table_lock);
    if ((size_t)sk->fd < table_cap && table[sk->fd] == sk) {
        table[sk->fd] = NULL;
        was = true;
        if (--table_used == 0) {
            free(table);
            table = NULL;
            table_cap = 0;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return was;
}

struct glass_sock *sock_get(int fd)
{
    struct glass_sock *sk = NULL;
    if (fd >= 0) {
        pthread_mutex_lock(&table_lock);
        if ((size_t)fd < table_cap && table[fd]) {
            sk = table[fd];
            __atomic_add_fetch(&sk->refs, 1, __ATOMIC_ACQ_REL);
        }
        pthread_mutex_unlock(&table_lock);
    }
    if (!sk)
        /* Not ours: an ordinary open descriptor is "not a socket" (to
         * glass); anything else is a bad descriptor. */
        errno = fd >= 0 && fcntl(fd, F_GETFD) >= 0 ? ENOTSOCK : EBADF;
    return sk;
}

/* The last reference: the socket is already out of the table and off its
 * stack's list, so nobody else can reach it. */
static void sock_free(struct glass_sock *sk)
{
    struct glass_stack *stack = sk->stack;
    pkb_queue_purge(stack, &sk->rcvq);
    pthread_cond_destroy(&sk->cond);
    close(sk->fd);
    glass_free(stack, sk);
}

void sock_put(struct glass_sock *sk)
{
    if (__atomic_sub_fetch(&sk->refs, 1, __ATOMIC_ACQ_REL) == 0)
        sock_free(sk);
}

int glass_is_socket(int fd)
{
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return 0;
    sock_put(sk);
    return 1;
}

unsigned sock_waiters(int fd)
{
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return 0;
    glass_stack_lock(sk->stack);
    unsigned n = sk->waiters;
    glass_stack_unlock(sk->stack);
    sock_put(sk);
    return n;
}

/* ---- per-stack state ---------------------------------------------------------- */

/* splitmix64: a small, good PRNG for choosing where the port search starts. */
static uint64_t sock_rand(struct glass_stack *stack)
{
    uint64_t z = (stack->port_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sock_stack_init(struct glass_stack *stack)
{
    /* Seeded from the real clock and a per-process counter, so two stacks
     * (or two runs) start their port search in different places: RFC 6056
     * asks for ephemeral ports an off-path attacker cannot guess. */
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    stack->port_rng = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec +
                      ((uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) << 48);
    stack->max_socks = GLASS_MAX_SOCKETS;
    stack->port_lo = SOCK_EPHEMERAL_LO;
    stack->port_hi = SOCK_EPHEMERAL_HI;
}

static bool sock_is_stream_type(int type)
{
    return type == SOCK_STREAM;
}

static void sock_unlink(struct glass_sock *sk)
{
    struct glass_stack *stack = sk->stack;
    for (struct glass_sock **pp = &stack->socks; *pp; pp = &(*pp)->next)
        if (*pp == sk) {
            *pp = sk->next;
            stack->nsocks--;
            return;
        }
}

/* Stack context: the socket stops existing for the protocols; callers
 * still inside a call see `closed` and leave with EBADF. */
static void sock_close_locked(struct glass_sock *sk)
{
    struct glass_stack *stack = sk->stack;
    sk->closed = true;
    sock_unlink(sk);
    pkb_queue_purge(stack, &sk->rcvq);
    sk->rcv_used = 0;
    if (sock_is_stream_type(sk->type))
        sock_stream_close(sk);  /* TCP goes on with the connection as an orphan */
    STAT_INC(stack, socket, closed);
    TRACE(stack, GLASS_TRACE_SOCKET, "sock  fd %d closed", sk->fd);
    sock_wakeup(sk);
}

/* glass_stack_free: sockets the program left open are closed and freed
 * (no call may be in progress on them any more: the stack is going). */
void sock_stack_destroy(struct glass_stack *stack)
{
    while (stack->socks) {
        struct glass_sock *sk = stack->socks;
        bool in_table = table_remove(sk);
        sock_close_locked(sk);
        if (in_table)
            sock_put(sk);
    }
}

/* ---- ports ------------------------------------------------------------------------ */

static bool addrs_overlap(uint32_t a, uint32_t b)
{
    return a == 0 || b == 0 || a == b;
}

bool sock_port_conflict(struct glass_stack *stack, const struct glass_sock *self, int type,
                        uint32_t addr, uint16_t port)
{
    if (sock_is_stream_type(type))
        return sock_stream_port_conflict(stack, self, addr, port);
    for (const struct glass_sock *sk = stack->socks; sk; sk = sk->next) {
        if (sk == self || sk->type != type || sk->lport != port)
            continue;
        if (!addrs_overlap(sk->laddr, addr))
            continue;
        /* SO_REUSEADDR shares a port only when every party asked for it. */
        if (self && self->reuseaddr && sk->reuseaddr)
            continue;
        return true;
    }
    return false;
}

/* RFC 6056 3.3.1-like: start at a random point of the range and probe
 * linearly, so a port is found whenever one is free, without collisions. */
static int sock_pick_port(struct glass_sock *sk, uint32_t addr, uint16_t *port_be)
{
    struct glass_stack *stack = sk->stack;
    unsigned lo = stack->port_lo, hi = stack->port_hi, n = hi - lo + 1;
    unsigned start = (unsigned)(sock_rand(stack) % n);
    for (unsigned i = 0; i < n; i++) {
        uint16_t p = (uint16_t)(lo + (start + i) % n);
        uint16_t be;
        put_be16((uint8_t *)&be, p);
        /* An ephemeral port is never shared, whatever SO_REUSEADDR says. */
        if (!sock_port_conflict(stack, NULL, sk->type, addr, be)) {
            *port_be = be;
            return 0;
        }
    }
    return -EAGAIN;
}

int sock_autobind(struct glass_sock *sk)
{
    if (sk->lport)
        return 0;
    uint16_t port;
    int rc = sock_pick_port(sk, sk->laddr, &port);
    if (rc < 0) {
        TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d: no ephemeral port left", sk->fd);
        return rc;
    }
    sk->lport = port;
    return 0;
}

/* ---- call scaffolding ---------------------------------------------------------------
 *
 * Every call: find the socket (reference), lock its stack, act, unlock,
 * drop the reference, and turn a negative errno into -1/errno. */

static struct glass_sock *sock_enter(int fd)
{
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return NULL;
    glass_stack_lock(sk->stack);
    if (sk->closed) { /* closed by another thread after the lookup */
        glass_stack_unlock(sk->stack);
        sock_put(sk);
        errno = EBADF;
        return NULL;
    }
    return sk;
}

static long sock_leave(struct glass_sock *sk, long rc)
{
    glass_stack_unlock(sk->stack);
    sock_put(sk);
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return rc;
}

/* A sockaddr_in from the caller: EFAULT when missing, EINVAL when too
 * short.  The family is for each caller to judge (they differ). */
static int sock_addr_in(const struct sockaddr *addr, socklen_t len, struct sockaddr_in *out)
{
    if (!addr)
        return -EFAULT;
    if (len < sizeof(struct sockaddr_in))
        return -EINVAL;
    memcpy(out, addr, sizeof(*out));
    return 0;
}

static void sock_fill_addr(struct sockaddr *addr, socklen_t *len, uint32_t a, uint16_t port_be)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = port_be};
    sin.sin_addr.s_addr = a;
    if (addr && len)
        memcpy(addr, &sin, GLASS_MIN((size_t)*len, sizeof sin));
    if (len)
        *len = sizeof sin;
}

static bool sock_is_stream(const struct glass_sock *sk)
{
    return sk->type == SOCK_STREAM;
}

/* ---- socket() ------------------------------------------------------------------------ */

/* Which type/protocol pairs exist; 0 or -errno as Linux answers. */
static int sock_check_type(int domain, int type, int *protocol)
{
    if (domain != AF_INET)
        return -EAFNOSUPPORT;
    switch (type) {
    case SOCK_DGRAM:
        if (*protocol != 0 && *protocol != IPPROTO_UDP)
            return -EPROTONOSUPPORT;
        *protocol = IPPROTO_UDP;
        return 0;
    case SOCK_STREAM:
        if (*protocol != 0 && *protocol != IPPROTO_TCP)
            return -EPROTONOSUPPORT;
        *protocol = IPPROTO_TCP;
        return 0;
    default:
        /* SOCK_RAW, SOCK_SEQPACKET...: not offered by glass. */
        return type < 0 || type > 10 ? -EINVAL : -ESOCKTNOSUPPORT;
    }
}

static struct glass_sock *sock_new(struct glass_stack *stack, int type, int protocol, bool nonblock)
{
    struct glass_sock *sk = glass_alloc(stack, sizeof(*sk));
    if (!sk)
        return NULL;
    sk->stack = stack;
    sk->refs = 1; /* the descriptor table's */
    sk->type = type;
    sk->protocol = protocol;
    sk->nonblock = nonblock;
    sk->rcvbuf = SOCK_RCVBUF_DEFAULT;
    sk->sndbuf = SOCK_SNDBUF_DEFAULT;
    pthread_cond_init(&sk->cond, NULL);
    return sk;
}

int sock_create(struct glass_stack *stack, int type, int protocol, bool nonblock,
                struct glass_sock **out)
{
    int rc;
    if (stack->nsocks >= stack->max_socks) {
        STAT_INC(stack, socket, emfile);
        return -EMFILE;
    }
    struct glass_sock *sk = sock_new(stack, type, protocol, nonblock);
    if (!sk)
        return -ENOBUFS;
    /* The descriptor is always close-on-exec (SOCK_CLOEXEC accepted):
     * a program after exec has no stack to talk to through it. */
    sk->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (sk->fd < 0 || (rc = table_insert(sk)) < 0) {
        int err = sk->fd < 0 ? errno : -rc;
        if (sk->fd >= 0)
            close(sk->fd);
        pthread_cond_destroy(&sk->cond);
        glass_free(stack, sk);
        return -err;
    }
    sk->next = stack->socks;
    stack->socks = sk;
    stack->nsocks++;
    STAT_INC(stack, socket, opened);
    *out = sk;
    return 0;
}

int glass_socket(struct glass_stack *stack, int domain, int type, int protocol)
{
    if (!stack) {
        errno = EINVAL;
        return -1;
    }
    int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    int rc = sock_check_type(domain, base, &protocol);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    glass_stack_lock(stack);
    struct glass_sock *sk = NULL;
    rc = sock_create(stack, base, protocol, flags & SOCK_NONBLOCK, &sk);
    /* A stream socket has its TCP control block from the start (CLOSED),
     * so options set before connect/listen have somewhere to go. */
    if (rc == 0 && sock_is_stream_type(base) && (rc = tcp_user_attach(sk)) < 0) {
        /* Undo sock_create: nobody has seen the descriptor yet. */
        table_remove(sk);
        sock_unlink(sk);
        stack->stats.socket_opened--;
        glass_stack_unlock(stack);
        sock_put(sk);
        errno = -rc;
        return -1;
    }
    if (rc < 0) {
        glass_stack_unlock(stack);
        errno = -rc;
        return -1;
    }
    TRACE(stack, GLASS_TRACE_SOCKET, "sock  fd %d socket(AF_INET, %s)", sk->fd,
          base == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_STREAM");
    int fd = sk->fd;
    glass_stack_unlock(stack);
    return fd;
}

/* ---- bind() ----------------------------------------------------------------------------- */

/* Addresses a socket may bind: any (0.0.0.0), one of ours, or a
 * broadcast (to receive only broadcasts, as Linux allows for UDP). */
static bool sock_addr_bindable(struct glass_stack *stack, uint32_t a)
{
    if (a == 0 || ipv4_is_local(stack, a) || ip4_is_limited_broadcast(a))
        return true;
    for (const struct glass_netif *nif = stack->netifs; nif; nif = nif->next)
        if (netif_is_subnet_broadcast(nif, a))
            return true;
    return false;
}

static int sock_bind_locked(struct glass_sock *sk, const struct sockaddr_in *sin)
{
    struct glass_stack *stack = sk->stack;
    uint32_t a = sin->sin_addr.s_addr;
    if (sk->lport)
        return -EINVAL;         /* already bound (explicitly or by a send) */
    if (!sock_addr_bindable(stack, a))
        return -EADDRNOTAVAIL;
    uint16_t port = sin->sin_port;
    if (port == 0) {
        /* Linux: bind() finding no free ephemeral port says EADDRINUSE
         * (an implicit bind on send/connect says EAGAIN). */
        if (sock_pick_port(sk, a, &port) < 0)
            return -EADDRINUSE;
    } else {
        if (sock_port_conflict(stack, sk, sk->type, a, port))
            return -EADDRINUSE;
        sk->port_locked = true;
    }
    sk->laddr = a;
    sk->addr_locked = a != 0;
    sk->lport = port;
    TRACE(stack, GLASS_TRACE_SOCKET, "sock  fd %d bound to %s:%u", sk->fd, ip4s(a).s,
          get_be16((const uint8_t *)&port));
    return 0;
}

int glass_bind(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    struct sockaddr_in sin;
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    int rc = sock_addr_in(addr, addrlen, &sin);
    /* Linux, for old programs: AF_UNSPEC with INADDR_ANY means AF_INET. */
    if (rc == 0 && sin.sin_family != AF_INET &&
        !(sin.sin_family == AF_UNSPEC && sin.sin_addr.s_addr == 0))
        rc = -EAFNOSUPPORT;
    if (rc == 0)
        rc = sock_bind_locked(sk, &sin);
    return (int)sock_leave(sk, rc);
}

/* ---- connect() ------------------------------------------------------------------------------ */

/* connect(AF_UNSPEC) dissolves the association (POSIX, and Linux): the
 * peer is forgotten, and so is whatever connect chose implicitly. */
static int sock_disconnect(struct glass_sock *sk)
{
    sk->connected = false;
    sk->faddr = 0;
    sk->fport = 0;
    if (!sk->addr_locked)
        sk->laddr = 0;
    if (!sk->port_locked)
        sk->lport = 0;
    TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d disconnected", sk->fd);
    return 0;
}

/* A datagram socket's connect sends nothing: it fixes the default peer,
 * a route-chosen local address (so getsockname shows it) and a port. */
static int sock_connect_dgram(struct glass_sock *sk, const struct sockaddr_in *sin)
{
    struct glass_stack *stack = sk->stack;
    uint32_t dst = sin->sin_addr.s_addr;
    bool bcast = ip4_is_limited_broadcast(dst);
    for (const struct glass_netif *nif = stack->netifs; nif && !bcast; nif = nif->next)
        bcast = netif_is_subnet_broadcast(nif, dst);
    if (bcast && !sk->broadcast)
        return -EACCES;
    uint32_t src = 0;
    int rc = ipv4_select_source(stack, dst, &src);
    if (rc < 0)
        return rc;
    uint32_t old_laddr = sk->laddr;
    if (!sk->laddr)
        sk->laddr = src;
    rc = sock_autobind(sk);
    if (rc < 0) {
        sk->laddr = old_laddr;
        return rc;
    }
    sk->faddr = dst;
    sk->fport = sin->sin_port;
    sk->connected = true;
    TRACE(stack, GLASS_TRACE_SOCKET, "sock  fd %d connected %s:%u > %s:%u", sk->fd,
          ip4s(sk->laddr).s, get_be16((const uint8_t *)&sk->lport), ip4s(dst).s,
          get_be16((const uint8_t *)&sin->sin_port));
    return 0;
}

int glass_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    struct sockaddr_in sin;
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    int rc;
    if (!addr)
        rc = -EFAULT;
    else if (addrlen < sizeof(sa_family_t))
        rc = -EINVAL;
    else if (addr->sa_family == AF_UNSPEC && !sock_is_stream(sk))
        rc = sock_disconnect(sk);
    else if ((rc = sock_addr_in(addr, addrlen, &sin)) == 0) {
        if (sin.sin_family != AF_INET)
            rc = -EAFNOSUPPORT;
        else if (sock_is_stream(sk))
            rc = sock_stream_connect(sk, &sin);
        else
            rc = sock_connect_dgram(sk, &sin);
    }
    return (int)sock_leave(sk, rc);
}

int glass_listen(int fd, int backlog)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    /* Datagram sockets have no connections to listen for (Linux: EOPNOTSUPP). */
    if (!sock_is_stream(sk))
        return (int)sock_leave(sk, -EOPNOTSUPP);
    return (int)sock_leave(sk, sock_stream_listen(sk, backlog));
}

int glass_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    if (!sock_is_stream(sk))
        return (int)sock_leave(sk, -EOPNOTSUPP);
    struct glass_sock *nsk;
    int rc = sock_stream_accept(sk, &nsk);
    if (rc == 0) {
        sock_fill_addr(addr, addrlen, nsk->faddr, nsk->fport);
        rc = nsk->fd;
    }
    return (int)sock_leave(sk, rc);
}

/* ---- names ------------------------------------------------------------------------------------ */

int glass_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    if (!addr || !addrlen)
        return (int)sock_leave(sk, -EFAULT);
    /* Unbound: 0.0.0.0:0, as on Linux. */
    sock_fill_addr(addr, addrlen, sk->laddr, sk->lport);
    return (int)sock_leave(sk, 0);
}

int glass_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    if (sock_is_stream(sk) ? !sock_stream_has_peer(sk) : !sk->connected)
        return (int)sock_leave(sk, -ENOTCONN);
    if (!addr || !addrlen)
        return (int)sock_leave(sk, -EFAULT);
    sock_fill_addr(addr, addrlen, sk->faddr, sk->fport);
    return (int)sock_leave(sk, 0);
}

/* ---- sending ------------------------------------------------------------------------------------ */

static int msg_total(const struct msghdr *msg, size_t *total)
{
    size_t t = 0;
    if (msg->msg_iovlen && !msg->msg_iov)
        return -EFAULT;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
        if (msg->msg_iov[i].iov_len && !msg->msg_iov[i].iov_base)
            return -EFAULT;
        if (msg->msg_iov[i].iov_len > SIZE_MAX / 2 - t)
            return -EINVAL;
        t += msg->msg_iov[i].iov_len;
    }
    *total = t;
    return 0;
}

/* The broadcast addresses of this host's links (RFC 919/922). */
static bool sock_is_broadcast(struct glass_stack *stack, uint32_t a)
{
    if (ip4_is_limited_broadcast(a))
        return true;
    for (const struct glass_netif *nif = stack->netifs; nif; nif = nif->next)
        if (netif_is_subnet_broadcast(nif, a))
            return true;
    return false;
}

/* Where a datagram goes: msg_name if given (even on a connected socket,
 * as Linux allows), else the connected peer. */
static int sock_send_dest(struct glass_sock *sk, const struct msghdr *msg, uint32_t *dst,
                          uint16_t *dport)
{
    if (msg->msg_name) {
        struct sockaddr_in sin;
        int rc = sock_addr_in(msg->msg_name, msg->msg_namelen, &sin);
        if (rc < 0)
            return rc;
        /* Linux takes AF_UNSPEC here as AF_INET. */
        if (sin.sin_family != AF_INET && sin.sin_family != AF_UNSPEC)
            return -EAFNOSUPPORT;
        if (sin.sin_port == 0)
            return -EINVAL;     /* nobody can listen on port 0 */
        *dst = sin.sin_addr.s_addr;
        *dport = sin.sin_port;
        return 0;
    }
    if (!sk->connected)
        return -EDESTADDRREQ;
    *dst = sk->faddr;
    *dport = sk->fport;
    return 0;
}

/* Pending asynchronous error: reported once, then cleared (SO_ERROR). */
static int sock_take_error(struct glass_sock *sk)
{
    int err = sk->so_error;
    sk->so_error = 0;
    return -err;
}

static ssize_t sock_sendmsg_locked(struct glass_sock *sk, const struct msghdr *msg, int flags)
{
    struct glass_stack *stack = sk->stack;
    size_t len;
    int rc;
    if (sock_is_stream(sk)) {
        /* A stream has one peer: a destination address is ignored (Linux). */
        if ((rc = msg_total(msg, &len)) < 0)
            return rc;
        return sock_stream_sendmsg(sk, msg, len, flags);
    }
    /* Like Linux (inet_send_prepare), an unbound socket gets its port
     * before anything else is looked at: no port left is EAGAIN. */
    if ((rc = sock_autobind(sk)) < 0)
        return rc;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if ((rc = msg_total(msg, &len)) < 0)
        return rc;
    if (len > UDP_MAX_PAYLOAD)
        return -EMSGSIZE;       /* RFC 791: 65535 bytes in all */
    uint32_t dst;
    uint16_t dport;
    if ((rc = sock_send_dest(sk, msg, &dst, &dport)) < 0)
        return rc;
    if (sk->shut_wr)
        return -EPIPE;          /* never SIGPIPE: glass has no signals */
    if (sk->so_error)
        return sock_take_error(sk);
    if (sock_is_broadcast(stack, dst) && !sk->broadcast)
        return -EACCES;         /* BSD and Linux: broadcast must be asked for */
    rc = udp_output(sk, msg, len, dst, dport);
    return rc < 0 ? rc : (ssize_t)len;
}

ssize_t glass_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    if (!msg)
        return sock_leave(sk, -EFAULT);
    return sock_leave(sk, sock_sendmsg_locked(sk, msg, flags));
}

ssize_t glass_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dest,
                     socklen_t destlen)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {
        .msg_name = (void *)dest, .msg_namelen = dest ? destlen : 0, .msg_iov = &iov, .msg_iovlen = 1};
    return glass_sendmsg(fd, &msg, flags);
}

ssize_t glass_send(int fd, const void *buf, size_t len, int flags)
{
    return glass_sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t glass_write(int fd, const void *buf, size_t len)
{
    return glass_sendto(fd, buf, len, 0, NULL, 0);
}

/* ---- receiving ----------------------------------------------------------------------------------- */

/* What makes a recv return without sleeping: a datagram, a pending
 * error, or the read side shut (then it returns 0). */
static bool sock_recv_ready(const struct glass_sock *sk)
{
    return sk->rcvq.count || sk->so_error || sk->shut_rd;
}

/* Copy the datagram into the caller's iovecs (scatter); the rest of a
 * datagram that does not fit is lost, as RFC 768 datagrams are atomic. */
static size_t sock_copy_out(const struct pkb *pkb, const struct msghdr *msg)
{
    size_t len = pkb_len(pkb), done = 0;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen && done < len; i++) {
        size_t n = GLASS_MIN(len - done, msg->msg_iov[i].iov_len);
        if (n)
            memcpy(msg->msg_iov[i].iov_base, pkb->data + done, n);
        done += n;
    }
    return done;
}

static ssize_t sock_dequeue(struct glass_sock *sk, struct msghdr *msg, int flags)
{
    struct pkb *pkb = sk->rcvq.first;
    size_t len = pkb_len(pkb);
    size_t copied = sock_copy_out(pkb, msg);
    msg->msg_flags = copied < len ? MSG_TRUNC : 0;
    if (msg->msg_name) {
        socklen_t nl = msg->msg_namelen;
        uint16_t sport_be;
        memcpy(&sport_be, pkb_l4(pkb), 2);
        sock_fill_addr(msg->msg_name, &nl, get_addr(pkb_l3(pkb) + 12), sport_be);
        msg->msg_namelen = nl;
    }
    msg->msg_controllen = 0;
    if (!(flags & MSG_PEEK)) {
        pkb_queue_pop(&sk->rcvq);
        sk->rcv_used -= sock_rcv_charge(len);
        pkb_free(sk->stack, pkb);
    }
    /* MSG_TRUNC asks for the datagram's real length (Linux). */
    return (ssize_t)((flags & MSG_TRUNC) ? len : copied);
}

static ssize_t sock_recvmsg_locked(struct glass_sock *sk, struct msghdr *msg, int flags)
{
    size_t len;
    int rc;
    if ((rc = msg_total(msg, &len)) < 0)
        return rc;
    if (sock_is_stream(sk))
        return sock_stream_recvmsg(sk, msg, len, flags);
    for (;;) {
        if (sk->so_error)
            return sock_take_error(sk);
        if (sk->rcvq.count)
            return sock_dequeue(sk, msg, flags);
        if (sk->shut_rd)
            return 0;
        if (sk->nonblock || (flags & MSG_DONTWAIT))
            return -EAGAIN;
        STAT_INC(sk->stack, socket, blocked);
        rc = sock_wait(sk, sock_recv_ready, sk->rcvtimeo);
        if (rc < 0)
            return rc;
    }
}

ssize_t glass_recvmsg(int fd, struct msghdr *msg, int flags)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    if (!msg)
        return sock_leave(sk, -EFAULT);
    return sock_leave(sk, sock_recvmsg_locked(sk, msg, flags));
}

ssize_t glass_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
                       socklen_t *srclen)
{
    if (src && !srclen) {
        errno = EFAULT;
        return -1;
    }
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {.msg_name = src && srclen ? src : NULL,
                         .msg_namelen = src && srclen ? *srclen : 0,
                         .msg_iov = &iov,
                         .msg_iovlen = 1};
    ssize_t n = glass_recvmsg(fd, &msg, flags);
    if (n >= 0 && src && srclen)
        *srclen = msg.msg_namelen;
    return n;
}

ssize_t glass_recv(int fd, void *buf, size_t len, int flags)
{
    return glass_recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t glass_read(int fd, void *buf, size_t len)
{
    return glass_recvfrom(fd, buf, len, 0, NULL, NULL);
}

/* ---- shutdown and close ------------------------------------------------------------------------- */

int glass_shutdown(int fd, int how)
{
    struct glass_sock *sk = sock_enter(fd);
    if (!sk)
        return -1;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return (int)sock_leave(sk, -EINVAL);
    if (sock_is_stream(sk)) {
        TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d shutdown(%s)", fd,
              how == SHUT_RD ? "SHUT_RD" : how == SHUT_WR ? "SHUT_WR" : "SHUT_RDWR");
        return (int)sock_leave(sk, sock_stream_shutdown(sk, how));
    }
    if (how != SHUT_WR)
        sk->shut_rd = true;
    if (how != SHUT_RD)
        sk->shut_wr = true;
    TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d shutdown(%s)", fd,
          how == SHUT_RD ? "SHUT_RD" : how == SHUT_WR ? "SHUT_WR" : "SHUT_RDWR");
    sock_wakeup(sk);
    /* Linux: an unconnected datagram socket answers ENOTCONN -- but the
     * shutdown still takes effect (it wakes anyone blocked in recv). */
    return (int)sock_leave(sk, sk->connected ? 0 : -ENOTCONN);
}

int glass_close(int fd)
{
    struct glass_sock *sk = sock_get(fd);
    if (!sk)
        return -1;
    if (!table_remove(sk)) { /* another thread closed it first */
        sock_put(sk);
        errno = EBADF;
        return -1;
    }
    glass_stack_lock(sk->stack);
    if (sock_is_stream(sk))
        sock_stream_linger(sk); /* SO_LINGER: wait for our FIN's ACK */
    sock_close_locked(sk);
    glass_stack_unlock(sk->stack);
    sock_put(sk); /* the table's reference */
    sock_put(sk); /* ours: frees it unless a blocked call still holds one */
    return 0;
}
