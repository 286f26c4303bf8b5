/* check_dns.c - DNS messages (RFC 1035 section 4) as pure functions: the
 * exact bytes of a query, name validation, replies decoded (compression
 * pointers, CNAME chains, MX/TXT), replies that lie (loops, forward
 * pointers, counts past the end, truncation) rejected with a reason, the
 * match check (id, QR, question; RFC 4343 case-insensitive names), and a
 * mutation loop: thousands of damaged replies, each in a heap buffer of
 * exactly its length so the sanitizer build catches any over-read. */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns.h"
#include "eth.h"
#include "ipv4.h"
#include "resolver.h"
#include "tcp_harness.h"

static struct dns_msg M; /* ~130 KiB: too big for a test's stack frame */

/* ---- a reply builder --------------------------------------------------------- */

struct mb {
    uint8_t b[2048];
    size_t n;
};

static void mb_u8(struct mb *m, uint8_t v)
{
    ck_assert_uint_lt(m->n, sizeof m->b);
    m->b[m->n++] = v;
}
static void mb_u16(struct mb *m, uint16_t v)
{
    mb_u8(m, (uint8_t)(v >> 8));
    mb_u8(m, (uint8_t)v);
}
static void mb_u32(struct mb *m, uint32_t v)
{
    mb_u16(m, (uint16_t)(v >> 16));
    mb_u16(m, (uint16_t)v);
}
static void mb_raw(struct mb *m, const void *p, size_t n)
{
    ck_assert_uint_le(m->n + n, sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}
static void mb_hdr(struct mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                   uint16_t ns, uint16_t ar)
{
    m->n = 0;
    mb_u16(m, id);
    mb_u16(m, flags);
    mb_u16(m, qd);
    mb_u16(m, an);
    mb_u16(m, ns);
    mb_u16(m, ar);
}
/* Labels of a dotted name, without the terminating zero (so a pointer may
 * follow); returns the offset where the name started. */
static size_t mb_labels(struct mb *m, const char *name)
{
    size_t at = m->n;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        mb_u8(m, (uint8_t)n);
        mb_raw(m, name, n);
        name += n + (dot ? 1 : 0);
    }
    return at;
}
static size_t mb_name(struct mb *m, const char *name)
{
    size_t at = mb_labels(m, name);
    mb_u8(m, 0);
    return at;
}
static void mb_ptr(struct mb *m, size_t off)
{
    mb_u16(m, (uint16_t)(0xc000 | off));
}
static void mb_question(struct mb *m, uint16_t qtype)
{
    mb_u16(m, qtype);
    mb_u16(m, DNS_CLASS_IN);
}
/* TYPE, CLASS IN, TTL, RDLENGTH (the rdata follows). */
static void mb_rr_fixed(struct mb *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    mb_u16(m, type);
    mb_u16(m, DNS_CLASS_IN);
    mb_u32(m, ttl);
    mb_u16(m, rdlen);
}

#define RESP 0x8180 /* QR, RD, RA, NOERROR */
#define ID 0xbeef

static uint32_t ip(const char *s)
{
    uint32_t a;
    ck_assert_int_eq(ip4_parse(s, &a), 0);
    return a;
}

static int parse(const struct mb *m, const char **why)
{
    *why = NULL;
    return dns_parse(m->b, m->n, &M, why);
}

/* The reply to "www.example.com A": one A record, its name a pointer to
 * the question name (offset 12), the usual compressed shape. */
static void simple_a_reply(struct mb *m)
{
    mb_hdr(m, ID, RESP, 1, 1, 0, 0);
    mb_name(m, "www.example.com");
    mb_question(m, DNS_TYPE_A);
    mb_ptr(m, 12);
    mb_rr_fixed(m, DNS_TYPE_A, 300, 4);
    mb_raw(m, "\x0a\x00\x00\x05", 4);
}

/* www.example.com CNAME alias.example.com (compressed against the
 * question), alias.example.com CNAME host.example.net, host A 10.1.2.3. */
static void cname_chain_reply(struct mb *m)
{
    size_t q, alias, host;
    mb_hdr(m, ID, RESP, 1, 3, 0, 0);
    q = mb_name(m, "www.example.com");
    mb_question(m, DNS_TYPE_A);
    mb_ptr(m, q);
    mb_rr_fixed(m, DNS_TYPE_CNAME, 60, 8);
    alias = mb_labels(m, "alias"); /* 6 octets + 2 for the pointer */
    mb_ptr(m, q + 4);              /* -> "example.com" */
    mb_ptr(m, alias);
    mb_rr_fixed(m, DNS_TYPE_CNAME, 60, 18);
    host = mb_name(m, "host.example.net");
    mb_ptr(m, host);
    mb_rr_fixed(m, DNS_TYPE_A, 60, 4);
    mb_raw(m, "\x0a\x01\x02\x03", 4);
}

/* ---- encoding -------------------------------------------------------------- */

