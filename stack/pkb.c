/* pkb.c - packet buffers (see pkb.h for the picture). */
#include "pkb.h"

#include <string.h>

#include "mem.h"

struct pkb *pkb_alloc(struct glass_stack *stack, size_t size)
{
    if (size > PKB_MAX_DATA)
        return NULL;
    size_t cap = PKB_HEADROOM + size;
    /* Only the header fields need zeroing; glass_alloc zeroes all of it,
     * which a later performance pass may want to avoid for big frames. */
    struct pkb *p = glass_alloc(stack, sizeof(*p) + cap);
    if (!p)
        return NULL;
    p->data = p->tail = p->head + PKB_HEADROOM;
    p->end = p->head + cap;
    p->l2 = p->l3 = p->l4 = PKB_NO_OFFSET;
    return p;
}

struct pkb *pkb_from(struct glass_stack *stack, const void *bytes, size_t len)
{
    struct pkb *p = pkb_alloc(stack, len);
    if (p)
        memcpy(pkb_put(p, len), bytes, len);
    return p;
}

struct pkb *pkb_copy(struct glass_stack *stack, const struct pkb *src)
{
    size_t len = pkb_len(src);
    size_t room = pkb_headroom(src);
    /* Keep the same headroom so the header offsets stay valid. */
    size_t extra = room > PKB_HEADROOM ? room - PKB_HEADROOM : 0;
    struct pkb *p = pkb_alloc(stack, len + extra);
    if (!p)
        return NULL;
    p->data = p->head + room;
    p->tail = p->data;
    memcpy(p->head, src->head, room); /* headers in front may be inspected */
    memcpy(pkb_put(p, len), src->data, len);
    p->l2 = src->l2;
    p->l3 = src->l3;
    p->l4 = src->l4;
    p->nif = src->nif;
    p->stamp = src->stamp;
    p->nexthop = src->nexthop;
    p->csum = src->csum;
    p->csum_start = src->csum_start;
    p->csum_off = src->csum_off;
    p->gso_size = src->gso_size;
    return p;
}

void pkb_free(struct glass_stack *stack, struct pkb *p)
{
    glass_free(stack, p);
}

uint8_t *pkb_push(struct pkb *p, size_t n)
{
    if (pkb_headroom(p) < n)
        return NULL;
    p->data -= n;
    return p->data;
}

uint8_t *pkb_pull(struct pkb *p, size_t n)
{
    if (pkb_len(p) < n)
        return NULL;
    p->data += n;
    return p->data;
}

uint8_t *pkb_put(struct pkb *p, size_t n)
{
    if (pkb_tailroom(p) < n)
        return NULL;
    uint8_t *at = p->tail;
    p->tail += n;
    return at;
}

void pkb_trim(struct pkb *p, size_t len)
{
    if (pkb_len(p) > len)
        p->tail = p->data + len;
}

void pkb_queue_push(struct pkb_queue *q, struct pkb *p)
{
    p->next = NULL;
    if (q->last)
        q->last->next = p;
    else
        q->first = p;
    q->last = p;
    q->count++;
    q->bytes += pkb_len(p);
}

struct pkb *pkb_queue_pop(struct pkb_queue *q)
{
    struct pkb *p = q->first;
    if (!p)
        return NULL;
    q->first = p->next;
    if (!q->first)
        q->last = NULL;
    p->next = NULL;
    q->count--;
    q->bytes -= pkb_len(p);
    return p;
}

void pkb_queue_purge(struct glass_stack *stack, struct pkb_queue *q)
{
    struct pkb *p;
    while ((p = pkb_queue_pop(q)))
        pkb_free(stack, p);
}
