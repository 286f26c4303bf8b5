/* rr.c - request/response rate, like netperf TCP_RR: one TCP connection,
 * one byte each way per transaction, as fast as they go, for SECS seconds.
 * Prints transactions per second.  scripts/bench runs the same client
 * against glass-echo and against a kernel echo server (srv.c), so the
 * client's own cost is the same in both columns.
 * usage: rr HOST PORT SECS */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: rr HOST PORT SECS\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    double secs = atof(argv[3]);
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || secs <= 0) {
        fprintf(stderr, "rr: bad address or time\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 5};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("rr: connect");
        return 1;
    }
    unsigned long n = 0;
    double start = now(), end = start + secs, t = start;
    char c = 'x';
    while (t < end) {
        if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
            fprintf(stderr, "rr: connection failed after %lu transactions\n", n);
            return 1;
        }
        n++;
        if ((n & 63) == 0)
            t = now();
    }
    printf("%.0f\n", (double)n / (now() - start));
    close(fd);
    return 0;
}
