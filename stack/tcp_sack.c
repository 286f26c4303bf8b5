/*
 * tcp_sack.c - Selective Acknowledgment: RFC 2018 (the option, both
 * ends), RFC 2883 (D-SACK) and RFC 6675 (SACK-based loss recovery).
 *
 * Cumulative ACKs tell a sender only where the first hole is.  With SACK
 * the receiver also lists the blocks it holds beyond that hole, so the
 * sender can resend every hole of a window in one round trip instead of
 * one hole per round trip (NewReno, RFC 6582, which stays the path when
 * SACK was not negotiated).
 *
 * Negotiation (RFC 2018 2): our SYN always carries SACK-permitted; our
 * SYN-ACK only if the peer's SYN did; SACK is on when both did.
 *
 * Receiver (RFC 2018 4): every ACK sent while data sits in the
 * out-of-order queue (tcp_reass.c) lists its contiguous runs: first the
 * run holding the segment that triggered the ACK, then the runs most
 * recently reported, as many as the option space allows.  RFC 2883: a
 * segment that arrives twice is reported once, as the first block.
 *
 * Sender (RFC 6675): a bounded scoreboard of SACKed ranges inside
 * [SND.UNA, SND.MAX); IsLost, SetPipe and NextSeg over it; loss recovery
 * entered on DupThresh duplicate ACKs or as soon as IsLost(SND.UNA), left
 * when the cumulative ACK reaches RecoveryPoint.  While in recovery,
 * tcp_output sends through tcp_sack_output (RFC 6675 5 step C) instead of
 * the plain stream.  The retransmission timer forgets the scoreboard
 * (RFC 2018 8: the receiver may renege; RFC 6675 5.1).
 *
 * Sequence space conventions: blocks are [left, right); tcb->recover is
 * RecoveryPoint + 1 (SND.MAX at entry) as for NewReno in tcp_ack.c, and
 * high_rxt is HighRxt + 1.
 */
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

static uint32_t sack_smss(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

/* ---- negotiation (RFC 2018 2) ------------------------------------------------ */

bool tcp_sack_offer(const struct tcp_cb *tcb)
{
    /* "The SACK-permitted option MAY be sent in a SYN by a TCP ... It
     * MUST NOT be sent on non-SYN segments."  A SYN-ACK offers it only to
     * a peer that asked: SACK is used only when both SYNs carry it. */
    return tcb->state == TCP_SYN_SENT || tcb->sack.peer_perm;
}

void tcp_sack_take_syn(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    /* Our SYN always offers it, so the peer's answer decides. */
    tcb->sack.peer_perm = seg->opts.sack_perm;
    tcb->sack.ok = seg->opts.sack_perm;
    if (tcb->sack.ok) {
        STAT_INC(tcb->stack, tcp, sack_negotiated);
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SACK permitted by both ends (RFC 2018)");
    }
}

/* ---- receiver: blocks from the out-of-order queue (RFC 2018 4, RFC 2883) ---- */

void tcp_sack_rcv_note(struct tcp_cb *tcb, uint32_t left, uint32_t right)
{
    struct tcp_sack *s = &tcb->sack;
    if (!s->ok || !seq_lt(left, right))
        return;
    /* RFC 2018 4: "The first SACK block ... MUST specify the contiguous
     * block of data containing the segment which triggered this ACK";
     * the others follow most recent first.  The oldest falls off. */
    unsigned n = GLASS_MIN(s->nrcv, (unsigned)TCP_SACK_MAX_BLOCKS - 1);
    for (unsigned i = n; i > 0; i--)
        s->rcv[i] = s->rcv[i - 1];
    s->rcv[0].left = left;
    s->rcv[0].right = right;
    s->nrcv = n + 1;
}

void tcp_sack_rcv_dup(struct tcp_cb *tcb, uint32_t left, uint32_t right)
{
    if (!tcb->sack.ok || !seq_lt(left, right))
        return;
    /* RFC 2883 4: "the first block ... SHOULD specify the contiguous
     * block of data in the received packet segment that triggered the
     * ACK" when it is a duplicate; one D-SACK per duplicate. */
    tcb->sack.dsack_owed = true;
    tcb->sack.dsack.left = left;
    tcb->sack.dsack.right = right;
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   duplicate seq %u-%u: D-SACK (RFC 2883)",
          left - tcb->irs, right - tcb->irs);
}

