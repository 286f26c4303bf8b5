/*
 * dhcp.c - the DHCP client (RFC 2131 4.4, options from RFC 2132).
 *
 * One client per interface, driven by three things: glass_dhcp_start,
 * the replies udp_input hands to dhcp_input (UDP port 68), and two timers
 * on the stack clock -- `rtx` (retransmission, RFC 2131 4.1) and `lease`
 * (T1, T2 and expiry, RFC 2131 4.4.5).  The states are those of RFC 2131
 * figure 5:
 *
 *   INIT -DISCOVER-> SELECTING -OFFER/REQUEST-> REQUESTING -ACK-> BOUND
 *   BOUND -T1/REQUEST unicast-> RENEWING -T2/REQUEST broadcast-> REBINDING
 *   RENEWING/REBINDING -ACK-> BOUND;  -expiry-> INIT (address removed)
 *   REQUESTING/RENEWING/REBINDING -NAK-> INIT
 *
 * Before it has an address the client sends from 0.0.0.0 to
 * 255.255.255.255 on its own interface (ipv4_output_broadcast) and sets
 * the BROADCAST flag (RFC 2131 4.1), so that the server's replies come
 * to the limited broadcast, which IPv4 accepts on an interface without an
 * address (a unicast to an address we do not have yet would be dropped).
 *
 * Not done, on purpose: INIT-REBOOT (a restarted program asks anew), the
 * ARP probe of the offered address and DHCPDECLINE (RFC 2131 3.1 step 5
 * says the client SHOULD probe; glass accepts the address as given, and
 * says so in docs/routing.md), option overload (option 52: options in
 * sname/file are ignored), relay agents (giaddr) and DHCPINFORM.
 */
#include "dhcp.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "ipv4.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "route.h"
#include "stack.h"
#include "timer.h"
#include "trace.h"
#include "udp.h"
#include "util.h"

#define SEC GLASS_USEC_PER_SEC

/* Fixed-header offsets (RFC 2131 2, figure 1). */
#define D_OP 0
#define D_HTYPE 1
#define D_HLEN 2
#define D_XID 4
#define D_SECS 8
#define D_FLAGS 10
#define D_CIADDR 12
#define D_YIADDR 16
#define D_CHADDR 28
#define D_COOKIE 236
#define D_OPTIONS 240

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define DHCP_FLAG_BROADCAST 0x8000

/* Option codes (RFC 2132). */
#define OPT_PAD 0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER 3
#define OPT_DNS 6
#define OPT_REQUESTED_IP 50
#define OPT_LEASE_TIME 51
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_PARAM_LIST 55
#define OPT_T1 58
#define OPT_T2 59
#define OPT_END 255

struct dhcp_client {
    struct dhcp_client *next;
    struct glass_netif *nif;
    enum glass_dhcp_state state;
    uint32_t xid;
    uint64_t rng;
    glass_time_t began;         /* start of this exchange: the `secs` field */
    glass_time_t rtx_interval;  /* current backoff (before jitter) */
    unsigned tries;             /* REQUESTs sent for the current offer */
    struct glass_timer rtx;
    struct glass_timer lease_timer;
    uint32_t offered;           /* SELECTING/REQUESTING: the offer taken */
    uint32_t offer_server;
    struct glass_dhcp_lease lease; /* valid from BOUND on */
    bool applied;               /* lease.addr is on the interface */
    bool route_applied;         /* lease.router is the default route */
    uint8_t server_mac[GLASS_ETH_ALEN]; /* link source of the last ACK: where a
                                           RELEASE goes without asking ARP */
    bool has_server_mac;
};

