/* check_route.c - the routing table: longest-prefix match (RFC 1812
 * 5.2.4.3), tie-breaking, connected routes, and the errors of
 * glass_route_add / glass_route_del. */
#include "harness.h"

#include <errno.h>

#include "route.h"

/* route_lookup is internal: it expects the stack lock held. */
static const struct route *lookup(struct harness *h, const char *dst)
{
    glass_stack_lock(h->stack);
    const struct route *r = route_lookup(h->stack, A(dst));
    glass_stack_unlock(h->stack);
    return r;
}

static uint32_t nexthop_of(struct harness *h, const char *dst)
{
    const struct route *r = lookup(h, dst);
    ck_assert_msg(r != NULL, "no route to %s", dst);
    return route_nexthop(r, A(dst));
}

/* The harness leaves two routes: connected 10.0.0.0/24 and the default. */
START_TEST(test_harness_routes_connected_and_default)
{
    struct harness h;
    harness_init(&h);
    const struct route *c = route_at(h.stack, 0), *d = route_at(h.stack, 1);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_null(route_at(h.stack, 2));
    ck_assert_uint_eq(c->net, A("10.0.0.0"));
    ck_assert_uint_eq(c->mask, A("255.255.255.0"));
    ck_assert_uint_eq(c->prefix_len, 24);
    ck_assert_uint_eq(c->gateway, 0);
    ck_assert_int_eq(c->origin, ROUTE_CONNECTED);
    ck_assert_ptr_eq(c->nif, h.nif);
    ck_assert_uint_eq(d->net, 0);
    ck_assert_uint_eq(d->prefix_len, 0);
    ck_assert_uint_eq(d->gateway, A(H_PEER_IP));
    ck_assert_int_eq(d->origin, ROUTE_STATIC);
    /* nif NULL: the interface whose subnet holds the gateway was chosen */
    ck_assert_ptr_eq(d->nif, h.nif);
    harness_fini(&h);
}
END_TEST

START_TEST(test_rfc1812_5_2_4_3_longest_prefix_wins)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("192.168.1.0"), 24, A("10.0.0.3"), NULL, 0), 0);
    ck_assert_int_eq(glass_route_add(h.stack, A("192.168.1.7"), 32, A("10.0.0.4"), NULL, 0), 0);
    ck_assert_int_eq(glass_route_add(h.stack, A("192.168.0.0"), 16, A("10.0.0.5"), h.nif, 0), 0);
    ck_assert_uint_eq(nexthop_of(&h, "192.168.1.7"), A("10.0.0.4"));  /* /32 */
    ck_assert_uint_eq(nexthop_of(&h, "192.168.1.8"), A("10.0.0.3"));  /* /24 */
    ck_assert_uint_eq(nexthop_of(&h, "192.168.2.1"), A("10.0.0.5"));  /* /16 */
    ck_assert_uint_eq(nexthop_of(&h, "8.8.8.8"), A(H_PEER_IP));       /* default /0 */
    ck_assert_uint_eq(nexthop_of(&h, "10.0.0.9"), A("10.0.0.9"));     /* on-link */
    ck_assert_uint_eq(lookup(&h, "10.0.0.9")->prefix_len, 24);
    ck_assert_uint_eq(lookup(&h, "192.168.1.7")->prefix_len, 32);
    harness_fini(&h);
}
END_TEST

/* Equal prefixes: the lower metric wins, whatever the insertion order. */
START_TEST(test_equal_prefix_lower_metric_wins)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("172.16.0.0"), 16, A("10.0.0.3"), NULL, 10), 0);
    ck_assert_int_eq(glass_route_add(h.stack, A("172.16.0.0"), 16, A("10.0.0.4"), NULL, 5), 0);
    ck_assert_int_eq(glass_route_add(h.stack, A("172.16.0.0"), 16, A("10.0.0.6"), NULL, 7), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.3.4"), A("10.0.0.4"));
    ck_assert_uint_eq(lookup(&h, "172.16.3.4")->metric, 5);
    ck_assert_int_eq(glass_route_del(h.stack, A("172.16.0.0"), 16, A("10.0.0.4")), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.3.4"), A("10.0.0.6"));
    ck_assert_int_eq(glass_route_del(h.stack, A("172.16.0.0"), 16, A("10.0.0.6")), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.3.4"), A("10.0.0.3"));
    harness_fini(&h);
}
END_TEST

/* Equal prefix and metric: the connected route beats a static one. */
START_TEST(test_equal_prefix_and_metric_connected_wins)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("10.0.0.0"), 24, A("10.0.0.3"), NULL, 0), 0);
    const struct route *r = lookup(&h, "10.0.0.77");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->origin, ROUTE_CONNECTED);
    ck_assert_uint_eq(route_nexthop(r, A("10.0.0.77")), A("10.0.0.77"));
    harness_fini(&h);
}
END_TEST

