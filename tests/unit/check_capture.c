/*
 * check_capture.c - --pcap with several interfaces: one pcap file per
 * interface (the first interface writes the user's file, the others
 * FILE with ".IFNAME" before the extension), interfaces added after the
 * capture opened get theirs, and "-" (stdout) carries the first
 * interface only.
 *
 * The bench: host R with two loop interfaces, l1 (10.0.1.2/24) on one
 * wire and l2 (10.0.2.2/24) on another, each wire with a peer (10.0.1.1,
 * 10.0.2.1).  R pings both peers; every file is read back with libpcap
 * and must hold only the frames of its own link, in both directions.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "eth.h"
#include "icmp.h"

#define PING_ID 0x5151

struct bench {
    struct glass_clock *clock;
    struct glass_loop_wire *wire[2];
    struct glass_stack *r, *peer[2];
    struct glass_netif *rif[2];
    char dir[64];
};

static uint32_t net_of(unsigned link)
{
    return A(link == 0 ? "10.0.1.0" : "10.0.2.0");
}

static uint32_t addr_on(unsigned link, unsigned host)
{
    return net_of(link) | htonl(host);
}

static void settle(struct bench *b)
{
    for (int round = 0; round < 1000; round++) {
        int work = glass_stack_poll(b->r, 0);
        for (unsigned i = 0; i < 2; i++)
            work += glass_stack_poll(b->peer[i], 0);
        if (work == 0)
            return;
    }
    ck_abort_msg("stacks kept busy at one instant");
}

static void bench_init(struct bench *b)
{
    memset(b, 0, sizeof(*b));
    b->clock = glass_clock_new_virtual(GLASS_USEC_PER_SEC);
    b->r = glass_stack_new(b->clock);
    ck_assert_ptr_nonnull(b->r);
    for (unsigned i = 0; i < 2; i++) {
        b->wire[i] = glass_loop_wire_new(i + 1);
        b->peer[i] = glass_stack_new(b->clock);
        ck_assert_ptr_nonnull(b->peer[i]);
        struct glass_netif *p = glass_loop_attach(b->peer[i], b->wire[i], "p0");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(glass_netif_add_addr(p, addr_on(i, 1), 24), 0);
        ck_assert_int_eq(glass_netif_up(p), 0);
    }
    strcpy(b->dir, "/tmp/glass-capture-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(b->dir));
}

/* R's interface on link i, named l1 or l2, with its address, up. */
static void bench_attach(struct bench *b, unsigned i)
{
    char name[8];
    snprintf(name, sizeof name, "l%u", i + 1);
    b->rif[i] = glass_loop_attach(b->r, b->wire[i], name);
    ck_assert_ptr_nonnull(b->rif[i]);
    ck_assert_int_eq(glass_netif_add_addr(b->rif[i], addr_on(i, 2), 24), 0);
    ck_assert_int_eq(glass_netif_up(b->rif[i]), 0);
    settle(b);
}

static void bench_ping_both(struct bench *b)
{
    static const uint8_t data[8] = "capture";
    for (unsigned i = 0; i < 2; i++)
        ck_assert_int_eq(
            glass_icmp_echo_send(b->r, addr_on(i, 1), PING_ID, (uint16_t)(i + 1), data, 8, 0), 0);
    settle(b);
}

static void bench_fini(struct bench *b)
{
    ck_assert_int_eq(glass_stack_free(b->r), 0);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_int_eq(glass_stack_free(b->peer[i]), 0);
        glass_loop_wire_free(b->wire[i]);
    }
    glass_clock_free(b->clock);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* What one file holds. */
struct tally {
    unsigned frames, foreign;   /* foreign: an address of the other link */
    unsigned arp, echo_req, echo_rep;
    unsigned from_r, to_r;      /* by R's MAC on that link */
};

static bool on_link(uint32_t a, unsigned link)
{
    return (a & htonl(0xffffff00)) == net_of(link);
}

/* Read a pcap with libpcap and count its frames against link's subnet. */
static struct tally read_capture(const char *path, unsigned link, const uint8_t rmac[6])
{
    struct tally t = {0};
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, perr);
    ck_assert_msg(pc != NULL, "%s: %s", path, perr);
    ck_assert_int_eq(pcap_datalink(pc), DLT_EN10MB);
    struct pcap_pkthdr *ph;
    const u_char *d;
    int rc;
    while ((rc = pcap_next_ex(pc, &ph, &d)) == 1) {
        t.frames++;
        ck_assert_uint_ge(ph->caplen, 42);
        if (memcmp(d + 6, rmac, 6) == 0)
            t.from_r++;
        if (memcmp(d, rmac, 6) == 0)
            t.to_r++;
        uint16_t type = get_be16(d + 12);
        uint32_t src, dst;
        if (type == ETH_P_ARP) {
            t.arp++;
            memcpy(&src, d + 28, 4); /* sender protocol address */
            memcpy(&dst, d + 38, 4); /* target protocol address */
        } else {
            ck_assert_uint_eq(type, ETH_P_IP);
            memcpy(&src, d + 26, 4);
            memcpy(&dst, d + 30, 4);
            if (d[23] == 1 && d[34] == 8)
                t.echo_req++;
            if (d[23] == 1 && d[34] == 0)
                t.echo_rep++;
        }
        if (!on_link(src, link) || !on_link(dst, link))
            t.foreign++;
    }
    ck_assert_int_eq(rc, PCAP_ERROR_BREAK);
    pcap_close(pc);
    return t;
}

