/*
 * socket.h - what a socket descriptor stands for inside the stack.
 *
 * A glass descriptor is a real file descriptor of the process: an eventfd
 * made for each socket.  The stack writes to it whenever the socket's
 * readiness may have changed (a datagram queued, an error set, a close),
 * so glass_poll can sleep in poll(2) on glass sockets and ordinary
 * descriptors at once.  A process-wide table maps the descriptor number to
 * its struct glass_sock -- the one global in glass, like the kernel's
 * per-process file table -- and every other call finds the stack through
 * the socket.
 *
 * The files:
 *   socket.c     the calls (socket, bind, connect, send..., close), the
 *                descriptor table and the per-stack socket list
 *   sock_wait.c  blocking: waiting on the socket with timeouts on the
 *                stack's clock, waking, and glass_poll
 *   sock_opt.c   setsockopt/getsockopt and glass_fcntl
 *   sock_stream.c  SOCK_STREAM calls over TCP (tcp_user.c): connect,
 *                listen, accept, send/recv on a byte stream, shutdown
 *   udp.c        the datagram protocol under SOCK_DGRAM sockets
 */
#ifndef GLASS_SOCKET_H
#define GLASS_SOCKET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "glass.h"
#include "pkb.h"

struct glass_stack;
struct tcp_cb;

/* Descriptors per stack (EMFILE beyond); stack->max_socks may lower it. */
#define GLASS_MAX_SOCKETS 1024
/* The ephemeral port range (RFC 6335 6: the Dynamic Ports 49152-65535). */
#define SOCK_EPHEMERAL_LO 49152
#define SOCK_EPHEMERAL_HI 65535

/* Receive/send buffer sizes, as Linux sizes them: the value given to
 * SO_RCVBUF/SO_SNDBUF is doubled (room for bookkeeping, see
 * SOCK_RCV_OVERHEAD), capped first at *_MAX, and never below *_MIN. */
#define SOCK_RCVBUF_DEFAULT 212992
#define SOCK_SNDBUF_DEFAULT 212992
#define SOCK_RMEM_MAX 212992
#define SOCK_WMEM_MAX 212992
#define SOCK_MIN_RCVBUF 2304
#define SOCK_MIN_SNDBUF 4608
/* What one queued datagram costs against SO_RCVBUF beyond its payload:
 * the buffer's bookkeeping and headers (Linux's "truesize" idea).  So a
 * flood of empty datagrams cannot queue without bound either. */
#define SOCK_RCV_OVERHEAD 256

struct glass_sock {
    struct glass_stack *stack;
    struct glass_sock *next;    /* stack->socks: every open socket */
    int fd;                     /* the eventfd the process holds */
    int refs;                   /* table + calls in progress (atomic) */
    pthread_cond_t cond;        /* blocked callers sleep here */
    unsigned waiters;           /* threads asleep in sock_wait */
    unsigned drivers;           /* of which: driving a thread-less stack */

    int type;                   /* SOCK_DGRAM or SOCK_STREAM */
    int protocol;               /* IPPROTO_UDP / IPPROTO_TCP */
    bool closed;                /* glass_close ran: callers leave with EBADF */
    bool nonblock;              /* O_NONBLOCK */

    /* the 4-tuple, network byte order; 0 = unset */
    uint32_t laddr, faddr;
    uint16_t lport, fport;
    bool connected;             /* faddr/fport is the default peer */
    bool addr_locked;           /* laddr chosen by bind (connect may not undo it) */
    bool port_locked;           /* lport chosen by bind */

    /* options */
    bool reuseaddr, broadcast;
    int rcvbuf, sndbuf;         /* bytes, as reported by getsockopt */
    glass_time_t rcvtimeo, sndtimeo; /* 0: wait for ever */
    uint8_t ttl;                /* 0: the default (IPV4_DEFAULT_TTL) */
    uint8_t tos;

    int so_error;               /* pending asynchronous error (errno value) */
    bool shut_rd, shut_wr;

    struct pkb_queue rcvq;      /* received datagrams, l3/l4 still set */
    size_t rcv_used;            /* bytes charged against rcvbuf */