START_TEST(test_no_route_without_default)
{
    struct harness h;
    harness_init(&h);
    ck_assert_ptr_nonnull(lookup(&h, "8.8.8.8"));
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A(H_PEER_IP)), 0);
    ck_assert_ptr_null(lookup(&h, "8.8.8.8"));
    ck_assert_ptr_nonnull(lookup(&h, "10.0.0.1"));
    /* ... and a sender hears ENETUNREACH, counted by IPv4 */
    errno = 0;
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A("8.8.8.8"), 1, 1, "x", 1, 0), -1);
    ck_assert_int_eq(errno, ENETUNREACH);
    ck_assert_uint_eq(counter(&h, "ipv4.drop_no_route"), 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* A route through an interface that is down is not used. */
START_TEST(test_route_through_down_interface_unused)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_netif_down(h.nif), 0);
    ck_assert_ptr_null(lookup(&h, "10.0.0.9"));
    ck_assert_ptr_null(lookup(&h, "8.8.8.8"));
    ck_assert_int_eq(glass_netif_up(h.nif), 0);
    ck_assert_ptr_nonnull(lookup(&h, "8.8.8.8"));
    harness_fini(&h);
}
END_TEST

START_TEST(test_add_bad_prefix_einval)
{
    struct harness h;
    harness_init(&h);
    errno = 0;
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 33, A("10.0.0.3"), NULL, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0; /* host bits set below the prefix */
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.1"), 16, A("10.0.0.3"), NULL, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0; /* neither gateway nor interface */
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, 0, NULL, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0; /* a gateway must be a neighbour, not ourselves or a broadcast */
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A(H_OUR_IP), NULL, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A("255.255.255.255"), NULL, 0),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(route_at(h.stack, 2));
    harness_fini(&h);
}
END_TEST

/* RFC 1122 3.3.1.1: a gateway must be on a connected network. */
START_TEST(test_add_offlink_gateway_enetunreach)
{
    struct harness h;
    harness_init(&h);
    errno = 0;
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A("192.168.9.1"), NULL, 0), -1);
    ck_assert_int_eq(errno, ENETUNREACH);
    errno = 0;
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A("192.168.9.1"), h.nif, 0), -1);
    ck_assert_int_eq(errno, ENETUNREACH);
    ck_assert_ptr_null(route_at(h.stack, 2));
    /* a directly connected static route needs no gateway */
    ck_assert_int_eq(glass_route_add(h.stack, A("10.9.0.0"), 16, 0, h.nif, 3), 0);
    ck_assert_uint_eq(nexthop_of(&h, "10.9.1.1"), A("10.9.1.1"));
    harness_fini(&h);
}
END_TEST

START_TEST(test_add_duplicate_eexist_del_absent_esrch)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A("10.0.0.3"), NULL, 0), 0);
    errno = 0;
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A("10.0.0.3"), NULL, 9), -1);
    ck_assert_int_eq(errno, EEXIST);
    errno = 0; /* the default route of the harness */
    ck_assert_int_eq(glass_route_add(h.stack, 0, 0, A(H_PEER_IP), NULL, 0), -1);
    ck_assert_int_eq(errno, EEXIST);
    errno = 0; /* the connected route */
    ck_assert_int_eq(glass_route_add(h.stack, A("10.0.0.0"), 24, 0, h.nif, 0), -1);
    ck_assert_int_eq(errno, EEXIST);

    errno = 0; /* same prefix, other gateway: not there */
    ck_assert_int_eq(glass_route_del(h.stack, A("10.1.0.0"), 16, A("10.0.0.4")), -1);
    ck_assert_int_eq(errno, ESRCH);
    errno = 0;
    ck_assert_int_eq(glass_route_del(h.stack, A("10.1.0.0"), 24, A("10.0.0.3")), -1);
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_int_eq(glass_route_del(h.stack, A("10.1.0.0"), 16, A("10.0.0.3")), 0);
    errno = 0;
    ck_assert_int_eq(glass_route_del(h.stack, A("10.1.0.0"), 16, A("10.0.0.3")), -1);
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_uint_eq(nexthop_of(&h, "10.1.2.3"), A(H_PEER_IP));
    harness_fini(&h);
}
END_TEST

