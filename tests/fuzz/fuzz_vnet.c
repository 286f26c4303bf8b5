/* fuzz_vnet: the virtio-net header of a TAP device with IFF_VNET_HDR
 * (drivers/tap_vnet.c) on any bytes: the first byte picks the frame
 * length the header is judged against, the rest is header and frame.  An
 * accepted header must describe the frame it came with (its checksum
 * field inside it, a GSO size when it is GSO), and marking a pkb with it
 * must leave the pkb's checksum position inside the pkb. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glass.h"
#include "pkb.h"
#include "tap_vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t frame_len = (size_t)data[0] * 16;
    data++;
    size--;
    /* a heap copy of exactly `size` bytes: ASan sees any over-read */
    uint8_t *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    struct tap_vnet_hdr h;
    int rc = tap_vnet_parse(p, size, frame_len, &h);
    if (rc == TAP_VNET_OK) {
        if (size < TAP_VNET_HLEN || h.hdr_len > frame_len)
            abort();
        if ((h.flags & TAP_VNET_F_NEEDS_CSUM) && (size_t)h.csum_start + h.csum_offset + 2 > frame_len)
            abort();
        if (h.gso_type != TAP_VNET_GSO_NONE && (h.gso_type != TAP_VNET_GSO_TCPV4 || !h.gso_size))
            abort();
        struct glass_stack *stack = glass_stack_new(NULL);
        struct pkb *pkb = stack ? pkb_alloc(stack, frame_len) : NULL;
        if (pkb) {
            pkb_put(pkb, frame_len);
            tap_vnet_apply(pkb, &h);
            if (pkb->csum == PKB_CSUM_PARTIAL &&
                pkb->head + pkb->csum_start + pkb->csum_off + 2 > pkb->tail)
                abort();
            uint8_t out[TAP_VNET_HLEN];
            tap_vnet_build(out, pkb); /* l4 unset: no GSO fields, no crash */
            pkb_free(stack, pkb);
        }
        if (stack && glass_stack_free(stack) != 0)
            abort();
    } else if (rc < 0 || rc > TAP_VNET_BAD_CSUM || !tap_vnet_strerror(rc)) {
        abort();
    }
    free(p);
    return 0;
}