START_TEST(test_rfc1035_4_1_query_exact_bytes)
{
    static const uint8_t want[] = {
        0x12, 0x34,             /* ID */
        0x01, 0x00,             /* QR=0 OPCODE=0 RD=1 */
        0x00, 0x01, 0x00, 0x00, /* QDCOUNT=1 ANCOUNT=0 */
        0x00, 0x00, 0x00, 0x00, /* NSCOUNT=0 ARCOUNT=0 */
        3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
        0x00, 0x1c,             /* QTYPE AAAA */
        0x00, 0x01,             /* QCLASS IN */
    };
    uint8_t out[512];
    const char *why = NULL;
    int n = dns_build_query(out, sizeof out, 0x1234, "www.Example.com", DNS_TYPE_AAAA, &why);
    ck_assert_int_eq(n, (int)sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
    /* the absolute form (trailing dot) encodes the same */
    ck_assert_int_eq(dns_build_query(out, sizeof out, 0x1234, "www.Example.com.",
                                     DNS_TYPE_AAAA, &why), (int)sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
    /* the root: a single zero octet */
    ck_assert_int_eq(dns_build_query(out, sizeof out, 1, ".", DNS_TYPE_A, &why), 17);
    ck_assert_uint_eq(out[12], 0);
    /* too small a buffer: an error, not an overflow */
    ck_assert_int_eq(dns_build_query(out, 20, 1, "www.example.com", DNS_TYPE_A, &why),
                     DNS_ENOSPC);
}
END_TEST

START_TEST(test_rfc1035_2_3_4_name_limits)
{
    char name[400];
    const char *why = NULL;

    memset(name, 'a', 63);
    name[63] = '\0';
    ck_assert_int_eq(dns_name_check(name, &why), DNS_OK);
    memset(name, 'a', 64);
    name[64] = '\0';
    ck_assert_int_eq(dns_name_check(name, &why), DNS_EBADNAME);
    ck_assert_str_eq(why, "label longer than 63 octets");

    /* 63.63.63.61: 3*64 + 62 + 1 = 255 octets on the wire: the limit */
    memset(name, 'b', sizeof name);
    name[63] = name[127] = name[191] = '.';
    name[253] = '\0';
    ck_assert_int_eq(dns_name_check(name, &why), DNS_OK);
    name[253] = 'b';
    name[254] = '\0'; /* one more: 256 */
    ck_assert_int_eq(dns_name_check(name, &why), DNS_EBADNAME);
    ck_assert_str_eq(why, "name longer than 255 octets");

    ck_assert_int_eq(dns_name_check("a..b", &why), DNS_EBADNAME);
    ck_assert_str_eq(why, "empty label in name");
    ck_assert_int_eq(dns_name_check(".a", &why), DNS_EBADNAME);
    ck_assert_int_eq(dns_name_check("a..", &why), DNS_EBADNAME);
    ck_assert_int_eq(dns_name_check("a\\.b", &why), DNS_EBADNAME);
    ck_assert_int_eq(dns_name_check("a.b.", &why), DNS_OK);
    ck_assert_int_eq(dns_name_check("", &why), DNS_OK);
    ck_assert_int_eq(dns_name_check(".", &why), DNS_OK);
}
END_TEST

/* ---- decoding ------------------------------------------------------------ */

START_TEST(test_rfc1035_4_1_simple_a_reply)
{
    struct mb m;
    const char *why;

    simple_a_reply(&m);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_uint_eq(M.id, ID);
    ck_assert_uint_eq(M.flags, RESP);
    ck_assert_uint_eq(DNS_RCODE(M.flags), DNS_RCODE_NOERROR);
    ck_assert_str_eq(M.qname, "www.example.com");
    ck_assert_uint_eq(M.qtype, DNS_TYPE_A);
    ck_assert_uint_eq(M.nanswer, 1);
    ck_assert_str_eq(M.answer[0].name, "www.example.com");
    ck_assert_uint_eq(M.answer[0].type, DNS_TYPE_A);
    ck_assert_uint_eq(M.answer[0].rclass, DNS_CLASS_IN);
    ck_assert_uint_eq(M.answer[0].ttl, 300);
    ck_assert_uint_eq(M.answer[0].rd.a, ip("10.0.0.5"));
    ck_assert_int_eq(dns_match(&M, ID, "www.example.com", DNS_TYPE_A, &why), DNS_OK);
}
END_TEST

START_TEST(test_rfc1035_4_1_4_cname_chain_compressed)
{
    struct mb m;
    const char *why;

    cname_chain_reply(&m);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_uint_eq(M.nanswer, 3);
    ck_assert_str_eq(M.answer[0].name, "www.example.com");
    ck_assert_uint_eq(M.answer[0].type, DNS_TYPE_CNAME);
    ck_assert_str_eq(M.answer[0].rd.cname, "alias.example.com");
    /* a pointer to "alias" whose labels end in a pointer: pointer to a
     * run that ends in another pointer */
    ck_assert_str_eq(M.answer[1].name, "alias.example.com");
    ck_assert_str_eq(M.answer[1].rd.cname, "host.example.net");
    ck_assert_str_eq(M.answer[2].name, "host.example.net");
    ck_assert_uint_eq(M.answer[2].rd.a, ip("10.1.2.3"));
}
END_TEST

START_TEST(test_rfc1035_4_1_4_pointer_to_pointer)
{
    struct mb m;
    const char *why;
    size_t p1;

    mb_hdr(&m, ID, RESP, 1, 2, 0, 0);
    mb_name(&m, "a.example");
    mb_question(&m, DNS_TYPE_A);
    p1 = m.n;
    mb_ptr(&m, 12); /* answer 1 name: pointer to the question */
    mb_rr_fixed(&m, DNS_TYPE_A, 1, 4);
    mb_raw(&m, "\x01\x02\x03\x04", 4);
    mb_ptr(&m, p1); /* answer 2 name: pointer to that pointer */
    mb_rr_fixed(&m, DNS_TYPE_A, 2, 4);
    mb_raw(&m, "\x05\x06\x07\x08", 4);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_uint_eq(M.nanswer, 2);
    ck_assert_str_eq(M.answer[1].name, "a.example");
    ck_assert_uint_eq(M.answer[1].rd.a, ip("5.6.7.8"));
}
END_TEST

START_TEST(test_rfc1035_4_1_4_pointer_loops_rejected)
{
    struct mb m;
    const char *why;
    size_t at;

    /* a run of labels whose pointer leads back to its own start */
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    at = mb_labels(&m, "loop");
    mb_ptr(&m, at);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "compression pointer does not point backwards");

    /* two pointers pointing at each other */
    mb_hdr(&m, ID, RESP, 1, 1, 0, 0);
    mb_name(&m, "x");
    mb_question(&m, DNS_TYPE_A);
    at = m.n;
    mb_ptr(&m, at + 2);
    mb_ptr(&m, at);
    mb_rr_fixed(&m, DNS_TYPE_A, 1, 4);
    mb_raw(&m, "\x01\x02\x03\x04", 4);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "compression pointer does not point backwards");

    /* a pointer to itself */
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    mb_ptr(&m, 12);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
}
END_TEST

START_TEST(test_rfc1035_4_1_4_forward_and_out_of_bounds_pointers_rejected)
{
    struct mb m;
    const char *why;

    /* forward: the answer's name points past itself, at real labels */
    mb_hdr(&m, ID, RESP, 1, 1, 0, 0);
    mb_name(&m, "x");
    mb_question(&m, DNS_TYPE_A);
    mb_ptr(&m, m.n + 2 + 10 + 4);
    mb_rr_fixed(&m, DNS_TYPE_A, 1, 4);
    mb_raw(&m, "\x01\x02\x03\x04", 4);
    mb_name(&m, "later");
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "compression pointer does not point backwards");

    /* far out of bounds */
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    mb_ptr(&m, 0x3fff);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);

    /* into the header */
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    mb_ptr(&m, 2);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "compression pointer into the header");

    /* a pointer cut in half by the end of the message */
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    mb_u8(&m, 0xc0);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "compression pointer cut off at the end");
}
END_TEST

START_TEST(test_rfc1035_label_length_over_63_rejected)
{
    struct mb m;
    const char *why;
    uint8_t label[64];

    /* 64 = 0x40: the top bits 01 are no length RFC 1035 allows */
    memset(label, 'z', sizeof label);
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    mb_u8(&m, 64);
    mb_raw(&m, label, 64);
    mb_u8(&m, 0);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "unknown label type");

    /* 5 labels of 63: 320 octets, beyond the 255 a name may have */
    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    for (int i = 0; i < 5; i++) {
        mb_u8(&m, 63);
        mb_raw(&m, label, 63);
    }
    mb_u8(&m, 0);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "name longer than 255 octets");
}
END_TEST

