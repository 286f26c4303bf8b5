/* tcp_harness.c - see tcp_harness.h. */
#include "tcp_harness.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "stack.h"

static uint16_t tcp_sum_addrs(uint32_t src, uint32_t dst, const uint8_t *t, size_t tlen)
{
    uint32_t sum = csum_pseudo_ipv4(src, dst, IPPROTO_TCP_, (uint16_t)tlen);
    return csum_finish(csum_add(sum, t, tlen));
}

static uint16_t tcp_sum(const uint8_t *ip, const uint8_t *t, size_t tlen)
{
    return tcp_sum_addrs(get_addr(ip + 12), get_addr(ip + 16), t, tlen);
}

size_t build_tcp_frame(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                       uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, const void *opts,
                       size_t optlen, const void *data, size_t dlen)
{
    static uint8_t t[PKB_MAX_DATA];
    ck_assert_msg(optlen % 4 == 0 && optlen <= 40, "bad optlen %zu", optlen);
    size_t thlen = TCP_HLEN + optlen, tlen = thlen + dlen;
    ck_assert_uint_le(tlen, sizeof t);
    memset(t, 0, TCP_HLEN);
    put_be16(t + TCP_OFF_SPORT, sport);
    put_be16(t + TCP_OFF_DPORT, dport);
    put_be32(t + TCP_OFF_SEQ, seq);
    put_be32(t + TCP_OFF_ACK, ack);
    t[TCP_OFF_DOFF] = (uint8_t)((thlen / 4) << 4);
    t[TCP_OFF_FLAGS] = flags;
    put_be16(t + TCP_OFF_WND, wnd);
    if (optlen)
        memcpy(t + TCP_HLEN, opts, optlen);
    if (dlen)
        memcpy(t + thlen, data, dlen);
    put_be16(t + TCP_OFF_CSUM, tcp_sum_addrs(src, dst, t, tlen));
    return build_ipv4_frame(buf, src, dst, IPPROTO_TCP_, t, tlen);
}

void tcp_frame_fix_checksum(uint8_t *frame, size_t len)
{
    uint8_t *ip = frame + TF_IP, *t = frame + TF_TCP;
    put_be16(t + TCP_OFF_CSUM, 0);
    put_be16(t + TCP_OFF_CSUM, tcp_sum(ip, t, len - TF_TCP));
}

/* The MSS option, if the options area has one (a well-formed area is
 * assumed: these are glass's own segments, and a test asserts on them). */
static void parse_mss(const uint8_t *o, size_t len, struct tseg *s)
{
    size_t i = 0;
    while (i < len) {
        if (o[i] == TCPOPT_EOL)
            return;
        if (o[i] == TCPOPT_NOP) {
            i++;
            continue;
        }
        ck_assert_msg(i + 1 < len && o[i + 1] >= 2 && i + o[i + 1] <= len,
                      "glass sent a malformed option at %zu", i);
        if (o[i] == TCPOPT_MSS) {
            ck_assert_uint_eq(o[i + 1], 4);
            s->has_mss = true;
            s->mss = get_be16(o + i + 2);
        }
        i += o[i + 1];
    }
}

static void parse_tcp_frame(const uint8_t *f, size_t n, struct tseg *s)
{
    ck_assert_uint_ge(n, ETH_HLEN + IPV4_HLEN + TCP_HLEN);
    const uint8_t *ip = f + ETH_HLEN;
    ck_assert_uint_eq(get_be16(f + 12), ETH_P_IP);
    ck_assert_uint_eq(ip[9], IPPROTO_TCP_);
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = get_be16(ip + 2);
    ck_assert_uint_le(ETH_HLEN + total, n);
    ck_assert_uint_eq(inet_checksum(ip, ihl), 0);
    const uint8_t *t = ip + ihl;
    size_t tlen = total - ihl;
    ck_assert_msg(tcp_sum(ip, t, tlen) == 0, "glass sent a TCP segment with a bad checksum");
    memset(s, 0, offsetof(struct tseg, data));
    s->src = get_addr(ip + 12);
    s->dst = get_addr(ip + 16);
    s->ttl = ip[8];
    s->ip_frag = get_be16(ip + 6);
    s->sport = get_be16(t + TCP_OFF_SPORT);
    s->dport = get_be16(t + TCP_OFF_DPORT);
    s->seq = get_be32(t + TCP_OFF_SEQ);
    s->ack = get_be32(t + TCP_OFF_ACK);
    s->doff = (uint8_t)((t[TCP_OFF_DOFF] >> 4) * 4);
    ck_assert_uint_ge(s->doff, TCP_HLEN);
    ck_assert_uint_le(s->doff, tlen);
    s->flags = t[TCP_OFF_FLAGS];
    s->wnd = get_be16(t + TCP_OFF_WND);
    s->urp = get_be16(t + TCP_OFF_URP);
    parse_mss(t + TCP_HLEN, s->doff - TCP_HLEN, s);
    s->dlen = tlen - s->doff;
    memcpy(s->data, t + s->doff, s->dlen);
}

