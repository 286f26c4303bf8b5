/*
 * udp.h - the User Datagram Protocol (RFC 768) with the host rules of
 * RFC 1122 4.1: ports on top of IPv4, an optional checksum that glass
 * always sends, and no promise of delivery.
 */
#ifndef GLASS_UDP_H
#define GLASS_UDP_H

#include <stddef.h>
#include <stdint.h>

struct glass_stack;
struct glass_netif;
struct glass_sock;
struct pkb;
struct msghdr;

#define UDP_HLEN 8
/* The largest payload an IPv4 datagram can carry: 65535 - 20 - 8. */
#define UDP_MAX_PAYLOAD 65507

/* pkb data at the UDP header, l3 at its IPv4 header; consumes pkb. */
void udp_input(struct glass_netif *nif, struct pkb *pkb);

/* Send the bytes of msg's iovecs (len in all) as one datagram from sk to
 * dst:dport (network byte order).  Stack context.  0 or -errno. */
int udp_output(struct glass_sock *sk, const struct msghdr *msg, size_t len, uint32_t dst,
               uint16_t dport);

/* Fill the UDP header at u for the ulen bytes from u on (header and
 * payload, payload already in place): ports in host order, the checksum
 * over the IPv4 pseudo header of src > dst (network byte order).  For
 * senders without a socket (the DHCP client). */
void udp_build_header(uint8_t *u, uint16_t sport, uint16_t dport, size_t ulen, uint32_t src,
                      uint32_t dst);

/* An ICMP error (type/code, from `from`) quoting a UDP datagram we sent:
 * q = the quoted IPv4 header (qhlen bytes) followed by at least 8 bytes.
 * The connected socket whose 4-tuple it names gets so_error. */
void udp_icmp_error(struct glass_stack *stack, uint8_t type, uint8_t code, uint32_t from,
                    const uint8_t *q, size_t qhlen);

#endif
