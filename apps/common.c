/*
 * common.c - the shared command line of the glass apps (see common.h) and
 * the bring-up of a stack from it.
 *
 * Parsing is pure: it fills struct glass_app_opts or returns one line of
 * error text naming the flag and the form it expects.  Only main() prints
 * and exits, so every rejection is a unit test (tests/unit/check_cli.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "glass.h"
#include "util.h"

/* Keys of the shared long options: below GLASS_APP_KEY_APP, above any char. */
enum {
    KEY_IF = 0x1000,
    KEY_GW,
    KEY_ROUTE,
    KEY_PCAP,
    KEY_TRACE,
    KEY_CTL,
    KEY_DNS,
    KEY_VERSION,
    KEY_HELP = 'h',
};

struct shared_option {
    struct option opt;
    const char *arg;
    const char *help;
};

static const struct shared_option shared_options[] = {
    {{"if", required_argument, NULL, KEY_IF}, "SPEC",
     GLASS_APP_IF_FORM "\nrepeatable (default: " GLASS_APP_DEFAULT_IF ")\n"
     "a tap link may be impaired in both directions, like\nnetem: "
     "loss=P%,delay=T,reorder=P%,dup=P%[,seed=N]\n(P: 0..100, decimals allowed; "
     "T: 5ms, 200us, 1s;\na reordered frame is held back one more delay)"},
    {{"gw", required_argument, NULL, KEY_GW}, "ADDR",
     "default route (default " GLASS_APP_DEFAULT_GW ", skipped when no\n--if address reaches it)"},
    {{"route", required_argument, NULL, KEY_ROUTE}, GLASS_APP_ROUTE_FORM,
     "extra route; repeatable"},
    {{"pcap", required_argument, NULL, KEY_PCAP}, "FILE",
     "capture every frame to FILE (\"-\" = stdout); with\nseveral --if, the first interface's frames go to\nFILE, each other's to FILE.IFNAME.EXT (out.pcap ->\nout.tapB.pcap); \"-\" carries the first only"},
    {{"trace", required_argument, NULL, KEY_TRACE}, "LIST",
     "eth,arp,ipv4,icmp,udp,tcp,socket or all (to stderr)"},
    {{"ctl", required_argument, NULL, KEY_CTL}, "PATH",
     "control socket for glassctl (default: PROG.PID.sock\nin $XDG_RUNTIME_DIR, or in " GLASS_CTL_DIR ")"},
    {{"help", no_argument, NULL, KEY_HELP}, NULL, "show this help and exit"},
    {{"version", no_argument, NULL, KEY_VERSION}, NULL, "show the version and exit"},
};

/* Shared, but only for an app that looks names up (app->resolves); listed
 * with the app's own options in --help. */
static const struct shared_option dns_option = {
    {"dns", required_argument, NULL, KEY_DNS}, "ADDR",
    "DNS server for host names (default: the one a DHCP\nlease named, else the --gw gateway)"};

#define N_SHARED GLASS_ARRAY_SIZE(shared_options)
#define MAX_APP_OPTIONS 32
#define SPEC_MAX 256

/* ---- small strict parsers ----------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Decimal digits only (no sign, no spaces, no 0x), value <= max. */
int glass_app_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v > (max - (unsigned long)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    *out = v;
    return 0;
}

int glass_app_parse_seconds(const char *s, double min, double max, double *secs)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno || !isfinite(v) || v < min || v > max)
        return -1;
    *secs = v;
    return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* RFC 1122 3.2.1.3: what may never be a host's own (or a gateway's) address. */
static const char *unicast_problem(uint32_t a)
{
    if (ip4_is_zeronet(a))
        return "is in 0.0.0.0/8 (\"this network\")";
    if (ip4_is_loopback(a))
        return "is a loopback address";
    if (ip4_is_multicast(a))
        return "is a multicast address";
    if (ip4_is_limited_broadcast(a))
        return "is the limited broadcast address";
    if (ip4_is_class_e(a))
        return "is in the reserved class E";
    return NULL;
}

/* RFC 1122 3.2.1.3: host number 0 and all ones name the network and its
 * broadcast, not a host; /31 (RFC 3021) and /32 have no such addresses. */
static const char *subnet_problem(uint32_t a, unsigned prefix_len)
{
    uint32_t mask = ip4_mask(prefix_len);

    if (prefix_len >= 31)
        return NULL;
    if ((a & ~mask) == 0)
        return "is the network address of its subnet";
    if ((a & ~mask) == ~mask)
        return "is the broadcast address of its subnet";
    return NULL;
}

/* "ADDR/PREFIX" -> addr, prefix; on error a short reason in why. */
static int parse_addr_prefix(const char *s, uint32_t *addr, unsigned *prefix_len, char *why,
                             size_t whylen)
{
    char buf[SPEC_MAX];
    const char *slash = strchr(s, '/');
    unsigned long plen;

    if (!slash) {
        set_err(why, whylen, "address '%s' has no /PREFIX", s);
        return -1;
    }
    if ((size_t)(slash - s) >= sizeof(buf)) {
        set_err(why, whylen, "bad address");
        return -1;
    }
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    if (ip4_parse(buf, addr) < 0) {
        set_err(why, whylen, "bad address '%s'", buf);
        return -1;
    }
    if (glass_app_parse_ulong(slash + 1, 0xffffffffUL, &plen) < 0) {
        set_err(why, whylen, "bad prefix '%s'", slash + 1);
        return -1;
    }
    if (plen > 32) {
        set_err(why, whylen, "prefix %lu > 32", plen);
        return -1;
    }
    *prefix_len = (unsigned)plen;
    return 0;
}

/* ---- --if DRIVER:NAME[,ADDR/PREFIX][,mac=MAC][,mtu=N][,offload=on|off] ----- */

static bool driver_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Linux refuses '/', ':' and white space in interface names (dev_valid_name). */
static bool ifname_char_ok(char c)
{
    return c > ' ' && c != '/' && c != ':' && c != ',' && c != 0x7f;
}

