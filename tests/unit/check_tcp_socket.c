/*
 * check_tcp_socket.c - SOCK_STREAM sockets over TCP, end to end: two
 * glass stacks (10.0.0.1 the client, 10.0.0.2 the server) on one loop
 * wire and one virtual clock.  Each test drives both stacks itself
 * (world_run), so everything that depends on time -- SYN retransmission
 * and its give-up, TIME-WAIT, SO_RCVTIMEO -- happens at exact virtual
 * instants.  Blocking calls run in a second thread while the test thread
 * moves the world on.
 *
 * What is checked is what a program sees: return values, errno (Linux's),
 * poll bits, SO_ERROR, getpeername, the bytes, and the counters that say
 * which segment did it (a RST for unread data, a SYN dropped on a full
 * backlog).  Every test ends with both stacks freed and all their memory
 * returned.
 */
#define _GNU_SOURCE /* POLLRDHUP, pthread_timedjoin_np */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "socket.h"
#include "timer.h"

#define SEC GLASS_USEC_PER_SEC
#define MS GLASS_USEC_PER_MSEC
#define SA(s) ((const struct sockaddr *)&(s))

#define ck_fail_errno(call, err)                                                                   \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long rc_ = (long)(call);                                                                   \
        int e_ = errno;                                                                            \
        ck_assert_msg(rc_ == -1 && e_ == (err), "%s: rc %ld errno %d (%s), want -1 errno %d (%s)", \
                      #call, rc_, e_, strerror(e_), (err), strerror(err));                         \
    } while (0)

/* ---- the world: two stacks on a wire ----------------------------------------------- */

struct world {
    struct glass_clock *clock;
    struct glass_loop_wire *wire;
    struct glass_stack *s[2];   /* [0] client 10.0.0.1, [1] server 10.0.0.2 */
    struct glass_netif *nif[2];
};

#define CLI 0
#define SRV 1
#define CLI_IP "10.0.0.1"
#define SRV_IP "10.0.0.2"

static void world_settle(struct world *w)
{
    for (int round = 0; round < 100000; round++) {
        int work = 0;
        for (int i = 0; i < 2; i++)
            work += glass_stack_poll(w->s[i], 0);
        if (work == 0)
            return;
    }
    ck_abort_msg("stacks kept busy at one instant");
}

static glass_time_t world_next_event(struct world *w)
{
    glass_time_t next = TIMER_NEVER;
    for (int i = 0; i < 2; i++) {
        struct glass_stack *s = w->s[i];
        glass_stack_lock(s);
        glass_time_t t = timer_next(s);
        next = t < next ? t : next;
        for (struct glass_netif *nif = s->netifs; nif; nif = nif->next)
            if (nif->ops->next_event) {
                t = nif->ops->next_event(nif);
                next = t < next ? t : next;
            }
        glass_stack_unlock(s);
    }
    return next;
}

/* Let `duration` of virtual time pass, event by event. */
static void world_run(struct world *w, glass_time_t duration)
{
    glass_time_t end = glass_clock_now(w->clock) + duration;
    for (int guard = 0; guard < 1000000; guard++) {
        world_settle(w);
        glass_time_t now = glass_clock_now(w->clock);
        glass_time_t next = world_next_event(w);
        if (next > end)
            next = end;
        if (next <= now) {
            if (now >= end)
                return;
            next = now + 1;
        }
        glass_clock_advance(w->clock, next - now);
    }
    ck_abort_msg("world_run: events without end");
}

static void world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->clock = glass_clock_new_virtual(SEC);
    w->wire = glass_loop_wire_new(42);
    ck_assert_ptr_nonnull(w->clock);
    ck_assert_ptr_nonnull(w->wire);
    const char *ips[2] = {CLI_IP, SRV_IP};
    for (int i = 0; i < 2; i++) {
        w->s[i] = glass_stack_new(w->clock);
        ck_assert_ptr_nonnull(w->s[i]);
        w->nif[i] = glass_loop_attach(w->s[i], w->wire, "loop0");
        ck_assert_ptr_nonnull(w->nif[i]);
        const uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)};
        ck_assert_int_eq(glass_netif_set_mac(w->nif[i], mac), 0);
        ck_assert_int_eq(glass_netif_add_addr(w->nif[i], A(ips[i]), 24), 0);
        ck_assert_int_eq(glass_netif_up(w->nif[i]), 0);
    }
    struct glass_loop_params p = {.delay = 1 * MS};
    glass_loop_wire_set(w->wire, &p);
    world_run(w, 10 * MS);
}

static void world_fini(struct world *w)
{
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(glass_stack_free(w->s[i]), 0);
    glass_loop_wire_free(w->wire);
    glass_clock_free(w->clock);
}

static uint64_t stat_of(struct world *w, int i, const char *name)
{
    errno = 0;
    uint64_t v = glass_stat(w->s[i], name);
    ck_assert_msg(errno == 0, "no counter %s", name);
    return v;
}

/* ---- socket helpers --------------------------------------------------------------------- */

