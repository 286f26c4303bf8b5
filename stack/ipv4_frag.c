/*
 * ipv4_frag.c - IPv4 fragmentation (RFC 791 2.3, 3.2) and reassembly
 * (RFC 791 3.2, RFC 815), hardened as RFC 1858 asks.
 *
 * Reassembly keeps, for each datagram, the fragments received so far in
 * a list sorted by offset that never overlaps (see the overlap rule in
 * ipv4_frag.h), the number of data bytes held, and -- once the fragment
 * with MF clear has come -- the datagram's data length.  When the bytes
 * held equal that length there is no hole left (RFC 815's hole list
 * reduces to this count because pieces never overlap) and the datagram is
 * copied out whole.  A timer per datagram gives up after
 * IPV4_REASS_TIMEOUT and, if the first fragment was among those received,
 * sends Time Exceeded, "fragment reassembly time exceeded" (RFC 792,
 * RFC 1122 3.3.2).  Every fragment dropped is counted (ipv4.reass_*).
 */
#include "ipv4_frag.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arp.h"
#include "checksum.h"
#include "icmp.h"
#include "ipv4.h"
#include "mem.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "timer.h"
#include "trace.h"
#include "util.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_COPIED 0x80         /* RFC 791 3.1: "copied flag" of an option type */

#define REASS_TIME_EXCEEDED_CODE 1 /* RFC 792: fragment reassembly time exceeded */

/* One fragment held: its buffer (data at its IPv4 header) and the span of
 * the datagram's data it carries, [off, end). */
struct reass_piece {
    struct reass_piece *next;
    struct pkb *pkb;
    uint32_t off, end;
};

struct reass_dgram {
    struct reass_dgram *next;   /* in arrival order: the first is the oldest */
    struct glass_stack *stack;
    uint32_t src, dst;
    uint16_t id;
    uint8_t proto;
    bool have_last;             /* the fragment with MF clear arrived */
    uint32_t data_len;          /* the datagram's data length, once have_last */
    uint32_t held;              /* data bytes in pieces */
    size_t mem;                 /* bytes charged to the bound */
    struct reass_piece *pieces; /* sorted by off, never overlapping */
    struct glass_timer timer;
};

struct ipv4_reass {
    struct reass_dgram *first;
    unsigned count;
    size_t mem;
};

int ipv4_is_fragment(const uint8_t *h)
{
    return (get_be16(h + IPV4_OFF_FRAG) & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) != 0;
}

/* What a held fragment costs: its buffer with headroom, plus our node. */
static size_t piece_cost(const struct pkb *pkb)
{
    return sizeof(struct pkb) + (size_t)(pkb->end - pkb->head) + sizeof(struct reass_piece);
}

int ipv4_frag_init(struct glass_stack *stack)
{
    stack->reass = glass_alloc(stack, sizeof(*stack->reass));
    return stack->reass ? 0 : -ENOMEM;
}

static void reass_free(struct glass_stack *stack, struct reass_dgram *d)
{
    struct ipv4_reass *r = stack->reass;
    for (struct reass_dgram **pp = &r->first; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    r->count--;
    r->mem -= d->mem;
    timer_cancel(stack, &d->timer);
    while (d->pieces) {
        struct reass_piece *p = d->pieces;
        d->pieces = p->next;
        pkb_free(stack, p->pkb);
        glass_free(stack, p);
    }
    glass_free(stack, d);
}

void ipv4_frag_destroy(struct glass_stack *stack)
{
    if (!stack->reass)
        return;
    while (stack->reass->first)
        reass_free(stack, stack->reass->first);
    glass_free(stack, stack->reass);
    stack->reass = NULL;
}

unsigned ipv4_reass_count(const struct glass_stack *stack)
{
    return stack->reass ? stack->reass->count : 0;
}

size_t ipv4_reass_mem(const struct glass_stack *stack)
{
    return stack->reass ? stack->reass->mem : 0;
}

/* ---- reassembly ---------------------------------------------------------- */

/* RFC 791 3.2 / RFC 1122 3.3.2: the timer ran out.  If we hold the first
 * fragment (offset 0) the sender hears Time Exceeded, code 1, quoting it;
 * without it we cannot know the transport header, and RFC 792 asks for
 * no message. */
static void reass_timeout(struct glass_stack *stack, void *arg)
{
    struct reass_dgram *d = arg;
    STAT_INC(stack, ipv4, reass_timeout);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  reassembly of %s > %s id %u timed out (%u bytes held)%s",
          ip4s(d->src).s, ip4s(d->dst).s, d->id, d->held,
          d->pieces && d->pieces->off == 0 ? ", time exceeded sent" : "");
    if (d->pieces && d->pieces->off == 0)
        icmp_send_error(stack, d->pieces->pkb, ICMP_TIME_EXCEEDED, REASS_TIME_EXCEEDED_CODE, 0);
    reass_free(stack, d);
}

