/* check_http.c - the HTTP/1.1 pieces glass-httpd and glass-get share
 * (apps/http.c): request and response heads (RFC 9112 2-5) with their
 * limits, the path of a request-target and every way of trying to climb
 * out of the document root (RFC 3986 2.1, 5.2.4), Content-Length and body
 * framing (RFC 9112 6.3), the chunked decoder fed a byte at a time
 * (RFC 9112 7.1), URLs and Location resolution (RFC 3986 5.2). */
#include "harness.h"

#include <string.h>

#include "http.h"

/* Parse a request held in a writable copy; returns the parse result. */
static ssize_t parse_req(const char *text, char *buf, size_t cap, struct http_request *req,
                         int *status)
{
    size_t n = strlen(text);

    ck_assert_uint_lt(n, cap);
    memcpy(buf, text, n + 1);
    return http_parse_request(buf, n, req, status);
}

/* ---- requests ------------------------------------------------------------------ */

START_TEST(test_rfc9112_3_request_line_and_fields)
{
    static char buf[256];
    const char *text = "GET /a%20b?x=1 HTTP/1.1\r\nHost: 10.0.0.2\r\n"
                       "User-Agent:  curl/8  \r\nAccept: */*\r\n\r\nNEXT";
    struct http_request req;
    int status;
    ssize_t n = parse_req(text, buf, sizeof(buf), &req, &status);

    ck_assert_int_eq(n, (ssize_t)(strlen(text) - 4)); /* the head, not "NEXT" */
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(req.method, "GET");
    ck_assert_str_eq(req.target, "/a%20b?x=1");
    ck_assert_int_eq(req.major, 1);
    ck_assert_int_eq(req.minor, 1);
    ck_assert_uint_eq(req.nfields, 3);
    ck_assert_str_eq(http_field_get(req.fields, req.nfields, "host"), "10.0.0.2");
    /* RFC 9112 5.1: OWS around the value is not part of it. */
    ck_assert_str_eq(http_field_get(req.fields, req.nfields, "USER-AGENT"), "curl/8");
    ck_assert_ptr_null(http_field_get(req.fields, req.nfields, "Cookie"));
    ck_assert(memcmp(buf + n, "NEXT", 4) == 0); /* the next request is untouched */
}
END_TEST

START_TEST(test_rfc9112_2_2_bare_lf_and_leading_empty_lines)
{
    static char buf[256];
    const char *text = "\r\n\nHEAD / HTTP/1.0\nHost: x\n\n";
    struct http_request req;
    int status;

    ck_assert_int_eq(parse_req(text, buf, sizeof(buf), &req, &status), (ssize_t)strlen(text));
    ck_assert_str_eq(req.method, "HEAD");
    ck_assert_int_eq(req.minor, 0);
    ck_assert_str_eq(http_field_get(req.fields, req.nfields, "Host"), "x");
}
END_TEST

START_TEST(test_incomplete_head_waits_for_more)
{
    static char buf[256];
    const char *parts[] = {"G", "GET / HTTP/1.1", "GET / HTTP/1.1\r\nHost: a\r\n",
                           "GET / HTTP/1.1\r\nHost: a\r\n\r"};
    struct http_request req;
    int status;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        ck_assert_int_eq(parse_req(parts[i], buf, sizeof(buf), &req, &status), 0);
}
END_TEST

START_TEST(test_rfc9112_3_request_line_over_8k_is_414)
{
    static char buf[HTTP_MAX_HEAD + 1024];
    struct http_request req;
    int status;
    size_t n;

    /* No line end yet, but already longer than we accept: 414 at once. */
    memcpy(buf, "GET /", 5);
    memset(buf + 5, 'a', HTTP_MAX_REQUEST_LINE);
    n = 5 + HTTP_MAX_REQUEST_LINE;
    ck_assert_int_eq(http_parse_request(buf, n, &req, &status), -1);
    ck_assert_int_eq(status, 414);
    /* Exactly the limit (line without CRLF) is still fine. */
    memcpy(buf, "GET /", 5);
    memset(buf + 5, 'a', HTTP_MAX_REQUEST_LINE - 5 - 9);
    n = HTTP_MAX_REQUEST_LINE - 9;
    memcpy(buf + n, " HTTP/1.1\r\nHost: h\r\n\r\n", 22);
    ck_assert_int_eq(http_parse_request(buf, n + 22, &req, &status), (ssize_t)(n + 22));
    ck_assert_uint_eq(strlen(req.target), HTTP_MAX_REQUEST_LINE - 9 - 4);
}
END_TEST

