/* check_cli.c - the shared command line of the apps (apps/common.c):
 * --if/--gw/--route/--pcap/--trace/--ctl parsing, the one-line errors and
 * exit status 2 for bad input, the app's own options, and the parts of
 * bring-up that need no TAP (run on the harness's fake interface). */
#include "config.h"

#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "route.h"

#define IF_FORM "expected DRIVER:NAME[,ADDR/PREFIX|,dhcp][,mac=MAC][,mtu=N][,offload=on|off]"
#define ROUTE_FORM "expected NET/PREFIX,via=ADDR"
#define TRACE_FORM "expected a list of eth,arp,ipv4,icmp,udp,tcp,socket or all"

/* ---- a test app with options of its own ---------------------------------- */

enum { KEY_FLAG = GLASS_APP_KEY_APP };

struct test_ctx {
    int count;          /* -c N */
    int flags;          /* times --flag was seen */
};

static const struct glass_app_option test_options[] = {
    {"count", 'c', "COUNT", "a number"},
    {"flag", KEY_FLAG, NULL, "a long-only switch"},
    {0},
};

static int test_on_option(void *ctx, int key, const char *arg, char *err, size_t errlen)
{
    struct test_ctx *t = ctx;

    if (key == 'c') {
        if (strcmp(arg, "bad") == 0) {
            snprintf(err, errlen, "-c '%s': bad count, expected an integer", arg);
            return -1;
        }
        t->count = atoi(arg);
        return 0;
    }
    if (key == KEY_FLAG) {
        t->flags++;
        return 0;
    }
    snprintf(err, errlen, "unexpected key %d", key);
    return -1;
}

static struct test_ctx ctx;
static const struct glass_app test_app = {
    .prog = "glass-test",
    .synopsis = "[OPTION]... [ARG]...",
    .summary = "A test program.",
    .options = test_options,
    .on_option = test_on_option,
    .ctx = &ctx,
};

static struct glass_app_opts opts;
static char err[GLASS_APP_ERRLEN];
static char *argv_store[64];

/* parse("--if", "tap:tap0", NULL): argv[0] is the program name. */
static enum glass_app_parse_result parse(const char *first, ...)
{
    va_list ap;
    int argc = 0;

    memset(&ctx, 0, sizeof(ctx));
    memset(err, 0, sizeof(err));
    argv_store[argc++] = (char *)"glass-test";
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        ck_assert_int_lt(argc, (int)GLASS_ARRAY_SIZE(argv_store) - 1);
        argv_store[argc++] = (char *)a;
    }
    va_end(ap);
    argv_store[argc] = NULL;
    return glass_app_parse(&test_app, argc, argv_store, &opts, err, sizeof(err));
}

/* The parse fails with exactly this message. */
#define ck_parse_error(msg, ...)                                                                   \
    do {                                                                                           \
        ck_assert_int_eq(parse(__VA_ARGS__, NULL), GLASS_APP_USAGE_ERROR);                         \
        ck_assert_str_eq(err, msg);                                                                \
    } while (0)

static void ck_mac(const uint8_t *got, const char *want)
{
    uint8_t m[6];

    ck_assert_int_eq(mac_parse(want, m), 0);
    ck_assert_mem_eq(got, m, 6);
}

/* ---- defaults ------------------------------------------------------------- */

/* DESIGN.md: with no flags an app is tap:tap0,10.0.0.2/24 via 10.0.0.1,
 * so `ip netns exec NAME glassd` works in the lab namespace. */
/* Ports are 1..65535 in decimal, nothing else (glass-echo --port, glass-nc). */
START_TEST(test_port_parse)
{
    unsigned port = 0;
    ck_assert_int_eq(glass_app_parse_port("7", &port), 0);
    ck_assert_uint_eq(port, 7);
    ck_assert_int_eq(glass_app_parse_port("65535", &port), 0);
    ck_assert_uint_eq(port, 65535);
    port = 42;
    ck_assert_int_eq(glass_app_parse_port("0", &port), -1);
    ck_assert_int_eq(glass_app_parse_port("65536", &port), -1);
    ck_assert_int_eq(glass_app_parse_port("", &port), -1);
    ck_assert_int_eq(glass_app_parse_port("-1", &port), -1);
    ck_assert_int_eq(glass_app_parse_port("80x", &port), -1);
    ck_assert_int_eq(glass_app_parse_port(" 80", &port), -1);
    ck_assert_int_eq(glass_app_parse_port("99999999999999999999", &port), -1);
    ck_assert_uint_eq(port, 42); /* untouched on failure */
}
END_TEST

START_TEST(test_defaults)
{
    ck_assert_int_eq(parse(NULL), GLASS_APP_RUN);
    ck_assert_uint_eq(opts.nifs, 1);
    ck_assert_str_eq(opts.ifs[0].driver, "tap");
    ck_assert_str_eq(opts.ifs[0].name, "tap0");
    ck_assert(opts.ifs[0].has_addr);
    ck_assert_uint_eq(opts.ifs[0].addr, A("10.0.0.2"));
    ck_assert_uint_eq(opts.ifs[0].prefix_len, 24);
    ck_assert(!opts.ifs[0].has_mac);
    ck_assert_uint_eq(opts.ifs[0].mtu, 0);
    ck_assert_uint_eq(opts.gw, A("10.0.0.1"));
    ck_assert(!opts.gw_explicit);
    ck_assert(glass_app_want_default_route(&opts));
    ck_assert_uint_eq(opts.nroutes, 0);
    ck_assert_ptr_null(opts.pcap);
    ck_assert_uint_eq(opts.trace_mask, 0);
    ck_assert_ptr_null(opts.ctl);
    ck_assert_int_eq(opts.argc, 0);
}
END_TEST

/* ---- --if ----------------------------------------------------------------- */

START_TEST(test_if_every_option)
{
    ck_assert_int_eq(parse("--if", "tap:tap1,192.168.5.9/16,mac=02:AA:bb:cc:dd:ee,mtu=9000",
                           NULL),
                     GLASS_APP_RUN);
    ck_assert_uint_eq(opts.nifs, 1);
    ck_assert_str_eq(opts.ifs[0].driver, "tap");
    ck_assert_str_eq(opts.ifs[0].name, "tap1");
    ck_assert(opts.ifs[0].has_addr);
    ck_assert_uint_eq(opts.ifs[0].addr, A("192.168.5.9"));
    ck_assert_uint_eq(opts.ifs[0].prefix_len, 16);
    ck_assert(opts.ifs[0].has_mac);
    ck_mac(opts.ifs[0].mac, "02:aa:bb:cc:dd:ee");
    ck_assert_uint_eq(opts.ifs[0].mtu, 9000);
}
END_TEST

