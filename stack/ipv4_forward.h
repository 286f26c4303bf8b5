/*
 * ipv4_forward.h - forwarding IPv4 datagrams between interfaces, the
 * essentials of RFC 1812 ("Requirements for IP Version 4 Routers").
 *
 * A host does not forward (RFC 1122 3.3.1.6): forwarding is off in a new
 * stack and glass-router turns it on with glass_stack_set_forwarding().
 * When it is on, ipv4_input hands every valid datagram that is not
 * addressed to this stack to ipv4_forward, which checks it (RFC 1812
 * 5.3.7 martians, 5.3.5 broadcasts, 5.3.4 link-layer broadcasts, source
 * routes), decrements the TTL (5.3.1, with the RFC 1624 incremental
 * checksum update), finds the route (5.2.4.3) and sends it on -- or
 * answers with ICMP time exceeded, destination unreachable or
 * fragmentation needed (RFC 1191).
 */
#ifndef GLASS_IPV4_FORWARD_H
#define GLASS_IPV4_FORWARD_H

#include <stdbool.h>
#include <stdint.h>

struct glass_netif;
struct pkb;

/* pkb data = a datagram whose header ipv4_input already validated
 * (version, IHL, total length, checksum; trimmed to the total length).
 * True when forwarding is on and the datagram is addressed to someone
 * else (not one of our addresses, not a broadcast of the receiving link,
 * not multicast): ipv4_forward must then have it. */
bool ipv4_forward_wanted(struct glass_netif *in, const struct pkb *pkb);

/* Forward it, or drop it and say why (counter, trace, ICMP error where
 * RFC 1812 asks for one).  Consumes pkb. */
void ipv4_forward(struct glass_netif *in, struct pkb *pkb);

/* RFC 1624 eqn. 3: the header checksum after one 16-bit word of the
 * header changes from old_word to new_word (host byte order values),
 * without summing the header again.  Exposed for the unit tests. */
uint16_t ipv4_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);

#endif