static bool sack_block_in(const struct tcp_sack_block *b, unsigned n, uint32_t l, uint32_t r)
{
    for (unsigned i = 0; i < n; i++)
        if (b[i].left == l && b[i].right == r)
            return true;
    return false;
}

/* The remembered blocks brought up to date with the queue: each becomes
 * the whole run it now lies in (runs merge as holes fill), blocks that
 * RCV.NXT passed disappear, and two that became one run count once. */
static void sack_rcv_refresh(struct tcp_cb *tcb)
{
    struct tcp_sack *s = &tcb->sack;
    struct tcp_sack_block fresh[TCP_SACK_MAX_BLOCKS];
    unsigned k = 0;
    for (unsigned i = 0; i < s->nrcv; i++) {
        uint32_t l = s->rcv[i].left, r = s->rcv[i].right, rl, rr;
        if (seq_lt(l, tcb->rcv_nxt))
            l = tcb->rcv_nxt;
        if (!seq_lt(l, r) || !tcp_reass_run(tcb, l, r, &rl, &rr))
            continue;
        if (sack_block_in(fresh, k, rl, rr))
            continue;
        fresh[k].left = rl;
        fresh[k].right = rr;
        k++;
    }
    for (unsigned i = 0; i < k; i++)
        s->rcv[i] = fresh[i];
    s->nrcv = k;
}

unsigned tcp_sack_rcv_blocks(struct tcp_cb *tcb, struct tcp_sack_block *out, unsigned max)
{
    struct tcp_sack *s = &tcb->sack;
    unsigned n = 0;
    if (!s->ok || max == 0)
        return 0;
    if (s->dsack_owed) {
        s->dsack_owed = false;
        out[n++] = s->dsack;
        STAT_INC(tcb->stack, tcp, dsack_sent);
        /* RFC 2883 4: a duplicate inside the queue: the run holding it
         * SHOULD be the second block. */
        uint32_t rl, rr;
        if (n < max && tcp_reass_run(tcb, s->dsack.left, s->dsack.right, &rl, &rr)) {
            out[n].left = rl;
            out[n].right = rr;
            n++;
        }
    }
    if (!tcb->ooo) {
        s->nrcv = 0;
        return n;
    }
    sack_rcv_refresh(tcb);
    unsigned first = n ? 1 : 0; /* the D-SACK itself is not a SACK block */
    for (unsigned i = 0; i < s->nrcv && n < max; i++) {
        if (sack_block_in(out + first, n - first, s->rcv[i].left, s->rcv[i].right))
            continue;
        out[n++] = s->rcv[i];
    }
    return n;
}

/* ---- sender: the scoreboard (RFC 6675 3 "Update") ------------------------------ */

/* Forget what SND.UNA has passed. */
static void sb_trim(struct tcp_cb *tcb)
{
    struct tcp_sack *s = &tcb->sack;
    unsigned drop = 0;
    while (drop < s->nsb && seq_leq(s->sb[drop].right, tcb->snd_una))
        drop++;
    for (unsigned i = drop; i < s->nsb; i++)
        s->sb[i - drop] = s->sb[i];
    s->nsb -= drop;
    if (s->nsb && seq_lt(s->sb[0].left, tcb->snd_una))
        s->sb[0].left = tcb->snd_una;
}

/* Add [l, r) (inside [SND.UNA, SND.MAX)), merging with every range it
 * overlaps or touches; returns the bytes newly SACKed. */
static uint32_t sb_add(struct tcp_cb *tcb, uint32_t l, uint32_t r)
{
    struct tcp_sack *s = &tcb->sack;
    unsigned i = 0;
    while (i < s->nsb && seq_lt(s->sb[i].right, l))
        i++;                            /* ranges wholly before, not touching */
    unsigned j = i;
    uint32_t old = 0, nl = l, nr = r;
    while (j < s->nsb && seq_leq(s->sb[j].left, r)) {
        /* overlaps or touches: absorb */
        uint32_t ol = seq_max(s->sb[j].left, l), or_ = seq_min(s->sb[j].right, r);
        if (seq_lt(ol, or_))
            old += or_ - ol;
        nl = seq_min(nl, s->sb[j].left);
        nr = seq_max(nr, s->sb[j].right);
        j++;
    }
    if (j == i) {
        /* a range of its own, inserted at i */
        if (s->nsb >= TCP_SACK_SB_MAX) {
            STAT_INC(tcb->stack, tcp, sack_sb_full);
            return 0;   /* conservative: that data is simply not known SACKed */
        }
        for (unsigned k = s->nsb; k > i; k--)
            s->sb[k] = s->sb[k - 1];
        s->nsb++;
    } else if (j > i + 1) {
        /* several merged into one: close the gap */
        unsigned gone = j - i - 1;
        for (unsigned k = j; k < s->nsb; k++)
            s->sb[k - gone] = s->sb[k];
        s->nsb -= gone;
    }
    s->sb[i].left = nl;
    s->sb[i].right = nr;
    return (r - l) - old;
}

