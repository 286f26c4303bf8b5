/* check_pkb.c - the packet buffer: headroom, push/pull/put/trim, offsets,
 * queues, accounting. */
#include "harness.h"

#include <stdlib.h>

#include "mem.h"

static struct glass_stack *new_stack(struct glass_clock **c)
{
    *c = glass_clock_new_virtual(0);
    struct glass_stack *s = glass_stack_new(*c);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void free_stack(struct glass_stack *s, struct glass_clock *c)
{
    ck_assert_int_eq(glass_stack_free(s), 0);
    glass_clock_free(c);
}

START_TEST(test_pkb_alloc_has_headroom_and_no_data)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    size_t before = glass_stack_mem_in_use(s);
    struct pkb *p = pkb_alloc(s, 100);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(pkb_len(p), 0);
    ck_assert_uint_eq(pkb_headroom(p), PKB_HEADROOM);
    ck_assert_uint_eq(pkb_tailroom(p), 100);
    ck_assert_ptr_null(pkb_l2(p));
    ck_assert_ptr_null(pkb_l3(p));
    ck_assert_ptr_null(pkb_l4(p));
    ck_assert_uint_gt(glass_stack_mem_in_use(s), before + 100);
    pkb_free(s, p);
    ck_assert_uint_eq(glass_stack_mem_in_use(s), before);
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_push_prepends_headers_without_copy)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb *p = pkb_alloc(s, 16);
    memcpy(pkb_put(p, 4), "data", 4);
    uint8_t *payload = p->data;
    uint8_t *l4 = pkb_push(p, 8);
    ck_assert_ptr_eq(l4 + 8, payload); /* same buffer: no copy */
    pkb_set_l4(p);
    uint8_t *l3 = pkb_push(p, 20);
    pkb_set_l3(p);
    ck_assert_ptr_eq(pkb_l3(p), l3);
    ck_assert_ptr_eq(pkb_l4(p), l4);
    ck_assert_uint_eq(pkb_len(p), 32);
    ck_assert_uint_eq(pkb_headroom(p), PKB_HEADROOM - 28);
    ck_assert_mem_eq(pkb_l4(p) + 8, "data", 4);
    pkb_free(s, p);
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_push_past_headroom_fails_and_changes_nothing)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb *p = pkb_alloc(s, 0);
    ck_assert_ptr_null(pkb_push(p, PKB_HEADROOM + 1));
    ck_assert_uint_eq(pkb_headroom(p), PKB_HEADROOM);
    ck_assert_ptr_nonnull(pkb_push(p, PKB_HEADROOM));
    ck_assert_uint_eq(pkb_headroom(p), 0);
    ck_assert_ptr_null(pkb_push(p, 1));
    pkb_free(s, p);
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_pull_refuses_more_than_len)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb *p = pkb_from(s, "0123456789", 10);
    ck_assert_ptr_null(pkb_pull(p, 11));
    ck_assert_uint_eq(pkb_len(p), 10);
    ck_assert_ptr_nonnull(pkb_pull(p, 4));
    ck_assert_uint_eq(pkb_len(p), 6);
    ck_assert_mem_eq(p->data, "456789", 6);
    ck_assert_ptr_nonnull(pkb_pull(p, 6));
    ck_assert_uint_eq(pkb_len(p), 0);
    pkb_free(s, p);
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_put_and_trim)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb *p = pkb_alloc(s, 10);
    ck_assert_ptr_nonnull(pkb_put(p, 10));
    ck_assert_ptr_null(pkb_put(p, 1));
    pkb_trim(p, 4);
    ck_assert_uint_eq(pkb_len(p), 4);
    pkb_trim(p, 8); /* trim never grows */
    ck_assert_uint_eq(pkb_len(p), 4);
    pkb_free(s, p);
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_holds_a_64k_gso_frame)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb *p = pkb_alloc(s, 65536);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(pkb_put(p, 65536));
    ck_assert_ptr_nonnull(pkb_push(p, 14 + 20 + 20));
    pkb_free(s, p);
    ck_assert_ptr_null(pkb_alloc(s, PKB_MAX_DATA + 1));
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_copy_keeps_offsets_and_bytes)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb *p = pkb_from(s, "abcdefgh", 8);
    pkb_set_l4(p);
    pkb_push(p, 20);
    memset(p->data, 0x45, 20);
    pkb_set_l3(p);
    struct pkb *q = pkb_copy(s, p);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(q->data, p->data);
    ck_assert_uint_eq(pkb_len(q), 28);
    ck_assert_uint_eq(pkb_headroom(q), pkb_headroom(p));
    ck_assert_mem_eq(pkb_l3(q), pkb_l3(p), 28);
    ck_assert_mem_eq(pkb_l4(q), "abcdefgh", 8);
    pkb_free(s, p);
    pkb_free(s, q);
    free_stack(s, c);
}
END_TEST

START_TEST(test_pkb_queue_is_fifo_and_counts)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    struct pkb_queue q = {0};
    struct pkb *a = pkb_from(s, "a", 1), *b = pkb_from(s, "bb", 2), *d = pkb_from(s, "ddd", 3);
    pkb_queue_push(&q, a);
    pkb_queue_push(&q, b);
    pkb_queue_push(&q, d);
    ck_assert_uint_eq(q.count, 3);
    ck_assert_uint_eq(q.bytes, 6);
    ck_assert_ptr_eq(pkb_queue_pop(&q), a);
    ck_assert_uint_eq(q.bytes, 5);
    pkb_free(s, a);
    pkb_queue_purge(s, &q);
    ck_assert_uint_eq(q.count, 0);
    ck_assert_uint_eq(q.bytes, 0);
    ck_assert_ptr_null(pkb_queue_pop(&q));
    free_stack(s, c);
}
END_TEST

START_TEST(test_mem_limit_refuses_and_counts)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    s->mem_limit = glass_stack_mem_in_use(s) + 4096;
    struct pkb *p = pkb_alloc(s, 1000);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(pkb_alloc(s, 8000));
    ck_assert_uint_eq(glass_stat(s, "mem.alloc_failed"), 1);
    pkb_free(s, p);
    free_stack(s, c);
}
END_TEST

START_TEST(test_stack_free_reports_a_leak)
{
    struct glass_clock *c;
    struct glass_stack *s = new_stack(&c);
    void *leak = glass_alloc(s, 10);
    ck_assert_ptr_nonnull(leak);
    ck_assert_int_eq(glass_stack_free(s), -1);
    /* The block's owner is gone; give it back to the C library. */
    free((char *)leak - 16);
    glass_clock_free(c);
}
END_TEST

static Suite *pkb_suite(void)
{
    Suite *s = suite_create("pkb");
    TCase *tc = tcase_create("pkb");
    tcase_add_test(tc, test_pkb_alloc_has_headroom_and_no_data);
    tcase_add_test(tc, test_pkb_push_prepends_headers_without_copy);
    tcase_add_test(tc, test_pkb_push_past_headroom_fails_and_changes_nothing);
    tcase_add_test(tc, test_pkb_pull_refuses_more_than_len);
    tcase_add_test(tc, test_pkb_put_and_trim);
    tcase_add_test(tc, test_pkb_holds_a_64k_gso_frame);
    tcase_add_test(tc, test_pkb_copy_keeps_offsets_and_bytes);
    tcase_add_test(tc, test_pkb_queue_is_fifo_and_counts);
    tcase_add_test(tc, test_mem_limit_refuses_and_counts);
    tcase_add_test(tc, test_stack_free_reports_a_leak);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(pkb_suite());
}