START_TEST(test_counts_past_the_end_rejected)
{
    struct mb m;
    const char *why;

    simple_a_reply(&m);
    m.b[7] = 2; /* ANCOUNT 2, one record present */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "name runs past the end of the message");

    simple_a_reply(&m);
    m.b[11] = 1; /* ARCOUNT 1, nothing there */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);

    simple_a_reply(&m);
    m.b[5] = 2; /* QDCOUNT 2 */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);

    simple_a_reply(&m);
    m.b[6] = 0xff; /* ANCOUNT 65281 */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
}
END_TEST

START_TEST(test_truncated_header_rejected)
{
    struct mb m;
    const char *why;

    simple_a_reply(&m);
    for (size_t n = 0; n < DNS_HDR_LEN; n++) {
        why = NULL;
        ck_assert_int_eq(dns_parse(m.b, n, &M, &why), DNS_EBADMSG);
        ck_assert_str_eq(why, "message shorter than the 12-octet header");
    }
    ck_assert_int_eq(dns_parse(NULL, 0, &M, &why), DNS_EBADMSG);
}
END_TEST

START_TEST(test_truncated_rdata_rejected)
{
    struct mb m;
    const char *why;

    simple_a_reply(&m);
    m.n -= 2; /* RDLENGTH 4, two octets present */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "rdata runs past the end of the message");

    simple_a_reply(&m);
    m.n -= 4 + 5; /* cut inside TYPE/CLASS/TTL/RDLENGTH */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "record header runs past the end of the message");

    /* every prefix of a valid reply is an error or (only the full one) ok */
    cname_chain_reply(&m);
    for (size_t n = 0; n < m.n; n++)
        ck_assert_int_eq(dns_parse(m.b, n, &M, &why), DNS_EBADMSG);
    ck_assert_int_eq(dns_parse(m.b, m.n, &M, &why), DNS_OK);
}
END_TEST

START_TEST(test_rdata_lengths_checked)
{
    struct mb m;
    const char *why;

    /* A with RDLENGTH 5 */
    mb_hdr(&m, ID, RESP, 1, 1, 0, 0);
    mb_name(&m, "x");
    mb_question(&m, DNS_TYPE_A);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_A, 1, 5);
    mb_raw(&m, "\x01\x02\x03\x04\x05", 5);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "A record rdata is not 4 octets");

    /* CNAME whose name runs beyond its RDLENGTH */
    mb_hdr(&m, ID, RESP, 1, 1, 0, 0);
    mb_name(&m, "x");
    mb_question(&m, DNS_TYPE_CNAME);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_CNAME, 1, 2);
    mb_name(&m, "longer");
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "rdata length does not match the name inside it");

    /* TXT string longer than its rdata */
    mb_hdr(&m, ID, RESP, 1, 1, 0, 0);
    mb_name(&m, "x");
    mb_question(&m, DNS_TYPE_TXT);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_TXT, 1, 3);
    mb_raw(&m, "\x05" "ab", 3);
    mb_raw(&m, "cdefgh", 6); /* bytes exist beyond the rdata: still wrong */
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    ck_assert_str_eq(why, "TXT string runs past its rdata");
}
END_TEST

START_TEST(test_rfc1035_3_3_mx_txt_aaaa_and_raw)
{
    struct mb m;
    const char *why;
    char buf[256];
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

    mb_hdr(&m, ID, RESP, 1, 5, 0, 0);
    mb_name(&m, "example.com");
    mb_question(&m, DNS_TYPE_MX);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_MX, 3600, 2 + 7);
    mb_u16(&m, 10);
    mb_labels(&m, "mail"); /* 5 + pointer 2 */
    mb_ptr(&m, 12);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_TXT, 5, 4 + 9);
    mb_raw(&m, "\x03one\x08tw\"o\\ \x01!", 13);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_AAAA, 5, 16);
    mb_raw(&m, v6, 16);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 99, 5, 3); /* SPF, kept raw */
    mb_raw(&m, "xyz", 3);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_NS, 5, 2);
    mb_ptr(&m, 12);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_uint_eq(M.nanswer, 5);
    ck_assert_uint_eq(M.answer[0].rd.mx.preference, 10);
    ck_assert_str_eq(M.answer[0].rd.mx.exchange, "mail.example.com");
    ck_assert_str_eq(dns_txt_format(&M.answer[1], buf, sizeof buf),
                     "\"one\" \"tw\\\"o\\\\ \\001!\"");
    ck_assert_mem_eq(M.answer[2].rd.aaaa, v6, 16);
    ck_assert_uint_eq(M.answer[3].type, 99);
    ck_assert_uint_eq(M.answer[3].rd.raw.len, 3);
    ck_assert_mem_eq(M.answer[3].rd.raw.data, "xyz", 3);
    ck_assert_str_eq(M.answer[4].rd.cname, "example.com");
}
END_TEST

START_TEST(test_records_kept_bounded)
{
    struct mb m;
    const char *why;
    unsigned n = DNS_MAX_RR + 8;

    mb_hdr(&m, ID, RESP, 1, (uint16_t)n, 0, 0);
    mb_name(&m, "many");
    mb_question(&m, DNS_TYPE_A);
    for (unsigned i = 0; i < n; i++) {
        mb_ptr(&m, 12);
        mb_rr_fixed(&m, DNS_TYPE_A, i, 4);
        mb_u32(&m, 0x0a000000 | i);
    }
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_uint_eq(M.ancount, n);
    ck_assert_uint_eq(M.nanswer, DNS_MAX_RR);
    ck_assert_uint_eq(M.answer[DNS_MAX_RR - 1].ttl, DNS_MAX_RR - 1);
    /* the records not kept were still checked */
    m.n -= 1;
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
}
END_TEST

START_TEST(test_label_bytes_escaped_in_presentation)
{
    struct mb m;
    const char *why;

    mb_hdr(&m, ID, RESP, 1, 0, 0, 0);
    mb_raw(&m, "\x04" "a.b\x01" "\x01\\" "\x00", 8);
    mb_question(&m, DNS_TYPE_A);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_str_eq(M.qname, "a\\.b\\001.\\\\");
}
END_TEST

/* ---- RCODE and TC ------------------------------------------------------------ */

START_TEST(test_rfc1035_4_1_1_nxdomain_reported)
{
    struct mb m;
    const char *why;

    mb_hdr(&m, ID, 0x8183, 1, 0, 1, 0);
    mb_name(&m, "nope.example");
    mb_question(&m, DNS_TYPE_A);
    mb_ptr(&m, 12 + 5); /* "example" */
    mb_rr_fixed(&m, DNS_TYPE_SOA, 900, 3);
    mb_raw(&m, "\x00\x00\x00", 3); /* not a real SOA: kept raw, unjudged */
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_uint_eq(DNS_RCODE(M.flags), DNS_RCODE_NXDOMAIN);
    ck_assert_str_eq(dns_rcode_name(DNS_RCODE(M.flags)), "NXDOMAIN");
    ck_assert_uint_eq(M.nanswer, 0);
    ck_assert_uint_eq(M.nauthority, 1);
    ck_assert_str_eq(M.authority[0].name, "example");
    ck_assert_int_eq(dns_match(&M, ID, "nope.example", DNS_TYPE_A, &why), DNS_OK);
}
END_TEST

