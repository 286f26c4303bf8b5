/* check_fast.c - the moving-bytes work of wt-fast: the stack's packet
 * buffer cache (pkb.c), the TCP lookup table (tcp_hash.c), and the send
 * path's copy-and-checksum out of the send buffer (tcp_buf.c). */
#include "harness.h"

#include "checksum.h"
#include "mem.h"
#include "tcp.h"
#include "tcp_harness.h"

/* ---- the packet buffer cache --------------------------------------------- */

/* A freed buffer comes back on the next request of its class, and while
 * it is cached it is not counted as in use. */
START_TEST(test_pkb_cache_reuses_and_uncharges)
{
    struct harness h;
    harness_init(&h);
    struct glass_stack *s = h.stack;
    size_t before = glass_stack_mem_in_use(s);
    struct pkb *p = pkb_alloc(s, 1514);
    ck_assert_ptr_nonnull(p);
    uint64_t reused = glass_stat(s, "mem.pkb_reused");
    ck_assert_uint_gt(glass_stack_mem_in_use(s), before + 1514);
    pkb_put(p, 100);
    pkb_set_l3(p);
    p->nif = h.nif;
    p->stamp = 42;
    pkb_free(s, p);
    ck_assert_uint_eq(glass_stack_mem_in_use(s), before);
    struct pkb *q = pkb_alloc(s, 60);
    ck_assert_ptr_eq(q, p);
    ck_assert_uint_eq(glass_stat(s, "mem.pkb_reused"), reused + 1);
    /* A reused buffer is as new: empty, no offsets, no interface, and
     * only as much room as was asked for. */
    ck_assert_uint_eq(pkb_len(q), 0);
    ck_assert_uint_eq(pkb_headroom(q), PKB_HEADROOM);
    ck_assert_uint_eq(pkb_tailroom(q), 60);
    ck_assert_ptr_null(pkb_l3(q));
    ck_assert_ptr_null(q->nif);
    ck_assert_uint_eq(q->stamp, 0);
    ck_assert_ptr_null(pkb_put(q, 61));
    pkb_free(s, q);
    harness_fini(&h);
}
END_TEST

/* The cache holds at most PKB_POOL_SMALL_MAX small buffers; the rest are
 * freed for good.  glass_stack_free (harness_fini) releases the cache and
 * still finds nothing in use. */
START_TEST(test_pkb_cache_is_bounded)
{
    struct harness h;
    harness_init(&h);
    struct glass_stack *s = h.stack;
    size_t before = glass_stack_mem_in_use(s);
    enum { N = PKB_POOL_SMALL_MAX + 20 };
    static struct pkb *ps[N];
    for (int i = 0; i < N; i++)
        ck_assert_ptr_nonnull(ps[i] = pkb_alloc(s, 200 + (size_t)i));
    uint64_t cached = glass_stat(s, "mem.pkb_cached");
    unsigned held = s->pkb_pool.nsmall;
    for (int i = 0; i < N; i++)
        pkb_free(s, ps[i]);
    ck_assert_uint_eq(s->pkb_pool.nsmall, PKB_POOL_SMALL_MAX);
    ck_assert_uint_eq(glass_stat(s, "mem.pkb_cached") - cached, PKB_POOL_SMALL_MAX - held);
    ck_assert_uint_eq(glass_stack_mem_in_use(s), before);
    harness_fini(&h);
}
END_TEST

/* 64 KiB (GSO/TSO) buffers have their own class; a size between the two
 * classes is never cached. */
