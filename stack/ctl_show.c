/*
 * ctl_show.c - what glassctl shows: interfaces, the neighbour cache,
 * routes, sockets, TCP control blocks, counters, and the run-time
 * switches (route add/del, trace).  Each command fills a ctl_table
 * (ctl_out.h) so the text and the JSON forms always say the same thing.
 */
#include "ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "arp.h"
#include "netif.h"
#include "route.h"
#include "socket.h"
#include "stack.h"
#include "stats.h"
#include "tcp.h"
#include "timer.h"
#include "util.h"

static void ctl_emit(const struct ctl_table *t, const struct ctl_args *a, struct ctl_buf *out)
{
    if (a->json)
        ctl_table_json(t, out);
    else
        ctl_table_text(t, out);
}

static int ctl_no_args(const struct ctl_args *a, const char *cmd, struct ctl_buf *out)
{
    if (a->argc == 0)
        return 0;
    ctl_printf(out, "%s: unexpected argument '%s' (it takes none)", cmd, a->argv[0]);
    return -1;
}

/* Microseconds as seconds with three decimals: "1.250". */
static void cell_secs(struct ctl_table *t, glass_time_t us)
{
    ctl_table_cell(t, "%llu.%03llu", (unsigned long long)(us / GLASS_USEC_PER_SEC),
                   (unsigned long long)(us % GLASS_USEC_PER_SEC / GLASS_USEC_PER_MSEC));
}

/* Microseconds as milliseconds with three decimals: "12.500". */
static void cell_ms(struct ctl_table *t, glass_time_t us)
{
    ctl_table_cell(t, "%llu.%03llu", (unsigned long long)(us / GLASS_USEC_PER_MSEC),
                   (unsigned long long)(us % GLASS_USEC_PER_MSEC));
}

static void cell_u64(struct ctl_table *t, uint64_t v)
{
    ctl_table_cell(t, "%llu", (unsigned long long)v);
}

/* "10.0.0.2:80"; a zero address or port prints as "*" the way ss does. */
static void cell_endpoint(struct ctl_table *t, uint32_t addr, uint16_t port_be)
{
    char a[16] = "*", p[8] = "*";
    if (addr)
        snprintf(a, sizeof a, "%s", ip4s(addr).s);
    if (port_be)
        snprintf(p, sizeof p, "%u", ntohs(port_be));
    ctl_table_cell(t, "%s:%s", a, p);
}

/* ---- if: like ip -s link / ip addr --------------------------------------- */

/* The offload mode: "vnet" when the driver talks virtio-net headers with
 * the device (a tap opened with IFF_VNET_HDR, drivers/tap_vnet.c) and so
 * has features, "plain" otherwise; then the features by ethtool-like
 * names (rx-csum: received checksums the device vouched for are trusted;
 * tx-csum: it completes partial checksums; tso4: it cuts TCPv4
 * super-segments), and the counters of GSO frames in and TSO out. */
static void if_offload_cells(struct ctl_table *t, const struct glass_netif *nif)
{
    static const struct {
        unsigned bit;
        const char *name;
    } feats[] = {
        {NETIF_F_RX_CSUM_TRUSTED, "rx-csum"},
        {NETIF_F_TX_CSUM_PARTIAL, "tx-csum"},
        {NETIF_F_TSO4, "tso4"},
    };
    char list[64] = "";
    size_t n = 0;
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(feats); i++)
        if (nif->features & feats[i].bit)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? "," : "", feats[i].name);
    ctl_table_cell(t, "%s", nif->features ? "vnet" : "plain");
    ctl_table_cell(t, "%s", n ? list : "-");
    cell_u64(t, nif->cnt.gso_rx);
    cell_u64(t, nif->cnt.tso_tx);
}

