/*
 * loop.c - the loop wire: an in-memory Ethernet segment joining stacks
 * that live in one process, for tests.
 *
 * The wire behaves like a hub: a frame one port transmits is copied to
 * every other port.  On its way each copy may be lost, duplicated, held
 * back (so later frames overtake it) or delayed, as chosen by a PRNG of
 * the wire's own: the same seed gives the same run, so a test can assert
 * exact numbers.
 *
 *   stack A                 wire                  stack B
 *   transmit() --copy--> [ port B queue: (due, frame) ... ] --> receive()
 *                                                  at due time: netif_input
 *
 * Due times are on the receiving stack's clock.  Stacks of a test share
 * one virtual clock, so "delay 5 ms" means exactly 5 ms of virtual time.
 *
 * Locking.  transmit() runs in the SENDER's stack context (its lock held)
 * but appends to a queue that the RECEIVER's stack reads in its own
 * context, perhaps on another thread (glass_stack_start).  Neither stack
 * lock can guard that queue: taking the receiver's lock while holding the
 * sender's would deadlock when two stacks send to each other at once.  So
 * the wire has a mutex of its own that guards the port list, the queues,
 * the PRNG and the counters.  It is always taken last; under it we only
 * allocate the copy, trace, and write the receiver's wake-up eventfd, and
 * it is never held across netif_input (the stack may answer at once, and
 * transmit takes the wire lock again).
 *
 * Memory.  A copy waiting in a port's queue is allocated on the receiving
 * stack (it will be that stack's packet), so the receiver's accounting
 * sees it and its glass_stack_free() finds every byte: closing a port
 * purges its queue.  The wire itself belongs to no stack (malloc), and the
 * test frees it after the stacks.  Caveat: that allocation is made from
 * the sender's thread while the wire lock is held, and the accounting in
 * mem.c is guarded only by the receiver's stack lock; stacks that each run
 * their own thread on one wire need mem.c to count atomically.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "impair.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "trace.h"

struct loop_port {
    struct loop_port *next;        /* on wire->ports */
    struct glass_loop_wire *wire;  /* NULL once the wire was freed */
    struct glass_netif *nif;
    struct pkb_queue rxq;          /* copies for nif, by due time (pkb->stamp) */
};

struct glass_loop_wire {
    pthread_mutex_t lock;          /* see "Locking" above */
    uint64_t prng;                 /* splitmix64 state (impair_roll) */
    struct glass_loop_params params;
    struct loop_port *ports;
    struct glass_loop_counters cnt;
};

/* ---- carrying a frame (wire->lock held) --------------------------------- */

/* Insert keeping due order; equal due times stay in sending order, so an
 * unimpaired wire is FIFO. */
static void loop_queue_insert(struct pkb_queue *q, struct pkb *p)
{
    if (!q->last || q->last->stamp <= p->stamp) {
        pkb_queue_push(q, p);
        return;
    }
    struct pkb **at = &q->first;
    while ((*at)->stamp <= p->stamp)
        at = &(*at)->next;
    p->next = *at;
    *at = p;
    q->count++;
    q->bytes += pkb_len(p);
}

/* Put one copy of frame in to's queue, due at `due` on to's clock. */
static void loop_enqueue(struct glass_loop_wire *w, struct loop_port *to,
                         const struct pkb *frame, glass_time_t due)
{
    struct glass_stack *rx_stack = to->nif->stack;
    struct pkb *p = to->rxq.count < LOOP_QUEUE_MAX
                        ? pkb_from(rx_stack, frame->data, pkb_len(frame))
                        : NULL;
    if (!p) {
        w->cnt.lost++;        /* queue full or receiver out of memory */
        return;
    }
    p->stamp = due;
    loop_queue_insert(&to->rxq, p);
    /* The receiver may be asleep in poll() until its old next event (or
     * forever): wake it when this frame is now the first one due. */
    if (to->rxq.first == p)
        glass_stack_wake(rx_stack);
}

/* One copy from `from` to port `to`, through the impairments: the dice of
 * impair.c (every copy draws all three, so changing one probability does
 * not shift the others' draws). */
static void loop_carry(struct glass_loop_wire *w, struct glass_netif *from, struct loop_port *to,
                       const struct pkb *frame)
{
    const struct glass_loop_params *pr = &w->params;
    struct impair_fate f;
    impair_roll(&w->prng, pr->loss_ppm, pr->dup_ppm, pr->reorder_ppm, &f);
    bool lost = f.lost, dup = f.dup, held = f.held;
    if (lost) {
        w->cnt.lost++;
        TRACE(from->stack, GLASS_TRACE_ETH, "eth   loop %s > %s: lost", from->name, to->nif->name);
        return;
    }
    glass_time_t due = glass_stack_now(to->nif->stack) + pr->delay;
    if (held) {
        w->cnt.reordered++;
        due += pr->reorder_delay;
        TRACE(from->stack, GLASS_TRACE_ETH, "eth   loop %s > %s: held back %llu us", from->name,
              to->nif->name, (unsigned long long)pr->reorder_delay);
    }
    loop_enqueue(w, to, frame, due);
    if (dup) {
        w->cnt.duplicated++;
        TRACE(from->stack, GLASS_TRACE_ETH, "eth   loop %s > %s: duplicated", from->name,
              to->nif->name);
        loop_enqueue(w, to, frame, due);
    }
}

