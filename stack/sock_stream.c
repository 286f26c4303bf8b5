/*
 * sock_stream.c - SOCK_STREAM sockets: the BSD calls over TCP.
 *
 * socket.c finds the socket and takes the stack lock; for a stream it
 * hands the call here.  Each call asks TCP (tcp_user.c) for what can be
 * done at once and, when that is nothing and the socket blocks, sleeps in
 * sock_wait until TCP wakes it (tcp_wake -> sock_wakeup) or the timeout
 * (SO_RCVTIMEO / SO_SNDTIMEO) runs out.  The errno values and their order
 * are Linux's (inet_stream_connect, tcp_sendmsg, tcp_recvmsg,
 * inet_shutdown, tcp_close).
 *
 * For a stream socket, sk->faddr set means connect() was called (the
 * attempt may still be running: Linux's SS_CONNECTING) and sk->connected
 * that the connection was made (SS_CONNECTED) -- by connect() or accept().
 */
#include <errno.h>
#include <string.h>

#include "socket.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* ---- states as the socket sees them -------------------------------------------- */

static bool tcb_synchronizing(const struct tcp_cb *tcb)
{
    return tcb->state == TCP_SYN_SENT || tcb->state == TCP_SYN_RECEIVED;
}

/* A connection existed (or was tried) and is over: both directions shut. */
static bool stream_over(const struct glass_sock *sk)
{
    return sk->tcb->state == TCP_CLOSED && (sk->connected || sk->faddr);
}

/* Nothing more will ever arrive: the peer's FIN, SHUT_RD, or the end. */
static bool stream_rd_eof(const struct glass_sock *sk)
{
    return sk->shut_rd || sk->tcb->fin_rcvd || stream_over(sk);
}

static bool stream_connect_done(const struct glass_sock *sk)
{
    return !tcb_synchronizing(sk->tcb);
}

static bool stream_send_ready(const struct glass_sock *sk)
{
    const struct tcp_cb *tcb = sk->tcb;
    return tcb->error || tcb->fin_queued || sk->shut_wr ||
           (tcb->state != TCP_ESTABLISHED && tcb->state != TCP_CLOSE_WAIT &&
            !tcb_synchronizing(tcb)) ||
           (!tcb_synchronizing(tcb) && tcp_buf_space(&tcb->sndbuf) > 0);
}

static bool stream_recv_ready(const struct glass_sock *sk)
{
    const struct tcp_cb *tcb = sk->tcb;
    return tcb->rcvbuf.len || tcb->error || stream_rd_eof(sk) || tcb->state == TCP_CLOSED ||
           tcb->state == TCP_LISTEN;
}

static bool stream_accept_ready(const struct glass_sock *sk)
{
    return sk->tcb->acc_head || sk->tcb->state != TCP_LISTEN;
}

/* SO_LINGER: our FIN is acknowledged (FIN-WAIT-2, TIME-WAIT) or the
 * connection ended (Linux sk_stream_wait_close: not "closing"). */
static bool stream_close_done(const struct glass_sock *sk)
{
    enum tcp_state s = sk->tcb->state;
    return s != TCP_FIN_WAIT_1 && s != TCP_CLOSING && s != TCP_LAST_ACK;
}

static int stream_take_error(struct tcp_cb *tcb, int fallback)
{
    int err = tcb->error ? tcb->error : fallback;
    tcb->error = 0;
    return -err;
}

/* ---- iovec windows ------------------------------------------------------------------------
 *
 * tcp_user_send/recv take whole iovecs from their start; a call that
 * already moved `skip` bytes continues from a copy of the iovecs that
 * starts there (at most STREAM_IOV of them per step). */

#define STREAM_IOV 16

