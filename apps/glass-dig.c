/*
 * glass-dig - ask a DNS server a question from a glass stack and print the
 * answer the way dig does:
 *
 *   ; <<>> glass-dig <<>> www.example.com A @10.0.0.1
 *   ;; ->>HEADER<<- opcode: QUERY, status: NOERROR
 *   ;; flags: qr rd ra; ANSWER: 2
 *
 *   ;; QUESTION SECTION:
 *   ;www.example.com.		IN	A
 *
 *   ;; ANSWER SECTION:
 *   www.example.com.	0	IN	CNAME	host.example.com.
 *   host.example.com.	0	IN	A	10.0.0.5
 *
 *   ;; Query time: 1 msec
 *   ;; SERVER: 10.0.0.1#53(10.0.0.1) (UDP)
 *
 * The work is glass_resolve() (stack/resolver.c): a stub resolver on the
 * glass socket API, with a random id and source port, retries with a
 * growing timeout, and replies checked against the question.  +tcp asks
 * over a TCP connection (RFC 1035 4.2.2, RFC 7766); a UDP answer with TC
 * set is asked again over TCP, and glass-dig says so as dig does
 * (";; Truncated, retrying in TCP mode.").  The program drives the stack
 * from the resolver's blocking calls (no stack thread).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dns.h"
#include "glass.h"
#include "util.h"

/* Exit statuses (see dig_notes). */
#define DIG_EXIT_ANSWER 0
#define DIG_EXIT_NO_ANSWER 1
#define DIG_EXIT_USAGE 2
#define DIG_EXIT_TRUNCATED 3
#define DIG_EXIT_NO_REPLY 9
#define DIG_EXIT_INTERNAL 10

#define DIG_MAX_TRIES 20
#define DIG_MAX_TIME 300

struct dig {
    const char *name;
    uint32_t server;
    bool server_given;
    uint16_t qtype;
    struct glass_resolve_opts ropts;
    FILE *out;
};

enum { KEY_TYPE = 't' };

static const struct glass_app_option dig_options[] = {
    {"type", KEY_TYPE, "TYPE", "query type: A (default), AAAA, MX, TXT or CNAME"},
    {0},
};

