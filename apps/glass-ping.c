/*
 * glass-ping - send ICMP echo requests (RFC 792) from a glass stack and
 * report the replies in the style of iputils ping:
 *
 *   PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.
 *   64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.123 ms
 *
 *   --- 10.0.0.1 ping statistics ---
 *   1 packets transmitted, 1 received, 0% packet loss, time 0ms
 *   rtt min/avg/max/mdev = 0.123/0.123/0.123/0.000 ms
 *
 * Like ping, the echo data starts with the time of sending (8 bytes, the
 * stack clock in microseconds, big-endian) followed by the byte pattern
 * 0x08 0x09 0x0a ...  (byte i of the data holds i & 0xff), so the round
 * trip time is read from the reply itself and a corrupted reply shows.
 * The identifier is our pid & 0xffff, sequence numbers start at 1.
 *
 * One thread: we drive the stack with glass_stack_poll, and the ICMP
 * listener runs inside that call.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "glass.h"
#include "util.h"

#define PING_DEFAULT_SIZE 56
#define PING_MAX_SIZE 65507          /* 65535 - 20 (IPv4) - 8 (ICMP) */
#define PING_TIMESTAMP_LEN 8
#define PING_MIN_INTERVAL 0.001      /* seconds */
#define PING_MAX_SECONDS 2147483.0   /* keeps microseconds well inside 64 bits */
#define PING_MAX_COUNT 2147483647UL
#define PING_POLL_MS 100             /* bound on noticing a signal late */

#define ICMP_TYPE_ECHO_REPLY 0
#define ICMP_TYPE_DEST_UNREACH 3
#define ICMP_TYPE_SOURCE_QUENCH 4
#define ICMP_TYPE_REDIRECT 5
#define ICMP_TYPE_TIME_EXCEEDED 11
#define ICMP_TYPE_PARAMETER_PROBLEM 12

struct ping {
    /* what the user asked for */
    uint32_t dst;
    const char *name;                /* DEST when it is a host name */
    unsigned long count;             /* 0: until interrupted */
    glass_time_t interval;           /* microseconds between requests */
    size_t size;                     /* echo data bytes (-s) */
    glass_time_t linger;             /* -W: wait for replies after the last send */
    unsigned ttl;                    /* -t: 0 = the stack's default (64) */
    bool df;                         /* -M do: Don't Fragment, never fragment locally */
    bool quiet;
    FILE *out;

    struct glass_stack *stack;
    uint16_t id;
    uint8_t *data;                   /* the echo data we send */

    /* progress, named as in iputils */
    unsigned long ntransmitted, nreceived, nrepeats, nerrors;
    glass_time_t start, last_send, next_send;
    bool timing;                     /* data long enough to carry a timestamp */
    unsigned long ntimed;            /* replies (duplicates too) with an RTT */
    glass_time_t tmin, tmax;
    uint64_t tsum, tsum2;            /* microseconds, microseconds^2 */
    bool bad_data_reported;
    uint8_t acked[65536 / 8];        /* which sequence numbers got a reply */
};

/* ---- options ------------------------------------------------------------ */

enum {
    KEY_COUNT = 'c',
    KEY_INTERVAL = 'i',
    KEY_SIZE = 's',
    KEY_TIMEOUT = 'W',
    KEY_QUIET = 'q',
    KEY_TTL = 't',
    KEY_PMTUDISC = 'M',
};

