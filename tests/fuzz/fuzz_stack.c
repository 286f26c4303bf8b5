/* tests/fuzz/fuzz_stack.c - see fuzz_stack.h. */
#include "fuzz_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "netif.h"
#include "pkb.h"
#include "stack.h"
#include "timer.h"
#include "util.h"

const uint8_t fuzz_our_mac[6] = {0x02, 0x00, 0x0a, 0x00, 0x00, 0x02};
const uint8_t fuzz_peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

static struct glass_clock *clk;
static struct glass_stack *stk;
static struct glass_netif *nif;
static int fds[8];
static int nfds;
/* Sequence numbers of the SYNs the stack sends during set-up. */
static uint32_t syn_seq_to_9000, synack_seq_to_40000;

static void fail(const char *what, const uint8_t *f, size_t len)
{
    fprintf(stderr, "fuzz: the stack sent a bad frame (%s), %zu bytes:", what, len);
    for (size_t i = 0; i < len && i < 96; i++)
        fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", f[i]);
    fprintf(stderr, "\n");
    abort();
}

/* Is the transport checksum of an unfragmented IPv4 packet right? */
static bool l4_csum_ok(const uint8_t *ip, size_t hlen, size_t tot)
{
    const uint8_t *l4 = ip + hlen;
    size_t l4len = tot - hlen;
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    switch (ip[9]) {
    case 1: /* ICMP: RFC 792, over the whole message */
        return l4len >= 8 && inet_checksum(l4, l4len) == 0;
    case 6: /* TCP: RFC 9293 3.1, pseudo-header included */
        if (l4len < 20 || (size_t)(l4[12] >> 4) * 4 < 20 || (size_t)(l4[12] >> 4) * 4 > l4len)
            return false;
        return csum_finish(csum_add(csum_pseudo_ipv4(src, dst, 6, (uint16_t)l4len), l4, l4len)) == 0;
    case 17: /* UDP: RFC 768; length must match, 0 = no checksum */
        if (l4len < 8 || get_be16(l4 + 4) != l4len)
            return false;
        return get_be16(l4 + 6) == 0 ||
               csum_finish(csum_add(csum_pseudo_ipv4(src, dst, 17, (uint16_t)l4len), l4, l4len)) == 0;
    default:
        return true;
    }
}

static void note_syn(const uint8_t *ip, size_t hlen)
{
    const uint8_t *t = ip + hlen;
    if (ip[9] != 6 || !(t[13] & 0x02))
        return;
    if (get_be16(t + 2) == 9000)
        syn_seq_to_9000 = get_be32(t + 4);
    else if (get_be16(t + 2) == 40000)
        synack_seq_to_40000 = get_be32(t + 4);
}

/* Every frame the stack emits: re-parse it and check it. */
static int fake_transmit(struct glass_netif *n, struct pkb *pkb)
{
    (void)n;
    const uint8_t *f = pkb->data;
    size_t len = pkb_len(pkb);
    if (len < 14)
        fail("shorter than an Ethernet header", f, len);
    if (len > 14 + FUZZ_MTU)
        fail("over the MTU", f, len);
    uint16_t type = get_be16(f + 12);
    if (type == 0x0806) {
        if (len < 14 + 28 || get_be16(f + 14) != 1 || get_be16(f + 16) != 0x0800 || f[18] != 6 ||
            f[19] != 4)
            fail("ARP (RFC 826)", f, len);
        return 0;
    }
    if (type != 0x0800)
        fail("unknown ethertype", f, len);
    const uint8_t *ip = f + 14;
    if (len < 14 + 20 || ip[0] >> 4 != 4)
        fail("IPv4 header", f, len);
    size_t hlen = (size_t)(ip[0] & 15) * 4, tot = get_be16(ip + 2);
    if (hlen < 20 || tot < hlen || tot > len - 14)
        fail("IPv4 lengths (RFC 791)", f, len);
    if (inet_checksum(ip, hlen) != 0)
        fail("IPv4 header checksum", f, len);
    uint16_t frag = get_be16(ip + 6);
    if ((frag & 0x3fff) == 0) { /* a whole datagram */
        if (!l4_csum_ok(ip, hlen, tot))
            fail("transport length or checksum", f, len);
        note_syn(ip, hlen);
    }
    return 0;
}