/* The table is bounded: the 257th route is refused with ENOSPC. */
START_TEST(test_table_full_enospc)
{
    struct harness h;
    harness_init(&h);
    unsigned added = 2; /* connected + default */
    for (unsigned i = 0; added < 256; i++, added++) {
        uint8_t net[4] = {172, 16, (uint8_t)i, 0};
        ck_assert_int_eq(glass_route_add(h.stack, get_addr(net), 24, A("10.0.0.3"), NULL, 0), 0);
    }
    errno = 0;
    ck_assert_int_eq(glass_route_add(h.stack, A("192.168.0.0"), 16, A("10.0.0.3"), NULL, 0), -1);
    ck_assert_int_eq(errno, ENOSPC);
    ck_assert_ptr_nonnull(route_at(h.stack, 255));
    ck_assert_ptr_null(route_at(h.stack, 256));
    /* deleting one makes room again */
    ck_assert_int_eq(glass_route_del(h.stack, A("172.16.7.0"), 24, A("10.0.0.3")), 0);
    ck_assert_int_eq(glass_route_add(h.stack, A("192.168.0.0"), 16, A("10.0.0.3"), NULL, 0), 0);
    harness_fini(&h);
}
END_TEST

/* A second address gets its connected route; one in a subnet the
 * interface already has adds none. */
START_TEST(test_connected_route_per_subnet)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_netif_add_addr(h.nif, A("10.0.0.3"), 24), 0);
    ck_assert_ptr_null(route_at(h.stack, 2));
    ck_assert_int_eq(glass_netif_add_addr(h.nif, A("192.168.5.2"), 28), 0);
    const struct route *r = route_at(h.stack, 2);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->net, A("192.168.5.0"));
    ck_assert_uint_eq(r->prefix_len, 28);
    ck_assert_int_eq(r->origin, ROUTE_CONNECTED);
    ck_assert_uint_eq(nexthop_of(&h, "192.168.5.14"), A("192.168.5.14"));
    ck_assert_uint_eq(nexthop_of(&h, "192.168.5.17"), A(H_PEER_IP));
    /* the new subnet can now hold a gateway */
    ck_assert_int_eq(glass_route_add(h.stack, A("10.7.0.0"), 16, A("192.168.5.1"), NULL, 0), 0);
    ck_assert_uint_eq(nexthop_of(&h, "10.7.0.1"), A("192.168.5.1"));
    harness_fini(&h);
}
END_TEST

static int quiet_transmit(struct glass_netif *nif, struct pkb *pkb)
{
    return 0;
}

static const struct glass_netif_ops quiet_ops = {.kind = "fake", .transmit = quiet_transmit};

/* The same subnet on two interfaces: each gets its connected route (the
 * address is not refused with EEXIST), the first wins while it is up and
 * the second takes over when it goes down (RFC 1812 5.2.4.3 considers
 * only usable routes). */
START_TEST(test_same_subnet_on_two_interfaces_both_connected)
{
    struct harness h;
    harness_init(&h);
    glass_stack_lock(h.stack);
    struct glass_netif *other = netif_new(h.stack, "fake1", &quiet_ops, NULL);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_nonnull(other);
    ck_assert_int_eq(glass_netif_add_addr(other, A("10.0.0.3"), 24), 0);
    ck_assert_int_eq(glass_netif_up(other), 0);
    const struct route *r = route_at(h.stack, 2);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_eq(r->nif, other);
    ck_assert_int_eq(r->origin, ROUTE_CONNECTED);
    ck_assert_ptr_eq(lookup(&h, "10.0.0.9")->nif, h.nif);
    ck_assert_int_eq(glass_netif_down(h.nif), 0);
    ck_assert_ptr_eq(lookup(&h, "10.0.0.9")->nif, other);
    harness_fini(&h);
}
END_TEST

/* A static on-link route to a subnet does not keep a later address in
 * that subnet from getting its connected route. */
START_TEST(test_static_route_does_not_block_connected)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("192.168.9.0"), 24, 0, h.nif, 5), 0);
    ck_assert_int_eq(glass_netif_add_addr(h.nif, A("192.168.9.2"), 24), 0);
    const struct route *r = lookup(&h, "192.168.9.7");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->origin, ROUTE_CONNECTED);
    harness_fini(&h);
}
END_TEST

START_TEST(test_flush_netif_removes_its_routes)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("10.1.0.0"), 16, A("10.0.0.3"), NULL, 0), 0);
    glass_stack_lock(h.stack);
    route_flush_netif(h.stack, h.nif);
    glass_stack_unlock(h.stack);
    ck_assert_ptr_null(route_at(h.stack, 0));
    ck_assert_ptr_null(lookup(&h, "10.0.0.1"));
    harness_fini(&h);
}
END_TEST

/* Routes change while the stack runs (glass_route_add/del, later the
 * control socket): each lookup sees the table as it is now.  Host route
 * over net route over default, and back as each one is deleted. */