START_TEST(test_rfc1035_4_1_1_tc_bit_reported)
{
    struct mb m;
    const char *why;

    /* TC set, ANCOUNT 3, the server cut the message after one record */
    simple_a_reply(&m);
    put_be16(m.b + 2, RESP | DNS_FLAG_TC);
    m.b[7] = 3;
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert(M.flags & DNS_FLAG_TC);
    ck_assert_uint_eq(M.ancount, 3);
    ck_assert_uint_eq(M.nanswer, 1);
    /* without TC the same lie is an error */
    put_be16(m.b + 2, RESP);
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
    /* TC does not excuse a record cut in the middle */
    put_be16(m.b + 2, RESP | DNS_FLAG_TC);
    m.n -= 1;
    ck_assert_int_eq(parse(&m, &why), DNS_EBADMSG);
}
END_TEST

/* ---- the match check (RFC 5452 spirit) -------------------------------------- */

START_TEST(test_match_rejects_wrong_id_question_and_qr0)
{
    struct mb m;
    const char *why;

    simple_a_reply(&m);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_int_eq(dns_match(&M, ID + 1, "www.example.com", DNS_TYPE_A, &why), DNS_EMISMATCH);
    ck_assert_str_eq(why, "id does not match our query");
    ck_assert_int_eq(dns_match(&M, ID, "ww.example.com", DNS_TYPE_A, &why), DNS_EMISMATCH);
    ck_assert_str_eq(why, "question name differs from our query");
    ck_assert_int_eq(dns_match(&M, ID, "www.example.com", DNS_TYPE_AAAA, &why),
                     DNS_EMISMATCH);
    /* RFC 4343: case does not matter, a trailing dot neither */
    ck_assert_int_eq(dns_match(&M, ID, "WWW.Example.COM.", DNS_TYPE_A, &why), DNS_OK);

    put_be16(m.b + 2, 0x0100); /* QR=0: a query, not an answer */
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_int_eq(dns_match(&M, ID, "www.example.com", DNS_TYPE_A, &why), DNS_EMISMATCH);
    ck_assert_str_eq(why, "not a response (QR=0)");

    /* no question in a NOERROR reply: not ours to trust */
    mb_hdr(&m, ID, RESP, 0, 0, 0, 0);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_int_eq(dns_match(&M, ID, "www.example.com", DNS_TYPE_A, &why), DNS_EMISMATCH);
    /* ... but a FORMERR without one is an answer to our id */
    mb_hdr(&m, ID, 0x8181, 0, 0, 0, 0);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    ck_assert_int_eq(dns_match(&M, ID, "www.example.com", DNS_TYPE_A, &why), DNS_OK);
}
END_TEST

/* ---- mutation loop ------------------------------------------------------------ */

static uint64_t rng_state;
static uint32_t rng(void)
{
    /* xorshift64*: deterministic, so a failure repeats */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

START_TEST(test_mutated_replies_never_overread)
{
    struct mb base[3];
    unsigned ok = 0, bad = 0;

    simple_a_reply(&base[0]);
    cname_chain_reply(&base[1]);
    mb_hdr(&base[2], ID, RESP | DNS_FLAG_TC, 1, 2, 1, 1);
    mb_name(&base[2], "example.com");
    mb_question(&base[2], DNS_TYPE_MX);
    mb_ptr(&base[2], 12);
    mb_rr_fixed(&base[2], DNS_TYPE_MX, 1, 2 + 7);
    mb_u16(&base[2], 5);
    mb_labels(&base[2], "mail");
    mb_ptr(&base[2], 12);
    mb_ptr(&base[2], 12);
    mb_rr_fixed(&base[2], DNS_TYPE_TXT, 1, 4);
    mb_raw(&base[2], "\x03txt", 4);
    mb_ptr(&base[2], 12);
    mb_rr_fixed(&base[2], DNS_TYPE_NS, 1, 2);
    mb_ptr(&base[2], 12);
    mb_ptr(&base[2], 12);
    mb_rr_fixed(&base[2], DNS_TYPE_A, 1, 4);
    mb_raw(&base[2], "\x01\x02\x03\x04", 4);

    rng_state = 0x9e3779b97f4a7c15ULL;
    for (unsigned iter = 0; iter < 6000; iter++) {
        const struct mb *b = &base[iter % 3];
        size_t len = b->n;
        uint8_t *msg;
        const char *why = NULL;
        unsigned nmut = 1 + rng() % 4;
        int rc;

        if (rng() % 4 == 0)
            len = rng() % (b->n + 1); /* truncate */
        msg = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(msg);
        memcpy(msg, b->b, len);
        for (unsigned k = 0; k < nmut && len > 0; k++) {
            size_t at = rng() % len;
            switch (rng() % 3) {
            case 0: msg[at] = (uint8_t)rng(); break;
            case 1: msg[at] ^= (uint8_t)(1u << (rng() % 8)); break;
            default: msg[at] = (uint8_t)(0xc0 | (rng() & 1)); break; /* pointer-ish */
            }
        }
        /* exactly len bytes on the heap: ASan flags any read past them */
        rc = dns_parse(msg, len, &M, &why);
        ck_assert(rc == DNS_OK || rc == DNS_EBADMSG);
        if (rc == DNS_OK) {
            ok++;
            ck_assert_uint_le(M.nanswer, GLASS_MIN(M.ancount, DNS_MAX_RR));
            ck_assert_uint_le(M.nauthority, GLASS_MIN(M.nscount, DNS_MAX_RR));
            rc = dns_match(&M, ID, "www.example.com", DNS_TYPE_A, &why);
            ck_assert(rc == DNS_OK || rc == DNS_EMISMATCH);
        } else {
            bad++;
            ck_assert_ptr_nonnull(why);
            ck_assert_uint_gt(strlen(why), 0);
        }
        free(msg);
    }
    /* the loop exercised both outcomes, not just one */
    ck_assert_uint_gt(ok, 100);
    ck_assert_uint_gt(bad, 100);
}
END_TEST

/* ---- the resolver's pure parts: answer records and CNAME chains ------------ */

static struct glass_dns_answer ANS;

START_TEST(test_resolver_answer_presentation_and_chain)
{
    struct mb m;
    const char *why;
    char end[GLASS_DNS_STRLEN];
    uint32_t addr = 0;

    cname_chain_reply(&m);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    resolver_fill_answer(&M, &ANS);
    ck_assert_uint_eq(ANS.rcode, 0);
    ck_assert_uint_eq(ANS.nrecords, 3);
    ck_assert_str_eq(ANS.records[0].name, "www.example.com.");
    ck_assert_str_eq(ANS.records[0].data, "alias.example.com.");
    ck_assert_str_eq(ANS.records[2].data, "10.1.2.3");
    /* RFC 1034 3.6.2: www -> alias -> host -> A (names in any case) */
    ck_assert_int_eq(resolver_follow_chain(&ANS, "WWW.example.com", &addr, end, sizeof end),
                     GLASS_RESOLVE_OK);
    ck_assert_uint_eq(addr, ip("10.1.2.3"));

    /* the chain's end has no A in this answer: NODATA, and where it ends */
    ANS.nrecords = 2;
    ck_assert_int_eq(resolver_follow_chain(&ANS, "www.example.com", &addr, end, sizeof end),
                     GLASS_RESOLVE_NODATA);
    ck_assert_str_eq(end, "host.example.net.");

    /* a loop a -> b -> a is cut after RESOLVER_MAX_CNAME links */
    ANS.nrecords = 2;
    snprintf(ANS.records[0].name, GLASS_DNS_STRLEN, "a.");
    snprintf(ANS.records[0].data, GLASS_DNS_STRLEN, "b.");
    snprintf(ANS.records[1].name, GLASS_DNS_STRLEN, "b.");
    snprintf(ANS.records[1].data, GLASS_DNS_STRLEN, "a.");
    ANS.records[1].type = DNS_TYPE_CNAME;
    ck_assert_int_eq(resolver_follow_chain(&ANS, "a", &addr, end, sizeof end),
                     GLASS_RESOLVE_CNAME_LOOP);

    ck_assert_int_eq(resolver_rcode_error(DNS_RCODE_NXDOMAIN), GLASS_RESOLVE_NXDOMAIN);
    ck_assert_int_eq(resolver_rcode_error(DNS_RCODE_SERVFAIL), GLASS_RESOLVE_SERVFAIL);
    ck_assert_int_eq(resolver_rcode_error(DNS_RCODE_NOTIMP), GLASS_RESOLVE_SERVER_ERROR);
    ck_assert_str_eq(glass_resolve_strerror(GLASS_RESOLVE_TRUNCATED),
                     "answer truncated (TC) even over TCP");
}
END_TEST

START_TEST(test_resolver_mx_txt_unknown_presentation)
{
    struct mb m;
    const char *why;

    mb_hdr(&m, ID, RESP, 1, 3, 0, 0);
    mb_name(&m, "example.com");
    mb_question(&m, DNS_TYPE_MX);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_MX, 1, 2 + 2);
    mb_u16(&m, 10);
    mb_ptr(&m, 12);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_TXT, 1, 6);
    mb_raw(&m, "\x02hi\x01!", 5);
    mb_u8(&m, 0); /* an empty third string */
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 99, 1, 2);
    mb_raw(&m, "\xab\x01", 2);
    ck_assert_int_eq(parse(&m, &why), DNS_OK);
    resolver_fill_answer(&M, &ANS);
    ck_assert_str_eq(ANS.records[0].data, "10 example.com.");
    ck_assert_str_eq(ANS.records[1].data, "\"hi\" \"!\" \"\"");
    ck_assert_str_eq(ANS.records[2].data, "\\# 2 ab01");
}
END_TEST

