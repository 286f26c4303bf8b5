/* fuzz_http: the HTTP/1.1 parsers of apps/http.c.  The first input byte
 * (mod 5) picks: 0 a request head (RFC 9112 3, 5), 1 a response head
 * (RFC 9112 4), 2 a chunked body fed in two pieces (RFC 9112 7.1), 3 a URL
 * (RFC 3986 3), 4 a Location resolved against a base (RFC 3986 5.2).  The
 * rest is the text, in an exactly sized heap buffer so over-reads show. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 5;
    data++;
    size--;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    switch (mode) {
    case 0: {
        static struct http_request req;
        int status = 0;
        ssize_t n = http_parse_request(buf, size, &req, &status);
        if (n > (ssize_t)size)
            abort();
        if (n > 0) {
            if (req.nfields > HTTP_MAX_FIELDS)
                abort();
            http_keep_alive(&req);
            uint64_t cl;
            http_content_length(req.fields, req.nfields, &cl);
            char path[HTTP_MAX_PATH + 1];
            int st = 0;
            if (http_target_path(req.target, path, sizeof path, &st) == 0)
                http_content_type(path);
        }
        break;
    }
    case 1: {
        static struct http_response resp;
        ssize_t n = http_parse_response(buf, size, &resp);
        if (n > (ssize_t)size)
            abort();
        if (n > 0) {
            if (resp.nfields > HTTP_MAX_FIELDS)
                abort();
            uint64_t cl;
            http_content_length(resp.fields, resp.nfields, &cl);
            http_body_framing(&resp, false, &cl);
        }
        break;
    }
    case 2: {
        /* fed in two pieces, as it arrives from the network */
        struct http_chunked c;
        http_chunked_init(&c);
        size_t half = size / 2, used = 0, off = 0;
        ssize_t n = http_chunked_decode(&c, buf, half, &used);
        if (n > (ssize_t)half || used > half)
            abort();
        if (n >= 0 && !c.done) {
            off = used;
            char *rest = buf + off;
            n = http_chunked_decode(&c, rest, size - off, &used);
            if (n > (ssize_t)(size - off) || used > size - off)
                abort();
        }
        break;
    }
    case 3: {
        static struct http_url u;
        char err[128];
        if (http_parse_url(buf, &u, err, sizeof err) == 0) {
            char out[HTTP_MAX_HOST + HTTP_MAX_REQUEST_LINE + 32];
            http_url_format(&u, out, sizeof out);
        }
        break;
    }
    default: {
        static struct http_url base, out;
        char err[128];
        if (http_parse_url("http://example.com:8080/a/b/c?q", &base, err, sizeof err) != 0)
            abort();
        http_resolve_location(&base, buf, &out, err, sizeof err);
        break;
    }
    }
    free(buf);
    return 0;
}
