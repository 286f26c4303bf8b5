/*
 * dns.c - DNS messages, RFC 1035 section 4, as pure functions.
 *
 * A message is a 12-octet header followed by four sections: question,
 * answer, authority, additional (RFC 1035 4.1).  Names are sequences of
 * length-prefixed labels ending with a zero octet (3.1), and inside a
 * message any tail of a name may be replaced by a two-octet pointer to an
 * earlier occurrence (4.1.4, "message compression").
 *
 * The parser treats the reply as hostile: every read goes through a bounds
 * check against the message length, pointers may only go backwards (before
 * the run of labels that contains them, so no loop can form) and at most
 * DNS_MAX_POINTER_HOPS of them are followed, and every count in the header
 * must be backed by bytes.  Errors are return codes with a short reason.
 */
#include "dns.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define FAIL(code, reason)                                                                         \
    do {                                                                                           \
        if (why)                                                                                   \
            *why = (reason);                                                                       \
        return (code);                                                                             \
    } while (0)

/* ---- names: presentation form -> wire form (RFC 1035 3.1) --------------- */

int dns_name_check(const char *name, const char **why)
{
    size_t wire = 1; /* the root label's zero octet */
    size_t label = 0;
    const char *p;

    if (name == NULL)
        FAIL(DNS_EBADNAME, "no name");
    if (name[0] == '\0' || strcmp(name, ".") == 0)
        return DNS_OK; /* the root */
    for (p = name;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0) {
                /* one trailing dot is the absolute form of the name ("a.b."):
                 * the label before it was checked non-empty already */
                if (*p == '\0')
                    break;
                FAIL(DNS_EBADNAME, "empty label in name");
            }
            wire += 1 + label;
            label = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == '\\')
            FAIL(DNS_EBADNAME, "escapes in names are not supported");
        if (++label > DNS_LABEL_MAX)
            FAIL(DNS_EBADNAME, "label longer than 63 octets");
    }
    if (wire > DNS_NAME_MAX)
        FAIL(DNS_EBADNAME, "name longer than 255 octets");
    return DNS_OK;
}

int dns_name_encode(const char *name, uint8_t *out, size_t outlen, const char **why)
{
    size_t o = 0;
    const char *p = name;
    int rc = dns_name_check(name, why);

    if (rc != DNS_OK)
        return rc;
    while (*p && strcmp(p, ".") != 0) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (o + 1 + n >= outlen)
            FAIL(DNS_ENOSPC, "buffer too small for the name");
        out[o++] = (uint8_t)n;
        memcpy(out + o, p, n);
        o += n;
        p += n;
        if (*p == '.')
            p++;
    }
    if (o + 1 > outlen)
        FAIL(DNS_ENOSPC, "buffer too small for the name");
    out[o++] = 0;
    return (int)o;
}

/* ---- building a query (RFC 1035 4.1.1, 4.1.2) ----------------------------- */

int dns_build_query(uint8_t *out, size_t outlen, uint16_t id, const char *name, uint16_t qtype,
                    const char **why)
{
    int n;

    if (outlen < DNS_HDR_LEN + 1 + 4)
        FAIL(DNS_ENOSPC, "buffer too small for a query");
    memset(out, 0, DNS_HDR_LEN);
    put_be16(out, id);
    /* QR=0 (query), OPCODE=0 (standard query), RD=1: we are a stub and
     * want the server to recurse for us (RFC 1034 5.3.1). */
    put_be16(out + 2, DNS_FLAG_RD);
    put_be16(out + 4, 1); /* QDCOUNT */
    n = dns_name_encode(name, out + DNS_HDR_LEN, outlen - DNS_HDR_LEN - 4, why);
    if (n < 0)
        return n;
    put_be16(out + DNS_HDR_LEN + n, qtype);
    put_be16(out + DNS_HDR_LEN + n + 2, DNS_CLASS_IN);
    return DNS_HDR_LEN + n + 4;
}

/* ---- reading names from a reply (RFC 1035 4.1.4) -------------------------- */

/* Append one label octet in presentation form: '.' and '\' escaped with a
 * backslash, bytes outside printable ASCII as \DDD (RFC 1035 5.1). */
static size_t put_label_char(char *out, size_t o, size_t outlen, uint8_t c)
{
    int n;

    if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
        c == '$')
        n = snprintf(out + o, outlen - o, "\\%c", c);
    else if (c < 0x21 || c > 0x7e)
        n = snprintf(out + o, outlen - o, "\\%03u", c);
    else
        n = snprintf(out + o, outlen - o, "%c", c);
    return n < 0 ? o : GLASS_MIN(o + (size_t)n, outlen - 1);
}

