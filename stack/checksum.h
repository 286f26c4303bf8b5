/*
 * checksum.h - the Internet checksum, RFC 1071: the 16-bit one's
 * complement of the one's complement sum of the data taken as big-endian
 * 16-bit words (an odd last byte is padded with zero on the right).
 */
#ifndef GLASS_CHECKSUM_H
#define GLASS_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add the words of data[0..len) to a running 32-bit sum (unfolded). */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
/* Copy len bytes from src to dst (they must not overlap) and add them to
 * sum in the same pass: the send path fills a segment with user data and
 * checksums it without reading the data twice. */
uint32_t csum_copy(void *dst, const void *src, size_t len, uint32_t sum);
/* Add `part`, the sum of a block that starts `offset` bytes into the
 * data being checksummed, to `sum`: a block at an odd offset has its
 * bytes in the other halves of the 16-bit words (RFC 1071 2(B)), so its
 * sum is byte-swapped first.  Lets a sum be built from pieces of any
 * length (a ring buffer's two runs). */
uint32_t csum_block_add(uint32_t sum, uint32_t part, size_t offset);
/* Fold the carries (RFC 1071 4.1) and complement: the value to put in a
 * checksum field with put_be16().  A received header whose checksum is
 * right sums (checksum field included) to a result of 0. */
uint16_t csum_finish(uint32_t sum);
/* csum_finish(csum_add(0, data, len)). */
uint16_t inet_checksum(const void *data, size_t len);
/* The sum of the IPv4 pseudo header (RFC 793 3.1 / RFC 768) for UDP and
 * TCP; addresses in network byte order. */
uint32_t csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

#endif
