/* check_socket.c - the BSD socket calls: every call in good and bad order
 * with the errno Linux gives, binding rules and ephemeral ports, options,
 * non-blocking and blocking behaviour (timeouts on the virtual clock, a
 * close from another thread), glass_poll over glass and ordinary
 * descriptors, and teardown of sockets left open (harness_fini's leak
 * check).  The wire side of UDP is in check_udp.c. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "socket.h"
#include "timer.h"

#define SEC GLASS_USEC_PER_SEC

/* ---- helpers --------------------------------------------------------------- */

#define SA(s) ((const struct sockaddr *)&(s))

/* -1 with exactly this errno. */
#define ck_fail_errno(call, err)                                                                   \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long rc_ = (long)(call);                                                                   \
        int e_ = errno;                                                                            \
        ck_assert_msg(rc_ == -1 && e_ == (err), "%s: rc %ld errno %d (%s), want -1 errno %d (%s)", \
                      #call, rc_, e_, strerror(e_), (err), strerror(err));                         \
    } while (0)

static int udp_socket(struct harness *h)
{
    int fd = glass_socket(h->stack, AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    return fd;
}

static int udp_bound(struct harness *h, const char *ip, uint16_t port)
{
    int fd = udp_socket(h);
    struct sockaddr_in a = sin_of(ip, port);
    ck_assert_int_eq(glass_bind(fd, SA(a), sizeof a), 0);
    return fd;
}

static uint16_t local_port(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    ck_assert_int_eq(glass_getsockname(fd, (struct sockaddr *)&a, &len), 0);
    ck_assert_uint_eq(len, sizeof a);
    return ntohs(a.sin_port);
}

static void set_int(int fd, int level, int name, int v)
{
    ck_assert_int_eq(glass_setsockopt(fd, level, name, &v, sizeof v), 0);
}

static int get_int(int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof v;
    ck_assert_int_eq(glass_getsockopt(fd, level, name, &v, &len), 0);
    ck_assert_uint_eq(len, sizeof v);
    return v;
}

/* A datagram to ourselves (10.0.0.2:port) through the stack's local
 * delivery, run by a poll. */
static void send_self(struct harness *h, int from, uint16_t port, const void *data, size_t len)
{
    struct sockaddr_in to = sin_of(H_OUR_IP, port);
    ck_assert_int_eq(glass_sendto(from, data, len, 0, SA(to), sizeof to), (ssize_t)len);
    glass_stack_poll(h->stack, 0);
}

/* Sleep a little real time (only ever to let another thread make
 * progress; never part of what a test asserts). */
static void nap(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* Wait (bounded: 5 s of real time) until pred holds. */
#define WAIT_FOR(pred)                                                                             \
    do {                                                                                           \
        int n_ = 0;                                                                                \
        while (!(pred) && n_++ < 5000)                                                             \
            nap();                                                                                 \
        ck_assert_msg((pred), "timed out waiting for " #pred);                                     \
    } while (0)

/* ---- socket() ------------------------------------------------------------------ */

START_TEST(test_socket_bad_arguments)
{
    struct harness h;
    harness_init(&h);
    ck_fail_errno(glass_socket(h.stack, AF_INET6, SOCK_DGRAM, 0), EAFNOSUPPORT);
    ck_fail_errno(glass_socket(h.stack, AF_UNIX, SOCK_DGRAM, 0), EAFNOSUPPORT);
    ck_fail_errno(glass_socket(h.stack, AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    ck_fail_errno(glass_socket(h.stack, AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    ck_fail_errno(glass_socket(h.stack, AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
    ck_fail_errno(glass_socket(NULL, AF_INET, SOCK_DGRAM, 0), EINVAL);
    ck_assert_uint_eq(counter(&h, "socket.opened"), 0);
    int fd = glass_socket(h.stack, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    ck_assert_int_ge(fd, 0);
    ck_assert(glass_is_socket(fd));
    ck_assert_int_eq(glass_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    ck_assert_uint_eq(counter(&h, "socket.opened"), 1);
    ck_assert_int_eq(glass_close(fd), 0);
    ck_assert(!glass_is_socket(fd));
    ck_assert_uint_eq(counter(&h, "socket.closed"), 1);
    harness_fini(&h);
}
END_TEST

/* Every call on something that is not a glass socket: EBADF for a number
 * that is no descriptor, ENOTSOCK for an ordinary open one. */
static void all_calls_fail(int fd, int err)
{
    struct sockaddr_in a = sin_of(H_PEER_IP, 7);
    socklen_t len = sizeof a;
    char buf[4] = {0};
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    int v = 1;
    socklen_t vl = sizeof v;
    ck_fail_errno(glass_bind(fd, SA(a), sizeof a), err);
    ck_fail_errno(glass_connect(fd, SA(a), sizeof a), err);
    ck_fail_errno(glass_listen(fd, 1), err);
    ck_fail_errno(glass_accept(fd, NULL, NULL), err);
    ck_fail_errno(glass_send(fd, buf, 1, 0), err);
    ck_fail_errno(glass_recv(fd, buf, 1, 0), err);
    ck_fail_errno(glass_sendto(fd, buf, 1, 0, SA(a), sizeof a), err);
    ck_fail_errno(glass_recvfrom(fd, buf, 1, 0, (struct sockaddr *)&a, &len), err);
    ck_fail_errno(glass_sendmsg(fd, &msg, 0), err);
    ck_fail_errno(glass_recvmsg(fd, &msg, 0), err);
    ck_fail_errno(glass_read(fd, buf, 1), err);
    ck_fail_errno(glass_write(fd, buf, 1), err);
    ck_fail_errno(glass_shutdown(fd, SHUT_RDWR), err);
    ck_fail_errno(glass_getsockname(fd, (struct sockaddr *)&a, &len), err);
    ck_fail_errno(glass_getpeername(fd, (struct sockaddr *)&a, &len), err);
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, sizeof v), err);
    ck_fail_errno(glass_getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &vl), err);
    ck_fail_errno(glass_fcntl(fd, F_GETFL), err);
    ck_fail_errno(glass_close(fd), err);
    ck_assert(!glass_is_socket(fd));
}

START_TEST(test_calls_on_non_sockets_ebadf_enotsock)
{
    struct harness h;
    harness_init(&h);
    all_calls_fail(-1, EBADF);
    all_calls_fail(1 << 20, EBADF);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    all_calls_fail(p[0], ENOTSOCK);
    close(p[0]);
    close(p[1]);
    /* A glass socket after close is a bad descriptor like any other. */
    int fd = udp_socket(&h);
    ck_assert_int_eq(glass_close(fd), 0);
    all_calls_fail(fd, EBADF);
    harness_fini(&h);
}
END_TEST

START_TEST(test_emfile_at_the_bound)
{
    struct harness h;
    harness_init(&h);
    h.stack->max_socks = 8;
    int fds[8];
    for (int i = 0; i < 8; i++)
        fds[i] = udp_socket(&h);
    ck_fail_errno(glass_socket(h.stack, AF_INET, SOCK_DGRAM, 0), EMFILE);
    ck_fail_errno(glass_socket(h.stack, AF_INET, SOCK_STREAM, 0), EMFILE);
    ck_assert_uint_eq(counter(&h, "socket.emfile"), 2);
    ck_assert_int_eq(glass_close(fds[3]), 0);
    fds[3] = udp_socket(&h);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(glass_close(fds[i]), 0);
    harness_fini(&h);
}
END_TEST

/* ---- bind and ports ------------------------------------------------------------------- */

START_TEST(test_bind_rules)
{
    struct harness h;
    harness_init(&h);
    int a = udp_socket(&h);
    struct sockaddr_in any = sin_of("0.0.0.0", 5000), ours = sin_of(H_OUR_IP, 5000);
    struct sockaddr_in foreign = sin_of("10.0.0.9", 5000);
    ck_fail_errno(glass_bind(a, SA(foreign), sizeof foreign), EADDRNOTAVAIL);
    ck_fail_errno(glass_bind(a, SA(any), sizeof any - 1), EINVAL);
    ck_fail_errno(glass_bind(a, NULL, sizeof any), EFAULT);
    struct sockaddr_in six = any;
    six.sin_family = AF_INET6;
    ck_fail_errno(glass_bind(a, SA(six), sizeof six), EAFNOSUPPORT);
    ck_assert_int_eq(glass_bind(a, SA(any), sizeof any), 0);
    ck_assert_uint_eq(local_port(a), 5000);
    ck_fail_errno(glass_bind(a, SA(ours), sizeof ours), EINVAL); /* already bound */

    /* Another socket on the same port: any address overlaps. */
    int b = udp_socket(&h);
    ck_fail_errno(glass_bind(b, SA(any), sizeof any), EADDRINUSE);
    ck_fail_errno(glass_bind(b, SA(ours), sizeof ours), EADDRINUSE);
    /* SO_REUSEADDR on one side only is not enough... */
    set_int(b, SOL_SOCKET, SO_REUSEADDR, 1);
    ck_fail_errno(glass_bind(b, SA(any), sizeof any), EADDRINUSE);
    /* ...both must ask. */
    set_int(a, SOL_SOCKET, SO_REUSEADDR, 1);
    ck_assert_int_eq(glass_bind(b, SA(ours), sizeof ours), 0);
    /* A different type has its own port space. */
    int s = glass_socket(h.stack, AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(glass_bind(s, SA(any), sizeof any), 0);
    /* A broadcast address may be bound (to receive broadcasts only). */
    int c = udp_socket(&h);
    struct sockaddr_in bc = sin_of("10.0.0.255", 5001);
    ck_assert_int_eq(glass_bind(c, SA(bc), sizeof bc), 0);
    /* AF_UNSPEC with INADDR_ANY is taken as AF_INET (Linux compatibility). */
    int d = udp_socket(&h);
    struct sockaddr_in un = sin_of("0.0.0.0", 5002);
    un.sin_family = AF_UNSPEC;
    ck_assert_int_eq(glass_bind(d, SA(un), sizeof un), 0);
    ck_assert_uint_eq(local_port(d), 5002);
    int fds[] = {a, b, s, c, d};
    for (unsigned i = 0; i < 5; i++)
        ck_assert_int_eq(glass_close(fds[i]), 0);
    /* A closed socket's port is free again. */
    int e = udp_bound(&h, "0.0.0.0", 5000);
    ck_assert_int_eq(glass_close(e), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc6335_ephemeral_ports_distinct)
{
    struct harness h;
    harness_init(&h);
    enum { N = 2000 };
    h.stack->max_socks = N + 1;
    static int fds[N];
    static bool seen[65536];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        fds[i] = udp_bound(&h, "0.0.0.0", 0);
        uint16_t p = local_port(fds[i]);
        ck_assert_uint_ge(p, SOCK_EPHEMERAL_LO);
        ck_assert_uint_le(p, SOCK_EPHEMERAL_HI);
        ck_assert_msg(!seen[p], "port %u handed out twice", p);
        seen[p] = true;
    }
    /* Implicit binds (a send) draw from the same pool. */
    int x = udp_socket(&h);
    ck_assert_int_eq(glass_close(fds[0]), 0);
    harness_learn_peer(&h);
    struct sockaddr_in to = sin_of(H_PEER_IP, 9);
    ck_assert_int_eq(glass_sendto(x, "x", 1, 0, SA(to), sizeof to), 1);
    uint16_t px = local_port(x);
    ck_assert_uint_ge(px, SOCK_EPHEMERAL_LO);
    for (int i = 1; i < N; i++)
        ck_assert_uint_ne(local_port(fds[i]), px);
    ck_assert_int_eq(glass_close(x), 0);
    for (int i = 1; i < N; i++)
        ck_assert_int_eq(glass_close(fds[i]), 0);
    harness_fini(&h);
}
END_TEST

/* When every ephemeral port is taken: bind(port 0) says EADDRINUSE and
 * an implicit bind (send, connect) says EAGAIN, as on Linux. */
START_TEST(test_ephemeral_exhaustion)
{
    struct harness h;
    harness_init(&h);
    h.stack->port_lo = 50000;
    h.stack->port_hi = 50015;
    int fds[16];
    for (int i = 0; i < 16; i++) {
        fds[i] = udp_bound(&h, "0.0.0.0", 0);
        uint16_t p = local_port(fds[i]);
        ck_assert(p >= 50000 && p <= 50015);
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(local_port(fds[j]), p);
    }
    int x = udp_socket(&h);
    struct sockaddr_in any = sin_of("0.0.0.0", 0), to = sin_of(H_PEER_IP, 9);
    ck_fail_errno(glass_bind(x, SA(any), sizeof any), EADDRINUSE);
    ck_fail_errno(glass_sendto(x, "x", 1, 0, SA(to), sizeof to), EAGAIN);
    ck_fail_errno(glass_connect(x, SA(to), sizeof to), EAGAIN);
    ck_assert_uint_eq(local_port(x), 0);
    /* SO_REUSEADDR does not make an ephemeral port shareable. */
    set_int(x, SOL_SOCKET, SO_REUSEADDR, 1);
    ck_fail_errno(glass_bind(x, SA(any), sizeof any), EADDRINUSE);
    ck_assert_int_eq(glass_close(fds[7]), 0);
    ck_assert_int_eq(glass_bind(x, SA(any), sizeof any), 0);
    ck_assert_uint_eq(local_port(x), local_port(x));
    ck_assert(local_port(x) >= 50000 && local_port(x) <= 50015);
    ck_assert_int_eq(glass_close(x), 0);
    harness_fini(&h); /* the other 15 are torn down by the stack */
}
END_TEST

/* ---- connect and names ------------------------------------------------------------------- */

START_TEST(test_connect_names_and_dissolve)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_socket(&h);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    ck_assert_int_eq(glass_getsockname(fd, (struct sockaddr *)&a, &len), 0);
    ck_assert_uint_eq(a.sin_family, AF_INET);
    ck_assert_uint_eq(a.sin_addr.s_addr, 0);
    ck_assert_uint_eq(a.sin_port, 0);
    ck_fail_errno(glass_getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
    ck_fail_errno(glass_getsockname(fd, (struct sockaddr *)&a, NULL), EFAULT);

    struct sockaddr_in peer = sin_of(H_PEER_IP, 53);
    ck_fail_errno(glass_connect(fd, SA(peer), sizeof peer - 1), EINVAL);
    struct sockaddr_in six = peer;
    six.sin_family = AF_INET6;
    ck_fail_errno(glass_connect(fd, SA(six), sizeof six), EAFNOSUPPORT);
    struct sockaddr_in far = sin_of("192.168.7.7", 53);
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A(H_PEER_IP)), 0);
    ck_fail_errno(glass_connect(fd, SA(far), sizeof far), ENETUNREACH);
    ck_assert_int_eq(glass_connect(fd, SA(peer), sizeof peer), 0);
    /* connect fixes the source address the route chose and a port. */
    len = sizeof a;
    ck_assert_int_eq(glass_getsockname(fd, (struct sockaddr *)&a, &len), 0);
    ck_assert_uint_eq(a.sin_addr.s_addr, A(H_OUR_IP));
    ck_assert_uint_ge(ntohs(a.sin_port), SOCK_EPHEMERAL_LO);
    len = sizeof a;
    ck_assert_int_eq(glass_getpeername(fd, (struct sockaddr *)&a, &len), 0);
    ck_assert_uint_eq(a.sin_addr.s_addr, A(H_PEER_IP));
    ck_assert_uint_eq(ntohs(a.sin_port), 53);
    /* A short buffer gets what fits, and the full length is reported. */
    uint8_t small[4];
    len = sizeof small;
    ck_assert_int_eq(glass_getpeername(fd, (struct sockaddr *)small, &len), 0);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
    /* Connecting again just changes the peer. */
    struct sockaddr_in other = sin_of(H_PEER_IP, 54);
    ck_assert_int_eq(glass_connect(fd, SA(other), sizeof other), 0);
    len = sizeof a;
    ck_assert_int_eq(glass_getpeername(fd, (struct sockaddr *)&a, &len), 0);
    ck_assert_uint_eq(ntohs(a.sin_port), 54);
    /* AF_UNSPEC dissolves it, and forgets what connect chose. */
    struct sockaddr un = {.sa_family = AF_UNSPEC};
    ck_assert_int_eq(glass_connect(fd, &un, sizeof un), 0);
    ck_fail_errno(glass_getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
    len = sizeof a;
    ck_assert_int_eq(glass_getsockname(fd, (struct sockaddr *)&a, &len), 0);
    ck_assert_uint_eq(a.sin_addr.s_addr, 0);
    ck_assert_uint_eq(a.sin_port, 0);
    ck_fail_errno(glass_send(fd, "x", 1, 0), EDESTADDRREQ);
    /* ...but not what bind chose. */
    int b = udp_bound(&h, H_OUR_IP, 4000);
    ck_assert_int_eq(glass_connect(b, SA(peer), sizeof peer), 0);
    ck_assert_int_eq(glass_connect(b, &un, sizeof un), 0);
    ck_assert_uint_eq(local_port(b), 4000);
    ck_assert_int_eq(glass_close(b), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* A stream socket before any connection (the connections themselves are
 * in check_tcp_socket.c): Linux's errno for each call. */
START_TEST(test_stream_sockets_unconnected)
{
    struct harness h;
    harness_init(&h);
    int s = glass_socket(h.stack, AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(get_int(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    ck_fail_errno(glass_accept(s, NULL, NULL), EINVAL);       /* not listening */
    ck_fail_errno(glass_send(s, "x", 1, 0), EPIPE);
    ck_fail_errno(glass_recv(s, (char[1]){0}, 1, 0), ENOTCONN);
    ck_fail_errno(glass_shutdown(s, SHUT_RDWR), ENOTCONN);
    ck_assert_int_eq(glass_listen(s, 5), 0);                  /* takes an ephemeral port */
    ck_assert_uint_ge(local_port(s), SOCK_EPHEMERAL_LO);
    ck_fail_errno(glass_recv(s, (char[1]){0}, 1, 0), ENOTCONN);
    /* listen/accept make no sense for datagrams (Linux: EOPNOTSUPP). */
    int u = udp_socket(&h);
    ck_fail_errno(glass_listen(u, 5), EOPNOTSUPP);
    ck_fail_errno(glass_accept(u, NULL, NULL), EOPNOTSUPP);
    ck_assert_int_eq(glass_close(u), 0);
    ck_assert_int_eq(glass_close(s), 0);
    harness_fini(&h);
}
END_TEST

/* ---- sending and receiving -------------------------------------------------------------- */

START_TEST(test_send_errors)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_socket(&h);
    char buf[8] = "abcdefg";
    struct sockaddr_in to = sin_of(H_PEER_IP, 7);
    ck_fail_errno(glass_send(fd, buf, 3, 0), EDESTADDRREQ);
    ck_fail_errno(glass_write(fd, buf, 3), EDESTADDRREQ);
    ck_fail_errno(glass_sendto(fd, buf, 3, 0, SA(to), sizeof to - 1), EINVAL);
    struct sockaddr_in six = to;
    six.sin_family = AF_INET6;
    ck_fail_errno(glass_sendto(fd, buf, 3, 0, SA(six), sizeof six), EAFNOSUPPORT);
    struct sockaddr_in port0 = sin_of(H_PEER_IP, 0);
    ck_fail_errno(glass_sendto(fd, buf, 3, 0, SA(port0), sizeof port0), EINVAL);
    ck_fail_errno(glass_sendto(fd, NULL, 3, 0, SA(to), sizeof to), EFAULT);
    ck_fail_errno(glass_sendto(fd, buf, 3, MSG_OOB, SA(to), sizeof to), EOPNOTSUPP);
    ck_fail_errno(glass_sendmsg(fd, NULL, 0), EFAULT);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    /* A NULL buffer of length zero is an empty datagram. */
    ck_assert_int_eq(glass_sendto(fd, NULL, 0, 0, SA(to), sizeof to), 0);
    ck_assert_uint_eq(harness_tx_count(&h), 1);
    ck_assert_uint_eq(counter(&h, "udp.tx"), 1);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_recv_nonblocking_and_flags)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(&h, "0.0.0.0", 6000);
    char buf[64];
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    ck_assert_int_eq(glass_fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_eq(glass_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(glass_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);
    ck_fail_errno(glass_read(fd, buf, sizeof buf), EAGAIN);
    ck_fail_errno(glass_fcntl(fd, F_GETFD), EINVAL);
    ck_fail_errno(glass_recv(fd, NULL, 5, 0), EFAULT);

    int tx = udp_socket(&h);
    send_self(&h, tx, 6000, "hello, world", 12);
    /* MSG_PEEK leaves it queued. */
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ck_assert_int_eq(glass_recvfrom(fd, buf, sizeof buf, MSG_PEEK, (struct sockaddr *)&from, &flen),
                     12);
    ck_assert_uint_eq(flen, sizeof from);
    ck_assert_uint_eq(from.sin_addr.s_addr, A(H_OUR_IP));
    ck_assert_uint_eq(ntohs(from.sin_port), local_port(tx));
    /* A short buffer: the rest of the datagram is lost; MSG_TRUNC asks
     * for the real length. */
    ck_assert_int_eq(glass_recv(fd, buf, 5, MSG_PEEK), 5);
    ck_assert_int_eq(glass_recv(fd, buf, 5, MSG_PEEK | MSG_TRUNC), 12);
    ck_assert_int_eq(glass_recv(fd, buf, 5, 0), 5);
    ck_assert_mem_eq(buf, "hello", 5);
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);

    /* recvmsg scatters and sets MSG_TRUNC in msg_flags. */
    send_self(&h, tx, 6000, "0123456789", 10);
    char p1[3], p2[4];
    struct iovec iov[2] = {{p1, sizeof p1}, {p2, sizeof p2}};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = iov,
                         .msg_iovlen = 2};
    ck_assert_int_eq(glass_recvmsg(fd, &msg, 0), 7);
    ck_assert_mem_eq(p1, "012", 3);
    ck_assert_mem_eq(p2, "3456", 4);
    ck_assert_int_eq(msg.msg_flags & MSG_TRUNC, MSG_TRUNC);
    ck_assert_uint_eq(msg.msg_namelen, sizeof from);
    /* sendmsg gathers; a datagram that fits has no MSG_TRUNC. */
    struct sockaddr_in to = sin_of(H_OUR_IP, 6000);
    struct iovec out[3] = {{"ab", 2}, {NULL, 0}, {"cde", 3}};
    struct msghdr om = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = out, .msg_iovlen = 3};
    ck_assert_int_eq(glass_sendmsg(tx, &om, 0), 5);
    glass_stack_poll(h.stack, 0);
    char whole[16];
    struct iovec iv = {whole, sizeof whole};
    struct msghdr im = {.msg_iov = &iv, .msg_iovlen = 1};
    ck_assert_int_eq(glass_recvmsg(fd, &im, 0), 5);
    ck_assert_mem_eq(whole, "abcde", 5);
    ck_assert_int_eq(im.msg_flags & MSG_TRUNC, 0);
    /* A zero-length datagram is a datagram: recv returns 0 once. */
    send_self(&h, tx, 6000, "", 0);
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 0);
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), EAGAIN);
    ck_assert_int_eq(glass_close(tx), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_shutdown)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    int fd = udp_socket(&h);
    ck_fail_errno(glass_shutdown(fd, 7), EINVAL);
    /* Unconnected: ENOTCONN, but it still takes effect (Linux). */
    ck_fail_errno(glass_shutdown(fd, SHUT_RD), ENOTCONN);
    char buf[8];
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 0); /* would block: returns 0 */
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    ck_assert_int_eq(glass_poll(&p, 1, 0), 1);
    ck_assert_int_eq(p.revents, POLLIN | POLLOUT);
    ck_assert_int_eq(glass_close(fd), 0);

    fd = udp_socket(&h);
    struct sockaddr_in peer = sin_of(H_PEER_IP, 7);
    ck_assert_int_eq(glass_connect(fd, SA(peer), sizeof peer), 0);
    ck_assert_int_eq(glass_send(fd, "a", 1, 0), 1);
    ck_assert_int_eq(glass_shutdown(fd, SHUT_WR), 0);
    ck_fail_errno(glass_send(fd, "a", 1, 0), EPIPE);
    ck_fail_errno(glass_send(fd, "a", 1, MSG_NOSIGNAL), EPIPE);
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    ck_assert_int_eq(glass_shutdown(fd, SHUT_RD), 0);
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 0);
    p = (struct pollfd){.fd = fd, .events = POLLIN};
    ck_assert_int_eq(glass_poll(&p, 1, 0), 1);
    ck_assert_int_eq(p.revents, POLLIN | POLLHUP);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* ---- options ----------------------------------------------------------------------------- */

START_TEST(test_options)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_socket(&h);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_REUSEADDR), 0);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_BROADCAST), 0);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_RCVBUF), SOCK_RCVBUF_DEFAULT);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_SNDBUF), SOCK_SNDBUF_DEFAULT);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_ERROR), 0);
    ck_assert_int_eq(get_int(fd, IPPROTO_IP, IP_TTL), 64);
    ck_assert_int_eq(get_int(fd, IPPROTO_IP, IP_TOS), 0);
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 5);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_REUSEADDR), 1);
    set_int(fd, SOL_SOCKET, SO_BROADCAST, 1);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_BROADCAST), 1);
    /* Buffer sizes as Linux reports them: doubled, capped, floored. */
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 10000);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_RCVBUF), 20000);
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 1);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_RCVBUF), SOCK_MIN_RCVBUF);
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 1 << 30);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_RCVBUF), 2 * SOCK_RMEM_MAX);
    set_int(fd, SOL_SOCKET, SO_SNDBUF, 1);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_SNDBUF), SOCK_MIN_SNDBUF);
    set_int(fd, IPPROTO_IP, IP_TTL, 7);
    ck_assert_int_eq(get_int(fd, IPPROTO_IP, IP_TTL), 7);
    set_int(fd, IPPROTO_IP, IP_TTL, -1);
    ck_assert_int_eq(get_int(fd, IPPROTO_IP, IP_TTL), 64);
    int bad = 0;
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_IP, IP_TTL, &bad, sizeof bad), EINVAL);
    bad = 256;
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_IP, IP_TTL, &bad, sizeof bad), EINVAL);
    set_int(fd, IPPROTO_IP, IP_TOS, 0x10);
    ck_assert_int_eq(get_int(fd, IPPROTO_IP, IP_TOS), 0x10);

    /* Timeouts in struct timeval. */
    struct timeval tv = {.tv_sec = 2, .tv_usec = 500000}, got;
    socklen_t len = sizeof got;
    ck_assert_int_eq(glass_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len), 0);
    ck_assert_int_eq(got.tv_sec, 2);
    ck_assert_int_eq(got.tv_usec, 500000);
    ck_assert_int_eq(glass_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
    len = sizeof got;
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &got, &len), 0);
    ck_assert_int_eq(got.tv_sec, 2);
    tv.tv_usec = 1000000;
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), EDOM);
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv - 1), EINVAL);

    /* Wrong sizes, read-only and unknown options. */
    int v = 1;
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, 2), EINVAL);
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_BROADCAST, NULL, sizeof v), EFAULT);
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_ERROR, &v, sizeof v), ENOPROTOOPT);
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_TYPE, &v, sizeof v), ENOPROTOOPT);
    ck_fail_errno(glass_setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &v, sizeof v), ENOPROTOOPT);
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof v), ENOPROTOOPT);
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_TCP, 1, &v, sizeof v), ENOPROTOOPT);
    len = sizeof v;
    ck_fail_errno(glass_getsockopt(fd, SOL_SOCKET, SO_PRIORITY, &v, &len), ENOPROTOOPT);
    ck_fail_errno(glass_getsockopt(fd, IPPROTO_IP, 9999, &v, &len), ENOPROTOOPT);
    ck_fail_errno(glass_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
    /* A short optlen gets what fits. */
    uint8_t one = 0xee;
    len = 1;
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, &len), 0);
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(one, 1);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* ---- blocking ------------------------------------------------------------------------------ */