/*
 * Read the name at *off.  On success *off is just past the name as it sits
 * in the stream (after its first pointer, if any) and out holds the
 * presentation form without the trailing dot ("" for the root).
 */
static int read_name(const uint8_t *msg, size_t len, size_t *off, char *out, size_t outlen,
                     const char **why)
{
    size_t pos = *off;
    size_t run_start = pos; /* where the current run of labels started */
    size_t wire = 0, o = 0;
    unsigned hops = 0;
    bool jumped = false;

    out[0] = '\0';
    for (;;) {
        uint8_t c;

        if (pos >= len)
            FAIL(DNS_EBADMSG, "name runs past the end of the message");
        c = msg[pos];
        if ((c & 0xc0) == 0xc0) {
            size_t ptr;
            if (pos + 1 >= len)
                FAIL(DNS_EBADMSG, "compression pointer cut off at the end");
            ptr = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
            if (!jumped)
                *off = pos + 2;
            jumped = true;
            if (ptr < DNS_HDR_LEN)
                FAIL(DNS_EBADMSG, "compression pointer into the header");
            /* A pointer names a *prior* occurrence (4.1.4); requiring it
             * to land before this run of labels makes every jump strictly
             * backwards, so a loop is impossible. */
            if (ptr >= run_start)
                FAIL(DNS_EBADMSG, "compression pointer does not point backwards");
            if (++hops > DNS_MAX_POINTER_HOPS)
                FAIL(DNS_EBADMSG, "too many compression pointers (loop)");
            pos = run_start = ptr;
            continue;
        }
        if (c & 0xc0) /* 01 and 10: extended label types (RFC 6891 6.2) */
            FAIL(DNS_EBADMSG, "unknown label type");
        if (c == 0) {
            if (!jumped)
                *off = pos + 1;
            return DNS_OK;
        }
        if (pos + 1 + c > len)
            FAIL(DNS_EBADMSG, "label runs past the end of the message");
        wire += 1 + (size_t)c;
        if (wire + 1 > DNS_NAME_MAX)
            FAIL(DNS_EBADMSG, "name longer than 255 octets");
        if (o > 0 && o + 1 < outlen) {
            out[o++] = '.';
            out[o] = '\0';
        }
        for (size_t i = 0; i < c; i++)
            o = put_label_char(out, o, outlen, msg[pos + 1 + i]);
        pos += 1 + (size_t)c;
    }
}

/* ---- records (RFC 1035 4.1.3, 3.3, 3.4.1; RFC 3596 2.2) -------------------- */

/* A name that must fill the rdata exactly (CNAME, NS, MX exchange). */
static int read_rdata_name(const uint8_t *msg, size_t len, size_t off, size_t end, char *out,
                           const char **why)
{
    int rc = read_name(msg, len, &off, out, DNS_NAME_STRLEN, why);
    if (rc != DNS_OK)
        return rc;
    if (off != end)
        FAIL(DNS_EBADMSG, "rdata length does not match the name inside it");
    return DNS_OK;
}

/* TXT rdata: one or more <character-string>s, each a length octet and
 * that many bytes, exactly filling the rdata (3.3.14). */
static int read_txt(const uint8_t *rd, size_t rdlen, struct dns_rr *rr, const char **why)
{
    size_t i = 0;

    if (rdlen == 0)
        FAIL(DNS_EBADMSG, "empty TXT rdata");
    while (i < rdlen) {
        if (i + 1 + rd[i] > rdlen)
            FAIL(DNS_EBADMSG, "TXT string runs past its rdata");
        i += 1 + (size_t)rd[i];
    }
    rr->rd.txt.len = (uint16_t)GLASS_MIN(rdlen, sizeof rr->rd.txt.data);
    memcpy(rr->rd.txt.data, rd, rr->rd.txt.len);
    return DNS_OK;
}