static int tcp_socket(struct world *w, int i, bool nonblock)
{
    int fd = glass_socket(w->s[i], AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    ck_assert_int_ge(fd, 0);
    return fd;
}

static int listener(struct world *w, uint16_t port, int backlog)
{
    int fd = tcp_socket(w, SRV, true);
    struct sockaddr_in a = sin_of("0.0.0.0", port);
    ck_assert_int_eq(glass_bind(fd, SA(a), sizeof a), 0);
    ck_assert_int_eq(glass_listen(fd, backlog), 0);
    return fd;
}

static short revents(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = glass_poll(&p, 1, 0);
    ck_assert_int_ge(n, 0);
    return p.revents;
}

static int so_error(int fd)
{
    int v = -1;
    socklen_t len = sizeof v;
    ck_assert_int_eq(glass_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
    return v;
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
    return v;
}

/* A non-blocking client connected to the server's `port`, and the
 * server's accepted socket (non-blocking too). */
static void connect_pair(struct world *w, int lfd, uint16_t port, int *cfd, int *afd)
{
    *cfd = tcp_socket(w, CLI, true);
    struct sockaddr_in to = sin_of(SRV_IP, port);
    ck_fail_errno(glass_connect(*cfd, SA(to), sizeof to), EINPROGRESS);
    world_run(w, 50 * MS);
    ck_assert_int_eq(so_error(*cfd), 0);
    ck_assert_int_eq(glass_connect(*cfd, SA(to), sizeof to), 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    *afd = glass_accept(lfd, (struct sockaddr *)&peer, &plen);
    ck_assert_int_ge(*afd, 0);
    ck_assert_int_eq(glass_fcntl(*afd, F_SETFL, O_NONBLOCK), 0);
}

static void send_all(struct world *w, int fd, const void *buf, size_t len)
{
    ck_assert_int_eq(glass_send(fd, buf, len, 0), (ssize_t)len);
    world_run(w, 50 * MS);
}

/* ---- connect / accept ----------------------------------------------------------------------- */

/* RFC 9293 3.10.1 OPEN and 3.5 the three-way handshake, as a non-blocking
 * program sees it: EINPROGRESS, no POLLOUT while SYN-SENT, then POLLOUT
 * and SO_ERROR 0; EALREADY while it runs, 0 for the connect() that sees it
 * done, EISCONN after.  The listener polls readable, accept gives a new
 * descriptor whose names mirror the client's. */
START_TEST(rfc9293_3_10_1_nonblocking_connect_and_accept)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8000, 5);
    ck_fail_errno(glass_accept(lfd, NULL, NULL), EAGAIN);
    ck_assert_int_eq(revents(lfd, POLLIN), 0);
    ck_assert_int_eq(get_int(lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);

    int cfd = tcp_socket(&w, CLI, true);
    ck_assert_int_eq(revents(cfd, POLLIN | POLLOUT), POLLOUT | POLLHUP); /* fresh: as Linux */
    struct sockaddr_in to = sin_of(SRV_IP, 8000);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), EINPROGRESS);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), EALREADY);
    ck_assert_int_eq(revents(cfd, POLLIN | POLLOUT), 0);
    ck_assert_uint_eq(stat_of(&w, CLI, "tcp.active_opens"), 1);

    world_run(&w, 50 * MS);
    ck_assert_int_eq(revents(cfd, POLLIN | POLLOUT), POLLOUT);
    ck_assert_int_eq(so_error(cfd), 0);
    ck_assert_int_eq(glass_connect(cfd, SA(to), sizeof to), 0);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), EISCONN);
    ck_assert_int_eq(revents(lfd, POLLIN), POLLIN);

    struct sockaddr_in peer, cname, cpeer, aname;
    socklen_t len = sizeof peer;
    int afd = glass_accept(lfd, (struct sockaddr *)&peer, &len);
    ck_assert_int_ge(afd, 0);
    ck_assert(glass_is_socket(afd));
    ck_assert_int_ne(afd, lfd);
    ck_assert_uint_eq(len, sizeof peer);
    ck_fail_errno(glass_accept(lfd, NULL, NULL), EAGAIN);
    ck_assert_int_eq(revents(lfd, POLLIN), 0);
    len = sizeof cname;
    ck_assert_int_eq(glass_getsockname(cfd, (struct sockaddr *)&cname, &len), 0);
    len = sizeof cpeer;
    ck_assert_int_eq(glass_getpeername(cfd, (struct sockaddr *)&cpeer, &len), 0);
    len = sizeof aname;
    ck_assert_int_eq(glass_getsockname(afd, (struct sockaddr *)&aname, &len), 0);
    ck_assert_uint_eq(peer.sin_addr.s_addr, A(CLI_IP));
    ck_assert_uint_eq(cname.sin_addr.s_addr, A(CLI_IP));
    ck_assert_uint_eq(peer.sin_port, cname.sin_port);
    ck_assert_uint_ge(ntohs(cname.sin_port), 49152); /* ephemeral (RFC 6335) */
    ck_assert_uint_eq(cpeer.sin_addr.s_addr, A(SRV_IP));
    ck_assert_uint_eq(ntohs(cpeer.sin_port), 8000);
    ck_assert_uint_eq(aname.sin_addr.s_addr, A(SRV_IP));
    ck_assert_uint_eq(ntohs(aname.sin_port), 8000);
    /* The listener itself has no peer. */
    len = sizeof peer;
    ck_fail_errno(glass_getpeername(lfd, (struct sockaddr *)&peer, &len), ENOTCONN);
    ck_assert_int_eq(get_int(afd, SOL_SOCKET, SO_ACCEPTCONN), 0);
    ck_assert_uint_eq(stat_of(&w, SRV, "tcp.passive_opens"), 1);
    ck_assert_int_eq(revents(afd, POLLIN | POLLOUT), POLLOUT);

    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_fini(&w);
}
END_TEST

