/* cr.c - connection rate: connect, send one HTTP/1.0 request, read the
 * reply to EOF, close; again, for SECS seconds.  Prints connections per
 * second.  On the first failure (3 s without progress, a reset, an empty
 * reply) it stops, prints the rate up to the last connection that worked,
 * and says on stderr what failed after how many connections.
 * usage: cr HOST PORT SECS */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One connection; NULL on success, else what went wrong. */
static const char *one_conn(const struct sockaddr_in *sa)
{
    static const char req[] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
    static char buf[65536];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return strerror(errno);
    const char *err = NULL;
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) < 0 && errno != EINPROGRESS) {
        err = strerror(errno);
        goto out;
    }
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if (poll(&p, 1, 3000) != 1) {
        err = "connect timed out";
        goto out;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) {
        err = strerror(soerr);
        goto out;
    }
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        err = "request not sent";
        goto out;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n == 0)
            break;
        if (errno != EAGAIN) {
            err = strerror(errno);
            goto out;
        }
        p.events = POLLIN;
        if (poll(&p, 1, 3000) != 1) {
            err = "reply timed out";
            goto out;
        }
    }
    if (!got)
        err = "empty reply";
out:
    close(fd);
    return err;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cr HOST PORT SECS\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    double secs = atof(argv[3]);
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || secs <= 0) {
        fprintf(stderr, "cr: bad address or time\n");
        return 2;
    }
    unsigned long n = 0;
    double start = now(), end = start + secs, last = start;
    while (now() < end) {
        const char *err = one_conn(&sa);
        if (err) {
            fprintf(stderr, "failed after %lu connections in %.1f s: %s\n", n, now() - start, err);
            break;
        }
        n++;
        last = now();
    }
    printf("%.0f\n", (double)n / (last - start > 1e-3 ? last - start : 1e-3));
    return 0;
}