/* RFC 2883 4 at the sender: the first block is a D-SACK when it lies
 * below the cumulative ACK, or inside the second block. */
static bool sack_is_dsack(const struct tcp_seg *seg)
{
    const struct tcp_sack_block *b = seg->opts.sack;
    if (seq_leq(b[0].right, seg->ack))
        return true;
    return seg->opts.nsack > 1 && seq_geq(b[0].left, b[1].left) && seq_leq(b[0].right, b[1].right);
}

bool tcp_sack_update(struct tcp_cb *tcb, const struct tcp_seg *seg)
{
    struct tcp_sack *s = &tcb->sack;
    if (!s->ok)
        return false;
    sb_trim(tcb);
    uint32_t newly = 0;
    for (unsigned i = 0; i < seg->opts.nsack; i++) {
        uint32_t l = seg->opts.sack[i].left, r = seg->opts.sack[i].right;
        STAT_INC(tcb->stack, tcp, sack_blocks_rcvd);
        if (i == 0 && seq_lt(l, r) && sack_is_dsack(seg)) {
            STAT_INC(tcb->stack, tcp, dsack_rcvd);
            TRACE(tcb->stack, GLASS_TRACE_TCP,
                  "tcp   D-SACK %u-%u: the peer received it twice (RFC 2883)", l - tcb->iss,
                  r - tcb->iss);
            continue;
        }
        /* Only [SND.UNA, SND.MAX] can be SACKed: a block outside it (or
         * reversed, or empty) comes from a broken or lying peer and is
         * ignored, never trusted to skip data.  Offsets from SND.UNA, so
         * a block 2^31 away cannot pass by wrapping around. */
        uint32_t lo = l - tcb->snd_una, ro = r - tcb->snd_una;
        if (lo >= ro || ro > tcb->snd_max - tcb->snd_una) {
            STAT_INC(tcb->stack, tcp, sack_bogus);
            TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SACK block %u-%u outside [%u, %u]: ignored",
                  l - tcb->iss, r - tcb->iss, tcb->snd_una - tcb->iss, tcb->snd_max - tcb->iss);
            continue;
        }
        newly += sb_add(tcb, l, r);
    }
    return newly > 0;
}

/* ---- RFC 6675 4: IsLost, SetPipe, NextSeg ------------------------------------------ */

/* Where loss begins to be presumed: every unSACKed octet below it is
 * IsLost, none at or above it.  IsLost(SeqNum) holds "if DupThresh
 * discontiguous SACKed sequences exist above 'SeqNum' or more than
 * (DupThresh - 1) * SMSS bytes with sequence numbers greater than
 * 'SeqNum' have been SACKed"; both only grow as SeqNum goes down, and
 * change only across a SACKed range, so the boundary is the left edge of
 * the first range (counting from the top) at which either holds. */
static uint32_t sack_lost_below(const struct tcp_cb *tcb)
{
    const struct tcp_sack *s = &tcb->sack;
    uint32_t bytes = 0;
    uint32_t limit = (TCP_SACK_DUPTHRESH - 1) * sack_smss(tcb);
    for (unsigned i = s->nsb; i > 0; i--) {
        bytes += s->sb[i - 1].right - s->sb[i - 1].left;
        if (s->nsb - (i - 1) >= TCP_SACK_DUPTHRESH || bytes > limit)
            return s->sb[i - 1].left;
    }
    return tcb->snd_una;
}

