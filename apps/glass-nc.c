/*
 * glass-nc - netcat on a glass stack, over TCP (the default) or UDP (-u).
 *
 *   glass-nc [-u] [-v] [-p SRCPORT] [-w SECS] [-q SECS] HOST PORT
 *   glass-nc -l [-k] [-u] [-v] [-w SECS] [-q SECS] [-p PORT] [HOST] [PORT]
 *
 * Like OpenBSD nc: stdin goes to the socket, the socket to stdout.
 *
 * TCP client: connect() to HOST PORT (from -p SRCPORT when given); a
 * refusal or time-out ends it as nc says it: "connect to HOST port PORT
 * (tcp) failed: Connection refused", exit 1.  At EOF on stdin the sending
 * half is closed (shutdown SHUT_WR: our FIN) and what the peer still sends
 * is printed until it closes its half too -- a half-close, so
 * "echo request | glass-nc host port" gets its whole answer.
 *
 * TCP listener (-l): accept one connection on PORT, run it the same way,
 * exit when it is over; with -k go back and accept the next one.
 *
 * UDP client: the socket is connect()ed to HOST PORT (with -p, bound to that
 * source port first).  Each line of stdin is one datagram, its newline
 * included (a line longer than a datagram can hold is cut into datagrams).
 * At EOF on stdin the datagrams that still come back are printed until
 * none has come for the linger time (-q SECS, else -w SECS, else 1 s).
 *
 * UDP listener (-u -l): bound to PORT (on HOST when given); every datagram's data
 * goes to stdout.  The first sender becomes the peer: the socket is
 * connect()ed to it (as OpenBSD nc -u -l does), so from then on only its
 * datagrams are taken, and stdin lines go back to it.  EOF on stdin does
 * not end a listener unless -q is given.
 *
 * -w SECS ends either mode quietly (exit 0) after SECS without data in
 * either direction.  An ICMP error for our datagrams (RFC 1122 4.1.3.3:
 * UDP passes it up) shows as ECONNREFUSED, EHOSTUNREACH... on the next
 * call: like nc we print "connect to HOST port PORT (udp) failed: REASON"
 * and exit 1.  SIGINT/SIGTERM end it with status 128+signal, as a shell
 * reports nc killed by the signal.
 *
 * One glass_poll waits on stdin (an ordinary fd) and the glass socket
 * together; the stack answers ARP and ping on its own thread meanwhile.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "glass.h"
#include "util.h"

#define NC_DGRAM_MAX 65507          /* 65535 - 20 (IPv4) - 8 (UDP) */
#define NC_POLL_MS 200              /* bound on noticing a signal late */
#define NC_DEFAULT_LINGER GLASS_USEC_PER_SEC
#define NC_MAX_SECONDS 2147483.0

struct nc {
    /* what the user asked for */
    bool udp, listen, keep, verbose, numeric;
    unsigned pflag;                 /* -p: source port (client), port (listener); 0: none */
    glass_time_t idle;              /* -w; 0: none */
    bool has_idle;
    glass_time_t linger;            /* -q */
    bool has_linger;
    const char *host;               /* operand as typed (NULL: listener on any) */
    bool host_is_name;              /* not a dotted quad: ask the resolver */
    uint32_t addr;                  /* network byte order */
    unsigned port;

    struct glass_stack *stack;
    int fd;
    bool stdin_open;
    bool net_open;                  /* TCP: the peer has not closed its half */
    bool have_peer;                 /* client: always; listener: after the first datagram */
    struct sockaddr_in peer;
    glass_time_t last_data, eof_at;

    size_t plen;                    /* bytes of stdin not sent yet (no newline seen) */
    uint8_t pend[NC_DGRAM_MAX];
    uint8_t rbuf[65536];
};

/* ---- options ------------------------------------------------------------------ */

