/*
 * tcp_timer.c - the five timers of a connection.
 *
 *   rexmt      RFC 6298 5: retransmission; exponential backoff, go back N,
 *              give up after a configured count (ETIMEDOUT)
 *   persist    RFC 9293 3.8.6.1, RFC 1122 4.2.2.17: probe a zero window
 *   delack     RFC 1122 4.2.3.2: the ACK we held back is due
 *   keepalive  RFC 1122 4.2.3.6: probe an idle connection (SO_KEEPALIVE)
 *   time_wait  RFC 9293 3.6: 2*MSL in TIME-WAIT, then the block goes
 *
 * Each is a struct glass_timer embedded in the control block (timer.h);
 * callbacks run in stack context.  tcp_done() may free the block, so a
 * callback never touches tcb after calling it.
 */
#include <errno.h>

#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* Zero-window probes an orphan gets before it is dropped (Linux's
 * tcp_orphan_retries default). */
#define TCP_ORPHAN_PROBES 8

static const struct glass_tcp_config *cfg_of(const struct tcp_cb *tcb)
{
    return &tcb->stack->tcp->cfg;
}

/* base << shift, capped at rto_max, without overflowing. */
static glass_time_t backed_off(const struct tcp_cb *tcb, glass_time_t base, unsigned shift)
{
    glass_time_t max = cfg_of(tcb)->rto_max;
    for (unsigned i = 0; i < shift && base < max; i++)
        base *= 2;
    return GLASS_MIN(base, max);
}

static const char *tuple_str(const struct tcp_cb *tcb, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%u > %s:%u", ip4s(tcb->laddr).s, get_be16((const uint8_t *)&tcb->lport),
             ip4s(tcb->faddr).s, get_be16((const uint8_t *)&tcb->fport));
    return buf;
}

/* ---- retransmission (RFC 6298 5, RFC 5681 3.1) ---------------------------------- */

void tcp_timer_rexmt_restart(struct tcp_cb *tcb)
{
    if (!tcb->rto)
        tcb->rto = cfg_of(tcb)->rto_initial;
    timer_arm(tcb->stack, &tcb->rexmt, backed_off(tcb, tcb->rto, tcb->backoff));
}

void tcp_timer_rexmt_stop(struct tcp_cb *tcb)
{
    timer_cancel(tcb->stack, &tcb->rexmt);
}

/* How many retransmissions a state allows before giving up (Linux's
 * tcp_syn_retries, tcp_synack_retries, tcp_retries2). */
static unsigned tcp_retry_limit(const struct tcp_cb *tcb)
{
    const struct glass_tcp_config *cfg = cfg_of(tcb);
    switch (tcb->state) {
    case TCP_SYN_SENT:
        return cfg->syn_retries;
    case TCP_SYN_RECEIVED:
        return cfg->synack_retries;
    default:
        return cfg->retries;
    }
}

/* RFC 6298 5.4-5.7 and RFC 5681 (4): the oldest segment was not
 * acknowledged in time.  Collapse cwnd (cc), back off the timer (5.5),
 * go back to SND.UNA and send again from there (5.4); every later segment
 * follows as ACKs come back.  After too many tries the connection is
 * dead: ETIMEDOUT, or the ICMP error that probably explains it (RFC 1122
 * 4.2.3.9). */
