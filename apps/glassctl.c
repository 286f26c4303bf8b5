/*
 * glassctl - show and steer a running glass program through its control
 * socket (stack/ctl.h has the protocol; the program answers from its own
 * poll loop).  glassctl does not link the stack: it sends one line,
 * "text arp" or "json ss", and prints the answer.
 *
 * Finding the program: --ctl PATH names the socket; --pid PID finds
 * PROG.PID.sock; with neither, the only program whose socket is in the
 * control directory ($XDG_RUNTIME_DIR, else /run/glass) and whose process
 * is alive.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "glass.h"

#define PROG "glassctl"
#define DEFAULT_TIMEOUT_MS 3000
#define MAX_FOUND 64

static const char usage_text[] =
    "Usage: glassctl [--ctl PATH | --pid PID] [--json] [--timeout MS] COMMAND [ARG]...\n"
    "Show and steer a running glass program through its control socket.\n"
    "\n"
    "Commands:\n"
    "  if                       interfaces: kind, state, MTU, MAC, addresses, counters\n"
    "  arp                      the neighbour cache: state, age, queued packets\n"
    "  route                    the routing table (also: route show)\n"
    "  route add NET/N via ADDR [dev NAME] [metric N]\n"
    "                           add a route through a gateway, at run time\n"
    "  route add NET/N dev NAME [metric N]\n"
    "                           add a route on the link of NAME\n"
    "  route del NET/N [via ADDR]\n"
    "                           delete a static route\n"
    "  ss                       sockets, like ss -tuan: state, queues, endpoints\n"
    "  tcb [ADDR:PORT]          TCP control blocks in full (sequence space, windows,\n"
    "                           cwnd, ssthresh, RTT, RTO, timers, buffers); only those\n"
    "                           with ADDR:PORT as local or peer endpoint if given\n"
    "  stats [all]              counters per layer like netstat -s (all: zeros too)\n"
    "  trace [LIST|off]         show, or switch at run time, what the program traces:\n"
    "                           eth,arp,ipv4,icmp,udp,tcp,socket or all (to its stderr)\n"
    "\n"
    "Options (before the command):\n"
    "      --ctl PATH           the program's control socket\n"
    "      --pid PID            the glass program with this process id\n"
    "      --json               JSON instead of aligned text (every command)\n"
    "      --timeout MS         wait at most MS milliseconds for the answer (3000)\n"
    "  -h, --help               show this help and exit\n"
    "      --version            show the version and exit\n"
    "\n"
    "Without --ctl or --pid, glassctl talks to the only glass program running.\n"
    "Every glass program serves PROG.PID.sock in $XDG_RUNTIME_DIR, or in\n"
    "/run/glass when that is not set (or the path its --ctl names).\n"
    "\n"
    "Exit status: 0 done; 1 no program answered, or it refused the command\n"
    "(one line on stderr says why); 2 bad usage.\n";

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see --help)\n");
    exit(2);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#include <stdarg.h>
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static const char *ctl_dir(void)
{
    const char *d = getenv("XDG_RUNTIME_DIR");
    return d && *d ? d : GLASS_CTL_DIR;
}

/* "glass-httpd.1234.sock" -> 1234; 0 when the name is not of that form. */
static long sock_name_pid(const char *name)
{
    size_t n = strlen(name);
    if (n < 8 || strcmp(name + n - 5, ".sock") != 0)
        return 0;
    const char *end = name + n - 5, *p = end;
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p == end || p == name || p[-1] != '.' || p - 1 == name)
        return 0;
    long pid = strtol(p, NULL, 10);
    return pid > 0 && pid <= INT_MAX ? pid : 0;
}

static bool pid_alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

struct found {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char name[NAME_MAX + 1];
    long pid;
    bool alive;
};

/* The control sockets in dir (pid 0: any pid). */
static int scan(const char *dir, long want_pid, struct found *f, int max)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        long pid = sock_name_pid(e->d_name);
        if (!pid || (want_pid && pid != want_pid))
            continue;
        if ((size_t)snprintf(f[n].path, sizeof f[n].path, "%s/%s", dir, e->d_name) >=
            sizeof f[n].path)
            continue;
        snprintf(f[n].name, sizeof f[n].name, "%s", e->d_name);
        f[n].pid = pid;
        f[n].alive = pid_alive(pid);
        n++;
    }
    closedir(d);
    return n;
}

/* The program's name from "glass-httpd.1234.sock". */
static void prog_of(const struct found *f, char *buf, size_t len)
{
    snprintf(buf, len, "%s", f->name);
    char *dot = strrchr(buf, '.');          /* .sock */
    if (dot)
        *dot = '\0';
    dot = strrchr(buf, '.');                /* .PID */
    if (dot)
        *dot = '\0';
}

