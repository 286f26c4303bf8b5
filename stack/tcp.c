/*
 * tcp.c - TCP control blocks (RFC 9293 3.3.1 "the TCB"): making them,
 * finding the one a segment belongs to, ending them; initial sequence
 * numbers (RFC 6528); the listen queues; per-stack TCP configuration.
 *
 * Every control block of a stack sits on one list, stack->tcp->tcbs, once
 * it is linked, and in the lookup table (tcp_hash.c) that finds it by
 * four-tuple, then by listener.  A control block lives as long as someone needs it: its
 * socket, or -- when the user has closed (an orphan) or before accept() --
 * the protocol itself, until tcp_done ends it.
 */
#include "tcp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "mem.h"
#include "socket.h"
#include "stack.h"
#include "trace.h"
#include "util.h"

/* ---- configuration ------------------------------------------------------- */

static const struct glass_tcp_config tcp_config_default = {
    .msl = 30 * GLASS_USEC_PER_SEC,
    .rto_initial = 1 * GLASS_USEC_PER_SEC,
    .rto_min = 200 * GLASS_USEC_PER_MSEC,
    .rto_max = 120 * GLASS_USEC_PER_SEC,
    .delack_max = 200 * GLASS_USEC_PER_MSEC,
    .syn_retries = 6,
    .synack_retries = 5,
    .retries = 15,
    .initial_window = 10,
    .challenge_ack_limit = 1000,
    .keepidle = 7200 * GLASS_USEC_PER_SEC,
    .keepintvl = 75 * GLASS_USEC_PER_SEC,
    .keepcnt = 9,
    .max_tcbs = 4096,
    .cc = "cubic",                  /* RFC 9438, as Linux */
    /* RFC 7323 on, and buffers large enough that one connection fills a
     * fast path: 1 MiB is ~80 ms at 100 Mbit/s, 1 ms at 8 Gbit/s
     * (docs/tcp.md "Buffers"). */
    .window_scaling = 1,
    .timestamps = 1,
    .rcvbuf = TCP_BUF_DEFAULT,
    .sndbuf = TCP_BUF_DEFAULT,
    .rack = 1,                      /* RFC 8985 RACK-TLP (tcp_rack.c) */
    .prr = 1,                       /* loss: RFC 6937 PRR (tcp_prr.c) */
};

void glass_tcp_config_get(struct glass_stack *stack, struct glass_tcp_config *cfg)
{
    glass_stack_lock(stack);
    *cfg = stack->tcp->cfg;
    glass_stack_unlock(stack);
}

/* The bounds: RFC 6298 2.4/2.5 (RTO within [rto_min, rto_max], and the
 * initial RTO inside them), RFC 1122 4.2.3.2 (a delayed ACK MUST NOT wait
 * 0.5 s or more), and values that would make a connection unable to work
 * (no retries at all, a zero window or timer). */
static bool tcp_config_valid(const struct glass_tcp_config *c)
{
    if (c->msl == 0 || c->rto_min == 0 || c->rto_max < c->rto_min)
        return false;
    if (c->rto_initial < c->rto_min || c->rto_initial > c->rto_max)
        return false;
    if (c->delack_max == 0 || c->delack_max >= 500 * GLASS_USEC_PER_MSEC)
        return false;
    if (c->syn_retries < 1 || c->syn_retries > 127 || c->synack_retries < 1 ||
        c->synack_retries > 127 || c->retries < 1 || c->retries > 255)
        return false;
    if (c->initial_window < 1 || c->initial_window > 1000 || c->challenge_ack_limit < 1)
        return false;
    if (c->keepidle == 0 || c->keepintvl == 0 || c->keepcnt < 1 || c->keepcnt > 127)
        return false;
    if (c->max_tcbs < 1)
        return false;
    if (memchr(c->cc, 0, sizeof c->cc) == NULL || tcp_cc_find(c->cc) == NULL)
        return false;
    if (c->syncookies > GLASS_SYNCOOKIES_NEVER)
        return false;
    if (c->rcvbuf < SOCK_MIN_RCVBUF || c->rcvbuf > TCP_BUF_MAX || c->sndbuf < SOCK_MIN_SNDBUF ||
        c->sndbuf > TCP_BUF_MAX)
        return false;
    return true;
}