static void tcp_timer_rexmt_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    char t[64];
    if (tcb->snd_una == tcb->snd_max)
        return; /* nothing outstanding any more */
    STAT_INC(stack, tcp, rto_expired);
    if (tcb->snd_wnd == 0 && tcb->state >= TCP_ESTABLISHED && tcb->sndbuf.len) {
        /* The peer shut its window with our data in flight: what it did
         * not take is not lost, and probing, not retransmission, is how
         * to learn when it opens (RFC 1122 4.2.2.17; Linux does this). */
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s RTO with a zero window: probing instead",
              tuple_str(tcb, t, sizeof t));
        tcb->snd_nxt = tcb->snd_una;
        tcb->rtt_timing = false;
        tcp_timer_persist_start(tcb);
        return;
    }
    if (tcb->backoff >= tcp_retry_limit(tcb)) {
        int err = tcb->soft_error ? tcb->soft_error : ETIMEDOUT;
        STAT_INC(stack, tcp, conn_timeout);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s %s: gave up after %u retransmissions (%s)",
              tuple_str(tcb, t, sizeof t), tcp_state_name(tcb->state), tcb->backoff,
              strerror(err));
        tcp_done(tcb, err);
        return;
    }
    if (tcb->state >= TCP_ESTABLISHED && tcb->cc && tcb->cc->on_timeout)
        tcb->cc->on_timeout(tcb); /* uses backoff: ssthresh only on the first */
    /* RFC 6582 4: losses found by the timer end recovery; remember the
     * highest sequence sent so its duplicate ACKs start no new one. */
    tcb->recover = tcb->snd_max;
    tcb->in_recovery = false;
    tcp_sack_on_rto(tcb); /* SACK: the scoreboard goes (RFC 6675 5.1) */
    tcp_rack_on_rto(tcb); /* rack: its marks and the probe go too */
    tcb->dupacks = 0;
    tcb->limited_sent = 0;
    tcb->backoff++;
    tcb->rtt_timing = false;
    tcb->snd_nxt = tcb->snd_una;
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s RTO expired: seq=%u backoff=%u next rto=%llu ms cwnd=%u",
          tuple_str(tcb, t, sizeof t), tcb->snd_una - tcb->iss, tcb->backoff,
          (unsigned long long)(backed_off(tcb, tcb->rto, tcb->backoff) / 1000), tcb->cwnd);
    tcp_retransmit(tcb);
    if (!timer_pending(&tcb->rexmt))
        tcp_timer_rexmt_restart(tcb);
}

/* ---- persist (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17) -------------------------------- */

void tcp_timer_persist_start(struct tcp_cb *tcb)
{
    if (timer_pending(&tcb->persist))
        return;
    if (!tcb->rto)
        tcb->rto = cfg_of(tcb)->rto_initial;
    timer_arm(tcb->stack, &tcb->persist, backed_off(tcb, tcb->rto, tcb->persist_backoff));
}

/* "The sending TCP must regularly retransmit to the receiving TCP even
 * when the window is zero ... one octet of new data".  The probe byte is
 * the first unacknowledged one; it takes a sequence number (so the peer
 * can acknowledge it when its window opened) but no retransmission timer:
 * the persist timer watches it, backing off up to rto_max, and never gives
 * up while the peer keeps answering (RFC 1122: "MUST allow the window to
 * stay zero indefinitely"); cfg.retries probes in a row with no ACK at
 * all mean the peer is gone (ETIMEDOUT).  If the window is open but too small for the
 * sender's SWS rule, the timer pushes what fits (RFC 1122 4.2.3.4's
 * override). */
