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
 *   tcp_opt.c      options: parse (every malformed length) and write (MSS,
 *                  SACK-permitted, SACK blocks)
 *   tcp_sack.c     RFC 2018 SACK, RFC 2883 D-SACK, RFC 6675 loss recovery
 *   tcp_output.c   segments out: what may be sent now (windows, Nagle,
 *                  SWS avoidance), ACK policy (delayed ACK, RFC 1122
 *                  4.2.3.2), the advertised window, RST, retransmission
 *   tcp_ack.c      what the sender does with an acceptable ACK: SND.UNA,
 *                  the send window (SND.WL1/WL2), RTT samples (RFC 6298),
 *                  duplicate ACKs, fast retransmit/recovery (RFC 5681,
 *                  RFC 6582 NewReno)
 *   tcp_timer.c    retransmission (RFC 6298), persist, delayed ACK,
 *                  keepalive and TIME-WAIT timers
 *   tcp_cc.c       the congestion control interface; tcp_cc_newreno.c,
 *                  tcp_cc_cubic.c (RFC 9438, the default) with
 *                  tcp_hystart.c (RFC 9406 slow-start exit)
 *   tcp_user.c     RFC 9293 3.10.1-3.10.6 user calls (OPEN, SEND,
 *                  RECEIVE, CLOSE, ABORT, STATUS) as the socket layer
 *                  (sock_stream.c) makes them
 *   tcp_buf.c      the byte rings behind the send and receive buffers
 *   tcp_syncookie.c  RFC 4987 3.6 SYN cookies: a SYN-ACK from no state
 *                  when the SYN queue is full, the connection made from
 *                  the ACK that returns the cookie
 *   tcp_wscale.c, tcp_ts.c  RFC 7323 window scaling; timestamps, RTTM, PAWS
 *   tcp_hash.c     the lookup table behind "finding" (keyed hash of the
 *                  four-tuple, listeners by port)
 *   tcp_tso.c      TSO super-segments and their partial checksum
 *   tcp_ackbatch.c one ACK per receive batch (RFC 5681 4.2)
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
/* The largest value of the 16-bit window field; with window scaling
 * (RFC 7323 2, tcp_wscale.c) the window is this shifted left by up to
 * TCP_MAX_WSCALE. */
#define TCP_MAX_WINDOW 65535

/* ---- options (tcp_opt.c) ------------------------------------------------ */

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8

/* A SACK block (RFC 2018 3): [left, right), right one past the end. */
struct tcp_sack_block {
    uint32_t left, right;
};

struct tcp_opts {
    bool mss_present;
    uint16_t mss;
    bool ws_present;            /* RFC 7323 2.2 (tcp_wscale.c) */
    uint8_t ws;
    bool sack_perm;             /* parsed, not used yet (RFC 2018) */
    bool ts_present;            /* RFC 7323 3.2 (tcp_ts.c) */
    uint32_t tsval, tsecr;
    /* RFC 2018 3: the SACK option's blocks, as sent (up to 4 fit in 40
     * bytes); more in one option cannot be (the length is checked). */
    uint8_t nsack;
    struct tcp_sack_block sack[4];
};

/* Parse the options area; -1 when malformed (a length that is 0, 1, or
 * runs past the area; a known option with the wrong length): RFC 9293
 * 3.1 / RFC 1122 4.2.2.5 -- such a segment is dropped and counted.
 * Unknown options with a sane length are skipped. */
int tcp_opts_parse(const uint8_t *p, size_t len, struct tcp_opts *o);
/* Write the options a SYN or SYN-ACK carries (MSS, RFC 9293 3.7.1),
 * padded to a multiple of 4; returns their length (<= 40). */
size_t tcp_opts_write_syn(uint8_t *p, uint16_t mss);
/* RFC 2018 2: SACK-permitted on a SYN, as NOP NOP kind=4 len=2 (4 bytes,
 * keeps what follows aligned); returns 4. */
size_t tcp_opts_write_sack_perm(uint8_t *p);
/* RFC 2018 3: NOP NOP and a SACK option of as many of the n blocks as fit
 * in `room` bytes (so 4 blocks in a bare header, 3 next to timestamps);
 * returns the bytes written (0 when not even one block fits or n == 0). */
size_t tcp_opts_write_sack_blocks(uint8_t *p, size_t room, const struct tcp_sack_block *b,
                                  unsigned n);
/* Every option a segment of tcb with these flags carries, padded to a
 * multiple of 4; returns their length (<= 40).  A SYN or SYN-ACK: MSS,
 * and Timestamps and Window Scale as RFC 7323 negotiates them (on our SYN
 * when enabled; on a SYN-ACK only if the peer's SYN had them); any other
 * segment: Timestamps once negotiated (RFC 7323 3.2).  More options
 * (SACK) are one more block here. */
struct tcp_cb;
size_t tcp_opts_write(uint8_t *p, const struct tcp_cb *tcb, uint8_t flags);

