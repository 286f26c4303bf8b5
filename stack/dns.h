/*
 * dns.h - DNS messages (RFC 1035 section 4) as pure functions: build a
 * query, parse a reply, check that a reply answers the query.
 *
 * Nothing here touches a socket or the stack: the functions take bytes and
 * give bytes or a struct, so the unit tests (tests/unit/check_dns.c) can
 * feed them every kind of lying reply.  The resolver (resolver.c) moves the
 * bytes over UDP.
 *
 * Every read of a reply is bounds-checked; a reply that lies (a count past
 * the end, a compression loop, a forward pointer, a label longer than 63)
 * gives DNS_EBADMSG and a short reason string, never a crash or an
 * over-read.
 */
#ifndef GLASS_DNS_H
#define GLASS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glass.h"

/* RFC 1035 4.2.1: a UDP message is at most 512 octets (without EDNS). */
#define DNS_UDP_MAX 512
#define DNS_HDR_LEN 12
/* RFC 1035 2.3.4: labels <= 63 octets, names <= 255 octets on the wire. */
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 255
/* Presentation form: 255 wire octets -> at most 253 characters, but bytes
 * that are not printable (or are '.' or '\\' inside a label) are written
 * as \DDD or \. as dig does, so allow 4 characters per octet. */
#define DNS_NAME_STRLEN 1024
/* RFC 1035 4.1.4 pointers: each must point before the place where the
 * current run of labels started (so every jump goes strictly backwards and
 * a loop cannot form); the hop limit is a second, independent guard. */
#define DNS_MAX_POINTER_HOPS 32
/* At most this many answer/authority records are kept per section; the
 * rest are walked (so the message is still checked) but not stored. */
#define DNS_MAX_RR 32
#define DNS_RDATA_MAX 512      /* raw rdata kept for types we don't decode */

/* Header flag bits (RFC 1035 4.1.1), in the 16-bit flags word. */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_RCODE(f) ((f) & 0xf)

/* QTYPE/TYPE values (RFC 1035 3.2.2, RFC 3596 for AAAA). */
enum dns_type {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_MX = 15,
    DNS_TYPE_TXT = 16,
    DNS_TYPE_AAAA = 28,
};
#define DNS_CLASS_IN 1

/* RCODE values (RFC 1035 4.1.1). */
enum dns_rcode {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
};

/* Return codes of this module (0 = success). */
enum dns_err {
    DNS_OK = 0,
    DNS_EBADNAME = -1,     /* a name we were asked to encode is not valid */
    DNS_ENOSPC = -2,       /* output buffer too small */
    DNS_EBADMSG = -3,      /* a reply that is malformed or lies */
    DNS_EMISMATCH = -4,    /* a well-formed reply that does not answer our query */
};

/* One resource record (RFC 1035 4.1.3), rdata decoded where we know how. */
struct dns_rr {
    char name[DNS_NAME_STRLEN];   /* presentation form, no trailing dot; "" = root */
    uint16_t type, rclass;
    uint32_t ttl;
    uint16_t rdlength;
    union {
        uint32_t a;                        /* A: network byte order */
        uint8_t aaaa[16];                  /* AAAA */
        char cname[DNS_NAME_STRLEN];       /* CNAME (also NS) */
        struct {
            uint16_t preference;
            char exchange[DNS_NAME_STRLEN];
        } mx;
        struct {
            /* TXT: the character-strings, each as (length byte, bytes) as on
             * the wire, so embedded NULs and boundaries survive */
            uint8_t data[DNS_RDATA_MAX];
            uint16_t len;
        } txt;
        struct {
            uint8_t data[DNS_RDATA_MAX];
            uint16_t len;                  /* bytes kept (<= rdlength) */
        } raw;
    } rd;
};

/* A parsed message: header, the (first) question, the records kept. */
struct dns_msg {
    uint16_t id, flags;
    uint16_t qdcount, ancount, nscount, arcount;  /* as the header says */
    bool has_question;
    char qname[DNS_NAME_STRLEN];
    uint16_t qtype, qclass;
    unsigned nanswer, nauthority;   /* records kept (<= DNS_MAX_RR each) */
    struct dns_rr answer[DNS_MAX_RR];
    struct dns_rr authority[DNS_MAX_RR];
};

/* Check a name for encoding: labels 1..63 octets, the wire form <= 255,
 * no empty label except the root ("" or "."; one trailing dot allowed).
 * Escapes (\DDD) are not interpreted: a backslash is refused.
 * Returns DNS_OK or DNS_EBADNAME with *why set. */
int dns_name_check(const char *name, const char **why);

/* Encode name (RFC 1035 3.1: length-prefixed labels, a zero octet at the
 * end) into out.  Returns the bytes written or a negative dns_err. */
int dns_name_encode(const char *name, uint8_t *out, size_t outlen, const char **why);

/* Build a standard query (opcode 0, RD=1, one question of class IN).
 * Returns the message length or a negative dns_err (*why says why). */
int dns_build_query(uint8_t *out, size_t outlen, uint16_t id, const char *name, uint16_t qtype,
                    const char **why);

/* Parse msg[0..len) into *m.  Returns DNS_OK or DNS_EBADMSG (*why says
 * why).  Never reads outside msg[0..len). */
int dns_parse(const uint8_t *msg, size_t len, struct dns_msg *m, const char **why);

/* Does reply m answer the query we sent (id, QR=1, opcode QUERY, exactly
 * our one question, names compared case-insensitively, RFC 4343)?  An
 * error reply (RCODE != 0) with no question section is accepted when the
 * id matches: servers answering FORMERR/NOTIMP may omit the question.
 * Returns DNS_OK or DNS_EMISMATCH with *why set. */
int dns_match(const struct dns_msg *m, uint16_t id, const char *qname, uint16_t qtype,
              const char **why);

/* Name comparison ignoring ASCII case (RFC 4343) and one trailing dot. */
bool dns_name_equal(const char *a, const char *b);

/* "A", "AAAA", ... or NULL; and back (case-insensitive).  0 if unknown. */
const char *dns_type_name(uint16_t type);
uint16_t dns_type_parse(const char *s);
/* "NOERROR", "NXDOMAIN", ... ("RCODE<n>" style for others via buf) */
const char *dns_rcode_name(unsigned rcode);

/* Render the TXT rdata as dig does: "one" "two" (quotes, \" and \\ and
 * \DDD escapes).  Returns buf. */
char *dns_txt_format(const struct dns_rr *rr, char *buf, size_t buflen);

#endif