START_TEST(test_header_section_over_16k_is_400)
{
    static char buf[HTTP_MAX_HEAD + 4096];
    struct http_request req;
    int status;
    size_t n = 0;

    n += (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\n");
    while (n < 16 + HTTP_MAX_HEADER_BYTES + 200)
        n += (size_t)sprintf(buf + n, "X-Pad: %0100d\r\n", 7);
    ck_assert_int_eq(http_parse_request(buf, n, &req, &status), -1);
    ck_assert_int_eq(status, 400);
}
END_TEST

START_TEST(test_too_many_fields_is_400)
{
    static char buf[8192];
    struct http_request req;
    int status;
    size_t n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\n");

    for (int i = 0; i < HTTP_MAX_FIELDS; i++)
        n += (size_t)sprintf(buf + n, "X%d: y\r\n", i);
    n += (size_t)sprintf(buf + n, "\r\n");
    ck_assert_int_eq(http_parse_request(buf, n, &req, &status), -1);
    ck_assert_int_eq(status, 400);
}
END_TEST

/* Every one of these must be refused with the status given. */
START_TEST(test_rfc9112_malformed_requests_refused)
{
    static const struct {
        const char *text;
        int status;
    } bad[] = {
        {"GET /\r\nHost: h\r\n\r\n", 400},                        /* HTTP/0.9 form */
        {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},              /* two spaces */
        {"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},              /* trailing space */
        {"GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", 400},
        {"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},               /* not a token */
        {"GET / HTTP/11\r\nHost: h\r\n\r\n", 400},
        {"GET / http/1.1\r\nHost: h\r\n\r\n", 400},               /* case-sensitive */
        {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
        {"GET / HTTP/1.1\r\n\r\n", 400},                          /* 3.2: no Host */
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},    /* two Hosts */
        {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},              /* 5.1: space before colon */
        {"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400}, /* 5.2: obs-fold */
        {"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400},        /* empty name */
        {"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400},    /* bare CR in value */
        {"GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400},           /* control byte in target */
    };
    static char buf[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct http_request req;
        int status = 0;

        ck_assert_msg(parse_req(bad[i].text, buf, sizeof(buf), &req, &status) == -1,
                      "accepted bad request %zu", i);
        ck_assert_msg(status == bad[i].status, "request %zu: status %d, want %d", i, status,
                      bad[i].status);
    }
}
END_TEST

START_TEST(test_a_nul_in_a_field_value_is_400)
{
    static char buf[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
    struct http_request req;
    int status;

    ck_assert_int_eq(http_parse_request(buf, sizeof(buf) - 1, &req, &status), -1);
    ck_assert_int_eq(status, 400);
}
END_TEST

START_TEST(test_rfc9112_9_3_keep_alive_rules)
{
    static const struct {
        const char *text;
        bool keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: x\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", true}, /* not "close" */
    };
    static char buf[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct http_request req;
        int status;

        ck_assert_int_gt(parse_req(cases[i].text, buf, sizeof(buf), &req, &status), 0);
        ck_assert_msg(http_keep_alive(&req) == cases[i].keep, "case %zu", i);
    }
}
END_TEST

/* ---- paths: nothing may leave the root ------------------------------------ */

static void path_ok(const char *target, const char *want)
{
    char out[HTTP_MAX_PATH];
    int status = -1;

    ck_assert_msg(http_target_path(target, out, sizeof(out), &status) == 0, "refused %s", target);
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(out, want);
}

static void path_refused(const char *target)
{
    char out[HTTP_MAX_PATH];
    int status = 0;

    ck_assert_msg(http_target_path(target, out, sizeof(out), &status) == -1, "accepted %s as %s",
                  target, out);
    ck_assert_int_eq(status, 400);
}

START_TEST(test_rfc3986_2_1_percent_decoding_and_query)
{
    path_ok("/", "/");
    path_ok("/index.html", "/index.html");
    path_ok("/a%20b.txt?x=1#f", "/a b.txt");
    path_ok("/%41%62c", "/Abc");
    path_ok("/dir/", "/dir/");
    /* RFC 9112 3.2.2: the absolute-form. */
    path_ok("http://10.0.0.2/x/y", "/x/y");
    path_ok("http://10.0.0.2", "/");
    path_refused("/%4");     /* cut short */
    path_refused("/%zz");    /* not hex */
    path_refused("/a%00b");  /* NUL */
    path_refused("/a%0ab");  /* LF */
    path_refused("*");       /* asterisk-form */
    path_refused("10.0.0.2:80");
    path_refused("index.html");
}
END_TEST

START_TEST(test_rfc3986_5_2_4_dot_segments_inside_root_are_removed)
{
    path_ok("/a/./b", "/a/b");
    path_ok("/a/../b", "/b");
    path_ok("/a/b/..", "/a/");
    path_ok("/a/b/../", "/a/");
    path_ok("/a//b", "/a/b");
    path_ok("/.", "/");
    path_ok("/a/%2e%2e/b", "/b"); /* decoded first, so still inside */
    path_ok("/...", "/...");      /* three dots are a name */
    path_ok("/..a", "/..a");
}
END_TEST

START_TEST(test_path_traversal_refused)
{
    path_refused("/..");
    path_refused("/../etc/passwd");
    path_refused("/a/../../etc/passwd");
    path_refused("/%2e%2e/etc/passwd");
    path_refused("/%2E%2E/etc/passwd");
    path_refused("/.%2e/etc/passwd");
    path_refused("/%2e%2e%2fetc%2fpasswd"); /* an encoded '/' is a '/' once decoded */
    path_refused("/a/..%2f..%2fetc/passwd");
    path_refused("/..\\etc\\passwd");       /* backslashes are refused outright */
    path_refused("/a%5c..%5c..%5cetc");
    path_refused("http://x/../etc/passwd");
    path_refused("/etc/passwd%00.html");
}
END_TEST

START_TEST(test_path_longer_than_the_buffer_refused)
{
    char out[16];
    int status;

    ck_assert_int_eq(http_target_path("/0123456789abcdef", out, sizeof(out), &status), -1);
    ck_assert_int_eq(status, 400);
    ck_assert_int_eq(http_target_path("/0123456789abcd", out, sizeof(out), &status), 0);
}
END_TEST

/* ---- responses ---------------------------------------------------------------------- */

START_TEST(test_content_type_by_extension)
{
    ck_assert_str_eq(http_content_type("/index.html"), "text/html; charset=utf-8");
    ck_assert_str_eq(http_content_type("/A.HTM"), "text/html; charset=utf-8");
    ck_assert_str_eq(http_content_type("/x/capture.pcap"), "application/vnd.tcpdump.pcap");
    ck_assert_str_eq(http_content_type("/img.png"), "image/png");
    ck_assert_str_eq(http_content_type("/noext"), "application/octet-stream");
    ck_assert_str_eq(http_content_type("/dir.html/file"), "application/octet-stream");
    ck_assert_str_eq(http_content_type("/trailingdot."), "application/octet-stream");
}
END_TEST

START_TEST(test_rfc9110_15_reasons)
{
    ck_assert_str_eq(http_reason(200), "OK");
    ck_assert_str_eq(http_reason(400), "Bad Request");
    ck_assert_str_eq(http_reason(404), "Not Found");
    ck_assert_str_eq(http_reason(405), "Method Not Allowed");
    ck_assert_str_eq(http_reason(414), "URI Too Long");
    ck_assert_str_eq(http_reason(505), "HTTP Version Not Supported");
    ck_assert_str_eq(http_reason(299), "Unknown");
}
END_TEST

START_TEST(test_response_head_exact)
{
    char buf[512];
    struct http_head_opts o = {.content_type = "text/plain; charset=utf-8",
                               .content_length = 12,
                               .keep_alive = true,
                               .last_modified = 784111777,
                               .date = 784111777};
    const char *want = "HTTP/1.1 200 OK\r\n"
                       "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                       "Server: glass-httpd\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Length: 12\r\n"
                       "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                       "Connection: keep-alive\r\n\r\n";
    int n = http_response_head(buf, sizeof(buf), 200, &o);

    ck_assert_int_eq(n, (int)strlen(want));
    ck_assert_str_eq(buf, want);

    o = (struct http_head_opts){.content_length = -1, .allow = "GET, HEAD", .date = 784111777};
    n = http_response_head(buf, sizeof(buf), 405, &o);
    ck_assert_str_eq(buf, "HTTP/1.1 405 Method Not Allowed\r\n"
                          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                          "Server: glass-httpd\r\n"
                          "Allow: GET, HEAD\r\n"
                          "Connection: close\r\n\r\n");
    /* Too small a buffer is an error, never a cut head. */
    ck_assert_int_eq(http_response_head(buf, 40, 200, &o), -1);
}
END_TEST

START_TEST(test_rfc9112_4_parse_response)
{
    static char buf[512];
    const char *text = "HTTP/1.1 301 Moved Permanently\r\nLocation: /new/\r\n"
                       "Content-Length: 0\r\n\r\nBODY";
    struct http_response r;
    ssize_t n;

    strcpy(buf, text);
    n = http_parse_response(buf, strlen(text), &r);
    ck_assert_int_eq(n, (ssize_t)strlen(text) - 4);
    ck_assert_int_eq(r.status, 301);
    ck_assert_str_eq(r.reason, "Moved Permanently");
    ck_assert_str_eq(http_field_get(r.fields, r.nfields, "location"), "/new/");

    strcpy(buf, "HTTP/1.0 200\r\n\r\n"); /* an empty reason is allowed */
    ck_assert_int_eq(http_parse_response(buf, strlen(buf), &r), 16);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.reason, "");

    strcpy(buf, "HTTP/1.1 200 OK\r\nContent-Le");
    ck_assert_int_eq(http_parse_response(buf, strlen(buf), &r), 0);
    strcpy(buf, "HTTP/1.1 20x OK\r\n\r\n");
    ck_assert_int_eq(http_parse_response(buf, strlen(buf), &r), -1);
    strcpy(buf, "ICY 200 OK\r\n\r\n");
    ck_assert_int_eq(http_parse_response(buf, strlen(buf), &r), -1);
    strcpy(buf, "HTTP/1.1 200 OK\r\nBad Field: x\r\n\r\n");
    ck_assert_int_eq(http_parse_response(buf, strlen(buf), &r), -1);
}
END_TEST

static enum http_framing framing_of(const char *text, bool head, uint64_t *len)
{
    static char buf[512];
    struct http_response r;

    strcpy(buf, text);
    ck_assert_int_gt(http_parse_response(buf, strlen(buf), &r), 0);
    return http_body_framing(&r, head, len);
}

START_TEST(test_rfc9112_6_3_body_framing)
{
    uint64_t len = 0;

    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", false, &len),
                     HTTP_BODY_LENGTH);
    ck_assert_uint_eq(len, 42);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", true, &len),
                     HTTP_BODY_NONE);
    ck_assert_int_eq(framing_of("HTTP/1.1 204 No Content\r\n\r\n", false, &len), HTTP_BODY_NONE);
    ck_assert_int_eq(framing_of("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false,
                                &len), HTTP_BODY_NONE);
    /* Transfer-Encoding wins over Content-Length (RFC 9112 6.3 step 3). */
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                                "Transfer-Encoding: gzip, Chunked\r\n\r\n", false, &len),
                     HTTP_BODY_CHUNKED);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false,
                                &len), HTTP_BODY_CLOSE);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\n\r\n", false, &len), HTTP_BODY_CLOSE);
    /* A list of the same value is one value; different values are not. */
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n", false, &len),
                     HTTP_BODY_LENGTH);
    ck_assert_uint_eq(len, 7);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n"
                                "Content-Length: 8\r\n\r\n", false, &len), HTTP_BODY_INVALID);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, &len),
                     HTTP_BODY_INVALID);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", false, &len),
                     HTTP_BODY_INVALID);
    ck_assert_int_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
                                false, &len), HTTP_BODY_INVALID);
}
END_TEST

