/* fuzz_ipv4: IPv4 datagrams (RFC 791: header, options, fragments) with a
 * correct header checksum, so the fuzzer gets past it to the length
 * checks, options (RFC 791 3.1, source routes RFC 1812 5.2.4) and
 * reassembly (RFC 815).  The input is records: u16 length (big-endian),
 * u8 time advance (ms), then the datagram; several fragments of one
 * datagram reach the reassembly queue in one run. */
#include <stdint.h>
#include <string.h>

#include "fuzz_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t ip[65536];
    fuzz_stack_begin();
    for (int records = 0; size >= 3 && records < 64; records++) {
        size_t len = (size_t)data[0] << 8 | data[1];
        unsigned dt = data[2];
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        if (dt)
            fuzz_advance((glass_time_t)dt * 1000);
        memcpy(ip, data, len);
        if (len >= 20) {
            /* only the header checksum; transport checksums stay as given
             * unless the datagram asks (TOS bit 0) */
            if (ip[1] & 1) {
                fuzz_fix_ipv4(ip, len);
            } else if ((size_t)(ip[0] & 15) * 4 >= 20 && (size_t)(ip[0] & 15) * 4 <= len) {
                size_t hlen = (size_t)(ip[0] & 15) * 4;
                static uint8_t save[65536];
                size_t rest = len - hlen;
                memcpy(save, ip + hlen, rest);
                fuzz_fix_ipv4(ip, len);
                memcpy(ip + hlen, save, rest);
            }
        }
        fuzz_input_l3(0x0800, ip, len);
        data += len;
        size -= len;
    }
    fuzz_stack_end();
    return 0;
}
