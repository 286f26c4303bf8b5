/*
 * common.h - the command-line contract every glass app shares (DESIGN.md,
 * "Command-line contract shared by every app"):
 *
 *   --if SPEC        DRIVER:NAME[,ADDR/PREFIX][,mac=MAC][,mtu=N][,offload=on|off]; repeatable
 *                    default: tap:tap0,10.0.0.2/24
 *                    tap links may be impaired (netem-like, both directions):
 *                    [,loss=P%][,delay=T][,reorder=P%][,dup=P%][,seed=N]
 *   --gw ADDR        default route (default 10.0.0.1)
 *   --route NET/N,via=ADDR   extra route; repeatable
 *   --pcap FILE      capture every frame to FILE ("-" = stdout)
 *   --trace LIST     eth,arp,ipv4,icmp,udp,tcp,socket or all (to stderr)
 *   --ctl PATH       control socket for glassctl (default:
 *                    $XDG_RUNTIME_DIR or /run/glass, PROG.PID.sock)
 *   -h/--help, --version
 *
 * Two steps, kept apart on purpose:
 *   1. glass_app_parse() turns argv into a struct glass_app_opts.  It has no
 *      side effects (no stack, no device, no output, no exit), so the unit
 *      tests (tests/unit/check_cli.c) can feed it every kind of bad input
 *      and read back the one-line error it would print.
 *   2. glass_app_bring_up() makes the stack from those options: capture,
 *      trace, interfaces (driver, MAC, MTU, address, up) and routes.
 *
 * An app adds its own options by describing them in a table of
 * struct glass_app_option and handing a callback that receives them; the
 * shared flags are parsed by common.c, whatever is not an option is left
 * in opts->argc/argv for the app (e.g. glass-ping's DEST).
 */
#ifndef GLASS_APP_COMMON_H
#define GLASS_APP_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "glass.h"

#define GLASS_APP_MAX_IFS 8
#define GLASS_APP_MAX_ROUTES 16
#define GLASS_APP_DRIVER_MAX 16
#define GLASS_APP_ERRLEN 256

/* RFC 791: every internet module must be able to forward a datagram of 68
 * octets without fragmenting; 65535 is the largest IPv4 total length. */
#define GLASS_APP_MTU_MIN 68
#define GLASS_APP_MTU_MAX 65535

#define GLASS_APP_DEFAULT_IF "tap:tap0,10.0.0.2/24"
#define GLASS_APP_DEFAULT_GW "10.0.0.1"

#define GLASS_APP_IF_FORM "DRIVER:NAME[,ADDR/PREFIX|,dhcp][,mac=MAC][,mtu=N][,offload=on|off]"
/* The impairment items of --if (glass_netif_impair). */
#define GLASS_APP_IMPAIR_FORM "loss=P%,delay=T,reorder=P%,dup=P%,seed=N (P 0..100, T such as 5ms)"
/* Longest delay an --if may ask for. */
#define GLASS_APP_DELAY_MAX (10 * GLASS_USEC_PER_SEC)
#define GLASS_APP_ROUTE_FORM "NET/PREFIX,via=ADDR"
#define GLASS_APP_TRACE_FORM "a list of eth,arp,ipv4,icmp,udp,tcp,socket or all"

/* One --if: what glass_netif_open needs plus what to set on the link. */
struct glass_if_spec {
    char driver[GLASS_APP_DRIVER_MAX];  /* "tap" */
    char name[GLASS_IFNAMSIZ];          /* "tap0" */
    bool has_addr;
    bool dhcp;                          /* ,dhcp: the address comes from a DHCP server */
    uint32_t addr;                      /* network byte order */
    unsigned prefix_len;
    bool has_mac;                       /* false: the stack derives one */
    uint8_t mac[GLASS_ETH_ALEN];
    unsigned mtu;                       /* 0: the driver's default */
    bool has_offload;                   /* offload= given; else the app's default */
    bool offload;                       /* offload=on: IFF_VNET_HDR, GSO, TSO */
    bool has_impair;                    /* loss=, delay=, reorder=, dup= or seed= given */
    unsigned impair_given;              /* bit per item, to refuse one given twice */
    struct glass_impair impair;         /* reorder_delay: delay, or 1 ms without one */
};

