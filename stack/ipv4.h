/*
 * ipv4.h - the Internet Protocol, version 4 (RFC 791) as a host
 * (RFC 1122 3.2.1): validate and deliver what is ours, build headers for
 * what we send and hand it to the route's next hop.
 */
#ifndef GLASS_IPV4_H
#define GLASS_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct glass_stack;
struct glass_netif;
struct pkb;

#define IPV4_HLEN 20            /* without options */
#define IPV4_MAX_HLEN 60
#define IPV4_DEFAULT_TTL 64
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

/* Header fields (RFC 791 3.1), as byte offsets into the header. */
#define IPV4_OFF_VER_IHL 0
#define IPV4_OFF_TOS 1
#define IPV4_OFF_TOTLEN 2
#define IPV4_OFF_ID 4
#define IPV4_OFF_FRAG 6
#define IPV4_OFF_TTL 8
#define IPV4_OFF_PROTO 9
#define IPV4_OFF_CSUM 10
#define IPV4_OFF_SRC 12
#define IPV4_OFF_DST 16

/* The header length in bytes: IHL counts 32-bit words. */
static inline size_t ipv4_hlen(const uint8_t *h)
{
    return (size_t)(h[IPV4_OFF_VER_IHL] & 0x0f) * 4;
}

#define IPPROTO_ICMP_ 1         /* trailing _: avoid clashing with <netinet/in.h> */
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

/* pkb data at the IPv4 header (l2 may be set); consumes pkb. */
void ipv4_input(struct glass_netif *nif, struct pkb *pkb);

struct ipv4_tx {
    uint32_t src;               /* 0: the address of the outgoing interface */
    uint32_t dst;
    uint8_t proto;
    uint8_t ttl;                /* 0: IPV4_DEFAULT_TTL */
    uint8_t tos;
    bool df;                    /* set Don't Fragment */
};
/* pkb data = the transport header and payload.  Prepends the IPv4 header,
 * routes, and passes the datagram to ARP (or straight to local delivery
 * when dst is one of our addresses).  A datagram larger than the path MTU
 * leaves in fragments (ipv4_frag.c) unless tx->df.  Consumes pkb.  0 or
 * -errno: -ENETUNREACH no route, -EMSGSIZE over 65535 bytes or over the
 * path MTU with df, -EADDRNOTAVAIL bad source. */
int ipv4_output(struct glass_stack *stack, struct pkb *pkb, const struct ipv4_tx *tx);

/* Send pkb (data = the transport header) on nif with no route: to the
 * limited broadcast 255.255.255.255 (mac NULL), or to tx->dst at the
 * link address mac (no ARP: the frame leaves now).  tx->src may be
 * 0.0.0.0: a host that does not know its address yet may use it while it
 * learns one (RFC 1122 3.2.1.3 (a); RFC 2131 4.1, the DHCP client).
 * Never fragmented (-EMSGSIZE over the link MTU).  Consumes pkb.  0 or
 * -errno. */
int ipv4_output_link(struct glass_netif *nif, struct pkb *pkb, const struct ipv4_tx *tx,
                     const uint8_t *mac);

/* The most payload ipv4_output can carry to dst in one unfragmented
 * datagram: the path MTU (the outgoing interface's MTU, or less when RFC
 * 1191 taught us so, pmtu.c) less the header, 65515 to ourselves, 0 when
 * there is no route. */
size_t ipv4_max_payload(struct glass_stack *stack, uint32_t dst);

/* The source address ipv4_output would choose for dst (RFC 1122 3.3.4.3),
 * for transports whose checksum covers it (UDP, TCP pseudo header).
 * 0, -ENETUNREACH (no route) or -EADDRNOTAVAIL (interface without address). */
int ipv4_select_source(struct glass_stack *stack, uint32_t dst, uint32_t *src);

/* Is addr one of the stack's own unicast addresses? */
bool ipv4_is_local(struct glass_stack *stack, uint32_t addr);
/* Is addr a broadcast as seen on nif (255.255.255.255 or nif's subnet broadcast)? */
bool ipv4_is_broadcast(const struct glass_netif *nif, uint32_t addr);
/* Is addr 255.255.255.255 or the subnet broadcast of any of our interfaces? */
bool ipv4_is_any_broadcast(struct glass_stack *stack, uint32_t addr);
/* Does the header h (hlen bytes) carry an LSRR/SSRR option (RFC 791 3.1)?
 * The forwarding path (ipv4_forward.c) refuses those too. */
bool ipv4_has_source_route(const uint8_t *h, size_t hlen);
/* Deliver datagrams we sent to ourselves (queued by ipv4_output). */
int ipv4_run_local(struct glass_stack *stack);

#endif