static bool is_arp(const uint8_t *f, size_t n)
{
    return n >= ETH_HLEN && get_be16(f + 12) == ETH_P_ARP;
}

bool tx_pop_tcp(struct harness *h, struct tseg *out)
{
    static uint8_t f[PKB_MAX_DATA];
    for (;;) {
        size_t n = harness_tx_pop(h, f, sizeof f);
        if (n == 0)
            return false;
        if (is_arp(f, n))
            continue;
        parse_tcp_frame(f, n, out);
        return true;
    }
}

bool tcp_h_pop_opts(struct harness *h, struct tcp_h_rx *r)
{
    static uint8_t f[70000];
    for (;;) {
        size_t n = harness_tx_pop(h, f, sizeof f);
        if (n == 0)
            return false;
        if (n < 14 || get_be16(f + 12) != 0x0800)
            continue;
        const uint8_t *ip = f + 14;
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
        ck_assert_uint_eq(ip[9], 6);
        const uint8_t *t = ip + ihl;
        size_t tlen = get_be16(ip + 2) - ihl;
        memset(r, 0, sizeof *r);
        r->seq = get_be32(t + TCP_OFF_SEQ);
        r->ack = get_be32(t + TCP_OFF_ACK);
        r->flags = t[TCP_OFF_FLAGS];
        r->wnd = get_be16(t + TCP_OFF_WND);
        r->doff = (size_t)(t[TCP_OFF_DOFF] >> 4) * 4;
        r->dlen = tlen - r->doff;
        ck_assert_int_eq(tcp_opts_parse(t + TCP_HLEN, r->doff - TCP_HLEN, &r->o), 0);
        return true;
    }
}

const char *tcp_h_flags(uint8_t flags)
{
    static char s[4][12];
    static unsigned k;
    char *p = s[k++ % 4], *q = p;
    static const struct {
        uint8_t bit;
        char c;
    } names[] = {{TCP_SYN, 'S'}, {TCP_FIN, 'F'}, {TCP_RST, 'R'}, {TCP_PSH, 'P'},
                 {TCP_ACK, 'A'}, {TCP_URG, 'U'}, {TCP_ECE, 'E'}, {TCP_CWR, 'C'}};
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(names); i++)
        if (flags & names[i].bit)
            *q++ = names[i].c;
    if (q == p)
        *q++ = '.';
    *q = 0;
    return p;
}

size_t tcp_h_expect(struct harness *h, uint8_t flags, uint32_t seq, uint32_t ack)
{
    static struct tseg s;
    ck_assert_msg(tx_pop_tcp(h, &s), "expected a %s segment seq=%u, none was sent",
                  tcp_h_flags(flags), seq);
    ck_assert_msg(s.flags == flags, "flags %s, expected %s (seq=%u ack=%u)", tcp_h_flags(s.flags),
                  tcp_h_flags(flags), s.seq, s.ack);
    ck_assert_msg(s.seq == seq, "%s seq %u, expected %u", tcp_h_flags(s.flags), s.seq, seq);
    if (flags & TCP_ACK)
        ck_assert_msg(s.ack == ack, "%s ack %u, expected %u", tcp_h_flags(s.flags), s.ack, ack);
    return s.dlen;
}

void tcp_h_expect_none(struct harness *h)
{
    static struct tseg s;
    if (tx_pop_tcp(h, &s))
        ck_abort_msg("unexpected %s seq=%u ack=%u len=%zu", tcp_h_flags(s.flags), s.seq, s.ack,
                     s.dlen);
}

/* ---- connections --------------------------------------------------------- */

void tcp_h_send_opts(struct tcp_h_conn *c, uint32_t seq, uint32_t ack, uint8_t flags,
                     const void *opts, size_t optlen, const void *data, size_t dlen)
{
    static uint8_t f[PKB_MAX_DATA];
    ck_assert_uint_le(dlen, 65000);
    size_t n = build_tcp_frame(f, A(H_PEER_IP), A(H_OUR_IP), c->pport, c->lport, seq, ack, flags,
                               c->wnd, opts, optlen, data, dlen);
    harness_inject(c->h, f, n);
}