int glass_tcp_config_set(struct glass_stack *stack, const struct glass_tcp_config *cfg)
{
    if (!cfg || !tcp_config_valid(cfg)) {
        errno = EINVAL;
        return -1;
    }
    glass_stack_lock(stack);
    stack->tcp->cfg = *cfg;
    glass_stack_unlock(stack);
    return 0;
}

/* ---- per stack ------------------------------------------------------------ */

int tcp_stack_init(struct glass_stack *stack)
{
    struct tcp_stack *ts = glass_alloc(stack, sizeof(*ts));
    if (!ts)
        return -ENOMEM;
    ts->cfg = tcp_config_default;
    /* RFC 6528 3: the secret key SHOULD be random and of at least 128 bits. */
    if (getrandom(ts->isn_key, sizeof ts->isn_key, 0) != (ssize_t)sizeof ts->isn_key) {
        glass_free(stack, ts);
        return -EIO;
    }
    ts->challenge_window = glass_stack_now(stack);
    if (tcp_hash_init(stack, &ts->hash) < 0) {
        glass_free(stack, ts);
        return -ENOMEM;
    }
    stack->tcp = ts;
    return 0;
}

void tcp_stack_destroy(struct glass_stack *stack)
{
    struct tcp_stack *ts = stack->tcp;
    if (!ts)
        return;
    /* Sockets are gone already (sock_stack_destroy); what is left are
     * orphans, TIME-WAIT blocks, listeners' children.  tcp_tcb_free
     * unlinks each, so the head moves on every turn. */
    while (ts->tcbs) {
        tcp_tcb_free(ts->tcbs);
    }
    tcp_hash_destroy(stack, &ts->hash);
    glass_free(stack, ts);
    stack->tcp = NULL;
}

/* ---- names ------------------------------------------------------------------ */

