/*
 * glass-perf - an iperf2-compatible TCP throughput tool on a glass stack.
 *
 *   glass-perf -s [-p PORT] [-i SECONDS] [-f g|m] [-Z NAME] [OPTION]...
 *   glass-perf -c HOST [-p PORT] [-t SECONDS] [-i SECONDS] [-f g|m] [-Z NAME] [OPTION]...
 *
 * The measuring instrument of scripts/bench: it speaks to the Debian
 * package iperf (version 2, tested with 2.1.8) on the Linux side.
 *
 * iperf2's TCP test is a plain byte stream from client to server.  The
 * client's first write starts with a small "client header" (struct
 * client_hdr: flags, number of threads, port, buffer length, window,
 * amount; a longer one with --trip-times and the like).  With its flags
 * zero (the default `iperf -c HOST`: no -r/-d/--trip-times) the server
 * asks nothing of it and counts it as data, so:
 *  - the sink (-s) reads and counts every byte of every connection; a
 *    client that sets flags asking for a reverse or dual test (-r, -d)
 *    gets a plain one-way test only (not supported, said in --help);
 *  - the sender (-c) sends zero bytes, so the header the server reads
 *    from the start of the stream has flags 0: a plain one-way test.
 *
 * Reports look like iperf2's: one line per interval with -i, and a
 * summary per connection, "[  1] 0.0-10.0 sec  1.10 GBytes  943 Mbits/sec".
 * Bytes are counted in powers of 1024 (KBytes, MBytes, GBytes), rates in
 * powers of 1000 (bits/sec), as iperf2 does; -f g or -f m fixes the unit.
 * The sender counts bytes handed to the socket, over the time it spent
 * sending (iperf2's client does the same); the sink counts bytes read,
 * from accept to the end of the stream.
 *
 * The stack runs on its own thread; this thread makes non-blocking socket
 * calls and waits in glass_poll, bounded so that a signal or an interval
 * boundary is never noticed late.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "glass.h"

#define PERF_DEFAULT_PORT 5001     /* iperf2's */
#define PERF_DEFAULT_TIME 10.0     /* iperf2's -t default, seconds */
#define PERF_MAX_TIME 86400.0
#define PERF_BUF (128 * 1024)      /* iperf2's TCP default -l is 128 KiB */
#define PERF_MAX_CONNS 16          /* concurrent sink connections */
#define PERF_POLL_MS 100           /* bound on noticing a signal or interval late */
#define PERF_DRAIN_MS 10000        /* after the sender's close: let TCP deliver */

struct perf_conn {
    int fd;                        /* -1: free slot */
    unsigned id;                   /* iperf2's "[  1]" */
    double start, last;            /* seconds (monotonic): accept/connect, last report */
    unsigned long long bytes, last_bytes;
};

struct perf {
    bool server, client;
    const char *host;
    unsigned port;
    double interval;               /* 0: no interval reports */
    double time;                   /* -t, sender only */
    char format;                   /* 'a' adaptive, 'g', 'm' */
    const char *cc;                /* -Z: congestion control, NULL = the stack's default */
    struct glass_stack *stack;
    int lfd;
    struct perf_conn conns[PERF_MAX_CONNS];
    unsigned next_id;
    uint8_t buf[PERF_BUF];
};

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- options ---------------------------------------------------------------- */

enum { KEY_SERVER = 's', KEY_CLIENT = 'c', KEY_PORT = 'p', KEY_INTERVAL = 'i',
       KEY_TIME = 't', KEY_FORMAT = 'f', KEY_CC = 'Z' };

