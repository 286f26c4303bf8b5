/* fuzz_arp: the input is an ARP packet (RFC 826) behind a correct
 * Ethernet header; requests for us, replies, gratuitous ARP, spoofing of
 * our own address all reach arp_input and the cache. */
#include <stdint.h>

#include "fuzz_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_stack_begin();
    fuzz_input_l3(0x0806, data, size);
    fuzz_advance(5 * GLASS_USEC_PER_SEC);
    fuzz_stack_end();
    return 0;
}
