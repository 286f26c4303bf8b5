/*
 * ctl.c - the control socket: a Unix stream socket served from the
 * stack's own poll (see ctl.h for the design and the protocol).
 */
#define _GNU_SOURCE /* accept4, struct ucred */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "stack.h"
#include "util.h"

struct ctl_client {
    int fd;                     /* -1: free slot */
    unsigned long serial;       /* order of arrival: the oldest is dropped first */
    char in[CTL_REQUEST_MAX];
    size_t inlen;
    struct ctl_buf answer;      /* being written when answer.p != NULL */
    size_t sent;
};

struct ctl_server {
    pthread_mutex_t lock;       /* the clients.  Lock order: ctl, then stack
                                 * (commands take the stack lock inside it) */
    int fd;                     /* the listening socket */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    dev_t dev;                  /* the file we made, so close unlinks only it */
    ino_t ino;
    unsigned long serial;
    struct ctl_client clients[CTL_MAX_CLIENTS];
};

static struct ctl_server *ctl_get(struct glass_stack *stack)
{
    return __atomic_load_n(&stack->ctl, __ATOMIC_ACQUIRE);
}

/* ---- opening and closing ----------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Is a program answering on path?  A socket file nobody listens on is what
 * a program killed without cleaning up leaves behind: ECONNREFUSED. */
static bool ctl_path_alive(const struct sockaddr_un *sun)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
                 (errno != ECONNREFUSED && errno != ENOENT);
    close(fd);
    return alive;
}

int glass_ctl_open(struct glass_stack *stack, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        set_err(err, errlen, "control socket path %s is too long (at most %zu bytes)", path,
                sizeof sun.sun_path - 1);
        errno = ENAMETOOLONG;
        return -1;
    }
    if (ctl_get(stack)) {
        set_err(err, errlen, "a control socket is already open");
        errno = EBUSY;
        return -1;
    }
    strcpy(sun.sun_path, path);
    struct ctl_server *c = calloc(1, sizeof(*c));
    if (!c) {
        set_err(err, errlen, "out of memory opening control socket %s", path);
        return -1;
    }
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        goto fail;
    if (bind(c->fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        struct stat st;
        /* A stale socket of a program that died: take its place. */
        if (errno != EADDRINUSE)
            goto fail;
        if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || ctl_path_alive(&sun)) {
            errno = EADDRINUSE;
            goto fail;
        }
        unlink(path);
        if (bind(c->fd, (struct sockaddr *)&sun, sizeof sun) < 0)
            goto fail;
    }
    /* Only the user who runs the program (and root) may steer it. */
    struct stat st;
    if (chmod(path, 0600) < 0 || stat(path, &st) < 0 || listen(c->fd, CTL_BACKLOG) < 0) {
        int e = errno;
        unlink(path);
        errno = e;
        goto fail;
    }
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    strcpy(c->path, path);
    pthread_mutex_init(&c->lock, NULL);
    for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
        c->clients[i].fd = -1;
    __atomic_store_n(&stack->ctl, c, __ATOMIC_RELEASE);
    glass_stack_wake(stack); /* a sleeping poll starts waiting on it too */
    return 0;
fail:;
    int e = errno;
    set_err(err, errlen, "cannot serve control socket %s: %s%s", path, strerror(e),
            e == EADDRINUSE ? " (another program answers there; give another --ctl PATH)"
            : e == ENOENT || e == EACCES ? " (check that its directory exists and is writable)"
            : "");
    if (c->fd >= 0)
        close(c->fd);
    free(c);
    errno = e;
    return -1;
}

static void ctl_client_close(struct ctl_client *cl)
{
    if (cl->fd >= 0)
        close(cl->fd);
    ctl_buf_free(&cl->answer);
    cl->fd = -1;
    cl->inlen = 0;
    cl->sent = 0;
}

