/*
 * tcp.h - the Transmission Control Protocol (RFC 9293): what its files
 * share.
 *
 * TCP is split by concern, so each file reads like the RFC text it
 * implements:
 *
 *   tcp.c          control blocks: making, finding (by four-tuple, then
 *                  listener), freeing; initial sequence numbers (RFC 6528);
 *                  listen queues; per-stack TCP state and configuration
 *   tcp_input.c    RFC 9293 3.10.7 "SEGMENT ARRIVES": header checks,
 *                  acceptability tests, RST/SYN/ACK/URG/text/FIN
 *                  processing in every state, RFC 5961 challenge ACKs,
 *                  RFC 1337
 *   tcp_reass.c    the out-of-order queue (merges overlaps, bounded)
 *   tcp_opt.c      options: parse (every malformed length) and write (MSS)
 *   tcp_output.c   segments out: what may be sent now (windows, Nagle,
 *                  SWS avoidance), ACK policy (delayed ACK, RFC 1122
 *                  4.2.3.2), the advertised window, RST, retransmission
 *   tcp_ack.c      what the sender does with an acceptable ACK: SND.UNA,
 *                  the send window (SND.WL1/WL2), RTT samples (RFC 6298),
 *                  duplicate ACKs, fast retransmit/recovery (RFC 5681,
 *                  RFC 6582 NewReno)
 *   tcp_timer.c    retransmission (RFC 6298), persist, delayed ACK,
 *                  keepalive and TIME-WAIT timers
 *   tcp_cc.c       the congestion control interface; tcp_cc_newreno.c
 *   tcp_user.c     RFC 9293 3.10.1-3.10.6 user calls (OPEN, SEND,
 *                  RECEIVE, CLOSE, ABORT, STATUS) as the socket layer
 *                  (sock_stream.c) makes them
 *   tcp_buf.c      the byte rings behind the send and receive buffers
 *
 * Everything here runs in stack context (stack lock held).  Addresses and
 * ports are in network byte order, like the socket's; sequence numbers
 * and windows are host order.
 */
#ifndef GLASS_TCP_H
#define GLASS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "glass.h"
#include "tcp_buf.h"
#include "tcp_seq.h"
#include "timer.h"

struct glass_stack;
struct glass_netif;
struct glass_sock;
struct pkb;

/* ---- header (RFC 9293 3.1) ---------------------------------------------- */

#define TCP_HLEN 20             /* without options */
#define TCP_MAX_HLEN 60
#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_DOFF 12         /* data offset in the high 4 bits */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_WND 14
#define TCP_OFF_CSUM 16
#define TCP_OFF_URP 18

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* RFC 9293 3.7.1: the MSS assumed when the peer sends no MSS option. */
#define TCP_DEFAULT_MSS 536
/* Without window scaling (RFC 7323 comes with the performance issue) the
 * window field is the whole window. */
#define TCP_MAX_WINDOW 65535

/* ---- options (tcp_opt.c) ------------------------------------------------ */

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8

struct tcp_opts {
    bool mss_present;
    uint16_t mss;
    bool ws_present;            /* parsed, not used yet (performance issue) */
    uint8_t ws;
    bool sack_perm;             /* likewise */
    bool ts_present;            /* likewise */
    uint32_t tsval, tsecr;
};

/* Parse the options area; -1 when malformed (a length that is 0, 1, or
 * runs past the area; a known option with the wrong length): RFC 9293
 * 3.1 / RFC 1122 4.2.2.5 -- such a segment is dropped and counted.
 * Unknown options with a sane length are skipped. */
int tcp_opts_parse(const uint8_t *p, size_t len, struct tcp_opts *o);
/* Write the options a SYN or SYN-ACK carries (MSS, RFC 9293 3.7.1),
 * padded to a multiple of 4; returns their length (<= 40). */
size_t tcp_opts_write_syn(uint8_t *p, uint16_t mss);

/* ---- a received segment, parsed (tcp_input.c) ---------------------------- */

