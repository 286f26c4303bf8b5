/*
 * tcp_hystart.c - HyStart++ (RFC 9406): leaving the first slow start
 * before it overshoots.
 *
 * Slow start doubles cwnd every round trip until a loss says the path is
 * full; by then up to a whole window too much is in flight.  HyStart++
 * watches the smallest RTT of each round instead: when it rises by more
 * than a threshold (a queue is building), slow start gives way to
 * Conservative Slow Start (CSS), which grows cwnd by a quarter of the
 * slow-start rate.  If the RTT falls back below where it was when CSS
 * began, the rise was noise and slow start resumes; if CSS lasts
 * CSS_ROUNDS rounds, ssthresh = cwnd and congestion avoidance takes over.
 *
 * A round (RFC 9406 4.2) runs from one windowEnd to the next: it ends
 * when an ACK covers windowEnd, and the new one ends at SND.NXT then.
 *
 * RTT samples: one per ACK with RFC 7323 timestamps; without them glass
 * times one segment per round trip (RFC 6298), so a round holds fewer
 * than N_RTT_SAMPLE samples and HyStart++ never fires -- as the RFC
 * requires ("at least N_RTT_SAMPLE RTT samples") -- and plain slow start
 * runs until the first loss.
 */
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* RFC 9406 4.3: the constants it recommends.  Times in microseconds. */
#define MIN_RTT_THRESH (4 * GLASS_USEC_PER_MSEC)
#define MAX_RTT_THRESH (16 * GLASS_USEC_PER_MSEC)
#define MIN_RTT_DIVISOR 8
#define N_RTT_SAMPLE 8
#define CSS_GROWTH_DIVISOR 4
#define CSS_ROUNDS 5
/* "L = infinity if paced, L = 8 if non-paced": glass does not pace. */
#define HYSTART_L 8

static uint32_t smss(const struct tcp_cb *tcb)
{
    return tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
}

void tcp_hystart_init(struct tcp_hystart *hs, const struct tcp_cb *tcb)
{
    *hs = (struct tcp_hystart){
        .phase = TCP_HYSTART_SS,
        .window_end = tcb->snd_nxt,
        .last_round_min_rtt = TCP_HYSTART_INF,
        .cur_round_min_rtt = TCP_HYSTART_INF,
        .css_baseline_min_rtt = TCP_HYSTART_INF,
        .pending_rtt = TCP_HYSTART_INF,
    };
}

void tcp_hystart_rtt(struct tcp_hystart *hs, glass_time_t rtt)
{
    if (hs->phase != TCP_HYSTART_OFF && rtt < hs->pending_rtt)
        hs->pending_rtt = rtt;
}

void tcp_hystart_stop(struct tcp_hystart *hs)
{
    hs->phase = TCP_HYSTART_OFF;
}

/* "At the start of each round during standard slow start and CSS":
 * lastRoundMinRTT = currentRoundMinRTT, currentRoundMinRTT = infinity,
 * rttSampleCount = 0, windowEnd = SND.NXT. */
static void hystart_new_round(struct tcp_hystart *hs, struct tcp_cb *tcb)
{
    hs->last_round_min_rtt = hs->cur_round_min_rtt;
    hs->cur_round_min_rtt = TCP_HYSTART_INF;
    hs->samples = 0;
    hs->window_end = tcb->snd_nxt;
    if (hs->phase != TCP_HYSTART_CSS)
        return;
    /* "If CSS_ROUNDS rounds are complete, enter congestion avoidance by
     * setting the ssthresh to the current cwnd."  The round CSS began in
     * counts as the first. */
    if (++hs->css_rounds < CSS_ROUNDS)
        return;
    tcb->ssthresh = tcb->cwnd;
    hs->phase = TCP_HYSTART_OFF;
    STAT_INC(tcb->stack, tcp, hystart_exit);
    TRACE(tcb->stack, GLASS_TRACE_TCP,
          "tcp   hystart++ %u CSS rounds: congestion avoidance, ssthresh=cwnd=%u", CSS_ROUNDS,
          tcb->cwnd);
}

