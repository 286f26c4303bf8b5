/*
 * glass.h - the public face of the glass stack.
 *
 * A program creates a stack, attaches interfaces to it through a driver
 * (TAP, the in-memory loop wire, ...), gives them addresses and routes, and
 * then either lets the stack run its own thread (glass_stack_start) or
 * drives it from its own loop (glass_stack_poll).  Everything lives inside
 * struct glass_stack: there is no global state, so one process may hold
 * several stacks (the unit tests put two on one loop wire).
 *
 * Conventions: IPv4 addresses are uint32_t in network byte order (as in
 * struct in_addr); times are microseconds on the stack's clock; functions
 * that can fail return -1 and set errno, like POSIX calls.
 */
#ifndef GLASS_H
#define GLASS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t glass_time_t; /* microseconds */

#define GLASS_USEC_PER_MSEC 1000ULL
#define GLASS_USEC_PER_SEC 1000000ULL

struct glass_stack;
struct glass_clock;
struct glass_netif;
struct glass_loop_wire;

/* ---- clocks ---------------------------------------------------------- */

/* Real time: CLOCK_MONOTONIC.  Virtual time: only moves when a test calls
 * glass_clock_advance, so every timer-driven behaviour is deterministic.
 * A clock may be shared by several stacks (it must outlive them). */
struct glass_clock *glass_clock_new_real(void);
struct glass_clock *glass_clock_new_virtual(glass_time_t start);
void glass_clock_free(struct glass_clock *clock);
glass_time_t glass_clock_now(const struct glass_clock *clock);
int glass_clock_is_virtual(const struct glass_clock *clock);
void glass_clock_advance(struct glass_clock *clock, glass_time_t delta);

/* ---- the stack ------------------------------------------------------- */

/* clock == NULL: the stack makes (and later frees) a real clock. */
struct glass_stack *glass_stack_new(struct glass_clock *clock);
/* Closes interfaces, frees everything.  Returns 0 when every accounted
 * byte came back, -1 (and reports on stderr) when something leaked. */
int glass_stack_free(struct glass_stack *stack);

/* Run the stack once from the caller's loop: wait up to timeout_ms
 * (0 = don't wait, -1 = until something happens) for frames or timers,
 * then process what is ready.  With a virtual clock it never sleeps.
 * Returns the number of frames and timers processed, or -1 on error. */
int glass_stack_poll(struct glass_stack *stack, int timeout_ms);
/* Or: a thread of the stack's own that polls until glass_stack_stop. */
int glass_stack_start(struct glass_stack *stack);
void glass_stack_stop(struct glass_stack *stack);
/* Before a program exits: a kernel keeps sending what a closed socket
 * still holds, but a glass stack ends with its process.  Run the stack
 * (its thread, or this call) until every TCP connection has had its data
 * and FIN acknowledged, for at most timeout_ms of real time.  0 when all
 * was delivered, -1 with errno ETIMEDOUT when the time ran out. */
int glass_stack_drain(struct glass_stack *stack, int timeout_ms);
/* The stack lock: protocol state may only be touched while holding it.
 * glass_stack_poll and the stack thread take it themselves. */
void glass_stack_lock(struct glass_stack *stack);
void glass_stack_unlock(struct glass_stack *stack);
/* Wake a sleeping glass_stack_poll / stack thread (eventfd). */
void glass_stack_wake(struct glass_stack *stack);

glass_time_t glass_stack_now(const struct glass_stack *stack);
struct glass_clock *glass_stack_clock(struct glass_stack *stack);
/* Bytes currently allocated on behalf of this stack (buffers, caches...). */
size_t glass_stack_mem_in_use(const struct glass_stack *stack);

/* ---- interfaces ------------------------------------------------------ */

#define GLASS_IFNAMSIZ 16
#define GLASS_ETH_ALEN 6

/* Attach an interface from a driver spec "DRIVER:NAME" ("tap:tap0").
 * On failure returns NULL and writes one human sentence into err that says
 * what went wrong and what to do about it. */
struct glass_netif *glass_netif_open(struct glass_stack *stack, const char *driver,
                                     const char *name, char *err, size_t errlen);
