/*
 * resolver.h - the stub resolver's pure parts, kept apart from the socket
 * loop in resolver.c so the unit tests can drive them without a network:
 * turning a parsed reply into the public answer, and walking a CNAME chain.
 * The public calls (glass_resolve, glass_resolve_ipv4) are in glass.h.
 */
#ifndef GLASS_RESOLVER_H
#define GLASS_RESOLVER_H

#include "dns.h"
#include "glass.h"

/* RFC 1034 3.6.2 allows chains; real ones are short.  Longer is a loop. */
#define RESOLVER_MAX_CNAME 8

/* The public answer from a parsed reply (records in presentation form). */
void resolver_fill_answer(const struct dns_msg *m, struct glass_dns_answer *out);

/* RCODE -> GLASS_RESOLVE_* (NOERROR -> GLASS_RESOLVE_OK). */
int resolver_rcode_error(unsigned rcode);

/*
 * Follow qname through the CNAME records of `a` (RFC 1034 3.6.2) and look
 * for an A record of the name at the end of the chain.  Returns
 * GLASS_RESOLVE_OK with *addr set; GLASS_RESOLVE_NODATA with `end` holding
 * the chain's end when the answer has no A for it (ask again for `end`);
 * GLASS_RESOLVE_CNAME_LOOP when the chain is longer than RESOLVER_MAX_CNAME.
 */
int resolver_follow_chain(const struct glass_dns_answer *a, const char *qname, uint32_t *addr,
                          char *end, size_t endlen);

#endif
