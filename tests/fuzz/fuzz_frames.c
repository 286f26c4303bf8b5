/* fuzz_frames: whole Ethernet frames into a stack with live sockets.
 *
 * The input is a sequence of records, fed in order:
 *   u16 length (big-endian), u8 time advance, u8 flags, `length` frame bytes
 * Time advance t: t < 128 -> t ms, else (t - 127) * 250 ms (up to ~32 s).
 * Flag bit 0: fix the IPv4 header and TCP/UDP/ICMP checksums first, so
 * mutations reach the code behind checksum verification.  Bits 1-4,
 * after the frame: what the applications do (fuzz_sockets).  After the last
 * record, 120 virtual seconds of timers run; every frame emitted is checked
 * and all memory must come back (fuzz_stack.h). */
#include <stdint.h>
#include <string.h>

#include "fuzz_stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[65536];
    fuzz_stack_begin();
    for (int records = 0; size >= 4 && records < 256; records++) {
        size_t len = (size_t)data[0] << 8 | data[1];
        unsigned dt = data[2], flags = data[3];
        data += 4;
        size -= 4;
        if (len > size)
            len = size;
        if (dt)
            fuzz_advance(dt < 128 ? (glass_time_t)dt * 1000 : (glass_time_t)(dt - 127) * 250000);
        memcpy(frame, data, len);
        if ((flags & 1) && len >= 14 + 20 && frame[12] == 0x08 && frame[13] == 0x00)
            fuzz_fix_ipv4(frame + 14, len - 14);
        fuzz_input_frame(frame, len);
        if (flags >> 1)
            fuzz_sockets(flags >> 1);
        data += len;
        size -= len;
    }
    fuzz_stack_end();
    return 0;
}
