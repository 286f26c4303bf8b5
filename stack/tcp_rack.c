/*
 * tcp_rack.c - RFC 8985 RACK-TLP: loss detection by time, and tail loss
 * probes.
 *
 * RFC 6675 (tcp_sack.c) sees a loss only by counting: DupThresh SACKed
 * segments above a hole.  Two kinds of loss escape it and end in a
 * retransmission timeout (200 ms at least, an eternity on a LAN):
 *   - a lost tail: the last segments of a flight; nothing follows them,
 *     so no duplicate ACK or SACK ever comes;
 *   - a lost retransmission: RFC 6675 resends a hole once; if that copy
 *     is lost too, only the timer notices.
 *
 * RACK (RFC 8985 6) remembers when each segment was (last) sent.  When an
 * ACK reports a segment delivered, every segment sent before it -- by more
 * than a small reordering window -- that is still not delivered is lost.
 * Retransmissions carry their new send time, so a lost retransmission is
 * found the same way as an original.
 *
 * TLP (RFC 8985 7): with data outstanding and no recovery running, a
 * probe timer (PTO, about 2*SRTT) runs ahead of the RTO; when it fires,
 * one segment goes -- new data if the windows allow, else the last
 * segment again -- so the receiver answers with an ACK (and SACK) that
 * starts RACK / RFC 6675 recovery.  One probe at a time.
 *
 * The record of sent segments is a ring sorted by sequence number,
 * covering [SND.UNA, SND.MAX): a TSO super-segment is one entry, a
 * retransmission of part of one splits it.  Its size is bounded (from the
 * send buffer over the MSS); when it is full, new data merges into the
 * last entry (counted: tcp.rack_rec_full), which only delays detection --
 * the timers still catch everything.
 *
 * Hooks: tcp_output.c tcp_sent (every transmission) and tcp_output's end
 * (the PTO), tcp_ack.c tcp_ack_input (each acceptable ACK), tcp_sack.c
 * (NextSeg sends what RACK marked lost; SetPipe does not count it; RACK's
 * marks start recovery), tcp_timer.c (timers, the RTO), tcp.c (free).
 * Only with SACK (RACK needs to know what was delivered) and cfg.rack.
 */
#include "mem.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

bool tcp_rack_on(const struct tcp_cb *tcb)
{
    return tcb->sack.ok && tcb->stack->tcp->cfg.rack;
}