/* Drop one fragment: count it under its reason and trace it. */
#define REASS_DROP(stack, counter, h, fmt, ...)                                                    \
    do {                                                                                           \
        STAT_INC(stack, ipv4, counter);                                                            \
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  drop fragment %s > %s id %u: " fmt,                  \
              ip4s(get_addr((h) + IPV4_OFF_SRC)).s, ip4s(get_addr((h) + IPV4_OFF_DST)).s,                    \
              get_be16((h) + IPV4_OFF_ID), __VA_ARGS__);                                                \
    } while (0)

/* The checks one fragment must pass on its own (RFC 791 3.2, RFC 1858).
 * Returns false after counting the drop. */
static bool reass_fragment_valid(struct glass_stack *stack, const uint8_t *h, uint32_t off,
                                 uint32_t len, bool mf)
{
    size_t hlen = ipv4_hlen(h);
    uint16_t fo = get_be16(h + IPV4_OFF_FRAG) & IPV4_OFFSET_MASK;
    if (len == 0 || (mf && len % 8 != 0)) {
        /* RFC 791 3.2: every fragment but the last carries a multiple of
         * 8 octets of data; a fragment without data says nothing. */
        REASS_DROP(stack, reass_drop_bad, h, "%u data bytes at offset %u%s", len, off,
                   mf ? " (not a multiple of 8)" : "");
        return false;
    }
    if (hlen + off + len > 0xffff) {
        /* RFC 791 3.1: total length is 16 bits; the "ping of death". */
        REASS_DROP(stack, reass_drop_too_long, h, "offset %u + %u bytes exceeds 65535", off, len);
        return false;
    }
    /* RFC 1858 3.2: a TCP fragment at offset 8 could rewrite the flags of
     * the header in the first fragment (the tiny fragment attack); and a
     * first fragment too short to hold the transport header hides it. */
    uint8_t proto = h[IPV4_OFF_PROTO];
    uint32_t min_first = proto == IPPROTO_TCP_ ? 20 : 8;
    if ((proto == IPPROTO_TCP_ && fo == 1) || (off == 0 && mf && len < min_first)) {
        REASS_DROP(stack, reass_drop_tiny, h, "tiny fragment (offset %u, %u bytes, proto %u)", off,
                   len, proto);
        return false;
    }
    return true;
}

static struct reass_dgram *reass_find(struct glass_stack *stack, const uint8_t *h)
{
    uint32_t src = get_addr(h + IPV4_OFF_SRC), dst = get_addr(h + IPV4_OFF_DST);
    uint16_t id = get_be16(h + IPV4_OFF_ID);
    for (struct reass_dgram *d = stack->reass->first; d; d = d->next)
        if (d->src == src && d->dst == dst && d->id == id && d->proto == h[IPV4_OFF_PROTO])
            return d;
    return NULL;
}

/* Give up the oldest datagram to make room (the bound).  False if there
 * is nothing older than `keep` to give up. */
static bool reass_evict_oldest(struct glass_stack *stack, const struct reass_dgram *keep)
{
    struct reass_dgram *old = stack->reass->first;
    if (old == keep)
        old = old->next;
    if (!old)
        return false;
    STAT_INC(stack, ipv4, reass_evicted);
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  reassembly of %s > %s id %u given up: memory bound",
          ip4s(old->src).s, ip4s(old->dst).s, old->id);
    reass_free(stack, old);
    return true;
}