void glass_ctl_close(struct glass_stack *stack)
{
    struct ctl_server *c = __atomic_exchange_n(&stack->ctl, NULL, __ATOMIC_ACQ_REL);
    if (!c)
        return;
    for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
        ctl_client_close(&c->clients[i]);
    close(c->fd);
    /* Remove the name only if it is still ours (not a newer program's). */
    struct stat st;
    if (lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
        unlink(c->path);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const char *glass_ctl_path(struct glass_stack *stack)
{
    struct ctl_server *c = ctl_get(stack);
    return c ? c->path : NULL;
}

/* ---- serving -------------------------------------------------------------- */

int ctl_pollfds(struct glass_stack *stack, struct pollfd *pfd, int max)
{
    struct ctl_server *c = ctl_get(stack);
    int n = 0;
    if (!c || max <= 0)
        return 0;
    pthread_mutex_lock(&c->lock);
    pfd[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
    for (unsigned i = 0; i < CTL_MAX_CLIENTS && n < max; i++) {
        struct ctl_client *cl = &c->clients[i];
        if (cl->fd >= 0)
            pfd[n++] = (struct pollfd){.fd = cl->fd, .events = cl->answer.p ? POLLOUT : POLLIN};
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

static short revents_of(const struct pollfd *pfd, int n, int fd)
{
    for (int i = 0; i < n; i++)
        if (pfd[i].fd == fd)
            return pfd[i].revents;
    return 0;
}

/* A free slot, or the oldest client's (it is dropped). */
static struct ctl_client *ctl_slot(struct ctl_server *c)
{
    struct ctl_client *oldest = &c->clients[0];
    for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
        if (c->clients[i].fd < 0)
            return &c->clients[i];
        if (c->clients[i].serial < oldest->serial)
            oldest = &c->clients[i];
    }
    ctl_client_close(oldest);
    return oldest;
}

static void ctl_accept(struct ctl_server *c)
{
    for (;;) {
        int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        /* The file mode already keeps others out; the peer's credentials
         * say so again where a file mode is not honoured. */
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid != 0 &&
            cred.uid != geteuid()) {
            close(fd);
            continue;
        }
        struct ctl_client *cl = ctl_slot(c);
        cl->fd = fd;
        cl->serial = ++c->serial;
    }
}

/* Write what the socket takes now; close when all is sent or it failed. */
static void ctl_client_write(struct ctl_client *cl)
{
    while (cl->sent < cl->answer.len) {
        ssize_t w = send(cl->fd, cl->answer.p + cl->sent, cl->answer.len - cl->sent,
                         MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (w <= 0) {
            ctl_client_close(cl);
            return;
        }
        cl->sent += (size_t)w;
    }
    ctl_client_close(cl);
}

/* The request is complete: answer it (header line, then the body). */
static void ctl_client_answer(struct glass_stack *stack, struct ctl_client *cl)
{
    struct ctl_buf body;
    ctl_buf_init(&body);
    ctl_buf_init(&cl->answer);
    int rc = ctl_execute(stack, cl->in, &body);
    if (body.failed) {
        ctl_puts(&cl->answer, "error the answer does not fit in memory\n");
    } else if (rc < 0) {
        ctl_printf(&cl->answer, "error %s\n", body.p ? body.p : "failed");
    } else {
        ctl_puts(&cl->answer, "ok\n");
        if (body.p)
            ctl_puts(&cl->answer, body.p);
    }
    ctl_buf_free(&body);
    if (cl->answer.failed || !cl->answer.p) {
        ctl_client_close(cl);
        return;
    }
    cl->sent = 0;
    ctl_client_write(cl);
}

static void ctl_client_read(struct glass_stack *stack, struct ctl_client *cl)
{
    for (;;) {
        ssize_t r = recv(cl->fd, cl->in + cl->inlen, sizeof cl->in - 1 - cl->inlen, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (r <= 0) {           /* gone before a whole line */
            ctl_client_close(cl);
            return;
        }
        cl->inlen += (size_t)r;
        cl->in[cl->inlen] = '\0';
        char *nl = strchr(cl->in, '\n');
        if (nl) {
            *nl = '\0';
            ctl_client_answer(stack, cl);
            return;
        }
        if (cl->inlen == sizeof cl->in - 1) {
            ctl_buf_init(&cl->answer);
            ctl_printf(&cl->answer, "error request longer than %d bytes\n", CTL_REQUEST_MAX - 1);
            cl->sent = 0;
            ctl_client_write(cl);
            return;
        }
    }
}

void ctl_service(struct glass_stack *stack, const struct pollfd *pfd, int n)
{
    struct ctl_server *c = ctl_get(stack);
    if (!c)
        return;
    /* Two threads driving one thread-less stack: one serves, the other
     * goes on (the clients are served at its next poll). */
    if (pthread_mutex_trylock(&c->lock) != 0)
        return;
    for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
        struct ctl_client *cl = &c->clients[i];
        if (cl->fd < 0)
            continue;
        short ev = revents_of(pfd, n, cl->fd);
        if (!ev)
            continue;
        if (cl->answer.p && (ev & (POLLOUT | POLLERR | POLLHUP)))
            ctl_client_write(cl);
        else if (!cl->answer.p && (ev & (POLLIN | POLLERR | POLLHUP)))
            ctl_client_read(stack, cl);
    }
    if (revents_of(pfd, n, c->fd) & POLLIN)
        ctl_accept(c);
    pthread_mutex_unlock(&c->lock);
}

/* ---- commands ---------------------------------------------------------------- */

#define CTL_MAX_WORDS 16

typedef int (*ctl_locked_fn)(struct glass_stack *, const struct ctl_args *, struct ctl_buf *);

static int ctl_run_locked(struct glass_stack *stack, ctl_locked_fn fn, const struct ctl_args *a,
                          struct ctl_buf *out)
{
    glass_stack_lock(stack);
    int rc = fn(stack, a, out);
    glass_stack_unlock(stack);
    return rc;
}

int ctl_execute(struct glass_stack *stack, const char *line, struct ctl_buf *out)
{
    char buf[CTL_REQUEST_MAX];
    char *words[CTL_MAX_WORDS];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *save = NULL, *w = strtok_r(buf, " \t\r", &save); w;
         w = strtok_r(NULL, " \t\r", &save)) {
        if (n == CTL_MAX_WORDS) {
            ctl_printf(out, "too many words in the request (at most %d)", CTL_MAX_WORDS);
            return -1;
        }
        words[n++] = w;
    }
    if (n < 2 || (strcmp(words[0], "text") != 0 && strcmp(words[0], "json") != 0)) {
        ctl_puts(out, "bad request, expected 'text|json COMMAND [ARG]...'");
        return -1;
    }
    struct ctl_args a = {.argc = n - 2, .argv = words + 2, .json = words[0][0] == 'j'};
    const char *cmd = words[1];
    if (strcmp(cmd, "if") == 0)
        return ctl_run_locked(stack, ctl_cmd_if, &a, out);
    if (strcmp(cmd, "arp") == 0)
        return ctl_run_locked(stack, ctl_cmd_arp, &a, out);
    if (strcmp(cmd, "ss") == 0)
        return ctl_run_locked(stack, ctl_cmd_ss, &a, out);
    if (strcmp(cmd, "tcb") == 0)
        return ctl_run_locked(stack, ctl_cmd_tcb, &a, out);
    if (strcmp(cmd, "stats") == 0)
        return ctl_run_locked(stack, ctl_cmd_stats, &a, out);
    if (strcmp(cmd, "trace") == 0)
        return ctl_cmd_trace(stack, &a, out);
    if (strcmp(cmd, "route") == 0) {
        if (a.argc == 0 || strcmp(a.argv[0], "show") == 0) {
            struct ctl_args rest = {.argc = a.argc ? a.argc - 1 : 0, .argv = a.argv + (a.argc > 0),
                                    .json = a.json};
            return ctl_run_locked(stack, ctl_cmd_route_show, &rest, out);
        }
        if (strcmp(a.argv[0], "add") == 0 || strcmp(a.argv[0], "del") == 0)
            return ctl_cmd_route_change(stack, &a, out);
        ctl_printf(out, "route: unknown action '%s', expected show, add or del", a.argv[0]);
        return -1;
    }
    ctl_printf(out, "unknown command '%s', expected if, arp, route, ss, tcb, stats or trace", cmd);
    return -1;
}
