/*
 * check_ctl.c - the control socket behind glassctl (stack/ctl.h): the
 * request parser, every command's text and JSON against a harness stack
 * whose state the test made (an ARP entry learnt, a route added, a
 * listener, an ESTABLISHED connection), run-time route and trace changes,
 * and the Unix socket itself served from glass_stack_poll on the virtual
 * clock (no thread), stale sockets replaced, the file removed at free.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"
#include "netif.h"
#include "tcp_harness.h"
#include "util.h"

/* ---- a small JSON checker (RFC 8259 grammar), so every --json answer is
 * proved to parse without leaving C ---------------------------------------- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p && *p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *json_number(const char *p)
{
    const char *s = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p > s ? p : NULL;
}

static const char *json_list(const char *p, char close, bool object)
{
    p = json_ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            if (!(p = json_string(json_ws(p))))
                return NULL;
            p = json_ws(p);
            if (*p++ != ':')
                return NULL;
        }
        if (!(p = json_value(p)))
            return NULL;
        p = json_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *json_value(const char *p)
{
    p = json_ws(p);
    switch (*p) {
    case '{':
        return json_list(p, '}', true);
    case '[':
        return json_list(p, ']', false);
    case '"':
        return json_string(p);
    case 'n':
        return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    case 't':
        return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    default:
        return json_number(p);
    }
}

static bool json_valid(const char *s)
{
    const char *end = json_value(s);
    return end && *json_ws(end) == '\0';
}

START_TEST(test_json_checker_itself)
{
    ck_assert(json_valid("{\"a\": [1, 2.5, null, \"x\\\"y\"], \"b\": {}}\n"));
    ck_assert(!json_valid("{\"a\": 1,}"));
    ck_assert(!json_valid("{\"a\": -}"));
    ck_assert(!json_valid("{\"a\" 1}"));
    ck_assert(!json_valid("[1] x"));
}
END_TEST

/* ---- running requests ---------------------------------------------------- */

static struct harness h;
static struct ctl_buf out;

static void setup(void)
{
    harness_init(&h);
    ctl_buf_init(&out);
}

static void teardown(void)
{
    ctl_buf_free(&out);
    harness_fini(&h);
}

/* Run a request; assert its status; return the body (or the error). */
static const char *run(const char *req, int want)
{
    ctl_buf_free(&out);
    int rc = ctl_execute(h.stack, req, &out);
    ck_assert_msg(rc == want, "'%s' returned %d, want %d: %s", req, rc, want,
                  out.p ? out.p : "");
    ck_assert(!out.failed);
    return out.p ? out.p : "";
}

static void ck_has(const char *text, const char *want)
{
    ck_assert_msg(strstr(text, want) != NULL, "expected '%s' in:\n%s", want, text);
}

static void ck_lacks(const char *text, const char *unwanted)
{
    ck_assert_msg(strstr(text, unwanted) == NULL, "did not expect '%s' in:\n%s", unwanted, text);
}

/* The JSON form of a command parses. */
static const char *run_json(const char *cmd)
{
    char req[256];
    snprintf(req, sizeof req, "json %s", cmd);
    const char *body = run(req, 0);
    ck_assert_msg(json_valid(body), "'%s' is not valid JSON:\n%s", req, body);
    return body;
}

START_TEST(test_request_parser_errors)
{
    ck_has(run("", -1), "bad request, expected 'text|json COMMAND");
    ck_has(run("text", -1), "bad request");
    ck_has(run("xml if", -1), "bad request");
    ck_has(run("text frobnicate", -1),
           "unknown command 'frobnicate', expected if, arp, route, ss, tcb, stats or trace");
    ck_has(run("text if extra", -1), "if: unexpected argument 'extra' (it takes none)");
    ck_has(run("text route flush", -1), "route: unknown action 'flush', expected show, add or del");
    ck_has(run("text tcb nonsense", -1), "tcb: bad endpoint 'nonsense', expected ADDR:PORT");
    ck_has(run("text stats some", -1), "stats: unexpected argument 'some'");
    ck_has(run("text a b c d e f g h i j k l m n o p q", -1), "too many words");
    /* Whitespace is not significant. */
    ck_has(run("  text \t if  ", 0), "fake0");
}
END_TEST

/* ---- if ------------------------------------------------------------------------ */

START_TEST(test_if_text_and_json)
{
    const char *t = run("text if", 0);
    /* Headings, then one aligned row for the harness's fake0. */
    ck_assert_msg(strncmp(t, "NAME   KIND  STATE   MTU  MAC", 29) == 0, "heading: %s", t);
    ck_has(t, "\nfake0  ");
    ck_has(t, "  UP  ");
    ck_has(t, "1500  02:00:0a:00:00:02  10.0.0.2/24");
    const char *j = run_json("if");
    ck_has(j, "{\"interfaces\": [");
    ck_has(j, "\"name\": \"fake0\"");
    ck_has(j, "\"state\": \"UP\"");
    ck_has(j, "\"mtu\": 1500");
    ck_has(j, "\"addresses\": [\"10.0.0.2/24\"]");
    ck_has(j, "\"tx_errors\": 0");
}
END_TEST