START_TEST(test_if_settings_in_any_order)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:t0,mtu=576,mac=02:00:00:00:00:09,10.1.2.3/8", &s,
                                        err, sizeof(err)),
                     0);
    ck_assert_uint_eq(s.mtu, 576);
    ck_mac(s.mac, "02:00:00:00:00:09");
    ck_assert_uint_eq(s.addr, A("10.1.2.3"));
    ck_assert_uint_eq(s.prefix_len, 8);
}
END_TEST

START_TEST(test_if_without_address)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:tap3", &s, err, sizeof(err)), 0);
    ck_assert_str_eq(s.driver, "tap");
    ck_assert_str_eq(s.name, "tap3");
    ck_assert(!s.has_addr);
    ck_assert(!s.has_mac);
    ck_assert_uint_eq(s.mtu, 0);
}
END_TEST

/* ,dhcp (RFC 2131): no address of its own, none given beside it, and no
 * default route from --gw's default: the lease brings its router. */
START_TEST(test_rfc2131_if_dhcp)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:tap3,dhcp,mtu=1400", &s, err, sizeof(err)), 0);
    ck_assert(s.dhcp);
    ck_assert(!s.has_addr);
    ck_assert_uint_eq(s.mtu, 1400);
    ck_assert_int_eq(glass_app_parse_if("tap:tap3,dhcp,10.0.0.2/24", &s, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "--if 'tap:tap3,dhcp,10.0.0.2/24': an address '10.0.0.2/24' with "
                          "'dhcp', " IF_FORM);
    ck_assert_int_eq(glass_app_parse_if("tap:tap3,10.0.0.2/24,dhcp", &s, err, sizeof(err)), -1);
    ck_assert_int_eq(glass_app_parse_if("tap:tap3,dhcp,dhcp", &s, err, sizeof(err)), -1);
    ck_assert_int_eq(parse("--if", "tap:tap0,dhcp", NULL), GLASS_APP_RUN);
    ck_assert(opts.ifs[0].dhcp);
    ck_assert(!glass_app_want_default_route(&opts));
    ck_parse_error("--gw 10.0.0.1: a ,dhcp interface takes its router from the lease, "
                   "expected no --gw", "--if", "tap:tap0,dhcp", "--gw", "10.0.0.1");
}
END_TEST

/* The mtu limits: RFC 791's 68-octet minimum, the 16-bit total length. */
START_TEST(test_rfc791_if_mtu_limits_accepted)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:tap0,mtu=68", &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.mtu, 68);
    ck_assert_int_eq(glass_app_parse_if("tap:tap0,mtu=65535", &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.mtu, 65535);
}
END_TEST

/* RFC 3021: on a /31 both addresses are hosts; a /32 is a host route. */
START_TEST(test_rfc3021_if_31_and_32_have_no_network_or_broadcast)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:tap0,10.0.0.0/31", &s, err, sizeof(err)), 0);
    ck_assert_int_eq(glass_app_parse_if("tap:tap0,10.0.0.1/31", &s, err, sizeof(err)), 0);
    ck_assert_int_eq(glass_app_parse_if("tap:tap0,10.0.0.7/32", &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.prefix_len, 32);
}
END_TEST

START_TEST(test_if_repeated_replaces_default)
{
    ck_assert_int_eq(parse("--if", "tap:tap0,10.0.0.2/24", "--if", "tap:tap1,10.0.1.2/24,mtu=1400",
                           NULL),
                     GLASS_APP_RUN);
    ck_assert_uint_eq(opts.nifs, 2);
    ck_assert_str_eq(opts.ifs[0].name, "tap0");
    ck_assert_str_eq(opts.ifs[1].name, "tap1");
    ck_assert_uint_eq(opts.ifs[1].addr, A("10.0.1.2"));
    ck_assert_uint_eq(opts.ifs[1].mtu, 1400);
    ck_assert_uint_eq(opts.ifs[0].mtu, 0);
}
END_TEST

START_TEST(test_if_same_name_twice_rejected)
{
    ck_parse_error("--if: interface tap0 given twice, expected one --if per interface", "--if",
                   "tap:tap0,10.0.0.2/24", "--if", "tap:tap0,10.0.1.2/24");
}
END_TEST

START_TEST(test_if_too_many_rejected)
{
    ck_parse_error("--if 'tap:t8': more than 8 interfaces, expected at most 8 --if",
                   "--if", "tap:t0", "--if", "tap:t1", "--if", "tap:t2", "--if", "tap:t3", "--if",
                   "tap:t4", "--if", "tap:t5", "--if", "tap:t6", "--if", "tap:t7", "--if",
                   "tap:t8");
}
END_TEST

START_TEST(test_if_bad_driver_form)
{
    ck_parse_error("--if 'tap0': bad driver form, want DRIVER:NAME such as tap:tap0, " IF_FORM,
                   "--if", "tap0");
    ck_parse_error("--if ':tap0': bad driver form, want DRIVER:NAME such as tap:tap0, " IF_FORM,
                   "--if", ":tap0");
    ck_parse_error("--if 'tap:': bad driver form, no interface NAME after 'tap:', " IF_FORM,
                   "--if", "tap:");
    ck_parse_error("--if 'tap:,10.0.0.2/24': bad driver form, no interface NAME after 'tap:', "
                   IF_FORM, "--if", "tap:,10.0.0.2/24");
    ck_parse_error("--if 'TAP:tap0': bad driver name 'TAP', " IF_FORM, "--if", "TAP:tap0");
    ck_parse_error("--if 'tap:a/b': bad interface name 'a/b', " IF_FORM, "--if", "tap:a/b");
    ck_parse_error("--if 'tap:tap0:1': bad interface name 'tap0:1', " IF_FORM, "--if",
                   "tap:tap0:1");
    /* IFNAMSIZ 16 counts the terminating NUL, as in Linux */
    ck_parse_error("--if 'tap:abcdefghijklmnop': interface name 'abcdefghijklmnop' longer than "
                   "15 characters, " IF_FORM, "--if", "tap:abcdefghijklmnop");
}
END_TEST

