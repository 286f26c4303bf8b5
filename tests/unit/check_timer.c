/* check_timer.c - timers on the virtual clock: order, re-arm, cancel,
 * callbacks that re-arm themselves, many timers. */
#include "harness.h"

#include "timer.h"

struct fired_log {
    int order[64];
    glass_time_t at[64];
    int n;
    struct glass_stack *stack;
};

struct tagged {
    struct glass_timer t;
    struct fired_log *log;
    int tag;
    int rearm;                  /* re-arm this many more times */
    glass_time_t period;
};

static void on_fire(struct glass_stack *stack, void *arg)
{
    struct tagged *x = arg;
    x->log->order[x->log->n] = x->tag;
    x->log->at[x->log->n] = glass_stack_now(stack);
    x->log->n++;
    if (x->rearm-- > 0)
        timer_arm(stack, &x->t, x->period);
}

static void setup_tagged(struct tagged *x, struct fired_log *log, int tag)
{
    memset(x, 0, sizeof(*x));
    x->log = log;
    x->tag = tag;
    timer_init(&x->t, "test", on_fire, x);
}

START_TEST(test_timers_fire_in_expiry_order_at_their_time)
{
    struct harness h;
    harness_init(&h);
    struct fired_log log = {0};
    struct tagged t[5];
    const glass_time_t delays[5] = {500, 100, 400, 200, 300};
    glass_time_t t0 = glass_stack_now(h.stack);
    glass_stack_lock(h.stack);
    for (int i = 0; i < 5; i++) {
        setup_tagged(&t[i], &log, i);
        ck_assert_int_eq(timer_arm(h.stack, &t[i].t, delays[i] * 1000), 0);
    }
    ck_assert(timer_pending(&t[0].t));
    ck_assert_uint_eq(timer_next(h.stack), t0 + 100000);
    glass_stack_unlock(h.stack);

    harness_advance(&h, 99999);
    ck_assert_int_eq(log.n, 0); /* nothing before its time */
    harness_advance(&h, 1000000);
    ck_assert_int_eq(log.n, 5);
    const int want[5] = {1, 3, 4, 2, 0};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(log.order[i], want[i]);
        ck_assert_uint_eq(log.at[i], t0 + delays[want[i]] * 1000);
    }
    ck_assert(!timer_pending(&t[0].t));
    harness_fini(&h);
}
END_TEST

START_TEST(test_timer_cancel_and_rearm)
{
    struct harness h;
    harness_init(&h);
    struct fired_log log = {0};
    struct tagged a, b;
    setup_tagged(&a, &log, 1);
    setup_tagged(&b, &log, 2);
    glass_time_t t0 = glass_stack_now(h.stack);
    glass_stack_lock(h.stack);
    timer_arm(h.stack, &a.t, 100);
    timer_arm(h.stack, &b.t, 200);
    timer_cancel(h.stack, &a.t);
    timer_cancel(h.stack, &a.t); /* cancelling twice is harmless */
    timer_arm(h.stack, &b.t, 50); /* re-arm earlier moves it */
    glass_stack_unlock(h.stack);
    harness_advance(&h, 1000);
    ck_assert_int_eq(log.n, 1);
    ck_assert_int_eq(log.order[0], 2);
    ck_assert_uint_eq(log.at[0], t0 + 50);
    harness_fini(&h);
}
END_TEST

START_TEST(test_periodic_timer_rearms_from_its_callback)
{
    struct harness h;
    harness_init(&h);
    struct fired_log log = {0};
    struct tagged a;
    setup_tagged(&a, &log, 7);
    a.rearm = 3;
    a.period = 1000000;
    glass_time_t t0 = glass_stack_now(h.stack);
    glass_stack_lock(h.stack);
    timer_arm(h.stack, &a.t, 1000000);
    glass_stack_unlock(h.stack);
    harness_advance(&h, 10 * GLASS_USEC_PER_SEC);
    ck_assert_int_eq(log.n, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(log.at[i], t0 + (glass_time_t)(i + 1) * 1000000);
    harness_fini(&h);
}
END_TEST

/* A callback that re-arms for "now" must not spin timer_run_due forever. */
static void rearm_now(struct glass_stack *stack, void *arg)
{
    int *count = ((void **)arg)[1];
    struct glass_timer *t = ((void **)arg)[0];
    (*count)++;
    timer_arm(stack, t, 0);
}

START_TEST(test_rearm_for_now_does_not_loop)
{
    struct harness h;
    harness_init(&h);
    struct glass_timer t;
    int count = 0;
    void *arg[2] = {&t, &count};
    glass_stack_lock(h.stack);
    timer_init(&t, "spin", rearm_now, arg);
    timer_arm(h.stack, &t, 0);
    ck_assert_int_eq(timer_run_due(h.stack), 1);
    ck_assert_int_eq(count, 1);
    ck_assert(timer_pending(&t));
    timer_cancel(h.stack, &t);
    glass_stack_unlock(h.stack);
    harness_fini(&h);
}
END_TEST

/* The heap stays ordered through many inserts and cancels. */
START_TEST(test_heap_order_with_many_timers)
{
    struct harness h;
    harness_init(&h);
    enum { N = 1000 };
    static struct tagged t[N];
    struct fired_log log = {0};
    glass_stack_lock(h.stack);
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        setup_tagged(&t[i], &log, i);
        x = x * 1103515245u + 12345u;
        timer_arm(h.stack, &t[i].t, (x >> 8) % 100000);
    }
    for (int i = 0; i < N; i += 3)
        timer_cancel(h.stack, &t[i].t);
    glass_time_t last = 0;
    int fired = 0;
    while (timer_next(h.stack) != TIMER_NEVER) {
        glass_time_t next = timer_next(h.stack);
        ck_assert_uint_ge(next, last);
        last = next;
        glass_clock_advance(h.clock, next - glass_clock_now(h.clock));
        log.n = 0;
        fired += timer_run_due(h.stack);
    }
    ck_assert_int_eq(fired, N - (N + 2) / 3);
    glass_stack_unlock(h.stack);
    harness_fini(&h);
}
END_TEST

static Suite *timer_suite(void)
{
    Suite *s = suite_create("timer");
    TCase *tc = tcase_create("timer");
    tcase_add_test(tc, test_timers_fire_in_expiry_order_at_their_time);
    tcase_add_test(tc, test_timer_cancel_and_rearm);
    tcase_add_test(tc, test_periodic_timer_rearms_from_its_callback);
    tcase_add_test(tc, test_rearm_for_now_does_not_loop);
    tcase_add_test(tc, test_heap_order_with_many_timers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(timer_suite());
}
