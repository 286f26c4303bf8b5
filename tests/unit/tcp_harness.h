/*
 * tcp_harness.h - TCP on the unit-test bench (harness.h): build crafted
 * segments from the peer (10.0.0.1) to the stack (10.0.0.2), parse the
 * segments the stack sends, and reach a state quickly.
 *
 * Conventions: addresses in network byte order (A("10.0.0.1")), ports in
 * HOST order everywhere in this file (the helpers convert), sequence
 * numbers and windows host order.  Functions that touch the stack directly
 * (tcp_h_listen_tcb, tcp_h_connect_tcb, tcp_h_find) take the stack lock
 * themselves; the injectors go through harness_inject.
 *
 * The control blocks made here have no socket (tcb->sk == NULL) and no
 * parent, but were never closed (fin_queued false), so tcp_input treats
 * them as live connections, not orphans.  tcp_done frees such a block at
 * once: after a test makes the connection end, use tcp_h_find rather than
 * an old pointer.
 */
#ifndef GLASS_TCP_HARNESS_H
#define GLASS_TCP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "tcp.h"

/* A whole Ethernet frame (peer MAC -> our MAC, IPv4 TTL 64) carrying one
 * TCP segment with correct IPv4 and TCP checksums; returns its length.
 * buf needs 14 + 20 + 20 + optlen + dlen bytes (optlen a multiple of 4,
 * at most 40).  Ports host order. */
size_t build_tcp_frame(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                       uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, const void *opts,
                       size_t optlen, const void *data, size_t dlen);
/* Offsets inside a frame build_tcp_frame made (no IPv4 options): for
 * tests that corrupt a field, then call tcp_frame_fix_checksum (or not). */
#define TF_IP 14
#define TF_TCP 34
/* Recompute the TCP checksum of such a frame (after editing it). */
void tcp_frame_fix_checksum(uint8_t *frame, size_t len);

/* A segment the stack sent, parsed.  Big (64 KiB of data): make it static
 * or heap-allocate it if a test holds several. */
struct tseg {
    uint32_t src, dst;          /* network order */
    uint16_t sport, dport;      /* host order */
    uint32_t seq, ack;
    uint8_t flags;              /* TCP_* */
    uint16_t wnd, urp;
    uint8_t doff;               /* header length in bytes */
    uint16_t mss;               /* MSS option, when has_mss */
    bool has_mss;
    uint8_t ttl;
    uint16_t ip_frag;           /* IPv4 flags and fragment offset (IPV4_FLAG_DF...) */
    uint8_t data[65536];
    size_t dlen;
};

/* Pop the oldest transmitted frame, skipping ARP frames, and parse it as
 * IPv4/TCP (asserting that it is TCP and that the IPv4 and TCP checksums
 * are right).  false when no frame is left. */
bool tx_pop_tcp(struct harness *h, struct tseg *out);

/* "S", "SA", "FA", "R", "RA", "PA"... for assertion messages. */
const char *tcp_h_flags(uint8_t flags);

/* The next TCP segment the stack sent (ARP skipped), its header fields
 * and options parsed (asserting the options parse); false when none. */
struct tcp_h_rx {
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t wnd;           /* the field, as sent */
    size_t doff, dlen;
    struct tcp_opts o;
};
bool tcp_h_pop_opts(struct harness *h, struct tcp_h_rx *r);

/* Pop the next TCP segment and assert its flags, seq and ack exactly
 * (ack checked only when the segment has ACK); returns its data length.
 * Fails the test when no segment was sent. */
size_t tcp_h_expect(struct harness *h, uint8_t flags, uint32_t seq, uint32_t ack);
/* Assert that no TCP segment is waiting to be popped. */
void tcp_h_expect_none(struct harness *h);

/* ---- a connection seen from the peer's side ----------------------------- */

struct tcp_h_conn {
    struct harness *h;
    uint16_t lport;             /* glass's port (host order) */
    uint16_t pport;             /* the peer's port (host order) */
    uint32_t iss;               /* glass's ISS (learnt from its SYN / SYN-ACK) */
    uint32_t irs;               /* the peer's ISS, chosen by the test */
    uint32_t snd_nxt;           /* the peer's next sequence number */
    uint32_t rcv_nxt;           /* what the peer acknowledges next */
    uint16_t wnd;               /* the window the peer advertises (65535) */
};

/* A segment from the peer (10.0.0.1:c->pport > 10.0.0.2:c->lport) with
 * window c->wnd and no options. */
void tcp_h_send(struct tcp_h_conn *c, uint32_t seq, uint32_t ack, uint8_t flags, const void *data,
                size_t dlen);
/* The same with options (optlen a multiple of 4). */
void tcp_h_send_opts(struct tcp_h_conn *c, uint32_t seq, uint32_t ack, uint8_t flags,
                     const void *opts, size_t optlen, const void *data, size_t dlen);