    /* SOCK_STREAM: the TCP connection behind the socket (tcp.h); the
     * data lives in its buffers, not in rcvq */
    struct tcp_cb *tcb;
    bool linger_on;             /* SO_LINGER */
    int linger_sec;
};

/* ---- socket.c ------------------------------------------------------------ */

/* Per stack: defaults, port PRNG seed.  Teardown closes every socket. */
void sock_stack_init(struct glass_stack *stack);
void sock_stack_destroy(struct glass_stack *stack);

/* fd -> socket with a reference held, or NULL and errno EBADF/ENOTSOCK. */
struct glass_sock *sock_get(int fd);
void sock_put(struct glass_sock *sk);

/* Is `port` of this type taken on an address overlapping `addr` by a
 * socket other than `self` that does not share it via SO_REUSEADDR? */
bool sock_port_conflict(struct glass_stack *stack, const struct glass_sock *self, int type,
                        uint32_t addr, uint16_t port);
/* Pick a free ephemeral port for sk (random start, then linear probe).
 * 0 or -EAGAIN when every port of the range is taken. */
int sock_autobind(struct glass_sock *sk);

/* What a datagram of `payload` bytes costs against SO_RCVBUF. */
static inline size_t sock_rcv_charge(size_t payload)
{
    return payload + SOCK_RCV_OVERHEAD;
}

/* Make a socket (stack lock held): its eventfd descriptor, in the table
 * and on the stack's list; 0 or -EMFILE/-ENOBUFS/-errno.  glass_socket
 * and accept (a stream's new connection) both come through here. */
int sock_create(struct glass_stack *stack, int type, int protocol, bool nonblock,
                struct glass_sock **out);

/* ---- sock_stream.c: SOCK_STREAM calls over TCP (stack lock held) ---------- */

int sock_stream_connect(struct glass_sock *sk, const struct sockaddr_in *sin);
int sock_stream_listen(struct glass_sock *sk, int backlog);
/* The next connection as a new socket (*out), waiting unless non-blocking. */
int sock_stream_accept(struct glass_sock *sk, struct glass_sock **out);
ssize_t sock_stream_sendmsg(struct glass_sock *sk, const struct msghdr *msg, size_t len,
                            int flags);
ssize_t sock_stream_recvmsg(struct glass_sock *sk, struct msghdr *msg, size_t len, int flags);
int sock_stream_shutdown(struct glass_sock *sk, int how);
/* close(): the SO_LINGER wait (before the socket is marked closed), then
 * the hand-over of the connection to TCP. */
void sock_stream_linger(struct glass_sock *sk);
void sock_stream_close(struct glass_sock *sk);
/* Linux's TCP bind rules, orphaned connections (TIME-WAIT) included. */
bool sock_stream_port_conflict(struct glass_stack *stack, const struct glass_sock *self,
                               uint32_t addr, uint16_t port);
bool sock_stream_has_peer(const struct glass_sock *sk);
/* SO_ERROR of a stream: the pending error, cleared. */
int sock_stream_error(struct glass_sock *sk);

/* ---- sock_wait.c --------------------------------------------------------- */

/* The socket's readiness may have changed: wake sleepers in sock_wait,
 * signal its eventfd for glass_poll.  Stack context. */
void sock_wakeup(struct glass_sock *sk);
/* Record an asynchronous error (ICMP) and wake the socket. */
void sock_set_error(struct glass_sock *sk, int err);

typedef bool (*sock_ready_fn)(const struct glass_sock *sk);
/* Called with the stack lock held: sleep until ready(sk), for at most
 * `timeout` on the stack's clock (0 = no limit).  0 when ready, -EAGAIN
 * when the time ran out, -EBADF when the socket was closed meanwhile. */
int sock_wait(struct glass_sock *sk, sock_ready_fn ready, glass_time_t timeout);
/* poll(2) events the socket has now (stack lock held). */
short sock_poll_events(const struct glass_sock *sk);

/* For tests: how many threads are asleep on fd's socket (0 if none). */
unsigned sock_waiters(int fd);

#endif
