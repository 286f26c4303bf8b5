/*
 * glass-httpd - a static HTTP/1.1 file server on a glass stack.
 *
 *   glass-httpd [--port 80] [--root DIR] [OPTION]...
 *
 * GET and HEAD (RFC 9110 9.3.1, 9.3.2) of the files below the document
 * root; a directory is served as its index.html or, without one, as a
 * generated listing.  Persistent connections as RFC 9112 9.3 says
 * (HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0
 * closes it unless "Connection: keep-alive"), pipelined requests answered
 * in order.  Errors get a proper status line and a small HTML body:
 * 400 (malformed, or a path that tries to leave the root), 404, 405 with
 * Allow, 414 (request line over 8 KiB), 501, 505.
 *
 * Shape: one thread makes socket calls, exactly as a program on Linux
 * would, while the stack runs on its own thread (glass_stack_start).  Every
 * socket is non-blocking and one glass_poll loop serves them all: the
 * listener (accept), connections reading a request, connections sending a
 * response (a large file goes in 64 KiB pieces, as fast as the socket
 * takes them, so one slow client never holds up the others), and
 * connections draining after a "Connection: close" response (we shut down
 * our side, then read until the client closes, so a request still in
 * flight does not turn our close into an RST, RFC 9112 9.6).
 *
 * One access log line per request on stdout, in the Common Log Format:
 *   10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1534
 * On SIGINT or SIGTERM it stops, prints the stack's counters to stderr and
 * exits 0.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "glass.h"
#include "http.h"

#define HTTPD_DEFAULT_PORT 80
#define HTTPD_MAX_CONNS 1000       /* glass allows 1024 sockets per stack */
#define HTTPD_BACKLOG 256
#define HTTPD_POLL_MS 200          /* bound on noticing a signal or a timeout late */
#define HTTPD_CHUNK 65536          /* file bytes read and sent per piece */
#define HTTPD_IDLE_SECS 30         /* a keep-alive connection with no request */
#define HTTPD_STALL_SECS 60        /* a response the client stopped reading */
#define HTTPD_DRAIN_SECS 2         /* reading after our FIN, before closing */
#define HTTPD_ACCEPT_BATCH 64
#define HTTPD_LOG_LINE 256         /* request line as logged, at most */
#define HTTPD_MAX_LISTING 10000    /* directory entries listed */

enum conn_state {
    CONN_READ,   /* waiting for (the rest of) a request head */
    CONN_WRITE,  /* sending a response */
    CONN_DRAIN,  /* our side shut down; reading until the client closes */
};

struct conn {
    int fd;
    struct sockaddr_in peer;
    enum conn_state state;
    double last_progress;          /* monotonic seconds */
    char in[HTTP_MAX_HEAD + 1];
    size_t in_len;
    /* the response: out holds the head and in-memory bodies, then file pieces */
    char *out;
    size_t out_len, out_off, out_cap;
    int file;                      /* -1: no file body */
    uint64_t file_left;
    bool close_after;
    /* for the access log */
    char logline[HTTP_MAX_REQUEST_LINE];
    time_t when;
    int status;
    uint64_t body_len, body_sent;  /* body bytes in the response / sent so far */
    size_t head_left;              /* head bytes still in out */
};

struct httpd {
    unsigned port;
    const char *root_arg;          /* --root */
    char root[PATH_MAX];           /* realpath of the root */
    struct glass_stack *stack;
    int listener;
    struct conn *conns[HTTPD_MAX_CONNS];
    unsigned nconns;
    unsigned long long requests, accepted;
};

/* ---- options ---------------------------------------------------------------- */

enum { KEY_PORT = 'p', KEY_ROOT = 'r' };

static const struct glass_app_option httpd_options[] = {
    {"port", KEY_PORT, "N", "listen on TCP port N (default 80)"},
    {"root", KEY_ROOT, "DIR", "serve the files below DIR (default: the glass web root,\n"
                              "see below)"},
    {0},
};