/* The usual start of a TCP test: a fresh harness that knows the peer's
 * MAC, and c reset to talk from pport to our lport (IRS 1000, window
 * 65535). */
void tcp_h_start(struct harness *h, struct tcp_h_conn *c, uint16_t lport, uint16_t pport);
/* The usual start of a sender test on the virtual clock: a fresh
 * harness, the tcp trace on stderr when GLASS_TEST_TRACE is set, the peer
 * a static neighbour (such tests run for virtual minutes, longer than an
 * ARP entry lives, and must see only TCP on the wire), and NewReno for
 * new connections (RFC 5681 / RFC 6582's window arithmetic, which RFC
 * 6675 4.2 and RFC 6937 state in the same terms; CUBIC, the default, has
 * check_tcp_cc.c). */
void tcp_h_start_sender(struct harness *h);
/* New connections use congestion control `name` ("newreno" for tests of
 * RFC 5681 / RFC 6582 window arithmetic; CUBIC, the default, has
 * check_tcp_cc.c). */
void tcp_h_use_cc(struct harness *h, const char *name);
/* A listening control block on 0.0.0.0:port (no socket), linked; its
 * backlog bounds both queues.  Asserts success. */
struct tcp_cb *tcp_h_listen_tcb(struct harness *h, uint16_t port, unsigned backlog);
/* The control block for 10.0.0.1:pport <> 10.0.0.2:lport (lookup: a
 * four-tuple match, else the listener); NULL when none. */
struct tcp_cb *tcp_h_find(struct harness *h, uint16_t lport, uint16_t pport);

/* Passive open on a listener at c->lport (tcp_h_listen_tcb): the peer
 * sends SYN (seq c->irs, MSS 1460), glass answers SYN-ACK (asserted:
 * ack = irs+1, MSS option present), the peer ACKs.  Fills c->iss,
 * c->snd_nxt = irs+1, c->rcv_nxt = iss+1; returns the child, now
 * ESTABLISHED and on the listener's accept queue.  Needs the peer MAC
 * known (harness_learn_peer). */
struct tcp_cb *tcp_h_handshake_passive(struct tcp_h_conn *c);

/* Active open without a socket: a control block 10.0.0.2:c->lport >
 * 10.0.0.1:c->pport in SYN-SENT with ISS `iss`, as tcp_user_connect
 * would make it, and its SYN sent by tcp_output (left in the tx record).
 * Fills c->iss and c->rcv_nxt = iss + 1. */
struct tcp_cb *tcp_h_connect_tcb(struct tcp_h_conn *c, uint32_t iss);
/* tcp_h_connect_tcb, then: the SYN popped and checked, SYN-ACK from the
 * peer (seq c->irs), glass's ACK popped and checked: ESTABLISHED. */
struct tcp_cb *tcp_h_handshake_active(struct tcp_h_conn *c, uint32_t iss);

/* A control block 10.0.0.2:lport <> 10.0.0.1:pport as tcp_input leaves
 * it after a handshake (ISS iss, IRS irs) in which the peer said MSS mss
 * and window wnd, SACK permitted both ways when sack: ESTABLISHED, SND.UNA
 * = SND.NXT = ISS+1, RCV.NXT = IRS+1, cwnd the congestion control's
 * initial window, linked, nothing sent.  Takes the stack lock itself. */
struct tcp_cb *tcp_h_established_tcb(struct harness *h, uint16_t lport, uint16_t pport,
                                     uint32_t iss, uint32_t irs, uint16_t mss, uint32_t wnd,
                                     bool sack);

/* An ICMP destination unreachable from the peer (code; mtu the next-hop
 * MTU field of fragmentation needed, RFC 1191 4) quoting a datagram of
 * quoted_len bytes, DF set, that glass sent from 10.0.0.2:lport to
 * 10.0.0.1:pport with sequence number seq (RFC 792: IPv4 header and the
 * first 8 bytes of the segment). */
void tcp_h_inject_icmp_unreach(struct harness *h, uint8_t code, uint16_t mtu, uint16_t lport,
                               uint16_t pport, uint32_t seq, uint16_t quoted_len);

/* An MSS option (4 bytes) into p; returns 4. */
size_t tcp_h_opt_mss(uint8_t *p, uint16_t mss);
/* A peer's options: MSS mss (0: none), SACK-permitted when sack,
 * Timestamps <tsval, tsecr> when ts, Window Scale ws (ws < 0: none), each
 * NOP-aligned as Linux writes them; returns the length (a multiple of 4). */
size_t tcp_h_opts(uint8_t *p, uint16_t mss, bool sack, int ws, bool ts, uint32_t tsval,
                  uint32_t tsecr);

#endif