/* Offloads (issue 8): fake0 is plain; given a vnet tap's features,
 * `if` says vnet with their names, and a TCP burst cut by the "device"
 * counts as tso_tx on that interface. */
START_TEST(test_if_shows_offload_mode_and_counters)
{
    const char *t = run("text if", 0);
    ck_has(t, "  OFFLOAD  FEATURES  GSO-RX  TSO-TX\n");
    ck_has(t, "  plain    -              0       0\n");
    ck_has(run_json("if"), "\"offload\": \"plain\", \"features\": [], \"gso_rx\": 0, "
                           "\"tso_tx\": 0}");
    harness_learn_peer(&h);
    struct tcp_h_conn c = {.h = &h, .lport = 40000, .pport = 80, .irs = 5000, .wnd = 65535};
    struct tcp_cb *tcb = tcp_h_handshake_active(&c, 1000);
    /* After the handshake (whose checksums the harness checks whole). */
    h.nif->features = NETIF_F_RX_CSUM_TRUSTED | NETIF_F_TX_CSUM_PARTIAL | NETIF_F_TSO4;
    static const uint8_t data[4 * 1460];
    glass_stack_lock(h.stack);
    tcp_buf_append(h.stack, &tcb->sndbuf, data, sizeof data);
    tcp_output(tcb); /* one super-segment of 4 MSS (tcp_tso.c) */
    glass_stack_unlock(h.stack);
    ck_assert_uint_eq(counter(&h, "link.tso_tx"), 1);
    t = run("text if", 0);
    ck_has(t, "  vnet     rx-csum,tx-csum,tso4       0       1\n");
    ck_has(run_json("if"), "\"offload\": \"vnet\", \"features\": [\"rx-csum\", "
                           "\"tx-csum\", \"tso4\"], \"gso_rx\": 0, \"tso_tx\": 1}");
}
END_TEST

START_TEST(test_if_counts_frames)
{
    harness_learn_peer(&h); /* one ARP reply in */
    ck_has(run_json("if"), "\"rx_packets\": 1,");
}
END_TEST

/* ---- arp (RFC 826 cache, RFC 1122 2.3.2 states) --------------------------------- */

START_TEST(test_arp_shows_learnt_neighbour)
{
    ck_assert_str_eq(run("text arp", 0),
                     "ADDRESS  IFACE  MAC  STATE  AGE(s)  QUEUED  REQUESTS  EXPIRES(s)\n");
    ck_assert_str_eq(run_json("arp"), "{\"arp\": []}\n");
    harness_learn_peer(&h);
    harness_advance(&h, 2 * GLASS_USEC_PER_SEC);
    const char *t = run("text arp", 0);
    ck_has(t, "10.0.0.1  fake0  02:00:00:00:00:01  REACHABLE   2.000");
    const char *j = run_json("arp");
    ck_has(j, "\"address\": \"10.0.0.1\", \"iface\": \"fake0\", \"mac\": \"02:00:00:00:00:01\", "
              "\"state\": \"REACHABLE\", \"age_s\": 2.000, \"queued\": 0");
    /* REACHABLE for 30 s (ARP_REACHABLE_TIME), 2 gone. */
    ck_has(j, "\"expires_s\": 28.000");
}
END_TEST

START_TEST(test_arp_incomplete_shows_queue)
{
    /* A ping to an unknown neighbour waits for ARP (RFC 1122 2.3.2.2). */
    ck_assert_int_eq(glass_icmp_echo_send(h.stack, A("10.0.0.7"), 1, 1, "x", 1, 0), 0);
    const char *j = run_json("arp");
    ck_has(j, "\"address\": \"10.0.0.7\", \"iface\": \"fake0\", \"mac\": null, "
              "\"state\": \"INCOMPLETE\", \"age_s\": null, \"queued\": 1, \"requests\": 1");
}
END_TEST

/* ---- route (RFC 1812 5.2.4.3 table), add/del at run time ------------------------ */

START_TEST(test_route_show_add_del)
{
    const char *t = run("text route", 0);
    ck_has(t, "DESTINATION  GATEWAY   IFACE  METRIC  ORIGIN\n");
    ck_has(t, "10.0.0.0/24  -         fake0       0  connected\n");
    ck_has(t, "0.0.0.0/0    10.0.0.1  fake0       0  static\n");
    ck_has(run("text route add 10.9.0.0/16 via 10.0.0.1 metric 5", 0), "added 10.9.0.0/16");
    ck_has(run("text route show", 0), "10.9.0.0/16  10.0.0.1  fake0       5  static");
    ck_has(run_json("route"), "{\"destination\": \"10.9.0.0/16\", \"gateway\": \"10.0.0.1\", "
                              "\"iface\": \"fake0\", \"metric\": 5, \"origin\": \"static\"}");
    /* An on-link route through a named interface. */
    ck_has(run_json("route add 192.168.5.0/24 dev fake0"), "{\"added\": \"192.168.5.0/24\"}");
    ck_has(run("text route", 0), "192.168.5.0/24  -         fake0");
    ck_has(run("text route del 10.9.0.0/16", 0), "deleted 10.9.0.0/16");
    ck_lacks(run("text route", 0), "10.9.0.0");
    ck_has(run("text route del 10.9.0.0/16", -1), "route del 10.9.0.0/16: no such static route");
}
END_TEST