const char *tcp_state_name(enum tcp_state s)
{
    /* The names netstat and ss print (SYN_RCVD as netstat spells it). */
    static const char *const names[] = {
        [TCP_CLOSED] = "CLOSED",         [TCP_LISTEN] = "LISTEN",
        [TCP_SYN_SENT] = "SYN_SENT",     [TCP_SYN_RECEIVED] = "SYN_RCVD",
        [TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
        [TCP_FIN_WAIT_2] = "FIN_WAIT_2", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
        [TCP_CLOSING] = "CLOSING",       [TCP_LAST_ACK] = "LAST_ACK",
        [TCP_TIME_WAIT] = "TIME_WAIT",
    };
    if ((unsigned)s >= GLASS_ARRAY_SIZE(names))
        return "?";
    return names[s];
}

/* ---- control blocks ---------------------------------------------------------- */

/* ---- the TIME-WAIT queue (wt-fast) ---------------------------------------------
 * Kept in the order the 2*MSL timers were armed, so the head expires
 * first: recycling the oldest TIME-WAIT (max_tcbs reached) costs O(1)
 * instead of a walk over every block, which a server closing thousands of
 * connections a second would pay on each new one. */

static void tw_remove(struct tcp_cb *tcb)
{
    struct tcp_stack *ts = tcb->stack->tcp;
    if (!tcb->on_tw)
        return;
    if (tcb->tw_prev)
        tcb->tw_prev->tw_next = tcb->tw_next;
    else
        ts->tw_head = tcb->tw_next;
    if (tcb->tw_next)
        tcb->tw_next->tw_prev = tcb->tw_prev;
    else
        ts->tw_tail = tcb->tw_prev;
    tcb->tw_prev = tcb->tw_next = NULL;
    tcb->on_tw = false;
}

static void tw_append(struct tcp_cb *tcb)
{
    struct tcp_stack *ts = tcb->stack->tcp;
    tcb->tw_next = NULL;
    tcb->tw_prev = ts->tw_tail;
    if (ts->tw_tail)
        ts->tw_tail->tw_next = tcb;
    else
        ts->tw_head = tcb;
    ts->tw_tail = tcb;
    tcb->on_tw = true;
}

void tcp_tw_touch(struct tcp_cb *tcb)
{
    if (!tcb->on_tw)
        return;
    tw_remove(tcb);
    tw_append(tcb);
}

/* The TIME-WAIT block whose 2*MSL ends soonest (the queue's first one
 * that is linked and has no socket left), or NULL. */
static struct tcp_cb *tcp_oldest_time_wait(struct tcp_stack *ts)
{
    for (struct tcp_cb *t = ts->tw_head; t; t = t->tw_next)
        if (t->state == TCP_TIME_WAIT && !t->sk && t->linked)
            return t;
    return NULL;
}

struct tcp_cb *tcp_tcb_new(struct glass_stack *stack)
{
    struct tcp_stack *ts = stack->tcp;
    struct tcp_cb *tw;
    if (ts->ntcbs >= ts->cfg.max_tcbs && (tw = tcp_oldest_time_wait(ts))) {
        /* All blocks in use, some only guarding a closed pair: end the
         * oldest TIME-WAIT early rather than refuse a new connection, as
         * Linux does when tcp_max_tw_buckets overflows.  RFC 9293 3.6.1
         * keeps TIME-WAIT so old duplicates die out; a busy server that
         * closes first would otherwise take only max_tcbs connections
         * per 2*MSL. */
        STAT_INC(stack, tcp, time_wait_recycled);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   max_tcbs %u reached: TIME_WAIT ended early",
              ts->cfg.max_tcbs);
        tcp_done(tw, 0);
    }
    if (ts->ntcbs >= ts->cfg.max_tcbs) {
        STAT_INC(stack, tcp, tcb_limit);
        TRACE(stack, GLASS_TRACE_TCP, "tcp   no control block: max_tcbs %u reached",
              ts->cfg.max_tcbs);
        return NULL;
    }
    struct tcp_cb *tcb = glass_alloc(stack, sizeof(*tcb));
    if (!tcb) {
        STAT_INC(stack, tcp, drop_no_memory);
        return NULL;
    }
    tcb->stack = stack;
    tcb->state = TCP_CLOSED;
    tcp_buf_init(&tcb->sndbuf, ts->cfg.sndbuf);
    tcp_buf_init(&tcb->rcvbuf, ts->cfg.rcvbuf);
    /* RFC 9293 3.7.1: without an MSS option the peer takes 536. */
    tcb->peer_mss = TCP_DEFAULT_MSS;
    tcb->snd_mss = TCP_DEFAULT_MSS;
    tcb->adv_mss = TCP_DEFAULT_MSS;
    tcb->rto = ts->cfg.rto_initial;                 /* RFC 6298 2.1 */
    tcb->ssthresh = UINT32_MAX;                     /* RFC 5681 3.1: arbitrarily high */
    tcb->cc = tcp_cc_find(ts->cfg.cc);
    if (!tcb->cc)
        tcb->cc = &tcp_cc_newreno;
    tcb->keepidle = ts->cfg.keepidle;
    tcb->keepintvl = ts->cfg.keepintvl;
    tcb->keepcnt = ts->cfg.keepcnt;
    tcb->last_rcv = glass_stack_now(stack);
    tcp_timers_init(tcb);
    ts->ntcbs++;
    return tcb;
}

/* wt-fast: the list is doubly linked and each block knows whether it is
 * on it, so linking and unlinking cost O(1) whatever the number of
 * connections; the lookup table follows the list (tcp_hash.c). */
void tcp_tcb_link(struct tcp_cb *tcb)
{
    struct tcp_stack *ts = tcb->stack->tcp;
    if (tcb->linked)
        return;
    tcb->prev = NULL;
    tcb->next = ts->tcbs;
    if (ts->tcbs)
        ts->tcbs->prev = tcb;
    ts->tcbs = tcb;
    tcb->linked = true;
    tcp_hash_insert(tcb);
}

void tcp_tcb_unlink(struct tcp_cb *tcb)
{
    struct tcp_stack *ts = tcb->stack->tcp;
    if (!tcb->linked)
        return;
    tcp_hash_remove(tcb);
    tw_remove(tcb);
    if (tcb->prev)
        tcb->prev->next = tcb->next;
    else
        ts->tcbs = tcb->next;
    if (tcb->next)
        tcb->next->prev = tcb->prev;
    tcb->next = tcb->prev = NULL;
    tcb->linked = false;
}

