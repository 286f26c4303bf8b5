/*
 * mem.h - every allocation made on behalf of a stack is counted here, so
 * the stack can be bounded (mem_limit) and a test can prove that tearing
 * a stack down returned every byte.
 */
#ifndef GLASS_MEM_H
#define GLASS_MEM_H

#include <stddef.h>

struct glass_stack;

/* Zeroed memory charged to the stack; NULL when the stack's limit (or the
 * system) says no.  Callers treat NULL as "drop and count". */
void *glass_alloc(struct glass_stack *stack, size_t size);
void glass_free(struct glass_stack *stack, void *p);
/* Grow or shrink, like realloc; new bytes are NOT zeroed. */
void *glass_realloc(struct glass_stack *stack, void *p, size_t size);

#endif