const char *glass_dhcp_state_name(enum glass_dhcp_state s)
{
    static const char *const names[] = {"OFF",   "INIT",     "SELECTING", "REQUESTING",
                                        "BOUND", "RENEWING", "REBINDING"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static const char *dhcp_type_name(uint8_t t)
{
    static const char *const names[] = {"?",   "DISCOVER", "OFFER", "REQUEST",
                                        "DECLINE", "ACK", "NAK", "RELEASE"};
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static void dhcp_set_state(struct dhcp_client *c, enum glass_dhcp_state s)
{
    TRACE(c->nif->stack, GLASS_TRACE_UDP, "dhcp  %s %s -> %s", c->nif->name,
          glass_dhcp_state_name(c->state), glass_dhcp_state_name(s));
    c->state = s;
}

/* xorshift64*: xids and the +-1 s jitter need no more than that. */
static uint64_t dhcp_random(struct dhcp_client *c)
{
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * 0x2545F4914F6CDD1DULL;
}

static struct dhcp_client *dhcp_find(struct glass_stack *stack, const struct glass_netif *nif)
{
    for (struct dhcp_client *c = stack->dhcp; c; c = c->next)
        if (c->nif == nif)
            return c;
    return NULL;
}

/* ---- options --------------------------------------------------------------- */

/* An option whose payload must be a fixed size, or a non-empty list of
 * addresses: anything else is malformed (RFC 2132 3.3, 3.5, 3.8, 9.2 ...). */
static bool dhcp_option_len_ok(uint8_t code, uint8_t len)
{
    switch (code) {
    case OPT_MSG_TYPE:
        return len == 1;
    case OPT_SUBNET_MASK:
    case OPT_LEASE_TIME:
    case OPT_SERVER_ID:
    case OPT_T1:
    case OPT_T2:
        return len == 4;
    case OPT_ROUTER:
    case OPT_DNS:
        return len >= 4 && len % 4 == 0;
    default:
        return true; /* options we ignore: only their length must fit */
    }
}

/* A subnet mask is contiguous ones then zeros (RFC 950), and not /0 or
 * /32 for an interface address. */
static int dhcp_mask_prefix(uint32_t mask_be)
{
    uint32_t m = get_be32((const uint8_t *)&mask_be);
    unsigned n = 0;
    while (n < 32 && (m & (0x80000000u >> n)))
        n++;
    if (n == 0 || n > 31 || (n < 32 && (m << n) != 0))
        return -1;
    return (int)n;
}

int dhcp_parse_options(const uint8_t *opt, size_t len, struct dhcp_options *o)
{
    memset(o, 0, sizeof *o);
    size_t i = 0;
    while (i < len) {
        uint8_t code = opt[i++];
        if (code == OPT_PAD)
            continue;
        if (code == OPT_END)
            return 0;
        if (i >= len)
            return -1;            /* no length byte */
        uint8_t olen = opt[i++];
        if (olen > len - i || !dhcp_option_len_ok(code, olen))
            return -1;            /* runs past the message, or wrong for its code */
        const uint8_t *v = opt + i;
        switch (code) {
        case OPT_MSG_TYPE:
            o->msg_type = v[0];
            break;
        case OPT_SUBNET_MASK:
            o->mask = get_addr(v);
            o->has_mask = true;
            break;
        case OPT_ROUTER:
            o->router = get_addr(v);
            break;
        case OPT_DNS:
            o->dns = get_addr(v);
            break;
        case OPT_SERVER_ID:
            o->server_id = get_addr(v);
            break;
        case OPT_LEASE_TIME:
            o->lease = get_be32(v);
            o->has_lease = true;
            break;
        case OPT_T1:
            o->t1 = get_be32(v);
            o->has_t1 = true;
            break;
        case OPT_T2:
            o->t2 = get_be32(v);
            o->has_t2 = true;
            break;
        }
        i += olen;
    }
    return 0; /* no End option: RFC 2131 asks for one, but what we read was sound */
}

/* ---- sending --------------------------------------------------------------- */

static size_t opt_put(uint8_t *p, uint8_t code, const void *v, uint8_t len)
{
    p[0] = code;
    p[1] = len;
    memcpy(p + 2, v, len);
    return 2u + len;
}

/* Build and send one message of `type` from c's state (RFC 2131 4.3.2,
 * table 5 says which fields and options each state's REQUEST carries). */
static int dhcp_send(struct dhcp_client *c, uint8_t type)
{
    struct glass_netif *nif = c->nif;
    struct glass_stack *stack = nif->stack;
    uint8_t m[DHCP_MIN_LEN + 64];
    memset(m, 0, sizeof m);
    m[D_OP] = BOOTREQUEST;
    m[D_HTYPE] = 1; /* Ethernet */
    m[D_HLEN] = GLASS_ETH_ALEN;
    put_be32(m + D_XID, c->xid);
    glass_time_t secs = (glass_stack_now(stack) - c->began) / SEC;
    put_be16(m + D_SECS, (uint16_t)(secs > 0xffff ? 0xffff : secs));
    /* With a lease we can hear unicast (and send from our address). */
    bool have_addr = c->state == GLASS_DHCP_RENEWING || c->state == GLASS_DHCP_REBINDING ||
                     type == DHCPRELEASE;
    uint32_t src = have_addr ? c->lease.addr : 0;
    if (have_addr)
        put_addr(m + D_CIADDR, c->lease.addr);
    else
        put_be16(m + D_FLAGS, DHCP_FLAG_BROADCAST);
    memcpy(m + D_CHADDR, nif->mac, GLASS_ETH_ALEN);
    put_be32(m + D_COOKIE, DHCP_COOKIE);
    size_t n = D_OPTIONS;
    n += opt_put(m + n, OPT_MSG_TYPE, &type, 1);
    if (type == DHCPREQUEST && c->state == GLASS_DHCP_REQUESTING) {
        n += opt_put(m + n, OPT_REQUESTED_IP, &c->offered, 4);
        n += opt_put(m + n, OPT_SERVER_ID, &c->offer_server, 4);
    }
    if (type == DHCPRELEASE)
        n += opt_put(m + n, OPT_SERVER_ID, &c->lease.server, 4);
    if (type != DHCPRELEASE) {
        static const uint8_t want[] = {OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME,
                                       OPT_T1, OPT_T2};
        n += opt_put(m + n, OPT_PARAM_LIST, want, sizeof want);
    }
    m[n++] = OPT_END;

    /* RENEWING and RELEASE go to the server itself (RFC 2131 4.4.5, 4.4.6);
     * everything else to the limited broadcast. */
    bool unicast = c->state == GLASS_DHCP_RENEWING || type == DHCPRELEASE;
    uint32_t dst = unicast ? c->lease.server : 0xffffffffu;
    size_t ulen = UDP_HLEN + n;
    struct pkb *pkb = pkb_alloc(stack, ulen);
    if (!pkb)
        return -ENOBUFS;
    uint8_t *u = pkb_put(pkb, ulen);
    memcpy(u + UDP_HLEN, m, n);
    udp_build_header(u, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, ulen, src, dst);
    pkb_set_l4(pkb);
    STAT_INC(stack, dhcp, tx);
    TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s tx %s xid 0x%08x %s > %s", nif->name,
          dhcp_type_name(type), c->xid, ip4s(src).s, ip4s(dst).s);
    struct ipv4_tx tx = {.src = src, .dst = dst, .proto = IPPROTO_UDP_};
    /* A RELEASE is the last thing a program sends: straight to the MAC the
     * ACK came from, so that it leaves now rather than after ARP. */
    if (type == DHCPRELEASE && c->has_server_mac)
        return ipv4_output_link(nif, pkb, &tx, c->server_mac);
    return unicast ? ipv4_output(stack, pkb, &tx) : ipv4_output_link(nif, pkb, &tx, NULL);
}

/* RFC 2131 4.1: the interval, randomised by a uniform +-1 s. */
static void dhcp_arm_backoff(struct dhcp_client *c)
{
    glass_time_t jitter = dhcp_random(c) % (2 * DHCP_RTX_JITTER + 1);
    timer_arm(c->nif->stack, &c->rtx, c->rtx_interval - DHCP_RTX_JITTER + jitter);
}

/* ---- the lease on the interface -------------------------------------------- */

static void dhcp_unapply(struct dhcp_client *c)
{
    struct glass_stack *stack = c->nif->stack;
    if (c->route_applied)
        route_del_static(stack, 0, 0, c->lease.router);
    if (c->applied)
        netif_del_addr(c->nif, c->lease.addr);
    c->route_applied = c->applied = false;
}

static void dhcp_apply(struct dhcp_client *c)
{
    struct glass_stack *stack = c->nif->stack;
    int rc = netif_add_addr(c->nif, c->lease.addr, c->lease.prefix_len);
    c->applied = rc == 0 || rc == -EEXIST;
    /* Option 3: the first router becomes the default route -- unless one
     * exists already (glass never overrides a route it did not make). */
    if (c->lease.router && !c->route_applied) {
        const struct route *r = route_lookup(stack, 0);
        if (r && r->prefix_len == 0)
            TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: a default route exists, router %s not set",
                  c->nif->name, ip4s(c->lease.router).s);
        else
            c->route_applied = route_add_static(stack, 0, 0, c->lease.router, c->nif, 0) == 0;
    }
}

/* Back to INIT (NAK, expiry, REQUEST unanswered): forget everything and
 * start over with a new transaction, at once. */
static void dhcp_restart(struct dhcp_client *c)
{
    struct glass_stack *stack = c->nif->stack;
    timer_cancel(stack, &c->rtx);
    timer_cancel(stack, &c->lease_timer);
    dhcp_unapply(c);
    memset(&c->lease, 0, sizeof c->lease);
    dhcp_set_state(c, GLASS_DHCP_INIT);
    c->xid = (uint32_t)dhcp_random(c);
    c->began = glass_stack_now(stack);
    c->rtx_interval = DHCP_RTX_FIRST;
    c->tries = 0;
    /* RFC 2131 4.4.1: INIT -> send DHCPDISCOVER -> SELECTING. */
    dhcp_set_state(c, GLASS_DHCP_SELECTING);
    dhcp_send(c, DHCPDISCOVER);
    dhcp_arm_backoff(c);
}

/* RENEWING/REBINDING retransmission: half of what is left until `until`,
 * at least 60 s (RFC 2131 4.4.5). */
static void dhcp_arm_half(struct dhcp_client *c, glass_time_t until)
{
    glass_time_t now = glass_stack_now(c->nif->stack);
    glass_time_t half = until > now ? (until - now) / 2 : 0;
    timer_arm(c->nif->stack, &c->rtx, half > DHCP_RENEW_MIN ? half : DHCP_RENEW_MIN);
}

static void dhcp_rtx_fire(struct glass_stack *stack, void *arg)
{
    struct dhcp_client *c = arg;
    STAT_INC(stack, dhcp, retransmits);
    switch (c->state) {
    case GLASS_DHCP_SELECTING:
        c->rtx_interval = c->rtx_interval * 2 > DHCP_RTX_MAX ? DHCP_RTX_MAX : c->rtx_interval * 2;
        dhcp_send(c, DHCPDISCOVER);
        dhcp_arm_backoff(c);
        break;
    case GLASS_DHCP_REQUESTING:
        if (++c->tries >= DHCP_REQUEST_TRIES) {
            TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: no ACK after %u REQUESTs, starting over",
                  c->nif->name, c->tries);
            dhcp_restart(c);
            break;
        }
        c->rtx_interval = c->rtx_interval * 2 > DHCP_RTX_MAX ? DHCP_RTX_MAX : c->rtx_interval * 2;
        dhcp_send(c, DHCPREQUEST);
        dhcp_arm_backoff(c);
        break;
    case GLASS_DHCP_RENEWING:
        dhcp_send(c, DHCPREQUEST);
        dhcp_arm_half(c, c->lease.obtained + c->lease.t2);
        break;
    case GLASS_DHCP_REBINDING:
        dhcp_send(c, DHCPREQUEST);
        dhcp_arm_half(c, c->lease.obtained + c->lease.lease);
        break;
    default:
        break;
    }
}