static void path_in(char *buf, size_t len, const struct bench *b, const char *name)
{
    snprintf(buf, len, "%s/%s", b->dir, name);
}

/* ---- the naming rule -------------------------------------------------------- */

START_TEST(test_derived_name_inserts_ifname_before_extension)
{
    char buf[64];
    ck_assert_uint_eq(capture_derived_path(buf, sizeof buf, "out.pcap", "tapB"), 13);
    ck_assert_str_eq(buf, "out.tapB.pcap");
    capture_derived_path(buf, sizeof buf, "out", "tapB");
    ck_assert_str_eq(buf, "out.tapB");
    /* a dot in a directory is not an extension, a leading dot neither */
    capture_derived_path(buf, sizeof buf, "/tmp/run.3/out", "tapB");
    ck_assert_str_eq(buf, "/tmp/run.3/out.tapB");
    capture_derived_path(buf, sizeof buf, "d/.pcap", "tapB");
    ck_assert_str_eq(buf, "d/.pcap.tapB");
    capture_derived_path(buf, sizeof buf, "a.b.pcapng", "x");
    ck_assert_str_eq(buf, "a.b.x.pcapng");
    /* a name can never lead into another directory */
    capture_derived_path(buf, sizeof buf, "out.pcap", "../x");
    ck_assert_str_eq(buf, "out..._x.pcap");
    /* too short: empty, never cut, and the length it needs */
    ck_assert_uint_eq(capture_derived_path(buf, 13, "out.pcap", "tapB"), 13);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- files ------------------------------------------------------------------ */

/* l1 exists when the capture opens, l2 is added after: l1 writes the
 * user's file, l2 out.l2.pcap, each only its own link's frames. */
START_TEST(test_two_interfaces_two_files_each_its_own_frames)
{
    struct bench b;
    char path[128], want[128], got[128], err[256];
    uint8_t mac[2][6];

    bench_init(&b);
    bench_attach(&b, 0);
    path_in(path, sizeof path, &b, "out.pcap");
    ck_assert_int_eq(glass_capture_open(b.r, path, err, sizeof err), 0);
    bench_attach(&b, 1); /* its gratuitous ARP goes to its own file */
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[0], got, sizeof got), 0);
    ck_assert_str_eq(got, path);
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[1], got, sizeof got), 0);
    path_in(want, sizeof want, &b, "out.l2.pcap");
    ck_assert_str_eq(got, want);
    bench_ping_both(&b);
    for (unsigned i = 0; i < 2; i++)
        glass_netif_get_mac(b.rif[i], mac[i]);
    glass_capture_close(b.r);

    struct tally t1 = read_capture(path, 0, mac[0]);
    ck_assert_uint_eq(t1.foreign, 0);
    ck_assert_uint_eq(t1.echo_req, 1);
    ck_assert_uint_eq(t1.echo_rep, 1);
    ck_assert_uint_eq(t1.arp, 2); /* who-has 10.0.1.1, its reply */
    ck_assert_uint_ge(t1.from_r, 2);
    ck_assert_uint_ge(t1.to_r, 2);
    ck_assert_uint_eq(t1.frames, 4);

    struct tally t2 = read_capture(want, 1, mac[1]);
    ck_assert_uint_eq(t2.foreign, 0);
    ck_assert_uint_eq(t2.echo_req, 1);
    ck_assert_uint_eq(t2.echo_rep, 1);
    ck_assert_uint_eq(t2.arp, 3); /* l2's announcement, who-has, reply */
    ck_assert_uint_eq(t2.frames, 5);
    ck_assert_uint_ge(t2.to_r, 2);
    bench_fini(&b);
}
END_TEST

/* The apps open the capture before any interface: the first one added
 * then takes the user's file, its announcement first in it. */
