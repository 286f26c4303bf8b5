/*
 * tcp_hash.c - finding the control block a segment belongs to, in
 * constant time (wt-fast).
 *
 * RFC 9293 3.10.7.1 / RFC 1122 4.2.2: a segment belongs to the connection
 * whose four-tuple it carries, else to a listener on its destination port
 * (one bound to the destination address beats one on 0.0.0.0).  Walking
 * every control block for each segment costs O(connections); a busy
 * server with thousands in TIME-WAIT pays that on every frame.  So:
 *
 *   conn     connections (every state but LISTEN), chained in buckets
 *            chosen by a keyed hash of the four-tuple; the table doubles
 *            when it holds more blocks than buckets;
 *   listen   listeners, chained by local port;
 *   last     the block the previous segment found (bulk transfer sends
 *            every segment to the same one: one compare instead of a hash).
 *
 * The hash is SipHash-1-3 over the tuple with a random per-stack key, so
 * a peer cannot choose addresses and ports that all land in one bucket
 * (hash flooding).  Blocks enter when tcp_tcb_link puts them on the
 * stack's list and leave in tcp_tcb_unlink: their four-tuple and whether
 * they listen never change in between (tcp_user.c, tcp_input.c set both
 * before linking).
 */
#include "tcp.h"

#include <string.h>
#include <sys/random.h>

#include "mem.h"
#include "stack.h"

#define TCP_HASH_FIRST 64

/* ---- the keyed hash ------------------------------------------------------ */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3)                                                                  \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL64(v1, 13);                                                                       \
        v1 ^= v0;                                                                                  \
        v0 = ROTL64(v0, 32);                                                                       \
        v2 += v3;                                                                                  \
        v3 = ROTL64(v3, 16);                                                                       \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL64(v3, 21);                                                                       \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL64(v1, 17);                                                                       \
        v1 ^= v2;                                                                                  \
        v2 = ROTL64(v2, 32);                                                                       \
    } while (0)

/* SipHash-1-3 (one compression round, three finalisation rounds, as
 * Linux's hsiphash on 64-bit) of two 64-bit words. */