/* T1, T2 and expiry, one after the other on the same timer. */
static void dhcp_lease_fire(struct glass_stack *stack, void *arg)
{
    struct dhcp_client *c = arg;
    glass_time_t now = glass_stack_now(stack);
    glass_time_t t2 = c->lease.obtained + c->lease.t2, end = c->lease.obtained + c->lease.lease;
    if (now >= end) {
        STAT_INC(stack, dhcp, expiries);
        TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: lease of %s expired", c->nif->name,
              ip4s(c->lease.addr).s);
        dhcp_restart(c);
        return;
    }
    if (now >= t2 && c->state != GLASS_DHCP_REBINDING) {
        /* RFC 2131 4.4.5: T2 -> broadcast the REQUEST to any server. */
        STAT_INC(stack, dhcp, rebinds);
        dhcp_set_state(c, GLASS_DHCP_REBINDING);
        c->xid = (uint32_t)dhcp_random(c);
        c->began = now;
        dhcp_send(c, DHCPREQUEST);
        dhcp_arm_half(c, end);
        timer_arm_at(stack, &c->lease_timer, end);
        return;
    }
    if (c->state == GLASS_DHCP_BOUND) {
        /* RFC 2131 4.4.5: T1 -> REQUEST unicast to the server that leased. */
        STAT_INC(stack, dhcp, renewals);
        dhcp_set_state(c, GLASS_DHCP_RENEWING);
        c->xid = (uint32_t)dhcp_random(c);
        c->began = now;
        dhcp_send(c, DHCPREQUEST);
        dhcp_arm_half(c, t2);
        timer_arm_at(stack, &c->lease_timer, t2);
        return;
    }
    timer_arm_at(stack, &c->lease_timer, c->state == GLASS_DHCP_REBINDING ? end : t2);
}