static int if_driver_name(char *head, struct glass_if_spec *out, char *why, size_t whylen)
{
    char *colon = strchr(head, ':');
    const char *name;

    if (!colon || colon == head) {
        set_err(why, whylen, "bad driver form, want DRIVER:NAME such as tap:tap0");
        return -1;
    }
    *colon = '\0';
    name = colon + 1;
    if (strlen(head) >= sizeof(out->driver)) {
        set_err(why, whylen, "driver name '%s' too long", head);
        return -1;
    }
    for (const char *p = head; *p; p++) {
        if (!driver_char_ok(*p)) {
            set_err(why, whylen, "bad driver name '%s'", head);
            return -1;
        }
    }
    if (*name == '\0') {
        set_err(why, whylen, "bad driver form, no interface NAME after '%s:'", head);
        return -1;
    }
    if (strlen(name) >= sizeof(out->name)) {
        set_err(why, whylen, "interface name '%s' longer than %d characters", name,
                GLASS_IFNAMSIZ - 1);
        return -1;
    }
    for (const char *p = name; *p; p++) {
        if (!ifname_char_ok(*p)) {
            set_err(why, whylen, "bad interface name '%s'", name);
            return -1;
        }
    }
    strcpy(out->driver, head);
    strcpy(out->name, name);
    return 0;
}

static int if_mac(const char *v, struct glass_if_spec *out, char *why, size_t whylen)
{
    if (out->has_mac) {
        set_err(why, whylen, "mac= given twice");
        return -1;
    }
    if (mac_parse(v, out->mac) < 0) {
        set_err(why, whylen, "bad mac '%s'", v);
        return -1;
    }
    /* IEEE 802: the I/G bit marks a group address; a station's own
     * address must be an individual one. */
    if (mac_is_multicast(out->mac) || mac_is_zero(out->mac)) {
        set_err(why, whylen, "mac '%s' is not a unicast (individual) address", v);
        return -1;
    }
    out->has_mac = true;
    return 0;
}

static int if_mtu(const char *v, struct glass_if_spec *out, char *why, size_t whylen)
{
    unsigned long mtu;

    if (out->mtu) {
        set_err(why, whylen, "mtu= given twice");
        return -1;
    }
    if (glass_app_parse_ulong(v, 0xffffffffUL, &mtu) < 0 || mtu < GLASS_APP_MTU_MIN ||
        mtu > GLASS_APP_MTU_MAX) {
        set_err(why, whylen, "mtu '%s' out of range %d..%d", v, GLASS_APP_MTU_MIN,
                GLASS_APP_MTU_MAX);
        return -1;
    }
    out->mtu = (unsigned)mtu;
    return 0;
}

static int if_addr(const char *v, struct glass_if_spec *out, char *why, size_t whylen)
{
    const char *problem;

    if (out->has_addr) {
        set_err(why, whylen, "more than one address");
        return -1;
    }
    if (parse_addr_prefix(v, &out->addr, &out->prefix_len, why, whylen) < 0)
        return -1;
    problem = unicast_problem(out->addr);
    if (!problem)
        problem = subnet_problem(out->addr, out->prefix_len);
    if (problem) {
        set_err(why, whylen, "bad address: %s %s", v, problem);
        return -1;
    }
    out->has_addr = true;
    return 0;
}

/* ---- --if impairments: loss=3%,delay=5ms,reorder=10%,dup=1%,seed=N ------- */

/* "3%", "0.5%", "100%" -> parts per million (at most 4 decimals). */
static int parse_percent_ppm(const char *v, unsigned *ppm)
{
    unsigned long whole = 0, frac = 0, scale = 10000;
    const char *pct = strchr(v, '%'), *dot = strchr(v, '.');
    char digits[16];

    if (!pct || pct[1] != '\0' || pct == v || (size_t)(pct - v) >= sizeof(digits))
        return -1;
    memcpy(digits, v, (size_t)(pct - v));
    digits[pct - v] = '\0';
    if (dot && dot < pct) {
        const char *f = dot + 1;
        digits[dot - v] = '\0';
        if (f == pct || pct - f > 4)
            return -1;
        for (; f < pct; f++) {
            if (*f < '0' || *f > '9')
                return -1;
            scale /= 10;
            frac += (unsigned long)(*f - '0') * scale;
        }
        if (dot == v)
            strcpy(digits, "0");
    }
    if (glass_app_parse_ulong(digits, 100, &whole) < 0 || whole * 10000 + frac > 1000000)
        return -1;
    *ppm = (unsigned)(whole * 10000 + frac);
    return 0;
}

/* "5ms", "200us", "1s" (or plain "0") -> microseconds, at most max. */
static int parse_duration_us(const char *v, glass_time_t max, glass_time_t *us)
{
    static const struct { const char *unit; glass_time_t mult; } units[] = {
        {"us", 1}, {"ms", GLASS_USEC_PER_MSEC}, {"s", GLASS_USEC_PER_SEC}};
    size_t n = strspn(v, "0123456789");
    char digits[16];
    unsigned long num;

    if (n == 0 || n >= sizeof(digits))
        return -1;
    memcpy(digits, v, n);
    digits[n] = '\0';
    if (glass_app_parse_ulong(digits, 0xffffffffUL, &num) < 0)
        return -1;
    if (v[n] == '\0' && num == 0) {
        *us = 0;
        return 0;
    }
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(units); i++)
        if (strcmp(v + n, units[i].unit) == 0) {
            if ((glass_time_t)num > max / units[i].mult)
                return -1;
            *us = (glass_time_t)num * units[i].mult;
            return 0;
        }
    return -1;
}

enum { IMP_LOSS = 1, IMP_DELAY = 2, IMP_REORDER = 4, IMP_DUP = 8, IMP_SEED = 16 };

/* One impairment item; 1 when `item` is not one (so the caller goes on),
 * -2 (why set) when it is one but bad. */
