/*
 * impair.h - a bad wire on demand: seeded loss, duplication, reordering
 * and delay for the frames of one interface, in both directions (what
 * Linux's netem qdisc does, for kernels that lack it, and on glass's side
 * of the cable so it hits what glass sends as well as what it receives).
 *
 * Two parts:
 *   the dice    impair_roll(): one frame's fate from a splitmix64 stream.
 *               The loop wire rolls the same dice, so one seed means the
 *               same thing on both.
 *   the link    struct impair: the dice plus two queues (received, to be
 *               sent) of frames waiting for their due time on the stack's
 *               clock, and a stack timer that hands them on when due.
 *
 * A driver that impairs (tap.c) passes each frame it reads to impair_rx()
 * and each frame it is asked to send to impair_tx(); frames that must wait
 * come back later through the deliver callback, in stack context.
 */
#ifndef GLASS_IMPAIR_H
#define GLASS_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "glass.h"
#include "pkb.h"
#include "timer.h"

/* ---- the dice ------------------------------------------------------------ */

struct impair_fate {
    bool lost, dup, held;
};

/* Roll lost, dup and held, in that order, each with its own draw: changing
 * one probability does not shift the others' draws. */
void impair_roll(uint64_t *prng, unsigned loss_ppm, unsigned dup_ppm, unsigned reorder_ppm,
                 struct impair_fate *f);

/* ---- the link --------------------------------------------------------------- */

enum impair_dir { IMPAIR_RX, IMPAIR_TX };

/* Frames a link may hold per direction (like a qdisc's limit); a frame
 * beyond it counts as lost. */
#define IMPAIR_QUEUE_MAX 4096

/* Hands a due frame on (consumes it): RX -> netif_input, TX -> the device. */
typedef void (*impair_deliver_fn)(struct glass_netif *nif, enum impair_dir dir, struct pkb *p);

struct impair {
    struct glass_netif *nif;
    struct glass_impair params;
    uint64_t prng;                      /* splitmix64 state */
    impair_deliver_fn deliver;
    struct pkb_queue q[2];              /* by due time (pkb->stamp), per direction */
    struct glass_timer timer;           /* at the earliest due time of both queues */
};

/* True when p asks for no impairment at all. */
bool impair_is_off(const struct glass_impair *p);

/* A link for nif (accounted on its stack; NULL when out of memory).
 * Stack context. */
struct impair *impair_new(struct glass_netif *nif, const struct glass_impair *p,
                          impair_deliver_fn deliver);
/* Cancel the timer and free every waiting frame (interface closing). */
void impair_free(struct impair *im);

/* A frame arrived (consumed): lost, or delivered now, or queued. */
void impair_rx(struct impair *im, struct pkb *frame);
/* A frame to send (not consumed): returns how many copies the caller puts
 * on the device now (0, 1 or 2); copies that must wait are queued. */
unsigned impair_tx(struct impair *im, const struct pkb *frame);

#endif