/* ---- receiving ------------------------------------------------------------- */

static void dhcp_drop(struct glass_stack *stack, const char *why)
{
    TRACE(stack, GLASS_TRACE_UDP, "dhcp  drop: %s", why);
}

static bool dhcp_addr_usable(uint32_t a)
{
    return a && !ip4_is_zeronet(a) && !ip4_is_multicast(a) && !ip4_is_limited_broadcast(a) &&
           !ip4_is_class_e(a) && !ip4_is_loopback(a);
}

/* SELECTING: take the first sound offer (RFC 2131 4.4.1 lets the client
 * choose; the first is what most clients do). */
static void dhcp_on_offer(struct dhcp_client *c, uint32_t yiaddr, const struct dhcp_options *o)
{
    struct glass_stack *stack = c->nif->stack;
    if (!o->server_id) { /* RFC 2131 table 3: MUST */
        STAT_INC(stack, dhcp, drop_missing_option);
        dhcp_drop(stack, "OFFER without a server identifier");
        return;
    }
    STAT_INC(stack, dhcp, offers);
    TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: offer %s from %s", c->nif->name, ip4s(yiaddr).s,
          ip4s(o->server_id).s);
    c->offered = yiaddr;
    c->offer_server = o->server_id;
    dhcp_set_state(c, GLASS_DHCP_REQUESTING);
    c->rtx_interval = DHCP_RTX_FIRST;
    c->tries = 0;
    dhcp_send(c, DHCPREQUEST); /* same xid as the offer (RFC 2131 4.4.1) */
    dhcp_arm_backoff(c);
}