struct blocked_call {
    int fd;
    int how;                    /* 0: recv, 1: glass_poll POLLIN with timeout_ms */
    int timeout_ms;
    volatile int done;
    ssize_t rc;
    int err;
    char buf[64];
    short revents;
};

static void *blocked_thread(void *arg)
{
    struct blocked_call *c = arg;
    errno = 0;
    if (c->how == 0) {
        c->rc = glass_recv(c->fd, c->buf, sizeof c->buf, 0);
    } else {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        c->rc = glass_poll(&p, 1, c->timeout_ms);
        c->revents = p.revents;
    }
    c->err = errno;
    __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static bool call_done(struct blocked_call *c)
{
    return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);
}

static void join_bounded(pthread_t t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    ck_assert_int_eq(pthread_timedjoin_np(t, NULL, &ts), 0);
}

/* Still blocked: the call has not returned, even given a little real time
 * (a bounded wait for the thread state, not a timing assertion). */
static void assert_still_blocked(struct blocked_call *c)
{
    for (int i = 0; i < 20; i++) {
        ck_assert_msg(!call_done(c), "the call returned early (rc %zd errno %d)", c->rc, c->err);
        nap();
    }
}

static bool timer_armed(struct harness *h)
{
    glass_stack_lock(h->stack);
    bool armed = timer_next(h->stack) != TIMER_NEVER;
    glass_stack_unlock(h->stack);
    return armed;
}