static int if_impair(const char *item, struct glass_if_spec *out, char *why, size_t whylen)
{
    static const struct { const char *key; unsigned bit; } keys[] = {
        {"loss=", IMP_LOSS}, {"delay=", IMP_DELAY}, {"reorder=", IMP_REORDER},
        {"dup=", IMP_DUP},   {"seed=", IMP_SEED}};
    struct glass_impair *im = &out->impair;
    unsigned long seed;
    size_t i;
    const char *v;

    for (i = 0; i < GLASS_ARRAY_SIZE(keys) && !starts_with(item, keys[i].key); i++)
        ;
    if (i == GLASS_ARRAY_SIZE(keys))
        return 1;
    v = item + strlen(keys[i].key);
    if (out->impair_given & keys[i].bit) {
        set_err(why, whylen, "%.*s given twice", (int)strlen(keys[i].key) - 1, keys[i].key);
        return -2;
    }
    out->impair_given |= keys[i].bit;
    out->has_impair = true;
    switch (keys[i].bit) {
    case IMP_LOSS:
    case IMP_REORDER:
    case IMP_DUP:
        if (parse_percent_ppm(v, keys[i].bit == IMP_LOSS      ? &im->loss_ppm
                                 : keys[i].bit == IMP_DUP     ? &im->dup_ppm
                                                              : &im->reorder_ppm) == 0)
            return 0;
        set_err(why, whylen, "bad %.*s '%s': want a percentage 0%%..100%% such as 3%% or 0.5%%",
                (int)strlen(keys[i].key) - 1, keys[i].key, v);
        return -2;
    case IMP_DELAY:
        if (parse_duration_us(v, GLASS_APP_DELAY_MAX, &im->delay) == 0)
            return 0;
        set_err(why, whylen, "bad delay '%s': want a time up to 10s such as 5ms, 200us or 1s", v);
        return -2;
    default:
        if (glass_app_parse_ulong(v, ULONG_MAX, &seed) == 0) {
            im->seed = seed;
            return 0;
        }
        set_err(why, whylen, "bad seed '%s': want a decimal integer", v);
        return -2;
    }
}

/* offload=on|off: the device's offloads (drivers/tap.c, docs/tcp.md). */
static int if_offload(const char *v, struct glass_if_spec *out, char *why, size_t whylen)
{
    if (out->has_offload) {
        set_err(why, whylen, "offload= given twice");
        return -1;
    }
    if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
        set_err(why, whylen, "offload '%s': want on or off", v);
        return -1;
    }
    out->has_offload = true;
    out->offload = strcmp(v, "on") == 0;
    return 0;
}

static int if_item(char *item, struct glass_if_spec *out, char *why, size_t whylen)
{
    int r = if_impair(item, out, why, whylen);

    if (r <= 0)
        return r;
    if (starts_with(item, "mac="))
        return if_mac(item + 4, out, why, whylen);
    if (starts_with(item, "mtu="))
        return if_mtu(item + 4, out, why, whylen);
    if (starts_with(item, "offload="))
        return if_offload(item + 8, out, why, whylen);
    if (strchr(item, '=')) {
        set_err(why, whylen, "unknown setting '%s'", item);
        return -1;
    }
    if (*item == '\0') {
        set_err(why, whylen, "empty item");
        return -1;
    }
    if (strcmp(item, "dhcp") == 0) {
        if (out->has_addr || out->dhcp) {
            set_err(why, whylen, "'dhcp' with an address, or twice");
            return -1;
        }
        out->dhcp = true;
        return 0;
    }
    if (out->dhcp) {
        set_err(why, whylen, "an address '%s' with 'dhcp'", item);
        return -1;
    }
    return if_addr(item, out, why, whylen);
}

int glass_app_parse_if(const char *spec, struct glass_if_spec *out, char *err, size_t errlen)
{
    char buf[SPEC_MAX], why[GLASS_APP_ERRLEN];
    char *item, *next;
    int r;

    memset(out, 0, sizeof(*out));
    if (strlen(spec) >= sizeof(buf)) {
        set_err(err, errlen, "--if: spec longer than %d characters, expected %s", SPEC_MAX - 1,
                GLASS_APP_IF_FORM);
        return -1;
    }
    strcpy(buf, spec);
    next = strchr(buf, ',');
    if (next)
        *next++ = '\0';
    if (if_driver_name(buf, out, why, sizeof(why)) < 0)
        goto bad;
    while (next) {
        item = next;
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if ((r = if_item(item, out, why, sizeof(why))) == -2)
            goto bad_impair;
        if (r < 0)
            goto bad;
    }
    /* A reordered frame is held back one more delay (netem's reordering
     * lets the chosen frames skip the delay: the same displacement). */
    out->impair.reorder_delay = out->impair.delay ? out->impair.delay : GLASS_USEC_PER_MSEC;
    if (out->has_impair && strcmp(out->driver, "tap") != 0) {
        set_err(err, errlen, "--if '%s': only tap links can be impaired (%s)", spec,
                GLASS_APP_IMPAIR_FORM);
        return -1;
    }
    return 0;
bad:
    set_err(err, errlen, "--if '%s': %s, expected %s", spec, why, GLASS_APP_IF_FORM);
    return -1;
bad_impair:
    set_err(err, errlen, "--if '%s': %s (impairments: %s)", spec, why, GLASS_APP_IMPAIR_FORM);
    return -1;
}

/* ---- --route NET/PREFIX,via=ADDR ----------------------------------------- */

static int route_net(const char *v, struct glass_route_spec *out, char *why, size_t whylen)
{
    uint32_t mask;

    if (parse_addr_prefix(v, &out->net, &out->prefix_len, why, whylen) < 0)
        return -1;
    mask = ip4_mask(out->prefix_len);
    /* Like ip-route(8): a route names a network, so host bits must be 0. */
    if (out->net & ~mask) {
        set_err(why, whylen, "host bits set in %s (did you mean %s/%u?)", v,
                ip4s(out->net & mask).s, out->prefix_len);
        return -1;
    }
    return 0;
}