struct tcp_seg {
    uint32_t src, dst;          /* IPv4 addresses, network order */
    uint16_t sport, dport;      /* network order */
    uint32_t seq, ack;          /* SEG.SEQ, SEG.ACK */
    uint32_t len;               /* SEG.LEN: data + SYN + FIN */
    uint16_t wnd, up;           /* SEG.WND, SEG.UP */
    uint8_t flags;              /* TCP_* */
    const uint8_t *data;        /* the segment text */
    size_t dlen;
    struct tcp_opts opts;
    struct pkb *pkb;            /* the frame it came in (data points into it) */
};

/* ---- states (RFC 9293 3.3.2) ----------------------------------------------- */

enum tcp_state {
    TCP_CLOSED,
    TCP_LISTEN,
    TCP_SYN_SENT,
    TCP_SYN_RECEIVED,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSE_WAIT,
    TCP_CLOSING,
    TCP_LAST_ACK,
    TCP_TIME_WAIT,
};
/* "ESTABLISHED", "SYN_RCVD"... as trace lines and glassctl print them. */
const char *tcp_state_name(enum tcp_state s);

/* ---- congestion control (tcp_cc.c) ------------------------------------------ */

struct tcp_cb;

/* A congestion control algorithm (RFC 5681 is the contract: cwnd and
 * ssthresh in bytes).  Each hook may be NULL where it has nothing to do. */
struct tcp_cc_ops {
    const char *name;                               /* "newreno" */
    void (*init)(struct tcp_cb *tcb);               /* connection established: IW */
    /* New data acknowledged (`acked` bytes), outside loss recovery. */
    void (*on_ack)(struct tcp_cb *tcb, uint32_t acked);
    /* Three duplicate ACKs: fast retransmit is happening (RFC 5681 3.2
     * step 2): set ssthresh (and cwnd for entering recovery). */
    void (*on_fast_retransmit)(struct tcp_cb *tcb);
    /* The retransmission timer fired (RFC 5681 (4)): ssthresh, cwnd = 1 MSS. */
    void (*on_timeout)(struct tcp_cb *tcb);
    /* Loss recovery ended with a full ACK (RFC 6582 3.2 step 3). */
    void (*on_recovery_exit)(struct tcp_cb *tcb);
};
#define TCP_CC_PRIV_SIZE 64
const struct tcp_cc_ops *tcp_cc_find(const char *name);    /* NULL: unknown */
extern const struct tcp_cc_ops tcp_cc_newreno;
/* The flight size (RFC 5681): data sent and not yet acknowledged. */
uint32_t tcp_flight_size(const struct tcp_cb *tcb);
/* RFC 6928 / RFC 5681 3.1: the initial window, given the MSS and
 * whether the SYN was retransmitted (then IW is one segment). */
uint32_t tcp_initial_window(const struct tcp_cb *tcb);

/* ---- the control block (RFC 9293 3.3.1) ------------------------------------- */

struct tcp_ooo_seg;             /* tcp_reass.c */

struct tcp_cb {
    struct glass_stack *stack;
    struct tcp_cb *next;            /* the stack's list of every control block */
    /* wt-fast: O(1) unlink and the lookup table (tcp_hash.c) */
    struct tcp_cb *prev;            /* back link in the stack's list */
    struct tcp_cb *hnext;           /* chain in a tcp_hash bucket */
    bool linked;                    /* on the list and in the table */
    bool hash_listen;               /* in the listener chains (was LISTEN when linked) */
    struct tcp_cb *tw_prev, *tw_next; /* the stack's TIME-WAIT queue (tcp.c) */
    bool on_tw;
    struct glass_sock *sk;          /* its socket; NULL when the user closed it
                                     * (orphan) or before accept() */
    enum tcp_state state;
    uint32_t laddr, faddr;          /* network order */
    uint16_t lport, fport;          /* network order */

