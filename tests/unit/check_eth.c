/* check_eth.c - Ethernet II input filtering and output framing, interface
 * counters, and the pcap capture of frames in and out. */
#include "harness.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#include "eth.h"

static const uint8_t OTHER_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

START_TEST(test_short_frame_dropped_and_counted)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[13] = {0};
    memcpy(f, H_OUR_MAC, 6);
    harness_inject(&h, f, sizeof f);
    ck_assert_uint_eq(counter(&h, "eth.drop_short"), 1);
    ck_assert_uint_eq(counter(&h, "eth.rx"), 0);
    ck_assert_uint_eq(h.nif->cnt.rx_dropped, 1);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

START_TEST(test_frame_for_another_mac_dropped)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[60] = {0};
    build_eth(f, OTHER_MAC, H_PEER_MAC, ETH_P_IP);
    harness_inject(&h, f, sizeof f);
    ck_assert_uint_eq(counter(&h, "eth.drop_not_for_us"), 1);
    ck_assert_uint_eq(counter(&h, "ipv4.rx"), 0);
    /* multicast groups are not joined yet either */
    const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    build_eth(f, mcast, H_PEER_MAC, ETH_P_IP);
    harness_inject(&h, f, sizeof f);
    ck_assert_uint_eq(counter(&h, "eth.drop_not_for_us"), 2);
    harness_fini(&h);
}
END_TEST

START_TEST(test_group_source_address_dropped)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[60] = {0};
    build_eth(f, H_OUR_MAC, eth_broadcast_addr, ETH_P_IP);
    harness_inject(&h, f, sizeof f);
    ck_assert_uint_eq(counter(&h, "eth.drop_bad_source"), 1);
    harness_fini(&h);
}
END_TEST

START_TEST(test_unknown_ethertype_dropped)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[60] = {0};
    build_eth(f, H_OUR_MAC, H_PEER_MAC, 0x86dd); /* IPv6: not spoken */
    harness_inject(&h, f, sizeof f);
    build_eth(f, eth_broadcast_addr, H_PEER_MAC, 0x8100); /* 802.1Q */
    harness_inject(&h, f, sizeof f);
    ck_assert_uint_eq(counter(&h, "eth.drop_unknown_type"), 2);
    ck_assert_uint_eq(counter(&h, "eth.rx"), 2);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    harness_fini(&h);
}
END_TEST

/* Broadcast and our own MAC reach the layer above (ARP here). */
START_TEST(test_broadcast_and_unicast_accepted)
{
    struct harness h;
    harness_init(&h);
    uint8_t f[64];
    size_t n = build_arp_frame(f, 1, H_PEER_MAC, A(H_PEER_IP), (const uint8_t[6]){0}, A(H_OUR_IP));
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "eth.rx"), 1);
    ck_assert_uint_eq(counter(&h, "arp.rx"), 1);
    memcpy(f, H_OUR_MAC, 6);
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "arp.rx"), 2);
    ck_assert_uint_eq(h.nif->cnt.rx_packets, 2);
    ck_assert_uint_eq(h.nif->cnt.rx_bytes, 2 * n);
    harness_fini(&h);
}
END_TEST

START_TEST(test_eth_output_frames_the_payload)
{
    struct harness h;
    harness_init(&h);
    struct pkb *p = pkb_alloc(h.stack, 4);
    memcpy(pkb_put(p, 4), "\xde\xad\xbe\xef", 4);
    glass_stack_lock(h.stack);
    ck_assert_int_eq(eth_output(h.nif, p, H_PEER_MAC, ETH_P_IP), 0);
    glass_stack_unlock(h.stack);
    uint8_t f[64];
    size_t n = harness_tx_pop(&h, f, sizeof f);
    ck_assert_uint_eq(n, 18);
    ck_assert_mem_eq(f, H_PEER_MAC, 6);
    ck_assert_mem_eq(f + 6, H_OUR_MAC, 6);
    ck_assert_uint_eq(get_be16(f + 12), ETH_P_IP);
    ck_assert_mem_eq(f + 14, "\xde\xad\xbe\xef", 4);
    ck_assert_uint_eq(h.nif->cnt.tx_packets, 1);
    ck_assert_uint_eq(counter(&h, "eth.tx"), 1);
    harness_fini(&h);
}
END_TEST

