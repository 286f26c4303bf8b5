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
 * What the SYN said beyond its MSS rides in the Timestamps option, when
 * the SYN carried one (Linux does the same: cookie_init_timestamp; the
 * layout is glass's own).  The cookie SYN-ACK then offers what a normal
 * SYN-ACK would -- MSS, SACK-permitted if the SYN had it, TS, and WS with
 * our shift if the SYN had it -- and its TSval is our TS clock for this
 * four-tuple (tcp_ts_offset_hash, so it needs no state) with the low 6
 * bits replaced:
 *
 *     TSval = (clock & ~63) | E, less 64 if that is ahead of the clock
 *     E     bits 0-3: the peer's window-scale shift (15: no WS option)
 *           bit  4:   the peer sent SACK-permitted
 *           bit  5:   ECN; always 0 (glass has no ECN), so 1 is a forgery
 *
 * Rounding down keeps TSval at or behind our clock, so the child's later
 * TSvals never go backwards at the peer's PAWS (RFC 7323 5).  The peer
 * echoes E in the TSecr of its ACK (RFC 7323 3.2); E is also hashed into
 * H2, so a TSecr with flipped bits fails the cookie like a wrong ISN.
 *
 * Limits: 16 window-scale values (0..14 and "none"; a shift above 14 is
 * taken as 14, RFC 7323 2.3); no ECN; and an ACK that drops TSopt after a
 * SYN-ACK that carried it fails the cookie (the bits it would echo are
 * gone).  Without TS in the SYN the SYN-ACK carries the MSS only, and the
 * connection runs without window scaling, timestamps and SACK.  The peer's
 * window comes from the ACK; text carried in the SYN is lost, as it is
 * for any SYN here.
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

static uint32_t cookie_h1(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                          uint32_t faddr, uint16_t fport)
{
    uint8_t m[14] = {'C', '1'};
    tcp_tuple_bytes(m + 2, laddr, lport, faddr, fport);
    return (uint32_t)tcp_siphash(stack->tcp->isn_key, m, sizeof m);
}

static uint32_t cookie_h2(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                          uint32_t faddr, uint16_t fport, uint32_t irs, uint32_t period,
                          unsigned mss_idx, unsigned opts)
{
    uint8_t m[24] = {'C', '2'};
    size_t n = 2 + tcp_tuple_bytes(m + 2, laddr, lport, faddr, fport);
    put_be32(m + n, irs);
    put_be32(m + n + 4, period);
    m[n + 8] = (uint8_t)mss_idx;
    m[n + 9] = (uint8_t)opts; /* the TSval encoding, or TCP_SYNCOOKIE_NO_TS */
    return (uint32_t)tcp_siphash(stack->tcp->isn_key, m, sizeof m) & COOKIE_HASH_MASK;
}

uint32_t tcp_syncookie_make(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                            uint32_t faddr, uint16_t fport, uint32_t irs, unsigned mss_idx,
                            unsigned opts, uint32_t period)
{
    mss_idx &= TCP_SYNCOOKIE_MSS_N - 1;
    uint32_t v = (period & COOKIE_PERIOD_MASK) << COOKIE_PERIOD_SHIFT |
                 (uint32_t)mss_idx << COOKIE_MSS_SHIFT |
                 cookie_h2(stack, laddr, lport, faddr, fport, irs, period, mss_idx, opts);
    return cookie_h1(stack, laddr, lport, faddr, fport) + v;
}

int tcp_syncookie_check(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                        uint32_t faddr, uint16_t fport, uint32_t irs, uint32_t cookie,
                        unsigned opts, uint32_t now_period)
{
    uint32_t v = cookie - cookie_h1(stack, laddr, lport, faddr, fport);
    uint32_t p_low = v >> COOKIE_PERIOD_SHIFT;
    unsigned mss_idx = (v >> COOKIE_MSS_SHIFT) & (TCP_SYNCOOKIE_MSS_N - 1);
    for (uint32_t age = 0; age <= COOKIE_MAX_AGE; age++) {
        uint32_t period = now_period - age;
        if ((period & COOKIE_PERIOD_MASK) != p_low)
            continue;
        if (cookie_h2(stack, laddr, lport, faddr, fport, irs, period, mss_idx, opts) ==
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

/* ---- what the SYN said, in the TSval (see the top) ------------------------- */

#define COOKIE_TS_BITS 6
#define COOKIE_TS_MASK ((1u << COOKIE_TS_BITS) - 1)
#define COOKIE_WS_MASK 0x0fu
#define COOKIE_WS_NONE 0x0fu /* the SYN had no Window Scale option */
#define COOKIE_SACK 0x10u
#define COOKIE_ECN 0x20u     /* never set: glass has no ECN */

/* Our TS clock for this four-tuple, as tcp_ts_now gives it to the child. */
static uint32_t syncookie_ts_now(struct glass_stack *stack, const struct tcp_seg *seg)
{
    return (uint32_t)(glass_stack_now(stack) / GLASS_USEC_PER_MSEC) +
           tcp_ts_offset(stack, seg->dst, seg->dport, seg->src, seg->sport);
}

/* E for this SYN, or TCP_SYNCOOKIE_NO_TS when the SYN-ACK carries no
 * TSopt (the SYN had none, or timestamps are off here: RFC 7323 3.2). */
static unsigned syncookie_opts_encode(struct glass_stack *stack, const struct tcp_seg *seg)
{
    const struct glass_tcp_config *cfg = &stack->tcp->cfg;
    if (!cfg->timestamps || !seg->opts.ts_present)
        return TCP_SYNCOOKIE_NO_TS;
    unsigned e = COOKIE_WS_NONE;
    if (cfg->window_scaling && seg->opts.ws_present) {
        e = seg->opts.ws;
        if (e > TCP_MAX_WSCALE) {
            /* RFC 7323 2.3: "MUST use 14 instead" (as tcp_wscale.c) */
            STAT_INC(stack, tcp, ws_shift_clamped);
            e = TCP_MAX_WSCALE;
        }
    }
    if (seg->opts.sack_perm)
        e |= COOKIE_SACK;
    return e;
}

/* The clock with its low bits replaced by e, never ahead of the clock. */
static uint32_t syncookie_tsval(uint32_t now, unsigned e)
{
    uint32_t v = (now & ~COOKIE_TS_MASK) | e;
    if ((int32_t)(v - now) > 0)
        v -= 1u << COOKIE_TS_BITS;
    return v;
}

/* The options of the cookie SYN-ACK, in the layout tcp_opts_write gives
 * a normal one (and Linux sends): MSS; SACK-permitted in the place of the
 * timestamp's first two NOPs (or NOP NOP); TS; NOP and WS.  Returns the
 * length (4 without TS, up to 20). */
static size_t syncookie_write_opts(uint8_t *p, uint16_t mss, unsigned e, uint32_t tsval,
                                   uint32_t tsecr, uint8_t our_shift)
{
    size_t n = tcp_opts_write_syn(p, mss);
    if (e == TCP_SYNCOOKIE_NO_TS)
        return n;
    p[n] = (e & COOKIE_SACK) ? TCPOPT_SACK_PERM : TCPOPT_NOP;
    p[n + 1] = (e & COOKIE_SACK) ? 2 : TCPOPT_NOP;
    p[n + 2] = TCPOPT_TIMESTAMP;
    p[n + 3] = 10;
    put_be32(p + n + 4, tsval);
    put_be32(p + n + 8, tsecr); /* the SYN's TSval (RFC 7323 3.2) */
    n += TCPOLEN_TS_ALIGNED;
    if ((e & COOKIE_WS_MASK) != COOKIE_WS_NONE) {
        p[n] = TCPOPT_NOP;
        p[n + 1] = TCPOPT_WSCALE;
        p[n + 2] = 3;
        p[n + 3] = our_shift;
        n += 4;
    }
    return n;
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
    unsigned e = syncookie_opts_encode(stack, seg);
    uint32_t iss = tcp_syncookie_make(stack, seg->dst, seg->dport, seg->src, seg->sport, seg->seq,
                                      idx, e, syncookie_period(stack));
    /* Our shift as a normal SYN-ACK would offer it (tcp_ws_prepare): from
     * the receive buffer the child inherits from the listener. */
    uint8_t shift = tcp_ws_shift_for(l->rcvbuf.max);
    uint8_t opts[40];
    size_t optlen = syncookie_write_opts(opts, tcp_mss_to_advertise(stack, seg->src), e,
                                         syncookie_tsval(syncookie_ts_now(stack, seg), e),
                                         seg->opts.tsval, shift);
    TRACE(stack, GLASS_TRACE_TCP,
          "tcp   SYN queue of port %u %s: SYN cookie (RFC 4987), mss %u%s%s%s",
          get_be16((const uint8_t *)&l->lport),
          ts->cfg.syncookies == GLASS_SYNCOOKIES_ALWAYS ? "(cookies always)" : "full",
          tcp_syncookie_mss_table[idx], e == TCP_SYNCOOKIE_NO_TS ? "" : ", ts",
          e != TCP_SYNCOOKIE_NO_TS && (e & COOKIE_SACK) ? ", sack" : "",
          e != TCP_SYNCOOKIE_NO_TS && (e & COOKIE_WS_MASK) != COOKIE_WS_NONE ? ", wscale" : "");
    ts->syncookie_any_sent = true;
    ts->syncookie_last_sent = glass_stack_now(stack);
    STAT_INC(stack, tcp, syncookies_sent);
    /* The window the child will offer at first: its receive buffer, as
     * tcp_rcv_window gives it during the handshake (a SYN's window is
     * never scaled, RFC 7323 2.2). */
    size_t wnd = GLASS_MIN(l->rcvbuf.max, (size_t)TCP_MAX_WINDOW);
    tcp_send_synack_stateless(stack, seg, iss, (uint16_t)wnd, opts, optlen);
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

/* E as the ACK's TSecr echoes it; TCP_SYNCOOKIE_NO_TS when the ACK has no
 * TSopt (or timestamps are off here); COOKIE_BAD_ECHO when the TSecr
 * cannot be an echo of a cookie SYN-ACK's TSval: the ECN bit set, or not
 * our clock for this four-tuple within a cookie's lifetime. */
#define COOKIE_BAD_ECHO 0x100u
static unsigned syncookie_opts_decode(struct glass_stack *stack, const struct tcp_seg *seg)
{
    if (!stack->tcp->cfg.timestamps || !seg->opts.ts_present)
        return TCP_SYNCOOKIE_NO_TS;
    uint32_t tsecr = seg->opts.tsecr;
    unsigned e = tsecr & COOKIE_TS_MASK;
    uint32_t age = syncookie_ts_now(stack, seg) - tsecr;
    uint32_t max_age = (uint32_t)((COOKIE_MAX_AGE + 1) * TCP_SYNCOOKIE_PERIOD /
                                  GLASS_USEC_PER_MSEC) + (1u << COOKIE_TS_BITS);
    if ((e & COOKIE_ECN) || (int32_t)age < 0 || age > max_age)
        return COOKIE_BAD_ECHO;
    return e;
}

/* RFC 7323 and RFC 2018 state for a child made from a cookie whose TSval
 * carried e: what tcp_7323_syn_rcvd, tcp_sack_take_syn and the SYN-ACK's
 * tcp_7323_syn_prepare would have left in a child of the SYN queue. */
static void syncookie_child_opts(struct tcp_cb *c, const struct tcp_cb *l,
                                 const struct tcp_seg *seg, unsigned e)
{
    if (e == TCP_SYNCOOKIE_NO_TS)
        return;
    c->ts_offered = c->ts_ok = true;
    c->ts_offset = tcp_ts_offset_hash(c); /* the SYN-ACK's clock (see the top) */
    /* 4.3: TS.Recent from the peer's latest TSval (the SYN's is gone);
     * our SYN-ACK acknowledged RCV.NXT: Last.ACK.sent. */
    c->ts_recent = seg->opts.tsval;
    c->ts_recent_stamp = glass_stack_now(c->stack);
    c->last_ack_sent = c->rcv_nxt;
    if ((e & COOKIE_WS_MASK) != COOKIE_WS_NONE) {
        c->ws_offered = c->ws_ok = true;
        c->snd_wscale = (uint8_t)(e & COOKIE_WS_MASK);
        c->rcv_wscale_offer = c->rcv_wscale = tcp_ws_shift_for(l->rcvbuf.max);
    }
    if (e & COOKIE_SACK) {
        c->sack.peer_perm = c->sack.ok = true;
        STAT_INC(c->stack, tcp, sack_negotiated);
    }
}

void tcp_syncookie_child_seg(struct tcp_cb *c, struct tcp_seg *seg)
{
    /* RFC 7323 2.3: the ACK's window is scaled (tcp_segment_arrives
     * scaled it by the listener's shift, none). */
    tcp_ws_scale_seg(c, seg);
    /* The TSecr echoes a TSval rounded down by up to 64 ms and carrying
     * E, not a reading of our clock: no RTT sample from it (tcp_ts_rtt
     * ignores TSecr 0, as Linux does). */
    if (c->ts_ok)
        seg->opts.tsecr = 0;
}

enum tcp_cookie_rx tcp_syncookie_ack(struct tcp_cb *l, const struct tcp_seg *seg,
                                     struct tcp_cb **child)
{
    struct glass_stack *stack = l->stack;
    *child = NULL;
    if ((seg->flags & (TCP_ACK | TCP_SYN | TCP_RST)) != TCP_ACK || !syncookie_in_use(stack))
        return TCP_COOKIE_NONE;
    uint32_t irs = seg->seq - 1, iss = seg->ack - 1;
    uint32_t period = syncookie_period(stack);
    unsigned e = syncookie_opts_decode(stack, seg);
    int idx = -1;
    if (e != COOKIE_BAD_ECHO)
        idx = tcp_syncookie_check(stack, seg->dst, seg->dport, seg->src, seg->sport, irs, iss, e,
                                  period);
    if (idx < 0 && e != TCP_SYNCOOKIE_NO_TS) {
        /* A TSopt in an ACK to a SYN-ACK that carried none (the SYN had
         * none): stray, ignored as RFC 7323 3.2 says, the cookie has no
         * E in it. */
        e = TCP_SYNCOOKIE_NO_TS;
        idx = tcp_syncookie_check(stack, seg->dst, seg->dport, seg->src, seg->sport, irs, iss, e,
                                  period);
    }
    if (idx < 0) {
        STAT_INC(stack, tcp, syncookies_recv_failed);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   ACK %u on a listener is no SYN cookie of ours%s",
              seg->ack, seg->opts.ts_present ? " (with its TSecr)" : "");
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
    syncookie_child_opts(c, l, seg, e);
    tcp_set_state(c, TCP_SYN_RECEIVED);
    tcp_tcb_link(c);
    TRACE(stack, GLASS_TRACE_TCP,
          "tcp   SYN cookie good: connection from it, mss %u, ts %s, sack %s, wscale %d/%d",
          c->peer_mss, c->ts_ok ? "on" : "off", c->sack.ok ? "on" : "off",
          c->ws_ok ? c->snd_wscale : -1, c->ws_ok ? c->rcv_wscale : -1);
    *child = c;
    return TCP_COOKIE_CHILD;
}