static void find_socket(long want_pid, char *path, size_t len)
{
    static struct found f[MAX_FOUND];
    const char *dir = ctl_dir();
    int n = scan(dir, want_pid, f, MAX_FOUND);
    int alive = 0, pick = -1, stale = -1;
    for (int i = 0; i < n; i++) {
        if (f[i].alive) {
            alive++;
            pick = i;
        } else {
            stale = i;
        }
    }
    if (want_pid && alive == 0 && stale < 0)
        fail("no control socket for pid %ld in %s (is it a glass program? its --ctl may "
             "name another path: use --ctl PATH)", want_pid, dir);
    if (alive == 0 && stale >= 0)
        fail("no glass program is running (%s is a stale control socket: process %ld is "
             "gone; remove the file)", f[stale].path, f[stale].pid);
    if (alive == 0)
        fail("no glass program is running (no control socket in %s)", dir);
    if (alive > 1) {
        char list[512] = "";
        size_t m = 0;
        for (int i = 0; i < n && m < sizeof list; i++) {
            char prog[NAME_MAX + 1];
            if (!f[i].alive)
                continue;
            prog_of(&f[i], prog, sizeof prog);
            m += (size_t)snprintf(list + m, sizeof list - m, "%s%s %ld", m ? ", " : "", prog,
                                  f[i].pid);
        }
        fail("%d glass programs are running (%s): choose one with --pid PID or --ctl PATH",
             alive, list);
    }
    snprintf(path, len, "%s", f[pick].path);
}

static long parse_num(const char *flag, const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v <= 0 || v > max) {
        fprintf(stderr, PROG ": %s '%s': expected a number 1..%ld (see --help)\n", flag, s, max);
        exit(2);
    }
    return v;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send the request, read the answer until EOF (bounded by the timeout). */
static char *ask(const char *path, const char *request, int timeout_ms, size_t *outlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path)
        fail("%s: path too long for a control socket", path);
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail("socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        int e = errno;
        if (e == ECONNREFUSED)
            fail("%s: no program answers (a stale control socket: the program is gone)", path);
        if (e == ENOENT)
            fail("%s: no such control socket (is the program running?)", path);
        if (e == EACCES || e == EPERM)
            fail("%s: permission denied (the program belongs to another user)", path);
        fail("%s: cannot connect: %s", path, strerror(e));
    }
    size_t rlen = strlen(request);
    if (send(fd, request, rlen, MSG_NOSIGNAL) != (ssize_t)rlen)
        fail("%s: cannot send the request: %s", path, strerror(errno));
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        fail("out of memory");
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) == 0)
            fail("%s: no answer within %d ms (is the program stopped, e.g. in a debugger?)",
                 path, timeout_ms);
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                fail("out of memory");
            buf = nb;
        }
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fail("%s: %s", path, strerror(errno));
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *outlen = len;
    return buf;
}

enum { OPT_CTL = 0x100, OPT_PID, OPT_JSON, OPT_TIMEOUT, OPT_VERSION };

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"ctl", required_argument, NULL, OPT_CTL},
        {"pid", required_argument, NULL, OPT_PID},
        {"json", no_argument, NULL, OPT_JSON},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    const char *ctl = NULL;
    long pid = 0;
    bool json = false;
    int timeout_ms = DEFAULT_TIMEOUT_MS, c;

    opterr = 0;
    /* '+': options end at the command ("glassctl route del ..."). */
    while ((c = getopt_long(argc, argv, "+:h", longs, NULL)) != -1) {
        switch (c) {
        case OPT_CTL:
            if (!*optarg)
                usage_error("--ctl '': empty, expected a socket PATH%s", "");
            ctl = optarg;
            break;
        case OPT_PID:
            pid = parse_num("--pid", optarg, INT_MAX);
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_TIMEOUT:
            timeout_ms = (int)parse_num("--timeout", optarg, 600000);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf(PROG " (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        case ':':
            usage_error("%s needs an argument", argv[optind - 1]);
            break;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (ctl && pid)
        usage_error("--ctl and --pid both given, expected one of them%s", "");
    if (optind == argc)
        usage_error("expected a COMMAND: if, arp, route, ss, tcb, stats or trace%s", "");

    char request[512];
    size_t n = (size_t)snprintf(request, sizeof request, "%s", json ? "json" : "text");
    for (int i = optind; i < argc; i++) {
        if (strpbrk(argv[i], " \t\r\n") || !*argv[i])
            usage_error("argument '%s' is empty or holds white space", argv[i]);
        n += (size_t)snprintf(request + n, n < sizeof request ? sizeof request - n : 0, " %s",
                              argv[i]);
    }
    if (n + 1 >= sizeof request)
        usage_error("the command is too long%s", "");
    strcat(request, "\n");

    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (ctl)
        snprintf(path, sizeof path, "%s", ctl);
    else
        find_socket(pid, path, sizeof path);

    size_t len;
    char *answer = ask(path, request, timeout_ms, &len);
    char *nl = strchr(answer, '\n');
    if (!nl)
        fail("%s: the program closed the connection without an answer", path);
    *nl = '\0';
    if (strncmp(answer, "error ", 6) == 0) {
        fprintf(stderr, PROG ": %s\n", answer + 6);
        free(answer);
        return 1;
    }
    if (strcmp(answer, "ok") != 0)
        fail("%s: unexpected answer '%.60s'", path, answer);
    fwrite(nl + 1, 1, len - (size_t)(nl + 1 - answer), stdout);
    free(answer);
    if (fflush(stdout) != 0)
        fail("writing the answer: %s", strerror(errno));
    return 0;
}