START_TEST(test_route_add_errors)
{
    ck_has(run("text route add", -1), "route add: expected NET/N");
    ck_has(run("text route add 10.9.0.1/16 via 10.0.0.1", -1),
           "route: '10.9.0.1/16' has host bits set, expected the network address "
           "(such as 10.9.0.0/16)");
    ck_has(run("text route add 10.9.0.0/33 via 10.0.0.1", -1), "bad prefix '10.9.0.0/33'");
    ck_has(run("text route add 10.9.0.0/16 via 172.16.0.1", -1),
           "the gateway is not on a connected subnet");
    ck_has(run("text route add 10.9.0.0/16 via 10.0.0.2", -1), "not a usable gateway");
    ck_has(run("text route add 10.9.0.0/16 via 10.0.0.1 dev tap9", -1),
           "route add: no interface 'tap9'");
    ck_has(run("text route add 10.9.0.0/16", -1), "expected 'via ADDR' or 'dev NAME'");
    ck_has(run("text route add 10.9.0.0/16 via", -1), "'via' needs a value");
    ck_has(run("text route add 10.9.0.0/16 via 10.0.0.1 metric x", -1), "bad metric 'x'");
    ck_has(run("text route del 10.9.0.0/16 dev fake0", -1), "unknown word 'dev'");
    ck_lacks(run("text route", 0), "10.9.0.0");
}
END_TEST

/* ---- ss and tcb (RFC 9293 3.3.1 variables) ----------------------------------------- */

