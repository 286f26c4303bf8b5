/*
 * mem.h - every allocation made on behalf of a stack is counted here, so
 * the stack can be bounded (mem_limit) and a test can prove that tearing
 * a stack down returned every byte.
 */
#ifndef GLASS_MEM_H
#define GLASS_MEM_H

#include <stdbool.h>
#include <stddef.h>

struct glass_stack;

/* Zeroed memory charged to the stack; NULL when the stack's limit (or the
 * system) says no.  Callers treat NULL as "drop and count". */
void *glass_alloc(struct glass_stack *stack, size_t size);
void glass_free(struct glass_stack *stack, void *p);
/* Like glass_alloc, but the memory is NOT zeroed: for packet buffers,
 * whose data area is always written before it is read (pkb.c). */
void *glass_alloc_uninit(struct glass_stack *stack, size_t size);
/* The size a block was allocated with. */
size_t glass_alloc_size(const void *p);
/* A cache (pkb.c's free list) keeps a block the stack no longer uses:
 * uncharge takes it off the stack's count (mem_in_use, mem_allocs), as
 * if freed; recharge puts it back on, false (and mem.alloc_failed) when
 * that would pass mem_limit; glass_free_uncharged releases an uncharged
 * block for good. */
void glass_mem_uncharge(struct glass_stack *stack, void *p);
bool glass_mem_recharge(struct glass_stack *stack, void *p);
void glass_free_uncharged(void *p);
/* Grow or shrink, like realloc; new bytes are NOT zeroed. */
void *glass_realloc(struct glass_stack *stack, void *p, size_t size);

#endif