static int read_rdata(const uint8_t *msg, size_t len, size_t off, struct dns_rr *rr,
                      const char **why)
{
    const uint8_t *rd = msg + off;
    size_t end = off + rr->rdlength;

    switch (rr->type) {
    case DNS_TYPE_A:
        if (rr->rdlength != 4)
            FAIL(DNS_EBADMSG, "A record rdata is not 4 octets");
        memcpy(&rr->rd.a, rd, 4);
        return DNS_OK;
    case DNS_TYPE_AAAA:
        if (rr->rdlength != 16)
            FAIL(DNS_EBADMSG, "AAAA record rdata is not 16 octets");
        memcpy(rr->rd.aaaa, rd, 16);
        return DNS_OK;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
        return read_rdata_name(msg, len, off, end, rr->rd.cname, why);
    case DNS_TYPE_MX:
        if (rr->rdlength < 3)
            FAIL(DNS_EBADMSG, "MX rdata too short");
        rr->rd.mx.preference = get_be16(rd);
        return read_rdata_name(msg, len, off + 2, end, rr->rd.mx.exchange, why);
    case DNS_TYPE_TXT:
        return read_txt(rd, rr->rdlength, rr, why);
    default:
        rr->rd.raw.len = (uint16_t)GLASS_MIN(rr->rdlength, sizeof rr->rd.raw.data);
        memcpy(rr->rd.raw.data, rd, rr->rd.raw.len);
        return DNS_OK;
    }
}

static int read_rr(const uint8_t *msg, size_t len, size_t *off, struct dns_rr *rr,
                   const char **why)
{
    int rc = read_name(msg, len, off, rr->name, sizeof rr->name, why);

    if (rc != DNS_OK)
        return rc;
    if (*off + 10 > len)
        FAIL(DNS_EBADMSG, "record header runs past the end of the message");
    rr->type = get_be16(msg + *off);
    rr->rclass = get_be16(msg + *off + 2);
    rr->ttl = get_be32(msg + *off + 4);
    rr->rdlength = get_be16(msg + *off + 8);
    *off += 10;
    if (*off + rr->rdlength > len)
        FAIL(DNS_EBADMSG, "rdata runs past the end of the message");
    rc = read_rdata(msg, len, *off, rr, why);
    if (rc != DNS_OK)
        return rc;
    *off += rr->rdlength;
    return DNS_OK;
}

/* Walk `count` records; keep the first `max` in kept[] (NULL: keep none).
 * With TC set the server may have cut the message at a record boundary
 * (RFC 1035 4.1.1, RFC 2181 9): running out there is not an error. */
static int read_section(const uint8_t *msg, size_t len, size_t *off, unsigned count,
                        struct dns_rr *kept, unsigned max, unsigned *nkept, bool tc,
                        bool *cut, const char **why)
{
    struct dns_rr scratch;

    for (unsigned i = 0; i < count; i++) {
        struct dns_rr *rr = (kept && *nkept < max) ? &kept[*nkept] : &scratch;
        int rc;

        if (*cut || (tc && *off == len)) {
            *cut = true;
            return DNS_OK;
        }
        memset(rr, 0, sizeof *rr);
        rc = read_rr(msg, len, off, rr, why);
        if (rc != DNS_OK)
            return rc;
        if (rr != &scratch)
            (*nkept)++;
    }
    return DNS_OK;
}

int dns_parse(const uint8_t *msg, size_t len, struct dns_msg *m, const char **why)
{
    size_t off = DNS_HDR_LEN;
    bool tc, cut = false;
    int rc;

    memset(m, 0, offsetof(struct dns_msg, answer));
    m->nanswer = m->nauthority = 0;
    if (msg == NULL || len < DNS_HDR_LEN)
        FAIL(DNS_EBADMSG, "message shorter than the 12-octet header");
    m->id = get_be16(msg);
    m->flags = get_be16(msg + 2);
    m->qdcount = get_be16(msg + 4);
    m->ancount = get_be16(msg + 6);
    m->nscount = get_be16(msg + 8);
    m->arcount = get_be16(msg + 10);
    tc = m->flags & DNS_FLAG_TC;

    /* Question section (4.1.2): keep the first question. */
    for (unsigned i = 0; i < m->qdcount; i++) {
        char scratch[DNS_NAME_STRLEN];
        char *name = i == 0 ? m->qname : scratch;
        if (tc && off == len)
            return DNS_OK;
        rc = read_name(msg, len, &off, name, DNS_NAME_STRLEN, why);
        if (rc != DNS_OK)
            return rc;
        if (off + 4 > len)
            FAIL(DNS_EBADMSG, "question runs past the end of the message");
        if (i == 0) {
            m->has_question = true;
            m->qtype = get_be16(msg + off);
            m->qclass = get_be16(msg + off + 2);
        }
        off += 4;
    }
    rc = read_section(msg, len, &off, m->ancount, m->answer, DNS_MAX_RR, &m->nanswer, tc, &cut,
                      why);
    if (rc == DNS_OK)
        rc = read_section(msg, len, &off, m->nscount, m->authority, DNS_MAX_RR, &m->nauthority,
                          tc, &cut, why);
    /* The additional section is walked (so its counts are checked too) but
     * not kept: a stub has no use for glue. */
    if (rc == DNS_OK)
        rc = read_section(msg, len, &off, m->arcount, NULL, 0, NULL, tc, &cut, why);
    return rc;
}