static size_t iov_window(const struct msghdr *msg, size_t skip, struct iovec *v, size_t *bytes)
{
    size_t n = 0;
    *bytes = 0;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen && n < STREAM_IOV; i++) {
        const struct iovec *src = &msg->msg_iov[i];
        if (skip >= src->iov_len) {
            skip -= src->iov_len;
            continue;
        }
        v[n].iov_base = (uint8_t *)src->iov_base + skip;
        v[n].iov_len = src->iov_len - skip;
        skip = 0;
        *bytes += v[n].iov_len;
        n++;
    }
    return n;
}

/* ---- connect() --------------------------------------------------------------------------- */

/* A failed attempt leaves the socket unconnected and reusable (Linux
 * tcp_disconnect): a fresh control block with the same options, and the
 * implicit address and port forgotten. */
static int stream_renew(struct glass_sock *sk)
{
    struct tcp_cb *old = sk->tcb;
    struct tcp_cb *tcb = tcp_tcb_new(sk->stack);
    if (!tcb)
        return -ENOBUFS;
    tcb->nodelay = old->nodelay;
    tcb->keepalive_on = old->keepalive_on;
    tcb->keepidle = old->keepidle;
    tcb->keepintvl = old->keepintvl;
    tcb->keepcnt = old->keepcnt;
    tcb->user_mss = old->user_mss;
    tcb->sndbuf.max = old->sndbuf.max;
    tcb->rcvbuf.max = old->rcvbuf.max;
    old->sk = NULL;
    tcp_tcb_free(old);
    tcb->sk = sk;
    sk->tcb = tcb;
    sk->faddr = 0;
    sk->fport = 0;
    sk->connected = false;
    if (!sk->addr_locked)
        sk->laddr = 0;
    if (!sk->port_locked)
        sk->lport = 0;
    return 0;
}

/* The attempt is over (the SYN was answered, refused or gave up). */
static int stream_connect_result(struct glass_sock *sk)
{
    struct tcp_cb *tcb = sk->tcb;
    if (tcb->state == TCP_CLOSED) {
        int rc = stream_take_error(tcb, ECONNABORTED);
        TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d connect failed: %s", sk->fd,
              strerror(-rc));
        int r2 = stream_renew(sk);
        return r2 < 0 ? r2 : rc;
    }
    sk->connected = true;
    TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d connected %s:%u > %s:%u", sk->fd,
          ip4s(sk->laddr).s, get_be16((const uint8_t *)&sk->lport), ip4s(sk->faddr).s,
          get_be16((const uint8_t *)&sk->fport));
    return 0;
}

int sock_stream_connect(struct glass_sock *sk, const struct sockaddr_in *sin)
{
    if (sk->connected)
        return -EISCONN;
    if (!sk->faddr) {
        if (sk->tcb->state != TCP_CLOSED)
            return -EISCONN;    /* a listener (Linux says so too) */
        int rc = tcp_user_connect(sk->tcb, sin->sin_addr.s_addr, sin->sin_port);
        if (rc < 0)
            return rc;
        if (sk->nonblock)
            return -EINPROGRESS; /* poll for POLLOUT, then read SO_ERROR */
    } else if (tcb_synchronizing(sk->tcb) && sk->nonblock) {
        return -EALREADY;
    }
    if (tcb_synchronizing(sk->tcb)) {
        STAT_INC(sk->stack, socket, blocked);
        int rc = sock_wait(sk, stream_connect_done, sk->sndtimeo);
        if (rc == -EAGAIN)
            return -EINPROGRESS; /* SO_SNDTIMEO ran out: it goes on (Linux) */
        if (rc < 0)
            return rc;
    }
    return stream_connect_result(sk);
}

/* ---- listen() / accept() --------------------------------------------------------------------- */

int sock_stream_listen(struct glass_sock *sk, int backlog)
{
    if (sk->connected || sk->faddr)
        return -EINVAL;         /* Linux: only an unconnected socket may listen */
    int rc = tcp_user_listen(sk->tcb, backlog);
    if (rc == 0)
        TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d listening on %s:%u (backlog %d)", sk->fd,
              ip4s(sk->laddr).s, get_be16((const uint8_t *)&sk->lport), backlog);
    return rc;
}