/* Take child off whichever of its parent's queues holds it. */
static void tcp_listen_unqueue(struct tcp_cb *child)
{
    struct tcp_cb *parent = child->parent;
    if (!parent)
        return;
    for (struct tcp_cb **pp = &parent->syn_q; *pp; pp = &(*pp)->qnext) {
        if (*pp == child) {
            *pp = child->qnext;
            parent->syn_q_len--;
            goto out;
        }
    }
    struct tcp_cb *prev = NULL;
    for (struct tcp_cb *c = parent->acc_head; c; prev = c, c = c->qnext) {
        if (c != child)
            continue;
        if (prev)
            prev->qnext = c->qnext;
        else
            parent->acc_head = c->qnext;
        if (parent->acc_tail == c)
            parent->acc_tail = prev;
        parent->acc_q_len--;
        break;
    }
out:
    child->qnext = NULL;
    child->parent = NULL;
}

/* Empty both queues of a listener, freeing each child: quietly (the
 * listener's block is being freed) or, on CLOSE of a listener, with a RST
 * as Linux does (RFC 9293 3.10.4).  The children have no socket, so no
 * one else would free them. */
static void tcp_listen_drop_children(struct tcp_cb *parent, bool reset)
{
    struct tcp_cb *lists[2] = {parent->syn_q, parent->acc_head};
    parent->syn_q = parent->acc_head = parent->acc_tail = NULL;
    parent->syn_q_len = parent->acc_q_len = 0;
    for (int i = 0; i < 2; i++) {
        struct tcp_cb *c = lists[i];
        while (c) {
            struct tcp_cb *next = c->qnext;
            c->parent = NULL;
            c->qnext = NULL;
            if (reset) {
                tcp_send_rst(c);
                STAT_INC(c->stack, tcp, conn_aborted);
                tcp_done(c, ECONNRESET);
            } else {
                tcp_tcb_free(c);
            }
            c = next;
        }
    }
}

void tcp_tcb_free(struct tcp_cb *tcb)
{
    struct glass_stack *stack = tcb->stack;
    tcp_timers_cancel(tcb);
    tcp_ack_defer_cancel(tcb);
    tcp_tcb_unlink(tcb);
    tw_remove(tcb);
    tcp_listen_unqueue(tcb);
    tcp_listen_drop_children(tcb, false);
    tcp_reass_purge(tcb);
    tcp_rack_free(tcb);             /* rack: the sent-segment record */
    tcp_buf_free(stack, &tcb->sndbuf);
    tcp_buf_free(stack, &tcb->rcvbuf);
    stack->tcp->ntcbs--;
    glass_free(stack, tcb);
}

/* "10.0.0.2:80 > 10.0.0.1:51234" for trace lines (local side first). */
struct tcp_ends_str {
    char s[48];
};
static struct tcp_ends_str tcp_ends(const struct tcp_cb *tcb)
{
    struct tcp_ends_str e;
    snprintf(e.s, sizeof e.s, "%s:%u > %s:%u", ip4s(tcb->laddr).s,
             get_be16((const uint8_t *)&tcb->lport), ip4s(tcb->faddr).s,
             get_be16((const uint8_t *)&tcb->fport));
    return e;
}

void tcp_set_state(struct tcp_cb *tcb, enum tcp_state s)
{
    if (tcb->state == s)
        return;
    /* A child made from a SYN is the listener's copy: RFC 9293 3.10.7.2
     * has the LISTEN connection itself go to SYN-RECEIVED, so say that. */
    enum tcp_state from = tcb->state == TCP_CLOSED && tcb->parent ? TCP_LISTEN : tcb->state;
    TRACE(tcb->stack, GLASS_TRACE_TCP, "tcp   %s  %s -> %s", tcp_ends(tcb).s,
          tcp_state_name(from), tcp_state_name(s));
    tcb->state = s;
    if (s == TCP_TIME_WAIT) {
        tw_append(tcb);         /* wt-fast: the TIME-WAIT queue */
        tcp_release_idle_buffers(tcb);
    } else {
        tw_remove(tcb);
    }
}

