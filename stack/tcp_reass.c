/*
 * tcp_reass.c - the out-of-order queue (RFC 9293 3.10.7.4 seventh step:
 * segments with higher beginning sequence numbers than RCV.NXT "may be
 * held for later processing"; RFC 1122 4.2.2.20 (g): a TCP SHOULD queue
 * them).
 *
 * The queue is a list of pieces sorted by sequence number that never
 * overlap: a new segment fills only the gaps between what is there
 * already (the first copy of a byte wins; a retransmission carries the
 * same bytes anyway).  When RCV.NXT reaches the first piece, tcp_reass_pull
 * moves the now in-order bytes into the receive buffer.
 *
 * The queue is bounded in bytes: what it holds plus the receive buffer
 * never exceeds the buffer's size, which is also what we advertise as
 * the window, so a well-behaved peer never finds its data refused here.
 * And in pieces: each costs a header besides its bytes, so a peer
 * sending one-byte segments into every other hole would otherwise make
 * the queue take many times its byte bound (Linux charges the skb's
 * truesize for the same reason).  A well-behaved peer's holes are
 * whole segments: TCP_OOO_MAX_PIECES is far above what a 64 KiB window
 * of them needs.
 */
#include <string.h>

#include "mem.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"

struct tcp_ooo_seg {
    struct tcp_ooo_seg *next;
    uint32_t seq;
    uint32_t len;
    bool fin;                   /* the peer's FIN follows the last byte */
    uint8_t data[];
};

#define TCP_OOO_MAX_PIECES 256

static unsigned tcp_reass_pieces(const struct tcp_cb *tcb)
{
    unsigned n = 0;
    for (const struct tcp_ooo_seg *s = tcb->ooo; s; s = s->next)
        n++;
    return n;
}

static size_t tcp_reass_room(const struct tcp_cb *tcb)
{
    size_t used = tcb->rcvbuf.len + tcb->ooo_bytes;
    return used >= tcb->rcvbuf.max ? 0 : tcb->rcvbuf.max - used;
}

static struct tcp_ooo_seg *tcp_reass_piece(struct tcp_cb *tcb, uint32_t seq, const uint8_t *data,
                                           size_t n)
{
    struct tcp_ooo_seg *s = glass_alloc(tcb->stack, sizeof(*s) + n);
    if (!s)
        return NULL;
    s->seq = seq;
    s->len = (uint32_t)n;
    if (n)
        memcpy(s->data, data, n);
    return s;
}

/* The FIN of a segment ending at `end`: marked on the piece that ends
 * there, or queued as a piece of its own (a bare FIN). */
static void tcp_reass_mark_fin(struct tcp_cb *tcb, uint32_t end)
{
    /* One FIN per stream: the first one queued wins, as the first copy
     * of a byte does (a peer that sends FINs at different places is
     * lying about one of them; each would cost a piece). */
    for (const struct tcp_ooo_seg *s = tcb->ooo; s; s = s->next)
        if (s->fin)
            return;
    struct tcp_ooo_seg **pp = &tcb->ooo;
    for (; *pp && seq_leq((*pp)->seq, end); pp = &(*pp)->next) {
        if ((*pp)->seq + (*pp)->len == end && ((*pp)->len || (*pp)->fin)) {
            (*pp)->fin = true;
            return;
        }
    }
    if (tcp_reass_pieces(tcb) >= TCP_OOO_MAX_PIECES)
        return;
    struct tcp_ooo_seg *s = tcp_reass_piece(tcb, end, NULL, 0);
    if (!s) {
        STAT_INC(tcb->stack, tcp, drop_no_memory);
        return;
    }
    s->fin = true;
    s->next = *pp;
    *pp = s;
}

