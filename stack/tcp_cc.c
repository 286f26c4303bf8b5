/*
 * tcp_cc.c - the congestion control interface (RFC 5681 is the contract).
 *
 * The sender keeps two windows: the peer's receive window (SND.WND) and
 * its own estimate of what the network holds, the congestion window
 * (cwnd).  How cwnd grows and shrinks is the algorithm's business; it
 * sits behind struct tcp_cc_ops so algorithms (NewReno, CUBIC) can be
 * chosen per stack and per socket without touching the sender.  This file
 * holds what every algorithm shares: the registry, switching, the flight
 * size and the initial window.
 */
#include <string.h>

#include "stack.h"
#include "tcp.h"
#include "util.h"

static const struct tcp_cc_ops *const tcp_cc_all[] = {
    &tcp_cc_cubic,
    &tcp_cc_newreno,
};

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "reno") == 0)
        return &tcp_cc_newreno; /* Linux's name for it (and iperf2 -Z reno) */
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(tcp_cc_all); i++)
        if (strcmp(tcp_cc_all[i]->name, name) == 0)
            return tcp_cc_all[i];
    return NULL;
}

/* cc: switching algorithm on a connection (TCP_CONGESTION).  Before the
 * window is set up (cwnd 0) the new algorithm's init runs later as usual;
 * after, the window carries over and reset rebuilds the private state. */
void tcp_cc_set(struct tcp_cb *tcb, const struct tcp_cc_ops *ops)
{
    if (tcb->cc == ops)
        return;
    tcb->cc = ops;
    memset(tcb->cc_priv, 0, sizeof tcb->cc_priv);
    tcb->bytes_acked = 0;
    if (tcb->cwnd && ops->reset)
        ops->reset(tcb);
}

/* RFC 5681 2: "FlightSize: the amount of data that has been sent but not
 * yet cumulatively acknowledged".  After an RTO glass goes back to
 * SND.UNA (SND.NXT = SND.UNA) and re-sends from there, so what counts as
 * in the network is SND.NXT - SND.UNA, not SND.MAX - SND.UNA. */
uint32_t tcp_flight_size(const struct tcp_cb *tcb)
{
    return tcb->snd_nxt - tcb->snd_una;
}

/* RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600)), with the 10 taken from
 * cfg.initial_window; RFC 5681 3.1: if the SYN or SYN-ACK had to be
 * retransmitted, the sender starts with one segment. */
uint32_t tcp_initial_window(const struct tcp_cb *tcb)
{
    uint32_t mss = tcb->snd_mss ? tcb->snd_mss : TCP_DEFAULT_MSS;
    if (tcb->syn_retransmitted)
        return mss;
    unsigned segs = tcb->stack->tcp->cfg.initial_window;
    if (segs == 0)
        segs = 1;
    uint32_t cap = GLASS_MAX(2 * mss, 14600u);
    return GLASS_MIN(segs * mss, cap);
}
