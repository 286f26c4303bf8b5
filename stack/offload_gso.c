/*
 * offload_gso.c - software GSO: cutting a TCPv4 super-segment into wire
 * segments when the link it leaves through cannot (no TSO4), as Linux's
 * skb_gso_segment() -> inet_gso_segment() -> tcp4_gso_segment() does.
 *
 * A super-segment (pkb->gso_size != 0) is one IPv4 datagram holding a TCP
 * header and many MSS of text: built by tcp_tso.c for a TSO link, or
 * received whole from a tap with offloads (a GSO frame) and now being
 * forwarded.  On the wire it must become the segments a sender without
 * TSO would have sent (docs/tcp.md "Offloads"):
 *
 *   - every segment carries a copy of the headers in front of the TCP
 *     text: Ethernet (when there is one), IPv4 with its options, TCP with
 *     its options (timestamps, SACK blocks...) -- RFC 9293 3.1;
 *   - gso_size bytes of text each, the last one what is left;
 *   - IPv4: total length of that segment, ID + i (what the kernel's TSO
 *     does: RFC 6864 4.1 lets an atomic datagram's ID be anything, and
 *     incrementing keeps the non-atomic case correct), header checksum
 *     (RFC 791 3.1);
 *   - TCP: SEG.SEQ advanced by the text before it (RFC 9293 3.4); PSH and
 *     FIN only on the last (they belong to the last byte); CWR only on the
 *     first (RFC 3168 6.1.2: set on the first new segment after a window
 *     reduction, once); the checksum over that segment's pseudo header and
 *     bytes (RFC 9293 3.1), or left partial for a device that finishes it.
 *
 * A super-segment whose TCP checksum nobody vouched for is verified
 * whole first, so cutting never turns a corrupted datagram into segments
 * with good checksums.  Malformed ones (not TCP, a fragment, lengths that
 * disagree, SYN/RST/URG, which TSO never carries) are dropped and counted
 * (link.gso_sw_bad).
 */
#include "offload.h"

#include <errno.h>
#include <string.h>

#include "checksum.h"
#include "ipv4.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "tcp.h"
#include "trace.h"
#include "util.h"

/* Where the pieces of a super-segment lie, offsets from pkb->data. */
struct gso_layout {
    size_t l3;      /* the IPv4 header */
    size_t l4;      /* the TCP header */
    size_t hdrs;    /* end of the TCP header: bytes copied onto each segment */
    size_t text;    /* TCP text of the whole super-segment */
};

/* The checks of the header comment; NULL when the layout is sane, else
 * why not. */
static const char *gso_parse(const struct pkb *pkb, struct gso_layout *g)
{
    if (pkb->l3 == PKB_NO_OFFSET || pkb->l3 < pkb_headroom(pkb))
        return "no IPv4 header";
    size_t len = pkb_len(pkb);
    g->l3 = pkb->l3 - pkb_headroom(pkb);
    if (g->l3 + IPV4_HLEN > len)
        return "shorter than an IPv4 header";
    const uint8_t *h = pkb->data + g->l3;
    size_t ihl = ipv4_hlen(h);
    if ((h[IPV4_OFF_VER_IHL] >> 4) != 4 || ihl < IPV4_HLEN)
        return "not IPv4";
    if (h[IPV4_OFF_PROTO] != IPPROTO_TCP_)
        return "not TCP";
    if (get_be16(h + IPV4_OFF_FRAG) & (IPV4_FLAG_MF | IPV4_OFFSET_MASK))
        return "a fragment";
    if (g->l3 + get_be16(h + IPV4_OFF_TOTLEN) != len)
        return "IPv4 total length is not the frame's";
    g->l4 = g->l3 + ihl;
    if (g->l4 + TCP_HLEN > len)
        return "shorter than a TCP header";
    const uint8_t *t = pkb->data + g->l4;
    size_t thlen = (size_t)(t[TCP_OFF_DOFF] >> 4) * 4;
    if (thlen < TCP_HLEN || g->l4 + thlen > len)
        return "bad TCP data offset";
    if (t[TCP_OFF_FLAGS] & (TCP_SYN | TCP_RST | TCP_URG))
        return "SYN, RST or URG (never cut)";
    g->hdrs = g->l4 + thlen;
    g->text = len - g->hdrs;
    return NULL;
}

/* The TCP length (header + text) of a super-segment as the pseudo header
 * counts it; the sum over pkb from the TCP header to the end. */
static bool gso_csum_ok(const struct pkb *pkb, const struct gso_layout *g)
{
    const uint8_t *h = pkb->data + g->l3;
    size_t tcplen = pkb_len(pkb) - g->l4;
    uint32_t sum = csum_pseudo_ipv4(get_addr(h + IPV4_OFF_SRC), get_addr(h + IPV4_OFF_DST),
                                    IPPROTO_TCP_, (uint16_t)tcplen);
    return csum_finish(csum_add(sum, pkb->data + g->l4, tcplen)) == 0;
}

