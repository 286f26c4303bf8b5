/*
 * glass-traceroute - print the route IPv4 datagrams take from a glass stack
 * to DEST, the way traceroute(8) does with its default UDP probes:
 *
 *   traceroute to 10.0.2.2 (10.0.2.2), 30 hops max, 60 byte packets
 *    1  10.0.1.1  0.213 ms  0.187 ms  0.176 ms
 *    2  10.0.2.2  0.402 ms  0.351 ms  0.347 ms
 *
 * How it works (Van Jacobson's traceroute, RFC 1393's "traditional"
 * method): a UDP datagram to an unlikely port (33434 upward, one port per
 * probe) leaves with TTL 1, 2, 3, ...  The router where the TTL runs out
 * drops it and answers ICMP Time Exceeded (RFC 792; RFC 1812 5.3.1); the
 * destination, where no one listens on the port, answers ICMP Port
 * Unreachable (RFC 1122 4.1.3.1), which ends the trace.  Both errors quote
 * our datagram's IP header and UDP ports (RFC 792), which is how a reply
 * is matched to its probe; glass hands them to the ICMP listener
 * (glass_icmp_set_listener).  Probes go one at a time: each waits up to
 * -w seconds and prints '*' when nothing came back.
 *
 * One thread: we drive the stack with glass_stack_poll, and the ICMP
 * listener runs inside that call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "glass.h"
#include "util.h"

#define TR_DEFAULT_PORT 33434        /* traceroute's base port */
#define TR_DEFAULT_MAX_TTL 30
#define TR_DEFAULT_NPROBES 3
#define TR_MAX_NPROBES 10            /* as traceroute(8) */
#define TR_DEFAULT_WAIT (5 * GLASS_USEC_PER_SEC)
#define TR_MAX_WAIT_SECONDS 60.0
#define TR_HEADERS 28                /* IPv4 (20) + UDP (8) */
#define TR_DEFAULT_PACKETLEN 60      /* traceroute(8): 32 bytes of data */
#define TR_MAX_PACKETLEN 65535
#define TR_POLL_MS 100               /* bound on noticing a signal late */
#define TR_DNS_TYPE_PTR 12           /* RFC 1035 3.2.2 */

#define ICMP_TYPE_DEST_UNREACH 3
#define ICMP_TYPE_TIME_EXCEEDED 11
#define ICMP_CODE_PORT_UNREACH 3

/* What came back for one probe. */
struct probe_result {
    bool answered;
    uint32_t from;
    glass_time_t rtt;
    uint8_t type, code, ttl;
    uint16_t next_hop_mtu;
};

struct tr {
    /* what the user asked for */
    uint32_t dst;
    const char *name;                /* DEST when it is a host name */
    unsigned first_ttl, max_ttl, nprobes;
    unsigned port;                   /* first destination port */
    glass_time_t wait;
    size_t packetlen;                /* IPv4 + UDP + data bytes */
    bool numeric;                    /* -n: no reverse lookups */
    FILE *out;

    struct glass_stack *stack;
    uint32_t dns;                    /* the DNS server (glass_app_dns_server) */
    int fd;                          /* the UDP socket the probes leave from */
    uint16_t sport;                  /* its port (host order) */
    uint8_t *data;

    /* the probe in flight */
    uint16_t probe_dport;            /* 0: none */
    glass_time_t probe_sent;
    struct probe_result *result;
    bool reverse_dns_broken;         /* a PTR query timed out: stop asking */
};

/* ---- options ------------------------------------------------------------ */

enum {
    KEY_FIRST = 'f',
    KEY_MAX = 'm',
    KEY_NUMERIC = 'n',
    KEY_PORT = 'p',
    KEY_QUERIES = 'q',
    KEY_WAIT = 'w',
};