static int on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct httpd *h = ctx;

    switch (key) {
    case KEY_PORT:
        if (glass_app_parse_port(arg, &h->port) == 0)
            return 0;
        snprintf(err, errlen, "--port '%s': bad port, expected an integer 1..65535", arg);
        return -1;
    case KEY_ROOT:
        h->root_arg = arg;
        return 0;
    }
    snprintf(err, errlen, "internal error: option %d not handled", key);
    return -1;
}

static const char httpd_notes[] =
    "Serves GET and HEAD for the files below the root, with keep-alive, to many\n"
    "clients at once.  One access log line per request on stdout (Common Log\n"
    "Format); SIGINT or SIGTERM stop it (exit 0) after printing the counters.\n"
    "\n"
    "The default root is the page that comes with glass: " GLASS_WWW_DIR "\n"
    "once installed; a program run from a build tree uses " GLASS_SRC_WWW_DIR "\n"
    "(the www/ directory of the source tree) when that exists.\n"
    "\n"
    "Example (kernel side 10.0.0.1/24 on tap0 in namespace glass):\n"
    "  ip netns exec glass glass-httpd\n"
    "  ip netns exec glass curl http://10.0.0.2/\n";

/* ---- the root -------------------------------------------------------------- */

/* Is this program the installed one (in bindir)?  An uninstalled build
 * (build/glass-httpd, or libtool's .libs/lt-glass-httpd) is not. */
static bool running_installed(void)
{
    char self[PATH_MAX], bindir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    if (n <= 0 || !realpath(GLASS_BINDIR, bindir))
        return false;
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return strcmp(self, bindir) == 0;
}

static const char *default_root(void)
{
    struct stat st;

    if (!running_installed() && stat(GLASS_SRC_WWW_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return GLASS_SRC_WWW_DIR;
    return GLASS_WWW_DIR;
}

static int set_root(struct httpd *h)
{
    const char *dir = h->root_arg ? h->root_arg : default_root();
    struct stat st;

    if (!realpath(dir, h->root) || stat(h->root, &st) < 0) {
        fprintf(stderr, "glass-httpd: root %s: %s%s\n", dir, strerror(errno),
                h->root_arg ? "" : " (give one with --root DIR)");
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "glass-httpd: root %s is not a directory\n", dir);
        return -1;
    }
    if (strcmp(h->root, "/") == 0)
        h->root[0] = '\0'; /* so root + "/x" is "/x" */
    return 0;
}

/* ---- time ------------------------------------------------------------------ */

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the access log ------------------------------------------------------------- */

/* The request line as received, with bytes that would garble a log line
 * escaped as \xHH (a hostile request must not forge log lines). */
static void set_logline(struct conn *c, const char *line, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (size_t i = 0; i < len && o + 8 < sizeof(c->logline); i++) {
        unsigned char ch = (unsigned char)line[i];

        if (o >= HTTPD_LOG_LINE) {
            memcpy(c->logline + o, "...", 3);
            o += 3;
            break;
        }
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            c->logline[o++] = '\\';
            c->logline[o++] = 'x';
            c->logline[o++] = hex[ch >> 4];
            c->logline[o++] = hex[ch & 15];
        } else {
            c->logline[o++] = (char)ch;
        }
    }
    c->logline[o] = '\0';
}

/* The first line of whatever is in the input buffer (for requests we
 * refuse before the parser could hand us one). */
static void set_logline_raw(struct conn *c)
{
    size_t len = strcspn(c->in, "\r\n");

    if (len > c->in_len)
        len = c->in_len;
    set_logline(c, c->in, len);
}

static void log_request(const struct conn *c)
{
    char addr[INET_ADDRSTRLEN], when[64];
    struct tm tm;

    inet_ntop(AF_INET, &c->peer.sin_addr, addr, sizeof(addr));
    localtime_r(&c->when, &tm);
    strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
    if (c->body_sent)
        printf("%s - - [%s] \"%s\" %d %llu\n", addr, when, c->logline, c->status,
               (unsigned long long)c->body_sent);
    else
        printf("%s - - [%s] \"%s\" %d -\n", addr, when, c->logline, c->status);
}

/* ---- connections ----------------------------------------------------------------- */