/* The same, choosing the device's offloads (a tap: IFF_VNET_HDR with
 * checksum offload, GSO receive and TSO send; docs/tcp.md "Offloads"):
 * 1 on, 0 off.  glass_netif_open uses GLASS_OFFLOAD_DEFAULT.  A kernel
 * that refuses them gets plain frames (one line on stderr). */
#define GLASS_OFFLOAD_DEFAULT 1
struct glass_netif *glass_netif_open_offload(struct glass_stack *stack, const char *driver,
                                             const char *name, int offload, char *err,
                                             size_t errlen);
/* 1 when the interface runs with offloads, 0 when plain. */
int glass_netif_offload(const struct glass_netif *nif);
struct glass_netif *glass_netif_by_name(struct glass_stack *stack, const char *name);
const char *glass_netif_name(const struct glass_netif *nif);
int glass_netif_set_mac(struct glass_netif *nif, const uint8_t mac[GLASS_ETH_ALEN]);
void glass_netif_get_mac(const struct glass_netif *nif, uint8_t mac[GLASS_ETH_ALEN]);
int glass_netif_set_mtu(struct glass_netif *nif, unsigned mtu);
unsigned glass_netif_mtu(const struct glass_netif *nif);
/* Adds addr/prefix_len and its connected route; when the interface is up
 * a gratuitous ARP announces it (RFC 5227 2.3). */
int glass_netif_add_addr(struct glass_netif *nif, uint32_t addr, unsigned prefix_len);
/* First address of the interface (0 when none). */
uint32_t glass_netif_addr(const struct glass_netif *nif);
int glass_netif_up(struct glass_netif *nif);
int glass_netif_down(struct glass_netif *nif);

/* The loop driver: an in-memory wire joining stacks in one process.
 * Impairments are drawn from a PRNG seeded by `seed`, so a run repeats. */
struct glass_loop_wire *glass_loop_wire_new(uint64_t seed);
void glass_loop_wire_free(struct glass_loop_wire *wire);
struct glass_loop_params {
    unsigned loss_ppm;      /* frames lost, per million */
    unsigned dup_ppm;       /* frames delivered twice, per million */
    unsigned reorder_ppm;   /* frames held back by reorder_delay, per million */
    glass_time_t delay;     /* one-way delay for every frame */
    glass_time_t reorder_delay;
};
void glass_loop_wire_set(struct glass_loop_wire *wire, const struct glass_loop_params *p);
/* Attach a new interface of `stack` to the wire (call before glass_stack_free
 * of any attached stack is done; the wire must outlive its stacks). */
struct glass_netif *glass_loop_attach(struct glass_stack *stack, struct glass_loop_wire *wire,
                                      const char *name);
/* Counters of the wire: frames carried, lost, duplicated, reordered. */
struct glass_loop_counters {
    uint64_t sent, delivered, lost, duplicated, reordered;
};
void glass_loop_wire_counters(const struct glass_loop_wire *wire, struct glass_loop_counters *c);

/* Link impairments on a real interface (a netem of glass's own, for
 * kernels without sch_netem): applied to frames in both directions,
 * drawn from a PRNG seeded by `seed` so the dice repeat.  A reordered
 * frame is held back reorder_delay beyond `delay`, so the frames behind
 * it overtake it.  All zero (no loss, dup, reorder, delay) turns them
 * off.  Counted in the link.impair_* counters.  Drivers: tap (the loop
 * wire has its own, glass_loop_wire_set); others fail with EOPNOTSUPP. */
struct glass_impair {
    unsigned loss_ppm;      /* frames lost, per million */
    unsigned dup_ppm;       /* frames delivered twice, per million */
    unsigned reorder_ppm;   /* frames held back by reorder_delay, per million */
    glass_time_t delay;     /* one-way delay for every frame */
    glass_time_t reorder_delay;
    uint64_t seed;
};
int glass_netif_impair(struct glass_netif *nif, const struct glass_impair *p);

/* ---- routing and neighbours ----------------------------------------- */

/* Route net/prefix_len via gw (0 = directly connected on nif).  nif may be
 * NULL when gw is given: the interface that reaches gw is used. */