static bool sack_is_sacked(const struct tcp_cb *tcb, uint32_t seq)
{
    for (unsigned i = 0; i < tcb->sack.nsb; i++)
        if (seq_geq(seq, tcb->sack.sb[i].left) && seq_lt(seq, tcb->sack.sb[i].right))
            return true;
    return false;
}

bool tcp_sack_is_lost(const struct tcp_cb *tcb, uint32_t seq)
{
    return !sack_is_sacked(tcb, seq) && seq_lt(seq, sack_lost_below(tcb));
}

/* The holes: the unSACKed ranges of [SND.UNA, SND.MAX), in order.
 * hole(i) for i = 0..nsb: below range i (the last one above them all). */
static bool sack_hole(const struct tcp_cb *tcb, unsigned i, uint32_t *a, uint32_t *b)
{
    const struct tcp_sack *s = &tcb->sack;
    *a = i == 0 ? tcb->snd_una : s->sb[i - 1].right;
    *b = i == s->nsb ? tcb->snd_max : s->sb[i].left;
    return seq_lt(*a, *b);
}

static uint32_t span(uint32_t a, uint32_t b)
{
    return seq_lt(a, b) ? b - a : 0;
}

/* RFC 6675 4 SetPipe: for each octet of [HighACK+1, HighData] not
 * SACKed, count one if it is not IsLost, and one more if it was
 * retransmitted (at or below HighRxt).  Here by whole ranges. */
uint32_t tcp_sack_pipe(const struct tcp_cb *tcb)
{
    uint32_t lost = sack_lost_below(tcb);
    uint32_t rxt = tcb->sack.recovery ? tcb->sack.high_rxt : tcb->snd_una;
    uint32_t pipe = 0, a, b;
    for (unsigned i = 0; i <= tcb->sack.nsb; i++) {
        if (!sack_hole(tcb, i, &a, &b))
            continue;
        pipe += span(seq_max(a, lost), b);           /* not presumed lost */
        pipe += span(a, seq_min(b, rxt));            /* retransmitted */
    }
    /* rack: segments RACK marked lost are not in the network; its
     * retransmissions above HighRxt are (tcp_rack.c) */
    int64_t adj = tcp_rack_pipe_adjust(tcb, lost, rxt);
    if (adj < 0 && (uint64_t)-adj > pipe)
        return 0;
    return (uint32_t)((int64_t)pipe + adj);
}

uint32_t tcp_sack_unsacked(const struct tcp_cb *tcb, uint32_t a, uint32_t b)
{
    uint32_t n = span(a, b);
    for (unsigned i = 0; i < tcb->sack.nsb; i++) {
        uint32_t l = seq_max(a, tcb->sack.sb[i].left), r = seq_min(b, tcb->sack.sb[i].right);
        n -= span(l, r);
    }
    return n;
}

enum sack_rule { NEXTSEG_NONE, NEXTSEG_RACK = 0x10, NEXTSEG_LOST = 1, NEXTSEG_NEW = 2,
                 NEXTSEG_UNSACKED = 3, NEXTSEG_RESCUE = 4 };

/* One past the last byte of data (the FIN, if any, sits there). */
static uint32_t sack_data_end(const struct tcp_cb *tcb)
{
    return tcb->snd_una + (uint32_t)tcb->sndbuf.len;
}

/* The first unSACKed octet at or above `from` and below the highest
 * SACKed one, with the end of its hole; false when none. */
static bool sack_first_hole_from(const struct tcp_cb *tcb, uint32_t from, uint32_t *seq,
                                 uint32_t *end)
{
    const struct tcp_sack *s = &tcb->sack;
    if (s->nsb == 0)
        return false;
    uint32_t top = s->sb[s->nsb - 1].right, a, b;
    for (unsigned i = 0; i < s->nsb; i++) {     /* holes below the top range */
        if (!sack_hole(tcb, i, &a, &b))
            continue;
        a = seq_max(a, from);
        /* rack: not what RACK's marks resent in this recovery */
        for (uint32_t k = tcp_rack_resent_skip(tcb, a); seq_lt(a, b) && k != a;
             k = tcp_rack_resent_skip(tcb, a))
            a = k;
        if (seq_lt(a, b) && seq_lt(a, top)) {
            *seq = a;
            *end = b;
            return true;
        }
    }
    return false;
}