/* ---- a received segment, parsed (tcp_input.c) ---------------------------- */

struct tcp_seg {
    uint32_t src, dst;          /* IPv4 addresses, network order */
    uint16_t sport, dport;      /* network order */
    uint32_t seq, ack;          /* SEG.SEQ, SEG.ACK */
    uint32_t len;               /* SEG.LEN: data + SYN + FIN */
    uint32_t wnd;               /* SEG.WND: the field, shifted by Snd.Wind.Shift
                                 * once the control block is known (RFC 7323 2.3) */
    uint16_t up;                /* SEG.UP */
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
    /* cc: CUBIC / HyStart++ hooks (tcp_cc_cubic.c, tcp_hystart.c).
     * One RTT measurement (RFC 6298, or RFC 7323 RTTM), called from
     * tcp_rtt_sample before the ACK that carried it reaches on_ack. */
    void (*on_rtt_sample)(struct tcp_cb *tcb, glass_time_t rtt);
    /* The connection switched to this algorithm after init (TCP_CONGESTION
     * on a live connection): cc_priv is zeroed, cwnd and ssthresh are
     * kept; set up the private state from them (Linux keeps the window
     * too, tcp_reinit_congestion_control). */
    void (*reset)(struct tcp_cb *tcb);
};
#define TCP_CC_PRIV_SIZE 128
/* By name; "reno" (Linux's name) is taken as "newreno".  NULL: unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
extern const struct tcp_cc_ops tcp_cc_newreno;
/* The flight size (RFC 5681): data sent and not yet acknowledged. */
uint32_t tcp_flight_size(const struct tcp_cb *tcb);
/* RFC 6928 / RFC 5681 3.1: the initial window, given the MSS and
 * whether the SYN was retransmitted (then IW is one segment). */
uint32_t tcp_initial_window(const struct tcp_cb *tcb);

/* ---- cc: CUBIC (RFC 9438) and HyStart++ (RFC 9406) -------------------------- */

extern const struct tcp_cc_ops tcp_cc_cubic;
/* Switch tcb to ops (setsockopt TCP_CONGESTION): nothing when it already
 * runs ops; otherwise cc_priv is cleared and, on a connection whose
 * window is already set up, ops->reset builds its state from cwnd and
 * ssthresh as they are. */
void tcp_cc_set(struct tcp_cb *tcb, const struct tcp_cc_ops *ops);

/* HyStart++ (RFC 9406 4.2) state, kept inside an algorithm's cc_priv. */
enum tcp_hystart_phase {
    TCP_HYSTART_OFF,            /* not (or no longer) in the first slow start */
    TCP_HYSTART_SS,             /* slow start, watching the RTT of each round */
    TCP_HYSTART_CSS,            /* Conservative Slow Start */
};
struct tcp_hystart {
    uint8_t phase;              /* enum tcp_hystart_phase */
    uint8_t css_rounds;         /* rounds begun in CSS */
    uint16_t samples;           /* rttSampleCount of this round */
    uint32_t window_end;        /* windowEnd: the round ends when SND.UNA reaches it */
    glass_time_t last_round_min_rtt, cur_round_min_rtt, css_baseline_min_rtt;
    glass_time_t pending_rtt;   /* sample of the ACK now being processed */
};
#define TCP_HYSTART_INF UINT64_MAX
/* Start HyStart++ for the initial slow start (round from SND.NXT). */
void tcp_hystart_init(struct tcp_hystart *hs, const struct tcp_cb *tcb);
/* An RTT sample; it is counted by the next tcp_hystart_on_ack. */
void tcp_hystart_rtt(struct tcp_hystart *hs, glass_time_t rtt);
/* Slow start / CSS growth for an ACK of `acked` new bytes (RFC 9406 4.2):
 * grows cwnd, and may end slow start (ssthresh = cwnd, phase OFF). */
void tcp_hystart_on_ack(struct tcp_hystart *hs, struct tcp_cb *tcb, uint32_t acked);
/* A loss in slow start or CSS: HyStart++ is over for the connection. */
void tcp_hystart_stop(struct tcp_hystart *hs);

/* CUBIC's variables as RFC 9438 4.1 names them, windows in segments, for
 * tests, trace and glassctl; false when tcb does not run CUBIC. */
struct tcp_cubic_info {
    double w_max, k, cwnd_epoch, w_est, cwnd_prior;
    bool in_epoch;              /* a congestion avoidance stage is running */
    glass_time_t t_epoch;       /* its start (stack clock) */
    enum tcp_hystart_phase hystart;
    uint32_t hystart_window_end;  /* the current round ends when SND.UNA reaches it */
};
bool tcp_cubic_info(const struct tcp_cb *tcb, struct tcp_cubic_info *out);
/* The constants of RFC 9438 4.1, for tests and docs. */
#define TCP_CUBIC_C 0.4
#define TCP_CUBIC_BETA 0.7