START_TEST(test_runtime_changes_host_net_default)
{
    struct harness h;
    harness_init(&h);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.4.4"), A(H_PEER_IP)); /* default */
    ck_assert_int_eq(glass_route_add(h.stack, A("172.16.0.0"), 12, A("10.0.0.3"), NULL, 0), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.4.4"), A("10.0.0.3")); /* net */
    ck_assert_int_eq(glass_route_add(h.stack, A("172.16.4.4"), 32, A("10.0.0.4"), NULL, 0), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.4.4"), A("10.0.0.4")); /* host */
    ck_assert_uint_eq(nexthop_of(&h, "172.16.4.5"), A("10.0.0.3")); /* its neighbour: net */
    ck_assert_int_eq(glass_route_del(h.stack, A("172.16.4.4"), 32, A("10.0.0.4")), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.4.4"), A("10.0.0.3"));
    ck_assert_int_eq(glass_route_del(h.stack, A("172.16.0.0"), 12, A("10.0.0.3")), 0);
    ck_assert_uint_eq(nexthop_of(&h, "172.16.4.4"), A(H_PEER_IP));
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A(H_PEER_IP)), 0);
    ck_assert_ptr_null(lookup(&h, "172.16.4.4"));
    /* The connected route is not touched by any of that. */
    ck_assert_uint_eq(nexthop_of(&h, "10.0.0.77"), A("10.0.0.77"));
    harness_fini(&h);
}
END_TEST

/* Two default routes: the lower metric carries the traffic; when it is
 * deleted the other takes over (a backup gateway). */
START_TEST(test_two_defaults_metric_and_failover)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, 0, 0, A("10.0.0.5"), NULL, 10), 0);
    /* The harness default via 10.0.0.1 has metric 0: it wins. */
    ck_assert_uint_eq(nexthop_of(&h, "8.8.8.8"), A(H_PEER_IP));
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A(H_PEER_IP)), 0);
    ck_assert_uint_eq(nexthop_of(&h, "8.8.8.8"), A("10.0.0.5"));
    /* A better one added at run time takes over again. */
    ck_assert_int_eq(glass_route_add(h.stack, 0, 0, A("10.0.0.6"), NULL, 1), 0);
    ck_assert_uint_eq(nexthop_of(&h, "8.8.8.8"), A("10.0.0.6"));
    harness_fini(&h);
}
END_TEST

/* Prefix length beats metric: a /24 with a poor metric still wins over a
 * /16 with the best one (RFC 1812 5.2.4.3: metric only breaks ties). */
START_TEST(test_rfc1812_5_2_4_3_prefix_before_metric)
{
    struct harness h;
    harness_init(&h);
    ck_assert_int_eq(glass_route_add(h.stack, A("10.9.0.0"), 16, A("10.0.0.3"), NULL, 0), 0);
    ck_assert_int_eq(glass_route_add(h.stack, A("10.9.1.0"), 24, A("10.0.0.4"), NULL, 100), 0);
    ck_assert_uint_eq(nexthop_of(&h, "10.9.1.1"), A("10.0.0.4"));
    ck_assert_uint_eq(nexthop_of(&h, "10.9.2.1"), A("10.0.0.3"));
    harness_fini(&h);
}
END_TEST

static Suite *route_suite(void)
{
    Suite *s = suite_create("route");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_harness_routes_connected_and_default);
    tcase_add_test(tc, test_rfc1812_5_2_4_3_longest_prefix_wins);
    tcase_add_test(tc, test_equal_prefix_lower_metric_wins);
    tcase_add_test(tc, test_equal_prefix_and_metric_connected_wins);
    tcase_add_test(tc, test_no_route_without_default);
    tcase_add_test(tc, test_route_through_down_interface_unused);
    tcase_add_test(tc, test_add_bad_prefix_einval);
    tcase_add_test(tc, test_add_offlink_gateway_enetunreach);
    tcase_add_test(tc, test_add_duplicate_eexist_del_absent_esrch);
    tcase_add_test(tc, test_table_full_enospc);
    tcase_add_test(tc, test_connected_route_per_subnet);
    tcase_add_test(tc, test_flush_netif_removes_its_routes);
    tcase_add_test(tc, test_same_subnet_on_two_interfaces_both_connected);
    tcase_add_test(tc, test_static_route_does_not_block_connected);
    tcase_add_test(tc, test_runtime_changes_host_net_default);
    tcase_add_test(tc, test_two_defaults_metric_and_failover);
    tcase_add_test(tc, test_rfc1812_5_2_4_3_prefix_before_metric);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(route_suite());
}