static void tcp_timer_persist_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    if (tcb->sndbuf.len == 0 || tcb->state < TCP_ESTABLISHED) {
        tcb->persist_backoff = 0;
        return;
    }
    char t[64];
    if (tcb->snd_wnd == 0 && !tcb->sk && !tcb->parent && tcb->fin_queued &&
        tcb->persist_backoff >= TCP_ORPHAN_PROBES) {
        /* An orphan (closed by its user) whose peer keeps answering with
         * a zero window would otherwise hold its control block, and the
         * data nobody waits for, for ever: Linux's tcp_probe_timer gives
         * a dead socket tcp_orphan_retries (8) probes, answered or not. */
        STAT_INC(stack, tcp, conn_timeout);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s orphan: window still shut after %u probes, giving up",
              tuple_str(tcb, t, sizeof t), tcb->persist_backoff);
        tcp_done(tcb, ETIMEDOUT);
        return;
    }
    if (tcb->snd_wnd == 0 && tcb->persist_probes_out >= cfg_of(tcb)->retries) {
        /* The probes, not just the window, went unanswered: the peer is
         * gone (Linux's tcp_probe_timer gives up the same way). */
        int err = tcb->soft_error ? tcb->soft_error : ETIMEDOUT;
        STAT_INC(stack, tcp, conn_timeout);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s %u window probes unanswered (%s)",
              tuple_str(tcb, t, sizeof t), tcb->persist_probes_out, strerror(err));
        tcp_done(tcb, err);
        return;
    }
    STAT_INC(stack, tcp, persist_probes);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s persist timer: window %u, backoff %u",
          tuple_str(tcb, t, sizeof t), tcb->snd_wnd, tcb->persist_backoff);
    if (tcb->snd_wnd == 0) {
        tcb->persist_probes_out++;
        /* Re-arm before sending, so tcp_output sees the probe byte as
         * watched by this timer and arms no retransmission timer. */
        if (tcb->persist_backoff < 31)
            tcb->persist_backoff++;
        timer_arm(stack, &tcb->persist, backed_off(tcb, tcb->rto, tcb->persist_backoff));
        tcp_send_window_probe(tcb);
        return;
    }
    /* A small window is open but sender SWS avoidance held the data back:
     * push what fits; the retransmission timer takes over from here. */
    tcb->persist_backoff = 0;
    tcp_send_window_probe(tcb);
    tcp_output(tcb);
}

/* ---- delayed ACK (RFC 1122 4.2.3.2) ------------------------------------------------ */

void tcp_timer_delack_start(struct tcp_cb *tcb)
{
    if (!timer_pending(&tcb->delack))
        timer_arm(tcb->stack, &tcb->delack, cfg_of(tcb)->delack_max);
}

static void tcp_timer_delack_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    if (tcb->state < TCP_ESTABLISHED)
        return; /* only data is ever acknowledged late */
    STAT_INC(stack, tcp, delayed_acks);
    tcp_send_ack(tcb);
}

/* ---- keepalive (RFC 1122 4.2.3.6) ---------------------------------------------------- */

static glass_time_t keepidle_of(const struct tcp_cb *tcb)
{
    return tcb->keepidle ? tcb->keepidle : cfg_of(tcb)->keepidle;
}

static glass_time_t keepintvl_of(const struct tcp_cb *tcb)
{
    return tcb->keepintvl ? tcb->keepintvl : cfg_of(tcb)->keepintvl;
}

static unsigned keepcnt_of(const struct tcp_cb *tcb)
{
    return tcb->keepcnt ? tcb->keepcnt : cfg_of(tcb)->keepcnt;
}

static bool keepalive_applies(const struct tcp_cb *tcb)
{
    return tcb->keepalive_on &&
           (tcb->state == TCP_ESTABLISHED || tcb->state == TCP_CLOSE_WAIT);
}

/* The timer is armed for the end of the idle period and not moved on
 * every segment (that would cost a heap operation per segment); when it
 * fires it looks at last_rcv and sleeps again if the peer spoke since. */
void tcp_timer_keepalive_reset(struct tcp_cb *tcb)
{
    tcb->last_rcv = glass_stack_now(tcb->stack);
    tcb->keep_probes = 0;
    if (!keepalive_applies(tcb)) {
        timer_cancel(tcb->stack, &tcb->keepalive);
        return;
    }
    if (!timer_pending(&tcb->keepalive))
        timer_arm(tcb->stack, &tcb->keepalive, keepidle_of(tcb));
}

/* RFC 1122 4.2.3.6: a keep-alive is <SEQ=SND.NXT-1> with no data (glass
 * uses SND.UNA-1, as Linux does: an old sequence number that any live
 * peer answers with an ACK).  After keepcnt unanswered probes the
 * connection is dead: RST (like Linux) and ETIMEDOUT. */
