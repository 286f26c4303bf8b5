/* fuzz_dhcp: the DHCP options parser (RFC 2132: pad, end, type-length-
 * value; RFC 3396 long options not supported) on any bytes, in an exactly
 * sized heap buffer so over-reads show. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    struct dhcp_options o;
    memset(&o, 0, sizeof o);
    dhcp_parse_options(p, size, &o);
    free(p);
    return 0;
}