/* RFC 9293 3.10.7.1 / 3.10.7.3: the SYN to a port nobody listens on is
 * answered with RST; the connect fails with ECONNREFUSED, once (SO_ERROR
 * reads and clears it), the socket polls POLLOUT|POLLERR|POLLHUP, and it
 * may be used for a new connect afterwards (Linux). */
START_TEST(rfc9293_3_10_7_3_refused_connect_reports_econnrefused)
{
    struct world w;
    world_init(&w);
    int cfd = tcp_socket(&w, CLI, true);
    struct sockaddr_in to = sin_of(SRV_IP, 8001);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), EINPROGRESS);
    world_run(&w, 50 * MS);
    ck_assert_uint_eq(stat_of(&w, SRV, "tcp.no_port"), 1);
    short ev = revents(cfd, POLLIN | POLLOUT);
    ck_assert_int_eq(ev & (POLLOUT | POLLERR | POLLHUP), POLLOUT | POLLERR | POLLHUP);
    ck_assert_int_eq(so_error(cfd), ECONNREFUSED);
    ck_assert_int_eq(so_error(cfd), 0);

    /* And a refused socket connects again once there is a listener --
     * after one connect() that reports the attempt over (Linux: the error
     * was read already, so ECONNABORTED). */
    int lfd = listener(&w, 8001, 1);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), ECONNABORTED);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), EINPROGRESS);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(so_error(cfd), 0);
    int afd = glass_accept(lfd, NULL, NULL);
    ck_assert_int_ge(afd, 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

struct connect_job {
    int fd;
    struct sockaddr_in to;
    int rc, err;
    bool done;
};

static void *connect_thread(void *arg)
{
    struct connect_job *j = arg;
    errno = 0;
    j->rc = glass_connect(j->fd, SA(j->to), sizeof j->to);
    j->err = errno;
    __atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
    return NULL;
}

static void nap(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* Until the stack counted `n` blocked calls (bounded: 5 s real time). */
static void wait_blocked_count(struct world *w, int i, uint64_t n)
{
    for (int k = 0; k < 5000 && glass_stat(w->s[i], "socket.blocked") < n; k++)
        nap();
    ck_assert_uint_ge(glass_stat(w->s[i], "socket.blocked"), n);
    nap();
}

/* Until a thread is asleep in a call on fd (bounded: 5 s real time). */
static void wait_blocked(int fd)
{
    for (int i = 0; i < 5000 && sock_waiters(fd) == 0; i++)
        nap();
    ck_assert_uint_eq(sock_waiters(fd), 1);
}

/* Until another thread set *done (bounded: 5 s real time); the world
 * stands still meanwhile, so virtual time decides the outcome. */
static void wait_done(bool *done, const char *what)
{
    for (int i = 0; i < 5000 && !__atomic_load_n(done, __ATOMIC_ACQUIRE); i++)
        nap();
    ck_assert_msg(__atomic_load_n(done, __ATOMIC_ACQUIRE), "%s never returned", what);
}

/* Run the world in small steps until the job is done (bounded). */
static void run_until_done(struct world *w, bool *done, glass_time_t step, int max_steps)
{
    for (int i = 0; i < max_steps && !__atomic_load_n(done, __ATOMIC_ACQUIRE); i++) {
        world_run(w, step);
        nap();
    }
    ck_assert_msg(__atomic_load_n(done, __ATOMIC_ACQUIRE), "blocked call never returned");
}

/* A blocking connect sleeps until the handshake ends: ECONNREFUSED when
 * a RST answers (RFC 9293 3.10.7.3), 0 when a listener does. */
START_TEST(rfc9293_3_10_1_blocking_connect_refused_then_accepted)
{
    struct world w;
    world_init(&w);
    pthread_t t;
    struct connect_job j = {.fd = tcp_socket(&w, CLI, false), .to = sin_of(SRV_IP, 8003)};
    ck_assert_int_eq(pthread_create(&t, NULL, connect_thread, &j), 0);
    run_until_done(&w, &j.done, 10 * MS, 2000);
    pthread_join(t, NULL);
    ck_assert_int_eq(j.rc, -1);
    ck_assert_int_eq(j.err, ECONNREFUSED);

    int lfd = listener(&w, 8003, 1);
    j.done = false;
    ck_assert_int_eq(pthread_create(&t, NULL, connect_thread, &j), 0);
    run_until_done(&w, &j.done, 10 * MS, 2000);
    pthread_join(t, NULL);
    ck_assert_int_eq(j.rc, 0);
    ck_assert_int_eq(j.err, 0);
    int afd = glass_accept(lfd, NULL, NULL);
    ck_assert_int_ge(afd, 0);
    ck_assert_int_eq(glass_close(j.fd), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* RFC 6298 5 / RFC 9293 3.8.1: a SYN nobody answers is retransmitted
 * (backing off) syn_retries times, then the connect gives up: ETIMEDOUT. */
START_TEST(rfc6298_5_unanswered_syn_gives_up_with_etimedout)
{
    struct world w;
    world_init(&w);
    struct glass_tcp_config cfg;
    glass_tcp_config_get(w.s[CLI], &cfg);
    cfg.syn_retries = 2;
    ck_assert_int_eq(glass_tcp_config_set(w.s[CLI], &cfg), 0);
    /* 10.0.0.9 has a link address but nobody behind it. */
    const uint8_t ghost[6] = {0x02, 0, 0, 0, 0, 9};
    ck_assert_int_eq(glass_arp_add_static(w.s[CLI], w.nif[CLI], A("10.0.0.9"), ghost), 0);
    int cfd = tcp_socket(&w, CLI, true);
    struct sockaddr_in to = sin_of("10.0.0.9", 80);
    ck_fail_errno(glass_connect(cfd, SA(to), sizeof to), EINPROGRESS);
    /* 1 s, then 2 s, then 4 s: still trying at 6.5 s. */
    world_run(&w, 6500 * MS);
    ck_assert_int_eq(revents(cfd, POLLOUT), 0);
    ck_assert_uint_eq(stat_of(&w, CLI, "tcp.retransmits"), 2);
    world_run(&w, 1000 * MS);
    ck_assert_int_eq(revents(cfd, POLLOUT) & (POLLOUT | POLLERR), POLLOUT | POLLERR);
    ck_assert_int_eq(so_error(cfd), ETIMEDOUT);
    ck_assert_uint_eq(stat_of(&w, CLI, "tcp.conn_timeout"), 1);
    ck_assert_int_eq(glass_close(cfd), 0);
    world_fini(&w);
}
END_TEST

/* ---- data ---------------------------------------------------------------------------------- */

/* RFC 9293 3.10.2/3.10.3 SEND and RECEIVE: bytes arrive in order;
 * MSG_PEEK leaves them; MSG_DONTWAIT on an empty buffer is EAGAIN; POLLIN
 * comes and goes with the data.  Before any connection, recv is ENOTCONN
 * and send EPIPE (Linux). */
START_TEST(rfc9293_3_10_2_send_recv_peek_dontwait)
{
    struct world w;
    world_init(&w);
    char buf[64];
    int fresh = tcp_socket(&w, CLI, false);
    ck_fail_errno(glass_recv(fresh, buf, sizeof buf, 0), ENOTCONN);
    ck_fail_errno(glass_send(fresh, "x", 1, 0), EPIPE);
    ck_fail_errno(glass_shutdown(fresh, SHUT_WR), ENOTCONN);
    ck_assert_int_eq(glass_close(fresh), 0);

    int lfd = listener(&w, 8004, 5), cfd, afd;
    connect_pair(&w, lfd, 8004, &cfd, &afd);
    ck_fail_errno(glass_recv(afd, buf, sizeof buf, 0), EAGAIN); /* O_NONBLOCK */
    ck_assert_int_eq(revents(afd, POLLIN), 0);
    send_all(&w, cfd, "hello, glass", 12);
    ck_assert_int_eq(revents(afd, POLLIN), POLLIN);
    memset(buf, 0, sizeof buf);
    ck_assert_int_eq(glass_recv(afd, buf, 5, MSG_PEEK), 5);
    ck_assert_str_eq(buf, "hello");
    memset(buf, 0, sizeof buf);
    ck_assert_int_eq(glass_recv(afd, buf, 5, 0), 5);
    ck_assert_str_eq(buf, "hello");
    memset(buf, 0, sizeof buf);
    /* recvmsg scatters across iovecs */
    char a[3] = {0}, b[10] = {0};
    struct iovec iov[2] = {{a, 2}, {b, sizeof b}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    ck_assert_int_eq(glass_recvmsg(afd, &msg, 0), 7);
    ck_assert_str_eq(a, ", ");
    ck_assert_str_eq(b, "glass");
    ck_fail_errno(glass_recv(afd, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    ck_assert_int_eq(revents(afd, POLLIN), 0);

    /* The other way, with writev-style gathering. */
    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    struct msghdr omsg = {.msg_iov = out, .msg_iovlen = 3};
    ck_assert_int_eq(glass_sendmsg(afd, &omsg, 0), 5);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(glass_read(cfd, buf, sizeof buf), 5);
    ck_assert_int_eq(memcmp(buf, "abcde", 5), 0);

    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* SO_SNDBUF bounds what a send may queue: a non-blocking send takes what
 * fits (a partial write), the next is EAGAIN and POLLOUT is off; as the
 * peer reads and ACKs, room comes back (POLLOUT) and every byte arrives in
 * order. */
START_TEST(rfc9293_3_10_2_partial_write_with_small_sndbuf)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8005, 5), cfd, afd;
    connect_pair(&w, lfd, 8005, &cfd, &afd);
    set_int(cfd, SOL_SOCKET, SO_SNDBUF, 4096);
    ck_assert_int_eq(get_int(cfd, SOL_SOCKET, SO_SNDBUF), 8192); /* doubled, as Linux */
    enum { TOTAL = 200000 };
    uint8_t *data = malloc(TOTAL), *got = malloc(TOTAL);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_nonnull(got);
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 8));
    ssize_t n = glass_send(cfd, data, TOTAL, 0);
    ck_assert_int_eq(n, 8192);
    ck_fail_errno(glass_send(cfd, data + n, TOTAL - (size_t)n, 0), EAGAIN);
    ck_assert_int_eq(revents(cfd, POLLOUT), 0);
    size_t sent = (size_t)n, rcvd = 0;
    for (int round = 0; round < 10000 && rcvd < TOTAL; round++) {
        world_run(&w, 5 * MS);
        ssize_t r;
        while (rcvd < TOTAL && (r = glass_recv(afd, got + rcvd, TOTAL - rcvd, 0)) > 0)
            rcvd += (size_t)r;
        if (rcvd < TOTAL)
            ck_assert_msg(r < 0 && errno == EAGAIN, "recv: %zd %s after %zu", r, strerror(errno),
                          rcvd);
        if (sent < TOTAL && (revents(cfd, POLLOUT) & POLLOUT)) {
            r = glass_send(cfd, data + sent, TOTAL - sent, 0);
            ck_assert_int_gt(r, 0);
            ck_assert_int_le(r, 8192);
            sent += (size_t)r;
        }
    }
    ck_assert_uint_eq(sent, TOTAL);
    ck_assert_uint_eq(rcvd, TOTAL);
    ck_assert_int_eq(memcmp(data, got, TOTAL), 0);
    free(data);
    free(got);
    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* RFC 9293 3.10.4 CLOSE as half of a conversation (shutdown(SHUT_WR)): the
 * peer reads the data, then end of file (0) and polls POLLIN|POLLRDHUP; it
 * may still send, and the half-closed side still receives; its own sends
 * are EPIPE.  When both have closed the survivor sees POLLHUP. */
START_TEST(rfc9293_3_10_4_half_close)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8006, 5), cfd, afd;
    char buf[32];
    connect_pair(&w, lfd, 8006, &cfd, &afd);
    ck_assert_int_eq(glass_send(cfd, "request", 7, 0), 7);
    ck_assert_int_eq(glass_shutdown(cfd, SHUT_WR), 0);
    ck_fail_errno(glass_send(cfd, "more", 4, 0), EPIPE);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(revents(afd, POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
    ck_assert_int_eq(glass_recv(afd, buf, sizeof buf, 0), 7);
    ck_assert_int_eq(memcmp(buf, "request", 7), 0);
    ck_assert_int_eq(glass_recv(afd, buf, sizeof buf, 0), 0);
    ck_assert_int_eq(glass_recv(afd, buf, sizeof buf, 0), 0);
    /* The server answers on its open half. */
    send_all(&w, afd, "response", 8);
    ck_assert_int_eq(glass_recv(cfd, buf, sizeof buf, 0), 8);
    ck_assert_int_eq(memcmp(buf, "response", 8), 0);
    ck_assert_int_eq(revents(cfd, POLLIN | POLLOUT) & POLLHUP, 0);
    ck_assert_int_eq(glass_close(afd), 0);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(glass_recv(cfd, buf, sizeof buf, 0), 0);
    ck_assert_int_eq(revents(cfd, POLLIN) & (POLLIN | POLLHUP), POLLIN | POLLHUP);
    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* RFC 2525 2.17: close() with data the program never read resets the
 * connection, so the peer does not believe it was delivered: the peer's
 * recv says ECONNRESET (once; then end of file), its send EPIPE. */
START_TEST(rfc2525_2_17_close_with_unread_data_sends_rst)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8007, 5), cfd, afd;
    char buf[32];
    connect_pair(&w, lfd, 8007, &cfd, &afd);
    send_all(&w, cfd, "never read", 10);
    ck_assert_uint_eq(stat_of(&w, SRV, "tcp.rst_sent"), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_uint_eq(stat_of(&w, SRV, "tcp.conn_aborted"), 1);
    ck_assert_uint_eq(stat_of(&w, SRV, "tcp.rst_sent"), 1);
    world_run(&w, 50 * MS);
    ck_assert_uint_eq(stat_of(&w, CLI, "tcp.conn_reset"), 1);
    short ev = revents(cfd, POLLIN | POLLOUT);
    ck_assert_int_eq(ev & (POLLERR | POLLHUP | POLLIN), POLLERR | POLLHUP | POLLIN);
    ck_fail_errno(glass_recv(cfd, buf, sizeof buf, 0), ECONNRESET);
    ck_assert_int_eq(glass_recv(cfd, buf, sizeof buf, 0), 0);
    ck_fail_errno(glass_send(cfd, "x", 1, 0), EPIPE);
    ck_fail_errno(glass_getpeername(cfd, (struct sockaddr *)&(struct sockaddr_in){0},
                                    &(socklen_t){sizeof(struct sockaddr_in)}),
                  ENOTCONN);
    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_fini(&w);
}
END_TEST

/* SO_LINGER {1, 0}: close() aborts (RFC 9293 3.10.5 ABORT): a RST, no
 * FIN; the peer's first send after it says ECONNRESET, then EPIPE. */
START_TEST(rfc9293_3_10_5_linger_zero_aborts)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8008, 5), cfd, afd;
    connect_pair(&w, lfd, 8008, &cfd, &afd);
    struct linger l = {.l_onoff = 1, .l_linger = 0}, got;
    ck_assert_int_eq(glass_setsockopt(cfd, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
    socklen_t len = sizeof got;
    ck_assert_int_eq(glass_getsockopt(cfd, SOL_SOCKET, SO_LINGER, &got, &len), 0);
    ck_assert_int_eq(got.l_onoff, 1);
    ck_assert_int_eq(got.l_linger, 0);
    ck_fail_errno(glass_setsockopt(cfd, SOL_SOCKET, SO_LINGER, &l, sizeof l - 1), EINVAL);
    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_uint_eq(stat_of(&w, CLI, "tcp.rst_sent"), 1);
    ck_assert_uint_eq(stat_of(&w, CLI, "tcp.conn_aborted"), 1);
    world_run(&w, 50 * MS);
    ck_fail_errno(glass_send(afd, "x", 1, 0), ECONNRESET);
    ck_fail_errno(glass_send(afd, "x", 1, 0), EPIPE);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_fini(&w);
}
END_TEST

struct close_job {
    int fd;
    int rc;
    bool done;
};

static void *close_thread(void *arg)
{
    struct close_job *j = arg;
    j->rc = glass_close(j->fd);
    __atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* SO_LINGER with a time: close() sends the FIN and blocks until it is
 * acknowledged -- or, when the peer has gone silent, until the linger
 * time has passed (on the stack's clock). */
START_TEST(rfc9293_3_10_4_linger_waits_for_fin_ack)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8009, 5), cfd, afd, c2, a2;
    char buf[8];
    connect_pair(&w, lfd, 8009, &cfd, &afd);
    connect_pair(&w, lfd, 8009, &c2, &a2);
    struct linger l = {.l_onoff = 1, .l_linger = 5};
    ck_assert_int_eq(glass_setsockopt(afd, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
    pthread_t t;
    struct close_job j = {.fd = afd};
    uint64_t blocked = glass_stat(w.s[SRV], "socket.blocked");
    ck_assert_int_eq(pthread_create(&t, NULL, close_thread, &j), 0);
    wait_blocked_count(&w, SRV, blocked + 1);
    ck_assert(!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE)); /* nothing moved yet */
    run_until_done(&w, &j.done, 1 * MS, 2000);
    pthread_join(t, NULL);
    ck_assert_int_eq(j.rc, 0);
    ck_assert_int_eq(glass_recv(cfd, buf, sizeof buf, 0), 0); /* the FIN came */

    /* A silent peer: the wire loses everything; close returns after 1 s. */
    l.l_linger = 1;
    ck_assert_int_eq(glass_setsockopt(a2, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
    struct glass_loop_params p = {.loss_ppm = 1000000, .delay = 1 * MS};
    glass_loop_wire_set(w.wire, &p);
    struct close_job j2 = {.fd = a2};
    glass_time_t t0 = glass_clock_now(w.clock);
    ck_assert_int_eq(pthread_create(&t, NULL, close_thread, &j2), 0);
    wait_blocked_count(&w, SRV, blocked + 2);
    /* Virtual time moves only here, so the outcome cannot depend on how
     * fast the machine schedules the thread: still waiting 1 ms before
     * the linger time, returned once the clock has passed it. */
    world_run(&w, 1 * SEC - 1 * MS);
    for (int i = 0; i < 20; i++)
        nap();
    ck_assert(!__atomic_load_n(&j2.done, __ATOMIC_ACQUIRE));
    world_run(&w, 2 * MS);
    ck_assert_uint_eq(glass_clock_now(w.clock) - t0, 1 * SEC + 1 * MS);
    wait_done(&j2.done, "close with SO_LINGER");
    pthread_join(t, NULL);
    ck_assert_int_eq(j2.rc, 0);
    p.loss_ppm = 0;
    glass_loop_wire_set(w.wire, &p);

    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(c2), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* MSG_WAITALL: a blocking recv waits for the whole amount, across
 * segments; SO_RCVTIMEO ends a wait with EAGAIN at the exact virtual time. */
struct recv_job {
    int fd, flags;
    char buf[32];
    size_t len;
    ssize_t rc;
    int err;
    bool done;
};

static void *recv_thread(void *arg)
{
    struct recv_job *j = arg;
    errno = 0;
    j->rc = glass_recv(j->fd, j->buf, j->len, j->flags);
    j->err = errno;
    __atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
    return NULL;
}

START_TEST(rfc9293_3_10_3_waitall_and_rcvtimeo)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8014, 5), cfd, afd;
    connect_pair(&w, lfd, 8014, &cfd, &afd);
    ck_assert_int_eq(glass_fcntl(afd, F_SETFL, 0), 0); /* blocking */
    struct recv_job j = {.fd = afd, .flags = MSG_WAITALL, .len = 10};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, recv_thread, &j), 0);
    wait_blocked(afd);
    send_all(&w, cfd, "abcde", 5);
    for (int i = 0; i < 20; i++)
        nap();
    ck_assert(!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE));
    send_all(&w, cfd, "fghij", 5);
    run_until_done(&w, &j.done, 1 * MS, 2000);
    pthread_join(t, NULL);
    ck_assert_int_eq(j.rc, 10);
    ck_assert_int_eq(memcmp(j.buf, "abcdefghij", 10), 0);

    struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
    ck_assert_int_eq(glass_setsockopt(afd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    struct recv_job j2 = {.fd = afd, .len = 10};
    glass_time_t t0 = glass_clock_now(w.clock);
    ck_assert_int_eq(pthread_create(&t, NULL, recv_thread, &j2), 0);
    wait_blocked(afd);
    /* Virtual time moves only here, so the outcome cannot depend on how
     * fast the machine schedules the thread: still waiting 1 ms before
     * the deadline, EAGAIN once the clock has passed it. */
    world_run(&w, 2 * SEC - 1 * MS);
    for (int i = 0; i < 20; i++)
        nap();
    ck_assert(!__atomic_load_n(&j2.done, __ATOMIC_ACQUIRE));
    world_run(&w, 2 * MS);
    ck_assert_uint_eq(glass_clock_now(w.clock) - t0, 2 * SEC + 1 * MS);
    wait_done(&j2.done, "recv with SO_RCVTIMEO");
    pthread_join(t, NULL);
    ck_assert_int_eq(j2.rc, -1);
    ck_assert_int_eq(j2.err, EAGAIN);

    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* ---- listen queue ----------------------------------------------------------------------------- */

/* listen(fd, 0) still accepts one connection (Linux lets backlog + 1
 * wait); a SYN that finds the queues full is dropped silently (no RST),
 * and its retransmission gets through once accept() made room. */
START_TEST(rfc9293_3_10_7_2_backlog_full_drops_syn_then_accepts)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8010, 0);
    int c1 = tcp_socket(&w, CLI, true), c2 = tcp_socket(&w, CLI, true);
    struct sockaddr_in to = sin_of(SRV_IP, 8010);
    ck_fail_errno(glass_connect(c1, SA(to), sizeof to), EINPROGRESS);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(so_error(c1), 0);
    ck_fail_errno(glass_connect(c2, SA(to), sizeof to), EINPROGRESS);
    world_run(&w, 50 * MS);
    ck_assert_uint_eq(stat_of(&w, SRV, "tcp.rst_sent"), 0);
    ck_assert_uint_ge(stat_of(&w, SRV, "tcp.syn_queue_full") +
                          stat_of(&w, SRV, "tcp.accept_queue_full"),
                      1);
    int a1 = glass_accept(lfd, NULL, NULL);
    ck_assert_int_ge(a1, 0);
    ck_fail_errno(glass_accept(lfd, NULL, NULL), EAGAIN); /* the second was held back */
    /* The SYN retransmission (1 s) now finds room. */
    world_run(&w, 1500 * MS);
    ck_assert_int_eq(revents(c2, POLLOUT), POLLOUT);
    ck_assert_int_eq(so_error(c2), 0);
    int a2 = glass_accept(lfd, NULL, NULL);
    ck_assert_int_ge(a2, 0);
    int fds[] = {c1, c2, a1, a2, lfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        ck_assert_int_eq(glass_close(fds[i]), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

/* Closing a listener resets the connections nobody accepted. */
START_TEST(rfc9293_3_10_4_listener_close_resets_unaccepted)
{
    struct world w;
    world_init(&w);
    int lfd = listener(&w, 8011, 5);
    int c = tcp_socket(&w, CLI, true);
    struct sockaddr_in to = sin_of(SRV_IP, 8011);
    ck_fail_errno(glass_connect(c, SA(to), sizeof to), EINPROGRESS);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(so_error(c), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 50 * MS);
    char buf[4];
    ck_fail_errno(glass_recv(c, buf, sizeof buf, 0), ECONNRESET);
    ck_assert_int_eq(glass_close(c), 0);
    world_fini(&w);
}
END_TEST

/* ---- ports -------------------------------------------------------------------------------------- */

/* Linux's TCP bind rules: a listener's port is taken even for
 * SO_REUSEADDR sockets; after the server closed first, the port is held
 * by a TIME-WAIT orphan: EADDRINUSE without SO_REUSEADDR, allowed with it
 * (the classic server restart); after 2*MSL it is free for everyone. */
START_TEST(rfc9293_3_6_1_bind_conflicts_time_wait_and_reuseaddr)
{
    struct world w;
    world_init(&w);
    int lfd = tcp_socket(&w, SRV, true);
    set_int(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
    struct sockaddr_in any = sin_of("0.0.0.0", 8012);
    ck_assert_int_eq(glass_bind(lfd, SA(any), sizeof any), 0);
    ck_assert_int_eq(glass_listen(lfd, 5), 0);
    int other = tcp_socket(&w, SRV, true);
    set_int(other, SOL_SOCKET, SO_REUSEADDR, 1);
    ck_fail_errno(glass_bind(other, SA(any), sizeof any), EADDRINUSE);

    int cfd, afd;
    connect_pair(&w, lfd, 8012, &cfd, &afd);
    /* Server closes first: it goes through FIN-WAIT to TIME-WAIT. */
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(lfd), 0);
    world_run(&w, 50 * MS);
    ck_assert_int_eq(glass_close(cfd), 0);
    world_run(&w, 50 * MS);
    int fresh = tcp_socket(&w, SRV, true);
    ck_fail_errno(glass_bind(fresh, SA(any), sizeof any), EADDRINUSE);
    ck_assert_int_eq(glass_bind(other, SA(any), sizeof any), 0);
    ck_assert_int_eq(glass_listen(other, 5), 0);
    ck_assert_int_eq(glass_close(other), 0);
    /* 2*MSL (30 s each) later the TIME-WAIT is gone. */
    world_run(&w, 61 * SEC);
    ck_assert_int_eq(glass_bind(fresh, SA(any), sizeof any), 0);
    ck_assert_int_eq(glass_close(fresh), 0);
    world_fini(&w);
}
END_TEST

/* ---- options ------------------------------------------------------------------------------------- */

/* IPPROTO_TCP options with Linux's bounds; SO_KEEPALIVE; a new accepted
 * socket inherits TCP_NODELAY from its listener. */
START_TEST(rfc1122_4_2_3_6_tcp_options_set_get_bounds)
{
    struct world w;
    world_init(&w);
    int fd = tcp_socket(&w, SRV, true);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 0);
    set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 1);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_MAXSEG), 536);
    set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 1000);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_MAXSEG), 1000);
    int v = 87;
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof v), EINVAL);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL), 75);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_KEEPCNT), 9);
    set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10);
    set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 2);
    set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 3);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE), 10);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL), 2);
    ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
    v = 0;
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v), EINVAL);
    v = 32768;
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof v), EINVAL);
    v = 128;
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof v), EINVAL);
    ck_fail_errno(glass_setsockopt(fd, IPPROTO_TCP, 9999, &v, sizeof v), ENOPROTOOPT);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    /* Not for datagram sockets. */
    int u = glass_socket(w.s[SRV], AF_INET, SOCK_DGRAM, 0);
    v = 1;
    ck_fail_errno(glass_setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), ENOPROTOOPT);
    ck_assert_int_eq(glass_close(u), 0);

    struct sockaddr_in any = sin_of("0.0.0.0", 8013);
    ck_assert_int_eq(glass_bind(fd, SA(any), sizeof any), 0);
    ck_assert_int_eq(glass_listen(fd, 5), 0);
    int cfd, afd;
    connect_pair(&w, fd, 8013, &cfd, &afd);
    ck_assert_int_eq(get_int(afd, IPPROTO_TCP, TCP_NODELAY), 1);
    ck_assert_int_eq(get_int(afd, SOL_SOCKET, SO_KEEPALIVE), 1);
    ck_assert_int_eq(get_int(afd, IPPROTO_TCP, TCP_KEEPIDLE), 10);
    /* Connected: TCP_MAXSEG is the effective send MSS: 1500 - 40, less
     * the 12 bytes of the Timestamps option both glass ends negotiate
     * (RFC 7323; Linux reports 1448 the same way). */
    ck_assert_int_eq(get_int(cfd, IPPROTO_TCP, TCP_MAXSEG), 1448);
    ck_assert_int_eq(glass_close(cfd), 0);
    ck_assert_int_eq(glass_close(afd), 0);
    ck_assert_int_eq(glass_close(fd), 0);
    world_run(&w, 100 * MS);
    world_fini(&w);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_socket");
    TCase *c = tcase_create("sockets");
    tcase_set_timeout(c, 30);
    tcase_add_test(c, rfc9293_3_10_1_nonblocking_connect_and_accept);
    tcase_add_test(c, rfc9293_3_10_7_3_refused_connect_reports_econnrefused);
    tcase_add_test(c, rfc9293_3_10_1_blocking_connect_refused_then_accepted);
    tcase_add_test(c, rfc6298_5_unanswered_syn_gives_up_with_etimedout);
    tcase_add_test(c, rfc9293_3_10_2_send_recv_peek_dontwait);
    tcase_add_test(c, rfc9293_3_10_2_partial_write_with_small_sndbuf);
    tcase_add_test(c, rfc9293_3_10_4_half_close);
    tcase_add_test(c, rfc2525_2_17_close_with_unread_data_sends_rst);
    tcase_add_test(c, rfc9293_3_10_5_linger_zero_aborts);
    tcase_add_test(c, rfc9293_3_10_4_linger_waits_for_fin_ack);
    tcase_add_test(c, rfc9293_3_10_3_waitall_and_rcvtimeo);
    tcase_add_test(c, rfc9293_3_10_7_2_backlog_full_drops_syn_then_accepts);
    tcase_add_test(c, rfc9293_3_10_4_listener_close_resets_unaccepted);
    tcase_add_test(c, rfc9293_3_6_1_bind_conflicts_time_wait_and_reuseaddr);
    tcase_add_test(c, rfc1122_4_2_3_6_tcp_options_set_get_bounds);
    suite_add_tcase(s, c);
    return harness_run_suite(s);
}
