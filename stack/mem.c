/*
 * mem.c - allocation charged to a stack.
 *
 * Each block carries a small header with its size, so glass_free() can
 * give the bytes back to the right counter.  When the stack has a limit
 * (mem_limit), an allocation that would pass it fails like a real kernel
 * under memory pressure: the caller drops the packet and counts it.
 */
#include "mem.h"

#include <stddef.h>
#include <stdlib.h>

#include "stack.h"

struct mem_header {
    size_t size;
    size_t pad;                 /* keep the payload 16-byte aligned */
};

/* The counters are updated atomically: the loop driver charges a frame
 * copy to the RECEIVING stack from the sender's thread (drivers/loop.c),
 * while the receiver may be allocating under its own lock. */
static void mem_charge(struct glass_stack *stack, ptrdiff_t bytes, int allocs)
{
    size_t in_use = __atomic_add_fetch(&stack->mem_in_use, (size_t)bytes, __ATOMIC_RELAXED);
    __atomic_add_fetch(&stack->mem_allocs, (size_t)(ptrdiff_t)allocs, __ATOMIC_RELAXED);
    size_t peak = __atomic_load_n(&stack->mem_peak, __ATOMIC_RELAXED);
    while (in_use > peak && !__atomic_compare_exchange_n(&stack->mem_peak, &peak, in_use, true,
                                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static bool mem_over_limit(struct glass_stack *stack, size_t total)
{
    return stack->mem_limit &&
           __atomic_load_n(&stack->mem_in_use, __ATOMIC_RELAXED) + total > stack->mem_limit;
}

static void *mem_alloc(struct glass_stack *stack, size_t size, bool zero)
{
    size_t total = sizeof(struct mem_header) + size;
    if (mem_over_limit(stack, total)) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    struct mem_header *h = zero ? calloc(1, total) : malloc(total);
    if (!h) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    h->size = size;
    mem_charge(stack, (ptrdiff_t)total, 1);
    return h + 1;
}

void *glass_alloc(struct glass_stack *stack, size_t size)
{
    return mem_alloc(stack, size, true);
}

void *glass_alloc_uninit(struct glass_stack *stack, size_t size)
{
    return mem_alloc(stack, size, false);
}

size_t glass_alloc_size(const void *p)
{
    return ((const struct mem_header *)p - 1)->size;
}

void glass_mem_uncharge(struct glass_stack *stack, void *p)
{
    struct mem_header *h = (struct mem_header *)p - 1;
    mem_charge(stack, -(ptrdiff_t)(sizeof(struct mem_header) + h->size), -1);
}

bool glass_mem_recharge(struct glass_stack *stack, void *p)
{
    struct mem_header *h = (struct mem_header *)p - 1;
    size_t total = sizeof(struct mem_header) + h->size;
    if (mem_over_limit(stack, total)) {
        STAT_INC(stack, mem, alloc_failed);
        return false;
    }
    mem_charge(stack, (ptrdiff_t)total, 1);
    return true;
}

void glass_free_uncharged(void *p)
{
    if (p)
        free((struct mem_header *)p - 1);
}

void glass_free(struct glass_stack *stack, void *p)
{
    if (!p)
        return;
    struct mem_header *h = (struct mem_header *)p - 1;
    mem_charge(stack, -(ptrdiff_t)(sizeof(struct mem_header) + h->size), -1);
    free(h);
}

void *glass_realloc(struct glass_stack *stack, void *p, size_t size)
{
    if (!p)
        return glass_alloc(stack, size);
    struct mem_header *h = (struct mem_header *)p - 1;
    size_t old = h->size;
    if (size > old && stack->mem_limit &&
        __atomic_load_n(&stack->mem_in_use, __ATOMIC_RELAXED) + (size - old) > stack->mem_limit) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    struct mem_header *n = realloc(h, sizeof(struct mem_header) + size);
    if (!n) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    n->size = size;
    mem_charge(stack, (ptrdiff_t)size - (ptrdiff_t)old, 0);
    return n + 1;
}
