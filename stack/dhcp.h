/*
 * dhcp.h - the Dynamic Host Configuration Protocol client (RFC 2131, with
 * the options of RFC 2132): how an interface with no address asks the
 * link for one, keeps it (renewal at T1, rebinding at T2) and loses it
 * when the lease runs out.  The public calls are in glass.h
 * (glass_dhcp_start, glass_dhcp_lease, glass_dhcp_release).
 */
#ifndef GLASS_DHCP_H
#define GLASS_DHCP_H

#include <stdbool.h>
#include <stdint.h>

#include "glass.h"

struct glass_stack;
struct glass_netif;
struct pkb;

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* RFC 2131 2: the fixed BOOTP part, then the 4-byte magic cookie. */
#define DHCP_FIXED_LEN 236
#define DHCP_COOKIE 0x63825363u
#define DHCP_MIN_LEN (DHCP_FIXED_LEN + 4)

/* Message types, option 53 (RFC 2132 9.6). */
enum dhcp_msg_type {
    DHCPDISCOVER = 1,
    DHCPOFFER = 2,
    DHCPREQUEST = 3,
    DHCPDECLINE = 4,
    DHCPACK = 5,
    DHCPNAK = 6,
    DHCPRELEASE = 7,
};

/* Retransmission (RFC 2131 4.1): 4 s before the first retransmission,
 * doubled up to 64 s, each randomised by +-1 s.  A REQUEST for an offer
 * is tried this many times before the client starts over (3.1 step 5). */
#define DHCP_RTX_FIRST (4 * GLASS_USEC_PER_SEC)
#define DHCP_RTX_MAX (64 * GLASS_USEC_PER_SEC)
#define DHCP_RTX_JITTER GLASS_USEC_PER_SEC
#define DHCP_REQUEST_TRIES 4
/* RFC 2131 4.4.5: in RENEWING/REBINDING wait half the time left, but not
 * less than 60 s. */
#define DHCP_RENEW_MIN (60 * GLASS_USEC_PER_SEC)

/* A UDP datagram to port 68 arrived on nif (pkb data = the UDP payload,
 * l3/l4 at the headers).  true when a client runs on nif: it took the pkb
 * (consumed it, whatever it made of it); false: not ours, pkb untouched. */
bool dhcp_input(struct glass_netif *nif, struct pkb *pkb);

/* Parse the options of a DHCP message (opt: after the magic cookie,
 * len bytes).  Exposed for the unit tests.  0, or -1 when an option's
 * length is malformed (runs past the end, or wrong for its code). */
struct dhcp_options {
    uint8_t msg_type;           /* 0: none */
    uint32_t mask;              /* 0: none */
    uint32_t router, dns, server_id;
    uint32_t lease, t1, t2;     /* seconds; 0: none */
    bool has_mask, has_lease, has_t1, has_t2;
};
int dhcp_parse_options(const uint8_t *opt, size_t len, struct dhcp_options *out);

/* glass_stack_free: give every lease back (RFC 2131 4.4.6: a RELEASE to
 * the server's MAC as the ACK showed it, so it leaves at once), stop every
 * client and free it.  Interfaces must still exist. */
void dhcp_destroy(struct glass_stack *stack);

#endif