    /* listening (tcp.c): children in SYN-RECEIVED sit on syn_q; when
     * established they move to the accept queue until accept() */
    struct tcp_cb *parent;          /* a child: the listener that made it */
    struct tcp_cb *qnext;           /* link in the parent's syn_q / accept queue */
    struct tcp_cb *syn_q;
    struct tcp_cb *acc_head, *acc_tail;
    unsigned syn_q_len, acc_q_len;
    unsigned backlog;               /* bound of each queue */

    /* send sequence space (RFC 9293 3.3.1) */
    uint32_t iss;
    uint32_t snd_una;               /* oldest unacknowledged */
    uint32_t snd_nxt;               /* next to send (goes back on RTO) */
    uint32_t snd_max;               /* highest ever sent + 1 */
    uint32_t snd_wnd;               /* peer's window */
    uint32_t snd_wl1, snd_wl2;      /* seq/ack of the last window update */
    uint32_t snd_up;
    uint32_t max_snd_wnd;           /* largest window the peer offered (SWS, RFC 1122 4.2.3.4) */

    /* receive sequence space */
    uint32_t irs;
    uint32_t rcv_nxt;
    uint32_t rcv_wnd;               /* window we advertise now */
    uint32_t rcv_adv;               /* RCV.NXT + window last advertised: the
                                     * right edge never moves left (RFC 9293 3.8.6.2.2) */
    uint32_t rcv_up;

    /* segment sizes (RFC 9293 3.7.1, RFC 6691) */
    uint16_t peer_mss;              /* from the peer's MSS option, or 536 */
    uint16_t adv_mss;               /* what we put in our MSS option */
    uint16_t snd_mss;               /* effective send MSS: min(peer, route MTU - 40) */
    unsigned pmtu_gen;              /* pmtu_generation() snd_mss was computed at */

    /* buffers: sndbuf holds [SND.UNA, SND.UNA + len); rcvbuf in-order
     * data not read yet; the out-of-order queue (tcp_reass.c) */
    struct tcp_buf sndbuf, rcvbuf;
    struct tcp_ooo_seg *ooo;        /* sorted by seq, no overlaps */
    size_t ooo_bytes;

    /* the FIN, in both directions */
    bool fin_queued;                /* CLOSE/SHUT_WR: FIN follows the queued data */
    bool fin_sent;                  /* it is in flight: its seq is fin_seq */
    uint32_t fin_seq;
    bool fin_rcvd;                  /* the peer's FIN is in sequence (RCV.NXT past it) */
    bool syn_retransmitted;         /* RFC 5681 3.1: IW = 1 segment then */

    int error;                      /* ECONNRESET, ECONNREFUSED, ETIMEDOUT...:
                                     * reported once by the socket (SO_ERROR) */
    int soft_error;                 /* last ICMP soft error (RFC 1122 4.2.3.9):
                                     * reported instead of ETIMEDOUT on give-up */

    /* round-trip time (RFC 6298), microseconds */
    glass_time_t srtt, rttvar, rto;
    bool rtt_timing;                /* one segment timed at a time (Karn) */
    uint32_t rtt_seq;
    glass_time_t rtt_start;
    unsigned backoff;               /* consecutive RTO expirations */
    unsigned retransmits;           /* total, for glassctl */

    /* congestion control (RFC 5681, RFC 6582) */
    const struct tcp_cc_ops *cc;
    uint32_t cwnd, ssthresh;
    uint32_t bytes_acked;           /* RFC 5681 3.1 congestion avoidance counter */
    unsigned dupacks;
    uint32_t limited_sent;          /* RFC 3042: bytes sent by Limited Transmit
                                     * since the last new ACK (kept out of
                                     * ssthresh, RFC 5681 3.2 step 2) */
    bool in_recovery;
    uint32_t recover;               /* RFC 6582: highest seq sent at loss */
    uint64_t cc_priv[TCP_CC_PRIV_SIZE / 8];

    /* ACK policy (RFC 1122 4.2.3.2) */
    unsigned segs_unacked;          /* full-sized segments since our last ACK */
    bool ack_now;                   /* send an ACK at the next tcp_output */
    bool oow_ack_sent;              /* an ACK answered an unacceptable segment or
                                     * an ACK for unsent data, at oow_ack_time
                                     * (rate limit, tcp_input.c) */
    glass_time_t oow_ack_time;