/* ---- does the reply answer our query? -------------------------------------- */

bool dns_name_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la > 0 && a[la - 1] == '.' && (la < 2 || a[la - 2] != '\\'))
        la--;
    if (lb > 0 && b[lb - 1] == '.' && (lb < 2 || b[lb - 2] != '\\'))
        lb--;
    if (la != lb)
        return false;
    /* RFC 4343 2: ASCII letters compare case-insensitively, nothing else. */
    for (size_t i = 0; i < la; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

int dns_match(const struct dns_msg *m, uint16_t id, const char *qname, uint16_t qtype,
              const char **why)
{
    if (!(m->flags & DNS_FLAG_QR))
        FAIL(DNS_EMISMATCH, "not a response (QR=0)");
    if (m->id != id)
        FAIL(DNS_EMISMATCH, "id does not match our query");
    if (DNS_OPCODE(m->flags) != 0)
        FAIL(DNS_EMISMATCH, "opcode is not QUERY");
    if (m->qdcount == 0 && DNS_RCODE(m->flags) != DNS_RCODE_NOERROR)
        return DNS_OK; /* an error reply that omits the question */
    if (m->qdcount != 1 || !m->has_question)
        FAIL(DNS_EMISMATCH, "reply does not carry exactly one question");
    if (m->qtype != qtype || m->qclass != DNS_CLASS_IN)
        FAIL(DNS_EMISMATCH, "question type or class differs from our query");
    if (!dns_name_equal(m->qname, qname))
        FAIL(DNS_EMISMATCH, "question name differs from our query");
    return DNS_OK;
}

/* ---- names for humans -------------------------------------------------------- */

static const struct {
    uint16_t type;
    const char *name;
} type_names[] = {
    {DNS_TYPE_A, "A"},     {DNS_TYPE_NS, "NS"},   {DNS_TYPE_CNAME, "CNAME"},
    {DNS_TYPE_SOA, "SOA"}, {DNS_TYPE_MX, "MX"},   {DNS_TYPE_TXT, "TXT"},
    {DNS_TYPE_AAAA, "AAAA"},
};

const char *dns_type_name(uint16_t type)
{
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(type_names); i++)
        if (type_names[i].type == type)
            return type_names[i].name;
    return NULL;
}

uint16_t dns_type_parse(const char *s)
{
    for (size_t i = 0; i < GLASS_ARRAY_SIZE(type_names); i++)
        if (strcasecmp(type_names[i].name, s) == 0)
            return type_names[i].type;
    return 0;
}

const char *dns_rcode_name(unsigned rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL",
                                        "NXDOMAIN", "NOTIMP", "REFUSED"};
    return rcode < GLASS_ARRAY_SIZE(names) ? names[rcode] : "RCODE?";
}

char *dns_txt_format(const struct dns_rr *rr, char *buf, size_t buflen)
{
    size_t o = 0, i = 0;
    const uint8_t *d = rr->rd.txt.data;
    size_t n = rr->rd.txt.len;

    if (buflen == 0)
        return buf;
    buf[0] = '\0';
    while (i < n) {
        size_t slen = d[i++];
        int w = snprintf(buf + o, buflen - o, "%s\"", o ? " " : "");
        o = w < 0 ? o : GLASS_MIN(o + (size_t)w, buflen - 1);
        for (size_t j = 0; j < slen && i < n; j++, i++) {
            uint8_t c = d[i];
            if (c == '"' || c == '\\')
                w = snprintf(buf + o, buflen - o, "\\%c", c);
            else if (c < 0x20 || c > 0x7e)
                w = snprintf(buf + o, buflen - o, "\\%03u", c);
            else
                w = snprintf(buf + o, buflen - o, "%c", c);
            o = w < 0 ? o : GLASS_MIN(o + (size_t)w, buflen - 1);
        }
        w = snprintf(buf + o, buflen - o, "\"");
        o = w < 0 ? o : GLASS_MIN(o + (size_t)w, buflen - 1);
    }
    return buf;
}