static void conn_reset_response(struct conn *c)
{
    if (c->file >= 0)
        close(c->file);
    c->file = -1;
    c->file_left = 0;
    c->out_len = c->out_off = 0;
    c->body_len = c->body_sent = 0;
    c->head_left = 0;
    c->status = 0;
}

static void conn_free(struct httpd *h, unsigned i)
{
    struct conn *c = h->conns[i];

    conn_reset_response(c);
    glass_close(c->fd);
    free(c->out);
    free(c);
    h->conns[i] = h->conns[--h->nconns];
}

/* Make room for n more bytes in out. */
static int out_reserve(struct conn *c, size_t n)
{
    size_t want = c->out_len + n;
    char *p;

    if (want <= c->out_cap)
        return 0;
    if (want < HTTPD_CHUNK)
        want = HTTPD_CHUNK;
    p = realloc(c->out, want);
    if (!p)
        return -1;
    c->out = p;
    c->out_cap = want;
    return 0;
}

static int out_append(struct conn *c, const char *data, size_t n)
{
    if (out_reserve(c, n) < 0)
        return -1;
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
    return 0;
}

/* The head of a response, with body_len bytes of body to follow. */
static int put_head(struct conn *c, int status, bool head_only, const char *type, uint64_t body_len,
                    time_t mtime, const char *allow, const char *location)
{
    char head[1024 + HTTP_MAX_REQUEST_LINE];
    struct http_head_opts o = {.content_type = type,
                               .content_length = (int64_t)body_len,
                               .keep_alive = !c->close_after,
                               .allow = allow,
                               .location = location,
                               .last_modified = mtime};
    int n = http_response_head(head, sizeof(head), status, &o);

    if (n < 0 || out_append(c, head, (size_t)n) < 0)
        return -1;
    c->status = status;
    c->head_left = (size_t)n;
    c->body_len = head_only ? 0 : body_len;
    return 0;
}

/* A response whose body is in memory (errors, redirects, listings). */
static int respond_mem(struct conn *c, int status, bool head_only, const char *type,
                       const char *body, size_t len, const char *allow, const char *location)
{
    if (put_head(c, status, head_only, type, len, 0, allow, location) < 0)
        return -1;
    if (!head_only && out_append(c, body, len) < 0)
        return -1;
    return 0;
}

static int respond_error(struct conn *c, int status, bool head_only, const char *detail)
{
    char body[512];
    int n = snprintf(body, sizeof(body),
                     "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
                     "<body><h1>%d %s</h1>\n<p>%s</p>\n<hr><p>glass-httpd</p></body></html>\n",
                     status, http_reason(status), status, http_reason(status), detail);

    return respond_mem(c, status, head_only, "text/html; charset=utf-8", body, (size_t)n,
                       status == 405 ? "GET, HEAD" : NULL, NULL);
}

/* ---- files and directories ------------------------------------------------------ */

/* Text for HTML: & < > " escaped. */
static void html_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;

    for (; *s && o + 7 < cap; s++) {
        const char *rep = NULL;

        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        }
        if (rep) {
            memcpy(out + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* A name for an href: everything but unreserved characters (RFC 3986
 * 2.3) percent-encoded. */
static void url_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *s && o + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory without index.html: a page with one link per entry. */
static int respond_listing(struct conn *c, const char *dir, const char *path, bool head_only)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, body_len = 0;
    char *body = NULL, esc[1024], href[1024], title[HTTP_MAX_PATH * 6];
    FILE *f;
    int r = -1;

    if (!d)
        return respond_error(c, errno == EACCES ? 403 : 404, head_only,
                             "The directory cannot be read.");
    while ((de = readdir(d)) && n < HTTPD_MAX_LISTING) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (!p)
                goto out;
            names = p;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto out;
        n++;
    }
    qsort(names, n, sizeof(*names), cmp_names);
    f = open_memstream(&body, &body_len);
    if (!f)
        goto out;
    html_escape(path, title, sizeof(title));
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
               "<title>Index of %s</title></head>\n<body><h1>Index of %s</h1>\n<ul>\n",
            title, title);
    if (strcmp(path, "/") != 0)
        fprintf(f, "<li><a href=\"../\">../</a></li>\n");
    for (size_t i = 0; i < n; i++) {
        char full[PATH_MAX + HTTP_MAX_PATH + NAME_MAX + 2];
        struct stat st;
        bool is_dir;

        snprintf(full, sizeof(full), "%s/%s", dir, names[i]);
        is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        url_escape(names[i], href, sizeof(href));
        html_escape(names[i], esc, sizeof(esc));
        fprintf(f, "<li><a href=\"%s%s\">%s%s</a></li>\n", href, is_dir ? "/" : "", esc,
                is_dir ? "/" : "");
    }
    fprintf(f, "</ul>\n<hr><p>glass-httpd</p></body></html>\n");
    if (fclose(f) != 0)
        goto out;
    r = respond_mem(c, 200, head_only, "text/html; charset=utf-8", body, body_len, NULL, NULL);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(body);
    closedir(d);
    return r;
}

