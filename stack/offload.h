/*
 * offload.h - checksum and segmentation offloads, device-independent.
 *
 * A driver whose device computes checksums or cuts TCP super-segments
 * (a tap with IFF_VNET_HDR, drivers/tap_vnet.c) says so in netif->features
 * and marks received pkbs (pkb->csum, pkb->gso_size).  This file is the
 * stack's side of that contract:
 *   - receive: may a transport checksum be left unverified?
 *   - send: a packet that needs what its interface cannot do (a partial
 *     checksum on a plain link, after forwarding or fragmenting) is
 *     finished here in software, as Linux's skb_checksum_help() does.
 * docs/tcp.md "Offloads" tells the whole story.
 */
#ifndef GLASS_OFFLOAD_H
#define GLASS_OFFLOAD_H

#include <stdbool.h>

#include "glass.h"

struct pkb;

/* Receive (pkb->data = the transport header): true when the device
 * vouched for this packet's TCP/UDP checksum -- verified it, or the
 * packet came from a local sender with the checksum still partial and
 * the data never crossed a wire.  Counted (link.csum_trusted). */
bool offload_csum_trusted(struct glass_stack *stack, const struct pkb *pkb);

/* Fill in a PKB_CSUM_PARTIAL checksum: the RFC 1071 sum from csum_start
 * to the end (the field holds the pseudo-header sum already), stored at
 * csum_start + csum_off.  Then the packet is PKB_CSUM_NONE: complete. */
void offload_csum_complete(struct glass_stack *stack, struct pkb *pkb);

/* Send (pkb->data = the TCP header, gso_size set): does every wire
 * segment the device will cut fit mtu (IPv4 header + TCP header +
 * gso_size), and the whole datagram the IPv4 total length? */
bool offload_gso_fits(const struct pkb *pkb, unsigned mtu);

/* netif_output's hook, before the capture and the driver: finish in
 * software what nif cannot do.  0, or a negative errno when the packet
 * cannot go (a super-segment on an interface without TSO: netif_output
 * hands those to offload_gso_output first, so only a bug lands here). */
int offload_tx_prepare(struct glass_netif *nif, struct pkb *pkb);

/* ---- software GSO (offload_gso.c) ---------------------------------------- */
struct pkb_queue;

/* Cut the TCPv4 super-segment pkb (gso_size set; pkb->data = the first
 * header copied onto every segment, Ethernet or IPv4; pkb->l3 = its IPv4
 * header) into wire segments of gso_size text each, in order, into *out,
 * as Linux's skb_gso_segment does.  partial: leave each TCP checksum
 * partial for a device that completes it.  pkb is not changed; the caller
 * frees it.  0, or -EINVAL (malformed, bad checksum) / -ENOBUFS, counted
 * (link.gso_sw_bad) and traced, *out untouched. */
int offload_gso_segment(struct glass_stack *stack, const struct pkb *pkb, bool partial,
                        struct pkb_queue *out);

/* The IPv4 length of the largest wire segment pkb (pkb->data = its IPv4
 * header) becomes: what must fit the next hop's MTU (RFC 1191 4). */
size_t offload_gso_wire_len(const struct pkb *pkb);

/* netif_output's hook for a super-segment on a link without TSO4: cut in
 * software and send each segment; consumes pkb.  0 or a negative errno. */
int offload_gso_output(struct glass_netif *nif, struct pkb *pkb);

#endif
