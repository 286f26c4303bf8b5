/*
 * stack.h - struct glass_stack: one host's whole network state.
 *
 * Everything a protocol needs is reached from here: there are no globals,
 * so a process can hold several hosts.  Protocol code runs with `lock`
 * held ("stack context"); nothing in stack context blocks.
 */
#ifndef GLASS_STACK_H
#define GLASS_STACK_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "glass.h"
#include "pkb.h"
#include "stats.h"
#include "timer.h"

struct route_table;
struct arp_cache;
struct icmp_state;
struct capture;
struct ctl_server;
struct glass_sock;
struct tcp_stack;
struct ipv4_reass;
struct pmtu_cache;
struct dhcp_client;

struct glass_stack {
    pthread_mutex_t lock;
    struct glass_clock *clock;
    bool own_clock;
    glass_time_t born;          /* trace lines count from here */

    /* memory accounting (mem.c) */
    size_t mem_in_use;          /* bytes, headers included */
    size_t mem_allocs;          /* live allocations */
    size_t mem_peak;
    size_t mem_limit;           /* 0: unbounded */
    struct pkb_pool pkb_pool;   /* wt-fast: free packet buffers for reuse (pkb.c) */

    struct timer_heap timers;
    struct glass_netif *netifs;
    unsigned next_ifindex;

    /* protocol state, owned by each layer's file */
    struct arp_cache *arp;
    struct route_table *routes;
    struct icmp_state *icmp;
    uint16_t ipv4_next_id;      /* IPv4 identification counter */
    bool ip_forward;            /* a router (RFC 1812), not a host: ipv4_forward.c */
    struct pkb_queue local_q;   /* datagrams to ourselves, run at next poll */
    struct ipv4_reass *reass;   /* fragments being reassembled (ipv4_frag.c) */
    struct pmtu_cache *pmtu;    /* path MTUs learned (pmtu.c, RFC 1191) */
    struct tcp_stack *tcp;      /* TCP control blocks and settings (tcp.c) */
    struct dhcp_client *dhcp;   /* DHCP clients, one per interface (dhcp.c) */

    /* sockets (socket.c): every open socket of this stack */
    struct glass_sock *socks;
    unsigned nsocks;
    unsigned max_socks;         /* EMFILE beyond (GLASS_MAX_SOCKETS) */
    uint16_t port_lo, port_hi;  /* ephemeral range, like ip_local_port_range */
    uint64_t port_rng;          /* PRNG state for the ephemeral port start */

    /* observability */
    struct glass_stats stats;
    unsigned trace_mask;
    FILE *trace_out;
    struct capture *capture;
    struct ctl_server *ctl;     /* the control socket (ctl.c), or NULL */

    /* the stack's own thread (glass_stack_start) */
    int wake_fd;                /* eventfd: wakes a sleeping poll */
    pthread_t thread;
    bool thread_running;
    volatile bool thread_stop;
};

/* For glass_poll (sock_wait.c), which drives a stack without a thread of
 * its own while it waits: the descriptors glass_stack_poll would wait on
 * (wake fd first, then interfaces, then the control socket's, ctl.h), at
 * most max of them, and how long it may sleep given
 * the caller's limit (-1 = none).  Returns the number of entries. */
int stack_pollfds(struct glass_stack *stack, struct pollfd *pfd, int max, int timeout_ms,
                  int *wait_ms);

#endif
