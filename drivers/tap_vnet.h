/*
 * tap_vnet.h - the virtio-net header a TAP device with IFF_VNET_HDR puts
 * in front of every frame (struct virtio_net_hdr, linux/virtio_net.h;
 * the virtio 1.x spec, 5.1.6 "Device Operation").
 *
 *   byte 0  flags        NEEDS_CSUM (1): the transport checksum is partial,
 *                          complete it from csum_start, store at +csum_offset
 *                        DATA_VALID (2): the checksum was already checked
 *   byte 1  gso_type     NONE (0), TCPV4 (1), ... ; ECN (0x80) or'ed in
 *   2..3    hdr_len      length of the headers (Ethernet + IP + TCP)
 *   4..5    gso_size     payload bytes per segment once cut
 *   6..7    csum_start   from the start of the Ethernet frame
 *   8..9    csum_offset  of the checksum field from csum_start
 *
 * The 16-bit fields are little-endian: glass asks the device for that
 * (TUNSETVNETLE) and then reads and writes them byte by byte.
 *
 * Parsing and building are pure functions of bytes, so the unit tests
 * and the fuzzer feed them hostile headers without a device.
 */
#ifndef GLASS_TAP_VNET_H
#define GLASS_TAP_VNET_H

#include <stddef.h>
#include <stdint.h>

struct pkb;

#define TAP_VNET_HLEN 10

#define TAP_VNET_F_NEEDS_CSUM 1
#define TAP_VNET_F_DATA_VALID 2
#define TAP_VNET_GSO_NONE 0
#define TAP_VNET_GSO_TCPV4 1
#define TAP_VNET_GSO_ECN 0x80

struct tap_vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
};

/* Why a received header was refused (0: accepted). */
enum tap_vnet_error {
    TAP_VNET_OK = 0,
    TAP_VNET_SHORT,          /* fewer bytes than a header */
    TAP_VNET_BAD_FLAGS,      /* a flag bit we do not know */
    TAP_VNET_BAD_GSO_TYPE,   /* not NONE or TCPV4 (we asked for TSO4 only) */
    TAP_VNET_ECN,            /* TCPV4 with ECN: we never negotiate ECN */
    TAP_VNET_BAD_GSO_SIZE,   /* TCPV4 with gso_size 0 */
    TAP_VNET_BAD_HDR_LEN,    /* hdr_len past the frame */
    TAP_VNET_BAD_CSUM,       /* csum_start/offset: the field lies past the frame */
};
const char *tap_vnet_strerror(int err);

/* Decode the header at the front of hdr (hdr_len bytes available) for a
 * frame of frame_len bytes that follows it; TAP_VNET_OK or why not. */
int tap_vnet_parse(const uint8_t *hdr, size_t hdr_avail, size_t frame_len,
                   struct tap_vnet_hdr *out);

/* Mark a received frame (pkb->data = its Ethernet header) with what the
 * header says: checksum state and GSO size. */
void tap_vnet_apply(struct pkb *pkb, const struct tap_vnet_hdr *h);

/* The header for a frame we send (pkb->data = its Ethernet header):
 * NEEDS_CSUM for a PKB_CSUM_PARTIAL packet, TCPV4 with gso_size and
 * hdr_len for a super-segment, all zero otherwise.  Writes TAP_VNET_HLEN
 * bytes. */
void tap_vnet_build(uint8_t *hdr, const struct pkb *pkb);

#endif