enum { KEY_UDP = 'u', KEY_LISTEN = 'l', KEY_KEEP = 'k', KEY_PORT = 'p', KEY_WAIT = 'w',
       KEY_QUIT = 'q', KEY_VERBOSE = 'v', KEY_NUMERIC = 'n' };

static const struct glass_app_option nc_options[] = {
    {NULL, KEY_UDP, NULL, "UDP instead of TCP"},
    {NULL, KEY_LISTEN, NULL, "listen for a peer instead of connecting to one"},
    {NULL, KEY_KEEP, NULL, "TCP listener: after a connection ends, accept the next one"},
    {NULL, KEY_PORT, "PORT", "listener: the port to listen on; client: the source port"},
    {NULL, KEY_WAIT, "SECS", "exit after SECS without data in either direction"},
    {NULL, KEY_QUIT, "SECS", "after EOF on stdin, exit once SECS pass without a datagram"},
    {NULL, KEY_VERBOSE, NULL, "say what happens on stderr; counters at exit"},
    {NULL, KEY_NUMERIC, NULL, "numeric addresses only: HOST is never looked up"},
    {0},
};

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct nc *nc = ctx;
    double secs;

    switch (key) {
    case KEY_UDP:
        nc->udp = true;
        return 0;
    case KEY_LISTEN:
        nc->listen = true;
        return 0;
    case KEY_KEEP:
        nc->keep = true;
        return 0;
    case KEY_VERBOSE:
        nc->verbose = true;
        return 0;
    case KEY_NUMERIC:
        nc->numeric = true;
        return 0;
    case KEY_PORT:
        if (glass_app_parse_port(arg, &nc->pflag) == 0)
            return 0;
        snprintf(err, errlen, "-p '%s': bad port, expected an integer 1..65535", arg);
        return -1;
    case KEY_WAIT:
        if (glass_app_parse_seconds(arg, 0, NC_MAX_SECONDS, &secs) == 0 &&
            (nc->idle = glass_app_usec(secs)) > 0) {
            nc->has_idle = true;
            return 0;
        }
        snprintf(err, errlen, "-w '%s': bad timeout, expected SECONDS > 0", arg);
        return -1;
    case KEY_QUIT:
        if (glass_app_parse_seconds(arg, 0, NC_MAX_SECONDS, &secs) == 0) {
            nc->linger = glass_app_usec(secs);
            nc->has_linger = true;
            return 0;
        }
        snprintf(err, errlen, "-q '%s': bad time, expected SECONDS >= 0", arg);
        return -1;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char nc_notes[] =
    "TCP unless -u.  HOST is a dotted IPv4 address or a name, looked up (A) with\n"
    "the glass resolver from the --dns server (default: a DHCP lease's, else the\n"
    "gateway).  Over TCP, EOF on stdin closes our sending half (the peer reads end\n"
    "of file) and output goes on until the peer closes; -l takes one connection,\n"
    "-l -k one after another.  In UDP mode each stdin line (newline included) is\n"
    "one datagram.\n"
    "Exit status: 0 when done (the connection over, EOF and linger, or -w idle), 1\n"
    "on a network error such as \"Connection refused\" (a RST, or an ICMP port\n"
    "unreachable, came back), 2 on a usage error, 128+N when ended by signal N.\n"
    "\n"
    "Examples (kernel side 10.0.0.1/24 on tap0 in namespace glass):\n"
    "  ip netns exec glass glass-nc 10.0.0.1 5000         # to: nc -l 5000\n"
    "  ip netns exec glass glass-nc -l -p 5000            # from: nc 10.0.0.2 5000\n"
    "  ip netns exec glass glass-nc -u 10.0.0.1 5000      # to: socat UDP-LISTEN:5000 -\n"
    "  ip netns exec glass glass-nc -u -l -p 5000         # from: socat - UDP:10.0.0.2:5000\n";

static void parse_host(const struct glass_app *app, struct nc *nc, const char *host)
{
    nc->host = host;
    if (ip4_parse(host, &nc->addr) == 0)
        return;
    if (nc->numeric)
        glass_app_usage_error(app, "'%s': not an IPv4 address, and -n forbids looking it up",
                              host);
    nc->host_is_name = true; /* looked up once the stack is up */
}

/* A HOST name through the glass resolver, worded like nc's getaddrinfo
 * failure.  The client's address checks apply to the answer too. */
static int resolve_host(struct nc *nc, const struct glass_app_opts *opts)
{
    int r;

    if (!nc->host || !nc->host_is_name)
        return 0;
    r = glass_resolve_ipv4(nc->stack, nc->host, glass_app_dns_server(nc->stack, opts), &nc->addr);
    if (r != GLASS_RESOLVE_OK) {
        fprintf(stderr, "glass-nc: getaddrinfo for host \"%s\" port %u: %s\n", nc->host,
                nc->port, glass_resolve_strerror(r));
        return -1;
    }
    if (!nc->listen && (ip4_is_zeronet(nc->addr) || ip4_is_multicast(nc->addr) ||
                        ip4_is_limited_broadcast(nc->addr))) {
        fprintf(stderr, "glass-nc: %s is %s: not a unicast address\n", nc->host,
                ip4s(nc->addr).s);
        return -1;
    }
    if (nc->verbose)
        fprintf(stderr, "glass-nc: %s is %s\n", nc->host, ip4s(nc->addr).s);
    return 0;
}

static void parse_port_operand(const struct glass_app *app, struct nc *nc, const char *s)
{
    if (glass_app_parse_port(s, &nc->port) < 0)
        glass_app_usage_error(app, "port '%s': bad port, expected an integer 1..65535", s);
}

/* Client: HOST PORT.  Listener: [HOST] PORT, or -p PORT [HOST]. */
static void parse_operands(const struct glass_app *app, struct nc *nc,
                           const struct glass_app_opts *opts)
{
    int argc = opts->argc;
    char **argv = opts->argv;

    if (!nc->listen) {
        if (argc != 2)
            glass_app_usage_error(app, "%s, expected HOST PORT (see --help)",
                                  argc < 2 ? "missing operand" : "too many operands");
        parse_host(app, nc, argv[0]);
        if (!nc->host_is_name && (ip4_is_zeronet(nc->addr) || ip4_is_multicast(nc->addr) ||
                                  ip4_is_limited_broadcast(nc->addr)))
            glass_app_usage_error(app, "%s: not a unicast address, expected a host",
                                  argv[0]);
        parse_port_operand(app, nc, argv[1]);
        return;
    }
    if (nc->pflag) {
        if (argc > 1)
            glass_app_usage_error(app, "-l -p PORT takes at most a HOST operand, got '%s' "
                                  "too (see --help)", argv[1]);
        if (argc == 1)
            parse_host(app, nc, argv[0]);
        nc->port = nc->pflag;
        return;
    }
    if (argc < 1)
        glass_app_usage_error(app, "-l needs a PORT (operand or -p PORT, see --help)");
    if (argc > 2)
        glass_app_usage_error(app, "too many operands, expected -l [HOST] PORT (see --help)");
    if (argc == 2)
        parse_host(app, nc, argv[0]);
    parse_port_operand(app, nc, argv[argc - 1]);
}

/* ---- errors, in OpenBSD nc's words ------------------------------------------------- */

static void peer_text(const struct nc *nc, char *buf, size_t len)
{
    char a[INET_ADDRSTRLEN];

    if (nc->listen) {
        inet_ntop(AF_INET, &nc->peer.sin_addr, a, sizeof(a));
        snprintf(buf, len, "%s port %u", a, ntohs(nc->peer.sin_port));
    } else {
        snprintf(buf, len, "%s port %u", nc->host, nc->port);
    }
}

/* errno values that carry an ICMP error about our datagrams (RFC 1122
 * 4.1.3.3) or a failed resolution of the peer's link address. */
static bool is_peer_error(int err)
{
    return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
           err == EHOSTDOWN || err == ENETDOWN;
}

static int net_error(const struct nc *nc, const char *what, int err)
{
    char p[64];

    if (is_peer_error(err) || (!nc->udp && err == ETIMEDOUT)) {
        peer_text(nc, p, sizeof(p));
        fprintf(stderr, "glass-nc: connect to %s (%s) failed: %s\n", p, nc->udp ? "udp" : "tcp",
                strerror(err));
    } else {
        fprintf(stderr, "glass-nc: %s: %s%s\n", what, strerror(err),
                err == EMSGSIZE ? " (over 65507 bytes, the most a UDP datagram can carry)" : "");
    }
    return -1;
}

/* ---- data ---------------------------------------------------------------------- */

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_datagram(struct nc *nc, const uint8_t *data, size_t len)
{
    if (glass_send(nc->fd, data, len, 0) < 0)
        return net_error(nc, "write(net)", errno);
    nc->last_data = glass_stack_now(nc->stack);
    return 0;
}

/* Send every complete line of nc->pend (newline included) as a datagram;
 * keep the unfinished tail.  A buffer full without a newline goes as it
 * is: no datagram can hold more. */
static int send_lines(struct nc *nc, bool eof)
{
    size_t start = 0;

    for (;;) {
        uint8_t *nl = memchr(nc->pend + start, '\n', nc->plen - start);
        size_t end;

        if (nl)
            end = (size_t)(nl - nc->pend) + 1;
        else if (nc->plen - start > 0 && (eof || nc->plen == sizeof(nc->pend)))
            end = nc->plen;
        else
            break;
        if (send_datagram(nc, nc->pend + start, end - start) < 0)
            return -1;
        start = end;
    }
    memmove(nc->pend, nc->pend + start, nc->plen - start);
    nc->plen -= start;
    return 0;
}

static int on_stdin(struct nc *nc)
{
    ssize_t n = read(STDIN_FILENO, nc->pend + nc->plen, sizeof(nc->pend) - nc->plen);

    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        fprintf(stderr, "glass-nc: read(stdin): %s\n", strerror(errno));
        return -1;
    }
    if (n == 0) {
        nc->stdin_open = false;
        nc->eof_at = glass_stack_now(nc->stack);
        return send_lines(nc, true);
    }
    nc->plen += (size_t)n;
    return send_lines(nc, false);
}