int ctl_cmd_if(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    if (ctl_no_args(a, "if", out) < 0)
        return -1;
    struct ctl_table t;
    ctl_table_init(&t, "interfaces", false);
    ctl_table_col(&t, "name", "NAME", CTL_STR);
    ctl_table_col(&t, "kind", "KIND", CTL_STR);
    ctl_table_col(&t, "state", "STATE", CTL_STR);
    ctl_table_col(&t, "mtu", "MTU", CTL_NUM);
    ctl_table_col(&t, "mac", "MAC", CTL_STR);
    ctl_table_col(&t, "addresses", "ADDRESSES", CTL_LIST);
    ctl_table_col(&t, "rx_packets", "RX-PKTS", CTL_NUM);
    ctl_table_col(&t, "rx_bytes", "RX-BYTES", CTL_NUM);
    ctl_table_col(&t, "rx_dropped", "RX-DROP", CTL_NUM);
    ctl_table_col(&t, "tx_packets", "TX-PKTS", CTL_NUM);
    ctl_table_col(&t, "tx_bytes", "TX-BYTES", CTL_NUM);
    ctl_table_col(&t, "tx_errors", "TX-ERR", CTL_NUM);
    /* Offloads (issue 8): the mode the driver opened the device in and
     * what it may do for us, then how often it did (per interface). */
    ctl_table_col(&t, "offload", "OFFLOAD", CTL_STR);
    ctl_table_col(&t, "features", "FEATURES", CTL_LIST);
    ctl_table_col(&t, "gso_rx", "GSO-RX", CTL_NUM);
    ctl_table_col(&t, "tso_tx", "TSO-TX", CTL_NUM);
    for (const struct glass_netif *nif = stack->netifs; nif; nif = nif->next) {
        char addrs[NETIF_MAX_ADDRS * 20] = "";
        size_t n = 0;
        for (unsigned i = 0; i < nif->naddrs; i++)
            n += (size_t)snprintf(addrs + n, sizeof addrs - n, "%s%s/%u", i ? "," : "",
                                  ip4s(nif->addrs[i].addr).s, nif->addrs[i].prefix_len);
        ctl_table_row(&t);
        ctl_table_cell(&t, "%s", nif->name);
        ctl_table_cell(&t, "%s", nif->ops && nif->ops->kind ? nif->ops->kind : "?");
        ctl_table_cell(&t, "%s", nif->up ? "UP" : "DOWN");
        ctl_table_cell(&t, "%u", nif->mtu);
        ctl_table_cell(&t, "%s", macs(nif->mac).s);
        ctl_table_cell(&t, "%s", nif->naddrs ? addrs : "-");
        cell_u64(&t, nif->cnt.rx_packets);
        cell_u64(&t, nif->cnt.rx_bytes);
        cell_u64(&t, nif->cnt.rx_dropped);
        cell_u64(&t, nif->cnt.tx_packets);
        cell_u64(&t, nif->cnt.tx_bytes);
        cell_u64(&t, nif->cnt.tx_errors);
        if_offload_cells(&t, nif);
    }
    ctl_emit(&t, a, out);
    ctl_table_free(&t);
    return 0;
}

/* ---- arp: like ip neigh --------------------------------------------------- */

int ctl_cmd_arp(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    if (ctl_no_args(a, "arp", out) < 0)
        return -1;
    glass_time_t now = glass_stack_now(stack);
    struct ctl_table t;
    ctl_table_init(&t, "arp", false);
    ctl_table_col(&t, "address", "ADDRESS", CTL_STR);
    ctl_table_col(&t, "iface", "IFACE", CTL_STR);
    ctl_table_col(&t, "mac", "MAC", CTL_STR);
    ctl_table_col(&t, "state", "STATE", CTL_STR);
    ctl_table_col(&t, "age_s", "AGE(s)", CTL_NUM);
    ctl_table_col(&t, "queued", "QUEUED", CTL_NUM);
    ctl_table_col(&t, "requests", "REQUESTS", CTL_NUM);
    ctl_table_col(&t, "expires_s", "EXPIRES(s)", CTL_NUM);
    struct arp_entry_info e;
    for (unsigned i = 0; arp_entry_at(stack, i, &e) == 0; i++) {
        ctl_table_row(&t);
        ctl_table_cell(&t, "%s", ip4s(e.addr).s);
        ctl_table_cell(&t, "%s", e.nif ? e.nif->name : "?");
        ctl_table_cell(&t, "%s", e.state == ARP_INCOMPLETE ? "-" : macs(e.mac).s);
        ctl_table_cell(&t, "%s", arp_state_name(e.state));
        if (e.state == ARP_INCOMPLETE || e.state == ARP_STATIC)
            ctl_table_cell(&t, "-");
        else
            cell_secs(&t, e.age);
        ctl_table_cell(&t, "%u", e.queued);
        ctl_table_cell(&t, "%u", e.requests);
        if (e.expires == TIMER_NEVER)
            ctl_table_cell(&t, "-");
        else
            cell_secs(&t, e.expires > now ? e.expires - now : 0);
    }
    ctl_emit(&t, a, out);
    ctl_table_free(&t);
    return 0;
}

/* ---- route: like ip route --------------------------------------------------- */

