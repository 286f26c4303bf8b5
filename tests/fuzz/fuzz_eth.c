/* fuzz_eth: one raw frame into eth_input via the interface (RFC 894
 * framing: any length, any ethertype, any addresses). */
#include <stdint.h>

#include "fuzz_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_stack_begin();
    fuzz_input_frame(data, size);
    fuzz_stack_end();
    return 0;
}