START_TEST(test_if_bad_address)
{
    ck_parse_error("--if 'tap:tap0,10.0.0.300/24': bad address '10.0.0.300', " IF_FORM, "--if",
                   "tap:tap0,10.0.0.300/24");
    ck_parse_error("--if 'tap:tap0,10.0.0/24': bad address '10.0.0', " IF_FORM, "--if",
                   "tap:tap0,10.0.0/24");
    ck_parse_error("--if 'tap:tap0,10.0.0.2': address '10.0.0.2' has no /PREFIX, " IF_FORM,
                   "--if", "tap:tap0,10.0.0.2");
    ck_parse_error("--if 'tap:tap0,10.0.0.2/24,10.0.1.2/24': more than one address, " IF_FORM,
                   "--if", "tap:tap0,10.0.0.2/24,10.0.1.2/24");
    ck_parse_error("--if 'tap:tap0,,mtu=1500': empty item, " IF_FORM, "--if",
                   "tap:tap0,,mtu=1500");
    ck_parse_error("--if 'tap:tap0,speed=10': unknown setting 'speed=10', " IF_FORM, "--if",
                   "tap:tap0,speed=10");
}
END_TEST

START_TEST(test_if_prefix_out_of_range)
{
    ck_parse_error("--if 'tap:tap0,10.0.0.2/33': prefix 33 > 32, " IF_FORM, "--if",
                   "tap:tap0,10.0.0.2/33");
    ck_parse_error("--if 'tap:tap0,10.0.0.2/99999999999999999999': bad prefix "
                   "'99999999999999999999', " IF_FORM, "--if",
                   "tap:tap0,10.0.0.2/99999999999999999999");
    ck_parse_error("--if 'tap:tap0,10.0.0.2/': bad prefix '', " IF_FORM, "--if",
                   "tap:tap0,10.0.0.2/");
    ck_parse_error("--if 'tap:tap0,10.0.0.2/-1': bad prefix '-1', " IF_FORM, "--if",
                   "tap:tap0,10.0.0.2/-1");
    ck_parse_error("--if 'tap:tap0,10.0.0.2/2x': bad prefix '2x', " IF_FORM, "--if",
                   "tap:tap0,10.0.0.2/2x");
}
END_TEST

/* RFC 1122 3.2.1.3: addresses a host must never take as its own. */
START_TEST(test_rfc1122_3_2_1_3_if_address_must_be_unicast)
{
    ck_parse_error("--if 'tap:tap0,224.0.0.1/24': bad address: 224.0.0.1/24 is a multicast "
                   "address, " IF_FORM, "--if", "tap:tap0,224.0.0.1/24");
    ck_parse_error("--if 'tap:tap0,127.0.0.1/8': bad address: 127.0.0.1/8 is a loopback "
                   "address, " IF_FORM, "--if", "tap:tap0,127.0.0.1/8");
    ck_parse_error("--if 'tap:tap0,0.0.0.5/8': bad address: 0.0.0.5/8 is in 0.0.0.0/8 (\"this "
                   "network\"), " IF_FORM, "--if", "tap:tap0,0.0.0.5/8");
    ck_parse_error("--if 'tap:tap0,255.255.255.255/32': bad address: 255.255.255.255/32 is the "
                   "limited broadcast address, " IF_FORM, "--if", "tap:tap0,255.255.255.255/32");
    ck_parse_error("--if 'tap:tap0,240.0.0.1/4': bad address: 240.0.0.1/4 is in the reserved "
                   "class E, " IF_FORM, "--if", "tap:tap0,240.0.0.1/4");
}
END_TEST

/* RFC 1122 3.2.1.3: host number 0 and -1 name the subnet and its broadcast. */
START_TEST(test_rfc1122_3_2_1_3_if_address_not_network_or_broadcast)
{
    ck_parse_error("--if 'tap:tap0,10.0.0.0/24': bad address: 10.0.0.0/24 is the network "
                   "address of its subnet, " IF_FORM, "--if", "tap:tap0,10.0.0.0/24");
    ck_parse_error("--if 'tap:tap0,10.0.0.255/24': bad address: 10.0.0.255/24 is the broadcast "
                   "address of its subnet, " IF_FORM, "--if", "tap:tap0,10.0.0.255/24");
}
END_TEST

START_TEST(test_if_bad_mac)
{
    ck_parse_error("--if 'tap:tap0,mac=02:00:00:00:00': bad mac '02:00:00:00:00', " IF_FORM,
                   "--if", "tap:tap0,mac=02:00:00:00:00");
    ck_parse_error("--if 'tap:tap0,mac=zz:00:00:00:00:01': bad mac 'zz:00:00:00:00:01', "
                   IF_FORM, "--if", "tap:tap0,mac=zz:00:00:00:00:01");
    ck_parse_error("--if 'tap:tap0,mac=': bad mac '', " IF_FORM, "--if", "tap:tap0,mac=");
    ck_parse_error("--if 'tap:tap0,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02': mac= given "
                   "twice, " IF_FORM, "--if",
                   "tap:tap0,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02");
}
END_TEST

/* IEEE 802: the I/G bit (bit 0 of the first octet) marks a group address. */
START_TEST(test_ieee802_if_mac_must_be_individual)
{
    ck_parse_error("--if 'tap:tap0,mac=01:00:5e:00:00:01': mac '01:00:5e:00:00:01' is not a "
                   "unicast (individual) address, " IF_FORM, "--if",
                   "tap:tap0,mac=01:00:5e:00:00:01");
    ck_parse_error("--if 'tap:tap0,mac=ff:ff:ff:ff:ff:ff': mac 'ff:ff:ff:ff:ff:ff' is not a "
                   "unicast (individual) address, " IF_FORM, "--if",
                   "tap:tap0,mac=ff:ff:ff:ff:ff:ff");
    ck_parse_error("--if 'tap:tap0,mac=00:00:00:00:00:00': mac '00:00:00:00:00:00' is not a "
                   "unicast (individual) address, " IF_FORM, "--if",
                   "tap:tap0,mac=00:00:00:00:00:00");
}
END_TEST

START_TEST(test_rfc791_if_mtu_out_of_range)
{
    ck_parse_error("--if 'tap:tap0,mtu=67': mtu '67' out of range 68..65535, " IF_FORM, "--if",
                   "tap:tap0,mtu=67");
    ck_parse_error("--if 'tap:tap0,mtu=65536': mtu '65536' out of range 68..65535, " IF_FORM,
                   "--if", "tap:tap0,mtu=65536");
    ck_parse_error("--if 'tap:tap0,mtu=0': mtu '0' out of range 68..65535, " IF_FORM, "--if",
                   "tap:tap0,mtu=0");
    ck_parse_error("--if 'tap:tap0,mtu=1500x': mtu '1500x' out of range 68..65535, " IF_FORM,
                   "--if", "tap:tap0,mtu=1500x");
    ck_parse_error("--if 'tap:tap0,mtu=': mtu '' out of range 68..65535, " IF_FORM, "--if",
                   "tap:tap0,mtu=");
    ck_parse_error("--if 'tap:tap0,mtu=1500,mtu=1400': mtu= given twice, " IF_FORM, "--if",
                   "tap:tap0,mtu=1500,mtu=1400");
}
END_TEST

