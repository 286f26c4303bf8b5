/*
 * http.c - HTTP/1.1 message pieces for glass-httpd and glass-get.
 *
 * RFC 9112 gives the syntax (request line, status line, field lines,
 * chunked coding), RFC 9110 the meaning (methods, status codes,
 * Content-Length, Connection), RFC 3986 the URI rules (percent-encoding,
 * dot segments, reference resolution).  The parsers are strict where
 * leniency has been a source of request smuggling (whitespace before a
 * colon, obsolete line folding, conflicting Content-Length) and lenient
 * where the RFC asks for it (a bare LF ends a line, RFC 9112 2.2; empty
 * lines before a request line are skipped).
 */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- characters (RFC 9110 5.6.2) -------------------------------------------- */

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- lines -------------------------------------------------------------------- */

/* The end of the line starting at p (the CR of CRLF, or a bare LF), or
 * NULL when no LF is within the n bytes. */
static char *line_end(char *p, size_t n)
{
    char *lf = memchr(p, '\n', n);

    if (!lf)
        return NULL;
    if (lf > p && lf[-1] == '\r')
        return lf - 1;
    return lf;
}

/* Past the line terminator at e (CRLF or LF). */
static char *after_eol(char *e)
{
    return e + (*e == '\r' ? 2 : 1);
}

/* The whole head is [buf, *head_len) when a blank line ends it within
 * max bytes: 1; 0 when incomplete and still under max; -1 when over. */
static int find_head_end(const char *buf, size_t len, size_t max, size_t *head_len)
{
    size_t lim = len < max ? len : max;

    for (size_t i = 0; i < lim; i++) {
        if (buf[i] != '\n')
            continue;
        /* An empty line: LF LF, or LF CR LF. */
        if (i + 1 < len && buf[i + 1] == '\n') {
            *head_len = i + 2;
            return *head_len <= max ? 1 : -1;
        }
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
            *head_len = i + 3;
            return *head_len <= max ? 1 : -1;
        }
    }
    return len >= max ? -1 : 0;
}

/* Field lines (RFC 9112 5) from p to end, each NUL-terminated in place.
 * field-line = field-name ":" OWS field-value OWS.  No whitespace between
 * name and colon (RFC 9112 5.1: MUST reject with 400), no obs-fold
 * (RFC 9112 5.2: a server MUST reject it or replace it; we reject), no NUL
 * or bare CR in a value (RFC 9110 5.5). */