/* A control block in TIME-WAIT only answers retransmitted FINs: no byte
 * will be sent (our FIN is acknowledged, so the send buffer is empty) or
 * received (the peer's FIN came) again.  Give back the buffers' storage
 * now rather than at the end of 2*MSL, or thousands of TIME-WAIT blocks
 * after a connection churn each keep two rings of at least 4 KiB.  Unread
 * bytes stay for a socket that may still read them. */
void tcp_release_idle_buffers(struct tcp_cb *tcb)
{
    if (!tcb->sndbuf.len)
        tcp_buf_free(tcb->stack, &tcb->sndbuf);
    if (!tcb->rcvbuf.len)
        tcp_buf_free(tcb->stack, &tcb->rcvbuf);
    tcp_rack_release_idle(tcb); /* rack: the sent-segment record */
}

void tcp_done(struct tcp_cb *tcb, int err)
{
    struct glass_stack *stack = tcb->stack;
    if (err)
        tcb->error = err;
    TRACE(stack, GLASS_TRACE_TCP, "tcp   %s  done%s%s", tcp_ends(tcb).s, err ? ": " : "",
          err ? strerror(err) : "");
    tcp_timers_cancel(tcb);
    tcp_set_state(tcb, TCP_CLOSED);
    tcp_reass_purge(tcb);
    tcp_tcb_unlink(tcb);
    tcp_listen_unqueue(tcb);
    if (!tcb->sk) {
        /* No one will ever look at it again: an orphan, or a child never
         * accepted. */
        tcp_tcb_free(tcb);
        return;
    }
    tcp_wake(tcb);
}

void tcp_reset(struct tcp_cb *tcb)
{
    /* RFC 9293 3.10.7.3: in SYN-SENT "signal the user 'error: connection
     * reset'" -- which the socket API calls ECONNREFUSED; in the
     * synchronized states "connection reset". */
    int err = tcb->state == TCP_SYN_SENT ? ECONNREFUSED : ECONNRESET;
    STAT_INC(tcb->stack, tcp, conn_reset);
    tcp_done(tcb, err);
}

/* ---- lookup (RFC 9293 3.10.7.1, RFC 1122 4.2.2) ----------------------------- */

struct tcp_cb *tcp_lookup(struct glass_stack *stack, uint32_t src, uint16_t sport, uint32_t dst,
                          uint16_t dport)
{
    /* wt-fast: the table (tcp_hash.c) answers what walking the list did. */
    struct tcp_cb *t = tcp_hash_find_conn(stack, dst, dport, src, sport, false);
    if (t)
        return t;
    return tcp_hash_find_listener(stack, dst, dport);
}

bool tcp_tuple_in_use(struct glass_stack *stack, uint32_t laddr, uint16_t lport, uint32_t faddr,
                      uint16_t fport)
{
    return tcp_hash_find_conn(stack, laddr, lport, faddr, fport, true) != NULL;
}

/* ---- initial sequence numbers (RFC 6528) --------------------------------------- */

/* SipHash-2-4 (Aumasson and Bernstein), the keyed hash RFC 6528 3 asks
 * for ("a cryptographic hash function"): 64 bits out of a 128-bit key. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t siphash24(const uint8_t key[16], const uint8_t *m, size_t len)
{
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t mi = le64(m + i);
        v3 ^= mi;
        SIPROUND;
        SIPROUND;
        v0 ^= mi;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)m[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

size_t tcp_tuple_bytes(uint8_t *m, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
    put_addr(m, laddr);
    memcpy(m + 4, &lport, 2);
    put_addr(m + 6, faddr);
    memcpy(m + 10, &fport, 2);
    return 12;
}

uint32_t tcp_isn(const struct tcp_cb *tcb)
{
    uint8_t m[12];
    tcp_tuple_bytes(m, tcb->laddr, tcb->lport, tcb->faddr, tcb->fport);
    uint32_t f = (uint32_t)siphash24(tcb->stack->tcp->isn_key, m, sizeof m);
    /* M: a timer that ticks every 4 microseconds (RFC 6528 3, RFC 793). */
    uint32_t clock = (uint32_t)(glass_stack_now(tcb->stack) / 4);
    return clock + f;
}