/* ---- --gw --------------------------------------------------------------------- */

START_TEST(test_gw_explicit_on_link)
{
    ck_assert_int_eq(parse("--if", "tap:tap0,192.168.7.2/24", "--gw", "192.168.7.254", NULL),
                     GLASS_APP_RUN);
    ck_assert_uint_eq(opts.gw, A("192.168.7.254"));
    ck_assert(opts.gw_explicit);
    ck_assert(glass_app_want_default_route(&opts));
}
END_TEST

/* The default gateway 10.0.0.1 is off the subnet: nobody asked for it, so
 * it is skipped without a word. */
START_TEST(test_gw_default_unreachable_skipped)
{
    ck_assert_int_eq(parse("--if", "tap:tap0,192.168.7.2/24", NULL), GLASS_APP_RUN);
    ck_assert(!opts.gw_explicit);
    ck_assert(!glass_app_on_link(&opts, opts.gw));
    ck_assert(!glass_app_want_default_route(&opts));
    ck_assert_int_eq(parse("--if", "tap:tap0", NULL), GLASS_APP_RUN);
    ck_assert(!glass_app_want_default_route(&opts));
}
END_TEST

/* RFC 1122 3.3.1.1: a gateway must be on a directly connected network. */
START_TEST(test_rfc1122_3_3_1_1_gw_explicit_unreachable_rejected)
{
    ck_parse_error("--gw 10.0.0.1: not on the subnet of any --if address, expected a directly "
                   "connected gateway", "--if", "tap:tap0,192.168.7.2/24", "--gw", "10.0.0.1");
    ck_parse_error("--gw 10.0.0.1: not on the subnet of any --if address, expected a directly "
                   "connected gateway", "--if", "tap:tap0", "--gw", "10.0.0.1");
    ck_parse_error("--gw 10.0.0.2: that is our own --if address, expected a neighbour on its "
                   "subnet", "--gw", "10.0.0.2");
}
END_TEST

START_TEST(test_gw_bad_address)
{
    ck_parse_error("--gw '10.0.0': bad address, expected an IPv4 address such as 10.0.0.1",
                   "--gw", "10.0.0");
    ck_parse_error("--gw 'gateway': bad address, expected an IPv4 address such as 10.0.0.1",
                   "--gw", "gateway");
    ck_parse_error("--gw '224.0.0.1': is a multicast address, expected a unicast gateway "
                   "address", "--gw", "224.0.0.1");
}
END_TEST

/* ---- --route -------------------------------------------------------------------- */

START_TEST(test_route_parse_good_and_repeated)
{
    ck_assert_int_eq(parse("--route", "192.168.0.0/16,via=10.0.0.254", "--route",
                           "172.16.4.0/22,via=10.0.0.1", NULL),
                     GLASS_APP_RUN);
    ck_assert_uint_eq(opts.nroutes, 2);
    ck_assert_uint_eq(opts.routes[0].net, A("192.168.0.0"));
    ck_assert_uint_eq(opts.routes[0].prefix_len, 16);
    ck_assert_uint_eq(opts.routes[0].via, A("10.0.0.254"));
    ck_assert_uint_eq(opts.routes[1].net, A("172.16.4.0"));
    ck_assert_uint_eq(opts.routes[1].prefix_len, 22);
    ck_assert_uint_eq(opts.routes[1].via, A("10.0.0.1"));
    ck_assert(glass_app_want_default_route(&opts));
}
END_TEST

START_TEST(test_route_bad_specs)
{
    ck_parse_error("--route '192.168.0.0/16': no via=ADDR, " ROUTE_FORM, "--route",
                   "192.168.0.0/16");
    ck_parse_error("--route '192.168.0/16,via=10.0.0.1': bad address '192.168.0', " ROUTE_FORM,
                   "--route", "192.168.0/16,via=10.0.0.1");
    ck_parse_error("--route '192.168.0.0,via=10.0.0.1': address '192.168.0.0' has no /PREFIX, "
                   ROUTE_FORM, "--route", "192.168.0.0,via=10.0.0.1");
    ck_parse_error("--route '192.168.0.0/40,via=10.0.0.1': prefix 40 > 32, " ROUTE_FORM,
                   "--route", "192.168.0.0/40,via=10.0.0.1");
    ck_parse_error("--route '192.168.1.1/16,via=10.0.0.1': host bits set in 192.168.1.1/16 (did "
                   "you mean 192.168.0.0/16?), " ROUTE_FORM, "--route",
                   "192.168.1.1/16,via=10.0.0.1");
    ck_parse_error("--route '192.168.0.0/16,via=10.0.0.x': bad gateway address '10.0.0.x', "
                   ROUTE_FORM, "--route", "192.168.0.0/16,via=10.0.0.x");
    ck_parse_error("--route '192.168.0.0/16,via=255.255.255.255': gateway 255.255.255.255 is the "
                   "limited broadcast address, " ROUTE_FORM, "--route",
                   "192.168.0.0/16,via=255.255.255.255");
    ck_parse_error("--route '192.168.0.0/16,via=10.0.0.1,via=10.0.0.3': via= given twice, "
                   ROUTE_FORM, "--route", "192.168.0.0/16,via=10.0.0.1,via=10.0.0.3");
    ck_parse_error("--route '192.168.0.0/16,dev=tap0': unknown setting 'dev=tap0', " ROUTE_FORM,
                   "--route", "192.168.0.0/16,dev=tap0");
}
END_TEST

/* RFC 1122 3.3.1.1 again: the next hop of a static route is a neighbour. */
START_TEST(test_rfc1122_3_3_1_1_route_via_must_be_on_link)
{
    ck_parse_error("--route 192.168.0.0/16 via 172.16.0.1: gateway not on the subnet of any --if "
                   "address, expected a directly connected gateway", "--route",
                   "192.168.0.0/16,via=172.16.0.1");
    ck_parse_error("--route 192.168.0.0/16 via 10.0.0.2: that is our own --if address, expected "
                   "a neighbour on its subnet", "--route", "192.168.0.0/16,via=10.0.0.2");
}
END_TEST