/* One --route: net/prefix_len via gateway `via`. */
struct glass_route_spec {
    uint32_t net;                       /* network byte order, host bits zero */
    unsigned prefix_len;
    uint32_t via;
};

struct glass_app_opts {
    struct glass_if_spec ifs[GLASS_APP_MAX_IFS];
    unsigned nifs;
    uint32_t gw;                        /* default gateway, network byte order */
    bool gw_explicit;                   /* --gw was given */
    struct glass_route_spec routes[GLASS_APP_MAX_ROUTES];
    unsigned nroutes;
    const char *pcap;                   /* NULL: no capture; "-": stdout */
    unsigned trace_mask;                /* GLASS_TRACE_* bits, 0: off */
    const char *ctl;                    /* --ctl PATH, NULL when not given */
    uint32_t dns;                       /* --dns ADDR (app->resolves), 0: not given */
    const char *prog;                   /* names the default control socket */
    int argc;                           /* operands left for the app */
    char **argv;
};

/* An option of the app's own, e.g. glass-ping's -c COUNT. */
struct glass_app_option {
    const char *long_name;              /* "count", or NULL for short only */
    int key;                            /* 'c', or >= GLASS_APP_KEY_APP for long only */
    const char *arg;                    /* argument name for --help ("COUNT"), NULL: none */
    const char *help;                   /* one line for --help */
};
/* Keys of long-only app options start here (the shared ones sit below). */
#define GLASS_APP_KEY_APP 0x2000

/* Receives each app option as it is parsed.  Return 0, or -1 after writing
 * a message (without the program name) into err, e.g.
 * "-c 'x': bad count, expected an integer 1..2147483647". */
typedef int (*glass_app_option_fn)(void *ctx, int key, const char *arg, char *err,
                                   size_t errlen);

struct glass_app {
    const char *prog;                   /* "glass-ping" */
    const char *synopsis;               /* "[OPTION]... DEST" */
    const char *summary;                /* what the program does, one line */
    const struct glass_app_option *options; /* ends with {0}; NULL: none */
    glass_app_option_fn on_option;
    void *ctx;                          /* passed to on_option */
    const char *notes;                  /* extra --help text, or NULL */
    bool resolves;                      /* looks names up: offer --dns ADDR */
};

enum glass_app_parse_result {
    GLASS_APP_RUN,                      /* go on: opts are filled */
    GLASS_APP_HELP,                     /* -h/--help was given */
    GLASS_APP_VERSION,                  /* --version was given */
    GLASS_APP_USAGE_ERROR,              /* err holds the one line to print */
};

/* Parse argv into opts (shared flags) and app->on_option (the app's).
 * No side effects beyond filling opts and err (getopt's optind is reset,
 * and GNU getopt may permute argv so operands can follow options). */
enum glass_app_parse_result glass_app_parse(const struct glass_app *app, int argc, char **argv,
                                            struct glass_app_opts *opts, char *err,
                                            size_t errlen);

/* The pieces glass_app_parse is made of, for tests and for apps. */
int glass_app_parse_if(const char *spec, struct glass_if_spec *out, char *err, size_t errlen);
int glass_app_parse_route(const char *spec, struct glass_route_spec *out, char *err,
                          size_t errlen);
int glass_app_parse_trace(const char *list, unsigned *mask, char *err, size_t errlen);
/* Decimal digits only (no sign, no spaces, no 0x), value <= max: 0, or -1. */
int glass_app_parse_ulong(const char *s, unsigned long max, unsigned long *out);
/* Decimal seconds ("0.2", "1", "1.5"): a finite number min <= v <= max:
 * 0 and *secs, or -1. */