int glass_route_add(struct glass_stack *stack, uint32_t net, unsigned prefix_len,
                    uint32_t gw, struct glass_netif *nif, unsigned metric);
int glass_route_del(struct glass_stack *stack, uint32_t net, unsigned prefix_len, uint32_t gw);
int glass_arp_add_static(struct glass_stack *stack, struct glass_netif *nif, uint32_t addr,
                         const uint8_t mac[GLASS_ETH_ALEN]);
/* IPv4 forwarding between interfaces (RFC 1812): off in a new stack (a
 * host, RFC 1122 3.3.1.6), on in glass-router.  Datagrams for another
 * host are then routed on with TTL - 1, or answered with ICMP time
 * exceeded / destination unreachable / fragmentation needed. */
int glass_stack_set_forwarding(struct glass_stack *stack, int on);
int glass_stack_forwarding(struct glass_stack *stack);

/* ---- DHCP client (RFC 2131) ---------------------------------------------- */

/* The client's states (RFC 2131 4.4, figure 5; no INIT-REBOOT). */
enum glass_dhcp_state {
    GLASS_DHCP_OFF,           /* no client on the interface (or released) */
    GLASS_DHCP_INIT,
    GLASS_DHCP_SELECTING,     /* DISCOVER sent, waiting for an OFFER */
    GLASS_DHCP_REQUESTING,    /* REQUEST sent for an offer, waiting for the ACK */
    GLASS_DHCP_BOUND,
    GLASS_DHCP_RENEWING,      /* past T1: REQUEST unicast to the server */
    GLASS_DHCP_REBINDING,     /* past T2: REQUEST broadcast to any server */
};
struct glass_dhcp_lease {
    enum glass_dhcp_state state;
    uint32_t addr;            /* network byte order; 0 while not bound */
    unsigned prefix_len;      /* from option 1 (subnet mask) */
    uint32_t router;          /* option 3 (first), installed as default route; 0: none */
    uint32_t dns;             /* option 6 (first); 0: none */
    uint32_t server;          /* option 54, the server identifier */
    glass_time_t obtained;    /* stack clock time of the ACK */
    glass_time_t lease, t1, t2; /* durations from `obtained` (option 51, 58, 59) */
};
/* Start the client on nif (RFC 2131 4.4.1): DISCOVER now, then OFFER,
 * REQUEST, ACK; the address, mask, default route and DNS server of the
 * lease are applied when it is bound, renewed at T1 and T2, removed when
 * it expires.  Takes the stack lock.  -1/EEXIST when one already runs. */
int glass_dhcp_start(struct glass_netif *nif);
/* The client's state and lease.  0 when bound (BOUND, RENEWING or
 * REBINDING: the address is usable), -1 with errno EAGAIN while not yet
 * bound (out->state says where it is) or ENOENT with no client. */
int glass_dhcp_lease(struct glass_netif *nif, struct glass_dhcp_lease *out);
/* Give the lease back (RFC 2131 4.4.6: DHCPRELEASE unicast to the
 * server), remove its address and route, and stop the client.  0, also
 * when there was nothing to release; -1/ENOENT with no client. */
int glass_dhcp_release(struct glass_netif *nif);
/* glass_dhcp_release on every interface of the stack that holds a lease;
 * returns how many leases were released.  glass_stack_free does this too
 * (a program's clean exit gives its leases back). */
int glass_dhcp_release_all(struct glass_stack *stack);
/* The DNS server (option 6) of the first bound lease in the stack; 0: none. */
uint32_t glass_dhcp_dns(struct glass_stack *stack);
const char *glass_dhcp_state_name(enum glass_dhcp_state state);

/* ---- observability --------------------------------------------------- */