/* RFC 6675 4 NextSeg: the range [*seq, *end) to send next, by rules
 * (1)-(4) in order.  loss: rules (RACK), (1) and (2) give up to `max`
 * bytes (a multiple of SMSS, the caller's cwnd - pipe) of one contiguous
 * range every octet of which the rule picks -- what successive one-SMSS
 * NextSeg calls would have sent, in one TSO super-segment
 * (tcp_tso_range_len); rules (3) and (4) stay one SMSS. */
static enum sack_rule sack_next_seg(const struct tcp_cb *tcb, uint32_t *seq, uint32_t *end,
                                    uint32_t max)
{
    const struct tcp_sack *s = &tcb->sack;
    uint32_t smss = sack_smss(tcb);
    max = GLASS_MAX(max, smss);
    uint32_t from = seq_max(s->high_rxt, tcb->snd_una);
    uint32_t a, b;
    /* rack: first, a segment RACK marked lost (RFC 8985 6.2 step 5) --
     * anywhere, a lost retransmission below HighRxt included. */
    if (tcp_rack_first_lost(tcb, &a, &b)) {
        *seq = a;
        *end = seq_min(b, a + max); /* loss: one unSACKed run of one lost record */
        return NEXTSEG_RACK;
    }
    /* (1) the first unSACKed sequence above HighRxt, below the highest
     *     SACKed octet, for which IsLost() holds. */
    uint32_t lost = sack_lost_below(tcb);
    if (sack_first_hole_from(tcb, from, &a, &b) && seq_lt(a, lost)) {
        *seq = a;
        *end = seq_min(b, a + smss);
        /* loss: further, while every octet is IsLost and not resent by
         * RACK's marks in this recovery (rule (1) would skip those) */
        uint32_t more = seq_min(seq_min(b, lost), a + max);
        more = seq_min(more, tcp_rack_resent_from(tcb, a, more));
        *end = seq_max(*end, more);
        return NEXTSEG_LOST;
    }
    /* (2) unsent data, if the receiver's window allows. */
    uint32_t dend = sack_data_end(tcb);
    uint32_t wend = tcb->snd_una + tcb->snd_wnd;
    if (seq_lt(tcb->snd_max, dend) && seq_lt(tcb->snd_max, wend)) {
        *seq = tcb->snd_max;
        *end = seq_min(seq_min(dend, wend), tcb->snd_max + max); /* loss: up to max */
        return NEXTSEG_NEW;
    }
    if (tcb->fin_queued && !tcb->fin_sent && tcb->snd_max == dend) {
        *seq = *end = dend; /* the FIN alone */
        return NEXTSEG_NEW;
    }
    /* (3) the first unSACKed sequence above HighRxt below the highest
     *     SACKed octet, lost or not. */
    if (sack_first_hole_from(tcb, from, &a, &b)) {
        *seq = a;
        *end = seq_min(b, a + smss);
        return NEXTSEG_UNSACKED;
    }
    /* (4) one rescue retransmission per recovery, "If HighACK is greater
     *     than RescueRxt (or RescueRxt is undefined)": a segment holding
     *     the highest outstanding unSACKed octet.  glass sends it only
     *     when that octet has not been retransmitted already (above
     *     HighRxt): the rescue is for a lost tail that no SACK can reveal,
     *     and resending a hole rule (1) or (3) just filled would only
     *     duplicate it. */
    if (!s->rescue_done || seq_gt(tcb->snd_una, s->rescue_rxt)) {
        for (unsigned i = s->nsb + 1; i > 0; i--) {
            if (!sack_hole(tcb, i - 1, &a, &b))
                continue;
            if (!seq_gt(b, s->high_rxt))
                break;
            *end = b;
            *seq = seq_max(a, b - GLASS_MIN(smss, b - a));
            return NEXTSEG_RESCUE;
        }
    }
    return NEXTSEG_NONE;
}

/* Send sequence range [seq, end) (the FIN, if it is the octet at the data
 * end, rides along); the sequence number one past what went, or seq. */
static uint32_t sack_send(struct tcp_cb *tcb, uint32_t seq, uint32_t end)
{
    uint32_t dend = sack_data_end(tcb);
    uint32_t len = span(seq, seq_min(end, dend));
    /* loss: more than one SMSS only where NextSeg gave it, as one TSO
     * super-segment (tcp_tso.c); else cut to one SMSS there */
    if (!tcp_output_range_tso(tcb, seq, &len))
        return seq;
    uint32_t sent = seq + len;
    tcp_prr_sent(tcb, len); /* loss: prr_out (tcp_prr.c) */
    if (tcb->fin_sent && sent == tcb->fin_seq)
        sent++;
    return sent;
}

