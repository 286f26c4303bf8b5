/*
 * tcp_seq.h - sequence number arithmetic (RFC 9293 3.4).
 *
 * Sequence numbers live on a circle of 2^32: "a < b" means b lies less
 * than 2^31 ahead of a.  Every comparison of sequence numbers in glass goes
 * through these, so wraparound is handled in one place and tested once.
 */
#ifndef GLASS_TCP_SEQ_H
#define GLASS_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
/* lo <= x < hi on the circle (RFC 9293 3.4, the acceptability tests). */
static inline bool seq_in(uint32_t x, uint32_t lo, uint32_t hi)
{
    return seq_leq(lo, x) && seq_lt(x, hi);
}
static inline uint32_t seq_max(uint32_t a, uint32_t b) { return seq_gt(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return seq_lt(a, b) ? a : b; }

#endif
