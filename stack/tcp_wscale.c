/*
 * tcp_wscale.c - the Window Scale option (RFC 7323 2).
 *
 * The window field is 16 bits: without help a connection can have at
 * most 65535 bytes in flight, 5 Mbit/s over a 100 ms path.  RFC 7323 2
 * lets each side announce, in its SYN, a shift count by which the peer
 * must multiply every window field it sends afterwards:
 *
 *   2.2  "This option is an offer, not a promise; both sides MUST send
 *        Window Scale options in their <SYN> segments to enable window
 *        scaling in either direction."  A SYN-ACK carries the option only
 *        if the SYN did.  "The Window field in a <SYN> (i.e., a <SYN> or
 *        <SYN,ACK>) segment itself is never scaled."
 *   2.3  Snd.Wind.Shift (the peer's shift, applied to SEG.WND) and
 *        Rcv.Wind.Shift (ours, applied when we fill the field in).  "If a
 *        Window Scale option is received with a shift.cnt value larger
 *        than 14, the TCP SHOULD log the error but MUST use 14 instead."
 *   2.4  The field loses the low bits of the window: the receiver must
 *        not let that rounding move the right edge it offered to the
 *        left (tcp_ws_round_up).
 *
 * glass chooses its shift from the receive buffer at the time of the
 * SYN: the smallest that lets the whole buffer be offered.  The control
 * block fields are ws_offered/ws_ok/snd_wscale/rcv_wscale (tcp.h); the
 * option bytes are written by tcp_opts_write (tcp_opt.c).
 */
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* RFC 7323 2.3: the smallest shift with 65535 << shift >= the buffer.
 * (Not static: the SYN cookie SYN-ACK offers the same, tcp_syncookie.c.) */
uint8_t tcp_ws_shift_for(size_t buf)
{
    uint8_t s = 0;
    while (s < TCP_MAX_WSCALE && ((size_t)TCP_MAX_WINDOW << s) < buf)
        s++;
    return s;
}

/* Called before our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) goes out:
 * the offer is fixed at the first one, so a retransmission says the
 * same thing. */
static void tcp_ws_prepare(struct tcp_cb *tcb)
{
    const struct glass_tcp_config *cfg = &tcb->stack->tcp->cfg;
    if (tcb->state == TCP_SYN_SENT) {
        if (tcb->snd_nxt != tcb->iss)
            return; /* a retransmission: same offer */
        tcb->ws_offered = cfg->window_scaling != 0;
    } else {
        /* A SYN-ACK: only in answer to a SYN that carried it (2.2);
         * tcp_7323_syn_rcvd set ws_ok then. */
        if (tcb->ws_offered && tcb->snd_nxt != tcb->iss)
            return;
        tcb->ws_offered = tcb->ws_ok;
    }
    tcb->rcv_wscale_offer = tcb->ws_offered ? tcp_ws_shift_for(tcb->rcvbuf.max) : 0;
    if (tcb->ws_ok)
        tcb->rcv_wscale = tcb->rcv_wscale_offer;
}

/* The peer's SYN (on a listener, or in SYN-SENT).  In SYN-SENT our SYN
 * already made its offer; on a listener the SYN-ACK will answer in kind
 * if the stack allows scaling. */
static void tcp_ws_syn_rcvd(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    struct glass_stack *stack = tcb->stack;
    bool we_offer = tcb->state == TCP_SYN_SENT ? tcb->ws_offered
                                                : stack->tcp->cfg.window_scaling != 0;
    tcb->ws_ok = we_offer && seg->opts.ws_present;
    if (!tcb->ws_ok) {
        /* No option in the peer's SYN: neither side scales (2.2), and a
         * shift we offered in our SYN is void. */
        tcb->snd_wscale = 0;
        tcb->rcv_wscale = 0;
        if (tcb->ws_offered)
            TRACE(stack, GLASS_TRACE_TCP, "tcp   peer's SYN has no window scale: no scaling");
        return;
    }
    uint8_t shift = seg->opts.ws;
    if (shift > TCP_MAX_WSCALE) {
        STAT_INC(stack, tcp, ws_shift_clamped);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   window scale %u > 14 from %s: using 14 (RFC 7323 2.3)",
              shift, ip4s(seg->src).s);
        shift = TCP_MAX_WSCALE;
    }
    tcb->snd_wscale = shift;
    /* In SYN-SENT our offer is in rcv_wscale_offer; a listener's child
     * decides its own when the SYN-ACK goes (tcp_ws_prepare). */
    tcb->rcv_wscale = tcb->state == TCP_SYN_SENT ? tcb->rcv_wscale_offer : 0;
}

void tcp_ws_scale_seg(const struct tcp_cb *tcb, struct tcp_seg *seg)
{
    if (tcb->ws_ok && !(seg->flags & TCP_SYN))
        seg->wnd <<= tcb->snd_wscale;
}

uint32_t tcp_ws_max_window(const struct tcp_cb *tcb)
{
    return (uint32_t)TCP_MAX_WINDOW << tcb->rcv_wscale;
}

uint16_t tcp_ws_field(const struct tcp_cb *tcb, uint32_t wnd, uint8_t flags)
{
    if (!(flags & TCP_SYN))
        wnd >>= tcb->rcv_wscale;
    return (uint16_t)GLASS_MIN(wnd, (uint32_t)TCP_MAX_WINDOW);
}

uint32_t tcp_ws_round_up(const struct tcp_cb *tcb, uint32_t wnd)
{
    uint32_t unit = 1u << tcb->rcv_wscale;
    uint32_t up = (wnd + unit - 1) & ~(unit - 1);
    return GLASS_MIN(up, tcp_ws_max_window(tcb));
}

/* ---- the handshake hooks, for both options (tcp.h) ------------------------- */

void tcp_7323_syn_prepare(struct tcp_cb *tcb)
{
    tcp_ws_prepare(tcb);
    const struct glass_tcp_config *cfg = &tcb->stack->tcp->cfg;
    if (tcb->state == TCP_SYN_SENT)
        tcb->ts_offered = cfg->timestamps != 0;
    else
        tcb->ts_offered = tcb->ts_ok; /* 3.2: only if the SYN carried TS */
    if (tcb->ts_offered && !tcb->ts_offset)
        tcb->ts_offset = tcp_ts_offset_hash(tcb);
}

void tcp_7323_syn_rcvd(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    tcp_ws_syn_rcvd(tcb, seg);
    bool we_offer = tcb->state == TCP_SYN_SENT ? tcb->ts_offered
                                                : tcb->stack->tcp->cfg.timestamps != 0;
    /* RFC 7323 3.2: TS is on only when both SYNs carried it; then the
     * SYN's TSval is the first TS.Recent (4.3). */
    tcb->ts_ok = we_offer && seg->opts.ts_present;
    if (tcb->ts_ok) {
        tcb->ts_recent = seg->opts.tsval;
        tcb->ts_recent_stamp = glass_stack_now(tcb->stack);
    }
}