static int fake_receive(struct glass_netif *n, int budget)
{
    (void)n;
    (void)budget;
    return 0;
}

static const struct glass_netif_ops fake_ops = {
    .kind = "fuzz", .transmit = fake_transmit, .receive = fake_receive};

void fuzz_advance(glass_time_t usec)
{
    glass_time_t end = glass_clock_now(clk) + usec;
    for (int guard = 0; guard < 1000000; guard++) {
        glass_stack_poll(stk, 0);
        glass_stack_lock(stk);
        glass_time_t next = timer_next(stk);
        glass_stack_unlock(stk);
        glass_time_t now = glass_clock_now(clk);
        if (now >= end && stk->local_q.count == 0)
            return;
        glass_time_t to = next < end && next > now ? next : end;
        if (to > now)
            glass_clock_advance(clk, to - now);
    }
    fprintf(stderr, "fuzz: timers keep firing without virtual time moving on\n");
    abort();
}

void fuzz_input_frame(const uint8_t *frame, size_t len)
{
    struct pkb *p = pkb_from(stk, frame, len);
    if (!p)
        return;
    glass_stack_lock(stk);
    netif_input(nif, p);
    glass_stack_unlock(stk);
    glass_stack_poll(stk, 0);
}

void fuzz_input_l3(uint16_t ethertype, const uint8_t *l3, size_t len)
{
    static uint8_t buf[14 + 65536];
    if (len > sizeof buf - 14)
        len = sizeof buf - 14;
    memcpy(buf, fuzz_our_mac, 6);
    memcpy(buf + 6, fuzz_peer_mac, 6);
    put_be16(buf + 12, ethertype);
    memcpy(buf + 14, l3, len);
    fuzz_input_frame(buf, 14 + len);
}

void fuzz_fix_ipv4(uint8_t *ip, size_t len)
{
    if (len < 20)
        return;
    size_t hlen = (size_t)(ip[0] & 15) * 4, tot = get_be16(ip + 2);
    if (hlen < 20 || hlen > len)
        return;
    put_be16(ip + 10, 0);
    put_be16(ip + 10, inet_checksum(ip, hlen));
    if ((get_be16(ip + 6) & 0x3fff) != 0 || tot < hlen || tot > len)
        return;
    uint8_t *l4 = ip + hlen;
    size_t l4len = tot - hlen;
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    if (ip[9] == 1 && l4len >= 4) {
        put_be16(l4 + 2, 0);
        put_be16(l4 + 2, inet_checksum(l4, l4len));
    } else if (ip[9] == 6 && l4len >= 20) {
        put_be16(l4 + 16, 0);
        put_be16(l4 + 16, csum_finish(csum_add(csum_pseudo_ipv4(src, dst, 6, (uint16_t)l4len), l4, l4len)));
    } else if (ip[9] == 17 && l4len >= 8) {
        put_be16(l4 + 4, (uint16_t)l4len);
        put_be16(l4 + 6, 0);
        uint16_t c = csum_finish(csum_add(csum_pseudo_ipv4(src, dst, 17, (uint16_t)l4len), l4, l4len));
        put_be16(l4 + 6, c ? c : 0xffff);
    }
}

void fuzz_input_l4(uint8_t proto, const uint8_t *l4, size_t len, bool fix_l4)
{
    static uint8_t ip[65535];
    if (len > sizeof ip - 20)
        len = sizeof ip - 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(20 + len));
    put_be16(ip + 4, 1);
    ip[8] = 64;
    ip[9] = proto;
    put_addr(ip + 12, FUZZ_PEER_IP);
    put_addr(ip + 16, FUZZ_OUR_IP);
    memcpy(ip + 20, l4, len);
    if (fix_l4) {
        fuzz_fix_ipv4(ip, 20 + len);
    } else {
        put_be16(ip + 10, inet_checksum(ip, 20));
    }
    fuzz_input_l3(0x0800, ip, 20 + len);
}

/* A TCP segment from the peer (no options, no data), checksum right. */
static void peer_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
    uint8_t t[20] = {0};
    put_be16(t, sport);
    put_be16(t + 2, dport);
    put_be32(t + 4, seq);
    put_be32(t + 8, ack);
    t[12] = 5 << 4;
    t[13] = flags;
    put_be16(t + 14, 65535);
    fuzz_input_l4(6, t, sizeof t, true);
}

