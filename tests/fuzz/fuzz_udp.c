/* fuzz_udp: the input is one UDP message from the peer inside a correct
 * IPv4 header, its checksum (and for UDP its length) fixed unless the
 * last input byte is odd, so the fuzzer reaches the code behind them. */
#include <stdbool.h>
#include <stdint.h>

#include "fuzz_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_stack_begin();
    bool fix = size == 0 || !(data[size - 1] & 1);
    fuzz_input_l4(17, data, size, fix);
    fuzz_advance(2 * GLASS_USEC_PER_SEC);
    fuzz_stack_end();
    return 0;
}