/* ---- the resolver over the socket API, on the virtual clock ------------------
 * glass_resolve blocks, so it runs in a thread of its own; this thread plays
 * the wire and the clock: it reads the query the stack transmits, injects
 * replies (wrong, then right) and moves virtual time for the retries.  The
 * socket layer waits on a condition variable while a virtual clock is in
 * use, so nothing here depends on real time except bounded waits for the
 * other thread to act. */

struct rq {
    struct harness *h;
    const char *name;
    struct glass_resolve_opts o;
    int rc;
    int done;
    struct glass_dns_answer ans;
};

static void *resolve_thread(void *arg)
{
    struct rq *r = arg;
    r->rc = glass_resolve(r->h->stack, r->name, A(H_PEER_IP), &r->ans, &r->o);
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* The next transmitted UDP frame (others, e.g. ICMP, skipped); 0: none
 * within 5 s of real time. */
static size_t next_udp(struct harness *h, uint8_t *f, size_t cap)
{
    for (int i = 0; i < 5000; i++) {
        glass_stack_lock(h->stack);
        size_t n = harness_tx_pop(h, f, cap);
        glass_stack_unlock(h->stack);
        if (n >= ETH_HLEN + IPV4_HLEN + 8 && get_be16(f + 12) == ETH_P_IP &&
            f[ETH_HLEN + 9] == IPPROTO_UDP_)
            return n;
        if (n == 0)
            usleep(1000);
    }
    return 0;
}

static void wait_done(struct rq *r)
{
    for (int i = 0; i < 5000 && !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE); i++)
        usleep(1000);
    ck_assert_msg(__atomic_load_n(&r->done, __ATOMIC_ACQUIRE), "resolver did not return");
}

#define UDP_OFF (ETH_HLEN + IPV4_HLEN)
#define DNS_OFF (UDP_OFF + 8)

/* A reply to the query frame q: the question copied, `id` and `sport`
 * given, one A record for qname (or a different question name). */
static void inject_reply(struct harness *h, const uint8_t *q, size_t qn, uint16_t id,
                         uint16_t sport, const char *other_qname)
{
    struct mb m;
    uint8_t udp[600], f[700];
    size_t dlen = qn - DNS_OFF;

    if (other_qname) {
        mb_hdr(&m, id, RESP, 1, 1, 0, 0);
        mb_name(&m, other_qname);
        mb_question(&m, DNS_TYPE_A);
    } else {
        memcpy(m.b, q + DNS_OFF, dlen);
        m.n = dlen;
        put_be16(m.b, id);
        put_be16(m.b + 2, RESP);
        put_be16(m.b + 6, 1);
    }
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_A, 60, 4);
    mb_raw(&m, "\x0a\x00\x00\x2a", 4);
    put_be16(udp, sport);
    memcpy(udp + 2, q + UDP_OFF, 2); /* to the query's source port */
    put_be16(udp + 4, (uint16_t)(8 + m.n));
    put_be16(udp + 6, 0); /* RFC 768: zero = no checksum */
    memcpy(udp + 8, m.b, m.n);
    size_t n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_UDP_, udp, 8 + m.n);
    harness_inject(h, f, n);
}