/* Listener: the first datagram's sender becomes the peer (OpenBSD nc -u -l
 * connects to it), so stdin has somewhere to go. */
static int take_peer(struct nc *nc, const struct sockaddr_in *from)
{
    char a[INET_ADDRSTRLEN];

    if (glass_connect(nc->fd, (const struct sockaddr *)from, sizeof(*from)) < 0) {
        fprintf(stderr, "glass-nc: connect to the first sender: %s\n", strerror(errno));
        return -1;
    }
    nc->peer = *from;
    nc->have_peer = true;
    if (nc->verbose) {
        inet_ntop(AF_INET, &from->sin_addr, a, sizeof(a));
        fprintf(stderr, "Connection received on %s %u\n", a, ntohs(from->sin_port));
    }
    return 0;
}

/* Everything queued on the socket to stdout; -1 on an error that ends us. */
static int on_socket(struct nc *nc)
{
    for (;;) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = glass_recvfrom(nc->fd, nc->rbuf, sizeof(nc->rbuf), MSG_DONTWAIT,
                                   (struct sockaddr *)&from, &fromlen);

        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            return net_error(nc, "read(net)", errno);
        }
        if (!nc->have_peer && take_peer(nc, &from) < 0)
            return -1;
        nc->last_data = glass_stack_now(nc->stack);
        if (write_all(STDOUT_FILENO, nc->rbuf, (size_t)n) < 0) {
            fprintf(stderr, "glass-nc: write(stdout): %s\n", strerror(errno));
            return -1;
        }
    }
}