/* ---- the control block (RFC 9293 3.3.1) ------------------------------------- */

struct tcp_ooo_seg;             /* tcp_reass.c */

/* ---- SACK (tcp_sack.c): RFC 2018, RFC 2883 D-SACK, RFC 6675 recovery ------ */

#define TCP_SACK_MAX_BLOCKS 4   /* in one option (RFC 2018 3) */
#define TCP_SACK_SB_MAX 32      /* scoreboard ranges kept at the sender */
#define TCP_SACK_DUPTHRESH 3    /* RFC 6675 2 DupThresh */

struct tcp_sack {
    bool ok;                    /* negotiated: both SYNs carried SACK-permitted */
    bool peer_perm;             /* the peer's SYN carried it (a SYN-ACK may echo it) */
    /* receiver (RFC 2018 4): blocks most recently reported first, and a
     * D-SACK block (RFC 2883) owed in the next ACK */
    struct tcp_sack_block rcv[TCP_SACK_MAX_BLOCKS];
    unsigned nrcv;
    bool dsack_owed;
    struct tcp_sack_block dsack;
    /* sender: the scoreboard, SACKed ranges of [SND.UNA, SND.MAX), sorted,
     * disjoint, not touching (RFC 6675 3 "Update") */
    struct tcp_sack_block sb[TCP_SACK_SB_MAX];
    unsigned nsb;
    /* RFC 6675 loss recovery (tcb->in_recovery, tcb->recover = RecoveryPoint + 1) */
    bool recovery;              /* in_recovery is the RFC 6675 kind */
    uint32_t high_rxt;          /* HighRxt + 1: one past the highest retransmitted */
    uint32_t rescue_rxt;        /* RescueRxt, valid when rescue_done */
    bool rescue_done;
};

/* ---- rack: RFC 8985 RACK-TLP (tcp_rack.c) ---------------------------------------- */

/* One transmission as sent: a TSO super-segment is one record; a
 * retransmission of part of a record splits it. */
struct tcp_rack_rec {
    uint32_t seq, end;          /* [seq, end), the FIN counted */
    glass_time_t xmit_ts;       /* its latest (re)transmission, stack clock */
    uint8_t flags;              /* TCP_RACK_* */
};
#define TCP_RACK_RETRANS 0x01   /* sent more than once */
#define TCP_RACK_SACKED 0x02    /* delivered (SACKed): already counted */
#define TCP_RACK_LOST 0x04      /* RACK marked it lost, not resent since */
#define TCP_RACK_REC_MIN 16     /* bounds of the record (entries): it starts at the
                                 * first, doubles as needed up to 2 * sndbuf / MSS */
#define TCP_RACK_REC_MAX 4096
/* loss: the floor under 2*SRTT.  Linux's tcp_schedule_loss_probe adds
 * TCP_TIMEOUT_MIN (2 jiffies, 2 ms at HZ=1000) to 2*SRTT; it was a 10 ms
 * floor until Linux 4.x.  On a path of microseconds each probe is a stall
 * of the floor (an ACK lost when one super-segment is the whole flight),
 * at 1% ACK loss tens of them a second: 10 ms cost about a fifth of the
 * time. */
#define TCP_RACK_PTO_MIN (2 * GLASS_USEC_PER_MSEC)
#define TCP_RACK_WCDELACKT (200 * GLASS_USEC_PER_MSEC)  /* RFC 8985 7.2 WCDelAckT */

/* loss: RFC 6937 Proportional Rate Reduction state (tcp_prr.c) */
struct tcp_prr {
    bool active;                /* in a SACK recovery, cfg.prr on */
    uint32_t recover_fs;        /* RecoverFS: FlightSize when recovery began */
    uint64_t delivered;         /* prr_delivered */
    uint64_t out;               /* prr_out */
};

