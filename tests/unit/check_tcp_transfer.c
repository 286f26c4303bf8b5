/*
 * check_tcp_transfer.c - bulk transfer between two glass stacks on a loop
 * wire that loses, reorders, duplicates and delays frames, chosen by a
 * seed: 10 MB each way at once through non-blocking sockets, and the
 * bytes that arrive must be exactly the bytes that were sent (a 64-bit
 * FNV-1a digest and the count on each side).  RFC 9293's reliability
 * (retransmission, the out-of-order queue, duplicate detection) and RFC
 * 5681/6582 congestion control are what make it come out right.
 *
 * Virtual time moves only when neither stack nor either program has
 * anything left to do at this instant, so a run repeats exactly and costs
 * only the CPU of the segments themselves.  Every loop is bounded.  At the
 * end both stacks are freed and must return all their memory.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "timer.h"

#define MS GLASS_USEC_PER_MSEC
#define SEC GLASS_USEC_PER_SEC
#define SA(s) ((const struct sockaddr *)&(s))
#define TOTAL (10u * 1000u * 1000u)
#define CHUNK 65536

struct world {
    struct glass_clock *clock;
    struct glass_loop_wire *wire;
    struct glass_stack *s[2];
};

static int world_settle(struct world *w)
{
    int total = 0;
    for (int round = 0; round < 100000; round++) {
        int work = glass_stack_poll(w->s[0], 0) + glass_stack_poll(w->s[1], 0);
        total += work;
        if (work == 0)
            return total;
    }
    ck_abort_msg("stacks kept busy at one instant");
    return total;
}

static glass_time_t world_next_event(struct world *w)
{
    glass_time_t next = TIMER_NEVER;
    for (int i = 0; i < 2; i++) {
        struct glass_stack *s = w->s[i];
        glass_stack_lock(s);
        glass_time_t t = timer_next(s);
        next = t < next ? t : next;
        for (struct glass_netif *nif = s->netifs; nif; nif = nif->next)
            if (nif->ops->next_event) {
                t = nif->ops->next_event(nif);
                next = t < next ? t : next;
            }
        glass_stack_unlock(s);
    }
    return next;
}

/* Time moves to the next event (at least 1 us); false when none is left. */
static bool world_step(struct world *w)
{
    glass_time_t now = glass_clock_now(w->clock);
    glass_time_t next = world_next_event(w);
    if (next == TIMER_NEVER)
        return false;
    glass_clock_advance(w->clock, next > now ? next - now : 1);
    return true;
}

static void world_init(struct world *w, uint64_t seed, const struct glass_loop_params *p)
{
    memset(w, 0, sizeof(*w));
    w->clock = glass_clock_new_virtual(SEC);
    w->wire = glass_loop_wire_new(seed);
    const char *ips[2] = {"10.0.0.1", "10.0.0.2"};
    for (int i = 0; i < 2; i++) {
        w->s[i] = glass_stack_new(w->clock);
        ck_assert_ptr_nonnull(w->s[i]);
        struct glass_netif *nif = glass_loop_attach(w->s[i], w->wire, "loop0");
        ck_assert_ptr_nonnull(nif);
        const uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)};
        ck_assert_int_eq(glass_netif_set_mac(nif, mac), 0);
        ck_assert_int_eq(glass_netif_add_addr(nif, A(ips[i]), 24), 0);
        ck_assert_int_eq(glass_netif_up(nif), 0);
    }
    /* Neighbours known, so the impairments hit TCP, not ARP. */
    for (int i = 0; i < 2; i++) {
        const uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(2 - i)};
        ck_assert_int_eq(glass_arp_add_static(w->s[i], w->s[i]->netifs, A(ips[1 - i]), mac), 0);
    }
    world_settle(w);
    glass_loop_wire_set(w->wire, p);
    if (getenv("H3_TRACE"))
        for (int i = 0; i < 2; i++)
            glass_trace_set(w->s[i], GLASS_TRACE_TCP, stderr);
}

/* ---- the streams ------------------------------------------------------------------ */

/* Byte `off` of direction `dir`: cheap, and different everywhere. */
static void gen(int dir, uint64_t off, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t x = (off + i) * 0x9e3779b97f4a7c15ULL + (uint64_t)dir * 0x632be59bd9b4e019ULL;
        buf[i] = (uint8_t)(x >> 56 ^ x >> 29);
    }
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

struct end {
    int fd;
    uint64_t sent, rcvd;        /* bytes */
    uint64_t sent_hash, rcvd_hash;
    bool shut, eof;
};

/* Push as much as the socket takes; progress made? */
static bool end_send(struct end *e, int dir)
{
    static uint8_t buf[CHUNK];
    bool progress = false;
    while (e->sent < TOTAL) {
        size_t len = (size_t)(TOTAL - e->sent < CHUNK ? TOTAL - e->sent : CHUNK);
        gen(dir, e->sent, buf, len);
        ssize_t n = glass_send(e->fd, buf, len, 0);
        if (n < 0) {
            ck_assert_msg(errno == EAGAIN, "send: %s", strerror(errno));
            break;
        }
        e->sent_hash = fnv1a(e->sent_hash, buf, (size_t)n);
        e->sent += (uint64_t)n;
        progress = true;
    }
    if (e->sent == TOTAL && !e->shut) {
        ck_assert_int_eq(glass_shutdown(e->fd, SHUT_WR), 0);
        e->shut = true;
        progress = true;
    }
    return progress;
}