enum glass_trace_layer {
    GLASS_TRACE_ETH = 1u << 0,
    GLASS_TRACE_ARP = 1u << 1,
    GLASS_TRACE_IPV4 = 1u << 2,
    GLASS_TRACE_ICMP = 1u << 3,
    GLASS_TRACE_UDP = 1u << 4,
    GLASS_TRACE_TCP = 1u << 5,
    GLASS_TRACE_SOCKET = 1u << 6,
    GLASS_TRACE_ALL = 0x7f,
};
/* "arp,ipv4" or "all" -> mask.  Returns -1 (errno EINVAL) on an unknown name. */
int glass_trace_parse(const char *list, unsigned *mask);
/* Trace lines go to out (stderr when NULL). */
void glass_trace_set(struct glass_stack *stack, unsigned mask, FILE *out);

/* Capture every frame in and out of every interface, one Ethernet pcap
 * file per interface, flushed per frame so a pipe shows it live.  The
 * first interface (the stack's first, or the first added later) writes
 * to path; every other one, also those added later, to path with
 * ".IFNAME" before the extension (out.pcap -> out.tapB.pcap, out ->
 * out.tapB).  path "-" is stdout: it carries the first interface only.
 * -1 with one sentence in err when path cannot be written. */
int glass_capture_open(struct glass_stack *stack, const char *path, char *err, size_t errlen);
void glass_capture_close(struct glass_stack *stack);
/* Where nif's frames go: 0 and the file name ("-" = stdout) in buf, or
 * -1 and why not in buf, errno ENOENT (no capture, or stdout carries
 * another interface) or the reason its file could not be opened. */
int glass_capture_file(struct glass_stack *stack, const struct glass_netif *nif, char *buf,
                       size_t len);

/* The control socket glassctl talks to: a Unix stream socket at path
 * (mode 0600; a stale one left by a dead program is replaced), served by
 * whoever drives the stack -- its thread, glass_stack_poll or glass_poll --
 * so it needs no thread of its own.  glass_stack_free closes it and
 * removes the file.  -1 with one sentence in err on failure. */
int glass_ctl_open(struct glass_stack *stack, const char *path, char *err, size_t errlen);
void glass_ctl_close(struct glass_stack *stack);
/* Where programs put their control sockets (PROG.PID.sock) when
 * $XDG_RUNTIME_DIR is not set; glassctl looks there too. */
#define GLASS_CTL_DIR "/run/glass"
/* Its path, or NULL when none is open. */
const char *glass_ctl_path(struct glass_stack *stack);

/* Counters per layer, like netstat -s.  Names are "layer.counter",
 * e.g. "ipv4.drop_bad_checksum".  Unknown name: returns 0, sets errno. */
uint64_t glass_stat(const struct glass_stack *stack, const char *name);
void glass_stats_print(const struct glass_stack *stack, FILE *out);

/* ---- sockets (BSD style) ---------------------------------------------- */

/*
 * The socket API mirrors the BSD calls one for one: same arguments (after
 * the socket is made), same return values, errno values as Linux sets them.
 * Only glass_socket() names the stack the socket lives in.  A glass
 * descriptor is a real file descriptor of the process (an eventfd the stack
 * signals when the socket changes), so it never collides with ordinary
 * descriptors and glass_poll() can wait on both kinds at once.  Calls may
 * come from any thread; blocking calls sleep on the socket (not by
 * spinning) and, when the stack has no thread of its own
 * (glass_stack_start), drive the stack themselves while they wait.
 * Timeouts (SO_RCVTIMEO/SO_SNDTIMEO, glass_poll) run on the stack's clock,
 * so on a virtual clock they are deterministic.
 *
 * Where glass differs from Linux, on purpose:
 *  - glass_close() from another thread wakes every call blocked on that
 *    socket; they return -1 with errno EBADF (Linux leaves them blocked).
 *  - glass never raises SIGPIPE: a send after shutdown(SHUT_WR) fails with
 *    EPIPE as if MSG_NOSIGNAL were always given.
 *  - Wait on glass descriptors with glass_poll(), not poll(2): the eventfd
 *    behind a descriptor only says "something changed".
 *  - Descriptors are always close-on-exec; at most GLASS_MAX_SOCKETS (1024)
 *    per stack (EMFILE).  glass_stack_free() closes sockets left open; no
 *    call may be in progress on them then.
 */
