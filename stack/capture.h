/*
 * capture.h - every frame in and out, written with libpcap so Wireshark
 * and tshark open it (or read it live from a pipe).
 */
#ifndef GLASS_CAPTURE_H
#define GLASS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct glass_stack;
struct glass_netif;

/* Called by netif_input/netif_output for each frame when a capture is open. */
void capture_frame(struct glass_stack *stack, const struct glass_netif *nif,
                   const uint8_t *frame, size_t len);

#endif
