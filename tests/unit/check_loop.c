/*
 * check_loop.c - the drivers: stacks pinging each other over a loop wire
 * (with seeded loss, duplication, reordering and delay on one shared
 * virtual clock), the driver table, and the TAP driver's error sentences.
 *
 * The TAP data path is exercised in a private network namespace that the
 * test process makes for itself (unshare), so nothing outside the test
 * is touched; where namespaces are not allowed that test says so and
 * checks only what needs no device.
 */
#define _GNU_SOURCE /* unshare() */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arp.h"
#include "drivers.h"
#include "eth.h"
#include "icmp.h"
#include "timer.h"

#define MAX_HOSTS 3
#define MAX_REPLIES 4096
#define PING_ID 0x4711
#define PING_LEN 56

/* ---- a little world: hosts 10.0.0.1.. on one wire, one virtual clock ---- */

struct reply {
    uint16_t id, seq;
    glass_time_t at;            /* virtual time it reached the listener */
    size_t len;
    bool data_ok;               /* the payload we sent came back unchanged */
};

struct host {
    struct glass_stack *s;
    struct glass_netif *nif;
    uint32_t addr;
    uint8_t mac[6];
    struct reply replies[MAX_REPLIES];
    size_t nreplies;
};

struct world {
    struct glass_clock *clock;
    struct glass_loop_wire *wire;
    struct host h[MAX_HOSTS];
    unsigned n;
    struct glass_loop_counters base; /* wire counters once set up */
};

/* Payload of echo `seq`: recognisable and different per seq. */
static void ping_payload(uint8_t *buf, uint16_t seq)
{
    for (size_t k = 0; k < PING_LEN; k++)
        buf[k] = (uint8_t)(seq + k);
}

static void on_icmp(void *arg, const struct glass_icmp_event *ev)
{
    struct host *h = arg;
    if (ev->type != ICMP_ECHO_REPLY)
        return;
    ck_assert_uint_lt(h->nreplies, MAX_REPLIES);
    uint8_t want[PING_LEN];
    ping_payload(want, ev->seq);
    h->replies[h->nreplies++] = (struct reply){
        .id = ev->id,
        .seq = ev->seq,
        .at = glass_stack_now(h->s),
        .len = ev->len,
        .data_ok = ev->len == PING_LEN && memcmp(ev->data, want, PING_LEN) == 0,
    };
}

/* Every stack runs until none has anything left to do at this instant. */
static void world_settle(struct world *w)
{
    for (int round = 0; round < 10000; round++) {
        int work = 0;
        for (unsigned i = 0; i < w->n; i++)
            if (w->h[i].s)
                work += glass_stack_poll(w->h[i].s, 0);
        if (work == 0)
            return;
    }
    ck_abort_msg("stacks kept busy at one instant");
}

/* The earliest timer or wire frame of any stack (what glass_stack_poll
 * itself waits for). */
static glass_time_t world_next_event(struct world *w)
{
    glass_time_t next = TIMER_NEVER;
    for (unsigned i = 0; i < w->n; i++) {
        struct glass_stack *s = w->h[i].s;
        if (!s)
            continue;
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

/* Let `duration` of virtual time pass, stepping the clock from one event
 * to the next so every frame is delivered exactly at its due time. */
static void world_run(struct world *w, glass_time_t duration)
{
    glass_time_t end = glass_clock_now(w->clock) + duration;
    for (int guard = 0; guard < 1000000; guard++) {
        world_settle(w);
        glass_time_t now = glass_clock_now(w->clock);
        glass_time_t next = world_next_event(w);
        if (next > end)
            next = end;
        if (next <= now) {
            if (now >= end)
                return;
            next = now + 1;  /* a timer not yet run this instant: move on */
        }
        glass_clock_advance(w->clock, next - now);
    }
    ck_abort_msg("world_run: events without end");
}

static void world_init(struct world *w, uint64_t seed, unsigned n)
{
    memset(w, 0, sizeof(*w));
    w->clock = glass_clock_new_virtual(GLASS_USEC_PER_SEC);
    w->wire = glass_loop_wire_new(seed);
    ck_assert_ptr_nonnull(w->clock);
    ck_assert_ptr_nonnull(w->wire);
    w->n = n;
    for (unsigned i = 0; i < n; i++) {
        struct host *h = &w->h[i];
        char ip[24];
        snprintf(ip, sizeof ip, "10.0.0.%u", i + 1);
        h->addr = A(ip);
        const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)(i + 1)};
        memcpy(h->mac, mac, 6);
        h->s = glass_stack_new(w->clock);
        ck_assert_ptr_nonnull(h->s);
        h->nif = glass_loop_attach(h->s, w->wire, "loop0");
        ck_assert_ptr_nonnull(h->nif);
        ck_assert_str_eq(driver_kind(h->nif), "loop");
        ck_assert_int_eq(glass_netif_set_mac(h->nif, h->mac), 0);
        ck_assert_int_eq(glass_netif_add_addr(h->nif, h->addr, 24), 0);
        ck_assert_int_eq(glass_netif_up(h->nif), 0);
        glass_icmp_set_listener(h->s, on_icmp, h);
    }
    world_settle(w); /* the gratuitous ARPs of coming up */
    glass_loop_wire_counters(w->wire, &w->base);
}