void tcp_h_send(struct tcp_h_conn *c, uint32_t seq, uint32_t ack, uint8_t flags, const void *data,
                size_t dlen)
{
    tcp_h_send_opts(c, seq, ack, flags, NULL, 0, data, dlen);
}

void tcp_h_inject_icmp_unreach(struct harness *h, uint8_t code, uint16_t mtu, uint16_t lport,
                               uint16_t pport, uint32_t seq, uint16_t quoted_len)
{
    uint8_t icmp[8 + 28], frame[128];
    memset(icmp, 0, sizeof icmp);
    icmp[0] = ICMP_DEST_UNREACH;
    icmp[1] = code;
    put_be16(icmp + 6, mtu);
    uint8_t *q = icmp + 8;
    q[0] = 0x45;
    put_be16(q + 2, quoted_len);
    put_be16(q + 6, IPV4_FLAG_DF);
    q[8] = 64;
    q[9] = IPPROTO_TCP_;
    put_addr(q + 12, A(H_OUR_IP));
    put_addr(q + 16, A(H_PEER_IP));
    put_be16(q + 20, lport);
    put_be16(q + 22, pport);
    put_be32(q + 24, seq);
    put_be16(icmp + 2, inet_checksum(icmp, sizeof icmp));
    size_t n = build_ipv4_frame(frame, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_ICMP_, icmp, sizeof icmp);
    harness_inject(h, frame, n);
}

size_t tcp_h_opt_mss(uint8_t *p, uint16_t mss)
{
    p[0] = TCPOPT_MSS;
    p[1] = 4;
    put_be16(p + 2, mss);
    return 4;
}

size_t tcp_h_opts(uint8_t *p, uint16_t mss, bool sack, int ws, bool ts, uint32_t tsval,
                  uint32_t tsecr)
{
    size_t n = mss ? tcp_h_opt_mss(p, mss) : 0;
    if (sack) {
        p[n++] = TCPOPT_NOP;
        p[n++] = TCPOPT_NOP;
        p[n++] = TCPOPT_SACK_PERM;
        p[n++] = 2;
    }
    if (ts) {
        p[n++] = TCPOPT_NOP;
        p[n++] = TCPOPT_NOP;
        p[n++] = TCPOPT_TIMESTAMP;
        p[n++] = 10;
        put_be32(p + n, tsval);
        put_be32(p + n + 4, tsecr);
        n += 8;
    }
    if (ws >= 0) {
        p[n++] = TCPOPT_NOP;
        p[n++] = TCPOPT_WSCALE;
        p[n++] = 3;
        p[n++] = (uint8_t)ws;
    }
    return n;
}

void tcp_h_start(struct harness *h, struct tcp_h_conn *c, uint16_t lport, uint16_t pport)
{
    harness_init(h);
    harness_learn_peer(h);
    memset(c, 0, sizeof *c);
    c->h = h;
    c->lport = lport;
    c->pport = pport;
    c->irs = 1000;
    c->wnd = 65535;
}

void tcp_h_start_sender(struct harness *h)
{
    harness_init(h);
    if (getenv("GLASS_TEST_TRACE"))
        glass_trace_set(h->stack, GLASS_TRACE_TCP, stderr);
    ck_assert_int_eq(glass_arp_add_static(h->stack, h->nif, A(H_PEER_IP), H_PEER_MAC), 0);
    tcp_h_use_cc(h, "newreno");
}

void tcp_h_use_cc(struct harness *h, const char *name)
{
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h->stack, &cfg);
    snprintf(cfg.cc, sizeof cfg.cc, "%s", name);
    ck_assert_int_eq(glass_tcp_config_set(h->stack, &cfg), 0);
}

struct tcp_cb *tcp_h_listen_tcb(struct harness *h, uint16_t port, unsigned backlog)
{
    glass_stack_lock(h->stack);
    struct tcp_cb *l = tcp_tcb_new(h->stack);
    ck_assert_ptr_nonnull(l);
    l->laddr = 0;
    l->lport = htons(port);
    l->backlog = backlog;
    tcp_set_state(l, TCP_LISTEN);
    tcp_tcb_link(l);
    glass_stack_unlock(h->stack);
    return l;
}