int glass_socket(struct glass_stack *stack, int domain, int type, int protocol);
int glass_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
int glass_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
int glass_listen(int fd, int backlog);
int glass_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
ssize_t glass_send(int fd, const void *buf, size_t len, int flags);
ssize_t glass_recv(int fd, void *buf, size_t len, int flags);
ssize_t glass_sendto(int fd, const void *buf, size_t len, int flags,
                     const struct sockaddr *dest, socklen_t destlen);
ssize_t glass_recvfrom(int fd, void *buf, size_t len, int flags,
                       struct sockaddr *src, socklen_t *srclen);
ssize_t glass_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t glass_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t glass_read(int fd, void *buf, size_t len);
ssize_t glass_write(int fd, const void *buf, size_t len);
int glass_shutdown(int fd, int how);
int glass_close(int fd);
int glass_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
int glass_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
int glass_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen);
int glass_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen);
/* F_GETFL / F_SETFL (O_NONBLOCK) */
int glass_fcntl(int fd, int cmd, ... /* int arg */);
/* Like poll(2) over glass descriptors and ordinary ones together. */
int glass_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
/* Is fd a glass socket? */
int glass_is_socket(int fd);

/* ---- TCP configuration ------------------------------------------------ */

/*
 * Per-stack TCP settings (like Linux's net.ipv4.tcp_* sysctls).  Read the
 * current values, change what you need, set them back; new connections
 * use them.  Times are microseconds.
 */
struct glass_tcp_config {
    glass_time_t msl;            /* Maximum Segment Lifetime; TIME-WAIT lasts 2*MSL (30 s) */
    glass_time_t rto_initial;    /* RFC 6298 2.1: before any RTT sample (1 s) */
    glass_time_t rto_min;        /* RFC 6298 2.4 floor; Linux uses 200 ms (200 ms) */
    glass_time_t rto_max;        /* RFC 6298 2.5 ceiling (120 s) */
    glass_time_t delack_max;     /* RFC 1122 4.2.3.2: delayed ACK at most (200 ms) */
    unsigned syn_retries;        /* SYN retransmissions before ETIMEDOUT (6) */
    unsigned synack_retries;     /* SYN-ACK retransmissions before giving up (5) */
    unsigned retries;            /* data/FIN retransmissions before ETIMEDOUT (15) */
    unsigned initial_window;     /* segments, RFC 6928 (10) */
    unsigned challenge_ack_limit; /* RFC 5961 7: per second, per stack (1000) */
    glass_time_t keepidle;       /* SO_KEEPALIVE defaults: idle before probing (7200 s) */
    glass_time_t keepintvl;      /* between probes (75 s) */
    unsigned keepcnt;            /* unanswered probes before ETIMEDOUT (9) */
    unsigned max_tcbs;           /* control blocks per stack, TIME-WAIT included (4096) */
    char cc[16];                 /* congestion control of new connections: "cubic"
                                  * (default) or "newreno" ("reno") */
    /* RFC 4987 3.6 SYN cookies (tcp_syncookie.c): GLASS_SYNCOOKIES_AUTO
     * answers a SYN from no state only when the listener's SYN queue is
     * full (the default, and what 0 means); _ALWAYS for every SYN; _NEVER
     * drops the SYN as before. */
    unsigned syncookies;
    /* RFC 7323 and buffer sizes (like net.ipv4.tcp_window_scaling,
     * tcp_timestamps, tcp_rmem/tcp_wmem): */
    int window_scaling;          /* offer Window Scale on our SYNs (1) */
    int timestamps;              /* offer Timestamps on our SYNs (1) */
    unsigned rcvbuf;             /* receive buffer of a new connection (1 MiB) */
    unsigned sndbuf;             /* send buffer of a new connection (1 MiB) */
    /* RFC 8985 RACK-TLP (tcp_rack.c) on connections with SACK: loss
     * detection by transmit time and tail loss probes (1; 0 leaves
     * RFC 6675 alone, as tests of its exact rules want). */
    int rack;
    /* RFC 6937 Proportional Rate Reduction (tcp_prr.c): the window during
     * SACK recovery follows what each ACK delivers, and is ssthresh at
     * the end (1; 0: RFC 6675's immediate cwnd = ssthresh and RFC 6582's
     * exit, cwnd = FlightSize + SMSS). */
    int prr;
};
enum { GLASS_SYNCOOKIES_AUTO = 0, GLASS_SYNCOOKIES_ALWAYS = 1, GLASS_SYNCOOKIES_NEVER = 2 };
void glass_tcp_config_get(struct glass_stack *stack, struct glass_tcp_config *cfg);
/* -1/EINVAL for a value out of range or an unknown cc name. */
int glass_tcp_config_set(struct glass_stack *stack, const struct glass_tcp_config *cfg);