int ctl_cmd_route_show(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    if (ctl_no_args(a, "route", out) < 0)
        return -1;
    struct ctl_table t;
    ctl_table_init(&t, "routes", false);
    ctl_table_col(&t, "destination", "DESTINATION", CTL_STR);
    ctl_table_col(&t, "gateway", "GATEWAY", CTL_STR);
    ctl_table_col(&t, "iface", "IFACE", CTL_STR);
    ctl_table_col(&t, "metric", "METRIC", CTL_NUM);
    ctl_table_col(&t, "origin", "ORIGIN", CTL_STR);
    const struct route *r;
    for (unsigned i = 0; (r = route_at(stack, i)); i++) {
        ctl_table_row(&t);
        ctl_table_cell(&t, "%s/%u", ip4s(r->net).s, r->prefix_len);
        ctl_table_cell(&t, "%s", r->gateway ? ip4s(r->gateway).s : "-");
        ctl_table_cell(&t, "%s", r->nif ? r->nif->name : "?");
        ctl_table_cell(&t, "%u", r->metric);
        ctl_table_cell(&t, "%s", r->origin == ROUTE_CONNECTED ? "connected" : "static");
    }
    ctl_emit(&t, a, out);
    ctl_table_free(&t);
    return 0;
}

/* "NET/N" with no host bits, for route add/del. */
static int parse_prefix(const char *s, uint32_t *net, unsigned *plen, struct ctl_buf *out)
{
    if (ip4_prefix_parse(s, net, plen) < 0) {
        ctl_printf(out, "route: bad prefix '%s', expected NET/N such as 10.9.0.0/16", s);
        return -1;
    }
    if ((*net & ~ip4_mask(*plen)) != 0) {
        ctl_printf(out, "route: '%s' has host bits set, expected the network address "
                   "(such as %s/%u)", s, ip4s(*net & ip4_mask(*plen)).s, *plen);
        return -1;
    }
    return 0;
}

/* route add NET/N via ADDR [dev NAME] [metric N]
 * route add NET/N dev NAME [metric N]          (on-link)
 * route del NET/N [via ADDR] */
int ctl_cmd_route_change(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    bool add = strcmp(a->argv[0], "add") == 0;
    uint32_t net, via = 0;
    unsigned plen, metric = 0;
    const char *dev = NULL;

    if (a->argc < 2) {
        ctl_printf(out, "route %s: expected NET/N, as in 'route %s 10.9.0.0/16 via 10.0.0.1'",
                   a->argv[0], a->argv[0]);
        return -1;
    }
    if (parse_prefix(a->argv[1], &net, &plen, out) < 0)
        return -1;
    for (int i = 2; i < a->argc; i += 2) {
        const char *k = a->argv[i], *v = i + 1 < a->argc ? a->argv[i + 1] : NULL;
        if (!v) {
            ctl_printf(out, "route %s: '%s' needs a value", a->argv[0], k);
            return -1;
        }
        if (strcmp(k, "via") == 0) {
            if (ip4_parse(v, &via) < 0) {
                ctl_printf(out, "route %s: bad gateway '%s', expected an IPv4 address",
                           a->argv[0], v);
                return -1;
            }
        } else if (add && strcmp(k, "dev") == 0) {
            dev = v;
        } else if (add && strcmp(k, "metric") == 0) {
            char *end;
            unsigned long m = strtoul(v, &end, 10);
            if (*v < '0' || *v > '9' || *end || m > 65535) {
                ctl_printf(out, "route add: bad metric '%s', expected 0..65535", v);
                return -1;
            }
            metric = (unsigned)m;
        } else {
            ctl_printf(out, "route %s: unknown word '%s', expected %s", a->argv[0], k,
                       add ? "via ADDR, dev NAME or metric N" : "via ADDR");
            return -1;
        }
    }
    if (!add) {
        /* Without "via": the static route to NET/N, whatever its gateway. */
        glass_stack_lock(stack);
        const struct route *r;
        for (unsigned i = 0; !via && (r = route_at(stack, i)); i++)
            if (r->origin == ROUTE_STATIC && r->net == net && r->prefix_len == plen) {
                via = r->gateway;
                break;
            }
        glass_stack_unlock(stack);
        if (glass_route_del(stack, net, plen, via) < 0) {
            ctl_printf(out, "route del %s/%u%s%s: no such static route", ip4s(net).s, plen,
                       via ? " via " : "", via ? ip4s(via).s : "");
            return -1;
        }
        ctl_printf(out, a->json ? "{\"deleted\": \"%s/%u\"}\n" : "deleted %s/%u\n",
                   ip4s(net).s, plen);
        return 0;
    }
    struct glass_netif *nif = NULL;
    if (dev && !(nif = glass_netif_by_name(stack, dev))) {
        ctl_printf(out, "route add: no interface '%s' (see glassctl if)", dev);
        return -1;
    }
    if (!via && !nif) {
        ctl_printf(out, "route add: expected 'via ADDR' or 'dev NAME'");
        return -1;
    }
    if (glass_route_add(stack, net, plen, via, nif, metric) < 0) {
        int e = errno;
        ctl_printf(out, "route add %s/%u: %s", ip4s(net).s, plen,
                   e == ENETUNREACH ? "the gateway is not on a connected subnet"
                   : e == EINVAL ? "not a usable gateway (it must be a unicast neighbour)"
                   : e == EEXIST ? "that route exists already"
                   : strerror(e));
        return -1;
    }
    ctl_printf(out, a->json ? "{\"added\": \"%s/%u\"}\n" : "added %s/%u\n", ip4s(net).s, plen);
    return 0;
}

