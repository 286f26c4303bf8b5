/*
 * glass-get - fetch a URL over HTTP/1.1 from a glass stack.
 *
 *   glass-get [-o FILE] [-w SECS] [-q] [-v] [--dns ADDR] [OPTION]... URL
 *
 * One GET per URL (RFC 9110 9.3.1), "Connection: close", the body written
 * to stdout or to FILE.  The body may be delimited by Content-Length, by
 * the chunked coding (RFC 9112 7.1, decoded as it arrives) or by the
 * server closing.  Redirects (301, 302, 303, 307, 308 with a Location,
 * RFC 9110 15.4) are followed, at most 5, relative ones resolved against
 * the URL they came from (RFC 3986 5.2).  A host name is looked up (A)
 * with the glass resolver from the --dns server (default: a DHCP lease's,
 * else the gateway).
 * On a terminal a progress bar runs on stderr.
 *
 * Exit status (the numbers are curl's, so scripts that know one know both):
 *    0  the body was written
 *    2  bad usage (a bad option or URL)
 *    6  the host name could not be resolved
 *    7  could not connect (refused, unreachable)
 *    8  the server's reply was not HTTP we understand
 *   18  the connection ended before the whole body came (partial output removed)
 *   22  the server answered with status >= 400 ("glass-get: HTTP 404 Not Found")
 *   23  the output could not be written
 *   28  nothing happened for --timeout seconds
 *   47  more than 5 redirects
 *   52  the server closed without a reply
 *   56  the connection failed while receiving (reset)
 *    1  anything else (the stack could not be brought up, ...)
 *
 * Like glass-httpd, the stack runs on its own thread and this thread makes
 * ordinary non-blocking socket calls and waits in glass_poll.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "glass.h"
#include "http.h"

#define GET_DEFAULT_TIMEOUT 30.0   /* seconds */
#define GET_MAX_REDIRECTS 5
#define GET_BUF (HTTP_MAX_HEAD + 65536)
#define GET_PROGRESS_EVERY 0.1     /* seconds between progress bar updates */

enum {
    EXIT_USAGE = 2,
    EXIT_RESOLVE = 6,
    EXIT_CONNECT = 7,
    EXIT_WEIRD_REPLY = 8,
    EXIT_PARTIAL = 18,
    EXIT_HTTP_ERROR = 22,
    EXIT_WRITE = 23,
    EXIT_TIMEOUT = 28,
    EXIT_REDIRECTS = 47,
    EXIT_EMPTY_REPLY = 52,
    EXIT_RECV = 56,
};

struct get {
    /* what the user asked for */
    const char *url_arg;
    const char *output;            /* -o FILE; NULL: stdout */
    double timeout;                /* seconds without progress */
    bool quiet, verbose;

    struct glass_stack *stack;
    uint32_t dns;                  /* the DNS server (glass_app_dns_server) */
    struct http_url url;
    int fd;
    FILE *out;
    bool progress;                 /* a bar on stderr */

    char buf[GET_BUF];
    size_t len;                    /* bytes in buf */
    /* the body */
    uint64_t expect;               /* HTTP_BODY_LENGTH: bytes promised */
    uint64_t got;
    double start, last_bar;
};

/* ---- options ------------------------------------------------------------------ */

enum {
    KEY_OUTPUT = 'o',
    KEY_TIMEOUT = 'w',
    KEY_QUIET = 'q',
    KEY_VERBOSE = 'v',
};

