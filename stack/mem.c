/*
 * mem.c - allocation charged to a stack.
 *
 * Each block carries a small header with its size, so glass_free() can
 * give the bytes back to the right counter.  When the stack has a limit
 * (mem_limit), an allocation that would pass it fails like a real kernel
 * under memory pressure: the caller drops the packet and counts it.
 */
#include "mem.h"

#include <stdlib.h>

#include "stack.h"

struct mem_header {
    size_t size;
    size_t pad;                 /* keep the payload 16-byte aligned */
};

void *glass_alloc(struct glass_stack *stack, size_t size)
{
    size_t total = sizeof(struct mem_header) + size;
    if (stack->mem_limit && stack->mem_in_use + total > stack->mem_limit) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    struct mem_header *h = calloc(1, total);
    if (!h) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    h->size = size;
    stack->mem_in_use += total;
    stack->mem_allocs++;
    if (stack->mem_in_use > stack->mem_peak)
        stack->mem_peak = stack->mem_in_use;
    return h + 1;
}

void glass_free(struct glass_stack *stack, void *p)
{
    if (!p)
        return;
    struct mem_header *h = (struct mem_header *)p - 1;
    stack->mem_in_use -= sizeof(struct mem_header) + h->size;
    stack->mem_allocs--;
    free(h);
}

void *glass_realloc(struct glass_stack *stack, void *p, size_t size)
{
    if (!p)
        return glass_alloc(stack, size);
    struct mem_header *h = (struct mem_header *)p - 1;
    size_t old = h->size;
    if (size > old && stack->mem_limit && stack->mem_in_use + (size - old) > stack->mem_limit) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    struct mem_header *n = realloc(h, sizeof(struct mem_header) + size);
    if (!n) {
        STAT_INC(stack, mem, alloc_failed);
        return NULL;
    }
    n->size = size;
    stack->mem_in_use = stack->mem_in_use - old + size;
    if (stack->mem_in_use > stack->mem_peak)
        stack->mem_peak = stack->mem_in_use;
    return n + 1;
}