static const char dig_notes[] =
    "Operands, as in dig: NAME, @SERVER (an IPv4 address; default: the gateway\n"
    "of --gw), +tcp or +vc (ask over TCP, RFC 7766: one connection per try),\n"
    "+notcp, +tries=N (default 3), +time=SECONDS (first wait, default 1;\n"
    "doubled on each retry; over TCP it bounds connect, query and answer).\n"
    "A UDP answer with the TC flag is asked again over TCP by itself.\n"
    "Exit status: 0 an answer came (NOERROR with records); 1 the server\n"
    "answered without one (NXDOMAIN, no data, SERVFAIL, REFUSED, ...);\n"
    "2 usage error; 3 the answer was truncated (TC) even over TCP; 9 no reply\n"
    "(timeout, ICMP unreachable, TCP connection refused, or closed without an\n"
    "answer), like dig's \"no servers could be reached\"; 10 internal or socket\n"
    "error, or only malformed/mismatched replies came.  Unlike dig, NXDOMAIN\n"
    "exits 1.\n";

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct dig *d = ctx;
    uint16_t t;

    if (key == KEY_TYPE) {
        t = dns_type_parse(arg);
        if (t == DNS_TYPE_A || t == DNS_TYPE_AAAA || t == DNS_TYPE_MX || t == DNS_TYPE_TXT ||
            t == DNS_TYPE_CNAME) {
            d->qtype = t;
            return 0;
        }
        snprintf(err, errlen, "-t '%s': unsupported type, expected A, AAAA, MX, TXT or CNAME",
                 arg);
        return -1;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

/* Decimal 1..max. */
static int parse_small(const char *s, unsigned max, unsigned *out)
{
    unsigned long v;

    if (glass_app_parse_ulong(s, max, &v) < 0 || v < 1)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static void parse_operands(const struct glass_app *app, const struct glass_app_opts *opts,
                           struct dig *d)
{
    const char *why = NULL;
    unsigned v;

    for (int i = 0; i < opts->argc; i++) {
        const char *a = opts->argv[i];
        if (a[0] == '@') {
            if (ip4_parse(a + 1, &d->server) < 0 || ip4_is_zeronet(d->server) ||
                ip4_is_multicast(d->server) || ip4_is_limited_broadcast(d->server))
                glass_app_usage_error(app, "'%s': expected @SERVER with an IPv4 unicast "
                                      "address such as @10.0.0.1", a);
            d->server_given = true;
        } else if (strcmp(a, "+tcp") == 0 || strcmp(a, "+vc") == 0) {
            d->ropts.tcp = 1;
        } else if (strcmp(a, "+notcp") == 0) {
            d->ropts.tcp = 0;
        } else if (strncmp(a, "+tries=", 7) == 0) {
            if (parse_small(a + 7, DIG_MAX_TRIES, &d->ropts.tries) < 0)
                glass_app_usage_error(app, "'%s': expected +tries=N with N 1..%d", a,
                                      DIG_MAX_TRIES);
        } else if (strncmp(a, "+time=", 6) == 0) {
            if (parse_small(a + 6, DIG_MAX_TIME, &v) < 0)
                glass_app_usage_error(app, "'%s': expected +time=SECONDS with 1..%d", a,
                                      DIG_MAX_TIME);
            d->ropts.timeout_ms = v * 1000;
        } else if (a[0] == '+') {
            glass_app_usage_error(app, "'%s': unknown query option (see --help)", a);
        } else if (d->name == NULL) {
            d->name = a;
        } else {
            glass_app_usage_error(app, "extra operand '%s' after NAME '%s' (see --help)", a,
                                  d->name);
        }
    }
    if (d->name == NULL)
        glass_app_usage_error(app, "missing NAME, expected a domain name such as "
                              "www.example.com (see --help)");
    if (dns_name_check(d->name, &why) != DNS_OK)
        glass_app_usage_error(app, "'%s': not a valid domain name: %s", d->name, why);
}

/* ---- output, dig style ------------------------------------------------------ */

static const char *type_str(uint16_t type, char *buf, size_t len)
{
    const char *n = dns_type_name(type);
    if (n)
        return n;
    snprintf(buf, len, "TYPE%u", type); /* RFC 3597 5 */
    return buf;
}

static void print_flags(FILE *out, uint16_t flags)
{
    fprintf(out, ";; flags:%s%s%s%s%s", flags & DNS_FLAG_QR ? " qr" : "",
            flags & DNS_FLAG_AA ? " aa" : "", flags & DNS_FLAG_TC ? " tc" : "",
            flags & DNS_FLAG_RD ? " rd" : "", flags & DNS_FLAG_RA ? " ra" : "");
}

static void print_answer(const struct dig *d, const struct glass_dns_answer *a)
{
    char tbuf[16];
    const char *dot = d->name[0] && d->name[strlen(d->name) - 1] == '.' ? "" : ".";

    fprintf(d->out, ";; Got answer:\n");
    fprintf(d->out, ";; ->>HEADER<<- opcode: QUERY, status: %s\n", dns_rcode_name(a->rcode));
    print_flags(d->out, a->flags);
    fprintf(d->out, "; ANSWER: %u\n\n", a->nrecords);
    fprintf(d->out, ";; QUESTION SECTION:\n;%s%s\t\tIN\t%s\n", d->name, dot,
            type_str(d->qtype, tbuf, sizeof tbuf));
    if (a->nrecords == 0)
        return;
    fprintf(d->out, "\n;; ANSWER SECTION:\n");
    for (unsigned i = 0; i < a->nrecords; i++) {
        const struct glass_dns_record *r = &a->records[i];
        fprintf(d->out, "%s\t%u\t%s\t%s\t%s\n", r->name, r->ttl,
                r->rclass == DNS_CLASS_IN ? "IN" : "CLASS?", type_str(r->type, tbuf, sizeof tbuf),
                r->data);
    }
}

static void print_footer(const struct dig *d, const struct glass_dns_answer *a)
{
    fprintf(d->out, "\n;; Query time: %llu msec\n",
            (unsigned long long)(a->query_time / GLASS_USEC_PER_MSEC));
    fprintf(d->out, ";; SERVER: %s#53(%s) (%s)\n", ip4s(d->server).s, ip4s(d->server).s,
            a->over_tcp ? "TCP" : "UDP");
    if (a->ignored)
        fprintf(d->out, ";; %u replies ignored (wrong source, id or question)\n", a->ignored);
    fprintf(d->out, "\n");
}

/* The resolver's result -> what we print and the exit status. */
static int report(const struct dig *d, int rc, const struct glass_dns_answer *a)
{
    int err = errno; /* the resolver's, before stdio can change it */

    /* UDP first, and its answer had TC: the resolver asked over TCP. */
    if (!d->ropts.tcp && (a->over_tcp || (a->flags & DNS_FLAG_TC)))
        fprintf(d->out, ";; Truncated, retrying in TCP mode.\n");
    switch (rc) {
    case GLASS_RESOLVE_OK:
    case GLASS_RESOLVE_NXDOMAIN:
    case GLASS_RESOLVE_SERVFAIL:
    case GLASS_RESOLVE_REFUSED:
    case GLASS_RESOLVE_SERVER_ERROR:
        print_answer(d, a);
        print_footer(d, a);
        return rc == GLASS_RESOLVE_OK && a->nrecords > 0 ? DIG_EXIT_ANSWER : DIG_EXIT_NO_ANSWER;
    case GLASS_RESOLVE_TRUNCATED:
        /* say what came, then why we stop there */
        print_answer(d, a);
        print_footer(d, a);
        fprintf(stderr, "glass-dig: %s\n", glass_resolve_strerror(rc));
        return DIG_EXIT_TRUNCATED;
    case GLASS_RESOLVE_NOTCP:
        /* dig: ";; communications error to 10.0.0.1#53: end of file" */
        fprintf(d->out, ";; communications error to %s#53: end of file\n",
                ip4s(d->server).s);
        fprintf(stderr, "glass-dig: %s: %s (%u tries)\n", ip4s(d->server).s,
                glass_resolve_strerror(rc), a->tries);
        return DIG_EXIT_NO_REPLY;
    case GLASS_RESOLVE_UNREACHABLE:
        /* dig: ";; communications error to 10.0.0.1#53: connection refused" */
        fprintf(d->out, ";; communications error to %s#53: %s\n", ip4s(d->server).s,
                strerror(err));
        /* fall through */
    case GLASS_RESOLVE_TIMEOUT:
        fprintf(d->out, ";; connection timed out; no servers could be reached\n");
        fprintf(stderr, "glass-dig: %s: %s (%u tries)\n", ip4s(d->server).s,
                glass_resolve_strerror(rc), a->tries);
        return DIG_EXIT_NO_REPLY;
    case GLASS_RESOLVE_SYSTEM:
        fprintf(stderr, "glass-dig: %s: %s\n", glass_resolve_strerror(rc), strerror(err));
        return DIG_EXIT_INTERNAL;
    default:
        fprintf(stderr, "glass-dig: %s\n", glass_resolve_strerror(rc));
        return DIG_EXIT_INTERNAL;
    }
}

int main(int argc, char **argv)
{
    static struct dig d;
    static struct glass_dns_answer answer; /* ~64 KiB: off the stack */
    struct glass_app app = {
        .prog = "glass-dig",
        .synopsis = "[-t TYPE] [OPTION]... NAME [@SERVER] [+tcp] [+tries=N] [+time=S]",
        .summary = "Ask a DNS server about NAME from a glass stack (a stub resolver, RFC 1035)\n"
                   "and print the answer like dig.",
        .options = dig_options,
        .on_option = on_option,
        .ctx = &d,
        .notes = dig_notes,
    };
    struct glass_app_opts opts;
    struct glass_stack *stack;
    char err[GLASS_APP_ERRLEN];
    char tbuf[16];
    int rc, status;

    d.qtype = DNS_TYPE_A;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    parse_operands(&app, &opts, &d);
    if (!d.server_given)
        d.server = opts.gw;
    d.ropts.qtype = d.qtype;
    /* The capture owns stdout with --pcap -: the report moves to stderr. */
    d.out = opts.pcap && strcmp(opts.pcap, "-") == 0 ? stderr : stdout;
    stack = glass_app_bring_up(&opts, err, sizeof err);
    if (!stack) {
        fprintf(stderr, "glass-dig: %s\n", err);
        return DIG_EXIT_INTERNAL;
    }
    fprintf(d.out, "\n; <<>> glass-dig <<>> %s %s @%s\n", d.name,
            type_str(d.qtype, tbuf, sizeof tbuf), ip4s(d.server).s);
    rc = glass_resolve(stack, d.name, d.server, &answer, &d.ropts);
    status = report(&d, rc, &answer);
    fflush(d.out);
    glass_app_shut_down(stack);
    return status;
}