/* Neighbours known without asking, so only echoes cross the wire. */
static void world_static_arp(struct world *w)
{
    for (unsigned i = 0; i < w->n; i++)
        for (unsigned j = 0; j < w->n; j++)
            if (i != j)
                ck_assert_int_eq(
                    glass_arp_add_static(w->h[i].s, w->h[i].nif, w->h[j].addr, w->h[j].mac), 0);
}

static void world_set(struct world *w, unsigned loss, unsigned dup, unsigned reorder,
                      glass_time_t delay, glass_time_t reorder_delay)
{
    struct glass_loop_params p = {
        .loss_ppm = loss,
        .dup_ppm = dup,
        .reorder_ppm = reorder,
        .delay = delay,
        .reorder_delay = reorder_delay,
    };
    glass_loop_wire_set(w->wire, &p);
}

/* Wire counters since world_init. */
static struct glass_loop_counters world_counters(struct world *w)
{
    struct glass_loop_counters c;
    glass_loop_wire_counters(w->wire, &c);
    c.sent -= w->base.sent;
    c.delivered -= w->base.delivered;
    c.lost -= w->base.lost;
    c.duplicated -= w->base.duplicated;
    c.reordered -= w->base.reordered;
    return c;
}

static void world_fini(struct world *w)
{
    for (unsigned i = 0; i < w->n; i++)
        if (w->h[i].s)
            ck_assert_int_eq(glass_stack_free(w->h[i].s), 0);
    glass_loop_wire_free(w->wire);
    glass_clock_free(w->clock);
}

static void ping(struct world *w, unsigned from, unsigned to, uint16_t seq)
{
    uint8_t data[PING_LEN];
    ping_payload(data, seq);
    ck_assert_int_eq(
        glass_icmp_echo_send(w->h[from].s, w->h[to].addr, PING_ID, seq, data, PING_LEN, 0), 0);
}

static uint64_t host_stat(struct world *w, unsigned i, const char *name)
{
    return glass_stat(w->h[i].s, name);
}

/* ---- two stacks, a clean wire -------------------------------------------- */

/* RFC 826 + RFC 792: the first echo waits for one ARP exchange (the target
 * learns the asker from the request, so it never asks back); then every
 * echo is answered, in order, with its own seq and payload. */
START_TEST(test_loop_two_stacks_arp_then_every_ping_answered)
{
    struct world w;
    world_init(&w, 1, 2);
    const unsigned N = 20;
    uint64_t a_tx0 = w.h[0].nif->cnt.tx_packets, b_rx0 = w.h[1].nif->cnt.rx_packets;
    for (unsigned i = 0; i < N; i++) {
        ping(&w, 0, 1, (uint16_t)i);
        world_run(&w, 10 * GLASS_USEC_PER_MSEC);
        ck_assert_uint_eq(w.h[0].nreplies, i + 1);
    }
    for (unsigned i = 0; i < N; i++) {
        ping(&w, 1, 0, (uint16_t)(100 + i));
        world_run(&w, 10 * GLASS_USEC_PER_MSEC);
    }
    for (unsigned i = 0; i < N; i++) {
        const struct reply *r = &w.h[0].replies[i];
        ck_assert_uint_eq(r->id, PING_ID);
        ck_assert_uint_eq(r->seq, i);
        ck_assert(r->data_ok);
        ck_assert_uint_eq(w.h[1].replies[i].seq, 100 + i);
        ck_assert(w.h[1].replies[i].data_ok);
    }
    ck_assert_uint_eq(w.h[1].nreplies, N);

    ck_assert_uint_eq(host_stat(&w, 0, "arp.tx_request"), 1);
    ck_assert_uint_eq(host_stat(&w, 1, "arp.tx_reply"), 1);
    ck_assert_uint_eq(host_stat(&w, 1, "arp.tx_request"), 0);
    ck_assert_uint_eq(host_stat(&w, 1, "icmp.rx_echo_request"), N);
    ck_assert_uint_eq(host_stat(&w, 0, "icmp.rx_echo_request"), N);

    /* 2 ARP + 2N echoes each way; a clean two-port wire loses nothing. */
    struct glass_loop_counters c = world_counters(&w);
    ck_assert_uint_eq(c.sent, 2 + 4 * N);
    ck_assert_uint_eq(c.delivered, c.sent);
    ck_assert_uint_eq(c.lost, 0);
    ck_assert_uint_eq(c.duplicated, 0);
    ck_assert_uint_eq(c.reordered, 0);
    ck_assert_uint_eq(w.h[0].nif->cnt.tx_packets - a_tx0, 1 + 2 * N);
    ck_assert_uint_eq(w.h[1].nif->cnt.rx_packets - b_rx0, 1 + 2 * N);
    world_fini(&w);
}
END_TEST