/* A regular file: the head now, the body in pieces as the socket takes it. */
static int respond_file(struct conn *c, const char *full, bool head_only)
{
    /* O_NONBLOCK: a FIFO put in the root must not block the server. */
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;

    if (fd < 0)
        return respond_error(c, errno == EACCES ? 403 : 404, head_only,
                             errno == EACCES ? "You may not read this file."
                                             : "Nothing here by that name.");
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return respond_error(c, 404, head_only, "Nothing here by that name.");
    }
    if (put_head(c, 200, head_only, http_content_type(full), (uint64_t)st.st_size, st.st_mtime,
                 NULL, NULL) < 0) {
        close(fd);
        return -1;
    }
    if (head_only || st.st_size == 0) {
        close(fd);
        return 0;
    }
    c->file = fd;
    c->file_left = (uint64_t)st.st_size;
    return 0;
}

/* Is full (which exists) inside the root once symbolic links are followed? */
static bool inside_root(const struct httpd *h, const char *full)
{
    char real[PATH_MAX];
    size_t n = strlen(h->root);

    if (!realpath(full, real))
        return false;
    return strncmp(real, h->root, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/* 301 to the same path with a '/' added, so relative links in the page
 * resolve inside the directory (what every server does). */
static int redirect_to_dir(struct conn *c, const char *target, bool head_only)
{
    char loc[HTTP_MAX_REQUEST_LINE + 2];
    const char *p = target;
    size_t plen;

    if (strncasecmp(p, "http://", 7) == 0)
        p = strchr(p + 7, '/');
    plen = strcspn(p, "?#");
    snprintf(loc, sizeof(loc), "%.*s/%s", (int)plen, p, p[plen] == '?' ? p + plen : "");
    return respond_mem(c, 301, head_only, "text/plain; charset=utf-8", "A directory: add a /.\n",
                       22, NULL, loc);
}

static int serve_path(struct httpd *h, struct conn *c, const char *target, bool head_only)
{
    char path[HTTP_MAX_PATH], full[PATH_MAX + HTTP_MAX_PATH], index[PATH_MAX + HTTP_MAX_PATH + 16];
    struct stat st;
    int status;

    if (http_target_path(target, path, sizeof(path), &status) < 0)
        return respond_error(c, status, head_only, "That path is not one this server serves.");
    snprintf(full, sizeof(full), "%s%s", h->root, path);
    if (stat(full, &st) < 0)
        return respond_error(c, errno == EACCES ? 403 : 404, head_only,
                             "Nothing here by that name.");
    /* A symbolic link that leads out of the root is as good as absent. */
    if (!inside_root(h, full))
        return respond_error(c, 404, head_only, "Nothing here by that name.");
    if (!S_ISDIR(st.st_mode))
        return respond_file(c, full, head_only);
    if (path[strlen(path) - 1] != '/')
        return redirect_to_dir(c, target, head_only);
    snprintf(index, sizeof(index), "%sindex.html", full);
    if (stat(index, &st) == 0 && S_ISREG(st.st_mode) && inside_root(h, index))
        return respond_file(c, index, head_only);
    return respond_listing(c, full, path, head_only);
}

/* RFC 9110 9.3: methods this server knows but does not allow (405);
 * anything else is not implemented (501, RFC 9110 9.1). */
static bool known_method(const char *m)
{
    static const char *const known[] = {"POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
                                        "TRACE", "PATCH"};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return true;
    return false;
}

/* One parsed request: fills the response. */
static int handle_request(struct httpd *h, struct conn *c, const struct http_request *req)
{
    bool head_only = strcmp(req->method, "HEAD") == 0;
    uint64_t clen = 0;

    h->requests++;
    /* We never read request bodies: a request that has one is answered,
     * then the connection is closed so its body is not taken for the next
     * request (RFC 9112 6.3, 9.3). */
    if (http_field_get(req->fields, req->nfields, "Transfer-Encoding") ||
        http_content_length(req->fields, req->nfields, &clen) != 0 || !http_keep_alive(req))
        c->close_after = true;
    if (strcmp(req->method, "GET") != 0 && !head_only)
        return respond_error(c, known_method(req->method) ? 405 : 501, false,
                             "This server only answers GET and HEAD.");
    return serve_path(h, c, req->target, head_only);
}

/* ---- the connection's life --------------------------------------------------------- */

/* Send what we can; false when the connection is to be closed. */
static bool conn_write(struct conn *c)
{
    for (;;) {
        /* Refill when all is sent, or top up a buffer that holds only the
         * head, so the head and the first body bytes share segments. */
        if (c->file_left &&
            (c->out_off == c->out_len || (c->out_off == 0 && c->out_len < HTTPD_CHUNK))) {
            size_t want;
            ssize_t n;

            if (c->out_off == c->out_len)
                c->out_off = c->out_len = 0;
            want = HTTPD_CHUNK - (c->out_len < HTTPD_CHUNK ? c->out_len : HTTPD_CHUNK);
            if (want > c->file_left)
                want = (size_t)c->file_left;
            if (out_reserve(c, want) < 0)
                return false;
            n = read(c->file, c->out + c->out_len, want);
            if (n <= 0) {
                /* The file shrank under us: the Content-Length we sent is
                 * now a lie, so the connection must end (RFC 9112 6.3). */
                fprintf(stderr, "glass-httpd: read: %s\n", n < 0 ? strerror(errno) : "file shrank");
                return false;
            }
            c->out_len += (size_t)n;
            c->file_left -= (uint64_t)n;
        }
        if (c->out_off == c->out_len)
            return true; /* all sent */
        {
            ssize_t n = glass_send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                   MSG_DONTWAIT | MSG_NOSIGNAL);
            size_t body;

            if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            c->out_off += (size_t)n;
            body = (size_t)n;
            if (c->head_left) {
                size_t hd = c->head_left < body ? c->head_left : body;
                c->head_left -= hd;
                body -= hd;
            }
            c->body_sent += body;
        }
    }
}

static bool response_done(const struct conn *c)
{
    return c->out_off == c->out_len && c->file_left == 0;
}

/* Try to make a response from the buffered input; false: close now. */
static bool conn_parse(struct httpd *h, struct conn *c)
{
    struct http_request req;
    int status;
    ssize_t n = http_parse_request(c->in, c->in_len, &req, &status);

    if (n == 0 && c->in_len < sizeof(c->in) - 1)
        return true; /* wait for more */
    c->when = time(NULL);
    if (n <= 0) {
        /* Refused before it was understood: answer and close, since we
         * cannot tell where the next request would start. */
        set_logline_raw(c);
        c->close_after = true;
        h->requests++;
        if (respond_error(c, n == 0 ? 400 : status, false,
                          status == 414 ? "The request line is longer than 8 KiB."
                                        : "The request could not be understood.") < 0)
            return false;
        c->in_len = 0;
    } else {
        char line[HTTP_MAX_REQUEST_LINE + 64];
        int len = snprintf(line, sizeof(line), "%s %s HTTP/%d.%d", req.method, req.target,
                           req.major, req.minor);

        set_logline(c, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
        if (handle_request(h, c, &req) < 0)
            return false;
        memmove(c->in, c->in + n, c->in_len - (size_t)n);
        c->in_len -= (size_t)n;
    }
    c->state = CONN_WRITE;
    return true;
}

/* The response is out: log it, then the next request or the end. */
static bool conn_finish_response(struct httpd *h, struct conn *c)
{
    log_request(c);
    conn_reset_response(c);
    if (c->close_after) {
        /* RFC 9112 9.6: close in two steps: our FIN first, then read
         * until theirs, so unread bytes do not make our close an RST. */
        glass_shutdown(c->fd, SHUT_WR);
        c->state = CONN_DRAIN;
        return true;
    }
    c->state = CONN_READ;
    /* A pipelined request may already be waiting in the buffer. */
    return c->in_len == 0 || conn_parse(h, c);
}

/* Readable: more request bytes, or (draining) bytes to throw away. */
static bool conn_read(struct httpd *h, struct conn *c)
{
    for (;;) {
        char sink[4096];
        char *buf = c->state == CONN_DRAIN ? sink : c->in + c->in_len;
        size_t room = c->state == CONN_DRAIN ? sizeof(sink) : sizeof(c->in) - 1 - c->in_len;
        ssize_t n;

        if (room == 0)
            return conn_parse(h, c);
        n = glass_recv(c->fd, buf, room, MSG_DONTWAIT);
        if (n == 0)
            return false; /* the client closed (between requests, or as we drain) */
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        if (c->state == CONN_DRAIN)
            continue;
        c->in_len += (size_t)n;
        c->in[c->in_len] = '\0';
        if (!conn_parse(h, c))
            return false;
        if (c->state != CONN_READ)
            return true;
    }
}

/* Whatever glass_poll said about this connection; false: close it. */
static bool conn_event(struct httpd *h, struct conn *c, short revents)
{
    double t = now_mono();

    if (revents & POLLNVAL)
        return false;
    if (c->state == CONN_READ || c->state == CONN_DRAIN) {
        size_t before = c->in_len;
        if (!conn_read(h, c))
            return false;
        if (c->in_len != before || c->state != CONN_READ)
            c->last_progress = t;
    }
    if (c->state == CONN_WRITE) {
        uint64_t before = c->body_sent;
        size_t off = c->out_off;

        if (!conn_write(c)) {
            if (c->body_sent || c->status)
                log_request(c); /* what was sent before it broke */
            return false;
        }
        if (c->body_sent != before || c->out_off != off)
            c->last_progress = t;
        if (response_done(c))
            return conn_finish_response(h, c);
    }
    return true;
}

static bool conn_timed_out(const struct conn *c, double t)
{
    double idle = t - c->last_progress;

    switch (c->state) {
    case CONN_READ:
        return idle > HTTPD_IDLE_SECS;
    case CONN_WRITE:
        return idle > HTTPD_STALL_SECS;
    case CONN_DRAIN:
        return idle > HTTPD_DRAIN_SECS;
    }
    return true;
}

static void accept_some(struct httpd *h)
{
    for (int i = 0; i < HTTPD_ACCEPT_BATCH && h->nconns < HTTPD_MAX_CONNS; i++) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd = glass_accept(h->listener, (struct sockaddr *)&peer, &plen);
        struct conn *c;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                fprintf(stderr, "glass-httpd: accept: %s\n", strerror(errno));
            return;
        }
        c = calloc(1, sizeof(*c));
        if (!c || glass_fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
            fprintf(stderr, "glass-httpd: dropping a connection: %s\n",
                    c ? strerror(errno) : "out of memory");
            free(c);
            glass_close(fd);
            continue;
        }
        c->fd = fd;
        c->peer = peer;
        c->file = -1;
        c->state = CONN_READ;
        c->last_progress = now_mono();
        h->conns[h->nconns++] = c;
        h->accepted++;
    }
}

