/*
 * tcp_buf.h - a byte ring for a connection's send and receive buffers.
 *
 * TCP moves a byte stream, not packets: the send buffer holds every byte
 * from SND.UNA on (sent-but-unacknowledged, then not-yet-sent), so a
 * retransmission re-reads them at any offset and an ACK frees them from
 * the front; the receive buffer holds in-order bytes until the user reads
 * them.  A ring of bytes does both with one copy in and one copy out.
 *
 * The storage grows (doubling, accounted on the stack) up to `max`, so an
 * idle connection costs little; it is freed by tcp_buf_free.
 */
#ifndef GLASS_TCP_BUF_H
#define GLASS_TCP_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct glass_stack;

struct tcp_buf {
    uint8_t *data;
    size_t cap;     /* bytes allocated */
    size_t head;    /* offset of the first byte */
    size_t len;     /* bytes held */
    size_t max;     /* bound: SO_SNDBUF / SO_RCVBUF */
};

void tcp_buf_init(struct tcp_buf *b, size_t max);
void tcp_buf_free(struct glass_stack *stack, struct tcp_buf *b);
/* Room left before max. */
static inline size_t tcp_buf_space(const struct tcp_buf *b)
{
    return b->len >= b->max ? 0 : b->max - b->len;
}
/* Append up to len bytes (as many as fit under max and in memory);
 * returns how many were taken. */
size_t tcp_buf_append(struct glass_stack *stack, struct tcp_buf *b, const void *src, size_t len);
/* The same from iovecs, starting `skip` bytes into them. */
size_t tcp_buf_append_iov(struct glass_stack *stack, struct tcp_buf *b, const struct iovec *iov,
                          size_t iovlen, size_t skip, size_t len);
/* Copy len bytes starting `off` bytes after the head to dst (no change). */
void tcp_buf_peek(const struct tcp_buf *b, size_t off, void *dst, size_t len);
/* tcp_buf_peek that also returns the RFC 1071 sum (unfolded, as
 * csum_add returns it) of the bytes copied: the send path's one pass. */
uint32_t tcp_buf_peek_csum(const struct tcp_buf *b, size_t off, void *dst, size_t len);
/* Copy up to len bytes from the head into iovecs (scatter); no change. */
size_t tcp_buf_peek_iov(const struct tcp_buf *b, const struct iovec *iov, size_t iovlen,
                        size_t len);
/* Forget the first n bytes (acknowledged, or read). */
void tcp_buf_drop(struct tcp_buf *b, size_t n);

#endif
