/*
 * glass-echo - the echo service (RFC 862) on a glass stack.
 *
 *   glass-echo [--port N] [--quiet] [OPTION]...
 *
 * RFC 862, "UDP Based Echo Service": a server listens on UDP port 7 and
 * sends back the data of every datagram it receives, to the datagram's
 * sender.  UDP has no connections, so one socket serves every client.
 * One line per datagram goes to stdout ("udp 10.0.0.1:40000 56 bytes")
 * unless --quiet.
 *
 * RFC 862, "TCP Based Echo Service": on the same port number over TCP,
 * each connection gets back every byte it sends, until it closes; then
 * the server closes too.  One line per connection opened and closed
 * ("tcp 10.0.0.1:40000 connected", "... closed, 20971520 bytes echoed").
 *
 * On SIGINT or SIGTERM it prints its own tally and the stack's counters
 * (like glassd) to stderr and exits 0.
 *
 * Shape: a table of services, each a glass socket with a handler that is
 * called when glass_poll reports events for it: the UDP socket, the TCP
 * listener (its handler accepts), and one entry per TCP connection (its
 * handler echoes the stream: it reads while it has nothing pending, and
 * when the send buffer is full it waits for POLLOUT instead, so a client
 * that does not read cannot make the server buffer without bound).
 *
 * The stack runs on its own thread (glass_stack_start), so ARP and ping
 * are answered while this thread sleeps in glass_poll.  This thread only
 * makes socket calls, exactly as an ordinary program on Linux would.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "glass.h"

#define ECHO_DEFAULT_PORT 7       /* RFC 862 */
#define ECHO_MAX_SERVICES 256     /* UDP, the TCP listener, and connections */
#define ECHO_POLL_MS 200          /* bound on noticing a signal late */
#define ECHO_BATCH 64             /* datagrams drained per wake-up */
#define ECHO_UDP_MAX 65535        /* no UDP datagram is larger */

struct echo;
struct echo_service;
/* Called when glass_poll reports revents for the service's socket. */
typedef void (*echo_handler)(struct echo *e, struct echo_service *svc, short revents);

#define ECHO_TCP_BUF 65536        /* bytes read and not yet echoed, per connection */

struct echo_conn {
    struct sockaddr_in peer;
    size_t off, len;              /* pending: buf[off, off + len) */
    unsigned long long echoed;
    uint8_t buf[ECHO_TCP_BUF];
};

struct echo_service {
    int fd;                       /* a glass socket; -1: closed, to be removed */
    const char *proto;            /* "udp", "tcp" */
    echo_handler handler;
    short events;                 /* what to poll for */
    struct echo_conn *conn;       /* a TCP connection's state */
};

struct echo {
    unsigned port;
    bool quiet;
    struct glass_stack *stack;
    struct echo_service svc[ECHO_MAX_SERVICES];
    unsigned nsvc;
    uint8_t buf[ECHO_UDP_MAX];
    /* our own tally, printed at exit next to the stack's counters */
    unsigned long long rx_datagrams, rx_bytes, tx_datagrams, tx_errors, rx_errors;
    unsigned long long tcp_conns, tcp_bytes, tcp_refused;
};

/* ---- options ---------------------------------------------------------------- */

enum { KEY_PORT = 'p', KEY_QUIET = 'q' };