/* Move virtual time in 50 ms steps until the next query is sent. */
static size_t advance_until_query(struct harness *h, uint8_t *f, size_t cap,
                                  glass_time_t *elapsed)
{
    *elapsed = 0;
    for (int i = 0; i < 200; i++) {
        harness_advance(h, 50 * GLASS_USEC_PER_MSEC);
        *elapsed += 50 * GLASS_USEC_PER_MSEC;
        for (int j = 0; j < 20; j++) {
            glass_stack_lock(h->stack);
            size_t n = harness_tx_pop(h, f, cap);
            glass_stack_unlock(h->stack);
            if (n >= DNS_OFF && f[ETH_HLEN + 9] == IPPROTO_UDP_)
                return n;
            if (n == 0)
                usleep(500);
        }
    }
    return 0;
}

START_TEST(test_rfc5452_resolver_ignores_wrong_replies_and_retries)
{
    static struct rq r;
    struct harness h;
    pthread_t t;
    uint8_t q1[700], q2[700];
    size_t n1, n2;
    glass_time_t waited;
    const char *why;

    harness_init(&h);
    harness_learn_peer(&h);
    memset(&r, 0, sizeof r);
    r.h = &h;
    r.name = "www.example.com";
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);

    n1 = next_udp(&h, q1, sizeof q1);
    ck_assert_uint_gt(n1, DNS_OFF);
    /* to the server's port 53, from an ephemeral port (RFC 6056) */
    ck_assert_uint_eq(get_be16(q1 + UDP_OFF + 2), 53);
    ck_assert_uint_ge(get_be16(q1 + UDP_OFF), 49152);
    ck_assert_int_eq(dns_parse(q1 + DNS_OFF, n1 - DNS_OFF, &M, &why), DNS_OK);
    ck_assert_uint_eq(M.flags, DNS_FLAG_RD);
    ck_assert_str_eq(M.qname, "www.example.com");
    uint16_t id = M.id;

    /* RFC 5452: none of these is the answer; the resolver keeps waiting */
    inject_reply(&h, q1, n1, (uint16_t)(id + 1), 53, NULL);      /* wrong id */
    inject_reply(&h, q1, n1, id, 5353, NULL);                    /* wrong port */
    inject_reply(&h, q1, n1, id, 53, "www.example.org");         /* wrong question */
    usleep(20000);
    ck_assert_int_eq(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0);

    /* no answer within 1 s of stack time: the same question again */
    n2 = advance_until_query(&h, q2, sizeof q2, &waited);
    ck_assert_uint_eq(n2, n1);
    ck_assert_uint_ge(waited, 1000 * GLASS_USEC_PER_MSEC);
    ck_assert_uint_le(waited, 1500 * GLASS_USEC_PER_MSEC);
    ck_assert_mem_eq(q2 + DNS_OFF, q1 + DNS_OFF, n1 - DNS_OFF);

    inject_reply(&h, q2, n2, id, 53, NULL);
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_OK);
    ck_assert_uint_eq(r.ans.nrecords, 1);
    ck_assert_uint_eq(r.ans.records[0].addr, A("10.0.0.42"));
    ck_assert_uint_eq(r.ans.tries, 2);
    ck_assert_uint_eq(r.ans.ignored, 2); /* the wrong port never reached the socket */
    harness_fini(&h);                    /* the socket was closed: memory all back */
}
END_TEST

START_TEST(test_resolver_times_out_after_every_try)
{
    static struct rq r;
    struct harness h;
    pthread_t t;
    uint8_t q[700];
    glass_time_t waited;

    harness_init(&h);
    harness_learn_peer(&h);
    memset(&r, 0, sizeof r);
    r.h = &h;
    r.name = "slow.example";
    r.o.tries = 2;
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);
    ck_assert_uint_gt(next_udp(&h, q, sizeof q), 0);
    ck_assert_uint_gt(advance_until_query(&h, q, sizeof q, &waited), 0);
    /* the second wait is twice as long: 2 s */
    for (int i = 0; i < 100 && !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE); i++) {
        harness_advance(&h, 50 * GLASS_USEC_PER_MSEC);
        usleep(1000);
    }
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_TIMEOUT);
    ck_assert_uint_eq(r.ans.tries, 2);
    harness_fini(&h);
}
END_TEST

/* ---- the resolver over TCP (RFC 1035 4.2.2, RFC 7766) ----------------------
 * The test thread plays a DNS server on 10.0.0.1:53 with crafted segments
 * (tcp_harness.h): it answers the resolver's SYN, reads the query behind
 * its two-octet length, and answers. */

/* The next TCP segment glass sent; false: none within 5 s of real time. */
static bool next_tcp(struct harness *h, struct tseg *s)
{
    for (int i = 0; i < 5000; i++) {
        glass_stack_lock(h->stack);
        bool got = tx_pop_tcp(h, s);
        glass_stack_unlock(h->stack);
        if (got)
            return true;
        usleep(1000);
    }
    return false;
}

static struct tseg SEG; /* 64 KiB: off the stack */

/* The server's side of the handshake: glass's SYN to port 53 popped and
 * checked, SYN-ACK sent, glass's ACK popped.  Fills c. */
static void server_accept(struct harness *h, struct tcp_h_conn *c, uint32_t irs)
{
    ck_assert_msg(next_tcp(h, &SEG), "no SYN");
    ck_assert_uint_eq(SEG.flags, TCP_SYN);
    ck_assert_uint_eq(SEG.dport, 53);
    ck_assert_uint_ge(SEG.sport, 49152); /* an ephemeral port */
    *c = (struct tcp_h_conn){.h = h, .lport = SEG.sport, .pport = 53, .iss = SEG.seq,
                             .irs = irs, .snd_nxt = irs + 1, .rcv_nxt = SEG.seq + 1,
                             .wnd = 65535};
    tcp_h_send(c, irs, c->rcv_nxt, TCP_SYN | TCP_ACK, NULL, 0);
    ck_assert_msg(next_tcp(h, &SEG), "no ACK of the SYN-ACK");
    ck_assert_uint_eq(SEG.flags & (TCP_SYN | TCP_FIN | TCP_RST), 0);
    ck_assert_uint_eq(SEG.ack, irs + 1);
}

/* The query glass sends on the connection: RFC 1035 4.2.2, "prefixed with
 * a two byte length field".  Returns its length (the prefix excluded) and
 * copies the message to q; the server acknowledges it. */
static size_t server_read_query(struct tcp_h_conn *c, uint8_t *q, size_t cap)
{
    const char *why;

    do
        ck_assert_msg(next_tcp(c->h, &SEG), "no query segment");
    while (SEG.dlen == 0);
    ck_assert_uint_eq(SEG.seq, c->rcv_nxt);
    ck_assert_uint_gt(SEG.dlen, 2 + 12);
    ck_assert_uint_eq(get_be16(SEG.data), SEG.dlen - 2); /* the whole message */
    ck_assert_uint_le(SEG.dlen - 2, cap);
    memcpy(q, SEG.data + 2, SEG.dlen - 2);
    ck_assert_int_eq(dns_parse(q, SEG.dlen - 2, &M, &why), DNS_OK);
    ck_assert_uint_eq(M.flags, DNS_FLAG_RD);
    c->rcv_nxt += (uint32_t)SEG.dlen;
    return SEG.dlen - 2;
}