int glass_app_parse_seconds(const char *s, double min, double max, double *secs);
/* Seconds as stack time, rounded to the nearest microsecond. */
static inline glass_time_t glass_app_usec(double secs)
{
    return (glass_time_t)(secs * GLASS_USEC_PER_SEC + 0.5);
}
/* A decimal port number 1..65535 and nothing else: 0, or -1. */
int glass_app_parse_port(const char *s, unsigned *port);
/* --dns ADDR: a unicast IPv4 address of a DNS server: 0, or -1 with err set. */
int glass_app_parse_dns(const char *arg, uint32_t *dns, char *err, size_t errlen);
/* The DNS server to ask: --dns, else the one a DHCP lease named, else the
 * gateway. */
uint32_t glass_app_dns_server(struct glass_stack *stack, const struct glass_app_opts *opts);
/* How long glass_app_bring_up waits for the DHCP leases of ,dhcp links. */
#define GLASS_APP_DHCP_WAIT_MS 30000
/* Is addr on the subnet of one of the --if addresses? */
bool glass_app_on_link(const struct glass_app_opts *opts, uint32_t addr);
/* Install the default route?  True when --gw is on a configured subnet; an
 * unreachable *default* gateway is skipped (the user asked for nothing),
 * an unreachable explicit one was already refused by glass_app_parse. */
bool glass_app_want_default_route(const struct glass_app_opts *opts);

/* What main() does with the parse result: prints --help or --version to
 * stdout and exits 0, prints "prog: err" to stderr and exits 2; returns
 * only on GLASS_APP_RUN. */
void glass_app_parse_or_exit(const struct glass_app *app, int argc, char **argv,
                             struct glass_app_opts *opts);
void glass_app_print_help(const struct glass_app *app, FILE *out);
/* One line "prog: message" on stderr, then exit(2). */
void glass_app_usage_error(const struct glass_app *app, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Step 2: a stack with a real clock, capture, trace, interfaces and routes
 * as opts say.  NULL on failure, with one sentence in err (the driver's own
 * for an interface that cannot be opened); nothing is left allocated. */
struct glass_stack *glass_app_bring_up(const struct glass_app_opts *opts, char *err,
                                       size_t errlen);
/* The parts of bring-up that do not need a driver (tests use them on the
 * harness's fake interface). */
int glass_app_configure_netif(struct glass_netif *nif, const struct glass_if_spec *spec,
                              char *err, size_t errlen);
int glass_app_add_routes(struct glass_stack *stack, const struct glass_app_opts *opts, char *err,
                         size_t errlen);
/* "tap0 10.0.0.2/24 mac 02:00:0a:00:00:02 mtu 1500, gw 10.0.0.1" */
void glass_app_describe(struct glass_stack *stack, const struct glass_app_opts *opts, char *buf,
                        size_t len);
/* The default control socket: $XDG_RUNTIME_DIR/PROG.PID.sock, or
 * /run/glass/PROG.PID.sock (GLASS_CTL_DIR) when that is not set. */
void glass_app_default_ctl(const char *prog, char *buf, size_t len);
/* Close the capture (flushing it) and free the stack. */
void glass_app_shut_down(struct glass_stack *stack);

/* SIGINT and SIGTERM set glass_app_stop_signal (without SA_RESTART, so a blocked
 * glass_poll or glass_stack_poll returns EINTR at once); SIGPIPE is
 * ignored, so a closed stdout or pcap pipe is an error to report, not a
 * silent death. */
void glass_app_catch_signals(void);
/* The signal that asked the program to stop (SIGINT/SIGTERM), 0 until then. */
extern volatile sig_atomic_t glass_app_stop_signal;
/* glass_stack_start with SIGINT/SIGTERM blocked in the new thread (it
 * inherits the mask), so the signals land on the main thread and
 * interrupt its glass_poll. */
int glass_app_start_stack(struct glass_stack *stack);

#endif
