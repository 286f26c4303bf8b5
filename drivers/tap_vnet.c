/*
 * tap_vnet.c - read and write the virtio-net header of a TAP device with
 * IFF_VNET_HDR (see tap_vnet.h for the layout).
 *
 * Receiving, the header is the kernel's word about the frame behind it:
 *   - DATA_VALID: the kernel already verified the transport checksum;
 *   - NEEDS_CSUM: the frame came from a local sender and its checksum
 *     field holds only the pseudo-header sum.  The data never crossed a
 *     wire, so it is intact: trust it (Linux does the same for
 *     CHECKSUM_PARTIAL skbs it loops to itself);
 *   - gso_type TCPV4: one TCP segment of many MSS in one frame, up to
 *     64 KiB, larger than the MTU: we take it as one big segment.
 * Anything we did not ask for (TCPv6, UDP, ECN, unknown flags) or that
 * does not fit the frame is refused; the caller drops and counts it.
 */
#include "tap_vnet.h"

#include <stdbool.h>

#include "pkb.h"
#include "tcp.h"

static uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

const char *tap_vnet_strerror(int err)
{
    switch (err) {
    case TAP_VNET_OK: return "ok";
    case TAP_VNET_SHORT: return "shorter than a vnet header";
    case TAP_VNET_BAD_FLAGS: return "unknown flags";
    case TAP_VNET_BAD_GSO_TYPE: return "gso_type not TCPv4";
    case TAP_VNET_ECN: return "GSO with ECN";
    case TAP_VNET_BAD_GSO_SIZE: return "GSO with gso_size 0";
    case TAP_VNET_BAD_HDR_LEN: return "hdr_len past the frame";
    case TAP_VNET_BAD_CSUM: return "checksum position past the frame";
    default: return "?";
    }
}

int tap_vnet_parse(const uint8_t *hdr, size_t hdr_avail, size_t frame_len,
                   struct tap_vnet_hdr *out)
{
    if (hdr_avail < TAP_VNET_HLEN)
        return TAP_VNET_SHORT;
    struct tap_vnet_hdr h = {
        .flags = hdr[0],
        .gso_type = hdr[1],
        .hdr_len = get_le16(hdr + 2),
        .gso_size = get_le16(hdr + 4),
        .csum_start = get_le16(hdr + 6),
        .csum_offset = get_le16(hdr + 8),
    };
    if (h.flags & ~(TAP_VNET_F_NEEDS_CSUM | TAP_VNET_F_DATA_VALID))
        return TAP_VNET_BAD_FLAGS;
    if (h.gso_type & TAP_VNET_GSO_ECN)
        return TAP_VNET_ECN;
    if (h.gso_type != TAP_VNET_GSO_NONE && h.gso_type != TAP_VNET_GSO_TCPV4)
        return TAP_VNET_BAD_GSO_TYPE;
    if (h.gso_type == TAP_VNET_GSO_TCPV4 && h.gso_size == 0)
        return TAP_VNET_BAD_GSO_SIZE;
    if (h.hdr_len > frame_len)
        return TAP_VNET_BAD_HDR_LEN;
    /* The 2-byte field must lie inside the frame (csum_start counts from
     * the Ethernet header, so it cannot be 0 either). */
    if ((h.flags & TAP_VNET_F_NEEDS_CSUM) &&
        (h.csum_start == 0 || (size_t)h.csum_start + h.csum_offset + 2 > frame_len))
        return TAP_VNET_BAD_CSUM;
    *out = h;
    return TAP_VNET_OK;
}

void tap_vnet_apply(struct pkb *pkb, const struct tap_vnet_hdr *h)
{
    size_t base = pkb_headroom(pkb);
    pkb->csum = PKB_CSUM_NONE;
    if (h->flags & TAP_VNET_F_NEEDS_CSUM) {
        pkb->csum = PKB_CSUM_PARTIAL;
        pkb->csum_start = (uint16_t)(base + h->csum_start);
        pkb->csum_off = h->csum_offset;
    } else if (h->flags & TAP_VNET_F_DATA_VALID) {
        pkb->csum = PKB_CSUM_VERIFIED;
    }
    pkb->gso_size = h->gso_type == TAP_VNET_GSO_TCPV4 ? h->gso_size : 0;
}

void tap_vnet_build(uint8_t *hdr, const struct pkb *pkb)
{
    size_t base = pkb_headroom(pkb);
    for (int i = 0; i < TAP_VNET_HLEN; i++)
        hdr[i] = 0;
    if (pkb->csum == PKB_CSUM_PARTIAL && pkb->csum_start >= base) {
        hdr[0] = TAP_VNET_F_NEEDS_CSUM;
        put_le16(hdr + 6, (uint16_t)(pkb->csum_start - base));
        put_le16(hdr + 8, pkb->csum_off);
    }
    const uint8_t *t = pkb_l4(pkb);
    if (pkb->gso_size && t && t >= pkb->data && t + TCP_HLEN <= pkb->tail) {
        size_t hdr_len = (size_t)(t - pkb->data) + (size_t)(t[TCP_OFF_DOFF] >> 4) * 4;
        hdr[1] = TAP_VNET_GSO_TCPV4;
        put_le16(hdr + 2, (uint16_t)hdr_len);
        put_le16(hdr + 4, pkb->gso_size);
    }
}
