/*
 * timer.c - a binary min-heap of pending timers, keyed by expiry time.
 *
 * heap_index in each timer lets cancel and re-arm find it in O(1) and fix
 * the heap in O(log n).  Timers with equal expiry fire in no particular
 * order; callers that care use distinct times.
 */
#include "timer.h"

#include "mem.h"
#include "stack.h"

void timer_init(struct glass_timer *t, const char *name, glass_timer_fn fn, void *arg)
{
    t->expires = 0;
    t->heap_index = TIMER_IDLE;
    t->fn = fn;
    t->arg = arg;
    t->name = name;
}

static void heap_set(struct timer_heap *h, size_t i, struct glass_timer *t)
{
    h->v[i] = t;
    t->heap_index = i;
}

static void sift_up(struct timer_heap *h, size_t i)
{
    struct glass_timer *t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent]->expires <= t->expires)
            break;
        heap_set(h, i, h->v[parent]);
        i = parent;
    }
    heap_set(h, i, t);
}

static void sift_down(struct timer_heap *h, size_t i)
{
    struct glass_timer *t = h->v[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && h->v[child + 1]->expires < h->v[child]->expires)
            child++;
        if (t->expires <= h->v[child]->expires)
            break;
        heap_set(h, i, h->v[child]);
        i = child;
    }
    heap_set(h, i, t);
}

static void heap_remove(struct timer_heap *h, size_t i)
{
    struct glass_timer *t = h->v[i];
    struct glass_timer *last = h->v[--h->n];
    t->heap_index = TIMER_IDLE;
    if (i == h->n)
        return;
    heap_set(h, i, last);
    sift_down(h, i);
    sift_up(h, last->heap_index);
}

static int heap_grow(struct glass_stack *stack, struct timer_heap *h)
{
    size_t cap = h->cap ? h->cap * 2 : 64;
    struct glass_timer **v = glass_realloc(stack, h->v, cap * sizeof(*v));
    if (!v)
        return -1;
    h->v = v;
    h->cap = cap;
    return 0;
}

int timer_arm_at(struct glass_stack *stack, struct glass_timer *t, glass_time_t when)
{
    struct timer_heap *h = &stack->timers;
    if (timer_pending(t)) {
        t->expires = when;
        sift_down(h, t->heap_index);
        sift_up(h, t->heap_index);
        return 0;
    }
    if (h->n == h->cap && heap_grow(stack, h) < 0)
        return -1;
    t->expires = when;
    heap_set(h, h->n++, t);
    sift_up(h, t->heap_index);
    return 0;
}

int timer_arm(struct glass_stack *stack, struct glass_timer *t, glass_time_t delay)
{
    return timer_arm_at(stack, t, glass_stack_now(stack) + delay);
}

void timer_cancel(struct glass_stack *stack, struct glass_timer *t)
{
    if (timer_pending(t))
        heap_remove(&stack->timers, t->heap_index);
}

glass_time_t timer_next(const struct glass_stack *stack)
{
    return stack->timers.n ? stack->timers.v[0]->expires : TIMER_NEVER;
}

int timer_run_due(struct glass_stack *stack)
{
    struct timer_heap *h = &stack->timers;
    glass_time_t now = glass_stack_now(stack);
    int fired = 0;
    /* A callback may re-arm its own timer (or others); one that re-arms
     * for "now" would loop forever, so fire at most what was due on entry. */
    size_t limit = h->n;
    while (h->n && h->v[0]->expires <= now && limit--) {
        struct glass_timer *t = h->v[0];
        heap_remove(h, 0);
        t->fn(stack, t->arg);
        fired++;
    }
    return fired;
}

void timer_heap_destroy(struct glass_stack *stack)
{
    struct timer_heap *h = &stack->timers;
    for (size_t i = 0; i < h->n; i++)
        h->v[i]->heap_index = TIMER_IDLE;
    glass_free(stack, h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
