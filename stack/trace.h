/*
 * trace.h - one line per protocol decision, switchable per layer at run
 * time (--trace arp,tcp).  Lines read like the protocol, e.g.
 *     0.012345 arp   queue 10.0.0.1 (2 waiting)
 *     0.013000 ipv4  drop: header checksum 0x1a2b != 0x1a2c
 */
#ifndef GLASS_TRACE_H
#define GLASS_TRACE_H

#include "glass.h"
#include "stack.h"

void trace_emit(struct glass_stack *stack, unsigned layer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The test is inline so an untraced layer costs one branch. */
#define TRACE(stack, layer, ...)                                                                   \
    do {                                                                                           \
        if ((stack)->trace_mask & (layer))                                                         \
            trace_emit((stack), (layer), __VA_ARGS__);                                             \
    } while (0)

#endif