static const struct glass_app_option echo_options[] = {
    {"port", KEY_PORT, "N", "serve port N (default 7, RFC 862)"},
    {"quiet", KEY_QUIET, NULL, "no line per datagram"},
    {0},
};

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct echo *e = ctx;

    switch (key) {
    case KEY_PORT:
        if (glass_app_parse_port(arg, &e->port) == 0)
            return 0;
        snprintf(err, errlen, "--port '%s': bad port, expected an integer 1..65535", arg);
        return -1;
    case KEY_QUIET:
        e->quiet = true;
        return 0;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char echo_notes[] =
    "Every datagram that reaches the port is sent back to its sender (RFC 862).\n"
    "One line per datagram on stdout unless --quiet; on SIGINT or SIGTERM the\n"
    "tally and the stack's counters go to stderr and the exit status is 0.\n"
    "The same port over TCP echoes every connection's bytes back until it closes.\n"
    "\n"
    "Example (kernel side 10.0.0.1/24 on tap0 in namespace glass):\n"
    "  ip netns exec glass glass-echo --port 7\n"
    "  ip netns exec glass socat - UDP:10.0.0.2:7\n"
    "  ip netns exec glass socat - TCP:10.0.0.2:7\n";

/* ---- UDP echo ----------------------------------------------------------------- */

static void log_datagram(const struct echo *e, const struct sockaddr_in *from, size_t len,
                         const char *what)
{
    char addr[INET_ADDRSTRLEN];

    if (e->quiet)
        return;
    inet_ntop(AF_INET, &from->sin_addr, addr, sizeof(addr));
    printf("udp %s:%u %zu bytes%s\n", addr, ntohs(from->sin_port), len, what);
}

/* Echo one datagram; false when the queue is empty (or the call failed). */
static bool udp_echo_one(struct echo *e, struct echo_service *svc)
{
    struct sockaddr_in from;
    socklen_t fromlen = sizeof(from);
    ssize_t n;

    n = glass_recvfrom(svc->fd, e->buf, sizeof(e->buf), MSG_DONTWAIT, (struct sockaddr *)&from,
                       &fromlen);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            e->rx_errors++;
            fprintf(stderr, "glass-echo: udp recvfrom: %s\n", strerror(errno));
        }
        return false;
    }
    e->rx_datagrams++;
    e->rx_bytes += (unsigned long long)n;
    /* RFC 862: "send back the data"; to whoever sent it.  A send that fails
     * (no route, ARP gave up, buffer full) loses this echo only. */
    if (glass_sendto(svc->fd, e->buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen) < 0) {
        e->tx_errors++;
        fprintf(stderr, "glass-echo: udp sendto %s:%u: %s\n", inet_ntoa(from.sin_addr),
                ntohs(from.sin_port), strerror(errno));
        log_datagram(e, &from, (size_t)n, " (echo failed)");
        return true;
    }
    e->tx_datagrams++;
    log_datagram(e, &from, (size_t)n, "");
    return true;
}

static void udp_on_ready(struct echo *e, struct echo_service *svc, short revents)
{
    (void)revents; /* POLLERR too: the next call reports (and clears) it */
    /* Drain a batch per wake-up, but come back to poll so other services
     * (and a stop signal) get their turn under a flood. */
    for (int i = 0; i < ECHO_BATCH && !glass_app_stop_signal; i++)
        if (!udp_echo_one(e, svc))
            break;
}

static struct echo_service *add_service(struct echo *e, int fd, const char *proto,
                                        echo_handler handler)
{
    if (e->nsvc == ECHO_MAX_SERVICES) {
        errno = EMFILE;
        return NULL;
    }
    e->svc[e->nsvc] = (struct echo_service){
        .fd = fd, .proto = proto, .handler = handler, .events = POLLIN};
    return &e->svc[e->nsvc++];
}

/* ---- TCP echo (RFC 862 "TCP Based Echo Service") ------------------------------- */

static void tcp_log(const struct echo *e, const struct echo_conn *c, const char *what)
{
    char addr[INET_ADDRSTRLEN];

    if (e->quiet)
        return;
    inet_ntop(AF_INET, &c->peer.sin_addr, addr, sizeof(addr));
    printf("tcp %s:%u %s", addr, ntohs(c->peer.sin_port), what);
    if (strcmp(what, "connected") != 0)
        printf(", %llu bytes echoed", c->echoed);
    printf("\n");
}

static void tcp_conn_close(struct echo *e, struct echo_service *svc, const char *why)
{
    tcp_log(e, svc->conn, why);
    glass_close(svc->fd);
    free(svc->conn);
    svc->conn = NULL;
    svc->fd = -1;               /* removed after this poll round */
}