START_TEST(test_blocking_recv_rcvtimeo_on_virtual_clock)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(&h, "0.0.0.0", 7000);
    struct timeval tv = {.tv_sec = 2};
    ck_assert_int_eq(glass_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    struct blocked_call c = {.fd = fd};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, blocked_thread, &c), 0);
    WAIT_FOR(sock_waiters(fd) == 1);
    /* One microsecond before the timeout: still waiting. */
    harness_advance(&h, 2 * SEC - 1);
    glass_stack_wake(h.stack);
    assert_still_blocked(&c);
    ck_assert_uint_eq(sock_waiters(fd), 1);
    /* At the timeout: EAGAIN. */
    harness_advance(&h, 1);
    join_bounded(t);
    ck_assert_int_eq(c.rc, -1);
    ck_assert_int_eq(c.err, EAGAIN);
    ck_assert_uint_eq(counter(&h, "socket.timeouts"), 1);
    ck_assert_uint_eq(counter(&h, "socket.blocked"), 1);
    ck_assert(!timer_armed(&h)); /* the wait's timer is gone */
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_blocking_recv_woken_by_datagram)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(&h, "0.0.0.0", 7000);
    struct blocked_call c = {.fd = fd};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, blocked_thread, &c), 0);
    WAIT_FOR(sock_waiters(fd) == 1);
    harness_advance(&h, 3600 * SEC); /* no SO_RCVTIMEO: waits for ever */
    assert_still_blocked(&c);
    int tx = udp_socket(&h);
    send_self(&h, tx, 7000, "wake up", 7);
    join_bounded(t);
    ck_assert_int_eq(c.rc, 7);
    ck_assert_mem_eq(c.buf, "wake up", 7);
    ck_assert_int_eq(glass_close(tx), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* Linux would leave the call blocked; glass returns EBADF (see glass.h). */
START_TEST(test_close_from_another_thread_wakes_recv)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(&h, "0.0.0.0", 7000);
    struct blocked_call c = {.fd = fd};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, blocked_thread, &c), 0);
    WAIT_FOR(sock_waiters(fd) == 1);
    ck_assert_int_eq(glass_close(fd), 0);
    join_bounded(t);
    ck_assert_int_eq(c.rc, -1);
    ck_assert_int_eq(c.err, EBADF);
    ck_fail_errno(glass_close(fd), EBADF);
    harness_fini(&h);
}
END_TEST

