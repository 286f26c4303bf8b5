/*
 * tcp_opt.c - TCP options (RFC 9293 3.1 "Options", 3.2 "Specific Option
 * Definitions"; RFC 1122 4.2.2.5).
 *
 * An option is either one byte (End of Option List, No-Operation) or
 * kind, length, then length - 2 bytes of value.  RFC 9293 3.1 asks a
 * receiver to be ready for any option and to skip the ones it does not
 * know by their length -- which is exactly why a length that lies (0, 1,
 * or past the end of the area) cannot be survived: there is no telling
 * where the next option starts.  Such a segment is dropped (RFC 9293
 * 3.1: "handle an illegal option length ... without crashing ...
 * reset the connection or drop the segment"; glass drops, like Linux).
 */
#include <string.h>

#include "tcp.h"
#include "util.h"

/* The length each option we know MUST have (RFC 9293 3.2, RFC 7323 2.2
 * and 3.2, RFC 2018 2); 0 for "checked elsewhere". */
static int tcp_opt_known_len(uint8_t kind)
{
    switch (kind) {
    case TCPOPT_MSS:
        return 4;
    case TCPOPT_WSCALE:
        return 3;
    case TCPOPT_SACK_PERM:
        return 2;
    case TCPOPT_TIMESTAMP:
        return 10;
    default:
        return 0;
    }
}

/* RFC 2018 3: the blocks of a SACK option (olen already checked to be
 * 2 + 8n, n >= 1; 40 bytes of option space hold at most 4).  A second
 * SACK option in one segment adds its blocks up to the same bound. */
static void tcp_opt_take_sack(const uint8_t *v, uint8_t olen, struct tcp_opts *o)
{
    for (unsigned i = 0; i < (unsigned)(olen - 2) / 8u && o->nsack < 4; i++) {
        o->sack[o->nsack].left = get_be32(v + 8 * i);
        o->sack[o->nsack].right = get_be32(v + 8 * i + 4);
        o->nsack++;
    }
}

static void tcp_opt_take(const uint8_t *v, uint8_t kind, struct tcp_opts *o)
{
    switch (kind) {
    case TCPOPT_MSS:
        o->mss_present = true;
        o->mss = get_be16(v);
        break;
    case TCPOPT_WSCALE:
        o->ws_present = true;
        o->ws = v[0];
        break;
    case TCPOPT_SACK_PERM:
        o->sack_perm = true;
        break;
    case TCPOPT_TIMESTAMP:
        o->ts_present = true;
        o->tsval = get_be32(v);
        o->tsecr = get_be32(v + 4);
        break;
    default:
        break;          /* unknown options: skipped (SACK: tcp_opt_take_sack) */
    }
}

int tcp_opts_parse(const uint8_t *p, size_t len, struct tcp_opts *o)
{
    memset(o, 0, sizeof(*o));
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == TCPOPT_EOL)
            return 0;   /* the rest of the area is padding */
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return -1;  /* a kind byte with no room for its length */
        uint8_t olen = p[i + 1];
        if (olen < 2 || olen > len - i)
            return -1;
        int want = tcp_opt_known_len(kind);
        if (want && olen != want)
            return -1;
        /* RFC 2018 3: SACK is 2 + 8n bytes, n >= 1. */
        if (kind == TCPOPT_SACK && (olen < 10 || (olen - 2) % 8 != 0))
            return -1;
        tcp_opt_take(p + i + 2, kind, o);
        if (kind == TCPOPT_SACK)
            tcp_opt_take_sack(p + i + 2, olen, o);
        i += olen;
    }
    return 0;
}

size_t tcp_opts_write_syn(uint8_t *p, uint16_t mss)
{
    /* RFC 9293 3.7.1: a SYN SHOULD carry the MSS option.  Four bytes,
     * already a multiple of 4: no padding needed. */
    p[0] = TCPOPT_MSS;
    p[1] = 4;
    put_be16(p + 2, mss);
    return 4;
}

/* ---- SACK (RFC 2018) ---------------------------------------------------- */