static uint32_t rack_smss(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* ---- the record of sent segments ------------------------------------------------ */

static struct tcp_rack_rec *rec_at(const struct tcp_rack *r, unsigned i)
{
    return &r->rec[(r->head + i) & (r->cap - 1)];
}

/* The bound: every segment of a full send buffer at the MSS, twice over
 * for the splits retransmissions make, as a power of two for the ring. */
static unsigned rack_cap_max(const struct tcp_cb *tcb)
{
    size_t want = 2 * (tcb->sndbuf.max / rack_smss(tcb)) + 2;
    want = GLASS_MAX(want, (size_t)TCP_RACK_REC_MIN);
    want = GLASS_MIN(want, (size_t)TCP_RACK_REC_MAX);
    unsigned cap = 1;
    while (cap < want)
        cap *= 2;
    return cap;
}

/* The ring starts small (most connections never have many segments in
 * flight) and doubles up to the bound; false when it cannot take one
 * more entry. */
static bool rack_room(struct tcp_cb *tcb)
{
    struct tcp_rack *r = &tcb->rack;
    if (r->rec && r->n < r->cap)
        return true;
    unsigned max = rack_cap_max(tcb);
    unsigned cap = r->rec ? r->cap * 2 : GLASS_MIN((unsigned)TCP_RACK_REC_MIN, max);
    if (r->rec && r->cap >= max)
        return false;
    cap = GLASS_MIN(cap, max);
    struct tcp_rack_rec *v = glass_alloc(tcb->stack, cap * sizeof *v);
    if (!v)
        return false;
    for (unsigned i = 0; i < r->n; i++)
        v[i] = *rec_at(r, i);
    if (r->rec)
        glass_free(tcb->stack, r->rec);
    r->rec = v;
    r->cap = cap;
    r->head = 0;
    return true;
}

void tcp_rack_release_idle(struct tcp_cb *tcb)
{
    if (tcb->rack.n == 0 || tcb->snd_una == tcb->snd_max)
        tcp_rack_free(tcb);
}

void tcp_rack_free(struct tcp_cb *tcb)
{
    struct tcp_rack *r = &tcb->rack;
    if (r->rec)
        glass_free(tcb->stack, r->rec);
    r->rec = NULL;
    r->cap = r->n = r->head = 0;
    r->nlost = r->nretrans = r->nsacked = 0;
}

static void rec_flags_drop(struct tcp_rack *r, const struct tcp_rack_rec *e)
{
    if (e->flags & TCP_RACK_LOST)
        r->nlost--;
    if (e->flags & TCP_RACK_RETRANS)
        r->nretrans--;
    if (e->flags & TCP_RACK_SACKED)
        r->nsacked--;
}

static void rec_flags_add(struct tcp_rack *r, const struct tcp_rack_rec *e)
{
    if (e->flags & TCP_RACK_LOST)
        r->nlost++;
    if (e->flags & TCP_RACK_RETRANS)
        r->nretrans++;
    if (e->flags & TCP_RACK_SACKED)
        r->nsacked++;
}

/* Split entry i at seq (inside it): [seq_i, seq) stays at i, [seq, end_i)
 * becomes i + 1.  False when the ring is full. */
static bool rec_split(struct tcp_cb *tcb, unsigned i, uint32_t seq)
{
    struct tcp_rack *r = &tcb->rack;
    if (!rack_room(tcb))
        return false;
    for (unsigned k = r->n; k > i + 1; k--)
        *rec_at(r, k) = *rec_at(r, k - 1);
    r->n++;
    struct tcp_rack_rec *a = rec_at(r, i), *b = rec_at(r, i + 1);
    *b = *a;
    a->end = seq;
    b->seq = seq;
    rec_flags_add(r, b);
    return true;
}

/* The first entry whose end is above seq (binary search: sorted). */
static unsigned rec_find(const struct tcp_rack *r, uint32_t seq)
{
    unsigned lo = 0, hi = r->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (seq_leq(rec_at(r, mid)->end, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* [a, b) went again now: its entries carry the new time, retransmitted,
 * no longer marked lost. */
static void rec_resent(struct tcp_cb *tcb, uint32_t a, uint32_t b, glass_time_t now)
{
    struct tcp_rack *r = &tcb->rack;
    for (unsigned i = rec_find(r, a); i < r->n; i++) {
        struct tcp_rack_rec *e = rec_at(r, i);
        if (!seq_lt(e->seq, b))
            break;
        bool full = false;
        if (seq_lt(e->seq, a)) {
            if (rec_split(tcb, i, a))
                continue; /* the part at a is the next entry */
            full = true;
        }
        if (seq_gt(e->end, b) && !rec_split(tcb, i, b))
            full = true;
        if (full)
            STAT_INC(tcb->stack, tcp, rack_rec_full); /* the whole entry counts as resent */
        e = rec_at(r, i);
        rec_flags_drop(r, e);
        e->flags = (uint8_t)((e->flags | TCP_RACK_RETRANS) & ~TCP_RACK_LOST);
        e->xmit_ts = now;
        rec_flags_add(r, e);
    }
}

void tcp_rack_sent(struct tcp_cb *tcb, uint32_t seq, uint32_t end, bool rexmit)
{
    struct tcp_rack *r = &tcb->rack;
    (void)rexmit;
    if (!tcp_rack_on(tcb) || !seq_lt(seq, end) || !seq_gt(end, tcb->snd_una) || seq == tcb->iss)
        return; /* nothing of [SND.UNA, ...), or the SYN */
    if (!r->rec && !rack_room(tcb))
        return; /* out of memory: no RACK for this one, the RTO still works */
    glass_time_t now = glass_stack_now(tcb->stack);
    if (seq_lt(seq, tcb->snd_una))
        seq = tcb->snd_una;
    uint32_t last = r->n ? rec_at(r, r->n - 1)->end : seq;
    if (r->n && seq_lt(seq, last))
        rec_resent(tcb, seq, seq_min(end, last), now);
    if (r->n == 0 || seq_gt(end, last)) {
        uint32_t from = r->n ? seq_max(seq, last) : seq;
        if (r->n == 0)
            r->fack = seq;
        if (!rack_room(tcb)) {
            /* the bound: merge into the newest entry, as sent now */
            struct tcp_rack_rec *e = rec_at(r, r->n - 1);
            rec_flags_drop(r, e);
            e->end = end;
            e->xmit_ts = now;
            e->flags &= (uint8_t)~(TCP_RACK_LOST | TCP_RACK_SACKED);
            rec_flags_add(r, e);
            STAT_INC(tcb->stack, tcp, rack_rec_full);
        } else {
            struct tcp_rack_rec *e = rec_at(r, r->n++);
            e->seq = from;
            e->end = end;
            e->xmit_ts = now;
            e->flags = 0;
        }
        /* RFC 8985 7.2: new data (not itself a probe) restarts the PTO */
        if (!r->in_probe)
            r->rearm = true;
    }
}

/* ---- RFC 8985 6.2: per ACK ---------------------------------------------------------- */

/* RACK_sent_after(t1, seq1, t2, seq2) */
static bool sent_after(glass_time_t t1, uint32_t seq1, glass_time_t t2, uint32_t seq2)
{
    return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* Steps 2 and 3 for one delivered entry. */
static void rack_delivered(struct tcp_cb *tcb, const struct tcp_rack_rec *e,
                           const struct tcp_seg *seg, glass_time_t now)
{
    struct tcp_rack *r = &tcb->rack;
    glass_time_t rtt = now - e->xmit_ts;
    bool retrans = e->flags & TCP_RACK_RETRANS;
    if (retrans) {
        /* Step 2: "If Segment.retransmitted is TRUE and ACK.ts_option.
         * echo_reply < Segment.xmit_ts, or Now() - Segment.xmit_ts <
         * RACK.min_RTT": the ACK may be the original's -- ambiguous. */
        if (r->min_rtt && rtt < r->min_rtt)
            return;
        if (tcb->ts_ok && seg->opts.ts_present &&
            seq_lt(seg->opts.tsecr, (uint32_t)(e->xmit_ts / GLASS_USEC_PER_MSEC) + tcb->ts_offset))
            return;
    } else if (!r->min_rtt || rtt < r->min_rtt) {
        r->min_rtt = rtt ? rtt : 1;
    }
    if (!r->have || sent_after(e->xmit_ts, e->end, r->xmit_ts, r->end_seq)) {
        r->have = true;
        r->rtt = rtt;
        r->xmit_ts = e->xmit_ts;
        r->end_seq = e->end;
    }
    /* Step 3: RACK_detect_reordering */
    if (seq_gt(e->end, r->fack)) {
        r->fack = e->end;
    } else if (seq_lt(e->end, r->fack) && !retrans) {
        if (!r->reordering_seen)
            TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   RACK: %u-%u delivered out of order",
                  e->seq - tcb->iss, e->end - tcb->iss);
        r->reordering_seen = true;
        STAT_INC(tcb->stack, tcp, rack_reordering);
    }
}

/* RFC 2883 at the sender (as tcp_sack.c reads it): the first block lies
 * below the cumulative ACK or inside the second. */
static bool seg_dsack(const struct tcp_seg *seg)
{
    const struct tcp_sack_block *b = seg->opts.sack;
    if (seg->opts.nsack == 0)
        return false;
    if (seq_leq(b[0].right, seg->ack))
        return true;
    return seg->opts.nsack > 1 && seq_geq(b[0].left, b[1].left) && seq_leq(b[0].right, b[1].right);
}

/* Step 4: RACK_update_reo_wnd. */
static glass_time_t rack_reo_wnd(struct tcp_cb *tcb, bool dsack)
{
    struct tcp_rack *r = &tcb->rack;
    if (r->reo_wnd_mult == 0)
        r->reo_wnd_mult = 1;
    if (r->dsack_round_on && seq_geq(tcb->snd_una, r->dsack_round))
        r->dsack_round_on = false;
    if (!r->dsack_round_on && dsack) {
        /* "the reordering window is too small": grow it for 16 recoveries */
        r->dsack_round_on = true;
        r->dsack_round = tcb->snd_max;
        if (r->reo_wnd_mult < 64)
            r->reo_wnd_mult++;
        r->reo_wnd_persist = 16;
    } else if (r->was_in_recovery && !tcb->in_recovery) {
        if (r->reo_wnd_persist && --r->reo_wnd_persist == 0)
            r->reo_wnd_mult = 1;
    }
    r->was_in_recovery = tcb->in_recovery;
    if (!r->reordering_seen) {
        /* No reordering seen: in recovery, or with DupThresh segments
         * SACKed, no window (losses are repaired as fast as RFC 6675). */
        if (tcb->in_recovery || r->nsacked >= TCP_SACK_DUPTHRESH)
            return 0;
    }
    glass_time_t w = r->reo_wnd_mult * r->min_rtt / 4;
    return tcb->srtt ? GLASS_MIN(w, tcb->srtt) : w;
}

/* Step 5: RACK_detect_loss.  Returns the time until the next entry would
 * be lost (0: none pending); *newly counts the entries marked now. */
static glass_time_t rack_detect_loss(struct tcp_cb *tcb, bool dsack, unsigned *newly)
{
    struct tcp_rack *r = &tcb->rack;
    glass_time_t timeout = 0, now = glass_stack_now(tcb->stack);
    glass_time_t reo_wnd = rack_reo_wnd(tcb, dsack);
    *newly = 0;
    if (!r->have)
        return 0;
    /* Without SACKed data and without retransmissions, send order is
     * sequence order and everything delivered is below SND.UNA: nothing
     * outstanding was sent before it. */
    if (r->nsacked == 0 && r->nretrans == 0)
        return 0;
    for (unsigned i = 0; i < r->n; i++) {
        struct tcp_rack_rec *e = rec_at(r, i);
        if (e->flags & (TCP_RACK_SACKED | TCP_RACK_LOST))
            continue;
        if (!sent_after(r->xmit_ts, r->end_seq, e->xmit_ts, e->end))
            continue;
        glass_time_t due = e->xmit_ts + r->rtt + reo_wnd;
        if (due <= now) {
            e->flags |= TCP_RACK_LOST;
            r->nlost++;
            (*newly)++;
            STAT_INC(tcb->stack, tcp, rack_lost);
            if (e->flags & TCP_RACK_RETRANS)
                STAT_INC(tcb->stack, tcp, rack_lost_rexmit);
            TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   RACK: %u-%u lost%s (sent %llu us before %u)",
                  e->seq - tcb->iss, e->end - tcb->iss,
                  (e->flags & TCP_RACK_RETRANS) ? " again" : "",
                  (unsigned long long)(r->xmit_ts - e->xmit_ts), r->end_seq - tcb->iss);
        } else {
            timeout = GLASS_MAX(timeout, due - now);
        }
    }
    return timeout;
}

/* RACK_detect_loss_and_arm_timer, then recovery if anything is lost. */
static void rack_detect_and_act(struct tcp_cb *tcb, bool dsack)
{
    struct tcp_rack *r = &tcb->rack;
    unsigned newly;
    glass_time_t timeout = rack_detect_loss(tcb, dsack, &newly);
    if (timeout)
        timer_arm(tcb->stack, &r->reo_timer, timeout); /* 6.3 */
    else
        timer_cancel(tcb->stack, &r->reo_timer);
    if (r->nlost && !tcb->in_recovery)
        tcp_sack_maybe_recover(tcb, tcb->dupacks); /* RFC 6675 entry, by RACK's marks */
}

/* RFC 8985 7.4: was the probe needed? */
static void tlp_process_ack(struct tcp_cb *tcb, const struct tcp_seg *seg, bool dsack,
                            bool new_ack)
{
    struct tcp_rack *r = &tcb->rack;
    if (!r->tlp_out || seq_lt(seg->ack, r->tlp_end_seq))
        return;
    if (!r->tlp_is_retrans) {
        r->tlp_out = false; /* new data delivered */
    } else if (dsack && seg->opts.sack[0].right == r->tlp_end_seq) {
        r->tlp_out = false; /* both copies arrived: the probe was redundant */
        STAT_INC(tcb->stack, tcp, tlp_dsack);
    } else if (seq_gt(seg->ack, r->tlp_end_seq)) {
        /* "Repaired the single loss": react as to a loss, unless a
         * recovery already did. */
        r->tlp_out = false;
        if (!tcb->in_recovery) {
            STAT_INC(tcb->stack, tcp, tlp_recoveries);
            if (tcb->cc->on_fast_retransmit)
                tcb->cc->on_fast_retransmit(tcb);
            if (tcb->cwnd > tcb->ssthresh)
                tcb->cwnd = tcb->ssthresh;
            TRACE(tcb->stack, GLASS_TRACE_TCP,
                  "tcp   TLP repaired a loss: cwnd=%u ssthresh=%u (RFC 8985 7.4)", tcb->cwnd,
                  tcb->ssthresh);
        }
    } else if (tcb->snd_una == tcb->snd_max) {
        /* Everything is acknowledged and nothing follows the probe: no
         * later ACK can tell whether it repaired a loss; the episode ends
         * (so the next flight can be probed) without a reduction. */
        r->tlp_out = false;
    } else if (!new_ack && seg->dlen == 0 && seg->opts.nsack == 0) {
        r->tlp_out = false; /* a plain duplicate: the receiver's delayed ACK ran out */
    }
}

void tcp_rack_ack(struct tcp_cb *tcb, const struct tcp_seg *seg, bool new_ack, bool sacked)
{
    struct tcp_rack *r = &tcb->rack;
    if (!tcp_rack_on(tcb) || !r->rec)
        return;
    glass_time_t now = glass_stack_now(tcb->stack);
    /* Step 1-3 for what this ACK delivered: entries SND.UNA passed... */
    while (r->n && seq_leq(rec_at(r, 0)->end, tcb->snd_una)) {
        struct tcp_rack_rec *e = rec_at(r, 0);
        if (!(e->flags & TCP_RACK_SACKED))
            rack_delivered(tcb, e, seg, now);
        rec_flags_drop(r, e);
        r->head = (r->head + 1) & (r->cap - 1);
        r->n--;
    }
    if (r->n && seq_lt(rec_at(r, 0)->seq, tcb->snd_una))
        rec_at(r, 0)->seq = tcb->snd_una;
    /* ...and entries newly SACKed whole (both lists are sorted) */
    if (sacked) {
        const struct tcp_sack *s = &tcb->sack;
        unsigned j = 0;
        for (unsigned i = 0; i < r->n && j < s->nsb; i++) {
            struct tcp_rack_rec *e = rec_at(r, i);
            while (j < s->nsb && seq_leq(s->sb[j].right, e->seq))
                j++;
            if (j == s->nsb)
                break;
            if ((e->flags & TCP_RACK_SACKED) || seq_gt(s->sb[j].left, e->seq) ||
                seq_lt(s->sb[j].right, e->end))
                continue;
            rack_delivered(tcb, e, seg, now);
            rec_flags_drop(r, e);
            e->flags = (uint8_t)((e->flags | TCP_RACK_SACKED) & ~TCP_RACK_LOST);
            rec_flags_add(r, e);
        }
    }
    bool dsack = seg_dsack(seg);
    tlp_process_ack(tcb, seg, dsack, new_ack);
    if (r->n == 0) {
        timer_cancel(tcb->stack, &r->reo_timer);
        r->was_in_recovery = tcb->in_recovery;
    } else {
        rack_detect_and_act(tcb, dsack); /* step 5 */
    }
    if (new_ack)
        r->rearm = true; /* 7.2: an ACK of new data restarts the PTO */
}

/* ---- for tcp_sack.c ---------------------------------------------------------------- */

bool tcp_rack_first_lost(const struct tcp_cb *tcb, uint32_t *seq, uint32_t *end)
{
    const struct tcp_rack *r = &tcb->rack;
    if (!tcp_rack_on(tcb) || r->nlost == 0)
        return false;
    const struct tcp_sack *s = &tcb->sack;
    for (unsigned i = 0; i < r->n; i++) {
        const struct tcp_rack_rec *e = rec_at(r, i);
        if (!(e->flags & TCP_RACK_LOST))
            continue;
        /* its first unSACKed run */
        uint32_t a = seq_max(e->seq, tcb->snd_una), b = e->end;
        for (unsigned j = 0; j < s->nsb && seq_lt(a, b); j++) {
            if (seq_leq(s->sb[j].right, a))
                continue;
            if (seq_leq(s->sb[j].left, a)) {
                a = s->sb[j].right;
                continue;
            }
            b = seq_min(b, s->sb[j].left);
            break;
        }
        if (seq_lt(a, b)) {
            *seq = a;
            *end = b;
            return true;
        }
    }
    return false;
}

int64_t tcp_rack_pipe_adjust(const struct tcp_cb *tcb, uint32_t lost_below, uint32_t rxt)
{
    const struct tcp_rack *r = &tcb->rack;
    if (!tcp_rack_on(tcb) || (r->nlost == 0 && !(tcb->sack.recovery && r->nretrans)))
        return 0;
    int64_t adj = 0;
    for (unsigned i = 0; i < r->n; i++) {
        const struct tcp_rack_rec *e = rec_at(r, i);
        uint32_t a = seq_max(e->seq, tcb->snd_una), b = e->end;
        if (e->flags & TCP_RACK_SACKED)
            continue;
        if (e->flags & TCP_RACK_LOST) {
            /* what SetPipe counted for it -- once when not IsLost, once
             * more when below HighRxt -- is not in the network */
            if (seq_lt(seq_max(a, lost_below), b))
                adj -= tcp_sack_unsacked(tcb, seq_max(a, lost_below), b);
            if (seq_lt(a, seq_min(b, rxt)))
                adj -= tcp_sack_unsacked(tcb, a, seq_min(b, rxt));
        } else if ((e->flags & TCP_RACK_RETRANS) && e->xmit_ts >= r->recovery_ts) {
            /* resent in this recovery by RACK's mark, above HighRxt and
             * presumed lost by IsLost: SetPipe missed this copy */
            uint32_t l = seq_max(a, rxt), h = seq_min(b, lost_below);
            if (seq_lt(l, h))
                adj += tcp_sack_unsacked(tcb, l, h);
        }
    }
    return adj;
}

uint32_t tcp_rack_resent_skip(const struct tcp_cb *tcb, uint32_t seq)
{
    const struct tcp_rack *r = &tcb->rack;
    if (!tcp_rack_on(tcb) || !r->nretrans || !tcb->sack.recovery)
        return seq;
    unsigned i = rec_find(r, seq);
    if (i >= r->n)
        return seq;
    const struct tcp_rack_rec *e = rec_at(r, i);
    if (seq_lt(seq, e->seq) || !(e->flags & TCP_RACK_RETRANS) || (e->flags & TCP_RACK_LOST) ||
        e->xmit_ts < r->recovery_ts)
        return seq;
    return e->end;
}

uint32_t tcp_rack_resent_from(const struct tcp_cb *tcb, uint32_t seq, uint32_t end)
{
    const struct tcp_rack *r = &tcb->rack;
    if (!tcp_rack_on(tcb) || !r->nretrans || !tcb->sack.recovery)
        return end;
    for (unsigned i = rec_find(r, seq); i < r->n; i++) {
        const struct tcp_rack_rec *e = rec_at(r, i);
        if (!seq_lt(e->seq, end))
            break;
        if ((e->flags & TCP_RACK_RETRANS) && !(e->flags & TCP_RACK_LOST) &&
            e->xmit_ts >= r->recovery_ts)
            return seq_max(e->seq, seq);
    }
    return end;
}

void tcp_rack_recovery_begins(struct tcp_cb *tcb)
{
    tcb->rack.recovery_ts = glass_stack_now(tcb->stack);
}

/* ---- RFC 8985 7: tail loss probe ----------------------------------------------------- */

/* May a probe be armed / sent in this state?  RFC 8985 7.2 says not in
 * fast recovery or RTO recovery.  glass allows it in RFC 6675 (SACK)
 * recovery, deliberately: measured at 1% loss each way, most remaining
 * RTOs came from recoveries that stalled when the one ACK that would have
 * ended them was lost (pipe > cwnd, so nothing else was sent to draw
 * another ACK).  A probe there draws that ACK.  NewReno recovery and the
 * go-back-N after an RTO (SND.NXT < SND.MAX) still get no probe. */
static bool tlp_state_ok(const struct tcp_cb *tcb)
{
    return !tcb->in_recovery || tcb->sack.recovery;
}

/* 7.2: arm the PTO when data is outstanding, no recovery (fast or RTO)
 * runs and no probe is out; PTO = 2*SRTT (+ WCDelAckT when one segment
 * is in flight: its ACK may be delayed), at most until the RTO would
 * fire. */
static void tlp_arm(struct tcp_cb *tcb)
{
    struct tcp_rack *r = &tcb->rack;
    struct glass_stack *stack = tcb->stack;
    uint32_t flight = tcb->snd_max - tcb->snd_una;
    if (!tcp_rack_on(tcb) || tcb->state < TCP_ESTABLISHED || flight == 0 || !tlp_state_ok(tcb) ||
        r->tlp_out || tcb->snd_nxt != tcb->snd_max || timer_pending(&tcb->persist) ||
        !timer_pending(&tcb->rexmt)) {
        timer_cancel(stack, &r->pto_timer);
        return;
    }
    glass_time_t pto;
    if (tcb->srtt) {
        pto = 2 * tcb->srtt;
        if (flight <= rack_smss(tcb))
            pto += TCP_RACK_WCDELACKT;
        pto = GLASS_MAX(pto, (glass_time_t)TCP_RACK_PTO_MIN);
    } else {
        pto = GLASS_USEC_PER_SEC;
    }
    glass_time_t now = glass_stack_now(stack);
    glass_time_t rto_at = tcb->rexmt.expires;
    if (rto_at <= now)
        return;
    if (now + pto >= rto_at) {
        /* "If Now() + PTO > TCP_RTO_expire(): PTO = TCP_RTO_expire() -
         * Now()" -- the probe goes instead of the RTO; a microsecond
         * earlier, so that it runs first and restarts the RTO. */
        if (rto_at - now <= 1) {
            timer_cancel(stack, &r->pto_timer);
            return;
        }
        pto = rto_at - now - 1;
    }
    timer_arm(stack, &r->pto_timer, pto);
}

void tcp_rack_output_done(struct tcp_cb *tcb)
{
    if (!tcb->rack.rearm)
        return;
    tcb->rack.rearm = false;
    tlp_arm(tcb);
}

/* 7.3: the PTO fired: one probe, then the RTO runs from now. */
static void tlp_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    struct tcp_rack *r = &tcb->rack;
    if (!tcp_rack_on(tcb) || tcb->snd_max == tcb->snd_una || !tlp_state_ok(tcb) || r->tlp_out ||
        tcb->snd_nxt != tcb->snd_max || tcb->state < TCP_ESTABLISHED)
        return;
    uint32_t smss = tcp_output_smss(tcb);
    uint32_t dend = tcb->snd_una + (uint32_t)tcb->sndbuf.len;
    uint32_t wend = tcb->snd_una + tcb->snd_wnd;
    bool sent = false;
    r->in_probe = true;
    /* "If a previously unsent segment exists AND the receive window
     * allows new data to be sent": that segment (cwnd aside). */
    /* loss: two full-sized segments when there are that many (one TSO
     * super-segment, or two writes): RFC 5681 4.2 / RFC 1122 4.2.3.2 make
     * the receiver ACK every second full-sized segment at once, where a
     * single one may wait for its delayed-ACK timer (Linux: 40 ms) --
     * measured at 1% loss, most probes answered a lost ACK, and each
     * one-MSS probe then stalled the connection for those 40 ms. */
    for (unsigned k = 0; k < 2 && seq_lt(tcb->snd_max, dend) && seq_lt(tcb->snd_max, wend); ) {
        uint32_t len = GLASS_MIN((2 - k) * smss, seq_min(dend, wend) - tcb->snd_max);
        if (!tcp_output_range_tso(tcb, tcb->snd_max, &len))
            break;
        if (!sent)
            STAT_INC(stack, tcp, tlp_probes_new);
        sent = true;
        r->tlp_is_retrans = false;
        k += (len + smss - 1) / smss;
    }
    if (!sent) {
        /* "Else: retransmit the last segment", the highest sequenced. */
        uint32_t top = (tcb->fin_sent && tcb->snd_max == tcb->fin_seq + 1) ? tcb->fin_seq
                                                                            : tcb->snd_max;
        uint32_t seq = seq_max(tcb->snd_una, top - GLASS_MIN(smss, top - tcb->snd_una));
        if (r->n && seq_lt(seq, rec_at(r, r->n - 1)->seq) &&
            seq_lt(rec_at(r, r->n - 1)->seq, top))
            seq = rec_at(r, r->n - 1)->seq; /* the last segment as it was sent */
        uint32_t len = top - seq;
        if (tcp_output_range(tcb, seq, &len)) {
            sent = true;
            r->tlp_is_retrans = true;
        }
    }
    r->in_probe = false;
    r->rearm = false;
    if (sent) {
        r->tlp_out = true;
        r->tlp_end_seq = tcb->snd_max;
        STAT_INC(stack, tcp, tlp_probes);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   TLP: %s probe, up to %u (RFC 8985 7.3)",
              r->tlp_is_retrans ? "retransmitted" : "new-data", r->tlp_end_seq - tcb->iss);
    }
    /* "the sender MUST re-arm the RTO timer, not the PTO timer" */
    tcp_timer_rexmt_restart(tcb);
}

/* 6.3: an entry that was not yet lost by the window is now. */
static void reo_fire(struct glass_stack *stack, void *arg)
{
    struct tcp_cb *tcb = arg;
    if (!tcp_rack_on(tcb) || !tcb->rack.rec || tcb->snd_max == tcb->snd_una)
        return;
    STAT_INC(stack, tcp, rack_reo_timeouts);
    rack_detect_and_act(tcb, false);
    tcp_output(tcb);
}

void tcp_rack_timers_init(struct tcp_cb *tcb)
{
    timer_init(&tcb->rack.pto_timer, "tcp-tlp", tlp_fire, tcb);
    timer_init(&tcb->rack.reo_timer, "tcp-rack-reo", reo_fire, tcb);
}

void tcp_rack_timers_cancel(struct tcp_cb *tcb)
{
    timer_cancel(tcb->stack, &tcb->rack.pto_timer);
    timer_cancel(tcb->stack, &tcb->rack.reo_timer);
}

void tcp_rack_on_rto(struct tcp_cb *tcb)
{
    struct tcp_rack *r = &tcb->rack;
    /* The scoreboard is gone (RFC 6675 5.1), so SACKed marks go too; every
     * entry will be sent again from SND.UNA (go back N). */
    for (unsigned i = 0; i < r->n; i++) {
        struct tcp_rack_rec *e = rec_at(r, i);
        rec_flags_drop(r, e);
        e->flags &= (uint8_t)~(TCP_RACK_LOST | TCP_RACK_SACKED);
        rec_flags_add(r, e);
    }
    r->tlp_out = false;
    tcp_rack_timers_cancel(tcb);
}