/* ---- RFC 6675 5: loss recovery ------------------------------------------------------- */

bool tcp_sack_maybe_recover(struct tcp_cb *tcb, unsigned dupacks)
{
    struct tcp_sack *s = &tcb->sack;
    if (!s->ok || tcb->in_recovery || tcb->snd_una == tcb->snd_max)
        return false;
    /* (1) DupAcks >= DupThresh, or (2) IsLost(HighACK + 1). */
    bool by_count = dupacks >= TCP_SACK_DUPTHRESH;
    bool by_lost = !by_count && tcp_sack_is_lost(tcb, tcb->snd_una);
    /* rack: RFC 8985 6.2: a segment RACK marked lost starts recovery too */
    bool by_rack = !by_count && !by_lost && tcb->rack.nlost && tcp_rack_on(tcb);
    if (!by_count && !by_lost && !by_rack)
        return false;
    /* As for NewReno (RFC 6582 3.2 step 2, tcp_ack.c): one loss event is
     * answered once -- no new recovery before the last one's point. */
    if (seq_lt(tcb->snd_una, tcb->recover))
        return false;
    /* (4.1) RecoveryPoint = HighData. */
    STAT_INC(tcb->stack, tcp, fast_retransmits);
    STAT_INC(tcb->stack, tcp, sack_recoveries);
    if (by_lost)
        STAT_INC(tcb->stack, tcp, sack_recoveries_islost);
    if (by_rack)
        STAT_INC(tcb->stack, tcp, rack_recoveries);
    tcp_rack_recovery_begins(tcb);
    tcb->recover = tcb->snd_max;
    tcb->in_recovery = true;
    s->recovery = true;
    /* (4.2) ssthresh = cwnd = FlightSize / 2 -- the congestion control
     * module sets ssthresh; RFC 6675 counts what is in the network by
     * pipe, so no NewReno-style inflation of cwnd. */
    if (tcb->cc->on_fast_retransmit)
        tcb->cc->on_fast_retransmit(tcb);
    if (tcb->cwnd > tcb->ssthresh)
        tcb->cwnd = tcb->ssthresh;
    tcp_prr_begin(tcb); /* loss: RFC 6937 PRR sets cwnd per ACK from here (tcp_prr.c) */
    if (by_rack) {
        /* rack: what RACK marked goes first, by NextSeg in tcp_output */
        TRACE(tcb->stack, GLASS_TRACE_TCP,
              "tcp   SACK recovery (RFC 8985 RACK): recovery point %u, cwnd=%u ssthresh=%u",
              tcb->recover - tcb->iss, tcb->cwnd, tcb->ssthresh);
        s->high_rxt = tcb->snd_una;
        s->rescue_rxt = s->high_rxt;
        s->rescue_done = true;
        /* as (4.3): the first lost segment goes now, whatever pipe says */
        uint32_t a, b;
        if (tcp_rack_first_lost(tcb, &a, &b) &&
            sack_send(tcb, a, seq_min(b, a + sack_smss(tcb))) != a)
            STAT_INC(tcb->stack, tcp, sack_rexmits);
        return true;
    }
    /* (4.3) retransmit the segment at HighACK + 1; HighRxt and RescueRxt
     * to its end. */
    uint32_t end = tcb->snd_max;
    if (s->nsb && seq_lt(s->sb[0].left, end))
        end = s->sb[0].left;
    end = seq_min(end, tcb->snd_una + sack_smss(tcb));
    TRACE(tcb->stack, GLASS_TRACE_TCP,
          "tcp   SACK recovery (RFC 6675, %s): resend %u-%u, recovery point %u, cwnd=%u "
          "ssthresh=%u",
          by_lost ? "IsLost(SND.UNA)" : "DupThresh", tcb->snd_una - tcb->iss, end - tcb->iss,
          tcb->recover - tcb->iss, tcb->cwnd, tcb->ssthresh);
    uint32_t sent = sack_send(tcb, tcb->snd_una, end);
    STAT_INC(tcb->stack, tcp, sack_rexmits);
    s->high_rxt = seq_max(sent, tcb->snd_una);
    s->rescue_rxt = s->high_rxt;
    s->rescue_done = true;
    /* (4.4), (4.5): SetPipe and step (C) run in tcp_output, which
     * tcp_ack_input calls next. */
    return true;
}