/* The lease times (RFC 2131 4.4.5): T1 defaults to half the lease, T2 to
 * 7/8; values out of order are replaced by the defaults. */
static void dhcp_lease_times(struct glass_dhcp_lease *l, const struct dhcp_options *o)
{
    l->lease = (glass_time_t)o->lease * SEC;
    l->t1 = o->has_t1 ? (glass_time_t)o->t1 * SEC : l->lease / 2;
    l->t2 = o->has_t2 ? (glass_time_t)o->t2 * SEC : l->lease / 8 * 7;
    if (!(l->t1 < l->t2 && l->t2 < l->lease) && o->lease != 0xffffffffu) {
        l->t1 = l->lease / 2;
        l->t2 = l->lease / 8 * 7;
    }
}

static void dhcp_on_ack(struct dhcp_client *c, uint32_t yiaddr, const struct dhcp_options *o)
{
    struct glass_stack *stack = c->nif->stack;
    if (!o->has_lease || (!o->server_id && c->state == GLASS_DHCP_REQUESTING)) {
        STAT_INC(stack, dhcp, drop_missing_option);
        dhcp_drop(stack, "ACK without a lease time or server identifier");
        return;
    }
    int prefix = o->has_mask ? dhcp_mask_prefix(o->mask) : -1;
    if (o->has_mask && prefix < 0) {
        STAT_INC(stack, dhcp, drop_bad_option);
        dhcp_drop(stack, "ACK with a non-contiguous subnet mask");
        return;
    }
    if (prefix < 0) /* no option 1: the class's natural mask (RFC 2131 doesn't say) */
        prefix = 24;
    STAT_INC(stack, dhcp, acks);
    struct glass_dhcp_lease l = {0};
    l.addr = yiaddr;
    l.prefix_len = (unsigned)prefix;
    l.router = dhcp_addr_usable(o->router) ? o->router : 0;
    l.dns = dhcp_addr_usable(o->dns) ? o->dns : 0;
    l.server = o->server_id ? o->server_id : c->lease.server;
    l.obtained = glass_stack_now(stack);
    dhcp_lease_times(&l, o);
    /* A renewal may change what the lease says: re-apply when it does. */
    if (c->applied && (c->lease.addr != l.addr || c->lease.prefix_len != l.prefix_len ||
                       c->lease.router != l.router))
        dhcp_unapply(c);
    c->lease = l;
    dhcp_set_state(c, GLASS_DHCP_BOUND);
    c->lease.state = GLASS_DHCP_BOUND;
    dhcp_apply(c);
    timer_cancel(stack, &c->rtx);
    if (o->lease == 0xffffffffu) /* RFC 2131 3.3: infinite */
        timer_cancel(stack, &c->lease_timer);
    else
        timer_arm_at(stack, &c->lease_timer, l.obtained + l.t1);
    TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: bound to %s/%u router %s lease %llus",
          c->nif->name, ip4s(l.addr).s, l.prefix_len, ip4s(l.router).s,
          (unsigned long long)(l.lease / SEC));
}

