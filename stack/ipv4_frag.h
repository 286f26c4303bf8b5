/*
 * ipv4_frag.h - IPv4 fragmentation and reassembly (RFC 791 2.3 and 3.2,
 * RFC 815, RFC 1858).
 *
 * Out: a datagram larger than the MTU of its link (and without Don't
 * Fragment) leaves as fragments whose data are multiples of 8 octets.
 * In: fragments addressed to us are held, per (source, destination,
 * identification, protocol), until the datagram is whole, for at most
 * IPV4_REASS_TIMEOUT; the memory they hold is bounded per stack.
 *
 * The overlap rule (RFC 5722 style, applied to IPv4 as RFC 1858 3.3
 * allows): a fragment that repeats an earlier one exactly (same offset,
 * length and bytes) is a harmless duplicate and is dropped alone; any
 * other overlap discards the whole datagram, so no overlap can rewrite
 * bytes (a TCP/UDP header) that an earlier fragment supplied.
 */
#ifndef GLASS_IPV4_FRAG_H
#define GLASS_IPV4_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "glass.h"

struct glass_stack;
struct glass_netif;
struct pkb;

/* RFC 791 3.2 leaves the reassembly timer to the host (RFC 1122 3.3.2
 * suggests 60..120 s); 30 s, like Linux (ipfrag_time). */
#define IPV4_REASS_TIMEOUT (30 * GLASS_USEC_PER_SEC)
/* Bound per stack: bytes of fragments held (each counted with its
 * buffer), and datagrams under reassembly.  Past either, the oldest
 * datagram is given up (like Linux's ipfrag_high_thresh). */
#define IPV4_REASS_MEM_MAX (256 * 1024)
#define IPV4_REASS_MAX_DATAGRAMS 64

int ipv4_frag_init(struct glass_stack *stack);
/* Frees every partial datagram (stack teardown). */
void ipv4_frag_destroy(struct glass_stack *stack);

/* Is the datagram at h a fragment (MF set or a non-zero offset)? */
int ipv4_is_fragment(const uint8_t *h);

/* A fragment for us: pkb data at its (validated) IPv4 header, trimmed to
 * its total length.  Consumes pkb.  Returns the reassembled datagram
 * (data and l3 at its header, no l2) when this fragment completed one,
 * else NULL (held, or dropped and counted). */
struct pkb *ipv4_reass_input(struct glass_netif *nif, struct pkb *pkb);

/* Send the datagram in pkb (data at its IPv4 header; DF must be clear) as
 * fragments of at most mtu bytes through nif to nexthop (RFC 791 3.2
 * "fragmentation").  Options whose copy flag is set go into every
 * fragment, the others into the first only.  Also used to re-fragment a
 * fragment (the offsets and MF add up).  Consumes pkb.  0 or -errno. */
int ipv4_fragment_output(struct glass_stack *stack, struct pkb *pkb, struct glass_netif *nif,
                         uint32_t nexthop, unsigned mtu);

/* How many datagrams are being reassembled now, and the bytes they hold
 * (tests and glassctl). */
unsigned ipv4_reass_count(const struct glass_stack *stack);
size_t ipv4_reass_mem(const struct glass_stack *stack);

#endif
