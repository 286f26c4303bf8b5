/*
 * tcp_syncookie.c - SYN cookies (RFC 4987 3.6).
 *
 * A SYN flood fills a listener's SYN queue with half-open connections
 * that will never complete, and then every real client's SYN is dropped.
 * A SYN cookie answers the SYN without keeping anything: the state the
 * connection needs later is folded into our initial sequence number, and
 * the peer hands it back in the ACK that completes the handshake
 * (SEG.ACK - 1).  Only a peer that received our SYN-ACK -- one whose
 * address is real -- can do that.
 *
 * The cookie (32 bits, our ISS), as glass lays it out (the facts follow
 * Linux's cookie_v4_init_sequence; the layout is glass's own):
 *
 *     cookie = H1(four-tuple) + (P << 27 | M << 24 | H2(four-tuple, IRS, period, M))
 *
 *     P   5 bits: the period number (now / 64 s), its low bits
 *     M   3 bits: index into tcp_syncookie_mss_table, the peer's MSS
 *     H2  24 bits of SipHash-2-4 over the four-tuple, the peer's ISN
 *         (SEG.SEQ of the SYN, so SEG.SEQ - 1 of the ACK), the full period
 *         number and M: a forgery succeeds with probability 2^-24 a try
 *     H1  32 bits of SipHash over the four-tuple alone, added so that P
 *         and M do not show in the top bits of the ISN
 *
 * Both hashes use the stack's RFC 6528 secret with a distinct tag, so they
 * are independent of each other and of the ISN function.  A cookie is
 * good in the period it was made and the next one: between 64 and 128 s.
 *
 * What a cookie cannot carry: everything else the SYN said.  A connection
 * made from a cookie takes its MSS from the table (rounded down), runs
 * without window scaling, timestamps and SACK (the cookie SYN-ACK offers
 * none of them; Linux hides them in the timestamp option, which glass may
 * do later), and the peer's window comes from the ACK.  Text carried in
 * the SYN is lost, as it is for any SYN here.
 */
#include <string.h>

#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* Rounded-down peer MSS values: the floor glass accepts (88), the RFC
 * 9293 default, then the common ones: IPv6-in-IPv4 and VPN tunnels, PPPoE
 * (1452), plain Ethernet (1460), and a 9000-byte jumbo frame. */
const uint16_t tcp_syncookie_mss_table[TCP_SYNCOOKIE_MSS_N] = {
    88, 536, 1220, 1380, 1440, 1452, 1460, 8960,
};

#define COOKIE_HASH_BITS 24
#define COOKIE_HASH_MASK ((1u << COOKIE_HASH_BITS) - 1)
#define COOKIE_MSS_SHIFT 24
#define COOKIE_PERIOD_SHIFT 27
#define COOKIE_PERIOD_MASK 0x1fu
/* A cookie from the current period or the one before is accepted. */
#define COOKIE_MAX_AGE 1

static uint32_t syncookie_period(const struct glass_stack *stack)
{
    return (uint32_t)(glass_stack_now(stack) / TCP_SYNCOOKIE_PERIOD);
}

/* The four-tuple as bytes, local side first (like tcp_isn). */
static size_t put_tuple(uint8_t *m, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
    put_addr(m, laddr);
    memcpy(m + 4, &lport, 2);
    put_addr(m + 6, faddr);
    memcpy(m + 10, &fport, 2);
    return 12;
}

static uint32_t cookie_h1(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                          uint32_t faddr, uint16_t fport)
{
    uint8_t m[14] = {'C', '1'};
    put_tuple(m + 2, laddr, lport, faddr, fport);
    return (uint32_t)tcp_siphash(stack->tcp->isn_key, m, sizeof m);
}

static uint32_t cookie_h2(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                          uint32_t faddr, uint16_t fport, uint32_t irs, uint32_t period,
                          unsigned mss_idx)
{
    uint8_t m[23] = {'C', '2'};
    size_t n = 2 + put_tuple(m + 2, laddr, lport, faddr, fport);
    put_be32(m + n, irs);
    put_be32(m + n + 4, period);
    m[n + 8] = (uint8_t)mss_idx;
    return (uint32_t)tcp_siphash(stack->tcp->isn_key, m, sizeof m) & COOKIE_HASH_MASK;
}

uint32_t tcp_syncookie_make(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                            uint32_t faddr, uint16_t fport, uint32_t irs, unsigned mss_idx,
                            uint32_t period)
{
    mss_idx &= TCP_SYNCOOKIE_MSS_N - 1;
    uint32_t v = (period & COOKIE_PERIOD_MASK) << COOKIE_PERIOD_SHIFT |
                 (uint32_t)mss_idx << COOKIE_MSS_SHIFT |
                 cookie_h2(stack, laddr, lport, faddr, fport, irs, period, mss_idx);
    return cookie_h1(stack, laddr, lport, faddr, fport) + v;
}

int tcp_syncookie_check(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                        uint32_t faddr, uint16_t fport, uint32_t irs, uint32_t cookie,
                        uint32_t now_period)
{
    uint32_t v = cookie - cookie_h1(stack, laddr, lport, faddr, fport);
    uint32_t p_low = v >> COOKIE_PERIOD_SHIFT;
    unsigned mss_idx = (v >> COOKIE_MSS_SHIFT) & (TCP_SYNCOOKIE_MSS_N - 1);
    for (uint32_t age = 0; age <= COOKIE_MAX_AGE; age++) {
        uint32_t period = now_period - age;
        if ((period & COOKIE_PERIOD_MASK) != p_low)
            continue;
        if (cookie_h2(stack, laddr, lport, faddr, fport, irs, period, mss_idx) ==
            (v & COOKIE_HASH_MASK))
            return (int)mss_idx;
    }
    return -1;
}