/* ---- ss: like ss -tuan ------------------------------------------------------- */

/* Has the connection passed the SYNs (so options are agreed)? */
static bool tcb_synced(const struct tcp_cb *tcb)
{
    return tcb->state != TCP_LISTEN && tcb->state != TCP_CLOSED && tcb->state != TCP_SYN_SENT;
}

/* The flags `ss -ti` prints for a Linux socket, in its order and words:
 * "ts sack cubic wscale:7,5" -- Timestamps (RFC 7323 3) and SACK
 * (RFC 2018) when both SYNs agreed, the congestion control, and the
 * window scale shifts as snd,rcv (Snd.Wind.Shift is the peer's,
 * Rcv.Wind.Shift ours; RFC 7323 2.3) when scaling is on. */
static void tcb_info_flags(const struct tcp_cb *tcb, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    bool synced = tcb_synced(tcb);
    if (synced && tcb->ts_ok)
        n += (size_t)snprintf(buf + n, len - n, "ts ");
    if (synced && tcb->sack.ok && n < len)
        n += (size_t)snprintf(buf + n, len - n, "sack ");
    if (tcb->cc && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s ", tcb->cc->name);
    if (synced && tcb->ws_ok && n < len)
        n += (size_t)snprintf(buf + n, len - n, "wscale:%u,%u ", tcb->snd_wscale,
                              tcb->rcv_wscale);
    if (n >= len)
        n = len - 1;
    if (n && buf[n - 1] == ' ')
        buf[n - 1] = '\0';
    if (!buf[0])
        snprintf(buf, len, "-");
}

static void ss_tcp_row(struct ctl_table *t, const struct tcp_cb *tcb)
{
    ctl_table_row(t);
    ctl_table_cell(t, "tcp");
    ctl_table_cell(t, "%s", tcp_state_name(tcb->state));
    /* Like Linux: a listener shows its accept queue and the backlog
     * listen() was given (tcp_user_listen keeps it + 1, as Linux admits). */
    if (tcb->state == TCP_LISTEN) {
        ctl_table_cell(t, "%u", tcb->acc_q_len);
        ctl_table_cell(t, "%u", tcb->backlog ? tcb->backlog - 1 : 0);
    } else {
        ctl_table_cell(t, "%zu", tcb->rcvbuf.len);
        ctl_table_cell(t, "%zu", tcb->sndbuf.len);
    }
    cell_endpoint(t, tcb->laddr, tcb->lport);
    cell_endpoint(t, tcb->faddr, tcb->fport);
    if (tcb->sk)
        ctl_table_cell(t, "%d", tcb->sk->fd);
    else
        ctl_table_cell(t, "-");
    char info[96];
    tcb_info_flags(tcb, info, sizeof info);
    ctl_table_cell(t, "%s", info);
}

int ctl_cmd_ss(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    if (ctl_no_args(a, "ss", out) < 0)
        return -1;
    struct ctl_table t;
    ctl_table_init(&t, "sockets", false);
    ctl_table_col(&t, "proto", "PROTO", CTL_STR);
    ctl_table_col(&t, "state", "STATE", CTL_STR);
    ctl_table_col(&t, "recv_q", "RECV-Q", CTL_NUM);
    ctl_table_col(&t, "send_q", "SEND-Q", CTL_NUM);
    ctl_table_col(&t, "local", "LOCAL", CTL_STR);
    ctl_table_col(&t, "peer", "PEER", CTL_STR);
    ctl_table_col(&t, "fd", "FD", CTL_NUM);
    ctl_table_col(&t, "info", "INFO", CTL_STR);
    /* TCP: every control block, so orphans (FIN_WAIT, TIME_WAIT) and
     * children not yet accepted show too, as they do in ss. */
    for (const struct tcp_cb *tcb = stack->tcp ? stack->tcp->tcbs : NULL; tcb; tcb = tcb->next)
        ss_tcp_row(&t, tcb);
    for (const struct glass_sock *sk = stack->socks; sk; sk = sk->next) {
        if (sk->type != SOCK_DGRAM || sk->closed)
            continue;
        ctl_table_row(&t);
        ctl_table_cell(&t, "udp");
        ctl_table_cell(&t, "%s", sk->connected ? "ESTAB" : "UNCONN");
        ctl_table_cell(&t, "%zu", sk->rcv_used);
        ctl_table_cell(&t, "0");
        cell_endpoint(&t, sk->laddr, sk->lport);
        cell_endpoint(&t, sk->connected ? sk->faddr : 0, sk->connected ? sk->fport : 0);
        ctl_table_cell(&t, "%d", sk->fd);
        ctl_table_cell(&t, "-");
    }
    ctl_emit(&t, a, out);
    ctl_table_free(&t);
    return 0;
}

/* ---- tcb: one control block in full ------------------------------------------ */

/* "ADDR:PORT" -> address and port (network order). */
static int parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
    char buf[32];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof buf)
        return -1;
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end || p > 65535)
        return -1;
    if (strcmp(buf, "*") == 0)
        *addr = 0;
    else if (ip4_parse(buf, addr) < 0)
        return -1;
    *port = htons((uint16_t)p);
    return 0;
}