/* The new socket starts with the listener's options, as Linux clones them. */
static void stream_inherit(struct glass_sock *nsk, const struct glass_sock *lsk)
{
    struct tcp_cb *c = nsk->tcb;
    const struct tcp_cb *l = lsk->tcb;
    nsk->reuseaddr = lsk->reuseaddr;
    nsk->rcvbuf = lsk->rcvbuf;
    nsk->sndbuf = lsk->sndbuf;
    nsk->rcvtimeo = lsk->rcvtimeo;
    nsk->sndtimeo = lsk->sndtimeo;
    nsk->ttl = lsk->ttl;
    nsk->tos = lsk->tos;
    nsk->linger_on = lsk->linger_on;
    nsk->linger_sec = lsk->linger_sec;
    c->nodelay = l->nodelay;
    c->sndbuf.max = l->sndbuf.max;
    if (l->keepalive_on && !c->keepalive_on) {
        c->keepalive_on = true;
        c->keepidle = l->keepidle;
        c->keepintvl = l->keepintvl;
        c->keepcnt = l->keepcnt;
        tcp_timer_keepalive_reset(c);
    }
}

int sock_stream_accept(struct glass_sock *sk, struct glass_sock **out)
{
    struct tcp_cb *child;
    for (;;) {
        if (sk->tcb->state != TCP_LISTEN)
            return -EINVAL;
        if ((child = tcp_listen_take(sk->tcb)))
            break;
        if (sk->nonblock)
            return -EAGAIN;
        STAT_INC(sk->stack, socket, blocked);
        int rc = sock_wait(sk, stream_accept_ready, sk->rcvtimeo);
        if (rc < 0)
            return rc;
    }
    struct glass_sock *nsk;
    int rc = sock_create(sk->stack, SOCK_STREAM, IPPROTO_TCP, false, &nsk);
    if (rc < 0) {
        /* The peer thinks it is connected: tell it otherwise. */
        tcp_user_close(child, true);
        return rc;
    }
    child->sk = nsk;
    nsk->tcb = child;
    nsk->laddr = child->laddr;
    nsk->lport = child->lport;
    nsk->faddr = child->faddr;
    nsk->fport = child->fport;
    nsk->connected = true;
    stream_inherit(nsk, sk);
    TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d accept: fd %d %s:%u > %s:%u", sk->fd,
          nsk->fd, ip4s(nsk->laddr).s, get_be16((const uint8_t *)&nsk->lport),
          ip4s(nsk->faddr).s, get_be16((const uint8_t *)&nsk->fport));
    *out = nsk;
    return 0;
}

/* ---- send ------------------------------------------------------------------------------------------ */

/* Queue what fits of msg from byte `done` on; bytes taken or -errno. */
static ssize_t stream_push(struct tcp_cb *tcb, const struct msghdr *msg, size_t done)
{
    size_t taken = 0;
    for (;;) {
        struct iovec v[STREAM_IOV];
        size_t bytes;
        size_t n = iov_window(msg, done + taken, v, &bytes);
        ssize_t r = tcp_user_send(tcb, v, n, bytes);
        if (r < 0)
            return taken ? (ssize_t)taken : r;
        taken += (size_t)r;
        if ((size_t)r < bytes || n < STREAM_IOV || r == 0)
            return (ssize_t)taken;
    }
}

