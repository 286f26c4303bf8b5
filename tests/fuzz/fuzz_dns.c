/* fuzz_dns: DNS messages (RFC 1035 4.1: header, question, resource
 * records, name compression 4.1.4) through dns_parse, then every parsed
 * TXT record formatted and the result matched against a question. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *msg = malloc(size ? size : 1); /* exact size: over-reads show */
    static struct dns_msg m;
    if (!msg)
        return 0;
    memcpy(msg, data, size);
    const char *why = NULL;
    if (dns_parse(msg, size, &m, &why) == 0) {
        if (m.nanswer > DNS_MAX_RR || m.nauthority > DNS_MAX_RR)
            abort();
        if (strnlen(m.qname, DNS_NAME_STRLEN) == DNS_NAME_STRLEN)
            abort();
        char buf[512];
        for (unsigned i = 0; i < m.nanswer; i++) {
            if (strnlen(m.answer[i].name, DNS_NAME_STRLEN) == DNS_NAME_STRLEN)
                abort();
            if (m.answer[i].type == 16) /* TXT */
                dns_txt_format(&m.answer[i], buf, sizeof buf);
            dns_type_name(m.answer[i].type);
        }
        dns_match(&m, m.id, m.qname, m.qtype, &why);
    }
    free(msg);
    return 0;
}