/* A --route 0.0.0.0/0 is the default route: ours steps aside, and an
 * explicit --gw alongside it is a contradiction. */
START_TEST(test_route_default_replaces_gw)
{
    ck_assert_int_eq(parse("--route", "0.0.0.0/0,via=10.0.0.9", NULL), GLASS_APP_RUN);
    ck_assert(!glass_app_want_default_route(&opts));
    ck_parse_error("--gw 10.0.0.1: a --route 0.0.0.0/0 also sets the default route, expected "
                   "only one of them", "--route", "0.0.0.0/0,via=10.0.0.9", "--gw", "10.0.0.1");
}
END_TEST

/* ---- --trace, --pcap, --ctl ------------------------------------------------------- */

START_TEST(test_trace_lists)
{
    ck_assert_int_eq(parse("--trace", "arp,ipv4", NULL), GLASS_APP_RUN);
    ck_assert_uint_eq(opts.trace_mask, GLASS_TRACE_ARP | GLASS_TRACE_IPV4);
    ck_assert_int_eq(parse("--trace", "all", NULL), GLASS_APP_RUN);
    ck_assert_uint_eq(opts.trace_mask, GLASS_TRACE_ALL);
    ck_assert_int_eq(parse("--trace", "eth,arp,ipv4,icmp,udp,tcp,socket", NULL), GLASS_APP_RUN);
    ck_assert_uint_eq(opts.trace_mask, GLASS_TRACE_ALL);
    /* repeated --trace adds layers up */
    ck_assert_int_eq(parse("--trace", "icmp", "--trace", "eth", NULL), GLASS_APP_RUN);
    ck_assert_uint_eq(opts.trace_mask, GLASS_TRACE_ICMP | GLASS_TRACE_ETH);
}
END_TEST

START_TEST(test_trace_unknown_layer)
{
    ck_parse_error("--trace 'arp,ipx': unknown layer 'ipx', " TRACE_FORM, "--trace", "arp,ipx");
    ck_parse_error("--trace 'ARP': unknown layer 'ARP', " TRACE_FORM, "--trace", "ARP");
    ck_parse_error("--trace 'arp,,icmp': empty layer name, " TRACE_FORM, "--trace", "arp,,icmp");
    ck_parse_error("--trace '': empty layer name, " TRACE_FORM, "--trace", "");
    ck_parse_error("--trace 'arp,': empty layer name, " TRACE_FORM, "--trace", "arp,");
}
END_TEST

START_TEST(test_pcap_and_ctl_stored)
{
    ck_assert_int_eq(parse("--pcap", "/tmp/x.pcap", "--ctl", "/run/glass/t.sock", NULL),
                     GLASS_APP_RUN);
    ck_assert_str_eq(opts.pcap, "/tmp/x.pcap");
    ck_assert_str_eq(opts.ctl, "/run/glass/t.sock");
    ck_assert_int_eq(parse("--pcap", "-", NULL), GLASS_APP_RUN);
    ck_assert_str_eq(opts.pcap, "-");
    ck_parse_error("--pcap '': empty, expected a FILE or - for stdout", "--pcap", "");
    ck_parse_error("--ctl '': empty, expected a socket PATH", "--ctl", "");
}
END_TEST

/* --dns is shared by the apps that look names up (app->resolves) and
 * unknown to the others; glass_app_dns_server prefers it to the gateway. */
START_TEST(test_dns_only_for_resolving_apps)
{
    struct glass_app resolving = test_app;
    char *argv_dns[] = {(char *)"glass-test", (char *)"--dns", (char *)"10.0.0.53", NULL};
    char *argv_bad[] = {(char *)"glass-test", (char *)"--dns", (char *)"224.0.0.1", NULL};
    struct harness h;

    ck_parse_error("unknown option '--dns' (see --help)", "--dns", "10.0.0.53");
    resolving.resolves = true;
    ck_assert_int_eq(glass_app_parse(&resolving, 3, argv_dns, &opts, err, sizeof(err)),
                     GLASS_APP_RUN);
    ck_assert_uint_eq(opts.dns, A("10.0.0.53"));
    harness_init(&h);
    ck_assert_uint_eq(glass_app_dns_server(h.stack, &opts), A("10.0.0.53"));
    opts.dns = 0; /* not given, no DHCP lease: the gateway */
    ck_assert_uint_eq(glass_app_dns_server(h.stack, &opts), opts.gw);
    harness_fini(&h);
    ck_assert_int_eq(glass_app_parse(&resolving, 3, argv_bad, &opts, err, sizeof(err)),
                     GLASS_APP_USAGE_ERROR);
    ck_assert_str_eq(err, "--dns '224.0.0.1': bad address, expected the IPv4 address of a "
                          "DNS server");
}
END_TEST

/* ---- getopt: help, version, unknown, missing arguments, app options ----------------- */

START_TEST(test_help_and_version)
{
    ck_assert_int_eq(parse("--help", NULL), GLASS_APP_HELP);
    ck_assert_int_eq(parse("-h", NULL), GLASS_APP_HELP);
    ck_assert_int_eq(parse("--version", NULL), GLASS_APP_VERSION);
    /* help wins over anything that follows */
    ck_assert_int_eq(parse("--help", "--if", "bogus", NULL), GLASS_APP_HELP);
}
END_TEST

START_TEST(test_unknown_options_and_missing_arguments)
{
    ck_parse_error("unknown option '--frobnicate' (see --help)", "--frobnicate");
    ck_parse_error("unknown option '-z' (see --help)", "-z");
    ck_parse_error("--if needs an argument (see --help)", "--if");
    ck_parse_error("--route needs an argument (see --help)", "--route");
    ck_parse_error("-c needs an argument (see --help)", "-c");
    ck_parse_error("--count needs an argument (see --help)", "--count");
}
END_TEST

START_TEST(test_app_options_and_operands)
{
    ck_assert_int_eq(parse("-c", "5", "--flag", "--if", "tap:tap2,10.2.0.2/24", "--flag",
                           "DEST", NULL),
                     GLASS_APP_RUN);
    ck_assert_int_eq(ctx.count, 5);
    ck_assert_int_eq(ctx.flags, 2);
    ck_assert_str_eq(opts.ifs[0].name, "tap2");
    ck_assert_int_eq(opts.argc, 1);
    ck_assert_str_eq(opts.argv[0], "DEST");
    /* operands may come first, as with ping 10.0.0.1 -c 3 */
    ck_assert_int_eq(parse("A", "--count=7", "B", NULL), GLASS_APP_RUN);
    ck_assert_int_eq(ctx.count, 7);
    ck_assert_int_eq(opts.argc, 2);
    ck_assert_str_eq(opts.argv[0], "A");
    ck_assert_str_eq(opts.argv[1], "B");
    /* "--" ends the options */
    ck_assert_int_eq(parse("--", "--if", NULL), GLASS_APP_RUN);
    ck_assert_int_eq(opts.argc, 1);
    ck_assert_str_eq(opts.argv[0], "--if");
}
END_TEST

