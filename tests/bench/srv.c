/* srv.c - the kernel's side of scripts/bench's request/response and
 * connection-rate rows, in C like glass-echo and glass-httpd (a Python
 * server would measure Python, not the kernel).  Single-threaded,
 * one connection at a time, as the clients (rr.c, cr.c) use them.
 *   srv echo PORT        echo every byte back (TCP_NODELAY)
 *   srv http PORT FILE   read a request head, send FILE as an HTTP/1.0
 *                        200 reply, close (the server closes first, as
 *                        glass-httpd does) */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve_echo(int c)
{
    static char buf[65536];
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
        if (write(c, buf, (size_t)n) != n)
            break;
}

static void serve_http(int c, const char *resp, size_t rlen)
{
    char buf[4096];
    size_t have = 0;
    while (have < sizeof buf - 1) {
        ssize_t n = read(c, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            return;
        have += (size_t)n;
        buf[have] = 0;
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    if (write(c, resp, rlen) != (ssize_t)rlen)
        return;
}

int main(int argc, char **argv)
{
    int http = argc == 4 && !strcmp(argv[1], "http");
    if (!http && !(argc == 3 && !strcmp(argv[1], "echo"))) {
        fprintf(stderr, "usage: srv echo PORT | srv http PORT FILE\n");
        return 2;
    }
    char *resp = NULL;
    size_t rlen = 0;
    if (http) {
        FILE *f = fopen(argv[3], "rb");
        if (!f) {
            perror(argv[3]);
            return 1;
        }
        static char body[1 << 20];
        size_t blen = fread(body, 1, sizeof body, f);
        fclose(f);
        resp = malloc(blen + 256);
        rlen = (size_t)snprintf(resp, 256,
                                "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
                                "Content-Length: %zu\r\n\r\n",
                                blen);
        memcpy(resp + rlen, body, blen);
        rlen += blen;
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 128) < 0) {
        perror("srv: bind/listen");
        return 1;
    }
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        if (http)
            serve_http(c, resp, rlen);
        else
            serve_echo(c);
        close(c);
    }
}