START_TEST(test_first_interface_added_after_open_takes_the_file)
{
    struct bench b;
    char path[128], want[128], got[128], err[256];
    uint8_t mac[6];

    bench_init(&b);
    path_in(path, sizeof path, &b, "cap");
    ck_assert_int_eq(glass_capture_open(b.r, path, err, sizeof err), 0);
    ck_assert_int_eq(glass_capture_open(b.r, path, err, sizeof err), -1);
    ck_assert_int_eq(errno, EBUSY);
    bench_attach(&b, 0);
    bench_attach(&b, 1);
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[0], got, sizeof got), 0);
    ck_assert_str_eq(got, path);
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[1], got, sizeof got), 0);
    path_in(want, sizeof want, &b, "cap.l2"); /* no extension: appended */
    ck_assert_str_eq(got, want);
    glass_netif_get_mac(b.rif[0], mac);
    glass_capture_close(b.r);

    struct tally t1 = read_capture(path, 0, mac);
    ck_assert_uint_eq(t1.frames, 1);
    ck_assert_uint_eq(t1.arp, 1);
    ck_assert_uint_eq(t1.from_r, 1);
    struct tally t2 = read_capture(want, 1, mac);
    ck_assert_uint_eq(t2.frames, 1);
    ck_assert_uint_eq(t2.foreign, 0);
    /* no capture: no file, and it says so */
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[0], got, sizeof got), -1);
    ck_assert_int_eq(errno, ENOENT);
    bench_fini(&b);
}
END_TEST

/* "-" is one stream: the first interface's frames only; the others are
 * reported as not captured. */
START_TEST(test_stdout_carries_the_first_interface_only)
{
    struct bench b;
    char path[128], got[160], err[256];
    uint8_t mac[6];

    bench_init(&b);
    path_in(path, sizeof path, &b, "stdout.pcap");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    int saved = dup(1);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(fd, 1), 1);
    close(fd);

    ck_assert_int_eq(glass_capture_open(b.r, "-", err, sizeof err), 0);
    bench_attach(&b, 0);
    bench_attach(&b, 1);
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[0], got, sizeof got), 0);
    ck_assert_str_eq(got, "-");
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[1], got, sizeof got), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(got, "not captured"));
    bench_ping_both(&b);
    glass_netif_get_mac(b.rif[0], mac);
    glass_capture_close(b.r);
    fflush(stdout);
    ck_assert_int_eq(dup2(saved, 1), 1);
    close(saved);

    struct tally t = read_capture(path, 0, mac);
    ck_assert_uint_eq(t.foreign, 0);
    ck_assert_uint_eq(t.frames, 5); /* announcement, ARP pair, echo pair */
    ck_assert_uint_eq(t.echo_req, 1);
    bench_fini(&b);
}
END_TEST

/* A file that cannot be written: the interface runs on uncaptured, the
 * reason names the file, nothing leaks. */
START_TEST(test_unwritable_interface_file_reported)
{
    struct bench b;
    char path[128], bad[128], got[256], err[256];

    bench_init(&b);
    path_in(path, sizeof path, &b, "out.pcap");
    path_in(bad, sizeof bad, &b, "out.l2.pcap");
    ck_assert_int_eq(mkdir(bad, 0700), 0); /* a directory where the file goes */
    ck_assert_int_eq(glass_capture_open(b.r, path, err, sizeof err), 0);
    bench_attach(&b, 0);
    bench_attach(&b, 1);
    ck_assert_int_eq(glass_capture_file(b.r, b.rif[1], got, sizeof got), -1);
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_msg(strstr(got, bad) != NULL, "why: %s", got);
    bench_ping_both(&b);
    ck_assert_uint_eq(b.rif[1]->cnt.rx_packets, 2); /* ARP reply, echo reply */
    glass_capture_close(b.r);
    bench_fini(&b);
}
END_TEST

/* An interface removed while capturing closes its file (the leak check
 * in bench_fini sees its share freed); the other goes on. */
START_TEST(test_removed_interface_closes_its_file)
{
    struct bench b;
    char path[128], err[256];
    uint8_t mac[6];

    bench_init(&b);
    path_in(path, sizeof path, &b, "out.pcap");
    ck_assert_int_eq(glass_capture_open(b.r, path, err, sizeof err), 0);
    bench_attach(&b, 0);
    bench_attach(&b, 1);
    glass_stack_lock(b.r);
    netif_destroy(b.rif[1]);
    glass_stack_unlock(b.r);
    b.rif[1] = NULL;
    static const uint8_t data[8] = "capture";
    ck_assert_int_eq(glass_icmp_echo_send(b.r, addr_on(0, 1), PING_ID, 1, data, 8, 0), 0);
    settle(&b);
    glass_netif_get_mac(b.rif[0], mac);
    glass_capture_close(b.r);
    struct tally t = read_capture(path, 0, mac);
    ck_assert_uint_eq(t.foreign, 0);
    ck_assert_uint_eq(t.frames, 5);
    bench_fini(&b);
}
END_TEST

static Suite *capture_suite(void)
{
    Suite *s = suite_create("capture");
    TCase *tc = tcase_create("capture");
    tcase_add_test(tc, test_derived_name_inserts_ifname_before_extension);
    tcase_add_test(tc, test_two_interfaces_two_files_each_its_own_frames);
    tcase_add_test(tc, test_first_interface_added_after_open_takes_the_file);
    tcase_add_test(tc, test_stdout_carries_the_first_interface_only);
    tcase_add_test(tc, test_unwritable_interface_file_reported);
    tcase_add_test(tc, test_removed_interface_closes_its_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(capture_suite());
}