static const struct glass_app_option perf_options[] = {
    {"server", KEY_SERVER, NULL, "sink: accept iperf2 clients and count what they send"},
    {"client", KEY_CLIENT, "HOST", "sender: send to an iperf2 server at HOST (IPv4 address)"},
    {"port", KEY_PORT, "PORT", "server port (default 5001, as iperf2)"},
    {"interval", KEY_INTERVAL, "SECONDS", "report every SECONDS (default: summary only)"},
    {"time", KEY_TIME, "SECONDS", "sender: send for SECONDS (default 10)"},
    {"format", KEY_FORMAT, "g|m", "report in GBytes and Gbits/sec, or MBytes and Mbits/sec"},
    {"tcp-congestion", KEY_CC, "NAME",
     "congestion control: cubic (default) or newreno (also reno), as iperf2 -Z"},
    {0},
};

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct perf *p = ctx;

    switch (key) {
    case KEY_SERVER:
        p->server = true;
        return 0;
    case KEY_CLIENT:
        p->client = true;
        p->host = arg;
        return 0;
    case KEY_PORT:
        if (glass_app_parse_port(arg, &p->port) == 0)
            return 0;
        snprintf(err, errlen, "-p '%s': bad port, expected an integer 1..65535", arg);
        return -1;
    case KEY_INTERVAL:
        if (glass_app_parse_seconds(arg, 0.1, PERF_MAX_TIME, &p->interval) == 0)
            return 0;
        snprintf(err, errlen, "-i '%s': bad interval, expected seconds 0.1..86400", arg);
        return -1;
    case KEY_TIME:
        if (glass_app_parse_seconds(arg, 0.1, PERF_MAX_TIME, &p->time) == 0)
            return 0;
        snprintf(err, errlen, "-t '%s': bad time, expected seconds 0.1..86400", arg);
        return -1;
    case KEY_FORMAT:
        if ((arg[0] == 'g' || arg[0] == 'm') && arg[1] == '\0') {
            p->format = arg[0];
            return 0;
        }
        snprintf(err, errlen, "-f '%s': bad format, expected g or m", arg);
        return -1;
    case KEY_CC:
        /* the stack knows the names: checked on the first socket (set_cc) */
        p->cc = arg;
        return 0;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char perf_notes[] =
    "Exactly one of -s and -c.  The sink runs until SIGINT or SIGTERM and\n"
    "prints a summary per connection; the sender sends zeros for -t seconds,\n"
    "closes, prints its summary and exits 0 (1 if it could not connect or the\n"
    "connection failed).  iperf2's -r/-d (reverse, dual) tests and UDP are not\n"
    "supported: a client asking for them gets a plain one-way test.\n"
    "\n"
    "Example (kernel side 10.0.0.1/24 on tap0 in namespace glass):\n"
    "  ip netns exec glass glass-perf -s -i 1 &\n"
    "  ip netns exec glass iperf -c 10.0.0.2 -t 5 -i 1\n"
    "  ip netns exec glass iperf -s &\n"
    "  ip netns exec glass glass-perf -c 10.0.0.1 -t 5 -i 1\n";

/* ---- reports, iperf2's way ------------------------------------------------- */

/* iperf2's byte_snprintf: 2 decimals below 10, 1 below 100, none above. */
static void fmt_value(char *buf, size_t len, double v, const char *unit)
{
    if (v < 9.995)
        snprintf(buf, len, "%4.2f %s", v, unit);
    else if (v < 99.95)
        snprintf(buf, len, "%4.1f %s", v, unit);
    else
        snprintf(buf, len, "%4.0f %s", v, unit);
}

/* Scale v by base until below base (adaptive), or to the unit -f fixed. */
static void fmt_scaled(const struct perf *p, char *buf, size_t len, double v, double base,
                       const char *const units[4])
{
    int u = 0, fixed = p->format == 'g' ? 3 : p->format == 'm' ? 2 : -1;

    while (fixed >= 0 ? u < fixed : (u < 3 && v >= base)) {
        v /= base;
        u++;
    }
    fmt_value(buf, len, v, units[u]);
}

static void fmt_bytes(const struct perf *p, char *buf, size_t len, double bytes)
{
    static const char *const units[4] = {"Bytes", "KBytes", "MBytes", "GBytes"};

    fmt_scaled(p, buf, len, bytes, 1024.0, units);
}

static void fmt_rate(const struct perf *p, char *buf, size_t len, double bits_per_sec)
{
    static const char *const units[4] = {"bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec"};

    fmt_scaled(p, buf, len, bits_per_sec, 1000.0, units);
}

static void report(const struct perf *p, const struct perf_conn *c, double from, double to,
                   unsigned long long bytes)
{
    char b[32], r[32];
    double secs = to - from;

    fmt_bytes(p, b, sizeof(b), (double)bytes);
    fmt_rate(p, r, sizeof(r), secs > 0 ? (double)bytes * 8.0 / secs : 0.0);
    printf("[%3u] %.1f-%.1f sec  %s  %s\n", c->id, from - c->start, to - c->start, b, r);
}

static void report_header(void)
{
    printf("[ ID] Interval       Transfer     Bandwidth\n");
}

/* An interval line when one is due. */
static void maybe_interval(const struct perf *p, struct perf_conn *c, double now)
{
    if (p->interval <= 0)
        return;
    while (now - c->last >= p->interval) {
        double to = c->last + p->interval;

        report(p, c, c->last, to, c->bytes - c->last_bytes);
        c->last = to;
        c->last_bytes = c->bytes;
    }
}

static void describe_conn(const struct perf_conn *c)
{
    struct sockaddr_in me, peer;
    socklen_t ml = sizeof(me), pl = sizeof(peer);
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

    if (glass_getsockname(c->fd, (struct sockaddr *)&me, &ml) < 0 ||
        glass_getpeername(c->fd, (struct sockaddr *)&peer, &pl) < 0)
        return;
    inet_ntop(AF_INET, &me.sin_addr, a, sizeof(a));
    inet_ntop(AF_INET, &peer.sin_addr, b, sizeof(b));
    printf("[%3u] local %s port %u connected with %s port %u\n", c->id, a, ntohs(me.sin_port), b,
           ntohs(peer.sin_port));
}

/* -Z: TCP_CONGESTION on the socket (the sink's listener passes it to
 * every connection it accepts).  -1 with a message for a name the stack
 * does not know (ENOENT, as Linux says). */
static int set_cc(const struct perf *p, int fd)
{
    if (!p->cc)
        return 0;
    if (glass_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, p->cc, (socklen_t)strlen(p->cc)) == 0)
        return 0;
    if (errno == ENOENT)
        fprintf(stderr, "glass-perf: -Z '%s': no such congestion control, expected cubic or newreno\n",
                p->cc);
    else
        fprintf(stderr, "glass-perf: -Z '%s': %s\n", p->cc, strerror(errno));
    return -1;
}