    /* timers (tcp_timer.c) */
    struct glass_timer rexmt, persist, delack, keepalive, time_wait;
    unsigned persist_backoff;
    unsigned persist_probes_out;    /* zero-window probes no ACK answered
                                     * (give up after cfg.retries, like Linux) */
    unsigned keep_probes;           /* unanswered keepalive probes */
    glass_time_t last_rcv;          /* when a segment last arrived (keepalive) */

    /* options from the socket (sock_opt.c) */
    bool nodelay;                   /* TCP_NODELAY: Nagle off */
    bool keepalive_on;              /* SO_KEEPALIVE */
    glass_time_t keepidle, keepintvl;
    unsigned keepcnt;
    uint16_t user_mss;              /* TCP_MAXSEG, 0 = not set */
};

/* ---- the lookup table (tcp_hash.c, wt-fast) ------------------------------------ */

#define TCP_HASH_LISTEN_BUCKETS 32

struct tcp_hash {
    struct tcp_cb **buckets;        /* connections by keyed hash of the four-tuple */
    unsigned nbuckets;              /* a power of two; doubles when nconn reaches it */
    unsigned nconn;
    struct tcp_cb *listen[TCP_HASH_LISTEN_BUCKETS]; /* listeners by local port */
    struct tcp_cb *last;            /* the connection the last lookup found */
    uint64_t key[2];                /* SipHash key, random per stack */
};

int tcp_hash_init(struct glass_stack *stack, struct tcp_hash *h);
void tcp_hash_destroy(struct glass_stack *stack, struct tcp_hash *h);
/* Called by tcp_tcb_link / tcp_tcb_unlink only. */
void tcp_hash_insert(struct tcp_cb *tcb);
void tcp_hash_remove(struct tcp_cb *tcb);
/* The newest linked non-listening block with this four-tuple, or NULL;
 * one in CLOSED only when closed_too. */
struct tcp_cb *tcp_hash_find_conn(struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                                  uint32_t faddr, uint16_t fport, bool closed_too);
/* The listener on lport for laddr: one bound to laddr, else one bound to
 * 0.0.0.0, else NULL. */
struct tcp_cb *tcp_hash_find_listener(struct glass_stack *stack, uint32_t laddr, uint16_t lport);

/* ---- per stack (tcp.c) ------------------------------------------------------- */

struct tcp_stack {
    struct glass_tcp_config cfg;
    struct tcp_cb *tcbs;            /* every control block of the stack */
    unsigned ntcbs;
    uint8_t isn_key[16];            /* RFC 6528 secret, random per stack */
    /* RFC 5961 7: challenge ACKs per second, stack-wide like Linux */
    glass_time_t challenge_window;  /* start of the current second */
    unsigned challenge_count;
    struct tcp_hash hash;           /* wt-fast: lookup table (tcp_hash.c) */
    /* wt-fast: blocks in TIME-WAIT, in the order their 2*MSL timers were
     * (re)armed, which is the order they expire (the same 2*MSL for all):
     * the oldest is found at the head, not by walking every block. */
    struct tcp_cb *tw_head, *tw_tail;
};

int tcp_stack_init(struct glass_stack *stack);
void tcp_stack_destroy(struct glass_stack *stack);

/* ---- tcp.c: control blocks -------------------------------------------------- */

/* A new control block in CLOSED, not in the lookup list yet; buffers sized
 * from the stack defaults; NULL when out of memory or over max_tcbs. */
struct tcp_cb *tcp_tcb_new(struct glass_stack *stack);
/* Put tcb in / take it out of the stack's list (lookup sees it). */
void tcp_tcb_link(struct tcp_cb *tcb);
void tcp_tcb_unlink(struct tcp_cb *tcb);
/* Release timers, buffers and queues and the block itself. */
void tcp_tcb_free(struct tcp_cb *tcb);
/* The connection is over (RFC 9293 "enter the CLOSED state, delete the
 * TCB"): timers cancelled, out of the lookup list and out of its parent's
 * queue, err (if any) kept for the socket, the socket woken.  An orphan
 * (no socket) is freed now; otherwise the socket's close frees it. */