/* A framed answer (length prefix + message) to query q: one A record
 * 10.0.0.<last>, with id `id`. */
static size_t framed_answer(uint8_t *out, const uint8_t *q, size_t qn, uint16_t id, uint8_t last)
{
    struct mb m;
    uint8_t a[4] = {10, 0, 0, last};

    memcpy(m.b, q, qn);
    m.n = qn;
    put_be16(m.b, id);
    put_be16(m.b + 2, RESP);
    put_be16(m.b + 6, 1);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, DNS_TYPE_A, 60, 4);
    mb_raw(&m, a, 4);
    put_be16(out, (uint16_t)m.n);
    memcpy(out + 2, m.b, m.n);
    return 2 + m.n;
}

/* After the answer: glass closes (FIN), the server acknowledges it and
 * closes too, so the connection ends in TIME-WAIT on glass's side. */
static void server_close(struct tcp_h_conn *c)
{
    do
        ck_assert_msg(next_tcp(c->h, &SEG), "glass did not close the connection");
    while (!(SEG.flags & TCP_FIN));
    ck_assert_uint_eq(SEG.seq, c->rcv_nxt);
    c->rcv_nxt++;
    tcp_h_send(c, c->snd_nxt, c->rcv_nxt, TCP_FIN | TCP_ACK, NULL, 0);
    c->snd_nxt++;
}

static void start_resolve(struct rq *r, struct harness *h, const char *name)
{
    memset(r, 0, sizeof *r);
    r->h = h;
    r->name = name;
}

START_TEST(test_rfc1035_4_2_2_tcp_query_length_prefixed_answer_split_anywhere)
{
    static struct rq r;
    struct harness h;
    struct tcp_h_conn c;
    pthread_t t;
    uint8_t q[600], ans[700];
    size_t qn, an;

    harness_init(&h);
    harness_learn_peer(&h);
    start_resolve(&r, &h, "www.example.com");
    r.o.tcp = 1;
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);
    server_accept(&h, &c, 7000);
    qn = server_read_query(&c, q, sizeof q);
    ck_assert_str_eq(M.qname, "www.example.com");
    an = framed_answer(ans, q, qn, M.id, 42);
    /* the stream cuts the answer inside its length field, then mid-message */
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, ans, 1);
    tcp_h_send(&c, c.snd_nxt + 1, c.rcv_nxt, TCP_ACK | TCP_PSH, ans + 1, 10);
    usleep(20000);
    ck_assert_int_eq(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0); /* not whole yet */
    tcp_h_send(&c, c.snd_nxt + 11, c.rcv_nxt, TCP_ACK | TCP_PSH, ans + 11, an - 11);
    c.snd_nxt += (uint32_t)an;
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_OK);
    ck_assert_int_eq(r.ans.over_tcp, 1);
    ck_assert_uint_eq(r.ans.nrecords, 1);
    ck_assert_uint_eq(r.ans.records[0].addr, A("10.0.0.42"));
    ck_assert_uint_eq(r.ans.tries, 1);
    ck_assert_uint_eq(r.ans.ignored, 0);
    server_close(&c);
    ck_assert_uint_eq(counter(&h, "udp.tx"), 0); /* TCP only: no datagram */
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc7766_5_truncated_udp_answer_asked_again_over_tcp)
{
    static struct rq r;
    struct harness h;
    struct tcp_h_conn c;
    pthread_t t;
    uint8_t q[700], f[700], udp[600], ans[700];
    size_t n, qn, an;
    uint16_t udp_id;
    const char *why;

    harness_init(&h);
    harness_learn_peer(&h);
    start_resolve(&r, &h, "big.example");
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);
    n = next_udp(&h, q, sizeof q);
    ck_assert_uint_gt(n, DNS_OFF);
    ck_assert_int_eq(dns_parse(q + DNS_OFF, n - DNS_OFF, &M, &why), DNS_OK);
    udp_id = M.id;
    /* the question echoed back with TC and no records (RFC 1035 4.1.1) */
    memcpy(udp, q + UDP_OFF, n - UDP_OFF);
    put_be16(udp, 53);
    memcpy(udp + 2, q + UDP_OFF, 2);
    put_be16(udp + 6, 0);
    put_be16(udp + 8 + 2, RESP | DNS_FLAG_TC);
    n = build_ipv4_frame(f, A(H_PEER_IP), A(H_OUR_IP), IPPROTO_UDP_, udp, n - UDP_OFF);
    harness_inject(&h, f, n);

    /* RFC 7766 5: the same question, over TCP to the same server */
    server_accept(&h, &c, 0xfffffff0u); /* the server's sequence numbers wrap */
    qn = server_read_query(&c, q, sizeof q);
    ck_assert_str_eq(M.qname, "big.example");
    ck_assert_uint_eq(M.id, udp_id);
    an = framed_answer(ans, q, qn, M.id, 7);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, ans, an);
    c.snd_nxt += (uint32_t)an;
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_OK);
    ck_assert_int_eq(r.ans.over_tcp, 1);
    ck_assert_uint_eq(r.ans.flags & DNS_FLAG_TC, 0); /* the TCP answer's header */
    ck_assert_uint_eq(r.ans.records[0].addr, A("10.0.0.7"));
    ck_assert_uint_eq(r.ans.tries, 2); /* one datagram, one connection */
    server_close(&c);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc9293_3_10_7_3_tcp_refused_is_unreachable_without_retry)
{
    static struct rq r;
    struct harness h;
    pthread_t t;

    harness_init(&h);
    harness_learn_peer(&h);
    start_resolve(&r, &h, "www.example.com");
    r.o.tcp = 1;
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);
    ck_assert_msg(next_tcp(&h, &SEG), "no SYN");
    ck_assert_uint_eq(SEG.flags, TCP_SYN);
    ck_assert_uint_eq(SEG.dport, 53);
    /* nobody listens: RST,ACK acknowledging the SYN */
    uint8_t f[100];
    size_t n = build_tcp_frame(f, A(H_PEER_IP), A(H_OUR_IP), 53, SEG.sport, 0, SEG.seq + 1,
                               TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
    harness_inject(&h, f, n);
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_UNREACHABLE);
    ck_assert_uint_eq(r.ans.tries, 1);
    ck_assert_int_eq(r.ans.over_tcp, 0);
    tcp_h_expect_none(&h); /* no second SYN */
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc7766_closed_without_answer_retried_wrong_id_ignored)
{
    static struct rq r;
    struct harness h;
    struct tcp_h_conn c;
    pthread_t t;
    uint8_t q[600], ans[1400];
    size_t qn, an, an2;

    harness_init(&h);
    harness_learn_peer(&h);
    start_resolve(&r, &h, "www.example.com");
    r.o.tcp = 1;
    r.o.tries = 2;
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);

    /* try 1: the server reads the query and closes without answering */
    server_accept(&h, &c, 100);
    server_read_query(&c, q, sizeof q);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_FIN | TCP_ACK, NULL, 0);
    c.snd_nxt++;
    c.rcv_nxt++; /* glass's FIN comes next: acknowledge it, or it resends */
    do
        ck_assert_msg(next_tcp(&h, &SEG), "glass did not close try 1");
    while (!(SEG.flags & TCP_FIN));
    tcp_h_send(&c, c.snd_nxt, SEG.seq + 1, TCP_ACK, NULL, 0);

    /* try 2, a new connection: an answer with the wrong id, then the
     * right one, back to back in one segment (RFC 7766 7: matched by id) */
    server_accept(&h, &c, 5000);
    ck_assert_uint_ne(c.lport, 0);
    qn = server_read_query(&c, q, sizeof q);
    an = framed_answer(ans, q, qn, (uint16_t)(M.id + 1), 1);
    an2 = framed_answer(ans + an, q, qn, M.id, 2);
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_ACK | TCP_PSH, ans, an + an2);
    c.snd_nxt += (uint32_t)(an + an2);
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_OK);
    ck_assert_uint_eq(r.ans.records[0].addr, A("10.0.0.2"));
    ck_assert_uint_eq(r.ans.tries, 2);
    ck_assert_uint_eq(r.ans.ignored, 1);
    server_close(&c);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc7766_tcp_closed_every_try_reported)
{
    static struct rq r;
    struct harness h;
    struct tcp_h_conn c;
    pthread_t t;

    harness_init(&h);
    harness_learn_peer(&h);
    start_resolve(&r, &h, "www.example.com");
    r.o.tcp = 1;
    r.o.tries = 1;
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);
    server_accept(&h, &c, 100);
    /* the server resets the connection before the query is even read */
    tcp_h_send(&c, c.snd_nxt, c.rcv_nxt, TCP_RST | TCP_ACK, NULL, 0);
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_NOTCP);
    ck_assert_str_eq(glass_resolve_strerror(r.rc),
                     "the server closed the TCP connection without an answer");
    ck_assert_uint_eq(r.ans.tries, 1);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc7766_tcp_try_times_out_on_the_stack_clock)
{
    static struct rq r;
    struct harness h;
    pthread_t t;

    harness_init(&h);
    harness_learn_peer(&h);
    start_resolve(&r, &h, "www.example.com");
    r.o.tcp = 1;
    r.o.tries = 1;
    r.o.timeout_ms = 500;
    ck_assert_int_eq(pthread_create(&t, NULL, resolve_thread, &r), 0);
    ck_assert_msg(next_tcp(&h, &SEG), "no SYN");
    /* the SYN goes unanswered: 400 ms of stack time is not enough ... */
    for (int i = 0; i < 8; i++) {
        harness_advance(&h, 50 * GLASS_USEC_PER_MSEC);
        usleep(1000);
    }
    usleep(20000);
    ck_assert_int_eq(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0);
    /* ... 500 ms is */
    for (int i = 0; i < 40 && !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE); i++) {
        harness_advance(&h, 50 * GLASS_USEC_PER_MSEC);
        usleep(1000);
    }
    wait_done(&r);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, GLASS_RESOLVE_TIMEOUT);
    ck_assert_uint_eq(r.ans.tries, 1);
    harness_fini(&h);
}
END_TEST

