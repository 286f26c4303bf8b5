/* harness.c - see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"
#include "checksum.h"
#include "eth.h"
#include "ipv4.h"

const uint8_t H_OUR_MAC[6] = {0x02, 0x00, 0x0a, 0x00, 0x00, 0x02};
const uint8_t H_PEER_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

struct harness_frame {
    struct harness_frame *next;
    size_t len;
    uint8_t bytes[];
};

/* The fake driver keeps its recording outside the stack's accounting, so
 * the leak check sees only the stack's own memory. */
static int fake_transmit(struct glass_netif *nif, struct pkb *pkb)
{
    struct harness *h = nif->priv;
    size_t len = pkb_len(pkb);
    struct harness_frame *f = malloc(sizeof(*f) + len);
    ck_assert_ptr_nonnull(f);
    f->next = NULL;
    f->len = len;
    memcpy(f->bytes, pkb->data, len);
    if (h->tx_last)
        h->tx_last->next = f;
    else
        h->tx_first = f;
    h->tx_last = f;
    h->tx_count++;
    return 0;
}

static int fake_receive(struct glass_netif *nif, int budget)
{
    return 0;
}

static const struct glass_netif_ops fake_ops = {
    .kind = "fake",
    .transmit = fake_transmit,
    .receive = fake_receive,
};

uint32_t A(const char *dotted)
{
    uint32_t a;
    if (ip4_parse(dotted, &a) < 0)
        ck_abort_msg("bad address in test: %s", dotted);
    return a;
}

void harness_init(struct harness *h)
{
    memset(h, 0, sizeof(*h));
    h->clock = glass_clock_new_virtual(GLASS_USEC_PER_SEC);
    h->stack = glass_stack_new(h->clock);
    ck_assert_ptr_nonnull(h->stack);
    glass_stack_lock(h->stack);
    h->nif = netif_new(h->stack, "fake0", &fake_ops, h);
    glass_stack_unlock(h->stack);
    ck_assert_ptr_nonnull(h->nif);
    ck_assert_int_eq(glass_netif_set_mac(h->nif, H_OUR_MAC), 0);
    ck_assert_int_eq(glass_netif_add_addr(h->nif, A(H_OUR_IP), 24), 0);
    ck_assert_int_eq(glass_netif_up(h->nif), 0);
    ck_assert_int_eq(glass_route_add(h->stack, 0, 0, A(H_PEER_IP), NULL, 0), 0);
    harness_tx_clear(h);
    /* Tests count from zero: forget the setup's gratuitous ARP. */
    memset(&h->stack->stats, 0, sizeof h->stack->stats);
    memset(&h->nif->cnt, 0, sizeof h->nif->cnt);
}

void harness_fini(struct harness *h)
{
    harness_tx_clear(h);
    ck_assert_int_eq(glass_stack_free(h->stack), 0);
    glass_clock_free(h->clock);
    memset(h, 0, sizeof(*h));
}

void harness_inject(struct harness *h, const void *frame, size_t len)
{
    struct pkb *p = pkb_from(h->stack, frame, len);
    ck_assert_ptr_nonnull(p);
    glass_stack_lock(h->stack);
    netif_input(h->nif, p);
    glass_stack_unlock(h->stack);
    glass_stack_poll(h->stack, 0);
}

size_t harness_tx_count(const struct harness *h)
{
    return h->tx_count;
}

size_t harness_tx_pop(struct harness *h, uint8_t *buf, size_t cap)
{
    struct harness_frame *f = h->tx_first;
    if (!f)
        return 0;
    h->tx_first = f->next;
    if (!h->tx_first)
        h->tx_last = NULL;
    h->tx_count--;
    size_t len = f->len;
    ck_assert_uint_le(len, cap);
    memcpy(buf, f->bytes, len);
    free(f);
    return len;
}

void harness_tx_clear(struct harness *h)
{
    uint8_t buf[PKB_MAX_DATA];
    while (harness_tx_pop(h, buf, sizeof buf))
        ;
}

void harness_advance(struct harness *h, glass_time_t delta)
{
    glass_time_t end = glass_clock_now(h->clock) + delta;
    for (int guard = 0; guard < 1000000; guard++) {
        glass_stack_poll(h->stack, 0);
        glass_stack_lock(h->stack);
        glass_time_t next = timer_next(h->stack);
        glass_stack_unlock(h->stack);
        glass_time_t now = glass_clock_now(h->clock);
        if (now >= end && h->stack->local_q.count == 0)
            return;
        /* Work a timer queued for local delivery runs at the same instant. */
        glass_time_t step_to = next < end && next > now ? next : end;
        if (step_to > now)
            glass_clock_advance(h->clock, step_to - now);
    }
    ck_abort_msg("harness_advance: timers kept firing without end");
}

void harness_learn_peer(struct harness *h)
{
    uint8_t f[64];
    size_t n = build_arp_frame(f, ARP_OP_REPLY, H_PEER_MAC, A(H_PEER_IP), H_OUR_MAC, A(H_OUR_IP));
    harness_inject(h, f, n);
    harness_tx_clear(h);
}

size_t build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    put_be16(buf + 12, type);
    return ETH_HLEN;
}

size_t build_arp_frame(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa,
                       const uint8_t tha[6], uint32_t tpa)
{
    size_t n = build_eth(buf, op == ARP_OP_REQUEST ? eth_broadcast_addr : tha, sha, ETH_P_ARP);
    uint8_t *a = buf + n;
    put_be16(a, ARP_HRD_ETHER);
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, op);
    memcpy(a + 8, sha, 6);
    put_addr(a + 14, spa);
    memcpy(a + 18, tha, 6);
    put_addr(a + 24, tpa);
    return n + ARP_HLEN;
}

size_t build_ipv4_frame(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
                        const void *payload, size_t len)
{
    size_t n = build_eth(buf, H_OUR_MAC, H_PEER_MAC, ETH_P_IP);
    uint8_t *ip = buf + n;
    memset(ip, 0, IPV4_HLEN);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(IPV4_HLEN + len));
    put_be16(ip + 4, 1);
    ip[8] = 64;
    ip[9] = proto;
    put_addr(ip + 12, src);
    put_addr(ip + 16, dst);
    put_be16(ip + 10, inet_checksum(ip, IPV4_HLEN));
    memcpy(ip + IPV4_HLEN, payload, len);
    return n + IPV4_HLEN + len;
}

size_t build_icmp_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, const void *data,
                       size_t len)
{
    buf[0] = type;
    buf[1] = 0;
    put_be16(buf + 2, 0);
    put_be16(buf + 4, id);
    put_be16(buf + 6, seq);
    memcpy(buf + 8, data, len);
    put_be16(buf + 2, inet_checksum(buf, 8 + len));
    return 8 + len;
}

void fix_ipv4_checksum(uint8_t *frame)
{
    uint8_t *ip = frame + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    put_be16(ip + 10, 0);
    put_be16(ip + 10, inet_checksum(ip, ihl));
}

uint64_t counter(struct harness *h, const char *name)
{
    errno = 0;
    uint64_t v = glass_stat(h->stack, name);
    ck_assert_msg(errno == 0, "no counter named %s", name);
    return v;
}

struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
    struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(port)};
    s.sin_addr.s_addr = A(ip);
    return s;
}

int harness_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