struct tcp_rack {
    /* the record of sent segments: a ring of cap entries, n in use from
     * head, sorted by sequence, covering [SND.UNA, SND.MAX) */
    struct tcp_rack_rec *rec;
    unsigned cap, head, n;
    unsigned nlost;             /* records with TCP_RACK_LOST */
    unsigned nretrans;          /* ...with TCP_RACK_RETRANS */
    unsigned nsacked;           /* ...with TCP_RACK_SACKED (RACK.segs_sacked) */
    glass_time_t recovery_ts;   /* when the current RFC 6675 recovery began */
    bool was_in_recovery;       /* for the reo_wnd_persist count (6.2 step 4) */
    bool in_probe;              /* sending a probe: it does not restart the PTO */
    /* RFC 8985 6.1 */
    bool have;                  /* xmit_ts / end_seq set by a delivery */
    glass_time_t xmit_ts;       /* RACK.xmit_ts */
    uint32_t end_seq;           /* RACK.end_seq */
    glass_time_t rtt;           /* RACK.rtt */
    glass_time_t min_rtt;       /* RACK.min_RTT (0: none yet) */
    uint32_t fack;              /* RACK.fack: highest delivered end */
    bool reordering_seen;       /* RACK.reordering_seen */
    unsigned reo_wnd_mult, reo_wnd_persist;
    bool dsack_round_on;
    uint32_t dsack_round;       /* RACK.dsack_round when dsack_round_on */
    struct glass_timer reo_timer;   /* RFC 8985 6.3 */
    /* RFC 8985 7: tail loss probe */
    struct glass_timer pto_timer;
    bool tlp_out;               /* TLP.end_seq is set: one probe at a time */
    uint32_t tlp_end_seq;
    bool tlp_is_retrans;
    bool rearm;                 /* arm the PTO after this tcp_output (new data, an ACK) */
};

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
    bool syn_acked;                 /* SND.UNA has moved past ISS (tcp_syn_is_acked) */

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
    bool ack_deferred;              /* on the stack's batch list (tcp_ackbatch.c) */
    struct tcp_cb *ack_defer_next;
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

    struct tcp_sack sack;           /* RFC 2018 / RFC 6675 state (tcp_sack.c) */
    /* RFC 7323 (tcp_wscale.c, tcp_ts.c) */
    bool ws_offered;                /* our SYN/SYN-ACK carried Window Scale */
    bool ws_ok;                     /* both SYNs carried it: scaling on */
    uint8_t snd_wscale;             /* Snd.Wind.Shift: the peer's shift (<= 14) */
    uint8_t rcv_wscale;             /* Rcv.Wind.Shift: ours (<= 14) */
    uint8_t rcv_wscale_offer;       /* the shift our SYN offered */
    bool ts_offered;                /* our SYN/SYN-ACK carried Timestamps */
    bool ts_ok;                     /* both SYNs carried them: TS on every segment */
    uint32_t ts_offset;             /* TSval = ms clock + ts_offset (per connection) */
    uint32_t ts_recent;             /* TS.Recent (RFC 7323 4.3) */
    glass_time_t ts_recent_stamp;   /* when TS.Recent was set (the 24-day rule, 5.5) */
    uint32_t last_ack_sent;         /* Last.ACK.sent (RFC 7323 4.3) */
    struct tcp_rack rack;           /* rack: RFC 8985 RACK-TLP (tcp_rack.c) */
    struct tcp_prr prr;             /* loss: RFC 6937 PRR (tcp_prr.c) */
};

/* Our SYN is acknowledged.  Not seq_gt(SND.UNA, ISS): sequence numbers
 * compare only within 2^31 (RFC 9293 3.4), so after 2 GiB sent that
 * turned false and the send buffer's base went back to ISS + 1.  SND.UNA
 * starts at ISS and only tcp_ack_advance moves it, which sets syn_acked;
 * SND.UNA != ISS covers control blocks made ESTABLISHED directly. */
static inline bool tcp_syn_is_acked(const struct tcp_cb *tcb)
{
    return tcb->syn_acked || tcb->snd_una != tcb->iss;
}

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
    /* SYN cookies (RFC 4987 3.6, tcp_syncookie.c): when the last one
     * went out; in "auto" mode ACKs are checked for a cookie only for two
     * cookie periods after that (Linux tcp_synq_no_recent_overflow) */
    bool syncookie_any_sent;
    glass_time_t syncookie_last_sent;
    struct tcp_hash hash;           /* wt-fast: lookup table (tcp_hash.c) */
    /* wt-fast: blocks in TIME-WAIT, in the order their 2*MSL timers were
     * (re)armed, which is the order they expire (the same 2*MSL for all):
     * the oldest is found at the head, not by walking every block. */
    struct tcp_cb *tw_head, *tw_tail;
    /* tcp_ackbatch.c: ACKs owed inside a receive batch, sent at its end */
    unsigned ack_batch_depth;
    struct tcp_cb *ack_deferred;
};

int tcp_stack_init(struct glass_stack *stack);
void tcp_stack_destroy(struct glass_stack *stack);

/* ---- tcp_ackbatch.c: one ACK per receive batch ------------------------------ */

/* The stack is about to read (begin) / has read (end) a batch of frames
 * from a driver; nested calls count. */
void tcp_ack_batch_begin(struct glass_stack *stack);
void tcp_ack_batch_end(struct glass_stack *stack);
/* An ACK for "every second full-sized segment" is owed: inside a batch,
 * leave it to tcp_ack_batch_end (true); outside, false (the caller sends
 * it now). */
bool tcp_ack_defer(struct tcp_cb *tcb);
/* tcb is going away: off the batch list. */
void tcp_ack_defer_cancel(struct tcp_cb *tcb);

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
/* Free the send and receive rings' storage where they are empty (the
 * bound stays): TIME-WAIT and orphans need none (tcp.c). */
void tcp_release_idle_buffers(struct tcp_cb *tcb);
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