/* ---- the driver ops --------------------------------------------------- */

/* Like a hub: every other port gets a copy. */
static int loop_transmit(struct glass_netif *nif, struct pkb *pkb)
{
    struct loop_port *me = nif->priv;
    struct glass_loop_wire *w = me->wire;
    if (!w)
        return -ENOTCONN;
    pthread_mutex_lock(&w->lock);
    w->cnt.sent++;
    for (struct loop_port *to = w->ports; to; to = to->next)
        if (to != me)
            loop_carry(w, nif, to, pkb);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

/* The first frame of port's queue if it is due by `now`. */
static struct pkb *loop_pop_due(struct loop_port *port, glass_time_t now)
{
    struct glass_loop_wire *w = port->wire;
    struct pkb *p = NULL;
    pthread_mutex_lock(&w->lock);
    if (port->rxq.first && port->rxq.first->stamp <= now) {
        p = pkb_queue_pop(&port->rxq);
        w->cnt.delivered++;
    }
    pthread_mutex_unlock(&w->lock);
    return p;
}

static int loop_receive(struct glass_netif *nif, int budget)
{
    struct loop_port *port = nif->priv;
    if (!port->wire)
        return 0;
    glass_time_t now = glass_stack_now(nif->stack);
    int frames = 0;
    struct pkb *p;
    /* Pop one at a time and input with the wire unlocked: the stack may
     * answer at once, and transmit takes the wire lock. */
    while (frames < budget && (p = loop_pop_due(port, now))) {
        netif_input(nif, p);
        frames++;
    }
    return frames;
}

static int loop_fd(struct glass_netif *nif)
{
    return -1;
}

static glass_time_t loop_next_event(struct glass_netif *nif)
{
    struct loop_port *port = nif->priv;
    glass_time_t next = TIMER_NEVER;
    if (!port->wire)
        return next;
    pthread_mutex_lock(&port->wire->lock);
    if (port->rxq.first)
        next = port->rxq.first->stamp;
    pthread_mutex_unlock(&port->wire->lock);
    return next;
}

/* The interface goes away (glass_stack_free): leave the wire, so no sender
 * reaches this port again, then drop what was still on its way to us. */
static void loop_close(struct glass_netif *nif)
{
    struct loop_port *port = nif->priv;
    struct glass_loop_wire *w = port->wire;
    if (w) {
        pthread_mutex_lock(&w->lock);
        for (struct loop_port **pp = &w->ports; *pp; pp = &(*pp)->next)
            if (*pp == port) {
                *pp = port->next;
                break;
            }
        pthread_mutex_unlock(&w->lock);
    }
    pkb_queue_purge(nif->stack, &port->rxq);
    glass_free(nif->stack, port);
    nif->priv = NULL;
}

static const struct glass_netif_ops loop_ops = {
    .kind = "loop",
    .transmit = loop_transmit,
    .receive = loop_receive,
    .fd = loop_fd,
    .next_event = loop_next_event,
    .close = loop_close,
};

/* ---- the public API (glass.h) ------------------------------------------ */

struct glass_loop_wire *glass_loop_wire_new(uint64_t seed)
{
    struct glass_loop_wire *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    w->prng = seed;
    return w;
}

void glass_loop_wire_free(struct glass_loop_wire *w)
{
    if (!w)
        return;
    /* The wire should outlive its stacks.  If one is still attached, cut
     * it loose: its queue stays its own and goes with its interface. */
    pthread_mutex_lock(&w->lock);
    unsigned attached = 0;
    for (struct loop_port *p = w->ports; p; p = p->next) {
        p->wire = NULL;
        attached++;
    }
    w->ports = NULL;
    pthread_mutex_unlock(&w->lock);
    if (attached)
        fprintf(stderr, "glass: loop wire freed with %u interface(s) still attached\n", attached);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void glass_loop_wire_set(struct glass_loop_wire *w, const struct glass_loop_params *p)
{
    pthread_mutex_lock(&w->lock);
    w->params = *p;
    pthread_mutex_unlock(&w->lock);
}

void glass_loop_wire_counters(const struct glass_loop_wire *w, struct glass_loop_counters *c)
{
    /* Reading is a const operation for the caller; the lock is not. */
    pthread_mutex_t *lock = (pthread_mutex_t *)&w->lock;
    pthread_mutex_lock(lock);
    *c = w->cnt;
    pthread_mutex_unlock(lock);
}

struct glass_netif *glass_loop_attach(struct glass_stack *stack, struct glass_loop_wire *wire,
                                      const char *name)
{
    if (!stack || !wire || !name) {
        errno = EINVAL;
        return NULL;
    }
    glass_stack_lock(stack);
    struct glass_netif *nif = NULL;
    struct loop_port *port = glass_alloc(stack, sizeof(*port));
    if (port) {
        nif = netif_new(stack, name, &loop_ops, port);
        if (nif) {
            port->nif = nif;
            port->wire = wire;
        } else {
            glass_free(stack, port);
        }
    } else {
        errno = ENOMEM;
    }
    glass_stack_unlock(stack);
    if (!nif)
        return NULL;

    /* Appended, so a hub's copies go out in attach order: runs repeat. */
    pthread_mutex_lock(&wire->lock);
    struct loop_port **tail = &wire->ports;
    while (*tail)
        tail = &(*tail)->next;
    *tail = port;
    pthread_mutex_unlock(&wire->lock);
    return nif;
}