static const struct glass_app_option tr_options[] = {
    {"first", KEY_FIRST, "FIRST_TTL", "start from hop FIRST_TTL (default 1)"},
    {"max-hops", KEY_MAX, "MAX_TTL", "give up after MAX_TTL hops (default 30, max 255)"},
    {NULL, KEY_NUMERIC, NULL, "print hop addresses numerically, without reverse lookups"},
    {"port", KEY_PORT, "PORT", "destination port of the first probe, one more per\n"
                               "probe (default 33434)"},
    {"queries", KEY_QUERIES, "NQUERIES", "probes per hop (default 3, max 10)"},
    {"wait", KEY_WAIT, "SECONDS", "wait up to SECONDS for each probe's answer (default 5)"},
    {0},
};

/* Decimal digits only, min <= value <= max. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
    unsigned long v;

    if (glass_app_parse_ulong(s, max, &v) < 0 || v < min)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct tr *t = ctx;
    double v;

    switch (key) {
    case KEY_FIRST:
        if (parse_uint(arg, 1, 255, &t->first_ttl) == 0)
            return 0;
        snprintf(err, errlen, "-f '%s': bad first hop, expected an integer 1..255", arg);
        return -1;
    case KEY_MAX:
        if (parse_uint(arg, 1, 255, &t->max_ttl) == 0)
            return 0;
        snprintf(err, errlen, "-m '%s': bad max hops, expected an integer 1..255", arg);
        return -1;
    case KEY_NUMERIC:
        t->numeric = true;
        return 0;
    case KEY_PORT:
        if (parse_uint(arg, 1, 65535, &t->port) == 0)
            return 0;
        snprintf(err, errlen, "-p '%s': bad port, expected an integer 1..65535", arg);
        return -1;
    case KEY_QUERIES:
        if (parse_uint(arg, 1, TR_MAX_NPROBES, &t->nprobes) == 0)
            return 0;
        snprintf(err, errlen, "-q '%s': bad number of probes, expected an integer 1..%d", arg,
                 TR_MAX_NPROBES);
        return -1;
    case KEY_WAIT:
        if (glass_app_parse_seconds(arg, 0, TR_MAX_WAIT_SECONDS, &v) == 0 && v > 0) {
            t->wait = glass_app_usec(v);
            if (t->wait == 0)
                t->wait = 1;
            return 0;
        }
        snprintf(err, errlen, "-w '%s': bad wait, expected SECONDS > 0 and <= %g", arg,
                 TR_MAX_WAIT_SECONDS);
        return -1;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char tr_notes[] =
    "DEST is a dotted IPv4 address or a host name, looked up (A) with the glass\n"
    "resolver from the --dns server (also for reverse lookups).  PACKETLEN is\n"
    "the probe's IPv4 total length, 28..65535 (default 60: 32 bytes of UDP data);\n"
    "a probe larger than the path MTU leaves in fragments.\n"
    "Each line is one hop: its TTL, the address that answered (and its name\n"
    "from a reverse lookup unless -n), and each probe's round trip time, or\n"
    "'*' when no answer came within -w.  Marks after a time, as traceroute(8):\n"
    "!H host, !N net, !P protocol unreachable, !F-MTU fragmentation needed,\n"
    "!S source route failed, !X administratively prohibited, !<N> another\n"
    "unreachable code N, ! the destination answered with a TTL of 1 or less.\n"
    "The trace ends at the hop where the destination answers port unreachable,\n"
    "where every probe (but one) met another unreachable, or at MAX_TTL.\n"
    "Exit status: 0 when DEST answered, 1 when it did not (or a send failed),\n"
    "2 on a usage error.  With --pcap -, the report goes to stderr so the\n"
    "capture alone flows through stdout.\n";

static void parse_operands(const struct glass_app *app, const struct glass_app_opts *opts,
                           struct tr *t)
{
    if (opts->argc < 1)
        glass_app_usage_error(app, "missing DEST, expected an IPv4 address such as 10.0.0.1 "
                              "(see --help)");
    if (opts->argc > 2)
        glass_app_usage_error(app, "extra operand '%s' after PACKETLEN '%s' (see --help)",
                              opts->argv[2], opts->argv[1]);
    if (opts->argc == 2) {
        unsigned len;
        if (parse_uint(opts->argv[1], TR_HEADERS, TR_MAX_PACKETLEN, &len) < 0)
            glass_app_usage_error(app, "'%s': bad PACKETLEN, expected an integer %d..%d",
                                  opts->argv[1], TR_HEADERS, TR_MAX_PACKETLEN);
        t->packetlen = len;
    }
    if (ip4_parse(opts->argv[0], &t->dst) < 0) {
        t->name = opts->argv[0]; /* a host name: resolved once the stack is up */
        return;
    }
    if (ip4_is_zeronet(t->dst) || ip4_is_multicast(t->dst) || ip4_is_limited_broadcast(t->dst))
        glass_app_usage_error(app, "%s: not a unicast address, expected a host to trace",
                              opts->argv[0]);
}