/* With no delay a frame is due the instant it is sent: the reply is seen
 * at the very virtual time the request left. */
START_TEST(test_loop_zero_delay_reply_same_instant)
{
    struct world w;
    world_init(&w, 1, 2);
    world_static_arp(&w);
    glass_time_t t0 = glass_clock_now(w.clock);
    ping(&w, 0, 1, 7);
    world_run(&w, GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(w.h[0].nreplies, 1);
    ck_assert_uint_eq(w.h[0].replies[0].at, t0);
    world_fini(&w);
}
END_TEST

/* ---- impairments ---------------------------------------------------------- */

struct lossy_run {
    unsigned answered;
    struct glass_loop_counters c;
    uint64_t b_rx_request, b_tx_reply, a_rx_reply;
    uint8_t got[100];           /* got[seq]: replies for seq */
};

/* 100 echoes over a wire losing 10% of frames, one at a time (the next
 * leaves 10 ms after the last, on a zero-delay wire). */
static void lossy_run(uint64_t seed, struct lossy_run *out)
{
    struct world w;
    const unsigned N = 100;
    memset(out, 0, sizeof(*out));
    world_init(&w, seed, 2);
    world_static_arp(&w);
    world_set(&w, 100000, 0, 0, 0, 0);
    for (unsigned i = 0; i < N; i++) {
        size_t before = w.h[0].nreplies;
        ping(&w, 0, 1, (uint16_t)i);
        world_run(&w, 10 * GLASS_USEC_PER_MSEC);
        /* Whatever arrives in echo i's window is the reply to echo i. */
        for (size_t k = before; k < w.h[0].nreplies; k++) {
            ck_assert_uint_eq(w.h[0].replies[k].seq, i);
            ck_assert_uint_eq(w.h[0].replies[k].id, PING_ID);
            ck_assert(w.h[0].replies[k].data_ok);
            out->got[i]++;
        }
    }
    out->answered = (unsigned)w.h[0].nreplies;
    out->c = world_counters(&w);
    out->b_rx_request = host_stat(&w, 1, "icmp.rx_echo_request");
    out->b_tx_reply = host_stat(&w, 1, "icmp.tx_echo_reply");
    out->a_rx_reply = host_stat(&w, 0, "icmp.rx_echo_reply");
    world_fini(&w);
}

/* Seed 42, 10% loss: exactly these frames are lost, and the books
 * balance: every frame on the wire is an echo request or its reply. */
START_TEST(test_loop_loss_seeded_counts_exact)
{
    struct lossy_run r;
    lossy_run(42, &r);
    const unsigned N = 100;

    /* What seed 42 gives (splitmix64, three draws per copy): 10 requests
     * and 9 replies lost.  A change here means the wire's dice changed. */
    ck_assert_uint_eq(r.b_rx_request, 90);
    ck_assert_uint_eq(r.answered, 81);
    ck_assert_uint_eq(r.c.lost, 19);

    /* Consistency: lost requests + lost replies = lost frames. */
    ck_assert_uint_eq(r.b_tx_reply, r.b_rx_request);
    ck_assert_uint_eq(r.a_rx_reply, r.answered);
    ck_assert_uint_eq(r.c.sent, N + r.b_tx_reply);
    ck_assert_uint_eq(r.c.lost, (N - r.b_rx_request) + (r.b_tx_reply - r.answered));
    ck_assert_uint_eq(r.c.delivered, r.c.sent - r.c.lost);
    ck_assert_uint_eq(r.c.duplicated, 0);
    unsigned seen = 0;
    for (unsigned i = 0; i < N; i++) {
        ck_assert_uint_le(r.got[i], 1);
        seen += r.got[i];
    }
    ck_assert_uint_eq(seen, r.answered);
    ck_assert_uint_lt(r.answered, N);
}
END_TEST

/* Same seed, same run; another seed, another run. */
START_TEST(test_loop_seed_repeats_run)
{
    struct lossy_run a, b, c;
    lossy_run(42, &a);
    lossy_run(42, &b);
    lossy_run(4242, &c);
    ck_assert_mem_eq(a.got, b.got, sizeof a.got);
    ck_assert_uint_eq(a.c.lost, b.c.lost);
    ck_assert_uint_eq(a.c.sent, b.c.sent);
    ck_assert(memcmp(a.got, c.got, sizeof a.got) != 0);
}
END_TEST

/* Every copy duplicated: the request arrives twice, each is answered, and
 * each answer arrives twice: four replies per echo, all counted. */
START_TEST(test_loop_duplication_duplicate_replies_counted)
{
    struct world w;
    world_init(&w, 5, 2);
    world_static_arp(&w);
    world_set(&w, 0, 1000000, 0, 0, 0);
    const unsigned N = 5;
    for (unsigned i = 0; i < N; i++) {
        ping(&w, 0, 1, (uint16_t)i);
        world_run(&w, 10 * GLASS_USEC_PER_MSEC);
    }
    ck_assert_uint_eq(w.h[0].nreplies, 4 * N);
    for (unsigned i = 0; i < 4 * N; i++) {
        ck_assert_uint_eq(w.h[0].replies[i].seq, i / 4);
        ck_assert(w.h[0].replies[i].data_ok);
    }
    ck_assert_uint_eq(host_stat(&w, 1, "icmp.rx_echo_request"), 2 * N);
    ck_assert_uint_eq(host_stat(&w, 1, "icmp.tx_echo_reply"), 2 * N);
    ck_assert_uint_eq(host_stat(&w, 0, "icmp.rx_echo_reply"), 4 * N);
    struct glass_loop_counters c = world_counters(&w);
    ck_assert_uint_eq(c.sent, 3 * N);          /* N requests, 2N replies */
    ck_assert_uint_eq(c.duplicated, 3 * N);
    ck_assert_uint_eq(c.delivered, c.sent + c.duplicated);
    ck_assert_uint_eq(c.lost, 0);
    world_fini(&w);
}
END_TEST

/* A one-way delay d: the request arrives at t0+d (not a microsecond
 * sooner) and the reply at t0+2d. */
START_TEST(test_loop_delay_shifts_reply_by_twice_delay)
{
    struct world w;
    const glass_time_t d = 5 * GLASS_USEC_PER_MSEC;
    world_init(&w, 3, 2);
    world_static_arp(&w);
    world_set(&w, 0, 0, 0, d, 0);
    glass_time_t t0 = glass_clock_now(w.clock);
    ping(&w, 0, 1, 1);
    world_run(&w, d - 1);
    ck_assert_uint_eq(host_stat(&w, 1, "icmp.rx_echo_request"), 0);
    world_run(&w, 1);
    ck_assert_uint_eq(host_stat(&w, 1, "icmp.rx_echo_request"), 1);
    ck_assert_uint_eq(w.h[0].nreplies, 0);
    world_run(&w, 100 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(w.h[0].nreplies, 1);
    ck_assert_uint_eq(w.h[0].replies[0].at - t0, 2 * d);
    world_fini(&w);
}
END_TEST

/* Half the copies held back by 3 ms on a 1 ms wire: each reply comes
 * 2 ms, 5 ms or 8 ms after its echo, the held-back count explains every
 * extra 3 ms, and later echoes overtake earlier ones. */
START_TEST(test_loop_reorder_held_frames_overtaken)
{
    struct world w;
    const glass_time_t d = 1 * GLASS_USEC_PER_MSEC, hold = 3 * GLASS_USEC_PER_MSEC;
    const unsigned N = 16;
    world_init(&w, 7, 2);
    world_static_arp(&w);
    world_set(&w, 0, 0, 500000, d, hold);
    glass_time_t t0 = glass_clock_now(w.clock);
    for (unsigned i = 0; i < N; i++)
        ping(&w, 0, 1, (uint16_t)i);
    world_run(&w, 100 * GLASS_USEC_PER_MSEC);

    ck_assert_uint_eq(w.h[0].nreplies, N);
    uint64_t held = 0;
    unsigned out_of_order = 0;
    uint32_t seen = 0;
    for (unsigned i = 0; i < N; i++) {
        const struct reply *r = &w.h[0].replies[i];
        glass_time_t rtt = r->at - t0;
        ck_assert_msg(rtt == 2 * d || rtt == 2 * d + hold || rtt == 2 * d + 2 * hold,
                      "rtt %llu", (unsigned long long)rtt);
        held += (rtt - 2 * d) / hold;
        if (i && r->seq < w.h[0].replies[i - 1].seq)
            out_of_order++;
        ck_assert_uint_lt(r->seq, N);
        seen |= 1u << r->seq;
    }
    ck_assert_uint_eq(seen, (1u << N) - 1);   /* each echo answered once */
    struct glass_loop_counters c = world_counters(&w);
    ck_assert_uint_eq(c.reordered, held);
    ck_assert_uint_eq(c.reordered, 17); /* what seed 7 gives */
    ck_assert_uint_gt(out_of_order, 0);
    ck_assert_uint_eq(c.delivered, c.sent);
    world_fini(&w);
}
END_TEST

/* ---- a hub of three ------------------------------------------------------- */

/* The wire is a hub: C sees every frame A and B exchange.  Its Ethernet
 * layer drops the unicast ones (not its MAC) and its ARP the request for
 * B (RFC 826: not the target, nothing learned); the sender never hears
 * its own frames. */
START_TEST(test_loop_hub_third_stack_sees_every_frame)
{
    struct world w;
    world_init(&w, 9, 3);
    const unsigned N = 4;
    uint64_t c_not_for_us = host_stat(&w, 2, "eth.drop_not_for_us");
    uint64_t c_rx = w.h[2].nif->cnt.rx_packets;
    uint64_t a_rx = w.h[0].nif->cnt.rx_packets;
    for (unsigned i = 0; i < N; i++) {
        ping(&w, 0, 1, (uint16_t)i);
        world_run(&w, 10 * GLASS_USEC_PER_MSEC);
    }
    ck_assert_uint_eq(w.h[0].nreplies, N);
    ck_assert_uint_eq(w.h[2].nreplies, 0);
    /* ARP request (broadcast), ARP reply, N echoes, N replies */
    ck_assert_uint_eq(w.h[2].nif->cnt.rx_packets - c_rx, 2 + 2 * N);
    ck_assert_uint_eq(host_stat(&w, 2, "eth.drop_not_for_us") - c_not_for_us, 1 + 2 * N);
    ck_assert_uint_eq(host_stat(&w, 2, "arp.drop_not_for_us"), 1);
    ck_assert_uint_eq(host_stat(&w, 2, "icmp.rx"), 0);
    ck_assert_uint_eq(w.h[0].nif->cnt.rx_packets - a_rx, 1 + N);
    struct glass_loop_counters c = world_counters(&w);
    ck_assert_uint_eq(c.sent, 2 + 2 * N);
    ck_assert_uint_eq(c.delivered, 2 * c.sent);

    /* and C can talk to A on the same wire */
    ping(&w, 2, 0, 99);
    world_run(&w, 10 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(w.h[2].nreplies, 1);
    ck_assert_uint_eq(w.h[2].replies[0].seq, 99);
    world_fini(&w);
}
END_TEST

/* ---- memory and detaching ------------------------------------------------- */

/* A frame in flight is the receiver's memory: B's accounting grows when A
 * sends, before B has run at all; A's does not keep it. */
START_TEST(test_loop_copies_charged_to_receiver)
{
    struct world w;
    world_init(&w, 11, 2);
    world_static_arp(&w);
    world_set(&w, 0, 0, 0, GLASS_USEC_PER_MSEC, 0);
    size_t a0 = glass_stack_mem_in_use(w.h[0].s);
    size_t b0 = glass_stack_mem_in_use(w.h[1].s);
    ping(&w, 0, 1, 1);
    size_t frame = ETH_HLEN + 20 + ICMP_HLEN + PING_LEN;
    ck_assert_uint_ge(glass_stack_mem_in_use(w.h[1].s) - b0, sizeof(struct pkb) + frame);
    ck_assert_uint_eq(glass_stack_mem_in_use(w.h[0].s), a0);
    world_run(&w, 10 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(w.h[0].nreplies, 1);
    world_fini(&w);
}
END_TEST

/* Freeing a stack with frames still on their way to it returns every
 * byte (its port's queue is purged) and takes its port off the wire:
 * later frames reach nobody and nothing breaks. */
START_TEST(test_loop_free_with_frames_in_flight)
{
    struct world w;
    world_init(&w, 13, 2);
    world_static_arp(&w);
    world_set(&w, 0, 0, 0, 50 * GLASS_USEC_PER_MSEC, 0);
    for (unsigned i = 0; i < 3; i++)
        ping(&w, 0, 1, (uint16_t)i);
    world_run(&w, GLASS_USEC_PER_MSEC);
    ck_assert_uint_gt(glass_stack_mem_in_use(w.h[1].s), 0);
    ck_assert_int_eq(glass_stack_free(w.h[1].s), 0);
    w.h[1].s = NULL;

    struct glass_loop_counters before = world_counters(&w);
    ping(&w, 0, 1, 3);
    world_run(&w, 100 * GLASS_USEC_PER_MSEC);
    struct glass_loop_counters after = world_counters(&w);
    ck_assert_uint_eq(after.sent, before.sent + 1);
    ck_assert_uint_eq(after.delivered, before.delivered);
    ck_assert_uint_eq(w.h[0].nreplies, 0);
    world_fini(&w);
}
END_TEST

/* A port's queue is bounded: copies past LOOP_QUEUE_MAX are lost. */
START_TEST(test_loop_queue_bounded)
{
    struct world w;
    world_init(&w, 17, 2);
    world_static_arp(&w);
    world_set(&w, 0, 0, 0, GLASS_USEC_PER_SEC, 0);
    const unsigned extra = 10;
    for (unsigned i = 0; i < LOOP_QUEUE_MAX + extra; i++)
        ping(&w, 0, 1, (uint16_t)i);
    struct glass_loop_counters c = world_counters(&w);
    ck_assert_uint_eq(c.sent, LOOP_QUEUE_MAX + extra);
    ck_assert_uint_eq(c.lost, extra);
    world_run(&w, 3 * GLASS_USEC_PER_SEC);
    ck_assert_uint_eq(host_stat(&w, 1, "icmp.rx_echo_request"), LOOP_QUEUE_MAX);
    ck_assert_uint_eq(w.h[0].nreplies, LOOP_QUEUE_MAX);
    world_fini(&w);
}
END_TEST

/* An interface that is down drops what the wire brings (and counts it). */
START_TEST(test_loop_down_interface_drops)
{
    struct world w;
    world_init(&w, 19, 2);
    world_static_arp(&w);
    ck_assert_int_eq(glass_netif_down(w.h[1].nif), 0);
    world_static_arp(&w); /* going down forgot B's neighbours */
    ping(&w, 0, 1, 1);
    world_run(&w, 10 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_eq(w.h[0].nreplies, 0);
    ck_assert_uint_eq(host_stat(&w, 1, "eth.drop_iface_down"), 1);
    ck_assert_uint_eq(w.h[1].nif->cnt.rx_dropped, 1);
    world_fini(&w);
}
END_TEST

/* ---- the driver table ------------------------------------------------------ */

static struct glass_netif *open_err(struct glass_stack *s, const char *drv, const char *name,
                                    char *err, size_t len)
{
    err[0] = '\0';
    errno = 0;
    return glass_netif_open(s, drv, name, err, len);
}

START_TEST(test_driver_unknown_named_with_known_list)
{
    struct glass_stack *s = glass_stack_new(NULL);
    char err[256];
    ck_assert_ptr_null(open_err(s, "bogus", "x0", err, sizeof err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "unknown driver 'bogus' (known: tap)");
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

START_TEST(test_driver_loop_by_name_points_to_code)
{
    struct glass_stack *s = glass_stack_new(NULL);
    char err[256];
    ck_assert_ptr_null(open_err(s, "loop", "loop0", err, sizeof err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "the loop driver joins stacks inside one program and cannot be opened "
                          "by name: attach it from code with glass_loop_attach()");
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

/* A short err buffer gets a cut, terminated sentence. */
START_TEST(test_driver_error_fits_buffer)
{
    struct glass_stack *s = glass_stack_new(NULL);
    char err[12];
    ck_assert_ptr_null(open_err(s, "bogus", "x0", err, sizeof err));
    ck_assert_str_eq(err, "unknown dri");
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

/* Linux names are at most IFNAMSIZ-1 = 15 bytes: said before any device
 * is touched. */
START_TEST(test_tap_name_too_long)
{
    struct glass_stack *s = glass_stack_new(NULL);
    char err[256];
    ck_assert_ptr_null(open_err(s, "tap", "tap-with-a-long-name", err, sizeof err));
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_str_eq(err, "interface name 'tap-with-a-long-name' is too long: Linux allows at "
                          "most 15 characters");
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

START_TEST(test_tap_name_invalid)
{
    struct glass_stack *s = glass_stack_new(NULL);
    char err[256];
    ck_assert_ptr_null(open_err(s, "tap", "a/b", err, sizeof err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "'a/b' is not a valid interface name (no '/', ':' or spaces)");
    ck_assert_ptr_null(open_err(s, "tap", "", err, sizeof err));
    ck_assert_str_eq(err, "an interface needs a driver and a name, as in tap:tap0");
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

/* ---- TAP in a private network namespace ---------------------------------- */

enum ns_kind { NS_NONE, NS_ROOT, NS_USER };

/* Leave the host's network namespace for a fresh one of this test process
 * only (it dies with the process).  Root: unshare(CLONE_NEWNET).  Others:
 * a user namespace too, where we map ourselves to root.  Never without
 * Check's fork mode: the test must not move the whole runner. */
static enum ns_kind enter_private_netns(void)
{
    const char *fork_mode = getenv("CK_FORK");
    if (fork_mode && strcmp(fork_mode, "no") == 0)
        return NS_NONE;
    if (unshare(CLONE_NEWNET) == 0)
        return NS_ROOT;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
        return NS_NONE;
    char map[64];
    FILE *f;
    if ((f = fopen("/proc/self/setgroups", "w"))) {
        fputs("deny", f);
        fclose(f);
    }
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    if (!(f = fopen("/proc/self/uid_map", "w")))
        return NS_NONE;
    fputs(map, f);
    fclose(f);
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    if (!(f = fopen("/proc/self/gid_map", "w")))
        return NS_NONE;
    fputs(map, f);
    fclose(f);
    return NS_USER;
}

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(s, 0);
    snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
    int rc = ioctl(s, req, ifr);
    close(s);
    return rc;
}

/* A persistent tap made the way `ip tuntap add` does, with TSO/checksum
 * offloads on as a previous program might have left them. */
static void make_persistent_tap(const char *name, int mtu, long owner)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    ck_assert_int_eq(ioctl(fd, TUNSETIFF, &ifr), 0);
    ck_assert_int_eq(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), 0);
    if (owner >= 0)
        ck_assert_int_eq(ioctl(fd, TUNSETOWNER, owner), 0);
    ck_assert_int_eq(ioctl(fd, TUNSETPERSIST, 1), 0);
    close(fd);
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_mtu = mtu;
    ck_assert_int_eq(ifreq_ioctl(name, SIOCSIFMTU, &ifr), 0);
}

/* Is TCP segmentation offload on for the device (ethtool -k)? */
static int tso_enabled(const char *name)
{
    struct ethtool_value ev = {.cmd = ETHTOOL_GTSO};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_data = (void *)&ev;
    ck_assert_int_eq(ifreq_ioctl(name, SIOCETHTOOL, &ifr), 0);
    return (int)ev.data;
}

/* An AF_PACKET socket on the kernel side of the tap: what a test bench
 * uses to put frames on the "cable" and see what glass sends back. */
static int kernel_side_socket(const char *name)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0003 /* ETH_P_ALL */));
    ck_assert_int_ge(fd, 0);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(0x0003),
        .sll_ifindex = (int)if_nametoindex(name),
    };
    ck_assert_int_gt(sll.sll_ifindex, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sll, sizeof sll), 0);
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* From the cable, an ARP request for 10.0.0.2: glass must read it from the
 * tap fd and write its reply back (RFC 826), on a real clock with a
 * bounded wait. */
static void tap_arp_round_trip(struct glass_stack *s, const char *name)
{
    int ks = kernel_side_socket(name);
    uint8_t f[60] = {0};
    build_arp_frame(f, ARP_OP_REQUEST, H_PEER_MAC, A(H_PEER_IP), (const uint8_t[6]){0}, A(H_OUR_IP));
    ck_assert_int_eq(send(ks, f, sizeof f, 0), (ssize_t)sizeof f);
    for (int i = 0; i < 20 && glass_stat(s, "arp.tx_reply") == 0; i++)
        glass_stack_poll(s, 100);
    ck_assert_uint_eq(glass_stat(s, "arp.tx_reply"), 1);

    bool found = false;
    uint8_t buf[2048];
    for (int i = 0; i < 50 && !found; i++) {
        ssize_t n = recv(ks, buf, sizeof buf, 0);
        ck_assert_int_gt(n, 0);
        if (n >= ETH_HLEN + ARP_HLEN && get_be16(buf + 12) == ETH_P_ARP &&
            get_be16(buf + 14 + 6) == ARP_OP_REPLY && memcmp(buf + 6, H_OUR_MAC, 6) == 0) {
            ck_assert_mem_eq(buf, H_PEER_MAC, 6);
            ck_assert_uint_eq(get_addr(buf + 14 + 14), A(H_OUR_IP));
            ck_assert_uint_eq(get_addr(buf + 14 + 24), A(H_PEER_IP));
            found = true;
        }
    }
    ck_assert(found);
    close(ks);
}

/* Drop every capability: from here on we are an ordinary user. */
static void drop_all_capabilities(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    ck_assert_int_eq(syscall(SYS_capset, &hdr, data), 0);
}

/* Why the TAP device tests cannot run here, or NULL when they can. */
static const char *tap_tests_impossible(enum ns_kind ns)
{
    const char *fork_mode = getenv("CK_FORK");
    if (fork_mode && strcmp(fork_mode, "no") == 0)
        return "CK_FORK=no (a namespace would move the whole runner)";
    if (ns == NS_NONE)
        return "no private network namespace can be made";
    if (access("/dev/net/tun", R_OK | W_OK) < 0)
        return "/dev/net/tun is not usable";
    return NULL;
}

START_TEST(test_tap_private_netns_create_attach_errors)
{
    enum ns_kind ns = enter_private_netns();
    const char *why = tap_tests_impossible(ns);
    if (why) {
        fprintf(stderr, "check_loop: %s: TAP device test skipped\n", why);
        return;
    }
    char err[256];
    struct glass_stack *s = glass_stack_new(NULL);

    /* Not there yet: created (CAP_NET_ADMIN in this namespace), kernel side
     * brought up, MTU from the kernel side, our own MAC. */
    ck_assert_uint_eq(if_nametoindex("gtap0"), 0);
    struct glass_netif *nif = open_err(s, "tap", "gtap0", err, sizeof err);
    ck_assert_msg(nif != NULL, "%s", err);
    ck_assert_str_eq(driver_kind(nif), "tap");
    ck_assert_str_eq(glass_netif_name(nif), "gtap0");
    ck_assert_uint_eq(glass_netif_mtu(nif), 1500);
    ck_assert_int_ge(nif->ops->fd(nif), 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ck_assert_int_eq(ifreq_ioctl("gtap0", SIOCGIFFLAGS, &ifr), 0);
    ck_assert(ifr.ifr_flags & IFF_UP);

    ck_assert_int_eq(glass_netif_set_mac(nif, H_OUR_MAC), 0);
    ck_assert_int_eq(glass_netif_add_addr(nif, A(H_OUR_IP), 24), 0);
    ck_assert_int_eq(glass_netif_up(nif), 0);
    tap_arp_round_trip(s, "gtap0");

    /* One fd per single-queue tap. */
    struct glass_stack *s2 = glass_stack_new(NULL);
    ck_assert_ptr_null(open_err(s2, "tap", "gtap0", err, sizeof err));
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_str_eq(err, "gtap0 is in use by another program (only one can attach without "
                          "IFF_MULTI_QUEUE)");
    /* Not a tap at all. */
    ck_assert_ptr_null(open_err(s2, "tap", "lo", err, sizeof err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "lo exists but is not a single-queue TAP device: pick another name or "
                          "delete it (ip link del lo)");

    /* Someone else's persistent tap (owner uid 12345), for the permission
     * check below; a user namespace maps only us, so only root tries it. */
    if (ns == NS_ROOT)
        make_persistent_tap("gtap1", 1500, 12345);

    /* Without CAP_NET_ADMIN: nothing is created, and someone else's tap
     * is not ours to take. */
    drop_all_capabilities();
    ck_assert_ptr_null(open_err(s2, "tap", "gtap9", err, sizeof err));
    ck_assert_int_eq(errno, EPERM);
    ck_assert_str_eq(err, "gtap9 does not exist and creating it needs CAP_NET_ADMIN: run "
                          "scripts/netns-up, or ip tuntap add dev gtap9 mode tap user $USER");
    if (ns == NS_ROOT) {
        ck_assert_ptr_null(open_err(s2, "tap", "gtap1", err, sizeof err));
        ck_assert_int_eq(errno, EPERM);
        ck_assert_str_eq(err, "permission denied attaching to gtap1: run scripts/netns-up, or "
                              "ip tuntap add dev gtap1 mode tap user $USER");
    }
    ck_assert_int_eq(glass_stack_free(s2), 0);
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

/* DESIGN.md "TAP facts": offloads stick to a persistent tap, so opening
 * one with offload=off switches them off (no 64 KiB frames for us); the
 * interface takes the kernel side's MTU.  With offloads on (the default)
 * the device is IFF_VNET_HDR with TSO4 accepted, and the interface says
 * so (glass_netif_offload). */
START_TEST(test_tap_persistent_offloads_off_mtu_followed)
{
    const char *why = tap_tests_impossible(enter_private_netns());
    if (why) {
        fprintf(stderr, "check_loop: %s: TAP offload test skipped\n", why);
        return;
    }
    char err[256];
    struct glass_stack *s = glass_stack_new(NULL);
    make_persistent_tap("gtap2", 4000, -1);
    ck_assert_int_eq(tso_enabled("gtap2"), 1);
    struct glass_netif *nif = glass_netif_open_offload(s, "tap", "gtap2", 0, err, sizeof err);
    ck_assert_msg(nif != NULL, "%s", err);
    ck_assert_uint_eq(glass_netif_mtu(nif), 4000);
    ck_assert_int_eq(tso_enabled("gtap2"), 0);
    ck_assert_int_eq(glass_netif_offload(nif), 0);
    ck_assert_int_eq(glass_stack_free(s), 0);

    s = glass_stack_new(NULL);
    nif = open_err(s, "tap", "gtap2", err, sizeof err);
    ck_assert_msg(nif != NULL, "%s", err);
    ck_assert_int_eq(glass_netif_offload(nif), 1);
    ck_assert_int_eq(tso_enabled("gtap2"), 1);
    ck_assert_int_eq(glass_stack_free(s), 0);
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *s = suite_create("drivers");
    TCase *tc = tcase_create("loop");
    tcase_add_test(tc, test_loop_two_stacks_arp_then_every_ping_answered);
    tcase_add_test(tc, test_loop_zero_delay_reply_same_instant);
    tcase_add_test(tc, test_loop_loss_seeded_counts_exact);
    tcase_add_test(tc, test_loop_seed_repeats_run);
    tcase_add_test(tc, test_loop_duplication_duplicate_replies_counted);
    tcase_add_test(tc, test_loop_delay_shifts_reply_by_twice_delay);
    tcase_add_test(tc, test_loop_reorder_held_frames_overtaken);
    tcase_add_test(tc, test_loop_hub_third_stack_sees_every_frame);
    tcase_add_test(tc, test_loop_copies_charged_to_receiver);
    tcase_add_test(tc, test_loop_free_with_frames_in_flight);
    tcase_add_test(tc, test_loop_queue_bounded);
    tcase_add_test(tc, test_loop_down_interface_drops);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("driver_table");
    tcase_add_test(tc, test_driver_unknown_named_with_known_list);
    tcase_add_test(tc, test_driver_loop_by_name_points_to_code);
    tcase_add_test(tc, test_driver_error_fits_buffer);
    tcase_add_test(tc, test_tap_name_too_long);
    tcase_add_test(tc, test_tap_name_invalid);
    suite_add_tcase(s, tc);

    tc = tcase_create("tap");
    tcase_add_test(tc, test_tap_private_netns_create_attach_errors);
    tcase_add_test(tc, test_tap_persistent_offloads_off_mtu_followed);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(loop_suite());
}