struct tcp_cb *tcp_h_find(struct harness *h, uint16_t lport, uint16_t pport)
{
    glass_stack_lock(h->stack);
    struct tcp_cb *t =
        tcp_lookup(h->stack, A(H_PEER_IP), htons(pport), A(H_OUR_IP), htons(lport));
    glass_stack_unlock(h->stack);
    return t;
}

struct tcp_cb *tcp_h_handshake_passive(struct tcp_h_conn *c)
{
    static struct tseg s;
    uint8_t opt[4];
    if (!c->wnd)
        c->wnd = 65535;
    tcp_h_send_opts(c, c->irs, 0, TCP_SYN, opt, tcp_h_opt_mss(opt, 1460), NULL, 0);
    ck_assert_msg(tx_pop_tcp(c->h, &s), "no SYN-ACK in answer to the SYN");
    ck_assert_str_eq(tcp_h_flags(s.flags), "SA");
    ck_assert_uint_eq(s.ack, c->irs + 1);
    ck_assert_uint_eq(s.sport, c->lport);
    ck_assert_uint_eq(s.dport, c->pport);
    ck_assert(s.has_mss);
    c->iss = s.seq;
    c->snd_nxt = c->irs + 1;
    c->rcv_nxt = c->iss + 1;
    tcp_h_send(c, c->snd_nxt, c->rcv_nxt, TCP_ACK, NULL, 0);
    struct tcp_cb *child = tcp_h_find(c->h, c->lport, c->pport);
    ck_assert_ptr_nonnull(child);
    ck_assert_int_eq(child->state, TCP_ESTABLISHED);
    return child;
}

struct tcp_cb *tcp_h_connect_tcb(struct tcp_h_conn *c, uint32_t iss)
{
    struct glass_stack *stack = c->h->stack;
    if (!c->wnd)
        c->wnd = 65535;
    glass_stack_lock(stack);
    struct tcp_cb *t = tcp_tcb_new(stack);
    ck_assert_ptr_nonnull(t);
    t->laddr = A(H_OUR_IP);
    t->lport = htons(c->lport);
    t->faddr = A(H_PEER_IP);
    t->fport = htons(c->pport);
    t->iss = iss;
    t->snd_una = t->snd_nxt = t->snd_max = iss;
    t->adv_mss = tcp_mss_to_advertise(stack, t->faddr);
    tcp_mss_update(t);
    tcp_set_state(t, TCP_SYN_SENT);
    tcp_tcb_link(t);
    tcp_output(t);
    glass_stack_unlock(stack);
    c->iss = iss;
    c->rcv_nxt = iss + 1;
    return t;
}

struct tcp_cb *tcp_h_established_tcb(struct harness *h, uint16_t lport, uint16_t pport,
                                     uint32_t iss, uint32_t irs, uint16_t mss, uint32_t wnd,
                                     bool sack)
{
    glass_stack_lock(h->stack);
    struct tcp_cb *t = tcp_tcb_new(h->stack);
    ck_assert_ptr_nonnull(t);
    t->laddr = A(H_OUR_IP);
    t->faddr = A(H_PEER_IP);
    t->lport = htons(lport);
    t->fport = htons(pport);
    t->iss = iss;
    t->snd_una = t->snd_nxt = t->snd_max = iss + 1;
    t->irs = irs;
    t->rcv_nxt = t->rcv_adv = irs + 1;
    t->snd_wnd = t->max_snd_wnd = wnd;
    t->snd_wl1 = irs;
    t->snd_wl2 = iss + 1;
    t->peer_mss = mss;
    t->adv_mss = tcp_mss_to_advertise(h->stack, t->faddr);
    t->recover = iss;
    t->sack.ok = t->sack.peer_perm = sack;
    tcp_mss_update(t);
    tcp_set_state(t, TCP_ESTABLISHED);
    t->cc->init(t);
    tcp_tcb_link(t);
    glass_stack_unlock(h->stack);
    return t;
}

struct tcp_cb *tcp_h_handshake_active(struct tcp_h_conn *c, uint32_t iss)
{
    struct tcp_cb *t = tcp_h_connect_tcb(c, iss);
    uint8_t opt[4];
    tcp_h_expect(c->h, TCP_SYN, iss, 0);
    tcp_h_send_opts(c, c->irs, iss + 1, TCP_SYN | TCP_ACK, opt, tcp_h_opt_mss(opt, 1460), NULL,
                    0);
    c->snd_nxt = c->irs + 1;
    tcp_h_expect(c->h, TCP_ACK, iss + 1, c->irs + 1);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    return t;
}