/* RFC 9406 4.2: in slow start, the delay-increase test once the round
 * has N_RTT_SAMPLE samples and both rounds a minimum:
 *   RttThresh = max(MIN_RTT_THRESH,
 *                   min(lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH))
 *   if currentRoundMinRTT >= lastRoundMinRTT + RttThresh: enter CSS
 * In CSS: if currentRoundMinRTT < cssBaselineMinRtt, the rise was
 * spurious: back to slow start. */
static void hystart_check_rtt(struct tcp_hystart *hs, struct tcp_cb *tcb)
{
    if (hs->samples < N_RTT_SAMPLE || hs->cur_round_min_rtt == TCP_HYSTART_INF)
        return;
    if (hs->phase == TCP_HYSTART_SS) {
        if (hs->last_round_min_rtt == TCP_HYSTART_INF)
            return;
        glass_time_t thresh = GLASS_MAX((glass_time_t)MIN_RTT_THRESH,
                                        GLASS_MIN(hs->last_round_min_rtt / MIN_RTT_DIVISOR,
                                                  (glass_time_t)MAX_RTT_THRESH));
        if (hs->cur_round_min_rtt < hs->last_round_min_rtt + thresh)
            return;
        hs->css_baseline_min_rtt = hs->cur_round_min_rtt;
        hs->phase = TCP_HYSTART_CSS;
        hs->css_rounds = 0;
        STAT_INC(tcb->stack, tcp, hystart_css);
        TRACE(tcb->stack, GLASS_TRACE_TCP,
              "tcp   hystart++ rtt %llu -> %llu us (thresh %llu): slow start -> CSS, cwnd=%u",
              (unsigned long long)hs->last_round_min_rtt,
              (unsigned long long)hs->cur_round_min_rtt, (unsigned long long)thresh, tcb->cwnd);
        return;
    }
    if (hs->cur_round_min_rtt < hs->css_baseline_min_rtt) {
        hs->css_baseline_min_rtt = TCP_HYSTART_INF;
        hs->phase = TCP_HYSTART_SS;
        STAT_INC(tcb->stack, tcp, hystart_css_undo);
        TRACE(tcb->stack, GLASS_TRACE_TCP,
              "tcp   hystart++ rtt %llu us below the CSS baseline: back to slow start",
              (unsigned long long)hs->cur_round_min_rtt);
    }
}

void tcp_hystart_on_ack(struct tcp_hystart *hs, struct tcp_cb *tcb, uint32_t acked)
{
    uint32_t inc = GLASS_MIN(acked, HYSTART_L * smss(tcb));
    if (hs->phase == TCP_HYSTART_OFF) {
        /* RFC 5681 (2) with RFC 3465 L = 1 SMSS, as NewReno does */
        tcb->cwnd += GLASS_MIN(acked, smss(tcb));
        return;
    }
    if (seq_geq(tcb->snd_una, hs->window_end))
        hystart_new_round(hs, tcb);
    if (hs->phase == TCP_HYSTART_OFF)
        return; /* CSS just ended: this ACK already belongs to congestion avoidance */
    /* "cwnd = cwnd + min(N, L * SMSS)" (slow start), divided by
     * CSS_GROWTH_DIVISOR in CSS. */
    tcb->cwnd += hs->phase == TCP_HYSTART_CSS ? inc / CSS_GROWTH_DIVISOR : inc;
    if (hs->pending_rtt != TCP_HYSTART_INF) {
        /* "currentRoundMinRTT = min(currentRoundMinRTT, currRTT);
         * rttSampleCount += 1" */
        hs->cur_round_min_rtt = GLASS_MIN(hs->cur_round_min_rtt, hs->pending_rtt);
        hs->samples++;
        hs->pending_rtt = TCP_HYSTART_INF;
    }
    hystart_check_rtt(hs, tcb);
}