/* ---- what comes back ------------------------------------------------------- */

/* Called in stack context from inside glass_stack_poll (our own thread):
 * an ICMP error quoting the probe in flight (our port, its port, DEST). */
static void on_icmp(void *arg, const struct glass_icmp_event *ev)
{
    struct tr *t = arg;
    struct probe_result *r = t->result;

    if (ev->proto != IPPROTO_UDP || !t->probe_dport || !r || r->answered)
        return;
    if (ev->sport != t->sport || ev->dport != t->probe_dport || ev->orig_dst != t->dst)
        return; /* another probe's (a late one), or someone else's datagram */
    if (ev->type != ICMP_TYPE_TIME_EXCEEDED && ev->type != ICMP_TYPE_DEST_UNREACH)
        return;
    r->answered = true;
    r->from = ev->from;
    r->type = ev->type;
    r->code = ev->code;
    r->ttl = ev->ttl;
    r->next_hop_mtu = ev->next_hop_mtu;
    glass_time_t now = glass_stack_now(t->stack);
    r->rtt = now > t->probe_sent ? now - t->probe_sent : 0;
}

/* The mark traceroute(8) prints after the time; "" for none. */
static const char *probe_mark(const struct probe_result *r, char *buf, size_t len)
{
    if (r->type != ICMP_TYPE_DEST_UNREACH)
        return "";
    switch (r->code) {
    case ICMP_CODE_PORT_UNREACH:
        /* RFC 1812 5.3.1 hosts answer with a fresh TTL; 1 or less means the
         * destination sent its error with our (copied) TTL: a broken stack. */
        return r->ttl <= 1 ? " !" : "";
    case 0: return " !N";
    case 1: return " !H";
    case 2: return " !P";
    case 4:
        snprintf(buf, len, " !F-%u", r->next_hop_mtu);
        return buf;
    case 5: return " !S";
    case 13: return " !X";
    default:
        snprintf(buf, len, " !<%u>", r->code);
        return buf;
    }
}