static void dhcp_on_nak(struct dhcp_client *c, const struct dhcp_options *o)
{
    struct glass_stack *stack = c->nif->stack;
    uint32_t from = c->state == GLASS_DHCP_REQUESTING ? c->offer_server : c->lease.server;
    /* Only the server we asked (when it names itself) may refuse us:
     * anybody on the link could otherwise knock our lease away. */
    if (o->server_id && from && o->server_id != from && c->state != GLASS_DHCP_REBINDING) {
        STAT_INC(stack, dhcp, drop_unexpected);
        dhcp_drop(stack, "NAK from a server we did not ask");
        return;
    }
    STAT_INC(stack, dhcp, naks);
    TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: NAK from %s, starting over", c->nif->name,
          ip4s(o->server_id).s);
    dhcp_restart(c);
}

/* Fixed header: a BOOTREPLY for an Ethernet client, our xid and MAC. */
static bool dhcp_header_ok(struct dhcp_client *c, const uint8_t *m, size_t len)
{
    struct glass_stack *stack = c->nif->stack;
    if (len < DHCP_MIN_LEN) {
        STAT_INC(stack, dhcp, drop_short);
        dhcp_drop(stack, "shorter than a DHCP header");
        return false;
    }
    if (m[D_OP] != BOOTREPLY || m[D_HTYPE] != 1 || m[D_HLEN] != GLASS_ETH_ALEN ||
        get_be32(m + D_COOKIE) != DHCP_COOKIE) {
        STAT_INC(stack, dhcp, drop_bad_header);
        dhcp_drop(stack, "not a DHCP reply for Ethernet");
        return false;
    }
    if (get_be32(m + D_XID) != c->xid || memcmp(m + D_CHADDR, c->nif->mac, GLASS_ETH_ALEN) != 0) {
        STAT_INC(stack, dhcp, drop_not_ours);
        dhcp_drop(stack, "xid or chaddr not ours");
        return false;
    }
    return true;
}