size_t tcp_opts_write_sack_perm(uint8_t *p)
{
    /* RFC 2018 2: kind 4, length 2, "MAY be sent in a SYN"; two NOPs in
     * front keep the next option 4-aligned (Linux writes the same bytes
     * when it has no timestamps). */
    p[0] = TCPOPT_NOP;
    p[1] = TCPOPT_NOP;
    p[2] = TCPOPT_SACK_PERM;
    p[3] = 2;
    return 4;
}

size_t tcp_opts_write_sack_blocks(uint8_t *p, size_t room, const struct tcp_sack_block *b,
                                  unsigned n)
{
    /* RFC 2018 3: kind 5, length 2 + 8n; with two NOPs in front the
     * option takes 4 + 8n bytes: 4 blocks in 36 bytes, 3 in 28 (what is
     * left beside a 12-byte timestamp option). */
    if (room < 12 || n == 0)
        return 0;
    unsigned fit = (unsigned)((room - 4) / 8);
    if (n > fit)
        n = fit;
    if (n > 4)
        n = 4;
    p[0] = TCPOPT_NOP;
    p[1] = TCPOPT_NOP;
    p[2] = TCPOPT_SACK;
    p[3] = (uint8_t)(2 + 8 * n);
    for (unsigned i = 0; i < n; i++) {
        put_be32(p + 4 + 8 * i, b[i].left);
        put_be32(p + 8 + 8 * i, b[i].right);
    }
    return 4 + 8 * (size_t)n;
}

/* ---- everything a segment carries (RFC 9293 3.1, RFC 7323) ----------------- */

/* RFC 7323 3.2: kind 8, length 10, TSval, TSecr, after two NOPs so the
 * 32-bit values sit on 32-bit boundaries (Appendix A's layout, as every
 * stack sends it).  "The TSecr field is valid if the ACK bit is set ...
 * When the ACK bit is not set, the receiver MUST ignore" it; we send 0. */
static size_t tcp_opt_write_ts(uint8_t *p, const struct tcp_cb *tcb, uint8_t flags)
{
    p[0] = TCPOPT_NOP;
    p[1] = TCPOPT_NOP;
    p[2] = TCPOPT_TIMESTAMP;
    p[3] = 10;
    put_be32(p + 4, tcp_ts_now(tcb));
    put_be32(p + 8, (flags & TCP_ACK) ? tcb->ts_recent : 0);
    return TCPOLEN_TS_ALIGNED;
}

/* RFC 7323 2.2: kind 3, length 3, shift.cnt, after a NOP. */
static size_t tcp_opt_write_ws(uint8_t *p, uint8_t shift)
{
    p[0] = TCPOPT_NOP;
    p[1] = TCPOPT_WSCALE;
    p[2] = 3;
    p[3] = shift;
    return 4;
}

size_t tcp_opts_write(uint8_t *p, const struct tcp_cb *tcb, uint8_t flags)
{
    size_t n = 0;
    if (flags & TCP_SYN) {
        n += tcp_opts_write_syn(p, tcb->adv_mss ? tcb->adv_mss : TCP_DEFAULT_MSS);
        bool sack = tcp_sack_offer(tcb);
        if (sack && tcb->ts_offered) {
            /* SACK-permitted (kind 4, length 2) in the place of the
             * timestamp's two NOPs: 12 bytes for both, the layout Linux
             * sends. */
            tcp_opt_write_ts(p + n, tcb, flags);
            p[n] = TCPOPT_SACK_PERM;
            p[n + 1] = 2;
            n += TCPOLEN_TS_ALIGNED;
        } else if (sack) {
            n += tcp_opts_write_sack_perm(p + n);
        } else if (tcb->ts_offered) {
            n += tcp_opt_write_ts(p + n, tcb, flags);
        }
        if (tcb->ws_offered)
            n += tcp_opt_write_ws(p + n, tcb->rcv_wscale_offer);
        return n;
    }
    /* RFC 7323 3.2: once both SYNs carried it, TSopt goes on every
     * segment (glass sends it on RSTs too: "SHOULD be sent in an <RST>"). */
    if (tcb->ts_ok)
        n += tcp_opt_write_ts(p + n, tcb, flags);
    return n;
}