/* ---- the sink (-s) ------------------------------------------------------------ */

static int open_listener(struct perf *p)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->port)};
    int one = 1;

    p->lfd = glass_socket(p->stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (p->lfd < 0) {
        fprintf(stderr, "glass-perf: socket: %s\n", strerror(errno));
        return -1;
    }
    glass_setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (set_cc(p, p->lfd) < 0)
        return -2; /* the user's mistake: exit 2, like a bad option */
    if (glass_bind(p->lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        glass_listen(p->lfd, 16) < 0) {
        fprintf(stderr, "glass-perf: tcp port %u: %s\n", p->port, strerror(errno));
        return -1;
    }
    return 0;
}

static void sink_accept(struct perf *p)
{
    for (;;) {
        struct perf_conn *c = NULL;
        int fd = glass_accept(p->lfd, NULL, NULL);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                fprintf(stderr, "glass-perf: accept: %s\n", strerror(errno));
            return;
        }
        for (unsigned i = 0; i < PERF_MAX_CONNS; i++)
            if (p->conns[i].fd < 0) {
                c = &p->conns[i];
                break;
            }
        if (!c) {
            fprintf(stderr, "glass-perf: more than %d connections at once, closing one\n",
                    PERF_MAX_CONNS);
            glass_close(fd);
            continue;
        }
        glass_fcntl(fd, F_SETFL, O_NONBLOCK);
        *c = (struct perf_conn){.fd = fd, .id = ++p->next_id, .start = now_mono()};
        c->last = c->start;
        describe_conn(c);
        report_header();
    }
}