static int route_via(const char *v, struct glass_route_spec *out, char *why, size_t whylen)
{
    const char *problem;

    if (out->via) {
        set_err(why, whylen, "via= given twice");
        return -1;
    }
    if (ip4_parse(v, &out->via) < 0) {
        set_err(why, whylen, "bad gateway address '%s'", v);
        return -1;
    }
    problem = unicast_problem(out->via);
    if (problem) {
        out->via = 0;
        set_err(why, whylen, "gateway %s %s", v, problem);
        return -1;
    }
    return 0;
}

int glass_app_parse_route(const char *spec, struct glass_route_spec *out, char *err,
                          size_t errlen)
{
    char buf[SPEC_MAX], why[GLASS_APP_ERRLEN];
    char *item, *next;

    memset(out, 0, sizeof(*out));
    if (strlen(spec) >= sizeof(buf)) {
        set_err(err, errlen, "--route: spec longer than %d characters, expected %s",
                SPEC_MAX - 1, GLASS_APP_ROUTE_FORM);
        return -1;
    }
    strcpy(buf, spec);
    next = strchr(buf, ',');
    if (next)
        *next++ = '\0';
    if (route_net(buf, out, why, sizeof(why)) < 0)
        goto bad;
    while (next) {
        item = next;
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (starts_with(item, "via=")) {
            if (route_via(item + 4, out, why, sizeof(why)) < 0)
                goto bad;
        } else {
            set_err(why, sizeof(why), "unknown setting '%s'", item);
            goto bad;
        }
    }
    if (!out->via) {
        set_err(why, sizeof(why), "no via=ADDR");
        goto bad;
    }
    return 0;
bad:
    set_err(err, errlen, "--route '%s': %s, expected %s", spec, why, GLASS_APP_ROUTE_FORM);
    return -1;
}

/* ---- port numbers ---------------------------------------------------------- */

int glass_app_parse_port(const char *s, unsigned *port)
{
    unsigned long v = 0;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return -1;
    }
    if (v == 0)
        return -1;
    *port = (unsigned)v;
    return 0;
}

int glass_app_parse_dns(const char *arg, uint32_t *dns, char *err, size_t errlen)
{
    uint32_t a;
    if (ip4_parse(arg, &a) == 0 && !ip4_is_zeronet(a) && !ip4_is_multicast(a) &&
        !ip4_is_limited_broadcast(a)) {
        *dns = a;
        return 0;
    }
    set_err(err, errlen, "--dns '%s': bad address, expected the IPv4 address of a DNS server",
            arg);
    return -1;
}

/* ---- --trace LIST ---------------------------------------------------------- */

uint32_t glass_app_dns_server(struct glass_stack *stack, const struct glass_app_opts *opts)
{
    uint32_t dns = opts->dns ? opts->dns : glass_dhcp_dns(stack);
    return dns ? dns : opts->gw;
}

int glass_app_parse_trace(const char *list, unsigned *mask, char *err, size_t errlen)
{
    char buf[SPEC_MAX];
    char *item, *next;
    unsigned m = 0, one;

    if (strlen(list) >= sizeof(buf)) {
        set_err(err, errlen, "--trace: list too long, expected %s", GLASS_APP_TRACE_FORM);
        return -1;
    }
    strcpy(buf, list);
    /* One layer at a time, so the message can name the one we do not know. */
    for (next = buf; next;) {
        item = next;
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (*item == '\0') {
            set_err(err, errlen, "--trace '%s': empty layer name, expected %s", list,
                    GLASS_APP_TRACE_FORM);
            return -1;
        }
        if (glass_trace_parse(item, &one) < 0) {
            set_err(err, errlen, "--trace '%s': unknown layer '%s', expected %s", list, item,
                    GLASS_APP_TRACE_FORM);
            return -1;
        }
        m |= one;
    }
    *mask = m;
    return 0;
}

/* ---- checks that need every flag ------------------------------------------ */

static bool is_own_addr(const struct glass_app_opts *opts, uint32_t addr)
{
    for (unsigned i = 0; i < opts->nifs; i++)
        if (opts->ifs[i].has_addr && opts->ifs[i].addr == addr)
            return true;
    return false;
}

bool glass_app_on_link(const struct glass_app_opts *opts, uint32_t addr)
{
    for (unsigned i = 0; i < opts->nifs; i++) {
        const struct glass_if_spec *s = &opts->ifs[i];
        uint32_t mask = ip4_mask(s->prefix_len);

        if (s->has_addr && (s->addr & mask) == (addr & mask))
            return true;
    }
    return false;
}

static bool has_default_route(const struct glass_app_opts *opts)
{
    for (unsigned i = 0; i < opts->nroutes; i++)
        if (opts->routes[i].prefix_len == 0)
            return true;
    return false;
}

static bool app_uses_dhcp(const struct glass_app_opts *opts)
{
    for (unsigned i = 0; i < opts->nifs; i++)
        if (opts->ifs[i].dhcp)
            return true;
    return false;
}

bool glass_app_want_default_route(const struct glass_app_opts *opts)
{
    /* A DHCP lease brings its router (option 3); check_gateways refuses
     * a --gw beside it. */
    if (app_uses_dhcp(opts))
        return false;
    if (opts->gw_explicit)
        return true;
    /* A --route 0.0.0.0/0 is the user's default route: it replaces ours. */
    return !has_default_route(opts) && glass_app_on_link(opts, opts->gw) &&
           !is_own_addr(opts, opts->gw);
}

static int check_duplicate_ifs(const struct glass_app_opts *opts, char *err, size_t errlen)
{
    for (unsigned i = 0; i < opts->nifs; i++) {
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(opts->ifs[i].name, opts->ifs[j].name) == 0) {
                set_err(err, errlen, "--if: interface %s given twice, expected one --if per "
                        "interface", opts->ifs[i].name);
                return -1;
            }
        }
    }
    return 0;
}

/* RFC 1122 3.3.1.1: a gateway must be directly connected, i.e. on the
 * subnet of one of our addresses. */