static void tcb_timer_item(char *buf, size_t len, size_t *n, const char *name,
                           const struct glass_timer *tm, glass_time_t now)
{
    if (!timer_pending(tm) || *n >= len)
        return;
    glass_time_t left = tm->expires > now ? tm->expires - now : 0;
    *n += (size_t)snprintf(buf + *n, len - *n, "%s%s %llu.%03llums", *n ? "," : "", name,
                           (unsigned long long)(left / GLASS_USEC_PER_MSEC),
                           (unsigned long long)(left % GLASS_USEC_PER_MSEC));
}

/* CUBIC's variables (RFC 9438 4.1, windows in segments) and the
 * HyStart++ phase (RFC 9406 4.2): hystart, cubic_w_max, cubic_k,
 * cubic_t; "-" for another algorithm, cubic_t "-" outside a congestion
 * avoidance stage. */
static void tcb_cc_cells(struct ctl_table *t, const struct tcp_cb *tcb, glass_time_t now)
{
    struct tcp_cubic_info ci;
    if (!tcp_cubic_info(tcb, &ci)) {
        for (int i = 0; i < 4; i++)
            ctl_table_cell(t, "-");
        return;
    }
    ctl_table_cell(t, "%s", ci.hystart == TCP_HYSTART_SS    ? "ss"
                            : ci.hystart == TCP_HYSTART_CSS ? "css"
                                                            : "off");
    ctl_table_cell(t, "%.2f", ci.w_max);
    ctl_table_cell(t, "%.3f", ci.k);
    if (ci.in_epoch) {
        glass_time_t el = now > ci.t_epoch ? now - ci.t_epoch : 0;
        cell_secs(t, el);
    } else {
        ctl_table_cell(t, "-");
    }
}

/* SACK loss recovery (RFC 6675): RecoveryPoint while in recovery (the
 * NewReno kind, RFC 6582, keeps the same point: "recover" is one past
 * it), pipe (RFC 6675 4 SetPipe) when SACK is on, and the sender's
 * scoreboard as "left-right" ranges of SACKed sequence space. */
static void tcb_sack_cells(struct ctl_table *t, const struct tcp_cb *tcb)
{
    ctl_table_cell(t, "%s", !tcb->in_recovery ? "no" : tcb->sack.recovery ? "sack" : "newreno");
    if (tcb->in_recovery)
        ctl_table_cell(t, "%u", tcb->recover - 1);
    else
        ctl_table_cell(t, "-");
    if (tcb->sack.ok)
        ctl_table_cell(t, "%u", tcp_sack_pipe(tcb));
    else
        ctl_table_cell(t, "-");
    char sb[TCP_SACK_SB_MAX * 24] = "";
    size_t n = 0;
    for (unsigned i = 0; i < tcb->sack.nsb && n < sizeof sb; i++)
        n += (size_t)snprintf(sb + n, sizeof sb - n, "%s%u-%u", i ? "," : "",
                              tcb->sack.sb[i].left, tcb->sack.sb[i].right);
    ctl_table_cell(t, "%s", n ? sb : "-");
}

/* What the SYNs agreed beyond MSS (RFC 7323, RFC 2018): snd_wscale and
 * rcv_wscale ("-" unless both SYNs carried Window Scale), ts and
 * ts_recent (TS.Recent, RFC 7323 4.3), sack. */