/* Read what the connection has; at its end (or on an error) the summary. */
static void sink_read(struct perf *p, struct perf_conn *c)
{
    for (int i = 0; i < 64; i++) {
        ssize_t n = glass_recv(c->fd, p->buf, sizeof(p->buf), MSG_DONTWAIT);
        double now = now_mono();

        if (n > 0) {
            c->bytes += (unsigned long long)n;
            maybe_interval(p, c, now);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n < 0)
            fprintf(stderr, "glass-perf: [%3u] recv: %s\n", c->id, strerror(errno));
        maybe_interval(p, c, now);
        if (p->interval > 0 && now > c->last + 0.05)
            report(p, c, c->last, now, c->bytes - c->last_bytes);
        report(p, c, c->start, now, c->bytes);
        glass_close(c->fd);
        c->fd = -1;
        return;
    }
}

static int run_sink(struct perf *p)
{
    int rc = open_listener(p);
    if (rc < 0)
        return rc == -2 ? 2 : 1;
    printf("------------------------------------------------------------\n"
           "Server listening on TCP port %u\n"
           "------------------------------------------------------------\n", p->port);
    while (!glass_app_stop_signal) {
        struct pollfd pfd[1 + PERF_MAX_CONNS];
        struct perf_conn *owner[1 + PERF_MAX_CONNS];
        nfds_t n = 0;
        int r;

        pfd[n] = (struct pollfd){.fd = p->lfd, .events = POLLIN};
        owner[n++] = NULL;
        for (unsigned i = 0; i < PERF_MAX_CONNS; i++)
            if (p->conns[i].fd >= 0) {
                pfd[n] = (struct pollfd){.fd = p->conns[i].fd, .events = POLLIN};
                owner[n++] = &p->conns[i];
            }
        r = glass_poll(pfd, n, PERF_POLL_MS);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "glass-perf: poll: %s\n", strerror(errno));
            return 1;
        }
        for (nfds_t i = 0; r > 0 && i < n; i++) {
            if (!pfd[i].revents)
                continue;
            if (!owner[i])
                sink_accept(p);
            else
                sink_read(p, owner[i]);
        }
        /* Interval lines are due even when a connection is idle. */
        for (unsigned i = 0; i < PERF_MAX_CONNS; i++)
            if (p->conns[i].fd >= 0)
                maybe_interval(p, &p->conns[i], now_mono());
    }
    return 0;
}

/* ---- the sender (-c) ------------------------------------------------------------ */