START_TEST(test_pkb_cache_big_class_and_odd_sizes)
{
    struct harness h;
    harness_init(&h);
    struct glass_stack *s = h.stack;
    struct pkb *big = pkb_alloc(s, 65536 + 54);
    ck_assert_ptr_nonnull(big);
    memset(pkb_put(big, 65536 + 54), 0x5a, 65536 + 54);
    pkb_free(s, big);
    ck_assert_uint_eq(s->pkb_pool.nbig, 1);
    struct pkb *again = pkb_alloc(s, 40000);
    ck_assert_ptr_eq(again, big);
    ck_assert_uint_eq(pkb_tailroom(again), 40000);
    pkb_free(s, again);
    unsigned small = s->pkb_pool.nsmall, nbig = s->pkb_pool.nbig;
    struct pkb *mid = pkb_alloc(s, 9000);     /* a jumbo frame: exact size */
    ck_assert_ptr_nonnull(mid);
    pkb_free(s, mid);
    ck_assert_uint_eq(s->pkb_pool.nsmall, small);
    ck_assert_uint_eq(s->pkb_pool.nbig, nbig);
    harness_fini(&h);
}
END_TEST

/* Reuse is charged again, so mem_limit still bounds the stack: with the
 * limit reached, a cached buffer is not handed out (mem.alloc_failed). */
START_TEST(test_pkb_cache_respects_mem_limit)
{
    struct harness h;
    harness_init(&h);
    struct glass_stack *s = h.stack;
    struct pkb *p = pkb_alloc(s, 100);
    pkb_free(s, p);
    ck_assert_uint_ge(s->pkb_pool.nsmall, 1);
    uint64_t failed = glass_stat(s, "mem.alloc_failed");
    s->mem_limit = glass_stack_mem_in_use(s) + 100;
    ck_assert_ptr_null(pkb_alloc(s, 100));
    ck_assert_uint_eq(glass_stat(s, "mem.alloc_failed"), failed + 1);
    s->mem_limit = 0;
    harness_fini(&h);
}
END_TEST

/* Steady state: pings in, replies out.  From the second echo on, the
 * received frame (pkb_from in harness_inject) and the reply both come
 * from the cache, and every reply is still right. */
START_TEST(test_pkb_cache_steady_state_echo)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    uint8_t icmp[64], frame[128], reply[256];
    uint64_t r0 = 0;
    for (uint16_t seq = 0; seq < 10; seq++) {
        if (seq == 1)
            r0 = counter(&h, "mem.pkb_reused");
        size_t ilen = build_icmp_echo(icmp, 8, 7, seq, "glass", 5);
        size_t flen = build_ipv4_frame(frame, A(H_PEER_IP), A(H_OUR_IP), 1, icmp, ilen);
        harness_inject(&h, frame, flen);
        size_t n = harness_tx_pop(&h, reply, sizeof reply);
        ck_assert_uint_eq(n, flen);
        ck_assert_uint_eq(reply[14 + 20], 0); /* echo reply */
        ck_assert_uint_eq(get_be16(reply + 14 + 20 + 6), seq);
        ck_assert_uint_eq(inet_checksum(reply + 14 + 20, n - 34), 0);
        ck_assert_int_eq(memcmp(reply + 14 + 20 + 8, "glass", 5), 0);
    }
    ck_assert_uint_ge(counter(&h, "mem.pkb_reused") - r0, 2 * 9);
    harness_fini(&h);
}
END_TEST

/* ---- the TCP lookup table (RFC 9293 3.10.7.1) ------------------------------ */

static struct tcp_cb *make_tcb(struct harness *h, uint32_t faddr, uint16_t fport, uint16_t lport,
                               enum tcp_state st)
{
    glass_stack_lock(h->stack);
    struct tcp_cb *t = tcp_tcb_new(h->stack);
    ck_assert_ptr_nonnull(t);
    t->laddr = st == TCP_LISTEN ? 0 : A(H_OUR_IP);
    put_be16((uint8_t *)&t->lport, lport);
    t->faddr = faddr;
    put_be16((uint8_t *)&t->fport, fport);
    t->state = st;
    tcp_tcb_link(t);
    glass_stack_unlock(h->stack);
    return t;
}

static struct tcp_cb *lookup(struct harness *h, uint32_t src, uint16_t sport, uint16_t dport)
{
    uint16_t sp, dp;
    put_be16((uint8_t *)&sp, sport);
    put_be16((uint8_t *)&dp, dport);
    glass_stack_lock(h->stack);
    struct tcp_cb *t = tcp_lookup(h->stack, src, sp, A(H_OUR_IP), dp);
    glass_stack_unlock(h->stack);
    return t;
}