/* ---- ICMP echo (for glass-ping) and errors (for glass-traceroute) ---- */

struct glass_icmp_event {
    uint8_t type, code;     /* RFC 792 type and code */
    uint32_t from;          /* who sent the ICMP message */
    uint8_t ttl;            /* IPv4 TTL it arrived with */
    uint16_t id, seq;       /* echo id/seq; for errors: of the quoted echo */
    const uint8_t *data;    /* echo payload (errors: the quoted datagram) */
    size_t len;
    /* Errors only (0 for echo replies): what the quoted datagram was. */
    uint8_t proto;          /* IPPROTO_ICMP (an echo request) or IPPROTO_UDP */
    uint32_t orig_dst;      /* its destination address */
    uint16_t sport, dport;  /* UDP: its ports, host byte order */
    uint16_t next_hop_mtu;  /* fragmentation needed: the router's MTU (RFC 1191 4), or 0 */
};
typedef void (*glass_icmp_listener)(void *arg, const struct glass_icmp_event *ev);
/* Echo replies, and ICMP errors (destination unreachable, time exceeded)
 * about echo requests or UDP datagrams this host sent, reach the listener
 * (called in stack context, with the stack lock held).  Errors about UDP
 * also go to the connected socket they concern, as before. */
void glass_icmp_set_listener(struct glass_stack *stack, glass_icmp_listener fn, void *arg);
/* Send an echo request (RFC 792) of `len` payload bytes; ttl 0 = default.
 * Takes the stack lock.  -1 with errno ENETUNREACH, EMSGSIZE, ENOBUFS. */
int glass_icmp_echo_send(struct glass_stack *stack, uint32_t dst, uint16_t id, uint16_t seq,
                         const void *data, size_t len, unsigned ttl);
/* Flags of glass_icmp_echo_send_flags. */
#define GLASS_ICMP_DF 0x1   /* set Don't Fragment (ping -M do): a request larger
                               than the path MTU fails with EMSGSIZE, not fragmented */
/* glass_icmp_echo_send with flags (0 = the same as glass_icmp_echo_send:
 * DF clear, fragmented to fit the path MTU). */
int glass_icmp_echo_send_flags(struct glass_stack *stack, uint32_t dst, uint16_t id,
                               uint16_t seq, const void *data, size_t len, unsigned ttl,
                               unsigned flags);
/* The path MTU to dst in bytes, IPv4 header included (the outgoing
 * interface's MTU, or less once RFC 1191 taught us so); 0 without a route.
 * Takes the stack lock. */
unsigned glass_path_mtu(struct glass_stack *stack, uint32_t dst);

/* ---- name resolution ---------------------------------------------------- */

/*
 * A DNS stub resolver (RFC 1035, RFC 1034 5.3.1) built only on the socket
 * API above: one question over UDP to `server` port 53 from a random
 * ephemeral port with a random id, retried (3 tries by default, waiting
 * 1 s, then 2 s, then 4 s on the stack's clock).  Replies that do not come
 * from the server's address and port, that do not parse, or whose id or
 * question differ from ours are ignored and the wait goes on (RFC 5452).
 * A truncated answer (TC, RFC 1035 4.1.1) is asked again over TCP (RFC
 * 7766 5), and opts->tcp asks over TCP from the start: one connection per
 * try to the server's port 53, the message behind a two-octet length
 * (RFC 1035 4.2.2), with the same tries and timeouts on the stack clock.
 * The calls block (driving the stack when it has no thread of its own);
 * they allocate with malloc, not from the stack's accounted memory.
 */