static Suite *dns_suite(void)
{
    Suite *s = suite_create("dns");
    TCase *enc = tcase_create("encode");
    tcase_add_test(enc, test_rfc1035_4_1_query_exact_bytes);
    tcase_add_test(enc, test_rfc1035_2_3_4_name_limits);
    suite_add_tcase(s, enc);
    TCase *dec = tcase_create("decode");
    tcase_add_test(dec, test_rfc1035_4_1_simple_a_reply);
    tcase_add_test(dec, test_rfc1035_4_1_4_cname_chain_compressed);
    tcase_add_test(dec, test_rfc1035_4_1_4_pointer_to_pointer);
    tcase_add_test(dec, test_rfc1035_3_3_mx_txt_aaaa_and_raw);
    tcase_add_test(dec, test_records_kept_bounded);
    tcase_add_test(dec, test_label_bytes_escaped_in_presentation);
    tcase_add_test(dec, test_rfc1035_4_1_1_nxdomain_reported);
    tcase_add_test(dec, test_rfc1035_4_1_1_tc_bit_reported);
    suite_add_tcase(s, dec);
    TCase *bad = tcase_create("lies");
    tcase_add_test(bad, test_rfc1035_4_1_4_pointer_loops_rejected);
    tcase_add_test(bad, test_rfc1035_4_1_4_forward_and_out_of_bounds_pointers_rejected);
    tcase_add_test(bad, test_rfc1035_label_length_over_63_rejected);
    tcase_add_test(bad, test_counts_past_the_end_rejected);
    tcase_add_test(bad, test_truncated_header_rejected);
    tcase_add_test(bad, test_truncated_rdata_rejected);
    tcase_add_test(bad, test_rdata_lengths_checked);
    tcase_add_test(bad, test_match_rejects_wrong_id_question_and_qr0);
    tcase_add_test(bad, test_mutated_replies_never_overread);
    suite_add_tcase(s, bad);
    TCase *res = tcase_create("resolver");
    tcase_add_test(res, test_resolver_answer_presentation_and_chain);
    tcase_add_test(res, test_resolver_mx_txt_unknown_presentation);
    suite_add_tcase(s, res);
    TCase *udp = tcase_create("resolver-udp");
    tcase_set_timeout(udp, 30);
    tcase_add_test(udp, test_rfc5452_resolver_ignores_wrong_replies_and_retries);
    tcase_add_test(udp, test_resolver_times_out_after_every_try);
    suite_add_tcase(s, udp);
    TCase *tcp = tcase_create("resolver-tcp");
    tcase_set_timeout(tcp, 30);
    tcase_add_test(tcp, test_rfc1035_4_2_2_tcp_query_length_prefixed_answer_split_anywhere);
    tcase_add_test(tcp, test_rfc7766_5_truncated_udp_answer_asked_again_over_tcp);
    tcase_add_test(tcp, test_rfc9293_3_10_7_3_tcp_refused_is_unreachable_without_retry);
    tcase_add_test(tcp, test_rfc7766_closed_without_answer_retried_wrong_id_ignored);
    tcase_add_test(tcp, test_rfc7766_tcp_closed_every_try_reported);
    tcase_add_test(tcp, test_rfc7766_tcp_try_times_out_on_the_stack_clock);
    suite_add_tcase(s, tcp);
    return s;
}

int main(void)
{
    return harness_run_suite(dns_suite());
}