static int check_gateways(const struct glass_app_opts *opts, char *err, size_t errlen)
{
    if (opts->gw_explicit && app_uses_dhcp(opts)) {
        set_err(err, errlen, "--gw %s: a ,dhcp interface takes its router from the lease, "
                "expected no --gw", ip4s(opts->gw).s);
        return -1;
    }
    if (opts->gw_explicit && has_default_route(opts)) {
        set_err(err, errlen, "--gw %s: a --route 0.0.0.0/0 also sets the default route, "
                "expected only one of them", ip4s(opts->gw).s);
        return -1;
    }
    if (opts->gw_explicit && is_own_addr(opts, opts->gw)) {
        set_err(err, errlen, "--gw %s: that is our own --if address, expected a neighbour "
                "on its subnet", ip4s(opts->gw).s);
        return -1;
    }
    if (opts->gw_explicit && !glass_app_on_link(opts, opts->gw)) {
        set_err(err, errlen, "--gw %s: not on the subnet of any --if address, expected a "
                "directly connected gateway", ip4s(opts->gw).s);
        return -1;
    }
    for (unsigned i = 0; i < opts->nroutes; i++) {
        const struct glass_route_spec *r = &opts->routes[i];

        if (is_own_addr(opts, r->via)) {
            set_err(err, errlen, "--route %s/%u via %s: that is our own --if address, "
                    "expected a neighbour on its subnet", ip4s(r->net).s, r->prefix_len,
                    ip4s(r->via).s);
            return -1;
        }
        if (!glass_app_on_link(opts, r->via)) {
            set_err(err, errlen, "--route %s/%u via %s: gateway not on the subnet of any --if "
                    "address, expected a directly connected gateway", ip4s(r->net).s,
                    r->prefix_len, ip4s(r->via).s);
            return -1;
        }
    }
    return 0;
}

/* ---- getopt plumbing -------------------------------------------------------- */

struct option_tables {
    struct option longs[N_SHARED + 1 + MAX_APP_OPTIONS + 1];
    char shorts[2 + 2 * MAX_APP_OPTIONS + 2];
};

static size_t app_option_count(const struct glass_app *app)
{
    size_t n = 0;

    while (app->options && (app->options[n].long_name || app->options[n].key))
        n++;
    return n;
}

/* Shared and app options in one getopt_long table.  The leading ':' makes
 * getopt report a missing argument as ':' so we can say which flag. */
static void build_tables(const struct glass_app *app, struct option_tables *t)
{
    size_t n = 0, s = 0, napp = GLASS_MIN(app_option_count(app), (size_t)MAX_APP_OPTIONS);

    memset(t, 0, sizeof(*t));
    t->shorts[s++] = ':';
    t->shorts[s++] = 'h';
    for (size_t i = 0; i < N_SHARED; i++)
        t->longs[n++] = shared_options[i].opt;
    if (app->resolves)
        t->longs[n++] = dns_option.opt;
    for (size_t i = 0; i < napp; i++) {
        const struct glass_app_option *o = &app->options[i];

        if (o->long_name)
            t->longs[n++] = (struct option){o->long_name,
                                            o->arg ? required_argument : no_argument, NULL,
                                            o->key};
        if (o->key > 0 && o->key < 0x80) {
            t->shorts[s++] = (char)o->key;
            if (o->arg)
                t->shorts[s++] = ':';
        }
    }
}

/* "-c", or "--flag" for a long-only option, in messages about `key`. */
static void option_name(const struct option_tables *t, int key, char *buf, size_t len)
{
    if (key > 0 && key < 0x80) {
        snprintf(buf, len, "-%c", key);
        return;
    }
    for (const struct option *o = t->longs; o->name; o++) {
        if (o->val == key) {
            snprintf(buf, len, "--%s", o->name);
            return;
        }
    }
    snprintf(buf, len, "option %d", key);
}

static int add_if(struct glass_app_opts *opts, const char *arg, char *err, size_t errlen)
{
    if (opts->nifs == GLASS_APP_MAX_IFS) {
        set_err(err, errlen, "--if '%s': more than %d interfaces, expected at most %d --if",
                arg, GLASS_APP_MAX_IFS, GLASS_APP_MAX_IFS);
        return -1;
    }
    if (glass_app_parse_if(arg, &opts->ifs[opts->nifs], err, errlen) < 0)
        return -1;
    opts->nifs++;
    return 0;
}

static int add_route(struct glass_app_opts *opts, const char *arg, char *err, size_t errlen)
{
    if (opts->nroutes == GLASS_APP_MAX_ROUTES) {
        set_err(err, errlen, "--route '%s': more than %d routes, expected at most %d --route",
                arg, GLASS_APP_MAX_ROUTES, GLASS_APP_MAX_ROUTES);
        return -1;
    }
    if (glass_app_parse_route(arg, &opts->routes[opts->nroutes], err, errlen) < 0)
        return -1;
    opts->nroutes++;
    return 0;
}

static int set_gw(struct glass_app_opts *opts, const char *arg, char *err, size_t errlen)
{
    const char *problem;

    if (ip4_parse(arg, &opts->gw) < 0) {
        set_err(err, errlen, "--gw '%s': bad address, expected an IPv4 address such as %s",
                arg, GLASS_APP_DEFAULT_GW);
        return -1;
    }
    problem = unicast_problem(opts->gw);
    if (problem) {
        set_err(err, errlen, "--gw '%s': %s, expected a unicast gateway address", arg, problem);
        return -1;
    }
    opts->gw_explicit = true;
    return 0;
}

static int set_path(const char **dst, const char *flag, const char *what, const char *arg,
                    char *err, size_t errlen)
{
    if (*arg == '\0') {
        set_err(err, errlen, "%s '': empty, expected %s", flag, what);
        return -1;
    }
    *dst = arg;
    return 0;
}

