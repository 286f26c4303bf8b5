/*
 * impair.c - the impairment engine (impair.h): a frame's fate from seeded
 * dice, and queues that hold frames until their time comes.
 *
 *   driver rx  --> impair_rx --lost--> freed, link.impair_lost
 *                      |
 *                      +-- due now --> deliver(RX) = netif_input
 *                      +-- later ----> q[RX] --timer--> deliver(RX)
 *   stack tx   --> impair_tx --> copies sent now, or q[TX] --timer--> deliver(TX)
 *
 * Like netem, every frame gets `delay`; a reordered one is held back
 * reorder_delay more, so frames sent after it arrive first; a duplicated
 * one arrives twice, at the same time; a lost one never arrives.  Due
 * times are on the stack's clock: with a virtual clock (unit tests) a run
 * is exact and repeats.
 *
 * Memory: queued frames are packets of the interface's stack (accounted);
 * impair_free() returns them.  Everything runs in stack context.
 */
#include "impair.h"

#include <stdlib.h>

#include "mem.h"
#include "netif.h"
#include "stack.h"
#include "stats.h"
#include "trace.h"

static const char *const dir_name[] = {"rx", "tx"};

/* ---- the dice ---------------------------------------------------------------- */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and every seed,
 * including 0, gives a good stream. */
static uint64_t impair_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* True with probability ppm / 1e6. */
static bool impair_chance(uint64_t *state, unsigned ppm)
{
    uint64_t draw = ((impair_random(state) >> 32) * 1000000ULL) >> 32; /* 0 .. 999999 */
    return draw < ppm;
}

void impair_roll(uint64_t *prng, unsigned loss_ppm, unsigned dup_ppm, unsigned reorder_ppm,
                 struct impair_fate *f)
{
    f->lost = impair_chance(prng, loss_ppm);
    f->dup = impair_chance(prng, dup_ppm);
    f->held = impair_chance(prng, reorder_ppm);
}

/* ---- the queues ----------------------------------------------------------------- */

bool impair_is_off(const struct glass_impair *p)
{
    return !p->loss_ppm && !p->dup_ppm && !p->delay && (!p->reorder_ppm || !p->reorder_delay);
}

/* Insert keeping due order; equal due times stay in arrival order, so a
 * plain delay keeps the frames' order. */
static void impair_queue_insert(struct pkb_queue *q, struct pkb *p)
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

/* The queue whose first frame is due earliest (RX on a tie), or NULL. */
static struct pkb_queue *impair_first_queue(struct impair *im)
{
    struct pkb *rx = im->q[IMPAIR_RX].first, *tx = im->q[IMPAIR_TX].first;
    if (rx && (!tx || rx->stamp <= tx->stamp))
        return &im->q[IMPAIR_RX];
    return tx ? &im->q[IMPAIR_TX] : NULL;
}

/* Set the timer for the earliest due frame.  A frame queued by a socket
 * call on another thread may be due before the poll loop's current
 * wake-up: wake it so it recomputes its sleep. */
static void impair_arm(struct impair *im)
{
    struct glass_stack *s = im->nif->stack;
    struct pkb_queue *q = impair_first_queue(im);
    if (!q) {
        timer_cancel(s, &im->timer);
        return;
    }
    glass_time_t due = q->first->stamp;
    if (timer_pending(&im->timer) && im->timer.expires == due)
        return;
    bool earlier = !timer_pending(&im->timer) || due < im->timer.expires;
    if (timer_arm_at(s, &im->timer, due) < 0) {
        /* No room in the timer heap: the frames wait for the next arm. */
        TRACE(s, GLASS_TRACE_ETH, "eth   %s impair: no memory for the timer", im->nif->name);
        return;
    }
    if (earlier)
        glass_stack_wake(s);
}

/* Hold p (owned) until `due`; false when the queue is full (p freed). */
static bool impair_hold(struct impair *im, enum impair_dir dir, struct pkb *p, glass_time_t due)
{
    struct glass_stack *s = im->nif->stack;
    if (im->q[dir].count >= IMPAIR_QUEUE_MAX) {
        STAT_INC(s, link, impair_lost);
        TRACE(s, GLASS_TRACE_ETH, "eth   %s %s impair: queue full (%d frames), frame lost",
              im->nif->name, dir_name[dir], IMPAIR_QUEUE_MAX);
        pkb_free(s, p);
        return false;
    }
    p->stamp = due;
    impair_queue_insert(&im->q[dir], p);
    return true;
}

/* Hand every due frame on, earliest first, one at a time: delivering a
 * received frame may make the stack send, which queues again. */