static void tcb_opt_cells(struct ctl_table *t, const struct tcp_cb *tcb, bool synced)
{
    if (synced && tcb->ws_ok) {
        ctl_table_cell(t, "%u", tcb->snd_wscale);
        ctl_table_cell(t, "%u", tcb->rcv_wscale);
    } else {
        ctl_table_cell(t, "-");
        ctl_table_cell(t, "-");
    }
    ctl_table_cell(t, "%s", synced && tcb->ts_ok ? "on" : "off");
    if (synced && tcb->ts_ok)
        ctl_table_cell(t, "%u", tcb->ts_recent);
    else
        ctl_table_cell(t, "-");
    ctl_table_cell(t, "%s", synced && tcb->sack.ok ? "on" : "off");
}

static void tcb_record(struct ctl_table *t, const struct tcp_cb *tcb, glass_time_t now)
{
    bool synced = tcb_synced(tcb);
    char timers[160] = "";
    size_t n = 0;
    tcb_timer_item(timers, sizeof timers, &n, "rexmt", &tcb->rexmt, now);
    tcb_timer_item(timers, sizeof timers, &n, "persist", &tcb->persist, now);
    tcb_timer_item(timers, sizeof timers, &n, "delack", &tcb->delack, now);
    tcb_timer_item(timers, sizeof timers, &n, "keepalive", &tcb->keepalive, now);
    tcb_timer_item(timers, sizeof timers, &n, "time_wait", &tcb->time_wait, now);

    ctl_table_row(t);
    cell_endpoint(t, tcb->laddr, tcb->lport);
    cell_endpoint(t, tcb->faddr, tcb->fport);
    ctl_table_cell(t, "%s", tcp_state_name(tcb->state));
    ctl_table_cell(t, "%u", tcb->iss);
    if (synced)
        ctl_table_cell(t, "%u", tcb->irs);
    else
        ctl_table_cell(t, "-");
    /* Relative numbers, as Wireshark shows them: from ISS and IRS. */
    ctl_table_cell(t, "%u", tcb->snd_una);
    ctl_table_cell(t, "%u", tcb->snd_una - tcb->iss);
    ctl_table_cell(t, "%u", tcb->snd_nxt);
    ctl_table_cell(t, "%u", tcb->snd_nxt - tcb->iss);
    ctl_table_cell(t, "%u", tcb->snd_wnd);
    ctl_table_cell(t, "%u", tcb->rcv_nxt);
    if (synced)
        ctl_table_cell(t, "%u", tcb->rcv_nxt - tcb->irs);
    else
        ctl_table_cell(t, "-");
    ctl_table_cell(t, "%u", tcb->rcv_wnd);
    ctl_table_cell(t, "%u", tcb->snd_mss);
    ctl_table_cell(t, "%u", tcb->cwnd);
    ctl_table_cell(t, "%u", tcb->ssthresh);
    ctl_table_cell(t, "%u", tcb->snd_max - tcb->snd_una);
    ctl_table_cell(t, "%s", tcb->cc ? tcb->cc->name : "-");
    ctl_table_cell(t, "%s", tcb->in_recovery ? "yes" : "no");
    tcb_cc_cells(t, tcb, now);
    tcb_sack_cells(t, tcb);
    if (tcb->srtt) {
        cell_ms(t, tcb->srtt);
        cell_ms(t, tcb->rttvar);
    } else {
        ctl_table_cell(t, "-");
        ctl_table_cell(t, "-");
    }
    cell_ms(t, tcb->rto);
    ctl_table_cell(t, "%u", tcb->backoff);
    ctl_table_cell(t, "%u", tcb->retransmits);
    ctl_table_cell(t, "%u", tcb->dupacks);
    ctl_table_cell(t, "%s", n ? timers : "-");
    ctl_table_cell(t, "%zu", tcb->sndbuf.len);
    ctl_table_cell(t, "%zu", tcb->sndbuf.max);
    ctl_table_cell(t, "%zu", tcb->rcvbuf.len);
    ctl_table_cell(t, "%zu", tcb->rcvbuf.max);
    ctl_table_cell(t, "%zu", tcb->ooo_bytes);
    /* What the SYNs agreed, as ss -i words: "mss 1460,ts,sack,wscale:7,5"
     * would be ambiguous in a list, so options lists the names and the
     * fields after it the values. */
    if (synced) {
        char opts[64];
        snprintf(opts, sizeof opts, "mss %u%s%s%s", tcb->peer_mss, tcb->ts_ok ? ",ts" : "",
                 tcb->sack.ok ? ",sack" : "", tcb->ws_ok ? ",wscale" : "");
        ctl_table_cell(t, "%s", opts);
    } else {
        ctl_table_cell(t, "-");
    }
    tcb_opt_cells(t, tcb, synced);
    ctl_table_cell(t, "%s", tcb->nodelay ? "yes" : "no");
    if (tcb->sk)
        ctl_table_cell(t, "%d", tcb->sk->fd);
    else
        ctl_table_cell(t, "-");
}

