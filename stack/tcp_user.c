/*
 * tcp_user.c - the user calls of RFC 9293 3.10.1-3.10.6 (OPEN, SEND,
 * RECEIVE, CLOSE, ABORT, STATUS) as the socket layer makes them.
 *
 * sock_stream.c turns connect/listen/send/recv/shutdown/close into these
 * calls and does all the waiting; everything here runs in stack context,
 * takes what it can at once and returns.  The data lives in the control
 * block's byte rings (tcp_buf.c); segments leave through tcp_output.
 *
 * A socket and its control block point at each other (sk->tcb, tcb->sk)
 * until close(): then the control block becomes an orphan (tcb->sk NULL)
 * that finishes the conversation on its own -- FIN, TIME-WAIT -- and is
 * freed by tcp_done, as the kernel lets a closed socket linger.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <string.h>

#include "ipv4.h"
#include "socket.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

static void tcp_user_trace(struct tcp_cb *tcb, const char *what)
{
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   %s:%u > %s:%u %s  %s", ip4s(tcb->laddr).s,
          get_be16((const uint8_t *)&tcb->lport), ip4s(tcb->faddr).s,
          get_be16((const uint8_t *)&tcb->fport), what, tcp_state_name(tcb->state));
}

int tcp_user_attach(struct glass_sock *sk)
{
    struct tcp_cb *tcb = tcp_tcb_new(sk->stack);
    if (!tcb)
        return -ENOBUFS;
    tcb->sk = sk;
    sk->tcb = tcb;
    /* SO_RCVBUF/SO_SNDBUF report the TCP defaults (cfg.rcvbuf/sndbuf,
     * RFC 7323 sizing: docs/tcp.md "Buffers"), as Linux's tcp_rmem[1]. */
    sk->rcvbuf = (int)tcb->rcvbuf.max;
    sk->sndbuf = (int)tcb->sndbuf.max;
    return 0;
}

/* ---- OPEN (RFC 9293 3.10.1) ------------------------------------------------------ */

/* An ephemeral port that makes the four-tuple unique (RFC 6056): the
 * socket layer's pick avoids every TCP socket and orphan on the port;
 * a bound port only has to give a tuple nobody holds. */
static int tcp_user_pick_port(struct tcp_cb *tcb, uint32_t laddr, uint32_t faddr, uint16_t fport)
{
    struct glass_sock *sk = tcb->sk;
    if (sk->lport)
        return tcp_tuple_in_use(tcb->stack, laddr, sk->lport, faddr, fport) ? -EADDRNOTAVAIL : 0;
    for (int tries = 0; tries < 16; tries++) {
        int rc = sock_autobind(sk);
        if (rc < 0)
            return rc;
        if (!tcp_tuple_in_use(tcb->stack, laddr, sk->lport, faddr, fport))
            return 0;
        sk->lport = 0;
    }
    return -EAGAIN;
}

int tcp_user_connect(struct tcp_cb *tcb, uint32_t faddr, uint16_t fport)
{
    struct glass_stack *stack = tcb->stack;
    struct glass_sock *sk = tcb->sk;
    if (tcb->state != TCP_CLOSED)
        return -EISCONN;
    if (fport == 0 || faddr == 0 || ip4_is_limited_broadcast(faddr))
        return -ECONNREFUSED;   /* nobody listens on port 0 (Linux answers this too) */
    uint32_t src = sk->laddr;
    if (!src) {
        int rc = ipv4_select_source(stack, faddr, &src);
        if (rc < 0)
            return rc;
    }
    int rc = tcp_user_pick_port(tcb, src, faddr, fport);
    if (rc < 0)
        return rc;
    sk->laddr = src;
    sk->faddr = faddr;
    sk->fport = fport;
    tcb->laddr = src;
    tcb->lport = sk->lport;
    tcb->faddr = faddr;
    tcb->fport = fport;
    /* RFC 9293 3.10.1: "Select an ISS.  Send a SYN segment of the form
     * <SEQ=ISS><CTL=SYN>.  Set SND.UNA to ISS, SND.NXT to ISS+1" --
     * tcp_output sends the SYN and moves SND.NXT. */
    tcb->iss = tcp_isn(tcb);
    tcb->snd_una = tcb->snd_nxt = tcb->snd_max = tcb->iss;
    tcb->adv_mss = tcp_mss_to_advertise(stack, faddr);
    tcp_mss_update(tcb);
    tcp_set_state(tcb, TCP_SYN_SENT);
    tcp_tcb_link(tcb);
    STAT_INC(stack, tcp, active_opens);
    tcp_output(tcb);
    return 0;
}