static int shared_option(struct glass_app_opts *opts, int key, const char *arg, char *err,
                         size_t errlen)
{
    unsigned mask;

    switch (key) {
    case KEY_IF:
        return add_if(opts, arg, err, errlen);
    case KEY_GW:
        return set_gw(opts, arg, err, errlen);
    case KEY_ROUTE:
        return add_route(opts, arg, err, errlen);
    case KEY_PCAP:
        return set_path(&opts->pcap, "--pcap", "a FILE or - for stdout", arg, err, errlen);
    case KEY_TRACE:
        if (glass_app_parse_trace(arg, &mask, err, errlen) < 0)
            return -1;
        opts->trace_mask |= mask;  /* --trace arp --trace ipv4 adds up */
        return 0;
    case KEY_CTL:
        return set_path(&opts->ctl, "--ctl", "a socket PATH", arg, err, errlen);
    case KEY_DNS:
        return glass_app_parse_dns(arg, &opts->dns, err, errlen);
    }
    return 1; /* not a shared option */
}

static void opts_defaults(struct glass_app_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    /* A constant known to parse; gw_explicit stays false until --gw. */
    ip4_parse(GLASS_APP_DEFAULT_GW, &opts->gw);
}

static int finish(struct glass_app_opts *opts, char *err, size_t errlen)
{
    if (opts->nifs == 0 &&
        glass_app_parse_if(GLASS_APP_DEFAULT_IF, &opts->ifs[opts->nifs++], err, errlen) < 0)
        return -1;
    if (check_duplicate_ifs(opts, err, errlen) < 0)
        return -1;
    return check_gateways(opts, err, errlen);
}

static void bad_option(const struct option_tables *t, int c, int argc, char **argv, char *err,
                       size_t errlen)
{
    char name[64];
    /* getopt leaves the offending word at optind-1 */
    const char *typed = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

    if (c == ':') {
        /* Name the option the way the user typed it: -c or --count. */
        if (starts_with(typed, "--"))
            snprintf(name, sizeof(name), "%s", typed);
        else
            option_name(t, optopt, name, sizeof(name));
        set_err(err, errlen, "%s needs an argument (see --help)", name);
        return;
    }
    if (optopt > 0 && optopt < 0x80) {
        set_err(err, errlen, "unknown option '-%c' (see --help)", optopt);
        return;
    }
    set_err(err, errlen, "unknown option '%s' (see --help)", typed);
}

enum glass_app_parse_result glass_app_parse(const struct glass_app *app, int argc, char **argv,
                                            struct glass_app_opts *opts, char *err,
                                            size_t errlen)
{
    struct option_tables t;
    int c, r;

    opts_defaults(opts);
    opts->prog = app->prog;
    build_tables(app, &t);
    optind = 0;   /* GNU: start afresh (tests parse many command lines) */
    opterr = 0;   /* we print our own one-line messages */
    while ((c = getopt_long(argc, argv, t.shorts, t.longs, NULL)) != -1) {
        if (c == KEY_HELP)
            return GLASS_APP_HELP;
        if (c == KEY_VERSION)
            return GLASS_APP_VERSION;
        if (c == '?' || c == ':') {
            bad_option(&t, c, argc, argv, err, errlen);
            return GLASS_APP_USAGE_ERROR;
        }
        r = shared_option(opts, c, optarg, err, errlen);
        if (r == 1)
            r = app->on_option ? app->on_option(app->ctx, c, optarg, err, errlen) : -1;
        if (r < 0)
            return GLASS_APP_USAGE_ERROR;
    }
    opts->argc = argc - optind;
    opts->argv = argv + optind;
    if (finish(opts, err, errlen) < 0)
        return GLASS_APP_USAGE_ERROR;
    return GLASS_APP_RUN;
}

/* ---- help, version, exit -------------------------------------------------- */

/* "  -c, --count COUNT    help", help lines after the first indented. */
static void print_option(FILE *out, int key, const char *long_name, const char *arg,
                         const char *help)
{
    char left[64];
    int n = 0;
    const char *line = help, *nl;

    if (key > 0 && key < 0x80)
        n += snprintf(left + n, sizeof(left) - (size_t)n, "-%c%s", key, long_name ? ", " : "");
    else
        n += snprintf(left + n, sizeof(left) - (size_t)n, "    ");
    if (long_name)
        n += snprintf(left + n, sizeof(left) - (size_t)n, "--%s", long_name);
    if (arg)
        snprintf(left + n, sizeof(left) - (size_t)n, " %s", arg);
    if (strlen(left) > 28) {
        fprintf(out, "  %s\n%32s", left, "");
    } else {
        fprintf(out, "  %-30s", left);
    }
    while ((nl = strchr(line, '\n'))) {
        fprintf(out, "%.*s\n%32s", (int)(nl - line), line, "");
        line = nl + 1;
    }
    fprintf(out, "%s\n", line);
}

void glass_app_print_help(const struct glass_app *app, FILE *out)
{
    size_t napp = app_option_count(app);

    fprintf(out, "Usage: %s %s\n%s\n", app->prog, app->synopsis, app->summary);
    if (napp || app->resolves) {
        fprintf(out, "\nOptions:\n");
        for (size_t i = 0; i < napp; i++) {
            const struct glass_app_option *o = &app->options[i];
            print_option(out, o->key, o->long_name, o->arg, o->help);
        }
        if (app->resolves)
            print_option(out, 0, dns_option.opt.name, dns_option.arg, dns_option.help);
    }
    fprintf(out, "\nShared glass options:\n");
    for (size_t i = 0; i < N_SHARED; i++) {
        const struct shared_option *o = &shared_options[i];
        print_option(out, o->opt.val == KEY_HELP ? 'h' : 0, o->opt.name, o->arg, o->help);
    }
    if (app->notes)
        fprintf(out, "\n%s", app->notes);
}

