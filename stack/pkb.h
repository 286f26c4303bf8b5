/*
 * pkb.h - the packet buffer.
 *
 * One contiguous data area with room in front (headroom), so each layer
 * on the way down prepends its header with pkb_push() without copying, and
 * each layer on the way up strips its header with pkb_pull().  The offsets
 * l2/l3/l4 remember where the Ethernet, IPv4 and transport headers start,
 * so an upper layer can still look at the headers below it (ICMP errors
 * quote the IP header; TCP needs the addresses).
 *
 *   head        data              tail          end
 *    |<-headroom->|<---- data ----->|<-tailroom->|
 */
#ifndef GLASS_PKB_H
#define GLASS_PKB_H

#include <stddef.h>
#include <stdint.h>

#include "glass.h"

/* Enough for a virtio-net header, Ethernet, IPv4 with options and TCP
 * with options, rounded up. */
#define PKB_HEADROOM 192
/* Largest data area: a 64 KiB GSO frame plus its headers. */
#define PKB_MAX_DATA (65536 + PKB_HEADROOM)

#define PKB_NO_OFFSET 0xffff

/* The transport checksum of a packet (Linux's ip_summed, simplified). */
enum pkb_csum {
    PKB_CSUM_NONE = 0,    /* nothing known: verify on receive, fill in on send */
    PKB_CSUM_VERIFIED,    /* the device checked it (VIRTIO_NET_HDR_F_DATA_VALID) */
    PKB_CSUM_PARTIAL,     /* the field holds only the pseudo-header sum; whoever
                             sends it on completes it from csum_start to the end
                             (VIRTIO_NET_HDR_F_NEEDS_CSUM, Linux CHECKSUM_PARTIAL) */
};

struct pkb {
    struct pkb *next;          /* link in a pkb_queue */
    struct glass_netif *nif;   /* arrived on / leaves through */
    glass_time_t stamp;        /* when it was queued (ARP queue, loop wire) */
    uint32_t nexthop;          /* IPv4 next hop while waiting for ARP */
    uint16_t l2, l3, l4;       /* header offsets from head, or PKB_NO_OFFSET */
    /* Offloads (the TAP vnet header, docs/tcp.md "Offloads"): what is
     * known about the transport checksum, and whether this is a TCPv4
     * super-segment the device (or the kernel behind a tap) cuts up. */
    uint8_t csum;              /* enum pkb_csum */
    uint16_t csum_start;       /* PKB_CSUM_PARTIAL: offset from head where summing starts */
    uint16_t csum_off;         /* ...and of the checksum field from csum_start */
    uint16_t gso_size;         /* != 0: TCP payload per wire segment (TSO / GSO) */
    uint8_t *data;             /* first byte of the current data */
    uint8_t *tail;             /* one past the last byte of data */
    uint8_t *end;              /* one past the buffer */
    uint8_t head[];            /* the buffer itself */
};

/* ---- the stack's cache of free buffers (wt-fast) ---------------------------
 *
 * Every frame in or out needs a buffer; asking malloc for one each time
 * (and zeroing it) is most of the cost of a small frame.  pkb_free keeps
 * a freed buffer of one of two sizes on a per-stack free list, and
 * pkb_alloc takes it back from there:
 *   small  data area of PKB_POOL_SMALL bytes: any frame up to a 1500-byte
 *          MTU (plus VLAN tag), every segment glass sends without TSO;
 *   big    data area of PKB_MAX_DATA bytes: GSO/TSO frames.
 * A request of another size is allocated exactly and freed for good.
 * The lists are bounded (PKB_POOL_SMALL_MAX, PKB_POOL_BIG_MAX buffers), so
 * the cache holds at most about 0.7 MiB; a cached buffer is not "in use":
 * it is taken off the stack's memory count while on the list and put back
 * on (subject to mem_limit) when reused, so mem_in_use and the leak check
 * of glass_stack_free mean what they did.  glass_stack_free empties it.
 * A spin lock guards the lists: the loop driver allocates a frame for the
 * receiving stack from the sender's thread (drivers/loop.c). */
#define PKB_POOL_SMALL 2048
#define PKB_POOL_SMALL_MAX 128
#define PKB_POOL_BIG_MAX 4

struct pkb_pool {
    char lock;                  /* __atomic_test_and_set spin lock */
    struct pkb *small, *big;    /* free lists, linked by next */
    unsigned nsmall, nbig;
};
/* Release every cached buffer (glass_stack_free). */
void pkb_pool_drain(struct glass_stack *stack);

/* A buffer with PKB_HEADROOM in front and room for `size` bytes of data;
 * len is 0.  NULL when the stack is out of memory (caller counts a drop).
 * Only the pkb's own fields are initialised: the data area holds whatever
 * the last user left, and every sender writes what it puts. */
struct pkb *pkb_alloc(struct glass_stack *stack, size_t size);
/* A buffer holding a copy of `len` bytes (a received frame). */
struct pkb *pkb_from(struct glass_stack *stack, const void *bytes, size_t len);
/* A full copy, headers offsets included. */
struct pkb *pkb_copy(struct glass_stack *stack, const struct pkb *pkb);
void pkb_free(struct glass_stack *stack, struct pkb *pkb);

static inline size_t pkb_len(const struct pkb *p) { return (size_t)(p->tail - p->data); }
static inline size_t pkb_headroom(const struct pkb *p) { return (size_t)(p->data - p->head); }
static inline size_t pkb_tailroom(const struct pkb *p) { return (size_t)(p->end - p->tail); }

/* Prepend n bytes (a header) and return the new start; NULL if no room. */
uint8_t *pkb_push(struct pkb *p, size_t n);
/* Strip n bytes from the front and return the new start; NULL if the
 * data is shorter than n (nothing is changed then). */
uint8_t *pkb_pull(struct pkb *p, size_t n);
/* Append n bytes and return where they go; NULL if no room. */
uint8_t *pkb_put(struct pkb *p, size_t n);
/* Cut the data to len bytes (no-op when already shorter): Ethernet
 * padding and bytes past IPv4 total length are removed with this. */
void pkb_trim(struct pkb *p, size_t len);

/* Remember that the header of layer 2/3/4 starts at the current data. */
static inline void pkb_set_l2(struct pkb *p) { p->l2 = (uint16_t)(p->data - p->head); }
static inline void pkb_set_l3(struct pkb *p) { p->l3 = (uint16_t)(p->data - p->head); }
static inline void pkb_set_l4(struct pkb *p) { p->l4 = (uint16_t)(p->data - p->head); }
static inline uint8_t *pkb_l2(const struct pkb *p) { return p->l2 == PKB_NO_OFFSET ? NULL : (uint8_t *)p->head + p->l2; }
static inline uint8_t *pkb_l3(const struct pkb *p) { return p->l3 == PKB_NO_OFFSET ? NULL : (uint8_t *)p->head + p->l3; }
static inline uint8_t *pkb_l4(const struct pkb *p) { return p->l4 == PKB_NO_OFFSET ? NULL : (uint8_t *)p->head + p->l4; }

/* A FIFO of packets with its length in packets and bytes. */
struct pkb_queue {
    struct pkb *first, *last;
    size_t count, bytes;
};
void pkb_queue_push(struct pkb_queue *q, struct pkb *p);
struct pkb *pkb_queue_pop(struct pkb_queue *q);
void pkb_queue_purge(struct glass_stack *stack, struct pkb_queue *q);

#endif