/* ---- the loop -------------------------------------------------------------------- */

/* When do we stop without being asked?  0 = no deadline. */
static glass_time_t deadline(const struct nc *nc)
{
    glass_time_t d = 0;

    if (nc->has_idle)
        d = nc->last_data + nc->idle;
    if (!nc->stdin_open && (nc->has_linger || !nc->listen)) {
        /* after EOF: until the linger time passes without a datagram */
        glass_time_t linger = nc->has_linger ? nc->linger
                              : nc->has_idle ? nc->idle : NC_DEFAULT_LINGER;
        glass_time_t since = GLASS_MAX(nc->eof_at, nc->last_data);

        if (!d || since + linger < d)
            d = since + linger;
    }
    return d;
}

static int poll_ms(glass_time_t d, glass_time_t now)
{
    glass_time_t ms;

    if (!d)
        return NC_POLL_MS;
    ms = d > now ? (d - now + 999) / 1000 : 0;
    return ms > NC_POLL_MS ? NC_POLL_MS : (int)ms;
}

static int run(struct nc *nc)
{
    struct pollfd pfd[2];

    nc->last_data = glass_stack_now(nc->stack);
    while (!glass_app_stop_signal) {
        glass_time_t now = glass_stack_now(nc->stack), d = deadline(nc);
        nfds_t n = 0;
        int r;

        if (d && now >= d)
            return 0;
        pfd[n++] = (struct pollfd){.fd = nc->fd, .events = POLLIN};
        /* stdin only once there is someone to send it to */
        if (nc->stdin_open && nc->have_peer)
            pfd[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        r = glass_poll(pfd, n, poll_ms(d, now));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "glass-nc: poll: %s\n", strerror(errno));
            return -1;
        }
        /* POLLERR on the socket: the pending error comes out of recvfrom. */
        if (pfd[0].revents && on_socket(nc) < 0)
            return -1;
        if (n > 1 && pfd[1].revents && on_stdin(nc) < 0)
            return -1;
    }
    return 0;
}

