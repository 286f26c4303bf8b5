/*
 * http.h - the small, careful pieces of HTTP/1.1 (RFC 9110 semantics,
 * RFC 9112 message syntax) that glass-httpd and glass-get share.
 *
 * Nothing here touches a socket: every function works on bytes the caller
 * already holds, so tests/unit/check_http.c can feed it every kind of
 * hostile input.  Parsers work in place: they write NULs into the caller's
 * buffer and hand back pointers into it, valid until the caller moves or
 * reuses those bytes.
 *
 * Server side:  http_parse_request, http_target_path, http_content_type,
 *               http_reason, http_response_head, http_keep_alive
 * Client side:  http_parse_url, http_resolve_location, http_parse_response,
 *               http_body_framing, struct http_chunked (incremental decoder)
 */
#ifndef GLASS_HTTP_H
#define GLASS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Limits: a request line longer than HTTP_MAX_REQUEST_LINE gets 414
 * (RFC 9112 3: "a server that receives a request-target longer than any
 * URI it wishes to parse MUST respond with a 414"); a header section
 * longer than HTTP_MAX_HEADER_BYTES, or with more than HTTP_MAX_FIELDS
 * lines, gets 400. */
#define HTTP_MAX_REQUEST_LINE 8192
#define HTTP_MAX_HEADER_BYTES 16384
#define HTTP_MAX_HEAD (HTTP_MAX_REQUEST_LINE + HTTP_MAX_HEADER_BYTES)
#define HTTP_MAX_FIELDS 100
#define HTTP_MAX_PATH 4096      /* a decoded path, root not included */

struct http_field {
    char *name;   /* as received (compare case-insensitively, RFC 9110 5.1) */
    char *value;  /* leading and trailing whitespace (OWS) removed */
};

struct http_request {
    char *method;     /* case-sensitive token, RFC 9110 9.1 */
    char *target;     /* request-target as received (not decoded) */
    int major, minor; /* HTTP-version */
    struct http_field fields[HTTP_MAX_FIELDS];
    unsigned nfields;
};

struct http_response {
    int major, minor;
    int status;       /* 100..999 */
    char *reason;     /* may be empty */
    struct http_field fields[HTTP_MAX_FIELDS];
    unsigned nfields;
};

/*
 * Parse one request head (request line and header section, RFC 9112 2-5)
 * from the first len bytes of buf.  Returns the length of the head
 * (through the empty line) when it is complete, 0 when more bytes are
 * needed (and none of the limits is exceeded yet), or -1 when the request
 * must be refused; *status then holds 400, 414 or 505.  Only the returned
 * head is modified.
 */
ssize_t http_parse_request(char *buf, size_t len, struct http_request *req, int *status);

/* The same for a response head (RFC 9112 4) on the client side; -1 means
 * a malformed or oversized head. */
ssize_t http_parse_response(char *buf, size_t len, struct http_response *resp);

/* The value of the first field called name, or NULL. */
const char *http_field_get(const struct http_field *fields, unsigned n, const char *name);
/* How many fields are called name. */
unsigned http_field_count(const struct http_field *fields, unsigned n, const char *name);
/* Does a comma-separated list field (Connection, Transfer-Encoding) hold
 * token (case-insensitive)? */
bool http_list_has(const char *value, const char *token);

/* RFC 9112 9.3: HTTP/1.1 persists unless "Connection: close"; HTTP/1.0
 * persists only with "Connection: keep-alive". */
bool http_keep_alive(const struct http_request *req);

/*
 * RFC 9110 8.6 / RFC 9112 6.3: the Content-Length of a message.  Returns
 * 1 and *len when there is one valid value (a list of identical values
 * counts as one), 0 when there is none, -1 when it is invalid (not
 * digits, conflicting values, too large).
 */
int http_content_length(const struct http_field *fields, unsigned n, uint64_t *len);

/* How a response body is delimited (RFC 9112 6.3). */
enum http_framing {
    HTTP_BODY_NONE,     /* HEAD, 1xx, 204, 304 */
    HTTP_BODY_CHUNKED,  /* Transfer-Encoding ends in chunked */
    HTTP_BODY_LENGTH,   /* Content-Length: *len bytes */
    HTTP_BODY_CLOSE,    /* until the server closes */
    HTTP_BODY_INVALID,  /* a bad Content-Length or an unknown coding */
};
enum http_framing http_body_framing(const struct http_response *resp, bool head_request,
                                    uint64_t *len);

/*
 * Map a request-target to a path below the document root (without it):
 * origin-form "/a/b?q" or absolute-form "http://host/a/b" (RFC 9112 3.2).
 * The query is dropped, %XX escapes are decoded (RFC 3986 2.1) and only
 * then are "." and ".." segments removed (RFC 3986 5.2.4), so an encoded
 * "%2e%2e" cannot slip past.  Refused with 400: a target of another form,
 * a bad escape, a NUL or control byte, a backslash, a ".." that would
 * climb above the root, a result longer than outlen.  Returns 0 and a path
 * that starts with '/' (and keeps a trailing '/'), or -1 with *status.
 */
int http_target_path(const char *target, char *out, size_t outlen, int *status);

/* "text/html; charset=utf-8" for "index.html"; application/octet-stream
 * for what it does not know. */
const char *http_content_type(const char *path);
/* RFC 9110 15 reason phrase: "Not Found" for 404; "Unknown" otherwise. */
const char *http_reason(int status);

/* What goes into a response head besides the status line. */
struct http_head_opts {
    const char *content_type;   /* NULL: no Content-Type */
    int64_t content_length;     /* < 0: no Content-Length */
    bool keep_alive;            /* false: "Connection: close" */
    const char *allow;          /* 405: "GET, HEAD" */
    const char *location;       /* 3xx */
    time_t last_modified;       /* 0: none */
    time_t date;                /* 0: now */
};
/* Writes "HTTP/1.1 200 OK\r\n...\r\n\r\n" into buf; returns its length, or
 * -1 when cap is too small. */
int http_response_head(char *buf, size_t cap, int status, const struct http_head_opts *o);
/* An IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". */
void http_date(time_t t, char *buf, size_t cap);

/* ---- the client's pieces ------------------------------------------------- */

#define HTTP_MAX_HOST 256

struct http_url {
    char host[HTTP_MAX_HOST];   /* a name or a dotted quad */
    unsigned port;              /* 80 when not given */
    char path[HTTP_MAX_REQUEST_LINE]; /* origin-form: "/" at least, query kept */
};
/* Parse "http://host[:port][/path][?query][#fragment]" (RFC 3986 3, the
 * scheme case-insensitive).  Returns 0, or -1 and a reason in err. */
int http_parse_url(const char *url, struct http_url *u, char *err, size_t errlen);
/* A Location value (RFC 9110 10.2.2) against the URL it came from: an
 * absolute "http://" URL, "//host/path", "/path" or a relative path
 * (RFC 3986 5.2).  Returns 0, or -1 and a reason in err. */
int http_resolve_location(const struct http_url *base, const char *location, struct http_url *out,
                          char *err, size_t errlen);
/* "http://host[:port]/path" back again, for messages. */
void http_url_format(const struct http_url *u, char *buf, size_t cap);

/*
 * RFC 9112 7.1 chunked transfer coding, decoded incrementally and in
 * place: feed it whatever arrived; it moves the data bytes to the front
 * of buf and says how much input it used.  Bytes it did not use (a chunk
 * size line cut in half) must be fed again, with more after them.
 */
struct http_chunked {
    int state;
    uint64_t remaining;   /* data bytes left in the current chunk */
    size_t line;          /* bytes of the current size or trailer line */
    size_t trailer;       /* bytes of trailer section so far */
    bool done;            /* the last chunk and the trailers are through */
};
void http_chunked_init(struct http_chunked *c);
/* Returns the number of data bytes now at buf[0..), -1 on malformed input;
 * *used = input bytes consumed (all of them unless a line is incomplete or
 * the body ended: bytes after the end are not consumed). */
ssize_t http_chunked_decode(struct http_chunked *c, char *buf, size_t len, size_t *used);

#endif
