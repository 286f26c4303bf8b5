/* fuzz_tcp_opts: the TCP options parser (RFC 9293 3.1, 3.2; RFC 7323;
 * RFC 2018) on any bytes up to the 40 the header allows, and a little
 * more to check it never reads past the length it is given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        size = 64;
    /* a heap copy of exactly `size` bytes: ASan sees any over-read */
    uint8_t *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    struct tcp_opts o;
    memset(&o, 0, sizeof o);
    int rc = tcp_opts_parse(p, size, &o);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == 0 && o.mss_present && size < 4)
        abort(); /* an MSS option takes 4 bytes (RFC 9293 3.2) */
    free(p);
    return 0;
}