/* Linux clamps the backlog to [0, SOMAXCONN] and lets backlog + 1
 * connections wait (so listen(fd, 0) still takes one). */
#define TCP_SOMAXCONN 4096

int tcp_user_listen(struct tcp_cb *tcb, int backlog)
{
    struct glass_sock *sk = tcb->sk;
    if (tcb->state != TCP_CLOSED && tcb->state != TCP_LISTEN)
        return -EINVAL;
    if (backlog < 0 || backlog > TCP_SOMAXCONN)
        backlog = TCP_SOMAXCONN;
    tcb->backlog = (unsigned)backlog + 1;
    if (tcb->state == TCP_LISTEN)
        return 0;               /* listen() again: a new backlog, as Linux allows */
    int rc = sock_autobind(sk);
    if (rc < 0)
        return rc;
    tcb->laddr = sk->laddr;
    tcb->lport = sk->lport;
    tcb->faddr = 0;
    tcb->fport = 0;
    tcp_set_state(tcb, TCP_LISTEN);
    tcp_tcb_link(tcb);
    return 0;
}

/* ---- SEND (RFC 9293 3.10.2) ---------------------------------------------------- */

ssize_t tcp_user_send(struct tcp_cb *tcb, const struct iovec *iov, size_t iovlen, size_t len)
{
    if (tcb->error) {
        int err = tcb->error;   /* reported once: ECONNRESET, then EPIPE */
        tcb->error = 0;
        return -err;
    }
    if (tcb->fin_queued || (tcb->sk && tcb->sk->shut_wr))
        return -EPIPE;
    switch (tcb->state) {
    case TCP_SYN_SENT:
    case TCP_SYN_RECEIVED:
        return 0;               /* "queue the data for transmission after entering
                                 * ESTABLISHED": the caller waits for that */
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
        break;
    default:
        /* CLOSED (never connected, or over), LISTEN: Linux says EPIPE */
        return -EPIPE;
    }
    size_t n = tcp_buf_append_iov(tcb->stack, &tcb->sndbuf, iov, iovlen, 0, len);
    if (n)
        tcp_output(tcb);
    return (ssize_t)n;
}

/* ---- RECEIVE (RFC 9293 3.10.3) ----------------------------------------------- */

ssize_t tcp_user_recv(struct tcp_cb *tcb, const struct iovec *iov, size_t iovlen, size_t len,
                      bool peek)
{
    if (tcb->state == TCP_LISTEN)
        return -ENOTCONN;
    size_t n = tcp_buf_peek_iov(&tcb->rcvbuf, iov, iovlen, len);
    if (n && !peek) {
        tcp_buf_drop(&tcb->rcvbuf, n);
        /* The window opened: the peer may need to hear (RFC 1122 4.2.3.3). */
        if (tcb->state != TCP_CLOSED)
            tcp_rcv_consumed(tcb);
    }
    return (ssize_t)n;
}

/* ---- CLOSE (RFC 9293 3.10.4) ------------------------------------------------- */

/* Queue our FIN after the data; ESTABLISHED -> FIN-WAIT-1 or
 * CLOSE-WAIT -> LAST-ACK.  SYN-RECEIVED too goes to FIN-WAIT-1 (the FIN
 * waits behind the SYN-ACK in tcp_output). */
static void tcp_user_queue_fin(struct tcp_cb *tcb)
{
    enum tcp_state next;
    switch (tcb->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        next = TCP_FIN_WAIT_1;
        break;
    case TCP_CLOSE_WAIT:
        next = TCP_LAST_ACK;
        break;
    default:
        return;                 /* already closing: "error: connection closing" */
    }
    tcb->fin_queued = true;
    tcp_set_state(tcb, next);
    tcp_output(tcb);
}