/* The same keyed hash for SYN cookies (tcp_syncookie.c, RFC 4987 3.6). */
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *m, size_t len)
{
    return siphash24(key, m, len);
}

/* RFC 7323 5.4 / 7.1: the TSval clock of each connection starts at a
 * random offset, so timestamps neither reveal the host's uptime nor tie
 * connections together (Linux: secure_tcp_ts_off).  The ISN's keyed hash
 * over the four-tuple, with a tag so the two values are unrelated. */
uint32_t tcp_ts_offset(const struct glass_stack *stack, uint32_t laddr, uint16_t lport,
                       uint32_t faddr, uint16_t fport)
{
    uint8_t m[14];
    tcp_tuple_bytes(m, laddr, lport, faddr, fport);
    m[12] = 'T';
    m[13] = 'S';
    return (uint32_t)siphash24(stack->tcp->isn_key, m, sizeof m);
}

uint32_t tcp_ts_offset_hash(const struct tcp_cb *tcb)
{
    return tcp_ts_offset(tcb->stack, tcb->laddr, tcb->lport, tcb->faddr, tcb->fport);
}

/* ---- waking --------------------------------------------------------------------- */

void tcp_wake(struct tcp_cb *tcb)
{
    if (tcb->sk) {
        sock_wakeup(tcb->sk);
        return;
    }
    /* A child on the accept queue: accept() on the listener may go on. */
    if (tcb->parent && tcb->parent->sk)
        sock_wakeup(tcb->parent->sk);
}

/* ---- listen queues ----------------------------------------------------------------- */

/* Each queue holds at most `backlog` control blocks (at least one, so
 * listen(fd, 0) still accepts a connection, as Linux does). */
static unsigned tcp_listen_bound(const struct tcp_cb *parent)
{
    return parent->backlog ? parent->backlog : 1;
}

bool tcp_listen_add_child(struct tcp_cb *parent, struct tcp_cb *child)
{
    if (parent->syn_q_len >= tcp_listen_bound(parent))
        return false;
    child->parent = parent;
    child->qnext = parent->syn_q;
    parent->syn_q = child;
    parent->syn_q_len++;
    return true;
}

bool tcp_listen_child_established(struct tcp_cb *child)
{
    struct tcp_cb *parent = child->parent;
    if (!parent)
        return true;
    if (parent->acc_q_len >= tcp_listen_bound(parent))
        return false;
    tcp_listen_unqueue(child);
    child->parent = parent;
    child->qnext = NULL;
    if (parent->acc_tail)
        parent->acc_tail->qnext = child;
    else
        parent->acc_head = child;
    parent->acc_tail = child;
    parent->acc_q_len++;
    return true;
}

struct tcp_cb *tcp_listen_take(struct tcp_cb *parent)
{
    struct tcp_cb *child = parent->acc_head;
    if (!child)
        return NULL;
    parent->acc_head = child->qnext;
    if (!parent->acc_head)
        parent->acc_tail = NULL;
    parent->acc_q_len--;
    child->qnext = NULL;
    child->parent = NULL;
    return child;
}

void tcp_listen_close(struct tcp_cb *parent)
{
    tcp_listen_drop_children(parent, true);
}

/* Does any connection still owe the peer data or a FIN (glass_stack_drain)?
 * A listener, a half-open child, TIME-WAIT and FIN-WAIT-2 owe nothing. */
bool tcp_output_pending(struct glass_stack *stack)
{
    for (const struct tcp_cb *tcb = stack->tcp ? stack->tcp->tcbs : NULL; tcb; tcb = tcb->next) {
        switch (tcb->state) {
        case TCP_ESTABLISHED:
        case TCP_CLOSE_WAIT:
        case TCP_FIN_WAIT_1:
        case TCP_CLOSING:
        case TCP_LAST_ACK:
            break;
        default:
            continue;
        }
        bool fin_owed = tcb->fin_queued && !(tcb->fin_sent && seq_gt(tcb->snd_una, tcb->fin_seq));
        if (tcb->sndbuf.len || fin_owed)
            return true;
    }
    return false;
}