/* ---- TCP: one connection -------------------------------------------------------- */

/* Stdin bytes go out as they come (no lines: a stream has no records);
 * what the send buffer does not take now waits in pend, and stdin is not
 * read again until it has gone. */
static int tcp_flush(struct nc *nc)
{
    while (nc->plen > 0) {
        ssize_t n = glass_send(nc->fd, nc->pend, nc->plen, MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            return net_error(nc, "write(net)", errno);
        }
        memmove(nc->pend, nc->pend + n, nc->plen - (size_t)n);
        nc->plen -= (size_t)n;
        nc->last_data = glass_stack_now(nc->stack);
    }
    return 0;
}

static int tcp_on_stdin(struct nc *nc)
{
    ssize_t n = read(STDIN_FILENO, nc->pend, sizeof(nc->pend));

    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        fprintf(stderr, "glass-nc: read(stdin): %s\n", strerror(errno));
        return -1;
    }
    if (n == 0) {
        /* Half-close: the peer reads end of file, and may still answer. */
        nc->stdin_open = false;
        if (glass_shutdown(nc->fd, SHUT_WR) < 0 && errno != ENOTCONN)
            return net_error(nc, "shutdown", errno);
        return 0;
    }
    nc->plen = (size_t)n;
    return tcp_flush(nc);
}