START_TEST(test_ss_listener_and_udp)
{
    int l = glass_socket(h.stack, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = sin_of("0.0.0.0", 80);
    ck_assert_int_ge(l, 0);
    ck_assert_int_eq(glass_bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(glass_listen(l, 16), 0);
    int u = glass_socket(h.stack, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in usin = sin_of("10.0.0.2", 5353);
    ck_assert_int_eq(glass_bind(u, (struct sockaddr *)&usin, sizeof usin), 0);

    const char *t = run("text ss", 0);
    ck_has(t, "PROTO  STATE   RECV-Q  SEND-Q  LOCAL");
    ck_has(t, "tcp    LISTEN       0      16  *:80");
    ck_has(t, "udp    UNCONN       0       0  10.0.0.2:5353");
    char want[192];
    snprintf(want, sizeof want, "{\"proto\": \"tcp\", \"state\": \"LISTEN\", \"recv_q\": 0, "
             "\"send_q\": 16, \"local\": \"*:80\", \"peer\": \"*:*\", \"fd\": %d, "
             "\"info\": \"cubic\"}", l);
    ck_has(run_json("ss"), want);
    /* tcb finds the listener by its local endpoint, with or without address. */
    ck_has(run("text tcb *:80", 0), "state        LISTEN");
    ck_has(run("text tcb 0.0.0.0:80", 0), "local        *:80");
    ck_has(run("text tcb 10.0.0.2:81", -1),
           "tcb: no TCP control block has 10.0.0.2:81 as its local or peer endpoint");
    glass_close(u);
    glass_close(l);
}
END_TEST

START_TEST(test_tcb_established_in_full)
{
    harness_learn_peer(&h);
    struct tcp_h_conn c = {.h = &h, .lport = 40000, .pport = 80, .irs = 5000, .wnd = 65535};
    tcp_h_handshake_active(&c, 1000);
    const char *t = run("text tcb 10.0.0.1:80", 0);
    ck_has(t, "local        10.0.0.2:40000\n");
    ck_has(t, "peer         10.0.0.1:80\n");
    ck_has(t, "state        ESTABLISHED\n");
    ck_has(t, "iss          1000\n");
    ck_has(t, "irs          5000\n");
    ck_has(t, "snd_una      1001\n");
    ck_has(t, "snd_una_rel  1\n");  /* Wireshark's relative numbers */
    ck_has(t, "rcv_nxt      5001\n");
    ck_has(t, "rcv_nxt_rel  1\n");
    ck_has(t, "snd_wnd      65535\n");
    ck_has(t, "cc           cubic\n");
    ck_has(t, "options      mss 1460\n"); /* from the peer's SYN-ACK */
    struct tcp_cb *tcb = tcp_h_find(&h, 40000, 80);
    char want[64];
    snprintf(want, sizeof want, "cwnd         %u\n", tcb->cwnd);
    ck_assert_uint_gt(tcb->cwnd, 0);
    ck_has(t, want);
    const char *j = run_json("tcb 10.0.0.2:40000");
    ck_has(j, "{\"tcbs\": [\n  {\"local\": \"10.0.0.2:40000\", \"peer\": \"10.0.0.1:80\", "
              "\"state\": \"ESTABLISHED\", \"iss\": 1000, \"irs\": 5000, \"snd_una\": 1001");
    ck_has(j, "\"in_recovery\": \"no\"");
    /* Data in flight: the retransmission timer is pending (RFC 6298 5.1). */
    static const char data[100];
    glass_stack_lock(h.stack);
    tcp_buf_append(h.stack, &tcb->sndbuf, data, sizeof data);
    tcp_output(tcb);
    glass_stack_unlock(h.stack);
    j = run_json("tcb 10.0.0.1:80");
    ck_has(j, "\"flight\": 100");
    ck_has(j, "\"timers\": [\"rexmt 200.000ms\"]"); /* RTO floor, rto_min */
    ck_has(run("text ss", 0), "tcp    ESTABLISHED       0     100  10.0.0.2:40000  10.0.0.1:80");
    /* A SYN-ACK with no options: nothing beyond MSS agreed. */
    t = run("text tcb 10.0.0.1:80", 0);
    ck_has(t, "snd_wscale   -\n");
    ck_has(t, "rcv_wscale   -\n");
    ck_has(t, "ts           off\n");
    ck_has(t, "ts_recent    -\n");
    ck_has(t, "sack         off\n");
    ck_has(t, "pipe         -\n");
    ck_has(run("text ss", 0), "10.0.0.1:80   -  cubic\n");
}
END_TEST

/* ---- the options the SYNs agreed, cc and SACK recovery state (issue 8) ------------- */

/* Peer options: MSS 1460; then SACK-permitted (sack), Timestamps
 * <tsval, tsecr> (ts), Window Scale ws (ws >= 0); padded to 4. */
static size_t peer_opts(uint8_t *p, bool sack, bool ts, uint32_t tsval, uint32_t tsecr, int ws)
{
    return tcp_h_opts(p, 1460, sack, ws, ts, tsval, tsecr);
}

/* Passive open on 10.0.0.2:80 from 10.0.0.1:40000 whose SYN carries
 * the given options; the ACK carries Timestamps <ack_tsval> when ts. */
static struct tcp_cb *passive_opts(struct tcp_h_conn *c, bool sack, bool ts, int ws,
                                   uint32_t syn_tsval, uint32_t ack_tsval)
{
    static struct tseg sa;
    uint8_t o[40];
    tcp_h_listen_tcb(&h, c->lport, 4);
    tcp_h_send_opts(c, c->irs, 0, TCP_SYN, o, peer_opts(o, sack, ts, syn_tsval, 0, ws), NULL, 0);
    ck_assert(tx_pop_tcp(&h, &sa));
    ck_assert_uint_eq(sa.flags, TCP_SYN | TCP_ACK);
    c->iss = sa.seq;
    c->snd_nxt = c->irs + 1;
    c->rcv_nxt = c->iss + 1;
    if (ts) {
        /* TSecr only feeds RTTM (RFC 7323 4): any echo lets the ACK in;
         * its TSval becomes TS.Recent (4.3). */
        size_t n = 0;
        o[n++] = TCPOPT_NOP;
        o[n++] = TCPOPT_NOP;
        o[n++] = TCPOPT_TIMESTAMP;
        o[n++] = 10;
        put_be32(o + n, ack_tsval);
        put_be32(o + n + 4, 1);
        n += 8;
        tcp_h_send_opts(c, c->snd_nxt, c->rcv_nxt, TCP_ACK, o, n, NULL, 0);
    } else {
        tcp_h_send(c, c->snd_nxt, c->rcv_nxt, TCP_ACK, NULL, 0);
    }
    struct tcp_cb *t = tcp_h_find(&h, c->lport, c->pport);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->state, TCP_ESTABLISHED);
    return t;
}

/* RFC 7323 2.3 / 3.2, RFC 2018 2: what both SYNs carried is on, and
 * glassctl says so in tcb (fields) and ss (the ss -ti flags). */
START_TEST(test_tcb_shows_rfc7323_and_sack_options)
{
    harness_learn_peer(&h);
    struct tcp_h_conn c = {.h = &h, .lport = 80, .pport = 40000, .irs = 5000, .wnd = 65535};
    passive_opts(&c, true, true, 7, 7000, 7001);
    const char *t = run("text tcb 10.0.0.1:40000", 0);
    ck_has(t, "options      mss 1460,ts,sack,wscale\n");
    ck_has(t, "snd_wscale   7\n");  /* the peer's shift: Snd.Wind.Shift */
    ck_has(t, "rcv_wscale   5\n");  /* ours, from the 1 MiB receive buffer */
    ck_has(t, "ts           on\n");
    ck_has(t, "ts_recent    7001\n"); /* RFC 7323 4.3: from the ACK's TSval */
    ck_has(t, "sack         on\n");
    ck_has(t, "cc           cubic\n");
    ck_has(t, "hystart      ss\n");  /* RFC 9406: the first slow start */
    ck_has(t, "cubic_t      -\n");   /* no congestion avoidance stage yet */
    ck_has(t, "recovery     no\n");
    ck_has(t, "recovery_pt  -\n");
    ck_has(t, "pipe         0\n");
    ck_has(t, "scoreboard   -\n");
    ck_has(run("text ss", 0), "10.0.0.1:40000   -  ts sack cubic wscale:7,5\n");
    const char *j = run_json("tcb 10.0.0.1:40000");
    ck_has(j, "\"options\": [\"mss 1460\", \"ts\", \"sack\", \"wscale\"], "
              "\"snd_wscale\": 7, \"rcv_wscale\": 5, \"ts\": \"on\", \"ts_recent\": 7001, "
              "\"sack\": \"on\"");
    ck_has(j, "\"hystart\": \"ss\", \"cubic_w_max\": 0.00, \"cubic_k\": 0.000, "
              "\"cubic_t\": null, \"recovery\": \"no\", \"recovery_pt\": null, \"pipe\": 0, "
              "\"scoreboard\": []");
    ck_has(run_json("ss"), "\"info\": \"ts sack cubic wscale:7,5\"");
}
END_TEST

/* NewReno: no CUBIC variables to show. */
START_TEST(test_tcb_newreno_has_no_cubic_fields)
{
    harness_learn_peer(&h);
    tcp_h_use_cc(&h, "newreno");
    struct tcp_h_conn c = {.h = &h, .lport = 80, .pport = 40000, .irs = 5000, .wnd = 65535};
    passive_opts(&c, false, false, -1, 0, 0);
    const char *t = run("text tcb 10.0.0.1:40000", 0);
    ck_has(t, "cc           newreno\n");
    ck_has(t, "hystart      -\n");
    ck_has(t, "cubic_w_max  -\n");
    ck_has(t, "cubic_k      -\n");
    ck_has(run_json("tcb"), "\"hystart\": null, \"cubic_w_max\": null");
    ck_has(run("text ss", 0), "10.0.0.1:40000   -  newreno\n");
}
END_TEST

/* A SACK option of n blocks [l, r) (NOP NOP kind=5) into p; its length. */
static size_t sack_opt(uint8_t *p, unsigned n, const uint32_t *lr)
{
    size_t k = 0;
    p[k++] = TCPOPT_NOP;
    p[k++] = TCPOPT_NOP;
    p[k++] = TCPOPT_SACK;
    p[k++] = (uint8_t)(2 + 8 * n);
    for (unsigned i = 0; i < 2 * n; i++, k += 4)
        put_be32(p + k, lr[i]);
    return k;
}

/* RFC 6675 5: three duplicate ACKs with SACK blocks start loss recovery;
 * glassctl shows RecoveryPoint, pipe (SetPipe) and the scoreboard, and
 * CUBIC's W_max (RFC 9438 4.7); after the full ACK the congestion
 * avoidance stage begins with K from eq. 2. */
START_TEST(test_tcb_shows_sack_recovery_and_cubic)
{
    harness_learn_peer(&h);
    struct tcp_h_conn c = {.h = &h, .lport = 80, .pport = 40000, .irs = 5000, .wnd = 65535};
    struct tcp_cb *tcb = passive_opts(&c, true, false, -1, 0, 0);
    enum { SEG = 1460, N = 10 };
    static uint8_t data[N * SEG];
    static struct tseg s;
    glass_stack_lock(h.stack);
    ck_assert_uint_eq(tcp_buf_append(h.stack, &tcb->sndbuf, data, sizeof data), sizeof data);
    tcp_output(tcb);
    glass_stack_unlock(h.stack);
    uint32_t base = c.iss + 1;
    for (unsigned i = 0; i < N; i++) {
        ck_assert(tx_pop_tcp(&h, &s));
        ck_assert_uint_eq(s.seq, base + i * SEG);
    }
    /* Segment 0 lost; 1, 2, 3 arrive: three duplicate ACKs of base. */
    uint8_t o[40];
    for (unsigned k = 1; k <= 3; k++) {
        uint32_t blk[2] = {base + SEG, base + (k + 1) * SEG};
        tcp_h_send_opts(&c, c.snd_nxt, base, TCP_ACK, o, sack_opt(o, 1, blk), NULL, 0);
    }
    ck_assert(tx_pop_tcp(&h, &s)); /* the retransmission of segment 0 */
    ck_assert_uint_eq(s.seq, base);
    char want[128];
    const char *t = run("text tcb 10.0.0.1:40000", 0);
    ck_has(t, "in_recovery  yes\n");
    ck_has(t, "recovery     sack\n");
    snprintf(want, sizeof want, "recovery_pt  %u\n", base + N * SEG - 1);
    ck_has(t, want);
    /* SetPipe: segment 0 (lost, retransmitted) + segments 4-9 in flight. */
    snprintf(want, sizeof want, "pipe         %u\n", 7 * SEG);
    ck_has(t, want);
    snprintf(want, sizeof want, "scoreboard   %u-%u\n", base + SEG, base + 4 * SEG);
    ck_has(t, want);
    ck_has(t, "hystart      off\n");      /* a loss ends HyStart++ */
    ck_has(t, "cubic_w_max  10.00\n");    /* cwnd at the loss, in segments */
    snprintf(want, sizeof want, "\"scoreboard\": [\"%u-%u\"]", base + SEG, base + 4 * SEG);
    ck_has(run_json("tcb"), want);
    /* The full ACK ends recovery (RFC 6675 5 (A)). */
    tcp_h_send(&c, c.snd_nxt, base + N * SEG, TCP_ACK, NULL, 0);
    t = run("text tcb 10.0.0.1:40000", 0);
    ck_has(t, "recovery     no\n");
    ck_has(t, "scoreboard   -\n");
    /* Slow start back up to ssthresh = 0.7 * 10 segments, one segment
     * at a time; the stage (RFC 9438 4.2) begins at ssthresh with
     * cwnd_epoch = 7, so K = cbrt((W_max - cwnd_epoch) / C) =
     * cbrt(3 / 0.4) = 1.957 s (eq. 2). */
    uint32_t acked = base + N * SEG;
    struct tcp_cubic_info ci = {0};
    for (int i = 0; i < 20 && !ci.in_epoch; i++) {
        glass_stack_lock(h.stack);
        ck_assert_uint_eq(tcp_buf_append(h.stack, &tcb->sndbuf, data, SEG), SEG);
        tcp_output(tcb);
        glass_stack_unlock(h.stack);
        ck_assert(tx_pop_tcp(&h, &s));
        acked += SEG;
        tcp_h_send(&c, c.snd_nxt, acked, TCP_ACK, NULL, 0);
        ck_assert(tcp_cubic_info(tcb, &ci));
    }
    ck_assert(ci.in_epoch);
    /* Nothing in flight now (no timer to fire): t is the stage's age. */
    harness_advance(&h, 250 * GLASS_USEC_PER_MSEC);
    t = run("text tcb 10.0.0.1:40000", 0);
    ck_has(t, "cubic_w_max  10.00\n");
    ck_has(t, "cubic_k      1.957\n");
    ck_has(t, "cubic_t      0.250\n");
}
END_TEST

/* ---- stats and trace ------------------------------------------------------------------ */

START_TEST(test_stats_text_and_json)
{
    harness_learn_peer(&h);
    const char *t = run("text stats", 0);
    ck_has(t, "eth:\n    rx                           1\n");
    ck_has(t, "arp:\n    rx                           1\n");
    ck_lacks(t, "drop_short");   /* zeros only with "all" */
    ck_has(t, "memory:\n    in_use");
    ck_has(run("text stats all", 0), "    drop_short                   0\n");
    const char *j = run_json("stats");
    ck_has(j, "{\"stats\": {\n  \"eth\": {\"rx\": 1, \"tx\": ");
    ck_has(j, "\"ipv4\": {\"rx\": 0,");
    ck_has(j, "\"drop_bad_checksum\": 0");
    ck_has(j, "\"memory\": {\"in_use\": ");
    run_json("stats all");
}
END_TEST

START_TEST(test_trace_switch_at_run_time)
{
    ck_assert_str_eq(run("text trace", 0), "trace: off\n");
    FILE *sink = tmpfile();
    glass_trace_set(h.stack, 0, sink);
    ck_assert_str_eq(run("text trace arp,tcp", 0), "trace: arp,tcp\n");
    ck_assert_uint_eq(h.stack->trace_mask, GLASS_TRACE_ARP | GLASS_TRACE_TCP);
    ck_assert_ptr_eq(h.stack->trace_out, sink); /* lines still go where they went */
    ck_assert_str_eq(run_json("trace"), "{\"trace\": [\"arp\", \"tcp\"]}\n");
    ck_assert_str_eq(run("text trace all", 0), "trace: eth,arp,ipv4,icmp,udp,tcp,socket\n");
    ck_assert_str_eq(run("text trace off", 0), "trace: off\n");
    ck_assert_uint_eq(h.stack->trace_mask, 0);
    ck_has(run("text trace arp,bogus", -1), "trace: bad list 'arp,bogus'");
    ck_assert_str_eq(run_json("trace"), "{\"trace\": []}\n");
    glass_trace_set(h.stack, 0, NULL);
    fclose(sink);
}
END_TEST

START_TEST(test_every_command_json_parses)
{
    static const char *const cmds[] = {"if", "arp", "route", "ss", "tcb", "stats", "stats all",
                                       "trace", "route show"};
    harness_learn_peer(&h);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        run_json(cmds[i]);
}
END_TEST


/* ---- trace lines switched on through ctl: the forms ---------------------------- */

/* Everything traced since the sink was emptied, as one string. */
static char trace_text[8192];
static const char *trace_read(FILE *sink)
{
    fflush(sink);
    rewind(sink);
    size_t n = fread(trace_text, 1, sizeof trace_text - 1, sink);
    trace_text[n] = '\0';
    rewind(sink);
    ck_assert_int_eq(ftruncate(fileno(sink), 0), 0);
    return trace_text;
}

START_TEST(test_trace_ipv4_bad_checksum_line)
{
    uint8_t frame[128], icmp[64];
    FILE *sink = tmpfile();
    glass_trace_set(h.stack, 0, sink);
    run("text trace ipv4", 0);
    size_t ilen = build_icmp_echo(icmp, 8, 1, 1, "abc", 3);
    size_t len = build_ipv4_frame(frame, A(H_PEER_IP), A(H_OUR_IP), 1, icmp, ilen);
    uint16_t good = (uint16_t)(frame[14 + 10] << 8 | frame[14 + 11]);
    frame[14 + 11] ^= 0x01; /* RFC 791 3.1: the header checksum no longer adds up */
    harness_inject(&h, frame, len);
    char want[96];
    snprintf(want, sizeof want, " ipv4  drop: header checksum 0x%04x != 0x%04x\n", good ^ 0x01,
             good);
    ck_has(trace_read(sink), want);
    glass_trace_set(h.stack, 0, NULL);
    fclose(sink);
}
END_TEST

/* RFC 9293 3.10.7.2: a SYN on a listener; Wireshark's relative numbers. */
START_TEST(test_trace_tcp_syn_on_listener_lines)
{
    harness_learn_peer(&h);
    tcp_h_listen_tcb(&h, 80, 4);
    FILE *sink = tmpfile();
    glass_trace_set(h.stack, 0, sink);
    run("text trace tcp", 0);
    struct tcp_h_conn c = {.h = &h, .lport = 80, .pport = 51234, .irs = 777, .wnd = 65535};
    tcp_h_handshake_passive(&c);
    const char *t = trace_read(sink);
    ck_has(t, " tcp   10.0.0.1:51234 > 10.0.0.2:80 SYN seq=0 ack=0 win=65535 len=0  LISTEN\n");
    ck_has(t, " tcp   10.0.0.2:80 > 10.0.0.1:51234  LISTEN -> SYN_RCVD\n");
    ck_has(t, " tcp   10.0.0.2:80 > 10.0.0.1:51234 SYN,ACK seq=0 ack=1 win=65535 len=0\n");
    ck_has(t, " tcp   10.0.0.1:51234 > 10.0.0.2:80 ACK seq=1 ack=1 win=65535 len=0  SYN_RCVD\n");
    ck_has(t, " tcp   10.0.0.2:80 > 10.0.0.1:51234  SYN_RCVD -> ESTABLISHED\n");
    glass_trace_set(h.stack, 0, NULL);
    fclose(sink);
}
END_TEST

/* ---- the Unix socket, served from glass_stack_poll ---------------------------------- */

static char sock_path[108];

static void path_setup(void)
{
    setup();
    snprintf(sock_path, sizeof sock_path, "/tmp/glass-check-ctl.%ld.sock", (long)getpid());
    unlink(sock_path);
}

static void path_teardown(void)
{
    teardown();
    unlink(sock_path);
}

static int client_connect(void)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    return fd;
}

/* Send req, drive the stack (no thread) until the answer has come, read it. */
static void ask(const char *req, char *answer, size_t cap)
{
    int fd = client_connect();
    ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    size_t len = 0;
    for (int i = 0; i < 100; i++) {
        glass_stack_poll(h.stack, 0);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10) <= 0)
            continue;
        ssize_t r = recv(fd, answer + len, cap - 1 - len, 0);
        ck_assert_int_ge(r, 0);
        if (r == 0)
            break;
        len += (size_t)r;
    }
    answer[len] = '\0';
    close(fd);
}