/* ---- the loop ------------------------------------------------------------------------ */

static int serve(struct httpd *h)
{
    static struct pollfd pfd[HTTPD_MAX_CONNS + 1];

    while (!glass_app_stop_signal) {
        unsigned polled = h->nconns, base;
        double t;
        int n;

        /* When every slot is taken, new clients wait in the backlog. */
        base = h->nconns < HTTPD_MAX_CONNS ? 1 : 0;
        if (base)
            pfd[0] = (struct pollfd){.fd = h->listener, .events = POLLIN};
        for (unsigned i = 0; i < polled; i++)
            pfd[base + i] = (struct pollfd){
                .fd = h->conns[i]->fd,
                .events = h->conns[i]->state == CONN_WRITE ? POLLOUT : POLLIN};
        n = glass_poll(pfd, base + polled, HTTPD_POLL_MS);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "glass-httpd: poll: %s\n", strerror(errno));
            return 1;
        }
        /* Back to front: conn_free moves the last entry into the gap, and
         * only entries polled this round are looked at. */
        t = now_mono();
        for (unsigned i = polled; i-- > 0;) {
            struct conn *c = h->conns[i];
            short rev = pfd[base + i].revents;

            if ((rev && !conn_event(h, c, rev)) || (!rev && conn_timed_out(c, t)))
                conn_free(h, i);
        }
        if (base && (pfd[0].revents & POLLIN))
            accept_some(h);
    }
    return 0;
}