START_TEST(test_app_option_error_reported)
{
    ck_parse_error("-c 'bad': bad count, expected an integer", "-c", "bad");
}
END_TEST

/* The whole contract for main(): one line on stderr naming the flag and
 * the form, exit status 2; --help on stdout with status 0. */
static int run_parse_or_exit(char **argv, int argc, char *out, size_t outlen, int which_fd)
{
    int pipefd[2], status;
    pid_t pid;
    ssize_t n, total = 0;

    ck_assert_int_eq(pipe(pipefd), 0);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct glass_app_opts o;

        close(pipefd[0]);
        dup2(pipefd[1], which_fd);
        glass_app_parse_or_exit(&test_app, argc, argv, &o);
        fflush(NULL);
        _exit(99); /* parse_or_exit should have exited */
    }
    close(pipefd[1]);
    while (total < (ssize_t)outlen - 1 &&
           (n = read(pipefd[0], out + total, outlen - 1 - (size_t)total)) > 0)
        total += n;
    out[total] = '\0';
    close(pipefd[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

START_TEST(test_bad_input_exits_2_with_one_line)
{
    char out[1024];
    char *argv[] = {(char *)"glass-test", (char *)"--if", (char *)"tap:tap0,10.0.0.300/24", NULL};

    ck_assert_int_eq(run_parse_or_exit(argv, 3, out, sizeof(out), STDERR_FILENO), 2);
    ck_assert_str_eq(out, "glass-test: --if 'tap:tap0,10.0.0.300/24': bad address '10.0.0.300', "
                          IF_FORM "\n");
}
END_TEST

START_TEST(test_help_exits_0_on_stdout)
{
    char out[8192];
    char *argv[] = {(char *)"glass-test", (char *)"--help", NULL};

    ck_assert_int_eq(run_parse_or_exit(argv, 2, out, sizeof(out), STDOUT_FILENO), 0);
    ck_assert_msg(strncmp(out, "Usage: glass-test [OPTION]... [ARG]...\nA test program.\n", 55) == 0,
                  "help starts with: %.80s", out);
    ck_assert_ptr_nonnull(strstr(out, "  -c, --count COUNT"));
    ck_assert_ptr_nonnull(strstr(out, "      --flag"));
    ck_assert_ptr_nonnull(strstr(out, "      --if SPEC"));
    ck_assert_ptr_nonnull(strstr(out, "(default: tap:tap0,10.0.0.2/24)"));
    ck_assert_ptr_nonnull(strstr(out, "      --ctl PATH"));
    ck_assert_ptr_nonnull(strstr(out, "control socket for glassctl"));
}
END_TEST

START_TEST(test_version_exits_0)
{
    char out[256], want[128];
    char *argv[] = {(char *)"glass-test", (char *)"--version", NULL};

    snprintf(want, sizeof(want), "glass-test (glass) %s\n", PACKAGE_VERSION);
    ck_assert_int_eq(run_parse_or_exit(argv, 2, out, sizeof(out), STDOUT_FILENO), 0);
    ck_assert_str_eq(out, want);
}
END_TEST

/* ---- bring-up without a TAP ------------------------------------------------------ */

static const struct route *lookup(struct harness *h, const char *dst)
{
    const struct route *r;

    glass_stack_lock(h->stack);
    r = route_lookup(h->stack, A(dst));
    glass_stack_unlock(h->stack);
    return r;
}

START_TEST(test_configure_netif_sets_mac_mtu_address)
{
    struct harness h;
    struct glass_if_spec s;
    uint8_t mac[6];
    const struct route *r;

    harness_init(&h);
    ck_assert_int_eq(glass_app_parse_if("fake:fake0,10.9.0.2/16,mac=02:00:00:00:00:99,mtu=1400",
                                        &s, err, sizeof(err)),
                     0);
    ck_assert_int_eq(glass_app_configure_netif(h.nif, &s, err, sizeof(err)), 0);
    glass_netif_get_mac(h.nif, mac);
    ck_mac(mac, "02:00:00:00:00:99");
    ck_assert_uint_eq(glass_netif_mtu(h.nif), 1400);
    ck_assert(netif_has_addr(h.nif, A("10.9.0.2")));
    /* the address brought its connected route */
    r = lookup(&h, "10.9.200.1");
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->prefix_len, 16);
    ck_assert_uint_eq(r->gateway, 0);
    ck_assert_ptr_eq(r->nif, h.nif);
    harness_fini(&h);
}
END_TEST

START_TEST(test_configure_netif_reports_failure)
{
    struct harness h;
    struct glass_if_spec s;

    harness_init(&h);
    ck_assert_int_eq(glass_app_parse_if("fake:fake0,10.0.0.2/24", &s, err, sizeof(err)), 0);
    ck_assert_int_eq(glass_app_configure_netif(h.nif, &s, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "fake0: cannot add address 10.0.0.2/24: File exists");
    harness_fini(&h);
}
END_TEST

START_TEST(test_add_routes_default_and_static)
{
    struct harness h;
    const struct route *r;

    harness_init(&h);
    /* take the harness's default route away so ours is the one we see */
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A("10.0.0.1")), 0);
    ck_assert_int_eq(parse("--if", "fake:fake0,10.0.0.2/24", "--gw", "10.0.0.7", "--route",
                           "192.168.0.0/16,via=10.0.0.254", NULL),
                     GLASS_APP_RUN);
    ck_assert_int_eq(glass_app_add_routes(h.stack, &opts, err, sizeof(err)), 0);
    r = lookup(&h, "192.168.3.4");
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->prefix_len, 16);
    ck_assert_uint_eq(r->gateway, A("10.0.0.254"));
    r = lookup(&h, "8.8.8.8");
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->prefix_len, 0);
    ck_assert_uint_eq(r->gateway, A("10.0.0.7"));
    harness_fini(&h);
}
END_TEST

/* The default gateway is off every subnet and nobody asked for it: no
 * default route is added, and nothing fails. */