START_TEST(test_down_interface_neither_receives_nor_sends)
{
    struct harness h;
    harness_init(&h);
    glass_netif_down(h.nif);
    uint8_t f[64];
    size_t n = build_arp_frame(f, 1, H_PEER_MAC, A(H_PEER_IP), (const uint8_t[6]){0}, A(H_OUR_IP));
    harness_inject(&h, f, n);
    ck_assert_uint_eq(counter(&h, "eth.drop_iface_down"), 1);
    ck_assert_uint_eq(counter(&h, "arp.rx"), 0);
    struct pkb *p = pkb_alloc(h.stack, 4);
    pkb_put(p, 4);
    glass_stack_lock(h.stack);
    ck_assert_int_lt(eth_output(h.nif, p, H_PEER_MAC, ETH_P_IP), 0);
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(harness_tx_count(&h), 0);
    ck_assert_uint_eq(h.nif->cnt.tx_errors, 1);
    harness_fini(&h);
}
END_TEST

/* Address given -> readable MAC 02:00:a.b.c.d unless the user chose one. */
START_TEST(test_auto_mac_follows_first_address)
{
    struct glass_clock *c = glass_clock_new_virtual(0);
    struct glass_stack *s = glass_stack_new(c);
    static const struct glass_netif_ops ops = {.kind = "null"};
    glass_stack_lock(s);
    struct glass_netif *nif = netif_new(s, "null0", &ops, NULL);
    ck_assert_ptr_null(netif_new(s, "null0", &ops, NULL)); /* name taken */
    glass_stack_unlock(s);
    glass_netif_add_addr(nif, A("192.168.7.9"), 24);
    uint8_t mac[6];
    glass_netif_get_mac(nif, mac);
    ck_assert_mem_eq(mac, "\x02\x00\xc0\xa8\x07\x09", 6);
    ck_assert_int_eq(glass_netif_add_addr(nif, A("192.168.7.9"), 24), -1);
    ck_assert_int_eq(glass_netif_add_addr(nif, A("224.0.0.1"), 24), -1);
    ck_assert_int_eq(glass_netif_add_addr(nif, A("10.0.0.1"), 33), -1);
    ck_assert_uint_eq(glass_netif_addr(nif), A("192.168.7.9"));
    ck_assert_int_eq(glass_netif_set_mtu(nif, 67), -1);
    ck_assert_int_eq(glass_netif_set_mtu(nif, 9000), 0);
    ck_assert_uint_eq(glass_netif_mtu(nif), 9000);
    ck_assert_int_eq(glass_netif_set_mac(nif, eth_broadcast_addr), -1);
    ck_assert_int_eq(glass_stack_free(s), 0);
    glass_clock_free(c);
}
END_TEST

/* Every frame in and out lands in the pcap, readable by libpcap. */
START_TEST(test_capture_records_frames_in_and_out)
{
    struct harness h;
    harness_init(&h);
    char path[] = "/tmp/glass-capture-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_int_eq(glass_capture_open(h.stack, path, err, sizeof err), 0);
    ck_assert_int_eq(glass_capture_open(h.stack, path, err, sizeof err), -1);
    uint8_t f[64];
    size_t n = build_arp_frame(f, 1, H_PEER_MAC, A(H_PEER_IP), (const uint8_t[6]){0}, A(H_OUR_IP));
    harness_inject(&h, f, n); /* a request in, a reply out */
    glass_capture_close(h.stack);

    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, perr);
    ck_assert_msg(pc != NULL, "%s", perr);
    ck_assert_int_eq(pcap_datalink(pc), DLT_EN10MB);
    struct pcap_pkthdr *ph;
    const u_char *data;
    ck_assert_int_eq(pcap_next_ex(pc, &ph, &data), 1);
    ck_assert_uint_eq(ph->caplen, n);
    ck_assert_mem_eq(data, f, n);
    ck_assert_int_eq(pcap_next_ex(pc, &ph, &data), 1);
    ck_assert_uint_eq(get_be16(data + 12), ETH_P_ARP);
    ck_assert_uint_eq(get_be16(data + 20), 2); /* the ARP reply */
    ck_assert_int_eq(pcap_next_ex(pc, &ph, &data), PCAP_ERROR_BREAK);
    pcap_close(pc);
    unlink(path);
    ck_assert_int_eq(glass_capture_open(h.stack, "/nonexistent-dir/x.pcap", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.pcap"));
    harness_fini(&h);
}
END_TEST

static Suite *eth_suite(void)
{
    Suite *s = suite_create("eth");
    TCase *tc = tcase_create("eth");
    tcase_add_test(tc, test_short_frame_dropped_and_counted);
    tcase_add_test(tc, test_frame_for_another_mac_dropped);
    tcase_add_test(tc, test_group_source_address_dropped);
    tcase_add_test(tc, test_unknown_ethertype_dropped);
    tcase_add_test(tc, test_broadcast_and_unicast_accepted);
    tcase_add_test(tc, test_eth_output_frames_the_payload);
    tcase_add_test(tc, test_down_interface_neither_receives_nor_sends);
    tcase_add_test(tc, test_auto_mac_follows_first_address);
    tcase_add_test(tc, test_capture_records_frames_in_and_out);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(eth_suite());
}