static int open_listener(struct httpd *h)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port),
                              .sin_addr.s_addr = htonl(INADDR_ANY)};
    int one = 1;

    h->listener = glass_socket(h->stack, AF_INET, SOCK_STREAM, 0);
    if (h->listener < 0) {
        fprintf(stderr, "glass-httpd: socket: %s\n", strerror(errno));
        return -1;
    }
    glass_setsockopt(h->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (glass_bind(h->listener, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        fprintf(stderr, "glass-httpd: bind tcp port %u: %s\n", h->port, strerror(errno));
        return -1;
    }
    if (glass_listen(h->listener, HTTPD_BACKLOG) < 0 ||
        glass_fcntl(h->listener, F_SETFL, O_NONBLOCK) < 0) {
        fprintf(stderr, "glass-httpd: listen on tcp port %u: %s\n", h->port, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct httpd h;
    struct glass_app app = {
        .prog = "glass-httpd",
        .synopsis = "[--port N] [--root DIR] [OPTION]...",
        .summary = "Serve static files over HTTP/1.1 from a glass stack.",
        .options = httpd_options,
        .on_option = on_option,
        .ctx = &h,
        .notes = httpd_notes,
    };
    struct glass_app_opts opts;
    char err[GLASS_APP_ERRLEN], what[512];
    int status = 1;

    h.port = HTTPD_DEFAULT_PORT;
    h.listener = -1;
    glass_app_parse_or_exit(&app, argc, argv, &opts);
    if (opts.argc > 0)
        glass_app_usage_error(&app, "unexpected operand '%s' (glass-httpd takes options only, "
                              "see --help)", opts.argv[0]);
    if (set_root(&h) < 0)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    glass_app_catch_signals();
    h.stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!h.stack) {
        fprintf(stderr, "glass-httpd: %s\n", err);
        return 1;
    }
    if (open_listener(&h) < 0)
        goto out;
    if (glass_app_start_stack(h.stack) < 0) {
        fprintf(stderr, "glass-httpd: cannot start the stack thread: %s\n", strerror(errno));
        goto out;
    }
    glass_app_describe(h.stack, &opts, what, sizeof(what));
    fprintf(stderr, "glass-httpd: %s; serving %s on tcp port %u\n", what,
            h.root[0] ? h.root : "/", h.port);

    status = serve(&h);

    if (glass_app_stop_signal)
        fprintf(stderr, "glass-httpd: %s, shutting down\n",
                glass_app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    /* Close while the stack still runs, and let TCP deliver what the
     * connections still hold: the stack ends with this process. */
    while (h.nconns)
        conn_free(&h, h.nconns - 1);
    if (h.listener >= 0)
        glass_close(h.listener);
    h.listener = -1;
    glass_stack_drain(h.stack, 2000);
    glass_stack_stop(h.stack);
out:
    while (h.nconns)
        conn_free(&h, h.nconns - 1);
    if (h.listener >= 0)
        glass_close(h.listener);
    fprintf(stderr, "glass-httpd: %llu connections, %llu requests\n", h.accepted, h.requests);
    glass_capture_close(h.stack);
    glass_stats_print(h.stack, stderr);
    if (glass_stack_free(h.stack) < 0)
        status = 1; /* a leak is a bug: let tests see it */
    return status;
}