START_TEST(test_add_routes_skips_unreachable_default_gw)
{
    struct harness h;

    harness_init(&h);
    ck_assert_int_eq(glass_route_del(h.stack, 0, 0, A("10.0.0.1")), 0);
    ck_assert_int_eq(parse("--if", "fake:fake0,192.168.7.2/24", NULL), GLASS_APP_RUN);
    ck_assert_int_eq(glass_app_add_routes(h.stack, &opts, err, sizeof(err)), 0);
    ck_assert_ptr_null(lookup(&h, "8.8.8.8"));
    harness_fini(&h);
}
END_TEST

START_TEST(test_add_routes_reports_stack_refusal)
{
    struct harness h;

    harness_init(&h);
    /* opts believe 10.9.0.0/16 is ours, the stack does not: it says why */
    ck_assert_int_eq(parse("--if", "fake:fake0,10.9.0.2/16", "--gw", "10.9.0.1", NULL),
                     GLASS_APP_RUN);
    ck_assert_int_eq(glass_app_add_routes(h.stack, &opts, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "cannot add the default route via 10.9.0.1: Network is unreachable");
    harness_fini(&h);
}
END_TEST

START_TEST(test_describe_line)
{
    struct harness h;
    char line[256];

    harness_init(&h);
    ck_assert_int_eq(parse("--if", "fake:fake0,10.0.0.2/24", "--route",
                           "192.168.0.0/16,via=10.0.0.254", NULL),
                     GLASS_APP_RUN);
    glass_app_describe(h.stack, &opts, line, sizeof(line));
    ck_assert_str_eq(line, "fake0 10.0.0.2/24 mac 02:00:0a:00:00:02 mtu 1500, gw 10.0.0.1, "
                           "route 192.168.0.0/16 via 10.0.0.254");
    /* a short buffer is cut, never overrun */
    glass_app_describe(h.stack, &opts, line, 10);
    ck_assert_str_eq(line, "fake0 10.");
    ck_assert_int_eq(parse("--if", "fake:fake0", NULL), GLASS_APP_RUN);
    glass_app_describe(h.stack, &opts, line, sizeof(line));
    ck_assert_str_eq(line, "fake0 (no address) mac 02:00:0a:00:00:02 mtu 1500, no default route");
    harness_fini(&h);
}
END_TEST

/* The whole bring-up, up to the driver: the driver's own sentence comes
 * back and nothing is left behind. */
START_TEST(test_bring_up_unknown_driver)
{
    struct glass_stack *s;

    ck_assert_int_eq(parse("--if", "nosuch:x0,10.0.0.2/24", NULL), GLASS_APP_RUN);
    s = glass_app_bring_up(&opts, err, sizeof(err));
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "unknown driver 'nosuch'") != NULL, "err: %s", err);
}
END_TEST

START_TEST(test_bring_up_loop_by_name_refused)
{
    ck_assert_int_eq(parse("--if", "loop:l0,10.0.0.2/24", NULL), GLASS_APP_RUN);
    ck_assert_ptr_null(glass_app_bring_up(&opts, err, sizeof(err)));
    ck_assert_msg(strstr(err, "glass_loop_attach") != NULL, "err: %s", err);
}
END_TEST

START_TEST(test_bring_up_capture_unwritable)
{
    ck_assert_int_eq(parse("--pcap", "/nonexistent-glass-dir/x.pcap", NULL), GLASS_APP_RUN);
    ck_assert_ptr_null(glass_app_bring_up(&opts, err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent-glass-dir/x.pcap") != NULL, "err: %s", err);
}
END_TEST


/* ---- --if impairments (a netem of glass's own on a tap link) ------------ */

#define IMPAIR_FORM "(impairments: loss=P%,delay=T,reorder=P%,dup=P%,seed=N (P 0..100, T such as 5ms))"

/* The netem line of issue 4 as --if items: percentages in parts per
 * million, the delay in microseconds, a reordered frame held back one
 * more delay. */
START_TEST(test_if_impair_netem_line)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:tap0,10.0.0.2/24,loss=3%,delay=5ms,reorder=10%,"
                                        "dup=1%,seed=99",
                                        &s, err, sizeof(err)),
                     0);
    ck_assert(s.has_impair);
    ck_assert_uint_eq(s.impair.loss_ppm, 30000);
    ck_assert_uint_eq(s.impair.delay, 5000);
    ck_assert_uint_eq(s.impair.reorder_ppm, 100000);
    ck_assert_uint_eq(s.impair.reorder_delay, 5000);
    ck_assert_uint_eq(s.impair.dup_ppm, 10000);
    ck_assert_uint_eq(s.impair.seed, 99);
    ck_assert_uint_eq(s.addr, A("10.0.0.2"));
}
END_TEST