void tcp_user_shutdown_wr(struct tcp_cb *tcb)
{
    if (tcb->state == TCP_SYN_SENT) {
        /* "Delete the TCB": nothing was said to the peer yet but a SYN. */
        tcp_user_trace(tcb, "shutdown in SYN-SENT:");
        tcp_done(tcb, 0);
        return;
    }
    tcp_user_queue_fin(tcb);
}

/* RFC 9293 3.10.5 ABORT: in the synchronized states (and SYN-RECEIVED)
 * the peer hears a RST; in CLOSING, LAST-ACK and TIME-WAIT it has
 * already heard our FIN and the block simply goes. */
static bool tcp_abort_sends_rst(enum tcp_state s)
{
    return s == TCP_SYN_RECEIVED || s == TCP_ESTABLISHED || s == TCP_FIN_WAIT_1 ||
           s == TCP_FIN_WAIT_2 || s == TCP_CLOSE_WAIT;
}

static void tcp_user_abort(struct tcp_cb *tcb)
{
    if (tcp_abort_sends_rst(tcb->state)) {
        tcp_send_rst(tcb);
        STAT_INC(tcb->stack, tcp, conn_aborted);
    }
    tcp_user_trace(tcb, "abort:");
    tcp_done(tcb, 0);
}

static void tcp_user_detach(struct tcp_cb *tcb)
{
    if (tcb->sk)
        tcb->sk->tcb = NULL;
    tcb->sk = NULL;
    if (tcb->state == TCP_TIME_WAIT)
        tcp_release_idle_buffers(tcb);
}

void tcp_user_close(struct tcp_cb *tcb, bool abort)
{
    tcp_user_detach(tcb);
    switch (tcb->state) {
    case TCP_CLOSED:
        /* Never opened, or over (tcp_done kept it for the socket). */
        tcp_tcb_free(tcb);
        return;
    case TCP_LISTEN:
        tcp_listen_close(tcb);
        tcp_done(tcb, 0);
        return;
    case TCP_SYN_SENT:
        tcp_done(tcb, 0);
        return;
    default:
        break;
    }
    /* RFC 2525 2.17: closing with data the user never read loses it; the
     * peer must learn that (RST), not believe it was delivered. */
    if (abort || tcb->rcvbuf.len > 0) {
        tcp_user_abort(tcb);
        return;
    }
    tcp_user_queue_fin(tcb);
    /* Nobody will read any more: an orphan in FIN-WAIT-2 must not wait
     * for the peer's FIN for ever (Linux tcp_fin_timeout). */
    if (tcb->state == TCP_FIN_WAIT_2)
        tcp_timer_time_wait(tcb);
}

/* ---- STATUS: poll(2) events (Linux tcp_poll) ---------------------------------- */

/* Is sndbuf writable in Linux's sense: free space at least half of what
 * is queued (sk_stream_is_writeable), so a poller writes in chunks. */
static bool tcp_sndbuf_writable(const struct tcp_cb *tcb)
{
    size_t space = tcp_buf_space(&tcb->sndbuf);
    return space > 0 && space >= tcb->sndbuf.len / 2;
}

short tcp_user_poll(const struct tcp_cb *tcb)
{
    const struct glass_sock *sk = tcb->sk;
    short ev = 0;
    if (tcb->state == TCP_LISTEN)
        return tcb->acc_head ? POLLIN | POLLRDNORM : 0;
    /* A connection that existed and is over has both directions shut (Linux
     * tcp_done: SHUTDOWN_MASK); a socket never connected has neither. */
    bool over = tcb->state == TCP_CLOSED && sk && (sk->connected || sk->faddr);
    bool rd_shut = over || tcb->fin_rcvd || (sk && sk->shut_rd);
    bool wr_shut = over || tcb->fin_queued || (sk && sk->shut_wr);
    if ((rd_shut && wr_shut) || tcb->state == TCP_CLOSED)
        ev |= POLLHUP;
    if (rd_shut)
        ev |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (tcb->state != TCP_SYN_SENT && tcb->state != TCP_SYN_RECEIVED) {
        if (tcb->rcvbuf.len)
            ev |= POLLIN | POLLRDNORM;
        if (wr_shut || tcp_sndbuf_writable(tcb))
            ev |= POLLOUT | POLLWRNORM;
    }
    if (tcb->error)
        ev |= POLLERR;
    return ev;
}