/* ---- tcp_tso.c: TCP segmentation offload (TSO send) ---------------------------- */
/* When the interface towards the peer cuts super-segments (NETIF_F_TSO4),
 * how many bytes the next segment at SND.NXT may carry: several MSS, at
 * most one IPv4 datagram (64 KiB), within the usable window, its tail
 * held back under Nagle's rule.  0: TSO does not apply (the one-MSS rules
 * of tcp_send_len decide). */
uint32_t tcp_tso_send_len(struct tcp_cb *tcb, uint32_t mss, uint32_t unsent, uint32_t usable);
/* Payload per wire segment: the size the device cuts a super-segment
 * into (gso_size).  The one place to subtract per-segment options. */
uint32_t tcp_tso_seg_payload(const struct tcp_cb *tcb);
/* tcp_emit's checksum when a device completes it: a partial one (the
 * pseudo header only; the text need not be there yet), marking pkb
 * PKB_CSUM_PARTIAL, and gso_size when the text is longer than it; true
 * then.  False when the route's device does not (or df is false: a
 * segment IPv4 will fragment): the caller computes the full RFC 9293 3.1
 * checksum.  t is the TCP header in pkb, tcplen header + text. */
bool tcp_tso_partial_csum(struct glass_stack *stack, struct pkb *pkb, uint8_t *t, size_t tcplen,
                          uint32_t src, uint32_t dst, uint16_t gso_size, bool df);
/* loss: how much of a contiguous range of len bytes one transmission may
 * carry when it is a retransmission or SACK-recovery send: up to the TSO
 * limit where the device cuts super-segments, else one MSS. */
uint32_t tcp_tso_range_len(struct tcp_cb *tcb, uint32_t mss, uint32_t len);
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

/* ---- tcp_sack.c: RFC 2018 SACK, RFC 2883 D-SACK, RFC 6675 recovery -------------------- */

/* Negotiation (RFC 2018 2): should our SYN / SYN-ACK carry
 * SACK-permitted?  A SYN always; a SYN-ACK only if the peer's SYN did. */
bool tcp_sack_offer(const struct tcp_cb *tcb);
/* The peer's SYN (or SYN-ACK) arrived with its options: SACK is on when
 * it carried SACK-permitted (and, for a SYN-ACK, we offered it). */
void tcp_sack_take_syn(struct tcp_cb *tcb, const struct tcp_seg *seg);

/* Receiver.  A segment [left, right) went into the out-of-order queue:
 * its block comes first in the next ACK (RFC 2018 4). */
void tcp_sack_rcv_note(struct tcp_cb *tcb, uint32_t left, uint32_t right);
/* RFC 2883: [left, right) arrived again (below RCV.NXT or already queued):
 * report it as the first block of the next ACK. */
void tcp_sack_rcv_dup(struct tcp_cb *tcb, uint32_t left, uint32_t right);
/* The blocks for the ACK being built (D-SACK first, then most recent
 * first), at most `max`; the D-SACK is then reported (sent once). */
unsigned tcp_sack_rcv_blocks(struct tcp_cb *tcb, struct tcp_sack_block *out, unsigned max);

/* Sender.  Record the SACK blocks of an acceptable ACK in the scoreboard
 * (junk ignored and counted; D-SACK counted) and drop what SND.UNA passed;
 * returns true when it newly SACKed data. */
bool tcp_sack_update(struct tcp_cb *tcb, const struct tcp_seg *seg);
/* RFC 6675 4 IsLost(seq) and SetPipe (bytes). */
bool tcp_sack_is_lost(const struct tcp_cb *tcb, uint32_t seq);
uint32_t tcp_sack_pipe(const struct tcp_cb *tcb);
/* A duplicate ACK (or an ACK of SND.UNA with new SACK information)
 * arrived with `dupacks` counted: RFC 6675 5 steps (1), (2), (4) -- enter
 * recovery when dupacks >= DupThresh or IsLost(SND.UNA).  True when
 * recovery began (the first retransmission went). */
bool tcp_sack_maybe_recover(struct tcp_cb *tcb, unsigned dupacks);
/* A cumulative ACK in RFC 6675 recovery: (A) exit at RecoveryPoint. */
void tcp_sack_recovery_ack(struct tcp_cb *tcb);
/* RFC 6675 5 (C): send by NextSeg while cwnd - pipe >= 1 SMSS (used by
 * tcp_output in place of the plain stream while in SACK recovery). */
void tcp_sack_output(struct tcp_cb *tcb);
/* RFC 6675 5.1 / RFC 2018 8: the retransmission timer fired: forget the
 * scoreboard (the receiver may have reneged) and leave SACK recovery. */
void tcp_sack_on_rto(struct tcp_cb *tcb);

/* tcp_output.c, for tcp_sack.c: send [seq, seq + *len) from sndbuf (a
 * retransmission or new data, cut to the MSS: *len becomes what went;
 * the FIN rides when that reaches the end of the data and one is
 * queued); false when nothing went. */
