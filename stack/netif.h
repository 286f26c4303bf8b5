/*
 * netif.h - a network interface: a driver (how frames leave and arrive)
 * plus what the stack knows about the link: MAC, MTU, IPv4 addresses,
 * up/down and counters (like `ip -s link`).
 *
 * Drivers (drivers/) create an interface with netif_new() and hand every
 * received frame to netif_input().  The stack sends through netif_output().
 * Both ends pass through the capture, so the pcap shows exactly what
 * crossed the wire.
 */
#ifndef GLASS_NETIF_H
#define GLASS_NETIF_H

#include <stdbool.h>
#include <stdint.h>

#include "glass.h"

struct pkb;

#define NETIF_MAX_ADDRS 4
#define NETIF_DEFAULT_MTU 1500
#define NETIF_RX_BUDGET 64      /* frames read per interface per poll */

/* Offload features of an interface (netif->features; a tap with
 * IFF_VNET_HDR has them all, see drivers/tap_vnet.h). */
#define NETIF_F_RX_CSUM_TRUSTED 0x1 /* may mark received checksums verified/partial */
#define NETIF_F_TX_CSUM_PARTIAL 0x2 /* completes a PKB_CSUM_PARTIAL checksum on send */
#define NETIF_F_TSO4 0x4            /* cuts a TCPv4 super-segment (pkb gso_size) */
/* The largest IPv4 datagram a super-segment may be: the total length field. */
#define NETIF_GSO_MAX 65535

struct glass_netif_ops {
    const char *kind;           /* "tap", "loop", ... */
    /* Put one frame (pkb data = Ethernet header onwards) on the wire.
     * Does not consume the pkb.  0, or a negative errno. */
    int (*transmit)(struct glass_netif *nif, struct pkb *pkb);
    /* Read up to budget frames and pass each to netif_input().  Returns
     * how many were read.  Called when fd() is readable, or on every poll
     * for drivers without a descriptor. */
    int (*receive)(struct glass_netif *nif, int budget);
    /* Descriptor glass_stack_poll waits on, or -1. */
    int (*fd)(struct glass_netif *nif);
    /* Optional: earliest time receive() will have work (the loop wire's
     * delayed frames); TIMER_NEVER when nothing is pending. */
    glass_time_t (*next_event)(struct glass_netif *nif);
    /* Release the driver's resources (priv). */
    void (*close)(struct glass_netif *nif);
};

struct netif_addr {
    uint32_t addr;              /* network byte order */
    uint32_t mask;
    unsigned prefix_len;
};

struct netif_counters {
    uint64_t rx_packets, rx_bytes, rx_dropped;
    uint64_t tx_packets, tx_bytes, tx_errors;
    /* offloads, per interface (glassctl if): GSO super-segments received,
     * TCP super-segments handed to the device to cut (stats.h link.gso_rx,
     * link.tso_tx count the same stack-wide) */
    uint64_t gso_rx, tso_tx;
};

struct glass_netif {
    struct glass_netif *next;
    struct glass_stack *stack;
    char name[GLASS_IFNAMSIZ];
    unsigned index;
    const struct glass_netif_ops *ops;
    void *priv;                 /* the driver's state */
    uint8_t mac[GLASS_ETH_ALEN];
    bool mac_auto;              /* MAC not chosen by the user: derived from
                                   the first address (02:00:a.b.c.d) */
    unsigned mtu;
    bool up;
    struct netif_addr addrs[NETIF_MAX_ADDRS];
    unsigned naddrs;
    struct netif_counters cnt;
    unsigned features;          /* NETIF_F_*: offloads the driver provides */
};

/* For drivers: a new interface (down, no address) registered with the
 * stack.  NULL if out of memory or the name is taken (errno EEXIST). */
struct glass_netif *netif_new(struct glass_stack *stack, const char *name,
                              const struct glass_netif_ops *ops, void *priv);
/* Unlink, close the driver and free (glass_stack_free does this). */
void netif_destroy(struct glass_netif *nif);

/* A frame arrived (consumes pkb): counters, capture, eth_input. */
void netif_input(struct glass_netif *nif, struct pkb *pkb);
/* Send a finished frame (consumes pkb): capture, counters, driver.
 * 0 or a negative errno. */
int netif_output(struct glass_netif *nif, struct pkb *pkb);

bool netif_has_addr(const struct glass_netif *nif, uint32_t addr);
/* Stack context: glass_netif_add_addr without the lock; 0 or -errno. */
int netif_add_addr(struct glass_netif *nif, uint32_t addr, unsigned prefix_len);
/* Stack context: remove addr from nif, and its connected route unless
 * another address of nif is on the same subnet (a DHCP lease expired).
 * 0 or -EADDRNOTAVAIL. */
int netif_del_addr(struct glass_netif *nif, uint32_t addr);
/* Is addr the directed broadcast of one of nif's subnets? */
bool netif_is_subnet_broadcast(const struct glass_netif *nif, uint32_t addr);
/* The interface that owns addr, or NULL. */
struct glass_netif *netif_find_by_addr(struct glass_stack *stack, uint32_t addr);

#endif
