/* tests/fuzz/fuzz_stack.h - the stack every wire-input fuzz harness feeds.
 *
 * A fresh glass stack per input on a virtual clock, one fake interface
 * (10.0.0.2/24, MTU 1500) whose transmit re-parses and checks every frame
 * the stack emits (lengths, IPv4/TCP/UDP/ICMP checksums, nothing over the
 * MTU) and aborts on a bad one; a static ARP entry for the peer 10.0.0.1,
 * a listening TCP socket (port 80), a connected TCP socket (to the peer's
 * port 9000, handshake done with crafted frames), an accepted one and a
 * bound UDP socket (port 53).  fuzz_stack_end() runs 120 virtual seconds
 * of timers, closes everything and aborts unless glass_stack_free()
 * reports all memory returned. */
#ifndef GLASS_FUZZ_STACK_H
#define GLASS_FUZZ_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glass.h"

#define FUZZ_OUR_IP 0x0200000au  /* 10.0.0.2 in network order (LE host) */
#define FUZZ_PEER_IP 0x0100000au /* 10.0.0.1 */
#define FUZZ_MTU 1500u
extern const uint8_t fuzz_our_mac[6], fuzz_peer_mac[6];

void fuzz_stack_begin(void);
void fuzz_stack_end(void);
/* Run timers and queued work for `usec` of virtual time. */
void fuzz_advance(glass_time_t usec);
/* Hand one whole Ethernet frame to the interface, then poll once. */
void fuzz_input_frame(const uint8_t *frame, size_t len);
/* Wrap `l3` in an Ethernet header (peer -> us, type `ethertype`). */
void fuzz_input_l3(uint16_t ethertype, const uint8_t *l3, size_t len);
/* Wrap `l4` in a 20-byte IPv4 header from the peer to us with a correct
 * header checksum; with fix_l4, set the UDP length and fix the UDP, TCP or
 * ICMP checksum too so the fuzzer reaches the code behind it. */
void fuzz_input_l4(uint8_t proto, const uint8_t *l4, size_t len, bool fix_l4);
/* What the applications do between frames (bits of `ops`): 1 read and
 * accept whatever is there, 2 send 1000 bytes on both TCP connections,
 * 4 shut them down for writing (FIN), 8 close them. */
void fuzz_sockets(unsigned ops);
/* Fix the checksums of an IPv4 packet in place (header, and when it is
 * not a fragment the TCP/UDP/ICMP checksum over what the lengths say). */
void fuzz_fix_ipv4(uint8_t *ip, size_t len);

#endif