void fuzz_sockets(unsigned ops)
{
    static uint8_t buf[4096];
    /* fds: 0 UDP, 1 listener, 2 accepted, 3 connected, then accepted ones */
    if (ops & 1) {
        for (int i = 0; i < nfds; i++)
            if (i != 1)
                while (glass_recv(fds[i], buf, sizeof buf, MSG_DONTWAIT) > 0)
                    ;
        int a = glass_accept(fds[1], NULL, NULL);
        if (a >= 0 && nfds < (int)(sizeof fds / sizeof fds[0]))
            fds[nfds++] = a;
        else if (a >= 0)
            glass_close(a);
    }
    for (int i = 2; i < 4 && i < nfds; i++) {
        if (fds[i] < 0)
            continue;
        if (ops & 2)
            glass_send(fds[i], buf, 1000, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (ops & 4)
            glass_shutdown(fds[i], SHUT_WR);
        if (ops & 8) {
            glass_close(fds[i]);
            fds[i] = -1;
        }
    }
    glass_stack_poll(stk, 0);
}

void fuzz_stack_begin(void)
{
    clk = glass_clock_new_virtual(GLASS_USEC_PER_SEC);
    stk = glass_stack_new(clk);
    if (!clk || !stk)
        abort();
    glass_stack_lock(stk);
    nif = netif_new(stk, "fuzz0", &fake_ops, NULL);
    glass_stack_unlock(stk);
    if (!nif)
        abort();
    nif->mtu = FUZZ_MTU;
    glass_netif_set_mac(nif, fuzz_our_mac);
    glass_netif_add_addr(nif, FUZZ_OUR_IP, 24);
    glass_netif_up(nif);
    glass_arp_add_static(stk, nif, FUZZ_PEER_IP, fuzz_peer_mac);
    nfds = 0;

    /* A bound UDP socket (port 53). */
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
    int u = glass_socket(stk, AF_INET, SOCK_DGRAM, 0);
    glass_bind(u, (struct sockaddr *)&sin, sizeof sin);
    fds[nfds++] = u;

    /* A listening TCP socket (port 80) and one connection accepted on it. */
    int l = glass_socket(stk, AF_INET, SOCK_STREAM, 0);
    sin.sin_port = htons(80);
    glass_bind(l, (struct sockaddr *)&sin, sizeof sin);
    glass_listen(l, 4);
    glass_fcntl(l, F_SETFL, O_NONBLOCK);
    fds[nfds++] = l;
    peer_tcp(40000, 80, 1000, 0, 0x02);
    peer_tcp(40000, 80, 1001, synack_seq_to_40000 + 1, 0x10);
    int a = glass_accept(l, NULL, NULL);
    if (a < 0) {
        fprintf(stderr, "fuzz: set-up: the handshake to port 80 did not complete\n");
        abort();
    }
    fds[nfds++] = a;

    /* A connected TCP socket (to the peer's port 9000). */
    int c = glass_socket(stk, AF_INET, SOCK_STREAM, 0);
    glass_fcntl(c, F_SETFL, O_NONBLOCK);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(9000)};
    dst.sin_addr.s_addr = FUZZ_PEER_IP;
    glass_connect(c, (struct sockaddr *)&dst, sizeof dst);
    glass_stack_poll(stk, 0);
    fds[nfds++] = c;
    uint16_t lport = 0;
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    if (glass_getsockname(c, (struct sockaddr *)&me, &ml) == 0)
        lport = ntohs(me.sin_port);
    peer_tcp(9000, lport, 5000, syn_seq_to_9000 + 1, 0x12);
    struct pollfd pfd = {.fd = c, .events = POLLOUT};
    if (glass_poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT) || (pfd.revents & (POLLERR | POLLHUP))) {
        fprintf(stderr, "fuzz: set-up: the connection to port 9000 is not established\n");
        abort();
    }
}

void fuzz_stack_end(void)
{
    fuzz_advance(120 * GLASS_USEC_PER_SEC);
    for (int i = 0; i < nfds; i++)
        if (fds[i] >= 0)
            glass_close(fds[i]);
    fuzz_advance(GLASS_USEC_PER_SEC);
    if (glass_stack_free(stk) != 0) {
        fprintf(stderr, "fuzz: glass_stack_free reports memory not returned\n");
        abort();
    }
    glass_clock_free(clk);
    stk = NULL;
    nif = NULL;
}