static struct reass_dgram *reass_new(struct glass_stack *stack, const uint8_t *h)
{
    struct ipv4_reass *r = stack->reass;
    while (r->count >= IPV4_REASS_MAX_DATAGRAMS && reass_evict_oldest(stack, NULL))
        ;
    struct reass_dgram *d = glass_alloc(stack, sizeof(*d));
    if (!d)
        return NULL;
    d->stack = stack;
    d->src = get_addr(h + IPV4_OFF_SRC);
    d->dst = get_addr(h + IPV4_OFF_DST);
    d->id = get_be16(h + IPV4_OFF_ID);
    d->proto = h[IPV4_OFF_PROTO];
    timer_init(&d->timer, "ipv4-reass", reass_timeout, d);
    if (timer_arm(stack, &d->timer, IPV4_REASS_TIMEOUT) < 0) {
        glass_free(stack, d);
        return NULL;
    }
    struct reass_dgram **tail = &r->first;
    while (*tail)
        tail = &(*tail)->next;
    *tail = d;
    r->count++;
    return d;
}

/* Where [off, end) goes in d: 0 and *at set (insert after *at, or first
 * when *at is NULL); 1 for an exact duplicate; -1 for any other overlap or
 * a span that contradicts the end the last fragment gave. */
static int reass_place(const struct reass_dgram *d, const uint8_t *data, uint32_t off,
                       uint32_t end, bool mf, struct reass_piece **at)
{
    if (d->have_last && (end > d->data_len || (!mf && end != d->data_len)))
        return -1;
    if (!mf) {
        for (const struct reass_piece *p = d->pieces; p; p = p->next)
            if (p->end > end)
                return -1;
    }
    *at = NULL;
    for (struct reass_piece *p = d->pieces; p; p = p->next) {
        if (p->end <= off) {
            *at = p;
            continue;
        }
        if (p->off >= end)
            break;
        const uint8_t *pd = p->pkb->data + ipv4_hlen(p->pkb->data);
        if (p->off == off && p->end == end && memcmp(pd, data, end - off) == 0)
            return 1;
        return -1;
    }
    return 0;
}

/* Copy the whole datagram out of d: the first fragment's header (options
 * included) with total length and fragment fields set for a datagram
 * that was never fragmented, then every piece's data. */
static struct pkb *reass_assemble(struct glass_stack *stack, struct reass_dgram *d)
{
    const uint8_t *fh = d->pieces->pkb->data;
    size_t hlen = ipv4_hlen(fh);
    if (hlen + d->data_len > 0xffff) {
        /* Possible when the first fragment's header is longer than the
         * one the length check saw. */
        REASS_DROP(stack, reass_drop_too_long, fh, "%zu bytes in all", hlen + d->data_len);
        return NULL;
    }
    struct pkb *pkb = pkb_alloc(stack, hlen + d->data_len);
    if (!pkb) {
        REASS_DROP(stack, reass_drop_no_memory, fh, "%s", "no buffer for the whole datagram");
        return NULL;
    }
    uint8_t *h = pkb_put(pkb, hlen + d->data_len);
    memcpy(h, fh, hlen);
    for (const struct reass_piece *p = d->pieces; p; p = p->next)
        memcpy(h + hlen + p->off, p->pkb->data + ipv4_hlen(p->pkb->data), p->end - p->off);
    put_be16(h + IPV4_OFF_TOTLEN, (uint16_t)(hlen + d->data_len));
    put_be16(h + IPV4_OFF_FRAG, get_be16(fh + IPV4_OFF_FRAG) & IPV4_FLAG_DF);
    put_be16(h + IPV4_OFF_CSUM, 0);
    put_be16(h + IPV4_OFF_CSUM, inet_checksum(h, hlen));
    pkb->nif = d->pieces->pkb->nif;
    pkb_set_l3(pkb);
    return pkb;
}

