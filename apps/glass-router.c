/*
 * glass-router - a glass stack that forwards between its interfaces.
 *
 *   glass-router --if tap:tapA,10.0.1.1/24 --if tap:tapB,10.0.2.1/24 \
 *                [--route NET/N,via=ADDR]... [--gw ADDR]
 *
 * The same shared command line as every glass app (apps/common.h), with
 * IPv4 forwarding turned on (glass_stack_set_forwarding, RFC 1812): each
 * --if is an interface with a driver of its own, its address gives the
 * connected route, --route and --gw add static and default routes.  It
 * answers ARP and ping on every interface, forwards what is for others
 * (TTL - 1, ICMP time exceeded / unreachable / fragmentation needed), and
 * on SIGINT or SIGTERM prints its counters (ipv4.forwarded, ipv4.fwd_*)
 * and exits 0.  scripts/lab-router puts one between two Linux hosts.
 *
 * Like glassd it drives the stack from one thread with glass_stack_poll,
 * so a breakpoint on ipv4_forward stops the whole router on one datagram.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "glass.h"

/* How long one glass_stack_poll may sleep: the bound on how late we notice
 * a signal that slips in between the flag test and the wait. */
#define ROUTER_POLL_MS 200

static const struct glass_app router_app = {
    .prog = "glass-router",
    .synopsis = "--if SPEC --if SPEC [OPTION]...",
    .summary = "Route IPv4 between two or more interfaces (RFC 1812 forwarding)\n"
               "until SIGINT or SIGTERM.",
    .notes = "Every --if needs an address: it is the router's address on that link\n"
             "and gives the connected route.  No default route is made unless --gw\n"
             "(or --route 0.0.0.0/0,via=ADDR) names one on a configured subnet.\n"
             "On SIGINT or SIGTERM it prints its counters to stderr and exits 0.\n"
             "\n"
             "Example (see scripts/lab-router, which builds this lab):\n"
             "  glass-router --if tap:tapA,10.0.1.1/24 --if tap:tapB,10.0.2.1/24\n",
};

/* A router needs two links and an address on each. */
static void check_interfaces(const struct glass_app_opts *opts)
{
    if (opts->nifs < 2)
        glass_app_usage_error(&router_app, "%u interface given, expected at least two --if "
                              "(a router joins networks)", opts->nifs);
    for (unsigned i = 0; i < opts->nifs; i++)
        if (!opts->ifs[i].has_addr)
            glass_app_usage_error(&router_app, "--if %s:%s has no address, expected "
                                  "%s,ADDR/PREFIX (the router's address on that link)",
                                  opts->ifs[i].driver, opts->ifs[i].name, opts->ifs[i].name);
}

static int serve(struct glass_stack *stack)
{
    while (!glass_app_stop_signal) {
        if (glass_stack_poll(stack, ROUTER_POLL_MS) < 0 && errno != EINTR) {
            fprintf(stderr, "glass-router: poll: %s\n", strerror(errno));
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct glass_app_opts opts;
    struct glass_stack *stack;
    char err[GLASS_APP_ERRLEN], what[1024];
    int status;

    glass_app_parse_or_exit(&router_app, argc, argv, &opts);
    if (opts.argc > 0)
        glass_app_usage_error(&router_app, "unexpected operand '%s' (glass-router takes "
                              "options only, see --help)", opts.argv[0]);
    check_interfaces(&opts);
    /* Taps default to offload=on like every app: a GSO frame from one
     * tap is forwarded whole when each of its wire segments fits the next
     * link, and cut in software where that link has no TSO
     * (stack/offload_gso.c, docs/routing.md "Super-segments in transit"). */
    glass_app_catch_signals();
    stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!stack) {
        fprintf(stderr, "glass-router: %s\n", err);
        return 1;
    }
    glass_stack_set_forwarding(stack, 1);
    glass_app_describe(stack, &opts, what, sizeof(what));
    fprintf(stderr, "glass-router: forwarding between %s\n", what);

    status = serve(stack);

    if (glass_app_stop_signal)
        fprintf(stderr, "glass-router: %s, shutting down\n",
                glass_app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    glass_capture_close(stack);
    glass_stats_print(stack, stderr);
    if (glass_stack_free(stack) < 0)
        status = 1;
    return status;
}