void glass_app_usage_error(const struct glass_app *app, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", app->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

void glass_app_parse_or_exit(const struct glass_app *app, int argc, char **argv,
                             struct glass_app_opts *opts)
{
    char err[GLASS_APP_ERRLEN];

    switch (glass_app_parse(app, argc, argv, opts, err, sizeof(err))) {
    case GLASS_APP_RUN:
        break;
    case GLASS_APP_HELP:
        glass_app_print_help(app, stdout);
        exit(0);
    case GLASS_APP_VERSION:
        printf("%s (%s) %s\n", app->prog, PACKAGE_NAME, PACKAGE_VERSION);
        exit(0);
    case GLASS_APP_USAGE_ERROR:
        glass_app_usage_error(app, "%s", err);
    }
}

/* ---- bring-up ------------------------------------------------------------- */

int glass_app_configure_netif(struct glass_netif *nif, const struct glass_if_spec *spec,
                              char *err, size_t errlen)
{
    const char *name = glass_netif_name(nif);

    if (spec->has_mac && glass_netif_set_mac(nif, spec->mac) < 0) {
        set_err(err, errlen, "%s: cannot set mac %s: %s", name, macs(spec->mac).s,
                strerror(errno));
        return -1;
    }
    if (spec->mtu && glass_netif_set_mtu(nif, spec->mtu) < 0) {
        set_err(err, errlen, "%s: cannot set mtu %u: %s", name, spec->mtu, strerror(errno));
        return -1;
    }
    if (spec->has_addr && glass_netif_add_addr(nif, spec->addr, spec->prefix_len) < 0) {
        set_err(err, errlen, "%s: cannot add address %s/%u: %s", name, ip4s(spec->addr).s,
                spec->prefix_len, strerror(errno));
        return -1;
    }
    if (spec->has_impair && glass_netif_impair(nif, &spec->impair) < 0) {
        set_err(err, errlen, "%s: cannot impair the link: %s", name, strerror(errno));
        return -1;
    }
    if (glass_netif_up(nif) < 0) {
        set_err(err, errlen, "%s: cannot bring the interface up: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

int glass_app_add_routes(struct glass_stack *stack, const struct glass_app_opts *opts, char *err,
                         size_t errlen)
{
    if (glass_app_want_default_route(opts) &&
        glass_route_add(stack, 0, 0, opts->gw, NULL, 0) < 0) {
        set_err(err, errlen, "cannot add the default route via %s: %s", ip4s(opts->gw).s,
                strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < opts->nroutes; i++) {
        const struct glass_route_spec *r = &opts->routes[i];

        if (glass_route_add(stack, r->net, r->prefix_len, r->via, NULL, 0) < 0) {
            set_err(err, errlen, "cannot add route %s/%u via %s: %s", ip4s(r->net).s,
                    r->prefix_len, ip4s(r->via).s, strerror(errno));
            return -1;
        }
    }
    return 0;
}

void glass_app_default_ctl(const char *prog, char *buf, size_t len)
{
    const char *dir = getenv("XDG_RUNTIME_DIR");

    if (!dir || !*dir)
        dir = GLASS_CTL_DIR;
    snprintf(buf, len, "%s/%s.%ld.sock", dir, prog ? prog : "glass", (long)getpid());
}

/* The control socket: --ctl PATH must work (the user asked for it); the
 * default one is a convenience, so when it cannot be made (no
 * /run/glass for a user without $XDG_RUNTIME_DIR, say) the program runs
 * on and says once why glassctl will not find it. */
static int open_ctl(struct glass_stack *stack, const struct glass_app_opts *opts, char *err,
                    size_t errlen)
{
    char path[256], why[GLASS_APP_ERRLEN];

    if (opts->ctl)
        return glass_ctl_open(stack, opts->ctl, err, errlen);
    glass_app_default_ctl(opts->prog, path, sizeof(path));
    if (!getenv("XDG_RUNTIME_DIR") || !*getenv("XDG_RUNTIME_DIR"))
        mkdir(GLASS_CTL_DIR, 0755); /* EEXIST is fine; other errors show at bind */
    if (glass_ctl_open(stack, path, why, sizeof(why)) < 0)
        fprintf(stderr, "%s: note: glassctl cannot reach this program: %s\n",
                opts->prog ? opts->prog : "glass", why);
    return 0;
}

/* With several interfaces --pcap writes a file per interface (capture.c):
 * say at start-up where each one's frames go, on one stderr line, and
 * fail, naming the file, when one cannot be written.  With --pcap - only
 * the first interface is captured; the line says which are not. */
static void appendf(char *buf, size_t len, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int report_capture(struct glass_stack *stack, const struct glass_app_opts *opts,
                          char *err, size_t errlen)
{
    char line[1024] = "", file[512];
    size_t n = 0, left_out = 0;
    char skipped[256] = "";
    size_t sn = 0;

    if (!opts->pcap)
        return 0;
    for (unsigned i = 0; i < opts->nifs; i++) {
        const char *name = opts->ifs[i].name;
        struct glass_netif *nif = glass_netif_by_name(stack, name);

        if (glass_capture_file(stack, nif, file, sizeof(file)) < 0) {
            if (errno != ENOENT) {
                set_err(err, errlen, "%s", file);
                return -1;
            }
            appendf(skipped, sizeof(skipped), &sn, "%s%s", left_out++ ? ", " : "", name);
            continue;
        }
        appendf(line, sizeof(line), &n, "%s%s -> %s", n ? ", " : "", name,
                strcmp(file, "-") == 0 ? "stdout" : file);
    }
    if (opts->nifs < 2)
        return 0;
    if (left_out)
        appendf(line, sizeof(line), &n,
                "; not captured: %s (--pcap - carries one interface; --pcap FILE writes a "
                "file per interface)",
                skipped);
    fprintf(stderr, "%s: capture %s\n", opts->prog ? opts->prog : "glass", line);
    return 0;
}

/* ,dhcp links: start their clients and run the stack (bounded) until
 * every one holds a lease, then say what was leased (RFC 2131). */
static int app_dhcp_bring_up(struct glass_stack *stack, const struct glass_app_opts *opts,
                             char *err, size_t errlen)
{
    struct glass_netif *nifs[GLASS_APP_MAX_IFS];
    unsigned n = 0;
    for (unsigned i = 0; i < opts->nifs; i++)
        if (opts->ifs[i].dhcp) {
            nifs[n] = glass_netif_by_name(stack, opts->ifs[i].name);
            if (!nifs[n] || glass_dhcp_start(nifs[n]) < 0) {
                set_err(err, errlen, "%s: cannot start DHCP: %s", opts->ifs[i].name,
                        strerror(errno));
                return -1;
            }
            n++;
        }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < n;) {
        struct glass_dhcp_lease l;
        if (glass_dhcp_lease(nifs[i], &l) == 0) {
            fprintf(stderr, "%s: DHCP lease %s/%u from %s for %llu s, router %s, dns %s\n",
                    glass_netif_name(nifs[i]), ip4s(l.addr).s, l.prefix_len, ip4s(l.server).s,
                    (unsigned long long)(l.lease / GLASS_USEC_PER_SEC), ip4s(l.router).s,
                    ip4s(l.dns).s);
            i++;
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        long ms = (t.tv_sec - t0.tv_sec) * 1000L + (t.tv_nsec - t0.tv_nsec) / 1000000L;
        if (ms >= GLASS_APP_DHCP_WAIT_MS) {
            set_err(err, errlen,
                    "%s: no DHCP lease within %d s (state %s): is a DHCP server on the link?",
                    glass_netif_name(nifs[i]), GLASS_APP_DHCP_WAIT_MS / 1000,
                    glass_dhcp_state_name(l.state));
            return -1;
        }
        glass_stack_poll(stack, 100);
    }
    return 0;
}

struct glass_stack *glass_app_bring_up(const struct glass_app_opts *opts, char *err,
                                       size_t errlen)
{
    struct glass_stack *stack = glass_stack_new(NULL);

    if (!stack) {
        set_err(err, errlen, "cannot create the stack: %s", strerror(errno));
        return NULL;
    }
    /* Capture and trace first, so they see the interfaces come up
     * (the gratuitous ARP of each address is the first frame). */
    if (opts->pcap && glass_capture_open(stack, opts->pcap, err, errlen) < 0)
        goto fail;
    if (opts->trace_mask)
        glass_trace_set(stack, opts->trace_mask, NULL);
    for (unsigned i = 0; i < opts->nifs; i++) {
        const struct glass_if_spec *spec = &opts->ifs[i];
        int offload = spec->has_offload ? spec->offload : GLASS_OFFLOAD_DEFAULT;
        struct glass_netif *nif =
            glass_netif_open_offload(stack, spec->driver, spec->name, offload, err, errlen);

        if (!nif || glass_app_configure_netif(nif, spec, err, errlen) < 0)
            goto fail;
    }
    if (report_capture(stack, opts, err, errlen) < 0)
        goto fail;
    if (glass_app_add_routes(stack, opts, err, errlen) < 0)
        goto fail;
    if (open_ctl(stack, opts, err, errlen) < 0)
        goto fail;
    if (app_dhcp_bring_up(stack, opts, err, errlen) < 0)
        goto fail;
    return stack;
fail:
    glass_app_shut_down(stack);
    return NULL;
}

/* snprintf at buf[*n], never past len; *n counts what did fit. */
static void appendf(char *buf, size_t len, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (*n + 1 >= len)
        return;
    va_start(ap, fmt);
    r = vsnprintf(buf + *n, len - *n, fmt, ap);
    va_end(ap);
    if (r > 0)
        *n = GLASS_MIN(*n + (size_t)r, len - 1);
}

void glass_app_describe(struct glass_stack *stack, const struct glass_app_opts *opts, char *buf,
                        size_t len)
{
    size_t n = 0;
    uint8_t mac[GLASS_ETH_ALEN];

    if (len == 0)
        return;
    buf[0] = '\0';
    for (unsigned i = 0; i < opts->nifs; i++) {
        const struct glass_if_spec *s = &opts->ifs[i];
        struct glass_netif *nif = glass_netif_by_name(stack, s->name);

        appendf(buf, len, &n, "%s%s", i ? ", " : "", s->name);
        if (s->has_addr)
            appendf(buf, len, &n, " %s/%u", ip4s(s->addr).s, s->prefix_len);
        else if (s->dhcp && nif && glass_netif_addr(nif))
            appendf(buf, len, &n, " %s (dhcp)", ip4s(glass_netif_addr(nif)).s);
        else
            appendf(buf, len, &n, " (no address)");
        if (nif) {
            glass_netif_get_mac(nif, mac);
            appendf(buf, len, &n, " mac %s mtu %u", macs(mac).s, glass_netif_mtu(nif));
        }
        if (s->has_impair)
            appendf(buf, len, &n,
                    " impaired (loss %g%% delay %g ms reorder %g%% dup %g%% seed %llu)",
                    s->impair.loss_ppm / 1e4, (double)s->impair.delay / 1e3,
                    s->impair.reorder_ppm / 1e4, s->impair.dup_ppm / 1e4,
                    (unsigned long long)s->impair.seed);
    }
    if (glass_app_want_default_route(opts))
        appendf(buf, len, &n, ", gw %s", ip4s(opts->gw).s);
    else if (app_uses_dhcp(opts))
        appendf(buf, len, &n, ", routes from dhcp");
    else if (!has_default_route(opts))
        appendf(buf, len, &n, ", no default route");
    for (unsigned i = 0; i < opts->nroutes; i++)
        appendf(buf, len, &n, ", route %s/%u via %s", ip4s(opts->routes[i].net).s,
                opts->routes[i].prefix_len, ip4s(opts->routes[i].via).s);
}

void glass_app_shut_down(struct glass_stack *stack)
{
    if (!stack)
        return;
    /* A clean exit gives DHCP leases back (RFC 2131 4.4.6) while the
     * capture still records (glass_stack_free would, too). */
    glass_stack_stop(stack);
    glass_dhcp_release_all(stack);
    glass_capture_close(stack);
    glass_stack_free(stack);
}

volatile sig_atomic_t glass_app_stop_signal;

static void on_signal(int sig)
{
    glass_app_stop_signal = sig;
}

void glass_app_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int glass_app_start_stack(struct glass_stack *stack)
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