static void impair_timer(struct glass_stack *s, void *arg)
{
    struct impair *im = arg;
    glass_time_t now = glass_stack_now(s);
    struct pkb_queue *q;
    while ((q = impair_first_queue(im)) && q->first->stamp <= now) {
        enum impair_dir dir = q == &im->q[IMPAIR_RX] ? IMPAIR_RX : IMPAIR_TX;
        im->deliver(im->nif, dir, pkb_queue_pop(q));
    }
    impair_arm(im);
}

/* ---- a frame's fate ------------------------------------------------------------ */

/* The dice for one frame: false when it is lost.  *due is when it (and
 * its duplicate, if any) should arrive. */
static bool impair_decide(struct impair *im, enum impair_dir dir, size_t len,
                          struct impair_fate *f, glass_time_t *due)
{
    struct glass_stack *s = im->nif->stack;
    const struct glass_impair *pr = &im->params;
    const char *name = im->nif->name;
    impair_roll(&im->prng, pr->loss_ppm, pr->dup_ppm, pr->reorder_ppm, f);
    if (f->lost) {
        STAT_INC(s, link, impair_lost);
        TRACE(s, GLASS_TRACE_ETH, "eth   %s %s impair: %zu-byte frame lost", name,
              dir_name[dir], len);
        return false;
    }
    *due = glass_stack_now(s) + pr->delay;
    if (f->held && pr->reorder_delay) {
        *due += pr->reorder_delay;
        STAT_INC(s, link, impair_reordered);
        TRACE(s, GLASS_TRACE_ETH, "eth   %s %s impair: %zu-byte frame held back %llu us", name,
              dir_name[dir], len, (unsigned long long)pr->reorder_delay);
    }
    if (f->dup) {
        STAT_INC(s, link, impair_duplicated);
        TRACE(s, GLASS_TRACE_ETH, "eth   %s %s impair: %zu-byte frame duplicated", name,
              dir_name[dir], len);
    }
    if (*due > glass_stack_now(s))
        STAT_INC(s, link, impair_delayed);
    return true;
}

void impair_rx(struct impair *im, struct pkb *frame)
{
    struct glass_stack *s = im->nif->stack;
    struct impair_fate f;
    glass_time_t due;
    if (!impair_decide(im, IMPAIR_RX, pkb_len(frame), &f, &due)) {
        pkb_free(s, frame);
        return;
    }
    /* The copy first: the stack may change the original as it reads it. */
    /* pkb_copy, not pkb_from: the offload state (checksum verified or
     * partial, GSO size) and header offsets go with the bytes. */
    struct pkb *copy = f.dup ? pkb_copy(s, frame) : NULL;
    if (due <= glass_stack_now(s)) {
        im->deliver(im->nif, IMPAIR_RX, frame);
        if (copy)
            im->deliver(im->nif, IMPAIR_RX, copy);
        return;
    }
    impair_hold(im, IMPAIR_RX, frame, due);
    if (copy)
        impair_hold(im, IMPAIR_RX, copy, due);
    impair_arm(im);
}

unsigned impair_tx(struct impair *im, const struct pkb *frame)
{
    struct glass_stack *s = im->nif->stack;
    struct impair_fate f;
    glass_time_t due;
    if (!impair_decide(im, IMPAIR_TX, pkb_len(frame), &f, &due))
        return 0;
    unsigned copies = f.dup ? 2 : 1;
    if (due <= glass_stack_now(s))
        return copies;
    for (unsigned i = 0; i < copies; i++) {
        struct pkb *p = pkb_copy(s, frame); /* offload state too: tap_vnet_build */
        if (!p) {
            STAT_INC(s, link, impair_lost);
            TRACE(s, GLASS_TRACE_ETH, "eth   %s tx impair: no memory to hold a frame, lost",
                  im->nif->name);
            continue;
        }
        impair_hold(im, IMPAIR_TX, p, due);
    }
    impair_arm(im);
    return 0;
}

/* ---- life ------------------------------------------------------------------------- */

struct impair *impair_new(struct glass_netif *nif, const struct glass_impair *p,
                          impair_deliver_fn deliver)
{
    struct impair *im = glass_alloc(nif->stack, sizeof(*im));
    if (!im)
        return NULL;
    *im = (struct impair){.nif = nif, .params = *p, .prng = p->seed, .deliver = deliver};
    timer_init(&im->timer, "impair", impair_timer, im);
    return im;
}

void impair_free(struct impair *im)
{
    if (!im)
        return;
    struct glass_stack *s = im->nif->stack;
    timer_cancel(s, &im->timer);
    pkb_queue_purge(s, &im->q[IMPAIR_RX]);
    pkb_queue_purge(s, &im->q[IMPAIR_TX]);
    glass_free(s, im);
}
