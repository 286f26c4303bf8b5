/*
 * tcp_ackbatch.c - one ACK per receive batch, not one per two segments.
 *
 * RFC 5681 4.2 / RFC 1122 4.2.3.2: a receiver SHOULD acknowledge at least
 * every second full-sized segment.  Taken frame by frame over a TAP, that
 * is one write() -- one trip through the kernel -- per two segments, and
 * the kernel's work for those ACKs was most of glass's receive time.  The
 * stack reads frames in batches (up to NETIF_RX_BUDGET per poll, all that
 * had arrived); an ACK owed by "every second segment" inside a batch is
 * sent once the batch has been taken, covering every segment of it.  The
 * batch is microseconds long, so the ACK is as prompt as a frame-by-frame
 * one; what changes is that one ACK covers more than two segments, as
 * when Linux's GRO hands TCP one merged segment.  Duplicate ACKs and ACKs
 * for out-of-order data are never deferred: the sender counts those.
 */
#include "stack.h"
#include "tcp.h"

void tcp_ack_batch_begin(struct glass_stack *stack)
{
    stack->tcp->ack_batch_depth++;
}

bool tcp_ack_defer(struct tcp_cb *tcb)
{
    struct tcp_stack *ts = tcb->stack->tcp;
    if (!ts->ack_batch_depth)
        return false;
    /* Not ack_now: tcp_input's own tcp_output at the end of this segment
     * would send it.  segs_unacked (cleared by any segment that carries
     * the ACK, data included) says at the end whether it is still owed. */
    if (!tcb->ack_deferred) {
        tcb->ack_deferred = true;
        tcb->ack_defer_next = ts->ack_deferred;
        ts->ack_deferred = tcb;
    }
    return true;
}

void tcp_ack_defer_cancel(struct tcp_cb *tcb)
{
    if (!tcb->ack_deferred)
        return;
    for (struct tcp_cb **pp = &tcb->stack->tcp->ack_deferred; *pp; pp = &(*pp)->ack_defer_next)
        if (*pp == tcb) {
            *pp = tcb->ack_defer_next;
            break;
        }
    tcb->ack_deferred = false;
}

void tcp_ack_batch_end(struct glass_stack *stack)
{
    struct tcp_stack *ts = stack->tcp;
    if (--ts->ack_batch_depth)
        return;
    struct tcp_cb *tcb;
    while ((tcb = ts->ack_deferred)) {
        ts->ack_deferred = tcb->ack_defer_next;
        tcb->ack_deferred = false;
        if (tcb->segs_unacked >= 2) { /* unless something sent it meanwhile */
            tcb->ack_now = true;
            tcp_output(tcb);
        }
    }
}
