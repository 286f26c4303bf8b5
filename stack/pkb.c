/* pkb.c - packet buffers (see pkb.h for the picture). */
#include "pkb.h"

#include <string.h>

#include "mem.h"
#include "stack.h"

/* ---- the cache (see pkb.h) ---------------------------------------------- */

static void pool_lock(struct pkb_pool *pool)
{
    while (__atomic_test_and_set(&pool->lock, __ATOMIC_ACQUIRE))
        ;
}

static void pool_unlock(struct pkb_pool *pool)
{
    __atomic_clear(&pool->lock, __ATOMIC_RELEASE);
}

/* The block size of each class, and which class a request falls in:
 * small up to PKB_POOL_SMALL, big from half the largest up (a GSO frame
 * buffer is asked for at whatever the device last handed over). */
#define PKB_BLOCK(data) (sizeof(struct pkb) + PKB_HEADROOM + (data))
enum pkb_class { PKB_CLASS_NONE, PKB_CLASS_SMALL, PKB_CLASS_BIG };

static enum pkb_class pkb_class_of_request(size_t size)
{
    if (size <= PKB_POOL_SMALL)
        return PKB_CLASS_SMALL;
    if (size > PKB_MAX_DATA / 2)
        return PKB_CLASS_BIG;
    return PKB_CLASS_NONE;
}

static enum pkb_class pkb_class_of_block(const struct pkb *p)
{
    size_t block = glass_alloc_size(p);
    if (block == PKB_BLOCK(PKB_POOL_SMALL))
        return PKB_CLASS_SMALL;
    if (block == PKB_BLOCK(PKB_MAX_DATA))
        return PKB_CLASS_BIG;
    return PKB_CLASS_NONE;
}

/* A cached buffer of the class, charged to the stack again; NULL if the
 * list is empty, or if mem_limit says no (*refused set, the buffer
 * released, mem.alloc_failed counted once). */
static struct pkb *pool_take(struct glass_stack *stack, enum pkb_class c, bool *refused)
{
    struct pkb_pool *pool = &stack->pkb_pool;
    pool_lock(pool);
    struct pkb **list = c == PKB_CLASS_SMALL ? &pool->small : &pool->big;
    struct pkb *p = *list;
    if (p) {
        *list = p->next;
        if (c == PKB_CLASS_SMALL)
            pool->nsmall--;
        else
            pool->nbig--;
    }
    pool_unlock(pool);
    if (p && !glass_mem_recharge(stack, p)) {
        glass_free_uncharged(p);
        *refused = true;
        return NULL;
    }
    if (p)
        STAT_INC(stack, mem, pkb_reused);
    return p;
}

/* Keep p on its list if there is room; false if the caller must free it. */
static bool pool_put(struct glass_stack *stack, struct pkb *p)
{
    enum pkb_class c = pkb_class_of_block(p);
    if (c == PKB_CLASS_NONE)
        return false;
    struct pkb_pool *pool = &stack->pkb_pool;
    bool kept = false;
    pool_lock(pool);
    if (c == PKB_CLASS_SMALL && pool->nsmall < PKB_POOL_SMALL_MAX) {
        p->next = pool->small;
        pool->small = p;
        pool->nsmall++;
        kept = true;
    } else if (c == PKB_CLASS_BIG && pool->nbig < PKB_POOL_BIG_MAX) {
        p->next = pool->big;
        pool->big = p;
        pool->nbig++;
        kept = true;
    }
    pool_unlock(pool);
    if (kept) {
        glass_mem_uncharge(stack, p);
        STAT_INC(stack, mem, pkb_cached);
    }
    return kept;
}

void pkb_pool_drain(struct glass_stack *stack)
{
    struct pkb_pool *pool = &stack->pkb_pool;
    pool_lock(pool);
    struct pkb *lists[2] = {pool->small, pool->big};
    pool->small = pool->big = NULL;
    pool->nsmall = pool->nbig = 0;
    pool_unlock(pool);
    for (int i = 0; i < 2; i++) {
        while (lists[i]) {
            struct pkb *next = lists[i]->next;
            glass_free_uncharged(lists[i]);
            lists[i] = next;
        }
    }
}

/* ---- buffers ------------------------------------------------------------- */

struct pkb *pkb_alloc(struct glass_stack *stack, size_t size)
{
    if (size > PKB_MAX_DATA)
        return NULL;
    enum pkb_class c = pkb_class_of_request(size);
    bool refused = false;
    struct pkb *p = c == PKB_CLASS_NONE ? NULL : pool_take(stack, c, &refused);
    if (refused)
        return NULL;
    if (!p) {
        size_t data = c == PKB_CLASS_SMALL ? PKB_POOL_SMALL
                      : c == PKB_CLASS_BIG ? PKB_MAX_DATA
                                           : size;
        /* Not zeroed: a 64 KiB area would cost more to clear than the
         * frame it holds; the fields below are all a pkb needs. */
        p = glass_alloc_uninit(stack, PKB_BLOCK(data));
        if (!p)
            return NULL;
    }
    memset(p, 0, sizeof(*p));
    /* The usable area is what was asked for, whatever the block's class:
     * pkb_put past `size` fails as it always did. */
    p->data = p->tail = p->head + PKB_HEADROOM;
    p->end = p->head + PKB_HEADROOM + size;
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
    if (p && !pool_put(stack, p))
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