enum glass_resolve_err {
    GLASS_RESOLVE_OK = 0,        /* NOERROR (the answer may still be empty) */
    GLASS_RESOLVE_NXDOMAIN,      /* the name does not exist (RCODE 3) */
    GLASS_RESOLVE_NODATA,        /* the name exists, but has no such record */
    GLASS_RESOLVE_SERVFAIL,      /* RCODE 2 */
    GLASS_RESOLVE_REFUSED,       /* RCODE 5 */
    GLASS_RESOLVE_SERVER_ERROR,  /* another RCODE (FORMERR, NOTIMP, ...) */
    GLASS_RESOLVE_TIMEOUT,       /* no usable reply after every try */
    GLASS_RESOLVE_UNREACHABLE,   /* ICMP: port/host/net unreachable; or TCP
                                  * connection refused (RST) */
    GLASS_RESOLVE_BAD_REPLY,     /* only malformed or mismatched replies came */
    GLASS_RESOLVE_TRUNCATED,     /* TC set even on the answer over TCP (it did
                                  * not fit 65535 octets); out is filled */
    GLASS_RESOLVE_NOTCP,         /* (the name is historical) the server closed
                                  * or reset the TCP connection, every try,
                                  * without answering */
    GLASS_RESOLVE_BAD_NAME,      /* not a valid domain name */
    GLASS_RESOLVE_CNAME_LOOP,    /* a CNAME chain too long or circular */
    GLASS_RESOLVE_SYSTEM,        /* a socket call failed: see errno */
};
/* One line for humans, e.g. "name does not exist (NXDOMAIN)". */
const char *glass_resolve_strerror(int err);

#define GLASS_DNS_STRLEN 1024        /* a name or rdata in presentation form */
#define GLASS_DNS_MAX_RECORDS 32

struct glass_dns_record {
    char name[GLASS_DNS_STRLEN];     /* owner name, absolute ("www.example.com.") */
    uint16_t type;                   /* 1 A, 5 CNAME, 15 MX, 16 TXT, 28 AAAA, ... */
    uint16_t rclass;                 /* 1 IN */
    uint32_t ttl;
    uint32_t addr;                   /* A: the address, network byte order */
    char data[GLASS_DNS_STRLEN];     /* rdata as dig shows it: "10.0.0.5",
                                      * "10 mail.example.com.", "\"text\"" */
};

struct glass_dns_answer {
    unsigned rcode;                  /* RFC 1035 4.1.1 RCODE of the reply */
    uint16_t flags;                  /* the reply's header flags */
    unsigned nrecords;               /* answer records kept */
    struct glass_dns_record records[GLASS_DNS_MAX_RECORDS];
    unsigned ignored;                /* replies ignored (wrong source/id/question, malformed) */
    unsigned tries;                  /* queries sent (over TCP: connections tried) */
    glass_time_t query_time;         /* from the last query (over TCP: its connect)
                                      * to its answer, stack clock */
    int over_tcp;                    /* the answer came over TCP (asked for, or
                                      * after a truncated UDP answer) */
};

struct glass_resolve_opts {
    uint16_t qtype;                  /* 0: A */
    unsigned tries;                  /* 0: 3 */
    unsigned timeout_ms;             /* first wait, doubled per try; 0: 1000 */
    uint16_t port;                   /* 0: 53 */
    int tcp;                         /* ask over TCP only (RFC 7766), not UDP first */
};

/* Ask `server` (network byte order) about `name`; opts may be NULL.
 * Returns GLASS_RESOLVE_OK or an error; out is filled whenever a reply was
 * accepted (so an NXDOMAIN answer still shows its rcode). */
int glass_resolve(struct glass_stack *stack, const char *name, uint32_t server,
                  struct glass_dns_answer *out, const struct glass_resolve_opts *opts);
/* A dotted quad is returned as is; a name is looked up (A), following a
 * CNAME chain (at most 8 links, re-asking for a chain's end when the
 * server gave no address for it).  *addr in network byte order. */
int glass_resolve_ipv4(struct glass_stack *stack, const char *name, uint32_t server,
                       uint32_t *addr);

#ifdef __cplusplus
}
#endif
#endif