void tcp_done(struct tcp_cb *tcb, int err);
/* A RST arrived or the user aborted: the error as RFC 9293 3.10.7.3 says
 * (ECONNREFUSED in SYN-SENT, ECONNRESET otherwise), then tcp_done. */
void tcp_reset(struct tcp_cb *tcb);
/* Change state, with a trace line "tcp  L > F  OLD -> NEW". */
void tcp_set_state(struct tcp_cb *tcb, enum tcp_state s);
/* wt-fast: the 2*MSL timer was (re)armed: in TIME-WAIT the block moves to
 * the tail of the stack's TIME-WAIT queue (tcp_timer_time_wait calls it). */
void tcp_tw_touch(struct tcp_cb *tcb);

/* RFC 9293 3.10.7.1 + RFC 1122 4.2.2: the control block a segment
 * src:sport > dst:dport belongs to: a full four-tuple match first, then a
 * listener bound to dst (or 0.0.0.0) and dport; NULL when none. */
struct tcp_cb *tcp_lookup(struct glass_stack *stack, uint32_t src, uint16_t sport, uint32_t dst,
                          uint16_t dport);
/* Is the four-tuple taken by a control block (any state, TIME-WAIT included)? */
bool tcp_tuple_in_use(struct glass_stack *stack, uint32_t laddr, uint16_t lport, uint32_t faddr,
                      uint16_t fport);
/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M the 4-microsecond clock, F a keyed hash (SipHash-2-4). */
uint32_t tcp_isn(const struct tcp_cb *tcb);
/* Wake whoever waits on this connection: its socket, or for a child that
 * just became acceptable, the listener's socket. */
void tcp_wake(struct tcp_cb *tcb);

/* Listen queues.  A child made from a SYN goes on the parent's syn_q
 * (false when syn_q is full: the SYN is dropped silently); when it reaches
 * ESTABLISHED it moves to the accept queue (false when that is full: Linux
 * then drops the ACK and lets the SYN-ACK be retransmitted). */
bool tcp_listen_add_child(struct tcp_cb *parent, struct tcp_cb *child);
bool tcp_listen_child_established(struct tcp_cb *child);
/* The oldest established child, taken off the accept queue (its parent
 * pointer cleared); NULL if none. */
struct tcp_cb *tcp_listen_take(struct tcp_cb *parent);
/* Does any connection still have data or a FIN not yet acknowledged? */
bool tcp_output_pending(struct glass_stack *stack);
/* The listener is closing: every child on either queue is reset (RST sent)
 * and freed; the queues are empty afterwards. */
void tcp_listen_close(struct tcp_cb *parent);

/* ---- tcp_input.c ---------------------------------------------------------- */

/* pkb data at the TCP header, l3 set (IPv4 header).  Consumes pkb. */
void tcp_input(struct glass_netif *nif, struct pkb *pkb);
/* An ICMP error quoting a segment we sent (q: the quoted IPv4 header of
 * qhlen bytes, at least 8 bytes of TCP after it).  RFC 1122 4.2.3.9:
 * hard errors (port/protocol unreachable) abort a connection in SYN-SENT;
 * others are remembered as a soft error, reported if it times out.
 * Fragmentation needed (next_mtu: its next-hop MTU field) lowers the path
 * MTU only once the quoted sequence number checks out (RFC 5927 5.2), and
 * what it lost goes again at once at the smaller size (RFC 1191 6.3). */
void tcp_icmp_error(struct glass_stack *stack, uint8_t type, uint8_t code, uint32_t from,
                    const uint8_t *q, size_t qhlen, unsigned next_mtu);

/* ---- tcp_reass.c -------------------------------------------------------------- */