ssize_t sock_stream_sendmsg(struct glass_sock *sk, const struct msghdr *msg, size_t len, int flags)
{
    bool nb = sk->nonblock || (flags & MSG_DONTWAIT);
    size_t done = 0;
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;     /* urgent data: not offered */
    for (;;) {
        struct tcp_cb *tcb = sk->tcb;
        int rc;
        if (tcb_synchronizing(tcb) && !tcb->error) {
            /* Linux sk_stream_wait_connect: the data waits for the handshake. */
            if (nb)
                return -EAGAIN;
            STAT_INC(sk->stack, socket, blocked);
            if ((rc = sock_wait(sk, stream_connect_done, sk->sndtimeo)) < 0)
                return rc;
            continue;
        }
        ssize_t n = stream_push(tcb, msg, done);
        if (n < 0)
            return done ? (ssize_t)done : n;
        done += (size_t)n;
        if (done >= len)
            return (ssize_t)done;
        if (nb)
            return done ? (ssize_t)done : -EAGAIN;
        STAT_INC(sk->stack, socket, blocked);
        if ((rc = sock_wait(sk, stream_send_ready, sk->sndtimeo)) < 0)
            return done ? (ssize_t)done : rc;
    }
}

/* ---- recv ------------------------------------------------------------------------------------------ */

static size_t stream_pull(struct tcp_cb *tcb, struct msghdr *msg, size_t done, bool peek)
{
    size_t taken = 0;
    for (;;) {
        struct iovec v[STREAM_IOV];
        size_t bytes;
        size_t n = iov_window(msg, done + taken, v, &bytes);
        ssize_t r = tcp_user_recv(tcb, v, n, bytes, peek);
        if (r <= 0)
            return taken;
        taken += (size_t)r;
        /* A peek always starts at the head: one window only. */
        if (peek || (size_t)r < bytes || n < STREAM_IOV)
            return taken;
    }
}

ssize_t sock_stream_recvmsg(struct glass_sock *sk, struct msghdr *msg, size_t len, int flags)
{
    bool nb = sk->nonblock || (flags & MSG_DONTWAIT);
    bool peek = flags & MSG_PEEK;
    bool waitall = (flags & MSG_WAITALL) && !peek;
    size_t done = 0;
    if (flags & MSG_OOB)
        return -EINVAL;         /* no urgent data is ever kept */
    msg->msg_flags = 0;
    msg->msg_namelen = 0;       /* a stream has one peer: getpeername */
    msg->msg_controllen = 0;
    for (;;) {
        struct tcp_cb *tcb = sk->tcb;
        int rc;
        if (tcb->state == TCP_LISTEN)
            return -ENOTCONN;
        if (tcb->rcvbuf.len && done < len) {
            done += stream_pull(tcb, msg, done, peek);
            if (!waitall || done >= len)
                return (ssize_t)done;
            continue;
        }
        if (len == 0)
            return 0;
        /* Linux tcp_recvmsg, with nothing (more) to copy: */
        if (tcb->error)
            return done ? (ssize_t)done : stream_take_error(tcb, 0);
        if (stream_rd_eof(sk))
            return (ssize_t)done;
        if (tcb->state == TCP_CLOSED)
            return done ? (ssize_t)done : -ENOTCONN;
        if (nb)
            return done ? (ssize_t)done : -EAGAIN;
        STAT_INC(sk->stack, socket, blocked);
        if ((rc = sock_wait(sk, stream_recv_ready, sk->rcvtimeo)) < 0)
            return done ? (ssize_t)done : rc;
    }
}

/* ---- shutdown and close -------------------------------------------------------------------- */

int sock_stream_shutdown(struct glass_sock *sk, int how)
{
    struct tcp_cb *tcb = sk->tcb;
    bool rd = how != SHUT_WR, wr = how != SHUT_RD;
    switch (tcb->state) {
    case TCP_LISTEN:
        /* Linux: SHUT_RD on a listener stops it (its queue is reset);
         * SHUT_WR alone means nothing. */
        if (rd) {
            tcp_listen_close(tcb);
            tcp_done(tcb, 0);
        }
        return 0;
    case TCP_SYN_SENT:
        /* Linux disconnects an attempt in progress. */
        tcp_done(tcb, 0);
        return 0;
    case TCP_CLOSED:
        sk->shut_rd |= rd;
        sk->shut_wr |= wr;
        sock_wakeup(sk);
        return -ENOTCONN;
    default:
        break;
    }
    sk->shut_rd |= rd;
    if (wr && !sk->shut_wr) {
        sk->shut_wr = true;
        tcp_user_shutdown_wr(tcb);
    }
    sock_wakeup(sk);
    return 0;
}