static void tcp_timer_keepalive_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    char t[64];
    if (!keepalive_applies(tcb))
        return;
    glass_time_t now = glass_stack_now(stack);
    glass_time_t idle = now - tcb->last_rcv;
    if (tcb->keep_probes == 0 && idle < keepidle_of(tcb)) {
        timer_arm(stack, &tcb->keepalive, keepidle_of(tcb) - idle);
        return;
    }
    if (tcb->snd_max != tcb->snd_una || tcb->sndbuf.len) {
        /* Data is outstanding or waiting: the retransmission or persist
         * timer is already asking; look again later. */
        timer_arm(stack, &tcb->keepalive, keepintvl_of(tcb));
        return;
    }
    if (tcb->keep_probes >= keepcnt_of(tcb)) {
        STAT_INC(stack, tcp, conn_timeout);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   %s keepalive: %u probes unanswered, closing",
              tuple_str(tcb, t, sizeof t), tcb->keep_probes);
        tcp_send_rst(tcb);
        tcp_done(tcb, ETIMEDOUT);
        return;
    }
    tcb->keep_probes++;
    STAT_INC(stack, tcp, keepalive_probes);
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s keepalive probe %u/%u", tuple_str(tcb, t, sizeof t),
          tcb->keep_probes, keepcnt_of(tcb));
    tcp_send_keepalive(tcb);
    timer_arm(stack, &tcb->keepalive, keepintvl_of(tcb));
}

/* ---- TIME-WAIT (RFC 9293 3.6) ----------------------------------------------------------- */

/* 2*MSL, so that old duplicates of this connection die out before the
 * four-tuple can be used again, and our last ACK can be resent if the
 * peer's FIN comes again.  The same timer bounds an orphaned FIN-WAIT-2. */
void tcp_timer_time_wait(struct tcp_cb *tcb)
{
    timer_cancel(tcb->stack, &tcb->rexmt);
    timer_cancel(tcb->stack, &tcb->persist);
    timer_cancel(tcb->stack, &tcb->keepalive);
    tcp_rack_timers_cancel(tcb);
    timer_arm(tcb->stack, &tcb->time_wait, 2 * cfg_of(tcb)->msl);
    tcp_tw_touch(tcb);          /* wt-fast: keep the TIME-WAIT queue in expiry order */
}

static void tcp_timer_time_wait_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    char t[64];
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s %s timer expired", tuple_str(tcb, t, sizeof t),
          tcp_state_name(tcb->state));
    tcp_done(tcb, 0);
}

/* ---- setup --------------------------------------------------------------------------------- */

void tcp_timers_init(struct tcp_cb *tcb)
{
    timer_init(&tcb->rexmt, "tcp-rexmt", tcp_timer_rexmt_fire, tcb);
    timer_init(&tcb->persist, "tcp-persist", tcp_timer_persist_fire, tcb);
    timer_init(&tcb->delack, "tcp-delack", tcp_timer_delack_fire, tcb);
    timer_init(&tcb->keepalive, "tcp-keepalive", tcp_timer_keepalive_fire, tcb);
    timer_init(&tcb->time_wait, "tcp-time-wait", tcp_timer_time_wait_fire, tcb);
    tcp_rack_timers_init(tcb); /* rack: PTO and reordering timers */
    if (!tcb->rto)
        tcb->rto = cfg_of(tcb)->rto_initial; /* RFC 6298 2.1: 1 s until a sample */
}

void tcp_timers_cancel(struct tcp_cb *tcb)
{
    timer_cancel(tcb->stack, &tcb->rexmt);
    timer_cancel(tcb->stack, &tcb->persist);
    timer_cancel(tcb->stack, &tcb->delack);
    timer_cancel(tcb->stack, &tcb->keepalive);
    timer_cancel(tcb->stack, &tcb->time_wait);
    tcp_rack_timers_cancel(tcb);
}