struct pkb *ipv4_reass_input(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    const uint8_t *h = pkb->data;
    size_t hlen = ipv4_hlen(h);
    uint16_t frag = get_be16(h + IPV4_OFF_FRAG);
    uint32_t off = (uint32_t)(frag & IPV4_OFFSET_MASK) * 8;
    uint32_t len = (uint32_t)(pkb_len(pkb) - hlen), end = off + len;
    bool mf = (frag & IPV4_FLAG_MF) != 0;
    STAT_INC(stack, ipv4, frag_rx);
    if (!reass_fragment_valid(stack, h, off, len, mf))
        goto drop;
    struct reass_dgram *d = reass_find(stack, h);
    if (!d && !(d = reass_new(stack, h))) {
        REASS_DROP(stack, reass_drop_no_memory, h, "%s", "no memory for a new datagram");
        goto drop;
    }
    struct reass_piece *at;
    int place = reass_place(d, h + hlen, off, end, mf, &at);
    if (place == 1) {
        REASS_DROP(stack, reass_duplicate, h, "duplicate of bytes %u..%u", off, end);
        goto drop;
    }
    if (place < 0) {
        REASS_DROP(stack, reass_drop_overlap, h,
                   "bytes %u..%u%s overlap or contradict what was received: datagram discarded",
                   off, end, mf ? "" : " (last)");
        reass_free(stack, d);
        goto drop;
    }
    /* The memory bound: older datagrams go first; if this one alone is
     * over it, it goes. */
    size_t cost = piece_cost(pkb);
    while (stack->reass->mem + cost > IPV4_REASS_MEM_MAX && reass_evict_oldest(stack, d))
        ;
    struct reass_piece *p = stack->reass->mem + cost <= IPV4_REASS_MEM_MAX
                                ? glass_alloc(stack, sizeof(*p))
                                : NULL;
    if (!p) {
        REASS_DROP(stack, reass_drop_no_memory, h, "memory bound (%zu bytes held): datagram discarded",
                   stack->reass->mem);
        reass_free(stack, d);
        goto drop;
    }
    *p = (struct reass_piece){.pkb = pkb, .off = off, .end = end};
    if (at) {
        p->next = at->next;
        at->next = p;
    } else {
        p->next = d->pieces;
        d->pieces = p;
    }
    pkb_set_l3(pkb); /* the quote for Time Exceeded */
    d->held += len;
    d->mem += cost;
    stack->reass->mem += cost;
    if (!mf) {
        d->have_last = true;
        d->data_len = end;
    }
    TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fragment %s > %s id %u bytes %u..%u%s: %u bytes held of %ld",
          ip4s(d->src).s, ip4s(d->dst).s, d->id, off, end, mf ? " MF" : "", d->held,
          d->have_last ? (long)d->data_len : -1L);
    if (!d->have_last || d->held != d->data_len || d->pieces->off != 0)
        return NULL;
    struct pkb *whole = reass_assemble(stack, d);
    if (whole) {
        STAT_INC(stack, ipv4, reass_ok);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  reassembled %s > %s id %u: %u bytes of data",
              ip4s(d->src).s, ip4s(d->dst).s, d->id, d->data_len);
    }
    reass_free(stack, d);
    return whole;
drop:
    pkb_free(stack, pkb);
    return NULL;
}

/* ---- fragmentation ------------------------------------------------------- */

/* RFC 791 3.2: the options a later fragment carries are those whose
 * copied flag is set, padded to a multiple of 4 with End of Option List.
 * Writes them after a 20-byte header at out; returns the header length. */
