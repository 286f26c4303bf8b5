/*
 * tests/net/flood.c - a bounded packet flood at glass, for the flood tests
 * (test-syn-flood.sh, test-floods.sh).  Built by the test itself with cc.
 *
 *   flood IFACE GLASS_MAC MODE COUNT [PORT]
 *
 * Runs on the kernel side of the lab (ip netns exec NS ./flood tap0 MAC
 * ...).  glass holds tap0, so frames go in through an AF_PACKET socket on
 * tap0, as tests/net/inject.py does, only much faster (C, checksums
 * computed incrementally from one template per mode).
 *
 * The sources are fake neighbours (DESIGN.md: the kernel's own address
 * would answer glass's SYN-ACKs with RSTs): 10.0.0.100 - 10.0.0.163 with
 * MACs 02:66:00:00:00:xx.  Before flooding, each says who it is with an
 * ARP request for 10.0.0.2 (RFC 826: the target adds the sender), so glass
 * can answer them; what it answers goes to MACs nobody has and is lost,
 * as the replies to a spoofed flood are.
 *
 * Modes (COUNT frames each, from random fake sources):
 *   syn   TCP SYNs to PORT, random source ports and sequence numbers
 *   udp   UDP datagrams of 64 bytes to PORT
 *   arp   ARP requests for 10.0.0.2 from random addresses 10.0.0.2-254
 *         (except .1 and .2) and random MACs
 *   frag  first fragments (MF, offset 0, 1000 bytes) of UDP datagrams with
 *         distinct IDs: reassembly never completes
 *
 * Stops after COUNT frames or 30 s, whichever comes first; prints
 * "sent N in S s" (frames the socket took; the tap queue may drop some of
 * them before glass reads them: glass's own counters say what arrived).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NSRC 64
#define SRC_BASE 100 /* 10.0.0.100 ... */
#define MAX_SECONDS 30

static uint8_t glass_mac[6];
static struct sockaddr_ll to;
static int fd;

static uint32_t rnd_state = 0x12345678;
static uint32_t rnd(void)
{
    /* xorshift32: fast, and good enough for ports and sequence numbers */
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static void src_mac(uint8_t *p, unsigned i)
{
    static const uint8_t base[6] = {0x02, 0x66, 0, 0, 0, 0};
    memcpy(p, base, 6);
    p[5] = (uint8_t)i;
}

static uint32_t src_ip(unsigned i)
{
    return 0x0a000000u | (SRC_BASE + i);
}

/* Ethernet + IPv4 header (20 bytes) of `l4len` bytes of payload. */
static size_t ipv4_frame(uint8_t *f, unsigned src, uint8_t proto, size_t l4len, uint16_t id,
                         uint16_t frag)
{
    memcpy(f, glass_mac, 6);
    src_mac(f + 6, src);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, id);
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, src_ip(src));
    put32(ip + 16, 0x0a000002u);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    return 14 + 20;
}

static uint32_t pseudo(const uint8_t *ip, uint8_t proto, size_t len)
{
    uint32_t s = sum16(ip + 12, 8, 0);
    return s + proto + (uint32_t)len;
}

static size_t arp_request(uint8_t *f, const uint8_t *mac, uint32_t ip)
{
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    put16(f + 12, 0x0806);
    uint8_t *a = f + 14;
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, 1);
    memcpy(a + 8, mac, 6);
    put32(a + 14, ip);
    memset(a + 18, 0, 6);
    put32(a + 24, 0x0a000002u);
    memset(f + 42, 0, 18); /* pad to the 60-byte minimum */
    return 60;
}