START_TEST(test_socket_serves_requests)
{
    char err[256], answer[8192];
    ck_assert_int_eq(glass_ctl_open(h.stack, sock_path, err, sizeof err), 0);
    ck_assert_str_eq(glass_ctl_path(h.stack), sock_path);
    struct stat st;
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 0777, 0600); /* only its user may steer it */

    ask("text if\n", answer, sizeof answer);
    ck_assert_msg(strncmp(answer, "ok\nNAME ", 8) == 0, "answer: %s", answer);
    ck_has(answer, "fake0");
    ask("json route\n", answer, sizeof answer);
    ck_assert(strncmp(answer, "ok\n", 3) == 0);
    ck_assert(json_valid(answer + 3));
    ask("text nope\n", answer, sizeof answer);
    ck_assert_str_eq(answer, "error unknown command 'nope', expected if, arp, route, ss, tcb, "
                             "stats or trace\n");
    /* A request without its newline yet waits; the rest completes it. */
    int fd = client_connect();
    ck_assert_int_eq(send(fd, "text ", 5, 0), 5);
    for (int i = 0; i < 5; i++)
        glass_stack_poll(h.stack, 0);
    ck_assert_int_eq(send(fd, "trace\n", 6, 0), 6);
    for (int i = 0; i < 5; i++)
        glass_stack_poll(h.stack, 0);
    ssize_t r = recv(fd, answer, sizeof answer - 1, MSG_DONTWAIT);
    ck_assert_int_gt(r, 0);
    answer[r] = '\0';
    ck_assert_str_eq(answer, "ok\ntrace: off\n");
    close(fd);

    /* glass_stack_free (in harness_fini) removes the file. */
    harness_fini(&h);
    ck_assert_int_eq(stat(sock_path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    harness_init(&h);
}
END_TEST

START_TEST(test_socket_too_long_request)
{
    char err[256], req[CTL_REQUEST_MAX], answer[512];
    ck_assert_int_eq(glass_ctl_open(h.stack, sock_path, err, sizeof err), 0);
    /* A full buffer and still no newline (sent whole, so the server's
     * close leaves nothing unread that would turn into a reset). */
    memset(req, 'a', sizeof req - 1);
    req[sizeof req - 1] = '\0';
    ask(req, answer, sizeof answer);
    ck_assert_str_eq(answer, "error request longer than 511 bytes\n");
}
END_TEST

START_TEST(test_socket_more_clients_than_slots)
{
    char err[256], answer[4096];
    int fds[CTL_MAX_CLIENTS + 2];
    ck_assert_int_eq(glass_ctl_open(h.stack, sock_path, err, sizeof err), 0);
    /* Clients that never send a line: the oldest give way, the stack runs on. */
    for (int i = 0; i < CTL_MAX_CLIENTS + 2; i++) {
        fds[i] = client_connect();
        glass_stack_poll(h.stack, 0);
    }
    ask("text arp\n", answer, sizeof answer);
    ck_assert(strncmp(answer, "ok\nADDRESS", 10) == 0);
    char c;
    ck_assert_int_eq(recv(fds[0], &c, 1, MSG_DONTWAIT), 0); /* dropped: EOF */
    for (int i = 0; i < CTL_MAX_CLIENTS + 2; i++)
        close(fds[i]);
}
END_TEST

START_TEST(test_socket_stale_replaced_live_refused)
{
    char err[256], answer[256];
    /* A stale socket: bound by a "program" that is gone (never listened). */
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
    int old = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(old, (struct sockaddr *)&sun, sizeof sun), 0);
    close(old);
    ck_assert_int_eq(glass_ctl_open(h.stack, sock_path, err, sizeof err), 0);
    ask("text trace\n", answer, sizeof answer);
    ck_assert_str_eq(answer, "ok\ntrace: off\n");

    /* A live one is not taken over. */
    struct glass_stack *other = glass_stack_new(h.clock);
    ck_assert_int_eq(glass_ctl_open(other, sock_path, err, sizeof err), -1);
    ck_assert_int_eq(errno, EADDRINUSE);
    ck_has(err, "another program answers there; give another --ctl PATH");
    ck_assert_int_eq(glass_stack_free(other), 0);
    /* ...and the failed attempt did not remove our file. */
    ask("text trace\n", answer, sizeof answer);
    ck_assert_str_eq(answer, "ok\ntrace: off\n");

    char longp[200];
    memset(longp, 'x', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    other = glass_stack_new(h.clock);
    ck_assert_int_eq(glass_ctl_open(other, longp, err, sizeof err), -1);
    ck_has(err, "is too long (at most 107 bytes)");
    ck_assert_int_eq(glass_ctl_open(other, "/nonexistent-dir/x.sock", err, sizeof err), -1);
    ck_has(err, "cannot serve control socket /nonexistent-dir/x.sock: No such file or directory "
                "(check that its directory exists and is writable)");
    ck_assert_int_eq(glass_stack_free(other), 0);
}
END_TEST

static Suite *ctl_suite(void)
{
    Suite *s = suite_create("ctl");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_json_checker_itself);
    tcase_add_test(tc, test_request_parser_errors);
    tcase_add_test(tc, test_if_text_and_json);
    tcase_add_test(tc, test_if_counts_frames);
    tcase_add_test(tc, test_if_shows_offload_mode_and_counters);
    tcase_add_test(tc, test_arp_shows_learnt_neighbour);
    tcase_add_test(tc, test_arp_incomplete_shows_queue);
    tcase_add_test(tc, test_route_show_add_del);
    tcase_add_test(tc, test_route_add_errors);
    tcase_add_test(tc, test_ss_listener_and_udp);
    tcase_add_test(tc, test_tcb_established_in_full);
    tcase_add_test(tc, test_tcb_shows_rfc7323_and_sack_options);
    tcase_add_test(tc, test_tcb_newreno_has_no_cubic_fields);
    tcase_add_test(tc, test_tcb_shows_sack_recovery_and_cubic);
    tcase_add_test(tc, test_stats_text_and_json);
    tcase_add_test(tc, test_trace_switch_at_run_time);
    tcase_add_test(tc, test_every_command_json_parses);
    tcase_add_test(tc, test_trace_ipv4_bad_checksum_line);
    tcase_add_test(tc, test_trace_tcp_syn_on_listener_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("socket");
    tcase_add_checked_fixture(tc, path_setup, path_teardown);
    tcase_add_test(tc, test_socket_serves_requests);
    tcase_add_test(tc, test_socket_too_long_request);
    tcase_add_test(tc, test_socket_more_clients_than_slots);
    tcase_add_test(tc, test_socket_stale_replaced_live_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run_suite(ctl_suite());
}