static const struct glass_app_option ping_options[] = {
    {"count", KEY_COUNT, "COUNT", "stop after sending COUNT requests (and their replies)"},
    {"interval", KEY_INTERVAL, "SECONDS", "wait SECONDS between requests (default 1, min 0.001)"},
    {"size", KEY_SIZE, "SIZE", "send SIZE data bytes (default 56, max 65507)"},
    {"timeout", KEY_TIMEOUT, "TIMEOUT",
     "with -c: after the last request wait up to TIMEOUT\nseconds for replies (default 10)"},
    {"quiet", KEY_QUIET, NULL, "print only the first line and the summary"},
    {"ttl", KEY_TTL, "TTL", "send with IPv4 time to live TTL, 1..255 (default 64)"},
    {"pmtudisc", KEY_PMTUDISC, "do|dont",
     "do: set Don't Fragment (RFC 791), never fragment: a\n"
     "request over the path MTU fails locally (\"message too\n"
     "long\"); dont: DF clear, fragment to fit (default)"},
    {0},
};

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct ping *p = ctx;
    unsigned long v;
    double secs;

    switch (key) {
    case KEY_COUNT:
        if (glass_app_parse_ulong(arg, PING_MAX_COUNT, &v) == 0 && v >= 1) {
            p->count = v;
            return 0;
        }
        snprintf(err, errlen, "-c '%s': bad count, expected an integer 1..%lu", arg,
                 PING_MAX_COUNT);
        return -1;
    case KEY_INTERVAL:
        if (glass_app_parse_seconds(arg, PING_MIN_INTERVAL, PING_MAX_SECONDS, &secs) == 0) {
            p->interval = glass_app_usec(secs);
            return 0;
        }
        snprintf(err, errlen, "-i '%s': bad interval, expected SECONDS >= 0.001", arg);
        return -1;
    case KEY_SIZE:
        if (glass_app_parse_ulong(arg, PING_MAX_SIZE, &v) == 0) {
            p->size = v;
            return 0;
        }
        snprintf(err, errlen, "-s '%s': bad size, expected 0..%d data bytes", arg,
                 PING_MAX_SIZE);
        return -1;
    case KEY_TIMEOUT:
        if (glass_app_parse_seconds(arg, 0, PING_MAX_SECONDS, &secs) == 0) {
            p->linger = glass_app_usec(secs);
            return 0;
        }
        snprintf(err, errlen, "-W '%s': bad timeout, expected SECONDS >= 0", arg);
        return -1;
    case KEY_QUIET:
        p->quiet = true;
        return 0;
    case KEY_TTL:
        if (glass_app_parse_ulong(arg, 255, &v) == 0 && v >= 1) {
            p->ttl = (unsigned)v;
            return 0;
        }
        snprintf(err, errlen, "-t '%s': bad ttl, expected an integer 1..255", arg);
        return -1;
    case KEY_PMTUDISC:
        /* ping(8)'s -M; "want" (DF set, but fragment what does not fit)
         * is not offered: glass does not fragment a datagram with DF. */
        if (strcmp(arg, "do") == 0 || strcmp(arg, "dont") == 0) {
            p->df = strcmp(arg, "do") == 0;
            return 0;
        }
        snprintf(err, errlen, "-M '%s': bad path MTU discovery hint, expected do or dont", arg);
        return -1;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char ping_notes[] =
    "DEST is a dotted IPv4 address or a host name, looked up (A) with the glass\n"
    "resolver from the --dns server (default: a DHCP lease's, else the gateway).\n"
    "Exit status: 0 when at least one reply came back, 1 when none did,\n"
    "2 on a usage error.  With --pcap -, the report goes to stderr so the\n"
    "capture alone flows through stdout.\n";

static int parse_dest(const struct glass_app *app, const struct glass_app_opts *opts,
                      uint32_t *dst)
{
    if (opts->argc < 1)
        glass_app_usage_error(app, "missing DEST, expected an IPv4 address such as 10.0.0.1 "
                              "(see --help)");
    if (opts->argc > 1)
        glass_app_usage_error(app, "extra operand '%s' after DEST '%s' (see --help)",
                              opts->argv[1], opts->argv[0]);
    if (ip4_parse(opts->argv[0], dst) < 0)
        return 1; /* a host name: resolved once the stack is up */
    if (ip4_is_zeronet(*dst) || ip4_is_multicast(*dst) || ip4_is_limited_broadcast(*dst))
        glass_app_usage_error(app, "%s: not a unicast address, expected a host to ping",
                              opts->argv[0]);
    return 0;
}

/* ---- statistics (the arithmetic of iputils) --------------------------------- */

static bool acked_test(const struct ping *p, uint16_t seq)
{
    return p->acked[seq >> 3] & (1u << (seq & 7));
}

static void acked_set(struct ping *p, uint16_t seq, bool on)
{
    if (on)
        p->acked[seq >> 3] |= (uint8_t)(1u << (seq & 7));
    else
        p->acked[seq >> 3] &= (uint8_t)~(1u << (seq & 7));
}

static void rtt_record(struct ping *p, glass_time_t rtt)
{
    if (++p->ntimed == 1 || rtt < p->tmin)
        p->tmin = rtt;
    if (rtt > p->tmax)
        p->tmax = rtt;
    p->tsum += rtt;
    p->tsum2 += rtt * rtt;
}

/* Integer square root (no libm needed), as iputils' llsqrt. */
static uint64_t isqrt(uint64_t a)
{
    uint64_t x = a, prev = 0;

    if (a < 2)
        return a;
    x = a / 2 + 1;
    while (x != prev && x * x > a) {
        prev = x;
        x = (x + a / x) / 2;
    }
    while (x * x > a)
        x--;
    return x;
}

/* Microseconds as milliseconds with 3 decimals, the way ping prints them. */
static void print_ms3(FILE *out, uint64_t us)
{
    fprintf(out, "%lu.%03lu", (unsigned long)(us / 1000), (unsigned long)(us % 1000));
}

/* ping's precision for one reply: fewer decimals as the time grows. */
static void print_time(FILE *out, glass_time_t us)
{
    if (us >= 100000 - 50)
        fprintf(out, " time=%lu ms", (unsigned long)((us + 500) / 1000));
    else if (us >= 10000 - 5)
        fprintf(out, " time=%lu.%01lu ms", (unsigned long)((us + 50) / 1000),
                (unsigned long)(((us + 50) % 1000) / 100));
    else if (us >= 1000)
        fprintf(out, " time=%lu.%02lu ms", (unsigned long)((us + 5) / 1000),
                (unsigned long)(((us + 5) % 1000) / 10));
    else
        fprintf(out, " time=%lu.%03lu ms", (unsigned long)(us / 1000),
                (unsigned long)(us % 1000));
}

static void print_summary(const struct ping *p)
{
    unsigned long n = p->ntimed;
    glass_time_t elapsed = glass_stack_now(p->stack) - p->start;

    fprintf(p->out, "\n--- %s ping statistics ---\n", ip4s(p->dst).s);
    fprintf(p->out, "%lu packets transmitted, %lu received", p->ntransmitted, p->nreceived);
    if (p->nrepeats)
        fprintf(p->out, ", +%lu duplicates", p->nrepeats);
    if (p->nerrors)
        fprintf(p->out, ", +%lu errors", p->nerrors);
    if (p->ntransmitted)
        fprintf(p->out, ", %g%% packet loss",
                (float)((p->ntransmitted - p->nreceived) * 100.0 / p->ntransmitted));
    fprintf(p->out, ", time %lums\n", (unsigned long)(elapsed / 1000));
    if (p->nreceived && n) {
        uint64_t avg = p->tsum / n;
        uint64_t mean_sq = p->tsum2 / n;
        uint64_t mdev = mean_sq > avg * avg ? isqrt(mean_sq - avg * avg) : 0;

        fprintf(p->out, "rtt min/avg/max/mdev = ");
        print_ms3(p->out, p->tmin);
        fputc('/', p->out);
        print_ms3(p->out, avg);
        fputc('/', p->out);
        print_ms3(p->out, p->tmax);
        fputc('/', p->out);
        print_ms3(p->out, mdev);
        fprintf(p->out, " ms\n");
    }
    fflush(p->out);
}

/* ---- what comes back ---------------------------------------------------------- */

/* RFC 792 and RFC 1122 3.2.2.1 names, worded as iputils prints them. */
static const char *dest_unreach_text(uint8_t code)
{
    static const char *const text[] = {
        "Destination Net Unreachable",
        "Destination Host Unreachable",
        "Destination Protocol Unreachable",
        "Destination Port Unreachable",
        "Frag needed and DF set",
        "Source Route Failed",
        "Destination Net Unknown",
        "Destination Host Unknown",
        "Source Host Isolated",
        "Destination Net Prohibited",
        "Destination Host Prohibited",
        "Destination Net Unreachable for Type of Service",
        "Destination Host Unreachable for Type of Service",
        "Packet filtered",
        "Precedence Violation",
        "Precedence Cutoff",
    };
    return code < GLASS_ARRAY_SIZE(text) ? text[code] : NULL;
}

static void print_error_text(FILE *out, uint8_t type, uint8_t code, unsigned mtu)
{
    const char *t = NULL;

    switch (type) {
    case ICMP_TYPE_DEST_UNREACH:
        t = dest_unreach_text(code);
        if (!t) {
            fprintf(out, "Dest Unreachable, Bad Code: %u", code);
            return;
        }
        if (code == 4) { /* RFC 1191 4: the next-hop MTU, as ping prints it */
            fprintf(out, "%s (mtu = %u)", t, mtu);
            return;
        }
        break;
    case ICMP_TYPE_TIME_EXCEEDED:
        t = code == 0 ? "Time to live exceeded"
            : code == 1 ? "Frag reassembly time exceeded" : NULL;
        if (!t) {
            fprintf(out, "Time exceeded, Bad Code: %u", code);
            return;
        }
        break;
    case ICMP_TYPE_SOURCE_QUENCH:
        t = "Source Quench";
        break;
    case ICMP_TYPE_REDIRECT:
        t = "Redirect";
        break;
    case ICMP_TYPE_PARAMETER_PROBLEM:
        t = "Parameter problem";
        break;
    default:
        fprintf(out, "Bad ICMP type: %u", type);
        return;
    }
    fputs(t, out);
}

/* The data past the timestamp must be our pattern, as ping checks. */
static void check_data(struct ping *p, const struct glass_icmp_event *ev)
{
    size_t start = p->timing ? PING_TIMESTAMP_LEN : 0;

    for (size_t i = start; i < ev->len && i < p->size; i++) {
        if (ev->data[i] != p->data[i]) {
            if (!p->bad_data_reported)
                fprintf(p->out, "wrong data byte #%zu should be 0x%x but was 0x%x\n", i,
                        p->data[i], ev->data[i]);
            p->bad_data_reported = true;
            return;
        }
    }
}

static void on_echo_reply(struct ping *p, const struct glass_icmp_event *ev)
{
    bool dup = acked_test(p, ev->seq);
    bool timed = p->timing && ev->len >= PING_TIMESTAMP_LEN;
    glass_time_t rtt = 0;

    if (dup) {
        p->nrepeats++;
    } else {
        acked_set(p, ev->seq, true);
        p->nreceived++;
    }
    if (timed) {
        glass_time_t sent = (glass_time_t)get_be32(ev->data) << 32 | get_be32(ev->data + 4);
        glass_time_t now = glass_stack_now(p->stack);

        rtt = now > sent ? now - sent : 0;
        rtt_record(p, rtt);
    }
    if (p->quiet)
        return;
    fprintf(p->out, "%zu bytes from %s: icmp_seq=%u ttl=%u", ev->len + 8, ip4s(ev->from).s,
            ev->seq, ev->ttl);
    if (timed)
        print_time(p->out, rtt);
    fprintf(p->out, "%s\n", dup ? " (DUP!)" : "");
    check_data(p, ev);
}

static void on_error(struct ping *p, const struct glass_icmp_event *ev)
{
    p->nerrors++;
    if (p->quiet)
        return;
    fprintf(p->out, "From %s icmp_seq=%u ", ip4s(ev->from).s, ev->seq);
    print_error_text(p->out, ev->type, ev->code, ev->next_hop_mtu);
    fputc('\n', p->out);
}

/* Called in stack context from inside glass_stack_poll (our own thread). */
static void on_icmp(void *arg, const struct glass_icmp_event *ev)
{
    struct ping *p = arg;

    if (ev->type != ICMP_TYPE_ECHO_REPLY && ev->proto != IPPROTO_ICMP)
        return; /* an error about a UDP datagram (a traceroute's) */
    if (ev->id != p->id)
        return; /* another program's echo (or none of ours) */
    if (ev->type == ICMP_TYPE_ECHO_REPLY)
        on_echo_reply(p, ev);
    else
        on_error(p, ev);
    fflush(p->out);
}

/* ---- sending ---------------------------------------------------------------- */

static void fill_pattern(struct ping *p)
{
    for (size_t i = 0; i < p->size; i++)
        p->data[i] = (uint8_t)i;
}

static void send_one(struct ping *p, glass_time_t now)
{
    uint16_t seq = (uint16_t)(p->ntransmitted + 1);

    if (p->timing) {
        put_be32(p->data, (uint32_t)(now >> 32));
        put_be32(p->data + 4, (uint32_t)now);
    }
    acked_set(p, seq, false); /* the sequence number space wraps at 65536 */
    p->ntransmitted++;
    p->last_send = now;
    if (glass_icmp_echo_send_flags(p->stack, p->dst, p->id, seq, p->data, p->size, p->ttl,
                                   p->df ? GLASS_ICMP_DF : 0) == 0)
        return;
    /* A local failure counts as an error, as in ping ("+1 errors"). */
    p->nerrors++;
    if (errno == EMSGSIZE && p->df) {
        /* -M do and larger than the path MTU: ping(8)'s words. */
        fprintf(stderr, "glass-ping: local error: message too long, mtu=%u\n",
                glass_path_mtu(p->stack, p->dst));
        return;
    }
    fprintf(stderr, "glass-ping: send icmp_seq=%u: %s%s\n", seq, strerror(errno),
            errno == EMSGSIZE ? " (over 65507 bytes: use a smaller -s)" : "");
}

static bool sending_done(const struct ping *p)
{
    return p->count && p->ntransmitted >= p->count;
}

/* With -c: every request answered (reply or error), or -W ran out. */
static bool finished(const struct ping *p, glass_time_t now)
{
    if (!sending_done(p))
        return false;
    return p->nreceived + p->nerrors >= p->ntransmitted || now >= p->last_send + p->linger;
}

static int poll_timeout_ms(const struct ping *p, glass_time_t now)
{
    glass_time_t wake = sending_done(p) ? p->last_send + p->linger : p->next_send;
    glass_time_t ms;

    if (wake <= now)
        return 0;
    ms = (wake - now + 999) / 1000;
    return ms > PING_POLL_MS ? PING_POLL_MS : (int)ms;
}

static int run(struct ping *p)
{
    glass_time_t now = glass_stack_now(p->stack);

    p->start = p->next_send = now;
    while (!glass_app_stop_signal && !finished(p, now)) {
        if (!sending_done(p) && now >= p->next_send) {
            send_one(p, now);
            /* Keep the rhythm, but never burst to catch up after a stall. */
            p->next_send += p->interval;
            if (p->next_send < now)
                p->next_send = now + p->interval;
            continue; /* a send that failed at once may have finished us */
        }
        if (glass_stack_poll(p->stack, poll_timeout_ms(p, now)) < 0 && errno != EINTR) {
            fprintf(stderr, "glass-ping: poll: %s\n", strerror(errno));
            return -1;
        }
        now = glass_stack_now(p->stack);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct ping p; /* static: the 8 KiB reply bitmap stays off the stack */
    struct glass_app app = {
        .prog = "glass-ping",
        .synopsis = "[-c COUNT] [-i SECONDS] [-s SIZE] [-t TTL] [-M do|dont] [-W TIMEOUT] [-q]\n"
                    "       [OPTION]... DEST",
        .summary = "Send ICMP echo requests from a glass stack to DEST and report the replies\n"
                   "like iputils ping.",
        .options = ping_options,
        .on_option = on_option,
        .ctx = &p,
        .notes = ping_notes,
        .resolves = true,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN];
    int status;

    p.interval = GLASS_USEC_PER_SEC;
    p.size = PING_DEFAULT_SIZE;
    p.linger = 10 * GLASS_USEC_PER_SEC;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    if (parse_dest(&app, &opts, &p.dst) == 1)
        p.name = opts.argv[0];
    /* The capture owns stdout with --pcap -: the report moves to stderr. */
    p.out = opts.pcap && strcmp(opts.pcap, "-") == 0 ? stderr : stdout;
    setvbuf(p.out, NULL, _IOLBF, 0);
    p.id = (uint16_t)(getpid() & 0xffff);
    p.timing = p.size >= PING_TIMESTAMP_LEN;
    p.data = malloc(p.size ? p.size : 1);
    if (!p.data) {
        fprintf(stderr, "glass-ping: out of memory\n");
        return 1;
    }
    fill_pattern(&p);

    glass_app_catch_signals();
    p.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!p.stack) {
        fprintf(stderr, "glass-ping: %s\n", err);
        free(p.data);
        return 1;
    }
    if (p.name) {
        /* Like ping's getaddrinfo: an A record through the glass resolver. */
        int r = glass_resolve_ipv4(p.stack, p.name, glass_app_dns_server(p.stack, &opts), &p.dst);
        if (r != 0) {
            fprintf(stderr, "glass-ping: %s: %s\n", p.name, glass_resolve_strerror(r));
            glass_app_shut_down(p.stack);
            free(p.data);
            return 2;
        }
    }
    glass_icmp_set_listener(p.stack, on_icmp, &p);
    fprintf(p.out, "PING %s (%s) %zu(%zu) bytes of data.\n", p.name ? p.name : ip4s(p.dst).s,
            ip4s(p.dst).s, p.size, p.size + 28);

    status = run(&p) < 0 ? 1 : 0;
    print_summary(&p);
    if (p.nreceived == 0)
        status = 1;

    glass_icmp_set_listener(p.stack, NULL, NULL);
    glass_app_shut_down(p.stack);
    free(p.data);
    return status;
}