static int send_frame(const uint8_t *f, size_t len)
{
    for (;;) {
        if (sendto(fd, f, len, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)len)
            return 0;
        if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            perror("flood: sendto");
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        poll(&p, 1, 10);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t make_syn(uint8_t *f, uint16_t port)
{
    unsigned s = rnd() % NSRC;
    size_t off = ipv4_frame(f, s, 6, 24, (uint16_t)rnd(), 0x4000);
    uint8_t *t = f + off;
    put16(t, (uint16_t)(1024 + rnd() % 60000));
    put16(t + 2, port);
    put32(t + 4, rnd());
    put32(t + 8, 0);
    t[12] = 6 << 4; /* 24 bytes: header + MSS option */
    t[13] = 0x02;   /* SYN */
    put16(t + 14, 64240);
    put16(t + 16, 0);
    put16(t + 18, 0);
    t[20] = 2;
    t[21] = 4;
    put16(t + 22, 1460);
    put16(t + 16, fold(sum16(t, 24, pseudo(f + 14, 6, 24))));
    return off + 24;
}

static size_t make_udp(uint8_t *f, uint16_t port)
{
    unsigned s = rnd() % NSRC;
    size_t off = ipv4_frame(f, s, 17, 8 + 64, (uint16_t)rnd(), 0);
    uint8_t *u = f + off;
    put16(u, (uint16_t)(1024 + rnd() % 60000));
    put16(u + 2, port);
    put16(u + 4, 8 + 64);
    put16(u + 6, 0);
    memset(u + 8, 'u', 64);
    put16(u + 6, fold(sum16(u, 72, pseudo(f + 14, 17, 72))));
    return off + 72;
}

static size_t make_arp(uint8_t *f)
{
    uint8_t mac[6] = {0x02, 0x77, 0, 0, 0, 0};
    put32(mac + 2, rnd());
    uint32_t host;
    do
        host = rnd() % 255;
    while (host < 3);
    return arp_request(f, mac, 0x0a000000u | host);
}

static size_t make_frag(uint8_t *f, uint16_t port, uint16_t id)
{
    unsigned s = rnd() % NSRC;
    /* 1000 bytes of a longer datagram: MF set, offset 0. */
    size_t off = ipv4_frame(f, s, 17, 1000, id, 0x2000);
    uint8_t *u = f + off;
    memset(u, 'f', 1000);
    put16(u, 4000);
    put16(u + 2, port);
    put16(u + 4, 3000);
    put16(u + 6, 0);
    return off + 1000;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: flood IFACE GLASS_MAC syn|udp|arp|frag COUNT [PORT]\n");
        return 2;
    }
    const char *mode = argv[3];
    long count = strtol(argv[4], NULL, 10);
    uint16_t port = (uint16_t)(argc > 5 ? atoi(argv[5]) : 80);
    if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &glass_mac[0], &glass_mac[1],
               &glass_mac[2], &glass_mac[3], &glass_mac[4], &glass_mac[5]) != 6 || count < 1) {
        fprintf(stderr, "flood: bad MAC or count\n");
        return 2;
    }
    fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("flood: socket");
        return 1;
    }
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_ifindex = (int)if_nametoindex(argv[1]);
    to.sll_halen = 6;
    memcpy(to.sll_addr, glass_mac, 6);
    if (!to.sll_ifindex) {
        fprintf(stderr, "flood: no interface %s\n", argv[1]);
        return 1;
    }
    rnd_state ^= (uint32_t)getpid();
    uint8_t f[1600];
    /* Introduce the fake neighbours (not for the ARP flood: it is its own). */
    if (strcmp(mode, "arp") != 0) {
        for (unsigned i = 0; i < NSRC; i++) {
            uint8_t mac[6];
            src_mac(mac, i);
            if (send_frame(f, arp_request(f, mac, src_ip(i))) < 0)
                return 1;
        }
        usleep(200 * 1000);
    }
    double start = now_s();
    long sent = 0;
    for (; sent < count; sent++) {
        size_t len;
        if (strcmp(mode, "syn") == 0)
            len = make_syn(f, port);
        else if (strcmp(mode, "udp") == 0)
            len = make_udp(f, port);
        else if (strcmp(mode, "arp") == 0)
            len = make_arp(f);
        else if (strcmp(mode, "frag") == 0)
            len = make_frag(f, port, (uint16_t)sent);
        else {
            fprintf(stderr, "flood: unknown mode %s\n", mode);
            return 2;
        }
        if (send_frame(f, len) < 0)
            return 1;
        if ((sent & 1023) == 0 && now_s() - start > MAX_SECONDS)
            break;
    }
    printf("sent %ld in %.2f s\n", sent, now_s() - start);
    return 0;
}