/* Queue the part of a segment's text beyond RCV.NXT that lies inside the
 * receive window, merging with what is there (overlaps trimmed, first
 * copy wins).  Bounded: ooo_bytes + rcvbuf.len never exceed the receive
 * buffer.  Returns bytes newly queued. */
size_t tcp_reass_insert(struct tcp_cb *tcb, uint32_t seq, const uint8_t *data, size_t len,
                        bool fin);
/* Move what has become in order (starts at RCV.NXT) into rcvbuf, advancing
 * RCV.NXT; returns true when a queued FIN became in order too. */
bool tcp_reass_pull(struct tcp_cb *tcb, size_t *moved);
void tcp_reass_purge(struct tcp_cb *tcb);

/* ---- tcp_output.c ---------------------------------------------------------------- */

/* Send what may be sent now: SYN / SYN-ACK in the synchronizing states,
 * data within min(SND.WND, cwnd) subject to Nagle (RFC 896, unless
 * nodelay) and sender SWS avoidance (RFC 1122 4.2.3.4), the FIN once the
 * data before it is out, and an ACK if one is owed (ack_now).  Arms the
 * retransmission timer and the persist timer as needed. */
void tcp_output(struct tcp_cb *tcb);
/* RFC 3042 Limited Transmit: on the first or second duplicate ACK, one
 * segment of unsent data if the peer's window allows and the flight stays
 * within cwnd + 2 segments (cwnd unchanged); true when one went. */
bool tcp_limited_transmit(struct tcp_cb *tcb);
/* An ACK now (RFC 9293: "send an ACK"), cancelling a delayed one. */
void tcp_send_ack(struct tcp_cb *tcb);
/* RFC 1122 4.2.3.2: data arrived in order (dlen bytes): ACK every second
 * full-sized segment at once, otherwise arm the delayed-ACK timer. */
void tcp_ack_received_data(struct tcp_cb *tcb, size_t dlen);
/* RFC 1122 4.2.3.6: a keep-alive probe, <SEQ=SND.UNA-1><ACK>. */
void tcp_send_keepalive(struct tcp_cb *tcb);
/* RFC 5961 7: an ACK in answer to a suspicious RST/SYN, at most
 * cfg.challenge_ack_limit per second per stack (counted when suppressed). */
void tcp_send_challenge_ack(struct tcp_cb *tcb);
/* RFC 9293 3.10.7.1 (no TCB) and the "unacceptable segment" RSTs:
 * if seg has ACK, <SEQ=SEG.ACK><CTL=RST>, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.  Never in answer to a RST. */
void tcp_send_rst_reply(struct glass_stack *stack, const struct tcp_seg *seg);
/* Abort: <SEQ=SND.NXT><CTL=RST> to the peer of tcb (ABORT, RFC 2525). */
void tcp_send_rst(struct tcp_cb *tcb);
/* Retransmit the first unacknowledged segment (SYN, data or FIN) now. */
void tcp_retransmit(struct tcp_cb *tcb);
/* The persist timer's segment (RFC 9293 3.8.6.1): one octet at SND.UNA
 * beyond a zero window, or, if a small window is open, what fits in it
 * (overriding sender SWS avoidance). */
void tcp_send_window_probe(struct tcp_cb *tcb);
/* The window we can advertise now (receiver SWS avoidance, RFC 1122
 * 4.2.3.3; never shrinking the right edge); 0..TCP_MAX_WINDOW. */
uint32_t tcp_rcv_window(struct tcp_cb *tcb);
/* The user read some data: send a window update if the window opened
 * enough to matter (RFC 1122 4.2.3.3: by min(rcvbuf/2, MSS)). */
void tcp_rcv_consumed(struct tcp_cb *tcb);
/* Recompute snd_mss from peer_mss, user_mss and the route MTU. */
void tcp_mss_update(struct tcp_cb *tcb);
/* RFC 1191 6.3: the path MTU to tcb's peer went down (fragmentation
 * needed quoting our segment at seq, quoted_len bytes of datagram): the MSS
 * follows, and the segments lost to it go again at once at the new size
 * (not counted as congestion). */