static size_t frag_copy_options(const uint8_t *h, size_t hlen, uint8_t *out)
{
    size_t n = IPV4_HLEN, i = IPV4_HLEN;
    memcpy(out, h, IPV4_HLEN);
    while (i < hlen && h[i] != OPT_EOL) {
        if (h[i] == OPT_NOP) {
            i++;
            continue;
        }
        if (hlen - i < 2 || h[i + 1] < 2 || h[i + 1] > hlen - i)
            break;
        if (h[i] & OPT_COPIED) {
            memcpy(out + n, h + i, h[i + 1]);
            n += h[i + 1];
        }
        i += h[i + 1];
    }
    while (n % 4)
        out[n++] = OPT_EOL;
    out[0] = (uint8_t)(0x40 | (n / 4));
    return n;
}

/* One fragment: header hdr (hlen bytes) and data bytes [pos, pos+len) of
 * the original, at original offset base + pos.  Consumes nothing. */
static struct pkb *frag_build(struct glass_stack *stack, const uint8_t *hdr, size_t hlen,
                              const uint8_t *data, uint32_t base, uint32_t pos, uint32_t len,
                              bool more)
{
    struct pkb *f = pkb_alloc(stack, hlen + len);
    if (!f)
        return NULL;
    uint8_t *h = pkb_put(f, hlen + len);
    memcpy(h, hdr, hlen);
    memcpy(h + hlen, data + pos, len);
    uint16_t df = get_be16(hdr + IPV4_OFF_FRAG) & IPV4_FLAG_DF;
    put_be16(h + IPV4_OFF_TOTLEN, (uint16_t)(hlen + len));
    put_be16(h + IPV4_OFF_FRAG, (uint16_t)(df | (more ? IPV4_FLAG_MF : 0) | ((base + pos) / 8)));
    put_be16(h + IPV4_OFF_CSUM, 0);
    put_be16(h + IPV4_OFF_CSUM, inet_checksum(h, hlen));
    pkb_set_l3(f);
    return f;
}

int ipv4_fragment_output(struct glass_stack *stack, struct pkb *pkb, struct glass_netif *nif,
                         uint32_t nexthop, unsigned mtu)
{
    const uint8_t *h = pkb->data;
    size_t hlen = ipv4_hlen(h);
    uint8_t later_hdr[IPV4_MAX_HLEN];
    size_t later_hlen = frag_copy_options(h, hlen, later_hdr);
    uint16_t frag = get_be16(h + IPV4_OFF_FRAG);
    uint32_t base = (uint32_t)(frag & IPV4_OFFSET_MASK) * 8;
    bool orig_mf = (frag & IPV4_FLAG_MF) != 0;
    uint32_t total = (uint32_t)(pkb_len(pkb) - hlen);
    const uint8_t *data = h + hlen;
    /* RFC 791 3.2: every fragment but the last carries a multiple of 8. */
    if (mtu < hlen + 8 || mtu < later_hlen + 8) {
        STAT_INC(stack, ipv4, drop_too_big);
        pkb_free(stack, pkb);
        return -EMSGSIZE;
    }
    int rc = 0;
    for (uint32_t pos = 0; pos < total && rc == 0;) {
        const uint8_t *hdr = pos == 0 ? h : later_hdr;
        size_t fhlen = pos == 0 ? hlen : later_hlen;
        uint32_t room = (uint32_t)((mtu - fhlen) & ~(size_t)7);
        uint32_t len = GLASS_MIN(room, total - pos);
        bool more = pos + len < total || orig_mf;
        struct pkb *f = frag_build(stack, hdr, fhlen, data, base, pos, len, more);
        if (!f) {
            STAT_INC(stack, ipv4, drop_no_memory);
            rc = -ENOBUFS;
            break;
        }
        f->nif = nif;
        STAT_INC(stack, ipv4, frag_created);
        TRACE(stack, GLASS_TRACE_IPV4, "ipv4  fragment id %u bytes %u..%u%s via %s",
              get_be16(h + IPV4_OFF_ID), base + pos, base + pos + len, more ? " MF" : "",
              ip4s(nexthop).s);
        pos += len;
        rc = arp_output(nif, nexthop, f);
    }
    if (rc == 0)
        STAT_INC(stack, ipv4, frag_ok);
    pkb_free(stack, pkb);
    return rc;
}