/* The largest table entry not above the peer's MSS (RFC 9293 3.7.1: 536
 * when the SYN has no MSS option); entry 0 (88, glass's floor for any
 * peer MSS) for anything smaller. */
static unsigned syncookie_mss_index(const struct tcp_seg *seg)
{
    uint16_t mss = seg->opts.mss_present ? seg->opts.mss : TCP_DEFAULT_MSS;
    unsigned i = TCP_SYNCOOKIE_MSS_N - 1;
    while (i > 0 && tcp_syncookie_mss_table[i] > mss)
        i--;
    return i;
}

bool tcp_syncookie_wanted(const struct tcp_cb *l)
{
    switch (l->stack->tcp->cfg.syncookies) {
    case GLASS_SYNCOOKIES_ALWAYS:
        return true;
    case GLASS_SYNCOOKIES_NEVER:
        return false;
    default:
        /* The same bound as tcp_listen_add_child (at least one). */
        return l->syn_q_len >= (l->backlog ? l->backlog : 1);
    }
}

void tcp_syncookie_send(struct tcp_cb *l, const struct tcp_seg *seg)
{
    struct glass_stack *stack = l->stack;
    struct tcp_stack *ts = stack->tcp;
    unsigned idx = syncookie_mss_index(seg);
    uint32_t iss = tcp_syncookie_make(stack, seg->dst, seg->dport, seg->src, seg->sport, seg->seq,
                                      idx, syncookie_period(stack));
    TRACE(stack, GLASS_TRACE_TCP, "tcp   SYN queue of port %u %s: SYN cookie (RFC 4987), mss %u",
          get_be16((const uint8_t *)&l->lport),
          ts->cfg.syncookies == GLASS_SYNCOOKIES_ALWAYS ? "(cookies always)" : "full",
          tcp_syncookie_mss_table[idx]);
    ts->syncookie_any_sent = true;
    ts->syncookie_last_sent = glass_stack_now(stack);
    STAT_INC(stack, tcp, syncookies_sent);
    /* The window the child will offer at first: its receive buffer, as
     * tcp_rcv_window gives it during the handshake. */
    size_t wnd = GLASS_MIN(l->rcvbuf.max, (size_t)TCP_MAX_WINDOW);
    tcp_send_synack_stateless(stack, seg, iss, (uint16_t)wnd,
                              tcp_mss_to_advertise(stack, seg->src));
}

/* Are ACKs on listeners worth checking for a cookie?  Always in "always"
 * mode; in "auto" mode only while a cookie sent recently may still come
 * back, so a blind attacker cannot try to guess cookies at a quiet
 * listener (Linux: tcp_synq_no_recent_overflow). */
static bool syncookie_in_use(const struct glass_stack *stack)
{
    const struct tcp_stack *ts = stack->tcp;
    switch (ts->cfg.syncookies) {
    case GLASS_SYNCOOKIES_ALWAYS:
        return true;
    case GLASS_SYNCOOKIES_NEVER:
        return false;
    default:
        return ts->syncookie_any_sent &&
               glass_stack_now(stack) - ts->syncookie_last_sent <
                   (COOKIE_MAX_AGE + 1) * TCP_SYNCOOKIE_PERIOD;
    }
}

enum tcp_cookie_rx tcp_syncookie_ack(struct tcp_cb *l, const struct tcp_seg *seg,
                                     struct tcp_cb **child)
{
    struct glass_stack *stack = l->stack;
    *child = NULL;
    if ((seg->flags & (TCP_ACK | TCP_SYN | TCP_RST)) != TCP_ACK || !syncookie_in_use(stack))
        return TCP_COOKIE_NONE;
    uint32_t irs = seg->seq - 1, iss = seg->ack - 1;
    int idx = tcp_syncookie_check(stack, seg->dst, seg->dport, seg->src, seg->sport, irs, iss,
                                  syncookie_period(stack));
    if (idx < 0) {
        STAT_INC(stack, tcp, syncookies_recv_failed);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ACK %u on a listener is no SYN cookie of ours", seg->ack);
        return TCP_COOKIE_NONE;
    }
    if (l->acc_q_len >= (l->backlog ? l->backlog : 1)) {
        /* As for a child from the SYN queue (tcp_ack_syn_received): the
         * ACK is dropped; the peer retransmits its data or times out. */
        STAT_INC(stack, tcp, accept_queue_full);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   drop: SYN cookie good, accept queue full (%u)",
              l->acc_q_len);
        return TCP_COOKIE_DROP;
    }
    struct tcp_cb *c = tcp_tcb_new(stack);
    if (!c)
        return TCP_COOKIE_DROP; /* counted by tcp_tcb_new */
    STAT_INC(stack, tcp, syncookies_recv_ok);
    c->laddr = seg->dst;
    c->lport = seg->dport;
    c->faddr = seg->src;
    c->fport = seg->sport;
    c->parent = l;
    /* What tcp_listen_syn would have set from the SYN, rebuilt: the
     * SYN-ACK "was sent" (SND.NXT = ISS + 1), the peer's SYN is in. */
    c->irs = irs;
    c->rcv_nxt = irs + 1;
    c->rcv_up = c->rcv_nxt;
    c->iss = iss;
    c->snd_una = iss;
    c->snd_nxt = c->snd_max = iss + 1;
    c->snd_up = iss;
    c->peer_mss = tcp_syncookie_mss_table[idx];
    c->adv_mss = tcp_mss_to_advertise(stack, c->faddr);
    tcp_set_state(c, TCP_SYN_RECEIVED);
    tcp_tcb_link(c);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   SYN cookie good: connection from it, mss %u", c->peer_mss);
    *child = c;
    return TCP_COOKIE_CHILD;
}