/* SO_LINGER with a time: close() sends the FIN and waits (at most that
 * long) for it to be acknowledged.  Called before the socket is closed. */
void sock_stream_linger(struct glass_sock *sk)
{
    struct tcp_cb *tcb = sk->tcb;
    if (!tcb || !sk->linger_on || sk->linger_sec <= 0 || tcb->rcvbuf.len)
        return;
    if (tcb->state != TCP_ESTABLISHED && tcb->state != TCP_CLOSE_WAIT &&
        tcb->state != TCP_FIN_WAIT_1 && tcb->state != TCP_CLOSING && tcb->state != TCP_LAST_ACK)
        return;
    sk->shut_wr = true;
    tcp_user_shutdown_wr(tcb);
    STAT_INC(sk->stack, socket, blocked);
    sock_wait(sk, stream_close_done, (glass_time_t)sk->linger_sec * GLASS_USEC_PER_SEC);
}

/* From sock_close_locked: hand the connection to TCP (it may live on as
 * an orphan) and forget it. */
void sock_stream_close(struct glass_sock *sk)
{
    struct tcp_cb *tcb = sk->tcb;
    if (!tcb)
        return;
    /* SO_LINGER {1, 0}: abort, RST (RFC 9293 3.10.5). */
    tcp_user_close(tcb, sk->linger_on && sk->linger_sec == 0);
    sk->tcb = NULL;
}

/* ---- ports ---------------------------------------------------------------------------------------
 *
 * Linux's TCP bind rules: a port is shared only when both sockets asked
 * for SO_REUSEADDR and the other one is not listening.  Orphans (closed
 * sockets finishing their conversation, TIME-WAIT above all) are not on
 * the socket list: they hold their port too, unless the new socket says
 * SO_REUSEADDR -- the classic server restart. */

static bool addrs_overlap(uint32_t a, uint32_t b)
{
    return a == 0 || b == 0 || a == b;
}

bool sock_stream_port_conflict(struct glass_stack *stack, const struct glass_sock *self,
                               uint32_t addr, uint16_t port)
{
    for (const struct glass_sock *sk = stack->socks; sk; sk = sk->next) {
        if (sk == self || sk->type != SOCK_STREAM || sk->lport != port ||
            !addrs_overlap(sk->laddr, addr))
            continue;
        bool listening = sk->tcb && sk->tcb->state == TCP_LISTEN;
        if (self && self->reuseaddr && sk->reuseaddr && !listening)
            continue;
        return true;
    }
    if (!stack->tcp)
        return false;
    for (const struct tcp_cb *tcb = stack->tcp->tcbs; tcb; tcb = tcb->next) {
        if (tcb->sk || tcb->parent || tcb->lport != port || !addrs_overlap(tcb->laddr, addr))
            continue;
        if (self && self->reuseaddr)
            continue;
        return true;
    }
    return false;
}

/* getpeername: only a connection that is (still) there has a peer. */
bool sock_stream_has_peer(const struct glass_sock *sk)
{
    enum tcp_state s = sk->tcb->state;
    return sk->fport && s != TCP_CLOSED && s != TCP_SYN_SENT && s != TCP_LISTEN;
}

/* SO_ERROR: the pending error, read once. */
int sock_stream_error(struct glass_sock *sk)
{
    int err = sk->so_error;
    sk->so_error = 0;
    if (!err && sk->tcb) {
        err = sk->tcb->error;
        sk->tcb->error = 0;
    }
    return err;
}