/* ---- chunked (RFC 9112 7.1) ------------------------------------------------------ */

static const char chunked_body[] = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                                   "0\r\nX-Trailer: yes\r\n\r\nAFTER";
static const char chunked_data[] = "Wikipedia in\r\n\r\nchunks.";

START_TEST(test_rfc9112_7_1_chunked_all_at_once)
{
    char buf[sizeof(chunked_body)];
    struct http_chunked c;
    size_t used;
    ssize_t n;

    memcpy(buf, chunked_body, sizeof(chunked_body));
    http_chunked_init(&c);
    n = http_chunked_decode(&c, buf, strlen(chunked_body), &used);
    ck_assert_int_eq(n, (ssize_t)strlen(chunked_data));
    ck_assert(memcmp(buf, chunked_data, (size_t)n) == 0);
    ck_assert(c.done);
    /* Bytes after the body are left for whoever comes next. */
    ck_assert_uint_eq(used, strlen(chunked_body) - 5);
}
END_TEST

START_TEST(test_rfc9112_7_1_chunked_one_byte_at_a_time)
{
    char out[64], b[1];
    size_t o = 0, used;
    struct http_chunked c;

    http_chunked_init(&c);
    for (size_t i = 0; i < strlen(chunked_body) - 5; i++) {
        ssize_t n;

        ck_assert(!c.done);
        b[0] = chunked_body[i];
        n = http_chunked_decode(&c, b, 1, &used);
        ck_assert_int_ge(n, 0);
        ck_assert_uint_eq(used, 1);
        memcpy(out + o, b, (size_t)n);
        o += (size_t)n;
    }
    ck_assert(c.done);
    ck_assert_uint_eq(o, strlen(chunked_data));
    ck_assert(memcmp(out, chunked_data, o) == 0);
}
END_TEST