int ctl_cmd_tcb(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    uint32_t addr = 0;
    uint16_t port = 0;
    bool filter = a->argc >= 1;
    if (a->argc > 1) {
        ctl_printf(out, "tcb: unexpected argument '%s' (it takes one ADDR:PORT)", a->argv[1]);
        return -1;
    }
    if (filter && parse_endpoint(a->argv[0], &addr, &port) < 0) {
        ctl_printf(out, "tcb: bad endpoint '%s', expected ADDR:PORT such as 10.0.0.2:80",
                   a->argv[0]);
        return -1;
    }
    struct ctl_table t;
    ctl_table_init(&t, "tcbs", true);
    static const struct {
        const char *key;
        enum ctl_col_type type;
    } cols[] = {
        {"local", CTL_STR},      {"peer", CTL_STR},        {"state", CTL_STR},
        {"iss", CTL_NUM},        {"irs", CTL_NUM},         {"snd_una", CTL_NUM},
        {"snd_una_rel", CTL_NUM}, {"snd_nxt", CTL_NUM},    {"snd_nxt_rel", CTL_NUM},
        {"snd_wnd", CTL_NUM},    {"rcv_nxt", CTL_NUM},     {"rcv_nxt_rel", CTL_NUM},
        {"rcv_wnd", CTL_NUM},    {"snd_mss", CTL_NUM},     {"cwnd", CTL_NUM},
        {"ssthresh", CTL_NUM},   {"flight", CTL_NUM},      {"cc", CTL_STR},
        {"in_recovery", CTL_STR},
        /* cc state: CUBIC (RFC 9438) and HyStart++ (RFC 9406) */
        {"hystart", CTL_STR},    {"cubic_w_max", CTL_NUM}, {"cubic_k", CTL_NUM},
        {"cubic_t", CTL_NUM},
        /* loss recovery: RFC 6675 (SACK) or RFC 6582 (NewReno) */
        {"recovery", CTL_STR},   {"recovery_pt", CTL_NUM}, {"pipe", CTL_NUM},
        {"scoreboard", CTL_LIST},
        {"srtt_ms", CTL_NUM},    {"rttvar_ms", CTL_NUM},
        {"rto_ms", CTL_NUM},     {"backoff", CTL_NUM},     {"retransmits", CTL_NUM},
        {"dupacks", CTL_NUM},    {"timers", CTL_LIST},     {"sndbuf_used", CTL_NUM},
        {"sndbuf_max", CTL_NUM}, {"rcvbuf_used", CTL_NUM}, {"rcvbuf_max", CTL_NUM},
        {"ooo_bytes", CTL_NUM},  {"options", CTL_LIST},
        /* RFC 7323 window scaling and timestamps, RFC 2018 SACK */
        {"snd_wscale", CTL_NUM}, {"rcv_wscale", CTL_NUM},  {"ts", CTL_STR},
        {"ts_recent", CTL_NUM},  {"sack", CTL_STR},
        {"nodelay", CTL_STR},
        {"fd", CTL_NUM},
    };
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(cols); i++)
        ctl_table_col(&t, cols[i].key, NULL, cols[i].type);
    glass_time_t now = glass_stack_now(stack);
    unsigned found = 0;
    for (const struct tcp_cb *tcb = stack->tcp ? stack->tcp->tcbs : NULL; tcb; tcb = tcb->next) {
        if (filter && !(tcb->lport == port && (tcb->laddr == addr || !addr)) &&
            !(tcb->fport == port && (tcb->faddr == addr || !addr)))
            continue;
        tcb_record(&t, tcb, now);
        found++;
    }
    if (filter && !found) {
        ctl_table_free(&t);
        ctl_printf(out, "tcb: no TCP control block has %s as its local or peer endpoint "
                   "(see glassctl ss)", a->argv[0]);
        return -1;
    }
    ctl_emit(&t, a, out);
    ctl_table_free(&t);
    return 0;
}

/* ---- stats: like netstat -s -------------------------------------------------------- */

static const struct {
    const char *layer, *name;
    size_t offset;
} ctl_stat_descs[] = {
#define CTL_STAT_DESC(layer, name) {#layer, #name, offsetof(struct glass_stats, layer##_##name)},
    GLASS_STATS_LIST(CTL_STAT_DESC)
#undef CTL_STAT_DESC
};

