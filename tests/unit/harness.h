/*
 * harness.h - the unit-test bench: one stack on a virtual clock with a fake
 * interface that records every frame the stack sends, plus builders for
 * crafted frames.  Modelled on lwIP's test/unit: fake interface, fake
 * clock, leak check per test.
 */
#ifndef GLASS_TEST_HARNESS_H
#define GLASS_TEST_HARNESS_H

#include <check.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glass.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "util.h"

#define H_OUR_IP "10.0.0.2"
#define H_PEER_IP "10.0.0.1"
extern const uint8_t H_OUR_MAC[6];  /* 02:00:0a:00:00:02 */
extern const uint8_t H_PEER_MAC[6]; /* 02:00:00:00:00:01 */

struct harness_frame;

struct harness {
    struct glass_clock *clock;
    struct glass_stack *stack;
    struct glass_netif *nif;
    struct harness_frame *tx_first, *tx_last; /* recorded transmissions */
    size_t tx_count;
};

/* Stack on a virtual clock at 1 s; fake0 up, 10.0.0.2/24, default route
 * via 10.0.0.1; the tx record starts empty. */
void harness_init(struct harness *h);
/* Free the stack and assert that every accounted byte came back. */
void harness_fini(struct harness *h);
/* "10.0.0.1" -> address in network byte order; aborts on bad input. */
uint32_t A(const char *dotted);

/* As if the frame arrived on fake0; then runs local deliveries and timers. */
void harness_inject(struct harness *h, const void *frame, size_t len);
size_t harness_tx_count(const struct harness *h);
/* Oldest transmitted frame into buf; its length, 0 when none are left. */
size_t harness_tx_pop(struct harness *h, uint8_t *buf, size_t cap);
void harness_tx_clear(struct harness *h);
/* Move the virtual clock on by delta, stopping at each timer's expiry in
 * turn so timers fire at their own times. */
void harness_advance(struct harness *h, glass_time_t delta);
/* Teach ARP the peer (an ARP reply from 10.0.0.1), then clear tx. */
void harness_learn_peer(struct harness *h);

/* ---- frame builders: return the number of bytes written ---------------- */
size_t build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
size_t build_arp_frame(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa,
                       const uint8_t tha[6], uint32_t tpa);
size_t build_ipv4_frame(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
                        const void *payload, size_t len);
size_t build_icmp_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, const void *data,
                       size_t len);
void fix_ipv4_checksum(uint8_t *frame);

/* A counter by name; fails the test when no counter has that name. */
uint64_t counter(struct harness *h, const char *name);
/* An AF_INET socket address for "a.b.c.d" and a host-order port. */
struct sockaddr_in sin_of(const char *ip, uint16_t port);

/* Run a Check suite; the main() of every unit test binary. */
int harness_run_suite(Suite *s);

/* GLASS_TEST_ONLY=substring runs only the tests whose name contains it. */
#define ADD(tc, name)                                                                              \
    do {                                                                                           \
        const char *only_ = getenv("GLASS_TEST_ONLY");                                            \
        if (!only_ || strstr(#name, only_))                                                        \
            tcase_add_test(tc, name);                                                              \
    } while (0)

#endif