void tcp_sack_recovery_ack(struct tcp_cb *tcb)
{
    struct tcp_sack *s = &tcb->sack;
    if (seq_geq(tcb->snd_una, tcb->recover)) {
        /* (A) "An incoming cumulative ACK for a sequence number greater
         * than RecoveryPoint signals the end of loss recovery". */
        tcb->in_recovery = false;
        s->recovery = false;
        tcb->dupacks = 0;
        if (tcb->cc->on_recovery_exit)
            tcb->cc->on_recovery_exit(tcb);
        tcp_prr_end(tcb); /* loss: RFC 6937: cwnd = ssthresh (tcp_prr.c) */
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   SACK recovery done: cwnd=%u ssthresh=%u",
              tcb->cwnd, tcb->ssthresh);
        return;
    }
    /* (B) a partial ACK: nothing else to do here; the scoreboard is
     * updated (tcp_sack_update) and step (C) runs in tcp_output. */
    STAT_INC(tcb->stack, tcp, partial_acks);
    if (seq_lt(s->high_rxt, tcb->snd_una))
        s->high_rxt = tcb->snd_una;
}

void tcp_sack_output(struct tcp_cb *tcb)
{
    struct tcp_sack *s = &tcb->sack;
    uint32_t smss = tcp_output_smss(tcb);
    /* (C) "If cwnd - pipe >= 1 SMSS, the sender SHOULD transmit one or
     * more segments" -- each send grows pipe (or uses up the rescue), so
     * this ends; the bound is only a guard. */
    for (unsigned guard = 0; guard < 1024; guard++) {
        uint32_t pipe = tcp_sack_pipe(tcb);
        if (tcb->cwnd < pipe || tcb->cwnd - pipe < smss)
            return;
        uint32_t seq, end;
        /* loss: (C) allows as many segments as cwnd - pipe holds whole */
        uint32_t room = (tcb->cwnd - pipe) / smss * smss;
        enum sack_rule rule = sack_next_seg(tcb, &seq, &end, room); /* (C.1) */
        if (rule == NEXTSEG_NONE)
            return;
        uint32_t sent = sack_send(tcb, seq, end);
        if (sent == seq)
            return; /* nothing went */
        TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   NextSeg rule (%d): %u-%u, pipe=%u cwnd=%u",
              (int)rule, seq - tcb->iss, sent - tcb->iss, pipe, tcb->cwnd);
        if (rule == NEXTSEG_RESCUE) {
            /* RFC 6675 4 (4): "RescueRxt set to RecoveryPoint. HighRxt
             * MUST NOT be updated." */
            s->rescue_rxt = tcb->recover;
            s->rescue_done = true;
            STAT_INC(tcb->stack, tcp, sack_rexmits);
        } else if (rule == NEXTSEG_RACK) {
            /* rack: HighRxt stays, so rules (1) and (3) still walk the
             * holes below; tcp_rack_resent_skip keeps them off this one */
            STAT_INC(tcb->stack, tcp, sack_rexmits);
        } else if (rule != NEXTSEG_NEW) {
            s->high_rxt = seq_max(s->high_rxt, sent); /* (C.2) */
            STAT_INC(tcb->stack, tcp, sack_rexmits);
        }
        /* (C.3) HighData moved with SND.MAX in tcp_output_range;
         * (C.4) pipe is recomputed at the top. */
    }
}

void tcp_sack_on_rto(struct tcp_cb *tcb)
{
    struct tcp_sack *s = &tcb->sack;
    /* RFC 6675 5.1: "the data sender SHOULD reset the scoreboard ... and
     * abandon the loss recovery"; RFC 2018 8: the receiver may have
     * discarded what it SACKed, so the timer's retransmission must not
     * trust it. */
    if (s->nsb)
        STAT_INC(tcb->stack, tcp, sack_reneging);
    s->nsb = 0;
    s->recovery = false;
    tcp_prr_abort(tcb); /* loss: the RTO sets cwnd (tcp_prr.c) */
    s->high_rxt = tcb->snd_una;
    s->rescue_done = false;
}