/* 3000 connections to one port from many peers and ports: each found by
 * its own four-tuple; the table grew past its first size; after half are
 * unlinked, those fall through to the listener and the rest are found. */
START_TEST(test_lookup_many_connections_and_removal)
{
    struct harness h;
    harness_init(&h);
    enum { N = 3000 };
    static struct tcp_cb *t[N];
    struct tcp_cb *lst = make_tcb(&h, 0, 0, 80, TCP_LISTEN);
    for (int i = 0; i < N; i++)
        t[i] = make_tcb(&h, A("10.0.0.1") + (uint32_t)(i % 7 << 24), (uint16_t)(1024 + i), 80,
                        i % 3 ? TCP_ESTABLISHED : TCP_TIME_WAIT);
    ck_assert_uint_ge(h.stack->tcp->hash.nbuckets, N);
    for (int i = 0; i < N; i++)
        ck_assert_ptr_eq(lookup(&h, t[i]->faddr, (uint16_t)(1024 + i), 80), t[i]);
    /* A tuple nobody holds goes to the listener; another port to nobody. */
    ck_assert_ptr_eq(lookup(&h, A("10.0.0.1"), 9, 80), lst);
    ck_assert_ptr_null(lookup(&h, t[0]->faddr, 1024, 81));
    glass_stack_lock(h.stack);
    for (int i = 0; i < N; i += 2)
        tcp_tcb_free(t[i]);
    glass_stack_unlock(h.stack);
    for (int i = 0; i < N; i++) {
        uint32_t faddr = A("10.0.0.1") + (uint32_t)(i % 7 << 24);
        ck_assert_ptr_eq(lookup(&h, faddr, (uint16_t)(1024 + i), 80), i % 2 ? t[i] : lst);
    }
    harness_fini(&h);
}
END_TEST

/* TIME-WAIT holds its tuple (tcp_tuple_in_use) and takes its segments;
 * a linked block already CLOSED is skipped by lookup (the listener gets
 * the segment) but still holds the tuple against a new connect. */
START_TEST(test_lookup_time_wait_and_closed)
{
    struct harness h;
    harness_init(&h);
    struct tcp_cb *lst = make_tcb(&h, 0, 0, 80, TCP_LISTEN);
    struct tcp_cb *tw = make_tcb(&h, A(H_PEER_IP), 5000, 80, TCP_TIME_WAIT);
    struct tcp_cb *cl = make_tcb(&h, A(H_PEER_IP), 5001, 80, TCP_CLOSED);
    ck_assert_ptr_eq(lookup(&h, A(H_PEER_IP), 5000, 80), tw);
    ck_assert_ptr_eq(lookup(&h, A(H_PEER_IP), 5001, 80), lst);
    glass_stack_lock(h.stack);
    ck_assert(tcp_tuple_in_use(h.stack, A(H_OUR_IP), tw->lport, A(H_PEER_IP), tw->fport));
    ck_assert(tcp_tuple_in_use(h.stack, A(H_OUR_IP), cl->lport, A(H_PEER_IP), cl->fport));
    ck_assert(!tcp_tuple_in_use(h.stack, A(H_OUR_IP), cl->lport, A("10.0.0.3"), cl->fport));
    /* A listener never "holds" a four-tuple. */
    ck_assert(!tcp_tuple_in_use(h.stack, 0, lst->lport, 0, 0));
    glass_stack_unlock(h.stack);
    harness_fini(&h);
}
END_TEST

/* RFC 1122 4.2.2 via glass: a listener bound to the address beats one on
 * 0.0.0.0, whichever was linked first; each is found only on its port. */
