/*
 * check_impair.c - the impairment engine (drivers/impair.c): a netem of
 * glass's own, driven by the stack's virtual clock.
 *
 * The engine sits on the harness's fake interface and hands due frames to
 * a recorder instead of the stack, so each test sees exactly which frame
 * came out, in which direction, when.  Every frame carries its number in
 * its first bytes.  The fates of a seeded run are checked twice: against
 * a model of the dice written here from the splitmix64 paper (so a wrong
 * draw order or probability scale fails), and against the exact counts of
 * a fixed seed (so any change in the stream fails).
 */
#include "harness.h"

#include <errno.h>
#include <string.h>

#include "drivers.h"
#include "impair.h"
#include "timer.h"

#define FRAME_LEN 60
#define MAX_OUT 8192
/* What seed 42 draws for the 2000 frames of the netem-line test:
 * 3.05% lost, 1.1% duplicated, 9.6% held (the model agrees). */
#define IMPAIR_SEED42_LOST 61
#define IMPAIR_SEED42_DUP 22
#define IMPAIR_SEED42_HELD 187

struct out {
    enum impair_dir dir;
    uint32_t id;
    glass_time_t at;
};

static struct out outs[MAX_OUT];
static size_t nouts;

/* The deliver callback: record and free (the stack never sees them). */
static void record(struct glass_netif *nif, enum impair_dir dir, struct pkb *p)
{
    ck_assert_uint_lt(nouts, MAX_OUT);
    uint32_t id;
    memcpy(&id, p->data, sizeof id);
    outs[nouts++] = (struct out){dir, id, glass_stack_now(nif->stack)};
    pkb_free(nif->stack, p);
}

static struct harness h;
static struct impair *im;

static void start(const struct glass_impair *p)
{
    harness_init(&h);
    nouts = 0;
    glass_stack_lock(h.stack);
    im = impair_new(h.nif, p, record);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_nonnull(im);
}

static void finish(void)
{
    glass_stack_lock(h.stack);
    impair_free(im);
    glass_stack_unlock(h.stack);
    harness_fini(&h);
}

static struct pkb *frame(uint32_t id)
{
    uint8_t bytes[FRAME_LEN] = {0};
    memcpy(bytes, &id, sizeof id);
    struct pkb *p = pkb_from(h.stack, bytes, sizeof bytes);
    ck_assert_ptr_nonnull(p);
    return p;
}

static void rx(uint32_t id)
{
    glass_stack_lock(h.stack);
    impair_rx(im, frame(id));
    glass_stack_unlock(h.stack);
}

/* Returns how many copies the driver would write at once. */
static unsigned tx(uint32_t id)
{
    struct pkb *p = frame(id);
    glass_stack_lock(h.stack);
    unsigned n = impair_tx(im, p);
    pkb_free(h.stack, p);
    glass_stack_unlock(h.stack);
    return n;
}

/* ---- a model of the dice, from the paper, not from impair.c --------------- */