/* The peer's bytes to stdout; its FIN (0) ends the connection for us. */
static int tcp_on_socket(struct nc *nc)
{
    for (int i = 0; i < 64; i++) {
        ssize_t n = glass_recv(nc->fd, nc->rbuf, sizeof(nc->rbuf), MSG_DONTWAIT);

        if (n == 0) {
            nc->net_open = false;
            return 0;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            return net_error(nc, "read(net)", errno);
        }
        nc->last_data = glass_stack_now(nc->stack);
        if (write_all(STDOUT_FILENO, nc->rbuf, (size_t)n) < 0) {
            fprintf(stderr, "glass-nc: write(stdout): %s\n", strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Until the peer has closed its half (and we have said all we had). */
static int tcp_session(struct nc *nc)
{
    struct pollfd pfd[2];

    nc->net_open = true;
    nc->plen = 0;
    nc->last_data = glass_stack_now(nc->stack);
    while (!glass_app_stop_signal && nc->net_open) {
        glass_time_t now = glass_stack_now(nc->stack);
        glass_time_t d = nc->has_idle ? nc->last_data + nc->idle : 0;
        nfds_t n = 0;
        int r;

        if (d && now >= d)
            return 0;
        pfd[n++] = (struct pollfd){.fd = nc->fd, .events = POLLIN | (nc->plen ? POLLOUT : 0)};
        if (nc->stdin_open && nc->plen == 0)
            pfd[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        r = glass_poll(pfd, n, poll_ms(d, now));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "glass-nc: poll: %s\n", strerror(errno));
            return -1;
        }
        if ((pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) && tcp_on_socket(nc) < 0)
            return -1;
        if ((pfd[0].revents & POLLOUT) && tcp_flush(nc) < 0)
            return -1;
        if (n > 1 && pfd[1].revents && tcp_on_stdin(nc) < 0)
            return -1;
    }
    return 0;
}

/* Client: connect (blocking, so a refusal comes back from connect itself). */
static int tcp_connect(struct nc *nc)
{
    nc->peer = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)nc->port),
                                    .sin_addr.s_addr = nc->addr};
    if (nc->has_idle) {
        /* -w also bounds the connection attempt, as in OpenBSD nc. */
        struct timeval tv = {.tv_sec = (time_t)(nc->idle / GLASS_USEC_PER_SEC),
                             .tv_usec = (suseconds_t)(nc->idle % GLASS_USEC_PER_SEC)};
        glass_setsockopt(nc->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    if (glass_connect(nc->fd, (struct sockaddr *)&nc->peer, sizeof(nc->peer)) < 0)
        return net_error(nc, "connect", errno == EINPROGRESS ? ETIMEDOUT : errno);
    if (nc->verbose)
        fprintf(stderr, "Connection to %s %u port [tcp/*] succeeded!\n", nc->host, nc->port);
    return tcp_session(nc);
}

/* Listener: wait for a connection (in glass_poll, so a signal ends it). */
static int tcp_accept_one(struct nc *nc, int lfd)
{
    while (!glass_app_stop_signal) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        socklen_t len = sizeof(nc->peer);
        int r = glass_poll(&p, 1, NC_POLL_MS);

        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "glass-nc: poll: %s\n", strerror(errno));
            return -1;
        }
        if (r <= 0)
            continue;
        nc->fd = glass_accept(lfd, (struct sockaddr *)&nc->peer, &len);
        if (nc->fd >= 0)
            break;
        if (errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "glass-nc: accept: %s\n", strerror(errno));
            return -1;
        }
    }
    if (glass_app_stop_signal)
        return 0;
    if (nc->verbose) {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &nc->peer.sin_addr, a, sizeof(a));
        fprintf(stderr, "Connection received on %s %u\n", a, ntohs(nc->peer.sin_port));
    }
    return 1;
}

static int tcp_listen_loop(struct nc *nc)
{
    int lfd = nc->fd;
    int rc = 0;

    nc->fd = -1;
    do {
        int r = tcp_accept_one(nc, lfd);
        if (r <= 0) {
            rc = r;
            break;
        }
        rc = tcp_session(nc);
        glass_close(nc->fd);
        nc->fd = -1;
    } while (nc->keep && !glass_app_stop_signal && rc == 0);
    glass_close(lfd);
    return rc;
}

/* ---- setting up ------------------------------------------------------------------- */