START_TEST(test_lookup_listener_bound_beats_wildcard)
{
    struct harness h;
    harness_init(&h);
    struct tcp_cb *wild = make_tcb(&h, 0, 0, 8080, TCP_LISTEN);
    glass_stack_lock(h.stack);
    struct tcp_cb *bound = tcp_tcb_new(h.stack);
    bound->laddr = A(H_OUR_IP);
    put_be16((uint8_t *)&bound->lport, 8080);
    bound->state = TCP_LISTEN;
    tcp_tcb_link(bound);
    glass_stack_unlock(h.stack);
    struct tcp_cb *other = make_tcb(&h, 0, 0, 8081, TCP_LISTEN);
    ck_assert_ptr_eq(lookup(&h, A(H_PEER_IP), 1234, 8080), bound);
    ck_assert_ptr_eq(lookup(&h, A(H_PEER_IP), 1234, 8081), other);
    glass_stack_lock(h.stack);
    tcp_tcb_free(bound);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_eq(lookup(&h, A(H_PEER_IP), 1234, 8080), wild);
    ck_assert_ptr_null(lookup(&h, A(H_PEER_IP), 1234, 8082));
    harness_fini(&h);
}
END_TEST

/* Over the wire: three handshakes to one listener make three children,
 * each found by its tuple, and data for one reaches only that one. */
START_TEST(test_lookup_through_handshakes)
{
    struct harness h;
    harness_init(&h);
    harness_learn_peer(&h);
    struct tcp_cb *lst = tcp_h_listen_tcb(&h, 80, 8);
    struct tcp_h_conn c[3];
    struct tcp_cb *child[3];
    for (int i = 0; i < 3; i++) {
        c[i] = (struct tcp_h_conn){.h = &h, .lport = 80, .pport = (uint16_t)(40000 + i),
                                   .irs = 1000u * (unsigned)(i + 1), .wnd = 65535};
        child[i] = tcp_h_handshake_passive(&c[i]);
        ck_assert_ptr_ne(child[i], lst);
    }
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_eq(tcp_h_find(&h, 80, (uint16_t)(40000 + i)), child[i]);
    tcp_h_send(&c[1], c[1].snd_nxt, c[1].rcv_nxt, TCP_ACK | TCP_PSH, "abc", 3);
    ck_assert_uint_eq(child[1]->rcvbuf.len, 3);
    ck_assert_uint_eq(child[0]->rcvbuf.len, 0);
    ck_assert_uint_eq(child[2]->rcvbuf.len, 0);
    harness_fini(&h);
}
END_TEST

/* RFC 9293 3.6.1 as glass applies it at max_tcbs: the TIME-WAIT block
 * recycled is the one whose 2*MSL ends first -- entered TIME-WAIT first,
 * unless its timer was restarted since (a retransmitted FIN) -- and never
 * one whose socket is still open.  The TIME-WAIT queue must give the same
 * answer the old walk over every block did. */
