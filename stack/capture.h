/*
 * capture.h - every frame in and out, written with libpcap so Wireshark
 * and tshark open it (or read it live from a pipe): one file per
 * interface (capture.c says how they are named).
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

/* Called by netif_new/netif_destroy when a capture is open: the new
 * interface gets its file (the user's own if it is the first), a removed
 * one's file is closed. */
void capture_netif_added(struct glass_stack *stack, const struct glass_netif *nif);
void capture_netif_removed(struct glass_stack *stack, const struct glass_netif *nif);

/* The file of a non-first interface: path with ".IFNAME" before its
 * extension (out.pcap + tapB -> out.tapB.pcap; out -> out.tapB).  Writes
 * it to buf when it fits (else buf = ""), returns the length it needs
 * without the terminating NUL. */
size_t capture_derived_path(char *buf, size_t len, const char *path, const char *ifname);

#endif