START_TEST(test_if_impair_units_and_decimals)
{
    struct glass_if_spec s;

    ck_assert_int_eq(glass_app_parse_if("tap:tap0,loss=0.5%,dup=100%,reorder=.25%,delay=200us",
                                        &s, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(s.impair.loss_ppm, 5000);
    ck_assert_uint_eq(s.impair.dup_ppm, 1000000);
    ck_assert_uint_eq(s.impair.reorder_ppm, 2500);
    ck_assert_uint_eq(s.impair.delay, 200);
    ck_assert_uint_eq(s.impair.seed, 0);
    ck_assert_int_eq(glass_app_parse_if("tap:tap0,delay=1s,loss=0.0001%", &s, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(s.impair.delay, 1000000);
    ck_assert_uint_eq(s.impair.loss_ppm, 1);
    /* no delay: a reordered frame is still held back (1 ms) */
    ck_assert_int_eq(glass_app_parse_if("tap:tap0,reorder=10%", &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.impair.reorder_delay, 1000);
    ck_assert_int_eq(glass_app_parse_if("tap:tap0,10.0.0.2/24", &s, err, sizeof(err)), 0);
    ck_assert(!s.has_impair);
}
END_TEST

START_TEST(test_if_impair_bad_values)
{
    ck_parse_error("--if 'tap:tap0,loss=3': bad loss '3': want a percentage 0%..100% such as 3% "
                   "or 0.5% " IMPAIR_FORM,
                   "--if", "tap:tap0,loss=3");
    ck_parse_error("--if 'tap:tap0,dup=101%': bad dup '101%': want a percentage 0%..100% such "
                   "as 3% or 0.5% " IMPAIR_FORM,
                   "--if", "tap:tap0,dup=101%");
    ck_parse_error("--if 'tap:tap0,reorder=0.00001%': bad reorder '0.00001%': want a percentage "
                   "0%..100% such as 3% or 0.5% " IMPAIR_FORM,
                   "--if", "tap:tap0,reorder=0.00001%");
    ck_parse_error("--if 'tap:tap0,loss=-1%': bad loss '-1%': want a percentage 0%..100% such "
                   "as 3% or 0.5% " IMPAIR_FORM,
                   "--if", "tap:tap0,loss=-1%");
    ck_parse_error("--if 'tap:tap0,delay=5': bad delay '5': want a time up to 10s such as 5ms, "
                   "200us or 1s " IMPAIR_FORM,
                   "--if", "tap:tap0,delay=5");
    ck_parse_error("--if 'tap:tap0,delay=11s': bad delay '11s': want a time up to 10s such as "
                   "5ms, 200us or 1s " IMPAIR_FORM,
                   "--if", "tap:tap0,delay=11s");
    ck_parse_error("--if 'tap:tap0,seed=x': bad seed 'x': want a decimal integer " IMPAIR_FORM,
                   "--if", "tap:tap0,seed=x");
    ck_parse_error("--if 'tap:tap0,loss=1%,loss=2%': loss given twice " IMPAIR_FORM, "--if",
                   "tap:tap0,loss=1%,loss=2%");
    ck_parse_error("--if 'fake:f0,loss=1%': only tap links can be impaired (loss=P%,delay=T,"
                   "reorder=P%,dup=P%,seed=N (P 0..100, T such as 5ms))",
                   "--if", "fake:f0,loss=1%");
}
END_TEST

START_TEST(test_if_impair_bad_value_exits_2)
{
    char out[1024];
    char *argv[] = {(char *)"glass-test", (char *)"--if", (char *)"tap:tap0,delay=5xs", NULL};

    ck_assert_int_eq(run_parse_or_exit(argv, 3, out, sizeof(out), STDERR_FILENO), 2);
    ck_assert_str_eq(out, "glass-test: --if 'tap:tap0,delay=5xs': bad delay '5xs': want a time "
                          "up to 10s such as 5ms, 200us or 1s " IMPAIR_FORM "\n");
}
END_TEST

/* Bring-up asks the driver for the impairments: the harness's fake
 * interface is no tap, so the sentence names the interface and why. */
START_TEST(test_configure_netif_impair_refused_by_non_tap)
{
    struct harness h;
    struct glass_if_spec s;

    harness_init(&h);
    ck_assert_int_eq(glass_app_parse_if("tap:fake0,loss=1%", &s, err, sizeof(err)), 0);
    ck_assert_int_eq(glass_app_configure_netif(h.nif, &s, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "fake0: cannot impair the link: Operation not supported");
    harness_fini(&h);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_port_parse);
    tcase_add_test(tc, test_if_every_option);
    tcase_add_test(tc, test_if_settings_in_any_order);
    tcase_add_test(tc, test_if_without_address);
    tcase_add_test(tc, test_rfc2131_if_dhcp);
    tcase_add_test(tc, test_rfc791_if_mtu_limits_accepted);
    tcase_add_test(tc, test_rfc3021_if_31_and_32_have_no_network_or_broadcast);
    tcase_add_test(tc, test_if_repeated_replaces_default);
    tcase_add_test(tc, test_if_same_name_twice_rejected);
    tcase_add_test(tc, test_if_too_many_rejected);
    tcase_add_test(tc, test_if_bad_driver_form);
    tcase_add_test(tc, test_if_bad_address);
    tcase_add_test(tc, test_if_prefix_out_of_range);
    tcase_add_test(tc, test_rfc1122_3_2_1_3_if_address_must_be_unicast);
    tcase_add_test(tc, test_rfc1122_3_2_1_3_if_address_not_network_or_broadcast);
    tcase_add_test(tc, test_if_bad_mac);
    tcase_add_test(tc, test_ieee802_if_mac_must_be_individual);
    tcase_add_test(tc, test_rfc791_if_mtu_out_of_range);
    tcase_add_test(tc, test_if_impair_netem_line);
    tcase_add_test(tc, test_if_impair_units_and_decimals);
    tcase_add_test(tc, test_if_impair_bad_values);
    tcase_add_test(tc, test_gw_explicit_on_link);
    tcase_add_test(tc, test_gw_default_unreachable_skipped);
    tcase_add_test(tc, test_rfc1122_3_3_1_1_gw_explicit_unreachable_rejected);
    tcase_add_test(tc, test_gw_bad_address);
    tcase_add_test(tc, test_route_parse_good_and_repeated);
    tcase_add_test(tc, test_route_bad_specs);
    tcase_add_test(tc, test_rfc1122_3_3_1_1_route_via_must_be_on_link);
    tcase_add_test(tc, test_route_default_replaces_gw);
    tcase_add_test(tc, test_trace_lists);
    tcase_add_test(tc, test_trace_unknown_layer);
    tcase_add_test(tc, test_pcap_and_ctl_stored);
    tcase_add_test(tc, test_dns_only_for_resolving_apps);
    tcase_add_test(tc, test_help_and_version);
    tcase_add_test(tc, test_unknown_options_and_missing_arguments);
    tcase_add_test(tc, test_app_options_and_operands);
    tcase_add_test(tc, test_app_option_error_reported);
    suite_add_tcase(s, tc);

    tc = tcase_create("exit");
    tcase_add_test(tc, test_bad_input_exits_2_with_one_line);
    tcase_add_test(tc, test_help_exits_0_on_stdout);
    tcase_add_test(tc, test_version_exits_0);
    tcase_add_test(tc, test_if_impair_bad_value_exits_2);
    suite_add_tcase(s, tc);

    tc = tcase_create("bring_up");
    tcase_add_test(tc, test_configure_netif_sets_mac_mtu_address);
    tcase_add_test(tc, test_configure_netif_reports_failure);
    tcase_add_test(tc, test_configure_netif_impair_refused_by_non_tap);
    tcase_add_test(tc, test_add_routes_default_and_static);
    tcase_add_test(tc, test_add_routes_skips_unreachable_default_gw);
    tcase_add_test(tc, test_add_routes_reports_stack_refusal);
    tcase_add_test(tc, test_describe_line);
    tcase_add_test(tc, test_bring_up_unknown_driver);
    tcase_add_test(tc, test_bring_up_loop_by_name_refused);
    tcase_add_test(tc, test_bring_up_capture_unwritable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(cli_suite());
}
