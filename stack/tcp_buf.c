/*
 * tcp_buf.c - the byte ring behind TCP's send and receive buffers.
 */
#include "tcp_buf.h"

#include <string.h>

#include "checksum.h"
#include "mem.h"
#include "util.h"

#define TCP_BUF_FIRST 4096

void tcp_buf_init(struct tcp_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void tcp_buf_free(struct glass_stack *stack, struct tcp_buf *b)
{
    if (b->data)
        glass_free(stack, b->data);
    b->data = NULL;
    b->cap = b->head = b->len = 0;
}

/* Make room for `want` bytes in all, doubling; false when memory says no
 * (the caller then takes what already fits). */
static int tcp_buf_grow(struct glass_stack *stack, struct tcp_buf *b, size_t want)
{
    if (want <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : TCP_BUF_FIRST;
    while (cap < want)
        cap *= 2;
    if (cap > b->max && want <= b->max)
        cap = b->max;
    uint8_t *d = glass_alloc(stack, cap);
    if (!d)
        return 0;
    /* Unroll the ring into the new storage, head at offset 0. */
    if (b->len)
        tcp_buf_peek(b, 0, d, b->len);
    if (b->data)
        glass_free(stack, b->data);
    b->data = d;
    b->cap = cap;
    b->head = 0;
    return 1;
}

size_t tcp_buf_append(struct glass_stack *stack, struct tcp_buf *b, const void *src, size_t len)
{
    struct iovec iov = {.iov_base = (void *)src, .iov_len = len};
    return tcp_buf_append_iov(stack, b, &iov, 1, 0, len);
}

size_t tcp_buf_append_iov(struct glass_stack *stack, struct tcp_buf *b, const struct iovec *iov,
                          size_t iovlen, size_t skip, size_t len)
{
    len = GLASS_MIN(len, tcp_buf_space(b));
    if (!len)
        return 0;
    if (!tcp_buf_grow(stack, b, b->len + len)) {
        len = GLASS_MIN(len, b->cap - b->len); /* what fits in what we have */
        if (!len)
            return 0;
    }
    size_t done = 0;
    for (size_t i = 0; i < iovlen && done < len; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t n = iov[i].iov_len;
        if (skip >= n) {
            skip -= n;
            continue;
        }
        p += skip;
        n -= skip;
        skip = 0;
        n = GLASS_MIN(n, len - done);
        while (n) {
            size_t tail = (b->head + b->len) % b->cap;
            size_t run = GLASS_MIN(n, b->cap - tail);
            memcpy(b->data + tail, p, run);
            b->len += run;
            p += run;
            n -= run;
            done += run;
        }
    }
    return done;
}

void tcp_buf_peek(const struct tcp_buf *b, size_t off, void *dst, size_t len)
{
    uint8_t *d = dst;
    size_t pos = (b->head + off) % (b->cap ? b->cap : 1);
    while (len) {
        size_t run = GLASS_MIN(len, b->cap - pos);
        memcpy(d, b->data + pos, run);
        d += run;
        len -= run;
        pos = 0;
    }
}

uint32_t tcp_buf_peek_csum(const struct tcp_buf *b, size_t off, void *dst, size_t len)
{
    uint8_t *d = dst;
    uint32_t sum = 0;
    size_t done = 0;
    size_t pos = (b->head + off) % (b->cap ? b->cap : 1);
    while (done < len) {
        size_t run = GLASS_MIN(len - done, b->cap - pos);
        /* The second run (after the ring wraps) may start at an odd
         * offset of the segment: csum_block_add swaps it into place. */
        sum = csum_block_add(sum, csum_copy(d + done, b->data + pos, run, 0), done);
        done += run;
        pos = 0;
    }
    return sum;
}

size_t tcp_buf_peek_iov(const struct tcp_buf *b, const struct iovec *iov, size_t iovlen,
                        size_t len)
{
    len = GLASS_MIN(len, b->len);
    size_t done = 0;
    for (size_t i = 0; i < iovlen && done < len; i++) {
        size_t n = GLASS_MIN(iov[i].iov_len, len - done);
        if (n)
            tcp_buf_peek(b, done, iov[i].iov_base, n);
        done += n;
    }
    return done;
}

void tcp_buf_drop(struct tcp_buf *b, size_t n)
{
    n = GLASS_MIN(n, b->len);
    b->len -= n;
    b->head = b->len ? (b->head + n) % b->cap : 0;
}
