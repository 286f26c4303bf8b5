/* clock.c - real (CLOCK_MONOTONIC) or virtual time. */
#include "clock.h"

#include <stdlib.h>
#include <time.h>

struct glass_clock *glass_clock_new_real(void)
{
    return calloc(1, sizeof(struct glass_clock));
}

struct glass_clock *glass_clock_new_virtual(glass_time_t start)
{
    struct glass_clock *c = calloc(1, sizeof(*c));
    if (c) {
        c->is_virtual = true;
        c->virtual_now = start;
    }
    return c;
}

void glass_clock_free(struct glass_clock *clock)
{
    free(clock);
}

glass_time_t glass_clock_now(const struct glass_clock *clock)
{
    if (clock->is_virtual)
        return __atomic_load_n(&clock->virtual_now, __ATOMIC_RELAXED);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (glass_time_t)ts.tv_sec * GLASS_USEC_PER_SEC + (glass_time_t)ts.tv_nsec / 1000;
}

int glass_clock_is_virtual(const struct glass_clock *clock)
{
    return clock->is_virtual;
}

void glass_clock_advance(struct glass_clock *clock, glass_time_t delta)
{
    if (clock->is_virtual)
        __atomic_add_fetch(&clock->virtual_now, delta, __ATOMIC_RELAXED);
}