/* RFC 1035 3.5: 10.0.0.1 -> "1.0.0.10.in-addr.arpa", asked for PTR. */
static bool reverse_name(struct tr *t, uint32_t addr, char *name, size_t len)
{
    static struct glass_dns_answer ans; /* 64 KiB: off the stack */
    const uint8_t *b = (const uint8_t *)&addr;
    char q[32];
    struct glass_resolve_opts o = {.qtype = TR_DNS_TYPE_PTR, .tries = 1, .timeout_ms = 1000};

    if (t->numeric || t->reverse_dns_broken)
        return false;
    snprintf(q, sizeof q, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
    int rc = glass_resolve(t->stack, q, t->dns, &ans, &o);
    if (rc == GLASS_RESOLVE_TIMEOUT || rc == GLASS_RESOLVE_UNREACHABLE ||
        rc == GLASS_RESOLVE_SYSTEM) {
        /* No server to ask: one wait is enough, the other hops go numeric. */
        t->reverse_dns_broken = true;
        return false;
    }
    if (rc != GLASS_RESOLVE_OK)
        return false;
    for (unsigned i = 0; i < ans.nrecords; i++) {
        if (ans.records[i].type != TR_DNS_TYPE_PTR)
            continue;
        snprintf(name, len, "%s", ans.records[i].data);
        size_t n = strlen(name);
        if (n > 1 && name[n - 1] == '.')
            name[n - 1] = '\0'; /* as traceroute prints it: no root dot */
        return true;
    }
    return false;
}

static void print_host(struct tr *t, uint32_t addr)
{
    char name[GLASS_DNS_STRLEN];

    if (t->numeric)
        fprintf(t->out, " %s", ip4s(addr).s);
    else if (reverse_name(t, addr, name, sizeof name))
        fprintf(t->out, " %s (%s)", name, ip4s(addr).s);
    else
        fprintf(t->out, " %s (%s)", ip4s(addr).s, ip4s(addr).s);
}

/* ---- sending ---------------------------------------------------------------- */

static int open_socket(struct tr *t)
{
    struct sockaddr_in any = {.sin_family = AF_INET};
    socklen_t len = sizeof any;

    t->fd = glass_socket(t->stack, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (t->fd < 0)
        return -1;
    /* An ephemeral port of our own: the source port errors are matched by. */
    if (glass_bind(t->fd, (struct sockaddr *)&any, sizeof any) < 0 ||
        glass_getsockname(t->fd, (struct sockaddr *)&any, &len) < 0)
        return -1;
    t->sport = ntohs(any.sin_port);
    return 0;
}

/* Send one probe with `ttl` to port dport and wait for its answer. */
static int probe(struct tr *t, unsigned ttl, uint16_t dport, struct probe_result *r)
{
    int v = (int)ttl;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(dport)};

    memset(r, 0, sizeof(*r));
    to.sin_addr.s_addr = t->dst;
    if (glass_setsockopt(t->fd, IPPROTO_IP, IP_TTL, &v, sizeof v) < 0)
        return -1;
    t->result = r;
    t->probe_dport = dport;
    t->probe_sent = glass_stack_now(t->stack);
    if (glass_sendto(t->fd, t->data, t->packetlen - TR_HEADERS, 0, (struct sockaddr *)&to,
                     sizeof to) < 0) {
        t->probe_dport = 0;
        return -1;
    }
    glass_time_t deadline = t->probe_sent + t->wait;
    while (!r->answered && !glass_app_stop_signal) {
        glass_time_t now = glass_stack_now(t->stack);
        if (now >= deadline)
            break;
        glass_time_t ms = (deadline - now + 999) / 1000;
        if (glass_stack_poll(t->stack, ms > TR_POLL_MS ? TR_POLL_MS : (int)ms) < 0 &&
            errno != EINTR) {
            t->probe_dport = 0;
            return -1;
        }
    }
    t->probe_dport = 0;
    t->result = NULL;
    return 0;
}

/* One line: " 3  10.0.2.2  0.402 ms  0.351 ms *".  Returns 1 when the
 * trace is over (destination reached, or unreachable), 0 to go on, -1 on
 * a failed send. */
static int trace_hop(struct tr *t, unsigned ttl, unsigned *next_port)
{
    struct probe_result r;
    uint32_t last = 0;
    bool got_there = false, printed_any = false;
    unsigned unreachable = 0;
    char mark[24];

    fprintf(t->out, "%2u ", ttl);
    fflush(t->out);
    for (unsigned i = 0; i < t->nprobes && !glass_app_stop_signal; i++) {
        uint16_t dport = (uint16_t)*next_port;
        *next_port = *next_port >= 65535 ? t->port : *next_port + 1; /* wrap, as ports do */
        if (probe(t, ttl, dport, &r) < 0) {
            int e = errno;
            fprintf(t->out, "\n");
            fprintf(stderr, "glass-traceroute: send to %s port %u: %s\n", ip4s(t->dst).s, dport,
                    strerror(e));
            return -1;
        }
        if (!r.answered) {
            fprintf(t->out, " *");
            fflush(t->out);
            continue;
        }
        if (!printed_any || r.from != last) {
            print_host(t, r.from);
            last = r.from;
            printed_any = true;
        }
        fprintf(t->out, "  %lu.%03lu ms%s", (unsigned long)(r.rtt / 1000),
                (unsigned long)(r.rtt % 1000), probe_mark(&r, mark, sizeof mark));
        fflush(t->out);
        if (r.type == ICMP_TYPE_DEST_UNREACH) {
            if (r.code == ICMP_CODE_PORT_UNREACH)
                got_there = true;
            else
                unreachable++;
        }
    }
    fprintf(t->out, "\n");
    fflush(t->out);
    /* traceroute(8): stop once the destination answered, or when (all but
     * at most one of) the probes met an unreachable other than the port. */
    if (got_there)
        return 1;
    if (unreachable > 0 && unreachable + 1 >= t->nprobes)
        return 2;
    return 0;
}

static int run(struct tr *t)
{
    unsigned port = t->port;

    for (unsigned ttl = t->first_ttl; ttl <= t->max_ttl && !glass_app_stop_signal; ttl++) {
        int rc = trace_hop(t, ttl, &port);
        if (rc < 0)
            return 1;
        if (rc == 1)
            return 0;
        if (rc == 2)
            return 1;
    }
    return 1;
}

int main(int argc, char **argv)
{
    static struct tr t;
    struct glass_app app = {
        .prog = "glass-traceroute",
        .synopsis = "[-n] [-f FIRST_TTL] [-m MAX_TTL] [-p PORT] [-q NQUERIES] [-w SECONDS]\n"
                    "       [OPTION]... DEST [PACKETLEN]",
        .summary = "Print the route IPv4 datagrams take from a glass stack to DEST, like\n"
                   "traceroute(8): UDP probes with growing TTL, each answered by ICMP time\n"
                   "exceeded from a router on the way or port unreachable from DEST.",
        .options = tr_options,
        .on_option = on_option,
        .ctx = &t,
        .notes = tr_notes,
        .resolves = true,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN];
    int status;

    t.first_ttl = 1;
    t.max_ttl = TR_DEFAULT_MAX_TTL;
    t.nprobes = TR_DEFAULT_NPROBES;
    t.port = TR_DEFAULT_PORT;
    t.wait = TR_DEFAULT_WAIT;
    t.packetlen = TR_DEFAULT_PACKETLEN;
    t.fd = -1;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    parse_operands(&app, &opts, &t);
    if (t.first_ttl > t.max_ttl)
        glass_app_usage_error(&app, "-f %u is beyond -m %u: the first hop must not be past "
                              "the last", t.first_ttl, t.max_ttl);
    t.out = opts.pcap && strcmp(opts.pcap, "-") == 0 ? stderr : stdout;
    t.data = calloc(1, t.packetlen - TR_HEADERS + 1);
    if (!t.data) {
        fprintf(stderr, "glass-traceroute: out of memory\n");
        return 1;
    }
    /* traceroute(8)'s data: the bytes 0x40, 0x41, ... */
    for (size_t i = 0; i < t.packetlen - TR_HEADERS; i++)
        t.data[i] = (uint8_t)(0x40 + i);

    glass_app_catch_signals();
    t.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!t.stack) {
        fprintf(stderr, "glass-traceroute: %s\n", err);
        free(t.data);
        return 1;
    }
    t.dns = glass_app_dns_server(t.stack, &opts);
    if (t.name) {
        int r = glass_resolve_ipv4(t.stack, t.name, t.dns, &t.dst);
        if (r != 0) {
            fprintf(stderr, "glass-traceroute: %s: %s\n", t.name, glass_resolve_strerror(r));
            glass_app_shut_down(t.stack);
            free(t.data);
            return 2;
        }
    }
    if (open_socket(&t) < 0) {
        fprintf(stderr, "glass-traceroute: UDP socket: %s\n", strerror(errno));
        if (t.fd >= 0)
            glass_close(t.fd);
        glass_app_shut_down(t.stack);
        free(t.data);
        return 1;
    }
    glass_icmp_set_listener(t.stack, on_icmp, &t);
    fprintf(t.out, "traceroute to %s (%s), %u hops max, %zu byte packets\n",
            t.name ? t.name : ip4s(t.dst).s, ip4s(t.dst).s, t.max_ttl, t.packetlen);
    fflush(t.out);

    status = run(&t);

    glass_icmp_set_listener(t.stack, NULL, NULL);
    glass_close(t.fd);
    glass_app_shut_down(t.stack);
    free(t.data);
    return glass_app_stop_signal ? 1 : status;
}