/* No stack thread and a real clock: the blocked call drives the stack
 * itself (a single-threaded program), here to deliver a datagram it sent
 * to itself, and to time out. */
START_TEST(test_blocking_call_drives_a_threadless_stack)
{
    struct glass_loop_wire *wire = glass_loop_wire_new(1);
    struct glass_stack *s = glass_stack_new(NULL);
    ck_assert_ptr_nonnull(s);
    struct glass_netif *nif = glass_loop_attach(s, wire, "loop0");
    ck_assert_ptr_nonnull(nif);
    ck_assert_int_eq(glass_netif_add_addr(nif, A("10.1.0.1"), 24), 0);
    ck_assert_int_eq(glass_netif_up(nif), 0);
    int rx = glass_socket(s, AF_INET, SOCK_DGRAM, 0);
    int tx = glass_socket(s, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = sin_of("10.1.0.1", 9000);
    ck_assert_int_eq(glass_bind(rx, SA(a), sizeof a), 0);
    ck_assert_int_eq(glass_sendto(tx, "self", 4, 0, SA(a), sizeof a), 4);
    char buf[8];
    ck_assert_int_eq(glass_recv(rx, buf, sizeof buf, 0), 4); /* drives the local delivery */
    ck_assert_mem_eq(buf, "self", 4);
    struct timeval tv = {.tv_usec = 20000};
    ck_assert_int_eq(glass_setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    ck_fail_errno(glass_recv(rx, buf, sizeof buf, 0), EAGAIN);
    /* glass_poll drives it too. */
    ck_assert_int_eq(glass_sendto(tx, "poll", 4, 0, SA(a), sizeof a), 4);
    struct pollfd p = {.fd = rx, .events = POLLIN};
    ck_assert_int_eq(glass_poll(&p, 1, 5000), 1);
    ck_assert_int_eq(p.revents, POLLIN);
    ck_assert_int_eq(glass_recv(rx, buf, sizeof buf, 0), 4);
    ck_assert_int_eq(glass_poll(&p, 1, 10), 0);
    ck_assert_int_eq(glass_close(tx), 0);
    ck_assert_int_eq(glass_close(rx), 0);
    ck_assert_int_eq(glass_stack_free(s), 0);
    glass_loop_wire_free(wire);
}
END_TEST

/* ---- poll --------------------------------------------------------------------------------- */

START_TEST(test_poll_readiness_with_a_pipe)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(&h, "0.0.0.0", 7100);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct pollfd fds[3] = {
        {.fd = fd, .events = POLLIN | POLLOUT},
        {.fd = p[0], .events = POLLIN},
        {.fd = -1, .events = POLLIN},
    };
    /* Nothing to read: a UDP socket is always writable. */
    ck_assert_int_eq(glass_poll(fds, 3, 0), 1);
    ck_assert_int_eq(fds[0].revents, POLLOUT);
    ck_assert_int_eq(fds[1].revents, 0);
    ck_assert_int_eq(fds[2].revents, 0);
    fds[0].events = POLLIN;
    ck_assert_int_eq(glass_poll(fds, 3, 0), 0);
    /* A datagram waits: POLLIN. */
    int tx = udp_socket(&h);
    send_self(&h, tx, 7100, "x", 1);
    ck_assert_int_eq(glass_poll(fds, 3, 0), 1);
    ck_assert_int_eq(fds[0].revents, POLLIN);
    /* And the pipe too. */
    ck_assert_int_eq(write(p[1], "y", 1), 1);
    ck_assert_int_eq(glass_poll(fds, 3, 0), 2);
    ck_assert_int_eq(fds[1].revents, POLLIN);
    char buf[4];
    ck_assert_int_eq(glass_recv(fd, buf, sizeof buf, 0), 1);
    ck_assert_int_eq(glass_poll(fds, 3, 0), 1);
    ck_assert_int_eq(fds[0].revents, 0);
    ck_assert_int_eq(read(p[0], buf, 1), 1);
    ck_assert_int_eq(glass_poll(fds, 3, 0), 0);
    /* A pending error: POLLERR whatever was asked, and recv reports it. */
    glass_stack_lock(h.stack);
    struct glass_sock *sk = sock_get(fd);
    sock_set_error(sk, ECONNREFUSED);
    sock_put(sk);
    glass_stack_unlock(h.stack);
    fds[0].events = 0;
    ck_assert_int_eq(glass_poll(fds, 1, 0), 1);
    ck_assert_int_eq(fds[0].revents, POLLERR);
    ck_fail_errno(glass_recv(fd, buf, sizeof buf, 0), ECONNREFUSED);
    ck_assert_int_eq(glass_poll(fds, 1, 0), 0);
    /* Only ordinary descriptors: plain poll(2). */
    ck_assert_int_eq(write(p[1], "z", 1), 1);
    ck_assert_int_eq(glass_poll(fds + 1, 1, 1000), 1);
    ck_fail_errno(glass_poll(NULL, 1, 0), EFAULT);
    close(p[0]);
    close(p[1]);
    ck_assert_int_eq(glass_close(tx), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_poll_timeout_on_virtual_clock)
{
    struct harness h;
    harness_init(&h);
    int fd = udp_bound(&h, "0.0.0.0", 7200);
    struct blocked_call c = {.fd = fd, .how = 1, .timeout_ms = 1500};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, blocked_thread, &c), 0);
    WAIT_FOR(timer_armed(&h)); /* glass_poll armed its timeout */
    harness_advance(&h, 1500 * GLASS_USEC_PER_MSEC - 1);
    assert_still_blocked(&c);
    harness_advance(&h, 1);
    join_bounded(t);
    ck_assert_int_eq(c.rc, 0);
    ck_assert_int_eq(c.revents, 0);

    /* And woken by a datagram before its timeout. */
    struct blocked_call d = {.fd = fd, .how = 1, .timeout_ms = -1};
    ck_assert_int_eq(pthread_create(&t, NULL, blocked_thread, &d), 0);
    harness_advance(&h, 10 * SEC);
    int tx = udp_socket(&h);
    send_self(&h, tx, 7200, "x", 1);
    join_bounded(t);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_int_eq(d.revents, POLLIN);
    ck_assert_int_eq(glass_close(tx), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    harness_fini(&h);
}
END_TEST

/* ---- teardown -------------------------------------------------------------------------------- */

START_TEST(test_sockets_left_open_are_freed_with_the_stack)
{
    struct harness h;
    harness_init(&h);
    int fds[5];
    for (int i = 0; i < 5; i++)
        fds[i] = udp_bound(&h, "0.0.0.0", (uint16_t)(8000 + i));
    int tx = udp_socket(&h);
    for (int i = 0; i < 5; i++)
        send_self(&h, tx, (uint16_t)(8000 + i), "left behind", 11);
    ck_assert_uint_eq(counter(&h, "udp.delivered"), 5);
    harness_fini(&h); /* asserts every byte came back */
    for (int i = 0; i < 5; i++)
        ck_assert(!glass_is_socket(fds[i]));
    ck_assert(!glass_is_socket(tx));
    ck_assert_int_eq(fcntl(tx, F_GETFD), -1); /* its eventfd is closed */
}
END_TEST

static Suite *socket_suite(void)
{
    Suite *s = suite_create("socket");
    TCase *api = tcase_create("api");
    tcase_add_test(api, test_socket_bad_arguments);
    tcase_add_test(api, test_calls_on_non_sockets_ebadf_enotsock);
    tcase_add_test(api, test_emfile_at_the_bound);
    tcase_add_test(api, test_bind_rules);
    tcase_add_test(api, test_rfc6335_ephemeral_ports_distinct);
    tcase_add_test(api, test_ephemeral_exhaustion);
    tcase_add_test(api, test_connect_names_and_dissolve);
    tcase_add_test(api, test_stream_sockets_unconnected);
    tcase_add_test(api, test_send_errors);
    tcase_add_test(api, test_recv_nonblocking_and_flags);
    tcase_add_test(api, test_shutdown);
    tcase_add_test(api, test_options);
    tcase_add_test(api, test_sockets_left_open_are_freed_with_the_stack);
    suite_add_tcase(s, api);
    TCase *blocking = tcase_create("blocking");
    tcase_set_timeout(blocking, 60);
    tcase_add_test(blocking, test_blocking_recv_rcvtimeo_on_virtual_clock);
    tcase_add_test(blocking, test_blocking_recv_woken_by_datagram);
    tcase_add_test(blocking, test_close_from_another_thread_wakes_recv);
    tcase_add_test(blocking, test_blocking_call_drives_a_threadless_stack);
    tcase_add_test(blocking, test_poll_readiness_with_a_pipe);
    tcase_add_test(blocking, test_poll_timeout_on_virtual_clock);
    suite_add_tcase(s, blocking);
    return s;
}

int main(void)
{
    return harness_run_suite(socket_suite());
}