static void dhcp_process(struct dhcp_client *c, const uint8_t *m, size_t len,
                         const uint8_t *l2)
{
    struct glass_stack *stack = c->nif->stack;
    if (!dhcp_header_ok(c, m, len))
        return;
    struct dhcp_options o;
    if (dhcp_parse_options(m + D_OPTIONS, len - D_OPTIONS, &o) < 0) {
        STAT_INC(stack, dhcp, drop_bad_option);
        dhcp_drop(stack, "malformed option length");
        return;
    }
    if (!o.msg_type) {
        STAT_INC(stack, dhcp, drop_missing_option);
        dhcp_drop(stack, "no message type (a BOOTP reply)");
        return;
    }
    uint32_t yiaddr = get_addr(m + D_YIADDR);
    TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s rx %s xid 0x%08x yiaddr %s in %s", c->nif->name,
          dhcp_type_name(o.msg_type), c->xid, ip4s(yiaddr).s, glass_dhcp_state_name(c->state));
    bool in_request = c->state == GLASS_DHCP_REQUESTING || c->state == GLASS_DHCP_RENEWING ||
                      c->state == GLASS_DHCP_REBINDING;
    if (o.msg_type == DHCPOFFER && c->state == GLASS_DHCP_SELECTING && dhcp_addr_usable(yiaddr))
        dhcp_on_offer(c, yiaddr, &o);
    else if (o.msg_type == DHCPACK && in_request && dhcp_addr_usable(yiaddr)) {
        dhcp_on_ack(c, yiaddr, &o);
        if (l2 && c->state == GLASS_DHCP_BOUND) {
            memcpy(c->server_mac, l2 + GLASS_ETH_ALEN, GLASS_ETH_ALEN); /* Ethernet source */
            c->has_server_mac = true;
        }
    }
    else if (o.msg_type == DHCPNAK && in_request)
        dhcp_on_nak(c, &o);
    else {
        STAT_INC(stack, dhcp, drop_unexpected);
        dhcp_drop(stack, "not expected in this state");
    }
}

bool dhcp_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    struct dhcp_client *c = dhcp_find(stack, nif);
    if (!c || c->state == GLASS_DHCP_OFF)
        return false;
    STAT_INC(stack, dhcp, rx);
    dhcp_process(c, pkb->data, pkb_len(pkb), pkb_l2(pkb));
    pkb_free(stack, pkb);
    return true;
}

/* ---- the public calls ------------------------------------------------------- */