bool tcp_output_range(struct tcp_cb *tcb, uint32_t seq, uint32_t *len);
/* loss: as tcp_output_range, but up to a TSO super-segment of *len
 * (tcp_tso_range_len) instead of one MSS: a lost GSO frame goes again
 * in one write, not one per MSS. */
bool tcp_output_range_tso(struct tcp_cb *tcb, uint32_t seq, uint32_t *len);
/* The send MSS (following the path MTU cache). */
uint32_t tcp_output_smss(struct tcp_cb *tcb);

/* ---- tcp_prr.c: RFC 6937 Proportional Rate Reduction (loss) ---------------------- */
/* cfg.prr: PRR sets cwnd during SACK recovery. */
bool tcp_prr_on(const struct tcp_cb *tcb);
/* The bytes the scoreboard holds SACKed (for DeliveredData). */
uint32_t tcp_prr_sacked_bytes(const struct tcp_cb *tcb);
/* tcp_sack.c: recovery begins (RecoverFS = FlightSize, counters 0). */
void tcp_prr_begin(struct tcp_cb *tcb);
/* tcp_sack.c: bytes sent during recovery (prr_out). */
void tcp_prr_sent(struct tcp_cb *tcb, uint32_t bytes);
/* tcp_ack.c: an ACK reported delivered_data bytes delivered (change in
 * SND.UNA + change in SACKed bytes): cwnd = pipe + sndcnt (RFC 6937 3). */
void tcp_prr_ack(struct tcp_cb *tcb, int64_t delivered_data);
/* tcp_sack.c: recovery ended by the cumulative ACK: cwnd = ssthresh. */
void tcp_prr_end(struct tcp_cb *tcb);
/* tcp_sack.c: recovery abandoned (RTO): PRR stops, cwnd left alone. */
void tcp_prr_abort(struct tcp_cb *tcb);

/* ---- tcp_rack.c: RFC 8985 RACK-TLP ------------------------------------------------ */
/* RACK (6): a segment is lost when one sent sufficiently later (by more
 * than the reordering window) was delivered -- this finds lost
 * retransmissions and needs no duplicate ACK count.  TLP (7): with data
 * outstanding and no recovery, a probe after about 2*SRTT makes the
 * receiver send the ACK (with SACK) that lets RACK / RFC 6675 repair a
 * lost tail without the RTO.  Only on connections with SACK, and when
 * cfg.rack is on. */
bool tcp_rack_on(const struct tcp_cb *tcb);
void tcp_rack_timers_init(struct tcp_cb *tcb);
void tcp_rack_timers_cancel(struct tcp_cb *tcb);
void tcp_rack_free(struct tcp_cb *tcb);
/* tcp_release_idle_buffers: nothing outstanding, so the record goes too. */
void tcp_rack_release_idle(struct tcp_cb *tcb);
/* tcp_output.c tcp_sent, before SND.NXT/SND.MAX move: [seq, end) went
 * (a retransmission where the record already covers it). */
void tcp_rack_sent(struct tcp_cb *tcb, uint32_t seq, uint32_t end, bool rexmit);
/* tcp_output end: arm the PTO if new data went or an ACK came (7.2). */
void tcp_rack_output_done(struct tcp_cb *tcb);
/* tcp_ack_input, after the scoreboard update (new_ack: SND.UNA moved;
 * sacked: the scoreboard grew): RACK 6.2 steps 1-5 for what this ACK
 * delivered, TLP 7.4; may enter RFC 6675 recovery. */
void tcp_rack_ack(struct tcp_cb *tcb, const struct tcp_seg *seg, bool new_ack, bool sacked);
/* The RTO fired: lost marks and the probe are forgotten. */
void tcp_rack_on_rto(struct tcp_cb *tcb);
/* For tcp_sack.c: the first record marked lost (its unSACKed part is
 * what NextSeg sends), and the bytes of marked records that SetPipe
 * counted (given its IsLost boundary and HighRxt): the adjustment to
 * SetPipe for RACK's marks. */
bool tcp_rack_first_lost(const struct tcp_cb *tcb, uint32_t *seq, uint32_t *end);
int64_t tcp_rack_pipe_adjust(const struct tcp_cb *tcb, uint32_t lost_below, uint32_t rxt);
/* NextSeg rules (1) and (3) skip what RACK's marks already resent in this
 * recovery (HighRxt does not move for those): seq, or the end of the
 * entry holding seq when it was resent since recovery began. */
uint32_t tcp_rack_resent_skip(const struct tcp_cb *tcb, uint32_t seq);
/* loss: the first sequence number in [seq, end) that RACK's marks resent
 * in this recovery (where tcp_rack_resent_skip would skip), or end: a
 * multi-MSS send from seq stops there. */
