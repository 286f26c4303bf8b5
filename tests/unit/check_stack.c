/* check_stack.c - stack life cycle, the poll loop, the stack thread,
 * stacks side by side, counters by name and trace switches. */
#include "harness.h"

#include <stdlib.h>

#include <errno.h>
#include <pthread.h>

#include "timer.h"

START_TEST(test_new_and_free_return_every_byte)
{
    struct glass_stack *s = glass_stack_new(NULL); /* real clock, owned */
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(glass_clock_is_virtual(glass_stack_clock(s)), 0);
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

START_TEST(test_virtual_clock_moves_only_by_hand)
{
    struct glass_clock *c = glass_clock_new_virtual(5);
    struct glass_stack *s = glass_stack_new(c);
    ck_assert_uint_eq(glass_stack_now(s), 5);
    /* poll never sleeps on a virtual clock, whatever the timeout */
    ck_assert_int_eq(glass_stack_poll(s, 10000), 0);
    ck_assert_uint_eq(glass_stack_now(s), 5);
    glass_clock_advance(c, 10);
    ck_assert_uint_eq(glass_stack_now(s), 15);
    ck_assert_int_eq(glass_stack_free(s), 0);
    glass_clock_free(c);
}
END_TEST

static void count_fire(struct glass_stack *stack, void *arg)
{
    (*(int *)arg)++;
}

/* glass_stack_poll on a real clock sleeps until the next timer, not for
 * the whole timeout (bounded: at most a few polls). */
START_TEST(test_poll_wakes_for_the_next_timer)
{
    struct glass_stack *s = glass_stack_new(NULL);
    struct glass_timer t;
    int fired = 0;
    glass_stack_lock(s);
    timer_init(&t, "t", count_fire, &fired);
    timer_arm(s, &t, 20 * GLASS_USEC_PER_MSEC);
    glass_stack_unlock(s);
    for (int i = 0; i < 50 && !fired; i++)
        glass_stack_poll(s, 60000);
    ck_assert_int_eq(fired, 1);
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

struct waker {
    struct glass_stack *s;
};

static void *wake_later(void *arg)
{
    struct glass_stack *s = arg;
    glass_stack_wake(s);
    return NULL;
}

/* Another thread's glass_stack_wake ends a poll that would sleep a minute. */
START_TEST(test_wake_interrupts_poll)
{
    struct glass_stack *s = glass_stack_new(NULL);
    pthread_t th;
    pthread_create(&th, NULL, wake_later, s);
    ck_assert_int_ge(glass_stack_poll(s, 60000), 0);
    pthread_join(th, NULL);
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

/* The stack's own thread fires timers; stop joins it. */
START_TEST(test_stack_thread_runs_timers_and_stops)
{
    struct glass_stack *s = glass_stack_new(NULL);
    struct glass_timer t;
    volatile int fired = 0;
    ck_assert_int_eq(glass_stack_start(s), 0);
    ck_assert_int_eq(glass_stack_start(s), -1);
    ck_assert_int_eq(errno, EALREADY);
    glass_stack_lock(s);
    timer_init(&t, "t", count_fire, (void *)&fired);
    timer_arm(s, &t, 1000);
    glass_stack_unlock(s);
    glass_stack_wake(s);
    for (int i = 0; i < 5000; i++) { /* bounded: 5 s at most */
        glass_stack_lock(s);
        int f = fired;
        glass_stack_unlock(s);
        if (f)
            break;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    glass_stack_stop(s);
    ck_assert_int_eq(fired, 1);
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

/* No global state: two stacks keep separate counters and interfaces. */
START_TEST(test_two_stacks_are_independent)
{
    struct harness a, b;
    harness_init(&a);
    harness_init(&b);
    uint8_t f[64] = {0};
    build_eth(f, H_OUR_MAC, H_PEER_MAC, 0x88cc);
    harness_inject(&a, f, 60);
    ck_assert_uint_eq(glass_stat(a.stack, "eth.drop_unknown_type"), 1);
    ck_assert_uint_eq(glass_stat(b.stack, "eth.drop_unknown_type"), 0);
    ck_assert_ptr_eq(glass_netif_by_name(a.stack, "fake0"), a.nif);
    ck_assert_ptr_eq(glass_netif_by_name(b.stack, "fake0"), b.nif);
    ck_assert_ptr_null(glass_netif_by_name(a.stack, "tap9"));
    harness_fini(&a);
    harness_fini(&b);
}
END_TEST

START_TEST(test_stat_by_name)
{
    struct harness h;
    harness_init(&h);
    errno = 0;
    ck_assert_uint_eq(glass_stat(h.stack, "ipv4.drop_bad_checksum"), 0);
    ck_assert_int_eq(errno, 0);
    ck_assert_uint_eq(glass_stat(h.stack, "ipv4.no_such_counter"), 0);
    ck_assert_int_eq(errno, ENOENT);
    h.stack->stats.ipv4_drop_bad_checksum = 3;
    ck_assert_uint_eq(glass_stat(h.stack, "ipv4.drop_bad_checksum"), 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    glass_stats_print(h.stack, out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "ipv4.drop_bad_checksum"));
    ck_assert_ptr_nonnull(strstr(buf, "fake0: rx"));
    ck_assert_ptr_null(strstr(buf, "ipv4.drop_bad_version")); /* zeros are not printed */
    free(buf);
    harness_fini(&h);
}
END_TEST

START_TEST(test_trace_parse)
{
    unsigned m = 0;
    ck_assert_int_eq(glass_trace_parse("arp,ipv4", &m), 0);
    ck_assert_uint_eq(m, GLASS_TRACE_ARP | GLASS_TRACE_IPV4);
    ck_assert_int_eq(glass_trace_parse("all", &m), 0);
    ck_assert_uint_eq(m, GLASS_TRACE_ALL);
    ck_assert_int_eq(glass_trace_parse("", &m), 0);
    ck_assert_uint_eq(m, 0);
    ck_assert_int_eq(glass_trace_parse("arp,bogus", &m), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(glass_trace_parse("arp,,ipv4", &m), -1);
    ck_assert_int_eq(glass_trace_parse("ar", &m), -1);
}
END_TEST

/* Trace lines: relative time, the layer, the decision. */
START_TEST(test_trace_line_says_the_decision)
{
    struct harness h;
    harness_init(&h);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    glass_trace_set(h.stack, GLASS_TRACE_ETH, out);
    uint8_t f[60] = {0};
    build_eth(f, H_OUR_MAC, H_PEER_MAC, 0x88cc);
    harness_inject(&h, f, sizeof f);
    glass_trace_set(h.stack, 0, NULL);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "   0.000000 eth   drop: unknown type 0x88cc\n"));
    free(buf);
    harness_fini(&h);
}
END_TEST

static Suite *stack_suite(void)
{
    Suite *s = suite_create("stack");
    TCase *tc = tcase_create("stack");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_new_and_free_return_every_byte);
    tcase_add_test(tc, test_virtual_clock_moves_only_by_hand);
    tcase_add_test(tc, test_poll_wakes_for_the_next_timer);
    tcase_add_test(tc, test_wake_interrupts_poll);
    tcase_add_test(tc, test_stack_thread_runs_timers_and_stops);
    tcase_add_test(tc, test_two_stacks_are_independent);
    tcase_add_test(tc, test_stat_by_name);
    tcase_add_test(tc, test_trace_parse);
    tcase_add_test(tc, test_trace_line_says_the_decision);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(stack_suite());
}