int glass_dhcp_start(struct glass_netif *nif)
{
    struct glass_stack *stack = nif->stack;
    glass_stack_lock(stack);
    int err = 0;
    struct dhcp_client *c = dhcp_find(stack, nif);
    if (c && c->state != GLASS_DHCP_OFF) {
        err = EEXIST;
    } else if (!c && !(c = glass_alloc(stack, sizeof *c))) {
        err = ENOMEM;
    } else if (!c->nif) {
        c->nif = nif;
        timer_init(&c->rtx, "dhcp-rtx", dhcp_rtx_fire, c);
        timer_init(&c->lease_timer, "dhcp-lease", dhcp_lease_fire, c);
        c->next = stack->dhcp;
        stack->dhcp = c;
    }
    if (!err) {
        if (getrandom(&c->rng, sizeof c->rng, 0) != (ssize_t)sizeof c->rng)
            c->rng = glass_stack_now(stack);
        c->rng ^= (uint64_t)nif->index << 32 | 1; /* never zero */
        if (nif->mac_auto) {
            /* The server knows us by chaddr: fix the MAC now, since the
             * first address would otherwise change it (netif.c). */
            uint64_t r = dhcp_random(c);
            nif->mac[0] = 0x02; /* locally administered, unicast */
            nif->mac[1] = 0x00;
            memcpy(nif->mac + 2, &r, 4);
            nif->mac_auto = false;
        }
        dhcp_restart(c);
    }
    glass_stack_unlock(stack);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int glass_dhcp_lease(struct glass_netif *nif, struct glass_dhcp_lease *out)
{
    glass_stack_lock(nif->stack);
    struct dhcp_client *c = dhcp_find(nif->stack, nif);
    int err = 0;
    if (!c) {
        err = ENOENT;
        memset(out, 0, sizeof *out);
    } else {
        *out = c->lease;
        out->state = c->state;
        if (c->state < GLASS_DHCP_BOUND) {
            err = EAGAIN;
            out->addr = 0;
        }
    }
    glass_stack_unlock(nif->stack);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

static void dhcp_stop(struct dhcp_client *c)
{
    struct glass_stack *stack = c->nif->stack;
    timer_cancel(stack, &c->rtx);
    timer_cancel(stack, &c->lease_timer);
    dhcp_unapply(c);
    c->state = GLASS_DHCP_OFF;
}

/* Stack context: RELEASE a held lease and stop the client. */
static void dhcp_release(struct dhcp_client *c)
{
    struct glass_stack *stack = c->nif->stack;
    struct glass_netif *nif = c->nif;
    if (c->state >= GLASS_DHCP_BOUND) {
        /* RFC 2131 4.4.6: DHCPRELEASE, unicast to the server, with the
         * address in ciaddr -- sent while the address is still ours. */
        c->xid = (uint32_t)dhcp_random(c);
        if (dhcp_send(c, DHCPRELEASE) == 0)
            STAT_INC(stack, dhcp, releases);
        TRACE(stack, GLASS_TRACE_UDP, "dhcp  %s: released %s", nif->name,
              ip4s(c->lease.addr).s);
    }
    dhcp_stop(c);
    dhcp_set_state(c, GLASS_DHCP_OFF);
    memset(&c->lease, 0, sizeof c->lease);
}

int glass_dhcp_release(struct glass_netif *nif)
{
    struct glass_stack *stack = nif->stack;
    glass_stack_lock(stack);
    struct dhcp_client *c = dhcp_find(stack, nif);
    if (c)
        dhcp_release(c);
    glass_stack_unlock(stack);
    if (!c) {
        errno = ENOENT;
        return -1;
    }
    return 0;
}

static int dhcp_release_all(struct glass_stack *stack)
{
    int n = 0;
    for (struct dhcp_client *c = stack->dhcp; c; c = c->next)
        if (c->state >= GLASS_DHCP_BOUND) {
            dhcp_release(c);
            n++;
        }
    return n;
}

int glass_dhcp_release_all(struct glass_stack *stack)
{
    glass_stack_lock(stack);
    int n = dhcp_release_all(stack);
    glass_stack_unlock(stack);
    return n;
}

uint32_t glass_dhcp_dns(struct glass_stack *stack)
{
    uint32_t dns = 0;
    glass_stack_lock(stack);
    for (struct dhcp_client *c = stack->dhcp; c && !dns; c = c->next)
        if (c->state >= GLASS_DHCP_BOUND)
            dns = c->lease.dns;
    glass_stack_unlock(stack);
    return dns;
}

void dhcp_destroy(struct glass_stack *stack)
{
    dhcp_release_all(stack); /* a clean exit gives the leases back */
    while (stack->dhcp) {
        struct dhcp_client *c = stack->dhcp;
        stack->dhcp = c->next;
        timer_cancel(stack, &c->rtx);
        timer_cancel(stack, &c->lease_timer);
        glass_free(stack, c);
    }
}