uint32_t tcp_rack_resent_from(const struct tcp_cb *tcb, uint32_t seq, uint32_t end);
/* tcp_sack.c: RFC 6675 recovery begins now. */
void tcp_rack_recovery_begins(struct tcp_cb *tcb);
/* tcp_sack.c, for RACK: bytes of [a, b) not SACKed. */
uint32_t tcp_sack_unsacked(const struct tcp_cb *tcb, uint32_t a, uint32_t b);

/* ---- tcp_reass.c, for SACK ------------------------------------------------------------ */

/* The contiguous run of queued bytes that contains or starts after seq
 * and overlaps [seq, end): true with [*l, *r). */
bool tcp_reass_run(const struct tcp_cb *tcb, uint32_t seq, uint32_t end, uint32_t *l,
                   uint32_t *r);
/* Is every byte of [seq, end) already in the out-of-order queue? */
bool tcp_reass_covered(const struct tcp_cb *tcb, uint32_t seq, uint32_t end);
/* ---- RFC 7323: window scaling (tcp_wscale.c), timestamps and PAWS (tcp_ts.c) ---- */

#define TCP_MAX_WSCALE 14       /* RFC 7323 2.3 */
#define TCP_BUF_DEFAULT (1u << 20)  /* cfg.rcvbuf / cfg.sndbuf defaults */
#define TCP_BUF_MAX (64u << 20)     /* their bound (and SO_RCVBUF's for TCP) */
#define TCPOLEN_TS_ALIGNED 12   /* NOP NOP TS: what a TS option costs each segment */

/* Our SYN or SYN-ACK is about to go (tcp_output.c): decide what it
 * offers -- Window Scale with a shift chosen from the receive buffer
 * (RFC 7323 2.3), Timestamps with a per-connection clock offset -- on our
 * SYN when the stack enables them, on a SYN-ACK only when the peer's SYN
 * carried them (RFC 7323 1.3, 2.2, 3.2). */
void tcp_7323_syn_prepare(struct tcp_cb *tcb);
/* The peer's SYN or SYN-ACK arrived (tcp_input.c, LISTEN and SYN-SENT):
 * negotiate WS (both SYNs carried it; a shift > 14 is used as 14,
 * counted) and TS (TS.Recent from its TSval). */
void tcp_7323_syn_rcvd(struct tcp_cb *tcb, const struct tcp_seg *seg);
/* RFC 7323 2.2/2.3: SEG.WND in bytes -- the field shifted by
 * Snd.Wind.Shift, except in a SYN (never scaled).  Applied once per
 * segment when its control block is found (tcp_input.c). */
void tcp_ws_scale_seg(const struct tcp_cb *tcb, struct tcp_seg *seg);
/* The largest window we can offer: 65535 << Rcv.Wind.Shift. */
uint32_t tcp_ws_max_window(const struct tcp_cb *tcb);
/* The window field for a window of wnd bytes (wnd >> Rcv.Wind.Shift; a
 * SYN's window is never scaled, RFC 7323 2.2). */
uint16_t tcp_ws_field(const struct tcp_cb *tcb, uint32_t wnd, uint8_t flags);
/* RFC 7323 2.4: a window of wnd bytes as the peer will see it through
 * the shift without the right edge moving left: rounded up to a multiple
 * of 2^Rcv.Wind.Shift. */
uint32_t tcp_ws_round_up(const struct tcp_cb *tcb, uint32_t wnd);

/* The per-connection TSval offset (tcp.c: keyed hash of the four-tuple). */
/* The four-tuple as 12 bytes, local side first (network order): what
 * the keyed hashes of the ISN, the TS offset and SYN cookies cover. */
size_t tcp_tuple_bytes(uint8_t *m, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport);
/* The same offset for a four-tuple with no control block yet (a SYN
 * cookie's SYN-ACK). */
uint32_t tcp_ts_offset(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                       uint32_t faddr, uint16_t fport);
uint32_t tcp_ts_offset_hash(const struct tcp_cb *tcb);
/* Our TSval clock now: 1 ms ticks of the stack clock plus ts_offset
 * (RFC 7323 5.4: between 1 ms and 1 s per tick). */
uint32_t tcp_ts_now(const struct tcp_cb *tcb);
/* RFC 7323 5.3 R1, PAWS: true when seg (not a RST) carries a TSval older
 * than a valid TS.Recent: not acceptable (counted, traced); the caller
 * ACKs and drops it. */
bool tcp_paws_reject(struct tcp_cb *tcb, const struct tcp_seg *seg);
/* RFC 7323 4.3 / 5.3 R3: an acceptable segment whose SEG.SEQ (before
 * trimming) is at or before Last.ACK.sent updates TS.Recent. */
void tcp_ts_update_recent(struct tcp_cb *tcb, const struct tcp_seg *seg, uint32_t seq);
/* An ACK-bearing segment goes out: Last.ACK.sent <- RCV.NXT. */
void tcp_ts_ack_sent(struct tcp_cb *tcb);
/* RFC 7323 4 (RTTM): an ACK that advances SND.UNA and was not timed by
 * the segment timer: an RTT sample from its TSecr (RFC 6298 estimator).
 * Returns true when a sample was taken. */