size_t tcp_reass_insert(struct tcp_cb *tcb, uint32_t seq, const uint8_t *data, size_t len,
                        bool fin)
{
    struct glass_stack *stack = tcb->stack;
    /* Only what lies beyond RCV.NXT is new. */
    if (seq_lt(seq, tcb->rcv_nxt)) {
        uint32_t cut = tcb->rcv_nxt - seq;
        if (cut >= len && !(cut == len && fin))
            return 0;
        cut = cut > len ? (uint32_t)len : cut;
        seq += cut;
        data += cut;
        len -= cut;
    }
    uint32_t cur = seq, end = seq + (uint32_t)len;
    struct tcp_ooo_seg **pp = &tcb->ooo;
    size_t added = 0;
    bool cut_short = false;
    unsigned pieces = tcp_reass_pieces(tcb);
    while (seq_lt(cur, end)) {
        /* Pieces wholly before cur do not matter. */
        while (*pp && seq_leq((*pp)->seq + (*pp)->len, cur))
            pp = &(*pp)->next;
        if (*pp && seq_leq((*pp)->seq, cur)) {
            cur = (*pp)->seq + (*pp)->len;  /* already held: skip */
            continue;
        }
        uint32_t gap_end = *pp ? seq_min(end, (*pp)->seq) : end;
        size_t n = gap_end - cur, room = tcp_reass_room(tcb);
        if (pieces >= TCP_OOO_MAX_PIECES)
            room = 0;
        if (n > room) {
            stack->stats.tcp_ooo_dropped += n - room;
            TRACE(stack, GLASS_TRACE_TCP, "tcp   ooo queue full: %zu bytes refused",
                  n - room);
            n = room;
            cut_short = true;
        }
        struct tcp_ooo_seg *s = n ? tcp_reass_piece(tcb, cur, data + (cur - seq), n) : NULL;
        if (!s) {
            if (n)
                STAT_INC(stack, tcp, drop_no_memory);
            cut_short = true;
            break;
        }
        s->next = *pp;
        *pp = s;
        pp = &s->next;
        pieces++;
        tcb->ooo_bytes += n;
        added += n;
        cur += (uint32_t)n;
        if (cut_short)
            break;
    }
    if (fin && !cut_short)
        tcp_reass_mark_fin(tcb, end);
    if (added)
        STAT_INC(stack, tcp, ooo_queued);
    return added;
}

static void tcp_reass_drop_first(struct tcp_cb *tcb)
{
    struct tcp_ooo_seg *s = tcb->ooo;
    tcb->ooo = s->next;
    tcb->ooo_bytes -= s->len;
    glass_free(tcb->stack, s);
}

bool tcp_reass_pull(struct tcp_cb *tcb, size_t *moved)
{
    *moved = 0;
    while (tcb->ooo && seq_leq(tcb->ooo->seq, tcb->rcv_nxt)) {
        struct tcp_ooo_seg *s = tcb->ooo;
        uint32_t end = s->seq + s->len;
        if (seq_lt(tcb->rcv_nxt, end)) {
            uint32_t off = tcb->rcv_nxt - s->seq;
            size_t n = s->len - off;
            size_t took = tcp_buf_append(tcb->stack, &tcb->rcvbuf, s->data + off, n);
            tcb->rcv_nxt += (uint32_t)took;
            *moved += took;
            if (took < n)
                return false;   /* out of memory: the rest stays queued */
        }
        bool fin = s->fin && tcb->rcv_nxt == end;
        tcp_reass_drop_first(tcb);
        if (fin) {
            /* Nothing after the FIN is part of the stream. */
            tcp_reass_purge(tcb);
            return true;
        }
    }
    return false;
}

void tcp_reass_purge(struct tcp_cb *tcb)
{
    while (tcb->ooo)
        tcp_reass_drop_first(tcb);
    tcb->ooo_bytes = 0;
}

/* ---- what SACK (tcp_sack.c) reads from the queue ---------------------------------- */

/* RFC 2018 4: "each contiguous block of data queued at the data
 * receiver" -- pieces that touch (one ends where the next starts) make
 * one block.  Bare-FIN pieces hold no data and are not SACKed. */
bool tcp_reass_run(const struct tcp_cb *tcb, uint32_t seq, uint32_t end, uint32_t *l,
                   uint32_t *r)
{
    const struct tcp_ooo_seg *s = tcb->ooo;
    while (s) {
        if (s->len == 0) {
            s = s->next;
            continue;
        }
        uint32_t rl = s->seq, rr = s->seq + s->len;
        while (s->next && s->next->seq == rr && s->next->len) {
            s = s->next;
            rr += s->len;
        }
        s = s->next;
        if (seq_gt(rr, seq) && seq_lt(rl, end)) {
            *l = rl;
            *r = rr;
            return true;
        }
        if (seq_geq(rl, end))
            return false;
    }
    return false;
}

bool tcp_reass_covered(const struct tcp_cb *tcb, uint32_t seq, uint32_t end)
{
    uint32_t l, r;
    if (!seq_lt(seq, end) || !tcp_reass_run(tcb, seq, end, &l, &r))
        return false;
    return seq_leq(l, seq) && seq_geq(r, end);
}
