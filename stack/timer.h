/*
 * timer.h - timers on the stack's clock.
 *
 * A timer is a struct the owner embeds (in an ARP entry, a TCP control
 * block...), so arming never allocates per event.  Pending timers sit in a
 * binary min-heap ordered by expiry: arm, cancel and "what is next" are
 * O(log n) however many connections there are.  Callbacks run in stack
 * context from glass_stack_poll, in expiry order.
 */
#ifndef GLASS_TIMER_H
#define GLASS_TIMER_H

#include <stdbool.h>
#include <stddef.h>

#include "glass.h"

struct glass_timer;
typedef void (*glass_timer_fn)(struct glass_stack *stack, void *arg);

struct glass_timer {
    glass_time_t expires;
    size_t heap_index;          /* TIMER_IDLE when not pending */
    glass_timer_fn fn;
    void *arg;
    const char *name;           /* for glassctl and gdb */
};

#define TIMER_IDLE ((size_t)-1)
#define TIMER_NEVER UINT64_MAX

struct timer_heap {
    struct glass_timer **v;
    size_t n, cap;
};

void timer_init(struct glass_timer *t, const char *name, glass_timer_fn fn, void *arg);
/* (Re)arm to fire `delay` microseconds from now / at time `when`.
 * -1 only if the heap could not grow (the stack is out of memory). */
int timer_arm(struct glass_stack *stack, struct glass_timer *t, glass_time_t delay);
int timer_arm_at(struct glass_stack *stack, struct glass_timer *t, glass_time_t when);
void timer_cancel(struct glass_stack *stack, struct glass_timer *t);
static inline bool timer_pending(const struct glass_timer *t) { return t->heap_index != TIMER_IDLE; }

/* Earliest expiry, or TIMER_NEVER. */
glass_time_t timer_next(const struct glass_stack *stack);
/* Fire every timer whose time has come; returns how many fired. */
int timer_run_due(struct glass_stack *stack);
void timer_heap_destroy(struct glass_stack *stack);

#endif