void tcp_mtu_reduced(struct tcp_cb *tcb, uint32_t seq, unsigned quoted_len);
/* The MSS to advertise in our SYN: route MTU - 40 (RFC 9293 3.7.1). */
uint16_t tcp_mss_to_advertise(struct glass_stack *stack, uint32_t faddr);

/* ---- tcp_ack.c ------------------------------------------------------------------- */

/* RFC 9293 3.10.7.4 fifth check, sender's half, for a segment whose ACK
 * is acceptable (SEG.ACK <= SND.NXT... the caller has checked "ACK for
 * unsent data"): advance SND.UNA and free acknowledged bytes, take an RTT
 * sample (RFC 6298, Karn), restart or stop the retransmission timer, count
 * duplicate ACKs (RFC 5681 2 definition) and run fast retransmit / fast
 * recovery (RFC 5681 3.2, RFC 6582), update the send window
 * (SND.WL1/SND.WL2 rule), wake a writer when buffer space frees up, and
 * call tcp_output for whatever may now go.  Returns true when our FIN is
 * now acknowledged. */
bool tcp_ack_input(struct tcp_cb *tcb, const struct tcp_seg *seg);
/* RFC 6298 2: fold one RTT measurement into SRTT/RTTVAR/RTO. */
void tcp_rtt_sample(struct tcp_cb *tcb, glass_time_t rtt);

/* ---- tcp_timer.c ---------------------------------------------------------------- */

void tcp_timers_init(struct tcp_cb *tcb);
void tcp_timers_cancel(struct tcp_cb *tcb);
/* (Re)start the retransmission timer at RTO << backoff (RFC 6298 5.1/5.3). */
void tcp_timer_rexmt_restart(struct tcp_cb *tcb);
void tcp_timer_rexmt_stop(struct tcp_cb *tcb);
/* Zero window: start probing (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17). */
void tcp_timer_persist_start(struct tcp_cb *tcb);
/* Arm the delayed-ACK timer (at most cfg.delack_max) if not pending. */
void tcp_timer_delack_start(struct tcp_cb *tcb);
/* A segment arrived: keepalive counts idleness from now. */
void tcp_timer_keepalive_reset(struct tcp_cb *tcb);
/* Enter (or restart) TIME-WAIT: 2*MSL, then tcp_done. */
void tcp_timer_time_wait(struct tcp_cb *tcb);

/* ---- tcp_user.c (called by sock_stream.c) ------------------------------------------ */

/* Make the control block behind a new SOCK_STREAM socket. */
int tcp_user_attach(struct glass_sock *sk);
/* Active OPEN (RFC 9293 3.10.1): source address by route, ephemeral port
 * unique for the four-tuple, ISS, SYN.  0 or -errno. */
int tcp_user_connect(struct tcp_cb *tcb, uint32_t faddr, uint16_t fport);
/* Passive OPEN. */
int tcp_user_listen(struct tcp_cb *tcb, int backlog);
/* SEND (RFC 9293 3.10.2): queue up to len bytes from iovecs; returns
 * bytes taken (0 = no room now), or -errno (EPIPE after FIN, ...). */
ssize_t tcp_user_send(struct tcp_cb *tcb, const struct iovec *iov, size_t iovlen, size_t len);
/* RECEIVE (RFC 9293 3.10.3): copy out up to len bytes (peek: leave them). */
ssize_t tcp_user_recv(struct tcp_cb *tcb, const struct iovec *iov, size_t iovlen, size_t len,
                      bool peek);
/* SHUT_WR: queue our FIN (RFC 9293 3.10.4 CLOSE, half of it). */
void tcp_user_shutdown_wr(struct tcp_cb *tcb);
/* close(): RST if unread data remains (RFC 2525 2.17) or linger 0;
 * otherwise CLOSE and the control block lives on as an orphan. */
void tcp_user_close(struct tcp_cb *tcb, bool abort);
/* poll(2) events as Linux's tcp_poll reports them. */
short tcp_user_poll(const struct tcp_cb *tcb);

#endif