bool tcp_ts_rtt(struct tcp_cb *tcb, const struct tcp_seg *seg);
/* Option bytes every data segment carries (12 with TS, else 0): the
 * send MSS and the "full-sized segment" of ACK policy shrink by it. */
unsigned tcp_ts_optlen(const struct tcp_cb *tcb);

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

/* ---- tcp_syncookie.c (RFC 4987 3.6) ------------------------------------------------ */

/* SipHash-2-4 under a 128-bit key (tcp.c; the RFC 6528 ISN's hash). */
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *m, size_t len);

/* The peer MSS values a cookie can carry: 3 bits of the cookie index this
 * table; a SYN's MSS is rounded down to the nearest entry. */
#define TCP_SYNCOOKIE_MSS_N 8
extern const uint16_t tcp_syncookie_mss_table[TCP_SYNCOOKIE_MSS_N];
/* A cookie is made in one period of this length and accepted in it and
 * the next (so for between 64 and 128 s). */
#define TCP_SYNCOOKIE_PERIOD (64 * GLASS_USEC_PER_SEC)

/* Should listener l answer this SYN with a cookie rather than a control
 * block?  cfg.syncookies: "always"; "auto" when its SYN queue is full. */
bool tcp_syncookie_wanted(const struct tcp_cb *l);
/* Answer the SYN seg on listener l with <SEQ=cookie><ACK=SEG.SEQ+1>
 * <CTL=SYN,ACK> and the MSS option (and SACK-permitted, TS and WS when the
 * SYN carried TS), keeping no state at all. */
void tcp_syncookie_send(struct tcp_cb *l, const struct tcp_seg *seg);
/* An ACK (no SYN, no RST) reached listener l.  TCP_COOKIE_NONE: it holds
 * no valid cookie (or cookies are not in use): the caller answers it as
 * before (RST, RFC 9293 3.10.7.2).  TCP_COOKIE_CHILD: SEG.ACK - 1 was our
 * cookie for this four-tuple: *child is a new control block in
 * SYN-RECEIVED (IRS = SEG.SEQ - 1, ISS = SEG.ACK - 1, MSS from the
 * cookie; TS, WS and SACK from the TSecr when the SYN-ACK carried TS),
 * linked, its parent l, on neither queue yet -- the caller runs
 * the segment through it, which moves it to ESTABLISHED and the accept
 * queue.  TCP_COOKIE_DROP: valid, but the accept queue is full or no
 * control block could be made: dropped silently (the peer retransmits). */
enum tcp_cookie_rx { TCP_COOKIE_NONE, TCP_COOKIE_CHILD, TCP_COOKIE_DROP };
enum tcp_cookie_rx tcp_syncookie_ack(struct tcp_cb *l, const struct tcp_seg *seg,
                                     struct tcp_cb **child);
/* The cookie for a four-tuple (network order), the peer's ISN, an MSS
 * table index and a period number; and the check that undoes it: the
 * MSS index, or -1 if cookie is not one of ours from period `now_period`
 * or the one before.  Exposed for the unit tests. */
uint32_t tcp_syncookie_make(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                            uint32_t faddr, uint16_t fport, uint32_t irs, unsigned mss_idx,
                            unsigned opts, uint32_t period);
int tcp_syncookie_check(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                        uint32_t faddr, uint16_t fport, uint32_t irs, uint32_t cookie,
                        unsigned opts, uint32_t now_period);
/* `opts` above: the 6 bits the cookie SYN-ACK's TSval carries (bits 0-3
 * the peer's window-scale shift, 15 = none; bit 4 SACK-permitted; bit 5
 * ECN, never set), hashed into the cookie; or this value when the
 * SYN-ACK carries no timestamps (the SYN had none). */
#define TCP_SYNCOOKIE_NO_TS 0x40u
/* The child tcp_syncookie_ack made, before the ACK runs through it: the
 * ACK's window scaled by the child's shift (RFC 7323 2.3), and its TSecr
 * (an encoded TSval, not a clock reading) kept from giving an RTT sample. */
void tcp_syncookie_child_seg(struct tcp_cb *c, struct tcp_seg *seg);
/* tcp_wscale.c: the shift a SYN or SYN-ACK offers for this receive buffer
 * (RFC 7323 2.3); the cookie SYN-ACK offers the same. */
uint8_t tcp_ws_shift_for(size_t buf);

/* tcp_output.c: a SYN-ACK no control block stands behind (a cookie):
 * <SEQ=iss><ACK=SEG.SEQ+1><CTL=SYN,ACK>, window wnd, the options opts
 * (optlen bytes, a multiple of 4: tcp_syncookie.c writes them). */
void tcp_send_synack_stateless(struct glass_stack *stack, const struct tcp_seg *syn, uint32_t iss,
                               uint16_t wnd, const uint8_t *opts, size_t optlen);

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