START_TEST(test_chunked_malformed_refused)
{
    static const char *bad[] = {
        "x\r\n",                   /* not hex */
        "\r\n",                    /* no size */
        "4\r\nWikiX\r\n",          /* data longer than its size */
        "4\rX",                    /* CR not followed by LF */
        "fffffffffffffffffff\r\n", /* size overflow */
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char buf[64];
        struct http_chunked c;
        size_t used;

        strcpy(buf, bad[i]);
        http_chunked_init(&c);
        ck_assert_msg(http_chunked_decode(&c, buf, strlen(buf), &used) == -1, "accepted %zu", i);
    }
}
END_TEST

/* ---- URLs ------------------------------------------------------------------------- */

START_TEST(test_rfc3986_3_parse_url)
{
    struct http_url u;
    char err[128];

    ck_assert_int_eq(http_parse_url("http://10.0.0.1:8000/big.bin", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.host, "10.0.0.1");
    ck_assert_uint_eq(u.port, 8000);
    ck_assert_str_eq(u.path, "/big.bin");
    ck_assert_int_eq(http_parse_url("HTTP://example.test", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.host, "example.test");
    ck_assert_uint_eq(u.port, 80);
    ck_assert_str_eq(u.path, "/");
    ck_assert_int_eq(http_parse_url("http://h?q=1#frag", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.path, "/?q=1");
    ck_assert_int_eq(http_parse_url("http://h/a b", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.path, "/a%20b");

    ck_assert_int_eq(http_parse_url("https://h/", &u, err, sizeof(err)), -1);
    ck_assert(strstr(err, "https") != NULL);
    ck_assert_int_eq(http_parse_url("ftp://h/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("10.0.0.1/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("http:///x", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("http://h:0/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("http://h:65536/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("http://h:8x/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("http://u:p@h/", &u, err, sizeof(err)), -1);
    ck_assert_int_eq(http_parse_url("http://[::1]/", &u, err, sizeof(err)), -1);
}
END_TEST

static void resolves(const char *base, const char *loc, const char *want)
{
    struct http_url b, out;
    char err[128], got[HTTP_MAX_REQUEST_LINE + 300];

    ck_assert_int_eq(http_parse_url(base, &b, err, sizeof(err)), 0);
    ck_assert_msg(http_resolve_location(&b, loc, &out, err, sizeof(err)) == 0, "%s: %s", loc, err);
    http_url_format(&out, got, sizeof(got));
    ck_assert_str_eq(got, want);
}

START_TEST(test_rfc3986_5_2_location_resolution)
{
    resolves("http://a:8080/b/c/d?q", "http://x/y", "http://x/y");
    resolves("http://a:8080/b/c/d?q", "//x:81/y", "http://x:81/y");
    resolves("http://a:8080/b/c/d?q", "/g", "http://a:8080/g");
    resolves("http://a:8080/b/c/d?q", "g", "http://a:8080/b/c/g");
    resolves("http://a:8080/b/c/d?q", "./g/", "http://a:8080/b/c/g/");
    resolves("http://a:8080/b/c/d?q", "../g", "http://a:8080/b/g");
    resolves("http://a:8080/b/c/d?q", "../../../g", "http://a:8080/g");
    resolves("http://a:8080/b/c/d?q", "?y", "http://a:8080/b/c/d?y");
    resolves("http://a/dir", "dir/", "http://a/dir/");
}
END_TEST

START_TEST(test_location_with_another_scheme_refused)
{
    struct http_url b, out;
    char err[128];

    ck_assert_int_eq(http_parse_url("http://a/", &b, err, sizeof(err)), 0);
    ck_assert_int_eq(http_resolve_location(&b, "ftp://x/", &out, err, sizeof(err)), -1);
    ck_assert_int_eq(http_resolve_location(&b, "https://x/", &out, err, sizeof(err)), -1);
    ck_assert_int_eq(http_resolve_location(&b, "", &out, err, sizeof(err)), -1);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *req = tcase_create("request");
    TCase *path = tcase_create("path");
    TCase *resp = tcase_create("response");
    TCase *url = tcase_create("url");

    tcase_add_test(req, test_rfc9112_3_request_line_and_fields);
    tcase_add_test(req, test_rfc9112_2_2_bare_lf_and_leading_empty_lines);
    tcase_add_test(req, test_incomplete_head_waits_for_more);
    tcase_add_test(req, test_rfc9112_3_request_line_over_8k_is_414);
    tcase_add_test(req, test_header_section_over_16k_is_400);
    tcase_add_test(req, test_too_many_fields_is_400);
    tcase_add_test(req, test_rfc9112_malformed_requests_refused);
    tcase_add_test(req, test_a_nul_in_a_field_value_is_400);
    tcase_add_test(req, test_rfc9112_9_3_keep_alive_rules);
    suite_add_tcase(s, req);
    tcase_add_test(path, test_rfc3986_2_1_percent_decoding_and_query);
    tcase_add_test(path, test_rfc3986_5_2_4_dot_segments_inside_root_are_removed);
    tcase_add_test(path, test_path_traversal_refused);
    tcase_add_test(path, test_path_longer_than_the_buffer_refused);
    suite_add_tcase(s, path);
    tcase_add_test(resp, test_content_type_by_extension);
    tcase_add_test(resp, test_rfc9110_15_reasons);
    tcase_add_test(resp, test_response_head_exact);
    tcase_add_test(resp, test_rfc9112_4_parse_response);
    tcase_add_test(resp, test_rfc9112_6_3_body_framing);
    tcase_add_test(resp, test_rfc9112_7_1_chunked_all_at_once);
    tcase_add_test(resp, test_rfc9112_7_1_chunked_one_byte_at_a_time);
    tcase_add_test(resp, test_chunked_malformed_refused);
    suite_add_tcase(s, resp);
    tcase_add_test(url, test_rfc3986_3_parse_url);
    tcase_add_test(url, test_rfc3986_5_2_location_resolution);
    tcase_add_test(url, test_location_with_another_scheme_refused);
    suite_add_tcase(s, url);
    return s;
}

int main(void)
{
    return harness_run_suite(http_suite());
}
