/*
 * pmtu.h - Path MTU Discovery (RFC 1191): what each destination's path
 * can carry, learned from ICMP Fragmentation Needed.
 *
 * A small cache per stack holds, per destination, a path MTU below the
 * link's.  It only ever goes down on an ICMP message (RFC 1191 6.3: a
 * "message" never raises it), and ages out after PMTU_AGE, after which
 * the link MTU is tried again (RFC 1191 6.3 suggests 10 minutes).
 */
#ifndef GLASS_PMTU_H
#define GLASS_PMTU_H

#include <stdint.h>

#include "glass.h"

struct glass_stack;

#define PMTU_CACHE_MAX 64                             /* destinations remembered */
#define PMTU_AGE (10 * 60 * GLASS_USEC_PER_SEC)       /* RFC 1191 6.3 */
#define PMTU_MIN 68                                   /* RFC 791: every host takes 68 */

int pmtu_init(struct glass_stack *stack);
void pmtu_destroy(struct glass_stack *stack);

/* The path MTU learned for dst, or 0 when none is known (or it aged out). */
unsigned pmtu_get(struct glass_stack *stack, uint32_t dst);

/* RFC 1191 4/7: Fragmentation Needed for a datagram of sent_len bytes to
 * dst, with next-hop MTU next_mtu (0 from a router that predates RFC
 * 1191: then the next plateau below sent_len).  Returns the new path MTU,
 * or 0 when the message was ignored (it would not lower the estimate). */
unsigned pmtu_update(struct glass_stack *stack, uint32_t dst, unsigned next_mtu,
                     unsigned sent_len);

/* icmp.c: Destination Unreachable, Fragmentation Needed (RFC 1191 4)
 * quoting q (an IPv4 header, length checked) with next-hop MTU next_mtu.
 * Lowers the path MTU to the quoted destination if the quote is a
 * datagram of ours and the news is lower than what we use; returns the new
 * path MTU, or 0 when nothing changed.  For a quoted TCP segment, TCP calls
 * this itself once the quoted sequence number checks out (RFC 5927 5.2). */
unsigned pmtu_frag_needed(struct glass_stack *stack, const uint8_t *q, unsigned next_mtu);

/* A number that changes whenever any estimate changes (lowered, or aged
 * out): TCP recomputes its MSS when it sees it move. */
unsigned pmtu_generation(struct glass_stack *stack);

/* RFC 1191 7: the largest plateau below len (68 at least). */
unsigned pmtu_plateau_below(unsigned len);

#endif