/* Send what is pending; false when the connection is over. */
static bool tcp_flush(struct echo *e, struct echo_service *svc)
{
    struct echo_conn *c = svc->conn;

    while (c->len > 0) {
        ssize_t n = glass_send(svc->fd, c->buf + c->off, c->len, MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            e->tx_errors++;
            tcp_conn_close(e, svc, errno == ECONNRESET || errno == EPIPE ? "reset" : "send failed");
            return false;
        }
        c->off += (size_t)n;
        c->len -= (size_t)n;
        c->echoed += (unsigned long long)n;
        e->tcp_bytes += (unsigned long long)n;
    }
    if (c->len == 0)
        c->off = 0;
    /* Read more only when everything read so far went back out. */
    svc->events = c->len ? POLLOUT : POLLIN;
    return true;
}

static void tcp_on_ready(struct echo *e, struct echo_service *svc, short revents)
{
    struct echo_conn *c = svc->conn;

    (void)revents; /* POLLERR/POLLHUP: the calls below say what happened */
    if (!tcp_flush(e, svc))
        return;
    for (int i = 0; i < ECHO_BATCH && c->len == 0 && !glass_app_stop_signal; i++) {
        ssize_t n = glass_recv(svc->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);

        if (n == 0) {
            /* The client closed its half: all it sent is echoed; close ours. */
            tcp_conn_close(e, svc, "closed");
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            e->rx_errors++;
            tcp_conn_close(e, svc, errno == ECONNRESET ? "reset" : "receive failed");
            return;
        }
        c->len = (size_t)n;
        if (!tcp_flush(e, svc))
            return;
    }
}

static void tcp_on_accept(struct echo *e, struct echo_service *svc, short revents)
{
    (void)revents;
    for (int i = 0; i < ECHO_BATCH && !glass_app_stop_signal; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof(peer);
        int fd = glass_accept(svc->fd, (struct sockaddr *)&peer, &len);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                fprintf(stderr, "glass-echo: tcp accept: %s\n", strerror(errno));
            return;
        }
        struct echo_conn *c = calloc(1, sizeof(*c));
        struct echo_service *ns = c ? add_service(e, fd, "tcp", tcp_on_ready) : NULL;
        if (!ns) {
            /* Full: the client learns at once (RST) rather than hanging. */
            struct linger l = {.l_onoff = 1, .l_linger = 0};
            glass_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
            glass_close(fd);
            free(c);
            e->tcp_refused++;
            fprintf(stderr, "glass-echo: tcp: too many connections, one refused\n");
            continue;
        }
        c->peer = peer;
        ns->conn = c;
        e->tcp_conns++;
        tcp_log(e, c, "connected");
    }
}

/* RFC 862: "A server listens for TCP connections on TCP port 7". */
static int open_tcp(struct echo *e)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)e->port),
                              .sin_addr.s_addr = htonl(INADDR_ANY)};
    int one = 1;
    int fd = glass_socket(e->stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    if (fd < 0) {
        fprintf(stderr, "glass-echo: tcp socket: %s\n", strerror(errno));
        return -1;
    }
    glass_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (glass_bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || glass_listen(fd, 128) < 0) {
        fprintf(stderr, "glass-echo: tcp port %u: %s\n", e->port, strerror(errno));
        glass_close(fd);
        return -1;
    }
    if (!add_service(e, fd, "tcp", tcp_on_accept)) {
        glass_close(fd);
        return -1;
    }
    return 0;
}

/* Drop the entries of connections closed during the last round. */
static void compact_services(struct echo *e)
{
    unsigned k = 0;

    for (unsigned i = 0; i < e->nsvc; i++)
        if (e->svc[i].fd >= 0)
            e->svc[k++] = e->svc[i];
    e->nsvc = k;
}

/* RFC 862: "A server listens for UDP datagrams on UDP port 7". */
static int open_udp(struct echo *e)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)e->port),
                              .sin_addr.s_addr = htonl(INADDR_ANY)};
    int fd = glass_socket(e->stack, AF_INET, SOCK_DGRAM, 0);

    if (fd < 0) {
        fprintf(stderr, "glass-echo: udp socket: %s\n", strerror(errno));
        return -1;
    }
    if (glass_bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        fprintf(stderr, "glass-echo: bind udp port %u: %s\n", e->port, strerror(errno));
        glass_close(fd);
        return -1;
    }
    if (!add_service(e, fd, "udp", udp_on_ready)) {
        glass_close(fd);
        return -1;
    }
    return 0;
}