static uint64_t ctl_stat_value(const struct glass_stack *stack, size_t i)
{
    uint64_t v;
    memcpy(&v, (const char *)&stack->stats + ctl_stat_descs[i].offset, sizeof v);
    return v;
}

/* Text: counters grouped by layer, zeros left out unless "all".
 * JSON: every counter, {"stats": {"ipv4": {"rx": 3, ...}, ...}}. */
int ctl_cmd_stats(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    bool all = false;
    if (a->argc == 1 && strcmp(a->argv[0], "all") == 0)
        all = true;
    else if (a->argc) {
        ctl_printf(out, "stats: unexpected argument '%s' (expected nothing or 'all')",
                   a->argv[0]);
        return -1;
    }
    const char *layer = NULL;
    if (a->json)
        ctl_puts(out, "{\"stats\": {");
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(ctl_stat_descs); i++) {
        uint64_t v = ctl_stat_value(stack, i);
        bool new_layer = !layer || strcmp(layer, ctl_stat_descs[i].layer) != 0;
        if (a->json) {
            if (new_layer)
                ctl_printf(out, "%s\n  \"%s\": {", layer ? "}," : "", ctl_stat_descs[i].layer);
            ctl_printf(out, "%s\"%s\": %llu", new_layer ? "" : ", ", ctl_stat_descs[i].name,
                       (unsigned long long)v);
            layer = ctl_stat_descs[i].layer;
            continue;
        }
        if (!v && !all)
            continue;
        if (new_layer)
            ctl_printf(out, "%s:\n", ctl_stat_descs[i].layer);
        ctl_printf(out, "    %-28s %llu\n", ctl_stat_descs[i].name, (unsigned long long)v);
        layer = ctl_stat_descs[i].layer;
    }
    if (a->json)
        ctl_printf(out, "%s\n  \"memory\": {\"in_use\": %zu, \"peak\": %zu, \"allocs\": %zu}\n}}\n",
                   layer ? "}," : "", stack->mem_in_use, stack->mem_peak, stack->mem_allocs);
    else
        ctl_printf(out, "memory:\n    %-28s %zu\n    %-28s %zu\n", "in_use", stack->mem_in_use,
                   "peak", stack->mem_peak);
    return 0;
}

/* ---- trace: switch per-layer tracing at run time ------------------------------------- */

static const struct {
    const char *name;
    unsigned bit;
} ctl_trace_layers[] = {
    {"eth", GLASS_TRACE_ETH},   {"arp", GLASS_TRACE_ARP}, {"ipv4", GLASS_TRACE_IPV4},
    {"icmp", GLASS_TRACE_ICMP}, {"udp", GLASS_TRACE_UDP}, {"tcp", GLASS_TRACE_TCP},
    {"socket", GLASS_TRACE_SOCKET},
};

/* trace           show what is traced
 * trace LIST      trace exactly LIST (eth,arp,... or all) from now on
 * trace off       stop tracing */
int ctl_cmd_trace(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out)
{
    if (a->argc > 1) {
        ctl_printf(out, "trace: unexpected argument '%s' (expected one LIST such as arp,tcp)",
                   a->argv[1]);
        return -1;
    }
    glass_stack_lock(stack);
    unsigned mask = stack->trace_mask;
    FILE *to = stack->trace_out;
    glass_stack_unlock(stack);
    if (a->argc == 1) {
        if (strcmp(a->argv[0], "off") == 0 || strcmp(a->argv[0], "none") == 0) {
            mask = 0;
        } else if (glass_trace_parse(a->argv[0], &mask) < 0) {
            ctl_printf(out, "trace: bad list '%s', expected eth,arp,ipv4,icmp,udp,tcp,socket, "
                       "all or off", a->argv[0]);
            return -1;
        }
        /* Lines go where they went before (the program's stderr). */
        glass_trace_set(stack, mask, to);
    }
    ctl_puts(out, a->json ? "{\"trace\": [" : "trace: ");
    bool first = true;
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(ctl_trace_layers); i++) {
        if (!(mask & ctl_trace_layers[i].bit))
            continue;
        if (a->json)
            ctl_printf(out, "%s\"%s\"", first ? "" : ", ", ctl_trace_layers[i].name);
        else
            ctl_printf(out, "%s%s", first ? "" : ",", ctl_trace_layers[i].name);
        first = false;
    }
    if (!a->json && first)
        ctl_puts(out, "off");
    ctl_puts(out, a->json ? "]}\n" : "\n");
    return 0;
}