static int run_sender(struct perf *p)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->port)};
    struct perf_conn *c = &p->conns[0];
    double deadline, end;
    int fd, status = 0;

    if (inet_pton(AF_INET, p->host, &sin.sin_addr) != 1) {
        fprintf(stderr, "glass-perf: -c '%s': expected an IPv4 address such as 10.0.0.1\n",
                p->host);
        return 2;
    }
    fd = glass_socket(p->stack, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "glass-perf: socket: %s\n", strerror(errno));
        return 1;
    }
    if (set_cc(p, fd) < 0) {
        glass_close(fd);
        return 2;
    }
    printf("------------------------------------------------------------\n"
           "Client connecting to %s, TCP port %u\n"
           "------------------------------------------------------------\n", p->host, p->port);
    /* Blocking connect: glass gives up after its SYN retries (ETIMEDOUT),
     * and a signal interrupts it. */
    if (glass_connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        fprintf(stderr, "glass-perf: connect to %s port %u: %s\n", p->host, p->port,
                strerror(errno));
        glass_close(fd);
        return 1;
    }
    glass_fcntl(fd, F_SETFL, O_NONBLOCK);
    *c = (struct perf_conn){.fd = fd, .id = 1, .start = now_mono()};
    c->last = c->start;
    describe_conn(c);
    report_header();
    memset(p->buf, 0, sizeof(p->buf)); /* flags 0 in iperf2's client header */
    deadline = c->start + p->time;
    for (;;) {
        double now = now_mono();
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        double left = deadline - now;
        ssize_t n;

        maybe_interval(p, c, now);
        if (left <= 0 || glass_app_stop_signal)
            break;
        n = glass_send(fd, p->buf, sizeof(p->buf), MSG_DONTWAIT);
        if (n > 0) {
            c->bytes += (unsigned long long)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            fprintf(stderr, "glass-perf: send: %s\n", strerror(errno));
            status = 1;
            break;
        }
        int wait_ms = left > PERF_POLL_MS / 1000.0 ? PERF_POLL_MS : (int)(left * 1000) + 1;
        if (glass_poll(&pfd, 1, wait_ms) < 0 && errno != EINTR) {
            fprintf(stderr, "glass-perf: poll: %s\n", strerror(errno));
            status = 1;
            break;
        }
    }
    end = now_mono();
    if (p->interval > 0 && end > c->last + 0.05)
        report(p, c, c->last, end, c->bytes - c->last_bytes);
    report(p, c, c->start, end, c->bytes);
    /* Close while the stack runs and let TCP deliver what is queued. */
    glass_close(fd);
    c->fd = -1;
    return status;
}

int main(int argc, char **argv)
{
    static struct perf p; /* static: the 128 KiB buffer stays off the stack */
    struct glass_app app = {
        .prog = "glass-perf",
        .synopsis = "-s|-c HOST [-p PORT] [-t SECONDS] [-i SECONDS] [-f g|m] [-Z NAME] [OPTION]...",
        .summary = "Measure TCP throughput against iperf2 (version 2) from a glass stack.",
        .options = perf_options,
        .on_option = on_option,
        .ctx = &p,
        .notes = perf_notes,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN], what[512];
    int status;

    p.port = PERF_DEFAULT_PORT;
    p.time = PERF_DEFAULT_TIME;
    p.format = 'a';
    p.lfd = -1;
    for (unsigned i = 0; i < PERF_MAX_CONNS; i++)
        p.conns[i].fd = -1;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    if (opts.argc > 0)
        glass_app_usage_error(&app, "unexpected operand '%s' (see --help)", opts.argv[0]);
    if (p.server == p.client)
        glass_app_usage_error(&app, "give exactly one of -s (sink) and -c HOST (sender)");
    setvbuf(stdout, NULL, _IOLBF, 0);
    glass_app_catch_signals();
    p.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!p.stack) {
        fprintf(stderr, "glass-perf: %s\n", err);
        return 1;
    }
    status = 1;
    if (glass_app_start_stack(p.stack) < 0) {
        fprintf(stderr, "glass-perf: cannot start the stack thread: %s\n", strerror(errno));
        goto out;
    }
    glass_app_describe(p.stack, &opts, what, sizeof(what));
    fprintf(stderr, "glass-perf: %s\n", what);

    status = p.server ? run_sink(&p) : run_sender(&p);

    if (glass_app_stop_signal)
        fprintf(stderr, "glass-perf: %s, shutting down\n",
                glass_app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    for (unsigned i = 0; i < PERF_MAX_CONNS; i++)
        if (p.conns[i].fd >= 0) {
            glass_close(p.conns[i].fd);
            p.conns[i].fd = -1;
        }
    if (p.lfd >= 0) {
        glass_close(p.lfd);
        p.lfd = -1;
    }
    glass_stack_drain(p.stack, PERF_DRAIN_MS);
    glass_stack_stop(p.stack);
out:
    glass_capture_close(p.stack);
    glass_stats_print(p.stack, stderr); /* the stack's counters, as glassd prints them */
    if (glass_stack_free(p.stack) < 0)
        status = 1; /* a leak is a bug: let tests see it */
    return status;
}