/* Segment i of n: headers, text, then the fields that differ. */
static struct pkb *gso_one(struct glass_stack *stack, const struct pkb *pkb,
                           const struct gso_layout *g, unsigned i, unsigned n, bool partial)
{
    size_t off = (size_t)i * pkb->gso_size;
    size_t text = GLASS_MIN((size_t)pkb->gso_size, g->text - off);
    struct pkb *s = pkb_alloc(stack, g->hdrs + text);
    if (!s)
        return NULL;
    uint8_t *d = pkb_put(s, g->hdrs + text);
    memcpy(d, pkb->data, g->hdrs);
    /* The text is copied and, when the checksum is ours to compute,
     * summed in the same pass (checksum.c), as tcp_output.c does. */
    const uint8_t *src = pkb->data + g->hdrs + off;
    uint32_t text_sum = 0;
    if (partial)
        memcpy(d + g->hdrs, src, text);
    else
        text_sum = csum_copy(d + g->hdrs, src, text, 0);
    s->nif = pkb->nif;
    s->nexthop = pkb->nexthop;
    s->stamp = pkb->stamp;
    s->gso_size = 0; /* a wire segment now */
    size_t base = pkb_headroom(s);
    s->l2 = g->l3 ? (uint16_t)base : PKB_NO_OFFSET;
    s->l3 = (uint16_t)(base + g->l3);
    s->l4 = (uint16_t)(base + g->l4);

    /* IPv4 (RFC 791 3.1): this segment's length, the next ID, a new sum. */
    uint8_t *h = d + g->l3;
    size_t ihl = g->l4 - g->l3;
    uint16_t id0 = get_be16(pkb->data + g->l3 + IPV4_OFF_ID);
    put_be16(h + IPV4_OFF_TOTLEN, (uint16_t)(ihl + (g->hdrs - g->l4) + text));
    put_be16(h + IPV4_OFF_ID, (uint16_t)(id0 + i));
    put_be16(h + IPV4_OFF_CSUM, 0);
    put_be16(h + IPV4_OFF_CSUM, inet_checksum(h, ihl));

    /* TCP (RFC 9293 3.1, 3.4; RFC 3168 6.1.2). */
    uint8_t *t = d + g->l4;
    put_be32(t + TCP_OFF_SEQ, get_be32(t + TCP_OFF_SEQ) + (uint32_t)off);
    if (i + 1 < n)
        t[TCP_OFF_FLAGS] &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (i > 0)
        t[TCP_OFF_FLAGS] &= (uint8_t)~TCP_CWR;
    size_t tcplen = (g->hdrs - g->l4) + text;
    uint32_t sum = csum_pseudo_ipv4(get_addr(h + IPV4_OFF_SRC), get_addr(h + IPV4_OFF_DST),
                                    IPPROTO_TCP_, (uint16_t)tcplen);
    if (partial) {
        /* The folded pseudo-header sum, as tcp_tso_checksum leaves it. */
        put_be16(t + TCP_OFF_CSUM, (uint16_t)~csum_finish(sum));
        s->csum = PKB_CSUM_PARTIAL;
        s->csum_start = s->l4;
        s->csum_off = TCP_OFF_CSUM;
    } else {
        size_t thlen = g->hdrs - g->l4;
        put_be16(t + TCP_OFF_CSUM, 0);
        sum = csum_block_add(csum_add(sum, t, thlen), text_sum, thlen);
        put_be16(t + TCP_OFF_CSUM, csum_finish(sum));
        s->csum = PKB_CSUM_NONE;
    }
    return s;
}

int offload_gso_segment(struct glass_stack *stack, const struct pkb *pkb, bool partial,
                        struct pkb_queue *out)
{
    struct gso_layout g;
    const char *why = pkb->gso_size ? gso_parse(pkb, &g) : "gso_size 0";
    if (!why && pkb->csum == PKB_CSUM_NONE && !gso_csum_ok(pkb, &g))
        why = "bad TCP checksum";
    if (why) {
        STAT_INC(stack, link, gso_sw_bad);
        TRACE(stack, GLASS_TRACE_ETH, "eth   gso drop: a %zu-byte super-segment: %s",
              pkb_len(pkb), why);
        return -EINVAL;
    }
    unsigned n = g.text ? (unsigned)((g.text + pkb->gso_size - 1) / pkb->gso_size) : 1;
    struct pkb_queue q = {0};
    for (unsigned i = 0; i < n; i++) {
        struct pkb *s = gso_one(stack, pkb, &g, i, n, partial);
        if (!s) {
            pkb_queue_purge(stack, &q);
            STAT_INC(stack, link, gso_sw_bad);
            TRACE(stack, GLASS_TRACE_ETH, "eth   gso drop: out of memory at segment %u of %u",
                  i + 1, n);
            return -ENOBUFS;
        }
        pkb_queue_push(&q, s);
    }
    *out = q;
    STAT_INC(stack, link, gso_sw_segmented);
    stack->stats.link_gso_sw_segments += n;
    return 0;
}

size_t offload_gso_wire_len(const struct pkb *pkb)
{
    const uint8_t *h = pkb->data;
    size_t len = pkb_len(pkb), ihl = ipv4_hlen(h);
    if (!pkb->gso_size || ihl < IPV4_HLEN || ihl + TCP_HLEN > len)
        return len;
    size_t thlen = (size_t)(h[ihl + TCP_OFF_DOFF] >> 4) * 4;
    size_t one = ihl + thlen + pkb->gso_size;
    return GLASS_MIN(one, len);
}

int offload_gso_output(struct glass_netif *nif, struct pkb *pkb)
{
    struct glass_stack *stack = nif->stack;
    struct pkb_queue q;
    bool partial = (nif->features & NETIF_F_TX_CSUM_PARTIAL) != 0;
    int rc = offload_gso_segment(stack, pkb, partial, &q);
    size_t len = pkb_len(pkb);
    pkb_free(stack, pkb);
    if (rc < 0) {
        nif->cnt.tx_errors++;
        STAT_INC(stack, eth, tx_error);
        return rc;
    }
    TRACE(stack, GLASS_TRACE_ETH, "eth   %s gso: a %zu-byte super-segment cut into %zu segments",
          nif->name, len, q.count);
    struct pkb *s;
    while ((s = pkb_queue_pop(&q))) {
        int r = netif_output(nif, s); /* gso_size 0: each goes as any frame */
        if (r < 0 && rc == 0)
            rc = r;
    }
    return rc;
}
