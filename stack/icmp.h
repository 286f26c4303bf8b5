/*
 * icmp.h - the Internet Control Message Protocol (RFC 792) with the host
 * rules of RFC 1122 3.2.2: answer echoes, tell senders about datagrams we
 * could not deliver, and never make an error about an error.
 */
#ifndef GLASS_ICMP_H
#define GLASS_ICMP_H

#include <stdint.h>

#include "glass.h"

struct glass_stack;
struct glass_netif;
struct pkb;

#define ICMP_HLEN 8

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETER_PROBLEM 12
#define ICMP_TIMESTAMP 13
#define ICMP_TIMESTAMP_REPLY 14

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1) */
#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROTO_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4

/* Error rate limit: a token bucket (RFC 1812 4.3.2.8, RFC 1122 3.2.2). */
#define ICMP_RATE_BURST 50
#define ICMP_RATE_INTERVAL (20 * GLASS_USEC_PER_MSEC) /* one token per 20 ms */

int icmp_init(struct glass_stack *stack);
void icmp_destroy(struct glass_stack *stack);

/* pkb data at the ICMP header, l3 at its IPv4 header; consumes pkb. */
void icmp_input(struct glass_netif *nif, struct pkb *pkb);
/* Report that the datagram in `orig` (l3 = its IPv4 header) could not be
 * handled: destination unreachable, time exceeded...  Quotes the IP header
 * and 8 bytes (RFC 792).  Does nothing (and counts) where RFC 1122 3.2.2
 * forbids an error; if orig came from this host, the error is delivered
 * locally instead of sent.  Does not consume orig. */
void icmp_send_error(struct glass_stack *stack, const struct pkb *orig, uint8_t type,
                     uint8_t code, uint32_t info);

#endif