START_TEST(test_time_wait_recycles_the_oldest)
{
    struct harness h;
    harness_init(&h);
    struct glass_tcp_config cfg;
    glass_tcp_config_get(h.stack, &cfg);
    cfg.max_tcbs = 5;
    ck_assert_int_eq(glass_tcp_config_set(h.stack, &cfg), 0);
    struct tcp_cb *tw[5];
    for (int i = 0; i < 5; i++) {
        tw[i] = make_tcb(&h, A(H_PEER_IP), (uint16_t)(6000 + i), 80, TCP_FIN_WAIT_2);
        glass_stack_lock(h.stack);
        tcp_set_state(tw[i], TCP_TIME_WAIT);
        tcp_timer_time_wait(tw[i]);
        glass_stack_unlock(h.stack);
        harness_advance(&h, GLASS_USEC_PER_SEC);
    }
    glass_stack_lock(h.stack);
    tw[0]->sk = (struct glass_sock *)&h; /* "socket still open": never recycled */
    tcp_timer_time_wait(tw[1]);          /* 2*MSL again: now the newest */
    glass_stack_unlock(h.stack);
    /* The order of expiry now: tw[2], tw[3], tw[4], tw[1] (tw[0] held). */
    int expect[] = {2, 3, 4, 1};
    for (int k = 0; k < 4; k++) {
        glass_stack_lock(h.stack);
        struct tcp_cb *n = tcp_tcb_new(h.stack);
        ck_assert_ptr_nonnull(n);
        glass_stack_unlock(h.stack);
        ck_assert_uint_eq(counter(&h, "tcp.time_wait_recycled"), (uint64_t)k + 1);
        for (int j = 0; j <= k; j++)
            ck_assert_ptr_null(lookup(&h, A(H_PEER_IP), (uint16_t)(6000 + expect[j]), 80));
        for (int j = k + 1; j < 4; j++)
            ck_assert_ptr_eq(lookup(&h, A(H_PEER_IP), (uint16_t)(6000 + expect[j]), 80),
                             tw[expect[j]]);
        glass_stack_lock(h.stack);
        tcp_tcb_free(n);
        glass_stack_unlock(h.stack);
        /* Fill the slot again with a block that is not TIME-WAIT. */
        make_tcb(&h, A("10.0.0.9"), (uint16_t)(7000 + k), 80, TCP_ESTABLISHED);
    }
    /* Only tw[0] is left in TIME-WAIT, and it has a socket: no room. */
    glass_stack_lock(h.stack);
    ck_assert_ptr_null(tcp_tcb_new(h.stack));
    tw[0]->sk = NULL;
    glass_stack_unlock(h.stack);
    harness_fini(&h);
}
END_TEST

/* ---- copy and checksum out of the send buffer -------------------------------- */

/* The ring wraps after an odd number of bytes: the sum of what
 * tcp_buf_peek_csum copies equals the sum of the bytes taken in order. */
START_TEST(test_peek_csum_across_an_odd_wrap)
{
    struct harness h;
    harness_init(&h);
    struct tcp_buf b;
    tcp_buf_init(&b, 4096);
    static uint8_t in[8192], out[8192];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 131 + 7);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &b, in, 4000), 4000);
    tcp_buf_drop(&b, 3001);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &b, in + 4000, 3000), 3000);
    ck_assert_uint_eq(b.cap, 4096); /* so the data wraps at 4096 - 3001 = 1095 bytes */
    for (size_t off = 0; off < 5; off++) {
        size_t len = b.len - off;
        memset(out, 0, sizeof out);
        uint32_t s = tcp_buf_peek_csum(&b, off, out, len);
        ck_assert_int_eq(memcmp(out, in + 3001 + off, len), 0);
        ck_assert_uint_eq(csum_finish(s), inet_checksum(in + 3001 + off, len));
    }
    tcp_buf_free(h.stack, &b);
    harness_fini(&h);
}
END_TEST

static Suite *fast_suite(void)
{
    Suite *s = suite_create("fast");
    TCase *pool = tcase_create("pkb_cache");
    tcase_add_test(pool, test_pkb_cache_reuses_and_uncharges);
    tcase_add_test(pool, test_pkb_cache_is_bounded);
    tcase_add_test(pool, test_pkb_cache_big_class_and_odd_sizes);
    tcase_add_test(pool, test_pkb_cache_respects_mem_limit);
    tcase_add_test(pool, test_pkb_cache_steady_state_echo);
    suite_add_tcase(s, pool);
    TCase *lk = tcase_create("tcp_lookup");
    tcase_add_test(lk, test_lookup_many_connections_and_removal);
    tcase_add_test(lk, test_lookup_time_wait_and_closed);
    tcase_add_test(lk, test_lookup_listener_bound_beats_wildcard);
    tcase_add_test(lk, test_lookup_through_handshakes);
    tcase_add_test(lk, test_time_wait_recycles_the_oldest);
    suite_add_tcase(s, lk);
    TCase *cs = tcase_create("send_csum");
    tcase_add_test(cs, test_peek_csum_across_an_odd_wrap);
    suite_add_tcase(s, cs);
    return s;
}

int main(void)
{
    return harness_run_suite(fast_suite());
}