static int open_socket(struct nc *nc)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    char a[INET_ADDRSTRLEN];

    nc->fd = glass_socket(nc->stack, AF_INET, nc->udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (nc->fd < 0) {
        fprintf(stderr, "glass-nc: socket: %s\n", strerror(errno));
        return -1;
    }
    if (nc->listen && !nc->udp) {
        int one = 1;
        glass_setsockopt(nc->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (nc->listen || nc->pflag) {
        sin.sin_port = htons((uint16_t)(nc->listen ? nc->port : nc->pflag));
        sin.sin_addr.s_addr = nc->listen && nc->host ? nc->addr : htonl(INADDR_ANY);
        if (glass_bind(nc->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
            fprintf(stderr, "glass-nc: bind to port %u: %s\n", ntohs(sin.sin_port),
                    strerror(errno));
            return -1;
        }
    }
    if (nc->listen) {
        if (!nc->udp && glass_listen(nc->fd, 1) < 0) {
            fprintf(stderr, "glass-nc: listen: %s\n", strerror(errno));
            return -1;
        }
        if (nc->verbose) {
            inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
            fprintf(stderr, "%s on %s %u\n", nc->udp ? "Bound" : "Listening", a, nc->port);
        }
        return 0;
    }
    if (!nc->udp)
        return 0;               /* connect()s in tcp_connect */
    nc->peer = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)nc->port),
                                    .sin_addr.s_addr = nc->addr};
    if (glass_connect(nc->fd, (struct sockaddr *)&nc->peer, sizeof(nc->peer)) < 0)
        return net_error(nc, "connect", errno);
    nc->have_peer = true;
    if (nc->verbose)
        fprintf(stderr, "Connection to %s %u port [udp/*] succeeded!\n", nc->host, nc->port);
    return 0;
}

int main(int argc, char **argv)
{
    static struct nc nc; /* static: the buffers stay off the stack */
    struct glass_app app = {
        .prog = "glass-nc",
        .synopsis = "[-u] [-l [-k]] [-v] [-p PORT] [-w SECS] [-q SECS] [OPTION]... [HOST] PORT",
        .summary = "netcat on a glass stack: stdin to a TCP (or UDP) socket, the socket to "
                   "stdout.",
        .options = nc_options,
        .on_option = on_option,
        .ctx = &nc,
        .notes = nc_notes,
        .resolves = true,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN];
    int status;

    nc.fd = -1;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    if (nc.keep && (!nc.listen || nc.udp))
        glass_app_usage_error(&app, "-k needs a TCP listener (-l without -u)");
    parse_operands(&app, &nc, &opts);
    glass_app_catch_signals();
    nc.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!nc.stack) {
        fprintf(stderr, "glass-nc: %s\n", err);
        return 1;
    }
    nc.stdin_open = true;
    status = 1;
    if (glass_app_start_stack(nc.stack) < 0) {
        fprintf(stderr, "glass-nc: cannot start the stack thread: %s\n", strerror(errno));
        goto out;
    }
    if (resolve_host(&nc, &opts) == 0 && open_socket(&nc) == 0) {
        int r = nc.udp ? run(&nc) : nc.listen ? tcp_listen_loop(&nc) : tcp_connect(&nc);
        if (r == 0)
            status = 0;
    }
    if (glass_app_stop_signal)
        status = 128 + glass_app_stop_signal;
    /* Close while the stack still runs, and let TCP deliver what we sent:
     * unlike a kernel, the stack ends with this process. */
    if (nc.fd >= 0) {
        glass_close(nc.fd);
        nc.fd = -1;
    }
    glass_stack_drain(nc.stack, 3000);
    glass_stack_stop(nc.stack);
out:
    if (nc.fd >= 0)
        glass_close(nc.fd);
    glass_capture_close(nc.stack);
    if (nc.verbose)
        glass_stats_print(nc.stack, stderr);
    if (glass_stack_free(nc.stack) < 0)
        status = 1;
    return status;
}
