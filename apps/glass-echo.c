/*
 * glass-echo - the echo service (RFC 862) on a glass stack.
 *
 *   glass-echo [--port N] [--quiet] [OPTION]...
 *
 * RFC 862, "UDP Based Echo Service": a server listens on UDP port 7 and
 * sends back the data of every datagram it receives, to the datagram's
 * sender.  UDP has no connections, so one socket serves every client.
 * One line per datagram goes to stdout ("udp 10.0.0.1:40000 56 bytes")
 * unless --quiet.  On SIGINT or SIGTERM it prints its own tally and the
 * stack's counters (like glassd) to stderr and exits 0.
 *
 * Shape: a table of services, each a glass socket with a handler that is
 * called when glass_poll says the socket is readable.  The TCP issue adds
 * a TCP listener (its handler accepts) and one entry per connection (its
 * handler echoes a stream) to the same table; the loop does not change.
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
#define ECHO_MAX_SERVICES 64      /* TCP connections will live here too */
#define ECHO_POLL_MS 200          /* bound on noticing a signal late */
#define ECHO_BATCH 64             /* datagrams drained per wake-up */
#define ECHO_UDP_MAX 65535        /* no UDP datagram is larger */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

struct echo;
struct echo_service;
/* Called when glass_poll reports revents for the service's socket. */
typedef void (*echo_handler)(struct echo *e, struct echo_service *svc, short revents);

struct echo_service {
    int fd;                       /* a glass socket */
    const char *proto;            /* "udp" (later "tcp") */
    echo_handler handler;
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
    "TCP echo comes with the TCP issue.\n"
    "\n"
    "Example (kernel side 10.0.0.1/24 on tap0 in namespace glass):\n"
    "  ip netns exec glass glass-echo --port 7\n"
    "  ip netns exec glass socat - UDP:10.0.0.2:7\n";

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
    for (int i = 0; i < ECHO_BATCH && !stop_signal; i++)
        if (!udp_echo_one(e, svc))
            break;
}

static int add_service(struct echo *e, int fd, const char *proto, echo_handler handler)
{
    if (e->nsvc == ECHO_MAX_SERVICES) {
        errno = EMFILE;
        return -1;
    }
    e->svc[e->nsvc++] = (struct echo_service){.fd = fd, .proto = proto, .handler = handler};
    return 0;
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
    if (add_service(e, fd, "udp", udp_on_ready) < 0) {
        glass_close(fd);
        return -1;
    }
    return 0;
}

/* ---- the loop ----------------------------------------------------------------- */

static int serve(struct echo *e)
{
    struct pollfd pfd[ECHO_MAX_SERVICES];

    while (!stop_signal) {
        int n;

        for (unsigned i = 0; i < e->nsvc; i++)
            pfd[i] = (struct pollfd){.fd = e->svc[i].fd, .events = POLLIN};
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
    }
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: glass_poll returns EINTR at once. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The stack thread inherits the signal mask: start it with SIGINT/SIGTERM
 * blocked so the signals land on this thread and interrupt glass_poll. */
static int start_stack_thread(struct glass_stack *stack)
{
    sigset_t set, old;
    int r;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    r = glass_stack_start(stack);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

static void print_tally(const struct echo *e)
{
    fprintf(stderr, "glass-echo: %llu datagrams (%llu bytes) received, %llu echoed, "
            "%llu echo errors, %llu receive errors\n", e->rx_datagrams, e->rx_bytes,
            e->tx_datagrams, e->tx_errors, e->rx_errors);
}

int main(int argc, char **argv)
{
    static struct echo e; /* static: the 64 KiB buffer stays off the stack */
    struct glass_app app = {
        .prog = "glass-echo",
        .synopsis = "[--port N] [--quiet] [OPTION]...",
        .summary = "Echo every UDP datagram back to its sender (RFC 862) from a glass stack.",
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
    install_signals();
    e.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!e.stack) {
        fprintf(stderr, "glass-echo: %s\n", err);
        return 1;
    }
    status = 1;
    if (open_udp(&e) < 0)
        goto out;
    if (start_stack_thread(e.stack) < 0) {
        fprintf(stderr, "glass-echo: cannot start the stack thread: %s\n", strerror(errno));
        goto out;
    }
    glass_app_describe(e.stack, &opts, what, sizeof(what));
    fprintf(stderr, "glass-echo: %s; echoing udp port %u\n", what, e.port);

    status = serve(&e);

    if (stop_signal)
        fprintf(stderr, "glass-echo: %s, shutting down\n",
                stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    glass_stack_stop(e.stack);
out:
    for (unsigned i = 0; i < e.nsvc; i++)
        glass_close(e.svc[i].fd);
    print_tally(&e);
    glass_capture_close(e.stack); /* flushes the pcap before anything else can fail */
    glass_stats_print(e.stack, stderr);
    if (glass_stack_free(e.stack) < 0)
        status = 1; /* a leak is a bug: let tests see it */
    return status;
}