static const struct glass_app_option get_options[] = {
    {"output", KEY_OUTPUT, "FILE", "write the body to FILE instead of stdout"},
    {"timeout", KEY_TIMEOUT, "SECS", "give up when nothing arrives for SECS seconds\n"
                                     "(connecting included; default 30)"},
    {"quiet", KEY_QUIET, NULL, "no progress bar"},
    {"verbose", KEY_VERBOSE, NULL, "show the request and response heads on stderr"},
    {0},
};

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct get *g = ctx;

    switch (key) {
    case KEY_OUTPUT:
        g->output = arg;
        return 0;
    case KEY_TIMEOUT:
        if (glass_app_parse_seconds(arg, 0, 86400, &g->timeout) == 0 && g->timeout > 0)
            return 0;
        snprintf(err, errlen, "-w '%s': bad timeout, expected SECONDS > 0 (at most 86400)", arg);
        return -1;
    case KEY_QUIET:
        g->quiet = true;
        return 0;
    case KEY_VERBOSE:
        g->verbose = true;
        return 0;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char get_notes[] =
    "URL is http://HOST[:PORT][/PATH]; HOST is a dotted IPv4 address or a name.\n"
    "Exit status: 0 done, 2 bad usage, 6 host not resolved, 7 could not connect,\n"
    "8 a reply that is not HTTP, 18 the body was cut short, 22 HTTP status >= 400,\n"
    "23 write error, 28 timeout, 47 more than 5 redirects, 52 empty reply,\n"
    "56 connection reset while receiving, 1 other errors (as curl numbers them).\n"
    "\n"
    "Example (kernel side 10.0.0.1/24 on tap0 in namespace glass):\n"
    "  ip netns exec glass python3 -m http.server -b 10.0.0.1 8000 &\n"
    "  ip netns exec glass glass-get -o page.html http://10.0.0.1:8000/\n";

/* ---- time and progress ------------------------------------------------------------ */

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "12.3 MiB" */
static void human(double bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;

    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

static void progress(struct get *g, bool last)
{
    double t = now_mono(), rate;
    char got[32], speed[32];

    if (!g->progress || (!last && t - g->last_bar < GET_PROGRESS_EVERY))
        return;
    g->last_bar = t;
    rate = t > g->start ? g->got / (t - g->start) : 0;
    human((double)g->got, got, sizeof(got));
    human(rate, speed, sizeof(speed));
    if (g->expect) {
        int pct = (int)(g->got * 100 / g->expect), w = 30, fill = pct * w / 100;
        char bar[64];

        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[w] = '\0';
        fprintf(stderr, "\r%3d%% [%s] %10s  %10s/s ", pct, bar, got, speed);
    } else {
        fprintf(stderr, "\r%10s  %10s/s ", got, speed);
    }
    if (last)
        fputc('\n', stderr);
}

/* ---- the connection ---------------------------------------------------------------- */

/* Wait for events on the socket; 0 when they came, -1 on timeout or a
 * signal (with the exit status in *code). */
static int wait_for(struct get *g, short events, int *code, const char *doing)
{
    double deadline = now_mono() + g->timeout;

    for (;;) {
        struct pollfd pfd = {.fd = g->fd, .events = events};
        double left = deadline - now_mono();
        int n;

        if (glass_app_stop_signal) {
            *code = 130;
            return -1;
        }
        if (left <= 0) {
            fprintf(stderr, "%sglass-get: timed out after %g s %s %s port %u\n",
                    g->progress ? "\n" : "", g->timeout, doing, g->url.host, g->url.port);
            *code = EXIT_TIMEOUT;
            return -1;
        }
        n = glass_poll(&pfd, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "glass-get: poll: %s\n", strerror(errno));
            *code = 1;
            return -1;
        }
        if (n > 0)
            return 0;
    }
}

static int resolve(struct get *g, uint32_t *addr)
{
    int r = glass_resolve_ipv4(g->stack, g->url.host, g->dns, addr);

    if (r != GLASS_RESOLVE_OK) {
        fprintf(stderr, "glass-get: could not resolve host %s: %s\n", g->url.host,
                glass_resolve_strerror(r));
        return EXIT_RESOLVE;
    }
    return 0;
}

/* RFC 9293 3.5 from our side: SYN, then wait for the handshake to finish
 * (POLLOUT) and read its outcome from SO_ERROR, as a Linux client would. */
static int connect_to(struct get *g, uint32_t addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g->url.port),
                              .sin_addr.s_addr = addr};
    char ip[INET_ADDRSTRLEN];
    int code, soerr = 0;
    socklen_t sl = sizeof(soerr);

    inet_ntop(AF_INET, &addr, ip, sizeof(ip));
    g->fd = glass_socket(g->stack, AF_INET, SOCK_STREAM, 0);
    if (g->fd < 0 || glass_fcntl(g->fd, F_SETFL, O_NONBLOCK) < 0) {
        fprintf(stderr, "glass-get: socket: %s\n", strerror(errno));
        return 1;
    }
    if (g->verbose)
        fprintf(stderr, "* connecting to %s port %u\n", ip, g->url.port);
    if (glass_connect(g->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
        return 0;
    if (errno != EINPROGRESS) {
        soerr = errno;
    } else {
        if (wait_for(g, POLLOUT, &code, "connecting to") < 0)
            return code;
        if (glass_getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
    }
    if (soerr) {
        fprintf(stderr, "glass-get: connect to %s port %u: %s\n", ip, g->url.port,
                strerror(soerr));
        return soerr == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_CONNECT;
    }
    if (g->verbose)
        fprintf(stderr, "* connected\n");
    return 0;
}

static int send_all(struct get *g, const char *p, size_t len)
{
    int code;

    while (len) {
        ssize_t n = glass_send(g->fd, p, len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                if (wait_for(g, POLLOUT, &code, "sending to") < 0)
                    return code;
                continue;
            }
            fprintf(stderr, "glass-get: send to %s port %u: %s\n", g->url.host, g->url.port,
                    strerror(errno));
            return EXIT_RECV;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_request(struct get *g)
{
    char req[HTTP_MAX_REQUEST_LINE + 512], host[HTTP_MAX_HOST + 8];
    int n;

    /* RFC 9112 3.2: Host is the authority, with the port when not 80. */
    if (g->url.port == 80)
        snprintf(host, sizeof(host), "%s", g->url.host);
    else
        snprintf(host, sizeof(host), "%s:%u", g->url.host, g->url.port);
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: glass-get/" PACKAGE_VERSION
                 "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                 g->url.path, host);
    if (n < 0 || (size_t)n >= sizeof(req)) {
        fprintf(stderr, "glass-get: the URL is too long\n");
        return EXIT_USAGE;
    }
    if (g->verbose)
        for (const char *l = req; *l && strncmp(l, "\r\n", 2) != 0;
             l = strstr(l, "\r\n") + 2)
            fprintf(stderr, "> %.*s\n", (int)(strstr(l, "\r\n") - l), l);
    return send_all(g, req, (size_t)n);
}

/* More bytes into buf[len..); returns bytes read, 0 at the server's
 * close, -1 with the exit status in *code. */
static ssize_t receive(struct get *g, int *code)
{
    for (;;) {
        ssize_t n = glass_recv(g->fd, g->buf + g->len, sizeof(g->buf) - g->len, MSG_DONTWAIT);

        if (n >= 0)
            return n;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            fprintf(stderr, "%sglass-get: receiving from %s port %u: %s\n",
                    g->progress ? "\n" : "", g->url.host, g->url.port, strerror(errno));
            *code = errno == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_RECV;
            return -1;
        }
        if (wait_for(g, POLLIN, code, "waiting for") < 0)
            return -1;
    }
}

/* ---- the body ------------------------------------------------------------------------ */

static int open_output(struct get *g)
{
    if (g->out)
        return 0;
    if (!g->output) {
        g->out = stdout;
        return 0;
    }
    g->out = fopen(g->output, "wb");
    if (!g->out) {
        fprintf(stderr, "glass-get: %s: %s\n", g->output, strerror(errno));
        return EXIT_WRITE;
    }
    return 0;
}

static int emit(struct get *g, const char *data, size_t n)
{
    if (n && fwrite(data, 1, n, g->out) != n) {
        fprintf(stderr, "glass-get: writing %s: %s\n", g->output ? g->output : "stdout",
                strerror(errno));
        return EXIT_WRITE;
    }
    g->got += n;
    progress(g, false);
    return 0;
}

static int cut_short(struct get *g)
{
    fprintf(stderr, "%sglass-get: the connection ended after %llu of %s body bytes\n",
            g->progress ? "\n" : "", (unsigned long long)g->got,
            g->expect ? "the promised" : "the chunked");
    return EXIT_PARTIAL;
}

/* Content-Length bytes, or (until_close) whatever comes until the close. */
static int body_plain(struct get *g, bool until_close)
{
    int code;

    for (;;) {
        size_t n = g->len;
        ssize_t r;

        if (!until_close && g->expect - g->got < n)
            n = (size_t)(g->expect - g->got); /* bytes past the body are not ours */
        if ((code = emit(g, g->buf, n)))
            return code;
        g->len = 0;
        if (!until_close && g->got == g->expect)
            return 0;
        r = receive(g, &code);
        if (r < 0)
            return code;
        if (r == 0)
            return until_close ? 0 : cut_short(g);
        g->len = (size_t)r;
    }
}

/* RFC 9112 7.1: decoded in place as it arrives. */
static int body_chunked(struct get *g)
{
    struct http_chunked ch;
    int code;

    http_chunked_init(&ch);
    for (;;) {
        size_t used;
        ssize_t data = http_chunked_decode(&ch, g->buf, g->len, &used);
        ssize_t r;

        if (data < 0) {
            fprintf(stderr, "%sglass-get: a malformed chunked body\n", g->progress ? "\n" : "");
            return EXIT_WEIRD_REPLY;
        }
        if ((code = emit(g, g->buf, (size_t)data)))
            return code;
        if (ch.done)
            return 0;
        g->len = 0; /* the decoder keeps its own state across pieces */
        r = receive(g, &code);
        if (r < 0)
            return code;
        if (r == 0)
            return cut_short(g);
        g->len = (size_t)r;
    }
}

/* ---- one exchange ---------------------------------------------------------------------- */

static bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void show_head(const struct get *g, const struct http_response *r)
{
    if (!g->verbose)
        return;
    fprintf(stderr, "< HTTP/%d.%d %d %s\n", r->major, r->minor, r->status, r->reason);
    for (unsigned i = 0; i < r->nfields; i++)
        fprintf(stderr, "< %s: %s\n", r->fields[i].name, r->fields[i].value);
}

/* Drop the first n bytes of buf (a head we are done with). */
static void consume(struct get *g, size_t n)
{
    memmove(g->buf, g->buf + n, g->len - n);
    g->len -= n;
}

/* Read the response head (skipping 1xx interim responses) into resp.
 * resp points into buf[0, *head_len): the caller consumes those bytes
 * once it is done with resp. */
static int read_head(struct get *g, struct http_response *resp, size_t *head_len)
{
    int code;

    for (;;) {
        ssize_t head = http_parse_response(g->buf, g->len, resp), r;

        if (head < 0) {
            fprintf(stderr, "glass-get: %s port %u sent a reply that is not HTTP/1.x\n",
                    g->url.host, g->url.port);
            return EXIT_WEIRD_REPLY;
        }
        if (head > 0) {
            show_head(g, resp);
            if (resp->status >= 200) {
                *head_len = (size_t)head;
                return 0;
            }
            consume(g, (size_t)head);
            continue; /* RFC 9110 15.2: 1xx is interim; the real answer follows */
        }
        r = receive(g, &code);
        if (r < 0)
            return code;
        if (r == 0) {
            fprintf(stderr, "glass-get: %s port %u closed the connection without a %s\n",
                    g->url.host, g->url.port, g->len ? "whole reply" : "reply");
            return g->len ? EXIT_WEIRD_REPLY : EXIT_EMPTY_REPLY;
        }
        g->len += (size_t)r;
    }
}

/* One GET of g->url.  Returns an exit status; 0 and *next filled with the
 * URL to go to on a redirect (next->host[0] != 0). */
static int exchange(struct get *g, struct http_url *next)
{
    struct http_response resp;
    enum http_framing framing;
    size_t head_len = 0;
    uint32_t addr;
    int code;

    next->host[0] = '\0';
    g->len = 0;
    if ((code = resolve(g, &addr)) || (code = connect_to(g, addr)) || (code = send_request(g)) ||
        (code = read_head(g, &resp, &head_len)))
        return code;
    if (is_redirect(resp.status) && http_field_get(resp.fields, resp.nfields, "Location")) {
        char err[128];

        if (http_resolve_location(&g->url, http_field_get(resp.fields, resp.nfields, "Location"),
                                  next, err, sizeof(err)) < 0) {
            fprintf(stderr, "glass-get: cannot follow the redirect: %s\n", err);
            return EXIT_WEIRD_REPLY;
        }
        return 0;
    }
    if (resp.status >= 400) {
        fprintf(stderr, "glass-get: HTTP %d %s\n", resp.status,
                resp.reason[0] ? resp.reason : http_reason(resp.status));
        return EXIT_HTTP_ERROR;
    }
    if ((code = open_output(g)))
        return code;
    g->start = g->last_bar = now_mono();
    g->got = g->expect = 0;
    framing = http_body_framing(&resp, false, &g->expect);
    consume(g, head_len); /* resp is not used past this point */
    switch (framing) {
    case HTTP_BODY_NONE:
        code = 0;
        break;
    case HTTP_BODY_LENGTH:
        code = g->expect ? body_plain(g, false) : 0;
        break;
    case HTTP_BODY_CHUNKED:
        code = body_chunked(g);
        break;
    case HTTP_BODY_CLOSE:
        code = body_plain(g, true);
        break;
    default:
        fprintf(stderr, "glass-get: the reply has an invalid Content-Length\n");
        return EXIT_WEIRD_REPLY;
    }
    if (!code)
        progress(g, true);
    return code;
}

static int fetch(struct get *g)
{
    for (int redirects = 0;; redirects++) {
        struct http_url next;
        int code = exchange(g, &next);

        if (g->fd >= 0) {
            glass_close(g->fd);
            g->fd = -1;
        }
        if (code || !next.host[0])
            return code;
        if (redirects == GET_MAX_REDIRECTS) {
            fprintf(stderr, "glass-get: more than %d redirects, giving up\n", GET_MAX_REDIRECTS);
            return EXIT_REDIRECTS;
        }
        if (g->verbose) {
            char u[HTTP_MAX_REQUEST_LINE + 300];
            http_url_format(&next, u, sizeof(u));
            fprintf(stderr, "* redirected to %s\n", u);
        }
        g->url = next;
    }
}

/* ---- main ----------------------------------------------------------------------------- */

/* Flush and close the output; a failed body leaves no half file behind. */
static int finish_output(struct get *g, int code)
{
    if (!g->out)
        return code;
    if (g->out == stdout) {
        if (fflush(stdout) != 0 && !code) {
            fprintf(stderr, "glass-get: writing stdout: %s\n", strerror(errno));
            code = EXIT_WRITE;
        }
        return code;
    }
    if (fclose(g->out) != 0 && !code) {
        fprintf(stderr, "glass-get: writing %s: %s\n", g->output, strerror(errno));
        code = EXIT_WRITE;
    }
    g->out = NULL;
    if (code) {
        unlink(g->output);
        fprintf(stderr, "glass-get: removed the incomplete %s\n", g->output);
    }
    return code;
}

int main(int argc, char **argv)
{
    static struct get g; /* static: the buffer stays off the stack */
    struct glass_app app = {
        .prog = "glass-get",
        .synopsis = "[-o FILE] [-w SECS] [-q] [-v] [--dns ADDR] [OPTION]... URL",
        .summary = "Fetch a URL over HTTP/1.1 from a glass stack.",
        .options = get_options,
        .on_option = on_option,
        .ctx = &g,
        .notes = get_notes,
        .resolves = true,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN];
    int code;

    g.timeout = GET_DEFAULT_TIMEOUT;
    g.fd = -1;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    if (opts.argc < 1)
        glass_app_usage_error(&app, "missing URL, expected e.g. http://10.0.0.1:8000/ (see --help)");
    if (opts.argc > 1)
        glass_app_usage_error(&app, "extra operand '%s' after the URL (see --help)", opts.argv[1]);
    g.url_arg = opts.argv[0];
    if (http_parse_url(g.url_arg, &g.url, err, sizeof(err)) < 0)
        glass_app_usage_error(&app, "%s: %s", g.url_arg, err);
    g.progress = !g.quiet && isatty(STDERR_FILENO);
    glass_app_catch_signals();
    g.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!g.stack) {
        fprintf(stderr, "glass-get: %s\n", err);
        return 1;
    }
    g.dns = glass_app_dns_server(g.stack, &opts);
    if (glass_app_start_stack(g.stack) < 0) {
        fprintf(stderr, "glass-get: cannot start the stack thread: %s\n", strerror(errno));
        code = 1;
    } else {
        code = fetch(&g);
        if (glass_app_stop_signal && code == 130)
            fprintf(stderr, "glass-get: interrupted\n");
        if (g.fd >= 0) {
            /* Closed while the stack runs, so our FIN goes out. */
            glass_close(g.fd);
            g.fd = -1;
            glass_stack_drain(g.stack, 1000);
        }
        glass_stack_stop(g.stack);
    }
    code = finish_output(&g, code);
    if (g.fd >= 0)
        glass_close(g.fd);
    glass_capture_close(g.stack);
    if (glass_stack_free(g.stack) < 0 && !code)
        code = 1; /* a leak is a bug: let tests see it */
    return code;
}