static uint64_t model_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The high 32 bits scaled to 0..999999 (Lemire's multiply-shift). */
static bool model_chance(uint64_t *x, unsigned ppm)
{
    return (((model_next(x) >> 32) * 1000000ULL) >> 32) < ppm;
}

/* ---- tests ------------------------------------------------------------------- */

START_TEST(impair_off_means_all_zero)
{
    struct glass_impair p = {0};
    ck_assert(impair_is_off(&p));
    p.seed = 7;                 /* a seed alone impairs nothing */
    ck_assert(impair_is_off(&p));
    p.reorder_ppm = 100000;     /* reordering without a hold moves nothing */
    ck_assert(impair_is_off(&p));
    p.reorder_delay = 1000;
    ck_assert(!impair_is_off(&p));
    struct glass_impair q = {.delay = 1};
    ck_assert(!impair_is_off(&q));
}
END_TEST

/* The harness's fake interface is no tap: glass_netif_impair refuses it
 * with EOPNOTSUPP, and a probability over 100% with EINVAL. */
START_TEST(impair_api_refuses_non_tap_and_bad_values)
{
    harness_init(&h);
    struct glass_impair p = {.loss_ppm = 30000};
    errno = 0;
    ck_assert_int_eq(glass_netif_impair(h.nif, &p), -1);
    ck_assert_int_eq(errno, EOPNOTSUPP);
    p.loss_ppm = 1000001;
    errno = 0;
    ck_assert_int_eq(glass_netif_impair(h.nif, &p), -1);
    ck_assert_int_eq(errno, EINVAL);
    harness_fini(&h);
}
END_TEST

/* netem "delay 5ms": nothing comes out before 5 ms, then every frame in
 * the order it went in, both directions. */
START_TEST(impair_delay_holds_frames_until_due_in_order)
{
    start(&(struct glass_impair){.delay = 5000});
    glass_time_t t0 = glass_stack_now(h.stack);
    for (uint32_t i = 0; i < 10; i++) {
        rx(i);
        ck_assert_uint_eq(tx(100 + i), 0);  /* held, not written now */
    }
    harness_advance(&h, 4999);
    ck_assert_uint_eq(nouts, 0);
    harness_advance(&h, 1);
    ck_assert_uint_eq(nouts, 20);
    for (uint32_t i = 0; i < 10; i++) {
        ck_assert_int_eq(outs[i].dir, IMPAIR_RX);
        ck_assert_uint_eq(outs[i].id, i);
        ck_assert_uint_eq(outs[i].at, t0 + 5000);
        ck_assert_int_eq(outs[10 + i].dir, IMPAIR_TX);
        ck_assert_uint_eq(outs[10 + i].id, 100 + i);
    }
    ck_assert_uint_eq(counter(&h, "link.impair_delayed"), 20);
    ck_assert_uint_eq(counter(&h, "link.impair_lost"), 0);
    finish();
}
END_TEST

START_TEST(impair_loss_100_drops_everything)
{
    start(&(struct glass_impair){.loss_ppm = 1000000});
    for (uint32_t i = 0; i < 5; i++) {
        rx(i);
        ck_assert_uint_eq(tx(i), 0);
    }
    harness_advance(&h, GLASS_USEC_PER_SEC);
    ck_assert_uint_eq(nouts, 0);
    ck_assert_uint_eq(counter(&h, "link.impair_lost"), 10);
    finish();
}
END_TEST

/* No delay: a received frame and its duplicate go up at once; a frame to
 * send is written twice by the driver. */
START_TEST(impair_dup_100_without_delay_is_immediate)
{
    start(&(struct glass_impair){.dup_ppm = 1000000});
    rx(7);
    ck_assert_uint_eq(nouts, 2);
    ck_assert_uint_eq(outs[0].id, 7);
    ck_assert_uint_eq(outs[1].id, 7);
    ck_assert_uint_eq(tx(8), 2);
    ck_assert_uint_eq(counter(&h, "link.impair_duplicated"), 2);
    ck_assert_uint_eq(counter(&h, "link.impair_delayed"), 0);
    finish();
}
END_TEST

/* A held frame arrives reorder_delay after the others: frames sent after
 * it overtake it. */
START_TEST(impair_reorder_held_frame_is_overtaken)
{
    start(&(struct glass_impair){.reorder_ppm = 1000000, .reorder_delay = 3000});
    rx(1);                      /* held: due at +3 ms */
    im->params.reorder_ppm = 0; /* the rest go straight through */
    harness_advance(&h, 1000);
    rx(2);
    ck_assert_uint_eq(nouts, 1);
    ck_assert_uint_eq(outs[0].id, 2);
    harness_advance(&h, 2000);
    ck_assert_uint_eq(nouts, 2);
    ck_assert_uint_eq(outs[1].id, 1);
    ck_assert_uint_eq(counter(&h, "link.impair_reordered"), 1);
    finish();
}
END_TEST

/* The netem line of issue 4 with seed 42: 2000 frames, one every 500 us
 * alternating rx/tx.  Each frame's fate matches the model, the delivery
 * times follow from it, and the totals are the exact numbers of this
 * seed. */
START_TEST(impair_seeded_netem_line_matches_model_and_counts)
{
    const struct glass_impair p = {.loss_ppm = 30000, .dup_ppm = 10000, .reorder_ppm = 100000,
                                   .delay = 5000, .reorder_delay = 5000, .seed = 42};
    start(&p);
    uint64_t x = p.seed;
    unsigned lost = 0, dup = 0, held = 0, expect_out = 0;
    static glass_time_t due[2000];
    for (uint32_t i = 0; i < 2000; i++) {
        bool l = model_chance(&x, p.loss_ppm), d = model_chance(&x, p.dup_ppm),
             r = model_chance(&x, p.reorder_ppm);
        glass_time_t now = glass_stack_now(h.stack);
        due[i] = l ? 0 : now + p.delay + (r ? p.reorder_delay : 0);
        lost += l;
        dup += !l && d;
        held += !l && r;
        expect_out += l ? 0 : d ? 2 : 1;
        if (i % 2)
            ck_assert_uint_eq(tx(i), 0);
        else
            rx(i);
        harness_advance(&h, 500);
    }
    harness_advance(&h, 20000);
    ck_assert_uint_eq(nouts, expect_out);
    for (size_t k = 0; k < nouts; k++) {
        ck_assert_uint_ne(due[outs[k].id], 0);
        ck_assert_uint_eq(outs[k].at, due[outs[k].id]);
        ck_assert_int_eq(outs[k].dir, outs[k].id % 2 ? IMPAIR_TX : IMPAIR_RX);
    }
    ck_assert_uint_eq(counter(&h, "link.impair_lost"), lost);
    ck_assert_uint_eq(counter(&h, "link.impair_duplicated"), dup);
    ck_assert_uint_eq(counter(&h, "link.impair_reordered"), held);
    ck_assert_uint_eq(counter(&h, "link.impair_delayed"), 2000 - lost);
    /* The exact draw of seed 42 (changes if the stream does). */
    ck_assert_uint_eq(lost, IMPAIR_SEED42_LOST);
    ck_assert_uint_eq(dup, IMPAIR_SEED42_DUP);
    ck_assert_uint_eq(held, IMPAIR_SEED42_HELD);
    finish();
}
END_TEST

/* Frames still waiting when the interface closes are freed (harness_fini
 * asserts every accounted byte came back). */
START_TEST(impair_free_purges_waiting_frames)
{
    start(&(struct glass_impair){.delay = 1000000, .dup_ppm = 1000000});
    for (uint32_t i = 0; i < 50; i++) {
        rx(i);
        tx(i);
    }
    ck_assert_uint_gt(glass_stack_mem_in_use(h.stack), 200 * FRAME_LEN);
    ck_assert_uint_eq(nouts, 0);
    finish();
}
END_TEST

/* Like a qdisc's limit: a direction holds at most IMPAIR_QUEUE_MAX frames;
 * more count as lost. */
START_TEST(impair_queue_bounded)
{
    start(&(struct glass_impair){.delay = 1000});
    for (uint32_t i = 0; i < IMPAIR_QUEUE_MAX + 10; i++)
        rx(i);
    ck_assert_uint_eq(counter(&h, "link.impair_lost"), 10);
    harness_advance(&h, 1000);
    ck_assert_uint_eq(nouts, IMPAIR_QUEUE_MAX);
    ck_assert_uint_eq(outs[IMPAIR_QUEUE_MAX - 1].id, IMPAIR_QUEUE_MAX - 1);
    finish();
}
END_TEST

/* A frame sent from inside delivery (the stack answering what arrived)
 * is queued and comes out one delay later, like a reply on a real wire. */
static void answer(struct glass_netif *nif, enum impair_dir dir, struct pkb *p)
{
    uint32_t id;
    memcpy(&id, p->data, sizeof id);
    record(nif, dir, p);
    if (dir == IMPAIR_RX) {
        struct pkb *reply = frame(id + 1000);
        ck_assert_uint_eq(impair_tx(im, reply), 0);
        pkb_free(nif->stack, reply);
    }
}

START_TEST(impair_frames_sent_during_delivery_are_queued)
{
    harness_init(&h);
    nouts = 0;
    glass_stack_lock(h.stack);
    im = impair_new(h.nif, &(struct glass_impair){.delay = 2000}, answer);
    glass_stack_unlock(h.stack);
    glass_time_t t0 = glass_stack_now(h.stack);
    rx(5);
    harness_advance(&h, 10000);
    ck_assert_uint_eq(nouts, 2);
    ck_assert_uint_eq(outs[0].at, t0 + 2000);
    ck_assert_uint_eq(outs[1].id, 1005);
    ck_assert_int_eq(outs[1].dir, IMPAIR_TX);
    ck_assert_uint_eq(outs[1].at, t0 + 4000);
    finish();
}
END_TEST

static Suite *impair_suite(void)
{
    Suite *s = suite_create("impair");
    TCase *tc = tcase_create("engine");
    tcase_add_test(tc, impair_off_means_all_zero);
    tcase_add_test(tc, impair_api_refuses_non_tap_and_bad_values);
    tcase_add_test(tc, impair_delay_holds_frames_until_due_in_order);
    tcase_add_test(tc, impair_loss_100_drops_everything);
    tcase_add_test(tc, impair_dup_100_without_delay_is_immediate);
    tcase_add_test(tc, impair_reorder_held_frame_is_overtaken);
    tcase_add_test(tc, impair_seeded_netem_line_matches_model_and_counts);
    tcase_add_test(tc, impair_free_purges_waiting_frames);
    tcase_add_test(tc, impair_queue_bounded);
    tcase_add_test(tc, impair_frames_sent_during_delivery_are_queued);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(impair_suite());
}