static uint64_t sip13_2(const uint64_t k[2], uint64_t m0, uint64_t m1)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k[0], v1 = 0x646f72616e646f6dULL ^ k[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ k[0], v3 = 0x7465646279746573ULL ^ k[1];
    uint64_t m[3] = {m0, m1, (uint64_t)16 << 56};
    for (int i = 0; i < 3; i++) {
        v3 ^= m[i];
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m[i];
    }
    v2 ^= 0xff;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

static unsigned conn_bucket(const struct tcp_hash *h, uint32_t laddr, uint16_t lport,
                            uint32_t faddr, uint16_t fport)
{
    uint64_t m0 = (uint64_t)laddr << 32 | faddr;
    uint64_t m1 = (uint64_t)lport << 16 | fport;
    return (unsigned)sip13_2(h->key, m0, m1) & (h->nbuckets - 1);
}

static unsigned listen_bucket(uint16_t lport)
{
    /* Ports of listeners are the user's choice, not the peer's: no key. */
    return (unsigned)(lport ^ (lport >> 8)) % TCP_HASH_LISTEN_BUCKETS;
}

/* ---- the table ----------------------------------------------------------- */

int tcp_hash_init(struct glass_stack *stack, struct tcp_hash *h)
{
    memset(h, 0, sizeof(*h));
    if (getrandom(h->key, sizeof h->key, 0) != (ssize_t)sizeof h->key)
        return -1;
    h->buckets = glass_alloc(stack, TCP_HASH_FIRST * sizeof(*h->buckets));
    if (!h->buckets)
        return -1;
    h->nbuckets = TCP_HASH_FIRST;
    return 0;
}

void tcp_hash_destroy(struct glass_stack *stack, struct tcp_hash *h)
{
    glass_free(stack, h->buckets);
    h->buckets = NULL;
    h->nbuckets = 0;
}

/* Twice the buckets, every chain rehashed.  When memory says no the old
 * table stays: lookups stay right, only the chains grow longer. */
static void conn_grow(struct glass_stack *stack, struct tcp_hash *h)
{
    unsigned n = h->nbuckets * 2;
    struct tcp_cb **nb = glass_alloc(stack, n * sizeof(*nb));
    if (!nb)
        return;
    struct tcp_cb **old = h->buckets;
    unsigned oldn = h->nbuckets;
    h->buckets = nb;
    h->nbuckets = n;
    for (unsigned i = 0; i < oldn; i++) {
        while (old[i]) {
            struct tcp_cb *t = old[i];
            old[i] = t->hnext;
            unsigned b = conn_bucket(h, t->laddr, t->lport, t->faddr, t->fport);
            t->hnext = nb[b];
            nb[b] = t;
        }
    }
    glass_free(stack, old);
}

static struct tcp_cb **chain_of(struct tcp_hash *h, const struct tcp_cb *tcb)
{
    if (tcb->state == TCP_LISTEN)
        return &h->listen[listen_bucket(tcb->lport)];
    return &h->buckets[conn_bucket(h, tcb->laddr, tcb->lport, tcb->faddr, tcb->fport)];
}

void tcp_hash_insert(struct tcp_cb *tcb)
{
    struct glass_stack *stack = tcb->stack;
    struct tcp_hash *h = &stack->tcp->hash;
    if (tcb->state != TCP_LISTEN && h->nconn >= h->nbuckets)
        conn_grow(stack, h);
    struct tcp_cb **chain = chain_of(h, tcb);
    tcb->hnext = *chain;
    *chain = tcb;
    tcb->hash_listen = tcb->state == TCP_LISTEN;
    if (!tcb->hash_listen)
        h->nconn++;
}

void tcp_hash_remove(struct tcp_cb *tcb)
{
    struct tcp_hash *h = &tcb->stack->tcp->hash;
    if (h->last == tcb)
        h->last = NULL;
    /* The chain it went into: by the state it had then (tcp_done may
     * have made a listener CLOSED since). */
    struct tcp_cb **pp = tcb->hash_listen
                             ? &h->listen[listen_bucket(tcb->lport)]
                             : &h->buckets[conn_bucket(h, tcb->laddr, tcb->lport, tcb->faddr,
                                                       tcb->fport)];
    for (; *pp; pp = &(*pp)->hnext) {
        if (*pp == tcb) {
            *pp = tcb->hnext;
            tcb->hnext = NULL;
            if (!tcb->hash_listen)
                h->nconn--;
            return;
        }
    }
}

/* ---- lookups --------------------------------------------------------------- */

static bool conn_matches(const struct tcp_cb *t, uint32_t laddr, uint16_t lport, uint32_t faddr,
                         uint16_t fport, bool closed_too)
{
    return t->laddr == laddr && t->faddr == faddr && t->lport == lport && t->fport == fport &&
           (closed_too || t->state != TCP_CLOSED);
}

struct tcp_cb *tcp_hash_find_conn(struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                                  uint32_t faddr, uint16_t fport, bool closed_too)
{
    struct tcp_hash *h = &stack->tcp->hash;
    struct tcp_cb *t = h->last;
    if (t && conn_matches(t, laddr, lport, faddr, fport, closed_too))
        return t;
    /* Newest first, as the stack's list is ordered. */
    for (t = h->buckets[conn_bucket(h, laddr, lport, faddr, fport)]; t; t = t->hnext) {
        if (conn_matches(t, laddr, lport, faddr, fport, closed_too)) {
            h->last = t;
            return t;
        }
    }
    return NULL;
}

struct tcp_cb *tcp_hash_find_listener(struct glass_stack *stack, uint32_t laddr, uint16_t lport)
{
    struct tcp_hash *h = &stack->tcp->hash;
    struct tcp_cb *wildcard = NULL;
    for (struct tcp_cb *t = h->listen[listen_bucket(lport)]; t; t = t->hnext) {
        if (t->lport != lport || t->state != TCP_LISTEN)
            continue;
        if (t->laddr == laddr)
            return t;           /* bound to the address: beats 0.0.0.0 */
        if (t->laddr == 0)
            wildcard = t;
    }
    return wildcard;
}