/* ---- the loop ----------------------------------------------------------------- */

static int serve(struct echo *e)
{
    struct pollfd pfd[ECHO_MAX_SERVICES];

    while (!glass_app_stop_signal) {
        int n;

        for (unsigned i = 0; i < e->nsvc; i++)
            pfd[i] = (struct pollfd){.fd = e->svc[i].fd, .events = e->svc[i].events};
        n = glass_poll(pfd, e->nsvc, ECHO_POLL_MS);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "glass-echo: poll: %s\n", strerror(errno));
            return 1;
        }
        /* The table may grow inside a handler (an accepted TCP connection):
         * only the entries polled this round are looked at. */
        for (unsigned i = 0, polled = e->nsvc; i < polled && n > 0; i++) {
            if (!pfd[i].revents)
                continue;
            n--;
            if (pfd[i].revents & POLLNVAL) {
                fprintf(stderr, "glass-echo: %s socket %d is no longer valid\n",
                        e->svc[i].proto, pfd[i].fd);
                return 1;
            }
            e->svc[i].handler(e, &e->svc[i], pfd[i].revents);
        }
        compact_services(e);
    }
    return 0;
}

static void print_tally(const struct echo *e)
{
    fprintf(stderr, "glass-echo: %llu datagrams (%llu bytes) received, %llu echoed, "
            "%llu echo errors, %llu receive errors\n", e->rx_datagrams, e->rx_bytes,
            e->tx_datagrams, e->tx_errors, e->rx_errors);
    fprintf(stderr, "glass-echo: %llu tcp connections, %llu bytes echoed, %llu refused\n",
            e->tcp_conns, e->tcp_bytes, e->tcp_refused);
}

int main(int argc, char **argv)
{
    static struct echo e; /* static: the 64 KiB buffer stays off the stack */
    struct glass_app app = {
        .prog = "glass-echo",
        .synopsis = "[--port N] [--quiet] [OPTION]...",
        .summary = "Echo UDP datagrams and TCP streams back to their sender (RFC 862) "
                   "from a glass stack.",
        .options = echo_options,
        .on_option = on_option,
        .ctx = &e,
        .notes = echo_notes,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN], what[512];
    int status;

    e.port = ECHO_DEFAULT_PORT;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    if (opts.argc > 0)
        glass_app_usage_error(&app, "unexpected operand '%s' (glass-echo takes options only, "
                              "see --help)", opts.argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    glass_app_catch_signals();
    e.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!e.stack) {
        fprintf(stderr, "glass-echo: %s\n", err);
        return 1;
    }
    status = 1;
    if (open_udp(&e) < 0 || open_tcp(&e) < 0)
        goto out;
    if (glass_app_start_stack(e.stack) < 0) {
        fprintf(stderr, "glass-echo: cannot start the stack thread: %s\n", strerror(errno));
        goto out;
    }
    glass_app_describe(e.stack, &opts, what, sizeof(what));
    fprintf(stderr, "glass-echo: %s; echoing udp and tcp port %u\n", what, e.port);

    status = serve(&e);

    if (glass_app_stop_signal)
        fprintf(stderr, "glass-echo: %s, shutting down\n",
                glass_app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    /* Close while the stack still runs, and let TCP deliver what the
     * connections still hold: the stack ends with this process. */
    for (unsigned i = 0; i < e.nsvc; i++) {
        glass_close(e.svc[i].fd);
        e.svc[i].fd = -1;
    }
    glass_stack_drain(e.stack, 2000);
    glass_stack_stop(e.stack);
out:
    for (unsigned i = 0; i < e.nsvc; i++) {
        glass_close(e.svc[i].fd);
        free(e.svc[i].conn);
    }
    print_tally(&e);
    glass_capture_close(e.stack); /* flushes the pcap before anything else can fail */
    glass_stats_print(e.stack, stderr);
    if (glass_stack_free(e.stack) < 0)
        status = 1; /* a leak is a bug: let tests see it */
    return status;
}
