/*
 * drivers.h - how frames reach the stack from the outside world.
 *
 * A driver is a struct glass_netif_ops (stack/netif.h) plus an open
 * function that creates the interface with netif_new().  The stack core
 * knows nothing of TAP devices or loop wires: everything a driver needs to
 * know about its device stays in drivers/.
 *
 *   tap   a Linux TAP device (/dev/net/tun); tap.c
 *   loop  an in-memory wire joining stacks in one process, with seeded
 *         impairments for tests; loop.c (public API in glass.h)
 *   impair  the impairment engine (loss, duplication, reordering, delay)
 *         a driver may put on its link; impair.c, used by tap.c
 *
 * glass_netif_open() (glass.h) picks the driver by name.
 */
#ifndef GLASS_DRIVERS_H
#define GLASS_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "glass.h"

/* Attach to (or, with CAP_NET_ADMIN, create) the TAP device `name`.
 * Takes the stack lock while registering the interface.  On failure
 * returns NULL, sets errno and writes one sentence into err saying what
 * went wrong and what to do. */
/* offload: try IFF_VNET_HDR with checksum offload, GSO and TSO (plain
 * frames when the kernel refuses); false: plain frames, TUNSETOFFLOAD 0. */
struct glass_netif *tap_open(struct glass_stack *stack, const char *name, bool offload,
                             char *err, size_t errlen);

/* glass_netif_impair for a tap interface (stack lock held). */
int tap_impair(struct glass_netif *nif, const struct glass_impair *p);

/* Frames that may wait in one loop port's queue (like a NIC's ring);
 * copies beyond it count as lost. */
#define LOOP_QUEUE_MAX 1024

/* The driver of an interface, for display ("tap", "loop"). */
const char *driver_kind(const struct glass_netif *nif);

#endif