static int parse_fields(char *p, char *end, struct http_field *fields, unsigned *nfields)
{
    *nfields = 0;
    while (p < end) {
        char *e = line_end(p, (size_t)(end - p));
        char *colon, *v, *ve, *next;

        if (!e)
            return -1;
        if (e == p)
            return 0; /* the empty line: the end of the section */
        next = after_eol(e);
        if (is_ows(*p))
            return -1; /* obs-fold */
        if (*nfields == HTTP_MAX_FIELDS)
            return -1;
        *e = '\0';
        colon = strchr(p, ':');
        if (!colon)
            return -1;
        *colon = '\0';
        if (!is_token(p))
            return -1;
        for (v = colon + 1; is_ows(*v); v++)
            ;
        for (ve = e; ve > v && is_ows(ve[-1]); ve--)
            ;
        *ve = '\0';
        for (char *c = v; c < ve; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                return -1;
        if ((size_t)(ve - v) != strlen(v))
            return -1; /* a NUL inside the value */
        fields[*nfields].name = p;
        fields[*nfields].value = v;
        (*nfields)++;
        p = next;
    }
    return -1;
}

/* "HTTP/1.1" -> 1, 1 (RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT). */
static int parse_version(const char *s, int *major, int *minor)
{
    if (strncmp(s, "HTTP/", 5) != 0 || !isdigit((unsigned char)s[5]) || s[6] != '.' ||
        !isdigit((unsigned char)s[7]) || s[8] != '\0')
        return -1;
    *major = s[5] - '0';
    *minor = s[7] - '0';
    return 0;
}

/* ---- requests (RFC 9112 3) ---------------------------------------------------------- */

ssize_t http_parse_request(char *buf, size_t len, struct http_request *req, int *status)
{
    size_t skip = 0, head_len, line_len;
    char *start, *e, *sp1, *sp2, *fields;
    int r;

    memset(req, 0, sizeof(*req));
    *status = 400;
    /* RFC 9112 2.2: "SHOULD ignore at least one empty line (CRLF)
     * received prior to the request-line". */
    while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n')) {
        if (buf[skip] == '\r' && (skip + 1 >= len || buf[skip + 1] != '\n'))
            break;
        skip += buf[skip] == '\r' ? 2 : 1;
        if (skip > 64)
            return -1;
    }
    start = buf + skip;
    /* The request line first, so an overlong target says 414, not 400. */
    e = line_end(start, len - skip);
    line_len = e ? (size_t)(e - start) : len - skip;
    if (line_len > HTTP_MAX_REQUEST_LINE) {
        *status = 414;
        return -1;
    }
    if (!e)
        return 0;
    r = find_head_end(start, len - skip, line_len + 2 + HTTP_MAX_HEADER_BYTES, &head_len);
    if (r == 0)
        return 0;
    if (r < 0)
        return -1;
    fields = after_eol(e);
    *e = '\0';
    /* request-line = method SP request-target SP HTTP-version: one space
     * each, none elsewhere (RFC 9112 3). */
    sp1 = strchr(start, ' ');
    if (!sp1)
        return -1;
    *sp1 = '\0';
    sp2 = strchr(sp1 + 1, ' ');
    if (!sp2)
        return -1;
    *sp2 = '\0';
    req->method = start;
    req->target = sp1 + 1;
    if (!is_token(req->method) || !*req->target || strchr(sp2 + 1, ' '))
        return -1;
    for (const char *c = req->target; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return -1;
    if (parse_version(sp2 + 1, &req->major, &req->minor) < 0)
        return -1;
    if (parse_fields(fields, start + head_len, req->fields, &req->nfields) < 0)
        return -1;
    /* RFC 9110 2.5: a major version we do not speak gets 505. */
    if (req->major != 1) {
        *status = 505;
        return -1;
    }
    /* RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status
     * code to any HTTP/1.1 request message that lacks a Host header field
     * and to any request message that contains more than one". */
    {
        unsigned hosts = http_field_count(req->fields, req->nfields, "Host");
        if (hosts > 1 || (hosts == 0 && req->minor >= 1))
            return -1;
    }
    *status = 0;
    return (ssize_t)(skip + head_len);
}

/* ---- responses (RFC 9112 4) -------------------------------------------------------- */

ssize_t http_parse_response(char *buf, size_t len, struct http_response *resp)
{
    size_t head_len;
    char *e, *p, *fields;
    int r;

    memset(resp, 0, sizeof(*resp));
    r = find_head_end(buf, len, HTTP_MAX_HEAD, &head_len);
    if (r <= 0)
        return r;
    e = line_end(buf, head_len);
    fields = after_eol(e);
    *e = '\0';
    /* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
    if (strlen(buf) < 12 || buf[8] != ' ')
        return -1;
    buf[8] = '\0';
    if (parse_version(buf, &resp->major, &resp->minor) < 0 || resp->major != 1)
        return -1;
    p = buf + 9;
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]) || (p[3] != ' ' && p[3] != '\0'))
        return -1;
    resp->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (resp->status < 100)
        return -1;
    resp->reason = p[3] ? p + 4 : p + 3;
    if (parse_fields(fields, buf + head_len, resp->fields, &resp->nfields) < 0)
        return -1;
    return (ssize_t)head_len;
}

/* ---- fields ---------------------------------------------------------------------------- */

const char *http_field_get(const struct http_field *fields, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcasecmp(fields[i].name, name) == 0)
            return fields[i].value;
    return NULL;
}

unsigned http_field_count(const struct http_field *fields, unsigned n, const char *name)
{
    unsigned count = 0;

    for (unsigned i = 0; i < n; i++)
        if (strcasecmp(fields[i].name, name) == 0)
            count++;
    return count;
}

bool http_list_has(const char *value, const char *token)
{
    size_t tlen = strlen(token);

    while (value && *value) {
        const char *end;
        size_t n;

        while (*value == ',' || is_ows(*value))
            value++;
        end = value;
        while (*end && *end != ',')
            end++;
        n = (size_t)(end - value);
        while (n && is_ows(value[n - 1]))
            n--;
        if (n == tlen && strncasecmp(value, token, n) == 0)
            return true;
        value = end;
    }
    return false;
}

bool http_keep_alive(const struct http_request *req)
{
    bool close = false, keep = false;

    /* Several Connection fields make one list (RFC 9110 5.3). */
    for (unsigned i = 0; i < req->nfields; i++) {
        if (strcasecmp(req->fields[i].name, "Connection") != 0)
            continue;
        close |= http_list_has(req->fields[i].value, "close");
        keep |= http_list_has(req->fields[i].value, "keep-alive");
    }
    if (close)
        return false;
    if (req->major == 1 && req->minor == 0)
        return keep;
    return true;
}

/* One Content-Length value: "123" or a list "123, 123". */
static int parse_length_list(const char *v, uint64_t *len, bool *have)
{
    while (*v) {
        uint64_t n = 0;
        int digits = 0;

        while (is_ows(*v))
            v++;
        for (; isdigit((unsigned char)*v); v++, digits++) {
            if (n > (UINT64_MAX - 9) / 10 || digits > 18)
                return -1;
            n = n * 10 + (uint64_t)(*v - '0');
        }
        while (is_ows(*v))
            v++;
        if (!digits || (*v && *v != ','))
            return -1;
        if (*have && n != *len)
            return -1;
        *len = n;
        *have = true;
        if (*v == ',')
            v++;
    }
    return 0;
}

int http_content_length(const struct http_field *fields, unsigned n, uint64_t *len)
{
    bool have = false;

    /* RFC 9110 8.6: Content-Length = 1*DIGIT; a list of identical values
     * may be taken as one; differing values make the message invalid
     * (RFC 9112 6.3 step 5). */
    for (unsigned i = 0; i < n; i++) {
        if (strcasecmp(fields[i].name, "Content-Length") != 0)
            continue;
        if (parse_length_list(fields[i].value, len, &have) < 0 || !have)
            return -1;
    }
    return have ? 1 : 0;
}

/* Does the last transfer coding of every Transfer-Encoding field end in
 * "chunked"?  Returns 1 yes, 0 no Transfer-Encoding, -1 another coding. */
static int transfer_chunked(const struct http_response *resp)
{
    const char *last = NULL;

    for (unsigned i = 0; i < resp->nfields; i++)
        if (strcasecmp(resp->fields[i].name, "Transfer-Encoding") == 0)
            last = resp->fields[i].value;
    if (!last)
        return 0;
    {
        const char *comma = strrchr(last, ',');
        const char *c = comma ? comma + 1 : last;
        size_t n;

        while (is_ows(*c))
            c++;
        n = strlen(c);
        while (n && is_ows(c[n - 1]))
            n--;
        return n == 7 && strncasecmp(c, "chunked", 7) == 0 ? 1 : -1;
    }
}

enum http_framing http_body_framing(const struct http_response *resp, bool head_request,
                                    uint64_t *len)
{
    int chunked, cl;

    /* RFC 9112 6.3 in order: 1. HEAD, 1xx, 204 and 304 have no body. */
    if (head_request || resp->status < 200 || resp->status == 204 || resp->status == 304)
        return HTTP_BODY_NONE;
    /* 3. Transfer-Encoding overrides Content-Length; chunked last or the
     * body runs to the close. */
    chunked = transfer_chunked(resp);
    if (chunked > 0)
        return HTTP_BODY_CHUNKED;
    if (chunked < 0)
        return HTTP_BODY_CLOSE;
    /* 5. and 6. */
    cl = http_content_length(resp->fields, resp->nfields, len);
    if (cl < 0)
        return HTTP_BODY_INVALID;
    return cl ? HTTP_BODY_LENGTH : HTTP_BODY_CLOSE;
}

/* ---- the path of a target (RFC 3986 2.1, 5.2.4) ----------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decode [s, end) into out; refuse bad escapes, NUL, control
 * bytes and backslashes (a Windows-style separator some servers honour). */
static int percent_decode(const char *s, const char *end, char *out, size_t cap)
{
    size_t o = 0;

    while (s < end) {
        unsigned char c = (unsigned char)*s++;

        if (c == '%') {
            int hi, lo;

            if (end - s < 2 || (hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
                return -1;
            c = (unsigned char)(hi << 4 | lo);
            s += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '\\')
            return -1;
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* RFC 3986 5.2.4 remove_dot_segments on an absolute path, in place.  A
 * ".." with nothing left to remove is dropped when clamp is set (what the
 * RFC says for references); otherwise it is refused: in a request it can
 * only be an attempt to leave the root. */
static int remove_dot_segments(char *path, bool clamp)
{
    char *out = path, *in = path;

    /* in and out both start at the leading '/'. */
    while (*in) {
        char *seg = in + 1, *next = strchr(seg, '/');
        size_t n = next ? (size_t)(next - seg) : strlen(seg);

        if ((n == 1 && seg[0] == '.') || n == 0) {
            /* "/./" or "//": nothing to keep; a final "/." keeps its '/'. */
            if (!next)
                *out++ = '/';
            in = next ? next : seg + n;
            continue;
        }
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            if (out == path && !clamp)
                return -1;
            while (out > path && *--out != '/')
                ;
            if (!next)
                *out++ = '/';
            in = next ? next : seg + n;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
        in = seg + n;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
    return 0;
}

int http_target_path(const char *target, char *out, size_t outlen, int *status)
{
    const char *p = target, *end;

    *status = 400;
    /* RFC 9112 3.2.2: a server MUST accept the absolute-form. */
    if (strncasecmp(p, "http://", 7) == 0) {
        p = strchr(p + 7, '/');
        if (!p)
            p = "/";
    }
    if (*p != '/')
        return -1; /* authority-form and asterisk-form are not for GET */
    end = p + strcspn(p, "?#");
    if (percent_decode(p, end, out, outlen) < 0)
        return -1;
    if (remove_dot_segments(out, false) < 0)
        return -1;
    *status = 0;
    return 0;
}

/* ---- content types, reasons, heads ------------------------------------------------ */

static const struct {
    const char *ext, *type;
} content_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/plain; charset=utf-8"},
    {"c", "text/plain; charset=utf-8"},
    {"h", "text/plain; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"webp", "image/webp"},
    {"pdf", "application/pdf"},
    {"pcap", "application/vnd.tcpdump.pcap"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"zip", "application/zip"},
    {"wasm", "application/wasm"},
};

const char *http_content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');

    if (dot && dot[1])
        for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

void http_date(time_t t, char *buf, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    /* Not strftime: %a and %b follow the locale, IMF-fixdate does not. */
    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int http_response_head(char *buf, size_t cap, int status, const struct http_head_opts *o)
{
    char date[64];
    size_t n = 0;
    int r;

#define PUT(...)                                                                                   \
    do {                                                                                           \
        r = snprintf(buf + n, cap - n, __VA_ARGS__);                                               \
        if (r < 0 || (size_t)r >= cap - n)                                                         \
            return -1;                                                                             \
        n += (size_t)r;                                                                            \
    } while (0)

    if (cap == 0)
        return -1;
    PUT("HTTP/1.1 %d %s\r\n", status, http_reason(status));
    /* RFC 9110 6.6.1: an origin server with a clock MUST send Date. */
    http_date(o->date ? o->date : time(NULL), date, sizeof(date));
    PUT("Date: %s\r\nServer: glass-httpd\r\n", date);
    if (o->content_type)
        PUT("Content-Type: %s\r\n", o->content_type);
    if (o->content_length >= 0)
        PUT("Content-Length: %lld\r\n", (long long)o->content_length);
    if (o->last_modified) {
        http_date(o->last_modified, date, sizeof(date));
        PUT("Last-Modified: %s\r\n", date);
    }
    if (o->allow)
        PUT("Allow: %s\r\n", o->allow);
    if (o->location)
        PUT("Location: %s\r\n", o->location);
    PUT("Connection: %s\r\n\r\n", o->keep_alive ? "keep-alive" : "close");
#undef PUT
    return (int)n;
}

/* ---- URLs (RFC 3986) ------------------------------------------------------------ */

/* "host[:port]" from [s, end). */
static int parse_authority(const char *s, const char *end, struct http_url *u, char *err,
                           size_t errlen)
{
    const char *colon = memchr(s, ':', (size_t)(end - s));
    const char *hend = colon ? colon : end;
    size_t hlen = (size_t)(hend - s);

    if (memchr(s, '@', (size_t)(end - s))) {
        snprintf(err, errlen, "user names in URLs are not supported");
        return -1;
    }
    if (*s == '[') {
        snprintf(err, errlen, "IPv6 addresses are not supported (glass speaks IPv4)");
        return -1;
    }
    if (hlen == 0 || hlen >= sizeof(u->host)) {
        snprintf(err, errlen, "%s host name", hlen ? "too long a" : "no");
        return -1;
    }
    for (const char *c = s; c < hend; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != '_') {
            snprintf(err, errlen, "bad character '%c' in the host name", *c);
            return -1;
        }
    memcpy(u->host, s, hlen);
    u->host[hlen] = '\0';
    u->port = 80;
    if (colon && colon + 1 < end) {
        unsigned long port = 0;

        for (const char *c = colon + 1; c < end; c++) {
            if (!isdigit((unsigned char)*c) || (port = port * 10 + (unsigned long)(*c - '0')) > 65535) {
                snprintf(err, errlen, "bad port, expected an integer 1..65535");
                return -1;
            }
        }
        if (port == 0) {
            snprintf(err, errlen, "bad port, expected an integer 1..65535");
            return -1;
        }
        u->port = (unsigned)port;
    }
    return 0;
}

/* A path and query for a request line: the fragment goes (RFC 9110 7.1),
 * bytes that may not appear in a request-target are percent-encoded. */
static int set_path(struct http_url *u, const char *s, const char *end, char *err, size_t errlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    if (s == end || *s != '/')
        u->path[o++] = '/';
    for (; s < end && *s != '#'; s++) {
        unsigned char c = (unsigned char)*s;

        if (o + 4 >= sizeof(u->path)) {
            snprintf(err, errlen, "the path is too long");
            return -1;
        }
        if (c <= 0x20 || c >= 0x7f) {
            u->path[o++] = '%';
            u->path[o++] = hex[c >> 4];
            u->path[o++] = hex[c & 15];
        } else {
            u->path[o++] = (char)c;
        }
    }
    u->path[o] = '\0';
    return 0;
}

int http_parse_url(const char *url, struct http_url *u, char *err, size_t errlen)
{
    const char *auth, *aend;

    memset(u, 0, sizeof(*u));
    if (strncasecmp(url, "https://", 8) == 0) {
        snprintf(err, errlen, "https is not supported (glass-get speaks plain HTTP)");
        return -1;
    }
    if (strncasecmp(url, "http://", 7) != 0) {
        snprintf(err, errlen, "expected a URL that starts with http://");
        return -1;
    }
    auth = url + 7;
    aend = auth + strcspn(auth, "/?#");
    if (parse_authority(auth, aend, u, err, errlen) < 0)
        return -1;
    return set_path(u, aend, aend + strlen(aend), err, errlen);
}

/* RFC 3986 5.2.4 on an undecoded path that may carry a query (which
 * keeps its dots). */
static void url_remove_dots(char *path)
{
    char *q = strchr(path, '?');
    char query[HTTP_MAX_REQUEST_LINE];
    size_t plen, qlen = 0;

    query[0] = '\0';
    if (q) {
        qlen = strlen(q);
        memcpy(query, q, qlen + 1);
        *q = '\0';
    }
    remove_dot_segments(path, true);
    /* The path only got shorter, so path + query still fits. */
    plen = strlen(path);
    memcpy(path + plen, query, qlen + 1);
}

int http_resolve_location(const struct http_url *base, const char *location, struct http_url *out,
                          char *err, size_t errlen)
{
    char merged[HTTP_MAX_REQUEST_LINE];

    if (!*location) {
        snprintf(err, errlen, "an empty Location");
        return -1;
    }
    if (strncasecmp(location, "http://", 7) == 0 || strncasecmp(location, "https://", 8) == 0)
        return http_parse_url(location, out, err, errlen);
    if (location[0] == '/' && location[1] == '/') {
        snprintf(merged, sizeof(merged), "http:%s", location);
        return http_parse_url(merged, out, err, errlen);
    }
    if (strchr(location, ':') && strcspn(location, ":") < strcspn(location, "/?#")) {
        snprintf(err, errlen, "a Location with another scheme: %.60s", location);
        return -1;
    }
    *out = *base;
    if (location[0] == '/') {
        if (set_path(out, location, location + strlen(location), err, errlen) < 0)
            return -1;
    } else {
        /* RFC 3986 5.2.3: the base path up to its last '/', then the
         * reference ("?q" alone keeps the whole base path). */
        size_t keep;
        int n;

        if (location[0] == '?') {
            keep = strcspn(base->path, "?");
        } else {
            const char *q = base->path + strcspn(base->path, "?");
            const char *slash = q;
            while (slash > base->path && slash[-1] != '/')
                slash--;
            keep = (size_t)(slash - base->path);
        }
        n = snprintf(merged, sizeof(merged), "%.*s%s", (int)keep, base->path, location);
        if (n < 0 || (size_t)n >= sizeof(merged)) {
            snprintf(err, errlen, "the Location is too long");
            return -1;
        }
        if (set_path(out, merged, merged + strlen(merged), err, errlen) < 0)
            return -1;
    }
    url_remove_dots(out->path);
    return 0;
}

void http_url_format(const struct http_url *u, char *buf, size_t cap)
{
    if (u->port == 80)
        snprintf(buf, cap, "http://%s%s", u->host, u->path);
    else
        snprintf(buf, cap, "http://%s:%u%s", u->host, u->port, u->path);
}

/* ---- chunked transfer coding (RFC 9112 7.1) ------------------------------------- */

enum {
    CH_SIZE,       /* chunk-size hex digits */
    CH_EXT,        /* after the size: chunk-ext up to the line end */
    CH_SIZE_LF,    /* CR seen after the size line */
    CH_DATA,       /* chunk-data */
    CH_DATA_CR,    /* the CRLF after chunk-data */
    CH_DATA_LF,
    CH_TRAILER,    /* at the start of a trailer line (or the final CRLF) */
    CH_TRAILER_LINE,
    CH_TRAILER_LF, /* CR seen inside/after a trailer line */
    CH_DONE,
};

#define CHUNK_LINE_MAX 4096
#define CHUNK_SIZE_MAX (UINT64_C(1) << 60)

void http_chunked_init(struct http_chunked *c)
{
    memset(c, 0, sizeof(*c));
    c->state = CH_SIZE;
}

/* One byte of framing (everything but chunk-data); -1 when malformed. */
static int chunk_byte(struct http_chunked *c, char ch)
{
    int h;

    switch (c->state) {
    case CH_SIZE:
        if ((h = hexval(ch)) >= 0) {
            if (c->remaining >= CHUNK_SIZE_MAX >> 4)
                return -1;
            c->remaining = c->remaining << 4 | (uint64_t)h;
            c->line++;
            return 0;
        }
        if (c->line == 0)
            return -1; /* chunk-size = 1*HEXDIG */
        if (ch == ';' || is_ows(ch)) {
            c->state = CH_EXT;
            return 0;
        }
        /* the line ends here */
        /* fall through */
    case CH_EXT:
        if (++c->line > CHUNK_LINE_MAX)
            return -1;
        if (ch == '\r') {
            c->state = CH_SIZE_LF;
            return 0;
        }
        if (ch != '\n')
            return c->state == CH_EXT ? 0 : -1;
        /* fall through */
    case CH_SIZE_LF:
        if (ch != '\n')
            return -1;
        c->line = 0;
        c->state = c->remaining ? CH_DATA : CH_TRAILER;
        return 0;
    case CH_DATA_CR:
        if (ch == '\r') {
            c->state = CH_DATA_LF;
            return 0;
        }
        /* a bare LF ends the data too */
        /* fall through */
    case CH_DATA_LF:
        if (ch != '\n')
            return -1;
        c->state = CH_SIZE;
        return 0;
    case CH_TRAILER:
    case CH_TRAILER_LINE:
        if (++c->trailer > HTTP_MAX_HEADER_BYTES)
            return -1;
        if (ch == '\r') {
            /* line = 0: the empty line that ends the trailer section. */
            c->line = c->state == CH_TRAILER_LINE;
            c->state = CH_TRAILER_LF;
            return 0;
        }
        if (ch == '\n') {
            if (c->state == CH_TRAILER) {
                c->state = CH_DONE;
                c->done = true;
            } else {
                c->state = CH_TRAILER;
            }
            return 0;
        }
        c->state = CH_TRAILER_LINE;
        return 0;
    case CH_TRAILER_LF:
        if (ch != '\n')
            return -1;
        if (c->line) {
            c->line = 0;
            c->state = CH_TRAILER;
        } else {
            c->state = CH_DONE;
            c->done = true;
        }
        return 0;
    }
    return -1;
}

ssize_t http_chunked_decode(struct http_chunked *c, char *buf, size_t len, size_t *used)
{
    size_t in = 0, out = 0;

    while (in < len && c->state != CH_DONE) {
        if (c->state == CH_DATA) {
            size_t n = len - in;

            if (n > c->remaining)
                n = (size_t)c->remaining;
            memmove(buf + out, buf + in, n);
            out += n;
            in += n;
            c->remaining -= n;
            if (!c->remaining)
                c->state = CH_DATA_CR;
            continue;
        }
        if (chunk_byte(c, buf[in]) < 0) {
            *used = in;
            return -1;
        }
        in++;
    }
    *used = in;
    return (ssize_t)out;
}
