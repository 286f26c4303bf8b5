/*
 * eth.h - Ethernet II framing (IEEE 802.3 with a type field, RFC 894 for
 * IPv4 over Ethernet).
 */
#ifndef GLASS_ETH_H
#define GLASS_ETH_H

#include <stdint.h>

struct glass_netif;
struct pkb;

#define ETH_ALEN 6
#define ETH_HLEN 14             /* dst, src, type */
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806

extern const uint8_t eth_broadcast_addr[ETH_ALEN];

/* pkb data starts at the Ethernet header; consumes pkb. */
void eth_input(struct glass_netif *nif, struct pkb *pkb);
/* Prepend the Ethernet header and send; consumes pkb.  0 or -errno. */
int eth_output(struct glass_netif *nif, struct pkb *pkb, const uint8_t dst[ETH_ALEN],
               uint16_t ethertype);

#endif