static bool end_recv(struct end *e)
{
    static uint8_t buf[CHUNK];
    bool progress = false;
    while (!e->eof) {
        ssize_t n = glass_recv(e->fd, buf, sizeof buf, 0);
        if (n < 0) {
            ck_assert_msg(errno == EAGAIN, "recv: %s", strerror(errno));
            break;
        }
        if (n == 0)
            e->eof = true;
        e->rcvd_hash = fnv1a(e->rcvd_hash, buf, (size_t)n);
        e->rcvd += (uint64_t)n;
        progress = true;
    }
    return progress;
}

static void transfer(uint64_t seed, const struct glass_loop_params *p)
{
    struct world w;
    world_init(&w, seed, p);
    int lfd = glass_socket(w.s[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in any = sin_of("0.0.0.0", 5001), to = sin_of("10.0.0.2", 5001);
    ck_assert_int_eq(glass_bind(lfd, SA(any), sizeof any), 0);
    ck_assert_int_eq(glass_listen(lfd, 1), 0);
    struct end e[2] = {{.fd = glass_socket(w.s[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)},
                       {.fd = -1}};
    for (int i = 0; i < 2; i++)
        e[i].sent_hash = e[i].rcvd_hash = FNV_INIT;
    ck_assert_int_eq(glass_connect(e[0].fd, SA(to), sizeof to), -1);
    ck_assert_int_eq(errno, EINPROGRESS);
    long steps = 0;
    for (; steps < 20000000; steps++) {
        bool progress = world_settle(&w) > 0;
        if (e[1].fd < 0 && (e[1].fd = glass_accept(lfd, NULL, NULL)) >= 0) {
            ck_assert_int_eq(glass_fcntl(e[1].fd, F_SETFL, O_NONBLOCK), 0);
            progress = true;
        }
        for (int i = 0; i < 2; i++)
            if (e[i].fd >= 0) {
                progress |= end_send(&e[i], i);
                progress |= end_recv(&e[i]);
            }
        if (e[0].eof && e[1].eof)
            break;
        if (!progress && !world_step(&w))
            ck_abort_msg("transfer stalled: nothing left to happen");
        ck_assert_msg(glass_clock_now(w.clock) < 3600 * SEC, "transfer took an hour of virtual time");
    }
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(e[i].sent, TOTAL);
        ck_assert_uint_eq(e[1 - i].rcvd, TOTAL);
        ck_assert_msg(e[i].sent_hash == e[1 - i].rcvd_hash, "digest of direction %d differs", i);
        ck_assert_int_eq(glass_close(e[i].fd), 0);
    }
    ck_assert_int_eq(glass_close(lfd), 0);
    world_settle(&w);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(glass_stack_free(w.s[i]), 0);
    glass_loop_wire_free(w.wire);
    glass_clock_free(w.clock);
}

START_TEST(rfc9293_3_4_transfer_10mb_each_way_clean_wire)
{
    struct glass_loop_params p = {.delay = 1 * MS};
    transfer(1, &p);
}
END_TEST

START_TEST(rfc6298_rfc5681_transfer_10mb_each_way_1pct_loss)
{
    struct glass_loop_params p = {.loss_ppm = 10000, .delay = 2 * MS};
    transfer(2, &p);
}
END_TEST

START_TEST(rfc6298_rfc5681_transfer_10mb_each_way_5pct_loss_reorder_dup)
{
    struct glass_loop_params p = {.loss_ppm = 50000, .dup_ppm = 10000, .reorder_ppm = 50000,
                                  .delay = 2 * MS, .reorder_delay = 3 * MS};
    transfer(3, &p);
}
END_TEST

START_TEST(rfc6298_rfc5681_transfer_10mb_each_way_20pct_loss_reorder_dup)
{
    struct glass_loop_params p = {.loss_ppm = 200000, .dup_ppm = 20000, .reorder_ppm = 100000,
                                  .delay = 5 * MS, .reorder_delay = 4 * MS};
    transfer(4, &p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcp_transfer");
    TCase *c = tcase_create("transfer");
    tcase_set_timeout(c, 120);
    tcase_add_test(c, rfc9293_3_4_transfer_10mb_each_way_clean_wire);
    tcase_add_test(c, rfc6298_rfc5681_transfer_10mb_each_way_1pct_loss);
    tcase_add_test(c, rfc6298_rfc5681_transfer_10mb_each_way_5pct_loss_reorder_dup);
    tcase_add_test(c, rfc6298_rfc5681_transfer_10mb_each_way_20pct_loss_reorder_dup);
    suite_add_tcase(s, c);
    return harness_run_suite(s);
}
